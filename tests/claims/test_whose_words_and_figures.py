"""Readings that decide whose words a sentence states and which figure is whose: an instruction
with the result it yields, a claim put back to its author or quoted and called wrong, a size
given before the width named for another, a pronoun that takes up the last method named, a
figure after "and DoRA", defaults said in other shapes. Each in new words."""

from __future__ import annotations

import pytest
from sentence_pairing import frames_of as _frames
from sentence_pairing import pair as _pair

from kbcheck.claims.recognise import find_model, find_modules, recognise


def test_an_instruction_with_its_result_stated_after_it_is_read_whole():
    paired = _pair("Step 3: Wrap Llama-2-7B with r=8 on q_proj and v_proj; the summary then "
                   "shows 4,194,304 trainable parameters.")
    assert paired.verifier == "lora.param_count", paired.reason
    assert paired.params["r"] == 8
    # an instruction followed by another instruction states nothing
    assert not _pair("Step 3: Wrap the model with get_peft_model; then call "
                     "print_trainable_parameters.").verifier


def test_a_claim_put_back_to_its_author_is_not_the_writers():
    # the examiner's "you say" is the candidate's claim; the candidate's answer is read
    paired = _pair("Examiner: You say merged LoRA adds no latency; does that hold unmerged? "
                   "Candidate: no, left unmerged the low-rank path adds a little latency.")
    reads = [(f.verifier, f.params.get("weights"), f.polarity) for f in paired.frames]
    assert reads == [("lora.merge_latency", "unmerged", False)], reads


def test_ones_own_earlier_figure_set_right_after_a_comma_is_not_stated():
    paired = _pair("Errata: we reported the rank-8 adapter as 0.6% of the model, it's actually "
                   "0.06%.")
    assert not paired.frames and "reported" in paired.reason, paired


def test_a_quoted_claim_called_wrong_is_answered_by_the_reason_given():
    paired = _pair("Exam note: 'B is drawn at random and A starts at zero' gets it backwards, "
                   "since PEFT starts B at zero and draws A at random.")
    reads = [(f.verifier, f.params.get("claim"), f.params.get("a_dist")) for f in paired.frames]
    assert ("lora.ba_update", "a_init", "zero") not in reads, reads
    assert paired.verifier == "lora.ba_update", paired.reason


def test_a_size_before_a_width_named_for_a_later_size_is_the_checkpoints():
    frames = _frames("The Llama-2-13B checkpoint is about 26 GB, and the 4-bit loader gets it "
                     "down to about 7.5 GB.", "model_size")
    widths = sorted((f.quantities[-1].value, f.conditions.get("dtypes")) for f in frames)
    assert widths == [(7.5e9, ("nf4",)), (26e9, ())], frames


@pytest.mark.parametrize(("text", "family", "size_b", "preset"), [
    ("Mistral's 7-billion-parameter model in bf16", "mistral", 7.0, "mistral-7b"),
    ("the Llama 2 model with 13 billion parameters", "llama", 13.0, "llama-13b"),
    ("fine-tuning Llama 2 in 70 billion parameters", "llama", 70.0, "llama2-70b"),
    # a count written out names the model of that size
    ("the Mistral AI model of 7.3 billion parameters", "mistral", 7.3, "mistral-7b"),
])
def test_a_models_size_written_after_a_possessive_or_a_noun(text, family, size_b, preset):
    found = find_model(text)
    assert (found.get("family"), found.get("size_b"), found.get("preset")) == (
        family, size_b, preset), found


def test_a_pronoun_opening_a_clause_takes_up_the_last_method_named():
    frames = _frames("Compare LoRA with the Houlsby adapters, which sit in series: they cannot "
                     "be merged into the weights.", "mergeable")
    assert [f.subject for f in frames] == ["adapter"], frames


def test_a_figure_after_and_another_method_is_that_methods():
    paired = _pair("At r=8 on q_proj and v_proj of Llama-2-7B, LoRA trains 4,194,304 "
                   "parameters and DoRA 4,456,448.")
    assert paired.verifier == "lora.param_count", paired.reason
    counts = [f for f in recognise("At r=8 on q_proj and v_proj of Llama-2-7B, LoRA trains "
                                   "4,194,304 parameters and DoRA 4,456,448.").frames
              if f.predicate == "trainable_params"]
    assert 4456448.0 not in [q.value for q in counts[0].quantities], counts


