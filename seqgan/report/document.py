"""The page's document: Markdown lines and collapsible parts, written as report.md (GitHub) and rendered as HTML.

The Markdown is CommonMark with tables, rendered by markdown-it-py with raw HTML turned off. The one HTML the page
needs, a collapsible part, is therefore not written inside the Markdown but as a Details part of the document.

Text that comes from corpora, models or files (a sample, a config string, a file name, a label) must not change the
page's structure, in index.html nor in report.md (which GitHub renders with raw HTML allowed). It enters the
Markdown only through ``text`` (inline text, Markdown punctuation escaped), ``code_span`` or ``code_block`` (its
delimiters longer than any backtick run inside). A Markdown file of the workflow included in the page (a table)
is checked by ``fragment``: only headings, paragraphs, lists and tables, so it cannot open a block that swallows
the rest of the page.
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

# Characters with a meaning inside a line of Markdown (CommonMark, GitHub's tables, strikethrough and math): each
# is backslash-escaped by ``text``, but for a run of _ between letters or digits, which cannot emphasise (snake_case
# stays readable in report.md). Block markers (#, -, 1.) only count at the start of a line, where ``text`` never goes.
_INLINE = re.compile(r"[\\`*\[\]<>&|~!$]|_+")
_WORD = re.compile(r"[^\W_]")  # a letter or digit
_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
# What an included Markdown file may hold (markdown-it block tokens); anything else (a code block, raw HTML, a
# rule) is refused.
_FRAGMENT_BLOCKS = ("heading", "paragraph", "bullet_list", "ordered_list", "list_item", "table", "thead", "tbody")
_FRAGMENT_BLOCKS += ("tr", "th", "td", "inline")


def _one_line(value: str) -> str:
    return _NEWLINES.sub(" ", value)


def text(value) -> str:
    """``value`` as inline Markdown that shows it literally (in a line or a table cell): punctuation escaped,
    line breaks as spaces."""

    def escape(match: re.Match) -> str:
        before, after = match.string[match.start() - 1 : match.start()], match.string[match.end() : match.end() + 1]
        if match[0][0] == "_" and _WORD.match(before) and _WORD.match(after):
            return match[0]
        return "".join("\\" + c for c in match[0])

    return _INLINE.sub(escape, _one_line(str(value)))


def code_span(value) -> str:
    """``value`` as an inline code span shown verbatim: delimited by more backticks than any run inside it,
    padded with a space where it starts or ends with a backtick or a space (CommonMark strips one of each)."""
    value = _one_line(str(value)) or " "
    ticks = "`" * (1 + max((len(run) for run in re.findall(r"`+", value)), default=0))
    pad = " " if value[0] in "` " or value[-1] in "` " else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def code_block(body: str, info: str = "") -> list[str]:
    """``body`` as a fenced code block, shown verbatim: the fence is longer than any run of backticks in it (a
    line of backticks or tildes inside cannot close it); ``info`` is ours (a language name)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", body)), default=0))
    return [fence + info, body.rstrip("\n"), fence]


def fragment(markdown: str, where: str) -> list[str]:
    """An included Markdown file's lines, checked as GitHub would read them (raw HTML allowed): only headings,
    paragraphs, lists and tables, no HTML (ValueError naming ``where`` and the line otherwise)."""
    for token in MarkdownIt("commonmark", {"html": True}).enable("table").parse(markdown):
        kind = token.type.removesuffix("_open").removesuffix("_close")
        if kind == "inline" and any(child.type == "html_inline" for child in token.children or []):
            kind = "html_inline"
        if kind not in _FRAGMENT_BLOCKS:
            line = token.map[0] + 1 if token.map else "?"
            raise ValueError(
                f"{where}:{line}: {kind.replace('_', ' ')} in a table's Markdown (expected headings, paragraphs, "
                "lists and tables only)"
            )
    return markdown.splitlines()


def to_markdown(parts: Iterable[Part]) -> str:
    """report.md: the lines as they are; a Details part as GitHub's <details> around its Markdown, the summary
    rendered to HTML here (GitHub shows the <summary> line as raw HTML, so Markdown in it would not render, and
    its text must not be markup)."""
    md = _renderer(lambda src: src)
    lines: list[str] = []
    for part in parts:
        if isinstance(part, Details):
            summary = f"<summary>{md.renderInline(part.summary)}</summary>"
            lines += ["<details>", summary, "", *part.body, "", "</details>"]
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
