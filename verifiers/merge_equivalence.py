"""Family 3a: merging LoRA into the base weights (W' = W0 + s B A) keeps the outputs.

Measured with B non-zero (as after training; with B = 0 merging would trivially change nothing):
the reference layer's outputs before and after `merge`, and a tiny Llama under PEFT before and
after `merge_and_unload`, compared with `allclose(atol, rtol)` (PEFT's own tests use 1e-4 in
fp32). It also checks that every merged layer is a plain `nn.Linear` of the base shape.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Compare merged and unmerged outputs (reference and PEFT)."""
    ref = _reference(params)
    peft = _peft(params) if peft_available() else {"skipped": PEFT_MISSING}
    measured = {"reference": ref, "peft": peft,
                "note": "B set non-zero in both (reference Gaussian, PEFT init_lora_weights="
                        "False: kaiming-uniform A and B)"}
    expected = {"claim": params["claim"], "atol": params["atol"], "rtol": params["rtol"]}
    halves = [h for h in (ref, peft) if "skipped" not in h]
    same = [h["allclose"] and h["plain_linear"] for h in halves]
    text = (f"merged vs unmerged max |diff| {ref['max_abs_diff']:.3g} (reference, outputs up to "
            f"{ref['output_abs_max']:.3g})")
    if "skipped" not in peft:
        text += (f" and {peft['max_abs_diff']:.3g} (PEFT logits, up to "
                 f"{peft['output_abs_max']:.3g}); PEFT left {peft['non_plain_modules']} "
                 f"non-nn.Linear adapted modules after merge_and_unload")
    text += f", tolerance atol={params['atol']:g}, rtol={params['rtol']:g}"
    if len(set(same)) > 1:
        return result("conditional", f"Reference and PEFT disagree: {text}.", measured, expected)
    holds = all(same) if params["claim"] == "equal" else not all(same)
    return result("supported" if holds else "refuted", f"{text[0].upper()}{text[1:]}.",
                  measured, expected)


def _reference(p: dict[str, Any]) -> dict[str, Any]:
    import torch
    from torch import nn

    from verifiers._lora import make_lora_linear

    gen = torch.Generator().manual_seed(p["seed"])
    base = nn.Linear(p["k"], p["d"])
    with torch.no_grad():
        base.weight.uniform_(-p["k"] ** -0.5, p["k"] ** -0.5, generator=gen)
        base.bias.uniform_(-p["k"] ** -0.5, p["k"] ** -0.5, generator=gen)
    layer = make_lora_linear(base, p["r"], p["alpha"], generator=gen)
    with torch.no_grad():
        # B of unit scale, so the update is as large as W0's own contribution, not negligible.
        layer.lora_B.normal_(0.0, 1.0, generator=gen)
        x = torch.randn(p["batch"], p["k"], generator=gen)
        base_out = base(x)
        unmerged = layer(x)
        layer.merge()
        plain = nn.Linear(p["k"], p["d"])  # what a merged checkpoint loads into: no LoRA code
        plain.load_state_dict(layer.base.state_dict())
        merged = plain(x)
    return {"d": p["d"], "k": p["k"], "r": p["r"],
            "lora_contribution_abs_max": float((unmerged - base_out).abs().max()),
            "max_abs_diff": float((merged - unmerged).abs().max()),
            "output_abs_max": float(unmerged.abs().max()),
            "allclose": bool(torch.allclose(merged, unmerged, atol=p["atol"], rtol=p["rtol"])),
            "plain_linear": type(plain) is nn.Linear
            and tuple(plain.weight.shape) == (p["d"], p["k"])}


