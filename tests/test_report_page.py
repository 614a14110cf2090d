"""The report page: Markdown subset -> HTML, and report.md / index.html rendered from a small result set."""

import base64
import json
import re
import subprocess
import sys
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from seqgan import cli
from seqgan.report.document import Details, code_block, code_span, fragment, text, to_html, to_markdown
from seqgan.report.page import build_html
from seqgan.report.tables import markdown_row

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- the document as Markdown and HTML


def test_document_renders_markdown_and_escapes_raw_html():
    parts = [
        "# Title",
        "",
        "Some **bold**, `a*b<c`, [a link](x/y%20z.mid) and <script>x</script>.",
        "",
        "| Method | NLL |",
        "|---|---:|",
        "| SeqGAN | < 1e-300 |",
        "",
        *code_block("<img src=x onerror=alert(1)>\n```"),
        "",
        "![A figure](fig%20one.png)",
        Details("The **config** <b>", ["| Setting | Value |", "|---|---|", markdown_row(["`a|b`", "1"])]),
    ]
    md = to_markdown(parts)
    # GitHub shows the summary line as raw HTML: it is written rendered, its markup as text.
    assert md.endswith(
        "<details>\n<summary>The <strong>config</strong> &lt;b&gt;</summary>\n\n| Setting | Value |\n|---|---|\n"
        "| `a\\|b` | 1 |\n\n</details>\n"
    )
    html = to_html(parts, image_src=lambda src: "data:" + src)
    assert '<img src="data:fig one.png" alt="A figure" />' in html  # the path as written, unquoted
    assert '<a href="x/y%20z.mid">a link</a>' in html and "<strong>bold</strong>" in html
    assert '<td style="text-align:right">&lt; 1e-300</td>' in html
    assert "<code>a|b</code>" in html  # the escaped | stays in its cell
    # Raw HTML anywhere (text, code, the summary) is text; only the collapsible part is markup.
    assert "<script>" not in html and "<b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;\n```" in html
    assert "<details>\n<summary>The <strong>config</strong> &lt;b&gt;</summary>" in html


# Lines a corpus or a model could produce that are Markdown or HTML: each must show as itself.
HOSTILE = (
    "```",
    "~~~",
    "````` five",
    "   ```",
    "<script>alert(1)</script>",
    "| a | b |",
    "|---|---|",
    "# heading",
    "[x](javascript:alert(1))",
    "</details>",
    "<!-- open comment",
    "*a* _b_ ~~c~~ $d$ &amp; \\| `e`",
)
# Rendering report.md as GitHub would, raw HTML allowed (GitHub then sanitises; we need not count on that).
GITHUB = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def structure(html: str) -> Counter:
    """The page's structure: how many of each block element and link it has."""
    return Counter(re.findall(r"<(table|h[1-6]|details|summary|pre|ul|ol|a|img|hr|script|iframe)\b", html))


