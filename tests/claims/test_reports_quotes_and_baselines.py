"""Readings of prose from outside the team: a quoted answer or summary called wrong, a claim
set aside with "contrary to", a citation's year, the setting a figure is compared with (its
modules, its dtype, another method's count), a quoted wording that is only mentioned, a run
said to have run out of memory, offloading named beside a fit, and a bound on the rank."""

from __future__ import annotations

import pytest
from sentence_pairing import frames_of as _frames
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params

from kbcheck.claims.normalise import normalise
from kbcheck.claims.quantities import find_quantities


@pytest.mark.parametrize("sentence", [
    # an answer, a summary or a line quoted, then called wrong or a misreading
    "Grader's note: the answer 'LoRA at rank 4 on a 1024x1024 layer trains 16 parameters' is "
    "wrong.",
    "Our old summary 'A is given the larger learning rate' was a misreading of the paper.",
    'The slide line "DoRA triples the trainable count" is inaccurate.',
    # a claim set aside with "contrary to", the writer's words after the comma
    "Contrary to the belief that QLoRA trains the 4-bit weights themselves, only the adapters "
    "get gradients.",
])
def test_a_quoted_claim_called_wrong_is_not_the_writers(sentence):
    pairing = _pair(sentence)
    # what was quoted or believed is not judged as the writer's claim
    assert not any(f.polarity and f.verifier == "lora.param_count" for f in pairing.frames), \
        pairing
    assert not any(f.verifier == "lora.loraplus" and f.polarity for f in pairing.frames), pairing


def test_a_quoted_answer_set_right_is_judged_with_the_writers_figure():
    # the figure corrected is the claimed count, not the layer's width or the rank
    params = _params("Feedback: the answer 'rank 4 on a 2048x2048 matrix adds 16 parameters' is "
                     "wrong, since that is r squared; the correct count is 16,384.",
                     "lora.param_count")
    assert isinstance(params, dict) and params.get("count") == 16384, params
    assert params.get("d") == 2048 and params.get("r") == 4, params


def test_the_writers_own_measurement_after_a_claim_set_aside():
    frames = _pair("Contrary to the claim that LoRA makes inference slower, we measured no "
                   "difference once the adapter was merged.").frames
    assert all(f.verifier != "lora.adapter_latency" for f in frames), frames


@pytest.mark.parametrize("text", ["Hu et al. 2021 report ...", "(Dettmers et al., 2023)",
                                  "Liu et al. 2024 | DoRA"])
def test_a_citations_year_is_no_quantity(text):
    assert not [q for q in find_quantities(normalise(text)) if q.value >= 2000], text


def test_the_modules_a_count_is_compared_with_are_not_its_own():
    params = _params("Moving Llama-2-7B to r=16 on every linear layer trains about 40 million "
                     "parameters, roughly ten times as many as r=8 on q and v.",
                     "lora.param_count")
    assert isinstance(params, dict) and params.get("modules") == "all", params


def test_a_quoted_wording_is_only_mentioned():
    # the quoted words state nothing ("full-rank" would deny that the rank is bounded)
    frames = _frames("Because every update here has rank at most r, the 'full-rank tuning' "
                     "label on the poster is misleading.", "rank_bounded")
    assert frames and all(f.polarity for f in frames), frames


def test_no_difference_to_a_scale_is_no_denial_of_its_form():
    assert "left the effective scale unchanged" in normalise(
        "Turning on rsLoRA made no difference to the effective scale.")


@pytest.mark.parametrize(("sentence", "dtype"), [
    ("8-bit storage halves the bf16 size, so Llama-2-7B comes to about 6.7 GB.", "int8"),
    ("At one byte per weight, Llama-2-13B takes about 13 GB, half the fp16 size.", "int8"),
])
def test_a_dtype_a_size_is_set_against_is_not_its_own(sentence, dtype):
    params = _params(sentence, "lora.adapter_size")
    assert isinstance(params, dict) and params.get("dtype") == dtype, params


