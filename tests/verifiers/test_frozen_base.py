"""lora.frozen_base: real optimizer steps on a tiny Llama (reference LoRA and PEFT)."""

import pytest
from paired import paired_params as shape_params
from paired import pairing

from verifiers._frame import Frame
from verifiers.frozen_base import VERIFIER


def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "claim", "denied"), [
    ("LoRA freezes pretrained model weights and injects trainable low-rank matrices into "
     "layers.",
     "frozen", False),
    ("Hugging Face PEFT documentation describes LoRA as representing weight updates with "
     "two smaller matrices while leaving the original weight matrix frozen.",
     "frozen", False),
    ("Instead of updating all model parameters, LoRA freezes the pre-trained weights and "
     "injects small trainable matrices into each layer.",
     "frozen", False),
    ("During LoRA training the base model weights remain unchanged; only the adapters learn.",
     "frozen", False),
    ("With low-rank adaptation the backbone parameters are kept fixed.",
     "frozen", False),
    ("LoRA does not freeze the pretrained weights.",
     "frozen", True),
    ("LoRA fine-tuning also updates the base model weights.",
     "frozen", True),
    ("In LoRA the pre-trained weights are updated together with A and B.",
     "frozen", True),
    ("LoRA does not update the pretrained weights.",
     "frozen", False),
    ("LoRA never modifies the base model's weights.",
     "frozen", False),
    ("Only the low-rank matrices A and B are trained; W0 receives no gradient.",
     "frozen", False),
    ("LoRA updates every weight of the model.",
     "frozen", True),
    ("The base model weights get updated during LoRA training.",
     "frozen", True),
    ("LoRA keeps W0 unchanged throughout training.",
     "frozen", False),
    ("At the first optimizer step only B receives a non-zero gradient, because B starts at "
     "zero.",
     "b_only_first_step", False),
    ("Both A and B receive a gradient at the first training step.",
     "a_and_b_first_step", False),
])
def test_sentences_pair_with_claim_and_polarity(sentence, claim, denied):
    """A denied frame keeps the claim as named: the pipeline turns its verdict round."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["claim"] == claim and frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "Full fine-tuning updates all model parameters.",
    "Multiple LoRA adapters can be hot-swapped without reloading the base model.",
    "LoRA has 19,123 citations as of May 2026.",
    "GPTQ-quantized checkpoints can also serve as the frozen base for LoRA training.",
    "Merging a LoRA adapter into the base weights changes the model's outputs.",
])
def test_other_sentences_do_not_pair_here(sentence):
    """Full fine-tuning, another family, a citation count, an attributive 'frozen'."""
    assert _frame(sentence) is None


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert pairing(sentence).verifier == VERIFIER.id, pairing(sentence).reason


def test_a_claim_about_deployment_holds_only_in_training():
    frame = pairing("With LoRA the base model's weights are never altered, not even at "
                    "deployment.").frames[0]
    assert frame.verifier == VERIFIER.id and "deployment" in frame.condition


@pytest.mark.parametrize("sentence", [
    "Keep tenants' adapters unmerged: merging rewrites W in place for every request on the node.",
    "LoRA training never touches W0; only an explicit merge changes those weights.",
])
def test_weights_a_merge_changes_are_not_said_to_train(sentence):
    frame = next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)
    assert frame is None or frame.polarity or frame.params is None


def test_to_params_reads_no_text():
    assert VERIFIER.to_params(Frame("lora", "base_frozen", "")) == {"claim": "frozen"}
    assert VERIFIER.to_params(Frame("lora", "first_step_grad", "", cues=("a_and_b",))) == {
        "claim": "a_and_b_first_step"}
    assert isinstance(VERIFIER.to_params(Frame("lora", "scaling", "")), str)

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


def test_adapters_said_to_be_frozen_is_not_a_claim_about_the_base():
    for text in ("Neither A nor B is frozen during LoRA training.",
                 "The LoRA matrices A and B are frozen."):
        frames = pairing(text).frames
        assert frames and all(f.verifier is None for f in frames), text
    assert pairing("The base weights are frozen and only A and B are trained.").verifier == (
        VERIFIER.id)


@pytest.mark.parametrize(("sentence", "claim"), [
    ("With PEFT nothing except the lora_A and lora_B matrices ever receives an update.",
     "only_adapters"),
    ("After wrapping, every parameter other than lora_A and lora_B has requires_grad=False.",
     "only_adapters"),
    ("Only A and B are trained; nothing else in the network changes.", "only_adapters"),
    # the base said frozen, with the classifier named as an exception: the plain claim
    ("The base gets requires_grad=False on everything except lora_A and lora_B, plus the "
     "biases if bias='lora_only'.", "frozen"),
    ("LoRA keeps the pretrained weights frozen and trains only A and B.", "frozen"),
    # an exclusive "only" said of PEFT's wrapped model: its scope is every parameter
    ("Once get_peft_model has run, the lora_A and lora_B weights are the only parameters that "
     "receive gradients.", "only_adapters"),
    ("In a PEFT model only the adapter tensors are trainable.", "only_adapters"),
    # the same words of the method, or with the base said frozen: set against W0
    ("In LoRA only the A and B matrices are trainable.", "frozen"),
    ("With PEFT the pretrained matrices stay frozen and only A and B train.", "frozen"),
])
def test_an_exclusive_only_puts_every_parameter_in_scope(sentence, claim):
    frame = _frame(sentence)
    assert frame is not None and frame.params["claim"] == claim, sentence


def test_nothing_but_the_adapters_holds_for_a_causal_lm_not_a_classifier():
    pytest.importorskip("peft")
    got = VERIFIER.run(VERIFIER.resolve_params({"claim": "only_adapters"}))
    assert got["verdict"] == "conditional"
    assert got["measured"]["causal_lm_defaults"] == []
    assert any("score" in n for n in got["measured"]["seq_cls_task_type"])


@pytest.mark.parametrize(("sentence", "defaults_said"), [
    ("Under LoRA the input embedding table stays frozen, so rows added for new tokens keep "
     "their random start.", False),
    ("PEFT leaves the bias vectors and the RMSNorm weights untouched while A and B train.",
     False),
    ("By default the lm_head stays frozen in a PEFT LoRA run.", True),
])
def test_parts_of_the_base_pair_as_parts(sentence, defaults_said):
    frame = _frame(sentence)
    assert frame is not None, sentence
    assert frame.params == {"claim": "parts_frozen", "defaults_said": defaults_said,
                            "setting_stated": False, "task": "causal_lm"}


def test_parts_freeze_by_default_and_train_when_the_config_asks():
    out = VERIFIER.run(VERIFIER.resolve_params({"claim": "parts_frozen"}))
    assert out["verdict"] == "conditional", out["explanation"]
    m = out["measured"]
    assert not any(m["defaults"].values())
    assert all(n > 0 for n in m["when_asked"].values()), m["when_asked"]
    said = VERIFIER.run(VERIFIER.resolve_params({"claim": "parts_frozen",
                                                 "defaults_said": True}))
    assert said["verdict"] == "supported"


def test_a_part_said_of_the_setting_that_trains_it_is_judged_in_that_setting():
    frame = _frame("With modules_to_save=['lm_head'] the adapters are no longer the only weights "
                   "that get gradients.")
    assert frame is not None and frame.params["setting_stated"] and not frame.polarity
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    # the denied claim ("only the adapters") is refuted there: the sentence holds
    assert out["verdict"] == "refuted", out["explanation"]


@pytest.mark.parametrize(("sentence", "polarity"), [
    ("The backward pass still runs through the frozen layers to reach the adapters.", True),
    ("Since the base is frozen, backpropagation skips the pretrained layers.", False),
    ("Frozen weights mean no backward pass runs through the base at all.", False),
])
def test_the_backward_pass_through_the_frozen_base_is_measured(sentence, polarity):
    frame = next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id
                  and f.params.get("claim") == "backward_through"), None)
    assert frame is not None and frame.params == {"claim": "backward_through"}, sentence
    assert frame.polarity is polarity, sentence
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == "supported", out["explanation"]
    m = out["measured"]
    assert m["first_block_grad_B_max"] > 0 and m["base_tensors_with_grad"] == 0
    assert m["frozen_blocks_above"] >= 1



@pytest.mark.parametrize(("sentence", "polarity", "verdict"), [
    # PEFT puts a SEQ_CLS classifier's head in modules_to_save: it trains in full
    ("Wrapping a classifier with task_type='SEQ_CLS' leaves its classification head frozen too.",
     True, "refuted"),
    ("If you pass task_type=TaskType.SEQ_CLS, PEFT trains the classifier head in full next to "
     "the adapters.", False, "supported"),
])
def test_a_classifier_head_is_judged_on_a_seq_cls_model(sentence, polarity, verdict):
    frame = _frame(sentence)
    assert frame is not None, sentence
    assert frame.params["claim"] == "parts_frozen" and frame.params["task"] == "seq_cls"
    assert frame.polarity is polarity
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert any("score" in n or "classifier" in n for n in out["measured"]["seq_cls_trainable"])
    # the verifier checks "frozen"; a sentence saying "trained" is that claim denied
    said = out["verdict"] if polarity else {"supported": "refuted", "refuted": "supported"}[
        out["verdict"]]
    assert said == verdict, out["explanation"]


@pytest.mark.parametrize(("sentence", "polarity"), [
    ("The frozen base weights still accumulate gradients in every backward pass.", False),
    ("AdamW's first and second moment buffers are only allocated for the LoRA weights.", True),
])
def test_gradients_and_optimizer_state_of_the_base_are_read(sentence, polarity):
    frame = _frame(sentence)
    assert frame is not None and frame.params["claim"] == "frozen", sentence
    assert frame.polarity is polarity
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == "supported" and out["measured"]["peft"]["base_with_grad"] == 0
