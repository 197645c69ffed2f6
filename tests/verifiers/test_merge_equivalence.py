"""lora.merge_equivalence: merged vs unmerged outputs, and the merged layer is a plain Linear."""

import pytest
from claim_match import shape_params

from verifiers.merge_equivalence import VERIFIER


@pytest.mark.parametrize(("sentence", "claim"), [
    ("At inference time, the LoRA weights can either be applied dynamically or merged into the "
     "base weights ahead of deployment, depending on the serving setup.", "equal"),
    ("After training, the low-rank update can be folded into W, giving exactly the same "
     "outputs.", "equal"),
    ("Merging the LoRA weights into the base model changes its outputs.", "changes_outputs"),
    ("Merged LoRA models produce different predictions from the unmerged adapter.",
     "changes_outputs"),
    ("Merging a LoRA adapter is lossy.", "changes_outputs"),
    ("Merging LoRA does not change the model's outputs.", "equal"),
])
def test_shapes(sentence, claim):
    params = shape_params(VERIFIER, sentence)
    assert params is not None and params["claim"] == claim


@pytest.mark.parametrize("sentence", [
    "No inference latency: LoRA weights can be merged into the base model (W' = W + BA)",
    "DoRA merges its magnitude vector into the weights.",
    "Merging QLoRA adapters into a 4-bit model needs dequantization first.",
])
def test_shapes_leave_latency_and_other_families(sentence):
    assert shape_params(VERIFIER, sentence) is None


def test_merge_keeps_outputs_and_the_opposite_is_refuted():
    params = VERIFIER.resolve_params({"claim": "equal", "d": 64, "k": 48, "r": 4})
    out = VERIFIER.run(params)
    assert out["verdict"] == "supported", out["explanation"]
    ref = out["measured"]["reference"]
    # The update is not negligible, yet merging keeps the outputs within 1e-4.
    assert ref["lora_contribution_abs_max"] > 100 * ref["max_abs_diff"]
    assert ref["plain_linear"]
    peft = out["measured"]["peft"]
    if "skipped" not in peft:
        assert peft["non_plain_modules"] == 0 and peft["lora_modules_left"] == 0
    wrong = VERIFIER.run({**params, "claim": "changes_outputs"})
    assert wrong["verdict"] == "refuted"


def test_bit_identity_is_not_what_fp32_merging_gives():
    params = VERIFIER.resolve_params({"claim": "equal", "d": 64, "k": 48, "r": 4,
                                      "atol": 0, "rtol": 0})
    out = VERIFIER.run(params)
    assert out["verdict"] in ("refuted", "supported")  # measured, not assumed
    assert (out["verdict"] == "supported") == (out["measured"]["reference"]["max_abs_diff"] == 0)
