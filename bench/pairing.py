"""Verdicts on labelled sentences: the devset (../shared/devset/), the claim corpus
(tests/claims/corpus/) and a held-out set written without sight of the rules
(tests/claims/heldout/), through the real pipeline (claims -> frames -> pairing -> verifiers).

Each sentence becomes an atomic fact of a scratch article; `check_articles` runs offline with
the result cache and the committed GPU evidence. Prints, per set, the right verdicts, the wrong
refutations, the sentences that never reached a verifier, and confusion tables by family and by
labelled verdict.

    python bench/pairing.py                       # all three sets
    python bench/pairing.py --set devset --show wrong
    python bench/pairing.py --pair-only           # pairing only: no verifier runs

A change to the reading is measured on everything at once without re-running every verifier:
save the pairings at the revision before it (`--save-pairs before.json`, in a worktree of
that revision), then judge only the sentences whose pairing the change moved
(`--changed-since before.json --show all`). This is sound while the verifiers' `run` code is
unchanged (a sentence paired the same is judged the same); otherwise re-run the sets whole.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEVSET = ROOT.parent / "shared" / "devset" / "sentences.yaml"
CORPUS = ROOT / "tests" / "claims" / "corpus"
HELDOUT = ROOT / "tests" / "claims" / "heldout"
VERDICTS = ("supported", "refuted", "conditional", "unverifiable", "skipped", "error")


def load_devset(path: Path = DEVSET) -> list[dict]:
    """The devset entries: id, text, verdict, family."""
    if not path.is_file():
        return []
    return [{"id": e["id"], "text": " ".join(str(e["text"]).split()), "verdict": e["verdict"],
             "family": e["family"], "source": e.get("source", "")}
            for e in yaml.safe_load(path.read_text(encoding="utf-8"))]


def load_corpus(folder: Path = CORPUS) -> list[dict]:
    """The corpus entries that state a verdict: id, text, verdict, family (the file's name)."""
    out = []
    for file in sorted(folder.glob("*.yaml")):
        for i, e in enumerate(yaml.safe_load(file.read_text(encoding="utf-8")) or []):
            if "verdict" in e:
                out.append({"id": f"{file.stem}-{i + 1:02d}", "text": e["text"],
                            "verdict": e["verdict"], "family": file.stem})
    return out


def load_heldout(folder: Path = HELDOUT) -> list[dict]:
    """The held-out sentences, every file of the folder (same fields as the devset), each
    marked with its file (`part`: each file is a set of its own, measured apart)."""
    return [{**e, "part": path.stem} for path in sorted(folder.glob("*.yaml"))
            for e in load_devset(path)]


def _articles(entries: list[dict]) -> list:
    """One scratch article per source, titled as the source (as the devset's README asks): a
    sentence that names no method is read as being about the article's subject."""
    from kbcheck.loaders import load_text

    by_source: dict[str, list[dict]] = {}
    for e in entries:
        by_source.setdefault(e.get("source") or "LoRA", []).append(e)
    articles = []
    for i, (title, group) in enumerate(by_source.items()):
        facts = [{"id": e["id"], "statement": e["text"]} for e in group]
        doc = "---\n" + yaml.safe_dump({"id": f"bench-{i}", "title": title,
                                        "atomic_facts": facts},
                                       sort_keys=False, allow_unicode=True) + "---\nbench\n"
        article = load_text(doc, f"bench-{i}.md").article
        assert article is not None, "a scratch article did not load"
        articles.append(article)
    return articles


def _pairings(articles: list) -> list[tuple]:
    """Each claim of the articles with its pairing."""
    from kbcheck.pairing import pair_claims
    from kbcheck.pipeline import collect_claims, default_subjects
    from verifiers import registry

    claims = collect_claims(articles)
    pairings, _ = pair_claims(claims, registry(), default_subjects(articles))
    return list(zip(claims, pairings, strict=True))


def pair_signatures(entries: list[dict]) -> dict[str, str]:
    """Each entry's pairing as a comparable string: every frame's verifier, parameters,
    polarity, subject, predicate and open slots (or why none was paired)."""
    out = {}
    for claim, p in _pairings(_articles(entries)):
        frames = [(f.verifier, f.params, f.polarity, f.subject, f.predicate, f.open)
                  for f in p.frames]
        out[claim.fact_id] = json.dumps([p.verifier, p.negated, frames,
                                         "" if p.verifier else p.reason],
                                        sort_keys=True, default=str)
    return out


def judge(entries: list[dict], *, pair_only: bool = False) -> list[dict]:
    """Each entry with what kbcheck said: `got` (verdict), `verifier`, `explanation`."""
    from kbcheck.cache import ResultCache
    from kbcheck.pipeline import check_articles
    from kbcheck.runner import RunOptions

    articles = _articles(entries)
    if pair_only:
        got = {c.fact_id: (p.verifier or "-", "paired" if p.verifier else "unverifiable",
                           p.reason) for c, p in _pairings(articles)}
    else:
        options = RunOptions(cache=ResultCache(ROOT / ".kbcheck-cache" / "results"),
                             evidence_dir=ROOT / "reports" / "evidence")
        # no time budget: a scratch article holds a whole set (the corpus: 1,700 facts), which
        # a loaded machine reads in more than one real article's budget
        report = check_articles(articles, options=options, budget_s=None)
        got = {r.claim.fact_id: (r.pairing.verifier or "-", r.verdict.value, r.explanation)
               for r in report.claims}
    out = []
    for e in entries:
        verifier, verdict, why = got.get(e["id"], ("-", "unverifiable", "not extracted"))
        out.append({**e, "verifier": verifier, "got": verdict, "explanation": why})
    return out


def table(rows: list[dict], key: str) -> str:
    """Right / total per value of `key`, with wrong refutations and unpaired counts."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r[key]].append(r)
    lines = [f"  {key:<18} {'right':>9} {'wrong-ref':>9} {'unpaired':>8}  got (labelled)"]
    for name in sorted(groups):
        g = groups[name]
        right = sum(r["got"] == r["verdict"] for r in g)
        wrong_ref = sum(r["got"] == "refuted" and r["verdict"] != "refuted" for r in g)
        unpaired = sum(r["verifier"] == "-" for r in g)
        got = Counter(r["got"] for r in g)
        lines.append(f"  {name:<18} {right:>4}/{len(g):<4} {wrong_ref:>9} {unpaired:>8}  "
                     + ", ".join(f"{v} {got[v]}" for v in VERDICTS if got[v]))
    return "\n".join(lines)


def summary(name: str, rows: list[dict]) -> str:
    """The headline figures of one set."""
    right = sum(r["got"] == r["verdict"] for r in rows)
    wrong_ref = sum(r["got"] == "refuted" and r["verdict"] != "refuted" for r in rows)
    checkable = [r for r in rows if r["verdict"] != "unverifiable"]
    unpaired = sum(r["verifier"] == "-" for r in checkable)
    pct = 100.0 * right / len(rows) if rows else 0.0
    return (f"{name}: {right}/{len(rows)} right ({pct:.1f}%), {wrong_ref} wrong refuted, "
            f"{unpaired} of {len(checkable)} checkable claims unpaired, "
            f"{sum(r['got'] == 'skipped' for r in rows)} skipped")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("devset", "corpus", "heldout", "all"), default="all")
    ap.add_argument("--pair-only", action="store_true", help="pair, run nothing")
    ap.add_argument("--show", choices=("none", "wrong", "all"), default="none",
                    help="list sentences: the wrong ones or all")
    ap.add_argument("--family", help="only this family")
    ap.add_argument("--save-pairs", metavar="FILE", type=Path,
                    help="write every sentence's pairing as JSON and judge nothing")
    ap.add_argument("--changed-since", metavar="FILE", type=Path,
                    help="judge only the sentences whose pairing differs from FILE's "
                         "(written by --save-pairs at another revision)")
    args = ap.parse_args(argv)
    saved: dict[str, dict[str, str]] = {}
    before = json.loads(args.changed_since.read_text(encoding="utf-8")) \
        if args.changed_since else None
    sets = {"devset": load_devset, "corpus": load_corpus, "heldout": load_heldout}
    names = list(sets) if args.set == "all" else [args.set]
    headlines = []
    for name in names:
        entries = sets[name]()
        if args.family:
            entries = [e for e in entries if e["family"] == args.family]
        if args.save_pairs or before is not None:
            signatures = pair_signatures(entries)
            if args.save_pairs:
                saved[name] = signatures
                print(f"{name}: {len(signatures)} pairings")
                continue
            was = before.get(name, {})
            entries = [e for e in entries if was.get(e["id"]) != signatures.get(e["id"])]
            print(f"{name}: {len(entries)} sentences paired differently")
        if not entries:
            print(f"{name}: no sentences")
            continue
        started = time.perf_counter()
        rows = judge(entries, pair_only=args.pair_only)
        took = time.perf_counter() - started
        if args.pair_only:
            for r in rows:  # only whether the right kind of thing happened
                r["got"] = ("unverifiable" if r["verifier"] == "-" else r["verdict"]
                            if r["verdict"] != "unverifiable" else "paired")
        print(f"== {name} ({len(rows)} sentences, {took:.1f}s)")
        print(table(rows, "family"))
        print(table(rows, "verdict"))
        if args.show != "none":
            for r in rows:
                if args.show == "all" or r["got"] != r["verdict"]:
                    print(f"  [{r['id']}] label {r['verdict']}, got {r['got']} via "
                          f"{r['verifier']}: {r['text']}\n      -> {r['explanation'][:300]}")
        headlines.append(summary(name, rows))
        parts = sorted({r["part"] for r in rows if "part" in r})
        if len(parts) > 1:
            headlines += [summary(f"  {name}/{part}", [r for r in rows if r.get("part") == part])
                          for part in parts]
    if args.save_pairs:
        args.save_pairs.write_text(json.dumps(saved), encoding="utf-8")
        return 0
    print("\n".join(headlines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
