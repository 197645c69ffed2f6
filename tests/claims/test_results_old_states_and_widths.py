"""What an instruction yields, an old state told before the new one, defaults said with "quietly
stays" or in a glossary entry, a width that is the setting of a model's size, a count worked out
after "only", the scale a loader dividing by r gives an rsLoRA adapter, an adapter moved onto
another model, and reports set right after a break or a verdict."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params


@pytest.mark.parametrize(("sentence", "verifier"), [
    # the instruction's result in a clause after ";" that takes up its object with "it"
    ("Step 3: switch on `bnb_4bit_use_double_quant=True`; it cuts about 0.37 bits per "
     "parameter.", "lora.qlora_storage"),
    # ... or in a clause of its own after ", and the ..."
    ("Step 5: merge the adapter into the base, and the merged model then answers as fast as "
     "the base model.", "lora.merge_latency"),
])
def test_what_an_instruction_yields_is_read(sentence, verifier):
    assert verifier in {f.verifier for f in _pair(sentence).frames}, _pair(sentence).reason


def test_an_instruction_alone_is_still_advice():
    assert _pair("Step 4: load the base in 4-bit, and the adapter on top of it.").verifier is None


@pytest.mark.parametrize(("sentence", "param", "value"), [
    ("If you leave out bnb_4bit_compute_dtype, the compute dtype simply stays float32.",
     "compute", "float32"),
    ("When you omit bnb_4bit_quant_type, the quantization type quietly becomes fp4.",
     "quant_type", "fp4"),
    ("Our loader reads NF4 like the default `bnb_4bit_quant_type` of `BitsAndBytesConfig`, "
     "which is `nf4`.", "quant_type", "nf4"),
    ('bnb_4bit_quant_type - picks the 4-bit code book; its default is "fp4".', "quant_type",
     "fp4"),
])
def test_bitsandbytes_defaults_said_in_other_words(sentence, param, value):
    params = _params(sentence, "lora.bnb_defaults")
    assert isinstance(params, dict) and params.get(param) == value, (params, _pair(sentence).reason)


def test_alpha_starting_at_a_value_beside_the_defaults_is_peft_s_default():
    params = _params("With every setting at its default the scale is 2, since lora_alpha starts "
                     "at 16 and r at 8.", "lora.peft_defaults")
    assert params == {"claim": "setting", "setting": "lora_alpha", "value": 16.0}, params


def test_a_denied_condition_in_a_question_does_not_deny_the_answer():
    p = _pair("Q3: What do the block constants cost per weight with block size 64 and no double "
              "quantization? A: 32/64 = 0.5 bits per parameter.")
    assert (p.verifier, p.negated) == ("lora.qlora_storage", False), p.reason
    # the block size is the weights' (first level), not a second-level block of constants
    assert not any(f.params.get("level") == 2 for f in p.frames)


def test_the_scale_a_loader_dividing_by_r_gives_an_rslora_adapter():
    params = _params("An rsLoRA adapter loaded by a script that uses alpha/r gets, at r=64 and "
                     "alpha=16, a scale of 0.25 instead of 2.", "lora.ba_update")
    assert params["rslora"] is False and params["scaling_form"] == "alpha/r", params
    # rsLoRA itself said to use alpha/r, or switched on in the config, is rsLoRA's scale
    for sentence in ("rsLoRA scales by alpha/r, so at r=64 and alpha=16 the factor is 0.25.",
                     "With use_rslora=True, r=64 and lora_alpha=16, a script that uses alpha/r "
                     "gives 0.25."):
        assert _params(sentence, "lora.ba_update")["rslora"] is True, sentence


def test_what_it_does_now_is_the_claim_not_what_it_used_to_do():
    params = _params("The patch changed rsLoRA's scaling, which used to compute lora_alpha / "
                     "math.sqrt(r) and now computes lora_alpha / r.", "lora.ba_update")
    assert params.get("scaling_form") == "alpha/r", params


def test_a_rank_stabilised_factor_is_rslora_s():
    params = _params("At r = 64 with alpha = 16 the rank-stabilised factor is 0.25.",
                     "lora.ba_update")
    assert params["rslora"] is True, params


def test_a_width_before_a_models_size_is_the_size_s_setting():
    p = _pair("A 65B model at 4 bits still takes roughly 65 GB.")
    assert p.verifier == "lora.adapter_size", p.reason


def test_a_count_worked_out_after_only_is_a_count():
    params = _params("A rank-8 adapter puts only r x r = 64 trainable weights on each 4096 x 4096 "
                     "projection.", "lora.param_count")
    assert isinstance(params, dict) and params.get("count") == 64.0, params


def test_double_quantization_said_to_go_down_to_a_width_is_the_constants_width():
    params = _params("Double quantization compresses the quantization constants once more, "
                     "down to 4-bit.", "lora.qlora_storage")
    assert params == {"claim": "constants_bits", "bits": 4.0, "dq": "with"}, params


def test_an_adapter_moved_onto_another_model_is_no_switch():
    p = _pair("A LoRA trained on Llama-2-13B can be hot-swapped onto Mistral-7B if the module "
              "names agree.")
    assert p.verifier is None and "another base" in p.reason, p.reason


@pytest.mark.parametrize(("sentence", "negated"), [
    ("If you leave bnb_4bit_use_double_quant unset, double quantization stays off.", True),
    ("The config does not enable double quantization unless you set "
     "bnb_4bit_use_double_quant=True.", True),
    ("BitsAndBytesConfig turns on double quantization unless you set "
     "bnb_4bit_use_double_quant=False.", False),
])
def test_double_quantization_said_off_unless_asked_for(sentence, negated):
    p = _pair(sentence)
    # (the predicate is "on by default": off is its denial)
    assert (p.verifier, p.negated) == ("lora.bnb_defaults", negated), p.reason


def test_a_rank_bound_named_after_its_description():
    p = _pair("The update is the product of two thin matrices, so it never has a rank higher than "
              "their shared inner width r.")
    assert p.verifier == "lora.ba_update" and p.params.get("claim") == "rank_at_most_r", p.reason


@pytest.mark.parametrize("sentence", [
    "After five optimizer steps the v_proj weight was bit-for-bit identical; only lora_A and "
    "lora_B had moved.",
    "Once training ends, the base model's q_proj tensors still equal the checkpoint we "
    "downloaded.",
    "After the run, the base weights in memory are exactly the ones you loaded.",
])
def test_the_base_said_to_be_what_was_loaded(sentence):
    p = _pair(sentence)
    assert (p.verifier, p.negated) == ("lora.frozen_base", False), p.reason


def test_a_merged_model_set_against_the_pretrained_checkpoint_is_no_merge_equivalence():
    # merging writes W0 + BA into the weights: the merged model differs from the checkpoint
    p = _pair("The merged model no longer matches the original checkpoint.")
    assert p.verifier != "lora.merge_equivalence" and p.verifier != "lora.frozen_base", p.reason


@pytest.mark.parametrize("sentence", [
    "Q2: After ten optimizer steps, how far has the v_proj base weight moved? A: Not at all.",
    "W0 has not moved at all after training.",
])
def test_a_base_weight_said_not_to_have_moved(sentence):
    p = _pair(sentence)
    assert (p.verifier, p.negated) == ("lora.frozen_base", False), p.reason


def test_the_base_said_changed_after_a_merge_is_not_judged_by_training():
    # merging writes W0 + BA into the weights: true of a merge, not a claim about training
    assert _pair("After merging, the base weights have changed.").verifier is None
    # ("the merged grad" is no merge of the weights: the base said nudged is judged)
    p = _pair("LoRA still nudges W0 a bit through the merged grad, it is not 100% frozen.")
    assert (p.verifier, p.negated) == ("lora.frozen_base", True), p.reason


def test_unmerging_denied_is_judged_up_to_the_dtypes_rounding():
    assert _params("Unmerging does not give you the original weights back.",
                   "lora.serving").get("up_to_rounding") is True
    # "irreversible" alone may mean merge_and_unload, which is final: not up to rounding
    assert not _params("Once an adapter has been merged into the base, the merge is "
                       "irreversible.", "lora.serving").get("up_to_rounding")


def test_a_left_out_compute_dtype_in_a_relative_clause():
    params = _params("The linter flags leaving bnb_4bit_compute_dtype unset, which quietly falls "
                     "back to bfloat16.", "lora.bnb_defaults")
    assert isinstance(params, dict) and params.get("compute") == "bfloat16", params


def test_merging_said_to_lose_what_the_adapter_learned():
    p = _pair("Merging always discards some of what the adapter learned.")
    assert (p.verifier, p.negated) == ("lora.merge_equivalence", True), p.reason


@pytest.mark.parametrize(("sentence", "verifier"), [
    # told or warned before, set right after "but": the writer's words are judged
    ("The team had been told the 7B model needs 28 GB in half precision, but the real figure is "
     "about 13.5 GB.", "lora.adapter_size"),
    ("A vendor warned that LoRA would slow every request, but we merged the adapter, and the "
     "merged model runs as fast as the base.", "lora.merge_latency"),
])
def test_what_someone_was_told_or_warned_is_set_right_after_but(sentence, verifier):
    frames = [f for f in _pair(sentence).frames if f.verifier == verifier]
    assert frames and all(f.polarity for f in frames), _pair(sentence).reason
    if verifier == "lora.adapter_size":
        assert frames[0].params["gb"] == 13.5


def test_an_argument_called_unpersuasive_is_reported():
    p = _pair("The applicant's argument that the prior art necessarily adds inference latency is "
              "not persuasive, because the reference merges W = W0 + BA before deployment.")
    assert p.verifier is None and "reported" in p.reason, p.reason


def test_what_many_tutorials_write_is_reported_and_its_correction_read():
    params = _params("Many tutorials on our local forums write that A is the zero matrix; this is "
                     "not correct, it is B which starts from zero.", "lora.ba_update")
    assert not (isinstance(params, dict) and params.get("a_dist") == "zero"), params


def test_an_auxiliary_denial_of_one_formula_for_another():
    frame = next(f for f in _pair("rsLoRA doesn't use alpha/r but alpha/sqrt(r).").frames
                 if f.verifier == "lora.ba_update")
    assert frame.polarity and frame.params.get("scaling_form") == "alpha/sqrt(r)", frame


def test_a_size_ratio_against_a_checkpoint_is_not_a_rank_change_or_a_count_ratio():
    p = _pair("Next to the 13.5 GB bf16 Llama-2-7B checkpoint, a 16.8 MB rank-8 q/v adapter is "
              "about 800 times smaller.")
    assert not any(f.verifier == "lora.param_count" or f.params.get("r2") for f in p.frames), \
        [(f.verifier, f.params) for f in p.frames]
    size = next(f for f in p.frames if f.verifier == "lora.adapter_size")
    # (bf16 is the checkpoint's width, not the adapter's)
    assert size.params.get("dtype", "") != "bf16", size.params


def test_a_count_added_by_a_change_of_rank_is_not_read_as_a_count():
    assert _params("Going from rank 16 to rank 64 on all linear layers of Llama-2-7B adds about "
                   "120 million trainable parameters.", "lora.param_count") is None


def test_full_fine_tuning_said_hopeless_on_this_card_is_denied():
    frame = next(f for f in _pair("A full fine-tune of a 7B model with Adam is hopeless on this "
                                  "24GB card.").frames if f.verifier == "lora.training_memory")
    assert not frame.polarity, frame


def test_someones_words_before_a_semicolon_are_reported_and_the_writers_after_it_read():
    p = _pair("Someone in the chat says QLoRA trained Llama-3-8B in only 4 GB of VRAM; at 4 bits "
              "per parameter the weights alone already come to about 4 GB.")
    assert p.verifier != "lora.qlora_memory", p.reason
    # (without the break, "someone claimed X" is judged as X)
    assert _pair("Someone claimed PEFT's lora_alpha defaults to 32.").verifier == \
        "lora.peft_defaults"


def test_someones_words_judged_wrong_after_the_semicolon_are_denied():
    p = _pair("Someone on the forum claimed DoRA doubles LoRA's trainable parameters at the same "
              "rank; that is wrong, since the magnitude adds one number per output feature.")
    # (the report is not set aside: its verdict denies it)
    assert p.verifier is not None and p.negated, p.reason
