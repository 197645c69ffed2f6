"""DoRA (Liu et al., 2024): weight-decomposed low-rank adaptation, measured against its equation.

    W' = m * (W0 + s B A) / ||W0 + s B A||,   m initialised to ||W0||, norm per output row

(PEFT's `DoraLinearLayer.get_weight_norm` takes `linalg.norm(W, dim=1)` of the (out, in) weight,
i.e. one norm per output unit; the paper writes the same with W in (in, out) layout and calls it
column-wise.) Both halves detach the norm from the gradient as the paper's section 4.3 suggests
and PEFT does. Reference: one linear layer written from the equation, trained on a toy
regression whose target changes both the row norms and the row directions of W0. PEFT:
`use_dora=True` on `tiny_llama()`, checked against the equation with PEFT's own A, B and m.
Measured: outputs at initialisation vs the base, gradient of m at the first step, how far m and
the normalised direction moved after training, and merged vs unmerged outputs; plus two
controls on the same toy task: DoRA with m frozen (the direction moves, the row norms cannot)
and plain LoRA (its update moves row norms and directions together).
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._split import split_said
from verifiers._timing import forward_work
from verifiers._tiny import PEFT_MISSING, peft_available

CLAIMS = ("decomposition", "magnitude_only", "direction_only", "mergeable", "not_mergeable",
          "equals_base_at_init", "roles_swapped", "no_extra_work", "no_extra_work_unmerged",
          "magnitude_init")
INITS = ("norm", "ones", "zeros", "random")
_INIT_CHOICES = (*INITS, "norm_per_input")
PARAMS = (
    Param("claim", str, default="decomposition", choices=CLAIMS,
          help="decomposition: m and the direction are both trained; magnitude_only / "
               "direction_only: one of them stays fixed; mergeable / not_mergeable: merged DoRA "
               "equals unmerged DoRA or not; equals_base_at_init; roles_swapped: the low-rank "
               "update sets the magnitude and a vector the direction; no_extra_work: DoRA's "
               "forward does the base's work, merged or not (no_extra_work_unmerged: unmerged); "
               "magnitude_init: what the magnitude vector holds before training (init)"),
    Param("init", str, default="norm", choices=_INIT_CHOICES,
          help="magnitude_init: the stated start of m: the norm of each output row of W0, all "
               "ones, zeros, random values, or the norm of each input column (norm_per_input)"),
    Param("benefit", bool, default=False,
          help="the claim also states a quality benefit (not measured here)"),
    Param("r", int, default=8, min=1, max=64),
    Param("steps", int, default=20, min=2, max=300, help="optimizer steps of the training run"),
    Param("lr", float, default=5e-3, min=1e-5, max=1.0),
    Param("tolerance", float, default=1e-4, min=0.0, max=1.0,
          help="max abs output difference for 'equal' (fp32)"),
    Param("seed", int, default=0, min=0, max=2**31 - 1),
)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """DoRA frames: `dora_decomposition` (both parts trained; facets `fixed_magnitude` /
    `only_direction` say only the direction is, `fixed_direction` / `only_magnitude` only the
    magnitude; `benefit` a stated quality gain, not measured), `mergeable`, `init_equals_base`,
    and `no_added_latency`: once merged, merged DoRA is one plain weight (its outputs are
    measured); unmerged or with the state unstated, the work of a forward pass is counted
    (torch ops and FLOPs of PEFT's DoRA, merged and unmerged, against LoRA and the base);
    facet `always`: every setting is claimed, and the merged one decides; `dora_magnitude_init`:
    the magnitude vector's start (facets m_norm, m_ones, m_zeros, m_random; norm_per_input: the
    norm said to be taken per input feature)."""
    if frame.predicate == "dora_decomposition":
        if frame.has("swapped"):  # "the magnitude goes through LoRA, the direction a vector"
            return {"claim": "roles_swapped"}
        if frame.has("fixed_magnitude") or frame.has("only_direction"):
            return {"claim": "direction_only"}
        if frame.has("fixed_direction") or frame.has("only_magnitude"):
            return {"claim": "magnitude_only"}
        return {"claim": "decomposition", "benefit": frame.has("benefit")}
    if frame.predicate == "mergeable":
        return {"claim": "mergeable"}
    if frame.predicate == "dora_magnitude_init":
        said = [init for init in INITS if frame.has(f"m_{init}")]
        if len(said) != 1:
            return "the magnitude vector's starting value is not read"
        if said == ["norm"] and frame.has("norm_per_input"):
            return {"claim": "magnitude_init", "init": "norm_per_input"}
        return {"claim": "magnitude_init", "init": said[0]}
    if frame.predicate == "init_equals_base":
        return {"claim": "equals_base_at_init"}
    if frame.predicate == "no_added_latency":
        # "training is slower because of the weight norm"; but an unmerged forward pass said
        # to do more work is the same work in training and inference, and is counted
        if frame.has("not_inference") and not frame.has("forward_pass"):
            return ("about training speed, not the inference latency of merged or unmerged "
                    "DoRA weights")
        if frame.has("not_inference") and frame.conditions.get("merged") is not True:
            # "DoRA steps run slower, because the norm is recomputed in every forward pass":
            # training runs the unmerged layer, whose forward work is counted
            return {"claim": "no_extra_work_unmerged"}
        # "unmerged it costs more, so merge": the sentence says which state holds
        if split_said(frame.text) and not frame.has("always"):
            return {"claim": "no_extra_work", "_split": True}
        # "always adds latency" is a claim about every setting: the merged one decides it
        if frame.conditions.get("merged") is True or frame.has("always"):
            return {"claim": "mergeable"}
        if frame.conditions.get("merged") is False:  # "unmerged DoRA is slower than LoRA"
            return {"claim": "no_extra_work_unmerged"}
        if frame.polarity and not frame.has("served_apart") and not frame.has("modal_all"):
            # "DoRA adds no inference overhead", the state unstated: the method's property,
            # which it has by merging (the paper's claim), so the merge is what is checked
            return {"claim": "mergeable"}
        # "DoRA is slower at inference", the state unstated: the forward's work is counted in
        # both states
        return {"claim": "no_extra_work"}
    return f"no claim of this verifier is read from '{frame.predicate}'"


def dora_weight(w0: Any, a: Any, b: Any, m: Any, scaling: float) -> Any:
    """The paper's W' = m * V / ||V|| with V = W0 + s B A, one norm per output row (detached)."""
    v = w0 + scaling * (b @ a)
    norm = v.norm(p=2, dim=1, keepdim=True).detach()
    return m.view(-1, 1) * v / norm


def _angle_deg(u: Any, v: Any) -> float:
    """Mean angle in degrees between corresponding rows of u and v."""
    import torch

    cos = torch.nn.functional.cosine_similarity(u, v, dim=1).clamp(-1.0, 1.0)
    return float(torch.rad2deg(torch.acos(cos)).mean())


def _toy(params: dict[str, Any]) -> dict[str, Any]:
    """A frozen W0 and a target that rescales every row and turns it by a low-rank change."""
    import torch

    g = torch.Generator().manual_seed(params["seed"])
    d_out, d_in = 48, 64
    w0 = torch.randn(d_out, d_in, generator=g) / d_in ** 0.5
    turn = torch.randn(d_out, 4, generator=g) @ torch.randn(4, d_in, generator=g) / d_in
    w_star = (0.7 + 0.6 * torch.rand(d_out, 1, generator=g)) * (w0 + turn)
    x = torch.randn(256, d_in, generator=g)
    return {"w0": w0, "x": x, "y": x @ w_star.T, "g": g}


def _fit(task: dict[str, Any], params: dict[str, Any], *, dora: bool = True,
         train_m: bool = True) -> dict[str, Any]:
    """Train A, B (and m) on the toy task with Adam; the paper's init: A Gaussian, B zero."""
    import torch

    from verifiers._lora import lora_scaling

    w0, x, y, r = task["w0"], task["x"], task["y"], params["r"]
    g = torch.Generator().manual_seed(params["seed"] + 1)
    a = torch.nn.Parameter(torch.randn(r, w0.shape[1], generator=g) * 0.02)
    b = torch.nn.Parameter(torch.zeros(w0.shape[0], r))
    m = torch.nn.Parameter(w0.norm(dim=1).clone(), requires_grad=train_m)
    s = lora_scaling(r, 2 * r)

    def weight() -> Any:
        return dora_weight(w0, a, b, m, s) if dora else w0 + s * (b @ a)

    with torch.no_grad():
        init_diff = float((x @ weight().T - x @ w0.T).abs().max())
    opt = torch.optim.Adam([p for p in (a, b, m) if p.requires_grad], lr=params["lr"])
    grads, losses = {}, []
    for step in range(params["steps"]):
        loss = torch.nn.functional.mse_loss(x @ weight().T, y)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            grads = {n: float(p.grad.norm()) if p.grad is not None else 0.0
                     for n, p in (("m", m), ("A", a), ("B", b))}
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        w = weight()
        m0 = w0.norm(dim=1)
        return {"a": a, "b": b, "m": m.detach(), "s": s, "w": w.detach(), "grads": grads,
                "losses": losses, "init_diff": init_diff,
                "row_norm_rel_change": float((w.norm(dim=1) - m0).norm() / m0.norm()),
                "direction_change_deg": _angle_deg(w, w0)}


