"""The config: the schema validates (one line naming the key), the typed sections add the checks across
keys, and each step gets exactly the sections seqgan.stages declares for it."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from snakemake.utils import update_config

from seqgan import config, stages
from seqgan.cli import main
from seqgan.config import ConfigError, SyntheticConfig

REPO = Path(__file__).resolve().parents[1]


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def merged(*paths: str) -> dict:
    """config/config.yaml with each file merged over it, the way Snakemake's --configfile does it."""
    data = read_yaml(REPO / "config" / "config.yaml")
    for path in paths:
        update_config(data, read_yaml(REPO / path))
    return data


def set_key(data: dict, dotted: str, value) -> dict:
    data = copy.deepcopy(data)
    *sections, name = dotted.split(".")
    node = data
    for section in sections:
        node = node[section]
    node[name] = value
    return data


def error_of(data: dict, cls=SyntheticConfig) -> str:
    with pytest.raises(ConfigError) as info:
        cls.from_dict(data)
    return str(info.value)


# ---------------------------------------------------------------------------------------------- the schema


def schema_at(pointer: str) -> dict:
    node = config.SCHEMA
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_schema_is_a_valid_schema_with_closed_documented_sections():
    """Every mapping rejects unknown keys and requires all of its keys (presets override, never remove),
    and every key says what it is (itself or the definition it refers to)."""
    jsonschema.Draft202012Validator.check_schema(config.SCHEMA)

    def described(node: dict) -> bool:
        return bool(node.get("description")) or ("$ref" in node and described(schema_at(node["$ref"])))

    def walk(node: dict, path: str):
        node = config._node(node["$ref"][1:]) if "$ref" in node else node
        if node.get("type") == "array":
            yield from walk(node["items"], f"{path}[]")
        if node.get("type") == "object":
            yield path, node
            for key, child in node["properties"].items():
                assert described(child), f"{path}.{key} has no description"
                yield from walk(child, f"{path}.{key}" if path else key)

    sections = list(walk(config.SCHEMA, ""))
    assert len(sections) > 20
    for path, node in sections:
        assert node.get("additionalProperties") is False, path
        assert sorted(node["required"]) == sorted(node["properties"]), path


def section_classes():
    seen, todo = [], [SyntheticConfig, *config.CORPORA.values()]
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            for hint in config._fields(cls).values():
                hint = next(iter(getattr(hint, "__args__", ())), hint)  # tuple[StrategyConfig, ...]
                if isinstance(hint, type) and issubclass(hint, config.Section):
                    todo.append(hint)
    return seen


def test_every_section_class_has_its_schema_nodes_keys_and_number_types():
    """The classes are containers of what the schema validated: the same keys; a float where it says number."""
    classes = section_classes()
    assert len(classes) == 19  # 15 section types, the 4 experiments
    for cls in classes:
        node = config._node(cls.schema_node)
        fields = config._fields(cls)
        assert sorted(fields) == sorted(node["properties"]), cls.__name__
        for name, hint in fields.items():
            kind = config._node(f"{cls.schema_node}/properties/{name}").get("type")
            assert (hint is float) == (kind == "number"), f"{cls.__name__}.{name}"
            assert (hint is int) == (kind == "integer"), f"{cls.__name__}.{name}"


def test_choices_are_the_schemas_and_smoothings_those_bleu_implements():
    from seqgan.metrics.bleu import SMOOTHINGS

    assert config.SMOOTHINGS == SMOOTHINGS
    assert "seqgan" in config.METHODS and config.PRECISIONS == ("auto", "fp32", "bf16")
    assert config.RANDOM_DEFINITIONS == ("untrained_generator", "uniform_tokens")


def test_config_module_needs_neither_torch_nor_the_rest_of_the_package():
    """The Snakefile imports it where only Snakemake (PyYAML, jsonschema) is installed."""
    code = "import sys, seqgan.config; print(' '.join(m for m in sys.modules if m.startswith(('torch', 'seqgan'))))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    loaded = set(out.split())
    assert {"seqgan.config", "seqgan.stages"} <= loaded
    assert {m for m in loaded if not m.startswith("seqgan.config")} == {"seqgan", "seqgan.stages"}


# ---------------------------------------------------------------------------------------------- the shipped configs

