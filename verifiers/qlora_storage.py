"""QLoRA storage: 4-bit NF4 weights, bits per parameter with and without double quantization
(and the block scales' share alone), what double quantization saves (bits per parameter, or
bytes on a preset), how much smaller 4-bit weights are than 16- or 32-bit ones, the NF4 code,
whether bitsandbytes quantizes on a CPU, and what QLoRA is (a frozen 4-bit base with LoRA
adapters trained on top).

Everything is measured with bitsandbytes on the CPU: real matrices are quantized and their
stored bytes counted; the QLoRA composition is a tiny Llama whose block linears are NF4
`Linear4bit` layers, with PEFT LoRA trained for real steps. Where a claim leaves a setting
open (double quantization on or off, 16- or 32-bit as the baseline, bare codes or NF4), every
configuration is measured: supported when the claim holds in all, conditional (naming them)
when in some, refuted when in none.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame, Quantity

CLAIMS = ("four_bit", "bits", "overhead", "dq_saving", "dq_bytes", "ratio", "nf4_code",
          "composition", "cpu_quantize", "compute", "activations", "constants_bits")
BIG = 1e12  # an open end of a stated interval
DQ = ("with", "without", "either", "both")  # double quantization as the claim states it

PARAMS = (
    Param("claim", str, default="four_bit", choices=CLAIMS),
    Param("bits", float, default=4.0, min=0.0, max=32,
          help="stated bits (per stored weight, per parameter, or of the scales' overhead)"),
    Param("stated", float, default=0.0, min=-BIG, max=BIG,
          help="the value as stated (ratio, %, GB), for the explanation"),
    Param("low", float, default=0.0, min=-BIG, max=BIG,
          help="the least value the claim allows (bits, bits saved, bytes, x or %)"),
    Param("high", float, default=0.0, min=-BIG, max=BIG, help="the most value it allows"),
    Param("level", int, default=1, min=1, max=2,
          help="constants_bits: 1, the block constants (absmax); 2, the scales of the "
               "constants that double quantization quantizes"),
    Param("dq", str, default="with", choices=DQ,
          help="double quantization: stated on, stated off, unstated (both are measured), or "
               "both named, each with its figure (the figure holds if it is either's)"),
    Param("blocksize", int, default=64, min=32, max=4096, choices=(32, 64, 128, 256, 512,
                                                                    1024, 2048, 4096)),
    Param("size_b", float, default=65.0, min=0.1, max=2000,
          help="model size in billions (dq_bytes: bytes double quantization saves on it)"),
    Param("model", str, default="",
          help="dq_bytes: the named model's preset (a Llama-shaped decoder); '': by size_b "
               "among the papers' models"),
    Param("unit", str, default="x", choices=("x", "pct", "pct_left"),
          help="ratio: 'x' (N times smaller), 'pct' (N% smaller), 'pct_left' (N% remains)"),
    Param("baseline", str, default="either", choices=("16", "32", "either", "both"),
          help="ratio: the width compared with; 'both': a range spanning 16- and 32-bit"),
    Param("codes", bool, default=True,
          help="ratio: a bare 4-bit code (no block scales, the nominal 4 bits) counts as a "
               "configuration"),
    Param("scales", bool, default=True,
          help="ratio: False where the sentence sets the block scales aside ('ignoring the "
               "scales'): the bare 4-bit codes alone are measured"),
    Param("levels", int, default=0, min=0, max=256, help="nf4_code: stated levels (0: unstated)"),
    Param("property", str, default="levels",
          choices=("levels", "symmetric", "asymmetric", "exact_zero", "range", "evenly_spaced"),
          help="nf4_code: what the claim says of the code"),
    Param("adapters_quantized", bool, default=False),
    Param("usual_dq", bool, default=False,
          help="bits: QLoRA named as the method with double quantization unstated; its "
               "paper's setting (double quantization on) may bear out a figure that the "
               "other state does not"),
    Param("steps", int, default=3, min=1, max=20),
)
_FORMATS = {"with": ("nf4_dq",), "without": ("nf4",), "either": ("nf4", "nf4_dq"),
            "both": ("nf4", "nf4_dq")}
_LABEL = {"nf4": "NF4 without double quantization", "nf4_dq": "NF4 with double quantization",
          "codes": "bare 4-bit codes (no block scales)"}


def interval(q: Quantity, floor: float = 0.0, slack: float = 0.0) -> tuple[float, float]:
    """The values a stated quantity allows: its bound, widened by its precision (at least
    `floor`) and, for an approximate statement, by `slack` of its value."""
    pad = max(floor, q.precision) + (slack * abs(q.value) if q.bound == "approx" else 0.0)
    if q.bound == "le":
        return (-BIG, q.value + pad)
    if q.bound == "ge":
        return (q.value - pad, BIG)
    if q.bound == "range" and q.high is not None:
        return (q.value - pad, q.high + pad)
    return (q.value - pad, q.value + pad)


def _nearest(frame: Frame, units: tuple[str, ...], limit: float | None = None
             ) -> Quantity | None:
    """The quantity in `units` nearest the words that state the predicate (inside them
    first), optionally at most `limit`."""
    a, b = frame.spans.get("predicate", (0, 0))
    qs = [q for q in frame.quantities if q.unit in units and (limit is None or q.value <= limit)]
    if not qs:
        return None
    return min(qs, key=lambda q: 0 if (a <= q.span[0] and q.span[1] <= b) else
               min(abs(q.span[0] - b), abs(a - q.span[1])) + 1)


_DQ_WORDS = re.compile(r"\b(?:double|nested)[- ]?quant", re.I)
_NO_DQ_WORDS = re.compile(r"\b(?:without|no|before|prior to|minus)\s+(?:the\s+)?(?:double|nested)"
                          r"[- ]?quant", re.I)


def _dq(frame: Frame) -> str:
    if frame.has("no_dq") or frame.has("without_dq"):
        # "NF4 + double quantization: 4.127 bits; 4.5 without": both states named, each with
        # its figure, which is which not read: a figure holds if it is either state's
        if len(_DQ_WORDS.findall(frame.text)) > len(_NO_DQ_WORDS.findall(frame.text)):
            return "both"
        return "without"
    if frame.has("with_dq"):
        return "with"
    return "either"


_STATE_AFTER = re.compile(r"[^.;,]{0,30}?\b(?P<no>without|no|minus)?\s*(?:with\s+)?"
                          r"(?:double|nested)[- ]?quant", re.I)


def _dq_of(frame: Frame, q: Quantity) -> str:
    """`_dq`, but where the sentence names both states, the one it gives this figure: the
    state named right after it ("4.127 bits is NF4 without double quantization"), else the
    last named before it ("without double quantization it is already 4.127 bits")."""
    dq = _dq(frame)
    if dq != "both":
        return dq
    text = frame.text
    after = _STATE_AFTER.match(text, q.span[1])
    if after:
        return "without" if after.group("no") else "with"
    before = text[max(0, q.span[0] - 80):q.span[0]]
    last_dq = [m.start() for m in _DQ_WORDS.finditer(before)]
    if not last_dq:
        return dq
    # (the last state named: "without" when a "without ..." phrase holds the last mention)
    no_spans = [(m.start(), m.end()) for m in _NO_DQ_WORDS.finditer(before)]
    off = _SWITCHED_OFF.match(before, last_dq[-1])  # ("with double quant switched off")
    return "without" if off or any(a <= last_dq[-1] < b for a, b in no_spans) else "with"


_SWITCHED_OFF = re.compile(r"(?:double|nested)[- ]?quant\w*\s+(?:is\s+|was\s+)?(?:switched\s+|"
                           r"turned\s+|set\s+)?(?:off|disabled|false|to\s+false)\b", re.I)


# the words right before a number of bits that say it is saved ("trimming about 0.37"), or that
# it is what something costs or comes to ("cost about 0.127", "down to 0.127")
_SAVED_BEFORE = re.compile(r"\b(?:sav(?:e|es|ed|ing)|trim\w*|shav\w*|cut(?:s|ting)?|reduc\w*\s+by|"
                           r"frees?|freeing|knocks?|a\s+saving\s+of|savings?\s+of|by|"
                           # ("it buys you about 0.37 bits a parameter")
                           r"(?:buys?|buying|bought|nets?|gets?)\s+(?:you|us|them))\s+"
                           r"(?:(?:about|roughly|around|nearly|approximately|another|some|"
                           r"a\s+further)\s+)?~?\s*$", re.I)
_LEVEL_BEFORE = re.compile(r"\b(?:costs?|costing|adds?|adding|takes?|taking|needs?|"
                           r"comes?\s+to|amounts?\s+to|(?:down|drops?|falls?|shrinks?)\s+to|"
                           # "which double quantization reduces to about 0.127 bits"
                           # ("trimming the overhead to about 0.127 bits")
                           r"(?:reduc\w*|brings?|bringing|cuts?|cutting|lowers?|lowering|trim\w*)\s+"
                           r"(?:it\s+|that\s+|this\s+|them\s+|the\s+(?:overhead|cost|extra|"
                           r"constants'?\s+(?:cost|overhead|share))\s+)?(?:down\s+)?to)\s+"
                           r"(?:(?:only|just|an?\s+extra|about|roughly|around|nearly|"
                           r"approximately)\s+){0,2}~?\s*$", re.I)
_OFF_AFTER = re.compile(r"\s*(?:bits?\s+)?off\b", re.I)  # "takes about 0.37 bits off": a saving
_INSTEAD_AFTER = re.compile(r"(?:\s*bits?\b)?[^.;]{0,30}?\b(?:instead\s+of|rather\s+than|"
                            r"down\s+from)\s+(?:about\s+|roughly\s+|~\s*)?\d", re.I)


# an exact width as the setting a size is worked out at, opening its clause: "At exactly 4 bits
# per weight, the 70B parameters come to about 35 GB" (not a claim that NF4 stores exactly 4 bits;
# a plain "at 4 bits per weight" is read as the 4-bit code's width, and the size beside it too)
_AT_WIDTH = re.compile(r"(?:^|[,;:(]\s*)\W{0,3}(?:at|with|using)\s+(?:exactly|precisely)\s+"
                       r"(?:\d{1,2}(?:\.\d+)?|four|eight)[\s-]*bits?(?:\s+(?:per|a|each|for\s+each)\s+"
                       r"(?:weight|parameter|param)\b|\s*,)", re.I)
_SIZE_AFTER = re.compile(r"\d\s*(?:[GT]i?B|gigabytes?|terabytes?)\b", re.I)


def _bits_params(frame: Frame) -> dict[str, Any] | str:
    bits = _nearest(frame, ("bits",))
    if bits is None:
        return "no number of bits is stated"
    dq_named = frame.has("dq") or frame.has("no_dq")
    shares = [q for q in frame.quantities if q.unit == "bits" and q.value < 1
              and q.role != "saving"]
    # "the overhead is 0.5 bits; double quantization brings it to 0.127": a change from one
    # share to a smaller one, said in two clauses
    two = len(shares) >= 2 and shares[0].value > shares[-1].value and frame.has("with_dq")
    # (or two widths: "NF4 by itself costs 4.5 bits per weight, and double quantization brings
    # it down to about 4.127")
    widths = [q for q in frame.quantities if q.unit == "bits" and 4 < q.value <= 5]
    if len(widths) == 2 and widths[0].value > widths[1].value and frame.has("dq") \
            and _DOWN_TO.search(frame.text, widths[0].span[1], widths[1].span[0]):
        two = True
    if dq_named and frame.has("removes_all") and not frame.has("from_to"):
        # "double quantization removes the constants' cost entirely": none left with it
        return {"claim": "overhead", "bits": 0.0, "low": 0.0, "high": 0.01, "dq": "with"}
    if frame.has("from_to") or (two and dq_named):
        if not dq_named:
            return "a change from one width to another, with no double quantization named"
        widths = [q for q in frame.quantities if q.unit == "bits"]
        after = ([q for q in widths if q.role != "saving"] or widths)[-1]
        if after.value == 4 and after.bound == "eq" and frame.has("dq"):
            # "double quantization takes QLoRA from 4.5 bits to exactly 4 bits per weight"
            return {"claim": "bits", "bits": 4.0, "low": 4.0, "high": 4.0, "dq": "with"}
        if 1 <= after.value < 4 and frame.has("dq"):
            # "double quantization takes QLoRA from 4 bits down to roughly 3.1": a width per
            # parameter with double quantization, below the 4-bit code itself
            low, high = interval(after, 0.02)
            return {"claim": "bits", "bits": after.value, "low": low, "high": high, "dq": "with"}
        if not (after.value < 1 or 4 < after.value <= 5):
            return f"{after.text} per parameter is not NF4's width or its scales' share"
        low, high = interval(after, 0.02)
        claim = "overhead" if after.value < 1 else "bits"
        return {"claim": claim, "bits": after.value, "low": low, "high": high, "dq": "with"}
    if frame.has("from_any"):
        return "a value the storage changes from, with no value it changes to"
    low, high = interval(bits, 0.02)
    # what double quantization saves: "saves 0.4 bits", "by 0.37 bits" (or, wrongly, "saves 3
    # bits"); not the scales' share with it on or off ("with double quantization the constants
    # add an extra ...")
    framed = frame.has("with_dq") and frame.has("overhead")
    saving = frame.has("dq") and _dq(frame) != "without" and (
        frame.has("by_amount") or (frame.has("dq_change") and not framed))
    before = frame.text[max(0, bits.span[0] - 40):bits.span[0]]
    if frame.has("dq") and _SAVED_BEFORE.search(before):
        saving = True  # "trimming about 0.37 bits per parameter": the verb right before it
    elif (_LEVEL_BEFORE.search(before) and not _OFF_AFTER.match(frame.text, bits.span[1])) \
            or _INSTEAD_AFTER.match(frame.text, bits.span[1]):
        # "the constants cost about 0.127 bits per weight instead of 0.5": a level, whatever
        # the sentence saves elsewhere ("..., which saves 0.31 GB")
        saving = False
    if bits.role == "saving" and frame.has("dq"):
        saving = True  # "..., a saving of roughly 0.37 bits per parameter"
    said_saved = [q for q in frame.quantities if q.unit == "bits" and q.role == "saving"]
    if saving and bits.role != "saving" and said_saved and frame.has("dq"):
        # "the constants cost 0.5 bits, double quantization lowers that to 0.127, saving about
        # 0.373": the figure said to be saved is the saving, the others are levels
        bits = said_saved[-1]
        low, high = interval(bits, 0.02)
    if saving and bits.value < 4:
        return {"claim": "dq_saving", "bits": bits.value, "low": low, "high": high}
    if bits.role == "saving" and bits.value < 1:
        # "..., which saves about 0.37 bits per weight" with no double quantization named: a
        # saving of something the sentence does not name, not the scales' cost
        return f"{bits.text} is said to be saved, and by what is not read"
    if bits.value < 1:
        if frame.has("overhead"):
            return {"claim": "overhead", "bits": bits.value, "low": low, "high": high,
                    "dq": _dq(frame)}
        return f"{bits.text} per parameter is neither a storage width nor a stated saving"
    if bits.value == 4 and (bits.precision == 0 or "." in bits.text and not frame.polarity
                            or frame.has("no_overhead")):
        # ("stores every weight in 4 bits with no other overhead": the scales said to cost
        # nothing, so the 4 bits are the whole cost)
        # "exactly 4 bits per parameter": the whole cost, scales too; so is a "4.0" denied
        # ("NF4 isn't really 4.0 bits per weight, it's 4.5"): the denial is of the figure
        return {"claim": "bits", "bits": 4.0, "low": 4.0, "high": 4.0,
                "dq": _dq_of(frame, bits)}
    if bits.value == 4:  # the width of the 4-bit code itself
        return {"claim": "four_bit", "bits": 4}
    if 1 <= bits.value < 4 and frame.has("dq") and bits.bound in ("eq", "approx", "le"):
        # "double quantization squeezes the 4-bit weights down to under 3.2 bits per
        # parameter": a width said of QLoRA's storage with double quantization, below the
        # 4-bit code itself (what double quantization compresses is the scales)
        return {"claim": "bits", "bits": bits.value, "low": low, "high": high, "dq": "with"}
    if not 4 < bits.value <= 5:  # NF4 with block scales at any blocksize: 4 + 32/32 at most
        if bits.value >= 6 and frame.conditions.get("dtypes") == ("nf4",) and bits.role == "" \
                and len([q for q in frame.quantities if q.unit == "bits"]) == 1:
            # "NF4 spends 8 bits on each parameter": the one width said, of NF4 alone (not
            # "int8's 8 bits" beside it)
            return {"claim": "bits", "bits": bits.value, "low": low, "high": high,
                    "dq": _dq(frame)}
        return f"{bits.text} per parameter is not a width of 4-bit NF4 with its block scales"
    return {"claim": "bits", "bits": bits.value, "low": low, "high": high,
            "dq": _dq_of(frame, bits),
            **({"usual_dq": True} if _QLORA_NAMED.search(frame.text) else {})}


# QLoRA named as the method (or its paper), not NF4 or bitsandbytes alone
_QLORA_NAMED = re.compile(r"\bq-?lora\b|\bpaper\b", re.I)


def _code_params(frame: Frame) -> dict[str, Any] | str:
    if frame.has("f_asym"):
        return {"claim": "nf4_code", "property": "asymmetric"}
    if frame.has("f_sym"):
        return {"claim": "nf4_code", "property": "symmetric"}
    if frame.has("f_even"):
        return {"claim": "nf4_code", "property": "evenly_spaced"}
    if frame.has("f_zero"):
        return {"claim": "nf4_code", "property": "exact_zero"}
    if frame.has("f_range"):
        return {"claim": "nf4_code", "property": "range"}
    a, b = frame.spans.get("predicate", (0, 0))
    inside = [q for q in frame.quantities if q.unit == "count" and a <= q.span[0] < b
              and q.role != "part"]  # ("two values per byte": a packing, not the code's size)
    if frame.has("f_levels") and inside and inside[0].value.is_integer() \
            and 2 <= inside[0].value <= 256:
        return {"claim": "nf4_code", "property": "levels", "levels": int(inside[0].value)}
    return "no property of the NF4 code (levels, symmetry, an exact zero) is stated"


_WIDTHS = {"16bit": "16", "bf16": "16", "fp16": "16", "fp32": "32"}


def _ratio_params(frame: Frame) -> dict[str, Any] | str:
    if frame.has("total"):
        return ("a ratio of the whole training memory: activations, adapters and optimizer "
                "state are not quantized, so the weights alone do not decide it")
    if not frame.has("weights"):
        return "what the memory belongs to (the weights, a layer with its adapters) is unstated"
    q = _nearest(frame, ("x", "pct"))
    if q is None:
        return "no ratio is stated"
    low, high = interval(q, 0.0, 0.1)
    left = frame.has("to_pct") or frame.has("pct_left")
    unit = q.unit if q.unit == "x" else ("pct_left" if left else "pct")
    named = list(dict.fromkeys(_WIDTHS[d] for d in frame.conditions.get("dtypes", ())
                               if d in _WIDTHS))
    baseline = named[0] if len(named) == 1 else ("both" if q.bound == "range" else "either")
    # the nominal 4 bits (codes alone) is always one configuration: "75% less than 16-bit" is
    # what 4 of 16 bits says, and holds for NF4 only up to its block scales (conditional)
    return {"claim": "ratio", "stated": q.value, "low": low, "high": high, "unit": unit,
            "baseline": baseline, "dq": _dq(frame),
            **({"scales": False} if frame.has("scales_aside") else {})}


_PER_PARAM = re.compile(r"\s*(?:(?:off|from|of|on)\s+)?(?:per|/|a|each|for each|for every|every)\s+"
                        r"(?:[\w-]+\s+)?(?:param\w*|weights?|values?)\b", re.I)


# a change down to the figure after it ("brings it down to about", "cuts that to")
_DOWN_TO = re.compile(r"\b(?:down\s+to|(?:drops?|falls?|shrinks?|cuts?|reduces?|brings?|lowers?)\s+"
                      r"(?:it\s+|that\s+|this\s+)?(?:down\s+)?to)\b", re.I)


# a size something is brought to ("cut it to roughly 6.7 GB"), not an amount saved
_TO_RESULT = re.compile(r"\b(?:cut|cuts|drop\w*|brought|brings?|bring|shr[ai]nks?|shrunk|reduc\w*|"
                        r"took|takes?|lowers?|lowered|down)\s+(?:[\w.-]+\s+){0,3}?to\s+"
                        r"(?:only\s+|just\s+)?(?:about\s+|roughly\s+|around\s+|approximately\s+|"
                        r"~\s*)?$", re.I)


# an amount brought from one size to another ("from about 13.5 GB to under 4 GB")
_FROM_TO = re.compile(r"\bfrom\s+(?:about\s+|roughly\s+|around\s+|over\s+|~\s*)?\d[\d.,]*\s*"
                      r"(?:[KMGT]i?B|gigabytes?|megabytes?)\s+(?:down\s+)?to\s+(?:about\s+|roughly\s+|"
                      r"around\s+|under\s+|below\s+|less\s+than\s+|just\s+under\s+|~\s*)?\d[\d.,]*",
                      re.I)
_OF_CONSTANTS = re.compile(r"\b(?:constants?|scales?|absmax(?:\s+values)?|scaling\s+factors?|"
                           r"statistics)\s+(?:[\w-]+,?\s+){0,4}?(?:down\s+)?(?:in|to|at|as|with|using|"
                           r"into)\s+"
                           r"(?:just\s+|only\s+|about\s+)?$", re.I)


def _dq_bytes_params(frame: Frame) -> dict[str, Any] | str:
    model = frame.conditions.get("model") or {}
    per = next((q for q in frame.quantities if q.unit == "bytes" and q.value < 8
                and _PER_PARAM.match(frame.text, q.span[1])), None)
    if per is not None and not model.get("size_b"):
        # "saves ~0.37 bytes per parameter": a saving per parameter, in bytes (8 bits each)
        low, high = interval(per, 0.02)
        return {"claim": "dq_saving", "bits": per.value * 8, "low": low * 8, "high": high * 8}
    if not model.get("size_b"):
        return "no model size is stated"
    named = ""
    if model.get("family") not in ("", "llama", "gpt3"):  # families are named since presets.json
        from verifiers._presets import resolve

        found = resolve(model)
        if found is None or not found.llama_like:
            return "no preset for this model family: its size is not judged with LLaMA's shapes"
        named = found.name  # "For Mistral-7B, double quantization saves ...": its own linears
    # (an amount per billion parameters is a rate, not the model's saving)
    # (nor a card's memory: "... leaves most of a 24 GB RTX 4090 free")
    totals = [q for q in frame.quantities if q.unit == "bytes" and q.role not in ("part", "gpu")]
    q = _nearest(replace(frame, quantities=tuple(totals)), ("bytes",)) if totals else None
    if q is None:
        return "no number of bytes is stated"
    if any(m.start() <= q.span[0] < m.end() for m in _FROM_TO.finditer(frame.text)):
        # "cuts Llama-2-7B's weight memory from about 13.5 GB to under 4 GB": the memory before
        # and after, not what double quantization saves
        return "the memory before and after, not the amount double quantization saves"
    if _TO_RESULT.search(frame.text, max(0, q.span[0] - 30), q.span[0]):
        # "... with double quantisation cut Llama-2-13B to roughly 6.7 GB": the size it is cut
        # to, not what double quantization saves
        return "the size the model is brought to, not the amount double quantization saves"
    low, high = interval(q, 0.0, 0.1)
    return {"claim": "dq_bytes", "size_b": model["size_b"], "stated": q.value / 1e9,
            "low": low / 1e9, "high": min(high, BIG) / 1e9, **({"model": named} if named else {})}


def _compute_params(frame: Frame) -> dict[str, Any] | str:
    bits = next((b for facet, b in (("c4", 4), ("c16", 16), ("c32", 32)) if frame.has(facet)),
                None)
    if bits is None:
        a, b = frame.spans.get("predicate", (0, 0))
        inside = [q for q in frame.quantities if q.unit == "bits" and a <= q.span[0] < b]
        if not inside or inside[-1].value not in (4, 8, 16, 32):
            return "no compute width is stated"
        bits = inside[-1].value
    params: dict[str, Any] = {"claim": "compute", "bits": bits}
    if bits == 16 and not frame.has("compute_set") and not frame.has("names_qlora") \
            and frame.subject != "qlora":
        # a 16-bit compute dtype of 4-bit loading is a setting: BitsAndBytesConfig computes in
        # float32 unless bnb_4bit_compute_dtype says otherwise (QLoRA's recipe, when the
        # sentence names QLoRA or is about it, sets bfloat16)
        params["_condition"] = ("with bnb_4bit_compute_dtype set to 16 bits, as QLoRA's recipe "
                                "does (BitsAndBytesConfig defaults it to float32)")
    return params


def _width_params(frame: Frame) -> dict[str, Any] | str:
    if frame.has("presupposed") and frame.has("other_figure"):
        # "the memory footprint of a 4-bit 7B model is about 7 GB": the width names the model
        # the sentence speaks of; what it states is the figure
        return ("the 4-bit width names the model or layers the sentence speaks of; what it "
                "states is another figure")
    if frame.has("activations_quantized"):
        return {"claim": "activations"}
    if frame.has("adapters_16"):
        base = next((q for q in frame.quantities if q.unit == "bits" and q.value in (2, 3, 8)
                     and q.role != "adapter"), None)
        if base is not None and (frame.has("nf4") or frame.subject == "qlora"):
            # "the base is held in 8-bit NormalFloat while the adapters train in bf16": the
            # base's width is the claim, the adapters' 16 bits its setting
            return {"claim": "four_bit", "bits": base.value}
        if frame.subject != "qlora" and not frame.has("quantized"):
            return ("adapters said to be in 16 bits with no quantized base named: any LoRA "
                    "keeps them so, and it is not a claim about QLoRA's storage")
        return {"claim": "composition", "adapters_quantized": False}
    if frame.has("adapters_quantized"):
        return {"claim": "composition", "adapters_quantized": True}
    # storage widths only: a compute dtype (16 or 32 bits) is not what QLoRA stores
    width = _nearest(frame, ("bits",), limit=8)
    # "quantized twice, first to 4 bits and then again down to 2 bits": the width it ends at
    later = [q for q in frame.quantities if q.unit == "bits" and q.value <= 8
             and _THEN_TO.search(frame.text, max(0, q.span[0] - 40), q.span[0])]
    if width is not None and later and any(
            q.unit == "bits" and q.value <= 8 and q.span[0] < later[-1].span[0]
            for q in frame.quantities):
        if later[-1].value == 4:  # "first to 8 bits and then to 4": a path to 4 bits, whose
            # steps are the claim (QLoRA quantizes the weights once)
            return "the sentence describes a sequence of quantization steps, not one width"
        width = later[-1]
    nf4 = any(d in ("nf4", "fp4") for d in frame.conditions.get("dtypes", ())) or frame.has("nf4")
    if width is not None and not float(width.value).is_integer():
        # "4.127 bits each": bits per parameter with the scales, not the code's width
        return f"{width.text} is a cost per parameter, not a storage width; it is read as one " \
               "only next to 'per parameter' or 'per weight'"
    if width is not None and width.role == "state":
        # "paged AdamW keeps the optimizer states in 4-bit": the states' width, not the weights'
        return (f"{width.text} is said of the optimizer's states, not of the weights: their "
                "width is not measured here")
    said_of_adapters = next((q for q in frame.quantities if q.unit == "bits" and q.value == 4
                             and q.role == "adapter"), None)
    if said_of_adapters is not None:  # "trains the LoRA adapters in 4-bit" (also when the
        # base's own 4-bit comes first: "the base is 4-bit, so the adapters are too")
        return {"claim": "composition", "adapters_quantized": True}
    constants = next((q for q in frame.quantities if q.unit == "bits" and q.value in (
        4, 8, 16, 32) and _OF_CONSTANTS.search(frame.text, max(0, q.span[0] - 50), q.span[0])),
                     None)
    if constants is not None:
        # "double quantization stores the first-level constants in 4 bits": the constants'
        # width, not the weights'
        if _SECOND_LEVEL.search(frame.text, max(0, constants.span[0] - 60), constants.span[0]):
            # the scales of the quantized constants, named before the width ("... to 8 bits,
            # with a second level of fp32 constants" gives the first level its 8 bits)
            return {"claim": "constants_bits", "bits": constants.value, "dq": "with",
                    "level": 2}
        return {"claim": "constants_bits", "bits": constants.value,
                "dq": "with" if frame.has("dq") and _dq(frame) != "without" else "without"}
    per_weight = _BYTES_PER_WEIGHT.findall(frame.text)
    if width is None and len(per_weight) == 1 and not _WIDE_DTYPE.search(frame.text):
        # "NF4 stores each weight in a quarter of a byte": the width in bytes, one figure and
        # no 16- or 32-bit format beside it whose figure it could be
        raw = next(g for g in per_weight[0] if g)
        bits = 8 * (1.0 if raw.lower() in ("a", "one", "a single") else float(raw))
        return {"claim": "four_bit", "bits": bits}
    if frame.has("bare_width") and frame.has("quality_said"):
        # "NF4 QLoRA outputs are indistinguishable from a bf16 LoRA, quality-wise": the width
        # names the method whose quality is compared
        return "a comparison of output quality; the 4-bit width only names the method compared"
    said = frame.spans.get("predicate")
    if not frame.polarity and frame.has("bare_width") and said \
            and _BARE_WIDTH.fullmatch(frame.text, *said):
        # "it is false that QLoRA trains the 4-bit weights directly": the denial is of what
        # the sentence says of the 4-bit weights, with the width named in passing
        return "the sentence denies something said of the 4-bit weights, not their width"
    if width is not None and width.value == 4 and width.precision == 0 and frame.has("dq") \
            and _dq(frame) != "without":
        # "NF4 with double quantization stores each weight in exactly 4 bits": exactly, with
        # the constants named, is the whole cost per weight, codes and scales
        return {"claim": "bits", "bits": 4.0, "low": 4.0, "high": 4.0, "dq": "with"}
    if width is not None:
        if width.value != 4 and frame.subject != "qlora":
            return (f"a {width.text} base is not QLoRA's: LoRA runs on bases of any width, and "
                    "the sentence names no QLoRA")
        return {"claim": "four_bit", "bits": width.value}
    if nf4:
        return {"claim": "four_bit", "bits": 4}
    return "no storage width is stated"


# the width alone, as the bare-width cue reads it (qlora_storage.yaml)
_BARE_WIDTH = re.compile(r"(?:4|four)\s*-?\s*bits?|NF4|normal\s?float\s?4?", re.I)


# a storage width said in bytes per weight: "0.5 bytes per parameter", "each weight in 0.25 of
# a byte", "a byte for each weight"
_BYTE = r"(?<![\w.])(\d*\.?\d+|a single|one|a)(?:\s+of\s+a)?\s*bytes?\b"
_BYTES_PER_WEIGHT = re.compile(
    _BYTE + r"\s+(?:per|for\s+each|for\s+every|each|a)\s+(?:base\s+)?(?:weight|param(?:eter)?)s?\b|"
    r"\b(?:each|every|per|a)\s+(?:base\s+)?(?:weight|param(?:eter)?)\s+(?:\w+\s+){0,2}?"
    r"(?:in|takes?|uses?|costs?|needs?|occupies|into|to)\s+(?:only\s+|just\s+|about\s+)?"
    + _BYTE, re.I)
_WIDE_DTYPE = re.compile(r"\b(?:fp16|bf16|float16|bfloat16|fp32|float32|16|32)\b", re.I)


_THEN_TO = re.compile(r"\b(?:then|again|further|afterwards|next)\s+(?:[\w-]+\s+){0,2}?"
                      r"(?:down\s+)?to\s+(?:about\s+|roughly\s+|~\s*)?$", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """4-bit storage of the base, bits per parameter (with, without or unstated double
    quantization), the scales' overhead and what double quantization saves (in bits, or in
    bytes on a named model), the 4-bit weights' size against 16 or 32 bits, the NF4 code,
    what QLoRA keeps in which precision, and whether 4-bit quantization runs on a CPU."""
    if frame.predicate == "nf4_code":
        return _code_params(frame)
    if frame.predicate in ("bits_per_param", "quantized_4bit") and \
            (width := _AT_WIDTH.search(frame.text)) and _SIZE_AFTER.search(frame.text, width.end()):
        return ("the width is the setting a size is worked out at, not a claim about how NF4 "
                "stores weights")
    if frame.predicate == "bits_per_param":
        return _bits_params(frame)
    if frame.predicate == "storage_ratio":
        return _ratio_params(frame)
    if frame.predicate == "dq_memory":
        return _dq_bytes_params(frame)
    if frame.predicate == "quantize_device":
        return {"claim": "cpu_quantize"}
    if frame.predicate == "compute_dtype":
        return _compute_params(frame)
    if not frame.polarity and frame.has("same_as_int4"):
        # "is NF4 just int4? No: ...": what is denied is that NF4 is int4, not that it is 4-bit
        return "the sentence denies that NF4 is int4, not that it stores 4 bits"
    return _width_params(frame)


def _holds(params: dict[str, Any], value: float) -> bool:
    return params["low"] - 1e-9 <= value <= params["high"] + 1e-9


def _enumerated(holds: dict[str, bool], what: str, measured: dict[str, Any],
                expected: dict[str, Any], pair: dict[str, Any] | None = None) -> dict[str, Any]:
    """The verdict over the configurations a claim leaves open: supported when it holds in
    every one, conditional when in some (named), refuted when in none."""
    good = [k for k, v in holds.items() if v]
    if len(good) == len(holds):
        return result("supported", what, measured, expected, figure=pair)
    if good:
        return result("conditional", f"holds only for {', '.join(good)}: {what}", measured,
                      expected, figure=pair)
    return result("refuted", what, measured, expected, figure=pair)


def _measured_pair(quantity: str, stated: float, values: dict[str, float],
                   unit: str) -> dict[str, Any]:
    """A stated figure beside one measured value, or beside each format's ('4.127 with double
    quantization or 4.5 without') when the claim leaves the format open."""
    if len(values) == 1:
        return figure_pair(quantity, stated, round(next(iter(values.values())), 4), unit)
    said = " or ".join(f"{v:.4g} ({_SHORT[f]})" for f, v in values.items())
    return figure_pair(quantity, stated, said, unit)


