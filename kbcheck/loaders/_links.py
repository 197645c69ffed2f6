"""Sources cited by links in an article's body, with the file line of each.

Markdown `[title](url)`, MediaWiki `[[source::Type|title|url]]` and `[url title]`, and bare URLs
(outside the links already found). Relative links (`/ai/llms/`, `#section`) point inside the
knowledge base, not at a source, and are left out; anything with a scheme is kept, so that the
URL rule sees a malformed one.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from kbcheck.models import Source

_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_WIKI_SOURCE = re.compile(r"\[\[source::([^\]\n]*)\]\]", re.I)
_WIKI_EXTERNAL = re.compile(r"(?<!\[)\[((?:https?|ftp)://[^\s\]]+)(?:[ \t]+([^\]\n]*))?\](?!\])")
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'`|\[\]()]+|\bwww\.[^\s<>\"'`|\[\]()]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_TRAILING = ".,;:!?*_'\""


def body_links(body: str, body_line: int, *, wiki: bool) -> tuple[list[Source], dict[str, int]]:
    """The sources linked from `body` (first occurrence of each URL) and their `body_links.N`
    lines; `body` starts at file line `body_line`."""
    found: list[tuple[int, int, Source]] = []  # (start, end, source)
    if "[" in body:
        if wiki:
            for m in _WIKI_SOURCE.finditer(body):
                found.append((m.start(), m.end(), _wiki_source(m.group(1))))
            for m in _WIKI_EXTERNAL.finditer(body):
                found.append((m.start(), m.end(),
                              Source(title=(m.group(2) or "").strip() or None, url=m.group(1))))
        for m in _MD_LINK.finditer(body):
            target = m.group(2)
            if _SCHEME.match(target) and not target.lower().startswith(("mailto:", "javascript:")):
                found.append((m.start(), m.end(),
                              Source(title=m.group(1).strip() or None, url=target)))
    if "://" in body or "www." in body:
        starts, ends = _merged_spans(found)
        for m in _BARE_URL.finditer(body):
            if _inside(m.start(), starts, ends):
                continue
            url = m.group().rstrip(_TRAILING)
            found.append((m.start(), m.end(), Source(url=url)))
    found.sort(key=lambda t: t[0])
    sources: list[Source] = []
    lines: dict[str, int] = {}
    seen: set[str] = set()
    line, pos = body_line, 0
    for start, _end, src in found:
        key = src.url or f"title:{src.title}"
        if key in seen:
            continue
        seen.add(key)
        line += body.count("\n", pos, start)
        pos = start
        lines[f"body_links.{len(sources)}"] = line
        sources.append(src)
    return sources, lines


def _wiki_source(inner: str) -> Source:
    """`Paper|LoRA: Low-Rank Adaptation|https://arxiv.org/abs/2106.09685` → a Source."""
    parts = [p.strip() for p in inner.split("|")]
    at = next((i for i in range(len(parts) - 1, -1, -1)
               if _SCHEME.match(parts[i]) or parts[i].startswith("www.")), None)
    url = parts.pop(at) if at is not None else None
    type_ = parts[0] if parts else None
    title = "|".join(parts[1:])
    return Source(type=type_ or None, title=title or None, url=url)


def _inside(pos: int, starts: list[int], ends: list[int]) -> bool:
    i = bisect_right(starts, pos) - 1
    return i >= 0 and pos < ends[i]


def _merged_spans(found: list[tuple[int, int, Source]]) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for s, e, _ in sorted(found, key=lambda t: t[0]):
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends
