"""The claim corpus (tests/claims/corpus/, sentences written here in the constructions real
documents use) through the real pipeline: pairing for every sentence, verdicts measured.

The floors below are what the frame layer reaches today, measured by `bench/pairing.py`; they
only go up. A sentence about another method must never reach a LoRA verifier, and a claim
must never be refuted where the facts do not refute it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# (appended: tests/articles.py keeps the name `articles` that bench/articles.py also has)
sys.path.append(str(ROOT / "bench"))

import pairing as bench  # noqa: E402

PAIRED_RIGHT_FLOOR = 0.95  # the labelled verifier (or none) is among the sentence's frames
VERDICT_RIGHT_FLOOR = 0.95


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    entries = []
    for path in sorted(bench.CORPUS.glob("*.yaml")):
        for i, e in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            entries.append({"id": f"{path.stem}-{i + 1:02d}", "text": e["text"],
                            "verdict": e["verdict"], "verifier": e.get("verifier"),
                            "family": path.stem})
    return entries


def test_every_entry_is_labelled(corpus):
    assert len(corpus) >= 300
    for e in corpus:
        assert e["verdict"] in ("supported", "refuted", "conditional", "unverifiable"), e
        if e["verdict"] != "unverifiable" or e["family"] == "out_of_scope":
            assert (e["verifier"] is None) == (e["family"] == "out_of_scope"), e


def test_pairing_of_the_corpus(corpus):
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claims
    from verifiers import registry

    claims = [Claim(id=e["id"], path=f"{e['family']}.md", text=e["text"], origin="atomic_fact")
              for e in corpus]
    pairings, _ = pair_claims(claims, registry(include_entry_points=False))
    right, wrong = 0, []
    for e, p in zip(corpus, pairings, strict=True):
        paired = {f.verifier for f in p.frames if f.verifier} | ({p.verifier} - {None})
        if e["family"] == "out_of_scope":
            assert not paired, (e["text"], paired)
        ok = (e["verifier"] in paired) if e["verifier"] else not paired
        right += ok
        if not ok:
            wrong.append(f"{e['id']}: {e['text']} -> {sorted(paired) or p.reason}")
    assert right / len(corpus) >= PAIRED_RIGHT_FLOOR, "\n".join(wrong)


@pytest.mark.slow
def test_verdicts_of_the_corpus():
    rows = bench.judge(bench.load_corpus())
    wrong_refuted = [r for r in rows if r["got"] == "refuted" and r["verdict"] != "refuted"]
    assert not wrong_refuted, "\n".join(f"{r['id']}: {r['text']} -> {r['explanation']}"
                                        for r in wrong_refuted)
    right = sum(r["got"] == r["verdict"] for r in rows)
    assert right / len(rows) >= VERDICT_RIGHT_FLOOR, bench.summary("corpus", rows)


DEVSET_RIGHT_FLOOR = 0.84


@pytest.mark.slow
@pytest.mark.skipif(not bench.DEVSET.is_file(), reason="no shared devset beside the checkout")
def test_verdicts_of_the_devset():
    """Real sentences from other documents (../shared/devset/): never a wrong refutation."""
    rows = bench.judge(bench.load_devset())
    wrong_refuted = [r for r in rows if r["got"] == "refuted" and r["verdict"] != "refuted"]
    assert not wrong_refuted, "\n".join(f"{r['id']}: {r['explanation']}" for r in wrong_refuted)
    right = sum(r["got"] == r["verdict"] for r in rows)
    assert right / len(rows) >= DEVSET_RIGHT_FLOOR, bench.summary("devset", rows)


def test_lora_swapped_for_vera_is_never_judged_as_lora(corpus):
    """Metamorphic: every corpus sentence about LoRA, with LoRA renamed VeRA, yields no frame
    judged as LoRA's (frames about something else it names, such as bottleneck adapters, may
    still pair)."""
    import re

    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claims
    from verifiers import registry

    lora = re.compile(r"\bLoRA\b")
    texts = [e["text"] for e in corpus if lora.search(e["text"])
             and not re.search(r"QLoRA|DoRA|LoRA\+|rsLoRA", e["text"])]
    reg = registry(include_entry_points=False)
    before, _ = pair_claims([Claim(id=str(i), path="a.md", text=t, origin="atomic_fact")
                             for i, t in enumerate(texts)], reg)
    swapped = [lora.sub("VeRA", t) for t in texts]
    after, _ = pair_claims([Claim(id=str(i), path="a.md", text=t, origin="atomic_fact")
                            for i, t in enumerate(swapped)], reg)
    paired_before = sum(p.verifier is not None for p in before)
    assert paired_before >= 75  # the sentences are checkable as LoRA's
    lora_family = {"lora", "qlora", "rslora", "loraplus", "dora"}
    judged = [(t, f.subject, f.verifier) for t, p in zip(swapped, after, strict=True)
              for f in p.frames if f.verifier and f.subject in lora_family]
    assert not judged, judged


def test_a_pairing_diff_judges_only_the_sentences_a_change_moved(tmp_path, capsys):
    import json

    saved = tmp_path / "pairs.json"
    assert bench.main(["--set", "corpus", "--family", "hot_swap",
                       "--save-pairs", str(saved)]) == 0
    pairs = json.loads(saved.read_text(encoding="utf-8"))
    ids = sorted(pairs["corpus"])
    assert len(ids) >= 5 and all(pairs["corpus"][i].startswith("[") for i in ids)
    pairs["corpus"][ids[0]] = "a reading of an older revision"
    del pairs["corpus"][ids[1]]
    saved.write_text(json.dumps(pairs), encoding="utf-8")
    capsys.readouterr()
    assert bench.main(["--set", "corpus", "--family", "hot_swap", "--changed-since",
                       str(saved), "--pair-only", "--show", "all"]) == 0
    out = capsys.readouterr().out
    assert "corpus: 2 sentences paired differently" in out
    shown = sorted(line.split("]")[0][3:] for line in out.splitlines()
                   if line.startswith("  ["))
    assert shown == ids[:2]
