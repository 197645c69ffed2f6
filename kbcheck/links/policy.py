"""The address policy (SSRF guard): which resolved addresses a request may go to.

A host is resolved before any request, and again on every redirect hop; if any of its
addresses is loopback, private, link-local (169.254.169.254, the cloud metadata address,
included), multicast, reserved or unspecified, the URL is refused and nothing is sent. Classes
can be allowed one by one, so tests can talk to loopback while a redirect to 10.0.0.1 or
169.254.169.254 is still refused.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from dataclasses import dataclass

ADDRESS_CLASSES = ("loopback", "private", "link-local", "multicast", "reserved", "unspecified")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def address_class(ip: IPAddress) -> str | None:
    """The restricted class of an address, or None for an ordinary public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 written inside IPv6 (::ffff:10.0.0.1, 64:ff9b::a00:1) is judged as IPv4.
        inner = ip.ipv4_mapped or _nat64(ip)
        if inner is not None:
            return address_class(inner)
    # Order matters: 127.0.0.1 is also "private" to the ipaddress module.
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


def _nat64(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class Resolution:
    """A host's addresses, or why it has none (`unknown` when the name does not exist)."""

    addresses: tuple[str, ...] = ()
    error: str | None = None
    unknown: bool = False


@functools.lru_cache(maxsize=4096)
def check_addresses(addresses: tuple[str, ...], allow: frozenset[str]) -> str | None:
    """Why the addresses are refused (the first offending one), or None when all may be used."""
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        cls = address_class(ip)
        if cls is not None and cls not in allow:
            return f"{text} is a {cls} address"
    return None


@functools.lru_cache(maxsize=4096)
def literal_address(host: str) -> str | None:
    """The host itself when it is an IP literal (brackets stripped), else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class Resolver:
    """Resolves each host once per run (concurrently, off the event loop's thread)."""

    def __init__(self, timeout_s: float = 5.0) -> None:
        self._timeout = timeout_s
        self._cache: dict[str, asyncio.Task[Resolution]] = {}

    async def resolve(self, host: str) -> Resolution:
        """The addresses of `host`; failures are values, not exceptions."""
        literal = literal_address(host)
        if literal is not None:
            return Resolution((literal,))
        if host not in self._cache:
            self._cache[host] = asyncio.ensure_future(self._lookup(host))
        return await self._cache[host]

    async def _lookup(self, host: str) -> Resolution:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), self._timeout)
        except TimeoutError:
            return Resolution(error=f"resolving {host} timed out")
        except socket.gaierror as exc:
            unknown = exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))
            return Resolution(error=f"cannot resolve {host}: {exc.strerror}", unknown=unknown)
        except (OSError, UnicodeError) as exc:
            return Resolution(error=f"cannot resolve {host}: {exc}")
        return Resolution(tuple(dict.fromkeys(str(info[4][0]) for info in infos)))
