"""Where a job ran: one small JSON file per training or evaluation job (``--provenance``), written after its
outputs, with its device (and GPU), the precision its discriminator ran in, its CPU threads, host and torch
version. The report reads the records back per job kind (seqgan/report/compute.py).

Reading needs no torch: only ``write`` imports it (and seqgan.atomic, which imports it)."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, fields
from pathlib import Path

DEVICES = ("cpu", "cuda")  # what seqgan.device.resolve gives
PRECISIONS = ("fp32", "bf16")  # what seqgan.device.choose_precision gives


@dataclass(frozen=True)
class JobRecord:
    device: str  # cpu or cuda
    gpu: str | None  # the GPU's name on cuda; None on cpu
    cuda_visible_devices: str | None  # the job's environment (which GPU of the node); None where unset
    precision: str  # the discriminator's resolved precision; fp32 for a job without one (it runs in fp32)
    threads: int  # torch's CPU threads
    host: str
    torch: str  # torch.__version__

    def __post_init__(self):
        """Refuse a record that is not what ``write`` writes, naming the key."""
        if self.device not in DEVICES:
            raise ValueError(f"key 'device': expected one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.device == "cuda" and not (isinstance(self.gpu, str) and self.gpu):
            raise ValueError(f"key 'gpu': expected the GPU's name on cuda, got {self.gpu!r}")
        if self.device == "cpu" and self.gpu is not None:
            raise ValueError(f"key 'gpu': expected null on cpu, got {self.gpu!r}")
        if not (self.cuda_visible_devices is None or isinstance(self.cuda_visible_devices, str)):
            raise ValueError(
                f"key 'cuda_visible_devices': expected a string or null, got {self.cuda_visible_devices!r}"
            )
        if self.precision not in PRECISIONS:
            raise ValueError(f"key 'precision': expected one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if type(self.threads) is not int or self.threads < 1:  # not a bool, which is an int too
            raise ValueError(f"key 'threads': expected a whole number >= 1, got {self.threads!r}")
        for key in ("host", "torch"):
            if not (isinstance(value := getattr(self, key), str) and value):
                raise ValueError(f"key {key!r}: expected a non-empty string, got {value!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


KEYS = tuple(f.name for f in fields(JobRecord))


def write(path: str | Path, device, precision: str) -> JobRecord:
    """Record, atomically at ``path``, that this process ran its job on ``device`` (a torch.device) with the
    discriminator in ``precision``: the GPU's name, CUDA_VISIBLE_DEVICES, torch's threads, host, torch."""
    import torch

    from seqgan import atomic

    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    record = JobRecord(
        device.type, gpu, os.environ.get("CUDA_VISIBLE_DEVICES"), precision, torch.get_num_threads(),
        socket.gethostname(), torch.__version__,
    )  # fmt: skip
    atomic.write_text(path, record.to_json())
    return record


def read(path: str | Path) -> JobRecord:
    """A job record as ``write`` wrote it; errors are one line naming the file (and the key)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: file not found (expected a job record, written by --provenance)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a job record as JSON ({err})") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object (a job record with keys {', '.join(KEYS)})")  # noqa: TRY004
    if missing := [key for key in KEYS if key not in data]:
        raise ValueError(f"{path}: no key {missing[0]!r} (a job record has {', '.join(KEYS)})")
    if unknown := [key for key in data if key not in KEYS]:
        raise ValueError(f"{path}: unexpected key {unknown[0]!r} (a job record has {', '.join(KEYS)})")
    try:
        return JobRecord(**data)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
