# seqgan-repro: SeqGAN (Yu et al., AAAI 2017) as a Snakemake workflow over the `seqgan` package.
#   snakemake --cores all                                          # the paper's settings
#   snakemake --cores all --configfile config/presets/quick.yaml   # the whole pipeline on a laptop CPU
# Run from the repository root: config/ is read from the working directory and the rules call
# `python -m seqgan`. Execution defaults (cores, default resources) live in profiles/default; how the
# jobs use this machine (device, GPU slots, threads) is planned once in workflow/rules/common.smk.
import sys

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# The package validates the config: its schema (seqgan/config/schema.yaml), then the checks across keys
# (unique strategy names, floor <= start), before anything is planned. A checkout that is not installed
# works too: the package beside this file needs only PyYAML and jsonschema here, which Snakemake has.
try:
    import seqgan.config
except ImportError:
    sys.path.insert(0, workflow.basedir)
    import seqgan.config
try:
    seqgan.config.validate_workflow(
        config,
        files=["config/config.yaml", *workflow.overwrite_configfiles],
        overrides=workflow.config_settings.config,  # --config KEY=VALUE
    )
except seqgan.config.ConfigError as err:
    # The one line and exit status 1: a WorkflowError would add Snakemake's header and traceback line.
    sys.exit(f"invalid config: {err}")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# The values each wildcard takes, for every rule (a rule narrows one only where it says why).
wildcard_constraints:
    seed=r"\d+",
    experiment="|".join(EXPERIMENTS),
    corpus="|".join(CORPORA),
    step=r"\w+",  # a step of seqgan/stages.py, or "report"
    definition=r"\w+",  # a Random definition (synthetic.random)
    run=r"seqgan|strategy_[A-Za-z0-9]+",  # SeqGAN's own runs: the paper's, and the Figure 3 strategies
    method="mle|seqgan",  # the trained models of a corpus's table
    trained="mle|scheduled_sampling|pg_bleu|constant_reward|seqgan",  # synthetic runs with a trained generator


include: "workflow/rules/data.smk"
include: "workflow/rules/oracle.smk"
include: "workflow/rules/pretrain.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/quality_diversity.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        synthetic_targets(),
        corpus_targets(),
        rules.report_page.output.html,


# Named target: the synthetic (oracle) experiment, the paper's Table 1 and Figures 2 and 3.
rule synthetic:
    input:
        synthetic_targets(),


# Named target: the report page (results/report/index.html and report.md), with everything it shows.
rule report:
    input:
        rules.report_page.output.html,


# Named targets of the real corpora: the paper's Tables 2, 3 and 4 with their samples.
rule poems:
    input:
        corpus_targets("poems"),


rule obama:
    input:
        corpus_targets("obama"),


rule music:
    input:
        corpus_targets("music"),
