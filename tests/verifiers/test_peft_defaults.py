"""lora.peft_defaults: PEFT's LoraConfig defaults measured with the installed PEFT on tiny
random models (no mocks, no downloads): settings read back and seen on a wrapped layer, and
the modules target_modules=None adapts per architecture."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.peft_defaults import VERIFIER, layer, read_config, targets

pytestmark = pytest.mark.skipif(not peft_available(), reason="peft / transformers not installed")


def _verdict(sentence: str) -> tuple[str, dict]:
    """The verdict of the sentence's peft_defaults frame, turned round when it is denied (as
    the pipeline does), with the run's measured values."""
    (frame,) = [f for f in pairing(sentence).frames if f.verifier == VERIFIER.id]
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    swap = {"supported": "refuted", "refuted": "supported"}
    return (out["verdict"] if frame.polarity else swap.get(out["verdict"], out["verdict"])), out


def test_an_untouched_loraconfig_reads_back_the_documented_defaults():
    c = read_config()
    assert (c["r"], c["lora_alpha"], c["lora_dropout"], c["bias"]) == (8, 8, 0.0, "none")
    assert c["use_rslora"] is False and c["use_dora"] is False
    assert c["init_lora_weights"] is True and c["target_modules"] is None


def test_a_wrapped_layer_shows_the_same_defaults():
    m = layer()
    assert m["r"] == 8 and m["scaling"] == 1.0 and m["alpha"] == 8.0
    assert m["dropout_module"] == "Identity" and not m["dora"] and m["trainable_biases"] == 0
    # init_lora_weights=True: B zero, A inside the Kaiming-uniform bound 1/sqrt(fan_in)
    assert m["b_all_zero"] and m["a_max_over_bound"] <= 1.0
    assert m["a_std_over_uniform"] == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(("model", "names"), [
    ("llama", ["q_proj", "v_proj"]), ("gpt2", ["c_attn"]), ("bloom", ["query_key_value"]),
    ("t5", ["q", "v"]),
])
def test_default_target_modules_are_what_get_peft_model_wraps(model, names):
    assert targets(model) == {"names": names, "refused": ""}


def test_an_architecture_without_a_default_is_recorded_as_refused():
    got = targets("mixtral")
    assert got["names"] == [] and got["refused"]


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("In PEFT, the rank r defaults to 8.", "supported"),
    ("PEFT's default lora_alpha is 16.", "refuted"),
    ("lora_dropout is 0 unless you set it in LoraConfig.", "supported"),
    ("The default LoRA dropout in PEFT is 0.1.", "refuted"),
    ("In PEFT, bias defaults to 'none'.", "supported"),
    ("use_rslora and use_dora are off by default in LoraConfig.", "supported"),
    ("use_dora defaults to True in PEFT.", "refuted"),
    ("init_lora_weights defaults to 'gaussian' in PEFT.", "refuted"),
    ("With PEFT's defaults the scaling alpha/r is 2.", "refuted"),
    ("If you leave target_modules unset, PEFT adapts q_proj and v_proj on a Llama model.",
     "supported"),
    ("For BLOOM, PEFT's default target modules are q_proj and v_proj.", "refuted"),
    ("Out of the box, LoraConfig adapts the query and value projections.", "conditional"),
    # an adverb before the verb of an untouched config
    ("An empty LoraConfig() already uses r=16, so there is no need to pass it.", "refuted"),
    # a setting left out, then what PEFT falls back to or picks
    ("lora_alpha was left out of our config, so it falls back to PEFT's default of 16.",
     "refuted"),
    ("target_modules is None here, so for a Llama checkpoint PEFT picks q_proj and v_proj "
     "itself.", "supported"),
])
def test_sentences_are_judged_from_the_measurement(sentence, verdict):
    assert _verdict(sentence)[0] == verdict


@pytest.mark.parametrize(("sentence", "verdict", "setting"), [
    ("Giving LoraConfig use_dora=True converts each adapted layer into a DoRA layer.",
     "supported", "use_dora"),
    ("rsLoRA is selected with use_rslora=True.", "supported", "use_rslora"),
    ("Setting use_dora=True in your config does not enable DoRA.", "refuted", "use_dora"),
])
def test_a_flag_set_to_true_is_measured_turning_its_method_on(sentence, verdict, setting):
    got, out = _verdict(sentence)
    assert got == verdict and out["expected"]["setting"] == setting
    on, off = out["measured"][setting]["on"], out["measured"][setting]["off"]
    if setting == "use_dora":  # the magnitude vector appears only with the flag
        assert on["dora"] and not off["dora"]
    else:  # r=8, lora_alpha=16: alpha/sqrt(r) with the flag, alpha/r without
        assert on["scaling"] == pytest.approx(16 / 8 ** 0.5) and off["scaling"] == 2.0


def test_a_wrong_default_is_refuted_with_the_true_value():
    verdict, out = _verdict("PEFT's default lora_alpha is 16.")
    assert verdict == "refuted"
    assert out["measured"]["_figure"] == {"quantity": "default lora_alpha", "stated": 16,
                                          "measured": 8, "unit": ""}
    assert "PEFT 0." in out["explanation"] and "= 8" in out["explanation"]


@pytest.mark.parametrize("sentence", [
    "We set r=16 and lora_alpha=32 in our LoraConfig.",
    "bnb_4bit_compute_dtype defaults to float32.",
    "We see that the default is to apply LoRA to Q and V projections with a rank of 8.",
])
def test_chosen_values_and_other_libraries_defaults_are_not_paired_here(sentence):
    assert all(f.verifier != VERIFIER.id for f in pairing(sentence).frames)
