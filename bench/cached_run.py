"""Time `kbcheck run` on a knowledge base: a cold run, then a re-run served by the cache.

    python bench/cached_run.py [KB_DIR] [--repeat N]

Prints the wall time of each run side by side and whether the re-run imported torch (read from
``python -X importtime``). Uses a fresh cache and output folder, so it leaves the repository's
own ``reports/`` and ``.kbcheck-cache/`` alone; it reads the recorded GPU evidence in
``reports/evidence/`` as `kbcheck run kb/` does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(kb: str, work: Path, importtime: bool = False) -> tuple[float, set[str], dict]:
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else [])
    cmd += ["-m", "kbcheck", "run", kb, "--out", str(work / "reports"), "--cache-dir",
            str(work / "cache"), "--evidence-dir", "reports/evidence", "--fail-on", "never"]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"kbcheck run failed ({done.returncode}): {done.stderr[-2000:]}")
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:")}
    report = json.loads((work / "reports" / "report.json").read_text())
    return wall, modules, report["runner"]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kb", nargs="?", default="kb")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cold, _, cold_stats = _run(args.kb, work)
        warm = [_run(args.kb, work)[0] for _ in range(args.repeat)]
        _, modules, warm_stats = _run(args.kb, work, importtime=True)
    print(f"cold run:   {cold:6.2f} s  ({cold_stats['executed']} verifier runs executed, "
          f"{cold_stats['workers_started']} worker processes)")
    print(f"cached run: {statistics.median(warm):6.2f} s  median of {args.repeat} "
          f"(min {min(warm):.2f}, max {max(warm):.2f}; {warm_stats['cached']} cached, "
          f"{warm_stats['executed']} executed)")
    print(f"cached run imported torch: {'torch' in modules}")


if __name__ == "__main__":
    main()
