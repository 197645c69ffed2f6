"""lora.loraplus: shapes, PEFT's parameter groups, and the toy convergence experiment."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.loraplus import VERIFIER, _convergence_verdict, experiment

needs_peft = pytest.mark.skipif(not peft_available(), reason="peft not installed")


def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "claim", "denied"), [
    ("| **LoRA+** | Different learning rates for A and B matrices improve convergence |",
     "improves_convergence", False),
    ("Different learning rates for A and B matrices improve convergence",
     "improves_convergence", False),
    ("Using a larger learning rate for B (LoRA+) speeds up fine-tuning by up to 2x.",
     "improves_convergence", False),
    ("LoRA+ trains the B matrix with a higher learning rate than A.",
     "different_lr", False),
    ("LoRA+ uses separate learning rates for the two adapter matrices.",
     "different_lr", False),
    ("LoRA+ trains both matrices with the same learning rate.",
     "same_lr", False),
    ("In LoRA+, matrix A gets a higher learning rate than B.",
     "a_higher_lr", False),
    ("LoRA+'s separate learning rates do not improve convergence.",
     "improves_convergence", True),
    ("LoRA+ sets the learning rate of B 16 times higher than that of A.",
     "different_lr", False),
    ("LoRA+ divides B's learning rate by lambda.",
     "a_higher_lr", False),
    # a shared rate denied ("shouldn't"), with B given the larger one: the denial is judged
    ("LoRA+ says A and B shouldn't share a learning rate; B gets the bigger one.", "same_lr",
     True),
    # the matrix said to learn faster, the other left unnamed
    ("With a ratio of 16, it is the matrix A that learns more quickly in LoRA+.",
     "a_higher_lr", False),
])
def test_sentences_pair_with_claim_and_polarity(sentence, claim, denied):
    """A denied frame keeps the claim as named: the pipeline turns its verdict round."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["claim"] == claim and frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "LoRA uses a learning rate of 2e-4.",
    "LoRA converges faster than full fine-tuning.",
    "LoRA+ improves accuracy by one to two points on harder tasks.",
])
def test_other_sentences_do_not_pair_here(sentence):
    """A learning rate of LoRA, LoRA's convergence, a benchmark score."""
    assert _frame(sentence) is None


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert pairing(sentence).verifier == VERIFIER.id, pairing(sentence).reason


@pytest.mark.parametrize("sentence", [
    "The LoRA+ authors recommend a ratio of about 2 between B's and A's learning rates.",
    "LoRA+ sets eta_B = lambda * eta_A, and the paper suggests lambda of 4.",
])
def test_a_ratio_said_to_be_recommended_is_the_papers_finding_not_measured(sentence):
    p = pairing(sentence)
    assert all(f.verifier != VERIFIER.id for f in p.frames)
    assert any("recommend" in (f.reason or "") for f in p.frames)


def test_a_shared_rate_denied_beside_the_wrong_direction_is_not_judged_by_the_denial():
    p = pairing("The LoRA+ authors argue that A and B should not share a learning rate and give "
                "A the larger one.")
    assert all(f.verifier != VERIFIER.id for f in p.frames)


def test_ratio_and_direction_are_read():
    assert _frame("LoRA+ sets the learning rate of B 16 times higher than that of "
                  "A.").params == {"claim": "different_lr", "ratio": 16.0}
    assert _frame("Under LoRA+, A's learning rate is 16 times that of B.").params == {
        "claim": "a_higher_lr", "ratio": 16.0}
    # LoRA (not LoRA+) by name, with B's rate raised: the LoRA+ claim without the name
    assert _frame("Setting B's learning rate higher makes LoRA converge "
                  "faster.").params == {"claim": "improves_convergence"}

