"""The report: the paper's tables and figures beside ours, and the page that gathers them.

Synthetic experiment: curves (the runs' learning curves and per-sequence NLLs as read; curves.csv),
table1 (Table 1 with Welch t-tests vs SeqGAN), figures (Figures 2 and 3).
Real corpora: corpus_runs (an evaluated run: scores.csv + metrics.json), corpora (Tables 2-4),
figures (Tables 2-4 as bars), samples (generated sequences as text, music as a piano roll).
Shared: tables (mean ± std cells, p-values, CSV), plotting (matplotlib off-screen).
The page: inputs (ReportInputs, built by the CLI), provenance (open choices, what is not reproduced, settings,
software), compute (wall time, memory and where each job ran), document (Markdown and HTML), page (assembly).
"""
