"""`kbcheck run`: validate, check links, extract, pair and measure claims; write the reports."""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import typer

from kbcheck.cli import app
from kbcheck.cli._common import FAIL_ON_HELP

_MARK = {"supported": "ok", "refuted": "REFUTED", "conditional": "conditional",
         "unverifiable": "unverifiable", "skipped": "skipped", "error": "ERROR"}
VERIFY_EXTRA = ("pip install 'kbcheck[verify]' "
                "--extra-index-url https://download.pytorch.org/whl/cpu")


@dataclass
class Measure:
    """How `run` and `baseline` measure: everything but the paths and the configuration."""

    out: Path
    device: str = "cpu"
    no_cache: bool = False
    cache_dir: Path = Path(".kbcheck-cache/results")
    evidence_dir: Path | None = None
    jobs: int = 1
    memory_mb: int = 4096
    links: bool = True
    offline: bool = False
    allow_private: bool = False
    links_cache_dir: Path = Path(".kbcheck-cache/links")
    links_deadline: float | None = None
    allow_empty: bool = False


@app.command("run")
def run(
    paths: list[Path] = typer.Argument(None, help="Article files or folders (default: the "
                                       "configuration's `paths`, kb/)."),
    out: Path = typer.Option(None, "--out", help="Folder for the reports (default: reports/)."),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Measure again; ignore the cache."),
    cache_dir: Path = typer.Option(Path(".kbcheck-cache/results"), "--cache-dir",
                                   help="Where results are cached."),
    evidence_dir: Path = typer.Option(None, "--evidence-dir",
                                      help="Recorded GPU evidence (default: the configuration's "
                                      "evidence-dir, reports/evidence; never under --out)."),
    fail_on: str = typer.Option(None, "--fail-on", help=FAIL_ON_HELP),
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
    links_deadline: float = typer.Option(None, "--links-deadline", min=1.0,
                                         help="Links: seconds for the whole stage (default: "
                                         "the configuration's links.budget, 300)."),
    output: str = typer.Option("text", "--format", "-f",
                               help="text (findings and a summary) or json (the report)."),
    allow_empty: bool = typer.Option(False, "--allow-empty",
                                     help="No article file matched is not an error."),
    baseline: Path = typer.Option(None, "--baseline",
                                  help="Accepted findings (default: the configuration's "
                                  "baseline, kbcheck-baseline.json when it exists)."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Report every finding."),
    summary_file: Path = typer.Option(None, "--summary",
                                      help="Also write a compact Markdown summary (refuted, "
                                      "error and conditional claims, under 1 MiB) to this file, "
                                      "e.g. \"$GITHUB_STEP_SUMMARY\"."),
) -> None:
    """Check articles end to end, write the reports to OUT and list every finding."""
    from kbcheck import baseline as baselines
    from kbcheck.cli._common import (
        STATE,
        check_fail_on,
        fail,
        fail_code,
        finding_lines,
        github_annotations,
        in_github_actions,
        load,
        write_atomic,
    )
    from kbcheck.report import REPORTERS, renderers

    if output not in ("text", "json"):
        fail("run", "--format must be text or json")
    config = load("run")
    fail_on = check_fail_on("run", fail_on or config["fail-on"])
    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in REPORTERS]
    if unknown:
        fail("run", f"unknown report {unknown[0]!r}; known: {', '.join(REPORTERS)}")
    how = Measure(out=out or config.path("out"), device=device, no_cache=no_cache,
                  cache_dir=cache_dir, evidence_dir=evidence_dir, jobs=jobs, memory_mb=memory_mb,
                  links=links, offline=offline, allow_private=allow_private,
                  links_cache_dir=links_cache_dir, links_deadline=links_deadline,
                  allow_empty=allow_empty)
    entries, baseline_file = _baseline(config, baseline, no_baseline)
    report, notes = measure("run", paths, config, how, check_out=bool(wanted))
    accepted = 0
    if entries is not None:
        applied = baselines.apply(report.findings, report.claims, entries)
        accepted = applied.accepted
        _set_findings(report, applied.kept)
        if applied.stale:
            notes.append(f"{len(applied.stale)} baseline entries in {baseline_file} match no "
                         "finding any more: `kbcheck baseline --prune` drops them")
    written = []
    reporters = renderers(**web_links(config))
    for name in wanted:
        filename, render = reporters[name]
        write_atomic(how.out / filename, render(report))
        written.append(str(how.out / filename))
    if summary_file is not None:
        from kbcheck.report.summary import render_summary

        write_atomic(summary_file, render_summary(report))
        written.append(str(summary_file))
    if output == "json":
        sys.stdout.write(REPORTERS["json"][1](report))
    else:
        if in_github_actions():
            typer.echo(github_annotations(report.findings), nl=False)
        typer.echo(finding_lines(report.findings, hints=STATE.verbose), nl=False)
        if STATE.verbose:
            _claims(report)
        if not STATE.quiet:
            for note in notes:
                typer.echo(f"kbcheck run: {note}", err=True)
            typer.echo(_summary(report, written, accepted))
    raise typer.Exit(fail_code(report.findings, fail_on))