def visible(html: str) -> str:
    """The text a reader sees: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]*>", "", html))


def test_text_and_code_show_any_string_literally():
    for value in (*HOSTILE, "a_b c__d _e_ \\", "`` x ``", " lead", "trail` "):
        for inline, tag in ((text(value), "p"), (code_span(value), "code")):
            for md in (MarkdownIt("commonmark", {"html": False}).enable("table"), GITHUB):
                html = md.render(f"Before {inline} after")
                assert html.startswith("<p>Before ") and html.endswith(" after</p>\n"), (value, inline, html)
                assert structure(html) == Counter(), (value, html)
                inner = re.search(rf"<{tag}>(.*)</{tag}>", html, re.DOTALL)[1]
                assert unescape(inner.removeprefix("Before ").removesuffix(" after")) == value, (value, inline)
                # The same in a table cell: one row of two cells, the value in the first.
                html = md.render(f"| h | i |\n|---|---|\n{markdown_row([inline, 'z'])}")
                cells = re.findall(r"<td>(.*?)</td>", html, re.DOTALL)
                assert len(cells) == 2 and cells[1] == "z", (value, html)
                assert visible(cells[0]) == (value if tag == "code" else value.strip()), (value, inline, html)
    # A line break cannot end the paragraph or the table row.
    assert text("a\n# b\r\n| c") == "a # b \\| c" and code_span("a\nb") == "`a b`"
    # The fence of a code block is longer than any backtick run in it; tildes cannot close it.
    body = "\n".join(HOSTILE)
    for md in (MarkdownIt("commonmark", {"html": False}), GITHUB):
        html = md.render("\n".join([*code_block(body), "after"]))
        assert structure(html) == Counter(pre=1), html
        assert unescape(re.search(r"<pre><code>(.*)</code></pre>", html, re.DOTALL)[1]) == body + "\n"


def test_an_included_markdown_file_may_hold_only_headings_paragraphs_lists_and_tables():
    table = "# Table 2\n\nText *here*.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## Notes\n\n- one\n  - two\n1. three\n"
    assert fragment(table, "t.md") == table.splitlines()
    bad_blocks = {"```\nopen": "fence", "    code": "code block", "<div>": "html block", "---": "hr"}
    for bad, kind in (*bad_blocks.items(), ("a <b>c</b>", "html inline")):
        with pytest.raises(ValueError, match=rf"^t\.md:5: {kind} in a table's Markdown \(expected headings"):
            fragment(table.replace("| a | b |", bad + "\n\n| a | b |"), "t.md")


# ---------------------------------------------------------------- a small result set


def png(path: Path, color: str) -> Path:
    from seqgan.report.plotting import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_facecolor(color)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=20)
    plt.close(fig)
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


TABLE1_MD = """# Table 1: synthetic data, NLL-oracle

| Method | NLL-oracle (ours) | paper | n |
|---|---:|---:|---:|
| MLE | 9.1000 ± 0.0100 | 9.038 | 2 |
| SeqGAN | 8.8000 ± 0.0200 | 8.736 | 2 |

## Definitions

- **MLE**: continued.
"""
POEMS_CSV = (
    "basis,corpus,method,label,n_seeds,seeds,n_sequences,n_references,bleu2_mean,bleu2_std,bleu2_paper,bleu2_p,self_bleu2_mean,self_bleu2_std\n"
    "paper,poems,mle,MLE,2,1/2,8,40,0.5,0.01,0.667,1.0e-02,0.4,0.01\n"
    "paper,poems,seqgan,SeqGAN,2,1/2,8,40,0.6,0.02,0.7389,,0.5,0.01\n"
    "paper,poems,real,Real data,1,,4,40,0.7,,0.746,,0.45,\n"
    "leak_free,poems,mle,MLE,2,1/2,8,4,0.3,0.01,,2.0e-02,0.4,0.01\n"
    "leak_free,poems,seqgan,SeqGAN,2,1/2,8,4,0.35,0.02,,,0.5,0.01\n"
    "leak_free,poems,real,Real data,1,,4,4,0.4,,,,0.45,\n"
)
MUSIC_CSV = (
    "basis,corpus,method,label,n_seeds,seeds,n_sequences,n_references,bleu4_mean,bleu4_std,bleu4_paper,bleu4_p,mse_mean,mse_std,mse_paper,mse_p,self_bleu4_mean,self_bleu4_std\n"
    "paper,nottingham,mle,MLE,2,1/2,8,100,0.9,0.01,0.921,1e-3,12.5,0.5,22.38,2e-1,0.95,0.0\n"
    "paper,nottingham,seqgan,SeqGAN,2,1/2,8,100,0.91,0.01,0.9406,,11.5,0.5,20.62,,0.96,0.0\n"
    "leak_free,nottingham,mle,MLE,2,1/2,8,10,0.8,0.01,,1e-2,14.5,0.5,,3e-1,0.95,0.0\n"
    "leak_free,nottingham,seqgan,SeqGAN,2,1/2,8,10,0.81,0.01,,,13.5,0.5,,,0.96,0.0\n"
)
QD_MD = """# Quality–diversity: Synthetic data

Each trained generator sampled at the softmax temperatures 0.8, 1, 1.25.

