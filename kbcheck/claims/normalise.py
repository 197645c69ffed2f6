"""Sentence normalisation: one uniform text for every later step of claim understanding.

NFKC (so W₀ is W0), ASCII dashes and quotes, no code backticks, no citations' years ("(Hu et
al., 2021)", "[12]"), x for the multiplication sign, Greek letters and LaTeX commands spelled
out (α -> alpha, \\sqrt{r} -> sqrt(r)), a yes/no question with its answer as a statement
("Does X merge? No." -> "Does not X merge."), no alternative set aside ("instead of A"), number
words as digits ("sixteen" -> 16, "ten thousand" -> 10000, "a quarter" -> 0.25, "twice" ->
2x), and unit words as symbols ("48-gigabyte" -> 48 GB). Every pattern here is linear in the input.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from .lexicon import load

_FOOTNOTE_MARK = re.compile("^\\s*[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]{1,3}\\s+")
_CHARS = str.maketrans({
    "\u00d7": "x", "\u22c5": "*", "\u00b7": "*", "\u2013": "-", "\u2014": " - ", "\u2212": "-",
    "\u2011": "-", "\u2010": "-", "\u2248": "~", "\u223c": "~", "\u226a": "<<", "\u2264": "<=",
    "\u2265": ">=", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
    "\u2260": " is not ",  # "merging into a 4-bit base ≠ exact"
    "\u03b1": "alpha", "\u03bb": "lambda", "\u0394": "Delta", "\u03b4": "delta",
    "\u03b7": "eta", "\u03b8": "theta", "\u03c3": "sigma", "\u221a": "sqrt ", "\u2208": " in ",
    "\u2016": "||", "\u2192": "->", "\u2193": " down ", "\u2191": " up ", "\u00a0": " ",
    "`": None,  # code marks: `lora_A` is lora_A
})

_LATEX = [
    (re.compile(r"\\(?:mathbb|mathrm|text|textbf|mathbf|operatorname)\s*\{([^{}]{0,40})\}"), r"\1"),
    (re.compile(r"\\sqrt\s*\{([^{}]{0,40})\}"), r"sqrt(\1)"),
    # "\frac{\alpha}{r}", "\tfrac{\alpha}{r}": (alpha/r), the Greek letter read as a word
    (re.compile(r"\\[dt]?frac\s*\{\s*\\?(\w{1,12})\s*\}\s*\{\s*\\?(\w{1,12})\s*\}"), r"(\1/\2)"),
    (re.compile(r"\\[dt]?frac\s*\{([^{}]{0,40})\}\s*\{([^{}]{0,40})\}"), r"(\1)/(\2)"),
    # a subscript index: "W_0", "W_{0}" are W0
    (re.compile(r"\b([A-Za-z])_\{?(\d)\}?"), r"\1\2"),
    (re.compile(r"\\(times)\b"), " x "),
    (re.compile(r"\\(cdot)\b"), " * "),
    (re.compile(r"\\(ll)\b"), " << "),
    (re.compile(r"\\(ne|neq)\b"), " != "),
    (re.compile(r"\\(approx|sim)\b"), " ~ "),
    (re.compile(r"\\(alpha|lambda|Delta|delta|eta|sigma|theta|in|min|max|sqrt)\b"), r" \1 "),
    (re.compile(r"\\[()\[\]]"), " "),
    (re.compile(r"[{}$]"), " "),
]

_UNITS = [
    # ", as shipped," / ", as released,": the published checkpoint, which is how a model's
    # size is read when no dtype is said
    (re.compile(r",\s*as\s+(?:shipped|released|published|distributed|downloaded|uploaded)\s*,",
                re.I), ""),
    (re.compile(r"(\d)\s*-?\s*(?:gigabytes?|gbytes?|gigs?)\b", re.I), r"\1 GB"),
    (re.compile(r"(\d)\s*-?\s*(?:megabytes?|mbytes?|megs)\b", re.I), r"\1 MB"),
    (re.compile(r"(\d)\s*-?\s*(?:terabytes?)\b", re.I), r"\1 TB"),
    (re.compile(r"(\d)\s*-?\s*(?:kilobytes?)\b", re.I), r"\1 KB"),
    # a share of one byte ("a quarter of a byte", "half a byte" per weight): so many bits
    (re.compile(r"(?<![\d.])(0?\.\d{1,4})\s+(?:of\s+)?(?:an?\s+|one\s+)?byte\b", re.I),
     lambda m: f"{float(m.group(1)) * 8:g} bits"),
    # a width with its hyphen dropped: "the 4bit base", "load_in_8bit" stays a name
    (re.compile(r"(?<![\w.])(4|8|16|32)bit\b", re.I), r"\1-bit"),
    (re.compile(r"(\d)\s*-?\s*(?:gibibytes?)\b", re.I), r"\1 GiB"),
    (re.compile(r"(\d)\s*-?\s*(?:mebibytes?)\b", re.I), r"\1 MiB"),
    (re.compile(r"(\d)\s*-\s*(GB|MB|GiB|MiB|TB|KB)\b"), r"\1 \2"),
    (re.compile(r"\bper cent\b|\bpercent\b", re.I), "%"),
    # "a quarter of one percent" (0.25 of 1 %), "half a percent": a share of a percent, said
    # in words as coarsely as a reader takes it: within a fifth of the fraction either way
    (re.compile(r"(?<![\d.])(?:(0?\.\d+)|half)\s+(?:of\s+)?(?:a|one|1)\s*%", re.I),
     lambda m: _coarse_share(m, float(m.group(1) or 0.5))),
]

# A bound before a share ("under half a percent"): one side is stated, the value as it is
_BOUND_BEFORE = re.compile(r"(?:under|below|less than|fewer than|at most|up to|no more than|"
                           r"over|above|more than|at least|exceed\w*)\s*(?:about\s+)?$", re.I)


def _coarse_share(m: re.Match, value: float) -> str:
    if _BOUND_BEFORE.search(m.string, max(0, m.start() - 24), m.start()):
        return f"{value:g}%"
    return f"{value * 0.8:.3g}-{value * 1.2:.3g}%"

_WORD_FOLD = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|twelve|sixteen|"
                        r"twenty|thirty|forty|fifty|hundred|thousand)fold\b", re.I)
# a decimal share of a size ("0.25 of the memory of its fp16 version", as fraction words are
# written): that percentage of it
_SHARE_OF = re.compile(r"(?<![\d.])(0?\.\d{1,3}) of (?=(?:the |its |their |an? )?(?:[\w-]+ )?"
                       r"(?:memory|size|storage|footprint|space|bytes|VRAM)\b|"
                       # ("a quarter of fp16": of the dtype's size)
                       r"(?:fp16|bf16|fp32|float16|bfloat16|float32|16-bit|32-bit)\b)", re.I)


def _share_of(m: re.Match) -> str:
    return f"{float(m.group(1)) * 100:g}% of "


# two settings given one value in a chain: "r = lora_alpha = 16" is r = 16 and lora_alpha = 16
_CHAIN = re.compile(r"\b(r|rank|lora_alpha|alpha|α)\s*=\s*(r|rank|lora_alpha|alpha|α)\s*=\s*"
                    r"(\d{1,4}(?:\.\d+)?)\b(?!\s*[*/^(.])")

# a matrix's learning rate written as a function of it: "lr(B)", "eta(A)" are lr_B, eta_A
_RATE_CALL = re.compile(r"\b(eta|lr)\s*\(\s*(?-i:([AB]))\s*\)", re.I)

_ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
# A size said by its order only: "a few hundred MB" is 200-900 MB, "a couple of thousand MB"
# 1500-3000, "hundreds of megabytes" 200-900 (never the bare 100 its scale word would give; a
# count said so, "a few million parameters", stays a hedge with no number)
_VAGUE = re.compile(r"\b(?:(?P<few>a\s+few|several)|(?P<couple>a\s+couple(?:\s+of)?))\s+"
                    r"(?P<scale>hundred|thousand)\b(?=\s*(?:[KMGT]i?B|megabytes|gigabytes)\b)|"
                    r"\b(?P<plural>hundreds|thousands)\s+of\b(?=\s+(?:[KMGT]i?B|megabytes|"
                    r"gigabytes)\b)", re.I)
_HAS_VAGUE = re.compile(r"\b(?:few|several|couple|hundreds|thousands)\b", re.I)
_ORDER = {"hundred": 100, "thousand": 1000, "hundreds": 100, "thousands": 1000}


def _vague(m: re.Match) -> str:
    if m.group("plural"):
        unit = _ORDER[m.group("plural").lower()]
        return f"{2 * unit}-{9 * unit}"
    low, high = (2, 9) if m.group("few") else (1.5, 3)
    unit = _ORDER[m.group("scale").lower()]
    return f"{low * unit:g}-{high * unit:g}"


_SCALES = {"hundred": 100, "thousand": 1000}  # million/billion stay words: units read them
# A fraction in words: a numerator ("a", "one" … "nine") and a denominator ("half", "thirds",
# "eighth" …): "three-eighths" -> 0.375, "a quarter" -> 0.25, "half a" -> 0.5.
_NUMERATORS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
               "seven": 7, "eight": 8, "nine": 9}
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
                 "fourth": 4, "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6,
                 "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9,
                 "tenth": 10, "tenths": 10, "twentieth": 20, "twentieths": 20, "thirtieth": 30,
                 "fortieth": 40, "fiftieth": 50, "fiftieths": 50, "hundredth": 100,
                 "hundredths": 100, "thousandth": 1000, "thousandths": 1000,
                 "ten-thousandth": 10000, "ten-thousandths": 10000,
                 "ten thousandth": 10000, "millionth": 10**6, "millionths": 10**6}
# what a multiplier verb is followed by ("doubles the count", "doubles your params", "doubles
# LoRA's count"), a verb that ends its clause ("the count quadruples.") or one set against
# another ("doubled compared with LoRA"): not the adjective ("double quantization")
_OF_WHAT = (r"(?:(?= (?:the|its|your|their|our|my|his|her|this|that)\b)"
            r"|(?<=[sd])(?= [\w+-]{1,20}'s\b)|(?<=s)(?=\s*(?:[.,;]|$|\s+(?:too|as well|in size)\b))"
            r"|(?=\s+(?:compared\s+(?:with|to)|relative\s+to)\b))")
_AFTER_COMMA = (r"(,\s+(?:(?:roughly|about|nearly|approximately|almost|effectively|essentially|"
                r"thereby|thus|so)\s+)?)")
_OF_AMOUNT = (r"(?=\s+(?:the|its|your|their|our)\s+(?:[\w-]+\s+){0,2}?(?:number|count|size|memory|"
              r"param\w*|footprint|files?|storage|total)\b)")
_MULTIPLIERS = [
    # (not how often something is done: "quantized twice, first to 4 bits", "runs twice")
    (re.compile(r"\btwice\b(?!\s*(?:[,;:.)]|$|(?:first|over|in\s+a\s+row|per|"
                r"during|when|before|after|and|or)\b))", re.I), "2x"),
    (re.compile(r"\bthrice\b", re.I), "3x"),
    (re.compile(rf"\b(?:double|doubles|doubled)\b{_OF_WHAT}", re.I), "2x"),
    (re.compile(rf"\b(?:triple|triples|tripled)\b{_OF_WHAT}", re.I), "3x"),
    (re.compile(rf"\b(?:quadruple|quadruples|quadrupled)\b{_OF_WHAT}", re.I), "4x"),
    (re.compile(r"\b(?:an|one) order of magnitude\b", re.I), "10x"),
    # a result said after a comma ("adds a vector per layer, roughly doubling the count"); not
    # the change a sentence opens with ("doubling the rank doubles the count": a condition)
    (re.compile(rf"{_AFTER_COMMA}doubling{_OF_AMOUNT}", re.I), r"\g<1>2x"),
    (re.compile(rf"{_AFTER_COMMA}tripling{_OF_AMOUNT}", re.I), r"\g<1>3x"),
    # "multiplies the parameter count by 64", "multiplies the scaling factor by 4": a factor
    # (not a form: "multiplies the update by alpha/r")
    # ("multiplies your adapter's scale by four", "... by exactly 3.5")
    (re.compile(r"(\bmultipl(?:y|ies|ied|ying)\s+(?:the\s+|its\s+|your\s+)?(?:[\w'-]+\s+){0,2}?"
                r"(?:param\w*|count|number|size|file|scal\w*|factor|multiplier)\s+(?:[\w-]+\s+){0,2}?by\s+(?:about\s+|"
                r"roughly\s+|around\s+|exactly\s+|precisely\s+|~\s*)?)(\d{1,4}(?:\.\d{1,2})?)(?!\d|[.,]\d|\s*(?:%|x\b|times\b|"
                r"[KMGT]i?B\b|bits?\b|bytes?\b))", re.I), r"\g<1>\g<2>x"),
    (re.compile(r"\b(\d+) orders of magnitude\b", re.I), None),  # 10**n, below
]
_WORD = "|".join(sorted([*_ONES, *_TENS, *_SCALES], key=len, reverse=True))
# A run of number words: "ten thousand", "twenty-four", "one hundred and twenty".
_NUMBER_WORDS = re.compile(rf"\b(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}))*\b", re.I)
_FRACTION_WORDS = re.compile(
    r"\b(?:(?P<num>" + "|".join(_NUMERATORS) + r")[\s-]+(?P<den>"
    + "|".join(sorted(_DENOMINATORS, key=len, reverse=True))
    + r")(?!-\w|\s+precision)|(?P<half>half)\s+an?)\b",
    re.I)


# One part in a compound ordinal: "a five-hundredth" is 1/500 ("five hundredths" is 5/100).
_ONE_PART_IN = re.compile(
    r"\b(?:a|an|one)\s+(?P<n>" + "|".join(k for k in _ONES if k not in ("zero", "one"))
    + r")[\s-]+(?P<den>hundredth|thousandth)\b", re.I)


def _one_part_in(m: re.Match) -> str:
    value = 1 / (_ONES[m.group("n").lower()] * _DENOMINATORS[m.group("den").lower()])
    return f"{value * 100:.4g}%"


_PERCENT_AFTER = re.compile(r"\s*(?:percent|per cent|%)", re.I)


def _fraction(m: re.Match) -> str:
    if m.group("half"):  # "half a percent": as coarse as "a quarter of one percent"
        coarse = _PERCENT_AFTER.match(m.string, m.end()) and not _BOUND_BEFORE.search(
            m.string, max(0, m.start() - 24), m.start())
        return "0.4-0.6" if coarse else "0.5"
    value = _NUMERATORS[m.group("num").lower()] / _DENOMINATORS[m.group("den").lower()]
    if value < 0.01:  # "one ten-thousandth of the model": a share, as people write it in %
        return f"{value * 100:.4g}%"
    if _TIME_AFTER.match(m.string, m.end()) or _SLOWS_BY.search(
            m.string, max(0, m.start() - 40), m.start()) or _CUTS_BY.search(
            m.string, max(0, m.start() - 60), m.start()):
        # "a fifth slower", "slows decoding by a fifth": 20%; "cuts memory by two thirds"
        return f"{value * 100:.4g}%"
    return f"{value:.4g}"


# A fraction of a time: "a fifth slower", "slows generation by about a third"
_TIME_AFTER = re.compile(r"\s+(?:slower|faster|longer|shorter|more\s+time|less\s+time)\b", re.I)
_SLOWS_BY = re.compile(r"\b(?:slow\w*|speeds?\s+up|sped\s+up|lengthen\w*|delay\w*)\s+"
                       r"(?:[\w-]+\s+){0,2}?by\s+(?:about\s+|roughly\s+|around\s+|nearly\s+|"
                       r"almost\s+|~\s*)?$", re.I)
# A fraction something is cut by: "cuts GPU memory during training by about two thirds"
_CUTS_BY = re.compile(r"\b(?:cut|cuts|cutting|reduc\w*|lower\w*|shrink\w*|shrank|"
                      r"sav(?:e|es|ed|ing)|trim\w*|decreas\w*|drop\w*|slash\w*)\s+"
                      r"(?:[\w-]+\s+){0,5}?by\s+"
                      r"(?:about\s+|roughly\s+|around\s+|nearly\s+|almost\s+|some\s+|over\s+|"
                      r"more than\s+|~\s*)?$", re.I)
# "a billion parameters", "an extra million weights"
_PART_OF_SCALE = re.compile(r"(?<![\d.])(0?\.\d{1,4}) of 1 (million|billion|trillion)\b", re.I)
_A_SCALE = re.compile(r"\b(?:a|an)\s+(?=(?:million|billion|trillion)\b(?!s))", re.I)
# "80 millions of parameters" (a plural scale after a number, as some writers put it): 80 million
_PLURAL_SCALE = re.compile(r"(?<=\d)\s+(million|billion|thousand)s(?:\s+of)?\b", re.I)
# "7 milliards of parameters" (a thousand million, as French and German count): 7 billion
_MILLIARD = re.compile(r"(?<=\d)\s+milliard(?:s|en)?(?:\s+(?:of|de|d'))?\b", re.I)
# "full FT", "full-FT": full fine-tuning
_FULL_FINETUNE = re.compile(r"\bfull-?finetun(e|es|ed|ing)\b", re.I)
# a library setting's "standard value": its default
_STANDARD_VALUE = re.compile(r"\b(?:standard|stock)\s+(?:value|setting)\s+(?:of|for)\s+"
                             r"(?=`?(?:lora_\w+|r|bias|use_\w+|init_lora_weights|target_modules|"
                             r"bnb_4bit_\w+)\b)", re.I)
_FULL_FT = re.compile(r"\bfull[- ]?FT\b", re.I)
# "one" and "a" alone are articles far more often than numbers; they stay words unless a
# scale or a unit follows ("one thousand", "one 48 GB GPU" stays).
_LONE_ONE = re.compile(r"^(?:one|zero)$", re.I)
_UNIT_AFTER = re.compile(r"\s*(?:%|per ?cent\b|x\b|times\b|-?fold\b|bits?\b|[KMGT]i?B\b|GPUs?\b|"
                         r"params?\b|parameters\b|million\b|billion\b|levels\b|values\b)", re.I)


def _words_value(words: str) -> int | None:
    total, current = 0, 0
    for w in re.split(r"[\s-]+", words.lower()):
        if w == "and":
            continue
        if w in _ONES:
            current += _ONES[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    return total + current


_RANK_BEFORE = re.compile(r"\b(?:rank|r\s*=|rank of|exactly|precisely|(?:scale|factor|multiplier|"
                          r"scaling) of|equal to|equals)\s*$", re.I)


# a figure with its scale in words: "262 thousand", "1.5 thousand" (million and billion stay
# words: units read them)
# a number grouped in threes by spaces, as many languages write it ("22 347 776"): at least two
# groups, so that two numbers side by side ("rank 8 256") are not joined
# (one group where what follows says it is a count, or it is a result worked out: "= 65 536
# trainable parameters")
_SPACED_DIGITS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3}){2,4}(?![\d]|[.,]\d)|"
                            r"(?<=[=\u2248] )\d{1,3} \d{3}(?![\d]|[.,]\d| \d)|"
                            r"(?<![\d.,] )(?<![\d.,])\d{1,3} \d{3}(?= (?:trainable |new |extra )?"
                            r"(?:parameters|params|weights)\b)")
# (and the Indian lakh and crore: "about 42 lakh parameters" is 4,200,000)
_DIGIT_SCALE = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{1,3})?)\s+"
                          r"(thousand|hundred|lakhs?|crores?)\b", re.I)
_DIGIT_SCALES = {**_SCALES, "lakh": 100_000, "lakhs": 100_000, "crore": 10_000_000,
                 "crores": 10_000_000}


def _digit_scale(m: re.Match) -> str:
    value = float(m.group(1)) * _DIGIT_SCALES[m.group(2).lower()]
    return f"{value:.0f}" if value == int(value) else m.group(0)


def _number_words(text: str) -> str:
    def sub(m: re.Match) -> str:
        words = m.group(0)
        if (_LONE_ONE.match(words) and not _UNIT_AFTER.match(text, m.end())
                and not _RANK_BEFORE.search(text, max(0, m.start() - 12), m.start())):
            return words
        value = _words_value(words)
        return words if value is None else str(value)

    return _NUMBER_WORDS.sub(sub, text)


def _orders(m: re.Match) -> str:
    return f"{10 ** min(int(m.group(1)), 12)}x"


_HAS_FRACTION = re.compile(r"half|third|quarter|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
                           r"tieth|hundredth|thousandth", re.I)
_HAS_MULTIPLIER = re.compile(r"twice|thrice|doubl|tripl|quadrupl|order|multipl", re.I)


# A citation's year is not a quantity: "(Hu et al., 2021)", "(Dettmers et al. 2023; Hu et al.,
# 2021)", "(Hu et al., 2021, arXiv:2106.09685)", "Houlsby et al. (2019)", "[12]", "[3, 7]" are
# dropped (the authors' names stay, outside the brackets only where they were).
_CITED_ID = r"(?:arXiv:?\s*\d{4}\.\d{4,5}(?:v\d{1,2})?|doi:?\s*10\.[\w./-]{1,80})"
_CITATION = re.compile(
    r"\s*\((?:[^()\d]{1,60}?,?\s*(?:19|20)\d\d[a-z]?\s*[;,]?\s*){1,4}(?:" + _CITED_ID
    + r"\s*)?\)"
    r"|(?<=et al\.)\s*\((?:19|20)\d\d[a-z]?\)"
    r"|(?<=et al)\s*\((?:19|20)\d\d[a-z]?\)"
    r"|\s*\[\d{1,3}(?:\s*[,-]\s*\d{1,3}){0,6}\](?!\s*[(=:])")


_YEAR = re.compile(r",?\s*(?:19|20)\d\d[a-z]?\b")


def _citation(m: re.Match) -> str:
    """A citation without its years: "(Hu et al., 2021)" -> " (Hu et al.)", "[12]" -> "" (the
    authors' names say which work, and so which method, a sentence speaks of)."""
    inner = _YEAR.sub("", re.sub(_CITED_ID, "", m.group(0), flags=re.I)).strip()
    if not inner.startswith("(") or not any(c.isalpha() for c in inner):
        return ""
    return " " + inner.replace(" ;", ";").replace("; )", ")").replace("()", "")


_ONLY = re.compile(r"\b(?:nothing|none|no one|nobody)\s+(?:but|except|other than|apart from|"
                   r"besides|save for)\b", re.I)


# "instead of FP4", "rather than A": the alternative a sentence sets aside is not stated of its
# subject; it goes, up to the end of its clause (at most a dozen words, else it stays: where it
# ends is not clear). A formula set aside stays (see _FORMULA).
_REJECTED = re.compile(r"(?:,?\s*\b(?:instead of|rather than|as opposed to)\b"
                       # ", not the 21 million printed earlier": a figure set aside
                       r"|,\s*(?:and\s+)?not\s+(?=(?:the\s+|a\s+|an\s+)?(?:about\s+|roughly\s+|"
                       r"around\s+|~\s*)?\d"
                       # ", not lora_alpha/r": a formula set aside
                       r"|(?:the\s+)?(?:[\w-]+\s+)?(?:lora_)?(?:alpha|\u03b1)\s*/)"
                       # "84M trainable params not 42M": a figure set against one, no comma
                       r"|(?:(?<=\d)|(?<=\d[%xMKBG])|(?<=params)|(?<=parameters)|(?<=MB)|(?<=GB)|"
                       r"(?<=GiB)|(?<=bits))\s+not\s+(?=(?:about\s+|roughly\s+|around\s+|~\s*)?"
                       r"\d))"
                       r"(?P<rest>(?:[^,;:.!?()]|\.(?=\d)|,(?=\d{3}\b)){0,120}?)"
                       # (a dash ends it: ", not 4.127 - the 4.127 figure is ...")
                       # (not a comma inside a number: "instead of 16,777,216")
                       r"(?=,(?!\d{3}\b)|[;:!?()]|\.(?!\d)|\s(?:and|but|so|because|while|whereas|"
                       r"since)\s|"
                       r"\s[-\u2013\u2014]{1,2}\s|$)",
                       re.I)
_REJECTED_WORDS = 12
# a clause of its own inside the words after "instead of" ("instead of dividing by r you divide
# by its square root")
_PRONOUN_CLAUSE = re.compile(r"(?<=\s)(?:you|we|they|one)\s+(?!(?:and|or|of|to)\b)[a-z]{3,}\b",
                             re.I)


# "a rank of 32 instead of 8": a change of rank, from the one set aside to the one taken
_RANK_INSTEAD = re.compile(r"\b(rank|r|lora_r)\s*(?:of|=|:)?\s*(\d{1,4})\s+(?:instead of|"
                           r"rather than)\s+(?:(?:rank|r)\s*(?:=\s*)?)?(\d{1,4})\b", re.I)


# "not X but Y": Y is what is said, X what is set aside ("the scale is not alpha/r but
# alpha/sqrt(r)"); not "not only X but also Y" (both said), nor an auxiliary's "does not X but
# Y" (its verb would be lost)
_NOT_BUT = re.compile(r"(?<!\bdo)(?<!\bdoes)(?<!\bdid)(?<!\bcan)(?<!\bcould)(?<!\bwill)"
                      r"(?<!\bwould)(?<!\bshould)(?<!\bmust)(?<!\bmay)(?<!\bmight)\s+not\s+"
                      r"(?!(?:only|just|merely|simply|even|because|since|that|so|to)\b)"
                      r"(?P<prep>(?:with|by|as|to|in|at|on|for)\s+)?"
                      r"(?P<x>(?:(?!(?:but|not)\b)[^\s,;:.!?]+\s+){0,5}?(?!(?:but|not)\b)"
                      r"[^\s,;:.!?]+),?\s+but\s+(?:rather\s+|instead\s+)?(?P=prep)?"
                      r"(?P<y>(?:[^\s,;:!?]+\s+){0,7}?[^\s,;:!?]+?)"
                      r"(?=[,;:!?]|\.(?!\S)|\s(?:and|so|because|since|while|which)\s|$)", re.I)


# the base's weights said with "of" ("the weights of the base model", "the 4-bit weights of
# the frozen base"), in the order the rest of the lexicon reads: "the base weights"
_WEIGHTS_OF_BASE = re.compile(r"\b(?P<the>the\s+|all\s+(?:the\s+)?|any\s+)(?P<adj>[\w.-]+\s+)?"
                              r"(?P<noun>weights|parameters|params|matrices|tensors)\s+of\s+the\s+"
                              r"(?P<base>base|pre-?trained|original|frozen|underlying)"
                              r"(?:\s+(?:model|network|LLM|checkpoint))?\b(?!\s*(?:'s|\u2019s))",
                              re.I)


# a cleft sentence: "it is the A matrix that starts at zero", "it's B, not A, that is zeroed"
# say "the A matrix starts at zero", "B is zeroed" (the phrase a name, "the ..." or "only ...";
# "it is true that" and "it is clear that" are not clefts)
_CLEFT = re.compile(r"\b(?:[Ii]t\s+is|[Ii]t's|[Ii]t\s+was)\s+"
                    r"(?P<x>(?:the|only|just|(?-i:[A-Z])[\w.+'-]*|\w*[_\d]\w*)"
                    r"(?:\s+(?!(?:that|which|who|not)\b)[\w.+'-]+){0,3}?)"
                    r"(?:,\s+not\s+[^,;.]{1,30},)?\s+(?:that|which|who)\s+(?=[a-z])")


_RATE_WORDS = re.compile(r"learning[- ]rates?|\blrs?\b|step[- ]sizes?", re.I)


def _cleft(m: re.Match) -> str:
    # (a matrix's letter in a sentence of learning rates is left for the reader of rate
    # directions, which reads clefts itself: "it is A that gets the larger learning rate")
    if len(m.group("x")) == 1 and _RATE_WORDS.search(m.string):
        return m.group(0)
    return f"{m.group('x')} "


# a hedge inside a range: "between about 8 and 17 MB" is the range 8-17 MB
_BETWEEN_HEDGED = re.compile(r"\bbetween\s+(?:about|roughly|around|approximately|approx\.?|~)\s*"
                             r"(?=\d)", re.I)


# a change's two ends with its direction said ("from 0.25 up to 2"): not a bound on the second
_FROM_UP_TO = re.compile(r"(\bfrom\s+(?:about\s+|roughly\s+|~\s*)?\d[\d.,]{0,12}\s*\S{0,4})\s+"
                         r"(?:all\s+the\s+way\s+)?(?:up|down)\s+to\b", re.I)


# a setting's result written with an arrow: "r=16 and alpha=16 -> scale 4"
_ARROW_SCALE = re.compile(r"\s*(?:->|\u2192|=>)\s*(?:a\s+|the\s+)?"
                          r"(?:scal(?:e|ing)(?:\s+factor)?|multiplier)"
                          r"\s*(?:of\s+|=\s*|:\s*)?(?P<v>\d{1,4}(?:\.\d{1,4})?)\b", re.I)


# a sized model's name between the article and "base weights", in the order the lexicon reads
# the base's weights ("base", the model, "weights")
_MODEL_BASE_WEIGHTS = re.compile(r"\b(?P<det>the|its|our|their|your)\s+"
                                 r"(?P<model>[A-Za-z][\w.-]{0,20}\d[bB](?![\w])(?:-[\w.]{1,12})?)\s+"
                                 r"base\s+(?P<noun>weights|parameters|params|matrices|checkpoint)\b")


def _weights_of_base(m: re.Match) -> str:
    adj = m.group("adj") or ""
    if adj.strip().lower() in ("other", "same", "many", "most", "few", "remaining"):
        return m.group(0)
    return f"{m.group('the')}{adj}{m.group('base')} {m.group('noun')}"


# an auxiliary's "does not V X but Y" where X and Y are formulas, values or dtypes ("rsLoRA
# doesn't use alpha/r but alpha/sqrt(r)"): "uses Y instead of X", the verb kept
_AUX_NOT_BUT = re.compile(r"\b(?P<aux>does|do|did)(?:\s+not|n't)\s+(?P<v>[a-z]{2,15})\s+"
                          r"(?P<x>(?:(?!(?:but|not)\b)[^\s,;:!?]+\s+){0,3}?(?!(?:but|not)\b)"
                          r"[^\s,;:!?]+?),?\s+but\s+(?:rather\s+|instead\s+)?"
                          r"(?P<y>(?:[^\s,;:!?]+\s+){0,4}?[^\s,;:!?]+?)"
                          r"(?=[,;:!?]|\.(?!\S)|\s(?:and|so|because|since|while|which)\s|$)", re.I)
_FORMULA_LIKE = re.compile(r"[/=\d(]|\b(?:fp|bf)(?:16|32)\b|\bnf4\b|\bfp4\b|\bfloat\d", re.I)


def _aux_not_but(m: re.Match) -> str:
    if not (_FORMULA_LIKE.search(m.group("x")) and _FORMULA_LIKE.search(m.group("y"))):
        return m.group(0)
    verb = m.group("v")
    if m.group("aux").lower() == "does":
        verb += "es" if verb.endswith(("s", "sh", "ch", "x", "o")) else "s"
    return f"{verb} {m.group('y')} instead of {m.group('x')}"


def _not_but(m: re.Match) -> str:
    prep = m.group("prep") or ""
    return f" {prep}{m.group('y')} instead of {m.group('x')}"


def _rejected(m: re.Match) -> str:
    rest = m.group("rest")
    if len(rest.split()) > _REJECTED_WORDS:
        return m.group(0)
    said = _PRONOUN_CLAUSE.search(rest)
    if said and m.group(0).lstrip(", ").lower().startswith(("instead", "rather")):
        # "instead of dividing alpha by r you divide by the square root of r": what is set aside
        # ends where the writer's clause begins
        return " " + rest[said.start():]
    if _FORMULA.search(rest):
        # ", not the usual alpha/r" says what "instead of" does, without a denial of its own
        head = m.string[m.start():m.start("rest")]
        return " instead of " + rest.lstrip() if re.search(r"\bnot\b", head) else m.group(0)
    merge = _MERGE_SET_ASIDE.match(rest)
    if merge:
        # "keep the adapter attached instead of merging it": the merge set aside is the state
        # the sentence speaks of, unmerged; what follows it stays
        return " unmerged" + rest[merge.end():]
    verb = _MAIN_VERB.search(rest)
    if verb:  # "storing X instead of the full model shrinks it ...": the set-aside noun only
        return " " + rest[verb.start():]
    return ""


# a merge as the alternative set aside, with its object ("instead of merging it", "rather than
# merged", "instead of folding the adapter in")
_MERGE_SET_ASIDE = re.compile(r"\s*(?:merg(?:e|es|ed|ing)|fold(?:s|ed|ing)?)\b"
                              r"(?:\s+(?:it|them|(?:the|your|each|its)\s+(?:[\w-]+\s+)?"
                              r"(?:adapters?|weights|LoRAs?|update|deltas?)))?(?:\s+(?:in|into\s+"
                              r"(?:the\s+)?(?:base\s+)?(?:model|weights)))?", re.I)


# The main clause's verb after a subject that was set aside ("Storing the adapter instead of the
# full model shrinks it to 35 MB"): where the alternative ends
_MAIN_VERB = re.compile(r"(?<=\s)(?:shrinks|reduces|cuts|brings|drops|takes|needs|requires|"
                        r"makes|gives|lets|allows|saves|costs|is|are|was|were)\b", re.I)


# an answer that goes on past its first word ("Yes, the scale doubles")
_GOES_ON = re.compile(r"(?:[\w'()/.,-]+\s+){2}\w")


# The standard scale set aside ("alpha/sqrt(r) instead of the standard alpha/r") says that the
# other is a variant's: the lexicon reads the pair.
_FORMULA = re.compile(r"\b(?:standard|usual|default|original|plain|conventional|vanilla|regular|"
                      r"classic|traditional|LoRA's)\b.{0,40}?(?:alpha|\u03b1)\s*/", re.I)


# "no" as an answer, not as a determiner: "No, it doesn't", "No it doesn't", but not "no
# gradients are stored for the base" (what the answer says, with its own "no")
_NO_ANSWER = (r"no(?!\s+(?!(?:it|they|that|this|those|these|you|we|i|he|she|the|a|an|not|but|"
              r"because|since|as|only|never|just|unless|if|when|once)\b)[a-z])")


# The setting a question may put first ("After merging, can you ...?") and the label of its
# answer ("A:", "Answer:"): shared with the reading of questions and answers over two lines
# (claims.extract)
QUESTION_SETTING = (r"(?:after|once|when|with|without|in|on|for|at|under|if|before|during|since|"
                    r"given\s+that|now\s+that)\s+"
                    r"[^?,;:]{1,50},\s*")
ANSWER_LABEL = r"(?:A|Answer|Ans)\s*[:.]\s*"


# a speaker's label in a transcript ("STUDENT:", "Dr. Rao (host):"): capitalised, a few words
_SPEAKER = r"(?-i:[A-Z][\w.'()-]{0,20}(?: [A-Z(][\w.'()-]{0,20}){0,2}):\s*"
# A yes/no question with its answer ("Q: Does DoRA add latency once merged? A: None at all."):
# the question's words, asserted or denied by the answer, then what the answer goes on to say.
_ANSWERED = re.compile(
    # (after a label of the question: "17:55 Student question - does QLoRA ...?: No; ...")
    # (or whose it is: "Question from last year's group: ...")
    # (or a speaker's name: "STUDENT: Can BA ...? PROFESSOR: No; ...", "Interviewer: ...")
    r"^\s*(?:Q\s*[:.]\s*|[^?]{0,50}?\bquestion\b[^?:\u2014\u2013]{0,40}?(?:[:\u2014\u2013]|--?)\s*|"
    rf"{_SPEAKER})?"
    # (a setting put first: "After merging, can you switch adapters ...?")
    rf"(?P<front>{QUESTION_SETTING})?"
    r"(?P<aux>does|do|did|is|are|was|were|can|could|will|would|should|has|"
    r"have|must)\s+(?P<rest>[^?]{3,240})\?\s*(?:[:\u2014\u2013-]\s*)?"
    rf"(?:{ANSWER_LABEL}|{_SPEAKER})?"
    r"(?P<ans>yes|yep|yeah|correct|true|"
    rf"absolutely|definitely|not at all|not really|{_NO_ANSWER}|nope|none|never|false|nothing|zero|"
    # "Not once merged": a denial with the setting it holds in, which goes on as the clause
    # ("Not on that model: ..."; not "Not without ...", which grants it under a condition)
    r"not(?=\s+(?:once|after|when|if|with|unless|until|as\s+long\s+as|on|in|for|"
    r"anymore|any\s+more)\b))\b"
    r"(?:\s+at\s+all\b|\s+whatsoever\b)?[\s,.:;!-]*", re.I)
# an answer that goes on as a statement of its own (six words or more, not a condition or a
# qualification of the "no": "No, not once merged", "No, only if ...")
_ANSWER_SAYS = re.compile(r"(?!(?:not|only|unless|if|when|once|except|as\s+long|with|without|"
                          r"but|at\s+least|in|on|for|after|before)\b)(?:[\w'()/.,-]+\s+){5}\w",
                          re.I)
_GERUND = re.compile(r"[a-z]{2,20}ing\b", re.I)
_NO = frozenset(("no", "nope", "none", "never", "not at all", "not really", "false", "nothing",
                 "zero"))


# "Q: What does an adapter cost at inference once merged? A: Nothing extra": the question's
# subject and verb with the answer as the object ("an adapter costs nothing extra at inference
# once merged")
_ANSWERED_NOTHING = re.compile(
    r"^\s*(?:Q\s*[:.]\s*)?(?:what|how\s+much(?P<noun>(?:\s+[\w-]+){0,2}?))\s+(?:does|do|did|will|would)"
    r"\s+(?P<subj>[^?]{2,120}?)\s+(?P<verb>cost|add|take|need|require|use|change)\b"
    r"(?P<rest>[^?]{0,200})\?\s*(?:A\s*[:.]\s*)?(?P<ans>nothing|none|zero|no\s+[\w-]+)\b"
    r"(?P<extra>(?:\s+(?:extra|additional|more|at\s+all|whatsoever))?)[\s,.:;!-]*", re.I)


def _answered_nothing(m: re.Match) -> str:
    verb = m.group("verb").lower()
    answer = m.group("ans").lower()
    if answer in ("none", "zero"):
        answer = "nothing"
    if answer == "nothing" and m.group("noun"):  # "How much latency does X add? None": no latency
        answer = "no" + m.group("noun")
    return f"{m.group('subj')} {verb}s {answer}{m.group('extra')}{m.group('rest')}. "


_MODAL = ("can", "could", "will", "would", "should", "may", "might")
_BARE_VERB = re.compile(r"\b(?:be|have|fit|run|merge|train|load|work|use|reduce|save|store|add|"
                        r"keep|hold|cut|serve|share|swap|switch|change|match|stay|remain|go)\b",
                        re.I)


def _answered(m: re.Match) -> str:
    front = m.group("front") or ""
    # ("After merging, can I switch adapters? A: Not on that model: ...": the denial goes on
    # with its setting, the question's setting kept in front)
    if m.group("ans").lower() == "not":  # "Does X? A: Not once merged": "does not X once merged"
        return f"{front}{m.group('aux')} not {m.group('rest')} "
    if front and m.group("ans").lower() not in _NO and _GOES_ON.match(m.string, m.end()):
        # "If I double r ..., does the update grow? A: Yes, the scale doubles": an answer that
        # agrees and goes on is read with the question's words as they stand, its setting in
        # front
        return m.group(0)
    denied = m.group("ans").lower() in _NO
    means = _MEANS.match(m.group("rest")) if denied else None
    if means:  # "Does QLoRA's 4.127 bits mean a 65B model fits in 24 GB? No: ...": what is
        # denied is what it is asked to mean, not the figure the question takes as given
        return f"It is false that {means.group(1)}. {front}"
    if denied and _GERUND.match(m.group("rest")) and _ANSWER_SAYS.match(m.string, m.end()):
        # "Does freezing the base skip backprop? No, gradients still flow through the frozen
        # layers ...": the answer states what holds; the question, denied, would put its "not"
        # on the gerund it opens with ("does not freezing the base ...")
        return ""
    if denied:  # ("does not QLoRA store ..." would deny the name before the verb)
        # (a setting put first stays outside the denial, before what the answer goes on to say:
        # "It is false that inference slower. After merging, W' = W + BA ...")
        rest = m.group("rest")
        if m.group("aux").lower() in _MODAL:  # "Can DoRA be merged? No": "DoRA can be merged"
            # is what is denied (the modal goes before the question's first bare verb)
            rest = _BARE_VERB.sub(lambda v: f"{m.group('aux').lower()} {v.group(0)}", rest,
                                  count=1)
        return f"It is false that {rest}. {front}"
    return f"{front}{m.group('aux')} {m.group('rest')}. "


# a question of what something implies: "(does) X mean (that) Y"
_MEANS = re.compile(r"[^?]{3,120}?\s(?:mean|imply|entail)(?:\s+that)?\s+([^?]{3,200})$", re.I)


# "How many weights were you training? A: ... it's 4,194,304, about 0.06%": the answer's first
# count (not followed by its own unit) is what the question asks for, trainable parameters
_HOW_MANY_TRAINED = re.compile(r"\bhow\s+many\s+(?:trainable\s+|LoRA\s+|adapter\s+)?(?:params|"
                               r"parameters|weights|trainable)\b[^?]{0,160}\?\s*(?:A\s*[:.]\s*)?",
                               re.I)
_FIRST_COUNT = re.compile(r"(?<![\w.,=-])(\d{1,3}(?:,\d{3})+|\d{4,}|\d+(?:\.\d+)?\s*(?:million|"
                          r"billion|M|B)\b)(?!\s*(?:[\w-]+\s+)?(?:params|parameters|weights|%|"
                          r"GB|MB|x\b|times)|[.,]\d|[\w%-])", re.I)


def _how_many_trained(text: str) -> str:
    m = _HOW_MANY_TRAINED.search(text)
    if m is None:
        return text
    # an answer worked out ("32 x (4096 + 1024) = 163,840"): what it equals is the answer, not
    # its first factor
    start = text.rfind("=", m.end()) + 1 or m.end()
    count = _FIRST_COUNT.search(text, start)
    if count is None:
        return text
    return f"{text[:count.end()]} trainable parameters{text[count.end():]}"


# A yes/no question reported, then its answer ("Someone asked whether the base gets updates:
# answer: no, gradients only pass through it"): the answer's own words where it goes on, else
# the question's words, asserted or denied
_ASKED_WHETHER = re.compile(
    r"^[^.?;]{0,60}?\b(?:asked|wondered|wanted\s+to\s+know|was\s+asked)\s+(?:whether|if)\s+"
    r"(?P<rest>[^.?;:\u2014\u2013]{3,200}?)\s*(?:[\u2014\u2013]|--?|[:;,.])\s*(?:the\s+)?"
    r"(?:short\s+)?(?:answer|reply)\s*(?:is|was)?\s*[:.,-]?\s*"
    rf"(?P<ans>yes|{_NO_ANSWER}|nope|not really|correct|true|false)\b"
    r"[\s,.:;!-]*", re.I)


def _asked_whether(m: re.Match) -> str:
    if _ANSWER_SAYS.match(m.string, m.end()):
        return ""  # the answer states what holds
    denied = m.group("ans").lower() in _NO
    return f"{'It is false that ' if denied else ''}{m.group('rest')}. "


# A numbered label that opens a sentence ("Slide 12:", "Step 3 -", "Exercise 4.2)"): where the
# sentence sits in its document, not a quantity of the claim.
_LABEL = re.compile(r"^\s*(?:slide|step|figure|fig\.|table|exercise|problem|question|lecture|"
                    r"section|chapter|part|tip|example|solution|task|item|card|lesson|unit|"
                    r"module|box|panel|note|rule|q|#)\s*"
                    r"\d{1,3}(?:\.\d{1,2})?[a-z]?\s*(?::|\)|\.\s|\s-\s)\s*", re.I)


# a reply's subject line before a dash ("Re: OOM on a 12 GB card -- QLoRA on 13B should fit"):
# the topic replied to, not what the writer says of it
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|fwd?)\s*:\s*[^.;:?!]{1,80}?\s+(?:--|-)\s+"
                            r"(?=(?:\S+\s+){3}\S)", re.I)


