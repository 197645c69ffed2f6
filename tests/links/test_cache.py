"""The on-disk cache: lifetimes per outcome, atomic writes, two runs sharing one directory."""

from __future__ import annotations

import threading

from kbcheck.links import Outcome, check_links
from kbcheck.links.cache import LIFETIMES, LinkCache
from tests.links.conftest import loopback_config, make_article


def test_second_run_is_served_from_the_cache(httpserver, tmp_path):
    httpserver.expect_request("/ok").respond_with_data("x")
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    httpserver.expect_request("/flaky").respond_with_data("", status=503)
    article = make_article(*(httpserver.url_for(p) for p in ("/ok", "/gone", "/flaky")))
    config = loopback_config(cache_dir=tmp_path, max_retries=0)
    first = check_links([article], config)
    sent = len(httpserver.log)
    second = check_links([article], config)
    assert [r.outcome for r in second.results] == [r.outcome for r in first.results] == [
        Outcome.ok, Outcome.broken, Outcome.unverified]
    assert [r.cached for r in second.results] == [True, True, False]
    # Only the transient 503 is asked again (HEAD only: a 5xx gets no GET fallback).
    assert [r.path for r, _ in httpserver.log[sent:]] == ["/flaky"]
    assert second.results[0].citations == first.results[0].citations


def test_entries_expire_per_outcome(tmp_path):
    clock = [1000.0]
    cache = LinkCache(tmp_path, now=lambda: clock[0])
    cache.put("url:ok", {"outcome": "ok"}, LIFETIMES["ok"])
    cache.put("url:wall", {"outcome": "unverified"}, LIFETIMES["unverified-stable"])
    cache.put("url:transient", {"outcome": "unverified"}, None)
    assert cache.get("url:ok") and cache.get("url:wall")
    assert cache.get("url:transient") is None
    clock[0] += LIFETIMES["unverified-stable"] + 1
    assert cache.get("url:ok") is not None and cache.get("url:wall") is None
    clock[0] += LIFETIMES["ok"]
    assert cache.get("url:ok") is None
    assert LIFETIMES["ok"] > LIFETIMES["broken"] > LIFETIMES["unverified-stable"]


def test_corrupt_or_foreign_entries_are_misses(tmp_path):
    cache = LinkCache(tmp_path)
    cache.put("url:a", {"outcome": "ok"}, 60)
    (entry,) = tmp_path.rglob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    assert cache.get("url:a") is None
    entry.write_text('{"key": "url:b", "expires": 1e20, "value": {}}', encoding="utf-8")
    assert cache.get("url:a") is None  # a hash collision cannot return another key's value


def test_concurrent_writers_and_readers_never_see_a_torn_entry(tmp_path):
    caches = [LinkCache(tmp_path), LinkCache(tmp_path)]  # two runs, one directory
    payload = {"outcome": "ok", "pad": "x" * 50_000}
    bad, stop = [], threading.Event()

    def write(cache, n):
        for i in range(60):
            cache.put("url:shared", {**payload, "writer": n, "i": i}, 60)

    def read():
        while not stop.is_set():
            got = caches[0].get("url:shared")
            if got is not None and got.get("pad") != payload["pad"]:
                bad.append(got)

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(c, n)) for n, c in enumerate(caches)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not bad
    assert caches[1].get("url:shared")["i"] == 59
    assert not list(tmp_path.rglob("*.tmp"))  # no temp files left behind


def test_unwritable_cache_directory_costs_nothing_but_speed(httpserver, tmp_path):
    httpserver.expect_request("/ok").respond_with_data("x")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    report = check_links([make_article(httpserver.url_for("/ok"))],
                         loopback_config(cache_dir=blocker / "cache"))
    assert report.results[0].outcome is Outcome.ok


def test_two_runs_at_once_share_one_cache(httpserver, tmp_path):
    httpserver.expect_request("/p").respond_with_data("x")
    article = make_article(*(httpserver.url_for("/p") + f"?n={i}" for i in range(20)))
    config = loopback_config(cache_dir=tmp_path)
    reports = []
    runs = [threading.Thread(target=lambda: reports.append(check_links([article], config)))
            for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    assert [len(r.results) for r in reports] == [20, 20]
    assert all(r.outcome is Outcome.ok for rep in reports for r in rep.results)
    again = check_links([article], config)
    assert all(r.cached for r in again.results) and again.requests == 0
