"""bench/links.py still runs (tiny sizes, no markdown-link-check); figures are not checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "links.py"


def test_bench_runs_and_resolves_fifty_arxiv_ids_in_one_request():
    done = subprocess.run([sys.executable, str(BENCH), "--urls", "40", "--hosts", "2",
                           "--no-mlc"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["urls"] == 40 and figures["arxiv_requests"] == 1