# An answer's label that opens a sentence ("A: B starts at zero ...", "A: Yes, merging ..."):
# the label, not the matrix A, when a clause with B as its subject or a yes or no follows
_ANSWER_OPENING = re.compile(r"^\s*A\s*:\s+(?=(?:B\s+(?:starts?|is|was|stays|begins|gets|equals|=)"
                             r"|Yes|No|Nope|Yep|Correct|Right|Wrong)\b)")


# a reply's yes or no to someone else's message, then a statement of the writer's own (six
# words or more): "@above no, 7B params x 2 bytes is ~13.5 GB"
_REPLY_WORD = re.compile(r"^\W{0,3}(?:@[\w.-]{1,30}[,:]?\s+|[\w.-]{1,20}:\s+)?"
                         r"(?:(?:lol|lmao|haha|heh|ugh|um+|uh+|hmm+|ok|okay|well)[,.!]?\s+)?"
                         r"(?:(?:no|nope|nah|yes|yeah|yep)"
                         r"(?:\s+(?:dude|man|mate|bro|buddy|friend|guys?|folks|sir))?\s*[,;:!.]+\s+|"
                         # (after a laugh or a sigh, a bare "no" before "it's": "lol no it's
                         # fp4 by default")
                         r"(?<=[a-z]\s)(?:no|nope|nah)\s+(?=(?:it|it's|that|that's|this|you|they|"
                         r"we|i)\b))(?=(?:[\w'()/.,~-]+\s+){5}\w)", re.I)


