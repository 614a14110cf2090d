"""The page's document: Markdown lines and collapsible parts, written as report.md (GitHub) and rendered as HTML.

The Markdown is CommonMark with tables, rendered by markdown-it-py with raw HTML turned off: any markup in the
text (a sample, a config string, a file name) is shown as text, never interpreted. The one HTML the page needs,
a collapsible part, is therefore not written inside the Markdown but as a Details part of the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Details:
    """A collapsible part: ``summary`` (inline Markdown) shown, ``body`` (Markdown lines) folded."""

    summary: str
    body: list[str]


Part = str | Details  # a Markdown line, or a collapsible part


def code_block(text: str, info: str = "") -> list[str]:
    """``text`` as a fenced code block, shown verbatim: the fence is longer than any run of backticks in it."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return [fence + info, text.rstrip("\n"), fence]


def to_markdown(parts: Iterable[Part]) -> str:
    """report.md: the lines as they are; a Details part as GitHub's <details> around its Markdown."""
    lines: list[str] = []
    for part in parts:
        if isinstance(part, Details):
            lines += ["<details>", f"<summary>{part.summary}</summary>", "", *part.body, "", "</details>"]
        else:
            lines.append(part)
    return "\n".join(lines).rstrip() + "\n"


def _renderer(image_src: Callable[[str], str]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        token.attrSet("src", image_src(unquote(token.attrGet("src"))))  # markdown-it percent-encodes links
        return self.image(tokens, idx, options, env)

    md.add_render_rule("image", image)
    return md


def to_html(parts: Iterable[Part], image_src: Callable[[str], str] = lambda src: src) -> str:
    """The HTML body; ``image_src`` maps an image's path to what the page loads (e.g. a data URI)."""
    md = _renderer(image_src)
    html, lines = [], []
    for part in [*parts, None]:
        if isinstance(part, str):
            lines.append(part)
            continue
        if lines:
            html.append(md.render("\n".join(lines)))
            lines = []
        if part is not None:
            body = md.render("\n".join(part.body))
            html.append(f"<details>\n<summary>{md.renderInline(part.summary)}</summary>\n{body}</details>\n")
    return "".join(html)
