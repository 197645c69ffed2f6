"""The authoring aid: `kbcheck new` writes an article validate passes, `kbcheck check` says what
to change, `--fix` writes the numeric corrections (real verifiers, a few seconds)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from kbcheck.loaders import load_file
from tests.cli.conftest import kbcheck

FORMATS = {"frontmatter": "frontmatter-markdown", "markdown": "flat-markdown",
           "mediawiki": "mediawiki", "glossary": "glossary"}
# Refuted in kb/'s terms: LLaMA-7B with r=16 on q_proj and v_proj trains 8.39M of 6.74B
# parameters, a 99.88% cut (99.9% at the stated precision), not 99.6%.
WRONG = ("LoRA with r=16 on q_proj and v_proj of LLaMA-7B trains 99.6% fewer parameters than "
         "full fine-tuning.")
RIGHT = WRONG.replace("99.6%", "99.9%")
STARS = "The LoRA repository has 13,547 GitHub stars."


@pytest.mark.parametrize("fmt", FORMATS)
def test_new_article_in_every_format_validates_clean(tmp_path: Path, fmt: str):
    made = kbcheck("new", "LoRA rank & alpha", "--format", fmt, "--out", "kb", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    path = tmp_path / made.stdout.strip()
    assert path.parent == tmp_path / "kb" and path.stem == "lora-rank-alpha"
    out = kbcheck("validate", str(path), "--fail-on", "warning", "--format", "json",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stdout
    assert out.stdout.count('"severity": "error"') == out.stdout.count('"severity": "warning"') == 0
    article = load_file(path).article
    assert article is not None and article.format == FORMATS[fmt]
    assert date.today() in (article.last_verified, article.updated)


def test_new_never_overwrites_and_gives_a_fresh_id(tmp_path: Path):
    first = kbcheck("new", "Rank", "--out", ".", cwd=tmp_path)
    path = tmp_path / first.stdout.strip()
    before = path.read_text()
    again = kbcheck("new", "Rank", "--out", ".", cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    assert path.read_text() == before
    second = tmp_path / kbcheck("new", "Alpha", "--out", ".", cwd=tmp_path).stdout.strip()
    year = date.today().year
    assert f"id: kb-{year}-00001" in before and f"id: kb-{year}-00002" in second.read_text()
    assert kbcheck("new", "X", "--format", "docx", cwd=tmp_path).returncode == 2


def test_new_edit_check_fix_check(tmp_path: Path):
    made = kbcheck("new", "LoRA parameter counts", "--out", "kb", cwd=tmp_path)
    path = tmp_path / made.stdout.strip()
    path.write_text(path.read_text() + f"\n{WRONG} {STARS}\n", encoding="utf-8")

    advice = kbcheck("check", str(path), cwd=tmp_path)
    assert advice.returncode == 1, advice.stdout + advice.stderr  # a refuted claim is an error
    assert f"corrected: {RIGHT}" in advice.stdout
    assert "reduction: stated 99.6% → measured 99.88%" in advice.stdout
    assert "time-sensitive" in advice.stdout and "to make it checkable:" in advice.stdout
    assert "verifier: lora.param_count" in advice.stdout and "pct: 99.9\n" in advice.stdout
    assert path.read_text().count("99.6%") == 1  # check alone changes nothing

    fixed = kbcheck("check", str(path), "--fix", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"-{WRONG} {STARS}" in fixed.stdout and f"+{RIGHT} {STARS}" in fixed.stdout
    text = path.read_text()
    assert "99.6%" not in text and text.count(RIGHT) == 2  # the example fact and the fix

    again = kbcheck("check", str(path), "--fix", cwd=tmp_path)
    assert again.returncode == 0 and "--fix: nothing to change" in again.stdout
    assert "REFUTED" not in again.stdout and path.read_text() == text


def test_check_takes_one_file(tmp_path: Path):
    assert kbcheck("check", str(tmp_path), cwd=tmp_path).returncode == 2
    assert kbcheck("check", str(tmp_path / "nope.md"), cwd=tmp_path).returncode == 2


def test_schema_describes_requires_and_checks_verify_blocks(tmp_path: Path):
    jsonschema = pytest.importorskip("jsonschema")
    out = kbcheck("schema")
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"id", "title", "confidence", "created_date", "last_verified"} <= set(
        schema["required"])
    assert schema["$defs"]["Confidence"]["enum"] == ["low", "medium", "high"]
    assert all(p.get("description") for p in schema["properties"].values())
    validator = jsonschema.Draft202012Validator(schema)

    made = kbcheck("new", "Schema check", cwd=tmp_path)
    head = (tmp_path / made.stdout.strip()).read_text().split("---")[1]
    frontmatter = yaml.safe_load(head)
    assert not list(validator.iter_errors(frontmatter))
    params = frontmatter["atomic_facts"][0]["verify"]["params"]
    for bad in ({"rank": 16}, {"r": "sixteen"}):
        frontmatter["atomic_facts"][0]["verify"]["params"] = {**params, **bad}
        assert list(validator.iter_errors(frontmatter)), bad
    frontmatter["atomic_facts"][0]["verify"] = {"verifier": "lora.param_cnt"}
    assert list(validator.iter_errors(frontmatter))
