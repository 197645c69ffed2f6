"""Readings that once went wrong on held-out articles, each in new words: several claims in one
clause pattern, statements about 4-bit that are not "it is stored in 4 bits", talk-page
signatures, defaults said as "unless" or "falls back to". Run end to end on real files."""

from __future__ import annotations

import pytest

from kbcheck.cache import ResultCache
from kbcheck.claims.recognise import recognise
from kbcheck.claims.rows import row_segments
from kbcheck.markup import inline_wiki
from kbcheck.pipeline import check_paths
from kbcheck.runner import RunOptions


def test_as_many_models_as_gpus_are_paired_in_the_order_written():
    frames = recognise("With QLoRA a 13B model trains on a 16 GB card and a 70B model on one "
                       "80 GB card.").frames
    pairs = [(f.conditions["model"]["size_b"],
              next(q.value for q in f.quantities if q.role == "gpu")) for f in frames]
    assert pairs == [(13.0, 16e9), (70.0, 80e9)]


def test_a_talk_page_signature_is_not_text():
    signed = "It runs in 10 GB. --[[User:Ann|Ann]] 09:05, 3 June 2025 (UTC)"
    assert inline_wiki(signed) == "It runs in 10 GB."
    assert inline_wiki("Agreed. ~~~~") == "Agreed."


def test_a_none_cell_denies_its_column():
    assert row_segments(("DoRA", "Extra latency none after merging"), "") == [
        "DoRA: no Extra latency after merging"]


@pytest.mark.slow
def test_what_is_said_of_4_bit_besides_its_width_decides(tmp_path):
    """bitsandbytes' NF4 code (quantiles of a normal, 7 negative and 8 positive levels besides
    zero) is neither symmetric nor evenly spaced; QLoRA keeps the LoRA factors in 16-bit; the
    default quant type of BitsAndBytesConfig is fp4; double quantization saves 0.373 bits per
    parameter (4.500 -> 4.127)."""
    text = ("Quantization notes\n\n"
            "NF4 spaces its sixteen levels evenly, exactly like int4.\n\n"
            "In QLoRA the A and B factors are trained in 4-bit as well.\n\n"
            "Left alone, BitsAndBytesConfig falls back to NF4.\n\n"
            "Enabling bnb_4bit_use_double_quant takes about 0.37 bits off the cost of each "
            "parameter.\n\n"
            "B starts at zero while A is sampled at random, so the first step sees the base "
            "model unchanged.\n")
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "notes.txt").write_text(text)
    options = RunOptions(cache=ResultCache(tmp_path / "cache"), evidence_dir=tmp_path / "ev")
    report = check_paths([str(folder)], options=options)
    got = [(r.pairing.verifier, r.verdict.value) for r in report.claims]
    assert got == [("lora.qlora_storage", "refuted"), ("lora.qlora_storage", "refuted"),
                   ("lora.bnb_defaults", "refuted"), ("lora.qlora_storage", "supported"),
                   ("lora.ba_update", "supported")], [r.explanation for r in report.claims]


def test_a_yes_no_question_is_read_with_its_answer():
    from kbcheck.claims.extract import extract_claims
    from kbcheck.claims.normalise import normalise
    from kbcheck.loaders import load_text

    # a "no" denies the question's words ("is not DoRA ..." would deny the name, not the verb)
    assert normalise("Q: Is DoRA slower once merged? A: Not at all.") == \
        "It is false that DoRA slower once merged."
    assert not recognise("17:55 Student question - does QLoRA keep the adapters in 4-bit?: No.",
                         "qlora").frames[0].polarity
    assert normalise("Can LoRA weights be merged? Yes, into W.") == \
        "Can LoRA weights be merged. into W."
    assert normalise("Why is LoRA cheap? Because A and B are small.") == \
        "Why is LoRA cheap? Because A and B are small."  # not a yes/no question
    text = ("---\nid: faq\ntitle: FAQ\n---\n## Does QLoRA quantize the adapters?\n\n"
            "No. They stay in bf16 while the base is NF4.\n\n"
            "Can a 7B model be fine-tuned with QLoRA on a 12 GB card?\n\nYes, with room to "
            "spare.\n")
    claims = [c.text for c in extract_claims(load_text(text, "faq.md").article)]
    assert claims == ["Does QLoRA quantize the adapters? No. They stay in bf16 while the base "
                      "is NF4.",
                      "Can a 7B model be fine-tuned with QLoRA on a 12 GB card? Yes, with room "
                      "to spare."]
    frames = recognise(claims[1]).frames
    assert frames and frames[0].predicate == "fits_gpu" and frames[0].polarity


def test_after_reported_speech_the_authors_own_words_are_read():
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    reg = registry(include_entry_points=False)

    def pair(text):
        return pair_claim(Claim(id="t", path="t.md", text=text, origin="body"), reg)[0]

    own = pair("You may read that A starts at zero and B at random; in fact B starts at zero.")
    assert own.verifier == "lora.ba_update"
    assert pair("Some people say LoRA merges cleanly.").verifier is None  # nothing of its own


def test_costing_nothing_at_inference_denies_latency():
    frame = recognise("An unmerged adapter costs nothing at inference time.").frames[0]
    assert (frame.predicate, frame.polarity, frame.conditions.get("merged")) == (
        "no_added_latency", True, False)


@pytest.mark.parametrize(("text", "predicate", "subject", "polarity"), [
    # the method named last before the words, past a comma-clause, when the sentence names two
    ("Folding is free for LoRA; bottleneck adapters, at a few percent of the weights, cannot "
     "be folded into W.", "mergeable", "adapter", False),
    # a negated verb phrase ends at "and" after its participle
    ("Such adapters cannot be merged and add latency on every request.", "no_added_latency",
     "adapter", False),
    # "removes the extra cost" denies it
    ("We merge the adapter for serving, which removes its extra cost at inference.",
     "no_added_latency", "lora", True),
    # a method "contrasted with" is the baseline, not the subject
    ("Because BA folds into W0, the served model costs what the original did per token, a "
     "point the paper contrasted with adapter layers.", "no_added_latency", "lora", True),
])
def test_who_and_whether(text, predicate, subject, polarity):
    frames = [f for f in recognise(text, "adapter" if "Such" in text else "lora").frames
              if f.predicate == predicate]
    assert frames and (frames[0].subject, frames[0].polarity) == (subject, polarity)


def test_the_update_as_a_noun_is_not_a_change_to_the_base():
    frames = recognise("LoRA writes the update of a frozen weight as the product BA.").frames
    assert not any(f.predicate == "base_frozen" and not f.polarity for f in frames)


def test_shares_and_scales_said_in_words():
    from kbcheck.claims.normalise import normalise

    # a fraction of a percent in words is as coarse as readers take it: a fifth either way
    # (0.237% is "about a quarter of a percent" to two writers of held-out text)
    assert normalise("about a quarter of one percent of the model") == \
        "about 0.2-0.3% of the model"
    assert normalise("roughly half of one percent") == "roughly 0.4-0.6%"
    assert normalise("under half a percent") == "under 0.5 %"  # a bound: one side stated
    assert normalise("0.25% of the model") == "0.25% of the model"  # digits keep their precision
    frame = next(f for f in recognise("With the standard scaling the update is multiplied by "
                                      "alpha/r; use_rslora=True changes that.").frames
                 if f.predicate == "scaling")
    assert frame.has("standard_plain")
    frame = recognise("Adapters on every attention and MLP projection of Mistral-7B at r=8 "
                      "train 21M parameters.").frames[-1]
    assert frame.conditions["modules"] == "all"


def test_plain_text_bullets_are_items_of_their_own():
    from kbcheck.markup import glossary_blocks

    blocks = glossary_blocks("Notes\n\n- GPT-2 at r=8: 294,912 parameters.\n"
                             "- ViT-base at r=16: 589,824 parameters.\n", 1)
    assert [b.text for b in blocks][-2:] == ["GPT-2 at r=8: 294,912 parameters.",
                                             "ViT-base at r=16: 589,824 parameters."]


def _frames(text: str) -> list[tuple[str, str, bool]]:
    return [(f.subject, f.predicate, f.polarity) for f in recognise(text).frames]


def test_a_share_of_full_rank_and_a_compound_ordinal_are_not_full_rank():
    from kbcheck.claims.normalise import normalise

    assert normalise("a five-hundredth of the matrix") == "0.2% of the matrix"
    assert normalise("five hundredths of it") == "0.05 of it"
    got = _frames("At r = 4 the product BA of a 1024 x 1024 layer spans at most 4 directions, "
                  "about a two-hundredth of full rank.")
    assert ("lora", "rank_bounded", True) in got
    assert not any(p == "rank_bounded" and not pol for _, p, pol in got)


def test_reusing_the_same_base_is_not_a_reload_per_adapter():
    got = _frames("Training leaves the base checkpoint bit-for-bit identical, so we reload the "
                  "same base later and plug another adapter into it.")
    assert ("lora", "base_frozen", True) in got
    assert not any(p == "hot_swap" and not pol for _, p, pol in got)


def test_a_saving_is_not_a_model_size_and_a_4_bit_model_is_the_bases_width():
    frame = next(f for f in recognise("Quantizing the block scales a second time, double "
                                      "quantization shaves about 3 GB off a 65B model.").frames
                 if f.quantities)
    assert next(q for q in frame.quantities if q.unit == "bytes").role == "saving"
    frame = recognise("Fine-tuning a 4-bit model needs adapters such as LoRA on top.").frames[0]
    assert next(q for q in frame.quantities if q.unit == "bits").role == ""


def test_words_for_merging_skipped_serving_cost_and_a_clause_after_a_colon():
    frame = recognise("If you skip the merge, the LoRA branch runs at exactly the speed of the "
                      "plain layer.").frames[0]
    assert frame.conditions["merged"] is False
    got = _frames("Three modes, LoRA, QLoRA and DoRA: DoRA weights fold into the base like LoRA "
                  "ones, so the serving cost is unchanged.")
    assert ("dora", "mergeable", True) in got
    assert any(p == "no_added_latency" and pol for _, p, pol in got)
    frame = recognise("Once BA has been added into W_0, inference takes no extra time.").frames[0]
    assert frame.conditions["merged"] is True


def test_settings_said_in_other_words():
    assert ("lora", "peft_default_rank", True) in _frames(
        "LoraConfig defaults to r=8 and lora_alpha=8.")
    assert ("lora", "peft_default_alpha", True) in _frames(
        "LoraConfig defaults to r=8 and lora_alpha=8.")
    # the setting a sentence chooses is not the default it names after it
    got = _frames("We train with r=32 and lora_alpha=64, though PEFT defaults to r=8.")
    assert [p for _, p, _ in got] == ["peft_default_rank"]
    frame = recognise("Phi-2 with r=16 on the attention projections: 5.2M trainable.").frames[0]
    assert frame.predicate == "trainable_params"
    assert recognise("In LoRA+ the learning rate of A is set to loraplus_lr_ratio times that of B, "
                     "and the ratio defaults to 16.").frames[0].conditions["lr_direction"] == "A>B"
    got = _frames("At initialisation lora_B gets zeros and lora_A gets Kaiming-uniform values.")
    assert ("lora", "init_equals_base", True) in got and ("lora", "a_init", True) in got


