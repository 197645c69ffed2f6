"""On-disk cache of link outcomes and resolver metadata, one small JSON file per key.

One file per key, written to a temp file and renamed into place, so two runs sharing a cache
never see a half-written entry and never lose each other's entries (the last writer of a key
wins, with a complete value). A corrupt or unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from kbcheck.entries import read_json
from kbcheck.links.models import Outcome

# Lifetimes in seconds; an outcome missing here (transient failures, offline) is not stored.
LIFETIMES: dict[str, float] = {
    Outcome.ok.value: 7 * 86400,
    Outcome.redirected.value: 7 * 86400,
    Outcome.broken.value: 86400,
    "unverified-stable": 3600,  # a bot wall answers the same for a while; retry soon
}


class LinkCache:
    """A directory of cached values keyed by a normalised URL or an identifier."""

    def __init__(self, root: Path | None, now=time.time) -> None:
        self.root = Path(root) if root else None
        self._now = now

    def _file(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.json"  # type: ignore[operator]

    def get(self, key: str) -> dict[str, Any] | None:
        """The value stored under `key` if present and not expired."""
        if self.root is None:
            return None
        entry = read_json(self._file(key))
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        expires = entry.get("expires")
        # bool is an int to Python, and NaN compares false: neither is a time
        if type(expires) not in (int, float) or not expires > self._now():
            return None
        value = entry.get("value")
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any], lifetime_s: float | None) -> None:
        """Store `value` for `lifetime_s` seconds (nothing when None or not positive)."""
        if self.root is None or not lifetime_s or lifetime_s <= 0:
            return
        path = self._file(key)
        now = self._now()
        entry = {"key": key, "stored": now, "expires": now + lifetime_s, "value": value}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(entry, fh)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            # A read-only or full cache directory costs speed, not correctness.
            return
