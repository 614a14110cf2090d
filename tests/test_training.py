"""Training: the losses against hand computations, that a step moves the model the right way, divergence
detection, and, through the real CLI, same seed -> same outputs and killed-and-resumed == uninterrupted.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from cli_run import cli, cli_ok

from seqgan import device as devices
from seqgan import job_record
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.train import discriminator as d_training
from seqgan.train import mle, policy_gradient

REPO = Path(__file__).resolve().parents[1]


def make_generator(vocab=6, seq_len=4, std=0.5, seed=0) -> Generator:
    generator = Generator(vocab, 4, 5, seq_len).double()
    return generator.init_normal(std, torch.Generator().manual_seed(seed))


def oracle_data(num=256, vocab=10, seq_len=6) -> torch.Tensor:
    oracle = Generator(vocab, 8, 8, seq_len).init_normal(1.0, torch.Generator().manual_seed(0))
    return oracle.sample(num, torch.Generator().manual_seed(1))


# ---------------------------------------------------------------------------------------------- policy gradient


def test_policy_gradient_loss_is_minus_sum_of_reward_weighted_log_probs():
    generator = make_generator()
    samples = generator.sample(5, torch.Generator().manual_seed(1))
    rewards = torch.rand((5, 4), generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    log_softmax = torch.log_softmax(generator(samples), dim=-1)  # (B, T, V)
    by_hand = 0.0
    for b in range(5):
        for t in range(4):
            by_hand -= log_softmax[b, t, samples[b, t]] * rewards[b, t]
    loss = policy_gradient.policy_gradient_loss(generator, samples, rewards)
    assert loss.shape == ()
    torch.testing.assert_close(loss, by_hand, rtol=1e-12, atol=0)


def test_policy_gradient_step_raises_the_rewarded_sequence():
    generator = make_generator()
    samples = generator.sample(8, torch.Generator().manual_seed(1))
    rewards = torch.zeros((8, 4), dtype=torch.float64)
    rewards[3] = 1.0
    chosen = samples[3:4]
    with torch.no_grad():
        before = generator.log_probs(chosen).sum().item()
    optimizer = torch.optim.Adam(generator.parameters(), lr=1e-3)
    optimizer.zero_grad()
    policy_gradient.policy_gradient_loss(generator, samples, rewards).backward()
    optimizer.step()
    with torch.no_grad():
        after = generator.log_probs(chosen).sum().item()
    assert after > before


def test_generator_step_updates_and_reports():
    generator = Generator(7, 4, 5, 5)
    generator.init_normal(0.5, torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    discriminator = Discriminator(7, 4, (1, 2), (3, 3), 0.25)
    optimizer = torch.optim.Adam(generator.parameters(), lr=0.01)
    old = [p.detach().clone() for p in generator.parameters()]
    rng = torch.Generator().manual_seed(1)
    reward_fn = policy_gradient.discriminator_rewards(discriminator, 2, rng, 16)
    loss, reward = policy_gradient.generator_step(generator, optimizer, reward_fn, 8, 5.0, rng)
    assert torch.isfinite(torch.tensor(loss)) and 0.0 <= reward <= 1.0
    assert any(not torch.equal(a, b) for a, b in zip(old, generator.parameters()))


def test_generator_step_stops_on_nan():
    generator = Generator(7, 4, 5, 5)
    torch.manual_seed(0)
    discriminator = Discriminator(7, 4, (1, 2), (3, 3), 0.25)
    with torch.no_grad():
        for p in generator.parameters():
            p.fill_(float("nan"))
    optimizer = torch.optim.Adam(generator.parameters(), lr=0.01)
    rng = torch.Generator().manual_seed(1)
    reward_fn = policy_gradient.discriminator_rewards(discriminator, 2, rng, 16)
    with pytest.raises(FloatingPointError, match=r"policy gradient.*epoch 12"):
        policy_gradient.generator_step(generator, optimizer, reward_fn, 4, 5.0, rng, iteration=12)


# ---------------------------------------------------------------------------------------------- MLE


def test_mle_loss_is_mean_negative_log_prob():
    generator = make_generator()
    tokens = torch.randint(0, 6, (5, 4), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(mle.mle_loss(generator, tokens), -generator.log_probs(tokens).mean())


def test_mle_epoch_lowers_the_loss():
    data = oracle_data()
    generator = Generator(10, 8, 8, 6).init_normal(0.1, torch.Generator().manual_seed(2))
    optimizer = torch.optim.Adam(generator.parameters(), lr=0.01)
    with torch.no_grad():
        before = mle.mle_loss(generator, data).item()
    for epoch in range(1, 4):
        mean = mle.mle_epoch(generator, optimizer, data, 32, 5.0, torch.Generator().manual_seed(3), epoch)
        assert torch.isfinite(torch.tensor(mean))
    with torch.no_grad():
        after = mle.mle_loss(generator, data).item()
    assert after < before - 0.1


def test_mle_epoch_stops_on_nan_naming_the_epoch():
    generator = make_generator()
    with torch.no_grad():
        generator.output.weight.fill_(float("nan"))
    optimizer = torch.optim.Adam(generator.parameters(), lr=0.01)
    data = torch.randint(0, 6, (16, 4), generator=torch.Generator().manual_seed(1))
    with pytest.raises(FloatingPointError, match=r"epoch 7\b"):
        mle.mle_epoch(generator, optimizer, data, 8, 5.0, torch.Generator().manual_seed(3), epoch=7)


# ---------------------------------------------------------------------------------------------- discriminator


def test_discriminator_fit_separates_real_from_generated():
    """Label 1 is real: after fitting, P(real) is higher on real data (the reward must not be flipped)."""
    real = oracle_data(num=128)
    fake = torch.randint(0, 10, (128, 6), generator=torch.Generator().manual_seed(5))
    torch.manual_seed(0)
    discriminator = Discriminator(10, 8, (2, 3), (8, 8), 0.25)
    optimizer = torch.optim.Adam(discriminator.parameters(), lr=0.01)
    rng = torch.Generator().manual_seed(6)
    first = d_training.fit(discriminator, optimizer, real, fake, 1, 32, 0.2, rng)
    last = d_training.fit(discriminator, optimizer, real, fake, 10, 32, 0.2, rng)
    assert last < first
    assert discriminator.prob_real(real).mean() > discriminator.prob_real(fake).mean() + 0.2


# ---------------------------------------------------------------------------------------------- the CLI


def write_config(path: Path, cfg: dict) -> Path:
    path.write_text(json.dumps(cfg))
    return path


def common(seed, checkpoints: Path) -> list:
    return ["--seed", seed, "--checkpoint-dir", checkpoints, "--threads", 1, "--device", "cpu"]


def mle_argv(config: Path, data: Path, out: Path, seed=1, checkpoints: Path | None = None, verb="pretrain") -> list:
    """Pretraining; with ``verb`` mle or scheduled-sampling (add --init and --epochs) a baseline continuing it."""
    return [
        verb, "--config", config, "--oracle", data / "oracle.pt", "--train", data / "train.pt",
        "--test", data / "test.pt", "--out", out / "generator.pt", "--curve", out / "curve.csv",
        *common(seed, checkpoints or out / "checkpoints"),
    ]  # fmt: skip


def pretrain_d_argv(config: Path, data: Path, generator: Path, out: Path, seed=1) -> list:
    return [
        "pretrain-discriminator", "--config", config, "--generator", generator, "--train", data / "train.pt",
        "--out", out / "discriminator.pt", *common(seed, out / "checkpoints"),
    ]  # fmt: skip


def outputs(out: Path) -> list:
    return [
        "--out", out / "generator.pt", "--out-best", out / "best.pt", "--curve", out / "curve.csv",
        "--nll-final", out / "nll_final.csv", "--nll-best", out / "nll_best.csv",
    ]  # fmt: skip


def adversarial_argv(config: Path, data: Path, generator: Path, discriminator: Path, out: Path, seed=1) -> list:
    return [
        "seqgan", "--config", config, "--oracle", data / "oracle.pt",
        "--train", data / "train.pt", "--test", data / "test.pt", "--generator", generator,
        "--discriminator", discriminator, "--out-discriminator", out / "discriminator.pt", *outputs(out),
        *common(seed, out / "checkpoints"),
    ]  # fmt: skip


def pg_argv(config: Path, data: Path, generator: Path, out: Path, verb: str, seed=1) -> list:
    return [
        verb, "--config", config, "--oracle", data / "oracle.pt",
        "--train", data / "train.pt", "--test", data / "test.pt", "--generator", generator, *outputs(out),
        *common(seed, out / "checkpoints"),
    ]  # fmt: skip


def load(path: Path):
    return torch.load(path, map_location="cpu", weights_only=True)


def assert_identical(a, b, where="") -> None:
    """Nested dicts/lists of tensors and plain values, compared exactly."""
    if isinstance(a, torch.Tensor):
        if not (isinstance(b, torch.Tensor) and torch.equal(a, b)):
            pytest.fail(f"tensors differ at {where}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"keys differ at {where}"
        for key in a:
            assert_identical(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"lengths differ at {where}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{a!r} != {b!r} at {where}"


def same_state(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def curve_rows(path: Path) -> list[dict]:
    """Learning-curve rows without the wall-clock column (the only one allowed to differ)."""
    with open(path, newline="") as f:
        return [{k: v for k, v in row.items() if k != "wall_seconds"} for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, make_config):
    """oracle -> pretrain -> pretrain-discriminator on the tiny config, seed 1: the inputs of the later steps."""
    root = tmp_path_factory.mktemp("pipeline")
    config = write_config(root / "config.json", make_config())
    cli_ok("oracle", "--config", config, "--out-dir", root / "data")
    cli_ok(*mle_argv(config, root / "data", root / "mle"))
    cli_ok(*pretrain_d_argv(config, root / "data", root / "mle" / "generator.pt", root / "d"))
    return SimpleNamespace(
        root=root, config=config, data=root / "data", mle=root / "mle",
        generator=root / "mle" / "generator.pt", discriminator=root / "d" / "discriminator.pt",
    )  # fmt: skip


def test_oracle_outputs_are_reproducible(pipeline, tmp_path):
    cli_ok("oracle", "--config", pipeline.config, "--out-dir", tmp_path)
    for name in ("oracle.pt", "train.pt", "test.pt"):
        assert_identical(load(tmp_path / name), load(pipeline.data / name), name)
    train = load(tmp_path / "train.pt")
    assert train.shape == (128, 6) and train.dtype == torch.long


def test_oracle_files_are_byte_identical(pipeline, tmp_path):
    """Same config -> the very same bytes (a bit-for-bit repeatable run; content hashes stay stable)."""
    cli_ok("oracle", "--config", pipeline.config, "--out-dir", tmp_path)
    for name in ("oracle.pt", "train.pt", "test.pt"):
        assert (tmp_path / name).read_bytes() == (pipeline.data / name).read_bytes(), name


def test_mle_same_seed_same_result_other_seed_other_result(pipeline, tmp_path):
    cli_ok(*mle_argv(pipeline.config, pipeline.data, tmp_path / "again", seed=1))
    cli_ok(*mle_argv(pipeline.config, pipeline.data, tmp_path / "other", seed=2))
    reference = load(pipeline.generator)
    again, other = load(tmp_path / "again" / "generator.pt"), load(tmp_path / "other" / "generator.pt")
    assert reference["epoch"] == again["epoch"] == 4
    assert_identical(again["state_dict"], reference["state_dict"])
    assert not same_state(other["state_dict"], reference["state_dict"])

    rows = curve_rows(pipeline.mle / "curve.csv")
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2, 3, 4]
    assert curve_rows(tmp_path / "again" / "curve.csv") == rows
    assert curve_rows(tmp_path / "other" / "curve.csv") != rows


def test_checkpoint_of_other_settings_is_ignored(pipeline, tmp_path, caplog):
    """A checkpoint left by a run with another seed must not be resumed: the run starts from scratch."""
    caplog.set_level(logging.INFO)
    stale = tmp_path / "stale"
    cli_ok(*mle_argv(pipeline.config, pipeline.data, tmp_path / "seed1", seed=1, checkpoints=stale))
    caplog.clear()
    cli_ok(*mle_argv(pipeline.config, pipeline.data, tmp_path / "seed2", seed=2, checkpoints=stale))
    assert "ignoring" in caplog.text and "resumed" not in caplog.text
    cli_ok(*mle_argv(pipeline.config, pipeline.data, tmp_path / "fresh", seed=2))
    assert_identical(load(tmp_path / "seed2" / "generator.pt"), load(tmp_path / "fresh" / "generator.pt"))
    assert curve_rows(tmp_path / "seed2" / "curve.csv") == curve_rows(tmp_path / "fresh" / "curve.csv")


# Killed and resumed == uninterrupted. The killed run is a real process, SIGKILLed as soon as its checkpoint
# shows enough progress; the runs are long enough (tens of steps of ~10-50 ms) that it cannot finish first.


def checkpoint_step(path: Path) -> int:
    return load(path)["step"]


def run_and_kill(argv: list, checkpoint: Path, min_step: int, total: int, log: Path) -> int:
    """Run ``python -m seqgan ARGV`` in a subprocess, SIGKILL it once ``checkpoint`` holds step >= min_step,
    and return the step of the checkpoint it leaves behind (checked to be short of ``total``)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    deadline, seen, killed = time.monotonic() + 300, None, False
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "seqgan", *map(str, argv)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            while proc.poll() is None and not killed:
                if time.monotonic() > deadline:
                    pytest.fail(f"no checkpoint with step >= {min_step} within 300 s:\n{log.read_text()}")
                stamp = checkpoint.stat().st_mtime_ns if checkpoint.exists() else None
                if stamp != seen:  # a new checkpoint was renamed into place
                    seen = stamp
                    if checkpoint_step(checkpoint) >= min_step:
                        proc.kill()  # SIGKILL: no handler, no cleanup, like a lost node or the OOM killer
                        killed = True
                time.sleep(0.002)
        finally:
            if proc.poll() is None and not killed:
                proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (
        f"the run ended with code {proc.returncode} before it could be killed; make it longer:\n{log.read_text()}"
    )
    step = checkpoint_step(checkpoint)
    assert min_step <= step < total, f"killed at step {step}, expected {min_step} <= step < {total}"
    return step


