# Helpers shared by the rules: functions only (snakemake --lint objects to mixing them with rules).
#
# One name per step: the rule (`pretrain_discriminator`; `corpus_pretrain_discriminator` is the same
# step on a real corpus), the CLI verb (`pretrain-discriminator`), its config file, its log and
# benchmark file and, for a training step, its run folder. Layout of results/EXPERIMENT (synthetic,
# poems, obama, music):
#   config/STEP.json   exactly what STEP reads of the experiment's config: the sections seqgan/stages.py
#                      declares for it, which the CLI verb also loads and nothing else. Rewritten only
#                      when one of them changes, so a config change reruns exactly the steps that read it
#                      (and what depends on their outputs): adding a Figure 3 strategy trains only that
#                      strategy, a new PG-BLEU setting leaves pretraining and SeqGAN alone.
#   oracle/{oracle,train,test}.pt (synthetic) or data/ (a corpus: token ids per split, vocab, summary)
#   seedS/pretrain/    MLE-pretrained generator and pretrained discriminator
#   seedS/RUN/         one folder per trained model, all from the same pretrained ones. Synthetic: per
#                      Table 1 row (random_DEFINITION, mle, scheduled_sampling, pg_bleu, seqgan,
#                      constant_reward) and Figure 3 strategy (strategy_NAME), each with generator.pt,
#                      best.pt, curve.csv, nll_final.csv, nll_best.csv. A corpus: mle and seqgan, with
#                      their scores and samples; real/ scores eval.num_samples training sequences.
# Checkpoint folders (.../checkpoints, .../d_checkpoints) are deliberately not declared outputs:
# Snakemake would delete them when a job fails, and the CLI resumes from them on the next run.
import shlex
import sys
from pathlib import Path

from snakemake.logging import logger

# Importable here even when the package is not installed: the Snakefile has imported seqgan already.
import seqgan.resources
from seqgan.stages import CORPORA, EXPERIMENTS, sorted_keys, step_settings

SYNTHETIC = "results/synthetic"
# Where python -m seqgan.gpu_slots keeps the locks of a local run's GPU slots (relative to the working
# directory, like .snakemake/ itself): jobs of this workflow copy share them; another copy on the same
# machine has its own, so give two copies disjoint `gpus`.
GPU_SLOT_LOCKS = ".snakemake/gpu_slots"


def seeds():
    return config["seeds"]


# --- The machine: decided once, when Snakemake plans (seqgan/resources.py) ------------------------------


def machine_plan():
    """The device, GPUs and threads of the training and evaluation jobs, logged in one line; a config this
    machine cannot run (device: cuda without a GPU, a GPU id it lacks) stops Snakemake with one line.

    A cluster run is one with a number of nodes (--jobs with a remote executor, e.g. profiles/slurm; also
    the job step inside each SLURM job, run with --jobs 1): Snakemake's own test for cluster submission
    (snakemake/scheduling/job_scheduler.py stops limiting local cores then). A local run given --jobs
    beside --cores counts as one too, for Snakemake as for us: locally give --cores only.
    """
    try:
        plan = seqgan.resources.plan(
            config,
            cores=workflow.resource_settings.cores,
            cluster=workflow.resource_settings.nodes is not None,
        )
    except seqgan.resources.PlanError as err:
        # As the Snakefile's config errors: one line and exit status 1.
        sys.exit(f"invalid config: {err}")
    logger.info(f"machine plan: {plan.summary}")
    return plan


def limit_gpu_jobs(plan):
    """Snakemake's global `gpu` resource of a local run: the plan's GPU slots (0 on a CPU plan), so that at
    most that many GPU jobs run at once. Workflow.register_resource sets it before the scheduler exists (it
    copies Workflow.global_resources when it starts). A `gpu` given with --resources (or a profile's
    `resources`) is kept: the command line wins. A cluster run sets none: each job has its own GPU.
    """
    if not plan.cluster and "gpu" not in workflow.global_resources:
        workflow.register_resource("gpu", plan.gpu_slots)


def job_device(wildcards, resources):
    """`--device` of a job: the plan's device if the job asks for a GPU, else cpu. A function of the job's
    resources, so Snakemake counts it as derived and does not rerun a job when the machine changes.
    """
    return PLAN.device if resources.gpu else "cpu"


