"""The report page: Markdown subset -> HTML, and report.md / index.html rendered from a small result set."""

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from seqgan import cli
from seqgan.report import markdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- Markdown -> HTML


def test_headings_paragraphs_and_inline_markup():
    text = "# Title\n\nSome **bold**, *italic*, `a*b<c` and [a link](x/y.mid)\ncontinued.\n\n## Title"
    assert markdown.to_html(text) == (
        '<h1 id="title">Title</h1>\n'
        "<p>Some <strong>bold</strong>, <em>italic</em>, <code>a*b&lt;c</code> and "
        '<a href="x/y.mid">a link</a> continued.</p>\n'
        '<h2 id="title-2">Title</h2>'
    )


def test_tables_keep_their_alignment_and_escape_cells():
    text = "| Method | NLL |\n|---|---:|\n| **SeqGAN** | 8.7 ± 0.1 |\n| <b> | – |"
    assert markdown.to_html(text) == (
        "<table>\n"
        '<thead><tr><th style="text-align:left">Method</th><th style="text-align:right">NLL</th></tr></thead>\n'
        "<tbody>\n"
        '<tr><td style="text-align:left"><strong>SeqGAN</strong></td><td style="text-align:right">8.7 ± 0.1</td></tr>\n'
        '<tr><td style="text-align:left">&lt;b&gt;</td><td style="text-align:right">–</td></tr>\n'
        "</tbody>\n</table>"
    )


def test_nested_lists_code_blocks_details_and_images():
    text = (
        "- a\n  - b\n  - c\n- d\n\n"
        "```\n<script>alert(1)</script>\n*not italic*\n```\n"
        "<details>\n<summary>The **config**</summary>\n</details>\n"
        "![A figure](fig.png)"
    )
    html = markdown.to_html(text, image_src=lambda src: "data:" + src)
    assert html == (
        "<ul>\n<li>a\n<ul>\n<li>b\n</li>\n<li>c\n</li></ul></li>\n<li>d\n</li></ul>\n"
        "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n*not italic*</code></pre>\n"
        "<details>\n<summary>The <strong>config</strong></summary>\n</details>\n"
        '<figure><img src="data:fig.png" alt="A figure"></figure>'
    )


def test_edge_cases_centred_columns_nested_emphasis_and_a_list_before_an_image():
    assert 'style="text-align:center"' in markdown.to_html("| a |\n|:-:|\n| b |")
    assert markdown.inline("**bold *it* bold**") == "<strong>bold <em>it</em> bold</strong>"
    html = markdown.to_html("- item\n![a figure](b.png)")
    assert html == '<ul>\n<li>item\n</li></ul>\n<figure><img src="b.png" alt="a figure"></figure>'


def test_raw_html_is_shown_as_text_never_interpreted():
    html = markdown.to_html('<img src="http://example.com/x.png"> and <script>x</script>')
    assert "<img" not in html and "<script>" not in html
    assert "&lt;script&gt;" in html


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
    "corpus,method,label,n_seeds,seeds,n_sequences,bleu2_mean,bleu2_std,bleu2_paper,bleu2_p,self_bleu2_mean,self_bleu2_std\n"
    "poems,mle,MLE,2,1/2,8,0.5,0.01,0.667,1.0e-02,0.4,0.01\n"
    "poems,seqgan,SeqGAN,2,1/2,8,0.6,0.02,0.7389,,0.5,0.01\n"
    "poems,real,Real data,1,,4,0.7,,0.746,,0.45,\n"
)
MUSIC_CSV = (
    "corpus,method,label,n_seeds,seeds,n_sequences,bleu4_mean,bleu4_std,bleu4_paper,bleu4_p,mse_mean,mse_std,mse_paper,mse_p,self_bleu4_mean,self_bleu4_std\n"
    "nottingham,mle,MLE,2,1/2,8,0.9,0.01,0.921,1e-3,12.5,0.5,22.38,2e-1,0.95,0.0\n"
    "nottingham,seqgan,SeqGAN,2,1/2,8,0.91,0.01,0.9406,,11.5,0.5,20.62,,0.96,0.0\n"
)
BENCHMARK = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n{s}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t1\n"


