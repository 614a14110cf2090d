"""The machine plan (seqgan/resources.py): the GPUs found without torch, the device, the GPU slots and each
job's threads, decided once when Snakemake plans. The workflow's side (what the rules ask for and run) is
tested in test_workflow.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from seqgan import resources
from seqgan.resources import GpuListing, PlanError, auto_threads, list_gpus, plan

REPO = Path(__file__).resolve().parents[1]


def settings(device="auto", gpus="all", jobs_per_gpu=1, threads="auto") -> dict:
    """The workflow config's keys that the plan reads (the rest of the config is not looked at)."""
    return {"device": device, "gpus": gpus, "jobs_per_gpu": jobs_per_gpu, "threads": threads}


def fake_nvidia_smi(folder: Path, script: str) -> dict[str, str]:
    """An environment whose PATH holds only an `nvidia-smi` running `script` (a POSIX shell body)."""
    folder.mkdir(exist_ok=True)
    tool = folder / "nvidia-smi"
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(0o755)
    return {"PATH": str(folder)}


NO_GPU = {"CUDA_VISIBLE_DEVICES": ""}
TWO_GPUS = {"CUDA_VISIBLE_DEVICES": "0,1"}


# ---------------------------------------------------------------------------------------------- listing GPUs


@pytest.mark.parametrize(
    "value, ids",
    [
        ("0,1", (0, 1)),
        ("3", (3,)),
        (" 2, 0 ", (2, 0)),
        ("1,1,2", (1, 2)),
        ("", ()),
        ("-1", ()),
        ("0,-1,1", (0,)),
        ("0,²", (0,)),
    ],
)
def test_gpus_come_from_cuda_visible_devices_as_cuda_reads_it(value, ids):
    """Empty or -1: no GPU (CUDA's reading); an entry that is no index ends the list."""
    listing = list_gpus({"CUDA_VISIBLE_DEVICES": value, "PATH": ""})
    assert listing.ids == ids
    assert listing.source.startswith(f"CUDA_VISIBLE_DEVICES={value!r}")


def test_a_gpu_uuid_ends_the_list_and_the_listing_says_so():
    listing = list_gpus({"CUDA_VISIBLE_DEVICES": "1,GPU-5ab3c2e1,2"})
    assert listing.ids == (1,)
    assert "stopped at 'GPU-5ab3c2e1', not a GPU index" in listing.source


def test_without_cuda_visible_devices_or_nvidia_smi_there_is_no_gpu(tmp_path):
    listing = list_gpus({"PATH": str(tmp_path)})  # an empty folder: no nvidia-smi on PATH
    assert listing == GpuListing((), "no nvidia-smi on PATH and CUDA_VISIBLE_DEVICES unset")


def test_nvidia_smi_lists_the_gpus(tmp_path):
    environ = fake_nvidia_smi(
        tmp_path, 'test "$*" = "--query-gpu=index --format=csv,noheader" || exit 3\necho 0\necho 1'
    )
    assert list_gpus(environ) == GpuListing((0, 1), "nvidia-smi")


def test_a_failing_nvidia_smi_means_no_gpu_and_says_why(tmp_path):
    environ = fake_nvidia_smi(tmp_path, "echo 'NVIDIA-SMI has failed because it could not communicate' >&2\nexit 9")
    listing = list_gpus(environ)
    assert listing.ids == ()
    assert listing.source == ("nvidia-smi failed (exit 9: NVIDIA-SMI has failed because it could not communicate)")


def test_nvidia_smi_output_that_is_not_indices_means_no_gpu(tmp_path):
    listing = list_gpus(fake_nvidia_smi(tmp_path, "echo 'No devices were found'"))
    assert listing.ids == () and "nvidia-smi failed (exit 0: No devices were found)" in listing.source


def test_cuda_visible_devices_wins_over_nvidia_smi(tmp_path):
    environ = fake_nvidia_smi(tmp_path, "echo 0; echo 1; echo 2; echo 3")
    assert list_gpus({**environ, "CUDA_VISIBLE_DEVICES": "2"}).ids == (2,)
    assert list_gpus({**environ, "CUDA_VISIBLE_DEVICES": ""}).ids == ()


# ---------------------------------------------------------------------------------------------- threads


@pytest.mark.parametrize("cores, threads", [(1, 1), (2, 1), (4, 1), (8, 2), (16, 4), (64, 4), (256, 4)])
def test_auto_threads_leave_room_for_several_jobs(cores, threads):
    assert auto_threads(cores) == threads
    assert cores // threads >= min(cores, 4)  # at least four jobs side by side where there are four cores


