"""The strict config: every bad key, type or range is an error that names the key."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from pathlib import Path

import pytest
import yaml

from seqgan import config
from seqgan.cli import main
from seqgan.config import ConfigError, SyntheticConfig

REPO = Path(__file__).resolve().parents[1]


def test_tiny_config_loads_and_round_trips(tiny_config):
    cfg = SyntheticConfig.from_dict(tiny_config)
    assert cfg.discriminator.filter_sizes == (2, 3)
    assert cfg.to_dict() == tiny_config
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.pretrain.epochs = 5


def test_paper_config_is_valid():
    """config/config.yaml's `synthetic` section is a complete, valid SyntheticConfig."""
    synthetic = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["synthetic"]
    cfg = SyntheticConfig.from_dict(synthetic)
    assert (cfg.oracle.vocab_size, cfg.oracle.seq_len, cfg.adversarial.rollouts) == (5000, 20, 16)


def test_int_is_accepted_where_a_float_is_expected(tiny_config):
    tiny_config["pretrain"]["lr"] = 1
    lr = SyntheticConfig.from_dict(tiny_config).pretrain.lr
    assert lr == 1.0 and isinstance(lr, float)


def assert_config_error(data: dict, key: str) -> ConfigError:
    """from_dict fails with a message naming ``key`` (e.g. 'pretrain.lr'; a message about several keys of
    one section, like 'discriminator.filter_sizes/num_filters', names each of them)."""
    with pytest.raises(ConfigError) as info:
        SyntheticConfig.from_dict(data)
    message = str(info.value)
    section, _, name = key.rpartition(".")
    assert key in message or (f"'{section}." in message and name in message), f"{key} not named in: {message}"
    return info.value


def test_misspelled_key_is_named(tiny_config):
    tiny_config["pretrain"]["epohcs"] = tiny_config["pretrain"].pop("epochs")
    assert_config_error(tiny_config, "pretrain.epohcs")


def test_unknown_top_level_key_is_named(tiny_config):
    tiny_config["rollouts"] = 16
    assert_config_error(tiny_config, "rollouts")


def test_missing_key_is_named(tiny_config):
    del tiny_config["adversarial"]["rollouts"]
    error = assert_config_error(tiny_config, "adversarial.rollouts")
    assert "missing" in str(error)


def set_key(data: dict, dotted: str, value) -> None:
    *sections, name = dotted.split(".")
    for section in sections:
        data = data[section]
    data[name] = value


@pytest.mark.parametrize(
    "key,value,named",
    [
        ("pretrain.lr", "fast", "pretrain.lr"),
        ("pretrain.epochs", 2.5, "pretrain.epochs"),
        ("pretrain.epochs", True, "pretrain.epochs"),  # a bool is not an int here
        ("pretrain.epochs", None, "pretrain.epochs"),
        ("oracle.source", "released", "oracle.source"),
        ("precision", "fp16", "precision"),
        ("discriminator.filter_sizes", "2,3", "discriminator.filter_sizes"),
        ("discriminator.filter_sizes", [2, "3"], "discriminator.filter_sizes[1]"),
        ("eval", 5, "eval"),
    ],
)
def test_wrong_type_is_named(tiny_config, key, value, named):
    set_key(tiny_config, key, value)
    assert_config_error(tiny_config, named)


@pytest.mark.parametrize(
    "key,value",
    [
        ("oracle.vocab_size", 0),
        ("oracle.num_train", -1),
        ("oracle.seed", -1),  # the schema: nonnegative_int
        ("oracle.init_std", 0.0),  # the schema: positive_number
        ("oracle.init_std", -1.0),
        ("generator.init_std", 0.0),
        ("pretrain.batch_size", 0),
        ("pretrain.lr", -0.01),
        ("pretrain.epochs", -1),
        ("discriminator.dropout", 1.0),
        ("discriminator.dropout", -0.1),
        ("discriminator.l2_reg", -0.2),  # the schema: minimum 0
        ("discriminator.num_filters", [4, 0]),
        ("discriminator.num_filters", [4]),  # one count for two widths
        ("discriminator_training.num_negatives", 0),
        ("adversarial.rollouts", 0),
        ("adversarial.iterations", -1),
        ("adversarial.rollout_chunk", 0),
        ("eval.every", 0),
        ("checkpoint_every", 0),
    ],
)
def test_out_of_range_is_named(tiny_config, key, value):
    set_key(tiny_config, key, value)
    assert_config_error(tiny_config, key)


def test_filter_wider_than_the_sequence(tiny_config):
    tiny_config["discriminator"]["filter_sizes"] = [2, 7]  # seq_len 6
    error = assert_config_error(tiny_config, "discriminator.filter_sizes")
    assert "7" in str(error) and "6" in str(error)
    tiny_config["discriminator"]["filter_sizes"] = [2, 6]  # as wide as the sequence is fine
    SyntheticConfig.from_dict(tiny_config)


def test_more_negatives_than_real_sequences(tiny_config):
    """Each round pairs negatives one to one with real sequences: there must be enough of those."""
    tiny_config["discriminator_training"]["num_negatives"] = tiny_config["oracle"]["num_train"] + 1
    assert_config_error(tiny_config, "discriminator_training.num_negatives")
    tiny_config["discriminator_training"]["num_negatives"] = tiny_config["oracle"]["num_train"]
    SyntheticConfig.from_dict(tiny_config)


def test_original_oracle_needs_the_released_sizes(tiny_config):
    tiny_config["oracle"]["source"] = "original"
    assert_config_error(tiny_config, "oracle.vocab_size")


def test_load_names_the_file(tmp_path, tiny_config):
    tiny_config["pretrain"]["batch_size"] = 0
    path = tmp_path / "config.json"
    path.write_text(json.dumps(tiny_config))
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ".*pretrain.batch_size"):
        config.load(path)


def test_cli_rejects_a_config_that_is_not_json(tmp_path, caplog):
    path = tmp_path / "config.json"
    path.write_text("synthetic:\n  oracle: {}\n")  # YAML, not the JSON the CLI reads
    caplog.set_level(logging.ERROR)
    assert main(["oracle", "--config", str(path), "--out-dir", str(tmp_path / "out")]) == 1
    assert str(path) in caplog.text
    assert not (tmp_path / "out").exists()


def test_strategies_are_named_and_looked_up_by_name(tiny_config):
    cfg = SyntheticConfig.from_dict(tiny_config)
    assert cfg.strategy("a").g_steps == 2
    with pytest.raises(ConfigError, match=r"no strategy named 'b' \(defined: a\)"):
        cfg.strategy("b")


@pytest.mark.parametrize(
    "strategies, key",
    [
        ([{"name": "a", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iterations": 1}] * 2, "strategies"),
        ([{"name": "x-y", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iterations": 1}], "strategies[0].name"),
        ([{"name": "a", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iteration": 1}], "strategies[0].iteration"),
    ],
    ids=["duplicate", "bad-name", "misspelled"],
)
def test_bad_strategies_are_named(tiny_config, strategies, key):
    tiny_config["strategies"] = strategies
    assert_config_error(tiny_config, key)


def test_schedule_whose_floor_exceeds_its_start_is_refused(tiny_config):
    tiny_config["scheduled_sampling"].update(start=0.5, floor=0.6)
    assert_config_error(tiny_config, "scheduled_sampling.start/floor")
