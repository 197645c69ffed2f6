"""Recorded evidence (matching, staleness), fallbacks and skips, when `requires` is not met."""

import dataclasses
import json
from pathlib import Path

from fixture_verifiers import GPU, GPU_FALLBACK, NO_PACKAGE

from kbcheck.runner import Runner, RunOptions, make_job, unmet_requirements
from verifiers._evidence import write_evidence

H100_RESULT = {
    "verdict": "supported", "explanation": "peak 41.2 GB fits in 48 GB",
    "measured": {"peak_allocated_gb": 41.2}, "expected": {"gpu_gb": 48},
    "environment": {"device": "cuda", "device_name": "NVIDIA H100 80GB HBM3", "driver": "550"},
    "duration_s": 95.0,
}


def _run(job, tmp_path, **kw):
    runner = Runner(RunOptions(evidence_dir=tmp_path, **kw))
    return runner.run([job])[job.key], runner


def test_requirements_are_judged_without_importing():
    assert "CUDA" in unmet_requirements(GPU, "cpu")
    assert unmet_requirements(GPU, "cuda") is None
    assert "kbcheck_no_such_package" in unmet_requirements(NO_PACKAGE, "cuda")


def test_matching_recorded_evidence_is_used_and_says_where_and_when(tmp_path):
    job = make_job(GPU, {"size_b": 65})
    write_evidence(tmp_path, GPU.id, GPU.version, job.params, H100_RESULT)
    ev, runner = _run(job, tmp_path)
    assert ev.verdict == "supported" and ev.measured == {"peak_allocated_gb": 41.2}
    assert ev.recorded["device"] == "NVIDIA H100 80GB HBM3"
    assert "measured on NVIDIA H100 80GB HBM3 on 20" in ev.explanation
    assert runner.stats.recorded == 1 and runner.stats.workers_started == 0


def test_other_params_do_not_match(tmp_path):
    write_evidence(tmp_path, GPU.id, GPU.version, GPU.resolve_params({"size_b": 70}), H100_RESULT)
    ev, _ = _run(make_job(GPU, {"size_b": 65}), tmp_path)
    assert ev.verdict == "skipped" and "no recorded evidence matches" in ev.explanation


def test_evidence_of_an_older_version_is_stale_not_used(tmp_path):
    job = make_job(GPU, {"size_b": 65})
    write_evidence(tmp_path, GPU.id, GPU.version - 1, job.params, H100_RESULT)
    (tmp_path / "broken.json").write_text("{")  # unreadable files are ignored
    ev, _ = _run(job, tmp_path)
    assert ev.verdict == "skipped" and ev.recorded is None
    assert "stale" in ev.explanation and f"version {GPU.version - 1}" in ev.explanation
    assert ev.notes and "stale" in ev.notes[0]


def test_evidence_with_a_bumped_verifier_version_goes_stale(tmp_path):
    job = make_job(GPU, {"size_b": 65})
    write_evidence(tmp_path, GPU.id, GPU.version, job.params, H100_RESULT)
    bumped = dataclasses.replace(GPU, version=GPU.version + 1)
    ev, _ = _run(make_job(bumped, {"size_b": 65}), tmp_path)
    assert ev.verdict == "skipped" and "stale" in ev.explanation


def test_fallback_runs_when_the_device_is_missing(tmp_path):
    ev, runner = _run(make_job(GPU_FALLBACK, {}), tmp_path)
    assert ev.verdict == "supported" and ev.fallback
    assert ev.measured == {"estimate_gb": 41.0} and "CPU estimate" in ev.notes[-1]
    assert ev.explanation.startswith("estimate (required device missing)")
    assert runner.stats.executed == 1


def test_recorded_evidence_beats_the_fallback(tmp_path):
    job = make_job(GPU_FALLBACK, {})
    write_evidence(tmp_path, GPU_FALLBACK.id, GPU_FALLBACK.version, job.params, H100_RESULT)
    ev, runner = _run(job, tmp_path)
    assert ev.recorded and not ev.fallback and runner.stats.workers_started == 0


def test_evidence_files_have_the_documented_schema(tmp_path):
    job = make_job(GPU, {"size_b": 65})
    path = write_evidence(tmp_path, GPU.id, GPU.version, job.params, H100_RESULT)
    doc = json.loads(path.read_text())
    assert {"schema", "verifier", "version", "params", "key", "recorded_at", "result"} <= set(doc)
    assert doc["key"] == job.key and doc["params"] == {"size_b": 65.0}


def test_a_cuda_run_records_evidence_that_a_cpu_run_then_uses(tmp_path):
    # The test verifier needs no real GPU, so --device cuda can be exercised on any machine.
    job = make_job(GPU, {"size_b": 33})
    measured, runner = _run(job, tmp_path, device="cuda")
    assert measured.verdict == "supported" and len(runner.stats.evidence_written) == 1
    doc = json.loads(Path(runner.stats.evidence_written[0]).read_text())
    assert doc["key"] == job.key and doc["result"]["environment"]["device"] == "cuda"
    used, _ = _run(job, tmp_path, device="cpu")
    assert used.recorded and used.verdict == "supported" and "measured on" in used.explanation


