"""lora.merge_equivalence: merged vs unmerged outputs, and the merged layer is a plain Linear."""

import pytest
from paired import pairing

from verifiers._env import has_package
from verifiers.merge_equivalence import VERIFIER


def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "claim", "denied"), [
    ("At inference time, the LoRA weights can either be applied dynamically or merged into "
     "the base weights ahead of deployment, depending on the serving setup.",
     "equal", False),
    ("After training, the low-rank update can be folded into W, giving exactly the same "
     "outputs.",
     "equal", False),
    ("Merging the LoRA weights into the base model changes its outputs.",
     "equal", True),
    ("Merged LoRA models produce different predictions from the unmerged adapter.",
     "equal", True),
    ("Merging a LoRA adapter is lossy.",
     "equal", True),
    ("Merging LoRA does not change the model's outputs.",
     "equal", False),
    ("merge_and_unload() folds the adapter into the base layers and returns a model with "
     "the same predictions.",
     "equal", False),
])
def test_sentences_pair_with_claim_and_polarity(sentence, claim, denied):
    """A denied frame keeps the claim as named: the pipeline turns its verdict round."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["claim"] == claim and frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "DoRA merges its magnitude vector into the weights.",
    "You can switch adapters even after one of them has been merged into the weights.",
])
def test_other_sentences_do_not_pair_here(sentence):
    """DoRA's merge, a dtype the verifier does not measure, a merge named as a moment."""
    assert _frame(sentence) is None


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert pairing(sentence).verifier == VERIFIER.id, pairing(sentence).reason


def test_sizes_and_dtype():
    params = _frame("Merging a rank r=16 adapter into a 1024x1024 weight gives the same "
                    "outputs up to float rounding.").params
    assert params == {"claim": "equal", "d": 1024, "k": 1024, "r": 16}
    # a named dtype is the one measured; a bare '16-bit' is measured as bf16
    assert _frame("Merging a LoRA adapter in bf16 gives exactly the same outputs."
                  ).params["dtypes"] == "bf16"
    assert _frame("Merging into 16-bit weights keeps the outputs.").params["dtypes"] == "bf16"
    assert _frame("Merging into fp16 weights changes the outputs.").params["dtypes"] == "fp16"
    # the equality stretched to any dtype holds in fp32 only: both are measured
    assert _frame("Merging in whatever dtype the model is loaded in gives identical outputs."
                  ).params["dtypes"] == "fp32,bf16"


@pytest.mark.parametrize("sentence", [
    "Folding the adapter into the weights is lossless.",
    "After merge_and_unload() the model's predictions stay the same as before.",
    "The merged checkpoint gives exactly the same logits as the adapter run separately.",
    "Merging leaves the outputs unchanged.",
])
def test_a_bare_equality_is_measured_in_fp32_and_bf16(sentence):
    """'The same outputs' with no dtype and no 'up to rounding' holds in fp32, and in bf16
    only up to the merge's rounding: both are measured, strictly."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.polarity
    assert frame.params["dtypes"] == "fp32,bf16" and frame.params["exactness"] == "tolerance"


@pytest.mark.parametrize("sentence", [
    "Folding the adapter into the weights is lossless up to floating-point rounding.",
    "In fp32 the merged model returns the same logits as the adapter run separately.",
    "Since W' = W0 + (alpha/r)·BA, the merged layer gives the same outputs.",
    "A merged model computes the same function as the base model plus its adapter.",
    "merge_and_unload() returns a plain model whose outputs match within 1e-5.",
])
def test_an_equality_held_to_rounding_or_written_as_algebra_is_fp32s(sentence):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params.get("dtypes", "fp32") == "fp32"
    assert frame.params.get("exactness", "rounding") == "rounding"


def test_the_weights_a_merge_changes_are_no_denial_of_equal_outputs():
    frame = _frame("LoRA training never touches W0; only an explicit merge changes those weights.")
    assert frame is None or frame.polarity


@pytest.mark.parametrize(("sentence", "dtypes"), [
    ("After merge_and_unload the logits differ from the unmerged model's by at most 3e-7 in "
     "fp32.", "fp32"),
    # a bound with no dtype named: held to it, so bf16's rounding does not bear it out
    ("Merged or not, the outputs differ by only ~1e-6 after merging.", "fp32,bf16"),
])
def test_a_difference_said_to_be_rounding_size_is_an_equality_held_to_it(sentence, dtypes):
    frame = _frame(sentence)
    assert frame is not None and frame.polarity
    assert frame.params["claim"] == "equal" and frame.params.get("dtypes", "fp32,bf16") == dtypes


def test_merging_as_an_operation_is_not_an_equality_of_outputs():
    """'can be merged back', 'merge BA into W before serving': nothing said of the outputs."""
    frame = _frame("After training, the adapter weights can be merged back into the base model.")
    assert frame is not None and frame.params.get("dtypes", "fp32") == "fp32"


@pytest.mark.parametrize("sentence", [
    "merge_and_unload() induces a loss of accuracy in the model parameters.",
    "Folding the update into the base matrix costs a little precision.",
    "Once the adapter is baked into the weights, tiny rounding differences appear in the logits.",
])
def test_lost_precision_is_measured_in_fp32_and_bf16(sentence):
    """Rounding is what merging costs, and its size depends on the dtype: a sentence naming
    none is measured in both."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["dtypes"] == "fp32,bf16" and not frame.polarity
    assert _frame("Merging a LoRA adapter is lossy.").params.get("dtypes", "fp32") == "fp32"


