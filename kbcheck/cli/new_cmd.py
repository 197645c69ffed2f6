"""`kbcheck new "Title"`: write a new article that `kbcheck validate` passes, in any of the four
formats, with a fresh id, today's dates and one example fact an author replaces."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path

import typer

from kbcheck.cli import app

FORMATS = ("frontmatter", "markdown", "mediawiki", "glossary")
_SUFFIX = {"frontmatter": ".md", "markdown": ".md", "mediawiki": ".wiki", "glossary": ".txt"}
# A true statement the parameter-count verifier checks in a few milliseconds on any machine
# (LLaMA-7B with r=16 on q_proj and v_proj: 8.39M of 6.74B parameters train, a 99.88% cut).
EXAMPLE = ("LoRA with r=16 on q_proj and v_proj of LLaMA-7B trains 99.9% fewer parameters than "
           "full fine-tuning.")
EXAMPLE_PIN = {"claim": "reduction_pct", "r": 16, "model": "llama-7b", "modules": "qv",
               "pct": 99.9}
LORA_PAPER = ("LoRA: Low-Rank Adaptation of Large Language Models",
              "https://arxiv.org/abs/2106.09685")
_ID = re.compile(r"^\s*id:\s*[\"']?kb-(\d{4})-(\d{1,9})\b", re.M)


@app.command("new")
def new(
    title: str = typer.Argument(..., help="The article's title."),
    fmt: str = typer.Option("frontmatter", "--format", "-f",
                            help="frontmatter (Markdown with YAML metadata; can pin verifiers), "
                            "markdown, mediawiki or glossary."),
    out: Path = typer.Option(Path("."), "--out", help="Folder to write the article to."),
) -> None:
    """Write a new article (never over an existing file) and print its path."""
    from kbcheck.cli._common import STATE, fail

    if fmt not in FORMATS:
        fail("new", f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    title = " ".join(title.split())
    if not title or len(title) > 200:
        fail("new", "the title must hold text, at most 200 characters")
    if out.exists() and not out.is_dir():
        fail("new", f"--out {out} is a file, not a folder")
    today = date.today()
    path = out / (slug(title) + _SUFFIX[fmt])
    text = scaffold(title, fmt, today, next_id(out, today.year))
    try:
        write_new(path, text)
    except FileExistsError:
        fail("new", f"{path} exists; choose another title or --out (nothing was written)")
    except OSError as exc:
        fail("new", f"cannot write {path}: {exc.strerror or exc}")
    typer.echo(str(path))
    if not STATE.quiet:
        typer.echo(f"next: edit it, then `kbcheck check {path}` (add --fix to apply the "
                   "numeric corrections)", err=True)


def slug(title: str) -> str:
    """'LoRA: Rank & Alpha' -> 'lora-rank-alpha' (at most 60 characters; 'article' if empty)."""
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return words[:60].rstrip("-") or "article"


def next_id(folder: Path, year: int) -> str:
    """kb-YEAR-NNNNN, one past the highest id of that year among the articles in `folder`
    (the first lines of each file are read; the seeds' ids look like kb-2026-00062)."""
    highest = 0
    try:
        entries = list(os.scandir(folder))[:10_000]
    except OSError:
        entries = []
    for entry in entries:
        if not entry.is_file(follow_symlinks=False):
            continue
        try:
            with open(entry.path, encoding="utf-8", errors="replace") as fh:
                head = fh.read(4096)
        except OSError:
            continue
        for m in _ID.finditer(head):
            if int(m.group(1)) == year:
                highest = max(highest, int(m.group(2)))
    return f"kb-{year}-{highest + 1:05d}"


def write_new(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all, and never over an existing file: a temp
    file in the same folder is linked to the name (which fails if the name is taken)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def scaffold(title: str, fmt: str, today: date, article_id: str) -> str:
    """The text of a new article in `fmt` (see FORMATS)."""
    return {"frontmatter": _frontmatter, "markdown": _markdown, "mediawiki": _mediawiki,
            "glossary": _glossary}[fmt](title, today.isoformat(), article_id)


def _yaml_str(text: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _frontmatter(title: str, day: str, article_id: str) -> str:
    pin = "\n".join(f"        {k}: {v}" for k, v in EXAMPLE_PIN.items())
    paper, url = LORA_PAPER
    return f"""---
id: {article_id}
title: {_yaml_str(title)}
confidence: medium  # low, medium or high
created_date: "{day}"
last_verified: "{day}"  # the day you last checked the facts against their sources
generation_method: human_only
atomic_facts:
  # One sourced, checkable sentence per fact. This example is true; replace it with yours.
  # `verify:` pins the verifier that checks the fact and its parameters (optional: without
  # it kbcheck reads the sentence). `kbcheck check` prints the block for each claim it pairs.
  - id: fact-1
    statement: {EXAMPLE}
    source_title: {_yaml_str(paper)}
    source_url: {url}
    confidence: high
    verify:
      verifier: lora.param_count
      params:
{pin}
primary_sources:
  - title: {_yaml_str(paper)}
    type: academic_paper
    year: 2021
    url: {url}
    institution: arXiv
---

# {title}

Write the article here, in plain sentences.
"""


def _pin_comment() -> str:
    """The example's `verify:` block, for formats that cannot carry one (a comment)."""
    pin = "\n".join(f"        {k}: {v}" for k, v in EXAMPLE_PIN.items())
    return ("Only Markdown with YAML frontmatter (kbcheck new --format frontmatter) can pin a "
            "verifier to a fact:\n  - id: fact-1\n    statement: ...\n    verify:\n"
            f"      verifier: lora.param_count\n      params:\n{pin}")


def _markdown(title: str, day: str, article_id: str) -> str:
    paper, url = LORA_PAPER
    return f"""# {title}

Confidence: medium
Created: {day}
Last verified: {day}
Generation: human_only

## Summary

Replace this paragraph with the article, in plain sentences. The next one is a true example
of a claim kbcheck measures.

{EXAMPLE} ([{paper}]({url}))
"""


def _mediawiki(title: str, day: str, article_id: str) -> str:
    paper, url = LORA_PAPER
    return f"""= {title} =
[[created::{day}]] [[last_updated::{day}]]

== Overview ==
<!-- The sentence below is a true example of a claim kbcheck measures; replace it with yours.
{_pin_comment()}
-->
{EXAMPLE}

== Sources ==
* [[source::Paper|{paper}|{url}]]
"""


def _glossary(title: str, day: str, article_id: str) -> str:
    when = date.fromisoformat(day).strftime("%B %-d, %Y")
    return f"""{title}

Glossary

Replace this paragraph with the definition, in plain sentences. The next one is a true
example of a claim kbcheck measures.

{EXAMPLE}

Last updated: {when}
"""
