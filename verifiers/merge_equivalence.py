"""Family 3a: merging LoRA into the base weights (W' = W0 + s B A) keeps the outputs.

Measured with B non-zero (as after training; with B = 0 merging would trivially change nothing):
the reference layer's outputs before and after `merge`, and a tiny Llama under PEFT before and
after `merge_and_unload`, compared with `allclose(atol, rtol)` (PEFT's own tests use 1e-4 in
fp32). It also checks that every merged layer is a plain `nn.Linear` of the base shape.

Each dtype the claim needs is measured: in fp32 merged and unmerged outputs agree to rounding
(about 1e-6); in bf16 or fp16 the sum W0 + s B A is rounded to 16 bits, so outputs move by
about the format's precision. A claim about lost precision that names no dtype is measured in
fp32 and bf16, and holds in one only: `conditional`.
"""

from __future__ import annotations

import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


# A 16-bit merge's difference counts as rounding when it is no larger than ROUNDING times the
# error the format makes on the unmerged model itself (its outputs against the same model in
# fp32, same inputs). Measured: merge difference / that error was 0.39 to 1.73 over 48 runs
# (seeds 1-6, d=k=256 r=8 and d=k=1024 r=64, bf16 and fp16, reference layer and PEFT Llama;
# 0.85 and 1.33 in bf16 at the defaults), so a 16-bit merge rounds at the format's own
# precision; 3 leaves room, and a merge into 4-bit weights (re-quantized: 20x bf16's error on
# the same model) stays far beyond it.
ROUNDING = 3.0
SIXTEEN = ("bf16", "fp16")
FOUR_BIT = ("nf4", "fp4")


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Compare merged and unmerged outputs (reference and PEFT) in each dtype asked for."""
    expected = {"claim": params["claim"], "atol": params["atol"], "rtol": params["rtol"],
                "dtypes": params["dtypes"], "exactness": params["exactness"],
                **({"into": params["into"]} if params["into"] else {})}
    per = {dtype: _measure(params, dtype) for dtype in params["dtypes"].split(",")}
    measured: dict[str, Any] = {
        "note": "B set non-zero in both (reference Gaussian, PEFT init_lora_weights=False: "
                "kaiming-uniform A and B; on a 4-bit base, LoRA trained a few AdamW steps)",
        **({"reference": per["fp32"]["reference"], "peft": per["fp32"]["peft"]}
           if "fp32" in per else {}),
        "by_dtype": per}
    texts = {d: m["text"] for d, m in per.items()}
    unmeasured = [d for d, m in per.items()
                  if "skipped" in m["reference"] and "skipped" in m["peft"]]
    if unmeasured:
        # nothing was measured in a dtype the claim names: the other dtypes cannot speak for it
        return result("skipped", "; ".join(f"{d}: {texts[d]}" for d in unmeasured) + ".",
                      measured, expected)
    split = {d: m["same"] for d, m in per.items()}
    if any(v is None for v in split.values()):
        return result("conditional", "Reference and PEFT disagree: "
                      + "; ".join(f"{d}: {t}" for d, t in texts.items()) + ".", measured, expected)
    said = {d: same if params["claim"] == "equal" else not same for d, same in split.items()}
    if len(set(said.values())) > 1:
        good = [d for d, v in said.items() if v]
        return result("conditional", f"Merging keeps the outputs only in {', '.join(good)}: "
                      + "; ".join(f"in {d} {t}" for d, t in texts.items()) + ".",
                      measured, expected, figure=_pair(params, per))
    text = "; ".join(f"in {d} {t}" if len(texts) > 1 else t for d, t in texts.items())
    return result("supported" if all(said.values()) else "refuted",
                  f"{text[0].upper()}{text[1:]}.", measured, expected, figure=_pair(params, per))


def _pair(params: dict[str, Any], per: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The largest merged-vs-unmerged difference (reference or PEFT, any dtype measured)
    beside the tolerance the claim is held to."""
    diffs = {(d, h["max_abs_diff"]) for d, m in per.items()
             for h in (m["reference"], m["peft"]) if "skipped" not in h}
    dtype, worst = max(diffs, key=lambda x: x[1])
    side = "within" if params["claim"] == "equal" else "beyond"
    stated = f"{side} {_tolerance(params)}"
    if params["exactness"] == "rounding" and any(d in SIXTEEN for d in per):
        stated += f", or {ROUNDING:g}x the 16-bit format's own error"
    return figure_pair(f"merged vs unmerged outputs, max |diff| in {dtype}", stated,
                       float(f"{worst:.3g}"))