CONFIGS = {
    "paper": merged(),
    "quick": merged("config/presets/quick.yaml"),
    "quick+figure3": merged("config/presets/quick.yaml", "config/presets/figure3.yaml"),
    "test": merged(".test/config/config.yaml"),
    "test-alone": read_yaml(REPO / ".test" / "config" / "config.yaml"),  # complete on its own
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_shipped_configs_are_valid(name):
    typed = config.validate_workflow(copy.deepcopy(CONFIGS[name]))
    assert sorted(typed) == ["music", "obama", "poems", "synthetic"]
    assert typed["synthetic"].to_dict() == CONFIGS[name]["synthetic"]


def test_paper_config_is_the_papers():
    cfg = SyntheticConfig.from_dict(CONFIGS["paper"]["synthetic"])
    assert (cfg.oracle.vocab_size, cfg.oracle.seq_len, cfg.adversarial.rollouts) == (5000, 20, 16)


def test_quick_preset_keeps_the_released_oracle_and_its_training_data():
    """Only NLL-test's held-out set shrinks; Figure 3 comes back with its add-on, four strategies."""
    quick, paper = (dict(CONFIGS[name]["synthetic"]["oracle"]) for name in ("quick", "paper"))
    assert quick.pop("num_test") < paper.pop("num_test")
    assert quick == paper
    assert CONFIGS["quick"]["synthetic"]["strategies"] == []
    assert [s["name"] for s in CONFIGS["quick+figure3"]["synthetic"]["strategies"]] == ["a", "b", "c", "d"]


# ---------------------------------------------------------------------------------------------- bad values


def test_tiny_config_loads_and_round_trips(tiny_config):
    cfg = SyntheticConfig.from_dict(tiny_config)
    assert cfg.discriminator.filter_sizes == (2, 3)
    assert cfg.strategies[0] == config.StrategyConfig("a", 2, 1, 2, 2)
    assert cfg.to_dict() == tiny_config
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.pretrain.epochs = 5


def test_int_is_accepted_where_a_float_is_expected_but_not_the_other_way(tiny_config):
    lr = SyntheticConfig.from_dict(set_key(tiny_config, "pretrain.lr", 1)).pretrain.lr
    assert lr == 1.0 and isinstance(lr, float)
    message = error_of(set_key(tiny_config, "pretrain.epochs", 2.0))
    assert message == "config key 'pretrain.epochs': expected an integer, got 2.0"


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("pretrain.lr", -1, "config key 'pretrain.lr': must be > 0, got -1"),
        ("pretrain.lr", "fast", "config key 'pretrain.lr': expected a number, got 'fast'"),
        ("pretrain.epochs", True, "config key 'pretrain.epochs': expected an integer, got True"),
        ("discriminator.dropout", 1.0, "config key 'discriminator.dropout': must be < 1, got 1.0"),
        ("discriminator.filter_sizes", [2, "3"], "config key 'discriminator.filter_sizes[1]': expected an integer"),
        ("eval", 5, "config key 'eval': expected a mapping, got 5"),
        ("precision", "fp16", "config key 'precision': expected one of: auto, fp32, bf16, got 'fp16'"),
        ("methods", ["mle", "mle"], "config key 'methods': needs unique entries, got ['mle', 'mle']"),
        ("strategies", [{"name": "x-y", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iterations": 1}],
         "config key 'strategies[0].name': must match ^[A-Za-z0-9]+$, got 'x-y'"),
        ("pretrain.epohcs", 3, "unknown config key 'pretrain.epohcs' (expected one of: batch_size, epochs,"),
        ("rollouts", 16, "unknown config key 'rollouts' (expected one of: adversarial, checkpoint_every,"),
        ("quality_diversity.temperatures", [0.5, 2.0],
         "config key 'quality_diversity.temperatures': must contain 1, got [0.5, 2.0]"),
        ("quality_diversity.temperatures", [1.0], "config key 'quality_diversity.temperatures': needs at least 2"),
        ("quality_diversity.temperatures", [0.0, 1.0], "config key 'quality_diversity.temperatures[0]': must be >= 0.05"),
        ("quality_diversity.temperatures", [1.0, 1e39], "config key 'quality_diversity.temperatures[1]': must be <= 20"),
        ("quality_diversity.temperatures", [1.0, 1.0], "config key 'quality_diversity.temperatures': needs unique"),
    ],
)  # fmt: skip
def test_a_bad_value_is_one_line_naming_the_key(tiny_config, key, value, message):
    error = error_of(set_key(tiny_config, key, value))
    assert error.startswith(message) and "\n" not in error, error


def test_a_missing_key_is_named(tiny_config):
    del tiny_config["adversarial"]["rollouts"]
    assert error_of(tiny_config) == "missing config key 'adversarial.rollouts'"


@pytest.mark.parametrize(
    "value, expected",
    [(float("nan"), "must be a finite number, got nan"), (float("inf"), "must be a finite number, got inf"),
     (-float("inf"), "must be a finite number, got -inf")],
)  # fmt: skip
def test_non_finite_numbers_are_refused_anywhere(tiny_config, value, expected):
    """JSON Schema's bounds would let NaN through (every comparison with it is false), and infinity past
    a bound on one side only; where an integer is due, the schema refuses either."""
    assert error_of(set_key(tiny_config, "pretrain.lr", value)) == f"config key 'pretrain.lr': {expected}"
    workflow = set_key(CONFIGS["test"], "seeds", [1, value])
    with pytest.raises(ConfigError, match=re.escape(f"config key 'seeds[1]': expected an integer, got {value}")):
        config.validate_workflow(workflow)


# Issue 14, case 1: the values that passed validation and then made garbage ("succeeded" with NaN curves,
# a teacher-forcing probability of 0 from epoch 1) or failed inside the first job without naming the key.
NON_FINITE = [
    ("oracle.init_std", ".inf"),
    ("scheduled_sampling.decay", ".nan"),
    ("scheduled_sampling.decay", ".inf"),
    ("pretrain.lr", ".nan"),
    ("generator.init_std", ".nan"),
    ("discriminator.l2_reg", ".nan"),
]


@pytest.mark.parametrize("key, value", NON_FINITE)
def test_a_non_finite_value_in_a_config_file_stops_the_workflow_naming_file_and_key(tmp_path, key, value):
    """The Snakefile's path: a --configfile with YAML's .nan/.inf, merged over config/config.yaml."""
    section, name = key.split(".")
    base = write_yaml(tmp_path / "config.yaml", CONFIGS["paper"])
    override = tmp_path / "override.yaml"
    override.write_text(f"synthetic:\n  {section}:\n    {name}: {value}\n")
    data = merged()
    update_config(data, read_yaml(override))
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(data, [base, override])
    got = float(value.replace(".", "", 1))
    assert str(info.value) == f"{override}: config key 'synthetic.{key}': must be a finite number, got {got}"


@pytest.mark.parametrize("key", sorted({key for key, _ in NON_FINITE}))
@pytest.mark.parametrize("token", ["NaN", "Infinity"])
def test_a_non_finite_value_in_a_step_file_is_refused_naming_file_and_key(tmp_path, tiny_config, key, token):
    """A CLI verb's path: the JSON step file may hold the tokens NaN and Infinity (json.loads takes them)."""
    step = {"oracle": "oracle", "scheduled_sampling": "scheduled_sampling", "discriminator": "pretrain_discriminator"}
    step = step.get(key.split(".")[0], "pretrain")
    path = tmp_path / f"{step}.json"
    path.write_text(json.dumps(stages.step_settings(set_key(tiny_config, key, 12345.5), "synthetic", step)))
    path.write_text(path.read_text().replace("12345.5", token))
    with pytest.raises(ConfigError) as info:
        config.load_step(path, "synthetic", step)
    got = float(token.lower())
    assert str(info.value) == f"{path}: config key '{key}': must be a finite number, got {got}"


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("preset", {"a\n": float("nan")}, "config key 'preset': expected a string, got {'a\\n': nan}"),
        ("synthetic.oracle", {**CONFIGS["test"]["synthetic"]["oracle"], "a\nb": 1},
         "unknown config key 'synthetic.oracle['a\\nb']' (expected one of:"),
        ("synthetic.oracle", {**CONFIGS["test"]["synthetic"]["oracle"], "x.y": 1},
         "unknown config key 'synthetic.oracle['x.y']' (expected one of:"),
    ],
)  # fmt: skip
def test_an_odd_key_is_quoted_on_the_one_line_naming_the_file(tmp_path, key, value, message):
    """A NaN inside a mapping given for a string is the string's type error (it names a real key); a name
    with a line break or a dot is quoted, and still found in the file that set it."""
    data = set_key(CONFIGS["test"], key, value)
    override = write_yaml(tmp_path / "override.yaml", set_key({"synthetic": {}}, key, value))
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(data, [override])
    assert str(info.value).startswith(f"{override}: {message}") and "\n" not in str(info.value), info.value


