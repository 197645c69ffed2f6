"""`kbcheck check FILE [--fix]`: one article through `kbcheck run`'s pipeline (and its cache),
printed as what its author can do: the corrected sentence of each refuted claim, why each
unpaired claim cannot be checked and what would make it checkable, and the `verify:` block
that pins each paired claim. `--fix` writes the numeric corrections into the file."""

from __future__ import annotations

import difflib
from pathlib import Path

import typer

from kbcheck.cli import app
from kbcheck.cli._common import FAIL_ON_HELP

# Findings that restate a claim's verdict: `check` shows the claim itself instead.
_VERDICT_RULES = frozenset({"claim-refuted", "claim-conditional", "verifier-error"})


@app.command("check")
def check(
    file: Path = typer.Argument(..., help="One article file."),
    fix: bool = typer.Option(False, "--fix", help="Write the numeric corrections into the "
                             "file (atomically) and print the diff."),
    fail_on: str = typer.Option(None, "--fail-on", help=FAIL_ON_HELP),
    online: bool = typer.Option(False, "--online", help="Also request the cited sources "
                                "(default: only the link checks that need no network)."),
    cache_dir: Path = typer.Option(Path(".kbcheck-cache/results"), "--cache-dir",
                                   help="Where results are cached (shared with `kbcheck run`)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Measure again; ignore the cache."),
) -> None:
    """Check one article and print what to change: corrected sentences, why unpaired claims
    cannot be checked, the verify: block of each paired claim."""
    from kbcheck.cli._common import STATE, fail, fail_code, finding_lines, prepare
    from kbcheck.cli.run_cmd import Measure, measure

    targets, config, fail_on = prepare("check", [file], fail_on)
    if not file.is_file():
        fail("check", f"{file} is not a file: `kbcheck check` takes one article "
             "(`kbcheck run` checks folders)")
    how = Measure(out=config.path("out"), cache_dir=cache_dir, no_cache=no_cache,
                  links=True, offline=not online, links_cache_dir=Path(".kbcheck-cache/links"))
    report, notes = measure("check", [file], config, how, check_out=False)
    findings = list(report.findings)  # (a bad pin is already reported once, by validate)
    advice = [_advise(r, report) for r in report.claims]
    others = [f for f in findings if f.rule not in _VERDICT_RULES]
    typer.echo(finding_lines(others, hints=True), nl=False)
    for text in advice:
        typer.echo(text)
    fixed: set[str] = set()
    if fix:
        fixed = _fix(file, report)
    if not STATE.quiet:
        for note in notes:
            typer.echo(f"kbcheck check: {note}", err=True)
        typer.echo(_summary(report, fixed if fix else None))
    kept = [f for f in findings if not (f.rule == "claim-refuted" and any(
        (f.path, f.line) == (path, line) and f'"{text}"' in f.message
        for path, line, text in fixed))]
    raise typer.Exit(fail_code(kept, fail_on))


def _advise(result, report) -> str:
    """What one claim's author can do, as indented lines under `path:line VERDICT text`."""
    from kbcheck.correct import correction
    from kbcheck.pairing import suggest_block
    from kbcheck.safe_text import printable

    claim, pairing = result.claim, result.pairing
    verdict = result.verdict.value
    head = printable(f"{claim.path}:{claim.line or '?'} {verdict.upper()}  {claim.text}")
    lines = [head]
    indent = 4 if claim.fact_id else 0
    if result.figure is not None and verdict in ("refuted", "conditional"):
        lines.append(f"    {printable(result.figure.text())}")
    if verdict == "refuted":
        fix = correction(claim.text, result)
        if fix is None:
            lines.append(f"    why: {printable(result.explanation)}")
            lines.append("    no automatic correction: the refutation is not one stated number "
                         "the sentence writes once; rewrite it from the evidence above")
            return "\n".join(lines)
        lines.append(printable(f"    corrected: {fix.sentence}"))
        if claim.pinned is not None:
            lines.append("    (pinned: change its verify: block's params with the statement; "
                         "--fix leaves a pinned fact alone)")
            return "\n".join(lines)
        block = _block_for(claim.model_copy(update={"text": fix.sentence}), report)
        if block:
            lines.append("    pin the corrected sentence with:")
            lines.append(_indent(suggest_block(block, indent=indent)))
        return "\n".join(lines)
    if pairing.verifier is None:
        lines.append(f"    why: {printable(pairing.reason)}")
        lines.append(f"    to make it checkable: {_checkable(pairing.reason)}")
        return "\n".join(lines)
    lines.append(f"    {printable(result.explanation)}")
    missing = sorted({slot for f in pairing.frames for slot in f.open})
    if verdict == "unverifiable" and missing:
        lines.append(f"    to make it checkable: state {', '.join(missing)} in the sentence")
    if pairing.pinned:
        lines.append("    (pinned by its verify: block)")
    else:
        lines.append("    pin it with:" if claim.fact_id else
                     "    pin it with (in an atomic fact of a frontmatter article):")
        lines.append(_indent(suggest_block(pairing, indent=indent)))
    return "\n".join(lines)


