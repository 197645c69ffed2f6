"""Measurements behind `ba_update`: one function per implementation, each returning plain data."""

from __future__ import annotations

import math
from typing import Any

from verifiers._lora import lora_scaling

DENSE_LIMIT = 2**22  # elements of a d x k matrix materialised for real
PEFT_MAX_R = 32
RANK_CAP = 4096  # the tiny Llama's v_proj is 32 x 64: a larger rank says nothing more there


def reference(p: dict[str, Any]) -> dict[str, Any]:
    """The reference layer (`_lora.make_lora_linear`) and the literal column-vector form."""
    import torch

    gen = torch.Generator().manual_seed(p["seed"])
    d, k, r, claim = p["d"], p["k"], p["r"], p["claim"]
    if claim == "delta_shape":
        return _shapes(d, k, r)
    if claim in ("rank_at_most_r", "full_rank"):
        return _rank(d, k, r, gen)
    if claim == "scaling":
        d, k = min(d, 256), min(k, 256)
    elif d * k > DENSE_LIMIT:
        d, k = min(d, 2048), min(k, 2048)  # equality at init does not depend on the size
    layer = _reference_layer(d, k, p, gen)
    x = torch.randn(8, k, generator=gen)
    with torch.no_grad():
        base_out, adapted = layer.base(x), layer(x)
        w, a, b = (t.detach() for t in (layer.base.weight, layer.lora_A, layer.lora_B))
        xc = x.T  # the pseudo-code's column vectors: W @ x + scaling * (B @ (A @ x))
        literal_base, literal = w @ xc, w @ xc + layer.scaling * (b @ (a @ xc))
        lora_part = (x @ a.T) @ b.T
    out: dict[str, Any] = {"d": d, "k": k, "scaling": layer.scaling}
    if claim == "scaling":
        out.update(_scale_fit(adapted - base_out, lora_part, p))
        return out
    out.update(
        bit_identical=bool(torch.equal(adapted, base_out) and torch.equal(literal, literal_base)),
        max_abs_diff=float(max((adapted - base_out).abs().max(),
                               (literal - literal_base).abs().max())),
        B_abs_max=float(b.abs().max()),
        output_abs_mean=float(base_out.abs().mean()),
    )
    return out


def _reference_layer(d: int, k: int, p: dict[str, Any], gen: Any) -> Any:
    import torch
    from torch import nn

    from verifiers._lora import make_lora_linear

    base = nn.Linear(k, d, bias=False)
    with torch.no_grad():
        base.weight.normal_(0.0, 1.0 / math.sqrt(k), generator=gen)
    layer = make_lora_linear(base, p["r"], p["alpha"], rslora=p["rslora"], init_std=p["a_std"],
                             generator=gen)
    if p["b_init"] in ("random", "swapped") or p["claim"] == "scaling":
        with torch.no_grad():
            layer.lora_B.normal_(0.0, 0.02, generator=gen)
    if p["b_init"] == "swapped":
        with torch.no_grad():
            layer.lora_A.zero_()
    return layer


def _scale_fit(diff: Any, lora_part: Any, p: dict[str, Any]) -> dict[str, Any]:
    """The scale s that best explains diff = s * lora_part (least squares), and the formulas."""
    s = float((diff * lora_part).sum() / (lora_part * lora_part).sum())
    return {"effective_scaling": s,
            "formula alpha/r": p["alpha"] / p["r"],
            "formula alpha/sqrt(r)": p["alpha"] / math.sqrt(p["r"]),
            "formula alpha/r^2": p["alpha"] / p["r"] ** 2,
            "formula r/alpha": p["r"] / p["alpha"],
            "formula alpha*sqrt(r)": p["alpha"] * math.sqrt(p["r"]),
            "formula alpha*r": p["alpha"] * p["r"]}


def _shapes(d: int, k: int, r: int) -> dict[str, Any]:
    import torch

    device = "meta" if d * k > DENSE_LIMIT else "cpu"
    b, a = torch.empty(d, r, device=device), torch.empty(r, k, device=device)
    delta = b @ a
    if k == d:
        ab = f"is {tuple((a @ b).shape)} (r x r), not d x k"
    else:
        ab = f"is undefined (A is {r} x {k}, B is {d} x {r}: {k} != {d})"
    return {"d": d, "k": k, "device": device, "B_shape": list(b.shape), "A_shape": list(a.shape),
            "delta_shape": list(delta.shape), "weight_shape": [d, k], "AB_result": ab,
            "params_A_plus_B": a.numel() + b.numel()}