- SeqGAN at temperature 1: MLE at temperature 0.90 reaches the same diversity with 9.0000, so SeqGAN is better.
"""
# A job's record of where it ran (seqgan/job_record.py), as the CLI writes it beside the job's benchmark file.
RECORD = {"device": "cpu", "gpu": None, "cuda_visible_devices": None, "precision": "fp32", "threads": 4,
          "host": "node1", "torch": "2.13.0"}  # fmt: skip
H200 = {"device": "cuda", "gpu": "NVIDIA H200", "cuda_visible_devices": "0"}


def job_record(path: str, **changes) -> Path:
    return write(Path(path), json.dumps(RECORD | changes))


BENCHMARK = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n{s}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t1\n"


@pytest.fixture
def result_set(tmp_path, monkeypatch):
    """Outputs as the workflow lays them out (results/, benchmarks/ with the job records), tiny, written here;
    cwd = tmp_path."""
    monkeypatch.chdir(tmp_path)
    config = {
        "preset": "tiny",
        "seeds": [1, 2],
        "device": "cpu",
        "synthetic": {"adversarial": {"iterations": 3}},
        "poems": {
            "data": {"keep_punctuation": False, "deduplicate": True, "seed": 0, "test_fraction": 0.1, "max_train": 0},
            "metrics": {"smoothing": "none"},
        },
        "music": {
            "data": {"sample_seconds": 0.4, "seq_len": 32, "stride": 32, "max_train": 100},
            "metrics": {"smoothing": "none"},
        },
    }
    write(Path("results/report/config.json"), json.dumps(config))
    # The paper config as config/config.yaml holds it: the report lists where this run differs.
    paper = {
        **config,
        "preset": "paper",
        "seeds": [1, 2, 3],
        "device": "auto",
        "synthetic": {"adversarial": {"iterations": 200}},
    }
    write(Path("config/config.yaml"), yaml.safe_dump(paper))
    write(Path("results/synthetic/table1.md"), TABLE1_MD)
    png(Path("results/synthetic/figure2.png"), "red")
    write(
        Path("results/poems/table.md"),
        "# Table 2 (Chinese poems)\n\n| Method | BLEU-2 (ours) |\n|---|---:|\n| MLE | 0.5000 |\n",
    )
    write(Path("results/poems/table.csv"), POEMS_CSV)
    summary = {"name": "poems", "duplicates_removed": 3, "splits": {"train": {"items": 36}, "test": {"items": 4}}}
    write(Path("results/poems/data/summary.json"), json.dumps(summary))
    write(
        Path("results/poems/seed1/seqgan/samples.txt"),
        "春眠不觉晓\n处处闻啼鸟\n夜来风雨声\n花落知多少\n\n<script>x</script>\n",
    )
    write(Path("results/synthetic/quality_diversity.md"), QD_MD)
    png(Path("results/synthetic/quality_diversity.png"), "green")
    write(Path("results/music/table.md"), "# Table 4 (Nottingham music)\n")
    write(Path("results/music/table.csv"), MUSIC_CSV)
    write(Path("results/music/data/summary.json"), json.dumps({"name": "nottingham_SUBSTITUTE"}))
    write(Path("results/music/seed1/seqgan/samples.txt"), "C4 D4 E4\nG4 G4 G4\n")
    png(Path("results/music/seed1/seqgan/piano_roll.png"), "blue")
    for n in (2, 1, 10):
        write(Path(f"results/music/seed1/seqgan/midi/sample{n}.mid"), "MThd")
    benchmarks = [
        ("pretrain", write(Path("benchmarks/synthetic/seed1/pretrain.tsv"), BENCHMARK.format(s="1.5", rss="100.0"))),
        ("pretrain", write(Path("benchmarks/synthetic/seed2/pretrain.tsv"), BENCHMARK.format(s="2.5", rss="300.5"))),
        ("corpus", write(Path("benchmarks/poems/data.tsv"), BENCHMARK.format(s="0.5", rss="NA"))),
    ]
    records = [("pretrain", job_record(f"benchmarks/synthetic/seed{seed}/pretrain.json")) for seed in (1, 2)]
    args = [
        "report", "--config", "results/report/config.json", "--paper-config", "config/config.yaml",
        "--table1", "results/synthetic/table1.md", "--figure2", "results/synthetic/figure2.png",
        "--table", "poems:results/poems/table.md", "--table-csv", "poems:results/poems/table.csv",
        "--summary", "poems:results/poems/data/summary.json",
        "--samples", "poems/seqgan:results/poems/seed1/seqgan/samples.txt",
        "--table", "music:results/music/table.md", "--table-csv", "music:results/music/table.csv",
        "--summary", "music:results/music/data/summary.json",
        "--samples", "music/seqgan:results/music/seed1/seqgan/samples.txt",
        "--piano-roll", "seqgan:results/music/seed1/seqgan/piano_roll.png",
        "--midi", "seqgan:results/music/seed1/seqgan/midi",
        "--quality-diversity", "synthetic:results/synthetic/quality_diversity.md",
        "--quality-diversity-figure", "synthetic:results/synthetic/quality_diversity.png",
        *(arg for rule, path in benchmarks for arg in ("--benchmark", f"{rule}:{path}")),
        *(arg for rule, path in records for arg in ("--provenance", f"{rule}:{path}")),  # none of poems/data
        "--out-md", "results/report/report.md", "--out-html", "results/report/index.html",
        "--out-figure", "results/report/real_data.png",
    ]  # fmt: skip
    return args


def table(md: str, header: str) -> dict[str, list[str]]:
    """The body of the Markdown table whose header row starts with ``header``: first cell -> the other cells."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows[cells[0]] = cells[1:]
    return rows