# 'Ask the vendor: "Does your LoRA modify the base weights?" Ours never does; ...'
_QUOTED_QUESTION = re.compile(r'"[^"?]{3,200}\?"\s*(?=\S)')


# A unit fraction in digits ("shrinks the scale to 1/4", "1/3 of the memory"): the same words as
# "a quarter", "a third" (not "1/4/8 GPUs", "4/8-bit", a date or a path)
_DIGIT_FRACTION = re.compile(r"(?<![\w./-])1/(3|4|5|6|8|10|100|1000)(?![\w/-]|\.\d|\s*-?\s*bit)")
_FRACTION_NAMES = {"3": "a third", "4": "a quarter", "5": "a fifth", "6": "a sixth",
                   "8": "an eighth", "10": "a tenth", "100": "a hundredth",
                   "1000": "a thousandth"}


# "six and a half" once its words are numbers: "6 and 0.5"
_AND_A_HALF = re.compile(r"(?<![\d.])(\d{1,4}) and 0\.5(?![\d.])")


# a hedge in other words before a number ("by something like 10,000x", "in the region of 40
# GB", "somewhere around 3x"): "about"
# ("averages out to like 3.9 bits": a colloquial "like" after a verb or preposition)
_HEDGE = re.compile(r"(?<=\b(?:to|is|at|be) )like\s+(?=~?\d)|"
                    r"\b(?:something\s+like|somewhere\s+(?:around|near|about)|in\s+the\s+"
                    r"(?:region|ballpark|neighbou?rhood)\s+of|on\s+the\s+order\s+of|more\s+like)"
                    r"\s+(?=[~\d])"
                    # "maybe 28 GB", "probably 40 million": a guess at an amount
                    r"|\b(?:maybe|perhaps|probably|possibly)\s+(?=~?\s*\d[\d,.]*\s*(?:[KMGT]i?B\b|%|"
                    r"percent\b|million\b|billion\b|thousand\b|[MBk]\b|gigs?\b|gigabytes?\b|"
                    r"megabytes?\b|params\b|parameters\b))",
                    re.I)


