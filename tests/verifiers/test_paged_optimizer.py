"""lora.paged_optimizer: what sentences pair to, the committed GPU evidence (one measurement
judged for every claim), the judgement on that measurement, and, on a GPU, the measurement."""

import copy
from pathlib import Path

import pytest
from paired import paired_params

from kbcheck.runner import Runner, RunOptions, make_job
from verifiers._evidence import SCHEMA, evidence_key, load_evidence
from verifiers.paged_optimizer import VERIFIER, facts, judge

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = ROOT / "reports" / "evidence"
DOCS = [d for d in load_evidence(EVIDENCE)
        if d["verifier"] == VERIFIER.id and d["version"] == VERIFIER.version]
BY_KEY = {d["key"]: d for d in DOCS}


def _params(sentence):
    return paired_params(VERIFIER, sentence, subject="qlora")


@pytest.mark.parametrize(("sentence", "expect"), [
    ("With a paged optimizer, the AdamW moments get evicted to host memory whenever VRAM "
     "runs low.", {"paged": "state", "to": "host", "when": "short"}),
    ("QLoRA's paged optimizers rely on unified memory: the optimizer states spill into system "
     "RAM during memory spikes.", {"paged": "state", "to": "host", "when": "short"}),
    ("The paged AdamW variant keeps the optimizer state in CPU memory instead of on the card.",
     {"paged": "state", "to": "host", "when": "always"}),
    ("Paged optimizers swap the frozen 4-bit weights out to an NVMe drive.",
     {"paged": "weights", "to": "disk", "when": "unstated"}),
    ("A paged optimizer moves the gradients over to the CPU.",
     {"paged": "gradients", "to": "host", "when": "unstated"}),
])
def test_sentences_pair_with_what_where_and_when(sentence, expect):
    p = _params(sentence)
    assert p is not None, sentence
    assert {k: p[k] for k in expect} == expect


@pytest.mark.parametrize("sentence", [
    "ZeRO-Offload moves optimizer states to CPU memory to train bigger models.",
    "QLoRA stores the frozen base model in 4-bit NormalFloat.",
    "See page 4 of the paper for the optimizer settings.",
])
def test_other_sentences_do_not_pair(sentence):
    assert _params(sentence) is None


def test_a_denial_pairs_and_is_turned_round():
    from paired import pairing

    p = pairing("Paged optimizers never send the model weights to disk.", "qlora")
    frame = next(f for f in p.frames if f.verifier == VERIFIER.id)
    assert frame.params["paged"] == "weights" and frame.params["to"] == "disk"
    assert p.negated


# --- the committed GPU evidence --------------------------------------------------------------

def test_every_claim_the_pairing_can_give_has_evidence():
    from bench.gpu_paged_evidence import combinations

    keys = {evidence_key(VERIFIER.id, VERIFIER.version, p) for p in combinations()}
    assert keys <= set(BY_KEY), "run bench/gpu_paged_evidence.py on a GPU"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: Path(d["_path"]).name)
def test_evidence_is_a_gpu_measurement_and_its_verdict_follows_from_it(doc):
    assert doc["schema"] == SCHEMA and VERIFIER.resolve_params(doc["params"]) == doc["params"]
    res = doc["result"]
    env = res["environment"]
    assert env["device"] == "cuda" and "NVIDIA" in env["device_name"]
    assert env["packages"]["bitsandbytes"]
    measured = {k: v for k, v in res["measured"].items() if k != "facts"}
    again = judge(doc["params"], measured)
    assert (again["verdict"], again["explanation"]) == (res["verdict"], res["explanation"])


def _measurement():
    doc = DOCS[0]
    return {k: v for k, v in doc["result"]["measured"].items() if k != "facts"}


def test_what_the_gpu_showed():
    m = _measurement()
    f = facts(m)
    paged, twin = m["runs"]["paged"], m["runs"]["unpaged"]
    # AdamW keeps two fp32 moments per parameter: 8 bytes each
    assert paged["state_bytes"]["paged"] + paged["state_bytes"]["unpaged"] == 8 * m["params"]
    assert f["state_paged"] and not f["weights_paged"] and not f["grads_paged"]
    # the unpaged twin's state is on the allocator; the paged one's is not
    assert twin["after_step"]["allocated"] >= 0.99 * twin["state_bytes"]["unpaged"]
    assert paged["after_step"]["allocated"] < 0.01 * paged["state_bytes"]["paged"]
    assert f["resident"] and f["to_host"] and f["back"] and f["same_update"]


@pytest.mark.parametrize(("claim", "verdict"), [
    ({"paged": "state", "to": "host", "when": "short"}, "supported"),
    ({"paged": "state", "to": "unstated", "when": "unstated"}, "supported"),
    ({"paged": "state", "to": "host", "when": "always"}, "conditional"),
    ({"paged": "state", "to": "disk", "when": "short"}, "refuted"),
    ({"paged": "weights", "to": "host", "when": "short"}, "refuted"),
    ({"paged": "gradients", "to": "unstated", "when": "unstated"}, "refuted"),
])
def test_verdicts_on_the_recorded_measurement(claim, verdict):
    out = judge(VERIFIER.resolve_params(claim), _measurement())
    assert out["verdict"] == verdict, out["explanation"]


def test_a_state_that_never_stayed_on_the_card_makes_kept_in_host_ram_hold():
    m = copy.deepcopy(_measurement())
    m["runs"]["paged"]["after_step"]["outside_allocator"] = 0
    out = judge(VERIFIER.resolve_params({"paged": "state", "to": "host", "when": "always"}), m)
    assert out["verdict"] == "supported"


def test_no_paging_seen_is_an_error_not_a_verdict():
    m = copy.deepcopy(_measurement())
    m["runs"]["paged"]["state_bytes"] = {"paged": 0, "unpaged": 8 * m["params"]}
    assert judge(VERIFIER.defaults(), m)["verdict"] == "error"


def test_a_cpu_run_uses_the_recorded_evidence():
    job = make_job(VERIFIER, {"paged": "weights", "to": "disk", "when": "short"})
    ev = Runner(RunOptions(evidence_dir=EVIDENCE, device="cpu")).run([job])[job.key]
    assert ev.verdict == "refuted" and "measured on NVIDIA" in ev.explanation


def test_unified_memory_without_an_optimizer_is_not_paging():
    assert _params("On Apple silicon, unified memory lets the model weights move to the GPU "
                   "without a copy.") is None
