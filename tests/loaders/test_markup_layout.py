"""How articles are laid out, read into claim text: tables with their column names, quotes,
footnotes, formulas, definition lists and glossary entries, in each format.

Each example is written the way such documents are written, not in a seed's words."""

import pytest

from kbcheck.budget import time_budget
from kbcheck.claims import extract_claims
from kbcheck.loaders import load_text
from kbcheck.markup import body_blocks


def _article(text, fmt):
    result = load_text(text, "x")
    assert result.article is not None, result.findings
    assert result.article.format == fmt
    return result.article


def _claims(text, fmt):
    return {c.text: c.line for c in extract_claims(_article(text, fmt))}


FRONT = "---\nid: t\ntitle: t\n---\n"


def test_markdown_table_cells_keep_their_column_names():
    text = FRONT + (
        "| Shape | Rank | Adapter params | Notes |\n"
        "|:--|--:|--:|---|\n"
        "| 2048 x 2048 | 8 | 32,768 | fits a 2B model on a laptop GPU |\n")
    claims = _claims(text, "frontmatter-markdown")
    # short cells take their column's name; a phrase, or a cell under "Notes", is left alone
    assert claims == {"2048 x 2048: Rank 8; Adapter params 32,768; "
                      "fits a 2B model on a laptop GPU": 7}


def test_a_unit_in_a_column_name_goes_after_the_bare_number_under_it():
    text = FRONT + (
        "| Model | Weights (GB) | Adapter [MB] | Trainable (%) | Note (GB) |\n"
        "|---|--:|--:|--:|---|\n"
        "| Mistral-7B | 14.5 | ~27 | 0.58 | see the appendix |\n")
    claims = _claims(text, "frontmatter-markdown")
    # a cell that is not a bare number keeps the column's name as written
    assert claims == {"Mistral-7B: Weights 14.5 GB; Adapter ~27 MB; Trainable 0.58 %; "
                      "Note (GB) see the appendix": 7}


def test_a_flattened_table_row_that_runs_into_prose_is_cut_at_the_last_column():
    text = ("# Rates Confidence: low Last verified: 2026-01-02 ## Table | Knob | Value | "
            "|---|---| | ratio of B's rate to A's | 16 | The optimizer keeps two parameter "
            "groups, so B trains faster than A.")
    texts = [b.text for b in body_blocks(_article(text, "flat-markdown"))]
    assert texts[-2:] == ["ratio of B's rate to A's: 16",
                          "The optimizer keeps two parameter groups, so B trains faster than A."]


def test_mediawiki_table_rows_are_read_whole_with_header_and_caption():
    text = ("== Counts ==\n"
            "{| class=\"wikitable\"\n"
            "|+ Trainable parameters of LLaMA-7B\n"
            "! Method !! Trainable\n"
            "|-\n"
            "| LoRA, ''r'' = 8 on q and v\n"
            "| style=\"text-align:right\" | 4.2M\n"
            "|-\n"
            "! Note\n"
            "|}\n")
    blocks = [b for b in body_blocks(_article(text, "mediawiki")) if b.kind == "text"]
    assert [(b.text, b.line) for b in blocks] == [
        ("LoRA, r = 8 on q and v: Trainable 4.2M (Trainable parameters of LLaMA-7B)", 6)]


def test_an_infobox_label_alone_is_not_text_but_its_row_is():
    text = ("{|\n|-\n! Domains\n| [[domain::PEFT]]\n|-\n! Sources\n|\n"
            "* [[source::Paper|A paper|https://example.org/p]]\n|}\n== A ==\nBody.\n")
    article = _article(text, "mediawiki")
    texts = [b.text for b in body_blocks(article)]
    assert "Domains: PEFT" in texts and "Sources" not in texts
    # a cited source's title is the source's, not a sentence of the page ("PEFT: Hotswapping
    # adapters" is no claim about hot-swapping); the source itself is still read
    assert not any("A paper" in t for t in texts)
    assert [s.title for s in article.all_sources()] == ["A paper"]


def test_a_block_quote_over_several_lines_is_one_paragraph():
    text = FRONT + "> **In one line:** the pretrained weights never change, and only\n" \
                   "> the two small factors are trained.\n>\n> A second quoted paragraph.\n"
    texts = [b.text for b in body_blocks(_article(text, "frontmatter-markdown"))]
    assert texts == ["In one line: the pretrained weights never change, and only\n"
                     "the two small factors are trained.", "A second quoted paragraph."]


