"""Training memory of full fine-tuning, LoRA on a 16-bit base and QLoRA: an ESTIMATE.

What a training step holds at its peak is computed term by term by
`verifiers._memory_model.training_estimate`: weights (16- or 32-bit; NF4 for QLoRA's block
linears), gradients of what is trained, an fp32 master copy (mixed precision, full fine-tuning
only), AdamW's state (two fp32 moments, two 16-bit moments, or 8-bit AdamW), activations
(the calibrated term of `_memory_model`, with or without gradient checkpointing) and the CUDA
context. What is measured: the exact parameter counts of each preset (`_presets.py`, the
same counts PEFT reports on the meta device) and the activation coefficient, fitted to the
QLoRA steps recorded on an H100 and an H200 (tests/verifiers/data/qlora_steps_v1.json, and
reports/evidence/lora.qlora_memory-*.json).

Error against GPU measurements (allocator peak; `calibration_errors` recomputes it):
- QLoRA, the seven configurations recorded on an H100 (7B, 13B, 33B, 65B, 70B at batch 1 x
  512; 7B at 4 x 2048; 13B at 2 x 2048; LoRA tensors bf16 as the QLoRA script keeps them):
  -0.9% to +2.3%, at most 0.24 GiB. Modelled with PEFT's default fp32 LoRA tensors instead the
  estimate is 6-13% above those runs, and it matches the earlier H100 peaks with fp32 LoRA
  tensors that the devset cites (7B 5.09, 13B 9.09, 33B 20.51, 65B 38.91 GiB; `FP32_LORA_PEAKS`)
  within -1.5% to 0.0%: the 8-12% gap between the two sets of QLoRA figures is the LoRA
  tensors' dtype. Which dtype a verdict used is in its configuration.
- Full fine-tuning and 16-bit LoRA of LLaMA-7B, one step each recorded on an H200 (2026-12-01,
  torch 2.11, transformers 5.17, PEFT 0.21; random weights from the config; gradient
  checkpointing; fused AdamW; `H200_STEPS` below): bf16 weights with bf16 AdamW states 50.27 /
  51.62 GiB (batch 1 x 512 / 4 x 2048), fp32 weights under bf16 autocast with fp32 states
  100.48 / 101.89 GiB, bf16 base + fp32 LoRA r=64 on all 7 linears 15.16 / 19.46 GiB; the
  estimate is within -0.3% to +1.2% of each (at most 0.24 GiB).
The parameter counts are exact (LLaMA-7B: 6,738,415,616, as counted on the GPU).

Any Llama-shaped preset (Llama 3, Mistral, Qwen2.5, Gemma …) is estimated with its own shapes
(grouped-query attention, MLP width, vocabulary, tied embeddings); QLoRA steps of Llama-3-8B and
Mistral-7B recorded on an H200 are within +0.3% and -1.2% of the estimate (bench/gpu_evidence.py
--model-error). Other layouts (encoder-decoder, mixtures of experts, GPT-2-style blocks) are not
counted here. An estimate decides only with a margin beyond its calibrated error (`MARGIN`):
where the claim holds within the margin one way and not the other, it is too close to call.

Several GPUs (a count, or sharding named): one GPU's share under fully sharded data parallel
training (`_memory_model.sharded_estimate`, which states its assumptions), with and without
CPU offloading, beside the whole step; the amount holds if it is either. A sentence that does
not say which it is is never refuted.

A rate the sentence states ("at 16 bytes per parameter, ... needs about 128 GB") names the
accounting: only the configurations whose weights, gradients, master copy and optimizer state
come to it are estimated (`rate`). The amount it gives is the sentence's own arithmetic
(`amount`, over `rate_count` parameters or the model's): a product more than 20% off under every
reading is refuted before anything is estimated. A ratio said to be a paper's finding about the
model it studied (`paper`: "the LoRA paper found ten times less memory on GPT-3 175B") is
refuted where it fails in every configuration near the paper's own reported figures.

A claim leaves settings open (optimizer, dtype, master weights, batch, sequence, gradient
checkpointing, rank, adapted modules, and the model when it names none): every configuration
is estimated and the verdict says which make the claim hold — supported if all do,
conditional if some do, refuted only if none do and nothing decisive was left open (else
unverifiable, with what was missing). Every explanation states the configuration.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame, Quantity
from verifiers._memory_model import (
    ALL_LINEARS,
    GIB,
    QLORA_MEASURED,
    memory_preset,
    sharded_estimate,
    training_estimate,
)
from verifiers._presets import NOMINAL, PRESETS, Preset, preset_for_size

CLAIMS = ("total", "ratio", "less", "part", "savings", "per_param", "model_multiple")
METHODS = ("full_ft", "lora", "qlora")
LABEL = {"full_ft": "full fine-tuning", "lora": "16-bit LoRA", "qlora": "QLoRA"}
OPTIMIZERS = ("adamw_fp32", "adamw_16bit", "adamw_8bit")
LLAMA = ("llama-7b", "llama-13b", "llama-33b", "llama-65b", "llama2-70b")
# A stated figure is compared with an estimate: it holds within its stated precision or a
# relative slack, whichever is wider: 10% for a total (the activation term is the uncertain
# one), 5% for what exact byte counts decide (a term, bytes per parameter, a ratio, whose
# activation errors largely cancel).
SLACK = 0.10
SLACK_EXACT = 0.05
# The margin an estimate needs beyond the stated figure's tolerance to decide (the model's
# calibrated error: at most 2.3% on the recorded LLaMA, Llama 3 and Mistral steps; presets
# without recorded steps get a wider one). Only claims that activations enter use it; the other
# terms are exact byte counts.
MARGIN = {"calibrated": 0.03, "other": 0.10}
CALIBRATED_FAMILIES = ("llama", "llama3", "mistral", "gpt3")
OPEN = ("optimizer", "weights", "master", "lora_dtype", "batch", "seq", "checkpointing", "r",
        "modules")

PARAMS = (
    Param("claim", str, default="total", choices=CLAIMS),
    Param("method", str, default="full_ft", choices=(*METHODS, "any")),
    Param("baseline", str, default="", choices=("", *METHODS)),
    Param("size_b", float, default=0.0, min=0.0, max=2000, help="model size; 0: unstated"),
    Param("part", str, default="", choices=("", "weights", "gradients", "optimizer")),
    Param("value", float, default=0.0, help="bytes (total, part), subject/baseline (ratio), "
          "bytes per parameter, or multiple of the model's size"),
    Param("high", float, default=0.0, help="upper end of a range"),
    Param("bound", str, default="eq", choices=("eq", "approx", "le", "ge", "range")),
    Param("tol", float, default=0.0, min=0.0, max=1.0, help="stated relative precision"),
    Param("upto", bool, default=False,
          help="ratio: a reduction said to reach 'up to' the value, a best case that one "
               "configuration attaining holds"),
    Param("optimizer", str, default="any", choices=("any", "adamw", *OPTIMIZERS)),
    Param("weights", str, default="any", choices=("any", "bf16", "fp32")),
    Param("master", str, default="any", choices=("any", "yes", "no")),
    Param("lora_dtype", str, default="any", choices=("any", "fp32", "bf16")),
    Param("paged", bool, default=False,
          help="a paged optimizer: its state lives in managed memory, outside the allocator"),
    Param("batch", int, default=0, min=0, max=1024),
    Param("seq", int, default=0, min=0, max=131072),
    Param("no_activations", bool, default=False,
          help="the amount is said to leave activations out ('before activations')"),
    Param("checkpointing", str, default="any", choices=("any", "on", "off")),
    Param("paper", bool, default=False,
          help="the sentence gives a paper's own finding ('the LoRA paper reported ...'): of a "
               "model that paper studied, a figure that fails in the paper's setting is "
               "refuted"),
    Param("rate", float, default=0.0, min=0.0, max=64.0,
          help="full fine-tuning: the bytes per parameter the sentence counts the training "
               "state at ('at 16 bytes per parameter, ... needs 128 GB'); only configurations "
               "whose weights, gradients and optimizer state come to that rate are estimated"),
    Param("amount", float, default=0.0, min=0.0, max=1e16,
          help="bytes the sentence says its rate (`rate`, or a per_param claim's value) comes "
               "to over `rate_count` parameters (0: the model's): its own arithmetic, refuted "
               "where the product is far from it"),
    Param("rate_count", float, default=0.0, min=0.0, max=1e13,
          help="the parameters `amount` is of; 0: the named model's (nominal or exact count)"),
    Param("r", int, default=0, min=0, max=4096),
    Param("modules", str, default="any", choices=("any", "qv", "all")),
    Param("count", float, default=0.0, min=0.0, max=1e13,
          help="part (gradients, optimizer): the number of parameters the sentence says the "
               "term is of; then the term is that many parameters' measured bytes"),
    Param("model", str, default="", choices=("", *(n for n, p in PRESETS.items()
                                                   if p.llama_like)),
          help="a Llama-shaped preset; '': by size_b among the papers' models"),
    Param("gpus", int, default=1, min=0, max=1024,
          help="GPUs the step is sharded over; 0: several, how many unstated"),
    Param("usual", int, default=0, min=-1, max=1,
          help="full fine-tuning with nothing of its setting stated: 1, the usual accounting "
               "(mixed precision, AdamW, ~16 bytes a parameter) may support the figure; -1 "
               "(the sentence denies it) may refute it; 0, not read"),
)


# One training step of LLaMA-7B per row, recorded on an NVIDIA H200 (see the module docstring):
# (method, weights, optimizer, lora_dtype, batch, seq, peak allocated bytes).
H200_STEPS = (
    ("full_ft", "bf16", "adamw_16bit", "fp32", 1, 512, 53_978_783_232),
    ("full_ft", "bf16", "adamw_16bit", "fp32", 4, 2048, 55_421_751_808),
    ("full_ft", "fp32", "adamw_fp32", "fp32", 1, 512, 107_890_302_464),
    ("full_ft", "fp32", "adamw_fp32", "fp32", 4, 2048, 109_403_509_248),
    ("lora", "bf16", "adamw_fp32", "fp32", 1, 512, 16_282_409_984),
    ("lora", "bf16", "adamw_fp32", "fp32", 4, 2048, 20_892_182_528),
)
# QLoRA steps with PEFT's fp32 LoRA tensors (r=64, all linears, batch 1 x 512, paged AdamW),
# allocator peaks on an H100 as the devset README gives them: preset -> GiB.
FP32_LORA_PEAKS = {"llama-7b": 5.09, "llama-13b": 9.09, "llama-33b": 20.51, "llama-65b": 38.91}
H200_PARAMS = 6_738_415_616  # LLaMA-7B's parameters as counted on the GPU


def calibration_errors() -> list[dict[str, Any]]:
    """(estimate - measured) / measured allocator peak of each step in `H200_STEPS`."""
    p = PRESETS["llama-7b"]
    out = []
    for method, weights, opt, lora_dtype, batch, seq, peak in H200_STEPS:
        est = training_estimate(p, method, optimizer=opt, weights=weights,
                                lora_dtype=lora_dtype, batch=batch, seq=seq)["allocator"]
        out.append({"method": method, "weights": weights, "optimizer": opt, "batch": batch,
                    "seq": seq, "measured_gib": peak / GIB, "estimate_gib": est / GIB,
                    "error": (est - peak) / peak})
    return out


# --- from the frame --------------------------------------------------------------------------

_CONTRAST = re.compile(r"\b(?:while|whereas|but|compared (?:to|with)|versus|vs\.?|unlike|"
                       r"against)\b", re.I)


def _inside(frame: Frame, units: tuple[str, ...]) -> Quantity | None:
    """The quantity in `units` inside the words that state the predicate, else the first one
    the frame holds."""
    a, b = frame.spans.get("predicate", (0, 0))
    qs = [q for q in frame.quantities if q.unit in units]
    inside = [q for q in qs if a <= q.span[0] and q.span[1] <= b]
    return (inside or qs or [None])[0]


def _stated(q: Quantity) -> dict[str, Any]:
    tol = q.precision / q.value if q.value else 0.0
    return {"value": q.value, "high": q.high or 0.0, "bound": q.bound, "tol": round(tol, 6)}


def _settings(frame: Frame) -> dict[str, Any]:
    """The settings a sentence states (marks of lexicon/predicates/training_memory.yaml)."""
    c, out = frame.conditions, {}
    for name in ("batch", "seq", "r"):
        if c.get(name):
            out[name] = c[name]
    if frame.has("tm_adam8"):
        out["optimizer"] = "adamw_8bit"
    elif frame.has("tm_adam"):
        out["optimizer"] = "adamw"
    if frame.has("tm_paged"):
        out["paged"] = True
    if frame.has("tm_mixed"):  # mixed precision: 16-bit weights, fp32 master and states
        out["master"] = "yes"
        out["weights"] = "bf16"
        if out.get("optimizer") == "adamw":
            out["optimizer"] = "adamw_fp32"
    dtypes = c.get("dtypes", ())
    if any(d in ("float32", "fp32") for d in dtypes) and not frame.has("tm_mixed"):
        out["weights"] = "fp32"
    elif any(d in ("float16", "bfloat16", "fp16", "bf16") for d in dtypes):
        out["weights"] = "bf16"
    if frame.has("tm_checkpointing"):
        out["checkpointing"] = "on"
    mods = c.get("modules")
    if mods:
        names = set(mods) if not isinstance(mods, str) else {mods}
        if names <= {"q_proj", "v_proj", "q", "v", "qv"} and names:
            out["modules"] = "qv"
        elif len(names) >= 7 or names & {"all", "all_linear", "all-linear"}:
            out["modules"] = "all"
    return out


def _method(frame: Frame, who: str) -> str:
    if who == "lora" and (frame.has("tm_four_bit")
                          or any(d in ("nf4", "fp4") for d in frame.conditions.get("dtypes", ()))):
        return "qlora"
    return who if who in METHODS else ""


# the three terms listed right before an amount: the amount is their sum
_ALL_LISTED = re.compile(r"\bweights\s*(?:,|\+|&|\band\b|\bplus\b)\s*(?:the\s+|their\s+)?"
                         r"(?:gradients?|grads)\s*(?:,|\+|&|\band\b|\bplus\b)\s*"
                         r"(?:,?\s*(?:and|plus)\s+)?(?:the\s+|their\s+)?(?:two\s+|2\s+|both\s+)?"
                         r"(?:optimi[sz]er|Adam\w*)\s+"
                         r"(?:optimi[sz]er\s+)?(?:states?|moments?)[^.;]{0,25}$", re.I)


# full fine-tuning denied in a clause of its own: "enough to load it but not to full fine-tune it"
_FULL_DENIED = re.compile(r"\b(?:but|yet|and)\s+not\s+(?:(?:to|for|with|enough\s+to)\s+)?"
                          r"(?:a\s+)?(?:fully\s+|full(?:-parameter|\s+parameter)?[- ]?)"
                          r"(?:fine-?tun\w*|finetun\w*|FT|train\w*)", re.I)


# a rate of bytes per parameter ("at 16 bytes per parameter", "16 bytes/param"), and what may
# stand between it and the amount it gives: one clause
_RATE = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d)?)\s*(?:bytes?|(?-i:B))\s*"
                   r"(?:/\s*|per\s+|a\s+|each\s+|for\s+(?:each|every)\s+)"
                   r"(?:(?P<who>trainable|trained|model|LoRA|adapter)\s+)?"
                   r"(?:param(?:eter)?s?|weights?)\b",
                   re.I)


def _rate_at(text: str, q: Quantity) -> tuple[re.Match, str] | None:
    """The one rate of the sentence, if it stands in the amount's own clause, with the words
    between the two; None if there is no rate, several, or one in another clause."""
    rates = list(_RATE.finditer(text))
    if len(rates) != 1:
        return None
    m = rates[0]
    # (an amount before the rate: the rate's own "~" or "about" is not a result sign)
    between = text[m.end():q.span[0]] if m.end() <= q.span[0] \
        else _RATE_HEDGE.sub("", text[q.span[1]:m.start()])
    if _GIVES.fullmatch(between):  # "at 16 bytes/param: ~64 GB", "16 bytes/param = 112 GB"
        return m, between
    if any(c in between for c in ";:!?") or ". " in between or _TURN.search(between):
        return None  # (nor across a contrast: "assumed 58 GB, but at 16 bytes per parameter")
    return m, between


def _rate(text: str, q: Quantity) -> float | None:
    """The bytes per parameter stated in the amount's own clause (see `_rate_at`)."""
    found = _rate_at(text, q)
    return float(found[0].group(1)) if found else None


