"""Helpers shared by the command modules: atomic writes and exit codes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kbcheck.models import Finding, Severity


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
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=160)
