"""qlora_memory's measurement path run for real on a tiny Llama on the CPU (the CPU allocator
keeps no peaks, so only the wiring is checked), and its fit rule on figures recorded on an H200
under true limits (reports/evidence, 2026-12-01)."""

import copy

import pytest

pytest.importorskip("bitsandbytes", reason="bitsandbytes not installed")
pytest.importorskip("peft", reason="peft not installed")

from verifiers._presets import PRESETS, Preset  # noqa: E402
from verifiers.qlora_memory import VERIFIER, configurations, judge, outcome  # noqa: E402

TINY = Preset("tiny", layers=2, d_model=64, d_ff=128, heads=4, kv_heads=2, vocab=256)
GIB = 2**30


@pytest.fixture(scope="module")
def measurement():
    from verifiers._qlora_measure import measure

    params = VERIFIER.resolve_params({"size_b": 7, "optimizer": "adamw_32bit"})
    return {n: measure(TINY, device="cpu", r=4, seq=16, steps=2, log=lambda s: None, **cfg)
            for n, cfg in configurations(params).items()}


def test_measure_trains_each_configuration_in_its_dtype(measurement):
    for name, m in measurement.items():
        assert m["trainable_params"] == TINY.lora_params(4, tuple(TINY.linear_shapes()))
        assert m["weights"]["quantized"] > 0 and m["ran_out"] is None
        assert len(m["step"]["losses"]) == 2 and m["step"]["state_bytes"]["device"] > 0
        per_param = m["weights"]["trainable"] / m["trainable_params"]
        assert per_param == (2 if name == "reference" else 4)  # bf16 / fp32 LoRA weights


@pytest.mark.parametrize(("claim", "verdict"), [("fits", "supported"),
                                                 ("does_not_fit", "refuted")])
def test_judge_follows_the_claims_polarity(measurement, claim, verdict):
    params = VERIFIER.resolve_params({"size_b": 7, "claim": claim, "optimizer": "adamw_32bit",
                                      "r": 4, "seq": 16, "steps": 2})
    out = judge(params, TINY, measurement, 4.127)
    assert out["verdict"] == verdict
    assert "LoRA weights fp32, torch AdamW (foreach)" in out["explanation"]
    assert "LoRA weights bf16, bitsandbytes AdamW32bit" in out["explanation"]


# --- the fit rule, on recorded figures ---------------------------------------------------------

CONTEXT = 650_969_088  # bytes: the CUDA context on the H200


def _run(load_gib, step_gib=None, *, reserved_gib=None, paged_gib=0.0, ran_out=None,
         blocked=False):
    step = None
    if step_gib is not None:
        step = {"peak_allocated": int(step_gib * GIB),
                "peak_reserved": int((reserved_gib or step_gib) * GIB),
                "state_bytes": {"paged": int(paged_gib * GIB), "device": 0},
                "losses": [10.5, 10.6, 10.4], "step_seconds": [2.0, 1.4, 1.4],
                "paging_blocked": {"state_bytes": int(paged_gib * GIB)} if blocked else None,
                "paged_out_bytes": 0}
    return {"context": {"device_used": CONTEXT}, "load": {"peak_allocated": int(load_gib * GIB)},
            "step": step, "ran_out": ran_out,
            "weights": {"quantized": int(32.09 * GIB)}}


STEP_OUT = {"part": "training step (torch_adamw)", "message": "CUDA out of memory"}
# llama-65b, batch 1 x 512, r=64 on all seven linears (reports/evidence, H200)
REF_65B = _run(32.45, 35.76, reserved_gib=36.33, paged_gib=5.96)
PEFT_65B_48 = _run(32.45, 47.32, reserved_gib=47.96, ran_out=STEP_OUT)
REF_65B_40 = _run(32.45, 35.76, reserved_gib=36.33, paged_gib=5.96, blocked=True)


def _params(**raw):
    return VERIFIER.resolve_params({"size_b": 65.0, **raw})


def test_allocated_plus_context_under_the_limit_is_not_a_fit_when_the_true_limit_ran_out():
    # 47.32 GiB allocated + 0.61 GiB context is 47.93 GiB, under 48: an allocator-cap rule
    # would say 'fits'; under the true limit the first optimizer step ran out
    kind, text = outcome(PEFT_65B_48, 48 * GIB)
    assert kind == "runs_out" and "training step" in text and "47.93 GiB" in text


