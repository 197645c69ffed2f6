"""The report's figures as data: what each one plots and where, computed from `Report` values.

Each function takes a claim's result or evidence and returns a plain dict (kind, size, marks
with their coordinates and labels) that `templates/figures.html.j2` draws as inline SVG, or
None when the evidence holds nothing to plot: a figure is never drawn from made-up values.
The dicts are the figures' golden data (tests/report/golden/figures.json).
"""

from __future__ import annotations

import math
import re
from typing import Any

from kbcheck.models import ClaimResult, Evidence
from kbcheck.report._view import number

GIB = 2**30
# Common GPU memory sizes (24 GB consumer cards, A100 40/80 GB, 48 GB workstation cards,
# H200 141 GB). The memory verifiers take a GPU sold as "48GB" as a 48 GiB limit, so the lines
# stand at those values on the GiB axis.
GPU_SIZES_GB = (24, 40, 48, 80, 141)
WIDTH = 760
LEFT = 250  # room for row labels
RIGHT = 20
NOTES = 230  # room right of a bar chart for each bar's value
ROW = 16


def _r(value: float) -> float:
    return round(value, 1)


def _linear(lo: float, hi: float, right: float = RIGHT) -> Any:
    span = (hi - lo) or 1.0
    return lambda v: _r(LEFT + (v - lo) / span * (WIDTH - LEFT - right))


def _log(lo: float, hi: float, right: float = RIGHT) -> Any:
    a, b = math.log(lo), math.log(hi)
    return lambda v: _r(LEFT + (math.log(v) - a) / ((b - a) or 1.0) * (WIDTH - LEFT - right))


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _spaced(ticks: list[dict[str, Any]], gap: float = 34) -> list[dict[str, Any]]:
    """Ticks left to right, dropping any that would print over the one before it; 1× stays."""
    out: list[dict[str, Any]] = []
    for tick in ticks:
        if out and tick["x"] - out[-1]["x"] < gap:
            if tick["label"] != "1×":
                continue
            out.pop()
        out.append(tick)
    return out


# --- latency: ratios to the base with their 95% intervals (a forest plot) ---------------------



def _setting_label(item: dict[str, Any], fallback: str) -> str:
    if "d" in item and "k" in item:
        return f"{item['d']}×{item['k']} b{item.get('batch', '?')} s{item.get('seq', '?')}"
    if "batch" in item:
        return f"batch {item['batch']}" + (f" seq {item['seq']}" if "seq" in item else "")
    return fallback


def _interval(node: dict[str, Any]) -> tuple[float, float, float] | None:
    """(ratio, low, high) of a timing entry in either verifier's shape, else None."""
    if all(isinstance(node.get(k), int | float) for k in ("ratio", "low", "high")):
        return node["ratio"], node["low"], node["high"]
    ci = node.get("ci95")
    if isinstance(node.get("ratio_to_base"), int | float) and isinstance(ci, list) \
            and len(ci) == 2 and all(isinstance(v, int | float) for v in ci):
        return node["ratio_to_base"], ci[0], ci[1]
    return None


def _intervals(measured: dict[str, Any]) -> list[tuple[str, str, tuple[float, float, float]]]:
    """(setting, series, interval) for every timed entry: merge_latency's `settings[]` and
    adapter_latency's `batch_small` / `batch_large`."""
    out = []
    settings = measured.get("settings")
    groups = ([(_setting_label(s, f"setting {i + 1}"), s) for i, s in enumerate(settings)
               if isinstance(s, dict)] if isinstance(settings, list) else
              [(_setting_label(v, k), v) for k, v in measured.items() if isinstance(v, dict)])
    for label, group in groups:
        for series, node in group.items():
            if isinstance(node, dict) and (iv := _interval(node)) is not None:
                out.append((label, series.replace("_", " "), iv))
    return out


def forest(ev: Evidence | None) -> list[dict[str, Any]]:
    """One forest plot per device the latency was measured on: each timed setting's ratio to
    the base with its 95% interval, and the tolerance band the verdict was judged against."""
    if ev is None:
        return []
    env = ev.environment or {}
    sources = [(str(env.get("device_name") or env.get("device") or "this machine"), ev.measured)]
    sources += [(f"{e.get('device')} ({e.get('date')})", e.get("measured") or {})
                for e in ev.elsewhere]
    tol = ev.params.get("tol")
    tol = float(tol) if isinstance(tol, int | float) and 0 < tol < 1 else None
    plots = []
    for device, measured in sources:
        rows = _intervals(measured) if isinstance(measured, dict) else []
        if rows:
            plots.append(_forest_plot(device, rows, tol))
    return plots


