"""Find the article files under the paths given on the command line.

Folders are walked recursively in a stable (sorted) order; hidden entries (a leading dot) and
`__pycache__` are skipped. Anything that cannot be listed or is not a regular file (a broken
link, a FIFO, a folder without permission) becomes a finding, and the walk goes on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from kbcheck.models import Finding, Severity


def _unreadable(path: str, why: str) -> Finding:
    return Finding(rule="file-unreadable", severity=Severity.error, path=path, message=why,
                   hint="fix the permissions or the link, or remove the entry")


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__"


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[Finding]]:
    """The article files under `paths` (each file once, in order) and the entries that could
    not be read."""
    files: list[str] = []
    findings: list[Finding] = []
    seen: set[tuple[int, int]] = set()  # (device, inode): a file named twice is read once

    def add(path: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key not in seen:
            seen.add(key)
            files.append(path)

    def walk(folder: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            findings.append(_unreadable(folder, f"cannot list the folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            if _skipped(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path)
                    continue
                st = entry.stat()  # follows a link to its target
            except OSError as exc:
                findings.append(_unreadable(entry.path, f"cannot read: {exc.strerror or exc}"))
                continue
            mode = st.st_mode
            if stat.S_ISREG(mode):
                add(entry.path, st)
            elif not stat.S_ISDIR(mode):  # a link to a folder is not followed (no loops)
                findings.append(_unreadable(entry.path, "not a regular file"))

    for raw in paths:
        path = os.fspath(raw)
        try:
            st = os.stat(path)
        except OSError as exc:
            findings.append(_unreadable(path, f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            walk(path)
        elif stat.S_ISREG(st.st_mode):
            add(path, st)
        else:
            findings.append(_unreadable(path, "not a regular file"))
    return files, findings
