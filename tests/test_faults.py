"""Faults while training and saving (issue 14): checkpoints that heal themselves, a full disk, models of
another shape than the data, and counts out of range on the command line. Real files throughout; the only
thing patched is torch.save's file object, to make a write fail as on a full disk."""

from __future__ import annotations

import errno
import io
import json
import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml
from cli_run import cli

from seqgan import atomic
from seqgan.checkpoint import Checkpointer
from seqgan.cli import main
from seqgan.data import nottingham
from seqgan.data.tokens import save_tokens
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.models.saved import save_discriminator, save_generator

REPO = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------- checkpoints


def model(vocab_size: int = 10) -> Generator:
    return Generator(vocab_size=vocab_size, emb_dim=4, hidden_dim=4, seq_len=4).init_normal(
        0.1, torch.Generator().manual_seed(0)
    )


def checkpointer(tmp_path: Path, modules: dict, key: str = "run") -> Checkpointer:
    return Checkpointer(tmp_path / "checkpoints", key, modules, {}, torch.Generator().manual_seed(1), every=1)


def train_step(generator: Generator, step: int) -> None:
    with torch.no_grad():
        generator.output.bias.add_(0.1 * step)


def run(tmp_path: Path, total: int, stop_after: int | None = None) -> Generator:
    """Steps 1..``total`` (checkpointed after each), resuming what is there; ``stop_after``: killed then."""
    generator = model()
    for step in checkpointer(tmp_path, {"g": generator}).steps(total, "test"):
        train_step(generator, step)
        if step == stop_after:
            break
    return generator


def step_of(path: Path) -> int:
    return torch.load(path, weights_only=True)["step"]


def spoil_empty(path: Path) -> None:
    path.write_bytes(b"")


def spoil_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def spoil_tensor(path: Path) -> None:
    torch.save(torch.zeros(3), path)


def spoil_generator(path: Path) -> None:
    save_generator(model(), path, epoch=3)


SPOILERS = [spoil_empty, spoil_truncated, spoil_tensor, spoil_generator]


def test_a_save_keeps_the_checkpoint_before(tmp_path):
    run(tmp_path, total=5, stop_after=3)
    folder = tmp_path / "checkpoints"
    assert step_of(folder / "last.pt") == 2 and step_of(folder / "previous.pt") == 1  # killed before step 3's save
    assert sorted(p.name for p in folder.iterdir()) == ["last.pt", "previous.pt"], "no temporary file may remain"


@pytest.mark.parametrize("spoil", SPOILERS, ids=lambda f: f.__name__)
def test_an_unreadable_last_checkpoint_is_moved_aside_and_the_previous_one_resumed(tmp_path, caplog, spoil):
    run(tmp_path, total=5, stop_after=3)
    last = tmp_path / "checkpoints" / "last.pt"
    spoil(last)
    spoiled = last.read_bytes()
    caplog.set_level(logging.INFO)
    resumed = run(tmp_path, total=5)
    assert resumed.output.bias.equal(run(tmp_path / "whole", total=5).output.bias)  # as if never interrupted
    assert "resumed from" in caplog.text and "previous.pt at step 1" in caplog.text
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(last) in warnings[0] and "moved aside" in warnings[0], warnings
    assert (tmp_path / "checkpoints" / "last.pt.corrupt").read_bytes() == spoiled  # kept for a look, not resumed
    assert step_of(last) == 5


@pytest.mark.parametrize("spoil", SPOILERS, ids=lambda f: f.__name__)
def test_with_no_good_checkpoint_the_run_starts_over_with_a_warning_per_file(tmp_path, caplog, spoil):
    run(tmp_path, total=5, stop_after=3)
    for name in ("last.pt", "previous.pt"):
        spoil(tmp_path / "checkpoints" / name)
    caplog.set_level(logging.INFO)
    resumed = run(tmp_path, total=5)
    assert resumed.output.bias.equal(run(tmp_path / "whole", total=5).output.bias)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "last.pt" in warnings[0] and "previous.pt" in warnings[1], warnings
    assert "resumed from" not in caplog.text
    assert step_of(tmp_path / "checkpoints" / "last.pt") == 5


def test_a_run_started_over_does_not_fail_again_on_the_next_run(tmp_path):
    """The old behaviour: every rerun raised until the user deleted the file."""
    run(tmp_path, total=3, stop_after=2)
    spoil_empty(tmp_path / "checkpoints" / "last.pt")
    spoil_empty(tmp_path / "checkpoints" / "previous.pt")
    run(tmp_path, total=3)
    assert run(tmp_path, total=4).output.bias.equal(run(tmp_path / "whole", total=4).output.bias)