@pytest.fixture
def result_set(tmp_path, monkeypatch):
    """Outputs as the workflow lays them out (results/, benchmarks/), tiny, written here; cwd = tmp_path."""
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
        *(arg for rule, path in benchmarks for arg in ("--benchmark", f"{rule}:{path}")),
        "--out-md", "results/report/report.md", "--out-html", "results/report/index.html",
        "--out-figure", "results/report/real_data.png",
    ]  # fmt: skip
    return args


def test_report_page_holds_every_section_with_our_numbers_beside_the_papers(result_set):
    assert cli.main(result_set) == 0
    md = Path("results/report/report.md").read_text(encoding="utf-8")
    assert "**Preset**: `tiny`; **seeds**: 1, 2 (n = 2)" in md
    assert "### Table 1: synthetic data, NLL-oracle" in md and "#### Definitions" in md  # nested one level down
    assert "| SeqGAN | 8.8000 ± 0.0200 | 8.736 | 2 |" in md
    assert "![Figure 2: NLL-oracle and NLL-test per epoch](../synthetic/figure2.png)" in md
    assert "Figure 3" not in md  # no strategies in this result set
    assert "![Tables 2-4 as bars: ours beside the paper](real_data.png)" in md
    # Samples: a poem as its 4x5 block; music as its piano roll and MIDI links in numeric order.
    assert "春眠不觉晓\n处处闻啼鸟\n夜来风雨声\n花落知多少" in md
    midi = "[sample1.mid](../music/seed1/seqgan/midi/sample1.mid), [sample2.mid]"
    assert midi in md and md.index("sample2.mid") < md.index("sample10.mid")
    # The choices the paper left open, with this run's values and the data summaries' counts.
    assert "duplicates removed (3); seeded shuffle (seed 0), 10% test: 36 train / 4 test poems." in md
    assert "pitch every 0.4 s" in md and "smoothing: none" in md
    assert "**Training subset** (`data.max_train`, not the paper's): music 100 training sequences." in md
    # What is not reproducible: the substitute corpus and the scale.
    assert "SUBSTITUTE corpus (`nottingham_SUBSTITUTE`)" in md
    # Settings that differ from the paper config, each with both values (preset, device: not settings).
    assert "- **Settings**: 2 differ from the paper config" in md
    assert "| `seeds` | `[1, 2]` | `[1, 2, 3]` |" in md
    assert "| `synthetic.adversarial.iterations` | `3` | `200` |" in md
    assert "| `device`" not in md and "| `preset`" not in md
    # Compute: seeds summed per job kind, the longest job, the highest peak memory; NA memory shown as –.
    assert "3 jobs, 0.00 h of job wall time" in md
    assert "| synthetic/pretrain | pretrain | 2 | 4.0 | 2.5 | 300 | – |" in md  # no discriminator: no precision
    assert "| poems/data | corpus | 1 | 0.5 | 0.5 | – | – |" in md
    import torch

    assert f"| torch | {torch.__version__} |" in md
    assert "```yaml\ndevice: cpu\n" in md


def job_log(path: str, *precisions: str) -> str:
    """A job's log as the CLI writes it, with the precision line of each (re)start (seqgan/cli.py: Run)."""
    lines = [f"2025-01-01 12:00:00,000 INFO seqgan: precision={p} (requested auto: as resolved)" for p in precisions]
    return str(write(Path(path), "\n".join(["2025-01-01 12:00:00,000 INFO seqgan: device=cpu", *lines, "done"])))