def _tolerance(params: dict[str, Any]) -> str:
    if params["exactness"] == "bitwise":
        return "bit-for-bit equality"
    return f"atol={params['atol']:g}, rtol={params['rtol']:g}"


def _holds(half: dict[str, Any], exactness: str) -> bool:
    """Whether one measurement finds the merge output-preserving at the claim's exactness:
    bit for bit; within atol/rtol; or also within the 16-bit format's own rounding."""
    if exactness == "bitwise":
        same = half["bitwise_equal"]
    elif exactness == "tolerance":
        same = half["allclose"]
    else:
        same = half["allclose"] or half["within_format_rounding"]
    return same and half["plain_linear"]


def _measure(params: dict[str, Any], dtype: str) -> dict[str, Any]:
    """Both measurements in one dtype, and whether they find merging output-preserving (None
    when they disagree). A 4-bit base has the PEFT measurement only."""
    if dtype in FOUR_BIT:
        return _measure_four_bit(params, dtype)
    ref = _reference(params, dtype)
    peft = _peft(params, dtype) if peft_available() else {"skipped": PEFT_MISSING}
    halves = [h for h in (ref, peft) if "skipped" not in h]
    same = {_holds(h, params["exactness"]) for h in halves}
    text = (f"merged vs unmerged max |diff| {ref['max_abs_diff']:.3g} (reference, outputs up to "
            f"{ref['output_abs_max']:.3g})")
    if "skipped" not in peft:
        text += (f" and {peft['max_abs_diff']:.3g} (PEFT logits, up to "
                 f"{peft['output_abs_max']:.3g}); PEFT left {peft['non_plain_modules']} "
                 f"non-nn.Linear adapted modules after merge_and_unload")
    text += f", tolerance {_tolerance(params)}"
    if dtype in SIXTEEN:
        own = max(h["format_error_abs_max"] for h in halves)
        text += (f"; {dtype} itself moves the unmerged outputs by up to {own:.3g} from fp32 "
                 f"(the merge's difference is "
                 + ("within" if all(h["within_format_rounding"] for h in halves) else "beyond")
                 + f" {ROUNDING:g}x that: " + ("rounding at the format's own precision"
                                              if all(h["within_format_rounding"] for h in halves)
                                              else "more than rounding") + ")")
    return {"reference": ref, "peft": peft, "text": text,
            "same": same.pop() if len(same) == 1 else None}


def _measure_four_bit(params: dict[str, Any], quant_type: str) -> dict[str, Any]:
    """PEFT's merge into bitsandbytes 4-bit layers: re-quantized, so compared with the
    unmerged QLoRA model in fp32 compute (no other rounding between the two)."""
    from verifiers._env import has_package
    from verifiers._merge_peft import four_bit_merge

    if not (peft_available() and has_package("bitsandbytes")):
        skipped = {"skipped": "bitsandbytes, peft and transformers are needed for a 4-bit merge"}
        return {"reference": skipped, "peft": skipped, "text": skipped["skipped"], "same": None}
    peft = four_bit_merge(params, quant_type)
    peft["plain_linear"] = True  # the merged layer stays 4-bit by design: its outputs decide
    if params["into"] == "original":
        # the adapter merged into the weights the base was quantized from, against the model
        # it was trained as (the 4-bit base plus the adapter): the quantization error remains
        diff, top = peft["into_original"], peft["output_abs_max"]
        skipped = {"skipped": "measured on PEFT's 4-bit model only"}
        same = diff == 0.0 if params["exactness"] == "bitwise" else \
            diff <= params["atol"] + params["rtol"] * top
        text = (f"an adapter trained on a {quant_type.upper()} 4-bit base and merged into the "
                f"original unquantized weights moves the logits by {diff:.3g} ({diff / top:.1%} "
                f"of the largest, up to {top:.3g}) from the model it was trained as: the base's "
                f"quantization error stays in the difference (merged into a 16-bit copy of the "
                f"dequantized base instead: {peft['into_fp32_copy']:.3g}), tolerance "
                f"{_tolerance(params)}")
        return {"reference": skipped, "peft": {**peft, "max_abs_diff": diff}, "text": text,
                "same": same}
    same = _holds(peft, params["exactness"])
    text = (f"merging into {quant_type.upper()} 4-bit weights re-quantizes them: merged vs "
            f"unmerged max |diff| {peft['max_abs_diff']:.3g} (PEFT logits, up to "
            f"{peft['output_abs_max']:.3g}, {peft['relative_diff']:.1%} of the largest), the "
            f"merged weights off W0 + s BA by up to {peft['requant_error_vs_update']:.2f}x the "
            f"update's largest entry; the same update merged into a 16-bit copy of the base "
            f"moves the logits by {peft['into_fp32_copy']:.3g} (fp32) and "
            f"{peft['into_bf16_copy']:.3g} (bf16), tolerance {_tolerance(params)}")
    skipped = {"skipped": "no reference implementation of a 4-bit merge: PEFT's is measured"}
    return {"reference": skipped, "peft": peft, "text": text, "same": same}


