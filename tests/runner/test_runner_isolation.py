"""The runner's isolation: crashes, hangs and memory hogs become `error` verdicts, the run goes
on, every other result is kept, and each distinct (verifier, version, params) runs once."""

import pytest
from fixture_verifiers import ABORT, COUNT, CRASH, HANG, HOG, MERGE, REDUCTION

from kbcheck.runner import Runner, RunOptions, make_job


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    counter = tmp_path_factory.mktemp("count") / "runs.txt"
    jobs = [
        make_job(COUNT, {"counter": str(counter)}),
        make_job(CRASH, {}),
        make_job(REDUCTION, {"d": 4096, "r": 16, "pct": 99.6}),
        make_job(ABORT, {}),
        make_job(COUNT, {"counter": str(counter)}),      # the same job again: runs once
        make_job(HANG, {}),
        make_job(COUNT, {"counter": str(counter), "n": 2}),  # other params: runs again
        make_job(HOG, {}),
        make_job(MERGE, {"claim": "no_latency"}),
        make_job(COUNT, {"counter": str(counter)}),
    ]
    runner = Runner(RunOptions(memory_mb=1024))
    evidence = runner.run(jobs)
    by_id = {}
    for ev in evidence.values():
        by_id.setdefault(ev.verifier, []).append(ev)
    return {"jobs": jobs, "evidence": evidence, "by_id": by_id, "runner": runner,
            "counter": counter}


def test_deduplication_runs_each_distinct_job_once(outcome):
    assert len(outcome["evidence"]) == 8  # 10 jobs, 8 distinct
    runs = outcome["counter"].read_text().split()
    assert len(runs) == 2  # COUNT with n=0 once, with n=2 once
    assert outcome["runner"].stats.executed == 8


def test_a_crash_is_an_error_with_its_message(outcome):
    ev = outcome["by_id"]["t.crash"][0]
    assert ev.verdict == "error" and "deliberate failure inside the verifier" in ev.explanation


def test_a_dead_worker_is_an_error_and_is_replaced(outcome):
    ev = outcome["by_id"]["t.abort"][0]
    assert ev.verdict == "error" and "died" in ev.explanation and "signal" in ev.explanation
    # The abort and the hang each cost a process; the jobs after them still ran.
    assert outcome["runner"].stats.workers_started == 3


def test_a_hang_is_stopped_at_the_time_limit(outcome):
    ev = outcome["by_id"]["t.hang"][0]
    assert ev.verdict == "error" and "timed out after 2 s" in ev.explanation


def test_memory_exhaustion_is_an_error_under_the_limit(outcome):
    ev = outcome["by_id"]["t.hog"][0]
    assert ev.verdict == "error" and "out of memory (limit 1024 MiB)" in ev.explanation


def test_the_other_results_are_kept_with_environment_and_duration(outcome):
    red = outcome["by_id"]["t.reduction"][0]
    # 2*4096*16 / 4096^2 = 0.78%: the stated 99.6% is wrong (99.22% measured).
    assert red.verdict == "refuted" and red.measured["reduction_pct"] == pytest.approx(99.219, 1e-3)
    assert red.environment["packages"]["torch"] and red.environment["device"] == "cpu"
    assert red.duration_s > 0
    assert outcome["by_id"]["t.merge"][0].verdict == "conditional"
    assert [e.verdict for e in outcome["by_id"]["t.count"]] == ["supported", "supported"]


def test_runs_are_seeded_the_same_in_every_process(outcome):
    # COUNT ran before the abort and (with n=2) after it, in two different worker processes;
    # both drew torch.rand(1) right after the runner's seed.
    pids = outcome["counter"].read_text().split()
    assert len(set(pids)) == 2
    values = [e.measured["value"] for e in outcome["by_id"]["t.count"]]
    assert values[0] == values[1]
