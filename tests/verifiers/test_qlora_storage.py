"""qlora_storage: NF4 measured with bitsandbytes on the CPU, true and false claims both ways."""

import pytest

pytest.importorskip("bitsandbytes", reason="bitsandbytes not installed: NF4 cannot be measured")

from verifiers._nf4 import layout_bits, measure_bits, nf4_code  # noqa: E402
from verifiers.qlora_storage import VERIFIER  # noqa: E402


def run(**raw):
    return VERIFIER.run(VERIFIER.resolve_params(raw))


def test_measured_bits_match_the_paper_and_the_layout():
    with_dq, without = measure_bits(double_quant=True), measure_bits(double_quant=False)
    assert with_dq["bits_per_param"] == pytest.approx(4.127, abs=1e-3)
    assert without["bits_per_param"] == pytest.approx(4.5, abs=1e-9)
    # The layout leaves out one fp32 offset per tensor: 32 bits over a million parameters.
    assert with_dq["bits_per_param"] == pytest.approx(layout_bits(64, True), abs=1e-4)
    assert with_dq["absmax_dtype"] == "uint8" and without["absmax_dtype"] == "float32"
    assert with_dq["relative_error"] < 0.2  # a real quantization, not a zeroed tensor


def test_nf4_code_has_sixteen_asymmetric_values_and_an_exact_zero():
    code = nf4_code()
    assert len(code) == 16 and 0.0 in code and code[0] == -1.0 and code[-1] == 1.0
    assert sum(v < 0 for v in code) == 7 and sum(v > 0 for v in code) == 8


@pytest.mark.parametrize(("raw", "verdict"), [
    ({"claim": "bits", "bits": 4.127}, "supported"),
    ({"claim": "bits", "bits": 4.5}, "refuted"),
    ({"claim": "bits", "bits": 4.5, "double_quant": False}, "supported"),
    ({"claim": "bits", "bits": 4.0, "double_quant": False}, "refuted"),
    ({"claim": "dq_saving", "saving": 0.37}, "supported"),
    ({"claim": "dq_saving", "saving": 1.0}, "refuted"),
    ({"claim": "nf4_code", "levels": 16}, "supported"),
    ({"claim": "nf4_code", "levels": 8}, "refuted"),
    ({"claim": "nf4_code", "symmetric": True}, "refuted"),
    ({"claim": "four_bit", "bits": 4}, "supported"),
    ({"claim": "four_bit", "bits": 8}, "refuted"),
])
def test_storage_claims_both_ways(raw, verdict):
    out = run(**raw)
    assert out["verdict"] == verdict, out["explanation"]
    assert out["measured"] and out["expected"]


def test_refuted_bits_claim_shows_the_true_value():
    out = run(claim="bits", bits=4.5)
    assert "4.1270" in out["explanation"]
    assert out["measured"]["bits_per_param"] == pytest.approx(4.127, abs=1e-3)


def test_dq_saving_is_about_three_gigabytes_on_65b():
    out = run(claim="dq_saving")
    assert out["measured"]["saving_bits"] == pytest.approx(0.373, abs=1e-3)
    assert out["measured"]["saved_gb_65b"] == pytest.approx(3.0, abs=0.1)


def test_composition_trains_lora_on_a_frozen_4bit_base():
    pytest.importorskip("peft", reason="peft not installed")
    out = run(claim="composition")
    m = out["measured"]
    assert out["verdict"] == "supported", out["explanation"]
    assert m["all_nf4"] and m["base_unchanged"] and not m["base_trainable"]
    assert m["adapters_changed"] == m["adapters"] > 0
    assert m["bits_per_stored_weight"] == 4.0 and m["base_ratio"] < 0.35
    false = run(claim="composition", adapters_quantized=True)
    assert false["verdict"] == "refuted" and "not quantized" in false["explanation"]
