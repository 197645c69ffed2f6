"""lora.adapter_latency: shapes, the four models, op counts, and verdicts that are robust by
construction (a huge bottleneck at small sizes, where the adapters dominate the work)."""

import pytest
from paired import pairing

from verifiers.adapter_latency import VERIFIER, _verdict, build_models

_SMALL = {"hidden": 64, "layers": 1, "bottleneck": 2048, "seq": 16, "batch_large": 4,
          "rounds": 8, "r": 4}


def test_models_compute_what_they_claim_and_count_their_work():
    from verifiers._timing import forward_work
    from verifiers.adapter_latency import _outputs_check

    models = build_models(VERIFIER.resolve_params(_SMALL))
    diffs = _outputs_check(models, "cpu")
    assert diffs["adapters_vs_base"] == 0.0  # W_up starts at zero
    assert diffs["merged_vs_unmerged"] <= 1e-4 and diffs["merged_vs_base"] > 1e-4
    work = forward_work(models, "cpu")
    assert work["lora_merged"] == work["base"]
    # two adapters per block, each down, gelu, up and a sum
    assert work["adapters"]["torch_ops"] - work["base"]["torch_ops"] == 2 * 4
    assert work["adapters"]["flops"] > 2 * work["base"]["flops"]
    assert work["lora_unmerged"]["torch_ops"] > work["base"]["torch_ops"]


@pytest.fixture(scope="module")
def timed():
    params = VERIFIER.resolve_params({**_SMALL, "merged_stated": True, "tolerance": 0.25})
    return params, VERIFIER.run(params)


def test_huge_adapters_add_latency_and_merged_lora_does_not(timed):
    params, res = timed
    assert res["verdict"] == "supported", res["explanation"]
    small = res["measured"]["batch_small"]
    assert small["adapters"]["ci95"][0] > 1.25
    assert res["measured"]["work_per_forward_batch1_seq8"]["lora_merged"]["torch_ops"] == \
        res["measured"]["work_per_forward_batch1_seq8"]["base"]["torch_ops"]


def test_the_negation_is_refuted_from_the_same_measurement(timed):
    params, res = timed
    verdict, text = _verdict({**params, "claim": "no_difference"}, res["measured"])
    assert verdict == "refuted" and "adapters +" in text


def test_unstated_merge_makes_the_claim_conditional(timed):
    params, res = timed
    verdict, text = _verdict({**params, "merged_stated": False}, res["measured"])
    assert verdict == "conditional" and "merged" in text


def test_cuda_request_without_a_gpu_is_skipped():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    res = VERIFIER.run(VERIFIER.resolve_params({**_SMALL, "device": "cuda"}))
    assert res["verdict"] == "skipped"


def test_paired_ratio_cancels_drift_that_hits_both_samples_of_a_round():
    import random

    from verifiers._timing import bootstrap_paired_ratio, bootstrap_ratio

    rng = random.Random(0)
    drift = [rng.uniform(1.0, 3.0) for _ in range(40)]  # a slow spell hits a whole round
    base = [0.010 * d for d in drift]
    slower = [0.012 * d for d in drift]
    point, lo, hi = bootstrap_paired_ratio(slower, base)
    assert point == pytest.approx(1.2) and lo == pytest.approx(1.2) and hi == pytest.approx(1.2)
    _, ulo, uhi = bootstrap_ratio(slower, base)
    assert uhi - ulo > 0.1  # unpaired medians cannot see the pairing
    with pytest.raises(ValueError):
        bootstrap_paired_ratio([1.0], [1.0, 2.0])


def _timed_entry(point, lo, hi, tol=0.1):
    from verifiers.adapter_latency import _classify

    return {"ratio_to_base": point, "ci95": [lo, hi], "class": _classify(point, lo, hi, tol)}


def _measured(adapters_small, adapters_large, unmerged_ops=24):
    same = (1.0, 0.97, 1.03)
    work = {"base": {"torch_ops": 100, "flops": 10}, "adapters": {"torch_ops": 108, "flops": 11},
            "lora_merged": {"torch_ops": 100, "flops": 10},
            "lora_unmerged": {"torch_ops": 100 + unmerged_ops, "flops": 10}}
    return {"work_per_forward_batch1_seq8": work, **{
        key: {"batch": batch, "adapters": _timed_entry(*adapters),
              "lora_merged": _timed_entry(*same), "lora_unmerged": _timed_entry(*same)}
        for key, batch, adapters in (("batch_small", 1, adapters_small),
                                     ("batch_large", 16, adapters_large))}}


@pytest.mark.parametrize(("small", "large", "claim", "merged", "verdict"), [
    # adapters measured as fast as the base: the claim that they add latency is refuted
    ((1.0, 0.98, 1.02), (1.0, 0.98, 1.03), "adapters_add_latency", True, "refuted"),
    ((1.0, 0.98, 1.02), (1.0, 0.98, 1.03), "no_difference", False, "supported"),
    # slower at batch 1, surely within tolerance at the large batch
    ((1.3, 1.2, 1.4), (1.02, 0.99, 1.05), "adapters_add_latency", True, "conditional"),
    # slower at both, LoRA merged in the claim
    ((1.3, 1.2, 1.4), (1.2, 1.12, 1.3), "adapters_add_latency", True, "supported"),
    # a wide interval decides nothing
    ((1.3, 0.8, 2.0), (1.2, 1.12, 1.3), "adapters_add_latency", True, "unverifiable"),
    ((1.05, 0.9, 1.3), (1.0, 0.9, 1.3), "no_difference", False, "unverifiable"),
])
def test_verdict_rules_follow_the_intervals(small, large, claim, merged, verdict):
    params = {"claim": claim, "merged_stated": merged, "tolerance": 0.1, "bottleneck": 64}
    assert _verdict(params, _measured(small, large))[0] == verdict