def test_a_heading_followed_by_a_table_on_one_flattened_line():
    from kbcheck.claims.rows import recognise_row
    from kbcheck.markup import markdown_blocks

    blocks = markdown_blocks("## Models | Model | Params | Layers | |---|---|---| "
                             "| Qwen2.5-7B | 7.6B | 28 | | Gemma 2 2B | 2.6B | 30 |", 1, flat=True)
    assert blocks[0].kind == "heading" and blocks[0].text == "Models"
    assert blocks[1].cells == ("Qwen2.5-7B", "Params 7.6B", "Layers 28")
    reading = recognise_row(blocks[2].cells, "")
    assert "arch_layers" in {f.predicate for f in reading.frames}


def test_prose_that_leads_into_a_flattened_table_is_not_its_first_header_cell():
    from kbcheck.markup import markdown_blocks

    blocks = markdown_blocks("We sized the bases (1 GB = 10^9 bytes): | Model | bf16 | NF4 | "
                             "|---|---|---| | Mistral-7B | 14.5 GB | 4.1 GB |", 1, flat=True)
    assert blocks[0].text.startswith("We sized the bases")
    assert blocks[-1].cells == ("Mistral-7B", "bf16 14.5 GB", "NF4 4.1 GB")


def test_adapter_files_are_peft_adapters_and_adapters_kept_in_4_bit_are_said_so():
    from verifiers.qlora_storage import VERIFIER as STORAGE

    got = _frames("Adapter files are written as safetensors; a LoRA adapter for Mistral-7B at "
                  "r=8 is about 14 MB.")
    assert [s for s, p, _ in got if p == "adapter_size"] == ["lora"]
    frame = next(f for f in recognise("The base is 4-bit, and the LoRA weights trained on top "
                                      "are kept in 4-bit as well.").frames
                 if f.predicate == "quantized_4bit")
    assert STORAGE.to_params(frame) == {"claim": "composition", "adapters_quantized": True}
    frame = next(f for f in recognise("The base is stored in 4-bit while the adapters stay in "
                                      "bf16.").frames if f.predicate == "quantized_4bit")
    assert all(q.role != "adapter" for q in frame.quantities)


def test_nf4_as_mirror_images_and_4_bit_on_a_gpu_only():
    got = _frames("The NF4 code's levels are not mirror images of each other.")
    assert ("qlora", "nf4_code", False) in got or ("lora", "nf4_code", False) in got
    got = _frames("Layers loaded in 4-bit need a CUDA GPU; bitsandbytes has no CPU backend.")
    assert any(p == "quantize_device" and not pol for _, p, pol in got)


def test_dora_roles_swapped_in_other_words_and_a_quant_type_left_out():
    frame = recognise("In DoRA the low-rank matrices handle the magnitude, and the direction is "
                      "learned through full-rank updates.").frames[0]
    assert frame.predicate == "dora_decomposition" and frame.has("swapped")
    frame = recognise("DoRA: the low-rank factors learn a per-row scale, while the direction "
                      "stays a fixed unit vector.").frames[0]
    assert frame.has("swapped")
    frame = next(f for f in recognise("Leave out quant_type in BitsAndBytesConfig(load_in_4bit="
                                      "True) and the weights end up as NF4.").frames
                 if f.predicate == "bnb_default_type")
    assert frame.has("said_default")


def test_a_count_with_a_trained_head_is_not_loras_alone():
    from verifiers.param_count import VERIFIER as COUNT

    frame = recognise("Whisper-small with r=32 on q_proj and v_proj plus a freshly initialised "
                      "classifier head trains 3,600,000 parameters.").frames[0]
    assert frame.has("extra_trained")
    assert any("other parts" in o for o in COUNT.to_params(frame)["_open"])


def test_the_factors_of_a_product_worked_out_are_not_stated_figures():
    frame = next(f for f in recognise("On Mistral-7B with q_proj and v_proj, DoRA adds one "
                                      "magnitude per output row: 32 x (4096 + 1024) = 163,840 "
                                      "parameters.").frames if f.quantities)
    assert [q.value for q in frame.quantities if q.unit in ("count", "params")
            and q.role != "model"] == [163840]
    frame = recognise("GPT-2 small, r=8 on c_attn: about 0.29M parameters (12 blocks x 8 x "
                      "3072).").frames[0]
    assert "d" not in frame.conditions  # "8 x 3072" ends a product: no matrix shape


def test_dora_training_speed_is_not_its_inference_latency():
    from verifiers.dora import VERIFIER as DORA

    frame = next(f for f in recognise("DoRA trains more slowly than LoRA because of the extra "
                                      "norm computation, so merge it before serving.").frames
                 if f.predicate == "no_added_latency")
    assert isinstance(DORA.to_params(frame), str)


def test_a_models_size_written_apart_from_its_name():
    from kbcheck.claims.recognise import find_model

    assert find_model("QLoRA on a 13B model such as Llama 2 fits one card.")["preset"] == \
        "llama-13b"
    assert find_model("BLOOM (176B parameters) is 352 GB in bf16.")["preset"] == "bloom-176b"
    assert find_model("The 176B-parameter BLOOM needs several GPUs.")["preset"] == "bloom-176b"
    assert find_model("Mistral is a good model.")["size_b"] is None


def test_a_model_of_so_many_parameters_is_its_size_not_a_trainable_count():
    from kbcheck.claims.recognise import find_model

    assert find_model("On a network of about 13 billion parameters it frees 0.6 GB.")[
        "size_b"] == 13.0
    assert find_model("It leaves a model with 3.4 billion trainable parameters.") == {}
    reading = recognise("For an LLM with 8 billion params, nested quantization frees 0.37 GB.",
                        "qlora")
    frame = next(f for f in reading.frames if f.predicate == "dq_memory")
    assert frame.conditions["model"]["size_b"] == 8.0
    assert all(q.role == "model" for f in reading.frames for q in f.quantities
               if q.unit == "params")


def test_scales_in_words_and_merging_said_otherwise():
    frame = recognise("rsLoRA divides the alpha by the rank squared.").frames[0]
    assert frame.has("squared")
    got = _frames("Folding LoRA into an NF4 base is exact: requantizing gives back the unmerged "
                  "logits bit for bit.")
    assert ("lora", "mergeable", True) in got
    frame = next(f for f in recognise("After merging in bf16 the outputs may drift a little "
                                      "from the adapter's.").frames
                 if f.predicate == "mergeable")
    assert not frame.polarity and frame.has("precision")
    assert ("adapter", "mergeable", False) in _frames(
        "Bottleneck adapters cannot be merged away after training.")


def test_a_change_of_rank_and_what_it_does_to_the_scale():
    from verifiers.ba_update import VERIFIER as BA

    frame = recognise("Moving from r=8 to r=128 with alpha fixed cuts the scale by 16x.").frames[0]
    got = BA.to_params(frame)
    assert (got["relation"], got["r"], got["rank_factor"], got["scale_factor"]) == (
        "factor", 8, 16.0, 1 / 16)
    frame = recognise("Under alpha/r, doubling the rank at a fixed alpha doubles the "
                      "multiplier.").frames[0]
    assert frame.has("rel_doubles")


def test_more_ways_to_say_memory_sharing_and_merging():
    assert any(p == "memory_ratio" for _, p, _ in _frames(
        "Switching to LoRA brings the training memory down to 0.3 of what full fine-tuning "
        "needs."))
    assert any(p == "hot_swap" for _, p, _ in _frames(
        "Our adapters share a single copy of the base model in GPU memory."))
    assert ("adapter", "mergeable", False) in _frames(
        "Classic bottleneck adapters cannot be merged, unlike LoRA.")


def test_a_negation_in_a_clause_of_its_own_inside_a_trigger_denies_nothing():
    got = _frames("merge_and_unload() gives a plain model: no LoRA wrappers remain, same outputs "
                  "as before up to rounding.")
    assert ("lora", "mergeable", True) in got


def test_peft_calls_make_plain_adapters_lora_and_reported_comments_are_not_asserted():
    got = _frames("After merge_and_unload() the adapter modules are gone and the model runs "
                  "with no extra latency.")
    assert all(s == "lora" for s, _, _ in got)
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    claim = Claim(id="c", path="a.md", origin="body", text="A colleague had written in the "
                  "README that NF4 is symmetric; the README was wrong.")
    pairing, _ = pair_claim(claim, registry(include_entry_points=False))
    assert pairing.verifier is None and not pairing.frames  # only "the README was wrong" is read


def test_the_weights_alone_are_a_size_and_a_rank_raised_from_one_value_to_another():
    got = _frames("In fp16 the Mistral-7B weights alone take 14.5 GB, so full fine-tuning with "
                  "Adam does not fit on one 24 GB card.")
    assert ("full_ft", "fits_gpu", False) in got
    frame = recognise("Lowering r from 64 to 16 with alpha fixed raises the scale by a factor of "
                      "four.").frames[0]
    assert frame.conditions["ranks"][0][0] == 64 and frame.has("rel_up")


def test_double_quantization_from_one_share_to_another_in_two_clauses():
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise("Scales stored per block of 64 weights cost 0.5 bits per "
                                      "parameter; double quantization brings that down to "
                                      "about 0.127 bits.").frames
                 if f.predicate == "bits_per_param")
    got = STORAGE.to_params(frame)
    assert (got["claim"], got["bits"], got["dq"]) == ("overhead", 0.127, "with")


def test_the_default_scaling_named_before_a_change_of_rank_is_loras():
    from verifiers.ba_update import VERIFIER as BA

    frame = recognise("Under the default alpha/r scaling, raising r from 16 to 64 at a fixed "
                      "alpha cuts the scale by a factor of four.", "rslora").frames[0]
    assert BA.to_params(frame)["rslora"] is False


def test_an_adapter_adding_nothing_to_serving_time_is_no_initialisation_claim():
    got = _frames("Once merged, the adapter adds nothing to serving time; left separate it "
                  "makes each request about a tenth slower.")
    assert not any(p == "init_equals_base" for _, p, _ in got)
    assert ("lora", "init_equals_base", True) in _frames(
        "Before the first update the low-rank path adds nothing, because B holds zeros.")


def test_figures_the_reader_observed_and_the_factors_of_nested_sums_are_not_stated():
    frame = recognise("At rank 16 on q and v of LLaMA-7B the file should be near 16 MB in "
                      "fp16, not the 13 GB we are getting.").frames[0]
    assert all(q.value < 1e9 for q in frame.quantities if q.unit == "bytes")
    frame = recognise("A rank-8 LoRA on qkv and out of 24 blocks trains 24 × 8 × ((1024 + "
                      "3072) + (1024 + 1024)) = 1,179,648 parameters.").frames[0]
    assert "d" not in frame.conditions and "k" not in frame.conditions


