"""Helpers shared by the command modules: global options, configuration, scoping, exit
codes, the one line format of findings, GitHub annotations, atomic writes."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from kbcheck.config import FAIL_ON, Config, ConfigError, level, load_config
from kbcheck.discover import Discovery, Scope, discover_scoped
from kbcheck.models import Finding, Severity
from kbcheck.safe_text import printable


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temp file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file 0600; a report is for reviewers: the umask's mode, as open()
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it; it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def exit_code(findings: Iterable[Finding], fail_on: Severity) -> int:
    """1 when any finding reaches `fail_on`, else 0."""
    return int(any(f.severity.rank >= fail_on.rank for f in findings))


def console():
    """A rich console; written to a pipe or a file it is 160 columns wide, not rich's 80, so
    tables of claims stay readable in CI logs."""
    from rich.console import Console

    color = use_color()
    if sys.stdout.isatty():
        return Console(no_color=not color)
    return Console(width=160, force_terminal=color or None, no_color=not color)


class StageBar:
    """One stage's progress as a rich bar with N/M on stderr (links, verifiers), drawn only
    when `shown` (a terminal, not -q); it appears at the first report and goes away when the
    stage is done."""

    def __init__(self, label: str, *, shown: bool) -> None:
        self.label, self.shown, self.finished = label, shown, False
        self._rich = self._task = None

    def __call__(self, done: int, total: int) -> None:
        """The stage has `done` of `total` items."""
        if not self.shown or self.finished or total <= 0:
            return
        if self._rich is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._rich = Progress(self.label, BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=Console(stderr=True),
                                  transient=True)
            self._task = self._rich.add_task(self.label, total=total)
            self._rich.start()
        self._rich.update(self._task, completed=done, total=total)
        if done >= total:
            self.stop()

    def stop(self) -> None:
        """Take the bar away (at the end, or when the run is interrupted)."""
        self.finished = True
        if self._rich is not None:
            self._rich.stop()
            self._rich = None


# ---- options shared by every command (set by the callback in kbcheck.cli) -------------------

@dataclass
class State:
    """The global options: verbosity, colour and the configuration file named, if any."""

    quiet: bool = False
    verbose: bool = False
    color: str = "auto"  # auto | always | never
    config_file: Path | None = None


STATE = State()
FAIL_ON_HELP = "Exit 1 on findings at or above: error, warning, info, or never."


def use_color() -> bool:
    """`--color`, then NO_COLOR (any value turns colour off), then whether stdout is a TTY."""
    if STATE.color != "auto":
        return STATE.color == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def load(command: str) -> Config:
    """The effective configuration; a configuration file that cannot be used is exit 2."""
    try:
        return load_config(file=STATE.config_file)
    except ConfigError as exc:
        fail(command, str(exc))


def fail(command: str, message: str, code: int = 2) -> NoReturn:
    """Print `kbcheck COMMAND: message` on stderr and exit (2: usage error)."""
    import typer

    typer.echo(f"kbcheck {command}: {printable(message)}", err=True)
    raise typer.Exit(code)


def check_fail_on(command: str, value: str) -> str:
    """`--fail-on`'s value, checked."""
    if value not in FAIL_ON:
        fail(command, f"--fail-on must be one of {', '.join(FAIL_ON)}, not {value!r}")
    return value


def fail_code(findings: Iterable[Finding], fail_on: str) -> int:
    """The exit code for `findings` under `--fail-on` (`never`: always 0)."""
    return 0 if fail_on == "never" else exit_code(findings, Severity(fail_on))


def require_paths(command: str, paths: Iterable[Path]) -> list[str]:
    """The paths as strings; any that does not exist is a usage error (exit 2)."""
    targets = [str(p) for p in paths]
    missing = [p for p in targets if not os.path.lexists(p)]
    if missing:
        fail(command, f"no such file or folder: {', '.join(missing)}")
    return targets


def prepare(command: str, paths: Iterable[Path], fail_on: str | None
            ) -> tuple[list[str], Config, str]:
    """What every checking command starts with: its paths (a missing one is exit 2), its
    configuration, and the `--fail-on` level (the option, else the configuration's)."""
    targets = require_paths(command, paths)
    config = load(command)
    return targets, config, check_fail_on(command, fail_on or config["fail-on"])


