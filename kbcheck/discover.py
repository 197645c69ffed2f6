"""Find the article files under the paths given on the command line.

Folders are walked (without recursion, so any depth is fine) in a stable, sorted order; hidden
entries (a leading dot) and `__pycache__` are skipped. A `Scope` narrows what is read: include
and exclude globs (relative to the project root), folders never entered (the report folder), and
what git ignores; what it leaves out is counted, so that "no files matched" can say why.
Anything that cannot be listed or is not a regular file (a broken link, a FIFO, a folder
without permission), a name that is not UTF-8, and a link that leads out of the folder being
checked become findings, and the walk goes on.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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
    found = discover_scoped(paths, None)
    return found.files, found.findings


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A gitignore-style glob as a regex over '/'-separated relative paths: `*` and `?` stay in
    one name, `**` crosses folders, a pattern without a slash matches a name at any depth, and
    a match on a folder covers everything under it."""
    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out, i = [], 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    return re.compile(("^" if anchored else "^(?:.*/)?") + "".join(out) + "(?:/.*)?$")


@dataclass
class Scope:
    """What to read under the folders given: globs relative to `root`, folders never entered,
    and whether git's ignore rules apply."""

    root: str = "."
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    skip_dirs: list[str] = field(default_factory=list)
    gitignore: bool = True

    def __post_init__(self) -> None:
        self._root = os.path.realpath(self.root)
        self._inc = [glob_regex(p) for p in self.include]
        self._exc = [(p, glob_regex(p)) for p in self.exclude]
        self._skip = {os.path.realpath(d) for d in self.skip_dirs}

    def _relative(self, path: str) -> str:
        """`path` relative to the root when it is inside, else its name."""
        real = os.path.abspath(path)
        if not _inside(real, self._root):
            return os.path.basename(real)
        rel = os.path.relpath(real, self._root)
        return rel.replace(os.sep, "/") if rel != "." else ""

    def why_skipped(self, path: str, is_dir: bool) -> str | None:
        """Why `path` is left out (the pattern or folder), or None when it is read."""
        if is_dir and os.path.realpath(path) in self._skip:
            return "the report folder"
        rel = self._relative(path)
        # a file named on the command line (as pre-commit does) under a hidden folder, too
        if any(_skipped(part) for part in rel.split("/") if part not in ("", ".", "..")):
            return "hidden"
        for pattern, rx in self._exc:
            if rx.match(rel):
                return f"exclude {pattern!r}"
        if not is_dir and self._inc and not any(rx.match(rel) for rx in self._inc):
            return "not in include"
        return None


@dataclass
class Discovery:
    """The files found, the entries that could not be read, and what the scope left out."""

    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


def git_ignored(files: list[str]) -> set[str]:
    """The files among `files` that git ignores (untracked and matched by .gitignore); none
    when git is missing or the files are not in a work tree."""
    by_folder: dict[str, list[str]] = {}
    for f in files:
        by_folder.setdefault(os.path.dirname(os.path.abspath(f)), []).append(f)
    ignored: set[str] = set()
    tried: set[str] = set()
    for folder in by_folder:
        top = _work_tree(folder)
        if top is None or top in tried:
            continue
        tried.add(top)
        inside = [f for f in files if _inside(os.path.realpath(f), top)]
        try:
            out = subprocess.run(["git", "-C", top, "check-ignore", "-z", "--stdin"],
                                 input="\0".join(os.path.realpath(f) for f in inside),
                                 capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return ignored
        hits = {p for p in out.stdout.split("\0") if p}
        ignored.update(f for f in inside if os.path.realpath(f) in hits)
    return ignored


def _work_tree(folder: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", folder, "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return os.path.realpath(out.stdout.strip()) if out.returncode == 0 else None


def discover_scoped(paths: Iterable[str | os.PathLike[str]], scope: Scope | None) -> Discovery:
    """`discover` narrowed by `scope` (None: every file), with what the scope left out."""
    skipped: list[tuple[str, str]] = []
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
            elif _skipped(entry.name) or left_out(entry):
                continue
            elif (sub := visit(entry, root)) is not None:
                stack.append(sub)

    def left_out(entry: os.DirEntry) -> bool:
        if scope is None:
            return False
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            return False
        why = scope.why_skipped(entry.path, is_dir)
        if why is not None:
            skipped.append((shown(entry.path), why))
        return why is not None

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
            why = scope.why_skipped(path, False) if scope is not None else None
            if why is None:
                add(path, st)
            else:
                skipped.append((path, why))
        else:
            findings.append(_finding(path, "not a regular file"))
    if scope is not None and scope.gitignore and files:
        ignored = git_ignored(files)
        skipped += [(f, ".gitignore") for f in files if f in ignored]
        files = [f for f in files if f not in ignored]
    return Discovery(files, findings, skipped)
