"""`validate_paths`: discover the article files, load each, run the rules; values, no printing.

Pinned `verify:` blocks are checked here too (an unknown verifier id, an unknown or ill-typed
parameter), against the parameters each verifier declares, so an author sees them without a
run. Building the registry imports the verifier modules, never torch.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from difflib import get_close_matches
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from kbcheck.budget import ARTICLE_BUDGET_S, OverBudget, over_budget_finding, time_budget
from kbcheck.discover import discover
from kbcheck.loaders import DEFAULT_MAX_BYTES, load_file
from kbcheck.models import Article, Finding, LoadResult, Severity
from kbcheck.rules import check_article

if TYPE_CHECKING:
    from verifiers._base import Param, Verifier

Registry = Mapping[str, "Verifier"]


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
    registry: Registry | None = None,
) -> ValidationResult:
    """Load every article file under `paths` and check it; never raises for bad input. Each
    file gets `budget_s` seconds; past them it is one `time-budget` finding. Pinned `verify:`
    blocks are checked against `registry` (default: the installed verifiers)."""
    today = today or date.today()
    files, findings = discover(paths)
    results: list[LoadResult] = []
    verifiers = _lazy(registry)
    with _gc_paused():
        for path in files:
            result = _load_within(path, max_bytes, today, budget_s)
            if result.article is not None and any(f.verify for f in result.article.atomic_facts):
                result.findings.extend(pinned_findings(result.article, verifiers()))
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


def _lazy(registry: Registry | None) -> Callable[[], Registry]:
    """The registry, built the first time an article pins a verifier (never for the rest)."""
    built: list[Registry] = [registry] if registry is not None else []

    def get() -> Registry:
        if not built:
            from verifiers import registry as discover_verifiers

            built.append(discover_verifiers())
        return built[0]

    return get


def pinned_findings(article: Article, registry: Registry) -> list[Finding]:
    """A `verify-pin` error for each pinned block that names an unknown verifier, and for each
    of its parameters that the verifier does not declare or cannot parse, on its own line."""
    out: list[Finding] = []
    for i, fact in enumerate(article.atomic_facts):
        spec = fact.verify
        if spec is None:
            continue
        where = f"atomic_facts.{i}.verify"
        name = fact.id or f"#{i + 1}"
        verifier = registry.get(spec.verifier)
        if verifier is None:
            close = get_close_matches(spec.verifier, list(registry), n=1)
            out.append(_pin(article, f"{where}.verifier", f"fact `{name}` pins unknown verifier "
                            f"{spec.verifier!r}", (f"did you mean {close[0]!r}? " if close
                                                   else "")
                            + "`kbcheck verifiers` lists the verifier ids"))
            continue
        declared = {p.name: p for p in verifier.params}
        for key, value in spec.params.items():
            param = declared.get(key)
            if param is None:
                close = " or ".join(map(repr, get_close_matches(key, list(declared), n=2)))
                out.append(_pin(article, f"{where}.params.{key}", f"fact `{name}`: "
                                f"{spec.verifier} has no parameter {key!r}",
                                (f"did you mean {close}? " if close else "")
                                + f"{spec.verifier} declares: {_declared(verifier)}"))
                continue
            try:
                param.parse(value)
            except ValueError as exc:
                out.append(_pin(article, f"{where}.params.{key}", f"fact `{name}`: {exc}",
                                _expects(param)))
    return out


def _pin(article: Article, field_path: str, message: str, hint: str) -> Finding:
    return Finding(rule="verify-pin", severity=Severity.error, path=article.path,
                   line=article.line_of(field_path), message=f"pinned verify: block: {message}",
                   hint=hint)


def _declared(verifier: Verifier) -> str:
    return ", ".join(f"{p.name} ({p.type.__name__})" for p in verifier.params) or "none"


def _expects(param: Param) -> str:
    """What a parameter takes, in words: its type, bounds and choices."""
    what = {"int": "an integer", "float": "a number", "str": "text", "bool": "true or false"}
    text = f"`{param.name}` takes {what.get(param.type.__name__, param.type.__name__)}"
    if param.choices:
        text += f", one of {', '.join(map(str, param.choices))}"
    if param.min is not None or param.max is not None:
        text += f", from {param.min if param.min is not None else '-inf'} to " \
                f"{param.max if param.max is not None else 'inf'}"
    return text + (f": {param.help}" if param.help else "")
