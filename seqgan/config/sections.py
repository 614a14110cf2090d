"""The synthetic experiment's typed sections: frozen dataclasses filled from a mapping the schema has
validated, each checking only what a schema cannot say (relations between keys)."""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Mapping
from dataclasses import dataclass

from seqgan.config.schema import _SYNTHETIC, ConfigError, _validate

# ---------------------------------------------------------------------------------------------- sections


class Section:
    """A frozen dataclass filled from a mapping the schema node at ``schema_node`` has validated;
    ``check`` holds what the schema cannot say (relations between keys)."""

    schema_node: typing.ClassVar[str]  # JSON pointer into SCHEMA

    @classmethod
    def from_dict(cls, data, prefix: str = ""):
        """Validate ``data`` against this section's schema node, then build it; errors name ``prefix`` + key."""
        _validate(data, cls.schema_node, prefix)
        return cls._build(data, prefix)

    @classmethod
    def _build(cls, data: dict, prefix: str):
        section = cls(**{name: _typed(hint, data[name], prefix + name) for name, hint in _fields(cls).items()})
        section.check(prefix)
        return section

    def check(self, prefix: str) -> None:
        """Checks across keys; overridden where a section has any."""

    def to_dict(self) -> dict:
        return _plain(self)


@functools.cache
def _fields(cls) -> dict[str, object]:
    hints = typing.get_type_hints(cls)
    return {field.name: hints[field.name] for field in dataclasses.fields(cls)}


def _typed(hint, value, key: str):
    """A validated value as the field's type: sections built, lists as tuples, ints as floats where a float is due."""
    if isinstance(hint, type) and issubclass(hint, Section):
        return hint._build(value, f"{key}.")
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_typed(item, v, f"{key}[{i}]") for i, v in enumerate(value))
    return float(value) if hint is float else value


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True)
class OracleConfig(Section):
    schema_node = f"{_SYNTHETIC}/oracle"

    source: str  # "original": the released SeqGAN parameters; "random": a seeded N(0, init_std) LSTM
    vocab_size: int
    emb_dim: int
    hidden_dim: int
    seq_len: int
    init_std: float  # std of the random oracle's parameters (paper: N(0,1))
    seed: int  # seeds the random oracle and the sampling of its train/test sets
    num_train: int
    num_test: int

    def check(self, prefix):
        if self.source == "original" and (self.vocab_size, self.emb_dim, self.hidden_dim) != (5000, 32, 32):
            raise ConfigError(
                f"config keys '{prefix}vocab_size/emb_dim/hidden_dim': the original oracle is 5000/32/32, got "
                f"{self.vocab_size}/{self.emb_dim}/{self.hidden_dim}",
                [prefix + name for name in ("vocab_size", "emb_dim", "hidden_dim", "source")],
            )


@dataclass(frozen=True)
class GeneratorConfig(Section):
    schema_node = "/$defs/generator"

    emb_dim: int
    hidden_dim: int
    init_std: float  # original code: N(0, 0.1) for every parameter


@dataclass(frozen=True)
class DiscriminatorConfig(Section):
    schema_node = "/$defs/discriminator"

    emb_dim: int
    filter_sizes: tuple[int, ...]
    num_filters: tuple[int, ...]
    dropout: float  # probability of dropping (original code: keep 0.75)
    l2_reg: float  # L2 weight on the output layer only, TF l2_loss convention (sum w^2 / 2)

    def check(self, prefix):
        if len(self.filter_sizes) != len(self.num_filters):
            raise ConfigError(
                f"config keys '{prefix}filter_sizes' and '{prefix}num_filters': need the same number of entries,"
                f" got {len(self.filter_sizes)} and {len(self.num_filters)}",
                [f"{prefix}num_filters", f"{prefix}filter_sizes"],
            )


@dataclass(frozen=True)
class PretrainConfig(Section):
    schema_node = "/$defs/pretrain"

    epochs: int
    batch_size: int
    lr: float
    grad_clip: float


@dataclass(frozen=True)
class DiscriminatorTrainingConfig(Section):
    schema_node = "/$defs/discriminator_training"

    pretrain_rounds: int  # rounds of (fresh negatives, k epochs) before adversarial training
    pretrain_epochs: int  # k during pretraining
    num_negatives: int  # generated sequences per round (positives: the same number of real ones)
    batch_size: int
    lr: float


@dataclass(frozen=True)
class AdversarialConfig(Section):
    schema_node = "/$defs/adversarial"

    iterations: int
    g_steps: int
    d_steps: int
    k_epochs: int
    rollouts: int  # Monte Carlo search N
    batch_size: int
    lr: float
    grad_clip: float
    rollout_chunk: int  # rows per batched unroll / discriminator pass (bounds memory)


