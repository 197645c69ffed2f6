"""lora.adapter_size: adapter files written with safetensors, full-model bytes from presets."""

import tempfile

import pytest
from paired import paired_params as shape_params

from verifiers._presets import PRESETS
from verifiers.adapter_size import VERIFIER, measure_adapter


def _run(sentence):
    params = shape_params(VERIFIER, sentence)
    assert params is not None, sentence
    return VERIFIER.run(params)








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


