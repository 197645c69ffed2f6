"""One bad input costs one finding, never the run: every case of the issue-10 corpus sits
beside a good article, and `kbcheck run` still judges the good article and writes its reports;
`kbcheck validate --format json` still prints a document."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from security.corpus import CASES, GOOD, GOOD_CLAIM

KBCHECK = str(Path(sys.executable).with_name("kbcheck"))


def _kbcheck(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="300")  # rich's error box would wrap the message
    return subprocess.run([KBCHECK, *args], cwd=root, capture_output=True, text=True,
                          timeout=300, env=env)


def _run(root: Path, cache: str = "cache") -> subprocess.CompletedProcess:
    return _kbcheck(root, "run", "kb", "--out", "out", "--cache-dir", cache,
                    "--links-cache-dir", "links", "--offline", "--fail-on", "never")


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A folder with the good article whose results cache holds its verdict already."""
    root = tmp_path_factory.mktemp("warm")
    (root / "kb").mkdir()
    (root / "kb" / "good.md").write_text(GOOD)
    proc = _run(root)
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(root / "out")
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_bad_input_beside_a_good_article(case, warm, tmp_path):
    root = tmp_path / "case"
    shutil.copytree(warm, root)
    try:
        CASES[case](root)
        proc = _run(root, "/dev/null/x" if case == "cache-dev-null" else "cache")
        assert proc.returncode == 0, proc.stderr
        assert "internal error" not in proc.stderr
        report = json.loads((root / "out" / "report.json").read_text())
        verdicts = {c["claim"]["text"]: c["verdict"] for c in report["claims"]}
        assert verdicts[GOOD_CLAIM] == "supported"
        for name in ("report.md", "report.html", "junit.xml", "report.sarif"):
            assert (root / "out" / name).is_file()
        checked = _kbcheck(root, "validate", "--format", "json", "kb")
        assert checked.returncode in (0, 1), checked.stderr
        assert json.loads(checked.stdout)["summary"]["articles"] >= 1
    finally:  # 1,500 nested folders are too deep for shutil.rmtree's recursion
        subprocess.run(["rm", "-rf", str(root)], check=False)


def test_each_bad_article_is_one_finding_at_its_file(tmp_path):
    from kbcheck.validate import validate_paths
    from security.corpus import _alias_stack, article

    (tmp_path / "good.md").write_text(GOOD)
    (tmp_path / "alias.md").write_text(_alias_stack(500))
    (tmp_path / "dollars.md").write_text(article("Cost: $$$$ per run."))
    result = validate_paths([tmp_path])
    rules = {(Path(f.path).name, f.rule) for f in result.findings if f.severity == "error"}
    assert ("alias.md", "yaml-too-deep") in rules
    assert not any(f.rule == "internal-error" for f in result.findings)
    assert len(result.articles) == 2  # good.md and dollars.md


def test_overflowing_pinned_numbers_are_refused_with_a_reason():
    from verifiers import registry

    param_count = registry()["lora.param_count"]
    for raw in ("0E310", "1e999", 10 ** 400, "1" + "0" * 400):
        with pytest.raises(ValueError):
            param_count.resolve_params({"r": raw})


def test_verify_with_an_overflowing_parameter_is_a_usage_error(tmp_path):
    proc = _kbcheck(tmp_path, "verify", "lora.param_count", "-p", "r=1e999")
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr and "number out of range" in proc.stderr
