"""What the machine gives the training and evaluation jobs, decided once when Snakemake plans the workflow
(workflow/rules/common.smk): the GPUs local jobs may use, the device the rules pass as ``--device``, how many
GPU jobs run at once, and the threads of each job.

A local run looks at this machine: ``CUDA_VISIBLE_DEVICES`` when it is set, else ``nvidia-smi`` (no torch:
the Snakefile imports this module, and CUDA must not be initialised in the planning process). A cluster run
(a remote executor such as SLURM: Snakemake was given ``--jobs`` as its number of nodes) plans on a login
node whose GPUs say nothing about the compute nodes: each job asks the scheduler for its GPU, and
``device: auto`` is resolved by each job on its node (seqgan/device.py).

Standard library only. The config has passed its schema (seqgan/config/schema.yaml) before it gets here;
this module checks only what needs the machine, e.g. ``device: cuda`` where there is no GPU.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

# Threads of each job on a cluster with `threads: auto` (sbatch --cpus-per-task): the planning host's cores
# say nothing about the nodes' cores, so a fixed value, the one the training rules had before `threads`.
CLUSTER_THREADS = 4
NVIDIA_SMI_TIMEOUT_S = 10  # a hung driver must not hang planning


class PlanError(ValueError):
    """The config asks for what this machine cannot give (one line naming the key)."""


@dataclass(frozen=True)
class GpuListing:
    """The GPUs of this machine, as CUDA_VISIBLE_DEVICES takes them, and where that came from (for the log)."""

    ids: tuple[int, ...]
    source: str


def _is_index(text: str) -> bool:
    return text.isascii() and text.isdigit()  # not str.isdigit alone: "²" is a digit that int() refuses


def _from_visible_devices(value: str) -> GpuListing:
    """CUDA's own reading of the variable: the indices up to the first entry that is not one (CUDA stops at an
    invalid entry, so "-1" hides every GPU and "" is none). UUIDs and MIG names are not indices that a job's
    CUDA_VISIBLE_DEVICES could be set to here, so they end the list too (with a word in the log)."""
    ids: list[int] = []
    stop = ""
    for entry in (part.strip() for part in value.split(",")) if value.strip() else ():
        if not _is_index(entry):
            stop = f"; stopped at {entry!r}, not a GPU index" if entry != "-1" else ""
            break
        if int(entry) not in ids:
            ids.append(int(entry))
    return GpuListing(tuple(ids), f"CUDA_VISIBLE_DEVICES={value!r}{stop}")


def _from_nvidia_smi(path: str) -> GpuListing:
    command = [path, "--query-gpu=index", "--format=csv,noheader"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return GpuListing((), f"nvidia-smi failed (no answer in {NVIDIA_SMI_TIMEOUT_S} s)")
    except OSError as err:
        return GpuListing((), f"nvidia-smi failed ({err.strerror or err})")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not all(_is_index(line) for line in lines):
        said = next((line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()), "")
        why = f"exit {result.returncode}" + (f": {said[:120]}" if said else "")
        return GpuListing((), f"nvidia-smi failed ({why})")
    return GpuListing(tuple(dict.fromkeys(int(line) for line in lines)), "nvidia-smi")


def list_gpus(environ: Mapping[str, str] | None = None) -> GpuListing:
    """This machine's GPUs without torch: ``CUDA_VISIBLE_DEVICES`` when set (also when empty: no GPU), else
    ``nvidia-smi`` when it is on ``PATH``, else none. A failing nvidia-smi means none, and the listing says so."""
    environ = os.environ if environ is None else environ
    if "CUDA_VISIBLE_DEVICES" in environ:
        return _from_visible_devices(environ["CUDA_VISIBLE_DEVICES"])
    path = shutil.which("nvidia-smi", path=environ.get("PATH", os.defpath))
    if path is None:
        return GpuListing((), "no nvidia-smi on PATH and CUDA_VISIBLE_DEVICES unset")
    return _from_nvidia_smi(path)


def auto_threads(cores: int) -> int:
    """Threads of each training or evaluation job for ``threads: auto``, given the cores Snakemake may use.

    A quarter of the cores, at least 1 and at most 4: the workflow has many independent jobs (every method,
    seed and corpus), and our models are small (32-wide LSTMs, 64-row batches), so torch's intra-op threads
    get short parallel regions that gain little past a few threads, while a job beside them gains a whole
    share. So at least four jobs run side by side wherever there are four cores, each with up to 4 threads:
    2 cores -> 1 thread (2 jobs), 8 -> 2 (4 jobs), 16 -> 4 (4 jobs), 64 -> 4 (16 jobs). Above 2 threads this
    is a judgement, not a measurement (bench/ measures 2 threads)."""
    return max(1, min(4, cores // 4))


@dataclass(frozen=True)
class Plan:
    """How the training and evaluation jobs run, decided once (see ``plan``)."""

    device: str  # what the rules pass as --device: cpu or cuda; on a cluster with device: auto, auto
    gpus_per_job: int  # each GPU job's `gpu` resource: 1 on a GPU plan, else 0 (no GPU asked for)
    gpus: tuple[int, ...]  # the GPU ids local jobs share out (python -m seqgan.gpu_slots); () otherwise
    jobs_per_gpu: int
    threads: int
    cluster: bool
    summary: str  # the planning log line

    @property
    def gpu_slots(self) -> int:
        """GPU jobs that may run at once on this machine: Snakemake's global `gpu` resource of a local run."""
        return len(self.gpus) * self.jobs_per_gpu


