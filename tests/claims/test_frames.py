"""The claim-frame layer: quantities, polarity, subjects, the seed truths, other methods left
alone, hostile input in linear time, and the verifier registry's contract."""

from __future__ import annotations

import pytest

from kbcheck.claims import recognise
from kbcheck.claims.normalise import normalise
from kbcheck.claims.quantities import find_quantities
from kbcheck.claims.recognise import read_conditions
from kbcheck.models import Claim
from kbcheck.pairing import claim_table, pair_claim
from verifiers import registry

REGISTRY = registry(include_entry_points=False)


def pair(text: str, subject: str = "lora"):
    return pair_claim(Claim(id="t", path="t.md", text=text, origin="body"), REGISTRY,
                      default_subject=subject)[0]


@pytest.mark.parametrize(("text", "value", "unit", "bound", "precision"), [
    ("a 99.6% reduction", 99.6, "pct", "eq", 0.05),
    ("up to 10,000x fewer", 10000, "x", "le", 5000),
    ("sixteen times larger", 16, "x", "eq", 0.5),
    ("140+ GB of weights", 140e9, "bytes", "ge", 5e9),
    ("a 48-gigabyte card", 48e9, "bytes", "eq", 0.5e9),
    ("16 MiB on disk", 16 * 2**20, "bytes", "eq", 0.5 * 2**20),
    ("about 4.2 million trainable parameters", 4.2e6, "params", "approx", 0.05e6),
    ("a quarter of a bit per parameter", 0.25, "bits", "eq", 0.005),
    ("roughly four point two million trainable parameters", 4.2e6, "params", "approx", 0.05e6),
    ("zero point zero six percent of the weights", 0.06, "pct", "eq", 0.005),
    ("about forty-one point nine million trainable parameters", 41.9e6, "params", "approx", 0.05e6),
])
def test_quantities_read_value_unit_bound_and_precision(text, value, unit, bound, precision):
    q = find_quantities(recognise(text).text)[0]
    assert (q.unit, q.bound) == (unit, bound)
    assert q.value == pytest.approx(value) and q.precision == pytest.approx(precision)


@pytest.mark.parametrize("text", ["Summary written for the wiki, 2026-11-07.",
                                  "Checked again on 2026/11/07 against PEFT 0.21.",
                                  "Release of 07.11.2026: nothing changed."])
def test_a_date_written_in_digits_states_no_quantity(text):
    assert [q.text for q in find_quantities(recognise(text).text)
            if q.value in (2026, 11, 7)] == []


def test_a_range_is_one_quantity():
    q = find_quantities("adapters of 5-50 MB")[0]
    assert (q.value, q.high, q.bound) == (5e6, 50e6, "range")


@pytest.mark.parametrize(("text", "polarity"), [
    ("The pretrained weights stay frozen during training.", True),
    ("The base weights are never updated.", True),
    ("LoRA updates every pretrained weight.", False),
    ("It is a myth that LoRA keeps the base frozen.", False),
    ("The original weights are not modified at all by training.", True),
])
def test_polarity_of_the_frozen_base_predicate(text, polarity):
    frames = [f for f in recognise(text).frames if f.predicate == "base_frozen"]
    assert frames and frames[0].polarity is polarity


def test_two_claims_in_one_sentence_give_two_frames():
    frames = recognise("LoRA freezes the weights and injects trainable low-rank "
                       "decomposition matrices into every layer.").frames
    assert {f.predicate for f in frames} >= {"base_frozen", "rank_bounded"}


def test_comparison_direction_is_read():
    assert recognise("B is given a larger learning rate than A.").frames[0].conditions[
        "lr_direction"] == "B>A"
    assert recognise("LoRA+ gives A a higher learning rate than B.").frames[0].conditions[
        "lr_direction"] == "A>B"


def test_seed_truths_pair_with_the_decisive_values():
    p = pair("For d=k=4096, r=16: 99.6% reduction")
    assert (p.verifier, p.params["d"], p.params["r"], p.params["pct"]) == (
        "lora.param_count", 4096, 16, 99.6)
    p = pair("QLoRA: 65B fine-tuning on a single 48GB GPU")
    assert (p.verifier, p.params["size_b"], p.params["gpu_gb"]) == ("lora.qlora_memory", 65, 48)
    p = pair("This enables fine-tuning 70B models on a single consumer GPU", subject="qlora")
    assert (p.verifier, p.params["gpu"]) == ("lora.qlora_memory", "consumer")
    for text in ("LoRA has 13,547 GitHub stars.", "The paper has 19,123 citations as of May."):
        assert pair(text).verifier is None


SWAPPABLE = [
    "LoRA freezes the pretrained weights and trains only A and B.",
    "LoRA reduces the number of trainable parameters by 10,000 times.",
    "LoRA weights can be merged into the base model, so there is no inference latency.",
    "LoRA trains 0.1% of the parameters of LLaMA 7B at rank 8.",
    "With LoRA, B is initialised to zero so the model starts from the pretrained weights.",
    "LoRA adapters can be hot-swapped on one base model without reloading it.",
]


