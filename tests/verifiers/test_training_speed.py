"""lora.training_speed: pairing of 'LoRA trains (X%) faster than full fine-tuning', the size
table, and real timed steps both ways through the pipeline (a narrow block keeps it quick)."""

import pytest
from paired import pairing

from verifiers.training_speed import VERIFIER, _holds


def _frame(sentence):
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "params", "denied"), [
    ("LoRA trains about 25% faster than full fine-tuning.",
     {"size_unit": "pct", "size_low": 25.0, "size_high": 25.0}, False),
    ("Training with LoRA is 2x faster than full fine-tuning.",
     {"size_unit": "x", "size_low": 2.0, "size_high": 2.0}, False),
    ("LoRA trains slower than full fine-tuning.", {}, True),
])
def test_claims_pair_with_their_size(sentence, params, denied):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params == params and frame.polarity is not denied


@pytest.mark.parametrize("sentence", [
    "LoRA+ trains faster than LoRA with a higher learning rate for B.",
    "QLoRA is slower because of the dequantization overhead in every step.",
])
def test_no_full_fine_tuning_baseline_no_pairing(sentence):
    assert _frame(sentence) is None


@pytest.mark.parametrize(("unit", "low", "speedup", "holds"), [
    ("pct", 25, 1.33, True),   # 33% more steps per second
    ("pct", 25, 1.30, True),   # 23% less time per step
    ("pct", 25, 6.0, False),
    ("x", 2, 2.2, True),
    ("x", 2, 4.0, False),
])
def test_size_is_read_both_ways_with_room(unit, low, speedup, holds):
    params = VERIFIER.resolve_params({"size_unit": unit, "size_low": low, "size_high": low})
    assert _holds(params, {"speedup": speedup}) is holds


@pytest.fixture(scope="module")
def judged():
    from kbcheck.pipeline import _frame_verdict
    from kbcheck.runner import Runner, RunOptions, make_job

    def judge(sentence):
        frame = _frame(sentence)
        job = make_job(VERIFIER, {**frame.params, "hidden": 512, "intermediate": 1024,
                                  "seq": 16, "rounds": 3, "targets": "q,v"})
        return _frame_verdict(Runner(RunOptions()).run([job])[job.key], frame)
    return judge


def test_faster_is_supported_and_slower_refuted(judged):
    verdict, why = judged("LoRA trains faster than full fine-tuning.")
    assert verdict.value == "supported", why
    verdict, why = judged("LoRA trains slower than full fine-tuning.")
    assert verdict.value == "refuted", why
    assert "full/LoRA step time" in why
