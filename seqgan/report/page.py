"""The reproduction report: the paper's Tables 1-4 and Figures 2-3 beside ours, with samples, the choices the paper
left open, what is not reproducible, the compute each job took and the software that ran it.

One document (seqgan.report.document) is written twice: as report.md (readable on GitHub, images linked
relatively) and as index.html, the same content with every image embedded as a data URI, so the page opens from
disk without a server and loads nothing from anywhere. The inputs (ReportInputs) are the workflow's own outputs
(tables as Markdown and CSV, figures, samples, data summaries, benchmark files, job records) and the whole config.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from urllib.parse import quote

from seqgan import atomic
from seqgan.report import compute, provenance
from seqgan.report.corpora import LABELS
from seqgan.report.document import Part, code_block, code_span, fragment, text, to_html, to_markdown
from seqgan.report.figures import real_data_figure
from seqgan.report.inputs import CORPORA, SAMPLE_METHODS, ReportInputs
from seqgan.stages import EXPERIMENTS

SAMPLES_SHOWN = {"poems": 3, "obama": 5, "music": 3}  # per method; poems are 4 lines each
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"  # the first bytes of every PNG file; the page embeds PNGs only
# The page loads nothing: images only from its own data: URIs, no script (a browser enforces both).
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'"
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45;
       color: #1a1a1a; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.55rem; }
th { background: #f2f2f2; }
img { max-width: 100%; border: 1px solid #ddd; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; }
code { font-size: 0.9em; }
h1 { border-bottom: 2px solid #333; } h2 { border-bottom: 1px solid #bbb; margin-top: 2.2rem; }
"""


def _demote(path: Path, levels: int) -> list[str]:
    """A table's own Markdown file (checked: document.fragment), its headings moved ``levels`` down to nest under
    the report's sections."""
    lines = fragment(path.read_text(encoding="utf-8"), str(path))
    return ["#" * levels + line if line.startswith("#") else line for line in lines]


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to the report's folder, with forward slashes."""
    return Path(os.path.relpath(path, base)).as_posix()


def _link(path: Path, base: Path) -> str:
    """``path`` as a link from the report's folder, URL-quoted (links work on GitHub and from disk)."""
    return quote(_relative(path, base))


def _header(cfg: dict) -> list[Part]:
    seeds = cfg["seeds"]
    return [
        "# SeqGAN reproduction report",
        "",
        (
            "Yu, Zhang, Wang, Yu. *SeqGAN: Sequence Generative Adversarial Nets with Policy Gradient*. AAAI 2017. "
            "Every number below was produced by this run of the workflow; the paper's numbers stand beside ours."
        ),
        "",
        (
            f"- **Preset**: {code_span(cfg['preset'])}; **seeds**: {text(', '.join(map(str, seeds)))} "
            f"(n = {len(seeds)}); **device**: {code_span(cfg['device'])}."
        ),
        "- Our numbers: mean ± sample std over the seeds (no ± with one seed); *n*: the seeds behind a row.",
        "",
    ]


def _synthetic(inputs: ReportInputs, base: Path) -> list[Part]:
    if inputs.table1 is None:
        return []
    lines = ["## Synthetic data: Table 1, Figures 2 and 3", "", *_demote(inputs.table1, 2)]
    if inputs.figure2 is not None:
        lines += [
            "",
            "### Figure 2: learning curves",
            "",
            (
                "NLL-oracle (the paper's Figure 2) and NLL-test per epoch; mean over seeds, min-max band; "
                "the dashed line is the end of pretraining."
            ),
            "",
            f"![Figure 2: NLL-oracle and NLL-test per epoch]({_link(inputs.figure2, base)})",
        ]
    if inputs.figure3 is not None:
        lines += [
            "",
            "### Figure 3: training strategies",
            "",
            "SeqGAN's NLL-oracle under each (g-steps, d-steps, k) of the config's `synthetic.strategies`.",
            "",
            f"![Figure 3: SeqGAN under each training strategy]({_link(inputs.figure3, base)})",
        ]
    return [*lines, ""]


def _samples(key: str, inputs: ReportInputs, base: Path) -> list[Part]:
    lines = []
    for method in SAMPLE_METHODS:
        path = inputs.samples.get((key, method))
        if path is None:
            continue
        label = LABELS[method] + (" (training sequences)" if method == "real" else "")
        lines += ["", f"#### {label}", ""]
        if key == "music" and method in inputs.piano_rolls:
            lines += [f"![Piano roll, {label}]({_link(inputs.piano_rolls[method], base)})", ""]
        if key == "music" and method in inputs.midi:
            files = sorted(inputs.midi[method].glob("*.mid"), key=lambda p: (len(p.name), p.name))
            links = ", ".join(f"[{text(p.name)}]({_link(p, base)})" for p in files)
            lines += [f"MIDI: {links}" if links else "MIDI: none written", ""]
        blocks = path.read_text(encoding="utf-8").strip().split("\n\n" if key == "poems" else "\n")
        lines += code_block("\n\n".join(blocks[: SAMPLES_SHOWN[key]]))
    if lines:
        seed = text(inputs.config["seeds"][0])
        intro = (
            f"The first sequences generated by seed {seed}'s models, and the real-data row's first training sequences."
        )
        lines = ["", "### Samples", "", intro, *lines]
    return lines


