"""`kbcheck validate PATH…`: parse every article and check its metadata (never imports torch)."""

from __future__ import annotations

import gc
import sys
from enum import StrEnum
from pathlib import Path

import typer

from kbcheck.cli import app
from kbcheck.cli._common import FAIL_ON_HELP


class OutputFormat(StrEnum):
    """`--format` choices."""

    text = "text"
    json = "json"
    github = "github"


@app.command("validate")
def validate(
    paths: list[Path] = typer.Argument(..., help="Article files or folders of them."),
    output: OutputFormat | None = typer.Option(
        None, "--format", "-f",
        help="text, json or github (workflow annotations; the default when GITHUB_ACTIONS=true)."),
    fail_on: str = typer.Option(None, "--fail-on", help=FAIL_ON_HELP),
    max_bytes: int = typer.Option(
        1 << 20, "--max-bytes", min=1, help="Files larger than this are reported, not read."),
    allow_empty: bool = typer.Option(False, "--allow-empty",
                                     help="No article file matched is not an error."),
) -> None:
    """Parse every article and check its metadata; exit 1 when a finding reaches --fail-on."""
    from kbcheck.cli._common import (
        STATE,
        apply_severity,
        fail_code,
        finding_lines,
        gather,
        github_annotations,
        in_github_actions,
        prepare,
    )
    from kbcheck.render import render_json
    from kbcheck.suppress import apply_suppressions, validate_stage
    from kbcheck.validate import validate_paths

    targets, config, fail_on = prepare("validate", paths, fail_on)
    # A short-lived process that keeps every article until it prints: the cycle collector would
    # only walk them all, again and again (validate_paths pauses it while loading, too).
    gc.disable()
    if output is None:
        output = OutputFormat.github if in_github_actions() else OutputFormat.text
    found = gather("validate", targets, config, allow_empty=allow_empty)
    result = validate_paths(found.files, max_bytes=max_bytes)
    findings = [*found.findings, *result.findings]
    findings = apply_suppressions(findings, result.articles, checked=validate_stage)
    findings = apply_severity(findings, config)
    result.findings = findings
    if output is OutputFormat.json:
        text = render_json(result)
    elif output is OutputFormat.github:
        text = github_annotations(findings)
    else:
        text = finding_lines(findings, hints=not STATE.quiet)
        if not STATE.quiet:
            c = result.counts()
            text += (f"{c['files']} files, {c['articles']} articles: {c['error']} errors, "
                     f"{c['warning']} warnings, {c['info']} notes\n")
    sys.stdout.write(text)
    sys.stdout.flush()
    raise typer.Exit(fail_code(findings, fail_on))
