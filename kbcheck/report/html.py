"""The reviewer's report as one self-contained HTML page (no scripts, no external assets)."""

from __future__ import annotations

from html import escape

from kbcheck.models import ClaimResult, Report
from kbcheck.report import _view
from kbcheck.safe_text import xml_text

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
.v{font-weight:600;padding:0 .4rem;border-radius:3px}.supported{background:#d4f7d4}
.refuted{background:#f9c9c9}.conditional{background:#fbeab0}.skipped{background:#e4e4f7}
.error{background:#f3b3f3}.unverifiable{background:#eee}blockquote{margin:.2rem 0 .2rem 1rem;
color:#333}li{margin:.5rem 0}code{font-size:90%}
"""


def _claim(r: ClaimResult) -> str:
    c, ev = r.claim, r.evidence
    v = r.verdict.value
    parts = [f'<li><span class="v {v}">{v}</span> line {c.line or "?"}'
             + (f" (<code>{escape(c.fact_id)}</code>)" if c.fact_id else ""),
             f"<blockquote>{escape(c.text)}</blockquote>"]
    if pair := _view.stated_measured(r):
        parts.append(f"<div><b>{escape(pair)}</b></div>")
    parts.append(f"<div>{escape(r.explanation)}</div>")
    parts += [f"<div><i>{escape(text)}</i></div>" for text in _view.elsewhere(ev)]
    parts += [f'<div class="read">Read: {escape(text)}</div>' for text in _view.frames_read(r)]
    if ev is not None:
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(val)}</td></tr>"
                       for k, val in _view.flatten(ev.expected, "expected")
                       + _view.flatten(ev.measured, "measured"))
        params = ", ".join(f"{k}={_view.short(val, 30)}" for k, val in ev.params.items())
        notes = "".join(f"<p>Note: {escape(n)}</p>" for n in ev.notes)
        parts.append(f"<details><summary><code>{escape(ev.verifier)}</code> v{ev.version} — "
                     f"{escape(_view.provenance(ev))}</summary><p>Parameters: "
                     f"<code>{escape(params)}</code></p>{f'<table>{rows}</table>' if rows else ''}"
                     f"{notes}</details>")
    return "".join(parts) + "</li>"


def render_html(report: Report) -> str:
    """The whole report as an HTML document."""
    s = report.summary
    body = [f"<h1>kbcheck report</h1><p>{len(report.articles)} articles, {len(report.claims)} "
            f"claims, checked {escape(report.generated_at)} by kbcheck "
            f"{escape(report.kbcheck_version)} on {escape(report.device)} in "
            f"{report.duration_s:.1f}s.</p><table><tr><th>verdict</th><th>claims</th></tr>"
            + "".join(f'<tr><td><span class="v {v}">{v}</span></td><td>{s.get(v, 0)}</td></tr>'
                      for v in _view.VERDICT_ORDER) + "</table>"]
    for view in _view.articles(report):
        body.append(f"<h2>{escape(view.title)}</h2><p><code>{escape(view.path)}</code></p>")
        if view.findings:
            body.append("<h3>Findings</h3><ul>" + "".join(
                f"<li><b>{f.severity.value}</b> <code>{escape(f.rule)}</code> line "
                f"{f.line or '-'}: {escape(f.message)}"
                + (f" <i>{escape(f.hint)}</i>" if f.hint else "") + "</li>"
                for f in view.findings) + "</ul>")
        if view.checked:
            body.append("<h3>Checked claims</h3><ul>" + "".join(map(_claim, view.checked))
                        + "</ul>")
        if view.unverifiable:
            body.append("<h3>Not checkable here</h3><ul>" + "".join(
                f"<li>line {r.claim.line or '?'}: {escape(r.claim.text)} — "
                f"<i>{escape(r.explanation)}</i></li>" for r in view.unverifiable) + "</ul>")
    rows = _view.link_rows(report)
    if rows:
        body.append("<h2>Links</h2><table><tr><th>outcome</th><th>status</th><th>url</th>"
                    "<th>detail</th></tr>" + "".join(
                        f"<tr><td>{escape(str(r.get('outcome')))}</td>"
                        f"<td>{escape(str(r.get('status') or ''))}</td>"
                        f"<td>{escape(str(r.get('url')))}</td><td>"
                        f"{escape(str(r.get('error') or r.get('suggestion') or ''))}</td></tr>"
                        for r in rows) + "</table>")
    # Control characters are parse errors in HTML too, and this page may be read as XHTML.
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><title>kbcheck report"
            f"</title><style>{_STYLE}</style></head><body>{xml_text(''.join(body))}"
            "</body></html>\n")
