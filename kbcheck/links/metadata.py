"""What the registries said about a cited work, compared with what the article states."""

from __future__ import annotations

from kbcheck.ids import arxiv_id_from_url
from kbcheck.links.collect import Cited
from kbcheck.links.models import LinkResult, Outcome
from kbcheck.links.titles import titles_match, year_matches
from kbcheck.models import Finding, Severity


def arxiv_result(c: Cited, ident: str, meta: dict) -> LinkResult:
    """The outcome of an arXiv URL from the API's metadata for its id."""
    base = {"url": c.url, "normalized": c.norm.url, "via": "arxiv", "citations": c.citations,
            "cached": bool(meta.get("cached"))}
    if not meta.get("found"):
        return LinkResult(**base, outcome=Outcome.broken, status=200, error=meta.get("error"))
    info = {k: meta.get(k) for k in ("title", "year", "updated_year", "version", "withdrawn")}
    aid = arxiv_id_from_url(c.norm.url)
    latest = meta.get("version")
    if aid is not None and aid.version and latest and aid.version > latest:
        return LinkResult(**base, outcome=Outcome.broken, status=200, metadata=info,
                          error=f"arXiv {ident} has no v{aid.version} (latest is v{latest})",
                          suggestion=f"https://arxiv.org/abs/{ident}")
    return LinkResult(**base, outcome=Outcome.ok, status=200, metadata=info)


def _finding(rule: str, path: str, line: int | None, message: str, hint: str) -> Finding:
    return Finding(rule=rule, severity=Severity.warning, path=path, line=line, message=message,
                   hint=hint)


def compare_metadata(results: list[LinkResult]) -> list[Finding]:
    """Title, year and withdrawal findings for every citation whose work a registry knows.

    Without registry metadata (offline, API down) an arXiv id still dates the paper: the year
    check then uses the id's year.
    """
    findings: list[Finding] = []
    for r in results:
        meta = r.metadata if r.outcome in (Outcome.ok, Outcome.redirected) else {}
        actual_title = meta.get("title")
        first, last = meta.get("year"), meta.get("updated_year")
        aid = arxiv_id_from_url(r.normalized) if r.normalized else None
        if first is None and aid is not None and aid.ok:
            first = aid.year
        what = f"arXiv {aid.id}" if aid is not None and aid.ok else r.url
        for c in r.citations:
            if c.title and isinstance(actual_title, str) and not titles_match(c.title,
                                                                             actual_title):
                findings.append(_finding(
                    "links.title-mismatch", c.path, c.title_line or c.line,
                    f'{what} is "{actual_title}", but the article cites it as "{c.title}"',
                    "check that the URL points at the work the article names"))
            if isinstance(first, int) and not year_matches(c.year, first, last):
                findings.append(_finding(
                    "links.year-mismatch", c.path, c.year_line or c.line,
                    f"{what} dates from {first}, but the article gives the year {c.year}",
                    "use the year of first publication"))
            if meta.get("withdrawn"):
                findings.append(_finding(
                    "links.withdrawn", c.path, c.line, f"{what} has been withdrawn",
                    "cite another source for this claim"))
    return findings
