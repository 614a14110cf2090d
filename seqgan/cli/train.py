"""Verbs of the training steps: the Random baseline, pretraining, the MLE and Scheduled Sampling baselines,
discriminator pretraining, SeqGAN and its policy-gradient baselines. Each sets up a ``Job`` and calls
the step's loop in ``seqgan.train``."""

from __future__ import annotations

import argparse
import functools
import logging
from pathlib import Path

import torch

from seqgan import atomic, config, job_record, stages
from seqgan import device as devices
from seqgan.checkpoint import Checkpointer, file_digest, fingerprint
from seqgan.data.corpus import load_vocab
from seqgan.data.tokens import load_tokens
from seqgan.metrics.bleu import ReferenceSet, orders_needed
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.models.saved import (
    load_discriminator,
    load_generator,
    load_generator_optimizer_state,
    save_discriminator,
    save_generator,
)
from seqgan.train import discriminator as d_training
from seqgan.train import mle, pg_bleu, policy_gradient, scheduled_sampling, seqgan
from seqgan.train.curve import LearningCurve, per_sequence_csv
from seqgan.train.optim import Adam
from seqgan.train.run import GeneratorRun

log = logging.getLogger("seqgan")


def step_name(args) -> str:
    """The step a verb runs: its own name (a Figure 3 strategy: strategy_NAME)."""
    if getattr(args, "strategy", None):
        return f"strategy_{args.strategy}"
    return args.verb.replace("-", "_")


class Job:
    """What every training verb sets up the same way: the config sections of its step, device, threads,
    seeds, the data's shape and the training data. A job that trains or uses a discriminator
    (``discriminator=True``) also resolves its precision for this device, once, and logs it. A verb ends
    with ``record()``: where the job ran."""

    def __init__(self, args, discriminator: bool = False, run_name: str | None = None):
        self.args, self.step = args, step_name(args)
        self.run_name = run_name or self.step  # the curve's label; seeds its evaluation samples
        self.cfg = config.load_step(args.config, args.experiment, self.step)
        if args.experiment == "synthetic":
            self.vocab_size, self.seq_len = self.cfg.oracle.vocab_size, self.cfg.oracle.seq_len
        else:  # a real corpus: its vocabulary file sets the size; its data section the length
            if not args.vocab:
                raise ValueError(f"--experiment {args.experiment} needs --vocab (the corpus's vocab.json)")
            if any(getattr(args, name, None) for name in ("out_best", "nll_final", "nll_best")):
                # "best" would be chosen on the test split, and NLL-oracle needs an oracle
                raise ValueError("--out-best, --nll-final and --nll-best are for the synthetic experiment only")
            self.vocab_size, self.seq_len = len(load_vocab(args.vocab)), self.cfg.data.seq_len
        devices.set_threads(args.threads)
        self.device = devices.resolve(args.device)
        torch.manual_seed(args.seed)  # global stream: parameter init and dropout
        self.rng = torch.Generator().manual_seed(args.seed)  # sampling and shuffling
        self.train = load_tokens(args.train, self.vocab_size, self.seq_len) if getattr(args, "train", None) else None
        log.info("device=%s threads=%d seed=%d config=%s", self.device, torch.get_num_threads(), args.seed, args.config)
        # Only the discriminator runs under autocast; everything else is fp32 whatever the config says.
        self.precision = "fp32"
        if discriminator:
            negatives = self.cfg.discriminator_training.num_negatives
            if negatives > len(self.train):
                raise config.ConfigError(
                    f"config key 'discriminator_training.num_negatives': {negatives} exceeds the"
                    f" {len(self.train)} training sequences of {args.train} (each round pairs them one to one)"
                )
            resolved = devices.resolve_precision(self.cfg.precision, self.device)
            self.precision = resolved.value
            log.info("%s", devices.precision_line(self.cfg.precision, resolved))
            if resolved.warning:
                log.warning("%s", resolved.warning)

    def record(self) -> None:
        """Where the job ran (--provenance): written after every output, so only a finished job has one."""
        if self.args.provenance:
            job_record.write(self.args.provenance, self.device, self.precision)

    def data_shape(self) -> str:
        source = f"--vocab {self.args.vocab}" if self.args.experiment != "synthetic" else f"--config {self.args.config}"
        return f"vocabulary {self.vocab_size} and length {self.seq_len} ({source})"

    def saved_generator(self, path: str | Path) -> tuple[Generator, int]:
        """The generator at ``path`` and its epochs, checked to fit this job's data before any training."""
        generator, epoch = load_generator(path, self.device)
        if (generator.vocab_size, generator.seq_len) != (self.vocab_size, self.seq_len):
            raise ValueError(
                f"{path}: a generator of vocabulary {generator.vocab_size} and length {generator.seq_len},"
                f" but this job's data have {self.data_shape()}"
            )
        return generator, epoch

    def saved_discriminator(self, path: str | Path) -> tuple[Discriminator, dict]:
        """The discriminator at ``path`` and its optimizer state, checked to fit this job's vocabulary."""
        discriminator, state = load_discriminator(path, self.device)
        if (vocab_size := discriminator.embedding.num_embeddings) != self.vocab_size:
            raise ValueError(
                f"{path}: a discriminator of vocabulary {vocab_size}, but this job's data have {self.data_shape()}"
            )
        return discriminator, state

    def fresh_generator(self) -> Generator:
        """The seed's untrained generator: N(0, init_std) parameters drawn first from the run's stream."""
        generator = Generator.from_config(self.vocab_size, self.seq_len, self.cfg.generator)
        return generator.init_normal(self.cfg.generator.init_std, self.rng).to(self.device)

    def checkpointer(self, modules: dict, optimizers: dict, inputs: dict, **identity) -> Checkpointer:
        """Resumable state of this very run: a checkpoint of other settings, seed or inputs is not resumed."""
        digests = {name: file_digest(path) for name, path in inputs.items()}
        key = fingerprint(config=self.cfg.to_dict(), seed=self.args.seed, inputs=digests, step=self.step, **identity)
        return Checkpointer(
            Path(self.args.checkpoint_dir), key, modules, optimizers, self.rng, self.cfg.checkpoint_every
        )

    def generator_run(self, generator: Generator, start_epoch: int) -> GeneratorRun:
        """The run of ``generator`` under this job's run name, with its learning curve (NLL-oracle with an
        oracle, NLL-test always) evaluated on streams of its own."""
        args = self.args
        if args.experiment == "synthetic" and not args.oracle:
            raise ValueError("the synthetic experiment needs --oracle (NLL-oracle of the learning curve)")
        oracle = self.saved_generator(args.oracle)[0].eval() if args.oracle else None
        test = load_tokens(args.test, self.vocab_size, self.seq_len)
        e = self.cfg.eval
        curve = LearningCurve(oracle, test, e.num_samples, e.every, e.batch_size, args.seed, self.run_name)
        return GeneratorRun(self.run_name, generator, start_epoch, curve)

    def finish(self, run: GeneratorRun, optimizer: torch.optim.Optimizer | None = None) -> None:
        """The final generator and the curve; on request the best generator and per-sequence NLL-oracle of both."""
        args, curve, last = self.args, run.curve, run.last_epoch
        save_generator(run.generator, args.out, last, optimizer)
        best_epoch = curve.best["epoch"]
        if args.out_best:
            save_generator(run.best, args.out_best, best_epoch)
        if args.nll_final:
            atomic.write_text(args.nll_final, per_sequence_csv(curve.per_sequence(run.generator, last)))
        if args.nll_best:
            atomic.write_text(args.nll_best, per_sequence_csv(curve.per_sequence(run.best, best_epoch)))
        atomic.write_text(args.curve, curve.to_csv())