@pytest.mark.parametrize("text", SWAPPABLE)
@pytest.mark.parametrize("other", ["VeRA", "AdaLoRA", "IA3", "PiSSA", "LISA",
                                   # names no lexicon line holds, made the way variants are
                                   "SoRA", "GLoRA", "LoRA-SB"])
def test_another_method_never_pairs_with_a_lora_verifier(text, other):
    assert pair(text).verifier is not None  # the LoRA sentence itself is checkable
    swapped = pair(text.replace("LoRA", other, 1))
    assert swapped.verifier is None, (other, text, swapped.params)


def test_a_comparison_with_lora_is_not_about_lora():
    assert pair("This method needs 10x fewer trainable parameters than LoRA.").verifier is None


@pytest.mark.parametrize("hostile", [
    "1" * 100_000, "1," * 50_000, "[" * 100_000, "1111k stars " * 8_000,
    ("LoRA " + "4096 x " * 20_000), ("trains " + "9" * 99_000 + "% of parameters"),
    # a reading that searches the whole sentence for a count said of the adapter
    ("AdamW's moments for the Llama-2-7B adapter take 34 MB " + "1" * 99_000),
    ("use_dora takes the count from " + "1" * 99_000 + " to 2"),
])
def test_hostile_sentences_are_read_in_bounded_time(hostile):
    reading = recognise(hostile)  # bounded: the length cap, then single-pass patterns
    assert len(reading.frames) <= 32
    pair(hostile)


def test_registry_contract():
    table = claim_table(REGISTRY)
    seen: dict[tuple[str, str], str] = {}
    for vid, v in REGISTRY.items():
        assert v.claims and v.to_params is not None and v.examples, vid
        for key in v.claims:
            assert key not in seen, f"{key} claimed by {seen.get(key)} and {vid}"
            seen[key] = vid
        assert v.requires.device in ("cpu", "cuda")
        for example in v.examples:
            p = pair(example)
            assert any(f.verifier == vid for f in p.frames), (vid, example, p.reason)
            for f in p.frames:
                if f.verifier == vid:
                    v.resolve_params(f.params)  # canonical and in bounds
                    assert all(not isinstance(x, str) or len(x) < 40 for x in f.params.values())
    assert table




@pytest.mark.parametrize(("text", "why"), [
    ("Does LoRA keep the pretrained weights frozen?", "question"),
    ("We recommend merging the adapter before serving to avoid latency.", "advice"),
    ("Prefer QLoRA when a 65B model has to fit on one 48GB GPU.", "advice"),
    ("Some blog posts claim that merging LoRA changes the outputs.", "reported"),
    ("People say LoRA adapters can always be hot-swapped.", "reported"),
])
def test_what_is_not_asserted_is_not_paired(text, why):
    p = pair(text)
    assert p.verifier is None and why in p.reason


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("about three-eighths of a bit per parameter", 0.375, "bits"),
    ("a quarter of a percent of the weights", 0.2, "pct"),  # as coarse as words: 0.2-0.3%
    ("twenty-four GB of memory", 24e9, "bytes"),
    ("two orders of magnitude fewer", 100, "x"),
])
def test_number_words_and_fractions(text, value, unit):
    q = find_quantities(recognise(text).text)[0]
    assert (q.value, q.unit) == (pytest.approx(value), unit)


def test_words_that_look_like_fractions_stay_words():
    assert "half" in recognise("Weights are kept in half precision.").text
    assert "half-precision" in recognise("A half-precision copy of W.").text


def test_a_conditional_clause_is_a_condition_not_a_claim():
    frames = recognise("LoRA can slow down inference if you don't merge the weights back into "
                       "the base model.").frames
    assert [(f.predicate, f.polarity) for f in frames] == [("no_added_latency", False)]
    assert frames[0].conditions["merged"] is False
    once = recognise("Once merged, LoRA adds no inference latency.").frames
    assert [(f.predicate, f.polarity, f.conditions["merged"]) for f in once] == [
        ("no_added_latency", True, True)]


@pytest.mark.parametrize(("text", "polarity"), [
    ("A single consumer graphics card cannot QLoRA-finetune a 70B model.", False),
    ("On a single 24GB GPU you cannot fine-tune a 65B model with QLoRA.", False),
    ("A single 48 GB accelerator is enough to QLoRA-tune a 65-billion-parameter model.", True),
])
def test_a_gpu_named_as_a_noun_phrase_takes_the_negation_of_its_verb(text, polarity):
    [frame] = [f for f in pair(text).frames if f.predicate == "fits_gpu"]
    assert frame.verifier == "lora.qlora_memory" and frame.polarity is polarity


def test_a_common_belief_is_a_denial_and_nf4_names_qlora():
    [frame] = recognise("A common belief is that LoRA leaves the backbone alone.").frames
    assert (frame.predicate, frame.polarity) == ("base_frozen", False)
    frames = recognise("NF4 with double quantization takes 4.127 bits per parameter.").frames
    assert ("qlora", "bits_per_param") in [(f.subject, f.predicate) for f in frames]
    merged = recognise("Once B A has been added into W0, inference is as fast as before.")
    assert all(f.conditions.get("merged") is True for f in merged.frames)


