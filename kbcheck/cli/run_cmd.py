"""`kbcheck run`: validate, extract claims, pair and run verifiers; write reports/report.json."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from kbcheck.cli import app

_MARK = {"supported": "ok", "refuted": "REFUTED", "conditional": "conditional",
         "unverifiable": "unverifiable", "skipped": "skipped", "error": "ERROR"}


@app.command("run")
def run(
    paths: list[Path] = typer.Argument(None, help="Article files or folders (default: kb/)."),
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for report.json."),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Measure again; ignore the cache."),
    cache_dir: Path = typer.Option(Path(".kbcheck-cache/results"), "--cache-dir",
                                   help="Where results are cached."),
    evidence_dir: Path = typer.Option(None, "--evidence-dir",
                                      help="Recorded GPU evidence (default: OUT/evidence)."),
    fail_on: str = typer.Option("error", "--fail-on",
                                help="Exit 1 on findings at or above: error, warning, info, "
                                "never."),
    jobs: int = typer.Option(1, "--jobs", min=1, max=64, help="Verifier worker processes."),
    memory_mb: int = typer.Option(4096, "--memory-mb", min=256,
                                  help="Address-space limit of each CPU worker, MiB."),
    formats: str = typer.Option("json,md,html,junit,sarif", "--reports",
                                help="Report files to write to OUT, comma-separated: "
                                "json, md, html, junit, sarif."),
    links: bool = typer.Option(True, "--links/--no-links", help="Check cited sources."),
    offline: bool = typer.Option(False, "--offline",
                                 help="Links: only the checks that need no network."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="Links: let loopback and private addresses through."),
    links_cache_dir: Path = typer.Option(Path(".kbcheck-cache/links"), "--links-cache-dir",
                                         help="Where link results are cached."),
    links_deadline: float = typer.Option(300.0, "--links-deadline", min=1.0,
                                         help="Links: seconds for the whole stage; what is "
                                         "left is unverified (deadline)."),
) -> None:
    """Check articles end to end, write the reports to OUT and print a summary."""
    if device not in ("cpu", "cuda"):
        raise typer.BadParameter("--device must be cpu or cuda")
    if fail_on not in ("error", "warning", "info", "never"):
        raise typer.BadParameter("--fail-on must be error, warning, info or never")
    from kbcheck.report import REPORTERS

    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in REPORTERS]
    if unknown:
        raise typer.BadParameter(f"unknown report {unknown[0]!r}; known: {', '.join(REPORTERS)}")
    from kbcheck.cache import ResultCache
    from kbcheck.cli._common import exit_code, write_atomic
    from kbcheck.models import Severity
    from kbcheck.pipeline import check_paths
    from kbcheck.runner import RunOptions
    from kbcheck.safe_text import printable

    targets = [str(p) for p in (paths or [Path("kb")])]
    options = RunOptions(
        device=device, jobs=jobs, memory_mb=memory_mb,
        cache=None if no_cache else ResultCache(cache_dir),
        evidence_dir=evidence_dir or out / "evidence",
    )

    def progress(job, ev) -> None:
        how = " (cached)" if ev.cached else " (recorded)" if ev.recorded else ""
        typer.echo(f"  {job.verifier.id}: {ev.verdict.value}{how} {ev.duration_s:.2f}s", err=True)

    link_config = None
    if links:
        from kbcheck.links import LinkConfig

        link_config = LinkConfig(
            offline=offline, cache_dir=None if no_cache else links_cache_dir,
            stage_deadline_s=links_deadline,
            allow_addresses=frozenset({"loopback", "private"}) if allow_private else frozenset())
    try:
        report = check_paths(targets, options=options, progress=progress, links=link_config)
    except KeyboardInterrupt:
        # Nothing is written: a report of part of the run would read as the whole of it.
        typer.echo("kbcheck run: interrupted; no report was written", err=True)
        raise typer.Exit(130) from None
    if options.cache is not None and options.cache.problem:
        typer.echo(f"kbcheck run: warning: {options.cache.problem}", err=True)
    written = []
    for name in wanted:
        filename, render = REPORTERS[name]
        write_atomic(out / filename, render(report))
        written.append(str(out / filename))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from kbcheck.render import github_annotations

        typer.echo(github_annotations(report.findings), nl=False)
    for r in report.claims:
        if r.verdict.value == "unverifiable":
            continue
        c = r.claim
        text = c.text if len(c.text) <= 70 else c.text[:67] + "..."
        typer.echo(printable(f"{_MARK[r.verdict.value]:>12}  {c.path}:{c.line}  {text}"))
        typer.echo(printable(f"{'':>14}{r.evidence.verifier if r.evidence else '-'}: "
                             f"{r.explanation}"))
    s, st = report.summary, report.runner
    typer.echo(
        f"{len(report.articles)} articles, {len(report.claims)} claims: "
        + ", ".join(f"{n} {v}" for v, n in s.items() if n)
        + f". {st['jobs']} verifier runs ({st['cached']} cached, {st['executed']} executed, "
        f"{st['recorded']} from recorded evidence). "
        + ", ".join(f"{n} {k}" for k, n in report.finding_counts.items() if n)
        + (" findings. " if any(report.finding_counts.values()) else "")
        + (f"Links: {_link_counts(report.links)}. " if report.links is not None else "")
        + f"Wrote {', '.join(written)} in {report.duration_s:.2f}s."
    )
    if fail_on != "never":
        raise typer.Exit(exit_code(report.findings, Severity(fail_on)))


def _link_counts(links) -> str:
    """'6 unverified' style counts of the links stage, outcomes with none left out."""
    return ", ".join(f"{n} {k}" for k, n in links.counts().items() if n) or "none cited"
