"""Command line: ``python -m seqgan <verb>``. The only place that reads/writes files and seeds RNGs."""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import hashlib
import json
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
from seqgan.data.corpus import Corpus, load_vocab
from seqgan.data.vocab import PAD
from seqgan.metrics import corpus_scores
from seqgan.metrics.bleu import ReferenceSet, orders_needed
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
from seqgan.train import adversarial, mle, pg_bleu, scheduled_sampling
from seqgan.train import discriminator as d_training
from seqgan.train.curve import LearningCurve, per_sequence_csv
from seqgan.train.optim import Adam

log = logging.getLogger("seqgan")


def _progress(iterable, total: int, desc: str):
    """A tqdm bar on a terminal; in a log file the per-epoch log lines are the progress."""
    return tqdm(iterable, total=total, desc=desc, disable=not sys.stderr.isatty(), leave=False)


class Run:
    """What every training verb sets up the same way: config, device, threads, seeds, training data,
    the learning curve with its best model, and the final outputs. A job that trains or uses a
    discriminator (``discriminator=True``) also resolves its precision for this device, once, and logs it."""

    def __init__(self, args, discriminator: bool = False):
        self.args = args
        if args.experiment == "synthetic":
            self.cfg = config.load(args.config)
            self.vocab_size, self.seq_len = self.cfg.oracle.vocab_size, self.cfg.oracle.seq_len
        else:  # a real corpus: its vocabulary file sets the size; its data section the length
            self.cfg = config.load_json(args.config, config.CORPORA[args.experiment])
            if not args.vocab:
                raise ValueError(f"--experiment {args.experiment} needs --vocab (the corpus's vocab.json)")
            if any(getattr(args, name, None) for name in ("out_best", "nll_final", "nll_best")):
                # "best" would be chosen on the test split, and NLL-oracle needs an oracle
                raise ValueError("--out-best, --nll-final and --nll-best are for the synthetic experiment only")
            self.vocab_size, self.seq_len = len(load_vocab(args.vocab)), self.cfg.seq_len
        devices.set_threads(args.threads)
        self.device = devices.resolve(args.device)
        torch.manual_seed(args.seed)  # global stream: parameter init and dropout
        self.rng = torch.Generator().manual_seed(args.seed)  # sampling and shuffling
        self.started = time.perf_counter()
        self.train = load_tokens(args.train, self.vocab_size, self.seq_len) if args.train else None
        negatives = self.cfg.discriminator_training.num_negatives
        if self.train is not None and negatives > len(self.train):
            raise config.ConfigError(
                f"config key 'discriminator_training.num_negatives': {negatives} exceeds the"
                f" {len(self.train)} training sequences of {args.train} (each round pairs them one to one)"
            )
        log.info("device=%s threads=%d seed=%d config=%s", self.device, torch.get_num_threads(), args.seed, args.config)
        # Only the discriminator runs under autocast; everything else is fp32 whatever the config says.
        self.precision = "fp32"
        if discriminator:
            resolved = devices.resolve_precision(self.cfg.precision, self.device)
            self.precision = resolved.value
            log.info("%s", devices.precision_line(self.cfg.precision, resolved))  # the report's source
            if resolved.warning:
                log.warning("%s", resolved.warning)

    def fresh_generator(self) -> Generator:
        """The seed's untrained generator: N(0, init_std) parameters drawn first from the run's stream."""
        generator = Generator.from_config(self.vocab_size, self.seq_len, self.cfg.generator)
        return generator.init_normal(self.cfg.generator.init_std, self.rng).to(self.device)

    def curve(self, rows: list[dict]) -> LearningCurve:
        """The learning curve, continuing ``rows`` (those restored from a checkpoint, shared with it).
        Without an oracle (real corpora) it holds NLL-test only."""
        args = self.args
        if args.experiment == "synthetic" and not args.oracle:
            raise ValueError("the synthetic experiment needs --oracle (NLL-oracle of the learning curve)")
        oracle = load_generator(args.oracle, self.device)[0].eval() if args.oracle else None
        test = load_tokens(args.test, self.vocab_size, self.seq_len)
        e = self.cfg.eval
        return LearningCurve(oracle, test, e.num_samples, e.every, e.batch_size, args.seed, args.phase, rows)

    def checkpointer(self, modules, optimizers, **identity) -> Checkpointer:
        inputs = {k: file_digest(v) for k, v in identity.pop("inputs").items()}
        key = fingerprint(config=self.cfg.to_dict(), seed=self.args.seed, inputs=inputs, **identity)
        return Checkpointer(
            Path(self.args.checkpoint_dir), key, modules, optimizers, self.rng, self.cfg.checkpoint_every
        )

    def wall(self, checkpointer: Checkpointer | None = None) -> float:
        before = checkpointer.wall_seconds if checkpointer else 0.0
        return before + time.perf_counter() - self.started

    def record(self, curve: LearningCurve, epoch: int, generator: Generator, best: Generator, ckpt=None) -> None:
        """A learning-curve point; ``best`` takes the generator's weights when this point is the best so far."""
        row = curve.record(self.args.phase, epoch, generator, self.wall(ckpt))
        if row is curve.best:
            best.load_state_dict(generator.state_dict())

    def finish(self, curve: LearningCurve, generator: Generator, best: Generator, last: int, optimizer=None) -> None:
        """The final generator and the curve; on request the best generator and per-sequence NLL-oracle of both."""
        args = self.args
        save_generator(generator, args.out, last, optimizer)
        best_epoch = curve.best["epoch"]
        if args.out_best:
            save_generator(best, args.out_best, best_epoch)
        if args.nll_final:
            atomic.write_text(args.nll_final, per_sequence_csv(curve.per_sequence(generator, last)))
        if args.nll_best:
            atomic.write_text(args.nll_best, per_sequence_csv(curve.per_sequence(best, best_epoch)))
        atomic.write_text(args.curve, curve.to_csv())


