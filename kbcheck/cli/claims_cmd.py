"""`kbcheck claims`: every claim with its line, the verifier paired with it, or why none."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kbcheck.cli import app
from kbcheck.cli._common import FAIL_ON_HELP


@app.command("claims")
def claims(
    paths: list[Path] = typer.Argument(..., help="Article files or folders."),
    suggest: bool = typer.Option(False, "--suggest",
                                 help="Print the verify: block that pins each paired claim."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    fail_on: str = typer.Option(None, "--fail-on", help=FAIL_ON_HELP),
    allow_empty: bool = typer.Option(False, "--allow-empty",
                                     help="No article file matched is not an error."),
) -> None:
    """List every claim (article:line:column), its verifier and parameters, or why none was
    paired."""
    from kbcheck.cli._common import (
        STATE,
        apply_severity,
        fail,
        fail_code,
        finding_lines,
        gather,
        github_annotations,
        in_github_actions,
        prepare,
    )

    if fmt not in ("text", "json"):
        fail("claims", "--format must be text or json")
    targets, config, fail_on = prepare("claims", paths, fail_on)
    from kbcheck.pairing import suggest_block
    from kbcheck.pipeline import claim_column, claims_and_pairings, one_finding_per_pin
    from kbcheck.safe_text import printable
    from kbcheck.suppress import apply_suppressions
    from kbcheck.validate import validate_paths
    from verifiers import registry

    scoped = gather("claims", targets, config, allow_empty=allow_empty)
    validated = validate_paths(scoped.files)
    articles = [r.article for r in validated.results if r.article is not None]
    # pinned blocks that are wrong (validate's, on the bad value's line), articles over their
    # time budget
    findings = [f for f in validated.findings if f.rule == "verify-pin"]
    found, pairings = claims_and_pairings(articles, registry(), findings)
    findings = apply_severity(apply_suppressions(one_finding_per_pin(findings), articles,
                                                 checked=lambda r: False), config)
    columns = [claim_column(c.path, c.line, c.text) for c in found]
    rows = [{"claim": {**c.model_dump(mode="json"), "column": col},
             "pairing": p.model_dump(mode="json")}
            for c, p, col in zip(found, pairings, columns, strict=True)]
    if fmt == "json":
        typer.echo(json.dumps({"claims": rows, "findings": [f.model_dump(mode="json")
                                                            for f in findings]}, indent=2))
        raise typer.Exit(fail_code(findings, fail_on))
    if suggest:
        for c, p in zip(found, pairings, strict=True):
            if p.verifier is None:
                continue
            typer.echo(printable(f"# {c.path}:{c.line} {c.text}"))
            # an atomic fact's block goes under its `statement:` ("  - id: ..." then 4 spaces)
            typer.echo(suggest_block(p, indent=4 if c.fact_id else 0) + "\n")
        raise typer.Exit(fail_code(findings, fail_on))
    from rich.table import Table
    from rich.text import Text

    from kbcheck.cli._common import console as _console

    table = Table(title=f"{len(found)} claims, {sum(p.verifier is not None for p in pairings)} "
                        "paired", show_lines=False)
    for col in ("where", "claim", "verifier", "params / why not"):
        table.add_column(col, overflow="fold")
    for c, p, col in zip(found, pairings, columns, strict=True):
        where = (f"{Path(c.path).name}:{c.line or '?'}" + (f":{col}" if col else "")
                 + (f" {c.fact_id}" if c.fact_id else ""))
        text = c.text if len(c.text) <= 120 else c.text[:117] + "..."
        # Text cells, never markup: `[/b]` in an article is text, not a style tag.
        cells = (where, text, (p.verifier or "-") + (" (pinned)" if p.pinned else ""),
                 _detail(p))
        table.add_row(*(Text(printable(cell)) for cell in cells))
    if not STATE.quiet:
        _console().print(table)
    if in_github_actions():
        typer.echo(github_annotations(findings), nl=False)
    typer.echo(finding_lines(findings, hints=True), nl=False)
    raise typer.Exit(fail_code(findings, fail_on))


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
