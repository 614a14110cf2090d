# Helpers shared by the rules: functions only (snakemake --lint objects to mixing them with rules).
#
# Layout of results/synthetic (per seed S):
#   config.json                 the resolved `synthetic` config; every job takes it as input, so a
#                               config change reruns exactly what depends on it
#   oracle/{oracle,train,test}.pt
#   seedS/pretrain/             MLE-pretrained generator and pretrained discriminator
#   seedS/mle/, seedS/seqgan/   the continued-MLE baseline and SeqGAN from the same start
# Checkpoint folders (.../checkpoints, .../d_checkpoints) are deliberately not declared outputs:
# Snakemake would delete them when a job fails, and the CLI resumes from them on the next run.
from pathlib import Path
import shlex

SYNTHETIC = "results/synthetic"
ORACLE_PARAMS = "results/downloads/seqgan_oracle/target_params_py3.pkl"
METHODS = ("pretrain", "mle", "seqgan")


def seeds():
    return config["seeds"]


def mirror_arg(wildcards):
    """`--mirror DIR` when corpora.mirror is set (a relative DIR is relative to the working directory)."""
    mirror = config["corpora"]["mirror"]
    return "" if mirror is None else f"--mirror {shlex.quote(mirror)}"


def oracle_inputs(wildcards):
    """The resolved config, plus the released parameters when the original oracle is used."""
    inputs = {"config": f"{SYNTHETIC}/config.json"}
    if config["synthetic"]["oracle"]["source"] == "original":
        inputs["params"] = ORACLE_PARAMS
    return inputs


def oracle_params_arg(wildcards, input):
    return f"--params {shlex.quote(input.params)}" if "params" in input.keys() else ""


def sibling(name):
    """Params function: the folder `name` beside the rule's first output (used for checkpoints)."""
    return lambda wildcards, output: str(Path(output[0]).parent / name)


def curve(method, seed):
    return f"{SYNTHETIC}/seed{seed}/{method}/curve.csv"


def report_curves(wildcards):
    """Every learning curve the synthetic report draws, named METHOD_SEED."""
    return {f"{m}_{s}": curve(m, s) for s in seeds() for m in METHODS}


def report_curve_args(wildcards, input):
    """`--curve METHOD:SEED:PATH` for every curve (paths taken from `input`, so they stay tracked)."""
    args = (f"{m}:{s}:{getattr(input, f'{m}_{s}')}" for s in seeds() for m in METHODS)
    return " ".join(f"--curve {shlex.quote(a)}" for a in args)


def synthetic_targets():
    return [
        f"{SYNTHETIC}/nll_oracle.png",
        f"{SYNTHETIC}/nll_oracle.svg",
        f"{SYNTHETIC}/summary.csv",
        f"{SYNTHETIC}/summary.md",
    ]
