"""lora.adapter_size: adapter files written with safetensors, full-model bytes from presets."""

import tempfile

import pytest
from claim_match import shape_params

from verifiers._presets import PRESETS
from verifiers.adapter_size import VERIFIER, measure_adapter


def _run(sentence):
    params = shape_params(VERIFIER, sentence)
    assert params is not None, sentence
    return VERIFIER.run(params)


def test_seed_storage_sentence_is_conditional_on_configuration():
    out = _run("Storage efficiency: LoRA adapter is typically 5-50 MB vs. 140+ GB for full "
               "model weights")
    assert out["verdict"] == "conditional"
    full = {row["model"]: row for row in out["measured"]["full_model"]}
    assert full["llama2-70b"]["bytes"] == 2 * PRESETS["llama2-70b"].total_params()
    assert full["llama2-70b"]["holds"] and not full["llama-65b"]["holds"]


def test_stated_adapter_size_both_directions():
    out = _run("The LoRA checkpoint for GPT-3 175B at r=4 on the query and value projections "
               "is about 35 MB.")
    assert out["verdict"] == "supported"
    assert out["measured"]["adapter"]["examples"][0]["how"] == "written whole"
    out = _run("A LoRA adapter for LLaMA 7B with r=8 on q,v weighs 200 MB.")
    assert out["verdict"] == "refuted"
    assert out["measured"]["adapter"]["examples"][0]["MB"] == pytest.approx(8.405, abs=0.001)


def test_full_model_dtype_matters():
    assert _run("Llama 2 70B in 16-bit takes over 140 GB on disk.")["verdict"] == "supported"
    out = _run("Llama 2 70B weights in fp32 take 140 GB.")
    assert out["verdict"] == "refuted"
    assert out["measured"]["full_model"][0]["GB"] == pytest.approx(275.9, abs=0.1)


def test_scaled_size_equals_the_whole_file():
    preset = PRESETS["llama-7b"]
    with tempfile.TemporaryDirectory() as tmp:
        whole = measure_adapter(preset, "qv", 8, "float16", tmp)
        scaled = measure_adapter(preset, "qv", 8, "float16", tmp, rank_one=True)
    assert whole["how"] == "written whole"
    # Only the header differs (wider layer indices and offsets): well under 0.1%.
    assert abs(whole["bytes"] - scaled["bytes"]) < 1000
    assert whole["tensor_bytes"] == 2 * preset.lora_params(8)


@pytest.mark.parametrize("sentence", [
    "QLoRA enables 65B fine-tuning on a single 48GB GPU.",
    "LoRA needs 3x less GPU memory than full fine-tuning, e.g. 350 GB to 120 GB.",
])
def test_shapes_leave_gpu_memory_claims(sentence):
    assert shape_params(VERIFIER, sentence) is None


def test_compact_adapter_without_numbers():
    params = shape_params(VERIFIER, "A LoRA adapter is a small file compared with the full "
                                    "model.")
    assert params is not None and params["compact"]
    out = VERIFIER.run(params)
    assert out["verdict"] == "supported"
    assert out["measured"]["largest"]["pct_of_model"] < 5
    strict = VERIFIER.run({**params, "compact_pct": 0.001})
    assert strict["verdict"] == "refuted"


@pytest.mark.parametrize("sentence", ["LoRA adapters are usually between 10 and 100 MB.",
                                      "LoRA adapters are usually 10 to 100 MB."])
def test_range_wordings(sentence):
    params = shape_params(VERIFIER, sentence)
    assert (params["mb"], params["mb_high"]) == (10.0, 100.0)
