# The experiment's config, downloads, and the oracle with its train/test samples.


# The resolved `synthetic` config, per stage. Its params hold what the stage reads (STAGE_SECTIONS),
# so a change there reruns this job (rerun trigger "params") and, through the new file, the stage; a
# change elsewhere leaves the file, and the stage's outputs, alone.
rule synthetic_config:
    output:
        "results/synthetic/config/{stage}.json",
    log:
        "logs/synthetic/config/{stage}.log",
    wildcard_constraints:
        stage=r"[A-Za-z0-9_]+",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        settings=lambda wildcards: stage_settings(wildcards.stage),
    script:
        "../scripts/write_config.py"


# A registered download (see seqgan/data/download.py), checked against its pinned sha256.
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


# The oracle (released parameters or a seeded random LSTM) and its samples, always on the CPU so the
# data are the same on every machine.
rule oracle:
    input:
        unpack(oracle_inputs),
    output:
        oracle="results/synthetic/oracle/oracle.pt",
        train="results/synthetic/oracle/train.pt",
        test="results/synthetic/oracle/test.pt",
    log:
        "logs/synthetic/oracle.log",
    benchmark:
        "benchmarks/synthetic/oracle.tsv"
    conda:
        "../envs/seqgan.yaml"
    threads: 2
    resources:
        runtime=30,
        mem_mb=4000,
    params:
        out_dir=lambda wildcards, output: Path(output.oracle).parent,
        oracle_params=oracle_params_arg,
    shell:
        "python -m seqgan oracle --config {input.config:q} {params.oracle_params}"
        " --out-dir {params.out_dir:q} --threads {threads} > {log:q} 2>&1"
