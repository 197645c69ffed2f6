"""The hostile-input corpus of issue 10: each case is one bad input beside a good article.

`CASES` maps a case name to a function that plants the input in a fresh folder layout::

    root/kb/good.md      the good article (its claim must still get a verdict)
    root/kb/...          the case's article files and folders
    root/cache/          the results cache   (--cache-dir)
    root/links/          the links cache     (--links-cache-dir)
    root/out/evidence/   recorded evidence   (--evidence-dir)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

GOOD_CLAIM = "For d=k=4096 and r=16, LoRA trains 99.2% fewer parameters."
GOOD = f"""---
id: good
title: good
atomic_facts:
  - id: f1
    statement: {GOOD_CLAIM}
---
The body of the good article.
"""


def article(body: str = "A body.", facts: str = "") -> str:
    """A small frontmatter article with the given body and atomic facts YAML."""
    return f"---\nid: bad\ntitle: bad\n{facts}---\n{body}\n"


def pinned(value: str) -> str:
    """An article whose pinned `verify:` block gives the parameter r as `value` (YAML text)."""
    return article(facts=(
        "atomic_facts:\n  - id: f1\n    statement: LoRA trains fewer parameters.\n"
        "    verify:\n      verifier: lora.param_count\n"
        f"      params: {{claim: reduction_pct, d: 4096, k: 4096, r: {value}, pct: 99.2}}\n"))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _kb(name: str, text: str) -> Callable[[Path], None]:
    return lambda root: _write(root / "kb" / name, text)


def _bad_name(root: Path) -> None:
    (root / "kb").mkdir(exist_ok=True)
    with open(os.path.join(os.fsencode(root / "kb"), b"bad\xff.md"), "w") as fh:
        fh.write(article())


def _deep(root: Path) -> None:
    path = os.path.join(root, "kb")
    os.makedirs(path, exist_ok=True)
    for _ in range(1500):  # os.makedirs itself recurses once per level
        path = os.path.join(path, "d")
        os.mkdir(path)
    with open(os.path.join(path, "deep.md"), "w") as fh:
        fh.write(article())


def _alias_stack(levels: int) -> str:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, levels)]
    return "---\nid: bad\ntitle: bad\n" + "\n".join(lines) + "\n---\nbody\n"


def _evidence(doc_update: dict) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        doc = {"schema": 1, "verifier": "lora.param_count", "version": 1, "params": {},
               "key": "0" * 64, "recorded_at": "2026-01-01T00:00:00+00:00",
               "result": {"verdict": "supported", "explanation": "x", "measured": {},
                          "expected": {}, "environment": {}, "duration_s": 1.0}}
        for k, v in doc_update.items():
            if isinstance(v, dict) and isinstance(doc.get(k), dict):
                doc[k] = {**doc[k], **v}
            else:
                doc[k] = v
        _write(root / "out" / "evidence" / "lora.param_count-000000000000.json", json.dumps(doc))
    return plant


def _cache_entry(update: dict) -> Callable[[Path], None]:
    """Overwrite every stored results-cache entry (planted after a warm run) with `update`."""
    def plant(root: Path) -> None:
        for path in (root / "cache").rglob("*.json"):
            doc = json.loads(path.read_text())
            for k, v in update.items():
                if isinstance(doc.get("result"), dict) and k != "result" and k != "key":
                    doc["result"][k] = v
                else:
                    doc[k] = v
            path.write_text(json.dumps(doc))
    return plant


def _links_entry(expires: object) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        import hashlib

        key = "url:https://example.org/"
        digest = hashlib.sha256(key.encode()).hexdigest()
        _write(root / "links" / digest[:2] / f"{digest}.json",
               json.dumps({"key": key, "stored": 0, "expires": expires, "value": {}}))
        _write(root / "kb" / "link.md", article("See [a page](https://example.org/)."))
    return plant


def _fifo(where: str) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        folder = root / where
        folder.mkdir(parents=True, exist_ok=True)
        os.mkfifo(folder / "lora.param_count-fifo.json")
    return plant


def _zero(where: str) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        folder = root / where
        folder.mkdir(parents=True, exist_ok=True)
        os.symlink("/dev/zero", folder / "lora.param_count-zero.json")
    return plant


def _cache_fifo(root: Path) -> None:
    for path in (root / "cache").rglob("*.json"):
        path.unlink()
        os.mkfifo(path)


def _cache_zero(root: Path) -> None:
    for path in (root / "cache").rglob("*.json"):
        path.unlink()
        os.symlink("/dev/zero", path)


CASES: dict[str, Callable[[Path], None]] = {
    "pinned-0E310": _kb("bad.md", pinned('"0E310"')),
    "pinned-1e999": _kb("bad.md", pinned('"1e999"')),
    "pinned-400-digits": _kb("bad.md", pinned("1" + "0" * 400)),
    "dollars": _kb("bad.md", article("Cost: $$$$ per run.")),
    "arxiv-version": _kb("bad.md", article("See arXiv:2106.09685v" + "9" * 5000 + ".")),
    "non-utf8-name": _bad_name,
    "deep-folders": _deep,
    "yaml-alias-stack": _kb("bad.md", _alias_stack(500)),
    "evidence-measured": _evidence({"result": {"measured": "x"}}),
    "evidence-duration": _evidence({"result": {"duration_s": "abc"}}),
    "evidence-environment": _evidence({"result": {"environment": 5}}),
    "evidence-result": _evidence({"result": "x"}),
    "evidence-key-list": _evidence({"key": [1, 2]}),
    "evidence-version-text": _evidence({"version": "x"}),
    "evidence-fifo": _fifo("out/evidence"),
    "evidence-dev-zero": _zero("out/evidence"),
    "cache-measured": _cache_entry({"measured": "x"}),
    "cache-duration": _cache_entry({"duration_s": "abc"}),
    "cache-environment": _cache_entry({"environment": 5}),
    "cache-result": _cache_entry({"result": "x"}),
    "cache-fifo": _cache_fifo,
    "cache-dev-zero": _cache_zero,
    "links-expires-text": _links_entry("abc"),
    "links-expires-null": _links_entry(None),
}


def _cache_blocked(root: Path) -> None:
    """A file where the results cache's folder should be: nothing can be stored."""
    import shutil

    shutil.rmtree(root / "cache")
    (root / "cache").write_text("not a folder")


CASES["cache-not-a-folder"] = _cache_blocked
CASES["cache-dev-null"] = lambda root: None  # run with --cache-dir /dev/null/x
