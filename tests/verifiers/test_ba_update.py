"""lora.ba_update: shape, rank, scale and zero-init of the update B A."""

import pytest
from claim_match import shape_params

from verifiers.ba_update import VERIFIER


@pytest.mark.parametrize(("sentence", "expect"), [
    # seeds
    ("For a weight matrix W, the update is W' = W + BA, where B and A have much lower rank than "
     "W.", {"claim": "rank_at_most_r"}),
    ("LoRA constrains that update to the form A x B where A and B are much smaller than W.",
     {"claim": "delta_shape", "order": "AB"}),
    ("self.scaling = alpha / r", {"claim": "scaling", "scaling_form": "alpha/r"}),
    # the pseudo-code claim as the claims stage words it
    ("Its forward pass equals the base model's at initialisation (d=64, k=32, r=4, alpha=8).",
     {"claim": "init_equals_base", "d": 64, "k": 32, "r": 4, "alpha": 8.0}),
    # paraphrases and negations
    ("Because B is initialised to zero, the adapted model starts out identical to the base "
     "model.", {"claim": "init_equals_base"}),
    ("With B initialised randomly, the LoRA model's output is the same as the base at "
     "initialization.", {"claim": "init_equals_base", "b_init": "random"}),
    ("Even at initialization the LoRA branch changes the model's output.",
     {"claim": "init_changes_output"}),
    ("B is initialized to zero so that BA = 0 at the start of training.",
     {"claim": "init_equals_base", "b_init": "zeros"}),
    ("The initial LoRA model is different from the base model.",
     {"claim": "init_changes_output"}),
    ("The update ΔW = B·A has the same d×k shape as W.", {"claim": "delta_shape", "order": "BA"}),
    ("The rank of ΔW can never exceed r.", {"claim": "rank_at_most_r"}),
    ("LoRA's update ΔW is full-rank.", {"claim": "full_rank"}),
    ("rsLoRA scales the update by alpha/sqrt(r).",
     {"claim": "scaling", "scaling_form": "alpha/sqrt(r)", "rslora": True}),
    ("rsLoRA scales the update by alpha / r.",
     {"claim": "scaling", "scaling_form": "alpha/r", "rslora": True}),
    ("LoRA multiplies the update by alpha/√r.",
     {"claim": "scaling", "scaling_form": "alpha/sqrt(r)", "rslora": False}),
])
def test_shapes(sentence, expect):
    params = shape_params(VERIFIER, sentence)
    assert params is not None, sentence
    assert {k: params[k] for k in expect} == expect


def test_shapes_ignore_merge_sentence():
    params = shape_params(VERIFIER, "LoRA weights can be merged into the base model "
                                    "(W' = W + BA)")
    assert params is None


def _run(**raw):
    return VERIFIER.run(VERIFIER.resolve_params(raw))


def test_zero_init_equals_base_exactly_and_random_b_does_not():
    out = _run(claim="init_equals_base", d=64, k=32, r=4, alpha=8)
    assert out["verdict"] == "supported"
    assert out["measured"]["reference"]["max_abs_diff"] == 0.0
    assert _run(claim="init_changes_output", d=64, k=32, r=4)["verdict"] == "refuted"
    random_b = _run(claim="init_equals_base", d=64, k=32, r=4, b_init="random")
    assert random_b["verdict"] == "refuted"
    assert random_b["measured"]["reference"]["max_abs_diff"] > 0


def test_delta_shape_and_factor_order():
    out = _run(claim="delta_shape", d=4096, k=11008, r=16)
    assert out["verdict"] == "supported"
    assert out["measured"]["reference"]["delta_shape"] == [4096, 11008]
    assert out["measured"]["reference"]["device"] == "meta"
    assert _run(claim="delta_shape", order="AB", d=64, k=32)["verdict"] == "conditional"


def test_rank_measured_at_most_r_and_full_rank_refuted():
    out = _run(claim="rank_at_most_r", d=96, k=80, r=6)
    assert out["verdict"] == "supported" and out["measured"]["reference"]["rank"] == 6
    wrong = _run(claim="full_rank", d=96, k=80, r=6)
    assert wrong["verdict"] == "refuted" and wrong["measured"]["reference"]["min_dk"] == 80


def test_scaling_both_directions():
    assert _run(claim="scaling", scaling_form="alpha/r", r=8, alpha=16)["verdict"] == "supported"
    rs = _run(claim="scaling", scaling_form="alpha/sqrt(r)", rslora=True, r=16, alpha=16)
    assert rs["verdict"] == "supported"
    assert rs["measured"]["reference"]["effective_scaling"] == pytest.approx(4.0, rel=1e-5)
    assert _run(claim="scaling", scaling_form="alpha/r", rslora=True, r=16)["verdict"] == \
        "refuted"
    assert _run(claim="scaling", scaling_form="alpha/sqrt(r)", r=16)["verdict"] == "conditional"


@pytest.mark.parametrize(("sentence", "order"), [
    (r"\( B \in \mathbb{R}^{d \times r} \)", "BA"),
    (r"\( A \in \mathbb{R}^{r \times k} \)", "BA"),
    ("A: Down-projection matrix (trainable, r × k, where r << d,k)", "BA"),
    ("In LoRA, A has shape d × r and B has shape r × k.", "AB"),
])
def test_factor_shape_lines(sentence, order):
    params = shape_params(VERIFIER, sentence)
    assert params is not None and (params["claim"], params["order"]) == ("delta_shape", order)


def test_rank_of_a_stated_huge_matrix_is_measured_on_a_capped_slice():
    out = _run(claim="rank_at_most_r", d=65536, k=65536, r=16)
    ref = out["measured"]["reference"]
    assert out["verdict"] == "supported" and ref["rank"] == 16 and ref["min_dk"] == 65536
    assert "measured at d=4096" in ref["rank_method"]
