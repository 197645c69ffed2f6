"""Run the merge-latency verdict 10 times in a row and print verdicts and intervals side by side.

Shows whether the verdict flips on a noisy machine. Usage (from the repository root):
    PYTHONPATH=. python bench/merge_latency_stability.py [--repeats 10] [--device cpu]
            [--param k=v ...]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from verifiers.merge_latency import VERIFIER


def main() -> None:
    """Repeat the verdict for each claim variant and print one line per run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--param", action="append", default=[], help="k=v, passed to the verifier")
    args = ap.parse_args()
    extra = dict(kv.split("=", 1) for kv in args.param)
    variants = [("no_latency", "merged"), ("no_latency", "unspecified"),
                ("adds_latency", "merged")]
    print(f"{'claim':<13} {'weights':<12} {'run':>3}  {'verdict':<11} {'merged/base [95% CI]':<26}"
          f" {'unmerged/base [95% CI]':<26} rounds  secs")
    for claim, weights in variants:
        verdicts = Counter()
        for i in range(args.repeats):
            params = VERIFIER.resolve_params({"claim": claim, "weights": weights,
                                              "device": args.device, "seed": i, **extra})
            t0 = time.perf_counter()
            out = VERIFIER.run(params)
            secs = time.perf_counter() - t0
            m = out["measured"]["reference"]
            mr, ur = m["merged_vs_base"], m["unmerged_vs_base"]
            verdicts[out["verdict"]] += 1
            print(f"{claim:<13} {weights:<12} {i + 1:>3}  {out['verdict']:<11} "
                  f"{mr['ratio']:.3f} [{mr['low']:.3f}, {mr['high']:.3f}]{'':<5} "
                  f"{ur['ratio']:.3f} [{ur['low']:.3f}, {ur['high']:.3f}]{'':<5} "
                  f"{m['rounds']:>6}  {secs:.1f}")
        flips = "stable" if len(verdicts) == 1 else "FLIPPED"
        print(f"  -> {claim}/{weights}: {dict(verdicts)} ({flips})")


if __name__ == "__main__":
    main()
