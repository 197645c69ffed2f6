"""Wordings of everyday prose the frames read: one copy of a base shared by many adapters, a
cost paid on every token, a checksum kept or changed, a merge undone step by step, "one in
every hundred" as a share, and a count or a scale said to double."""

from __future__ import annotations

import pytest
from sentence_pairing import frames_of as _frames
from sentence_pairing import pair as _pair
from sentence_pairing import params_of as _params

from kbcheck.claims.normalise import normalise
from kbcheck.claims.quantities import find_quantities


@pytest.mark.parametrize(("sentence", "predicate", "polarity"), [
    # one resident copy of the base, each adapter attached to it
    ("Each tenant's adapter is plugged onto one shared copy of the frozen base model.",
     "hot_swap", True),
    ("We keep a single copy of the model in memory and attach a small add-on per customer.",
     "hot_swap", True),
    ("The server loads the base weights only once, however many adapters it holds.",
     "hot_swap", True),
    ("That runtime cannot keep more than one adapter per model, so every switch reloads it.",
     "hot_swap", False),
    # a cost paid again on every token or pass
    ("Bottleneck adapters remain as extra layers, and you pay for them on every generated "
     "token.", "no_added_latency", False),
    ("With serial adapters each forward pass still pays for the inserted blocks.",
     "no_added_latency", False),
    # the base checkpoint's checksum, and words of writing to it
    ("After a LoRA run the md5 of the base shards is unchanged.", "base_frozen", True),
    ("Expect the hashes of the base checkpoint to change after LoRA training.",
     "base_frozen", False),
    ("Training the adapter never writes to the base weights.", "base_frozen", True),
    ("In this mode the pretrained weight matrices are unfrozen as well.", "base_frozen",
     False),
    ("The frozen weights still get tiny gradient updates during LoRA training.",
     "base_frozen", False),
    # a merge undone, said step by step
    ("Subtracting the scaled update BA from the merged matrix gives back W0 up to rounding.",
     "merge_reversible", True),
    ("A LoRA layer merged and then unmerged restores the original weights in fp32.",
     "merge_reversible", True),
])
def test_everyday_wordings(sentence, predicate, polarity):
    frames = _frames(sentence, predicate)
    assert frames and frames[0].polarity is polarity, frames


def test_a_merge_writing_into_the_base_is_not_training_touching_it():
    # merging writes BA into W0 (deployment), which says nothing against training leaving it
    # frozen; nor is a changed checksum of the merged file a change of its outputs
    frames = _pair("Merging writes the update into the base weights, so the checksum of the "
                   "merged model differs.").frames
    assert not any(f.verifier == "lora.frozen_base" for f in frames), frames
    assert all(f.polarity for f in frames if f.verifier == "lora.merge_equivalence"), frames


@pytest.mark.parametrize(("text", "pct"), [
    ("we train roughly one parameter in every hundred", 1.0),
    ("about 1 in 1,000 of the weights", 0.1),
    ("one trainable weight out of every ten thousand", 0.01),
])
def test_one_in_every_n_is_a_share(text, pct):
    shares = [q for q in find_quantities(normalise(text)) if q.unit == "pct"]
    assert [q.value for q in shares] == pytest.approx([pct]), shares


def test_one_of_n_things_is_no_share():
    assert not [q for q in find_quantities(normalise("one in 32 layers is adapted"))
                if q.unit == "pct"]


def test_a_share_in_words_pairs_with_the_count():
    got = _params("At r=8 on q and v of Llama-2-7B, LoRA trains one parameter in every "
                  "hundred.", "lora.param_count")
    assert isinstance(got, dict) and got["pct"] == 1.0 and got["model"] == "llama-7b", got


@pytest.mark.parametrize("sentence", [
    "DoRA roughly doubles LoRA's trainable parameters.",
    "With use_dora=True the number of trainable parameters doubled compared with LoRA.",
])
def test_doras_count_said_to_double_is_a_ratio(sentence):
    got = _params(sentence, "lora.dora_budget")
    assert isinstance(got, dict) and got["claim"] == "ratio" and got["ratio"] == 2.0, got


