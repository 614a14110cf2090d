# Table 1 (NLL-oracle of every method, with p-values), Figure 2 (learning curves) and Figure 3
# (training strategies) of the synthetic experiment.


rule report_synthetic:
    input:
        unpack(report_inputs),
    output:
        table_csv=report(
            "results/synthetic/table1.csv",
            category="synthetic",
            caption="../report/table1.rst",
        ),
        table_md="results/synthetic/table1.md",
        figure=report(
            "results/synthetic/figure2.png",
            category="synthetic",
            caption="../report/figure2.rst",
        ),
        svg="results/synthetic/figure2.svg",
        curves="results/synthetic/curves.csv",
    log:
        "logs/synthetic/report.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        runs=run_args,
    shell:
        "python -m seqgan report-synthetic --config {input.config:q} {params.runs}"
        " --out-table-csv {output.table_csv:q} --out-table-md {output.table_md:q}"
        " --out-figure {output.figure:q} --out-svg {output.svg:q} --out-curves {output.curves:q}"
        " > {log:q} 2>&1"


rule report_strategies:
    input:
        unpack(strategy_inputs),
    output:
        figure=report(
            "results/synthetic/figure3.png",
            category="synthetic",
            caption="../report/figure3.rst",
        ),
        svg="results/synthetic/figure3.svg",
    log:
        "logs/synthetic/report_strategies.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        runs=run_args,
    shell:
        "python -m seqgan report-strategies --config {input.config:q} {params.runs}"
        " --out-figure {output.figure:q} --out-svg {output.svg:q} > {log:q} 2>&1"


# Tables 2-4: MLE, SeqGAN and the real data of a corpus beside the paper's numbers, with p-values.
rule report_corpus:
    input:
        unpack(report_corpus_inputs),
    output:
        table_csv=report(
            "results/{corpus}/table.csv",
            category="{corpus}",
            caption="../report/corpus_table.rst",
        ),
        table_md="results/{corpus}/table.md",
    log:
        "logs/{corpus}/table.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        runs=lambda wildcards, input: " ".join(
            f"--scores {shlex.quote(input[f'scores__{key}'])} --metrics {shlex.quote(input[f'metrics__{key}'])}"
            for key in corpus_rows(wildcards.corpus)
        ),
    shell:
        "python -m seqgan report-corpus {wildcards.corpus} {params.runs}"
        " --out-table-csv {output.table_csv:q} --out-table-md {output.table_md:q} > {log:q} 2>&1"


# The whole config as the report prints it: rewritten (and the page rebuilt) whenever any key changes.
rule report_config:
    output:
        "results/report/config.json",
    log:
        "logs/report/config.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        settings=sorted_keys(config),
    script:
        "../scripts/write_config.py"


# The reproduction report: report.md for GitHub and index.html, one self-contained page (figures
# embedded) with Tables 1-4 beside the paper, the figures, samples, the choices the paper left
# open, what is not reproducible, wall time and memory per job and where each ran (device, precision,
# threads, host: the jobs' provenance records), versions and the config.
rule report_page:
    input:
        report_page_inputs,
    output:
        html=report(
            "results/report/index.html",
            category="report",
            caption="../report/page.rst",
        ),
        md="results/report/report.md",
        figure=report(
            "results/report/real_data.png",
            category="report",
            caption="../report/real_data.rst",
        ),
    log:
        "logs/report/page.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        args=report_page_args,
    shell:
        "python -m seqgan report {params.args} --out-md {output.md:q} --out-html {output.html:q}"
        " --out-figure {output.figure:q} > {log:q} 2>&1"
