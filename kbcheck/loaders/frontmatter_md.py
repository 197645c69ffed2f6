"""Markdown with a YAML frontmatter block between `---` fences (seeds 000 and 001)."""

from __future__ import annotations

import re

from kbcheck.loaders._build import build_result
from kbcheck.loaders._yaml import parse_frontmatter
from kbcheck.models import Finding, LoadResult, Severity

FORMAT = "frontmatter-markdown"
_OPEN = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)


def detect(text: str) -> bool:
    """A `---` line first, and some text after it."""
    return _OPEN.match(text) is not None


def load(text: str, path: str) -> LoadResult:
    """Parse the frontmatter; the body is everything after the closing fence."""
    opening = _OPEN.match(text)
    assert opening is not None  # detect() said so
    close = _CLOSE.search(text, opening.end())
    if close is None:
        return LoadResult(path=path, findings=[Finding(
            rule="frontmatter-unclosed", severity=Severity.error, path=path, line=1, column=1,
            message="the frontmatter's opening `---` is never closed",
            hint="end the metadata with a line holding only `---`")])
    res = parse_frontmatter(text[opening.end():close.start()], path, first_line=2)
    findings = res.findings
    if res.data is None:
        return LoadResult(path=path, findings=findings)
    close_line = 2 + text.count("\n", opening.end(), close.start())
    body_start = text.find("\n", close.start())
    body = "" if body_start < 0 else text[body_start + 1:]
    body_line = close_line + 1
    return build_result(res.data, path=path, fmt=FORMAT, body=body, body_line=body_line,
                        lines=res.lines, columns=res.columns, findings=findings)
