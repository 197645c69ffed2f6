"""`Article` values for the claims and runner tests, built by the project's own loaders."""

from __future__ import annotations

from pathlib import Path

from kbcheck.loaders import load_text
from kbcheck.models import Article

KB = Path(__file__).resolve().parent.parent / "kb"


def article_from_text(text: str, path: str, fmt: str | None = None) -> Article:
    """The article the loaders build from `text`; `fmt`, when given, is the expected format."""
    result = load_text(text, path)
    assert result.article is not None, result.findings
    if fmt is not None:
        assert result.article.format == fmt, (result.article.format, fmt)
    return result.article


def seed(n: int) -> Article:
    """Seed article number `n` (0-4) of kb/, as `kbcheck run kb/` reads it."""
    path = next(KB.glob(f"{n:03d}_*.txt"))
    return article_from_text(path.read_text(), f"kb/{path.name}")
