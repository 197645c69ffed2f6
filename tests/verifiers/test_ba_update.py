"""lora.ba_update: shape, rank, scale and zero-init of the update B A."""

import pytest
from paired import pairing

from verifiers.ba_update import VERIFIER


def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "claim", "denied"), [
    ("For a weight matrix W, the update is W' = W + BA, where B and A have much lower rank "
     "than W.",
     "delta_shape", False),
    ("LoRA constrains that update to the form A x B where A and B are much smaller than W.",
     "delta_shape", False),
    ("self.scaling = alpha / r",
     "scaling", False),
    ("Its forward pass equals the base model's at initialisation (d=64, k=32, r=4, alpha=8).",
     "init_equals_base", False),
    ("Because B is initialised to zero, the adapted model starts out identical to the base "
     "model.",
     "init_equals_base", False),
    ("With B initialised randomly, the LoRA model's output is the same as the base at "
     "initialization.",
     "init_equals_base", False),
    ("Even at initialization the LoRA branch changes the model's output.",
     "init_equals_base", True),
    ("B is initialized to zero so that BA = 0 at the start of training.",
     "init_equals_base", False),
    ("The initial LoRA model is different from the base model.",
     "init_equals_base", True),
    ("The update ΔW = B·A has the same d×k shape as W.",
     "delta_shape", False),
    ("The rank of ΔW can never exceed r.",
     "rank_at_most_r", False),
    ("LoRA's update ΔW is full-rank.",
     "rank_at_most_r", True),
    ("rsLoRA scales the update by alpha/sqrt(r).",
     "scaling", False),
    ("rsLoRA scales the update by alpha / r.",
     "scaling", False),
    ("LoRA multiplies the update by alpha/√r.",
     "scaling", False),
    ("Setting use_rslora=True changes the scale from lora_alpha/r to lora_alpha/math.sqrt(r).",
     "scaling", False),
])
def test_sentences_pair_with_claim_and_polarity(sentence, claim, denied):
    """A denied frame keeps the claim as named: the pipeline turns its verdict round."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["claim"] == claim and frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "DoRA starts out identical to the base model at initialisation.",
])
def test_other_sentences_do_not_pair_here(sentence):
    """A DoRA sentence is DoRA's."""
    assert _frame(sentence) is None


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert pairing(sentence).verifier == VERIFIER.id, pairing(sentence).reason


def test_sizes_stated_in_the_sentence_are_the_params():
    frame = _frame("Its forward pass equals the base model's at initialisation "
                   "(d=64, k=32, r=4, alpha=8).")
    assert frame.params == {"claim": "init_equals_base", "d": 64, "k": 32, "r": 4,
                            "alpha": 8.0, "b_init": "zeros"}
    frame = _frame("On a 4096-by-4096 layer with r=16, the update ends up full-rank.")
    assert frame.params == {"claim": "rank_at_most_r", "d": 4096, "k": 4096, "r": 16}
    assert not frame.polarity


@pytest.mark.parametrize(("sentence", "expect"), [
    ("With B initialised randomly, the LoRA model's output is the same as the base at "
     "initialization.", {"b_init": "random"}),
    ("LoRA constrains that update to the form A x B where A and B are much smaller than W.",
     {"order": "AB"}),
    ("The update is delta W = BA.", {"order": "BA"}),
    ("Exchange the two inits (A zero, B random) and the output at step 0 still equals the "
     "base model's.", {"b_init": "swapped"}),
    ("At the start B is random and A is zero, so the update is zero.", {"a_dist": "zero"}),
    ("rsLoRA scales the update by alpha/sqrt(r).",
     {"scaling_form": "alpha/sqrt(r)", "rslora": True}),
    ("rsLoRA scales the update by alpha / r.", {"scaling_form": "alpha/r", "rslora": True}),
    ("LoRA multiplies the update by alpha/√r.",
     {"scaling_form": "alpha/sqrt(r)", "rslora": False}),
    ("Setting use_rslora=True changes the scale from lora_alpha/r to lora_alpha/math.sqrt(r).",
     {"scaling_form": "alpha/sqrt(r)", "rslora": True}),
])
def test_facets_and_subject_set_the_params(sentence, expect):
    params = _frame(sentence).params
    assert {k: params.get(k) for k in expect} == expect


def test_both_scales_without_rslora_are_not_assigned():
    frame = pairing("LoRA's update is scaled by alpha/r, and by alpha/sqrt(r) too.").frames[0]
    assert frame.verifier is None and "which belongs to which" in frame.reason


def test_a_scale_set_aside_is_not_the_one_stated():
    frame = pairing("LoRA scales its update by alpha/r rather than alpha/sqrt(r).").frames[0]
    assert frame.verifier == "lora.ba_update" and frame.params["scaling_form"] == "alpha/r"


