"""Pairing: shapes on paraphrases, bounded parameters, pinned blocks, and unverifiable reasons."""

import pytest
import yaml
from articles import seed
from fixture_verifiers import registry

from kbcheck.claims import extract_claims
from kbcheck.models import Claim, VerifySpec
from kbcheck.pairing import pair_claim, pair_claims, suggest_block


def _claim(text, **kw):
    return Claim(id="a.md:1", path="a.md", line=7, text=text, origin="body", **kw)


def _pair(text, **kw):
    pairing, findings = pair_claim(_claim(text, **kw), registry())
    assert findings == []
    return pairing






def test_mergeable_paraphrase():
    p = _pair("After training, the low-rank product can be folded into the frozen weight.")
    assert (p.verifier, p.params) == ("t.merge", {"claim": "mergeable"})






def test_pinned_block_wins_over_shapes():
    spec = VerifySpec(verifier="t.merge", params={"claim": "mergeable"})
    p = _pair("For d=k=4096, r=16: 99.6% reduction", pinned=spec, fact_id="f1")
    assert (p.verifier, p.params, p.pinned) == ("t.merge", {"claim": "mergeable"}, True)


@pytest.mark.parametrize(("spec", "message"), [
    (VerifySpec(verifier="t.reduction", params={"r": "zero", "rank": 8}), "unknown parameter"),
    (VerifySpec(verifier="t.reduction", params={"d": 10**12}), "above the maximum"),
    (VerifySpec(verifier="no.such", params={}), "unknown verifier"),
])
def test_pinned_block_with_wrong_params_is_a_finding_at_the_fact_line(spec, message):
    claim = _claim("LoRA reduces parameters.", pinned=spec, fact_id="f1")
    pairing, findings = pair_claim(claim, registry())
    assert pairing.verifier is None and pairing.pinned and message in pairing.reason
    assert len(findings) == 1
    f = findings[0]
    assert (f.rule, f.severity.value, f.path, f.line) == ("verify-pin", "error", "a.md", 7)
    assert message in f.message and f.hint


def test_suggested_block_pins_the_same_pairing():
    p = _pair("For d=k=4096, r=16: 99.6% reduction")
    block = yaml.safe_load(suggest_block(p))["verify"]
    pinned = _pair("anything at all", pinned=VerifySpec(**block), fact_id="f")
    assert (pinned.verifier, pinned.params) == (p.verifier, p.params)


def test_a_suggested_block_sits_under_its_fact_with_whole_numbers_as_integers():
    from kbcheck.models import Pairing

    p = Pairing(claim_id="c", verifier="t.reduction", reason="",
                params={"count": 262144.0, "ranks": [8.0, 16.0], "pct": 99.6})
    block = suggest_block(p, indent=4)
    assert all(line.startswith("    ") for line in block.splitlines())
    assert "count: 262144\n" in block and ".0" not in block.replace("99.6", "")
    fact = "atomic_facts:\n  - id: f1\n    statement: x\n" + block + "\n"
    pinned = yaml.safe_load(fact)["atomic_facts"][0]["verify"]
    assert pinned["params"] == {"count": 262144, "ranks": [8, 16], "pct": 99.6}


def test_seed_003_reduction_claim_pairs_with_its_numbers():
    claims = extract_claims(seed(3))
    pairings, findings = pair_claims(claims, registry())
    by_text = {c.text: p for c, p in zip(claims, pairings, strict=True)}
    p = by_text["For d=k=4096, r=16: 99.6% reduction"]
    assert (p.verifier, p.params) == ("t.reduction", {"d": 4096, "k": 4096, "r": 16, "pct": 99.6})
    assert findings == []


def test_a_quoted_claim_answered_with_a_denial_is_not_read_as_the_writers():
    from verifiers import registry as real_registry

    registry = real_registry  # (the real verifiers: the fixture's have no QLoRA storage)
    claim = _claim('"QLoRA keeps the base in 8-bit" No. The base is stored in 4-bit NF4.')
    pairing, _ = pair_claim(claim, registry())
    assert pairing.frames and all(f.params.get("bits") != 8 for f in pairing.frames), pairing
    alone = _claim('"LoRA adds inference latency" False.')
    assert pair_claim(alone, registry())[0].verifier is None
