"""The links stage: every distinct cited URL checked once, politely, with metadata findings."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from collections.abc import Callable

import httpx

import kbcheck
from kbcheck.ids import arxiv_id_from_url
from kbcheck.links.arxiv import resolve_arxiv
from kbcheck.links.cache import LIFETIMES, LinkCache
from kbcheck.links.collect import Cited, collect
from kbcheck.links.http import Fetcher
from kbcheck.links.metadata import arxiv_result, compare_metadata
from kbcheck.links.models import LinkConfig, LinkResult, LinksReport, Outcome
from kbcheck.links.network import NetworkState
from kbcheck.links.outcomes import Verdict, judge, needs_get
from kbcheck.links.policy import check_addresses, literal_address
from kbcheck.links.registries import doi_of, github_repo_of, resolve_doi, resolve_github
from kbcheck.models import Article

USER_AGENT = f"kbcheck/{kbcheck.__version__} (+{kbcheck.HOMEPAGE})"


# Hears (URLs checked, URLs in all) as checks end, for a progress bar.
Progress = Callable[[int, int], None]


def check_links(articles: list[Article], config: LinkConfig | None = None, *,
                progress: Progress | None = None) -> LinksReport:
    """Check every source the articles cite; a synchronous wrapper around the async core."""
    config = config or LinkConfig()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(check_links_async(articles, config, progress=progress))
    # Called from inside an event loop: run ours in a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, check_links_async(articles, config,
                                                          progress=progress)).result()


class _Tally:
    """How many of the stage's URLs are done, told to `progress` as each check ends."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def add(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        if self.progress is not None:
            self.progress(self.done, self.total)

    async def counted(self, check, n: int = 1):
        try:
            return await check
        finally:
            self.add(n)


def _result(c: Cited, v: Verdict, via: str, **extra) -> LinkResult:
    return LinkResult(url=c.url, normalized=c.norm.url, outcome=v.outcome, status=v.status,
                      final_url=v.final_url, error=v.error, suggestion=v.suggestion, via=via,
                      citations=c.citations, **extra)


def _offline_checks(c: Cited, config: LinkConfig) -> LinkResult | None:
    """What can be said without the network: URL syntax, id format, IP-literal policy."""
    if c.norm.problem:
        return _result(c, Verdict(Outcome.invalid, error=c.norm.problem), "syntax")
    aid = arxiv_id_from_url(c.norm.url)
    if aid is not None and not aid.ok:
        return _result(c, Verdict(Outcome.invalid, error=aid.problem), "syntax")
    host = c.norm.host.lower()
    literal = literal_address(host)
    if literal is None and (host == "localhost" or host.endswith(".localhost")):
        literal = "127.0.0.1"  # RFC 6761: always loopback, no lookup needed
    why = check_addresses((literal,), config.allow_addresses) if literal else None
    if why:
        return _result(c, Verdict(Outcome.refused, error=f"refused by the address policy: {why}"),
                       "policy")
    return None


