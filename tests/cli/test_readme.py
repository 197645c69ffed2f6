"""The README's adoption section matches what ships: its snippets name real hooks, action
inputs and configuration keys, and it still starts with the two set-up commands."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import ROOT

from kbcheck.config import SETTINGS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_the_readme_starts_with_its_two_commands():
    assert README.startswith("# kbcheck\n\n```sh\nbash .ci/setup && .venv/bin/kbcheck run kb/\n"
                             "bash .ci/setup && .venv/bin/python -m pytest\n```\n")


def test_snippets_name_real_hooks_and_action_inputs():
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    inputs = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    docs = [yaml.safe_load(b) for b in _blocks("yaml")]
    precommit = next(d for d in docs if isinstance(d, dict) and "repos" in d)
    assert {h["id"] for h in precommit["repos"][0]["hooks"]} <= hooks
    workflow = next(d for d in docs if isinstance(d, dict) and "jobs" in d)
    step = next(s for s in workflow["jobs"]["kbcheck"]["steps"]
                if s.get("uses", "").startswith("kbcheck/kbcheck"))
    assert set(step["with"]) <= inputs


def test_the_configuration_table_lists_every_key_and_the_example_parses():
    section = README.split("**Configuration**", 1)[1].split("```toml", 1)[0]
    table = set(re.findall(r"^\| `([a-z.-]+)` \|", section, flags=re.M))
    assert table == {s.key for s in SETTINGS}
    (example,) = [b for b in _blocks("toml") if "[tool.kbcheck]" in b]
    assert "kbcheck" in tomllib.loads(example)["tool"]


def test_the_suppression_syntax_is_shown():
    assert "<!-- kbcheck-disable claim-refuted: " in README
    assert "kbcheck:\n  disable:\n" in README
