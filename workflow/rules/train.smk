# Per seed, the rows of Table 1 and the runs of Figure 3, then the real corpora's MLE and SeqGAN.
# Every trained method starts from the same pretrained generator (SeqGAN and its strategies also from
# the same pretrained discriminator; Scheduled Sampling unless its config says scratch); see run_outputs
# for what each synthetic run writes.
# Runtimes (minutes) are for the paper's settings on a few CPU cores; a GPU needs far less.


# Random (paper: undefined): the seed's untrained generator, or uniform tokens.
rule random:
    input:
        config=step_config_file("random"),
        oracle=rules.oracle.output.oracle,
        test=rules.oracle.output.test,
    output:
        **run_outputs("random_{definition}"),
        provenance="benchmarks/synthetic/seed{seed}/random_{definition}.json",
    log:
        "logs/synthetic/seed{seed}/random_{definition}.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/random_{definition}.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=30,
        mem_mb=4000,
    params:
        outputs=generator_output_args,
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan random --definition {wildcards.definition} --config {input.config:q}"
        " --oracle {input.oracle:q} --test {input.test:q} {params.outputs}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


# Continued MLE for as many epochs as SeqGAN has adversarial iterations, from the pretrained generator
# and its Adam state (the paper's MLE curve).
rule mle:
    input:
        config=step_config_file("mle"),
        oracle=rules.oracle.output.oracle,
        train=rules.oracle.output.train,
        test=rules.oracle.output.test,
        init=rules.pretrain.output.generator,
    output:
        **run_outputs("mle"),
        provenance="benchmarks/synthetic/seed{seed}/mle.json",
    log:
        "logs/synthetic/seed{seed}/mle.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/mle.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=480,
        mem_mb=4000,
    params:
        verb="mle",
        epochs=config["synthetic"]["adversarial"]["iterations"],
        init=init_arg,
        experiment=experiment_args,
        outputs=generator_output_args,
        checkpoints=sibling("checkpoints"),
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan {params.verb} {params.experiment} --config {input.config:q}"
        " --train {input.train:q} --test {input.test:q} {params.init} --epochs {params.epochs}"
        " {params.outputs} --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


# Scheduled Sampling (Bengio et al. 2015): as MLE, feeding the generator its own tokens ever more often.
# From the pretrained generator and its Adam state, or, with `scheduled_sampling.init: scratch`, from the
# seed's untrained one: then the pretrained generator is no input (nor is pretraining run for it).
# --epochs is the count `scheduled_sampling.epochs: null` stands for: SeqGAN's adversarial iterations.
use rule mle as scheduled_sampling with:
    input:
        unpack(scheduled_sampling_inputs),
    output:
        **run_outputs("scheduled_sampling"),
        provenance="benchmarks/synthetic/seed{seed}/scheduled_sampling.json",
    log:
        "logs/synthetic/seed{seed}/scheduled_sampling.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/scheduled_sampling.tsv"
    params:
        verb="scheduled-sampling",


# PG-BLEU: SeqGAN's policy gradient with BLEU rewards of Monte Carlo completions (the training data, or
# its leading `pg_bleu.reference_fraction`, as references) instead of a discriminator's.
rule pg_bleu:
    input:
        config=step_config_file("pg_bleu"),
        oracle=rules.oracle.output.oracle,
        train=rules.oracle.output.train,
        test=rules.oracle.output.test,
        generator=rules.pretrain.output.generator,
    output:
        **run_outputs("pg_bleu"),
        provenance="benchmarks/synthetic/seed{seed}/pg_bleu.json",
    log:
        "logs/synthetic/seed{seed}/pg_bleu.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/pg_bleu.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=1440,
        mem_mb=8000,
    params:
        verb="pg-bleu",
        outputs=generator_output_args,
        checkpoints=sibling("checkpoints"),
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan {params.verb} --config {input.config:q} --oracle {input.oracle:q}"
        " --train {input.train:q} --test {input.test:q} --generator {input.generator:q} {params.outputs}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


# The control: the same policy gradient with every reward 1.
use rule pg_bleu as constant_reward with:
    input:
        config=step_config_file("constant_reward"),
        oracle=rules.oracle.output.oracle,
        train=rules.oracle.output.train,
        test=rules.oracle.output.test,
        generator=rules.pretrain.output.generator,
    output:
        **run_outputs("constant_reward"),
        provenance="benchmarks/synthetic/seed{seed}/constant_reward.json",
    log:
        "logs/synthetic/seed{seed}/constant_reward.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/constant_reward.tsv"
    params:
        verb="constant-reward",


# SeqGAN (run "seqgan": the `adversarial` settings) and the Figure 3 strategies (run "strategy_NAME").
rule seqgan:
    input:
        config=step_config_file("{run}"),
        oracle=rules.oracle.output.oracle,
        train=rules.oracle.output.train,
        test=rules.oracle.output.test,
        generator=rules.pretrain.output.generator,
        discriminator=rules.pretrain_discriminator.output.discriminator,
    output:
        **run_outputs("{run}"),
        discriminator="results/synthetic/seed{seed}/{run}/discriminator.pt",
        provenance="benchmarks/synthetic/seed{seed}/{run}.json",
    log:
        "logs/synthetic/seed{seed}/{run}.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/{run}.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=2880,
        mem_mb=8000,
    params:
        strategy=strategy_arg,
        experiment=experiment_args,
        outputs=generator_output_args,
        checkpoints=sibling("checkpoints"),
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan seqgan {params.experiment} {params.strategy} --config {input.config:q}"
        " --train {input.train:q} --test {input.test:q}"
        " --generator {input.generator:q} --discriminator {input.discriminator:q}"
        " {params.outputs} --out-discriminator {output.discriminator:q}"
        " --checkpoint-dir {params.checkpoints:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


# The real corpora: the MLE baseline (pretraining continued for as many epochs as SeqGAN has
# adversarial iterations, as in the synthetic experiment) and SeqGAN, from the same pretrained models.
use rule mle as corpus_mle with:
    input:
        config=step_config_file("mle", "{corpus}"),
        vocab=rules.corpus.output.vocab,
        train=rules.corpus.output.train,
        test=rules.corpus.output.test,
        init=rules.corpus_pretrain.output.generator,
    output:
        generator="results/{corpus}/seed{seed}/mle/generator.pt",
        curve="results/{corpus}/seed{seed}/mle/curve.csv",
        provenance="benchmarks/{corpus}/seed{seed}/mle.json",
    log:
        "logs/{corpus}/seed{seed}/mle.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/mle.tsv"
    params:
        epochs=lambda wildcards: config[wildcards.corpus]["adversarial"]["iterations"],


use rule seqgan as corpus_seqgan with:
    input:
        config=step_config_file("seqgan", "{corpus}"),
        vocab=rules.corpus.output.vocab,
        train=rules.corpus.output.train,
        test=rules.corpus.output.test,
        generator=rules.corpus_pretrain.output.generator,
        discriminator=rules.corpus_pretrain_discriminator.output.discriminator,
    output:
        generator="results/{corpus}/seed{seed}/seqgan/generator.pt",
        curve="results/{corpus}/seed{seed}/seqgan/curve.csv",
        discriminator="results/{corpus}/seed{seed}/seqgan/discriminator.pt",
        provenance="benchmarks/{corpus}/seed{seed}/seqgan.json",
    log:
        "logs/{corpus}/seed{seed}/seqgan.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/seqgan.tsv"
