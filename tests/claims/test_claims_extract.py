"""Claims extraction: atomic facts, checkable body sentences and LoRA pseudo-code, per format."""

from pathlib import Path

from articles import article_from_text, seed

from kbcheck.claims import describe_lora_code, extract_claims
from kbcheck.markup import body_blocks
from kbcheck.models import Article, AtomicFact, VerifySpec


def _texts(article):
    return {c.text: c for c in extract_claims(article)}


def test_seed_003_parameter_reduction_and_pseudo_code_are_claims_with_lines():
    claims = _texts(seed(3))
    reduction = claims["For d=k=4096, r=16: 99.6% reduction"]
    assert reduction.line == 42 and reduction.origin == "body"
    code = [c for c in claims.values() if c.origin == "code"]
    assert len(code) == 1 and code[0].line == 46
    assert "A is initialised with random values (randn)" in code[0].text
    assert "B is initialised to zeros (zeros)" in code[0].text
    assert "forward pass equals the base model's" in code[0].text
    # The infobox (sources, domains, a date) is not a claim.
    assert not any("2025-12-12" in t or "Fine_Tuning" in t for t in claims)


def test_seed_002_flattened_markdown_yields_table_and_list_claims_on_line_1():
    claims = _texts(seed(2))
    assert all(c.line == 1 for c in claims.values())
    joined = " | ".join(claims)
    assert "enabling 65B fine-tuning on a single 48GB GPU" in joined
    assert "LoRA weights can be merged into the base model" in joined
    assert "13,547 GitHub stars" in joined  # a claim, so that the report says why it is unchecked
    assert not any(t.startswith(("##", "|", "```")) for t in claims)
    assert len({c.id for c in claims.values()}) == len(claims)  # ids unique on one line


def test_atomic_facts_are_claims_and_keep_their_pinned_block():
    a = seed(1)
    pinned = VerifySpec(verifier="t.reduction", params={"r": 8})
    a.atomic_facts[1] = AtomicFact(id="af-x", statement=a.atomic_facts[1].statement, verify=pinned)
    facts = [c for c in extract_claims(a) if c.origin == "atomic_fact"]
    assert [c.fact_id for c in facts] == ["af-lora-1", "af-x", "af-lora-3", "af-lora-4"]
    assert facts[1].pinned == pinned and facts[0].line == 17


def test_questions_headings_links_and_dates_are_not_claims():
    claims = _texts(seed(1)) | _texts(seed(4))
    assert not any(t.endswith("?") for t in claims)
    starts = ("Last updated", "Further Reading", "LoRA: Low-Rank")
    assert not any(t.startswith(starts) for t in claims)


MARKDOWN = """---
id: x
---

# Title

Adapters add a small bottleneck. With rank 4, the adapter trains 2% of the weights.

| Method | Memory |
| --- | --- |
| QLoRA | fits a 33B model in 24 GB |

- **Merging**: the update can be folded into W after training.
- Is it good?

```python
class Adapter(nn.Module):
    def __init__(self, d, r):
        self.lora_A = nn.Linear(d, r)
        self.lora_B = nn.Linear(r, d)
        nn.init.zeros_(self.lora_B.weight)

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x))
```
"""

MEDIAWIKI = """{{Infobox method | name = LoRA | year = 2021}}
== Method ==
'''LoRA''' trains [[Low-rank matrix|low-rank]] factors.<ref>Hu et al.</ref> It reduces optimizer
memory by 3x for GPT-3 175B.

{| class="wikitable"
! Model !! Params
|-
| GPT-3 || trainable parameters drop 10,000 times
|}

The number of parameters is <math>r \\times (d + k)</math> instead of <math>d \\times k</math>.
<syntaxhighlight lang="python">
W = load()  # base
def forward(x):
    return W @ x
</syntaxhighlight>
"""

GLOSSARY = """Glossary

DoRA

Weight-decomposed adaptation splits each weight into a magnitude and a direction,
which improves accuracy over LoRA at the same rank.

Updated: 2026-01-01
"""


def test_frontmatter_markdown_of_our_own():
    a = article_from_text(MARKDOWN, "own.md")
    claims = extract_claims(a)
    by_text = {c.text: c for c in claims}
    assert by_text["With rank 4, the adapter trains 2% of the weights."].line == 7
    assert by_text["QLoRA: fits a 33B model in 24 GB"].line == 11
    assert by_text["Merging: the update can be folded into W after training."].line == 13
    assert "Adapters add a small bottleneck." not in by_text
    code = [c for c in claims if c.origin == "code"]
    assert len(code) == 1 and code[0].line == 17
    assert "B is initialised to zeros (zeros) (lora_B)" in code[0].text


def test_mediawiki_of_our_own_strips_templates_refs_tables_and_math():
    a = article_from_text(MEDIAWIKI, "own.wiki", "mediawiki")
    texts = {c.text: c.line for c in extract_claims(a)}
    assert texts["It reduces optimizer memory by 3x for GPT-3 175B."] == 3
    assert "GPT-3: trainable parameters drop 10,000 times" in " ".join(texts) or \
        any("drop 10,000 times" in t for t in texts)
    prose = " ".join(b.text for b in body_blocks(a) if b.kind == "text")
    assert "r x (d + k) instead of d x k" in prose and "<math>" not in prose
    assert not any("{{" in t or "<ref>" in t or "[[" in t for t in texts)
    assert not any(c.origin == "code" for c in extract_claims(a))  # no LoRA layer in that code


