"""Offline mode and an unreachable network: unverified, never broken, and no waiting."""

from __future__ import annotations

from kbcheck.links import Outcome, check_links
from kbcheck.models import Source
from tests.links.conftest import loopback_config, make_article


def test_offline_runs_every_check_that_needs_no_network(httpserver):
    httpserver.expect_request("/ok").respond_with_data("x")
    primary = [Source(title="LoRA", year=2015, url="https://arxiv.org/abs/2106.09685")]
    urls = [httpserver.url_for("/ok"), "https://example.org/page", "http://10.0.0.1/",
            "https://arxiv.org/abs/2106.9685", "not a url"]
    report = check_links([make_article(*urls, primary=primary)],
                         loopback_config(offline=True, allow_addresses=frozenset()))
    by_url = {r.url: r for r in report.results}
    assert by_url[httpserver.url_for("/ok")].outcome is Outcome.refused  # localhost: no lookup
    assert by_url["https://example.org/page"].outcome is Outcome.unverified
    assert by_url["https://example.org/page"].error == "offline"
    assert by_url["http://10.0.0.1/"].outcome is Outcome.refused
    assert by_url["https://arxiv.org/abs/2106.9685"].outcome is Outcome.invalid
    assert by_url["not a url"].outcome is Outcome.invalid
    assert by_url["https://arxiv.org/abs/2106.09685"].outcome is Outcome.unverified
    # The id dates the paper to 2021: a stated 2015 is wrong without asking arXiv.
    assert [(f.rule, f.line) for f in report.findings] == [("links.year-mismatch", 23)]
    assert report.offline and report.requests == 0 and len(httpserver.log) == 0


def test_offline_uses_what_an_earlier_run_cached(httpserver, tmp_path):
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    article = make_article(httpserver.url_for("/gone"))
    check_links([article], loopback_config(cache_dir=tmp_path))
    report = check_links([article], loopback_config(cache_dir=tmp_path, offline=True))
    assert report.results[0].outcome is Outcome.broken and report.results[0].cached


def test_unreachable_network_is_detected_and_nothing_is_broken():
    urls = [f"https://host{n}.kbcheck-test.invalid/paper" for n in range(20)]
    urls.append("https://arxiv.org/abs/2106.09685")
    config = loopback_config(probe=("probe.kbcheck-test.invalid", 443),
                             arxiv_api="https://api.kbcheck-test.invalid/query")
    report = check_links([make_article(*urls)], config)
    assert report.offline
    assert {r.outcome for r in report.results} == {Outcome.unverified}
    assert all("offline" in r.error for r in report.results)
    assert report.requests == 0


def test_unknown_host_is_broken_when_the_network_is_up(httpserver):
    config = loopback_config(probe=(httpserver.host, httpserver.port))
    report = check_links([make_article("https://no-such-host.kbcheck-test.invalid/")], config)
    r = report.results[0]
    assert r.outcome is Outcome.broken and "cannot resolve" in r.error
    assert not report.offline


def test_offline_uses_cached_registry_answers(httpserver, tmp_path):
    httpserver.expect_request("/gh/repos/a/b").respond_with_json({"full_name": "a/b"})
    article = make_article("https://github.com/a/b")
    online = loopback_config(cache_dir=tmp_path, github_api=httpserver.url_for("/gh"))
    assert check_links([article], online).results[0].outcome is Outcome.ok
    offline = check_links([article], loopback_config(cache_dir=tmp_path, offline=True))
    assert offline.results[0].outcome is Outcome.ok and offline.results[0].cached


def test_the_links_stage_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, kbcheck.links, kbcheck.cli.links_cmd; "
            "from kbcheck.links import check_links, LinkConfig; "
            "check_links([], LinkConfig(offline=True)); "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
