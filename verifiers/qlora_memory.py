"""QLoRA fine-tuning memory: "a model of size X can be fine-tuned on a single GPU of Y GB".

On a GPU: the preset (named, or the paper model nearest X) is built as QLoRA (NF4
double-quantized block linears, bf16 rest, PEFT LoRA r=64 alpha=16 on every block linear,
gradient checkpointing) and trained for real steps under a true limit of Y: the device is
filled before loading so that only Y remains, for the allocator, the CUDA context and managed
memory alike. Two configurations are measured, each in a fresh process: the QLoRA reference
script's (LoRA weights bf16, paged 32-bit AdamW) and PEFT's defaults (LoRA weights fp32, torch
AdamW). Each fits, fits only with the optimizer paged to host memory, or runs out (`outcome`).
A claim naming QLoRA is judged by the reference configuration; any other by both, and holding
under one only is `conditional`.
On a CPU (`fallback`, when no recorded measurement matches): refuted when the weights as QLoRA
stores them already exceed Y; a Llama-shaped preset (LLaMA, Llama 3, Mistral, Qwen2.5, Gemma)
is judged by the analytic model with its own shapes, deciding only with a margin beyond its
calibrated error (`_qlora_estimate`); otherwise skipped. Several GPUs are judged by the
analytic model of fully sharded data parallel training (`_memory_model.sharded_estimate`
states its assumptions).

Reading a claim (`to_params`): Y is a GPU's size in the words that name it ("a single 24GB
GPU", "a T4 (16GB)"), a GPU known by its model (T4, RTX 4090, A6000), a consumer GPU, or an
amount of memory ("in <10 GB of memory"). A claim that leaves X or Y unstated is measured at
the smallest preset or a 48 GiB card and holds only under that condition. A sentence that names
no method is measured as QLoRA and holds only with a 4-bit base. A model with no preset, a
layout the model cannot count (encoder-decoder, mixture of experts) and 16-bit LoRA with a
size left open are not judged.
"""

from __future__ import annotations

import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._env import has_package
from verifiers._frame import Frame, Quantity
from verifiers._memory_model import GIB, VERIFIER_ID, estimate, linear_params, memory_preset
from verifiers._presets import NOMINAL, PAPER_MODELS, PRESETS, Preset, preset_for_size, resolve
from verifiers._qlora_estimate import one_gpu, several_gpus

OPTIMIZERS = ("paged_adamw_32bit", "adamw_32bit", "paged_adamw_8bit", "adamw_8bit")

# a model's weights in a stated width against the card (claim -> bytes per weight); no
# parameter of its own, so that the jobs of every other claim keep their recorded evidence
WEIGHTS_FIT = {"weights16": 2, "weights32": 4, "weights4": 0.5}
# a model's weights against a card in a precision the sentence leaves open: judged at 16 and at
# 4 bits (below 4 bits, 2- and 3-bit formats may still fit what 4 bits does not)
WEIGHTS_ANY = "weights_any"

PARAMS = (
    Param("size_b", float, default=65.0, min=0.1, max=2000, help="model size in billions"),
    Param("gpu", str, default="stated", choices=("stated", "consumer"),
          help="'stated': the GPU memory is gpu_gb; 'consumer': it is consumer_gb"),
    Param("gpu_gb", float, default=48.0, min=1, max=1024, help="GPU memory in GiB"),
    Param("consumer_gb", float, default=24.0, min=1, max=1024,
          help="what a 'consumer GPU' holds (RTX 3090 / 4090: 24 GiB)"),
    Param("claim", str, default="fits",
          choices=("fits", "does_not_fit", "fits16", "fits_any", *WEIGHTS_FIT, WEIGHTS_ANY),
          help="fits16: LoRA on a 16-bit (bf16) base fits, estimated from exact counts and "
               "the calibrated activation model (a denial is the pipeline's to turn round); "
               "fits_any: LoRA on a base of unstated width fits (16-bit, else 4-bit: "
               "conditional); weights16 / weights32: a model in a stated 16- or 32-bit dtype, "
               "nothing trained, fits the GPU (its weights against the card)"),
    Param("batch", int, default=1, min=1, max=64),
    Param("seq", int, default=512, min=16, max=8192),
    Param("r", int, default=64, min=1, max=1024),
    Param("alpha", float, default=16.0, min=0.01, max=10000),
    Param("optimizer", str, default="paged_adamw_32bit", choices=OPTIMIZERS),
    Param("steps", int, default=3, min=1, max=20),
    Param("model", str, default="", choices=("", *(n for n, p in PRESETS.items()
                                                   if p.llama_like)),
          help="a Llama-shaped preset; '': the paper model nearest size_b"),
    Param("gpus", int, default=1, min=0, max=64,
          help="GPUs the step is sharded over (FSDP); 0: several, how many unstated"),
    Param("open", str, default="", help="settings left unstated that the several-GPU "
          "estimate enumerates (comma list of batch, seq, r, optimizer, offload); on one GPU, "
          "'settings': batch and sequence unstated (a close call holds at smaller ones), "
          "'headroom': a card's fit with little room left is conditional on them"),
    Param("config", str, default="qlora", choices=("qlora", "any"),
          help="'qlora': the claim names QLoRA, whose reference configuration decides; "
          "'any': the reference configuration and PEFT's defaults both count"),
)
FOUR_BIT_CONDITION = "with a 4-bit (QLoRA) base; 16-bit LoRA needs more"

# GPUs named by model whose memory is one size (marks of lexicon/predicates/memory.yaml);
# an A100, V100 or H100 comes in several sizes and is not read.
NAMED_GPUS = {"gpu_16gb": 16.0, "gpu_24gb": 24.0, "gpu_48gb": 48.0}
SMALLEST = 7.0  # the smallest preset: what "a model" is measured as when no size is stated
COMMON_GPU_GB = 48.0  # what "a GPU" is measured as when no size is stated (A6000, L40S)


