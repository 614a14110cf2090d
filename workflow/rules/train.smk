# Per seed, the rows of Table 1 and the runs of Figure 3. Every trained method starts from the same
# pretrained generator (SeqGAN and its strategies also from the same pretrained discriminator) and
# writes generator.pt (final), best.pt (lowest NLL-oracle on its curve), curve.csv and the
# per-sequence NLL-oracle of both (nll_final.csv, nll_best.csv) for the t-tests.
# Runtimes (minutes) are for the paper's settings on a few CPU cores; a GPU needs far less.


# Random (paper: undefined): the seed's untrained generator, or uniform tokens.
rule random:
    input:
        config="results/synthetic/config/random.json",
        oracle="results/synthetic/oracle/oracle.pt",
        test="results/synthetic/oracle/test.pt",
    output:
        generator="results/synthetic/seed{seed}/random_{definition}/generator.pt",
        best="results/synthetic/seed{seed}/random_{definition}/best.pt",
        curve="results/synthetic/seed{seed}/random_{definition}/curve.csv",
        nll_final="results/synthetic/seed{seed}/random_{definition}/nll_final.csv",
        nll_best="results/synthetic/seed{seed}/random_{definition}/nll_best.csv",
    log:
        "logs/synthetic/seed{seed}/random_{definition}.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/random_{definition}.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: 2
    resources:
        gpu=GPUS_PER_JOB,
        runtime=30,
        mem_mb=4000,
    params:
        outputs=generator_output_args,
        device=config["device"],
    shell:
        "python -m seqgan random --definition {wildcards.definition} --config {input.config:q}"
        " --oracle {input.oracle:q} --test {input.test:q} {params.outputs}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


# Continued MLE, or Scheduled Sampling, for as many epochs as SeqGAN has adversarial iterations,
# continuing the pretraining's Adam state (the paper's MLE and SS curves).
rule teacher_forced:
    input:
        config="results/synthetic/config/{method}.json",
        oracle="results/synthetic/oracle/oracle.pt",
        train="results/synthetic/oracle/train.pt",
        test="results/synthetic/oracle/test.pt",
        init="results/synthetic/seed{seed}/pretrain/generator.pt",
    output:
        generator="results/synthetic/seed{seed}/{method}/generator.pt",
        best="results/synthetic/seed{seed}/{method}/best.pt",
        curve="results/synthetic/seed{seed}/{method}/curve.csv",
        nll_final="results/synthetic/seed{seed}/{method}/nll_final.csv",
        nll_best="results/synthetic/seed{seed}/{method}/nll_best.csv",
    log:
        "logs/synthetic/seed{seed}/{method}.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/{method}.tsv"
    wildcard_constraints:
        method="|".join(TEACHER_FORCED),
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=480,
        mem_mb=4000,
    params:
        epochs=config["synthetic"]["adversarial"]["iterations"],
        outputs=generator_output_args,
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan mle --objective {wildcards.method} --phase {wildcards.method}"
        " --config {input.config:q} --oracle {input.oracle:q} --train {input.train:q} --test {input.test:q}"
        " --init {input.init:q} --epochs {params.epochs} {params.outputs}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


# PG-BLEU (BLEU rewards of Monte Carlo completions) and the constant-reward control: SeqGAN's
# policy gradient without a discriminator.
rule pg_baseline:
    input:
        config="results/synthetic/config/{method}.json",
        oracle="results/synthetic/oracle/oracle.pt",
        train="results/synthetic/oracle/train.pt",
        test="results/synthetic/oracle/test.pt",
        generator="results/synthetic/seed{seed}/pretrain/generator.pt",
    output:
        generator="results/synthetic/seed{seed}/{method}/generator.pt",
        best="results/synthetic/seed{seed}/{method}/best.pt",
        curve="results/synthetic/seed{seed}/{method}/curve.csv",
        nll_final="results/synthetic/seed{seed}/{method}/nll_final.csv",
        nll_best="results/synthetic/seed{seed}/{method}/nll_best.csv",
    log:
        "logs/synthetic/seed{seed}/{method}.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/{method}.tsv"
    wildcard_constraints:
        method="|".join(PG_BASELINES),
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=1440,
        mem_mb=8000,
    params:
        reward=lambda wildcards: PG_BASELINES[wildcards.method],
        outputs=generator_output_args,
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan policy-gradient --reward {params.reward} --phase {wildcards.method}"
        " --config {input.config:q} --oracle {input.oracle:q} --train {input.train:q} --test {input.test:q}"
        " --generator {input.generator:q} {params.outputs}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