class _Run:
    """One run's shared parts: config, cache, fetcher; each check returns a `LinkResult`."""

    def __init__(self, config: LinkConfig, fetcher: Fetcher | None, cache: LinkCache):
        self.config, self.fetcher, self.cache = config, fetcher, cache

    def cached(self, key: str, c: Cited) -> LinkResult | None:
        """The cached result under `key`, re-attached to this run's citations."""
        hit = self.cache.get(key)
        if hit is None:
            return None
        try:
            return LinkResult(**{**hit, "url": c.url, "normalized": c.norm.url,
                                 "citations": c.citations, "cached": True})
        except ValueError:
            return None

    def store(self, key: str, r: LinkResult, stable: bool) -> None:
        """Cache a result for its outcome's lifetime; transient failures are not stored."""
        if not stable:
            return
        name = "unverified-stable" if r.outcome is Outcome.unverified else r.outcome.value
        data = r.model_dump(mode="json", exclude={"citations", "url", "normalized", "cached"})
        self.cache.put(key, data, LIFETIMES.get(name))

    async def http(self, c: Cited) -> LinkResult:
        """HEAD, then GET when HEAD is refused; the outcome from the final answer."""
        assert self.fetcher is not None
        key = f"url:{c.norm.url}"  # the same key `_offline_result` reads
        refused = await self.fetcher.guard(c.norm.url)
        if refused and refused.failure in ("refused", "invalid"):
            return _result(c, judge(refused), "policy")
        if (hit := self.cached(key, c)) is not None:
            return hit
        got = await self.fetcher.fetch(c.norm.url, "HEAD")
        if needs_get(got):
            got = await self.fetcher.fetch(c.norm.url, "GET")
        v = judge(got)
        r = _result(c, v, "offline" if got.failure == "offline" else "http")
        self.store(key, r, v.stable)
        return r

    async def registry(self, c: Cited, kind: str, ident: str) -> LinkResult:
        """A DOI or a GitHub repository, through its registry's API."""
        assert self.fetcher is not None
        key = f"{kind}:{ident}"
        if (hit := self.cached(key, c)) is not None:
            return hit
        resolve = resolve_doi if kind == "doi" else resolve_github
        v, meta = await resolve(self.fetcher, ident)
        r = _result(c, v, kind, metadata=meta)
        self.store(key, r, v.stable)
        return r

    async def arxiv(self, group: dict[str, list[Cited]]) -> list[LinkResult]:
        """All arXiv URLs: cached metadata first, the rest in batched API requests."""
        assert self.fetcher is not None
        metas: dict[str, dict] = {}
        for ident in group:
            hit = self.cache.get(f"arxiv:{ident}")
            if hit is not None:
                metas[ident] = {**hit, "cached": True}
        missing = [i for i in group if i not in metas]
        failed = None
        if missing:
            found, failed = await resolve_arxiv(self.fetcher, missing)
            for ident, meta in found.items():
                life = LIFETIMES["ok" if meta["found"] else "broken"]
                self.cache.put(f"arxiv:{ident}", meta, life)
                metas[ident] = meta
        out = []
        for ident, cited in group.items():
            for c in cited:
                meta = metas.get(ident)
                if meta is None:  # the API could not be asked: say so, never "broken"
                    v = judge(failed) if failed else Verdict(Outcome.unverified)
                    v = Verdict(Outcome.unverified, v.status, None,
                                f"arXiv API unavailable: {v.error}", stable=False)
                    out.append(_result(c, v, "arxiv"))
                else:
                    out.append(arxiv_result(c, ident, meta))
        return out


async def check_links_async(articles: list[Article], config: LinkConfig, *,
                            progress: Progress | None = None) -> LinksReport:
    """The async core of `check_links`."""
    cited = collect(articles)
    if config.ignore:
        ignored = [re.compile(p) for p in config.ignore]
        cited = [c for c in cited if not any(rx.search(c.url) for rx in ignored)]
    tally = _Tally(len(cited), progress)
    cache = LinkCache(config.cache_dir)
    done: dict[int, LinkResult] = {}
    arxiv_group: dict[str, list[Cited]] = {}
    jobs: list[tuple[int, Cited, str, str]] = []  # (index, cited, kind, identifier)
    for n, c in enumerate(cited):
        early = _offline_checks(c, config)
        if early is not None:
            done[n] = early
            continue
        kind, ident = _route(c, config)
        if kind == "arxiv":
            arxiv_group.setdefault(ident, []).append(c)
        else:
            jobs.append((n, c, kind, ident))
    network = NetworkState(config.probe, config.connect_timeout_s, offline=config.offline)
    report = LinksReport(offline=config.offline)
    if config.offline:
        results = [done.get(n) or _offline_result(c, config, cache) for n, c in enumerate(cited)]
        report.results = results
        report.findings = compare_metadata(results)
        tally.add(len(cited))
        return report
    tally.add(len(done))  # settled without the network
    async with Fetcher(config, network, USER_AGENT) as fetcher:
        run = _Run(config, fetcher, cache)
        coros = [tally.counted(_safe(run.http(c) if kind == "http" else
                                     run.registry(c, kind, ident), c))
                 for _, c, kind, ident in jobs]
        arxiv_task = tally.counted(_safe_group(run.arxiv(arxiv_group), arxiv_group),
                                   sum(map(len, arxiv_group.values()))) if arxiv_group else None
        answers = await _within(config.stage_deadline_s, coros, arxiv_task,
                                [c for _, c, _, _ in jobs], arxiv_group)
        report.requests = fetcher.requests_sent
        report.arxiv_requests = fetcher.gate.sent.get(httpx.URL(config.arxiv_api).host, 0)
    for (n, _, _, _), r in zip(jobs, answers, strict=False):
        done[n] = r
    arxiv_results = answers[len(jobs)] if arxiv_task else []
    by_url = {r.normalized: r for r in arxiv_results}
    for n, c in enumerate(cited):
        if n not in done and c.norm.url in by_url:
            done[n] = by_url[c.norm.url]
    report.results = [done[n] for n in range(len(cited)) if n in done]
    report.findings = compare_metadata(report.results)
    report.offline = network.known_offline
    tally.add(len(cited))  # checks cut off by the deadline end here too
    return report