def test_a_cut_in_parameters_is_not_a_cut_in_memory_beside_it():
    frames = _frames("The paper reports a 10,000x cut in trainable parameters and a 3x cut in "
                     "GPU memory during fine-tuning.", "memory_ratio")
    assert [[q.value for q in f.quantities] for f in frames] == [[3.0]], frames


def test_a_model_held_in_a_width_is_its_weights_not_a_training_step():
    assert not _frames("We moved to QLoRA: Llama-2-7B in NF4 with double quantization takes "
                       "about 3.6 GB.", "training_memory")


@pytest.mark.parametrize(("sentence", "predicate", "facet"), [
    ("Fun fact: if you just pass load_in_4bit=True you end up with FP4 codes.",
     "bnb_default_type", "t_fp4"),
    ("The BitsAndBytesConfig default for bnb_4bit_compute_dtype is float32, so set it.",
     "bnb_default_compute", "c_fp32"),
    ("Nested quantization - quantizes the absmax constants again; off by default.",
     "bnb_default_double_quant", None),
    ("Our config leaned on the default bnb_4bit_use_double_quant=False.",
     "bnb_default_double_quant", None),
])
def test_library_defaults_said_in_other_shapes(sentence, predicate, facet):
    frames = _frames(sentence, predicate)
    assert frames, recognise(sentence)
    if facet:
        assert frames[0].has(facet), frames
    else:
        assert frames[0].polarity is False, frames


@pytest.mark.parametrize(("sentence", "predicate", "polarity"), [
    # an empty argument list in words denies nothing
    ("BitsAndBytesConfig(load_in_4bit=True) with no other kwargs gives FP4.",
     "bnb_default_type", True),
    # a without clause about the base does not deny the swap
    ("You can swap adapters on one loaded base without touching its 14 GB of bf16 weights.",
     "hot_swap", True),
    # weights that overflow memory do not fit the card named before
    ("On a 24 GB card the bf16 weights of Llama-2-13B already overflow memory.", "fits_gpu",
     False),
])
def test_what_a_denial_word_beside_the_claim_reaches(sentence, predicate, polarity):
    frames = _frames(sentence, predicate)
    assert [f.polarity for f in frames] == [polarity], frames


def test_each_adapter_loaded_is_not_a_size_of_each():
    frames = _frames("The server loads each LoRA adapter next to the base, so twenty rank-8 q/v "
                     "adapters for Llama-2-7B in fp16 come to about 168 MB.", "adapter_size")
    assert frames and frames[0].has("several") and not frames[0].has("each_size"), frames


def test_block_constants_at_a_block_size_are_the_first_level():
    frames = _frames("NF4 stores fp32 block constants at blocksize 64, and double quantization "
                     "squeezes them further.", "bnb_blocksize")
    assert frames and not frames[0].has("level2"), frames


def test_the_gaussian_option_named_as_a_clause_subject_is_the_options_claim():
    frames = _frames('init_lora_weights defaults to True; "gaussian" draws A from a normal '
                     "distribution instead.", "a_init")
    assert frames and frames[0].has("a_option_quoted"), frames


def test_two_attention_projections_are_a_pair_not_all_four():
    assert find_modules("rank 8 on two attention projections")[0] == "qv"
    assert find_modules("rank 8 on all four attention projections")[0] == "attention"
    assert find_modules("rank 8 on every attention layer")[0] == "attention"


@pytest.mark.parametrize("words", ["the attention projections", "its attention layers",
                                   "the self-attention weights"])
def test_attention_named_loosely_names_no_set(words):
    # q and v as the LoRA paper adapts them, or all four: which one is not said
    assert find_modules(f"rank 16 on {words} of Llama-2-13B") is None


@pytest.mark.parametrize(("sentence", "predicate", "value"), [
    # a "what's" question answered on the same line
    ("Q4: What's the default 4-bit quant type in BitsAndBytesConfig? A: fp4.",
     "bnb_default_type", None),
    # the defaults named as a setting, then each value
    ("With the default settings r is 8 and lora_alpha is 8 in PEFT.",
     "peft_default_alpha", 8.0),
    ("lora_dropout - dropout on the input of A; the PEFT default is 0.0.",
     "peft_default_dropout", 0.0),
    ("The dropout on the adapter path stays at the LoraConfig default value of 0.0.",
     "peft_default_dropout", 0.0),
    # a width the base is squeezed into
    ("QLoRA squeezes each of the base model's weights into just 4 bits.", "quantized_4bit", 4.0),
])
def test_claims_in_the_shapes_answer_keys_and_configs_use(sentence, predicate, value):
    from kbcheck.pairing import _wh_answered

    frames = _frames(_wh_answered(sentence) or sentence, predicate)
    assert frames, recognise(sentence).frames
    if value is not None:
        assert value in [q.value for q in frames[0].quantities], frames[0]


