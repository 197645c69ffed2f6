"""lora.param_count: counts per matrix (real and meta tensors) and per model preset."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from paired import paired_params as shape_params

from verifiers.param_count import VERIFIER, count_matrix, model_row


def _params(sentence):
    params = shape_params(VERIFIER, sentence)
    assert params is not None, sentence
    return params


def test_seed_99_6_percent_for_r16_is_refuted_and_r8_is_named():
    out = VERIFIER.run(_params("For d=k=4096, r=16: 99.6% reduction"))
    assert out["verdict"] == "refuted"
    row = out["measured"]["matrices"][0]
    assert (row["full"], row["lora"]) == (4096 * 4096, 16 * 8192)
    assert row["reduction_pct"] == pytest.approx(99.21875)
    assert 8 in out["measured"]["ranks_that_match"]
    assert VERIFIER.run(_params("With d = k = 4,096 and rank 8, LoRA gives a 99.6% reduction in "
                                "parameters."))["verdict"] == "supported"


def test_large_matrix_is_counted_on_meta_device():
    row = count_matrix(10**6, 10**6, 4)
    assert row["device"] == "meta" and row["full"] == 10**12 and row["lora"] == 8 * 10**6


def test_up_to_10000x_is_conditional_and_names_configurations():
    out = VERIFIER.run(_params("Instead of updating all model parameters during fine-tuning, "
                               "LoRA injects small, trainable low-rank matrices into the model's "
                               "weight layers, reducing trainable parameters by up to 10,000x "
                               "while maintaining near full-fine-tuning performance."))
    assert out["verdict"] == "conditional"
    configs = [x["config"] for x in out["measured"]["holding_examples"]]
    assert "gpt3-175b r=1 on q,v" in configs
    assert out["measured"]["typical"]["ratio"] == pytest.approx(1606.6, abs=0.1)


def test_fraction_range_and_false_fraction():
    out = VERIFIER.run(_params("Parameter efficiency: Train 0.1-1% of original parameters"))
    assert out["verdict"] == "conditional"
    false = _params("On LLaMA 7B with r=8 on q and v, LoRA trains 5-10% of the parameters.")
    assert (false["model"], false["r"]) == ("llama-7b", 8)
    out = VERIFIER.run(false)
    assert out["verdict"] == "refuted"
    assert out["measured"]["not_holding_examples"][0]["fraction_pct"] == pytest.approx(0.06224,
                                                                                       abs=1e-4)




def test_stated_count_both_directions():
    true = _params("GPT-3 175B with LoRA r=4 on the query and value projections has 18.9M "
                   "trainable parameters.")
    assert VERIFIER.run(true)["verdict"] == "supported"
    false = _params("GPT-3 175B with LoRA r=4 on the query and value projections has 189M "
                    "trainable parameters.")
    assert VERIFIER.run(false)["verdict"] == "refuted"


def test_meta_count_matches_analytic_preset_count():
    row = model_row("llama2-70b", "all", 16)
    # q 8192->8192, k/v 8192->1024, o 8192->8192, gate/up 8192->28672, down 28672->8192
    per_block = 16 * (2 * 8192 + 2 * (8192 + 1024) + 8192 * 2 + 3 * (8192 + 28672))
    assert row["lora"] == 80 * per_block


@pytest.mark.parametrize("sentence", [
    "LoRA reduces GPU memory by 3x.",
    "QLoRA enables 65B fine-tuning on a single 48GB GPU.",
    "LoRA adapters are 5-50 MB.",
])
def test_shapes_leave_memory_and_size_claims(sentence):
    assert shape_params(VERIFIER, sentence) is None






def test_matrix_count_without_unit_suffix():
    params = _params("For a 4096 x 4096 weight matrix, rank-16 LoRA needs 131,072 trainable "
                     "parameters instead of 16.7M.")
    assert (params["claim"], params["d"], params["k"], params["r"]) == ("count", 4096, 4096, 16)
    assert VERIFIER.run(params)["verdict"] == "supported"
    assert VERIFIER.run({**params, "count": 262144.0})["verdict"] == "refuted"


def test_huge_stated_matrix_is_counted_without_allocating():
    params = VERIFIER.resolve_params({"claim": "reduction_pct", "d": "1e9", "k": "1e9", "r": 8,
                                      "pct": 99.9999})
    out = VERIFIER.run(params)
    row = out["measured"]["matrices"][0]
    assert row["device"] == "meta" and row["full"] == 10**18
    assert out["verdict"] == "refuted"  # 99.9999984%, not 99.9999% to the stated digits


@settings(max_examples=30, deadline=None)
@given(d=st.integers(2, 5000), k=st.integers(2, 5000), r=st.integers(1, 64))
def test_any_matrix_true_percentage_supported_and_a_wrong_one_refuted(d, k, r):
    assume(r * (d + k) < d * k)
    true = 100.0 * (1 - r * (d + k) / (d * k))
    assume(true >= 2.0)
    base = {"claim": "reduction_pct", "d": d, "k": k, "r": r}
    stated = VERIFIER.resolve_params({**base, "pct": f"{true:.2f}"})
    assert VERIFIER.run(stated)["verdict"] == "supported"
    wrong = VERIFIER.resolve_params({**base, "pct": f"{true - 1.0:.2f}"})
    assert VERIFIER.run(wrong)["verdict"] == "refuted"
