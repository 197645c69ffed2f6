"""The analytic QLoRA memory model and the CPU fallback verdicts of qlora_memory."""

import pytest

from verifiers._memory_model import GIB, activation_unit, estimate, linear_params
from verifiers._presets import PRESETS
from verifiers.qlora_memory import VERIFIER, fallback


def test_weight_term_is_bits_times_linear_parameters():
    p = PRESETS["llama-65b"]
    e = estimate(p, bits_per_param=4.127)
    assert e["terms"]["quantized_weights"] == int(linear_params(p) * 4.127 / 8)
    assert e["terms"]["bf16_weights"] == (p.total_params() - linear_params(p)) * 2
    assert e["lora_params"] == p.lora_params(64, tuple(p.linear_shapes()))


def test_paged_state_is_outside_the_allocator():
    p = PRESETS["llama-7b"]
    paged, plain = estimate(p), estimate(p, optimizer="adamw_32bit")
    assert paged["total"] == plain["total"]
    assert plain["allocator"] - paged["allocator"] == paged["paged_optimizer_state"] > 0


def test_activations_grow_with_tokens_and_terms_with_rank():
    p = PRESETS["llama-13b"]
    assert activation_unit(p, 2, 1024) > 3 * activation_unit(p, 1, 512)
    assert estimate(p, r=128)["terms"]["lora_weights"] == 2 * estimate(p)["terms"]["lora_weights"]
    with pytest.raises(ValueError):
        estimate(p, optimizer="sgd")


@pytest.mark.parametrize(("name", "low", "high"), [
    ("llama-7b", 4.0, 7.0), ("llama-65b", 38.0, 46.0), ("llama2-70b", 40.0, 48.0)])
def test_estimates_are_in_the_range_the_paper_reports(name, low, high):
    assert low < estimate(PRESETS[name])["total"] / GIB < high


def fb(**raw):
    return fallback(VERIFIER.resolve_params(raw))


def test_fallback_refutes_when_the_weights_alone_exceed_the_gpu():
    out = fb(size_b=70, gpu="consumer")
    assert out["verdict"] == "refuted"
    assert out["measured"]["weights_alone_gib"] > 24
    assert "24 GiB" in out["explanation"]
    assert fb(size_b=70, gpu="consumer", claim="does_not_fit")["verdict"] == "supported"
    assert fb(size_b=175, gpu_gb=80)["verdict"] == "refuted"


def test_fallback_judges_a_llama_shaped_preset_with_the_estimate_and_its_margin():
    out = fb(size_b=65, gpu_gb=48)
    assert out["verdict"] == "supported"  # 42.4 GiB resident, + 5% still within 48
    assert 38 < out["measured"]["estimate_total_gib"] < 46
    assert "5% margin" in out["explanation"]
    assert fb(size_b=65, gpu_gb=43)["verdict"] == "unverifiable"  # too close to call


def test_fallback_waits_for_the_gpu_where_the_model_cannot_count_the_layout():
    out = fb(size_b=175, gpu_gb=1000)  # GPT-3: no Llama block
    assert out["verdict"] == "skipped" and "estimates" in out["explanation"]


def test_fallback_says_unverifiable_for_a_size_without_a_preset():
    assert fb(size_b=40)["verdict"] == "unverifiable"


def test_consumer_gpu_size_is_a_parameter():
    assert fb(size_b=33, gpu="consumer", consumer_gb=12)["verdict"] == "refuted"
    assert fb(size_b=33, gpu="consumer")["verdict"] == "supported"
