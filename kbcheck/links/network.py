"""Telling "this host is gone" from "the network is gone", quickly and once per run."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress

from kbcheck.links.policy import address_class


class NetworkState:
    """Whether the outside network is reachable, decided by one probe the first time it matters.

    Without it an offline run would call every link "broken" (unknown host) or wait out a
    connect timeout per URL. The probe is a name lookup and a TCP connect to a host that should
    always answer; it runs at most once, and only after some lookup or connect has failed.
    """

    def __init__(self, probe: tuple[str, int] | None, timeout_s: float = 3.0,
                 offline: bool = False) -> None:
        self._probe = probe
        self._timeout = timeout_s
        self._result: bool | None = False if offline else None
        self._lock = asyncio.Lock()

    @property
    def known_offline(self) -> bool:
        """True once the probe has failed (or the run was started offline)."""
        return self._result is False

    async def online(self) -> bool:
        """Probe once (later callers wait for the same answer) and remember the result."""
        if self._result is not None:
            return self._result
        async with self._lock:
            if self._result is None:
                self._result = await self._run_probe()
        return self._result

    async def _run_probe(self) -> bool:
        if self._probe is None:
            return True
        host, port = self._probe
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                               self._timeout)
        except (OSError, TimeoutError, UnicodeError):
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    @staticmethod
    def is_local(addresses: tuple[str, ...]) -> bool:
        """Whether every address is loopback or private (reachable without the outside)."""
        return all(address_class(ipaddress.ip_address(a.split("%", 1)[0]))
                   in ("loopback", "private", "link-local") for a in addresses)
