"""lora.adapter_merge: a bottleneck adapter is not a linear map; LoRA's update is."""

from paired import pairing

from verifiers.adapter_merge import VERIFIER


def test_no_linear_map_replaces_a_houlsby_adapter_but_one_replaces_lora():
    out = VERIFIER.run(VERIFIER.resolve_params({}))
    m = out["measured"]
    assert out["verdict"] == "refuted", out["explanation"]
    # GELU between the projections: a large share of the adapter's output is left over
    assert m["adapter"]["relative"] > 0.05  # measured 47%
    assert m["lora"]["relative"] < 1e-9  # W0 + s BA: rounding only (measured 6e-15)


def test_other_sizes_and_seeds_give_the_same_verdict():
    out = VERIFIER.run(VERIFIER.resolve_params({"hidden": 32, "bottleneck": 4, "seed": 3}))
    assert out["verdict"] == "refuted" and out["measured"]["lora"]["relative"] < 1e-9


def test_adapter_merge_sentences_pair_here_with_their_polarity():
    can = pairing("Houlsby adapters can be folded into the base weights after training, just "
                  "like LoRA.")
    assert can.verifier == VERIFIER.id and can.frames[0].polarity
    cannot = pairing("Bottleneck adapters cannot be merged into the pretrained weights.")
    assert cannot.verifier == VERIFIER.id and not cannot.frames[0].polarity
    # LoRA's merge stays with merge_equivalence
    assert pairing("LoRA weights can be merged into the base model.").verifier \
        == "lora.merge_equivalence"
