"""Quantities: one grammar for the numbers a normalised sentence states.

A number ("4,096", "0.4", "4.7 million", "65B", "1e-4"), its unit (%, x / times / -fold,
bits, bytes with decimal or binary prefixes, parameters, seconds), its bound ("up to", "at
least", "under", "140+", "between 5 and 50", "0.1-1%", "~3MB") and the precision it was
written with. Units come from `lexicon/units.yaml`. Numbers are scanned once, left to right;
every pattern is linear in the sentence.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from functools import cache

from kbcheck.claims.lexicon import load
from verifiers._frame import Quantity, half_unit

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# A number that does not start inside another token (so a digit run is read once).
_NUMBER = re.compile(rf"(?<![\d.,])(?<![a-wyzA-WYZ_])(?!0\d){_NUM}(?:e-?\d{{1,3}})?(?![\d])")
# ("a 4.2-million-parameter adapter": a hyphen before a scale word, never before a letter)
_CLOCK = re.compile(r"(?<![\d:.,])\d{2}:[0-5]\d(?::[0-5]\d)?(?!\d)(?!:\d)")
_PAGE = re.compile(r"(?<![\w.])(?:pp?\.\s*|pages?\s+)\d{1,4}(?:\s*[-\u2013]\s*\d{1,4})?\b", re.I)
_LABEL_NUMBER = re.compile(
    r"(?:\b(?:Exercises?|Problems?|Solutions?|Sections?|Chapters?|Figures?|Fig\.|Tables?|"
    r"Equations?|Eqs?\.|Slides?|Questions?|Appendix|Lectures?|Lessons?|Units?|Parts?|Steps?|"
    r"Issues?|Tasks?|Examples?|Rows?|Items?|Entry|Entries|Footnotes?|Panels?)\s*\(?|\u00a7\s*)"
    r"(\d{1,3}(?:\.\d{1,3}){0,3})(?![\d,]|\.\d)"
    r"(?=\s*(?:\([a-z]\))?\s*[:,.)(\u2014-]|\s+(?:of|in|and|shows?|gives?|lists?|asks?|states?|"
    r"says?|reports?|but|above|below|earlier)\b|\s*$)", re.I)
# ... nor does an arXiv identifier ("[1902.00751]", "arXiv:2106.09685v2"): four digits, a dot,
# four or five digits, with no unit after
_ARXIV_ID = re.compile(r"(?<![\d.,])\d{4}\.\d{4,5}(?:v\d{1,2})?(?![\d.,])"
                       r"(?!\s*(?:%|[KMGT]i?B|bits?|ms|x\b|times|params?|parameters|million|"
                       r"billion))", re.I)
# a year said as a date ("in 2021,", "(2023)", "since June 2024"): no quantity
# a consumer GPU's model number ("the second 3090", "an RTX 4090 Ti"): no count
_GPU_NUMBER = re.compile(r"(?<![\d.,$])((?:10[5-8]0|20[5-8]0|30[5-9]0|40[5-9]0|50[5-9]0)(?:\s*Ti)?)"
                         r"(?![\d.,]\d)(?!\s*(?:%|[KMGT]i?B|bits?|params?|parameters|tokens|steps|"
                         r"ms|x\b|times|examples|samples|rows|MiB|GiB|million|billion|[KMB]\b))",
                         re.I)
# (or alone in a table's cell: "| Hu et al. | 2021 | 2106.09685 |")
_YEAR_CELL = re.compile(r"(?:^|(?<=\|))\s*((?:19[5-9]|20[0-3])\d)\s*(?=\||$)")
_YEAR_DATE = re.compile(r"(?:\b(?:in|since|until|till|during|circa|early|late|mid-?|as\s+of)\s+|"
                        r"\b(?:year|published|released|dated)\s*[:=]?\s*|"
                        r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\.?"
                        r"\s+(?:\d{1,2},?\s+)?|\(\s*)((?:19[5-9]|20[0-3])\d)(?![\d.,]\d)"
                        r"(?=\s*(?:[),.;:|(]|$)|\s+(?:and|when|as|the|a|an|we|it|they|this|that|"
                        r"LoRA|QLoRA|DoRA)\b)", re.I)
# a citation's year: "Hu et al. 2021 report ...", "(Dettmers et al., 2023)"
_YEAR_CITED = re.compile(r"\bet\s+al\.?,?\s+((?:19[5-9]|20[0-3])\d)[a-z]?(?![\d.,]\d)"
                         r"(?!\s*(?:%|[KMGT]i?B|bits?|x\b|times|params?|parameters|million|"
                         r"billion))", re.I)
# a calendar date written with digits ("2026-11-07", "2026/11/07", "07.11.2026"): no quantity
# ... or one that names a piece of work ("the 2021 LoRA study", "their 2023 paper")
_YEAR_WORK = re.compile(r"\b(?:the|a|an|its|their|our|his|her|this|that)\s+((?:19[5-9]|20[0-3])\d)"
                        r"(?=\s+(?:[\w+-]+\s+){0,2}?(?:study|paper|work|article|preprint|report|"
                        r"survey|release|edition|version|benchmark|experiments?|results?|"
                        r"publication|proposal|talk|keynote|workshop|conference|course|lecture)\b)",
                        re.I)
_ISO_DATE = re.compile(r"(?<![\d.,])(?:(?:19|20)\d\d[-/](?:0?[1-9]|1[0-2])[-/]"
                       r"(?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[./](?:0?[1-9]|1[0-2])"
                       r"[./](?:19|20)\d\d)(?![\d.,]?\d)")
_POST_NUMBER = re.compile(r"^\W{0,3}(\d{1,2})\s*/(?:\d{1,2})?(?=\s+\D)")
# an issue or ticket's number ("#440", "issue 451:", "440: DoRA shows ..." where a wiki list
# marker took the "#"): an id, not a quantity
# (and a tracker's key, "BUG-2270:", "JIRA-481", "PROJ-12")
_ISSUE_NUMBER = re.compile(r"#(\d{1,7})\b|^\W{0,3}(?:(?:issue|ticket|bug|PR)\s+)?(\d{3,7})(?=:\s)|"
                           r"\b(?-i:[A-Z]{2,10})-(\d{1,7})\b(?![.,]\d)", re.I)
_SCALE = re.compile(r"(?:\s*-\s*(?=(?:thousand|million|billion|trillion)\b)|\s*)"
                    r"(thousand|million|billion|trillion|bn|[kKMBTb])(?![\w])")
_BEFORE_LE = re.compile(r"(?:up to|at most|no more than|not more than|under|below|less than|"
                        r"(?:not|n't|never)\s+(?:to\s+)?exceed(?:s|ed|ing)?|"
                        r"fewer than|as low as|as little as|within|<=?|maximum of|max\.?)\s*"
                        r"(?:about|around|approximately|roughly|~)?\s*$", re.I)
_BEFORE_GE = re.compile(r"(?:at least|over|more than|above|greater than|exceed(?:s|ed|ing)?|"
                        r"(?<![-=])>=?|"
                        r"upwards of|in excess of|minimum of|min\.?)\s*"
                        r"(?:about|around|approximately|roughly|~)?\s*$", re.I)
_BEFORE_APPROX = re.compile(r"(?:about|around|approximately|approx\.?|roughly|nearly|almost|"
                            r"circa|ca\.|some|~|on the order of|close to|just under|"
                            r"just over)\s*$", re.I)
# a setting's name and sign right before a number ("r = 16", "rank 8"): no end of a range
_SETTING_BEFORE = re.compile(r"\b(?:r|rank|lora_r|alpha|lora_alpha)\s*(?:=|:)?\s*$", re.I)
_RANGE_JOIN = re.compile(r"\s*(?:-|to|–|and|or)\s*(?=\d)")
_BETWEEN = re.compile(r"between\s*$", re.I)
# "rises from 4,194,304 to 4,456,448": a change between two values, not a range
_CHANGE_FROM = re.compile(r"(?:\b(?:ris\w*|rose|grow\w*|grew|go(?:es)?|went|jump\w*|climb\w*|"
                          r"increas\w*|drop\w*|fall\w*|fell|decreas\w*|shrink\w*|shrank|cut\w*|"
                          r"reduc\w*|chang\w*|mov\w*|rais\w*|lift\w*|bump\w*|boost\w*|lower\w*|"
                          r"halv\w*|doubl\w*|brings?|brought|tak(?:e|es|ing)|took|"
                          r"expand\w*|trim\w*|slash\w*|multipl\w*)\s+(?:[\w-]+\s+){0,3}?from|"
                          # "grows by 8x, from 20.0M to 159.9M": a factor, then the change
                          r"\b\d{1,4}(?:\.\d{1,2})?\s*x\b[^.;\d]{0,30}?\bfrom|"
                          # "a 5x jump in trainable params, 8.4M to 40M": the change named, then
                          # its two ends
                          r"\b(?:jump|increase|rise|growth|climb|drop|decrease|reduction|cut)s?\b"
                          r"(?:\s+(?:in|of)\s+[^.;,\d]{1,30})?,)\s*(?:(?:about|around|"
                          r"roughly|approximately)\s+|~\s*)?$", re.I)


@cache
def _units() -> list[tuple[re.Pattern, str, float, str]]:
    """(pattern, unit, factor, stated) from units.yaml, longest spelling first."""
    rows = []
    for entry in load("units"):
        for spelling in entry["spellings"]:
            flags = 0 if entry.get("case_sensitive") else re.I
            rows.append((re.compile(rf"\s*-?\s*(?:{spelling})", flags), entry["unit"],
                         float(entry.get("factor", 1)), entry["name"]))
    return rows


def _unit_at(text: str, pos: int) -> tuple[str, float, str, int] | None:
    for pattern, unit, factor, name in _units():
        m = pattern.match(text, pos)
        if m:
            return unit, factor, name, m.end()
    return None


_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
           "b": 1e9, "trillion": 1e12, "t": 1e12}


def _value(raw: str) -> tuple[float, float]:
    """(value, precision) of a number as written."""
    mantissa, _, exp = raw.lower().partition("e")
    value = float(mantissa.replace(",", ""))
    precision = half_unit(mantissa)
    if exp:
        value *= 10.0 ** int(exp)
        precision *= 10.0 ** int(exp)
    return value, precision


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in a normalised sentence, in order."""
    out: list[Quantity] = []
    # a time of day or a video's timestamp ("08:30", "[15:40]") states no quantity
    clock = [m.span() for m in _CLOCK.finditer(text)] if ":" in text else []
    # ... nor does a numbered part of a document ("Exercise 9.7", "Solution 11.4(b)", "§3.2")
    clock += [m.span(1) for m in _LABEL_NUMBER.finditer(text)]
    clock += [m.span() for m in _PAGE.finditer(text)]  # "p. 37:", "page 58", "pp. 12-14"
    clock += [m.span() for m in _ARXIV_ID.finditer(text)] if "." in text else []
    # ... nor does a thread post's number ("7/ rsLoRA in one line: ...")
    clock += [m.span(1) for m in _POST_NUMBER.finditer(text)]
    clock += [m.span(1) if m.group(1) else m.span(2) if m.group(2) else m.span(3)
              for m in _ISSUE_NUMBER.finditer(text)] \
        if "#" in text or ":" in text or "-" in text else []
    clock += [m.span(1) for m in _YEAR_DATE.finditer(text)]
    clock += [m.span(1) for m in _YEAR_WORK.finditer(text)]
    clock += [m.span(1) for m in _YEAR_CITED.finditer(text)] if "al" in text else []
    clock += [m.span() for m in _ISO_DATE.finditer(text)] if "-" in text or "/" in text \
        or "." in text else []
    clock += [m.span(1) for m in _YEAR_CELL.finditer(text)] if "|" in text else []
    clock += [m.span(1) for m in _GPU_NUMBER.finditer(text)]
    numbers = [m for m in _NUMBER.finditer(text)
               if not any(a <= m.start() < b for a, b in clock)]
    skip_until = -1
    for i, m in enumerate(numbers):
        if m.start() < skip_until:
            continue
        try:
            value, precision = _value(m.group(0))
        except (ValueError, OverflowError):
            continue
        if not math.isfinite(value):
            continue
        end = m.end()
        high = None
        high_precision = 0.0
        start = m.start()
        part = (_PART_OF.match(text, end) or _ONE_IN.match(text, end)) \
            if 1 <= value <= 9 and value == int(value) else None
        if part:  # "about 1/1600 of the model", "1/64 of the entries of W0": a share
            whole, whole_precision = _value(part.group(1))
            if whole > value:
                share = 100.0 * value / whole
                out.append(Quantity(
                    value=share, unit="pct", bound=_bound(text, start),
                    precision=share * max(whole_precision, 0.5) / whole, stated_unit="/",
                    text=text[start:part.end(1)], span=(start, part.end(1))))
                skip_until = part.end(1)
                continue
        # a range "5-50 MB", "0.1 to 1%", "between 14 and 18 GB"
        nxt = numbers[i + 1] if i + 1 < len(numbers) else None
        if nxt is not None:
            past = _skip_unit_and_scale(text, end)
            join = _RANGE_JOIN.match(text, past)
            first_unit = text[end:past].strip().lower()
            second_unit = text[nxt.end():_skip_unit_and_scale(text, nxt.end())].strip().lower()
            if first_unit and second_unit and first_unit != second_unit:
                join = None  # "from 7B to 20M": two quantities, not a range
            if join and not first_unit and _SETTING_BEFORE.search(text, max(0, start - 12), start):
                join = None  # "at r = 16 - 99.6%": a setting, then a row's value
            if join and join.end() == nxt.start():
                word = text[join.start():join.end()].strip()
                between = _BETWEEN.search(text, max(0, start - 12), start)
                change = word == "to" and _CHANGE_FROM.search(text, max(0, start - 48), start)
                if (word in ("-", "to", "–") and not change) or (word == "and" and between):
                    try:
                        high, high_precision = _value(nxt.group(0))
                    except (ValueError, OverflowError):
                        high = None
                    if high is not None and math.isfinite(high) and high > value:
                        end = nxt.end()
                        skip_until = nxt.end()
                    else:
                        high = None
        scale = _SCALE.match(text, end)
        factor = 1.0
        if scale and not _unit_at(text, end):  # "7 B" is billions unless a byte unit follows
            factor = _SCALES[scale.group(1).lower()]
            end = scale.end()
        unit_hit = _unit_at(text, end)
        if unit_hit is not None:
            unit, unit_factor, stated, end = unit_hit
        elif factor != 1.0:
            unit, unit_factor, stated = "count", 1.0, scale.group(1) if scale else ""
        else:
            unit, unit_factor, stated = "count", 1.0, ""
        if unit == "count" and not stated and _FACTOR_OF.search(text, max(0, start - 40), start):
            unit = "x"  # "by a factor of (about) 3": a ratio
        if unit == "plus":  # "140+ GB": a lower bound, the unit after the plus
            after = _unit_at(text, end)
            unit, unit_factor, stated, end = after if after else ("count", 1.0, "", end)
            bound = "ge"
        else:
            bound = _bound(text, start)
        mult = factor * unit_factor
        if high is not None:
            bound = "range"
        if bound == "eq" and _EXACTLY.search(text, max(0, start - 14), start):
            precision = high_precision = 0.0  # "exactly 4 bits": no rounding is allowed for
        out.append(Quantity(
            value=value * mult, unit=unit, bound=bound,
            high=high * mult if high is not None else None,
            precision=max(precision, high_precision) * mult, stated_unit=stated,
            text=text[start:end], span=(start, end)))
    for m in _ONE_WORD_IN.finditer(text) if " in " in text or " out of " in text else ():
        whole, whole_precision = _value(m.group(1))  # "one parameter in every 100"
        if whole >= 2 and not any(q.span[0] <= m.start(1) < q.span[1] and q.unit == "pct"
                                  for q in out):
            out = [q for q in out if not m.start(1) <= q.span[0] < m.end(1)]
            share = 100.0 / whole
            out.append(Quantity(value=share, unit="pct", bound=_bound(text, m.start()),
                                precision=share * max(whole_precision, 0.5) / whole,
                                stated_unit="/", text=m.group(0), span=m.span()))
            out.sort(key=lambda q: q.span)
    return _unit_carried(text, out)