def bullet(md: str, name: str) -> str:
    """The list item that starts with the bold ``name``."""
    return next(line for line in md.splitlines() if line.startswith(f"- **{name}**"))


def test_report_page_holds_every_section_with_our_numbers_beside_the_papers(result_set):
    write(Path("results/poems/real/samples.txt"), "床前明月光\n疑是地上霜\n举头望明月\n低头思故乡\n")
    assert cli.main([*result_set, "--samples", "poems/real:results/poems/real/samples.txt"]) == 0
    md = Path("results/report/report.md").read_text(encoding="utf-8")
    # The real data: training sequences now, and the figure drawn from the paper basis.
    assert "#### Real data (training sequences)\n" in md and "the real-data row's first training sequences" in md
    assert "Ours on the paper basis (the whole corpus as references;" in md
    headings = re.findall(r"^(#+) (Table \d|Figure \d|Samples)", md, re.MULTILINE)
    # The tables nested one level under the report's sections; no Figure 3 (no strategies in this result set).
    assert headings == [("###", "Table 1"), ("###", "Figure 2"), ("###", "Table 2"), ("###", "Samples"), ("###", "Table 4"), ("###", "Samples")]  # fmt: skip
    assert "`tiny`" in bullet(md, "Preset") and "1, 2 (n = 2)" in bullet(md, "Preset")
    assert table(md, "| Method | NLL-oracle")["SeqGAN"] == ["8.8000 ± 0.0200", "8.736", "2"]
    images = re.findall(r"^!\[[^\]]*\]\(([^)]+)\)$", md, re.MULTILINE)
    assert images == [
        "../synthetic/figure2.png",
        "real_data.png",
        "../music/seed1/seqgan/piano_roll.png",
        "../synthetic/quality_diversity.png",
    ]
    # Quality-diversity: the section, each experiment's summary under its own heading, below its figure.
    qd = md[md.index("## Quality–diversity: is a method's gain") :]
    assert (
        qd.index("### Quality–diversity: Synthetic data")
        < qd.index("quality_diversity.png")
        < qd.index("MLE at temperature 0.90")
    )
    # Samples: a poem as its 4x5 block; music's MIDI files linked in numeric order.
    assert "```\n春眠不觉晓\n处处闻啼鸟\n夜来风雨声\n花落知多少\n\n<script>x</script>\n```" in md
    midi = re.findall(r"\[(sample\d+\.mid)\]\(([^)]+)\)", md)
    assert midi == [(f"sample{n}.mid", f"../music/seed1/seqgan/midi/sample{n}.mid") for n in (1, 2, 10)]
    # The choices the paper left open: this run's values and the data summaries' counts.
    poems = bullet(md, "Poems")
    assert "(3)" in poems and "seed 0" in poems and "10% test" in poems and "36 train / 4 test" in poems
    assert "0.4 s" in bullet(md, "Music") and bullet(md, "Music").endswith("(file names).")  # no splits summarised
    assert re.search(r"smoothing: ([\w, ]+) \(", bullet(md, "BLEU"))[1] == "none"
    assert "music 100 training sequences; the rest are never trained on" in bullet(md, "Training subset")
    # Not reproduced: the substitute corpus named; the settings that differ from the paper config, each with
    # both values (preset and device say where the run happened: not settings).
    assert "`nottingham_SUBSTITUTE`" in bullet(md, "Nottingham music")
    assert "2 differ" in bullet(md, "Settings")
    assert table(md, "| Setting |") == {
        "`seeds`": ["`[1, 2]`", "`[1, 2, 3]`"],
        "`synthetic.adversarial.iterations`": ["`3`", "`200`"],
    }
    # Compute: seeds summed per job kind, the longest job, the highest peak memory; NA memory shown as –.
    assert re.search(r"`benchmark:` files: 3 jobs, 0\.00 h", md)
    compute = table(md, "| Job |")
    assert compute == {  # then device, precision, threads, host: from the job records
        "synthetic/pretrain": ["pretrain", "2", "4.0", "2.5", "300", "cpu", "fp32", "4", "node1"],
        "poems/data": ["corpus", "1", "0.5", "0.5", "–", "–", "–", "–", "–"],  # no record
    }
    assert "Mixed run" not in md
    import torch

    assert table(md, "| Component |")["torch"] == [torch.__version__]
    config = re.search(r"^```yaml\n(.*?)^```$", md, re.MULTILINE | re.DOTALL)[1]
    assert yaml.safe_load(config) == json.loads(Path("results/report/config.json").read_text())


