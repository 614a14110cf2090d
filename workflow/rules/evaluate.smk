# The real corpora's scores (Tables 2-4): each model's samples against the test split, and the test
# split itself against the training split (the paper's "real data" row).


rule corpus_evaluate:
    input:
        config="results/{corpus}/config/evaluate.json",
        data=corpus_data,
        generator="results/{corpus}/seed{seed}/{method}/generator.pt",
    output:
        scores="results/{corpus}/seed{seed}/{method}/scores.csv",
        metrics="results/{corpus}/seed{seed}/{method}/metrics.json",
        samples="results/{corpus}/seed{seed}/{method}/samples.txt",
        sequences="results/{corpus}/seed{seed}/{method}/samples.pt",
    log:
        "logs/{corpus}/seed{seed}/evaluate_{method}.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/evaluate_{method}.tsv"
    wildcard_constraints:
        corpus="|".join(CORPORA),
        method="mle|seqgan",
    conda:
        "../envs/seqgan.yaml"
    threads: 2
    resources:
        gpu=GPUS_PER_JOB,
        runtime=60,
        mem_mb=8000,
    params:
        data=lambda wildcards, input: Path(input.data[0]).parent,
        device=config["device"],
    shell:
        "python -m seqgan evaluate {wildcards.corpus} --config {input.config:q} --data {params.data:q}"
        " --generator {input.generator:q} --method {wildcards.method} --out-scores {output.scores:q}"
        " --out-metrics {output.metrics:q} --out-samples {output.samples:q} --out-sequences {output.sequences:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device} > {log:q} 2>&1"


rule corpus_real_data:
    input:
        config="results/{corpus}/config/evaluate.json",
        data=corpus_data,
    output:
        scores="results/{corpus}/real/scores.csv",
        metrics="results/{corpus}/real/metrics.json",
        samples="results/{corpus}/real/samples.txt",
        sequences="results/{corpus}/real/samples.pt",
    log:
        "logs/{corpus}/evaluate_real.log",
    benchmark:
        "benchmarks/{corpus}/evaluate_real.tsv"
    wildcard_constraints:
        corpus="|".join(CORPORA),
    conda:
        "../envs/seqgan.yaml"
    threads: 2
    resources:
        runtime=60,
        mem_mb=8000,
    params:
        data=lambda wildcards, input: Path(input.data[0]).parent,
    shell:
        "python -m seqgan evaluate {wildcards.corpus} --config {input.config:q} --data {params.data:q}"
        " --method real --out-scores {output.scores:q} --out-metrics {output.metrics:q}"
        " --out-samples {output.samples:q} --out-sequences {output.sequences:q}"
        " --threads {threads} > {log:q} 2>&1"


# Music samples to listen to and look at: the first five as MIDI files, and a piano roll.
rule music_render:
    input:
        config="results/music/config/evaluate.json",
        vocab="results/music/data/vocab.json",
        sequences="results/music/{run}/samples.pt",
    output:
        midi=directory("results/music/{run}/midi"),
        piano_roll=report(
            "results/music/{run}/piano_roll.png",
            category="music",
            subcategory="samples",
            caption="../report/piano_roll.rst",
        ),
    log:
        "logs/music/render_{run}.log",
    wildcard_constraints:
        run=r"seed\d+/(mle|seqgan)|real",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        title=lambda wildcards: f"Nottingham, {wildcards.run}",
    shell:
        "python -m seqgan render-music --config {input.config:q} --vocab {input.vocab:q}"
        " --sequences {input.sequences:q} --title {params.title:q} --out-midi-dir {output.midi:q}"
        " --out-piano-roll {output.piano_roll:q} > {log:q} 2>&1"
