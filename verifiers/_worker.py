"""The verifier worker: ``python -m verifiers._worker``. Runs verifier jobs in its own process.

Protocol: one JSON object per line. The worker first writes ``{"ready": true}`` (after paying
for the torch import once, so that jobs are timed without it), then for each job line on stdin
::

    {"module": "verifiers.param_count", "file": "/path/param_count.py" | null,
     "id": "lora.param_count", "fn": "run" | "fallback", "params": {...},
     "device": "cpu", "seed": 0, "memory_mb": 4096 | null}

it writes ``{"ok": true, "result": {...}}`` or ``{"ok": false, "error": "..."}``. Anything a
verifier prints goes to stderr, so it cannot break the protocol. Stdlib + verifiers only: it
runs where kbcheck's other dependencies are not installed. A crash of the whole process (a
segfault, the kernel's OOM killer) is seen by the runner as end-of-file.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import random
import sys
import time
import traceback
from typing import Any

from verifiers._base import VERDICTS, Verifier
from verifiers._env import environment, has_package


def _set_memory_limit(memory_mb: int | None) -> None:
    """Cap this process's address space (soft limit), so a runaway allocation fails here."""
    try:
        import resource
    except ImportError:  # not on POSIX: no limit rather than no run
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = resource.RLIM_INFINITY if not memory_mb else int(memory_mb) << 20
    if hard != resource.RLIM_INFINITY and (soft == resource.RLIM_INFINITY or soft > hard):
        soft = hard
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _find(job: dict[str, Any]) -> Verifier:
    """The verifier a job names: import its module (from its file when given) and look it up."""
    module_name, file = job["module"], job.get("file")
    module = sys.modules.get(module_name)
    if module is None:
        if file:
            spec = importlib.util.spec_from_file_location(module_name, file)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {file}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    for value in vars(module).values():
        if isinstance(value, Verifier) and value.id == job["id"]:
            return value
    raise LookupError(f"module {module_name} defines no verifier {job['id']!r}")


def _seed(seed: int) -> None:
    """The same seed before every job, in every library that is loaded, for repeatable runs."""
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job and return the protocol reply; every exception becomes an error reply."""
    start = time.perf_counter()
    try:
        verifier = _find(job)
        fn = verifier.run if job.get("fn", "run") == "run" else getattr(verifier, "fallback", None)
        if fn is None:
            raise LookupError(f"{verifier.id} has no fallback")
        _set_memory_limit(job.get("memory_mb"))
        _seed(int(job.get("seed", 0)))
        try:
            result = fn(dict(job.get("params") or {}))
        finally:
            _set_memory_limit(None)
        if not isinstance(result, dict) or result.get("verdict") not in VERDICTS:
            raise TypeError(f"{verifier.id} returned no verdict: {str(result)[:200]}")
        result = dict(result)
        result["environment"] = environment(job.get("device", "cpu"))
        result["duration_s"] = round(time.perf_counter() - start, 4)
        return {"ok": True, "result": result}
    except MemoryError as exc:
        return _error(f"out of memory (limit {job.get('memory_mb')} MiB): {exc}", start)
    except BaseException as exc:  # noqa: BLE001 - a verifier's failure is a value, not a crash
        message = f"{type(exc).__name__}: {exc}"
        if "can't allocate memory" in message or "out of memory" in message.lower():
            message = f"out of memory (limit {job.get('memory_mb')} MiB): {message}"
        return _error(message, start, traceback.format_exc(limit=-3))
    finally:
        gc.collect()


def _error(message: str, start: float, tb: str | None = None) -> dict[str, Any]:
    return {"ok": False, "error": message[:2000], "traceback": tb,
            "duration_s": round(time.perf_counter() - start, 4)}


def main() -> None:
    """Serve jobs from stdin until it closes."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # prints of verifiers (and of C code) go to stderr
    sys.stdout = sys.stderr
    if has_package("torch"):
        import torch  # noqa: F401 - paid once here, not inside the first job's time limit
    proto.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
        except ValueError as exc:
            reply: dict[str, Any] = {"ok": False, "error": f"bad job: {exc}"}
        else:
            reply = run_job(job)
        proto.write(json.dumps(reply, default=str) + "\n")


if __name__ == "__main__":
    main()
