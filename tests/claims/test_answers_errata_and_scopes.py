"""Answers, errata and the reach of words: a question's answer read as a statement, an erratum's
fix, a denial kept inside its condition or its instruction, clauses after "and", fractions and
page numbers, and cues that name what they are of."""

from __future__ import annotations

import pytest
from sentence_pairing import frames_of as _frames
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params

from kbcheck.claims.normalise import normalise
from kbcheck.claims.quantities import find_quantities


def _read_as(sentence: str, verifier: str, params: dict) -> None:
    """The sentence pairs with `verifier`, whose parameters include `params`."""
    got = _params(sentence, verifier)
    assert isinstance(got, dict) and {k: got.get(k) for k in params} == params, got


# -- answers and errata ---------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "verifier", "params"), [
    # what share a question asks for, answered with a bare figure
    ("Q: What share of Llama-3-8B do you train at r=16 on all linear layers? A: About 0.52%.",
     "lora.param_count", {"model": "llama3-8b", "pct": 0.52, "r": 16}),
    # how big something is, answered with a size
    ("Q: How large is an r=8 adapter on q and v of Llama-2-7B in fp16? A: Roughly 8.4 MB.",
     "lora.adapter_size", {"model": "llama-7b", "mb": 8.4}),
])
def test_a_questions_answer_is_read_with_the_question(sentence, verifier, params):
    _read_as(sentence, verifier, params)


def test_a_modal_question_answered_no_keeps_its_modal():
    assert normalise("Q: Can QLoRA adapters be merged into the 4-bit base? A: No.").startswith(
        "It is false that QLoRA adapters can be merged")


@pytest.mark.parametrize(("sentence", "verifier", "params"), [
    # the quoted figure put right: the figure the erratum gives is what is now stated
    ("Errata, p. 12: 'r=16 on q and v of Llama-2-7B trains 4.2 million parameters' should "
     "read '8.4 million'.", "lora.param_count", {"count": 8_400_000.0}),
    # a replacement that is a statement of its own
    ("Section 3: 'rsLoRA scales by alpha/r' should be 'rsLoRA scales the update by "
     "alpha/sqrt(r)'.", "lora.ba_update", {"scaling_form": "alpha/sqrt(r)"}),
])
def test_an_erratum_states_its_fix(sentence, verifier, params):
    _read_as(sentence, verifier, params)


def test_a_correction_with_its_setting_after_it():
    got = _params("The memo says our run trains 2% of Llama-2-7B; in fact, with r=8 on q and "
                  "v it trains about 0.06%.", "lora.param_count")
    assert got["pct"] == 0.06 and got["modules"] == "qv" and got["r"] == 8, got


# -- where a denial reaches -----------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "predicate", "polarity"), [
    # a denial inside an "if" clause stays there
    ("If you never pass a compute dtype, the 4-bit layers compute in float32.", "compute_dtype",
     True),
    # "no" before a noun leaves the clause after "and" alone
    ("Once merged there is no extra branch at inference and latency matches the base model.",
     "no_added_latency", True),
    # a card said to be out is denied
    ("Full fine-tuning a 13B model needs about 208 GB, so a single 80 GB card is out.",
     "fits_gpu", False),
    # a glossary term, then "It is a myth that"
    ("Frozen weights - It is a myth that LoRA slowly updates the base weights.", "base_frozen",
     True),
])
def test_where_a_denial_reaches(sentence, predicate, polarity):
    frames = _frames(sentence, predicate)
    assert frames and frames[0].polarity is polarity, frames


@pytest.mark.parametrize(("sentence", "predicate"), [
    # an instruction not to merge denies no merging
    ("Don't call merge_and_unload() before you save the adapter; the saved file would then be "
     "the whole model.", "mergeable"),
    # what a tool warns about is a situation, not a claim
    ("The planner warns when a full fine-tune of an 8B model is requested on a 24 GB card.",
     "fits_gpu"),
])
def test_words_that_claim_nothing_of_the_predicate(sentence, predicate):
    paired = _pair(sentence)
    assert not any(f.predicate == predicate for f in paired.frames), paired


def test_a_relative_clause_with_whose_is_the_contrasted_methods():
    paired = _pair("Unlike serial adapters, whose layers cannot be folded into W, a merged "
                   "LoRA model adds no latency.")
    assert not any(f.predicate == "mergeable" and f.subject == "lora" for f in paired.frames), \
        paired


# -- what cues name --------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "predicate", "polarity"), [
    ("Once wrapped, the base weights still have requires_grad=True, so freeze them by hand.",
     "base_frozen", False),
    ("When left alone, bnb_4bit_compute_dtype is float32.", "bnb_default_compute", True),
    ("If your script leaves out lora_alpha it defaults to 8.", "peft_default_alpha", True),
    ("rsLoRA is turned on in PEFT by default.", "peft_default_flag", True),
    ("`lora_B` (nn.Linear): up-projection of shape (out_features, r), initialised to zeros.",
     "init_equals_base", True),
])
def test_cues_in_other_words(sentence, predicate, polarity):
    frames = _frames(sentence, predicate)
    assert frames and frames[0].polarity is polarity, [(f.predicate, f.polarity) for f in
                                                       _pair(sentence).frames]