def _reference(params: dict[str, Any]) -> dict[str, Any]:
    """One DoRA linear layer from the equation, trained on a toy regression; two controls."""
    import torch

    task = _toy(params)
    w0, x = task["w0"], task["x"]
    run = _fit(task, params)
    # Controls: DoRA with m frozen (the direction moves, every row norm must stay m0), and plain
    # LoRA on the same task (its update moves row norms and directions together).
    frozen_m = _fit(task, params, train_m=False)
    lora = _fit(task, params, dora=False)
    m, m0 = run["m"], w0.norm(dim=1)
    with torch.no_grad():
        v = w0 + run["s"] * (run["b"] @ run["a"])
        merged_layer = torch.nn.Linear(w0.shape[1], w0.shape[0], bias=False)
        merged_layer.weight.copy_(run["w"])  # a plain linear layer
        merge_diff = float((merged_layer(x) - x @ run["w"].T).abs().max())
    return {
        "layer": list(w0.shape), "init_max_abs_diff": run["init_diff"],
        "first_step_grad_norm": run["grads"],
        "loss_first_last": [run["losses"][0], run["losses"][-1]],
        "magnitude_rel_change": float((m - m0).norm() / m0.norm()),
        "direction_change_deg": _angle_deg(v, w0),
        # ||W'|| per row is m exactly; the direction part alone would give ||V||: they part.
        "magnitude_vs_direction_norm_rel": float((m - v.norm(dim=1)).norm() / m0.norm()),
        "merge_max_abs_diff": merge_diff,
        "control_dora_m_frozen": {k: frozen_m[k] for k in ("row_norm_rel_change",
                                                          "direction_change_deg")},
        "control_plain_lora": {k: lora[k] for k in ("row_norm_rel_change",
                                                    "direction_change_deg")},
    }


