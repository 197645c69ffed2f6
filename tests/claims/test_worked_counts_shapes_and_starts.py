"""A count worked out and grouped by a space ("= 65 536 trainable parameters"), r^2 given "per
matrix" for the matrix stated, r(d+k) written with in/out, DoRA's magnitude vector with its shape
written as code, the base model said never to change or written into, and both factors said to
start at random."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params


@pytest.mark.parametrize(("sentence", "count"), [
    ("A 2048 x 2048 weight at rank r = 4 gets 4 * (2048 + 2048) = 16 384 trainable parameters.",
     16384.0),
    ("For d = k = 2048 and r = 4, the adapter adds just r^2 = 16 parameters per matrix.", 16.0),
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
