"""kbcheck's executable claim checkers: torch + stdlib only (peft, bitsandbytes optional).

Each public module here defines ``VERIFIER`` (see `verifiers._base.Verifier`). `registry()`
discovers them, plus third-party verifiers from the ``kbcheck.verifiers`` entry-point group.
Importing this package or `registry()` never imports torch.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from verifiers._base import Param, Requires, Verifier, result

__all__ = ["Param", "Requires", "Verifier", "registry", "result"]

ENTRY_POINT_GROUP = "kbcheck.verifiers"


def _from_object(obj: object) -> Verifier | None:
    if isinstance(obj, Verifier):
        return obj
    candidate = getattr(obj, "VERIFIER", None)
    return candidate if isinstance(candidate, Verifier) else None


# Modules or plug-ins that failed to load at the last `registry()` call: name -> the error.
# A broken verifier must not stop the others; `kbcheck verifiers` shows these.
LOAD_ERRORS: dict[str, str] = {}


def registry(include_entry_points: bool = True) -> dict[str, Verifier]:
    """Every verifier by id: the modules of this package, then entry points (first id wins;
    a plug-in cannot replace a built-in verifier). Failures go to `LOAD_ERRORS`."""
    found: dict[str, Verifier] = {}
    LOAD_ERRORS.clear()
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        try:
            verifier = _from_object(importlib.import_module(f"{__name__}.{info.name}"))
        except Exception as exc:
            LOAD_ERRORS[f"{__name__}.{info.name}"] = f"{type(exc).__name__}: {exc}"
            continue
        if verifier is not None:
            found.setdefault(verifier.id, verifier)
    if include_entry_points:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                verifier = _from_object(ep.load())
            except Exception as exc:
                LOAD_ERRORS[f"entry point {ep.name} ({ep.value})"] = f"{type(exc).__name__}: {exc}"
                continue
            if verifier is not None:
                found.setdefault(verifier.id, verifier)
    return found
