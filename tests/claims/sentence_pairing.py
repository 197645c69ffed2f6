"""Helpers the reading tests share: one sentence paired as an article body's claim, the
parameters one verifier got from it, and the frames of one predicate read from a sentence."""

from __future__ import annotations

from kbcheck.claims.recognise import recognise
from kbcheck.models import Claim
from kbcheck.pairing import pair_claim
from verifiers import registry

_REGISTRY = registry(include_entry_points=False)


def pair(sentence: str):
    """The pairing of one body sentence, read with LoRA as the article's subject."""
    return pair_claim(Claim(id="t", path="t.md", text=sentence, origin="body"), _REGISTRY,
                      default_subject="lora")[0]


def params_of(sentence: str, verifier: str) -> dict | str | None:
    """The parameters the first frame paired with `verifier` got (None: no such frame)."""
    return next((f.params for f in pair(sentence).frames if f.verifier == verifier), None)


def frames_of(sentence: str, predicate: str):
    """The frames of one predicate read from a sentence."""
    return [f for f in recognise(sentence).frames if f.predicate == predicate]
