"""JUnit: case names that survive edits of the article, and the time of cached measurements."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from kbcheck.claims.extract import extract_claims
from kbcheck.loaders import load_text
from kbcheck.models import (
    ArticleInfo,
    ClaimResult,
    Evidence,
    FrameResult,
    Pairing,
    Report,
    Verdict,
)
from kbcheck.report.junit import render_junit

SEED = Path(__file__).resolve().parents[2] / "kb" / "000_5f82a71351628161.txt"
FACT = "LoRA freezes pretrained model weights and injects trainable low-rank matrices into layers."


def _evidence(seconds: float, cached: bool = False, **params) -> Evidence:
    return Evidence(verifier="lora.frozen_base", version=1, params=params or {"d": 64},
                    verdict=Verdict.supported, explanation="Base bit-identical.",
                    environment={"device": "cpu", "device_name": "x86_64"},
                    duration_s=seconds, cached=cached)


def _junit(text: str, path: str = "kb/lora.md", ev: Evidence | None = None) -> ET.Element:
    """The JUnit of `text` read as an article, each claim supported by `ev`."""
    loaded = load_text(text, path)
    assert loaded.article is not None
    results = [ClaimResult(claim=c, pairing=Pairing(claim_id=c.id, reason="matched"),
                           verdict=Verdict.supported, explanation="holds",
                           evidence=ev or _evidence(0.5))
               for c in extract_claims(loaded.article)]
    report = Report(kbcheck_version="0.1.0", generated_at="2026-11-23T00:00:00+00:00",
                    articles=[ArticleInfo(path=path)], claims=results)
    return ET.fromstring(render_junit(report))


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {c.get("name"): c for c in root.iter("testcase") if c.get("name") != "metadata"}


def test_rewording_a_fact_keeps_its_case_name_and_moving_lines_keeps_every_name():
    seed = SEED.read_text(encoding="utf-8")
    before = _cases(_junit(seed))
    assert "fact-lora-1" in before and FACT in before["fact-lora-1"].find("system-out").text
    reworded = seed.replace(FACT, "LoRA keeps the pretrained weights frozen and adds trainable "
                                  "low-rank matrices to each layer.")
    assert reworded != seed
    after = _cases(_junit(reworded))
    assert after["fact-lora-1"].get("line") == before["fact-lora-1"].get("line")
    assert "keeps the pretrained weights frozen" in after["fact-lora-1"].find("system-out").text
    # Lines added above every claim change their lines, never their names.
    moved = seed.replace("atomic_facts:\n", "known_gaps:\n  - one\n  - two\natomic_facts:\n", 1)
    shifted = _cases(_junit(moved))
    assert set(shifted) == set(before)
    assert all(int(shifted[n].get("line")) == int(before[n].get("line")) + 3 for n in before)


def test_names_are_unique_and_body_sentences_are_named_by_their_words_and_hash():
    names = list(_cases(_junit(SEED.read_text(encoding="utf-8"))))
    assert len(names) == len(set(names))
    body = [n for n in names if not n.startswith("fact-")]
    assert body and all(n.endswith("]") and len(n.rsplit("[", 1)[1]) == 11 for n in body)


def test_a_cached_result_reports_the_time_it_was_measured_in():
    root = _junit("# LoRA\n\nLoRA freezes the base weights.\n", ev=_evidence(1.25, cached=True))
    (case,) = _cases(root).values()
    assert case.get("time") == "1.250"
    assert "cached result, measured on x86_64 in 1.25s" in case.find("system-out").text
    assert root.find("testsuite").get("time") == "1.250"


def test_a_claim_of_several_frames_counts_each_measurement_once():
    text = "# LoRA\n\nLoRA freezes the base weights.\n"
    loaded = load_text(text, "kb/lora.md")
    assert loaded.article is not None
    (claim,) = extract_claims(loaded.article)
    a, b = _evidence(1.0, cached=True), _evidence(0.25, d=128)
    frames = [FrameResult(index=i, verdict=Verdict.supported, explanation="holds", evidence=ev)
              for i, ev in enumerate((a, b, a))]
    result = ClaimResult(claim=claim, pairing=Pairing(claim_id=claim.id, reason="matched"),
                         verdict=Verdict.supported, explanation="holds", evidence=a,
                         frames=frames)
    report = Report(kbcheck_version="0.1.0", generated_at="2026-11-23T00:00:00+00:00",
                    articles=[ArticleInfo(path="kb/lora.md")], claims=[result])
    (case,) = _cases(ET.fromstring(render_junit(report))).values()
    assert case.get("time") == "1.250"
