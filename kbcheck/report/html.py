"""The reviewer's report as one self-contained HTML page: problems first, a contents list, a
CSS-only verdict filter, evidence as tables and figures as inline SVG (no scripts, no external
assets). The page is built from plain values here and drawn by the Jinja2 templates in
`templates/`, which escape everything they are given."""

from __future__ import annotations

import hashlib
import posixpath
import re
from functools import cache
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from kbcheck.models import ClaimResult, Evidence, Finding, Report
from kbcheck.report import _view, figures
from kbcheck.safe_text import xml_text

MAX_ROWS = 40  # measured values shown per evidence; report.json has them all
MAX_COLUMNS = 10
# Findings that repeat a claim's verdict: the claim itself is on the page.
_CLAIM_RULES = {"claim-refuted", "claim-conditional", "verifier-error"}
_SKIP = {"environment", "packages", "note"}  # shown elsewhere, or noise in a table


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("kbcheck.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["number"] = _view.number
    return env


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60] or "x"


def web_url(url: Any) -> str | None:
    """The URL if it is an http(s) address (a link may be followed), else None."""
    text = str(url or "")
    return text if urlsplit(text).scheme in ("http", "https") and " " not in text else None


def file_link(repo: str | None, path: str, line: int | None) -> str | None:
    """`path` (relative to the repository's root as seen from `repo`) at `line` on the web, or
    None without a repository or for an absolute path, which no repository address can hold."""
    if not repo or PurePosixPath(path).is_absolute() or PureWindowsPath(path).drive:
        return None
    # `repo` may end in the working folder (kbcheck run from kb/ gives paths like ../kb/x.md)
    at = urlsplit(repo)
    where = posixpath.normpath(f"{at.path}/{path}")
    return f"{at.scheme}://{at.netloc}{quote(where)}" + (f"#L{line}" if line else "")


def _finding(f: Finding, repo: str | None) -> dict[str, Any]:
    return {"severity": f.severity.value, "rule": f.rule, "line": f.line, "message": f.message,
            "hint": f.hint, "href": file_link(repo, f.path, f.line) if f.line else None}


def _anchors(report: Report) -> dict[str, str]:
    """A stable HTML id per claim id: from the article and fact id, else from a hash of the
    claim's path and text, so that it survives lines added above the claim."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for r in report.claims:
        c = r.claim
        if c.fact_id:
            base = f"c-{_slug(c.article_id or c.path.rsplit('/', 1)[-1])}-{_slug(c.fact_id)}"
        else:
            base = "c-" + hashlib.sha256(f"{c.path}\0{c.text}".encode()).hexdigest()[:12]
        anchor, n = base, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        out[c.id] = anchor
    return out


def _table(items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """A list of records as a table: columns are their scalar fields (one level of nesting)."""
    rows = []
    for item in items[:MAX_ROWS]:
        flat: dict[str, Any] = {}
        for k, v in item.items():
            if isinstance(v, dict):
                flat.update({f"{k}.{k2}": v2 for k2, v2 in v.items()
                             if not isinstance(v2, dict | list)})
            elif k not in _SKIP:
                flat[k] = v
        rows.append(flat)
    columns = list(dict.fromkeys(k for row in rows for k in row))[:MAX_COLUMNS]
    return {"key": key, "columns": columns, "more": len(items) - len(rows),
            "rows": [[_text(row.get(c), f"{key}.{c}") for c in columns] for row in rows]}


def _text(value: Any, key: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        if not value:
            return "none"
        return ", ".join(_text(v, key) for v in value[:12]) + (" …" if len(value) > 12 else "")
    if isinstance(value, dict):
        return "; ".join(f"{k} {_text(v, f'{key}.{k}')}" for k, v in list(value.items())[:8])
    return _view.short(_view.number(value, key), 160)


def _rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Nested values as rows of (key, text), with lists of records as small tables."""
    out: list[dict[str, Any]] = []

    def walk(value: Any, key: str, depth: int) -> None:
        if len(out) >= MAX_ROWS:
            return
        if isinstance(value, dict) and depth < 4:
            for k, v in value.items():
                if k not in _SKIP:
                    walk(v, f"{key}.{k}" if key else str(k), depth + 1)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(_table(value, key))
        else:
            out.append({"key": key, "text": _text(value, key)})

    walk(values, "", 0)
    return out


