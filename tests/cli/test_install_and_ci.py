"""Adoption end to end: the pre-commit hooks through `pre-commit try-repo` in a scratch
repository (kbcheck installed from this checkout without the `verify` extra), and the composite
GitHub Action's shell steps run locally against a fixture repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, git

BIN = Path(sys.executable).parent


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    if found:
        return found
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pre-commit"],
                             capture_output=True, text=True, timeout=600)
    found = shutil.which("pre-commit", path=str(BIN))
    if install.returncode != 0 or not found:
        pytest.skip(f"pre-commit cannot be installed here: {install.stderr.strip()[-300:]}")
    return found


@pytest.mark.slow
def test_pre_commit_try_repo_validates_without_torch(repo, tmp_path):
    pre_commit = _pre_commit()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("GITHUB_ACTIONS", None)

    def hook(name: str) -> subprocess.CompletedProcess:
        return subprocess.run([pre_commit, "try-repo", str(ROOT), name, "--all-files"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=900)

    ok = hook("kbcheck-validate")
    assert ok.returncode == 0 and "Passed" in ok.stdout, ok.stdout + ok.stderr
    (repo / "kb" / "broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    git("add", ".", cwd=repo)
    bad = hook("kbcheck-validate")
    assert bad.returncode == 1 and "kb/broken.md:3:1: error" in bad.stdout, bad.stdout
    assert "[yaml-syntax]" in bad.stdout
    (repo / "kb" / "broken.md").unlink()
    git("add", "-A", cwd=repo)

    # The hook installed kbcheck from this checkout without the extra (try-repo throws its
    # environment away): the same install, where `run` says how to measure and reports its
    # claims skipped, not a traceback.
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]
    assert subprocess.run([str(python), "-c", "import torch"], capture_output=True).returncode
    run = subprocess.run([str(python.parent / "kbcheck"), "run", "kb", "--out", "out",
                          "--offline", "--fail-on", "never"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "pip install 'kbcheck[verify]'" in run.stderr and "Traceback" not in run.stderr
    report = json.loads((repo / "out" / "report.json").read_text())
    verdicts = {c["verdict"] for c in report["claims"]}
    assert verdicts <= {"skipped", "unverifiable"} and "skipped" in verdicts
    skipped = next(c for c in report["claims"] if c["verdict"] == "skipped")
    assert "torch" in skipped["explanation"]


# ---- the composite action ---------------------------------------------------------------

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {s["id"]: s for s in ACTION["runs"]["steps"] if "id" in s}
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def test_inputs_reach_the_shell_only_through_the_environment():
    for step in STEPS.values():
        if "run" in step:
            assert "${{" not in step["run"], step["id"]
    assert {"paths", "args", "fail", "fail-if-empty"} <= set(ACTION["inputs"])
    assert ACTION["inputs"]["fail-if-empty"]["default"] == "true"


def _run_steps(repo: Path, tmp_path: Path, **inputs: str) -> tuple[dict, str, str, int]:
    """The shell steps after the install (which needs PyTorch's wheel index), as a runner runs
    them: bash -eo pipefail, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, inputs from env."""
    values = {k: v.get("default", "") for k, v in ACTION["inputs"].items()} | inputs
    outputs: dict[str, dict[str, str]] = {}
    summary = tmp_path / "summary.md"
    log = ""
    rc = 0
    for step_id in ("version", "run", "summary", "gate"):
        step = STEPS[step_id]
        out_file = tmp_path / f"{step_id}.out"
        out_file.write_text("")

        def resolve(match: re.Match) -> str:
            expr = match.group(1)
            if expr.startswith("inputs."):
                return values[expr.removeprefix("inputs.")]
            if expr == "github.action_path":
                return str(ROOT)
            _, sid, _, name = expr.split(".")
            return outputs.get(sid, {}).get(name, "")

        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        env |= {"PATH": f"{BIN}{os.pathsep}{env['PATH']}", "GITHUB_ACTIONS": "true",
                "GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary)}
        env |= {k: EXPR.sub(resolve, str(v)) for k, v in step.get("env", {}).items()}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=600)
        log += done.stdout + done.stderr
        outputs[step_id] = dict(line.split("=", 1) for line in out_file.read_text().splitlines())
        rc = done.returncode
        if step_id != "gate":
            assert rc == 0, (step_id, done.stderr)
    return outputs, summary.read_text() if summary.exists() else "", log, rc


def test_the_action_runs_annotates_summarises_and_gates(repo, tmp_path):
    outputs, summary, log, rc = _run_steps(repo, tmp_path, args="--offline")
    assert outputs["version"]["version"]
    assert outputs["run"]["exit-code"] == "1" and rc == 1  # a refuted claim fails the job
    assert (repo / outputs["run"]["sarif"]).is_file()
    assert "::error file=kb/lora-params.md,line=14,col=1,title=kbcheck claim-refuted::" in log
    assert summary.startswith("### kbcheck") and "claim-refuted" in summary

    outputs, _, _, rc = _run_steps(repo, tmp_path, args="--offline", fail="never")
    assert outputs["run"]["exit-code"] == "0" and rc == 0


def test_the_action_fails_when_nothing_matched_unless_told_not_to(repo, tmp_path):
    (repo / "docs").mkdir()
    (repo / "docs" / "README.md").write_text("hello\n", encoding="utf-8")
    outputs, summary, log, rc = _run_steps(repo, tmp_path, paths="docs", args="--offline")
    assert rc == 1 and "no article files matched docs" in log
    assert "no report was written" in summary
    outputs, _, _, rc = _run_steps(repo, tmp_path, paths="docs", args="--offline",
                                   **{"fail-if-empty": "false"})
    assert rc == 0 and outputs["run"]["exit-code"] == "0"
