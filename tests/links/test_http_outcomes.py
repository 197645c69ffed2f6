"""Outcomes against a real loopback server, and what that server received."""

from __future__ import annotations

import time

from werkzeug import Response

from kbcheck.links import USER_AGENT, Outcome, check_links
from tests.links.conftest import loopback_config, make_article


def _run(*urls, **config):
    report = check_links([make_article(*urls)], loopback_config(**config))
    return {r.url: r for r in report.results}, report


def test_ok_sends_one_head_with_a_real_user_agent(httpserver):
    httpserver.expect_request("/ok").respond_with_data("fine")
    results, report = _run(httpserver.url_for("/ok"))
    r = results[httpserver.url_for("/ok")]
    assert (r.outcome, r.status) == (Outcome.ok, 200)
    assert len(httpserver.log) == 1 and report.requests == 1
    request = httpserver.log[0][0]
    assert request.method == "HEAD"
    assert request.headers["User-Agent"] == USER_AGENT
    assert "kbcheck" in USER_AGENT and "https://" in USER_AGENT


def test_404_and_410_are_broken_after_a_confirming_get(httpserver):
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    results, _ = _run(httpserver.url_for("/missing"), httpserver.url_for("/gone"))
    assert results[httpserver.url_for("/missing")].outcome is Outcome.broken
    assert results[httpserver.url_for("/missing")].status == 404
    assert results[httpserver.url_for("/gone")].status == 410
    assert results[httpserver.url_for("/gone")].outcome is Outcome.broken
    assert sorted(r.method for r, _ in httpserver.log) == ["GET", "GET", "HEAD", "HEAD"]


def test_head_refused_falls_back_to_get(httpserver):
    httpserver.expect_request("/nohead", method="HEAD").respond_with_data("", status=405)
    httpserver.expect_request("/nohead", method="GET").respond_with_data("page")
    results, _ = _run(httpserver.url_for("/nohead"))
    assert results[httpserver.url_for("/nohead")].outcome is Outcome.ok
    assert [r.method for r, _ in httpserver.log] == ["HEAD", "GET"]


