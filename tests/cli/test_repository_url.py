"""The `repository-url` setting: file:line in report.html become links into the repository,
and SARIF rules link their pages in the project's docs/rules/ when it has that folder."""

from __future__ import annotations

import json

from tests.cli.conftest import kbcheck

URL = "https://github.com/owner/kb/blob/main"


def _run(repo, cwd=None):
    out = kbcheck("run", "--out", str(repo / "out"), "--offline", "--reports", "html,sarif",
                  cwd=cwd or repo)
    assert out.returncode in (0, 1), out.stderr
    html = (repo / "out" / "report.html").read_text(encoding="utf-8")
    rules = json.loads((repo / "out" / "report.sarif").read_text(encoding="utf-8"))
    return html, {r["id"]: r.get("helpUri") for r in rules["runs"][0]["tool"]["driver"]["rules"]}


def test_file_and_line_link_into_the_repository_and_rules_into_its_docs(repo):
    (repo / "kbcheck.toml").write_text(f'repository-url = "{URL}/"\n', encoding="utf-8")
    (repo / "docs" / "rules").mkdir(parents=True)
    html, help_uris = _run(repo)
    # the refuted body claim of the fixture article, on its line
    assert f'href="{URL}/kb/lora-params.md#L14"' in html
    assert help_uris["claim-refuted"] == f"{URL}/docs/rules/claim-refuted.md"
    # from a sub-folder the report's paths are relative to it, and the links still resolve
    html, _ = _run(repo, cwd=repo / "kb")
    assert f'href="{URL}/kb/lora-params.md#L14"' in html


def test_without_the_setting_or_the_docs_folder_rules_link_kbcheck_own_pages(repo):
    html, help_uris = _run(repo)
    assert "github.com/owner/kb" not in html
    kbcheck_docs = "https://github.com/kbcheck/kbcheck/blob/main/docs/rules/claim-refuted.md"
    assert help_uris["claim-refuted"] == kbcheck_docs
    (repo / "kbcheck.toml").write_text(f'repository-url = "{URL}"\n', encoding="utf-8")
    html, help_uris = _run(repo)  # the project has no docs/rules/: its pages would be 404s
    assert f'href="{URL}/kb/lora-params.md#L14"' in html
    assert help_uris["claim-refuted"] == kbcheck_docs


def test_config_shows_the_setting_and_refuses_what_is_not_a_web_address(repo):
    (repo / "kbcheck.toml").write_text(f'repository-url = "{URL}"\n', encoding="utf-8")
    settings = json.loads(kbcheck("config", "--format", "json", cwd=repo).stdout)["settings"]
    assert settings["repository-url"] == {"value": URL, "source": "kbcheck.toml"}
    for bad in ("javascript:alert(1)", "github.com/owner/kb", "https://x/a b"):
        (repo / "kbcheck.toml").write_text(f'repository-url = "{bad}"\n', encoding="utf-8")
        out = kbcheck("validate", "kb", cwd=repo)
        assert out.returncode == 2 and "repository-url must be an http(s) address" in out.stderr
