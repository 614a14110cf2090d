# Pretraining, per seed: the generator by MLE, then the discriminator on its samples. The corpus_
# rules are the same steps on a real corpus: NLL-test on its test split is the curve (there is no
# oracle). Runtimes (minutes) are for the paper's settings on a few CPU cores; a GPU needs far less.


rule pretrain:
    input:
        config=step_config_file("pretrain"),
        oracle=rules.oracle.output.oracle,
        train=rules.oracle.output.train,
        test=rules.oracle.output.test,
    output:
        generator="results/synthetic/seed{seed}/pretrain/generator.pt",
        curve="results/synthetic/seed{seed}/pretrain/curve.csv",
        provenance="benchmarks/synthetic/seed{seed}/pretrain.json",
    log:
        "logs/synthetic/seed{seed}/pretrain.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/pretrain.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=180,
        mem_mb=4000,
    params:
        experiment=experiment_args,
        outputs=generator_output_args,
        checkpoints=sibling("checkpoints"),
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan pretrain {params.experiment} --config {input.config:q}"
        " --train {input.train:q} --test {input.test:q} {params.outputs}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


use rule pretrain as corpus_pretrain with:
    input:
        config=step_config_file("pretrain", "{corpus}"),
        vocab=rules.corpus.output.vocab,
        train=rules.corpus.output.train,
        test=rules.corpus.output.test,
    output:
        generator="results/{corpus}/seed{seed}/pretrain/generator.pt",
        curve="results/{corpus}/seed{seed}/pretrain/curve.csv",
        provenance="benchmarks/{corpus}/seed{seed}/pretrain.json",
    log:
        "logs/{corpus}/seed{seed}/pretrain.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/pretrain.tsv"
    resources:
        gpu=GPUS_PER_JOB,
        runtime=360,
        mem_mb=4000,


rule pretrain_discriminator:
    input:
        config=step_config_file("pretrain_discriminator"),
        generator=rules.pretrain.output.generator,
        train=rules.oracle.output.train,
    output:
        discriminator="results/synthetic/seed{seed}/pretrain/discriminator.pt",
        provenance="benchmarks/synthetic/seed{seed}/pretrain_discriminator.json",
    log:
        "logs/synthetic/seed{seed}/pretrain_discriminator.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/pretrain_discriminator.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=240,
        mem_mb=4000,
    params:
        experiment=experiment_args,
        checkpoints=sibling("d_checkpoints"),
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan pretrain-discriminator {params.experiment} --config {input.config:q}"
        " --generator {input.generator:q} --train {input.train:q} --out {output.discriminator:q}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


use rule pretrain_discriminator as corpus_pretrain_discriminator with:
    input:
        config=step_config_file("pretrain_discriminator", "{corpus}"),
        vocab=rules.corpus.output.vocab,
        generator=rules.corpus_pretrain.output.generator,
        train=rules.corpus.output.train,
    output:
        discriminator="results/{corpus}/seed{seed}/pretrain/discriminator.pt",
        provenance="benchmarks/{corpus}/seed{seed}/pretrain_discriminator.json",
    log:
        "logs/{corpus}/seed{seed}/pretrain_discriminator.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/pretrain_discriminator.tsv"
