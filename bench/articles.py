"""Verdicts on labelled article folders (tests/e2e/heldoutNN/: articles in the four formats
plus labels.yaml, written without sight of the rules), through the whole pipeline as
`kbcheck run DIR --no-links` does it: validate -> claims -> pairing -> verifiers, offline, with
the result cache and the committed GPU evidence.

A label is matched to a claim of its own file: the claim whose text holds the label's text (or
is held by it), else the claim sharing most of the label's words (at least half). A label with
no such claim counts as `unverifiable` (not extracted). Short labels can match a neighbouring
claim, so a set's figure moves by one now and then without a change in reading.

A label line that became several claims is judged by the one it matched; a refutation of
another claim that lies inside a label not labelled `refuted` is counted apart ("more refuted
inside labels"), so that it is not hidden and the main figures stay comparable.

    python bench/articles.py                      # every folder, one line each and the total
    python bench/articles.py --set 28 --show wrong
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FOLDERS = ROOT / "tests" / "e2e"
_WORD = re.compile(r"[a-z0-9]+")


def folders(numbers: list[str] | None = None) -> list[Path]:
    """The labelled folders, in number order (only `numbers` when given)."""
    found = [p for p in FOLDERS.glob("heldout*") if (p / "labels.yaml").is_file()]
    found.sort(key=lambda p: int(re.sub(r"\D", "", p.name) or 0))
    if numbers:
        found = [p for p in found if re.sub(r"\D", "", p.name) in numbers]
    return found


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def match(label: str, claims: list[dict]) -> dict | None:
    """The claim (a report.json claim entry) that the label's text names, or None."""
    label = " ".join(label.split())
    wanted = _words(label)
    best, best_score = None, 0.0
    for c in claims:
        text = " ".join(c["claim"]["text"].split())
        if text and (text in label or label in text):
            score = 1.0 + len(text) / max(len(label), 1) / 10
        else:
            score = len(wanted & _words(text)) / max(len(wanted), 1)
            if score < 0.5:
                continue
        if score > best_score:
            best, best_score = c, score
    return best


def _refuted_inside(label: str, claims: list[dict], hit: dict | None) -> list[str]:
    """Texts of refuted claims, other than the matched one, that lie inside the label (as
    written, or every word of them: a claim read with its entry's name before it)."""
    label = " ".join(label.split())
    words = _words(label)
    found = []
    for c in claims:
        text = " ".join(c["claim"]["text"].split())
        if c is not hit and c["verdict"] == "refuted" and len(text) > 15 \
                and (text in label or _words(text) <= words):
            found.append(text)
    return found


def judge(folder: Path, jobs: int = 2) -> list[dict]:
    """One row per label: file, text, verdict (labelled), family, got, verifier, explanation."""
    from kbcheck.cache import ResultCache
    from kbcheck.pipeline import check_paths
    from kbcheck.runner import RunOptions

    options = RunOptions(cache=ResultCache(ROOT / ".kbcheck-cache" / "results"), jobs=jobs,
                         evidence_dir=ROOT / "reports" / "evidence")
    report = check_paths([str(folder)], options=options).model_dump(mode="json")
    labels = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8")) or {}
    rows = []
    for name, items in labels.items():
        claims = [c for c in report["claims"] if Path(c["claim"]["path"]).name == name]
        for item in items or []:
            hit = match(str(item["text"]), claims)
            rows.append({"inside": _refuted_inside(str(item["text"]), claims, hit),
                         "file": name, "text": " ".join(str(item["text"]).split()),
                         "verdict": item["verdict"], "family": item.get("family", ""),
                         "got": hit["verdict"] if hit else "unverifiable",
                         "verifier": (hit["pairing"]["verifier"] or "-") if hit else "-",
                         "explanation": hit["explanation"] if hit else "not extracted"})
    return rows


def summary(name: str, rows: list[dict]) -> str:
    right = sum(r["got"] == r["verdict"] for r in rows)
    wrong_ref = sum(r["got"] == "refuted" and r["verdict"] != "refuted" for r in rows)
    inside = sum(bool(r["inside"]) for r in rows if r["verdict"] != "refuted")
    pct = 100.0 * right / len(rows) if rows else 0.0
    more = f" (+{inside} more refuted inside labels)" if inside else ""
    return f"{name}: {right}/{len(rows)} right ({pct:.1f}%), {wrong_ref} wrong refuted{more}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", nargs="*", help="folder numbers (heldoutNN), default all")
    ap.add_argument("--show", choices=("none", "wrong", "all"), default="none",
                    help="list labels: the wrong ones or all")
    args = ap.parse_args(argv)
    everything: list[dict] = []
    started = time.perf_counter()
    for folder in folders(args.set):
        rows = judge(folder)
        everything += rows
        print(summary(folder.name, rows), flush=True)
        for r in rows:
            if args.show == "all" or (args.show == "wrong" and r["got"] != r["verdict"]):
                print(f"  [{r['file']}] label {r['verdict']}, got {r['got']} via "
                      f"{r['verifier']}: {r['text'][:220]}\n      -> {r['explanation'][:300]}")
            if args.show != "none" and r["verdict"] != "refuted":
                for text in r["inside"]:
                    print(f"  [{r['file']}] label {r['verdict']}, a claim inside it refuted: "
                          f"{text[:220]}")
    if not everything:
        print("no labelled folders")
        return 0
    print(summary(f"all ({time.perf_counter() - started:.0f}s)", everything))
    got = Counter((r["verdict"], r["got"]) for r in everything)
    print("  labelled -> got: " + ", ".join(f"{a}->{b} {n}" for (a, b), n in got.most_common()
                                             if a != b))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
