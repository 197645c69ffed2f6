"""`kbcheck run`: validate, extract claims, pair and run verifiers; write reports/report.json."""

from __future__ import annotations

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
) -> None:
    """Check articles end to end and write OUT/report.json; prints a summary."""
    if device not in ("cpu", "cuda"):
        raise typer.BadParameter("--device must be cpu or cuda")
    if fail_on not in ("error", "warning", "info", "never"):
        raise typer.BadParameter("--fail-on must be error, warning, info or never")
    from kbcheck.cache import ResultCache
    from kbcheck.cli._common import exit_code, write_atomic
    from kbcheck.models import Severity
    from kbcheck.pipeline import check_paths
    from kbcheck.runner import RunOptions

    targets = [str(p) for p in (paths or [Path("kb")])]
    options = RunOptions(
        device=device, jobs=jobs, memory_mb=memory_mb,
        cache=None if no_cache else ResultCache(cache_dir),
        evidence_dir=evidence_dir or out / "evidence",
    )

    def progress(job, ev) -> None:
        how = " (cached)" if ev.cached else " (recorded)" if ev.recorded else ""
        typer.echo(f"  {job.verifier.id}: {ev.verdict.value}{how} {ev.duration_s:.2f}s", err=True)

    report = check_paths(targets, options=options, progress=progress)
    write_atomic(out / "report.json", report.model_dump_json(indent=2) + "\n")
    for r in report.claims:
        if r.verdict.value == "unverifiable":
            continue
        c = r.claim
        text = c.text if len(c.text) <= 70 else c.text[:67] + "..."
        typer.echo(f"{_MARK[r.verdict.value]:>12}  {c.path}:{c.line}  {text}")
        typer.echo(f"{'':>14}{r.evidence.verifier if r.evidence else '-'}: {r.explanation}")
    s, st = report.summary, report.runner
    typer.echo(
        f"{len(report.articles)} articles, {len(report.claims)} claims: "
        + ", ".join(f"{n} {v}" for v, n in s.items() if n)
        + f". {st['jobs']} verifier runs ({st['cached']} cached, {st['executed']} executed, "
        f"{st['recorded']} from recorded evidence). "
        + ", ".join(f"{n} {k}" for k, n in report.finding_counts.items() if n)
        + (" findings. " if any(report.finding_counts.values()) else "")
        + f"Wrote {out / 'report.json'} in {report.duration_s:.2f}s."
    )
    if fail_on != "never":
        raise typer.Exit(exit_code(report.findings, Severity(fail_on)))
