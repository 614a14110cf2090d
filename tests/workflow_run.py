"""Snakemake in a scratch copy of the workflow files (never in the checkout, so a results/ folder there is
left alone), with the checkout's ``seqgan`` first on PYTHONPATH. Shared by the workflow tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "profiles", ".test")


def copy_workflow(folder: Path) -> Path:
    """A copy of the workflow files in ``folder``, to run Snakemake in."""
    for name in WORKFLOW_FILES:
        source, target = REPO / name, folder / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return folder


def snakemake(cwd: Path, *args: str, timeout: float = 300) -> tuple[int, str]:
    """Run Snakemake; return its exit status and its stdout + stderr (it logs to both)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # The rules call `python`: make it this interpreter, whatever PATH the test runner had.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, result.stdout + result.stderr