def test_a_corpus_value_is_named_with_its_corpus():
    data = set_key(CONFIGS["paper"]["obama"], "data.max_vocab", 2)
    with pytest.raises(ConfigError, match=re.escape("config key 'obama.data.max_vocab': must be >= 3, got 2")):
        config.ObamaConfig.from_dict(data, "obama.")


# ---------------------------------------------------------------------------------------------- across keys


def test_filter_wider_than_the_sequence(tiny_config):
    message = error_of(set_key(tiny_config, "discriminator.filter_sizes", [2, 7]))  # seq_len 6
    assert message.startswith("config key 'discriminator.filter_sizes': width 7 exceeds the sequence length 6")
    SyntheticConfig.from_dict(set_key(tiny_config, "discriminator.filter_sizes", [2, 6]))  # as wide is fine


def test_more_negatives_than_real_sequences(tiny_config):
    """Each round pairs negatives one to one with real sequences: there must be enough of those."""
    num_train = tiny_config["oracle"]["num_train"]
    message = error_of(set_key(tiny_config, "discriminator_training.num_negatives", num_train + 1))
    assert message.startswith(f"config key 'discriminator_training.num_negatives': {num_train + 1} exceeds")
    SyntheticConfig.from_dict(set_key(tiny_config, "discriminator_training.num_negatives", num_train))


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("oracle.source", "original", "config keys 'oracle.vocab_size/emb_dim/hidden_dim': the original oracle is"),
        ("discriminator.num_filters", [4], "config keys 'discriminator.filter_sizes' and 'discriminator.num_filters'"),
        ("scheduled_sampling.floor", 1.0, "config keys 'scheduled_sampling.start/floor': need floor <= start"),
        ("strategies", [{"name": "a", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iterations": 1}] * 2,
         "config key 'strategies': names must be unique, got ['a', 'a']"),
    ],
)  # fmt: skip
def test_checks_across_keys_name_them(tiny_config, key, value, message):
    tiny_config["scheduled_sampling"]["start"] = 0.5
    assert error_of(set_key(tiny_config, key, value)).startswith(message)