def test_merging_in_16_bits_rounds_at_the_formats_own_precision():
    """A 16-bit merge moves the outputs by far more than fp32 rounding, but no more than the
    format itself moves the unmerged model: 'the same outputs' holds, 'identical' (measured
    within 1e-4) holds only in fp32."""
    base = {"claim": "equal", "d": 64, "k": 48, "r": 4}
    for dtype in ("bf16", "fp16"):
        out = VERIFIER.run(VERIFIER.resolve_params({**base, "dtypes": dtype}))
        ref = out["measured"]["by_dtype"][dtype]["reference"]
        assert out["verdict"] == "supported" and ref["max_abs_diff"] > 1e-3, out["explanation"]
        assert ref["within_format_rounding"] and ref["format_error_abs_max"] > 1e-3
        strict = VERIFIER.run(VERIFIER.resolve_params({**base, "dtypes": dtype,
                                                       "exactness": "tolerance"}))
        assert strict["verdict"] == "refuted", strict["explanation"]
    both = VERIFIER.run(VERIFIER.resolve_params({**base, "dtypes": "fp32,bf16",
                                                 "exactness": "tolerance"}))
    assert both["verdict"] == "conditional" and "only in fp32" in both["explanation"]
    by = both["measured"]["by_dtype"]
    assert by["fp32"]["reference"]["max_abs_diff"] < 1e-4 < by["bf16"]["reference"]["max_abs_diff"]


@pytest.mark.skipif(not has_package("bitsandbytes") or not has_package("peft"),
                    reason="needs bitsandbytes and peft")
def test_merging_into_4_bit_weights_requantizes_them():
    """PEFT's merge into NF4 layers (LoRA trained a few steps) moves the logits by far more
    than a 16-bit merge of the same update: the merged weights are rounded to 4 bits again."""
    out = VERIFIER.run(VERIFIER.resolve_params({"dtypes": "nf4"}))
    four = out["measured"]["by_dtype"]["nf4"]["peft"]
    assert out["verdict"] == "refuted", out["explanation"]
    assert four["lora_B_abs_max"] > 0 and four["merged_layer_types"] == ["Linear4bit"]
    assert four["relative_diff"] > 0.01  # measured 17% of the largest logit
    assert four["max_abs_diff"] > 5 * four["into_bf16_copy"] > 5 * four["into_fp32_copy"]
    # the re-quantization error is of the size of the update itself
    assert four["requant_error_vs_update"] > 0.1
    # merged into the unquantized weights the base was made from: the quantization error stays
    # against the model the adapter was trained as (measured 14% of the largest logit)
    assert four["into_original"] > 100 * four["into_fp32_copy"]
    original = VERIFIER.run(VERIFIER.resolve_params({"dtypes": "nf4", "into": "original"}))
    assert original["verdict"] == "refuted", original["explanation"]


def test_a_4_bit_merge_without_bitsandbytes_is_skipped(monkeypatch):
    """Where bitsandbytes is missing nothing is measured in NF4: the claim is skipped, not
    left conditional as if two measurements had disagreed."""
    import verifiers._env as env

    real = env.has_package
    monkeypatch.setattr(env, "has_package", lambda name: name != "bitsandbytes" and real(name))
    out = VERIFIER.run(VERIFIER.resolve_params({"dtypes": "nf4"}))
    assert out["verdict"] == "skipped", out["explanation"]
    assert out["explanation"].startswith("nf4: bitsandbytes")


@pytest.mark.parametrize(("sentence", "params"), [
    ("Merging a LoRA into a 4-bit quantized base is lossless, as long as you merge after "
     "training", {"claim": "equal", "dtypes": "nf4"}),
    ("We still merge it for production, but into a 16-bit copy of the base: folding the update "
     "into 4-bit weights re-quantizes them and introduces rounding error.",
     {"claim": "equal", "dtypes": "nf4"}),
    ("Merging the LoRA update gives outputs identical to the unmerged model.",
     {"claim": "equal", "dtypes": "fp32,bf16", "exactness": "tolerance"}),
    ("Merging produces the same outputs as the unmerged model.",
     {"claim": "equal", "dtypes": "fp32,bf16", "exactness": "tolerance"}),
    ("Merging produces the same outputs as the unmerged model, up to rounding.",
     {"claim": "equal"}),
    ("Merging the update is numerically the same as running the adapter.",
     {"claim": "equal", "dtypes": "fp32,bf16", "exactness": "tolerance"}),
    ("Merging gives bit-for-bit identical outputs.",
     {"claim": "equal", "dtypes": "fp32,bf16", "exactness": "bitwise"}),
    ("Merged and unmerged models give byte-identical logits.",
     {"claim": "equal", "dtypes": "fp32,bf16", "exactness": "bitwise"}),
    ("Merging a LoRA adapter in bf16 gives the same outputs.",
     {"claim": "equal", "dtypes": "bf16"}),
    # an adapter trained on a 4-bit base, merged into the unquantized weights
    ("Merging a QLoRA adapter into the original fp16 base reproduces exactly the outputs it "
     "gave during training.", {"claim": "equal", "dtypes": "nf4", "into": "original"}),
])
def test_dtype_and_exactness_read_from_the_sentence(sentence, params):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params == params


def test_the_4_bit_merge_is_denied_and_an_8_bit_one_is_not_measured():
    frame = _frame("We still merge it for production, but into a 16-bit copy of the base: "
                   "folding the update into 4-bit weights re-quantizes them and introduces "
                   "rounding error.")
    assert not frame.polarity
    assert _frame("Merging into an 8-bit base is lossless.") is None


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
