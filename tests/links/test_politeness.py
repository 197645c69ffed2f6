"""Per-host limits and gaps, as seen by the server."""

from __future__ import annotations

import threading
import time

from werkzeug import Response

from kbcheck.links import HostPolicy, LinkConfig, Outcome, check_links
from tests.links.conftest import loopback_config, make_article


def test_minimum_gap_between_requests_to_one_host(httpserver, recorder):
    httpserver.expect_request("/p").respond_with_handler(recorder.wrap(lambda r: Response("x")))
    urls = [httpserver.url_for("/p") + f"?n={i}" for i in range(5)]
    polite = {"localhost": HostPolicy(max_concurrency=4, min_gap_s=0.2)}
    report = check_links([make_article(*urls)], loopback_config(hosts=polite))
    assert {r.outcome for r in report.results} == {Outcome.ok}
    times = sorted(t for t, *_ in recorder.seen)
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Client-side starts are 0.2 s apart; the server's thread scheduling adds some jitter.
    assert min(gaps) >= 0.15 and sum(gaps) / len(gaps) >= 0.19


def test_per_host_concurrency_limit(httpserver):
    lock, state = threading.Lock(), {"now": 0, "max": 0}

    def handler(request):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return Response("x")

    httpserver.expect_request("/c").respond_with_handler(handler)
    urls = [httpserver.url_for("/c") + f"?n={i}" for i in range(8)]
    polite = {"localhost": HostPolicy(max_concurrency=2, min_gap_s=0.0)}
    check_links([make_article(*urls)], loopback_config(hosts=polite))
    assert state["max"] <= 2


def test_arxiv_defaults_are_one_request_every_three_seconds():
    config = LinkConfig()
    for host in ("arxiv.org", "export.arxiv.org"):
        assert config.host_policy(host) == HostPolicy(max_concurrency=1, min_gap_s=3.0)
    assert config.host_policy("example.org") == config.default_host
    assert config.host_policy("notarxiv.org") == config.default_host
