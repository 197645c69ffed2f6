"""lora.merge_latency: claim shapes, the verdict table, and one robust-by-construction timing."""

import pytest
from paired import best_verifier

from verifiers import registry
from verifiers.merge_latency import VERIFIER, _verdict


def test_latency_sentence_goes_to_latency_not_merge_equivalence():
    mine = [v for k, v in registry(include_entry_points=False).items() if k in (
        "lora.merge_latency", "lora.merge_equivalence", "lora.ba_update")]
    vid, _ = best_verifier(mine, "No inference latency: LoRA weights can be merged into the "
                                 "base model (W' = W + BA)")
    assert vid == "lora.merge_latency"




@pytest.mark.parametrize(("claim", "weights", "merged", "unmerged", "verdict"), [
    ("no_latency", "merged", "same", "slower", "supported"),
    ("no_latency", "merged", "slower", "slower", "refuted"),
    ("no_latency", "unspecified", "same", "slower", "conditional"),
    ("no_latency", "unspecified", "same", "same", "supported"),
    ("adds_latency", "merged", "same", "slower", "refuted"),
    ("adds_latency", "unmerged", "same", "slower", "supported"),
    ("adds_latency", "unspecified", "same", "slower", "conditional"),
])
def test_verdict_table(claim, weights, merged, unmerged, verdict):
    assert _verdict(claim, weights, merged, unmerged)[0] == verdict


@pytest.mark.slow
def test_merged_matches_base_and_large_rank_unmerged_is_slower():
    # Robust by construction: merged and base are the same operation; unmerged at r=128 on a
    # 256-wide layer does 2x the multiply-adds of the base plus four extra kernels.
    params = VERIFIER.resolve_params({"claim": "no_latency", "weights": "unspecified",
                                      "d": 256, "k": 256, "r": 128, "tokens": 16,
                                      "rounds": 30})
    out = VERIFIER.run(params)
    m = out["measured"]["reference"]
    assert m["merged_is_plain_linear"]
    assert m["unmerged_vs_base"]["class"] == "slower", out["explanation"]
    assert out["verdict"] == "conditional"  # holds once merged; unmerged is slower




def test_peft_model_timing_is_reported_beside_the_verdict():
    from verifiers._tiny import peft_available

    params = VERIFIER.resolve_params({"weights": "merged", "peft": True, "rounds": 5,
                                      "max_batches": 1, "inner": 1, "tokens": 8})
    out = VERIFIER.run(params)
    peft = out["measured"]["peft"]
    if not peft_available():
        assert "skipped" in peft
        return
    assert set(peft) >= {"merged_vs_base", "unmerged_vs_base"}
    assert peft["unmerged_vs_base"]["ratio"] > 0
