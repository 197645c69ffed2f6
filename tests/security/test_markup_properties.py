"""Property: any body, hostile openers included, becomes blocks and sentences on lines of the
file, and the linear pair stripping agrees with the regex it replaced wherever that one ends."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbcheck.markup import Block, markdown_blocks, replace_pairs, sentences, wiki_blocks

_PIECES = st.sampled_from([
    "<ref>", "</ref>", "<ref name=a/>", "<!--", "-->", "<math>", "</math>", "<pre>", "</pre>",
    "<source lang=python>", "</source>", "\\(", "\\)", "\\[", "\\]", "[[", "]]", "[[a::b", "|",
    "[http://x", "[http://x y]", "![", "](", ")", "[", "]", "*a ", "**", "__", "`", "$$", "$",
    "e.g. A", "Last updated:", "   ", "\n", "\n\n", "{{", "}}", "''", "=", "== h ==\n", "# ",
    "| a | b |", "```", ". A", "<a", ">"])
BODY = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=50).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODY, first=st.integers(min_value=1, max_value=40), flat=st.booleans())
def test_any_body_gives_blocks_on_lines_of_the_file(body, first, flat):
    last = first + body.count("\n")
    for blocks in (markdown_blocks(body, first, flat=flat), wiki_blocks(body, first)):
        for block in blocks:
            assert isinstance(block, Block) and first <= block.line <= last + 1
            if block.kind == "text":
                for _, line in sentences(block):
                    assert first <= line <= last + 1


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(["<ref>", "</ref>", "a", " ", "\n", "<ref x>"]),
                     max_size=30).map("".join))
def test_pair_stripping_agrees_with_the_old_regex(text):
    old = re.sub(r"<ref\b[^<>]*>.*?</ref>", "", text, flags=re.S)
    new = replace_pairs(text, re.compile(r"<ref\b[^<>]*>"), "</ref>", lambda m, inner: "")
    assert new == old
