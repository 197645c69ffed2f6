"""Claims extraction and pairing never fail on odd input, and every line they give is real."""

from fixture_verifiers import registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbcheck.claims import extract_claims
from kbcheck.models import Article, AtomicFact
from kbcheck.pairing import pair_claims

PIECES = st.sampled_from([
    "LoRA reduces memory by 3x. ", "r=16, d=k=4096: 99.6% reduction", "\n", "\n\n", "## H ",
    "| a | b |", "| --- |", "{|", "|}", "|-", "! x", "[[a|b]]", "{{t|", "}}", "<ref>", "```",
    "<syntaxhighlight lang=\"python\">", "</syntaxhighlight>", "self.B = torch.zeros(d, r)",
    "def forward(x): return W @ x + B @ (A @ x)", "\\(", "\\)", "\\[", "<math>", "* ", "- ",
    "'''", "as of 2026 ", "e.g. ", "no latency ", "?", "\u00d7", "\u0394W", " ", "\t",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=40).map("".join),
       fmt=st.sampled_from(["frontmatter-markdown", "flat-markdown", "mediawiki", "glossary"]),
       first=st.integers(min_value=1, max_value=50))
def test_any_body_gives_claims_on_lines_of_the_file(body, fmt, first):
    article = Article(path="x", format=fmt, body=body, body_line=first,
                      atomic_facts=[AtomicFact(id="f", statement="LoRA cuts memory by 3x."),
                                    AtomicFact(id="f", statement="No extra latency.")])
    claims = extract_claims(article)
    assert len({c.id for c in claims}) == len(claims)
    last = first + body.count("\n")
    for c in claims:
        assert c.text.strip()
        if c.origin != "atomic_fact":
            assert first <= c.line <= last
    pairings, _ = pair_claims(claims, registry())
    assert len(pairings) == len(claims)
