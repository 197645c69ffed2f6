"""Cache and evidence entries are checked against what they are for before they are believed."""

import json
import shutil
from pathlib import Path

from fixture_verifiers import GPU, REDUCTION
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbcheck.cache import ResultCache
from kbcheck.entries import read_json
from kbcheck.links.cache import LinkCache
from kbcheck.runner import RecordedEvidence, Runner, RunOptions, make_job
from verifiers._evidence import evidence_path, write_evidence

RESULT = {"verdict": "supported", "explanation": "peak 41.2 GB fits in 48 GB",
          "measured": {"peak_allocated_gb": 41.2}, "expected": {}, "duration_s": 95.0,
          "environment": {"device": "cuda", "device_name": "NVIDIA H100 80GB HBM3"}}


def test_a_results_entry_copied_over_another_jobs_entry_is_a_miss(tmp_path):
    cache = ResultCache(tmp_path / "cache")
    wrong = make_job(REDUCTION, {"d": 4096, "r": 16, "pct": 99.6})  # 99.22% measured: refuted
    right = make_job(REDUCTION, {"d": 4096, "r": 16, "pct": 99.2})
    first = Runner(RunOptions(cache=cache)).run([wrong, right])
    assert first[wrong.key].verdict == "refuted" and first[right.key].verdict == "supported"
    files = {job.key: cache._path(cache.key(job.verifier.id, job.verifier.version, job.params,
                                            "cpu")) for job in (wrong, right)}
    shutil.copyfile(files[right.key], files[wrong.key])  # the supported result, filed as refuted
    again = Runner(RunOptions(cache=cache))
    evidence = again.run([wrong, right])
    assert evidence[wrong.key].verdict == "refuted" and not evidence[wrong.key].cached
    assert again.stats.cached == 1 and again.stats.executed == 1


def test_evidence_whose_params_were_edited_is_not_used_and_is_a_finding(tmp_path):
    job = make_job(GPU, {"size_b": 65})
    path = write_evidence(tmp_path, GPU.id, GPU.version, job.params, RESULT)
    doc = json.loads(path.read_text())
    doc["params"]["size_b"] = 13  # the key still says 65
    path.write_text(json.dumps(doc))
    runner = Runner(RunOptions(evidence_dir=tmp_path))
    ev = runner.run([job])[job.key]
    assert ev.verdict == "skipped" and ev.recorded is None
    [finding] = runner.recorded.problems
    assert finding.rule == "evidence-mismatch" and finding.severity == "error"
    assert finding.path == str(path)


def test_unreadable_evidence_files_are_warnings_and_the_good_ones_are_used(tmp_path):
    import os

    job = make_job(GPU, {"size_b": 65})
    write_evidence(tmp_path, GPU.id, GPU.version, job.params, RESULT)
    os.mkfifo(tmp_path / "fifo.json")
    os.symlink("/dev/zero", tmp_path / "zero.json")
    (tmp_path / "shape.json").write_text(json.dumps({"schema": 1, "key": [1, 2]}))
    runner = Runner(RunOptions(evidence_dir=tmp_path))
    assert runner.run([job])[job.key].verdict == "supported"
    assert sorted(Path(f.path).name for f in runner.recorded.problems) == [
        "fifo.json", "shape.json", "zero.json"]
    assert {f.rule for f in runner.recorded.problems} == {"evidence-unreadable"}


def test_read_json_refuses_what_is_not_a_small_regular_file(tmp_path):
    import os

    os.mkfifo(tmp_path / "fifo")
    os.symlink("/dev/zero", tmp_path / "zero")
    (tmp_path / "big").write_bytes(b" " * (5 << 20))
    (tmp_path / "deep").write_text("[" * 100_000 + "]" * 100_000)
    for name in ("fifo", "zero", "big", "deep", "missing"):
        assert read_json(tmp_path / name) is None


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c,
                                                                         max_size=4),
                     max_leaves=12)
_FIELDS = ("verdict", "explanation", "measured", "expected", "environment", "duration_s",
           "result", "key", "for", "schema", "verifier", "version", "params", "expires",
           "value", "recorded_at")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=8) | _JSON)
def test_no_entry_of_any_shape_raises(tmp_path, doc):
    """Whatever a cache or evidence file holds, reading it is a value or a miss."""
    cache = ResultCache(tmp_path / "results")
    ident = cache.ident("t.x", 1, {"r": 8}, "cpu")
    cache.put(ident, {"verdict": "supported"})
    for path in (tmp_path / "results").rglob("*.json"):
        path.write_text(json.dumps(doc))
    hit = cache.get(ident)
    assert hit is None or hit["verdict"] in ("supported", "refuted", "conditional",
                                             "unverifiable", "skipped")
    links = LinkCache(tmp_path / "links")
    links.put("url:x", {"outcome": "ok"}, 60)
    for path in (tmp_path / "links").rglob("*.json"):
        path.write_text(json.dumps(doc))
    assert links.get("url:x") is None or isinstance(links.get("url:x"), dict)
    evidence = tmp_path / "evidence"
    evidence.mkdir(exist_ok=True)
    evidence_path(evidence, "t.x", 1, {}).write_text(json.dumps(doc))
    recorded = RecordedEvidence(evidence)
    assert len(recorded.by_key) + len(recorded.problems) == 1


def test_a_result_of_the_wrong_shape_is_an_error_not_a_crash(tmp_path):
    from fixture_verifiers import SHAPELESS

    bad, good = make_job(SHAPELESS, {}), make_job(REDUCTION, {"d": 4096, "r": 16, "pct": 99.2})
    evidence = Runner(RunOptions(cache=ResultCache(tmp_path))).run([bad, good])
    assert evidence[bad.key].verdict == "error" and "wrong shape" in evidence[bad.key].explanation
    assert evidence[good.key].verdict == "supported"


def test_the_stdlib_evidence_loader_skips_fifos_and_devices(tmp_path):
    import os

    from verifiers._evidence import load_evidence

    write_evidence(tmp_path, GPU.id, GPU.version, {"size_b": 65.0}, RESULT)
    os.mkfifo(tmp_path / "fifo.json")
    os.symlink("/dev/zero", tmp_path / "zero.json")
    assert [d["verifier"] for d in load_evidence(tmp_path)] == [GPU.id]
