"""Pinned downloads: every file the workflow fetches has one URL and one content hash.

The hash is the file's sha256 or, where that is all the source publishes, its git blob hash (what
``git hash-object FILE`` prints: sha1 of ``b"blob <size>\\0" + content``). An entry marked ``gzip``
names a gzip file whose *uncompressed* content is what the URL serves and what the hash pins: gzip
bytes depend on the compressor, the content does not. A download of such an entry is compressed on
arrival (deterministically, mtime 0).

With a mirror directory (offline machines, CI) the same relative name is read from there instead,
and checked against the same hash.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from seqgan.atomic import atomic_path


@dataclass(frozen=True)
class Download:
    url: str
    sha256: str | None = None
    git_blob: str | None = None
    gzip: bool = False  # the file is gzip of the URL's content; the hash is of the uncompressed content

    def __post_init__(self):
        if (self.sha256 is None) == (self.git_blob is None):
            raise ValueError(f"download {self.url}: give exactly one of sha256 and git_blob")

    @property
    def expected(self) -> str:
        """The pinned hash, named: 'sha256 …' or 'git blob …' (of the uncompressed content for gzip entries)."""
        kind = f"sha256 {self.sha256}" if self.sha256 is not None else f"git blob {self.git_blob}"
        return f"uncompressed {kind}" if self.gzip else kind


SEQGAN_COMMIT = "e2b52fb6309851b14765290e8a972ccac09f1bec"
TEXYGEN_COMMIT = "3104e22ac75f3cc2070da2bf5e2da6d2bef149ad"
OBAMA_RNN_COMMIT = "10248ee07440125e1e3ea3bd07f4b3b4b6b54131"
OBAMA_SUBSTITUTE_COMMIT = "7010e0cbacd76072f4374cae01e84327e1d0a990"
NOTTINGHAM_ZIP_COMMIT = "3849f5f3a029092b81c8c1437f77b025d8232b25"
RAW = "https://raw.githubusercontent.com"

# Names are paths relative to the mirror directory (../shared/corpora); URLs, hashes: its PROVENANCE.md files.
REGISTRY: dict[str, Download] = {
    # The released SeqGAN oracle (Python-3 pickle of 15 float32 arrays).
    "seqgan_oracle/target_params_py3.pkl": Download(
        f"{RAW}/LantaoYu/SeqGAN/{SEQGAN_COMMIT}/save/target_params_py3.pkl",
        "5ac794a695dd6e0eb2bb689f3dfda55e4e0053e8c0399e6242630a95f1e60e8a",
    ),
    # 16,394 Chinese quatrains, one per line, space-separated characters (Texygen data/shi.txt).
    "poems/shi.txt": Download(
        f"{RAW}/geek-ai/Texygen/{TEXYGEN_COMMIT}/data/shi.txt",
        "ac03c5fbb07776f0e43cb1ccfc74732f5313ab3d832df81c8e0db327df35e666",
    ),
    # The paper's Obama corpus; its source publishes only the git blob hash. Not in the mirror.
    "obama/input.txt": Download(
        f"{RAW}/samim23/obama-rnn/{OBAMA_RNN_COMMIT}/input.txt",
        git_blob="11ec5f013964d47a45c55dbc3c9cefd71a6e3172",
    ),
    # A SUBSTITUTE for it (not the paper's data), stored gzipped; the hash is of the uncompressed text.
    "obama/obama_speeches_SUBSTITUTE_tcontois.txt.gz": Download(
        f"{RAW}/tcontois/Obama-Speech-Generator/{OBAMA_SUBSTITUTE_COMMIT}/obama_speeches.txt",
        "9b75d9e3f49fdab420bcdc424b4f02e8462f37e2816f958635ac3255c02f1e63",
        gzip=True,
    ),
    # 1,037 Nottingham MIDI files (melody = track 1), as re-zipped by their uploader.
    "nottingham/Nottingham_midi.zip": Download(
        f"{RAW}/ShakeelRaja/Structured-Augmented-LSTM/{NOTTINGHAM_ZIP_COMMIT}/data/Nottingham.zip",
        "4c1e041f4591949d662073f38097bcaf76cfa537c0f6e68f76bdc2d146ad1f45",
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


def git_blob_of(data: bytes) -> str:
    """The git blob hash of ``data``, as ``git hash-object`` prints it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lookup(name: str) -> Download:
    if name not in REGISTRY:
        raise ValueError(f"unknown download '{name}' (known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[name]


def _mismatch(path: Path, entry: Download) -> str | None:
    """Why ``path`` is not ``entry``'s pinned file ('sha256 ACTUAL does not match the expected EXPECTED'),
    or None when it is."""
    if entry.sha256 is not None and not entry.gzip:
        actual, expected, kind = sha256_of(path), entry.sha256, "sha256"  # streamed: no need to hold the file
    else:
        data = path.read_bytes()
        if entry.gzip:  # the hash covers the uncompressed content
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError; truncation an EOFError
                return f"not a complete gzip file ({err}); expected {entry.expected}"
        if entry.sha256 is not None:
            actual, expected, kind = hashlib.sha256(data).hexdigest(), entry.sha256, "sha256"
        else:
            actual, expected, kind = git_blob_of(data), entry.git_blob, "git blob hash"
    if actual == expected:
        return None
    return f"{'uncompressed ' if entry.gzip else ''}{kind} {actual} does not match the expected {expected}"


def verify(path: str | Path, name: str) -> None:
    """Raise ChecksumError naming the file, both hashes and the remedy unless ``path`` is ``name``'s pinned file.

    Every download is checked again where it is used (the oracle, each corpus), not only when fetched: a
    file edited or replaced in results/downloads/ since then is refused, and deleting it makes the next run
    fetch it again.
    """
    entry = lookup(name)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected {name}, {entry.expected})")
    why = _mismatch(path, entry)
    if why is not None:
        raise ChecksumError(
            f"{path}: {why} for {name}, so it is not the pinned file (changed since it was fetched?): delete it"
            f" and the workflow fetches it again (or: python -m seqgan fetch {name} --out {path})"
        )


def fetch(name: str, out: str | Path, mirror: str | Path | None = None) -> Path:
    """Copy ``name`` from ``mirror`` (if given) or download its pinned URL to ``out``, verified, atomically."""
    source = lookup(name)
    out = Path(out)
    with atomic_path(out) as tmp:
        if mirror is not None:
            local = Path(mirror) / name
            if not local.is_file():
                raise FileNotFoundError(
                    f"{local}: not in the mirror directory {mirror} (expected {name}, {source.expected})"
                )
            shutil.copyfile(local, tmp)
            where, remedy = local, f"replace the mirror's copy with the file from {source.url}"
        else:
            try:
                with urllib.request.urlopen(source.url, timeout=60) as response, open(tmp, "wb") as f:
                    shutil.copyfileobj(response, f)
            except OSError as err:  # URLError, HTTPError and timeouts are OSErrors
                raise OSError(f"{source.url}: download of {name} failed ({err}); set corpora.mirror offline") from err
            if source.gzip:
                # mtime=0 and no file name in the header: the same content always gives the same bytes.
                tmp.write_bytes(gzip.compress(tmp.read_bytes(), compresslevel=9, mtime=0))
            where, remedy = source.url, "the server sends other content: fetch it from a mirror (corpora.mirror)"
        why = _mismatch(tmp, source)  # the copy is checked, but named after what the user can fix
        if why is not None:
            raise ChecksumError(f"{where}: {why} for {name}; nothing written to {out}: {remedy}")
    return out