def _peft(p: dict[str, Any]) -> dict[str, Any]:
    import torch
    from torch import nn

    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    model = tiny_llama(layers=2, kv_heads=2, seed=p["seed"])
    shapes = {n: tuple(m.weight.shape) for n, m in model.named_modules()
              if n.rsplit(".", 1)[-1] in TARGETS}
    tokens = random_tokens(2, 16, seed=p["seed"] + 1)
    with torch.no_grad():
        base_logits = model(input_ids=tokens).logits
    model = peft_lora(model, r=min(p["r"], 32), alpha=p["alpha"], targets=TARGETS,
                      init_lora_weights=False)
    with torch.no_grad():
        unmerged = model(input_ids=tokens).logits
        merged_model = model.merge_and_unload()
        merged = merged_model(input_ids=tokens).logits
    modules = dict(merged_model.named_modules())
    non_plain = [n for n in shapes if type(modules.get(n)) is not nn.Linear
                 or tuple(modules[n].weight.shape) != shapes[n]]
    return {"adapted_modules": len(shapes), "r_used": min(p["r"], 32),
            "lora_contribution_abs_max": float((unmerged - base_logits).abs().max()),
            "max_abs_diff": float((merged - unmerged).abs().max()),
            "output_abs_max": float(unmerged.abs().max()),
            "allclose": bool(torch.allclose(merged, unmerged, atol=p["atol"], rtol=p["rtol"])),
            "non_plain_modules": len(non_plain), "plain_linear": not non_plain,
            "lora_modules_left": sum("lora_" in n for n in modules)}


# The sizes a frame may state, with the bounds `run` accepts; a value outside them is left to
# the default (merging is exact whatever the size; the size only sets the rounding).
_SIZES = {"d": 4096, "k": 4096, "r": 512, "alpha": 4096.0}
_FP32 = ("fp32",)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A `mergeable` frame checks that merged outputs equal unmerged ones (a sentence saying
    merging changes them is that claim denied), in fp32, at the sizes the sentence states. A
    claim about lost precision (facet `precision`) leaves the dtype open: it is never refuted
    without one."""
    if frame.predicate != "mergeable":
        return f"no claim of this verifier is read from '{frame.predicate}'"
    if frame.has("merge_as_time"):
        return ("the merge is named as a moment for something else (switching adapters), not "
                "as a claim about merged outputs")
    dtypes = [d for d in frame.conditions.get("dtypes", ()) if d not in _FP32]
    params: dict[str, Any] = {"claim": "equal"}
    if frame.has("any_dtype") or dtypes:
        if not frame.polarity:  # rounding in 16 bits may well change outputs: not measured
            return ("the sentence is about merging in a 16-bit dtype; this verifier measures "
                    "fp32, where only rounding separates merged from unmerged outputs")
        params["_condition"] = ("in fp32 (in fp16 or bf16 the merged weight is rounded, so "
                                "outputs differ slightly)")
    for name, top in _SIZES.items():
        value = frame.conditions.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= top:
            params[name] = float(value) if name == "alpha" else int(value)
    if frame.has("precision") and not frame.conditions.get("dtypes"):
        # how much rounding merging costs depends on the dtype, which the sentence leaves out
        params["_open"] = ["dtype"]
    return params


VERIFIER = Verifier(
    id="lora.merge_equivalence",
    version=1,
    title="Merged LoRA gives the unmerged outputs, as a plain linear layer",
    run=run,
    params=(
        Param("claim", str, default="equal", choices=("equal", "changes_outputs"),
              help="merging keeps the outputs, or changes them"),
        Param("d", int, default=256, min=1, max=4096, help="output features (reference)"),
        Param("k", int, default=256, min=1, max=4096, help="input features (reference)"),
        Param("r", int, default=8, min=1, max=512, help="LoRA rank"),
        Param("alpha", float, default=16.0, min=1e-3, max=4096.0, help="LoRA alpha"),
        Param("batch", int, default=16, min=1, max=4096, help="input rows (reference)"),
        Param("atol", float, default=1e-4, min=0.0, max=1.0, help="absolute tolerance"),
        Param("rtol", float, default=1e-4, min=0.0, max=1.0, help="relative tolerance"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("lora", "mergeable"),),
    to_params=to_params,
    examples=(
        "LoRA weights can be merged into the base model without changing its outputs.",
        "After training, BA can be folded into W0, giving exactly the same predictions.",
        "merge_and_unload() returns a plain model whose outputs equal the adapter model's.",
        "Merging a LoRA adapter into the base weights changes the model's outputs.",
    ),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=120.0,
)
