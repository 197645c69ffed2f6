"""The pipeline of `kbcheck run`: validate -> claims -> pairing -> runner, into one `Report`.

Each stage takes the previous stage's values and returns new ones; problems are findings or
verdicts, never exceptions that end the run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kbcheck import __version__
from kbcheck.budget import ARTICLE_BUDGET_S, OverBudget, over_budget_finding, time_budget
from kbcheck.claims import extract_claims
from kbcheck.models import (
    Article,
    ArticleInfo,
    Claim,
    ClaimResult,
    Evidence,
    Finding,
    Pairing,
    Report,
    Severity,
    Verdict,
)
from kbcheck.pairing import pair_claims
from kbcheck.runner import Job, Runner, RunOptions, make_job
from verifiers._base import Verifier

if TYPE_CHECKING:  # the links package imports httpx: only the links stage pays for it
    from kbcheck.links.models import LinkConfig

# Verdicts that are problems with an article, as findings (so --fail-on and annotations see them).
_VERDICT_FINDINGS = {
    Verdict.refuted: ("claim-refuted", Severity.error,
                      "correct the claim: the evidence gives the measured value"),
    Verdict.conditional: ("claim-conditional", Severity.warning,
                          "state the condition under which the claim holds"),
    Verdict.error: ("verifier-error", Severity.warning,
                    "the verifier failed; run `kbcheck verify` on it to see why"),
}


# A denied claim's verdict: the denial is false when the claim holds, and true when it does not.
_DENIED = {Verdict.supported: (Verdict.refuted, "holds"),
           Verdict.refuted: (Verdict.supported, "is false")}


def collect_claims(articles: Iterable[Article]) -> list[Claim]:
    """Every claim of every article, in article order (no time budget: see
    `claims_and_pairings`)."""
    return [claim for article in articles for claim in extract_claims(article)]


def claims_and_pairings(articles: Iterable[Article], registry: Mapping[str, Verifier],
                        findings: list[Finding], budget_s: float | None = ARTICLE_BUDGET_S
                        ) -> tuple[list[Claim], list[Pairing]]:
    """Every claim of every article with its pairing, each article within `budget_s` seconds
    (claim patterns read the article's own text); an article over it has no claims and one
    `time-budget` finding. Findings of pinned blocks go to `findings` too."""
    claims: list[Claim] = []
    pairings: list[Pairing] = []
    for article in articles:
        try:
            with time_budget(budget_s):
                found = extract_claims(article)
                paired, pinned = pair_claims(found, registry)
        except OverBudget:
            findings.append(over_budget_finding(article.path, budget_s or 0,
                                                "reading and pairing its claims"))
            continue
        claims += found
        pairings += paired
        findings += pinned
    return claims, pairings


def _claim_jobs(pairings: list[Pairing], registry: Mapping[str, Verifier]
                ) -> tuple[dict[str, Job], dict[str, str]]:
    """The job for each paired claim (claim id -> job), or why it has none (claim id -> reason)."""
    jobs: dict[str, Job] = {}
    problems: dict[str, str] = {}
    for p in pairings:
        if p.verifier is None:
            continue
        verifier = registry.get(p.verifier)
        if verifier is None:
            problems[p.claim_id] = f"verifier {p.verifier!r} is not registered"
            continue
        try:
            jobs[p.claim_id] = make_job(verifier, p.params)
        except ValueError as exc:
            problems[p.claim_id] = f"parameters rejected: {exc}"
    return jobs, problems


def _finding_for(result: ClaimResult) -> Finding | None:
    rule = _VERDICT_FINDINGS.get(result.verdict)
    if rule is None:
        return None
    name, severity, hint = rule
    text = result.claim.text if len(result.claim.text) <= 90 else result.claim.text[:87] + "..."
    return Finding(rule=name, severity=severity, path=result.claim.path, line=result.claim.line,
                   message=f"{result.verdict.value}: \"{text}\" — {result.explanation}", hint=hint)


def check_articles(
    articles: list[Article], findings: list[Finding] | None = None, *,
    registry: Mapping[str, Verifier] | None = None, options: RunOptions | None = None,
    paths: Iterable[str] = (), progress: Callable[[Job, Evidence], None] | None = None,
    links: LinkConfig | None = None, budget_s: float | None = ARTICLE_BUDGET_S,
) -> Report:
    """Claims, pairing and verifiers (and the links stage, given a `LinkConfig`) for already
    loaded articles; returns the full report."""
    started = time.perf_counter()
    options = options or RunOptions()
    links_report = None
    if links is not None:
        from kbcheck.links import check_links

        links_report = check_links(articles, links)
    if registry is None:
        from verifiers import registry as discover

        registry = discover()
    claim_findings: list[Finding] = []
    claims, pairings = claims_and_pairings(articles, registry, claim_findings, budget_s)
    jobs, problems = _claim_jobs(pairings, registry)
    runner = Runner(options)
    evidence = runner.run(jobs.values(), progress=progress)
    results: list[ClaimResult] = []
    for claim, pairing in zip(claims, pairings, strict=True):
        job = jobs.get(claim.id)
        if job is None:
            reason = problems.get(claim.id, pairing.reason)
            results.append(ClaimResult(claim=claim, pairing=pairing, verdict=Verdict.unverifiable,
                                       explanation=reason))
            continue
        ev = evidence[job.key]
        verdict, explanation = ev.verdict, ev.explanation
        if pairing.negated and verdict in _DENIED:
            verdict, what = _DENIED[verdict]
            explanation = f"The article denies a claim that {what}: {explanation}"
        results.append(ClaimResult(claim=claim, pairing=pairing, verdict=verdict,
                                   explanation=explanation, evidence=ev))
    all_findings = list(findings or []) + claim_findings
    all_findings += runner.recorded.problems
    all_findings += [f for f in map(_finding_for, results) if f is not None]
    if links_report is not None:
        all_findings += links_report.all_findings()
    per_article = Counter(c.path for c in claims)
    summary = {v.value: 0 for v in Verdict}
    summary.update(Counter(r.verdict.value for r in results))
    severities = {s.value: 0 for s in Severity}
    severities.update(Counter(f.severity.value for f in all_findings))
    stats = runner.stats
    return Report(
        kbcheck_version=__version__,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        paths=list(paths), device=options.device,
        articles=[ArticleInfo(path=a.path, id=a.id, title=a.title, format=a.format,
                              claims=per_article.get(a.path, 0)) for a in articles],
        findings=all_findings, claims=results, summary=summary, finding_counts=severities,
        runner={"jobs": stats.jobs, "cached": stats.cached, "executed": stats.executed,
                "recorded": stats.recorded, "skipped": stats.skipped,
                "workers_started": stats.workers_started,
                "evidence_written": stats.evidence_written},
        duration_s=round(time.perf_counter() - started, 3),
        links=links_report,
    )


def check_paths(paths: list[str], *, registry: Mapping[str, Verifier] | None = None,
                options: RunOptions | None = None, max_bytes: int = 1 << 20,
                progress: Callable[[Job, Evidence], None] | None = None,
                links: LinkConfig | None = None) -> Report:
    """validate -> claims -> pairing -> runner for files and folders; returns the report."""
    from kbcheck.validate import validate_paths

    validated = validate_paths(paths, max_bytes=max_bytes)
    articles = [r.article for r in validated.results if r.article is not None]
    return check_articles(articles, list(validated.findings), registry=registry, options=options,
                          paths=[str(p) for p in paths], progress=progress, links=links)