async def _within(budget_s: float, coros: list, arxiv, cited: list[Cited],
                  arxiv_group: dict[str, list[Cited]]) -> list:
    """Every check's answer; the checks still running after `budget_s` seconds are cancelled
    and answered `unverified (deadline)`."""
    tasks = [asyncio.ensure_future(c) for c in [*coros, *([arxiv] if arxiv else [])]]
    if not tasks:
        return []
    _, pending = await asyncio.wait(tasks, timeout=budget_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    late = Verdict(Outcome.unverified, error=f"deadline: the links stage's {budget_s:g} s "
                   "budget ran out first", stable=False)
    answers = []
    for n, task in enumerate(tasks):
        if task not in pending:
            answers.append(task.result())
        elif n < len(cited):
            answers.append(_result(cited[n], late, "deadline"))
        else:
            answers.append([_result(c, late, "deadline") for group in arxiv_group.values()
                            for c in group])
    return answers


async def _safe(check, c: Cited) -> LinkResult:
    """Run one check; a bug in it becomes that URL's result instead of ending the run."""
    try:
        return await check
    except Exception as exc:  # noqa: BLE001 - the run must go on; the error is reported
        return _result(c, Verdict(Outcome.unverified, error=f"internal error: "
                                  f"{type(exc).__name__}: {exc}", stable=False), "http")


async def _safe_group(check, group: dict[str, list[Cited]]) -> list[LinkResult]:
    """`_safe` for the arXiv batch: every URL of the group gets the error as its result."""
    try:
        return await check
    except Exception as exc:  # noqa: BLE001 - the run must go on; the error is reported
        error = f"internal error: {type(exc).__name__}: {exc}"
        return [_result(c, Verdict(Outcome.unverified, error=error, stable=False), "arxiv")
                for cited in group.values() for c in cited]


def _route(c: Cited, config: LinkConfig) -> tuple[str, str]:
    """Which check a URL gets ("arxiv", "doi", "github" or "http") and its identifier."""
    if config.use_resolvers:
        aid = arxiv_id_from_url(c.norm.url)
        if aid is not None and aid.id:
            return "arxiv", aid.id
        if doi := doi_of(c.norm.url):
            return "doi", doi
        if repo := github_repo_of(c.norm.url):
            return "github", repo
    return "http", c.norm.url


def _offline_result(c: Cited, config: LinkConfig, cache: LinkCache) -> LinkResult:
    """Offline: what an earlier run cached for it when there is one, else `unverified`."""
    kind, ident = _route(c, config)
    if kind == "arxiv":
        meta = cache.get(f"arxiv:{ident}")
        if meta is not None:
            return arxiv_result(c, ident, {**meta, "cached": True})
    else:
        hit = _Run(config, None, cache).cached(f"{kind if kind != 'http' else 'url'}:{ident}", c)
        if hit is not None:
            return hit
    return _result(c, Verdict(Outcome.unverified, error="offline"), "offline")


__all__ = ["USER_AGENT", "check_links", "check_links_async"]
