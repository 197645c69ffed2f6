"""Small pure parts: URL normalisation, Retry-After, title comparison, collection."""

from __future__ import annotations

import email.utils

import pytest

from kbcheck.links.collect import collect, normalize_url
from kbcheck.links.http import retry_after_s
from kbcheck.links.titles import titles_match, year_matches
from kbcheck.models import AtomicFact, Source
from tests.links.conftest import make_article


@pytest.mark.parametrize(("raw", "expected"), [
    ("HTTPS://ArXiv.org/abs/2106.09685#section", "https://arxiv.org/abs/2106.09685"),
    ("http://example.org:80", "http://example.org/"),
    ("https://example.org:8443/a?b=1", "https://example.org:8443/a?b=1"),
    ("  https://example.org./x  ", "https://example.org/x"),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ("https://bücher.example/", "https://xn--bcher-kva.example/"),
])
def test_normalize(raw, expected):
    norm = normalize_url(raw)
    assert norm.problem is None and norm.url == expected


@pytest.mark.parametrize("raw", ["", "example.org", "ftp://x/", "http://", "http://a b/",
                                 "http://x:99999/", "javascript:alert(1)"])
def test_normalize_problems(raw):
    assert normalize_url(raw).problem


def test_retry_after_seconds_and_dates():
    assert retry_after_s("7") == 7.0
    assert retry_after_s(None) is None and retry_after_s("soon") is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_s(date, now=1_000_000) == pytest.approx(30, abs=1)
    assert retry_after_s(email.utils.formatdate(0, usegmt=True), now=1_000_000) == 0.0


@pytest.mark.parametrize(("stated", "actual", "same"), [
    ("LoRA: Low-Rank Adaptation of Large Language Models",
     "LoRA: Low-rank adaptation of large language models.", True),
    ("LoRA", "LoRA: Low-Rank Adaptation of Large Language Models", True),
    ("DoRA: Weight-Decomposed Low-Rank Adaptation", "DoRA - Weight-Decomposed Low-Rank Adaptation",
     True),
    ("Résumé of adapters", "Resume of Adapters", True),
    ("QLoRA: Efficient Finetuning of Quantized LLMs",
     "LoRA: Low-Rank Adaptation of Large Language Models", False),
    ("LoRA+: Efficient Low Rank Adaptation of Large Models",
     "LoRA: Low-Rank Adaptation of Large Language Models", False),
    ("LoRA+", "LoRA", False),
])
def test_titles_match(stated, actual, same):
    assert titles_match(stated, actual) is same


def test_year_tolerance():
    assert year_matches(2021, 2021) and year_matches(2022, 2021)  # arXiv, then the venue
    assert not year_matches(2020, 2021) and not year_matches(2024, 2021)
    assert year_matches(2023, 2021, 2023) and year_matches(None, 2021)


def test_collect_gathers_every_field_with_its_line():
    article = make_article(
        "https://example.org/body",
        primary=[Source(title="P", year=2020, url="https://example.org/p")],
        facts=[AtomicFact(id="f", source_title="F", source_url="https://example.org/p#x")])
    cited = collect([article])
    assert [c.norm.url for c in cited] == ["https://example.org/p", "https://example.org/body"]
    fields = [(c.field, c.line, c.title_line) for c in cited[0].citations]
    assert fields == [("atomic_facts.0.source_url", 50, 51), ("primary_sources.0.url", 21, 22)]
