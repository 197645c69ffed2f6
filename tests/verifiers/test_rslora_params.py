"""lora.rslora_params: use_rslora=True trains the same tensors as LoRA and changes only the
scale, measured with the installed PEFT on a tiny random Llama (no mocks, no downloads)."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.rslora_params import VERIFIER

pytestmark = pytest.mark.skipif(not peft_available(), reason="peft / transformers not installed")


def _verdict(sentence: str) -> tuple[str, dict]:
    (frame,) = [f for f in pairing(sentence, "rslora").frames if f.verifier == VERIFIER.id]
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    swap = {"supported": "refuted", "refuted": "supported"}
    return (out["verdict"] if frame.polarity else swap.get(out["verdict"], out["verdict"])), out


def test_the_flag_keeps_the_tensors_and_changes_only_the_scale():
    out = VERIFIER.run(VERIFIER.resolve_params({"r": 16, "alpha": 32.0}))
    m = out["measured"]
    assert out["verdict"] == "supported" and m["same_tensors"]
    assert m["lora"]["trainable"] == m["rslora"]["trainable"] > 0
    assert m["lora"]["scale"] == pytest.approx(32 / 16)
    assert m["rslora"]["scale"] == pytest.approx(32 / 16 ** 0.5)


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("rsLoRA adds no extra trainable parameters; only the scale of the update differs.",
     "supported"),
    ("Turning on rsLoRA increases the number of trainable parameters.", "refuted"),
])
def test_sentences_about_rslora_s_parameter_count(sentence, verdict):
    assert _verdict(sentence)[0] == verdict