@dataclass(frozen=True)
class EvalConfig(Section):
    schema_node = "/$defs/eval"

    num_samples: int  # fresh generator samples per NLL-oracle estimate, or scored by a real corpus's metrics
    every: int  # epochs between learning-curve points
    batch_size: int


@dataclass(frozen=True)
class QualityDiversityConfig(Section):
    schema_node = "/$defs/quality_diversity"

    temperatures: tuple[float, ...]  # softmax temperatures each trained generator is sampled at (1 among them)


@dataclass(frozen=True)
class ScheduledSamplingConfig(Section):
    """p(e) = max(floor, start - decay * (e - 1)): the probability of feeding the true token in epoch e >= 1."""

    schema_node = f"{_SYNTHETIC}/scheduled_sampling"

    schedule: str  # "linear"
    start: float
    decay: float
    floor: float
    init: str  # "pretrained": the MLE-pretrained generator and its Adam state; "scratch": the seed's untrained one
    epochs: int | None  # None: as many as SeqGAN's adversarial iterations (epoch_count)

    def probability(self, epoch: int) -> float:
        return max(self.floor, self.start - self.decay * (epoch - 1))

    def epoch_count(self, iterations: int) -> int:
        """The epochs to train: ``epochs``, or, when null, ``iterations`` (adversarial.iterations), so that
        SS and SeqGAN share the x-axis of Figure 2."""
        return iterations if self.epochs is None else self.epochs

    def check(self, prefix):
        if self.floor > self.start:
            raise ConfigError(
                f"config keys '{prefix}start/floor': need floor <= start (p falls from start to floor), "
                f"got start {self.start}, floor {self.floor}",
                [f"{prefix}floor", f"{prefix}start"],
            )


@dataclass(frozen=True)
class PGBleuConfig(Section):
    schema_node = f"{_SYNTHETIC}/pg_bleu"

    max_n: int  # BLEU-n of each Monte Carlo completion against the training set (paper: BLEU-3)
    smoothing: str  # one of SMOOTHINGS
    rollouts: int | None  # Monte Carlo N; None: SeqGAN's (rollouts_of)
    reference_fraction: float  # the leading fraction of the training set used as BLEU references

    def rollouts_of(self, adversarial: AdversarialConfig) -> int:
        """N of the BLEU rewards: ``rollouts``, or, when null, SeqGAN's (adversarial.rollouts), so that
        PG-BLEU and SeqGAN differ only in the reward."""
        return adversarial.rollouts if self.rollouts is None else self.rollouts


@dataclass(frozen=True)
class StrategyConfig(Section):
    """One panel of Figure 3: SeqGAN with its own (g-steps, d-steps, k) from the shared pretrained models."""

    schema_node = f"{_SYNTHETIC}/strategies/items"

    name: str
    g_steps: int
    d_steps: int
    k_epochs: int
    iterations: int


# The most memory the largest tensor of a config may need (memory_estimates): a large GPU (80-141 GB) or a
# big host holds it; the paper's settings need about 0.15 GiB, and the schema's bounds alone would let
# one key ask for terabytes (vocab_size 10^6 by a batch of 10^6), which fails in an allocation, or runs
# a machine out of memory, long after planning.
MEMORY_LIMIT_GIB = 64


