"""MediaWiki text with Semantic MediaWiki annotations (seed 003).

`[[domain::X]]` gives the domains, `[[last_updated::2025-12-12 00:00 GMT]]` the update date,
`[[source::Type|title|url]]` and `[url title]` the sources. A page's title lives outside its text;
`{{DISPLAYTITLE:...}}` or a level-1 `= Title =` heading gives one when present. The body is the
whole file.
"""

from __future__ import annotations

import re

from kbcheck.loaders._build import build_result
from kbcheck.loaders._text import column_at, line_at, written_date
from kbcheck.models import LoadResult

FORMAT = "mediawiki"
# No class runs past a `[` (the next annotation's opener): linear on any input.
_ANNOTATION = re.compile(r"\[\[([A-Za-z_][\w ]*)::([^\[\]|\n]*)(?:\|[^\[\]\n]*)?\]\]")
_WIKI_HEADING = re.compile(r"^={2,6}[^=\n]+={2,6}[ \t]*$", re.M)
_TITLE = re.compile(r"\{\{DISPLAYTITLE:([^{}\n]+)\}\}|^=([^=\n]*)=[ \t]*$", re.M)


def detect(text: str) -> bool:
    """Semantic annotations, `== Section ==` headings, or a wiki table/template first."""
    start = text.lstrip()[:2]
    return (start in ("{|", "{{") or "::" in text and _ANNOTATION.search(text) is not None
            or _WIKI_HEADING.search(text) is not None)


def load(text: str, path: str) -> LoadResult:
    """Collect the annotations; the body is the whole file."""
    data: dict[str, object] = {}
    lines: dict[str, int] = {}
    columns: dict[str, int] = {}
    domains: list[str] = []
    for m in _ANNOTATION.finditer(text):
        prop, value = m.group(1).strip().lower(), m.group(2).strip()
        if prop == "domain":
            lines[f"domains.{len(domains)}"] = line_at(text, m.start())
            lines.setdefault("domains", lines[f"domains.{len(domains)}"])
            domains.append(value)
        elif prop in ("last_updated", "updated") and "updated" not in data:
            data["updated"] = written_date(value)
            lines["updated"] = line_at(text, m.start())
            columns["updated"] = column_at(text, m.start(2))
        elif prop == "created" and "created_date" not in data:
            data["created_date"] = written_date(value)
            lines["created_date"] = line_at(text, m.start())
            columns["created_date"] = column_at(text, m.start(2))
    if domains:
        data["domains"] = domains
    title = _TITLE.search(text)
    if title and (title.group(1) or title.group(2)).strip():
        data["title"] = (title.group(1) or title.group(2)).strip()
        lines["title"] = line_at(text, title.start())
    return build_result(data, path=path, fmt=FORMAT, body=text, body_line=1, lines=lines,
                        columns=columns)
