"""Pinned `verify:` blocks of any shape, written as YAML in an article: each is a pairing, a
finding or a refused parameter, never an exception (overflowing numbers included)."""

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kbcheck.loaders import load_text
from kbcheck.pairing import pair_claims
from kbcheck.pipeline import _claim_jobs, collect_claims
from verifiers import registry

REGISTRY = registry()
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
    st.floats(), st.text(max_size=12),
    st.sampled_from(["0E310", "1e999", "-1e999", "nan", "inf", "9" * 5000, "4,096", "65B",
                     "1e-999", "0x10", "1_0", "--8", "8 or 16"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(),
                                                         max_size=2))
_NAMES = st.sampled_from(["r", "d", "k", "pct", "claim", "model", "tol", "count", "upto", "zz"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(verifier=st.sampled_from([*REGISTRY, "no.such", 5, None]),
       params=st.dictionaries(_NAMES, _VALUES, max_size=4) | _VALUES)
@example(verifier="lora.param_count", params={"r": "0E310"})
@example(verifier="lora.param_count", params={"d": "1e999"})
@example(verifier="lora.param_count", params={"k": 10 ** 400})
def test_any_pinned_block_is_a_pairing_a_finding_or_a_refusal(verifier, params):
    block = json.dumps({"verifier": verifier, "params": params})  # JSON is YAML
    text = ("---\nid: a\ntitle: a\natomic_facts:\n  - id: f1\n    statement: LoRA trains "
            f"fewer parameters.\n    verify: {block}\n---\nbody\n")
    loaded = load_text(text, "a.md")
    articles = [loaded.article] if loaded.article is not None else []
    claims = collect_claims(articles)
    pairings, findings = pair_claims(claims, REGISTRY)
    jobs, problems = _claim_jobs(pairings, REGISTRY)
    assert len(pairings) == len(claims)
    keys = {claim_id for claim_id, _ in [*jobs, *problems]}  # (claim id, frame index)
    for p in pairings:
        assert p.claim_id in keys or p.verifier is None
