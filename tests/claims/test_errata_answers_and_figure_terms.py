"""Prose from outside the team: a claim told and then corrected or contradicted after a break, an
erratum that replaces a quoted wording, a question answered "Not on that model", a glossary
whose term is a figure, training said never to write into W0, and an adapter said to sit on a
4-bit base (the width is the base's)."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params

from kbcheck.claims.normalise import normalise


@pytest.mark.parametrize("sentence", [
    "Priya suggested that loading a second adapter forces a reload of the base from disk; this "
    "was corrected in the next meeting.",
    "Some blog posts say B is the random matrix; that is not what PEFT does.",
    "The design doc assumes bottleneck adapters can be folded into W like LoRA; they can't, "
    "since a nonlinearity sits between their two projections.",
])
def test_a_claim_told_then_corrected_is_not_the_writers(sentence):
    pairing = _pair(sentence)
    # the told claim is neither refuted nor supported as the writer's: nothing is judged
    assert pairing.verifier is None, pairing


def test_the_writers_words_after_a_contradiction_are_read():
    # "you say X, but it does: ..." sets X aside; what follows the colon is the writer's
    pairing = _pair("You say rsLoRA changes nothing, but it does: with use_rslora the scale is "
                    "lora_alpha / sqrt(r), 8 at r=16 and alpha 32.")
    assert pairing.verifier == "lora.ba_update", pairing


def test_a_contradiction_the_whole_sentence_reads_as_a_denial_stays_read_whole():
    # "...; they aren't - ..." is read as the denial of the claim told, as before
    frames = _pair("Group 4 says that with QLoRA the LoRA matrices are also kept in 4-bit; they "
                   "aren't - only the frozen base is quantized.").frames
    assert any(f.verifier == "lora.qlora_storage" and not f.polarity for f in frames), frames


@pytest.mark.parametrize(("sentence", "verifier", "key", "value"), [
    # the new reading after "should read:", unquoted
    ("p. 58: 'NF4 stores exactly 4 bits per weight' should read: NF4 with double quantization "
     "averages about 4.127 bits per weight.", "lora.qlora_storage", "bits", 4.127),
    # "Replace 'X' with 'Y'": Y is what the writer states
    ("p. 9: Replace 'rank 8 on q and v of Llama-2-7B trains 8.4 million parameters' with 'rank 8 "
     "on q and v of Llama-2-7B trains 4.2 million parameters'.", "lora.param_count", "count",
     4.2e6),
])
def test_an_erratum_states_its_replacement(sentence, verifier, key, value):
    params = _params(sentence, verifier)
    assert isinstance(params, dict) and params.get(key) == pytest.approx(value), params


def test_a_question_answered_not_in_a_setting_is_denied():
    frames = _pair("Q: After merge_and_unload(), can I still switch to another adapter? A: Not on "
                   "that model: the adapter is baked into the weights.").frames
    # what the question asks (switching still works after unloading) is denied, not asserted
    assert frames and not any(f.verifier == "lora.serving" and f.polarity for f in frames), frames


def test_not_without_grants_under_a_condition():
    # "Not without X" is no denial: nothing is refuted on it
    frames = _pair("Can DoRA be merged into the base? Not without computing the column norms "
                   "first.").frames
    assert not any(f.verifier == "lora.dora" and not f.polarity for f in frames), frames


@pytest.mark.parametrize(("line", "reading"), [
    ("16 — the number of levels an NF4 code has.", "The number of levels an NF4 code has is 16."),
    ("10,000 — the factor by which LoRA cut GPT-3's trainable parameters.",
     "The factor by which LoRA cut GPT-3's trainable parameters is 10,000x."),
    ("0 — the extra latency of a merged adapter, unlike a bottleneck adapter.",
     "There is no extra latency of a merged adapter, unlike a bottleneck adapter."),
    # a section's heading in capitals run into the line, and a hedged figure
    ("WHAT MERGING COSTS 0 — the extra latency of a merged adapter.",
     "There is no extra latency of a merged adapter."),
    ("About 40 — the factor by which the model outweighs the adapter.",
     "The factor by which the model outweighs the adapter is about 40x."),
    # a size, then the model it is of
    ("26 GB — Llama-2-13B in bf16.", "Llama-2-13B in bf16 is 26 GB."),
    # a numbered item that states something of its own is left as it is
    ("1: the base model is frozen.", "1: the base model is frozen."),
])
def test_a_glossary_term_that_is_a_figure_is_the_measure_it_defines(line, reading):
    assert normalise(line) == reading


def test_a_figure_term_is_judged_as_the_measure():
    params = _params("1 — the number of copies of the base model you keep in memory to serve many "
                     "adapters.", "lora.hot_swap")
    assert isinstance(params, dict), params
    frames = _pair("1 — the number of copies of the base model you keep in memory to serve many "
                   "adapters.").frames
    assert all(f.polarity for f in frames if f.verifier == "lora.hot_swap"), frames


def test_training_that_never_writes_into_w0_is_a_frozen_base():
    frames = _pair("Training an adapter never writes into W0.").frames
    assert [f.verifier for f in frames] == ["lora.frozen_base"], frames
    assert frames[0].polarity, frames


def test_the_width_of_the_base_an_adapter_sits_on_is_not_the_adapters():
    frames = _pair("A rank-8 q/v adapter on 4-bit Llama-2-7B trains 4,194,304 parameters.").frames
    assert not any(f.params.get("adapters_quantized") for f in frames if f.params), frames


def test_memory_before_and_after_is_no_double_quantization_saving():
    pairing = _pair("QLoRA (NF4 with double quantization) cuts Llama-2-7B's weight memory from "
                    "about 13.5 GB to under 4 GB.")
    assert not any(f.params.get("claim") == "dq_bytes" for f in pairing.frames if f.params), \
        pairing
