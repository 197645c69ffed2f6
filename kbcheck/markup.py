"""Article bodies to plain text: strip each format's markup, keep file lines, split sentences.

A body becomes a list of `Block`s: a paragraph, a list item, a table row or a code block, each
with the file line it starts on. A table row of any format is one block that names its columns
("4096 x 4096: Rank 8; LoRA params 65,536"), since a bare number means nothing without its
column. Prose blocks are then split into sentences. Nothing here is
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
    """A unit of body text: prose ("text"), a code block ("code") or a section heading
    ("heading": its title, which says what the sentences under it are about), with its first
    file line."""

    text: str
    line: int
    kind: str = "text"
    lang: str = ""
    # a table row's cells as read (`row_cells`) and its table's caption (or the paragraph that
    # introduces it): the claim layer reads each cell with the row's first one, as its own
    # statement
    cells: tuple[str, ...] = ()
    caption: str = ""
    level: int = 0  # a heading's depth (1 for "#" or "=", 2 for "##" or "==" ...)


# --- inline markup --------------------------------------------------------------------------

_LATEX = [
    (r"\\(?:times|cdot)", " x "), (r"\\ll", " << "), (r"\\gg", " >> "), (r"\\in\b", " in "),
    (r"\\(?:le|leq)\b", " <= "), (r"\\(?:ge|geq)\b", " >= "), (r"\\approx", " ~ "),
    (r"\\Delta\s*", "Δ"), (r"\\mathbb\{(\w)\}", r"\1"),
    (r"\\(?:mathrm|text|mathbf)\{([^}]*)\}", r"\1"),
    (r"\\(?:min|max|sqrt|log)\b", lambda m: m.group(0)[1:]), (r"\\[,;!\s]", " "),
]


# Greek letters as their characters, which the claim layer reads (`\\alpha` -> α).
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
          "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ"}
_GREEK_CMD = re.compile(r"\\(" + "|".join(_GREEK) + r")(?![a-zA-Z])")
# A root or fraction whose arguments hold no brace: applied innermost first, a few times.
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


def _latex(text: str) -> str:
    """LaTeX math to readable plain text: `d \\times k` -> `d x k`, `\\frac{\\alpha}{r}` ->
    `(α)/(r)`, `\\sqrt{r}` -> `sqrt(r)`; their braces would be lost with the others'."""
    text = _GREEK_CMD.sub(lambda m: _GREEK[m.group(1)], text)
    for _ in range(3):
        text, n_sqrt = _SQRT.subn(r"sqrt(\1)", text)
        text, n_frac = _FRAC.subn(r"(\1)/(\2)", text)
        if not n_sqrt + n_frac:
            break
    for pattern, repl in _LATEX:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"\^\{([^}]*)\}", r"^\1", text)
    text = re.sub(r"_\{([^}]*)\}", r"_\1", text)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"[ \t]+", " ", text).strip()


def _wiki_link(m: re.Match) -> str:
    if re.match(r"\s*source\s*::", m.group(1), re.I):
        return ""  # a cited source (its title is no sentence of the page's own)
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
    text = _SIGNATURE.sub("", text)
    return _TAG.sub("", text)


# A talk page's signature: "--User 16:20, 29 May 2025 (UTC)" (its link already read as the
# name) or "~~~~" unexpanded; its numbers are no claim's.
_SIGNATURE = re.compile(r"(?:\s*(?:--|\u2014|\u2013)[^\n\-\u2014\u2013]{0,60}?)?\s*\d{1,2}:\d{2}, "
                        r"\d{1,2} [A-Z][a-z]{2,8} \d{4} \(UTC\)|\s*~{3,5}")


_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]\s]{1,40}\]")  # `[^1]`, `[^hu2021]`
_FOOTNOTE_DEF = re.compile(r"\[\^[^\[\]\s]{1,40}\]:")