def _dora_layers(model: Any) -> list[tuple[str, Any]]:
    return [(n, mod) for n, mod in model.named_modules()
            if hasattr(mod, "lora_magnitude_vector") and "default" in mod.lora_magnitude_vector]


def _peft(params: dict[str, Any]) -> dict[str, Any]:
    """PEFT `use_dora=True` on tiny_llama: init, equation, training, merge."""
    import copy

    import torch

    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    base = tiny_llama(seed=params["seed"])
    pristine = copy.deepcopy(base)
    tokens = random_tokens(2, 16, seed=params["seed"] + 1)
    torch.manual_seed(params["seed"])
    r = params["r"]
    model = peft_lora(base, r=r, alpha=2 * r, use_dora=True)
    with torch.no_grad():
        init_diff = float((model(tokens).logits - pristine(tokens).logits).abs().max())
    layers = _dora_layers(model)
    mags0 = [mod.lora_magnitude_vector["default"].weight.detach().clone() for _, mod in layers]
    w0s = [mod.get_base_layer().weight.detach().clone() for _, mod in layers]
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=params["lr"])
    mag_grad = 0.0
    for step in range(params["steps"]):
        loss = model(tokens, labels=tokens).loss
        opt.zero_grad()
        loss.backward()
        if step == 0:
            mag_grad = sum(float(mod.lora_magnitude_vector["default"].weight.grad.norm())
                           for _, mod in layers)
        opt.step()
    model.eval()
    out: dict[str, Any] = {"dora_layers": len(layers), "init_max_abs_diff": init_diff,
                           "first_step_magnitude_grad_norm": mag_grad}
    with torch.no_grad():
        mags = [mod.lora_magnitude_vector["default"].weight for _, mod in layers]
        out["magnitude_rel_change"] = max(float((m - m0).norm() / m0.norm())
                                          for m, m0 in zip(mags, mags0, strict=True))
        dirs = []
        for (_, mod), w0 in zip(layers, w0s, strict=True):
            delta = mod.lora_B["default"].weight @ mod.lora_A["default"].weight
            dirs.append(_angle_deg(w0 + mod.scaling["default"] * delta, w0))
        out["direction_change_deg"] = max(dirs)
        out["equation_max_abs_diff"] = _equation_gap(layers, params["seed"])
        unmerged = model(tokens).logits
        merged = copy.deepcopy(model).merge_and_unload()
        plain = all(type(m) is torch.nn.Linear for n, m in merged.named_modules()
                    if n.endswith(("q_proj", "v_proj")))
        out["merge_max_abs_diff"] = float((merged(tokens).logits - unmerged).abs().max())
        # the magnitude is one vector entry per output feature, not a low-rank product
        out["magnitude_is_vector"] = all(
            mod.lora_magnitude_vector["default"].weight.dim() == 1
            and mod.lora_magnitude_vector["default"].weight.numel()
            == mod.get_base_layer().weight.shape[0] for _, mod in layers)
        out["merged_layers_plain_linear"] = plain
    return out


