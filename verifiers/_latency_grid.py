"""Base, merged and unmerged LoRA layers timed at the sizes people mean, over a grid.

Layer shapes of a 7B LLaMA (hidden 4096, MLP 11008: the attention projections are 4096 x 4096,
gate/up 11008 x 4096), plus a small 512 x 512 layer where the claim names no model. Rows per
forward pass are batch x sequence length: one decoding step at batch 1 and at a larger batch,
and a prompt of one sequence and of a few. Each (shape, rows) setting times base, merged and
the unmerged layer at each rank interleaved (`_timing`), with rounds bounded by a time budget
per setting, so a 4096 x 11008 layer on one CPU thread still finishes in seconds. Every
candidate holds its own weights (at most four 180 MB copies at 4096 x 11008 in fp32).
"""

from __future__ import annotations

import copy
import time
from typing import Any

SHAPES_7B = ((4096, 4096), (11008, 4096))  # (out, in): q/k/v/o and gate/up of LLaMA-7B
SHAPE_SMALL = (512, 512)
RANKS = (8, 64)
# (batch, seq): decoding at batch 1 and 8, a prompt of 128 tokens alone and four of them.
# A layer's time depends on rows = batch x seq only; both are kept to say what was run.
ROWS_CPU = ((1, 1), (8, 1), (1, 128), (4, 128))
ROWS_CUDA = ((1, 1), (16, 1), (1, 512), (8, 512))
MAX_ROWS = {"cpu": 1024, "cuda": 16384}  # a stated batch x seq above this is timed at it


def settings(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The (shape, batch, seq, ranks) settings to time: the claim's values where stated."""
    device = params["device"]
    ranks = (params["r"],) if params["r"] else RANKS
    if params["batch"] or params["seq"]:
        rows = ((params["batch"] or 1, params["seq"] or 1),)
    else:
        rows = ROWS_CUDA if device == "cuda" else ROWS_CPU
    out = []
    for d, k in SHAPES_7B:
        # The wide MLP layer only at the smallest and largest rows: time stays bounded.
        picked = rows if (d, k) == SHAPES_7B[0] or len(rows) == 1 else (rows[0], rows[-1])
        out += [{"d": d, "k": k, "batch": b, "seq": s, "ranks": ranks} for b, s in picked]
    if not params["model_stated"]:
        out.append({"d": SHAPE_SMALL[0], "k": SHAPE_SMALL[1], "batch": 1, "seq": 16,
                    "ranks": ranks, "small": True})
    return out


def _dtype(name: str) -> Any:
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[name]


def time_setting(setting: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Interleaved times of base, merged and unmerged (each rank) at one setting; ratios."""
    import torch
    from torch import nn

    from verifiers._lora import make_lora_linear
    from verifiers._timing import bootstrap_paired_ratio, interleaved_times

    device, dtype = params["device"], _dtype(params["dtype"])
    gen = torch.Generator().manual_seed(params["seed"])
    d, k = setting["d"], setting["k"]
    rows = min(setting["batch"] * setting["seq"], MAX_ROWS[device])
    base = nn.Linear(k, d, bias=False)
    with torch.no_grad():
        base.weight.normal_(0.0, k ** -0.5, generator=gen)
    loras: dict[str, Any] = {}
    for r in setting["ranks"]:  # built on the CPU with one generator, then moved
        # Its own copy of W0: a weight shared by several candidates stays warm in a large
        # cache and makes them look faster than a layer read once (measured: +50% at 4096).
        own = nn.Linear(k, d, bias=False)
        with torch.no_grad():
            own.weight.copy_(base.weight)
        lora = make_lora_linear(own, r, params["alpha"], generator=gen)
        with torch.no_grad():
            lora.lora_B.normal_(0.0, 0.02, generator=gen)
        loras[f"unmerged_r{r}"] = lora
    merged = nn.Linear(k, d, bias=False)  # any rank's merge is a plain layer of this shape
    with torch.no_grad():
        merged.weight.copy_(base.weight + next(iter(loras.values())).delta_weight())
    modules = {"base": base, "merged": merged, **loras}
    for m in modules.values():
        m.to(device=device, dtype=dtype)
    x = torch.randn(rows, k, generator=gen).to(device=device, dtype=dtype)
    one = _calls(base, x, 1)
    for _ in range(2):  # the second call is timed: the first one pays for warm-up
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        one()
        if device == "cuda":
            torch.cuda.synchronize()
    t_base = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, min(200, round(0.004 / t_base)))  # a sample is at least ~4 ms of work
    per_round = t_base * inner * len(modules)
    rounds = max(8, min(params["rounds"], int(params["budget_s"] / per_round)))
    samples = interleaved_times({n: _calls(m, x, inner) for n, m in modules.items()},
                                rounds=rounds, warmup=2, device=device)
    median = {n: sorted(s)[len(s) // 2] / inner for n, s in samples.items()}
    out: dict[str, Any] = {**{key: setting[key] for key in ("d", "k", "batch", "seq")},
                           "rows_timed": rows, "small": bool(setting.get("small")),
                           "rounds": rounds, "inner_calls": inner,
                           "median_ms": {n: 1e3 * t for n, t in median.items()}}
    for name in modules:
        if name != "base":
            point, low, high = bootstrap_paired_ratio(samples[name], samples["base"])
            out[name] = {"ratio": point, "low": low, "high": high,
                         "added_ms": 1e3 * (median[name] - median["base"])}
    del base, merged, loras, modules
    return out


def _calls(module: Any, x: Any, inner: int) -> Any:
    import torch

    def call() -> None:
        with torch.inference_mode():
            for _ in range(inner):
                module(x)
    return call


# What one process has already timed, by the parameters the timing depends on: claims that
# differ only in what they state about the times (a size, merged or not) are judged on the same
# measurement, taken once per worker (a warm worker keeps it across the jobs of a run).
_MEASURED: dict[tuple, list[dict[str, Any]]] = {}
_TIMING_KEYS = ("device", "dtype", "threads", "rounds", "budget_s", "seed", "alpha", "r",
                "batch", "seq", "model_stated")


def measure_grid(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting of `settings(params)`, timed once per process for the same timing
    parameters; CPU on `threads` threads while timing."""
    key = tuple(params.get(k) for k in _TIMING_KEYS)
    if key not in _MEASURED:
        if len(_MEASURED) >= 16:
            _MEASURED.pop(next(iter(_MEASURED)))
        _MEASURED[key] = _measure_grid(params)
    return copy.deepcopy(_MEASURED[key])


def _measure_grid(params: dict[str, Any]) -> list[dict[str, Any]]:
    import torch

    if params["device"] == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device=cuda requested but no CUDA device is available")
    threads = torch.get_num_threads()
    if params["device"] == "cpu":
        # Few threads: on a shared machine thread contention is the largest source of noise.
        torch.set_num_threads(params["threads"])
    try:
        return [time_setting(s, params) for s in settings(params)]
    finally:
        torch.set_num_threads(threads)
