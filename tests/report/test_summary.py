"""The CI summary: only problems, each linked to its line, and never over the size cap."""

from __future__ import annotations

import re

from kbcheck.models import ArticleInfo, Claim, ClaimResult, Pairing, Report, Verdict
from kbcheck.report.summary import CAP, render_summary

VERDICTS = ("supported", "refuted", "conditional", "unverifiable", "error", "skipped")


def _kb(n: int) -> Report:
    """A generated knowledge base of `n` claims over n/50 articles, every verdict in turn, each
    claim text long enough that the problems alone would pass the cap."""
    results = []
    for i in range(n):
        path = f"kb/article-{i // 50:04d}.md"
        claim = Claim(id=f"{path}:{i}", path=path, line=10 + i % 50, origin="body",
                      text=f"Claim {i}: a rank-16 adapter for d=k=4096 " + "gives 99.6% " * 30)
        verdict = Verdict(VERDICTS[i % len(VERDICTS)])
        pairing = Pairing(claim_id=claim.id, reason="generated")
        results.append(ClaimResult(claim=claim, pairing=pairing, verdict=verdict,
                                   explanation=f"why {i} " * 60))
    summary = {v.value: 0 for v in Verdict}
    for r in results:
        summary[r.verdict.value] += 1
    articles = [ArticleInfo(path=f"kb/article-{k:04d}.md", title=f"A{k}", claims=50)
                for k in range(n // 50)]
    return Report(kbcheck_version="0.1.0", generated_at="2026-11-23T00:00:00+00:00",
                  paths=["kb"], articles=articles, claims=results, summary=summary,
                  duration_s=1.0)


def test_lists_only_problems_linked_to_their_line():
    text = render_summary(_kb(60))
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(items) == 30  # refuted, conditional and error: half of six verdicts
    assert [i.split("**")[1] for i in items] == ["refuted"] * 10 + ["error"] * 10 + [
        "conditional"] * 10
    assert "[kb/article-0000.md:11](kb/article-0000.md#L11)" in items[0]
    assert "supported" not in "".join(items) and "more not shown" not in text


def test_stays_under_the_cap_and_counts_what_it_left_out():
    report = _kb(30_000)  # 15,000 problems of ~1 KB each: far over 1 MiB in full
    text = render_summary(report)
    assert len(text.encode()) <= CAP
    shown = sum(line.startswith("- ") for line in text.splitlines())
    left = int(re.search(r"… and (\d+) more not shown", text).group(1))
    assert shown > 0 and shown + left == 15_000


def test_a_small_cap_is_kept_too():
    text = render_summary(_kb(600), cap=4_000)
    assert len(text.encode()) <= 4_000 and "more not shown" in text


def test_no_problems_says_so():
    report = _kb(1)  # one supported claim
    assert "No refuted, failed or conditional claims." in render_summary(report)