def cmd_random(args) -> None:
    """Random, defined: the seed's untrained generator (the draw pretraining starts from), or uniform tokens."""
    job = Job(args, run_name=f"random_{args.definition}")
    generator = job.fresh_generator()
    if args.definition == "uniform_tokens":
        generator.uniform_()
    run = job.generator_run(generator, 0)
    run.record(0)
    job.finish(run)
    job.record()


def cmd_teacher_forced(args) -> None:
    """pretrain (MLE from the seed's fresh generator), or the MLE / Scheduled Sampling baselines, which
    continue pretraining from --init, Adam moments included. Scheduled Sampling may instead start from the
    seed's fresh generator (``scheduled_sampling.init: scratch``), and may set its own number of epochs."""
    job = Job(args)
    p = job.cfg.pretrain
    init = getattr(args, "init", None)  # pretrain has none
    epochs = p.epochs if args.verb == "pretrain" else args.epochs
    if args.verb == "scheduled-sampling":
        ss = job.cfg.scheduled_sampling
        key = f"config key 'scheduled_sampling.init' is {ss.init!r} ({args.config})"
        if ss.init == "pretrained" and init is None:
            raise config.ConfigError(f"{key}: expected --init, the pretrained generator")
        if ss.init == "scratch" and init is not None:  # never read: the seed's untrained generator is the start
            raise config.ConfigError(f"{key}: the run starts from the seed's untrained generator, expected no --init")
        epochs = ss.epoch_count(args.epochs)
        log.info("scheduled sampling from the %s generator, %d epochs", ss.init, epochs)
    if init is None:
        generator, start_epoch = job.fresh_generator(), 0
    else:
        generator, start_epoch = job.saved_generator(init)
    optimizer = Adam(generator.parameters(), lr=p.lr)
    inputs = {"train": args.train}
    if init is not None:
        inputs["init"] = init
        if (state := load_generator_optimizer_state(init)) is not None:
            optimizer.load_state_dict(state)
    run = job.generator_run(generator, start_epoch)
    modules = {"generator": generator, "best": run.best}
    run.checkpoint_with(job.checkpointer(modules, {"generator": optimizer}, inputs, epochs=epochs))
    if args.verb == "scheduled-sampling":
        probability = job.cfg.scheduled_sampling.probability
        scheduled_sampling.train(run, optimizer, job.train, epochs, probability, p.batch_size, p.grad_clip, job.rng)
    else:
        mle.train(run, optimizer, job.train, epochs, p.batch_size, p.grad_clip, job.rng)
    job.finish(run, optimizer)
    job.record()