def _threads(config: Mapping, cores: int | None, cluster: bool) -> tuple[int, str]:
    threads = config["threads"]
    if threads != "auto":
        return threads, "threads: " + str(threads)
    if cluster:
        return CLUSTER_THREADS, "threads: auto on a cluster"
    cores = cores or os.cpu_count() or 1
    return auto_threads(cores), f"threads: auto, {cores} core{'s' if cores != 1 else ''}"


def _chosen_gpus(config: Mapping, listing: GpuListing) -> tuple[int, ...]:
    """The GPUs of ``gpus`` (all, or a list that must be on this machine)."""
    if config["gpus"] == "all":
        return listing.ids
    missing = [gpu for gpu in config["gpus"] if gpu not in listing.ids]
    if missing:
        raise PlanError(
            f"config key 'gpus': GPU {missing[0]} is not on this machine (GPUs {list(listing.ids)}, from"
            f" {listing.source}); list some of those, or set gpus: all"
        )
    return tuple(config["gpus"])


def plan(config: Mapping, cores: int | None, cluster: bool, environ: Mapping[str, str] | None = None) -> Plan:
    """Decide the device, the GPUs and the threads of the training and evaluation jobs.

    ``config``: the validated workflow config (keys device, gpus, jobs_per_gpu, threads); ``cores``: what
    Snakemake may use (--cores; None: this machine's); ``cluster``: a remote executor submits the jobs;
    ``environ``: where to look for CUDA_VISIBLE_DEVICES and nvidia-smi (default: this process's).

    Local: ``device: auto`` is cuda when the chosen GPUs are not empty, else cpu; ``cuda`` without a GPU is a
    PlanError. Cluster: the GPUs of this host are not looked at; any device but cpu asks the scheduler for one
    GPU per job, and auto is left to each job's node."""
    device = config["device"]
    threads, threads_why = _threads(config, cores, cluster)
    per_gpu = config["jobs_per_gpu"]
    threads_words = f"{threads} thread{'s' if threads != 1 else ''} per job ({threads_why})"
    if cluster:
        gpus_per_job = 0 if device == "cpu" else 1
        gpu_words = "no GPU asked for" if device == "cpu" else "one GPU per job from the scheduler"
        summary = (
            f"cluster run: device {device} (each job resolves auto on its node)"
            if device == "auto"
            else f"cluster run: device {device}"
        )
        summary += f", {gpu_words}; {threads_words}; gpus and jobs_per_gpu not used"
        return Plan(device, gpus_per_job, (), per_gpu, threads, True, summary)
    if device == "cpu":
        return Plan("cpu", 0, (), per_gpu, threads, False, f"device cpu (device: cpu); {threads_words}")
    listing = list_gpus(environ)
    gpus = _chosen_gpus(config, listing)
    if not gpus:
        why = "gpus: []" if config["gpus"] == [] else listing.source
        if device == "cuda":
            raise PlanError(
                f"config key 'device': cuda, but local jobs have no GPU ({why}); set device: auto or cpu, or run"
                " on a cluster (--workflow-profile profiles/slurm)"
            )
        return Plan("cpu", 0, (), per_gpu, threads, False, f"device cpu (device: auto; no GPU: {why}); {threads_words}")
    summary = (
        f"device cuda (device: {device}); GPUs {list(gpus)} (from {listing.source}), {per_gpu} job(s) per GPU:"
        f" {len(gpus) * per_gpu} GPU job(s) at once; {threads_words}"
    )
    return Plan("cuda", 1, gpus, per_gpu, threads, False, summary)
