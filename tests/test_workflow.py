"""The workflow around the library: bad configs, lint, the plan.

Every Snakemake call runs in a temporary copy of the workflow files (never in the checkout, so a
results/ folder there is left alone), with the checkout's ``seqgan`` first on PYTHONPATH. The config's
schema and typed config are tested in test_config.py; the real run of the tiny workflow in test_tiny_run.py.
"""

from __future__ import annotations

import json
import re
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


def planned_commands(output: str) -> list[tuple[str, list[str]]]:
    """(rule, words of its command) of every planned job that calls the CLI (a dry run with -p)."""
    import shlex

    jobs = re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?Shell command: (.+)$", output, re.MULTILINE)
    return [(rule, shlex.split(command)) for rule, command in jobs if command.startswith("python -m seqgan ")]


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
    # pretrainings, mle, seqgan and evaluate; music's rendering.
    assert jobs["step_config"] == 13 + 3 * 6 + 1, jobs
    per_corpus = {
        "corpus": 1, "corpus_pretrain": seeds, "corpus_pretrain_discriminator": seeds, "corpus_mle": seeds,
        "corpus_seqgan": seeds, "corpus_evaluate": 2 * seeds, "corpus_evaluate_real": 1, "report_corpus": 1,
    }  # fmt: skip
    assert all(jobs[rule] == 3 * count for rule, count in per_corpus.items()), jobs
    assert jobs["render_music"] == 2 * seeds and jobs["render_music_real"] == 1, jobs  # MLE, SeqGAN; real data
    assert jobs["report_config"] == 1 and jobs["report_page"] == 1, jobs
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


def test_training_jobs_ask_for_a_gpu_unless_the_device_is_cpu(workdir):
    """One GPU per training job (SLURM: --gpus=1; locally the profile's gpu=1 runs them one at a time)."""
    for device, gpus in (("auto", "gpu=1"), ("cuda", "gpu=1"), ("cpu", "gpu=0")):
        status, out = snakemake(workdir, "-n", "--cores", "1", "synthetic", "--config", f"device={device}")
        assert status == 0, out
        pretrain = out.split("rule pretrain:", 1)[1].split("\n\n", 1)[0]
        assert re.search(rf"resources: .*\b{gpus}\b", pretrain), (device, pretrain)


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