def inline_markdown(text: str) -> str:
    """Strip Markdown inline markup: images, links, emphasis, code spans, HTML tags."""
    text = re.sub(r"!\[([^\[\]]*)\]\([^()]*\)", "", text)
    text = re.sub(r"\[([^\[\]]*)\]\([^()]*\)", r"\1", text)
    text = re.sub(r"<https?://[^<>]*>", "", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])", r"\1", text)
    # "_Table regenerated on 2026-11-30._" (not snake_case names: a word character on either
    # side of an underscore keeps it, nor anything in a code span)
    text = re.sub(r"(?<![\w_`])_(?![\s_])([^_`\n]+?)(?<![\s_])_(?![\w_`])", r"\1", text)
    # (a code span that opens a sentence keeps its backticks, which mark where the sentence
    # starts: "... into the base. `tinytune serve` keeps ..." is two sentences)
    text = re.sub(r"(?<![.!?]\s)`([^`]*)`", r"\1", text)
    # `$$$$` matches with an empty first group and no second one
    text = re.sub(r"\$\$(.*?)\$\$|\$([^$\n]+)\$",
                  lambda m: _latex(m.group(1) or m.group(2) or ""), text)
    return _TAG.sub("", text)


# --- tables ---------------------------------------------------------------------------------

# Column names that say nothing of their cells' meaning: "Setting | Value" reads as "key: value".
_GENERIC_HEADERS = frozenset((
    "", "value", "values", "setting", "settings", "item", "description", "details", "detail",
    "notes", "note", "comment", "comments", "remarks", "what", "key", "field", "property",
    "aspect", "feature", "features", "criterion", "criteria", "dimension", "attribute",
    "characteristic", "properties", "aspects", "metric", "-"))


# a column's name that gives its unit in brackets ("Weights (GB)", "Params [M]", "Share (%)"),
# and a cell that is a bare number (or a range) under it
_HEADER_UNIT = re.compile(r"(?P<name>[^()\[\]]{1,60}?)\s*[(\[]\s*(?P<unit>GB|GiB|MB|MiB|TB|TiB|KB|"
                          r"KiB|%|ms|M|B|K|bits?|bytes?)\s*[)\]]")
_BARE_NUMBER = re.compile(r"[~\u2248]?\s*\d[\d,]{0,15}(?:\.\d{1,6})?(?:\s*[-\u2013]\s*\d[\d,]{0,15}"
                          r"(?:\.\d{1,6})?)?")


def row_cells(cells: list[str], headers: list[str]) -> tuple[str, ...]:
    """A table row's filled cells as read: the first as written, each other one with its
    column's name before it when it needs one (`Header2 cell2`).

    A short cell ("65,536", "0.39%", "B") means nothing without its column's name, so the
    name goes before it (and a unit the name gives in brackets after it: "Weights (GB)" over
    "13.5" is "Weights 13.5 GB"); a cell that is a phrase of its own ("fits a 33B model in
    24 GB") is left as written, and so is a cell under a name that says nothing ("Value").
    Under a first column with no name (or a name that says nothing, "Aspect"), the other
    columns name whom each cell is about, and every cell keeps its column's name."""
    pairs = [(headers[i] if i < len(headers) else "", c) for i, c in enumerate(cells) if c]
    if not pairs:
        return ()
    # `| | LoRA | Adapters |` over `| Latency | none once merged | extra layers |`: the first
    # column names what is compared and each other column is whom it is about, so every cell
    # keeps its column's name, however long
    compared = bool(headers) and headers[0].strip().lower() in _GENERIC_HEADERS
    parts = [pairs[0][1]]
    for header, cell in pairs[1:]:
        unit = _HEADER_UNIT.fullmatch(header.strip())
        if unit and _BARE_NUMBER.fullmatch(cell.strip()):
            # "Weights (GB)" over "13.5": the column's unit goes after the number
            parts.append(f"{unit.group('name')} {cell.strip()} {unit.group('unit')}")
            continue
        words = re.sub(r"\([^()]*\)", "", cell).split()  # a parenthesis is a note
        named = (header.lower() not in _GENERIC_HEADERS and (len(words) <= 3 or compared)
                 and header.lower() not in cell.lower())
        parts.append(f"{header} {cell}" if named else cell)
    return tuple(parts)


def table_row(cells: list[str], headers: list[str], caption: str = "") -> str:
    """One table row as a line of text: `first cell: Header2 cell2; Header3 cell3 (caption)`."""
    parts = row_cells(cells, headers)
    if not parts:
        return ""
    text = parts[0] + (": " + "; ".join(parts[1:]) if len(parts) > 1 else "")
    return f"{text} ({caption})" if caption else text


