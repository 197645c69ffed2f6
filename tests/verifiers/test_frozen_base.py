"""lora.frozen_base: real optimizer steps on a tiny Llama (reference LoRA and PEFT)."""

import pytest
from claim_match import shape_params

from verifiers.frozen_base import VERIFIER


@pytest.mark.parametrize(("sentence", "claim"), [
    # seeds
    ("LoRA freezes pretrained model weights and injects trainable low-rank matrices into "
     "layers.", "frozen"),
    ("Hugging Face PEFT documentation describes LoRA as representing weight updates with two "
     "smaller matrices while leaving the original weight matrix frozen.", "frozen"),
    ("Instead of updating all model parameters, LoRA freezes the pre-trained weights and injects "
     "small trainable matrices into each layer.", "frozen"),
    # paraphrases and negations
    ("During LoRA training the base model weights remain unchanged; only the adapters learn.",
     "frozen"),
    ("With low-rank adaptation the backbone parameters are kept fixed.", "frozen"),
    ("LoRA does not freeze the pretrained weights.", "updated"),
    ("LoRA fine-tuning also updates the base model weights.", "updated"),
    ("In LoRA the pre-trained weights are updated together with A and B.", "updated"),
    ("At the first optimizer step only B receives a non-zero gradient, because B starts at zero.",
     "b_only_first_step"),
    ("Both A and B receive a gradient at the first training step.", "a_and_b_first_step"),
    ("LoRA does not update the pretrained weights.", "frozen"),
    ("LoRA never modifies the base model's weights.", "frozen"),
    ("Only the low-rank matrices A and B are trained; W0 receives no gradient.", "frozen"),
    ("LoRA updates every weight of the model.", "updated"),
    ("The base model weights get updated during LoRA training.", "updated"),
])
def test_shapes_read_polarity(sentence, claim):
    params = shape_params(VERIFIER, sentence)
    assert params is not None and params["claim"] == claim


@pytest.mark.parametrize("sentence", [
    "Full fine-tuning updates all model parameters.",
    "Multiple LoRA adapters can be hot-swapped without reloading the base model.",
    "QLoRA keeps the base model frozen in 4-bit NF4.",
    "LoRA has 19,123 citations as of May 2026.",
])
def test_shapes_leave_other_sentences_alone(sentence):
    assert shape_params(VERIFIER, sentence) is None


def _run(**raw):
    return VERIFIER.run(VERIFIER.resolve_params(raw))


def test_frozen_supported_and_updated_refuted_by_measurement():
    out = _run(claim="frozen", steps=2)
    assert out["verdict"] == "supported", out["explanation"]
    ref = out["measured"]["reference"]
    assert ref["base_changed"] == 0 and ref["base_with_grad"] == 0
    assert ref["adapter_changed"] == ref["adapter_tensors"] == 8
    peft = out["measured"]["peft"]
    if "skipped" not in peft:
        assert peft["base_changed"] == 0 and peft["adapter_changed"] == 8
    wrong = _run(claim="updated", steps=2)
    assert wrong["verdict"] == "refuted"
    assert wrong["measured"]["reference"]["base_changed"] == 0


def test_first_step_only_b_gets_gradient():
    out = _run(claim="b_only_first_step", steps=1)
    assert out["verdict"] == "supported"
    assert out["measured"]["reference"]["first_step_grad_A_max"] == 0.0
    assert out["measured"]["reference"]["first_step_grad_B_max"] > 0.0
    assert _run(claim="a_and_b_first_step", steps=1)["verdict"] == "refuted"


def test_symbolic_w0_wording():
    params = shape_params(VERIFIER, "LoRA keeps W0 unchanged throughout training.")
    assert params is not None and params["claim"] == "frozen"


def test_reference_half_runs_without_transformers(monkeypatch):
    import verifiers._env as env

    real = env.has_package
    monkeypatch.setattr(env, "has_package", lambda name: name != "transformers" and real(name))
    from verifiers.frozen_base import _measure

    m = _measure(VERIFIER.defaults() | {"steps": 2}, use_peft=False)
    assert m["base_changed"] == 0 and m["adapter_changed"] == m["adapter_tensors"] == 8


def test_importing_these_verifiers_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; import verifiers.frozen_base, verifiers.ba_update, "
            "verifiers.merge_equivalence, verifiers.merge_latency, verifiers.param_count, "
            "verifiers.adapter_size; assert 'torch' not in sys.modules, 'torch imported'")
    import os
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get(
        "PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
