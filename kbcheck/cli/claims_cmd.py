"""`kbcheck claims`: every claim with its line, the verifier paired with it, or why none."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kbcheck.cli import app


@app.command("claims")
def claims(
    paths: list[Path] = typer.Argument(..., help="Article files or folders."),
    suggest: bool = typer.Option(False, "--suggest",
                                 help="Print the verify: block that pins each paired claim."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """List every claim (article:line), its verifier and parameters, or why none was paired."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    from kbcheck.pairing import suggest_block
    from kbcheck.pipeline import claims_and_pairings
    from kbcheck.safe_text import printable
    from kbcheck.validate import validate_paths
    from verifiers import registry

    validated = validate_paths([str(p) for p in paths])
    articles = [r.article for r in validated.results if r.article is not None]
    findings: list = []  # pinned blocks that are wrong, articles over their time budget
    found, pairings = claims_and_pairings(articles, registry(), findings)
    rows = [{"claim": c.model_dump(mode="json"), "pairing": p.model_dump(mode="json")}
            for c, p in zip(found, pairings, strict=True)]
    if fmt == "json":
        typer.echo(json.dumps({"claims": rows, "findings": [f.model_dump(mode="json")
                                                            for f in findings]}, indent=2))
        return
    if suggest:
        for c, p in zip(found, pairings, strict=True):
            if p.verifier is None:
                continue
            typer.echo(printable(f"# {c.path}:{c.line} {c.text}"))
            typer.echo(suggest_block(p) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    from kbcheck.cli._common import console as _console

    table = Table(title=f"{len(found)} claims, {sum(p.verifier is not None for p in pairings)} "
                        "paired", show_lines=False)
    for col in ("where", "claim", "verifier", "params / why not"):
        table.add_column(col, overflow="fold")
    for c, p in zip(found, pairings, strict=True):
        where = f"{Path(c.path).name}:{c.line or '?'}" + (f" {c.fact_id}" if c.fact_id else "")
        text = c.text if len(c.text) <= 120 else c.text[:117] + "..."
        # Text cells, never markup: `[/b]` in an article is text, not a style tag.
        cells = (where, text, (p.verifier or "-") + (" (pinned)" if p.pinned else ""),
                 _detail(p))
        table.add_row(*(Text(printable(cell)) for cell in cells))
    console = _console()
    console.print(table)
    for f in findings:
        console.print(printable(f"{f.path}:{f.line}: {f.severity.value}: {f.message} "
                                f"({f.hint})"), markup=False, highlight=False)
    raise typer.Exit(1 if findings else 0)


def _detail(p) -> str:
    """Each frame as read (subject / predicate, denied or not) with its parameters or why none;
    a pinned or unpaired claim: its parameters or reason."""
    if p.pinned or not p.frames:
        return (", ".join(f"{k}={v}" for k, v in p.params.items()) or "(defaults)"
                if p.verifier else p.reason)
    rows = []
    for f in p.frames:
        head = f"{f.subject}/{f.predicate}" + ("" if f.polarity else " (denied)")
        body = (", ".join(f"{k}={v}" for k, v in f.params.items()) or "(defaults)"
                if f.verifier else f.reason)
        rows.append(f"{head}: {body}")
    return "; ".join(rows)