@pytest.mark.parametrize(
    "corpus, changes, message",
    [
        ("poems", {"data.test_fraction": 0.5, "data.valid_fraction": 0.5},
         "config keys 'poems.data.test_fraction/valid_fraction': need test + valid < 1"),
        ("obama", {"data.min_tokens": 40}, "config key 'obama.data.min_tokens': must be <= 'obama.data.seq_len'"),
        ("music", {"metrics.self_bleu_sample": 10**6}, "config key 'music.metrics.self_bleu_sample': 1000000 exceeds"),
        ("obama", {"data.max_train": 1999},
         "config key 'obama.data.max_train': 1999 training sequences, fewer than the 2000 real-data sequences scored"),
        ("poems", {"discriminator.filter_sizes": [21], "discriminator.num_filters": [1]},
         "config key 'poems.discriminator.filter_sizes': width 21 exceeds the sequence length 20"),
    ],
)  # fmt: skip
def test_corpus_checks_across_keys_name_them(corpus, changes, message):
    data = CONFIGS["paper"][corpus]
    for key, value in changes.items():
        data = set_key(data, key, value)
    with pytest.raises(ConfigError) as info:
        config.CORPORA[corpus].from_dict(data, f"{corpus}.")
    assert str(info.value).startswith(message), info.value


# ---------------------------------------------------------------------------------------------- upper bounds


def test_every_integer_key_has_an_upper_bound():
    """Issue 14, case 2: sizes, counts and seeds are bounded by the schema (the memory estimate then
    bounds their combinations)."""

    def walk(node: dict, path: str):
        if "$ref" in node:
            node = {**config._node(node["$ref"][1:]), **{k: v for k, v in node.items() if k != "$ref"}}
        if node.get("type") in ("integer", "number"):
            yield path, node
        if node.get("type") == "array":
            yield from walk(node["items"], f"{path}[]")
        for key, child in node.get("properties", {}).items():
            yield from walk(child, f"{path}.{key}" if path else key)

    numbers = dict(walk(config.SCHEMA, ""))  # floats too: 1e39 is finite in Python, inf in float32
    assert len(numbers) > 100
    assert [path for path, node in numbers.items() if not {"maximum", "exclusiveMaximum"} & node.keys()] == []
    assert config._node("/properties/seeds")["maxItems"] == 1000


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("seeds", [1, 2**64], "config key 'seeds[1]': must be <= 2147483647, got 18446744073709551616"),
        ("seeds", [2**31], "config key 'seeds[0]': must be <= 2147483647, got 2147483648"),
        ("seeds", list(range(1001)), "config key 'seeds': needs at most 1000 entries, got [0, 1, 2,"),
        ("synthetic.oracle.seed", 2**31, "config key 'synthetic.oracle.seed': must be <= 2147483647"),
        ("poems.data.seed", 2**40, "config key 'poems.data.seed': must be <= 2147483647"),
        ("synthetic.oracle.vocab_size", 10**12, "config key 'synthetic.oracle.vocab_size': must be <= 1000000, got"),
        ("synthetic.oracle.num_train", 10**12, "config key 'synthetic.oracle.num_train': must be <= 10000000, got"),
        ("synthetic.eval.num_samples", 10**12, "config key 'synthetic.eval.num_samples': must be <= 10000000, got"),
        ("synthetic.oracle.seq_len", 10**5, "config key 'synthetic.oracle.seq_len': must be <= 10000, got 100000"),
        ("synthetic.generator.hidden_dim", 10**6, "config key 'synthetic.generator.hidden_dim': must be <= 65536"),
        ("synthetic.discriminator.num_filters", [10**6, *CONFIGS["paper"]["synthetic"]["discriminator"]["num_filters"][1:]],
         "config key 'synthetic.discriminator.num_filters[0]': must be <= 65536"),
        ("synthetic.adversarial.rollouts", 10**5, "config key 'synthetic.adversarial.rollouts': must be <= 10000"),
        ("synthetic.pretrain.epochs", 10**7, "config key 'synthetic.pretrain.epochs': must be <= 1000000"),
        ("synthetic.pretrain.batch_size", 10**7, "config key 'synthetic.pretrain.batch_size': must be <= 1000000"),
        ("obama.data.max_vocab", 10**7, "config key 'obama.data.max_vocab': must be <= 1000000, got 10000000"),
        ("music.metrics.self_bleu_sample", 10**9, "config key 'music.metrics.self_bleu_sample': must be <= 10000000"),
        # Finite in Python, inf in float32 (the oracle would emit one token, every NLL nan).
        ("synthetic.oracle.init_std", 1e39, "config key 'synthetic.oracle.init_std': must be <= 1000000, got 1e+39"),
        ("synthetic.pretrain.lr", 1e39, "config key 'synthetic.pretrain.lr': must be <= 1000000, got 1e+39"),
        ("synthetic.scheduled_sampling.decay", 2.0, "config key 'synthetic.scheduled_sampling.decay': must be <= 1"),
    ],
)  # fmt: skip
def test_an_absurd_size_or_seed_stops_the_workflow_with_its_bound(key, value, message):
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(set_key(CONFIGS["paper"], key, value))
    assert str(info.value).startswith(message) and "\n" not in str(info.value), info.value


