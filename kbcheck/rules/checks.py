"""The article rules: each checks one thing about a parsed `Article` and yields findings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from difflib import get_close_matches

from kbcheck.ids import find_arxiv_ids
from kbcheck.models import Article, AtomicFact, Finding, Frontmatter, Severity, Source
from kbcheck.rules import Rule, register
from kbcheck.rules.urls import arxiv_id, url_key, url_problem

_E, _W, _I = Severity.error, Severity.warning, Severity.info


def rule(id_: str, severity: Severity, summary: str):
    """Register the decorated function as the check of article rule `id_`."""
    def wrap(fn):
        register(Rule(id_, severity, summary, "article", fn))
        return fn
    return wrap


def _finding(article: Article, rule_id: str, severity: Severity, where: str, message: str,
             hint: str, line: int | None = None) -> Finding:
    return Finding(rule=rule_id, severity=severity, path=article.path,
                   line=line if line is not None else article.line_of(where),
                   message=message, hint=hint)


def _sources(article: Article) -> Iterator[tuple[str, Source]]:
    """Every source with the field path of its URL."""
    for group in ("primary_sources", "secondary_sources"):
        for i, src in enumerate(getattr(article, group)):
            yield f"{group}.{i}.url", src
    for i, src in enumerate(article.body_links):
        yield f"body_links.{i}", src


def _urls(article: Article) -> Iterator[tuple[str, str]]:
    """Every URL the article cites (its sources' and its facts'), with its field path."""
    for where, src in _sources(article):
        if src.url is not None:
            yield where, src.url
    for i, fact in enumerate(article.atomic_facts):
        if fact.source_url is not None:
            yield f"atomic_facts.{i}.source_url", fact.source_url


_KNOWN = sorted(Frontmatter.model_fields)
_KNOWN_FACT = sorted(AtomicFact.model_fields)
_KNOWN_SOURCE = sorted(Source.model_fields)


@rule("unknown-field", _I, "a metadata field the schema does not know (kept, reported)")
def unknown_fields(article: Article, today: date) -> Iterator[Finding]:
    groups: list[tuple[str, dict, list[str]]] = [("", article.extra_fields(), _KNOWN)]
    for i, fact in enumerate(article.atomic_facts):
        groups.append((f"atomic_facts.{i}.", fact.model_extra or {}, _KNOWN_FACT))
    for group in ("primary_sources", "secondary_sources"):
        for i, src in enumerate(getattr(article, group)):
            groups.append((f"{group}.{i}.", src.model_extra or {}, _KNOWN_SOURCE))
    for prefix, extra, known in groups:
        for name in extra:
            close = get_close_matches(name, known, n=1)
            hint = (f"did you mean `{close[0]}`?" if close else
                    "kbcheck keeps it; see `kbcheck schema` for the known fields")
            yield _finding(article, "unknown-field", _I, prefix + name,
                           f"unknown field `{prefix}{name}`", hint)


@rule("duplicate-fact-id", _E, "two atomic facts with the same id")
def duplicate_fact_ids(article: Article, today: date) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, fact in enumerate(article.atomic_facts):
        if fact.id is None:
            continue
        if fact.id in seen:
            first = article.line_of(f"atomic_facts.{seen[fact.id]}.id")
            yield _finding(article, "duplicate-fact-id", _E, f"atomic_facts.{i}.id",
                           f"fact id `{fact.id}` is used twice"
                           + (f" (first at line {first})" if first else ""),
                           "give every atomic fact its own id")
        else:
            seen[fact.id] = i


@rule("fact-source-unlisted", _E, "a fact's source_url that is not among the article's sources")
def fact_sources_listed(article: Article, today: date) -> Iterator[Finding]:
    keys = {url_key(s.url) for s in article.all_sources() if s.url}
    for i, fact in enumerate(article.atomic_facts):
        if fact.source_url and url_key(fact.source_url) not in keys:
            yield _finding(article, "fact-source-unlisted", _E, f"atomic_facts.{i}.source_url",
                           f"fact `{fact.id or i}` cites {fact.source_url}, which is not among "
                           "the article's sources",
                           "add the source to primary_sources or secondary_sources, or correct "
                           "the URL")


@rule("date-order", _E, "last_verified or updated before created_date")
def date_order(article: Article, today: date) -> Iterator[Finding]:
    created = article.created_date
    if created is None:
        return
    for name in ("last_verified", "updated"):
        value = getattr(article, name)
        if value is not None and value < created:
            yield _finding(article, "date-order", _E, name,
                           f"{name} {value} is before created_date {created}",
                           "an article cannot be verified or updated before it was created; "
                           "correct one of the dates")


@rule("date-in-future", _E, "a created, verified or updated date after today")
def dates_in_future(article: Article, today: date) -> Iterator[Finding]:
    for name in ("created_date", "last_verified", "updated"):
        value = getattr(article, name)
        if value is not None and value > today:
            yield _finding(article, "date-in-future", _E, name,
                           f"{name} {value} is in the future (today is {today})",
                           "use the date on which it happened")


@rule("url-malformed", _E, "a source or fact URL that is not a well-formed http(s) URL")
def malformed_urls(article: Article, today: date) -> Iterator[Finding]:
    for where, url in _urls(article):
        problem = url_problem(url)
        if problem:
            yield _finding(article, "url-malformed", _E, where, f"{problem}: {url!r}",
                           "write the full address, e.g. https://arxiv.org/abs/2106.09685")


@rule("arxiv-id-malformed", _E, "an arXiv link or `arXiv:` mention whose id is malformed")
def arxiv_ids(article: Article, today: date) -> Iterator[Finding]:
    for where, url in _urls(article):
        parsed = arxiv_id(url)
        if parsed is not None and not parsed.ok:
            yield _finding(article, "arxiv-id-malformed", _E, where, parsed.problem or "",
                           "arXiv ids read YYMM.NNNNN, e.g. https://arxiv.org/abs/2106.09685")
    body = article.body
    if "arxiv:" in body.lower():
        line, pos = article.body_line, 0
        for offset, parsed in find_arxiv_ids(body):
            line += body.count("\n", pos, offset)
            pos = offset
            if not parsed.ok:
                yield _finding(article, "arxiv-id-malformed", _E, "", parsed.problem or "",
                               "arXiv ids read YYMM.NNNNN, e.g. arXiv:2106.09685", line=line)


@rule("arxiv-year-mismatch", _E, "a source's year that disagrees with its arXiv id's YYMM")
def arxiv_years(article: Article, today: date) -> Iterator[Finding]:
    for where, src in _sources(article):
        if src.url is None or src.year is None:
            continue
        parsed = arxiv_id(src.url)
        if parsed is None or not parsed.ok or parsed.year == src.year:
            continue
        year_at = where.removesuffix(".url") + ".year"
        if src.year == parsed.year + 1:  # a venue often publishes the year after the preprint
            yield _finding(article, "arxiv-year-mismatch", _W, year_at,
                           f"year {src.year} is one after arXiv {parsed.id} ({parsed.year}); "
                           "fine when it is the venue's year",
                           f"state the arXiv year ({parsed.year}) or cite the venue version")
        else:
            yield _finding(article, "arxiv-year-mismatch", _E, year_at,
                           f"year {src.year} disagrees with arXiv {parsed.id}, posted in "
                           f"{parsed.year}", "correct the year or the link")


@rule("completeness-range", _E, "completeness outside [0, 1]")
def completeness_range(article: Article, today: date) -> Iterator[Finding]:
    value = article.completeness
    if value is not None and not 0.0 <= value <= 1.0:
        yield _finding(article, "completeness-range", _E, "completeness",
                       f"completeness {value} is outside [0, 1]",
                       "write a fraction, e.g. 0.85 for 85%")


@rule("empty-statement", _E, "an atomic fact with no statement")
def empty_statements(article: Article, today: date) -> Iterator[Finding]:
    for i, fact in enumerate(article.atomic_facts):
        if fact.statement is None and f"atomic_facts.{i}.statement" in article.lines:
            continue  # written but invalid: the schema finding says so
        if fact.statement is None or not fact.statement.strip():
            yield _finding(article, "empty-statement", _E, f"atomic_facts.{i}.statement",
                           f"fact `{fact.id or i}` has no statement",
                           "write the claim as one sentence, or remove the fact")


# What each format can say about an article; a field it cannot carry is `info`, one it can
# carry but the article left out is a `warning`. Never an error: the text is still checked.
_EXPECTED = ("id", "title", "confidence", "created_date", "last_verified")
_CARRIES = {
    "frontmatter-markdown": set(_EXPECTED),
    "flat-markdown": {"title", "confidence", "last_verified"},
    "mediawiki": set(),
    "glossary": {"title"},
}


@rule("missing-metadata", _W, "metadata an article leaves out (info where its format cannot "
                              "carry it)")
def missing_metadata(article: Article, today: date) -> Iterator[Finding]:
    carries = _CARRIES.get(article.format, set())
    cannot: list[str] = []
    for name in _EXPECTED:
        if getattr(article, name) is not None or name in article.lines:
            continue  # present (an invalid value has its schema finding)
        if name in carries:
            yield _finding(article, "missing-metadata", _W, name, f"no `{name}`",
                           f"add `{name}` to the article's metadata", line=1)
        else:
            cannot.append(name)
    if cannot:
        yield _finding(article, "missing-metadata", _I, "",
                       f"a {article.format} article cannot record {', '.join(cannot)}",
                       "convert it to Markdown with YAML frontmatter to record them", line=1)