@pytest.mark.parametrize(("sentence", "holds_for_lambda"), [
    # said flatly, the ratio is one choice of a hyperparameter
    ("In LoRA+ the B matrices always learn at exactly 16x the rate of the A matrices.", True),
    ("LoRA+: lr(B) is 8 times lr(A).", True),
    # hedged, or said to be a setting: a fact as stated
    ("Under LoRA+, B usually gets roughly sixteen times A's learning rate.", False),
    ("A ratio of 16 between B's and A's learning rates is the recommended default for LoRA+.",
     False),
    ("For this run we set B's learning rate to 16 times that of A, as LoRA+ does.", False),
    ("LoRA+ | lr(B) / lr(A) = 16", False),
])
def test_a_flat_ratio_holds_for_that_choice_of_lambda(sentence, holds_for_lambda):
    frame = _frame(sentence)
    assert frame is not None and frame.params["claim"] == "different_lr", pairing(sentence)
    assert ("hyperparameter" in frame.condition) is holds_for_lambda, frame


@needs_peft
def test_peft_groups_support_different_and_refute_same():
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": "different_lr", "ratio": 8}))
    assert res["verdict"] == "supported", res["explanation"]
    groups = res["measured"]["peft"]
    assert groups["lr_A"] == [1e-3] and groups["lr_B"] == [pytest.approx(8e-3)]
    assert groups["ratio_B_over_A"] == pytest.approx(8.0)
    # every A in a group of its own, every B in another
    assert all(g["params"]["A"] == 0 or g["params"]["B"] == 0 for g in res["measured"]["peft"]
               ["groups"])
    for claim in ("same_lr", "a_higher_lr"):
        res = VERIFIER.run(VERIFIER.resolve_params({"claim": claim}))
        assert res["verdict"] == "refuted", res["explanation"]
        assert res["measured"]["peft"]["lr_B"] == [pytest.approx(16e-3)]


@needs_peft
def test_loraplus_trains_exactly_loras_parameters():
    """LoRA+ changes the optimizer's learning rates only: its groups hold every trainable
    tensor of the LoRA model and nothing else."""
    for text, polarity in (("LoRA+ introduces no extra trainable parameters.", True),
                           ("LoRA+ adds new matrices next to A and B.", False),
                           ("A LoRA+ adapter has the same tensors as a plain LoRA adapter.",
                            True)):
        frame = _frame(text)
        assert frame is not None and frame.params == {"claim": "same_params"}, text
        assert frame.polarity is polarity, text
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": "same_params"}))
    assert res["verdict"] == "supported", res["explanation"]
    peft = res["measured"]["peft"]
    assert peft["same_tensors"] and peft["optimizer_params"] == peft["lora_trainable"] > 0


@pytest.fixture(scope="module")
def small_experiment():
    return experiment(VERIFIER.resolve_params({"seeds": 2, "steps": 60}))


def test_experiment_reports_every_seed_and_both_comparisons(small_experiment):
    exp = small_experiment
    for pair in (exp["same_lr_A"], exp["tuned"]):
        for arm in pair.values():
            assert len(arm["final_loss"]) == 2 and len(arm["steps_to_target"]) == 2
            assert arm["final_mean"] > 0
    assert exp["same_lr_A"]["loraplus"]["lr_B"] == pytest.approx(16 * exp["same_lr_A"]["lora"]
                                                                 ["lr_B"])


def test_convergence_is_never_more_than_conditional(small_experiment):
    verdict, text = _convergence_verdict("improves_convergence", small_experiment)
    assert verdict in ("conditional", "unverifiable")
    assert "toy task" in text and "seeds" in text
    # "makes no difference" is refuted exactly when a comparison found a difference
    verdict, _ = _convergence_verdict("no_effect", small_experiment)
    found = small_experiment["faster_at_same_lr_A"] or small_experiment["faster_when_tuned"]
    assert verdict == ("refuted" if found else "unverifiable")