@pytest.mark.parametrize(("sentence", "verifier"), [
    ("With DeepSpeed CPU offloading, full fine-tuning of a 7B model fits on one 24 GB GPU.",
     "lora.training_memory"),
    ("QLoRA with the optimizer offloaded to the CPU trains a 70B model on a single 24 GB card.",
     "lora.qlora_memory"),
])
def test_a_fit_with_offloading_named_is_not_judged_as_one_cards(sentence, verifier):
    frames = _pair(sentence).frames
    assert all(f.verifier != verifier for f in frames), frames
    assert any(f.reason.startswith(verifier) and "offload" in f.reason for f in frames), frames


def test_a_fit_said_without_offloading_is_judged():
    params = _params("Full fine-tuning of a 7B model with AdamW fits on one 80 GB A100 without "
                     "any offloading.", "lora.training_memory")
    assert isinstance(params, dict), params


def test_an_adapter_kept_unmerged_is_loras():
    frames = _pair("Merged, LoRA costs nothing at inference; an adapter kept separate for hot "
                   "swapping runs two extra small matmuls per layer.").frames
    assert all(f.verifier != "lora.adapter_latency" for f in frames), frames


def test_a_count_said_of_lora_beside_the_adapters_is_not_theirs():
    params = _params("On Llama-2-7B, bottleneck adapters of size 8 in every layer come to "
                     "4,325,888 parameters, about the 4,194,304 of a rank-8 LoRA on q and v.",
                     "lora.adapter_params")
    assert isinstance(params, dict) and "4194304" not in params.get("figures", ""), params


@pytest.mark.parametrize(("sentence", "condition"), [
    # a bound with no r stated holds where r is at most it
    ("The learned update of each 1024 x 1024 projection has rank at most 32.", True),
    # the writer's own setting, or the bound said to be r
    ("In our setup the learned update has rank at most 32.", False),
    ("The update never exceeds rank r, so with this config it has rank at most 32.", False),
])
def test_a_bound_on_the_rank_with_no_r_stated(sentence, condition):
    frame = next((f for f in _pair(sentence).frames if f.verifier == "lora.ba_update"), None)
    assert frame is not None and frame.params["claim"] == "rank_at_most_r", frame
    assert bool(frame.condition) is condition, frame


@pytest.mark.parametrize(("sentence", "verifier", "polarity"), [
    # merging said possible or supported as such, and outputs said kept (denials read by
    # polarity)
    ("Merging a DoRA adapter is not supported, so it always runs unmerged.", "lora.dora", False),
    ("Merging the DoRA weights failed to preserve the outputs.", "lora.dora", False),
    ("Merging a LoRA adapter is fully supported and keeps the model's outputs.",
     "lora.merge_equivalence", True),
    # a module's weights compared across a step
    ("The k_proj weights were identical before and after the training run.",
     "lora.frozen_base", True),
    # the base's output at the start, placed there with "in the beginning"
    ("Since B is zero in the beginning, at the very start the adapted model gives the same "
     "outputs as the original model.", "lora.ba_update", True),
    # adapters swapped in, or said to share one base where they are attached
    ("There is a single base model plus, per task, a small adapter that you can swap in.",
     "lora.hot_swap", True),
    ("All adapters loaded on a replica share the same frozen base weights.", "lora.hot_swap",
     True),
    # the round trip told from W0's side
    ("The original weights are recovered by subtracting the scaled product again.",
     "lora.serving", True),
])
def test_everyday_wordings_of_this_batch(sentence, verifier, polarity):
    frame = next((f for f in _pair(sentence).frames if f.verifier == verifier), None)
    assert frame is not None and frame.polarity is polarity, _pair(sentence)


@pytest.mark.parametrize("sentence", [
    "Also, DoRA is not a switch in that library's config; it is a separate flag.",
    "I believe hot-swapping in production was first popularised by one serving project.",
    "Adapters that share a base must all use the same rank.",
])
def test_nouns_and_relative_clauses_are_no_swap_claims(sentence):
    assert all(f.verifier != "lora.hot_swap" for f in _pair(sentence).frames), _pair(sentence)


@pytest.mark.parametrize(("text", "value"), [
    ("about 42 lakh parameters", 4_200_000), ("1.5 crore parameters", 15_000_000)])
def test_lakh_and_crore(text, value):
    assert [q.value for q in find_quantities(normalise(text))] == [value]


def test_a_card_label_is_no_number_of_the_claim():
    assert normalise("Card 3 - B starts at zero.") == "B starts at zero."


