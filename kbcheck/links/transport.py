"""The address policy enforced where connections are made, so it covers the address used.

The guard in `http.py` resolves a host before each request and refuses restricted addresses,
but httpx would then resolve the name again to connect: a name whose DNS answer changes in
between (DNS rebinding) could slip through. This network backend resolves, checks and connects
to the checked address itself.
"""

from __future__ import annotations

import asyncio
import socket
import ssl

import httpcore
import httpx

from kbcheck.links.policy import check_addresses, literal_address

REFUSED = "refused by the address policy"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy allows; anything else is a ConnectError."""

    def __init__(self, allow: frozenset[str]) -> None:
        self._allow = allow
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None,
                          socket_options=None):
        """Resolve `host`, check every address, connect to the first that answers."""
        literal = literal_address(host)
        if literal is not None:
            addresses: tuple[str, ...] = (literal,)
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
            addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        why = check_addresses(addresses, self._allow)
        if why:
            raise httpcore.ConnectError(f"{REFUSED}: {why}")
        last: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address,
                                                     socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        """Unix sockets are never a cited source."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Delegate to the default backend."""
        await self._inner.sleep(seconds)


def guarded_transport(tls: ssl.SSLContext, limits: httpx.Limits,
                      allow: frozenset[str]) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through `GuardedBackend`.

    httpx builds its httpcore pool without a way to pass a network backend, so the pool is
    rebuilt with the same settings; if a future httpx stores it elsewhere, the transport is
    returned as built and the pre-request guard alone applies.
    """
    transport = httpx.AsyncHTTPTransport(verify=tls, limits=limits, trust_env=False)
    if hasattr(transport, "_pool"):
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, network_backend=GuardedBackend(allow))
    return transport
