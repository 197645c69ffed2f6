"""Timing that survives a noisy machine: interleaved repetitions, medians, bootstrap intervals.

Candidates are timed in rotating order inside every round, so drift (another process, thermal
state) hits all of them alike; a verdict is drawn from confidence intervals, not single runs.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any


def interleaved_times(fns: dict[str, Callable[[], object]], *, rounds: int = 30, warmup: int = 3,
                      device: str = "cpu") -> dict[str, list[float]]:
    """Seconds per call of each function, `rounds` samples each, interleaved, after warm-up.

    On CUDA each sample is measured with CUDA events around the call (synchronised after).
    """
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
    samples: dict[str, list[float]] = {n: [] for n in names}
    for i in range(rounds):
        order = names[i % len(names):] + names[: i % len(names)]
        for name in order:
            samples[name].append(_time_once(fns[name], device))
    return samples


def _time_once(fn: Callable[[], object], device: str) -> float:
    if device.startswith("cuda"):
        import torch

        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1000.0
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bootstrap_ratio(a: list[float], b: list[float], *, n: int = 2000, level: float = 0.95,
                    seed: int = 0) -> tuple[float, float, float]:
    """median(a) / median(b) with a bootstrap confidence interval: (point, low, high)."""
    rng = random.Random(seed)
    ratios = []
    for _ in range(n):
        ra = statistics.median(rng.choices(a, k=len(a)))
        rb = statistics.median(rng.choices(b, k=len(b)))
        ratios.append(ra / rb)
    ratios.sort()
    lo = ratios[int((1 - level) / 2 * n)]
    hi = ratios[min(n - 1, int((1 + level) / 2 * n))]
    return statistics.median(a) / statistics.median(b), lo, hi


def bootstrap_paired_ratio(a: list[float], b: list[float], *, n: int = 2000, level: float = 0.95,
                           seed: int = 0) -> tuple[float, float, float]:
    """Median of the per-round ratios a[i] / b[i] with a bootstrap confidence interval.

    For samples from `interleaved_times`: a[i] and b[i] were taken in the same round, so a slow
    spell on a shared machine hits both and cancels in their ratio, which `bootstrap_ratio`
    (medians of independent resamples) cannot use.
    """
    if len(a) != len(b) or not a:
        raise ValueError("paired samples must be non-empty and of equal length")
    rng = random.Random(seed)
    per_round = [x / y for x, y in zip(a, b, strict=True)]
    medians = sorted(statistics.median(rng.choices(per_round, k=len(per_round)))
                     for _ in range(n))
    lo = medians[int((1 - level) / 2 * n)]
    hi = medians[min(n - 1, int((1 + level) / 2 * n))]
    return statistics.median(per_round), lo, hi


def forward_work(models: dict[str, Any], device: str = "cpu") -> dict[str, dict[str, int]]:
    """Torch-level operations and FLOPs of one forward pass of each model (deterministic): what
    a model does per token, which timings on a shared machine only estimate."""
    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils.flop_counter import FlopCounterMode

    from verifiers._tiny import random_tokens

    class CountOps(TorchFunctionMode):
        """Counts every torch function and tensor method called during a forward pass."""

        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.calls += 1
            return func(*args, **(kwargs or {}))

    tokens = random_tokens(1, 8, vocab=256, seed=4).to(device)
    out = {}
    for name, model in models.items():
        with torch.inference_mode():
            with CountOps() as ops:
                model(tokens)
            flops = FlopCounterMode(display=False)
            with flops:
                model(tokens)
        out[name] = {"torch_ops": ops.calls, "flops": int(flops.get_total_flops())}
    return out