@pytest.mark.parametrize("text", [
    "With r = -8, LoRA trains -50% fewer parameters on a 4096 x 4096 matrix.",
    "For d=k=1e999 and r=16, LoRA trains 99.2% fewer parameters.",
])
def test_impossible_values_are_refused_with_their_words(text):
    p = pair(text)
    assert p.verifier is None and "cannot be a size, rank or share" in p.reason


def test_a_multiplication_sign_before_an_operand_is_not_a_ratio():
    text = "B and A hold 16 × (4096 + 4096) = 131,072 trainable parameters."
    assert [q.unit for q in find_quantities(recognise(text).text) if q.value == 16] == ["count"]
    assert [q.unit for q in find_quantities(recognise("16x fewer parameters").text)] == ["x"]


@pytest.mark.parametrize(("text", "verifier", "why"), [
    # A said to start at zero: measured as how A starts (and refuted there)
    ("Both A and B are initialized to zero in LoRA.", "lora.ba_update", "init_equals_base"),
    ("Personally I prefer LoRA+ because it converges faster.", None, "opinion"),
    ("Gradients are computed only for A and B, never for the pretrained matrix.",
     "lora.frozen_base", ""),
])
def test_what_one_held_out_set_taught(text, verifier, why):
    p = pair(text)
    assert p.verifier == verifier and why in p.reason


def test_rates_written_as_symbols_give_the_direction():
    assert recognise("In LoRA+, η_B ≈ 16·η_A.").frames[0].conditions["lr_direction"] == "B>A"
    assert recognise("In LoRA+, η_A ≈ 16·η_B.").frames[0].conditions["lr_direction"] == "A>B"


def test_a_bare_size_before_a_method_and_a_run_names_the_model():
    frame = recognise("The 65B QLoRA run fits inside a 48 GB card.").frames[0]
    assert frame.conditions["model"]["size_b"] == 65.0


def test_idioms_with_no_are_not_negations():
    frame = pair("with qlora you can squeeze a 70B model onto one 24GB 4090 no problem").frames[0]
    assert frame.predicate == "fits_gpu" and frame.polarity is True
    assert pair("LoRA adds no latency once merged.").frames[0].polarity is True


def test_a_frame_says_whether_the_sentence_named_its_subject():
    named = recognise("QLoRA fine-tunes a 65B model on one 48GB card.").frames[0]
    assert named.subject == "qlora" and named.subject_named
    assert named.slots()["subject"] == "QLoRA"
    # no method in the sentence: the article's subject, and no span pretends it was read
    unnamed = recognise("They trained a 65B model on one 48GB card.", "qlora").frames[0]
    assert unnamed.subject == "qlora" and not unnamed.subject_named
    assert "subject" not in unnamed.slots()


@pytest.mark.parametrize(("text", "polarity"), [
    # the words of an "unlike ..." phrase are what the subject is not
    ("Unlike a symmetric int4 code, the NF4 grid keeps an exact zero.", False),
    ("NF4 is a symmetric code.", True),
])
def test_unlike_denies_the_words_of_its_own_phrase(text, polarity):
    frame = next(f for f in recognise(text).frames if f.predicate == "nf4_code")
    assert frame.polarity is polarity and frame.has("f_sym")


def test_unlike_does_not_reach_past_its_phrase():
    frame = next(f for f in recognise("Unlike bottleneck adapters, LoRA adds no latency once "
                                      "merged.").frames if f.predicate == "no_added_latency")
    assert frame.subject == "lora" and frame.polarity


@pytest.mark.parametrize(("text", "denied"), [
    # "copy" as a noun: one shared copy is what hot-swapping is, not its opposite
    ("Because a task only adds a small adapter, one copy of the base model held on the GPU "
     "can answer for many fine-tunes.", None),
    ("For every extra task the server ends up copying the full base model again.", True),
    ("With separate adapters, each task still needs its own copy of the base model.", True),
])
def test_copy_of_the_base_is_a_noun_unless_it_is_a_verb(text, denied):
    swaps = [f for f in recognise(text).frames if f.predicate == "hot_swap"]
    if denied is None:
        assert all(f.polarity for f in swaps)
    else:
        assert swaps and swaps[0].polarity is not denied


def test_costing_what_the_base_costs_is_no_added_latency():
    frames = recognise("Once merged, the layer is an ordinary linear layer, and inference costs "
                       "just what the original model costs.").frames
    latency = [f for f in frames if f.predicate == "no_added_latency"]
    assert latency and all(f.polarity and f.has("fast") for f in latency)
    slow = next(f for f in recognise("Unmerged adapters add inference costs of around 20% at "
                                     "batch size one.").frames
                if f.predicate == "no_added_latency")
    assert not slow.polarity


def test_a_copy_an_adapter_is_merged_into_is_not_a_copy_each_task_needs():
    text = ("Served on one shared base, each adapter produces the same logits as when it is "
            "merged into its own copy of the model.")
    assert all(f.polarity for f in recognise(text).frames if f.predicate == "hot_swap")