def _equation_gap(layers: list[tuple[str, Any]], seed: int) -> float:
    """Largest gap between each PEFT DoRA layer's output and the equation with its own A, B, m."""
    import torch

    g = torch.Generator().manual_seed(seed + 7)
    gap = 0.0
    for _, mod in layers:
        w0 = mod.get_base_layer().weight
        x = torch.randn(8, w0.shape[1], generator=g)
        w = dora_weight(w0, mod.lora_A["default"].weight, mod.lora_B["default"].weight,
                        mod.lora_magnitude_vector["default"].weight, mod.scaling["default"])
        gap = max(gap, float((mod(x) - x @ w.T).abs().max()))
    return gap


_MOVED_REL, _MOVED_DEG = 1e-3, 0.05  # clearly above fp32 noise, far below what training gives


def _facts(half: dict[str, Any], tol: float) -> dict[str, bool]:
    """What one half shows, as yes/no facts the verdicts are drawn from."""
    grad = half.get("first_step_magnitude_grad_norm",
                    half.get("first_step_grad_norm", {}).get("m", 0.0))
    facts = {
        "magnitude_trained": grad > 0 and half["magnitude_rel_change"] > _MOVED_REL,
        "direction_trained": half["direction_change_deg"] > _MOVED_DEG,
        "mergeable": half["merge_max_abs_diff"] <= tol and half.get("merged_layers_plain_linear",
                                                                    True),
        "equals_base_at_init": half["init_max_abs_diff"] <= tol,
    }
    if "equation_max_abs_diff" in half:
        facts["matches_equation"] = half["equation_max_abs_diff"] <= tol
    if "magnitude_is_vector" in half:
        facts["magnitude_vector"] = half["magnitude_is_vector"]
    if "control_dora_m_frozen" in half:
        # With m frozen the direction still moves and no row norm does: the parts are separate.
        c = half["control_dora_m_frozen"]
        facts["separable"] = c["row_norm_rel_change"] <= 1e-5 and c["direction_change_deg"] > \
            _MOVED_DEG
    return facts