def test_a_count_for_each_layer_or_module_is_a_part_not_the_whole():
    from verifiers.param_count import VERIFIER as COUNT

    frame = recognise("On GPT-2 small with r = 2 on c_attn, every block gets 2 × (768 + 2304) "
                      "= 6,144 parameters, or 73,728 over the twelve blocks.").frames[0]
    roles = {q.value: q.role for q in frame.quantities if q.value > 1000}
    assert roles == {6144: "part", 73728: ""}
    assert "6144" not in COUNT.to_params(frame)["figures"]
    frame = recognise("Targeting the fused projection of Phi-3-mini at r=4 costs 49,152 extra "
                      "parameters in each layer.").frames[0]
    assert isinstance(COUNT.to_params(frame), str)  # nothing left to count against the model
    frame = recognise("LoRA at r=8 on every layer of LLaMA-7B trains 4.2M parameters.").frames[0]
    assert [q.role for q in frame.quantities if q.unit == "params"] == [""]
    frame = recognise("Qwen2.5-7B with LoRA at r=16 on every linear layer trains about 40 "
                      "million parameters.").frames[0]
    assert [q.role for q in frame.quantities if q.unit == "params"] == [""]  # where LoRA is


def test_the_classic_scale_a_variant_is_measured_against_is_not_its_own_form():
    from verifiers.ba_update import VERIFIER as BA

    frame = recognise("At r=256 and alpha=32, rsLoRA multiplies by 2, sixteen times the usual "
                      "alpha/r of 0.125.").frames[0]
    assert "scaling_form" not in BA.to_params(frame)
    frame = recognise("rsLoRA keeps the usual alpha/r scaling.").frames[0]
    assert BA.to_params(frame)["scaling_form"] == "alpha/r"


def test_the_default_initialisation_is_the_librarys_and_a_printout_with_a_head_is_open():
    from verifiers.ba_update import VERIFIER as BA
    from verifiers.param_count import VERIFIER as COUNT

    frame = next(f for f in recognise("Left at its default, A gets Kaiming-uniform values and B "
                                      "zeros.").frames if f.predicate == "a_init")
    assert BA.to_params(frame)["source"] == "peft"
    frames = recognise("roberta-base loaded as RobertaForSequenceClassification, LoRA r=8 on "
                       "query and value: trainable params: 887,042 || all params: 125,534,212 "
                       "|| trainable%: 0.7066").frames
    assert frames and all(f.has("extra_trained") for f in frames)
    for f in frames:
        got = COUNT.to_params(f)
        assert isinstance(got, str) or "the size of the other parts it trains (a head, " \
            "embeddings)" in got["_open"]


def test_the_base_weights_of_a_quantized_model_are_a_size_not_a_training_step():
    got = recognise("In NF4 the base of a 13B model takes about 6.5 GB rather than 26 GB.").frames
    assert all(f.has("weights_alone") for f in got if f.predicate == "training_memory")


def test_a_factor_set_to_zero_by_verb_or_noun_and_alpha_tied_to_the_rank():
    for text in ("That recipe initialises A to zeros and B at random.",
                 "In this fork the A matrix starts at zero."):
        frame = next(f for f in recognise(text).frames if f.predicate == "init_equals_base")
        assert frame.has("a_zero")
    frame = recognise("With use_rslora on and alpha = 2r, the factor at r=16 is 8.").frames[0]
    assert (frame.predicate, frame.conditions["alpha"], frame.conditions["r"]) == (
        "scaling", 32.0, 16)
    frame = recognise("Set lora_alpha = 2 * r; at r = 8 the scale is 2.").frames[0]
    assert frame.conditions["alpha"] == 16.0


def test_sizes_before_and_after_a_checkpoint_shrinks_and_a_pass_lengthened():
    got = _frames("Keeping only the adapter instead of a full copy shrinks each checkpoint "
                  "from 26 GB to roughly 12 MB.")
    assert ("lora", "adapter_size", True) in got
    got = _frames("With batch size 1, inserting bottleneck adapters lengthened each forward "
                  "pass by about a quarter.")
    assert ("adapter", "no_added_latency", False) in got


def test_a_reload_set_aside_and_a_contrast_elsewhere_leave_adapters_loras():
    assert _frames("Each tenant's adapter is switched in per request instead of reloading "
                   "the checkpoint.") == [("lora", "hot_swap", True)]
    got = _frames("Every adapter shares one frozen copy of the base, so dozens of LoRAs are "
                  "served at once rather than one model per customer.")
    assert got and all(s == "lora" for s, _, _ in got)


def test_each_size_takes_the_dtype_of_its_own_clause():
    frame = next(f for f in recognise("In bf16 Mistral-7B needs about 14.5 GB, while an int8 "
                                      "copy is half that.").frames
                 if f.predicate == "model_size")
    assert frame.conditions["size_dtypes"] == ((14.5e9, "bf16"),)


