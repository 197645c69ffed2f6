"""QLoRA storage: 4-bit NF4 weights, bits per parameter with and without double quantization,
the NF4 code, and what QLoRA is (a frozen 4-bit base with LoRA adapters trained on top).

Everything is measured with bitsandbytes on the CPU: real matrices are quantized and their
stored bytes counted; the QLoRA composition is a tiny Llama whose block linears are NF4
`Linear4bit` layers, with PEFT LoRA trained for real steps.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame

CLAIMS = ("four_bit", "bits", "dq_saving", "nf4_code", "composition")

PARAMS = (
    Param("claim", str, default="four_bit", choices=CLAIMS),
    Param("bits", float, default=4.0, min=0.5, max=32,
          help="stated bits (per stored weight, or per parameter for 'bits')"),
    Param("double_quant", bool, default=True),
    Param("saving", float, default=0.373, min=0.0, max=16, help="stated bits saved by DQ"),
    Param("blocksize", int, default=64, min=32, max=4096, choices=(32, 64, 128, 256, 512,
                                                                    1024, 2048, 4096)),
    Param("tolerance", float, default=0.02, min=0.0, max=4, help="in bits"),
    Param("levels", int, default=16, min=2, max=256),
    Param("symmetric", bool, default=False),
    Param("adapters_quantized", bool, default=False),
    Param("steps", int, default=3, min=1, max=20),
)

def to_params(frame: Frame) -> dict[str, Any] | str:
    """4-bit storage of the base, bits per parameter (with or without double quantization),
    the double quantization saving, the NF4 code, and what QLoRA keeps in which precision."""
    if frame.predicate == "nf4_code":
        levels = frame.first("count")
        params: dict[str, Any] = {"claim": "nf4_code", "symmetric": frame.has("symmetric")}
        if levels is not None and 2 <= levels.value <= 256 and levels.value.is_integer():
            params["levels"] = int(levels.value)
        return params
    if frame.predicate == "bits_per_param":
        bits = frame.first("bits")
        if bits is None:
            return "no number of bits is stated"
        tolerance = max(0.02, bits.precision)
        if frame.has("saving") and frame.has("dq") and bits.value < 1:
            return {"claim": "dq_saving", "saving": bits.value, "tolerance": tolerance}
        if bits.value > 32 or bits.value < 0.5:
            return f"{bits.text} per parameter is not a storage width"
        return {"claim": "bits", "bits": bits.value, "double_quant": not frame.has("no_dq"),
                "tolerance": tolerance}
    if frame.has("adapters_16"):
        return {"claim": "composition", "adapters_quantized": False}
    if frame.has("adapters_quantized"):
        return {"claim": "composition", "adapters_quantized": True}
    widths = [q for q in frame.quantities if q.unit == "bits" and q.value <= 8]
    if widths:
        return {"claim": "four_bit", "bits": widths[0].value}
    if any(d in ("nf4", "fp4") for d in frame.conditions.get("dtypes", ())) or frame.has("nf4"):
        return {"claim": "four_bit", "bits": 4}
    return "no storage width is stated"



def _bits(params: dict[str, Any]) -> dict[str, Any]:
    from verifiers._nf4 import measure_bits

    m = measure_bits(blocksize=params["blocksize"], double_quant=params["double_quant"])
    want = {"bits_per_param": params["bits"], "double_quant": params["double_quant"],
            "tolerance": params["tolerance"]}
    ok = abs(m["bits_per_param"] - params["bits"]) <= params["tolerance"]
    how = "with" if params["double_quant"] else "without"
    return result("supported" if ok else "refuted",
                  f"NF4 {how} double quantization at blocksize {params['blocksize']} stores "
                  f"{m['bits_per_param']:.4f} bits per parameter (stated {params['bits']:g})",
                  m, want)


def _saving(params: dict[str, Any]) -> dict[str, Any]:
    from verifiers._nf4 import measure_bits

    with_dq = measure_bits(blocksize=params["blocksize"], double_quant=True)
    without = measure_bits(blocksize=params["blocksize"], double_quant=False)
    saved = without["bits_per_param"] - with_dq["bits_per_param"]
    ok = abs(saved - params["saving"]) <= params["tolerance"]
    # Bytes this saves on 65B parameters, the paper's own illustration (about 3 GB).
    measured = {"saving_bits": saved, "with_dq": with_dq["bits_per_param"],
                "without_dq": without["bits_per_param"], "saved_gb_65b": saved * 65e9 / 8e9}
    return result("supported" if ok else "refuted",
                  f"double quantization takes NF4 from {without['bits_per_param']:.3f} to "
                  f"{with_dq['bits_per_param']:.3f} bits per parameter, saving {saved:.3f} "
                  f"(stated {params['saving']:g}; {measured['saved_gb_65b']:.1f} GB on 65B)",
                  measured, {"saving_bits": params["saving"], "tolerance": params["tolerance"]})


def _code(params: dict[str, Any]) -> dict[str, Any]:
    from verifiers._nf4 import nf4_code

    code = nf4_code()
    negatives = sum(v < 0 for v in code)
    positives = sum(v > 0 for v in code)
    measured = {"code": code, "levels": len(code), "exact_zero": 0.0 in code,
                "negatives": negatives, "positives": positives,
                "symmetric": sorted(-v for v in code) == code}
    ok = (len(code) == params["levels"] and measured["exact_zero"]
          and measured["symmetric"] == params["symmetric"])
    kind = "symmetric" if measured["symmetric"] else "asymmetric"
    return result("supported" if ok else "refuted",
                  f"bitsandbytes' NF4 code has {len(code)} values, "
                  f"{'an' if measured['exact_zero'] else 'no'} exact zero, {negatives} negative "
                  f"and {positives} positive ({kind})",
                  measured, {"levels": params["levels"], "exact_zero": True,
                             "symmetric": params["symmetric"]})


def _four_bit(params: dict[str, Any]) -> dict[str, Any]:
    from verifiers._nf4 import measure_bits, nf4_code

    m = measure_bits(blocksize=params["blocksize"])
    stored = 8 * m["code_bytes"] / m["params"]
    levels = len(nf4_code())
    ok = abs(stored - params["bits"]) < 1e-9
    measured = {"bits_per_stored_weight": stored, "levels": levels,
                "bits_per_param_with_scales": m["bits_per_param"]}
    return result("supported" if ok else "refuted",
                  f"QLoRA's NF4 stores each weight in {stored:g} bits ({levels} levels; "
                  f"{m['bits_per_param']:.3f} bits per parameter with the block scales), stated "
                  f"{params['bits']:g}", measured, {"bits": params["bits"]})


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Dispatch on the claim's kind."""
    if params["claim"] == "composition":
        from verifiers._qlora_tiny import composition
        from verifiers._tiny import PEFT_MISSING, peft_available

        if not peft_available():
            return result("skipped", PEFT_MISSING, {}, {"claim": "composition"})
        return composition(params)
    return {"bits": _bits, "dq_saving": _saving, "nf4_code": _code,
            "four_bit": _four_bit}[params["claim"]](params)


VERIFIER = Verifier(
    id="lora.qlora_storage", version=1, title="QLoRA's 4-bit NF4 storage and what QLoRA is",
    run=run, params=PARAMS, timeout_s=120,
    claims=(("qlora", "quantized_4bit"), ("lora", "quantized_4bit"), ("*", "bits_per_param"),
            ("*", "nf4_code")),
    to_params=to_params,
    examples=("QLoRA stores the frozen base model in 4-bit NormalFloat.",
              "With double quantization NF4 costs about 4.127 bits per parameter.",
              "The NF4 data type has 16 levels."),
    requires=Requires(device="cpu", packages=("bitsandbytes",)),
)
