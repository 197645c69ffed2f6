"""A scratch knowledge-base repository as a maintainer has one, and the real command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One claim the parameter-count verifier refutes (99.6% is r=8..9, not 16), one it supports.
ARTICLE = """---
id: kb-lora-params
title: LoRA parameter counts
confidence: high
created_date: 2026-01-05
last_verified: 2026-02-01
atomic_facts:
  - id: f-1
    statement: With rank 8 and d=k=1024, LoRA cuts trainable parameters by 98.4%.
---

## Notes

A rank-16 adapter for d=k=4096 gives a 99.6% reduction in trainable parameters.
"""

SECOND = """---
id: kb-lora-basics
title: LoRA basics
confidence: medium
created_date: 2026-01-05
last_verified: 2026-02-01
---

LoRA is a parameter-efficient fine-tuning method.
"""


def kbcheck(*args, cwd: Path | str = ROOT, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """The real command line in a subprocess (this interpreter's kbcheck)."""
    full = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR")}
    full.update({"PYTHONIOENCODING": "utf-8", **(env or {})})
    return subprocess.run([sys.executable, "-m", "kbcheck", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=full)


def git(*args, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository holding a small knowledge base and what sits beside one: a README, an
    image, a hidden folder, a git-ignored draft."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "kb-repo"
    (root / "kb" / "drafts").mkdir(parents=True)
    (root / ".github").mkdir()
    (root / "kb" / "lora-params.md").write_text(ARTICLE, encoding="utf-8")
    (root / "kb" / "basics.md").write_text(SECOND, encoding="utf-8")
    (root / "kb" / "drafts" / "wip.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    (root / "README.md").write_text("# Our knowledge base\n\nSee kb/.\n", encoding="utf-8")
    (root / "kb" / "README.md").write_text("Articles about LoRA.\n", encoding="utf-8")
    (root / "kb" / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / ".github" / "notes.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    (root / ".gitignore").write_text("kb/drafts/\n", encoding="utf-8")
    git("init", "-q", cwd=root)
    git("add", ".", cwd=root)
    git("commit", "-q", "-m", "a knowledge base", cwd=root)
    return root
