"""PEFT halves of the merge measurements: a tiny Llama, base vs merged vs unmerged (timing),
and a LoRA trained on a 4-bit bitsandbytes base merged back into it (outputs)."""

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


FOUR_BIT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


def four_bit_merge(params: dict[str, Any], quant_type: str) -> dict[str, Any]:
    """PEFT LoRA on bitsandbytes `Linear4bit` layers (`quant_type` nf4 or fp4, fp32 compute,
    double quantization, blocks of 64), trained a few AdamW steps so B is not zero, then
    `merge_and_unload`: merged against unmerged logits, the merged weights against the exact
    W0 + s B A, the same update merged into a 16-bit copy of the (dequantized) base, and into
    the original weights the base was quantized from."""
    import bitsandbytes as bnb
    import torch
    from bitsandbytes.functional import dequantize_4bit
    from torch import nn

    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    seed, r = params["seed"], min(params["r"], 32)
    model = tiny_llama(layers=2, kv_heads=2, seed=seed)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if name in FOUR_BIT_TARGETS and type(child) is nn.Linear:
                setattr(parent, name, _linear4bit(child, quant_type))
    # what transformers sets on a model it loads in 4 bits: PEFT then wraps the Linear4bit
    # layers with its bitsandbytes LoRA layer, whose merge re-quantizes
    model.is_loaded_in_4bit = True
    peft = peft_lora(model, r=r, alpha=params["alpha"], targets=FOUR_BIT_TARGETS)
    trainable = [p for p in peft.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    peft.train()
    for _ in range(params["steps"]):
        ids = torch.randint(0, 256, (2, 32), generator=gen)
        peft(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    peft.eval()
    b_max = max(float(p.detach().abs().max()) for n, p in peft.named_parameters()
                if "lora_B" in n)
    tokens = random_tokens(2, 16, seed=seed + 1)
    exact, deltas = {}, {}
    with torch.no_grad():
        for name, module in peft.named_modules():
            if isinstance(module, bnb.nn.Linear4bit) and name.endswith("base_layer"):
                owner = name.rsplit(".", 1)[0]
                w = dequantize_4bit(module.weight.data, module.weight.quant_state).float()
                delta = peft.get_submodule(owner).get_delta_weight("default").float()
                exact[owner], deltas[owner] = w + delta, delta
        unmerged = peft(input_ids=tokens).logits.float()
        merged_model = peft.merge_and_unload()
        merged = merged_model(input_ids=tokens).logits.float()
        requant = 0.0
        for owner, want in exact.items():
            layer = merged_model.get_submodule(owner.removeprefix("base_model.model."))
            got = dequantize_4bit(layer.weight.data, layer.weight.quant_state).float()
            requant = max(requant, float((got - want).abs().max() / deltas[owner].abs().max()))
        copies = {}
        for dtype in (torch.float32, torch.bfloat16):
            # the update merged into a 16-bit (or fp32) copy of the dequantized base
            copy = tiny_llama(layers=2, kv_heads=2, seed=seed)
            for owner, want in exact.items():
                copy.get_submodule(owner.removeprefix("base_model.model.")).weight.copy_(want)
            logits = copy.to(dtype)(input_ids=tokens).logits.float()
            copies[dtype] = float((logits - unmerged).abs().max())
        # the update merged into the original weights, before they were quantized (a QLoRA
        # adapter merged into the 16-bit checkpoint): against the model it was trained as
        original = tiny_llama(layers=2, kv_heads=2, seed=seed)
        for owner, delta in deltas.items():
            original.get_submodule(owner.removeprefix("base_model.model.")).weight.add_(delta)
        into_original = float((original(input_ids=tokens).logits.float() - unmerged).abs().max())
    kinds = sorted({type(merged_model.get_submodule(o.removeprefix("base_model.model."))
                         ).__name__ for o in exact})
    diff = float((merged - unmerged).abs().max())
    out_max = float(unmerged.abs().max())
    return {"quant_type": quant_type, "compute_dtype": "fp32", "r_used": r,
            "train_steps": params["steps"], "adapted_modules": len(exact),
            "lora_B_abs_max": b_max,
            "merged_layer_types": kinds, "max_abs_diff": diff, "output_abs_max": out_max,
            "relative_diff": diff / out_max,
            "requant_error_vs_update": requant,
            "into_fp32_copy": copies[torch.float32], "into_bf16_copy": copies[torch.bfloat16],
            "into_original": into_original,
            "allclose": bool(torch.allclose(merged, unmerged, atol=params["atol"],
                                            rtol=params["rtol"])),
            "bitwise_equal": bool(torch.equal(merged, unmerged)),
            # fp32 compute: the unmerged model has no rounding of its own to hide behind
            "format_error_abs_max": 0.0, "within_format_rounding": False}


def _linear4bit(linear: Any, quant_type: str) -> Any:
    """`linear`'s weight quantized into a bitsandbytes `Linear4bit` on the CPU (fp32 compute)."""
    import bitsandbytes as bnb
    import torch

    layer = bnb.nn.Linear4bit(linear.in_features, linear.out_features, bias=False,
                              compute_dtype=torch.float32, compress_statistics=True,
                              quant_type=quant_type, device="meta")
    layer.weight = bnb.nn.Params4bit(linear.weight.data.clone(), requires_grad=False,
                                     blocksize=64, compress_statistics=True,
                                     quant_type=quant_type, module=layer)
    layer.weight = layer.weight._quantize(torch.device("cpu"))
    # On a CPU with AVX512-BF16, bitsandbytes 0.50 repacks a 4-bit weight into a CPU layout on
    # its first eval forward pass; PEFT's merge then dequantizes that layout as if it were the
    # usual one and writes garbage (logits off by 100% here, not by rounding). The usual layout
    # is what a GPU merge sees, so it is kept.
    layer.support_avx512bf16_for_cpu = False
    return layer
