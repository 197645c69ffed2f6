"""`validate_paths`: discover the article files, load each, run the rules; values, no printing."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from pydantic import BaseModel, Field

from kbcheck.budget import ARTICLE_BUDGET_S, OverBudget, over_budget_finding, time_budget
from kbcheck.discover import discover
from kbcheck.loaders import DEFAULT_MAX_BYTES, load_file
from kbcheck.models import Article, Finding, LoadResult, Severity
from kbcheck.rules import check_article


class ValidationResult(BaseModel):
    """What `kbcheck validate` found: one `LoadResult` per file (its findings include the
    rules'), and every finding of the run (those of unreadable entries included)."""

    results: list[LoadResult] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    @property
    def articles(self) -> list[Article]:
        """The articles that could be built, in file order."""
        return [r.article for r in self.results if r.article is not None]

    def counts(self) -> dict[str, int]:
        """Files, articles, and findings per severity."""
        out = {"files": len(self.results), "articles": len(self.articles)}
        for sev in Severity:
            out[sev.value] = sum(f.severity is sev for f in self.findings)
        return out


def validate_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: date | None = None,
    budget_s: float | None = ARTICLE_BUDGET_S,
) -> ValidationResult:
    """Load every article file under `paths` and check it; never raises for bad input. Each
    file gets `budget_s` seconds; past them it is one `time-budget` finding."""
    today = today or date.today()
    files, findings = discover(paths)
    results: list[LoadResult] = []
    with _gc_paused():
        for path in files:
            result = _load_within(path, max_bytes, today, budget_s)
            results.append(result)
            findings.extend(result.findings)
    return ValidationResult(results=results, findings=findings)


def _load_within(path: str, max_bytes: int, today: date, budget_s: float | None) -> LoadResult:
    """One file loaded and checked within its time budget."""
    try:
        with time_budget(budget_s):
            result = load_file(path, max_bytes=max_bytes)
            if result.article is not None:
                result.findings.extend(check_article(result.article, today))
            return result
    except OverBudget:
        return LoadResult(path=path, findings=[over_budget_finding(path, budget_s or 0, "loading")])


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector while loading: the results of every file stay alive, so each
    full collection would walk all the articles loaded so far (a third of the run time on 10,000
    articles). Loading creates no reference cycles except for recursive YAML aliases, which are
    refused and collected once the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