def test_footnote_markers_go_and_footnote_definitions_are_not_claims():
    text = FRONT + ("The merged layer is a plain linear layer.[^merge] Its outputs equal the "
                    "unmerged ones.\n\n[^merge]: PEFT docs, 2024, reduces nothing.\n"
                    "    It saves 3x memory, says the footnote's second line.\n")
    claims = _claims(text, "frontmatter-markdown")
    assert claims == {"The merged layer is a plain linear layer.": 5,
                      "Its outputs equal the unmerged ones.": 5}


@pytest.mark.parametrize(("latex", "plain"), [
    (r"\frac{\alpha}{r}", "(α)/(r)"),
    (r"\alpha/\sqrt{r}", "α/sqrt(r)"),
    (r"\frac{\alpha}{\sqrt{r}}", "(α)/(sqrt(r))"),
    (r"\eta_B = \lambda \eta_A", "η_B = λ η_A"),
])
def test_formulas_keep_fractions_roots_and_greek_letters(latex, plain):
    text = FRONT + f"The scale is ${latex}$ here.\n"
    [block] = body_blocks(_article(text, "frontmatter-markdown"))
    assert block.text == f"The scale is {plain} here."
    wiki = f"== A ==\nThe scale is <math>{latex}</math> here.\n"
    heading, block = body_blocks(_article(wiki, "mediawiki"))
    assert (heading.kind, heading.text) == ("heading", "A")
    assert block.text == f"The scale is {plain} here."


def test_a_mediawiki_definition_list_reads_term_colon_definition():
    text = "== Terms ==\n; Rank : the inner size of the two factors, e.g. 8 or 16.\n"
    [block] = [b for b in body_blocks(_article(text, "mediawiki")) if b.kind != "heading"]
    assert block.text == "Rank: the inner size of the two factors, e.g. 8 or 16."


def test_a_mediawiki_list_item_ends_with_its_line():
    # a plain line after the last item is a paragraph of its own, not the item's continuation
    text = ("== Sizes ==\n* [[fits_on::RTX 4090 24GB]]: 7B LoRA in bf16\n"
            "* [[fits_on::A100 80GB]]: 70B only with QLoRA\n"
            "A 13B model in bf16 does not fit a 24 GB card for LoRA training.\n")
    blocks = [(b.text, b.line) for b in body_blocks(_article(text, "mediawiki"))
              if b.kind != "heading"]
    assert blocks[-2:] == [("A100 80GB: 70B only with QLoRA", 3),
                           ("A 13B model in bf16 does not fit a 24 GB card for LoRA training.", 4)]


def test_a_glossary_heading_in_capitals_is_not_part_of_the_next_entry():
    text = ("Numbers you will meet\n\nWHAT IT COSTS TO SERVE\n0 — the extra latency of a merged "
            "adapter.\n1 — the number of base copies many adapters need.\n")
    blocks = [(b.text, b.line) for b in body_blocks(_article(text, "glossary"))]
    assert blocks[-3:] == [("WHAT IT COSTS TO SERVE", 3),
                          ("0 — the extra latency of a merged adapter.", 4),
                          ("1 — the number of base copies many adapters need.", 5)]


def test_glossary_entries_and_their_lead_in_are_blocks_of_their_own():
    text = ("Terms\n\nQuantization\n\nA short page about storing weights in fewer bits than "
            "they were trained in.\n\nSee below:\nNF4 — a 4-bit code with 16 levels.\n"
            "Block size: 64 weights share one scale,\nwhich costs 0.5 bits per weight.\n")
    blocks = [(b.text, b.line) for b in body_blocks(_article(text, "glossary"))]
    assert blocks[1:] == [("See below:", 7), ("NF4 — a 4-bit code with 16 levels.", 8),
                          ("Block size: 64 weights share one scale,\n"
                           "which costs 0.5 bits per weight.", 9)]


def test_a_glossary_entry_after_a_line_closed_by_a_bracket_starts_a_block():
    text = ("Terms\n\nShared base — every adapter reuses one copy of the model. (see thread)\n"
            "Rank 8 on q/v — about 4.2M trainable weights on a 7B model.\n")
    blocks = [b.text for b in body_blocks(_article(text, "glossary"))]
    assert blocks[-2:] == ["Shared base — every adapter reuses one copy of the model. (see thread)",
                           "Rank 8 on q/v — about 4.2M trainable weights on a 7B model."]


