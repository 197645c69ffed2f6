"""Pairing: each claim gets a verifier and typed, bounded parameters, or the reason none fits.

A pinned ``verify:`` block wins and is checked against the verifier's declared parameters.
Otherwise every verifier's claim shapes are matched against the normalised sentence; the best
match wins on score (the shape's weight, how specific it is, how many parameters it read). Text
from an article only ever reaches a verifier through `Param.parse`: typed, bounded, never run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kbcheck.models import Claim, Finding, Pairing, Severity
from verifiers._base import Shape, Verifier, normalise

# Figures that change by the day: nothing in a torch process can check them.
_TIME_SENSITIVE = re.compile(
    r"\b(?:citations?|cited by|github stars?|\d[\d,.]*k?\+? stars|downloads?|as of"
    r"|forks?|monthly users|at the time of writing|currently)\b", re.I)
# Judgements rather than measurable statements.
_OPINION = re.compile(
    r"\b(?:best|dominant|most (?:popular|widely used|common)|popular|ideal|prefer|should"
    r"|recommended?|useful|elegant|easy|easier|simple|better alignment|state[- ]of[- ]the[- ]art"
    r"|rule of thumb|key insight)\b", re.I)


@dataclass(frozen=True)
class Match:
    """One shape of one verifier that matched a sentence, with what it read."""

    verifier: Verifier
    shape: Shape
    params: dict[str, Any]
    score: float
    why: str


def _search(pattern: str, text: str) -> re.Match | None:
    try:
        return re.search(pattern, text, re.I)
    except re.error:  # a broken pattern in a (plug-in) verifier must not stop pairing
        return None


def match_shape(verifier: Verifier, shape: Shape, text: str) -> Match | str | None:
    """The shape's match on a normalised sentence: a `Match`, a reason (it matched but a
    parameter was out of bounds), or None."""
    try:
        raw = shape.match(text)
    except re.error:  # a broken pattern in a (plug-in) verifier must not stop pairing
        return None
    if raw is None:
        return None
    any_hits = [p for p in shape.any_of if _search(p, text)]
    params: dict[str, Any] = {}
    problems = []
    for name, value in {**raw, **shape.fixed}.items():
        param = verifier.param(name)
        if param is None:
            problems.append(f"shape names an undeclared parameter {name!r}")
            continue
        try:
            params[name] = param.parse(value)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        return f"{verifier.id} ({shape.name}) matched but " + "; ".join(problems)
    score = (shape.weight + 0.25 * len(shape.all_of) + 0.1 * len(any_hits)
             + 0.5 * len(raw))
    read = ", ".join(f"{k}={v}" for k, v in params.items()) or "no parameters"
    why = f"shape {shape.name!r} of {verifier.id} matched; read {read}"
    return Match(verifier, shape, params, round(score, 3), why)


def _pinned(claim: Claim, registry: Mapping[str, Verifier]) -> tuple[Pairing, list[Finding]]:
    spec = claim.pinned
    assert spec is not None
    verifier = registry.get(spec.verifier)
    problem = None
    if verifier is None:
        problem = f"unknown verifier {spec.verifier!r}"
        hint = "`kbcheck verifiers` lists the verifier ids"
    else:
        try:
            verifier.resolve_params(spec.params)
        except ValueError as exc:
            problem = f"bad params for {spec.verifier}: {exc}"
            known = ", ".join(f"{p.name} ({p.type.__name__})" for p in verifier.params) or "none"
            hint = f"{spec.verifier} declares: {known}"
    if problem:
        finding = Finding(rule="verify-pin", severity=Severity.error, path=claim.path,
                          line=claim.line, message=f"pinned verify: block of {claim.fact_id}: "
                          f"{problem}", hint=hint)
        return Pairing(claim_id=claim.id, pinned=True,
                       reason=f"pinned pairing is invalid: {problem}"), [finding]
    return Pairing(claim_id=claim.id, verifier=spec.verifier, params=dict(spec.params),
                   pinned=True, score=100.0, reason="pinned by the article's verify: block"
                   ), []


# A sentence that denies a whole claim: "It is not true that ...", "It is a myth that ...".
# Shapes read the claim inside; whether they also read the denial is tested in `_denies`.
_DENIAL = re.compile(
    r"^\s*(?:it\s+is|it's)\s+(?:simply\s+)?(?:not\s+(?:true|the\s+case|correct)|false|untrue"
    r"|a\s+myth|wrong|incorrect|a\s+misconception)\s+that\s+", re.I)


def _matches(text: str, registry: Mapping[str, Verifier]) -> tuple[list[Match], list[str]]:
    """Every shape that matches `text`, best first, and why matching shapes were refused."""
    matches: list[Match] = []
    rejected: list[str] = []
    for vid in sorted(registry):
        verifier = registry[vid]
        for shape in verifier.shapes:
            found = match_shape(verifier, shape, text)
            if isinstance(found, Match):
                matches.append(found)
            elif isinstance(found, str):
                rejected.append(found)
    matches.sort(key=lambda m: (-m.score, m.verifier.id, m.shape.name))
    return matches, rejected


def _denies(text: str, best: Match, registry: Mapping[str, Verifier]) -> bool:
    """Whether `text` denies the claim `best` checks: it opens with a denial, and the claim
    without that opening pairs the same way (so the shape read the claim, not the denial)."""
    m = _DENIAL.search(text)
    if not m:
        return False
    inner, _ = _matches(text[m.end():], registry)
    return bool(inner) and (inner[0].verifier.id, inner[0].params) == (best.verifier.id,
                                                                        best.params)


def pair_claim(claim: Claim, registry: Mapping[str, Verifier]) -> tuple[Pairing, list[Finding]]:
    """Pair one claim: the pinned block, else the best shape match, else why none."""
    if claim.pinned is not None:
        return _pinned(claim, registry)
    text = normalise(claim.text)
    matches, rejected = _matches(text, registry)
    if matches:
        best = matches[0]
        why = f"{best.why} (score {best.score:g})"
        others = [f"{m.verifier.id} {m.score:g}" for m in matches[1:4]
                  if m.verifier.id != best.verifier.id]
        if others:
            why += "; also matched: " + ", ".join(others)
        negated = _denies(text, best, registry)
        if negated:
            why += "; the sentence denies this claim, so its verdict is the opposite"
        return Pairing(claim_id=claim.id, verifier=best.verifier.id, params=best.params,
                       shape=best.shape.name, score=best.score, reason=why,
                       negated=negated), []
    return Pairing(claim_id=claim.id, reason=unpaired_reason(text, rejected)), []


def unpaired_reason(text: str, rejected: list[str] | None = None) -> str:
    """Why a sentence that no verifier took is unverifiable."""
    m = _TIME_SENSITIVE.search(text)
    if m:
        return (f"time-sensitive external figure ({m.group(0)!r}): it changes over time and no "
                "verifier can measure it")
    if rejected:
        return "no verifier can check it with these values: " + "; ".join(rejected)
    m = _OPINION.search(text)
    if m:
        return f"an opinion or judgement ({m.group(0)!r}), not a measurable statement"
    return "no verifier matched this claim's shape"


def pair_claims(claims: list[Claim], registry: Mapping[str, Verifier]
                ) -> tuple[list[Pairing], list[Finding]]:
    """Pair every claim; findings for pinned blocks that are wrong."""
    pairings: list[Pairing] = []
    findings: list[Finding] = []
    for claim in claims:
        pairing, found = pair_claim(claim, registry)
        pairings.append(pairing)
        findings += found
    return pairings, findings


def suggest_block(pairing: Pairing) -> str:
    """The `verify:` YAML block an author can paste into the atomic fact to pin this pairing."""
    import yaml

    doc = {"verify": {"verifier": pairing.verifier, "params": dict(pairing.params)}}
    block = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False).rstrip()
    if pairing.negated:  # a pinned block checks the claim itself, not its denial
        block = "# the sentence denies this claim: restate it positively to pin it\n" + block
    return block
