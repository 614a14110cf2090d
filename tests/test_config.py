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
    assert len(classes) == 18  # 14 section types, the 4 experiments
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
    ],
)  # fmt: skip
def test_a_bad_value_is_one_line_naming_the_key(tiny_config, key, value, message):
    error = error_of(set_key(tiny_config, key, value))
    assert error.startswith(message) and "\n" not in error, error


def test_a_missing_key_is_named(tiny_config):
    del tiny_config["adversarial"]["rollouts"]
    assert error_of(tiny_config) == "missing config key 'adversarial.rollouts'"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_are_refused_anywhere(tiny_config, value):
    """JSON Schema's bounds would let NaN through: every comparison with it is false."""
    assert (
        error_of(set_key(tiny_config, "pretrain.lr", value))
        == f"config key 'pretrain.lr': must be a finite number, got {value}"
    )
    workflow = set_key(CONFIGS["test"], "seeds", [1, value])
    with pytest.raises(ConfigError, match=re.escape("config key 'seeds[1]': must be a finite number")):
        config.validate_workflow(workflow)


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
        ("music", {"metrics.self_bleu_sample": 10**9}, "config key 'music.metrics.self_bleu_sample': 1000000000 exceeds"),
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
    poems = set_key(CONFIGS["paper"]["poems"], "metrics.self_bleu_sample", 10**9)
    path = write_json(tmp_path / "poems.json", poems)
    assert config.load_step(path, "poems", "mle").eval.num_samples < 10**9
    with pytest.raises(ConfigError, match="'metrics.self_bleu_sample': 1000000000 exceeds"):
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
