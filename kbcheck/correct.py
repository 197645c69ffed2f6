"""The corrected sentence of a refuted numeric claim: the stated number replaced by the measured
one, written with the precision the author used.

Precision before recall: a correction is offered only when the stated number can be found in
the sentence exactly once, with the value and unit the verifier compared ("99.6%" for a stated
99.6 %). A refutation that is not a number (a direction, a denial, a bound such as "up to",
a range) gets none. The unit, its scale word ("million") and the author's thousands separators
stay as written, so a correction only ever rewrites the digits of one number. Pure functions:
no torch, no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from kbcheck.claims.quantities import find_quantities
from kbcheck.claims.recognise import find_model
from kbcheck.models import ClaimResult, Figure, Verdict
from verifiers._frame import Quantity

# A figure's unit (verifiers' `figure_pair`) as the canonical unit and factor of the claim
# layer's quantities (lexicon/units.yaml): GB is 10^9 bytes, GiB 2^30.
_FIGURE_UNITS: dict[str, tuple[frozenset[str], float]] = {
    "": (frozenset({"count", "params"}), 1.0),
    "%": (frozenset({"pct"}), 1.0),
    "x": (frozenset({"x"}), 1.0),
    "bits": (frozenset({"bits"}), 1.0),
    "bytes": (frozenset({"bytes"}), 1.0),
    "KB": (frozenset({"bytes"}), 1e3),
    "MB": (frozenset({"bytes"}), 1e6),
    "GB": (frozenset({"bytes"}), 1e9),
    "TB": (frozenset({"bytes"}), 1e12),
    "KiB": (frozenset({"bytes"}), 2.0**10),
    "MiB": (frozenset({"bytes"}), 2.0**20),
    "GiB": (frozenset({"bytes"}), 2.0**30),
    "TiB": (frozenset({"bytes"}), 2.0**40),
    "ms": (frozenset({"seconds"}), 1e-3),
    "s": (frozenset({"seconds"}), 1.0),
}
# The digits of a number as written at the start of a quantity's text.
_DIGITS = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_ABOUT = re.compile(r"(?:about|approximately|around|roughly|~)\s*(.+)", re.I)
# A number glued to a name ("LLaMA-7B", "GPT-3", "v2") is part of the name, not a figure.
_NAME_BEFORE = re.compile(r"[A-Za-z0-9_]-?$")
# Decimals added at most when the stated precision would write the stated number again.
_MORE_DIGITS = 3


@dataclass(frozen=True)
class Correction:
    """One replacement in a claim's text: `claim_text[start:end]` (`old`) becomes `new`, and
    `sentence` is the whole text with it made."""

    start: int
    end: int
    old: str
    new: str
    sentence: str


def correction(claim_text: str, result: ClaimResult) -> Correction | None:
    """The corrected sentence of a refuted claim whose evidence names a stated and a measured
    number, or None when there is none to offer safely (see the module docstring)."""
    figure = result.figure
    if result.verdict is not Verdict.refuted or figure is None or result.pairing.negated:
        return None
    return correct_figure(claim_text, figure)


def correct_figure(claim_text: str, figure: Figure) -> Correction | None:
    """The sentence with `figure.stated` replaced by `figure.measured`, or None."""
    units = _FIGURE_UNITS.get(figure.unit)
    stated = _stated_value(figure.stated)
    measured = _number(figure.measured)
    if units is None or stated is None or measured is None or not math.isfinite(measured):
        return None
    kinds, factor = units
    found = [q for q in find_quantities(claim_text)
             if q.unit in kinds and q.bound in ("eq", "approx")
             and _close(q.value, stated * factor) and not _in_name(claim_text, q)]
    if len(found) != 1:
        return None  # not there, or there more than once: never edit the wrong number
    q = found[0]
    digits = _DIGITS.match(claim_text, q.span[0])
    if digits is None or claim_text[digits.end():digits.end() + 1] in ("e", "E"):
        return None  # "1e-4": exponents are not rewritten
    old = digits.group(0)
    written = float(old.replace(",", ""))
    if written == 0:
        return None
    new = _written_like(old, measured * factor * written / q.value)
    if new is None:
        return None
    start, end = digits.span()
    return Correction(start=start, end=end, old=old, new=new,
                      sentence=claim_text[:start] + new + claim_text[end:])


def _written_like(old: str, value: float) -> str | None:
    """`value` with `old`'s decimals (more only if needed to differ from `old`) and its
    thousands separators; None if no such text differs from `old`."""
    decimals = len(old.split(".", 1)[1]) if "." in old else 0
    sep = "," if "," in old else ""
    for places in range(decimals, decimals + _MORE_DIGITS + 1):
        text = f"{value:{sep}.{places}f}"
        if text != old and (value == 0 or float(text.replace(",", "")) != 0):
            return text
    return None


def _stated_value(stated: int | float | str) -> float | None:
    """A figure's stated number; 'about 4.2' counts, 'up to 10,000' and '5-50' do not."""
    if isinstance(stated, str):
        about = _ABOUT.fullmatch(stated.strip())
        stated = about.group(1) if about else stated
    return _number(stated)


def _number(value: int | float | str) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().replace(",", "")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return None
    return float(text)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _in_name(text: str, q: Quantity) -> bool:
    """Whether the number is part of a name: glued to one, or a model's size ('Llama 70B')."""
    if _NAME_BEFORE.search(text, 0, q.span[0]):
        return True
    span = find_model(text).get("span")
    return bool(span) and span[0] <= q.span[0] < span[1]


def locate(source: str, claim_text: str, fix: Correction, line: int | None = None
           ) -> int | None:
    """The offset in `source` (a file's text) of the number `fix` replaces, found through the
    words around it in the claim, from `line` (1-based) on; None unless exactly one place
    matches (a sentence whose words the file splits or marks up is left alone)."""
    begin = 0
    if line and line > 1:
        begin = _line_offset(source, line)
        if begin is None:
            return None
    region = source[begin:begin + 2 * len(claim_text) + 400]
    for left, right in ((40, 40), (24, 24), (12, 12), (12, 0), (0, 12)):
        lo = max(0, fix.start - left)
        window = claim_text[lo:fix.end + right]
        hits = [h + fix.start - lo for h in _occurrences(region, window)]
        hits = [h for h in hits if _bounded(region, h, h + len(fix.old))]
        if len(hits) == 1:
            return begin + hits[0]
        if len(hits) > 1:
            return None
    return None


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole number, not part of a longer one ('99.6' of
    '99.65')."""
    before = text[start - 1:start] if start else ""
    after = text[end:end + 2]
    return not (before.isdigit() or before in (".", ",")) and not (
        after[:1].isdigit() or (after[:1] in (".", ",") and after[1:2].isdigit()))


def _line_offset(source: str, line: int) -> int | None:
    at = 0
    for _ in range(line - 1):
        at = source.find("\n", at) + 1
        if at == 0:
            return None
    return at


def _occurrences(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while at >= 0 and len(out) < 8:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


def apply(source: str, edits: list[tuple[int, Correction]]) -> str:
    """`source` with each (offset, correction) made, where `offset` is `locate`'s answer;
    edits that overlap one already made are dropped."""
    out, last = [], 0
    for at, fix in sorted(edits, key=lambda e: e[0]):
        if at < last or source[at:at + len(fix.old)] != fix.old:
            continue
        out += [source[last:at], fix.new]
        last = at + len(fix.old)
    return "".join(out) + source[last:]