# the square root of two as a factor: "by a factor of root two", "by sqrt(2)", "by √2"
_BY_ROOT_TWO = re.compile(r"\b(by\s+(?:a\s+factor\s+of\s+)?(?:about\s+|roughly\s+)?)(?:the\s+)?"
                          r"(?:square\s+)?(?:root|sqrt)\s*(?:of\s+)?\(?\s*(?:2|two)\s*\)?(?![\w.])",
                          re.I)


# numbers written with a decimal comma and dots between thousands, as many languages write them
# ("4.194.304 parameters, 0,062 % of 6.738 million"): marked by a number with two dotted groups
# or a comma decimal before a unit, and then read the English way throughout the sentence
_NOT_MORE = r"(?!\d|[.,]\d)"  # (the number ends: no digit, nor a separator before one)
_DECIMAL_COMMA_MARK = re.compile(
    rf"(?<![\d.,])\d{{1,3}}(?:\.\d{{3}}){{2,}}{_NOT_MORE}|"
    rf"(?<![\d.,])\d{{1,3}},\d{{1,2}}{_NOT_MORE}\s*(?:%|[KMGT]i?B\b|bits?\b|bytes?\b)|"
    rf"(?<![\d.,])0,\d{{1,4}}{_NOT_MORE}")
_DOTTED_THOUSANDS = re.compile(
    rf"(?<![\d.,])\d{{1,3}}(?:\.\d{{3}}){{2,}}{_NOT_MORE}|"
    rf"(?<![\d.,])\d{{1,3}}\.\d{{3}}{_NOT_MORE}(?=\s*(?:million|billion|thousand|mil|millones|"
    r"millions|Millionen|milioni|milh[\u00f5o]es|milliards?)\b)", re.I)
