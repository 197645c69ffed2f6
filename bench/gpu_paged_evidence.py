"""Record GPU evidence for the paged-optimizer claims: one measurement, judged for every
combination of the verifier's claim parameters (what is paged, where to, when), one evidence
file each, and a table of the readings.

Needs only torch and bitsandbytes (not kbcheck), so it runs on a GPU machine as it is.

    python bench/gpu_paged_evidence.py --out reports/evidence
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifiers._evidence import write_evidence  # noqa: E402
from verifiers.paged_optimizer import TO, VERIFIER, WHAT, WHEN, judge  # noqa: E402

MB = 1e6


def combinations() -> list[dict]:
    """Every claim the pairing can give, at the verifier's default measurement size."""
    return [VERIFIER.resolve_params({"paged": w, "to": t, "when": n})
            for w, t, n in itertools.product(WHAT, TO, WHEN)]


def table(m: dict) -> str:
    """The readings, one row per optimizer and stage, in MB."""
    rows = ["| optimizer | stage | card taken | allocator | outside allocator | host RSS |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, run in m["runs"].items():
        for stage in ("after_step", "after_evict", "after_next_step"):
            if stage in run:
                d = run[stage]
                rows.append(f"| {name} | {stage} | {d['card_taken'] / MB:,.0f} | "
                            f"{d['allocated'] / MB:,.0f} | {d['outside_allocator'] / MB:,.0f} | "
                            f"{d['host_rss'] / MB:,.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("reports/evidence"))
    args = ap.parse_args(argv)

    from verifiers._env import environment
    from verifiers._paged_measure import measure

    defaults = VERIFIER.defaults()
    t0 = time.perf_counter()
    m = measure(defaults["width"], defaults["layers"])
    took = time.perf_counter() - t0
    print(f"{m['params']:,} parameters, {m['layers']} layers of {m['width']}; "
          f"weights differ by {m['max_weight_diff']:.3g} after {m['steps']} steps "
          f"(moved {m['max_weight_moved']:.3g})")
    print(table(m))
    env = environment("cuda")
    for params in combinations():
        res = judge(params, m)
        res["duration_s"] = took
        res["environment"] = env
        path = write_evidence(args.out, VERIFIER.id, VERIFIER.version, params, res)
        print(f"{params['paged']:9} {params['to']:8} {params['when']:8} {res['verdict']:12} "
              f"{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
