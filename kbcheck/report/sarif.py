"""The report's findings as SARIF 2.1.0, for code-scanning views (one result per finding)."""

from __future__ import annotations

import json

from kbcheck import HOMEPAGE
from kbcheck.models import Report

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render_sarif(report: Report) -> str:
    """SARIF 2.1.0 with a rule per finding rule id and a location per finding."""
    rule_ids = sorted({f.rule for f in report.findings})
    results = []
    for f in report.findings:
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": f.path}}}
        if f.line:
            location["physicalLocation"]["region"] = {"startLine": f.line,
                                                      "startColumn": f.column or 1}
        message = f.message + (f" Hint: {f.hint}" if f.hint else "")
        results.append({"ruleId": f.rule, "ruleIndex": rule_ids.index(f.rule),
                        "level": _LEVEL[f.severity.value], "message": {"text": message},
                        "locations": [location]})
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kbcheck", "version": report.kbcheck_version,
                                "informationUri": HOMEPAGE,
                                "rules": [{"id": r, "name": r} for r in rule_ids]}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2) + "\n"
