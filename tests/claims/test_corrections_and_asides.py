"""Readings of corrections and asides: a report set right by the writer's own figure, a figure
denied "as the blog claims", a setting said to be the default already, defaults listed in
words, a quoted label called wrong, an incident's percentile, a plan, an estimate's
assumption, advice drawn at the end, a card's number before its model, a LoRA factor's shape,
and each scale form named after its own method. Each in new words."""

from __future__ import annotations

import re

import pytest
from sentence_pairing import frames_of as _frames
from sentence_pairing import pair as _pair

from kbcheck.claims.normalise import normalise
from kbcheck.claims.quantities import find_quantities
from kbcheck.claims.recognise import recognise


@pytest.mark.parametrize(("sentence", "verifier", "key", "value"), [
    # the writer's figure replaces the one reported, in the report's own words
    ("Erratum: the handout said a rank-8 q/v adapter on Llama-2-7B holds 8.4M trainable "
     "parameters; the right figure is 4.2M.", "lora.param_count", "count", 4.2e6),
    ("The first draft stated that Mistral-7B takes 7.2 GB in bf16; in fact it takes about "
     "14.5 GB.", "lora.adapter_size", "gb", 14.5),
])
def test_a_report_set_right_is_read_with_the_writers_figure(sentence, verifier, key, value):
    paired = _pair(sentence)
    assert paired.verifier == verifier, paired.reason
    assert [f.params[key] for f in paired.frames] == [value], paired.frames


def test_a_correction_with_no_figure_of_its_own_leaves_the_report_unstated():
    paired = _pair("Their slides said DoRA adds 5% latency once merged; actually, nobody "
                   "measured it.")
    assert not paired.frames, paired


def test_a_figure_denied_as_someone_elses_leaves_the_writers():
    paired = _pair("A rank-8 adapter on q and v of Llama-2-7B trains 4.2M parameters, not 8.4M "
                   "as the blog claims.")
    assert [f.params["count"] for f in paired.frames] == [4.2e6], paired


@pytest.mark.parametrize(("sentence", "rewritten"), [
    ("The cell passes lora_dropout=0.1 for nothing, since that is already the default.",
     "lora_dropout=0.1 is the default"),
    ("Delete bnb_4bit_quant_type='fp4' from the BitsAndBytesConfig call; it's the default "
     "anyway.", "bnb_4bit_quant_type='fp4' is the default in BitsAndBytesConfig"),
])
def test_a_setting_said_to_be_the_default_already(sentence, rewritten):
    assert rewritten in normalise(sentence)


@pytest.mark.parametrize("sentence", [
    # the default named is another's: what the setting gives, or what someone thought
    "Leave bnb_4bit_quant_type out of BitsAndBytesConfig(load_in_4bit=True) and you get NF4, "
    "since that's the default.",
    'People pass bias="lora_only" believing it is the default; it is not.',
])
def test_a_default_that_is_not_the_settings_own_is_not_rewritten(sentence):
    assert not re.search(r"=\S+ is the default", normalise(sentence))


@pytest.mark.parametrize(("sentence", "predicate"), [
    ("Unless told otherwise, PEFT defaults to rank 8 and lora_alpha 8.", "peft_default_rank"),
    ("Unless told otherwise, PEFT defaults to rank 8 and lora_alpha 8.", "peft_default_alpha"),
    ("LoraConfig defaults to a rank of 8 and a dropout of 0.", "peft_default_dropout"),
])
def test_defaults_listed_in_words_after_the_verb(sentence, predicate):
    assert _frames(sentence, predicate), recognise(sentence).frames


def test_the_compute_dtype_left_at_a_width_by_the_config():
    paired = _pair("Pass bnb_4bit_compute_dtype=torch.bfloat16 on A100s, because "
                   "BitsAndBytesConfig leaves it at float32 otherwise.")
    assert paired.verifier == "lora.bnb_defaults", paired.reason


