"""Worker processes for the runner: one isolated `verifiers._worker` each, reused across jobs.

A worker is reused while it behaves (torch is imported once, not once per job). When a job
times out the worker is killed; when the process dies (a segfault, the OOM killer) the job that
was in flight becomes an error, and the next job gets a fresh worker. No job can lose another
job's result: each call waits for its own reply.

A worker never imports from the folder kbcheck runs in (a pull request could put a `random.py`
or a `verifiers/` there): Python runs isolated (`-I`: no current folder, no PYTHON* variables,
no user site), in an empty folder of its own, with an explicit `sys.path`. Each worker leads its
own process group, so a timeout kills whatever the verifier started too.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import verifiers

STARTUP_TIMEOUT_S = 180.0  # importing torch on a busy two-core machine can take a while


# Run by `python -I -c`: the import path is the one the runner computed, nothing else.
_BOOT = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
         "from verifiers._worker import main; main()")


def worker_path() -> list[str]:
    """The worker's `sys.path`: this `verifiers` package's root, then this process's absolute
    entries (installed plug-ins, the standard library), never the current folder."""
    root = str(Path(verifiers.__file__).resolve().parent.parent)
    cwd = os.path.realpath(os.getcwd())
    out = [root]
    for entry in sys.path:
        # '' and relative entries mean the current folder; so does its absolute name.
        if not entry or not os.path.isabs(entry) or os.path.realpath(entry) == cwd != root:
            continue
        if entry not in out:
            out.append(entry)
    return out


def worker_command() -> list[str]:
    """The command line of a worker process."""
    return [sys.executable, "-I", "-u", "-c", _BOOT, json.dumps(worker_path())]


class WorkerProcess:
    """One worker process, started on first use and restarted after it dies or is killed."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.proc: subprocess.Popen | None = None
        self._env = {**os.environ, **env} if env else None  # added to the worker's environment
        self._buffer = b""
        # The worker's stderr, kept to explain a crash; closed in `close`.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.started = 0  # how many processes this slot has started (for tests and stats)
        self._home: str | None = None  # the worker's own empty current folder

    def _readline(self, timeout: float) -> bytes | None:
        """One line from the worker within `timeout` seconds; b"" at end-of-file, None on
        timeout."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return b""
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _start(self) -> str | None:
        """Start the process and wait for it to be ready; an error message on failure."""
        self._buffer = b""
        self.started += 1
        if self._home is None:
            self._home = tempfile.mkdtemp(prefix="kbcheck-worker-")
        self.proc = subprocess.Popen(
            worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            cwd=self._home, start_new_session=True, env=self._env,
        )
        line = self._readline(STARTUP_TIMEOUT_S)
        if not line:
            return self._died("the worker did not start")
        return None

    def _stderr_tail(self, since: int) -> str:
        self._stderr.seek(since)
        text = self._stderr.read().decode(errors="replace").strip()
        return text[-800:]

    def _died(self, what: str, since: int = 0) -> str:
        assert self.proc is not None
        self.kill()
        code = self.proc.returncode if self.proc else None
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        tail = self._stderr_tail(since)
        self.proc = None
        return f"{what} ({how})" + (f": {tail}" if tail else "")

    def call(self, job: dict[str, Any], timeout_s: float,
             after: threading.Event | None = None) -> dict[str, Any]:
        """Send one job, wait for its reply at most `timeout_s` seconds (counted from when
        `after` is set, when given: until then the job only prepares); always returns a
        reply."""
        if self.proc is None or self.proc.poll() is not None:
            problem = self._start()
            if problem:
                return {"ok": False, "error": problem}
        assert self.proc is not None and self.proc.stdin is not None
        self._stderr.seek(0, os.SEEK_END)
        since = self._stderr.tell()
        start = time.monotonic()
        try:
            self.proc.stdin.write(json.dumps(job, default=str).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            return {"ok": False, "error": self._died("the worker died before the job", since)}
        line = None
        while after is not None and not after.is_set() and line is None:
            line = self._readline(0.25)  # a reply (or a death) can come before the gate opens
        if line is None:
            line = self._readline(timeout_s)
        elapsed = round(time.monotonic() - start, 3)
        if line is None:
            self.kill()
            self.proc = None
            return {"ok": False, "error": f"timed out after {timeout_s:g} s (limit)",
                    "duration_s": elapsed}
        if line == b"":
            return {"ok": False, "error": self._died("the worker process died", since),
                    "duration_s": elapsed}
        try:
            return json.loads(line)
        except ValueError:
            return {"ok": False, "error": f"unreadable reply: {line[:200]!r}",
                    "duration_s": elapsed}

    def kill(self) -> None:
        """Stop the process and everything it started, now (its job, if any, is lost to it but
        answered by `call`)."""
        proc = self.proc  # another thread may be in `call` on it (Ctrl-C kills from outside)
        if proc is None:
            return
        # The group outlives its leader: children of a dead worker are killed too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    def retire(self) -> None:
        """End the process politely (stdin closed), then for sure; the next `call` starts a
        fresh one."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()  # whatever a verifier left running goes with its worker
        self.proc = None

    def close(self) -> None:
        """Retire the process and release the slot's resources."""
        self.retire()
        self._stderr.close()
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None
