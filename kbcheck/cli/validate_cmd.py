"""`kbcheck validate PATH…`: parse every article and check its metadata (never imports torch)."""

from __future__ import annotations

import gc
import os
import sys
from enum import StrEnum
from pathlib import Path

import typer

from kbcheck.cli import app
from kbcheck.models import Severity


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
    fail_on: Severity = typer.Option(
        Severity.error, "--fail-on", help="Exit 1 when a finding is at least this severe."),
    max_bytes: int = typer.Option(
        1 << 20, "--max-bytes", min=1, help="Files larger than this are reported, not read."),
) -> None:
    """Parse every article and check its metadata; exit 1 when a finding reaches --fail-on."""
    from kbcheck.cli._common import exit_code
    from kbcheck.render import REPORTERS, render_text
    from kbcheck.validate import validate_paths

    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        typer.echo(f"kbcheck validate: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    # A short-lived process that keeps every article until it prints: the cycle collector would
    # only walk them all, again and again (validate_paths pauses it while loading, too).
    gc.disable()
    if output is None:
        github = os.environ.get("GITHUB_ACTIONS", "").lower() == "true"
        output = OutputFormat.github if github else OutputFormat.text
    result = validate_paths(paths, max_bytes=max_bytes)
    if output is OutputFormat.text:
        text = render_text(result, color=sys.stdout.isatty())
    else:
        text = REPORTERS[output.value](result)
    sys.stdout.write(text)
    sys.stdout.flush()
    raise typer.Exit(exit_code(result.findings, fail_on))