def test_no_speed_up_is_not_reported_as_conditional():
    exp = experiment(VERIFIER.resolve_params({"seeds": 2, "steps": 20, "ratio": 1}))
    # ratio 1 is plain LoRA against itself: the arms are identical, so nothing is faster
    assert not exp["faster_at_same_lr_A"] and not exp["faster_when_tuned"]
    assert _convergence_verdict("improves_convergence", exp)[0] == "unverifiable"


def test_a_speed_up_reported_with_task_scores_is_not_re_measured_on_the_toy_task():
    frame = next(f for f in pairing("LoRA+ lifted our eval by 1.5 points and converged in "
                                    "half the steps.").frames if f.predicate == "convergence")
    assert frame.verifier is None and "task scores" in frame.reason
    frame = next(f for f in pairing("LoRA+ converges faster than LoRA at the same learning "
                                    "rate for A.").frames if f.predicate == "convergence")
    assert frame.verifier == VERIFIER.id


@needs_peft
def test_what_create_loraplus_optimizer_takes_and_defaults_to_is_called_for():
    """The API of PEFT's LoRA+ entry point, read by calling it on a tiny Llama: the keyword it
    takes, the one it needs, and the embedding's rate when its keyword is left out."""
    cases = [
        ("PEFT's create_loraplus_optimizer takes a loraplus_lr_ratio argument.",
         {"arg": "loraplus_lr_ratio"}, True, "supported"),
        ("loraplus_lr_ratio has no default in create_loraplus_optimizer.",
         {"arg": "loraplus_lr_ratio", "has_default": True}, False, "supported"),
        ("PEFT's create_loraplus_optimizer has no default for loraplus_lr_ratio.",
         {"arg": "loraplus_lr_ratio", "has_default": True}, False, "supported"),
        ("create_loraplus_optimizer has no default for loraplus_lr_embedding.",
         {"arg": "loraplus_lr_embedding", "has_default": True}, False, "refuted"),
        ("In create_loraplus_optimizer, loraplus_lr_ratio defaults to 16.",
         {"arg": "loraplus_lr_ratio", "default": 16.0}, True, "refuted"),
        ("With LoRA on the embedding too, create_loraplus_optimizer trains it at "
         "loraplus_lr_embedding, which defaults to 1e-6.",
         {"arg": "loraplus_lr_embedding", "default": 1e-6}, True, "supported"),
        ("loraplus_lr_embedding defaults to 1e-4 in create_loraplus_optimizer.",
         {"arg": "loraplus_lr_embedding", "default": 1e-4}, True, "refuted"),
        # a default told as what happens when the argument is not passed, and an argument
        # named in a sentence whose subject is not LoRA+ by name
        ("If you omit loraplus_lr_ratio, PEFT's helper uses the authors' 16.",
         {"arg": "loraplus_lr_ratio", "default": 16.0}, True, "refuted"),
        ("When you don't pass loraplus_lr_ratio, create_loraplus_optimizer falls back to "
         "the paper's value of 16.", {"arg": "loraplus_lr_ratio", "default": 16.0}, True,
         "refuted"),
        ("The LoRA weights of an embedding layer use loraplus_lr_embedding, whose default "
         "is 1e-6.", {"arg": "loraplus_lr_embedding", "default": 1e-6}, True, "supported"),
    ]
    for text, want, polarity, verdict in cases:
        frame = _frame(text)
        assert frame is not None, (text, pairing(text).reason)
        assert frame.params["claim"] == "api" and frame.polarity is polarity, (text, frame)
        for k, v in want.items():
            assert frame.params[k] == pytest.approx(v), (text, frame.params)
        res = VERIFIER.run(VERIFIER.resolve_params(frame.params))
        got = res["verdict"] if polarity else {"supported": "refuted",
                                               "refuted": "supported"}[res["verdict"]]
        assert got == verdict, (text, res["explanation"])
    # another tool's setting of the same name is not PEFT's
    assert _frame("In axolotl, loraplus_lr_ratio defaults to 16.") is None