def gpu_slot_prefix(wildcards, resources):
    """The command prefix that gives a local GPU job one of the plan's GPU slots (python -m seqgan.gpu_slots
    takes a free (GPU, slot) lock and sets CUDA_VISIBLE_DEVICES), or nothing: on a CPU plan, for a job that
    asks for no GPU, and on a cluster, whose scheduler assigns the GPUs. Derived (see job_device).
    """
    if PLAN.cluster or not PLAN.gpus or not resources.gpu:
        return ""
    gpus = ",".join(map(str, PLAN.gpus))
    words = ["python", "-m", "seqgan.gpu_slots", "--gpus", gpus]
    words += ["--per-gpu", str(PLAN.jobs_per_gpu), "--lock-dir", GPU_SLOT_LOCKS, "--"]
    return shlex.join(words) + " "


PLAN = machine_plan()
limit_gpu_jobs(PLAN)
# The `gpu` resource of every training or evaluation job: 1 on a GPU plan (locally one of the plan's
# slots; under SLURM `--gpus=1`), else 0, so that CPU jobs fill the cores.
GPUS_PER_JOB = PLAN.gpus_per_job
# The threads of every training or evaluation job (config `threads`, auto resolved by the plan).
THREADS = PLAN.threads


# --- Paths: every file another rule consumes comes from its rule (rules.X), never retyped. -------------


def job_output(rulename, name, **wildcards):
    """Output `name` of a job of `rulename`, given its wildcards: the rule's own pattern, filled in."""
    return getattr(getattr(rules, rulename).output, name).format(**wildcards)


def step_config_file(step, experiment="synthetic"):
    """A step's config file (rule step_config); `experiment` may be a wildcard, e.g. "{corpus}"."""
    return rules.step_config.output[0].format(experiment=experiment, step=step)


def step_config_settings(wildcards):
    """What a step's config file holds: the sections the step reads (seqgan/stages.py, keys sorted); the
    reports' (step "report"), the experiment's whole section."""
    section = config[wildcards.experiment]
    if wildcards.step == "report":
        return sorted_keys(section)
    return step_settings(section, wildcards.experiment, wildcards.step)


def download(name):
    """A registered download (rule fetch)."""
    return rules.fetch.output[0].format(name=name)


def corpus_source(wildcards):
    """The downloaded file a corpus is read from (its config's `data.source`)."""
    return download(config[wildcards.corpus]["data"]["source"])


def oracle_inputs(wildcards):
    """The step's config, plus the released parameters when the original oracle is used."""
    inputs = {"config": step_config_file("oracle")}
    if config["synthetic"]["oracle"]["source"] == "original":
        inputs["params"] = download("seqgan_oracle/target_params_py3.pkl")
    return inputs


def scheduled_sampling_inputs(wildcards):
    """Scheduled Sampling's inputs: the pretrained generator only when the run starts from it
    (`scheduled_sampling.init: pretrained`); from scratch it needs no pretraining."""
    inputs = {
        "config": step_config_file("scheduled_sampling"),
        "oracle": rules.oracle.output.oracle,
        "train": rules.oracle.output.train,
        "test": rules.oracle.output.test,
    }
    if config["synthetic"]["scheduled_sampling"]["init"] == "pretrained":
        inputs["init"] = job_output("pretrain", "generator", seed=wildcards.seed)
    return inputs


def trained_synthetic_generator(wildcards):
    """The final generator of the synthetic run a quality_diversity job sweeps (wildcard `trained`)."""
    return run_file(wildcards.trained, wildcards.seed, "generator")


def synthetic_job(run, seed):
    """(rule, wildcards) of a synthetic job of `seed`, given its run folder (random_DEFINITION, seqgan,
    strategy_NAME) or its step, which names the rule (pretrain, pretrain_discriminator, mle, ...).
    """
    if run.startswith("random_"):
        return "random", {"seed": seed, "definition": run.removeprefix("random_")}
    if run == "seqgan" or run.startswith("strategy_"):
        return "seqgan", {"seed": seed, "run": run}
    return run, {"seed": seed}


