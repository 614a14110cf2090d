# seqgan-repro: SeqGAN (Yu et al., AAAI 2017) as a Snakemake workflow over the `seqgan` package.
#   snakemake --cores all                                          # the paper's settings
#   snakemake --cores all --configfile config/presets/quick.yaml   # the whole pipeline on a laptop CPU
# Run from the repository root: config/ is read from the working directory and the rules call
# `python -m seqgan`. Execution defaults (cores, resources) live in profiles/default.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")
# The checks a JSON schema cannot express (unique strategy names, floor <= start) are the package's.
# Where Snakemake runs beside it (the usual install) they run here, before anything is planned;
# otherwise (Snakemake outside the package's environment, with --use-conda) the first job runs them.
try:
    from seqgan.config import CORPORA, SyntheticConfig
except ImportError:
    pass
else:
    SyntheticConfig.from_dict(config["synthetic"], "synthetic.")
    for key, section in CORPORA.items():
        section.from_dict(config[key], f"{key}.")


report: "workflow/report/workflow.rst"


wildcard_constraints:
    seed=r"\d+",


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/oracle.smk"
include: "workflow/rules/pretrain.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        synthetic_targets(),
        corpus_targets(),
        "results/report/index.html",


# Named target: the synthetic (oracle) experiment, the paper's Table 1 and Figures 2 and 3.
rule synthetic:
    input:
        synthetic_targets(),


# Named target: the report page (results/report/index.html and report.md), with everything it shows.
rule report:
    input:
        "results/report/index.html",


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
