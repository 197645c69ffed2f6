"""The links report as text or JSON; strings only, the CLI prints them."""

from __future__ import annotations

import json

from kbcheck.links.models import LinksReport, Outcome
from kbcheck.models import Finding
from kbcheck.safe_text import printable

# Worst first, so what needs fixing is at the top.
_ORDER = [Outcome.broken, Outcome.invalid, Outcome.refused, Outcome.redirected,
          Outcome.unverified, Outcome.ok]


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def render_links_text(report: LinksReport, load_findings: list[Finding] | None = None) -> str:
    """One block per distinct URL (outcome, detail, citing places), then findings, then counts."""
    out: list[str] = []
    for f in load_findings or []:
        out.append(f"{_where(f.path, f.line)}: {f.severity.value} {f.rule}: {f.message}")
    results = sorted(report.results, key=lambda r: _ORDER.index(r.outcome))
    for r in results:
        detail = []
        if r.status is not None:
            detail.append(f"HTTP {r.status}" if r.via == "http" else f"{r.via} {r.status}")
        elif r.via not in ("http", "offline", "policy", "syntax"):
            detail.append(r.via)
        if r.error:
            detail.append(r.error)
        if r.cached:
            detail.append("cached")
        line = f"{r.outcome.value:<10} {r.url}"
        if detail:
            line += f"  ({'; '.join(detail)})"
        out.append(line)
        if r.suggestion:
            out.append(f"{'':<10} -> use {r.suggestion}")
        for c in r.citations:
            out.append(f"{'':<10}    cited at {_where(c.path, c.line)} [{c.field}]")
    for f in report.findings:
        hint = f" (hint: {f.hint})" if f.hint else ""
        out.append(f"{_where(f.path, f.line)}: {f.severity.value} {f.rule}: {f.message}{hint}")
    counts = ", ".join(f"{n} {o}" for o, n in report.counts().items() if n)
    tail = f"{len(report.results)} distinct URLs: {counts or 'none'}"
    tail += f"; {report.requests} requests"
    if report.offline:
        tail += "; offline: nothing that needs the network was checked"
    out.append(tail)
    return "\n".join(map(printable, out)) + "\n"


def render_links_json(report: LinksReport, load_findings: list[Finding] | None = None) -> str:
    """The report as JSON: results, metadata findings, load findings, counts."""
    data = report.model_dump(mode="json")
    data["counts"] = report.counts()
    data["load_findings"] = [f.model_dump(mode="json") for f in load_findings or []]
    return json.dumps(data, indent=2) + "\n"