def test_threads_auto_follow_the_cores_locally_and_are_fixed_on_a_cluster():
    assert plan(settings(), cores=64, cluster=False, environ=NO_GPU).threads == 4
    assert plan(settings(), cores=8, cluster=False, environ=NO_GPU).threads == 2
    assert plan(settings(), cores=2, cluster=False, environ=NO_GPU).threads == 1
    assert plan(settings(), cores=2, cluster=True).threads == resources.CLUSTER_THREADS == 4
    assert plan(settings(threads=3), cores=64, cluster=False, environ=NO_GPU).threads == 3
    assert plan(settings(threads=3), cores=2, cluster=True).threads == 3


# ---------------------------------------------------------------------------------------------- the device


def test_auto_without_a_gpu_is_the_cpu_and_asks_for_none():
    decided = plan(settings(), cores=8, cluster=False, environ=NO_GPU)
    assert (decided.device, decided.gpus_per_job, decided.gpus, decided.gpu_slots) == ("cpu", 0, (), 0)
    assert (
        decided.summary
        == "device cpu (device: auto; no GPU: CUDA_VISIBLE_DEVICES=''); 2 threads per job (threads: auto, 8 cores)"
    )


def test_auto_with_gpus_is_cuda_with_a_slot_per_gpu_and_job():
    decided = plan(settings(jobs_per_gpu=2), cores=8, cluster=False, environ=TWO_GPUS)
    assert (decided.device, decided.gpus_per_job, decided.gpus, decided.gpu_slots) == ("cuda", 1, (0, 1), 4)
    assert "GPUs [0, 1] (from CUDA_VISIBLE_DEVICES='0,1'), 2 job(s) per GPU: 4 GPU job(s) at once" in decided.summary


def test_cpu_ignores_the_gpus(tmp_path):
    environ = {**fake_nvidia_smi(tmp_path, "exit 9"), **TWO_GPUS}
    decided = plan(settings(device="cpu", gpus=[5]), cores=8, cluster=False, environ=environ)
    assert (decided.device, decided.gpus_per_job, decided.gpu_slots) == ("cpu", 0, 0)


def test_listed_gpus_narrow_the_machines():
    decided = plan(settings(gpus=[1]), cores=8, cluster=False, environ=TWO_GPUS)
    assert (decided.device, decided.gpus, decided.gpu_slots) == ("cuda", (1,), 1)
    assert plan(settings(gpus=[]), cores=8, cluster=False, environ=TWO_GPUS).device == "cpu"


def test_a_listed_gpu_the_machine_lacks_is_one_line_naming_the_key():
    with pytest.raises(PlanError) as info:
        plan(settings(gpus=[0, 3]), cores=8, cluster=False, environ=TWO_GPUS)
    assert str(info.value) == (
        "config key 'gpus': GPU 3 is not on this machine (GPUs [0, 1], from CUDA_VISIBLE_DEVICES='0,1');"
        " list some of those, or set gpus: all"
    )


def test_cuda_without_a_gpu_is_one_line_naming_the_key_and_why(tmp_path):
    with pytest.raises(PlanError) as info:
        plan(settings(device="cuda"), cores=8, cluster=False, environ={"PATH": str(tmp_path)})
    message = str(info.value)
    assert message.startswith("config key 'device': cuda, but local jobs have no GPU (no nvidia-smi on PATH")
    assert "\n" not in message
    with pytest.raises(PlanError, match=r"^config key 'device': cuda, but local jobs have no GPU \(gpus: \[\]\)"):
        plan(settings(device="cuda", gpus=[]), cores=8, cluster=False, environ=TWO_GPUS)
    assert plan(settings(device="cuda"), cores=8, cluster=False, environ=TWO_GPUS).device == "cuda"


@pytest.mark.parametrize("device, passed, gpus_per_job", [("auto", "auto", 1), ("cuda", "cuda", 1), ("cpu", "cpu", 0)])
def test_a_cluster_asks_the_scheduler_for_gpus_whatever_the_login_node_has(device, passed, gpus_per_job):
    """Planned on a login node without GPUs: each job asks for one (unless cpu), and auto is left to its node;
    no local slots, so no global limit and no GPU ids handed out."""
    decided = plan(settings(device=device, gpus=[7]), cores=1, cluster=True, environ=NO_GPU)
    assert (decided.device, decided.gpus_per_job, decided.gpus, decided.gpu_slots) == (passed, gpus_per_job, (), 0)
    assert decided.cluster and decided.summary.startswith(f"cluster run: device {device}")


def test_the_module_needs_only_the_standard_library():
    """The Snakefile imports it without torch (nor does it need PyYAML or jsonschema)."""
    code = "import sys, seqgan.resources; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    modules = set(loaded.stdout.split())
    assert "seqgan.resources" in modules
    assert not {m.split(".")[0] for m in modules} & {"torch", "yaml", "jsonschema", "numpy", "snakemake"}
    assert {m for m in modules if m.startswith("seqgan")} == {"seqgan", "seqgan.resources"}