def gather(command: str, targets: list[str], config: Config, *, allow_empty: bool,
           skip_dirs: Iterable[Path] = ()) -> Discovery:
    """The files in scope under `targets`. None at all (and nothing unreadable) is exit 1 with
    what was left out, unless `allow_empty`."""
    scope = Scope(root=str(config.root), include=list(config["include"]),
                  exclude=config.excludes(), gitignore=config["respect-gitignore"],
                  skip_dirs=[str(config.path("out")), *map(str, skip_dirs)])
    found = discover_scoped(targets, scope)
    if not found.files and not found.findings and not allow_empty:
        why = "".join(f"\n  {p}: {w}" for p, w in found.skipped[:10])
        more = len(found.skipped) - 10
        fail(command, f"no article files matched {' '.join(targets)}"
             + (f"; {len(found.skipped)} left out:" if found.skipped else "") + why
             + (f"\n  … and {more} more" if more > 0 else "")
             + "\n(pass --allow-empty to accept, or change include/exclude in the "
             "configuration: `kbcheck config` shows it)", 1)
    if STATE.verbose:
        for p, w in found.skipped:
            print(printable(f"kbcheck {command}: skipped {p}: {w}"), file=sys.stderr)
    return found


def apply_severity(findings: Iterable[Finding], config: Config) -> list[Finding]:
    """Findings with the configured per-rule severity; a rule set to `off` is dropped."""
    out = []
    for f in findings:
        name = config.severity_of(f.rule)
        if name is None:
            out.append(f)
        elif (sev := level(name)) is not None:
            out.append(f if sev is f.severity else f.model_copy(update={"severity": sev}))
    return out


_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """By file, line, column, severity and rule."""
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.column or 0,
                                           _ORDER[f.severity], f.rule))


def finding_line(f: Finding) -> str:
    """`path:line:col: severity message [rule]`, the one line format of every command."""
    where = f.path + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.column else "")
    return printable(f"{where}: {f.severity.value} {f.message} [{f.rule}]")


def finding_lines(findings: Iterable[Finding], *, hints: bool = False) -> str:
    """Every finding on its line (with its hint below when asked), coloured when wanted."""
    rows = []
    style = {Severity.error: "\x1b[1;31m", Severity.warning: "\x1b[33m", Severity.info: "\x1b[36m"}
    color = use_color()
    for f in sort_findings(findings):
        line = finding_line(f)
        if color:
            word = f" {f.severity.value} "
            head, _, tail = line.partition(word)
            line = f"\x1b[1m{head}\x1b[0m {style[f.severity]}{f.severity.value}\x1b[0m {tail}"
        rows.append(line + "\n")
        if hints and f.hint:
            rows.append(printable(f"    hint: {f.hint}") + "\n")
    return "".join(rows)


# GitHub shows at most 10 annotations of each level per step and 50 per job.
# (docs.github.com, "Workflow commands for GitHub Actions" / check-run annotation limits)
GITHUB_PER_LEVEL = 10
GITHUB_PER_JOB = 50


def github_annotations(findings: Iterable[Finding], *, per_level: int = GITHUB_PER_LEVEL) -> str:
    """Workflow annotations, worst first, one per distinct link problem (not per citation),
    capped at GitHub's limits; a final notice says how many more there were."""
    from kbcheck.render import github_annotations as render

    seen: set[tuple[str, str]] = set()
    distinct = []
    for f in sort_findings(findings):
        if f.rule.startswith("links."):
            if (f.rule, f.message) in seen:
                continue
            seen.add((f.rule, f.message))
        distinct.append(f)
    by_level = {s: [f for f in distinct if f.severity is s] for s in Severity}
    # the notice about the rest is itself a notice: keep one place for it
    room = {Severity.error: per_level, Severity.warning: per_level,
            Severity.info: per_level - 1}
    shown = [f for s in (Severity.error, Severity.warning, Severity.info)
             for f in by_level[s][:room[s]]]
    rest = len(distinct) - len(shown)
    text = render(shown)
    if rest:
        text += (f"::notice title=kbcheck::{rest} more findings than GitHub shows "
                 f"({per_level} per level per step); see the job log or the report\n")
    return text


def in_github_actions() -> bool:
    """Whether this runs as a GitHub Actions step."""
    return os.environ.get("GITHUB_ACTIONS", "").lower() == "true"