@pytest.mark.parametrize(("sentence", "polarity"), [
    # a quoted label called wrong: what it says is denied
    ('Llama-2-13B in fp16 is about 26 GB of weights, so the "runs on any 24 GB card" sticker '
     "is simply false.", False),
    # ... a plan's hopelessness denies the fit
    ("Training a 13B in plain fp16 on a 24 GB card was hopeless.", False),
])
def test_fits_denied_by_the_words_after_it(sentence, polarity):
    fits = _frames(sentence, "fits_gpu")
    assert fits and {f.polarity for f in fits} == {polarity}, recognise(sentence).frames


def test_a_broken_file_ruled_out_is_no_denial_of_its_size():
    sizes = _frames("An r=8 q/v adapter for Llama-2-7B in float32 is about 16.8 MB, so a 17 MB "
                    "upload is normal and not a damaged file.", "adapter_size")
    assert sizes and all(f.polarity for f in sizes)


def test_a_change_named_then_its_two_ends_is_no_range():
    qs = find_quantities(normalise("Moving from q/v to every projection is a 5x jump in "
                                   "trainable parameters, 8.4M to 40M."))
    assert not [q for q in qs if q.bound == "range"], qs


def test_a_year_naming_a_piece_of_work_is_no_quantity():
    qs = find_quantities(normalise("In the 2023 QLoRA paper a 65B model trained on one card."))
    assert 2023.0 not in {q.value for q in qs}


@pytest.mark.parametrize(("sentence", "reason"), [
    ("Nobody warned me that bottleneck adapters add layers to every forward pass.", ""),
    ("Between 14:02 and 14:40 the p95 latency of the tenant endpoint climbed 22% after a "
     "rollout.", "report of one run"),
    ("Action item: we will add a canary that pages when merged latency drifts by 3%.", "plan"),
    ("The launch post's 'first to fit 65B on one card' line is inaccurate.", "history"),
])
def test_what_is_told_rather_than_claimed(sentence, reason):
    paired = _pair(sentence)
    if reason:
        assert not paired.frames and reason in paired.reason, paired
    else:
        assert "reported" not in paired.reason, paired


def test_an_estimates_assumption_is_not_the_writers_claim():
    paired = _pair("The budget sheet counts NF4 as a flat 4 bits per weight, whereas the "
                   "block constants push it to 4.5.")
    assert "reported" in paired.reason and not paired.frames, paired


def test_a_card_named_by_its_number_is_the_cards_memory():
    sizes = _frames("My 16 GB 4060 Ti can't hold Llama-2-7B in fp32, whose weights are about "
                    "27 GB.", "model_size")
    assert sizes and all(q.value != 16e9 for f in sizes for q in f.quantities
                         if q.role != "gpu"), sizes


def test_advice_drawn_at_the_end_names_no_method_of_the_figures():
    assert "pick" not in normalise("Full fine-tuning takes about 16 bytes per parameter, so "
                                   "pick LoRA on small cards.")


def test_a_without_phrase_before_its_verb_denies_nothing():
    sizes = _frames("Llama-2-7B in NF4 without double quantization comes to about 3.8 GB.",
                    "model_size")
    assert sizes and all(f.polarity for f in sizes)


def test_one_constant_per_block_is_the_first_level():
    blocks = _frames("NF4 keeps one absmax per block of 64 weights' codes, stored in fp32.",
                     "bnb_blocksize")
    assert blocks and not any(f.has("level2") for f in blocks)


@pytest.mark.parametrize(("sentence", "verdict_params"), [
    ("For Llama-3-8B at r=16, lora_B on v_proj is 1024x16.", {"out_f": 1024, "in_f": 0}),
    ("For Llama-3-8B at r=16, lora_A on v_proj is 16x4096.", {"in_f": 4096, "out_f": 0}),
])
def test_a_lora_factors_shape_checks_the_projections_side(sentence, verdict_params):
    paired = _pair(sentence)
    assert paired.verifier == "lora.model_shape", paired.reason
    assert {k: paired.params[k] for k in verdict_params} == verdict_params


def test_a_lora_factor_written_against_peft_is_not_read():
    paired = _pair("For Llama-3-8B at r=16, lora_B on v_proj is 16x1024.")
    assert not paired.verifier and "other way round" in paired.reason, paired