def test_double_quantization_stays_a_name():
    assert normalise("Double quantization's savings are small.").startswith("Double quant")


def test_a_scale_said_to_go_from_one_value_to_another_is_read_at_its_end():
    got = _params("Enabling rsLoRA at r=16 and alpha=32 moves the effective scale from 2.0 "
                  "to 8.0.", "lora.ba_update")
    assert isinstance(got, dict) and got["rslora"] and got["scale_value"] == 8.0, got


@pytest.mark.parametrize(("sentence", "factor"), [
    ("When we switched to rsLoRA, it doubled our effective scaling factor.", 2.0),
    # a factor in words after a possessive
    ("Switching on rsLoRA multiplies your adapter's scale by four.", 4.0),
])
def test_switching_to_rslora_by_a_factor_is_a_switch(sentence, factor):
    got = _params(sentence, "lora.ba_update")
    assert isinstance(got, dict) and got.get("varied") == "rslora" \
        and got["scale_factor"] == factor, got


# -- wrong refutations the readings above used to give ----------------------------------------

def test_an_instruction_before_a_default_does_not_deny_it():
    frames = _frames("Keep the recipe at NF4. Don't skip bnb_4bit_compute_dtype, it defaults to "
                     "fp32.", "bnb_default_compute")
    assert frames and frames[0].polarity, frames


def test_a_change_of_rank_written_from_rank_to_number():
    got = _params("We moved the job from rank 16 to 64 and kept alpha=32, so the effective "
                  "scale fell to 0.5.", "lora.ba_update")
    assert isinstance(got, dict) and got["r"] == 64 and got["scale_value"] == 0.5, got


def test_a_fleets_total_is_not_one_adapters_size():
    frames = _pair("Each of the 25 support adapters, rank 8 on q_proj and v_proj of Llama 2 "
                   "13B, is about 13 MB in fp16, so the whole fleet fits in about 330 MB.").frames
    sizes = [f.params.get("mb") for f in frames if f.verifier == "lora.adapter_size"]
    assert sizes == [13.0], frames


def test_a_cards_memory_is_not_the_models_size():
    got = _params("A gaming card with 24GB of video memory is enough to hold all the weights "
                  "of Llama-2-7B.", "lora.qlora_memory")
    assert isinstance(got, dict) and got["gpu_gb"] == 24.0 and got["model"] == "llama-7b", got
    assert _params("A gaming card with 24GB of video memory is enough to hold all the weights "
                   "of Llama-2-7B.", "lora.adapter_size") is None


def test_the_width_of_the_layers_is_not_the_compute_width():
    assert not [f for f in _frames("Matrix multiplications in the 4-bit layers run in float32.",
                                   "compute_dtype") if 4.0 in (q.value for q in f.quantities)]


@pytest.mark.parametrize(("sentence", "pct"), [
    # a claim met elsewhere, then denied and set right in the writer's words
    ("I've seen it claimed that r=64 on all linear layers of Llama-2-7B stays under 1% of the "
     "model; it isn't, it's about 160 million parameters, around 2.4%.", 2.4),
    ("A colleague wrote that r=8 on q and v of Llama-2-7B trains under 0.01%; that isn't so, "
     "it is about 0.06%.", 0.06),
])
def test_a_report_denied_and_set_right(sentence, pct):
    got = _params(sentence, "lora.param_count")
    assert isinstance(got, dict) and got["pct"] == pct and not got.get("pct_high"), got


def test_a_table_that_listed_a_figure_is_set_right():
    got = _params("Fixed the sizing table, which listed Llama-2-70B in fp16 as 128 GB; it is "
                  "about 138 GB.", "lora.adapter_size")
    assert isinstance(got, dict) and got["gb"] == 138.0, got


def test_a_transcripts_speakers_label_a_question_and_its_answer():
    assert normalise("STUDENT: Can BA have rank above r? TUTOR: No; its rank is at most r."
                     ).startswith("It is false that BA can have rank above r")


