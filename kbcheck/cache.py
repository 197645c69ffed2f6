"""The on-disk result cache: one JSON file per (verifier, version, params, device, libraries).

The key covers the versions of torch, peft, bitsandbytes (and the other tracked packages), read
from distribution metadata, so an upgrade re-measures while a re-run of an unchanged knowledge
base reads every result from here and never imports torch.

Each entry carries what it is for (every input of its key); a read recomputes the key from them
and compares, so an entry copied over another job's file is a miss, never a wrong verdict. A
cache that cannot be written costs speed, not the run: `problem` says why, once.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kbcheck.entries import StoredResult, read_json
from verifiers._env import package_versions
from verifiers._evidence import canonical_params

DEFAULT_DIR = Path(".kbcheck-cache") / "results"
# Verdicts worth keeping: everything a verifier decided. `error` may be transient (a timeout on
# a busy machine), so it is measured again next time. A `skipped` returned by a verifier (e.g. a
# fallback that cannot decide without the GPU) depends only on what the key already covers; the
# runner's own skips (requirements not met) are never stored.
CACHEABLE = ("supported", "refuted", "conditional", "unverifiable", "skipped")
_IDENT = ("verifier", "version", "params", "device", "libraries")


def _digest(ident: dict[str, str]) -> str:
    return hashlib.sha256("\n".join(ident[k] for k in _IDENT).encode()).hexdigest()


class ResultCache:
    """Verifier results on disk, keyed by what could change them."""

    def __init__(self, directory: Path | str = DEFAULT_DIR) -> None:
        self.directory = Path(directory)
        self._versions = canonical_params(package_versions())
        self.problem: str | None = None  # why the cache could not be written, once

    def ident(self, verifier_id: str, version: int, params: dict[str, Any],
              device: str) -> dict[str, str]:
        """What an entry is for: every input of its key, as text."""
        return {"verifier": verifier_id, "version": str(version),
                "params": canonical_params(params), "device": device,
                "libraries": self._versions}

    def key(self, verifier_id: str, version: int, params: dict[str, Any], device: str) -> str:
        """sha256 of verifier id, version, canonical params, device and library versions."""
        return _digest(self.ident(verifier_id, version, params, device))

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, ident: dict[str, str]) -> dict[str, Any] | None:
        """The cached result for `ident`, or None: a missing, unreadable or misfiled entry (one
        whose recorded inputs are not `ident`'s) is a miss."""
        key = _digest(ident)
        doc = read_json(self._path(key))
        if not isinstance(doc, dict) or doc.get("for") != ident or doc.get("key") != key:
            return None
        try:
            result = StoredResult.model_validate(doc.get("result"))
        except ValidationError:
            return None
        return result.model_dump() if result.verdict in CACHEABLE else None

    def put(self, ident: dict[str, str], result: dict[str, Any]) -> bool:
        """Store a result (atomically) when its verdict is cacheable; True when stored."""
        if result.get("verdict") not in CACHEABLE or self.problem is not None:
            return False
        key = _digest(ident)
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w") as fh:
                    json.dump({"key": key, "for": ident, "result": result}, fh, sort_keys=True,
                              default=str)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.problem = (f"the results cache {self.directory} cannot be written "
                            f"({exc.strerror or exc}); the run goes on without it")
            return False
        return True
