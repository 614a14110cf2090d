"""Atomic file writes: a reader sees the old file or the complete new one, never a half-written one."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

import torch


class WriteError(OSError):
    """A file that could not be written (disk full, no permission, ...): one line naming it and the OS's reason."""

    def __init__(self, path: str | Path, reason: OSError):
        self.reason = reason.strerror or str(reason)
        super().__init__(reason.errno, f"{path}: cannot write ({self.reason})", str(path))

    def __str__(self) -> str:
        return self.strerror  # one line, without the "[Errno N]" prefix


def os_reason(err: BaseException) -> OSError | None:
    """The OSError behind ``err``: itself, or one it was raised from or while handling. torch.save turns a
    failed write (disk full) into a RuntimeError ("unexpected pos ...") raised while handling the OSError."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, OSError):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


# Errors of a write whatever the code around it does: the disk or quota is full, the file too large.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@contextlib.contextmanager
def cannot_write(path: str | Path, disk_full_only: bool = False, inner: bool = False):
    """Raise an OS error in the block (or a torch error caused by one, as a failed torch.save) as one
    WriteError naming ``path``. With ``disk_full_only``, only a full disk or quota (the block also reads,
    e.g. a mirror's copy: its errors stay its own); with ``inner``, a WriteError of a file inside ``path``
    (a temporary directory's) is raised as one of ``path``."""
    try:
        yield
    except WriteError as err:
        if not inner:
            raise
        raise WriteError(path, OSError(err.errno, err.reason)) from err
    except (OSError, RuntimeError) as err:
        reason = os_reason(err)
        if reason is None or (disk_full_only and reason.errno not in DISK_FULL):
            raise
        raise WriteError(path, reason) from err


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds. A failed
    write (disk full, no permission) leaves no partial file and raises one WriteError naming ``path``."""
    path = Path(path)
    with cannot_write(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    try:
        with cannot_write(path, disk_full_only=True):
            yield Path(tmp)
        with cannot_write(path):
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_dir(path: str | Path):
    """Yield a temporary directory beside ``path``; it replaces ``path`` only if the block succeeds. A failed
    write of a file in it is raised as one WriteError naming ``path``."""
    path = Path(path)
    with cannot_write(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        with cannot_write(path, disk_full_only=True, inner=True):
            yield tmp
        with cannot_write(path):
            os.chmod(tmp, 0o777 & ~_umask())
            if path.exists():
                shutil.rmtree(path)
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp, cannot_write(path):
        tmp.write_text(text, encoding="utf-8")  # not the locale's: vocabularies hold Chinese characters


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as tmp, cannot_write(path):
        tmp.write_bytes(data)


def save_torch(obj, path: str | Path) -> None:
    # Save through a file object: given a path, torch names the archive's inner folder after the
    # (random) temp name, and identical runs would write different bytes.
    # A full disk makes torch.save raise a RuntimeError ("unexpected pos") while handling the OSError:
    # cannot_write reports the OSError's reason, naming ``path``.
    with atomic_path(path) as tmp, cannot_write(path), open(tmp, "wb") as f:
        torch.save(obj, f)


def load_torch(path: str | Path):
    """Load a file we wrote ourselves; tensors and plain containers only (no arbitrary unpickling)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for corrupt/truncated files
        raise ValueError(f"{path}: not a readable torch file ({err})") from err
