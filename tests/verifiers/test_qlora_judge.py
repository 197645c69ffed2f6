"""qlora_memory's measurement path and verdicts, run for real on a tiny Llama on the CPU (the
CPU allocator keeps no peaks, so only the wiring and the polarity of verdicts are checked)."""

import pytest

pytest.importorskip("bitsandbytes", reason="bitsandbytes not installed")
pytest.importorskip("peft", reason="peft not installed")

from verifiers._presets import Preset  # noqa: E402
from verifiers.qlora_memory import VERIFIER, judge  # noqa: E402

TINY = Preset("tiny", layers=2, d_model=64, d_ff=128, heads=4, kv_heads=2, vocab=256)


@pytest.fixture(scope="module")
def measurement():
    from verifiers._qlora_measure import measure

    return measure(TINY, device="cpu", r=4, seq=16, steps=2,
                   optimizers=("adamw_32bit", "torch_adamw"), log=lambda s: None)


def test_measure_trains_both_optimizers_and_counts_the_weights(measurement):
    m = measurement
    assert m["trainable_params"] == TINY.lora_params(4, tuple(TINY.linear_shapes()))
    assert m["weights"]["quantized"] > 0 and m["ran_out"] is None
    for run in m["runs"].values():
        assert len(run["losses"]) == 2 and run["state_bytes"]["device"] > 0


@pytest.mark.parametrize(("claim", "verdict"), [("fits", "supported"),
                                                 ("does_not_fit", "refuted")])
def test_judge_follows_the_claims_polarity(measurement, claim, verdict):
    params = VERIFIER.resolve_params({"size_b": 7, "claim": claim, "optimizer": "adamw_32bit",
                                      "r": 4, "seq": 16, "steps": 2})
    out = judge(params, TINY, measurement, 4.127)
    assert out["verdict"] == verdict
    assert out["measured"]["comparison"]["optimizer"] == "torch_adamw"
    assert "fits in 48 GiB" in out["explanation"]