def test_a_glossary_title_stacked_over_its_subtitle_is_the_title():
    text = ("Adapter glossary\nTerms used on this site\n\nAdapter: the small set of weights "
            "trained for one task while the base stays frozen.\n")
    article = _article(text, "glossary")
    assert article.title == "Adapter glossary" and article.body_line == 4


HOSTILE = {
    "fractions": FRONT + "$" + "\\frac{" * 20_000 + "$\n",
    "roots": FRONT + "$" + "\\sqrt{\\sqrt{" * 10_000 + "$\n",
    "footnote markers": FRONT + "[^" * 50_000 + "\n",
    "quote lines": FRONT + "> a b\n" * 20_000,
    "table rows": FRONT + "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 10_000,
    "wiki rows": "== A ==\n{|\n" + "! h !! h\n|-\n| 1 || 2\n" * 5_000 + "|}\n",
    "unclosed wiki tables": "== A ==\n" + "{|\n" * 30_000,
    "definition list": "== A ==\n;" + " " * 100_000 + "x\n",
    "glossary entries": "T\n\nC\n\nA sentence long enough to be prose.\n" + "A: b.\n" * 20_000,
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_new_layout_patterns_stay_well_inside_a_generous_guard(case):
    with time_budget(30.0):  # a guard, not a measurement: linear work takes a fraction of it
        result = load_text(HOSTILE[case], "x")
        extract_claims(result.article)


def test_a_flattened_article_with_line_breaks_keeps_its_headings_and_paragraphs_apart():
    # a one-line head ("# Title Last updated: ...") makes the article flattened Markdown, yet
    # its body may still be written line by line: a heading on its own line is all heading,
    # and a blank line ends a paragraph, so neither runs into the sentence after it
    text = ("# Pitfalls of adapter training Last updated: 2026-03-04 Generation: human_only\n\n"
            "## Bonus: things people repeat\n\n"
            "Merged weights run exactly as fast as the base model.\n")
    claims = _claims(text, "flat-markdown")
    assert "Merged weights run exactly as fast as the base model." in claims
    assert not any("repeat" in c for c in claims)


def test_a_plain_text_table_laid_out_in_columns_gives_rows_with_their_lead_in():
    from kbcheck.markup import glossary_blocks

    body = ("Sizing notes:\n\nModel        Method     Fits on\n"
            "Mistral-7B   QLoRA      1x 12 GB (T4)\nLLaMA-65B    QLoRA      1x 48 GB\n\n"
            "A sentence  with two spaces is still prose, not a table.\n")
    blocks = glossary_blocks(body, 1)
    rows = [b for b in blocks if b.cells]
    assert [b.text for b in rows] == ["Mistral-7B: Method QLoRA; Fits on 1x 12 GB (T4)",
                                      "LLaMA-65B: Method QLoRA; Fits on 1x 48 GB"]
    assert [b.line for b in rows] == [4, 5] and rows[0].caption == "Sizing notes:"
    assert blocks[-1].text.startswith("A sentence") and not blocks[-1].cells


def test_a_pipe_table_in_a_plain_text_article_gives_one_row_block_per_row():
    from kbcheck.loaders import load_text
    from kbcheck.markup import body_blocks

    text = ("Three adapters we shipped\n\nSetup\n\nEach adapter used rank 16 on every linear "
            "layer.\n\n| Model | Rank | Trainable | File (bf16) |\n|---|---|---|---|\n"
            "| Mistral-7B | 16 | 41.9M | 84 MB |\n| Llama-2-7B | 16 | 40.0M | 80 MB |\n\n"
            "A line | with a bar in prose is not a table.\n")
    article = load_text(text, "shipped.txt").article
    assert article.format == "glossary"
    blocks = body_blocks(article)
    rows = [b for b in blocks if b.cells]
    assert [b.text for b in rows] == [
        "Mistral-7B: Rank 16; Trainable 41.9M; File (bf16) 84 MB",
        "Llama-2-7B: Rank 16; Trainable 40.0M; File (bf16) 80 MB"]
    assert [b.line for b in rows] == [9, 10]
    assert blocks[-1].text.startswith("A line | with") and not blocks[-1].cells


@pytest.mark.parametrize(("text", "expected"), [
    # an answer that is only a figure stays with its question, which says what it counts
    ("How many parameters does rank 16 add to Llama-2-13B? About 62.6 million.",
     ["How many parameters does rank 16 add to Llama-2-13B? About 62.6 million."]),
    ("How many layers? 32. The model is Llama-2-7B.", ["How many layers? 32.",
                                                       "The model is Llama-2-7B."]),
    # a question answered in words, or followed by a statement, is split as before
    ("Does it fit? No. LoRA is small.", ["Does it fit?", "No. LoRA is small."]),
    ("Why? 4-bit weights save memory.", ["Why?", "4-bit weights save memory."]),
])
def test_a_figure_answering_a_question_stays_with_it(text, expected):
    from kbcheck.markup import Block, sentences

    assert [s for s, _ in sentences(Block(text, 1))] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a command-line flag or inline code may open a sentence of a flattened README
    ("Merging is off whenever --dora is set. --loraplus raises B's learning rate.",
     ["Merging is off whenever --dora is set.", "--loraplus raises B's learning rate."]),
    ("The rank is small. `lora_alpha` sets the numerator.",
     ["The rank is small.", "`lora_alpha` sets the numerator."]),
    # (a flag inside a sentence does not end it)
    ("Pass --rank 8. Then train.", ["Pass --rank 8.", "Then train."]),
    # a library whose name is written lower-case opens a sentence too
    ("Ask for 4-bit weights. bitsandbytes then stores NF4 codes.",
     ["Ask for 4-bit weights.", "bitsandbytes then stores NF4 codes."]),
])
def test_a_sentence_may_open_with_a_flag_or_inline_code(text, expected):
    from kbcheck.markup import Block, sentences

    assert [s for s, _ in sentences(Block(text, 1))] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a heading in sentence case: its title ends where a capitalised word starts the prose
    ("## How merging works Merging folds BA into W.", ["## How merging works",
                                                       "Merging folds BA into W."]),
    ("## The catch: the model doesn't fit Llama-2-13B has 13B weights.",
     ["## The catch: the model doesn't fit", "Llama-2-13B has 13B weights."]),
    # (a capitalised name after a joining word stays in the prose)
    ("## Results on Llama-2-7B The adapter wins.", ["## Results",
                                                    "on Llama-2-7B The adapter wins."]),
    ("## Setup We used Llama-2-7B.", ["## Setup", "We used Llama-2-7B."]),
    ("## Exporting and serving `tool merge` folds BA in.", ["## Exporting and serving",
                                                           "`tool merge` folds BA in."]),
    # a label, a title in the first person, then prose that opens with a call
    ("## Issue 4: I lost the original weights restore_base() adds the delta back.",
     ["## Issue 4: I lost the original weights", "restore_base() adds the delta back."]),
    # (a call inside the title, followed by no verb, stays in it)
    ("## Tip: run merge_and_unload() before export Then save it.",
     ["## Tip: run merge_and_unload() before export", "Then save it."]),
])
def test_a_flattened_heading_in_sentence_case_keeps_its_words(text, expected):
    from kbcheck.markup import _unflatten

    assert _unflatten(text) == expected