# ---------------------------------------------------------------------------------------------- the machine's keys
# Issue 15: where the jobs run (gpus, jobs_per_gpu, threads); seqgan/resources.py plans with them.


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("gpus", "some", "config key 'gpus': must match ^all$, got 'some'"),
        ("gpus", "all\n", "config key 'gpus': must match ^all$, got 'all\\n'"),
        ("gpus", 0, "config key 'gpus': expected a string or a list, got 0"),
        ("gpus", [0, 0], "config key 'gpus': needs unique entries, got [0, 0]"),
        ("gpus", [-1], "config key 'gpus[0]': must be >= 0, got -1"),
        ("gpus", [0, "1"], "config key 'gpus[1]': expected an integer, got '1'"),
        ("gpus", [1024], "config key 'gpus[0]': must be <= 1023, got 1024"),
        ("jobs_per_gpu", 0, "config key 'jobs_per_gpu': must be >= 1, got 0"),
        ("jobs_per_gpu", 65, "config key 'jobs_per_gpu': must be <= 64, got 65"),
        ("jobs_per_gpu", 2.0, "config key 'jobs_per_gpu': expected an integer, got 2.0"),
        ("threads", 0, "config key 'threads': must be >= 1, got 0"),
        ("threads", 1025, "config key 'threads': must be <= 1024, got 1025"),
        ("threads", "all", "config key 'threads': must match ^auto$, got 'all'"),
        ("threads", 2.5, "config key 'threads': expected an integer or a string, got 2.5"),
    ],
)  # fmt: skip
def test_a_bad_machine_key_is_one_line_naming_it(key, value, message):
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(set_key(CONFIGS["paper"], key, value))
    assert str(info.value) == message


@pytest.mark.parametrize(
    "key, values",
    [("gpus", ["all", [], [0], [3, 1], [1023]]), ("jobs_per_gpu", [1, 64]), ("threads", ["auto", 1, 1024])],
)
def test_the_machine_keys_take_their_choices_and_bounds(key, values):
    for value in values:
        config.validate_workflow(set_key(CONFIGS["paper"], key, value))


def test_the_paper_config_plans_from_the_machine():
    """The defaults: every GPU of the machine, one job per GPU, threads from the cores (config/config.yaml)."""
    assert {key: CONFIGS["paper"][key] for key in ("device", "gpus", "jobs_per_gpu", "threads")} == {
        "device": "auto", "gpus": "all", "jobs_per_gpu": 1, "threads": "auto"
    }  # fmt: skip


def test_the_bounds_themselves_are_accepted():
    data = set_key(CONFIGS["paper"], "seeds", [0, 2**31 - 1])
    data = set_key(data, "synthetic.oracle.seed", 2**31 - 1)
    data = set_key(data, "synthetic.adversarial.iterations", 10**6)
    assert config.validate_workflow(data)["synthetic"].oracle.seed == 2**31 - 1


# ---------------------------------------------------------------------------------------------- baseline definitions
# Issue 13: Scheduled Sampling's start and length, PG-BLEU's rollouts and references (paper-era scripts or ours).

BASELINE_KEYS = (
    "scheduled_sampling.init",
    "scheduled_sampling.epochs",
    "pg_bleu.rollouts",
    "pg_bleu.reference_fraction",
)


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("pg_bleu.rollouts", 0, "must be >= 1, got 0"),
        ("pg_bleu.rollouts", 10001, "must be <= 10000, got 10001"),
        ("pg_bleu.rollouts", 2.0, "expected an integer or null, got 2.0"),
        ("pg_bleu.reference_fraction", 0, "must be > 0, got 0"),
        ("pg_bleu.reference_fraction", 1.01, "must be <= 1, got 1.01"),
        ("pg_bleu.reference_fraction", None, "expected a number, got None"),
        ("scheduled_sampling.init", "fresh", "expected one of: pretrained, scratch, got 'fresh'"),
        ("scheduled_sampling.init", None, "expected a string, got None"),
        ("scheduled_sampling.epochs", 0, "must be >= 1, got 0"),
        ("scheduled_sampling.epochs", 10**6 + 1, "must be <= 1000000, got 1000001"),
        ("scheduled_sampling.epochs", "300", "expected an integer or null, got '300'"),
    ],
)
def test_a_bad_baseline_definition_is_one_line_naming_the_key(key, value, expected):
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(set_key(CONFIGS["paper"], f"synthetic.{key}", value))
    assert str(info.value) == f"config key 'synthetic.{key}': {expected}"