# -- a true consequence beside a false premise ------------------------------------------------

@pytest.mark.parametrize("sentence", [
    "LoraConfig() with no arguments: r=8, lora_alpha=32, so the scale is 4.",
    # in a code comment, with "=" and values after a space
    "# LoraConfig() with no args = r 8, lora_alpha 32",
])
def test_a_bare_configs_settings_after_a_colon_are_its_defaults(sentence):
    got = {f.params.get("setting"): f.params.get("value") for f in _pair(sentence).frames
           if f.verifier == "lora.peft_defaults"}
    assert got == {"r": 8.0, "lora_alpha": 32.0}, got


def test_a_flag_said_on_in_a_bare_config_is_its_default():
    got = _params("The default LoraConfig has use_dora=True.", "lora.peft_defaults")
    assert isinstance(got, dict) and got["setting"] == "use_dora" and got["word"] == "true", got


@pytest.mark.parametrize(("sentence", "verifier"), [
    ("LoRA+ halves the trainable parameters, because only B is boosted.", "lora.loraplus"),
    ("rsLoRA trains a handful of extra parameters per layer.", "lora.rslora_params"),
])
def test_a_variant_said_to_change_the_count(sentence, verifier):
    frames = [f for f in _pair(sentence).frames if f.verifier == verifier]
    assert frames and not frames[0].polarity, frames


def test_the_low_rank_factors_said_to_be_stored_in_four_bits():
    got = _params("With QLoRA the A and B matrices are also stored in 4-bit NF4.",
                  "lora.qlora_storage")
    assert isinstance(got, dict) and got.get("adapters_quantized"), got


@pytest.mark.parametrize(("said", "rating"), [
    ("Bottleneck adapters cost nothing at inference.", "We rate it false: they add layers."),
    ("Merged LoRA adds latency.", "We rate this false, since BA is folded into W."),
])
def test_a_fact_checks_rating_keys_the_claim(said, rating):
    # the rated claim is read denied: the opposite polarity of the claim said alone
    alone, rated = _pair(said).frames, _pair(f"Claim: '{said}' {rating}").frames
    assert alone and rated and rated[0].polarity is not alone[0].polarity, (alone, rated)


def test_a_belief_called_wrong_as_it_is_told_is_not_the_writers():
    frames = _pair("The team wrongly believed a bare BitsAndBytesConfig means NF4.").frames
    assert not frames, frames


def test_consider_that_puts_a_statement_to_the_reader():
    got = _params("Consider that rank 8 on q and v of Llama-2-7B trains about one parameter in "
                  "every 1,600.", "lora.param_count")
    assert isinstance(got, dict) and got["model"] == "llama-7b", got


@pytest.mark.parametrize("sentence", [
    "Each adapted matrix gets r times (d + k) trainable values.",
    "The count is r x (d plus k) per matrix.",
])
def test_the_count_formula_in_words(sentence):
    assert _params(sentence, "lora.param_count") == {"claim": "formula", "formula": "r(d+k)"}


# -- glossary defaults, footnote marks, factors in words --------------------------------------

@pytest.mark.parametrize(("sentence", "setting", "value"), [
    ("LoRA alpha: the numerator of the scale lora_alpha / r. Defaults to 8.", "lora_alpha", 8.0),
    ("Rank (r): the width of the bottleneck. If you leave it blank, PEFT uses r = 8.", "r", 8.0),
])
def test_a_glossary_entrys_default(sentence, setting, value):
    got = _params(sentence, "lora.peft_defaults")
    assert isinstance(got, dict) and (got["setting"], got["value"]) == (setting, value), got


def test_a_footnote_mark_is_no_number():
    assert normalise("\u00b9\u00b2 With rsLoRA on, the scale works out to 4.").startswith("With")
    assert "^2" in normalise("The count grows with r\u00b2 per matrix.")


def test_a_checkpoint_of_a_named_model_is_the_models_size():
    got = _params("The 16-bit checkpoint of Llama-2-7B takes up roughly 12.6 GiB on disk.",
                  "lora.adapter_size")
    assert isinstance(got, dict) and got["model"] == "llama-7b" and got["gb"] == 12.6, got


