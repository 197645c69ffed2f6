"""A count worked out and grouped by a space ("= 65 536 trainable parameters"), r^2 given "per
matrix" for the matrix stated or as "the number of parameters", r(d+k) written with in/out,
DoRA's magnitude vector with its shape written as code, the base model said never to change or
written into, both factors said to start at random, and other wordings once read wrongly (a
misreading, a quoted sentence called wrong, two ranks with two shares, defaults reached by
leaving a setting out)."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params


@pytest.mark.parametrize(("sentence", "count"), [
    ("A 2048 x 2048 weight at rank r = 4 gets 4 * (2048 + 2048) = 16 384 trainable parameters.",
     16384.0),
    ("For d = k = 2048 and r = 4, the adapter adds just r^2 = 16 parameters per matrix.", 16.0),
    # a small count given as "the number of parameters", after the power that gives it
    ("Take one 2048 x 2048 weight at rank 4: the number of added parameters is just 4^2 = 16.",
     16.0),
    ("For a 1024 x 1024 layer at r = 2 the number of trainable parameters is 4096.", 4096.0),
])
def test_one_matrixs_count_worked_out(sentence, count):
    params = _params(sentence, "lora.param_count")
    assert isinstance(params, dict) and params.get("count") == count, params


def test_two_numbers_side_by_side_are_not_joined():
    # "rank 8 256": two numbers, not 8,256
    p = _pair("We trained at rank 8 256 examples at a time.")
    assert all(f.params.get("count") != 8256.0 for f in p.frames), p.frames


@pytest.mark.parametrize("sentence", [
    "Every adapted matrix brings r x (in + out) parameters, never r squared.",
    "Per wrapped layer the adapter holds r * (out_features + in_features) values.",
])
def test_r_times_in_plus_out_is_the_r_d_plus_k_formula(sentence):
    params = _params(sentence, "lora.param_count")
    assert isinstance(params, dict) and params.get("formula") == "r(d+k)", params


@pytest.mark.parametrize(("sentence", "shape"), [
    ("With use_dora=True, every wrapped Linear carries a lora_magnitude_vector of shape "
     "(out_features,).", "per_output"),
    ("Turning on use_dora adds a magnitude vector of size in_features to each layer.",
     "per_input"),
])
def test_doras_magnitude_shape_written_as_code(sentence, shape):
    params = _params(sentence, "lora.dora_budget")
    assert isinstance(params, dict) and params.get("shape") == shape, params


@pytest.mark.parametrize(("sentence", "negated"), [
    ("The good news is that the base model never changes, so dropping the adapter gets you "
     "back to where you began.", False),
    ("The pretrained model does not change while the adapter trains.", False),
    ("Fine-tuning with LoRA writes its updates into the base weights.", True),
])
def test_the_base_model_said_to_change_or_be_written_into(sentence, negated):
    p = _pair(sentence)
    assert (p.verifier, p.negated) == ("lora.frozen_base", negated), p.reason


@pytest.mark.parametrize("sentence", [
    "With LoRA both small matrices start out with random values.",
    "Both of the LoRA factors are initialised from a Gaussian.",
])
def test_both_factors_said_to_start_random(sentence):
    params = _params(sentence, "lora.ba_update")
    assert isinstance(params, dict) and params.get("b_init") == "random", params


def test_a_in_a_product_written_out_is_not_a_said_zero():
    # "B @ A is zero at step 0": the product is zero, not A
    p = _pair("Loss at step 0 equals the base model's because lora_B begins at zero, so B @ A is "
              "zero at step 0 while A is random.")
    assert all(f.params.get("a_dist") != "zero" for f in p.frames), p.frames


@pytest.mark.parametrize("sentence", [
    "Ravi thought bottleneck adapters fold into W like LoRA does; I showed him that the GELU "
    "between the projections makes that impossible.",
    "Whoever wrote that QLoRA trains the base in 4-bit should read the paper again.",
])
def test_what_a_named_person_thought_or_whoever_wrote_is_reported(sentence):
    p = _pair(sentence)
    assert p.verifier != "lora.adapter_merge" or p.negated, p.reason
    if sentence.startswith("Whoever"):
        assert p.verifier is None, p.reason


@pytest.mark.parametrize(("sentence", "negated"), [
    ("The sentence 'an unmerged adapter is as fast as the base model' should go, because it is "
     "wrong.", True),
    ("The claim \"QLoRA keeps the frozen base in 8-bit\" is false.", True),
])
def test_a_quoted_sentence_called_wrong_is_denied(sentence, negated):
    p = _pair(sentence)
    assert p.verifier is not None and p.negated == negated, p.reason


def test_a_figure_for_each_of_two_ranks_is_not_read_as_one_configurations():
    p = _pair("The 0.06% trainable share for Llama-2-7B is only right for q and v at rank 8; at "
              "rank 64 on the same modules it is roughly 0.5%.")
    assert p.verifier is None and "several ranks" in p.reason, p.reason


def test_the_root_of_self_r_is_rsloras_form():
    params = _params("In the rslora branch the code sets self.scaling = self.lora_alpha / "
                     "math.sqrt(self.r).", "lora.ba_update")
    assert isinstance(params, dict) and params.get("scaling_form") == "alpha/sqrt(r)", params


def test_a_count_for_each_projection_beside_the_total_is_not_the_total():
    params = _params("DoRA adds 262,144 trainable values to Llama-2-7B at r=8 on q and v: 4096 "
                     "magnitudes for each of the 64 adapted projections.", "lora.dora_budget")
    assert isinstance(params, dict) and "4096" not in str(params.get("figures", "")), params


def test_a_misreading_named_as_such_is_not_the_writers_claim():
    p = _pair("A frequent misreading is that A is the factor set to zero; in fact B starts at "
              "zero.")
    assert all(f.params.get("a_dist") != "zero" for f in p.frames), p.frames


def test_a_round_trip_said_not_to_be_bit_exact_is_not_read_as_bit_exact():
    params = _params("Unmerging subtracts the delta again; in fp32 this gives W0 back to about "
                     "1e-8, though not bit-exactly.", "lora.serving")
    assert not (isinstance(params, dict) and params.get("bit_exact")), params


def test_use_rslora_set_beside_alpha_over_r_does_not_make_alpha_over_r_the_form():
    params = _params("The run set use_rslora=True, but alpha came from a recipe tuned for plain "
                     "alpha/r (r=64, alpha=128), so the scale went from 2 to 16.",
                     "lora.ba_update")
    assert isinstance(params, dict) and params.get("scaling_form", "") != "alpha/r", params


@pytest.mark.parametrize(("sentence", "name", "value"), [
    ("If you forget lora_dropout, it sits at the default of 0.05.", "dropout", 0.05),
    ("We dropped lora_alpha from the config, so PEFT fell back to its default of 8.", "alpha",
     8.0),
])
def test_a_setting_left_out_falls_back_to_its_default(sentence, name, value):
    params = _params(sentence, "lora.peft_defaults")
    assert isinstance(params, dict) and params.get("value") == value, params


@pytest.mark.parametrize(("sentence", "negated"), [
    ("With rsLoRA the scaling factor no longer depends on the rank.", False),
    ("In plain LoRA the scale depends on the rank.", True),
])
def test_the_scale_said_to_depend_on_the_rank_or_not(sentence, negated):
    p = _pair(sentence)
    frame = next(f for f in p.frames if f.verifier == "lora.ba_update")
    assert frame.params.get("relation") == "same" and p.negated == negated, (frame.params,
                                                                             p.negated)


def test_half_a_byte_with_no_overhead_is_an_exact_width():
    params = _params("In QLoRA each weight takes exactly half a byte and there is no overhead at "
                     "all.", "lora.qlora_storage")
    assert isinstance(params, dict) and params.get("claim") == "bits", params


def test_a_matrix_named_n_square():
    params = _params("For a 2048-square matrix at rank 4 the saving is 99.6%.", "lora.param_count")
    assert isinstance(params, dict) and params.get("d") == params.get("k") == 2048, params


def test_a_glossary_terms_misreading_is_denied():
    # the term before the dash is a label; the misreading after it is denied
    p = _pair("Zero factor - A frequent misreading is that A starts at zero; it is B that does.")
    assert all(not (f.params.get("a_dist") == "zero" and f.polarity) for f in p.frames), p.frames
