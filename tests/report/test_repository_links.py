"""Reporters given the project's web addresses (`repository-url`): the HTML report links each
file:line into the repository, SARIF rules link their pages under the given docs address."""

from __future__ import annotations

import json
from pathlib import Path

from kbcheck.models import Finding, Report, Severity
from kbcheck.report import REPORTERS, renderers
from kbcheck.report.html import file_link, render_html

HERE = Path(__file__).parent
REPO = "https://github.com/o/r/blob/main"


def _report() -> Report:
    return Report.model_validate_json((HERE / "data" / "kb-report.json").read_text())


def test_file_links_resolve_relative_paths_and_refuse_absolute_ones():
    assert file_link(REPO, "kb/a b.md", 3) == f"{REPO}/kb/a%20b.md#L3"
    assert file_link(f"{REPO}/kb", "../kb/a.md", None) == f"{REPO}/kb/a.md"
    assert file_link(REPO, "/home/me/kb/a.md", 3) is None
    assert file_link(REPO, "C:\\kb\\a.md", 3) is None
    assert file_link(None, "kb/a.md", 3) is None


def test_an_article_finding_links_its_line():
    report = _report()
    path = report.claims[0].claim.path
    report.findings.append(Finding(rule="date-invalid", severity=Severity.error, path=path,
                                   line=4, message="a bad date"))
    assert f'<a href="{REPO}/{path}#L4">line 4</a>: a bad date' in render_html(report, REPO)
    assert "line 4: a bad date" in render_html(report)


def test_renderers_pass_the_addresses_and_default_to_the_plain_reporters():
    report = _report()
    plain = {name: render(report) for name, (_, render) in REPORTERS.items()}
    assert {name: render(report) for name, (_, render) in renderers().items()} == plain
    given = renderers(repo_url=REPO, rules_url="https://example.org/kb/docs/rules")
    assert f'href="{REPO}/' in given["html"][1](report)
    rules = json.loads(given["sarif"][1](report))["runs"][0]["tool"]["driver"]["rules"]
    assert any("helpUri" in r for r in rules)
    assert all(r["helpUri"] == f"https://example.org/kb/docs/rules/{r['id']}.md"
                         for r in rules if "helpUri" in r)
