"""The numeric verifiers name the pair that decided them (what the claim states, what was
measured), so a refuted claim can show `stated 262,144 → measured 131,072`; their verdicts are
what they were."""

from __future__ import annotations

import pytest

from kbcheck.models import Evidence
from verifiers import registry
from verifiers._env import has_package

REG = registry(include_entry_points=False)


def _run(vid: str, **raw):
    v = REG[vid]
    got = v.run(v.resolve_params(raw))
    ev = Evidence(verifier=vid, version=v.version, **{k: got[k] for k in (
        "verdict", "explanation", "measured", "expected")})
    return ev.verdict.value, ev.figure


@pytest.mark.parametrize(("vid", "raw", "verdict", "quantity", "stated", "measured", "unit"), [
    ("lora.param_count", {"claim": "count", "d": 4096, "k": 4096, "r": 16, "count": 262144},
     "refuted", "LoRA parameters", 262144, 131072, ""),
    ("lora.param_count", {"claim": "reduction_pct", "d": 4096, "k": 4096, "r": 16, "pct": 99.6},
     "refuted", "reduction", 99.6, 99.21875, "%"),
    ("lora.param_count", {"claim": "total", "model": "llama-7b", "billions": 6},
     "refuted", "total parameters", 6_000_000_000, 6738415616, ""),
    ("lora.adapter_size", {"model": "llama-7b", "modules": "qv", "r": 8, "mb": 20},
     "refuted", "adapter file", 20, 8.41, "MB"),
    ("lora.adapter_size", {"model": "llama-7b", "gb": 10},
     "refuted", "full model in float16", 10, 13.48, "GB"),
    ("lora.ba_update", {"claim": "scaling", "alpha": 16, "r": 8, "scale_value": 4},
     "refuted", "scale at alpha=16, r=8", 4, 2, ""),
])
def test_a_refuting_figure_is_named(vid, raw, verdict, quantity, stated, measured, unit):
    got, pair = _run(vid, **raw)
    assert got == verdict
    assert (pair.quantity, pair.stated, pair.measured, pair.unit) == (quantity, stated, measured,
                                                                      unit)


def test_training_memory_names_the_configuration_nearest_the_stated_figure():
    got, pair = _run("lora.training_memory", claim="total", method="full_ft", size_b=7,
                     value=20e9, gpus=1, weights="bf16", optimizer="adamw_fp32")
    assert got == "refuted" and pair.stated == 20 and pair.unit == "GB"
    assert pair.quantity.startswith("peak training memory (llama-7b full fine-tuning")
    assert pair.measured > 60


def test_merging_names_the_largest_difference_beside_the_tolerance():
    got, pair = _run("lora.merge_equivalence", claim="changes_outputs")
    assert got == "refuted"
    assert pair.stated == "beyond atol=0.0001, rtol=0.0001" and 0 < pair.measured < 1e-4


@pytest.mark.skipif(not has_package("bitsandbytes"), reason="needs bitsandbytes")
def test_qlora_storage_names_bits_per_parameter_and_the_saving():
    got, pair = _run("lora.qlora_storage", claim="bits", bits=4, low=3.95, high=4.05, dq="either")
    assert got == "refuted" and pair.stated == 4
    assert "4.127 (with double quantization)" in pair.measured  # each format it could mean
    got, pair = _run("lora.qlora_storage", claim="dq_saving", bits=0.5, low=0.45, high=0.55)
    assert got == "refuted" and pair.quantity == "double quantization saving"
    assert pair.unit == "bits" and 0.3 < pair.measured < 0.45


def test_several_configurations_name_no_single_figure():
    got, pair = _run("lora.param_count", claim="count", model="llama-7b", count=8e6)
    assert pair is None, got
