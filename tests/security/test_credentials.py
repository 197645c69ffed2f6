"""Credentials stay with their origin: a redirect to another server gets no token."""

from pytest_httpserver import HTTPServer
from werkzeug import Response

from kbcheck.links import check_links
from tests.links.conftest import loopback_config, make_article


def test_the_github_token_is_not_sent_to_a_second_origin(httpserver):
    seen: dict[str, str | None] = {}
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    try:
        def elsewhere(request):
            seen["other"] = request.headers.get("Authorization")
            return Response('{"full_name": "a/b", "html_url": "https://github.com/a/b"}',
                            content_type="application/json")

        def api(request):
            seen["api"] = request.headers.get("Authorization")
            return Response("", status=307, headers={"Location": other.url_for("/repos/a/b")})

        other.expect_request("/repos/a/b").respond_with_handler(elsewhere)
        httpserver.expect_request("/gh/repos/a/b").respond_with_handler(api)
        config = loopback_config(github_api=httpserver.url_for("/gh"), github_token="s3cret")
        check_links([make_article("https://github.com/a/b")], config)
    finally:
        other.clear()
        if other.is_running():
            other.stop()
    assert seen["api"] == "Bearer s3cret"  # the API itself gets it
    assert "other" in seen and seen["other"] is None
