"""Shared fixtures: the repository's seed articles. Also makes the test helpers (`articles`,
`fixture_verifiers`) importable from every test folder."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def seeds() -> dict[str, Path]:
    """The five seed articles by their number ("000" … "004")."""
    return {p.name[:3]: p for p in sorted(KB.iterdir())}
