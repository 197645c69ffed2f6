"""report.html opened in headless Chromium: no console errors, the CSS-only verdict filter
works, every figure is drawn, and a screenshot is saved (to the test's tmp_path).

Chromium comes from Debian's `chromium` package (`.ci/setup` installs it where it can); where
/usr/bin/chromium is absent the test is skipped with that reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium_cdp import CHROMIUM, Browser

from kbcheck.models import Report
from kbcheck.report.html import render_html

DATA = Path(__file__).parents[1] / "report" / "data" / "kb-report.json"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs /usr/bin/chromium (Debian's chromium package)")

VISIBLE = ("[...document.querySelectorAll('div.claim')].filter(e => e.offsetParent !== null)"
           ".map(e => e.className)")


@pytest.fixture()
def page(tmp_path):
    report = Report.model_validate_json(DATA.read_text())
    html = tmp_path / "report.html"
    html.write_text(render_html(report))
    browser = Browser(tmp_path / "profile")
    try:
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            browser.send(domain)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        browser.send("Page.navigate", {"url": html.as_uri()})
        browser.wait_for("Page.loadEventFired")
        yield browser, report
    finally:
        browser.close()


def _problems(browser: Browser) -> list[dict]:
    noisy = ("Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded")
    return [e for e in browser.events if e.get("method") in noisy
            and (e["method"] == "Runtime.exceptionThrown"
                 or e["params"].get("type") in ("error", "warning", "assert")
                 or e["params"].get("entry", {}).get("level") in ("error", "warning"))]


def test_report_renders_filters_and_draws_figures(page, tmp_path):
    browser, report = page
    checked = len(report.claims) - report.summary["unverifiable"]
    assert len(browser.evaluate(VISIBLE)) == checked  # unverifiable claims start hidden

    browser.evaluate("document.querySelector('label[for=f-refuted]').click()")
    shown = browser.evaluate(VISIBLE)
    assert len(shown) == report.summary["refuted"] and all("v-refuted" in c for c in shown)
    articles = browser.evaluate("[...document.querySelectorAll('.article')]"
                                ".filter(e => e.offsetParent !== null).length")
    assert articles == len({r.claim.path for r in report.claims if r.verdict == "refuted"})

    browser.evaluate("document.querySelector('label[for=f-all]').click()")
    assert len(browser.evaluate(VISIBLE)) == len(report.claims)

    browser.evaluate("document.querySelectorAll('.claim details').forEach(d => d.open = true)")
    sizes = browser.evaluate("[...document.querySelectorAll('svg.figure')].map(s => "
                             "[s.classList[1], s.getBoundingClientRect().width, "
                             "s.getBoundingClientRect().height, s.querySelectorAll('*').length])")
    assert {kind for kind, *_ in sizes} == {"forest", "memory", "stated", "grid"}
    assert all(w > 100 and h > 40 and marks > 5 for _, w, h, marks in sizes)

    browser.evaluate("document.querySelectorAll('.claim details').forEach(d => d.open = false);"
                     "document.querySelector('label[for=f-checked]').click()")
    browser.screenshot(tmp_path / "report.png")
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _problems(browser) == []
