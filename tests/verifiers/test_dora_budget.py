"""lora.dora_budget: DoRA's magnitudes counted on presets and PEFT; its training cost."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.dora_budget import VERIFIER, magnitude_row, peft_rule

needs_peft = pytest.mark.skipif(not peft_available(), reason="peft not installed")


def _frame(sentence: str):
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


def _run(frame, **extra) -> dict:
    return VERIFIER.run(VERIFIER.resolve_params({**frame.params, **extra}))


def test_one_magnitude_per_output_feature_on_a_preset():
    row = magnitude_row("llama3-8b", "qv", 8)
    assert row["magnitude"] == 32 * (4096 + 1024) == 163_840
    assert row["dora"] == row["lora"] + row["magnitude"]


@needs_peft
def test_peft_agrees_with_the_rule():
    check = peft_rule()
    assert check["rule_holds"] and check["per_output"], check
    assert check["magnitude_params"] == check["extra_vs_lora"] == check["sum_out_features"]


def test_a_true_count_is_supported_and_a_false_one_refuted():
    true = _frame("On Llama 3 8B with q_proj and v_proj adapted, DoRA's magnitude vectors hold "
                  "163,840 parameters.")
    assert _run(true)["verdict"] == "supported" and not true.open
    false = _frame("Turning on DoRA for Llama 3 8B with q_proj and v_proj costs about 8K extra "
                   "magnitude parameters.")
    res = _run(false)
    assert res["verdict"] == "refuted" and "163,840" in res["explanation"], res["explanation"]


def test_two_totals_a_few_percent_apart_are_doras_then_loras():
    frame = _frame("DoRA costs only its magnitude vectors: on Llama 3 8B at r=16 on all linear "
                   "layers it is 43.3M versus 41.9M parameters.")
    assert frame is not None and frame.params["magnitude"] is False
    assert _run(frame)["verdict"] == "supported"


def test_an_unstated_model_is_left_open():
    frame = _frame("Switching to DoRA at the same rank adds only ~8K extra parameters (the "
                   "magnitude vector).")
    assert frame is not None and "the model" in frame.open


@needs_peft
@pytest.mark.parametrize(("sentence", "verdict"), [
    ("DoRA keeps a single magnitude scalar per weight matrix.", "refuted"),
    ("DoRA learns one magnitude value per output feature of every adapted matrix.",
     "supported"),
    ("With DoRA, each adapted layer gets its own magnitude vector.", "supported"),
    # PEFT's vector has out_features entries: per input feature is the other side
    ("DoRA trains one magnitude value per input feature of each adapted matrix.", "refuted"),
    # a magnitude as large as the weight: PEFT's is a vector of out_features
    ("Every adapted weight in DoRA gets a dense d x k magnitude matrix.", "refuted"),
    # as many magnitudes as the rank, or one scalar on top of LoRA said with more words
    ("In DoRA the magnitude is a vector of length r for each adapted layer.", "refuted"),
    ("DoRA's magnitude holds one value per rank, so it adds only r parameters per adapted "
     "matrix.", "refuted"),
    ("On top of LoRA, DoRA adds exactly one trainable scalar per adapted weight matrix.",
     "refuted"),
])
def test_magnitude_shape_both_ways(sentence, verdict):
    assert _run(_frame(sentence))["verdict"] == verdict


@needs_peft
def test_training_memory_both_ways():
    """Memory is counted from tensors (exact); 'the same VRAM' is the denied frame, so the
    pipeline turns the measured 'more' into a refutation."""
    more = _frame("DoRA needs more memory than LoRA during training.")
    same = _frame("At the same rank, DoRA trains with the same amount of GPU memory as LoRA.")
    assert more.polarity and not same.polarity
    assert more.params["resource"] == same.params["resource"] == "memory"
    res = _run(more, rounds=3)
    assert res["verdict"] == "supported", res["explanation"]
    for run in res["measured"]["runs"]:
        assert run["memory_ratio"] > 1.05
        assert run["memory_bytes"]["dora"]["saved_activations"] > \
            run["memory_bytes"]["lora"]["saved_activations"]


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert VERIFIER.id in {f.verifier for f in pairing(sentence).frames}


def test_decomposition_stays_with_lora_dora():
    assert pairing("DoRA decomposes the pretrained weight into a magnitude and a direction "
                   "and trains both.").verifier == "lora.dora"


def test_a_multiple_of_loras_count_is_measured_over_the_configurations_left_open():
    frame = next(f for f in pairing("Turning on DoRA roughly doubles the trainable parameters "
                                    "of a LoRA setup.").frames if f.verifier == VERIFIER.id)
    assert frame.params["claim"] == "ratio" and frame.params["ratio"] == 2.0
    res = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    # the magnitudes add the output widths: 1 + d / (r (d + k)), at most about 1.55 at rank 1
    assert res["verdict"] == "refuted", res["explanation"]
    assert res["measured"]["highest"]["ratio"] < 1.6
    stated = VERIFIER.resolve_params({"claim": "ratio", "ratio": 1.0625, "model": "llama-7b",
                                      "modules": "qv", "r": 8, "ratio_tol": 0.01})
    res = VERIFIER.run(stated)
    assert res["verdict"] == "supported", res["explanation"]
    assert abs(res["measured"]["lowest"]["ratio"] - 4_456_448 / 4_194_304) < 1e-9


@pytest.mark.parametrize(("sentence", "ratio", "verdict"), [
    ("DoRA on Llama-2-7B at r=8 on q_proj and v_proj has about 6% more trainable parameters "
     "than LoRA.", 1.06, "supported"),   # 4096 magnitudes per module over 8 x 8192
    ("Turning on use_dora adds roughly 3% more trainable parameters than the plain LoRA "
     "setup.", 1.03, "conditional"),   # 1.006x to 1.55x over the configurations left open
])
def test_a_share_more_than_loras_count_is_a_ratio(sentence, ratio, verdict):
    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    assert frame.params["claim"] == "ratio" and abs(frame.params["ratio"] - ratio) < 1e-9
    res = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert res["verdict"] == verdict, res["explanation"]


@needs_peft
def test_training_faster_than_lora_is_its_own_claim():
    """'DoRA trains faster than LoRA' asks for a time ratio below 1, not the absence of a cost:
    each module set's verdict follows its measured interval of the time ratio."""
    faster = _frame("DoRA is faster to train than standard LoRA.")
    denied = _frame("DoRA is not faster to train than LoRA.")
    assert faster.polarity and not denied.polarity
    assert faster.params["faster"] and denied.params["faster"]
    res = _run(faster, rounds=5)
    assert res["expected"]["faster"] is True
    verdicts = set()
    for run in res["measured"]["runs"]:
        lo, hi = run["time_ratio_ci95"]
        assert lo <= run["time_ratio"] <= hi
        verdicts.add("supported" if hi < 1 else "refuted" if lo >= 1 else "unverifiable")
    decided = verdicts - {"unverifiable"}
    want = ("unverifiable" if not decided else decided.pop() if len(decided) == 1
            else "conditional")
    assert res["verdict"] == want, res["explanation"]
    assert "less time than LoRA" in res["explanation"]
