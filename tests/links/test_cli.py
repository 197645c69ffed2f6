"""`kbcheck links` end to end: real files, the loaders, a loopback server."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kbcheck.cli import app

pytest.importorskip("kbcheck.validate", reason="the loaders (kbcheck.validate) are not merged")

ARTICLE = """---
id: kb-test-1
title: A test article
primary_sources:
  - title: A page
    url: {ok}
  - title: A missing page
    url: {missing}
---

## Body

See [the page]({ok}) and [a private one](http://169.254.169.254/latest/meta-data/).
"""


@pytest.fixture
def kb(tmp_path, httpserver):
    httpserver.expect_request("/ok").respond_with_data("x")
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.md").write_text(ARTICLE.format(ok=httpserver.url_for("/ok"),
                                                missing=httpserver.url_for("/missing")))
    return folder


def test_links_json_lists_every_source_with_its_outcome(kb, tmp_path, httpserver):
    result = CliRunner().invoke(app, ["links", str(kb), "--allow-private", "--format", "json",
                                      "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 1, result.output  # the 404 is an error
    data = json.loads(result.stdout)
    outcomes = {r["url"]: r["outcome"] for r in data["results"]}
    assert outcomes == {httpserver.url_for("/ok"): "ok", httpserver.url_for("/missing"): "broken",
                        "http://169.254.169.254/latest/meta-data/": "refused"}
    ok = next(r for r in data["results"] if r["outcome"] == "ok")
    assert {c["field"] for c in ok["citations"]} == {"primary_sources.0.url", "body_links.0"}
    assert all(c["line"] for r in data["results"] for c in r["citations"])


def test_links_offline_text_never_says_broken(kb, tmp_path):
    result = CliRunner().invoke(app, ["links", str(kb), "--offline", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "broken" not in result.stdout.split("distinct URLs")[0]
    assert "offline" in result.stdout and "refused" in result.stdout


def test_links_without_allow_private_refuses_loopback(kb, httpserver):
    result = CliRunner().invoke(app, ["links", str(kb), "--no-cache", "--fail-on", "warning"])
    assert result.exit_code == 1
    assert "refused" in result.stdout and len(httpserver.log) == 0


def test_links_missing_path_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["links", str(tmp_path / "nope")])
    assert result.exit_code == 2