def web_links(config) -> dict[str, str | None]:
    """Where the reports link out, from the `repository-url` setting: file:line under it (the
    report's paths are relative to the working folder, which may be below the project root),
    and SARIF rules' pages under its docs/rules/ when the project has that folder."""
    url = config["repository-url"].rstrip("/")
    if not url:
        return {"repo_url": None, "rules_url": None}
    here = Path(os.path.relpath(".", config.root)).as_posix()
    repo_url = url if here == "." or here.split("/")[0] == ".." else f"{url}/{here}"
    rules = (config.root / "docs" / "rules").is_dir()
    return {"repo_url": repo_url, "rules_url": f"{url}/docs/rules/" if rules else None}


def measure(command: str, paths: list[Path] | None, config, how: Measure, *,
            check_out: bool = True):
    """Everything up to the report (suppressions and per-rule severity applied, no baseline):
    the report and notes for the user. Usage problems exit 2 before anything is measured."""
    from kbcheck.cli._common import STATE, StageBar, apply_severity, gather, require_paths
    from kbcheck.suppress import apply_suppressions

    targets = require_paths(command, paths or [config.root / p for p in config["paths"]])
    if check_out:
        _check_out(command, how.out)
    _check_device(command, how.device)
    evidence_dir = how.evidence_dir or config.path("evidence-dir")
    found = gather(command, targets, config, allow_empty=how.allow_empty,
                   skip_dirs=[how.out, evidence_dir])
    from kbcheck.cache import ResultCache
    from kbcheck.pipeline import check_articles
    from kbcheck.runner import RunOptions
    from kbcheck.validate import validate_paths
    from verifiers._env import has_package

    notes: list[str] = []
    registry = None
    if not has_package("torch"):
        registry = _without_torch()
        notes.append("torch is not installed, so claims are not measured here (recorded "
                      f"evidence is still used); to measure them: {VERIFY_EXTRA}")
    options = RunOptions(device=how.device, jobs=how.jobs, memory_mb=how.memory_mb,
                         cache=None if how.no_cache else ResultCache(how.cache_dir),
                         evidence_dir=evidence_dir)

    on_terminal = sys.stderr.isatty() and not STATE.quiet
    progress = _Progress(bar=on_terminal, lines=not STATE.quiet)
    links_bar = StageBar("links", shown=on_terminal)

    link_config = None
    if how.links:
        from kbcheck.links import LinkConfig

        link_config = LinkConfig(
            offline=how.offline, cache_dir=None if how.no_cache else how.links_cache_dir,
            stage_deadline_s=how.links_deadline or config["links.budget"],
            ignore=tuple(config["links.ignore"]),
            allow_addresses=frozenset({"loopback", "private"}) if how.allow_private
            else frozenset())
    validated = validate_paths(found.files)
    articles = validated.articles
    try:
        report = check_articles(articles, [*found.findings, *validated.findings],
                                registry=registry, options=options, paths=targets,
                                progress=progress, links=link_config, on_jobs=progress.start,
                                on_links=links_bar)
    except KeyboardInterrupt:
        links_bar.stop()
        progress.stop()
        # Nothing is written: a report of part of the run would read as the whole of it.
        typer.echo(f"kbcheck {command}: interrupted; no report was written", err=True)
        raise typer.Exit(130) from None
    links_bar.stop()
    progress.stop()
    if options.cache is not None and options.cache.problem:
        notes.append(f"warning: {options.cache.problem}")
    if report.links is not None and config["links.accept"]:
        _accept_statuses(report.links, set(config["links.accept"]))
        report.findings = [f for f in report.findings if not f.rule.startswith("links.")]
        report.findings += report.links.all_findings()
    findings = apply_suppressions(report.findings, articles,
                                  checked=lambda r: how.links or not r.startswith("links."))
    _set_findings(report, apply_severity(findings, config))
    return report, notes


class _Progress:
    """The verifier stage's progress: a bar with N/M on a terminal (rich, on stderr), else one
    line per run. A cached or recorded result says so instead of its original duration."""

    def __init__(self, *, bar: bool, lines: bool) -> None:
        from kbcheck.cli._common import StageBar

        self.lines, self.done, self.total = lines, 0, 0
        self._bar = StageBar("verifiers", shown=bar)

    def start(self, total: int) -> None:
        self.total = total
        self._bar(0, total)

    def __call__(self, job, ev) -> None:
        self.done += 1
        how = (" (cached)" if ev.cached else " (recorded evidence)" if ev.recorded
               else f" {ev.duration_s:.2f}s")
        if self._bar.shown:
            self._bar(self.done, self.total)
        elif self.lines:
            typer.echo(f"  {job.verifier.id}: {ev.verdict.value}{how}", err=True)

    def stop(self) -> None:
        self._bar.stop()


