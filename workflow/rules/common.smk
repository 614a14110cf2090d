# Helpers shared by the rules: functions only (snakemake --lint objects to mixing them with rules).
#
# Layout of results/synthetic (per seed S):
#   config/STAGE.json           the resolved `synthetic` config a stage's jobs read (see
#                               STAGE_SECTIONS): rewritten only when a key that stage reads changes,
#                               so a config change reruns exactly the stages that depend on it
#   oracle/{oracle,train,test}.pt
#   seedS/pretrain/             MLE-pretrained generator and pretrained discriminator
#   seedS/RUN/                  one folder per Table 1 row (random_DEFINITION, mle, scheduled_sampling,
#                               pg_bleu, seqgan, constant_reward) and per Figure 3 strategy
#                               (strategy_NAME), all from the same pretrained models, each with
#                               generator.pt, best.pt, curve.csv, nll_final.csv, nll_best.csv
# Checkpoint folders (.../checkpoints, .../d_checkpoints) are deliberately not declared outputs:
# Snakemake would delete them when a job fails, and the CLI resumes from them on the next run.
from pathlib import Path
import json
import shlex

SYNTHETIC = "results/synthetic"
# The real corpora: config keys, folders, named targets.
CORPORA = ("poems", "obama", "music")
EXPERIMENTS = ("synthetic", *CORPORA)
# What each stage of a real corpus reads of its config (as STAGE_SECTIONS for the synthetic one).
_CORPUS_RUN = ("data", "eval", "checkpoint_every")
CORPUS_STAGE_SECTIONS = {
    "data": ("data",),
    "pretrain": (*_CORPUS_RUN, "generator", "pretrain"),
    "pretrain_discriminator": (
        "data",
        "discriminator",
        "discriminator_training",
        "precision",
        "checkpoint_every",
    ),
    "mle": (*_CORPUS_RUN, "pretrain"),
    "seqgan": (
        *_CORPUS_RUN,
        "adversarial",
        "discriminator",
        "discriminator_training",
        "precision",
    ),
    "evaluate": ("data", "eval", "metrics"),
}
ORACLE_PARAMS = "results/downloads/seqgan_oracle/target_params_py3.pkl"
# Table 1 method -> its run folders (Random has one per definition).
TEACHER_FORCED = ("mle", "scheduled_sampling")
PG_BASELINES = {"pg_bleu": "bleu", "constant_reward": "constant"}  # method -> --reward
# GPUs each training or evaluation job asks for: one, unless the config says `device: cpu`. Locally
# the profile's global `gpu=1` then runs GPU jobs one at a time; under SLURM it becomes `--gpus=1`,
# so `--config device=cpu` is how a CPU-only cluster (and CI's) switches the request off.
GPUS_PER_JOB = 0 if config["device"] == "cpu" else 1


# The config sections each stage reads (seqgan/cli.py). A stage's config file is rewritten, and the
# stage rerun, only when one of these changes (rerun trigger "params"); a change upstream reaches it
# through the upstream outputs. So adding a Figure 3 strategy trains only that strategy, and a new
# PG-BLEU setting leaves pretraining and SeqGAN alone. Reports read the whole config.
# Read by every training job: data shapes, learning curves, checkpoints.
_RUN = ("oracle", "eval", "checkpoint_every")
_TEACHER_FORCED = (*_RUN, "pretrain")
_ADVERSARIAL = (
    *_RUN,
    "adversarial",
    "discriminator",
    "discriminator_training",
    "precision",
)
STAGE_SECTIONS = {
    "oracle": ("oracle",),
    "pretrain": (*_TEACHER_FORCED, "generator"),
    "pretrain_discriminator": (
        "oracle",
        "discriminator",
        "discriminator_training",
        "precision",
        "checkpoint_every",
    ),
    "random": ("oracle", "generator", "eval"),
    "mle": _TEACHER_FORCED,
    "scheduled_sampling": (*_TEACHER_FORCED, "scheduled_sampling"),
    "pg_bleu": (*_RUN, "adversarial", "pg_bleu"),
    "constant_reward": (*_RUN, "adversarial"),
    "seqgan": _ADVERSARIAL,
}


