"""The report's findings as SARIF 2.1.0, for code-scanning views (one result per finding).

Each result's `partialFingerprints` hashes the rule, the file and what the finding is about (the
claim's text, else the message), never the line, so a code-scanning view keeps one alert for
one claim while lines above it are edited. Each rule carries the descriptions and help that
such views show beside an alert.
"""

from __future__ import annotations

import hashlib
import json

from kbcheck import HOMEPAGE
from kbcheck.baseline import claim_texts, key
from kbcheck.models import Report

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "kbcheckContentHash/v1"

# Rules that are not validation rules (kbcheck.rules.RULES): id -> (short, full, help).
_LATER_RULES = {
    "claim-refuted": (
        "A claim the evidence contradicts",
        "A verifier measured the claim's setting and the result contradicts what the sentence "
        "states.",
        "Correct the sentence with the measured value shown in the report, or pin a `verify:` "
        "block if kbcheck read the sentence wrongly."),
    "claim-conditional": (
        "A claim that holds only under a condition it does not state",
        "The measurement supports the claim in some settings and not in others.",
        "State the condition under which the claim holds; the report lists where it holds."),
    "verifier-error": (
        "A verifier that failed",
        "The verifier paired with the claim raised an error or ran out of time or memory, so "
        "the claim has no verdict.",
        "Run `kbcheck verify` on the claim to see the failure."),
    "verify-pin": (
        "A pinned verify: block that cannot be used",
        "An atomic fact pins a verifier that is unknown or parameters it does not accept.",
        "Fix the block: `kbcheck verifiers` lists the verifiers and their parameters."),
    "time-budget": (
        "An article over its time budget",
        "Checking the article's claims took longer than the budget allows.",
        "Raise the budget in the configuration or split the article."),
    "suppression-no-reason": (
        "A suppression without a reason",
        "An inline `kbcheck-disable` suppresses nothing unless it says why.",
        "Add the reason after a colon: `<!-- kbcheck-disable RULE: why -->`."),
    "suppression-unused": (
        "A suppression that matches no finding",
        "An inline `kbcheck-disable` no longer matches any finding.",
        "Remove the stale suppression."),
    "evidence-unreadable": (
        "Recorded evidence that cannot be read",
        "A file of recorded GPU evidence is not valid JSON or not a known layout.",
        "Record the evidence again on the device, or remove the file."),
    "evidence-mismatch": (
        "Recorded evidence for other parameters or another version",
        "Recorded evidence exists but does not match the claim's verifier version or "
        "parameters.",
        "Record the evidence again on the device with the current verifier."),
}


def _rule(rule_id: str) -> dict:
    """A SARIF reportingDescriptor with short and full descriptions and help."""
    from kbcheck.rules import RULES

    if rule_id in _LATER_RULES:
        short, full, help_text = _LATER_RULES[rule_id]
    elif rule_id in RULES:
        summary = RULES[rule_id].summary
        short = summary[:1].upper() + summary[1:]
        full = f"Validation rule {rule_id}: {summary} (usually {RULES[rule_id].severity.value})."
        help_text = ("Each finding's message carries a hint. An author who accepts a finding "
                     f"writes `<!-- kbcheck-disable {rule_id}: why -->` on its line.")
    elif rule_id.startswith("links."):
        outcome = rule_id.removeprefix("links.")
        short = f"A cited source whose link is {outcome}"
        full = f"The links stage found this cited URL or identifier {outcome}."
        help_text = ("Replace or fix the source; `kbcheck links` rechecks it, and the message "
                     "names a replacement when a link moved.")
    else:
        short = full = f"kbcheck finding {rule_id}"
        help_text = "See the finding's message and hint."
    return {"id": rule_id, "name": rule_id, "shortDescription": {"text": short},
            "fullDescription": {"text": full}, "help": {"text": help_text}}


def render_sarif(report: Report) -> str:
    """SARIF 2.1.0 with a rule per finding rule id and a location per finding."""
    rule_ids = sorted({f.rule for f in report.findings})
    texts = claim_texts(report.claims)
    results = []
    for f in report.findings:
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": f.path}}}
        if f.line:
            location["physicalLocation"]["region"] = {"startLine": f.line,
                                                      "startColumn": f.column or 1}
        message = f.message + (f" Hint: {f.hint}" if f.hint else "")
        content = "\0".join(key(f, texts))
        results.append({"ruleId": f.rule, "ruleIndex": rule_ids.index(f.rule),
                        "level": _LEVEL[f.severity.value], "message": {"text": message},
                        "locations": [location],
                        "partialFingerprints": {
                            FINGERPRINT: hashlib.sha256(content.encode()).hexdigest()}})
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kbcheck", "version": report.kbcheck_version,
                                "informationUri": HOMEPAGE,
                                "rules": [_rule(r) for r in rule_ids]}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2) + "\n"
