"""Shared fixtures: the repository's seed articles."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"


@pytest.fixture
def seeds() -> dict[str, Path]:
    """The five seed articles by their number ("000" … "004")."""
    return {p.name[:3]: p for p in sorted(KB.iterdir())}