_COMMA_DECIMAL = re.compile(rf"(?<![\d.,])(\d+),(\d{{1,4}}){_NOT_MORE}")


def _decimal_comma(text: str) -> str:
    text = _DOTTED_THOUSANDS.sub(lambda m: m.group(0).replace(".", ","), text)
    # (a comma now groups thousands where a dot did: "4,194,304" is left whole below)
    return _COMMA_DECIMAL.sub(lambda m: f"{m.group(1)}.{m.group(2)}"
                              if len(m.group(2)) != 3 or m.group(1) == "0" else m.group(0), text)


# one word in quotes, not a value given in code (after "=" or ":")
_SCARE_QUOTED = re.compile(r"(?<=\s)(?<![=:]\s)['\"\u2018\u201c]"
                           r"(?!(?:none|no|not|never|nothing|null|true|false|all)['\"\u2019\u201d])"
                           r"([A-Za-z][\w-]{1,20})"
                           r"['\"\u2019\u201d](?![\w'])")


# an API reference's row ("r (int, default 8): the rank ...", "lora_alpha (int, defaults to 8)",
# "loraplus_lr_ratio (float, required): ..."): the default said as a sentence says it
_PARAM_ROW = re.compile(
    r"`?\b(?P<name>[A-Za-z_][\w.]{0,40})`?\s*\(\s*`?(?:int|float|str|string|bool|boolean|number|"
    r"integer|torch\.dtype|dtype|Optional\[\w{1,20}\]|list|dict)`?\s*,\s*(?:optional\s*,\s*)?"
    r"(?:defaults?\s*(?:to\s+|=\s*|:\s*|is\s+)?(?P<value>[^,()]{1,30}?)|"
    r"(?P<required>required|mandatory))\s*\)", re.I)


