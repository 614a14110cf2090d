"""Bad input files: corrupt or missing downloads, hostile pickles, malformed token files, and writes that
fail half-way. Each error names the file (and, for downloads, the expected sha256); none leaves a partial
output behind."""

from __future__ import annotations

import builtins
import hashlib
import io
import logging
import os
import pickle
import urllib.request

import numpy as np
import pytest
import torch

from seqgan import atomic
from seqgan.cli import main
from seqgan.data.download import REGISTRY, ChecksumError, fetch
from seqgan.data.tokens import load_tokens, save_tokens
from seqgan.models.oracle import RELEASED_NAME, _NumpyOnlyUnpickler, released_oracle

EXPECTED_SHA256 = REGISTRY[RELEASED_NAME].sha256


# ---------------------------------------------------------------------------------------------- the oracle file


@pytest.fixture(params=["garbage", "truncated", "one byte changed"])
def corrupt_pickle(request, tmp_path):
    """A file in place of the released pickle: made-up bytes, or the real file damaged."""
    if request.param == "garbage":
        content = b"this is not a pickle"
    else:
        good = request.getfixturevalue("released_pickle").read_bytes()
        content = good[: len(good) // 2] if request.param == "truncated" else good[:-1] + bytes([good[-1] ^ 1])
    path = tmp_path / "target_params_py3.pkl"
    path.write_bytes(content)
    return path


def test_corrupt_oracle_is_refused_naming_file_and_checksum(corrupt_pickle):
    with pytest.raises(ChecksumError) as info:
        released_oracle(corrupt_pickle, 20)
    assert str(corrupt_pickle) in str(info.value) and EXPECTED_SHA256 in str(info.value)


def test_missing_oracle_names_file_and_checksum(tmp_path):
    path = tmp_path / "absent.pkl"
    with pytest.raises(FileNotFoundError) as info:
        released_oracle(path, 20)
    assert str(path) in str(info.value) and EXPECTED_SHA256 in str(info.value)


def fake_mirror(root, content: bytes | None):
    """A mirror directory holding ``content`` under the released oracle's name (or nothing)."""
    if content is not None:
        (root / RELEASED_NAME).parent.mkdir(parents=True)
        (root / RELEASED_NAME).write_bytes(content)
    return root


def test_fetch_of_a_wrong_file_leaves_nothing_behind(tmp_path):
    mirror = fake_mirror(tmp_path / "mirror", b"not the released oracle")
    out_dir = tmp_path / "downloads"
    with pytest.raises(ChecksumError, match=EXPECTED_SHA256):
        fetch(RELEASED_NAME, out_dir / "target_params_py3.pkl", mirror=mirror)
    assert list(out_dir.iterdir()) == [], "no output and no temporary file may remain"


def test_fetch_of_a_wrong_file_names_the_file_to_fix(tmp_path):
    """The mirror's file (not the deleted temporary copy): its path, both hashes, and what to do."""
    mirror = fake_mirror(tmp_path / "mirror", b"not the released oracle")
    out = tmp_path / "downloads" / "target_params_py3.pkl"
    with pytest.raises(ChecksumError) as info:
        fetch(RELEASED_NAME, out, mirror=mirror)
    message = str(info.value)
    actual = hashlib.sha256(b"not the released oracle").hexdigest()
    assert message.startswith(
        f"{mirror / RELEASED_NAME}: sha256 {actual} does not match the expected {EXPECTED_SHA256}"
    )
    assert ".tmp" not in message and "\n" not in message
    assert f"nothing written to {out}" in message and REGISTRY[RELEASED_NAME].url in message  # the remedy


def test_download_of_a_wrong_file_names_the_url(tmp_path, monkeypatch):
    """Downloaded content that is not the pinned file: the error names the URL, not the temporary file."""
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b"an error page"))
    out = tmp_path / "downloads" / "target_params_py3.pkl"
    with pytest.raises(ChecksumError) as info:
        fetch(RELEASED_NAME, out)
    assert str(info.value).startswith(f"{REGISTRY[RELEASED_NAME].url}: sha256 ")
    assert EXPECTED_SHA256 in str(info.value) and ".tmp" not in str(info.value)
    assert list(out.parent.iterdir()) == []