_SHORT = {"nf4": "without double quantization", "nf4_dq": "with double quantization",
          "codes": "bare codes"}


def _measure(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Bits per parameter of bitsandbytes NF4 with and without double quantization."""
    from verifiers._nf4 import measure_bits

    return {"nf4_dq": measure_bits(blocksize=params["blocksize"], double_quant=True),
            "nf4": measure_bits(blocksize=params["blocksize"], double_quant=False)}


def _bits(params: dict[str, Any]) -> dict[str, Any]:
    """Whole bits per parameter (codes and block scales), or the scales' share alone."""
    m = _measure(params)
    overhead = params["claim"] == "overhead"
    values = {f: m[f]["bits_per_param"] - (8 * m[f]["code_bytes"] / m[f]["params"]
                                           if overhead else 0.0) for f in m}
    formats = _FORMATS[params["dq"]]
    holds = {_LABEL[f]: _holds(params, values[f]) for f in formats}
    what = "the block scales add" if overhead else "stores"
    text = "; ".join(f"{_LABEL[f]}: {what} {values[f]:.4f} bits per parameter" for f in formats)
    measured = {"bits_per_param": values[formats[-1]], "by_format": values,
                "blocksize": params["blocksize"], "measured": {f: m[f] for f in formats}}
    pair = _measured_pair("block scales" if overhead else "bits per parameter", params["bits"],
                          {f: values[f] for f in formats}, "bits" if overhead else "")
    expected = {"bits": params["bits"], "allowed": [params["low"], params["high"]],
                "double_quant": params["dq"], "overhead_only": overhead}
    said = f"{text} at blocksize {params['blocksize']} (stated {params['bits']:g})"
    if params["dq"] == "both" and any(holds.values()):
        # the sentence names both states: the figure is the one it matches
        good = next(k for k, v in holds.items() if v)
        return result("supported", f"the stated figure is {good}'s, one of the two states the "
                      f"sentence names: {said}", measured, expected, figure=pair)
    if params["usual_dq"] and params["dq"] == "either" and holds[_LABEL["nf4_dq"]]:
        return result("supported", f"holds in QLoRA's own setting (its paper's: NF4 with double "
                      f"quantization): {said}", measured, expected, figure=pair)
    return _enumerated(holds, said, measured, expected, pair)


_STORED_BITS = {"float32": 32, "float16": 16, "bfloat16": 16, "uint8": 8, "int8": 8}
_SECOND_LEVEL = re.compile(r"\bsecond[- ](?:level|stage|order)\b|\blevel[- ]two\b", re.I)


def _constants(params: dict[str, Any]) -> dict[str, Any]:
    """The width the block constants (absmax) are stored in: fp32 on their own, 8 bits once
    double quantization quantizes them (read from bitsandbytes' quant_state)."""
    m = _measure(params)
    formats = _FORMATS[params["dq"]]
    key = "absmax2_dtype" if params["level"] == 2 else "absmax_dtype"
    widths = {f: _STORED_BITS.get(m[f][key], 0) for f in formats}
    holds = {_LABEL[f]: widths[f] == params["bits"] for f in formats}
    what = "the scales of the quantized constants" if params["level"] == 2 else \
        "the block constants"
    text = "; ".join(f"{_LABEL[f]}: {what} are stored as {m[f][key]} "
                     f"({widths[f]} bits)" for f in formats)
    return _enumerated(holds, f"{text} (stated {params['bits']:g} bits)",
                       {"constant_bits": widths, "absmax_dtype": {f: m[f][key]
                                                                   for f in formats}},
                       {"constant_bits": params["bits"], "double_quant": params["dq"],
                        "level": params["level"]},
                       _measured_pair("bits per block constant", params["bits"],
                                      {f: float(w) for f, w in widths.items()}, "bits"))


def _saving(params: dict[str, Any]) -> dict[str, Any]:
    m = _measure(params)
    saved = m["nf4"]["bits_per_param"] - m["nf4_dq"]["bits_per_param"]
    # Bytes this saves on 65B parameters, the paper's own illustration (about 3 GB).
    measured = {"saving_bits": saved, "with_dq": m["nf4_dq"]["bits_per_param"],
                "without_dq": m["nf4"]["bits_per_param"], "saved_gb_65b": saved * 65e9 / 8e9}
    return result("supported" if _holds(params, saved) else "refuted",
                  f"double quantization takes NF4 from {measured['without_dq']:.3f} to "
                  f"{measured['with_dq']:.3f} bits per parameter, saving {saved:.3f} "
                  f"(stated {params['bits']:g}; {measured['saved_gb_65b']:.1f} GB on 65B)",
                  measured, {"saving_bits": params["bits"],
                             "allowed": [params["low"], params["high"]]},
                  figure=figure_pair("double quantization saving", params["bits"],
                                     round(saved, 4), "bits"))


def _saving_bytes(params: dict[str, Any]) -> dict[str, Any]:
    """Bytes double quantization saves on a model: the bits it saves per parameter, measured,
    times the parameters QLoRA quantizes (every block linear of the preset)."""
    from verifiers._memory_model import linear_params
    from verifiers._presets import PRESETS, preset_for_size

    p = PRESETS.get(params["model"]) if params["model"] else preset_for_size(params["size_b"])
    m = _measure(params)
    saved = m["nf4"]["bits_per_param"] - m["nf4_dq"]["bits_per_param"]
    if p is None:
        return _saving_bytes_by_size(params, saved)
    n = linear_params(p)
    gb = saved * n / 8e9
    measured = {"preset": p.name, "quantized_params": n, "saving_bits": saved, "saved_gb": gb,
                "saved_gib": gb * 1e9 / 2**30}
    return result("supported" if _holds(params, gb) else "refuted",
                  f"double quantization saves {saved:.3f} bits on each of {p.name}'s "
                  f"{n / 1e9:.1f}B quantized parameters: {gb:.2f} GB (stated "
                  f"{params['stated']:g} GB)", measured, {"saved_gb": params["stated"],
                                    "allowed": [params["low"], params["high"]]},
                  figure=figure_pair(f"double quantization saving on {p.name}",
                                     params["stated"], round(gb, 2), "GB"))


def _saving_bytes_by_size(params: dict[str, Any], saved: float) -> dict[str, Any]:
    """A bare size no paper model is near ("on this 8B model"): QLoRA quantizes the block
    linears, whose share of a decoder's parameters the presets bound (embeddings and norms stay
    in 16-bit); the saving lies between that share of the stated size and all of it."""
    from verifiers._memory_model import linear_params
    from verifiers._presets import PRESETS

    n = params["size_b"] * 1e9
    # (the share of decoders of about the stated size, within a factor of two; else of all)
    shares = ([linear_params(p) / p.total_params() for p in PRESETS.values()
               if p.llama_like and 0.5 <= p.total_params() / n <= 2.0]
              or [linear_params(p) / p.total_params() for p in PRESETS.values() if p.llama_like])
    lo, hi = saved * n * min(shares) / 8e9, saved * n / 8e9
    measured = {"saving_bits": saved, "size_b": params["size_b"],
                "quantized_share": [min(shares), 1.0], "saved_gb": [lo, hi]}
    expected = {"saved_gb": params["stated"], "allowed": [params["low"], params["high"]]}
    what = (f"double quantization saves {saved:.3f} bits per quantized parameter; a model of "
            f"{params['size_b']:g}B parameters, of which the block linears are {min(shares):.0%} "
            f"to 100% (decoders of about its size), saves {lo:.2f} to {hi:.2f} GB (stated "
            f"{params['stated']:g} GB)")
    if params["low"] - 1e-9 <= lo and hi <= params["high"] + 1e-9:
        verdict = "supported"
    elif params["low"] <= hi and lo <= params["high"]:
        verdict = "conditional"
        what += "; it holds for some shares of quantized weights, and the model is not named"
    else:
        verdict = "refuted"
    return result(verdict, what, measured, expected,
                  figure=figure_pair(f"double quantization saving on {params['size_b']:g}B",
                                     params["stated"], round(hi, 2), "GB"))


def _ratio(params: dict[str, Any]) -> dict[str, Any]:
    """How much smaller 4-bit weights are than 16- or 32-bit ones, for each storage format the
    claim leaves open and each width it compares with."""
    m = _measure(params)
    bits = {f: m[f]["bits_per_param"] for f in _FORMATS[params["dq"]]}
    if params["codes"]:
        bits = {"codes": 4.0, **bits}
    if not params["scales"]:  # "ignoring the scales": the codes alone
        bits = {"codes": 4.0}
    widths = {"16": (16,), "32": (32,), "either": (16, 32), "both": (16, 32)}[params["baseline"]]

    def value(b: float, w: int) -> float:
        if params["unit"] == "x":
            return w / b
        return 100 * (1 - b / w) if params["unit"] == "pct" else 100 * b / w

    table = {f: {w: value(b, w) for w in widths} for f, b in bits.items()}
    if params["baseline"] == "both":  # a range whose ends are the two widths
        holds = {_LABEL[f]: all(_holds(params, v) for v in row.values())
                 for f, row in table.items()}
    else:
        holds = {f"{_LABEL[f]} against {w}-bit": _holds(params, v)
                 for f, row in table.items() for w, v in row.items()}
    sign = {"x": "x smaller", "pct": "% smaller", "pct_left": "% of the size"}[params["unit"]]
    text = "; ".join(f"{_LABEL[f]} ({bits[f]:.3f} bits): " + ", ".join(
        f"{v:.3g}{sign} than {w}-bit" for w, v in row.items()) for f, row in table.items())
    return _enumerated(holds, f"{text} (stated {params['stated']:g})",
                       {"bits_per_param": bits, "table": {f: {str(w): v for w, v in r.items()}
                                                          for f, r in table.items()}},
                       {"allowed": [params["low"], params["high"]], "unit": params["unit"],
                        "baseline": params["baseline"]})


def _code(params: dict[str, Any]) -> dict[str, Any]:
    from verifiers._nf4 import nf4_code

    code = nf4_code()
    negatives = sum(v < 0 for v in code)
    positives = sum(v > 0 for v in code)
    symmetric = sorted(-v for v in code) == code
    gaps = [b - a for a, b in zip(code, code[1:], strict=False)]
    even = max(gaps) - min(gaps) <= 1e-6  # int4's levels are; quantiles of a normal are not
    measured = {"code": code, "levels": len(code), "exact_zero": 0.0 in code,
                "negatives": negatives, "positives": positives, "symmetric": symmetric,
                "evenly_spaced": even, "gap_min": min(gaps), "gap_max": max(gaps)}
    prop = params["property"]
    ok = {"levels": len(code) == (params["levels"] or len(code)),
          "symmetric": symmetric, "asymmetric": not symmetric,
          "exact_zero": measured["exact_zero"], "range": (code[0], code[-1]) == (-1.0, 1.0),
          "evenly_spaced": even}[prop]
    kind = "symmetric" if symmetric else "asymmetric"
    spacing = ("evenly spaced" if even else
               f"not evenly spaced: gaps from {min(gaps):.3f} to {max(gaps):.3f}")
    return result("supported" if ok else "refuted",
                  f"bitsandbytes' NF4 code has {len(code)} values, "
                  f"{'an' if measured['exact_zero'] else 'no'} exact zero, {negatives} negative "
                  f"and {positives} positive ({kind}), from {code[0]:g} to {code[-1]:g}, "
                  f"{spacing}",
                  measured, {"property": prop, **({"levels": params["levels"]}
                                                  if prop == "levels" else {})})


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
                  f"{params['bits']:g}", measured, {"bits": params["bits"]},
                  figure=figure_pair("bits per stored weight", params["bits"], stored))


