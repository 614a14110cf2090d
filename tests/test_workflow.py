"""The workflow around the library: bad configs, lint, the plan.

Every Snakemake call runs in a temporary copy of the workflow files (never in the checkout, so a
results/ folder there is left alone), with the checkout's ``seqgan`` first on PYTHONPATH. The config's
schema and typed config are tested in test_config.py; the real run of the tiny workflow in test_tiny_run.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from workflow_run import copy_workflow, snakemake

# Every test here runs Snakemake (or snakefmt): seconds each.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PER_SEED_RULES = ("pretrain", "pretrain_discriminator")
# Jobs per seed of the other rules, for the paper's config: Random twice (two definitions), MLE and SS,
# PG-BLEU and the control, and SeqGAN with three Figure 3 strategies (the fourth is SeqGAN's own run).
PAPER_JOBS_PER_SEED = {"random": 2, "mle": 1, "scheduled_sampling": 1, "pg_bleu": 1, "constant_reward": 1, "seqgan": 4}


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text())


# --- Snakemake itself ----------------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return copy_workflow(tmp_path)


def override(workdir: Path, data: dict) -> str:
    path = workdir / "override.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path.name)


def planned_shells(output: str) -> list[tuple[str, list[str]]]:
    """(rule, words of its shell command) of every planned job with one (a dry run with -p)."""
    jobs = re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?Shell command: (.+)$", output, re.MULTILINE)
    return [(rule, shlex.split(command)) for rule, command in jobs if command != "None"]


def planned_commands(output: str) -> list[tuple[str, list[str]]]:
    """(rule, words of its command) of every planned job that calls the CLI, after the GPU slot prefix of a
    local GPU job (`python -m seqgan.gpu_slots ... --`), if any."""
    commands = []
    for rule, words in planned_shells(output):
        if words[:3] == ["python", "-m", "seqgan.gpu_slots"]:
            words = words[words.index("--") + 1 :]
        if words[:3] == ["python", "-m", "seqgan"]:
            commands.append((rule, words))
    return commands


def job_block(output: str, rule: str) -> str:
    """The dry run's lines of the first planned job of `rule`."""
    return output.split(f"\nrule {rule}:\n", 1)[1].split("\n\n", 1)[0]


def batches(output: str) -> list[list[str]]:
    """The rules of each batch of jobs that Snakemake started together: in a --touch run (no job runs, but
    the scheduler selects jobs within the resources as in a real run) one per 'Select jobs to execute'."""
    parts = output.split("Select jobs to execute...")[1:]
    return [re.findall(r"^(?:local)?rule (\w+):$", part, re.MULTILINE) for part in parts]