def test_fetch_names_a_file_missing_from_the_mirror(tmp_path):
    mirror = fake_mirror(tmp_path / "mirror", None)
    mirror.mkdir()
    out_dir = tmp_path / "downloads"
    with pytest.raises(FileNotFoundError, match=str(mirror / RELEASED_NAME)):
        fetch(RELEASED_NAME, out_dir / "target_params_py3.pkl", mirror=mirror)
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_cli_fetch_fails_cleanly(tmp_path, caplog):
    mirror = fake_mirror(tmp_path / "mirror", b"not the released oracle")
    out = tmp_path / "downloads" / "target_params_py3.pkl"
    caplog.set_level(logging.ERROR)
    assert main(["fetch", RELEASED_NAME, "--out", str(out), "--mirror", str(mirror)]) == 1
    assert EXPECTED_SHA256 in caplog.text
    assert list(out.parent.iterdir()) == []


def test_fetch_from_the_mirror_is_byte_identical(mirror, tmp_path):
    out = fetch(RELEASED_NAME, tmp_path / "target_params_py3.pkl", mirror=mirror)
    assert out.read_bytes() == (mirror / RELEASED_NAME).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["target_params_py3.pkl"]


# ---------------------------------------------------------------------------------------------- the unpickler


class Exploit:
    """Unpickling this calls ``function(argument)``."""

    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def __reduce__(self):
        return self.function, (self.argument,)


@pytest.mark.parametrize("function", [os.system, builtins.exec, builtins.eval])
def test_restricted_unpickler_refuses_code(tmp_path, function):
    marker = tmp_path / "pwned"
    argument = f"touch {marker}" if function is os.system else f"open({str(marker)!r}, 'w').close()"
    payload = pickle.dumps([np.zeros(3, dtype=np.float32), Exploit(function, argument)])
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        _NumpyOnlyUnpickler(io.BytesIO(payload)).load()
    assert not marker.exists()


def test_restricted_unpickler_admits_numpy_arrays():
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(4, dtype=np.float32)]
    for protocol in (3, 4):  # the released file is protocol 3
        loaded = _NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(arrays, protocol=protocol))).load()
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(loaded, arrays))


# ---------------------------------------------------------------------------------------------- token files


@pytest.mark.parametrize(
    "tokens,why",
    [
        (torch.tensor([[0, 1, 2], [3, 4, 10]]), "id == vocab size"),
        (torch.tensor([[0, 1, 2], [3, -1, 4]]), "negative id"),
        (torch.tensor([[0, 1], [3, 4]]), "too short"),
        (torch.tensor([[0, 1, 2, 3]]), "too long"),
        (torch.tensor([0, 1, 2]), "one-dimensional"),
        (torch.tensor([[0.0, 1.0, 2.0]]), "floats"),
        (torch.zeros((0, 3), dtype=torch.long), "empty"),
    ],
)
def test_load_tokens_names_the_file(tmp_path, tokens, why):
    path = tmp_path / "train.pt"
    atomic.save_torch(tokens, path)
    with pytest.raises(ValueError, match=str(path)):
        load_tokens(path, vocab_size=10, seq_len=3)


def test_load_tokens_on_a_file_that_is_not_a_tensor_file(tmp_path):
    path = tmp_path / "train.pt"
    path.write_bytes(b"\x00garbage")
    with pytest.raises(ValueError, match=str(path)):
        load_tokens(path, vocab_size=10, seq_len=3)


def test_tokens_round_trip(tmp_path):
    tokens = torch.randint(0, 10, (5, 3), generator=torch.Generator().manual_seed(0))
    save_tokens(tokens, tmp_path / "train.pt")
    assert torch.equal(load_tokens(tmp_path / "train.pt", vocab_size=10, seq_len=3), tokens)


# ---------------------------------------------------------------------------------------------- atomic writes


def test_failed_atomic_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "curve.csv"
    path.write_text("old content")
    with pytest.raises(RuntimeError, match="boom"), atomic.atomic_path(path) as tmp:
        tmp.write_text("half of the new con")
        raise RuntimeError("boom")
    assert path.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["curve.csv"], "no temporary file may remain"


def test_atomic_write_replaces_the_file(tmp_path):
    path = tmp_path / "sub" / "curve.csv"
    atomic.write_text(path, "first")
    atomic.write_text(path, "second")
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["curve.csv"]


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    """Outputs are readable like any file the user writes (umask), not 0600 like a temp file."""
    old = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "summary.md", "table")
    finally:
        os.umask(old)
    assert (tmp_path / "summary.md").stat().st_mode & 0o777 == 0o644


def test_save_torch_is_byte_reproducible(tmp_path):
    """Saving the same tensors twice gives the same bytes (content hashes of inputs key the checkpoints)."""
    path = tmp_path / "train.pt"
    tokens = torch.arange(12).reshape(3, 4)
    atomic.save_torch(tokens, path)
    first = path.read_bytes()
    atomic.save_torch(tokens, path)
    assert path.read_bytes() == first