def _holds(claim: str, f: dict[str, bool]) -> bool:
    """Whether the claim is true of one half's facts."""
    return {
        "decomposition": f["magnitude_trained"] and f["direction_trained"]
        and f.get("matches_equation", True) and f.get("separable", True),
        "magnitude_only": f["magnitude_trained"] and not f["direction_trained"],
        "direction_only": f["direction_trained"] and not f["magnitude_trained"],
        "mergeable": f["mergeable"],
        "not_mergeable": not f["mergeable"],
        "equals_base_at_init": f["equals_base_at_init"],
        # the low-rank update moves only the direction (row norms stay m with m frozen) and the
        # magnitude is a vector: the roles as the paper gives them, not swapped
        "roles_swapped": not (f.get("separable", True) and f.get("magnitude_vector", True)),
    }[claim]


_MEANING = {
    "decomposition": "m and the direction are both trained",
    "magnitude_only": "only the magnitude is trained, the direction stays fixed",
    "direction_only": "the magnitude stays fixed, only the direction is trained",
    "mergeable": "merged DoRA equals unmerged DoRA",
    "not_mergeable": "DoRA cannot be merged without changing its outputs",
    "equals_base_at_init": "DoRA equals the base model at initialisation",
    "roles_swapped": "the low-rank update sets the magnitude and a single vector the direction",
    "no_extra_work": "DoRA's forward pass does no more work than the base's, merged or not",
    "no_extra_work_unmerged": "unmerged DoRA's forward pass does no more work than LoRA's",
}


def _summary(name: str, h: dict[str, Any]) -> str:
    return (f"{name}: m moved {h['magnitude_rel_change']:.2%}, direction "
            f"{h['direction_change_deg']:.2f} deg, init diff {h['init_max_abs_diff']:.1g}, "
            f"merge diff {h['merge_max_abs_diff']:.1g}")


