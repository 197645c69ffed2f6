"""Every loader on the seed articles in kb/: format, metadata, lines, body, links."""

from datetime import date

import pytest

from kbcheck.loaders import detect_format, load_file

from .helpers import assert_body_contract, line_text

FORMATS = {"000": "frontmatter-markdown", "001": "frontmatter-markdown", "002": "flat-markdown",
           "003": "mediawiki", "004": "glossary"}


@pytest.mark.parametrize("number", sorted(FORMATS))
def test_seed_loads_into_an_article(seeds, number):
    path = seeds[number]
    text = path.read_text(encoding="utf-8")
    assert detect_format(text) == FORMATS[number]
    result = load_file(path)
    assert result.findings == [] and result.article is not None
    article = result.article
    assert article.format == FORMATS[number] and article.path == str(path)
    assert_body_contract(article, text)
    # every recorded line holds what the field path names
    for i, src in enumerate(article.body_links):
        assert src.url in line_text(text, article.lines[f"body_links.{i}"])


def test_seed_000_frontmatter_fields_and_lines(seeds):
    text = seeds["000"].read_text(encoding="utf-8")
    a = load_file(seeds["000"]).article
    assert a.id == "kb-2026-00062" and a.confidence == "medium"
    assert (a.created_date, a.last_verified, a.updated) == (
        date(2026, 5, 22), date(2026, 5, 28), date(2026, 5, 28))
    assert a.ai_models == ["claude-opus"] and a.completeness == 0.88
    assert [f.id for f in a.atomic_facts] == ["fact-lora-1", "fact-lora-2", "fact-lora-3"]
    assert a.atomic_facts[1].statement.startswith("QLoRA combines quantization")  # folded >-
    assert [s.year for s in a.primary_sources] == [2021, 2023, 2019]
    for path, needle in [("title", "title: LoRA"), ("atomic_facts.1.statement", "statement: >-"),
                         ("atomic_facts.2.source_url", "1902.00751"),
                         ("primary_sources.0.url", "url: https://arxiv.org/abs/2106.09685"),
                         ("updated", "updated:")]:
        assert needle in line_text(text, a.lines[path]), path
    assert a.body_line == 60 and a.body.startswith("\n## TL;DR")
    assert [s.url for s in a.body_links] == [s.url for s in a.primary_sources]


def test_seed_001_quoted_strings_and_source_ids(seeds):
    a = load_file(seeds["001"]).article
    assert a.id == "kb-2026-00004" and a.generation_method == "human_only"
    assert [s.id for s in a.primary_sources] == ["ps-lora-1", "ps-lora-2"]
    assert a.primary_sources[1].institution == "Hugging Face"
    assert len(a.atomic_facts) == 4 and len(a.known_gaps) == 2
    # relative links (/ai/llms/) point inside the knowledge base: not sources
    assert all(s.url.startswith("https://") for s in a.body_links) and len(a.body_links) == 2


def test_seed_002_flat_markdown_inline_metadata(seeds):
    a = load_file(seeds["002"]).article
    assert a.title == "LoRA (Low-Rank Adaptation)"
    assert (a.confidence, a.last_verified, a.generation_method) == (
        "high", date(2026, 5, 22), "human_only")
    assert a.lines["title"] == a.lines["confidence"] == 1 and a.body_line == 1
    assert [(s.title, s.url) for s in a.body_links] == [
        ("LoRA Paper", "https://arxiv.org/abs/2106.09685"),
        ("LoRA GitHub", "https://github.com/microsoft/LoRA"),
        ("QLoRA", "https://arxiv.org/abs/2305.14314")]


def test_seed_003_mediawiki_annotations(seeds):
    a = load_file(seeds["003"]).article
    assert a.domains == ["Fine_Tuning", "PEFT", "Deep_Learning"]
    assert a.updated == date(2025, 12, 12) and a.lines["updated"] == 13
    assert [(s.type, s.title) for s in a.body_links] == [
        ("Paper", "LoRA: Low-Rank Adaptation"), ("Paper", "QLoRA"), ("Blog", "HuggingFace PEFT")]
    assert a.body_line == 1 and "<syntaxhighlight" in a.body and "\\mathbb{R}" in a.body


def test_seed_004_glossary(seeds):
    text = seeds["004"].read_text(encoding="utf-8")
    a = load_file(seeds["004"]).article
    assert (a.title, a.category, a.updated) == ("LoRA", "MLOps", date(2026, 3, 31))
    assert (a.lines["title"], a.lines["category"], a.lines["updated"]) == (4, 6, 24)
    assert a.body.startswith("Low-Rank Adaptation, a PEFT method")
    assert line_text(text, a.body_line).startswith("Low-Rank Adaptation")