def cmd_pretrain_discriminator(args) -> None:
    job = Job(args, discriminator=True)
    cfg, d = job.cfg, job.cfg.discriminator_training
    generator, _ = job.saved_generator(args.generator)
    discriminator = Discriminator.from_config(job.vocab_size, cfg.discriminator).to(job.device)
    optimizer = Adam(discriminator.parameters(), lr=d.lr)
    inputs = {"train": args.train, "generator": args.generator}
    ckpt = job.checkpointer({"discriminator": discriminator}, {"discriminator": optimizer}, inputs)
    d_training.pretrain(
        discriminator, optimizer, generator, job.train, d.pretrain_rounds, d.pretrain_epochs, d.num_negatives,
        d.batch_size, cfg.discriminator.l2_reg, job.rng, job.precision, ckpt,
    )  # fmt: skip
    save_discriminator(discriminator, optimizer, args.out)
    job.record()


def cmd_policy_gradient(args) -> None:
    """SeqGAN (rewards by the discriminator, which the d-steps keep training), or its baselines PG-BLEU
    (BLEU of the completions against the training data) and the constant-reward control."""
    adversarial = args.verb == "seqgan"
    job = Job(args, discriminator=adversarial)
    cfg, a = job.cfg, job.cfg.adversarial
    # A Figure 3 strategy's step config holds that one strategy (config.load_step checks it is there).
    schedule = cfg.strategies[0] if getattr(args, "strategy", None) else a
    generator, start_epoch = job.saved_generator(args.generator)
    optimizer = Adam(generator.parameters(), lr=a.lr)  # the original code's fresh g_updates
    modules, optimizers = {"generator": generator}, {"generator": optimizer}
    inputs = {"train": args.train, "generator": args.generator}
    adversary = None
    if adversarial:
        d = cfg.discriminator_training
        discriminator, d_state = job.saved_discriminator(args.discriminator)
        d_optimizer = Adam(discriminator.parameters(), lr=d.lr)
        d_optimizer.load_state_dict(d_state)
        modules["discriminator"], optimizers["discriminator"] = discriminator, d_optimizer
        inputs["discriminator"] = args.discriminator
        adversary = seqgan.Adversary(
            discriminator, d_optimizer, d.num_negatives, d.batch_size, cfg.discriminator.l2_reg, job.precision
        )
        reward = policy_gradient.discriminator_rewards(
            discriminator, a.rollouts, job.rng, a.rollout_chunk, job.precision
        )
    elif args.verb == "pg-bleu":
        b = cfg.pg_bleu
        sequences = pg_bleu.reference_sequences(job.train, b.reference_fraction)
        references = ReferenceSet(sequences, max_n=orders_needed(b.max_n, b.smoothing))
        rollouts = b.rollouts_of(a)
        log.info("pg-bleu: %d rollouts, references: the first %d of %d training sequences", rollouts,
                 len(sequences), len(job.train))  # fmt: skip
        reward = functools.partial(
            pg_bleu.bleu_rewards, references=references, n=b.max_n, smoothing=b.smoothing, rollouts=rollouts,
            rng=job.rng, chunk=a.rollout_chunk,
        )  # fmt: skip
    else:
        reward = policy_gradient.constant_rewards
    # Loaded after the models: building a module draws its default init from the global stream, so the
    # order of loading sets the dropout masks that follow.
    run = job.generator_run(generator, start_epoch)
    run.checkpoint_with(job.checkpointer({**modules, "best": run.best}, optimizers, inputs))
    seqgan.train(run, optimizer, reward, job.train, schedule, a.batch_size, a.grad_clip, job.rng, adversary)
    job.finish(run)
    if adversarial:
        save_discriminator(discriminator, d_optimizer, args.out_discriminator)
    job.record()


# Every verb that trains or evaluates a model takes it (seqgan/job_record.py).
PROVENANCE = "JSON of where the job ran (device, GPU, precision, threads, host, torch), written after the outputs"


