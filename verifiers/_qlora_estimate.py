"""qlora_memory's verdicts from the analytic model, where no GPU measurement decides.

Two cases: one GPU with a Llama-shaped preset that has no recorded measurement of the claim's
configuration, and several GPUs (fully sharded data parallel: `_memory_model.sharded_estimate`
states what it assumes). The estimate decides only with a margin beyond the model's calibrated
error (`margin`): it fits when the estimate plus the margin is within the GPU, does not fit
when the estimate minus the margin is beyond it, and is too close to call in between.

Several GPUs: the settings the sentence leaves open (`open`: batch, seq, r, optimizer) are
enumerated, with LoRA tensors in bf16 (the QLoRA script) and fp32 (PEFT's default) and with or
without CPU offloading; a count left open ("on GPUs") is enumerated over 1, 2, 4 and 8 GPUs and
the verdict names the smallest count that holds. Stdlib only.
"""

from __future__ import annotations

import itertools
from typing import Any

from verifiers._memory_model import (
    CUDA_CONTEXT_BYTES,
    GIB,
    QLORA_MEASURED,
    estimate,
    sharded_estimate,
)
from verifiers._presets import Preset

# The QLoRA estimate's error against the recorded allocator peaks (reports/evidence; `python
# bench/gpu_evidence.py --model-error`): LLaMA 7B-70B -1.0% to +2.3%, Llama-3-8B +0.3% and
# +0.5%, Mistral-7B -1.2% and -0.7% (H200, 2026-12-01). A margin of twice the worst error for
# those families, and a wider one for Llama-shaped presets with no recorded step (Qwen2.5's
# biases, Gemma's 256k vocabulary and wide heads, tied embeddings).
MARGIN_CALIBRATED = 0.05
MARGIN_OTHER = 0.10
CALIBRATED_FAMILIES = ("llama", "llama3", "mistral")
GPU_COUNTS = (1, 2, 4, 8)
OPTIMIZER_STATE = {"paged_adamw_32bit": "adamw_fp32", "adamw_32bit": "adamw_fp32",
                   "paged_adamw_8bit": "adamw_8bit", "adamw_8bit": "adamw_8bit"}


def margin(p: Preset) -> float:
    """The relative margin an estimate of `p` needs to decide."""
    return MARGIN_CALIBRATED if p.family in CALIBRATED_FAMILIES else MARGIN_OTHER


def _fit(need: float, cap: float, m: float) -> str:
    """'fits', 'does_not_fit' or 'close' for `need` bytes against `cap` with margin m."""
    if need * (1 + m) <= cap:
        return "fits"
    if need * (1 - m) > cap:
        return "does_not_fit"
    return "close"


def _turn(verdict: str, claim: str) -> str:
    if claim == "fits":
        return verdict
    return {"supported": "refuted", "refuted": "supported"}.get(verdict, verdict)


def _head(p: Preset) -> str:
    m = margin(p)
    cal = ("error -1.2% to +2.3% on the QLoRA steps of LLaMA, Llama 3 and Mistral recorded on "
           "GPUs" if p.family in CALIBRATED_FAMILIES else
           "calibrated on LLaMA, Llama 3 and Mistral QLoRA steps; this family's were not "
           "measured")
    return (f"Estimate (analytic model with {p.name}'s own shapes, {cal}; it decides only "
            f"with a {100 * m:.0f}% margin)")


