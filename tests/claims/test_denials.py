"""Sentences that deny a whole claim ("It is not true that ..."): the verdict is inverted,
unless the verifier's own shapes already read the denial."""

from fixture_verifiers import registry as fixture_registry

from kbcheck.models import Claim, Verdict
from kbcheck.pairing import pair_claim, suggest_block
from kbcheck.pipeline import check_articles
from kbcheck.runner import RunOptions
from verifiers import registry


def _pair(text, reg):
    return pair_claim(Claim(id="x", path="a.md", text=text, origin="body"), reg)[0]


def test_a_denied_claim_pairs_with_the_claim_and_is_marked_negated():
    reg = registry()
    denied = _pair("It is not true that merging LoRA weights into the base model changes its "
                   "outputs.", reg)
    plain = _pair("Merging LoRA weights into the base model changes its outputs.", reg)
    assert (denied.verifier, denied.params) == (plain.verifier, plain.params)
    assert denied.negated and not plain.negated
    assert "denies" in denied.reason
    assert suggest_block(denied).startswith("# the sentence denies this claim")


def test_a_shape_that_reads_the_denial_itself_is_not_inverted_twice():
    denied = _pair("It is not true that LoRA freezes the base model.", registry())
    assert (denied.params["claim"], denied.negated) == ("updated", False)


def test_an_assertion_against_belief_is_not_a_denial():
    p = _pair("Contrary to popular belief, LoRA adapters can be hot-swapped without reloading "
              "the base model.", registry())
    assert p.verifier == "lora.hot_swap" and not p.negated


def test_the_pipeline_inverts_a_denied_claims_verdict(tmp_path):
    from articles import article_from_text

    text = ("---\nid: kb-d\ntitle: Denials\n---\n\n"
            "It is false that for d=k=4096 and r=16 LoRA gives a 99.6% reduction.\n\n"
            "It is not true that for d=k=4096 and r=8 LoRA gives a 99.6% reduction.\n")
    article = article_from_text(text, "kb/d.md")
    report = check_articles([article], registry=fixture_registry(),
                            options=RunOptions(cache=None, evidence_dir=tmp_path))
    got = [(r.claim.line, r.pairing.negated, r.evidence.verdict, r.verdict)
           for r in report.claims]
    # r=16 gives 99.22% (the claim is false, so its denial holds); r=8 gives 99.61%.
    assert got == [(6, True, Verdict.refuted, Verdict.supported),
                   (8, True, Verdict.supported, Verdict.refuted)]
    assert report.claims[1].explanation.startswith("The article denies a claim that holds")
    assert [f.line for f in report.findings if f.rule == "claim-refuted"] == [8]
