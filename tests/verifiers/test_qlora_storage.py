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


def around(value, pad=0.02):
    return {"low": value - pad, "high": value + pad}


@pytest.mark.parametrize(("raw", "verdict"), [
    ({"claim": "bits", "bits": 4.127, **around(4.127)}, "supported"),
    ({"claim": "bits", "bits": 4.5, **around(4.5)}, "refuted"),
    ({"claim": "bits", "bits": 4.5, "dq": "without", **around(4.5)}, "supported"),
    ({"claim": "bits", "bits": 4.0, "dq": "without", **around(4.0)}, "refuted"),
    # double quantization unstated: 4.5 holds without it only; 4.3 holds for neither
    ({"claim": "bits", "bits": 4.5, "dq": "either", **around(4.5)}, "conditional"),
    ({"claim": "bits", "bits": 4.3, "dq": "either", **around(4.3)}, "refuted"),
    # the block scales alone: 0.5 bits without double quantization, 0.127 with it
    ({"claim": "overhead", "bits": 0.127, **around(0.127)}, "supported"),
    ({"claim": "overhead", "bits": 0.5, **around(0.5)}, "refuted"),
    ({"claim": "overhead", "bits": 0.5, "dq": "either", **around(0.5)}, "conditional"),
    ({"claim": "dq_saving", "bits": 0.37, **around(0.37)}, "supported"),
    ({"claim": "dq_saving", "bits": 0.333, "low": 0.33, "high": 1e12}, "supported"),
    ({"claim": "dq_saving", "bits": 0.5, **around(0.5, 0.05)}, "refuted"),
    ({"claim": "dq_saving", "bits": 1.0, **around(1.0)}, "refuted"),
    ({"claim": "nf4_code", "property": "levels", "levels": 16}, "supported"),
    ({"claim": "nf4_code", "property": "levels", "levels": 8}, "refuted"),
    ({"claim": "nf4_code", "property": "symmetric"}, "refuted"),
    ({"claim": "nf4_code", "property": "asymmetric"}, "supported"),
    ({"claim": "nf4_code", "property": "exact_zero"}, "supported"),
    ({"claim": "nf4_code", "property": "range"}, "supported"),
    ({"claim": "four_bit", "bits": 4}, "supported"),
    ({"claim": "four_bit", "bits": 8}, "refuted"),
    ({"claim": "cpu_quantize"}, "supported"),
    ({"claim": "compute", "bits": 16}, "supported"),
    ({"claim": "compute", "bits": 32}, "supported"),
    ({"claim": "compute", "bits": 4}, "refuted"),
    ({"claim": "activations"}, "refuted"),
])
def test_storage_claims_both_ways(raw, verdict):
    out = run(**raw)
    assert out["verdict"] == verdict, out["explanation"]
    assert out["measured"] and out["expected"]


def test_refuted_bits_claim_shows_the_true_value():
    out = run(claim="bits", bits=4.5, **around(4.5))
    assert "4.1270" in out["explanation"]
    assert out["measured"]["bits_per_param"] == pytest.approx(4.127, abs=1e-3)


def test_dq_saving_is_about_three_gigabytes_on_65b():
    out = run(claim="dq_saving", bits=0.373, **around(0.373))
    assert out["measured"]["saving_bits"] == pytest.approx(0.373, abs=1e-3)
    assert out["measured"]["saved_gb_65b"] == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize(("stated", "low", "high", "verdict"), [
    (3.0, 2.2, 3.8, "supported"),  # "roughly 3 GB"
    (6.0, 5.5, 6.5, "refuted"),
])
def test_dq_saving_in_bytes_on_a_preset(stated, low, high, verdict):
    out = run(claim="dq_bytes", size_b=65, stated=stated, low=low, high=high)
    assert out["verdict"] == verdict, out["explanation"]
    assert out["measured"]["preset"] == "llama-65b"
    assert out["measured"]["saved_gb"] == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize(("stated", "low", "high", "verdict"), [
    (3.0, 2.7, 3.3, "refuted"),  # ten times the saving: 0.37 bits, not bytes, per parameter
    (0.35, 0.315, 0.385, "supported"),
    (0.3, 0.27, 0.33, "conditional"),  # only if few of its parameters are quantized
])
def test_dq_saving_in_bytes_on_a_bare_size_no_paper_model_is_near(stated, low, high, verdict):
    out = run(claim="dq_bytes", size_b=8, stated=stated, low=low, high=high)
    assert out["verdict"] == verdict, out["explanation"]
    low_gb, high_gb = out["measured"]["saved_gb"]
    assert high_gb == pytest.approx(0.373, abs=0.01)  # every one of 8e9 parameters at 0.373 bits
    assert 0.8 * high_gb < low_gb < high_gb


