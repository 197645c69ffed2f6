"""arXiv, DOI and GitHub metadata from a loopback server standing in for each service."""

from __future__ import annotations

import json

from werkzeug import Response

from kbcheck.links import Outcome, check_links
from kbcheck.models import AtomicFact, Source
from tests.links.conftest import atom_feed, loopback_config, make_article

PAPERS = {
    "2106.09685": {"id": "2106.09685v2", "title": "LoRA: Low-Rank Adaptation of Large\n  "
                   "Language Models", "published": "2021-06-17", "updated": "2021-10-16"},
    "2305.14314": {"id": "2305.14314v1", "title": "QLoRA: Efficient Finetuning of Quantized LLMs",
                   "published": "2023-05-23"},
    "1902.00751": {"id": "1902.00751v2", "title": "Parameter-Efficient Transfer Learning for NLP",
                   "published": "2019-02-02", "comment": "This paper has been withdrawn"},
}


def _arxiv_api(request):
    asked = request.args["id_list"].split(",")
    if "2101.00001" in asked:  # arXiv answers a bad id with 200 and only an "Error" entry
        return Response(atom_feed([{"id": "2101.00001", "error": True}]),
                        content_type="application/atom+xml")
    return Response(atom_feed([PAPERS[a] for a in asked if a in PAPERS]),
                    content_type="application/atom+xml")


def _config(httpserver, **kw):
    return loopback_config(arxiv_api=httpserver.url_for("/api/query"),
                           doi_resolver=httpserver.url_for("/doi"),
                           github_api=httpserver.url_for("/gh"), **kw)


def test_arxiv_titles_years_errors_and_versions(httpserver):
    httpserver.expect_request("/api/query").respond_with_handler(_arxiv_api)
    primary = [
        Source(title="LoRA: low-rank adaptation of large language models.", year=2021,
               url="https://arxiv.org/abs/2106.09685"),
        Source(title="LoRA: Low-Rank Adaptation of Large Language Models", year=2023,
               url="https://arxiv.org/abs/2305.14314"),
        Source(title="Parameter-Efficient Transfer Learning for NLP", year=2017,
               url="https://arxiv.org/pdf/1902.00751v2"),
    ]
    facts = [AtomicFact(id="f1", source_title="LoRA", source_url="https://arxiv.org/abs/2106.09685")]
    article = make_article("https://arxiv.org/abs/2101.00001", "https://arxiv.org/abs/2106.09685v7",
                           primary=primary, facts=facts)
    report = check_links([article], _config(httpserver))
    by_url = {r.url: r for r in report.results}
    lora = by_url["https://arxiv.org/abs/2106.09685"]
    assert lora.outcome is Outcome.ok and lora.via == "arxiv"
    assert lora.metadata["title"] == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert len(lora.citations) == 2  # the fact and the primary source: one check
    assert by_url["https://arxiv.org/abs/2101.00001"].outcome is Outcome.broken
    assert "incorrect id format" in by_url["https://arxiv.org/abs/2101.00001"].error
    too_new = by_url["https://arxiv.org/abs/2106.09685v7"]
    assert too_new.outcome is Outcome.broken and "latest is v2" in too_new.error
    assert too_new.suggestion == "https://arxiv.org/abs/2106.09685"
    assert by_url["https://arxiv.org/abs/2305.14314"].outcome is Outcome.ok

    rules = sorted((f.rule, f.line) for f in report.findings)
    # primary_sources.1: another paper's title (line 27); .2: wrong year (33), withdrawn (31).
    assert rules == [("links.title-mismatch", 27), ("links.withdrawn", 31),
                     ("links.year-mismatch", 33)]
    mismatch = next(f for f in report.findings if f.rule == "links.title-mismatch")
    assert "QLoRA" in mismatch.message and "LoRA: Low-Rank" in mismatch.message
    # One batch (with the bad id), then the rest asked again without it.
    assert [r.path for r, _ in httpserver.log] == ["/api/query", "/api/query"]