def _training_args(parser: argparse.ArgumentParser, *inputs: str, trains: bool = True) -> None:
    parser.add_argument("--config", required=True, help="the step's config JSON written by the workflow")
    parser.add_argument("--experiment", default="synthetic", choices=stages.EXPERIMENTS, help="what --config describes")
    parser.add_argument("--vocab", help="a real corpus's vocab.json (its size sets the models')")
    for name in inputs:
        parser.add_argument(f"--{name}", required=True)
    if trains:
        parser.add_argument("--train", required=True, help="training sequences (oracle samples)")
        parser.add_argument("--checkpoint-dir", required=True, help="resumable state; a re-run continues from it")
    parser.add_argument("--seed", type=seed, required=True)
    model_job_args(parser)


def model_job_args(parser: argparse.ArgumentParser) -> None:
    """Where a job that trains or evaluates a model runs, and its record of it (seqgan/job_record.py)."""
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--provenance", help=PROVENANCE)


def _generator_outputs(parser: argparse.ArgumentParser) -> None:
    """Outputs of every verb that trains (or defines) a generator and draws its learning curve."""
    parser.add_argument("--oracle", help="the oracle (synthetic experiment): NLL-oracle in the learning curve")
    parser.add_argument("--test", required=True, help="held-out sequences (NLL-test)")
    parser.add_argument("--out", required=True, help="the final generator")
    parser.add_argument("--curve", required=True, help="learning curve CSV")
    parser.add_argument("--out-best", help="the generator at the curve point with the lowest NLL-oracle")
    parser.add_argument("--nll-final", help="per-sequence NLL-oracle CSV of the final generator")
    parser.add_argument("--nll-best", help="per-sequence NLL-oracle CSV of the best generator")


def whole_number(what: str, minimum: int, maximum: int | None = None):
    """An argparse type: a whole number of ``what`` from ``minimum`` (to ``maximum``), else a clear usage error."""
    bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected a whole number of {what} {bounds}, got {text!r}")
        return value

    return parse


_SEED = config.SCHEMA["$defs"]["seed"]
seed = whole_number("seed", _SEED["minimum"], _SEED["maximum"])  # what every seeding API takes
epoch_count = whole_number("epochs", 0)  # 0 saves the --init generator as it is


def _continued(parser: argparse.ArgumentParser, scheduled_sampling: bool = False) -> None:
    # Scheduled Sampling's config says whether --init is read (scheduled_sampling.init) and --epochs is its
    # count (scheduled_sampling.epochs: null).
    init, epochs = "the pretrained generator (its Adam state continues)", "as many as SeqGAN's adversarial iterations"
    if scheduled_sampling:
        init, epochs = f"{init}; none for init: scratch", f"{epochs}, for epochs: null"
    parser.add_argument("--init", required=not scheduled_sampling, help=init)
    parser.add_argument("--epochs", type=epoch_count, required=True, help=f"{epochs} (>= 0)")


def add_verbs(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser("random", help="the Random baseline: an untrained generator, or uniform tokens")
    _training_args(p, trains=False)
    _generator_outputs(p)
    p.add_argument("--definition", required=True, choices=config.RANDOM_DEFINITIONS)
    p.set_defaults(func=cmd_random)

    p = verbs.add_parser("pretrain", help="MLE pretraining of the generator from the seed's fresh draw")
    _training_args(p)
    _generator_outputs(p)
    p.set_defaults(func=cmd_teacher_forced)

    for verb, what in (("mle", "MLE"), ("scheduled-sampling", "Scheduled Sampling")):
        start = " (or from scratch: scheduled_sampling.init)" if verb == "scheduled-sampling" else ""
        p = verbs.add_parser(verb, help=f"the {what} baseline: pretraining continued{start}")
        _training_args(p)
        _generator_outputs(p)
        _continued(p, scheduled_sampling=verb == "scheduled-sampling")
        p.set_defaults(func=cmd_teacher_forced)

    p = verbs.add_parser("pretrain-discriminator", help="pretrain the discriminator against the pretrained generator")
    _training_args(p, "generator", "out")
    p.set_defaults(func=cmd_pretrain_discriminator)

    p = verbs.add_parser("seqgan", help="SeqGAN: policy gradient with the discriminator's Monte Carlo rewards")
    _training_args(p, "generator", "discriminator", "out-discriminator")
    _generator_outputs(p)
    p.add_argument("--strategy", help="a named (g-steps, d-steps, k) of the config's strategies (Figure 3)")
    p.set_defaults(func=cmd_policy_gradient)

    for verb, what in (("pg-bleu", "PG-BLEU (BLEU rewards)"), ("constant-reward", "the constant-reward control")):
        p = verbs.add_parser(verb, help=f"{what}: SeqGAN's policy gradient without a discriminator")
        _training_args(p, "generator")
        _generator_outputs(p)
        p.set_defaults(func=cmd_policy_gradient)