def _rank(d: int, k: int, r: int, gen: Any) -> dict[str, Any]:
    """Rank of B A with B, A random (as after training), so the bound r is what limits it."""
    import torch

    full_d, full_k = d, k
    # rank(B A) = min(r, d, k) for random factors; capping d and k at RANK_CAP >= r keeps that
    # (r <= 1024) and keeps B and A small whatever size the claim states.
    d, k = min(d, RANK_CAP), min(k, RANK_CAP)
    b = torch.randn(d, r, generator=gen, dtype=torch.float64)
    a = torch.randn(r, k, generator=gen, dtype=torch.float64)
    if d * k <= DENSE_LIMIT:
        rank, method = int(torch.linalg.matrix_rank(b @ a)), "SVD of the d x k product"
    else:
        # B = Q R with orthonormal Q, so rank(B A) = rank(R A): an r x k matrix, same rank.
        _, rb = torch.linalg.qr(b)
        rank, method = int(torch.linalg.matrix_rank(rb @ a)), "SVD of R_B A (B = Q_B R_B)"
    if (d, k) != (full_d, full_k):
        method += f", measured at d={d}, k={k} (rank is min(r, d, k) either way)"
    return {"d": full_d, "k": full_k, "rank": rank, "rank_method": method,
            "min_dk": min(full_d, full_k),
            "rank_A": int(torch.linalg.matrix_rank(a)), "rank_B": int(torch.linalg.matrix_rank(b))}


def peft_half(p: dict[str, Any]) -> dict[str, Any]:
    """The same property on PEFT's lora.Linear (v_proj, 32 x 64) inside a tiny Llama."""
    import torch

    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    claim, r = p["claim"], min(p["r"], PEFT_MAX_R)
    model = tiny_llama(hidden=64, layers=1, heads=4, kv_heads=2, seed=p["seed"])
    tokens = random_tokens(2, 8, seed=p["seed"] + 1)
    with torch.no_grad():
        base_logits = model(input_ids=tokens).logits
    random_b = (p["b_init"] in ("random", "swapped")
                or claim in ("rank_at_most_r", "full_rank", "scaling"))
    model = peft_lora(model, r=r, alpha=p["alpha"], targets=("q_proj", "v_proj"),
                      use_rslora=p["rslora"], init_lora_weights=not random_b)
    if p["b_init"] == "swapped":  # B random (PEFT's non-default init), A set to zero
        with torch.no_grad():
            for name, param in model.named_parameters():
                if "lora_A" in name:
                    param.zero_()
    v = model.base_model.model.model.layers[0].self_attn.v_proj
    out: dict[str, Any] = {"layer": "v_proj", "r_used": r, "init_lora_weights": not random_b}
    with torch.no_grad():
        if claim in ("init_equals_base", "init_changes_output"):
            logits = model(input_ids=tokens).logits
            out.update(bit_identical=bool(torch.equal(logits, base_logits)),
                       max_abs_diff=float((logits - base_logits).abs().max()),
                       B_abs_max=float(v.lora_B["default"].weight.abs().max()))
        elif claim == "delta_shape":
            out.update(B_shape=list(v.lora_B["default"].weight.shape),
                       A_shape=list(v.lora_A["default"].weight.shape),
                       delta_shape=list(v.get_delta_weight("default").shape),
                       weight_shape=list(v.base_layer.weight.shape))
        elif claim in ("rank_at_most_r", "full_rank"):
            # Rank in PEFT's own dtype (fp32), with the tolerance matrix_rank sets for it.
            delta = v.get_delta_weight("default")
            out.update(rank=int(torch.linalg.matrix_rank(delta)), min_dk=min(delta.shape),
                       shape=list(delta.shape))
        else:
            x = torch.randn(16, 64, generator=torch.Generator().manual_seed(p["seed"]))
            diff = v(x) - v.base_layer(x)
            part = v.lora_B["default"](v.lora_A["default"](x))
            out.update(_scale_fit(diff, part, {**p, "r": r}), layer_scaling=v.scaling["default"],
                       reference_formula=lora_scaling(r, p["alpha"], p["rslora"]))
    return out


def merged_weight_scale(r: int, alpha: float, seed: int = 0) -> dict[str, Any]:
    """PEFT's merge_and_unload on a tiny Llama with B non-zero: the merged q_proj weight
    against W0 + s B A (s = alpha / r, PEFT's scaling) and against W0 + B A."""
    import torch

    from verifiers._tiny import peft_lora, tiny_llama

    model = peft_lora(tiny_llama(layers=1, seed=seed), r=r, alpha=alpha, targets=("q_proj",),
                      init_lora_weights=False)
    q = model.base_model.model.model.layers[0].self_attn.q_proj
    with torch.no_grad():
        w0 = q.base_layer.weight.detach().clone()
        ba = q.lora_B["default"].weight @ q.lora_A["default"].weight
        scaling = float(q.scaling["default"])
        merged = model.merge_and_unload().model.layers[0].self_attn.q_proj.weight
        with_scale = float((merged - (w0 + scaling * ba)).abs().max())
        without = float((merged - (w0 + ba)).abs().max())
    return {"r": r, "alpha": alpha, "scaling": scaling, "off_w0_plus_sBA": with_scale,
            "off_w0_plus_BA": without, "BA_abs_max": float(ba.abs().max())}
