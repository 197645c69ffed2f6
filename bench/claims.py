"""Claim understanding at scale: extraction + frames + pairing for N synthetic articles, in one
process and over the cores, side by side (what `kbcheck claims` and `kbcheck run` do).

The articles are the seed articles (kb/) with their numbers varied per copy, so no two copies
share their sentences; what is timed is what `kbcheck claims` does after loading: extract the
claims, read each into frames, pair them with verifiers. No torch is imported (checked).

    python bench/claims.py --articles 10000
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def synthetic(n: int, seed: int = 0) -> list:
    """`n` articles: the seeds, each number in a copy replaced by a random one."""
    from kbcheck.loaders import load_file

    seeds = [load_file(p).article for p in sorted((ROOT / "kb").iterdir()) if p.is_file()]
    seeds = [a for a in seeds if a is not None]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        base = seeds[i % len(seeds)]
        vary = (lambda m: str(rng.randint(1, 9999)))  # noqa: E731 - a one-line substitution
        facts = [f.model_copy(update={"statement": re.sub(r"\d+", vary, f.statement or "")})
                 for f in base.atomic_facts]
        out.append(base.model_copy(update={"path": f"{i}-{base.path}", "atomic_facts": facts,
                                           "body": re.sub(r"\d+", vary, base.body)}))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    args = ap.parse_args(argv)
    from kbcheck.pipeline import claims_and_pairings
    from verifiers import registry

    articles = synthetic(args.articles)
    reg = registry()
    figures = {}
    for name, parallel in (("one process", False), ("over the cores", True)):
        started = time.perf_counter()
        claims, pairings = claims_and_pairings(articles, reg, [], parallel=parallel)
        figures[name] = time.perf_counter() - started
    paired = sum(p.verifier is not None for p in pairings)
    print(f"{len(articles):,} articles, {len(claims):,} claims ({paired:,} paired), extracted, "
          "read into frames and paired: " + ", ".join(
              f"{name} {s:.1f} s ({len(claims) / s:,.0f} claims/s)" for name, s in figures.items())
          + f"; torch imported: {'torch' in sys.modules}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
