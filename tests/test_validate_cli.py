"""`kbcheck validate`: exit codes, the three output formats, options; on the seeds in kb/."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
BAD = ROOT / "tests" / "rules" / "cases" / "date-order" / "bad.txt"


def kbcheck(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess."""
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "kbcheck", *args], capture_output=True,
                          text=True, cwd=ROOT, env=full_env, timeout=120)


def test_seeds_are_clean_with_notes_only():
    out = kbcheck("validate", "kb")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 files, 5 articles: 0 errors, 0 warnings, 3 notes" in out.stdout
    assert "kb/003_dd9d1a2982b4164b.txt:1: info" in out.stdout


def test_fail_on_info_and_warning():
    assert kbcheck("validate", "kb", "--fail-on", "info").returncode == 1
    assert kbcheck("validate", "kb", "--fail-on", "warning").returncode == 0


def test_errors_exit_1_with_file_line_rule_and_hint():
    out = kbcheck("validate", str(BAD), "kb")
    assert out.returncode == 1
    line = next(x for x in out.stdout.splitlines() if "[date-order]" in x)
    assert line.startswith(f"{BAD}:6: error last_verified 2026-01-02 is before created_date")
    assert "hint:" in out.stdout


def test_usage_errors_exit_2():
    assert kbcheck("validate", "no/such/folder").returncode == 2
    assert kbcheck("validate", "kb", "--format", "xml").returncode == 2
    assert kbcheck("validate", "kb", "--fail-on", "fatal").returncode == 2
    assert kbcheck("validate").returncode == 2


def test_json_gives_the_models_data():
    out = kbcheck("validate", "kb", "--format", "json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert doc["summary"] == {"files": 5, "articles": 5, "info": 3, "warning": 0, "error": 0}
    formats = [a["format"] for a in doc["articles"]]
    assert formats == ["frontmatter-markdown", "frontmatter-markdown", "flat-markdown",
                       "mediawiki", "glossary"]
    first = doc["articles"][0]
    assert first["created_date"] == "2026-05-22" and first["lines"]["title"] == 3
    assert first["atomic_facts"][0]["source_url"] == "https://arxiv.org/abs/2106.09685"
    assert first["body"].startswith("\n## TL;DR") and first["body_line"] == 60
    assert {f["rule"] for f in doc["findings"]} == {"missing-metadata"}


def test_github_annotations_chosen_automatically_in_actions():
    out = kbcheck("validate", str(BAD), env={"GITHUB_ACTIONS": "true"})
    assert out.returncode == 1
    assert out.stdout.startswith(f"::error file={BAD},line=6,title=kbcheck date-order::")
    forced = kbcheck("validate", str(BAD), "--format", "github")
    assert forced.stdout == out.stdout
    text = kbcheck("validate", str(BAD), "--format", "text", env={"GITHUB_ACTIONS": "true"})
    assert not text.stdout.startswith("::")


def test_max_bytes_option(tmp_path):
    out = kbcheck("validate", "kb", "--max-bytes", "1000")
    assert out.returncode == 1 and out.stdout.count("[file-too-large]") == 5


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_broken_files_do_not_stop_the_run(tmp_path, fmt):
    (tmp_path / "a.bin").write_bytes(b"\x00\xff")
    (tmp_path / "b.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    out = kbcheck("validate", str(tmp_path), "kb", "--format", fmt)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "file-not-text" in out.stdout and "yaml-syntax" in out.stdout


def test_validate_does_not_import_torch():
    code = ("import sys\nfrom kbcheck.cli import main\nsys.argv = ['kbcheck', 'validate', 'kb']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'validate imported torch'\n"
            "print('torch-free')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.endswith("torch-free\n"), out.stderr
