"""Words beside a claim that are not the claim: a reply's "no", a figure spelled out again, a
limit, an aside in brackets, what is said of an unnamed method set against the subject; and the
writer's own figures of two configurations."""

from __future__ import annotations

import pytest
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params

from kbcheck.claims.normalise import normalise
from kbcheck.claims.recognise import recognise


@pytest.mark.parametrize(("said", "stated"), [
    # a reply's "no" after a laugh, with a name, or to a speaker label
    ("sam: haha no it's 4.5 bits per weight without the nested constants",
     "it's 4.5 bits per weight without the nested constants"),
    ("Nope mate, the merged model runs exactly as fast as the base one.",
     "the merged model runs exactly as fast as the base one."),
    # "no" as a determiner stays
    ("No gradients ever reach the frozen base weights in LoRA.",
     "No gradients ever reach the frozen base weights in LoRA."),
    # digits grouped in threes by spaces are one number; two numbers side by side are two
    ("That run trained 4 194 304 parameters.", "That run trained 4,194,304 parameters."),
    ("We swept ranks 8 256 and 512.", "We swept ranks 8 256 and 512."),
    # a figure spelled out again for emphasis is not a figure of its own
    ("The adapter was 250x smaller. Two. Hundred. Fifty.", "The adapter was 250x smaller."),
])
def test_words_beside_the_claim_are_set_aside(said, stated):
    assert normalise(said) == stated


def test_a_key_in_brackets_denies_the_statement_and_not_its_consequence():
    pairing = _pair("Worksheet Q7: True or false: adapters of the Houlsby kind fold into the "
                    "weights after training, so they cost nothing at inference. (Answer: false, "
                    "their nonlinearity keeps them as extra layers.)")
    merge = [f for f in pairing.frames if f.predicate == "mergeable"]
    assert merge and not merge[0].polarity
    # the consequence after "so" is not read as stated
    assert not any(f.predicate == "no_added_latency" and f.polarity for f in pairing.frames)


def test_none_of_a_kind_denies_it_and_a_direction_held_fixed_is_not_the_base():
    frame = next(f for f in recognise("With LoRA the original matrices receive zero updates "
                                      "from the optimizer.").frames
                 if f.predicate == "base_frozen")
    assert frame.polarity
    assert not any(f.predicate == "base_frozen" for f in recognise(
        "DoRA trains the magnitude with the direction frozen.").frames)
    for text in ("After 300 steps the pretrained weights were still bit-identical to the "
                 "download.", "Only lora_A and lora_B changed during the run."):
        frames = [f for f in recognise(text).frames if f.predicate == "base_frozen"]
        assert frames and frames[0].polarity, text


def test_figures_of_two_sets_of_modules_are_each_checked_on_their_own_set():
    from verifiers import param_count

    frame = next(f for f in _pair("LoRA at r=8 trains 0.06% of Llama-2-7B's parameters on q "
                                  "and v only and about 0.3% on every linear layer.").frames
                 if f.verifier == "lora.param_count")
    assert frame.params["segments"].startswith("8/qv@") and "#8/all@" in frame.params["segments"]
    ok = param_count.VERIFIER.run(param_count.VERIFIER.resolve_params(frame.params))
    assert ok["verdict"] == "supported", ok["explanation"]
    frame = next(f for f in _pair("On Llama-2-7B at r=8 LoRA trains 0.06% of the parameters "
                                  "with q/v only, but about 3% on every linear layer.").frames
                 if f.verifier == "lora.param_count")
    bad = param_count.VERIFIER.run(param_count.VERIFIER.resolve_params(frame.params))
    assert bad["verdict"] == "refuted" and "all: stated LoRA share 3%" in bad["explanation"]
    # a part with a quoted figure beside its own: which configuration each is for stays open
    frame = next(f for f in _pair("LoRA 'trains 0.1%' is marketing: on Llama-2-7B at r=8 it is "
                                  "0.06% if you hit q/v only but ~0.3% if you hit every linear "
                                  "layer.").frames if f.verifier == "lora.param_count")
    assert "which configuration each of the stated counts is for" in frame.open