def run_file(run, seed, name):
    """Output `name` (e.g. "curve") of a synthetic run of `seed`."""
    rulename, wildcards = synthetic_job(run, seed)
    return job_output(rulename, name, **wildcards)


def run_outputs(run):
    """The outputs of a synthetic run per seed (`run` may be a wildcard): the final generator, the best on
    its curve, the curve, and the per-sequence NLL-oracle of both (for the t-tests)."""
    folder = f"{SYNTHETIC}/seed{{seed}}/{run}"
    return {
        "generator": f"{folder}/generator.pt",
        "best": f"{folder}/best.pt",
        "curve": f"{folder}/curve.csv",
        "nll_final": f"{folder}/nll_final.csv",
        "nll_best": f"{folder}/nll_best.csv",
    }


def trained_generator(wildcards):
    """The generator a corpus_evaluate job scores: corpus_mle's or corpus_seqgan's."""
    return job_output(
        f"corpus_{wildcards.method}", "generator", **dict(wildcards.items())
    )


def corpus_rows(corpus):
    """The rows of a corpus's table, key -> (evaluation rule, music rendering rule, wildcards): each
    trained model per seed, and the real data."""
    rows = {
        f"seed{seed}_{method}": (
            "corpus_evaluate",
            "render_music",
            {"corpus": corpus, "seed": seed, "method": method},
        )
        for seed in seeds()
        for method in ("mle", "seqgan")
    }
    rows["real"] = ("corpus_evaluate_real", "render_music_real", {"corpus": corpus})
    return rows


# --- The CLI's arguments ------------------------------------------------------------------------------


def mirror_arg(wildcards):
    """`--mirror DIR` when corpora.mirror is set (a relative DIR is relative to the working directory)."""
    mirror = config["corpora"]["mirror"]
    return "" if mirror is None else f"--mirror {shlex.quote(mirror)}"


def oracle_params_arg(wildcards, input):
    return f"--params {shlex.quote(input.params)}" if "params" in input.keys() else ""


def init_arg(wildcards, input):
    """`--init PATH` when the job has an `init` input: the pretrained generator (none for a Scheduled Sampling
    run from scratch, scheduled_sampling_inputs)."""
    return f"--init {shlex.quote(input.init)}" if "init" in input.keys() else ""


def sibling(name):
    """Params function: the folder `name` beside the rule's first output (used for checkpoints)."""
    return lambda wildcards, output: str(Path(output[0]).parent / name)


def experiment_args(wildcards, input):
    """The flags naming a training job's data: the synthetic experiment's oracle (its NLL-oracle curve),
    or a real corpus and its vocabulary. Synthetic discriminator pretraining needs neither.
    """
    if "vocab" in input.keys():
        return f"--experiment {wildcards.corpus} --vocab {shlex.quote(input.vocab)}"
    if "oracle" in input.keys():
        return f"--oracle {shlex.quote(input.oracle)}"
    return ""


def corpus_folder(wildcards, input):
    """The preprocessed corpus's folder, from the rule's `data` input (rules.corpus.output)."""
    return Path(input.data[0]).parent


def sweep_data_args(wildcards, input):
    """The data of a quality-diversity job: the oracle and its test set, or a corpus's folder."""
    if "data" in input.keys():
        return f"--data {shlex.quote(str(corpus_folder(wildcards, input)))}"
    return f"--oracle {shlex.quote(input.oracle)} --test {shlex.quote(input.test)}"


def generator_output_args(wildcards, output):
    """The flags of the generator outputs a rule declares (a corpus's runs have no NLL-oracle files)."""
    flags = {
        "generator": "--out",
        "best": "--out-best",
        "curve": "--curve",
        "nll_final": "--nll-final",
        "nll_best": "--nll-best",
    }
    return " ".join(
        f"{flag} {shlex.quote(getattr(output, name))}"
        for name, flag in flags.items()
        if name in output.keys()
    )


def strategy_arg(wildcards):
    """`--strategy NAME` for a Figure 3 run (strategy_NAME); nothing for SeqGAN's own runs."""
    run = dict(wildcards.items()).get("run", "seqgan")
    return "" if run == "seqgan" else f"--strategy {run.removeprefix('strategy_')}"


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