def _forest_plot(device: str, rows: list, tol: float | None) -> dict[str, Any]:
    values = [v for _, _, iv in rows for v in iv if v > 0]
    lo = min([*values, 1 - (tol or 0.05)]) * 0.95
    hi = max([*values, 1 + (tol or 0.05)]) * 1.05
    x = _log(lo, hi, NOTES - 60)
    top = 24
    series = list(dict.fromkeys(s for _, s, _ in rows))
    marks = []
    for i, (setting, name, (ratio, low, high)) in enumerate(rows):
        y = top + i * ROW + ROW / 2
        marks.append({"label": f"{setting} · {name}", "series": series.index(name), "y": y,
                      "x": x(max(ratio, lo)), "x_low": x(max(low, lo)),
                      "x_high": x(min(high, hi)),
                      "text": f"{number(ratio, 'ratio')} [{number(low, 'ratio')}, "
                              f"{number(high, 'ratio')}]"})
    height = top + len(rows) * ROW + 28
    ticks = [t for t in (0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 5, 10, 20, 50) if lo <= t <= hi]
    return {"kind": "forest", "title": f"Latency relative to the base layer, on {device}: "
            "median ratio and 95% interval", "width": WIDTH, "label_x": LEFT - 4,
            "x_notes": WIDTH - NOTES + 68, "height": height, "top": top,
            "bottom": top + len(rows) * ROW,
            "x_one": x(1.0), "marks": marks, "series": series,
            "band": {"x0": x(max(1 - tol, lo)), "x1": x(1 + tol),
                     "label": f"tolerance ±{number(tol * 100, 'pct')}"} if tol else None,
            "ticks": _spaced([{"x": x(t), "label": f"{t:g}×"} for t in ticks])}


# --- memory: peak memory against the claim's GPU and common GPU sizes --------------------------

def memory(ev: Evidence | None) -> dict[str, Any] | None:
    """Each measured configuration's peak allocated memory (GiB), with whether it fit, against
    the claim's GPU limit and the common GPU sizes; None without a measured peak."""
    if ev is None or not isinstance(ev.measured.get("configurations"), dict):
        return None
    bars = []
    for name, conf in ev.measured["configurations"].items():
        run = conf.get("run") if isinstance(conf, dict) else None
        if not isinstance(run, dict):
            continue
        stage = run.get("step") if isinstance(run.get("step"), dict) else run.get("load")
        peak = stage.get("peak_allocated") if isinstance(stage, dict) else None
        if not isinstance(peak, int | float):
            continue
        fits = conf.get("outcome") == "fits"
        part = str((run.get("ran_out") or {}).get("part") or "?").split(":")[0]
        where = "" if fits else f", ran out ({part})"
        bars.append({"label": f"{name.replace('_', ' ')}: {run.get('lora_dtype', '?')} LoRA, "
                              f"{run.get('optimizer', '?')}", "gib": peak / GIB, "fits": fits,
                     "note": f"peak {number(peak / GIB, 'gib')}{where}"})
    weights = ev.measured.get("weights_alone_gib")
    if isinstance(weights, int | float):
        bars.insert(0, {"label": "quantized weights alone", "gib": weights, "fits": None,
                        "note": number(weights, "gib")})
    if not bars:
        return None
    limit = ev.measured.get("limit_bytes")
    limit_gib = limit / GIB if isinstance(limit, int | float) else None
    hi = max([b["gib"] for b in bars] + [*GPU_SIZES_GB, limit_gib or 0]) * 1.04
    x = _linear(0, hi, NOTES)
    top = 44
    for i, bar in enumerate(bars):
        bar.update(y=top + i * 22, x0=x(0), x1=x(bar["gib"]), gib=round(bar["gib"], 3))
    lines = [{"x": x(g), "label": f"{g} GB", "y": top - 26 + 12 * (i % 2),
              "claim": limit_gib is not None and abs(g - limit_gib) < 0.5}
             for i, g in enumerate(GPU_SIZES_GB)]
    if limit_gib is not None and not any(line["claim"] for line in lines):
        lines.append({"x": x(limit_gib), "label": f"{number(limit_gib, 'gib')} (claim)",
                      "y": top - 38, "claim": True})
    step = _nice_step(hi)
    ticks = [{"x": x(t * step), "label": f"{t * step:g}"} for t in range(int(hi / step) + 1)]
    preset = ev.measured.get("preset") or ev.params.get("model") or ""
    return {"kind": "memory", "title": f"Peak GPU memory of {preset} training (GiB)".replace(
        " of  ", " "), "width": WIDTH, "height": top + len(bars) * 22 + 30, "top": top,
        "bottom": top + len(bars) * 22, "x_notes": WIDTH - NOTES + 8, "label_x": LEFT - 4,
        "bars": bars, "lines": lines, "ticks": ticks,
        "limit_gib": round(limit_gib, 3) if limit_gib is not None else None}


# --- stated vs measured on one axis -----------------------------------------------------------