@pytest.mark.slow
def test_mle_resume_after_kill_equals_uninterrupted(pipeline, make_config, tmp_path, caplog):
    cfg = make_config()
    cfg["pretrain"].update(epochs=30, batch_size=8)  # ~16 steps per epoch: the kill lands mid-run
    config = write_config(tmp_path / "config.json", cfg)
    cli_ok(*mle_argv(config, pipeline.data, tmp_path / "whole"))

    argv = mle_argv(config, pipeline.data, tmp_path / "killed")
    run_and_kill(argv, tmp_path / "killed" / "checkpoints" / "last.pt", 2, 30, tmp_path / "killed.log")
    assert not (tmp_path / "killed" / "generator.pt").exists()
    caplog.set_level(logging.INFO)
    cli_ok(*argv)
    assert "resumed from" in caplog.text

    assert_identical(load(tmp_path / "killed" / "generator.pt"), load(tmp_path / "whole" / "generator.pt"))
    rows = curve_rows(tmp_path / "whole" / "curve.csv")
    assert len(rows) == 31
    assert curve_rows(tmp_path / "killed" / "curve.csv") == rows


@pytest.mark.slow
def test_pretrain_d_resume_after_kill_equals_uninterrupted(pipeline, make_config, tmp_path, caplog):
    cfg = make_config()
    cfg["discriminator_training"].update(pretrain_rounds=20, num_negatives=128, batch_size=8)
    config = write_config(tmp_path / "config.json", cfg)
    cli_ok(*pretrain_d_argv(config, pipeline.data, pipeline.generator, tmp_path / "whole"))

    argv = pretrain_d_argv(config, pipeline.data, pipeline.generator, tmp_path / "killed")
    run_and_kill(argv, tmp_path / "killed" / "checkpoints" / "last.pt", 2, 20, tmp_path / "killed.log")
    assert not (tmp_path / "killed" / "discriminator.pt").exists()
    caplog.set_level(logging.INFO)
    cli_ok(*argv)
    assert "resumed from" in caplog.text
    assert_identical(load(tmp_path / "killed" / "discriminator.pt"), load(tmp_path / "whole" / "discriminator.pt"))


