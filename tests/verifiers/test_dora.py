"""lora.dora: the equation, claim shapes on seed and new wordings, both verdict directions."""

import pytest

from verifiers._base import normalise
from verifiers.dora import VERIFIER, dora_weight


def _match(sentence: str) -> dict | None:
    """The fixed params of the best-matching shape, None when no shape matches."""
    hits = [s for s in VERIFIER.shapes if s.match(normalise(sentence)) is not None]
    return dict(max(hits, key=lambda s: s.weight).fixed) if hits else None


@pytest.mark.parametrize(("sentence", "claim"), [
    # seed 002's variants table row
    ("| **DoRA** (Liu et al., 2024) | Decomposes weight updates into magnitude + direction for "
     "better alignment |", "decomposition"),
    ("Decomposes weight updates into magnitude + direction", "decomposition"),
    ("DoRA splits each pretrained weight into a magnitude vector and a direction matrix, "
     "training both.", "decomposition"),
    ("Weight-Decomposed Low-Rank Adaptation learns magnitude and direction separately.",
     "decomposition"),
    ("In DoRA the magnitude is kept fixed and only the direction is learned.", "direction_only"),
    ("DoRA only trains the magnitude; the direction stays frozen.", "magnitude_only"),
    ("Unlike LoRA, DoRA cannot be merged into the base weights.", "not_mergeable"),
    ("DoRA adds inference latency because of its normalisation.", "not_mergeable"),
    ("After training, DoRA can be merged into the pretrained weights like LoRA.", "mergeable"),
    ("Once merged, DoRA adds no additional inference latency.", "mergeable"),
    ("At initialisation a DoRA model is identical to the pretrained model.",
     "equals_base_at_init"),
])
def test_shapes(sentence, claim):
    assert _match(sentence)["claim"] == claim


def test_benefit_is_flagged_and_unrelated_text_is_not_matched():
    assert _match("DoRA decomposes weights into magnitude and direction for better "
                  "alignment")["benefit"] is True
    assert "benefit" not in _match("DoRA decomposes weights into magnitude and direction")
    assert _match("LoRA+ uses different learning rates for A and B.") is None
    assert _match("Magnitude and direction of a vector.") is None


def test_equation_normalises_each_output_row():
    import torch

    g = torch.Generator().manual_seed(0)
    w0 = torch.randn(6, 10, generator=g)
    a, b = torch.randn(2, 10, generator=g), torch.randn(6, 2, generator=g)
    m = torch.rand(6, generator=g) + 0.5
    w = dora_weight(w0, a, b, m, 0.5)
    # each output row of W' has norm m and the direction of W0 + s B A
    assert torch.allclose(w.norm(dim=1), m, atol=1e-6)
    v = w0 + 0.5 * b @ a
    assert torch.allclose(w / w.norm(dim=1, keepdim=True), v / v.norm(dim=1, keepdim=True),
                          atol=1e-6)
    # with B = 0 and m = ||W0||, W' is W0
    assert torch.allclose(dora_weight(w0, a, 0 * b, w0.norm(dim=1), 0.5), w0, atol=1e-6)


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
