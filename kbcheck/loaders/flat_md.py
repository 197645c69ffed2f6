"""Markdown without frontmatter, metadata written inline (seed 002).

Seed 002 is flattened onto one line: `# Title Confidence: high Last verified: 2026-05-22
Generation: human_only ## TL;DR ...`. The head (the text before the first `##` section) gives the
title and the `Label: value` metadata; the body is the file from the first line that holds more
than the title and metadata (the whole file when, as in the seed, everything is on line 1).
"""

from __future__ import annotations

import re

from kbcheck.loaders._build import build_result
from kbcheck.loaders._text import column_at, line_at, written_date
from kbcheck.models import LoadResult

FORMAT = "flat-markdown"
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+\S", re.M)
_SECTION = re.compile(r"(?:^|[ \t])##+[ \t]")
_LABELS = {
    "confidence": "confidence",
    "last verified": "last_verified",
    "last updated": "updated",
    "updated": "updated",
    "created": "created_date",
    "generation": "generation_method",
    "generation method": "generation_method",
}
_DATE = r"[A-Z][a-z]+\.? \d{1,2}, \d{4}|\d{4}-\d{1,2}-\d{1,2}|\S+"
# Labels are matched as capitalised words only, so that prose ("was updated: ...") is not metadata.
_META = re.compile(
    r"\b(Confidence|Last verified|Last updated|Updated|Created|Generation(?: method)?)[ \t]*:"
    rf"[ \t]*({_DATE})")
_TITLE = re.compile(r"^[ \t]*#[ \t]+(.+?)[ \t]*(?=$|(?:Confidence|Last verified|Last updated|"
                    r"Updated|Created|Generation)[ \t]*:|##)", re.M)
_HEAD_MAX = 4000


def detect(text: str) -> bool:
    """A Markdown heading on the first line that holds text, or `##` sections further down."""
    first = text.lstrip()[:200]
    return first.startswith("#") and _HEADING.match(first) is not None or (
        "\n## " in text or " ## " in text[:_HEAD_MAX])


def load(text: str, path: str) -> LoadResult:
    """Recover the title and inline metadata from the head; the body keeps every line of text."""
    sec = _SECTION.search(text, 0, _HEAD_MAX)
    head_end = sec.start() if sec else min(len(text), _HEAD_MAX)
    data: dict[str, object] = {}
    lines: dict[str, int] = {}
    columns: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    title = _TITLE.search(text, 0, head_end)
    if title:
        data["title"] = title.group(1).strip()
        lines["title"] = line_at(text, title.start(1))
        spans.append((title.start(), title.end()))
    for m in _META.finditer(text, 0, head_end):
        field = _LABELS[m.group(1).lower()]
        if field in data:
            continue
        value = m.group(2)
        if field in ("last_verified", "updated", "created_date"):
            value = written_date(value)
        elif field == "confidence":
            value = value.lower().rstrip(".,;")
        data[field] = value
        lines[field] = line_at(text, m.start())
        columns[field] = column_at(text, m.start(2))
        spans.append((m.start(), m.end()))
    body_line, offset = _body_start(text, spans)
    body = text[offset:]
    return build_result(data, path=path, fmt=FORMAT, body=body, body_line=body_line,
                        lines=lines, columns=columns)


def _body_start(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The first line that holds anything besides the title and the metadata: (line, offset)."""
    pos, line = 0, 1
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        rest = text[pos:end]
        for s, e in spans:
            if pos <= s < end:
                rest = rest.replace(text[s:min(e, end)], "", 1)
        if rest.strip():
            return line, pos
        pos, line = end + 1, line + 1
    return line, len(text)