def test_a_count_below_any_lora_the_model_can_have_is_refuted_whatever_is_unstated(tmp_path):
    """r=1 on k_proj alone, in all 32 blocks of LLaMA-7B, is 262,144 parameters: no rank or set
    of modules gives fewer, so the rank and modules left unstated do not hold the verdict back;
    LoRA on some blocks only has no such floor."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "notes.txt").write_text(
        "Counts\n\nWith LoRA, LLaMA-7B trains roughly 90,000 parameters.\n\n"
        "With LoRA on its last two blocks only, LLaMA-7B trains roughly 90,000 parameters.\n")
    options = RunOptions(cache=ResultCache(tmp_path / "cache"), evidence_dir=tmp_path / "ev")
    report = check_paths([str(folder)], options=options)
    got = [(r.pairing.verifier, r.verdict.value) for r in report.claims]
    assert got == [("lora.param_count", "refuted"), ("lora.param_count", "unverifiable")], \
        [r.explanation for r in report.claims]


def test_advice_with_its_reason_after_a_colon_is_read_and_optimizer_state_is_no_file():
    from verifiers.adapter_size import VERIFIER as SIZE

    assert _frames("Do not switch rsLoRA on for old adapters: it changes the scale from "
                   "alpha/r to alpha/sqrt(r).")
    # megabytes of optimizer state are the optimizer's memory, never the adapter file's size
    frames = recognise("With fp32 Adam moments, 10M trainable parameters cost about 80 MB of "
                       "optimizer state in the adapter run.").frames
    assert "optimizer_memory" in {f.predicate for f in frames}
    assert all("count" not in SIZE.to_params(f) for f in frames if f.predicate == "adapter_size")


def test_a_clause_denied_by_ellipsis_after_it():
    got = _frames("A common mix-up is that QLoRA stores the LoRA factors in 4-bit as well; it "
                  "doesn't, they stay in 16-bit.")
    assert [(p, pol) for _, p, pol in got] == [("quantized_4bit", False)]
    assert ("lora", "base_frozen", True) in _frames(
        "LoRA keeps the base frozen, and it doesn't need a second copy of it.")


def test_an_options_entry_saying_what_none_adapts_is_the_default_targets():
    got = _frames("target_modules: if it is left as None, PEFT targets q_proj and v_proj.")
    assert ("lora", "peft_default_targets", True) in got


def test_a_denial_said_after_its_words_and_an_arrow_that_is_no_bound():
    for text in ("Once you merge, the extra latency is gone.",
                 "After merge_and_unload the overhead disappears."):
        assert ("lora", "no_added_latency", True) in _frames(text), text
    assert ("lora", "mergeable", True) in _frames(
        "Folding BA into W0 gives W0 x + BA x for any x, so merging changes no output.")
    assert ("qlora", "mergeable", False) in _frames(
        "Merging into the NF4 base isn't lossless: the weights are re-quantized.")
    frame = recognise("Qwen2.5-7B @ r=16 => ~40.4M trainable").frames[0]
    assert [q.bound for q in frame.quantities if 1e6 < q.value < 1e9] == ["approx"]


def test_a_rank_taken_instead_of_another_is_a_change_and_conditional_advice_is_advice():
    frame = next(f for f in recognise("A rank of 64 instead of 16 makes the adapter file four "
                                      "times larger.").frames if f.predicate == "adapter_scaling")
    assert [r for r, _ in frame.conditions["ranks"]] == [16, 64]
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    claim = Claim(id="c", path="a.md", origin="body", text="If the adapters differ in rank, call "
                  "prepare_model_for_compiled_hotswap first, otherwise swapping recompiles.")
    pairing, _ = pair_claim(claim, registry(include_entry_points=False))
    assert pairing.verifier is None and "advice" in pairing.reason


def test_a_fit_in_a_bare_amount_a_size_that_fits_and_a_rate_a_number_of_times_another():
    frames = recognise("With QLoRA: 13B fits in 12 GB, 70B in 40 GB").frames
    got = [(f.predicate, f.conditions.get("model", {}).get("size_b")) for f in frames]
    assert ("fits_gpu", 13.0) in got
    assert recognise("In LoRA+ the B learning rate is 8x the A rate.").frames[0].conditions[
        "lr_direction"] == "B>A"
    assert ("dora", "no_added_latency", True) in _frames(
        "Merged DoRA adds practically nothing at serving time.")


def test_an_if_clause_without_a_comma_ends_where_the_main_clause_begins():
    got = _frames("If you leave the adapter unmerged you pay for extra matmuls at every "
                  "forward pass.")
    assert [(p, pol) for _, p, pol in got] == [("no_added_latency", False)]


def test_second_copies_swapped_roles_opinions_and_labelled_answers():
    assert ("lora", "hot_swap", False) in _frames(
        "Swapping adapters needs a second copy of the base model in memory.")
    frame = recognise("DoRA: the low-rank BA learns the magnitude and a vector the "
                      "direction.").frames[0]
    assert frame.has("swapped")
    from kbcheck.claims.extract import with_answers

    assert with_answers([("Q: default quant_type of BitsAndBytesConfig?", 1), ("A: fp4", 2)]) \
        == [("default quant_type of BitsAndBytesConfig: fp4", 1)]


def test_a_size_before_a_method_is_a_model_and_nf4_named_before_load_in_4bit():
    frame = next(f for f in recognise("A 33B QLoRA run can't fit in 12 GB.").frames
                 if f.predicate == "fits_gpu")
    assert frame.conditions["model"]["size_b"] == 33.0
    frame = next(f for f in recognise("bitsandbytes uses NF4 whenever you pass load_in_4bit=True."
                                      ).frames if f.predicate == "bnb_default_type")
    assert frame.has("t_nf4")


def test_a_one_word_if_clause_ends_at_its_comma_and_equivalence_denied():
    got = _frames("use_dora (bool): if True, the update is split into a magnitude vector and a "
                  "direction that LoRA handles.")
    assert ("dora", "dora_decomposition", True) in got
    assert ("lora", "mergeable", False) in _frames(
        "Merging is not equivalent to keeping the adapter separate when dropout was used.")
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    claim = Claim(id="c", path="a.md", origin="body", text="- Spectrum: picks layers by "
                  "signal-to-noise ratio and trains only them, keeping the rest frozen.")
    pairing, _ = pair_claim(claim, registry(include_entry_points=False))
    assert pairing.verifier is None and "another PEFT method" in pairing.reason


def test_almost_exactly_keeps_rounding_and_a_cut_in_inference_time_is_a_speed_up():
    from kbcheck.claims.quantities import find_quantities

    assert find_quantities("almost exactly 1 %")[0].precision == 0.5
    assert find_quantities("exactly 1 %")[0].precision == 0.0
    frame = next(f for f in recognise("Folding the adapter into the weights cuts Whisper "
                                      "decoding time by roughly a quarter.").frames
                 if f.predicate == "no_added_latency")
    assert (frame.predicate, frame.polarity, frame.has("fast"), frame.has("slowdown_size")) == (
        "no_added_latency", True, True, True)


def test_what_a_draft_or_a_slide_said_is_reported_and_a_set_aside_methods_clause_is_its_own():
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    claim = Claim(id="c", path="a.md", origin="body", text="The old slide said QLoRA keeps "
                  "the adapters in 4-bit, which is not so.")
    pairing, _ = pair_claim(claim, registry(include_entry_points=False))
    assert pairing.verifier is None and "reported speech" in pairing.reason
    got = _frames("Unlike the serial adapters of Houlsby et al., which cannot be folded into "
                  "the weights, LoRA can be merged after training.")
    assert ("adapter", "mergeable", False) in got


def test_rates_as_a_quotient_or_a_worked_product_and_a_negligible_cost():
    frame = recognise("LoRA+ keeps lr_B / lr_A well above one, around 16.").frames[0]
    assert frame.conditions["lr_direction"] == "B>A"
    frame = recognise("Some guides set an eta_B/eta_A ratio below 1.").frames[0]
    assert frame.conditions["lr_direction"] == "A>B"
    frame = recognise("With LoRA+ at a learning rate of 1e-4, the A matrices stay at 1e-4 and "
                      "the B matrices get 8 x 1e-4 = 8e-4.").frames[0]
    assert frame.conditions["lr_direction"] == "B>A"
    got = _frames("Serial adapters are light, so their inference overhead is negligible at "
                  "batch size one.")
    assert ("adapter", "no_added_latency", True) in got


def test_a_matrix_given_an_n_times_larger_rate():
    frame = recognise("LoRA+ helps by giving the B matrices a 16x larger learning rate.").frames[0]
    assert frame.conditions["lr_direction"] == "B>A"


def test_advice_then_its_reason_after_a_semicolon_is_read_and_advice_then_advice_is_not():
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    def reason(text):
        pairing, _ = pair_claim(Claim(id="c", path="a.md", origin="body", text=text),
                                registry(include_entry_points=False))
        return pairing.verifier, pairing.reason

    # (the reason is read as a statement: not set aside as advice)
    assert "advice" not in reason("Don't believe the 24 GB figure for a 65B QLoRA run; its 4-bit "
                                  "weights alone are over 30 GB.")[1]
    assert "advice" in reason("Do not merge into the 4-bit base; load it in bf16 and merge "
                              "there.")[1]


def test_a_figure_pointed_back_to_is_judged_on_the_model_named_before():
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    claim = Claim(id="c", path="a.md", origin="body", context_model="Mistral-7B",
                  text="That bf16 figure is about 13.5 GiB.")
    pairing, _ = pair_claim(claim, registry(include_entry_points=False))
    frame = next(f for f in pairing.frames if f.verifier)
    assert frame.params["model"] == "mistral-7b" and frame.open  # never refutes


def test_a_models_name_tail_is_no_figure():
    frame = recognise("Phi-3-mini-128k-instruct at r=8 on qkv_proj trains 3.1M "
                      "parameters.").frames[0]
    assert [q.value for q in frame.quantities if q.unit in ("count", "params") and q.value > 100] \
        == [3.1e6]


def test_an_adapter_size_takes_the_dtype_of_its_own_clause():
    from verifiers.adapter_size import VERIFIER as SIZE

    frame = next(f for f in recognise("For Llama-3-8B at r=16 on all linear layers the adapter "
                                      "file is 160 MiB in fp32, and 80 MiB if saved in bf16."
                                      ).frames if f.predicate == "adapter_size")
    got = SIZE.to_params(frame)
    assert (got["mb"], got["dtype"]) in ((160.0, "fp32"), (80.0, "bf16"))


def test_a_count_with_thousands_separators_then_trainable():
    assert ("lora", "trainable_params", True) in _frames(
        "OPT-1.3B LoRA => 1,572,864 trainable / 1,317,330,944 all => 0.1194%")


def test_prefixed_setting_names_and_rates_said_to_exceed_or_set_to():
    frame = recognise("trainer_use_rslora: scales by lora_alpha / sqrt(lora_r).").frames[0]
    assert frame.subject == "rslora" and frame.has("sqrt")
    for text in ("loraplus_lr_ratio: how far the learning rate of the B matrices exceeds that of "
                 "the A matrices.",
                 "We set the A learning rate to 5e-5, so B trained at 8e-4."):
        assert recognise(text).frames[0].conditions["lr_direction"] == "B>A", text


def test_thanks_to_a_method_is_a_cause_and_thanks_to_people_is_no_claim():
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    def paired(text):
        return pair_claim(Claim(id="c", path="a.md", origin="body", text=text),
                          registry(include_entry_points=False))[0]

    assert paired("Thanks to QLoRA, a 33B model trains on one 24 GB card.").verifier
    assert "acknowledgement" in paired("Thanks to everyone who fixed 4-bit merging.").reason


def test_a_size_after_an_article_and_before_a_setting_is_a_model():
    frame = next(f for f in recognise("fp16 adapters for an 8B at r=16 come to about 80 MB."
                                      ).frames if f.predicate == "adapter_size")
    assert frame.conditions["model"]["size_b"] == 8.0
    from verifiers._presets import NOMINAL

    assert NOMINAL[8] == "llama3-8b"


def test_an_ellipsis_after_a_denied_opening_repeats_the_denial():
    got = _frames("It is a myth that bitsandbytes quantizes to nf4 by default; it does not.")
    assert [(p, pol) for _, p, pol in got] == [("bnb_default_type", False)]


def test_values_per_byte_are_a_packing_not_the_codes_size():
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise("The packed 4-bit codes sit in a uint8 tensor, two "
                                      "values per byte.").frames if f.predicate == "nf4_code")
    assert isinstance(STORAGE.to_params(frame), str)  # no number of levels is stated


def test_a_table_that_compares_methods_column_by_column(tmp_path):
    """Under a first column with no name, each column is a method and each cell is said of
    it: Houlsby adapters cannot be folded into W0 (GELU between their projections), LoRA
    can; their latency is theirs, LoRA's is none once merged."""
    assert row_segments(("Inference latency", "LoRA none once merged",
                         "Houlsby adapters extra layers, added latency"), "") == [
        "LoRA: no Inference latency once merged",
        "Houlsby adapters: Inference latency extra layers, added latency"]
    text = ("| | LoRA | Houlsby adapters |\n| --- | --- | --- |\n"
            "| Foldable into the base weights | yes | yes |\n"
            "| Extra cost at inference | none after merging | an extra block in every layer |\n")
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "compare.md").write_text("# LoRA against adapters\n\n" + text)
    options = RunOptions(cache=ResultCache(tmp_path / "cache"), evidence_dir=tmp_path / "ev")
    report = check_paths([str(folder)], options=options)
    verdicts = {r.claim.text.split(":")[0]: r.verdict.value for r in report.claims}
    assert verdicts == {"Foldable into the base weights": "refuted",
                        "Extra cost at inference": "supported"}, [
        r.explanation for r in report.claims]


def test_a_fixed_bugs_account_is_not_what_the_software_does():
    got = _frames("Fixed a bug where merge_and_unload() changed the outputs in fp32; merging "
                  "is exact again.")
    assert [(p, pol) for _, p, pol in got] == [("mergeable", True)]


def test_bare_adapters_opening_a_sentence_that_denies_merging_are_bottleneck_adapters():
    [frame] = recognise("Adapters: they cannot be folded into the base weights.").frames
    assert (frame.subject, frame.predicate, frame.polarity) == ("adapter", "mergeable", False)
    # an adapter named on the way is LoRA's
    frames = recognise("For an adapter trained in bf16, merging it changes the outputs.").frames
    assert {f.subject for f in frames if f.predicate == "mergeable"} == {"lora"}


def test_both_factors_zero_a_square_in_words_and_more_parameters_after_merging():
    """PEFT draws A (Kaiming-uniform) and zeroes only B; rsLoRA divides by sqrt(r), not r
    squared; a merged model has the base's parameter count."""
    got = {t: _paired(t).frames[0] for t in (
        "The library zero-initializes both lora_A and lora_B, so step 0 matches the base.",
        "With use_rslora the update is scaled by alpha divided by the square of the rank.",
        "After merging, the checkpoint carries more parameters than the base model.")}
    first, second, third = got.values()
    assert first.verifier == "lora.ba_update" and first.params["a_dist"] == "zero"
    assert second.verifier == "lora.ba_update" and second.params["scaling_form"] == "alpha/r^2"
    assert third.verifier == "lora.serving" and not third.polarity
    assert third.params["claim"] == "unload_same_size"


def test_a_billion_in_words_is_a_count_and_a_trained_count_is_not_a_second_model():
    frame = next(f for f in _paired("Adapting every linear layer of Qwen2.5-7B at r=64 means "
                                 "training more than a billion parameters.").frames)
    assert frame.verifier == "lora.param_count", frame.reason
    assert frame.params["model"] == "qwen2.5-7b"


def _paired(text: str):
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    return pair_claim(Claim(id="t", path="t.md", text=text, origin="body"),
                      registry(include_entry_points=False))[0]


@pytest.mark.parametrize(("text", "verifier", "key", "value"), [
    # LoRA+ raises B's rate (eta_B = lambda * eta_A), so A's raised is the roles swapped
    ("In this trainer the learning rate of A is multiplied by loraplus_lr_ratio.",
     "lora.loraplus", None, None),
    # QLoRA's double quantization: 0.373 bits per parameter, about 3 GB on a 65B model
    ("Compressing the scales again frees roughly 0.37 bits per weight on a 65B model.",
     "lora.qlora_storage", "claim", "dq_saving"),
])
def test_rates_and_a_second_quantization_said_in_other_words(text, verifier, key, value):
    frame = _paired(text).frames[-1]
    assert frame.verifier == verifier, frame.reason
    if key:
        assert frame.params[key] == value


def test_base_weights_kept_trainable_and_a_fully_fine_tuned_baseline():
    kept = _paired("The helper makes the original weights trainable again before training.")
    assert [(f.verifier, f.polarity) for f in kept.frames] == [("lora.frozen_base", False)]
    frames = recognise("It adds no inference latency compared with a fully fine-tuned model, "
                       "once merged.").frames
    assert {(f.subject, f.baseline) for f in frames} == {("lora", "full_ft")}


def test_a_models_name_in_a_cell_is_a_setting_and_figures_across_methods_are_read_whole():
    # the model's cell qualifies the row's count and size, as a rank's cell does
    assert row_segments(("triage", "base model Phi-3-mini", "rank 32",
                         "trainable params 18.9M", "file size 37.7 MB"), "") == [
        "triage: base model Phi-3-mini; rank 32; trainable params 18.9M; file size 37.7 MB"]
    # a figure under every method: read as a table of figures, each with its column's name
    assert row_segments(("Training VRAM", "Full fine-tuning 1.2 TB", "LoRA 350 GB",
                         "QLoRA not reported"), "") == [
        "Training VRAM: Full fine-tuning 1.2 TB", "Training VRAM: LoRA 350 GB"]
    # a bare size first, under methods compared word by word
    assert row_segments(("70B", "LoRA fits", "QLoRA does not fit"), "")[0].startswith(
        "LoRA: a 70B model")


