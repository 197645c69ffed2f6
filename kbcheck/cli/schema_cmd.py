"""`kbcheck schema`: the JSON Schema of the article frontmatter."""

from __future__ import annotations

import json

import typer

from kbcheck.cli import app


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of an article's frontmatter."""
    from kbcheck.models import Frontmatter

    typer.echo(json.dumps(Frontmatter.model_json_schema(), indent=2))
