"""lora.rank_scaling: how LoRA's trainable parameters grow with r, counted with PEFT on a tiny
random Llama at several ranks (no mocks, no downloads)."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.rank_scaling import VERIFIER, _counts

pytestmark = pytest.mark.skipif(not peft_available(), reason="peft / transformers not installed")


def _verdict(sentence: str) -> str:
    (frame,) = [f for f in pairing(sentence).frames if f.verifier == VERIFIER.id]
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    swap = {"supported": "refuted", "refuted": "supported"}
    return out["verdict"] if frame.polarity else swap.get(out["verdict"], out["verdict"])


def test_the_count_doubles_with_the_rank():
    counts = _counts()
    assert counts[8] == 2 * counts[4] and counts[32] == 4 * counts[8]
    # r * (d_in + d_out) over the seven block linears of two layers (hidden 64, MLP 128)
    assert counts[4] == 2 * 4 * (4 * (64 + 64) + 2 * (64 + 128) + (128 + 64))


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("The adapter's parameter count is linear in the rank r.", "supported"),
    ("LoRA's trainable weights grow with the square of the rank.", "refuted"),
    ("Halving the rank halves the number of trainable parameters.", "supported"),
    ("Cutting the rank from r=32 to r=8 leaves a quarter as many trainable parameters.",
     "supported"),
    ("Moving from r=8 to r=16 makes the trainable count 4x larger.", "refuted"),
    ("Doubling the rank does not double the trainable parameters.", "refuted"),
    # as people write it in talks and comments
    ("so if you go from rank 8 to rank 16 you are quadrupling the trainable parameters, since "
     "it is r squared", "refuted"),
    ("The count of trainable parameters in each adapted layer grows with r^2.", "refuted"),
    ("No, the trainable parameter number grows linear with r.", "supported"),
])
def test_claims_about_the_growth(sentence, verdict):
    assert _verdict(sentence) == verdict


def test_a_change_of_scale_is_not_a_change_of_the_count():
    assert not any(f.verifier == VERIFIER.id for f in pairing(
        "Doubling the rank with lora_alpha fixed halves the scale of the update.").frames)
