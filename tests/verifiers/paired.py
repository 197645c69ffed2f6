"""A sentence through the real pairing (claim frames -> registry), for the verifier tests."""

from __future__ import annotations

from typing import Any

from kbcheck.models import Claim
from kbcheck.pairing import pair_claim
from verifiers import registry
from verifiers._base import Verifier

_REGISTRY = registry(include_entry_points=False)


def pairing(sentence: str, subject: str = "lora"):
    """The real `Pairing` of one sentence (no article context beyond `subject`)."""
    claim = Claim(id="t", path="t.md", text=sentence, origin="body")
    return pair_claim(claim, _REGISTRY, default_subject=subject)[0]


def paired_params(verifier: Verifier, sentence: str, subject: str = "lora"
                  ) -> dict[str, Any] | None:
    """The resolved params of the first frame of `sentence` that pairs with `verifier`, or
    None."""
    for frame in pairing(sentence, subject).frames:
        if frame.verifier == verifier.id:
            return verifier.resolve_params(frame.params)
    return None


def best_verifier(verifiers: list[Verifier], sentence: str) -> tuple[str, dict] | None:
    """The id and resolved params of the first paired frame, or None."""
    p = pairing(sentence)
    if p.verifier is None:
        return None
    v = next(x for x in verifiers if x.id == p.verifier) if any(
        x.id == p.verifier for x in verifiers) else _REGISTRY[p.verifier]
    return p.verifier, v.resolve_params(p.params)
