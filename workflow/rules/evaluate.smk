# The real corpora's scores (Tables 2-4), on two reference bases (seqgan/metrics/corpus_scores.py):
# "paper" = the whole corpus (comparable with the paper), "leak_free" = the test split. Each model's
# samples, and the paper's "real data" row (eval.num_samples training sequences, each left out of its own
# references), are scored the same way against the same references; music also rendered.


rule corpus_evaluate:
    input:
        config=step_config_file("evaluate", "{corpus}"),
        data=rules.corpus.output,
        generator=trained_generator,
    output:
        scores="results/{corpus}/seed{seed}/{method}/scores.csv",
        metrics="results/{corpus}/seed{seed}/{method}/metrics.json",
        samples="results/{corpus}/seed{seed}/{method}/samples.txt",
        sequences="results/{corpus}/seed{seed}/{method}/samples.pt",
        provenance="benchmarks/{corpus}/seed{seed}/evaluate_{method}.json",
    log:
        "logs/{corpus}/seed{seed}/evaluate_{method}.log",
    benchmark:
        "benchmarks/{corpus}/seed{seed}/evaluate_{method}.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        gpu=GPUS_PER_JOB,
        runtime=60,
        mem_mb=8000,
    params:
        data=corpus_folder,
        device=job_device,
        gpu_slot=gpu_slot_prefix,
    shell:
        "{params.gpu_slot}python -m seqgan evaluate {wildcards.corpus} --config {input.config:q} --data {params.data:q}"
        " --generator {input.generator:q} --method {wildcards.method} --out-scores {output.scores:q}"
        " --out-metrics {output.metrics:q} --out-samples {output.samples:q} --out-sequences {output.sequences:q}"
        " --seed {wildcards.seed} --threads {threads} --device {params.device}"
        " --provenance {output.provenance:q} > {log:q} 2>&1"


rule corpus_evaluate_real:
    input:
        config=step_config_file("evaluate", "{corpus}"),
        data=rules.corpus.output,
    output:
        scores="results/{corpus}/real/scores.csv",
        metrics="results/{corpus}/real/metrics.json",
        samples="results/{corpus}/real/samples.txt",
        sequences="results/{corpus}/real/samples.pt",
        provenance="benchmarks/{corpus}/evaluate_real.json",
    log:
        "logs/{corpus}/evaluate_real.log",
    benchmark:
        "benchmarks/{corpus}/evaluate_real.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: THREADS
    resources:
        runtime=60,
        mem_mb=8000,
    params:
        data=corpus_folder,
    shell:
        "python -m seqgan evaluate {wildcards.corpus} --config {input.config:q} --data {params.data:q}"
        " --method real --out-scores {output.scores:q} --out-metrics {output.metrics:q}"
        " --out-samples {output.samples:q} --out-sequences {output.sequences:q}"
        " --threads {threads} --provenance {output.provenance:q} > {log:q} 2>&1"


# Music samples to listen to and look at: the first five as MIDI files, and a piano roll.
rule render_music:
    input:
        config=step_config_file("render_music", "{corpus}"),
        vocab=rules.corpus.output.vocab,
        sequences=rules.corpus_evaluate.output.sequences,
    output:
        midi=directory("results/{corpus}/seed{seed}/{method}/midi"),
        piano_roll=report(
            "results/{corpus}/seed{seed}/{method}/piano_roll.png",
            category="music",
            subcategory="samples",
            caption="../report/piano_roll.rst",
        ),
    log:
        "logs/{corpus}/seed{seed}/render_music_{method}.log",
    wildcard_constraints:
        corpus="music",  # narrower than the global set: the one corpus whose tokens are notes
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        title="Nottingham, seed{seed}/{method}",
    shell:
        "python -m seqgan render-music --config {input.config:q} --vocab {input.vocab:q}"
        " --sequences {input.sequences:q} --title {params.title:q} --out-midi-dir {output.midi:q}"
        " --out-piano-roll {output.piano_roll:q} > {log:q} 2>&1"


use rule render_music as render_music_real with:
    input:
        config=step_config_file("render_music", "{corpus}"),
        vocab=rules.corpus.output.vocab,
        sequences=rules.corpus_evaluate_real.output.sequences,
    output:
        midi=directory("results/{corpus}/real/midi"),
        piano_roll=report(
            "results/{corpus}/real/piano_roll.png",
            category="music",
            subcategory="samples",
            caption="../report/piano_roll.rst",
        ),
    log:
        "logs/{corpus}/render_music_real.log",
    params:
        title="Nottingham, real",