def _stated(values: dict[str, Any]) -> dict[str, Any]:
    """Values without the empty defaults (0, '') that mean 'not stated'."""
    return {k: v for k, v in values.items() if v not in ("", 0, None) or isinstance(v, bool)}


def _configuration(params: dict[str, Any]) -> list[dict[str, str]]:
    """The parameters a run used, without the empty defaults."""
    return [{"key": k, "text": _text(v, k)} for k, v in _stated(params).items()]


def _evidence(ev: Evidence | None) -> dict[str, Any] | None:
    if ev is None:
        return None
    env = ev.environment or {}
    packages = env.get("packages") or {}
    return {"verifier": ev.verifier, "version": ev.version, "provenance": _view.provenance(ev),
            "stated": _rows(_stated(ev.expected)), "configuration": _configuration(ev.params),
            "measured": _rows(ev.measured), "notes": ev.notes, "elsewhere": _view.elsewhere(ev),
            "environment": ", ".join(str(x) for x in (
                env.get("device_name") or env.get("device"),
                *(f"{k} {v}" for k, v in packages.items() if v)) if x)}


def _claim(r: ClaimResult, anchor: str, repo: str | None) -> dict[str, Any]:
    c = r.claim
    return {"anchor": anchor, "verdict": r.verdict.value, "text": c.text, "line": c.line,
            "where": _view.where(c.path, c.line), "fact_id": c.fact_id,
            "source": file_link(repo, c.path, c.line),
            "pair": r.figure.text() if r.figure else "", "explanation": r.explanation,
            "evidence": _evidence(r.evidence), "figures": figures.for_claim(r),
            "read": _view.frames_read(r)}


def _sources(report: Report) -> dict[str, list[dict[str, Any]]]:
    """The link checker's results per citing article: url, outcome, status, lines."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in _view.link_rows(report):
        lines: dict[str, list[int]] = {}
        for cite in row.get("citations") or []:
            if isinstance(cite, dict) and cite.get("path"):
                lines.setdefault(str(cite["path"]), []).append(cite.get("line") or 0)
        entry = {"url": str(row.get("url")), "href": web_url(row.get("url")),
                 "outcome": str(row.get("outcome")), "status": row.get("status") or "",
                 "detail": str(row.get("error") or row.get("suggestion") or "")}
        for path, at in lines.items():
            out.setdefault(path, []).append({**entry, "lines": sorted(set(at) - {0})})
    return out


def context(report: Report, repo_url: str | None = None) -> dict[str, Any]:
    """Everything the page shows, as plain values."""
    repo = (web_url(repo_url) or "").rstrip("/") or None
    anchors = _anchors(report)
    claims = {r.claim.id: _claim(r, anchors[r.claim.id], repo) for r in report.claims}
    sources = _sources(report)
    articles = [{"anchor": "a-" + _slug(v.path), "title": v.title, "path": v.path,
                 "checked": [claims[r.claim.id] for r in v.checked],
                 "unverifiable": [claims[r.claim.id] for r in v.unverifiable],
                 "findings": [_finding(f, repo) for f in v.findings
                              if f.rule not in _CLAIM_RULES],
                 "sources": sources.get(v.path, []),
                 "counts": {verdict: sum(r.verdict.value == verdict
                                         for r in v.checked + v.unverifiable)
                            for verdict in _view.VERDICT_ORDER}}
                for v in _view.articles(report)]
    links = _view.link_rows(report)
    return {"report": report, "summary": report.summary, "verdicts": _view.VERDICT_ORDER,
            "problems": [{**claims[r.claim.id], "path": r.claim.path}
                         for r in _view.problems(report)],
            "articles": articles, "links": [{**row, "href": web_url(row.get("url"))}
                                            for row in links],
            "link_counts": _view.counts_by_outcome(links)}


def render_html(report: Report, repo_url: str | None = None) -> str:
    """The whole report as an HTML document; with `repo_url` (e.g.
    https://github.com/OWNER/REPO/blob/main) each file:line links to the file there."""
    # Control characters are parse errors in HTML too, and this page may be read as XHTML.
    return xml_text(_env().get_template("report.html.j2").render(context(report, repo_url)))