def _gpu_quantity(frame: Frame) -> Quantity | None:
    """The GPU's (or the memory's) size: a size inside the words that state the predicate,
    else the nearest size read as a GPU's or as memory."""
    a, b = frame.spans.get("predicate", (0, 0))
    # ("needs 6.5 GB for its weights, so the run fits on a 24 GB card": the weights' share)
    sizes = [q for q in frame.quantities if q.unit == "bytes"
             and not _FOR_WEIGHTS.match(frame.text, q.span[1])]
    inside = [q for q in sizes if a <= q.span[0] and q.span[1] <= b]
    cards = [q for q in sizes if q.role == "gpu" and q not in inside]
    if inside and cards and all(q.role == "" for q in inside) and frame.has("weights_amount"):
        # ("the weights occupy only around 3.4 GB, so even a 12 GB card is enough": the size in
        # the predicate's words is the weights', the card is named apart)
        inside = []
    if inside:
        # "from more than 780 GB to under 48 GB": the amount the run came down to
        return inside[-1] if frame.has("from_to") else inside[0]
    roles = [q for q in sizes if q.role in ("gpu", "memory")]
    if not roles:
        return None
    return min(roles, key=lambda q: min(abs(q.span[0] - b), abs(a - q.span[1])))


# an amount said to be what the weights take, not a GPU's size or the step's memory
_FOR_WEIGHTS = re.compile(r"\s+(?:of\s+(?:GPU\s+)?(?:memory|VRAM)\s+)?(?:just\s+|only\s+)?for\s+"
                          r"(?:its|the|their|our|the\s+model's)\s+(?:[\w-]+\s+)?weights\b", re.I)


# a base said to stay unquantized
_NO_QUANT = re.compile(r"\b(?:without|no)\s+(?:any\s+)?quanti[sz]ation\b|\bun-?quanti[sz]ed\b",
                       re.I)
# QLoRA named after the claim as what to use instead ("... will not fit on a 16 GB card. Reach
# for QLoRA."): the remedy, not the method the claim is of
_REMEDY = re.compile(r"(?:[.!?;]\s+|\b(?:reach\s+for|use|try|switch\s+to|go\s+with|turn\s+to|"
                     r"opt\s+for|consider|instead|(?:have|need|needs|got)\s+to|must)\s+)"
                     r"(?:[\w-]+\s+){0,2}$", re.I)


def _named_as_remedy(frame: Frame) -> bool:
    """Whether the subject is named only after the claim, as what to use instead."""
    at = frame.spans.get("subject")
    end = frame.spans.get("predicate", (0, 0))[1]
    return at is not None and at[0] > end and bool(
        _REMEDY.search(frame.text, max(end, at[0] - 40), at[0]))