def memory_estimates(sections: Mapping[str, object], prefix: str = "") -> list[tuple[int, str, tuple[str, ...]]]:
    """(bytes, what, keys) for the largest tensors a step of these sections allocates, where the sections
    a term needs are present (a step's config holds only those it reads). L = seq_len (the oracle's, or
    the corpus's data), V = the vocabulary (oracle.vocab_size, or Obama's data.max_vocab; the poems' and
    the music's come from the corpus, so their terms with V are left out), 4 bytes a float32 value, 8 an
    int64 token:

    - the oracle's data sets: num_train * L * 8 and num_test * L * 8
    - the oracle's parameters: (V * (E + H) + 4 * H * (E + H)) * 4, E and H its emb_dim and hidden_dim
    - evaluation samples: eval.num_samples * L * 8
    - a discriminator round's sequences: 2 * num_negatives * L * 8 (the negatives and as many real ones)
    - Monte Carlo completions: (L - 1) * rollouts * adversarial.batch_size * L * 12 (uniforms and tokens),
      rollouts each of adversarial.rollouts and pg_bleu.rollouts
    - generator logits: B * L * V * 4, B each of pretrain.batch_size, adversarial.batch_size, eval.batch_size
    - a rollout chunk's logits: rollout_chunk * V * 4
    - the generator's parameters, gradients and Adam's two moments: (V * (E + H) + 4 * H * (E + H)) * 16
    - the discriminator's likewise: (V * E + E * sum(filter_sizes * num_filters) + 2 * F * F) * 16,
      F = sum(num_filters) (the highway layer)
    - discriminator activations: B * L * (E * sum(filter_sizes) + F) * 4 (im2col windows and feature maps),
      B each of discriminator_training.batch_size and adversarial.rollout_chunk
    """
    length = next((name for name in ("oracle", "data") if name in sections), None)
    if length is None:
        return []
    seq_len, L = sections[length].seq_len, f"{length}.seq_len"
    vocab = getattr(sections[length], "vocab_size", None) or getattr(sections[length], "max_vocab", None)
    V = f"{length}.vocab_size" if length == "oracle" else f"{length}.max_vocab"
    oracle, evaluation, rounds, adversarial, generator, discriminator = (
        sections.get(name)
        for name in ("oracle", "eval", "discriminator_training", "adversarial", "generator", "discriminator")
    )
    terms = []

    def term(what: str, formula: str, keys: tuple[str, ...], size: int) -> None:
        terms.append((size, f"{what} ({formula} bytes)", tuple(prefix + key for key in keys)))

    def lstm(emb: int, hidden: int) -> int:  # embedding, output layer and LSTM weights
        return vocab * (emb + hidden) + 4 * hidden * (emb + hidden)

    if oracle:
        for name in ("num_train", "num_test"):
            size = getattr(oracle, name) * seq_len * 8
            term(f"the oracle's {name} samples", f"{name} * seq_len * 8", (f"oracle.{name}", L), size)
        keys = ("oracle.vocab_size", "oracle.emb_dim", "oracle.hidden_dim")
        formula = "(vocab_size * (emb_dim + hidden_dim) + 4 * hidden_dim * (emb_dim + hidden_dim)) * 4"
        term("the oracle's parameters", formula, keys, lstm(oracle.emb_dim, oracle.hidden_dim) * 4)
    if evaluation:
        size = evaluation.num_samples * seq_len * 8
        term("the evaluation samples", "num_samples * seq_len * 8", ("eval.num_samples", L), size)
    if rounds:
        size = 2 * rounds.num_negatives * seq_len * 8
        keys = ("discriminator_training.num_negatives", L)
        term("a discriminator round's sequences", "2 * num_negatives * seq_len * 8", keys, size)
    if adversarial:
        size = (seq_len - 1) * adversarial.rollouts * adversarial.batch_size * seq_len * 12
        formula = "(seq_len - 1) * rollouts * batch_size * seq_len * 12"
        term("the Monte Carlo completions", formula, ("adversarial.rollouts", "adversarial.batch_size", L), size)
    pg_bleu = sections.get("pg_bleu")
    if adversarial and pg_bleu and pg_bleu.rollouts is not None:  # null: SeqGAN's N, the term above
        size = (seq_len - 1) * pg_bleu.rollouts * adversarial.batch_size * seq_len * 12
        formula = "(seq_len - 1) * pg_bleu.rollouts * adversarial.batch_size * seq_len * 12"
        keys = ("pg_bleu.rollouts", "adversarial.batch_size", L)
        term("PG-BLEU's Monte Carlo completions", formula, keys, size)
    if vocab:
        for name in ("pretrain", "adversarial", "eval"):
            if name in sections:
                size = sections[name].batch_size * seq_len * vocab * 4
                formula = f"{name}.batch_size * seq_len * vocabulary * 4"
                term("the generator's logits", formula, (f"{name}.batch_size", L, V), size)
        if adversarial:
            size = adversarial.rollout_chunk * vocab * 4
            term("a rollout chunk's logits", "rollout_chunk * vocabulary * 4", ("adversarial.rollout_chunk", V), size)
        if generator:
            size = lstm(generator.emb_dim, generator.hidden_dim) * 16
            formula = "(vocabulary * (emb_dim + hidden_dim) + 4 * hidden_dim * (emb_dim + hidden_dim)) * 16"
            keys = ("generator.emb_dim", "generator.hidden_dim", V)
            term("the generator's parameters, gradients and Adam moments", formula, keys, size)
    if discriminator:
        emb, widths, filters = discriminator.emb_dim, discriminator.filter_sizes, discriminator.num_filters
        size = ((vocab or 0) * emb + emb * sum(w * n for w, n in zip(widths, filters, strict=False))) * 16
        size += 2 * sum(filters) ** 2 * 16
        formula = "emb_dim * sum(filter_sizes * num_filters) + 2 * sum(num_filters)^2"
        formula = f"({'vocabulary * emb_dim + ' if vocab else ''}{formula}) * 16"
        keys = ("discriminator.emb_dim", "discriminator.filter_sizes", "discriminator.num_filters")
        term(
            "the discriminator's parameters, gradients and Adam moments", formula, (*keys, V)[: 4 if vocab else 3], size
        )
        per_row = seq_len * (emb * sum(widths) + sum(filters)) * 4
        rows = {"discriminator_training.batch_size": rounds and rounds.batch_size}
        rows["adversarial.rollout_chunk"] = adversarial and adversarial.rollout_chunk
        for name, count in rows.items():
            if count:
                formula = f"{name} * seq_len * (emb_dim * sum(filter_sizes) + sum(num_filters)) * 4"
                term("the discriminator's activations", formula, (name, *keys, L), count * per_row)
    return terms