_RATE_HEDGE = re.compile(r"(?:~|\u2248|\b(?:about|roughly|around|approximately|some))\s*$", re.I)
_TURN = re.compile(r"\b(?:but|whereas|while|however|although|though|yet|instead)\b", re.I)


# a verb or sign that gives the rate's result ("which for 207M params is", "7B needs", "=")
_RESULT = re.compile(r"\b(?:is|are|was|comes?\s+to|came\s+to|gives?|needs?|takes?|requires?|"
                     r"means|totals?|amounts?\s+to|adds?\s+up\s+to|works?\s+out\s+to|that's|"
                     r"it's|costs?|uses?)\b|[=:\u2248\u2192~]|->|=>", re.I)
_QUOTE = re.compile(r"[\"\u201c\u201d]")
# what may stand between a rate and the amount it gives when nothing else does
_GIVES = re.compile(r"\s*(?:[:=≈→]|->|=>)\s*(?:~|≈|about\s+|roughly\s+|around\s+)?\s*")


def _arithmetic(frame: Frame, q: Quantity, method: str) -> dict[str, Any]:
    """A rate stated in the amount's clause, and the count it multiplies: the sentence's own
    arithmetic ("16 bytes per parameter, which for 207M params is about 3.3 GB"). The count is
    one the sentence states, else (full fine-tuning: every parameter trains) the model's; a
    rate said of trainable parameters with no count stated has none."""
    found = _rate_at(frame.text, q)
    if found is None or q.bound not in ("eq", "approx") or q.value < 1e6:
        return {}
    m, between = found
    if not _GIVES.fullmatch(between) and (_QUOTE.search(between) or not _RESULT.search(between)):
        # (not an amount quoted or set apart: 'at 16 bytes per parameter, so the viral "24 GB
        # is enough" framing is wrong')
        return {}
    count = frame.conditions.get("param_count") or 0.0
    if not count and (method != "full_ft" or _TRAINABLE.search(frame.text)):
        return {}
    return {"rate": float(m.group(1)), "amount": q.value, "rate_count": float(count)}


