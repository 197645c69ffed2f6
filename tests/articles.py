"""Build `Article` values from files for the claims and runner tests, without the loaders.

Deliberately small: frontmatter through PyYAML, line numbers of atomic facts by searching the
text. The real loaders (kbcheck/loaders) do this properly; these tests only need articles.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kbcheck.models import Article

KB = Path(__file__).resolve().parent.parent / "kb"


def article_from_text(text: str, path: str, fmt: str | None = None) -> Article:
    """An Article from a file's text: frontmatter Markdown, flat Markdown, MediaWiki or glossary."""
    lines = text.split("\n")
    if text.startswith("---\n"):
        end = lines.index("---", 1)
        meta = yaml.load("\n".join(lines[1:end]), Loader=yaml.BaseLoader) or {}
        facts = meta.get("atomic_facts") or []
        line_map = {}
        for i, fact in enumerate(facts):
            fid = fact.get("id")
            for n, raw in enumerate(lines[:end]):
                if fid and re.match(rf"\s*-\s+id:\s*\"?{re.escape(fid)}\"?\s*$", raw):
                    line_map[f"atomic_facts.{i}"] = n + 1
                    line_map[f"atomic_facts.{i}.statement"] = n + 2
        keep = {k: meta[k] for k in ("id", "title", "atomic_facts") if k in meta}
        return Article(path=path, format="frontmatter-markdown", body="\n".join(lines[end + 1:]),
                       body_line=end + 2, lines=line_map, **keep)
    if fmt is None:
        if text.lstrip().startswith("{|") or "\n== " in text:
            fmt = "mediawiki"
        elif text.startswith("# ") and len(lines) <= 2:
            fmt = "flat-markdown"
        else:
            fmt = "glossary"
    return Article(path=path, format=fmt, body=text, body_line=1)


def seed(n: int) -> Article:
    """Seed article number `n` (0-4) of kb/."""
    path = next(KB.glob(f"{n:03d}_*.txt"))
    return article_from_text(path.read_text(), f"kb/{path.name}")
