"""Typed, frozen hyperparameters: the synthetic experiment, the real corpora, and what each step reads.

The JSON schema (``seqgan/config/schema.yaml``, package data; ``schema.py``) is the only validator of
keys, types, ranges and choices. Every entry point runs it first (``validate_workflow`` for the
Snakefile, ``load_step`` for a CLI verb, ``Section.from_dict``), after a pass that refuses NaN and
infinities, so a bad value is one error line naming its dotted key. The frozen dataclasses
(``sections.py``, ``corpora.py``) are then filled from the validated mapping: they are typed
containers, and check only what a schema cannot say, the relations between keys (floor <= start, no
filter wider than the sequence, ..., and an estimate of the largest tensors a step allocates, at most
``MEMORY_LIMIT_GIB``). The choices (``METHODS``, ``PRECISIONS``, ...) are read from the
schema's enums. This module holds the entry points and re-exports the rest.

Standard library, PyYAML and jsonschema only (and ``seqgan.stages``, the declaration of what each step
reads): the Snakefile imports this package without torch.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from seqgan import stages
from seqgan.config.corpora import (  # noqa: F401 (re-exported: the package's API)
    CORPORA,
    EXPERIMENTS,
    CorpusTrainingConfig,
    MetricsConfig,
    MusicConfig,
    MusicDataConfig,
    ObamaConfig,
    ObamaDataConfig,
    PoemsConfig,
    PoemsDataConfig,
)
from seqgan.config.schema import (  # noqa: F401 (re-exported: the package's API)
    METHODS,
    PRECISIONS,
    RANDOM_DEFINITIONS,
    SCHEMA,
    SMOOTHINGS,
    ConfigError,
    _key,
    _node,
    _show,
    _validate,
)
from seqgan.config.sections import (  # noqa: F401 (re-exported: the package's API)
    MEMORY_LIMIT_GIB,
    AdversarialConfig,
    DiscriminatorConfig,
    DiscriminatorTrainingConfig,
    EvalConfig,
    GeneratorConfig,
    OracleConfig,
    PGBleuConfig,
    PretrainConfig,
    QualityDiversityConfig,
    ScheduledSamplingConfig,
    Section,
    StrategyConfig,
    SyntheticConfig,
    _check_across,
    _fields,
    _plain,
    _typed,
    memory_estimates,
)


def validate_workflow(
    config: dict, files: Sequence[str | Path] = (), overrides: Mapping | None = None
) -> dict[str, Section]:
    """Check the workflow's whole config before anything is planned: the schema, then each experiment's
    typed config with its checks across keys. Returns experiment key -> typed config.

    ``files``: the config files merged into ``config``, in merge order; ``overrides``: values merged over
    them (Snakemake's --config). An error names where a key it is about was set last (a missing key is
    set nowhere)."""
    try:
        _validate(config, "", "")
        return {name: cls._build(config[name], f"{name}.") for name, cls in EXPERIMENTS.items()}
    except ConfigError as err:
        where = [("--config", overrides or {}), *((path, _read_yaml(path)) for path in reversed(files))]
        source = next((name for name, data in where if any(_sets(data, key) for key in err.keys)), None)
        raise (err if source is None else err.in_file(source)) from None


def _read_yaml(path: str | Path):
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


# A part of a dotted key: a list index [0], a quoted name ['a b'] (schema._key), or a plain name.
_KEY_PART = re.compile(r"""\[\d+\]|\[(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]|[^.\[\]]+""")


def _sets(data, key: str) -> bool:
    """Whether the nested ``data`` sets the dotted ``key`` (``synthetic.strategies[0].name``)."""
    for part in _KEY_PART.findall(key):
        if part[:2] in ("['", '["'):
            part = ast.literal_eval(part[1:-1])  # a name
        elif part.startswith("["):
            if not (isinstance(data, list) and int(part[1:-1]) < len(data)):
                return False
            data = data[int(part[1:-1])]
            continue
        if not (isinstance(data, Mapping) and part in data):
            return False
        data = data[part]
    return True


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the experiment config ({err})") from err


def load_json(path: str | Path, section: type[Section]):
    """Read a resolved config section (JSON: a whole experiment's section) as ``section``."""
    path = Path(path)
    data = _read_json(path)
    try:
        return section.from_dict(data)
    except ConfigError as err:
        raise err.in_file(path) from err


def load(path: str | Path) -> SyntheticConfig:
    """Read a resolved synthetic-experiment config (JSON: the whole ``synthetic`` section)."""
    return load_json(path, SyntheticConfig)


class SectionNotRead(ConfigError, AttributeError):
    """A step read a config section that seqgan.stages does not declare for it."""


class StepConfig:
    """One step's config: an attribute per section seqgan.stages declares for the step, typed as in the
    experiment's class (``.pretrain`` a PretrainConfig, ``.precision`` a str, ``.strategies`` a tuple of
    StrategyConfig), and nothing else: reading another section raises ``SectionNotRead``."""

    def __init__(self, experiment: str, step: str, sections: Mapping[str, object]):
        object.__setattr__(self, "_experiment", experiment)
        object.__setattr__(self, "_step", step)
        object.__setattr__(self, "_sections", tuple(sections))
        for name, value in sections.items():
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):  # only called for names that are not sections
        if name.startswith("_"):
            raise AttributeError(name)
        raise SectionNotRead(
            f"{self._experiment} step '{self._step}' does not read config section '{name}'"
            f" (it reads: {', '.join(self._sections)}; seqgan/stages.py)"
        )

    def __setattr__(self, name: str, value) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to config section '{name}'")

    def __repr__(self) -> str:
        sections = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._sections)
        return f"StepConfig({self._experiment}/{self._step}: {sections})"

    def to_dict(self) -> dict:
        """The sections as plain values (for checkpoint fingerprints)."""
        return {name: _plain(getattr(self, name)) for name in self._sections}