def test_permanent_redirect_chain_suggests_the_final_url(httpserver):
    httpserver.expect_request("/a").respond_with_response(
        Response(status=301, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/c")}))
    httpserver.expect_request("/c").respond_with_data("here")
    httpserver.expect_request("/t").respond_with_response(
        Response(status=307, headers={"Location": "/c"}))
    results, _ = _run(httpserver.url_for("/a"), httpserver.url_for("/t"))
    r = results[httpserver.url_for("/a")]
    assert r.outcome is Outcome.redirected
    assert r.suggestion == r.final_url == httpserver.url_for("/c")
    temporary = results[httpserver.url_for("/t")]
    assert temporary.outcome is Outcome.ok and temporary.suggestion is None


def test_redirect_loop_is_reported_as_a_loop(httpserver):
    httpserver.expect_request("/x").respond_with_response(
        Response(status=302, headers={"Location": "/y"}))
    httpserver.expect_request("/y").respond_with_response(
        Response(status=302, headers={"Location": "/x"}))
    results, _ = _run(httpserver.url_for("/x"))
    r = results[httpserver.url_for("/x")]
    assert r.outcome is Outcome.broken and "redirect loop" in r.error
    assert len(httpserver.log) == 2  # each hop once, then the loop is seen


def test_429_with_retry_after_then_ok(httpserver, recorder):
    httpserver.expect_oneshot_request("/busy").respond_with_handler(recorder.wrap(
        lambda req: Response("slow down", status=429, headers={"Retry-After": "1"})))
    httpserver.expect_request("/busy").respond_with_handler(recorder.wrap(
        lambda req: Response("ok")))
    results, _ = _run(httpserver.url_for("/busy"))
    assert results[httpserver.url_for("/busy")].outcome is Outcome.ok
    assert len(recorder.seen) == 2
    assert recorder.seen[1][0] - recorder.seen[0][0] >= 0.95  # Retry-After honoured


def test_429_every_time_is_unverified_never_broken(httpserver):
    httpserver.expect_request("/limited").respond_with_data("no", status=429)
    results, _ = _run(httpserver.url_for("/limited"))
    r = results[httpserver.url_for("/limited")]
    assert r.outcome is Outcome.unverified and r.status == 429
    assert len(httpserver.log) == 3  # the first try and max_retries=2 retries, no GET


def test_retry_after_beyond_the_cap_is_not_waited_for(httpserver):
    httpserver.expect_request("/later").respond_with_response(
        Response(status=503, headers={"Retry-After": "3600"}))
    results, _ = _run(httpserver.url_for("/later"), retry_after_cap_s=5)
    r = results[httpserver.url_for("/later")]
    assert r.outcome is Outcome.unverified and "cap" in r.error
    assert len(httpserver.log) == 1


def test_503_then_ok_is_retried(httpserver):
    httpserver.expect_oneshot_request("/flaky").respond_with_data("down", status=503)
    httpserver.expect_request("/flaky").respond_with_data("up")
    results, _ = _run(httpserver.url_for("/flaky"))
    assert results[httpserver.url_for("/flaky")].outcome is Outcome.ok
    assert len(httpserver.log) == 2


def test_slow_response_times_out_as_unverified(httpserver):
    def slow(request):
        time.sleep(1.0)
        return Response("late")
    httpserver.expect_request("/slow").respond_with_handler(slow)
    results, _ = _run(httpserver.url_for("/slow"), timeout_s=0.3, max_retries=1)
    r = results[httpserver.url_for("/slow")]
    assert r.outcome is Outcome.unverified and "timed out" in r.error
    assert len(httpserver.log) <= 2


def test_huge_body_is_streamed_and_capped(httpserver):
    sent = []

    def endless():
        for _ in range(100_000):  # 6.5 GB if anyone read it all
            sent.append(1)
            yield b"x" * 65536

    httpserver.expect_request("/huge", method="HEAD").respond_with_data("", status=405)
    httpserver.expect_request("/huge", method="GET").respond_with_handler(
        lambda req: Response(endless(), headers={"Content-Type": "text/plain"}))
    results, _ = _run(httpserver.url_for("/huge"), max_body_bytes=100_000)
    assert results[httpserver.url_for("/huge")].outcome is Outcome.ok
    assert len(sent) < 1000


def test_bot_wall_and_999_are_unverified(httpserver):
    httpserver.expect_request("/wall").respond_with_data(
        "<title>Just a moment...</title> captcha", status=403,
        headers={"Server": "cloudflare", "cf-mitigated": "challenge"})
    httpserver.expect_request("/linkedin").respond_with_data("", status=999)
    results, _ = _run(httpserver.url_for("/wall"), httpserver.url_for("/linkedin"))
    wall = results[httpserver.url_for("/wall")]
    assert wall.outcome is Outcome.unverified and "bot wall" in wall.error
    assert results[httpserver.url_for("/linkedin")].outcome is Outcome.unverified


def test_each_distinct_url_is_checked_once(httpserver):
    httpserver.expect_request("/same").respond_with_data("x")
    url = httpserver.url_for("/same")
    spelled = url.replace("http://", "HTTP://").replace("localhost", "LOCALHOST") + "#part"
    articles = [make_article(url, path="kb/a.md"), make_article(spelled, url, path="kb/b.md")]
    report = check_links(articles, loopback_config())
    assert len(report.results) == 1 and len(httpserver.log) == 1
    cites = report.results[0].citations
    assert [(c.path, c.line) for c in cites] == [("kb/a.md", 100), ("kb/b.md", 100),
                                                 ("kb/b.md", 101)]


def test_connection_reset_is_retried():
    """A raw server: the first connection is dropped without an answer, the second is served."""
    import socket
    import struct
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted = []

    def serve():
        for n in range(2):
            conn, _ = listener.accept()
            accepted.append(conn.recv(65536).split(b" ", 1)[0])
            if n == 0:
                # Linger 0: close sends a TCP reset instead of a clean end.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/reset"
    results, _ = _run(url)
    thread.join(5)
    listener.close()
    assert results[url].outcome is Outcome.ok
    assert accepted == [b"HEAD", b"HEAD"]


def test_too_many_redirects_is_broken(httpserver):
    for n in range(5):
        httpserver.expect_request(f"/r{n}").respond_with_response(
            Response(status=302, headers={"Location": f"/r{n + 1}"}))
    results, _ = _run(httpserver.url_for("/r0"), max_redirects=3)
    r = results[httpserver.url_for("/r0")]
    assert r.outcome is Outcome.broken and "more than 3 redirects" in r.error
    assert len(httpserver.log) == 4


def test_head_blocked_but_get_fine_is_ok(httpserver):
    httpserver.expect_request("/page", method="HEAD").respond_with_data("", status=403)
    httpserver.expect_request("/page", method="GET").respond_with_data("<html>hello</html>")
    results, _ = _run(httpserver.url_for("/page"))
    assert results[httpserver.url_for("/page")].outcome is Outcome.ok


def test_check_links_works_inside_a_running_event_loop(httpserver):
    import asyncio

    httpserver.expect_request("/ok").respond_with_data("x")

    async def caller():
        return check_links([make_article(httpserver.url_for("/ok"))], loopback_config())

    assert asyncio.run(caller()).results[0].outcome is Outcome.ok


def test_a_dripping_body_is_cut_at_the_deadline(httpserver):
    def drip():
        for _ in range(100):
            time.sleep(0.05)
            yield b"x"

    httpserver.expect_request("/drip", method="HEAD").respond_with_data("", status=405)
    httpserver.expect_request("/drip", method="GET").respond_with_handler(
        lambda req: Response(drip(), headers={"Content-Type": "text/plain"}))
    results, _ = _run(httpserver.url_for("/drip"), deadline_s=0.5)
    r = results[httpserver.url_for("/drip")]
    assert r.outcome is Outcome.ok and r.status == 200  # the status came before the deadline
