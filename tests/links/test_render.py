"""The text and JSON forms of a links report, and the findings behind --fail-on."""

from __future__ import annotations

import json

from kbcheck.links import Citation, LinkResult, LinksReport, Outcome
from kbcheck.links.render import render_links_json, render_links_text
from kbcheck.models import Finding, Severity


def _report() -> LinksReport:
    cite = [Citation(path="kb/a.md", line=12, field="primary_sources.0.url")]
    return LinksReport(results=[
        LinkResult(url="https://ok.example/", normalized="https://ok.example/",
                   outcome=Outcome.ok, status=200, citations=cite),
        LinkResult(url="https://gone.example/x", normalized="https://gone.example/x",
                   outcome=Outcome.broken, status=404, error="HTTP 404", citations=cite),
        LinkResult(url="http://old.example/", normalized="http://old.example/",
                   outcome=Outcome.redirected, status=200, suggestion="https://new.example/",
                   citations=cite),
    ], findings=[Finding(rule="links.title-mismatch", severity=Severity.warning, path="kb/a.md",
                         line=13, message="titles differ", hint="check the URL")], requests=4)


def test_text_puts_what_needs_fixing_first():
    text = render_links_text(_report())
    lines = text.splitlines()
    assert lines[0].startswith("broken") and "HTTP 404" in lines[0]
    assert "cited at kb/a.md:12 [primary_sources.0.url]" in lines[1]
    assert "-> use https://new.example/" in text
    assert "kb/a.md:13: warning links.title-mismatch: titles differ" in text
    assert lines[-1] == "3 distinct URLs: 1 ok, 1 redirected, 1 broken; 4 requests"


def test_json_round_trips():
    data = json.loads(render_links_json(_report()))
    assert data["counts"]["broken"] == 1 and data["load_findings"] == []
    assert LinksReport.model_validate({k: v for k, v in data.items()
                                       if k not in ("counts", "load_findings")}) == _report()


def test_findings_rate_each_outcome_at_every_citing_place():
    rules = {(f.rule, f.severity) for f in _report().all_findings()}
    assert rules == {("links.title-mismatch", Severity.warning),
                     ("links.broken", Severity.error), ("links.redirected", Severity.info)}