def test_rslora_named_in_a_later_clause_of_advice_is_not_the_claims_scale():
    params = _frame("lora_alpha=32 with r=64 gives alpha/r = 0.5; if you wanted rsLoRA, pass "
                    "use_rslora=True, which makes it 4.0.").params
    assert params["rslora"] is False and params["scale_value"] == 0.5


@pytest.mark.parametrize("sentence", [
    "Going from r=8 to r=32 at fixed alpha halves rsLoRA's scale, compared with a 4x drop "
    "under plain LoRA.",
    "With rsLoRA on, moving r from 8 to 32 only halves the scale, not 4x as with the standard "
    "scaling.",
])
def test_a_factor_said_of_plain_lora_in_an_rslora_sentence_is_set_aside(sentence):
    params = _frame(sentence).params
    assert params["rslora"] is True and params["scale_factor"] == pytest.approx(0.5)


def _run(**raw):
    return VERIFIER.run(VERIFIER.resolve_params(raw))


def test_zero_init_equals_base_exactly_and_random_b_does_not():
    out = _run(claim="init_equals_base", d=64, k=32, r=4, alpha=8)
    assert out["verdict"] == "supported"
    assert out["measured"]["reference"]["max_abs_diff"] == 0.0
    assert _run(claim="init_changes_output", d=64, k=32, r=4)["verdict"] == "refuted"
    random_b = _run(claim="init_equals_base", d=64, k=32, r=4, b_init="random")
    assert random_b["verdict"] == "refuted"
    assert random_b["measured"]["reference"]["max_abs_diff"] > 0
    # the roles exchanged (A zero, B random): B A is zero all the same, in both halves
    swapped = _run(claim="init_equals_base", d=64, k=32, r=4, b_init="swapped")
    assert swapped["verdict"] == "supported"
    assert swapped["measured"]["reference"]["max_abs_diff"] == 0.0
    assert swapped["measured"]["peft"]["max_abs_diff"] == 0.0


def test_delta_shape_and_factor_order():
    out = _run(claim="delta_shape", d=4096, k=11008, r=16)
    assert out["verdict"] == "supported"
    assert out["measured"]["reference"]["delta_shape"] == [4096, 11008]
    assert out["measured"]["reference"]["device"] == "meta"
    assert _run(claim="delta_shape", order="AB", d=64, k=32)["verdict"] == "conditional"


def test_rank_measured_at_most_r_and_full_rank_refuted():
    out = _run(claim="rank_at_most_r", d=96, k=80, r=6)
    assert out["verdict"] == "supported" and out["measured"]["reference"]["rank"] == 6
    wrong = _run(claim="full_rank", d=96, k=80, r=6)
    assert wrong["verdict"] == "refuted" and wrong["measured"]["reference"]["min_dk"] == 80


def test_scaling_both_directions():
    assert _run(claim="scaling", scaling_form="alpha/r", r=8, alpha=16)["verdict"] == "supported"
    rs = _run(claim="scaling", scaling_form="alpha/sqrt(r)", rslora=True, r=16, alpha=16)
    assert rs["verdict"] == "supported"
    assert rs["measured"]["reference"]["effective_scaling"] == pytest.approx(4.0, rel=1e-5)
    assert _run(claim="scaling", scaling_form="alpha/r", rslora=True, r=16)["verdict"] == \
        "refuted"
    assert _run(claim="scaling", scaling_form="alpha/sqrt(r)", r=16)["verdict"] == "conditional"


def test_rank_of_a_stated_huge_matrix_is_measured_on_a_capped_slice():
    out = _run(claim="rank_at_most_r", d=65536, k=65536, r=16)
    ref = out["measured"]["reference"]
    assert out["verdict"] == "supported" and ref["rank"] == 16 and ref["min_dk"] == 65536
    assert "measured at d=4096" in ref["rank_method"]


@pytest.mark.parametrize(("sentence", "value", "verdict"), [
    # alpha/r = 32/16 = 2, so "4" is wrong and "2" right
    ("At rank 16 with lora_alpha=32 the adapter's contribution is multiplied by 4.", 4.0,
     "refuted"),
    ("At rank 16 with lora_alpha=32 the adapter's contribution is multiplied by 2.", 2.0,
     "supported"),
    # rsLoRA: 32/sqrt(16) = 8
    ("rsLoRA at r=16 and alpha=32 scales the update by a factor of 8.", 8.0, "supported"),
])
def test_a_stated_scale_value_is_measured(sentence, value, verdict):
    frame = _frame(sentence)
    assert frame is not None and frame.params["scale_value"] == value, pairing(sentence).reason
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == verdict, out["explanation"]