def test_a_fraction_cut_a_fit_with_an_adverb_and_a_scale_that_is_now_a_number():
    from kbcheck.claims.normalise import normalise

    assert normalise("It cuts training memory by roughly three quarters.") == (
        "It cuts training memory by roughly 75%.")
    ratio = _paired("LoRA shrinks GPU memory during fine-tuning by about two thirds.").frames[0]
    assert ratio.verifier == "lora.training_memory", ratio.reason
    fit = _paired("An 8B QLoRA job fits easily in 24 GB.").frames[0]
    assert fit.verifier == "lora.qlora_memory", fit.reason
    # rsLoRA: 16 / sqrt(64) = 2
    scale = _paired("With use_rslora, r=64 and lora_alpha=16 the scale is then 2.").frames[0]
    assert scale.verifier == "lora.ba_update" and scale.params["scale_value"] == 2


def test_an_amount_per_billion_parameters_is_a_rate_and_a_bare_size_before_that_is_a_model():
    """Double quantization saves 0.373 bits per parameter: about 3.2 GB on a 70B model."""
    frame = next(f for f in _paired("Nested quantization frees about 0.4 GB per billion "
                                    "parameters, so on a 70B that is roughly 28 GB.").frames
                 if f.verifier == "lora.qlora_storage")
    assert frame.params["size_b"] == 70.0
    assert frame.params["stated"] == 28.0


@pytest.mark.parametrize(("text", "verdict_direction"), [
    ("Under LoRA+, B's learning rate is sixteen times the base learning rate.", "B>A"),
    ("LoRA+ gives the B factors 16x the learning rate of A.", "B>A"),
    ("Factor with the larger step size: B", "B>A"),
    ("LoRA+ ratio eta_B / eta_A: 16", "B>A"),
    ("In this trainer A's factors get 16 times the learning rate of B under LoRA+.", "A>B"),
])
def test_which_factor_gets_the_larger_rate_in_other_words(text, verdict_direction):
    """LoRA+ (Hayou et al., 2024): eta_B = lambda * eta_A with lambda > 1."""
    frame = next(f for f in _paired(text).frames if f.verifier == "lora.loraplus")
    claim = frame.params["claim"]
    assert claim == ("different_lr" if verdict_direction == "B>A" else "a_higher_lr"), frame


def test_a_hardware_tables_row_says_the_setting_fits():
    """QLoRA (Dettmers et al., 2023): 33B on one 24 GB GPU, 65B on one 48 GB GPU."""
    assert row_segments(("Plus", "GPU 1x RTX 4090, 24 GB", "Model 33B models with QLoRA"),
                        "") == ["Plus: GPU 1x RTX 4090, 24 GB; Model 33B models with QLoRA; fits"]
    # what the GPU is for is said: nothing is added
    assert row_segments(("Serve", "GPU 1x L4 24 GB", "Model 8B (QLoRA) for inference"), "") == [
        "Serve: GPU 1x L4 24 GB; Model 8B (QLoRA) for inference"]
    frame = recognise("Plus: 1x L40S 48 GB; 65B (QLoRA); fits").frames[0]
    assert frame.predicate == "fits_gpu" and frame.conditions["model"]["size_b"] == 65.0


def test_a_glossary_entrys_it_is_its_term_and_the_base_that_never_changes():
    from kbcheck.claims.extract import with_terms

    split = [("NF4.", 1), ("A 4-bit data type with sixteen levels.", 1),
             ("It has an exact zero.", 2), ("Its levels follow a normal distribution.", 3)]
    assert [t for t, _ in with_terms(split)] == [
        "NF4. A 4-bit data type with sixteen levels.", "NF4 has an exact zero.",
        "NF4's levels follow a normal distribution."]
    for text in ("The pretrained weights never change during LoRA training.",
                 "Wrapping the model switches requires_grad off on its original parameters."):
        frame = _paired(text).frames[0]
        assert (frame.verifier, frame.polarity) == ("lora.frozen_base", True), text


def test_doras_formula_names_dora():
    """DoRA (Liu et al., 2024): W' = m (W0 + BA) / ||W0 + BA||_c, LoRA on the direction."""
    frames = recognise("Here W' = m x (V + ΔV) / ||V + ΔV|| puts the low-rank update on the "
                       "direction and learns the magnitude on its own.").frames
    assert {f.subject for f in frames} == {"dora"}
    frames = recognise("DoRA applies LoRA only to the directional part.").frames
    assert [f.predicate for f in frames] == ["dora_decomposition"]
    assert "only_direction" not in frames[0].cues  # the structure, not a frozen magnitude


def test_the_scale_turned_round_is_a_form_of_its_own():
    """LoRA scales B A by alpha / r (Hu et al., 2021): r / alpha is no method's scale."""
    frame = _paired("When merging, the tool adds B·A·(r/alpha) to each weight.").frames[0]
    assert frame.verifier == "lora.ba_update" and frame.params["scaling_form"] == "r/alpha"


def test_latex_fractions_subscripts_and_squares_in_scale_formulas():
    from kbcheck.claims.normalise import normalise

    assert normalise(r"h = W_0 x + \tfrac{\alpha}{r} B A x") == "h = W0 x + (alpha/r) B A x"
    assert "r^2" in normalise("the output is divided by r² here")
    frame = _paired(r"The forward pass is h = W_{0} x + \frac{\alpha}{r} B A x.").frames[0]
    assert frame.verifier == "lora.ba_update" and frame.params["scaling_form"] == "alpha/r"
    squared = _paired("rsLoRA divides the update by r² instead of r.").frames[0]
    assert squared.params["scaling_form"] == "alpha/r^2" and "r" not in squared.params


def test_an_original_article_is_not_the_original_model_and_a_longer_sum_is_worked_out():
    frames = recognise("PEFT starts A from Kaiming-uniform noise, which is different from the "
                       "original paper.").frames
    assert "init_equals_base" not in {f.predicate for f in frames}
    # DoRA adds one magnitude per output feature: Llama-3-8B's seven linears, 32 blocks
    frame = _paired("With DoRA on every linear layer of Llama-3-8B the magnitudes add "
                    "32 x (4096 + 1024 + 1024 + 4096 + 14336 + 14336 + 4096) = 1,376,256 "
                    "trainable parameters.").frames[0]
    assert frame.quantities == ["1,376,256 trainable parameters"], frame.quantities


def test_n_times_larger_than_a_lower_rank_reads_from_the_lower_rank():
    frame = _paired("A rank-32 adapter file is 32 times larger than a rank-1 adapter file."
                    ).frames[0]
    assert frame.verifier == "lora.adapter_size", frame.reason
    assert (frame.params["r"], frame.params["r2"]) == (1, 32)


def test_a_what_question_answered_with_nothing_is_read_as_the_statement():
    from kbcheck.claims.normalise import normalise

    assert normalise("Q: What does a merged adapter cost at serving time? A: Nothing at all.") \
        == "a merged adapter costs nothing at all at serving time."
    frames = recognise("What does a merged adapter cost at serving time? Nothing at all.").frames
    latency = [f for f in frames if f.predicate == "no_added_latency"]
    assert latency and latency[0].polarity


def test_a_negation_before_a_time_adjunct_leaves_the_adjunct_alone():
    frames = recognise("Inference costs nothing extra after merge_and_unload() has run.").frames
    assert [f.polarity for f in frames if f.predicate == "mergeable"] in ([], [True])
    assert [f.polarity for f in frames if f.predicate == "no_added_latency"] == [True]


def test_far_beyond_a_card_is_no_fit():
    frames = recognise("Full fine-tuning of a 13B model in fp32 with Adam needs memory far "
                       "beyond one 80 GB card.").frames
    fits = [f for f in frames if f.predicate == "fits_gpu"]
    assert fits and not fits[0].polarity


def test_a_memory_cut_with_a_model_between_and_a_five_digit_factor():
    frames = recognise("LoRA lowered the memory used during GPT-3 training by a factor of "
                       "10,000.").frames
    ratio = [f for f in frames if f.predicate == "memory_ratio"]
    assert ratio and ratio[0].first("x").value == 10000


def test_bytes_off_each_parameter_is_a_saving_per_parameter():
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise("Nested quantization shaves about 0.37 bytes off each "
                                      "parameter.", "qlora").frames
                 if f.predicate == "dq_memory")
    got = STORAGE.to_params(frame)
    assert got["claim"] == "dq_saving" and got["bits"] == pytest.approx(2.96)


def test_the_factors_of_a_product_in_brackets_are_no_dora_counts():
    from verifiers.dora_budget import VERIFIER as BUDGET

    frame = next(f for f in recognise("With use_dora=True on q and v of Llama-2-7B at r=8 the "
                                      "trainable count grows by 262,144 (64 layers x "
                                      "4096).").frames if f.predicate == "trainable_params")
    assert BUDGET.to_params(frame)["figures"].count(";") == 0  # 262,144 alone


@pytest.mark.parametrize(("text", "rslora"), [
    # the form left unsaid: LoRA's alpha/r (rsLoRA's alpha/sqrt(r) is a variant one names)
    ("Doubling the rank halves the scale applied to BA.", False),
    ("Going from rank 16 to rank 32 halves the multiplier on the update.", False),
    # the form named, or the plain method
    ("Doubling r at a fixed alpha halves the alpha/r multiplier.", False),
    ("With plain LoRA, doubling the rank halves the scale applied to BA.", False),
    ("With use_rslora=True, doubling the rank halves the scale applied to BA.", True),
])
def test_a_rank_and_scale_relation_holds_for_the_form_it_names(text, rslora):
    from verifiers.ba_update import VERIFIER as BA

    frame = next(f for f in recognise(text).frames if f.predicate == "scaling")
    got = BA.to_params(frame)
    assert got.get("relation") and "_condition" not in got and got["rslora"] is rslora, got


def test_a_root_that_multiplies_is_a_form_of_its_own():
    from verifiers.ba_update import VERIFIER as BA

    frame = recognise("rsLoRA scales the update by alpha * sqrt(r).").frames[0]
    assert BA.to_params(frame)["scaling_form"] == "alpha*sqrt(r)"


def test_a_base_width_said_beside_bf16_adapters_and_a_width_of_the_constants():
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise("The frozen base sits in 8-bit NormalFloat while the "
                                      "adapters learn in bf16.", "qlora").frames
                 if f.predicate == "quantized_4bit")
    assert STORAGE.to_params(frame) == {"claim": "four_bit", "bits": 8.0}
    frame = next(f for f in recognise("Double quantization keeps the second-level constants "
                                      "in 4 bits.", "qlora").frames
                 if f.predicate == "quantized_4bit")
    params = STORAGE.to_params(frame)
    assert params == {"claim": "constants_bits", "bits": 4.0, "dq": "with", "level": 2}
    out = STORAGE.run(STORAGE.resolve_params(params))
    # the scales of the 8-bit constants stay in fp32
    assert out["verdict"] == "refuted" and out["measured"]["constant_bits"] == {"nf4_dq": 32}