def test_a_flattened_table_without_its_delimiter_row_ends_at_its_header_width():
    from kbcheck.markup import _unflatten

    text = ("| Setup | Rank | Params | | q,v | 8 | 4.2M | | all linear | 8 | see below | "
            "With every linear layer at r=8 the count is 20M.")
    assert _unflatten(text)[-2:] == ["| all linear | 8 | see below |",
                                     "With every linear layer at r=8 the count is 20M."]


def test_a_code_span_that_opens_a_sentence_still_starts_it():
    """Inline code is unwrapped, except where it opens a sentence: its backticks mark the
    start ("... into the base. `tool serve` keeps ..." is two sentences, judged apart)."""
    from kbcheck.markup import Block, inline_markdown, sentences

    text = inline_markdown("Merging folds BA into the base. `tool serve` keeps adapters apart.")
    assert [s for s, _ in sentences(Block(text, 1))] == [
        "Merging folds BA into the base.", "`tool serve` keeps adapters apart."]
    assert inline_markdown("Call `merge_and_unload()` once.") == "Call merge_and_unload() once."


def test_underscore_emphasis_is_unwrapped_and_snake_case_names_are_kept():
    """`_text_` is emphasis as `*text*` is; an underscore with a word character beside it
    (lora_alpha, snake_case) or inside a code span is part of the name."""
    from kbcheck.markup import inline_markdown

    assert inline_markdown("_Regenerated with peft 0.21 on 30 Nov._") == \
        "Regenerated with peft 0.21 on 30 Nov."
    assert inline_markdown("Set lora_alpha to _twice_ the rank.") == \
        "Set lora_alpha to twice the rank."
    assert inline_markdown("Keep `_x_` and y_z_w as they are.") == "Keep _x_ and y_z_w as they are."
