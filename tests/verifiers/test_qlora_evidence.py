"""The committed GPU evidence of qlora_memory: schema, keys, the seeds' claims matched exactly as
pairing builds their parameters, the presets, and the memory model calibrated from it."""

import json
from pathlib import Path

import pytest

from verifiers._base import VERDICTS
from verifiers._evidence import SCHEMA, evidence_key, evidence_path, load_evidence
from verifiers._memory_model import (
    ACTIVATION_COEF,
    fit_activation_coef,
    model_errors,
    points_from_evidence,
)
from verifiers._presets import PRESETS
from verifiers.qlora_memory import VERIFIER, capacity_gib

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = ROOT / "reports" / "evidence"
SEED = ROOT / "kb" / "002_15691e5c7639c0e6.txt"

ALL = [d for d in load_evidence(EVIDENCE) if d["verifier"] == VERIFIER.id]
DOCS = [d for d in ALL if d["version"] == VERIFIER.version]
BY_KEY = {d["key"]: d for d in DOCS}
# The steps version 1 recorded (its files went stale and were removed), kept as data: they
# calibrate the activation term over batch and sequence sizes the version-2 runs do not cover.
V1_STEPS = json.loads((Path(__file__).parent / "data" / "qlora_steps_v1.json").read_text())


def recorded_points() -> list[dict]:
    """Every recorded step: version 1's (kept as data) and the committed evidence's."""
    return ([{**pt, "preset": PRESETS[pt["preset"]]} for pt in V1_STEPS["points"]]
            + points_from_evidence(ALL))




def test_there_is_evidence():
    assert len(DOCS) >= 5


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: Path(d["_path"]).name)
def test_evidence_schema_and_key(doc):
    assert doc["schema"] == SCHEMA and doc["version"] == VERIFIER.version
    assert VERIFIER.resolve_params(doc["params"]) == doc["params"]
    assert doc["key"] == evidence_key(VERIFIER.id, VERIFIER.version, doc["params"])
    assert Path(doc["_path"]).name == evidence_path(EVIDENCE, VERIFIER.id, VERIFIER.version,
                                                    doc["params"]).name
    res = doc["result"]
    assert res["verdict"] in VERDICTS and res["explanation"]
    env = res["environment"]
    assert env["device"] == "cuda" and "NVIDIA" in env["device_name"] and env["driver"]
    assert env["packages"]["bitsandbytes"] and env["packages"]["peft"] and env["cuda"]
    m = res["measured"]
    assert m["limit_bytes"] == int(capacity_gib(doc["params"]) * 2**30)
    # every configuration is named, with its LoRA dtype and optimizer, in words and as data
    assert "LoRA weights bf16" in m["configuration"] and "LoRA weights fp32" in m["configuration"]
    assert f"batch {doc['params']['batch']} x sequence {doc['params']['seq']}" in m["configuration"]
    for c in m["configurations"].values():
        assert c["outcome"] in ("fits", "paged", "runs_out") and c["said"]
        if "run" in c:
            run = c["run"]
            assert run["lora_dtype"] == c["lora_dtype"] and run["optimizer"] == c["optimizer"]
            assert run["filler_bytes"] > 0 and run["environment"]["device_name"] == (
                env["device_name"])
            if run["step"]:
                assert 0 < run["load"]["peak_allocated"] <= run["step"]["peak_allocated"]
                assert len(run["step"]["losses"]) == doc["params"]["steps"]
    assert m["bits_per_param"] == pytest.approx(4.127, abs=2e-3)


SEEDS = {  # (params, verdict, each configuration's outcome under the true limit)
    "65B on 48 GB": ({"size_b": 65.0, "gpu_gb": 48.0}, "supported",
                     {"reference": "fits", "peft_default": "runs_out"}),
    "65B at 40 GiB": ({"size_b": 65.0, "gpu_gb": 40.0}, "conditional",
                      {"reference": "paged", "peft_default": "runs_out"}),
    "70B on a consumer GPU": ({"size_b": 70.0, "gpu": "consumer", "config": "any"}, "refuted",
                              {"reference": "runs_out", "peft_default": "runs_out"}),
    "33B on 24 GB": ({"size_b": 33.0, "gpu_gb": 24.0}, "supported",
                     {"reference": "fits", "peft_default": "runs_out"}),
}


@pytest.mark.parametrize("name", SEEDS)
def test_the_seed_claims_are_decided_by_true_limit_runs(name):
    raw, verdict, outcomes = SEEDS[name]
    doc = BY_KEY.get(evidence_key(VERIFIER.id, VERIFIER.version, VERIFIER.resolve_params(raw)))
    assert doc is not None, name
    assert doc["result"]["verdict"] == verdict
    assert doc["result"]["measured"]["outcomes"] == outcomes
    assert "Under a true" in doc["result"]["explanation"]


def test_only_the_current_version_is_committed():
    assert ALL == DOCS


def test_an_older_version_does_not_match():
    doc = DOCS[0]
    assert evidence_key(VERIFIER.id, VERIFIER.version + 1, doc["params"]) not in BY_KEY


def test_activation_coefficient_is_fitted_to_the_evidence_and_the_model_is_close():
    points = recorded_points()
    assert len(points) == 52
    assert fit_activation_coef(points) == pytest.approx(ACTIVATION_COEF, abs=0.02)
    errors = model_errors(points)
    assert max(abs(e["error"]) for e in errors) < 0.04, errors


LATENCY = [d for d in load_evidence(EVIDENCE)
           if d["verifier"] in ("lora.merge_latency", "lora.adapter_latency")]


@pytest.mark.parametrize("doc", LATENCY, ids=lambda d: Path(d["_path"]).name)
def test_latency_evidence_was_recorded_on_cuda(doc):
    # Keys are checked against the recorded version: a later version bump makes these files
    # stale (the runner says so), which is no error in the files themselves.
    assert doc["schema"] == SCHEMA and doc["params"]["device"] == "cuda"
    assert doc["key"] == evidence_key(doc["verifier"], doc["version"], doc["params"])
    res = doc["result"]
    assert res["verdict"] in VERDICTS and res["measured"] and res["explanation"]
    assert "NVIDIA" in res["environment"]["device_name"]
