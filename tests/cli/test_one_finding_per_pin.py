"""A bad pinned verify: block is reported once, by validate on the bad value's own line, in
`kbcheck run` and in `kbcheck claims` (pairing also finds it, at the statement's line)."""

from __future__ import annotations

import json

from kbcheck.models import Finding, Severity
from kbcheck.pipeline import one_finding_per_pin
from tests.cli.conftest import kbcheck

ARTICLE = """---
id: kb-2026-00002
title: Bad pins
confidence: medium
created_date: "2026-01-05"
last_verified: "2026-01-06"
atomic_facts:
  - id: f-typo
    statement: A rank of 16 is common.
    verify:
      verifier: lora.param_cnt
  - id: f-params
    statement: A rank of sixteen is common.
    verify:
      verifier: lora.param_count
      params:
        r: sixteen
---

Body.
"""


def _pins(findings) -> list[tuple[int, str]]:
    lines = ARTICLE.splitlines()
    return sorted((f["line"], lines[f["line"] - 1].strip()) for f in findings
                  if f["rule"] == "verify-pin")


def test_run_and_claims_report_each_bad_pin_once_on_its_value(tmp_path):
    (tmp_path / "pins.md").write_text(ARTICLE, encoding="utf-8")
    want = [(11, "verifier: lora.param_cnt"), (17, "r: sixteen")]
    run = kbcheck("run", "pins.md", "--no-links", "--out", "out", "--reports", "json",
                  cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert _pins(report["findings"]) == want
    assert report["finding_counts"]["error"] == 2
    claims = kbcheck("claims", "pins.md", "--format", "json", cwd=tmp_path)
    assert claims.returncode == 1, claims.stderr
    assert _pins(json.loads(claims.stdout)["findings"]) == want


def test_pairing_report_stays_where_validate_found_nothing_for_that_fact():
    def pin(message: str, line: int) -> Finding:
        return Finding(rule="verify-pin", severity=Severity.error, path="a.md", line=line,
                       message=message)

    by_validate = pin("pinned verify: block: fact `f-1` pins unknown verifier 'x'", 9)
    by_pairing = pin("pinned verify: block of f-1: unknown verifier 'x'", 7)
    other_fact = pin("pinned verify: block of f-2: bad params for v: y", 12)
    assert one_finding_per_pin([by_validate, by_pairing, other_fact]) == [by_validate,
                                                                         other_fact]
    elsewhere = by_pairing.model_copy(update={"path": "b.md"})
    assert one_finding_per_pin([by_validate, elsewhere]) == [by_validate, elsewhere]
