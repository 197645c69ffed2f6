"""Every rule in the registry has a good and a bad example file (tests/rules/cases/<rule id>/).

The bad file must give a finding of that rule (at the line marked `# <-`, when one is marked);
the good file must give no finding of that rule and no error at all.
"""

from datetime import date
from pathlib import Path

import pytest

from kbcheck.models import Severity
from kbcheck.rules import RULES, check_article
from kbcheck.validate import validate_paths

CASES = Path(__file__).parent / "cases"
TODAY = date(2026, 11, 23)
# Rules whose example files cannot live in the repository; tested where named.
ELSEWHERE = {
    "file-too-large": "tests/loaders/test_bad_input.py (a file over --max-bytes)",
    "file-unreadable": "tests/loaders/test_bad_input.py (broken links, FIFOs, permissions)",
    "internal-error": "tests/loaders/test_properties.py (must never occur)",
}


def _marked_line(path: Path) -> int | None:
    for no, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if b"# <-" in line:
            return no
    return None


def test_every_rule_has_examples_or_a_reason():
    cases = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert cases <= set(RULES), f"example folders for unknown rules: {cases - set(RULES)}"
    missing = set(RULES) - cases - set(ELSEWHERE)
    assert not missing, f"rules without example files: {sorted(missing)}"


@pytest.mark.parametrize("rule_id", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_bad_example_gives_the_finding(rule_id):
    bad = CASES / rule_id / "bad.txt"
    result = validate_paths([bad], today=TODAY)
    hits = [f for f in result.findings if f.rule == rule_id]
    assert hits, f"{rule_id}: no finding in {bad}: {result.findings}"
    assert all(f.path == str(bad) and f.message and f.hint for f in hits)
    line = _marked_line(bad)
    if line is not None:
        assert line in [f.line for f in hits], (line, hits)
    assert hits[0].severity in (RULES[rule_id].severity, Severity.warning, Severity.info)


@pytest.mark.parametrize("rule_id", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_good_example_is_clean(rule_id):
    good = CASES / rule_id / "good.txt"
    result = validate_paths([good], today=TODAY)
    assert result.articles, result.findings
    assert not [f for f in result.findings if f.rule == rule_id or f.severity is Severity.error]


def test_rule_ids_are_stable_and_documented():
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.summary
        assert rule.stage in ("load", "article")
        assert (rule.check is not None) == (rule.stage == "article")


def test_check_article_runs_every_article_rule_on_a_seed():
    result = validate_paths([Path(__file__).parents[2] / "kb"], today=TODAY)
    article = result.articles[0]
    assert check_article(article, TODAY) == [
        f for f in result.results[0].findings if RULES[f.rule].stage == "article"]
