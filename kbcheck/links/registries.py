"""DOI and GitHub: ask the registry about the identifier instead of scraping a web page."""

from __future__ import annotations

import json
import os
import re
from urllib.parse import quote, urlsplit

from kbcheck.links.http import Fetcher
from kbcheck.links.models import Outcome
from kbcheck.links.outcomes import Verdict, judge

_DOI_HOSTS = ("doi.org", "dx.doi.org", "www.doi.org")
_CSL = "application/vnd.citationstyles.csl+json"
_API_CAP = 1024 * 1024
# github.com/OWNER/REPO with nothing after it but a slash or ".git".
_GITHUB_REPO = re.compile(r"/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?")
_GITHUB_NOT_OWNERS = {"orgs", "topics", "features", "about", "settings", "marketplace",
                      "sponsors", "collections", "explore", "login", "join"}


def doi_of(url: str) -> str | None:
    """The DOI of a doi.org URL, None for any other URL."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in _DOI_HOSTS:
        return None
    doi = parts.path.lstrip("/")
    return doi if doi.startswith("10.") and "/" in doi else None


def github_repo_of(url: str) -> str | None:
    """"owner/repo" of a github.com repository URL (its root page only), else None."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in ("github.com", "www.github.com"):
        return None
    m = _GITHUB_REPO.fullmatch(parts.path)
    if not m or m["owner"].lower() in _GITHUB_NOT_OWNERS:
        return None
    return f"{m['owner']}/{m['repo']}"


def _csl_year(data: dict) -> int | None:
    for key in ("issued", "published-print", "published-online", "created"):
        parts = (data.get(key) or {}).get("date-parts") or []
        if parts and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None


async def resolve_doi(fetcher: Fetcher, doi: str) -> tuple[Verdict, dict]:
    """The DOI's outcome through doi.org content negotiation, and its title and year."""
    url = f"{fetcher.config.doi_resolver.rstrip('/')}/{quote(doi, safe='/:;()._-')}"
    got = await fetcher.fetch(url, "GET", headers={"Accept": _CSL}, body_cap=_API_CAP)
    if got.status == 404:
        return Verdict(Outcome.broken, 404, got.final_url, f"DOI {doi} is not registered"), {}
    verdict = judge(got)
    if verdict.outcome is not Outcome.ok and verdict.outcome is not Outcome.redirected:
        return verdict, {}
    try:
        data = json.loads(got.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        # Some registration agencies do not negotiate content: the DOI exists, nothing more.
        return Verdict(Outcome.ok, got.status), {}
    title = data.get("title")
    if isinstance(title, list):
        title = title[0] if title else None
    meta = {"title": title if isinstance(title, str) else None, "year": _csl_year(data)}
    return Verdict(Outcome.ok, got.status), meta


async def resolve_github(fetcher: Fetcher, repo: str) -> tuple[Verdict, dict]:
    """Whether a GitHub repository exists, through the GitHub API; a rename is a redirect."""
    config = fetcher.config
    token = config.github_token or os.environ.get("GITHUB_TOKEN")
    headers = {"Accept": "application/vnd.github+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    got = await fetcher.fetch(f"{config.github_api.rstrip('/')}/repos/{repo}", "GET",
                              headers=headers, body_cap=_API_CAP)
    if got.status == 404:
        return Verdict(Outcome.broken, 404, None, f"no public GitHub repository {repo}"), {}
    if got.status in (403, 429) and got.failure is None:
        return Verdict(Outcome.unverified, got.status, None,
                       "GitHub API rate limit (set GITHUB_TOKEN)", stable=False), {}
    verdict = judge(got)
    if verdict.outcome not in (Outcome.ok, Outcome.redirected):
        return verdict, {}
    try:
        data = json.loads(got.body)
    except ValueError:
        data = {}
    full = data.get("full_name") if isinstance(data, dict) else None
    meta = {"full_name": full, "archived": bool(data.get("archived"))} if full else {}
    if full and full.lower() != repo.lower():
        new = f"https://github.com/{full}"
        return Verdict(Outcome.redirected, got.status, new, f"renamed to {full}",
                       suggestion=new), meta
    return Verdict(Outcome.ok, got.status), meta