@pytest.mark.parametrize(
    "key, values",
    [
        ("pg_bleu.rollouts", (None, 1, 10000)),
        ("pg_bleu.reference_fraction", (1e-9, 1)),
        ("scheduled_sampling.init", ("pretrained", "scratch")),
        ("scheduled_sampling.epochs", (None, 1, 10**6)),
    ],
)
def test_a_baseline_definition_takes_null_and_its_bounds(key, values):
    section, name = key.split(".")
    for value in values:
        typed = config.validate_workflow(set_key(CONFIGS["paper"], f"synthetic.{key}", value))["synthetic"]
        assert getattr(getattr(typed, section), name) == value


@pytest.mark.parametrize("key", BASELINE_KEYS)
def test_a_missing_baseline_definition_is_named(key):
    data = copy.deepcopy(CONFIGS["paper"])
    section, name = key.split(".")
    del data["synthetic"][section][name]
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(data)
    assert str(info.value) == f"missing config key 'synthetic.{key}'"


def test_a_bad_baseline_definition_in_a_step_file_names_the_file_and_the_key(tmp_path):
    settings = stages.step_settings(
        set_key(CONFIGS["paper"]["synthetic"], "pg_bleu.rollouts", 0), "synthetic", "pg_bleu"
    )
    path = write_json(tmp_path / "pg_bleu.json", settings)
    with pytest.raises(ConfigError) as info:
        config.load_step(path, "synthetic", "pg_bleu")
    assert str(info.value) == f"{path}: config key 'pg_bleu.rollouts': must be >= 1, got 0"


def test_pg_bleus_own_rollouts_count_in_the_memory_estimate():
    """Null shares SeqGAN's N (estimated already); a count of its own is estimated on its own."""
    data = set_key(CONFIGS["paper"], "synthetic.adversarial.batch_size", 10**5)
    config.validate_workflow(set_key(data, "synthetic.pg_bleu.rollouts", None))
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(set_key(data, "synthetic.pg_bleu.rollouts", 10000))
    assert str(info.value).startswith(
        "config keys 'synthetic.pg_bleu.rollouts', 'synthetic.adversarial.batch_size' and 'synthetic.oracle.seq_len':"
        " PG-BLEU's Monte Carlo completions ((seq_len - 1) * pg_bleu.rollouts * adversarial.batch_size * seq_len"
        " * 12 bytes) need about 4,246.83 GiB"
    ), info.value


# Logits of pretrain.batch_size * seq_len 6 * vocabulary 10^6 * 4 bytes: 64 GiB / 24,000,000 bytes a row is 2863.3.
BIG_VOCAB = {"oracle.vocab_size": 10**6, "eval.batch_size": 64}


def big_vocab(tiny_config, batch_size: int) -> dict:
    for key, value in {**BIG_VOCAB, "pretrain.batch_size": batch_size}.items():
        tiny_config = set_key(tiny_config, key, value)
    return tiny_config


def test_a_config_whose_largest_tensor_fits_the_memory_limit_is_accepted(tiny_config, tmp_path):
    data = big_vocab(tiny_config, 2863)
    size, _, keys = max(config.memory_estimates(SyntheticConfig.from_dict(data).__dict__))
    assert size == 2863 * 6 * 10**6 * 4 <= config.MEMORY_LIMIT_GIB * 2**30
    assert keys == ("pretrain.batch_size", "oracle.seq_len", "oracle.vocab_size")
    config.load_step(write_json(tmp_path / "pretrain.json", data), "synthetic", "pretrain")


def test_a_config_whose_largest_tensor_exceeds_the_memory_limit_is_refused_naming_its_keys(tiny_config, tmp_path):
    data = big_vocab(tiny_config, 2864)
    expected = (
        "config keys 'pretrain.batch_size', 'oracle.seq_len' and 'oracle.vocab_size': the generator's logits"
        " (pretrain.batch_size * seq_len * vocabulary * 4 bytes) need about 64.02 GiB, over the 64 GiB a config"
        " may ask for (seqgan/config/sections.py MEMORY_LIMIT_GIB)"
    )
    assert error_of(data) == expected
    path = write_json(tmp_path / "pretrain.json", data)
    with pytest.raises(ConfigError) as info:
        config.load_step(path, "synthetic", "pretrain")  # the step's own sections hold the keys
    assert str(info.value) == f"{path}: {expected}"
    config.load_step(path, "synthetic", "oracle")  # a step that allocates no logits runs