def row_block(cells: list[str], headers: list[str], line: int, caption: str = "",
              lead: str = "") -> Block | None:
    """A table row as a block: its text (`table_row`) and its cells for the claim layer, with
    the table's caption, or else the paragraph that introduces it (`lead`), as its context."""
    text = table_row(cells, headers, caption)
    if not text:
        return None
    return Block(text, line, cells=row_cells(cells, headers), caption=caption or lead)


_LEAD_MAX = 240  # characters: a lead-in line, not a section of prose


# --- Markdown -------------------------------------------------------------------------------

_FLAT_SPLIT = re.compile(
    r"\s(?=#{1,6}\s)"                     # an inline heading
    r"|\s(?=-\s(?:\*\*|\[|[A-Z][\w'-]*:))"  # an inline list item: "- **Label**", "- [link]", "- W:"
    r"|(?<=\|)\s+(?=\|)"                  # between two table rows "| a | b | | c | d |"
)


def _table_tail(piece: str, columns: int) -> list[str]:
    """A flattened table row that runs on into the next paragraph (`| B | LoRA+ sets ...`)
    split into the row and the prose, using the column count of the table's delimiter row."""
    cells = piece.strip().strip("|").split("|")
    if not columns or len(cells) <= columns or piece.rstrip().endswith("|"):
        return [piece]
    return ["| " + " | ".join(c.strip() for c in cells[:columns]) + " |",
            "|".join(cells[columns:]).strip()]


_TITLE_WORDS = 10
# words after which a capitalised word goes on the same phrase ("... compared with Llama-2-7B")
_JOINING = frozenset(("the", "a", "an", "of", "on", "in", "to", "for", "with", "and", "or",
                     "than", "vs", "by", "from", "at", "as", "like", "into", "onto", "per",
                     "versus", "via", "about", "over", "under", "between"))


def _sentence_case_title(words: list[str]) -> int:
    """How many words a heading written in sentence case takes ("How merging works Merging
    folds BA into W": three): up to the first capitalised word (or inline code, or a flag)
    after a lower-case one within its first few words, where no word of the title ends a
    phrase or sentence; 1 if none."""
    if len(words) < 3 or not re.match(r"[a-z(]|I(?:'|’|$)", words[1]):
        return 1
    for j in range(2, min(len(words), _TITLE_WORDS)):
        before = words[j - 1]
        if re.search(r"[.!?]$", before):
            return 1
        starts = re.match(r"[A-Z0-9`]|--[a-z]", words[j]) or (
            # a call that starts the prose: "I cannot get the base back unmerge_adapter()
            # subtracts ...", the call then a verb
            re.match(r"[a-z]\w*\(\)$", words[j]) and j + 1 < len(words)
            and re.match(r"(?:[a-z]+s|is|was|can|will|does|did|has)$", words[j + 1]))
        if starts and re.match(r"[a-z'’]+$", before) and before.lower() not in _JOINING:
            return j
    return 1