def test_a_fit_under_a_full_fine_tuning_heading_is_not_a_training_step():
    from sentence_pairing import _REGISTRY

    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim

    claim = Claim(id="t", path="t.md", text="The 70B model fits on one 48GB card.",
                  origin="body", section="Full fine-tuning")
    pairing = pair_claim(claim, _REGISTRY, default_subject="full_ft")[0]
    assert not any(f.verifier == "lora.training_memory" for f in pairing.frames), pairing


@pytest.mark.parametrize(("sentence", "gpu_gb"), [
    ("Our cluster runs Llama-2-13B in bf16 on a single 24 GB GPU.", 24.0),
    ("A single 48 GB card holds Llama-2-13B in fp16 for serving.", 48.0),
])
def test_a_model_run_or_held_on_one_card_is_a_fit(sentence, gpu_gb):
    got = _params(sentence, "lora.qlora_memory")
    assert isinstance(got, dict) and got["claim"] == "weights16" and got["gpu_gb"] == gpu_gb, got


def test_a_glossary_default_with_its_condition_first():
    got = _params("bnb_4bit_compute_dtype - if left unset, it falls back to float16.",
                  "lora.bnb_defaults")
    assert isinstance(got, dict) and got["compute"] == "float16", got


# -- wrong refutations of the second blind batch ---------------------------------------------

def test_a_denial_before_a_settings_name_does_not_reach_its_relative_clause():
    frames = _frames("Our config never set bnb_4bit_use_double_quant, which defaults to False.",
                     "bnb_default_double_quant")
    assert frames and not frames[0].polarity, frames  # the sign - cue, not denied


def test_the_root_denied_with_rslora_said_off():
    got = _params("use_rslora is False unless you turn it on, so by default PEFT divides "
                  "lora_alpha by r, not by the square root of r.", "lora.ba_update")
    assert isinstance(got, dict) and got["rslora_off"] and not got["rslora"], got


def test_a_deletion_asked_for_is_no_switch_losing_an_adapter():
    frames = _pair('Step 4: model.delete_adapter("old") removes the old adapter.').frames
    assert [f.verifier for f in frames] == ["lora.serving"], frames


def test_a_cards_memory_after_of_is_not_the_models_size():
    frames = [f for f in _pair("In bf16 Mistral 7B's weights occupy about 14,5 GB, more than the "
                               "12 GB of our old cards.").frames
              if f.verifier == "lora.adapter_size"]
    assert [f.params["gb"] for f in frames] == [14.5], frames


def test_a_change_of_modules_with_its_counts_is_judged_per_set():
    got = _params("We moved from q+v to all seven projections at r=8 on Llama-2-7B, which took "
                  "the trainable count from 4.2M to about 20M.", "lora.param_count")
    assert isinstance(got, dict) and got["segments"].startswith("8/qv@") \
        and "#8/all@" in got["segments"], got


def test_a_replys_subject_line_is_the_topic_not_the_claim():
    assert normalise("Re: OOM on a 16 GB card -- QLoRA on Llama-2-7B fits in 16 GB.") \
        == "QLoRA on Llama-2-7B fits in 16 GB."


@pytest.mark.parametrize(("sentence", "gb", "bound"), [
    ("Even at 4 bits, a 13B model's weights exceed 12 GB.", 12.0, "ge"),
    ("Quantizing to 4-bit shrinks a 13B model to under 5 GB.", 5.0, "le"),
])
def test_a_models_size_said_with_a_verb_of_bound_or_change(sentence, gb, bound):
    got = _params(sentence, "lora.adapter_size")
    assert isinstance(got, dict) and got["gb"] == gb and got["gb_bound"] == bound, got


def test_four_bits_with_no_overhead_is_the_whole_cost():
    got = _params("NF4 keeps every weight in 4 bits with no other overhead.", "lora.qlora_storage")
    assert isinstance(got, dict) and got["claim"] == "bits" and got["high"] == 4.0, got


