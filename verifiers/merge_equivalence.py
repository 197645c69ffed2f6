"""Family 3a: merging LoRA into the base weights (W' = W0 + s B A) keeps the outputs.

Measured with B non-zero (as after training; with B = 0 merging would trivially change nothing):
the reference layer's outputs before and after `merge`, and a tiny Llama under PEFT before and
after `merge_and_unload`, compared with `allclose(atol, rtol)` (PEFT's own tests use 1e-4 in
fp32). It also checks that every merged layer is a plain `nn.Linear` of the base shape.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Shape, Verifier, result
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


_MERGE = r"\bmerg\w*|fold\w* (?:\w+ ){0,3}into|absorb\w* into|W'\s*=\s*W_?0?\s*\+"
_LORA = r"lora|adapter|low-rank|\bB\s*\*?\s*A\b|\bBA\b|weights"
_CHANGES = (r"(?<!not )(?<!n't )(?<!never )(?:changes?|alters?|degrades?|corrupts?|affects?)\s+"
            r"(?!nothing\b)"
            r"(?:[\w']+\s+){0,3}(?:outputs?|predictions?|results?|accuracy|quality|behaviou?r)",
            r"(?:different|differing)\s+(?:[\w']+\s+){0,2}(?:outputs?|results?|predictions?)",
            r"(?:not|n't|never)\s+(?:exactly\s+)?(?:equal|identical|equivalent|the same)",
            r"(?:approximat\w+|lossy|loses?|lose)\b",
            # "cannot be merged without changing ...", "no way to merge ... exactly"
            r"(?:cannot|can't|can not|could not|no way to)\b[^.;]{0,20}\b(?:merg|fold)")

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
    shapes=(
        Shape("merge keeps outputs", all_of=(_MERGE, _LORA),
              any_of=(r"\bcan be\b|\bare\b|\bis\b|\bget\b|ahead of|into the base|equal|identical|"
                      r"same|equivalent|exact|W'\s*=|(?:does not|doesn't|won't|will not|never) "
                      r"(?:change|alter|affect)|unchanged|preserv|(?:changes?|alters?) nothing",),
              none_of=_CHANGES + (r"latency|slow|fast|speed|throughput", r"dora|magnitude",
                                  r"swap|switch", r"quantiz|4-?bit|nf4"),
              fixed={"claim": "equal"}, weight=1.0,
              description="LoRA weights can be merged into W (W' = W + BA) without changing "
                          "the outputs"),
        Shape("merge changes outputs", all_of=(_MERGE, _LORA), any_of=_CHANGES,
              none_of=(r"latency|slow|speed", r"dora|magnitude", r"quantiz|4-?bit|nf4",
                       r"^(?!.*\b(?:cannot|can't|can not|could not)\b).*"
                       r"without (?:changing|altering|affecting)"),
              fixed={"claim": "changes_outputs"}, weight=1.1,
              description="merging changes the model's outputs"),
    ),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=120.0,
)