def _block_for(claim, report):
    """The pairing of the corrected sentence, or None when it pairs with nothing."""
    from kbcheck.pairing import pair_claim, section_subject
    from kbcheck.pipeline import default_subjects
    from verifiers import registry

    articles = [a for a in _articles(report) if a.path == claim.path]
    subject = section_subject(claim.section) or default_subjects(articles).get(claim.path,
                                                                                "lora")
    pairing, _ = pair_claim(claim, registry(), default_subject=subject)
    return pairing if pairing.verifier else None


def _articles(report):
    """The report's articles as `Article`-like values with a path and a title."""
    from kbcheck.models import Article

    return [Article(path=a.path, format=a.format or "glossary", title=a.title)
            for a in report.articles]


def _indent(block: str, by: int = 4) -> str:
    return "\n".join(" " * by + line for line in block.split("\n"))


def _checkable(reason: str) -> str:
    """What would let a verifier check an unpaired claim, from why none did."""
    low = reason.lower()
    if low.startswith("time-sensitive"):
        return ("nothing here: the figure changes over time. Cite where and when it was "
                "counted instead")
    if "out of scope" in low or "compares something else" in low:
        return ("kbcheck measures LoRA and its variants only (`kbcheck verifiers`); keep "
                "the claim cited to its source")
    if low.startswith(("an opinion", "advice", "a question", "reported speech")):
        return ("state what can be measured instead: a parameter count, a size in GB, a "
                "ratio or a latency, with the model, rank and modules it holds for")
    if low.startswith("a benchmark"):
        return "task scores are not measured here; keep the claim cited to its source"
    if low.startswith("pinned pairing is invalid"):
        return "fix the verify: block (`kbcheck validate` points at the bad value)"
    if low.startswith("no verifier checks"):
        return ("no verifier measures this yet; `kbcheck verifiers` lists what can be "
                "checked, and a plug-in verifier can add it")
    if ": " in reason and reason.split(": ", 1)[0].count(".") == 1:  # "lora.x: needs a model"
        vid, why = reason.split(": ", 1)
        return f"state what {vid} needs ({why.rstrip('.')})"
    return ("name the method, the model and the figure (e.g. 'LoRA with r=16 on q_proj and "
            "v_proj of LLaMA-7B trains 99.9% fewer parameters')")


def _fix(file: Path, report) -> set[tuple[str, int | None, str]]:
    """Write the numeric corrections into `file` and print the diff; the (path, line, text)
    of each claim corrected."""
    from kbcheck.cli._common import write_atomic
    from kbcheck.correct import apply, correction, locate
    from kbcheck.safe_text import printable

    with open(file, encoding="utf-8", newline="") as fh:  # line endings as they are
        source = fh.read()
    edits, done = [], set()
    for r in report.claims:
        fix = correction(r.claim.text, r)
        if fix is None or r.claim.pinned is not None:
            continue
        at = locate(source, r.claim.text, fix, r.claim.line)
        if at is None:
            typer.echo(printable(f"{r.claim.path}:{r.claim.line}: not fixed: the sentence "
                                 "is not written once, as read, in the file; edit it by hand"),
                       err=True)
            continue
        edits.append((at, fix))
        done.add((r.claim.path, r.claim.line, r.claim.text))
    fixed = apply(source, edits)
    if fixed == source:
        typer.echo("--fix: nothing to change")
        return set()
    write_atomic(file, fixed)
    diff = difflib.unified_diff(source.splitlines(keepends=True),
                                fixed.splitlines(keepends=True),
                                fromfile=f"a/{file}", tofile=f"b/{file}")
    typer.echo("\n".join(printable(line.rstrip("\r\n")) for line in diff))
    return done


def _summary(report, fixed: set | None) -> str:
    counts = ", ".join(f"{n} {v}" for v, n in report.summary.items() if n) or "none"
    text = f"{len(report.claims)} claims: {counts}."
    if fixed is not None:
        text += f" Fixed {len(fixed)}."
    return text
