"""The pipeline of `kbcheck run`: validate -> claims -> pairing -> runner, into one `Report`.

Each stage takes the previous stage's values and returns new ones; problems are findings or
verdicts, never exceptions that end the run.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import UTC, datetime
from functools import lru_cache
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
    Figure,
    Finding,
    FramePairing,
    FrameResult,
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
# The one place where polarity turns a verdict round.
_DENIED = {Verdict.supported: (Verdict.refuted, "holds"),
           Verdict.refuted: (Verdict.supported, "is false")}
# How the verdicts of a claim's frames combine: the first present in this order wins.
# (A frame that could not run here does not hide one that was measured.)
_COMBINE = (Verdict.refuted, Verdict.error, Verdict.conditional, Verdict.supported,
            Verdict.skipped, Verdict.unverifiable)


def collect_claims(articles: Iterable[Article]) -> list[Claim]:
    """Every claim of every article, in article order (no time budget: see
    `claims_and_pairings`)."""
    return [claim for article in articles for claim in extract_claims(article)]


def default_subjects(articles: Iterable[Article]) -> dict[str, str]:
    """The method each article is about (from its title), for sentences that name none."""
    from kbcheck.claims.recognise import find_methods

    out = {}
    for a in articles:
        methods = [m for m in find_methods(a.title or "") if m.kind != "tool"]
        named = [m for m in methods if not m.baseline]
        if named:  # an article about VeRA makes its unnamed sentences VeRA's, out of scope
            # ("From full fine-tuning to LoRA", "Full FT vs LoRA vs QLoRA": full fine-tuning is
            # what the methods are set against, the article is about them)
            out[a.path] = next((m.id for m in named if m.id != "full_ft"), next(
                (m.id for m in methods if m.id != "full_ft"), named[0].id))
    return out


def _units(pairing: Pairing) -> list[tuple[int, str, dict, FramePairing | None]]:
    """(frame index, verifier, params, frame) of each paired frame; a pinned pairing is one
    unit with no frame."""
    if pairing.pinned or not pairing.frames:
        if pairing.verifier is None:
            return []
        return [(0, pairing.verifier, pairing.params, None)]
    return [(i, f.verifier, f.params, f) for i, f in enumerate(pairing.frames)
            if f.verifier is not None]


def claims_and_pairings(articles: Iterable[Article], registry: Mapping[str, Verifier],
                        findings: list[Finding], budget_s: float | None = ARTICLE_BUDGET_S,
                        *, parallel: bool = True) -> tuple[list[Claim], list[Pairing]]:
    """Every claim of every article with its pairing, each article within `budget_s` seconds
    (claim patterns read the article's own text); an article over it has no claims and one
    `time-budget` finding. Findings of pinned blocks go to `findings` too. A large knowledge
    base is read over the cores (reading claims is pure CPU work), in article order."""
    articles = list(articles)
    if (parallel and len(articles) >= PARALLEL_FROM and _workers() > 1
            and registry_is_builtin(registry)):
        return _in_processes(articles, findings, budget_s)
    claims: list[Claim] = []
    pairings: list[Pairing] = []
    subjects = default_subjects(articles)
    for article in articles:
        try:
            with time_budget(budget_s):
                found = extract_claims(article)
                paired, pinned = pair_claims(found, registry, subjects)
        except OverBudget:
            findings.append(over_budget_finding(article.path, budget_s or 0,
                                                "reading and pairing its claims"))
            continue
        claims += found
        pairings += paired
        findings += pinned
    return claims, pairings


# Articles from which claim reading is split over processes, and at most how many.
PARALLEL_FROM = 200


def _workers() -> int:
    return min(os.cpu_count() or 1, 8)


def registry_is_builtin(registry: Mapping[str, Verifier]) -> bool:
    """Whether `registry` is the one `verifiers.registry()` builds (a worker can rebuild it);
    a registry made in code (tests, plug-ins passed directly) is read in this process."""
    from verifiers import registry as discover

    return set(registry) == set(discover())


def _read_chunk(args: tuple[list[Article], float | None]
                ) -> tuple[list[Claim], list[Pairing], list[Finding]]:
    from verifiers import registry as discover

    articles, budget_s = args
    findings: list[Finding] = []
    claims, pairings = claims_and_pairings(articles, discover(), findings, budget_s,
                                           parallel=False)
    return claims, pairings, findings


def _in_processes(articles: list[Article], findings: list[Finding], budget_s: float | None
                  ) -> tuple[list[Claim], list[Pairing]]:
    from concurrent.futures import ProcessPoolExecutor

    n = _workers()
    size = -(-len(articles) // (n * 4))
    chunks = [(articles[i:i + size], budget_s) for i in range(0, len(articles), size)]
    claims: list[Claim] = []
    pairings: list[Pairing] = []
    with ProcessPoolExecutor(max_workers=n) as pool:
        for got_claims, got_pairings, got_findings in pool.map(_read_chunk, chunks):
            claims += got_claims
            pairings += got_pairings
            findings += got_findings
    return claims, pairings


def _claim_jobs(pairings: list[Pairing], registry: Mapping[str, Verifier]
                ) -> tuple[dict[tuple[str, int], Job], dict[tuple[str, int], str]]:
    """The job of each paired frame ((claim id, frame index) -> job), or why it has none."""
    jobs: dict[tuple[str, int], Job] = {}
    problems: dict[tuple[str, int], str] = {}
    for p in pairings:
        for index, vid, params, frame in _units(p):
            verifier = registry.get(vid)
            if verifier is None:
                problems[(p.claim_id, index)] = f"verifier {vid!r} is not registered"
                continue
            try:
                jobs[(p.claim_id, index)] = make_job(verifier, params)
            except ValueError as exc:
                problems[(p.claim_id, index)] = f"parameters rejected: {exc}"
                continue
            if frame is not None and frame.in_context is not None:
                # (the same frame in the configuration stated before it: a second measurement)
                with suppress(ValueError):
                    jobs[(p.claim_id, -1 - index)] = make_job(verifier, frame.in_context.params)
    return jobs, problems


def _frame_verdict(ev: Evidence, frame: FramePairing | None) -> tuple[Verdict, str]:
    """A frame's verdict from its evidence: turned round when the sentence denies the
    predicate; never `refuted` while a decisive value was not read from the text; never
    `supported` by a measurement that only bounds the claim from below."""
    verdict, explanation = ev.verdict, ev.explanation
    if frame is None:
        return verdict, explanation
    if frame.lower_bound and verdict is Verdict.supported:
        return Verdict.unverifiable, (f"Not decided: what was measured is only a lower bound of "
                                      f"what the claim needs. {explanation}")
    if not frame.polarity and verdict in _DENIED:
        verdict, what = _DENIED[verdict]
        explanation = (f"The sentence says the opposite of what the verifier checks, which "
                       f"{what}: {explanation}")
    if frame.modality == "may_fail" and not frame.polarity and verdict is Verdict.refuted:
        # a run said to fail, or able to, at a setting the sentence leaves unsaid: what holds at
        # the reference setting fails at larger ones
        return Verdict.conditional, (
            "It holds at the measured setting and fails at larger ones the sentence leaves "
            f"open, where it says it fails: {explanation}")
    measured_split = verdict is Verdict.conditional  # some measured settings hold, some not
    if frame.condition and verdict is Verdict.supported:
        verdict, explanation = (Verdict.conditional,
                                f"Holds only {frame.condition}. {explanation}")
    open_slots = frame.open
    # a verifier may show that no value of some open slots would change the verdict
    covered = set(ev.measured.get("covers_open", ()) if isinstance(ev.measured, dict) else ())
    if verdict is Verdict.refuted and open_slots and not set(open_slots) <= covered:
        verdict = Verdict.unverifiable
        explanation = (f"Not refuted: the sentence does not state {', '.join(open_slots)}, "
                       f"and the measurement depends on it. {explanation}")
    if verdict is Verdict.conditional and frame.modality == "split" and measured_split:
        # the sentence itself names the setting where it holds and the one where it does not
        return Verdict.supported, ("The sentence says where it holds and where not, as "
                                   f"measured: {explanation}")
    if verdict is Verdict.conditional and frame.modality == "can":
        # "can" claims a setting where it holds, and one was measured
        return Verdict.supported, f"Holds in some settings, which is what 'can' claims. " \
                                  f"{explanation}"
    if verdict is Verdict.conditional and frame.modality == "all" and measured_split \
            and not open_slots:
        # "never", "cannot ... without": one measured setting where it fails refutes it
        return Verdict.refuted, ("Not in every setting, as the sentence claims: "
                                 f"{explanation}")
    return verdict, explanation


def _judge(claim: Claim, pairing: Pairing, jobs: dict, problems: dict,
           evidence: dict[str, Evidence]) -> ClaimResult:
    """One claim's result: each paired frame judged, the verdicts combined."""
    claim = claim.reported()
    frames: list[FrameResult] = []
    for index, _, _, frame in _units(pairing):
        job = jobs.get((claim.id, index))
        if job is None:
            reason = problems.get((claim.id, index), pairing.reason)
            frames.append(FrameResult(index=index, verdict=Verdict.error, explanation=reason))
            continue
        ev = evidence[job.key]
        verdict, explanation = _frame_verdict(ev, frame)
        also = jobs.get((claim.id, -1 - index))
        if also is not None and verdict in (Verdict.conditional, Verdict.unverifiable) \
                and frame is not None and frame.in_context is not None:
            there, why = _frame_verdict(evidence[also.key], frame.in_context)
            if there is Verdict.supported:  # holds in the configuration stated before it
                ev, verdict = evidence[also.key], there
                explanation = (f"Holds in the configuration the article states before it "
                               f"({_config_said(frame.in_context)}): {why}")
        frames.append(FrameResult(index=index, verdict=verdict, explanation=explanation,
                                  evidence=ev))
    if not frames:
        return ClaimResult(claim=claim, pairing=pairing, verdict=Verdict.unverifiable,
                           explanation=pairing.reason)
    judged = [f for f in frames if f.verdict is not Verdict.unverifiable] or frames
    decisive = min(judged, key=lambda f: _COMBINE.index(f.verdict))
    explanation = decisive.explanation
    if decisive.verdict is Verdict.supported and _only_the_reason(claim.text, pairing, frames,
                                                                  decisive):
        return ClaimResult(claim=claim, pairing=pairing, verdict=Verdict.unverifiable,
                           explanation="Only the reason the sentence gives was measured, and "
                                       f"it holds: {explanation}; what it gives the reason "
                                       "for was not decided", frames=frames)
    if len(frames) > 1:
        explanation += " (" + "; ".join(
            f"frame {f.index + 1}: {f.verdict.value}" for f in frames) + ")"
    return ClaimResult(claim=claim, pairing=pairing, verdict=decisive.verdict,
                       explanation=explanation, evidence=decisive.evidence, frames=frames,
                       figure=_stated_figure(pairing, decisive))


# the reason a sentence gives for its claim: "..., since both models are 4096 wide"
_REASON = re.compile(r"(?:,\s*(?:because|since|as)|\s+(?:because|since))\s+(?!(?:of|well|much|many|"
                     r"long|soon|far)\b)", re.I)


def _only_the_reason(text: str, pairing: Pairing, frames: list[FrameResult],
                     decisive: FrameResult) -> bool:
    """Whether the supported frame was read only from the reason the sentence gives ("X, since
    Y") while a frame read before it, from the claim itself, was left undecided."""
    m = _REASON.search(text)
    if m is None or not pairing.frames:
        return False

    def at(frame: FramePairing) -> int:
        words = frame.slots.get("predicate", "")
        return text.find(words) if words else -1

    undecided = {f.index for f in frames if f.verdict is Verdict.unverifiable}
    return at(pairing.frames[decisive.index]) >= m.end() and any(
        i in undecided and 0 <= at(f) < m.start()
        for i, f in enumerate(pairing.frames))


def _config_said(frame: FramePairing) -> str:
    """The configuration a frame read in context was measured in, in words."""
    return ", ".join(f"{k} {frame.params[k]:g}" if isinstance(frame.params[k], float) else
                     f"{k} {frame.params[k]}" for k in ("model", "r", "alpha", "modules")
                     if frame.params.get(k)) or "as stated before it"


def _stated_figure(pairing: Pairing, decisive: FrameResult) -> Figure | None:
    """The deciding evidence's stated/measured pair, unless the sentence denies what the
    verifier checked (then its 'stated' is not what the sentence states)."""
    if decisive.evidence is None or decisive.evidence.figure is None:
        return None
    if pairing.frames and not pairing.pinned and not pairing.frames[decisive.index].polarity:
        return None
    return decisive.evidence.figure


def _finding_for(result: ClaimResult) -> Finding | None:
    rule = _VERDICT_FINDINGS.get(result.verdict)
    if rule is None:
        return None
    name, severity, hint = rule
    claim = result.claim
    figure = f"{result.figure.text()}. " if result.figure is not None else ""
    # The whole claim: a reviewer must see what was stated beside what was measured.
    return Finding(rule=name, severity=severity, path=claim.path, line=claim.line,
                   column=claim_column(claim.path, claim.line, claim.text),
                   message=f"{result.verdict.value}: \"{claim.text}\" — "
                           f"{figure}{result.explanation}",
                   hint=hint)


@lru_cache(maxsize=64)
def _file_lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return tuple(fh.read(1 << 20).splitlines())
    except OSError:
        return ()


def claim_column(path: str, line: int | None, text: str) -> int | None:
    """The 1-based column where a claim's sentence starts on its line, when it can be found
    there as written (a flattened Markdown article holds every sentence on line 1)."""
    lines = _file_lines(path)
    if not line or line > len(lines) or not text:
        return None
    row = lines[line - 1]
    for n in (40, 16):
        at = row.find(text[:n])
        if at >= 0:
            return at + 1
    return None


def check_articles(
    articles: list[Article], findings: list[Finding] | None = None, *,
    registry: Mapping[str, Verifier] | None = None, options: RunOptions | None = None,
    paths: Iterable[str] = (), progress: Callable[[Job, Evidence], None] | None = None,
    links: LinkConfig | None = None, budget_s: float | None = ARTICLE_BUDGET_S,
    on_jobs: Callable[[int], None] | None = None,
    on_links: Callable[[int, int], None] | None = None,
) -> Report:
    """Claims, pairing and verifiers (and the links stage, given a `LinkConfig`) for already
    loaded articles; returns the full report. `on_jobs` hears how many verifier runs there
    will be (for a progress bar), `progress` each one as it ends; `on_links` hears (URLs
    checked, URLs in all) as the links stage goes."""
    started = time.perf_counter()
    _file_lines.cache_clear()  # columns are read from the files as they are now
    options = options or RunOptions()
    links_report = None
    if links is not None:
        from kbcheck.links import check_links

        links_report = check_links(articles, links, progress=on_links)
    if registry is None:
        from verifiers import registry as discover

        registry = discover()
    claim_findings: list[Finding] = []
    claims, pairings = claims_and_pairings(articles, registry, claim_findings, budget_s)
    jobs, problems = _claim_jobs(pairings, registry)
    runner = Runner(options)
    if on_jobs is not None:
        on_jobs(len(jobs))
    evidence = runner.run(jobs.values(), progress=progress)
    results = [_judge(claim, pairing, jobs, problems, evidence)
               for claim, pairing in zip(claims, pairings, strict=True)]
    all_findings = one_finding_per_pin(list(findings or []) + claim_findings)
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


# A bad pinned verify: block as pairing reports it (at the fact's statement) and as validate
# does (at the bad value's own line, kbcheck.validate.pinned_findings).
_PIN_BY_PAIRING = re.compile(r"pinned verify: block of (.+?): ")
_PIN_BY_VALIDATE = re.compile(r"pinned verify: block: fact `(.+?)`")


def one_finding_per_pin(findings: list[Finding]) -> list[Finding]:
    """`findings` without pairing's report of a pinned block that validate has reported for
    the same fact: validate's points at the value to fix. Pairing's stays where validate
    found nothing wrong with the fact (a check that only the verifier's parameters make)."""
    seen = {(f.path, m.group(1)) for f in findings
            if f.rule == "verify-pin" and (m := _PIN_BY_VALIDATE.match(f.message))}
    return [f for f in findings
            if not (f.rule == "verify-pin" and (m := _PIN_BY_PAIRING.match(f.message))
                    and (f.path, m.group(1)) in seen)]


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
