"""Sending requests: the address guard on every hop, retries with backoff, streamed bodies.

Redirects are followed here, not by httpx, so that each hop is resolved and checked against
the address policy before anything is sent to it. Every failure is returned as a `Fetched`
value; nothing here raises for a bad link.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from kbcheck.links.collect import normalize_url
from kbcheck.links.gate import HostGate
from kbcheck.links.models import LinkConfig
from kbcheck.links.network import NetworkState
from kbcheck.links.policy import Resolver, check_addresses
from kbcheck.links.transport import REFUSED, guarded_transport

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
_RETRY_STATUS = {429, 500, 502, 503, 504}
# Headers that prove who is asking: they go to the origin they were meant for, no further.
_CREDENTIALS = {"authorization", "proxy-authorization", "cookie"}


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


@dataclass
class Fetched:
    """What one fetch (all its hops and retries) came to.

    `failure` names why there is no final response: "refused", "unknown-host", "offline",
    "timeout", "connect", "loop", "too-many-redirects", "protocol", "invalid", "retry-after".
    """

    url: str
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    permanent: bool = False  # a 301 or 308 hop was followed
    hops: list[str] = field(default_factory=list)
    failure: str | None = None
    error: str | None = None
    attempts: int = 0


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Fetcher:
    """Sends requests politely: one connection pool per host, behind one global limit.

    A pool per host, not one shared pool: httpcore scans every pooled connection for every
    queued request, so one pool serving many hosts costs time in the product of the two
    (bench/links.py: 2,000 URLs over 20 hosts took about four times as long in one pool).
    Use it as an async context manager; leaving it closes every pool.
    """

    def __init__(self, config: LinkConfig, network: NetworkState, user_agent: str = ""):
        self.config = config
        self.network = network
        self.resolver = Resolver(config.connect_timeout_s)
        self.gate = HostGate(config)
        self._user_agent = user_agent
        self._clients: dict[str, httpx.AsyncClient] = {}
        # Loading the CA bundle takes tens of milliseconds: once per run, not once per host.
        self._tls = httpx.create_ssl_context()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    def client(self, host: str, port: int) -> httpx.AsyncClient:
        """The pool for one host and port, made on first use."""
        key = f"{host}:{port}"
        if key not in self._clients:
            size = max(1, self.config.host_policy(host).max_concurrency)
            headers = {"User-Agent": self._user_agent} if self._user_agent else None
            limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
            # trust_env off: a proxy from the environment would make the connections, and the
            # address policy could no longer see where they go.
            self._clients[key] = httpx.AsyncClient(
                headers=headers, follow_redirects=False, trust_env=False,
                timeout=httpx.Timeout(self.config.timeout_s,
                                      connect=self.config.connect_timeout_s),
                transport=guarded_transport(self._tls, limits, self.config.allow_addresses))
        return self._clients[key]

    @property
    def requests_sent(self) -> int:
        """Requests sent so far, retries and redirect hops included."""
        return sum(self.gate.sent.values())

    async def guard(self, url: str) -> Fetched | None:
        """A failed `Fetched` when `url` may not (or cannot) be requested, else None."""
        norm = normalize_url(url)
        if norm.problem:
            return Fetched(url, failure="invalid", error=norm.problem)
        res = await self.resolver.resolve(norm.host)
        if res.error:
            # An unknown name is only "broken" when the network can be reached at all.
            if res.unknown and await self.network.online():
                return Fetched(url, failure="unknown-host", error=res.error)
            if not await self.network.online():
                return Fetched(url, failure="offline", error="offline: network unreachable")
            return Fetched(url, failure="connect", error=res.error)
        why = check_addresses(res.addresses, self.config.allow_addresses)
        if why:
            return Fetched(url, failure="refused", error=f"refused by the address policy: {why}")
        if self.network.known_offline and not self.network.is_local(res.addresses):
            return Fetched(url, failure="offline", error="offline: network unreachable")
        return None

    async def fetch(self, url: str, method: str = "HEAD", headers: dict[str, str] | None = None,
                    body_cap: int | None = None) -> Fetched:
        """Request `url`, following redirects hop by hop, each hop guarded and retried."""
        cap = self.config.max_body_bytes if body_cap is None else body_cap
        current, hops, permanent = normalize_url(url).url or url, [], False
        headers = dict(headers or {})
        for _ in range(self.config.max_redirects + 1):
            refused = await self.guard(current)
            if refused:
                refused.url, refused.hops, refused.permanent = url, hops, permanent
                refused.final_url = current
                return refused
            got = await self._send_with_retries(method, current, headers, cap)
            got.url, got.hops, got.permanent = url, hops, permanent
            location = got.headers.get("location")
            if got.status not in _REDIRECTS or not location:
                return got
            permanent = permanent or got.status in _PERMANENT
            hops.append(current)
            nxt = normalize_url(urljoin(current, location))
            if nxt.problem:
                return Fetched(url, status=got.status, final_url=location, hops=hops,
                               failure="invalid", error=f"redirect to {location}: {nxt.problem}")
            if nxt.url in hops:
                chain = " -> ".join([*hops[hops.index(nxt.url):], nxt.url])
                return Fetched(url, status=got.status, final_url=nxt.url, hops=hops,
                               failure="loop", error=f"redirect loop: {chain}")
            if got.status == 303:
                method = "GET"
            if _origin(nxt.url) != _origin(current):  # a redirect may point anywhere
                headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
            current = nxt.url
        return Fetched(url, final_url=current, hops=hops, failure="too-many-redirects",
                       error=f"more than {self.config.max_redirects} redirects")

    async def _send_with_retries(self, method: str, url: str, headers: dict[str, str],
                                 cap: int) -> Fetched:
        last = Fetched(url)
        for attempt in range(self.config.max_retries + 1):
            last = await self._send_once(method, url, headers, cap)
            last.attempts = attempt + 1
            if last.failure == "connect" and not await self._local(url) \
                    and not await self.network.online():
                return Fetched(url, failure="offline", error="offline: network unreachable",
                               attempts=attempt + 1)
            retryable = last.status in _RETRY_STATUS or last.failure in ("timeout", "connect")
            if not retryable or attempt == self.config.max_retries:
                return last
            wait = self.config.backoff_s * 2 ** attempt
            after = retry_after_s(last.headers.get("retry-after"))
            if after is not None:
                if after > self.config.retry_after_cap_s:
                    last.failure = "retry-after"
                    last.error = (f"server asks to retry after {after:.0f} s, more than the "
                                  f"{self.config.retry_after_cap_s:.0f} s cap")
                    return last
                wait = after
            await asyncio.sleep(wait)
        return last

    async def _local(self, url: str) -> bool:
        """Whether `url`'s host is on this machine or network (its failures are its own)."""
        res = await self.resolver.resolve(normalize_url(url).host)
        return bool(res.addresses) and self.network.is_local(res.addresses)

    async def _send_once(self, method: str, url: str, headers: dict[str, str],
                         cap: int) -> Fetched:
        norm = normalize_url(url)
        async with self.gate.slot(norm.host):
            return await self._exchange(method, url, norm.host, norm.port, headers, cap)

    async def _exchange(self, method: str, url: str, host: str, port: int,
                        headers: dict[str, str], cap: int) -> Fetched:
        """One request and its capped body, within the deadline; failures are values."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.deadline_s
        try:
            client = self.client(host, port)
            request = client.build_request(method, url, headers=headers)
            async with asyncio.timeout_at(deadline):
                response = await client.send(request, stream=True)
        except (httpx.TimeoutException, TimeoutError) as exc:
            return Fetched(url, failure="timeout", error=f"timed out ({type(exc).__name__})")
        except httpx.ConnectError as exc:
            if str(exc).startswith(REFUSED):
                return Fetched(url, failure="refused", error=str(exc))
            return Fetched(url, failure="connect", error=f"connection failed: {exc}")
        except (httpx.ReadError, httpx.WriteError) as exc:
            why = str(exc) or type(exc).__name__
            return Fetched(url, failure="connect", error=f"connection failed: {why}")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            return Fetched(url, failure="protocol", error=f"{type(exc).__name__}: {exc}")
        try:
            # The deadline covers the body too: a server dripping bytes cannot hold us.
            async with asyncio.timeout_at(deadline):
                if method == "HEAD":
                    # Empty, but reading it lets the connection go back to the pool.
                    body = await response.aread()
                else:
                    body = await _read_capped(response, cap)
        except (httpx.HTTPError, TimeoutError):
            body = b""  # the status is known; a slow or broken body does not make it bad
        finally:
            await response.aclose()
        return Fetched(url, status=response.status_code, final_url=url,
                       headers={k.lower(): v for k, v in response.headers.items()}, body=body)


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    """At most `cap` bytes of a streamed body; the rest is never read."""
    chunks, size = [], 0
    if cap <= 0:
        return b""
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= cap:
            break
    return b"".join(chunks)[:cap]
