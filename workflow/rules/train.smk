# Per seed, from the same pretrained generator: the continued-MLE baseline and SeqGAN.
# Runtimes (minutes) are for the paper's settings on a few CPU cores; a GPU needs far less.


# Continued MLE for as many epochs as SeqGAN has adversarial iterations (the paper's MLE curve).
rule mle:
    input:
        config="results/synthetic/config.json",
        oracle="results/synthetic/oracle/oracle.pt",
        train="results/synthetic/oracle/train.pt",
        test="results/synthetic/oracle/test.pt",
        init="results/synthetic/seed{seed}/pretrain/generator.pt",
    output:
        generator="results/synthetic/seed{seed}/mle/generator.pt",
        curve="results/synthetic/seed{seed}/mle/curve.csv",
    log:
        "logs/synthetic/seed{seed}/mle.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/mle.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=1,
        runtime=240,
        mem_mb=4000,
    params:
        epochs=lambda wildcards: config["synthetic"]["adversarial"]["iterations"],
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan mle --config {input.config:q} --oracle {input.oracle:q}"
        " --train {input.train:q} --test {input.test:q} --phase mle"
        " --init {input.init:q} --epochs {params.epochs}"
        " --out {output.generator:q} --curve {output.curve:q} --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"


# SeqGAN: policy gradient with Monte Carlo search rewards from the discriminator.
rule seqgan:
    input:
        config="results/synthetic/config.json",
        oracle="results/synthetic/oracle/oracle.pt",
        train="results/synthetic/oracle/train.pt",
        test="results/synthetic/oracle/test.pt",
        generator="results/synthetic/seed{seed}/pretrain/generator.pt",
        discriminator="results/synthetic/seed{seed}/pretrain/discriminator.pt",
    output:
        generator="results/synthetic/seed{seed}/seqgan/generator.pt",
        discriminator="results/synthetic/seed{seed}/seqgan/discriminator.pt",
        curve="results/synthetic/seed{seed}/seqgan/curve.csv",
    log:
        "logs/synthetic/seed{seed}/seqgan.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/seqgan.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: 4
    resources:
        gpu=1,
        runtime=2880,
        mem_mb=8000,
    params:
        checkpoints=sibling("checkpoints"),
        device=config["device"],
    shell:
        "python -m seqgan adversarial --config {input.config:q} --oracle {input.oracle:q}"
        " --train {input.train:q} --test {input.test:q}"
        " --generator {input.generator:q} --discriminator {input.discriminator:q}"
        " --out-generator {output.generator:q} --out-discriminator {output.discriminator:q}"
        " --curve {output.curve:q} --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " > {log:q} 2>&1"