def test_never_free_in_terms_of_latency_says_it_adds_some():
    frames = recognise("Bottleneck adapters sit in the forward pass, so they are never free "
                       "in terms of latency.").frames
    latency = [f for f in frames if f.predicate == "no_added_latency"]
    assert latency and latency[0].subject == "adapter" and not latency[0].polarity


def test_an_if_clause_ends_at_its_parenthesis():
    frames = recognise("If the adapter stays unmerged (to keep swapping it) each adapted layer "
                       "runs two extra small matmuls.").frames
    latency = [f for f in frames if f.predicate == "no_added_latency"]
    assert latency and not latency[0].polarity


def test_the_base_the_same_after_training_is_frozen():
    frames = recognise("The pretrained weights are identical after LoRA training to what "
                       "they were before.").frames
    assert [(f.predicate, f.polarity) for f in frames if f.predicate == "base_frozen"] == [
        ("base_frozen", True)]


@pytest.mark.parametrize(("text", "polarity"), [
    ("LoRA+ introduces new trainable weights in every layer.", False),
    ("Does LoRA+ add parameters? No, it keeps the same A and B matrices as LoRA.", True),
])
def test_loraplus_adding_parameters_is_the_denial_of_none_added(text, polarity):
    frames = [f for f in recognise(text, "loraplus").frames if f.predicate == "no_extra_params"]
    assert frames and frames[0].polarity is polarity


def test_a_multiplier_on_the_learning_rate_of_b_is_b_higher():
    frames = recognise("loraplus_lr_ratio: the factor applied to the optimizer's learning rate "
                       "for the lora_B weights.", "loraplus").frames
    assert any(f.predicate == "lr_ratio" and f.has("b_higher") for f in frames)


@pytest.mark.parametrize(("text", "condition"), [
    ("With a bitsandbytes 4-bit base the matmuls are done in bfloat16.", True),
    ("QLoRA does its matmuls in bfloat16 on top of the 4-bit base.", False),
    ("Setting bnb_4bit_compute_dtype=torch.bfloat16 makes the matmuls run in bf16.", False),
    ("Linear4bit layers compute in float32.", False),
])
def test_a_16_bit_compute_dtype_is_a_setting(text, condition):
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise(text, "qlora").frames if f.predicate == "compute_dtype")
    got = STORAGE.to_params(frame)
    assert got["claim"] == "compute" and ("_condition" in got) is condition, got


@pytest.mark.parametrize(("text", "stated", "unit"), [
    ("Loaded in 4-bit NF4, a model occupies a quarter of the memory of its bf16 version.", 25.0,
     "pct_left"),
    ("Quantizing the frozen base to 4 bits makes the weights eight times smaller.", 8.0, "x"),
    ("4-bit quantization shrinks the base model's weights roughly fourfold.", 4.0, "x"),
])
def test_a_4_bit_storage_ratio_in_words(text, stated, unit):
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise(text, "qlora").frames if f.predicate == "storage_ratio")
    got = STORAGE.to_params(frame)
    assert (got["claim"], got["stated"], got["unit"]) == ("ratio", stated, unit), got


def test_a_denied_participle_before_a_width_denies_it():
    frames = recognise("The adapter matrices are never quantized down to 4 bits.", "qlora").frames
    widths = [f for f in frames if f.predicate == "quantized_4bit"]
    assert widths and not widths[0].polarity


def test_a_quantization_type_that_defaults_to_a_code_is_a_bnb_default():
    frames = recognise("Passing only load_in_4bit=True, the 4-bit data type defaults to fp4.",
                       "qlora").frames
    assert any(f.predicate == "bnb_default_type" and f.has("t_fp4") for f in frames)


def test_bits_on_each_weight_once_double_quantization_is_on():
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise("NF4 costs roughly 4.13 bits on each weight when double "
                                      "quantization is turned on.", "qlora").frames
                 if f.predicate == "bits_per_param")
    got = STORAGE.to_params(frame)
    assert (got["claim"], got["dq"]) == ("bits", "with"), got


def test_a_rounding_sized_difference_is_no_change_and_an_adapters_size_no_models():
    from verifiers.adapter_size import VERIFIER as SIZE

    frames = recognise("Merged and unmerged logits differed by less than 1e-5 in fp32 on our "
                       "test layer.").frames
    assert [f.polarity for f in frames if f.predicate == "mergeable"] == [True]
    frame = next(f for f in recognise("The r=16 adapter for Llama-2-13B is about 0.13 GB in "
                                      "bf16, a sliver of the 26 GB base checkpoint.").frames
                 if f.predicate == "model_size")
    got = SIZE.to_params(frame)
    assert isinstance(got, str) or got["gb"] == pytest.approx(26.0), got


def test_a_code_value_of_none_denies_nothing():
    frames = recognise('Leave bias="none" as it is and only lora_A and lora_B get trained.').frames
    assert [f.polarity for f in frames if f.predicate == "base_frozen"] == [True]


def test_a_diagnosis_of_what_the_reader_sees_is_no_denial():
    said = "the base weights were never frozen."
    assert [f.polarity for f in recognise(said.capitalize()).frames
            if f.predicate == "base_frozen"] == [False]
    seen = f"If the parameter summary shows all 6.7 billion weights as trainable, {said}"
    assert not [f for f in recognise(seen).frames if f.predicate == "base_frozen"]


def test_copies_of_the_model_set_against_adapters_are_no_need_to_copy():
    frame = next(f for f in _paired("Twenty adapters cost about 170 MB of disk, versus 270 GB "
                                    "for twenty separate copies of the base model.").frames
                 if f.predicate == "hot_swap")
    assert frame.verifier is None and "compares" in frame.reason


def test_a_size_of_the_optimizer_state_is_no_adapter_size():
    from verifiers.adapter_size import VERIFIER as SIZE

    sentence = "For a rank-16 adapter on Llama-2-13B the Adam moments come to about 100 MB in fp32."
    sizes = [f for f in recognise(sentence).frames if f.predicate == "adapter_size"]
    assert all(isinstance(SIZE.to_params(f), str) for f in sizes)
    # the moments' own size: the optimizer's state of that adapter (LoRA's, fp32 states)
    paired = [f for f in _paired(sentence).frames if f.verifier]
    assert [(f.verifier, f.params["part"], f.params["method"], f.params["optimizer"])
            for f in paired] == [("lora.training_memory", "optimizer", "lora", "adamw_fp32")]


def test_counts_of_projections_are_no_dora_magnitudes():
    frame = next(f for f in _paired("use_dora=True on Llama-2-7B q_proj and v_proj at r=16 "
                                    "trains 262,144 magnitudes across its 64 adapted "
                                    "projections.").frames
                 if f.verifier == "lora.dora_budget")
    assert "64" not in frame.params["figures"].replace("262144", "")


def test_double_quantization_named_after_nf4_is_on():
    from verifiers.qlora_storage import VERIFIER as STORAGE

    frame = next(f for f in recognise("Using NF4 plus double quantization, storage comes to "
                                      "about 4.13 bits per weight.", "qlora").frames
                 if f.predicate == "bits_per_param")
    assert STORAGE.to_params(frame)["dq"] == "with"


def test_a_denial_ends_before_a_time_clause():
    frames = recognise("Plain LoRA only escapes the extra latency once A and B are folded into "
                       "W0.").frames
    assert [f.polarity for f in frames if f.predicate == "mergeable"] in ([], [True])


@pytest.mark.parametrize("text", [
    "create_loraplus_optimizer hands lora_B the rate lr * loraplus_lr_ratio and lora_A plain lr.",
    "With LoRA+, lr x ratio goes to the B matrices while the A matrices keep lr.",
])
def test_b_given_the_base_rate_times_the_ratio(text):
    frame = next(f for f in _paired(text).frames if f.verifier == "lora.loraplus")
    assert frame.params["claim"] == "different_lr"


def test_the_model_named_first_is_the_sentences():
    frame = next(f for f in recognise("On Qwen2.5-7B a rank-8 q/v LoRA trains about 2.5 "
                                      "million parameters, unlike on Llama-2-7B.").frames
                 if f.predicate == "trainable_params")
    assert frame.conditions["model"]["family"].startswith("qwen")


def test_a_generic_family_word_gives_way_to_a_named_checkpoint():
    from kbcheck.claims.recognise import find_model

    found = find_model("As with LLaMA-1, r=8 on q_proj and v_proj of Llama-3-8B trains 3.4M.")
    assert found["preset"] == "llama3-8b"


def test_what_a_tables_context_says_is_not_a_claim_of_its_rows():
    from kbcheck.claims.rows import recognise_row

    cells = ("Mistral-7B", "r=8 3.4M trainable parameters", "r=32 13.6M trainable parameters")
    context = "Every linear layer adapted; the embeddings stay frozen"
    assert {f.predicate for f in recognise_row(cells, context).frames} == {"trainable_params"}
    # a row that says nothing of its own is read with its context
    assert {f.predicate for f in recognise_row(("Mistral-7B", "3.4M"), context).frames} == {
        "base_frozen"}


@pytest.mark.parametrize(("text", "claim"), [
    ("With LoRA+ the step size of B is set to lambda times A's.", "different_lr"),
    ("LoRA+ setup: lr for lora_B = 8 x lr for lora_A.", "different_lr"),
    ("The LoRA+ recipe keeps a factor of roughly 16 between the two learning rates.",
     "different_lr"),
    ("LoRA+ gives the higher learning rate to A.", "a_higher_lr"),
    ("Here loraplus_lr_ratio means the ratio of A's learning rate to B's.", "a_higher_lr"),
])
def test_which_matrix_gets_the_multiple(text, claim):
    frame = next(f for f in _paired(text).frames if f.verifier == "lora.loraplus")
    assert frame.params["claim"] == claim, frame


def test_figures_of_several_models_are_not_given_to_the_first():
    frame = next(f for f in _paired("GPT-2 small at r=8 on c_attn trains 0.29M; Llama-2-7B at "
                                    "r=8 on q and v trains 4.2M.").frames
                 if f.predicate == "trainable_params")
    assert frame.verifier is None and "several models" in frame.reason


def test_a_false_key_turns_the_statement_round():
    said = "merging a LoRA adapter into W0 changes what the layer computes."
    plain = next(f for f in _paired(said.capitalize()).frames if f.verifier)
    keyed = next(f for f in _paired(f"Statement: {said} Answer: False.").frames if f.verifier)
    assert keyed.polarity is not plain.polarity
    # a numbered true-or-false item, and a glossary term answered after a dash
    numbered = next(f for f in _paired(f"Question 4: True or false - {said} Answer: false.")
                    .frames if f.verifier)
    assert numbered.polarity is not plain.polarity
    term = next(f for f in _paired("Each LoRA adapter needs its own copy of the base - False: "
                                   "PEFT keeps several on one base.").frames if f.verifier)
    assert term.verifier == "lora.hot_swap" and term.polarity