@pytest.mark.parametrize(("sentence", "form"), [
    ("Ordinary LoRA multiplies BA by alpha/r; rsLoRA multiplies it by alpha/sqrt(r).",
     "alpha/sqrt(r)"),
    ("Here rsLoRA uses alpha/r and standard LoRA uses alpha/sqrt(r).", "alpha/r"),
])
def test_each_scale_form_after_its_own_methods_name(sentence, form):
    paired = _pair(sentence)
    assert paired.verifier == "lora.ba_update", paired.reason
    assert paired.params["rslora"] is True and paired.params["scaling_form"] == form


def test_a_switch_between_the_forms_names_one_methods():
    paired = _pair("Turning on use_rslora changes the scale from alpha/r to alpha/sqrt(r).")
    assert paired.params.get("scaling_form") != "alpha/r", paired


@pytest.mark.parametrize("sentence", [
    "A bare BitsAndBytesConfig(load_in_4bit=True) already enables double quantization.",
    "Nested quantization is on by default in the bitsandbytes config.",
])
def test_the_config_named_in_words_is_the_configs_default(sentence):
    paired = _pair(sentence)
    assert paired.verifier == "lora.bnb_defaults", paired.reason
    assert paired.params.get("api") in (None, "transformers"), paired.params


def test_a_slow_download_is_no_inference_latency():
    paired = _pair("The merged checkpoint's download takes longer than the adapter's.")
    assert paired.verifier != "lora.merge_latency", paired


def test_ones_own_earlier_words_ended_by_a_semicolon():
    paired = _pair("Update: I first wrote that lora_A starts at zero; it's actually lora_B that "
                   "starts at zero, so BA is zero at step one.")
    assert paired.verifier == "lora.ba_update", paired.reason


def test_what_was_said_called_swapped_at_the_end_is_denied():
    frames = _frames("The README says A starts at zero and B at random; the rest is fine, but "
                     "they have the two the wrong way round.", "init_equals_base")
    assert frames and not any(f.polarity for f in frames), frames


def test_an_opening_hedge_leaves_the_claim_after_its_clause():
    paired = _pair("works for me imho, BitsAndBytesConfig(load_in_4bit=True) hands you NF4 out "
                   "of the box")
    assert paired.verifier == "lora.bnb_defaults", paired.reason
    assert not paired.params.get("implied"), paired.params
    # a hedge after the claim's clause keeps the whole sentence an opinion
    assert not _pair("QLoRA is overrated imo, full fine-tuning is simpler.").frames


@pytest.mark.parametrize(("sentence", "rewritten"), [
    ("Budget for it if you plan to full-finetune a 13B model.", "fully fine-tune a 13B"),
    ("The stock value of lora_alpha is 8.", "default value of lora_alpha"),
])
def test_words_for_full_fine_tuning_and_a_default(sentence, rewritten):
    assert rewritten in normalise(sentence)


def test_a_width_used_by_default_as_the_compute_dtype():
    frames = _frames("Out of the box bitsandbytes uses float32 as the compute dtype of its "
                     "4-bit layers.", "bnb_default_compute")
    assert frames and frames[0].has("c_fp32"), frames


@pytest.mark.parametrize("sentence", [
    "Going from rank 8 to rank 16 made the trainable parameters four times larger.",
    "If one raises the rank from 4 to 8 the trainable parameter count grows four times.",
])
def test_a_count_said_to_grow_fourfold_when_the_rank_doubles(sentence):
    paired = _pair(sentence)
    assert paired.verifier == "lora.rank_scaling", paired.reason


def test_a_hidden_size_given_as_the_reason_is_no_count():
    paired = _pair("Mistral-7B at r=8 on q_proj and v_proj trains 4,194,304 parameters, since "
                   "its hidden size is also 4096.")
    assert [f.params["count"] for f in paired.frames] == [4194304.0], paired.frames


