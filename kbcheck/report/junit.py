"""The report as JUnit XML for CI test views: a suite per article, a test case per claim.

supported and conditional pass (conditional with its condition in system-out), refuted fails,
error errors, skipped and unverifiable are skipped; error findings of an article's metadata
fail one extra case, `metadata`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kbcheck.models import Report
from kbcheck.report import _view
from kbcheck.safe_text import xml_text


def render_junit(report: Report) -> str:
    """JUnit XML (the common Jenkins/GitLab/GitHub dialect)."""
    root = ET.Element("testsuites", name="kbcheck", time=f"{report.duration_s:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for view in _view.articles(report):
        suite = ET.SubElement(root, "testsuite", name=view.path)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        errors = [f for f in view.findings if f.severity.value == "error"
                  and not f.rule.startswith(("claim-", "verifier-"))]
        case = ET.SubElement(suite, "testcase", classname=view.path, name="metadata")
        counts["tests"] += 1
        if errors:
            counts["failures"] += 1
            failure = ET.SubElement(case, "failure", message=f"{len(errors)} error findings",
                                    type="findings")
            failure.text = "\n".join(f"{_view.where(f.path, f.line)} [{f.rule}] {f.message}"
                                     for f in errors)
        for r in view.checked + view.unverifiable:
            c, ev = r.claim, r.evidence
            name = f"line {c.line or '?'}: {_view.short(c.text, 100)}"
            case = ET.SubElement(suite, "testcase", classname=view.path, name=name,
                                 time=f"{ev.duration_s if ev else 0:.3f}")
            counts["tests"] += 1
            v = r.verdict.value
            if v == "refuted":
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=r.explanation, type="refuted").text = (
                    f"{c.text}\n\n{r.explanation}")
            elif v == "error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=r.explanation, type="verifier-error")
            elif v in ("skipped", "unverifiable"):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"{v}: {r.explanation}")
            elif v == "conditional":
                ET.SubElement(case, "system-out").text = f"conditional: {r.explanation}"
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
    for key, n in totals.items():
        root.set(key, str(n))
    ET.indent(root)
    # ElementTree writes control characters as they are; one would make the file unparsable.
    text = xml_text(ET.tostring(root, "unicode"))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"