def test_a_checkpoint_that_does_not_fit_the_models_leaves_none_of_them_half_restored(tmp_path, caplog):
    """Module "a" fits, module "b" has another vocabulary: the restore fails on "b" after loading "a";
    "a" must be rolled back, not left holding the checkpoint's weights."""
    a, b = model(), model(vocab_size=12)
    trained = model()
    train_step(trained, 7)
    checkpointer(tmp_path, {"a": trained, "b": model(vocab_size=11)}).save(step=1, wall_seconds=0.0)
    caplog.set_level(logging.WARNING)
    assert checkpointer(tmp_path, {"a": a, "b": b}).resume() == 0
    assert a.output.bias.equal(model().output.bias), "module a was left half-restored"
    assert "does not fit" in caplog.text and "last.pt" in caplog.text
    assert (tmp_path / "checkpoints" / "last.pt.corrupt").is_file()


def test_a_checkpoint_of_other_settings_is_left_in_place(tmp_path, caplog):
    run(tmp_path, total=2)
    caplog.set_level(logging.WARNING)
    generator = model()
    assert list(checkpointer(tmp_path, {"g": generator}, key="other").steps(2, "test")) == [1, 2]
    assert "written for other settings" in caplog.text and "moved aside" not in caplog.text
    assert not list((tmp_path / "checkpoints").glob("*.corrupt"))


# ---------------------------------------------------------------------------------------------- the CLI


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, make_config):
    """The tiny config's oracle and data, and a fresh generator and discriminator of its shape."""
    root = tmp_path_factory.mktemp("synthetic")
    cfg = make_config()
    config = root / "config.json"
    config.write_text(json.dumps(cfg))
    assert cli("oracle", "--config", config, "--out-dir", root / "data") == 0
    o = cfg["oracle"]
    generator = Generator(o["vocab_size"], 8, 8, o["seq_len"])
    save_generator(generator, root / "generator.pt", epoch=0)
    discriminator = Discriminator(o["vocab_size"], 8, (2, 3), (4, 4), 0.25)
    save_discriminator(discriminator, torch.optim.Adam(discriminator.parameters()), root / "discriminator.pt")
    return SimpleNamespace(root=root, config=config, data=root / "data", vocab=o["vocab_size"], seq_len=o["seq_len"])


def teacher_forced(s, out: Path, verb: str = "pretrain", *extra) -> list:
    return [
        verb, "--config", s.config, "--oracle", s.data / "oracle.pt", "--train", s.data / "train.pt",
        "--test", s.data / "test.pt", "--out", out / "generator.pt", "--curve", out / "curve.csv",
        "--seed", 1, "--checkpoint-dir", out / "checkpoints", "--threads", 1, "--device", "cpu", *extra,
    ]  # fmt: skip


class FullAfter(io.RawIOBase):
    """A file object that takes ``room`` bytes, then fails as a full disk does (the write torch.save makes)."""

    def __init__(self, f, room: int):
        self.f, self.room = f, room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.f.write(data)


@pytest.fixture
def disk_full_for(monkeypatch):
    """Make every torch.save into a file whose name holds ``name`` fail part way, as on a full disk."""

    def full(name: str) -> None:
        save = torch.save

        def save_on_a_full_disk(obj, f, *args, **kwargs):
            if name in str(getattr(f, "name", "")):
                f = FullAfter(f, room=200)
            return save(obj, f, *args, **kwargs)

        monkeypatch.setattr(torch, "save", save_on_a_full_disk)

    return full


def test_a_full_disk_while_saving_the_generator_is_one_line_naming_it(
    synthetic, tmp_path, caplog, capsys, disk_full_for
):
    disk_full_for("generator.pt")
    out = tmp_path / "run"
    assert cli(*teacher_forced(synthetic, out)) == 1
    target = out / "generator.pt"
    assert errors(caplog) == [f"{target}: cannot write (No space left on device)"]
    assert "Traceback" not in capsys.readouterr().err
    assert not target.exists() and not list(out.glob(".generator.pt*")), "no partial file may remain"


def test_a_full_disk_while_checkpointing_is_one_line_naming_the_checkpoint(synthetic, tmp_path, caplog, disk_full_for):
    disk_full_for("last.pt")
    out = tmp_path / "run"
    assert cli(*teacher_forced(synthetic, out)) == 1
    assert errors(caplog) == [f"{out / 'checkpoints' / 'last.pt'}: cannot write (No space left on device)"]
    assert not list((out / "checkpoints").iterdir()), "no partial file may remain"


