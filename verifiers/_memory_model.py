"""An analytic memory model of one QLoRA fine-tuning step for a Llama-style preset.

Terms (bytes): the block linears at the measured NF4 bits per parameter; embeddings, LM head
and norms in bf16; LoRA weights (bf16, as the QLoRA code casts them), their gradients (bf16)
and the optimizer state (32-bit Adam: two fp32 values each; 8-bit: two bytes); activations
with gradient checkpointing: one bf16 hidden state per block kept for the backward pass, the
working set of the one block being recomputed, and the logits with their fp32 loss copies.
The activation term carries one coefficient fitted to GPU measurements (`ACTIVATION_COEF`).

Several GPUs (`sharded_estimate`): fully sharded data parallel training (FSDP FULL_SHARD, ZeRO
stage 3). Per GPU: weights, gradients, optimizer state and any master copy divided by N (the
NF4 weights too, stored in a 16-bit container as the Answer.AI / bitsandbytes FSDP+QLoRA work
of 2024-03-06 does); plus what is gathered unsharded: the root unit (embeddings, final norm, LM
head), which the PyTorch `fully_shard` docs say is not resharded after the forward pass, and
two decoder blocks (one per FSDP unit: the one computing and the one prefetched), with one
block's unsharded gradient for full fine-tuning; plus the per-GPU micro-batch's activations
and the CUDA context. CPU offloading leaves only the gathered units, activations and context.
No multi-GPU step has been measured: these are the model's assumptions, not calibrated.
Stdlib only.
"""

from __future__ import annotations

from typing import Any

from verifiers._presets import PRESETS, Preset

ALL_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
GIB = 1024**3
# The step the GPU measurements take for QLoRA (the QLoRA paper's recipe, on all linears with
# gradient checkpointing): a claim that leaves these open is judged here
QLORA_MEASURED = {"batch": 1, "seq": 512, "r": 64, "optimizer": "adamw_fp32"}
VERIFIER_ID = "lora.qlora_memory"  # the verifier whose evidence calibrates this model
# Fitted by `fit_activation_coef` to the recorded QLoRA steps: version 1's (H100 and H200, kept
# as data in tests/verifiers/data/qlora_steps_v1.json) and the committed evidence's
# (reports/evidence/lora.qlora_memory-*.json); tests refit it and check it still agrees.
ACTIVATION_COEF = 0.79
OPTIMIZER_STATE_BYTES = {"paged_adamw_32bit": 8, "adamw_32bit": 8, "torch_adamw": 4,
                         "paged_adamw_8bit": 2, "adamw_8bit": 2}


def activation_unit(p: Preset, batch: int, seq: int) -> int:
    """Bytes of the activations before calibration: checkpoints, one block's working set
    (attention and SwiGLU tensors, the inputs PEFT's LoRA layers keep), logits and loss."""
    tokens = batch * seq
    kv = p.kv_heads * p.head_dim
    checkpoints = p.layers * tokens * p.d_model * 2
    block = tokens * (10 * p.d_model + 2 * kv + 5 * p.d_ff) * 2
    logits = tokens * p.vocab * (2 + 4 + 4)  # bf16 logits, fp32 copy, fp32 gradient
    return checkpoints + block + logits


def linear_params(p: Preset) -> int:
    """Parameters of every block linear (the ones QLoRA stores in 4 bits)."""
    return p.layers * sum(o * i for o, i in p.linear_shapes().values())


def estimate(p: Preset, *, batch: int = 1, seq: int = 512, r: int = 64,
             bits_per_param: float = 4.127, optimizer: str = "paged_adamw_32bit",
             activation_coef: float | None = None) -> dict[str, Any]:
    """Every term of the step's memory in bytes, with `allocator` (what the caching allocator
    holds at the peak) and `total` (plus paged optimizer state, which lives in managed memory)."""
    if optimizer not in OPTIMIZER_STATE_BYTES:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    coef = ACTIVATION_COEF if activation_coef is None else activation_coef
    lora = p.lora_params(r, tuple(m for m in ALL_LINEARS if m in p.linear_shapes()))
    other = p.total_params() - linear_params(p)  # embeddings, head, norms (and biases)
    terms = {
        "quantized_weights": int(linear_params(p) * bits_per_param / 8),
        "bf16_weights": other * 2,
        "lora_weights": lora * 2,
        "lora_gradients": lora * 2,
        "optimizer_state": lora * OPTIMIZER_STATE_BYTES[optimizer],
        "activations": int(coef * activation_unit(p, batch, seq)),
    }
    paged = optimizer.startswith("paged")
    allocator = sum(v for k, v in terms.items() if not (paged and k == "optimizer_state"))
    return {
        "terms": terms, "lora_params": lora, "bits_per_param": bits_per_param,
        "weights_alone": terms["quantized_weights"] + terms["bf16_weights"],
        "allocator": allocator, "total": sum(terms.values()), "optimizer": optimizer,
        "paged_optimizer_state": terms["optimizer_state"] if paged else 0,
    }


