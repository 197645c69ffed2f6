"""The one place verdicts change: a frame's polarity, open values, lower bounds and unstated
conditions applied to what a verifier measured; several frames combined into one claim."""

from __future__ import annotations

import pytest

from kbcheck.models import Claim, Evidence, FramePairing, Pairing, Verdict
from kbcheck.pipeline import _frame_verdict, _judge
from kbcheck.runner import make_job
from verifiers import registry


def _ev(verdict: str) -> Evidence:
    return Evidence(verifier="lora.param_count", version=1, verdict=Verdict(verdict),
                    explanation="measured")


def _frame(**kw) -> FramePairing:
    return FramePairing(subject="lora", predicate="trainable_params",
                        verifier="lora.param_count", **kw)


@pytest.mark.parametrize(("measured", "frame", "verdict"), [
    ("supported", _frame(), "supported"),
    ("supported", _frame(polarity=False), "refuted"),
    ("refuted", _frame(polarity=False), "supported"),
    ("conditional", _frame(polarity=False), "conditional"),
    ("refuted", _frame(open=["the rank"]), "unverifiable"),
    ("supported", _frame(open=["the rank"]), "supported"),
    ("supported", _frame(polarity=False, open=["the model"]), "unverifiable"),
    ("supported", _frame(lower_bound=True), "unverifiable"),
    ("refuted", _frame(lower_bound=True), "refuted"),
    ("supported", _frame(condition="in fp32"), "conditional"),
    ("refuted", _frame(condition="in fp32"), "refuted"),
    ("refuted", _frame(polarity=False, condition="at small batch"), "conditional"),
    # "can": one setting where it holds is what is claimed (measured, or the stated condition)
    ("conditional", _frame(modality="can"), "supported"),
    ("supported", _frame(modality="can", condition="in fp32"), "supported"),
    ("conditional", _frame(polarity=False, modality="can"), "supported"),
    ("refuted", _frame(modality="can"), "refuted"),
    # "never", "cannot": a measured setting where it fails refutes it, an unstated one does not
    ("conditional", _frame(modality="all"), "refuted"),
    ("conditional", _frame(polarity=False, modality="all"), "refuted"),
    ("conditional", _frame(modality="all", open=["the model"]), "conditional"),
    ("supported", _frame(modality="all", condition="in fp32"), "conditional"),
    ("supported", _frame(modality="all"), "supported"),
    # "split": the sentence names where it holds and where not; a measured split is that
    ("conditional", _frame(modality="split"), "supported"),
    ("conditional", _frame(polarity=False, modality="split"), "supported"),
    ("supported", _frame(modality="split", condition="once merged"), "conditional"),
    ("refuted", _frame(modality="split"), "refuted"),
    # "may_fail": a run said to fail (or able to) at a setting left unsaid, which holds at the
    # measured one; a measured failure supports it
    ("supported", _frame(polarity=False, modality="may_fail"), "conditional"),
    ("refuted", _frame(polarity=False, modality="may_fail"), "supported"),
])
def test_frame_verdict(measured, frame, verdict):
    got, explanation = _frame_verdict(_ev(measured), frame)
    assert got.value == verdict, explanation


def test_a_claim_combines_its_frames_refuted_first():
    reg = registry(include_entry_points=False)
    claim = Claim(id="c", path="a.md", text="two claims", origin="body")
    frames = [_frame(params={"claim": "count", "count": 1}), _frame(params={"claim": "formula"})]
    pairing = Pairing(claim_id="c", verifier="lora.param_count", reason="", frames=frames)
    jobs = {("c", i): make_job(reg["lora.param_count"], f.params) for i, f in enumerate(frames)}
    evidence = {jobs[("c", 0)].key: _ev("refuted"), jobs[("c", 1)].key: _ev("supported")}
    result = _judge(claim, pairing, jobs, {}, evidence)
    assert result.verdict is Verdict.refuted
    assert [f.verdict.value for f in result.frames] == ["refuted", "supported"]
    assert "frame 1: refuted; frame 2: supported" in result.explanation