# a count said to be the trainable one ("41.9M trainable params x 8 bytes of Adam moments"):
# the states are of that many, not of the model named beside it
_TRAINABLE = re.compile(r"\b(?:trainable|adapter|LoRA)\b", re.I)


# the adapter's own terms listed ("its fp32 weights, gradients and Adam moments")
_ADAPTER_TERMS = re.compile(r"\b(?:its|their|the\s+adapter's|the\s+LoRA)\s+(?:(?:fp32|fp16|bf16|"
                            r"16-bit|32-bit)\s+)?(?:weights|params|parameters)\s*,\s*(?:its\s+|"
                            r"their\s+)?gradients\b", re.I)
_ADAPTER_NAMED = re.compile(r"\b(?:adapters?|LoRA|lora_[AB])\b", re.I)
_TRAINING_SAID = re.compile(r"\b(?:train\w*|fine-?tun\w*|finetun\w*|steps?|optimi[sz]ers?|"
                            r"gradients?|Adam\w*|activations?|backward)\b", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A training-memory claim: a total, a ratio between methods, one term of the
    decomposition, where LoRA's savings come from, bytes per parameter or a multiple of the
    model's size. An unnamed baseline is the method the subject improves on (LoRA: full
    fine-tuning; QLoRA: 16-bit LoRA)."""
    if frame.predicate == "training_memory" and frame.subject in ("lora", "qlora") \
            and _ADAPTER_TERMS.search(frame.text) and _ADAPTER_NAMED.search(frame.text):
        # "a rank-16 adapter has about 40M trainable parameters, so its fp32 weights, gradients
        # and Adam moments need only about 0.64 GB": the adapter's own terms, not the step's
        return "the amount is the adapter's own weights, gradients and optimizer state, not a " \
               "training step's"
    adapter_said = frame.has("tm_adapter_rank") or frame.has("tm_adapter_count") or bool(
        frame.conditions.get("r") and frame.conditions.get("modules"))
    if adapter_said and "subject" not in frame.spans:
        # an adapter's rank and modules stated, the method only the article's ("Practical
        # Parameter-Efficient Fine-Tuning"): the adapter's
        method = _method(frame, "qlora" if frame.subject == "qlora" else "lora")
    elif frame.subject == "full_ft" and frame.predicate == "training_memory" \
            and frame.has("tm_from_to") and frame.has("tm_lora_named"):
        # "VRAM dropped from 1.2 TB to 350 GB going from full fine-tuning to LoRA": the amount
        # read is the second, the method moved to
        method = _method(frame, "lora")
    elif frame.subject == "full_ft" and "subject" not in frame.spans \
            and frame.predicate == "fits_gpu" and not _TRAINING_SAID.search(frame.text):
        # "The 70B model fits on one of the lab's 48GB cards." under a full fine-tuning heading:
        # nothing is said to be trained, so what fits is the weights, not a training step
        return "the method is only the context's and nothing is said to be trained: whether " \
               "a model's weights fit is a model-size claim"
    elif frame.subject == "full_ft":
        method = "full_ft"
    elif (frame.has("tm_lora_named") or frame.has("tm_adapter_rank")
          or frame.has("tm_adapter_count")) \
            and frame.subject in ("lora", "qlora"):
        method = _method(frame, frame.subject)
    elif frame.has("tm_full"):
        method = "full_ft"  # "fully fine-tuning", "training every weight"
    elif frame.has("tm_method_named"):
        method = _method(frame, frame.subject)
        if not method:
            return f"not a training method checked here ({frame.subject})"
    elif frame.conditions.get("r") and frame.subject in ("lora", "qlora"):
        # "r=8 on q_proj and v_proj", "Llama-2-7B at r=8": an adapter's rank, so an adapter's
        method = _method(frame, frame.subject)
    else:
        method = "any"
    if frame.predicate in ("training_memory", "fits_gpu") \
            and (frame.has("weights_alone") or frame.has("weights_held")):
        return "the amount is the weights' alone (a model-size claim), not a training step's"
    if frame.predicate in ("optimizer_memory", "weights_memory", "gradient_memory") \
            and frame.has("tm_terms_listed"):
        # "weights, grads and Adam state for the 4.2M LoRA params come to about 67 MB": one
        # amount for several terms together, not one term's
        return "the amount is said of several terms together (weights, gradients, optimizer " \
               "state), not of one"
    if frame.predicate == "training_memory" and frame.has("tm_adapter_takes") \
            and not frame.has("tm_training_words"):
        # "a rank-64 LoRA adapter on every linear layer of Llama-2-70B takes about 1.66 GB in
        # fp16": what the adapter's weights take, not what a training step holds
        return "the amount is an adapter's own size, not a training step's"
    if method == "full_ft" and frame.polarity and _FULL_DENIED.search(frame.text):
        # "enough to load it but not to full fine-tune it": full fine-tuning is what the
        # sentence denies, which the frame's polarity does not read
        return "full fine-tuning is denied in its own clause ('but not to ...')"
    params: dict[str, Any] = {"method": method, **_settings(frame)}
    if method == "full_ft" and not any(k in params for k in ("batch", "seq", "checkpointing")) \
            and params.get("optimizer", "any") in ("any", "adamw", "adamw_fp32") \
            and params.get("weights", "any") in ("any", "bf16") \
            and (frame.conditions.get("gpus", 1) == 1 and not frame.has("tm_sharded")
                 or frame.predicate == "bytes_per_param"):  # (a rate is any GPU's)
        params["usual"] = 1 if frame.polarity else -1
    if frame.has("tm_no_activations"):
        params["no_activations"] = True
    if frame.has("paper_source"):
        params["paper"] = True
    if frame.predicate == "fits_gpu":  # only full fine-tuning's: LoRA's and QLoRA's are measured
        # (a card named as one before an amount of memory: "112 GB of video memory, far more
        # than one 80 GB A100" is the A100's 80 GB)
        gpu = next((q for q in frame.quantities if q.unit == "bytes" and q.role == "gpu"),
                   None) or next((q for q in frame.quantities
                                  if q.unit == "bytes" and q.role == "memory"), None)
        if gpu is None or gpu.bound not in ("eq", "approx"):
            return "no single GPU size is stated"
        if frame.has("offloaded"):
            return ("offloading to CPU memory or disk is named: a fit with offloading is not "
                    "modelled")
        if frame.conditions.get("gpus", 1) > 1 or frame.has("several_gpus"):
            return "several GPUs are named: a per-GPU share is not judged here"
        # a card's "24 GB" is 24 GiB as vendors count it: the larger reading, never the smaller
        size = gpu.value if gpu.stated_unit in ("GiB", "MiB", "TiB") else gpu.value / 1e9 * 2**30
        params = {**params, "claim": "total", "value": size, "high": 0.0, "bound": "le",
                  "tol": 0.0}
        if not params.get("size_b") and not frame.conditions.get("model") \
                and frame.has("modal_all"):
            # "that won't fit on an 80 GB A100 no matter what batch size": the model left to
            # the sentence before, every one enumerated (see the total's note below)
            params["_open"] = ["the model"]
    model = frame.conditions.get("model")
    if model:
        found = memory_preset(model)
        if isinstance(found, str):
            return found
        if found is not None:
            params["model"] = found.name
        if model.get("size_b"):
            params["size_b"] = float(model["size_b"])
    gpus = frame.conditions.get("gpus", 1)
    if gpus > 1 or frame.has("tm_sharded"):
        params["gpus"] = gpus if gpus > 1 else 0
    pred = frame.predicate
    if pred == "bytes_per_param":
        q = _inside(frame, ("bytes", "x"))
        if q is not None and q.unit == "bytes" and q.value >= 1e6 and _rate(frame.text, q):
            pred = "training_memory"  # "at 16 bytes/param: ~64 GB": the amount the rate gives
    if pred == "fits_gpu":
        amounts = [q for q in frame.quantities if q.unit == "bytes"]
        if len(amounts) >= 2 and _CONTRAST.search(frame.text):
            # "a 65B model on one 48 GB GPU, compared with more than 780 GB for full
            # fine-tuning": which amount is whose is not read
            params["_open"] = ["which method each of the amounts is of (two are contrasted)"]
        return params
    if pred == "training_memory":
        q = _inside(frame, ("bytes",))
        if frame.has("tm_from_to"):  # "from 1.2 TB to 350 GB": the second amount
            a, b = frame.spans.get("predicate", (0, 0))
            inside = [x for x in frame.quantities
                      if x.unit == "bytes" and a <= x.span[0] and x.span[1] <= b]
            q = inside[-1] if len(inside) == 2 else None
        if q is None:
            return "no amount of memory stated"
        if frame.has("tm_inference"):
            return "inference, serving or merging is named: the amount may not be a training step's"
        found = _rate_at(frame.text, q)
        if method != "full_ft" and not frame.conditions.get("param_count") and found \
                and (found[0].group("who") or "model").lower() != "model":
            # "the adapters at 16 bytes per trainable parameter need ~0.5 GB": the trainable
            # parameters' state, of a count the sentence does not give
            return "the amount is the trainable parameters' state at the stated rate, and " \
                   "their count is not stated"
        out = {**params, "claim": "total", **_stated(q), **_arithmetic(frame, q, method)}
        rate = _rate(frame.text, q) if method == "full_ft" else None
        if rate:  # the amount is the rate times the model: the state, activations apart
            out["rate"] = rate  # (unless said to be more: "well over 300 GB")
            out["no_activations"] = out.get("no_activations", False) or q.bound != "ge"
        open_ = []
        if frame.has("tm_parts") and not frame.has("tm_listed"):
            # "the optimizer states of 7B take 27 GB" read as a total (not "weights, gradients
            # and Adam state": all the terms)
            open_.append("whether the amount is the whole step's or one term's (weights, "
                         "gradients, optimizer states)")
        if frame.has("tm_sharded") or frame.conditions.get("gpus", 1) > 1:
            open_.append("whether the amount is one GPU's share or the whole step's (several "
                         "GPUs, sharding or offloading named)")
        if frame.has("tm_contrast") and frame.has("tm_two_amounts") \
                and not frame.has("tm_from_to"):
            open_.append("which method each of the amounts is of (two are contrasted)")
        if not out.get("size_b") and frame.has("modal_all"):
            # "that won't fit on an 80 GB card no matter what batch size you pick", the model
            # left to the sentence before: every model enumerated, one that fits would refute
            # the "no matter" on a model the sentence never named
            open_.append("the model")
        if open_:
            out["_open"] = open_
        return out
    if pred in ("weights_memory", "gradient_memory", "optimizer_memory"):
        q = _inside(frame, ("bytes",))
        if q is None:
            return "no amount of memory stated"
        part = {"weights_memory": "weights", "gradient_memory": "gradients",
                "optimizer_memory": "optimizer"}[pred]
        if _ALL_LISTED.search(frame.text[max(0, q.span[0] - 150):q.span[0]]):
            # "16 bytes per parameter for weights, gradients and optimizer states (roughly
            # 108 GB)": the amount is the listed terms' together, not this one's
            return ("the amount is said of the weights, gradients and optimizer states "
                    "together, not of one of them")
        if method == "any":
            # weights, gradients and states of every parameter (weights said to be 4-bit are a
            # QLoRA base's: "at 4 bits the weights of a 65B model take about 32.5 GB")
            params["method"] = "qlora" if part == "weights" \
                and _method(frame, "lora") == "qlora" else "full_ft"
        count = frame.conditions.get("param_count") or 0.0
        if count >= 1e5 and part in ("gradients", "optimizer") \
                and (not frame.conditions.get("model") or frame.has("tm_adapter_count")
                     or _TRAINABLE.search(frame.text, *frame.spans.get("param_count", (0, 0)))):
            # "Adam's moments for the 250 million trainable parameters add 2.0 GB": of that many
            dtypes = frame.conditions.get("dtypes", ())
            # "x 8 bytes of Adam moments": the bytes each parameter's term takes name the width
            widths = {8.0: "fp32", 4.0: "bf16"} if part == "optimizer" else {4.0: "fp32",
                                                                             2.0: "bf16"}
            each = {widths[x.value] for x in frame.quantities
                    if x is not q and x.unit == "bytes" and x.value in widths}
            return {**params, "claim": "part", "part": part, "count": count, **_stated(q),
                    **({"weights": "fp32"} if "fp32" in dtypes or each == {"fp32"} else
                       {"weights": "bf16"} if {"bf16", "fp16", "16bit"} & set(dtypes)
                       or each == {"bf16"} else {})}
        dtypes = set(frame.conditions.get("dtypes", ()))
        if part == "optimizer" and params.get("optimizer", "any") in ("any", "adamw") \
                and len(dtypes) == 1:
            # "the Adam moments ... take 320 MB in fp32": the one precision is the states'
            wide = dtypes & {"fp32", "float32"}
            if wide or dtypes & {"bf16", "fp16", "16bit", "bfloat16", "float16"}:
                params["optimizer"] = "adamw_fp32" if wide else "adamw_16bit"
        return {**params, "claim": "part", "part": part, **_stated(q)}
    if pred == "memory_savings_source":
        return {**params, "claim": "savings", "method": "qlora" if method == "qlora" else "lora"}
    if pred == "bytes_per_param":
        q = _inside(frame, ("bytes", "x"))
        if q is None:
            return "no figure stated"
        kind = "per_param" if q.unit == "bytes" else "model_multiple"
        out = {**params, "claim": kind, **_stated(q)}
        amounts = [x for x in frame.quantities if x.unit == "bytes" and x.value >= 1e6
                   and x.role not in ("gpu", "saving", "memory")]
        if kind == "per_param" and len(amounts) == 1:
            # "16 bytes per trainable param, which for 207M params is about 0.33 GB"
            sums = _arithmetic(frame, amounts[0], method)
            if sums.get("rate") == q.value:
                out.update(sums)
                out.pop("rate")
        if frame.has("tm_parts") and not frame.has("tm_listed"):
            # "12 bytes per parameter for the optimizer states" (not "for weights + grads +
            # optimizer states": all of them)
            out["_open"] = ["whether the figure is the whole training state's or one term's "
                            "(gradients, master copy, optimizer states)"]
        return out
    if pred == "memory_ratio":
        if method == "any":
            return "which method the memory ratio is of is not named"
        if frame.has("tm_inference"):
            return "inference, serving or merging is named: the ratio may not be a training step's"
        if frame.has("tm_weights_only"):
            return "a ratio of the weights' memory, not of a training step's"
        if frame.has("tm_optimizer_only") and not frame.has("tm_terms_listed") \
                and not frame.has("tm_listed"):
            return "a ratio of the optimizer's state alone, not of a training step's memory"
        if frame.has("tm_tool"):
            return "a tool or kernel library is named: the saving is the tool's, not the method's"
        baseline = _method(frame, frame.baseline) or {"lora": "full_ft", "qlora": "lora"}.get(
            method, "")
        if not baseline or baseline == method:
            return "no method to compare with"
        # (a multiple or a share before a bare count: "... to train LLaMA-7B by a factor of 3")
        q = _inside(frame, ("x", "pct")) or _inside(frame, ("count",))
        if q is None:
            if frame.has("tm_less"):
                return {**params, "claim": "less", "baseline": baseline}
            return "no ratio stated"
        st = _stated(q)
        v, high = q.value, q.high or 0.0
        reverse = False  # the statement is of a reduction: its bound turns round
        if q.unit == "pct":
            if frame.has("tm_more"):
                ratio, top = 1 + v / 100, 1 + high / 100
            elif frame.has("tm_pct_left"):
                ratio, top = v / 100, high / 100
            else:
                ratio, top, reverse = 1 - v / 100, 1 - high / 100, True
            if ratio <= 0:
                return "a reduction of 100% or more"
            st.update(value=ratio, tol=round(q.precision / 100 / ratio, 6))
            st["high"] = top if high else 0.0
        elif q.unit == "count":  # "a third of", "0.3 of"
            if not 0 < v < 1:
                return "a count, not a ratio"
        elif not frame.has("tm_more"):  # "4x less", "a 3x reduction", "cuts VRAM 3x"
            st.update(value=1 / v, high=1 / high if high else 0.0)
            reverse = True
        if reverse and st["bound"] == "le":
            # "cuts memory by up to 3x": a best case, attained where the memory is at most a
            # third (the bound stays on the share; `upto`: one configuration attaining it holds)
            st["upto"] = True
        elif reverse and st["bound"] == "ge":  # "over 3x less": at most a third
            st["bound"] = "le"
        if reverse and st["high"]:
            st["value"], st["high"] = st["high"], st["value"]
        return {**params, "claim": "ratio", "baseline": baseline, **st}
    return f"predicate {pred} is not a training-memory claim"


# --- enumeration -----------------------------------------------------------------------------

def _choices(params: dict[str, Any], method: str) -> dict[str, tuple]:
    """The values each setting takes: the stated one, else every common one."""
    opt = params["optimizer"]
    opts = (OPTIMIZERS if opt == "any" else ("adamw_fp32", "adamw_16bit") if opt == "adamw"
            else (opt,))
    full = method == "full_ft"
    if params["claim"] in ("part", "per_param", "model_multiple") or params["no_activations"]:
        # activations do not enter (or "before activations are counted"): the least of them
        params = {**params, "batch": 1, "seq": 512, "checkpointing": "on"}
    return {
        "optimizer": opts,
        "weights": (("bf16", "fp32") if full else ("bf16",)) if params["weights"] == "any"
        else (params["weights"],),
        # without full fine-tuning a master copy only concerns a full fine-tuning baseline
        "master": ((True, False) if full or params["baseline"] == "full_ft" else (False,))
        if params["master"] == "any" else (params["master"] == "yes",),
        "lora_dtype": ("fp32",) if full else (("fp32", "bf16") if params["lora_dtype"] == "any"
                                              else (params["lora_dtype"],)),
        "batch": (1, 8) if not params["batch"] else (params["batch"],),
        "seq": (512, 2048) if not params["seq"] else (params["seq"],),
        "checkpointing": (True, False) if params["checkpointing"] == "any"
        else (params["checkpointing"] == "on",),
        "r": ((64,) if full else (8, 64)) if not params["r"] else (params["r"],),
        "modules": ((ALL_LINEARS,) if full else (("q_proj", "v_proj"), ALL_LINEARS))
        if params["modules"] == "any"
        else ((("q_proj", "v_proj"),) if params["modules"] == "qv" else (ALL_LINEARS,)),
    }


def _presets(params: dict[str, Any]) -> list[Preset] | str:
    if params["model"]:
        return [PRESETS[params["model"]]]
    if params["size_b"]:
        p = preset_for_size(params["size_b"])
        size = params["size_b"]
        if p is None and size == int(size) and int(size) in NOMINAL \
                and PRESETS[NOMINAL[int(size)]].llama_like:
            p = PRESETS[NOMINAL[int(size)]]  # "the 8B model": the model of that name's size
        if p is None:
            return f"no model preset within 15% of {params['size_b']:g}B"
        return [p]
    return [PRESETS[n] for n in LLAMA]


def _configs(p: Preset, method: str, params: dict[str, Any]):
    ch = _choices(params, method)
    keys = list(ch)
    cfgs = []
    for values in itertools.product(*(ch[k] for k in keys)):
        cfg = dict(zip(keys, values, strict=True))
        if cfg["master"] and cfg["weights"] == "fp32":
            continue
        cfgs.append(cfg)
    if params.get("rate") and method == "full_ft":
        # a stated rate ("at 16 bytes per parameter") names the accounting: the configurations
        # whose state comes to it; a rate none of them has leaves every one
        at_rate = [c for c in cfgs if _at_rate(p, method, c, params["rate"])]
        cfgs = at_rate or cfgs
    yield from cfgs


# a product the sentence states is wrong only when it is off by more than this under every
# reading: the model's nominal or exact count, the amount in GB or GiB
ARITH_SLACK = 0.2


def _wrong_product(params: dict[str, Any], presets: list[Preset]) -> dict[str, Any] | None:
    """The refutation of a sentence's own arithmetic (a rate times a count given as an amount)
    that no reading bears out; None where one does, or where no count is known."""
    rate = params["rate"] or (params["value"] if params["claim"] == "per_param" else 0.0)
    if params["rate_count"]:
        counts = [params["rate_count"]]
    else:
        counts = [p.total_params() for p in presets][:1]
        counts += [params["size_b"] * 1e9] if params["size_b"] else []
    if not rate or not counts:
        return None
    amount = params["amount"]
    readings = (amount, amount * 2**30 / 1e9, amount * 1e9 / 2**30)
    products = [rate * n for n in counts]
    if any(abs(x - a) <= ARITH_SLACK * x for x in products for a in readings):
        return None
    near = min(products, key=lambda x: abs(x - amount))
    n = counts[products.index(near)]
    measured = {"rate": rate, "count": n, "product": near, "stated": amount}
    return result("refuted", f"The sentence's own arithmetic does not hold: {rate:g} bytes per "
                  f"parameter over {n:,.4g} parameters is {near / 1e9:,.3g} GB "
                  f"({near / 2**30:,.3g} GiB), not the {amount / 1e9:,.3g} GB it states",
                  measured, {"amount": amount}, figure=figure_pair(
                      f"{rate:g} bytes x {n:,.4g} parameters", round(amount / 1e9, 3),
                      round(near / 1e9, 3), "GB"))


def _state_per_param(p: Preset, method: str, cfg: dict[str, Any]) -> float:
    """Weights, gradients, master copy and optimizer state of a configuration, in bytes per
    parameter of the model."""
    e = _estimate(p, method, cfg)
    t = e["terms"]
    return (t["weights"] + t["gradients"] + t["master_weights"] + t["optimizer_state"]) \
        / e["params"]


def _at_rate(p: Preset, method: str, cfg: dict[str, Any], rate: float) -> bool:
    return abs(_state_per_param(p, method, cfg) - rate) <= SLACK_EXACT * rate


def _estimate(p: Preset, method: str, cfg: dict[str, Any]) -> dict[str, Any]:
    return training_estimate(p, method, optimizer=cfg["optimizer"], weights=cfg["weights"],
                             master=cfg["master"], lora_dtype=cfg["lora_dtype"],
                             batch=cfg["batch"], seq=cfg["seq"],
                             checkpointing=cfg["checkpointing"], r=cfg["r"],
                             modules=cfg["modules"])


def describe(p: Preset, method: str, cfg: dict[str, Any]) -> str:
    """One configuration in words."""
    opt = {"adamw_fp32": "AdamW (fp32 states)", "adamw_16bit": "AdamW (16-bit states)",
           "adamw_8bit": "8-bit AdamW"}[cfg["optimizer"]]
    if method == "full_ft":
        w = f"{cfg['weights']} weights" + (" + fp32 master" if cfg["master"] else "")
    elif method == "lora":
        mods = "q,v" if len(cfg["modules"]) == 2 else "all linears"
        w = f"bf16 base, LoRA r={cfg['r']} on {mods} ({cfg['lora_dtype']})"
    else:
        mods = "q,v" if len(cfg["modules"]) == 2 else "all linears"
        w = f"NF4 base, LoRA r={cfg['r']} on {mods} ({cfg['lora_dtype']})"
    gc = "with" if cfg["checkpointing"] else "without"
    if method != "full_ft" and cfg["master"]:
        w += "; full fine-tuning with an fp32 master copy"
    return (f"{p.name} {LABEL[method]}: {w}, {opt}, batch {cfg['batch']} x {cfg['seq']} "
            f"tokens {gc} gradient checkpointing")


def _holds(value: float, params: dict[str, Any]) -> bool:
    v = params["value"]
    # (a part said with a hedge, "roughly 34.5 GB", is given a total's slack)
    slack = SLACK if params["claim"] == "total" or params["bound"] == "approx" else SLACK_EXACT
    b = params["bound"]
    # (a bound's own digits are no slack: "well under 1 GB" is not "under 1.5 GB")
    tol = slack if b in ("le", "ge") else max(params["tol"], slack)
    if b == "ge":
        return value >= v * (1 - tol)
    if b == "le":
        return value <= v * (1 + tol)
    if b == "range" and params["high"]:
        return v * (1 - tol) <= value <= params["high"] * (1 + tol)
    return abs(value - v) <= tol * abs(v)


def _measure(params: dict[str, Any], p: Preset, method: str, cfg: dict[str, Any]
             ) -> tuple[float, str] | None:
    """What a configuration gives for the claim, and how to say it; None: not applicable."""
    e = _estimate(p, method, cfg)
    t = e["terms"]
    claim = params["claim"]
    if claim == "total":
        # Two readings of a peak: the whole device's use (with the CUDA context, as nvidia-smi
        # shows it) and what the allocator holds (torch.cuda.max_memory_allocated: no context,
        # and no paged optimizer state, which lives in managed memory). The nearer one is taken:
        # a claim is wrong only if it fits neither.
        held = e["allocator"] - (t["optimizer_state"] if params.get("paged") else 0)
        readings = [(e["total"], f"{e['total'] / 1e9:,.1f} GB with the CUDA context"),
                    (held, f"{held / 1e9:,.1f} GB allocated ({held / 2**30:,.2f} GiB; no CUDA "
                           "context" + (", paged optimizer state apart" if params.get("paged")
                                        else "") + ")")]
        return min(readings, key=lambda r: abs(r[0] - params["value"]))
    if claim == "part":
        if params["part"] == "weights":
            v = t["weights"]
        elif params["part"] == "gradients":
            v = t["gradients"]
        else:  # the moments, or with the fp32 master copy as ZeRO counts "optimizer states"
            v = t["optimizer_state"]
            with_master = v + t["master_weights"]
            if t["master_weights"] and _holds(with_master, params) and not _holds(v, params):
                return with_master, (f"optimizer states {with_master / 1e9:,.1f} GB (moments "
                                     "and fp32 master copy)")
        return v, f"{params['part']} {v / 1e9:,.1f} GB"
    state = t["weights"] + t["gradients"] + t["master_weights"] + t["optimizer_state"]
    if claim == "per_param":
        v = state / e["params"]
        return v, f"{v:.1f} bytes per parameter (weights, gradients, states)"
    if claim == "model_multiple":
        v = state / e["model_bytes"]
        return v, f"{v:.1f}x the {cfg['weights']} model's {e['model_bytes'] / 1e9:,.1f} GB"
    base_method = params["baseline"] or "full_ft"
    bcfg = {**cfg}
    b = _estimate(p, base_method, bcfg)
    if claim in ("ratio", "less"):
        v = e["total"] / b["total"]
        return v, (f"{e['total'] / 1e9:,.1f} GB vs {LABEL[base_method]} "
                   f"{b['total'] / 1e9:,.1f} GB = {v:.2f}x (1/{1 / v:.1f})")
    # savings: the share of (full - LoRA) that gradients, master and states account for
    saved = b["total"] - e["total"]
    from_state = sum(b["terms"][k] - t[k] for k in ("gradients", "master_weights",
                                                     "optimizer_state"))
    v = from_state / saved if saved > 0 else 0.0
    return v, (f"saves {saved / 1e9:,.1f} GB, {100 * v:.0f}% of it gradients and optimizer "
               "state")


def margin(p: Preset) -> float:
    """The relative margin an estimate of `p` needs beyond the stated tolerance to decide."""
    return MARGIN["calibrated" if p.family in CALIBRATED_FAMILIES else "other"]


def _fit(value: float, params: dict[str, Any], m: float) -> str:
    """'ok' when the claim holds over the estimate's whole error band (value +- m), 'bad'
    when it holds nowhere in it, else 'close'."""
    band = [value * (1 + m * k / 4) for k in range(-4, 5)]
    held = [_holds(v, params) for v in band]
    return "ok" if all(held) else "bad" if not any(held) else "close"


def _sharded(params: dict[str, Any], p: Preset, method: str, cfg: dict[str, Any]
             ) -> list[tuple[float, str]]:
    """One GPU's share of the step for every count the claim allows, with and without CPU
    offloading (a total stated for several GPUs may be either that or the whole step)."""
    out = []
    for n in ((params["gpus"],) if params["gpus"] > 1 else (2, 4, 8)):
        for offload in (False, True):
            e = sharded_estimate(p, method, n, offload=offload, optimizer=cfg["optimizer"],
                                 weights=cfg["weights"], master=cfg["master"],
                                 lora_dtype=cfg["lora_dtype"], batch=cfg["batch"],
                                 seq=cfg["seq"], checkpointing=cfg["checkpointing"], r=cfg["r"],
                                 modules=cfg["modules"])
            out.append((e["per_gpu"], f"{e['per_gpu'] / 1e9:,.1f} GB per GPU, FSDP over {n}"
                        + (" with CPU offload" if offload else "")))
    return out


def _row(params: dict[str, Any], p: Preset, method: str, cfg: dict[str, Any]
         ) -> dict[str, Any] | None:
    got = _measure(params, p, method, cfg)
    if got is None:
        return None
    value, said = got
    if params["claim"] == "savings":
        fit = "ok" if value >= 0.5 else "bad"
    elif params["claim"] == "less":
        fit = "ok" if value < 1.0 else "bad"
    else:
        m = margin(p) if params["claim"] in ("total", "ratio") else 0.0
        fit = _fit(value, params, m)
        if params["claim"] == "total" and params["gpus"] != 1 and fit != "ok":
            for v, how in _sharded(params, p, method, cfg):
                f = _fit(v, params, m)
                if f == "ok" or (f == "close" and fit == "bad"):
                    value, said, fit = v, f"{how} (whole step {said})", f
                if fit == "ok":
                    break
    return {"ok": fit == "ok", "fit": fit, "value": value, "said": said,
            "config": describe(p, method, cfg), "reference": _is_reference(method, cfg),
            "paper": _is_paper(p, method, cfg) and _near_reported(p, params, value),
            "usual": _is_usual(method, cfg)}


def _is_usual(method: str, cfg: dict[str, Any]) -> bool:
    """Whether a configuration is full fine-tuning as it is usually accounted: mixed precision
    (16-bit weights and gradients, an fp32 master copy) with AdamW's two fp32 moments, about
    16 bytes a parameter, and the least activations (one short sequence, checkpointed)."""
    return (method == "full_ft" and cfg["optimizer"] == "adamw_fp32" and cfg["weights"] == "bf16"
            and cfg["master"] and cfg["batch"] == 1 and cfg["seq"] == 512
            and cfg["checkpointing"])


def _is_paper(p: Preset, method: str, cfg: dict[str, Any]) -> bool:
    """Whether a configuration is like the one of the paper that studied this model (GPT-3
    175B in the LoRA paper: LoRA on Wq and Wv, the setting of its 1.2 TB -> 350 GB)."""
    return (method == "lora" and p.reference.get("modules") == "qv"
            and len(cfg["modules"]) == 2)


# How near a configuration's estimate must come to the paper's own reported figure to count as
# the paper's setting (the estimate does not know the paper's optimizer, batch or sharding)
REPORTED_REACH = 0.25


def _near_reported(p: Preset, params: dict[str, Any], value: float) -> bool:
    """Whether a configuration gives about what the paper reported for this model (GPT-3 175B:
    1.2 TB for full fine-tuning, 350 GB with LoRA): only such settings are the paper's; with no
    figure reported, the modules alone say it."""
    reported = p.reference.get("reported_training_gb")
    if not reported:
        return True
    if params["claim"] in ("ratio", "less"):
        target = reported["lora"] / reported["full_ft"]
    elif params["claim"] == "total":
        target = reported["lora"] * 1e9
    else:
        return True
    return abs(value - target) <= REPORTED_REACH * target


def _reported_ratio_stated(p: Preset, params: dict[str, Any]) -> bool:
    """Whether a ratio said to be the paper's is about the one the paper reported for this
    model (GPT-3 175B: 350 GB against 1.2 TB, "3x less"): the paper's own figure, which an
    estimate made without the paper's batch, sequence or sharding does not overturn."""
    return bool(p.reference.get("reported_training_gb") and params["value"]) \
        and _near_reported(p, params, params["value"])