def test_the_real_data_figure_draws_the_paper_basis(result_set, caplog):
    """Its bars are the tables' paper-basis rows, beside the paper's values; a table CSV without them is refused."""
    from seqgan.report.figures import _table_panels

    bars = [("MLE", 0.5, 0.01, 0.667), ("SeqGAN", 0.6, 0.02, 0.7389), ("Real data", 0.7, None, 0.746)]
    assert _table_panels("poems", Path("results/poems/table.csv")) == [("Chinese poems: BLEU-2", bars)]
    music = _table_panels("music", Path("results/music/table.csv"))
    assert [(title, [bar[1] for bar in bars]) for title, bars in music] == [
        ("Nottingham music: BLEU-4", [0.9, 0.91]),
        ("Nottingham music: MSE (lower is better)", [12.5, 11.5]),
    ]
    leak_free = [line for line in POEMS_CSV.splitlines() if not line.startswith("paper,")]
    write(Path("results/poems/table.csv"), "\n".join(leak_free) + "\n")
    assert cli.main(result_set) == 1
    assert "results/poems/table.csv: no row of basis 'paper' (expected a row per method on each of" in caplog.text
    assert not Path("results/report/index.html").exists()


def compute_section(md: str) -> tuple[dict[str, list[str]], list[str]]:
    """The compute table (job -> its other cells) and the paragraphs below it, up to the next section."""
    section = md[md.index("## Compute") :]
    section = section[: section.index("\n## ")]
    return table(section, "| Job |"), [part.strip() for part in section.split("\n\n")[3:] if part.strip()]


