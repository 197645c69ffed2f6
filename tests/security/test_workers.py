"""Workers on an untrusted checkout: nothing from the current folder is imported, and a timed-out
verifier takes everything it started with it."""

import subprocess
import sys
import time
from pathlib import Path

from fixture_verifiers import COUNT, SPAWN

from kbcheck.runner import Runner, RunOptions, make_job

ROOT = Path(__file__).resolve().parents[2]
KBCHECK = Path(sys.executable).with_name("kbcheck")
ARTICLE = """---
id: a
title: a
atomic_facts:
  - id: f1
    statement: For d=k=4096 and r=16, LoRA trains 99.2% fewer parameters.
---
body
"""


def _plant(folder: Path) -> Path:
    """Modules a pull request could add to the folder kbcheck runs in; each leaves a mark."""
    mark = folder / "PWNED"
    payload = f"open({str(mark)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("random.py", "json.py", "torch.py", "selectors.py"):
        (folder / name).write_text(payload)
    (folder / "verifiers").mkdir()
    (folder / "verifiers" / "__init__.py").write_text(payload)
    (folder / "verifiers" / "_worker.py").write_text(payload)
    return mark


def test_a_worker_imports_nothing_from_the_current_folder(tmp_path, monkeypatch):
    mark = _plant(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", ".")  # -I ignores it: a job's environment is not a path
    counter = tmp_path / "runs.txt"
    job = make_job(COUNT, {"counter": str(counter)})
    ev = Runner(RunOptions(cache=None, evidence_dir=None)).run([job])[job.key]
    assert ev.verdict == "supported", ev.explanation
    assert not mark.exists(), mark.read_text()


def test_kbcheck_run_in_a_hostile_folder_runs_none_of_its_code(tmp_path):
    mark = _plant(tmp_path)
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "a.md").write_text(ARTICLE)
    proc = subprocess.run([str(KBCHECK), "run", "--offline", "--no-links", "--fail-on", "never",
                           "kb"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "lora.param_count" in proc.stderr  # the verifier ran (its progress line)
    assert not mark.exists(), mark.read_text()


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie nobody reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_a_timed_out_verifier_takes_its_children_with_it(tmp_path):
    pidfile = tmp_path / "child.pid"
    job = make_job(SPAWN, {"pidfile": str(pidfile)})
    ev = Runner(RunOptions(cache=None, evidence_dir=None)).run([job])[job.key]
    assert ev.verdict == "error" and "timed out" in ev.explanation
    child = int(pidfile.read_text())
    for _ in range(100):  # a guard only: the kill is sent before the runner returns
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child)
