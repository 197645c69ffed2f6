"""A denial inside a relative clause on the subject, a clause after "and"/"while" with its own
subject, a noun compound ("base weight drift"), a specification's claim set right after "but",
modules named as "attention and MLP alike", a width as the setting a size is worked out at,
bitsandbytes defaults reached by leaving a setting out, one base copy with many adapters
attached, a total worked out from one adapter's size, "alpha multiplied by r", a count after
"only", and a method named only in a "where" clause after the claim."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params


@pytest.mark.parametrize("sentence", [
    # the denial belongs to the relative clause, the main verb comes after it
    "Any tensor that is not a lora_A or lora_B weight reports requires_grad=False.",
    "Every parameter that isn't part of an adapter has requires_grad set to False.",
    # the clause after "and"/"while" has a subject of its own, and its "never" is its own
    "Gradients flow only into A and B, and W0 is never updated.",
    "Gradients are computed only for the adapter, while W0 keeps requires_grad=False.",
    # a noun compound in brackets is no verb of change
    "Item 4 (pretrained weight drift) is closed: the pretrained weights stay frozen under LoRA.",
])
def test_the_base_said_frozen_is_not_read_as_denied(sentence):
    p = _pair(sentence)
    assert (p.verifier, p.negated) == ("lora.frozen_base", False), p.reason


def test_a_specifications_figure_set_right_after_but_is_not_the_writers():
    sentence = ("The spec says each customer adapter is 'about 9 MB', but rank 16 on all linear "
                "layers of Llama-3-8B is about 84 MB in bf16.")
    p, params = _pair(sentence), _params(sentence, "lora.adapter_size")
    assert p.verifier == "lora.adapter_size" and isinstance(params, dict), p.reason
    assert abs(params["mb"] - 84) < 1, params


def test_attention_and_mlp_alike_are_all_linear_layers():
    params = _params("We adapted every projection of Llama-3-8B, attention and MLP alike, at rank "
                     "16, which trains about 42 million parameters.", "lora.param_count")
    assert isinstance(params, dict) and params.get("modules") == "all", params


@pytest.mark.parametrize(("sentence", "codes_only"), [
    ("At exactly 4 bits per parameter, Llama-2-13B takes about 6.5 GB.", True),
    ("Loaded in 4-bit NF4, Llama-2-7B takes about 3.9 GB.", False),
])
def test_a_width_as_the_setting_of_a_size_is_not_a_storage_claim(sentence, codes_only):
    p = _pair(sentence)
    # (an exact width opening the clause is the setting, not a claim about NF4's storage)
    assert "lora.qlora_storage" not in [f.verifier for f in p.frames] or not codes_only, p.reason
    params = _params(sentence, "lora.adapter_size")
    assert isinstance(params, dict) and bool(params.get("codes_only")) == codes_only, params


@pytest.mark.parametrize(("sentence", "verifier", "key", "value"), [
    ("If you leave out bnb_4bit_quant_type you simply get FP4.", "lora.bnb_defaults",
     "quant_type", "fp4"),
    ("bnb_4bit_compute_dtype is already float16 by default.", "lora.bnb_defaults",
     "compute", "float16"),
    ("If you omit bnb_4bit_compute_dtype, it becomes float32.", "lora.bnb_defaults",
     "compute", "float32"),
])
def test_a_default_reached_by_leaving_a_setting_out(sentence, verifier, key, value):
    params = _params(sentence, verifier)
    assert isinstance(params, dict) and params.get(key) == value, params


@pytest.mark.parametrize(("sentence", "negated"), [
    ("Dozens of adapters can therefore share one resident copy of the base model.", False),
    ("The router keeps a single copy of the base in memory and attaches several LoRA adapters "
     "to it.", False),
    ("Moving a tenant to another adapter always means loading the base model again.", True),
    ("Calling set_adapter('second') removes adapter 'first', so it must be loaded again.", True),
])
def test_one_base_copy_or_reloading_it(sentence, negated):
    p = _pair(sentence)
    assert (p.verifier, p.negated) == ("lora.hot_swap", negated), p.reason


def test_one_adapters_size_then_a_total_worked_out_from_it():
    params = _params("One rank-8 adapter on q and v of Llama-2-7B is about 8.4 MB in fp16, so two "
                     "hundred of them fit in under 2 GB.", "lora.adapter_size")
    assert isinstance(params, dict) and abs(params["mb"] - 8.4) < 0.01, params


def test_alpha_multiplied_by_r_is_a_product():
    params = _params("LoRA's scale is alpha multiplied by r.", "lora.ba_update")
    assert isinstance(params, dict) and params.get("scaling_form") == "alpha*r", params


def test_a_count_after_only_is_a_count_not_a_freezing():
    p = _pair("On Llama-2-7B at rank 8 on q and v, only 4,194,304 parameters are trained.")
    assert p.verifier == "lora.param_count", p.reason


def test_nothing_else_beside_the_codes_is_no_overhead():
    params = _params("This loader keeps each weight in 4 bits and nothing else.",
                     "lora.qlora_storage")
    assert isinstance(params, dict) and params.get("claim") == "bits", params


def test_a_method_named_in_a_where_clause_after_the_claim_is_not_its_subject():
    p = _pair("The team tuned a 33B model on one 24 GB card with QLoRA, where full fine-tuning "
              "would have needed several hundred GB.")
    subjects = {f.subject for f in p.frames if f.predicate == "fits_gpu"}
    assert subjects and "full_ft" not in subjects, [(f.subject, f.predicate) for f in p.frames]


def test_adapters_set_against_the_bottleneck_kind_are_another_kind():
    # "the proposed adapters" are the writer's own, not the Houlsby adapters they are set against
    p = _pair("Unlike the classic bottleneck design, whose extra layers stay in the forward pass, "
              "our adapters can be folded into the weights.")
    assert p.verifier is None, p.reason
    # the bottleneck adapters named bare are still judged
    assert _pair("Bottleneck adapters cannot be folded into the weights.").verifier == \
        "lora.adapter_merge"
