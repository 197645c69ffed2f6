"""lora.loraplus: shapes, PEFT's parameter groups, and the toy convergence experiment."""

import pytest

from verifiers._base import normalise
from verifiers._tiny import peft_available
from verifiers.loraplus import VERIFIER, _convergence_verdict, experiment

needs_peft = pytest.mark.skipif(not peft_available(), reason="peft not installed")


def _match(sentence: str) -> tuple[dict, dict] | None:
    """(fixed params, extracted params) of the best-matching shape, None when none match."""
    text = normalise(sentence)
    hits = [(s, s.match(text)) for s in VERIFIER.shapes if s.match(text) is not None]
    if not hits:
        return None
    shape, raw = max(hits, key=lambda h: h[0].weight)
    return dict(shape.fixed), raw


@pytest.mark.parametrize(("sentence", "claim"), [
    ("| **LoRA+** | Different learning rates for A and B matrices improve convergence |",
     "improves_convergence"),
    ("Different learning rates for A and B matrices improve convergence", "improves_convergence"),
    ("Using a larger learning rate for B (LoRA+) speeds up fine-tuning by up to 2x.",
     "improves_convergence"),
    ("LoRA+ trains the B matrix with a higher learning rate than A.", "different_lr"),
    ("LoRA+ uses separate learning rates for the two adapter matrices.", "different_lr"),
    ("LoRA+ trains both matrices with the same learning rate.", "same_lr"),
    ("In LoRA+, matrix A gets a higher learning rate than B.", "a_higher_lr"),
    ("LoRA+'s separate learning rates do not improve convergence.", "no_effect"),
])
def test_shapes(sentence, claim):
    assert _match(sentence)[0]["claim"] == claim


def test_ratio_is_extracted_and_parsed():
    fixed, raw = _match("LoRA+ sets the learning rate of B 16 times higher than that of A.")
    assert fixed["claim"] == "different_lr" and raw == {"ratio": "16"}
    assert VERIFIER.resolve_params({**fixed, **raw})["ratio"] == 16.0
    _, raw = _match("LoRA+ with a learning rate ratio of 8 converges faster.")
    assert raw == {"ratio": "8"}
    assert _match("LoRA uses a learning rate of 2e-4.") is None


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