def planned_jobs(output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    table = output.split("Job stats:", 1)[1]
    counts = {}
    for line in table.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


# (b) a bad config stops Snakemake before any job, naming the key. What the package rejects is tested in
# test_config.py; here, one case of each kind of check: a key, a value, a rule across keys.
@pytest.mark.parametrize(
    "data, expected",
    [
        ({"synthetic": {"pretrain": {"epoch": 3}}}, "unknown config key 'synthetic.pretrain.epoch'"),
        ({"synthetic": {"discriminator": {"dropout": 1.5}}}, "config key 'synthetic.discriminator.dropout'"),
        (
            {"synthetic": {"scheduled_sampling": {"start": 0.5, "floor": 0.6}}},
            "config keys 'synthetic.scheduled_sampling.start/floor'",
        ),
    ],
    ids=["unknown-key", "out-of-range", "floor-above-start"],
)
def test_bad_config_stops_snakemake_before_any_job_naming_the_key(workdir, data, expected):
    status, out = snakemake(workdir, "-n", "--cores", "1", "--configfile", override(workdir, data))
    assert status != 0
    assert "invalid config" in out and expected in out, out
    assert not (workdir / "results").exists()


# (c) lint and format
def test_snakemake_lint_is_clean(workdir):
    status, out = snakemake(workdir, "--lint")
    assert status == 0, out


def test_snakefmt_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow"],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# (d) the plan of the paper's experiment
@pytest.fixture(scope="module")
def paper_plan(tmp_path_factory) -> tuple[Path, str]:
    """A workflow copy with the paper's config, and its dry run with every job's command."""
    workdir = copy_workflow(tmp_path_factory.mktemp("paper"))
    status, out = snakemake(workdir, "-n", "-p", "--cores", "1")
    assert status == 0, out
    return workdir, out


def test_paper_config_plans_every_experiment(paper_plan):
    _, out = paper_plan
    jobs = planned_jobs(out)
    seeds = 3  # the paper config: mean ± std and per-seed t-tests over three seeds
    for rule in PER_SEED_RULES:
        assert jobs.get(rule) == seeds, (rule, jobs)
    for rule in ("report_synthetic", "report_strategies", "oracle"):
        assert jobs.get(rule) == 1, (rule, jobs)
    # One config file per step: oracle, the two pretrainings, the six Table 1 methods (Random's two
    # definitions share one), strategies a-c, and the reports'; per corpus its preprocessing, the two
    # pretrainings, mle, seqgan, evaluate and quality_diversity; music's rendering; quality_diversity's.
    assert jobs["step_config"] == 14 + 3 * 7 + 1, jobs
    per_corpus = {
        "corpus": 1, "corpus_pretrain": seeds, "corpus_pretrain_discriminator": seeds, "corpus_mle": seeds,
        "corpus_seqgan": seeds, "corpus_evaluate": 2 * seeds, "corpus_evaluate_real": 1, "report_corpus": 1,
        "corpus_quality_diversity": 2 * seeds,
    }  # fmt: skip
    assert all(jobs[rule] == 3 * count for rule, count in per_corpus.items()), jobs
    assert jobs["render_music"] == 2 * seeds and jobs["render_music_real"] == 1, jobs  # MLE, SeqGAN; real data
    assert jobs["report_config"] == 1 and jobs["report_page"] == 1, jobs
    assert jobs["quality_diversity"] == 5 * seeds, jobs  # MLE, SS, PG-BLEU, SeqGAN, the control
    assert jobs["report_quality_diversity"] == 4, jobs  # the synthetic experiment and each corpus
    assert jobs["fetch"] == 4, jobs  # the released oracle and the three corpora
    assert "results/downloads/obama/input.txt" in out  # the paper's Obama corpus, not the substitute
    for rule, count in PAPER_JOBS_PER_SEED.items():
        assert jobs.get(rule) == seeds * count, (rule, jobs)
    assert "results/synthetic/seed1/strategy_d" not in out  # (1, 5, 3) x 200 is the seqgan run itself


def test_plan_scales_with_seeds_and_fetches_only_for_the_released_oracle(workdir):
    data = {"seeds": [3, 5, 7], "synthetic": {"oracle": {"source": "random"}}}
    status, out = snakemake(workdir, "-n", "--cores", "1", "synthetic", "--configfile", override(workdir, data))
    assert status == 0, out
    jobs = planned_jobs(out)
    assert all(jobs[rule] == 3 for rule in PER_SEED_RULES), jobs
    assert all(jobs[rule] == 3 * count for rule, count in PAPER_JOBS_PER_SEED.items()), jobs
    assert "fetch" not in jobs
    assert "--seed 7" in out


def test_mirror_is_passed_to_fetch(workdir):
    data = {"corpora": {"mirror": "../shared corpora"}}
    status, out = snakemake(workdir, "-n", "-p", "--cores", "1", "--configfile", override(workdir, data))
    assert status == 0, out
    assert "--mirror '../shared corpora'" in out
    assert "--params results/downloads/seqgan_oracle/target_params_py3.pkl" in out


def test_scheduled_sampling_from_scratch_plans_no_pretraining(workdir):
    """The paper-era preset starts Scheduled Sampling from the seed's untrained generator: its job has no
    pretrained generator input (nor --init), and its run alone plans no pretraining. The default has both."""
    run = "results/synthetic/seed1/scheduled_sampling/curve.csv"
    preset = ("--configfile", "config/presets/paper_era_baselines.yaml")
    for args, pretrained in (((), True), (preset, False)):
        status, out = snakemake(workdir, "-n", "-p", "--cores", "1", run, *args)
        assert status == 0, out
        (words,) = [words for rule, words in planned_commands(out) if rule == "scheduled_sampling"]
        assert ("--init" in words) == pretrained, words
        assert ("results/synthetic/seed1/pretrain/generator.pt" in out) == pretrained, out
        assert ("pretrain" in planned_jobs(out)) == pretrained, out


# (e) one name per step (rule, CLI verb, config file), and each step's config file holds what it reads
REAL_DATA_RULES = {"corpus_evaluate_real": "evaluate", "render_music_real": "render_music"}  # rule -> its step


def test_one_name_per_step_across_rule_verb_and_config_file(paper_plan):
    _, out = paper_plan
    commands = planned_commands(out)
    assert len(commands) > 100, out
    for rule, words in commands:
        # A corpus_ rule is its step on a real corpus; the rule `report` is the page's named target.
        step = REAL_DATA_RULES.get(rule, rule if rule == "corpus" else rule.removeprefix("corpus_"))
        step = "report" if rule == "report_page" else step
        assert words[3].replace("-", "_") == step, (rule, words)
        config = Path(words[words.index("--config") + 1]) if "--config" in words else None
        if config is None or config.parent.name != "config":
            continue  # no config (fetch, report-corpus), or the whole config (report)
        if words[3].startswith("report"):
            step = "report"  # the reports read the experiment's whole section
        elif rule == "seqgan":
            step = Path(words[words.index("--out") + 1]).parent.name  # seqgan, or a strategy_NAME run
        assert config.stem == step, (rule, words)


def test_each_step_config_file_holds_exactly_the_sections_the_step_declares(paper_plan):
    from seqgan import stages

    workdir, out = paper_plan
    files = sorted(set(re.findall(r"^    output: (results/\w+/config/\w+\.json)$", out, re.MULTILINE)))
    status, run = snakemake(workdir, *files, "--cores", "2")
    assert status == 0, run
    config = read_yaml(REPO / "config" / "config.yaml")
    steps = {}  # experiment -> the steps with a config file
    for file in files:
        experiment, step = Path(file).parts[1], Path(file).stem
        steps.setdefault(experiment, set()).add(step)
        written = json.loads((workdir / file).read_text())
        if step == "report":
            assert written == config[experiment], file
            continue
        assert sorted(written) == sorted(stages.step_sections(experiment, step)), file
        assert all(written[section] == config[experiment][section] for section in written if section != "strategies")
        if step.startswith("strategy_"):  # a Figure 3 run: that strategy only
            assert [s["name"] for s in written["strategies"]] == [step.removeprefix("strategy_")], file
    # Every declared step has its file (strategy d is the seqgan run itself), and no other file exists.
    strategies = {f"strategy_{s['name']}" for s in config["synthetic"]["strategies"]} - {"strategy_d"}
    assert steps.pop("synthetic") == set(stages.SYNTHETIC) - {"strategy"} | strategies | {"report"}
    corpus_steps = set(stages.CORPUS) - {"render_music"}  # rendering: music only
    assert steps == {c: corpus_steps | ({"render_music"} if c == "music" else set()) for c in stages.CORPORA}

    # A change outside a step's sections leaves its file alone: only PG-BLEU's (and the reports') are rewritten.
    override = workdir / "override.yaml"
    override.write_text(yaml.safe_dump({"synthetic": {"pg_bleu": {"max_n": 2}}}))
    status, out = snakemake(workdir, "-n", *files, "--cores", "1", "--configfile", str(override))
    assert status == 0, out
    assert planned_jobs(out) == {"step_config": 2, "total": 2}, out
    assert "results/synthetic/config/pg_bleu.json" in out and "results/synthetic/config/report.json" in out


# (f) the machine (issue 15): the device, the GPU slots and each job's threads, planned once by
# seqgan/resources.py. The rules that train or sample a model ask for a GPU on a GPU plan.
GPU_RULES = {
    "pretrain", "pretrain_discriminator", "random", "mle", "scheduled_sampling", "pg_bleu", "constant_reward",
    "seqgan", "quality_diversity",
}  # fmt: skip
SLOT_PREFIX = ["python", "-m", "seqgan.gpu_slots", "--gpus", "0,1", "--per-gpu"]


@pytest.fixture
def no_gpu(monkeypatch, tmp_path):
    """A machine without GPUs whatever this one has: CUDA_VISIBLE_DEVICES unset, and first on PATH an
    nvidia-smi that fails (as where the driver is missing)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "nvidia-smi").write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed: no driver' >&2\nexit 9\n")
    (tools / "nvidia-smi").chmod(0o755)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setenv("PATH", os.pathsep.join([str(tools), os.environ.get("PATH", os.defpath)]))


def test_without_a_gpu_training_jobs_ask_for_none_and_run_on_the_cpu(workdir, no_gpu):
    """device: auto (the default) on a machine without GPUs: no `gpu` asked for, so they fill the cores."""
    status, out = snakemake(workdir, "-n", "-p", "--cores", "8", "synthetic")
    assert status == 0, out
    assert (
        "machine plan: device cpu (device: auto; no GPU: nvidia-smi failed (exit 9: NVIDIA-SMI has failed: no driver))"
        in out
    )
    assert re.search(r"resources: .*\bgpu=0\b", job_block(out, "pretrain")), out
    commands = [(rule, words) for rule, words in planned_shells(out) if rule in GPU_RULES]
    assert {rule for rule, _ in commands} == GPU_RULES
    for rule, words in commands:
        assert words[:3] == ["python", "-m", "seqgan"], (rule, words)  # no GPU slot
        assert words[words.index("--device") + 1] == "cpu" and words[words.index("--threads") + 1] == "2"


def test_cuda_without_a_gpu_stops_snakemake_with_one_line(workdir, no_gpu):
    status, out = snakemake(workdir, "-n", "--cores", "8", "--config", "device=cuda")
    assert status == 1
    errors = [line for line in out.splitlines() if "invalid config" in line]
    assert len(errors) == 1 and errors[0].startswith(
        "invalid config: config key 'device': cuda, but local jobs have no GPU (nvidia-smi failed (exit 9"
    )
    assert "Traceback" not in out and "Error" not in out and not (workdir / "results").exists()


def test_with_gpus_each_gpu_job_takes_a_gpu_slot_and_runs_on_cuda(workdir, monkeypatch):
    """Two GPUs (CUDA_VISIBLE_DEVICES=0,1): every job of a GPU rule asks for gpu=1, passes --device cuda and
    starts with python -m seqgan.gpu_slots over GPUs 0 and 1; the other jobs are left alone."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    status, out = snakemake(workdir, "-n", "-p", "--cores", "8", "synthetic", "--config", "jobs_per_gpu=2")
    assert status == 0, out
    assert "GPUs [0, 1] (from CUDA_VISIBLE_DEVICES='0,1'), 2 job(s) per GPU: 4 GPU job(s) at once" in out
    assert re.search(r"resources: .*\bgpu=1\b", job_block(out, "pretrain")), out
    shells = planned_shells(out)
    assert {rule for rule, _ in shells} >= GPU_RULES | {"oracle", "fetch"}
    for rule, words in shells:
        if rule in GPU_RULES:
            assert words[:11] == [*SLOT_PREFIX, "2", "--lock-dir", ".snakemake/gpu_slots", "--", "python"], words
            assert words[words.index("--device") + 1] == "cuda", words
        else:
            assert "seqgan.gpu_slots" not in words, (rule, words)
    # device: cpu asks for no GPU on the same machine.
    status, out = snakemake(workdir, "-n", "-p", "--cores", "8", "synthetic", "--config", "device=cpu")
    assert status == 0, out
    assert re.search(r"resources: .*\bgpu=0\b", job_block(out, "pretrain")), out
    assert all(
        words[words.index("--device") + 1] == "cpu" for rule, words in planned_commands(out) if rule in GPU_RULES
    )
    assert "seqgan.gpu_slots" not in out


def test_jobs_run_side_by_side_within_the_cores_and_the_gpu_slots(workdir, monkeypatch):
    """A --touch run (the scheduler's choices, no job run): with --cores 8 and 2 threads each, four training
    jobs start together on a CPU machine (before issue 15, one: every job asked for the profile's one gpu);
    with two GPUs, two at once, one per GPU slot; --resources gpu=1 on the command line wins."""
    touch = ("--touch", "--cores", "8", "synthetic", "--config", "threads=2")
    expected = [("", (), 4), ("0,1", (), 2), ("0,1", ("--resources", "gpu=1"), 1)]
    for visible, extra, most in expected:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
        status, out = snakemake(workdir, *touch, *extra)
        assert status == 0, out
        together = [sum(rule in GPU_RULES for rule in batch) for batch in batches(out)]
        assert max(together) == most, (visible, extra, together)


def test_under_slurm_each_job_asks_the_scheduler_for_its_gpu(workdir, no_gpu):
    """Planned on a login node without GPUs: the training jobs still ask for one (sbatch --gpus=1), get no
    local GPU slot, and leave device auto to their node; --config device=cpu asks for none."""
    for config, gpus, device in (((), "gpu=1", "auto"), (("--config", "device=cpu"), "gpu=0", "cpu")):
        status, out = snakemake(workdir, "-n", "-p", "--workflow-profile", "profiles/slurm", "synthetic", *config)
        assert status == 0, out
        assert "machine plan: cluster run" in out
        assert re.search(rf"resources: .*\b{gpus}\b", job_block(out, "pretrain")), out
        commands = [words for rule, words in planned_shells(out) if rule in GPU_RULES]
        assert commands and all(words[:3] == ["python", "-m", "seqgan"] for words in commands)
        assert all(words[words.index("--device") + 1] == device for words in commands)
