# The oracle of the synthetic experiment, with its train/test samples.


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