def stage_settings(stage, experiment="synthetic"):
    """What a stage reads of its experiment's config (strategy_NAME: SeqGAN's, plus that strategy),
    with keys sorted: Snakemake compares params as text, and the order of YAML keys means nothing.
    """
    if experiment in CORPORA:
        sections = (
            config[experiment] if stage == "report" else CORPUS_STAGE_SECTIONS[stage]
        )
        settings = {section: config[experiment][section] for section in sections}
        return json.loads(json.dumps(settings, sort_keys=True))
    synthetic = config["synthetic"]
    if stage == "report":
        settings = synthetic
    elif stage.startswith("strategy_"):
        name = stage.removeprefix("strategy_")
        strategy = [s for s in synthetic["strategies"] if s["name"] == name]
        settings = {**stage_settings("seqgan"), "strategies": strategy}
    else:
        settings = {section: synthetic[section] for section in STAGE_SECTIONS[stage]}
    return json.loads(json.dumps(settings, sort_keys=True))


def stage_config(stage):
    return f"{SYNTHETIC}/config/{stage}.json"


def corpus_source(wildcards):
    """The downloaded file a corpus is read from (its config's `data.source`)."""
    return f"results/downloads/{config[wildcards.corpus]['data']['source']}"


def corpus_data(wildcards):
    """A preprocessed corpus's files: summary.json first (evaluate passes its folder)."""
    folder = f"results/{wildcards.corpus}/data"
    return [
        f"{folder}/{name}"
        for name in ("summary.json", "vocab.json", "train.pt", "test.pt")
    ]


def corpus_runs(corpus):
    """The runs of a corpus's table, key -> folder: each method per seed, and the real data."""
    runs = {
        f"seed{seed}_{method}": f"seed{seed}/{method}"
        for seed in seeds()
        for method in ("mle", "seqgan")
    }
    return {**runs, "real": "real"}


def corpus_table_inputs(wildcards):
    """The config and each run's scores and metrics, keyed KIND__RUN."""
    corpus = wildcards.corpus
    inputs = {"config": f"results/{corpus}/config/report.json"}
    for key, folder in corpus_runs(corpus).items():
        inputs[f"scores__{key}"] = f"results/{corpus}/{folder}/scores.csv"
        inputs[f"metrics__{key}"] = f"results/{corpus}/{folder}/metrics.json"
    return inputs


def corpus_targets(corpus=None):
    """A corpus's Table (2, 3 or 4) and its samples; music also as MIDI and piano rolls."""
    targets = []
    for name in [corpus] if corpus else CORPORA:
        targets += [f"results/{name}/table.csv", f"results/{name}/table.md"]
        folders = corpus_runs(name).values()
        targets += [f"results/{name}/{folder}/samples.txt" for folder in folders]
        if name == "music":
            targets += [f"results/music/{folder}/piano_roll.png" for folder in folders]
    return targets


def seeds():
    return config["seeds"]


def mirror_arg(wildcards):
    """`--mirror DIR` when corpora.mirror is set (a relative DIR is relative to the working directory)."""
    mirror = config["corpora"]["mirror"]
    return "" if mirror is None else f"--mirror {shlex.quote(mirror)}"


def oracle_inputs(wildcards):
    """The resolved config, plus the released parameters when the original oracle is used."""
    inputs = {"config": stage_config("oracle")}
    if config["synthetic"]["oracle"]["source"] == "original":
        inputs["params"] = ORACLE_PARAMS
    return inputs


def oracle_params_arg(wildcards, input):
    return f"--params {shlex.quote(input.params)}" if "params" in input.keys() else ""