# a row whose label names the unit and whose value is a bare number ("Bits per parameter, NF4
# with double quantization: 4.5"): the value said with its unit
_UNIT_LABEL = re.compile(r"^\W{0,3}(?P<unit>bits|bytes)\s+per\s+(?P<per>parameter|param|weight)\b"
                         r"(?:\s*[,(\u2014-]\s*)?(?P<what>[^:.;]{0,80}?)\)?\s*:\s*"
                         r"(?P<n>\d{1,3}(?:\.\d{1,4})?)(?=\s*\.?\s*$)", re.I)


def _unit_label(m: re.Match) -> str:
    """The row said as a sentence: what it is of, then the value with the label's unit."""
    what = f"{m.group('what').strip()}: " if m.group("what").strip() else ""
    return f"{what}{m.group('n')} {m.group('unit').lower()} per {m.group('per')}"


def _param_row(m: re.Match) -> str:
    if m.group("required"):
        return f"{m.group('name')} is required"
    return f"{m.group('name')} defaults to {m.group('value').strip()}"


# the root of the rank in a word ("divide by root r", "the root of the rank") or in another
# language's ("raiz(r)", "racine de r", "Wurzel aus r"): sqrt(r), as formulas write it (not
# after "square", which the formula words read)
_HAS_ROOT_WORD = re.compile(r"root|ra[i\u00ed]z|racine|wurzel|radice", re.I)
_ROOT_OF_RANK = re.compile(r"(?<!square\s)\b(?:root|ra[i\u00ed]z|racine|wurzel|radice)\s*"
                           r"(?:(?:of|de|aus|di)\s+)?(?:the\s+|la\s+)?(?:\(\s*)?(r|rank)\b(?:\s*\))?",
                           re.I)


