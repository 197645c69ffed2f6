"""Find the article files under the paths given on the command line.

Folders are walked (without recursion, so any depth is fine) in a stable, sorted order; hidden
entries (a leading dot) and `__pycache__` are skipped. Anything that cannot be listed or is not
a regular file (a broken link, a FIFO, a folder without permission), a name that is not UTF-8,
and a link that leads out of the folder being checked become findings, and the walk goes on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator

from kbcheck.models import Finding, Severity


def _finding(path: str, why: str, rule: str = "file-unreadable",
             hint: str = "fix the permissions or the link, or remove the entry") -> Finding:
    return Finding(rule=rule, severity=Severity.error, path=path, message=why, hint=hint)


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__"


def shown(path: str) -> str:
    """`path` as text that can be printed and serialised: undecodable bytes become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


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

    def listing(folder: str) -> Iterator[os.DirEntry] | None:
        try:
            with os.scandir(folder) as it:
                return iter(sorted(it, key=lambda e: e.name))
        except OSError as exc:
            findings.append(_finding(shown(folder),
                                     f"cannot list the folder: {exc.strerror or exc}"))
            return None

    def visit(entry: os.DirEntry, root: str) -> Iterator[os.DirEntry] | None:
        """Take one entry: a file is added or reported; a folder gives its listing."""
        if shown(entry.name) != entry.name:  # a name that is not UTF-8 cannot be reported
            findings.append(_finding(shown(entry.path), "the file name is not UTF-8",
                                     "file-name-invalid", "rename the file"))
            return None
        try:
            if entry.is_dir(follow_symlinks=False):
                return listing(entry.path)
            st = entry.stat()  # follows a link to its target
        except OSError as exc:
            findings.append(_finding(entry.path, f"cannot read: {exc.strerror or exc}"))
            return None
        if entry.is_symlink() and not _inside(os.path.realpath(entry.path), root):
            findings.append(_finding(
                entry.path, "a link to a file outside the folder being checked; not read",
                "file-outside-root", "replace the link with the file itself"))
        elif stat.S_ISREG(st.st_mode):
            add(entry.path, st)
        elif not stat.S_ISDIR(st.st_mode):  # a link to a folder is not followed (no loops)
            findings.append(_finding(entry.path, "not a regular file"))
        return None

    def walk(folder: str) -> None:
        root = os.path.realpath(folder)
        first = listing(folder)
        stack = [first] if first is not None else []
        while stack:  # a stack of listings, not recursion: 1,500 nested folders are fine
            entry = next(stack[-1], None)
            if entry is None:
                stack.pop()
            elif not _skipped(entry.name) and (sub := visit(entry, root)) is not None:
                stack.append(sub)

    for raw in paths:
        path = os.fspath(raw)
        try:
            st = os.stat(path)
        except OSError as exc:
            findings.append(_finding(shown(path), f"cannot read: {exc.strerror or exc}"))
            continue
        if shown(path) != path:
            findings.append(_finding(shown(path), "the file name is not UTF-8",
                                     "file-name-invalid", "rename the file"))
        elif stat.S_ISDIR(st.st_mode):
            walk(path)
        elif stat.S_ISREG(st.st_mode):
            add(path, st)
        else:
            findings.append(_finding(path, "not a regular file"))
    return files, findings
