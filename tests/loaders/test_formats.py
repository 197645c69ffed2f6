"""Every loader on articles written for the tests: one well-formed and one broken per format."""

from datetime import date
from pathlib import Path

import pytest

from kbcheck.loaders import detect_format, load_file, load_text
from kbcheck.rules import check_article

from .helpers import assert_body_contract

HERE = Path(__file__).parent / "articles"
TODAY = date(2026, 11, 23)


def _load(name):
    path = HERE / name
    result = load_file(path)
    assert result.article is not None, result.findings
    assert_body_contract(result.article, path.read_text(encoding="utf-8"))
    findings = result.findings + check_article(result.article, TODAY)
    return result.article, findings


@pytest.mark.parametrize(("name", "fmt"), [
    ("frontmatter_good.md", "frontmatter-markdown"),
    ("frontmatter_broken.md", "frontmatter-markdown"),
    ("flat_good.md", "flat-markdown"), ("flat_broken.md", "flat-markdown"),
    ("mediawiki_good.wiki", "mediawiki"), ("mediawiki_broken.wiki", "mediawiki"),
    ("glossary_good.txt", "glossary"), ("glossary_broken.txt", "glossary")])
def test_format_is_detected_from_the_content(name, fmt):
    assert detect_format((HERE / name).read_text(encoding="utf-8")) == fmt


@pytest.mark.parametrize("name", ["frontmatter_good.md", "flat_good.md", "mediawiki_good.wiki",
                                  "glossary_good.txt"])
def test_well_formed_articles_have_no_error_or_warning(name):
    _article, findings = _load(name)
    assert [f for f in findings if f.severity != "info"] == []


def test_frontmatter_good():
    a, _ = _load("frontmatter_good.md")
    assert a.atomic_facts[0].verify.verifier == "dora-decomposition"
    assert a.atomic_facts[0].verify.params == {"d": 64, "k": 32}
    assert a.known_gaps == ["training recipes"] and a.body_line == 25
    assert [s.url for s in a.body_links] == ["https://arxiv.org/abs/2402.09353",
                                             "https://github.com/NVlabs/DoRA"]
    assert a.lines["body_links.1"] == 28


def test_frontmatter_broken_keeps_everything_valid_and_reports_each_error_at_its_line():
    a, findings = _load("frontmatter_broken.md")
    schema = {(f.line, f.message.split("`")[1]) for f in findings if f.rule == "schema"}
    assert schema == {(4, "confidence"), (5, "created_date"), (6, "last_verified"),
                      (12, "atomic_facts.1.statement"), (13, "atomic_facts.1.confidence"),
                      (16, "atomic_facts.1.verify.colour"), (17, "completeness"),
                      (20, "primary_sources.0.year")}
    # what was valid is kept
    assert (a.id, a.title) == ("kb-test-0101", "A broken article")
    assert a.atomic_facts[0].statement.startswith("LoRA adds no inference latency")
    assert a.atomic_facts[1].id == "f-2" and a.atomic_facts[1].verify.verifier == "lora-merge"
    assert a.primary_sources[0].url == "https://arxiv.org/abs/2106.09685"
    assert a.body.strip() == "Body text survives the broken metadata."
    # an invalid value is reported once, by the schema, not again as missing or empty
    assert not [f for f in findings if f.rule in ("missing-metadata", "empty-statement")
                and f.severity != "info"]


def test_flat_good_metadata_on_its_own_line():
    a, _ = _load("flat_good.md")
    assert (a.title, a.confidence, a.last_verified) == ("QLoRA in brief", "medium",
                                                       date(2026, 4, 2))
    assert a.lines["confidence"] == 3 and a.body_line == 5 and a.body.startswith("## Summary")


def test_flat_broken():
    a, findings = _load("flat_broken.md")
    assert a.title == "LoRA+"
    assert {(f.rule, f.line) for f in findings if f.severity == "error"} == {
        ("schema", 1), ("url-malformed", 1)}
    # everything is on line 1: the column says where
    assert sorted(f.column for f in findings if f.rule == "schema") == [21, 44]


def test_mediawiki_good():
    a, _ = _load("mediawiki_good.wiki")
    assert a.title == "Adapter modules" and a.domains == ["PEFT", "NLP"]
    assert a.updated == date(2026, 1, 5)
    assert [(s.title, s.url) for s in a.body_links] == [
        ("Parameter-Efficient Transfer Learning for NLP", "https://arxiv.org/abs/1902.00751"),
        ("AdapterHub", "https://adapterhub.ml")]
    assert a.lines["body_links.1"] == 16


def test_mediawiki_broken():
    _a, findings = _load("mediawiki_broken.wiki")
    assert {(f.rule, f.line) for f in findings if f.severity == "error"} == {
        ("schema", 2), ("arxiv-id-malformed", 3)}


def test_glossary_good():
    a, _ = _load("glossary_good.txt")
    assert (a.title, a.category, a.updated) == ("Adapter", "Fine-tuning", date(2026, 1, 5))
    assert a.body.startswith("An adapter is") and a.body_line == 7


def test_glossary_broken():
    a, findings = _load("glossary_broken.txt")
    assert (a.title, a.category, a.updated) == ("Rank", "Linear algebra", None)
    assert [(f.rule, f.line, f.column) for f in findings if f.severity == "error"] == [
        ("schema", 7, 15)]


def test_crlf_and_bom_are_normalised():
    text = "\ufeff---\r\ntitle: T\r\nconfidence: low\r\n---\r\nBody [x](https://a.org/x)\r\n"
    result = load_text(text, "crlf.md")
    a = result.article
    assert result.findings == [] and a.title == "T" and a.lines["confidence"] == 3
    assert a.body == "Body [x](https://a.org/x)\n" and a.body_line == 5
    assert a.lines["body_links.0"] == 5
