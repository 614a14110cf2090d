"""The Markdown our reports write, as HTML: one source (report.md) for both pages, so they cannot disagree.

Only the subset our writers produce is understood: ``#`` headings, paragraphs, pipe tables (with an alignment
row), ``-`` lists nested by two spaces, fenced code blocks, ``<details>`` lines passed through, images on a line of
their own (``![alt](path)``), and inline ``**bold**``, ``*italic*``, ```code``` and ``[text](url)``. Anything
else is escaped and shown as text, never interpreted as HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)$")
TABLE_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")
# Inline markup, tried left to right: code first, so that `*` inside code stays literal.
INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|\*(?P<em>[^*\s][^*]*)\*"
    r"|\[(?P<text>[^\]]+)\]\((?P<href>[^)\s]+)\)"
)
PASS_THROUGH = ("<details>", "</details>")  # collapsible sections; a <summary> line is inline text
SUMMARY = re.compile(r"^<summary>(?P<text>.*)</summary>$")


def inline(text: str) -> str:
    """Escape ``text`` and turn its inline markup into HTML."""
    out, end = [], 0
    for match in INLINE.finditer(text):
        out.append(html.escape(text[end : match.start()]))
        kind = match.lastgroup if match.lastgroup != "href" else "text"
        if kind == "code":
            out.append(f"<code>{html.escape(match['code'])}</code>")
        elif kind == "strong":
            out.append(f"<strong>{inline(match['strong'])}</strong>")
        elif kind == "em":
            out.append(f"<em>{inline(match['em'])}</em>")
        else:
            out.append(f'<a href="{html.escape(match["href"])}">{inline(match["text"])}</a>')
        end = match.end()
    out.append(html.escape(text[end:]))
    return "".join(out)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _align(rule_cell: str) -> str:
    if rule_cell.startswith(":") and rule_cell.endswith(":"):
        return "center"
    return "right" if rule_cell.endswith(":") else "left"


def _table(lines: list[str]) -> str:
    header, rule, *rows = lines
    aligns = [_align(cell) for cell in _cells(rule)]

    def row(cells: list[str], tag: str) -> str:
        parts = [f'<{tag} style="text-align:{align}">{inline(c)}</{tag}>' for c, align in zip(cells, aligns)]
        return "<tr>" + "".join(parts) + "</tr>"

    body = "\n".join(row(_cells(line), "td") for line in rows)
    return f"<table>\n<thead>{row(_cells(header), 'th')}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _list(lines: list[str]) -> str:
    """Bullets nested by two spaces per level (a nested list inside its parent item, as HTML wants); a line
    without a bullet continues the item above."""
    out: list[str] = []
    depth = 0
    for line in lines:
        stripped = line.lstrip(" ")
        if not stripped.startswith("- "):
            out[-1] += " " + inline(stripped)
            continue
        level = (len(line) - len(stripped)) // 2 + 1
        if level > depth:  # open lists; a nested one stays inside the open item
            out += ["<ul>"] * (level - depth)
        else:  # close the open item, and the lists deeper than this one
            out.append("</li>" + "</ul></li>" * (depth - level))
        depth = level
        out.append(f"<li>{inline(stripped[2:])}")
    out.append("</li>" + "</ul></li>" * (depth - 1) + "</ul>")
    return "\n".join(out)


def _slug(text: str, seen: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    unique, n = slug, 2
    while unique in seen:
        unique, n = f"{slug}-{n}", n + 1
    seen.add(unique)
    return unique


def to_html(markdown: str, image_src: Callable[[str], str] = lambda src: src) -> str:
    """The HTML body of ``markdown``; ``image_src`` maps an image path to what the page loads (e.g. a data URI)."""
    blocks, lines, slugs = [], markdown.splitlines(), set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            blocks.append("<pre><code>" + html.escape("\n".join(lines[i + 1 : end])) + "</code></pre>")
            i = end + 1
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            text = line[level:].strip()
            blocks.append(f'<h{level} id="{_slug(text, slugs)}">{inline(text)}</h{level}>')
            i += 1
        elif line.strip() in PASS_THROUGH:
            blocks.append(line.strip())
            i += 1
        elif SUMMARY.match(line.strip()):
            blocks.append(f"<summary>{inline(SUMMARY.match(line.strip())['text'])}</summary>")
            i += 1
        elif IMAGE.match(line.strip()):
            match = IMAGE.match(line.strip())
            src = html.escape(image_src(match["src"]))
            blocks.append(f'<figure><img src="{src}" alt="{html.escape(match["alt"])}"></figure>')
            i += 1
        elif line.startswith("|") and i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1].strip()):
            end = i + 2
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            blocks.append(_table(lines[i:end]))
            i = end
        elif line.lstrip(" ").startswith("- "):
            end = i + 1
            while end < len(lines) and lines[end].strip() and (_is_item(lines[end]) or not _starts_block(lines[end])):
                end += 1
            blocks.append(_list(lines[i:end]))
            i = end
        else:
            end = i + 1
            while end < len(lines) and lines[end].strip() and not _starts_block(lines[end]):
                end += 1
            blocks.append("<p>" + inline(" ".join(s.strip() for s in lines[i:end])) + "</p>")
            i = end
    return "\n".join(blocks)


def _is_item(line: str) -> bool:
    return line.lstrip(" ").startswith("- ")


def _starts_block(line: str) -> bool:
    stripped = line.strip()
    return (
        line.startswith(("#", "|", "```"))
        or _is_item(line)
        or stripped in PASS_THROUGH
        or bool(SUMMARY.match(stripped) or IMAGE.match(stripped))
    )
