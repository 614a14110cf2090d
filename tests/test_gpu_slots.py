"""seqgan.gpu_slots: a GPU id for every job on a local multi-GPU machine (issue 15). No GPU needed: the
module only hands out ids and locks, so real processes (and a real Snakemake run) show what it does."""

from __future__ import annotations

import itertools
import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from seqgan.gpu_slots import parse_gpus, slot_order

REPO = Path(__file__).resolve().parents[1]
WRAP = [sys.executable, "-m", "seqgan.gpu_slots"]
# The job's view: its CUDA_VISIBLE_DEVICES, "unset" when there is none, and its process id.
SHOW = ["sh", "-c", 'echo "<${CUDA_VISIBLE_DEVICES-unset}> $$"']
HOLD = ["sh", "-c", 'echo "$CUDA_VISIBLE_DEVICES"; exec sleep 30']  # exec: the shell's pid holds the lock


def env(**extra: str) -> dict[str, str]:
    """This environment without a scheduler's GPU assignment, with this checkout's seqgan importable."""
    out = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID")}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), out.get("PYTHONPATH")]))
    return out | extra


def line_of(stream, timeout: float = 10) -> str:
    """The next line a child writes, or "" if none comes in time: the test then fails rather than hangs."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else ""


def wrap(*args: str, cwd: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*WRAP, *args], cwd=cwd, env=env(**(extra_env or {})), capture_output=True, text=True, timeout=30, check=False
    )


# --- the pure parts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ids"), [("0", [0]), ("0,1", [0, 1]), ("3, 1", [3, 1])])
def test_parse_gpus(text: str, ids: list[int]):
    assert parse_gpus(text) == ids


@pytest.mark.parametrize("text", ["", "0,", "a", "-1", "1.5", "0,0", "1,01", "²"])
def test_parse_gpus_rejects(text: str):
    with pytest.raises(ValueError, match=r"^argument --gpus: expected a comma list of distinct non-negative"):
        parse_gpus(text)


def test_slot_order_spreads_over_the_gpus():
    d = Path("locks")
    assert slot_order(d, [2, 0], 2) == [
        (2, 0, d / "gpu2.slot0.lock"),
        (0, 0, d / "gpu0.slot0.lock"),
        (2, 1, d / "gpu2.slot1.lock"),
        (0, 1, d / "gpu0.slot1.lock"),
    ]


# --- the command line -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--gpus", "0", "--lock-dir", "locks"], "no CMD"),
        (["--gpus", "0", "--lock-dir", "locks", "--"], "no CMD"),
        (["--gpus", "0,0", "--lock-dir", "locks", "--", "touch", "ran"], "argument --gpus: expected"),
        (["--gpus", "0,-1", "--lock-dir", "locks", "--", "touch", "ran"], "argument --gpus: expected"),
        (["--lock-dir", "locks", "--", "touch", "ran"], "the following arguments are required: --gpus"),
        (
            ["--gpus", "0", "--per-gpu", "0", "--lock-dir", "locks", "--", "touch", "ran"],
            "argument --per-gpu: expected",
        ),
        (
            ["--gpus", "0", "--per-gpu", "two", "--lock-dir", "locks", "--", "touch", "ran"],
            "argument --per-gpu: invalid int value: 'two'",
        ),
        (["--gpus", "0", "--", "touch", "ran"], "the following arguments are required: --lock-dir"),
    ],
)
def test_bad_arguments_stop_before_anything_runs(tmp_path: Path, args: list[str], named: str):
    # Checked even where a scheduler's GPU assignment would make the locks moot: a misspelt rule fails everywhere.
    for extra in ({}, {"SLURM_JOB_ID": "7"}):
        result = wrap(*args, cwd=tmp_path, extra_env=extra)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"gpu slot: {named}"), result.stderr
        assert not (tmp_path / "ran").exists() and not (tmp_path / "locks").exists()


def test_an_unusable_lock_dir(tmp_path: Path):
    (tmp_path / "file").touch()
    result = wrap("--gpus", "0", "--lock-dir", "file/locks", "--", "touch", "ran", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "gpu slot: argument --lock-dir: cannot lock a slot in file/locks (Not a directory)\n"
    assert not (tmp_path / "ran").exists()


def test_job_gets_a_gpu_in_the_wrappers_own_process(tmp_path: Path):
    job = subprocess.Popen(
        [*WRAP, "--gpus", "1,0", "--per-gpu", "2", "--lock-dir", "locks", "--", "sh", "-c", f"{SHOW[2]}; exit 3"],
        cwd=tmp_path,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = job.communicate(timeout=30)
    assert job.returncode == 3  # the job's own exit status
    assert out == f"<1> {job.pid}\n"  # exec'd, not a child: the lock lives and dies with the job's process
    assert err == "gpu slot: job gets GPU 1 (slot 0 of 2), lock locks/gpu1.slot0.lock\n"


SLURM = "SLURM_JOB_ID is set, SLURM assigns the GPUs"


@pytest.mark.parametrize(
    ("extra", "seen", "why"),
    [
        ({"SLURM_JOB_ID": "7"}, "unset", SLURM),
        ({"SLURM_JOB_ID": "7", "CUDA_VISIBLE_DEVICES": "3"}, "3", SLURM),
    ],
)
def test_a_schedulers_gpus_are_left_alone(tmp_path: Path, extra: dict[str, str], seen: str, why: str):
    result = wrap("--gpus", "0,1", "--lock-dir", "locks", "--", *SHOW, cwd=tmp_path, extra_env=extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"<{seen}> ")
    assert result.stderr == f"gpu slot: {why}; running CMD unchanged\n"
    assert not (tmp_path / "locks").exists()


def test_a_visible_devices_list_the_workflow_started_with_is_narrowed_to_one_gpu(tmp_path: Path):
    """`CUDA_VISIBLE_DEVICES=2,3 snakemake ...`: the planner passes --gpus 2,3; each job must see one of them."""
    result = wrap(
        "--gpus", "2,3", "--lock-dir", "locks", "--", *SHOW, cwd=tmp_path, extra_env={"CUDA_VISIBLE_DEVICES": "2,3"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<2> ")
    assert result.stderr.startswith("gpu slot: job gets GPU 2 (slot 0 of 1)")


def test_missing_command(tmp_path: Path):
    result = wrap("--gpus", "0", "--lock-dir", "locks", "--", "no-such-command-here", cwd=tmp_path)
    assert result.returncode == 127
    assert result.stderr.splitlines()[-1] == "gpu slot: cannot run 'no-such-command-here' (No such file or directory)"


# --- real processes ---------------------------------------------------------------------------------------


def test_a_killed_jobs_gpu_is_free_again(tmp_path: Path):
    args = [*WRAP, "--gpus", "0,1", "--per-gpu", "1", "--lock-dir", "locks", "--"]

    def start(cmd: list[str]) -> subprocess.Popen:
        out = subprocess.PIPE
        return subprocess.Popen([*args, *cmd], cwd=tmp_path, env=env(), stdout=out, stderr=out, text=True)

    procs = []
    try:
        procs.append(first := start(HOLD))
        assert line_of(first.stdout) == "0\n"  # printed once its slot is locked
        procs.append(second := start(HOLD))
        assert line_of(second.stdout) == "1\n"  # GPU 0's only slot is taken
        procs.append(third := start(SHOW))
        # Every slot is taken: it says so, then waits.
        assert line_of(third.stderr) == "gpu slot: all 2 slots in locks are taken; waiting\n"
        assert third.poll() is None
        first.send_signal(signal.SIGKILL)  # no cleanup code runs: the kernel releases the lock
        out, err = third.communicate(timeout=10)
        assert out == f"<0> {third.pid}\n" and err.startswith("gpu slot: job gets GPU 0 (slot 0 of 1)")
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


# --- a real Snakemake run ---------------------------------------------------------------------------------

SNAKEFILE = """
import sys

