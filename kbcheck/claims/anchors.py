"""Literal anchors of a regex: strings one of which every match must contain.

A sentence that contains none of a trigger's anchors cannot match it, so recognition skips the
regex with a substring test (fast, and never wrong: the anchors are derived from the pattern's
own parse tree). A pattern whose start is not literal has no anchors and is always searched.
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812 - the parser's opcodes
from re import _parser

_SKIP = {C.AT, C.ASSERT, C.ASSERT_NOT}


def _prefixes(items) -> set[str] | None:
    """Literal prefixes one of which starts every match of the sequence `items`, or None."""
    out = {""}
    for op, arg in items:
        if op in _SKIP:
            continue
        if op is C.LITERAL:
            out = {p + chr(arg).lower() for p in out}
            continue
        if op is C.SUBPATTERN:
            inner = _prefixes(arg[-1])
        elif op is C.BRANCH:
            branches = [_prefixes(b) for b in arg[1]]
            inner = None if any(b is None for b in branches) else set().union(*branches)
        else:
            inner = None
        if inner is None or "" in inner:
            break
        out = {p + q for p in out for q in inner}
        if len(out) > 64:
            break
        if op is C.SUBPATTERN or op is C.BRANCH:
            break  # past a group the literals of later items may not follow directly
    out = {p for p in out if p}
    return out or None


def anchors(pattern: str) -> tuple[str, ...] | None:
    """Lower-case literal strings one of which every match of `pattern` (case-insensitive)
    contains, or None when none can be derived."""
    try:
        tree = _parser.parse(pattern, re.I)
    except re.error:
        return None
    found = _prefixes(list(tree))
    return tuple(sorted(found)) if found else None
