"""Nothing an article holds can steer CI or the terminal: every printed line is one line without
control characters, reports stay parseable, report.md keeps code spans closed, and reports are
readable by reviewers (the umask's mode)."""

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

KBCHECK = str(Path(sys.executable).with_name("kbcheck"))
EVIL_ID = "f1`<img src=x onerror=alert(1)>"
ARTICLE = f"""---
id: evil
title: "Evil \\e]0;pwned\\a title"
"key\\n::error file=evil.md::FROM-KEY": 1
atomic_facts:
  - id: '{EVIL_ID}'
    statement: "For d=k=4096 and r=16, LoRA trains 99.2% fewer parameters. \\e[31m\\a"
  - id: f2
    statement: "The [/b] paper has [bold]20,000[/bold] citations."
---
A body that cites [a page](http://127.0.0.1:9/x\x1b]0;t\x07).
"""


def _kbcheck(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([KBCHECK, *args], cwd=root, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("out")
    (root / "kb").mkdir()
    (root / "kb" / "evil.md").write_text(ARTICLE)
    (root / "kb" / "x\n::error file=evil.md::INJECTED.md").write_text(ARTICLE)
    return root


def _clean(text: str) -> None:
    """No workflow command kbcheck did not write, no escape sequences, no bells."""
    for line in text.splitlines():
        assert not line.startswith("::error file=evil.md")
    assert "\x1b" not in text and "\x07" not in text


def test_run_prints_one_line_per_line_and_writes_parseable_reports(kb):
    old = os.umask(0o022)
    try:
        proc = _kbcheck(kb, "run", "kb", "--offline", "--no-links", "--fail-on", "never",
                        GITHUB_ACTIONS="true")
    finally:
        os.umask(old)
    assert proc.returncode == 0, proc.stderr
    _clean(proc.stdout)
    assert "INJECTED" in proc.stdout  # the name is shown, as text on its own line's terms
    out = kb / "reports"
    for name in ("junit.xml",):
        ET.fromstring((out / name).read_text())  # one ESC or BEL used to make it unparsable
    md = (out / "report.md").read_text()
    assert f"``{EVIL_ID}``" in md and "\x1b" not in md
    assert "(`f1`<img" not in md
    for name in ("report.json", "report.md", "report.html", "junit.xml", "report.sarif"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, name


def test_validate_text_escapes_newlines_in_keys_and_file_names(kb):
    proc = _kbcheck(kb, "validate", "--format", "text", "kb")
    _clean(proc.stdout)
    assert "\\n::error file=evil.md::INJECTED.md" in proc.stdout
    github = _kbcheck(kb, "validate", "--format", "github", "kb")
    _clean(github.stdout)
    assert all(line.startswith(("::error ", "::warning ", "::notice "))
               for line in github.stdout.splitlines())


def test_claims_shows_markup_as_text(kb):
    proc = _kbcheck(kb, "claims", "kb", COLUMNS="300")
    assert proc.returncode in (0, 1), proc.stderr
    assert "[/b]" in proc.stdout and "[bold]20,000[/bold]" in proc.stdout
    _clean(proc.stdout)


def test_links_escapes_what_it_prints(kb):
    proc = _kbcheck(kb, "links", "--offline", "--no-cache", "kb")
    assert proc.returncode in (0, 1), proc.stderr
    _clean(proc.stdout)


def test_a_link_out_of_the_checked_folder_is_not_read(tmp_path):
    (tmp_path / "kb").mkdir()
    secret = tmp_path / "secret.md"
    secret.write_text("---\nid: s\ntitle: TOP-SECRET-VALUE\n---\nbody\n")
    os.symlink(secret, tmp_path / "kb" / "p.md")
    os.symlink("/etc/passwd", tmp_path / "kb" / "passwd.md")
    (tmp_path / "kb" / "inside.md").write_text("---\nid: i\ntitle: inside\n---\nbody\n")
    os.symlink(tmp_path / "kb" / "inside.md", tmp_path / "kb" / "alias.md")
    proc = _kbcheck(tmp_path, "validate", "--format", "json", "kb")
    doc = json.loads(proc.stdout)
    assert "TOP-SECRET-VALUE" not in proc.stdout and "root:" not in proc.stdout
    outside = sorted(Path(f["path"]).name for f in doc["findings"]
                     if f["rule"] == "file-outside-root")
    assert outside == ["p.md", "passwd.md"]
    assert [a["title"] for a in doc["articles"]] == ["inside"]  # a link inside is fine (once)
