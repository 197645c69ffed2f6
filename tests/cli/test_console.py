"""The console: one line format for findings, colour, quiet/verbose, GitHub annotations."""

from __future__ import annotations

from conftest import kbcheck

from kbcheck.cli._common import STATE, finding_line, github_annotations
from kbcheck.models import Finding, Severity


def _f(n, severity=Severity.error, rule="schema", message=None):
    return Finding(rule=rule, severity=severity, path="kb/a.md", line=n, column=2,
                   message=message or f"problem {n}")


def test_one_line_format():
    assert finding_line(_f(7)) == "kb/a.md:7:2: error problem 7 [schema]"


def test_annotations_are_capped_with_a_notice_of_the_rest():
    findings = [_f(n) for n in range(1, 26)] + [_f(n, Severity.info) for n in range(1, 4)]
    lines = github_annotations(findings).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::notice ") for line in lines) == 4  # 3 + the one about the rest
    assert lines[-1].startswith("::notice title=kbcheck::15 more findings")


def test_one_annotation_per_distinct_url():
    same = [Finding(rule="links.broken", severity=Severity.error, path=f"kb/{n}.md", line=1,
                    message="broken: https://example.org/x (HTTP 404)") for n in range(5)]
    assert github_annotations(same).count("::error ") == 1


def test_run_lists_every_finding_with_the_whole_refuted_claim_and_a_column(repo):
    out = kbcheck("run", "kb", "--out", "out", "--offline", cwd=repo)
    line = next(x for x in out.stdout.splitlines() if "[claim-refuted]" in x)
    assert line.startswith("kb/lora-params.md:14:1: error refuted: \"A rank-16 adapter for "
                           "d=k=4096 gives a 99.6% reduction in trainable parameters.\"")
    assert "99.22% reduction" in line  # what was measured, beside what was stated
    quiet = kbcheck("-q", "run", "kb", "--out", "out", "--offline", cwd=repo)
    assert quiet.stdout.splitlines() == [line] and quiet.stderr == ""


def test_color_flags_and_no_color(repo):
    (repo / "kb" / "bad.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    assert "\x1b[" in kbcheck("--color", "always", "validate", "kb", cwd=repo).stdout
    assert "\x1b[" not in kbcheck("--color", "never", "validate", "kb", cwd=repo).stdout
    assert "\x1b[" not in kbcheck("validate", "kb", cwd=repo, env={"NO_COLOR": "1"}).stdout
    STATE.color = "auto"


def test_json_everywhere(repo):
    import json

    for args in (["validate", "kb"], ["claims", "kb"], ["links", "kb", "--offline"],
                 ["verifiers"], ["config"], ["run", "kb", "--out", "out", "--offline"]):
        out = kbcheck(*args, "--format", "json", cwd=repo)
        json.loads(out.stdout)
    hidden = kbcheck("verifiers", "--json", cwd=repo)  # the old spelling still works
    assert json.loads(hidden.stdout)
