"""lora.peft_save: what PEFT's save_pretrained writes, read back from the files."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.peft_save import VERIFIER

needs_peft = pytest.mark.skipif(not peft_available(), reason="needs peft")


def _frame(sentence: str):
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "polarity"), [
    ("model.save_pretrained(path) stores just the adapter tensors and adapter_config.json.",
     True),
    ("Saving a PeftModel writes only the adapter, never the frozen base weights.", True),
    ("save_pretrained on a PeftModel also writes the base model's weights next to the adapter.",
     False),
    ("Be careful: save_pretrained writes the full model checkpoint, adapter included.", False),
])
def test_sentences_pair_with_polarity(sentence, polarity):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params == {"claim": "adapter_only"} and frame.polarity is polarity


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert pairing(sentence).verifier == VERIFIER.id, pairing(sentence).reason


@needs_peft
def test_the_saved_files_hold_the_adapter_alone():
    res = VERIFIER.run(VERIFIER.resolve_params({}))
    m = res["measured"]
    assert res["verdict"] == "supported", res["explanation"]
    assert "adapter_config.json" in m["files"] and "adapter_model.safetensors" in m["files"]
    assert m["base_tensor_count"] == 0 and m["lora_tensors"] == m["tensors"] > 0
    assert m["weights_bytes"] < 0.1 * m["base_model_bytes"]
