"""Typed, frozen hyperparameters: the synthetic experiment, and the preprocessing of the real corpora.

Every section is a frozen dataclass built by a strict ``from_dict``: an unknown key, a missing
key or a value of the wrong type is an error that names the key. The JSON schema in
``workflow/schemas/config.schema.yaml`` mirrors these classes (a test keeps the two in sync).
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from seqgan.metrics.bleu import SMOOTHINGS


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type/range."""


def _check_type(name: str, value, annotation):
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            try:
                return _check_type(name, value, option)
            except ConfigError:
                continue
        raise ConfigError(f"config key '{name}': expected {annotation}, got {value!r}")
    if annotation is type(None):
        if value is None:
            return None
        raise ConfigError(f"config key '{name}': expected null, got {value!r}")
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(annotation)
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"config key '{name}': expected a list, got {value!r}")
        return tuple(_check_type(f"{name}[{i}]", v, item_type) for i, v in enumerate(value))
    if origin is typing.Literal:
        if value not in typing.get_args(annotation):
            raise ConfigError(f"config key '{name}': expected one of {typing.get_args(annotation)}, got {value!r}")
        return value
    if dataclasses.is_dataclass(annotation):
        return annotation.from_dict(value, prefix=f"{name}.")
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation in (int, float, str, bool) and (
        isinstance(value, annotation) and not (annotation is int and isinstance(value, bool))
    ):
        return value
    raise ConfigError(f"config key '{name}': expected {annotation.__name__}, got {value!r}")


class Section:
    """Mixin: strict construction from (nested) dicts and range checks in ``validate``."""

    @classmethod
    def from_dict(cls, data: dict, prefix: str = ""):
        if not isinstance(data, dict):
            raise ConfigError(f"config section '{prefix.rstrip('.') or cls.__name__}': expected a mapping")
        hints = typing.get_type_hints(cls)
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ConfigError(
                f"unknown config key '{prefix}{unknown[0]}' (expected one of: {', '.join(sorted(fields))})"
            )
        missing = sorted(fields - set(data))
        if missing:
            raise ConfigError(f"missing config key '{prefix}{missing[0]}'")
        values = {k: _check_type(prefix + k, v, hints[k]) for k, v in data.items()}
        section = cls(**values)
        section.validate(prefix)
        return section

    def validate(self, prefix: str) -> None:
        """Range checks; overridden where a section has any."""

    def to_dict(self) -> dict:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def _positive(prefix: str, section, *names: str) -> None:
    for name in names:
        if getattr(section, name) <= 0:
            raise ConfigError(f"config key '{prefix}{name}': must be > 0, got {getattr(section, name)!r}")


@dataclass(frozen=True)
class OracleConfig(Section):
    source: typing.Literal["original", "random"]  # released SeqGAN parameters, or a seeded N(0,1) LSTM
    vocab_size: int
    emb_dim: int
    hidden_dim: int
    seq_len: int
    init_std: float  # std of the random oracle's parameters (paper: N(0,1))
    seed: int  # seeds the random oracle and the sampling of its train/test sets
    num_train: int
    num_test: int

    def validate(self, prefix):
        _positive(prefix, self, "vocab_size", "emb_dim", "hidden_dim", "seq_len", "init_std", "num_train", "num_test")
        if self.seed < 0:
            raise ConfigError(f"config key '{prefix}seed': must be >= 0, got {self.seed}")
        if self.source == "original" and (self.vocab_size, self.emb_dim, self.hidden_dim) != (5000, 32, 32):
            raise ConfigError(f"config keys '{prefix}vocab_size/emb_dim/hidden_dim': the original oracle is 5000/32/32")


@dataclass(frozen=True)
class GeneratorConfig(Section):
    emb_dim: int
    hidden_dim: int
    init_std: float  # original code: N(0, 0.1) for every parameter

    def validate(self, prefix):
        _positive(prefix, self, "emb_dim", "hidden_dim", "init_std")