def test_a_real_torch_save_on_a_full_disk_is_reported_with_the_os_reason(tmp_path, disk_full_for):
    """torch.save itself turns the failed write into a RuntimeError ("unexpected pos"): the reason must survive."""
    disk_full_for("tokens.pt")
    with pytest.raises(atomic.WriteError, match=r"tokens\.pt: cannot write \(No space left on device\)$") as info:
        save_tokens(torch.zeros((100, 6), dtype=torch.long), tmp_path / "tokens.pt")
    assert info.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def other_generator(root: Path, vocab: int, seq_len: int) -> Path:
    path = root / f"generator_v{vocab}_t{seq_len}.pt"
    save_generator(Generator(vocab, 8, 8, seq_len), path, epoch=4)
    return path


@pytest.mark.parametrize("verb", ["mle", "scheduled-sampling"])
@pytest.mark.parametrize("shape", [(40, 6), (30, 9)], ids=["vocabulary", "length"])
def test_continuing_a_generator_of_another_shape_is_refused_before_training(synthetic, tmp_path, caplog, verb, shape):
    init = other_generator(tmp_path, *shape)
    out = tmp_path / "run"
    assert cli(*teacher_forced(synthetic, out, verb, "--init", init, "--epochs", 1)) == 1
    (message,) = errors(caplog)
    assert message.startswith(f"{init}: a generator of vocabulary {shape[0]} and length {shape[1]}")
    assert f"vocabulary {synthetic.vocab} and length {synthetic.seq_len}" in message
    assert not (out / "checkpoints").exists(), "refused before training"


def test_pretraining_a_discriminator_against_a_generator_of_another_vocabulary_is_refused(synthetic, tmp_path, caplog):
    generator = other_generator(tmp_path, 40, synthetic.seq_len)
    argv = [
        "pretrain-discriminator", "--config", synthetic.config, "--generator", generator,
        "--train", synthetic.data / "train.pt", "--out", tmp_path / "discriminator.pt",
        "--seed", 1, "--checkpoint-dir", tmp_path / "checkpoints", "--threads", 1, "--device", "cpu",
    ]  # fmt: skip
    assert cli(*argv) == 1
    (message,) = errors(caplog)
    assert message.startswith(f"{generator}: a generator of vocabulary 40")
    assert not (tmp_path / "checkpoints").exists()


def seqgan_argv(s, generator: Path, discriminator: Path, out: Path) -> list:
    return [
        "seqgan", "--config", s.config, "--oracle", s.data / "oracle.pt", "--train", s.data / "train.pt",
        "--test", s.data / "test.pt", "--generator", generator, "--discriminator", discriminator,
        "--out-discriminator", out / "discriminator.pt", "--out", out / "generator.pt", "--curve", out / "curve.csv",
        "--seed", 1, "--checkpoint-dir", out / "checkpoints", "--threads", 1, "--device", "cpu",
    ]  # fmt: skip


def test_seqgan_with_models_of_another_vocabulary_is_refused(synthetic, tmp_path, caplog):
    generator = other_generator(tmp_path, 40, synthetic.seq_len)
    assert cli(*seqgan_argv(synthetic, generator, synthetic.root / "discriminator.pt", tmp_path / "g")) == 1
    assert errors(caplog)[0].startswith(f"{generator}: a generator of vocabulary 40")

    caplog.clear()
    discriminator = tmp_path / "discriminator_v40.pt"
    other = Discriminator(40, 8, (2, 3), (4, 4), 0.25)
    save_discriminator(other, torch.optim.Adam(other.parameters()), discriminator)
    assert cli(*seqgan_argv(synthetic, synthetic.root / "generator.pt", discriminator, tmp_path / "d")) == 1
    (message,) = errors(caplog)
    assert message.startswith(f"{discriminator}: a discriminator of vocabulary 40")
    assert f"vocabulary {synthetic.vocab}" in message
    assert not (tmp_path / "d" / "checkpoints").exists()