@pytest.mark.parametrize(("sentence", "predicate"), [
    ("use_rslora - LoraConfig switch for the root scaling, False by default.",
     "peft_default_flag"),
    ("bnb_4bit_compute_dtype: float32 unless set; most recipes pick bfloat16.",
     "bnb_default_compute"),
    ("Pass lora_alpha yourself, since if you omit it, PEFT uses 8.", "peft_default_alpha"),
    ("target_modules: the layers that get adapters; left as None, PEFT picks q_proj and v_proj "
     "for Llama.", "peft_default_targets"),
])
def test_defaults_in_glossary_entries_and_asides(sentence, predicate):
    assert _frames(sentence, predicate), recognise(sentence).frames


def test_a_width_said_to_be_what_the_library_uses_is_its_default():
    paired = _pair("The QLoRA paper's bf16 compute dtype is what bitsandbytes uses unless you say "
                   "otherwise.")
    assert paired.verifier == "lora.bnb_defaults", paired.reason


def test_a_myth_set_against_its_reality_reads_the_reality():
    paired = _pair("Myth: 'DoRA doubles what you train.' Reality: on Llama-2-7B with all linear "
                   "layers at r=16 it adds about 1.36M magnitudes to roughly 40M LoRA weights.")
    assert paired.frames and all(f.polarity for f in paired.frames), paired


@pytest.mark.parametrize(("sentence", "verifier"), [
    # a claim someone lost marks for is theirs; the writer's words follow the semicolon
    ("Group B lost marks for claiming bottleneck adapters cost nothing at inference; bottleneck "
     "adapters add sequential layers that cannot be merged away.", "lora.adapter_merge"),
    # ... where those words take up the reported subject with "they", they are not read
    ("Group B lost marks for claiming bottleneck adapters cost nothing at inference; they add "
     "sequential layers that cannot be merged away.", None),
])
def test_a_claim_someone_lost_marks_for(sentence, verifier):
    assert _pair(sentence).verifier == verifier, _pair(sentence).reason


def test_what_a_source_wrongly_gave_is_set_aside():
    assert "r^2" not in normalise("rsLoRA divides alpha by sqrt(r); the old slide wrongly gave "
                                  "alpha/r^2.")


def test_a_total_said_to_be_in_the_model_is_the_models_size():
    paired = _pair("With a bottleneck of 64 on BERT-base, the two adapters per layer add about "
                   "2.38 million parameters, roughly 2% of the 110 million in the model.")
    assert paired.verifier == "lora.adapter_params", paired.reason
    assert "110000000" not in repr(paired.params), paired


def test_the_plain_form_set_aside_after_instead_of_is_the_baseline():
    paired = _pair("With use_rslora=True, r=16 and alpha=8 the scale is 2 instead of the 0.5 "
                   "that plain alpha/r gives.")
    assert paired.params.get("rslora") is True, paired.params


def test_a_fall_back_to_the_libraries_default_type():
    paired = _pair("Nobody set bnb_4bit_quant_type, so bitsandbytes fell back to its default "
                   "'fp4' rather than NF4.")
    assert paired.verifier == "lora.bnb_defaults", paired.reason


@pytest.mark.parametrize("sentence", [
    # the whole training state listed, not the optimizer's alone
    "For 20 million trainable parameters, weights, gradients and 2 Adam moments in fp32 take "
    "about 0.32 GB.",
    # an optimizer's footprint is no adapter file
    "The optimizer footprint for the r=16 all-linear Llama-2-7B adapter is about 0.64 GB.",
    # several copies together are no one copy
    "The two merged Llama-2-13B exports in fp16 take about 52 GB together.",
])
def test_sizes_that_are_not_one_files_or_one_parts(sentence):
    paired = _pair(sentence)
    assert not any(f.verifier == "lora.adapter_size" for f in paired.frames), paired
    assert not any(f.params.get("part") == "optimizer" for f in paired.frames), paired


def test_avoiding_a_copy_of_the_base_is_sharing_it():
    frames = _frames("Keeping one base plus small adapters avoids duplicating the base per task.",
                     "hot_swap")
    assert frames and all(f.polarity for f in frames), frames
    frames = _frames("This setup does not avoid duplicating the base per task.", "hot_swap")
    assert frames and not any(f.polarity for f in frames), frames