def test_glossary_of_our_own_joins_wrapped_lines():
    claims = extract_claims(article_from_text(GLOSSARY, "own.txt", "glossary"))
    assert [(c.text, c.line) for c in claims] == [(
        "Weight-decomposed adaptation splits each weight into a magnitude and a direction, "
        "which improves accuracy over LoRA at the same rank.", 5)]


def test_code_is_read_not_run(tmp_path):
    marker = tmp_path / "ran"
    code = (f"open({str(marker)!r}, 'w').write('x')\nself.A = torch.randn(r, k)\n"
            "self.B = torch.randn(d, r)\ndef forward(x):\n    return W @ x + B @ (A @ x)\n")
    text = describe_lora_code(code)
    assert text is not None and "B is initialised with random values (randn)" in text
    body = f"== Code ==\n<syntaxhighlight lang=\"python\">\n{code}</syntaxhighlight>\n"
    extract_claims(Article(path="x.wiki", format="mediawiki", body=body))
    assert not marker.exists()




def test_a_section_heading_names_the_method_its_sentences_are_about():
    """Sentences that name no method are about the method of the heading above them (else the
    title's): under '## LoRA+', 'B trains 16x faster than A' is LoRA+'s claim."""
    from kbcheck.loaders import load_text
    from kbcheck.pairing import pair_claims
    from kbcheck.pipeline import default_subjects
    from verifiers import registry

    md = ("---\nid: sec-md\ntitle: Adapter methods side by side\n---\n# Overview\n\n"
          "## LoRA+\n\nHere the B factor gets a step size sixteen times larger than A's.\n\n"
          "## Notes on DoRA\n\nIts magnitude vector is trained separately from the direction.\n")
    wiki = ("'''Adapter methods''' compared.[[last_updated::2026-10-01]]\n\n"
            "== QLoRA ==\nThe frozen base sits in 4-bit NF4 while the adapters train in bf16.\n")
    for text, name, sections in ((md, "a.md", ["LoRA+", "Notes on DoRA"]),
                                 (wiki, "b.wiki", ["QLoRA"])):
        article = load_text(text, name).article
        claims = extract_claims(article)
        assert [c.section for c in claims] == sections, [c.text for c in claims]
        pairings, _ = pair_claims(claims, registry(include_entry_points=False),
                                  default_subjects([article]))
        subjects = [p.frames[0].subject if p.frames else None for p in pairings]
        assert subjects == [{"LoRA+": "loraplus", "Notes on DoRA": "dora",
                             "QLoRA": "qlora"}[s] for s in sections]


def test_a_full_stop_before_a_line_break_or_a_lower_case_name_ends_a_sentence():
    from kbcheck.markup import Block, sentences

    text = ("Raising r at a fixed alpha shrinks the scale.\nso the next line starts a sentence "
            "too. rsLoRA divides by the square root instead. vLLM can serve it.")
    assert [t for t, _ in sentences(Block(text, 1))] == [
        "Raising r at a fixed alpha shrinks the scale.",
        "so the next line starts a sentence too.",
        "rsLoRA divides by the square root instead.", "vLLM can serve it."]


def test_a_settings_table_with_a_default_column_states_the_bitsandbytes_default():
    from kbcheck.claims.recognise import recognise
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    text = ("# Settings table\n\n| Setting | Default | What it means |\n| --- | --- | --- |\n"
            "| bnb_4bit_quant_type | \"nf4\" | 4-bit NormalFloat for the frozen base |\n")
    claims = _texts(article_from_text(text, "kb/settings.md"))
    row = next(t for t in claims if t.startswith("bnb_4bit_quant_type"))
    frame = next(f for f in recognise(row).frames if f.predicate == "bnb_default_type")
    assert frame.has("t_nf4") and frame.polarity
    pairing, _ = pair_claim(claims[row], registry())
    assert pairing.verifier == "lora.bnb_defaults"
    # the same row in a held-out cheat sheet, read from its cells under the section's name:
    # the default is kept beside the row's 4-bit figure (it was dropped as the context's words)
    path = Path(__file__).resolve().parents[1] / "e2e" / "heldout64" / "h64_03_cheat_sheet.md"
    claims = _texts(article_from_text(path.read_text(encoding="utf-8"), "kb/cheat.md"))
    row = next(t for t in claims if t.startswith("bnb_4bit_quant_type"))
    pairing, _ = pair_claim(claims[row], registry())
    assert pairing.verifier == "lora.bnb_defaults"


def test_a_block_of_label_lines_without_full_stops_is_one_claim_a_line():
    text = ("Flash cards\n\nCounting\n\n"
            "LoRA params for Llama-2-7B, r=8, q_proj and v_proj: 4,194,304\n"
            "Same setup on Llama-2-13B: 6,553,600\n"
            "rsLoRA scaling factor: lora_alpha / sqrt(r)\n"
            "bitsandbytes 4-bit default quant type: fp4\n\n"
            "Prose that wraps onto a second line\nstays one sentence: it has no label lines.\n")
    claims = _texts(article_from_text(text, "kb/cards.txt", "glossary"))
    assert "Same setup on Llama-2-13B: 6,553,600" in claims
    assert claims["rsLoRA scaling factor: lora_alpha / sqrt(r)"].line == 7
    assert "bitsandbytes 4-bit default quant type: fp4" in claims
    md = ("---\ntitle: Settings\n---\n\nRank: 16 on q_proj and v_proj of Llama-2-7B\n"
          "Trainable parameters: 8,388,608\n")
    claims = _texts(article_from_text(md, "kb/settings.md"))
    assert "Trainable parameters: 8,388,608" in claims