def test_fifty_arxiv_ids_are_resolved_in_one_request(httpserver):
    ids = [f"2301.{n:05d}" for n in range(1, 51)]

    def api(request):
        asked = request.args["id_list"].split(",")
        return Response(atom_feed([{"id": a + "v1", "title": f"Paper {a}",
                                    "published": "2023-01-02"} for a in asked]))

    httpserver.expect_request("/api/query").respond_with_handler(api)
    article = make_article(*[f"https://arxiv.org/abs/{i}" for i in ids])
    report = check_links([article], _config(httpserver))
    assert [r.outcome for r in report.results] == [Outcome.ok] * 50
    assert len(httpserver.log) == 1 and report.arxiv_requests == 1
    assert len(httpserver.log[0][0].args["id_list"].split(",")) == 50


def test_arxiv_api_down_is_unverified_not_broken(httpserver):
    httpserver.expect_request("/api/query").respond_with_data("down", status=503)
    report = check_links([make_article("https://arxiv.org/abs/2106.09685")],
                         _config(httpserver, max_retries=1))
    r = report.results[0]
    assert r.outcome is Outcome.unverified and "arXiv API unavailable" in r.error


def test_doi_through_content_negotiation(httpserver):
    csl = {"title": "Parameter-Efficient Fine-Tuning of Large-Scale Pre-Trained Language Models",
           "issued": {"date-parts": [[2023, 3]]}, "DOI": "10.1038/s42256-023-00626-4"}
    httpserver.expect_request("/doi/10.1038/s42256-023-00626-4").respond_with_data(
        json.dumps(csl), content_type="application/vnd.citationstyles.csl+json")
    httpserver.expect_request("/doi/10.9999/nothing").respond_with_data("", status=404)
    primary = [Source(title="Something Else Entirely", year=2023,
                      url="https://doi.org/10.1038/s42256-023-00626-4")]
    article = make_article("https://doi.org/10.9999/nothing", primary=primary)
    report = check_links([article], _config(httpserver))
    by_url = {r.url: r for r in report.results}
    ok = by_url["https://doi.org/10.1038/s42256-023-00626-4"]
    assert ok.outcome is Outcome.ok and ok.via == "doi" and ok.metadata["year"] == 2023
    assert by_url["https://doi.org/10.9999/nothing"].outcome is Outcome.broken
    assert [f.rule for f in report.findings] == ["links.title-mismatch"]
    accept = {r.path: r.headers.get("Accept") for r, _ in httpserver.log}
    assert accept["/doi/10.1038/s42256-023-00626-4"] == "application/vnd.citationstyles.csl+json"


def test_github_repositories_through_the_api(httpserver):
    httpserver.expect_request("/gh/repos/microsoft/LoRA").respond_with_json(
        {"full_name": "microsoft/LoRA"})
    httpserver.expect_request("/gh/repos/old/name").respond_with_json({"full_name": "new/name"})
    httpserver.expect_request("/gh/repos/no/such").respond_with_data("{}", status=404)
    urls = ["https://github.com/microsoft/LoRA", "https://github.com/old/name/",
            "https://github.com/no/such.git"]
    report = check_links([make_article(*urls)], _config(httpserver, github_token="t0k"))
    outcomes = [(r.outcome, r.suggestion) for r in report.results]
    assert outcomes == [(Outcome.ok, None),
                        (Outcome.redirected, "https://github.com/new/name"),
                        (Outcome.broken, None)]
    assert {r.headers.get("Authorization") for r, _ in httpserver.log} == {"Bearer t0k"}


def test_arxiv_batches_keep_the_configured_gap(httpserver, recorder):
    from kbcheck.links import HostPolicy

    def api(request):
        asked = request.args["id_list"].split(",")
        return Response(atom_feed([{"id": a, "title": f"P {a}", "published": "2023-01-02"}
                                   for a in asked]))

    httpserver.expect_request("/api/query").respond_with_handler(recorder.wrap(api))
    ids = [f"2301.{n:05d}" for n in range(1, 26)]
    polite = {"localhost": HostPolicy(max_concurrency=1, min_gap_s=0.3)}
    report = check_links([make_article(*[f"https://arxiv.org/abs/{i}" for i in ids])],
                         _config(httpserver, arxiv_batch=10, hosts=polite))
    assert [r.outcome for r in report.results] == [Outcome.ok] * 25
    times = [t for t, *_ in recorder.seen]
    assert len(times) == 3  # 10 + 10 + 5
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.25