# --- What the reports read ----------------------------------------------------------------------------


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


def report_inputs(wildcards):
    """The config and every file Table 1 and Figure 2 are made from, keyed KIND__RUN__SEED."""
    inputs = {"config": step_config_file("report")}
    for seed in seeds():
        inputs[f"curve__pretrain__{seed}"] = run_file("pretrain", seed, "curve")
        for run in table1_runs():
            # Final models, not best ones: choosing the best point on the same samples would bias the test.
            for kind in ("curve", "nll_final"):
                inputs[f"{kind}__{run}__{seed}"] = run_file(run, seed, kind)
    return inputs


def strategy_inputs(wildcards):
    """The config, the pretraining curves and each Figure 3 strategy's curves, keyed KIND__RUN__SEED."""
    inputs = {"config": step_config_file("report")}
    for seed in seeds():
        inputs[f"curve__pretrain__{seed}"] = run_file("pretrain", seed, "curve")
        for strategy in config["synthetic"]["strategies"]:
            path = run_file(strategy_run(strategy), seed, "curve")
            inputs[f"curve__strategy_{strategy['name']}__{seed}"] = path
    return inputs


def quality_diversity_runs(experiment):
    """The trained generators an experiment's quality-diversity figure compares: the synthetic Table 1
    rows that train one (not Random), or a corpus's MLE and SeqGAN."""
    if experiment == "synthetic":
        return [run for run in table1_runs() if not run.startswith("random_")]
    return ["mle", "seqgan"]


def quality_diversity_jobs(experiment):
    """(rule, wildcards) of every sweep of `experiment`: one per trained generator and seed."""
    if experiment == "synthetic":
        return [
            ("quality_diversity", {"seed": seed, "trained": run})
            for seed in seeds()
            for run in quality_diversity_runs(experiment)
        ]
    return [
        ("corpus_quality_diversity", {"corpus": experiment, "seed": seed, "method": m})
        for seed in seeds()
        for m in quality_diversity_runs(experiment)
    ]


def quality_diversity_inputs(wildcards):
    """Each sweep of the experiment, keyed sweep__METHOD__SEED (run_args makes the CLI's arguments)."""
    return {
        f"sweep__{job.get('trained', job.get('method'))}__{job['seed']}": job_output(
            rulename, "sweep", **job
        )
        for rulename, job in quality_diversity_jobs(wildcards.experiment)
    }


def quality_diversity_targets(experiment):
    """The experiment's quality-diversity figure, its means and summary (none without a trained model)."""
    if not quality_diversity_runs(experiment):
        return []
    return [
        job_output("report_quality_diversity", kind, experiment=experiment)
        for kind in ("csv", "md", "figure")
    ]


def report_corpus_inputs(wildcards):
    """Each row's scores and metrics, keyed KIND__ROW."""
    inputs = {}
    for key, (evaluate, _, job) in corpus_rows(wildcards.corpus).items():
        for kind in ("scores", "metrics"):
            inputs[f"{kind}__{key}"] = job_output(evaluate, kind, **job)
    return inputs


def synthetic_targets():
    """Table 1, Figure 2 and the curves; Figure 3 when the config has strategies."""
    targets = list(rules.report_synthetic.output)
    if config["synthetic"]["strategies"]:
        targets += rules.report_strategies.output
    return targets + quality_diversity_targets("synthetic")


def corpus_targets(corpus=None):
    """A corpus's Table (2, 3 or 4) and its samples; music also as MIDI and piano rolls."""
    targets = []
    for name in [corpus] if corpus else CORPORA:
        targets += [
            job_output("report_corpus", kind, corpus=name)
            for kind in ("table_csv", "table_md")
        ]
        targets += quality_diversity_targets(name)
        for evaluate, render, job in corpus_rows(name).values():
            targets.append(job_output(evaluate, "samples", **job))
            if name == "music":
                targets.append(job_output(render, "piano_roll", **job))
    return targets


