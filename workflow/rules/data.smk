# The inputs of everything: each step's config file, pinned downloads, and the real corpora
# preprocessed into fixed-length token sequences.


# A step's config file: exactly the config sections the step reads (seqgan/stages.py; a report's: the
# experiment's whole section). They are this job's params, and the file holds nothing else: a change
# there reruns this job (rerun trigger "params") and, through the new file, the step; a change
# elsewhere leaves the file, and the step's outputs, alone.
rule step_config:
    output:
        "results/{experiment}/config/{step}.json",
    log:
        "logs/{experiment}/config/{step}.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        settings=step_config_settings,
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
# With data.max_train, the training sequences left out go to unused.pt (never trained on; the paper
# basis's references hold the whole corpus).
rule corpus:
    input:
        config=step_config_file("corpus", "{corpus}"),
        source=corpus_source,
    output:
        train="results/{corpus}/data/train.pt",
        test="results/{corpus}/data/test.pt",
        vocab="results/{corpus}/data/vocab.json",
        summary="results/{corpus}/data/summary.json",
    log:
        "logs/{corpus}/corpus.log",
    benchmark:
        "benchmarks/{corpus}/corpus.tsv"
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
