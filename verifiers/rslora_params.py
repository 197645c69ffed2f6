"""rsLoRA trains exactly LoRA's parameters: `use_rslora=True` changes the scale from alpha/r to
alpha/sqrt(r) and nothing else ("rsLoRA adds no parameters", "switching rsLoRA on changes the
number of trainable parameters" is its denial).

Measured through the installed PEFT on a tiny random Llama (built from a `LlamaConfig`, no
download): the same model wrapped twice, with `use_rslora` False and True at one rank and
alpha; the trainable tensors (names and shapes) and their count are compared, and the scale of
the first LoRA layer is read back to show what the flag does change.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available


def _wrapped(rslora: bool, r: int, alpha: float, seed: int) -> dict[str, Any]:
    from verifiers._tiny import peft_lora, tiny_llama

    model = peft_lora(tiny_llama(seed=seed), r=r, alpha=alpha, use_rslora=rslora)
    trainable = {n: tuple(p.shape) for n, p in model.named_parameters() if p.requires_grad}
    layer = next(m for m in model.modules() if isinstance(getattr(m, "scaling", None), dict)
                 and m.scaling)
    return {"trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "tensors": trainable, "scale": float(next(iter(layer.scaling.values())))}


def run(params: dict[str, Any]) -> dict[str, Any]:
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    r, alpha, seed = params["r"], params["alpha"], params["seed"]
    plain, rs = _wrapped(False, r, alpha, seed), _wrapped(True, r, alpha, seed)
    same = plain["tensors"] == rs["tensors"] and plain["trainable"] == rs["trainable"]
    measured = {"lora": {k: plain[k] for k in ("trainable", "scale")},
                "rslora": {k: rs[k] for k in ("trainable", "scale")},
                "same_tensors": plain["tensors"] == rs["tensors"]}
    text = (f"PEFT on a tiny Llama, r={r}, alpha={alpha:g} on q_proj and v_proj: "
            f"use_rslora=False trains {plain['trainable']:,} parameters, use_rslora=True "
            f"{rs['trainable']:,} ({'the same' if measured['same_tensors'] else 'other'} "
            f"tensors); only the scale changes, {plain['scale']:.4g} -> {rs['scale']:.4g}")
    return result("supported" if same else "refuted", text + ".", measured,
                  {"claim": "same_params"})


def to_params(frame: Frame) -> dict[str, Any] | str:
    """rsLoRA's parameter count against LoRA's (nothing else from the sentence changes it);
    set against another method's, it is not this claim."""
    if frame.baseline not in ("", "lora"):
        return f"rsLoRA's parameters are set against {frame.baseline}'s, not LoRA's"
    return {}


VERIFIER = Verifier(
    id="lora.rslora_params", version=1,
    title="rsLoRA trains the same parameters as LoRA (use_rslora changes only the scale)",
    run=run,
    params=(
        Param("r", int, default=8, min=1, max=256, help="LoRA rank"),
        Param("alpha", float, default=16.0, min=1e-3, max=4096.0, help="LoRA alpha"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("rslora", "no_extra_params"),),
    to_params=to_params,
    examples=("rsLoRA adds no trainable parameters over LoRA; it only rescales the update.",),
    requires=Requires(device="cpu", packages=("peft", "transformers")),
    timeout_s=120.0,
)