def _cpu_quantize(params: dict[str, Any]) -> dict[str, Any]:
    """Quantize a matrix to NF4 with bitsandbytes on the CPU and read it back."""
    from verifiers._env import package_versions

    version = package_versions().get("bitsandbytes")
    try:
        m = _measure(params)["nf4_dq"]
    except (RuntimeError, NotImplementedError, ValueError) as exc:
        return result("refuted", f"bitsandbytes {version} could not quantize to NF4 on the CPU: "
                      f"{exc}"[:300], {"bitsandbytes": version}, {"cpu_quantize": True})
    ok = m["code_bytes"] * 2 == m["params"] and m["relative_error"] < 0.2
    return result("supported" if ok else "refuted",
                  f"bitsandbytes {version} quantized a {m['params']:,}-weight matrix to NF4 on "
                  f"the CPU ({8 * m['code_bytes'] / m['params']:g}-bit codes, "
                  f"{m['bits_per_param']:.3f} bits per parameter with scales; mean relative "
                  f"error {m['relative_error']:.3f} after dequantizing)",
                  {"bitsandbytes": version, **m}, {"cpu_quantize": True})


def _forward() -> dict[str, Any]:
    """One NF4 `Linear4bit` forward on the CPU, at bf16 and at fp32 compute: what the output
    matches (unquantized activations times the dequantized weight, or 4-bit activations)."""
    import bitsandbytes.functional as F
    import torch

    from verifiers._qlora_build import quantized_linear

    torch.manual_seed(0)
    layer = quantized_linear(256, 512, "cpu")
    weight = F.dequantize_4bit(layer.weight.data, layer.weight.quant_state)
    out: dict[str, Any] = {"stored_dtype": str(layer.weight.data.dtype).replace("torch.", ""),
                           "stored_bits_per_weight": 8 * layer.weight.data.numel()
                           / weight.numel()}
    for dtype in (torch.bfloat16, torch.float32):
        layer.compute_dtype = dtype
        x = torch.randn(8, 512, dtype=dtype)
        y = layer(x)
        exact = x @ weight.to(dtype).t()
        x4 = F.dequantize_4bit(*F.quantize_4bit(x.to(torch.bfloat16), quant_type="nf4"))
        four = x4.to(dtype) @ weight.to(dtype).t()
        scale = float(exact.float().abs().mean())
        name = str(dtype).replace("torch.", "")
        out[name] = {"output_dtype": str(y.dtype).replace("torch.", ""),
                     "error_vs_unquantized_activations":
                         float((y.float() - exact.float()).abs().max()) / scale,
                     "error_vs_4bit_activations":
                         float((y.float() - four.float()).abs().max()) / scale}
    return out


