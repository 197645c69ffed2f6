"""The committed GPU evidence of qlora_memory: schema, keys, the seeds' claims matched exactly as
pairing builds their parameters, the presets, and the memory model calibrated from it."""

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
from verifiers.qlora_memory import VERIFIER

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = ROOT / "reports" / "evidence"
SEED = ROOT / "kb" / "002_15691e5c7639c0e6.txt"

DOCS = [d for d in load_evidence(EVIDENCE) if d["verifier"] == VERIFIER.id]
BY_KEY = {d["key"]: d for d in DOCS}




def test_there_is_evidence():
    assert len(DOCS) >= 6


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
    assert 0 < m["load"]["peak_allocated"] <= m["step"]["peak_allocated"]
    assert m["step"]["peak_allocated"] <= m["step"]["peak_reserved"]
    assert len(m["step"]["losses"]) == doc["params"]["steps"]
    assert doc["params"]["optimizer"] in m["configuration"]
    assert m["bits_per_param"] == pytest.approx(4.127, abs=2e-3)




@pytest.mark.parametrize("size", [7.0, 13.0, 33.0, 65.0, 70.0])
def test_presets_at_the_papers_configuration_are_recorded(size):
    params = VERIFIER.resolve_params({"size_b": size})
    doc = BY_KEY.get(evidence_key(VERIFIER.id, VERIFIER.version, params))
    assert doc is not None and doc["result"]["verdict"] == "supported"
    assert doc["result"]["measured"]["comparison"]["optimizer"] == "adamw_32bit"


def test_an_older_version_does_not_match():
    doc = DOCS[0]
    assert evidence_key(VERIFIER.id, VERIFIER.version + 1, doc["params"]) not in BY_KEY


def test_activation_coefficient_is_fitted_to_the_evidence_and_the_model_is_close():
    points = points_from_evidence(DOCS)
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
