"""`kbcheck summary`: a compact Markdown summary of a written report (for a CI job's page)."""

from __future__ import annotations

from pathlib import Path

import typer

from kbcheck.cli import app

_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


@app.command("summary")
def summary(
    report: Path = typer.Argument(Path("reports/report.json"),
                                  help="A report.json written by `kbcheck run`, or its folder."),
    limit: int = typer.Option(20, "--limit", min=0, help="Findings listed (worst first)."),
) -> None:
    """Print a short Markdown summary of a report: verdicts, findings, and the worst of them
    (`kbcheck summary >> "$GITHUB_STEP_SUMMARY"` in a workflow)."""
    from kbcheck.cli._common import fail, sort_findings
    from kbcheck.models import Report, Severity
    from kbcheck.report.markdown import _cell, _code
    from kbcheck.safe_text import printable

    path = report / "report.json" if report.is_dir() else report
    try:
        doc = Report.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail("summary", f"cannot read the report {path}: {exc}")
    verdicts = " · ".join(f"{n} {v}" for v, n in doc.summary.items() if n) or "no claims"
    counts = ", ".join(f"{n} {k}" for k, n in doc.finding_counts.items() if n) or "none"
    out = ["### kbcheck", "",
           f"{len(doc.articles)} articles, {len(doc.claims)} claims: {verdicts}.  ",
           f"Findings: {counts}.", ""]
    order = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
    worst = sorted(sort_findings(doc.findings), key=lambda f: order[f.severity])[:limit]
    if worst:
        out += ["| | where | rule | message |", "| --- | --- | --- | --- |"]
        for f in worst:
            where = f.path + (f":{f.line}" if f.line else "")
            message = f.message if len(f.message) <= 300 else f.message[:297] + "..."
            # article text is untrusted: table cells and code spans it cannot break out of
            out.append(f"| {_ICON[f.severity.value]} | {_code(where)} | {_cell(f.rule)} | "
                       f"{_cell(printable(message))} |")
        more = len(doc.findings) - len(worst)
        if more > 0:
            out.append(f"\n… and {more} more in the report.")
    typer.echo("\n".join(out))
