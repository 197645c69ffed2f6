"""Validation rules: a registry of stable ids, and `check_article` to run them on an article.

Some rules are applied while a file is read and parsed (`stage="load"`: the loaders produce their
findings); the rest check a parsed `Article` (`stage="article"`). All of them are listed here so
that every finding's rule id is documented in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kbcheck.models import Article, Finding, Severity

Check = Callable[[Article, date], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A validation rule: its stable id, usual severity, what it checks, and where it runs."""

    id: str
    severity: Severity
    summary: str
    stage: Literal["load", "article"]
    check: Check | None = None


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add a rule to the registry (ids are unique and stable)."""
    if rule.id in RULES:
        raise ValueError(f"rule id {rule.id!r} is registered twice")
    RULES[rule.id] = rule
    return rule


def check_article(article: Article, today: date) -> list[Finding]:
    """Every article rule's findings for one article, in registry order."""
    out: list[Finding] = []
    for rule in RULES.values():
        if rule.check is not None:
            out.extend(rule.check(article, today))
    return out


_E, _W, _I = Severity.error, Severity.warning, Severity.info
for _id, _sev, _summary in (
    ("file-unreadable", _E, "a file or folder that cannot be read (permissions, a broken link, "
                            "not a regular file)"),
    ("file-not-text", _E, "a binary or non-UTF-8 file"),
    ("file-empty", _E, "an empty file, or one holding only whitespace"),
    ("file-too-large", _E, "a file over the size limit (--max-bytes, default 1 MiB)"),
    ("frontmatter-unclosed", _E, "a frontmatter `---` fence that is never closed"),
    ("frontmatter-not-mapping", _E, "a frontmatter that is a list or a single value"),
    ("yaml-syntax", _E, "YAML that does not parse"),
    ("yaml-too-deep", _E, "YAML nested deeper than the limit"),
    ("yaml-alias-expansion", _E, "YAML aliases that expand beyond the limit, or recursive ones"),
    ("duplicate-key", _W, "a frontmatter key given twice"),
    ("reserved-field", _E, "a frontmatter key that names a field kbcheck sets itself"),
    ("schema", _E, "a metadata value of the wrong type or form (a bad date, an unknown "
                   "confidence ...)"),
    ("internal-error", _E, "a bug in kbcheck while parsing this file"),
):
    register(Rule(_id, _sev, _summary, "load"))

# The article rules register themselves (imported for that effect).
from kbcheck.rules import checks  # noqa: E402, F401