@pytest.mark.parametrize(("sentence", "verifier", "params"), [
    # the subject itself is the unmerged weights, and merging is only declined
    ("Unmerged LoRA adapters cost nothing at inference, so there is no need to merge.",
     "lora.merge_latency", {"weights": "unmerged"}),
    # a scale that stays at a value
    ("With use_rslora=True, r=64 and lora_alpha=16, the scaling stays at 0.25.",
     "lora.ba_update", {"scale_value": 0.25, "r": 64}),
    # a larger variance is not a larger learning rate
    ("LoRA+ uses one learning rate for both factors and gives B a larger variance than A at "
     "init.", "lora.loraplus", {"claim": "same_lr"}),
    # exactly four bits, with double quantization named, is the whole cost per weight
    ("With double quantization, NF4 stores each weight in exactly 4 bits.",
     "lora.qlora_storage", {"claim": "bits", "dq": "with"}),
])
def test_values_read_in_other_words(sentence, verifier, params):
    _read_as(sentence, verifier, params)


def test_a_form_over_r_is_no_scale_value():
    got = _params("rsLoRA scales by alpha/sqrt(r), so a bigger rank no longer shrinks the update "
                  "as 1/r.", "lora.ba_update")
    assert "scale_value" not in got, got


def test_twice_an_intended_value_is_no_change_of_the_scale():
    got = _params("Turning on use_rslora at alpha 16 and r 16 gives 16/sqrt(16) = 4, twice the "
                  "intended 2.", "lora.ba_update")
    assert got.get("relation") != "factor", got


def test_r_squared_alone_as_a_count():
    assert _params("A rank-r adapter on a d×k matrix adds r² trainable parameters.",
                   "lora.param_count")["formula"] == "r^2"
    got = _params("A LoRA pair on a 4096×4096 matrix at rank 8 adds r² = 64 parameters.",
                  "lora.param_count")
    assert got["count"] == 64.0 and got["d"] == 4096, got


def test_one_houlsby_adapters_count_of_a_model_named():
    got = _params("Each bottleneck adapter adds 2md + d + m parameters, i.e. 99,136 per adapter "
                  "for BERT-base at m = 64.", "lora.adapter_params")
    assert got["d"] == 768 and got["bottleneck"] == 64, got


def test_the_modules_of_the_part_that_holds_the_figure():
    got = _params("At r=8 on all seven projections of Llama-2-7B the trainable count should be "
                  "19,988,480, not the 4,194,304 you printed; that one is q and v only.",
                  "lora.param_count")
    assert got["modules"] == "all", got


# -- numbers that are parts or labels -------------------------------------------------------

def test_a_fraction_of_a_whole_is_a_share():
    [q] = find_quantities("which is about 1/1600 of the model")
    assert q.unit == "pct" and abs(q.value - 0.0625) < 1e-9 and q.bound == "approx", q


def test_a_page_number_is_no_quantity():
    assert find_quantities("p. 37, Eq. 3.2: the scale is alpha/r; see page 58") == []


@pytest.mark.parametrize(("sentence", "reason"), [
    ("Symptom: after set_adapter('b') the replies still read like adapter a.", "run"),
    ("Action items - add a scale assertion to the deploy check (owner: ops).", "plan"),
])
def test_a_report_line_asserts_nothing(sentence, reason):
    paired = _pair(sentence)
    assert paired.verifier is None and reason in paired.reason, paired


def test_adapters_said_to_be_stored_in_four_bits():
    got = _params("QLoRA stores the LoRA adapter weights in NF4 as well, so they cost nothing.",
                  "lora.qlora_storage")
    assert got == {"claim": "composition", "adapters_quantized": True}, got
    # the adapters' own 16 bits, said beside it, win
    got = _params("A post says QLoRA keeps the adapters in 4-bit too. No: the base is NF4 and "
                  "the adapters stay in bf16.", "lora.qlora_storage")
    assert got == {"claim": "composition", "adapters_quantized": False}, got


def test_an_answer_with_it_for_the_subject_asked_of():
    frames = _pair("Q: What does enabling DoRA cost? A: It adds no trainable parameters "
                   "compared with plain LoRA.").frames
    assert any(f.predicate == "dora_extra_params" and f.polarity is False for f in frames), \
        frames


def test_each_adapter_sharing_one_base():
    paired = _pair("Each adapter shares one frozen base, so one server keeps them all loaded.")
    assert paired.verifier == "lora.hot_swap", paired


def test_zero_compute_denies_the_added_work():
    frames = _frames("Unmerged adapters add zero compute at inference time.", "no_added_latency")
    assert frames and frames[0].polarity is True, frames