def cmd_fetch(args) -> None:
    download.fetch(args.name, args.out, args.mirror)
    log.info("fetched %s -> %s (%s ok)", args.name, args.out, download.lookup(args.name).expected)


def cmd_corpus(args) -> None:
    """A real corpus from its downloaded file to token ids per split (preprocessing: seqgan/data)."""
    from seqgan.data import nottingham, obama, poems

    settings = dataclasses.asdict(config.load_json(args.config, config.CORPORA[args.name]).data)
    del settings["source"]  # the rule resolves the download name to --source
    max_train = settings.pop("max_train")
    preprocess = {"poems": poems.preprocess, "obama": obama.preprocess, "music": nottingham.preprocess}[args.name]
    corpus = preprocess(args.source, **settings).limit_train(max_train)
    corpus.save(args.out_dir)
    log.info("corpus %s from %s: %s", corpus.name, args.source, json.dumps(corpus.stats, ensure_ascii=False))


def cmd_evaluate(args) -> None:
    """A real corpus's scores (Tables 2-4): the generator's samples against the test set, or, without a
    generator, the test set against the training set (the paper's "real data" row)."""
    from seqgan.report import samples as rendering

    cfg = config.load_json(args.config, config.CORPORA[args.corpus])
    corpus = Corpus.load(args.data)
    devices.set_threads(args.threads)
    if args.generator:
        if args.seed is None:
            raise ValueError("evaluate: --generator needs --seed (it seeds the samples)")
        generator, _ = load_generator(args.generator, devices.resolve(args.device))
        if (generator.vocab_size, generator.seq_len) != (len(corpus.vocab), corpus.seq_len):
            raise ValueError(f"{args.generator}: not a generator of {args.data} (vocabulary or length differ)")
        # Seeded by (seed, method): each model's samples are independent of the others', as the p-values assume.
        key = hashlib.sha256(f"{args.seed}/{args.method}/evaluate".encode()).digest()
        rng = torch.Generator().manual_seed(int.from_bytes(key[:8], "little"))
        with torch.no_grad():
            sequences = generator.eval().sample(cfg.eval.num_samples, rng, cfg.eval.batch_size).cpu()
        references = corpus.splits["test"]
    else:
        sequences, references = corpus.splits["test"], corpus.splits["train"]
    m = cfg.metrics
    padding = tuple(i for i, token in enumerate(corpus.vocab) if token == PAD)
    music = args.corpus == "music"
    scores = corpus_scores.score(sequences, references, m.bleu, m.smoothing, padding, m.self_bleu_sample, music)
    metrics = {
        "corpus": corpus.name,
        "method": args.method,
        "seed": args.seed,
        "num_samples": len(sequences),
        "smoothing": m.smoothing,
        "bleu": {str(n): scores.mean(f"bleu{n}") for n in m.bleu},
        "self_bleu": {str(n): value for n, value in scores.self_bleu.items()},
        "mse": scores.mean("mse") if music else None,
    }
    save_tokens(sequences, args.out_sequences)
    atomic.write_text(args.out_scores, scores.to_csv())
    header = f"# {corpus.name}, {args.method}" + ("" if args.seed is None else f", seed {args.seed}") + "\n\n"
    atomic.write_text(args.out_samples, header + rendering.format_samples(args.corpus, corpus.vocab, sequences))
    atomic.write_text(args.out_metrics, json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    log.info("scores %s", json.dumps(metrics, ensure_ascii=False))


def cmd_render_music(args) -> None:
    """The first --count scored music sequences as MIDI files and one piano-roll PNG."""
    from seqgan.data import nottingham
    from seqgan.report import samples as rendering

    cfg = config.load_json(args.config, config.CORPORA["music"])
    vocab = load_vocab(args.vocab)
    sequences = load_tokens(args.sequences, len(vocab), cfg.seq_len)[: args.count]
    out = Path(args.out_midi_dir)
    with atomic.atomic_dir(out) as tmp:  # all files or none
        for i, ids in enumerate(sequences.tolist()):
            nottingham.write_midi(ids, tmp / f"sample{i + 1}.mid", cfg.data.sample_seconds)
    rendering.write_piano_roll(
        sequences,
        vocab,
        args.out_piano_roll,
        args.title,
        max_sequences=args.count,
        sample_seconds=cfg.data.sample_seconds,
    )


def cmd_report_corpus(args) -> None:
    """Table 2, 3 or 4 from every run's scores and metrics (paired in the order given)."""
    from seqgan.report import corpora

    if len(args.scores) != len(args.metrics):
        raise ValueError("report-corpus: give one --scores per --metrics, in the same order")
    runs = [corpora.read_run(scores, metrics) for scores, metrics in zip(args.scores, args.metrics)]
    corpora.write_table(args.corpus, runs, args.out_table_csv, args.out_table_md)


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


def cmd_random(args) -> None:
    args.phase = args.phase or f"random_{args.definition}"
    run = Run(args)
    generator = run.fresh_generator()  # the same draw as the seed's pretraining starts from
    if args.definition == "uniform_tokens":
        generator.uniform_()
    curve = run.curve([])
    run.record(curve, 0, generator, generator)
    run.finish(curve, generator, generator, 0)


def cmd_mle(args) -> None:
    run = Run(args)
    cfg, p = run.cfg, run.cfg.pretrain
    generator, start_epoch = load_generator(args.init, run.device) if args.init else (run.fresh_generator(), 0)
    best = copy.deepcopy(generator)
    epochs = p.epochs if args.epochs is None else args.epochs
    optimizer = Adam(generator.parameters(), lr=p.lr)
    if args.init and (state := load_generator_optimizer_state(args.init)) is not None:
        optimizer.load_state_dict(state)  # the MLE/SS baselines continue pretraining, Adam moments included
    inputs = {"train": args.train, **({"init": args.init} if args.init else {})}
    ckpt = run.checkpointer(
        {"generator": generator, "best": best},
        {"generator": optimizer},
        phase=args.phase,
        objective=args.objective,
        epochs=epochs,
        inputs=inputs,
    )
    curve = run.curve(ckpt.curve)
    done = ckpt.resume()
    last = start_epoch + epochs
    if done == 0:
        run.record(curve, start_epoch, generator, best, ckpt)
    for step in _progress(range(done, epochs), epochs - done, args.phase):
        epoch = start_epoch + step + 1
        if args.objective == "mle":
            loss = mle.mle_epoch(generator, optimizer, run.train, p.batch_size, p.grad_clip, run.rng, epoch)
            log.info("epoch phase=%s epoch=%d loss=%.5f", args.phase, epoch, loss)
        else:
            prob = cfg.scheduled_sampling.probability(step + 1)
            loss = scheduled_sampling.scheduled_sampling_epoch(
                generator, optimizer, run.train, p.batch_size, p.grad_clip, prob, run.rng, epoch
            )
            log.info("epoch phase=%s epoch=%d p_true=%.4f loss=%.5f", args.phase, epoch, prob, loss)
        if curve.due(epoch, last):
            run.record(curve, epoch, generator, best, ckpt)
        ckpt.after_step(step + 1, epochs, run.wall(ckpt))
    run.finish(curve, generator, best, last, optimizer)


def cmd_pretrain_d(args) -> None:
    run = Run(args, discriminator=True)
    cfg, d = run.cfg, run.cfg.discriminator_training
    generator, _ = load_generator(args.generator, run.device)
    discriminator = Discriminator.from_config(run.vocab_size, cfg.discriminator).to(run.device)
    optimizer = Adam(discriminator.parameters(), lr=d.lr)
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
            run.precision,
            f"discriminator pretraining, round {step + 1}",
        )
        log.info("round phase=pretrain-d round=%d loss=%.5f", step + 1, loss)
        ckpt.after_step(step + 1, d.pretrain_rounds, run.wall(ckpt))
    save_discriminator(discriminator, optimizer, args.out)


