"""`kbcheck verifiers`: list the registered verifiers and what they need."""

from __future__ import annotations

import json

import typer

from kbcheck.cli import app


@app.command("verifiers")
def list_verifiers(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List every verifier: id, version, what it requires, its parameters and claim shapes."""
    from verifiers import registry
    from verifiers._env import has_package

    rows = []
    for v in registry().values():
        missing = [p for p in v.requires.packages if not has_package(p)]
        rows.append({
            "id": v.id, "version": v.version, "title": v.title,
            "device": v.requires.device, "packages": list(v.requires.packages),
            "missing": missing,
            "params": {p.name: {"type": p.type.__name__, "default": p.default, "help": p.help}
                       for p in v.params},
            "shapes": [s.name for s in v.shapes],
        })
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} verifiers")
    for col in ("id", "v", "needs", "parameters", "title"):
        table.add_column(col)
    for r in rows:
        needs = r["device"] + "".join(f", {p}" for p in r["packages"])
        if r["missing"]:
            needs += f" (missing: {', '.join(r['missing'])})"
        table.add_row(r["id"], str(r["version"]), needs, ", ".join(r["params"]), r["title"])
    Console().print(table)