@dataclass(frozen=True)
class DiscriminatorConfig(Section):
    emb_dim: int
    filter_sizes: tuple[int, ...]
    num_filters: tuple[int, ...]
    dropout: float  # probability of dropping (original code: keep 0.75)
    l2_reg: float  # L2 weight on the output layer only, TF l2_loss convention (sum w^2 / 2)

    def validate(self, prefix):
        _positive(prefix, self, "emb_dim")
        if len(self.filter_sizes) != len(self.num_filters) or not self.filter_sizes:
            raise ConfigError(
                f"config keys '{prefix}filter_sizes' and '{prefix}num_filters': "
                "need the same, non-zero number of entries"
            )
        if min(self.filter_sizes) <= 0 or min(self.num_filters) <= 0:
            raise ConfigError(f"config key '{prefix}filter_sizes/num_filters': entries must be > 0")
        if self.l2_reg < 0:
            raise ConfigError(f"config key '{prefix}l2_reg': must be >= 0, got {self.l2_reg}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"config key '{prefix}dropout': must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class PretrainConfig(Section):
    epochs: int
    batch_size: int
    lr: float
    grad_clip: float

    def validate(self, prefix):
        _positive(prefix, self, "batch_size", "lr", "grad_clip")
        if self.epochs < 0:
            raise ConfigError(f"config key '{prefix}epochs': must be >= 0")


@dataclass(frozen=True)
class DiscriminatorTrainingConfig(Section):
    pretrain_rounds: int  # rounds of (fresh negatives, k epochs) before adversarial training
    pretrain_epochs: int  # k during pretraining
    num_negatives: int  # generated sequences per round (positives: the same number of real ones)
    batch_size: int
    lr: float

    def validate(self, prefix):
        _positive(prefix, self, "pretrain_epochs", "num_negatives", "batch_size", "lr")
        if self.pretrain_rounds < 0:
            raise ConfigError(f"config key '{prefix}pretrain_rounds': must be >= 0")


@dataclass(frozen=True)
class AdversarialConfig(Section):
    iterations: int
    g_steps: int
    d_steps: int
    k_epochs: int
    rollouts: int  # Monte Carlo search N
    batch_size: int
    lr: float
    grad_clip: float
    rollout_chunk: int  # rows per batched unroll / discriminator pass (bounds memory)

    def validate(self, prefix):
        _positive(prefix, self, "g_steps", "k_epochs", "rollouts", "batch_size", "lr", "grad_clip", "rollout_chunk")
        if self.iterations < 0 or self.d_steps < 0:
            raise ConfigError(f"config keys '{prefix}iterations/d_steps': must be >= 0")


@dataclass(frozen=True)
class EvalConfig(Section):
    num_samples: int  # fresh generator samples per NLL-oracle estimate, or scored by a real corpus's metrics
    every: int  # epochs between learning-curve points
    batch_size: int

    def validate(self, prefix):
        _positive(prefix, self, "num_samples", "every", "batch_size")


METHODS = ("random", "mle", "scheduled_sampling", "pg_bleu", "seqgan", "constant_reward")
RANDOM_DEFINITIONS = ("untrained_generator", "uniform_tokens")
# The discriminator's precision: auto resolves per device when a job starts (seqgan/device.py).
PRECISIONS = ("auto", "fp32", "bf16")
NAME_PATTERN = re.compile(r"[A-Za-z0-9]+")  # strategy names become folder names and Snakemake wildcards


@dataclass(frozen=True)
class ScheduledSamplingConfig(Section):
    """p(e) = max(floor, start - decay * (e - 1)): the probability of feeding the true token in epoch e >= 1."""

    schedule: typing.Literal["linear"]
    start: float
    decay: float
    floor: float

    def probability(self, epoch: int) -> float:
        return max(self.floor, self.start - self.decay * (epoch - 1))

    def validate(self, prefix):
        if not 0.0 <= self.floor <= self.start <= 1.0:
            raise ConfigError(
                f"config keys '{prefix}start/floor': need 0 <= floor <= start <= 1 (p falls from start to floor), "
                f"got start {self.start}, floor {self.floor}"
            )
        if self.decay < 0:
            raise ConfigError(f"config key '{prefix}decay': must be >= 0, got {self.decay}")


@dataclass(frozen=True)
class PGBleuConfig(Section):
    max_n: int  # BLEU-n of each Monte Carlo completion against the training set (paper: BLEU-3)
    smoothing: typing.Literal[SMOOTHINGS]

    def validate(self, prefix):
        _positive(prefix, self, "max_n")


@dataclass(frozen=True)
class StrategyConfig(Section):
    """One panel of Figure 3: SeqGAN with its own (g-steps, d-steps, k) from the shared pretrained models."""

    name: str
    g_steps: int
    d_steps: int
    k_epochs: int
    iterations: int

    def validate(self, prefix):
        if not NAME_PATTERN.fullmatch(self.name):
            raise ConfigError(f"config key '{prefix}name': letters and digits only, got {self.name!r}")
        _positive(prefix, self, "g_steps", "d_steps", "k_epochs", "iterations")


@dataclass(frozen=True)
class SyntheticConfig(Section):
    oracle: OracleConfig
    generator: GeneratorConfig
    discriminator: DiscriminatorConfig
    pretrain: PretrainConfig
    discriminator_training: DiscriminatorTrainingConfig
    adversarial: AdversarialConfig
    eval: EvalConfig
    precision: typing.Literal[PRECISIONS]  # the discriminator's; auto: bf16 where native (seqgan.device)
    checkpoint_every: int  # epochs/iterations between resumable checkpoints
    methods: tuple[typing.Literal[METHODS], ...]  # Table 1 rows to run
    random: tuple[typing.Literal[RANDOM_DEFINITIONS], ...]  # what "Random" means (the paper does not say)
    scheduled_sampling: ScheduledSamplingConfig
    pg_bleu: PGBleuConfig
    strategies: tuple[StrategyConfig, ...]  # Figure 3 panels

    def strategy(self, name: str) -> StrategyConfig:
        for strategy in self.strategies:
            if strategy.name == name:
                return strategy
        known = ", ".join(s.name for s in self.strategies) or "none"
        raise ConfigError(f"config key 'strategies': no strategy named {name!r} (defined: {known})")

    def validate(self, prefix):
        _positive(prefix, self, "checkpoint_every")
        for key in ("methods", "random"):
            values = getattr(self, key)
            if not values or len(set(values)) != len(values):
                raise ConfigError(f"config key '{prefix}{key}': needs unique entries, at least one, got {list(values)}")
        names = [s.name for s in self.strategies]
        if len(set(names)) != len(names):
            raise ConfigError(f"config key '{prefix}strategies': names must be unique, got {names}")
        if self.discriminator_training.num_negatives > self.oracle.num_train:
            raise ConfigError(
                f"config key '{prefix}discriminator_training.num_negatives': {self.discriminator_training.num_negatives}"
                f" exceeds '{prefix}oracle.num_train' ({self.oracle.num_train}); each round pairs them one to one"
            )
        longest = max(self.discriminator.filter_sizes)
        if longest > self.oracle.seq_len:
            raise ConfigError(
                f"config key '{prefix}discriminator.filter_sizes': width {longest} exceeds "
                f"the sequence length {self.oracle.seq_len}"
            )


# ---------------------------------------------------------------------------------------------- real corpora


def _fractions(prefix: str, section) -> None:
    """A held-out test split, an optional validation split, and a training split left over."""
    test, valid = section.test_fraction, section.valid_fraction
    if not (0 < test < 1 and 0 <= valid < 1 and test + valid < 1):
        raise ConfigError(
            f"config keys '{prefix}test_fraction/valid_fraction': need 0 < test < 1, 0 <= valid and"
            f" test + valid < 1, got {test} and {valid}"
        )
    if section.seed < 0:
        raise ConfigError(f"config key '{prefix}seed': must be >= 0, got {section.seed}")
    _max_train(prefix, section)


def _max_train(prefix: str, section) -> None:
    if section.max_train < 0:
        raise ConfigError(f"config key '{prefix}max_train': must be >= 0 (0 = the whole training split)")


# Download names (seqgan/data/download.py) each corpus can be read from.
POEMS_SOURCES = ("poems/shi.txt",)
OBAMA_SOURCES = ("obama/input.txt", "obama/obama_speeches_SUBSTITUTE_tcontois.txt.gz")  # the paper's; a substitute
MUSIC_SOURCES = ("nottingham/Nottingham_midi.zip",)


@dataclass(frozen=True)
class PoemsDataConfig(Section):
    source: typing.Literal[POEMS_SOURCES]
    keep_punctuation: bool  # the paper models 20 characters: the 4 punctuation marks are dropped
    deduplicate: bool  # drop repeated poems before splitting, so no test poem is also in train
    test_fraction: float
    valid_fraction: float
    seed: int  # seeds the split
    max_train: int  # train on at most this many sequences, evenly spread over the split (0 = all)

    @property
    def seq_len(self) -> int:
        return 24 if self.keep_punctuation else 20  # 4 lines of 5 characters, with or without their marks

    def validate(self, prefix):
        _fractions(prefix, self)


@dataclass(frozen=True)
class ObamaDataConfig(Section):
    source: typing.Literal[OBAMA_SOURCES]  # outputs of the substitute are labelled so
    seq_len: int  # tokens per sequence: paragraphs are cut into windows of this length
    max_vocab: int  # most frequent training tokens kept, <pad> and <unk> included
    min_tokens: int  # a paragraph's last, partial window is padded if it has this many tokens, else dropped
    deduplicate: bool
    test_fraction: float
    valid_fraction: float
    seed: int
    max_train: int

    def validate(self, prefix):
        _positive(prefix, self, "seq_len", "min_tokens")
        if self.min_tokens > self.seq_len:
            raise ConfigError(f"config key '{prefix}min_tokens': must be <= seq_len ({self.seq_len})")
        if self.max_vocab < 3:
            raise ConfigError(f"config key '{prefix}max_vocab': needs room for <pad>, <unk> and a word")
        _fractions(prefix, self)


@dataclass(frozen=True)
class MusicDataConfig(Section):
    source: typing.Literal[MUSIC_SOURCES]  # the split is the original one, read off the file names
    sample_seconds: float  # the paper: the melody's pitch every 0.4 s
    seq_len: int  # the paper: 32
    stride: int  # tokens between the starts of consecutive windows of a tune (= seq_len: no overlap)
    max_train: int

    def validate(self, prefix):
        _positive(prefix, self, "sample_seconds", "seq_len", "stride")
        _max_train(prefix, self)


@dataclass(frozen=True)
class MetricsConfig(Section):
    """How a real corpus's generated samples are scored (paper: BLEU against the whole test set)."""

    bleu: tuple[int, ...]  # BLEU orders n reported (poems 2; Obama 3 and 4; music 4)
    smoothing: typing.Literal[SMOOTHINGS]  # nltk SmoothingFunction method (the paper names none)
    self_bleu_sample: int  # hypotheses scored for Self-BLEU, each against all other samples (0 = all)

    def validate(self, prefix):
        if not self.bleu or min(self.bleu) < 1 or len(set(self.bleu)) != len(self.bleu):
            raise ConfigError(f"config key '{prefix}bleu': needs unique orders >= 1, got {list(self.bleu)}")
        if self.self_bleu_sample < 0:
            raise ConfigError(f"config key '{prefix}self_bleu_sample': must be >= 0 (0 = all samples)")


@dataclass(frozen=True)
class CorpusTrainingConfig(Section):
    """MLE and SeqGAN on a real corpus: the synthetic experiment's sections, without the oracle.
    The vocabulary comes from the preprocessed corpus; ``seq_len`` from its data section."""

    generator: GeneratorConfig
    discriminator: DiscriminatorConfig
    pretrain: PretrainConfig
    discriminator_training: DiscriminatorTrainingConfig
    adversarial: AdversarialConfig
    eval: EvalConfig  # learning curve (NLL-test; no oracle here) and samples scored (num_samples)
    precision: typing.Literal[PRECISIONS]
    checkpoint_every: int
    metrics: MetricsConfig

    @property
    def seq_len(self) -> int:
        return self.data.seq_len

    def validate(self, prefix):
        _positive(prefix, self, "checkpoint_every")
        if self.metrics.self_bleu_sample > self.eval.num_samples:
            raise ConfigError(
                f"config key '{prefix}metrics.self_bleu_sample': exceeds the {self.eval.num_samples} samples scored"
                f" ('{prefix}eval.num_samples')"
            )
        longest = max(self.discriminator.filter_sizes)
        if longest > self.seq_len:
            raise ConfigError(
                f"config key '{prefix}discriminator.filter_sizes': width {longest} exceeds "
                f"the sequence length {self.seq_len}"
            )


@dataclass(frozen=True)
class PoemsConfig(CorpusTrainingConfig):
    data: PoemsDataConfig


@dataclass(frozen=True)
class ObamaConfig(CorpusTrainingConfig):
    data: ObamaDataConfig


@dataclass(frozen=True)
class MusicConfig(CorpusTrainingConfig):
    data: MusicDataConfig


CORPORA = {"poems": PoemsConfig, "obama": ObamaConfig, "music": MusicConfig}  # config key -> its sections


def load_json(path: str | Path, section: type[Section]):
    """Read a resolved config section (JSON written by the workflow) as ``section``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the experiment config ({err})") from err
    try:
        return section.from_dict(data)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err


def load(path: str | Path) -> SyntheticConfig:
    """Read the resolved synthetic-experiment config (JSON written by the workflow)."""
    return load_json(path, SyntheticConfig)
