"""The command line: the only place that parses arguments, prints, or exits.

Each command lives in a small module of this package and registers itself on `app`. Exit
codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or internal error.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path

import typer

from kbcheck import __version__
from kbcheck.cli._common import STATE

app = typer.Typer(
    name="kbcheck",
    help="Verify knowledge-base articles about LoRA: parse, link-check, and measure every claim.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Color(StrEnum):
    """`--color` choices."""

    auto = "auto"
    always = "always"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kbcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the findings only."),
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Also print hints, every verifier run and skipped files."),
    color: Color = typer.Option(Color.auto, "--color",
                                help="auto (a terminal, unless NO_COLOR is set), always, never."),
    config: Path = typer.Option(None, "--config", help="A kbcheck.toml or pyproject.toml to use "
                                "instead of the nearest one."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Verify knowledge-base articles about LoRA: parse, link-check, and measure every claim."""
    STATE.quiet, STATE.verbose, STATE.color, STATE.config_file = (
        quiet, verbose and not quiet, color.value, config)


# Command modules register themselves on `app` when imported.
from kbcheck.cli import (  # noqa: E402, F401
    baseline_cmd,
    claims_cmd,
    config_cmd,
    links_cmd,
    run_cmd,
    schema_cmd,
    summary_cmd,
    validate_cmd,
    verifiers_cmd,
)


def main() -> None:
    """Console-script entry point. Usage errors exit 2 (click's standalone mode); an internal
    error exits 2 with one line, and with the traceback when KBCHECK_DEBUG is set."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("KBCHECK_DEBUG"):
            raise
        print(f"kbcheck: internal error: {type(exc).__name__}: {exc} "
              "(set KBCHECK_DEBUG=1 for the traceback)", file=sys.stderr)
        sys.exit(2)