# "from 0.5 bits per parameter down to about 0.127": the second figure, written bare, is in
# the first one's unit (units read one for one: bits, %, x)
_TO_BARE = re.compile(r"\b(?:down\s+|up\s+)?to\s+(?:about\s+|roughly\s+|around\s+|approximately\s+|"
                      r"only\s+|just\s+|~\s*)?$", re.I)
_CARRIED = ("bits", "pct", "x")


def _unit_carried(text: str, out: list[Quantity]) -> list[Quantity]:
    for i, q in enumerate(out):
        if q.unit != "count" or q.stated_unit or i == 0:
            continue
        prev = out[i - 1]
        if prev.unit not in _CARRIED or q.span[0] - prev.span[1] > 80 \
                or not re.search(r"\bfrom\s+(?:about\s+|~\s*)?$",
                                 text[max(0, prev.span[0] - 20):prev.span[0]], re.I) \
                or not _TO_BARE.search(text, prev.span[1], q.span[0]) \
                or re.search(r"[;.]", text[prev.span[1]:q.span[0]]):
            continue
        out[i] = replace(q, unit=prev.unit, stated_unit=prev.stated_unit)
    return out


# a part of a whole said as a fraction: "1/64 of the entries", "about 1/1600 of the model"
_PART_OF = re.compile(r"\s*/\s*(\d{1,3}(?:,\d{3})+|\d{2,7})\s+of\b")
# ... or as "N in (every) M": "one parameter in every hundred", "1 in 1,000 of the weights"
_ONE_IN = re.compile(r"\s+(?:(?:trainable\s+|learnable\s+|tuned\s+)?(?:parameters?|params|"
                     r"weights?)\s+)?(?:in|out\s+of)\s+(?:every\s+|each\s+)?"
                     r"(\d{1,3}(?:,\d{3})+|\d{2,7})(?=\s*(?:$|[.,;:)]|(?:trainable\s+|model\s+)?"
                     r"(?:parameters?|params|weights?)\b|of\b))", re.I)
