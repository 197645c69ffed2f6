"""`kbcheck links PATH…`: check every source the articles cite (never imports torch)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path

import typer

from kbcheck.cli import app
from kbcheck.models import Severity


class LinksFormat(StrEnum):
    """`--format` choices."""

    text = "text"
    json = "json"


@app.command("links")
def links(
    paths: list[Path] = typer.Argument(..., help="Article files or folders of them."),
    offline: bool = typer.Option(
        False, "--offline", help="No network: run only the checks that need none."),
    output: LinksFormat = typer.Option(LinksFormat.text, "--format", "-f", help="text or json."),
    cache_dir: Path = typer.Option(
        Path(".kbcheck-cache/links"), "--cache-dir", help="Where outcomes are cached."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the cache."),
    allow_private: bool = typer.Option(
        False, "--allow-private",
        help="Allow loopback and private addresses (tests, intranet knowledge bases)."),
    fail_on: Severity = typer.Option(
        Severity.error, "--fail-on", help="Exit 1 when a finding is at least this severe."),
    deadline: float = typer.Option(
        300.0, "--deadline", min=1.0,
        help="Seconds for all the checks; what is left is unverified (deadline)."),
) -> None:
    """Check every cited URL: outcome, status, final URL, and titles against arXiv / DOI."""
    from kbcheck.cli._common import exit_code
    from kbcheck.links import LinkConfig, check_links
    from kbcheck.links.render import render_links_json, render_links_text
    from kbcheck.validate import validate_paths

    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        typer.echo(f"kbcheck links: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    loaded = validate_paths(paths)
    articles = [r.article for r in loaded.results if r.article is not None]
    # Files that could not be loaded are reported, not silently skipped; the rules' findings
    # about loaded articles belong to `kbcheck validate`.
    load_findings = [f for r in loaded.results if r.article is None for f in r.findings]
    known = {r.path for r in loaded.results}
    load_findings += [f for f in loaded.findings if f.path not in known]
    allow = frozenset({"loopback", "private"}) if allow_private else frozenset()
    config = LinkConfig(offline=offline, allow_addresses=allow, stage_deadline_s=deadline,
                        cache_dir=None if no_cache else cache_dir)
    report = check_links(articles, config)
    render = render_links_json if output is LinksFormat.json else render_links_text
    sys.stdout.write(render(report, load_findings))
    sys.stdout.flush()
    raise typer.Exit(exit_code([*load_findings, *report.all_findings()], fail_on))