def test_a_limit_and_an_aside_in_brackets_are_not_the_size_claimed():
    params = _params("The Mistral-7B adapter (r=16, all linear layers, bf16) came to 84 MB, "
                     "which set off our 50 MB size alarm.", "lora.adapter_size")
    assert params is not None and params["mb"] == pytest.approx(84, rel=0.05)
    pairing = _pair("The Mistral-7B weights (bf16, roughly 14.5 GB) are not shipped with this "
                    "package.")
    assert pairing.verifier is None and "aside in brackets" in pairing.reason


def test_a_fit_said_unquantized_is_a_16_bit_fit_not_a_qlora_one():
    frame = next(f for f in recognise("Llama-3-8B in bf16 is 16 GB, so it will not fit "
                                      "unquantized on a 12 GB card, LoRA or not.").frames
                 if f.predicate == "fits_gpu")
    assert frame.has("unquantized_fit") and frame.has("unquantized_aside")
    from verifiers import qlora_memory

    params = qlora_memory.to_params(frame)
    assert not isinstance(params, dict) or params.get("config") == "any"


@pytest.mark.parametrize(("sentence", "verifier", "want"), [
    # a default said of the library "out of the box"
    ("Out of the box, BitsAndBytesConfig already quantizes to NF4.", "lora.bnb_defaults",
     {"claim": "quant_type"}),
    # a default given in a list after "with"
    ("LoraConfig() defaults to r=8 with lora_alpha=32.", "lora.peft_defaults",
     {"setting": "lora_alpha", "value": 32.0}),
])
def test_defaults_said_in_more_ways(sentence, verifier, want):
    frames = [f for f in _pair(sentence).frames if f.verifier == verifier]
    assert any(all(f.params.get(k) == v for k, v in want.items()) for f in frames), \
        [f.params for f in frames]


@pytest.mark.parametrize("sentence", [
    # a figure another's table gives, set right after it
    "Group 3's cost table says a 7B full fine-tune needs 40 GB; at 16 bytes per parameter it "
    "is over 100 GB.",
    # what someone replied
    "Someone replied that DoRA cannot be merged into the weights.",
    # what several people claimed, in the past
    "A few of the reviewers claimed a full fine-tune of Llama-2-13B fits on one 80 GB card; at "
    "16 bytes per parameter it needs over 200 GB.",
])
def test_what_others_said_is_reported_not_stated(sentence):
    pairing = _pair(sentence)
    assert pairing.verifier is None or "reported" in pairing.reason or all(
        f.polarity for f in pairing.frames if f.verifier)


def test_a_number_set_aside_goes_whole_and_a_quoted_phrase_is_not_the_writer_s_size():
    assert normalise("At r=4 one 2048x2048 matrix needs 16,384 instead of 4,194,304 values.") \
        == "At r=4 one 2048x2048 matrix needs 16,384."
    params = _params("Our rank-8 adapter for Llama-2-13B on all linear layers is about 63 MB in "
                     "bf16, so the 'a few MB' in the README is off.", "lora.adapter_size")
    assert params is not None and params["mb"] == pytest.approx(63, rel=0.05)


def test_two_adapter_sizes_of_two_configurations_are_open():
    frame = next(f for f in _pair("In bf16 the r=8 Mistral-7B adapter is 6.8 MB on q and v and "
                                  "42 MB on every linear layer.").frames
                 if f.verifier == "lora.adapter_size")
    assert "which configuration each of the stated sizes is for" in frame.open
    # one adapter in two dtypes is one configuration
    frame = next(f for f in _pair("The Llama-2-7B r=8 q/v adapter is 16.8 MB in fp32 and 8.4 MB "
                                  "in fp16.").frames if f.verifier == "lora.adapter_size")
    assert "which configuration each of the stated sizes is for" not in frame.open


def test_a_training_total_with_only_activations_left_out_is_training_memory():
    pairing = _pair("Full fine-tuning Llama-2-7B with Adam in mixed precision, 16 bytes per "
                    "parameter, comes to roughly 108 GB before counting activations.")
    assert "lora.adapter_size" not in [f.verifier for f in pairing.frames]
    pairing = _pair("Llama-2-7B in fp16 is 13.5 GB before we even add the Adam states.")
    assert "lora.adapter_size" in [f.verifier for f in pairing.frames]


