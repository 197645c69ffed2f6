"""The pipeline's Report: every claim with a verdict, findings for refuted claims, JSON form."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from articles import seed
from fixture_verifiers import registry

from kbcheck.models import AtomicFact, Report, VerifySpec
from kbcheck.pipeline import check_articles
from kbcheck.runner import RunOptions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report():
    a1, a3 = seed(1), seed(3)
    # A wrong pin in seed 001's second fact: the pipeline reports it and goes on.
    fact = a1.atomic_facts[1]
    a1.atomic_facts[1] = AtomicFact(id=fact.id, statement=fact.statement,
                                    verify=VerifySpec(verifier="t.reduction", params={"r": -1}))
    a1.lines["atomic_facts.1.statement"] = 22
    return check_articles([a1, a3], registry=registry(), options=RunOptions(),
                          paths=["kb/"])


def test_every_claim_has_a_verdict_and_the_summary_counts_them(report):
    assert report.claims and sum(report.summary.values()) == len(report.claims)
    assert set(report.summary) == {"supported", "refuted", "conditional", "unverifiable",
                                   "skipped", "error"}
    assert [a.claims for a in report.articles] == [
        sum(r.claim.path == a.path for r in report.claims) for a in report.articles]


def test_the_seed_reduction_claim_is_refuted_with_the_true_value(report):
    r = next(r for r in report.claims if r.claim.text == "For d=k=4096, r=16: 99.6% reduction")
    assert r.verdict == "refuted" and r.evidence.measured["reduction_pct"] == pytest.approx(99.219)
    assert r.claim.line == 42
    f = next(f for f in report.findings if f.rule == "claim-refuted")
    assert (f.path, f.line, f.severity.value) == (r.claim.path, 42, "error")


def test_unpaired_claims_are_unverifiable_with_the_reason(report):
    unpaired = [r for r in report.claims if r.pairing.verifier is None]
    assert unpaired and all(r.verdict == "unverifiable" and r.explanation for r in unpaired)
    assert all(r.evidence is None for r in unpaired)


def test_a_wrong_pin_is_a_finding_and_the_run_goes_on(report):
    f = next(f for f in report.findings if f.rule == "verify-pin")
    assert f.line == 22 and "below the minimum" in f.message
    r = next(r for r in report.claims if r.claim.fact_id == "af-lora-2")
    assert r.verdict == "unverifiable" and "pinned pairing is invalid" in r.explanation


def test_the_json_form_round_trips(report):
    data = json.loads(report.model_dump_json())
    assert data["schema_version"] == 2 and data["links"] is None
    assert Report.model_validate(data) == report
    claim = data["claims"][0]
    assert {"claim", "pairing", "verdict", "explanation", "evidence"} <= set(claim)


def test_claims_and_pairing_with_the_real_registry_import_no_torch():
    script = ("import sys\nfrom articles import seed\nfrom verifiers import registry\n"
              "from kbcheck.pipeline import collect_claims\nfrom kbcheck.pairing import "
              "pair_claims\nclaims = collect_claims([seed(n) for n in range(5)])\n"
              "pair_claims(claims, registry())\nprint('torch' in sys.modules, len(claims))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120, check=True).stdout.split()
    assert out[0] == "False" and int(out[1]) > 10
