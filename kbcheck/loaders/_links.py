"""Sources cited by links in an article's body, with the file line of each.

Markdown `[title](url)`, MediaWiki `[[source::Type|title|url]]` and `[url title]`, and bare URLs
(outside the links already found). Relative links (`/ai/llms/`, `#section`) point inside the
knowledge base, not at a source, and are left out; anything with a scheme is kept, so that the
URL rule sees a malformed one.
"""

from __future__ import annotations

import re

from kbcheck.models import Source

# Bracket classes exclude `[` as well as `]`: a scan never runs past the next opener, so a body
# of 100 KB of `[` is linear, not quadratic.
_MD = r"""\[(?P<mdt>[^\[\]\n]*)\]\(\s*<?(?P<mdu>[^()\s<>]+)>?(?:\s+"[^"\n]*")?\s*\)"""
_BARE = r"""(?P<bare>(?:https?|ftp)://[^\s<>"'`|\[\]()]+)"""
_WIKI = (r"\[\[(?i:source)::(?P<ws>[^\[\]\n]*)\]\]"
         r"|\[(?P<weu>(?:https?|ftp)://[^\s\[\]]+)(?:[ \t]+(?P<wet>[^\[\]\n]*))?\]")
# One pass over the body: the leftmost link wins. The lookahead on the first character lets the
# regex engine skip ahead quickly (4x faster than the bare alternation).
_MARKDOWN_LINKS = re.compile(rf"(?=[\[hf])(?:{_MD}|{_BARE})")
_WIKI_LINKS = re.compile(rf"(?=[\[hf])(?:{_WIKI}|{_MD}|{_BARE})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_TRAILING = ".,;:!?*_'\""


def body_links(body: str, body_line: int, *, wiki: bool) -> tuple[list[Source], dict[str, int]]:
    """The sources linked from `body` (first occurrence of each URL) and their `body_links.N`
    lines; `body` starts at file line `body_line`."""
    sources: list[Source] = []
    lines: dict[str, int] = {}
    if "[" not in body and "://" not in body:
        return sources, lines
    seen: set[str] = set()
    line, pos = body_line, 0
    for m in (_WIKI_LINKS if wiki else _MARKDOWN_LINKS).finditer(body):
        group = m.lastgroup
        if group == "bare":
            src = Source(url=m.group("bare").rstrip(_TRAILING))
        elif group in ("mdu", "mdt"):
            target = m.group("mdu")
            if not _SCHEME.match(target) or target.lower().startswith(("mailto:", "javascript:")):
                continue  # a link inside the knowledge base, not a source
            src = Source(title=m.group("mdt").strip() or None, url=target)
        elif group == "ws":
            src = _wiki_source(m.group("ws"))
        else:
            src = Source(title=(m.group("wet") or "").strip() or None, url=m.group("weu"))
        key = src.url or f"title:{src.title}"
        if key in seen:
            continue
        seen.add(key)
        line += body.count("\n", pos, m.start())
        pos = m.start()
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
