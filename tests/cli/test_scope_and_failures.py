"""What a run reads, and how it fails: scoping defaults, empty matches, missing paths,
`--fail-on never`, `--device cuda` without CUDA, a bad `--out`, the evidence folder."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import ROOT, kbcheck

from kbcheck.config import load_config
from kbcheck.discover import Scope, discover_scoped, glob_regex


def _listed(out: str) -> set[str]:
    return {line.split(":")[0] for line in out.splitlines() if ": " in line}


def test_defaults_skip_readme_images_hidden_gitignored_and_the_report_folder(repo,
                                                                           monkeypatch):
    (repo / "reports").mkdir()
    (repo / "reports" / "report.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    config = load_config()
    found = discover_scoped(["."], Scope(root=".", exclude=config.excludes(),
                                         skip_dirs=["reports"]))
    assert sorted(found.files) == ["./kb/basics.md", "./kb/lora-params.md"]
    why = dict(found.skipped)
    assert why["./README.md"] == why["./kb/README.md"] == "exclude 'README.*'"
    assert why["./kb/figure.png"] == "exclude '*.png'"
    assert why["./reports"] == "the report folder"
    assert why["./kb/drafts/wip.md"] == ".gitignore"
    assert not any(".github" in p for p, _ in found.skipped)  # hidden: never even listed


def test_validate_reads_only_the_articles(repo):
    out = kbcheck("validate", ".", cwd=repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.endswith("2 files, 2 articles: 0 errors, 0 warnings, 0 notes\n")


@pytest.mark.parametrize("pattern,path,hit", [
    ("README*", "kb/README.md", True), ("/README*", "kb/README.md", False),
    ("kb/*.md", "kb/a.md", True), ("kb/*.md", "kb/x/a.md", False),
    ("kb/**/*.md", "kb/x/y/a.md", True), ("drafts", "kb/drafts/a.md", True),
])
def test_globs_read_as_gitignore_does(pattern, path, hit):
    assert bool(glob_regex(pattern).match(path)) is hit


def test_nothing_matched_is_exit_1_with_why_unless_allowed(repo):
    only = repo / "docs"
    only.mkdir()
    (only / "README.md").write_text("hello\n", encoding="utf-8")
    (only / "logo.png").write_bytes(b"\x89PNG\r\n")
    for command in ("validate", "links", "claims"):
        out = kbcheck(command, "docs", cwd=repo)
        assert out.returncode == 1, (command, out.stderr)
        assert "no article files matched docs" in out.stderr
        assert "docs/README.md: exclude 'README.*'" in out.stderr
        assert "--allow-empty" in out.stderr
        assert kbcheck(command, "docs", "--allow-empty", "--offline" if command == "links"
                       else "--allow-empty", cwd=repo).returncode == 0
    out = kbcheck("run", "docs", "--out", "out", "--offline", cwd=repo)
    assert out.returncode == 1 and "no article files matched" in out.stderr
    assert not (repo / "out").exists() or not any((repo / "out").iterdir())


@pytest.mark.parametrize("command", ["validate", "links", "claims", "run", "baseline"])
def test_a_missing_path_is_a_usage_error_in_every_command(repo, command):
    out = kbcheck(command, "nope", cwd=repo)
    assert out.returncode == 2, out.stderr
    assert "no such file or folder: nope" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("command", ["validate", "links", "claims", "run"])
def test_fail_on_never_is_accepted_everywhere(repo, command):
    extra = {"links": ["--offline"], "run": ["--offline", "--out", "out"]}.get(command, [])
    out = kbcheck(command, "kb", "--fail-on", "never", *extra, cwd=repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert kbcheck(command, "kb", "--fail-on", "sometimes", *extra, cwd=repo).returncode == 2


def test_verify_accepts_fail_on_never():
    out = kbcheck("verify", "lora.param_count", "-p", "claim=reduction_pct", "-p", "d=4096",
                  "-p", "k=4096", "-p", "r=16", "-p", "pct=99.6", "--fail-on", "never")
    assert out.returncode == 0 and "verdict: refuted" in out.stdout, out.stderr


def test_device_cuda_without_cuda_is_a_usage_error(repo):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    out = kbcheck("run", "kb", "--device", "cuda", "--out", "out", "--offline", cwd=repo)
    assert out.returncode == 2 and "--device cuda: no CUDA device" in out.stderr
    assert not (repo / ".kbcheck-cache").exists()  # nothing was measured


def test_out_that_is_a_file_or_unwritable_fails_before_measuring(repo):
    (repo / "taken").write_text("a file\n", encoding="utf-8")
    out = kbcheck("run", "kb", "--out", "taken", "--offline", cwd=repo)
    assert out.returncode == 2 and "--out taken is a file" in out.stderr
    out = kbcheck("run", "kb", "--out", "taken/reports", "--offline", cwd=repo)
    assert out.returncode == 2 and "cannot write to --out taken/reports" in out.stderr
    assert not (repo / ".kbcheck-cache").exists()


def test_a_second_run_does_not_read_its_own_reports(repo):
    args = ["run", ".", "--out", "out", "--offline"]
    counts = []
    for _ in range(2):
        got = kbcheck(*args, cwd=repo)
        assert got.returncode == 1, got.stdout + got.stderr  # the 99.6% claim is refuted
        report = json.loads((repo / "out" / "report.json").read_text())
        counts.append((len(report["articles"]), len(report["claims"])))
    assert counts[0] == counts[1] == (2, 2)


@pytest.mark.slow
def test_the_evidence_folder_does_not_depend_on_out(tmp_path):
    """A claim judged from evidence recorded on a GPU (reports/evidence/ of this repository)
    gets the same verdict whatever --out is."""
    article = tmp_path / "kb" / "a.md"
    article.parent.mkdir()
    article.write_text("---\ntitle: QLoRA\nconfidence: high\n---\n\nThis enables fine-tuning "
                       "70B models on a single consumer GPU.\n", encoding="utf-8")
    runs = []
    for out, extra in ((tmp_path / "elsewhere", []),
                       (tmp_path / "b", ["--evidence-dir", ROOT / "reports" / "evidence"])):
        got = kbcheck("run", article.parent, "--out", out, "--no-links", "--reports", "json",
                      "--cache-dir", tmp_path / "cache", "--fail-on", "never", *extra)
        assert got.returncode == 0, got.stderr
        report = json.loads((out / "report.json").read_text())
        runs.append(([c["verdict"] for c in report["claims"]], report["runner"]["recorded"]))
    assert runs[0] == runs[1]
    assert "skipped" not in runs[0][0]


def test_config_shows_each_value_and_where_it_came_from(repo):
    (repo / "kbcheck.toml").write_text(
        'extend-exclude = ["kb/basics.md"]\nfail-on = "warning"\n'
        '[severity]\nclaim-refuted = "warning"\n[links]\naccept = [403]\n', encoding="utf-8")
    out = kbcheck("config", "--format", "json", cwd=repo / "kb")  # found from a sub-folder
    doc = json.loads(out.stdout)
    assert doc["file"].endswith("kbcheck.toml")
    settings = doc["settings"]
    assert settings["extend-exclude"] == {"value": ["kb/basics.md"], "source": doc["file"]}
    assert settings["links.accept"]["value"] == [403]
    assert settings["out"] == {"value": "reports", "source": "default"}
    text = kbcheck("config", cwd=repo).stdout
    assert 'fail-on = "warning"  # kbcheck.toml' in text
    found = kbcheck("validate", ".", cwd=repo)
    assert found.stdout.endswith("1 files, 1 articles: 0 errors, 0 warnings, 0 notes\n")


def test_pyproject_table_and_bad_values(repo):
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "kb"\n[tool.kbcheck]\ninclude = ["kb/basics.md"]\n'
        '[tool.kbcheck.severity]\n"links." = "off"\n', encoding="utf-8")
    out = kbcheck("validate", ".", cwd=repo)
    assert out.stdout.endswith("1 files, 1 articles: 0 errors, 0 warnings, 0 notes\n")
    assert "pyproject.toml [tool.kbcheck]" in kbcheck("config", cwd=repo).stdout
    (repo / "kbcheck.toml").write_text('fail-on = "sometimes"\n', encoding="utf-8")
    out = kbcheck("validate", ".", cwd=repo)
    assert out.returncode == 2 and "fail-on must be" in out.stderr
    (repo / "kbcheck.toml").write_text('exclud = []\n', encoding="utf-8")
    out = kbcheck("validate", ".", cwd=repo)
    assert out.returncode == 2 and "unknown key 'exclud'" in out.stderr


def test_per_rule_severity_changes_the_exit_code(repo):
    (repo / "kb" / "bad.md").write_text("---\ntitle: x\nconfidence: sure\n---\nText.\n",
                                        encoding="utf-8")
    assert kbcheck("validate", "kb", cwd=repo).returncode == 1
    (repo / "kbcheck.toml").write_text('[severity]\nschema = "info"\n', encoding="utf-8")
    out = kbcheck("validate", "kb", cwd=repo)
    assert out.returncode == 0 and " info " in out.stdout and "[schema]" in out.stdout


def test_version_and_short_help():
    from kbcheck import __version__

    assert kbcheck("--version").stdout == f"kbcheck {__version__}\n"
    assert "Usage" in kbcheck("-h").stdout
    assert sys.executable  # the same interpreter ran both


def test_an_article_whose_name_starts_with_readme_is_read(tmp_path, monkeypatch):
    # the repository's README.md is not an article; "README_loraport.md" (an article about a
    # tool's README) is
    (tmp_path / "README.md").write_text("# KB\n", encoding="utf-8")
    (tmp_path / "README_loraport.md").write_text("# loraport\n\nLoRA adds no latency.\n",
                                                 encoding="utf-8")
    (tmp_path / "CHANGELOG.txt").write_text("v1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = discover_scoped(["."], Scope(root=".", exclude=load_config().excludes()))
    assert found.files == ["./README_loraport.md"]
