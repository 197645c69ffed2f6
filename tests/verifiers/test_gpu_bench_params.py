"""The GPU benches carry each seed claim's parameters as data (the GPU machine has torch, not
kbcheck); the real pairing must still give exactly those, or recorded evidence stops matching."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from paired import pairing

from verifiers import registry

sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))  # (after tests/)

import gpu_evidence  # noqa: E402
import gpu_latency_evidence  # noqa: E402

REGISTRY = registry(include_entry_points=False)
CASES = [(s, "lora.qlora_memory", p) for s, p in gpu_evidence.CLAIMS.values()]
CASES += list(gpu_latency_evidence.SEED_SENTENCES)


@pytest.mark.parametrize(("sentence", "verifier_id", "params"), CASES)
def test_bench_params_are_what_pairing_gives(sentence, verifier_id, params):
    verifier = REGISTRY[verifier_id]
    got = [verifier.resolve_params(f.params) for f in pairing(sentence).frames
           if f.verifier == verifier_id]
    assert verifier.resolve_params(params) in got, (sentence, got)


def test_every_run_is_planned_once():
    runs = gpu_evidence.runs()
    assert len({tuple(sorted(p.items())) for p in runs.values()}) == len(runs)
    assert gpu_latency_evidence.planned("cpu")