@pytest.mark.parametrize(("sentence", "facet"), [
    ("If you do not pass bnb_4bit_compute_dtype, the default is torch.float32.", "c_fp32"),
    ("When you don't set compute_dtype, you get bfloat16.", "c_bf16"),
    ("If you don't specify bnb_4bit_compute_dtype you end up with float16.", "c_fp16"),
])
def test_a_default_told_after_a_setting_left_out_is_stated_not_denied(sentence, facet):
    frame = next(f for f in recognise(sentence).frames if f.predicate == "bnb_default_compute")
    assert frame.polarity and frame.has(facet)


def test_one_rate_before_lora_plus_in_a_condition_is_not_what_lora_plus_does():
    from verifiers import loraplus

    frame = next(f for f in recognise("If you trained with one learning rate for everything "
                                      "until now, LoRA+ keeps lr for A and scales it by the "
                                      "ratio for B.").frames if f.predicate == "lr_ratio")
    params = loraplus.to_params(frame)
    assert not (isinstance(params, dict) and params.get("claim") == "same_lr")


def test_what_is_said_of_an_unnamed_method_set_against_the_subject_is_not_the_subject_s():
    text = ("Unlike the serial-bottleneck baseline, which runs two extra projections per block "
            "and so adds inference latency, merged LoRA should cost nothing.")
    frames = [f for f in recognise(text).frames if f.predicate == "no_added_latency"]
    # the main clause's "cost nothing", not the relative clause's "adds inference latency"
    assert frames and all(f.polarity and f.spans["predicate"][0] > text.index("merged")
                          for f in frames)
    # a named method keeps what its clause says of it
    frames = recognise("Unlike Houlsby adapters, which add layers in sequence and so add "
                       "inference latency, merged LoRA weights add none.").frames
    assert [(f.subject, f.predicate) for f in frames] == [("adapter", "no_added_latency")]


def test_a_case_after_the_break_is_not_a_set_of_modules_with_figures_of_its_own():
    frame = next(f for f in recognise("Llama-2-7B with r=8 on q_proj and v_proj reports 4,194,304 "
                                      "trainable parameters; if you see about 40M, every linear "
                                      "layer was targeted.").frames
                 if f.predicate == "trainable_params")
    assert "module_parts" not in frame.conditions


def test_one_card_denied_beside_several_affirmed_is_not_read_as_several():
    from verifiers import qlora_memory

    frame = next(f for f in recognise("The 70B in NF4 is about 36 GB of weights, so QLoRA can't "
                                      "fit it on one 24 GB card, but two 3090s can.").frames
                 if f.predicate == "fits_gpu")
    assert not frame.polarity and isinstance(qlora_memory.to_params(frame), str)


@pytest.mark.parametrize(("sentence", "facet"), [
    ("The compute dtype by default is already bfloat16.", "c_bf16"),
    ("bnb_4bit_compute_dtype was left at its default, which is float32.", "c_fp32"),
])
def test_a_default_told_after_the_setting_s_name(sentence, facet):
    frame = next(f for f in recognise(sentence).frames if f.predicate == "bnb_default_compute")
    assert frame.polarity and frame.has(facet)


def test_a_figure_set_against_another_without_a_comma_is_set_aside():
    assert normalise("At r=16 on every linear layer it is 40M trainable params not 20M.") \
        == "At r=16 on every linear layer it is 40M trainable params."
    # a denied verb is no figure set aside
    kept = "LoRA does not 4x the memory."
    assert normalise(kept) == kept


def test_a_print_out_s_report_and_a_bare_size_brought_down_are_read():
    frames = recognise("print_trainable_parameters() will report 8,388,608 for Llama-2-7B "
                       "with r=16 on q_proj and v_proj.").frames
    assert any(f.predicate == "trainable_params" for f in frames)
    frame = next(f for f in recognise("That same 13B shrinks to about 7 GB in NF4.").frames
                 if f.predicate == "model_size")
    assert frame.conditions["model"]["size_b"] == 13


@pytest.mark.parametrize(("sentence", "predicate", "polarity"), [
    # a numbered myth: what it says is denied, what the writer sets against it is not
    ("Myth three says a merged adapter slows generation, but the merged layer is one plain "
     "matrix.", "no_added_latency", True),
    ("Myth two is that LoRA rewrites the pretrained weights a little.", "base_frozen", True),
    # a denial that opens a later clause denies that clause
    ("Training is cheap with LoRA, but it is not true that a merged adapter adds latency.",
     "no_added_latency", True),
    ("We kept the base in bf16, so the idea that the optimizer updates the base weights is "
     "simply false.", "base_frozen", True),
    # a claim named and said to fall apart
    ("The claim that LoRA updates the base weights falls apart once you look at the gradients.",
     "base_frozen", True),
])
def test_a_myth_or_a_claim_called_false_is_denied_where_it_stands(sentence, predicate, polarity):
    frames = [f for f in recognise(sentence).frames if f.predicate == predicate]
    assert frames and all(f.polarity == polarity for f in frames), recognise(sentence).frames