def _unflatten(text: str) -> list[str]:
    """Split a flattened Markdown line (headings, lists, tables, fences inline) into pieces."""
    pieces: list[str] = []
    columns = 0  # of the table being read, from its delimiter row
    for i, chunk in enumerate(re.split(r"```", text)):
        if i % 2:  # inside an inline code fence
            pieces += ["```", chunk.strip(), "```"]
            continue
        for piece in _FLAT_SPLIT.split(chunk):
            piece = piece.strip()
            m = re.match(r"(#{1,6})\s+(.*)", piece)
            table = re.match(r"(#{1,6})\s+([^|.!?]{1,80}?)\s+(\|.*\|)$", piece)
            if table:  # "## Supported models | Model | Params |": a table right after it
                pieces.append(f"{table.group(1)} {table.group(2)}")
                piece, m = table.group(3), None
            if m:  # the heading's title is its leading Title-Case words; the rest is prose
                words = m.group(2).split(" ")
                n = 0
                while n < len(words) and re.match(r"[A-Z0-9][\w;:&/+.-]*$", words[n]):
                    n += 1
                label = next((k for k in range(1, n) if words[k].endswith(":")), 0)
                if label and n < len(words) and words[label + 1:n] == ["I"]:
                    n = label + 1  # "Symptom 2: I cannot get ...": the title's "I" is its own
                if 1 < n < len(words) and words[n - 1].endswith(":"):
                    # "Symptom 1: merged outputs differ In fp32 ...": a label, then a title in
                    # sentence case up to the capitalised word that starts the prose
                    n += _sentence_case_title(words[n - 1:]) - 1
                elif n < len(words) and n > 1 and re.match(r"[a-z(]", words[n]):
                    n -= 1  # the last capitalised word starts the sentence
                n = max(n, 1)
                if n == 1:  # a sentence-case title ("The problem: the model doesn't fit")
                    n = _sentence_case_title(words)
                pieces.append(f"{m.group(1)} {' '.join(words[:n])}")
                piece = " ".join(words[n:])
            if piece.startswith("|"):
                cells = piece.strip("|").split("|")
                if all(re.match(r"\s*:?-{2,}:?\s*$", c) for c in cells):
                    columns = len(cells)
                elif not columns and piece.rstrip().endswith("|"):
                    # a table flattened without its delimiter row: its first whole row, the
                    # header, gives the column count
                    columns = len(cells)
                split = _table_tail(piece, columns)
                if len(split) == 2:
                    pieces += [p for p in split if p]
                    columns = 0
                    continue
            else:
                columns = 0
            if piece.startswith("|") and not piece.endswith("|"):
                piece += " |"
            elif piece.endswith("|") and not piece.startswith("|"):
                k = piece.index("|")
                lead = piece[:k].strip()
                if lead.endswith((":", ".", "!", "?")) or len(lead.split()) > 6:
                    # "... and 1 GB = 10^9 bytes: | Model | fp16 |": the prose that leads into a
                    # table is not its first header cell
                    pieces.append(lead)
                    piece = piece[k:]
                else:
                    piece = "| " + piece
            if piece:
                pieces.append(piece)
    return pieces