@pytest.mark.parametrize("epochs", ["-3", "-1", "two", "1.5"])
def test_a_negative_or_non_whole_epoch_count_is_refused(synthetic, tmp_path, capsys, epochs):
    argv = teacher_forced(synthetic, tmp_path, "mle", "--init", synthetic.root / "generator.pt", "--epochs", epochs)
    with pytest.raises(SystemExit) as info:
        cli(*argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --epochs: expected a" in err and "epochs >= 0, got" in err and epochs in err
    assert not (tmp_path / "generator.pt").exists()


def test_zero_epochs_saves_the_init_generator_at_its_epoch(synthetic, tmp_path):
    init = other_generator(tmp_path, synthetic.vocab, synthetic.seq_len)  # saved at epoch 4
    out = tmp_path / "run"
    assert cli(*teacher_forced(synthetic, out, "mle", "--init", init, "--epochs", 0)) == 0
    saved = torch.load(out / "generator.pt", weights_only=True)
    assert saved["epoch"] == 4
    before = torch.load(init, weights_only=True)["state_dict"]
    assert all(torch.equal(saved["state_dict"][k], before[k]) for k in before)


# ---------------------------------------------------------------------------------------------- render-music


@pytest.fixture
def music(tmp_path):
    """A render-music step config, the music vocabulary as the corpus writes it, and 3 sequences of it."""
    data = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())["music"]["data"]
    config = tmp_path / "render_music.json"
    config.write_text(json.dumps({"data": data}))
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps(list(nottingham.VOCAB)))
    sequences = tmp_path / "sequences.pt"
    save_tokens(torch.randint(30, 50, (3, data["seq_len"]), generator=torch.Generator().manual_seed(0)), sequences)
    return SimpleNamespace(config=config, vocab=vocab, sequences=sequences, out=tmp_path / "out")


def render(m, vocab: Path, *extra) -> int:
    return cli(
        "render-music", "--config", m.config, "--vocab", vocab, "--sequences", m.sequences,
        "--out-midi-dir", m.out / "midi", "--out-piano-roll", m.out / "roll.png", *extra,
    )  # fmt: skip


@pytest.mark.parametrize("count", ["-1", "0", "x"])
def test_render_music_refuses_a_count_below_one(music, capsys, count):
    with pytest.raises(SystemExit) as info:
        render(music, music.vocab, "--count", count)
    assert info.value.code == 2
    assert "argument --count: expected a" in capsys.readouterr().err
    assert not music.out.exists()


def test_render_music_with_another_vocabulary_names_the_file_and_writes_nothing(music, tmp_path, caplog):
    words = tmp_path / "poems_vocab.json"
    words.write_text(json.dumps([f"w{i}" for i in range(100)]))  # ids < 88 still fit: nothing else would notice
    assert render(music, words) == 1
    (message,) = errors(caplog)
    assert message.startswith(f"{words}: not the music corpus's vocabulary") and "88 pitch names" in message
    assert not music.out.exists()


def test_render_music_with_the_music_vocabulary_writes_its_files(music):
    assert render(music, music.vocab, "--count", 2) == 0
    assert sorted(p.name for p in (music.out / "midi").iterdir()) == ["sample1.mid", "sample2.mid"]
    assert (music.out / "roll.png").stat().st_size > 0


@pytest.mark.parametrize("value", ["-1", "2147483648", "18446744073709551617", "one"])
def test_a_seed_outside_what_seeding_takes_is_refused_by_the_cli(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["random", "--definition", "uniform_tokens", "--config", "c.json", "--oracle", "o.pt", "--test", "t.pt",
              "--out", "g.pt", "--curve", "c.csv", "--seed", value])  # fmt: skip
    assert exit_info.value.code == 2
    assert "--seed" in capsys.readouterr().err


@pytest.mark.parametrize("profile", ["default", "slurm"])
def test_a_failed_job_prints_its_log(profile):
    """Snakemake prints a failed job's log (whose last line is the job's one-line error) with both profiles."""
    settings = yaml.safe_load((REPO / "profiles" / profile / "config.yaml").read_text())
    assert settings.get("show-failed-logs") is True


def test_without_hard_links_the_previous_checkpoint_is_a_copy(tmp_path, monkeypatch):
    """Some network and FUSE file systems refuse os.link: previous.pt is then a complete copy."""
    module = torch.nn.Linear(2, 2)
    ckpt = Checkpointer(tmp_path, "run", {"m": module}, {}, torch.Generator().manual_seed(0), 1)
    ckpt.save(1, 0.0)
    first = (tmp_path / "last.pt").read_bytes()

    def refuse(*args, **kwargs):
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", refuse)
    with torch.no_grad():
        module.weight.add_(1.0)
    ckpt.save(2, 0.0)
    assert (tmp_path / "previous.pt").read_bytes() == first
    assert not (tmp_path / "previous.pt").samefile(tmp_path / "last.pt")
    assert torch.load(tmp_path / "last.pt", weights_only=True)["step"] == 2