def test_what_many_people_are_thinking_is_reported():
    assert "reported" in _pair("Lots of people are thinking the 4-bit base is trained too, "
                               "but it is not.").reason or all(
        f.polarity for f in _pair("Lots of people are thinking the 4-bit base is trained too, "
                                  "but it is not.").frames if f.verifier)


def test_a_consumer_card_is_not_a_verb_of_memory_and_forget_about_rules_a_card_out():
    frames = recognise("The NF4 weights of Llama-2-70B come to about 35 GB, so forget about "
                       "a single 24 GB consumer GPU.").frames
    assert not any(f.predicate == "model_size" and not f.polarity for f in frames)
    fits = [f for f in frames if f.predicate == "fits_gpu"]
    assert fits and not any(f.polarity for f in fits)


def test_a_share_of_the_parameters_updated_is_a_count_not_the_base_trained():
    pairing = _pair("In our runs under 0.5% of the base model's weights were updated.")
    assert all(f.verifier != "lora.frozen_base" for f in pairing.frames)


@pytest.mark.parametrize("said", ["divide alpha by root r", "alpha/raiz(r)",
                                  "alpha over the root of the rank"])
def test_the_root_of_the_rank_in_words_is_sqrt(said):
    assert "sqrt(r" in normalise(said)


@pytest.mark.parametrize(("said", "read"), [
    # a decimal comma and dots between thousands, marked by a number that can only be read so
    ("It trains 4.194.304 weights, 0,062 % of 6.738 million.",
     "It trains 4,194,304 weights, 0.062 % of 6,738 million."),
    ("The file is 16,8 MB.", "The file is 16.8 MB."),
    # English grouping stays as it is
    ("It trains 4,194,304 of 6,738,415,616 weights.",
     "It trains 4,194,304 of 6,738,415,616 weights."),
    # a thousand million, as French counts
    ("A model of 13 milliards of parameters.", "A model of 13 billion parameters."),
    # one word in scare quotes is the word; a value in code, or a quoted "none", keeps them
    ("Classic 'adapter' layers add latency.", "Classic adapter layers add latency."),
    ('Set bias="none" here.', 'Set bias="none" here.'),
    ("The default 'none' trains no bias.", "The default 'none' trains no bias."),
    # an API reference's row says its default as a sentence would
    ("lora_dropout (float, defaults to 0.0): dropout on A.",
     "lora_dropout defaults to 0.0: dropout on A."),
    ("bnb_4bit_quant_type (str, default fp4): the data type.",
     "bnb_4bit_quant_type defaults to fp4: the data type."),
    ("loraplus_lr_ratio (float, required): B's multiplier.",
     "loraplus_lr_ratio is required: B's multiplier."),
    # a decimal read out with no whole part, where a unit follows or it starts with zero
    ("they train like point zero six percent of it", "they train like 0.06 % of it"),
    ("that saves point five bits per weight", "that saves 0.5 bits per weight"),
    ("the point one makes here is fair", "the point one makes here is fair"),
])
def test_numbers_and_quotes_as_other_writers_write_them(said, read):
    assert normalise(said) == read


@pytest.mark.parametrize(("sentence", "predicate"), [
    # a merged adapter as the subject of what it does, answered false
    ("Quiz: an adapter merged into W0 slows every forward pass. Answer: false.", "mergeable"),
    # the round trip said not to be bit-exact
    ("unmerge_adapter() takes the update out again, yet in fp16 the restored weights are not "
     "bit-identical to the originals.", "merge_reversible"),
    # an amount a saving comes to is not the model's size
    ("Double quantization saves about 0.37 bits per weight, which is about 3 GB on a 65B "
     "model.", "model_size"),
])
def test_words_read_as_a_claim_the_sentence_does_not_make_are_left_unpaired(sentence, predicate):
    frames = [f for f in _pair(sentence).frames if f.predicate == predicate]
    assert frames and all(f.verifier is None for f in frames)