def benchmarked_jobs():
    """(rule, wildcards) of every job of the run that has a `benchmark:`, in the report's order."""
    strategies = {strategy_run(s) for s in config["synthetic"]["strategies"]}
    runs = (
        "pretrain",
        "pretrain_discriminator",
        *table1_runs(),
        *sorted(strategies - {"seqgan"}),
    )
    jobs = [("oracle", {})]
    jobs += [synthetic_job(run, seed) for seed in seeds() for run in runs]
    jobs += quality_diversity_jobs("synthetic")
    for corpus in CORPORA:
        jobs += [
            ("corpus", {"corpus": corpus}),
            ("corpus_evaluate_real", {"corpus": corpus}),
        ]
        for seed in seeds():
            job = {"corpus": corpus, "seed": seed}
            steps = ("pretrain", "pretrain_discriminator", "mle", "seqgan")
            jobs += [(f"corpus_{step}", job) for step in steps]
            jobs += [
                ("corpus_evaluate", {**job, "method": m}) for m in ("mle", "seqgan")
            ]
        jobs += quality_diversity_jobs(corpus)
    return jobs


def benchmark_files():
    """(rule, benchmark file) of every job of the run, for the report's compute table: each rule's
    `benchmark:` pattern filled in with the job's wildcards."""
    return [
        (name, getattr(rules, name).benchmark.format(**job))
        for name, job in benchmarked_jobs()
    ]


def provenance_files():
    """(rule, provenance record) of every job that trains or evaluates a model: where it ran (device, GPU,
    precision, threads, host; seqgan/job_record.py), beside its benchmark file, for the report's compute
    table."""
    return [
        (name, job_output(name, "provenance", **job))
        for name, job in benchmarked_jobs()
        if "provenance" in getattr(rules, name).output.keys()
    ]


def report_page_items():
    """(CLI option, NAME or None, path) of every file the report page reads: the whole config, the tables,
    figures, samples (the first seed's, and the real data's), and every job's benchmark file and
    provenance record (where it ran).
    """
    items = [
        ("config", None, rules.report_config.output[0]),
        ("paper-config", None, "config/config.yaml"),
        ("table1", None, rules.report_synthetic.output.table_md),
        ("figure2", None, rules.report_synthetic.output.figure),
    ]
    if config["synthetic"]["strategies"]:
        items.append(("figure3", None, rules.report_strategies.output.figure))
    first = seeds()[0]
    shown = (
        {}
    )  # corpus -> the rows whose samples the page shows: the first seed's models, the real data
    for corpus in CORPORA:
        rows = corpus_rows(corpus)
        shown[corpus] = {m: rows[f"seed{first}_{m}"] for m in ("mle", "seqgan")}
        shown[corpus]["real"] = rows["real"]
        items += [
            ("table", corpus, job_output("report_corpus", "table_md", corpus=corpus)),
            (
                "table-csv",
                corpus,
                job_output("report_corpus", "table_csv", corpus=corpus),
            ),
            ("summary", corpus, job_output("corpus", "summary", corpus=corpus)),
        ]
        items += [
            ("samples", f"{corpus}/{method}", job_output(evaluate, "samples", **job))
            for method, (evaluate, _, job) in shown[corpus].items()
        ]
    for method, (_, render, job) in shown["music"].items():
        items.append(("piano-roll", method, job_output(render, "piano_roll", **job)))
        items.append(("midi", method, job_output(render, "midi", **job)))
    for experiment in EXPERIMENTS:
        if quality_diversity_runs(experiment):
            outputs = rules.report_quality_diversity.output
            items += [
                (
                    "quality-diversity",
                    experiment,
                    outputs.md.format(experiment=experiment),
                ),
                (
                    "quality-diversity-figure",
                    experiment,
                    outputs.figure.format(experiment=experiment),
                ),
            ]
    items += [("benchmark", name, path) for name, path in benchmark_files()]
    items += [("provenance", name, path) for name, path in provenance_files()]
    return items


def report_page_inputs(wildcards):
    return [path for _, _, path in report_page_items()]


def report_page_args(wildcards):
    """`--OPTION [NAME:]PATH` for every file of report_page_items (the same paths as the rule's input)."""
    return " ".join(
        f"--{option} {shlex.quote(path if name is None else f'{name}:{path}')}"
        for option, name, path in report_page_items()
    )