def sibling(name):
    """Params function: the folder `name` beside the rule's first output (used for checkpoints)."""
    return lambda wildcards, output: str(Path(output[0]).parent / name)


def generator_output_args(wildcards, output):
    """The CLI flags for the outputs every generator-producing rule declares under the same names."""
    flags = {
        "--out": output.generator,
        "--out-best": output.best,
        "--curve": output.curve,
        "--nll-final": output.nll_final,
        "--nll-best": output.nll_best,
    }
    return " ".join(f"{flag} {shlex.quote(path)}" for flag, path in flags.items())


def table1_runs():
    """Run folder name of every Table 1 row the config asks for (in Table 1 order)."""
    runs = []
    for method in config["synthetic"]["methods"]:
        if method == "random":
            runs += [
                f"random_{definition}" for definition in config["synthetic"]["random"]
            ]
        else:
            runs.append(method)
    return runs


def strategy_run(strategy):
    """The run folder of a Figure 3 strategy: the seqgan run itself when its settings are SeqGAN's."""
    adversarial = config["synthetic"]["adversarial"]
    settings = ("g_steps", "d_steps", "k_epochs", "iterations")
    if all(strategy[key] == adversarial[key] for key in settings):
        return "seqgan"
    return f"strategy_{strategy['name']}"


def run_file(run, seed, name):
    return f"{SYNTHETIC}/seed{seed}/{run}/{name}"


def report_inputs(wildcards):
    """The config and every file Table 1 and Figure 2 are made from, keyed KIND__RUN__SEED."""
    inputs = {"config": stage_config("report")}
    for seed in seeds():
        inputs[f"curve__pretrain__{seed}"] = run_file("pretrain", seed, "curve.csv")
        for run in table1_runs():
            # Final models, not best ones: choosing the best point on the same samples would bias the test.
            for kind in ("curve", "nll_final"):
                inputs[f"{kind}__{run}__{seed}"] = run_file(run, seed, f"{kind}.csv")
    return inputs


def strategy_inputs(wildcards):
    """The config, the pretraining curves and each Figure 3 strategy's curves, keyed KIND__RUN__SEED."""
    inputs = {"config": stage_config("report")}
    for seed in seeds():
        inputs[f"curve__pretrain__{seed}"] = run_file("pretrain", seed, "curve.csv")
        for strategy in config["synthetic"]["strategies"]:
            path = run_file(strategy_run(strategy), seed, "curve.csv")
            inputs[f"curve__strategy_{strategy['name']}__{seed}"] = path
    return inputs


def run_args(wildcards, input):
    """`--KIND RUN:SEED:PATH` for every input keyed KIND__RUN__SEED (paths from `input`, so they stay tracked)."""
    args = []
    for key, path in input.items():
        if key != "config":
            kind, run, seed = key.split("__")
            args.append(
                f"--{kind.replace('_', '-')} {shlex.quote(f'{run}:{seed}:{path}')}"
            )
    return " ".join(args)


def synthetic_targets():
    targets = [
        f"{SYNTHETIC}/table1.csv",
        f"{SYNTHETIC}/table1.md",
        f"{SYNTHETIC}/figure2.png",
        f"{SYNTHETIC}/figure2.svg",
        f"{SYNTHETIC}/curves.csv",
    ]
    if config["synthetic"]["strategies"]:
        targets += [f"{SYNTHETIC}/figure3.png", f"{SYNTHETIC}/figure3.svg"]
    return targets