# a decimal read out in words: "four point two", "zero point zero six", "13 point 5"
_WHOLE_WORDS = {w: str(v) for w, v in (_ONES | _TENS).items()}
_DIGIT = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)"
# (a whole part in two words, "forty-one point nine", is one number: 41.9)
_POINT = re.compile(rf"\b(\d{{1,4}}|(?:(?:{'|'.join(_TENS)})[\s-])?(?:{'|'.join(_WHOLE_WORDS)}))"
                    rf"\s+point\s+({_DIGIT}(?:\s+{_DIGIT}){{0,4}})\b(?![.,]\d)", re.I)


def _point(m: re.Match) -> str:
    words = re.split(r"[\s-]", m.group(1).lower())
    whole = str(sum(int(_WHOLE_WORDS[w]) for w in words)) if words[0] in _WHOLE_WORDS \
        else m.group(1)
    return whole + "." + "".join("0" if w.lower() == "oh" else _WHOLE_WORDS.get(w.lower(), w)
                                 for w in m.group(2).split())


# a decimal with no whole part read out ("point zero six percent", "point five bits"): 0.06,
# 0.5; only where it starts with zero or a unit follows, so "the point one makes" stays words
_BARE_POINT = re.compile(rf"(?<![\w.,-])(?<![\d.,]\s)point\s+((?:zero|oh)(?:\s+{_DIGIT}){{1,4}}|"
                         rf"{_DIGIT}(?:\s+{_DIGIT}){{0,3}}(?=\s+(?:percent|per\s*cent|bits?|"
                         rf"bytes?|gigabytes?|GB|GiB|million|billion|times)\b|\s*%))\b(?![.,]\d)",
                         re.I)


def _bare_point(m: re.Match) -> str:
    return "0." + "".join("0" if w.lower() == "oh" else _WHOLE_WORDS.get(w.lower(), w)
                          for w in m.group(1).split())


# the other side of a contrast dropped: "Forge trained every weight of the model; LoRA, by
# contrast, freezes W0 and learns only B and A" says of LoRA only what follows
_CONTRAST_SIDE = re.compile(r"^[^;.!?]{5,200};\s*(?=[\w+-]{2,12}(?:\s+[\w+-]{1,12})?,?\s+"
                            r"(?:by|in)\s+contrast\b)", re.I)


_UNMERGEABLE = re.compile(r"\b(?:un|non)-?merg(?:e)?able\b", re.I)


@cache
def _set_aside() -> tuple[tuple[tuple[str, ...], re.Pattern[str], str, int], ...]:
    """The rewrites of lexicon/set_aside.yaml, compiled once, in the order written."""
    return tuple((tuple(r.get("gate") or ()), re.compile(r["re"], re.I), r.get("to") or "",
                  r.get("count") or 0) for r in load("set_aside"))


# advice drawn at the end ("..., so pick LoRA or QLoRA on this tier"): its methods are not what
# the sentence's figures are of
_ADVICE_TAIL = re.compile(r",?\s+so\s+(?:just\s+|instead\s+)?(?:pick|use|choose|go\s+(?:with|for)|"
                          r"switch\s+to|try|stick\s+(?:with|to)|consider|reach\s+for|prefer|"
                          r"opt\s+for)\s+[^.;!?]{1,80}[.!]?\s*$", re.I)


# a setting said, after words on what it does, to be the default already ("lora_dropout=0.05
# in the example is a no-op, since that's already the default", "drop bias='none' from the
# config; it's the default anyway"): the setting is the default
_ALREADY_DEFAULT = re.compile(
    r"(?:\b(?:drop|remove|omit|delete|skip)\s+)?(?P<set>\b[a-z][a-z0-9_]{2,40}\s*=\s*"
    r"[\w.'\"`]{1,24})(?![\w.'\"`]*\))(?P<mid>(?:(?!\b(?:gives?|gets?|got|still|think\w*|"
    r"assum\w*|believ\w*|yields?|means?|so|then)\b)[^.;:=]|\.(?=\w)){0,80}?)\s*(?:[,;]|\s[-\u2013\u2014]{1,2})?\s*"
    r"(?:(?:since|because|as)\s+)?(?:which|that|it|this)(?:'s|\s+is)\s+(?:already\s+|also\s+|"
    r"just\s+|simply\s+)?(?:the|its|(?:PEFT|LoraConfig|bitsandbytes|BitsAndBytesConfig|"
    r"transformers)(?:'s|')?)\s+(?:(?:library|config|PEFT|LoraConfig|bitsandbytes)\s+)?"
    r"default\b(?:\s+(?:anyway|already|value|setting))?", re.I)
_LIBRARY = re.compile(r"\b(?:PEFT|LoraConfig|bitsandbytes|BitsAndBytesConfig)\b", re.I)


def _already_default(m: re.Match) -> str:
    """'<setting> is the default', in the library the words dropped named."""
    lib = _LIBRARY.search(m.group("mid"))
    return f"{m.group('set')} is the default" + (f" in {lib.group()}" if lib else "")


# "made no difference to the effective scale": the scale left unchanged (a sameness said,
# not a denial of what the scale is)
_NO_DIFFERENCE = re.compile(r"\b(?P<verb>make|makes|made|making)\s+no\s+(?:real\s+|visible\s+|"
                            r"measurable\s+)?difference\s+to\s+(?P<what>(?:the|its|their|our|"
                            r"your)\s+[\w-]+(?:\s+(?!(?:in|on|at|for|with|when|if|of|and|but|"
                            r"so|or|as)\b)[\w-]+){0,2})", re.I)
_LEFT = {"make": "leave", "makes": "leaves", "made": "left", "making": "leaving"}


def _no_difference(m: re.Match) -> str:
    return f"{_LEFT[m.group('verb').lower()]} {m.group('what')} unchanged"


# a glossary's term that is a figure, then the measure it is ("1 — the number of copies of the
# base you need to serve many adapters, because ...", "10,000 — the factor by which ..."): the
# measure is that figure, before whatever the definition goes on to say (a section's heading in
# capitals may run into the line: "HOW FAST THINGS RUN 0 — the extra latency ...")
_FIGURE_TERM = re.compile(r"^\s*(?:(?-i:[A-Z][A-Z0-9&/,'-]*(?:\s+[A-Z0-9&/,'-]+){0,8})\s+)?"
                          r"(?P<n>(?:(?:about|around|roughly|approximately|some|~)\s*)?\d[\d,.]*\s*"
                          r"(?:%|x|[KMGT]i?B|bits?|ms)?)\s*"
                          r"(?::|\s-)\s+"  # (a dash is " - " or "-" by now: _CHARS)
                          r"(?P<what>(?:(?:the|a|an)\s+(?:[\w-]+\s+){0,2}?(?:number|factor|count|"
                          r"amount|share|ratio|size|rank|value|scale|scaling|percentage|fraction|"
                          r"latency|overhead|memory|bits|bytes|default|multiplier|copies|"
                          r"parameters)\b"
                          # (or a size's model, named with its digits: "13.5 GB — Llama-2-7B in
                          # half precision": a size's only, see _figure_term)
                          r"|(?-i:[A-Z][\w.]*-[\w.-]*\d[\w.-]*)\b)"
                          r"[^;]{0,240}?)(?P<rest>(?:,\s*(?:because|since|as|whereas|while|so|which|"
                          r"but)\b|;|\.\s*$|$).*)$", re.I | re.S)


_ARTICLE = re.compile(r"(?:the|a|an)\s", re.I)
_SIZE_UNIT = re.compile(r"[KMGT]i?B$")
_RATIO_NOUN = re.compile(r"(?:the|a|an)\s+(?:factor|ratio|multiplier)\b", re.I)