def test_a_reload_made_to_happen_and_a_setting_left_at_its_default():
    frames = _frames("Every switch of adapter forces the base model to be reloaded from disk.",
                     "hot_swap")
    assert [f.polarity for f in frames] == [False], frames
    frames = _frames("Left at its default, bnb_4bit_compute_dtype is float16.",
                     "bnb_default_compute")
    assert frames and frames[0].has("c_fp16"), recognise("Left at its default, "
                                                         "bnb_4bit_compute_dtype is float16.")


def test_a_trackers_key_is_no_quantity():
    from kbcheck.claims.quantities import find_quantities

    assert [q.text for q in find_quantities("OPS-4410: the 4-bit base takes ~3.6 GB.")] == [
        "4-bit", "3.6 GB"] or "4410" not in [q.text for q in find_quantities(
            "OPS-4410: the 4-bit base takes ~3.6 GB.")]


@pytest.mark.parametrize("sentence", [
    # a reporter's claim on a ticket, then what was checked
    "TICKET-88: reporter claims LoraConfig() defaults to lora_alpha=16; checked, the default "
    "is lora_alpha=8.",
    # a first guess ruled out
    "The support engineer first suspected the base weights had drifted; that was ruled out, "
    "since LoRA training leaves W0 untouched.",
    # an earlier version set right
    "An earlier revision of this page gave Llama-2-7B's fp16 size as 7 GB; it is about 13.5 GB.",
])
def test_a_claim_someone_made_is_set_aside_for_what_follows(sentence):
    paired = _pair(sentence)
    # no frame reads the set-aside figure as stated (what follows may name too little to check)
    for f in paired.frames:
        assert f.params.get("value") not in (16, 7e9) and f.params.get("gb") != 7.0, f


@pytest.mark.parametrize(("sentence", "verifier"), [
    ("so the pretrained weights train as well?? nope, get_peft_model sets requires_grad=False "
     "on all of them", "lora.frozen_base"),
    ("- [ ] Switch lora_dropout's default to 0.1? PEFT's default lora_dropout is 0.0.",
     "lora.peft_defaults"),
])
def test_a_question_answered_no_or_proposed_is_not_the_claim(sentence, verifier):
    paired = _pair(sentence)
    assert [f.verifier for f in paired.frames] == [verifier], paired
    assert all(f.polarity for f in paired.frames), paired


def test_one_rate_said_as_the_others_times_or_over_the_ratio():
    from kbcheck.claims.recognise import lr_direction

    assert lr_direction("LoRA+ gives B a learning rate equal to that of A multiplied by "
                        "lambda.") == "B>A"
    assert lr_direction("Here B's learning rate is set to that of A divided by lambda.") == "A>B"


def test_weights_that_exceed_an_accelerator_and_a_without_before_the_main_clause():
    frames = _frames("Full fine-tuning of Llama-2-13B needs roughly 210 GB, which exceeds a "
                     "single 80 GB accelerator.", "fits_gpu")
    assert [f.polarity for f in frames] == [False], frames
    frames = _frames("Only the active adapter serves, so without a set_adapter call per "
                     "request, tenant two's traffic went through tenant one's adapter.",
                     "hot_swap")
    assert all(f.polarity for f in frames), frames


def test_a_share_more_is_a_change_and_one_projection_is_a_part():
    from verifiers.param_count import to_params

    frame = _frames("DoRA on all linear layers at r=16 of Mistral-7B? ~3% more trainable "
                    "params.", "trainable_params")
    assert not frame or isinstance(to_params(frame[0]), str), frame
    frame = _frames("At rank 8 that is 8 x (4096 + 4096) = 65,536 trainable parameters for one "
                    "Llama-2-7B k_proj.", "trainable_params")
    assert frame and frame[0].has("layer_subset"), frame
