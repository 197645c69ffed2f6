"""What a sentence leaves to its surroundings: a table row's column names and its table's
heading, the model named before it, the method its paragraph is about, a glossary term before
its definition. Articles are written to files and run through the real loaders, pairing and
(cheap) verifiers."""

from __future__ import annotations

import pytest

from kbcheck.cache import ResultCache
from kbcheck.claims.extract import extract_claims, with_terms
from kbcheck.claims.normalise import normalise
from kbcheck.claims.recognise import recognise
from kbcheck.claims.rows import row_context, row_segments
from kbcheck.loaders import load_text
from kbcheck.markup import Block, sentences
from kbcheck.pipeline import check_paths
from kbcheck.runner import RunOptions


def _verdicts(tmp_path, name: str, text: str) -> dict[str, tuple[str | None, str]]:
    """claim text -> (verifier, verdict) of one article run end to end."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / name).write_text(text)
    options = RunOptions(cache=ResultCache(tmp_path / "cache"), evidence_dir=tmp_path / "ev")
    report = check_paths([str(folder)], options=options)
    return {r.claim.text: (r.pairing.verifier, r.verdict.value) for r in report.claims}


# --- table rows ------------------------------------------------------------------------------

def test_a_row_states_one_thing_per_cell_with_the_first_cell_and_the_heading():
    cells = ("Mistral-7B", "r=4 7.1M", "r=32 56.6M", "Mergeable yes")
    assert row_segments(cells, "LoRA parameters by rank") == [
        "Mistral-7B: r=4 7.1M; Mergeable (LoRA parameters by rank)",
        "Mistral-7B: r=32 56.6M; Mergeable (LoRA parameters by rank)"]


def test_a_width_beside_sizes_qualifies_them_and_is_no_figure_of_its_own():
    assert row_segments(("Llama-2-13B", "Precision 16-bit", "Weights 26.0 GB",
                         "Weights 24.2 GiB"), "") == [
        "Llama-2-13B: Weights 26.0 GB; Precision 16-bit",
        "Llama-2-13B: Weights 24.2 GiB; Precision 16-bit"]
    # widths alone stay the row's figures
    assert row_segments(("QLoRA", "Base 4-bit", "Adapters 16-bit"), "") == [
        "QLoRA: Base 4-bit", "QLoRA: Adapters 16-bit"]


def test_yes_no_cells_become_words_and_a_bare_size_a_model():
    assert row_segments(("7B", "Card 12 GB", "Trains? no"), "") == [
        "a 7B model: Card 12 GB; not Trains"]
    assert row_segments(("30B", "Card 48 GB", "Works ✅"), "") == [
        "a 30B model: Card 48 GB; Works"]
    # a dash, like "not reported", says nothing (it is not "no") and qualifies no figure
    assert row_segments(("LoRA", "Merge —"), "") == ["LoRA"]
    assert row_segments(("Checkpoint (GPT-3)", "Full 350 GB", "LoRA 35 MB", "QLoRA n/a"), "") == [
        "Checkpoint (GPT-3): Full 350 GB", "Checkpoint (GPT-3): LoRA 35 MB"]


def test_a_heading_with_a_year_or_a_long_one_is_not_a_rows_context():
    assert row_context("", "Results (2024)") == ""
    assert row_context("", "x " * 130) == ""
    assert row_context("All projections adapted:", "Trainable parameters") == \
        "Trainable parameters; All projections adapted"


@pytest.mark.slow
def test_a_markdown_table_is_judged_cell_by_cell_under_its_heading(tmp_path):
    """Numbers from PEFT's count r*(d_in+d_out) on Mistral-7B's shapes (32 blocks, 4096
    wide, k and v 1024 wide, MLP 14336): q,k,v,o,gate,up,down at r=8 is 20,971,520 and at
    r=64 167,772,160; bf16 weights 2 bytes per parameter of 7,241,732,096."""
    text = ("---\nid: tbl\ntitle: Sizing notes\n---\n"
            "## LoRA trainable parameters on all linear layers\n\n"
            "| Model | r=8 | r=64 |\n| --- | --- | --- |\n"
            "| Mistral-7B | 21.0M | 167.8M |\n| Llama-3-8B | 21.0M | 99.0M |\n\n"
            "## Weights alone\n\n"
            "| Model | bf16 weights | 4-bit weights |\n| --- | --- | --- |\n"
            "| Mistral-7B | 14.5 GB | ~7.2 GB |\n")
    got = _verdicts(tmp_path, "sizing.md", text)
    assert got["Mistral-7B: r=8 21.0M; r=64 167.8M"] == ("lora.param_count", "supported")
    assert got["Llama-3-8B: r=8 21.0M; r=64 99.0M"] == ("lora.param_count", "refuted")
    # 7.24B parameters at half a byte is 3.6 GB, to 4.3 GB as NF4 stores them: not 7.2 GB
    assert got["Mistral-7B: bf16 weights 14.5 GB; 4-bit weights ~7.2 GB"][1] == "refuted"


def test_columns_named_by_dtype_alone_under_a_caption_about_widths(tmp_path):
    """Columns named only 'bf16' / 'NF4', and a caption whose own words ('NF4 taken as half a
    byte per parameter') would read as a 4-bit claim: each cell is the model's size in its
    column's dtype. Llama-2-13B: 13.02B parameters, 26.0 GB in bf16, 6.5 GB at half a byte."""
    text = ("---\nid: widths\ntitle: Weight sizes\n---\n"
            "Table: weight memory by precision (NF4 taken as half a byte per parameter)\n\n"
            "| Model | bf16 | NF4 |\n| --- | --- | --- |\n"
            "| Llama-2-13B | 26 GB | 6.5 GB |\n| Llama-2-7B | 13.5 GB | 2.5 GB |\n")
    got = _verdicts(tmp_path, "widths.md", text)
    assert got["Llama-2-13B: bf16 26 GB; NF4 6.5 GB"] == ("lora.adapter_size", "supported")
    # 6.74B at half a byte is 3.4 GB: 2.5 GB is too small
    assert got["Llama-2-7B: bf16 13.5 GB; NF4 2.5 GB"] == ("lora.adapter_size", "refuted")


@pytest.mark.slow
def test_a_fit_table_under_a_qlora_heading_reads_yes_and_no(tmp_path):
    """QLoRA fits a 7B model in 12 GB and a 65B model in 48 GB (the QLoRA paper; the analytic
    estimate), and not a 65B model in 24 GB (its 4-bit weights alone are 32 GiB)."""
    text = ("---\nid: fit\ntitle: Hardware\n---\n## Does QLoRA fit?\n\n"
            "| Model size | GPU | Fits? |\n| --- | --- | --- |\n"
            "| 7B | 12 GB | yes |\n| 65B | 24 GB | no |\n| 65B | 24 GB | yes |\n")
    got = _verdicts(tmp_path, "fit.md", text)
    assert got["7B: GPU 12 GB; Fits? yes"] == ("lora.qlora_memory", "supported")
    assert got["65B: GPU 24 GB; Fits? no"] == ("lora.qlora_memory", "supported")
    assert got["65B: GPU 24 GB; Fits? yes"] == ("lora.qlora_memory", "refuted")


# --- the model named before ------------------------------------------------------------------

@pytest.mark.slow
def test_a_count_without_a_model_is_judged_on_the_one_named_before_it(tmp_path):
    """Qwen2.5-7B (28 blocks, 3584 wide, k and v 512 wide, MLP 18944): r=16 on all seven
    projections is 40,370,176 parameters. A wrong count for the model read from context is
    not refuted: the sentence did not name the model."""
    text = ("---\nid: card\ntitle: A support adapter for Qwen2.5-7B\n---\n"
            "## Training details\n\n"
            "Rank 16 on all seven linear projections of every layer gives 40.4M trainable "
            "parameters.\n\n"
            "Rank 16 on all seven linear projections of every layer gives 55M trainable "
            "parameters, we think.\n\n"
            "LoRA cuts the trainable parameters of GPT-3 by a factor of 10,000.\n")
    got = _verdicts(tmp_path, "card.md", text)
    right, wrong, general = got.values()
    assert right == ("lora.param_count", "supported")
    assert wrong == ("lora.param_count", "unverifiable")


def test_the_weights_point_back_to_the_model_named_before(tmp_path):
    """Mistral-7B (7.24B parameters) in 4-bit is 3.62 GB: "the weights" of a later sentence
    are that model's, which may support a size and never refutes one."""
    text = ("---\nid: notes\ntitle: Fitting a 7B model on a T4\n---\n"
            "Mistral-7B has about 7.24 billion parameters.\n\n"
            "Loaded in 4-bit the weights drop to about 3.6 GB.\n\n"
            "Loaded in 4-bit the weights drop to about 7 GB.\n")
    got = _verdicts(tmp_path, "notes.md", text)
    assert got["Loaded in 4-bit the weights drop to about 3.6 GB."] == ("lora.adapter_size",
                                                                        "supported")
    assert got["Loaded in 4-bit the weights drop to about 7 GB."] == ("lora.adapter_size",
                                                                      "unverifiable")


def test_the_context_model_is_the_last_one_named_in_the_section_and_not_a_tables():
    text = ("---\nid: ctx\ntitle: Notes on Llama-3-8B\n---\n"
            "We first tried Mistral-7B with LoRA at rank 8 on q and v.\n\n"
            "| Model | Size |\n| --- | --- |\n| Gemma-7B | 8.5B |\n\n"
            "At rank 8 that adapter trained 3.4M parameters.\n\n"
            "## Second run\n\nAt rank 8 on q and v it trained 3.4M parameters.\n")
    claims = extract_claims(load_text(text, "ctx.md").article)
    context = {c.text: c.context_model for c in claims}
    assert context["At rank 8 that adapter trained 3.4M parameters."] == "Mistral-7B"
    assert context["At rank 8 on q and v it trained 3.4M parameters."] == "Llama-3-8B"


def test_the_one_model_an_article_has_named_carries_into_later_sections():
    text = ("---\nid: one\ntitle: Method comparison\n---\n"
            "## Scope\n\nEvery row below uses Llama 2 7B as the base. Llama-2-7B has 32 "
            "layers.\n\n## Table\n\nRank 16 on q and v trains 8,388,608 parameters.\n\n"
            "## Other\n\nMistral-7B was tried too.\n\n## Last\n\n"
            "Rank 16 on q and v trains 6.8M parameters.\n")
    context = {c.text: c.context_model
               for c in extract_claims(load_text(text, "one.md").article)}
    assert context["Rank 16 on q and v trains 8,388,608 parameters."] == "Llama-2-7B"
    # two models named before it: a later section names none of its own
    assert context["Rank 16 on q and v trains 6.8M parameters."] == ""


# --- the configuration stated before --------------------------------------------------------

def test_the_rank_and_modules_stated_last_are_each_claims_context():
    text = ("---\nid: cfg\ntitle: A Mistral-7B adapter\n---\n"
            "We used r = 32 on the query and value projections.\n\n"
            "The file came out at 27 MB.\n\n"
            "```python\nLoraConfig(r=8, target_modules=[\"q_proj\", \"k_proj\", \"v_proj\", "
            "\"o_proj\"])\n```\n\n"
            "It trains 3.4M parameters.\n\n"
            "Going from rank 8 to rank 64 makes the file eight times larger.\n\n"
            "So the file at that size takes 50 MB.\n")
    claims = extract_claims(load_text(text, "cfg.md").article)
    context = {c.text: (c.context_rank, c.context_modules) for c in claims}
    assert context["The file came out at 27 MB."] == (32, "qv")
    assert context["It trains 3.4M parameters."] == (8, "attention")  # from the code
    # two ranks named: which one a later figure is about is not known
    assert context["So the file at that size takes 50 MB."] == (0, "attention")


def test_only_a_verifier_that_reads_a_configuration_is_given_the_one_stated_before():
    from kbcheck.models import Claim
    from kbcheck.pairing import pair_claim
    from verifiers import registry

    verifiers = registry(include_entry_points=False)

    def frames(text):
        claim = Claim(id="c", path="a.md", text=text, origin="body", context_rank=16,
                      context_modules="all", context_model="Llama-3-8B")
        return pair_claim(claim, verifiers)[0].frames

    size = next(f for f in frames("Saved in fp32 the adapter file is about 168 MB.")
                if f.verifier == "lora.adapter_size")
    assert size.in_context is not None and size.in_context.params["r"] == 16
    fit = next(f for f in frames("The QLoRA run fits on a single 12 GB card.")
               if f.verifier == "lora.qlora_memory")
    assert fit.in_context is None


def test_a_fence_on_its_own_line_in_a_flattened_article_keeps_its_code_whole():
    text = ("# Notes\n\nSome words here.\n\n```python\n# a comment, not a heading\n"
            "cfg = LoraConfig(r=16)\n```\n\nMore words.\n")
    article = load_text(text, "flat.md").article
    assert article.format == "flat-markdown"
    from kbcheck.markup import body_blocks
    code = [b for b in body_blocks(article) if b.kind == "code"]
    assert [b.text for b in code] == ["# a comment, not a heading\ncfg = LoraConfig(r=16)"]


def test_a_printed_count_in_a_code_block_is_a_claim_and_the_code_is_not():
    text = ("---\nid: out\ntitle: Counting\n---\n"
            "```python\nmodel.print_trainable_parameters()\n```\n\n```\n"
            "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622\n"
            "```\n")
    claims = extract_claims(load_text(text, "out.md").article)
    assert [c.text for c in claims] == [
        "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622"]
    assert claims[0].line == 10


@pytest.mark.slow
def test_a_figure_that_holds_in_the_configuration_stated_before_it_is_supported(tmp_path):
    """Qwen2.5-7B, r=16 on all seven projections: 40,370,176 values, 161.5 MB in float32
    (written with safetensors). A figure that does not hold there keeps the verdict it has
    without the context: the configuration was not stated in the sentence, so it never
    refutes."""
    text = ("---\nid: card\ntitle: A support adapter for Qwen2.5-7B\n---\n"
            "## Training details\n\n"
            "We trained rank 16 on all seven linear projections of every layer.\n\n"
            "Saved in float32 the adapter file is about 161 MB.\n\n"
            "Saved in float32 the adapter file is about 20 MB.\n")
    got = _verdicts(tmp_path, "card.md", text)
    assert got["Saved in float32 the adapter file is about 161 MB."] == (
        "lora.adapter_size", "supported")
    # 20 MB is no size of this configuration; over the configurations left open it holds in
    # some, as it did before the context was read
    assert got["Saved in float32 the adapter file is about 20 MB."] == (
        "lora.adapter_size", "conditional")


# --- the method its paragraph is about, glossary terms -----------------------------------------

def test_a_glossary_term_is_read_with_its_definition():
    def split(text):
        return [s for s, _ in with_terms(sentences(Block(text, 1)))]

    assert split("Paged optimizers. They move state to CPU memory.") == [
        "Paged optimizers. They move state to CPU memory."]
    assert split("NF4 (4-bit NormalFloat). Sixteen levels.") == [
        "NF4 (4-bit NormalFloat). Sixteen levels."]
    # a sentence of its own, an answer word or a pointer is not a term
    assert split("LoRA is cheap. It merges.") == ["LoRA is cheap.", "It merges."]
    assert split("Yes. LoRA merges.") == ["Yes.", "LoRA merges."]
    assert split("I tried DoRA. It was slow.") == ["I tried DoRA.", "It was slow."]
    # a setting's name, then its default with no name
    assert split("lora_dropout (float) - the dropout of the LoRA layers. Defaults to 0.0.") == [
        "lora_dropout (float) - the dropout of the LoRA layers.", "lora_dropout: Defaults to 0.0."]
    assert split("Dropout is optional. Defaults to 0.0.") == [
        "Dropout is optional.", "Defaults to 0.0."]
    # a reference entry's bare default, after more than one sentence of description
    assert split("lora_alpha: the numerator of the scale. It multiplies BA by lora_alpha / r. "
                 "Default 8.") == [
        "lora_alpha: the numerator of the scale.", "It multiplies BA by lora_alpha / r.",
        "lora_alpha: Default 8."]
    assert split('bnb_4bit_quant_type: fp4 or nf4. Default "fp4".') == [
        "bnb_4bit_quant_type: fp4 or nf4.", 'bnb_4bit_quant_type: Default "fp4".']
    # a sentence that only opens with the word is no bare default
    assert split("lora_dropout: a probability. Default settings work for most runs.") == [
        "lora_dropout: a probability.", "Default settings work for most runs."]
    # under a heading that is a setting's name: what it does unset, or its default
    under = [s for s, _ in with_terms(sentences(Block(
        "It accepts a list of names. If omitted, PEFT picks the model's own list. Larger is "
        "slower.", 1)), "`target_modules`")]
    assert under == ["It accepts a list of names.",
                     "target_modules: If omitted, PEFT picks the model's own list.",
                     "Larger is slower."]


def test_a_sentence_naming_no_method_is_about_the_one_its_paragraph_names():
    text = ("Glossary\n\nAdapter (Houlsby). A small bottleneck MLP after each sublayer; it "
            "cannot be folded into the weights around it.\n\n"
            "VeRA shares one pair of frozen random matrices. It trains only scaling vectors, "
            "ten times fewer than LoRA.\n\n"
            "Merging adds BA into W.\n")
    claims = {c.text.split(".")[0]: c for c in extract_claims(load_text(text, "g.txt").article)}
    term = claims["Adapter (Houlsby)"]  # the term and its definition are one claim
    assert {f.subject for f in recognise(term.text).frames} == {"adapter"}
    assert claims["It trains only scaling vectors, ten times fewer than LoRA"
                  ].context_subject == "vera"
    assert claims["Merging adds BA into W"].context_subject == ""  # a paragraph of its own


def test_a_sub_section_naming_no_method_is_about_the_one_its_parent_heading_names():
    wiki = ("== Paper 2: DoRA ==\n=== What it costs ===\nThe magnitudes add one value per output "
            "feature, 1,359,872 extra parameters at r=16.\n\n== Compared ==\n"
            "=== Against LoRA and VeRA ===\nThe vectors add 0.01% trainable parameters.\n\n"
            "== Other notes ==\nMerging adds BA into W.\n")
    md = wiki.replace("=== ", "### ").replace(" ===", "").replace("== ", "## ").replace(" ==", "")
    for text, name in ((wiki, "p.wiki"), (md, "p.md")):
        claims = {c.text.split(" ")[1]: c for c in extract_claims(load_text(text, name).article)}
        assert claims["magnitudes"].context_subject == "dora"
        assert claims["vectors"].context_subject == ""  # its own heading names two methods
        assert claims["adds"].context_subject == ""  # a sibling section's heading names none


def test_a_reason_that_holds_does_not_support_the_claim_it_is_given_for(tmp_path):
    text = ("---\nid: why\ntitle: LoRA counts\n---\n"
            "LoRA on q_proj and v_proj of Llama-3-8B trains the same 4,194,304 parameters as "
            "on Llama-2-7B, since both models have 32 layers.\n\n"
            "Llama-3-8B has 32 layers.\n")
    got = _verdicts(tmp_path, "why.md", text)
    first = next(v for t, v in got.items() if t.startswith("LoRA on"))
    assert first[1] == "unverifiable"  # the count's claim is open (r unstated), the reason holds
    assert got["Llama-3-8B has 32 layers."][1] == "supported"


# --- a sentence that points back to the one before it ------------------------------------------

def test_a_sentence_that_points_back_is_read_with_the_one_before(tmp_path):
    text = ("---\nid: lead\ntitle: QLoRA storage\n---\n"
            "Double quantization quantizes the quantization constants a second time. "
            "That saves roughly 0.37 bits per parameter.\n\n"
            "Double quantization quantizes the quantization constants a second time. "
            "This saves about 2 bits per parameter.\n\n"
            "Our cluster has eight nodes. That saves 0.37 bits per parameter.\n")
    claims = extract_claims(load_text(text, "lead.md").article)
    saves = [c for c in claims if "saves" in c.text]
    assert saves[0].context_lead.startswith("Double quantization")
    assert all(c.context_lead == "" for c in claims if "saves" not in c.text)
    got = _verdicts(tmp_path, "lead.md", text)
    assert got["That saves roughly 0.37 bits per parameter."] == (
        "lora.qlora_storage", "supported")
    # what it points back to is a reading: a wrong figure is not refuted on it
    assert got["This saves about 2 bits per parameter."] == ("lora.qlora_storage",
                                                            "unverifiable")
    # the sentence before names nothing it could be about
    assert got["That saves 0.37 bits per parameter."][0] is None


def test_a_share_said_after_a_count_is_read_with_it(tmp_path):
    text = ("---\nid: share\ntitle: LoRA counts\n---\n"
            "With rank 8 on q_proj and v_proj of Llama-2-7B, LoRA trains 4,194,304 parameters. "
            "That is about 0.06% of the model.\n\n"
            "With rank 8 on q_proj and v_proj of Llama-2-7B, LoRA trains 4,194,304 parameters. "
            "This is about 3% of the model.\n")
    got = _verdicts(tmp_path, "share.md", text)
    assert got["That is about 0.06% of the model."] == ("lora.param_count", "supported")
    # the count it is a share of is a reading of the sentence before: never refuted on it
    assert got["This is about 3% of the model."] == ("lora.param_count", "unverifiable")


def test_a_share_of_a_stated_total_said_after_a_count_is_read_with_it(tmp_path):
    text = ("---\nid: share2\ntitle: LoRA counts\n---\n"
            "On Mistral-7B with rank 16 on all seven projections, PEFT lists 41,943,040 "
            "trainable parameters. That works out to about 0.58% of the 7.24B base.\n\n"
            "On Mistral-7B with rank 16 on all seven projections, PEFT lists 41,943,040 "
            "trainable parameters. That is roughly 5% of the 7.24B base.\n")
    got = _verdicts(tmp_path, "share2.md", text)
    assert got["That works out to about 0.58% of the 7.24B base."] == (
        "lora.param_count", "supported")
    assert got["That is roughly 5% of the 7.24B base."] == ("lora.param_count", "unverifiable")


# --- reading -----------------------------------------------------------------------------------

def test_an_alternative_set_aside_is_not_stated():
    assert normalise("QLoRA stores NF4 rather than FP4 and computes in bf16.") == \
        "QLoRA stores NF4 and computes in bf16."
    assert normalise("LoRA+ gives B, instead of A, the larger rate.") == \
        "LoRA+ gives B, the larger rate."
    # a formula set aside says which scale is the variant's: it stays for the lexicon
    kept = "The scale is alpha/sqrt(r) instead of the standard alpha/r."
    assert normalise(kept) == kept
    # ", not" before a formula sets it aside as "instead of" does
    assert normalise("With use_rslora=True the scale is alpha/sqrt(r), not alpha/r.") == \
        "With use_rslora=True the scale is alpha/sqrt(r)."
    assert normalise("rsLoRA scales by alpha/sqrt(r), not the standard alpha/r.") == \
        "rsLoRA scales by alpha/sqrt(r) instead of the standard alpha/r."
    # a reply's "no," before the writer's own statement answers someone else
    assert normalise("@kai no, a rank-16 adapter on Llama-2-7B is only about 80 MB.") == \
        "a rank-16 adapter on Llama-2-7B is only about 80 MB."
    # a merge set aside is the state spoken of: unmerged
    assert normalise("Serve the adapter on its own rather than merging it, and each layer pays "
                     "for the side branch.") == \
        "Serve the adapter on its own unmerged, and each layer pays for the side branch."
    # an action set aside goes like a noun: it is not stated either
    assert normalise("When r grows, rsLoRA shrinks the scale instead of keeping it.") \
        == "When r grows, rsLoRA shrinks the scale."


@pytest.mark.parametrize(("said", "stated"), [
    # a quoted line answered no: the reply's words
    ("> the base gets updated too -- nope, only A and B train.", "only A and B train."),
    # an edit undone: what it claimed goes, the undoing stays
    ("I rolled back the change saying rsLoRA divides by r, because it was wrong.",
     "I rolled back the change, because it was wrong."),
    # an erratum in either order: the corrected words
    ("Page 4: for '1.2 GB' read '0.12 GB'.", "Page 4: 0.12 GB."),
    ('In the table, "8 bits" should read "4 bits".', "In the table, 4 bits."),
    # a quoted claim called a myth, or false
    ("Mentor: the 'adapters slow you down.' idea is a myth",
     "It is a myth that adapters slow you down"),
    ('"QLoRA needs 80 GB" is simply wrong', "It is false that QLoRA needs 80 GB"),
    # another's figure called wrong: denied as the whole sentence, dropped after one's own
    ("- anyone who tells you 13 GB is mistaken.", "-It is false that 13 GB."),
    ("It is 26 GB in fp16; whoever wrote 13 GB was confused.", "It is 26 GB in fp16"),
    # what the writer takes back, and a named claim called wrong
    ("The adapter is 8 MB. Oops, that's wrong: it is 16 MB in fp16.", "it is 16 MB in fp16."),
    ("Our FAQ's claim that merging is lossy turned out wrong; it is exact.",
     "It is false that merging is lossy; it is exact."),
])
def test_words_of_someone_else_set_aside_or_corrected_leave_the_writer_s_own(said, stated):
    assert normalise(said) == stated


def test_a_negated_clause_ends_at_and_after_its_verb():
    frame = recognise("The shipped weights are merged, so no extra adapter work happens at "
                      "inference and latency is the same as the base model's.").frames[0]
    assert frame.predicate == "no_added_latency" and frame.polarity


def test_fused_projections_in_a_list_are_their_parts():
    frame = recognise("On Phi-3-mini I adapted qkv_proj and o_proj at rank 16, which trains "
                      "9.4M parameters.").frames[-1]
    assert frame.conditions["modules"] == "attention"


def test_bullets_run_into_a_line_and_chat_turns_end_sentences():
    def split(text):
        return [s for s, _ in sentences(Block(text, 1))]

    assert split("- Rank: 8 to 64. - Alpha: twice r. - DoRA adds one vector per layer.") == [
        "- Rank: 8 to 64.", "- Alpha: twice r.", "- DoRA adds one vector per layer."]
    assert split("ana: is 40 MB right for r=16? (mod) li: yes, in fp32. ana: thanks. "
                 "Fits? yes") == ["ana: is 40 MB right for r=16?", "(mod) li: yes, in fp32.",
                                  "ana: thanks.", "Fits? yes"]
    assert split("It is approx. 5 GB, e.g. at r: 16.") == ["It is approx. 5 GB, e.g. at r: 16."]


def test_the_model_a_configuration_was_stated_for_carries_past_later_headings():
    text = ("---\nid: cm\ntitle: Deployment record\n---\n"
            "## Design\n\nWe serve Llama-2-13B with a rank-8 LoRA on the query and value "
            "projections.\n\n## Storage\n\nIn bf16 the adapter file is about 13.1 MB.\n\n"
            "## Other\n\nMistral-7B was considered.\n\nIts file would be 6.8 MB.\n")
    claims = {c.text: c for c in extract_claims(load_text(text, "cm.md").article)}
    size = claims["In bf16 the adapter file is about 13.1 MB."]
    # (the one model the article has named so far is a later section's too)
    assert (size.context_model, size.context_config_model) == ("Llama-2-13B", "Llama-2-13B")
    assert (size.context_rank, size.context_modules) == (8, "qv")
    # a model named after the configuration is the section's, not the configuration's
    later = claims["Its file would be 6.8 MB."]
    assert (later.context_model, later.context_config_model) == ("Mistral-7B", "Llama-2-13B")


def test_the_configurations_model_completes_a_figure_in_a_later_section(tmp_path):
    text = ("---\nid: cm2\ntitle: Deployment record\n---\n"
            "## Design\n\nWe serve Llama-2-13B with a rank-8 LoRA on the query and value "
            "projections.\n\n## Storage\n\nIn bf16 the adapter file is about 13.1 MB.\n")
    verdicts = _verdicts(tmp_path, "cm2.md", text)
    assert verdicts["In bf16 the adapter file is about 13.1 MB."] == ("lora.adapter_size",
                                                                     "supported")


def test_a_scale_stated_without_its_rank_is_read_in_the_configuration_stated_before(tmp_path):
    text = ("---\nid: sc\ntitle: Our adapter\n---\n"
            "We train with r=16 and lora_alpha=32 on every linear layer.\n\n"
            "## Notes\n\nEffective scaling lora_alpha / r = 2.\n\n"
            "With that alpha the update is multiplied by alpha/r = 2.\n\n"
            "So the scale alpha/r comes to 4.\n")
    claims = {c.text: c for c in extract_claims(load_text(text, "sc.md").article)}
    assert claims["Effective scaling lora_alpha / r = 2."].context_alpha == 32.0
    verdicts = _verdicts(tmp_path, "sc.md", text)
    assert verdicts["Effective scaling lora_alpha / r = 2."] == ("lora.ba_update", "supported")
    assert verdicts["With that alpha the update is multiplied by alpha/r = 2."] == (
        "lora.ba_update", "supported")
    # the configuration stated before only ever supports: a scale it contradicts stays open
    assert verdicts["So the scale alpha/r comes to 4."][1] != "refuted"


def test_a_row_of_bare_none_cells_says_its_first_cell_is_none():
    assert row_segments(("Extra latency once merged", "none", "none", "n/a"), "") == [
        "no Extra latency once merged"]
    # each cell under its column's name
    assert row_segments(("Extra latency once merged", "Basic (LoRA) none", "Pro (DoRA) none"),
                        "") == ["no Extra latency once merged"]


def test_a_count_read_as_an_alternate_is_read_in_the_context_model():
    """Llama-2-13B (40 blocks, 5120 wide, MLP 13824): r=16 on all seven projections is
    62,586,880 parameters. "r=16 on all seven linear layers: N" is first read as a number of
    layers; the count it is paired as instead is measured on the model the title names."""
    from kbcheck.pairing import pair_claims
    from kbcheck.pipeline import default_subjects
    from verifiers import registry

    text = ("---\nid: nb\ntitle: Runs on Llama-2-13B\n---\n## Day two\n\n"
            "Then r=16 on all seven linear layers: 62,586,880.\n")
    article = load_text(text, "nb.md").article
    claims = extract_claims(article)
    pairings, _ = pair_claims(claims, registry(include_entry_points=False),
                              default_subjects([article]))
    frame = pairings[0].frames[0]
    assert (frame.verifier, frame.params.get("model")) == ("lora.param_count", "llama-13b")
