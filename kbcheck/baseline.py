"""A baseline of accepted findings: what a knowledge base already had when it adopted kbcheck.

An entry is keyed by the rule, the file and the claim's text (for a finding about a claim) or
the finding's message (otherwise), never by its line, so that edits elsewhere in the file do not
invalidate it. `kbcheck baseline` writes it from the last report; `--prune` drops the entries
that no longer match anything. Values in, values out; the CLI reads and writes the file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from kbcheck.models import ClaimResult, Finding

VERSION = 1


def claim_texts(claims: Iterable[ClaimResult]) -> dict[tuple[str, str, int | None, str], str]:
    """(rule, path, line, message) of each claim's finding → the claim's text."""
    from kbcheck.pipeline import _finding_for

    out = {}
    for r in claims:
        f = _finding_for(r)
        if f is not None:
            out[(f.rule, f.path, f.line, f.message)] = r.claim.text
    return out


def key(f: Finding, texts: dict[tuple[str, str, int | None, str], str]) -> tuple[str, str, str]:
    """(rule, path, text): the claim's text when `f` is about a claim, else its message."""
    return (f.rule, f.path, texts.get((f.rule, f.path, f.line, f.message), f.message))


@dataclass
class Applied:
    """What a baseline did to a run's findings."""

    kept: list[Finding]
    accepted: int
    stale: list[dict]  # entries that matched nothing


def parse(text: str) -> list[dict]:
    """The entries of a baseline file; ValueError when it is not one."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise ValueError("not a kbcheck baseline (no 'findings' list)")
    entries = doc["findings"]
    for e in entries:
        if not (isinstance(e, dict) and all(isinstance(e.get(k), str)
                                            for k in ("rule", "path", "text"))):
            raise ValueError(f"a baseline entry needs rule, path and text: {e!r}")
    return entries


def apply(findings: Iterable[Finding], claims: Iterable[ClaimResult],
          entries: list[dict]) -> Applied:
    """The findings the baseline does not accept, how many it did, and its unmatched entries."""
    texts = claim_texts(claims)
    budget = Counter((e["rule"], e["path"], e["text"]) for e in entries)
    used: Counter = Counter()
    kept = []
    for f in findings:
        k = key(f, texts)
        if used[k] < budget[k]:
            used[k] += 1
        else:
            kept.append(f)
    stale = [e for e in entries if used[(e["rule"], e["path"], e["text"])] == 0]
    return Applied(kept, sum(used.values()), stale)


def render(findings: Iterable[Finding], claims: Iterable[ClaimResult], *,
           previous: list[dict] | None = None, prune_only: bool = False) -> str:
    """The baseline file for `findings` (stable order). With `prune_only`, the `previous`
    entries that still match a finding, and nothing new."""
    texts = claim_texts(claims)
    current = Counter(key(f, texts) for f in findings)
    if prune_only:
        keep: Counter = Counter()
        for e in previous or []:
            k = (e["rule"], e["path"], e["text"])
            if keep[k] < current[k]:
                keep[k] += 1
        current = keep
    rows = [{"rule": r, "path": p, "text": t}
            for (r, p, t), n in sorted(current.items()) for _ in range(n)]
    return json.dumps({"kbcheck_baseline": VERSION, "findings": rows}, indent=2,
                      ensure_ascii=False) + "\n"
