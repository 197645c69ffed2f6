"""Reporters: one `Report` in, one string out, looked up by name in `REPORTERS`.

The CLI writes each string to its file in `reports/`; reporters never do I/O themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from kbcheck.models import Report
from kbcheck.report.html import render_html
from kbcheck.report.junit import render_junit
from kbcheck.report.markdown import render_markdown
from kbcheck.report.sarif import render_sarif


def render_json(report: Report) -> str:
    """The documented JSON form (docs/report-json.md)."""
    return report.model_dump_json(indent=2) + "\n"


# name -> (file name in the output folder, renderer)
REPORTERS: dict[str, tuple[str, Callable[[Report], str]]] = {
    "json": ("report.json", render_json),
    "md": ("report.md", render_markdown),
    "html": ("report.html", render_html),
    "junit": ("junit.xml", render_junit),
    "sarif": ("report.sarif", render_sarif),
}


def renderers(repo_url: str | None = None, rules_url: str | None = None
              ) -> dict[str, tuple[str, Callable[[Report], str]]]:
    """`REPORTERS` with the project's web addresses given to the reporters that link out:
    the HTML report links each file:line under `repo_url`; SARIF rules link their pages under
    `rules_url` (else kbcheck's own docs/rules/)."""
    out = dict(REPORTERS)
    out["html"] = (REPORTERS["html"][0], partial(render_html, repo_url=repo_url))
    out["sarif"] = (REPORTERS["sarif"][0], partial(render_sarif, rules_url=rules_url))
    return out