def test_the_memory_estimate_names_the_largest_tensor_of_a_corpus():
    data = set_key(set_key(CONFIGS["paper"], "music.data.seq_len", 1000), "music.eval.num_samples", 10**7)
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(data)
    assert str(info.value).startswith(
        "config keys 'music.eval.num_samples' and 'music.data.seq_len': the evaluation samples"
        " (num_samples * seq_len * 8 bytes) need about 74.51 GiB, over the 64 GiB"
    ), info.value


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_shipped_configs_need_little_memory(name):
    for experiment, typed in config.validate_workflow(copy.deepcopy(CONFIGS[name])).items():
        size, what, _ = max(config.memory_estimates(typed.__dict__, f"{experiment}."))
        assert size < 2**30, (experiment, what)


# ---------------------------------------------------------------------------------------------- the workflow's check


def write_yaml(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def test_workflow_error_names_the_file_that_set_the_key(tmp_path):
    base = write_yaml(tmp_path / "config.yaml", CONFIGS["paper"])
    override = write_yaml(tmp_path / "override.yaml", {"synthetic": {"pretrain": {"lr": -1}}})
    data = merged()
    update_config(data, read_yaml(override))
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(data, [base, override])
    assert str(info.value) == f"{override}: config key 'synthetic.pretrain.lr': must be > 0, got -1"
    # A check across keys names the last file that set one of them.
    override = write_yaml(tmp_path / "override.yaml", {"synthetic": {"scheduled_sampling": {"floor": 1.0}}})
    data = set_key(merged(), "synthetic.scheduled_sampling.start", 0.5)
    data["synthetic"]["scheduled_sampling"]["floor"] = 1.0
    with pytest.raises(ConfigError, match=f"^{re.escape(str(override))}: config keys 'synthetic.scheduled_sampling"):
        config.validate_workflow(data, [base, override])


def test_workflow_error_about_a_key_no_file_sets_names_none(tmp_path):
    data = merged()
    del data["synthetic"]["adversarial"]["rollouts"]
    base = write_yaml(tmp_path / "config.yaml", data)
    with pytest.raises(ConfigError) as info:
        config.validate_workflow(data, [base])
    assert str(info.value) == "missing config key 'synthetic.adversarial.rollouts'"


# ---------------------------------------------------------------------------------------------- files the CLI reads


def test_load_names_the_file(tmp_path, tiny_config):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(set_key(tiny_config, "pretrain.batch_size", 0)))
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == f"{path}: config key 'pretrain.batch_size': must be >= 1, got 0"


