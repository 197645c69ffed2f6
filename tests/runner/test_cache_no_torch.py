"""The result cache: keys, what is cached, and a fully cached run that never imports torch."""

import json
import os
import subprocess
import sys
from pathlib import Path

from fixture_verifiers import COUNT, CRASH

from kbcheck.cache import ResultCache

ROOT = Path(__file__).resolve().parents[2]

# Runs the pipeline on seed 003 with the test verifiers and a cache, in a fresh interpreter,
# and reports what it saw: verdicts, runner stats, and whether torch got imported.
SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from articles import seed
from fixture_verifiers import registry
from kbcheck.cache import ResultCache
from kbcheck.pipeline import check_articles
from kbcheck.runner import RunOptions
report = check_articles([seed(3)], registry=registry(),
                        options=RunOptions(cache=ResultCache(sys.argv[1])))
print(json.dumps({"torch": "torch" in sys.modules, "runner": report.runner,
                  "verdicts": {r.claim.text: r.verdict for r in report.claims},
                  "seconds": time.perf_counter() - t0}))
"""


def _run_script(cache_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(cache_dir)], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_cached_rerun_imports_no_torch_and_runs_nothing(tmp_path):
    first = _run_script(tmp_path)
    assert first["runner"]["executed"] >= 1 and first["runner"]["workers_started"] >= 1
    second = _run_script(tmp_path)
    assert second["torch"] is False
    assert second["runner"]["executed"] == 0 and second["runner"]["workers_started"] == 0
    assert second["runner"]["cached"] == first["runner"]["executed"]
    assert second["verdicts"] == first["verdicts"]
    assert second["verdicts"]["For d=k=4096, r=16: 99.6% reduction"] == "refuted"


def test_key_covers_version_params_device_and_libraries(tmp_path):
    cache = ResultCache(tmp_path)
    base = cache.key("v", 1, {"r": 8}, "cpu")
    assert base == cache.key("v", 1, {"r": 8}, "cpu")
    assert len({base, cache.key("v", 2, {"r": 8}, "cpu"), cache.key("v", 1, {"r": 16}, "cpu"),
                cache.key("v", 1, {"r": 8}, "cuda")}) == 4
    other = ResultCache(tmp_path)
    other._versions = other._versions.replace('"torch":"', '"torch":"0.0-')
    assert other.key("v", 1, {"r": 8}, "cpu") != base


def test_errors_are_not_cached(tmp_path):
    cache = ResultCache(tmp_path)
    k1, k2, k3, k4 = (cache.ident("v", 1, {"n": n}, "cpu") for n in range(4))
    assert not cache.put(k1, {"verdict": "error", "explanation": "timed out"})
    assert not cache.put(k2, {"verdict": "maybe", "explanation": "not a verdict"})
    assert cache.put(k3, {"verdict": "refuted", "explanation": "measured 99.22%"})
    assert cache.get(k1) is None and cache.get(k3)["verdict"] == "refuted"
    path = cache._path(cache.key("v", 1, {"n": 2}, "cpu"))
    path.write_text("{not json")
    assert cache.get(k3) is None and cache.get(k4) is None


def test_crash_results_run_again(tmp_path):
    from kbcheck.runner import Runner, RunOptions, make_job

    counter = tmp_path / "n.txt"
    jobs = [make_job(CRASH, {}), make_job(COUNT, {"counter": str(counter)})]
    cache = ResultCache(tmp_path / "cache")
    first = Runner(RunOptions(cache=cache, jobs=2))  # two workers side by side
    assert {e.verdict for e in first.run(jobs).values()} == {"error", "supported"}
    assert first.stats.workers_started == 2
    again = Runner(RunOptions(cache=cache))
    evidence = again.run(jobs)
    assert again.stats.cached == 1 and again.stats.executed == 1  # the crash is retried
    assert evidence[jobs[1].key].cached and len(counter.read_text().split()) == 1