def test_adapters_in_16_bits_are_a_qlora_claim_only_with_a_quantized_base():
    assert pair("The LoRA adapters were trained in bf16 on a single card.").verifier is None
    assert pair("With QLoRA the base sits in 4-bit while the adapters stay in bf16."
                ).verifier == "lora.qlora_storage"
    # an article about QLoRA supplies the subject
    assert pair("The adapter weights stay in bf16 throughout.", "qlora").verifier \
        == "lora.qlora_storage"


@pytest.mark.parametrize(("text", "predicate", "modality"), [
    ("Folding the adapter into bf16 weights can shift the logits slightly.", "mergeable", "can"),
    ("A merged adapter might cost a little accuracy in half precision.", "mergeable", "can"),
    ("An adapter can never be folded into W without losing accuracy.", "mergeable", "all"),
    ("You can't fold an adapter into the weights without changing its outputs.", "mergeable",
     "all"),
    ("Unmerged LoRA does not always slow inference down.", "no_added_latency", "can"),
    # the modal is the seeing's, and "may as well" is advice
    ("We can see that merging the adapter gives the same outputs.", "mergeable", ""),
    ("Merged outputs are identical, so you may as well merge the adapter.", "mergeable", ""),
    ("Merging the adapter gives exactly the same outputs.", "mergeable", ""),
])
def test_the_modality_of_a_claim_is_read(text, predicate, modality):
    frame = next(f for f in recognise(text).frames if f.predicate == predicate)
    assert [c for c in frame.cues if c.startswith("modal_")] == \
        ([f"modal_{modality}"] if modality else [])
    assert pair(text).frames[0].modality == modality or pair(text).frames[0].predicate != predicate


def test_words_a_verifier_cannot_use_are_read_again_as_what_they_displaced():
    """'on a single GPU' first reads as a memory fit, which names neither a model nor a GPU size;
    that verifier declines it, and the hot-swap frame the words displaced pairs."""
    text = "The service runs thousands of LoRAs on a single GPU, hot-swapping them per request."
    reading = recognise(text)
    assert reading.frames[0].predicate == "fits_gpu"
    assert [a.predicate for a in reading.alternates[0]] == ["hot_swap"]
    frame = pair(text).frames[0]
    assert frame.verifier == "lora.hot_swap" and frame.predicate == "hot_swap"
    assert "first read as fits_gpu" in frame.reason
    # a frame about a method out of scope stays unpaired: its alternates are about it too
    assert pair("VeRA runs thousands of adapters on a single GPU, hot-swapping them per "
                "request.").verifier \
        is None


@pytest.mark.parametrize(("text", "value", "bound"), [
    ("shrank it by a factor of three", 3, "eq"),
    ("a factor of roughly 10,000 fewer weights", 10000, "approx"),
    ("down by a factor of ~4", 4, "approx"),
])
def test_a_factor_of_n_is_a_ratio(text, value, bound):
    from kbcheck.claims.normalise import normalise

    q = find_quantities(normalise(text))[0]
    assert (q.value, q.unit, q.bound) == (value, "x", bound)
    # a unit after the number keeps its own reading
    assert find_quantities("a factor of 4 GB")[0].unit == "bytes"


@pytest.mark.parametrize(("text", "predicate", "polarity"), [
    ("During training LoRA quietly tweaks all of the pretrained weights by tiny amounts.",
     "base_frozen", False),
    ("Served with its adapter attached, the tuned model generates text more slowly than the "
     "plain base model.", "no_added_latency", False),
])
def test_more_ways_of_saying_the_opposite(text, predicate, polarity):
    frame = next(f for f in recognise(text).frames if f.predicate == predicate)
    assert frame.polarity is polarity


def test_a_cost_per_training_step_is_not_inference_latency():
    text = "LoRA runs at the same cost per iteration as it did before the optimizer change."
    assert all(f.verifier != "lora.merge_latency" for f in pair(text).frames)


@pytest.mark.parametrize(("text", "direction"), [
    ("With LoRA+, matrix A is the one trained with the higher learning rate.", "A>B"),
    ("Under LoRA+ the larger learning rate goes to B.", "B>A"),
    ("LoRA+ leaves B with the smaller step size.", "A>B"),
])
def test_one_matrix_with_the_higher_rate_gives_the_direction(text, direction):
    from kbcheck.claims.recognise import lr_direction

    assert lr_direction(text) == direction