def test_compute_table_shows_where_each_kind_of_job_ran(result_set):
    jobs = {  # job -> (rule, its record's values other than RECORD's; None: no record)
        "synthetic/seed1/pretrain_discriminator": ("pretrain_discriminator", H200 | {"precision": "bf16"}),
        "synthetic/seed2/pretrain_discriminator": ("pretrain_discriminator", H200 | {"precision": "bf16"}),
        "synthetic/seed1/strategy_a": ("seqgan", H200 | {"precision": "bf16", "threads": 2}),
        "poems/seed1/evaluate_real": ("corpus_evaluate_real", {}),  # the CPU by design, beside the GPU jobs
        "poems/seed1/seqgan": ("corpus_seqgan", {}),
        "poems/seed2/seqgan": ("corpus_seqgan", None),  # run before jobs recorded where they ran
    }
    args = list(result_set)
    for job, (rule, changes) in jobs.items():
        bench = write(Path(f"benchmarks/{job}.tsv"), BENCHMARK.format(s="1.0", rss="10"))
        args += ["--benchmark", f"{rule}:{bench}"]
        if changes is not None:
            args += ["--provenance", f"{rule}:{job_record(f'benchmarks/{job}.json', **changes)}"]
    assert cli.main(args) == 0
    compute, below = compute_section(Path("results/report/report.md").read_text(encoding="utf-8"))
    where = {job: [cells[0], *cells[5:]] for job, cells in compute.items()}  # rule, device, precision, threads, host
    assert where == {
        "synthetic/pretrain": ["pretrain", "cpu", "fp32", "4", "node1"],
        "poems/data": ["corpus", "–", "–", "–", "–"],
        "synthetic/pretrain_discriminator": ["pretrain_discriminator", "cuda (NVIDIA H200)", "bf16", "4", "node1"],
        "synthetic/strategy_a": ["seqgan", "cuda (NVIDIA H200)", "bf16", "2", "node1"],
        "poems/evaluate_real": ["corpus_evaluate_real", "cpu", "fp32", "4", "node1"],
        "poems/seqgan": ["corpus_seqgan", *(f"{value} ×1, not recorded ×1" for value in ("cpu", "fp32", "4", "node1"))],
    }
    assert compute["synthetic/pretrain_discriminator"][1:5] == ["2", "2.0", "1.0", "10"]
    # Kinds on different devices and in different precisions, each kind on one, all on one host: not mixed.
    assert below == []
    # One job on another node: its kind's values counted, and one line below the table says so.
    job_record("benchmarks/synthetic/seed2/pretrain_discriminator.json", host="node2", torch="2.12.0")
    assert cli.main(args) == 0
    compute, below = compute_section(Path("results/report/report.md").read_text(encoding="utf-8"))
    assert compute["synthetic/pretrain_discriminator"][5:] == [
        "cpu ×1, cuda (NVIDIA H200) ×1", "bf16 ×1, fp32 ×1", "4", "node1 ×1, node2 ×1"
    ]  # fmt: skip
    assert below == [
        (
            "**Mixed run**: jobs of synthetic/pretrain_discriminator ran on cpu and cuda (NVIDIA H200); jobs of"
            " synthetic/pretrain_discriminator ran in bf16 and fp32; the jobs ran on 2 hosts (node1 and node2); the"
            " jobs ran with torch 2.12.0 and 2.13.0. Compare their times with care."
        )
    ]


def test_job_records_the_report_cannot_use_are_refused_naming_them(result_set, caplog):
    # A record of a job the report has no benchmark of; more records of a kind than jobs; a bad record.
    mle = str(job_record("benchmarks/synthetic/seed1/mle.json"))
    assert cli.main([*result_set, "--provenance", f"mle:{mle}"]) == 1
    assert "--provenance mle:benchmarks/synthetic/seed1/mle.json: no benchmark file of that job" in caplog.text
    again = "pretrain:benchmarks/synthetic/seed1/pretrain.json"
    assert cli.main([*result_set, "--provenance", again]) == 1
    assert f"--provenance {again}: more job records of synthetic/pretrain than benchmark files" in caplog.text
    job_record("benchmarks/synthetic/seed2/pretrain.json", precision="fp16")
    assert cli.main(result_set) == 1
    assert "benchmarks/synthetic/seed2/pretrain.json: key 'precision': expected one of fp32, bf16" in caplog.text
    assert not Path("results/report/index.html").exists()


def test_index_html_is_self_contained(result_set):
    assert cli.main(result_set) == 0
    html = Path("results/report/index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 4  # Figure 2, the real-data bars, the piano roll, the quality-diversity figure
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC)
    assert Path("results/report/real_data.png").read_bytes().startswith(PNG_MAGIC)
    # Nothing loaded from elsewhere, no script; the sample's markup is text.
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert '<a href="../music/seed1/seqgan/midi/sample1.mid">sample1.mid</a>' in html
    assert '<td style="text-align:right">8.736</td>' in html