def _is_reference(method: str, cfg: dict[str, Any]) -> bool:
    """Whether a configuration is one the GPU measurements use for QLoRA (the QLoRA paper's
    recipe: r=64 on all linears, batch 1 x 512, gradient checkpointing, a 32-bit paged
    optimizer state; LoRA weights in bf16 as its script casts them, or fp32 as PEFT keeps
    them)."""
    return (method == "qlora" and tuple(cfg["modules"]) == tuple(ALL_LINEARS)
            and cfg["checkpointing"] and all(cfg[k] == v for k, v in QLORA_MEASURED.items()))


def _bytes_per_param(optimizer: str, dtype: str) -> dict[str, float]:
    """One optimizer step of torch's AdamW (or SGD with momentum) on a 4096-value parameter of
    `dtype`: the bytes its gradient and its optimizer state hold per parameter, read from the
    tensors."""
    import torch

    p = torch.nn.Parameter(torch.zeros(4096, dtype=getattr(torch, dtype)))
    opt = (torch.optim.SGD([p], lr=0.1, momentum=0.9) if optimizer == "sgd_momentum"
           else torch.optim.AdamW([p], lr=1e-3))
    p.grad = torch.ones_like(p)
    opt.step()
    state = sum(v.numel() * v.element_size() for v in opt.state[p].values()
                if torch.is_tensor(v) and v.numel() == p.numel())
    return {"gradients": p.grad.element_size() * p.grad.numel() / p.numel(),
            "optimizer": state / p.numel()}


