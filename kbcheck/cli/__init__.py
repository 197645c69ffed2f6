"""The command line: the only place that parses arguments, prints, or exits.

Each command lives in a small module of this package and registers itself on `app`. Exit
codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or internal error.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from kbcheck import __version__
from kbcheck.cli._common import STATE

# The global options a user may also write after the command name (`kbcheck run kb -q`), and
# those of them that take a value.
_GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose"})
_GLOBAL_VALUED = frozenset({"--color"})
_GROUP_VALUED = frozenset({"--color", "--config"})


class _Group(TyperGroup):
    """The command group; global options written after the command name are moved before
    it, where click reads them."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(self, ctx, list(args)))


def hoist_global_options(group: Any, ctx: Any, args: list[str]) -> list[str]:
    """`args` with -q/--quiet, -v/--verbose and --color VALUE that follow the command name
    moved in front of it; the values of the command's own options and everything after `--`
    stay where they are."""
    at = 0
    while at < len(args) and args[at].startswith("-"):
        if args[at] == "--":
            return args
        at += 2 if args[at] in _GROUP_VALUED else 1
    command = group.get_command(ctx, args[at]) if at < len(args) else None
    if command is None:
        return args
    # (typer brings its own copy of click: options are told apart by what they have, not by
    # class, and click itself is not imported)
    valued = {name for p in command.params if getattr(p, "param_type_name", "") == "option"
              and not getattr(p, "is_flag", True) and not getattr(p, "count", False)
              for name in p.opts}
    front: list[str] = []
    rest: list[str] = []
    i = at + 1
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in _GLOBAL_FLAGS or arg.startswith("--color="):
            front.append(arg)
        elif arg in _GLOBAL_VALUED and i + 1 < len(args):
            front += args[i:i + 2]
            i += 1
        else:
            rest.append(arg)
            if arg in valued and i + 1 < len(args):  # its value, whatever it looks like
                rest.append(args[i + 1])
                i += 1
        i += 1
    return [*args[:at], *front, args[at], *rest]


app = typer.Typer(
    name="kbcheck",
    cls=_Group,
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
    check_cmd,
    claims_cmd,
    config_cmd,
    links_cmd,
    new_cmd,
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
