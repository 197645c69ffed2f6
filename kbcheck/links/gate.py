"""Politeness: a global limit on requests in flight, and per host a limit and a minimum gap."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from contextlib import asynccontextmanager

from kbcheck.links.models import LinkConfig


class HostGate:
    """Hands out request slots so no host sees more than its limit or a gap below its minimum."""

    def __init__(self, config: LinkConfig) -> None:
        self._config = config
        self._global = asyncio.Semaphore(config.max_concurrency)
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = defaultdict(float)
        self.sent: dict[str, int] = defaultdict(int)  # requests per host, for the report

    @asynccontextmanager
    async def slot(self, host: str):
        """Wait for a slot on `host` (its limit, then its gap), hold it for one request."""
        policy = self._config.host_policy(host)
        sem = self._host_sems.setdefault(host, asyncio.Semaphore(max(1, policy.max_concurrency)))
        async with sem:
            # Reserve the next start time before sleeping, so concurrent waiters queue up one
            # gap apart instead of all waking together.
            now = time.monotonic()
            start = max(now, self._next_start[host])
            self._next_start[host] = start + policy.min_gap_s
            if start > now:
                await asyncio.sleep(start - now)
            async with self._global:
                # Waiting for the global limit may have pushed the real start past the
                # reserved one: the gap counts from the real start.
                started = time.monotonic()
                self._next_start[host] = max(self._next_start[host], started + policy.min_gap_s)
                self.sent[host] += 1
                yield
