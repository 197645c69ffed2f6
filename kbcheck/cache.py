"""The on-disk result cache: one JSON file per (verifier, version, params, device, libraries).

The key covers the versions of torch, peft, bitsandbytes (and the other tracked packages), read
from distribution metadata, so an upgrade re-measures while a re-run of an unchanged knowledge
base reads every result from here and never imports torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from verifiers._env import package_versions
from verifiers._evidence import canonical_params

DEFAULT_DIR = Path(".kbcheck-cache") / "results"
# Verdicts worth keeping: everything a verifier decided. `error` may be transient (a timeout on
# a busy machine), so it is measured again next time. A `skipped` returned by a verifier (e.g. a
# fallback that cannot decide without the GPU) depends only on what the key already covers; the
# runner's own skips (requirements not met) are never stored.
CACHEABLE = ("supported", "refuted", "conditional", "unverifiable", "skipped")


class ResultCache:
    """Verifier results on disk, keyed by what could change them."""

    def __init__(self, directory: Path | str = DEFAULT_DIR) -> None:
        self.directory = Path(directory)
        self._versions = canonical_params(package_versions())

    def key(self, verifier_id: str, version: int, params: dict[str, Any], device: str) -> str:
        """sha256 of verifier id, version, canonical params, device and library versions."""
        blob = "\n".join([verifier_id, str(version), canonical_params(params), device,
                          self._versions])
        return hashlib.sha256(blob.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached result for `key`, or None (a missing or unreadable entry is a miss)."""
        try:
            doc = json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) and doc.get("verdict") in CACHEABLE else None

    def put(self, key: str, result: dict[str, Any]) -> bool:
        """Store a result (atomically) when its verdict is cacheable; True when stored."""
        if result.get("verdict") not in CACHEABLE:
            return False
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(result, fh, sort_keys=True, default=str)
        os.replace(tmp, path)
        return True
