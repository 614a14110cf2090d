# The inputs of everything: resolved configs, pinned downloads, and the real corpora preprocessed
# into fixed-length token sequences.


# An experiment's resolved config (synthetic, poems, obama, music), per stage. Its params hold what
# the stage reads (stage_settings), so a change there reruns this job (rerun trigger "params") and,
# through the new file, the stage; a change elsewhere leaves the file, and the stage's outputs, alone.
rule stage_config:
    output:
        "results/{experiment}/config/{stage}.json",
    log:
        "logs/{experiment}/config/{stage}.log",
    wildcard_constraints:
        experiment="|".join(EXPERIMENTS),
        stage=r"[A-Za-z0-9_]+",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        settings=lambda wildcards: stage_settings(wildcards.stage, wildcards.experiment),
    script:
        "../scripts/write_config.py"


# A registered download (see seqgan/data/download.py), checked against its pinned hash.
rule fetch:
    output:
        "results/downloads/{name}",
    log:
        "logs/fetch/{name}.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        mirror=mirror_arg,
    shell:
        "python -m seqgan fetch {wildcards.name:q} --out {output:q} {params.mirror} > {log:q} 2>&1"


# A real corpus as token ids per split, its vocabulary, and its counts (summary.json, also logged).
# A corpus with a validation split (music; the others when valid_fraction > 0) also writes valid.pt.
rule corpus:
    input:
        config="results/{corpus}/config/data.json",
        source=corpus_source,
    output:
        train="results/{corpus}/data/train.pt",
        test="results/{corpus}/data/test.pt",
        vocab="results/{corpus}/data/vocab.json",
        summary="results/{corpus}/data/summary.json",
    log:
        "logs/{corpus}/data.log",
    benchmark:
        "benchmarks/{corpus}/data.tsv"
    wildcard_constraints:
        corpus="|".join(CORPORA),
    conda:
        "../envs/seqgan.yaml"
    threads: 1
    resources:
        runtime=30,
        mem_mb=4000,
    params:
        out_dir=lambda wildcards, output: Path(output.summary).parent,
    shell:
        "python -m seqgan corpus {wildcards.corpus} --config {input.config:q} --source {input.source:q}"
        " --out-dir {params.out_dir:q} > {log:q} 2>&1"