def test_a_scale_value_without_alpha_and_r_holds_for_some_alpha():
    # any scale is some alpha/r: measured at PEFT's default rank with the alpha that gives it,
    # it holds there, a condition the sentence leaves out (conditional, never refuted)
    frame = next(f for f in pairing("The low-rank update gets scaled by a factor of 2 before it "
                                    "is added.").frames if f.predicate == "scaling")
    assert frame.params["scale_value"] == 2.0 and not frame.open
    assert frame.params["r"] == 8 and frame.params["alpha"] == 16.0 and frame.condition
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == "supported", out["explanation"]


@pytest.mark.parametrize(("sentence", "dist", "source", "verdict"), [
    # PEFT's default A is Kaiming-uniform, the paper's (and PEFT's "gaussian" option) Gaussian
    ("The down-projection A gets initialised from a Gaussian, while B is all zeros.",
     "gaussian", "", "conditional"),
    ("Out of the box, PEFT sets lora_A with Kaiming-uniform init.", "kaiming_uniform", "peft",
     "supported"),
    ("By default PEFT draws lora_A from a normal distribution.", "gaussian", "peft", "refuted"),
    ("According to the paper, matrix A is initialised with Gaussian noise.", "gaussian", "paper",
     "supported"),
    ("Matrix A is initialised at random.", "random", "", "supported"),
    # the Gaussian option set: that option is measured, its spread too (std 1/r)
    ("With init_lora_weights='gaussian', lora_A is drawn from a normal distribution whose "
     "standard deviation is 1/r.", "gaussian", "peft_gaussian", "supported"),
    ("With init_lora_weights='gaussian', PEFT samples A from a normal distribution with a "
     "standard deviation of 1/sqrt(r).", "gaussian", "peft_gaussian", "refuted"),
    ("Passing init_lora_weights='gaussian' makes PEFT initialise lora_A with Kaiming-uniform "
     "values.", "kaiming_uniform", "peft_gaussian", "refuted"),
])
def test_how_a_starts_is_measured_on_peft_and_on_the_paper(sentence, dist, source, verdict):
    frame = next((f for f in pairing(sentence).frames if f.predicate == "a_init"), None)
    assert frame is not None, pairing(sentence).reason
    assert (frame.params["a_dist"], frame.params["source"]) == (dist, source)
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == verdict, out["explanation"]
    if "skipped" not in out["measured"]["peft_default"]:
        default = out["measured"]["peft_default"]
        assert default["kind"] == "kaiming_uniform" and default["within_bound"]
    assert out["measured"]["paper_reference"]["kind"] == "gaussian"


def test_a_gaussian_and_a_uniform_both_named_read_as_random():
    frame = next(f for f in pairing("A starts from random normal values (in practice PEFT uses "
                                    "Kaiming-uniform).").frames if f.predicate == "a_init")
    assert frame.params["a_dist"] == "random"


def test_a_said_to_start_at_zero_is_measured_and_refuted():
    frame = next(f for f in pairing("With LoRA, both A and B begin as all-zero matrices.").frames
                 if f.verifier == VERIFIER.id)
    assert frame.params["claim"] == "a_init" and frame.params["a_dist"] == "zero"
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == "refuted", out["explanation"]


def test_a_as_a_formula_and_the_verb_first():
    frame = next(f for f in pairing("With init_lora_weights=True, PEFT draws A ~ N(0, s^2) and "
                                    "sets B = 0.").frames if f.predicate == "a_init")
    assert frame.params["a_dist"] == "gaussian" and frame.params["source"] == "peft"
    assert VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"] == "refuted"
    frame = next(f for f in pairing("The recipe starts A from a small random Gaussian.").frames
                 if f.predicate == "a_init")
    assert frame.params["a_dist"] == "gaussian"


def test_a_scale_value_above_peft_s_rank_cap_is_judged_on_the_reference():
    frame = next(f for f in pairing("With use_rslora=True, r=256 and lora_alpha=32 the scale "
                                    "is 2.").frames if f.predicate == "scaling")
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == "supported", out["explanation"]


@pytest.mark.parametrize(("sentence", "per_r", "verdict"), [
    # alpha tied to r with no r stated: measured at several ranks (alpha/r is the same at each)
    ("With use_rslora=False, making lora_alpha equal to the rank gives a scale of 1.", 1.0,
     "supported"),
    ("Setting alpha = 2r without rsLoRA leaves the update multiplied by 4.", 2.0, "refuted"),
    # the form unnamed: LoRA's alpha/r is the scale (rsLoRA is a variant a sentence names)
    ("If alpha matches r, the scaling factor is 1.", 1.0, "supported"),
    # rsLoRA: alpha/sqrt(r) = sqrt(r) at alpha = r, 1 only at r = 1
    ("With rsLoRA, lora_alpha equal to r makes the scale exactly 1.", 1.0, "refuted"),
])
def test_alpha_tied_to_the_rank_is_measured_at_several_ranks(sentence, per_r, verdict):
    frame = next((f for f in pairing(sentence).frames if f.predicate == "scaling"), None)
    assert frame is not None and frame.params.get("alpha_per_r") == per_r, pairing(sentence).reason
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    got = "conditional" if out["verdict"] == "supported" and frame.condition else out["verdict"]
    assert got == verdict, out["explanation"]
    scales = {k: v["effective_scaling"] for k, v in out["measured"].items()}
    assert len(scales) == 3
    if frame.params["rslora"]:
        assert len({round(s, 6) for s in scales.values()}) == 3
    else:
        assert all(abs(s - per_r) < 1e-6 for s in scales.values())