def test_dq_saving_in_bytes_on_a_named_model_uses_its_own_linears():
    from paired import pairing

    frame = next(f for f in pairing("On Mistral-7B, nested quantization frees about 3 GB.",
                                    "qlora").frames if f.verifier == "lora.qlora_storage")
    assert frame.params["claim"] == "dq_bytes" and frame.params["model"] == "mistral-7b"
    out = run(**frame.params)
    assert out["verdict"] == "refuted", out["explanation"]
    assert out["measured"]["preset"] == "mistral-7b"
    assert out["measured"]["saved_gb"] == pytest.approx(0.33, abs=0.02)


@pytest.mark.parametrize(("raw", "verdict", "shown"), [
    # "4-8x less": 16/4.127 = 3.9x and 32/4.127 = 7.8x (3.6x and 7.1x without DQ)
    ({"unit": "x", "baseline": "both", "low": 3.5, "high": 8.5}, "supported", "7.75x"),
    ({"unit": "x", "baseline": "16", "low": 3.5, "high": 4.5}, "supported", "3.88x"),
    ({"unit": "x", "baseline": "16", "low": 7.5, "high": 8.5}, "refuted", "3.88x"),
    # "by 75%": only a bare 4-bit code against 16-bit saves 75%; NF4 + DQ saves 74.2%
    ({"unit": "pct", "baseline": "either", "low": 74.5, "high": 75.5}, "conditional", "74.2%"),
    ({"unit": "pct", "baseline": "16", "codes": False, "low": 74.5, "high": 1e12}, "refuted",
     "74.2%"),
    ({"unit": "pct", "baseline": "16", "low": 80, "high": 1e12}, "refuted", "75%"),
    ({"unit": "pct_left", "baseline": "16", "low": 25, "high": 27}, "supported", "25.8%"),
])
def test_ratio_against_16_and_32_bits(raw, verdict, shown):
    out = run(claim="ratio", **raw)
    assert out["verdict"] == verdict, out["explanation"]
    assert shown in out["explanation"]


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


def test_a_saving_stated_in_whole_bits_is_read_as_a_saving_and_refuted():
    from paired import pairing

    frame = next(f for f in pairing("Turning on double quantization saves around 2 bits for "
                                    "every parameter.").frames
                 if f.params.get("claim") == "dq_saving")
    assert frame.params["bits"] == 2
    assert VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"] == "refuted"


@pytest.mark.parametrize(("sentence", "dq", "verdict"), [
    # bitsandbytes stores the doubly quantized absmax as uint8, the plain one as float32
    ("Double quantization squeezes the block-wise scaling constants down to 4-bit as well.",
     "with", "refuted"),
    ("Without double quantization, NF4 keeps its absmax constants in 32 bits.", "without",
     "supported"),
])
def test_the_width_of_the_block_constants_is_read_from_the_quant_state(sentence, dq, verdict):
    from paired import pairing

    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    assert frame.params["claim"] == "constants_bits" and frame.params["dq"] == dq
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == verdict, out["explanation"]
    assert out["measured"]["absmax_dtype"][{"with": "nf4_dq", "without": "nf4"}[dq]] == (
        "uint8" if dq == "with" else "float32")


@pytest.mark.parametrize(("sentence", "verdict"), [
    # both states named, each with its figure: 4.127 is the nested one's
    ("NF4 + double quantization | about 4.127 bits per parameter | about 4.5 without double "
     "quantization", "supported"),
    # both named, and the figure is neither's
    ("With double quantization NF4 takes 3.9 bits per parameter, and 4.5 without double "
     "quantization.", "refuted"),
    # one state, the other's figure
    ("NF4 without double quantization stores 4.127 bits per parameter.", "refuted"),
])
def test_a_figure_beside_both_double_quantization_states_holds_if_it_is_either(sentence,
                                                                               verdict):
    from paired import pairing

    frame = next(f for f in pairing(sentence, "qlora").frames
                 if f.verifier == "lora.qlora_storage")
    out = run(**frame.params)
    assert out["verdict"] == verdict, out["explanation"]

