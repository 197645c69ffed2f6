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
