"""Cache and evidence entries read safely: regular files only, bounded, validated, never raising.

Cache folders and `reports/evidence/` can come from a pull request or a restored CI cache. A
FIFO there would block a plain `open`, a link to /dev/zero would never end, and a document of
the wrong shape would raise deep inside the runner. Here each entry is opened without following
links and without blocking, read only if it is a small regular file, and checked against a
model; anything else is None, and the caller treats it as a miss.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

MAX_ENTRY_BYTES = 4 << 20
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def read_json(path: str | os.PathLike[str], max_bytes: int = MAX_ENTRY_BYTES) -> Any | None:
    """The JSON document in `path` when it is a regular file of at most `max_bytes`; else None."""
    try:
        fd = os.open(path, _FLAGS)
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return None
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    if size > max_bytes:
        return None
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, RecursionError):  # RecursionError: a document nested thousands deep
        return None


class StoredResult(BaseModel):
    """A verifier's result as the cache and evidence files keep it."""

    model_config = ConfigDict(extra="allow")

    verdict: Literal["supported", "refuted", "conditional", "unverifiable", "skipped", "error"]
    explanation: str = ""
    measured: dict[str, Any] = Field(default_factory=dict)
    expected: dict[str, Any] = Field(default_factory=dict)
    environment: dict[str, Any] = Field(default_factory=dict)
    duration_s: float = 0.0

    @field_validator("duration_s")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value) or value < 0:
            raise ValueError("a duration is a finite number of seconds")
        return value


class EvidenceFile(BaseModel):
    """One evidence file of `reports/evidence/` (see `verifiers._evidence`)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_: Literal[1] = Field(alias="schema")
    verifier: str
    version: StrictInt
    params: dict[str, Any]
    key: str
    recorded_at: str = ""
    result: StoredResult


def read_model(path: str | os.PathLike[str], model: type[BaseModel]) -> BaseModel | None:
    """`path`'s document as `model`, or None when it is unreadable or of another shape."""
    doc = read_json(path)
    if doc is None:
        return None
    try:
        return model.model_validate(doc)
    except (ValidationError, RecursionError):
        return None


def entry_files(directory: Path | None, pattern: str = "*.json") -> list[Path]:
    """The files matching `pattern` in `directory`, sorted; none when it cannot be listed."""
    if directory is None:
        return []
    try:
        return sorted(Path(directory).glob(pattern))
    except OSError:
        return []