def cmd_policy_gradient(args) -> None:
    args.phase = args.phase or PG_RUN_NAMES[args.reward]
    run = Run(args, discriminator=args.reward == "discriminator")
    cfg, a, d = run.cfg, run.cfg.adversarial, run.cfg.discriminator_training
    strategy = cfg.strategy(args.strategy) if args.strategy else a
    adversary = args.reward == "discriminator"
    if adversary != bool(args.discriminator and args.out_discriminator):
        raise ValueError("--discriminator and --out-discriminator go with --reward discriminator, and only with it")
    if args.strategy and not adversary:
        raise ValueError("--strategy is a setting of SeqGAN: use it with --reward discriminator")
    generator, start_epoch = load_generator(args.generator, run.device)
    best = copy.deepcopy(generator)
    g_optimizer = Adam(generator.parameters(), lr=a.lr)  # the original code's fresh g_updates
    modules, optimizers = {"generator": generator, "best": best}, {"generator": g_optimizer}
    inputs = {"train": args.train, "generator": args.generator}
    if adversary:
        discriminator, d_state = load_discriminator(args.discriminator, run.device)
        d_optimizer = Adam(discriminator.parameters(), lr=d.lr)
        d_optimizer.load_state_dict(d_state)
        modules["discriminator"], optimizers["discriminator"] = discriminator, d_optimizer
        inputs["discriminator"] = args.discriminator
        reward = adversarial.discriminator_rewards(discriminator, a.rollouts, run.rng, a.rollout_chunk, run.precision)
    elif args.reward == "bleu":
        b = cfg.pg_bleu
        references = ReferenceSet(run.train, max_n=orders_needed(b.max_n, b.smoothing))  # the training data
        reward = functools.partial(
            pg_bleu.bleu_rewards,
            references=references,
            n=b.max_n,
            smoothing=b.smoothing,
            rollouts=a.rollouts,
            rng=run.rng,
            chunk=a.rollout_chunk,
        )
    else:
        reward = adversarial.constant_rewards
    ckpt = run.checkpointer(
        modules, optimizers, phase=args.phase, reward=args.reward, strategy=args.strategy, inputs=inputs
    )
    curve = run.curve(ckpt.curve)
    done = ckpt.resume()
    iterations = strategy.iterations
    last = start_epoch + iterations
    if done == 0:
        run.record(curve, start_epoch, generator, best, ckpt)
    for step in _progress(range(done, iterations), iterations - done, args.phase):
        epoch = start_epoch + step + 1
        for _ in range(strategy.g_steps):
            loss, mean_reward = adversarial.generator_step(
                generator, g_optimizer, reward, a.batch_size, a.grad_clip, run.rng, epoch
            )
        if curve.due(epoch, last):
            run.record(curve, epoch, generator, best, ckpt)
        d_loss = float("nan")
        for _ in range(strategy.d_steps if adversary else 0):
            d_loss = d_training.round_of_training(
                discriminator,
                d_optimizer,
                generator,
                run.train,
                d.num_negatives,
                strategy.k_epochs,
                d.batch_size,
                cfg.discriminator.l2_reg,
                run.rng,
                run.precision,
                f"discriminator, adversarial epoch {epoch}",
            )
        log.info(
            "iteration phase=%s epoch=%d pg_loss=%.4f mean_reward=%.4f d_loss=%.5f",
            args.phase,
            epoch,
            loss,
            mean_reward,
            d_loss,
        )
        ckpt.after_step(step + 1, iterations, run.wall(ckpt))
    run.finish(curve, generator, best, last)
    if adversary:
        save_discriminator(discriminator, d_optimizer, args.out_discriminator)