_TORCH_DTYPE = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def _compare(merged: Any, unmerged: Any, exact: Any, p: dict[str, Any]) -> dict[str, Any]:
    """Merged against unmerged outputs (both in the dtype measured), and the unmerged outputs
    against `exact`, the same model's in fp32: the format's own error on these inputs."""
    import torch

    merged, unmerged = merged.float(), unmerged.float()
    diff = float((merged - unmerged).abs().max())
    own = float((unmerged - exact.float()).abs().max())
    return {"max_abs_diff": diff, "output_abs_max": float(unmerged.abs().max()),
            "format_error_abs_max": own,
            "allclose": bool(torch.allclose(merged, unmerged, atol=p["atol"], rtol=p["rtol"])),
            "bitwise_equal": bool(torch.equal(merged, unmerged)),
            "within_format_rounding": own > 0 and diff <= ROUNDING * own}


def _reference(p: dict[str, Any], dtype: str = "fp32") -> dict[str, Any]:
    import torch
    from torch import nn

    from verifiers._lora import make_lora_linear

    torch_dtype = getattr(torch, _TORCH_DTYPE[dtype])
    gen = torch.Generator().manual_seed(p["seed"])
    base = nn.Linear(p["k"], p["d"])
    with torch.no_grad():
        base.weight.uniform_(-p["k"] ** -0.5, p["k"] ** -0.5, generator=gen)
        base.bias.uniform_(-p["k"] ** -0.5, p["k"] ** -0.5, generator=gen)
    layer = make_lora_linear(base, p["r"], p["alpha"], generator=gen)
    with torch.no_grad():
        # B of unit scale, so the update is as large as W0's own contribution, not negligible.
        b = torch.empty(layer.lora_B.shape).normal_(0.0, 1.0, generator=gen)
        layer.lora_B.copy_(b)
        x = torch.randn(p["batch"], p["k"], generator=gen)
        exact = layer(x)  # fp32, unmerged: what the dtype's own rounding is measured against
        layer, x = layer.to(torch_dtype), x.to(torch_dtype)
        base_out = layer.base(x)
        unmerged = layer(x)
        layer.merge()
        # what a merged checkpoint loads into: no LoRA code
        plain = nn.Linear(p["k"], p["d"]).to(torch_dtype)
        plain.load_state_dict(layer.base.state_dict())
        merged = plain(x)
    return {"d": p["d"], "k": p["k"], "r": p["r"],
            "lora_contribution_abs_max": float((unmerged.float() - base_out.float()).abs().max()),
            **_compare(merged, unmerged, exact, p),
            "plain_linear": type(plain) is nn.Linear
            and tuple(plain.weight.shape) == (p["d"], p["k"])}