def test_a_kind_named_in_a_consequence_is_not_a_second_option_for_a():
    frame = next(f for f in pairing("PEFT fills lora_A from a Gaussian by default, so its "
                                    "Kaiming branch never runs.").frames
                 if f.predicate == "a_init")
    assert frame.params["a_dist"] == "gaussian" and frame.params["source"] == "peft"
    assert VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"] == "refuted"


@pytest.mark.parametrize(("sentence", "denied"), [
    ("PEFT drops the alpha/r scaling when it merges, adding the bare B @ A to the weight.", True),
    ("merge_and_unload keeps the alpha/r scale: it writes W0 + (alpha/r) B A.", False),
])
def test_the_scale_at_merge_time_is_read_back_from_peft(sentence, denied):
    frame = next((f for f in pairing(sentence).frames if f.params.get("claim") ==
                  "merge_scaled"), None)
    if denied:
        assert frame is not None and frame.polarity is False, pairing(sentence).frames
    got = VERIFIER.run(VERIFIER.resolve_params({"claim": "merge_scaled"}))
    assert got["verdict"] == "supported", got["explanation"]
    assert got["measured"]["off_w0_plus_sBA"] < 1e-6 < got["measured"]["off_w0_plus_BA"]


@pytest.mark.parametrize(("r", "factor", "verdict"), [(16, 4.0, "supported"),
                                                     (64, 4.0, "refuted"), (9, 3.0, "supported")])
def test_switching_rslora_on_multiplies_the_scale_by_the_root_of_the_rank(r, factor, verdict):
    out = _run(claim="scaling", relation="factor", varied="rslora", r=r, alpha=16,
               scale_factor=factor, scale_tol=0.1)
    assert out["verdict"] == verdict, out["explanation"]
    assert all(abs(x["ratio"] - r ** 0.5) < 1e-3 for x in out["measured"].values())


@pytest.mark.parametrize(("sentence", "target", "verdict"), [
    # rsLoRA's factor said to act on the learning rate: the output carries it, so it is false
    ("Turning on rsLoRA only means the learning rate gets multiplied by a factor during "
     "training.", "learning_rate", "refuted"),
    ("With use_rslora, PEFT rescales the adapters' learning rate by sqrt(r).", "learning_rate",
     "refuted"),
    # a denied learning-rate change, or an analogy, is no such claim
    ("rsLoRA does not change the learning rate; it changes the factor in front of BA.",
     "output", "supported"),
    ("The rsLoRA factor works like a learning-rate change for large ranks.", "output",
     "supported"),
])
def test_a_factor_said_to_act_on_the_learning_rate_is_measured_on_the_output(sentence, target,
                                                                             verdict):
    frame = _frame(sentence)
    assert frame is not None and frame.params.get("rslora") is True, pairing(sentence).frames
    assert frame.params.get("scale_target", "output") == target, frame.params
    out = _run(**frame.params)
    assert out["verdict"] == verdict, out["explanation"]
    if target == "learning_rate":
        ref = out["measured"]["reference"]
        assert abs(ref["effective_scaling"] - ref["formula alpha/sqrt(r)"]) < 1e-5
        assert abs(ref["effective_scaling"] - ref["formula alpha/r"]) > 1.0


@pytest.mark.parametrize(("sentence", "times", "verdict"), [
    # plain LoRA set up to give rsLoRA's scale: alpha x sqrt(r) does, alpha x r does not
    ("A loader without rsLoRA support reproduces an rsLoRA adapter if you multiply lora_alpha "
     "by sqrt(r).", "sqrt(r)", "supported"),
    ("The workaround for rs_lora adapters is to multiply alpha by the rank in the config.", "r",
     "refuted"),
])
def test_plain_lora_set_up_to_give_rsloras_scale_is_measured_both_ways(sentence, times,
                                                                       verdict):
    frame = _frame(sentence)
    assert frame is not None and frame.params.get("alpha_times") == times, pairing(
        sentence).frames
    out = _run(**frame.params)
    assert out["verdict"] == verdict, out["explanation"]
    assert all(x["rslora"] > 0 for x in out["measured"].values())
