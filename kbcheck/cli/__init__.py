"""The command line: the only place that parses arguments, prints, or exits.

Each command lives in a small module of this package and registers itself on `app`. Exit
codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or internal error.
"""

from __future__ import annotations

import os
import sys

import typer

app = typer.Typer(
    name="kbcheck",
    help="Verify knowledge-base articles about LoRA: parse, link-check, and measure every claim.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules register themselves on `app` when imported.
from kbcheck.cli import claims_cmd, links_cmd, run_cmd, schema_cmd, validate_cmd, verifiers_cmd  # noqa: E402, F401, E501


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
