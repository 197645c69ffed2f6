"""The report's findings as SARIF 2.1.0, for code-scanning views (one result per finding).

Each result's `partialFingerprints` hashes the rule, the file and what the finding is about (the
claim's text, else the message), never the line, so a code-scanning view keeps one alert for
one claim while lines above it are edited. Each rule carries the descriptions and help that
such views show beside an alert, and `helpUri`, its page in docs/rules/ (an absolute URI: the
SARIF 2.1.0 schema gives `helpUri` the JSON Schema format `uri`, which a relative reference
fails).

A refuted numeric claim's result carries a `fixes` entry, the edit that `kbcheck check --fix`
makes: the stated number replaced by the measured one (kbcheck.correct). Its region is found in
the article file as it is now, and only where the words around the number stand there as in the
claim; a sentence that the file splits or marks up gets no fix rather than a wrong region.
Columns count Unicode code points (`columnKind`), as every kbcheck finding's column does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from kbcheck import HOMEPAGE
from kbcheck.baseline import claim_texts, key
from kbcheck.correct import correction, locate
from kbcheck.models import ClaimResult, Finding, Report, Verdict

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "kbcheckContentHash/v1"
# Where each rule's page is read: docs/rules/<rule id>.md in kbcheck's repository.
DOCS = f"{HOMEPAGE}/blob/main/docs/rules/"
_MAX_SOURCE = 1 << 20  # an article over the loaders' size limit was never read as one

# Rules that are not validation rules (kbcheck.rules.RULES): id -> (short, full, help).
_LATER_RULES = {
    "claim-refuted": (
        "A claim the evidence contradicts",
        "A verifier measured the claim's setting and the result contradicts what the sentence "
        "states.",
        "Correct the sentence with the measured value shown in the report (`kbcheck check "
        "--fix FILE` makes that edit, as does this alert's suggested fix where it has one), or "
        "pin a `verify:` block if kbcheck read the sentence wrongly."),
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
        "Recorded evidence edited after it was measured",
        "A file of recorded evidence whose key does not match the verifier, version and "
        "parameters it holds; it is not used.",
        "Record the evidence again on the device, or restore the file."),
    "file-name-invalid": (
        "A file name that is not UTF-8",
        "A file whose name is not valid UTF-8 cannot be reported by its path, so it is not read.",
        "Rename the file with a UTF-8 name."),
    "file-outside-root": (
        "A link to a file outside the checked folder",
        "A symbolic link that points outside the folder being checked is not followed.",
        "Replace the link with the file itself."),
    "links.title-mismatch": (
        "A cited source whose title differs from the article's",
        "The cited work's real title does not match the title the article gives it, so the URL "
        "may point at another work.",
        "Check that the URL points at the work the article names, and correct whichever is "
        "wrong."),
    "links.year-mismatch": (
        "A cited source whose year differs from the article's",
        "The cited work was first published in another year than the one the article gives.",
        "Use the year of first publication."),
    "links.withdrawn": (
        "A cited source that has been withdrawn",
        "The cited work has been withdrawn or retracted.",
        "Cite another source for the claim."),
}
# The outcomes of the links stage that are reported as findings (`ok` never is).
_LINK_OUTCOMES = ("redirected", "broken", "unverified", "refused", "invalid")


def documented_rules() -> list[str]:
    """Every rule id that has a page in docs/rules/ (so a `helpUri`)."""
    from kbcheck.rules import RULES

    return [*RULES, *_LATER_RULES, *(f"links.{o}" for o in _LINK_OUTCOMES)]


def _rule(rule_id: str, docs: str = DOCS) -> dict:
    """A SARIF reportingDescriptor with short and full descriptions and help; its `helpUri` is
    the rule's page under `docs`."""
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
    doc = {"id": rule_id, "name": rule_id, "shortDescription": {"text": short},
           "fullDescription": {"text": full}, "help": {"text": help_text}}
    if rule_id in documented_rules():
        uri = f"{docs}{rule_id}.md"
        doc["helpUri"] = uri
        doc["help"]["markdown"] = (f"{help_text}\n\n[{rule_id}]({uri}): what it means, an "
                                   "example, how to fix or accept it.")
    return doc


def read_article(path: str) -> str | None:
    """An article's text as it is now (the first MiB), or None when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(_MAX_SOURCE)
    except (OSError, UnicodeDecodeError):
        return None


def fix_for(result: ClaimResult, read: Callable[[str], str | None] = read_article
            ) -> dict | None:
    """A SARIF `fix` replacing a refuted claim's stated number with the measured one in its
    article, or None where there is no safe edit (see the module docstring)."""
    claim = result.claim
    fix = correction(claim.text, result)
    if fix is None:
        return None
    source = read(claim.path)
    at = None if source is None else locate(source, claim.text, fix, claim.line)
    if at is None or source is None or source[at:at + len(fix.old)] != fix.old:
        return None
    line = source.count("\n", 0, at) + 1
    column = at - (source.rfind("\n", 0, at) + 1) + 1
    region = {"startLine": line, "startColumn": column, "endLine": line,
              "endColumn": column + len(fix.old)}  # endColumn: one past the last character
    return {"description": {"text": f"Replace the stated {fix.old} with the measured {fix.new}: "
                                    f"{fix.sentence}"},
            "artifactChanges": [{"artifactLocation": {"uri": claim.path},
                                 "replacements": [{"deletedRegion": region,
                                                   "insertedContent": {"text": fix.new}}]}]}


def _refuted_by_finding(report: Report) -> dict[tuple, ClaimResult]:
    """(rule, path, line, message) of each refuted claim's finding → the claim's result."""
    from kbcheck.pipeline import _finding_for

    out = {}
    for r in report.claims:
        if r.verdict is Verdict.refuted and (f := _finding_for(r)) is not None:
            out[(f.rule, f.path, f.line, f.message)] = r
    return out


def _location(f: Finding) -> dict:
    location: dict = {"physicalLocation": {"artifactLocation": {"uri": f.path}}}
    if f.line:
        location["physicalLocation"]["region"] = {"startLine": f.line,
                                                  "startColumn": f.column or 1}
    return location


def render_sarif(report: Report, read: Callable[[str], str | None] = read_article,
                 rules_url: str | None = None) -> str:
    """SARIF 2.1.0 with a rule per finding rule id, a location per finding, and a fix per
    refuted numeric claim that can be edited safely (`read` gives an article's text). Rules
    link their pages under `rules_url` (the project's own docs/rules/ on the web) when given,
    else under kbcheck's."""
    docs = rules_url.rstrip("/") + "/" if rules_url else DOCS
    rule_ids = sorted({f.rule for f in report.findings})
    texts = claim_texts(report.claims)
    refuted = _refuted_by_finding(report)
    results = []
    for f in report.findings:
        message = f.message + (f" Hint: {f.hint}" if f.hint else "")
        content = "\0".join(key(f, texts))
        result = {"ruleId": f.rule, "ruleIndex": rule_ids.index(f.rule),
                  "level": _LEVEL[f.severity.value], "message": {"text": message},
                  "locations": [_location(f)],
                  "partialFingerprints": {
                      FINGERPRINT: hashlib.sha256(content.encode()).hexdigest()}}
        claim = refuted.get((f.rule, f.path, f.line, f.message))
        if claim is not None and (fix := fix_for(claim, read)) is not None:
            result["fixes"] = [fix]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kbcheck", "version": report.kbcheck_version,
                                "informationUri": HOMEPAGE,
                                "rules": [_rule(r, docs) for r in rule_ids]}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2) + "\n"
