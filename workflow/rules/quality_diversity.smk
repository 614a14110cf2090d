# Quality-diversity curves (after Caccia et al. 2020): every trained generator sampled at each softmax
# temperature of its experiment's `quality_diversity.temperatures`, one job per (method, seed); then one
# figure per experiment. Synthetic: NLL-oracle against NLL-test. A corpus: BLEU against Self-BLEU.


rule quality_diversity:
    input:
        config=step_config_file("quality_diversity"),
        generator=trained_synthetic_generator,
        oracle=rules.oracle.output.oracle,
        test=rules.oracle.output.test,
    output:
        sweep="results/synthetic/seed{seed}/{trained}/quality_diversity.csv",
        provenance="benchmarks/synthetic/seed{seed}/quality_diversity_{trained}.json",
    log:
        "logs/synthetic/seed{seed}/quality_diversity_{trained}.log",
    benchmark:
        "benchmarks/synthetic/seed{seed}/quality_diversity_{trained}.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=60,
        mem_mb=4000,
    params:
        experiment="synthetic",
        method=lambda wildcards: wildcards.trained,
        data=sweep_data_args,
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan quality-diversity {params.experiment} --config {input.config:q}"
        " --generator {input.generator:q} --method {params.method} --seed {wildcards.seed}"
        " {params.data} --out {output.sweep:q} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


use rule quality_diversity as corpus_quality_diversity with:
    input:
        config=step_config_file("quality_diversity", "{corpus}"),
        data=rules.corpus.output,
        generator=trained_generator,
    output:
        sweep="results/{corpus}/seed{seed}/{method}/quality_diversity.csv",
        provenance="benchmarks/{corpus}/seed{seed}/quality_diversity_{method}.json",
    log:
        "logs/{corpus}/seed{seed}/quality_diversity_{method}.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/quality_diversity_{method}.tsv"
    resources:
        gpu=GPUS_PER_JOB,
        runtime=60,
        mem_mb=8000,  # the whole corpus as references, as corpus_evaluate
    params:
        experiment=lambda wildcards: wildcards.corpus,
        method=lambda wildcards: wildcards.method,


rule report_quality_diversity:
    input:
        unpack(quality_diversity_inputs),
    output:
        csv="results/{experiment}/quality_diversity.csv",
        md="results/{experiment}/quality_diversity.md",
        figure=report(
            "results/{experiment}/quality_diversity.png",
            category="{experiment}",
            caption="../report/quality_diversity.rst",
        ),
    log:
        "logs/{experiment}/report_quality_diversity.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        runs=run_args,
    shell:
        "python -m seqgan report-quality-diversity {wildcards.experiment} {params.runs}"
        " --out-csv {output.csv:q} --out-md {output.md:q} --out-figure {output.figure:q} > {log:q} 2>&1"
