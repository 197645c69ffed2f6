"""The reviewer's report as Markdown: summary, then each article's claims worst first."""

from __future__ import annotations

import re

from kbcheck.models import ClaimResult, Report
from kbcheck.report import _view
from kbcheck.safe_text import xml_text

_ICON = {"supported": "✅", "refuted": "❌", "conditional": "⚠️", "unverifiable": "➖",
         "skipped": "⏭️", "error": "💥"}
_SEVERITY = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: object) -> str:
    """`text` as a code span whose fence is longer than any run of backticks in it, so an id
    like ``f1`<img onerror=...>`` cannot close the span early and be read as HTML."""
    text = " ".join(str(text).split())
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _claim_block(r: ClaimResult) -> list[str]:
    c, ev = r.claim, r.evidence
    head = f"- {_ICON[r.verdict.value]} **{r.verdict.value}** — line {c.line or '?'}"
    if c.fact_id:
        head += f" ({_code(c.fact_id)})"
    # The blank line ends the quote: without it GitHub-flavoured Markdown continues the quote
    # into the evidence line below (a lazy continuation line).
    lines = [head, f"  > {_cell(c.text)}", ""]
    if pair := _view.stated_measured(r):
        lines.append(f"  **{_cell(pair)}**\n")
    lines.append(f"  {_cell(r.explanation)}")
    lines += [f"\n  {_cell(text)}" for text in _view.elsewhere(ev)]
    lines += [f"\n  Read: {_cell(text)}" for text in _view.frames_read(r)]
    if ev is not None:
        params = ", ".join(f"{k}={_view.short(v, 30)}" for k, v in ev.params.items())
        lines.append(f"  <details><summary><code>{_cell(ev.verifier)}</code> v{ev.version} — "
                     f"{_cell(_view.provenance(ev))}</summary>\n")
        lines.append(f"  Parameters: {_code(params)}\n")
        rows = _view.flatten(ev.expected, "expected") + _view.flatten(ev.measured, "measured")
        if rows:
            lines.append("  | | value |\n  | --- | --- |")
            lines += [f"  | {_cell(key)} | {_cell(value)} |" for key, value in rows]
        for note in ev.notes:
            lines.append(f"\n  Note: {_cell(note)}")
        lines.append("\n  </details>")
    return lines


def _problems(report: Report) -> list[str]:
    """Refuted, failed and conditional claims first, one line each, before the articles."""
    found = _view.problems(report)
    if not found:
        return []
    out = ["", "## Problems", ""]
    for r in found:
        c = r.claim
        pair = _view.stated_measured(r)
        out.append(f"- {_ICON[r.verdict.value]} **{r.verdict.value}** "
                   f"{_code(_view.where(c.path, c.line))}: {_cell(_view.short(c.text, 160))} — "
                   f"{_cell(pair or _view.short(r.explanation, 200))}")
    return out


def render_markdown(report: Report) -> str:
    """The whole report as one Markdown document."""
    s = report.summary
    out = [
        "# kbcheck report",
        "",
        f"{len(report.articles)} articles, {len(report.claims)} claims, checked "
        f"{report.generated_at} by kbcheck {report.kbcheck_version} on {report.device} "
        f"in {report.duration_s:.1f}s.",
        "",
        "| verdict | claims |",
        "| --- | --- |",
        *(f"| {_ICON[v]} {v} | {s.get(v, 0)} |" for v in _view.VERDICT_ORDER),
        "",
        "Findings: " + (", ".join(f"{n} {k}" for k, n in report.finding_counts.items() if n)
                        or "none") + ".",
    ]
    rows = _view.link_rows(report)
    if rows:
        counts = _view.counts_by_outcome(rows)
        out += ["", "Links: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + "."]
    out += _problems(report)
    for view in _view.articles(report):
        out += ["", f"## {_cell(view.title)}", "", _code(view.path)
                + (f" — {view.info.format}" if view.info and view.info.format else "")]
        if view.findings:
            out += ["", "### Findings", ""]
            for f in view.findings:
                hint = f" — {_cell(f.hint)}" if f.hint else ""
                out.append(f"- {_SEVERITY[f.severity.value]} {_code(f.rule)} line {f.line or '-'}: "
                           f"{_cell(f.message)}{hint}")
        if view.checked:
            out += ["", "### Checked claims", ""]
            for r in view.checked:
                out += _claim_block(r)
        if view.unverifiable:
            out += ["", "### Not checkable here", ""]
            for r in view.unverifiable:
                out.append(f"- line {r.claim.line or '?'}: {_cell(r.claim.text)} — "
                           f"*{_cell(r.explanation)}*")
    if rows:
        out += ["", "## Links", "", "| outcome | status | url | detail |",
                "| --- | --- | --- | --- |"]
        for r in rows:
            detail = r.get("error") or r.get("suggestion") or r.get("final_url") or ""
            out.append(f"| {r.get('outcome')} | {r.get('status') or ''} | {_cell(r.get('url'))} "
                       f"| {_cell(detail)} |")
    return xml_text("\n".join(out)) + "\n"
