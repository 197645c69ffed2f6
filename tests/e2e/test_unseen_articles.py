"""End to end on four articles written for this test, one per format: every checkable claim is
extracted, paired through the real claim frames, run by the real verifiers, and gets the verdict the
facts call for (true claims supported, false ones refuted). Nothing here is a seed's wording.

The claims are picked among fast verifiers (counting, small reference layers, the QLoRA
analytic estimate, NF4 codes, LoRA+'s optimizer groups); timing verifiers and LoRA+'s training
runs are left out on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kbcheck.cache import ResultCache
from kbcheck.models import Severity
from kbcheck.pipeline import check_paths
from kbcheck.runner import RunOptions

ARTICLES = Path(__file__).parent / "articles"

# (file, words of the claim) -> (verifier, verdict). Every claim a verifier takes must be
# listed here; the rest must be unverifiable. (A flattened article's heading words run into the
# next sentence, so claims are found by their words, not by how they start.)
EXPECTED = {
    # Markdown with YAML frontmatter: atomic facts with sources, and a short body.
    ("qlora_memory_notes.md", "QLoRA keeps the frozen base model in 4-bit"):
        ("lora.qlora_storage", "supported"),
    ("qlora_memory_notes.md", "With double quantization the stored base weights"):
        ("lora.qlora_storage", "supported"),
    ("qlora_memory_notes.md", "Even with QLoRA you cannot fine-tune a 70B model"):
        ("lora.qlora_memory", "supported"),
    ("qlora_memory_notes.md", "QLoRA makes it possible to fine-tune a 70 billion"):
        ("lora.qlora_memory", "refuted"),
    ("qlora_memory_notes.md", "The NF4 data type has 16 levels"):
        ("lora.qlora_storage", "supported"),
    ("qlora_memory_notes.md", "NF4 is a symmetric code"): ("lora.qlora_storage", "refuted"),
    ("qlora_memory_notes.md", "The NF4 data type is symmetric around zero"):
        ("lora.qlora_storage", "refuted"),
    ("qlora_memory_notes.md", "QLoRA trains LoRA adapters on top of a base model"):
        ("lora.qlora_storage", "supported"),
    # Flattened one-line Markdown.
    ("lora_by_the_numbers.md", "LoRA learns a low-rank update B A next to a frozen weight"):
        ("lora.frozen_base", "supported"),
    ("lora_by_the_numbers.md", "Using rank 8 on a 1024 x 1024 weight"):
        ("lora.param_count", "supported"),
    ("lora_by_the_numbers.md", "A 4096-by-4096 projection at r = 16"):
        ("lora.param_count", "supported"),
    ("lora_by_the_numbers.md", "Rank 4 on a 768 x 768 matrix"): ("lora.param_count", "refuted"),
    ("lora_by_the_numbers.md", "With r = 8 on the query and value projections"):
        ("lora.param_count", "supported"),
    ("lora_by_the_numbers.md", "Because B starts at zero"): ("lora.ba_update", "supported"),
    # (the same outputs, said bare: exact in fp32, in bf16 only up to the merge's rounding)
    ("lora_by_the_numbers.md", "After training, the LoRA product can be merged"):
        ("lora.merge_equivalence", "conditional"),
    # MediaWiki with [[source::...]] annotations.
    ("dora_and_loraplus.wiki", "DoRA decomposes each pretrained weight"):
        ("lora.dora", "supported"),
    ("dora_and_loraplus.wiki", "In DoRA only the magnitude is trained"):
        ("lora.dora", "refuted"),
    ("dora_and_loraplus.wiki", "After training, DoRA weights can be merged"):
        ("lora.dora", "supported"),
    ("dora_and_loraplus.wiki", "Many task-specific LoRA adapters can be swapped"):
        ("lora.hot_swap", "supported"),
    # (lambda said flatly: it holds for that choice of the hyperparameter)
    ("dora_and_loraplus.wiki", "LoRA+ gives matrix B a learning rate 16 times higher"):
        ("lora.loraplus", "conditional"),
    ("dora_and_loraplus.wiki", "LoRA+ uses a larger learning rate for A than for B"):
        ("lora.loraplus", "refuted"),
    # Plain glossary text.
    ("lora_glossary.txt", "During LoRA fine-tuning the pretrained weight matrices"):
        ("lora.frozen_base", "supported"),
    ("lora_glossary.txt", "Training a LoRA adapter also updates"): ("lora.frozen_base", "refuted"),
    ("lora_glossary.txt", "A LoRA adapter for LLaMA 7B at rank 8"):
        ("lora.adapter_size", "supported"),
    ("lora_glossary.txt", "A 7B model stored in fp16"): ("lora.adapter_size", "supported"),
    ("lora_glossary.txt", "Switching between LoRA adapters requires reloading"):
        ("lora.hot_swap", "refuted"),
    ("lora_glossary.txt", "The LoRA update BA has rank at most r"):
        ("lora.ba_update", "supported"),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    # An empty evidence folder: GPU verifiers answer with their CPU estimate, not a recording.
    options = RunOptions(cache=ResultCache(tmp / "cache"), evidence_dir=tmp / "evidence")
    return check_paths([str(ARTICLES)], options=options)


def _expected(claim):
    """The EXPECTED key that names this claim, or None."""
    name = Path(claim.path).name
    hits = [key for key in EXPECTED if key[0] == name and key[1] in claim.text]
    assert len(hits) <= 1, claim.text
    return hits[0] if hits else None


@pytest.mark.slow
def test_every_article_loads_in_its_format_without_error_findings(report):
    formats = {Path(a.path).name: a.format for a in report.articles}
    assert formats == {"qlora_memory_notes.md": "frontmatter-markdown", "lora_by_the_numbers.md":
                       "flat-markdown", "dora_and_loraplus.wiki": "mediawiki",
                       "lora_glossary.txt": "glossary"}
    errors = [f for f in report.findings
              if f.severity == Severity.error and f.rule != "claim-refuted"]
    assert errors == []


@pytest.mark.slow
def test_every_checkable_claim_gets_the_verdict_the_facts_call_for(report):
    seen = []
    for r in report.claims:
        key = _expected(r.claim)
        if key is None:
            assert r.pairing.verifier is None and r.verdict.value == "unverifiable", (
                r.claim.text, r.pairing.reason)
            continue
        seen.append(key)
        verifier, verdict = EXPECTED[key]
        # a sentence may state several things: the expected verifier checks one of its frames
        paired = {f.verifier for f in r.pairing.frames} | {r.pairing.verifier}
        assert verifier in paired and r.verdict.value == verdict, (r.claim.text, r.explanation)
    assert sorted(seen) == sorted(EXPECTED)  # each listed claim was found, once


@pytest.mark.slow
def test_refuted_claims_are_error_findings_at_their_lines(report):
    refuted = {(r.claim.path, r.claim.line) for r in report.claims if r.verdict.value == "refuted"}
    found = {(f.path, f.line) for f in report.findings if f.rule == "claim-refuted"}
    assert refuted and refuted == found