def _report_inputs(args):
    """The config, the learning curves and the final per-sequence NLL files named by METHOD:SEED:PATH arguments."""
    from seqgan.report import synthetic  # matplotlib is only needed here

    runs = [synthetic.parse_curve_arg(arg) for arg in args.curve]
    final = {(m, s): synthetic.read_nll(p) for m, s, p in map(synthetic.parse_run_arg, args.nll_final or [])}
    return synthetic, config.load(args.config), runs, final


def cmd_report_synthetic(args) -> None:
    synthetic, cfg, runs, final = _report_inputs(args)
    synthetic.write_table1(cfg, runs, final, args.out_table_csv, args.out_table_md)
    synthetic.write_curves(runs, args.out_curves)
    synthetic.write_figure2(runs, args.out_figure, args.out_svg)


def cmd_report_strategies(args) -> None:
    synthetic, cfg, runs, _ = _report_inputs(args)
    synthetic.write_figure3(cfg, runs, args.out_figure, args.out_svg)


def cmd_report(args) -> None:
    from seqgan.report import page  # matplotlib is only needed here

    page.write_report(page.inputs_from_args(args), args.out_md, args.out_html, args.out_figure)


def _training_args(parser: argparse.ArgumentParser, *inputs: str, trains: bool = True) -> None:
    parser.add_argument("--config", required=True, help="experiment config JSON written by the workflow")
    parser.add_argument(
        "--experiment", default="synthetic", choices=("synthetic", *config.CORPORA), help="what --config describes"
    )
    parser.add_argument("--vocab", help="a real corpus's vocab.json (its size sets the models')")
    for name in inputs:
        parser.add_argument(f"--{name}", required=True)
    if trains:
        parser.add_argument("--train", required=True, help="training sequences (oracle samples)")
        parser.add_argument("--checkpoint-dir", required=True, help="resumable state; a re-run continues from it")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))


