"""`validate` checks pinned `verify:` blocks against the verifiers' declared parameters."""

import subprocess
import sys
from pathlib import Path

from kbcheck.validate import validate_paths

ARTICLE = """---
id: kb-2026-00001
title: Pinned blocks
confidence: medium
created_date: "2026-01-05"
last_verified: "2026-01-06"
atomic_facts:
  - id: f-good
    statement: LoRA with r=16 on q_proj and v_proj of LLaMA-7B trains 99.2% fewer parameters.
    verify:
      verifier: lora.param_count
      params:
        claim: reduction_pct
        r: 16
        model: llama-7b
        modules: qv
        pct: 99.2
  - id: f-typo
    statement: A rank of 16 is common.
    verify:
      verifier: lora.param_cnt
  - id: f-params
    statement: A rank of sixteen is common.
    verify:
      verifier: lora.param_count
      params:
        r: sixteen
        modle: llama-7b
        modules: qv
---

Body.
"""


def test_unknown_verifier_and_bad_params_each_on_their_line(tmp_path: Path):
    path = tmp_path / "pins.md"
    path.write_text(ARTICLE)
    pins = [f for f in validate_paths([path]).findings if f.rule == "verify-pin"]
    lines = ARTICLE.splitlines()
    got = {(lines[f.line - 1].strip(), f.severity.value) for f in pins}
    assert got == {("verifier: lora.param_cnt", "error"), ("r: sixteen", "error"),
                   ("modle: llama-7b", "error")}
    typo = next(f for f in pins if "param_cnt" in f.message)
    assert "did you mean 'lora.param_count'" in typo.hint
    bad_r = next(f for f in pins if "sixteen" in f.message)
    assert "`r` takes an integer" in bad_r.hint
    unknown = next(f for f in pins if "modle" in f.message)
    assert "'model'" in unknown.hint and "fact `f-params`" in unknown.message


def test_checking_pins_does_not_import_torch(tmp_path: Path):
    path = tmp_path / "pins.md"
    path.write_text(ARTICLE)
    probe = ("import sys; from kbcheck.validate import validate_paths; "
             f"n = len(validate_paths([{str(path)!r}]).findings); "
             "print(n, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split()[1] == "False" and int(out.stdout.split()[0]) >= 3
