"""Pinned downloads: every file the workflow fetches has one URL and one sha256.

With a mirror directory (offline machines, CI) the same relative name is read from there instead,
and checked against the same sha256.
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from seqgan.atomic import atomic_path


@dataclass(frozen=True)
class Download:
    url: str
    sha256: str


SEQGAN_COMMIT = "e2b52fb6309851b14765290e8a972ccac09f1bec"

REGISTRY: dict[str, Download] = {
    # The released SeqGAN oracle (Python-3 pickle of 15 float32 arrays).
    "seqgan_oracle/target_params_py3.pkl": Download(
        f"https://raw.githubusercontent.com/LantaoYu/SeqGAN/{SEQGAN_COMMIT}/save/target_params_py3.pkl",
        "5ac794a695dd6e0eb2bb689f3dfda55e4e0053e8c0399e6242630a95f1e60e8a",
    ),
}


class ChecksumError(ValueError):
    """A file's content is not the pinned one."""


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lookup(name: str) -> Download:
    if name not in REGISTRY:
        raise ValueError(f"unknown download '{name}' (known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[name]


def verify(path: str | Path, name: str) -> None:
    """Raise ChecksumError naming the file and the expected sha256 unless ``path`` is ``name``'s pinned file."""
    expected = lookup(name).sha256
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: file not found (expected {name}, sha256 {expected})")
    actual = sha256_of(path)
    if actual != expected:
        raise ChecksumError(f"{path}: sha256 {actual} does not match the expected {expected} for {name}")


def fetch(name: str, out: str | Path, mirror: str | Path | None = None) -> Path:
    """Copy ``name`` from ``mirror`` (if given) or download its pinned URL to ``out``, verified, atomically."""
    source = lookup(name)
    out = Path(out)
    with atomic_path(out) as tmp:
        if mirror is not None:
            local = Path(mirror) / name
            if not local.is_file():
                raise FileNotFoundError(
                    f"{local}: not in the mirror directory {mirror} (expected {name}, sha256 {source.sha256})"
                )
            shutil.copyfile(local, tmp)
        else:
            try:
                with urllib.request.urlopen(source.url, timeout=60) as response, open(tmp, "wb") as f:
                    shutil.copyfileobj(response, f)
            except OSError as err:  # URLError, HTTPError and timeouts are OSErrors
                raise OSError(f"{source.url}: download of {name} failed ({err}); set corpora.mirror offline") from err
        verify(tmp, name)
    return out