def _real_data(inputs: ReportInputs, base: Path, figure: Path | None) -> list[Part]:
    keys = [key for key in CORPORA if key in inputs.tables]
    if not keys:
        return []
    lines = ["## Real data: Tables 2-4", ""]
    if figure is not None:
        lines += [
            (
                "Ours on the paper basis (the whole corpus as references; bars: mean over seeds, whiskers: ± std) "
                "beside the paper's values (black ticks). Each table below also gives the leak-free basis."
            ),
            "",
            f"![Tables 2-4 on the paper basis as bars: ours beside the paper]({_link(figure, base)})",
            "",
        ]
    for key in keys:
        lines += [*_demote(inputs.tables[key], 2), *_samples(key, inputs, base), ""]
    return lines


def _quality_diversity(inputs: ReportInputs, base: Path) -> list[Part]:
    """Each experiment's quality-diversity figure with its summary (the summary's title becomes the heading)."""
    keys = [key for key in EXPERIMENTS if key in inputs.quality_diversity]
    if not keys:
        return []
    lines = [
        "## Quality–diversity: is a method's gain more than a temperature change gives MLE?",
        "",
        (
            "A lower softmax temperature makes any generator's samples better and less diverse, so a method that "
            "beats MLE at temperature 1 may only have moved along MLE's own trade-off. Each trained generator is "
            "sampled at several temperatures; a method helps only where its curve lies beyond MLE's."
        ),
        "",
    ]
    for key in keys:
        summary = _demote(inputs.quality_diversity[key], 2)
        lines += [summary[0], ""]
        if key in inputs.quality_diversity_figures:
            lines += [f"![{summary[0].lstrip('# ')}]({_link(inputs.quality_diversity_figures[key], base)})", ""]
        lines += [*summary[1:], ""]
    return lines


def build_document(inputs: ReportInputs, out_dir: Path, figure: Path | None) -> list[Part]:
    """The report for a page written to ``out_dir`` (links are relative to it)."""
    return [
        *_header(inputs.config),
        *_synthetic(inputs, out_dir),
        *_real_data(inputs, out_dir, figure),
        *_quality_diversity(inputs, out_dir),
        *provenance.choices(inputs),
        *provenance.not_reproducible(inputs),
        *compute.section(inputs.benchmarks, inputs.provenance),
        *provenance.software_section(inputs.config),
    ]


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def read_png(path: Path, name: str) -> bytes:
    """The bytes of the PNG file ``path``; FileNotFoundError or ValueError starting with ``name`` (what gave the
    path) when it is missing or not a PNG, whatever its file name says."""
    if not path.is_file():
        raise FileNotFoundError(f"{name}: file not found (expected a PNG image)")
    data = path.read_bytes()
    if not data.startswith(PNG_MAGIC):
        raise ValueError(f"{name}: not a PNG image (expected a file starting with the PNG signature)")
    return data


def build_html(document: list[Part], base: Path, images: dict[str, bytes] | None = None) -> str:
    """The page: ``document`` as HTML with every image embedded, no script, no remote resource. An image is read
    from its path relative to ``base`` unless ``images`` holds its bytes (one not yet written)."""
    images = images or {}

    def embed(src: str) -> str:
        if src in images:
            return data_uri(images[src])
        return data_uri(read_png(base / src, f"report: image {src!r} at {base / src}"))

    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        f"<title>SeqGAN reproduction report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{to_html(document, image_src=embed)}</body>\n</html>\n"
    )


def write_report(
    inputs: ReportInputs, md_path: str | Path, html_path: str | Path, figure_path: str | Path | None
) -> None:
    """report.md, index.html and (with real-data tables) the figure of Tables 2-4. Everything is made in memory
    first, so a bad input leaves no file behind; then each is written atomically."""
    md_path, html_path = Path(md_path), Path(html_path)
    base = md_path.parent
    figure, images = None, {}
    if figure_path is not None:
        if not inputs.table_csvs:
            raise ValueError("report: --out-figure needs the real-data tables (--table-csv)")
        figure = Path(figure_path)
        images[_relative(figure, base)] = real_data_figure(inputs.table_csvs)
    document = build_document(inputs, base, figure)
    page = build_html(document, base, images)
    if figure is not None:
        atomic.write_bytes(figure, next(iter(images.values())))
    atomic.write_text(md_path, to_markdown(document))
    atomic.write_text(html_path, page)
