"""qlora_memory: a one-GPU fit that the QLoRA paper did not report, with no batch or sequence
stated, holds only at small settings when the reference step fills most of the card."""

import pytest
from paired import pairing

from verifiers.qlora_memory import HEADROOM, VERIFIER, fallback


def _frame(sentence: str):
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "headroom"), [
    ("With QLoRA a 13B model can be trained on a 12 GB card.", True),
    ("QLoRA lets you fine-tune Llama-2-70B on one 48 GB GPU.", True),
    # the paper's own results, a stated batch and sequence, a denial, several cards
    ("QLoRA fine-tunes a 65B model on a single 48 GB GPU.", False),
    ("With QLoRA a 33B model trains on one 24 GB card.", False),
    ("With QLoRA, a 13B model at batch size 1 and 512 tokens trains on a 12 GB card.", False),
    ("Even with QLoRA, a 70B model does not fit on one 24 GB card.", False),
    # an amount of memory used, not a card
    ("QLoRA trains a 13B model in under 11 GB of GPU memory.", False),
])
def test_the_token_marks_fits_whose_settings_are_open(sentence, headroom):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert ("headroom" in frame.params.get("open", "")) is headroom, frame


def _estimate(size_b: float, gpu_gb: float, model: str = "") -> dict:
    return fallback(VERIFIER.resolve_params({"claim": "fits", "size_b": size_b, "model": model,
                                             "gpu_gb": gpu_gb, "open": "headroom"}))


def test_little_room_left_is_conditional_and_ample_room_supported():
    tight = _estimate(13, 12)
    assert tight["verdict"] == "conditional", tight["explanation"]
    assert tight["measured"]["estimate_total_gib"] > HEADROOM * 12
    ample = _estimate(7, 24)
    assert ample["verdict"] == "supported", ample["explanation"]
    # without the token the same tight estimate is a plain fit
    plain = fallback(VERIFIER.resolve_params({"claim": "fits", "size_b": 13, "gpu_gb": 12}))
    assert plain["verdict"] == "supported", plain["explanation"]


def test_a_close_call_with_settings_open_holds_at_smaller_ones():
    frame = _frame("QLoRA trains a 7B model in under 6 GB of GPU memory.")
    assert frame is not None and frame.params["open"] == "settings", frame
    close = fallback(VERIFIER.resolve_params(frame.params))
    assert close["verdict"] == "conditional" and "too close to call" in close["explanation"]
    # the same figures with the settings stated stay undecided
    stated = fallback(VERIFIER.resolve_params({**frame.params, "open": ""}))
    assert stated["verdict"] == "unverifiable", stated["explanation"]


def test_a_bare_size_no_paper_model_has_is_the_model_sold_at_it():
    frame = _frame("With QLoRA an 8B model trains on one 24 GB card.")
    assert frame is not None and frame.params["model"] == "llama3-8b", frame


def test_can_does_not_turn_a_fit_at_small_settings_into_a_supported_one():
    # "can" claims a setting where it holds; for a one-GPU fit whose batch and sequence are
    # open that setting is the unstated small one, which readers call conditional
    frame = _frame("You can QLoRA-tune a 13B model on a single 12 GB card.")
    assert frame is not None and frame.modality == ""
    paper = _frame("With QLoRA a 65B model can be fine-tuned on one 48 GB GPU.")
    assert paper is not None and "headroom" not in paper.params.get("open", "")


@pytest.mark.parametrize(("sentence", "modality"), [
    # a run that ran out, or may, at a batch and sequence left unsaid
    ("Training OOMed on the 24 GB card because QLoRA on a 13B model needs more memory.",
     "may_fail"),
    ("QLoRA on a 13B model can run out of memory on a 24 GB card.", "may_fail"),
    ("The 13B QLoRA run kept OOMing on our 24 GB A10.", "may_fail"),
    # a plain denial, or one with its workload stated, is judged as a fit
    ("Even with QLoRA, a 13B model does not fit on one 24 GB card.", ""),
    ("With QLoRA, a 13B model at batch 1 and 512 tokens OOMs on a 24 GB card.", ""),
])
def test_a_run_said_to_run_out_at_unsaid_settings_may_fail(sentence, modality):
    frame = _frame(sentence)
    assert frame is not None and not frame.polarity, pairing(sentence).reason
    assert frame.modality == modality, frame
