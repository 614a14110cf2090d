"""The workflow around the library: config schema <-> dataclasses, bad configs, lint, the plan, a real run.

Every Snakemake call runs in a temporary copy of the workflow files (never in the checkout, so a
results/ folder there is left alone), with the checkout's ``seqgan`` first on PYTHONPATH.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import math
import os
import re
import shutil
import subprocess
import sys
import types
import typing
from pathlib import Path

import jsonschema
import pytest
import yaml
from snakemake.utils import update_config

from seqgan.config import CORPORA, ConfigError, SyntheticConfig

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "profiles", ".test")
PER_SEED_RULES = ("pretrain", "pretrain_discriminator")
# Jobs per seed of the other rules, for the paper's config: Random twice (two definitions), MLE and SS,
# PG-BLEU and the control, and SeqGAN with three Figure 3 strategies (the fourth is SeqGAN's own run).
PAPER_JOBS_PER_SEED = {"random": 2, "teacher_forced": 2, "pg_baseline": 2, "seqgan": 4}


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text())


SCHEMA = read_yaml(SCHEMA_PATH)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def merged(*paths: str) -> dict:
    """config/config.yaml with each file merged over it, the way Snakemake's --configfile does it."""
    config = read_yaml(REPO / "config" / "config.yaml")
    for path in paths:
        update_config(config, read_yaml(REPO / path))
    return config


def set_key(config: dict, dotted: str, value) -> dict:
    config = copy.deepcopy(config)
    *parents, leaf = dotted.split(".")
    node = config
    for key in parents:
        node = node[key]
    node[leaf] = value
    return config


# --- (a) the schema and the dataclasses describe the same keys --------------------------------------


def deref(node: dict) -> dict:
    """Inline a local `$ref` (siblings such as `description` win over the referenced node)."""
    if "$ref" not in node:
        return node
    target = SCHEMA
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    return {**deref(target), **{k: v for k, v in node.items() if k != "$ref"}}


def schema_leaves(node: dict, prefix: str = "") -> dict[str, dict]:
    node = deref(node)
    if node.get("type") == "array" and deref(node["items"]).get("type") == "object":
        return schema_leaves(node["items"], f"{prefix}[]")
    if node.get("type") != "object":
        return {prefix: node}
    leaves = {}
    for key, child in node["properties"].items():
        leaves.update(schema_leaves(child, f"{prefix}.{key}" if prefix else key))
    return leaves


def item_dataclass(annotation):
    """The dataclass of a ``tuple[SomeSection, ...]`` field, else None."""
    if typing.get_origin(annotation) is tuple:
        (item, _ellipsis) = typing.get_args(annotation)
        if dataclasses.is_dataclass(item):
            return item
    return None


def dataclass_leaves(cls, prefix: str = "") -> dict[str, object]:
    hints = typing.get_type_hints(cls)
    leaves = {}
    for field in dataclasses.fields(cls):
        name, annotation = f"{prefix}.{field.name}" if prefix else field.name, hints[field.name]
        if dataclasses.is_dataclass(annotation):
            leaves.update(dataclass_leaves(annotation, name))
        elif item_dataclass(annotation):  # a list of sections (strategies): compared as `name[]`
            leaves.update(dataclass_leaves(item_dataclass(annotation), f"{name}[]"))
        else:
            leaves[name] = annotation
    return leaves