def test_text_from_corpora_and_files_cannot_change_the_page(result_set):
    """Samples, file names, config strings, data summaries and rule names that are Markdown or HTML: index.html
    and report.md have the same structure as with plain ones, no script, and show them as written."""
    args = [arg for arg in result_set if arg != "--out-figure" and arg != "results/report/real_data.png"]
    assert cli.main(args) == 0
    clean_html = Path("results/report/index.html").read_text(encoding="utf-8")
    clean_md = GITHUB.render(Path("results/report/report.md").read_text(encoding="utf-8"))
    poems = "\n".join(HOSTILE[:4]) + "\n\n" + "\n".join(HOSTILE[4:8]) + "\n\n" + "\n".join(HOSTILE[8:])
    write(Path("results/poems/seed1/seqgan/samples.txt"), poems + "\n")
    write(Path("results/music/seed1/seqgan/samples.txt"), "\n".join(HOSTILE) + "\n")
    midi = Path("results/music/seed1/seqgan/midi")
    (midi / "sample10.mid").rename(midi / "[x](javascript:alert(1))`|<b>.mid")
    preset = "`</summary></details><script>alert(1)</script>` | # x"
    config = json.loads(Path("results/report/config.json").read_text())
    config |= {"preset": preset, "device": "<b>cpu</b>"}
    config["poems"]["metrics"]["smoothing"] = "none`|<script>"  # now also a setting that differs from the paper's
    write(Path("results/report/config.json"), json.dumps(config))
    write(Path("results/music/data/summary.json"), json.dumps({"name": "x`</summary>|<i>_SUBSTITUTE"}))
    hostile_rule = "corpus | `x` <script> [y](z)"
    args = [arg.replace("corpus:", f"{hostile_rule}:") for arg in args]
    assert cli.main(args) == 0
    html = Path("results/report/index.html").read_text(encoding="utf-8")
    md = GITHUB.render(Path("results/report/report.md").read_text(encoding="utf-8"))
    for page, clean in ((html, clean_html), (md, clean_md)):
        assert structure(page) == structure(clean)
        assert structure(page)["table"] == 5 and structure(page)["details"] == 2 and structure(page)["h3"] == 7
        assert "<script" not in page and 'href="javascript' not in page and "<b>" not in page and "<i>" not in page
        # Shown as written: the samples as code blocks, the rest as text.
        blocks = [unescape(b) for b in re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", page, re.DOTALL)]
        assert poems + "\n" in blocks and "\n\n".join(HOSTILE[:3]) + "\n" in blocks  # music: the first 3 lines
        shown = visible(page)
        for literal in (preset, "<b>cpu</b>", "x`</summary>|<i>_SUBSTITUTE", hostile_rule, "none`|<script>"):
            assert literal in shown, literal
        assert "[x](javascript:alert(1))`|<b>.mid" in shown
        assert f"The 3 settings of this run (preset {preset})" in shown  # the summary line too


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--samples", "poems/gan:x.txt"), "--samples poems/gan:x.txt: expected NAME:PATH, NAME one of poems/mle"),
        (("--table", "sonnets:x.md"), "--table sonnets:x.md: expected NAME:PATH, NAME one of poems, obama, music"),
        (("--table", "poems:other.md"), "--table poems: given twice (results/poems/table.md and other.md)"),
        (("--midi", "real:a", "--midi", "real:b"), "--midi real: given twice"),
    ],
)
def test_bad_arguments_are_refused_with_the_option_named(result_set, change, message, caplog):
    assert cli.main([*result_set, *change]) == 1
    assert message in caplog.text
    assert not Path("results/report/index.html").exists()