def test_a_row_pasted_as_text_is_read_as_cells():
    p = _paired("Houlsby adapters | can be merged: no | extra latency at batch 1: yes")
    merge = next(f for f in p.frames if f.verifier == "lora.adapter_merge")
    assert merge.polarity is False


def test_and_a_half_with_a_scale():
    from kbcheck.claims.normalise import normalise

    assert normalise("about three and a half million weights") == "about 3.5 million weights"


def test_moments_and_all_projection_matrices():
    from verifiers.adapter_size import VERIFIER as SIZE

    frame = next(f for f in recognise("The two fp32 moments of a rank-4 adapter on Llama-2-7B "
                                      "come to about 17 MB.").frames
                 if f.predicate == "adapter_size")
    assert isinstance(SIZE.to_params(frame), str)
    frame = next(f for f in recognise("At rank 8 on all seven projection matrices, Llama-2-7B "
                                      "trains about 20 million parameters.").frames
                 if f.predicate == "trainable_params")
    assert frame.conditions["modules"] == "all"


def test_a_method_named_only_in_a_later_whereas_clause_does_not_own_the_first():
    frame = next(f for f in _paired("With alpha fixed, doubling r halves the standard scaling "
                                    "factor, whereas under rsLoRA it falls by only about "
                                    "1.41x.").frames
                 if f.predicate == "scaling")
    assert frame.subject == "lora"
    assert frame.params.get("relation") == "halves" and not frame.params.get("rslora")


def test_an_adapter_that_is_merged_is_loras():
    frames = recognise("Merge the adapter first and serving carries no extra latency.",
                       "adapter").frames
    assert frames and all(f.subject == "lora" for f in frames)


@pytest.mark.parametrize(("text", "gpu_gb"), [
    ("With QLoRA the memory to fine-tune a 33B model went from about 400 GB to under 24 GB.", 24.0),
    ("QLoRA brought the VRAM needed to finetune LLaMA-65B from over 780 GB down to 48 GB.", 48.0),
])
def test_memory_from_one_amount_to_another_is_a_fit_of_the_second(text, gpu_gb):
    frame = next(f for f in _paired(text).frames if f.verifier == "lora.qlora_memory")
    assert frame.params["gpu_gb"] == gpu_gb


# --- readings added for the sets of the thirty-sixth stop ----------------------------------

def _frame_of(text: str, predicate: str, subject: str = "lora"):
    return next((f for f in recognise(text, subject).frames if f.predicate == predicate), None)


def test_an_empty_loraconfig_call_states_its_defaults_and_one_verb_serves_two_settings():
    frame = _frame_of("LoraConfig() starts out with r=8 and lora_alpha=32.",
                      "peft_default_alpha")
    assert frame is not None and frame.conditions["alpha"] == 32.0
    frame = _frame_of("LoraConfig() ships with lora_alpha=8.", "peft_default_alpha")
    assert frame is not None
    text = "When nothing is passed, r defaults to 16 and lora_alpha to 8 in PEFT."
    assert _frame_of(text, "peft_default_rank") is not None
    alpha = _frame_of(text, "peft_default_alpha")
    assert alpha is not None and [q.value for q in alpha.quantities][-1] == 8.0
    # no defaults named: a choice, not a default
    assert _frame_of("Our LoraConfig sets r=16 and lora_alpha=32.", "peft_default_alpha") is None


def test_a_swapped_initialisation_with_one_verb_reads_a_at_zero():
    frame = _frame_of("The authors initialise B with small Gaussian values and A with zeros.",
                      "init_equals_base")
    assert frame is not None and frame.has("a_zero")
    frame = _frame_of("One initialises A with Kaiming noise and B with zeros.", "init_equals_base")
    assert frame is not None and not frame.has("a_zero")
    frame = _frame_of("Here we initialise B with random normal values.", "init_equals_base")
    assert frame is not None and frame.has("b_random")


def test_the_method_opening_a_glossary_definition_is_the_kind_the_term_is_of():
    frame = _frame_of("QLoRA - LoRA fitted on top of a base model quantized to 8 bits.",
                      "quantized_4bit", "qlora")
    assert frame is not None and frame.subject == "qlora"
    # a definition that names another method than the term's kind keeps its own subject
    frame = _frame_of("LoRA: QLoRA keeps the base weights in 4 bits.", "quantized_4bit")
    assert frame is not None and frame.subject == "qlora"


def test_the_r_of_a_ratio_is_no_rank():
    frame = _frame_of("With lora_alpha at 32 the update is scaled by alpha/r = 4.", "scaling")
    assert frame is not None and "r" not in frame.conditions
    frame = _frame_of("rsLoRA scales by alpha/sqrt(r) = 4 at alpha 16.", "scaling", "rslora")
    assert frame is not None and "r" not in frame.conditions
    frame = _frame_of("With r = 16 the update is scaled by alpha/r = 2.", "scaling")
    assert frame is not None and frame.conditions["r"] == 16


def test_a_cue_does_not_read_into_a_condition_unless_written_for_it():
    assert _frame_of("Each release reruns 200 prompts after a merge and is held back if any "
                     "answer differs from the stored one.", "mergeable") is None
    assert _frame_of("In PEFT, lora_alpha is 8 if you leave it unset.",
                     "peft_default_alpha") is not None


def test_an_overhead_said_to_be_zero_or_spared_is_no_latency():
    for text in ("Left unmerged, the LoRA overhead is zero.",
                 "Folding BA into W0 spares LoRA the extra latency of adapter layers."):
        frame = _frame_of(text, "no_added_latency")
        assert frame is not None and frame.polarity, text
    frame = _frame_of("Spare GPUs add latency to the queue.", "no_added_latency")
    assert frame is not None and not frame.polarity


def test_a_count_followed_by_trainable_is_a_count_of_parameters():
    frame = _frame_of("Mistral-7B | r=16 | all linear | 41.9M trainable", "trainable_params")
    assert frame is not None and frame.conditions["param_count"] == 41.9e6
    frame = _frame_of("Only the two trainable matrices A and B receive gradients.",
                      "frozen_base")
    assert all(q.unit != "params" for q in (frame.quantities if frame else ()))


def test_an_opinion_of_a_named_person_is_not_measured():
    for text in ("In the auditor's view, rank 8 is plenty for a router.",
                 "In Priya's opinion, merging the adapter leaves the outputs unchanged."):
        pairing = _paired(text)
        assert pairing.verifier is None and pairing.reason.startswith("an opinion"), text
    assert _paired("In the paper's Table 4 view of memory, QLoRA fits a 65B model on "
                   "one 48 GB GPU.").verifier is not None


def test_an_extra_matmul_said_to_be_gone_is_the_merged_state():
    frame = _frame_of("After merging, each layer is one Linear and the extra matmuls are gone.",
                      "no_added_latency")
    assert frame is not None and frame.polarity and frame.conditions.get("merged") is True
    frame = _frame_of("Unmerged, every layer runs an extra matmul for B A.", "no_added_latency")
    assert frame is not None and not frame.polarity


def test_a_denial_ends_at_only_if_and_an_empty_argument_list_denies_nothing():
    frame = _frame_of("Ranks may differ without recompiling only if prepare_model_for_compiled_"
                      "hotswap runs before torch.compile.", "hotswap_prepare_order")
    assert frame is not None and frame.polarity
    frame = _frame_of("LoraConfig() with no arguments gives lora_alpha=8.", "peft_default_alpha")
    assert frame is not None and frame.polarity


def test_a_scale_said_to_drop_to_a_value_states_that_value():
    frame = _frame_of("Day 2: with r=64 and lora_alpha=16 the scaling dropped to 0.25.", "scaling")
    assert frame is not None and 0.25 in [q.value for q in frame.quantities]


def test_what_the_trigger_names_said_after_it_to_be_out_of_reach_is_denied():
    frame = _frame_of("Once merged, serving different adapters in one batch is no longer "
                      "possible.", "mixed_adapter_batch")
    assert frame is not None and not frame.polarity
    frame = _frame_of("Serving different adapters in one batch is possible with adapter_names.",
                      "mixed_adapter_batch")
    assert frame is not None and frame.polarity


def test_a_row_answered_none_denies_what_it_names():
    frame = _frame_of("Merged adapter | extra latency at inference vs. base | none",
                      "no_added_latency")
    assert frame is not None and frame.polarity
    frame = _frame_of("Unmerged adapter | extra latency at inference | one more matmul",
                      "no_added_latency")
    assert frame is not None and not frame.polarity


def test_peft_names_apart_make_a_set_and_widths_are_not_counts():
    from kbcheck.claims.recognise import find_modules
    assert find_modules("65,536 weights on q_proj and the same again on v_proj")[0] == "qv"
    assert find_modules("q_proj here, k_proj there and v_proj too") is None
    frame = _frame_of("Each of Llama-2-7B's 32 blocks gets 16 × 8192 = 131,072 LoRA weights on "
                      "q_proj and again on v_proj, 8,388,608 in total at rank 16.",
                      "trainable_params")
    assert frame is not None
    assert [q.role for q in frame.quantities if q.value == 131_072] == ["part"]


def test_a_title_from_full_fine_tuning_to_lora_is_about_lora():
    from kbcheck.claims.extract import extract_claims
    from kbcheck.models import Article
    from kbcheck.pairing import pair_claims
    from kbcheck.pipeline import default_subjects
    from verifiers import registry

    article = Article(path="m.md", format="flat-markdown", title="From full fine-tuning to LoRA",
                      body="")
    assert default_subjects([article]) == {"m.md": "lora"}
    # a title that lists the options, full fine-tuning first: about the methods set against it
    listing = Article(path="v.md", format="flat-markdown",
                      title="Options: Full FT vs LoRA vs QLoRA",
                      body="")
    assert default_subjects([listing]) == {"v.md": "lora"}
    claims = extract_claims(Article(path="n.md", format="flat-markdown", title="Full fine-tuning",
                                    body="Calling unmerge_adapter() restores the original "
                                         "weights up to rounding.\n"))
    pairings, _ = pair_claims(claims, registry(include_entry_points=False),
                              {"n.md": "full_ft"})
    assert pairings[0].frames and pairings[0].frames[0].subject == "lora"


def test_a_numbered_part_of_a_document_states_no_quantity():
    from kbcheck.claims.quantities import find_quantities

    assert [q.value for q in find_quantities("Exercise 9.7 (scaling): rank 16 here.")] == [16.0]
    assert [q.value for q in find_quantities("Solution 11.4(b): 65,536 weights.")] == [65536.0]
    assert [q.value for q in find_quantities("Table 2 shows 4.2M parameters.")] == [4.2e6]
    assert [q.value for q in find_quantities("Eq. (1) uses alpha/r; Section 3 states 1.5.")] \
        == [1.5]
    # an arXiv identifier and a thread post's number are no figures
    assert [q.value for q in find_quantities("Houlsby et al. [1902.00751] use 2 modules.")] \
        == [2.0]
    assert [q.value for q in find_quantities("See arXiv:2106.09685v2: 0.01% train.")] == [0.01]
    assert [q.value for q in find_quantities("7/ rsLoRA uses alpha over sqrt(r) at r 64.")] \
        == [64.0]
    assert [q.value for q in find_quantities("It takes 2106.5 MB.")] == [2106.5e6]


