"""`kbcheck config`: the effective configuration and where each value came from."""

from __future__ import annotations

import json

import typer

from kbcheck.cli import app


@app.command("config")
def show_config(
    output: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """Print every setting's effective value and its source (default, or the file)."""
    from kbcheck.cli._common import fail, load
    from kbcheck.config import SETTINGS

    if output not in ("text", "json"):
        fail("config", "--format must be text or json")
    config = load("config")
    if output == "json":
        typer.echo(json.dumps({
            "file": str(config.file) if config.file else None, "root": str(config.root),
            "settings": {s.key: {"value": config[s.key], "source": config.sources[s.key]}
                         for s in SETTINGS}}, indent=2))
        return
    typer.echo(f"# configuration file: {config.file or 'none (defaults)'}; "
               f"project root: {config.root}")
    for s in SETTINGS:
        value = json.dumps(config[s.key])
        typer.echo(f"{s.key} = {value}  # {config.sources[s.key]}: {s.help}")
