"""Writing documents: Markdown as generated, and a printable, self-contained HTML page
(inline CSS, no script, no external asset) converted from the small Markdown subset the
documents use (headings, paragraphs, lists, tables, quotes, bold, italics, code)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from gateway.compliance.document import Document

_CSS = """
body{font:11pt/1.45 "DejaVu Sans",Arial,sans-serif;color:#111;max-width:48em;margin:2em auto;
padding:0 1em}
h1{font-size:1.6em;border-bottom:2px solid #234;padding-bottom:.2em}
h2{font-size:1.25em;margin-top:1.6em;color:#234}h3{font-size:1.05em}
table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #999;padding:.3em .45em;vertical-align:top;text-align:left}
th{background:#e8edf2}
blockquote{border-left:4px solid #c60;background:#fff4e5;margin:.8em 0;padding:.4em .8em}
code{font-size:.9em;word-break:break-all}
body.falc{font-size:15pt;line-height:1.7}body.falc p{margin:.5em 0}
body.falc em{font-size:.7em;font-style:normal;color:#444}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr,blockquote{break-inside:avoid}}
"""


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def markdown_to_html(markdown: str) -> str:
    """The HTML body of a document written in the subset above."""
    out: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif m := re.match(r"^(#{1,3}) (.*)$", line):
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            head, body = rows[0], [r for r in rows[1:] if not re.match(r"^\|(-+\|)+$", r)]
            out.append("<table><thead><tr>" + "".join(
                f"<th>{_inline(c)}</th>" for c in _cells(head)) + "</tr></thead><tbody>")
            out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in _cells(r)) + "</tr>"
                    for r in body]
            out.append("</tbody></table>")
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
        elif line.startswith("> "):
            quoted = []
            while i < len(lines) and lines[i].startswith("> "):
                quoted.append(lines[i][2:])
                i += 1
            out.append(f"<blockquote><p>{_inline(' '.join(quoted))}</p></blockquote>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#|\||- |> )", lines[i]):
                para.append(lines[i])
                i += 1
            out.append(f"<p>{_inline(' '.join(para))}</p>")
    return "\n".join(out)


def to_html(doc: Document) -> str:
    """A complete, printable HTML page for ``doc``."""
    body_class = ' class="falc"' if doc.slug.endswith("falc") else ""
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(doc.title)}</title><style>{_CSS}</style></head>"
        f"<body{body_class}>\n{markdown_to_html(doc.markdown)}\n</body></html>\n"
    )


def write(docs: list[Document], out: Path) -> list[Path]:
    """Write ``slug.md`` and ``slug.html`` for each document; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in docs:
        for suffix, text in ((".md", doc.markdown), (".html", to_html(doc))):
            path = out / f"{doc.slug}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
