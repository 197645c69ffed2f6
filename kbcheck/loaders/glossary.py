"""A plain-text glossary entry (seed 004).

```
>_TheQuery          site chrome (a block of several short lines)
← Glossary
                    blank
LoRA                the term: the last-but-one short one-line block before the definition
MLOps               the category: the last short one-line block before the definition
<definition and prose paragraphs>
Last updated: March 31, 2026
```

The body runs from the first prose paragraph to the end of the file. A glossary page without
one-line header blocks may stack its title over a subtitle in one block of short lines; the
first of them is then the title.
"""

from __future__ import annotations

import re

from kbcheck.loaders._build import build_result
from kbcheck.loaders._text import column_at, line_at, written_date
from kbcheck.models import LoadResult

FORMAT = "glossary"
# The value starts at a non-blank and runs to the line's end (trailing blanks are stripped in
# code): `(.+?)[ \t]*$` retried every split of a long blank tail, quadratic in its length.
_UPDATED = re.compile(r"^[ \t]*(?:Last updated|Updated)[ \t]*:[ \t]*(\S[^\n]*)$", re.M | re.I)
_NAV = ("←", "→", "›", "»", "<", ">", "|", "/", "Home")
_SHORT = 80  # a header line (title, category) is shorter than this


def detect(text: str) -> bool:
    """Any text that is not blank: plain text is the fallback format."""
    return text.strip() != ""


def load(text: str, path: str) -> LoadResult:
    """The term and its category from the header lines, `Last updated:` from its line."""
    data: dict[str, object] = {}
    lines: dict[str, int] = {}
    header: list[tuple[int, str]] = []  # one-line header blocks: (line, text)
    stacked: tuple[int, str] | None = None  # the first line of a title block over a subtitle
    body_line, body_offset = 1, 0
    for block_line, block_offset, block in _blocks(text):
        if _is_prose(block):
            body_line, body_offset = block_line, block_offset
            break
        short = all(not line.startswith(_NAV) and len(line) < _SHORT for line in block)
        if len(block) == 1 and short:
            header.append((block_line, block[0]))
        elif stacked is None and len(block) <= 3 and short:
            stacked = (block_line, block[0])
    if not header and stacked:  # "LoRA glossary" over "Adapters and low-rank updates"
        header = [stacked]
    # (no prose paragraph: the body is the whole file, so that nothing is lost)
    if len(header) >= 2:
        (tl, title), (cl, category) = header[-2], header[-1]
        data.update(title=title, category=category)
        lines.update(title=tl, category=cl)
    elif header:
        data["title"], lines["title"] = header[0][1], header[0][0]
    columns: dict[str, int] = {}
    m = _UPDATED.search(text)
    if m:
        data["updated"] = written_date(m.group(1).rstrip())
        lines["updated"] = line_at(text, m.start())
        columns = {"updated": column_at(text, m.start(1))}
    body = text[body_offset:]
    return build_result(data, path=path, fmt=FORMAT, body=body, body_line=body_line,
                        lines=lines, columns=columns)


def _blocks(text: str):
    """Blocks of non-blank lines: (first line number, offset, stripped lines)."""
    block: list[str] = []
    start_line = start_off = 0
    pos = 0
    for no, raw in enumerate(text.split("\n"), 1):
        if raw.strip():
            if not block:
                start_line, start_off = no, pos
            block.append(raw.strip())
        elif block:
            yield start_line, start_off, block
            block = []
        pos += len(raw) + 1
    if block:
        yield start_line, start_off, block


def _is_prose(block: list[str]) -> bool:
    words = sum(len(line.split()) for line in block)
    return words >= 8 or any(line.endswith((".", "!", "?")) and len(line) >= _SHORT // 2
                             for line in block)
