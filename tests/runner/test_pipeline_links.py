"""The links stage inside `kbcheck run`'s pipeline: results and findings land in the report."""

from kbcheck.links import LinkConfig
from kbcheck.models import Article, Source
from kbcheck.pipeline import check_articles
from kbcheck.report import REPORTERS


def test_link_results_and_their_findings_join_the_report(httpserver, tmp_path):
    httpserver.expect_request("/ok").respond_with_data("fine")
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    article = Article(
        path="kb/a.md", format="frontmatter-markdown",
        primary_sources=[Source(title="ok", url=httpserver.url_for("/ok")),
                         Source(title="gone", url=httpserver.url_for("/gone"))],
        lines={"primary_sources.0.url": 5, "primary_sources.1.url": 9},
    )
    config = LinkConfig(allow_addresses=frozenset({"loopback"}), probe=None,
                        cache_dir=tmp_path / "links", backoff_s=0.01)
    report = check_articles([article], registry={}, links=config)
    outcomes = {r.url.rsplit("/", 1)[1]: r.outcome.value for r in report.links.results}
    assert outcomes == {"ok": "ok", "gone": "broken"}
    broken = [f for f in report.findings if f.rule == "links.broken"]
    assert [(f.path, f.line, f.severity.value) for f in broken] == [("kb/a.md", 9, "error")]
    assert "| broken | 404 |" in REPORTERS["md"][1](report)


def test_without_a_link_config_the_stage_does_not_run():
    article = Article(path="kb/a.md", format="glossary",
                      primary_sources=[Source(url="http://10.0.0.1/x")])
    assert check_articles([article], registry={}).links is None
