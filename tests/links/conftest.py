"""Helpers for the link checker's tests: articles built in code and a loopback configuration."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug import Request, Response

from kbcheck.links import HostPolicy, LinkConfig
from kbcheck.models import Article, AtomicFact, Source


def make_article(*urls: str, path: str = "kb/a.md", primary: list[Source] | None = None,
                 facts: list[AtomicFact] | None = None) -> Article:
    """An article citing `urls` in its body, plus optional frontmatter sources and facts."""
    lines = {f"body_links.{i}": 100 + i for i in range(len(urls))}
    for i, _ in enumerate(primary or []):
        lines.update({f"primary_sources.{i}": 20 + 5 * i, f"primary_sources.{i}.url": 21 + 5 * i,
                      f"primary_sources.{i}.title": 22 + 5 * i,
                      f"primary_sources.{i}.year": 23 + 5 * i})
    for i, _ in enumerate(facts or []):
        lines.update({f"atomic_facts.{i}.source_url": 50 + 3 * i,
                      f"atomic_facts.{i}.source_title": 51 + 3 * i})
    return Article(path=path, format="frontmatter-markdown", lines=lines,
                   body_links=[Source(title=f"link {i}", url=u) for i, u in enumerate(urls)],
                   primary_sources=primary or [], atomic_facts=facts or [])


def loopback_config(**overrides) -> LinkConfig:
    """Loopback allowed, no politeness gaps, short timeouts and backoff, no network probe."""
    base = dict(allow_addresses=frozenset({"loopback"}), hosts={}, probe=None,
                default_host=HostPolicy(max_concurrency=4, min_gap_s=0.0),
                timeout_s=2.0, connect_timeout_s=2.0, backoff_s=0.05, max_retries=2)
    base.update(overrides)
    return LinkConfig(**base)


class Recorder:
    """Records (time, method, path, headers) of every request a handler sees."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str, str, dict]] = []
        self._lock = threading.Lock()

    def wrap(self, handler):
        """A werkzeug handler that records the request, then delegates to `handler`."""
        def recorded(request: Request) -> Response:
            with self._lock:
                self.seen.append((time.monotonic(), request.method, request.path,
                                  dict(request.headers)))
            return handler(request)
        return recorded

    def paths(self) -> list[str]:
        """The paths requested, in order."""
        return [p for _, _, p, _ in self.seen]


@pytest.fixture
def recorder() -> Recorder:
    """A fresh request recorder."""
    return Recorder()


def atom_feed(entries: list[dict]) -> str:
    """An arXiv API answer: entries of {id, title, published, updated?, comment?, error?}."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom" '
             'xmlns:arxiv="http://arxiv.org/schemas/atom">',
             "<title>arXiv Query</title>"]
    for e in entries:
        if e.get("error"):
            parts.append("<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_"
                         f"{e['id']}</id><title>Error</title><summary>incorrect id format for "
                         f"{e['id']}</summary></entry>")
            continue
        comment = f"<arxiv:comment>{e['comment']}</arxiv:comment>" if e.get("comment") else ""
        parts.append(f"<entry><id>http://arxiv.org/abs/{e['id']}</id>"
                     f"<published>{e['published']}T17:00:00Z</published>"
                     f"<updated>{e.get('updated', e['published'])}T17:00:00Z</updated>"
                     f"<title>{e['title']}</title><summary>...</summary>{comment}</entry>")
    parts.append("</feed>")
    return "\n".join(parts)