PY = sys.executable
WRAP = "{PY:q} -m seqgan.gpu_slots --gpus 0,1 --per-gpu 1 --lock-dir locks --"


rule all:
    input:
        expand("out/{i}.txt", i=range(6)),
        "out/killed.txt",


rule job:
    output:
        "out/{i}.txt",
    wildcard_constraints:
        i="[0-9]+",
    resources:
        gpu=1,
    shell:
        WRAP + " {PY:q} stub.py {wildcards.i} {output:q}"


rule killed:  # first (priority), so that later jobs can get its GPU
    output:
        "out/killed.txt",
    priority: 1
    resources:
        gpu=1,
    shell:
        WRAP + " {PY:q} stub.py killed {output:q}"
"""

# Records its GPU and when it held it; the `killed` job then dies by SIGKILL, the others write their output.
STUB = """
import json, os, pathlib, signal, sys, time

name, output = sys.argv[1:]
start = time.time()
if name != "killed":
    time.sleep(1)
record = {"gpu": os.environ.get("CUDA_VISIBLE_DEVICES"), "start": start, "end": time.time()}
pathlib.Path("records").mkdir(exist_ok=True)
pathlib.Path("records", name + ".json").write_text(json.dumps(record))
if name == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
pathlib.Path(output).write_text("done")
"""


@pytest.mark.slow
def test_snakemake_jobs_never_share_a_gpu(tmp_path: Path):
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    (tmp_path / "stub.py").write_text(STUB)
    argv = ["--snakefile", "Snakefile", "--directory", str(tmp_path), "--workflow-profile", "none"]
    argv += ["--cores", "4", "--resources", "gpu=2", "--keep-going", "--scheduler", "greedy"]
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *argv],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert log.count("Error in rule") == 1 and "Error in rule killed:" in log, log
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{i}.txt" for i in range(6)], log

    records = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "records").iterdir()}
    assert sorted(records) == sorted([*map(str, range(6)), "killed"]), log
    assert {r["gpu"] for r in records.values()} == {"0", "1"}, records  # every job got one, and both were used
    for gpu in ("0", "1"):
        held = sorted((r["start"], r["end"]) for r in records.values() if r["gpu"] == gpu)
        assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(held)), (gpu, held)
    killed = records.pop("killed")
    assert any(r["gpu"] == killed["gpu"] and r["start"] > killed["end"] for r in records.values()), records
