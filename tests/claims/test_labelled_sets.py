"""The labelled held-out sets stay usable as measurements: every sentence file and every
article folder loads, its verdicts are the four a label may take, and every article label's words
stand in that order in its file, as written or as kbcheck reads the markup (a label that no
longer occurs would silently count as a miss in `bench/articles.py`). Matching a label to a
report's claim: containment wins over word overlap, and a label sharing under half its words
is unmatched.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# (appended: tests/articles.py keeps the name `articles` that bench/articles.py also has)
sys.path.append(str(ROOT / "bench"))

import pairing as sentence_bench  # noqa: E402

# bench/articles.py by its path: tests/articles.py holds the name `articles`
_spec = importlib.util.spec_from_file_location("bench_articles", ROOT / "bench" / "articles.py")
article_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(article_bench)

LABELS = ("supported", "refuted", "conditional", "unverifiable")


def test_sentence_sets_load_with_labels():
    rows = sentence_bench.load_heldout()
    assert len({r["part"] for r in rows}) >= 28
    assert all(r["verdict"] in LABELS and r["text"] for r in rows)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("folder", article_bench.folders(), ids=lambda p: p.name)
def test_article_labels_are_sentences_of_their_files(folder):
    from kbcheck.markup import inline_markdown, inline_wiki

    labels = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    assert labels
    for name, items in labels.items():
        raw = (folder / name).read_text(encoding="utf-8")
        texts = (_words(raw), _words(inline_markdown(raw)), _words(inline_wiki(raw)))
        for item in items:
            assert item["verdict"] in LABELS, (name, item)
            label = str(item["text"])
            readings = (_words(label), _words(inline_markdown(label)))
            assert any(w in text for text in texts for w in readings), (name, label)


def _words(text: str) -> str:
    """The text's words in order, markup (emphasis, code ticks, table bars) left out."""
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def _claim(text: str, verdict: str) -> dict:
    return {"claim": {"text": text, "path": "a.md"}, "verdict": verdict,
            "pairing": {"verifier": "v"}, "explanation": ""}


def test_a_label_matches_the_claim_that_holds_it():
    claims = [_claim("LoRA freezes the base weights.", "supported"),
              _claim("LoRA freezes the base weights and trains two small matrices.", "conditional")]
    hit = article_bench.match("LoRA freezes the base weights and trains two small matrices.",
                              claims)
    assert hit is claims[1]
    hit = article_bench.match("Note: LoRA freezes the base weights.", claims)
    assert hit is claims[0]


def test_a_label_sharing_few_words_is_unmatched():
    claims = [_claim("QLoRA stores the base model in NF4.", "supported")]
    assert article_bench.match("QLoRA pages optimizer states to CPU memory.", claims) is None


def test_a_refutation_inside_a_label_is_counted_apart():
    label = "Myth: merging a LoRA adapter always costs accuracy. Outputs differ by 5%."
    claims = [_claim("Myth: merging a LoRA adapter always costs accuracy.", "unverifiable"),
              _claim("Outputs differ by 5%.", "refuted")]
    hit = article_bench.match(label, claims)
    assert hit is claims[0]
    inside = article_bench._refuted_inside(label, claims, hit)
    assert inside == ["Outputs differ by 5%."]
    rows = [{"verdict": "supported", "got": "unverifiable", "inside": inside}]
    line = article_bench.summary("set", rows)
    assert "0 wrong refuted (+1 more refuted inside labels)" in line
    # a label that is itself refuted hides nothing, and the matched claim is never counted twice
    rows[0]["verdict"] = "refuted"
    assert "inside labels" not in article_bench.summary("set", rows)
    assert article_bench._refuted_inside(label, claims, claims[1]) == []
    # a claim read with its entry's name before it lies inside its label too
    entry = "lora_dropout: the adapter's dropout. Default 0.1."
    named = [_claim("lora_dropout: the adapter's dropout.", "unverifiable"),
             _claim("lora_dropout: Default 0.1.", "refuted")]
    assert article_bench._refuted_inside(entry, named, named[0]) == ["lora_dropout: Default 0.1."]