_DTYPE_BITS = {"bfloat16": 16, "float32": 32}


def _compute(params: dict[str, Any]) -> dict[str, Any]:
    """What QLoRA computes in: the 4-bit weight is dequantized and multiplied with unquantized
    activations in the compute dtype (bf16 or fp32), never in 4 bits; `activations`: the claim
    that activations are compressed to 4 bits, checked on the same forward."""
    m = _forward()
    runs = {k: m[k] for k in _DTYPE_BITS}
    exact = all(r["error_vs_unquantized_activations"] < 1e-2 and
                r["error_vs_4bit_activations"] > 1e-2 for r in runs.values())
    widths = sorted(_DTYPE_BITS[k] for k, r in runs.items() if r["output_dtype"] == k)
    text = (f"an NF4 Linear4bit stores {m['stored_bits_per_weight']:g}-bit codes and computes in "
            f"{' or '.join(f'{w}-bit' for w in widths)} (its compute dtype): the output equals "
            f"unquantized activations times the dequantized weight (relative error "
            f"{runs['bfloat16']['error_vs_unquantized_activations']:.1g}; with 4-bit activations "
            f"it would be off by {runs['bfloat16']['error_vs_4bit_activations']:.2f})")
    if params["claim"] == "activations":
        return result("refuted" if exact else "supported",
                      "activations are not quantized: " + text, m, {"activations_4bit": True})
    ok = params["bits"] in widths and exact
    return result("supported" if ok else "refuted", f"{text}; stated {params['bits']:g}-bit",
                  m, {"compute_bits": params["bits"]})


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Dispatch on the claim's kind."""
    if params["claim"] == "composition":
        from verifiers._qlora_tiny import composition
        from verifiers._tiny import PEFT_MISSING, peft_available

        if not peft_available():
            return result("skipped", PEFT_MISSING, {}, {"claim": "composition"})
        return composition(params)
    return {"bits": _bits, "overhead": _bits, "dq_saving": _saving, "dq_bytes": _saving_bytes,
            "constants_bits": _constants,
            "ratio": _ratio, "nf4_code": _code, "four_bit": _four_bit,
            "cpu_quantize": _cpu_quantize, "compute": _compute,
            "activations": _compute}[params["claim"]](params)


VERIFIER = Verifier(
    id="lora.qlora_storage", version=8, title="QLoRA's 4-bit NF4 storage and what QLoRA is",
    run=run, params=PARAMS, timeout_s=120,
    claims=(("qlora", "quantized_4bit"), ("lora", "quantized_4bit"), ("*", "bits_per_param"),
            ("*", "nf4_code"), ("*", "dq_memory"), ("qlora", "storage_ratio"),
            ("lora", "storage_ratio"), ("*", "quantize_device"), ("qlora", "compute_dtype"),
            ("lora", "compute_dtype")),
    to_params=to_params,
    examples=("QLoRA stores the frozen base model in 4-bit NormalFloat.",
              "With double quantization NF4 costs about 4.127 bits per parameter.",
              "The NF4 data type has 16 levels.",
              "Double quantization saves about 0.37 bits per parameter.",
              "On a 65B model, double quantization frees roughly 3 GB.",
              "NF4 weights take about 4x less memory than bf16 weights."),
    requires=Requires(device="cpu", packages=("bitsandbytes",)),
)
