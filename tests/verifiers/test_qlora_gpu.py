"""qlora_memory's measurement on a real GPU (skipped without CUDA): a tiny Llama as QLoRA under
a true limit that it cannot load within, so the run notes what ran out while loading."""

import pytest

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_a_true_limit_run_notes_what_ran_out_while_loading():
    pytest.importorskip("bitsandbytes", reason="bitsandbytes not installed")
    pytest.importorskip("peft", reason="peft not installed")
    from verifiers._presets import Preset
    from verifiers._qlora_measure import measure
    from verifiers.qlora_memory import VERIFIER, judge

    p = Preset("gpu-test", layers=4, d_model=1024, d_ff=2816, heads=8, kv_heads=8, vocab=32000)
    torch.cuda.init()
    torch.zeros(1, device="cuda")
    context = torch.cuda.mem_get_info()[1] - torch.cuda.mem_get_info()[0]
    m = measure(p, limit_bytes=context + 32 * 2**20, r=8, seq=128, steps=2, log=lambda s: None)
    assert m["ran_out"] is not None and m["ran_out"]["part"].startswith("loading")
    assert m["step"] is None and m["filler_bytes"] > 0
    params = VERIFIER.resolve_params({"size_b": 7, "gpu_gb": 1, "r": 8, "seq": 128, "steps": 2})
    assert judge(params, p, {"reference": m}, 4.127)["verdict"] == "refuted"
