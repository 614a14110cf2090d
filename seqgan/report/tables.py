"""What every table of the report shares: mean ± std over seeds, the p-value cell, the CSV file."""

from __future__ import annotations

import csv
import io
import statistics
from pathlib import Path

from seqgan import atomic
from seqgan.metrics.significance import welch_t_test

DIGITS = 4  # our numbers in the tables' CSV and Markdown


def mean_std(name: str, values: list[float]) -> dict:
    """``{name}_mean`` and ``{name}_std`` (sample std; blank with one value, both blank with none), rounded."""
    if not values:
        return {f"{name}_mean": "", f"{name}_std": ""}
    std = round(statistics.stdev(values), DIGITS) if len(values) > 1 else ""
    return {f"{name}_mean": round(statistics.mean(values), DIGITS), f"{name}_std": std}


def cell(row: dict, name: str) -> str:
    """A mean ± std cell of a row made by mean_std: '0.6350 ± 0.0071', '0.5500' (one seed), '–' (no value)."""
    mean, std = row[f"{name}_mean"], row[f"{name}_std"]
    if mean == "":
        return "–"
    return f"{mean:.{DIGITS}f}" + (f" ± {std:.{DIGITS}f}" if std != "" else "")


def format_p(p: float) -> str:
    """A p-value with two significant digits."""
    # Below ~1e-300 the double is denormal or has underflowed to 0: only a bound is meaningful.
    return "< 1e-300" if p < 1e-300 else f"{p:.1e}"


def p_value(a: list[float], b: list[float]) -> str:
    """The two-sided Welch p-value of ``a`` vs ``b`` as printed; blank where the test is undefined (fewer than 2
    values in a group, or both constant)."""
    try:
        return format_p(welch_t_test(a, b).p)
    except ValueError:
        return ""


def write_csv(path: str | Path, columns, rows: list[dict]) -> None:
    """``rows`` under the header ``columns`` (keys not in it are left out), written atomically as UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, out.getvalue())


def markdown_row(cells: list[str]) -> str:
    """A Markdown table row of inline Markdown cells (text from files through document.text or code_span): every
    ``|`` is escaped, so it stays in its cell (in a code span too: GitHub's and markdown-it's tables unescape it
    before the inline parse), and a line break, which would end the row, becomes a space."""
    return "| " + " | ".join(" ".join(cell.replace("|", "\\|").splitlines()) for cell in cells) + " |"
