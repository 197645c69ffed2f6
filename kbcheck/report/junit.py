"""The report as JUnit XML for CI test views: a suite per article, a test case per claim.

supported and conditional pass (conditional with its condition in system-out), refuted fails,
error errors, skipped and unverifiable are skipped; error findings of an article's metadata
fail one extra case, `metadata`.

A case keeps its name while the article is edited, so a CI view's history follows the claim: an
atomic fact's case is named by its fact id (its statement can be reworded), a body sentence's by
its words and a hash of them (never its line, which moves when lines above it change). Where the
claim stands and what it says are in the case's `file` and `line` attributes and its system-out.
A case's time is that of the measurements behind its verdict, when they ran, also for a result
read from the cache or recorded on a GPU elsewhere (system-out says which).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from kbcheck.models import ClaimResult, Evidence, Report
from kbcheck.report import _view
from kbcheck.safe_text import xml_text


def case_name(r: ClaimResult) -> str:
    """The claim's test case name: its fact id, else its words and their hash."""
    claim = r.claim
    if claim.origin == "atomic_fact" and "#" in claim.id:
        return claim.id.split("#", 1)[1]  # the fact id (with a suffix when it is duplicated)
    return f"{_view.short(claim.text, 80)} [{content_hash(claim.text)}]"


def content_hash(text: str) -> str:
    """10 hex digits of the claim's words (whitespace runs count as one space)."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:10]


def _evidence(r: ClaimResult) -> list[Evidence]:
    """The distinct measurements behind a claim's verdict (one per verifier job)."""
    found = [f.evidence for f in r.frames if f.evidence is not None] or (
        [r.evidence] if r.evidence is not None else [])
    seen, out = set(), []
    for ev in found:
        ident = (ev.verifier, ev.version, repr(sorted(ev.params.items())))
        if ident not in seen:
            seen.add(ident)
            out.append(ev)
    return out


def case_time(r: ClaimResult) -> float:
    """Seconds the measurements behind the verdict took when they ran (cached or recorded
    results keep the time they were measured in)."""
    return sum(ev.duration_s for ev in _evidence(r))


def _output(r: ClaimResult) -> str:
    """What the case's system-out says: where the claim is, its words, verdict and evidence."""
    lines = [f"{_view.where(r.claim.path, r.claim.line)}: {r.claim.text}",
             f"{r.verdict.value}: {r.explanation}"]
    if figure := _view.stated_measured(r):
        lines.append(figure)
    for ev in _evidence(r):
        lines.append(f"{ev.verifier} v{ev.version}: {_view.provenance(ev)}")
    return "\n".join(lines)


def render_junit(report: Report) -> str:
    """JUnit XML (the common Jenkins/GitLab/GitHub dialect)."""
    root = ET.Element("testsuites", name="kbcheck", time=f"{report.duration_s:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for view in _view.articles(report):
        suite = ET.SubElement(root, "testsuite", name=view.path)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        errors = [f for f in view.findings if f.severity.value == "error"
                  and not f.rule.startswith(("claim-", "verifier-"))]
        case = ET.SubElement(suite, "testcase", classname=view.path, name="metadata",
                             file=view.path, time="0.000")
        counts["tests"] += 1
        if errors:
            counts["failures"] += 1
            failure = ET.SubElement(case, "failure", message=f"{len(errors)} error findings",
                                    type="findings")
            failure.text = "\n".join(f"{_view.where(f.path, f.line)} [{f.rule}] {f.message}"
                                     for f in errors)
        names: set[str] = set()
        suite_time = 0.0
        for r in view.checked + view.unverifiable:
            name = case_name(r)
            n = 1
            while name in names:  # never two cases of one name (a test view would merge them)
                n += 1
                name = f"{case_name(r)} ({n})"
            names.add(name)
            seconds = case_time(r)
            suite_time += seconds
            where = {"file": r.claim.path, **({"line": str(r.claim.line)} if r.claim.line else {})}
            case = ET.SubElement(suite, "testcase", classname=view.path, name=name, **where,
                                 time=f"{seconds:.3f}")
            counts["tests"] += 1
            v = r.verdict.value
            if v == "refuted":
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=r.explanation, type="refuted").text = (
                    f"{r.claim.text}\n\n{r.explanation}")
            elif v == "error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=r.explanation, type="verifier-error")
            elif v in ("skipped", "unverifiable"):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"{v}: {r.explanation}")
            ET.SubElement(case, "system-out").text = _output(r)
        suite.set("time", f"{suite_time:.3f}")
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
    for key, n in totals.items():
        root.set(key, str(n))
    ET.indent(root)
    # ElementTree writes control characters as they are; one would make the file unparsable.
    text = xml_text(ET.tostring(root, "unicode"))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"