def one_gpu(params: dict[str, Any], p: Preset, cap_gib: float, bits: float,
            measured: dict[str, Any], expected: dict[str, Any]) -> tuple[str, str]:
    """(verdict, explanation) for one GPU from the estimate: the claim's optimizer with its
    paged state resident, and with it moved to host memory."""
    est = estimate(p, batch=params["batch"], seq=params["seq"], r=params["r"],
                   bits_per_param=bits, optimizer=params["optimizer"])
    cap, m = cap_gib * GIB, margin(p)
    resident = est["total"] + CUDA_CONTEXT_BYTES
    paged = est["allocator"] + CUDA_CONTEXT_BYTES
    measured.update(estimate_need_gib=resident / GIB, estimate_paged_gib=paged / GIB,
                    margin=m)
    said = (f"{p.name} needs about {resident / GIB:.1f} GiB with the optimizer state on the "
            f"GPU ({paged / GIB:.1f} GiB with the paged state in host memory) against "
            f"{cap_gib:g} GiB")
    whole, least = _fit(resident, cap, m), _fit(paged, cap, m)
    if whole == "fits":
        verdict, how = "supported", "fits"
    elif least == "does_not_fit":
        verdict, how = "refuted", "does not fit"
    elif whole == "does_not_fit" and least == "fits":
        verdict = "conditional" if params["claim"] == "fits" else "refuted"
        return verdict, (f"{_head(p)}: fits only with the paged optimizer's state moved to host "
                         f"memory: {said}")
    elif params["claim"] == "fits" and "settings" in params["open"].split(","):
        # the claim leaves batch and sequence open: shorter or smaller steps than the
        # reference's fit where the reference is too close to call
        return "conditional", (f"{_head(p)}: too close to call at batch {params['batch']} x "
                               f"{params['seq']} tokens, so it holds only at smaller settings, "
                               f"which the claim leaves open: {said}")
    else:
        return "unverifiable", f"{_head(p)}: too close to call: {said}"
    return _turn(verdict, params["claim"]), f"{_head(p)}: {how}: {said}"


# The settings one GPU is measured at (QLoRA's reference: batch 1 x 512, r=64 on all linears,
# 16-bit LoRA weights, 32-bit optimizer state, nothing offloaded): a fit on several GPUs that
# leaves them unstated is judged there too, as one GPU's is
REFERENCE = {**QLORA_MEASURED, "lora_dtype": "bf16", "offload": False}
OFFLOAD_REACH = 1.25


def _configs(params: dict[str, Any]) -> list[dict[str, Any]]:
    open_ = set(filter(None, params["open"].split(",")))
    choices = {
        "batch": (1, 4) if "batch" in open_ else (params["batch"],),
        "seq": (512, 2048) if "seq" in open_ else (params["seq"],),
        "r": (8, 64) if "r" in open_ else (params["r"],),
        "optimizer": (("adamw_fp32", "adamw_8bit") if "optimizer" in open_
                      else (OPTIMIZER_STATE[params["optimizer"]],)),
        "lora_dtype": ("bf16", "fp32"),
        "offload": (False, True),
    }
    keys = list(choices)
    return [dict(zip(keys, v, strict=True)) for v in itertools.product(*choices.values())]


def describe(cfg: dict[str, Any], gpus: int) -> str:
    """One sharded configuration in words."""
    opt = {"adamw_fp32": "32-bit AdamW", "adamw_8bit": "8-bit AdamW"}[cfg["optimizer"]]
    shard = f"FSDP over {gpus} GPUs" if gpus > 1 else "one GPU"
    off = ", CPU offload" if cfg["offload"] else ""
    return (f"{shard}{off}, LoRA r={cfg['r']} ({cfg['lora_dtype']}) on all linears, {opt}, "
            f"batch {cfg['batch']} x {cfg['seq']}")


def _rows(params: dict[str, Any], p: Preset, gpus: int, cap: float, bits: float
          ) -> list[dict[str, Any]]:
    out = []
    for cfg in _configs(params):
        if gpus == 1 and cfg["offload"]:
            continue  # one GPU: the measured single-GPU setting, no sharding to offload
        e = sharded_estimate(p, "qlora", gpus, offload=cfg["offload"],
                             optimizer=cfg["optimizer"], lora_dtype=cfg["lora_dtype"],
                             batch=cfg["batch"], seq=cfg["seq"], r=cfg["r"],
                             bits_per_param=bits)
        out.append({"fit": _fit(e["per_gpu"], cap, margin(p)), "gib": e["per_gpu"] / GIB,
                    "config": describe(cfg, gpus), "offload": cfg["offload"],
                    "reference": cfg == REFERENCE, "offloaded_reference":
                        cfg == {**REFERENCE, "offload": True}})
    # offloading left open ("offload" in open): the FSDP + QLoRA recipe for consumer cards
    # shards and offloads to the CPU, so the reference workload offloaded counts too, where the
    # step without offloading comes near the cards (within OFFLOAD_REACH of their size): the
    # last stretch, not most of the model
    plain = next((r for r in out if r["reference"]), None)
    if "offload" in params["open"].split(",") and plain is not None \
            and plain["gib"] * GIB <= OFFLOAD_REACH * cap:
        for r in out:
            r["reference"] = r["reference"] or r["offloaded_reference"]
    return out