def _set_findings(report, findings) -> None:
    report.findings = findings
    counts = {k: 0 for k in report.finding_counts}
    counts.update(Counter(f.severity.value for f in findings))
    report.finding_counts = counts


def _accept_statuses(links_report, statuses: set[int]) -> None:
    """Results whose HTTP status the configuration accepts (e.g. 403 bot walls) become ok."""
    from kbcheck.links.models import Outcome

    for r in links_report.results:
        if r.status in statuses and r.outcome is not Outcome.ok:
            r.outcome, r.error = Outcome.ok, None


def _baseline(config, given: Path | None, off: bool) -> tuple[list[dict] | None, Path | None]:
    """The baseline's entries (None when there is none), from --baseline or the configuration."""
    from kbcheck import baseline as baselines
    from kbcheck.cli._common import fail

    if off:
        return None, None
    path = given or config.path("baseline")
    if given is None and not path.is_file():
        return None, None
    try:
        return baselines.parse(path.read_text(encoding="utf-8")), path
    except (OSError, ValueError) as exc:
        fail("run", f"cannot use the baseline {path}: {exc}")


def _check_out(command: str, out: Path) -> None:
    """--out must be a folder that can be written: checked before anything is measured."""
    import tempfile

    from kbcheck.cli._common import fail

    if out.exists() and not out.is_dir():
        fail(command, f"--out {out} is a file, not a folder")
    # Nothing is created yet (an interrupted run leaves no folder behind): the nearest folder
    # that exists must be one, and must take a file.
    existing = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, f"{existing} is a file")
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        fail(command, f"cannot write to --out {out}: {exc.strerror or exc}")


def _check_device(command: str, device: str) -> None:
    """`--device cuda` needs a CUDA device here; asking torch costs a process, not an import."""
    import subprocess

    from kbcheck.cli._common import fail

    if device not in ("cpu", "cuda"):
        fail(command, "--device must be cpu or cuda")
    if device == "cpu":
        return
    probe = "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)"
    try:
        rc = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True,
                            timeout=300).returncode
    except (OSError, subprocess.SubprocessError):
        rc = 1
    if rc != 0:
        why = "no CUDA device is visible" if rc == 3 else "torch cannot be imported"
        fail(command, f"--device cuda: {why} here; use --device cpu (recorded GPU evidence is "
             "used where it matches)")


def _without_torch():
    """The verifiers, each also requiring torch: the runner then uses recorded evidence or
    reports the claim `skipped` with the reason, and never starts a worker that would fail."""
    import dataclasses

    from verifiers import registry

    out = {}
    for vid, v in registry().items():
        needs = dataclasses.replace(v.requires, packages=(*v.requires.packages, "torch"))
        changes = {"requires": needs}
        if getattr(v, "fallback", None) is not None:
            changes["fallback"] = None
        out[vid] = dataclasses.replace(v, **changes)
    return out


def _claims(report) -> None:
    """Every measured claim with its verdict and explanation (-v)."""
    from kbcheck.safe_text import printable

    for r in report.claims:
        if r.verdict.value == "unverifiable":
            continue
        c = r.claim
        typer.echo(printable(f"{_MARK[r.verdict.value]:>12}  {c.path}:{c.line}  {c.text}"))
        pair = f"{r.figure.text()}. " if r.figure is not None and r.verdict.value in (
            "refuted", "conditional") else ""
        typer.echo(printable(f"{'':>14}{r.evidence.verifier if r.evidence else '-'}: "
                             f"{pair}{r.explanation}"))


def _summary(report, written: list[str], accepted: int) -> str:
    s, st = report.summary, report.runner
    return (
        f"{len(report.articles)} articles, {len(report.claims)} claims: "
        + ", ".join(f"{n} {v}" for v, n in s.items() if n)
        + f". {st['jobs']} verifier runs ({st['cached']} cached, {st['executed']} executed, "
        f"{st['recorded']} from recorded evidence). "
        + ", ".join(f"{n} {k}" for k, n in report.finding_counts.items() if n)
        + (" findings. " if any(report.finding_counts.values()) else "")
        + (f"{accepted} accepted by the baseline. " if accepted else "")
        + (f"Links: {_link_counts(report.links)}. " if report.links is not None else "")
        + (f"Wrote {', '.join(written)} " if written else "")
        + f"in {report.duration_s:.2f}s."
    )


def _link_counts(links) -> str:
    """'6 unverified' style counts of the links stage, outcomes with none left out."""
    return ", ".join(f"{n} {k}" for k, n in links.counts().items() if n) or "none cited"