def test_a_multiplier_on_the_low_rank_update_is_the_scale():
    got = _params("With rsLoRA at r=16 and alpha=32, the multiplier on the low-rank update is "
                  "2.", "lora.ba_update")
    assert got["claim"] == "scaling" and got["scale_value"] == 2.0, got
    # "the update is 0.25" is a value of the scale, not an update that starts at zero
    assert not _frames("The multiplier on the update is 0.25 here.", "init_equals_base")


def test_the_writers_words_after_a_verdict_on_what_people_say():
    got = _params("Some people say QLoRA does its matmuls in 4-bit, which is wrong: the 4-bit "
                  "weights are dequantized to bf16 for every matmul.", "lora.qlora_storage")
    # the writer's words are of QLoRA, the method the report named; its recipe computes in bf16
    assert got == {"claim": "compute", "bits": 16.0}, got


@pytest.mark.parametrize(("sentence", "verifier", "params"), [
    # a form set right: the word after "as" replaced by the writer's
    ("Eq. 2: the scale was typeset as r/alpha; it should read alpha/r.", "lora.ba_update",
     {"scaling_form": "alpha/r"}),
    # a wording to use, and the quoted figure turned down
    ("Say '1,600x fewer trainable parameters' for r=8 on q_proj and v_proj of Llama-2-7B, not "
     "'10,000x', which is GPT-3's figure.", "lora.param_count", {"ratio": 1600.0}),
    # "X over Y" is a division's operands; "a quarter" the value
    ("With rsLoRA at rank 64 and alpha 16, the scale is sixteen over sixty-four, so a quarter.",
     "lora.ba_update", {"scale_value": 0.25, "rslora": True}),
    # an untouched config said to give settings with "=" (the first one read is the rank)
    ("With a bare LoraConfig() you get r=16 and lora_alpha=32.", "lora.peft_defaults",
     {"setting": "r", "value": 16.0}),
    # a block size beside first-level constants is the weights' block
    ("One 32-bit absmax per block of 64 weights: the constants cost 0.5 bits per weight.",
     "lora.qlora_storage", {"claim": "overhead", "dq": "without"}),
])
def test_forms_wordings_and_settings(sentence, verifier, params):
    _read_as(sentence, verifier, params)


@pytest.mark.parametrize(("sentence", "predicate", "polarity"), [
    # a myth and its reality, unquoted: the reality is the claim
    ("Myth: QLoRA updates the 4-bit base. Reality: the frozen base never receives updates.",
     "base_frozen", True),
    # a slip named as one, then set right after the break
    ("A classic slip is to say that A starts at zero; in PEFT it is B that starts at zero.",
     "init_equals_base", True),
    # a default stated in a relative clause, off
    ("Our preset turns on double quantization, which is off by default in BitsAndBytesConfig.",
     "bnb_default_double_quant", False),
    # only the adapters, with an aside, receive gradients
    ("Only the LoRA matrices, kept in bf16, receive gradient updates.", "base_frozen", True),
])
def test_what_the_writer_states_after_a_myth_or_a_slip(sentence, predicate, polarity):
    frames = _frames(sentence, predicate) or [f for f in _pair(sentence).frames
                                              if f.predicate == predicate]
    assert frames and frames[0].polarity is polarity, _pair(sentence).frames


def test_someone_in_a_thread_set_right_after_a_comma():
    got = _params("Someone in the other thread wrote the 4-bit 7B needs 7 GB, but that is "
                  "wrong, at 4 bits per weight Llama-2-7B takes about 3.4 GB.", "lora.adapter_size")
    assert got is None or got.get("gb") != 7.0, got


def test_gradients_said_of_the_adapters_only_are_no_base_training():
    paired = _pair("In QLoRA the 4-bit base is never updated; only the LoRA matrices, kept in "
                   "bf16, receive gradient steps.")
    assert not any(f.verifier == "lora.frozen_base" and not f.polarity for f in paired.frames), \
        paired


def test_a_scale_with_neither_alpha_nor_r_holds_for_some_alpha():
    sentence = "With rank-stabilized scaling switched on, the adapter's output is multiplied by 3."
    got = _params(sentence, "lora.ba_update")
    # measured at PEFT's default rank with the alpha that gives it: conditional, never refuted
    assert got["r"] == 8 and abs(got["alpha"] - 3 * 8 ** 0.5) < 1e-9, got
    [frame] = [f for f in _pair(sentence).frames if f.verifier == "lora.ba_update"]
    assert frame.condition.startswith("for an alpha and r that give it"), frame
    # a number beside a default is the default's, not a scale to solve for
    [frame] = [f for f in _pair("The update is multiplied by alpha/r, which is 16 by "
                                "default.").frames if f.verifier == "lora.ba_update"]
    assert frame.open == ["alpha and r"], frame
