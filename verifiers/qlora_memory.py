"""QLoRA fine-tuning memory: "a model of size X can be fine-tuned on a single GPU of Y GB".

On a GPU: the preset (named, or the paper model nearest X) is built as QLoRA (NF4
double-quantized block linears, bf16 rest, PEFT LoRA r=64 alpha=16 on every block linear,
gradient checkpointing) and trained for real steps with the allocator capped at Y; the
claim's configuration (paged 32-bit AdamW, as in the QLoRA paper) decides the verdict, and
the same step with a plain 32-bit AdamW whose state stays on the GPU is measured beside it.
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

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._env import has_package
from verifiers._frame import Frame, Quantity
from verifiers._memory_model import GIB, VERIFIER_ID, estimate, linear_params
from verifiers._presets import PAPER_MODELS, PRESETS, Preset, preset_for_size, resolve
from verifiers._qlora_estimate import one_gpu, several_gpus

OPTIMIZERS = ("paged_adamw_32bit", "adamw_32bit", "paged_adamw_8bit", "adamw_8bit")
COMPARISON = "adamw_32bit"  # plain 32-bit AdamW: the allocator sees all of its state

PARAMS = (
    Param("size_b", float, default=65.0, min=0.1, max=2000, help="model size in billions"),
    Param("gpu", str, default="stated", choices=("stated", "consumer"),
          help="'stated': the GPU memory is gpu_gb; 'consumer': it is consumer_gb"),
    Param("gpu_gb", float, default=48.0, min=1, max=1024, help="GPU memory in GiB"),
    Param("consumer_gb", float, default=24.0, min=1, max=1024,
          help="what a 'consumer GPU' holds (RTX 3090 / 4090: 24 GiB)"),
    Param("claim", str, default="fits", choices=("fits", "does_not_fit")),
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
          "estimate enumerates (comma list of batch, seq, r, optimizer)"),
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
    sizes = [q for q in frame.quantities if q.unit == "bytes"]
    inside = [q for q in sizes if a <= q.span[0] and q.span[1] <= b]
    if inside:
        return inside[0]
    roles = [q for q in sizes if q.role in ("gpu", "memory")]
    if not roles:
        return None
    return min(roles, key=lambda q: min(abs(q.span[0] - b), abs(a - q.span[1])))


def to_params(frame: Frame) -> dict[str, Any] | str:
    """QLoRA fine-tuning of a model of stated size fits one GPU of stated (or consumer) size.

    A GPU's marketed "N GB" is its memory as the vendor states it, which is N GiB (an "80GB"
    A100 has 80 GiB); a size given in GiB is taken as written, and "N GB of memory" (an amount
    used, not a card) is N * 10^9 bytes. A model or a GPU the sentence leaves unsized is
    measured at the smallest preset or a common 48 GiB card, and the claim holds only under
    that condition (it is never refuted on it)."""
    c = frame.conditions
    four_bit = (frame.subject == "qlora" or frame.has("qlora_verb")
                or any(d in ("nf4", "fp4") for d in c.get("dtypes", ())))
    if frame.baseline == "qlora" and frame.subject != "qlora":
        four_bit = False
    gpu = _gpu_quantity(frame)
    gpus = c.get("gpus", 1)
    if gpus > 1 and frame.has("single") and gpu is not None and gpu.value == gpus * 1e9:
        gpus = 1  # "single 48GB GPUs": the count read is the card's size
    if frame.has("gpus_total"):
        return "a count of GPUs with a plus or a total: not a per-GPU size"
    # a consumer GPU not said to be one ("consumer GPUs", "consumer hardware") may be several:
    # the count is enumerated, so one GPU's measurement never refutes it
    several = (gpus > 1 or frame.has("several_gpus")
               or (frame.has("gpus_plural") and not frame.has("single"))
               or (frame.has("consumer") and not frame.has("single") and gpu is None
                   and not any(frame.has(mark) for mark in NAMED_GPUS)))
    model = c.get("model")
    params: dict[str, Any] = {"claim": "fits"}
    if several:
        params["gpus"] = gpus if gpus > 1 else 0
        params["open"] = ",".join(n for n in ("batch", "seq", "r") if n not in c) + (
            ",optimizer" if not frame.has("tm_adam8") else "")
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
    elif model.get("family") not in ("", "llama", "gpt3") or (
            model.get("preset") and model["preset"] not in PAPER_MODELS):
        found = resolve(model)
        if found is None:
            return "no preset for this model: its memory is not judged with another model's shapes"
        if not found.llama_like:
            return (f"{found.name}: a {found.layout} layout, which the memory model cannot count "
                    "(it counts Llama-shaped decoders: no encoder-decoder, no mixture of experts)")
        params["model"], params["size_b"] = found.name, found.size_b
    elif not model.get("size_b"):
        return "the model's size was not read"
    else:
        params["size_b"] = model["size_b"]
    named = [gb for mark, gb in NAMED_GPUS.items() if frame.has(mark)]
    a, b = frame.spans.get("predicate", (0, 0))
    if gpu is not None and named and not a <= gpu.span[0] < b \
            and any(abs(gpu.value / 1e9 - gb) > 0.5 for gb in named):
        return "GPUs of different sizes are named"
    if frame.has("need_amount"):
        return ("an amount of memory needed: the measurement says whether the step fits a GPU, "
                "not that it takes this much")
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
    unnamed = not four_bit and not frame.subject_named and not open_
    if unnamed and frame.polarity:  # no method named: measured as QLoRA; a fit holds only
        four_bit = True              # with a 4-bit base, and running out refutes any method
        conditions.append(FOUR_BIT_CONDITION)
    if conditions:
        params["_condition"] = " and ".join(conditions)
    if open_ and not four_bit:
        return (f"{' and '.join(open_)} unstated, and the base's width too: a QLoRA "
                "measurement neither supports 16-bit LoRA nor refutes a claim left open")
    if open_:
        params["_open"] = open_
    # 16-bit LoRA needs more than QLoRA's 4-bit base: the measurement can refute, not support
    return params if four_bit else {**params, "_lower_bound": True}


def capacity_gib(params: dict[str, Any]) -> float:
    """The GPU memory the claim states, in GiB."""
    return params["consumer_gb"] if params["gpu"] == "consumer" else params["gpu_gb"]


def configuration(params: dict[str, Any], p: Preset) -> str:
    """The configuration the verdict depends on, in words."""
    gpu = (f"a consumer GPU taken as {params['consumer_gb']:g} GiB" if params["gpu"] == "consumer"
           else f"a {params['gpu_gb']:g} GiB GPU")
    return (f"{p.name} as QLoRA (NF4 + double quantization, bf16 compute; embeddings, norms and "
            f"LM head bf16), LoRA r={params['r']} alpha={params['alpha']:g} on all 7 block "
            f"linears (bf16), gradient checkpointing, batch {params['batch']}, sequence "
            f"{params['seq']}, {params['optimizer']}, on {gpu}")


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


def _say(fits: bool, claim: str) -> str:
    """The verdict for a claim of either polarity, given whether the model fits."""
    return "supported" if fits == (claim == "fits") else "refuted"


def fallback(params: dict[str, Any]) -> dict[str, Any]:
    """On a CPU: refuted (or, for a 'does not fit' claim, supported) when the weights alone
    exceed the GPU; otherwise skipped with the analytic estimate, awaiting a GPU measurement."""
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
    if params["gpus"] != 1:
        if not p.llama_like:
            return result("unverifiable", f"{p.name}: a {p.layout} layout, which the memory "
                          "model cannot count", measured, expected)
        verdict, text = several_gpus(params, p, cap, bits, measured)
        return result(verdict, text, measured, expected)
    if est["weights_alone"] > cap * GIB:
        verdict = _say(False, params["claim"])
        return result(verdict, f"{p.name}'s weights alone as QLoRA stores them take "
                      f"{est['weights_alone'] / GIB:.1f} GiB ({bits:.3f} bits per 4-bit "
                      f"parameter), more than the {cap:g} GiB GPU", measured, expected)
    if p.llama_like:
        verdict, text = one_gpu(params, p, cap, bits, measured, expected)
        return result(verdict, text, measured, expected)
    return result("skipped", f"needs a GPU to measure; the analytic model estimates "
                  f"{est['total'] / GIB:.1f} GiB for {p.name} (weights "
                  f"{est['weights_alone'] / GIB:.1f} GiB) against {cap:g} GiB", measured, expected)


def judge(params: dict[str, Any], p: Preset, m: dict[str, Any], bits: float) -> dict[str, Any]:
    """The verdict from one measurement (see `verifiers._qlora_measure.measure`)."""
    cap = capacity_gib(params)
    expected = {"size_b": params["size_b"], "gpu_gib": cap, "claim": params["claim"]}
    run = m["runs"][params["optimizer"]]
    if "skipped" in run:
        return result("skipped", f"{params['optimizer']} not run: {run['skipped']}",
                      {"preset": p.name, "load": m["load"]}, expected)
    context = m["context"]["device_used"] or 0
    paged = run["state_bytes"]["paged"]
    need = run["peak_reserved"] + paged + context
    est = _model_estimate(params, p, bits)
    measured: dict[str, Any] = {
        "preset": p.name, "configuration": configuration(params, p),
        "consumer_gpu_gib": params["consumer_gb"], "context_bytes": context,
        "cap_bytes": m["cap_bytes"], "load": m["load"], "step": run, "ran_out": m["ran_out"],
        "weights_bytes": m["weights"], "trainable_params": m["trainable_params"],
        "paged_state_bytes": paged, "need_gib": need / GIB,
        "end_to_end_s": m["end_to_end_s"], "bits_per_param": bits,
        "model_total_gib": est["total"] / GIB,
        "model_error": ((est["allocator"] - run["peak_allocated"]) / run["peak_allocated"]
                        if run["peak_allocated"] else None),  # no peaks off a GPU
    }
    beside = ""
    for name, other in m["runs"].items():
        if name != params["optimizer"] and "peak_allocated" in other:
            # Uncapped, the allocator caches freely: allocated is the least the step needs,
            # reserved what it held; both with the context, as for the claim's configuration.
            low, high = other["peak_allocated"] + context, other["peak_reserved"] + context
            measured["comparison"] = {"optimizer": name, **other, "need_gib": low / GIB,
                                      "held_gib": high / GIB, "fits": low <= cap * GIB}
            state = other["state_bytes"]["device"] / GIB
            beside = (f"; with a plain {name} keeping its {state:.1f} GiB of state on the GPU "
                      f"the step peaks at {low / GIB:.1f} GiB allocated ({high / GIB:.1f} "
                      f"reserved) with the context, which "
                      f"{'fits' if low <= cap * GIB else 'does not fit'} in {cap:g} GiB")
    if m["ran_out"] is not None:
        verdict = _say(False, params["claim"])
        text = (f"under a {cap:g} GiB cap {p.name} ran out at {m['ran_out']['part']}; the step "
                f"needs {need / GIB:.1f} GiB ({params['optimizer']}){beside}")
    elif need <= cap * GIB:
        verdict = _say(True, params["claim"])
        text = (f"{p.name} trained under a {cap:g} GiB cap: peak {need / GIB:.1f} GiB incl. "
                f"{paged / GIB:.1f} GiB paged optimizer state and the CUDA context (load and "
                f"{params['steps']} steps in {m['end_to_end_s']:.0f} s){beside}")
    else:
        verdict = "conditional" if params["claim"] == "fits" else "refuted"
        text = (f"{p.name} trained under a {cap:g} GiB cap only because the paged optimizer can "
                f"move its {paged / GIB:.1f} GiB of state to CPU memory (all resident: "
                f"{need / GIB:.1f} GiB){beside}")
    return result(verdict, text, measured, expected)


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure on the GPU and judge; falls back to the analytic model where it cannot build."""
    from verifiers._qlora_measure import measure

    p = _resolve(params)
    if p is None or not p.llama_like or params["gpus"] != 1:
        return fallback(params)  # several GPUs: the sharded estimate; one GPU is measured
    optimizers = (params["optimizer"],)
    if params["optimizer"] != COMPARISON:
        optimizers += (COMPARISON,)
    m = measure(p, device="cuda", capacity_bytes=int(capacity_gib(params) * GIB),
                batch=params["batch"], seq=params["seq"], r=params["r"], alpha=params["alpha"],
                steps=params["steps"], optimizers=optimizers, log=lambda s: print(s, flush=True))
    bits = 8 * m["weights"]["quantized"] / linear_params(p)
    return judge(params, p, m, bits)


VERIFIER = Verifier(
    id=VERIFIER_ID, version=1, title="QLoRA fine-tuning memory on a GPU of stated size",
    run=run, params=PARAMS, fallback=fallback, timeout_s=600,
    claims=(("qlora", "fits_gpu"), ("lora", "fits_gpu")), to_params=to_params,
    examples=("QLoRA makes it possible to fine-tune a 65B model on a single 48GB GPU.",
              "With 4-bit quantization a 70B model still cannot be fine-tuned on one consumer "
              "GPU."),
    requires=Requires(device="cuda", packages=("bitsandbytes", "peft", "transformers")),
)