def several_gpus(params: dict[str, Any], p: Preset, cap_gib: float, bits: float,
                 measured: dict[str, Any]) -> tuple[str, str]:
    """(verdict, explanation) for a claim about several GPUs, each of `cap_gib`."""
    cap = cap_gib * GIB
    counts = GPU_COUNTS if params["gpus"] == 0 else (params["gpus"],)
    by_count = {n: _rows(params, p, n, cap, bits) for n in counts}
    head = (f"{_head(p)}; per GPU: the sharded weights, gradients and optimizer state / N, "
            "the root unit and two decoder blocks gathered, the activations of the per-GPU "
            "micro-batch and the CUDA context")
    measured.update(margin=margin(p), per_count={
        n: {"configurations": len(rows), "fit": sum(r["fit"] == "fits" for r in rows),
            "min_gib": min(r["gib"] for r in rows), "max_gib": max(r["gib"] for r in rows),
            "examples": [{"config": r["config"], "gib": round(r["gib"], 2), "fit": r["fit"]}
                         for r in rows[:2] + rows[-2:]]} for n, rows in by_count.items()})
    holding = [n for n, rows in by_count.items() if any(r["fit"] == "fits" for r in rows)]
    last = by_count[counts[-1]]
    if not holding:
        if all(r["fit"] == "does_not_fit" for r in last):
            worst = min(last, key=lambda r: r["gib"])
            return _turn("refuted", params["claim"]), (
                f"{head}: does not fit {cap_gib:g} GiB GPUs in any configuration, least "
                f"{worst['gib']:.1f} GiB per GPU ({worst['config']})")
        best = min(last, key=lambda r: r["gib"])
        return "unverifiable", (f"{head}: too close to call: at least {best['gib']:.1f} GiB per "
                                f"GPU ({best['config']}) against {cap_gib:g} GiB")
    n = holding[0]
    rows = by_count[n]
    good = [r for r in rows if r["fit"] == "fits"]
    bad = [r for r in rows if r["fit"] != "fits"]
    where = f"on {n} GPU{'s' if n > 1 else ''} of {cap_gib:g} GiB"
    if params["gpus"] == 0 and n > 1:
        verdict = "conditional"
        text = (f"{head}: holds only with {n} or more GPUs (not on fewer): {where}, e.g. "
                f"{good[0]['config']}: {good[0]['gib']:.1f} GiB per GPU")
    elif not bad:
        verdict = "supported"
        text = (f"{head}: fits {where} in all {len(rows)} configurations, e.g. "
                f"{good[0]['config']}: {good[0]['gib']:.1f} GiB per GPU")
    elif (ref := next((r for r in good if r["reference"]), None)) is not None:
        verdict = "supported"
        text = (f"{head}: fits {where} at the settings one GPU is measured at, "
                f"{ref['config']}: {ref['gib']:.1f} GiB per GPU ({len(good)} of {len(rows)} "
                f"configurations fit; not with {bad[-1]['config']}: {bad[-1]['gib']:.1f} GiB)")
    else:
        verdict = "conditional"
        text = (f"{head}: fits {where} in {len(good)} of {len(rows)} configurations, e.g. "
                f"{good[0]['config']}: {good[0]['gib']:.1f} GiB per GPU; not with "
                f"{bad[-1]['config']}: {bad[-1]['gib']:.1f} GiB")
    if params["claim"] != "fits":
        verdict = "refuted" if verdict == "supported" else verdict
    return verdict, text