@pytest.mark.parametrize("sentence", [
    "The migration guide assumed that load_in_4bit=True picks NF4, but its default is fp4.",
    "Exam tip: cross out any option that mentions updating W0.",
])
def test_a_documents_wrong_assumption_and_an_exam_tip_are_not_stated(sentence):
    pairing = _pair(sentence)
    assert pairing.verifier is None or all(
        f.polarity or f.verifier != "lora.frozen_base" for f in pairing.frames)
    assert not any(f.params.get("claim") == "quant_type" and f.params.get("value") == "nf4"
                   for f in pairing.frames)


@pytest.mark.parametrize(("sentence", "predicate"), [
    # a claim named as one and set right after it: only the writer's correction is read
    ("The handout repeats the claim that LoRA draws both A and B at random; in fact B starts "
     "at zero.", "init_equals_base"),
    # what people keep saying, answered in the next clause
    ("Folks keep saying merged LoRA slows inference down, but a merged matrix has the same "
     "shape as before.", "mergeable"),
])
def test_a_claim_reported_then_set_right_is_read_as_set_right(sentence, predicate):
    frames = [f for f in _pair(sentence).frames if f.predicate == predicate]
    assert frames and all(f.polarity for f in frames)
    assert all("random" not in str(f.params) for f in frames)


@pytest.mark.parametrize("sentence", [
    "The capacity plan assumed 140 GiB for Llama-2-70B's bf16 weights, but that is 140 GB.",
    "The reseller sized Llama-2-70B's bf16 weights at 69 GB, which is the int8 figure.",
])
def test_an_estimate_someone_made_and_set_right_is_not_stated(sentence):
    assert not any(f.verifier == "lora.adapter_size" and "69" in str(f.params)
                   for f in _pair(sentence).frames)
    assert not any(f.verifier == "lora.adapter_size" and f.params.get("gib") == 140
                   for f in _pair(sentence).frames)


@pytest.mark.parametrize(("said", "stated"), [
    # a row whose label names the unit: the value said with it
    ("Bits per parameter, NF4 without double quantization: 4.5",
     "NF4 without double quantization: 4.5 bits per parameter"),
    ("Bytes per weight (bf16 checkpoint): 2.", "bf16 checkpoint: 2 bytes per weight."),
])
def test_a_label_that_names_the_unit_gives_it_to_the_value(said, stated):
    assert normalise(said) == stated


def test_a_set_of_modules_a_figure_is_compared_with_is_not_the_figures():
    params = _params("With target_modules set to every linear layer, r=8 on Llama-2-7B trains "
                     "19,988,480 parameters, close to 5x the old q/v number.", "lora.param_count")
    assert params is not None and "all" in str(params.get("modules", params))


def test_a_count_labelled_with_another_method_in_brackets_is_that_methods():
    params = _params("At r=8 on q and v of Llama-2-7B the count goes from 4,194,304 (LoRA) to "
                     "4,456,448 (DoRA).", "lora.param_count")
    assert params is None or 4456448 not in str(params)


@pytest.mark.parametrize(("sentence", "verifier", "key", "want"), [
    # a size said to be a multiple of what it should be: the size claimed is the quotient
    ("My r=16 all-linear Llama-2-7B adapter downloaded as 160 MB, which is twice what an fp16 "
     "file of that shape should be.", "lora.adapter_size", "mb", 80.0),
    # a rate said with a colon before the amount it gives
    ("Full fine-tuning Llama-2-13B at 16 bytes/param: ~100 GB.", "lora.training_memory",
     "amount", 100e9),
])
def test_what_a_stated_figure_is_read_as(sentence, verifier, key, want):
    params = _params(sentence, verifier)
    assert params is not None and params[key] == pytest.approx(want)


@pytest.mark.parametrize(("sentence", "verifier"), [
    # a setting's tooltip: what follows the colon is what the named setting does
    ("Use rsLoRA: divides the update by sqrt(r) rather than r, so large ranks keep their "
     "scale.", "lora.ba_update"),
    ("Enable DoRA: learns one magnitude per output feature of every adapted layer.",
     "lora.dora_budget"),
])
def test_a_tooltip_states_what_its_setting_does(sentence, verifier):
    assert _pair(sentence).verifier == verifier
    assert _pair("Use rsLoRA: it is nice.").verifier is None