def markdown_blocks(body: str, first_line: int, flat: bool = False) -> list[Block]:
    """Blocks of a Markdown body: paragraphs, list items, table rows, fenced code."""
    logical: list[tuple[int, str]] = []
    fenced = False  # inside a fence opened on a line of its own: lines kept as they are
    for n, raw in enumerate(body.split("\n")):
        lone_fence = raw.strip().startswith(("```", "~~~")) and raw.count("```") <= 1
        if fenced or lone_fence:
            fenced = fenced != lone_fence  # ("```python" opens one, "```" closes it)
            logical.append((first_line + n, raw))
        elif not raw.strip():  # a blank line ends a paragraph in any layout
            logical.append((first_line + n, raw))
        elif flat and re.fullmatch(r"(?!.*\|\s*:?-{2,})#{1,6}\s+[^#]{1,120}?[^.!#\s]\s*",
                                   raw):  # (not one a table follows)
            logical.append((first_line + n, raw))  # a heading on a line of its own: all of it
        elif flat or (len(raw) > 400 and " ## " in raw):
            logical += [(first_line + n, p) for p in _unflatten(raw)]
        else:
            logical.append((first_line + n, raw))
    blocks: list[Block] = []
    para: list[str] = []
    para_line = 0
    quote = False  # the paragraph being read is a block quote
    footnote = False  # reading a footnote definition (a citation, not prose)
    headers: list[str] = []  # of the table being read
    lead = ""  # the short paragraph that introduces it
    code: list[str] | None = None
    code_line, lang = 0, ""

    def flush() -> None:
        nonlocal para, quote
        if para:
            blocks.append(Block(inline_markdown("\n".join(para)), para_line))
        para, quote = [], False

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
        if footnote and raw[:1] in (" ", "\t") and stripped:
            continue  # an indented line of a footnote definition
        footnote = False
        heading = re.match(r"(#{1,6})(?:\s+(.*?))?\s*#*\s*$", stripped)
        if heading:
            flush()
            if heading.group(2):
                blocks.append(Block(inline_markdown(heading.group(2)).strip(), line, "heading",
                                    level=len(heading.group(1))))
            continue
        if not stripped or re.match(r"[-*_]{3,}$", stripped):
            flush()
            continue
        if _FOOTNOTE_DEF.match(stripped):
            flush()
            footnote = True
            continue
        if not stripped.startswith("|"):
            headers = []
        if stripped.startswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.match(r":?-{2,}:?$", c) or not c for c in cells):
                continue
            nxt = logical[i + 1][1].strip() if i + 1 < len(logical) else ""
            if re.match(r"\|?\s*:?-{2,}", nxt):  # a header row: its names go with the cells
                headers = [inline_markdown(c).strip() for c in cells]
                # a short paragraph right before the table introduces it ("All seven
                # projections adapted:"): what its rows' numbers are about
                prev = blocks[-1] if blocks else None
                lead = (prev.text if prev is not None and prev.kind == "text" and not prev.cells
                        and len(prev.text) <= _LEAD_MAX else "")
                continue
            row = row_block([inline_markdown(c).strip() for c in cells], headers, line,
                            lead=lead)
            if row:
                blocks.append(row)
            continue
        if stripped.startswith(">"):
            inner = stripped.lstrip(">").strip()
            if not inner:  # an empty quote line ends the quoted paragraph
                flush()
                continue
            item = re.match(r"(?:[-*+]|\d+[.)])\s+(.*)", inner)
            if quote and not item:  # the quote goes on: one paragraph over its `>` lines
                para.append(inner)
                continue
            flush()
            para, para_line, quote = [item.group(1) if item else inner], line, True
            continue
        item = re.match(r"(?:[-*+]|\d+[.)])\s+(.*)", stripped)
        if item:
            flush()
            para, para_line = [item.group(1)], line
            continue
        if para and _label_line(stripped) and all(map(_label_line, para)):
            flush()  # one "label: value" a line, with no full stops: each line is its own
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

    tables: list[_WikiTable] = []  # open tables, innermost last
    in_item = False  # the paragraph in progress is a list item
    for n, raw in enumerate(cut.split("\n")):
        line, stripped = first_line + n, raw.strip()
        if stripped.startswith("{|"):
            flush()
            tables.append(_WikiTable())
            continue
        if tables and stripped.startswith(("|}", "|-", "|+", "!", "|")):
            flush()
            table = tables[-1]
            if stripped.startswith(("|}", "|-")):
                blocks += table.end_row()
                if stripped.startswith("|}"):
                    tables.pop()
            elif stripped.startswith("|+"):
                table.caption = inline_wiki(_cell_text(stripped[2:])).strip()
            else:
                kind = "h" if stripped.startswith("!") else "d"
                sep = "!!" if kind == "h" else "||"
                for cell in stripped[1:].split(sep):
                    table.add(kind, inline_wiki(_cell_text(cell)).strip(), line)
            continue
        heading = re.match(r"(=+)\s*([^=].*?)\s*\1$", stripped)
        if heading:
            flush()
            blocks.append(Block(inline_wiki(heading.group(2)).strip(), line, "heading",
                                level=len(heading.group(1))))
            continue
        if (not stripped or re.match(r"=+.*=+$", stripped) or stripped == "----"
                or stripped.startswith(("{|", "|}", "|-", "!"))):
            flush()
            continue
        if stripped.startswith("|"):  # a cell outside any table: read as its own line
            flush()
            for cell in stripped.lstrip("|").split("||"):
                para, para_line = [_cell_text(cell)], line
                flush()
            continue
        item = re.match(r"[*#:;]+\s*(.*)", stripped)
        if item:
            flush()
            text = item.group(1)
            if stripped.startswith(";"):  # `; Term : definition` reads as `Term: definition`
                term, sep, rest = text.partition(" : ")
                text = f"{term.rstrip()}: {rest.lstrip()}" if sep and len(term) < 60 else text
            para, para_line, in_item = [text], line, True
            continue
        if in_item:  # a list item ends with its line: a plain line after it opens a paragraph
            flush()
            in_item = False
        if not para:
            para_line = line
        para.append(stripped)
    flush()
    for table in tables:  # a table never closed still gives its last row
        blocks += table.end_row()
    return sorted(blocks, key=lambda b: b.line)


def _cell_text(cell: str) -> str:
    """A wiki cell without its attributes: `style="..." | text` -> `text`."""
    return cell.split("|", 1)[-1] if re.match(r"[^|\[]*=", cell) else cell


