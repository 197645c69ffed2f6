"""Loaders and markup in linear time, and a time budget per article.

The hostile inputs of bench/hostile.py (one unclosed construct repeated, 100 KiB) each load
well inside a generous guard; they took from seconds to minutes before (100 KB of `[`: 112 s).
The guard is a limit, not a measurement: nothing here compares timings.
"""

import importlib.util
import re
import types
from pathlib import Path

import pytest

from kbcheck.budget import OverBudget, time_budget
from kbcheck.validate import validate_paths

_SPEC = importlib.util.spec_from_file_location(
    "bench_hostile", Path(__file__).resolve().parents[2] / "bench" / "hostile.py")
hostile = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(hostile)


@pytest.mark.parametrize("case", list(hostile.CASES))
def test_hostile_markup_loads_well_inside_a_generous_guard(case):
    text = hostile.article_text(case, 100 * 1024)
    with time_budget(60.0):  # a guard only; linear work takes a fraction of a second
        hostile.measure(text)


def test_the_budget_stops_a_regular_expression_mid_match():
    with pytest.raises(OverBudget), time_budget(0.2):
        re.match(r"(a+)+$", "a" * 64 + "b")  # exponential: it would not end this century


def test_an_article_over_its_budget_is_one_finding_and_the_others_go_on(tmp_path, monkeypatch):
    from kbcheck import loaders

    def detect(text):
        return text.startswith("SLOW")

    def load(text, path):
        re.match(r"(a+)+$", "a" * 64 + "b")  # a loader stuck in a pattern nobody foresaw

    slow = types.SimpleNamespace(FORMAT="slow", detect=detect, load=load)
    monkeypatch.setattr(loaders, "FORMATS", {"slow": slow, **loaders.FORMATS})
    (tmp_path / "a_slow.md").write_text("SLOW\n")
    (tmp_path / "b_good.md").write_text("---\nid: good\ntitle: good\n---\nA body.\n")
    result = validate_paths([tmp_path], budget_s=0.5)
    [over] = [f for f in result.findings if f.rule == "time-budget"]
    assert Path(over.path).name == "a_slow.md" and "0.5 s" in over.message
    assert [a.title for a in result.articles] == ["good"]


def test_claims_over_the_budget_cost_their_article_only(tmp_path):
    """Reading that never ends (a plug-in's to_params with an exponential pattern, as a
    quadratic one nearly does on 1 MiB) is stopped, and costs its article only."""
    import re

    from fixture_verifiers import REDUCTION

    from kbcheck.pipeline import check_articles
    from kbcheck.runner import RunOptions
    from verifiers import Verifier, result

    def stuck_params(frame):
        re.match(r"(a+)+$", "a" * 64 + "b")  # exponential backtracking
        return {}

    stuck = Verifier(id="t.stuck", version=1, title="a pattern with exponential backtracking",
                     run=lambda params: result("supported", "never runs"),
                     claims=(("lora", "base_frozen"),), to_params=stuck_params)
    good = "---\nid: g\ntitle: g\natomic_facts:\n  - id: f1\n    statement: For d=k=4096 " \
           "and r=16, LoRA trains 99.2% fewer parameters.\n---\nbody\n"
    evil = "---\nid: e\ntitle: e\natomic_facts:\n  - id: f1\n    statement: LoRA keeps the " \
           "pretrained weights frozen.\n---\nbody\n"
    (tmp_path / "evil.md").write_text(evil)
    (tmp_path / "good.md").write_text(good)
    articles = validate_paths([tmp_path]).articles
    report = check_articles(articles, registry={v.id: v for v in (REDUCTION, stuck)},
                            options=RunOptions(cache=None, evidence_dir=None), budget_s=1.0)
    [over] = [f for f in report.findings if f.rule == "time-budget"]
    assert Path(over.path).name == "evil.md"
    assert [(Path(c.claim.path).name, c.verdict) for c in report.claims] == [
        ("good.md", "supported")]