def _quoted(keys) -> str:
    names = [f"'{key}'" for key in keys]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _check_memory(sections: Mapping[str, object], prefix: str) -> None:
    """Refuse sections whose largest tensor (memory_estimates) needs more than MEMORY_LIMIT_GIB."""
    estimates = memory_estimates(sections, prefix)
    if not estimates:
        return
    size, what, keys = max(estimates)
    if size > MEMORY_LIMIT_GIB * 2**30:
        raise ConfigError(
            f"config keys {_quoted(keys)}: {what} need about {size / 2**30:,.2f} GiB, over the"
            f" {MEMORY_LIMIT_GIB} GiB a config may ask for (seqgan/config/sections.py MEMORY_LIMIT_GIB)",
            keys,
        )


def _check_across(sections: Mapping[str, object], prefix: str) -> None:
    """The checks between an experiment's sections (or entries of one). Each runs when the sections it
    involves are all present: a step's config holds only the sections the step reads."""
    if "strategies" in sections:
        names = [s.name for s in sections["strategies"]]
        if len(set(names)) != len(names):
            key = f"{prefix}strategies"
            raise ConfigError(f"config key '{key}': names must be unique, got {names}", [key])
    if {"discriminator_training", "oracle"} <= sections.keys():
        negatives, num_train = sections["discriminator_training"].num_negatives, sections["oracle"].num_train
        if negatives > num_train:
            raise ConfigError(
                f"config key '{prefix}discriminator_training.num_negatives': {negatives} exceeds"
                f" '{prefix}oracle.num_train' ({num_train}); each round pairs them one to one",
                [f"{prefix}discriminator_training.num_negatives", f"{prefix}oracle.num_train"],
            )
    length = next((name for name in ("oracle", "data") if name in sections), None)
    if "discriminator" in sections and length:
        longest, seq_len = max(sections["discriminator"].filter_sizes), sections[length].seq_len
        if longest > seq_len:
            raise ConfigError(
                f"config key '{prefix}discriminator.filter_sizes': width {longest} exceeds "
                f"the sequence length {seq_len} ('{prefix}{length}.seq_len')",
                [f"{prefix}discriminator.filter_sizes", f"{prefix}{length}.seq_len"],
            )
    if {"metrics", "eval"} <= sections.keys():
        scored, samples = sections["metrics"].self_bleu_sample, sections["eval"].num_samples
        if scored > samples:
            raise ConfigError(
                f"config key '{prefix}metrics.self_bleu_sample': {scored} exceeds the {samples} samples scored"
                f" ('{prefix}eval.num_samples')",
                [f"{prefix}metrics.self_bleu_sample", f"{prefix}eval.num_samples"],
            )
    if {"data", "eval"} <= sections.keys() and getattr(sections["data"], "max_train", 0):
        limit, samples = sections["data"].max_train, sections["eval"].num_samples
        if limit < samples:  # the real-data row scores as many training sequences as each model's samples
            raise ConfigError(
                f"config key '{prefix}data.max_train': {limit} training sequences, fewer than the {samples}"
                f" real-data sequences scored ('{prefix}eval.num_samples')",
                [f"{prefix}data.max_train", f"{prefix}eval.num_samples"],
            )
    _check_memory(sections, prefix)


class _Experiment(Section):
    """An experiment's whole section: its checks are those across its sections."""

    def check(self, prefix):
        _check_across({name: getattr(self, name) for name in _fields(type(self))}, prefix)


@dataclass(frozen=True)
class SyntheticConfig(_Experiment):
    schema_node = "/properties/synthetic"

    oracle: OracleConfig
    generator: GeneratorConfig
    discriminator: DiscriminatorConfig
    pretrain: PretrainConfig
    discriminator_training: DiscriminatorTrainingConfig
    adversarial: AdversarialConfig
    eval: EvalConfig
    precision: str  # the discriminator's, one of PRECISIONS; auto: bf16 where native (seqgan.device)
    checkpoint_every: int  # epochs/iterations between resumable checkpoints
    methods: tuple[str, ...]  # Table 1 rows to run (METHODS)
    random: tuple[str, ...]  # what "Random" means (RANDOM_DEFINITIONS; the paper does not say)
    scheduled_sampling: ScheduledSamplingConfig
    pg_bleu: PGBleuConfig
    strategies: tuple[StrategyConfig, ...]  # Figure 3 panels
    quality_diversity: QualityDiversityConfig
