"""`kbcheck run --summary FILE` on a generated knowledge base of many claims."""

from __future__ import annotations

from tests.cli.conftest import kbcheck

ARTICLE = """---
id: kb-gen-{n}
title: Generated {n}
confidence: high
created_date: 2026-01-05
last_verified: 2026-02-01
---

A rank-16 adapter for d=k=4096 gives a 99.6% reduction in trainable parameters.

LoRA is a parameter-efficient fine-tuning method.
"""


def test_summary_lists_each_refuted_claim_linked_to_its_line(repo):
    for n in range(40):
        (repo / "kb" / f"gen-{n:02d}.md").write_text(ARTICLE.format(n=n), encoding="utf-8")
    out = kbcheck("run", "kb", "--out", "out", "--offline", "--reports", "json",
                  "--summary", "summary.md", cwd=repo)
    assert out.returncode in (0, 1), out.stderr
    text = (repo / "summary.md").read_text(encoding="utf-8")
    items = [line for line in text.splitlines() if line.startswith("- ")]
    refuted = [i for i in items if "**refuted**" in i]
    assert len(refuted) == 41  # each generated article's claim and the fixture's
    assert "[kb/gen-07.md:9](kb/gen-07.md#L9)" in text
    assert "stated 99.6% → measured 99.22%" in refuted[0]
    assert all("**supported**" not in i for i in items)
    assert "summary.md" in out.stdout
