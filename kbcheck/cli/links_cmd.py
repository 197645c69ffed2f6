"""`kbcheck links PATH…`: check every source the articles cite (never imports torch)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from kbcheck.cli import app
from kbcheck.cli._common import FAIL_ON_HELP


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
    fail_on: str = typer.Option(None, "--fail-on", help=FAIL_ON_HELP),
    deadline: float = typer.Option(
        None, "--deadline", min=1.0,
        help="Seconds for all the checks (default: the configuration's links.budget, 300); "
        "what is left is unverified (deadline)."),
    allow_empty: bool = typer.Option(False, "--allow-empty",
                                     help="No article file matched is not an error."),
) -> None:
    """Check every cited URL: outcome, status, final URL, and titles against arXiv / DOI."""
    from kbcheck.cli._common import (
        STATE,
        StageBar,
        apply_severity,
        fail_code,
        finding_lines,
        gather,
        github_annotations,
        in_github_actions,
        prepare,
    )
    from kbcheck.cli.run_cmd import _accept_statuses
    from kbcheck.links import LinkConfig, check_links
    from kbcheck.links.render import render_links_json, render_links_text
    from kbcheck.suppress import apply_suppressions
    from kbcheck.validate import validate_paths

    targets, config, fail_on = prepare("links", paths, fail_on)
    found = gather("links", targets, config, allow_empty=allow_empty)
    loaded = validate_paths(found.files)
    loaded.findings[:0] = found.findings
    articles = [r.article for r in loaded.results if r.article is not None]
    # Files that could not be loaded are reported, not silently skipped; the rules' findings
    # about loaded articles belong to `kbcheck validate`.
    load_findings = [f for r in loaded.results if r.article is None for f in r.findings]
    known = {r.path for r in loaded.results}
    load_findings += [f for f in loaded.findings if f.path not in known]
    allow = frozenset({"loopback", "private"}) if allow_private else frozenset()
    link_config = LinkConfig(
        offline=offline, allow_addresses=allow, ignore=tuple(config["links.ignore"]),
        stage_deadline_s=deadline or config["links.budget"],
        cache_dir=None if no_cache else cache_dir)
    bar = StageBar("links", shown=sys.stderr.isatty() and not STATE.quiet)
    try:
        report = check_links(articles, link_config, progress=bar)
    finally:
        bar.stop()
    if config["links.accept"]:
        _accept_statuses(report, set(config["links.accept"]))
    findings = apply_suppressions([*load_findings, *report.all_findings()], articles,
                                  checked=lambda rule: rule.startswith("links."))
    findings = apply_severity(findings, config)
    if in_github_actions() and output is LinksFormat.text:
        sys.stdout.write(github_annotations(findings))
    if output is LinksFormat.json:
        sys.stdout.write(render_links_json(report, load_findings))
    else:  # the findings in the one line format; -v adds each URL's outcome and citations
        blocks = render_links_text(report.model_copy(update={"findings": []})).splitlines()
        sys.stdout.write(finding_lines(findings, hints=STATE.verbose))
        if STATE.verbose:
            sys.stdout.write("".join(line + "\n" for line in blocks[:-1]))
        if not STATE.quiet:
            sys.stdout.write(blocks[-1] + "\n")
    sys.stdout.flush()
    raise typer.Exit(fail_code(findings, fail_on))