def _counted_part(params: dict[str, Any]) -> dict[str, Any]:
    """A term of training memory for a stated number of parameters: the bytes torch's
    optimizer and gradients hold per parameter (measured), times the count."""
    expected = {k: params[k] for k in ("claim", "part", "count", "value", "bound")}
    if params["optimizer"] not in ("any", "adamw"):
        return result("unverifiable", f"the state of {params['optimizer']} is not measured for "
                      "a stated count", {}, expected)
    dtypes = ("float32", "bfloat16") if params["weights"] == "any" else (
        "float32" if params["weights"] == "fp32" else "bfloat16",)
    rows = []
    for dtype in dtypes:
        per = _bytes_per_param("adamw", dtype)[params["part"]]
        value = params["count"] * per
        rows.append({"dtype": dtype, "bytes_per_param": per, "bytes": value,
                     "holds": _holds(value, params)})
    measured = {"rows": rows, "count": params["count"]}
    said = "; ".join(f"{r['dtype']}: {r['bytes_per_param']:g} bytes per parameter x "
                     f"{params['count']:,.0f} = {r['bytes'] / 1e9:,.2f} GB" for r in rows)
    what = ("AdamW's state (two moments)" if params["part"] == "optimizer" else "the gradients")
    text = f"{what}, measured on torch's AdamW: {said}; stated {params['value'] / 1e9:g} GB"
    holds = [r["holds"] for r in rows]
    verdict = ("supported" if all(holds) else "refuted" if not any(holds) else "conditional")
    if verdict == "conditional":
        text += " (it holds in one of the dtypes only; the sentence names none)"
    return result(verdict, text + ".", measured, expected,
                  figure=figure_pair(params["part"], params["value"] / 1e9,
                                     rows[0]["bytes"] / 1e9, "GB"))


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Estimate every configuration the claim allows and judge the stated figure."""
    if params["claim"] == "part" and params["count"] and params["part"] in ("gradients",
                                                                            "optimizer"):
        return _counted_part(params)
    presets = _presets(params)
    expected = {k: params[k] for k in ("claim", "method", "baseline", "value", "bound")}
    if params["amount"]:
        wrong = _wrong_product(params, [] if isinstance(presets, str) else presets)
        if wrong is not None:
            return wrong
    if isinstance(presets, str):
        return result("unverifiable", presets, {}, expected)
    methods = METHODS if params["method"] == "any" else (params["method"],)
    if params["rate"] and "full_ft" in methods and not any(
            _at_rate(presets[0], "full_ft", cfg, params["rate"])
            for cfg in _configs(presets[0], "full_ft", {**params, "rate": 0.0})):
        params = {**params, "rate": 0.0}  # a rate no accounting has: the rate is not used
    rows = []
    for method in methods:
        if params["claim"] in ("savings", "ratio", "less") and method == "full_ft":
            continue
        for p in presets:
            for cfg in _configs(p, method, params):
                row = _row(params, p, method, cfg)
                if row is not None:
                    rows.append(row)
    if not rows:
        return result("unverifiable", "no configuration applies", {}, expected)
    good = [r for r in rows if r["fit"] == "ok"]
    bad = [r for r in rows if r["fit"] == "bad"]
    close = [r for r in rows if r["fit"] == "close"]
    values = [r["value"] for r in rows]
    ms = sorted({margin(p) for p in presets})
    measured = {"estimate": True, "configurations": len(rows), "holding": len(good),
                "too_close": len(close), "margin": ms[-1],
                "min": min(values), "max": max(values),
                "examples": [{"config": r["config"], "value": r["said"], "holds": r["ok"]}
                             for r in (good[:3] + bad[:3] + close[:2])]}
    names = ", ".join(p.name for p in presets)
    head = (f"Estimate (analytic model of {names} with their own shapes: exact parameter "
            "counts, activations calibrated on GPU QLoRA steps, error at most 2.3% where "
            f"recorded; it decides only with a {100 * ms[-1]:.0f}% margin beyond the stated "
            "figure's tolerance)")
    if params["upto"] and good:  # a best case: attained in some configuration
        best = min(good, key=lambda r: r["value"])
        return result("supported", f"{head}: 'up to' is a best case, attained in {len(good)} "
                      f"of {len(rows)} configurations, e.g. {best['config']}: {best['said']}",
                      measured, expected)
    if not bad and not close:
        return result("supported", f"{head}: holds in all {len(rows)} configurations, e.g. "
                      f"{good[0]['config']}: {good[0]['said']}", measured, expected)
    ref = next((r for r in good if r["reference"]), None)
    if ref is not None and params["method"] == "qlora" and params["claim"] == "total" \
            and len(presets) == 1:  # a named model's amount; what it leaves open: QLoRA's
        return result("supported", f"{head}: holds in a configuration QLoRA is measured in, "
                      f"{ref['config']}: {ref['said']} ({len(good)} of {len(rows)} "
                      f"configurations hold)", measured, expected)
    paper = next((r for r in good if r["paper"]), None)
    if paper is not None and len(presets) == 1 and params["method"] == "lora":
        # a figure about the model a paper studied, in that paper's setting: the paper's
        return result("supported", f"{head}: holds in the setting of the paper that studied "
                      f"{presets[0].name} ({presets[0].reference.get('source', '')}), "
                      f"{paper['config']}: {paper['said']} ({len(good)} of {len(rows)} "
                      "configurations hold)", measured, expected)
    papers = [r for r in rows if r["paper"]]
    if params["paper"] and papers and all(r["fit"] == "bad" for r in papers) and len(presets) == 1 \
            and params["method"] == "lora" and params["claim"] == "ratio" \
            and not _reported_ratio_stated(presets[0], params):
        # a finding said to be the paper's, about the model it studied: its setting decides
        return result("refuted", f"{head}: does not hold in the setting of the paper that "
                      f"studied {presets[0].name} ({presets[0].reference.get('source', '')}), "
                      f"{papers[0]['config']}: {papers[0]['said']}", measured, expected,
                      figure=_pair(params, papers))
    usual = next((r for r in rows if r["usual"]), None)
    if usual is not None and len(presets) == 1 and params["method"] == "full_ft" \
            and params["claim"] in ("total", "per_param"):
        # an amount for full fine-tuning that names no batch, sequence or precision: the
        # usual accounting's (what the rule of 16 bytes a parameter gives), only ever to
        # bear out what the sentence says (a denied amount is refuted only where that
        # accounting gives it)
        how = (f"full fine-tuning as it is usually accounted (mixed precision, AdamW, about 16 "
               f"bytes a parameter), {usual['config']}: {usual['said']} ({len(good)} of "
               f"{len(rows)} configurations hold)")
        if params["usual"] == 1 and usual in good and params["bound"] in ("approx", "eq"):
            return result("supported", f"{head}: holds in {how}", measured, expected)
        if params["usual"] == -1 and usual in bad:
            return result("refuted", f"{head}: does not hold in {how}", measured, expected,
                          figure=_pair(params, [usual]))
    if good:
        other = (bad or close)[0]
        return result("conditional", f"{head}: holds in {len(good)} of {len(rows)} "
                      f"configurations, e.g. {good[0]['config']}: {good[0]['said']}; not in "
                      f"{other['config']}: {other['said']}", measured, expected)
    if close:
        return result("unverifiable", f"{head}: too close to call in {len(close)} of "
                      f"{len(rows)} configurations, e.g. {close[0]['config']}: "
                      f"{close[0]['said']}", measured, expected)
    open_ = _open(params, rows)
    text = (f"{head}: holds in none of {len(rows)} configurations, e.g. {bad[0]['config']}: "
            f"{bad[0]['said']}")
    if open_:
        return result("unverifiable", f"Not refuted: the sentence does not state "
                      f"{', '.join(open_)}. {text}", measured, expected)
    return result("refuted", text, measured, expected, figure=_pair(params, bad))


# How each kind of claim's figure is shown: (quantity, unit, scale of `value`).
_PAIRS = {"total": ("peak training memory", "GB", 1e9), "part": ("{part}", "GB", 1e9),
          "ratio": ("memory against the baseline", "x", 1.0),
          "per_param": ("training state", "bytes per parameter", 1.0),
          "model_multiple": ("training state", "x the model's size", 1.0)}


def _pair(params: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The stated figure beside the configuration nearest to it (a refutation holds even
    there); None for claims that state no number."""
    if params["claim"] not in _PAIRS or not params["value"]:
        return None
    quantity, unit, scale = _PAIRS[params["claim"]]
    row = min(rows, key=lambda r: abs(r["value"] - params["value"]))
    value, high = params["value"] / scale, params["high"] / scale
    stated: float | str = {"le": f"at most {value:,.4g}", "ge": f"at least {value:,.4g}",
                           "approx": f"about {value:,.4g}"}.get(params["bound"], value)
    if params["bound"] == "range" and high:
        stated = f"{value:,.4g}-{high:,.4g}"
    return figure_pair(f"{quantity.format(part=params.get('part', ''))} ({row['config']})",
                       stated, round(row["value"] / scale, 3), unit)


