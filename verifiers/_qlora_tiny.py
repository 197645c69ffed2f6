"""What QLoRA is, measured on a tiny Llama on the CPU: NF4 4-bit base linears (bitsandbytes)
that stay frozen and bit-identical while PEFT LoRA adapters in bf16 train on top, and how much
less memory the base takes than in 16 bits (measured bytes here; the analytic model for real
model sizes). Torch, bitsandbytes and peft are imported inside the function.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import result
from verifiers._memory_model import GIB, estimate, linear_params
from verifiers._presets import PRESETS, Preset

TINY = Preset("tiny-qlora", layers=2, d_model=128, d_ff=256, heads=4, kv_heads=4, vocab=256)


def composition(params: dict[str, Any]) -> dict[str, Any]:
    """Train LoRA on a 4-bit base for a few steps and check every part of the composition."""
    import bitsandbytes as bnb
    import torch

    from verifiers._qlora_build import attach_lora, build_quantized_llama, weight_bytes

    torch.manual_seed(0)
    model = attach_lora(build_quantized_llama(TINY, "cpu"), r=8, alpha=16, dropout=0.0)
    quantized = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    before = [m.weight.data.clone() for m in quantized]
    lora = {n: p for n, p in model.named_parameters() if p.requires_grad}
    start = {n: p.detach().clone() for n, p in lora.items()}
    opt = torch.optim.AdamW(list(lora.values()), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(params["steps"]):
        ids = torch.randint(0, TINY.vocab, (2, 32), generator=g)
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
    bytes_ = weight_bytes(model)
    bf16_linears = linear_params(TINY) * 2
    adapter_dtypes = sorted({str(p.dtype).replace("torch.", "") for p in lora.values()})
    from verifiers._nf4 import measure_bits

    bits = measure_bits(512, 512)["bits_per_param"]
    real = {name: _model_ratio(PRESETS[name], bits) for name in ("llama-7b", "llama-65b")}
    measured = {
        "quantized_linears": len(quantized),
        "all_nf4": all(m.weight.quant_type == "nf4" for m in quantized),
        "bits_per_stored_weight": 8 * sum(m.weight.data.numel() for m in quantized)
        / linear_params(TINY),
        "base_unchanged": all(torch.equal(b, m.weight.data) for b, m in zip(before, quantized,
                                                                             strict=True)),
        "base_trainable": any(m.weight.requires_grad for m in quantized),
        "adapters_changed": sum(not torch.equal(start[n], p.detach()) for n, p in lora.items()),
        "adapters": len(lora), "adapter_dtypes": adapter_dtypes,
        "adapters_quantized": any(isinstance(p, bnb.nn.Params4bit) for p in lora.values()),
        "losses": losses,
        "base_bytes_4bit": bytes_["quantized"], "base_bytes_bf16": bf16_linears,
        "base_ratio": bytes_["quantized"] / bf16_linears,
        "step_gib_qlora_vs_16bit_lora": real,
    }
    holds = (measured["all_nf4"] and measured["base_unchanged"] and not measured["base_trainable"]
             and measured["adapters_changed"] == len(lora) and measured["base_ratio"] < 1)
    stated_quantized = params["adapters_quantized"]
    verdict = "supported" if holds and measured["adapters_quantized"] == stated_quantized \
        else "refuted"
    seven = real["llama-7b"]
    text = (f"{len(quantized)} NF4 4-bit base linears stayed bit-identical while all "
            f"{len(lora)} LoRA tensors ({', '.join(adapter_dtypes)}, not quantized) trained; the "
            f"4-bit base takes {measured['base_ratio']:.2f}x its bf16 bytes, and a 7B step needs "
            f"~{seven['qlora']:.1f} GiB vs ~{seven['lora_16bit']:.1f} GiB for LoRA on a bf16 base")
    if stated_quantized:
        text = "the claim says the adapters are quantized, but " + text
    return result(verdict, text, measured, {"adapters_quantized": stated_quantized,
                                            "base": "4-bit NF4, frozen"})


def _model_ratio(p: Preset, bits: float) -> dict[str, float]:
    """The analytic model's step memory for QLoRA and for LoRA over a bf16 base (GiB)."""
    qlora = estimate(p, bits_per_param=bits)["total"] / GIB
    lora16 = estimate(p, bits_per_param=16.0)["total"] / GIB
    return {"qlora": qlora, "lora_16bit": lora16, "ratio": qlora / lora16}
