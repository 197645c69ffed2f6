"""How LoRA's A matrix starts: measured on PEFT's default initialisation, on PEFT's
`init_lora_weights="gaussian"`, and on the reference layer written from the paper (A Gaussian).

The shape of the distribution is read from the values themselves: the excess kurtosis is about
-1.2 for a uniform distribution and 0 for a Gaussian one, and a Kaiming-uniform A never exceeds
its bound 1/sqrt(fan_in) (PyTorch's `kaiming_uniform_` with a = sqrt(5), as nn.Linear uses).
"""

from __future__ import annotations

from typing import Any

WIDTH = 256  # fan-in of the measured layers: enough values for the moments to settle


def shape_of(values: Any, fan_in: int) -> dict[str, Any]:
    """Moments of a flat tensor, and which distribution they show."""
    import torch

    v = values.detach().double().flatten()
    centred = v - v.mean()
    std = float(centred.pow(2).mean().sqrt())
    kurtosis = float(centred.pow(4).mean() / max(std, 1e-300) ** 4 - 3.0) if std else 0.0
    bound = fan_in ** -0.5
    within = bool(float(v.abs().max()) <= bound * (1 + 1e-6))
    if std == 0.0:
        kind = "zero"
    elif kurtosis < -0.9 and within:
        kind = "kaiming_uniform"
    elif kurtosis < -0.9:
        kind = "uniform"
    elif abs(kurtosis) < 0.35:
        kind = "gaussian"
    else:
        kind = "other"
    return {"n": int(v.numel()), "std": std, "excess_kurtosis": kurtosis,
            "max_abs": float(v.abs().max()), "kaiming_bound": bound, "within_bound": within,
            "kind": kind, "dtype": str(values.dtype).replace("torch.", ""),
            "torch": torch.__version__}


def measure(r: int, seed: int) -> dict[str, Any]:
    """A's values under PEFT's default and Gaussian options, and in the paper's reference."""
    import torch
    from torch import nn

    from verifiers._lora import make_lora_linear
    from verifiers._tiny import PEFT_MISSING, peft_available, peft_lora, tiny_llama

    gen = torch.Generator().manual_seed(seed)
    ref = make_lora_linear(nn.Linear(WIDTH, WIDTH), r, 2.0 * r, generator=gen)
    out: dict[str, Any] = {"paper_reference": shape_of(ref.lora_A, WIDTH)}
    if not peft_available():
        out["peft_default"] = out["peft_gaussian"] = {"skipped": PEFT_MISSING}
        return out
    import peft

    for name, init in (("peft_default", True), ("peft_gaussian", "gaussian")):
        model = peft_lora(tiny_llama(hidden=WIDTH, layers=2, heads=4, intermediate=2 * WIDTH,
                                     seed=seed), r=r, alpha=2 * r,
                          targets=("q_proj", "v_proj"), init_lora_weights=init)
        a = torch.cat([m.weight.flatten() for n, m in model.named_modules()
                       if n.endswith("lora_A.default")])
        out[name] = {**shape_of(a, WIDTH), "init_lora_weights": init,
                     "peft": peft.__version__}
    return out
