"""Where a denial, a method or a number belongs: reason clauses without a comma, compounds,
labels of answers and rows, adapters on LoRA's side of a contrast, defaults of other tools,
counts of two models, and values said after a change of rank."""

from __future__ import annotations

import pytest
from sentence_pairing import frames_of as _frames
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params

from kbcheck.claims.quantities import find_quantities
from kbcheck.claims.recognise import recognise


def test_bare_adapters_on_loras_side_of_a_contrast_are_loras():
    frames = recognise("For LoRA we need no extra serving GPUs, as adapters folded into W add "
                       "no latency, unlike bottleneck adapters.").frames
    assert frames and all(f.subject == "lora" for f in frames), frames


@pytest.mark.parametrize(("sentence", "predicate", "polarity"), [
    # a denial in a reason clause does not reach the main clause its subject opens
    ("Since a bottleneck adapter cannot be merged into W0 it adds latency at inference.",
     "no_added_latency", False),
    # the words of a hyphened compound are all denied by its "no-"
    ("Merged LoRA is a no-extra-latency option for serving.", "no_added_latency", True),
    # the setting after what "without" names is not done without
    ("Plain NF4 without double quantization at blocksize 64 costs 4.5 bits per weight.",
     "bnb_blocksize", True),
    # "only" does not reach past ", so" into the next clause
    ("The job writes only the small A and B matrices, so the base checkpoint is never "
     "modified.", "base_frozen", True),
    ("Calling set_adapter evicts the previously loaded adapter, so switching back means "
     "loading it again.", "hot_swap", False),
    ("Enabling use_dora leaves the trainable parameter count unchanged.", "dora_extra_params",
     False),
    ("Turning on use_dora changes the trainable parameter count a little.", "dora_extra_params",
     True),
])
def test_what_a_clause_denies(sentence, predicate, polarity):
    frames = _frames(sentence, predicate)
    assert frames and frames[0].polarity is polarity, recognise(sentence).frames


def test_a_model_equated_with_a_size_is_its_size():
    frames = _frames("Mistral-7B base ≈ 14.5 GB in bf16.", "model_size")
    assert frames and frames[0].quantities[-1].value == 14.5e9, frames


def test_an_answers_label_is_not_the_matrix_a():
    frames = recognise("A: B starts at zero, so BA is zero when training begins.").frames
    assert frames and not any(f.has("a_zero") for f in frames), frames


def test_a_row_number_is_a_label_not_a_quantity():
    values = [q.value for q in find_quantities(
        "Same r=8 config as row 12 but 21.35M trainable, 1.36M of them magnitudes.")]
    assert 12 not in values and 21.35e6 in values, values


def test_a_default_of_another_tools_setting_is_not_bitsandbytes():
    paired = _pair("trainer.compute_dtype now defaults to bf16 in our 3.1 release.")
    assert paired.verifier is None, paired
    # nor are the matmuls of 4-bit layers, said by their speed, 4-bit arithmetic
    assert not any(f.has("c4") for f in recognise(
        "Our float32 default made the 4-bit matmuls painfully slow.").frames)


def test_a_second_models_total_is_not_the_first_models():
    paired = _pair("Mistral-7B has 7,241,732,096 parameters and Llama-3-8B has "
                   "8,030,261,248.")
    assert not any(f.verifier == "lora.param_count" and f.params for f in paired.frames), paired


def test_a_scale_said_after_a_change_of_rank_is_the_new_ranks():
    params = _params("With alpha fixed at 32, going from r=16 to r=128 scales the update by "
                     "0.25.", "lora.ba_update")
    assert params["r"] == 128 and params["scale_value"] == 0.25, params
    # a factor ("drop 8x") is no value of the scale at the new rank
    params = _params("Raising r from 8 to 64 with alpha held fixed makes the scaling factor drop "
                     "8x.", "lora.ba_update")
    assert params.get("r") != 64, params


@pytest.mark.parametrize("sentence", [
    "honestly ΔW = BA, except B gets the random init and A is the one thats zeros",
    "In LoRA, A is the zero-init factor and B is random.",
])
def test_a_named_as_the_factor_that_holds_the_zeros(sentence):
    assert any(f.has("a_zero") for f in recognise(sentence).frames), recognise(sentence).frames


def test_what_a_reviewed_document_gives_instead_is_set_aside():
    from kbcheck.claims.normalise import normalise

    assert normalise("At r = 64 rsLoRA's scale is 2, yet the appendix lists 0.25.") == \
        "At r = 64 rsLoRA's scale is 2."


