"""`kbcheck claims`, `kbcheck run` and `kbcheck verify` as a user runs them: real processes.

The article's claims go to the project's own (fast) parameter-count verifier. The test
verifiers are also installed as a plug-in (a dist-info folder with a `kbcheck.verifiers` entry
point on PYTHONPATH), the way a third party adds verifiers, and `verify` runs one of them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ARTICLE = """---
id: kb-test-1
title: LoRA parameter counts
atomic_facts:
  - id: f-1
    statement: With rank 8 and d=k=1024, LoRA cuts trainable parameters by 98.4%.
  - id: f-2
    statement: The LoRA paper has 20,000 citations as of 2026.
---

## Notes

LoRA is a parameter-efficient method.

A rank-16 adapter for d=k=4096 gives a 99.6% reduction in trainable parameters.
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    info = site / "kbcheck_test_plugins-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kbcheck-test-plugins\n"
                                   "Version: 0\n")
    (info / "entry_points.txt").write_text(
        "[kbcheck.verifiers]\nreduction = fixture_verifiers:REDUCTION\n"
        "merge = fixture_verifiers:MERGE\n")
    path = os.pathsep.join([str(ROOT), str(ROOT / "tests"), str(site)])
    return dict(os.environ, PYTHONPATH=path, COLUMNS="200")


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kb")
    (folder / "lora.md").write_text(ARTICLE)
    return folder


def kbcheck(env, *args, importtime=False):
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else []) + ["-m", "kbcheck"]
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def _imported(process):
    """The modules a `python -X importtime` process imported."""
    return {line.split("|")[-1].strip() for line in process.stderr.splitlines()
            if line.startswith("import time:")}


def test_claims_json_pairs_facts_and_body_sentences(env, kb):
    out = kbcheck(env, "claims", kb, "--format", "json", importtime=True)
    assert out.returncode == 0, out.stderr
    assert "kbcheck.pairing" in _imported(out) and "torch" not in _imported(out)
    rows = {r["claim"]["text"]: r for r in json.loads(out.stdout)["claims"]}
    assert "LoRA is a parameter-efficient method." not in rows  # nothing checkable
    fact = rows["With rank 8 and d=k=1024, LoRA cuts trainable parameters by 98.4%."]
    assert fact["claim"]["line"] == 6 and fact["claim"]["fact_id"] == "f-1"
    assert fact["pairing"]["verifier"] == "lora.param_count"
    params = fact["pairing"]["params"]
    assert {k: params[k] for k in ("d", "k", "r", "pct")} == {"d": 1024, "k": 1024, "r": 8,
                                                               "pct": 98.4}
    body = rows["A rank-16 adapter for d=k=4096 gives a 99.6% reduction in trainable parameters."]
    assert body["claim"]["line"] == 15 and body["pairing"]["params"]["r"] == 16
    cites = rows["The LoRA paper has 20,000 citations as of 2026."]
    assert cites["pairing"]["verifier"] is None and "time-sensitive" in cites["pairing"]["reason"]


def test_claims_suggest_prints_a_pasteable_verify_block(env, kb):
    out = kbcheck(env, "claims", kb, "--suggest")
    assert out.returncode == 0, out.stderr
    assert "verify:\n  verifier: lora.param_count\n  params:\n" in out.stdout
    assert "    d: 1024\n" in out.stdout and "    r: 8\n" in out.stdout


def test_run_writes_the_report_and_a_cached_rerun_imports_no_torch(env, kb, tmp_path):
    args = ["run", kb, "--out", tmp_path / "reports", "--cache-dir", tmp_path / "cache",
            "--offline", "--links-cache-dir", tmp_path / "links"]
    first = kbcheck(env, *args)
    assert first.returncode == 1, first.stderr  # the 99.6% claim is refuted: an error finding
    assert "error refuted: " in first.stdout and "[claim-refuted]" in first.stdout
    assert "claims:" in first.stdout
    written = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert written == ["junit.xml", "report.html", "report.json", "report.md", "report.sarif"]
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["links"]["offline"] is True and report["links"]["requests"] == 0
    assert (report["summary"]["refuted"], report["summary"]["supported"]) == (1, 1)
    assert report["summary"]["unverifiable"] == 1 and report["runner"]["executed"] == 2
    second = kbcheck(env, *args, "--fail-on", "never", importtime=True)
    assert second.returncode == 0
    assert "kbcheck.pipeline" in _imported(second) and "torch" not in _imported(second)
    again = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert again["runner"]["cached"] == 2 and again["runner"]["executed"] == 0
    assert [c["verdict"] for c in again["claims"]] == [c["verdict"] for c in report["claims"]]


def test_verify_runs_one_verifier_and_prints_its_evidence(env):
    out = kbcheck(env, "verify", "t.reduction", "--param", "d=4096", "-p", "r=8",
                  "-p", "pct=99.6", "--json")
    assert out.returncode == 0, out.stderr  # 2*4096*8/4096^2: 99.61% reduction
    ev = json.loads(out.stdout)
    assert ev["verdict"] == "supported" and ev["measured"]["lora"] == 65536


def test_verify_rejects_unknown_ids_and_bad_params_with_exit_2(env):
    assert kbcheck(env, "verify", "no.such").returncode == 2
    bad = kbcheck(env, "verify", "t.reduction", "-p", "d=1e12")
    assert bad.returncode == 2 and "above the maximum" in bad.stderr
