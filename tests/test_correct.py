"""The corrected sentence of a refuted numeric claim (kbcheck/correct.py)."""

import pytest

from kbcheck.correct import apply, correct_figure, correction, locate
from kbcheck.models import Claim, ClaimResult, Figure, FramePairing, Pairing, Verdict

LORA = ("LoRA with r=16 on q_proj and v_proj of LLaMA-7B trains 99.6% fewer parameters than "
        "full fine-tuning")


def _result(text: str, figure: Figure | None, verdict: Verdict = Verdict.refuted,
            negated: bool = False) -> ClaimResult:
    claim = Claim(id="a.md:3", path="a.md", line=3, text=text, origin="body")
    pairing = Pairing(claim_id=claim.id, verifier="param_count", reason="paired",
                      negated=negated, frames=[FramePairing(subject="lora",
                                                            predicate="reduces_params")])
    return ClaimResult(claim=claim, pairing=pairing, verdict=verdict, explanation="",
                       figure=figure)


@pytest.mark.parametrize(
    ("text", "figure", "sentence"),
    [
        (LORA, Figure(stated=99.6, measured=99.21875, unit="%"),
         LORA.replace("99.6%", "99.2%")),
        ("The adapter has 4.2 million parameters.", Figure(stated=4_200_000, measured=4_718_592),
         "The adapter has 4.7 million parameters."),
        ("It trains 262,144 parameters.", Figure(stated=262144, measured=131072),
         "It trains 131,072 parameters."),
        ("It trains 262144 parameters.", Figure(stated=262144, measured=131072.0),
         "It trains 131072 parameters."),
        # a model's size is a name, not the stated count
        ("Tuning Llama 70B updates all 70 billion parameters.",
         Figure(stated=7e10, measured=68_976_648_192),
         "Tuning Llama 70B updates all 69 billion parameters."),
        # the stated precision would write 7 again: one more digit says what was measured
        ("LLaMA-7B has 7B parameters.", Figure(stated=7e9, measured=6_738_415_616),
         "LLaMA-7B has 6.7B parameters."),
        ("It needs about 48 GB.", Figure(stated="about 48", measured=41.3, unit="GB"),
         "It needs about 41 GB."),
        ("It needs 48 GB.", Figure(stated=48, measured=41.3, unit="GB"), "It needs 41 GB."),
    ],
)
def test_the_measured_number_replaces_the_stated_one_in_its_precision(text, figure, sentence):
    fix = correction(text, _result(text, figure))
    assert fix is not None and fix.sentence == sentence
    assert text[fix.start:fix.end] == fix.old


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("It is up to 10,000x smaller.", Figure(stated="up to 10000", measured=5000, unit="x")),
        ("It is 5-50 MB.", Figure(stated="5-50", measured=3, unit="MB")),
        ("16 of them, 16 parameters each.", Figure(stated=16, measured=8)),  # which 16?
        ("It trains sixteen parameters.", Figure(stated=16, measured=8)),  # not written as digits
        ("It needs 48 GB.", Figure(stated=48, measured=41.3, unit="GiB")),  # another unit
        ("It trains 1e4 parameters.", Figure(stated=1e4, measured=2e4)),
        ("The ratio is 4.5.", Figure(stated=4.5, measured="4.127 or 4.5", unit="")),
    ],
)
def test_no_correction_where_the_number_is_not_found_once(text, figure):
    assert correct_figure(text, figure) is None


def test_only_a_numeric_refutation_is_corrected():
    figure = Figure(stated=99.6, measured=99.21875, unit="%")
    assert correction(LORA, _result(LORA, figure, Verdict.conditional)) is None
    assert correction(LORA, _result(LORA, figure, negated=True)) is None
    assert correction(LORA, _result(LORA, None)) is None


def test_located_in_the_file_and_applied_once():
    fix = correct_figure(LORA, Figure(stated=99.6, measured=99.21875, unit="%"))
    source = f"---\natomic_facts:\n  - id: f1\n    statement: '{LORA}'\n---\n99.65% of\n"
    at = locate(source, LORA, fix, line=4)
    fixed = apply(source, [(at, fix)])
    assert fixed == source.replace("99.6%", "99.2%", 1) and "99.65%" in fixed
    assert locate(fixed, LORA, fix, line=4) is None  # the stated number is gone
    # the same sentence twice in the region: which one is meant is not known
    assert locate(f"{LORA}\n{LORA}\n", LORA, fix) is None
