"""Match a sentence against verifiers' shapes the way pairing does, for shape tests."""

from __future__ import annotations

from typing import Any

from verifiers._base import Verifier, normalise


def shape_params(verifier: Verifier, sentence: str) -> dict[str, Any] | None:
    """Params of the best shape of `verifier` matching `sentence` (defaults <- fixed <-
    extracted, each parsed), or None when no shape matches."""
    text = normalise(sentence)
    best: tuple[float, dict[str, Any]] | None = None
    for shape in verifier.shapes:
        raw = shape.match(text)
        if raw is None:
            continue
        params = verifier.resolve_params({**shape.fixed, **raw})
        score = shape.weight + 0.1 * len(raw)
        if best is None or score > best[0]:
            best = (score, params)
    return None if best is None else best[1]


def best_verifier(verifiers: list[Verifier], sentence: str) -> tuple[str, dict] | None:
    """The id and params of the verifier whose best shape wins, or None."""
    text = normalise(sentence)
    found = []
    for v in verifiers:
        for shape in v.shapes:
            raw = shape.match(text)
            if raw is not None:
                found.append((shape.weight + 0.1 * len(raw), v.id,
                              v.resolve_params({**shape.fixed, **raw})))
    if not found:
        return None
    _, vid, params = max(found, key=lambda f: f[0])
    return vid, params