def _generator_outputs(parser: argparse.ArgumentParser, phase: str | None, default: str = "") -> None:
    """Outputs of every verb that trains (or defines) a generator and draws its learning curve."""
    parser.add_argument("--oracle", help="the oracle (synthetic experiment): NLL-oracle in the learning curve")
    parser.add_argument("--test", required=True, help="held-out sequences (NLL-test)")
    parser.add_argument("--out", required=True, help="the final generator")
    parser.add_argument("--curve", required=True, help="learning curve CSV")
    parser.add_argument("--out-best", help="the generator at the curve point with the lowest NLL-oracle")
    parser.add_argument("--nll-final", help="per-sequence NLL-oracle CSV of the final generator")
    parser.add_argument("--nll-best", help="per-sequence NLL-oracle CSV of the best generator")
    parser.add_argument(
        "--phase", default=phase, help=f"the run's name: its curve label and evaluation samples ({phase or default})"
    )


# The run names policy-gradient and random take when --phase is not given: the workflow's run folders.
PG_RUN_NAMES = {"discriminator": "seqgan", "bleu": "pg_bleu", "constant": "constant_reward"}


def _report_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="experiment config JSON written by the workflow")
    parser.add_argument("--curve", action="append", required=True, help="METHOD:SEED:PATH, repeated")
    parser.add_argument("--out-figure", required=True, help="PNG")
    parser.add_argument("--out-svg", required=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqgan", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)

    p = verbs.add_parser("fetch", help="copy or download a pinned file and verify its sha256")
    p.add_argument("name", help=f"one of: {', '.join(download.REGISTRY)}")
    p.add_argument("--out", required=True)
    p.add_argument("--mirror", help="directory with local copies under the same names")
    p.set_defaults(func=cmd_fetch)

    p = verbs.add_parser("corpus", help="preprocess a real corpus into fixed-length token sequences per split")
    p.add_argument("name", choices=config.CORPORA, help="the corpus (its config key)")
    p.add_argument("--config", required=True, help="the corpus's config JSON written by the workflow")
    p.add_argument("--source", required=True, help="its downloaded file (data.source)")
    p.add_argument("--out-dir", required=True, help="gets {train,valid,test}.pt, vocab.json, summary.json")
    p.set_defaults(func=cmd_corpus)

    p = verbs.add_parser("evaluate", help="BLEU, Self-BLEU (and music MSE) of a model's samples of a real corpus")
    p.add_argument("corpus", choices=config.CORPORA)
    p.add_argument("--config", required=True, help="the corpus's config JSON written by the workflow")
    p.add_argument("--data", required=True, help="the preprocessed corpus folder (python -m seqgan corpus)")
    p.add_argument("--generator", help="the model to sample; without it the test set is scored against train")
    p.add_argument("--method", required=True, help="the row's name (mle, seqgan, real): labels and seeds the samples")
    p.add_argument("--out-scores", required=True, help="per-sequence scores CSV (bleuN columns, mse for music)")
    p.add_argument("--out-metrics", required=True, help="means JSON")
    p.add_argument("--out-samples", required=True, help="the scored sequences as readable text")
    p.add_argument("--out-sequences", required=True, help="the scored sequences as token ids (.pt)")
    p.add_argument("--seed", type=int, help="the run's seed (with --generator): seeds its samples")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.set_defaults(func=cmd_evaluate)

    p = verbs.add_parser("report-corpus", help="Table 2, 3 or 4: MLE, SeqGAN and the real data, beside the paper")
    p.add_argument("corpus", choices=config.CORPORA)
    p.add_argument("--scores", action="append", required=True, help="a run's scores.csv (repeated)")
    p.add_argument("--metrics", action="append", required=True, help="its metrics.json (repeated, same order)")
    p.add_argument("--out-table-csv", required=True)
    p.add_argument("--out-table-md", required=True)
    p.set_defaults(func=cmd_report_corpus)

    p = verbs.add_parser("render-music", help="music samples as MIDI files and a piano-roll PNG")
    p.add_argument("--config", required=True, help="the music config JSON written by the workflow")
    p.add_argument("--vocab", required=True)
    p.add_argument("--sequences", required=True, help="token ids (.pt) written by evaluate")
    p.add_argument("--count", type=int, default=5, help="how many of the sequences")
    p.add_argument("--title", default="", help="the piano roll's title")
    p.add_argument("--out-midi-dir", required=True)
    p.add_argument("--out-piano-roll", required=True)
    p.set_defaults(func=cmd_render_music)

    p = verbs.add_parser("oracle", help="build the oracle and sample its train and test sets")
    p.add_argument("--config", required=True)
    p.add_argument("--params", help="released target_params_py3.pkl (oracle.source: original)")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_oracle)

    p = verbs.add_parser("random", help="the Random baseline: an untrained generator, or uniform tokens")
    _training_args(p, trains=False)
    _generator_outputs(p, None, "random_DEFINITION")
    p.add_argument("--definition", required=True, choices=config.RANDOM_DEFINITIONS)
    p.set_defaults(func=cmd_random, train=None)

    p = verbs.add_parser("mle", help="teacher-forced training: pretraining, the MLE or the Scheduled Sampling baseline")
    _training_args(p)
    _generator_outputs(p, "pretrain")
    p.add_argument("--init", help="continue from this generator instead of a fresh one")
    p.add_argument("--epochs", type=int, help="default: pretrain.epochs")
    p.add_argument("--objective", default="mle", choices=("mle", "scheduled_sampling"))
    p.set_defaults(func=cmd_mle)

    p = verbs.add_parser("pretrain-d", help="pretrain the discriminator against the pretrained generator")
    _training_args(p, "generator", "out")
    p.set_defaults(func=cmd_pretrain_d)

    p = verbs.add_parser(
        "policy-gradient", help="SeqGAN (discriminator rewards), PG-BLEU, or the constant-reward control"
    )
    _training_args(p, "generator")
    _generator_outputs(p, None, "by --reward: " + ", ".join(PG_RUN_NAMES.values()))
    p.add_argument("--reward", required=True, choices=("discriminator", "bleu", "constant"))
    p.add_argument("--discriminator", help="pretrained discriminator (--reward discriminator)")
    p.add_argument("--out-discriminator", help="the final discriminator (--reward discriminator)")
    p.add_argument("--strategy", help="a named (g-steps, d-steps, k) of the config's strategies (Figure 3)")
    p.set_defaults(func=cmd_policy_gradient)

    p = verbs.add_parser("report-synthetic", help="Table 1, Figure 2 and all curves in one CSV")
    _report_args(p)
    p.add_argument("--nll-final", action="append", required=True, help="METHOD:SEED:PATH, repeated")
    p.add_argument("--out-table-csv", required=True)
    p.add_argument("--out-table-md", required=True)
    p.add_argument("--out-curves", required=True)
    p.set_defaults(func=cmd_report_synthetic)

    p = verbs.add_parser("report-strategies", help="Figure 3: SeqGAN under each training strategy")
    _report_args(p)
    p.set_defaults(func=cmd_report_strategies, nll_final=None)

    p = verbs.add_parser("report", help="the whole report: report.md and a self-contained index.html")
    p.add_argument("--config", required=True, help="the workflow's whole config as JSON")
    p.add_argument("--paper-config", help="config/config.yaml: the report lists the settings that differ from it")
    for name, what in (("table1", "Table 1 (table1.md)"), ("figure2", "Figure 2 (PNG)"), ("figure3", "Figure 3 (PNG)")):
        p.add_argument(f"--{name}", help=what)
    repeated = {
        "table": "CORPUS:PATH of a corpus's table.md",
        "table-csv": "CORPUS:PATH of its table.csv (the real-data figure)",
        "summary": "CORPUS:PATH of its data/summary.json",
        "samples": "CORPUS/METHOD:PATH of samples.txt (METHOD: mle, seqgan, real)",
        "piano-roll": "METHOD:PATH of a music piano roll (PNG)",
        "midi": "METHOD:DIR of a music run's MIDI files",
        "benchmark": "RULE:PATH of a Snakemake benchmark TSV",
        "log": "RULE:PATH of the log of a job with a discriminator (its resolved precision)",
    }
    for name, what in repeated.items():
        p.add_argument(f"--{name}", action="append", help=what + "; repeated")
    p.add_argument("--out-md", required=True, help="report.md (links relative to its folder)")
    p.add_argument("--out-html", required=True, help="the self-contained page")
    p.add_argument("--out-figure", help="PNG of Tables 2-4 as bars (needs --table-csv)")
    p.set_defaults(func=cmd_report)
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
