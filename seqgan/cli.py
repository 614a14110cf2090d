"""Command line: ``python -m seqgan <verb>``. The only place that reads/writes files and seeds RNGs."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from seqgan import atomic, config
from seqgan import device as devices
from seqgan.checkpoint import Checkpointer, file_digest, fingerprint
from seqgan.data import download
from seqgan.models import oracle as oracles
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.models.saved import (
    load_discriminator,
    load_generator,
    load_generator_optimizer_state,
    load_tokens,
    save_discriminator,
    save_generator,
    save_tokens,
)
from seqgan.train import adversarial, mle
from seqgan.train import discriminator as d_training
from seqgan.train.curve import LearningCurve

log = logging.getLogger("seqgan")


def _progress(iterable, total: int, desc: str):
    """A tqdm bar on a terminal; in a log file the per-epoch log lines are the progress."""
    return tqdm(iterable, total=total, desc=desc, disable=not sys.stderr.isatty(), leave=False)


class Run:
    """What every training verb sets up the same way: config, device, threads, seeds, training data; the learning curve on demand."""

    def __init__(self, args):
        self.args = args
        self.cfg = config.load(args.config)
        devices.set_threads(args.threads)
        self.device = devices.resolve(args.device)
        torch.manual_seed(args.seed)  # global stream: parameter init and dropout
        self.rng = torch.Generator().manual_seed(args.seed)  # sampling and shuffling
        self.started = time.perf_counter()
        oracle_cfg = self.cfg.oracle
        self.train = load_tokens(args.train, oracle_cfg.vocab_size, oracle_cfg.seq_len)
        log.info("device=%s threads=%d seed=%d config=%s", self.device, torch.get_num_threads(), args.seed, args.config)

    def curve(self, rows: list[dict]) -> LearningCurve:
        """The learning curve, continuing ``rows`` (those restored from a checkpoint, shared with it)."""
        oracle, _ = load_generator(self.args.oracle, self.device)
        test = load_tokens(self.args.test, self.cfg.oracle.vocab_size, self.cfg.oracle.seq_len)
        e = self.cfg.eval
        return LearningCurve(oracle.eval(), test, e.num_samples, e.every, e.batch_size, self.args.seed, rows)

    def checkpointer(self, modules, optimizers, **identity) -> Checkpointer:
        inputs = {k: file_digest(v) for k, v in identity.pop("inputs").items()}
        key = fingerprint(config=self.cfg.to_dict(), seed=self.args.seed, inputs=inputs, **identity)
        return Checkpointer(
            Path(self.args.checkpoint_dir), key, modules, optimizers, self.rng, self.cfg.checkpoint_every
        )

    def wall(self, checkpointer: Checkpointer) -> float:
        return checkpointer.wall_seconds + time.perf_counter() - self.started


def cmd_fetch(args) -> None:
    download.fetch(args.name, args.out, args.mirror)
    log.info("fetched %s -> %s (sha256 ok)", args.name, args.out)


def cmd_oracle(args) -> None:
    cfg = config.load(args.config).oracle
    devices.set_threads(args.threads)  # the oracle stays on the CPU: identical data on every machine
    rng = torch.Generator().manual_seed(cfg.seed)
    if cfg.source == "original":
        if not args.params:
            raise SystemExit("oracle.source is 'original': pass --params with the released target_params_py3.pkl")
        oracle = oracles.released_oracle(args.params, cfg.seq_len)
    else:
        oracle = oracles.random_oracle(cfg, rng)
    train = oracle.sample(cfg.num_train, rng)
    test = oracle.sample(cfg.num_test, rng)
    out = Path(args.out_dir)
    save_generator(oracle, out / "oracle.pt", epoch=0)
    save_tokens(train, out / "train.pt")
    save_tokens(test, out / "test.pt")
    log.info("oracle source=%s train=%s test=%s", cfg.source, tuple(train.shape), tuple(test.shape))


def cmd_mle(args) -> None:
    run = Run(args)
    cfg, p = run.cfg, run.cfg.pretrain
    if args.init:
        generator, start_epoch = load_generator(args.init, run.device)
    else:
        generator, start_epoch = Generator.from_config(cfg.oracle.vocab_size, cfg.oracle.seq_len, cfg.generator), 0
        generator.init_normal(cfg.generator.init_std, run.rng).to(run.device)
    epochs = p.epochs if args.epochs is None else args.epochs
    optimizer = torch.optim.Adam(generator.parameters(), lr=p.lr)
    if args.init and (state := load_generator_optimizer_state(args.init)) is not None:
        optimizer.load_state_dict(state)  # the MLE baseline continues pretraining, Adam moments included
    inputs = {"train": args.train, **({"init": args.init} if args.init else {})}
    ckpt = run.checkpointer(
        {"generator": generator}, {"generator": optimizer}, phase=args.phase, epochs=epochs, inputs=inputs
    )
    curve = run.curve(ckpt.curve)
    done = ckpt.resume()
    last = start_epoch + epochs
    if done == 0:
        curve.record(args.phase, start_epoch, generator, run.wall(ckpt))
    for step in _progress(range(done, epochs), epochs - done, args.phase):
        epoch = start_epoch + step + 1
        loss = mle.mle_epoch(generator, optimizer, run.train, p.batch_size, p.grad_clip, run.rng, epoch)
        log.info("epoch phase=%s epoch=%d loss=%.5f", args.phase, epoch, loss)
        if curve.due(epoch, last):
            curve.record(args.phase, epoch, generator, run.wall(ckpt))
        ckpt.after_step(step + 1, epochs, run.wall(ckpt))
    save_generator(generator, args.out, last, optimizer)
    atomic.write_text(args.curve, curve.to_csv())


def cmd_pretrain_d(args) -> None:
    run = Run(args)
    cfg, d = run.cfg, run.cfg.discriminator_training
    generator, _ = load_generator(args.generator, run.device)
    discriminator = Discriminator.from_config(cfg.oracle.vocab_size, cfg.discriminator).to(run.device)
    optimizer = torch.optim.Adam(discriminator.parameters(), lr=d.lr)
    ckpt = run.checkpointer(
        {"discriminator": discriminator},
        {"discriminator": optimizer},
        phase="pretrain-d",
        inputs={"train": args.train, "generator": args.generator},
    )
    done = ckpt.resume()
    for step in _progress(range(done, d.pretrain_rounds), d.pretrain_rounds - done, "pretrain-d"):
        loss = d_training.round_of_training(
            discriminator,
            optimizer,
            generator,
            run.train,
            d.num_negatives,
            d.pretrain_epochs,
            d.batch_size,
            cfg.discriminator.l2_reg,
            run.rng,
            cfg.precision,
            f"discriminator pretraining, round {step + 1}",
        )
        log.info("round phase=pretrain-d round=%d loss=%.5f", step + 1, loss)
        ckpt.after_step(step + 1, d.pretrain_rounds, run.wall(ckpt))
    save_discriminator(discriminator, optimizer, args.out)


def cmd_adversarial(args) -> None:
    run = Run(args)
    cfg, a, d = run.cfg, run.cfg.adversarial, run.cfg.discriminator_training
    generator, start_epoch = load_generator(args.generator, run.device)
    discriminator, d_state = load_discriminator(args.discriminator, run.device)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=a.lr)  # the original code's fresh g_updates
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=d.lr)
    d_optimizer.load_state_dict(d_state)
    ckpt = run.checkpointer(
        {"generator": generator, "discriminator": discriminator},
        {"generator": g_optimizer, "discriminator": d_optimizer},
        phase="adversarial",
        inputs={"train": args.train, "generator": args.generator, "discriminator": args.discriminator},
    )
    curve = run.curve(ckpt.curve)
    done = ckpt.resume()
    last = start_epoch + a.iterations
    if done == 0:
        curve.record("adversarial", start_epoch, generator, run.wall(ckpt))
    for step in _progress(range(done, a.iterations), a.iterations - done, "adversarial"):
        epoch = start_epoch + step + 1
        for _ in range(a.g_steps):
            loss, reward = adversarial.generator_step(
                generator,
                g_optimizer,
                discriminator,
                a.batch_size,
                a.rollouts,
                a.grad_clip,
                run.rng,
                a.rollout_chunk,
                cfg.precision,
                epoch,
            )
        if curve.due(epoch, last):
            curve.record("adversarial", epoch, generator, run.wall(ckpt))
        for _ in range(a.d_steps):
            d_loss = d_training.round_of_training(
                discriminator,
                d_optimizer,
                generator,
                run.train,
                d.num_negatives,
                a.k_epochs,
                d.batch_size,
                cfg.discriminator.l2_reg,
                run.rng,
                cfg.precision,
                f"discriminator, adversarial epoch {epoch}",
            )
        log.info(
            "iteration phase=adversarial epoch=%d pg_loss=%.4f mean_reward=%.4f d_loss=%s",
            epoch,
            loss,
            reward,
            f"{d_loss:.5f}" if a.d_steps else "nan",
        )
        ckpt.after_step(step + 1, a.iterations, run.wall(ckpt))
    save_generator(generator, args.out_generator, last)
    save_discriminator(discriminator, d_optimizer, args.out_discriminator)
    atomic.write_text(args.curve, curve.to_csv())


def cmd_report_synthetic(args) -> None:
    from seqgan.report import synthetic  # matplotlib is only needed here

    runs = [synthetic.parse_curve_arg(value) for value in args.curve]
    synthetic.write_summary(runs, args.out_csv, args.out_md)
    synthetic.write_figure(runs, args.out_figure, args.out_svg)


def _training_args(parser: argparse.ArgumentParser, *inputs: str) -> None:
    parser.add_argument("--config", required=True, help="experiment config JSON written by the workflow")
    for name in inputs:
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--checkpoint-dir", required=True, help="resumable state; a re-run continues from it")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqgan", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)

    p = verbs.add_parser("fetch", help="copy or download a pinned file and verify its sha256")
    p.add_argument("name", help=f"one of: {', '.join(download.REGISTRY)}")
    p.add_argument("--out", required=True)
    p.add_argument("--mirror", help="directory with local copies under the same names")
    p.set_defaults(func=cmd_fetch)

    p = verbs.add_parser("oracle", help="build the oracle and sample its train and test sets")
    p.add_argument("--config", required=True)
    p.add_argument("--params", help="released target_params_py3.pkl (oracle.source: original)")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_oracle)

    p = verbs.add_parser("mle", help="MLE training of the generator (pretraining, or the MLE baseline)")
    _training_args(p, "oracle", "train", "test", "out", "curve")
    p.add_argument("--init", help="continue from this generator instead of a fresh one")
    p.add_argument("--epochs", type=int, help="default: pretrain.epochs")
    p.add_argument("--phase", default="pretrain", help="label in the learning curve")
    p.set_defaults(func=cmd_mle)

    p = verbs.add_parser("pretrain-d", help="pretrain the discriminator against the pretrained generator")
    _training_args(p, "generator", "train", "out")
    p.set_defaults(func=cmd_pretrain_d)

    p = verbs.add_parser("adversarial", help="SeqGAN adversarial training")
    _training_args(
        p, "oracle", "train", "test", "generator", "discriminator", "out-generator", "out-discriminator", "curve"
    )
    p.set_defaults(func=cmd_adversarial)

    p = verbs.add_parser("report-synthetic", help="learning-curve figure and summary table")
    p.add_argument("--curve", action="append", required=True, help="METHOD:SEED:PATH, repeated")
    p.add_argument("--out-figure", required=True)
    p.add_argument("--out-svg", required=True)
    p.add_argument("--out-csv", required=True)
    p.add_argument("--out-md", required=True)
    p.set_defaults(func=cmd_report_synthetic)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (config.ConfigError, download.ChecksumError, OSError, ValueError, FloatingPointError) as err:
        log.error("%s", err)
        return 1
    return 0