def _peft(p: dict[str, Any], dtype: str = "fp32") -> dict[str, Any]:
    import torch
    from torch import nn

    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    tokens = random_tokens(2, 16, seed=p["seed"] + 1)
    r = min(p["r"], 32)

    # the same model in fp32 (tiny_llama seeds torch's generator, so PEFT draws the same A and
    # B): what the dtype's own rounding is measured against
    exact_model = peft_lora(tiny_llama(layers=2, kv_heads=2, seed=p["seed"]), r=r,
                            alpha=p["alpha"], targets=TARGETS, init_lora_weights=False)
    with torch.no_grad():
        exact = exact_model(input_ids=tokens).logits
    model = tiny_llama(layers=2, kv_heads=2, seed=p["seed"]).to(
        getattr(torch, _TORCH_DTYPE[dtype]))
    shapes = {n: tuple(m.weight.shape) for n, m in model.named_modules()
              if n.rsplit(".", 1)[-1] in TARGETS}
    with torch.no_grad():
        base_logits = model(input_ids=tokens).logits.float()
    model = peft_lora(model, r=r, alpha=p["alpha"], targets=TARGETS, init_lora_weights=False)
    with torch.no_grad():
        unmerged = model(input_ids=tokens).logits
        merged_model = model.merge_and_unload()
        merged = merged_model(input_ids=tokens).logits
    modules = dict(merged_model.named_modules())
    non_plain = [n for n in shapes if type(modules.get(n)) is not nn.Linear
                 or tuple(modules[n].weight.shape) != shapes[n]]
    return {"adapted_modules": len(shapes), "r_used": r,
            "lora_contribution_abs_max": float((unmerged.float() - base_logits).abs().max()),
            **_compare(merged, unmerged, exact, p),
            "non_plain_modules": len(non_plain), "plain_linear": not non_plain,
            "lora_modules_left": sum("lora_" in n for n in modules)}


# The sizes a frame may state, with the bounds `run` accepts; a value outside them is left to
# the default (merging is exact whatever the size; the size only sets the rounding).
_SIZES = {"d": 4096, "k": 4096, "r": 512, "alpha": 4096.0}
_MEASURED = {"fp32": "fp32", "bf16": "bf16", "fp16": "fp16", "16bit": "bf16", "nf4": "nf4",
             "fp4": "fp4"}


# a difference put down to rounding; said to be large; or said to be free of rounding
_SLIGHT = re.compile(r"\b(?:rounding|rounded|round-?off|numerical\s+(?:noise|precision|error)|"
                     r"(?:small|slight|tiny|minor)\s+(?:numerical\s+)?differences?|"
                     r"floating[- ]point|precision)\b", re.I)
# ("exactly the same shape and speed as the base" is said of the architecture, not the outputs)
_NO_ROUNDING = re.compile(r"\b(?:without|no|zero|free\s+of)\s+(?:any\s+)?(?:rounding|numerical|"
                          r"precision)\b|\bexact(?:ly)?\b(?!\s+(?:the\s+)?same\s+(?:shapes?|speed|"
                          r"size|architecture|layout|dimensions|FLOPs|latency|parameter))|"
                          r"\blossless\w*", re.I)
_LARGE = re.compile(r"\b(?:substantial(?:ly)?|significant(?:ly)?|considerabl[ey]|large|big|"
                    r"drastic(?:ally)?|noticeabl[ey]|far beyond|well beyond|more than rounding)\b",
                    re.I)
_SCORES = re.compile(r"\b(?:score[sd]?|scoring|accuracy|perplexity|benchmarks?)\b", re.I)


_BIT_EXACT_WORDS = re.compile(r"\bbit[- ](?:for[- ]bit|identical)\b|\bbit-?wise\b|"
                              r"\bexactly\s+identical\b", re.I)


_SAID_EQUAL = re.compile(r"\b(?:same|identical|equal|equivalent|exact\w*|lossless\w*|"
                         r"no\s+loss|without\s+(?:any\s+)?(?:loss|losing)|loses\s+nothing|"
                         r"unchanged|preserv\w*|fidelity|matches|reproduc\w*|"
                         r"bit[- ]?for[- ]?bit|no\s+(?:rounding\s+)?(?:change|error|difference)s?|"
                         r"(?:not|n't)\s+change|without\s+(?:any\s+)?(?:rounding\s+)?(?:change|error|"
                         r"difference)s?|unaffected)\b", re.I)
# (narrower than _SAID_EQUAL, which only lets a 4-bit merge be judged: picking the 4-bit dtype
# of several needs a word that nothing is lost; "saw the same drift" says "same" of no output)
_NOTHING_LOST = re.compile(r"\b(?:no\s+loss|lossless(?:ly)?|without\s+(?:any\s+)?(?:loss|losing)|"
                           r"loses\s+nothing|bit[- ]?exact|exact(?:ly)?|identical|the\s+same\s+"
                           r"(?:outputs?|logits|results?)|(?:full|no\s+loss\s+of)\s+fidelity)\b",
                           re.I)