def expected_schema(annotation) -> dict:
    """The type part of the schema a dataclass field's annotation calls for."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return {"type": "string", "enum": list(typing.get_args(annotation))}
    if origin is tuple:
        return {"type": "array", "items": expected_schema(typing.get_args(annotation)[0])}
    if origin in (typing.Union, types.UnionType):
        raise AssertionError(f"no schema mapping for {annotation}: extend this test")
    return {"type": {int: "integer", float: "number", str: "string", bool: "boolean"}[annotation]}


SECTIONS_OF = {"synthetic": SyntheticConfig, **CORPORA}  # top-level config key -> its dataclass
SCHEMA_LEAVES = {k: v for key in SECTIONS_OF for k, v in schema_leaves(SCHEMA["properties"][key], key).items()}
DATACLASS_LEAVES = {k: v for key, cls in SECTIONS_OF.items() for k, v in dataclass_leaves(cls, key).items()}


def test_schema_and_dataclasses_have_the_same_keys():
    assert sorted(SCHEMA_LEAVES) == sorted(DATACLASS_LEAVES)


@pytest.mark.parametrize("key", sorted(DATACLASS_LEAVES))
def test_schema_type_matches_the_dataclass_field(key):
    node, want = SCHEMA_LEAVES[key], expected_schema(DATACLASS_LEAVES[key])
    assert node["type"] == want["type"], key
    if "enum" in want:
        assert sorted(node["enum"]) == sorted(want["enum"]), key
    if "items" in want:
        assert deref(node["items"])["type"] == want["items"]["type"], key


def walk_objects(node: dict, path: str = ""):
    node = deref(node)
    if node.get("type") == "array":
        yield from walk_objects(node["items"], f"{path}[]")
    if node.get("type") == "object":
        yield path, node
        for key, child in node["properties"].items():
            yield from walk_objects(child, f"{path}.{key}" if path else key)


SECTIONS = list(walk_objects(SCHEMA))


@pytest.mark.parametrize("path, node", SECTIONS, ids=[path or "top" for path, _ in SECTIONS])
def test_every_section_is_closed_and_complete(path, node):
    assert node.get("additionalProperties") is False, path
    assert sorted(node["required"]) == sorted(node["properties"]), path
    for key, child in node["properties"].items():
        assert deref(child).get("description"), f"{path}.{key} has no description"


CONFIGS = {
    "paper": merged(),
    "quick": merged("config/presets/quick.yaml"),
    "quick+figure3": merged("config/presets/quick.yaml", "config/presets/figure3.yaml"),
    "test": merged(".test/config/config.yaml"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_shipped_configs_pass_schema_and_dataclasses(name):
    config = CONFIGS[name]
    VALIDATOR.validate(config)
    SyntheticConfig.from_dict(config["synthetic"])
    for key, section in CORPORA.items():
        section.from_dict(config[key])


def test_test_config_is_complete_on_its_own():
    VALIDATOR.validate(read_yaml(REPO / ".test" / "config" / "config.yaml"))


def test_quick_preset_keeps_the_released_oracle_and_its_training_data():
    """Only NLL-test's held-out set shrinks; Figure 3 comes back with its add-on, four strategies."""
    quick, paper = (dict(CONFIGS[name]["synthetic"]["oracle"]) for name in ("quick", "paper"))
    assert quick.pop("num_test") < paper.pop("num_test")
    assert quick == paper
    assert CONFIGS["quick"]["synthetic"]["strategies"] == []
    assert [s["name"] for s in CONFIGS["quick+figure3"]["synthetic"]["strategies"]] == ["a", "b", "c", "d"]


