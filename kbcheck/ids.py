"""Identifiers cited by articles: arXiv ids and DOIs, found in URLs and text, checked offline.

Shared by the rules (format and year checks) and the link checker (metadata resolvers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# New-style ids (since April 2007): YYMM.NNNN (to 2014) or YYMM.NNNNN (from 2015), optional vN.
_NEW = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<version>\d+))?")
# Old-style ids: archive(.subject)/YYMMNNN, e.g. hep-th/9901001.
_OLD = re.compile(r"(?P<archive>[a-z][a-z-]*(?:\.[A-Z]{2})?)/(?P<yymm>\d{4})(?P<num>\d{3})"
                  r"(?:v(?P<version>\d+))?")
_ARXIV_HOSTS = ("arxiv.org", "www.arxiv.org", "export.arxiv.org")
_ARXIV_TEXT = re.compile(r"\barxiv:\s*(?P<id>[\w./-]+)", re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)


@dataclass(frozen=True)
class ArxivId:
    """A parsed arXiv identifier; `problem` is set when it is malformed."""

    raw: str
    id: str | None = None  # without version, e.g. "2106.09685"
    version: int | None = None
    year: int | None = None
    month: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the id is well formed."""
        return self.problem is None


def parse_arxiv_id(raw: str) -> ArxivId:
    """Parse a bare arXiv id ("2106.09685", "2106.09685v2", "hep-th/9901001")."""
    text = raw.strip()
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    for pattern, new_style in ((_NEW, True), (_OLD, False)):
        m = pattern.fullmatch(text)
        if not m:
            continue
        yy, mm = int(m["yymm"][:2]), int(m["yymm"][2:])
        # int() refuses 4,300 digits and more; no paper has a million versions
        if m["version"] and len(m["version"]) > 6:
            return ArxivId(raw, problem=f"v{m['version'][:10]}... ({len(m['version'])} "
                           "digits) is not an arXiv version")
        version = int(m["version"]) if m["version"] else None
        base = text[: m.start("version") - 1] if m["version"] else text
        if not 1 <= mm <= 12:
            return ArxivId(raw, problem=f"month {mm:02d} in {text!r} is not 01-12")
        if new_style:
            year = 2000 + yy
            if (year, mm) < (2007, 4):
                return ArxivId(raw, problem=f"new-style ids start in April 2007, not {text!r}")
            digits = len(m["num"])
            if year >= 2015 and digits != 5:
                return ArxivId(raw, problem=f"ids from 2015 have 5 digits after the dot: {text!r}")
            if year < 2015 and digits != 4:
                return ArxivId(raw, problem=f"ids to 2014 have 4 digits after the dot: {text!r}")
        else:
            year = 1900 + yy if yy >= 91 else 2000 + yy
            if (year, mm) > (2007, 3):
                return ArxivId(raw, problem=f"old-style ids end in March 2007, not {text!r}")
        return ArxivId(raw, id=base, version=version, year=year, month=mm)
    return ArxivId(raw, problem=f"{text!r} is not an arXiv id (expected YYMM.NNNNN)")


def arxiv_id_from_url(url: str) -> ArxivId | None:
    """The arXiv id of an arxiv.org abs/pdf/html URL, None for any other URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in _ARXIV_HOSTS:
        return None
    path = unquote(parts.path)
    for prefix in ("/abs/", "/pdf/", "/html/", "/format/"):
        if path.startswith(prefix):
            return parse_arxiv_id(path[len(prefix):].strip("/"))
    return ArxivId(url, problem=f"an arxiv.org URL that names no paper: {path or '/'}")


def arxiv_ids_in_text(text: str) -> list[ArxivId]:
    """Ids written as "arXiv:2106.09685" in running text."""
    return [parse_arxiv_id(m["id"].rstrip(".,;)")) for m in _ARXIV_TEXT.finditer(text)]


def doi_from_url(url: str) -> str | None:
    """The DOI of a doi.org URL or of a URL/text that contains one ("10.1234/abc")."""
    m = _DOI.search(unquote(url))
    return m.group(1).rstrip(".,;)") if m else None


def find_arxiv_ids(text: str) -> list[tuple[int, ArxivId]]:
    """Ids written as "arXiv:2106.09685" in running text, with the offset of each mention."""
    return [(m.start(), parse_arxiv_id(m["id"].rstrip(".,;)"))) for m in _ARXIV_TEXT.finditer(text)]
