"""Article bodies to plain text: strip each format's markup, keep file lines, split sentences.

A body becomes a list of `Block`s: a paragraph, a list item, a table row or a code block, each
with the file line it starts on. Prose blocks are then split into sentences. Nothing here is
executed: code blocks are kept as text for `kbcheck.claims` to read.

Every pattern here runs in linear time on any input: a bracket, tag or delimiter class never
spans the character that opens the next one (no `[` inside `[...]`, no `<` inside `<...>`), so
scans started at successive openers never overlap; a pair whose closer may be far away
(`<ref>`, `<!--`, `<math>`, `<pre>`, display and inline math) is found with `str.find`, and the
first opener without a closer ends the search, since no later one can have one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kbcheck.models import Article


@dataclass(frozen=True)
class Block:
    """A unit of body text: prose ("text") or a code block ("code"), with its first file line."""

    text: str
    line: int
    kind: str = "text"
    lang: str = ""


# --- inline markup --------------------------------------------------------------------------

_LATEX = [
    (r"\\(?:times|cdot)", " x "), (r"\\ll", " << "), (r"\\gg", " >> "), (r"\\in\b", " in "),
    (r"\\(?:le|leq)\b", " <= "), (r"\\(?:ge|geq)\b", " >= "), (r"\\approx", " ~ "),
    (r"\\Delta\s*", "Δ"), (r"\\mathbb\{(\w)\}", r"\1"),
    (r"\\(?:mathrm|text|mathbf)\{([^}]*)\}", r"\1"),
    (r"\\(?:min|max|sqrt|log)\b", lambda m: m.group(0)[1:]), (r"\\[,;!\s]", " "),
]


def _latex(text: str) -> str:
    """LaTeX math to readable plain text: `d \\times k` -> `d x k`."""
    for pattern, repl in _LATEX:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"\^\{([^}]*)\}", r"^\1", text)
    text = re.sub(r"_\{([^}]*)\}", r"_\1", text)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"[ \t]+", " ", text).strip()


def _wiki_link(m: re.Match) -> str:
    parts = [p for p in m.group(1).split("|") if not re.match(r"\s*https?://", p)]
    text = parts[-1] if parts else ""
    return text.split("::", 1)[-1]


def replace_pairs(text: str, opener: re.Pattern, closer: str, repl) -> str:
    """Replace each `opener` ... `closer` span by `repl(inner text)`, in linear time.

    A regex like `<ref>.*?</ref>` rescans to the end of the text from every unclosed opener;
    here the closer is looked for once per opener, and the first opener without one ends the
    work, since every later opener would look in a part of the same text."""
    out, pos = [], 0
    while (m := opener.search(text, pos)) is not None:
        end = text.find(closer, m.end())
        if end < 0:
            break
        out += [text[pos:m.start()], repl(m, text[m.end():end])]
        pos = end + len(closer)
    return "".join(out) + text[pos:]


_REF_OPEN = re.compile(r"<ref\b[^<>]*>")
_MATH_OPEN = re.compile(r"<math\b[^<>]*>")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def inline_wiki(text: str) -> str:
    """Strip MediaWiki inline markup: links, templates, bold/italic quotes, tags, math."""
    text = re.sub(r"<ref\b[^<>]*/>", "", text)
    text = replace_pairs(text, _REF_OPEN, "</ref>", lambda m, inner: "")
    text = replace_pairs(text, re.compile("<!--"), "-->", lambda m, inner: "")
    for _ in range(5):  # innermost templates first; nesting deeper than this is dropped below
        text, n = re.subn(r"\{\{[^{}]*\}\}", "", text)
        if not n:
            break
    text = replace_pairs(text, _MATH_OPEN, "</math>", lambda m, inner: _latex(inner))
    text = replace_pairs(text, re.compile(r"\\\("), "\\)", lambda m, inner: _latex(inner))
    text = re.sub(r"\[\[([^\[\]]*)\]\]", _wiki_link, text)
    text = re.sub(r"\[https?://[^\s\[\]]+\s+([^\[\]]*)\]", r"\1", text)
    text = re.sub(r"\[https?://[^\s\[\]]+\]", "", text)
    text = re.sub(r"'{2,}", "", text)
    return _TAG.sub("", text)


def inline_markdown(text: str) -> str:
    """Strip Markdown inline markup: images, links, emphasis, code spans, HTML tags."""
    text = re.sub(r"!\[([^\[\]]*)\]\([^()]*\)", "", text)
    text = re.sub(r"\[([^\[\]]*)\]\([^()]*\)", r"\1", text)
    text = re.sub(r"<https?://[^<>]*>", "", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    # `$$$$` matches with an empty first group and no second one
    text = re.sub(r"\$\$(.*?)\$\$|\$([^$\n]+)\$",
                  lambda m: _latex(m.group(1) or m.group(2) or ""), text)
    return _TAG.sub("", text)


# --- Markdown -------------------------------------------------------------------------------

_FLAT_SPLIT = re.compile(
    r"\s(?=#{1,6}\s)"                     # an inline heading
    r"|\s(?=-\s(?:\*\*|\[|[A-Z][\w'-]*:))"  # an inline list item: "- **Label**", "- [link]", "- W:"
    r"|(?<=\|)\s+(?=\|)"                  # between two table rows "| a | b | | c | d |"
)


def _unflatten(text: str) -> list[str]:
    """Split a flattened Markdown line (headings, lists, tables, fences inline) into pieces."""
    pieces: list[str] = []
    for i, chunk in enumerate(re.split(r"```", text)):
        if i % 2:  # inside an inline code fence
            pieces += ["```", chunk.strip(), "```"]
            continue
        for piece in _FLAT_SPLIT.split(chunk):
            piece = piece.strip()
            m = re.match(r"(#{1,6})\s+(.*)", piece)
            if m:  # the heading's title is its leading Title-Case words; the rest is prose
                words = m.group(2).split(" ")
                n = 0
                while n < len(words) and re.match(r"[A-Z0-9][\w;:&/+.-]*$", words[n]):
                    n += 1
                if n < len(words) and n > 1 and re.match(r"[a-z(]", words[n]):
                    n -= 1  # the last capitalised word starts the sentence
                n = max(n, 1)
                pieces.append(f"{m.group(1)} {' '.join(words[:n])}")
                piece = " ".join(words[n:])
            if piece.startswith("|") and not piece.endswith("|"):
                piece += " |"
            elif piece.endswith("|") and not piece.startswith("|"):
                piece = "| " + piece
            if piece:
                pieces.append(piece)
    return pieces


def markdown_blocks(body: str, first_line: int, flat: bool = False) -> list[Block]:
    """Blocks of a Markdown body: paragraphs, list items, table rows, fenced code."""
    logical: list[tuple[int, str]] = []
    for n, raw in enumerate(body.split("\n")):
        if flat or (len(raw) > 400 and " ## " in raw):
            logical += [(first_line + n, p) for p in _unflatten(raw)]
        else:
            logical.append((first_line + n, raw))
    blocks: list[Block] = []
    para: list[str] = []
    para_line = 0
    code: list[str] | None = None
    code_line, lang = 0, ""

    def flush() -> None:
        nonlocal para
        if para:
            blocks.append(Block(inline_markdown("\n".join(para)), para_line))
        para = []

    for i, (line, raw) in enumerate(logical):
        stripped = raw.strip()
        if code is not None:
            if stripped.startswith("```") or stripped.startswith("~~~"):
                blocks.append(Block("\n".join(code), code_line, "code", lang))
                code = None
            else:
                code.append(raw)
            continue
        if stripped.startswith("```") or stripped.startswith("~~~"):
            flush()
            nxt_line = logical[i + 1][0] if i + 1 < len(logical) else line
            code, code_line, lang = [], nxt_line, stripped.strip("`~ ").lower()
            continue
        if not stripped or re.match(r"#{1,6}(\s|$)", stripped) or re.match(r"[-*_]{3,}$", stripped):
            flush()
            continue
        if stripped.startswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.match(r":?-{2,}:?$", c) or not c for c in cells):
                continue
            nxt = logical[i + 1][1].strip() if i + 1 < len(logical) else ""
            if re.match(r"\|?\s*:?-{2,}", nxt):
                continue  # a header row
            cells = [inline_markdown(c) for c in cells if c]
            row = cells[0] + (": " + "; ".join(cells[1:]) if len(cells) > 1 else "")
            blocks.append(Block(row, line))
            continue
        item = re.match(r"(?:[-*+]|\d+[.)])\s+(.*)", stripped)
        if item or stripped.startswith(">"):
            flush()
            para, para_line = [item.group(1) if item else stripped.lstrip("> ")], line
            continue
        if not para:
            para_line = line
        para.append(stripped)
    flush()
    if code is not None:
        blocks.append(Block("\n".join(code), code_line, "code", lang))
    return blocks


# --- MediaWiki ------------------------------------------------------------------------------

_WIKI_CODE = re.compile(r"<(syntaxhighlight|source|pre)\b([^<>]*)>", re.I)
_DISPLAY_MATH = re.compile(r"\\\[")


def wiki_blocks(body: str, first_line: int) -> list[Block]:
    """Blocks of a MediaWiki body: paragraphs, list items, table cells, code, display math."""
    blocks: list[Block] = []
    # Code and display math are cut out first, so that their lines do not read as prose.
    cut = body

    out, pos, at, unclosed = [], 0, 0, set()
    while (m := _WIKI_CODE.search(body, at)) is not None:  # linear: see `replace_pairs`
        tag = m.group(1).lower()
        close = None if tag in unclosed else re.compile(rf"</{tag}\s*>", re.I).search(
            body, m.end())
        if close is None:  # no later <tag> has a closer either
            unclosed.add(tag)
            at = m.end()
            continue
        inner = body[m.end():close.start()]
        line = first_line + body.count("\n", 0, m.end()) + inner.startswith("\n")
        lang = re.search(r'lang\s*=\s*"?(\w+)', m.group(2))
        blocks.append(Block(inner.strip("\n"), line, "code", lang.group(1).lower() if lang else ""))
        out += [body[pos:m.start()], "\n" * body.count("\n", m.start(), close.end())]
        pos = at = close.end()
    cut = "".join(out) + body[pos:]
    cut = replace_pairs(cut, _DISPLAY_MATH, "\\]", lambda m, inner: " "
                        + _latex(inner).replace("\n", " ") + "\n" * inner.count("\n"))
    para: list[str] = []
    para_line = 0

    def flush() -> None:
        nonlocal para
        text = inline_wiki("\n".join(para)).strip()
        if text:
            blocks.append(Block(text, para_line))
        para = []

    for n, raw in enumerate(cut.split("\n")):
        line, stripped = first_line + n, raw.strip()
        if (not stripped or re.match(r"=+.*=+$", stripped) or stripped == "----"
                or stripped.startswith(("{|", "|}", "|-", "!"))):
            flush()
            continue
        if stripped.startswith("|"):
            flush()
            for cell in stripped.lstrip("|").split("||"):
                cell = cell.split("|", 1)[-1] if re.match(r"[^|\[]*=", cell) else cell
                para, para_line = [cell], line
                flush()
            continue
        item = re.match(r"[*#:;]+\s*(.*)", stripped)
        if item:
            flush()
            para, para_line = [item.group(1)], line
            continue
        if not para:
            para_line = line
        para.append(stripped)
    flush()
    return sorted(blocks, key=lambda b: b.line)


def glossary_blocks(body: str, first_line: int) -> list[Block]:
    """Blocks of plain text: paragraphs separated by blank lines."""
    blocks: list[Block] = []
    para: list[str] = []
    para_line = 0
    for n, raw in enumerate(body.split("\n") + [""]):
        if raw.strip():
            if not para:
                para_line = first_line + n
            para.append(raw.strip())
        elif para:
            blocks.append(Block("\n".join(para), para_line))
            para = []
    return blocks


def body_blocks(article: Article) -> list[Block]:
    """The body of an article as blocks, whatever its format."""
    if article.format == "mediawiki":
        return wiki_blocks(article.body, article.body_line)
    if article.format == "glossary":
        return glossary_blocks(article.body, article.body_line)
    return markdown_blocks(article.body, article.body_line, flat=article.format == "flat-markdown")


# --- sentences ------------------------------------------------------------------------------

_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|vs|cf|etc|Fig|Eq|approx|No|Dr|Mr|Ms)\.|\b[A-Z]\.\s?[A-Z]\.)$")
_BOUNDARY = re.compile(r"(?<=[.!?])([\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9*])")


def sentences(block: Block) -> list[tuple[str, int]]:
    """Split a prose block into (sentence, file line), whitespace collapsed."""
    out: list[tuple[str, int]] = []
    start = 0
    text = block.text
    for m in _BOUNDARY.finditer(text):
        # Only the end of the sentence so far can hold the abbreviation (at most 15
        # characters, plus one of context for `\b`): searching all of it was quadratic.
        if _ABBREV.search(text, max(start, m.start() - 17), m.start()):
            continue
        out.append((start, text[start:m.end(1)]))
        start = m.end()
    out.append((start, text[start:]))
    result = []
    for offset, sentence in out:
        clean = " ".join(sentence.split())
        if clean:
            result.append((clean, block.line + text.count("\n", 0, offset)))
    return result
