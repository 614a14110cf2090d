"""Precision chosen by the hardware: the decision on both answers of the probe, the probe itself, and what a
job with a discriminator resolves, logs, hands its training and records (the report reads the record back)."""

from __future__ import annotations

import inspect
import json
import logging
import platform
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from seqgan import cli, job_record
from seqgan import device as devices
from seqgan.report import compute
from seqgan.train import discriminator as d_training

# (requested, native bf16?) -> the precision the discriminator runs in
CHOICES = [
    ("auto", True, "bf16"),
    ("auto", False, "fp32"),
    ("fp32", True, "fp32"),
    ("fp32", False, "fp32"),
    ("bf16", True, "bf16"),
    ("bf16", False, "bf16"),
]


@pytest.mark.parametrize("device_type", ["cpu", "cuda"])
@pytest.mark.parametrize("requested, native, expected", CHOICES)
def test_choice_on_both_answers_of_the_probe(requested, native, expected, device_type):
    choice = devices.choose_precision(requested, native, device_type)
    assert choice.value == expected
    assert choice.reason
    # A warning exactly where bf16 is forced on a device that only emulates it.
    assert (choice.warning is not None) == (requested == "bf16" and not native)


def test_the_log_line_says_what_was_asked_and_why():
    line = devices.precision_line("auto", devices.choose_precision("auto", False, "cpu"))
    assert line == "precision=fp32 (requested auto: this CPU has no native bf16 (AVX512-BF16 or AMX))"
    line = devices.precision_line("auto", devices.choose_precision("auto", True, "cuda"))
    assert line == "precision=bf16 (requested auto: this CUDA device has native bf16)"


def test_forced_bf16_without_native_support_warns_in_one_line_with_the_way_out():
    warning = devices.choose_precision("bf16", False, "cpu").warning
    assert "\n" not in warning
    assert "this CPU has no native bf16" in warning and "much slower" in warning and "~14x" in warning
    assert "precision: auto or fp32" in warning


def test_an_unknown_precision_is_refused_by_name():
    with pytest.raises(ValueError, match="expected auto, fp32 or bf16, got 'fp16'"):
        devices.choose_precision("fp16", True, "cpu")


def test_the_probe_answers_a_bool_on_this_machine():
    cpu = torch.device("cpu")
    assert isinstance(devices.native_bf16(cpu), bool)
    assert devices.resolve_precision("auto", cpu).value == ("bf16" if devices.native_bf16(cpu) else "fp32")
    if torch.cuda.is_available():
        assert isinstance(devices.native_bf16(torch.device("cuda")), bool)


def test_the_probe_says_no_when_the_private_probes_are_missing(monkeypatch):
    monkeypatch.setattr(torch, "cpu", SimpleNamespace())  # a torch build without the private probes
    assert devices.native_bf16(torch.device("cpu")) is False


# ---------------------------------------------------------------- through the CLI

RECORDS = Path("benchmarks/synthetic/seed1")  # each job's record beside its benchmark file, as in the workflow


@pytest.fixture
def discriminator_job(tmp_path, make_config, monkeypatch, caplog):
    """Runs random (no discriminator), then pretrain-discriminator (one round) at a given precision and probe answer; returns
    the precision each discriminator round was handed and each job's log; their records of where they ran are
    RECORDS/JOB.json. The rounds themselves are skipped: only the value they
    receive is under test (and emulated bf16 would be slow)."""
    real = d_training.round_of_training
    handed = []

    def spy(*args, **kwargs):
        handed.append(inspect.signature(real).bind(*args, **kwargs).arguments["precision"])
        return 0.0

    monkeypatch.setattr(d_training, "round_of_training", spy)
    caplog.set_level(logging.INFO)

    def job(*argv: str) -> list[logging.LogRecord]:
        caplog.clear()
        record = RECORDS / f"{argv[0].replace('-', '_')}.json"
        assert cli.main([*argv, "--seed", "1", "--threads", "1", "--device", "cpu", "--provenance", str(record)]) == 0
        return list(caplog.records)

    def run(requested: str, native: bool):
        monkeypatch.setattr(devices, "native_bf16", lambda device: native)
        cfg = make_config()
        cfg["precision"] = requested
        cfg["discriminator_training"]["pretrain_rounds"] = 1
        config, data = tmp_path / "config.json", tmp_path / "data"
        config.write_text(json.dumps(cfg))
        assert cli.main(["oracle", "--config", str(config), "--out-dir", str(data)]) == 0
        generator, test, train = tmp_path / "generator.pt", data / "test.pt", data / "train.pt"
        random = job(
            *("random", "--definition", "untrained_generator", "--config", str(config)),
            *("--oracle", str(data / "oracle.pt"), "--test", str(test)),
            *("--out", str(generator), "--curve", str(tmp_path / "curve.csv")),
        )
        d = job(
            *("pretrain-discriminator", "--config", str(config), "--generator", str(generator), "--train", str(train)),
            *("--out", str(tmp_path / "d.pt"), "--checkpoint-dir", str(tmp_path / "checkpoints")),
        )
        return handed, random, d

    monkeypatch.chdir(tmp_path)  # RECORDS relative, as the workflow passes them: the report labels jobs by path
    return run


def messages(records: list[logging.LogRecord], level: int, text: str) -> list[str]:
    return [r.getMessage() for r in records if r.levelno == level and text in r.getMessage()]


@pytest.mark.parametrize("requested, native, expected", CHOICES)
def test_a_discriminator_job_resolves_once_logs_and_trains_in_the_resolved_precision(
    discriminator_job, requested, native, expected
):
    handed, random, d = discriminator_job(requested, native)
    assert handed == [expected]
    line = devices.precision_line(requested, devices.choose_precision(requested, native, "cpu"))
    assert messages(d, logging.INFO, "precision=") == [line]
    assert len(messages(d, logging.WARNING, "precision bf16")) == (requested == "bf16" and not native)
    assert not messages(random, logging.INFO, "precision=") and not messages(random, logging.WARNING, "bf16")
    # Each job records the precision it ran in: the resolved one, and fp32 without a discriminator.
    assert job_record.read(RECORDS / "pretrain_discriminator.json").precision == expected
    assert job_record.read(RECORDS / "random.json").precision == "fp32"


def test_the_report_shows_the_precision_each_job_recorded(discriminator_job):
    discriminator_job("auto", True)  # native bf16: the discriminator in bf16, random in fp32
    benchmarks = []
    for rule in ("random", "pretrain_discriminator"):
        (RECORDS / f"{rule}.tsv").write_text("s\tmax_rss\n1.5\t100\n")
        benchmarks.append((rule, RECORDS / f"{rule}.tsv"))
    records = [(rule, RECORDS / f"{rule}.json") for rule, _ in benchmarks]
    rows = [line.split(" | ") for line in compute.section(benchmarks, records) if line.startswith("| synthetic/")]
    # Job, Rule, Jobs, sum, longest, memory, Device, Precision
    assert [(row[0], row[6], row[7]) for row in rows] == [
        ("| synthetic/random", "cpu", "fp32"),
        ("| synthetic/pretrain_discriminator", "cpu", "bf16"),
    ]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_large_buffers_stay_in_the_heap_on_glibc():
    """glibc takes both thresholds (mallopt answers 0 for a value it refuses)."""
    assert devices.keep_large_buffers() is True