# LoRA said to be on an unquantized base
_PLAIN_LORA = re.compile(r"\b(?:plain|standard|regular|vanilla|ordinary)\s+(?:16-bit\s+)?LoRA\b",
                         re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """QLoRA fine-tuning of a model of stated size fits one GPU of stated (or consumer) size.

    A GPU's marketed "N GB" is its memory as the vendor states it, which is N GiB (an "80GB"
    A100 has 80 GiB); a size given in GiB is taken as written, and "N GB of memory" (an amount
    used, not a card) is N * 10^9 bytes. A model or a GPU the sentence leaves unsized is
    measured at the smallest preset or a common 48 GiB card, and the claim holds only under
    that condition (it is never refuted on it)."""
    c = frame.conditions
    widths = set(c.get("dtypes", ()))
    if frame.has("weights_alone") or frame.has("weights_held"):
        # "just holding Llama-2-13B in fp16 takes 26 GB, which overflows a 24 GB card": the
        # weights against the card, no training step
        return _weights_fit_params(frame) or "the amount is the weights' alone, not a step's"
    if not frame.polarity and widths & {"bf16", "fp16", "16bit", "fp32"} \
            and widths & {"nf4", "fp4", "4bit"}:
        # "you can't load it in fp16 (26 GB), but in 4-bit it's 6.5 GB and fits": a denial
        # said of one width beside another that is affirmed; which width it denies is not read
        return "a denial beside a 16-bit and a 4-bit width: which width it is of is not read"
    named = frame.subject == "qlora" or frame.has("qlora_verb")
    # a 16-bit base said in the sentence ("in bf16 ... won't fit without quantization") is not
    # QLoRA's, whatever the page is about
    sixteen = (any(d in ("bf16", "fp16", "16bit") for d in c.get("dtypes", ()))
               or _NO_QUANT.search(frame.text)) \
        and not any(d in ("nf4", "fp4") for d in c.get("dtypes", ()))
    # (QLoRA named only as the remedy after a 16-bit claim is not the claim's method)
    sixteen_own = sixteen and (not frame.subject_named or _named_as_remedy(frame))
    if sixteen_own and not frame.has("qlora_verb"):
        named = False
    if not frame.polarity and not (frame.subject_named or frame.has("quantized")
                                   or frame.has("qlora_verb")):
        # "fine-tuning a 65B model needs more than one 48 GB GPU" on a QLoRA page: a denial
        # whose method only the page implies is as often about 16-bit fine-tuning
        named = False
    if sixteen and not named and not frame.has("training") and not frame.subject_named \
            and not frame.has("tuned_said"):
        # "the unquantized fp16 checkpoint would be 26 GB, which does not fit our 24 GB card" on
        # a QLoRA page: a 16-bit model's weights against the card, no QLoRA step
        return _weights_fit_params(frame) or (
            "a 16-bit model against a card with nothing trained: its weights, not a QLoRA step")
    held = _base_held(frame) if named and not frame.has("training") else None
    if held is not None:
        # "with the QLoRA option, a 7B base model occupies under 4 GB": the quantized base's
        # weights against the bound, nothing trained ("occupy roughly 35 GB": an amount of the
        # weights, which no step is measured against)
        return (_base_held_params(frame, held) if held.bound in ("lt", "le") else None) or (
            "the amount is said of the quantized base's weights, not of a training step")
    on_card = frame.subject == "qlora" and any(q.role == "gpu" for q in frame.quantities)
    if not (frame.has("training") or frame.has("inference_only") or frame.subject_named
            or on_card):  # (on a QLoRA page, "a 33B model fits on one 24 GB card" is QLoRA's)
        # "a 70B model fits in 35 GB": nothing is trained and no method is named; what fits
        # is the weights, in a precision the sentence leaves open (a model-size claim)
        return _weights_fit_params(frame) or (
            "nothing is said to be trained and no method is named: whether a model's weights "
            "fit is a model-size claim, not a fine-tuning step's")
    four_bit = (named or any(d in ("nf4", "fp4") for d in c.get("dtypes", ()))
                or frame.has("unquantized_aside") and not frame.has("unquantized_fit"))
    if frame.baseline == "qlora" and frame.subject != "qlora":
        four_bit = named = False
    if frame.has("from_to") and not four_bit:
        # "LoRA cut training VRAM from 1.2 TB to 350 GB": a 16-bit saving, not a QLoRA fit
        return "memory brought from one amount to another by no 4-bit method"
    gpu = _gpu_quantity(frame)
    gpus = c.get("gpus", 1)
    if gpus > 1 and frame.has("single") and gpu is not None and gpu.value == gpus * 1e9:
        gpus = 1  # "single 48GB GPUs": the count read is the card's size
    if frame.has("gpus_total"):
        return "a count of GPUs with a plus or a total: not a per-GPU size"
    if frame.has("offloaded") and gpus == 1 and not frame.has("several_gpus"):
        return "offloading to CPU memory or disk is named: a one-card fit with it is not modelled"
    if gpus > 1 and frame.has("single") and not frame.polarity:
        # "it can't fit on one 24 GB card, but two 3090s can hold it": one card denied and
        # several affirmed; the count read is the other clause's
        return "one card and several are named beside a denial: which the denial is of is not read"
    # a consumer GPU not said to be one ("consumer GPUs", "consumer hardware") may be several:
    # the count is enumerated, so one GPU's measurement never refutes it
    several = (gpus > 1 or frame.has("several_gpus")
               or (frame.has("gpus_plural") and not frame.has("single"))
               or (frame.has("consumer") and not frame.has("single") and gpu is None
                   and not any(frame.has(mark) for mark in NAMED_GPUS)))
    model = c.get("model")
    sized = [q for q in frame.quantities if q.unit in ("count", "params") and q.value >= 1e9
             and gpu is not None and q.span[1] <= gpu.span[0]]
    if sized and model and model.get("size_b") \
            and abs(sized[-1].value / 1e9 - model["size_b"]) > 0.15 * model["size_b"]:
        # "a 65B model on a 48 GB GPU and a 33B model on a 24 GB card": the GPU read is the
        # second's, and so is the model (the size named last before it)
        model = {"family": "", "size_b": sized[-1].value / 1e9, "preset": None}
    params: dict[str, Any] = {"claim": "fits"}
    if not named:  # not QLoRA's own configuration: PEFT's defaults count as much
        params["config"] = "any"
    if several:
        params["gpus"] = gpus if gpus > 1 else 0
        # (CPU offloading unstated: FSDP + QLoRA's recipe for consumer cards offloads)
        params["open"] = ",".join(n for n in ("batch", "seq", "r") if n not in c) + (
            ",optimizer" if not frame.has("tm_adam8") else "") + ",offload"
    open_: list[str] = []
    conditions: list[str] = []
    if model is None and any(q.unit == "count" and q.stated_unit.lower() in ("b", "billion")
                             for q in frame.quantities):
        return "a size in billions is written but not read as a model's"
    if model is None:
        params["size_b"] = SMALLEST
        open_.append("the model size")
        conditions.append(f"for models small enough (measured: {SMALLEST:g}B, the smallest "
                          "preset; the sentence states no model size)")
    elif (found := memory_preset(model)) is not None:
        if isinstance(found, str):
            return found
        params["model"], params["size_b"] = found.name, found.size_b
    elif not model.get("size_b"):
        return "the model's size was not read"
    else:
        params["size_b"] = model["size_b"]
        nominal = NOMINAL.get(int(model["size_b"])) if model["size_b"] == int(model["size_b"]) \
            else None
        if nominal and nominal not in PAPER_MODELS:
            # a bare size no paper model has ("an 8B model"): the model sold at that size
            params["model"] = nominal
    named = [gb for mark, gb in NAMED_GPUS.items() if frame.has(mark)]
    a, b = frame.spans.get("predicate", (0, 0))
    if gpu is not None and named and not a <= gpu.span[0] < b \
            and any(abs(gpu.value / 1e9 - gb) > 0.5 for gb in named):
        return "GPUs of different sizes are named"
    if frame.has("need_amount"):
        return ("an amount of memory needed: the measurement says whether the step fits a GPU, "
                "not that it takes this much")
    if frame.has("weights_amount") and gpu is None:
        return "the amount is the weights' memory (a model-size claim), not a training step's"
    if gpu is not None:
        if gpu.bound in ("ge", "range"):
            return f"a GPU size stated as {gpu.text} is not one GPU's capacity"
        # a size in GiB, or an amount of memory used (GB is 10^9 bytes), is converted; a
        # card's marketed size is its GiB ("24 GB" is 24 GiB)
        marketed = gpu.role != "memory" and not gpu.stated_unit.endswith("iB")
        gib = gpu.value / 1e9 if marketed else gpu.value / 2**30
        params["gpu_gb"] = round(gib, 3)
    elif len(set(named)) == 1:
        params["gpu_gb"] = named[0]
    elif named:
        return "GPUs of different sizes are named"
    elif frame.has("consumer"):
        params["gpu"] = "consumer"
    elif model is None:
        return "neither a model size nor a GPU size is stated"
    elif any(q.unit == "bytes" for q in frame.quantities):
        return "a size is stated, but not as a GPU's or as the memory used"
    else:
        params["gpu_gb"] = COMMON_GPU_GB
        open_.append("the GPU's memory")
        conditions.append(f"on a GPU with enough memory (measured: {COMMON_GPU_GB:g} GiB; the "
                          "sentence states no GPU size)")
    for name in ("batch", "seq", "r"):
        if name in c:
            params[name] = c[name]
    card = gpu is None or (gpu.bound in ("eq", "approx") and gpu.role != "memory")
    if (frame.polarity and not several and "batch" not in c and "seq" not in c
            and "gpu_gb" in params and not frame.has("paper_source")
            and not _paper_model(params["size_b"])):
        # a fit of a model the paper did not train, with no batch or sequence stated: a step
        # too close to call holds at smaller settings ('settings'); on a card, how much room
        # the reference step leaves decides whether those settings matter ('headroom'; "in
        # under 10 GB of memory" is an amount used, not a card)
        params["open"] = "settings,headroom" if card else "settings"
        # ("a 13B model can be fine-tuned on a 12 GB GPU": what holds only at small settings
        # is conditional, as readers who size a run say, 'can' or not)
        params["_modality"] = ""
    if (not frame.polarity and not several and "batch" not in c and "seq" not in c
            and "gpu_gb" in params and (frame.has("oom_event") or frame.has("modal_can"))):
        # "the run OOMed on the 24 GB card", "it can run out of memory on a 24 GB card": a run
        # that ran out, or may, at a batch and sequence left unsaid; a fit at the reference
        # step does not refute it, since a longer sequence runs out on any card
        params["_modality"] = "may_fail"
    unnamed = not four_bit and not frame.subject_named and not open_
    if unnamed and frame.polarity:  # no method named: measured as QLoRA; a fit holds only
        four_bit = True              # with a 4-bit base, and running out refutes any method
        conditions.append(FOUR_BIT_CONDITION)
        # ("a 65B model can be fine-tuned on one 48 GB GPU": the base's width is a condition
        # readers who size a run name, 'can' or not)
        params["_modality"] = ""
    if conditions:
        params["_condition"] = " and ".join(conditions)
    if open_ and not four_bit:
        return (f"{' and '.join(open_)} unstated, and the base's width too: a QLoRA "
                "measurement neither supports 16-bit LoRA nor refutes a claim left open")
    if open_:
        params["_open"] = open_
    if not four_bit and params.get("gpus", 1) == 1 and (
            frame.subject == "lora" or sixteen_own) and (
            sixteen or _PLAIN_LORA.search(frame.text)):
        # LoRA on a base said to be 16-bit ("plain LoRA", "a bf16 base"): estimated from its
        # own counts; LoRA alone says nothing of the base's width (8-bit and 4-bit bases too)
        return {**params, "claim": "fits16"}
    if not four_bit and frame.polarity and params.get("gpus", 1) == 1 and frame.subject == "lora" \
            and not open_:
        # "LoRA fits a 13B model on a 24 GB card": the base's width is open; a 16-bit base
        # decides, else a 4-bit one holds it only under that condition ('can' or not: the
        # width is a condition readers who size a run name)
        return {**params, "claim": "fits_any", "_modality": ""}
    # 16-bit LoRA needs more than QLoRA's 4-bit base: the measurement can refute, not support
    return params if four_bit else {**params, "_lower_bound": True}


def capacity_gib(params: dict[str, Any]) -> float:
    """The GPU memory the claim states, in GiB."""
    return params["consumer_gb"] if params["gpu"] == "consumer" else params["gpu_gb"]


def configurations(params: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The two configurations measured: the QLoRA reference script's (adapters cast to bf16,
    the claim's optimizer: paged 32-bit AdamW unless stated) and PEFT's defaults (adapters
    kept in fp32, trained by torch's AdamW as the transformers Trainer does by default)."""
    return {"reference": {"lora_dtype": "bf16", "optimizer": params["optimizer"]},
            "peft_default": {"lora_dtype": "fp32", "optimizer": "torch_adamw"}}


CONFIG_NAMES = {"reference": "the QLoRA reference configuration",
                "peft_default": "PEFT's defaults"}


def describe(cfg: dict[str, str]) -> str:
    """One configuration's LoRA dtype and optimizer, in words."""
    from verifiers._qlora_measure import OPTIMIZER_NAMES

    return f"LoRA weights {cfg['lora_dtype']}, {OPTIMIZER_NAMES[cfg['optimizer']]}"


def configuration(params: dict[str, Any], p: Preset) -> str:
    """The configuration the verdict depends on, in words: what both measured configurations
    share, then each one's LoRA dtype and optimizer."""
    gpu = (f"a consumer GPU taken as {params['consumer_gb']:g} GiB" if params["gpu"] == "consumer"
           else f"a {params['gpu_gb']:g} GiB GPU")
    each = "; ".join(f"{CONFIG_NAMES[n]}: {describe(c)}"
                     for n, c in configurations(params).items())
    return (f"{p.name} as QLoRA (NF4 + double quantization, bf16 compute; embeddings, norms and "
            f"LM head bf16), LoRA r={params['r']} alpha={params['alpha']:g} on all 7 block "
            f"linears, gradient checkpointing (non-reentrant), batch {params['batch']} x "
            f"sequence {params['seq']}, on {gpu}; {each}")


def _resolve(params: dict[str, Any]) -> Preset | None:
    if params.get("model"):
        return PRESETS[params["model"]]
    return preset_for_size(params["size_b"])


def _bits_per_param() -> tuple[float, str]:
    from verifiers._nf4 import layout_bits, measure_bits

    if has_package("bitsandbytes"):
        return measure_bits(512, 512)["bits_per_param"], "measured with bitsandbytes"
    return layout_bits(), "from the NF4 storage layout (bitsandbytes absent)"


def _model_estimate(params: dict[str, Any], p: Preset, bits: float,
                    optimizer: str | None = None) -> dict[str, Any]:
    return estimate(p, batch=params["batch"], seq=params["seq"], r=params["r"],
                    bits_per_param=bits, optimizer=optimizer or params["optimizer"])


# The model sizes whose one-GPU fits the QLoRA paper (2305.14314) reports (65B on 48 GB, 33B on
# 24 GB): a fit of one of these is the paper's result, measured in its own setting.
PAPER_SIZES = (65.0, 33.0)
# A fit whose reference step (batch 1 x 512 tokens) takes more than this share of the card
# leaves too little room for the batch and sequence length the claim leaves open: it holds
# under those settings only (conditional), as a reader who sizes a run would say.
HEADROOM = 0.55


def _paper_model(size_b: float) -> bool:
    return any(abs(size_b - b) <= 0.05 * b for b in PAPER_SIZES)


def _with_headroom(params: dict[str, Any], res: dict[str, Any]) -> dict[str, Any]:
    """A supported fit of a claim that leaves batch and sequence open (`open` token
    'headroom') whose reference step takes more than HEADROOM of the card: conditional."""
    if "headroom" not in params["open"].split(",") or res.get("verdict") != "supported" \
            or params["claim"] != "fits":
        return res
    measured = res.get("measured") or {}
    need = measured.get("estimate_total_gib") or measured.get("model_total_gib")
    cap = capacity_gib(params)
    if not need or need <= HEADROOM * cap:
        return res
    return {**res, "verdict": "conditional",
            "explanation": (f"Holds only at small batches and short sequences, which the claim "
                            f"leaves open: the reference step (batch {params['batch']} x "
                            f"{params['seq']} tokens) takes about {need:.1f} of the {cap:g} GiB, "
                            f"more than {HEADROOM:.0%} of the card. " + res.get("explanation", ""))}


def _say(fits: bool, claim: str) -> str:
    """The verdict for a claim of either polarity, given whether the model fits."""
    return "supported" if fits == (claim == "fits") else "refuted"


# The lightest and the heaviest common 16-bit LoRA step: batch 1 x 512 tokens with gradient
# checkpointing, r=8 on q_proj and v_proj, 8-bit AdamW; batch 4 x 2048 without checkpointing,
# r=64 on every block linear, 32-bit AdamW (LoRA tensors in fp32, as PEFT keeps them).
_LIGHT = {"batch": 1, "seq": 512, "checkpointing": True, "r": 8, "modules": ("q_proj", "v_proj"),
          "optimizer": "adamw_8bit"}
_HEAVY = {"batch": 4, "seq": 2048, "checkpointing": False, "r": 64, "optimizer": "adamw_fp32"}
_MARGIN = 0.05  # the estimate's error on recorded GPU steps is within about 2%


def lora16(params: dict[str, Any]) -> dict[str, Any]:
    """LoRA on a bf16 base fits one GPU: the weights alone, then the lightest and the heaviest
    common step, each estimated from the preset's exact counts (`training_estimate`, calibrated
    on GPU steps); the claim holds, fails, or holds only in the light one (conditional)."""
    from verifiers._memory_model import training_estimate

    p = _resolve(params)
    cap = capacity_gib(params)
    expected = {"size_b": params["size_b"], "gpu_gib": cap, "claim": params["claim"]}
    if p is None:
        return result("unverifiable", f"no model preset within 15% of {params['size_b']:g}B",
                      {}, expected)
    # a batch or a sequence length the sentence states (not the defaults) is both steps'
    stated = {k: params[k] for k, default in (("batch", 1), ("seq", 512)) if params[k] != default}
    weights = p.total_params() * 2 / GIB
    light = training_estimate(p, "lora", **(_LIGHT | stated))["total"] / GIB
    heavy = training_estimate(p, "lora", **(_HEAVY | stated))["total"] / GIB
    measured = {"preset": p.name, "weights_bf16_gib": weights, "light_step_gib": light,
                "heavy_step_gib": heavy, "light": _LIGHT | {"modules": "q_proj,v_proj"} | stated,
                "heavy": _HEAVY | stated}
    said = (f"{p.name} in bf16: weights {weights:.1f} GiB; a LoRA step takes about {light:.1f} "
            f"GiB at batch 1 x 512 with checkpointing (r=8 on q,v, 8-bit AdamW) and {heavy:.1f} "
            f"GiB at batch 4 x 2048 without it (r=64 on every linear), against {cap:g} GiB "
            "(estimate from exact counts, activations calibrated on GPU steps)")
    if light > cap * (1 + _MARGIN):
        fits = False
    elif heavy < cap * (1 - _MARGIN):
        fits = True
    else:
        verdict = "conditional" if light < cap * (1 - _MARGIN) else "unverifiable"
        return result(verdict, f"Fits only in some settings: {said}.", measured, expected)
    return result("supported" if fits else "refuted",
                  ("Fits in every common setting: " if fits else "Does not fit even the lightest "
                   "step: ") + said + ".", measured, expected)


# a dtype whose every weight has one width (a 4-bit or 8-bit checkpoint keeps some in 16 bits)
_WIDE = {"fp16": 2, "bf16": 2, "16bit": 2, "fp32": 4, "nf4": 0.5, "fp4": 0.5, "4bit": 0.5}
# a fit of the weights with this much of the card left over holds whatever else runs beside them
# (the cache of a short generation, the CUDA context); closer, what else runs decides
ROOMY = 0.8


_FIT_SAID = re.compile(r"\bfits?\b|\bfitting\b|\benough\s+to\s+(?:hold|load|store|keep)\b|"
                       r"\b(?:can|could|will)\s+hold\b|\bhold(?:s|ing)?\b(?=[^.;]{0,80}?"
                       r"\b(?:weights|in\s+(?:bf16|fp16|fp32|16-?bit|32-?bit|half|full))\b)|"
                       # "runs Llama-2-70B in bf16 on a single 80 GB GPU": held by one card
                       r"\b(?:runs?|running|serves?|serving|hosts?|hosting|loads?|loading)\b"
                       r"[^.;]{0,80}?\bon\s+(?:a\s+single|one|a|1)\s+(?:\d[\d.]*\s*GB\s+)?\b",
                       re.I)
# a card named beside a size read as memory ("a graphics card with 16GB of video memory")
_CARD_WORD = re.compile(r"\b(?:card|GPU|accelerator|graphics\s+board)\b", re.I)


def _weights_fit_params(frame: Frame) -> dict[str, Any] | None:
    """'Llama-2-13B in bf16 fits on a 24 GB card': a named model in one stated 16- or 32-bit
    dtype and one GPU, nothing trained; None for anything else."""
    if not _FIT_SAID.search(frame.text):
        return None  # ("overflow a single 80 GB A100": what is said of the card is not a fit)
    widths = {_WIDE.get(d) for d in frame.conditions.get("dtypes", ())} or {None}
    model = frame.conditions.get("model") or {}
    found = resolve(model)
    bare = found is None and not model.get("family") and bool(model.get("size_b"))
    if bare:  # "a 70B model": the paper model of that size, judged on the stated size's range
        found = preset_for_size(model["size_b"])
    gpu = _gpu_quantity(frame)
    open_width = widths == {None} and not frame.conditions.get("dtypes")
    if len(widths) != 1 or (None in widths and not open_width) or found is None \
            or gpu is None or gpu.role not in ("gpu", "memory") \
            or gpu.role == "memory" and not _CARD_WORD.search(frame.text) \
            or gpu.bound not in ("eq", "approx") \
            or not frame.polarity or frame.has("need_amount") \
            or frame.conditions.get("gpus", 1) != 1:
        return None
    gib = gpu.value / 2**30 if gpu.stated_unit.endswith("iB") else gpu.value / 1e9
    claim = WEIGHTS_ANY if open_width else f"weights{round(8 * widths.pop())}"
    return {"claim": claim, "model": "" if bare else found.name,
            "size_b": model["size_b"] if bare else found.size_b,
            "gpu_gb": round(gib, 3)}


# the base model or its weights as what holds the memory ("the 7B base model occupies",
# "the frozen weights take up")
# (with how it is held between: "the 7B base loaded in 4-bit NF4 takes under 4 GB")
_BASE_HELD = re.compile(r"\b(?:base(?:\s+model)?|(?:frozen|quantized|4-?bit|NF4)\s+(?:base|model|"
                        r"weights)|(?:model(?:'s)?\s+)?weights)\s+(?:(?:loaded|stored|quantized|"
                        r"kept|held|packed)\s+(?:in|as|to|into)\s+(?:[\w-]+\s+){1,2}?)?"
                        r"(?:alone\s+|itself\s+|themselves\s+)?(?:occup(?:y|ies)|takes?|sits?\s+in|"
                        r"fills?|needs?|uses?|requires?|consumes?)\b", re.I)


def _base_held(frame: Frame) -> Quantity | None:
    """The amount said of the base's weights ('the 7B base model occupies under 4 GB'): the
    first amount in bytes after the words, where the card read is that amount; else None."""
    m = _BASE_HELD.search(frame.text)
    gpu = _gpu_quantity(frame)
    if m is None or gpu is None:
        return None
    after = [q for q in frame.quantities if q.unit == "bytes" and m.end() <= q.span[0]
             and q.span[0] - m.end() <= 40]
    return gpu if after and after[0] is gpu else None


def _base_held_params(frame: Frame, held: Quantity) -> dict[str, Any] | None:
    """The 4-bit weights of a named model against a bound said of them ('a 7B base model
    occupies less than 4 GB'); None where the model is not one."""
    model = frame.conditions.get("model") or {}
    found = resolve(model)
    bare = found is None and not model.get("family") and bool(model.get("size_b"))
    if bare:
        found = preset_for_size(model["size_b"])
    if found is None or not frame.polarity or frame.conditions.get("gpus", 1) != 1:
        return None
    gib = held.value / 2**30 if held.stated_unit.endswith("iB") else held.value / 1e9
    return {"claim": "weights4", "model": "" if bare else found.name,
            "size_b": model["size_b"] if bare else found.size_b, "gpu_gb": round(gib, 3)}


def weights_fit(params: dict[str, Any]) -> dict[str, Any]:
    """The model's weights (every parameter of the preset, at the dtype's bytes) against the
    GPU: more than the card refutes a fit; well under it supports it; close, what runs beside
    the weights decides (conditional)."""
    if params["claim"] == WEIGHTS_ANY:
        return _weights_any(params)
    width = WEIGHTS_FIT[params["claim"]]
    if params["model"]:
        p = PRESETS[params["model"]]
        count = top = p.total_params()
    else:  # a bare size ("a 13B model"): any count that rounds to it
        p = preset_for_size(params["size_b"])
        count, top = (params["size_b"] - 0.5) * 1e9, (params["size_b"] + 0.5) * 1e9
    weights, most = count * width / GIB, top * width / GIB
    if params["claim"] == "weights4":
        # 4-bit: at least half a byte per parameter; at most NF4 with fp32 block scales (4.5
        # bits) on the block linears and 16-bit embeddings, norms and head
        from verifiers._memory_model import linear_params

        linear = linear_params(p) * top / p.total_params()
        most = (linear * 4.5 / 8 + (top - linear) * 2) / GIB
    card = capacity_gib(params)
    who = f"{p.name}'s {count / 1e9:.2f}B parameters" if params["model"] else \
        f"a model of {count / 1e9:g}B to {top / 1e9:g}B parameters"
    said = (f"{who} at {width} bytes each take {weights:.1f} GiB"
            + (f" (up to {most:.1f} GiB" + (" with the block scales and 16-bit embeddings"
                                            if params["claim"] == "weights4" else "") + ")"
               if most > weights else "")
            + f" against a {card:g} GiB GPU")
    measured = {"params": count, "bytes_per_weight": width, "weights_gib": weights,
                "weights_gib_most": most, "gpu_gib": card}
    expected = {"claim": params["claim"], "model": params["model"] or p.name, "gpu_gb": card}
    if weights > card:
        return result("refuted", f"The weights alone do not fit: {said}.", measured, expected)
    if most <= ROOMY * card:
        return result("supported", f"The weights fit with room to spare: {said}.", measured,
                      expected)
    return result("conditional", f"The weights fit with little room left ({said}): whether "
                  "the model runs depends on what else is held beside them (the KV cache, "
                  "activations).", measured, expected)


def _weights_any(params: dict[str, Any]) -> dict[str, Any]:
    """A fit of the weights in a precision left open: in 16 bits it holds; only in 4 bits it
    holds under that condition; where 4 bits do not fit, a fit in 2 bits per weight decides
    between unverifiable (2- and 3-bit formats exist) and refuted."""
    sixteen = weights_fit({**params, "claim": "weights16"})
    four = weights_fit({**params, "claim": "weights4"})
    measured = {"weights16": sixteen["measured"], "weights4": four["measured"]}
    expected = {**four["expected"], "claim": WEIGHTS_ANY}
    said = f"In 16 bits: {sixteen['explanation']} In 4 bits: {four['explanation']}"
    if sixteen["verdict"] == "supported":
        return result("supported", f"The weights fit even in 16 bits. {said}", measured,
                      expected)
    if sixteen["verdict"] == "conditional":
        return result("conditional", "The weights fit in 16 bits with little room left and in "
                      f"4 bits with more; the sentence states no precision. {said}", measured,
                      expected)
    if four["verdict"] in ("supported", "conditional"):
        return result("conditional", "Holds only with the weights quantized (4 bits), not in "
                      f"16 bits; the sentence states no precision. {said}", measured, expected)
    two_bit = four["measured"]["params"] * 0.25 / GIB
    if two_bit > four["measured"]["gpu_gib"]:
        return result("refuted", f"The weights do not fit even at 2 bits per parameter "
                      f"({two_bit:.1f} GiB against {four['measured']['gpu_gib']:g} GiB). {said}",
                      {**measured, "weights2_gib": two_bit}, expected)
    return result("unverifiable", "Fits in neither 16 nor 4 bits; formats below 4 bits per "
                  f"weight (2-3 bits) may fit, and the sentence states no precision. {said}",
                  {**measured, "weights2_gib": two_bit}, expected)


def fallback(params: dict[str, Any]) -> dict[str, Any]:
    """On a CPU: refuted (or, for a 'does not fit' claim, supported) when the weights alone
    exceed the GPU; otherwise skipped with the analytic estimate, awaiting a GPU measurement."""
    if params["claim"] in WEIGHTS_FIT or params["claim"] == WEIGHTS_ANY:
        return weights_fit(params)
    if params["claim"] == "fits_any":
        return _any_width(params, fallback)
    return _with_headroom(params, _fallback(params))


def _any_width(params: dict[str, Any], four_bit: Any) -> dict[str, Any]:
    """LoRA on a base whose width the claim leaves open: the 16-bit estimate decides where it
    fits; else the 4-bit (QLoRA) base, measured by `four_bit`, holds it only under that
    condition, and where neither fits the claim is refuted."""
    sixteen = lora16({**params, "claim": "fits16"})
    if sixteen["verdict"] == "supported":
        return {**sixteen, "expected": {**sixteen.get("expected", {}), "claim": "fits_any"}}
    quantized = four_bit({**params, "claim": "fits", "config": "any"})
    measured = {"lora16": sixteen.get("measured"), "qlora": quantized.get("measured")}
    said = f"16-bit base: {sixteen['explanation']} 4-bit base: {quantized['explanation']}"
    verdict = quantized["verdict"]
    if verdict in ("supported", "conditional"):
        return result("conditional", f"Holds {FOUR_BIT_CONDITION}. {said}", measured,
                      {**quantized.get("expected", {}), "claim": "fits_any"})
    if verdict == "refuted" and sixteen["verdict"] == "refuted":
        return result("refuted", f"Fits with neither a 16-bit nor a 4-bit base. {said}",
                      measured, {**quantized.get("expected", {}), "claim": "fits_any"})
    return result("unverifiable", f"Not decided on either base width. {said}", measured,
                  {**quantized.get("expected", {}), "claim": "fits_any"})


def _fallback(params: dict[str, Any]) -> dict[str, Any]:
    if params["claim"] == "fits16":
        return lora16(params)
    p = _resolve(params)
    cap = capacity_gib(params)
    expected = {"size_b": params["size_b"], "gpu_gib": cap, "claim": params["claim"],
                "gpus": params["gpus"]}
    if p is None:
        return result("unverifiable", f"no model preset within 15% of {params['size_b']:g}B",
                      {}, expected)
    bits, how = _bits_per_param()
    est = _model_estimate(params, p, bits)
    measured = {"preset": p.name, "bits_per_param": bits, "bits_source": how,
                "weights_alone_gib": est["weights_alone"] / GIB,
                "estimate_total_gib": est["total"] / GIB,
                "estimate_allocator_gib": est["allocator"] / GIB,
                "estimate_terms_gib": {k: v / GIB for k, v in est["terms"].items()},
                "configuration": configuration(params, p)}
    said = f" (configuration: {measured['configuration']})"
    if params["gpus"] != 1:
        if not p.llama_like:
            return result("unverifiable", f"{p.name}: a {p.layout} layout, which the memory "
                          "model cannot count", measured, expected)
        verdict, text = several_gpus(params, p, cap, bits, measured)
        return result(verdict, text, measured, expected)  # each configuration is named
    if est["weights_alone"] > cap * GIB:
        verdict = _say(False, params["claim"])
        return result(verdict, f"{p.name}'s weights alone as QLoRA stores them take "
                      f"{est['weights_alone'] / GIB:.1f} GiB ({bits:.3f} bits per 4-bit "
                      f"parameter), more than the {cap:g} GiB GPU{said}", measured, expected)
    if p.llama_like:
        verdict, text = one_gpu(params, p, cap, bits, measured, expected)
        return result(verdict, text + said, measured, expected)
    return result("skipped", f"needs a GPU to measure; the analytic model estimates "
                  f"{est['total'] / GIB:.1f} GiB for {p.name} (weights "
                  f"{est['weights_alone'] / GIB:.1f} GiB) against {cap:g} GiB{said}",
                  measured, expected)


def _g(x: float) -> str:
    return f"{x / GIB:.2f} GiB"


def outcome(run: dict[str, Any], limit: int) -> tuple[str, str]:
    """('fits' | 'paged' | 'runs_out', what happened in words) for one configuration's
    measurement under a true limit of `limit` bytes (see `_qlora_measure.measure`)."""
    context = run["context"]["device_used"] or 0
    step, out = run.get("step"), run.get("ran_out")
    if step is None:
        part = out["part"] if out else "loading"
        return "runs_out", f"runs out while {part.replace('loading: ', 'loading ')}"
    state = step["state_bytes"]["paged"]
    alloc = step["peak_allocated"] + context
    if out is not None:
        return "runs_out", (f"runs out in the {out['part']}; without the limit the step peaks "
                            f"at {_g(alloc)} allocated with the context")
    if step.get("paging_blocked"):
        held = step["peak_reserved"] + context
        if held > limit:
            return "runs_out", (f"does not fit even with its optimizer state in host memory: "
                                f"the step holds {_g(held)} with the context")
        return "paged", (f"fits only with the optimizer paged to host memory: the step holds "
                         f"{_g(held)} with the context, {_g(held + state)} with its "
                         f"{_g(state)} of state on the GPU (the slowdown was not measured: "
                         f"managed memory beyond what the card has free is never asked for)")
    if step.get("paged_out_bytes"):
        return "paged", (f"fits only with the optimizer paged to host memory "
                         f"({_g(step['paged_out_bytes'])} of its state left the GPU), "
                         f"{step['paging_slowdown']:.1f}x slower per step")
    resident = f" + {_g(state)} of paged state" if state else ""
    return "fits", (f"trains ({len(step['losses'])} steps): peak {_g(step['peak_allocated'])} "
                    f"allocated ({_g(step['peak_reserved'])} reserved) + {_g(context)} CUDA "
                    f"context{resident}")


def _combine(params: dict[str, Any], kinds: dict[str, str]) -> str:
    """The verdict from each configuration's outcome. A claim that names QLoRA is about its
    own configuration (paged optimizers are one of the method's three parts), so the reference
    configuration decides and PEFT's defaults are reported beside it; otherwise both count,
    and a claim that holds under one only is conditional."""
    fits_claim = params["claim"] == "fits"
    ref = kinds["reference"]
    seen = set(kinds.values()) if params["config"] == "any" else {ref}
    if seen == {"fits"}:
        return _say(True, params["claim"])
    if seen == {"runs_out"}:
        return _say(False, params["claim"])
    return "conditional" if fits_claim else "refuted"


def judge(params: dict[str, Any], p: Preset, runs: dict[str, dict[str, Any]],
          bits: float | None = None) -> dict[str, Any]:
    """The verdict from one true-limit measurement per configuration (`runs`, by the names of
    `configurations`); a configuration left out ran out while loading as the first did."""
    cap = capacity_gib(params)
    limit = int(cap * GIB)
    expected = {"size_b": params["size_b"], "gpu_gib": cap, "claim": params["claim"],
                "config": params["config"]}
    cfgs = configurations(params)
    first = runs["reference"]
    if bits is None:
        bits = (8 * first["weights"]["quantized"] / linear_params(p) if first.get("weights")
                else _bits_per_param()[0])
    est = _model_estimate(params, p, bits)
    found: dict[str, tuple[str, str]] = {}
    for name in cfgs:
        found[name] = outcome(runs[name], limit) if name in runs else (
            found["reference"][0], "runs out while loading, as the base is the same")
    kinds = {n: k for n, (k, _) in found.items()}
    verdict = _combine(params, kinds)
    said = "; ".join(f"with {CONFIG_NAMES[n]} ({describe(cfgs[n])}) it {text}"
                     for n, (_, text) in found.items())
    how = ("the QLoRA reference configuration decides, the claim naming QLoRA"
           if params["config"] == "qlora" else "either configuration may be the claim's")
    text = (f"Under a true {cap:g} GiB limit (the device filled so that only {cap:g} GiB "
            f"remained) {p.name}: {said} ({how}). Both: batch {params['batch']} x sequence "
            f"{params['seq']}, r={params['r']} on all 7 block linears, gradient checkpointing")
    measured: dict[str, Any] = {
        "preset": p.name, "configuration": configuration(params, p), "limit_bytes": limit,
        "consumer_gpu_gib": params["consumer_gb"], "bits_per_param": bits,
        "model_total_gib": est["total"] / GIB, "weights_alone_gib": est["weights_alone"] / GIB,
        "outcomes": kinds,
        "configurations": {n: {**cfgs[n], "outcome": found[n][0], "said": found[n][1],
                               **({"run": runs[n]} if n in runs else {})} for n in cfgs},
    }
    step = first.get("step")
    if step and not first.get("ran_out"):
        measured["model_error"] = ((est["allocator"] - step["peak_allocated"])
                                   / step["peak_allocated"]) if step["peak_allocated"] else None
    return result(verdict, text, measured, expected)


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure each configuration under a true limit, each in a fresh process, and judge;
    falls back to the analytic model where it cannot build. Every configuration's process is
    started at once (imports, the model declared on the meta device); each touches the GPU only
    once the one before it has ended."""
    from verifiers._qlora_measure import Prepared

    if params["claim"] == "fits16":
        return lora16(params)
    if params["claim"] in WEIGHTS_FIT or params["claim"] == WEIGHTS_ANY:
        return weights_fit(params)
    if params["claim"] == "fits_any":
        return _any_width(params, run)
    p = _resolve(params)
    if p is None or not p.llama_like or params["gpus"] != 1:
        return fallback(params)  # several GPUs: the sharded estimate; one GPU is measured
    common = {"device": "cuda", "limit_bytes": int(capacity_gib(params) * GIB),
              "batch": params["batch"], "seq": params["seq"], "r": params["r"],
              "alpha": params["alpha"], "steps": params["steps"]}
    prepared = {name: Prepared(p.name, {name: cfg}, **common)
                for name, cfg in configurations(params).items()}
    runs: dict[str, dict[str, Any]] = {}
    try:
        for name, proc in prepared.items():
            runs.update(proc.run(log=lambda s: print(s, flush=True)))
            if runs[name]["step"] is None and not str(runs[name]["ran_out"]["part"]).startswith(
                    "attaching"):
                break  # loading ran out: the configurations differ only after it
    finally:
        for proc in prepared.values():
            proc.close()
    import torch  # noqa: F401  (so that the worker's environment names the device it ran on)

    return _with_headroom(params, judge(params, p, runs))


# Its jobs wait for the runner's GPU gate (`_qlora_measure.GPU_GATE_ENV`) before they touch the
# device, so the runner may start one while the job before it still measures.
WAITS_FOR_GPU_GATE = True


VERIFIER = Verifier(
    id=VERIFIER_ID, version=2, title="QLoRA fine-tuning memory on a GPU of stated size",
    run=run, params=PARAMS, fallback=fallback, timeout_s=600,
    claims=(("qlora", "fits_gpu"), ("lora", "fits_gpu")), to_params=to_params,
    examples=("QLoRA makes it possible to fine-tune a 65B model on a single 48GB GPU.",
              "With 4-bit quantization a 70B model still cannot be fine-tuned on one consumer "
              "GPU."),
    requires=Requires(device="cuda", packages=("bitsandbytes", "peft", "transformers")),
)