def test_compute_table_shows_the_precision_each_discriminator_job_resolved(result_set, caplog):
    jobs = {  # job -> (rule, the precisions its log's lines name)
        "synthetic/seed1/pretrain_discriminator": ("pretrain_discriminator", ("bf16", "fp32")),  # the last counts
        "synthetic/seed2/pretrain_discriminator": ("pretrain_discriminator", ("fp32",)),
        "synthetic/seed1/seqgan": ("seqgan", ("bf16",)),
        "synthetic/seed1/strategy_a": ("seqgan", ("fp32",)),  # another node: both values, each counted
        "poems/seed1/seqgan": ("corpus_seqgan", ()),  # a log from before the line existed
    }
    args = list(result_set)
    for job, (rule, precisions) in jobs.items():
        bench = write(Path(f"benchmarks/{job}.tsv"), BENCHMARK.format(s="1.0", rss="10"))
        args += ["--benchmark", f"{rule}:{bench}", "--log", f"{rule}:{job_log(f'logs/{job}.log', *precisions)}"]
    assert cli.main(args) == 0
    md = Path("results/report/report.md").read_text(encoding="utf-8")
    assert "| synthetic/pretrain_discriminator | pretrain_discriminator | 2 | 2.0 | 1.0 | 10 | fp32 |" in md
    assert "| synthetic/seqgan | seqgan | 1 | 1.0 | 1.0 | 10 | bf16 |" in md
    assert "| synthetic/strategy_a | seqgan | 1 | 1.0 | 1.0 | 10 | fp32 |" in md
    assert "| poems/seqgan | corpus_seqgan | 1 | 1.0 | 1.0 | 10 | not logged |" in md
    assert "| synthetic/pretrain | pretrain | 2 | 4.0 | 2.5 | 300 | – |" in md
    # Mixed values within one job kind (jobs on different nodes) are each counted.
    job_log("logs/synthetic/seed2/pretrain_discriminator.log", "bf16")
    assert cli.main(args) == 0
    md = Path("results/report/report.md").read_text(encoding="utf-8")
    assert "| pretrain_discriminator | 2 | 2.0 | 1.0 | 10 | bf16 (1), fp32 (1) |" in md
    # A log of a job the report has no benchmark of is refused, naming it.
    assert cli.main([*args, "--log", "mle:logs/synthetic/seed1/mle.log"]) == 1
    assert "--log mle:logs/synthetic/seed1/mle.log: no benchmark file of that job" in caplog.text


def test_index_html_is_self_contained(result_set):
    assert cli.main(result_set) == 0
    html = Path("results/report/index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 3  # Figure 2, the real-data bars, the piano roll
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC)
    assert Path("results/report/real_data.png").read_bytes().startswith(PNG_MAGIC)
    # Nothing loaded from elsewhere, no script; the sample's markup is text.
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert '<a href="../music/seed1/seqgan/midi/sample1.mid">sample1.mid</a>' in html
    assert '<td style="text-align:right">8.736</td>' in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--samples", "poems/gan:x.txt"), "--samples 'poems/gan:x.txt': expected CORPUS/METHOD:PATH"),
        (("--table", "sonnets:x.md"), "--table 'sonnets': expected a corpus"),
        (("--benchmark", "no-path"), "--benchmark 'no-path': expected NAME:PATH"),
    ],
)
def test_bad_arguments_are_refused_with_the_option_named(result_set, change, message, caplog):
    assert cli.main([*result_set, *change]) == 1
    assert message in caplog.text
    assert not Path("results/report/index.html").exists()


def test_bad_inputs_name_the_file(result_set, caplog):
    write(Path("benchmarks/poems/data.tsv"), "not a benchmark\n")
    assert cli.main(result_set) == 1
    assert "benchmarks/poems/data.tsv: not a Snakemake benchmark file" in caplog.text
    write(Path("benchmarks/poems/data.tsv"), BENCHMARK.format(s="0.5", rss="1"))
    Path("results/synthetic/figure2.png").unlink()
    assert cli.main(result_set) == 1
    assert "../synthetic/figure2.png" in caplog.text
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


# ---------------------------------------------------------------- in a browser (CI installs Chromium first)

CHECKER = Path(__file__).resolve().parents[1] / ".ci" / "check_page_in_chromium.py"


def open_in_chromium(page: Path, min_images: int) -> subprocess.CompletedProcess:
    args = [sys.executable, str(CHECKER), str(page), "--min-images", str(min_images)]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Chromium (CI installs Debian's)")
def test_page_loads_in_headless_chromium_and_the_check_catches_a_broken_image(result_set):
    assert cli.main(result_set) == 0
    page = Path("results/report/index.html")
    result = open_in_chromium(page, min_images=3)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 images, 3 loaded" in result.stdout
    # The same page with its figure loaded from a file instead of its data URI: the policy blocks it.
    html = page.read_text(encoding="utf-8")
    broken = page.with_name("broken.html")
    broken.write_text(re.sub(r'src="data:[^"]+"', 'src="../synthetic/figure2.png"', html, count=1), encoding="utf-8")
    result = open_in_chromium(broken, min_images=3)
    assert result.returncode == 1 and "1 of 3 images did not load" in result.stderr, result.stdout + result.stderr
