"""URL checks and normalisation used by the rules."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from kbcheck.ids import arxiv_id_from_url

_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_SPACE = re.compile(r"\s")

# Articles of one knowledge base cite the same few hundred URLs over and over: cache the checks.
arxiv_id = lru_cache(maxsize=8192)(arxiv_id_from_url)


@lru_cache(maxsize=8192)
def url_problem(url: str) -> str | None:
    """Why `url` is not a well-formed http(s) URL, or None when it is."""
    if not url or not url.strip():
        return "the URL is empty"
    if _SPACE.search(url):
        return "the URL contains whitespace"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError as exc:
        return f"the URL does not parse: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return (f"the scheme is {parts.scheme!r}, not http or https" if parts.scheme
                else "the URL has no scheme (http:// or https://)")
    host = parts.hostname or ""
    if not host:
        return "the URL has no host"
    if port == 0:
        return "the URL's port is 0"
    if host == "localhost" or host.startswith("["):
        return None
    labels = host.rstrip(".").split(".")
    if len(labels) < 2:
        return f"the host {host!r} has no domain (e.g. example.org)"
    try:
        labels = host.rstrip(".").encode("idna").decode("ascii").split(".")
    except UnicodeError:
        return f"the host {host!r} is not a valid domain name"
    if not all(_LABEL.fullmatch(label) for label in labels):
        return f"the host {host!r} is not a valid domain name"
    return None


@lru_cache(maxsize=8192)
def url_key(url: str) -> str:
    """A key under which two spellings of one URL compare equal: scheme, `www.`, a trailing
    slash and the fragment are ignored; arXiv abs/pdf links and versions name the same paper."""
    arxiv = arxiv_id(url)
    if arxiv is not None and arxiv.ok:
        return f"arxiv:{arxiv.id}"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")