@pytest.mark.parametrize(("text", "direction"), [
    # what the words after each matrix give it: a multiple, the base rate, or a number
    ("In our LoRA+ runs lora_B trains at lr*16 and lora_A keeps the base lr.", "B>A"),
    ("loraplus: A gets the 16x lr, B stays at the base lr", "A>B"),
    ("With LoRA+ the B factors ended at an lr of 8e-4 and the A factors at 5e-5.", "B>A"),
    ("LoRA+ turns the learning rate on the A matrix way above B's.", "A>B"),
    # a larger rate given to one just before it is named
    ("LoRA+ keeps two lrs and gives the larger one to B.", "B>A"),
    # a question of which, then its answer
    ("Which matrix gets the larger learning rate in LoRA+? Answer: (b) B.", "B>A"),
    # nothing given to either
    ("LoRA+ trains A and B with a ratio of 16.", ""),
    ("In LoRA+ the learning rates of A and B stay identical.", "same"),
])
def test_what_the_words_after_each_matrix_give_it_is_the_direction(text, direction):
    from kbcheck.claims.normalise import normalise
    from kbcheck.claims.recognise import lr_direction

    assert lr_direction(normalise(text)) == direction


def test_a_zero_b_in_a_later_clause_leaves_the_rate_comparison_its_words():
    text = "LoRA+ hands B a smaller learning rate than A, since B begins at zero anyway."
    assert {f.predicate for f in recognise(text).frames} >= {"lr_ratio", "init_equals_base"}


@pytest.mark.parametrize(("text", "modules"), [
    ("Adapters on q,k,v,o,gate,up,down at r=16 give the full set.", "all"),
    ("r=8 with q_proj+v_proj targeted", "qv"),
    ("LoRA on q_proj, k_proj, v_proj and o_proj only", "attention"),
    ("adapting just the query/value matrices", "qv"),
    ("gate_proj, up_proj, down_proj only", "mlp"),
])
def test_an_explicit_list_of_projections_is_read_whole(text, modules):
    from kbcheck.claims.recognise import find_modules

    assert find_modules(text)[0] == modules


def test_an_arrow_is_not_a_lower_bound_and_batch_times_tokens_is_read():
    from kbcheck.claims.normalise import normalise
    from kbcheck.claims.recognise import read_conditions

    q = find_quantities(normalise("Mistral-7B @ r=16 → ~42M trainable"))[-1]
    assert q.bound == "approx"
    found = read_conditions("a batch of 2x1024 tokens")[0]
    assert (found["batch"], found["seq"]) == (2, 1024)


@pytest.mark.parametrize(("text", "predicate", "polarity"), [
    ("Throughout fine-tuning the pretrained weights also get nudged slightly.", "base_frozen",
     False),
    ("Under LoRA nothing but the two small factors is updated.", "base_frozen", True),
    ("Many adapters can be served from one shared copy of the frozen model.", "hot_swap", True),
])
def test_further_ways_of_saying_it(text, predicate, polarity):
    frame = next(f for f in recognise(text).frames if f.predicate == predicate)
    assert frame.polarity is polarity


def test_full_fine_tuning_as_the_baseline_leaves_the_subject_the_articles():
    frame = recognise("On GPT-3 175B it trains about 10,000 times fewer parameters than full "
                      "fine-tuning.").frames[0]
    assert frame.subject == "lora" and frame.baseline == "full_ft"
    # another method as the only one named is someone else's claim
    assert recognise("It trains 10x fewer parameters than LoRA.").frames[0].subject == "other"


def test_a_method_that_opens_its_clause_is_its_subject():
    frame = next(f for f in recognise("rsLoRA multiplies the LoRA output by alpha/r, just as "
                                      "plain LoRA does.").frames if f.predicate == "scaling")
    assert frame.subject == "rslora"


@pytest.mark.parametrize(("text", "verifier"), [
    ("Rule of thumb: a 13B model needs about 26 GB in fp16.", "lora.adapter_size"),
    ("Rule of thumb: use double quantization when memory is tight.", None),
    ("Adapter: a few trainable matrices attached to a frozen pretrained network.",
     "lora.frozen_base"),
])
def test_a_rule_of_thumb_is_advice_only_when_it_advises(text, verifier):
    assert pair(text).verifier == verifier


def test_switching_to_another_method_is_not_swapping_adapters():
    text = "In the trainer config you switch to QLoRA by setting the adapter type to qlora."
    assert all(f.predicate != "hot_swap" for f in recognise(text).frames)
    swap = "At serving time you switch adapters per request without reloading the base."
    assert any(f.predicate == "hot_swap" for f in recognise(swap).frames)


@pytest.mark.parametrize(("text", "direction"), [
    ("Under LoRA+ B's learning rate is 2.4e-3 and A's is 1.5e-4.", "B>A"),
    ("Here A trains at 5e-4 and B at 5e-5, the reverse of LoRA+'s learning rates.", "A>B"),
])
def test_rates_written_as_numbers_give_the_direction(text, direction):
    from kbcheck.claims.recognise import lr_direction

    assert lr_direction(text) == direction


@pytest.mark.parametrize("sentence", [
    "Without the embedding copies the adapter is 26 million parameters, about 52 MB in fp16.",
    "maintainer: Without the embedding copies the adapter is 26 million parameters, about "
    "52 MB in fp16.",
])
def test_an_opening_without_phrase_is_an_adjunct_not_a_denial(sentence):
    frames = [f for f in recognise(sentence).frames if f.predicate == "adapter_size"]
    assert frames and all(f.polarity for f in frames)