def _work_of_states(params: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Torch ops and FLOPs of one forward pass: the base, PEFT LoRA unmerged, PEFT DoRA
    unmerged and merged (merge_and_unload), same tiny Llama, adapters on q_proj and v_proj."""
    import copy

    from verifiers._tiny import peft_lora, tiny_llama

    r = params["r"]
    base = tiny_llama(seed=params["seed"])
    lora = peft_lora(copy.deepcopy(base), r=r, alpha=2 * r, init_lora_weights=False)
    dora = peft_lora(copy.deepcopy(base), r=r, alpha=2 * r, use_dora=True,
                     init_lora_weights=False)
    merged = copy.deepcopy(dora).merge_and_unload()
    for m in (base, lora, dora, merged):
        m.eval()
    return forward_work({"base": base, "lora_unmerged": lora, "dora_unmerged": dora,
                         "dora_merged": merged})


def _run_work(params: dict[str, Any]) -> dict[str, Any]:
    """A latency claim judged by the work each state does per forward pass: merged DoRA is a
    plain weight (the base's work); unmerged, it recomputes ||W0 + s BA|| in every adapted
    layer on every pass, more than unmerged LoRA does."""
    if not peft_available():
        return result("skipped", PEFT_MISSING, {}, {"claim": params["claim"]})
    work = _work_of_states(params)
    base, lora = work["base"], work["lora_unmerged"]
    unmerged, merged = work["dora_unmerged"], work["dora_merged"]
    merged_free = merged["flops"] <= base["flops"] and merged["torch_ops"] <= base["torch_ops"]
    unmerged_extra = unmerged["flops"] > lora["flops"] and unmerged["torch_ops"] > lora[
        "torch_ops"]
    text = (f"one forward pass (batch 1, 8 tokens, DoRA r={params['r']} on q_proj and v_proj of "
            f"a tiny Llama): unmerged DoRA {unmerged['torch_ops']} torch ops and "
            f"{unmerged['flops']:,} FLOPs against unmerged LoRA's {lora['torch_ops']} and "
            f"{lora['flops']:,} (the weight norm of W0 + s BA, recomputed in every adapted "
            f"layer); merged DoRA {merged['torch_ops']} and {merged['flops']:,}, the base's "
            f"{base['torch_ops']} and {base['flops']:,}")
    expected = {"claim": params["claim"]}
    if params["claim"] == "no_extra_work_unmerged":
        verdict = "refuted" if unmerged_extra else "supported"
        return result(verdict, f"Unmerged DoRA does more work per pass than LoRA: {text}.",
                      {"work": work}, expected)
    if merged_free and unmerged_extra:
        return result("conditional", f"Once merged DoRA does the base's work, unmerged it does "
                      f"more: {text}.", {"work": work}, expected)
    verdict = "supported" if merged_free and not unmerged_extra else "refuted"
    return result(verdict, f"Work per pass: {text}.", {"work": work}, expected)


def _magnitudes_at_init(params: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """PEFT `use_dora=True` on a tiny Llama (q_proj, v_proj and the wider up_proj, so rows and
    columns differ in number): each layer's magnitude vector next to W0's norms."""
    import torch

    from verifiers._tiny import peft_lora, tiny_llama

    torch.manual_seed(seed)
    model = peft_lora(tiny_llama(seed=params["seed"]), r=params["r"], alpha=2 * params["r"],
                      targets=("q_proj", "v_proj", "up_proj"), use_dora=True)
    rows = []
    with torch.no_grad():
        for name, mod in _dora_layers(model):
            w0 = mod.get_base_layer().weight.float()
            rows.append({"layer": name, "shape": list(w0.shape),
                         "m": mod.lora_magnitude_vector["default"].weight.detach().float().clone(),
                         "row_norms": w0.norm(dim=1), "col_norms": w0.norm(dim=0)})
    return rows


def _run_init(params: dict[str, Any]) -> dict[str, Any]:
    """What PEFT's magnitude vector holds before training, built twice with different seeds for
    the random A: against the norms of W0's output rows, ones, zeros, and itself."""
    if not peft_available():
        return result("skipped", PEFT_MISSING, {}, {"claim": "magnitude_init",
                                                    "init": params["init"]})
    first = _magnitudes_at_init(params, params["seed"] + 11)
    second = _magnitudes_at_init(params, params["seed"] + 12)

    def rel(a: Any, b: Any) -> float:
        return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))

    tol = params["tolerance"]
    gap_rows = max(rel(x["m"], x["row_norms"]) for x in first)
    # per input feature: as many entries as W0 has columns, each that column's norm
    per_input = all(x["m"].shape == x["col_norms"].shape and rel(x["m"], x["col_norms"]) <= tol
                    for x in first)
    gap_ones = max(float((x["m"] - 1).abs().max()) for x in first)
    largest_zero_gap = min(float(x["m"].abs().max()) for x in first)
    seed_gap = max(float((x["m"] - y["m"]).abs().max()) for x, y in zip(first, second,
                                                                        strict=True))
    holds = {"norm": gap_rows <= tol, "ones": gap_ones <= tol, "zeros": largest_zero_gap <= tol,
             "random": seed_gap > tol, "norm_per_input": per_input}[params["init"]]
    wide = next(x for x in first if x["shape"][0] != x["shape"][1])
    text = (f"PEFT's lora_magnitude_vector on {len(first)} layers of a tiny Llama: its entries "
            f"equal the L2 norms of W0's output rows within {gap_rows:.1g} (relative), one per "
            f"output feature ({wide['layer'].split('.')[-1]}: {wide['m'].numel()} entries for a "
            f"{wide['shape'][0]} x {wide['shape'][1]} weight); mean entry "
            f"{float(wide['m'].mean()):.3g}, largest distance from 1 {gap_ones:.3g}; built again "
            f"with another seed for A it differs by {seed_gap:.1g}")
    meaning = {"norm": "the norm of W0 (one per output row)", "ones": "all ones",
               "zeros": "zeros", "random": "random values",
               "norm_per_input": "the norm of W0 taken per input feature"}[params["init"]]
    measured = {"layers": [{"layer": x["layer"], "shape": x["shape"],
                            "m_mean": float(x["m"].mean()),
                            "max_rel_gap_to_row_norms": rel(x["m"], x["row_norms"])}
                           for x in first],
                "max_rel_gap_to_row_norms": gap_rows, "max_abs_gap_to_ones": gap_ones,
                "gap_between_seeds": seed_gap}
    return result("supported" if holds else "refuted",
                  f"Claim: DoRA's magnitude starts at {meaning}. Measured: {text}.", measured,
                  {"claim": "magnitude_init", "init": params["init"], "tolerance": tol})


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Train DoRA (reference and PEFT) and draw the claim's verdict from what moved and merged;
    a latency claim from the work of a forward pass, merged and unmerged."""
    if params["claim"] in ("no_extra_work", "no_extra_work_unmerged"):
        return _run_work(params)
    if params["claim"] == "magnitude_init":
        return _run_init(params)
    measured: dict[str, Any] = {"reference": _reference(params)}
    measured["peft"] = _peft(params) if peft_available() else {"skipped": PEFT_MISSING}
    halves = {k: v for k, v in measured.items() if "skipped" not in v}
    tol, claim = params["tolerance"], params["claim"]
    facts = {k: _facts(v, tol) for k, v in halves.items()}
    measured["facts"] = facts
    holds = {k: _holds(claim, f) for k, f in facts.items()}
    verdict = "supported" if all(holds.values()) else "refuted"
    text = "; ".join(_summary(k, v) for k, v in halves.items())
    ctrl = halves["reference"]["control_dora_m_frozen"]
    lora = halves["reference"]["control_plain_lora"]
    text += (f"; with m frozen the direction moved {ctrl['direction_change_deg']:.2f} deg and the "
             f"row norms {ctrl['row_norm_rel_change']:.1g}, where plain LoRA moved them "
             f"{lora['row_norm_rel_change']:.2%}")
    if "peft" in halves:
        text += f"; PEFT vs the equation {halves['peft']['equation_max_abs_diff']:.1g}"
    if len(set(holds.values())) > 1:
        text += f" (the halves disagree: {holds}; PEFT initialises A kaiming-uniform, the " \
                "reference Gaussian)"
    if params["benefit"] and verdict == "supported":
        text += "; the stated benefit is not measured here"
    expected = {"claim": claim, "tolerance": tol, "benefit_stated": params["benefit"]}
    return result(verdict, f"Claim: {_MEANING[claim]}. Measured after {params['steps']} steps "
                  f"(tolerance {tol:g}): {text}.", measured, expected)


VERIFIER = Verifier(
    id="lora.dora",
    version=5,
    title="DoRA: magnitude and direction trained separately, equal to the base at init, mergeable",
    run=run,
    params=PARAMS,
    claims=(("dora", "dora_decomposition"), ("dora", "mergeable"), ("dora", "init_equals_base"),
            ("dora", "no_added_latency"), ("dora", "dora_magnitude_init")),
    to_params=to_params,
    examples=(
        "DoRA decomposes the pretrained weight into a magnitude and a direction and trains both.",
        "In DoRA the magnitude is kept fixed and only the direction is learned.",
        "After training, DoRA can be merged into the pretrained weights like LoRA.",
        "At initialisation a DoRA model is identical to the pretrained model.",
        "Once merged, DoRA adds no inference latency.",
        "DoRA is slower than plain LoRA at inference.",
        "DoRA's magnitude vector is initialised to the column-wise norm of the pretrained weight.",
    ),
    requires=Requires(device="cpu"),
    timeout_s=120.0,
)
