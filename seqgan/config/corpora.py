"""The real corpora's typed sections: preprocessing (``data``) and scoring (``metrics``) per corpus, and
each corpus's whole section (the synthetic experiment's training sections, without the oracle)."""

from __future__ import annotations

from dataclasses import dataclass

from seqgan.config.schema import ConfigError
from seqgan.config.sections import (
    AdversarialConfig,
    DiscriminatorConfig,
    DiscriminatorTrainingConfig,
    EvalConfig,
    GeneratorConfig,
    PretrainConfig,
    QualityDiversityConfig,
    Section,
    SyntheticConfig,
    _Experiment,
)


def _fractions(prefix: str, section) -> None:
    """A held-out test split, an optional validation split (each in range by the schema), and a training split."""
    test, valid = section.test_fraction, section.valid_fraction
    if test + valid >= 1:
        raise ConfigError(
            f"config keys '{prefix}test_fraction/valid_fraction': need test + valid < 1 (the rest is the training"
            f" split), got {test} and {valid}",
            [f"{prefix}test_fraction", f"{prefix}valid_fraction"],
        )


@dataclass(frozen=True)
class PoemsDataConfig(Section):
    schema_node = "/properties/poems/properties/data"

    source: str  # a download name (the schema's enum)
    keep_punctuation: bool  # the paper models 20 characters: the 4 punctuation marks are dropped
    deduplicate: bool  # drop repeated poems before splitting, so no test poem is also in train
    test_fraction: float
    valid_fraction: float
    seed: int  # seeds the split
    max_train: int  # train on at most this many sequences, evenly spread over the split (0 = all)

    @property
    def seq_len(self) -> int:
        return 24 if self.keep_punctuation else 20  # 4 lines of 5 characters, with or without their marks

    def check(self, prefix):
        _fractions(prefix, self)


@dataclass(frozen=True)
class ObamaDataConfig(Section):
    schema_node = "/properties/obama/properties/data"

    source: str  # a download name (the schema's enum); outputs of the substitute are labelled so
    seq_len: int  # tokens per sequence: paragraphs are cut into windows of this length
    max_vocab: int  # most frequent training tokens kept, <pad> and <unk> included
    min_tokens: int  # a paragraph's last, partial window is padded if it has this many tokens, else dropped
    deduplicate: bool
    test_fraction: float
    valid_fraction: float
    seed: int
    max_train: int

    def check(self, prefix):
        if self.min_tokens > self.seq_len:
            raise ConfigError(
                f"config key '{prefix}min_tokens': must be <= '{prefix}seq_len' ({self.seq_len}), got {self.min_tokens}",
                [f"{prefix}min_tokens", f"{prefix}seq_len"],
            )
        _fractions(prefix, self)


@dataclass(frozen=True)
class MusicDataConfig(Section):
    schema_node = "/properties/music/properties/data"

    source: str  # a download name (the schema's enum); the split is the original one, read off the file names
    sample_seconds: float  # the paper: the melody's pitch every 0.4 s
    seq_len: int  # the paper: 32
    stride: int  # tokens between the starts of consecutive windows of a tune (= seq_len: no overlap)
    max_train: int


@dataclass(frozen=True)
class MetricsConfig(Section):
    """How a real corpus's generated samples are scored (paper: BLEU against a whole reference set; ours, on two: seqgan/metrics/corpus_scores.py)."""

    schema_node = "/$defs/metrics"

    bleu: tuple[int, ...]  # BLEU orders n reported (poems 2; Obama 3 and 4; music 4)
    smoothing: str  # nltk SmoothingFunction method, one of SMOOTHINGS (the paper names none)
    self_bleu_sample: int  # hypotheses scored for Self-BLEU, each against all other samples (0 = all)


@dataclass(frozen=True)
class CorpusTrainingConfig(_Experiment):
    """MLE and SeqGAN on a real corpus: the synthetic experiment's sections, without the oracle.
    The vocabulary comes from the preprocessed corpus; ``seq_len`` from its data section."""

    generator: GeneratorConfig
    discriminator: DiscriminatorConfig
    pretrain: PretrainConfig
    discriminator_training: DiscriminatorTrainingConfig
    adversarial: AdversarialConfig
    eval: EvalConfig  # learning curve (NLL-test; no oracle here) and samples scored (num_samples)
    precision: str
    checkpoint_every: int
    metrics: MetricsConfig
    quality_diversity: QualityDiversityConfig

    @property
    def seq_len(self) -> int:
        return self.data.seq_len


@dataclass(frozen=True)
class PoemsConfig(CorpusTrainingConfig):
    schema_node = "/properties/poems"

    data: PoemsDataConfig


@dataclass(frozen=True)
class ObamaConfig(CorpusTrainingConfig):
    schema_node = "/properties/obama"

    data: ObamaDataConfig


@dataclass(frozen=True)
class MusicConfig(CorpusTrainingConfig):
    schema_node = "/properties/music"

    data: MusicDataConfig


CORPORA = {"poems": PoemsConfig, "obama": ObamaConfig, "music": MusicConfig}  # config key -> its sections
EXPERIMENTS = {"synthetic": SyntheticConfig, **CORPORA}