def test_the_adapters_own_terms_are_not_a_training_step():
    frames = _pair("A rank-16 all-linear adapter on Llama-2-7B has about 40 million trainable "
                   "parameters, so its fp32 weights, gradients and Adam moments need about "
                   "0.64 GB.").frames
    assert not any(f.verifier == "lora.training_memory" for f in frames), frames


@pytest.mark.parametrize("sentence", [
    "DoRA is switched on with use_dora=True in LoraConfig; by default this is False.",
    "The use_dora flag in LoraConfig also defaults to False.",
])
def test_a_flags_default_said_after_it(sentence):
    frames = [f for f in _pair(sentence).frames if f.verifier == "lora.peft_defaults"]
    assert frames and not frames[0].polarity and frames[0].params["setting"] == "use_dora", frames


def test_exactly_one_magnitude_per_output_feature():
    got = _params("In PEFT the DoRA magnitude vector has exactly one entry per output feature.",
                  "lora.dora_budget")
    assert got == {"claim": "shape", "shape": "per_output"}, got


# -- regressions the pairing diff showed -------------------------------------------------------

@pytest.mark.parametrize("sentence", [
    "Llama-2-13B requires about 26 GB of accelerator memory for its fp16 weights.",
    "Loaded in fp16, Llama-2-7B occupied 12.6 GiB of the L4's 24 GB.",
])
def test_an_amount_of_a_cards_memory_is_the_weights_size(sentence):
    got = _params(sentence, "lora.adapter_size")
    assert isinstance(got, dict) and got.get("gb"), got


@pytest.mark.parametrize(("text", "bound"), [
    ("trainable parameters shall not exceed 0.3% of the model", "le"),
    ("its weights exceed 12 GB", "ge"),
    ("its shards add up to roughly 15 GB", "approx"),
])
def test_bounds_said_with_exceed_and_sums(text, bound):
    assert [q.bound for q in find_quantities(normalise(text))] == [bound]


def test_a_named_writers_claim_called_wrong_is_reported():
    got = _params("Team 3's claim that LoRA nudges the frozen base weights during training is "
                  "wrong: requires_grad is False on every base parameter.", "lora.frozen_base")
    assert isinstance(got, dict), got
    assert _pair("Team 3's claim that LoRA nudges the frozen base weights during training is "
                 "wrong: requires_grad is False on every base parameter.").frames[0].polarity


def test_a_merge_writing_into_a_shared_base_is_deployment():
    frames = _pair("With several adapters loaded, merging one writes its update into the shared "
                   "base weights, so the others sit on a modified W.").frames
    assert not any(f.verifier == "lora.frozen_base" for f in frames), frames


def test_adapters_said_to_share_one_resident_copy():
    frames = _frames("Yes: all the adapters share one resident copy of the base weights.",
                     "hot_swap")
    assert frames and frames[0].polarity, frames
    assert not _frames("They share one copy of the base model.", "hot_swap")


def test_r_squared_after_requires_is_the_count_formula():
    got = _params("The d x k update needs B and A, which requires only r² trainable parameters.",
                  "lora.param_count")
    assert got == {"claim": "formula", "formula": "r^2"}, got


def test_an_adapter_moved_onto_another_base_is_no_switch():
    frames = _pair("An adapter trained on Llama-2-7B can be hot-swapped onto the Mistral 7B base "
                   "too.").frames
    assert not any(f.verifier == "lora.hot_swap" for f in frames), frames
    assert any(f.verifier == "lora.hot_swap" for f in _pair(
        "Adapters trained on the same base can be hot-swapped onto it without a reload.").frames)


def test_base_weights_said_to_stay_as_loaded():
    frames = _frames("Until you merge, the base weights in memory stay exactly as loaded.",
                     "base_frozen")
    assert frames and frames[0].polarity, frames


def test_merged_and_unmerged_models_said_to_drift_apart():
    frames = _frames("In bf16 the merged and unmerged models can drift apart by about 0.01.",
                     "mergeable")
    assert frames and not frames[0].polarity and frames[0].has("precision"), frames