def test_a_cached_fallback_still_reads_as_an_estimate(tmp_path):
    from kbcheck.cache import ResultCache

    job = make_job(GPU_FALLBACK, {})
    options = {"cache": ResultCache(tmp_path / "cache")}
    _run(job, tmp_path, **options)
    ev, runner = _run(job, tmp_path, **options)
    assert ev.cached and ev.fallback and runner.stats.workers_started == 0
    assert ev.explanation.startswith("estimate (required device missing)")


def test_a_fallbacks_own_skip_is_cached_but_a_missing_device_is_not(tmp_path):
    from fixture_verifiers import GPU_UNDECIDED

    from kbcheck.cache import ResultCache

    options = {"cache": ResultCache(tmp_path / "cache")}
    jobs = [make_job(GPU_UNDECIDED, {}), make_job(GPU, {"size_b": 65})]
    for _ in range(2):
        runner = Runner(RunOptions(evidence_dir=tmp_path, **options))
        evidence = runner.run(jobs)
    undecided, missing = (evidence[j.key] for j in jobs)
    assert undecided.verdict == "skipped" and undecided.cached and undecided.fallback
    assert missing.verdict == "skipped" and not missing.cached
    assert runner.stats.workers_started == 0  # the second run started nothing


def test_figures_recorded_on_another_device_are_attached_to_the_cpu_evidence(tmp_path):
    """A latency verifier's GPU evidence shows beside its CPU run (same params but device)."""
    from fixture_verifiers import TIMED as timed

    from kbcheck.runner import Runner, RunOptions, make_job
    from verifiers._evidence import write_evidence

    evidence = tmp_path / "evidence"
    write_evidence(evidence, "t.timed", 2, {"device": "cuda", "n": 4},
                   {"verdict": "conditional", "explanation": "GPU figures",
                    "measured": {"ratio": 3.4}, "environment": {"device_name": "Some GPU"}})
    write_evidence(evidence, "t.timed", 1, {"device": "cuda", "n": 8},  # older version: unused
                   {"verdict": "refuted", "explanation": "old", "measured": {}})
    runner = Runner(RunOptions(evidence_dir=evidence, cache=None))
    jobs = [make_job(timed, {"n": 4}), make_job(timed, {"n": 8})]
    out = runner.run(jobs)
    first, second = out[jobs[0].key], out[jobs[1].key]
    assert first.verdict.value == "supported" and first.explanation == "ran on cpu"
    assert [(e["device"], e["verdict"], e["measured"]) for e in first.elsewhere] == [
        ("Some GPU", "conditional", {"ratio": 3.4})]
    assert second.elsewhere == []


def test_each_gpu_job_gets_a_fresh_worker_process_and_cpu_jobs_share_one(tmp_path):
    """A GPU measurement must not see what an earlier job left on the device."""
    from fixture_verifiers import GPU, REDUCTION

    from kbcheck.runner import Runner, RunOptions, make_job

    runner = Runner(RunOptions(device="cuda", cache=None, evidence_dir=tmp_path, jobs=1))
    gpu_jobs = [make_job(GPU, {"size_b": n}) for n in (7, 13, 65)]
    cpu_jobs = [make_job(REDUCTION, {"d": d, "r": 8}) for d in (1024, 2048)]
    out = runner.run(cpu_jobs + gpu_jobs)
    assert {ev.verdict.value for ev in out.values()} == {"supported"}
    # one warm process for the two CPU jobs, and a fresh one for each GPU job
    assert runner.stats.workers_started == 4
    # each evidence names where it ran: the CPU verifier on the CPU, not on the GPU run's device
    assert {out[j.key].environment["device"] for j in cpu_jobs} == {"cpu"}
    assert {out[j.key].environment["device"] for j in gpu_jobs} == {"cuda"}


def test_a_gated_gpu_job_prepares_while_the_one_before_measures(tmp_path):
    """A GPU verifier that waits for the gate starts early, but the device is one job's at a
    time: each job's gate opens only once the job before it has ended."""
    from gated_verifiers import GATED

    from kbcheck.runner import Runner, RunOptions, make_job

    runner = Runner(RunOptions(device="cuda", cache=None, evidence_dir=tmp_path / "ev", jobs=1))
    jobs = [make_job(GATED, {"folder": str(tmp_path), "n": n, "last": int(n == 2)})
            for n in range(3)]
    out = runner.run(jobs)
    assert {ev.verdict.value for ev in out.values()} == {"supported"}
    at = {p.name: float(p.read_text()) for p in tmp_path.iterdir() if p.name[0].isdigit()}
    for n in range(2):
        assert at[f"{n + 1}-prepared"] < at[f"{n}-end"]  # prepared while the job before held
        assert at[f"{n}-end"] <= at[f"{n + 1}-start"]  # the device is one job's at a time
    assert runner.stats.workers_started == 3


def test_every_committed_gpu_evidence_file_is_still_the_evidence_of_its_job():
    """A verifier change that alters the jobs of recorded GPU runs (a bumped version, a new
    parameter whose default enters every job's key) would leave CI on estimates: each file's
    parameters must still resolve to the job the file was recorded for."""
    from verifiers import registry

    verifiers = registry(include_entry_points=False)
    folder = Path(__file__).parents[2] / "reports" / "evidence"
    files = sorted(folder.glob("*.json"))
    assert files
    for path in files:
        doc = json.loads(path.read_text())
        verifier = verifiers[doc["verifier"]]
        assert verifier.version == doc["version"], path.name
        assert make_job(verifier, doc["params"]).key == doc["key"], path.name