# Values both validators must refuse (key, value), and boundary values both must accept.
REJECTED = [
    ("oracle.source", "released"),
    ("oracle.vocab_size", 0),
    ("oracle.seq_len", 2.5),
    ("generator.init_std", 0),
    ("discriminator.dropout", 1.0),
    ("discriminator.filter_sizes", []),
    ("discriminator.num_filters", [100, 0] + [100] * 10),
    ("pretrain.epochs", -1),
    ("pretrain.epochs", "many"),
    ("pretrain.epochs", True),
    ("pretrain.lr", 0),
    ("discriminator_training.pretrain_rounds", -1),
    ("discriminator_training.num_negatives", 0),
    ("adversarial.rollouts", 0),
    ("adversarial.d_steps", -1),
    ("eval.every", 0),
    ("precision", "fp16"),
    ("checkpoint_every", 0),
    ("methods", ["mle", "gan"]),
    ("methods", ["mle", "mle"]),
    ("methods", []),
    ("random", []),
    ("random", ["uniform"]),
    ("scheduled_sampling.start", 1.5),
    ("scheduled_sampling.floor", -0.1),
    ("scheduled_sampling.decay", -0.002),
    ("scheduled_sampling.schedule", "cosine"),
    ("pg_bleu.max_n", 0),
    ("pg_bleu.smoothing", "method6"),
    ("strategies", [{"name": "a/b", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iterations": 1}]),
    ("strategies", [{"name": "a", "g_steps": 0, "d_steps": 1, "k_epochs": 1, "iterations": 1}]),
    ("strategies", [{"name": "a", "g_steps": 1, "d_steps": 1, "k_epochs": 1}]),
]
ACCEPTED = [
    ("pretrain.epochs", 0),
    ("pretrain.lr", 1),
    ("discriminator.dropout", 0.0),
    ("discriminator_training.pretrain_rounds", 0),
    ("adversarial.iterations", 0),
    ("adversarial.d_steps", 0),
    ("precision", "bf16"),
    ("precision", "fp32"),
    ("precision", "auto"),
    ("methods", ["seqgan"]),
    ("strategies", []),
    ("scheduled_sampling.floor", 1.0),
]


# The same for the real corpora's sections (full keys).
CORPUS_REJECTED = [
    ("poems.data.source", "poems/other.txt"),
    ("poems.data.test_fraction", 0),
    ("poems.data.test_fraction", 1),
    ("poems.data.valid_fraction", -0.1),
    ("poems.data.keep_punctuation", "no"),
    ("obama.data.source", "obama/speeches.txt"),
    ("obama.data.seq_len", 0),
    ("obama.data.max_vocab", 2),
    ("obama.data.min_tokens", 0),
    ("obama.data.seed", -1),
    ("music.data.sample_seconds", 0),
    ("music.data.stride", 0),
    ("music.data.seq_len", 3.5),
    ("music.precision", "fp16"),
]


@pytest.mark.parametrize("key, value", CORPUS_REJECTED)
def test_schema_and_dataclasses_reject_the_same_bad_corpus_values(key, value):
    config = set_key(CONFIGS["paper"], key, value)
    assert not VALIDATOR.is_valid(config)
    corpus = key.split(".")[0]
    with pytest.raises(ConfigError, match=re.escape(key.split(".")[-1])):
        CORPORA[corpus].from_dict(config[corpus], f"{corpus}.")


@pytest.mark.parametrize("key, value", REJECTED)
def test_schema_and_dataclasses_reject_the_same_bad_values(key, value):
    config = set_key(CONFIGS["paper"], f"synthetic.{key}", value)
    assert not VALIDATOR.is_valid(config)
    with pytest.raises(ConfigError, match=re.escape(key.split(".")[-1])):
        SyntheticConfig.from_dict(config["synthetic"])


@pytest.mark.parametrize("key, value", ACCEPTED)
def test_schema_and_dataclasses_accept_the_same_boundary_values(key, value):
    config = set_key(CONFIGS["paper"], f"synthetic.{key}", value)
    VALIDATOR.validate(config)
    SyntheticConfig.from_dict(config["synthetic"])


# --- Snakemake itself ----------------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A copy of the workflow files to run Snakemake in."""
    for name in WORKFLOW_FILES:
        source, target = REPO / name, tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return tmp_path


def snakemake(cwd: Path, *args: str, timeout: float = 120) -> tuple[int, str]:
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


def override(workdir: Path, data: dict) -> str:
    path = workdir / "override.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path.name)


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


# (b) a bad config stops Snakemake before any job, naming the key
@pytest.mark.parametrize(
    "data, expected",
    [
        ({"synthetic": {"pretrain": {"epoch": 3}}}, "'epoch' was unexpected"),
        ({"synthetic": {"adversarial": {"rollouts": "many"}}}, "['synthetic']['adversarial']['rollouts']"),
        ({"synthetic": {"discriminator": {"dropout": 1.5}}}, "['synthetic']['discriminator']['dropout']"),
        ({"synthetic": {"eval": {"every": 0}}}, "['synthetic']['eval']['every']"),
        ({"device": "tpu"}, "['device']"),
        ({"seeds": []}, "['seeds']"),
        ({"seeds": [1.5]}, "['seeds'][0]"),
        ({"seeds": ["one"]}, "['seeds'][0]"),
        ({"synthetic": {"methods": ["mle", "gail"]}}, "['synthetic']['methods'][1]"),
        ({"synthetic": {"scheduled_sampling": {"start": 1.2}}}, "['synthetic']['scheduled_sampling']['start']"),
        ({"synthetic": {"scheduled_sampling": {"floor": -0.5}}}, "['synthetic']['scheduled_sampling']['floor']"),
        (
            {
                "synthetic": {
                    "strategies": [{"name": "x y", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iterations": 1}]
                }
            },
            "['synthetic']['strategies'][0]['name']",
        ),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "out-of-range",
        "zero",
        "enum",
        "no-seeds",
        "float-seed",
        "string-seed",
        "unknown-method",
        "p-above-1",
        "p-below-0",
        "bad-strategy-name",
    ],
)
def test_bad_config_fails_naming_the_key(workdir, data, expected):
    status, out = snakemake(workdir, "-n", "--cores", "1", "--configfile", override(workdir, data))
    assert status != 0
    assert "Error validating config file" in out, out
    assert expected in out, out
    assert not (workdir / "results").exists()


# (c) lint and format
@pytest.mark.parametrize(
    "data, expected",
    [
        (
            {
                "synthetic": {
                    "strategies": [{"name": "a", "g_steps": 1, "d_steps": 1, "k_epochs": 1, "iterations": 1}] * 2
                }
            },
            "config key 'synthetic.strategies': names must be unique",
        ),
        (
            {"synthetic": {"scheduled_sampling": {"start": 0.5, "floor": 0.6}}},
            "config keys 'synthetic.scheduled_sampling.start/floor'",
        ),
    ],
    ids=["same-strategy-name", "floor-above-start"],
)
def test_checks_beyond_the_schema_also_stop_snakemake_before_any_job(workdir, data, expected):
    status, out = snakemake(workdir, "-n", "--cores", "1", "--configfile", override(workdir, data))
    assert status != 0
    assert expected in out, out
    assert not (workdir / "results").exists()


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
def test_paper_config_plans_every_experiment(workdir):
    status, out = snakemake(workdir, "-n", "--cores", "1")
    assert status == 0, out
    jobs = planned_jobs(out)
    seeds = 3  # the paper config: mean ± std and per-seed t-tests over three seeds
    for rule in PER_SEED_RULES:
        assert jobs.get(rule) == seeds, (rule, jobs)
    for rule in ("report_synthetic", "report_strategies", "oracle"):
        assert jobs.get(rule) == 1, (rule, jobs)
    # One config file per stage: oracle, the two pretrainings, the six Table 1 methods (Random's two
    # definitions share one), strategies a-c, and the reports; per corpus data, the two pretrainings,
    # mle, seqgan, evaluate and report.
    assert jobs["stage_config"] == 13 + 3 * 7, jobs
    per_corpus = {
        "corpus": 1, "corpus_pretrain": seeds, "corpus_pretrain_discriminator": seeds, "corpus_mle": seeds,
        "corpus_seqgan": seeds, "corpus_evaluate": 2 * seeds, "corpus_real_data": 1, "corpus_table": 1,
    }  # fmt: skip
    assert all(jobs[rule] == 3 * count for rule, count in per_corpus.items()), jobs
    assert jobs["music_render"] == 2 * seeds + 1, jobs  # MLE and SeqGAN per seed, the real data
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


# (e) the whole .test workflow for real, then nothing left to do
TABLE1_RUNS = (
    "random_untrained_generator", "random_uniform_tokens", "mle", "scheduled_sampling", "pg_bleu", "seqgan",
    "constant_reward",
)  # fmt: skip
EXPECTED_OUTPUTS = [
    *(f"results/synthetic/config/{stage}.json" for stage in ("oracle", "pretrain", "seqgan", "strategy_a", "report")),
    "results/synthetic/oracle/oracle.pt",
    "results/synthetic/oracle/train.pt",
    "results/synthetic/oracle/test.pt",
    "results/synthetic/table1.csv",
    "results/synthetic/table1.md",
    "results/synthetic/figure2.png",
    "results/synthetic/figure2.svg",
    "results/synthetic/figure3.png",
    "results/synthetic/figure3.svg",
    "results/synthetic/curves.csv",
    *(
        f"results/{corpus}/data/{name}"
        for corpus in ("poems", "obama", "music")
        for name in ("train.pt", "test.pt", "vocab.json", "summary.json")
    ),
    "results/music/data/valid.pt",  # the original Nottingham split has one
    *(f"results/{corpus}/{name}" for corpus in ("poems", "obama", "music") for name in ("table.csv", "table.md")),
    *(
        f"results/{corpus}/{run}/{name}"
        for corpus in ("poems", "obama", "music")
        for run in ("seed1/mle", "seed2/seqgan", "real")
        for name in ("scores.csv", "metrics.json", "samples.txt")
    ),
    *(
        f"results/{corpus}/seed2/seqgan/{name}"
        for corpus in ("poems", "obama", "music")
        for name in ("generator.pt", "curve.csv", "discriminator.pt")
    ),
    "results/music/seed1/seqgan/piano_roll.png",
    "results/music/real/midi/sample1.mid",
    "logs/synthetic/oracle.log",
    "benchmarks/synthetic/oracle.tsv",
    *(f"results/report/{name}" for name in ("config.json", "report.md", "index.html", "real_data.png")),
]
for _seed in (1, 2):
    EXPECTED_OUTPUTS += [
        f"results/synthetic/seed{_seed}/{path}"
        for path in ("pretrain/generator.pt", "pretrain/curve.csv", "pretrain/discriminator.pt")
    ]
    for _run in TABLE1_RUNS + ("strategy_a",):
        EXPECTED_OUTPUTS += [
            f"results/synthetic/seed{_seed}/{_run}/{name}"
            for name in ("generator.pt", "best.pt", "curve.csv", "nll_final.csv", "nll_best.csv")
        ]
    EXPECTED_OUTPUTS += [f"results/synthetic/seed{_seed}/{run}/discriminator.pt" for run in ("seqgan", "strategy_a")]
    EXPECTED_OUTPUTS += [f"logs/synthetic/seed{_seed}/{job}.log" for job in PER_SEED_RULES + TABLE1_RUNS]
    EXPECTED_OUTPUTS += [f"benchmarks/synthetic/seed{_seed}/{job}.tsv" for job in PER_SEED_RULES + TABLE1_RUNS]


@pytest.mark.slow
def test_tiny_workflow_runs_end_to_end_and_reports(workdir, mirror):
    (workdir / "mirror.yaml").write_text(yaml.safe_dump({"corpora": {"mirror": str(mirror.resolve())}}))
    args = ("--cores", "2", "--configfile", ".test/config/config.yaml", "mirror.yaml")
    status, out = snakemake(workdir, *args, timeout=1800)
    assert status == 0, out[-5000:]

    missing = [path for path in EXPECTED_OUTPUTS if not (workdir / path).is_file()]
    assert not missing
    empty = [path for path in EXPECTED_OUTPUTS if (workdir / path).stat().st_size == 0]
    assert not empty

    for run in ("pretrain", *TABLE1_RUNS, "strategy_a"):
        with open(workdir / f"results/synthetic/seed1/{run}/curve.csv") as f:
            rows = list(csv.DictReader(f))
        assert rows, run
        assert all(math.isfinite(float(row["nll_oracle"])) for row in rows), run
    with open(workdir / "results/synthetic/table1.csv") as f:
        table = {row["method"]: row for row in csv.DictReader(f)}
    assert list(table) == list(TABLE1_RUNS)
    assert all(row["n_seeds"] == "2" for row in table.values())
    assert table["seqgan"]["p_value"] == "" and table["mle"]["p_value"] != ""
    with open(workdir / "results/synthetic/curves.csv") as f:
        curves = {(row["method"], row["seed"]) for row in csv.DictReader(f)}
    assert curves == {(run, str(seed)) for run in ("pretrain", *TABLE1_RUNS) for seed in (1, 2)}
    # The mirror holds the Obama substitute, and its outputs say so.
    assert json.loads((workdir / "results/obama/data/summary.json").read_text())["name"] == "obama_SUBSTITUTE"
    assert "SUBSTITUTE" in (workdir / "results/obama/table.md").read_text()
    for corpus in ("poems", "obama", "music"):
        with open(workdir / f"results/{corpus}/table.csv") as f:
            assert [row["method"] for row in csv.DictReader(f)] == ["mle", "seqgan", "real"], corpus
    # The report page counts every job's benchmark file (common.smk lists them; this checks the list).
    benchmarks = len(list((workdir / "benchmarks").rglob("*.tsv")))
    report = (workdir / "results/report/report.md").read_text(encoding="utf-8")
    assert f"From the rules' `benchmark:` files: {benchmarks} jobs" in report
    # Each job with a discriminator logged the precision `auto` resolved to on this machine; the report shows it.
    discriminator_jobs = {"synthetic/seqgan": "seqgan", "music/pretrain_discriminator": "corpus_pretrain_discriminator"}
    for job, rule in discriminator_jobs.items():
        assert re.search(rf"^\| {job} \| {rule} \| 2 \|.* \| (fp32|bf16) \|$", report, re.MULTILINE), job
    assert re.search(r"^\| synthetic/pretrain \| pretrain \| 2 \|.* \| – \|$", report, re.MULTILINE)
    assert "**Preset**: `test`" in report and "SUBSTITUTE corpus (`obama_SUBSTITUTE`)" in report
    # The page renders our writers' Markdown completely: no markup left outside code.
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    text = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.DOTALL)
    assert "**" not in text and "`" not in text and "|---" not in text and "](" not in text
    # Strategy b equals the `adversarial` settings: Figure 3 reuses the seqgan run, no strategy_b job.
    assert not (workdir / "results/synthetic/seed1/strategy_b").exists()

    status, out = snakemake(workdir, *args)
    assert status == 0, out
    assert "Nothing to be done" in out, out

    # A changed config value reruns exactly the stages that read it, and what depends on their outputs.
    def plan(data):
        status, out = snakemake(
            workdir,
            "-n",
            "--cores",
            "2",
            "--configfile",
            ".test/config/config.yaml",
            "mirror.yaml",
            override(workdir, data),
        )
        assert status == 0, out
        jobs = planned_jobs(out)
        del jobs["total"]
        return jobs

    jobs = plan({"synthetic": {"eval": {"every": 2}}})  # read by every run with a curve: all but the oracle
    assert "oracle" not in jobs and jobs["stage_config"] == 9, jobs
    assert all(jobs[rule] == 2 for rule in PER_SEED_RULES), jobs
    assert jobs["seqgan"] == 4 and jobs["random"] == 4, jobs
    new_strategy = {"name": "e", "g_steps": 2, "d_steps": 1, "k_epochs": 1, "iterations": 2}
    strategies = [*read_yaml(REPO / ".test/config/config.yaml")["synthetic"]["strategies"], new_strategy]
    jobs = plan({"synthetic": {"strategies": strategies}})  # trains the new strategy only
    reports = {"report_synthetic": 1, "report_strategies": 1, "report_config": 1, "report_page": 1, "all": 1}
    assert jobs == {"stage_config": 2, "seqgan": 2, **reports}, jobs
    jobs = plan({"synthetic": {"pg_bleu": {"max_n": 2}}})
    assert jobs == {"stage_config": 2, "pg_baseline": 2, **reports}, jobs

    # The HTML report (figure and table with their captions) builds from the finished run.
    status, out = snakemake(workdir, *args, "--report", "report.html")
    assert status == 0, out
    assert (workdir / "report.html").stat().st_size > 0
