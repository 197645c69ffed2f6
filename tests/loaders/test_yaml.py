"""The YAML frontmatter helper: line map, dates kept as text, duplicate keys, merges."""

from kbcheck.loaders import load_text
from kbcheck.loaders._yaml import parse_frontmatter


def test_line_map_covers_nested_paths():
    res = parse_frontmatter("title: T\nfacts:\n  - id: a\n    text: x\n  - id: b\n", "p", 2)
    assert res.data == {"title": "T", "facts": [{"id": "a", "text": "x"}, {"id": "b"}]}
    assert res.lines == {"title": 2, "facts": 3, "facts.0": 4, "facts.0.id": 4,
                         "facts.0.text": 5, "facts.1": 6, "facts.1.id": 6}


def test_dates_stay_text_and_scalars_keep_their_types():
    res = parse_frontmatter("d: 2024-01-02\nn: 3\nf: 0.5\nb: true\nz: ~\nq: '7'\n", "p", 1)
    assert res.data == {"d": "2024-01-02", "n": 3, "f": 0.5, "b": True, "z": None, "q": "7"}


def test_bad_unquoted_date_is_a_schema_finding_at_its_line():
    result = load_text("---\ntitle: T\ncreated_date: 2024-13-01\n---\nbody\n", "d.md")
    assert [(f.rule, f.line, f.column) for f in result.findings] == [("schema", 3, 15)]
    assert result.article.created_date is None and result.article.title == "T"


def test_duplicate_key_is_a_warning_and_the_later_value_wins():
    result = load_text("---\ntitle: A\nconfidence: low\ntitle: B\n---\nbody\n", "dup.md")
    assert [(f.rule, f.line, f.severity) for f in result.findings] == [
        ("duplicate-key", 4, "warning")]
    assert "line 2" in result.findings[0].hint and result.article.title == "B"


def test_merge_keys():
    text = ("---\nbase: &s {type: academic_paper, year: 2021}\nprimary_sources:\n"
            "  - <<: *s\n    year: 2022\n    url: https://arxiv.org/abs/2106.09685\n---\nb\n")
    a = load_text(text, "merge.md").article
    assert (a.primary_sources[0].type, a.primary_sources[0].year) == ("academic_paper", 2022)


def test_huge_integer_stays_text_for_the_schema():
    result = load_text("---\ncompleteness: " + "9" * 5000 + "\n---\nb\n", "big.md")
    assert result.article is not None


def test_unicode_line_separators_do_not_shift_lines():
    result = load_text("---\ntitle: a\u2028b\x85c\nconfidence: sure\n---\nbody\n", "u.md")
    assert [(f.rule, f.line) for f in result.findings] == [("schema", 3)]
    assert result.article.title == "a b c"
