"""Run a latency verifier N times with the same parameters and print the verdicts side by side.

A verdict drawn from timings must not flip between runs on a noisy machine: this prints one
line per run (verdict, seconds, the head of the explanation) and then the count of each
verdict, with STABLE or FLIPPED. CPU figures are the ones that decide in CI.

    PYTHONPATH=. python bench/latency_stability.py                       # merge_latency, 10 runs
    PYTHONPATH=. python bench/latency_stability.py --param claim=not_slower_by \\
        --param weights=unmerged --param size_unit=pct --param size_low=45 --param size_high=50
    PYTHONPATH=. python bench/latency_stability.py --verifier lora.adapter_latency --runs 10
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifiers import registry  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Repeat one verifier run and print each verdict; exit 1 when the verdict flipped."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verifier", default="lora.merge_latency")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--param", action="append", default=[], help="k=v, passed to the verifier")
    ap.add_argument("--width", type=int, default=150, help="explanation characters shown")
    args = ap.parse_args(argv)
    verifier = registry(include_entry_points=False)[args.verifier]
    params = verifier.resolve_params(dict(kv.split("=", 1) for kv in args.param))
    print(f"{verifier.id} v{verifier.version} {params}")
    verdicts: Counter[str] = Counter()
    for i in range(args.runs):
        t0 = time.perf_counter()
        out = verifier.run(params)
        verdicts[out["verdict"]] += 1
        print(f"run {i + 1:>2}  {out['verdict']:<12} {time.perf_counter() - t0:6.1f} s  "
              f"{out['explanation'][:args.width]}", flush=True)
    print(f"verdicts: {dict(verdicts)} -> {'STABLE' if len(verdicts) == 1 else 'FLIPPED'}")
    return 0 if len(verdicts) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