# --- claim shapes through the real pairing --------------------------------------------------

def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "denied"), [
    ("Bottleneck adapters slow generation down, since each one is an extra layer.", True),
    ("Houlsby adapters make every forward pass do extra work.", True),
    ("Adapter layers add an inference cost that shrinks with the batch size but stays.", True),
    ("Serial adapters run no slower than the model without them.", False),
    ("With bottleneck adapters, a model keeps pace with the plain network.", False),
    ("Adapter layers can be folded into the weights, so at inference they cost nothing extra.",
     False),
])
def test_adapters_alone_are_judged_on_the_adapters(sentence, denied):
    """No LoRA in the sentence: the adapter model against the base, no caveat about LoRA."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["claim"] == "no_difference" and frame.polarity is not denied, frame
    assert frame.condition == ""


@pytest.mark.parametrize(("sentence", "condition"), [
    ("Adapter layers add latency at inference, whereas LoRA does not.", True),
    ("Adapter modules add inference latency; LoRA adds none once its weights are merged.",
     False),
    ("Bottleneck adapters bring extra delay that a merged LoRA avoids.", False),
])
def test_a_comparison_with_lora_needs_lora_merged(sentence, condition):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert not frame.polarity and bool(frame.condition) is condition, frame
    assert frame.params["merged_stated"] is not condition


def test_a_claim_about_large_batches_only_is_not_refuted_by_batch_one():
    frame = _frame("With large batches, bottleneck adapters cost no extra latency.")
    assert frame is not None and frame.polarity and frame.open
    # ("no measurable latency" is a hedged zero: how small counts as none is the writer's)
    assert _frame("With large batches, bottleneck adapters cost no measurable latency.") is None
    frame = _frame("Bottleneck adapters add no latency, at batch size 1 or with large batches.")
    assert frame is not None and frame.polarity and not frame.open


def test_training_speed_does_not_pair_here():
    sentence = "Adapter layers slow down training a little compared with LoRA."
    assert _frame(sentence) is None
    assert all(f.verifier != "lora.merge_latency" for f in pairing(sentence).frames)


def test_adapter_variants_named_against_lora_are_the_adapters():
    frame = _frame("In the LoRA paper's latency table, the adapter variants were slower at batch "
                   "size one.")
    assert frame is not None and not frame.polarity  # "adapters add no latency", denied


# --- verdicts: the real pairing, a real measurement, the pipeline's judgement ---------------

@pytest.fixture(scope="module")
def judged():
    from kbcheck.pipeline import _frame_verdict
    from kbcheck.runner import Runner, RunOptions, make_job

    def judge(sentence: str):
        frame = _frame(sentence)
        assert frame is not None, pairing(sentence).reason
        job = make_job(VERIFIER, {**frame.params, **_SMALL, "tolerance": 0.25})
        return _frame_verdict(Runner(RunOptions()).run([job])[job.key], frame)
    return judge


def test_adapters_slowing_inference_is_supported_and_its_denial_refuted(judged):
    verdict, why = judged("Houlsby adapters slow inference down.")
    assert verdict.value == "supported", why
    verdict, why = judged("Houlsby adapters run no slower than the base model.")
    assert verdict.value == "refuted", why
    assert "adapters +" in why  # the measured slow-down


@pytest.mark.parametrize("sentence", [
    "Houlsby adapters cost only a few percent of extra latency at inference.",
    "The slow-down from bottleneck adapter layers is negligible in serving.",
    "Adapter layers make generation considerably slower.",
])
def test_a_slowdown_sized_in_words_is_one_settings(sentence):
    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    assert "batch" in frame.params.get("_condition", "") or frame.condition, frame


@pytest.mark.parametrize(("small", "large", "claim", "verdict"), [
    # the adapters' share falls from batch 1 to the large batch, the intervals apart
    ((1.25, 1.23, 1.27), (1.14, 1.11, 1.17), "shrinks_with_batch", "supported"),
    ((1.25, 1.23, 1.27), (1.14, 1.11, 1.17), "grows_with_batch", "refuted"),
    ((1.10, 1.05, 1.12), (1.30, 1.25, 1.35), "grows_with_batch", "supported"),
    # overlapping intervals: no trend is read from them
    ((1.24, 1.20, 1.28), (1.22, 1.12, 1.26), "shrinks_with_batch", "unverifiable"),
])
def test_a_trend_over_the_batch_compares_the_two_intervals(small, large, claim, verdict):
    params = {"claim": claim, "merged_stated": False, "tolerance": 0.1, "bottleneck": 64}
    assert _verdict(params, _measured(small, large))[0] == verdict


@pytest.mark.parametrize(("sentence", "claim", "denied"), [
    # the penalty named: the predicate denied, the trend's opposite measured, the verdict
    # turned round by the pipeline
    ("Bottleneck adapters' latency penalty increases as the batch size grows.",
     "shrinks_with_batch", True),
    ("The overhead of adapter layers falls with larger batches.", "grows_with_batch", True),
])
def test_a_trend_over_the_batch_is_read(sentence, claim, denied):
    frame = _frame(sentence)
    assert frame is not None and frame.params["claim"] == claim
    assert frame.polarity is not denied
