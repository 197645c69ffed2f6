"""Bounded time: Ctrl-C stops a run at once and writes nothing partial; the links stage has an
overall budget that servers which never answer, or ask to retry later, cannot stretch."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from kbcheck.links import Outcome, check_links
from tests.links.conftest import loopback_config, make_article

ROOT = Path(__file__).resolve().parents[2]


def _plugin_env(site: Path) -> dict[str, str]:
    """The test verifiers installed as a plug-in (an entry point on PYTHONPATH)."""
    info = site / "kbcheck_nap-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kbcheck-nap\nVersion: 0\n")
    (info / "entry_points.txt").write_text("[kbcheck.verifiers]\nnap = fixture_verifiers:NAP\n")
    path = os.pathsep.join([str(ROOT), str(ROOT / "tests"), str(site)])
    return dict(os.environ, PYTHONPATH=path)


def test_ctrl_c_stops_the_run_says_so_and_writes_no_report(tmp_path):
    counter = tmp_path / "started.txt"
    facts = "".join(
        f"  - id: f{n}\n    statement: Nap number {n}.\n    verify:\n      verifier: t.nap\n"
        f"      params: {{n: {n}, seconds: 2, counter: '{counter}'}}\n" for n in range(20))
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "a.md").write_text(f"---\nid: a\ntitle: a\natomic_facts:\n{facts}---\nb\n")
    # (as from a terminal: Python's Ctrl-C handler installed even where this test itself was
    # started with SIGINT ignored, as a background job of a non-interactive shell is)
    start = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
             " sys.argv = ['kbcheck', *sys.argv[1:]]; runpy.run_module('kbcheck', "
             "run_name='__main__', alter_sys=True)")
    proc = subprocess.Popen(
        [sys.executable, "-c", start, "run", "kb", "--no-links", "--no-cache", "--out", "out"],
        cwd=tmp_path, env=_plugin_env(tmp_path / "site"), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    for _ in range(1200):  # a guard only: wait for the first job to start
        if counter.exists() and counter.read_text().strip():
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not (tmp_path / "out").exists()
    assert len(counter.read_text().split()) <= 2  # not the 20 queued jobs one after another


def test_the_links_stage_has_an_overall_deadline(httpserver):
    silent = socket.socket()  # accepts connections (the kernel does) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    port = silent.getsockname()[1]
    later = HTTPServer(host="127.0.0.1", port=0)
    later.expect_request("/busy").respond_with_response(
        Response("", status=429, headers={"Retry-After": "60"}))
    later.start()
    try:
        urls = [f"http://127.0.0.1:{port}/{n}" for n in range(4)] + [later.url_for("/busy")]
        config = loopback_config(stage_deadline_s=2.0, timeout_s=30.0, deadline_s=60.0,
                                 retry_after_cap_s=120.0)
        report = check_links([make_article(*urls)], config)
    finally:
        silent.close()
        later.clear()
        later.stop()
    assert len(report.results) == 5
    for r in report.results:
        assert r.outcome is Outcome.unverified and r.via == "deadline", (r.url, r.error)
        assert "deadline" in r.error