def fit_activation_coef(points: list[dict[str, Any]]) -> float:
    """The activation coefficient that best explains measured allocator peaks, by least squares
    over (measured peak - every other term) = coef * activation unit. Each point holds a
    preset, batch, seq, r, bits_per_param, optimizer and `peak_allocated`."""
    num = den = 0.0
    for pt in points:
        base = estimate(pt["preset"], batch=pt["batch"], seq=pt["seq"], r=pt["r"],
                        bits_per_param=pt["bits_per_param"], optimizer=pt["optimizer"],
                        activation_coef=0.0)
        unit = activation_unit(pt["preset"], pt["batch"], pt["seq"])
        num += unit * (pt["peak_allocated"] - base["allocator"])
        den += unit * unit
    return num / den


def points_from_evidence(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One point per measured step (the claim's optimizer and the comparison) in qlora_memory
    evidence documents, for `fit_activation_coef` and `model_errors`."""
    points = []
    for doc in docs:
        if doc.get("verifier") != VERIFIER_ID or doc["result"]["verdict"] == "skipped":
            continue
        m, prm = doc["result"]["measured"], doc["params"]
        if "configurations" in m:  # version 2: one true-limit run per configuration; the
            # model counts bf16 adapters and bitsandbytes' optimizers (the reference's)
            runs = [(c["optimizer"], c["run"]["step"]) for c in m["configurations"].values()
                    if c.get("run") and c["run"].get("step") and c["lora_dtype"] == "bf16"
                    and c["optimizer"] in OPTIMIZER_STATE_BYTES
                    and c["optimizer"] != "torch_adamw"]
        else:  # version 1: the claim's optimizer under an allocator cap, and a comparison
            runs = [(prm["optimizer"], m["step"])]
            if "comparison" in m:
                runs.append((m["comparison"]["optimizer"], m["comparison"]))
        for optimizer, run in runs:
            points.append({"preset": PRESETS[m["preset"]], "batch": prm["batch"],
                           "seq": prm["seq"], "r": prm["r"], "optimizer": optimizer,
                           "bits_per_param": m["bits_per_param"],
                           "peak_allocated": run["peak_allocated"]})
    return points


def model_errors(points: list[dict[str, Any]],
                 activation_coef: float | None = None) -> list[dict[str, Any]]:
    """(estimated - measured) / measured allocator peak for each point."""
    out = []
    for pt in points:
        est = estimate(pt["preset"], batch=pt["batch"], seq=pt["seq"], r=pt["r"],
                       bits_per_param=pt["bits_per_param"], optimizer=pt["optimizer"],
                       activation_coef=activation_coef)
        out.append({"preset": pt["preset"].name, "batch": pt["batch"], "seq": pt["seq"],
                    "optimizer": pt["optimizer"], "measured_gib": pt["peak_allocated"] / GIB,
                    "estimate_gib": est["allocator"] / GIB,
                    "error": (est["allocator"] - pt["peak_allocated"]) / pt["peak_allocated"]})
    return out


# --- training memory of full fine-tuning, 16-bit LoRA and QLoRA (lora.training_memory) -------
#
# Bytes per parameter of each dtype a term can be kept in, and of AdamW's state per trained
# parameter: two fp32 moments (8), two moments in the weights' 16-bit dtype (4), 8-bit AdamW
# (2: two 8-bit moments; its block-wise absmax scales are < 1% more and left out).
DTYPE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
ADAM_STATE_BYTES = {"adamw_fp32": 8, "adamw_16bit": 4, "adamw_8bit": 2}
CUDA_CONTEXT_BYTES = 650_969_088  # measured on the H100 of the qlora_memory evidence


def activation_unit_no_checkpointing(p: Preset, batch: int, seq: int) -> int:
    """Bytes of the activations kept for the backward pass without gradient checkpointing,
    before calibration: every block's working set (as `activation_unit` counts one block's),
    plus the logits with their fp32 loss copies. Attention scores are not materialised
    (SDPA / flash attention)."""
    tokens = batch * seq
    kv = p.kv_heads * p.head_dim
    block = tokens * (10 * p.d_model + 2 * kv + 5 * p.d_ff) * 2
    logits = tokens * p.vocab * (2 + 4 + 4)
    return p.layers * block + logits


def block_unit(p: Preset, batch: int, seq: int) -> int:
    """Bytes of one block's working set (as `activation_unit` counts it), before calibration."""
    kv = p.kv_heads * p.head_dim
    return batch * seq * (10 * p.d_model + 2 * kv + 5 * p.d_ff) * 2


def training_estimate(p: Preset, method: str, *, optimizer: str = "adamw_fp32",
                      weights: str = "bf16", master: bool = False, lora_dtype: str = "fp32",
                      batch: int = 1, seq: int = 512, checkpointing: bool = True, r: int = 64,
                      modules: tuple[str, ...] = ALL_LINEARS, bits_per_param: float = 4.127,
                      activation_coef: float | None = None) -> dict[str, Any]:
    """Every term (bytes) of one training step's peak for `method` in full_ft, lora (LoRA on
    a base kept in `weights`' dtype) or qlora (NF4 block linears, the rest bf16).

    full_ft: weights and gradients in `weights`' dtype, an fp32 master copy when `master`
    (mixed precision with 16-bit weights), AdamW state for every parameter. lora / qlora: the
    base is frozen (no gradient, no state); the LoRA tensors, their gradients (in
    `lora_dtype`: PEFT keeps fp32, the QLoRA script casts bf16) and their AdamW state.
    Activations: the calibrated `activation_unit` with checkpointing, else
    `activation_unit_no_checkpointing`, times ACTIVATION_COEF; for full fine-tuning only what
    lies above the gradients at the peak. Plus the CUDA context."""
    if method not in ("full_ft", "lora", "qlora") or optimizer not in ADAM_STATE_BYTES:
        raise ValueError(f"unknown method or optimizer: {method!r}, {optimizer!r}")
    coef = ACTIVATION_COEF if activation_coef is None else activation_coef
    n = p.total_params()
    wb = DTYPE_BYTES[weights]
    state = ADAM_STATE_BYTES[optimizer]
    unit = (activation_unit(p, batch, seq) if checkpointing
            else activation_unit_no_checkpointing(p, batch, seq))
    if method == "full_ft":
        trained = n
        terms = {"weights": n * wb, "gradients": n * wb,
                 "master_weights": n * 4 if master and wb < 4 else 0,
                 "optimizer_state": n * state}
    else:
        trained = p.lora_params(r, tuple(m for m in modules if m in p.linear_shapes()))
        lb = DTYPE_BYTES[lora_dtype]
        base = (int(linear_params(p) * bits_per_param / 8) + (n - linear_params(p)) * 2
                if method == "qlora" else n * wb)
        terms = {"weights": base + trained * lb, "gradients": trained * lb,
                 "master_weights": 0,
                 "optimizer_state": trained * state}
    if method == "full_ft":
        # every weight has a gradient: the peak comes where the gradients are nearly all
        # written and one block is recomputed (or, without checkpointing and at long
        # sequences, right after the forward pass), whichever is higher (measured on an H200)
        terms["activations"] = max(int(coef * block_unit(p, batch, seq)),
                                   int(coef * unit) - terms["gradients"])
    else:
        terms["activations"] = int(coef * unit)
    terms["cuda_context"] = CUDA_CONTEXT_BYTES
    return {"terms": terms, "total": sum(terms.values()), "params": n,
            "trained_params": trained, "model_bytes": n * wb,
            "allocator": sum(v for k, v in terms.items() if k != "cuda_context")}


# --- several GPUs: fully sharded data parallel (FSDP FULL_SHARD / ZeRO-3) --------------------
#
# What one GPU holds at the peak of a sharded step (assumptions, with their sources):
# - weights, gradients, optimizer state and any master copy are split evenly over the N GPUs
#   (FULL_SHARD / ZeRO stage 3; the PyTorch FSDP docs, torch.distributed.fsdp). The NF4 weights
#   shard too: the FSDP + QLoRA work of Answer.AI and bitsandbytes (2024-03-06 write-up,
#   answer.ai/posts/2024-03-06-fsdp-qlora) stores the 4-bit data in a 16-bit container so that
#   FSDP can split it; a 70B model's 4-bit weights take about 35 GB there, 17.5 GB per GPU on 2.
# - one FSDP unit per decoder block (the usual transformer wrap policy). Gathered at once:
#   the block computing and the next one prefetched (FSDP's default backward prefetch), so two
#   blocks unsharded as stored; with full fine-tuning also one block's unsharded gradient
#   before its reduce-scatter.
# - the root unit (embeddings, final norm, LM head) stays gathered from the forward pass to the
#   backward: the PyTorch docs of `fully_shard` say the root is not resharded after forward.
# - activations are those of the per-GPU micro-batch (the calibrated term above); the CUDA
#   context is counted once per GPU.
# - CPU offloading (FSDP's CPUOffload, which the Answer.AI runs could use) moves the sharded
#   weights, gradients and optimizer state to host memory: only the gathered units, the
#   activations and the context stay on the GPU.
FSDP_GATHERED_BLOCKS = 2


def block_storage_bytes(p: Preset, method: str, *, weights: str = "bf16",
                        bits_per_param: float = 4.127) -> int:
    """Bytes of one decoder block as stored: NF4 linears and bf16 norms for QLoRA, else every
    parameter in the weights' dtype."""
    g = p.groups()[-1]
    lin = sum(x.params() for x in g.linears)
    if method == "qlora":
        return int(lin * bits_per_param / 8) + g.other * 2
    return (lin + g.other) * DTYPE_BYTES[weights]


def sharded_estimate(p: Preset, method: str, gpus: int, *, offload: bool = False,
                     **kw: Any) -> dict[str, Any]:
    """One GPU's peak (bytes, by term) when `method` is trained fully sharded over `gpus`
    GPUs, from `training_estimate`'s terms (same keyword arguments). gpus=1 without offload
    is `training_estimate` itself."""
    e = training_estimate(p, method, **kw)
    if gpus == 1 and not offload:
        return {**e, "per_gpu": e["total"], "gpus": 1, "offload": False}
    t = e["terms"]
    weights = kw.get("weights", "bf16")
    state = t["weights"] + t["gradients"] + t["master_weights"] + t["optimizer_state"]
    block = block_storage_bytes(p, method, weights=weights,
                                bits_per_param=kw.get("bits_per_param", 4.127))
    root = p.total_params() - p.layers * p.block_params()
    root_bytes = root * (2 if method == "qlora" else DTYPE_BYTES[weights])
    if method != "full_ft":  # a block's LoRA tensors travel with it
        block += e["trained_params"] // p.layers * DTYPE_BYTES[kw.get("lora_dtype", "fp32")]
    gathered = root_bytes + FSDP_GATHERED_BLOCKS * block
    if method == "full_ft":
        gathered += p.block_params() * DTYPE_BYTES[weights]  # before its reduce-scatter
    coef = ACTIVATION_COEF if kw.get("activation_coef") is None else kw["activation_coef"]
    batch, seq = kw.get("batch", 1), kw.get("seq", 512)
    unit = (activation_unit(p, batch, seq) if kw.get("checkpointing", True)
            else activation_unit_no_checkpointing(p, batch, seq))
    terms = {"sharded_state": 0 if offload else -(-state // gpus),
             "offloaded_state": state if offload else 0,
             "gathered_units": gathered, "activations": int(coef * unit),
             "cuda_context": CUDA_CONTEXT_BYTES}
    per_gpu = sum(v for k, v in terms.items() if k != "offloaded_state")
    return {"terms": terms, "per_gpu": per_gpu, "gpus": gpus, "offload": offload,
            "total": e["total"], "params": e["params"], "trained_params": e["trained_params"],
            "model_bytes": e["model_bytes"]}


def memory_preset(model: dict[str, Any]) -> Preset | str | None:
    """The preset a memory verifier uses for a model other than the papers' ones (their sizes
    are read by size): a Llama-shaped preset, or why it cannot be counted; None for a paper
    model."""
    from verifiers._presets import PAPER_MODELS, resolve

    if model.get("family") in ("", "llama", "gpt3", "gpt-3", None) and not (
            model.get("preset") and model["preset"] not in PAPER_MODELS):
        return None
    found = resolve(model)
    if found is None:
        return "no preset for this model: its memory is not judged with another model's shapes"
    if not found.llama_like:
        return (f"{found.name}: a {found.layout} layout, which the memory model cannot count "
                "(it counts Llama-shaped decoders: no encoder-decoder, no mixture of experts)")
    return found

