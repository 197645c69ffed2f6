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
import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._configs import (
    TYPICAL,
    configurations,
    describe,
    find_preset,
    half_unit,
    is_close,
    module_set,
    modules_for,
    reference_setting,
    si,
)
from verifiers._frame import Frame, Quantity
from verifiers._presets import NOMINAL, PRESETS, Preset, resolve

# a size in bytes: "13.5 GB", "16.8 MB"
_FILE_SIZES = re.compile(r"\d\s*(?:[KMGT]i?B)\b")
CLAIMS = ("reduction_pct", "fraction", "ratio", "count", "billions_to_millions", "reduces",
          "total", "formula", "arithmetic")
FORMULAS = ("r(d+k)", "r^2(d+k)", "r^2", "2rd", "rdk", "dk")
REAL_LIMIT = 2**24


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Count full and LoRA parameters and judge the stated figure."""
    if params["claim"] == "formula":
        return _formula(params)
    if params["claim"] == "arithmetic":
        return _arithmetic(params)
    if params["d"] and params["k"] and params["claim"] in ("reduction_pct", "ratio", "count",
                                                           "fraction"):
        return _matrix(params)
    if params["segments"]:
        return _by_rank(params)
    return _models(params)


def _by_rank(p: dict[str, Any]) -> dict[str, Any]:
    """Several ranks, each with its figures: a set of adapted modules holds when every rank's
    figures hold on it. (Segments that name their own set, 'r/set@figures', are each checked
    on that set.)"""
    heads = [x.split("@", 1) for x in p["segments"].split("#")]
    preset = find_preset(p["model"])
    if preset is None:
        return result("unverifiable", f"No preset for {p['model']!r}.", {}, {"model": p["model"]})
    if any("/" in head for head, _ in heads):
        return _by_module_set(p, preset, [(int(head.split("/")[0]), head.split("/")[1],
                                           parse_figures(f)) for head, f in heads])
    segs = [(int(r), parse_figures(f)) for r, f in heads]
    sets = [module_set(p["modules"])] if p["modules"] else [
        ms for ms in ("qv" if "qv" in preset.module_sets() else "default", "attention", "all")
        if ms in preset.module_sets()]
    rows = {ms: [model_row(preset.name, ms, r) for r, _ in segs] for ms in sets}
    good = [ms for ms in sets if all(_figures_hold(row, figs) for row, (_, figs)
                                     in zip(rows[ms], segs, strict=True))]
    lines = {ms: "; ".join(_line(row) for row in rows[ms]) for ms in sets}
    measured = {"segments": [{"r": r, "figures": [_figure_text(f) for f in figs]}
                             for r, figs in segs],
                "holding": good, "rows": {ms: [_short(x) for x in rows[ms]] for ms in sets}}
    expected = {"model": p["model"], "segments": p["segments"]}
    stated = ", ".join(f"r={r}: {', '.join(_figure_text(f) for f in figs)}" for r, figs in segs)
    if good and len(good) == len(sets):
        return result("supported", f"Stated {stated} hold for {lines[good[0]]}.", measured,
                      expected)
    if good:
        bad = next(ms for ms in sets if ms not in good)
        return result("conditional", f"Stated {stated} hold only for some adapted modules: "
                      f"{lines[good[0]]}; not {lines[bad]}.", measured, expected)
    text = f"Stated {stated} hold for no module set: {lines[sets[0]]}"
    if not p["modules"]:
        for r, figs in segs:  # a rank whose figures no set of modules gives decides it
            env = _envelope([model_row(preset.name, sets[0], r)], figs, p["bare_b"])
            if not env["possible"]:
                return result("refuted", f"{text}; at r={r} no set of adapted modules gives "
                              f"{', '.join(_figure_text(f) for f in figs)} ({env['span']}).",
                              measured, expected)
        return result("unverifiable", f"Not refuted: the adapted modules are not stated and "
                      f"some set of them could give each rank's figures. {text}.", measured,
                      expected)
    return result("refuted", f"{text}.", measured, expected)


def _by_module_set(p: dict[str, Any], preset: Preset, segs: list) -> dict[str, Any]:
    """Each set of adapted modules with its own figures ("0.06% on q and v, 0.3% on every
    linear layer"): the claim holds when every set's figures hold on that set."""
    rows = [model_row(preset.name, ms, r) for r, ms, _ in segs]
    holds = [_figures_hold(row, figs) for row, (_, _, figs) in zip(rows, segs, strict=True)]
    lines = [f"{ms}: stated {', '.join(_figure_text(f) for f in figs)}, {_line(row)}"
             for row, (_, ms, figs) in zip(rows, segs, strict=True)]
    measured = {"segments": [{"r": r, "modules": ms, "figures": [_figure_text(f) for f in figs],
                              "holds": ok} for (r, ms, figs), ok in zip(segs, holds, strict=True)],
                "rows": [_short(x) for x in rows]}
    expected = {"model": p["model"], "segments": p["segments"]}
    if all(holds):
        return result("supported", "Each set of adapted modules gives its stated figures: "
                      + "; ".join(lines) + ".", measured, expected)
    bad = [line for line, ok in zip(lines, holds, strict=True) if not ok]
    return result("refuted", "Not every set of adapted modules gives its stated figures: "
                  + "; ".join(bad) + ".", measured, expected)


# --- stated figures: every number a claim states, checked together ---------------------------
#
# `figures` lists what a sentence states as "kind:bound:value:high:tol" items joined by ";":
# kind lora (LoRA's count), full (the matrix's d*k, or the model's total), frac (LoRA's share,
# %), red (the reduction, %), ratio (full / LoRA); bound eq, approx, le, ge or range; tol is
# relative (the stated precision). A configuration holds when every figure holds for it.

FIGURE_KINDS = ("lora", "full", "frac", "red", "ratio")


def figure(kind: str, bound: str, value: float, high: float | None, tol: float) -> str:
    """One stated figure in the `figures` encoding."""
    return f"{kind}:{bound}:{value:.12g}:{(high or 0.0):.12g}:{max(tol, 1e-6):.4g}"


def parse_figures(text: str) -> list[dict[str, Any]]:
    """The `figures` parameter, decoded; ValueError on a malformed item."""
    out = []
    for item in filter(None, (x.strip() for x in text.split(";"))):
        kind, bound, value, high, tol = item.split(":")
        if kind not in FIGURE_KINDS or bound not in ("eq", "approx", "le", "ge", "range"):
            raise ValueError(f"bad figure {item!r}")
        out.append({"kind": kind, "bound": bound, "value": float(value), "high": float(high),
                    "tol": float(tol)})
    return out


def _figure_values(kind: str, row: dict[str, Any]) -> list[float]:
    """What a configuration's row measures for a figure (a model's total: with or without the
    LoRA tensors, as PEFT's 'all params' counts them)."""
    lora = row["lora"]
    fulls = [row["full"]] if "full" in row else [row["total"], row["total"] + lora]
    if kind == "lora":
        return [lora]
    if kind == "full":
        return fulls
    if kind == "frac":
        return [100.0 * lora / f for f in fulls]
    if kind == "red":
        return [100.0 * (1 - lora / f) for f in fulls]
    return [f / lora for f in fulls]


def figure_holds(fig: dict[str, Any], value: float) -> bool:
    """Whether a measured value satisfies one stated figure (bounds are read as written)."""
    v, tol = fig["value"], fig["tol"]
    if fig["bound"] == "le" and fig["kind"] == "ratio":  # "up to 10,000x fewer": reached
        return value >= v * (1 - tol)
    if fig["bound"] == "le":
        return value <= v * (1 + min(tol, 1e-3)) + 1e-12
    if fig["bound"] == "ge":
        return value >= v * (1 - min(tol, 1e-3)) - 1e-12
    if fig["bound"] == "range" and fig["high"]:
        return v * (1 - tol) <= value <= fig["high"] * (1 + tol)
    return abs(value - v) <= tol * abs(v) + 1e-12


def _figures_hold(row: dict[str, Any], figures: list[dict[str, Any]]) -> bool:
    return all(any(figure_holds(f, x) for x in _figure_values(f["kind"], row)) for f in figures)


_PAIR_NAMES = {"lora": ("LoRA parameters", ""), "full": ("full parameters", ""),
               "frac": ("LoRA share", "%"), "red": ("reduction", "%"), "ratio": ("ratio", "x")}
_CLAIM_PAIRS = {"count": ("lora", "count"), "reduction_pct": ("red", "pct"),
                "ratio": ("ratio", "ratio"), "fraction": ("frac", "pct")}


def _pair(p: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The stated/measured pair when one configuration was measured: the first stated figure
    it fails (or the first one), else the claim's own number."""
    if len(rows) != 1:
        return None
    row = rows[0]
    figures = parse_figures(p["figures"]) if p["figures"] else []
    if figures:
        f = next((f for f in figures if not any(figure_holds(f, x) for x in
                                                _figure_values(f["kind"], row))), figures[0])
        name, unit = _PAIR_NAMES[f["kind"]]
        sign = {"le": "at most ", "ge": "at least ", "approx": "about "}.get(f["bound"], "")
        stated = f"{f['value']:,.6g}-{f['high']:,.6g}" if f["bound"] == "range" else (
            f"{sign}{f['value']:,.6g}" if sign else f["value"])
        return figure_pair(name, stated, _figure_values(f["kind"], row)[0], unit)
    if p["claim"] == "total":
        return figure_pair("total parameters", p["billions"] * 1e9, row["total"])
    if p["claim"] not in _CLAIM_PAIRS or (p["claim"] == "fraction" and p["pct_high"]):
        return None
    kind, key = _CLAIM_PAIRS[p["claim"]]
    name, unit = _PAIR_NAMES[kind]
    if p["claim"] == "ratio" and p["upto"]:
        return figure_pair(name, f"up to {p['ratio']:,.6g}", _figure_values(kind, row)[0], unit)
    return figure_pair(name, p[key], _figure_values(kind, row)[0], unit)


def _figure_text(f: dict[str, Any]) -> str:
    unit = "%" if f["kind"] in ("frac", "red") else "x" if f["kind"] == "ratio" else ""
    name = {"lora": "LoRA count", "full": "full count", "frac": "LoRA share",
            "red": "reduction", "ratio": "ratio"}[f["kind"]]
    value = f"{f['value']:,.6g}{unit}"
    if f["bound"] == "range":
        value = f"{f['value']:,.6g}-{f['high']:,.6g}{unit}"
    sign = {"le": "<= ", "ge": ">= ", "approx": "~"}.get(f["bound"], "")
    return f"{name} {sign}{value}"


def _arithmetic(p: dict[str, Any]) -> dict[str, Any]:
    """Figures stated with no model or matrix (a PEFT print-out pasted as prose): do they
    agree with each other? The LoRA count over the total must give the stated share and ratio."""
    figures = parse_figures(p["figures"])
    lora = [f for f in figures if f["kind"] == "lora"]
    full = [f for f in figures if f["kind"] == "full"]
    if not lora or not full:
        return result("unverifiable", "Only one count is stated: nothing to check it against.",
                      {}, {"figures": p["figures"]})
    row = {"lora": lora[0]["value"], "full": full[0]["value"]}
    # the counts as rounded as they are written ("1.1B" is 1.05-1.15B): a figure derived from
    # them holds anywhere between what the rounded counts' ends give
    ends = [{"lora": lora[0]["value"] * (1 + a * lora[0]["tol"]),
             "full": full[0]["value"] * (1 + b * full[0]["tol"])} for a in (-1, 1) for b in (-1, 1)]
    checks = []
    for f in figures:
        if f["kind"] in ("frac", "red", "ratio"):
            got = _figure_values(f["kind"], row)
            span = [x for end in ends for x in _figure_values(f["kind"], end)]
            ok = any(figure_holds(f, x) for x in got + span) or (
                f["bound"] in ("eq", "approx") and min(span) <= f["value"] <= max(span))
            checks.append((f, got, ok))
    if not checks:
        return result("unverifiable", "Two counts and nothing stated about them to check.",
                      {}, {"figures": p["figures"]})
    text = "; ".join(f"{_figure_text(f)}: {row['lora']:,.6g} / {row['full']:,.6g} gives "
                     f"{got[-1]:,.4g}" for f, got, _ in checks)
    measured = {"lora": row["lora"], "total": row["full"],
                "derived": [{"figure": _figure_text(f), "value": got[-1], "holds": ok}
                            for f, got, ok in checks]}
    verdict = "supported" if all(ok for _, _, ok in checks) else "refuted"
    what = "agree" if verdict == "supported" else "do not agree"
    return result(verdict, f"The stated figures {what} with each other ({text}); no model is "
                  "named, so the counts themselves are not checked against one.", measured,
                  {"figures": p["figures"]})


def _formula(p: dict[str, Any]) -> dict[str, Any]:
    """Count B and A (or W) as tensors for several shapes and compare with the stated formula."""
    shapes = [(4096, 4096, 16), (4096, 11008, 8), (1024, 512, 4)]
    if p["d"] and p["k"]:
        shapes.insert(0, (p["d"], p["k"], p["r"] or 8))
    rows = []
    for d, k, r in shapes:
        row = count_matrix(d, k, r)
        counted = row["full"] if p["formula"] == "dk" else row["lora"]
        stated = {"r(d+k)": r * (d + k), "r^2(d+k)": r * r * (d + k), "r^2": r * r,
                  "2rd": 2 * r * d, "rdk": r * d * k, "dk": d * k}[p["formula"]]
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
    figures = parse_figures(p["figures"])
    holds = [_matrix_holds(row, p) and _figures_hold(row, figures) for row in rows]
    # Which ranks would make the stated figure true (searched over 1..min(d, k), analytic).
    search = [r for r in range(1, min(d, k, 4096) + 1) if _matrix_holds(
        {"r": r, "full": d * k, "lora": r * (d + k), "reduction_pct": 100 * (1 - r * (d + k) /
                                                                             (d * k)),
         "ratio": d * k / (r * (d + k))}, p) and _figures_hold(
             {"r": r, "full": d * k, "lora": r * (d + k)}, figures)]
    measured = {"matrices": rows, "ranks_that_match": search[:20]}
    expected = {k_: p[k_] for k_ in ("claim", "d", "k", "r", "pct", "ratio", "count", "tol")
                if p[k_] not in (0, 0.0, "")}
    text = "; ".join(f"r={x['r']}: LoRA {x['lora']:,} of {x['full']:,} ({_pct(x['reduction_pct'])}%"
                     f" reduction, {x['ratio']:,.0f}x fewer)" for x in rows[:4])
    text = f"d={d}, k={k}: {text}"
    if figures:
        text += "; stated: " + ", ".join(_figure_text(f) for f in figures)
    if search and not all(holds):
        text += f"; the stated figure matches r in {_ranges(search)}"
    pair = _pair(p, rows)
    if all(holds):
        return result("supported", f"{text}.", measured, expected, figure=pair)
    if any(holds) and p["specific"] and not p["r"]:  # the stated count names the rank
        good = [x["r"] for x, h in zip(rows, holds, strict=True) if h]
        return result("supported", f"The stated figures fit r in {good}: {text}.", measured,
                      expected)
    if any(holds):
        good = [x["r"] for x, h in zip(rows, holds, strict=True) if h]
        return result("conditional", f"Holds only for r in {good}: {text}.", measured, expected)
    return result("refuted", f"{text}.", measured, expected, figure=pair)


def _matrix_holds(row: dict[str, Any], p: dict[str, Any]) -> bool:
    claim = p["claim"]
    if p["figures"]:
        return True  # every stated figure is checked by _figures_hold
    if claim == "fraction":
        return False  # a matrix's share is stated through `figures`
    if claim == "reduction_pct":
        return abs(row["reduction_pct"] - p["pct"]) <= half_unit(p["pct"]) + 1e-9  # rounding
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
    lora = 0
    for group, linear in p.matching(modules_for(p, module_set)):  # every block of each stack
        b = torch.empty(linear.out_f, r, device="meta")
        a = torch.empty(r, linear.in_f, device="meta")
        lora += group.count * linear.copies * (a.numel() + b.numel())
    if lora != p.lora_params(r, modules_for(p, module_set)):
        raise AssertionError(f"meta count {lora} != analytic count for {p.name}")
    total = p.total_params()
    return {"model": p.name, "modules": module_set, "r": r, "lora": lora, "total": total,
            "fraction_pct": 100.0 * lora / total, "reduction_pct": 100.0 * (1 - lora / total),
            "ratio": total / lora}


def _model_holds(row: dict[str, Any], p: dict[str, Any]) -> bool:
    claim = p["claim"]
    if p["figures"] and claim in ("fraction", "reduction_pct", "ratio", "count"):
        return _figures_hold(row, parse_figures(p["figures"]))
    if claim == "fraction":
        low, high = p["pct"], p["pct_high"] or p["pct"]
        return low * (1 - p["tol"]) <= row["fraction_pct"] <= high * (1 + p["tol"])
    if claim == "reduction_pct":
        return abs(row["reduction_pct"] - p["pct"]) <= half_unit(p["pct"]) + 1e-9  # rounding
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
        modules = "qv" if preset is None or "qv" in preset.module_sets() else "default"
        p = {**p, "r": 8, "r_alt": 0}
    if preset is not None and modules and modules not in preset.module_sets():
        return result("unverifiable", f"{preset.name} has no separate {modules!r} modules (its "
                      f"sets: {', '.join(preset.module_sets())}).", {},
                      {"model": p["model"], "modules": p["modules"]})
    rows = [model_row(pr.name, ms, r) for pr, ms, r in configurations(
        (preset.name,) if preset else (), (modules,) if modules else (),
        tuple(r for r in (p["r"], p["r_alt"]) if r))]
    if p["claim"] == "total":
        return _total(p, rows)
    if p["same_as"] and preset is not None:
        differ = _not_the_same(p, rows)
        if differ is not None:
            return differ
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
    pair = _pair(p, rows)
    if not bad:
        where = _line(rows[0]) if len(rows) == 1 else f"all {len(rows)} configurations, e.g. " \
            f"{_line(rows[0])}"
        return result("supported", f"{what} holds for {where}.", measured, expected,
                      figure=pair)
    if not good:
        best = max(rows, key=lambda x: x["ratio"] if p["claim"] == "ratio" else x["lora"])
        text = (f"{what} holds for none of {len(rows)} configurations; {_line(rows[0])}, "
                f"extreme {_line(best)}")
        other = _other_shapes(p, preset, modules) if p["bare_b"] and preset else []
        if other:
            # "q_proj and v_proj of a 7B model at rank 16: 6.8 million": not Llama-7B's count,
            # but Mistral-7B's (grouped-query attention); the bare size names no architecture
            measured["other_shapes_holding"] = [_short(x) for x in other[:8]]
            return result("conditional", f"{what} holds for a {p['bare_b']:g}B model shaped as "
                          f"{_line(other[0])}, not as {_line(rows[0])}.", measured, expected,
                          figure=pair)
        figures = parse_figures(p["figures"])
        if p["layer_subset"]:
            # "a rank-16 adapter on one projection matrix adds 131,072": a count of some layers
            # or matrices, measured here against LoRA on every layer
            part = _one_part(preset, figures, p["r"]) if preset and not p["bare_b"] \
                and p["r"] and all(f["kind"] == "lora" for f in figures) else None
            if part is not None:
                measured["one_part"] = part
            said = f"it is what {part} has" if part else "which ones is not read"
            return result("unverifiable", "Not decided: the sentence counts some layers or "
                          f"matrices only ({said}), and the configurations measured adapt "
                          f"every layer; {text}.", measured, expected)
        floor = _floor(preset, figures) if preset and not p["bare_b"] else None
        # (of a bare size too: "a rank-8 adapter on a 7B model's attention projection adds
        # 65,536" is one matrix's count whichever 7B model is meant)
        part = _one_part(preset, figures, p["r"]) if (floor or p["bare_b"] and preset) \
            and p["r"] and all(f["kind"] == "lora" for f in figures) else None
        if part is not None:
            # "a rank-8 adapter on k_proj has 40,960 parameters": below any LoRA on the whole
            # model, and exactly one layer's matrix: a count of one part, not of the model
            measured["one_part"] = part
            return result("unverifiable", f"Not decided: the stated count is what {part} has, "
                          "a count of one part rather than of the model's LoRA; "
                          f"{text}.", measured, expected)
        if floor is not None:
            # fewer than any LoRA on this model has: no rank or set of modules gives it
            measured["floor"] = floor
            measured["covers_open"] = ["the rank", "the adapted modules"]
            return result("refuted", f"{text}; the stated count is below the smallest LoRA "
                          f"{preset.name} can have ({floor['text']}), so no rank or set of "
                          "adapted modules gives it.", measured, expected, figure=pair)
        if p["modules_open"] and p["figures"]:
            envelope = _envelope(rows, parse_figures(p["figures"]), p["bare_b"])
            measured["module_envelope"] = envelope
            if envelope["possible"]:
                return result("unverifiable", f"Not refuted: the sentence does not state the "
                              f"adapted modules, and {envelope['possible']} would give it. "
                              f"{text}.", measured, expected)
            text += (f"; nor does any set of adapted modules, from the smallest single module "
                     f"to all linear layers ({envelope['span']})")
        return result("refuted", f"{text}.", measured, expected, figure=pair)
    if p["specific"]:  # a stated count with its share or total names one configuration
        return result("supported", f"{what}: the stated figures fit {_line(good[0])}"
                      + (f" ({len(good)} of {len(rows)} configurations fit)" if len(good) > 1
                         else "") + ".", measured, expected)
    ref = None if p["r_alt"] else reference_setting(preset, modules, p["r"])
    ref_row = next((row for row in good if (row["modules"], row["r"]) == ref), None)
    if ref_row is not None:  # the model's paper completes what the claim leaves unstated
        source = preset.reference["source"]
        measured["reference"] = {"config": _line(ref_row), "source": source}
        return result("supported", f"{what} holds in the configuration of the paper that "
                      f"studied {preset.name} ({source}): {_line(ref_row)} ({scope} "
                      f"hold; not e.g. {_line(bad[0])}).", measured, expected, figure=pair)
    return result("conditional", f"{what} holds for {scope}, e.g. {_line(good[0])}; not e.g. "
                  f"{_line(bad[0])} (PEFT default {_line(typical)}).", measured, expected)


def _not_the_same(p: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """'the same count as on Llama-2-7B': the other model counted in each configuration of
    this one; refuted where the two counts differ in every one, else None (the stated figures
    decide)."""
    other = PRESETS[p["same_as"]]
    pairs = [(row, model_row(other.name, row["modules"], row["r"])) for row in rows
             if row["modules"] in other.module_sets()]
    if not pairs or any(a["lora"] == b["lora"] for a, b in pairs):
        return None
    a, b = pairs[0]
    return result("refuted", f"The count is not the same on {other.name}: {_line(a)}, but "
                  f"{_line(b)} ({len(pairs)} configuration(s) compared, the same rank and "
                  "modules on both; their layer shapes differ).",
                  {"compared": [[_short(x), _short(y)] for x, y in pairs[:8]]},
                  {"model": p["model"], "same_as": p["same_as"], "modules": p["modules"],
                   "r": p["r"]})


_PCT_CHANGE = re.compile(r"\s*(?:more|extra|additional)\s+(?:trainable\s+)?param", re.I)


# a count denied where it is stated: "it does not have 70B parameters", "not 7 billion"
_DENIED_COUNT = re.compile(r"(?:\bnot|n't|\bnever|\bno)\s+(?:have\s+|has\s+|really\s+|quite\s+|"
                           r"exactly\s+|even\s+)?(?:about\s+|around\s+|roughly\s+|~\s*)?$", re.I)


def _one_part(preset: Preset, figures: list[dict[str, Any]], r: int) -> str | None:
    """The single matrix (or one block's set of matrices) of `preset` whose LoRA count at the
    stated rank is a stated count, described; else None."""
    counts = [f for f in figures if f["kind"] == "lora" and f["bound"] in ("eq", "approx")]
    shapes = preset.linear_shapes()
    block = sum(o + i for o, i in shapes.values())
    for f in counts:
        for name, (o, i) in shapes.items():
            if abs(r * (o + i) - f["value"]) <= f["tol"] * f["value"]:
                return f"one {name} of {preset.name} at r={r} ({r * (o + i):,})"
        if abs(r * block - f["value"]) <= f["tol"] * f["value"]:
            return f"one block of {preset.name} at r={r} ({r * block:,})"
    return None


def _floor(preset: Preset, figures: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The smallest LoRA a model can have (rank 1 on its smallest single module type, in every
    block), when every stated LoRA count or share lies below it; else None."""
    every = modules_for(preset, "all")
    least = min((preset.lora_params(1, (m,)), m) for m in every)
    total = preset.total_params()
    stated = [f for f in figures if f["kind"] in ("lora", "frac")]
    if not stated or any(f["bound"] in ("ge", "range") for f in stated):
        return None
    for f in stated:
        top = f["value"] * (1 + f["tol"])
        if (top if f["kind"] == "lora" else top / 100.0 * total) >= least[0]:
            return None
    return {"lora": least[0], "module": least[1],
            "text": f"r=1 on {least[1]} alone: {si(least[0])} parameters"}


def _other_shapes(p: dict[str, Any], preset: Any, modules: str) -> list[dict[str, Any]]:
    """For a bare size ('a 7B model'), the configurations of the other presets of that size
    (within 15%) with the stated modules and rank that give the stated figures."""
    names = _candidates(preset.name, p["bare_b"])[1:]
    rows = [model_row(n, modules, r) for n in names if modules in PRESETS[n].module_sets()
            for r in (p["r"], p["r_alt"]) if r] if modules and p["r"] else []
    return [row for row in rows if _model_holds(row, p)]


def _candidates(name: str, bare_b: float) -> list[str]:
    """The presets a claim may mean: the named one, or for a bare size ('a 7B model') every
    preset within 15% of it."""
    if not bare_b:
        return [name]
    near = [n for n, pre in PRESETS.items() if abs(pre.total_params() / 1e9 - bare_b)
            <= 0.15 * bare_b]
    return list(dict.fromkeys([name, *near]))


def _envelope(rows: list[dict[str, Any]], figures: list[dict[str, Any]],
              bare_b: float = 0.0) -> dict[str, Any]:
    """Whether any set of adapted modules could give the stated figures, for the presets and
    ranks of `rows` (every preset of a bare size): a LoRA count lies between the smallest
    single module's and all linear layers' (every set of modules falls in that span), checked
    on a grid across it."""
    possible, spans = "", []
    pairs = [(n, row["r"]) for row in rows for n in _candidates(row["model"], bare_b)]
    for name, r in dict.fromkeys(pairs):
        pre = PRESETS[name]
        every = modules_for(pre, "all")
        counts = [pre.lora_params(r, (m,)) for m in every]
        lo, hi = min(counts), pre.lora_params(r, every)
        spans.append(f"{name} r={r}: {si(lo)} to {si(hi)}")
        total = pre.total_params()
        steps = 400
        for i in range(steps + 1):
            lora = lo * (hi / lo) ** (i / steps)
            row = {"lora": lora, "total": total}
            if _figures_hold(row, figures):
                possible = possible or f"about {si(lora)} LoRA parameters on {name} at r={r}"
                break
    return {"possible": possible, "span": "; ".join(spans[:4])}


def _total(p: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    stated = p["billions"] * 1e9
    good = [x for x in rows if is_close(x["total"], stated, p["tol"])]
    text = ", ".join(f"{x['model']} has {x['total']:,} ({x['total'] / 1e9:.2f}B)" for x in rows)
    measured = {"models": [{"model": x["model"], "total": x["total"]} for x in rows],
                "counted_on": "presets' exact shapes"}
    expected = {"billions": p["billions"], "model": p["model"], "tol": p["tol"]}
    verdict = "supported" if len(good) == len(rows) else "conditional" if good else "refuted"
    return result(verdict, f"Stated {p['billions']:g}B parameters (tolerance {p['tol']:.0%}): "
                  f"{text}.", measured, expected, figure=_pair(p, rows))


def _metric_text(p: dict[str, Any]) -> str:
    if p["figures"] and p["claim"] in ("fraction", "reduction_pct", "ratio", "count"):
        return "Stated " + ", ".join(_figure_text(f) for f in parse_figures(p["figures"]))
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


# digits before a small count, with a space between: a thousands group ("65 536")
_GROUP_BEFORE = re.compile(r"\d\s$")
# a small count as the value of "the number of parameters" ("the number of new parameters is
# simply 8^2 = 64"): one matrix's count, though no unit follows it
_COUNT_IS = re.compile(r"\b(?:number|count)\s+of\s+(?:[\w-]+\s+){0,2}?(?:parameters|params|"
                       r"weights)\s+(?:is|are|equals|comes\s+to|=)\s+(?:simply\s+|just\s+|"
                       r"only\s+|exactly\s+)?(?:[^,.;=]{1,20}=\s*)?$", re.I)
_PER_MATRIX = re.compile(r"\s*(?:(?:trainable|extra|new|added)\s+)?(?:param(?:eter)?s|weights)?\s*"
                         r"(?:per|for\s+each|for\s+every|in\s+each|each)\s+(?:adapted\s+|weight\s+)?"
                         r"(?:matrix|projection)\b", re.I)
_FACTOR_AFTER = re.compile(r"\s*(?:\^|\*\*|\u00b2|[x\u00d7*]\s*\d)")  # "8^2 = 64", "8 x 8"
_FORMULAS = {"f_r2dk_sum": "r^2(d+k)", "f_rdk_sum": "r(d+k)", "f_r2": "r^2", "f_2rd": "2rd",
             "f_rdk": "rdk", "f_dk": "dk"}


def _named_between(frame: Frame, skip: list[tuple[int, int]], said: Quantity,
                   size_b: float) -> bool:
    """Whether another model's size, written in its name, stands between the model named and
    the count `said`."""
    start = skip[0][1] if skip else 0
    return any(q.role == "model" and q.value >= 1e8 and not _inside(q, skip)
               and start <= q.span[0] < said.span[0]
               and abs(q.value / 1e9 - size_b) > 0.05 * size_b for q in frame.quantities)


# "two billion trainable parameters": a count of what is trained, not a second model's size
_TRAINED = re.compile(r"\b(?:trainable|learnable|trained|lora|adapter|extra|additional|new)\b",
                      re.I)
# "LoRA trains roughly 21 million parameters": the verb of training just before a count
_TRAINS_BEFORE = re.compile(r"\b(?:trains?|training|learns?|adds?|updates?)\s+(?:only\s+|just\s+)?"
                            r"(?:about\s+|roughly\s+|around\s+|approximately\s+|some\s+|~\s*)?$",
                            re.I)
# "you are training more than 1 billion parameters": a count said to be trained, just before it
_TRAINING = re.compile(
    r"\b(?:train(?:s|ing)?|updat(?:es|ing)|optimi[sz](?:es|ing))\s+(?:\w+\s+){0,3}$", re.I)


def _inside(q: Any, spans: list[tuple[int, int]]) -> bool:
    return any(q.span[0] < b and a < q.span[1] for a, b in spans)


def _ratio_only(frame: Frame) -> bool:
    """Whether the figures a frame states are reductions ("10,000x fewer") and nothing else
    (no count, no share)."""
    stated = [q for q in frame.quantities if q.role != "model"
              and q.unit in ("x", "pct", "count", "params")]
    return bool(stated) and all(q.unit == "x" for q in stated)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """Trainable-parameter claims: every stated count, share, reduction and ratio, for a matrix
    (d, k, r) or a model preset, checked together; with neither, whether the stated figures
    agree with each other (a PEFT print-out). Unstated configuration is open."""
    c = frame.conditions
    if frame.predicate == "reduces_params":  # "greatly reduces the trainable parameters"
        found = resolve(c.get("model") or {})
        return {"claim": "reduces", **({"model": found.name} if found else {}),
                **({"r": c["r"]} if "r" in c else {})}
    params: dict[str, Any] = {k: c[k] for k in ("d", "k", "r") if k in c}
    if (change := _RANK_FROM_TO.search(frame.text)) and _ADDS_AFTER.search(frame.text,
                                                                            change.end()):
        # "going from rank 16 to rank 64 ... adds about 120 million trainable parameters": the
        # difference between the two ranks' counts, which is not what is measured here
        return "a count added by a change of rank (the difference of two counts) is not read"
    for facet, formula in _FORMULAS.items():
        if frame.has(facet):
            if formula == "dk" and not frame.polarity and frame.subject != "full_ft":
                # "LoRA doesn't learn a whole d x k delta": d x k denied of LoRA, not full
                # fine-tuning's count, which is what this formula is measured as
                return "d x k is denied of LoRA, not stated as full fine-tuning's count"
            return {**params, "claim": "formula", "formula": formula}
    model = c.get("model") or {}
    bare = ""
    if model.get("family"):
        found = resolve(model)
        if found is None:
            return (f"no preset for the model named ({model['family']} "
                    f"{model.get('size_b') or ''}B): it is not judged with another model's shapes")
        params["model"] = found.name
        if frame.has("paper_source") and found.reference and (
                found.reference.get("sole") or _ratio_only(frame)):
            # "the LoRA paper reports ..." of a model it ran in one configuration: that one;
            # of a reduction ("x fewer") of a model it ran in several: the setting of the
            # paper's own reduction (GPT-3 175B's 10,000x: r=4 on Wq and Wv)
            params["paper"] = True
            params.setdefault("r", found.reference["r"])
            if not c.get("modules"):
                params["modules"] = found.reference["modules"]
        if params.get("d") and not params.get("k") and params["d"] == found.d_model:
            params["k"] = params["d"]  # "GPT-3 with d=12,288": its square hidden projection
    elif model.get("size_b"):  # a bare size: "a 7B model"
        size = model["size_b"]
        nominal = NOMINAL.get(int(size)) if size == int(size) else None
        if nominal is None:
            return f"a bare model size ({size:g}B) that no preset has"
        params["model"], bare = nominal, f"{size:g}B"
    if c.get("modules"):
        params["modules"] = c["modules"]
    size_b = model.get("size_b") or 0
    skip = [frame.spans[n] for n in ("model",) if n in frame.spans]
    others = [q.value / 1e9 for q in frame.quantities if q.unit in ("count", "params")
              and q.value >= 1e9 and not _inside(q, skip) and not _TRAINED.search(q.text)
              and not _TRAINING.search(frame.text, max(0, q.span[0] - 40), q.span[0])
              and abs(q.value / 1e9 - size_b) > 0.15 * size_b]
    stated = [q for q in frame.quantities if q.unit == "pct" or q.unit in ("count", "params")
              and q.value >= 1e4 and q.role != "model"]
    if model.get("several") and len(stated) > 1:
        # "T5-base: 0.88M (0.40%); OPT-350m, same setting: 0.79M": figures of several models
        return "several models are named with several figures: which figure is whose is not read"
    if size_b and others:  # "unlike LLaMA 7B, LLaMA 65B ...": which model a figure is for
        return (f"a second model size ({others[0]:g}B) beside the {size_b:g}B model: which "
                "figure is whose is not read")
    matrix = bool(params.get("d") and params.get("k"))
    if matrix and params.get("model") and params.get("r"):
        # "RoBERTa-base with r=8 on query and value gets 294,912 LoRA parameters, twelve
        # layers times two 768-by-768 matrices": a count said to be LoRA's that no single
        # matrix has is the model's; the shape only explains it
        one = params["r"] * (params["d"] + params["k"])
        full = params["d"] * params["k"]
        total = PRESETS[params["model"]].total_params()
        if any(((_TRAINED.search(q.text) or _TRAINS_BEFORE.search(
                frame.text, max(0, q.span[0] - 40), q.span[0])) and q.value > 2 * one)
               # a count near neither one matrix's LoRA nor its d x k, nor the model's size:
               # the model's LoRA count ("96 x 2 x 4 x 24,576, about 18.9 million")
               or (q.unit == "params" and q.value >= 1e4 and not 0.5 <= q.value / one <= 2
                   and not 0.5 <= q.value / full <= 2 and not 0.5 <= q.value / total <= 2)
               for q in frame.quantities if q.unit in ("params", "count")):
            matrix = False
            params.pop("d"), params.pop("k")
    figures, specific, several = _figures(frame, params, matrix)
    if not figures and frame.has("b2m") and not matrix:  # "from billions to millions"
        params["claim"] = "billions_to_millions"
        return {**params, "_open": [n for n, k in (("the model", "model"), ("the rank", "r"),
                                                   ("the adapted modules", "modules"))
                                    if not params.get(k)]}
    if not figures:
        return "no percentage, ratio or count of parameters is stated"
    kinds = [f.split(":")[0] for f in figures]
    if not matrix and not params.get("model"):
        if "lora" in kinds and "full" in kinds and len(figures) >= 3:
            return {"claim": "arithmetic", "figures": ";".join(figures)}
        if "full" in kinds and "lora" not in kinds and not {"frac", "red", "ratio"} & set(kinds):
            return "only a model's total is stated, not what LoRA trains"
    primary = next(k for k in ("frac", "red", "ratio", "lora", "full") if k in kinds)
    if primary == "ratio" and len(_FILE_SIZES.findall(frame.text)) >= 2 \
            and not any(q.unit in ("params", "count", "pct") and q.value > 64
                        for q in frame.quantities):
        # "compared with the 13.5 GB checkpoint, a 16.8 MB adapter is 800 times smaller": a
        # ratio of the two stated sizes (with their dtypes), not of parameter counts
        return "a ratio set between stated sizes in bytes, not between parameter counts"
    if primary == "full":
        _, _, value, _, tol = figures[kinds.index("full")].split(":")
        if matrix or params.get("model") and not 0.5 <= float(value) / PRESETS[
                params["model"]].total_params() <= 2:
            # a matrix's own size, or a count far from the model's: what it counts is not read
            return "a count that is neither what LoRA trains nor the model's size"
        said = next((q for q in frame.quantities if q.unit in ("params", "count")
                     and abs(q.value - float(value)) <= 1e-6 * float(value)), None)
        if not frame.polarity and said is not None \
                and not _DENIED_COUNT.search(frame.text, max(0, said.span[0] - 30), said.span[0]):
            # "we need no gradients for those 70B parameters": what is done to the parameters
            # is denied, not their number
            return "a denial of something done to the model's parameters, not of their count"
        if said is not None and _named_between(frame, skip, said, size_b):
            # "Llama-2-7B has 6,738,415,616 parameters and Llama-3-8B has 8,030,261,248": the
            # total after a second model's name is that model's
            return "a total stated after a second model's name: which model it is of is not read"
        if params.get("model") and not bare:  # "GPT-3 175B has 175,255.8M parameters"
            return {"claim": "total", "model": params["model"], "billions": float(value) / 1e9,
                    "tol": max(float(tol), 0.005)}
        return "only the full count is stated, not what LoRA trains"
    params.update(claim={"frac": "fraction", "red": "reduction_pct", "ratio": "ratio",
                         "lora": "count"}[primary], figures=";".join(figures),
                  specific=specific and bool(matrix or params.get("model")))
    _legacy(params, figures[kinds.index(primary)])
    unstated = ([] if matrix else [n for n, k in (("the model", "model"), ("the rank", "r"))
                                   if not params.get(k)])
    if not matrix and not params.get("modules"):
        # every set of adapted modules is bounded by one module and all linear layers: the
        # measurement refutes only a figure no set of modules gives (`run` decides it)
        params["modules_open"] = True
    if matrix and "r" not in params:
        unstated = ["the rank"]
    if bare:
        # any architecture of that size may be meant: `run` refutes only what none gives
        params["bare_b"] = float(bare[:-1])
        if not model.get("definite"):  # ("the 13B": the model named before, held to its shape)
            params["_condition"] = f"for a model shaped as {params['model']} (the claim says " \
                                   f"only 'a {bare} model')"
    segments = _segments_of(frame, params) if c.get("ranks") and not matrix else ""
    if segments:
        params.update(segments=segments, r=0)
        unstated = [u for u in unstated if u != "the rank"]
    elif c.get("module_parts") and params.get("model") and params.get("r") and not matrix \
            and not bare and (segments := _module_segments_of(frame, params)):
        # each set of adapted modules with its own figures: each checked on its own set
        params.update(segments=segments, modules="")
        params.pop("modules_open", None)
    if not segments and len({r for r, _ in c.get("ranks") or ()}) > 1 \
            and sum(q.unit == "pct" for q in frame.quantities) > 1:
        # "the 0.06% figure holds only at rank 8; at rank 64 it is about 0.5%": a figure for
        # each rank, the first before its rank is named
        return "several ranks are named with several figures: which figure is whose is not read"
    if c.get("module_parts") and not segments:
        # "with r=8 on all 7 linear projections the count should be 19,988,480; that number is
        # q/v only" (the other figure set aside): the set of modules whose part holds the
        # figures stated
        holding = {name for name, (a, b) in c["module_parts"] for q in frame.quantities
                   if a <= q.span[0] < b and (q.unit in ("params", "pct", "x")
                                              or q.unit == "count" and q.value >= 1000)}
        if len(holding) == 1:
            params["modules"] = holding.pop()
    if several and not segments:
        unstated.append("which configuration each of the stated counts is for")
    if frame.has("layer_subset"):
        params["layer_subset"] = True
    if frame.has("extra_trained"):  # "plus a newly trained 101-class head": LoRA's and more
        unstated.append("the size of the other parts it trains (a head, embeddings)")
    same = _same_as(frame.text, params.get("model", ""))
    if same and not matrix and not segments:
        params["same_as"] = same
    return {**params, "_open": unstated}


# "the same as on Llama-2-7B", "exactly the same ~40M as Llama-2-7B": another model whose count
# the sentence says this one's equals
_SAME_AS = re.compile(r"\b(?:the\s+)?same\b(?:\s+[~\w.,-]+){0,4}?\s+(?:as|like)\s+"
                      r"(?:on\s+|for\s+|in\s+|with\s+)?(?:a\s+|an\s+|the\s+)?"
                      r"(?P<m>[A-Za-z][\w.]*(?:[- ][\w.]+){0,3})", re.I)


def _same_as(text: str, model: str) -> str:
    """The preset another model named after "the same (...) as" is, where it is not `model`."""
    for m in _SAME_AS.finditer(text):
        words = m.group("m").replace("'s", "").split(" ")
        for n in range(len(words), 0, -1):
            found = find_preset(" ".join(words[:n]).rstrip(".,;:"))
            if found is not None:
                return found.name if found.name != model else ""
    return ""


def _segments_of(frame: Frame, params: dict[str, Any]) -> str:
    """'8@figures#256@figures' when the sentence names several ranks, each followed by its own
    figures ('rank 8 adds 4.2M (0.06%), while rank 256 adds 20.3M (0.3%)'); '' when a rank
    has none, or figures come before the first."""
    import dataclasses

    ranks = frame.conditions["ranks"]
    first = ranks[0][1]
    if any(q.span[0] < first and q.unit in ("pct", "x") for q in frame.quantities):
        return ""
    out = []
    after = [q for q in frame.quantities if q.unit in ("count", "params") and q.value >= 1000
             and q.span[0] > ranks[-1][1] and q.role != "model"]
    # "from r=8 to r=64 ... from about 20.0M to 159.9M": the counts' change follows the
    # ranks', one count for each rank in order
    paired = len(ranks) == 2 and len(after) == 2 and _RANK_FROM_TO.search(frame.text) \
        and _COUNT_FROM_TO.search(frame.text) \
        and not any(q.unit == "pct" for q in frame.quantities)
    for i, (r, at) in enumerate(ranks):
        end = ranks[i + 1][1] if i + 1 < len(ranks) else len(frame.text)
        mine = (after[i],) if paired else tuple(
            q for q in frame.quantities if at <= q.span[0] < end)
        part = dataclasses.replace(frame, quantities=mine, conditions={
            **frame.conditions, "r": r})
        figures, _, several = _figures(part, {**params, "r": r}, False)
        figures = [f for f in figures if not f.startswith("full:")]
        if paired and not figures:  # ("from 19,988,480 to ...": the count after "from" is the
            figures = [_encode("lora", after[i])]  # first rank's, not a width mapped from)
        if not figures and i == 0 and len(ranks) == 2 and _RANK_FROM_TO.search(frame.text) \
                and sum(q.unit in ("count", "params") and q.value >= 1000
                        for q in frame.quantities) == 1:
            continue  # "going from r=16 to r=32 ... gives 83,886,080": the figure is r=32's
        if not figures or several:
            return ""
        out.append(f"{r}@{';'.join(figures)}")
    return "#".join(out)


def _module_segments_of(frame: Frame, params: dict[str, Any]) -> str:
    """'8/qv@figures#8/all@figures' when each part of the sentence that names a set of
    adapted modules states figures of its own; '' when a part states none, or several counts."""
    import dataclasses

    out = []
    ranks = frame.conditions.get("ranks") or ()
    for name, (a, b) in frame.conditions["module_parts"]:
        mine = tuple(q for q in frame.quantities if a <= q.span[0] < b)
        # each part's own rank where the sentence names several ("... with r=16 should read
        # 41,943,040; the 3,407,872 is the q/v default at r=8")
        own = {r for r, at in ranks if a <= at < b}
        if len({r for r, _ in ranks}) > 1 and len(own) != 1:
            return ""
        r = own.pop() if own else params["r"]
        part = dataclasses.replace(frame, quantities=mine, conditions={**frame.conditions,
                                                                       "r": r})
        figures, _, several = _figures(part, {**params, "r": r}, False)
        figures = [f for f in figures if not f.startswith("full:")]
        if not figures and len(mine) == 1 and mine[0].span == (a, b) \
                and mine[0].unit in ("count", "params") and mine[0].value >= 1000:
            # "from q+v to all seven projections ... from 3.4M to about 21M": the part is the
            # count itself, the one its module set changes from
            figures = [_encode("lora", mine[0])]
        if not figures or several:
            return ""
        out.append(f"{r}/{name}@{';'.join(figures)}")
    return "#".join(out)


# what a change adds: "... adds about 120 million", "... increases the count by 30M"
_ADDS_AFTER = re.compile(r"\b(?:adds?|adding|added|increases?\s+(?:[\w-]+\s+){0,3}?by|"
                         r"raises?\s+(?:[\w-]+\s+){0,3}?by|(?:another|an\s+extra|an\s+additional))"
                         r"\s+(?:about\s+|roughly\s+|around\s+|~\s*)?\d", re.I)
# a change of rank: "from r=16 to r=32", "from rank 8 up to rank 64"
_RANK_FROM_TO = re.compile(r"\bfrom\s+(?:r\s*=\s*|rank\s+)?\d{1,4}\s+(?:up\s+|down\s+)?to\s+"
                           r"(?:r\s*=\s*|rank\s+)?\d{1,4}\b", re.I)


# a change of count: "from about 20.0M to 159.9M"
_COUNT_FROM_TO = re.compile(r"\bfrom\s+(?:about\s+|roughly\s+|around\s+|~\s*)?\d[\d.,]{0,15}\s*"
                            r"(?:[KMB]\b|thousand|million|billion)?\s*(?:[\w-]+\s+)?(?:up\s+)?to\s+"
                            r"(?:about\s+|roughly\s+|around\s+|~\s*)?\d", re.I)


def _legacy(params: dict[str, Any], item: str) -> None:
    """The primary figure in the single-figure parameters (read by the explanations)."""
    kind, bound, value, high, tol = item.split(":")
    v = float(value)
    if kind == "frac":
        params.update(pct=0.0 if bound == "le" else v, pct_high=v if bound == "le" else float(
            high), tol=float(tol))
    elif kind == "red":
        params.update(pct=v)
    elif kind == "ratio":
        params.update(ratio=v, upto=bound == "le", tol=float(tol))
    else:
        params.update(count=v, tol=float(tol))


def _figures(frame: Frame, params: dict[str, Any], matrix: bool
             ) -> tuple[list[str], bool, bool]:
    """Every figure the frame states (encoded), whether they name one configuration (a count
    with its share or total), and whether several LoRA counts (or shares) are stated."""
    c = frame.conditions
    skip = [frame.spans[n] for n in ("model", "d", "r") if n in frame.spans]
    # d, k and (at a stated rank above 1) d + k are dimensions, not counts ("8 * 8192")
    dims = {c.get("d"), c.get("k")} - {None, 0}
    if c.get("r", 1) > 1:
        dims.add((c.get("d") or 0) + (c.get("k") or 0))
    quality = frame.has("quality")  # task scores stand beside the shares: keep only those
    # (not a change: "~3% more trainable params" with DoRA is a relative increase, not a share)
    pcts = [q for q in frame.quantities if q.unit == "pct" and 0 < q.value <= 100
            and not (quality and 5 <= q.value < 99)
            and not _PCT_CHANGE.match(frame.text, q.span[1])]
    if quality and any(q.value < 5 for q in pcts):  # "99% of the quality with 0.1% of ..."
        pcts = [q for q in pcts if q.value < 5]
    if quality and len(pcts) > 1 and "predicate" in frame.spans:  # the share beside the words
        at = sum(frame.spans["predicate"]) / 2
        pcts = [min(pcts, key=lambda q: abs(sum(q.span) / 2 - at))]
    # beside "3x less memory", only a ratio of the size parameter cuts have (>= 20x) is read
    # (a factor said of memory, "a threefold drop in GPU memory", is not a parameter ratio)
    ratios = [q for q in frame.quantities if q.unit == "x" and q.value >= (
        20 if frame.has("other_ratio") else 1) and not _OF_MEMORY.match(frame.text, q.span[1])
        and not _OF_THAT.match(frame.text, q.span[1])
        and not _OF_SPEED.match(frame.text, q.span[1])
        and not _GROWS_BY.search(frame.text, max(0, q.span[0] - 60), q.span[0])
        # ("LoRA trains 4.2M, about 51 times more than that prompt": the method set against a
        # smaller one, not against the full model)
        and not (frame.subject != "full_ft" and _MORE_AFTER.match(frame.text, q.span[1]))]
    # (one matrix's count may be small when said in parameters: "adds only r² = 64 parameters")
    counts = [q for q in frame.quantities if q.unit in ("params", "count")
              and (q.value >= 1000 or matrix and q.unit == "params" and q.value >= 1
                   and not _GROUP_BEFORE.search(frame.text, 0, q.span[0])
                   or matrix and q.unit == "count" and q.value >= 1
                   and _COUNT_IS.search(frame.text, max(0, q.span[0] - 80), q.span[0])
                   and not _FACTOR_AFTER.match(frame.text, q.span[1]))
              and not _inside(q, skip) and q.value not in dims
              and (q.role not in ("model", "part", "items")  # ("a thousand of them")
                   # (one matrix's count "per matrix", where the matrix is the one stated)
                   or matrix and q.role == "part" and _PER_MATRIX.match(frame.text, q.span[1]))
              and not _other_method(frame, q)  # "... 4,456,448 for DoRA"
              and not (frame.has("one_in") and q.unit == "count")  # "1 in a 1000"
              and not _structural(frame.text, q)]
    true = [q for q in counts if _TRUE_FIGURE.search(frame.text, max(0, q.span[0] - 50),
                                                      q.span[0])]
    if len(true) == 1:  # "the paper's 8.4M ... is double the true figure of about 4.2M": the
        counts = true  # writer's own figure is the one called true; the other is quoted
    if frame.has("pct_label") and not pcts:  # "trainable%: 0.0503"
        small = [q for q in frame.quantities if q.unit == "count" and 0 < q.value < 100
                 and q.precision < 0.05 and not _inside(q, skip)]
        pcts = small[-1:]
    out: list[str] = []
    if matrix:
        full = params["d"] * params["k"]
        lora = params["r"] * (params["d"] + params["k"]) if params.get("r") else None
        big = [q for q in counts if (abs(math.log(q.value / full)) < abs(math.log(
            q.value / lora)) if lora else q.value >= full / 2)]
    else:
        total = (PRESETS[params["model"]].total_params() if params.get("model") else
                 max((q.value for q in counts), default=0))
        big = [q for q in counts if q.value >= total / 2 and (params.get("model") or len(
            counts) > 1)]
    big = [q for q in big if not _TRAINED.search(q.text)]  # "294,912 LoRA parameters"
    small = [q for q in counts if q not in big]
    for q in small:
        out.append(_encode("lora", q))
    for q in big:
        out.append(_encode("full", q))
    for q in pcts:
        kind = "red" if q.value >= 50 else "frac"
        out.append(_encode(kind, q))
    for q in ratios:
        out.append(_encode("ratio", q))
    distinct = {round(math.log10(q.value), 1) for q in small}
    # two shares of the model one configuration cannot both give, in a sentence whose parts name
    # sets of modules of their own ("0.06% on q and v, but about 0.3% on every linear layer"):
    # figures of as many configurations, like two counts
    shares = [q.value for q in pcts if q.value < 50] if c.get("module_parts") else []
    if frame.has("one_in_le"):  # "fewer than 1 parameter in 1000": a share of at most 0.1%
        out += [figure("frac", "le", 100.0 / q.value, None, 0.0) for q in frame.quantities
                if q.unit == "count" and q.value >= 10 and math.log10(q.value).is_integer()][:1]
    specific = bool(small) and bool(big or pcts or ratios)
    return out[:6], specific, len(distinct) > 1 or bool(shares) and max(shares) > 1.5 * min(
        shares)


# A number that sizes the network, not what LoRA trains: "1024 features wide", "maps 3072 to
# 4096", "(12288 + 12288)", "96 layers x 2 matrices".
_SIZE_AFTER = re.compile(r"\s*(?:-\s*)?(?:output\s+|input\s+|hidden\s+)?(?:features?|wide|width|"
                         r"(?<=hidden\s)size|"
                         r"dims?|dimensions?|dimensional|heads?|layers?|channels?|tokens?|"
                         r"columns?|rows?|units?|neurons?)\b|\s*[x*+]\s*[\d(]", re.I)
_SIZE_BEFORE = re.compile(r"(?:\bmaps?\s+|\bfrom\s+|\b(?:width|hidden\s+size|dimension|d_model)\s+"
                          r"(?:of\s+|=\s*|:\s*)?|[x*+]\s*|"
                          # a model config's setting: "vocab_size=32000", "num_hidden_layers=32"
                          r"\b(?:\w{1,24}_(?:size|dim|heads|layers|embeddings)|num_\w{1,24})"
                          r"\s*[=:]\s*|"
                          # ... said in words: "(vocab 128,256; 8 KV heads)", "vocabulary of 32k"
                          r"\b(?:vocab(?:ulary)?|context(?:\s+(?:length|window))?|seq(?:uence)?"
                          r"\s+len(?:gth)?)(?:\s+size)?\s*(?:of\s+|=\s*|:\s*|is\s+)?)$", re.I)


# what follows a factor said of memory: "-fold drop in training GPU memory", "x less VRAM"
# "twice that in fp32": a multiple of a figure said before it (a size), not a parameter ratio
# ("eight times the rank-8 one": a multiple of another adapter's count)
# ("double the true figure of 4.2M": a multiple of another stated count)
_TRUE_FIGURE = re.compile(r"\bthe\s+(?:true|actual|real|correct|right)\s+(?:figure|count|number|"
                          r"value|total)\s+(?:is\s+|of\s+)?(?:about\s+|roughly\s+|around\s+|"
                          r"approximately\s+|~\s*)?$", re.I)
_OF_THAT = re.compile(r"\s*(?:that|this|those|these|as\s+much|the\s+size|"
                      r"the\s+(?:[\w=+/-]+\s+){0,2}?(?:one|ones|adapter|adapters|version|config|"
                      r"configuration|setup|setting|recipe|baseline|variant|"
                      r"run|figure|number|count|value|estimate))\b",
                      re.I)
# "multiplies the trainable count by 8x": the count's change, not its ratio to the model
_GROWS_BY = re.compile(r"\b(?:multipl\w*|grow\w*|grew|increas\w*|ris(?:e|es|ing)|rose|jump\w*|"
                       r"scal\w*|goes\s+up|went\s+up)\b[^.;]{0,50}?\bby\s+(?:about\s+|roughly\s+|"
                       r"~\s*)?$", re.I)
_MORE_AFTER = re.compile(r"\s*(?:more|larger|bigger|greater|as\s+many)\b", re.I)
# "trains up to 2x as fast": a speed, not a parameter ratio
_OF_SPEED = re.compile(r"\s*(?:as\s+fast|faster|quicker|(?:the\s+)?speed)\b", re.I)
_OF_MEMORY = re.compile(r"\s*(?:-?fold\s+)?(?:drop|cut|reduction|decrease|saving|less|lower|"
                        r"smaller)\s+(?:in\s+|of\s+)?(?:[\w-]+\s+){0,2}?(?:memory|VRAM)\b",
                        re.I)


def _other_method(frame: Frame, q: Any) -> bool:
    """Whether the sentence gives the count to another method by name ('4,456,448 for DoRA';
    QLoRA's and rsLoRA's counts are LoRA's)."""
    return q.role.startswith("of:") and q.role[3:] not in (frame.subject, "lora", "qlora",
                                                           "rslora", "loraplus", "peft")


# what a number counts when it is not parameters: "a thousand tenants", "8 adapters", "50 GPUs"
_THINGS_AFTER = re.compile(r"\s+(?:(?!(?:of|in|for|the|across|per|each|every|an?)\b)[\w/-]+\s+)"
                           r"{0,2}?"
                           r"(?:tenants?|customers?|users?|adapters|models|GPUs|"
                           r"requests|steps|examples|samples|epochs|files|checkpoints)\b", re.I)


def _structural(text: str, q: Any) -> bool:
    """Whether a number in `text` sizes the network (a width, an operand, the far side of a
    projection) or counts other things (tenants, adapters) rather than LoRA's parameters."""
    return bool(_SIZE_AFTER.match(text, q.span[1]) or _THINGS_AFTER.match(text, q.span[1])
                or _SIZE_BEFORE.search(text[max(0, q.span[0] - 20):q.span[0]])
                or _MAPPED_TO.search(text[max(0, q.span[0] - 40):q.span[0]]))


# "projects 4096 dimensions down to 1024": the width a projection maps onto
_MAPPED_TO = re.compile(r"\d\s*(?:features?|dims?|dimensions?|channels?|units?)\s+"
                        r"(?:(?:down|up)\s+)?(?:to|into|onto)\s+$", re.I)


def encode_figure(kind: str, q: Any) -> str:
    """One stated quantity as a `figures` item of `kind`, its tolerance from how it was
    written (for other verifiers that count parameters of other methods)."""
    return _encode(kind, q)


def _encode(kind: str, q: Any) -> str:
    bound = q.bound if q.bound in ("le", "ge", "range") else "eq"
    if bound == "range":  # the range is the tolerance
        tol = 0.02
    elif kind in ("red", "frac") and bound == "eq":  # a stated share: its last digit's half unit
        tol = q.precision / q.value if q.value else 0.0
        if q.bound == "approx" and kind == "frac":
            tol = max(tol, 0.05)
    else:
        tol = _tol(q)
    return figure(kind, bound, q.value, q.high, min(tol, 0.5))


def _tol(q: Any) -> float:
    """Relative tolerance from the precision the figure was stated with (at least 1%; an
    approximate figure, 5%)."""
    floor = 0.05 if q.bound == "approx" else 0.01
    return min(0.5, max(floor, q.precision / q.value if q.value else floor))


VERIFIER = Verifier(
    id="lora.param_count",
    reads_configuration=True,
    version=17,
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
        Param("segments", str, default="", help="several ranks, each with its own figures: "
              "'8@figures#256@figures'"),
        Param("bare_b", float, default=0.0, min=0.0, max=1e4, help="a bare model size in "
              "billions: refute only what no preset of that size gives"),
        Param("paper", bool, default=False,
              help="the sentence reports a paper's figure: a model it studied is judged in its "
                   "configuration"),
        Param("layer_subset", bool, default=False,
              help="LoRA is said to sit on some blocks only (no floor of every block applies)"),
        Param("modules_open", bool, default=False,
              help="the claim names no modules: refute only what no set of modules gives"),
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
        Param("figures", str, default="", help="every stated figure, 'kind:bound:value:high:tol'"
              " joined by ';' (kinds lora, full, frac, red, ratio), checked together"),
        Param("specific", bool, default=False, help="a count is stated with its share or "
              "total: the figures name one configuration"),
        Param("tol", float, default=0.05, min=0.0, max=1.0, help="relative tolerance"),
        Param("same_as", str, default="", help="another preset the count is said to equal "
              "('the same as on Llama-2-7B'): both are counted in the same configuration"),
    ),
    claims=(("lora", "trainable_params"), ("lora", "param_formula"), ("lora", "param_report"),
            ("full_ft", "trainable_params"), ("lora", "reduces_params")),
    to_params=to_params,
    examples=("For a 4096 x 4096 weight at rank 16, LoRA trains 99.2% fewer parameters.",
              "LoRA on GPT-3 175B with r=4 on the query and value projections trains about "
              "18.9 million parameters.",
              "The number of LoRA parameters for one layer is r(d+k)."),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=60.0,
)