def test_the_seed_holds_with_qlora_and_is_conditional_when_any_configuration_may_be_meant():
    runs = {"reference": REF_65B, "peft_default": PEFT_65B_48}
    out = judge(_params(gpu_gb=48.0), PRESETS["llama-65b"], runs)
    assert out["verdict"] == "supported"
    assert out["measured"]["outcomes"] == {"reference": "fits", "peft_default": "runs_out"}
    out = judge(_params(gpu_gb=48.0, config="any"), PRESETS["llama-65b"], runs)
    assert out["verdict"] == "conditional" and "PEFT's defaults" in out["explanation"]


def test_state_that_cannot_stay_on_the_gpu_fits_only_paged():
    kind, text = outcome(REF_65B_40, 40 * GIB)
    assert kind == "paged" and "fits only with the optimizer paged to host memory" in text
    runs = {"reference": REF_65B_40, "peft_default": PEFT_65B_48}
    assert judge(_params(gpu_gb=40.0), PRESETS["llama-65b"], runs)["verdict"] == "conditional"
    assert outcome(REF_65B_40, 36 * GIB)[0] == "runs_out"  # not even the step fits


def test_paging_that_happened_is_reported_with_its_slowdown():
    run = copy.deepcopy(REF_65B)
    run["step"].update(paged_out_bytes=int(1.5 * GIB), paging_slowdown=1.6)
    kind, text = outcome(run, 40 * GIB)
    assert kind == "paged" and "1.6x slower per step" in text


def test_running_out_while_loading_decides_every_configuration():
    ran_out = {"part": "loading: block 54 of 80 (4-bit linears)", "message": "out of memory"}
    runs = {"reference": _run(23.28, ran_out=ran_out)}
    out = judge(_params(size_b=70.0, gpu="consumer", config="any"), PRESETS["llama2-70b"], runs)
    assert out["verdict"] == "refuted"
    assert out["measured"]["outcomes"] == {"reference": "runs_out", "peft_default": "runs_out"}
    assert "loading block 54 of 80" in out["explanation"]


def test_configurations_sharing_one_base_measure_what_fresh_processes_do():
    """One load for both configurations: each reads as it does alone (same losses, weights and
    adapters), and the second says whose load it shares and what the first left outside the
    allocator (nothing on the CPU)."""
    import torch

    from verifiers._qlora_measure import measure, measure_configs

    kw = {"device": "cpu", "r": 4, "seq": 16, "steps": 2, "log": lambda s: None}
    cfgs = configurations(VERIFIER.resolve_params({"size_b": 7, "optimizer": "adamw_32bit"}))
    alone = {}
    for name in ("peft_default", "reference"):
        torch.manual_seed(1)  # what a fresh process starts from
        alone[name] = measure(TINY, **cfgs[name], **kw)
    torch.manual_seed(1)
    shared = measure_configs(TINY, {n: cfgs[n] for n in ("peft_default", "reference")}, **kw)
    for name, m in alone.items():
        assert shared[name]["step"]["losses"] == m["step"]["losses"]
        assert shared[name]["weights"] == m["weights"]
        assert shared[name]["trainable_params"] == m["trainable_params"]
    assert shared["reference"]["load"]["shared_with"] == "peft_default"
    assert shared["reference"]["carried_bytes"] == 0


def test_lora_on_a_16_bit_base_is_estimated_from_its_own_counts():
    """bf16 weights take 2 bytes per parameter: LLaMA-65B's alone exceed 48 GiB; Llama-3-8B
    fits 24 GiB at batch 1 x 512 with checkpointing but not at batch 4 x 2048 without it."""
    from paired import pairing

    from verifiers.qlora_memory import VERIFIER as MEMORY

    def judged(sentence):
        frame = next(f for f in pairing(sentence).frames if f.verifier == MEMORY.id)
        assert frame.params["claim"] == "fits16" and not frame.lower_bound, frame
        return MEMORY.fallback(MEMORY.resolve_params(frame.params))

    big = judged("Plain LoRA on LLaMA-65B with a bf16 base fits on a single 48 GB GPU.")
    assert big["verdict"] == "refuted" and big["measured"]["weights_bf16_gib"] > 48
    mid = judged("Plain 16-bit LoRA on Llama-3-8B fits on a 24 GB GPU.")
    assert mid["verdict"] == "conditional", mid["explanation"]
    m = mid["measured"]
    assert m["light_step_gib"] < 24 < m["heavy_step_gib"]
    # LoRA alone says nothing of the base's width: judged on both widths (fits_any)
    loose = next(f for f in pairing("LoRA lets you fine-tune Llama-2-13B on a 24 GB card.").frames
                 if f.verifier == MEMORY.id)
    assert loose.params["claim"] == "fits_any" and not loose.lower_bound
