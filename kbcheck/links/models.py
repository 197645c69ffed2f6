"""The link checker's values: configuration, per-URL results and the report of a run."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kbcheck.models import Finding, Severity


class Outcome(StrEnum):
    """What a link turned out to be; `unverified` is never reported as broken."""

    ok = "ok"
    redirected = "redirected"  # permanently moved: `suggestion` holds the new URL
    broken = "broken"  # 404, 410, unknown host, redirect loop, no such paper / DOI / repo
    unverified = "unverified"  # bot wall, rate limit, timeout, server error, offline
    refused = "refused"  # by the address policy: no request was made
    invalid = "invalid"  # not a usable http(s) URL or a malformed identifier


# How a finding about each outcome is rated; `--fail-on` compares against it.
OUTCOME_SEVERITY: dict[Outcome, Severity] = {
    Outcome.ok: Severity.info,
    Outcome.redirected: Severity.info,
    Outcome.broken: Severity.error,
    Outcome.unverified: Severity.info,
    Outcome.refused: Severity.warning,
    Outcome.invalid: Severity.error,
}


class HostPolicy(BaseModel):
    """Politeness towards one host: concurrent requests and the minimum gap between starts."""

    model_config = ConfigDict(frozen=True)

    max_concurrency: int = 2
    min_gap_s: float = 0.25


# arXiv asks for at most one request every 3 seconds on a single connection.
DEFAULT_HOSTS = {
    "arxiv.org": HostPolicy(max_concurrency=1, min_gap_s=3.0),
    "export.arxiv.org": HostPolicy(max_concurrency=1, min_gap_s=3.0),
}


class LinkConfig(BaseModel):
    """Everything the link checker can be told; the defaults are polite to real servers."""

    offline: bool = False
    # Regular expressions (re.search) of URLs that are never requested nor reported, from the
    # configuration's `links.ignore` (an intranet, a site that blocks every checker).
    ignore: tuple[str, ...] = ()
    # Address classes the guard lets through ("loopback", "private", "link-local", ...).
    # Empty by default; tests allow "loopback" only, intranet KBs add "private".
    allow_addresses: frozenset[str] = frozenset()
    cache_dir: Path | None = None
    timeout_s: float = 15.0  # per network operation (connect, each read)
    connect_timeout_s: float = 5.0
    deadline_s: float = 60.0  # for one whole request, body included: no slow-drip server wins
    # For the whole links stage: what is not done by then is `unverified (deadline)`, so that
    # servers that never answer or ask to retry later cannot hold a CI run.
    stage_deadline_s: float = 300.0
    max_concurrency: int = 32
    default_host: HostPolicy = HostPolicy()
    # Per-host overrides; a key matches the host itself and its subdomains. To add hosts and
    # keep arXiv's limits, pass {**DEFAULT_HOSTS, "intranet.example": HostPolicy(...)}.
    hosts: dict[str, HostPolicy] = Field(default_factory=lambda: dict(DEFAULT_HOSTS))
    max_retries: int = 3
    backoff_s: float = 1.0  # first retry waits this long, then doubling
    retry_after_cap_s: float = 60.0
    max_redirects: int = 10
    max_body_bytes: int = 64 * 1024  # bodies are streamed and read at most this far
    arxiv_api: str = "https://export.arxiv.org/api/query"
    arxiv_batch: int = 100  # ids per arXiv API request
    doi_resolver: str = "https://doi.org"
    github_api: str = "https://api.github.com"
    github_token: str | None = None  # defaults to $GITHUB_TOKEN when None
    # Host and port that should always be reachable; used once to tell "offline" from
    # "this host does not exist". None trusts every failure as the host's own.
    probe: tuple[str, int] | None = ("example.com", 443)
    use_resolvers: bool = True

    def host_policy(self, host: str) -> HostPolicy:
        """The politeness for `host`: the most specific override, else the default."""
        host = host.lower()
        best, best_len = self.default_host, -1
        for key, policy in self.hosts.items():
            key = key.lower()
            if (host == key or host.endswith("." + key)) and len(key) > best_len:
                best, best_len = policy, len(key)
        return best


class Citation(BaseModel):
    """One place that cites a URL: the file, the line and the field path."""

    path: str
    line: int | None = None
    field: str  # e.g. "primary_sources.0.url", "atomic_facts.2.source_url", "body_links.3"
    title: str | None = None  # the title the article states for it (frontmatter only)
    year: int | None = None
    title_line: int | None = None
    year_line: int | None = None


class LinkResult(BaseModel):
    """The outcome of one distinct (normalised) URL and every place that cites it."""

    url: str  # as first written
    normalized: str
    outcome: Outcome
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    suggestion: str | None = None
    via: str = "http"  # "http", "arxiv", "doi", "github", "offline", "policy"
    cached: bool = False
    metadata: dict[str, object] = Field(default_factory=dict)  # e.g. the paper's title, year
    citations: list[Citation] = Field(default_factory=list)


class LinksReport(BaseModel):
    """All link results of a run, the metadata findings, and a few counters."""

    results: list[LinkResult] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)  # title / year / withdrawn mismatches
    offline: bool = False  # the network was unreachable (or --offline)
    requests: int = 0  # HTTP requests actually sent, retries included
    arxiv_requests: int = 0

    def counts(self) -> dict[str, int]:
        """Number of results per outcome."""
        out = {o.value: 0 for o in Outcome}
        for r in self.results:
            out[r.outcome.value] += 1
        return out

    def all_findings(self) -> list[Finding]:
        """Metadata findings plus one finding per citing place of every result not `ok`."""
        found = list(self.findings)
        for r in self.results:
            if r.outcome is Outcome.ok:
                continue
            detail = f" ({r.error})" if r.error else ""
            for c in r.citations:
                found.append(Finding(
                    rule=f"links.{r.outcome.value}", severity=OUTCOME_SEVERITY[r.outcome],
                    path=c.path, line=c.line,
                    message=f"{r.outcome.value}: {r.url}{detail}",
                    hint=(f"replace with {r.suggestion}" if r.suggestion else None)))
        return found
