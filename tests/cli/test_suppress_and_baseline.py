"""Inline suppressions (with a required reason) and the baseline of accepted findings."""

from __future__ import annotations

import json

from conftest import ARTICLE, kbcheck

from kbcheck import baseline
from kbcheck.models import Finding, Severity
from kbcheck.suppress import apply_suppressions, inline_suppressions
from kbcheck.validate import validate_paths

REFUTED_LINE = "A rank-16 adapter for d=k=4096 gives a 99.6% reduction in trainable parameters."


def _finding(path, line, rule="claim-refuted"):
    return Finding(rule=rule, severity=Severity.error, path=str(path), line=line, message="m")


def test_a_comment_covers_its_line_and_the_next_one():
    text = ("intro\n<!-- kbcheck-disable claim-refuted, claim-conditional: rounded in the "
            "paper -->\n\nThe claim. <!-- kbcheck-disable links.: mirror -->\n")
    found = inline_suppressions("a.md", text)
    assert [(s.line, s.rules, s.reason, sorted(s.lines)) for s in found] == [
        (2, ("claim-refuted", "claim-conditional"), "rounded in the paper", [2, 4]),
        (4, ("links.",), "mirror", [4])]
    assert found[1].covers(_finding("a.md", 4, "links.broken"))
    assert not found[1].covers(_finding("a.md", 4, "claim-refuted"))


def test_a_reasonless_suppression_suppresses_nothing_and_an_unused_one_is_reported(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: t\nkbcheck:\n  disable:\n    unknown-field: kept on purpose\n"
                    "    schema: ''\n---\n<!-- kbcheck-disable claim-refuted -->\nText.\n"
                    "<!-- kbcheck-disable date-order: never happens -->\n", encoding="utf-8")
    article = validate_paths([path]).articles[0]
    findings = [_finding(path, 9), _finding(path, 3, "unknown-field")]
    kept = apply_suppressions(findings, [article])
    rules = sorted((f.rule, f.line) for f in kept)
    assert rules == [("claim-refuted", 9), ("suppression-no-reason", 3),
                     ("suppression-no-reason", 8), ("suppression-unused", 10)]
    # a command that cannot produce a rule does not call its suppression unused
    kept = apply_suppressions([], [article], checked=lambda rule: rule != "date-order")
    assert ("suppression-unused", 10) not in {(f.rule, f.line) for f in kept}


def test_run_honours_a_suppression_with_a_reason(repo):
    article = repo / "kb" / "lora-params.md"
    article.write_text(ARTICLE.replace(
        REFUTED_LINE, "<!-- kbcheck-disable claim-refuted: the source rounds it -->\n"
        + REFUTED_LINE), encoding="utf-8")
    out = kbcheck("run", "kb", "--out", "out", "--offline", cwd=repo)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((repo / "out" / "report.json").read_text())
    assert report["summary"]["refuted"] == 1  # the verdict stands; the finding is accepted
    assert not [f for f in report["findings"] if f["rule"] == "claim-refuted"]


def test_the_baseline_survives_edits_elsewhere_and_is_pruned(repo):
    out = kbcheck("baseline", "kb", "--offline", cwd=repo)
    assert out.returncode == 0 and "1 accepted findings" in out.stdout, out.stderr
    entries = json.loads((repo / "kbcheck-baseline.json").read_text())["findings"]
    assert entries == [{"rule": "claim-refuted", "path": "kb/lora-params.md",
                        "text": REFUTED_LINE}]
    article = repo / "kb" / "lora-params.md"
    # lines move: the entry still matches, keyed by the claim's text
    article.write_text(ARTICLE.replace("## Notes", "## Notes\n\nA new paragraph.\n"),
                       encoding="utf-8")
    out = kbcheck("run", "kb", "--out", "out", "--offline", cwd=repo)
    assert out.returncode == 0 and "1 accepted by the baseline" in out.stdout, out.stdout
    # the claim is corrected: the entry is stale, said so, and --prune drops it
    article.write_text(ARTICLE.replace("99.6%", "99.2%"), encoding="utf-8")
    out = kbcheck("run", "kb", "--out", "out", "--offline", cwd=repo)
    assert out.returncode == 0 and "match no finding any more" in out.stderr
    kbcheck("baseline", "kb", "--offline", "--prune", cwd=repo)
    assert json.loads((repo / "kbcheck-baseline.json").read_text())["findings"] == []


def test_baseline_counts_repeated_findings():
    f = _finding("a.md", 3, "links.broken")
    text = baseline.render([f, f], [])
    entries = baseline.parse(text)
    applied = baseline.apply([f, f, f], [], entries)
    assert (len(applied.kept), applied.accepted, applied.stale) == (1, 2, [])
