"""The HTML report: figure data against golden files, escaping, anchors, links and the filter.

`data/kb-report.json` is a cut of a real `kbcheck run kb/` report (the claims that have
figures, the problems, one claim of each verdict per article), so the figures are drawn from
what verifiers really record. `KBCHECK_UPDATE_GOLDEN=1` rewrites the golden files.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from kbcheck.models import Claim, ClaimResult, Pairing, Report, Verdict
from kbcheck.report import _view, figures
from kbcheck.report.html import render_html

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"


@pytest.fixture(scope="module")
def kb_report() -> Report:
    return Report.model_validate_json((HERE / "data" / "kb-report.json").read_text())


def _matches_golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("KBCHECK_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), f"{name} changed; KBCHECK_UPDATE_GOLDEN=1 to accept"


def test_figure_data_matches_golden_file(kb_report):
    data = {r.claim.id: figures.for_claim(r) for r in kb_report.claims}
    data = {k: v for k, v in data.items() if v}
    _matches_golden("figures.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    kinds = {f["kind"] for figs in data.values() for f in figs}
    assert kinds == {"forest", "memory", "stated", "grid"}


def test_forest_plot_has_each_setting_against_the_tolerance_band(kb_report):
    claim = next(r for r in kb_report.claims if r.evidence
                 and r.evidence.verifier == "lora.merge_latency")
    plots = figures.forest(claim.evidence)
    assert len(plots) == 1 + len(claim.evidence.elsewhere)  # this machine, then the GPU
    for plot in plots:
        band = plot["band"]
        assert band["x0"] < plot["x_one"] < band["x1"]
        for mark in plot["marks"]:
            assert mark["x_low"] <= mark["x"] <= mark["x_high"]
    settings = claim.evidence.measured["settings"]
    assert len(plots[0]["marks"]) == 3 * len(settings)  # merged, unmerged at two ranks


def test_memory_figure_marks_the_claims_gpu_and_what_ran_out(kb_report):
    claim = next(r for r in kb_report.claims if r.verdict.value == "refuted"
                 and r.evidence.verifier == "lora.qlora_memory")
    fig = figures.memory(claim.evidence)
    assert fig["limit_gib"] == 24.0
    assert [line["label"] for line in fig["lines"] if line["claim"]] == ["24 GB"]
    assert [b["fits"] for b in fig["bars"]] == [None, False]  # the weights, then the run


def test_stated_and_measured_share_one_axis(kb_report):
    claim = next(r for r in kb_report.claims if r.verdict.value == "refuted"
                 and r.figure is not None)
    fig = figures.stated_measured(claim)
    assert fig["stated"]["label"] == "stated 99.60%"
    assert fig["measured"]["label"] == "measured 99.22%"
    assert fig["measured"]["x"] < fig["stated"]["x"]


def test_grid_draws_only_the_recorded_configurations(kb_report):
    claim = next(r for r in kb_report.claims if "0.1-1%" in r.claim.text)
    fig = figures.config_grid(claim.evidence)
    states = [c["state"] for p in fig["panels"] for c in p["cells"]]
    recorded = (len(claim.evidence.measured["holding_examples"])
                + len(claim.evidence.measured["not_holding_examples"]))
    assert states.count("holds") + states.count("fails") == recorded
    assert "holds for 49 of 126 configurations" in fig["title"]


def test_no_figure_without_data():
    claim = Claim(id="kb/a.md:1", path="kb/a.md", line=1, text="x", origin="body")
    r = ClaimResult(claim=claim, pairing=Pairing(claim_id=claim.id, reason="none"),
                    verdict=Verdict.unverifiable, explanation="no verifier")
    assert figures.for_claim(r) == []


@pytest.mark.parametrize(("value", "key", "text"), [
    (131072, "", "131,072"), (262144.0, "count", "262,144"), (99.21875, "reduction_pct", "99.22%"),
    (46063369011.2, "peak_allocated", "42.9 GiB"), (42.9, "weights_alone_gib", "42.9 GiB"),
    (7.632486, "median_ms.base", "7.63 ms"), (1.0133, "merged.ratio", "1.01×"),
    (37003.5, "ratio", "37,004×"), (0.0027, "fraction_pct", "0.0027%"),
    (2.38e-07, "max_abs_diff", "2.38e-07"), ("q,v", "modules", "q,v"), (True, "", "True"),
])
def test_numbers_are_formatted_for_reading(value, key, text):
    assert _view.number(value, key) == text


def test_page_is_self_contained_and_filterable(kb_report):
    html = render_html(kb_report)
    assert '<meta name="viewport"' in html and "prefers-color-scheme:dark" in html
    assert "<script" not in html and "<link" not in html and " src=" not in html
    assert "@import" not in html and "url(" not in html
    for verdict in ("refuted", "conditional", "supported"):
        assert f'id="f-{verdict}"' in html and f'label for="f-{verdict}"' in html
    assert html.count("<svg") == sum(len(figures.for_claim(r)) for r in kb_report.claims)
    # No raw dumps of records or floats in exponent form where a reader wants a number.
    assert "[{'" not in html and not re.search(r"\d\.\d+e\+\d", html)


def test_problems_come_first_and_link_to_unique_claim_anchors(kb_report):
    html = render_html(kb_report)
    ids = re.findall(r'<div class="claim [^"]*" id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == len(kb_report.claims)
    problems = html[html.index('id="problems"'):html.index('class="toc"')]
    links = re.findall(r'href="#([^"]+)"', problems)
    assert links and set(links) <= set(ids)
    verdicts = re.findall(r'<li><span class="badge (\w+)"', problems)
    assert verdicts == sorted(verdicts, key=("refuted", "error", "conditional").index)
    assert html.index('id="problems"') < html.index('class="article"')


def test_anchor_follows_the_claim_not_its_line(kb_report):
    body = next(r for r in kb_report.claims if not r.claim.fact_id)
    before = re.findall(r'class="claim [^"]*" id="([^"]+)"', render_html(kb_report))
    body.claim.line = (body.claim.line or 0) + 40
    after = re.findall(r'class="claim [^"]*" id="([^"]+)"', render_html(kb_report))
    assert before == after


def test_file_and_line_link_to_the_repository_when_given_one(kb_report):
    claim = kb_report.claims[0].claim
    html = render_html(kb_report, repo_url="https://github.com/o/r/blob/main/")
    assert f'href="https://github.com/o/r/blob/main/{claim.path}#L{claim.line}"' in html
    assert "github.com/o/r" not in render_html(kb_report, repo_url="javascript:alert(1)")


def test_hostile_text_is_escaped_everywhere(kb_report):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    report = kb_report.model_copy(deep=True)
    first = report.claims[0]
    first.claim.text = hostile
    first.claim.fact_id = hostile
    first.explanation = hostile
    report.articles[0].title = "</title>" + hostile
    if first.evidence is not None:
        first.evidence.measured["k<b>"] = hostile
    report.links = {"results": [{"url": "javascript:alert(3)", "outcome": "invalid",
                                 "citations": [{"path": first.claim.path, "line": 1}]},
                                {"url": hostile, "outcome": "broken"}]}
    html = render_html(report)
    assert "<script" not in html and "<img" not in html
    assert html.count("</title>") == 1 + html.count("<title>", html.index("<body"))
    assert "&lt;/title&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    ids = re.findall(r'id="([^"]*)"', html)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