def _figure_term(m: re.Match) -> str:
    what, n = m.group("what"), m.group("n").strip()
    if not _ARTICLE.match(what) and not _SIZE_UNIT.search(n):
        return m.group(0)  # a model named after a figure that is no size ("7 — Llama-2 ...")
    n = n[:1].lower() + n[1:]  # ("About 169 — ...": "... is about 169x")
    if n == "0":  # "0 — the extra latency of a merged adapter": there is none
        return f"There is no {what.split(None, 1)[1]}{m.group('rest')}"
    if _RATIO_NOUN.match(what) and n[-1:].isdigit():
        n += "x"  # "10,000 — the factor by which ... shrink": a ratio, not a count
    return f"{what[:1].upper()}{what[1:]} is {n}{m.group('rest')}"


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """The uniform form of a sentence that recognition reads (each step only where the
    sentence has what it rewrites; a sentence is normalised once however often it is asked)."""
    # a footnote's mark opening the line ("¹² With rsLoRA ...", "⁴ The checkpoint ...") is no
    # number of the claim
    text = _FOOTNOTE_MARK.sub("", text)
    if "\u00b2" in text or "\u00b3" in text:  # "r²" is r^2 (NFKC would make it r2, a rank)
        text = text.replace("\u00b2", "^2").replace("\u00b3", "^3")
    text = unicodedata.normalize("NFKC", text).translate(_CHARS)
    text = _LABEL.sub("", text, count=1)
    if ":" in text or " - " in text:
        # "1 — the number of base copies ...": that number is 1
        text = _FIGURE_TERM.sub(_figure_term, text, count=1)
    if text.lstrip()[:2].lower() in ("re", "fw"):
        text = _REPLY_SUBJECT.sub("", text, count=1)
    if text.lstrip()[:1] == "A":
        text = _ANSWER_OPENING.sub("", text, count=1)
    for gate, pattern, to, count in _set_aside():
        # another's words set aside or corrected ("> X -- no, Y", 'for "X" read "Y"', "whoever
        # said X is wrong"): what is left is what the writer states
        if not gate or any(g in text for g in gate):
            text = pattern.sub(to, text, count=count)
    if "'" in text or '"' in text or "\u2018" in text or "\u201c" in text:
        # one word in scare quotes ("older 'adapter' layers") is that word; a code value
        # (bias="none") keeps its quotes
        text = _SCARE_QUOTED.sub(r"\g<1>", text)
    if "contrast" in text:  # "X; LoRA, by contrast, freezes W0": only LoRA's side
        text = _CONTRAST_SIDE.sub("", text, count=1)
    if "mergeable" in text or "mergable" in text:  # "unmergeable": not mergeable
        text = _UNMERGEABLE.sub("not mergeable", text)
    if "?" not in text:  # "@above no, 7B params x 2 bytes is ~13.5 GB": a reply's word
        text = _REPLY_WORD.sub("", text, count=1)
    if '?"' in text:  # a question quoted inside a statement is asked, not claimed
        text = _QUOTED_QUESTION.sub("", text)
    if " so " in text:  # "..., so pick LoRA or QLoRA on this tier": advice drawn, not claimed
        text = _ADVICE_TAIL.sub(".", text, count=1)
    if "default" in text or "required" in text:  # "r (int, default 8): ...": r defaults to 8
        text = _PARAM_ROW.sub(_param_row, text)
        text = _ALREADY_DEFAULT.sub(_already_default, text, count=1)
    if ":" in text and " per " in text:  # "Bits per parameter, NF4 with DQ: 4.5": the unit
        text = _UNIT_LABEL.sub(_unit_label, text, count=1)
    if "(" in text or "[" in text:
        text = _CITATION.sub(_citation, text)
        text = _RATE_CALL.sub(r"\1_\2", text)
    if text.count("=") >= 2:
        text = _CHAIN.sub(r"\1 = \3 and \2 = \3", text)
    if "\\" in text or "$" in text or "{" in text:
        for pattern, repl in _LATEX:
            text = pattern.sub(repl, text)
    if "1/" in text:
        text = _DIGIT_FRACTION.sub(lambda m: _FRACTION_NAMES[m.group(1)], text)
    if _HAS_FRACTION.search(text):
        text = _FRACTION_WORDS.sub(_fraction, _ONE_PART_IN.sub(_one_part_in, text))
    if "fold" in text:  # "fourfold": four-fold, a factor
        text = _WORD_FOLD.sub(r"\1-fold", text)
    if _HAS_VAGUE.search(text):
        text = _VAGUE.sub(_vague, text)
    if "," in text and _DECIMAL_COMMA_MARK.search(text):  # "4.194.304 ... 0,062 %"
        text = _decimal_comma(text)
    if " " in text and _SPACED_DIGITS.search(text):  # "22 347 776": 22,347,776
        text = _SPACED_DIGITS.sub(lambda m: m.group(0).replace(" ", ","), text)
    if "thousand" in text or "hundred" in text or "lakh" in text or "crore" in text:
        # "about 262 thousand": 262000
        text = _DIGIT_SCALE.sub(_digit_scale, text)
    if "root" in text or "sqrt" in text:  # "by a factor of root two": by 1.414
        text = _BY_ROOT_TWO.sub(r"\g<1>1.414", text)
    if _HAS_ROOT_WORD.search(text):  # "divide by root r", "alpha/raiz(r)": alpha/sqrt(r)
        text = _ROOT_OF_RANK.sub(r"sqrt(\g<1>)", text)
    if " point " in text:  # "four point two million": 4.2 million
        text = _BARE_POINT.sub(_bare_point, _POINT.sub(_point, text))
    if "illions" in text or "thousands" in text:  # "80 millions of parameters": 80 million
        text = _PLURAL_SCALE.sub(r" \1", text)
    if "illiard" in text:  # "7 milliards of parameters": 7 billion
        text = _MILLIARD.sub(" billion", text)
    if "FT" in text or "ft" in text:  # "full FT": full fine-tuning
        text = _FULL_FT.sub("full fine-tuning", text)
    if "inetun" in text:  # "to full-finetune it": to fully fine-tune it
        text = _FULL_FINETUNE.sub(lambda m: "full fine-tuning" if m.group(1).lower() == "ing"
                                  else f"fully fine-tun{m.group(1)}", text)
    if "standard" in text or "stock" in text:  # "the standard value of lora_dropout": its default
        text = _STANDARD_VALUE.sub("default value of ", text)
    text = _number_words(text)
    if " of the " in text:  # "the 4-bit weights of the base": the 4-bit base weights
        text = _WEIGHTS_OF_BASE.sub(_weights_of_base, text)
    if "->" in text or "\u2192" in text or "=>" in text:  # "r=16, alpha=16 -> scale 4"
        text = _ARROW_SCALE.sub(r" gives a scale of \g<v>", text)
    if "between " in text:  # "between about 8 and 17 MB": between 8 and 17 MB
        text = _BETWEEN_HEDGED.sub("between ", text)
    if "t is " in text or "t's " in text or "t was " in text:  # "it is B that starts at zero"
        text = _CLEFT.sub(_cleft, text)
    if " up to " in text or " down to " in text:  # "goes from 0.25 up to 2": from 0.25 to 2
        text = _FROM_UP_TO.sub(r"\g<1> to", text)
    if " base " in text:  # "the Llama-3-8B base weights": the base Llama-3-8B weights
        text = _MODEL_BASE_WEIGHTS.sub(r"\g<det> base \g<model> \g<noun>", text)
    if "like" in text or "where" in text or " of " in text or "aybe" in text \
            or "erhaps" in text or "robably" in text or "ossibly" in text:  # (after numbers:
        text = _HEDGE.sub("about ", text)  # "something like sixteen times")
    if " and 0.5" in text:  # "six and a half million": 6.5 million
        text = _AND_A_HALF.sub(lambda m: f"{float(m.group(1)) + 0.5:g}", text)
    if " of " in text:  # "a quarter of the memory" (0.25 of it): a share, as a percentage
        text = _SHARE_OF.sub(_share_of, text)
    if "illion" in text:  # "more than a billion parameters": one billion
        text = _A_SCALE.sub("1 ", text)
        # "a quarter of a billion": 0.25 billion (not a share of one billion things)
        text = _PART_OF_SCALE.sub(r"\1 \2", text)
    if "?" in text:
        text = _how_many_trained(text)
        text = _ANSWERED.sub(_answered, text)
        text = _ANSWERED_NOTHING.sub(_answered_nothing, text)
    if "whether" in text or " if " in text:
        text = _ASKED_WHETHER.sub(_asked_whether, text)
    if " but " in text and ("not " in text or "n't " in text):
        text = _AUX_NOT_BUT.sub(_aux_not_but, text)  # "doesn't use alpha/r but alpha/sqrt(r)"
    if " not " in text and " but " in text:  # "scales not with alpha/r but with alpha/sqrt(r)"
        text = _NOT_BUT.sub(_not_but, text)
    if "instead of" in text or "rather than" in text or "as opposed to" in text or " not " in text:
        text = _RANK_INSTEAD.sub(r"\g<1> from \g<3> to \g<2>", text)
        text = _REJECTED.sub(_rejected, text)
    if "difference" in text:  # "made no difference to the scale": left the scale unchanged
        text = _NO_DIFFERENCE.sub(_no_difference, text)
    if any(w in text for w in ("but", "except", "other than", "apart from", "besides", "save")):
        # "nothing but A and B is trained": solely A and B (an exclusive "only")
        text = _ONLY.sub("solely", text)
    if _HAS_MULTIPLIER.search(text):
        for pattern, repl in _MULTIPLIERS:
            text = pattern.sub(repl if repl is not None else _orders, text)
    if any(c.isdigit() for c in text) or "percent" in text.lower() or "per cent" in text:
        for pattern, repl in _UNITS:
            text = pattern.sub(repl, text)
    return " ".join(text.split())