@pytest.mark.parametrize(("sentence", "verifier", "params"), [
    # the untouched config said to have a value: that setting's default, not a scale to check
    ("In PEFT the default LoraConfig has r 8 and lora_alpha 32, so BA is scaled by 4.",
     "lora.peft_defaults", {"setting": "lora_alpha", "value": 32.0}),
    ("Careful: if you pass nothing, PEFT's LoraConfig gives you r=16.", "lora.peft_defaults",
     {"setting": "r", "value": 16.0}),
    ("With only load_in_4bit=True, the default quant type is already nf4.",
     "lora.bnb_defaults", {"quant_type": "nf4"}),
    # r squared times (d + k): a formula of its own, checked against the built factors
    ("Answer key: rank r on a d×k weight adds r²·(d+k) trainable parameters.",
     "lora.param_count", {"formula": "r^2(d+k)"}),
])
def test_settings_and_formulas_said_in_other_words(sentence, verifier, params):
    got = _params(sentence, verifier)
    assert {k: got.get(k) for k in params} == params, got


def test_one_adapter_per_peftmodel_denies_switching():
    frames = _frames("If set_adapter complains, note that PEFT only allows one adapter per "
                     "PeftModel, so load a second base for the other task.", "hot_swap")
    assert frames and frames[0].polarity is False, frames


def test_an_adapter_described_by_its_rank_is_not_a_claim_on_the_rank():
    assert not _frames("A LoRA adapter of rank r on a d×k layer adds r(d+k) trainable "
                       "parameters.", "rank_bounded")


def test_a_quartered_scale_is_a_change_by_four():
    params = _params("Under plain alpha/r, going from r = 16 to r = 64 at fixed alpha quarters "
                     "the scale.", "lora.ba_update")
    assert params.get("scale_factor") == 0.25 and params.get("rank_factor") == 4.0, params


def test_the_librarys_own_defaults_then_what_they_mean():
    params = _params("With no flags we hand BitsAndBytesConfig its own defaults, which means NF4 "
                     "with double quantization.", "lora.bnb_defaults")
    assert params.get("quant_type") == "nf4", params


def test_a_figure_someone_else_expected_is_set_aside():
    from kbcheck.claims.normalise import normalise

    assert normalise("The saved adapter is 4.5 MB and the user expected 2.25 MB; it was kept in "
                     "fp32.") == "The saved adapter is 4.5 MB; it was kept in fp32."


def test_a_change_of_rank_by_only_a_factor():
    params = _params("With rsLoRA's scaling, going from r=16 to r=256 at fixed alpha shrinks the "
                     "scale by only a factor of 4.", "lora.ba_update")
    assert params.get("scale_factor") == 0.25 and params.get("rank_factor") == 16.0, params


def test_no_measurable_latency_unmerged_is_a_hedged_zero():
    # how small a slow-down counts as none is the writer's; merged, it is judged as no latency
    assert _pair("Kept unmerged, the adapter adds no measurable latency over the base "
                 "model.").verifier is None
    assert _pair("Once merged, the adapter adds no measurable latency over the base "
                 "model.").verifier == "lora.merge_latency"


def test_a_bare_size_after_the_is_a_model():
    frames = _frames("Full fine-tuning of the 13B at ~16 bytes/param with mixed-precision Adam "
                     "needs about 208 GB.", "training_memory")
    assert frames and frames[0].conditions.get("model", {}).get("size_b") == 13.0, frames


def test_off_the_table_on_a_card_denies_the_fit():
    frames = _frames("Full fine-tuning a 13B model needs about 208 GB, so it is off the table on "
                     "a single 80 GB card.", "fits_gpu")
    assert frames and frames[0].polarity is False, frames


def test_alpha_times_r_is_a_form_of_its_own():
    params = _params("scale factor = alpha * r, so a bigger rank means a bigger update",
                     "lora.ba_update")
    assert params.get("scaling_form") == "alpha*r", params


def test_a_correction_after_the_setting_it_is_for():
    # the writer's figure, "in fact", comes after the setting it holds for; the deck's is set aside
    params = _params("The vendor's deck puts the saving at 50x; for Mistral-7B with r=16 on q and "
                     "v it is in fact about 1,000x.", "lora.param_count")
    assert params["ratio"] == 1000.0 and params["model"] == "mistral-7b", params
    assert "50" not in params["figures"], params


def test_no_before_one_item_of_a_slashed_list_denies_that_item_only():
    frames = _frames("Left alone, BitsAndBytesConfig gives you fp4 / no double quant / fp32 "
                     "compute.", "compute_dtype")
    assert frames and frames[0].polarity is True, frames