def test_a_without_inside_the_clause_still_denies():
    # the adjunct after the verb denies the cost: no added latency is what is claimed
    frames = recognise("LoRA works without any extra inference latency.").frames
    assert [(f.predicate, f.polarity) for f in frames] == [("no_added_latency", True)]
    frames = recognise("Merged LoRA adds latency.").frames
    assert [(f.predicate, f.polarity) for f in frames] == [("no_added_latency", False)]


@pytest.mark.parametrize(("sentence", "with_dq"), [
    # opening with double quantization and saying what the cost comes down to: with it
    ("Double quantization keeps the scales in 8 bits plus one fp32 scale per 256 blocks, "
     "bringing their cost down to about 0.127 bits per parameter.", True),
    # the figure is what double quantization acts on (the cost before it): not with it
    ("Double quantization shrinks the 0.5 bits per parameter spent on absmax constants.", False),
    ("Double quantization targets the 0.5 bits per parameter that fp32 constants cost.", False),
    # a glossary term read with its definition, which states the cost before it ("= 0.5")
    ("Double quantization. With one fp32 scale for each block of 64 weights, the scales cost "
     "32/64 = 0.5 bits per parameter.", False),
])
def test_a_sentence_opening_with_double_quantization_is_with_it_only_for_the_after_value(
        sentence, with_dq):
    frames = [f for f in recognise(sentence).frames if f.predicate == "bits_per_param"]
    assert frames and frames[0].has("with_dq") is with_dq


def test_a_hyphenated_scale_word_is_part_of_the_number():
    got = [(q.value, q.unit) for q in find_quantities("a 4.2-million-parameter adapter")]
    assert got == [(4.2e6, "params")]
    got = [(q.value, q.unit) for q in find_quantities("a 2-bit code")]
    assert got == [(2.0, "bits")]


def test_a_reason_not_given_is_not_a_denial_of_what_it_is_the_reason_for():
    # "without explaining why X": the explaining is denied, X is taken as true
    frames = recognise("The slides show the update without explaining why B starts at "
                       "zero.").frames
    assert frames and all(f.polarity for f in frames)
    frames = recognise("The guide never explains that LoRA freezes the base weights.").frames
    assert [f.polarity for f in frames if f.predicate == "base_frozen"] == [True]
    # a verb of saying is not factive: "does not mean that X" leaves X denied as before
    frames = recognise("This does not mean that LoRA freezes the base weights.").frames
    assert [f.polarity for f in frames if f.predicate == "base_frozen"] == [False]


def test_a_dotted_name_does_not_end_the_scope_of_a_negation():
    frames = [f for f in recognise("hotswap_adapter replaces the adapter in place without "
                                   "triggering a torch.compile recompilation.").frames
              if f.predicate == "swap_recompiles"]
    assert frames and not frames[0].polarity


@pytest.mark.parametrize(("text", "low", "high"), [
    ("double quantization saves a few hundred MB", 200e6, 900e6),
    ("that trims hundreds of megabytes", 200e6, 900e6),
    ("a couple of thousand MB", 1.5e9, 3e9),
])
def test_a_size_said_by_its_order_is_a_range(text, low, high):
    q = [q for q in find_quantities(normalise(text)) if q.unit == "bytes"]
    assert [(x.value, x.high, x.bound) for x in q] == [(low, high, "range")]


def test_a_count_said_by_its_order_stays_a_hedge():
    assert not [q for q in find_quantities(normalise("a few million adapter parameters"))
                if q.unit in ("params", "count")]


@pytest.mark.parametrize("text", ["ADR-009 says the scale is alpha/r", "[15:40] the scale is "
                                  "alpha/r", "correction to 08:30: the scale is alpha/r"])
def test_identifiers_and_timestamps_state_no_number(text):
    assert [q.value for q in find_quantities(normalise(text))] == []


def test_a_ratio_written_with_a_colon_is_still_read():
    assert [q.value for q in find_quantities(normalise("a ratio of 16:1"))] == [16.0, 1.0]


@pytest.mark.parametrize(("text", "factor"), [
    ("If you double r, the number of LoRA parameters quadruples.", 4.0),
    ("Doubling the rank doubles your trainable params.", 2.0),
])
def test_a_multiplier_verb_ending_its_clause_or_before_a_possessive_is_a_factor(text, factor):
    frames = [f for f in recognise(text).frames if f.predicate == "rank_scaling"]
    assert frames and factor in [q.value for q in frames[0].quantities if q.unit == "x"]


def test_defaults_said_with_also_are_read_as_the_setting():
    c = recognise("r=8, and lora_alpha also defaults to 8, so the scale is 1.").frames[0]
    assert c.conditions.get("alpha") == 8.0 and c.conditions.get("r") == 8


@pytest.mark.parametrize(("text", "size_b"), [
    ("QLoRA 7B: fits on a 12 GB card.", 7.0),
    ("QLoRA on a 33B model squeezes into 24 GB.", 33.0),
])
def test_a_bare_size_right_after_the_method_is_its_model(text, size_b):
    frames = [f for f in recognise(text).frames if f.predicate == "fits_gpu"]
    assert frames and frames[0].conditions["model"]["size_b"] == size_b