def test_a_size_of_optimizer_state_is_not_an_adapter_file():
    from verifiers.adapter_size import VERIFIER as SIZE

    frames = recognise("On Llama-2-13B at r=8 on q_proj and v_proj the adapter has roughly "
                       "52 MB of AdamW state in fp32.").frames
    assert "optimizer_memory" in {f.predicate for f in frames}
    assert all("optimizer state" in SIZE.to_params(f) for f in frames
               if f.predicate == "adapter_size")


def test_unlike_denies_its_own_phrase_not_the_clause_after_it():
    frame = _frame_of("Bottleneck adapters run in series, so unlike LoRA they add inference "
                      "latency.", "no_added_latency", "adapter")
    assert frame is not None and not frame.polarity


def test_a_universal_slow_down_is_judged_where_it_fails_merged():
    from verifiers.merge_latency import VERIFIER as LATENCY

    frame = _frame_of("LoRA always makes generation slower because of its extra matrices.",
                      "no_added_latency")
    assert frame is not None and not frame.polarity
    assert LATENCY.to_params(frame)["weights"] == "merged"


def test_a_count_after_a_change_of_rank_is_the_second_ranks():
    from verifiers.param_count import to_params

    frame = _frame_of("Going from r=8 to r=16 on q_proj and v_proj of Llama-2-7B gives "
                      "8,388,608 trainable parameters.", "trainable_params")
    assert frame is not None
    params = to_params(frame)
    assert params["segments"].startswith("16@"), params


@pytest.mark.parametrize(("sentence", "direction"), [
    # the one given the rate holds the comparative that follows it
    ("It keeps the same A and B matrices but gives B a learning rate 16 times larger.", "B>A"),
    ("The recipe uses both A and B yet assigns A a step size four times smaller.", "B>A"),
])
def test_the_matrix_given_a_rate_holds_its_comparative(sentence, direction):
    frame = next(f for f in recognise(sentence).frames if "lr_direction" in f.conditions)
    assert frame.conditions["lr_direction"] == direction


def test_a_size_given_with_at_is_the_models_size():
    frames = recognise("We expected the 4-bit Mistral-7B base at ~3.9 GB after loading.").frames
    assert [f.predicate for f in frames if any(q.unit == "bytes" for q in f.quantities)] \
        == ["model_size"]


@pytest.mark.parametrize(("sentence", "refutable"), [
    # the cost only named, in words of its absence the reader does not know: not refuted
    ("After folding the update in, that inference overhead is history.", False),
    ("Once merged, any runtime penalty evaporates.", False),
    # the cost said to be added, or given a size: refutable
    ("Even merged, the adapter still adds inference overhead.", True),
    ("Merged adapters carry about 7% latency over the base.", True),
])
def test_a_cost_only_named_is_not_refuted_on_its_mention(sentence, refutable):
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    pairing, _ = pair_claim(Claim(id="c", path="a.md", origin="body", text=sentence),
                            registry(include_entry_points=False))
    frame = next(f for f in pairing.frames if f.predicate == "no_added_latency")
    assert not frame.polarity
    assert any("no word of an addition" in slot for slot in frame.open) is not refutable


@pytest.mark.parametrize(("entry", "polarity"), [
    # a glossary-style entry whose term is a question or a reported symptom: the answer's
    # words take the predicate, not the term's
    ("Adapter weights drifting into the base?: They can't; LoRA keeps the base frozen.", True),
    ("Swapping adapters under torch.compile recompiles the graph: hotswap_adapter() swaps "
     "tensors in place, so no recompilation happens.", False),
])
def test_a_long_term_before_its_answer_yields_the_predicate_to_the_answer(entry, polarity):
    frames = recognise(entry).frames
    by_predicate = {f.predicate: f for f in frames}
    frame = by_predicate.get("base_frozen") or by_predicate.get("swap_recompiles")
    assert frame is not None and frame.polarity is polarity
    assert frame.spans["predicate"][0] > entry.index(":")


def test_a_switch_no_longer_available_after_unloading_is_not_read_as_still_working():
    from verifiers.hot_swap import to_params

    frames = recognise("After merge_and_unload() the adapters are folded in, so set_adapter() is "
                       "no longer available for switching tenants.").frames
    frame = next(f for f in frames if f.predicate == "hot_swap")
    assert frame.polarity and isinstance(to_params(frame), str)  # not judged as switching


def test_a_numbered_question_with_a_setting_first_takes_its_answer_on_the_next_line():
    from kbcheck.claims.extract import with_answers

    got = with_answers([("Q4. After a merge, is the adapter still a separate module?", 1),
                        ("Answer: No.", 2)])
    assert got == [("Q4. After a merge, is the adapter still a separate module? Answer: No.", 1)]
    # a question answered with a statement of its own is left as two sentences
    assert len(with_answers([("Q4. After a merge, is the adapter separate?", 1),
                             ("The merge folds BA into W.", 2)])) == 2
    frame = next(f for f in recognise("Q9. Once merged, does LoRA add latency? Answer: no."
                                      ).frames if f.predicate == "no_added_latency")
    assert frame.polarity is True


@pytest.mark.parametrize("sentence, kept", [
    # the heading's share is named again after it: the statement's own is the claim
    ("Everything under 1%: rank 64 on all linear layers trains about 2.4% of the model.",
     [2.4]),
    ("Myth - 4-bit means 0.5% trainable: r=8 on q_proj and v_proj trains 0.06% of the model.",
     [0.06]),
    # a list of headed items keeps every figure, and a heading's own kind stays when the
    # statement states no other ("Trainable share 0.06%: low enough for one GPU")
    ("LoRA at r=8: trains 0.06% of the parameters; at r=64: trains 0.5% of the parameters.",
     [0.06, 0.5]),
    ("Trainable share 0.06%: small enough that the optimizer state is a few MB.", [0.06]),
])
def test_a_headings_figure_gives_way_to_the_statements_own(sentence, kept):
    shares = sorted({q.value for f in recognise(sentence).frames for q in f.quantities
                     if q.unit == "pct"})
    assert shares == kept


def test_a_list_of_headed_items_keeps_each_headings_figure():
    frames = recognise("Llama-2-7B weights at 16 bits: 13.5 GB; at 4 bits: about 3.9 GB.").frames
    assert {q.value for f in frames for q in f.quantities if q.unit == "bits"} == {16.0, 4.0}


@pytest.mark.parametrize(("text", "polarity"), [
    # an amount that is what is (not) moved or kept is taken as given
    ("The meta device sizes Llama-2-13B without downloading its 26 GB of weights.", True),
    ("We never had to store the 14 GB of Mistral-7B weights on the laptop.", True),
    # a denial right after the size's verb denies the size
    ("Mistral-7B is not 28 GB in fp16.", False),
])
def test_an_amount_moved_or_kept_is_not_denied_with_its_verb(text, polarity):
    frames = [f for f in recognise(text).frames if f.predicate == "model_size"]
    assert [f.polarity for f in frames] == [polarity], recognise(text).frames


def test_a_denied_verb_of_moving_keeps_denying_what_is_not_an_amount():
    frames = recognise("PEFT cannot load two adapters of different ranks into one model.").frames
    assert frames and all(not f.polarity for f in frames), frames


def test_every_weight_changed_is_the_models_size():
    frames = recognise("Rather than updating all 13 billion weights of the model, the team "
                       "trained adapters on one percent of them.").frames
    counted = next(f for f in frames if f.predicate == "trainable_params")
    assert counted.conditions["model"]["size_b"] == 13.0
    assert [q.role for q in counted.quantities if q.value == 13e9] == ["model"]


def test_a_when_clause_is_outside_the_denial_before_it():
    frames = recognise("LoRA adds no inference latency when it is deployed with the update "
                       "folded into the weights.").frames
    assert [f.polarity for f in frames if f.predicate == "mergeable"] in ([], [True]), frames


def test_an_issue_number_is_no_quantity():
    from kbcheck.claims.quantities import find_quantities

    assert [q.text for q in find_quantities("#812: r=8 gives 4,194,304 trainable params")] \
        == ["8", "4,194,304 trainable params"]
    assert [q.text for q in find_quantities("812: r=8 gives 4,194,304 trainable params")] \
        == ["8", "4,194,304 trainable params"]
    assert [q.text for q in find_quantities("7B: fits on a 12 GB card")] == ["7B", "12 GB"]


def test_what_holding_a_model_alone_takes_is_no_training_step_for_either_memory_verifier():
    from verifiers import qlora_memory, training_memory

    text = "Simply storing Mistral-7B in bf16 needs about 14.5 GB, so a 12 GB card is out."
    fits = [f for f in recognise(text).frames if f.predicate == "fits_gpu"]
    assert fits and all(f.has("weights_held") for f in fits)
    for verifier in (qlora_memory, training_memory):
        got = verifier.to_params(fits[0])
        assert isinstance(got, str) and "weights' alone" in got, (verifier, got)
    # training named beside the amount is a step's memory
    text = "Fine-tuning Mistral-7B with LoRA in bf16 needs about 18 GB, so a 12 GB card is out."
    assert not any(f.has("weights_held") for f in recognise(text).frames)


@pytest.mark.parametrize(("text", "predicate", "polarity"), [
    # the zero factor written as an equation, or left unnamed
    ("Since B=0 at the start, the first forward pass gives the base model's logits.",
     "init_equals_base", True),
    ("One of the two low-rank matrices is all zeros when training begins, so the wrapped model "
     "starts out exactly at the pretrained one.", "init_equals_base", True),
    # the gradient "with respect to" a factor at the first step
    ("On the very first step the gradient w.r.t. lora_B is zero because it starts at zero.",
     "first_step_grad", False),
    # the base weights described in a relative clause after a comma
    ("Backbone: the pretrained weights, which get no gradients during adapter training.",
     "base_frozen", True),
])
def test_initial_state_and_frozen_weights_said_in_other_shapes(text, predicate, polarity):
    got = [f.polarity for f in recognise(text).frames if f.predicate == predicate]
    assert got == [polarity], recognise(text).frames


def test_a_matrix_described_in_an_aside_still_takes_the_higher_rate():
    from kbcheck.claims.recognise import lr_direction

    assert lr_direction("With LoRA+ it is lora_B, the up-projection, that gets the "
                        "larger learning rate.") == "B>A"
    assert lr_direction("With LoRA+ the larger learning rate goes to A (the down-projection "
                        "matrix) and not to B.") == "A>B"
    # "B = 0.5" is a value, not a zero start
    assert not [f for f in recognise("Here B = 0.5 at every entry.").frames
                if f.predicate == "init_equals_base"]


def test_a_model_brought_down_to_or_stored_in_an_amount_is_its_size():
    for text in ("Loading Llama-2-13B in NF4 brought the weights down to about 7.5 GB.",
                 "The 4-bit loader stores Mistral-7B's weights in roughly 4 GB."):
        sizes = [f for f in recognise(text).frames if f.predicate == "model_size"]
        assert sizes and sizes[0].quantities[-1].unit == "bytes", (text, recognise(text).frames)
