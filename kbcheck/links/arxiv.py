"""arXiv: every id of a run resolved in batched requests to the arXiv API (`id_list`).

Checking arxiv.org pages one by one would take three seconds each (arXiv's rate limit) and
would not say whether the paper is the one the article names; the API answers a hundred ids
in one request with title, dates, version and comments.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from kbcheck.ids import parse_arxiv_id
from kbcheck.links.http import Fetched, Fetcher

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_FEED_CAP = 16 * 1024 * 1024


def parse_feed(xml: bytes, asked: list[str]) -> dict[str, dict]:
    """Map each asked id (no version) to its metadata, or to `{"found": False, "error": ...}`.

    arXiv answers a malformed id with HTTP 200 and an entry titled "Error"; such an entry is
    matched to the id its summary names. An asked id with no entry was not found.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(f"the arXiv API answered with unreadable XML: {exc}") from exc
    out: dict[str, dict] = {}
    for entry in root.iter(f"{_ATOM}entry"):
        entry_id = (entry.findtext(f"{_ATOM}id") or "").strip()
        title = " ".join((entry.findtext(f"{_ATOM}title") or "").split())
        summary = " ".join((entry.findtext(f"{_ATOM}summary") or "").split())
        if "/api/errors" in entry_id or title == "Error":
            for a in asked:
                if re.search(rf"(?<![\w.]){re.escape(a)}(?![\w.])", summary):
                    out[a] = {"found": False, "error": f"arXiv API: {summary or 'error'}"}
            continue
        parsed = parse_arxiv_id(entry_id.rsplit("/abs/", 1)[-1])
        if not parsed.ok or not title:
            continue
        published = (entry.findtext(f"{_ATOM}published") or "")[:4]
        updated = (entry.findtext(f"{_ATOM}updated") or "")[:4]
        comment = " ".join((entry.findtext(f"{_ARXIV}comment") or "").split())
        out[parsed.id] = {
            "found": True, "title": title,
            "year": int(published) if published.isdigit() else parsed.year,
            "updated_year": int(updated) if updated.isdigit() else None,
            "version": parsed.version,
            "withdrawn": "withdrawn" in comment.lower() or title.lower().startswith("withdrawn"),
            "comment": comment or None,
        }
    for a in asked:
        out.setdefault(a, {"found": False, "error": f"arXiv has no paper {a}"})
    return out


async def resolve_arxiv(fetcher: Fetcher, ids: list[str]) -> tuple[dict[str, dict], Fetched | None]:
    """Metadata per id, in batches of `arxiv_batch`; the failed fetch when the API failed."""
    config = fetcher.config
    out: dict[str, dict] = {}
    failed: Fetched | None = None
    size = max(1, config.arxiv_batch)
    for start in range(0, len(ids), size):
        batch = ids[start:start + size]
        query = urlencode({"id_list": ",".join(batch), "max_results": len(batch)})
        got = await fetcher.fetch(f"{config.arxiv_api}?{query}", "GET", body_cap=_FEED_CAP)
        if got.failure or got.status != 200:
            failed = got
            continue
        try:
            found = parse_feed(got.body, batch)
        except ValueError as exc:
            failed = Fetched(got.url, status=got.status, failure="protocol", error=str(exc))
            continue
        # One malformed id makes arXiv answer only with its error: ask again for the others.
        errors = [a for a in batch if not found[a]["found"] and "API" in found[a]["error"]]
        rest = [a for a in batch if a not in errors]
        if errors and rest and all(not found[a]["found"] for a in rest):
            retry, failed_again = await resolve_arxiv(fetcher, rest)
            found.update(retry)
            failed = failed_again or failed
        out.update(found)
    return out, failed
