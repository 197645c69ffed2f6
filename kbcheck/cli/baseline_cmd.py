"""`kbcheck baseline`: accept today's findings, so that CI fails only on new ones."""

from __future__ import annotations

from pathlib import Path

import typer

from kbcheck.cli import app


@app.command("baseline")
def baseline(
    paths: list[Path] = typer.Argument(None, help="Article files or folders (default: the "
                                       "configuration's `paths`, kb/)."),
    file: Path = typer.Option(None, "--file", help="The baseline to write (default: the "
                              "configuration's baseline, kbcheck-baseline.json)."),
    prune: bool = typer.Option(False, "--prune", help="Only drop the entries that match no "
                               "finding any more; accept nothing new."),
    links: bool = typer.Option(True, "--links/--no-links", help="Check cited sources."),
    offline: bool = typer.Option(False, "--offline",
                                 help="Links: only the checks that need no network."),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda."),
    allow_empty: bool = typer.Option(False, "--allow-empty",
                                     help="No article file matched is not an error."),
) -> None:
    """Run the checks as `kbcheck run` does (cached) and write every finding to the baseline,
    keyed by rule, file and claim text (not line), so that `run` reports only new ones."""
    from kbcheck import baseline as baselines
    from kbcheck.cli._common import STATE, fail, load, write_atomic
    from kbcheck.cli.run_cmd import Measure, measure

    config = load("baseline")
    target = file or config.path("baseline")
    previous = None
    if prune:
        try:
            previous = baselines.parse(target.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            fail("baseline", f"cannot prune {target}: {exc}")
    how = Measure(out=config.path("out"), device=device, links=links, offline=offline,
                  allow_empty=allow_empty)
    report, _ = measure("baseline", paths, config, how, check_out=False)
    text = baselines.render(report.findings, report.claims, previous=previous,
                            prune_only=prune)
    write_atomic(target, text)
    n = text.count('"rule":')
    if not STATE.quiet:
        before = f" (was {len(previous)})" if previous is not None else ""
        typer.echo(f"wrote {target}: {n} accepted findings{before}")