@pytest.mark.slow
def test_adversarial_resume_after_kill_equals_uninterrupted(pipeline, make_config, tmp_path, caplog):
    cfg = make_config()
    cfg["adversarial"]["iterations"] = 30  # ~25 ms each
    config = write_config(tmp_path / "config.json", cfg)
    inputs = (config, pipeline.data, pipeline.generator, pipeline.discriminator)
    cli_ok(*adversarial_argv(*inputs, tmp_path / "whole"))

    argv = adversarial_argv(*inputs, tmp_path / "killed")
    run_and_kill(argv, tmp_path / "killed" / "checkpoints" / "last.pt", 1, 30, tmp_path / "killed.log")
    assert not (tmp_path / "killed" / "generator.pt").exists()
    caplog.set_level(logging.INFO)
    cli_ok(*argv)
    assert "resumed from" in caplog.text

    for name in ("generator.pt", "discriminator.pt"):
        assert_identical(load(tmp_path / "killed" / name), load(tmp_path / "whole" / name), name)
    rows = curve_rows(tmp_path / "whole" / "curve.csv")
    assert [int(row["epoch"]) for row in rows] == list(range(4, 35))  # continues the 4 pretraining epochs
    assert all(row["phase"] == "seqgan" for row in rows)
    assert curve_rows(tmp_path / "killed" / "curve.csv") == rows


