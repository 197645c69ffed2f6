"""PEFT half of the merge-latency measurement: a tiny Llama, base vs merged vs unmerged."""

from __future__ import annotations

from typing import Any

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def peft_model_timing(params: dict[str, Any]) -> dict[str, Any]:
    """Interleaved forward passes of the base model, PEFT unmerged and PEFT merge_and_unload."""
    import torch

    from verifiers._timing import bootstrap_paired_ratio, interleaved_times
    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    device, seed, r = params["device"], params["seed"], min(params["r"], 64)
    base = tiny_llama(seed=seed).to(device)
    unmerged = peft_lora(tiny_llama(seed=seed), r=r, alpha=params["alpha"], targets=TARGETS,
                         init_lora_weights=False).to(device)
    merged = peft_lora(tiny_llama(seed=seed), r=r, alpha=params["alpha"], targets=TARGETS,
                       init_lora_weights=False).merge_and_unload().to(device)
    tokens = random_tokens(1, params["tokens"], seed=seed + 1).to(device)

    def timed(model: Any) -> Any:
        def call() -> None:
            with torch.inference_mode():
                model(input_ids=tokens)
        return call

    threads = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(params["threads"])
    try:
        samples = interleaved_times({"base": timed(base), "merged": timed(merged),
                                     "unmerged": timed(unmerged)},
                                    rounds=params["rounds"], device=device)
    finally:
        torch.set_num_threads(threads)
    out: dict[str, Any] = {"model": "tiny Llama (hidden 64, 2 layers), all linear layers adapted",
                           "r_used": r, "rounds": params["rounds"]}
    for name in ("merged", "unmerged"):
        point, low, high = bootstrap_paired_ratio(samples[name], samples["base"])
        out[f"{name}_vs_base"] = {"ratio": point, "low": low, "high": high}
    return out