# SeqGAN (run "seqgan": the `adversarial` settings) and the Figure 3 strategies (run "strategy_NAME").
rule seqgan:
    input:
        config="results/synthetic/config/{run}.json",
        oracle="results/synthetic/oracle/oracle.pt",
        train="results/synthetic/oracle/train.pt",
        test="results/synthetic/oracle/test.pt",
        generator="results/synthetic/seed{seed}/pretrain/generator.pt",
        discriminator="results/synthetic/seed{seed}/pretrain/discriminator.pt",
    output:
        generator="results/synthetic/seed{seed}/{run}/generator.pt",
        best="results/synthetic/seed{seed}/{run}/best.pt",
        curve="results/synthetic/seed{seed}/{run}/curve.csv",
        nll_final="results/synthetic/seed{seed}/{run}/nll_final.csv",
        nll_best="results/synthetic/seed{seed}/{run}/nll_best.csv",
        discriminator="results/synthetic/seed{seed}/{run}/discriminator.pt",
    log:
        "logs/synthetic/seed{seed}/{run}.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/{run}.tsv"
    wildcard_constraints:
        run=r"seqgan|strategy_[A-Za-z0-9]+",
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=2880,
        mem_mb=8000,
    params:
        strategy=lambda wildcards: (
            f"--strategy {wildcards.run.removeprefix('strategy_')}"
            if wildcards.run != "seqgan"
            else ""
        ),
        outputs=generator_output_args,
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan policy-gradient --reward discriminator {params.strategy} --phase {wildcards.run}"
        " --config {input.config:q} --oracle {input.oracle:q} --train {input.train:q} --test {input.test:q}"
        " --generator {input.generator:q} --discriminator {input.discriminator:q}"
        " {params.outputs} --out-discriminator {output.discriminator:q}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


# The real corpora: the MLE baseline (pretraining continued for as many epochs as SeqGAN has
# adversarial iterations, as in the synthetic experiment) and SeqGAN, from the same pretrained models.
rule corpus_mle:
    input:
        config="results/{corpus}/config/mle.json",
        vocab="results/{corpus}/data/vocab.json",
        train="results/{corpus}/data/train.pt",
        test="results/{corpus}/data/test.pt",
        init="results/{corpus}/seed{seed}/pretrain/generator.pt",
    output:
        generator="results/{corpus}/seed{seed}/mle/generator.pt",
        curve="results/{corpus}/seed{seed}/mle/curve.csv",
    log:
        "logs/{corpus}/seed{seed}/mle.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/mle.tsv"
    wildcard_constraints:
        corpus="|".join(CORPORA),
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=480,
        mem_mb=4000,
    params:
        epochs=lambda wildcards: config[wildcards.corpus]["adversarial"]["iterations"],
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan mle --experiment {wildcards.corpus} --phase mle --config {input.config:q}"
        " --vocab {input.vocab:q} --train {input.train:q} --test {input.test:q}"
        " --init {input.init:q} --epochs {params.epochs} --out {output.generator:q} --curve {output.curve:q}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


rule corpus_seqgan:
    input:
        config="results/{corpus}/config/seqgan.json",
        vocab="results/{corpus}/data/vocab.json",
        train="results/{corpus}/data/train.pt",
        test="results/{corpus}/data/test.pt",
        generator="results/{corpus}/seed{seed}/pretrain/generator.pt",
        discriminator="results/{corpus}/seed{seed}/pretrain/discriminator.pt",
    output:
        generator="results/{corpus}/seed{seed}/seqgan/generator.pt",
        curve="results/{corpus}/seed{seed}/seqgan/curve.csv",
        discriminator="results/{corpus}/seed{seed}/seqgan/discriminator.pt",
    log:
        "logs/{corpus}/seed{seed}/seqgan.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/seqgan.tsv"
    wildcard_constraints:
        corpus="|".join(CORPORA),
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=2880,
        mem_mb=8000,
    params:
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan policy-gradient --reward discriminator --experiment {wildcards.corpus} --phase seqgan"
        " --config {input.config:q} --vocab {input.vocab:q} --train {input.train:q} --test {input.test:q}"
        " --generator {input.generator:q} --discriminator {input.discriminator:q}"
        " --out {output.generator:q} --curve {output.curve:q} --out-discriminator {output.discriminator:q}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"
