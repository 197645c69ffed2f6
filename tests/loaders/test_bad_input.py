"""Bad input gives a finding naming the file, never a traceback, and the other files are checked."""

import os
import shutil
import sys

import pytest

from kbcheck.discover import discover
from kbcheck.loaders import load_file, load_text
from kbcheck.loaders._yaml import MAX_DEPTH, MAX_NODES
from kbcheck.validate import validate_paths

GOOD = ("---\nid: kb-1\ntitle: Good\nconfidence: low\ncreated_date: '2026-01-01'\n"
        "last_verified: '2026-01-02'\n---\nLoRA trains low-rank matrices.\n")


def _rules(result):
    return [(f.rule, f.line) for f in result.findings]


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("---\ntitle: Caf\u00e9\n---\n".encode("latin-1"))
    result = load_file(path)
    assert result.article is None and _rules(result) == [("file-not-text", 2)]
    assert "not UTF-8" in result.findings[0].message and result.findings[0].path == str(path)


def test_binary_file(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = load_file(path)
    assert result.article is None and [r for r, _ in _rules(result)] == ["file-not-text"]
    assert "binary" in result.findings[0].message


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.md"
    path.write_bytes(content)
    result = load_file(path)
    assert result.article is None and [r for r, _ in _rules(result)] == ["file-empty"]


def test_unclosed_fence():
    result = load_text("---\ntitle: never closed\nconfidence: low\n\nBody text.\n", "open.md")
    assert result.article is None and _rules(result) == [("frontmatter-unclosed", 1)]


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.md"
    path.write_text(GOOD + "x" * 5000, encoding="utf-8")
    result = load_file(path, max_bytes=1000)
    assert result.article is None and [r for r, _ in _rules(result)] == ["file-too-large"]
    assert "over the limit of 1,000" in result.findings[0].message
    assert load_file(path, max_bytes=10_000).article is not None


def test_default_size_limit_is_one_mebibyte(tmp_path):
    path = tmp_path / "big.md"
    path.write_text(GOOD + "y" * (1 << 20), encoding="utf-8")
    assert [f.rule for f in load_file(path).findings] == ["file-too-large"]


def test_alias_bomb_is_refused_quickly():
    lines = ["---", "a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    result = load_text("\n".join(lines + ["---", "body"]) + "\n", "bomb.md")
    assert result.article is None
    assert [f.rule for f in result.findings] == ["yaml-alias-expansion"]
    assert f"{MAX_NODES}" in result.findings[0].message


def test_many_small_aliases_within_the_budget_are_fine():
    text = "---\nbase: &b {type: academic_paper}\nx: [*b, *b, *b]\ntitle: T\n---\nbody\n"
    result = load_text(text, "ok.md")
    assert result.article is not None and result.article.extra_fields()["x"][2] == {
        "type": "academic_paper"}


def test_recursive_alias():
    result = load_text("---\ntitle: T\nloop: &a [x, *a]\n---\nbody\n", "loop.md")
    assert result.article is None
    assert [(f.rule, f.line) for f in result.findings] == [("yaml-alias-expansion", 3)]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_flow_nesting_is_refused_before_libyaml(depth):
    # libyaml's composer recurses in C: 100,000 levels crash the interpreter if it sees them
    text = "---\ntitle: T\nx: " + "[" * depth + "]" * depth + "\n---\nbody\n"
    result = load_text(text, "deep.md")
    assert result.article is None and _rules(result) == [("yaml-too-deep", 3)]


def test_deep_block_nesting_is_refused():
    lines = ["---", "title: T"] + [" " * i + f"k{i}:" for i in range(300)] + ["---", "body"]
    result = load_text("\n".join(lines), "deep.md")
    assert result.article is None and [f.rule for f in result.findings] == ["yaml-too-deep"]


def test_moderate_nesting_is_fine():
    text = "---\ntitle: T\nx: " + "[" * 50 + "1" + "]" * 50 + "\n---\nbody\n"
    assert load_text(text, "ok.md").article is not None


@pytest.mark.parametrize(("fm", "kind"), [("- a\n- b\n", "a list"),
                                          ("just text\n", "a single value")])
def test_frontmatter_that_is_not_a_mapping(fm, kind):
    result = load_text(f"---\n{fm}---\nbody\n", "list.md")
    assert result.article is None and _rules(result) == [("frontmatter-not-mapping", 2)]
    assert kind in result.findings[0].message


def test_empty_frontmatter_is_an_article_without_metadata():
    result = load_text("---\n---\nLoRA is a PEFT method.\n", "bare.md")
    assert result.findings == [] and result.article.body == "LoRA is a PEFT method.\n"


@pytest.mark.parametrize(("fm", "line"), [
    ("title: [a, b\nconfidence: low\n", 3), ('title: "a" b\n', 2), ("a: b: c\n", 2),
    ("title: ok\n  bad: indent\n", 3), ("title: \x01\n", 2), ("title: \ud800\n", 2),
    ("? [a, b]\n: complex key\n", 2), ("title: !!binary 'bad'\n", None)])
def test_yaml_syntax_errors_have_their_line(fm, line):
    result = load_text(f"---\n{fm}---\nbody\n", "syntax.md")
    rules = [f.rule for f in result.findings]
    if line is None:  # an explicit tag is kept as text, not an error
        assert result.article is not None
        return
    assert "yaml-syntax" in rules, result.findings
    assert line in [f.line for f in result.findings if f.rule == "yaml-syntax"]


def test_folder_with_unreadable_entries_checks_the_rest(tmp_path):
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also_good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken-link.md").symlink_to(tmp_path / "does-not-exist.md")
    os.mkfifo(tmp_path / "pipe.md")  # opening it would block: it must not be read
    (tmp_path / "binary.bin").write_bytes(b"\x00\x01\x02")
    (tmp_path / ".hidden.md").write_text("---\nnot closed\n", encoding="utf-8")
    result = validate_paths([tmp_path])
    assert len(result.articles) == 2
    by_file = {os.path.basename(f.path): f.rule for f in result.findings}
    assert by_file == {"broken-link.md": "file-unreadable", "pipe.md": "file-unreadable",
                       "binary.bin": "file-not-text"}


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="permissions do not stop root (or Windows) from reading")
def test_folder_without_permission(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "secret.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "secret.md").chmod(0)
    locked.chmod(0)
    try:
        result = validate_paths([tmp_path])
    finally:
        locked.chmod(0o755)
    assert {os.path.basename(f.path): f.rule for f in result.findings} == {
        "locked": "file-unreadable", "secret.md": "file-unreadable"}


def test_load_file_refuses_what_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "pipe.md")
    assert [f.rule for f in load_file(tmp_path / "pipe.md").findings] == ["file-unreadable"]
    assert [f.rule for f in load_file(tmp_path).findings] == ["file-unreadable"]
    assert [f.rule for f in load_file(tmp_path / "nope.md").findings] == ["file-unreadable"]


def test_missing_path_and_duplicates(tmp_path):
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    files, findings = discover([tmp_path, tmp_path / "a.md", tmp_path / "nope.md"])
    assert files == [str(tmp_path / "a.md")]
    assert [(f.rule, os.path.basename(f.path)) for f in findings] == [
        ("file-unreadable", "nope.md")]


def test_a_copy_of_the_seeds_with_bad_files_among_them(tmp_path, seeds):
    for path in seeds.values():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "zz_bomb.md").write_text(
        "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [" + ", ".join([f"*{p}"] * 10) + "]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "---\n", encoding="utf-8")
    result = validate_paths([tmp_path])
    assert len(result.articles) == 5
    assert [f.rule for f in result.findings if f.severity == "error"] == ["yaml-alias-expansion"]
