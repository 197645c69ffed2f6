"""What makes claim reading fast must never change what is read: anchors are a necessary
condition of every trigger's match, and pairing over several processes equals pairing in one."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kbcheck.claims.anchors import anchors
from kbcheck.claims.normalise import normalise
from kbcheck.claims.recognise import triggers
from verifiers import registry

CORPUS = Path(__file__).parent / "corpus"


def _sentences() -> list[str]:
    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        out += [e["text"] for e in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    return out


def test_every_trigger_match_contains_one_of_its_anchors():
    texts = [normalise(s) for s in _sentences()]
    checked = 0
    for t in triggers():
        if t.anchors is None:
            continue
        for text in texts:
            m = t.pattern.search(text)
            if m:
                checked += 1
                assert any(a in text.lower() for a in t.anchors), (t.pattern.pattern, text)
    assert checked > 100


def test_anchor_derivation():
    assert anchors(r"\b(?:freez\w*|frozen)\b") == ("freez", "frozen")
    assert anchors(r"(?:Delta\s*W|the update)\s*=") == ("delta", "the update")
    assert anchors(r"\b(?:inference)?\s*latency") is None  # an optional start: no anchor
    assert anchors(r"[") is None  # not a pattern: always searched


_WORDS = st.sampled_from(["LoRA", "frozen", "the", "base", "weights", "B", "A", "zero", "rank",
                          "merged", "latency", "4-bit", "NF4", "16x", "learning", "rate", "not",
                          "only", "trained", "adapters", "GPU", "48GB", "65B", "alpha/r", "r=8"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=14))
def test_anchors_hold_on_generated_sentences(words):
    text = normalise(" ".join(words))
    low = text.lower()
    for t in triggers():
        if t.anchors is not None and t.pattern.search(text):
            assert any(a in low for a in t.anchors), (t.pattern.pattern, text)


def test_reading_in_processes_equals_reading_in_one():
    from kbcheck.loaders import load_text
    from kbcheck.pipeline import PARALLEL_FROM, claims_and_pairings

    texts = _sentences()
    articles = []
    for i in range(PARALLEL_FROM + 10):
        title = "QLoRA notes" if i % 3 == 0 else "LoRA notes"
        said = [json.dumps(texts[(i * 7 + j) % len(texts)]) for j in range(4)]
        facts = "".join(f"  - id: f{j}\n    statement: {s}\n" for j, s in enumerate(said))
        doc = f"---\nid: a{i}\ntitle: {title}\natomic_facts:\n{facts}---\nbody\n"
        articles.append(load_text(doc, f"a{i}.md").article)
    reg = registry()
    serial = claims_and_pairings(articles, reg, [], parallel=False)
    parallel = claims_and_pairings(articles, reg, [])
    assert len(serial[0]) == 4 * len(articles)
    assert [p.model_dump() for p in parallel[1]] == [p.model_dump() for p in serial[1]]
