# Figure 2 (NLL-oracle vs epoch) and Table 1 (final and best NLL-oracle) of the synthetic experiment.


rule report_synthetic:
    input:
        unpack(report_curves),
    output:
        figure=report(
            "results/synthetic/nll_oracle.png",
            category="Synthetic",
            caption="../report/nll_oracle.rst",
        ),
        svg="results/synthetic/nll_oracle.svg",
        csv=report(
            "results/synthetic/summary.csv",
            category="Synthetic",
            caption="../report/summary.rst",
        ),
        md="results/synthetic/summary.md",
    log:
        "logs/synthetic/report.log",
    localrule: True
    conda:
        "../envs/seqgan.yaml"
    params:
        curves=report_curve_args,
    shell:
        "python -m seqgan report-synthetic {params.curves}"
        " --out-figure {output.figure:q} --out-svg {output.svg:q}"
        " --out-csv {output.csv:q} --out-md {output.md:q} > {log:q} 2>&1"
