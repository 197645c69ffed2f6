"""One base copy for many tenants, base weights said to change "a little", no gradient for W0,
a file size said to be the same "whether" the rank is 8 or 64, a size restated in the other unit
after "which corresponds to", LoRA+'s ratio said to have no default, and the default scaling
written with lora_alpha / r."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params


@pytest.mark.parametrize("sentence", [
    "Hosting all 40 clients takes just one resident copy of the base weights, because each "
    "adapter sits on top of it.",
    "We keep a single copy of the backbone in memory and attach a separate adapter per request.",
])
def test_one_base_copy_for_many_is_hot_swapping(sentence):
    p = _pair(sentence)
    assert (p.verifier, p.negated) == ("lora.hot_swap", False), p.reason


@pytest.mark.parametrize(("sentence", "negated"), [
    ("Watch out: after a LoRA run the pretrained weights also change a little.", True),
    ("While the adapter trains, no gradient is ever computed for W0.", False),
    ("Its values stay exactly as in the original checkpoint, since W0 is never trained.", False),
])
def test_the_base_said_to_change_or_not(sentence, negated):
    p = _pair(sentence)
    assert (p.verifier, p.negated) == ("lora.frozen_base", negated), p.reason


def test_a_comparison_of_how_much_the_base_changes_is_not_a_change_said():
    # "change a lot less than ..." compares amounts of change; it is not read as "changes"
    p = _pair("With LoRA the base weights change a lot less than in full fine-tuning.")
    assert p.verifier != "lora.frozen_base" or not p.negated, p.reason


def test_a_file_the_same_size_whether_the_rank_is_low_or_high_denies_the_scaling():
    p = _pair("Our saved adapter has the same size whether we train it at r=4 or at r=32.")
    assert (p.verifier, p.negated) == ("lora.adapter_size", True), p.reason


@pytest.mark.parametrize(("sentence", "gb2"), [
    ("Mistral-7B in bf16 takes 14.5 GB, which corresponds to roughly 13.5 GiB.", 13.5),
    ("Llama-2-7B in fp16 is 13.5 GB, which translates to 12.6 GiB.", 12.6),
])
def test_a_size_restated_after_which_corresponds_to_is_the_restatement(sentence, gb2):
    params = _params(sentence, "lora.adapter_size")
    assert isinstance(params, dict), params
    assert params.get("binary2") is True and abs(params["gb2"] - gb2) < 1e-9, \
        params


@pytest.mark.parametrize(("sentence", "key", "value"), [
    ("Keep in mind that create_loraplus_optimizer has no default for the ratio.",
     "has_default", True),
    ("Per the docs, create_loraplus_optimizer picks a default loraplus_lr_ratio of 8.",
     "default", 8.0),
])
def test_the_loraplus_ratio_default_named_in_words_or_after_default(sentence, key, value):
    params = _params(sentence, "lora.loraplus")
    assert isinstance(params, dict), params
    assert params["arg"] == "loraplus_lr_ratio" and params.get(key) == value, params


@pytest.mark.parametrize(("sentence", "value"), [
    ("With LoraConfig() defaults, the scaling lora_alpha / r comes out as 2.", 2.0),
    ("Out of the box the scaling, lora_alpha / r, works out to 1.", 1.0),
])
def test_the_default_scaling_written_with_its_formula(sentence, value):
    params = _params(sentence, "lora.peft_defaults")
    assert isinstance(params, dict) and params.get("value") == value, params


def test_a_correction_of_a_claim_about_dora_made_beside_lora_is_about_dora():
    # the report names DoRA and LoRA (the article's method); the writer's words after "but it
    # does:" are DoRA's
    p = _pair("You write that DoRA costs nothing beyond LoRA, but it does: one trainable "
              "magnitude value per output channel of each adapted matrix.")
    assert p.verifier == "lora.dora_budget" and not p.negated, p.reason


def test_the_last_factor_of_a_product_worked_out_is_not_the_width():
    # "r x d = 32,768": 32,768 is the product's value, not d
    params = _params("A rank-8 adapter on a 4096 x 4096 matrix trains r x d = 32,768 "
                     "parameters.", "lora.param_count")
    assert isinstance(params, dict) and params.get("d") == 4096 and \
        params.get("count") == 32768.0, params


def test_a_claim_the_writer_had_read_somewhere_is_not_the_writers():
    # (a bare "I read that X" is left to be judged: it is often how a writer states X)
    p = _pair("We had read that an adapter of rank 16 doubles the size of the base model.")
    assert p.verifier is None and "reported" in p.reason, p.reason