_ONE_WORD_IN = re.compile(r"\b(?:one|a\s+single)" + _ONE_IN.pattern, re.I)
# ("almost exactly", "nearly precisely" keep the figure's rounding)
_EXACTLY = re.compile(r"(?<!almost )(?<!nearly )(?<!not )\b(?:exactly|precisely)\s*$", re.I)
_FACTOR_OF = re.compile(r"\bfactor\s+of\s+(?:(?:about|roughly|around|approximately|nearly|"
                        r"almost|some|over|more than|up to|at least|at most|~)\s*)?$", re.I)


def _skip_unit_and_scale(text: str, pos: int) -> int:
    """Past a unit or scale right after a number ('5 MB - 50 MB', '0.1% to 1%')."""
    scale = _SCALE.match(text, pos)
    if scale:
        pos = scale.end()
    hit = _unit_at(text, pos)
    return hit[3] if hit else pos


# "brings the count up to 8,388,608", "the file goes up to 160 MB", "the shards add up to 15 GB":
# where a change or a sum ends, not a bound
_UP_TO_OF_CHANGE = re.compile(r"\b(?:brings?|brought|bringing|goes|go|went|going|ris\w*|rose|"
                              r"adds?|added|adding|"
                              r"grows?|grew|jump\w*|climb\w*|bump\w*|push\w*|(?:it|that|this|"
                              r"count|total|number))\s+up\s+to\s*(?:about|around|approximately|"
                              r"roughly|~)?\s*$", re.I)


def _bound(text: str, start: int) -> str:
    before = text[max(0, start - 24):start]
    if _BEFORE_LE.search(before) and not _UP_TO_OF_CHANGE.search(text, max(0, start - 48),
                                                                   start):
        return "le"
    if _BEFORE_GE.search(before):
        return "ge"
    if _BEFORE_APPROX.search(before):
        return "approx"
    return "eq"
