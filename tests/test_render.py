"""The reporters: escaping in GitHub annotations, colour only on request."""

from kbcheck.models import Finding, LoadResult, Severity
from kbcheck.render import render_github, render_json, render_text
from kbcheck.validate import ValidationResult


def _result(*findings: Finding) -> ValidationResult:
    return ValidationResult(results=[LoadResult(path="a,b:c.md", findings=list(findings))],
                            findings=list(findings))


def test_github_escapes_properties_and_data():
    f = Finding(rule="schema", severity=Severity.info, path="a,b:c.md", line=3, column=2,
                message="50% done\nnext line", hint=None)
    assert render_github(_result(f)) == (
        "::notice file=a%2Cb%3Ac.md,line=3,col=2,title=kbcheck schema::50%25 done%0Anext line\n")


def test_text_plain_and_coloured():
    f = Finding(rule="yaml-syntax", severity=Severity.error, path="x.md", line=2,
                message="YAML syntax error: [bold]", hint="check it")
    plain = render_text(_result(f))
    assert plain == ("x.md:2: error YAML syntax error: [bold] [yaml-syntax]\n    hint: check it\n"
                     "1 files, 0 articles: 1 errors, 0 warnings, 0 notes\n")
    coloured = render_text(_result(f), color=True)
    assert "\x1b[" in coloured and "[bold]" in coloured  # markup in messages is not interpreted


def test_json_of_an_empty_run():
    assert render_json(ValidationResult()).startswith('{\n  "summary": {\n    "files": 0')
