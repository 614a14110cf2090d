# Pretraining, per seed: the generator by MLE, then the discriminator on its samples.
# Runtimes (minutes) are for the paper's settings on a few CPU cores; a GPU needs far less.


rule pretrain:
    input:
        config="results/synthetic/config/pretrain.json",
        oracle="results/synthetic/oracle/oracle.pt",
        train="results/synthetic/oracle/train.pt",
        test="results/synthetic/oracle/test.pt",
    output:
        generator="results/synthetic/seed{seed}/pretrain/generator.pt",
        curve="results/synthetic/seed{seed}/pretrain/curve.csv",
    log:
        "logs/synthetic/seed{seed}/pretrain.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/pretrain.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=180,
        mem_mb=4000,
    params:
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan mle --config {input.config:q} --oracle {input.oracle:q}"
        " --train {input.train:q} --test {input.test:q} --phase pretrain"
        " --out {output.generator:q} --curve {output.curve:q} --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


rule pretrain_discriminator:
    input:
        config="results/synthetic/config/pretrain_discriminator.json",
        generator="results/synthetic/seed{seed}/pretrain/generator.pt",
        train="results/synthetic/oracle/train.pt",
    output:
        discriminator="results/synthetic/seed{seed}/pretrain/discriminator.pt",
    log:
        "logs/synthetic/seed{seed}/pretrain_discriminator.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/pretrain_discriminator.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=240,
        mem_mb=4000,
    params:
        checkpoints=sibling("d_checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan pretrain-d --config {input.config:q} --generator {input.generator:q}"
        " --train {input.train:q} --out {output.discriminator:q} --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


# The real corpora, per corpus and seed: MLE pretraining on the training split (NLL-test on the
# test split is the curve; there is no oracle), then the discriminator on its samples.
rule corpus_pretrain:
    input:
        config="results/{corpus}/config/pretrain.json",
        vocab="results/{corpus}/data/vocab.json",
        train="results/{corpus}/data/train.pt",
        test="results/{corpus}/data/test.pt",
    output:
        generator="results/{corpus}/seed{seed}/pretrain/generator.pt",
        curve="results/{corpus}/seed{seed}/pretrain/curve.csv",
    log:
        "logs/{corpus}/seed{seed}/pretrain.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/pretrain.tsv"
    wildcard_constraints:
        corpus="|".join(CORPORA),
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=360,
        mem_mb=4000,
    params:
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan mle --experiment {wildcards.corpus} --config {input.config:q} --vocab {input.vocab:q}"
        " --train {input.train:q} --test {input.test:q} --phase pretrain"
        " --out {output.generator:q} --curve {output.curve:q} --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


rule corpus_pretrain_discriminator:
    input:
        config="results/{corpus}/config/pretrain_discriminator.json",
        vocab="results/{corpus}/data/vocab.json",
        generator="results/{corpus}/seed{seed}/pretrain/generator.pt",
        train="results/{corpus}/data/train.pt",
    output:
        discriminator="results/{corpus}/seed{seed}/pretrain/discriminator.pt",
    log:
        "logs/{corpus}/seed{seed}/pretrain_discriminator.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/pretrain_discriminator.tsv"
    wildcard_constraints:
        corpus="|".join(CORPORA),
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=GPUS_PER_JOB,
        runtime=240,
        mem_mb=4000,
    params:
        checkpoints=sibling("d_checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan pretrain-d --experiment {wildcards.corpus} --config {input.config:q}"
        " --vocab {input.vocab:q} --generator {input.generator:q} --train {input.train:q}"
        " --out {output.discriminator:q} --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"
