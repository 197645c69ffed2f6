"""Small text helpers shared by the loaders."""

from __future__ import annotations

import re
from datetime import datetime

_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y")
_ISO_PREFIX = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def line_at(text: str, offset: int, first_line: int = 1) -> int:
    """The file line of `offset` in `text`, whose first line is file line `first_line`."""
    return first_line + text.count("\n", 0, offset)


def column_at(text: str, offset: int) -> int:
    """The 1-based column of `offset` in its line."""
    return offset - text.rfind("\n", 0, offset)


def written_date(text: str) -> str:
    """A date as written ("March 31, 2026", "2025-12-12 00:00 GMT") in ISO form when it reads as
    one, else the text unchanged, so that the schema reports it at its line."""
    text = text.strip()
    m = _ISO_PREFIX.match(text)
    if m:
        return m.group()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text