_MERGING = re.compile(r"\s*(?:merging|folding|fusing)\b", re.I)
_MERGE_DOES = re.compile(r"(?:\s+(?!(?:and|but|so|which|that|because)\b)[\w-]+){0,3}?\s*"
                         r"(?:makes?|adds?|slows?|costs?|increases?|introduces?|removes?|"
                         r"eliminates?|speeds?|hurts?|saves?|doubles?|halves?)\b", re.I)
# an adapter's noun right before "merged ...": a reduced relative clause, the merged adapter
_NOUN_BEFORE = re.compile(r"\b(?:adapters?|LoRAs?|weights|update|delta|BA|B\s*A|matrices)\s+$",
                          re.I)
_STATE_DENIED = re.compile(r"\b(?:is|are|was|were)(?:\s+not|n't)\s+(?:yet\s+|being\s+)?(?:merged|"
                           r"folded|fused|baked|absorbed)\b", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A `mergeable` frame checks that merged outputs equal unmerged ones (a sentence saying
    merging changes them is that claim denied), at the sizes the sentence states, in the dtype
    it names (a bare '16-bit' is measured as bf16, '4-bit' as NF4, merged by PEFT into
    bitsandbytes layers). Of several dtypes named, the one the merge goes into (facet
    `into_4bit`) is measured. With no dtype named it is fp32, and also bf16 when the claim is
    about numerical precision (facet `precision`), extends the equality to any dtype (facet
    `any_dtype`), says the outputs are identical (facet `identical`), or states the equality
    bare (facet `outputs`: "the same outputs", "lossless"), not held to rounding or fp32 nor
    written as algebra (mark `qualified`): those hold in one of the two only ("can" claims: in
    some setting). A qualified equality is measured as if bare of `identical` and `precision`.

    Exactness: a 16-bit merge's rounding at the format's own precision keeps "the same
    outputs"; it does not keep identical outputs, nor a claim about rounding itself; and
    bit-for-bit equality (facet `bit_exact`) is held to exactly that."""
    if frame.predicate != "mergeable":
        return f"no claim of this verifier is read from '{frame.predicate}'"
    a, b = frame.spans.get("predicate", (0, 0))
    if frame.polarity and frame.has("bit_exact_denied") \
            and not _BIT_EXACT_WORDS.search(frame.text, a, b):
        # "you can merge into the 4-bit base, but the result is not bit-identical": the merge
        # said possible, its bit-identity denied in a clause of its own; the frame's words
        # are the first, which alone claim no equality
        return "the sentence says the merge is possible and denies bit-identity in a clause " \
               "of its own: which of the two is measured is not read"
    if not frame.polarity and frame.has("all_at_once"):
        # "they can't all be merged into the weights at once": several adapters in one base,
        # a serving limit, not merged outputs that differ from unmerged ones
        return "several adapters merged into one base at once: a serving limit, not whether " \
               "a merge keeps the outputs"
    if _MERGE_DOES.match(frame.text, b) and frame.text[a:a + 6].lower() == "merged" \
            and _NOUN_BEFORE.search(frame.text, max(0, a - 30), a):
        # "a LoRA adapter merged into W0 adds latency": the merged adapter is the subject of
        # another claim (what it does), not a merge said to keep the outputs
        return "a merged adapter is the subject of another claim (what it does), not a merge " \
               "said to keep the outputs"
    if not frame.polarity and _MERGE_DOES.match(frame.text, b) \
            and _MERGING.match(frame.text, a):
        # "It is false that merging the adapter into the base makes inference slower": the
        # merge is the subject of another claim, which the denial is of
        return "the merge is the subject of another claim (what merging does), which the " \
               "denial is of"
    if not frame.polarity and not any(c.startswith("modal_") for c in frame.cues) \
            and _STATE_DENIED.search(frame.text, max(0, a - 30), b):
        # "... overhead because BA isn't folded into the weights": the unmerged state, said
        # as the reason for a cost, not a merge that changes the outputs
        return "the sentence says the update is not merged (a state), not that merging " \
               "changes the outputs"
    if frame.has("score_compare") and _SCORES.search(frame.text[a:b]):
        # ("merged models score higher than unmerged ones": the words that were read are the
        # scores'; "merging changes the function, so it should score worse" keeps its claim)
        return "a comparison of task scores, not of the outputs themselves"
    if not frame.polarity and frame.has("in_training"):
        # "during training with lora_dropout > 0 the merged and unmerged models differ":
        # dropout on the adapter path only, in train mode; the outputs are compared in eval
        return ("the outputs are said to differ in training, with dropout on the adapter's "
                "path; merged and unmerged are compared here in eval, where dropout is off")
    if frame.polarity and frame.has("op_duration") and not frame.has("outputs") \
            and not frame.has("identical"):
        # "merging the adapter takes under a second": a time, which depends on the hardware
        return ("a duration of the merge, which depends on the hardware and is not timed here "
                "(the merge's outputs are what this verifier measures)")
    if frame.has("merge_as_time"):
        return ("the merge is named as a moment for something else (switching adapters), not "
                "as a claim about merged outputs")
    if frame.has("into_original") and (frame.subject == "qlora" or frame.has("trained_4bit")) \
            and (frame.has("outputs") or frame.has("identical") or frame.has("bit_exact")
                 or _NO_ROUNDING.search(frame.text)) and not frame.has("qualified"):
        # "a QLoRA adapter merged into the original fp16 base reproduces exactly what you saw
        # in training": the outputs of the model it was trained as (the 4-bit base plus it)
        return {"claim": "equal", "dtypes": "nf4", "into": "original",
                **({"exactness": "bitwise"} if frame.has("bit_exact") else {})}
    stated = frame.conditions.get("dtypes", ())
    named = list(dict.fromkeys(_MEASURED[d] for d in stated if d in _MEASURED))
    if len(named) > 1 and (frame.has("into_4bit") or frame.has("merged_into_4bit") and (
            _NOTHING_LOST.search(frame.text) or not frame.polarity)):
        # (a merge into 4-bit weights said to lose nothing, or to change the outputs; one only
        # named as done, "I had to merge into the 4-bit model", claims no equality of its own)
        named = [d for d in named if d in FOUR_BIT]
    if len(named) > 1 and set(named) <= {"fp32", "bf16", "fp16"} and frame.polarity \
            and frame.has("qualified") and not frame.has("bit_exact"):
        # "... match up to floating-point rounding, as long as the base is kept in full or
        # half precision": an equality held to rounding in each of the 16- and 32-bit formats
        return {"claim": "equal", "dtypes": "fp32,bf16"}
    if len(named) > 1:
        return f"several dtypes are named ({', '.join(named)})"
    if not named and not stated and frame.has("into_4bit"):
        # "merging into quantized weights means re-quantizing, so the merged model drifts":
        # the weights merged into are quantized ones (measured as NF4, QLoRA's), not fp32
        named = ["nf4"]
    if named and named[0] in FOUR_BIT and frame.polarity and not _SAID_EQUAL.search(frame.text):
        # "MAU-4: merging into the 4-bit base": a merge into 4-bit weights named, with nothing
        # said of what it keeps (PEFT does merge into them; its rounding is no equality claimed)
        return "a merge into 4-bit weights is named, and nothing is said of its outputs"
    if "int8" in stated and not named:
        return "merging into an 8-bit (LLM.int8) base is not measured here"
    strict = frame.has("precision") or frame.has("any_dtype") or frame.has("identical")
    # a bare "same outputs" or "lossless", not held to rounding or fp32 nor stated as algebra,
    # names no precision: it holds in fp32, and in bf16 only up to the merge's rounding
    if frame.polarity and frame.has("qualified"):
        strict = False
    elif not frame.polarity and _LARGE.search(frame.text):
        # "merging changes the outputs far beyond rounding": a rounding-sized difference is no
        # change of that kind, in any dtype
        strict = False
    elif frame.polarity and frame.has("outputs") and not named and not frame.has("bit_exact") \
            and not frame.has("modal_all"):
        # ("never changes the outputs": a bf16 merge's rounding is no ground to refute it)
        strict = True
    params: dict[str, Any] = {"claim": "equal"}
    if named and named[0] in FOUR_BIT and frame.polarity and frame.has("qualified") and (
            frame.has("into_4bit") or frame.has("target_4bit")) \
            and not _NO_ROUNDING.search(frame.text):
        # "you can merge into a 4-bit model, but it may generate differently from rounding":
        # re-quantizing is rounding too; how much of it the claim allows is not read
        return ("a merge into 4-bit weights held only to rounding: how large a difference the "
                "claim allows is not read")
    if named and named[0] in FOUR_BIT and not (frame.has("into_4bit") or frame.has("target_4bit")):
        # "the merged model gives the outputs the 4-bit base plus adapter gave": the 4-bit is
        # the base it was trained on; merged into a 16-bit copy the outputs are kept, merged
        # into the 4-bit weights they are not
        if not frame.polarity:
            # "adapters trained on a 4-bit base cannot be merged": a merge into a 16-bit copy
            # of the base is one, and it keeps the outputs
            named = ["fp32"]
        else:
            params["_open"] = ["what the merge goes into (the 4-bit weights, or a 16-bit copy "
                               "of the base)"]
    if frame.has("bit_exact") or (not frame.polarity and _SLIGHT.search(frame.text)
                                  and not _LARGE.search(frame.text)
                                  and not (named and named[0] in FOUR_BIT)):
        # (denied as a slight or rounding difference, "in bf16 the merged logits differ very
        # slightly, because W0 + BA is rounded": the claim is that they are not bit for bit
        # the same)
        params["exactness"] = "bitwise"
    elif strict and not (named and named[0] in SIXTEEN and frame.has("identical")):
        params["exactness"] = "tolerance"
    if named:
        params["dtypes"] = named[0]
        if named[0] in SIXTEEN and frame.has("identical") and strict \
                and not frame.has("bit_exact"):
            params["_condition"] = (f"up to {named[0]}'s own rounding: merged outputs in "
                                    f"{named[0]} are not identical to unmerged ones")
    elif strict:
        params["dtypes"] = "fp32,bf16"
    if frame.polarity and frame.has("outputs") and frame.has("modal_all") and not named \
            and not strict and not frame.has("bit_exact") and not frame.has("qualified"):
        # "merging never changes the predictions": measured in fp32 and bf16 like a bare "same
        # outputs"; a bf16 merge's rounding leaves it conditional (it is no ground to refute a
        # claim that every merge keeps the outputs)
        params.update(exactness="tolerance", dtypes="fp32,bf16", _modality="")
    for name, top in _SIZES.items():
        value = frame.conditions.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= top:
            params[name] = float(value) if name == "alpha" else int(value)
    return params


VERIFIER = Verifier(
    id="lora.merge_equivalence",
    version=5,
    title="Merged LoRA gives the unmerged outputs, as a plain linear layer",
    run=run,
    params=(
        Param("claim", str, default="equal", choices=("equal", "changes_outputs"),
              help="merging keeps the outputs, or changes them"),
        Param("dtypes", str, default="fp32",
              choices=("fp32", "bf16", "fp16", "fp32,bf16", "nf4", "fp4"),
              help="the dtype(s) the model is merged and run in (nf4, fp4: bitsandbytes 4-bit "
                   "base layers, fp32 compute)"),
        Param("exactness", str, default="rounding", choices=("rounding", "tolerance", "bitwise"),
              help="what counts as the same outputs: within atol/rtol or a 16-bit format's own "
                   "rounding; within atol/rtol only; bit for bit"),
        Param("into", str, default="", choices=("", "original"),
              help="original: a 4-bit-trained adapter merged into the unquantized weights the "
                   "base was quantized from, against the model it was trained as"),
        Param("steps", int, default=10, min=1, max=200,
              help="AdamW steps that train the LoRA on a 4-bit base before it is merged"),
        Param("d", int, default=256, min=1, max=4096, help="output features (reference)"),
        Param("k", int, default=256, min=1, max=4096, help="input features (reference)"),
        Param("r", int, default=8, min=1, max=512, help="LoRA rank"),
        Param("alpha", float, default=16.0, min=1e-3, max=4096.0, help="LoRA alpha"),
        Param("batch", int, default=16, min=1, max=4096, help="input rows (reference)"),
        Param("atol", float, default=1e-4, min=0.0, max=1.0, help="absolute tolerance"),
        Param("rtol", float, default=1e-4, min=0.0, max=1.0, help="relative tolerance"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("lora", "mergeable"),),
    to_params=to_params,
    examples=(
        "LoRA weights can be merged into the base model without changing its outputs.",
        "After training, BA can be folded into W0, giving exactly the same predictions.",
        "merge_and_unload() returns a plain model whose outputs equal the adapter model's.",
        "Merging a LoRA adapter into the base weights changes the model's outputs.",
        "Merging into bf16 weights introduces small rounding errors in the outputs.",
        "Merging a LoRA into a 4-bit NF4 base re-quantizes the weights and changes the outputs.",
        "Merging the LoRA update gives outputs identical to the unmerged model.",
    ),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=120.0,
)