@dataclass
class _WikiTable:
    """A MediaWiki table being read: its caption, its column names and the row in progress."""

    caption: str = ""
    headers: list[str] | None = None
    row: list[tuple[str, str, int]] | None = None  # (kind "h" or "d", text, line)
    rows: int = 0

    def add(self, kind: str, text: str, line: int) -> None:
        self.row = (self.row or []) + [(kind, text, line)]

    def end_row(self) -> list[Block]:
        """The row in progress as a block: `first: Header2 cell2; ...`. A first row of header
        cells only gives the column names; a lone header cell (an infobox label) gives none."""
        row, self.row = self.row or [], None
        filled = [(k, t, n) for k, t, n in row if t]
        if not filled:
            return []
        if all(k == "h" for k, _, _ in row) and self.rows == 0 and self.headers is None:
            self.headers = [t for _, t, _ in row]
            return []
        self.rows += 1
        if len(filled) == 1 and filled[0][0] == "h":
            return []
        block = row_block([t for _, t, _ in row], self.headers or [], filled[0][2],
                          self.caption)
        return [block] if block else []


# A line that opens a glossary entry: a short term, then a dash or a colon ("NF4 — a 4-bit
# type", "Rank (r): the inner size"). The term is bounded, so the scan is too.
_ENTRY = re.compile(r"[A-Z0-9][^:—–\n]{0,48}?(?:\s[—–-]{1,2}\s|:\s)")


# a line that gives a label its value ("Same setup on Llama-2-13B: 6,553,600", "rsLoRA scaling
# factor: lora_alpha / sqrt(r)"): a label of at most sixteen words before a colon
_LABEL_LINE = re.compile(r"[\w`'\"(*][^:\n]{0,120}?:\s+\S")


def _label_line(line: str) -> bool:
    m = _LABEL_LINE.match(line)
    return bool(m) and len(line[:m.end()].split()) <= 17


_COLUMNS = re.compile(r"\s{2,}|\t")
# A list item's marker in plain text: "- ", "* ", "• ", "1. ", "2) "
_BULLET = re.compile(r"(?:[-*\u2022]|\d{1,2}[.)])\s+(?=\S)")


