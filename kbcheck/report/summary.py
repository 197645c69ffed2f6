"""The compact Markdown summary for a CI job's page: only the claims a reviewer must act on.

GitHub refuses a step summary over 1 MiB (docs.github.com, "Adding a job summary"), so the
summary stops adding items before `cap` bytes and says how many it left out.
"""

from __future__ import annotations

from urllib.parse import quote

from kbcheck.models import ClaimResult, Report
from kbcheck.report import _view
from kbcheck.report.markdown import _ICON, _cell
from kbcheck.safe_text import xml_text

CAP = 1_000_000  # bytes; under GitHub's 1 MiB (1,048,576) with room for what a job appends


def _item(r: ClaimResult) -> str:
    """One problem as a list item linked to its line: `[kb/a.md:5](kb/a.md#L5)`."""
    c = r.claim
    target = quote(c.path, safe="/") + (f"#L{c.line}" if c.line else "")
    why = _view.stated_measured(r) or r.explanation
    return (f"- {_ICON[r.verdict.value]} **{r.verdict.value}** "
            f"[{_cell(_view.where(c.path, c.line))}]({target}): "
            f"{_cell(_view.short(c.text, 200))} — {_cell(_view.short(why, 300))}")


def render_summary(report: Report, cap: int = CAP) -> str:
    """Counts, then every refuted, failed and conditional claim, at most `cap` UTF-8 bytes."""
    s = report.summary
    head = [
        "## kbcheck",
        "",
        f"{len(report.claims)} claims in {len(report.articles)} articles: "
        + ", ".join(f"{_ICON[v]} {s.get(v, 0)} {v}" for v in _view.VERDICT_ORDER) + ".",
        "",
    ]
    found = _view.problems(report)
    if not found:
        return xml_text("\n".join([*head, "No refuted, failed or conditional claims."])) + "\n"
    lines = list(head)
    # Room for the closing line, whose count has at most as many digits as len(found).
    used = len("\n".join(lines).encode()) + 1 + 80 + len(str(len(found)))
    shown = 0
    for r in found:
        line = xml_text(_item(r))
        size = len(line.encode()) + 1
        if used + size > cap:
            break
        lines.append(line)
        used += size
        shown += 1
    if shown < len(found):
        lines += ["", f"… and {len(found) - shown} more not shown here; report.md lists them all."]
    return xml_text("\n".join(lines)) + "\n"