def test_a_reminder_states_its_fact_and_a_reminder_to_act_is_advice():
    assert _params("Don't forget, the compute dtype is float32 by default.",
                   "lora.bnb_defaults") is not None
    assert not _pair("Don't forget to set the compute dtype to bfloat16.").frames


def test_a_run_that_did_not_set_the_compute_dtype_states_the_default():
    params = _params("Our run did not set bnb_4bit_compute_dtype, so the 4-bit matmuls ran "
                     "in float16.", "lora.bnb_defaults")
    assert isinstance(params, dict), params


def test_the_scale_of_lora_unless_the_rslora_flag_is_set():
    params = _params("scale: computed as lora_alpha / r unless use_rslora=True.",
                     "lora.ba_update")
    assert isinstance(params, dict) and params.get("rslora") is False, params


def test_qwen2_names_its_own_presets():
    params = _params("A rank-8 LoRA on q_proj and v_proj of Qwen2-1.5B trains about 1.1 "
                     "million parameters.", "lora.param_count")
    assert isinstance(params, dict) and params.get("model") == "qwen2-1.5b", params


@pytest.mark.parametrize(("sentence", "key", "value"), [
    # a row's value after a dash, not a negative share; a square matrix by its side
    ("Reduction for one square 2048 matrix at r = 8 — 99.6%.", "d", 2048),
    # a change of rank with its counts, the model's size apart
    ("Moving from r=8 to r=32 on all linear layers of Mistral-7B takes the trainable count "
     "from 21M to 84M.", "segments", "8@lora:eq:21000000:0:0.02381#32@lora:eq:84000000:0:0.01"),
])
def test_rows_and_changes_of_rank(sentence, key, value):
    params = _params(sentence, "lora.param_count")
    assert isinstance(params, dict) and params.get(key) == value, params


@pytest.mark.parametrize("sentence", [
    # what someone said, answered after "but"; what students wrote; a note corrected; a claim
    # said to have it the other way round
    "A teammate said plain LoRA on a 70B model fits one 24 GB card, but the weights alone "
    "are 138 GB.",
    "Several students wrote that DoRA has no extra parameters at all.",
    "Correction to last week's post, which said unmerging is impossible: unmerge_adapter "
    "restores the weights.",
    "The handout says LoRA+ gives A the larger learning rate; it is the other way round.",
])
def test_what_others_said_is_not_judged_as_the_writers(sentence):
    frames = _pair(sentence).frames
    assert not any(f.verifier in ("lora.qlora_memory", "lora.dora_budget", "lora.loraplus")
                   for f in frames), frames
    assert all(f.polarity for f in frames if f.verifier == "lora.serving"), frames


def test_the_writers_words_after_a_verdict_on_what_was_said():
    # after "which is wrong, since" and after "it is the other way round," the writer speaks
    assert _params("Some students wrote that the update adds r^2 = 64 parameters, which is "
                   "wrong, since A and B hold r(d+k) parameters.", "lora.param_count")
    frames = _pair("The slide said A starts at zero and B at random; it is the other way "
                   "round, B starts at zero.").frames
    assert any(f.verifier == "lora.ba_update" and f.polarity for f in frames), frames


@pytest.mark.parametrize(("sentence", "verifier", "polarity"), [
    # out of reach on a card is no fit; an optimiser step is no verb that steps the base
    ("Full fine-tuning of a 13B model is out of reach even on one 80 GB card.",
     "lora.training_memory", False),
    ("After each optimiser step the base weights are unchanged.", "lora.frozen_base", True),
])
def test_out_of_reach_and_an_optimiser_step(sentence, verifier, polarity):
    frame = next((f for f in _pair(sentence).frames if f.verifier == verifier), None)
    assert frame is not None and frame.polarity is polarity, _pair(sentence)


def test_older_adapter_designs_are_bottleneck_adapters():
    frames = _pair("Older adapter designs add layers that cannot be folded into the weights.")
    assert all(f.verifier != "lora.merge_equivalence" for f in frames.frames), frames
    # (an adapter of LoRA called old is still LoRA's)
    assert any(f.verifier == "lora.serving" for f in _pair(
        "delete_adapter('v1') removes the old adapter and keeps the base model loaded.").frames)