def _text_table(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(line offset, cells) of each row of a table laid out in plain text (columns apart by
    two spaces or a tab, every line with the same number of them, at least three, a header line
    and a row; or Markdown's pipes, a header row first), or []."""
    if len(lines) < 2:
        return []
    if all(line.startswith("|") and line.endswith("|") and len(line) > 1 for line in lines):
        # a Markdown pipe table in plain text: its delimiter row ("|---|---|") is no row
        cells = [(i, [inline_markdown(c).strip() for c in line.strip("|").split("|")])
                 for i, line in enumerate(lines)]
        kept = [(i, r) for i, r in cells
                if not all(re.match(r":?-{2,}:?$", c) or not c for c in r)]
        return kept if len(kept) >= 2 and len(kept[0][1]) >= 2 else []
    rows = [_COLUMNS.split(line) for line in lines]
    width = len(rows[0])
    if width < 3 or any(len(r) != width for r in rows):
        return []
    return list(enumerate(rows))


_CAPS_HEADING = re.compile(r"(?=[^a-z]*[A-Z]{2})[^a-z.!?:;]{2,80}")


def glossary_blocks(body: str, first_line: int) -> list[Block]:
    """Blocks of plain text: paragraphs separated by blank lines. Inside a paragraph, a line
    that opens an entry ("Term — definition", "Term: definition") after a line that ended a
    sentence starts a block of its own, and so does a short lead-in line ("Key terms:") and a
    list item ("- ..."). A paragraph laid out in columns (two spaces apart) is a table: its rows
    are row blocks."""
    blocks: list[Block] = []
    para: list[str] = []
    para_line = 0

    def flush() -> None:
        nonlocal para
        rows = _text_table(para)
        if rows:  # a table laid out with spaces: a header line, then its rows
            prev = blocks[-1] if blocks else None
            lead = prev.text if prev is not None and not prev.cells and \
                len(prev.text) <= _LEAD_MAX else ""
            blocks.extend(b for i, cells in rows[1:]
                          if (b := row_block(cells, rows[0][1], para_line + i, lead=lead)))
        elif para:
            blocks.append(Block("\n".join(para), para_line))
        para = []

    for n, raw in enumerate(body.split("\n") + [""]):
        text = raw.strip()
        if not text:
            flush()
            continue
        entry = _ENTRY.match(text)
        entry = entry if entry and len(entry.group().split()) <= 6 else None
        if para and (_BULLET.match(text) or para[-1].endswith((".", "!", "?", ":", ";", ")")) and (
                para[-1].endswith(":") and len(para[-1].split()) <= 4 or entry)
                # one entry a line with no full stops ("Same setup on Llama-2-13B: 6,553,600"
                # under "LoRA params for Llama-2-7B: 4,194,304"): each line is an entry
                or _label_line(text) and all(map(_label_line, para))
                # a heading in capitals before an entry ("HOW MUCH GETS TRAINED"): not its start
                or entry and _CAPS_HEADING.fullmatch(para[-1])):
            flush()
        bullet = _BULLET.match(text)
        if bullet:  # a list item: its own block, without its marker
            text = text[bullet.end():]
        if not para:
            para_line = first_line + n
        para.append(text)
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
# A sentence ends at . ! ? before a capital, a digit, an issue number ("... #451: ..."), a
# bullet run into the line ("... r². - Keep alpha = 2r") or a chat line's speaker ("... is
# tiny. (helper) noor: ..."); a question or an exclamation also before a lower-case word or a
# bracket ("is that normal? (helper) ...")
_BOUNDARY = re.compile(r"(?<=[.!?])([\"')\]]*)(?:[ \t]*\n\s*(?=\S)|"
                       r"\s+(?=[\"'(\[]?[A-Z0-9*]|[-\u2022]\s+\S|#\d|"
                       # a name that starts lower-case: "rsLoRA fixes this", "vLLM serves"
                       r"[a-z]{1,4}[A-Z]|"
                       # a library whose name is written lower-case: "bitsandbytes picks ..."
                       r"(?:bitsandbytes|peft|transformers|torch|pytorch|accelerate|trl|unsloth|"
                       r"axolotl|deepspeed|safetensors|llama\.cpp|ollama)\b|"
                       # code that opens a sentence: "merge() computes ...", "lora_alpha is ..."
                       r"[a-z_][\w.]{0,40}\(|[a-z][a-z0-9]{0,20}_\w|"
                       # a command-line flag or inline code: "--loraplus gives ...", "`r` is ..."
                       r"--[a-z]|`[^`\s]|"
                       # a chat line's tag: "(helper) noor: ...", "kai: ..."
                       r"\([a-z][\w -]{0,15}\)\s|[a-z][\w.-]{0,15}:\s|"
                       r"(?:(?<=[?!]\s)|(?<=[?!][\"')\]]\s))(?!(?:yes|no|yep|nope|yeah|true|false|"
                       r"none)\b)[(a-z]))"  # ("Fits? yes": a question with its answer stays
                                            # whole; a line break after a full stop ends it)
                       # the next item of an API list run into one line: "merge(): ...;
                       # unmerge_adapter(): restores W0"
                       r"|(?<=;)\s+(?=`?[A-Za-z_][\w.]{0,40}\(\)`?\s*:\s)")


# an answer that is only a figure, after its question ("How many parameters does rank 16 add?
# About 62.6 million."): it stays with the question, which says what the figure is of
_FIGURE_ANSWER = re.compile(r"(?:A\s*[:.]\s*)?(?:about|roughly|around|approximately|exactly|just|"
                            r"only|under|over|nearly|almost|~)?\s*[\d.,]+\s*(?:[kMBG]\b|"
                            r"thousand|million|billion|%)?[ \w%]{0,20}?(?:[.!](?:\s|$)|$)", re.I)


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
        if text[m.start() - 1] == "?" and _FIGURE_ANSWER.match(text[m.end():m.end() + 60]):
            continue
        out.append((start, text[start:m.end(1) if m.group(1) is not None else m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    result = []
    for offset, sentence in out:
        clean = " ".join(sentence.split())
        if clean:
            result.append((clean, block.line + text.count("\n", 0, offset)))
    return result
