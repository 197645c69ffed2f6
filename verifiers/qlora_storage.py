"""QLoRA storage: 4-bit NF4 weights, bits per parameter with and without double quantization,
the NF4 code, and what QLoRA is (a frozen 4-bit base with LoRA adapters trained on top).

Everything is measured with bitsandbytes on the CPU: real matrices are quantized and their
stored bytes counted; the QLoRA composition is a tiny Llama whose block linears are NF4
`Linear4bit` layers, with PEFT LoRA trained for real steps.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Shape, Verifier, result

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

_NUM = r"(?P<bits>\d{1,2}(?:\.\d+)?)"
_LEVELS = r"(?P<levels>\d+) (?:[\w-]+ )?(?:values|levels|codes|bins)"  # "16 quantization levels"
_NEG_DQ = r"\bwithout (?:the )?double[- ]quant|\bno double[- ]quant|\bsingle quant"
_QUANT_ADAPTERS = (r"(?:adapters?|LoRA (?:weights|matrices|parameters)) (?:are|is|get) "
                   r"(?:also )?(?:quantiz|stored in 4)|quantiz\w* (?:the )?(?:LoRA )?adapters")

_ADAPTERS_16 = (r"(?:adapters?|LoRA (?:weights|matrices|parameters|factors))\b[^.;]{0,40}?"
                r"(?:16\s*-?\s*bits?|bf16|bfloat16|fp16|float16|half precision|full precision|"
                r"higher precision)")

SHAPES = (
    Shape("4-bit base weights", all_of=(r"(?P<bits>\d{1,2})\s*-?\s*bits?\b",
                                          r"quantiz|NF4|normal\s?float|(?:stor\w*|kept|keeps?|"
                                          r"held|holds?) (?:[\w-]+ ){0,3}?in (?:a |an )?"
                                          r"\d{1,2}\s*-?\s*bits?\b"),
          any_of=(r"\bQLoRA\b", r"\bLoRA\b", r"\bNF4\b"),
          none_of=(r"per (?:param|weight)", r"double[- ]quant", r"bits? (?:per|/)",
                   _QUANT_ADAPTERS, _ADAPTERS_16),
          extract=(r"(?P<bits>\d{1,2})\s*-?\s*bits?\b",), fixed={"claim": "four_bit"},
          description="'Adds 4-bit quantization to LoRA'"),
    Shape("bits per parameter with double quantization",
          all_of=(_NUM + r"\s*bits?\s*(?:per|/|a)\s*(?:param|weight)",),
          any_of=(r"NF4", r"double[- ]quant", r"QLoRA", r"4-bit"), none_of=(_NEG_DQ, r"sav"),
          extract=(_NUM + r"\s*bits?\s*(?:per|/|a)\s*(?:param|weight)",),
          fixed={"claim": "bits", "double_quant": True}),
    Shape("bits per parameter without double quantization",
          all_of=(_NUM + r"\s*bits?\s*(?:per|/|a)\s*(?:param|weight)", _NEG_DQ),
          none_of=(r"sav",),
          extract=(_NUM + r"\s*bits?\s*(?:per|/|a)\s*(?:param|weight)",),
          fixed={"claim": "bits", "double_quant": False}),
    Shape("double quantization saving", all_of=(r"double[- ]quant", r"sav|reduc|\bcuts?\b"),
          extract=(r"(?P<saving>\d(?:\.\d+)?)\s*bits?",), fixed={"claim": "dq_saving"},
          weight=1.5, description="'double quantization saves about 0.37 bits per parameter'"),
    Shape("NF4 code", all_of=(r"\bNF4\b|normal\s?float",),
          any_of=(r"\bzero\b", r"symmetr", _LEVELS),
          none_of=(r"\bsymmetric\b(?!al)",),
          extract=(_LEVELS,),
          fixed={"claim": "nf4_code"}, weight=1.5),
    Shape("NF4 said to be symmetric", all_of=(r"\bNF4\b|normal\s?float", r"\bsymmetric\b"),
          none_of=(r"\basymmetric\b", r"\bnot symmetric\b"),
          extract=(_LEVELS,),
          fixed={"claim": "nf4_code", "symmetric": True}, weight=1.5),
    Shape("QLoRA = quantized base + LoRA",
          all_of=(r"quantiz",), any_of=(r"low-rank|\bLoRA\b|adapter",),
          none_of=(r"\d+\s*-?\s*B\b.*GPU", r"bits? per", _QUANT_ADAPTERS),
          fixed={"claim": "composition"}, weight=0.8,
          description="'QLoRA combines quantization with low-rank adapters'"),
    Shape("adapters said to be quantized", all_of=(_QUANT_ADAPTERS,),
          fixed={"claim": "composition", "adapters_quantized": True}, weight=1.5),
    Shape("adapters said to stay in 16 bits, the base in 4",
          all_of=(r"\bQLoRA\b", _ADAPTERS_16, r"\b4\s*-?\s*bits?\b|\bNF4\b"),
          none_of=(_QUANT_ADAPTERS,), fixed={"claim": "composition", "adapters_quantized": False},
          weight=1.4, description="'QLoRA keeps the LoRA adapters in 16-bit over a 4-bit base'"),
)


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
    run=run, params=PARAMS, shapes=SHAPES, timeout_s=120,
    requires=Requires(device="cpu", packages=("bitsandbytes",)),
)