@pytest.mark.parametrize(("text", "preset"), [
    # forums' shorthand for Llama 2 and 3
    ("On L2-13B with r=8 on q and v, PEFT reports 6.55M trainable parameters.", "llama-13b"),
    ("L3-8B in bf16 is roughly 16 GB of weights.", "llama3-8b"),
    # the size said after "with" or "of"
    ("Llama 2 with 13 billion parameters takes about 26 GB in fp16.", "llama-13b"),
    ("The Llama 2 of 70 billion, in fp16, is about 138 GB of weights.", "llama2-70b"),
])
def test_models_named_as_forums_and_translations_write_them(text, preset):
    frames = recognise(text).frames
    assert frames and frames[0].conditions["model"]["preset"] == preset


def test_l2_as_a_norm_is_no_model():
    assert all(not f.conditions.get("model") for f in recognise(
        "An L2-norm penalty of 0.01 on the 8.4M LoRA weights barely changes them.").frames)


@pytest.mark.parametrize("text", [
    "In QLoRA the LoRA adapter itself is kept in 4-bit NF4 as well.",
    "QLoRA trains the LoRA weights in 4-bit as well as the base.",
])
def test_an_adapter_said_to_be_in_4_bit_is_the_adapters_width(text):
    frames = [f for f in recognise(text, "qlora").frames if f.predicate == "quantized_4bit"]
    assert frames and any(q.role == "adapter" and q.value == 4 for q in frames[0].quantities)


def test_a_without_adjunct_before_a_verb_of_change_denies_nothing():
    (frame,) = [f for f in recognise("Keep double quantization on; without it the 4-bit base "
                                     "grows by about 0.37 bits per parameter.", "qlora").frames
                if f.predicate == "bits_per_param"]
    assert frame.polarity


@pytest.mark.parametrize(("text", "predicate", "polarity"), [
    # a list of answers, each item with its setting
    ("Extra inference latency: LoRA (merged) none, bottleneck adapters some.",
     "no_added_latency", True),
    # the card's memory said after the card, then the denial
    ("Llama-2-13B in fp16 is about 26 GB, so on a card with 24 GB it does not fit.",
     "fits_gpu", False),
    # a claim reported and then called nonsense
    ("A vendor told us that merging makes inference 30% slower, which is nonsense.",
     "no_added_latency", True),
    # people overlooking a fact do not deny it
    ("Many forget the 128k vocabulary of Llama-3-8B adds a lot of embedding rows.",
     "arch_vocab", True),
    # "without" opening a clause after "so": the adjunct, then the claim
    ("The default bnb_4bit_compute_dtype is float32, so without overriding it the matmuls ran "
     "in fp32.", "compute_dtype", True),
    # a denial of one clause does not reach the figures of the next
    ("Keep in mind a LoRA adapter is not a copy of the model: for the 7-billion-parameter "
     "Llama 2 a rank-8 one holds roughly 4.2 million parameters.", "trainable_params", True),
    # a denied figure set right after a colon: the corrected figure, affirmed
    ("NF4 is not quite 4 bits per weight: counting the block constants it comes to about "
     "4.127 bits.", "bits_per_param", True),
    # a post ending in an elliptic denial and its tags, or in a lower-case next sentence
    ("blog posts assume lora_alpha=16 is the default, it isn't #peft", "peft_default_alpha",
     False),
    ("folks keep claiming merged LoRA adds latency. it doesn't?? the merged matrix has the "
     "same shape", "no_added_latency", True),
    # a denial in a later clause of its own is not inside an "only ... updated" cue
    ("The quantized base stays frozen, gradients only pass through it on the way to the "
     "adapters, it is not updated.", "base_frozen", True),
    # a no-op is an operation that changes nothing, not a denial
    ("With B at zero the fresh adapter is a no-op.", "init_equals_base", True),
])
def test_polarity_of_clauses_people_write(text, predicate, polarity):
    frames = [f for f in recognise(text).frames if f.predicate == predicate]
    assert frames and frames[0].polarity is polarity


def test_a_corrected_figure_replaces_the_denied_one():
    (frame,) = [f for f in recognise("NF4 is not quite 4 bits per weight: counting the block "
                                     "constants it comes to about 4.127 bits.").frames
                if f.predicate == "bits_per_param"]
    assert [q.value for q in frame.quantities if q.unit == "bits"] == [4.127]


def test_a_claim_in_a_relative_clause_of_an_indefinite_subject_is_not_made():
    # which adapter is meant, as an "if" would say; a complement still states the claim
    assert not [f for f in recognise("So an adapter that shifts the logits at step zero was "
                                     "edited by hand.").frames
                if f.predicate == "init_equals_base"]
    assert [f for f in recognise("LoRA is an adapter that leaves the base weights "
                                 "unchanged.").frames if f.predicate == "base_frozen"]


