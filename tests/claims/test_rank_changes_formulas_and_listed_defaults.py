"""A change of rank told in the past tense with its factor ("raised the rank from 16 to 64, a
16-fold increase"), r^2 as what a count comes down to or a helper returns, the defaults of
BitsAndBytesConfig listed as settings, and an unmerge said to restore W0 bit for bit."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params


@pytest.mark.parametrize(("sentence", "rank_factor", "count_factor"), [
    # (a wrong factor: 4x the rank gives 4x the count, so this is refuted when run)
    ("Last month we raised the LoRA rank from 8 to 32 on every projection, a 16-fold increase "
     "in trainable parameters.", 4.0, 16.0),
    ("The team moved the rank from 16 to 32, which made the trainable count 2 times larger.",
     2.0, 2.0),
])
def test_a_rank_change_in_the_past_tense_is_read_with_its_factor(sentence, rank_factor,
                                                                  count_factor):
    params = _params(sentence, "lora.rank_scaling")
    assert isinstance(params, dict), params
    assert (params["rank_factor"], params["count_factor"]) == (rank_factor, count_factor), params


def test_a_factor_of_fewer_parameters_after_a_rank_change_is_not_the_change():
    # "N x fewer" after the change compares with something else, not the two ranks' counts
    params = _params("We raised the rank from 8 to 16, and the adapter still trains about 4x "
                     "fewer parameters than before.", "lora.rank_scaling")
    assert not isinstance(params, dict) or params.get("count_factor") != 4.0, params


@pytest.mark.parametrize("sentence", [
    "Low-rank factors bring the trainable values of one matrix from d x k down to r^2.",
    "count_lora(d, r): for a d x d weight, returns r**2, the number of trainable parameters the "
    "update adds.",
])
def test_r_squared_as_the_count_is_the_r2_formula(sentence):
    params = _params(sentence, "lora.param_count")
    assert isinstance(params, dict) and params.get("formula") == "r^2", params


def test_defaults_listed_as_settings_are_default_claims():
    frames = _pair("make_config(): copies the defaults of BitsAndBytesConfig(), namely "
                   "bnb_4bit_quant_type='nf4' and bnb_4bit_compute_dtype=torch.float16.").frames
    got = {f.params.get("claim"): f.params for f in frames if f.verifier == "lora.bnb_defaults"}
    assert got["quant_type"]["quant_type"] == "nf4", got
    assert got["compute_dtype"]["compute"] == "float16", got


def test_unmerging_said_to_restore_w0_bit_for_bit_is_an_exact_round_trip():
    params = _params("Unmerging takes away exactly what merging put in, so each base matrix comes "
                     "back bit-for-bit equal to W0.", "lora.serving")
    assert isinstance(params, dict) and params.get("bit_exact") is True, params


@pytest.mark.parametrize(("sentence", "a_zero"), [
    # the zero factor named last, and "zero-initialises" before lora_B
    ("To settle the argument: the factor that starts at zero is B, not A.", False),
    ("setup_adapter(): zero-initialises lora_B and draws lora_A at random.", False),
    ("The matrix which is initialised to zeros is A.", True),
])
def test_which_factor_starts_at_zero_is_read(sentence, a_zero):
    params = _params(sentence, "lora.ba_update")
    assert isinstance(params, dict), params
    # A said to be zero is its own claim (refuted when run); B zero is the base-equality claim
    assert (params.get("a_dist") == "zero") == a_zero, params


def test_latency_written_as_an_equation_with_the_base_is_no_added_latency():
    frames = _pair("Merged adapter: inference latency = base model latency.").frames
    assert any(f.verifier == "lora.merge_latency" and f.polarity for f in frames), frames


def test_a_clause_of_the_writers_after_instead_of_is_kept():
    from kbcheck.claims.normalise import normalise

    assert normalise("rsLoRA in one line: instead of dividing alpha by r you divide by the "
                     "square root of r.") == ("rsLoRA in one line: you divide by the square root "
                                               "of r.")
    params = _params("rsLoRA in one line: instead of dividing alpha by r you divide by the square "
                     "root of r.", "lora.ba_update")
    assert isinstance(params, dict), params


@pytest.mark.parametrize(("sentence", "key", "value"), [
    ("Note that bnb_4bit_compute_dtype is float32 unless you set it yourself.", "compute",
     "float32"),
    ("If you pass nothing, the default quantization type is fp4.", "quant_type", "fp4"),
])
def test_a_default_stated_with_its_condition(sentence, key, value):
    params = _params(sentence, "lora.bnb_defaults")
    assert isinstance(params, dict) and params.get(key) == value, params


def test_base_weights_that_do_not_budge_are_frozen():
    frames = _pair("During LoRA training the base weights don't budge at all.").frames
    assert any(f.verifier == "lora.frozen_base" and f.polarity for f in frames), frames
