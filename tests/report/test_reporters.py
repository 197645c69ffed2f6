"""Reporters: golden output for a fixed report, and each format read back by its own parser."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kbcheck.models import (
    ArticleInfo,
    Claim,
    ClaimResult,
    Evidence,
    Finding,
    FramePairing,
    Pairing,
    Report,
    Severity,
    Verdict,
)
from kbcheck.report import REPORTERS

GOLDEN = Path(__file__).parent / "golden"


def _result(n: int, verdict: str, text: str, explanation: str, **evidence) -> ClaimResult:
    claim = Claim(id=f"kb/a.md:{n}", path="kb/a.md", line=n, text=text, origin="body")
    if verdict == "unverifiable":
        return ClaimResult(claim=claim, pairing=Pairing(claim_id=claim.id, reason=explanation),
                           verdict=Verdict.unverifiable, explanation=explanation)
    ev = Evidence(verifier="lora.param_count", version=1, params={"d": 4096, "r": 16},
                  verdict=Verdict(verdict), explanation=explanation, duration_s=0.25,
                  environment={"device": "cpu", "device_name": "x86_64"}, **evidence)
    frame = FramePairing(subject="lora", predicate="trainable_params",
                         slots={"predicate": "reduction", "d": "d=k=4096", "r": "r=16"},
                         quantities=["99.6%"], verifier=ev.verifier, params=ev.params,
                         reason="lora / trainable_params -> lora.param_count")
    return ClaimResult(claim=claim, pairing=Pairing(claim_id=claim.id, verifier=ev.verifier,
                                                    params=ev.params, reason="matched",
                                                    frames=[frame]),
                       verdict=ev.verdict, explanation=explanation, evidence=ev,
                       figure=ev.figure)


@pytest.fixture()
def report() -> Report:
    results = [
        _result(3, "supported", "LoRA freezes the base weights.", "Base bit-identical.",
                measured={"changed": 0}, expected={"changed": 0}),
        _result(5, "refuted", "For d=k=4096, r=16: 99.6% reduction",
                "Measured 99.22% reduction, not 99.6%.",
                measured={"reduction_pct": 99.21875,
                          "_figure": {"quantity": "reduction", "stated": 99.6,
                                      "measured": 99.21875, "unit": "%"}},
                expected={"reduction_pct": 99.6}),
        _result(7, "skipped", "65B on one 48GB GPU <script>x</script>", "Needs CUDA.",
                recorded=None, notes=["recorded evidence is stale (version 1, now 2)"]),
        _result(9, "error", "No inference latency.", "Timed out after 120 s."),
        _result(11, "conditional", "No latency.", "Holds once merged; unmerged +14%.",
                elsewhere=[{"device": "NVIDIA H100", "date": "2026-11-23", "file": "x.json",
                            "verdict": "conditional", "explanation": "unmerged +243%",
                            "measured": {}}]),
        _result(12, "unverifiable", "19,123 citations as of May 2026", "a time-sensitive figure"),
    ]
    findings = [
        Finding(rule="date-future", severity=Severity.error, path="kb/a.md", line=2, column=16,
                message="last_verified 2030-01-01 is in the future", hint="use a past date"),
        Finding(rule="unknown-field", severity=Severity.info, path="kb/a.md", line=4,
                message="unknown field 'foo'"),
        Finding(rule="claim-refuted", severity=Severity.error, path="kb/a.md", line=5,
                message="Measured 99.22% reduction, not 99.6%."),
        Finding(rule="not-utf8", severity=Severity.error, path="kb/broken.bin",
                message="not UTF-8 text"),
    ]
    summary = {v.value: 0 for v in Verdict}
    for r in results:
        summary[r.verdict.value] += 1
    return Report(kbcheck_version="0.1.0", generated_at="2026-11-23T00:00:00+00:00",
                  paths=["kb"], articles=[ArticleInfo(path="kb/a.md", title="LoRA & friends",
                                                      format="frontmatter-markdown", claims=6)],
                  findings=findings, claims=results, summary=summary,
                  finding_counts={"info": 1, "warning": 0, "error": 3}, duration_s=1.5)


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_output_matches_golden_file(report, name):
    filename, render = REPORTERS[name]
    text = render(report)
    golden = GOLDEN / filename
    if os.environ.get("KBCHECK_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), f"{filename} changed; KBCHECK_UPDATE_GOLDEN=1 to accept"


def test_junit_counts_each_verdict(report):
    root = ET.fromstring(REPORTERS["junit"][1](report))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    article = suites["kb/a.md"]
    # 6 claims + the metadata case; refuted and the date finding fail, error errors,
    # skipped and unverifiable are skipped.
    assert (article.get("tests"), article.get("failures"), article.get("errors"),
            article.get("skipped")) == ("7", "2", "1", "2")
    assert suites["kb/broken.bin"].get("failures") == "1"
    assert root.get("tests") == "8"


def test_sarif_has_a_result_per_finding_with_its_line(report):
    doc = json.loads(REPORTERS["sarif"][1](report))
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0" and len(run["results"]) == 4
    first = run["results"][0]
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == first["ruleId"]
    region = first["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 16)
    assert "region" not in run["results"][3]["locations"][0]["physicalLocation"]
    assert {r["level"] for r in run["results"]} == {"error", "note"}


def test_html_escapes_article_text(report):
    html = REPORTERS["html"][1](report)
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_markdown_lists_worst_verdicts_first_and_keeps_every_claim(report):
    md = REPORTERS["md"][1](report)
    assert md.index("**refuted**") < md.index("**error**") < md.index("**conditional**")
    assert md.index("**conditional**") < md.index("**skipped**") < md.index("**supported**")
    assert "19,123 citations" in md and "stale" in md and "kb/broken.bin" in md
    assert "Also measured on NVIDIA H100 (2026-11-23): conditional — unmerged +243%" in md


def test_json_round_trips(report):
    assert Report.model_validate_json(REPORTERS["json"][1](report)) == report


def test_markdown_quote_holds_only_the_claim(report):
    from markdown_it import MarkdownIt

    md = REPORTERS["md"][1](report)
    html = MarkdownIt("commonmark").render(md)
    quotes = html.split("<blockquote>")[1:]
    assert quotes and all("</blockquote>" in q for q in quotes)
    bodies = [q.split("</blockquote>")[0] for q in quotes]
    # The evidence is outside the quote: a lazy continuation line would pull it in.
    assert not any("stated 99.6%" in b or "Timed out" in b for b in bodies)
    assert any("For d=k=4096, r=16: 99.6% reduction" in b for b in bodies)


def test_markdown_lists_problems_before_the_articles(report):
    md = REPORTERS["md"][1](report)
    problems = md.index("## Problems")
    assert problems < md.index("## LoRA &amp; friends")
    section = md[problems:md.index("## LoRA &amp; friends")]
    assert [line.split("**")[1] for line in section.splitlines() if line.startswith("- ")] == [
        "refuted", "error", "conditional"]
    assert "`kb/a.md:5`" in section and "stated 99.6% → measured 99.22%" in section


def _fingerprints(report: Report) -> dict[str, str]:
    from kbcheck.report.sarif import FINGERPRINT

    run = json.loads(REPORTERS["sarif"][1](report))["runs"][0]
    return {r["ruleId"]: r["partialFingerprints"][FINGERPRINT] for r in run["results"]}


def test_sarif_fingerprint_follows_the_claim_not_its_line(report):
    from kbcheck.pipeline import _finding_for

    refuted = next(r for r in report.claims if r.verdict.value == "refuted")
    report.findings = [_finding_for(refuted)]
    before = _fingerprints(report)["claim-refuted"]
    refuted.claim.line = 40  # lines added above the claim
    report.findings = [_finding_for(refuted)]
    assert _fingerprints(report)["claim-refuted"] == before
    refuted.claim.text = "For d=k=4096, r=16: 99.5% reduction"
    report.findings = [_finding_for(refuted)]
    assert _fingerprints(report)["claim-refuted"] != before


def test_sarif_rules_carry_descriptions_and_help(report):
    from kbcheck.models import Finding

    report.findings.append(Finding(rule="links.broken", severity=Severity.error,
                                   path="kb/a.md", line=8, message="broken: https://x.invalid"))
    rules = json.loads(REPORTERS["sarif"][1](report))["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        assert all(rule[k]["text"] for k in ("shortDescription", "fullDescription", "help"))
    by_id = {r["id"]: r for r in rules}
    assert "contradicts" in by_id["claim-refuted"]["shortDescription"]["text"]
    assert "broken" in by_id["links.broken"]["shortDescription"]["text"]
    assert "unknown-field" in by_id["unknown-field"]["fullDescription"]["text"]