def stated_measured(r: ClaimResult) -> dict[str, Any] | None:
    """The claim's stated number and the measured one on one axis (log when they are far
    apart); None unless both are numbers."""
    fig = r.figure
    if fig is None or not all(isinstance(v, int | float) and not isinstance(v, bool)
                              for v in (fig.stated, fig.measured)):
        return None
    stated, measured = float(fig.stated), float(fig.measured)
    log = min(stated, measured) > 0 and max(stated, measured) / min(stated, measured) > 20
    if log:
        lo, hi = min(stated, measured) / 2, max(stated, measured) * 2
        x = _log(lo, hi)
        ticks = [10.0**e for e in range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1)]
    else:
        span = abs(stated - measured) or abs(stated) or 1.0
        lo, hi = min(stated, measured) - span * 0.6, max(stated, measured) + span * 0.6
        x = _linear(lo, hi)
        step = _nice_step(hi - lo, 4)
        ticks = [t * step for t in range(math.ceil(lo / step), math.floor(hi / step) + 1)]
    key = "pct" if fig.unit == "%" else ""
    diff = (measured - stated) / stated * 100 if stated else None
    return {"kind": "stated", "title": fig.quantity or "stated vs measured", "unit": fig.unit,
            "width": WIDTH, "height": 70, "y": 34, "log": log, "x0": LEFT, "x1": WIDTH - RIGHT,
            "stated": {"x": x(stated), "label": f"stated {number(stated, key)}"},
            "measured": {"x": x(measured), "label": f"measured {number(measured, key)}"},
            "difference": f"{diff:+.2f}%" if diff is not None else "",
            "ticks": [{"x": x(t), "label": number(t, key)} for t in ticks]}


# --- open claims: where over model x rank x modules it holds ----------------------------------

_CONFIG = re.compile(r"^(?P<model>\S+) r=(?P<r>\d+) on (?P<modules>[^ ]+(?: linear)?)(?: in \S+)?$")


def _examples(measured: dict[str, Any]) -> tuple[list[tuple[dict[str, str], bool]], Any, Any]:
    """(parsed config, holds) for each recorded example, with the holding and total counts."""
    source = measured.get("adapter") if isinstance(measured.get("adapter"), dict) else measured
    found: list[tuple[Any, bool]] = []
    for key, holds in (("holding_examples", True), ("not_holding_examples", False)):
        found += [(e, holds) for e in source.get(key) or [] if isinstance(e, dict)]
    found += [(e, bool(e.get("holds"))) for e in source.get("examples") or []
              if isinstance(e, dict)]
    out = []
    for example, holds in found:
        match = _CONFIG.match(str(example.get("config", "")))
        if match:
            out.append((match.groupdict(), holds))
    return out, source.get("holding"), source.get("configurations")


def config_grid(ev: Evidence | None) -> dict[str, Any] | None:
    """For a claim judged over many configurations: one panel per module set, models by
    ranks, each recorded example marked holds / does not; cells the evidence did not record
    are left empty. None with fewer than two recorded examples."""
    if ev is None:
        return None
    examples, holding, total = _examples(ev.measured)
    if len(examples) < 2:
        return None
    models = list(dict.fromkeys(c["model"] for c, _ in examples))
    ranks = sorted({int(c["r"]) for c, _ in examples})
    modules = list(dict.fromkeys(c["modules"] for c, _ in examples))
    cell, gap, label_w, top = 22, 18, 90, 34
    panel_w = label_w + len(ranks) * cell
    state = {(c["model"], int(c["r"]), c["modules"]): h for c, h in examples}
    panels = []
    for p, mods in enumerate(modules):
        x0 = p * (panel_w + gap)
        cells = [{"x": x0 + label_w + j * cell, "y": top + i * cell,
                  "state": {True: "holds", False: "fails", None: "unknown"}[
                      state.get((m, r, mods))], "title": f"{m} r={r} on {mods}"}
                 for i, m in enumerate(models) for j, r in enumerate(ranks)]
        panels.append({"title": f"on {mods}", "x": x0, "x_cells": x0 + label_w, "cells": cells,
                       "ranks": [{"x": x0 + label_w + j * cell + cell / 2, "label": str(r)}
                                 for j, r in enumerate(ranks)]})
    shown = f"{len(examples)} recorded examples"
    counts = (f"holds for {holding} of {total} configurations; "
              if isinstance(holding, int) and isinstance(total, int) else "")
    return {"kind": "grid", "title": f"Where the claim holds: model × rank × modules ({counts}"
            f"{shown}, the rest not recorded)", "cell": cell, "top": top,
            "width": max(len(modules) * (panel_w + gap), 200), "label_w": label_w,
            "height": top + len(models) * cell + 8, "panels": panels,
            "models": [{"y": top + i * cell + cell / 2, "label": m} for i, m in enumerate(models)]}


def for_claim(r: ClaimResult) -> list[dict[str, Any]]:
    """Every figure one claim's result has data for, in the order the page shows them."""
    out = []
    if (sm := stated_measured(r)) is not None:
        out.append(sm)
    seen = set()
    for ev in [r.evidence, *(f.evidence for f in r.frames)]:
        key = ev and (ev.verifier, repr(sorted(ev.params.items())))
        if ev is None or key in seen:
            continue  # frames that share a run share its evidence
        seen.add(key)
        out += forest(ev)
        out += [f for f in (memory(ev), config_grid(ev)) if f is not None]
    return out
