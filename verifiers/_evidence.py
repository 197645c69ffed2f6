"""Evidence recorded on one machine (a GPU) and used on another (CI): one JSON file per run.

File layout (``reports/evidence/<verifier id>-<key[:12]>.json``)::

    {"schema": 1, "verifier": ID, "version": N, "params": {...}, "key": sha256,
     "recorded_at": ISO date-time (UTC), "result": {verdict, explanation, measured, expected,
     environment, duration_s}}

`key` covers verifier id, version and params, so a changed method (version bump) or other
parameters never match. Stdlib only: it runs on the GPU machine without kbcheck installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = 1


def canonical_params(params: dict[str, Any]) -> str:
    """Params as canonical JSON (sorted keys, no spaces) — the basis of every cache key."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


def evidence_key(verifier_id: str, version: int, params: dict[str, Any]) -> str:
    """sha256 over id, version and canonical params."""
    blob = f"{verifier_id}\n{version}\n{canonical_params(params)}".encode()
    return hashlib.sha256(blob).hexdigest()


def evidence_path(directory: Path, verifier_id: str, version: int, params: dict) -> Path:
    """Where the evidence for this (verifier, version, params) lives."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in verifier_id)
    return Path(directory) / f"{safe}-{evidence_key(verifier_id, version, params)[:12]}.json"


def write_evidence(directory: Path, verifier_id: str, version: int, params: dict,
                   result: dict[str, Any]) -> Path:
    """Write one evidence file atomically (temp file, then rename); returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    doc = {
        "schema": SCHEMA,
        "verifier": verifier_id,
        "version": version,
        "params": params,
        "key": evidence_key(verifier_id, version, params),
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "result": result,
    }
    path = evidence_path(directory, verifier_id, version, params)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
    os.replace(tmp, path)
    return path


def _read_regular(path: Path, limit: int = 4 << 20) -> bytes:
    """A small regular file's bytes; OSError for anything else (a FIFO would block, a link to
    /dev/zero never end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise OSError(f"not a small regular file: {path}")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)
    finally:
        os.close(fd)


def load_evidence(directory: Path) -> list[dict[str, Any]]:
    """Every readable evidence document in `directory` (unreadable files are skipped)."""
    out = []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            doc = json.loads(_read_regular(path))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
            doc["_path"] = str(path)
            out.append(doc)
    return out