def test_mle_baseline_continues_the_pretraining_optimizer(pipeline, tmp_path, caplog):
    """`mle --init` starts from the pretrained weights AND Adam moments: a continuation, not a restart."""
    pretrained = load(pipeline.generator)
    steps = pretrained["optimizer"]["state"][0]["step"]
    assert steps > 0, "the pretrained generator file must carry its Adam state"
    cli_ok(*mle_argv(pipeline.config, pipeline.data, tmp_path, verb="mle"), "--init", pipeline.generator,
           "--epochs", 1)  # fmt: skip
    continued = load(tmp_path / "generator.pt")
    batches = -(-load(pipeline.data / "train.pt").shape[0] // pretrain_batch_size(pipeline.config))
    assert continued["optimizer"]["state"][0]["step"] == steps + batches
    assert continued["epoch"] == pretrained["epoch"] + 1


def pretrain_batch_size(config: Path) -> int:
    return json.loads(config.read_text())["pretrain"]["batch_size"]


# ---------------------------------------------------------------------------------------------- the baselines' CLI


def read_nll(path: Path) -> list[float]:
    lines = path.read_text().splitlines()
    assert lines[0] == "nll_oracle"
    return [float(v) for v in lines[1:]]


def curve_values(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return [{**row, "epoch": int(row["epoch"]), "nll_oracle": float(row["nll_oracle"]),
                 "nll_test": float(row["nll_test"])} for row in csv.DictReader(f)]  # fmt: skip


def assert_nll_files_match_the_curve(out: Path, num_samples: int) -> None:
    """nll_final / nll_best hold the very samples the curve's final / best point averaged; best.pt is that model."""
    rows = curve_values(out / "curve.csv")
    best = min(rows, key=lambda row: row["nll_oracle"])
    final, best_values = read_nll(out / "nll_final.csv"), read_nll(out / "nll_best.csv")
    assert len(final) == len(best_values) == num_samples
    assert sum(final) / num_samples == pytest.approx(rows[-1]["nll_oracle"], rel=1e-12)
    assert sum(best_values) / num_samples == pytest.approx(best["nll_oracle"], rel=1e-12)
    assert load(out / "best.pt")["epoch"] == best["epoch"]
    assert load(out / "generator.pt")["epoch"] == rows[-1]["epoch"]


def random_argv(config: Path, data: Path, out: Path, definition: str, seed=1) -> list:
    return [
        "random", "--definition", definition, "--config", config, "--oracle", data / "oracle.pt",
        "--test", data / "test.pt", *outputs(out), "--seed", seed, "--threads", 1, "--device", "cpu",
    ]  # fmt: skip


def test_random_untrained_generator_is_the_pretraining_start(pipeline, tmp_path):
    cli_ok(*random_argv(pipeline.config, pipeline.data, tmp_path, "untrained_generator"))
    (row,) = curve_values(tmp_path / "curve.csv")
    start = curve_values(pipeline.mle / "curve.csv")[0]  # the seed's MLE pretraining, epoch 0
    assert (row["phase"], row["epoch"]) == ("random_untrained_generator", 0)
    assert row["nll_test"] == start["nll_test"]  # the same model (NLL-oracle: each run samples its own)
    assert_nll_files_match_the_curve(tmp_path, 64)


def test_a_job_records_where_it_ran(pipeline, tmp_path):
    argv = random_argv(pipeline.config, pipeline.data, tmp_path, "uniform_tokens")
    argv[argv.index("--threads") + 1] = 2
    cli_ok(*argv, "--provenance", tmp_path / "job.json")
    record = job_record.read(tmp_path / "job.json")
    assert (record.device, record.gpu, record.precision, record.threads) == ("cpu", None, "fp32", 2)


def test_random_uniform_tokens_scores_log_vocab_on_test_data(pipeline, tmp_path):
    cli_ok(*random_argv(pipeline.config, pipeline.data, tmp_path, "uniform_tokens"))
    (row,) = curve_values(tmp_path / "curve.csv")
    assert row["nll_test"] == pytest.approx(math.log(30), rel=1e-6)  # every token 1/V
    assert row["nll_oracle"] > row["nll_test"]  # uniform samples are unlikely under the oracle
    assert_nll_files_match_the_curve(tmp_path, 64)


def test_scheduled_sampling_with_p_one_trains_exactly_like_mle(pipeline, make_config, tmp_path):
    """One epoch at p = 1 through the CLI: the same weights and Adam state as the MLE baseline's epoch."""
    cfg = make_config()
    cfg["scheduled_sampling"].update(start=1.0, decay=0.0)
    config = write_config(tmp_path / "config.json", cfg)
    runs = {}
    for verb in ("mle", "scheduled-sampling"):
        out = tmp_path / verb
        cli_ok(*mle_argv(config, pipeline.data, out, verb=verb), "--init", pipeline.generator, "--epochs", 1,
               *outputs(out)[2:])  # fmt: skip
        runs[verb] = load(out / "generator.pt")
    assert_identical(runs["mle"], runs["scheduled-sampling"])


def test_scheduled_sampling_run_logs_its_schedule(pipeline, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    out = tmp_path / "ss"
    cli_ok(*mle_argv(pipeline.config, pipeline.data, out, verb="scheduled-sampling"), "--init", pipeline.generator,
           "--epochs", 3, *outputs(out)[2:], "--provenance", out / "job.json")  # fmt: skip
    assert [f"p_true={p:.4f}" in caplog.text for p in (1.0, 0.75, 0.5)] == [True] * 3  # decay 0.25
    assert job_record.read(out / "job.json").precision == "fp32"  # no discriminator
    assert [row["epoch"] for row in curve_values(out / "curve.csv")] == [4, 5, 6, 7]
    assert_nll_files_match_the_curve(out, 64)


@pytest.mark.parametrize("verb", ["pg-bleu", "constant-reward"])
def test_pg_baselines_run_reproducibly(pipeline, tmp_path, verb):
    for name in ("first", "again"):
        cli_ok(*pg_argv(pipeline.config, pipeline.data, pipeline.generator, tmp_path / name, verb))
    assert_identical(load(tmp_path / "first" / "generator.pt"), load(tmp_path / "again" / "generator.pt"))
    rows = curve_values(tmp_path / "first" / "curve.csv")
    assert [row["epoch"] for row in rows] == [4, 5, 6, 7]
    assert rows[-1]["phase"] == verb.replace("-", "_")  # the run is named after its step
    assert rows[-1]["nll_oracle"] != rows[0]["nll_oracle"]  # it trained
    assert_nll_files_match_the_curve(tmp_path / "first", 64)
    assert not (tmp_path / "first" / "discriminator.pt").exists()


def test_strategy_sets_the_steps_and_iterations(pipeline, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    inputs = (pipeline.config, pipeline.data, pipeline.generator, pipeline.discriminator)
    cli_ok(*adversarial_argv(*inputs, tmp_path), "--strategy", "a", "--provenance", tmp_path / "job.json")
    resolved = devices.resolve_precision("auto", torch.device("cpu")).value  # the config's precision on this CPU
    assert job_record.read(tmp_path / "job.json").precision == resolved
    rows = curve_values(tmp_path / "curve.csv")
    assert [row["epoch"] for row in rows] == [4, 5, 6]  # the strategy's 2 iterations, not adversarial's 3
    assert {row["phase"] for row in rows} == {"strategy_a"}
    assert caplog.text.count("iteration phase=strategy_a") == 2
    # Strategy a is (g_steps 2, d_steps 1, k_epochs 2); the `adversarial` settings are (1, 1, 1).
    g_state = load(tmp_path / "checkpoints" / "last.pt")["optimizers"]["generator"]["state"][0]
    assert g_state["step"] == 2 * 2  # iterations x g_steps, from a fresh Adam
    d_steps = [
        load(path)["optimizer"]["state"][0]["step"] for path in (pipeline.discriminator, tmp_path / "discriminator.pt")
    ]
    batches = 2 * 64 // 16  # one epoch: 64 negatives and 64 positives in batches of 16
    assert d_steps[1] - d_steps[0] == 2 * 1 * 2 * batches  # iterations x d_steps x k_epochs epochs


def test_seqgan_refuses_an_unknown_strategy(pipeline, tmp_path, caplog):
    inputs = (pipeline.config, pipeline.data, pipeline.generator, pipeline.discriminator)
    assert cli(*adversarial_argv(*inputs, tmp_path), "--strategy", "zz", "--provenance", tmp_path / "job.json") == 1
    assert "config key 'strategies': no strategy named 'zz' (defined: 'a')" in caplog.text
    assert not (tmp_path / "generator.pt").exists() and not (tmp_path / "job.json").exists()  # a failed job: none
