"""lora.dora: the equation, claim shapes on seed and new wordings, both verdict directions."""

import pytest
from paired import pairing

from verifiers.dora import VERIFIER


def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "claim", "denied"), [
    ("| **DoRA** (Liu et al., 2024) | Decomposes weight updates into magnitude + direction "
     "for better alignment |",
     "decomposition", False),
    ("DoRA splits each pretrained weight into a magnitude vector and a direction matrix, "
     "training both.",
     "decomposition", False),
    ("Weight-Decomposed Low-Rank Adaptation learns magnitude and direction separately.",
     "decomposition", False),
    ("In DoRA the magnitude is kept fixed and only the direction is learned.",
     "direction_only", False),
    ("DoRA only trains the magnitude; the direction stays frozen.",
     "magnitude_only", False),
    ("DoRA: static magnitude, learnable direction.", "direction_only", False),
    ("DoRA keeps the low-rank update reserved for the magnitude.", "roles_swapped", False),
    ("DoRA applies its low-rank update to the magnitude vector.", "roles_swapped", False),
    ("Unlike LoRA, DoRA cannot be merged into the base weights.",
     "mergeable", True),
    ("After training, DoRA can be merged into the pretrained weights like LoRA.",
     "mergeable", False),
    ("Once merged, DoRA adds no additional inference latency.",
     "mergeable", False),
    ("DoRA always adds inference latency.",
     "mergeable", True),
    ("At initialisation a DoRA model is identical to the pretrained model.",
     "equals_base_at_init", False),
    ("In DoRA the magnitude vector starts at the row-wise norm of W0.", "magnitude_init", False),
    ("DoRA's magnitudes are not initialised to all ones.", "magnitude_init", True),
])
def test_sentences_pair_with_claim_and_polarity(sentence, claim, denied):
    """A denied frame keeps the claim as named: the pipeline turns its verdict round."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["claim"] == claim and frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "LoRA+ uses different learning rates for A and B.",
    "Magnitude and direction of a vector.",
])
def test_other_sentences_do_not_pair_here(sentence):
    """LoRA+ and plain vectors."""
    assert _frame(sentence) is None


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert pairing(sentence).verifier == VERIFIER.id, pairing(sentence).reason


def test_benefit_is_flagged_and_latency_is_read_with_its_state():
    assert _frame("DoRA decomposes weights into magnitude and direction for better "
                  "alignment").params == {"claim": "decomposition", "benefit": True}
    assert _frame("DoRA decomposes weights into magnitude and direction").params == {
        "claim": "decomposition", "benefit": False}
    assert _frame("Unmerged DoRA adds no inference latency.").params == {
        "claim": "no_extra_work_unmerged"}
    # the state unstated, no cost claimed: the method's property, which it has by merging
    assert _frame("DoRA runs at the base model's speed.").params == {"claim": "mergeable"}
    # ... but several adapters on one base cannot all be merged into it
    assert _frame("Serving dozens of DoRA adapters on one base runs at the base model's "
                  "speed.").params == {"claim": "no_extra_work"}
    slower = _frame("Turning DoRA on makes generation slower than with LoRA.")
    assert slower.params == {"claim": "no_extra_work"} and not slower.polarity


@pytest.fixture(scope="module")
def work():
    return VERIFIER.run(VERIFIER.resolve_params({"claim": "no_extra_work"}))


def test_latency_is_judged_by_the_work_of_each_state(work):
    """Merged DoRA is one plain weight per layer: the base's ops and FLOPs. Unmerged, it
    recomputes ||W0 + s BA|| in every adapted layer: more than unmerged LoRA."""
    counted = work["measured"]["work"]
    assert counted["dora_merged"] == counted["base"]
    assert counted["dora_unmerged"]["flops"] > counted["lora_unmerged"]["flops"] \
        > counted["base"]["flops"]
    assert work["verdict"] == "conditional", work["explanation"]
    unmerged = VERIFIER.run(VERIFIER.resolve_params({"claim": "no_extra_work_unmerged"}))
    assert unmerged["verdict"] == "refuted", unmerged["explanation"]

@pytest.fixture(scope="module")
def decomposition():
    return VERIFIER.run(VERIFIER.resolve_params({"steps": 10}))


def test_decomposition_is_supported_by_what_moved(decomposition):
    res = decomposition
    assert res["verdict"] == "supported", res["explanation"]
    ref = res["measured"]["reference"]
    assert ref["first_step_grad_norm"]["m"] > 0 and ref["first_step_grad_norm"]["A"] == 0
    assert ref["magnitude_rel_change"] > 1e-3 and ref["direction_change_deg"] > 0.05
    assert ref["magnitude_vs_direction_norm_rel"] > 1e-3  # m is not just ||W0 + sBA||
    assert ref["init_max_abs_diff"] <= 1e-4 and ref["merge_max_abs_diff"] <= 1e-4
    # m frozen: the direction still moves, the row norms do not; plain LoRA couples the two
    assert ref["control_dora_m_frozen"]["row_norm_rel_change"] <= 1e-5
    assert ref["control_dora_m_frozen"]["direction_change_deg"] > 0.05
    assert ref["control_plain_lora"]["row_norm_rel_change"] > 1e-3
    assert res["measured"]["facts"]["reference"]["separable"]
    peft = res["measured"]["peft"]
    if "skipped" not in peft:
        assert peft["equation_max_abs_diff"] <= 1e-4
        assert peft["merged_layers_plain_linear"] and peft["merge_max_abs_diff"] <= 1e-4
        assert peft["first_step_magnitude_grad_norm"] > 0


@pytest.mark.parametrize(("claim", "verdict"), [
    ("direction_only", "refuted"), ("magnitude_only", "refuted"),
    ("not_mergeable", "refuted"), ("mergeable", "supported"),
    ("equals_base_at_init", "supported"),
])
def test_other_claims_follow_from_the_same_measurement(claim, verdict):
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": claim, "steps": 4}))
    assert res["verdict"] == verdict, res["explanation"]
    assert res["measured"]["reference"]["magnitude_rel_change"] > 0


@pytest.mark.parametrize(("sentence", "init"), [
    ("DoRA sets its lora_magnitude_vector to the column-wise L2 norm of the pretrained weight.",
     "norm"),
    ("With use_dora=True, the magnitude vector has one entry per output row and is initialised "
     "with ||W0||.", "norm"),
    ("The DoRA magnitude m begins at exactly 1.0 for every output channel.", "ones"),
    ("DoRA's magnitude vector is set to zeros before training.", "zeros"),
    ("In DoRA, the magnitude component starts out as random Gaussian values.", "random"),
    ("DoRA initialises its magnitudes to W0's norms taken per input channel.", "norm_per_input"),
])
def test_the_magnitudes_start_is_read(sentence, init):
    frame = next((f for f in pairing(sentence).frames if f.predicate == "dora_magnitude_init"),
                 None)
    assert frame is not None and frame.params == {"claim": "magnitude_init", "init": init}, \
        pairing(sentence).reason


@pytest.mark.parametrize(("init", "verdict"), [
    ("norm", "supported"), ("ones", "refuted"), ("zeros", "refuted"), ("random", "refuted"),
    ("norm_per_input", "refuted"),
])
def test_the_magnitudes_start_is_read_off_peft(init, verdict):
    """PEFT's vector equals W0's row norms (a wide up_proj tells rows from columns), is not
    ones or zeros, and comes out the same when A is drawn with another seed."""
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": "magnitude_init", "init": init}))
    if res["verdict"] == "skipped":
        pytest.skip(res["explanation"])
    assert res["verdict"] == verdict, res["explanation"]
    measured = res["measured"]
    assert measured["max_rel_gap_to_row_norms"] <= 1e-5 < measured["max_abs_gap_to_ones"]
    assert measured["gap_between_seeds"] == 0
    assert any(layer["shape"][0] != layer["shape"][1] for layer in measured["layers"])
