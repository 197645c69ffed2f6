"""The address policy: restricted ranges, IPv4 and IPv6, on the first request and every hop."""

from __future__ import annotations

import asyncio
import ipaddress

import httpx
import pytest
from werkzeug import Response

from kbcheck.links import LinkConfig, Outcome, check_links
from kbcheck.links.collect import normalize_url
from kbcheck.links.http import Fetcher
from kbcheck.links.network import NetworkState
from kbcheck.links.policy import address_class, check_addresses
from tests.links.conftest import loopback_config, make_article


@pytest.mark.parametrize(("address", "cls"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"),
    ("100.64.0.1", "private"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:127.0.0.1", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ("93.184.215.14", None), ("2606:4700::6810:84e5", None),
])
def test_address_classes(address, cls):
    assert address_class(ipaddress.ip_address(address)) == cls


def test_allowing_loopback_does_not_allow_other_ranges():
    allow = frozenset({"loopback"})
    assert check_addresses(("127.0.0.1", "::1"), allow) is None
    assert "private" in check_addresses(("10.0.0.1",), allow)
    assert "link-local" in check_addresses(("169.254.169.254",), allow)
    # One bad address among good ones is enough to refuse the host.
    assert check_addresses(("93.184.215.14", "10.0.0.1"), frozenset()) is not None


def test_refused_url_gets_no_request(httpserver):
    httpserver.expect_request("/ok").respond_with_data("x")
    urls = [httpserver.url_for("/ok"), f"http://127.0.0.1:{httpserver.port}/ok",
            f"http://[::1]:{httpserver.port}/ok", "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/admin", "http://[fd00::1]/", "http://0.0.0.0/"]
    report = check_links([make_article(*urls)], loopback_config(allow_addresses=frozenset()))
    assert {r.outcome for r in report.results} == {Outcome.refused}
    assert all("address policy" in r.error for r in report.results)
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/secret", "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/", "http://192.168.0.1:8080/",
])
def test_redirect_hop_to_a_private_address_is_refused(httpserver, target):
    httpserver.expect_request("/jump").respond_with_response(
        Response(status=302, headers={"Location": target}))
    report = check_links([make_article(httpserver.url_for("/jump"))], loopback_config())
    r = report.results[0]
    assert r.outcome is Outcome.refused and r.final_url == normalize_url(target).url
    assert len(httpserver.log) == 1  # only the first hop, on the allowed loopback


def test_names_are_resolved_before_the_policy_applies():
    async def guard(url: str, allow: frozenset[str]):
        fetcher = Fetcher(LinkConfig(allow_addresses=allow), NetworkState(None))
        return await fetcher.guard(url)

    refused = asyncio.run(guard("http://localhost:9/", frozenset()))
    assert refused is not None and refused.failure == "refused" and "loopback" in refused.error
    assert asyncio.run(guard("http://localhost:9/", frozenset({"loopback"}))) is None


def test_invalid_urls_are_reported_not_raised():
    urls = ["not a url", "ftp://example.org/x", "/relative/path", "http://", "mailto:a@b.c",
            "http://exa mple.org/", "https://arxiv.org/abs/2106.9685", "http://[::1/"]
    report = check_links([make_article(*urls)], loopback_config())
    assert [r.outcome for r in report.results] == [Outcome.invalid] * len(urls)
    assert all(r.error for r in report.results)


def test_connections_are_guarded_even_past_the_pre_request_check(httpserver):
    """The connection layer checks the address it connects to (DNS rebinding)."""
    httpserver.expect_request("/ok").respond_with_data("x")

    async def direct_get():
        async with Fetcher(LinkConfig(), NetworkState(None)) as fetcher:
            client = fetcher.client("localhost", httpserver.port)
            try:
                await client.get(httpserver.url_for("/ok"))
            except httpx.ConnectError as exc:
                return str(exc)
        return "connected"

    assert asyncio.run(direct_get()).startswith("refused by the address policy")
    assert len(httpserver.log) == 0
