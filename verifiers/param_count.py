"""Family 4: how many parameters LoRA trains — for one matrix and for whole models.

A matrix (d, k, r): the full update has d*k parameters, LoRA's B (d x r) and A (r x k) have
r*(d + k). Both are built as tensors and counted (real ones up to 2^24 elements, meta-device
ones above, so a stated d of 10^6 allocates nothing). Whole models come from `_presets.py`: the
LoRA tensors of every adapted module of every block are built on the meta device and counted,
and checked against the presets' analytic counts. Where a claim leaves the model, the modules
or the rank open, every configuration it could mean is checked and the verdict says which make
it true (`conditional` when some do and some do not).
"""

from __future__ import annotations

import math
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._configs import (
    TYPICAL,
    configurations,
    describe,
    find_preset,
    half_unit,
    is_close,
    module_set,
    modules_for,
    si,
)
from verifiers._frame import Frame
from verifiers._presets import PRESETS

CLAIMS = ("reduction_pct", "fraction", "ratio", "count", "billions_to_millions", "reduces",
          "total", "formula")
FORMULAS = ("r(d+k)", "2rd", "rdk", "dk")
REAL_LIMIT = 2**24


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Count full and LoRA parameters and judge the stated figure."""
    if params["claim"] == "formula":
        return _formula(params)
    if params["d"] and params["k"] and params["claim"] in ("reduction_pct", "ratio", "count"):
        return _matrix(params)
    return _models(params)


def _formula(p: dict[str, Any]) -> dict[str, Any]:
    """Count B and A (or W) as tensors for several shapes and compare with the stated formula."""
    shapes = [(4096, 4096, 16), (4096, 11008, 8), (1024, 512, 4)]
    if p["d"] and p["k"]:
        shapes.insert(0, (p["d"], p["k"], p["r"] or 8))
    rows = []
    for d, k, r in shapes:
        row = count_matrix(d, k, r)
        counted = row["full"] if p["formula"] == "dk" else row["lora"]
        stated = {"r(d+k)": r * (d + k), "2rd": 2 * r * d, "rdk": r * d * k, "dk": d * k}[
            p["formula"]]
        rows.append({"d": d, "k": k, "r": r, "counted": counted, "formula": stated,
                     "holds": counted == stated})
    what = "full fine-tuning" if p["formula"] == "dk" else "LoRA"
    text = "; ".join(f"d={x['d']}, k={x['k']}, r={x['r']}: counted {x['counted']:,} vs "
                     f"{p['formula']} = {x['formula']:,}" for x in rows)
    measured, expected = {"shapes": rows}, {"formula": p["formula"], "counts": what}
    holds = [x["holds"] for x in rows]
    if all(holds):
        return result("supported", f"The {what} count is {p['formula']}: {text}.", measured,
                      expected)
    if any(holds):
        return result("conditional", f"{p['formula']} counts {what} only for some shapes "
                      f"(e.g. square d = k): {text}.", measured, expected)
    return result("refuted", f"The {what} count is not {p['formula']}: {text}.", measured,
                  expected)


def count_matrix(d: int, k: int, r: int) -> dict[str, Any]:
    """Build W (d x k), B (d x r), A (r x k) — real or on the meta device — and count them."""
    import torch

    device = "cpu" if d * k <= REAL_LIMIT else "meta"
    w = torch.empty(d, k, device=device)
    b, a = torch.empty(d, r, device=device), torch.empty(r, k, device=device)
    full, lora = w.numel(), a.numel() + b.numel()
    return {"d": d, "k": k, "r": r, "device": device, "full": full, "lora": lora,
            "lora_fraction_pct": 100.0 * lora / full, "reduction_pct": 100.0 * (1 - lora / full),
            "ratio": full / lora}


def _matrix(p: dict[str, Any]) -> dict[str, Any]:
    d, k = p["d"], p["k"]
    ranks = [p["r"]] if p["r"] else [r for r in (1, 2, 4, 8, 16, 32, 64) if r < min(d, k)]
    rows = [count_matrix(d, k, r) for r in ranks]
    holds = [_matrix_holds(row, p) for row in rows]
    # Which ranks would make the stated figure true (searched over 1..min(d, k), analytic).
    search = [r for r in range(1, min(d, k, 4096) + 1) if _matrix_holds(
        {"r": r, "full": d * k, "lora": r * (d + k), "reduction_pct": 100 * (1 - r * (d + k) /
                                                                             (d * k)),
         "ratio": d * k / (r * (d + k))}, p)]
    measured = {"matrices": rows, "ranks_that_match": search[:20]}
    expected = {k_: p[k_] for k_ in ("claim", "d", "k", "r", "pct", "ratio", "count", "tol")
                if p[k_] not in (0, 0.0, "")}
    text = "; ".join(f"r={x['r']}: LoRA {x['lora']:,} of {x['full']:,} ({_pct(x['reduction_pct'])}%"
                     f" reduction, {x['ratio']:,.0f}x fewer)" for x in rows[:4])
    text = f"d={d}, k={k}: {text}"
    if search and not all(holds):
        text += f"; the stated figure matches r in {_ranges(search)}"
    if all(holds):
        return result("supported", f"{text}.", measured, expected)
    if any(holds):
        good = [x["r"] for x, h in zip(rows, holds, strict=True) if h]
        return result("conditional", f"Holds only for r in {good}: {text}.", measured, expected)
    return result("refuted", f"{text}.", measured, expected)


def _matrix_holds(row: dict[str, Any], p: dict[str, Any]) -> bool:
    claim = p["claim"]
    if claim == "reduction_pct":
        return abs(row["reduction_pct"] - p["pct"]) <= half_unit(p["pct"])
    if claim == "ratio":
        return row["ratio"] >= p["ratio"] * (1 - p["tol"]) if p["upto"] else is_close(
            row["ratio"], p["ratio"], p["tol"])
    return is_close(row["lora"], p["count"], p["tol"])


def _pct(value: float) -> str:
    """A reduction near 100% with enough decimals to show what remains: 99.9999984, 99.22."""
    rest = 100.0 - value
    digits = 2 if rest <= 0 else max(2, 1 - math.floor(math.log10(rest)))
    return f"{value:.{min(digits, 12)}f}"


def _ranges(values: list[int]) -> str:
    return f"{values[0]}" if len(values) == 1 else f"{values[0]}..{values[-1]}" if (
        values[-1] - values[0] + 1 == len(values)) else ", ".join(map(str, values[:8]))


def model_row(preset_name: str, module_set: str, r: int) -> dict[str, Any]:
    """LoRA tensors of one configuration built on the meta device and counted."""
    import torch

    p = PRESETS[preset_name]
    shapes = p.linear_shapes()
    per_block = 0
    for name in modules_for(p, module_set):
        out_f, in_f = shapes[name]
        b = torch.empty(out_f, r, device="meta")
        a = torch.empty(r, in_f, device="meta")
        per_block += a.numel() + b.numel()
    lora = per_block * p.layers
    if lora != p.lora_params(r, modules_for(p, module_set)):
        raise AssertionError(f"meta count {lora} != analytic count for {p.name}")
    total = p.total_params()
    return {"model": p.name, "modules": module_set, "r": r, "lora": lora, "total": total,
            "fraction_pct": 100.0 * lora / total, "reduction_pct": 100.0 * (1 - lora / total),
            "ratio": total / lora}


def _model_holds(row: dict[str, Any], p: dict[str, Any]) -> bool:
    claim = p["claim"]
    if claim == "fraction":
        low, high = p["pct"], p["pct_high"] or p["pct"]
        return low * (1 - p["tol"]) <= row["fraction_pct"] <= high * (1 + p["tol"])
    if claim == "reduction_pct":
        return abs(row["reduction_pct"] - p["pct"]) <= half_unit(p["pct"])
    if claim == "ratio":
        return row["ratio"] >= p["ratio"] * (1 - p["tol"]) if p["upto"] else is_close(
            row["ratio"], p["ratio"], p["tol"])
    if claim == "count":
        return is_close(row["lora"], p["count"], p["tol"])
    if claim == "reduces":
        return row["ratio"] >= p["min_ratio"]
    if claim == "total":
        return is_close(row["total"], p["billions"] * 1e9, p["tol"])
    return row["total"] >= 1e9 and 1e6 <= row["lora"] < 1e9


def _models(p: dict[str, Any]) -> dict[str, Any]:
    preset, modules = find_preset(p["model"]), module_set(p["modules"])
    if p["model"] and preset is None or p["modules"] and modules is None:
        return result("unverifiable", f"No preset or module set for {p['model']!r} / "
                      f"{p['modules']!r} (models: {', '.join(PRESETS)}; modules: qv, attention, "
                      f"mlp, all).", {}, {"model": p["model"], "modules": p["modules"]})
    if p["claim"] == "total":  # the model's own size: one row per model is enough
        modules, p = "qv", {**p, "r": 8, "r_alt": 0}
    rows = [model_row(pr.name, ms, r) for pr, ms, r in configurations(
        (preset.name,) if preset else (), (modules,) if modules else (),
        tuple(r for r in (p["r"], p["r_alt"]) if r))]
    if p["claim"] == "total":
        return _total(p, rows)
    if p["claim"] == "reduces":  # lead with the configuration that cuts the least
        rows.sort(key=lambda x: x["ratio"])
    holds = [_model_holds(row, p) for row in rows]
    good = [row for row, h in zip(rows, holds, strict=True) if h]
    bad = [row for row, h in zip(rows, holds, strict=True) if not h]
    typical = model_row(*TYPICAL)
    measured = {"configurations": len(rows), "holding": len(good),
                "holding_examples": [_short(x) for x in good[:8]],
                "not_holding_examples": [_short(x) for x in bad[:8]],
                "typical": _short(typical), "counted_on": "meta device, checked against presets"}
    expected = {k_: p[k_] for k_ in ("claim", "model", "modules", "r", "r_alt", "pct", "pct_high",
                                     "ratio", "count", "upto", "tol")
                if p[k_] not in (0, 0.0, "", False)}
    what = _metric_text(p)
    scope = f"{len(good)} of {len(rows)} configurations"
    if not bad:
        where = _line(rows[0]) if len(rows) == 1 else f"all {len(rows)} configurations, e.g. " \
            f"{_line(rows[0])}"
        return result("supported", f"{what} holds for {where}.", measured, expected)
    if not good:
        best = max(rows, key=lambda x: x["ratio"] if p["claim"] == "ratio" else x["lora"])
        return result("refuted", f"{what} holds for none of {len(rows)} configurations; "
                      f"{_line(rows[0])}, extreme {_line(best)}.", measured, expected)
    return result("conditional", f"{what} holds for {scope}, e.g. {_line(good[0])}; not e.g. "
                  f"{_line(bad[0])} (PEFT default {_line(typical)}).", measured, expected)


def _total(p: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    stated = p["billions"] * 1e9
    good = [x for x in rows if is_close(x["total"], stated, p["tol"])]
    text = ", ".join(f"{x['model']} has {x['total']:,} ({x['total'] / 1e9:.2f}B)" for x in rows)
    measured = {"models": [{"model": x["model"], "total": x["total"]} for x in rows],
                "counted_on": "presets' exact shapes"}
    expected = {"billions": p["billions"], "model": p["model"], "tol": p["tol"]}
    verdict = "supported" if len(good) == len(rows) else "conditional" if good else "refuted"
    return result(verdict, f"Stated {p['billions']:g}B parameters (tolerance {p['tol']:.0%}): "
                  f"{text}.", measured, expected)


def _metric_text(p: dict[str, Any]) -> str:
    return {"fraction": f"Training {p['pct']:g}-{p['pct_high'] or p['pct']:g}% of the parameters",
            "reduction_pct": f"A {p['pct']:g}% reduction",
            "ratio": f"{'Up to ' if p['upto'] else ''}{p['ratio']:,.0f}x fewer trainable "
                     f"parameters",
            "count": f"{si(p['count'])} trainable parameters",
            "billions_to_millions": "Billions of parameters down to millions",
            "reduces": f"A large (at least {p['min_ratio']:g}x) cut in trainable parameters"}[
                p["claim"]]


def _short(row: dict[str, Any]) -> dict[str, Any]:
    return {"config": describe(PRESETS[row["model"]], row["modules"], row["r"]),
            "lora": row["lora"], "total": row["total"],
            "fraction_pct": round(row["fraction_pct"], 5), "ratio": round(row["ratio"], 1)}


def _line(row: dict[str, Any]) -> str:
    return (f"{describe(PRESETS[row['model']], row['modules'], row['r'])}: {si(row['lora'])} of "
            f"{si(row['total'])} ({row['fraction_pct']:.3g}%, {row['ratio']:,.0f}x)")


_FORMULAS = {"f_rdk_sum": "r(d+k)", "f_2rd": "2rd", "f_dk": "dk"}


def to_params(frame: Frame) -> dict[str, Any] | str:
    """Trainable-parameter claims: a percentage trained or saved, N x fewer, a LoRA count, or a
    count formula, for a matrix (d, k, r) or a model preset; unstated configuration is open."""
    c = frame.conditions
    params: dict[str, Any] = {k: c[k] for k in ("d", "k", "r") if k in c}
    for facet, formula in _FORMULAS.items():
        if frame.has(facet):
            return {**params, "claim": "formula", "formula": formula}
    model = c.get("model") or {}
    if model and not model.get("preset") and model.get("family"):
        return f"no preset for the model named ({model['family']} {model.get('size_b') or ''}B)"
    if model.get("preset"):
        params["model"] = model["preset"]
    if c.get("modules"):
        params["modules"] = c["modules"]
    matrix = bool(params.get("d") and params.get("k"))
    pct, ratio = frame.first("pct"), frame.first("x")
    counts = [q for q in frame.quantities if q.unit == "params"]
    if pct is not None and pct.value <= 100:
        if frame.has("saving") and pct.value >= 50:
            out = {"claim": "reduction_pct", "pct": pct.value}
        elif pct.bound == "le":
            out = {"claim": "fraction", "pct": 0.0, "pct_high": pct.value}
        else:
            out = {"claim": "fraction", "pct": pct.value, "pct_high": pct.high or 0.0,
                   "tol": _tol(pct)}
    elif ratio is not None and ratio.value >= 1:
        out = {"claim": "ratio", "ratio": ratio.value, "upto": ratio.bound == "le",
               "tol": _tol(ratio)}
    elif counts:
        count = min(counts, key=lambda q: q.value)  # LoRA's count is the smaller one stated
        out = {"claim": "count", "count": count.value, "tol": _tol(count)}
    else:
        return "no percentage, ratio or count of parameters is stated"
    if out["claim"] == "fraction" and matrix:
        return "a fraction of one matrix's parameters is not read (state it as a reduction)"
    params.update(out)
    unstated = ([] if matrix else [n for n, k in (("the model", "model"), ("the rank", "r"),
                                                   ("the adapted modules", "modules"))
                                   if not params.get(k)])
    if matrix and "r" not in params:
        unstated = ["the rank"]
    return {**params, "_open": unstated}


def _tol(q: Any) -> float:
    """Relative tolerance from the precision the figure was stated with (at least 1%; an
    approximate figure, 5%)."""
    floor = 0.05 if q.bound == "approx" else 0.01
    return min(0.5, max(floor, q.precision / q.value if q.value else floor))


VERIFIER = Verifier(
    id="lora.param_count",
    version=1,
    title="Trainable parameters of LoRA vs full fine-tuning, per matrix and per model",
    run=run,
    params=(
        Param("claim", str, default="reduction_pct", choices=CLAIMS),
        Param("d", int, default=0, min=0, max=10**9, help="rows of W (0: a whole model)"),
        Param("k", int, default=0, min=0, max=10**9, help="columns of W"),
        Param("r", int, default=0, min=0, max=65536, help="rank (0: unspecified)"),
        Param("r_alt", int, default=0, min=0, max=65536, help="a second stated rank ('r=8 or "
              "r=16')"),
        Param("model", str, default="", help="a preset name or the claim's words ('LLaMA 65B')"),
        Param("modules", str, default="", help="adapted modules: qv, attention, mlp, all, or "
              "the claim's words ('query and value')"),
        Param("pct", float, default=0.0, min=0.0, max=100.0, help="stated percentage (low end)"),
        Param("pct_high", float, default=0.0, min=0.0, max=100.0, help="high end of a range"),
        Param("ratio", float, default=0.0, min=0.0, max=1e12, help="stated 'N x fewer'"),
        Param("count", float, default=0.0, min=0.0, max=1e13, help="stated LoRA parameters"),
        Param("billions", float, default=0.0, min=0.0, max=1e4, help="stated model size, "
              "billions of parameters"),
        Param("min_ratio", float, default=10.0, min=1.0, max=1e9, help="what 'greatly reduces' "
              "must reach"),
        Param("formula", str, default="r(d+k)", choices=FORMULAS, help="stated count formula"),
        Param("upto", bool, default=False, help="the claim says 'up to'"),
        Param("tol", float, default=0.05, min=0.0, max=1.0, help="relative tolerance"),
    ),
    claims=(("lora", "trainable_params"), ("lora", "param_formula")),
    to_params=to_params,
    examples=("For a 4096 x 4096 weight at rank 16, LoRA trains 99.2% fewer parameters.",
              "LoRA on GPT-3 175B with r=4 on the query and value projections trains about "
              "18.9 million parameters.",
              "The number of LoRA parameters for one layer is r(d+k)."),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=60.0,
)