def test_malformed_arguments_are_usage_errors(result_set, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main([*result_set, "--benchmark", "no-path"])
    assert exit.value.code == 2 and "--benchmark: 'no-path': expected NAME:PATH" in capsys.readouterr().err
    parser = cli.build_parser()
    curves = ["report-strategies", "--config", "c.json", "--out-figure", "f.png", "--out-svg", "f.svg", "--curve"]
    assert parser.parse_args([*curves, "seqgan:3:results/a:b.csv"]).curve == [("seqgan", 3, Path("results/a:b.csv"))]
    for bad in ("seqgan:3", "seqgan:x:path", ":3:path"):
        with pytest.raises(SystemExit):
            parser.parse_args([*curves, bad])
        assert "expected METHOD:SEED:PATH with an integer SEED" in capsys.readouterr().err


def test_bad_inputs_name_the_file(result_set, caplog):
    write(Path("benchmarks/poems/data.tsv"), "not a benchmark\n")
    assert cli.main(result_set) == 1
    assert "benchmarks/poems/data.tsv: not a Snakemake benchmark file" in caplog.text
    write(Path("benchmarks/poems/data.tsv"), BENCHMARK.format(s="0.5", rss="1"))
    Path("results/synthetic/figure2.png").unlink()
    assert cli.main(result_set) == 1
    assert "--figure2 results/synthetic/figure2.png: file not found (expected a PNG image)" in caplog.text
    png(Path("results/synthetic/figure2.png"), "red")
    write(Path("results/poems/table.csv"), "corpus,method\n")
    assert cli.main(result_set) == 1
    assert "results/poems/table.csv: no rows" in caplog.text
    write(Path("results/poems/table.csv"), POEMS_CSV.replace("bleu2_std,", "").replace("0.01,0.667", "0.667"))
    assert cli.main(result_set) == 1
    assert "results/poems/table.csv: not a corpus table CSV" in caplog.text
    write(Path("results/poems/table.csv"), POEMS_CSV)
    write(Path("results/report/config.json"), json.dumps({"seeds": [1]}))
    assert cli.main(result_set) == 1
    assert "results/report/config.json: no key 'preset'" in caplog.text
    assert not Path("results/report/index.html").exists()


@pytest.mark.parametrize(
    ("option", "path", "value"),
    [
        ("--figure2", "results/synthetic/figure2.png", "results/synthetic/figure2.png"),
        (
            "--piano-roll",
            "results/music/seed1/seqgan/piano_roll.png",
            "seqgan:results/music/seed1/seqgan/piano_roll.png",
        ),
        ("--figure3", "notes.txt", "notes.txt"),
        (
            "--quality-diversity-figure",
            "results/synthetic/quality_diversity.png",
            "synthetic:results/synthetic/quality_diversity.png",
        ),
    ],
)
def test_an_image_option_given_a_file_that_is_not_a_png_is_refused(result_set, option, path, value, caplog):
    write(Path(path), "not an image, whatever its name says\n")
    args = result_set if value in result_set else [*result_set, option, value]
    assert cli.main(args) == 1
    assert f"{option} {value}: not a PNG image (expected a file starting with the PNG signature)" in caplog.text
    assert len(caplog.records) == 1 and not Path("results/report/index.html").exists()


def test_the_page_embeds_only_png_files(tmp_path):
    png(tmp_path / "real.png", "red")
    write(tmp_path / "fake.png", "<svg onload=alert(1)>")
    assert 'src="data:image/png;base64,' in build_html(["![a](real.png)"], tmp_path)
    with pytest.raises(ValueError, match=r"report: image 'fake.png' at .*fake.png: not a PNG image"):
        build_html(["![a](fake.png)"], tmp_path)


# ---------------------------------------------------------------- in a browser (CI installs Chromium first)

CHECKER = Path(__file__).resolve().parents[1] / ".ci" / "check_page_in_chromium.py"


def open_in_chromium(page: Path, min_images: int) -> subprocess.CompletedProcess:
    args = [sys.executable, str(CHECKER), str(page), "--min-images", str(min_images)]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_page_loads_in_headless_chromium_and_the_check_catches_a_broken_image(result_set, chromium):
    """Needs Chromium (the ``chromium`` fixture: skipped without it, failed in CI)."""
    assert cli.main(result_set) == 0
    page = Path("results/report/index.html")
    result = open_in_chromium(page, min_images=3)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 images, 4 loaded" in result.stdout
    # The same page with its figure loaded from a file instead of its data URI: the policy blocks it.
    html = page.read_text(encoding="utf-8")
    broken = page.with_name("broken.html")
    broken.write_text(re.sub(r'src="data:[^"]+"', 'src="../synthetic/figure2.png"', html, count=1), encoding="utf-8")
    result = open_in_chromium(broken, min_images=3)
    assert result.returncode == 1 and "1 of 4 images did not load" in result.stderr, result.stdout + result.stderr
