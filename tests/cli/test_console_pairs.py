"""The console's last items: a refuted claim shows what it states beside what was measured, the
links stage has a bar with N/M on a terminal (and nothing elsewhere), and the global options
work after the command name too."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys

import pytest
import typer.main
from conftest import kbcheck

from kbcheck.cli import app, hoist_global_options
from kbcheck.models import Evidence

COUNTS = """---
id: kb-counts
title: LoRA parameter counts
confidence: high
created_date: 2026-01-05
last_verified: 2026-02-01
---

For a 4096 x 4096 weight matrix at rank 16, LoRA trains 262,144 parameters.

LoRA does not train 131,072 parameters for a 4096 x 4096 matrix at rank 16.
"""

CITING = """---
id: kb-cites
title: LoRA sources
confidence: high
created_date: 2026-01-05
last_verified: 2026-02-01
primary_sources:
  - {id: s1, title: LoRA, type: paper, year: 2021, url: "https://arxiv.org/abs/2106.09685"}
  - {id: s2, title: QLoRA, type: paper, year: 2023, url: "https://arxiv.org/abs/2305.14314"}
  - {id: s3, title: PEFT, type: repository, year: 2023, url: "https://github.com/huggingface/peft"}
---

LoRA is a parameter-efficient fine-tuning method.
"""


def _kb(tmp_path, text: str):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "a.md").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_refuted_count_shows_stated_and_measured_in_console_and_reports(tmp_path):
    root = _kb(tmp_path, COUNTS)
    out = kbcheck("run", "kb", "--out", "out", "--offline", "--no-cache", cwd=root)
    lines = [x for x in out.stdout.splitlines() if "[claim-refuted]" in x]
    assert lines[0].startswith('kb/a.md:9:1: error refuted: "For a 4096 x 4096 weight matrix at '
                               'rank 16, LoRA trains 262,144 parameters." — LoRA parameters: '
                               "stated 262,144 → measured 131,072. ")
    # a denial is refuted by the same measurement, but 131,072 is not what it states
    assert "stated" not in lines[1].split("—", 1)[1].split(";")[0]
    report = json.loads((root / "out" / "report.json").read_text(encoding="utf-8"))
    first, denied = report["claims"]
    assert first["figure"] == {"quantity": "LoRA parameters", "stated": 262144,
                               "measured": 131072, "unit": ""}
    assert first["evidence"]["figure"] == first["figure"]
    assert "_figure" not in first["evidence"]["measured"]
    assert denied["verdict"] == "refuted" and denied["figure"] is None
    assert denied["evidence"]["figure"]["stated"] == 131072
    md = (root / "out" / "report.md").read_text(encoding="utf-8")
    assert "**LoRA parameters: stated 262,144 → measured 131,072**" in md
    verbose = kbcheck("run", "kb", "--out", "out", "--offline", "-v", cwd=root)
    assert "lora.param_count: LoRA parameters: stated 262,144 → measured 131,072." in \
        verbose.stdout


def test_the_pair_is_optional_and_one_of_the_wrong_shape_is_not_believed():
    base = {"verifier": "x.plugin", "version": 1, "verdict": "refuted", "explanation": "e"}
    assert Evidence(**base, measured={"n": 1}).figure is None  # a plug-in, or an old result
    odd = Evidence(**base, measured={"_figure": {"stated": [1]}, "n": 1})
    assert odd.figure is None and odd.measured["_figure"] == {"stated": [1]}
    ok = Evidence(**base, measured={"_figure": {"quantity": "ratio", "stated": "up to 10,000",
                                                "measured": 128.0, "unit": "x"}})
    assert ok.figure.text() == "ratio: stated up to 10,000x → measured 128x"
    assert Evidence.model_validate_json(ok.model_dump_json()) == ok  # as the cache keeps it


def _hoisted(*args: str) -> list[str]:
    group = typer.main.get_command(app)
    with group.context_class(group) as ctx:
        return hoist_global_options(group, ctx, list(args))


def test_global_options_are_moved_before_the_command_name():
    assert _hoisted("run", "kb", "-q", "--color", "never", "--out", "o") == [
        "-q", "--color", "never", "run", "kb", "--out", "o"]
    assert _hoisted("--config", "k.toml", "links", "kb", "--verbose", "--color=always") == [
        "--config", "k.toml", "--verbose", "--color=always", "links", "kb"]
    # the value of the command's own option, and everything after --, stay where they are
    assert _hoisted("verify", "lora.param_count", "--param", "-v") == [
        "verify", "lora.param_count", "--param", "-v"]
    assert _hoisted("validate", "--", "-q") == ["validate", "--", "-q"]
    assert _hoisted("nonsense", "-q") == ["nonsense", "-q"]


def test_q_v_and_color_after_the_command_name(tmp_path):
    root = _kb(tmp_path, COUNTS)
    (root / "kb" / "bad.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    before = kbcheck("-q", "validate", "kb", cwd=root)
    after = kbcheck("validate", "kb", "-q", cwd=root)
    assert after.returncode == before.returncode == 1
    assert after.stdout == before.stdout and "files" not in after.stdout  # no summary line
    assert "hint:" in kbcheck("validate", "kb", "-v", cwd=root).stdout
    assert "\x1b[" in kbcheck("validate", "kb", "--color", "always", cwd=root).stdout
    assert "\x1b[" not in kbcheck("validate", "kb", "--color=never", cwd=root).stdout
    run = kbcheck("run", "kb", "--out", "out", "--offline", "-q", cwd=root)
    assert run.stderr == "" and "articles" not in run.stdout


def _on_a_terminal(*args: str, cwd) -> str:
    """What kbcheck writes to stderr when stderr is a terminal (stdout is a pipe)."""
    main, side = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR")}
    proc = subprocess.Popen([sys.executable, "-m", "kbcheck", *args], cwd=cwd, stderr=side,
                            stdout=subprocess.PIPE, env={**env, "COLUMNS": "100"})
    os.close(side)
    seen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        seen += chunk
    proc.communicate(timeout=120)
    os.close(main)
    return seen.decode("utf-8", "replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a Linux pty")
def test_links_stage_has_a_bar_with_n_of_m_on_a_terminal_only(tmp_path):
    root = _kb(tmp_path, CITING)
    shown = _on_a_terminal("links", "kb", "--offline", "--no-cache", cwd=root)
    assert "links" in shown and "3/3" in shown
    run = _on_a_terminal("run", "kb", "--out", "out", "--offline", "--no-cache", cwd=root)
    assert "3/3" in run
    assert "3/3" not in _on_a_terminal("links", "kb", "--offline", "-q", cwd=root)
    piped = kbcheck("links", "kb", "--offline", "--no-cache", cwd=root)
    assert piped.stderr == ""  # not a terminal: no bar, no lines
