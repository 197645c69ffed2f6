"""Gather every cited URL of a set of articles, normalised, with the places that cite it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from kbcheck.links.models import Citation
from kbcheck.models import Article

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Normalized:
    """A URL in its canonical form, or why it is not a usable http(s) URL."""

    url: str
    host: str = ""
    port: int = 0
    problem: str | None = None


@functools.lru_cache(maxsize=65536)
def normalize_url(raw: str) -> Normalized:
    """Canonical form: lower-case scheme and host, no default port, no fragment, "/" path."""
    text = (raw or "").strip()
    if not text:
        return Normalized(text, problem="empty URL")
    if any(ch.isspace() for ch in text):
        return Normalized(text, problem="a URL cannot contain spaces")
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        return Normalized(text, problem=f"unparsable URL: {exc}")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        what = f"a {scheme}: link" if scheme else "a relative link"
        return Normalized(text, problem=f"{what}, not an absolute http(s) URL")
    if not host:
        return Normalized(text, problem="no host in URL")
    host = host.rstrip(".")
    try:
        # Internationalised names are compared (and cached) in their ASCII form.
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return Normalized(text, problem=f"host {host!r} is not a valid domain name")
    port = port or _DEFAULT_PORTS[scheme]
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port == _DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return Normalized(url, host=host, port=port)


@dataclass
class Cited:
    """One distinct URL of a run: its first spelling, canonical form and citing places."""

    url: str
    norm: Normalized
    citations: list[Citation] = field(default_factory=list)


def _places(article: Article):
    """(url, Citation) for every URL an article cites."""
    def cite(field_path: str, title_path: str | None = None, year_path: str | None = None,
             title: str | None = None, year: int | None = None) -> Citation:
        return Citation(path=article.path, line=article.line_of(field_path), field=field_path,
                        title=title, year=year,
                        title_line=article.line_of(title_path) if title and title_path else None,
                        year_line=article.line_of(year_path) if year and year_path else None)

    for i, fact in enumerate(article.atomic_facts):
        if fact.source_url:
            base = f"atomic_facts.{i}"
            yield fact.source_url, cite(f"{base}.source_url", f"{base}.source_title",
                                        None, fact.source_title)
    for group in ("primary_sources", "secondary_sources"):
        for i, src in enumerate(getattr(article, group)):
            if src.url:
                base = f"{group}.{i}"
                yield src.url, cite(f"{base}.url", f"{base}.title", f"{base}.year",
                                    src.title, src.year)
    for i, src in enumerate(article.body_links):
        # Link text in a body is rarely the cited work's title: not compared.
        if src.url:
            yield src.url, cite(f"body_links.{i}")


def collect(articles: list[Article]) -> list[Cited]:
    """Distinct URLs of all articles in first-seen order, each with every place citing it."""
    seen: dict[str, Cited] = {}
    for article in articles:
        for url, citation in _places(article):
            norm = normalize_url(url)
            key = norm.url if norm.problem is None else f"invalid:{url}"
            cited = seen.setdefault(key, Cited(url=url.strip(), norm=norm))
            cited.citations.append(citation)
    return list(seen.values())