def _open(params: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """The unstated settings that could still decide a refuted claim. A total stated below
    every estimate is refuted whatever batch, sequence or checkpointing: they only add
    memory; so is a term or a per-parameter figure that activations do not enter."""
    out = []
    if not params["size_b"] and params["claim"] in ("total", "part"):
        out.append("the model")
    if params["method"] == "any":
        out.append("the method")
    below_all = params["bound"] in ("eq", "approx", "le") and all(
        r["value"] > params["value"] for r in rows)
    activations = params["claim"] in ("total", "ratio", "less", "savings")
    if activations and not below_all:
        for name, label in (("batch", "the batch size"), ("seq", "the sequence length"),
                            ("checkpointing", "gradient checkpointing")):
            if params[name] in (0, "any"):
                out.append(label)
    for name, label in (("optimizer", "the optimizer's state precision"),
                        ("weights", "the weights' precision"),
                        ("master", "whether an fp32 master copy is kept")):
        if params[name] in ("any", "adamw") and not below_all and not params["rate"]:
            out.append(label)
    return out


def evidence_errors(docs: list[dict[str, Any]], lora_dtype: str | None = None) -> list[dict]:
    """(estimate - measured) / measured allocator peak of each recorded QLoRA step with a
    bitsandbytes 32-bit AdamW, the paged optimizer's state left out as the allocator does; the
    LoRA tensors in the run's own dtype, or in `lora_dtype` when given. Version 2 evidence
    holds a run per configuration; version 1 one step (LoRA weights bf16)."""
    out = []
    for doc in docs:
        if doc.get("verifier") != "lora.qlora_memory" or doc["result"]["verdict"] == "skipped":
            continue
        m, prm = doc["result"]["measured"], doc["params"]
        if "configurations" in m:
            steps = [(c["optimizer"], c["lora_dtype"], c["run"]["step"])
                     for c in m["configurations"].values()
                     if (c.get("run") or {}).get("step")
                     and c["optimizer"] in ("paged_adamw_32bit", "adamw_32bit")]
        else:
            steps = [(prm["optimizer"], "bf16", m["step"])]
        p = PRESETS[m["preset"]]
        for optimizer, dtype, step in steps:
            est = training_estimate(p, "qlora", optimizer="adamw_fp32",
                                    lora_dtype=lora_dtype or dtype, batch=prm["batch"],
                                    seq=prm["seq"], r=prm["r"],
                                    bits_per_param=m["bits_per_param"])
            paged = est["terms"]["optimizer_state"] if optimizer.startswith("paged") else 0
            got = est["allocator"] - paged
            peak = step["peak_allocated"]
            out.append({"preset": p.name, "batch": prm["batch"], "seq": prm["seq"],
                        "measured_gib": peak / GIB, "estimate_gib": got / GIB,
                        "error": (got - peak) / peak})
    return out


VERIFIER = Verifier(
    id="lora.training_memory", version=14,
    title="Training memory of full fine-tuning, 16-bit LoRA and QLoRA (analytic estimate)",
    run=run, params=PARAMS, to_params=to_params, timeout_s=60,
    claims=tuple((m, p) for m in METHODS for p in (
        "training_memory", "memory_ratio", "weights_memory", "gradient_memory",
        "optimizer_memory", "memory_savings_source", "bytes_per_param"))
    + (("full_ft", "fits_gpu"),),
    examples=("Full fine-tuning of LLaMA-7B with AdamW in mixed precision needs about 110 GB.",
              "LoRA memory savings come mostly from gradients and optimizer states."),
    requires=Requires(device="cpu"),
)
