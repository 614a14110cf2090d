"""The tiny ``.test`` workflow, run once for real, and its outputs checked: every file, the tables, the report
page (also in headless Chromium), a rerun with nothing to do, the plans after a changed config value, and
``snakemake --report``.

The run: ``$SEQGAN_TINY_RUN`` names a finished one (CI: the run ``.ci/run`` makes through its one-node SLURM
cluster); unset, the ``tiny_run`` fixture makes it once per session, locally, in a temporary copy of the
workflow (about 6 minutes on 2 cores). Either way the run's directory holds the workflow files and a
``mirror.yaml`` pointing at the corpora mirror, and was run with ``CONFIG_ARGS`` (plus the cores, and CI's
cluster flags, which change no output). All tests here are ``slow``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from workflow_run import copy_workflow, snakemake

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# The config of the run (the .test config sets `device: cpu`, which CI's `--config device=cpu` repeats).
CONFIG_ARGS = ("--configfile", ".test/config/config.yaml", "mirror.yaml")
TEST_CONFIG = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())
SEEDS = tuple(TEST_CONFIG["seeds"])
CORPORA = ("poems", "obama", "music")
TABLE1_RUNS = (
    "random_untrained_generator", "random_uniform_tokens", "mle", "scheduled_sampling", "pg_bleu", "seqgan",
    "constant_reward",
)  # fmt: skip
SYNTHETIC_RUNS = ("pretrain", *TABLE1_RUNS, "strategy_a")  # every run with a curve (Figure 3: strategy a)
CORPUS_RUNS = (*(f"seed{seed}/{method}" for seed in SEEDS for method in ("mle", "seqgan")), "real")
NEW_STRATEGY = {"name": "e", "g_steps": 2, "d_steps": 1, "k_epochs": 1, "iterations": 2}


def expected_outputs() -> list[str]:
    """Every output of the tiny workflow, by path (logs and benchmarks aside: the report counts those)."""
    synthetic = "results/synthetic"
    paths = [f"{synthetic}/config/{step}.json" for step in ("oracle", "pretrain", "seqgan", "strategy_a", "report")]
    paths += [f"{synthetic}/oracle/{name}.pt" for name in ("oracle", "train", "test")]
    paths += [f"{synthetic}/{name}" for name in ("table1.csv", "table1.md", "curves.csv")]
    paths += [f"{synthetic}/figure{n}.{ext}" for n in (2, 3) for ext in ("png", "svg")]
    for seed in SEEDS:
        paths += [
            f"{synthetic}/seed{seed}/pretrain/{name}" for name in ("generator.pt", "curve.csv", "discriminator.pt")
        ]
        paths += [
            f"{synthetic}/seed{seed}/{run}/{name}"
            for run in (*TABLE1_RUNS, "strategy_a")
            for name in ("generator.pt", "best.pt", "curve.csv", "nll_final.csv", "nll_best.csv")
        ]
        paths += [f"{synthetic}/seed{seed}/{run}/discriminator.pt" for run in ("seqgan", "strategy_a")]
    for corpus in CORPORA:
        folder = f"results/{corpus}"
        paths += [f"{folder}/data/{name}" for name in ("train.pt", "test.pt", "vocab.json", "summary.json")]
        paths += [f"{folder}/{name}" for name in ("table.csv", "table.md")]
        paths += [
            f"{folder}/{run}/{name}" for run in CORPUS_RUNS for name in ("scores.csv", "metrics.json", "samples.txt")
        ]
        for seed in SEEDS:
            paths += [
                f"{folder}/seed{seed}/pretrain/{name}" for name in ("generator.pt", "curve.csv", "discriminator.pt")
            ]
            paths += [
                f"{folder}/seed{seed}/{method}/{name}"
                for method in ("mle", "seqgan")
                for name in ("generator.pt", "curve.csv")
            ]
            paths += [f"{folder}/seed{seed}/seqgan/discriminator.pt"]
    paths += ["results/music/data/valid.pt"]  # the original Nottingham split has one
    paths += [f"results/music/{run}/{name}" for run in CORPUS_RUNS for name in ("piano_roll.png", "midi/sample1.mid")]
    paths += [f"results/report/{name}" for name in ("config.json", "report.md", "index.html", "real_data.png")]
    return paths


@pytest.fixture(scope="session")
def tiny_run(request, tmp_path_factory) -> Path:
    """The directory of a finished tiny run: ``$SEQGAN_TINY_RUN``, else one made here (once per session)."""
    named = os.environ.get("SEQGAN_TINY_RUN")
    if named:
        path = Path(named).resolve()
        if not (path / "mirror.yaml").is_file() or not (path / "results").is_dir():
            pytest.fail(f"SEQGAN_TINY_RUN={named}: not a finished tiny run (expected mirror.yaml and results/ there)")
        return path
    mirror = request.getfixturevalue("mirror")
    path = copy_workflow(tmp_path_factory.mktemp("tiny_run"))
    (path / "mirror.yaml").write_text(yaml.safe_dump({"corpora": {"mirror": str(mirror.resolve())}}))
    status, out = snakemake(path, "--cores", "2", *CONFIG_ARGS, timeout=1800)
    if status != 0:
        pytest.fail(f"the tiny workflow failed (exit {status}):\n{out[-5000:]}", pytrace=False)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def planned_outputs(output: str) -> set[str]:
    """Every output file of the jobs a dry run lists (its ``output:`` lines)."""
    return {path for line in re.findall(r"^\s+output: (.+)$", output, re.MULTILINE) for path in line.split(", ")}


def test_every_output_is_there_and_not_empty(tiny_run):
    missing = [path for path in expected_outputs() if not (tiny_run / path).is_file()]
    assert not missing
    empty = [path for path in expected_outputs() if (tiny_run / path).stat().st_size == 0]
    assert not empty
    # Strategy b equals the `adversarial` settings: Figure 3 reuses the seqgan run, no strategy_b job.
    assert not (tiny_run / "results/synthetic/seed1/strategy_b").exists()


def test_a_rerun_has_nothing_to_do(tiny_run):
    status, out = snakemake(tiny_run, "-n", "--cores", "2", *CONFIG_ARGS)
    assert status == 0, out
    assert "Nothing to be done" in out, out


def test_synthetic_curves_and_table1(tiny_run):
    for seed in SEEDS:
        for run in SYNTHETIC_RUNS:
            rows = read_csv(tiny_run / f"results/synthetic/seed{seed}/{run}/curve.csv")
            assert rows, (seed, run)
            assert all(math.isfinite(float(row["nll_oracle"])) for row in rows), (seed, run)
    table = {row["method"]: row for row in read_csv(tiny_run / "results/synthetic/table1.csv")}
    assert list(table) == list(TABLE1_RUNS)
    assert all(row["n_seeds"] == str(len(SEEDS)) for row in table.values())
    assert table["seqgan"]["p_value"] == "" and table["mle"]["p_value"] != ""
    curves = {(row["method"], row["seed"]) for row in read_csv(tiny_run / "results/synthetic/curves.csv")}
    assert curves == {(run, str(seed)) for run in ("pretrain", *TABLE1_RUNS) for seed in SEEDS}


def test_corpus_tables_and_the_obama_substitute(tiny_run):
    for corpus in CORPORA:
        rows = [(row["basis"], row["method"]) for row in read_csv(tiny_run / f"results/{corpus}/table.csv")]
        assert rows == [(basis, m) for basis in ("paper", "leak_free") for m in ("mle", "seqgan", "real")], corpus
    # The mirror holds the Obama substitute, and its outputs say so.
    assert json.loads((tiny_run / "results/obama/data/summary.json").read_text())["name"] == "obama_SUBSTITUTE"
    assert "SUBSTITUTE" in (tiny_run / "results/obama/table.md").read_text()


def test_report_counts_every_job_and_shows_where_each_ran(tiny_run):
    report = (tiny_run / "results/report/report.md").read_text(encoding="utf-8")
    # The report counts every job's benchmark file (the rules declare them; this checks it finds them all).
    benchmarks = len(list((tiny_run / "benchmarks").rglob("*.tsv")))
    assert benchmarks > 0
    assert re.search(rf"\b{benchmarks} jobs\b", report), benchmarks
    # Each training job recorded where it ran (one per seed): the compute table shows device, the precision
    # `auto` resolved to on this machine, threads (.test: 1) and host; a dash for jobs that train nothing.
    for job in ("synthetic/seqgan", "music/pretrain_discriminator", "synthetic/pretrain"):
        row = rf"^\| {job} \| [^|]+ \| {len(SEEDS)} \|.* \| cpu \| (fp32|bf16) \| 1 \| [^|]+ \|$"
        assert re.search(row, report, re.MULTILINE), job
    assert re.search(r"^\| synthetic/oracle \| oracle \| 1 \|.* \| – \| – \| – \| – \|$", report, re.MULTILINE)
    assert re.search(r"Preset\W+test\b", report) and "obama_SUBSTITUTE" in report
    # The page renders our writers' Markdown completely: no markup left outside code.
    html = (tiny_run / "results/report/index.html").read_text(encoding="utf-8")
    text = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.DOTALL)
    assert "**" not in text and "`" not in text and "|---" not in text and "](" not in text


def test_report_page_opens_in_headless_chromium(tiny_run, chromium):
    """Six images (Figures 2 and 3, the real-data bars, the piano rolls of MLE, SeqGAN and the real data)."""
    checker = REPO / ".ci" / "check_page_in_chromium.py"
    page = tiny_run / "results/report/index.html"
    result = subprocess.run(
        [sys.executable, str(checker), str(page), "--min-images", "6"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "change, reruns",
    [
        # Read by every run with a curve, the pretraining among them: everything downstream of it.
        ({"synthetic": {"eval": {"every": 2}}}, SYNTHETIC_RUNS),
        # A new Figure 3 strategy: trains that strategy only.
        ({"synthetic": {"strategies": [*TEST_CONFIG["synthetic"]["strategies"], NEW_STRATEGY]}}, ("strategy_e",)),
        ({"synthetic": {"pg_bleu": {"max_n": 2}}}, ("pg_bleu",)),
    ],
    ids=["eval-every", "new-strategy", "pg-bleu-max-n"],
)
def test_a_changed_config_value_reruns_exactly_the_runs_that_read_it(tiny_run, tmp_path, change, reruns):
    override = tmp_path / "override.yaml"
    override.write_text(yaml.safe_dump(change))
    status, out = snakemake(tiny_run, "-n", "--cores", "2", *CONFIG_ARGS, str(override))
    assert status == 0, out
    planned = planned_outputs(out)
    runs = {
        "/".join(Path(path).parts[2:4]) for path in planned if re.match(r"results/synthetic/seed\d+/", path)
    }  # seedN/RUN
    assert runs == {f"seed{seed}/{run}" for seed in SEEDS for run in reruns}, sorted(planned)
    assert not any(path.startswith("results/synthetic/oracle/") for path in planned), sorted(planned)
    assert not any(path.startswith(tuple(f"results/{corpus}/" for corpus in CORPORA)) for path in planned)
    assert "results/report/index.html" in planned  # the page shows the config


def test_snakemake_report_builds_from_the_finished_run(tiny_run, tmp_path):
    status, out = snakemake(tiny_run, "--cores", "2", *CONFIG_ARGS, "--report", str(tmp_path / "report.zip"))
    assert status == 0, out
    assert (tmp_path / "report.zip").stat().st_size > 0