def benchmark_files():
    """(rule, benchmark file) of every job of the run, for the report's compute table (see the rules' `benchmark:`)."""
    rule_of_run = {"seqgan": "seqgan", **{m: "pg_baseline" for m in PG_BASELINES}}
    rule_of_run |= {m: "teacher_forced" for m in TEACHER_FORCED}
    files = [("oracle", "benchmarks/synthetic/oracle.tsv")]
    strategy_runs = {strategy_run(s) for s in config["synthetic"]["strategies"]}
    for seed in seeds():
        folder = f"benchmarks/synthetic/seed{seed}"
        files += [
            (job, f"{folder}/{job}.tsv")
            for job in ("pretrain", "pretrain_discriminator")
        ]
        for run in table1_runs():
            name = "random" if run.startswith("random_") else rule_of_run[run]
            files.append((name, f"{folder}/{run}.tsv"))
        files += [
            ("seqgan", f"{folder}/{run}.tsv")
            for run in sorted(strategy_runs - {"seqgan"})
        ]
    for corpus in CORPORA:
        files += [("corpus", f"benchmarks/{corpus}/data.tsv")]
        files += [("corpus_real_data", f"benchmarks/{corpus}/evaluate_real.tsv")]
        for seed in seeds():
            folder = f"benchmarks/{corpus}/seed{seed}"
            for job in ("pretrain", "pretrain_discriminator", "mle", "seqgan"):
                files.append((f"corpus_{job}", f"{folder}/{job}.tsv"))
            files += [
                ("corpus_evaluate", f"{folder}/evaluate_{m}.tsv")
                for m in ("mle", "seqgan")
            ]
    return files


# The rules whose jobs train or use a discriminator: the only ones `precision` applies to.
DISCRIMINATOR_RULES = (
    "pretrain_discriminator",
    "seqgan",
    "corpus_pretrain_discriminator",
    "corpus_seqgan",
)


def discriminator_logs():
    """(rule, log file) of every job with a discriminator: each logs the precision it resolved on its own
    machine (`precision: auto`), which the report shows per job kind. Snakemake treats a rule's log as one
    of its products, so another rule may take it as input. The rules' logs mirror their benchmark files.
    """
    return [
        (rule, f"logs/{Path(path).relative_to('benchmarks').with_suffix('.log')}")
        for rule, path in benchmark_files()
        if rule in DISCRIMINATOR_RULES
    ]


def report_page_items():
    """(CLI option, NAME or None, path) of every file the report page reads: the whole config, the tables,
    figures, samples (the first seed's, and the real data's), every job's benchmark file and the logs of
    the jobs with a discriminator (their precision).
    """
    items = [
        ("config", None, "results/report/config.json"),
        ("paper-config", None, "config/config.yaml"),
        ("table1", None, f"{SYNTHETIC}/table1.md"),
        ("figure2", None, f"{SYNTHETIC}/figure2.png"),
    ]
    if config["synthetic"]["strategies"]:
        items.append(("figure3", None, f"{SYNTHETIC}/figure3.png"))
    first = f"seed{seeds()[0]}"
    runs = {"mle": f"{first}/mle", "seqgan": f"{first}/seqgan", "real": "real"}
    for corpus in CORPORA:
        items += [
            ("table", corpus, f"results/{corpus}/table.md"),
            ("table-csv", corpus, f"results/{corpus}/table.csv"),
            ("summary", corpus, f"results/{corpus}/data/summary.json"),
        ]
        for method, folder in runs.items():
            items.append(
                (
                    "samples",
                    f"{corpus}/{method}",
                    f"results/{corpus}/{folder}/samples.txt",
                )
            )
    for method, folder in runs.items():
        items.append(("piano-roll", method, f"results/music/{folder}/piano_roll.png"))
        items.append(("midi", method, f"results/music/{folder}/midi"))
    items += [("benchmark", name, path) for name, path in benchmark_files()]
    items += [("log", name, path) for name, path in discriminator_logs()]
    return items


def report_page_inputs(wildcards):
    return [path for _, _, path in report_page_items()]


def report_page_args(wildcards):
    """`--OPTION [NAME:]PATH` for every file of report_page_items (the same paths as the rule's input)."""
    return " ".join(
        f"--{option} {shlex.quote(path if name is None else f'{name}:{path}')}"
        for option, name, path in report_page_items()
    )