def step_config(data, experiment: str, step: str) -> StepConfig:
    """``step``'s sections of ``data``: the file the workflow writes for it (exactly those sections), or
    the experiment's whole section. A strategy_NAME step gets that one strategy. Each section is checked
    against the schema, then the checks across the sections present."""
    if experiment not in EXPERIMENTS:
        raise ConfigError(f"unknown experiment {experiment!r} (expected one of: {', '.join(EXPERIMENTS)})")
    try:
        names = stages.step_sections(experiment, step)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping of {experiment} config sections, got {_show(data)}")
    known = _node(f"/properties/{experiment}")["properties"]
    unknown = sorted((name for name in data if name not in known), key=str)
    if unknown:
        key = _key("", unknown[:1])
        raise ConfigError(f"unknown config key '{key}' (a {experiment} section is one of: {', '.join(known)})", [key])
    missing = [name for name in names if name not in data]
    if missing:
        raise ConfigError(
            f"{experiment} step '{step}' reads config section '{missing[0]}', which is missing"
            f" (it reads: {', '.join(names)})",
            [missing[0]],
        )
    for name in names:
        _validate(data[name], f"/properties/{experiment}/properties/{name}", f"{name}.")
    settings, hints = stages.step_settings(data, experiment, step), _fields(EXPERIMENTS[experiment])
    sections = {name: _typed(hints[name], settings[name], name) for name in names}
    if "strategies" in sections and not sections["strategies"]:
        defined = ", ".join(repr(s["name"]) for s in data["strategies"]) or "none"
        raise ConfigError(
            f"config key 'strategies': no strategy named {step.removeprefix('strategy_')!r} (defined: {defined})"
        )
    _check_across(sections, "")
    return StepConfig(experiment, step, sections)


def load_step(path: str | Path, experiment: str, step: str) -> StepConfig:
    """Read ``step``'s config file (JSON written by the workflow: the sections seqgan.stages declares)."""
    path = Path(path)
    data = _read_json(path)
    try:
        return step_config(data, experiment, step)
    except ConfigError as err:
        raise err.in_file(path) from err