def test_cli_rejects_a_config_that_is_not_json(tmp_path, caplog):
    path = tmp_path / "config.json"
    path.write_text("synthetic:\n  oracle: {}\n")  # YAML, not the JSON the CLI reads
    caplog.set_level(logging.ERROR)
    assert main(["oracle", "--config", str(path), "--out-dir", str(tmp_path / "out")]) == 1
    assert str(path) in caplog.text
    assert not (tmp_path / "out").exists()


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_step_gets_exactly_its_sections_typed(tmp_path, tiny_config):
    cfg = config.load_step(write_json(tmp_path / "seqgan.json", tiny_config), "synthetic", "seqgan")
    assert isinstance(cfg.adversarial, config.AdversarialConfig) and cfg.adversarial.rollouts == 2
    assert (cfg.precision, cfg.checkpoint_every, cfg.oracle.seq_len) == ("fp32", 1, 6)
    assert cfg.to_dict() == {name: tiny_config[name] for name in stages.step_sections("synthetic", "seqgan")}
    assert not hasattr(cfg, "pg_bleu")
    with pytest.raises(config.SectionNotRead) as info:
        cfg.pretrain  # noqa: B018
    assert str(info.value) == (
        "synthetic step 'seqgan' does not read config section 'pretrain' (it reads: oracle, eval, checkpoint_every,"
        " adversarial, discriminator, discriminator_training, precision; seqgan/stages.py)"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.precision = "bf16"


def test_the_file_the_workflow_writes_loads_and_fingerprints_the_same(tmp_path, tiny_config):
    settings = stages.step_settings(tiny_config, "synthetic", "mle")
    from_step_file = config.load_step(write_json(tmp_path / "mle.json", settings), "synthetic", "mle")
    from_whole = config.load_step(write_json(tmp_path / "whole.json", tiny_config), "synthetic", "mle")
    assert from_step_file.to_dict() == from_whole.to_dict() == settings


def test_a_strategy_step_gets_its_own_strategy(tmp_path, tiny_config):
    tiny_config["strategies"].append({"name": "b", "g_steps": 1, "d_steps": 3, "k_epochs": 1, "iterations": 1})
    path = write_json(tmp_path / "strategy.json", tiny_config)
    assert config.load_step(path, "synthetic", "strategy_b").strategies == (config.StrategyConfig("b", 1, 3, 1, 1),)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: config key 'strategies': no strategy named 'c'")):
        config.load_step(path, "synthetic", "strategy_c")


def test_a_missing_section_names_the_file_the_step_and_the_section(tmp_path, tiny_config):
    settings = stages.step_settings(tiny_config, "synthetic", "pretrain")
    del settings["generator"]
    path = write_json(tmp_path / "pretrain.json", settings)
    with pytest.raises(ConfigError) as info:
        config.load_step(path, "synthetic", "pretrain")
    assert str(info.value).startswith(f"{path}: synthetic step 'pretrain' reads config section 'generator', which is")


@pytest.mark.parametrize(
    "step, key, value, message",
    [
        ("pretrain", "pretrain.lr", -1, "config key 'pretrain.lr': must be > 0, got -1"),
        ("seqgan", "precision", "fp16", "config key 'precision': expected one of: auto, fp32, bf16, got 'fp16'"),
        ("pretrain_discriminator", "discriminator.filter_sizes", [2, 7],
         "config key 'discriminator.filter_sizes': width 7 exceeds the sequence length 6"),
    ],
)  # fmt: skip
def test_a_bad_step_file_names_the_file_and_the_key(tmp_path, tiny_config, step, key, value, message):
    settings = stages.step_settings(set_key(tiny_config, key, value), "synthetic", step)
    path = write_json(tmp_path / f"{step}.json", settings)
    with pytest.raises(ConfigError) as info:
        config.load_step(path, "synthetic", step)
    assert str(info.value).startswith(f"{path}: {message}"), info.value


def test_a_step_file_with_an_unknown_section_is_refused(tmp_path, tiny_config):
    path = write_json(tmp_path / "mle.json", {**stages.step_settings(tiny_config, "synthetic", "mle"), "pretrian": {}})
    with pytest.raises(ConfigError) as info:
        config.load_step(path, "synthetic", "mle")
    assert str(info.value).startswith(f"{path}: unknown config key 'pretrian' (a synthetic section is one of: oracle,")


def test_a_step_file_with_a_json_nan_is_refused(tmp_path, tiny_config):
    path = tmp_path / "mle.json"
    path.write_text(json.dumps(stages.step_settings(tiny_config, "synthetic", "mle")).replace("0.01", "NaN"))
    with pytest.raises(ConfigError, match=re.escape(f"{path}: config key 'pretrain.lr': must be a finite number")):
        config.load_step(path, "synthetic", "mle")


def test_checks_across_sections_run_where_the_step_has_them(tmp_path):
    """A step that reads metrics and eval is checked for them; one that reads only eval is not."""
    poems = set_key(CONFIGS["paper"]["poems"], "metrics.self_bleu_sample", 10**6)
    path = write_json(tmp_path / "poems.json", poems)
    assert config.load_step(path, "poems", "mle").eval.num_samples < 10**6
    with pytest.raises(ConfigError, match="'metrics.self_bleu_sample': 1000000 exceeds"):
        config.load_step(path, "poems", "evaluate")


@pytest.mark.parametrize("experiment", stages.EXPERIMENTS)
def test_every_step_loads_from_the_paper_config(tmp_path, experiment):
    path = write_json(tmp_path / "config.json", CONFIGS["quick+figure3"][experiment])
    steps = stages.SYNTHETIC if experiment == "synthetic" else stages.CORPUS
    for step in steps:
        step = "strategy_a" if step == "strategy" else step
        cfg = config.load_step(path, experiment, step)
        assert list(cfg.to_dict()) == list(stages.step_sections(experiment, step))
        if "data" in stages.step_sections(experiment, step):
            assert cfg.data.seq_len > 0


# ---------------------------------------------------------------------------------------------- Snakemake's output


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, error",
    [
        (["--config", "foo=1"], "invalid config: --config: unknown config key 'foo' (expected one of: corpora,"),
        (["--configfile", "override.yaml"],
         "invalid config: override.yaml: config key 'synthetic.oracle.init_std': must be a finite number, got inf"),
    ],
    ids=["unknown-key", "infinity-in-a-file"],
)  # fmt: skip
def test_snakemake_prints_a_bad_config_as_its_one_line(tmp_path, args, error):
    """Issue 14, case 7: the error line and nothing after it. At f7071f8 an unknown top-level key printed
    1,610 lines (the schema); a WorkflowError adds Snakemake's header and the Snakefile's line."""
    from workflow_run import copy_workflow, snakemake

    workdir = copy_workflow(tmp_path)
    (workdir / "override.yaml").write_text("synthetic:\n  oracle:\n    init_std: .inf\n")
    status, out = snakemake(workdir, "-n", "--cores", "1", *args)
    lines = out.splitlines()
    assert status == 1
    errors = [line for line in lines if "invalid config" in line]
    assert len(errors) == 1 and errors[0].startswith(error.replace("override.yaml", str(workdir / "override.yaml")))
    assert len(lines) <= 3 and not any("Snakefile" in line or "Error" in line for line in lines), out
