"""Cards named as their owners write them: a card "with 16 GB of memory" (its size, not an amount
a step takes), GPU models from the shared word list (A5000, A4000, plural "3090s"), one of
several cards; and DoRA's extra share said of DoRA switched on over a LoRA setup."""

from __future__ import annotations

import re

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params

from kbcheck.claims.lexicon import load


@pytest.mark.parametrize(("sentence", "gpu_gb"), [
    # a card "with" an amount: the card's marketed size, read as GiB as a card's is, not an
    # amount the step needs
    ("QLoRA lets you fine-tune a 13B model on a graphics card with 24 GB of memory.", 24.0),
    ("With QLoRA, a 7B model trains on a T4 with 16 GB of VRAM.", 16.0),
    ("QLoRA fine-tunes a 65B model on one GPU with 48 GB of memory.", 48.0),
    # GPU models of the word list, their memory known
    ("With QLoRA, 13B fine-tuning jobs fit on the 24GB A5000 nodes.", 24.0),
    ("QLoRA lets you fine-tune Llama-2-13B on a single A5000.", 24.0),
    ("QLoRA trains a 7B model on an RTX A4000.", 16.0),
    ("QLoRA puts a 33B model on a single A40.", 48.0),
])
def test_a_card_is_read_with_its_size(sentence, gpu_gb):
    params = _params(sentence, "lora.qlora_memory")
    assert isinstance(params, dict) and params.get("gpu_gb") == gpu_gb, params


def test_an_amount_a_run_uses_is_still_not_a_card():
    pairing = _pair("QLoRA fine-tuning of a 7B model runs with about 9 GB of memory.")
    assert pairing.verifier is None and "amount of memory needed" in pairing.reason, pairing




def test_one_of_several_cards_is_one_card():
    params = _params("Even in NF4 a 70B base is around 35 GB of weights, so it can't fit on one "
                     "of my 24 GB 3090s whatever the batch size.", "lora.qlora_memory")
    # one card, so the fit is not measured over two cards sharing the model
    assert isinstance(params, dict) and "gpus" not in params, params
    assert params.get("gpu_gb") == 24.0, params


def test_every_word_list_a_pattern_names_exists():
    words = load("words")
    texts = [str(cue.get(k, "")) for entry in load("predicates") for cue in
             [*entry["cues"], entry] for k in ("re", "requires", "sign_needs")]
    texts += [p for entry in load("predicates") for p in entry.get("marks", {}).values()]
    texts += list(load("cues").values())
    named = {m for t in texts for m in re.findall(r"\{([a-z_]+)\}", t)} - {"each"}
    assert named and named <= set(words), named - set(words)


@pytest.mark.parametrize(("sentence", "ratio"), [
    ("Turning on use_dora adds only about 3% more trainable parameters.", 1.03),
    ("Enabling DoRA on q_proj and v_proj of Llama-2-7B at r=8 adds about 6% more trainable "
     "parameters.", 1.06),
])
def test_a_share_more_said_of_dora_switched_on_is_over_lora(sentence, ratio):
    params = _params(sentence, "lora.dora_budget")
    assert isinstance(params, dict) and params.get("claim") == "ratio", params
    assert params["ratio"] == pytest.approx(ratio), params


def test_a_share_more_of_another_method_is_not_doras():
    assert _params("QLoRA needs 30% more parameters.", "lora.dora_budget") is None
