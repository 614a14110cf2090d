"""The steps of the pipeline and the config sections each one reads: one declaration for both sides.

A step has one name everywhere: the Snakemake rule (``pretrain_discriminator``, with a ``corpus_``
prefix for a real corpus's), the CLI verb (``pretrain-discriminator``), its config file
(``results/EXPERIMENT/config/pretrain_discriminator.json``) and, for training steps, its run folder.
The workflow writes each step's config file with exactly the sections listed here (so a change
elsewhere in the config leaves the step alone), and the CLI verb loads exactly these sections (so a
step that reads a section it did not declare fails at once). The report steps are not listed: they
read an experiment's whole section. Standard library only: the Snakefile
imports it without torch.
"""

from __future__ import annotations

# Read by every step that trains a generator: the data's shape, the learning curve, checkpoints.
_SYNTHETIC_RUN = ("oracle", "eval", "checkpoint_every")
_ADVERSARIAL = ("adversarial", "discriminator", "discriminator_training", "precision")

SYNTHETIC = {
    "oracle": ("oracle",),
    "pretrain": (*_SYNTHETIC_RUN, "generator", "pretrain"),
    "pretrain_discriminator": ("oracle", "discriminator", "discriminator_training", "precision", "checkpoint_every"),
    "random": ("oracle", "generator", "eval"),
    "mle": (*_SYNTHETIC_RUN, "pretrain"),
    # generator: the untrained start of scheduled_sampling.init: scratch (its shape and init_std)
    "scheduled_sampling": (*_SYNTHETIC_RUN, "generator", "pretrain", "scheduled_sampling"),
    "pg_bleu": (*_SYNTHETIC_RUN, "adversarial", "pg_bleu"),
    "constant_reward": (*_SYNTHETIC_RUN, "adversarial"),
    "seqgan": (*_SYNTHETIC_RUN, *_ADVERSARIAL),
    # A Figure 3 panel (run strategy_NAME): SeqGAN's sections and that one strategy (see `step_sections`).
    "strategy": (*_SYNTHETIC_RUN, *_ADVERSARIAL, "strategies"),
    # A trained generator at several sampling temperatures: NLL-oracle against NLL-test.
    "quality_diversity": ("oracle", "eval", "quality_diversity"),
}

_CORPUS_RUN = ("data", "eval", "checkpoint_every")
CORPUS = {
    "corpus": ("data",),
    "pretrain": (*_CORPUS_RUN, "generator", "pretrain"),
    "pretrain_discriminator": ("data", "discriminator", "discriminator_training", "precision", "checkpoint_every"),
    "mle": (*_CORPUS_RUN, "pretrain"),
    "seqgan": (*_CORPUS_RUN, *_ADVERSARIAL),
    "evaluate": ("eval", "metrics"),  # the corpus's preprocessed folder is an input
    "quality_diversity": ("eval", "metrics", "quality_diversity"),  # evaluate's scores at several temperatures
    "render_music": ("data",),
}

CORPORA = ("poems", "obama", "music")
EXPERIMENTS = ("synthetic", *CORPORA)


def step_sections(experiment: str, step: str) -> tuple[str, ...]:
    """The config sections ``step`` (a rule/verb name, or strategy_NAME) reads in ``experiment``."""
    steps = SYNTHETIC if experiment == "synthetic" else CORPUS
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {experiment!r} (expected one of: {', '.join(EXPERIMENTS)})")
    key = "strategy" if experiment == "synthetic" and step.startswith("strategy_") else step
    if key not in steps:
        raise ValueError(f"{experiment} has no step {step!r} (its steps: {', '.join(steps)})")
    return steps[key]


def step_settings(experiment_config: dict, experiment: str, step: str) -> dict:
    """What ``step`` reads of its experiment's config: the declared sections (a strategy_NAME step gets
    only its own strategy), keys sorted so that equal settings are equal text."""
    settings = {section: experiment_config[section] for section in step_sections(experiment, step)}
    if "strategies" in settings:
        name = step.removeprefix("strategy_")
        settings["strategies"] = [s for s in settings["strategies"] if s["name"] == name]
    return sorted_keys(settings)


def sorted_keys(value):
    """``value`` with every mapping's keys sorted: Snakemake compares params as text, and the order of
    YAML keys means nothing."""
    if isinstance(value, dict):
        return {key: sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(item) for item in value]
    return value