def test_an_amount_before_the_word_saving_is_the_saving():
    (frame,) = [f for f in recognise("An fp32 absmax per 64 weights is 0.5 bits per parameter, "
                                     "and double quantization brings it to 0.127, hence the "
                                     "~0.37 bit saving.", "qlora").frames
                if f.predicate == "bits_per_param"]
    assert [q.role for q in frame.quantities if q.value == 0.37] == ["saving"]


def test_quantization_constants_named_are_not_the_second_level_block():
    frames = recognise("Quantization constants cost space too: with block size 64 and one fp32 "
                       "absmax per block that is 0.5 bits per weight.", "qlora").frames
    assert not any(f.predicate == "bnb_blocksize" and "level2" in f.cues for f in frames)


def test_a_tool_named_only_in_a_later_clause_is_not_the_subject():
    frames = recognise("merge_and_unload() returns a model that gives the same outputs as "
                       "base plus adapter, so you can convert it to GGUF later.").frames
    assert frames and {f.subject for f in frames} == {"lora"}


def test_an_adapter_in_series_is_a_cost_of_adapters_not_of_loading_loras():
    frames = recognise("Bottleneck adapters are inserted in series after each sublayer.").frames
    assert [(f.subject, f.predicate, f.polarity) for f in frames] == [
        ("adapter", "no_added_latency", False)]
    assert not recognise("LoRA adapters are loaded one after another from disk.").frames


def test_a_model_on_the_other_side_of_a_comparison_is_not_the_claims():
    c, _ = read_conditions("On Mistral-7B the k_proj is 4096 by 1024, smaller than on Llama-2-7B.")
    assert c["model"]["preset"] == "mistral-7b"
    c, _ = read_conditions("Its adapters are smaller than on Llama-2-7B.")
    assert "model" not in c


def test_a_method_named_only_in_a_later_relative_clause_is_not_the_subject():
    frames = recognise("Under alpha/r the update shrinks as r grows, which is what rsLoRA was "
                       "introduced to fix.").frames
    assert frames and {f.subject for f in frames} == {"lora"}


def test_a_bare_figure_after_from_a_unit_to_is_in_that_unit():
    got = [(q.value, q.unit) for q in find_quantities(normalise(
        "from 0.5 bits per parameter down to about 0.127, about 3 GB"))]
    assert got[:2] == [(0.5, "bits"), (0.127, "bits")]
    # a unit it cannot carry one for one stays with its own figure
    got = [(q.value, q.unit) for q in find_quantities(normalise("from 16 GB to 9"))]
    assert got == [(16e9, "bytes"), (9.0, "count")]


def test_a_hyphenated_no_denies_only_its_own_word():
    frames = {f.predicate: f.polarity for f in recognise(
        "The no-latency result needs BA folded into W before serving.").frames}
    assert frames.get("mergeable") is True and frames.get("no_added_latency") is True


def test_a_not_answer_with_its_setting_goes_on_as_the_clause():
    assert normalise("Q: Does LoRA slow down decoding? A: Not once merged.") == (
        "Does not LoRA slow down decoding once merged.")


@pytest.mark.parametrize(("text", "polarity"), [
    ("Merged LoRA gives zero-latency inference.", True),
    ("Once merged, LoRA serving is latency-free.", True),
    ("Unmerged LoRA is not zero-latency: each layer runs an extra matmul.", False),
    ("An unmerged adapter is never latency-free.", False),
])
def test_a_compound_that_denies_its_word_is_read_as_a_denial(text, polarity):
    frames = [f for f in recognise(text).frames if f.predicate == "no_added_latency"]
    assert frames and frames[0].polarity is polarity


def test_what_the_writer_disagrees_with_is_denied():
    frames = [f for f in recognise("We disagree that merged LoRA adds inference latency.").frames
              if f.predicate == "no_added_latency"]
    assert frames and frames[0].polarity


def test_a_cue_whose_words_are_a_group_fills_only_those_words():
    # a settings list after a verb of defaults: the `w` group of each setting's cue fills only
    # its own "name=value", so every setting gives its own frame with its own value, and the
    # values chosen before the defaults are said are not read as the defaults
    frames = recognise("We use r=16 and lora_alpha=32; left out, LoraConfig falls back to "
                       "r=8 and lora_alpha=8 and lora_dropout=0.0.").frames
    got = {f.predicate: f.text[f.spans["predicate"][0]:f.spans["predicate"][1]]
           for f in frames if f.predicate.startswith("peft_default")}
    assert got == {"peft_default_rank": "r=8", "peft_default_alpha": "lora_alpha=8",
                   "peft_default_dropout": "lora_dropout=0.0"}


@pytest.mark.parametrize(("text", "expected"), [
    # the answer word "no" is rewritten into the question's denial
    ("Q: Does merged LoRA add latency? A: No, the weights are folded in.",
     "It is false that merged LoRA add latency. the weights are folded in."),
    # "no" that opens the answer's own noun phrase is the answer's words, left as written
    ("Ana asked if the base gets gradients; answer: no gradients are stored for the base.",
     "Ana asked if the base gets gradients; answer: no gradients are stored for the base."),
])
def test_no_as_an_answer_and_no_as_a_determiner(text, expected):
    assert normalise(text) == expected
