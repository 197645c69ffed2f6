"""What every human-readable reporter shows, computed once: groups, counts and short texts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kbcheck.models import ArticleInfo, ClaimResult, Evidence, Finding, Report

VERDICT_ORDER = ("refuted", "error", "conditional", "skipped", "supported", "unverifiable")
CHECKED = ("supported", "refuted", "conditional", "skipped", "error")
PROBLEMS = ("refuted", "error", "conditional")  # what a reviewer must read first


@dataclass
class ArticleView:
    """One article's claims (checked first, worst first) and findings."""

    path: str
    info: ArticleInfo | None
    checked: list[ClaimResult] = field(default_factory=list)
    unverifiable: list[ClaimResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The article's title, else its path."""
        return (self.info.title if self.info and self.info.title else None) or self.path


def articles(report: Report) -> list[ArticleView]:
    """Every article of the report, with files that could not be loaded as articles too."""
    views: dict[str, ArticleView] = {a.path: ArticleView(a.path, a) for a in report.articles}
    for result in report.claims:
        view = views.setdefault(result.claim.path, ArticleView(result.claim.path, None))
        bucket = view.unverifiable if result.verdict.value == "unverifiable" else view.checked
        bucket.append(result)
    for finding in report.findings:
        if finding.rule.startswith("links.") and finding.severity.value == "info":
            continue  # an unverified link is listed once, in the links section
        views.setdefault(finding.path, ArticleView(finding.path, None)).findings.append(finding)
    for view in views.values():
        view.checked.sort(key=lambda r: (VERDICT_ORDER.index(r.verdict.value), r.claim.line or 0))
        view.findings.sort(key=lambda f: (-f.severity.rank, f.line or 0))
    return sorted(views.values(), key=lambda v: v.path)


def problems(report: Report) -> list[ClaimResult]:
    """Refuted, then failed, then conditional claims across the report, each kind by file and
    line: the part a reviewer reads first."""
    found = [r for r in report.claims if r.verdict.value in PROBLEMS]
    return sorted(found, key=lambda r: (PROBLEMS.index(r.verdict.value), r.claim.path,
                                        r.claim.line or 0))


def provenance(ev: Evidence | None) -> str:
    """Where a verdict came from: measured here, cached, recorded elsewhere, or a fallback."""
    if ev is None:
        return ""
    if ev.recorded:
        return str(ev.recorded.get("summary") or f"recorded on {ev.recorded.get('device')}")
    env = ev.environment or {}
    where = env.get("device_name") or env.get("device") or "this machine"
    how = "cached result, " if ev.cached else ""
    if ev.fallback:
        return f"{how}an estimate on {where} in place of a measurement on the required device"
    if ev.verdict.value == "skipped":
        return "not run here"
    if ev.verdict.value == "error":
        return f"{how}failed on {where} after {ev.duration_s:.2f}s"
    return f"{how}measured on {where} in {ev.duration_s:.2f}s"


def stated_measured(r: ClaimResult) -> str:
    """'trainable parameters: stated 262,144 → measured 131,072' for a refuted or conditional
    claim whose verifier names the pair, else ''."""
    if r.figure is None or r.verdict.value not in ("refuted", "conditional"):
        return ""
    return r.figure.text()


def frames_read(r: ClaimResult) -> list[str]:
    """What was read of the claim, one line per frame: subject / predicate, denied or not, the
    words that filled each slot, the quantities, and where it went."""
    out = []
    for f in r.pairing.frames:
        head = f"{f.subject} / {f.predicate}" + (" (denied)" if not f.polarity else "")
        slots = ", ".join(f"{k} \u201c{short(v, 40)}\u201d" for k, v in f.slots.items())
        quantities = ", ".join(f.quantities)
        to = f"→ {f.verifier}" if f.verifier else f"→ none: {short(f.reason, 100)}"
        extra = [f"open: {', '.join(f.open)}" if f.open else "",
                 f"holds only {f.condition}" if f.condition else "",
                 "lower bound only" if f.lower_bound else ""]
        out.append("; ".join(x for x in (head, slots, quantities and f"quantities {quantities}",
                                         to, *extra) if x))
    return out


def elsewhere(ev: Evidence | None) -> list[str]:
    """One sentence per device the same measurement was also recorded on."""
    if ev is None:
        return []
    return [f"Also measured on {e.get('device')} ({e.get('date')}): {e.get('verdict')} — "
            f"{e.get('explanation')}" for e in ev.elsewhere]


def flatten(values: dict[str, Any], prefix: str = "", limit: int = 24) -> list[tuple[str, str]]:
    """Nested measured/expected values as (dotted key, short text) pairs, at most `limit`."""
    out: list[tuple[str, str]] = []

    def walk(value: Any, key: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(value, dict):
            for k, v in value.items():  # an empty dict adds no row
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list) and len(value) > 6:
            out.append((key, f"[{len(value)} values]"))
        else:
            out.append((key, short(value)))

    walk(values, prefix)
    return out


def short(value: Any, width: int = 80) -> str:
    """A value as text of at most `width` characters; floats with 4 significant digits."""
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, list):
        text = "[" + ", ".join(short(v, 20) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def where(path: str, line: int | None) -> str:
    """path:line, or the path alone."""
    return f"{path}:{line}" if line else path


def link_rows(report: Report) -> list[dict[str, Any]]:
    """The link checker's results as plain rows (url, outcome, status, detail), if it ran."""
    links = report.links
    if links is None:
        return []
    data = links.model_dump(mode="json") if hasattr(links, "model_dump") else links
    rows = data.get("results", []) if isinstance(data, dict) else []
    return [r for r in rows if isinstance(r, dict)]


def counts_by_outcome(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Link results per outcome."""
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[str(r.get("outcome"))] += 1
    return dict(counts)


_BYTES_KEYS = ("peak_allocated", "peak_reserved", "device_used", "driver_process")
_UNIT_ENDINGS = ("bytes", "gib", "pct", "percent", "_ms", "_s", "seconds")


def _unit_of(key: str) -> bool:
    """Whether a key names its own unit (then its parent's does not matter)."""
    return key in _BYTES_KEYS or key.endswith(_UNIT_ENDINGS) or key in (
        "ms", "%", "ratio", "low", "high", "ratio_to_base")


def number(value: Any, key: str = "") -> str:
    """A measured value as a reader wants it, its unit taken from its key: 131,072; 99.22%;
    42.9 GiB; 7.63 ms; 1.013×. Text and booleans are returned as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    parts = key.lower().split(".")
    key = parts[-1] if len(parts) < 2 or _unit_of(parts[-1]) else parts[-2]
    if key in _BYTES_KEYS or key == "bytes" or key.endswith("_bytes"):
        return f"{value / 2**30:,.1f} GiB" if abs(value) >= 2**27 else f"{value / 2**20:,.1f} MiB"
    if key.endswith("gib"):
        return f"{value:,.1f} GiB"
    if key.endswith(("pct", "percent")) or key == "%":
        return f"{value:.2g}%" if 0 < abs(value) < 0.1 else f"{value:,.2f}%"
    if key.endswith("_ms") or key == "ms":
        return f"{value:,.3g} ms" if abs(value) < 1000 else f"{value:,.0f} ms"
    if key.endswith(("_s", "seconds")):
        return f"{value:,.3g} s" if abs(value) < 1000 else f"{value:,.0f} s"
    if key in ("ratio", "low", "high", "ratio_to_base"):
        return f"{value:,.0f}×" if abs(value) >= 100 else f"{value:.3g}×"
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    if value and abs(value) < 1e-3:
        return f"{value:.2e}"
    return f"{value:.4g}"
