"""The one resume skeleton, fast and in-process: ``Checkpointer.steps`` (every loop) and
``GeneratorRun.epochs`` (every generator run: curve points and the best model). The SIGKILL tests in
test_training.py check the same end to end, on real training, in subprocesses."""

from __future__ import annotations

import torch

from seqgan.checkpoint import Checkpointer
from seqgan.models.generator import Generator
from seqgan.train.curve import LearningCurve
from seqgan.train.run import GeneratorRun


def model() -> Generator:
    return Generator(vocab_size=10, emb_dim=4, hidden_dim=4, seq_len=4).init_normal(
        0.1, torch.Generator().manual_seed(0)
    )


def checkpointer(tmp_path, modules, every=2, key="run") -> Checkpointer:
    return Checkpointer(tmp_path / "checkpoints", key, modules, {}, torch.Generator().manual_seed(1), every)


def saved_step(tmp_path) -> int:
    return torch.load(tmp_path / "checkpoints" / "last.pt", weights_only=True)["step"]


def train_step(generator: Generator, step: int) -> None:
    """A deterministic stand-in for an epoch of training."""
    with torch.no_grad():
        generator.output.bias.add_(0.1 * step)


def trained(*steps: int) -> Generator:
    """The model after ``steps``, uninterrupted."""
    generator = model()
    for step in steps:
        train_step(generator, step)
    return generator


def test_steps_save_every_n_and_after_the_last_and_resume_from_the_last_save(tmp_path):
    generator = model()
    seen = []
    for step in checkpointer(tmp_path, {"g": generator}).steps(5, "test"):
        seen.append(step)
        train_step(generator, step)
        if step == 3:
            break  # killed after step 3's work, before its checkpoint would be due (every 2)
    assert seen == [1, 2, 3] and saved_step(tmp_path) == 2

    resumed = model()
    remaining = checkpointer(tmp_path, {"g": resumed}).steps(5, "test")
    assert resumed.output.bias.equal(trained(1, 2).output.bias)  # restored to the state after step 2
    for step in remaining:
        seen.append(step)
        train_step(resumed, step)
    assert seen == [1, 2, 3, 3, 4, 5] and saved_step(tmp_path) == 5  # 5 is no multiple of 2: saved as the last

    assert resumed.output.bias.equal(trained(1, 2, 3, 4, 5).output.bias)
    assert list(checkpointer(tmp_path, {"g": model()}).steps(5, "test")) == []  # finished: nothing to do


def test_a_checkpoint_of_other_settings_is_not_resumed(tmp_path):
    for _ in checkpointer(tmp_path, {"g": model()}, key="seed 1").steps(2, "test"):
        pass
    assert list(checkpointer(tmp_path, {"g": model()}, key="seed 2").steps(2, "test")) == [1, 2]


def generator_run(tmp_path, every: int) -> GeneratorRun:
    test = torch.randint(0, 10, (8, 4), generator=torch.Generator().manual_seed(2))
    curve = LearningCurve(None, test, num_samples=8, every=every, batch_size=8, seed=1, run="mle")
    run = GeneratorRun("mle", model(), start_epoch=4, curve=curve)
    run.checkpoint_with(checkpointer(tmp_path, {"generator": run.generator, "best": run.best}))
    return run


def test_a_run_records_its_start_then_a_point_when_due_and_at_the_last_epoch(tmp_path):
    run = generator_run(tmp_path, every=2)
    for epoch in run.epochs(3):
        train_step(run.generator, epoch)
        run.evaluate(epoch)
    assert [row["epoch"] for row in run.curve.rows] == [4, 6, 7]  # the start, every 2nd epoch, the last
    assert run.last_epoch == 7
    best = min(run.curve.rows, key=lambda row: row["nll_test"])
    best_weights = trained(*range(5, best["epoch"] + 1)).output.bias
    assert run.best.state_dict()["output.bias"].equal(best_weights)  # the weights of the best point


def test_a_resumed_run_continues_its_curve_without_a_second_start_point(tmp_path):
    run = generator_run(tmp_path, every=1)
    for epoch in run.epochs(3):
        train_step(run.generator, epoch)
        run.evaluate(epoch)
        if epoch == 5:
            break  # before epoch 5's checkpoint (every 2): the last one holds the start point only
    resumed = generator_run(tmp_path, every=1)
    for epoch in resumed.epochs(3):
        train_step(resumed.generator, epoch)
        resumed.evaluate(epoch)
    assert [row["epoch"] for row in resumed.curve.rows] == [4, 5, 6, 7]

    whole = generator_run(tmp_path / "whole", every=1)
    for epoch in whole.epochs(3):
        train_step(whole.generator, epoch)
        whole.evaluate(epoch)
    strip = [{k: v for k, v in row.items() if k != "wall_seconds"} for row in whole.curve.rows]
    assert [{k: v for k, v in row.items() if k != "wall_seconds"} for row in resumed.curve.rows] == strip
