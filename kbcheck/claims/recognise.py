"""Recognition: one sentence -> claim frames.

normalise -> mentions (methods, models, modules, by longest lexicon match) -> quantities ->
predicates (trigger words from `lexicon/predicates.yaml`; a word fills one trigger at most, so
two predicates in one sentence give two frames) -> subject per frame (the nearest method that
is not a baseline) -> polarity per frame -> conditions (model, rank, sizes, modules, merged …).
Nothing here imports torch; every pattern is bounded and the sentence length is capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from kbcheck.claims.anchors import anchors
from kbcheck.claims.lexicon import load
from kbcheck.claims.normalise import normalise
from kbcheck.claims.polarity import (
    comparison,
    denial_end,
    denial_prefix,
    elliptic_denial,
    handled_amount,
    modality,
    negated,
    negated_in_clause,
)
from kbcheck.claims.quantities import find_quantities
from verifiers._frame import Frame, Quantity

MAX_CHARS = 1500  # one claim; longer text is not read (the budget of a linear pass stays small)


@dataclass(frozen=True)
class Mention:
    """A method named in the sentence."""

    id: str
    scope: str  # in / out
    kind: str  # method / tool
    span: tuple[int, int]
    baseline: bool
    generic: bool = False  # a description ('low-rank adaptation') rather than a name


@dataclass(frozen=True)
class Reading:
    """What recognition made of one sentence: its frames, or why there are none."""

    text: str
    frames: tuple[Frame, ...]
    reason: str = ""  # why no frame, when there is none
    # per frame, the frames of weaker triggers its words displaced, strongest first: what the
    # words may say instead when the frame's verifier cannot use it
    alternates: tuple[tuple[Frame, ...], ...] = ()


# --- vocabularies, compiled once ---------------------------------------------------------

def _alternation(names: list[str]) -> str:
    return "|".join(sorted(names, key=len, reverse=True))


@cache
def _methods() -> tuple[re.Pattern, dict[str, dict[str, Any]]]:
    """One alternation of every method name, the longest first (so 'LoRA-FA' is LoRA-FA and
    'LoRA-based' is LoRA), each name in a group that says whose name it is."""
    names = [(name, entry) for entry in load("methods") for name in entry["names"]]
    names.sort(key=lambda n: len(n[0]), reverse=True)
    by_group = {f"m{i}": entry for i, (_, entry) in enumerate(names)}
    groups = "|".join(f"(?P<m{i}>{name})" for i, (name, _) in enumerate(names))
    return re.compile(rf"(?<![\w-])(?:{groups})(?![\w+])", re.I), by_group


_BASELINE_BEFORE = re.compile(
    r"(?:than|compared (?:to|with)|in comparison (?:to|with)|relative to|versus|vs\.?|unlike|"
    r"instead of|rather than|over|similar to|just like|like|as with|on par with|match(?:es|ing)?|"
    r"outperform(?:s|ing)?|beats?|built (?:up)?on|on top of|beyond|beside|extends?|"
    r"within [\w.%]{1,8} of|close to|against|as opposed to|comparable to|equivalent to|"
    r"contrast(?:s|ed|ing)? (?:it |them |this |that )?(?:with|to)|in contrast (?:to|with))"
    r"\s+(?:(?:standard|vanilla|plain|regular|the|a|an|original|traditional|conventional|"
    r"equivalent|corresponding|matching|same|ordinary|normal|classic)\s+)"
    r"{0,2}$"
    # a contrast that can only set aside, before a method with any two words of its own
    # ("unlike serial bottleneck adapters", "compared with full-rank LoRA")
    r"|\b(?:unlike|compared (?:to|with)|in comparison (?:to|with)|relative to|versus|"
    r"as opposed to|instead of|rather than|on top of|in addition to)\s+(?:[\w-]+\s+){0,2}$"
    # a time before the method, at the sentence's start ("Before QLoRA we couldn't touch 70B")
    r"|^\W{0,3}(?:[\w ,-]{1,30}[\]:]\s*)?(?:before|prior\s+to|until)\s+$",
    re.I)


# "Adapters" alone usually means LoRA's own weights (PEFT calls them adapters); set against
# LoRA ("unlike adapters, LoRA ...", "adapters add latency while merged LoRA does not") it is
# the bottleneck-adapter method.
_CONTRAST = re.compile(r"\b(?:unlike|whereas|while|compared|than|versus|vs\.?|by contrast|"
                       r"in contrast|instead of|rather than)\b|;", re.I)
_BARE_ADAPTERS = re.compile(r"(?<![\w-])(?<!lora )(?<!the )(?<!its )(?<!these )(?<!their )"
                            r"(?<!your )(?<!merged )(?<!unmerged )(?<!lora-)adapters?\b"
                            # (an adjective made of it: "no adapter-related latency")
                            r"(?!-(?:related|specific|induced|side|level|free|dependent)\b)"
                            # (a config key: "adapter: lora", "adapter=qlora")
                            r"(?!\s*[:=]\s*[`'\"]?(?:q?lora|dora|None|null)\b)"
                            # "adapter checkpoints", "adapter files": PEFT's saved weights
                            r"(?!\s+(?:checkpoints?|files?|weights|configs?|configurations?|"
                            r"sizes?|names?|loading|saving|swap\w*|switch\w*|hot-?swap\w*))",
                            re.I)


# PEFT's own words: where they are, plain "adapter layers" are the LoRA layers PEFT adds
# LoRA's own bias setting: `bias="all"`, `--lora-bias`, `lora_bias`
_BIAS_OPTION = re.compile(r"\blora[_-]bias\b|\bbias\s*=\s*[\"'`]?(?:none|all|lora_only)\b", re.I)
# the library's defaults named ("PEFT leaves bias terms trainable by default"): its LoRA's
_PEFT_DEFAULT = re.compile(r"\bPEFT\b(?=[^.;]{0,80}\b(?:by default|defaults?|out of the box)\b)|"
                           r"\b(?:by default|out of the box)\b(?=[^.;]{0,80}\bPEFT\b)", re.I)
_PEFT_API = re.compile(r"\b(?:merge_and_unload|unmerge_adapter|merge_adapter|PeftModel|LoraConfig|"
                       r"get_peft_model|set_adapter|load_adapter|hotswap_adapter|lora_[AB]|"
                       r"use_dora|use_rslora|target_modules)\b")
# (in LoRA's own terms, only adapters said to be dropped by the merge: "drops the adapter
# modules", "has no adapter layers"; "avoids the latency of adapter layers" names the others)
_DROPPED_BEFORE = re.compile(r"\b(?:drops?|dropp\w*|removes?|removing|removed|deletes?|strips?|"
                             r"unloads?|(?:has|have|with|leaves?)\s+no|no\s+longer\s+(?:has|have|"
                             r"contains?)|without)\s+(?:the\s+|its\s+|any\s+|extra\s+)?$", re.I)
# ("..., so the adapter layers can then be dropped")
_DROPPED_AFTER = re.compile(r"\s+(?:can|could|may|are|is|get|gets)\s+"
                            r"(?:then\s+|now\s+|simply\s+|safely\s+)?(?:be\s+)?"
                            r"(?:dropped|removed|deleted|discarded|unloaded|thrown\s+away)\b", re.I)
_LORA_OWN = re.compile(r"(?-i:\bB\s*[·*]?\s*A\b)|\blora_[AB]\b|"
                       r"\b(?:alpha|α)\s*/\s*(?:sqrt\s*\(?\s*)?r\b|\bW_?0\s*\+|"
                       r"\bmerged\s+(?:model|checkpoint|weights|export)\b[^.;]{0,40}?"
                       r"\b(?:has|have|contains?|keeps?|carries|carry)\s+no\s+adapter\s+"
                       r"(?:layers|modules)\b", re.I)
# What bare "adapters" are denied when they are bottleneck adapters: being merged
_ADAPTERS_CANNOT = frozenset(("mergeable",))
# ... when they open the sentence ("Adapters: they cannot ...", "Adapter layers can't be
# folded in"), not an adapter named on the way ("for an adapter trained in bf16, merging ...")
_ADAPTERS_OPEN = re.compile(r"\W{0,3}adapter(?:s|\s+(?:layers|modules))\b(?!\s+(?:checkpoints?|"
                            r"files?|weights|configs?))", re.I)
# ... and where they are said to sit in series with the layers, "the adapters" too
_BOTTLENECK_ADAPTERS = re.compile(r"(?<![\w-])(?<!lora )(?<!lora-)adapters?\b", re.I)
_PLAIN_ADAPTERS = re.compile(r"adapter(?:s| layers?| modules?)?", re.I)


# The bottleneck-adapter work named ("Houlsby et al.", "bottleneck"): bare "adapters" are
# that method's
# placed in series with the layers: bottleneck adapters' design ("the adapters are applied in
# sequence with the backbone layers" speaks of them, "the adapters" included)
_IN_SERIES = re.compile(r"\b(?:applied|inserted|placed|stacked|added|run|computed|sits?|"
                        r"executed)\s+(?:[\w-]+\s+){0,2}?(?:in\s+(?:sequence|series)|"
                        r"sequentially|serially)\b", re.I)
_BOTTLENECK_WORK = re.compile(rf"\bhoulsby\b|\bbottleneck\b|\bpfeiffer\b|{_IN_SERIES.pattern}",
                              re.I)


# A method's name used for the work that introduced it ("the LoRA authors", "the QLoRA
# paper's table"): the source of what is said, its subject only when nothing else is named
_SOURCE_AFTER = re.compile(r"(?:'s)?\s+(?:authors?|paper|papers|team|researchers|study|"
                           r"publication|preprint)\b(?!\s+(?:on|about)\b)"
                           # "LoRA's Table 1", "in DoRA's Figure 2": a part of the paper
                           r"|'s\s+(?:Table|Fig(?:ure|\.)?|Section|Appendix)\s*\d", re.I)


# A LoRA variant the lexicon does not know, by the way such names are made: a capitalised
# name glued to "RA" with a lower-case letter in it ("MiLoRA", "SoRA", "HiRA"), or LoRA with
# an upper-case suffix ("LoRA-SP"). It is another method: never judged with LoRA's numbers.
_VARIANT = re.compile(r"(?<![\w-])(?:(?=[A-Z][A-Za-z]{0,11}RA(?![\w+-]))[A-Z][A-Z]*[a-z][A-Za-z]*RA"
                      r"|LoRA-[A-Z][A-Z0-9]{1,5})(?![\w+-])")


def peft_api(text: str) -> bool:
    """Whether the text names PEFT's LoRA API (merge_and_unload, lora_A, LoraConfig ...)."""
    return bool(_PEFT_API.search(text))


def find_methods(text: str) -> list[Mention]:
    """Every method named, with whether it is named as a baseline ('than LoRA')."""
    pattern, entries = _methods()
    out = []
    for m in pattern.finditer(text):
        entry = entries[m.lastgroup or ""]
        if _SOURCE_AFTER.match(text, m.end()):  # "the LoRA authors measured ...": who reports
            entry = {**entry, "kind": "source"}
        out.append(_mention(text, entry, m.span()))
    for m in _VARIANT.finditer(text):
        inside = [x for x in out if x.span[0] < m.end() and m.start() < x.span[1]]
        if all(x.id == "lora" and x.span[1] - x.span[0] < len(m[0]) for x in inside):
            # "LoRA-SP": the known name is only a part of the unknown one
            out = [x for x in out if x not in inside]
            out.append(_mention(text, {"id": "other_variant", "scope": "out"}, m.span()))
    out.sort(key=lambda x: x.span)
    if (_PEFT_API.search(text) or _LORA_OWN.search(text)) and not _BOTTLENECK_WORK.search(text):
        # "merge_and_unload() removes the adapter layers": PEFT's adapters are LoRA's (so are
        # those of a sentence written in LoRA's own terms: "writes W0 + (alpha/r)BA back and
        # drops the adapter modules", "the merged model then has no adapter layers")
        api = bool(_PEFT_API.search(text))
        out = [replace(x, id="lora", generic=True)
               if x.id == "adapter" and _PLAIN_ADAPTERS.fullmatch(text, *x.span) and (
                   api or not x.baseline and (_DROPPED_BEFORE.search(
                       text, max(0, x.span[0] - 30), x.span[0])
                       or _DROPPED_AFTER.match(text, x.span[1]))) else x
               for x in out]
    loras = [x.span for x in out if x.id == "lora" and not x.generic]
    if loras or _PEFT_API.search(text) or _BIAS_OPTION.search(text) \
            or _PEFT_DEFAULT.search(text):
        # "LoRA's bias terms stay frozen", "--lora-bias ... which bias terms to train": LoRA's
        # bias option, not BitFit (named as itself, it stays)
        out = [x for x in out if not (x.id == "bitfit"
                                      and text[x.span[0]:x.span[1]].lower().startswith("bias"))]
    bottleneck = bool(_BOTTLENECK_WORK.search(text))
    # (PEFT's API named: its adapters are LoRA's, whatever contrast follows: "merge_and_unload()
    # folds every active adapter into the base; no LoRA overhead remains")
    if loras and _CONTRAST.search(text) and not _PEFT_API.search(text) or bottleneck:
        named = [x.span for x in out]
        for m in (_BOTTLENECK_ADAPTERS if _IN_SERIES.search(text) else
                  _BARE_ADAPTERS).finditer(text):
            if any(a <= m.start() < b for a, b in named):
                continue
            if any(b <= m.start() and not text[b:m.start()].strip(" -") for _, b in named):
                continue  # "an unmerged DoRA adapter": the named method's adapter
            if _lora_side(text, m, loras, out):
                continue
            # set against LoRA: a contrast right before the adapters ("unlike adapters") or
            # between them and LoRA ("adapters add latency while merged LoRA does not"), not
            # one elsewhere ("... per request instead of reloading")
            if bottleneck or _CONTRAST.search(text, max(0, m.start() - 25), m.start()) or any(
                    _CONTRAST.search(text, min(m.end(), b), max(m.start(), a))
                    for a, b in loras):
                out.append(_mention(text, {"id": "adapter", "scope": "in"}, m.span()))
        out.sort(key=lambda x: x.span)
    if (unlike := _UNLIKE_BOTTLENECK.search(text)) is not None:
        # "Unlike the Houlsby-style baseline, ..., the proposed adapters can be merged": the
        # adapters set against the bottleneck ones are another kind, the writer's own
        out = [_mention(text, {"id": "other_variant", "scope": "out"}, x.span)
               if x.id == "adapter" and x.span[0] >= unlike.end()
               and _PLAIN_ADAPTERS.fullmatch(text, *x.span) else x for x in out]
    return out


# bottleneck adapters as what something else is set against, opening the sentence
_UNLIKE_BOTTLENECK = re.compile(r"^\W{0,3}unlike\s+(?:the\s+|classic\s+|standard\s+)?"
                                r"(?:[\w-]+\s+){0,2}?(?:Houlsby(?:-style)?|bottleneck|serial|"
                                r"sequential)\b", re.I)


def _lora_side(text: str, m: re.Match, loras: list[tuple[int, int]],
               named: list[Mention]) -> bool:
    """Whether bare "adapters" stand on LoRA's side of a contrast with the bottleneck adapters
    named after it ("for LoRA, since adapters merged into W add no latency, unlike bottleneck
    adapters"): LoRA named before them with no contrast between, the contrast after them."""
    later = [x.span for x in named if x.id == "adapter" and x.span[0] >= m.end()]
    return bool(later and any(b <= m.start() and not _CONTRAST.search(text, b, m.start())
                              for _, b in loras)
                and _CONTRAST.search(text, m.end(), later[0][0]))


# the method left in a change of method ("switching from full fine-tuning to LoRA"): what the
# one changed to is set against
_LEFT_FROM = re.compile(r"\b(?:switch\w*|mov(?:e|es|ed|ing)|migrat\w*|go(?:es|ing)?|went|"
                        r"chang\w*|convert\w*|port\w*)\s+(?:\w+\s+)?from\s+(?:the\s+|plain\s+|"
                        r"standard\s+){0,2}$", re.I)
_CHANGED_TO = re.compile(r"\s*(?:\([^()]{0,30}\)\s*)?to\b", re.I)


# a method's switch said to be left out ("ignored the use_rslora flag", "dropped the DoRA
# option"): what follows is done without it, so it is not the subject
_IGNORED_BEFORE = re.compile(r"\b(?:ignor(?:e|es|ed|ing)|dropp(?:ed|ing)|skipp(?:ed|ing)|"
                             r"forg[eo]t\w*|omitt(?:ed|ing)|disabl(?:e|es|ed|ing)|(?:turn|switch)(?:ed|ing)?\s+"
                             r"off)\s+(?:the\s+|its\s+|their\s+|our\s+)?$", re.I)
_SWITCH_AFTER = re.compile(r"\s+(?:flag|option|setting|argument|parameter|kwarg|switch)\b",
                           re.I)


def _mention(text: str, entry: dict[str, Any], span: tuple[int, int]) -> Mention:
    before = text[max(0, span[0] - 30):span[0]]
    left = bool(_LEFT_FROM.search(text, max(0, span[0] - 50), span[0])
                and _CHANGED_TO.match(text, span[1])) or bool(
        _IGNORED_BEFORE.search(text, max(0, span[0] - 30), span[0])
        and _SWITCH_AFTER.match(text, span[1]))
    return Mention(entry["id"], entry["scope"], entry.get("kind", "method"), span,
                   bool(_BASELINE_BEFORE.search(before)) or left, bool(entry.get("generic")))


@cache
def _models() -> list[tuple[re.Pattern, dict[str, Any]]]:
    return [(re.compile(rf"(?<![\w])(?:{_alternation(e['names'])})(?![a-z])", re.I), e)
            for e in load("models")]


# ("4 b it quantization" is a width split apart; "Llama-2-7B it is ..." is a size)
# (a possessive typed without its apostrophe, "Mistral-7Bs parameters", keeps the size)
_SIZE = re.compile(r"(?<![\w.])(\d{1,4}(?:\.\d)?)\s*-?\s*(?:[bB](?!(?!s\b)[a-zA-Z])(?!\s*bytes?\b)"
                   r"(?!\s?it\s+(?:quanti|precision|width|weights?\b|integers?\b))|"
                   r"billion\b|bn\b)")
_MODEL_NOUN = re.compile(r"\s*(?:\([^()]{0,40}\)\s*)?(?:-?\s*param(?:eter)?s?\s+)?"
                         r"(?:[\w-]+\s+){0,2}?"
                         r"(?:(?:q?lora|dora)\s+)?"
                         r"(?:models?|LLMs?|networks?|language models?|checkpoints?|runs?|jobs?|"
                         r"workloads?|deployments?|variants?|experiments?|"
                         r"fine-?tun\w*|finetun\w*|training|base(?!\s+(?:rate|lr|learning))|"
                         r"backbone)\b", re.I)


_TABLE_CELL = re.compile(r"\s*\|")


_VERSION_GAP = re.compile(r"\s*(?:[-\s]?(?:\d(?:\.\d)?|chat|hf|v\d))?\s*[-\s]\s*")


def _size_after(text: str, end: int) -> re.Match | None:
    """The size written right after a model's name ("LLaMA 65B", "Mistral-7B"), or after its
    version ("Llama-2-70b", "Llama 3 8B")."""
    size = _SIZE.match(text, end + (1 if text[end:end + 1] in " -" else 0))
    if size is None and text[end:end + 1].isdigit():  # glued to the name: "mistral7b-sql-r8"
        size = _GLUED_SIZE.match(text, end)
    if size is None:
        gap = _VERSION_GAP.match(text, end)
        size = _SIZE.match(text, gap.end()) if gap else None
    if size is None:  # "BLOOM (176B params)": the size in a parenthesis right after
        paren = _PAREN_SIZE.match(text, end)
        size = _SIZE.match(text, paren.end()) if paren else None
    if size is None:  # "Llama 2 with 70 billion parameters", "the Llama 2 of 70 billion"
        for gap in (_VERSION_GAP.match(text, end), _VERSION_ONLY.match(text, end)):
            joined = _WITH_SIZE.match(text, gap.end() if gap else end)
            size = _SIZE.match(text, joined.end()) if joined else None
            if size is not None:
                break
    return size


_VERSION_ONLY = re.compile(r"[-\s]?\d(?:\.\d)?(?![\w.])")  # "Llama 2" before "'s", "model"


_PAREN_SIZE = re.compile(r"\s?\(\s*")
# (also as translations and possessives write it: "the Mistral AI model of 7.2 billion
# parameters", "Llama 2 in 70 billion parameters", "Llama 2's seven-billion-parameter model")
_WITH_SIZE = re.compile(r"(?:'s\s+|,?\s*(?:\s?(?:AI\s+)?(?:model|LLM|checkpoint|variant)\s*,?\s*)?"
                        r"\b(?:with|of|having|in)\s+)(?:about\s+|roughly\s+|some\s+|around\s+|"
                        r"~\s*)?", re.I)
_GLUED_SIZE = re.compile(r"(\d{1,3}(?:\.\d)?)[bB](?![a-zA-Z\d])")


_SIZE_LIKE = re.compile(r"[\s-]*(?:param(?:eter)?s?\s+)?(?:(?:models?|LLMs?|checkpoints?)\s*,?\s+"
                        r"(?:like|such as|e\.g\.,?|for example,?|say,?)\s+)?(?:the\s+)?", re.I)


# a bare size that does what a model does: "33B fits on 16 GB", "65B trains on one card"
# ("70B shrinks to ~17 GB", "13B comes down to about 7 GB": its weights brought to a size)
_SIZE_VERB = re.compile(r"\s+(?:fits?|trains?|runs?|needs?|requires?|takes?)\s+(?:in|on|into|"
                        r"within|about|roughly|~|\d)|\s+(?:shrinks?|shrank|drops?|comes?\s+down|"
                        r"goes\s+down)\s+to\s+(?:about\s+|roughly\s+|around\s+|~\s*)?\d|"
                        r"\s+(?:Q?LoRA|DoRA)\s+(?:can|can't|cannot|"
                        r"fits?|runs?|needs?|requires?|takes?|training|run|fine-?tun\w*)\b|"
                        # "8B (QLoRA)": a table's model with its method in brackets
                        r"\s*\(\s*(?:Q-?LoRA|LoRA|DoRA|4-bit|NF4)\b", re.I)


# the words that set a model against the one a claim is about: "than on", "versus", "compared
# with Llama-2-7B, Mistral-7B's ...", "unlike LLaMA 7B, LLaMA 65B ..." (where no other model is
# named, only the plainer ones below: "compared with GPT-3 175B fine-tuned with Adam, LoRA ..."
# is the same model under another method)
_COMPARED_BEFORE = re.compile(r"\b(?:than|versus|vs\.?|compared\s+(?:with|to)|relative\s+to|"
                              r"unlike|in\s+contrast\s+(?:with|to))\s+(?:(?:on|in|for|with|of)\s+)?"
                              r"(?:the\s+|a\s+|an\s+)?$", re.I)
# ... the plainer comparison only ("smaller than on Llama-2-7B")
_THAN_BEFORE = re.compile(r"\b(?:than|versus|vs\.?)\s+(?:(?:on|in|for|with|of)\s+)?"
                          r"(?:the\s+|a\s+|an\s+)?$", re.I)


# a model's own part named after it: "Mistral-7B's v_proj", "Llama-3-8B's MLP"
_OWN_PART = re.compile(r"(?:'s|\u2019s)\s+(?:[\w-]+\s+){0,2}?"
                       r"(?:[qkvo]_proj|gate_proj|up_proj|down_proj|"
                       r"attention|MLP|layers?|heads?|KV\s+heads|hidden|vocab\w*|embeddings?|"
                       r"projections?)\b", re.I)


# a method named right before a bare size: the size is the model it is run on
_METHOD_BEFORE = re.compile(r"\b(?:Q-?LoRA|LoRA|DoRA)\s*(?:(?:on|for|with)\s+(?:an?\s+|the\s+)?)?$",
                            re.I)


# what follows a model's name and is still its name: "-4k-instruct", "-128k", "-v0.3", "-hf"
_NAME_TAIL = re.compile(r"(?:-(?:\d{1,3}k|instruct|chat|hf|base|it|v\d{1,2}(?:\.\d{1,2})?))+",
                        re.I)


def _named(text: str, m: re.Match, entry: dict[str, Any], sizes: list[re.Match]
           ) -> dict[str, Any]:
    """The model one name match stands for, with the size written onto it."""
    size = None
    # the size right after ("LLaMA 65B", "Llama-2-70b") or right before ("65B LLaMA")
    after = _size_after(text, m.end())
    if after is not None:
        size = after
    else:
        before = [s for s in sizes if 0 <= m.start() - s.end() <= 2
                  # "a 7B model like Mistral": the size of the model it names
                  or 0 <= m.start() - s.end() <= 40
                  and _SIZE_LIKE.fullmatch(text, s.end(), m.start())]
        size = before[-1] if before else None
    if size is None and entry.get("only"):
        size_b = float(entry["only"])
    elif size is not None:
        size_b = float(size.group(1))
    else:
        size_b = None
    preset = None
    if size_b is not None and entry.get("presets"):
        # (a count written out, "Mistral of 7.2 billion parameters", "Llama 2 with 6.7
        # billion": the model of that size)
        preset = entry["presets"].get(round(size_b)) if abs(size_b - round(size_b)) <= 0.3 \
            else None
    if entry["family"] == "llama" and re.search(r"llama[- ]?2|llama2", m.group(0), re.I):
        preset = {7: "llama-7b", 13: "llama-13b", 70: "llama2-70b"}.get(
            int(size_b or 0))
    span = (min(m.start(), size.start()) if size else m.start(),
            max(m.end(), size.end()) if size else m.end())
    # the name with its version ("Llama-2-" before "70B")
    name = (m.start(), size.start() if size and size.start() >= m.end() else m.end())
    tail = _NAME_TAIL.match(text, span[1])  # "-4k-instruct", "-v0.3", "-hf": the name's
    if tail and tail.end() > span[1]:
        span, name = (span[0], tail.end()), (name[0], max(name[1], tail.end()))
    return {"family": entry["family"], "size_b": size_b, "preset": preset, "span": span,
            "name": name}


def _specific(found: dict[str, Any], entry: dict[str, Any]) -> bool:
    """A name that picks one model: not a generic family word ("Qwen", "LLaMA-1" without a
    size), but a named checkpoint or a family with its size."""
    return found["family"] != "other" and (found["size_b"] is not None
                                           or not entry.get("presets"))


def _first_sized(pattern: re.Pattern, entry: dict[str, Any], text: str, sizes: list[re.Match],
                 aside: re.Pattern) -> re.Match | None:
    """The first mention of a family that picks one model ("Mistral DoRA: on Mistral-7B ...":
    the second), else its first mention; never one set aside by a comparison ("smaller than on
    Llama-2-7B": the other side is not the claim's model)."""
    first = None
    for m in pattern.finditer(text):
        if aside.search(text, max(0, m.start() - 30), m.start()):
            continue  # ("unlike LLaMA 7B, LLaMA 65B ...": the other side of a comparison)
        if _specific(_named(text, m, entry, sizes), entry):
            return m
        first = first or m
    return first


def find_model(text: str) -> dict[str, Any]:
    """The model a sentence names: {'family', 'size_b', 'preset', 'span'}; {} when none. Of
    several, the first named that picks one model ("On Mistral-7B ..., the same as on
    Llama-2-7B": Mistral's), else the lexicon's first."""
    sizes = list(_SIZE.finditer(text))
    named = [(m, entry) for pattern, entry in _models() for m in [_first_sized(
        pattern, entry, text, sizes, _COMPARED_BEFORE)] if m] or [
        # ("compared with GPT-3 175B fine-tuned with Adam, LoRA cuts ...": the only model named,
        # set against as another method's, is still the claim's)
        (m, entry) for pattern, entry in _models()
        for m in [_first_sized(pattern, entry, text, sizes, _THAN_BEFORE)] if m]
    # ("smaller than on Llama-2-7B": the other side of a comparison is not the claim's model)
    found = [(m.start(), _named(text, m, entry, sizes), entry) for m, entry in named]
    specific = [x for x in found if _specific(x[1], x[2])]
    if specific:
        first = min(specific, key=lambda x: x[0])[1]
        # "a Llama-2-7B adapter on Mistral-7B? No: Mistral's k_proj ...": the model whose part
        # the sentence goes on to describe (a family named bare: its sized name in the sentence)
        owners = {_named(text, m, entry, sizes)["family"] for pattern, entry in _models()
                  for m in pattern.finditer(text) if _OWN_PART.match(text, m.end())}
        owner = [x[1] for x in specific if x[1]["family"] in owners]
        if len(owners) == 1 and owner:
            first = owner[0]
        kinds = {(x[1]["family"], x[1]["size_b"]) for x in specific
                 if not (x[1]["span"][0] < first["span"][1] and first["span"][0] < x[1]["span"][1])}
        kinds.discard((first["family"], first["size_b"]))
        return {**first, "several": True} if kinds else first
    if found:
        return found[0][1]
    for s in sizes:  # a bare size that names a model: "a 65B model", "70B models", "13B | ..."
        if (_MODEL_NOUN.match(text, s.end()) or re.match(r"\s*(?:LLaMA|Llama)", text[s.end():])
                or _SIZE_VERB.match(text, s.end())
                # "adapters for an 8B at r=16", "fine-tuning the 13B at 16 bytes a parameter": an
                # article, a size, then where or how
                or re.search(r"\b(?:an?|the)\s+$", text[max(0, s.start() - 5):s.start()], re.I)
                and re.match(r"\s+(?:at|with|on|in|using|via|under|that|which|is|was|would|will|"
                             r"needs|takes|gets|can|could|you|we|I)\b|\s*[,.;)]", text[s.end():])
                or _TABLE_CELL.match(text, s.end()) and not text[:s.start()].strip(" |")
                # "QLoRA 7B: fits on a 12 GB card", "QLoRA on 33B": the method's model
                or _METHOD_BEFORE.search(text, max(0, s.start() - 30), s.start())
                # "a model of eight billion parameters", "an LLM with 70B params"
                or _MODEL_OF.search(text, max(0, s.start() - 40), s.start())
                and re.match(r"\s*-?\s*param(?:eter)?s?\b", text[s.end():])
                and not _TRAINED_AFTER.match(text, s.end())
                # "70B in NF4 is about 35 GB": a size held in a width is a model's
                or re.match(r"\s+(?:in|at)\s+(?:NF4|FP4|4-?bit|8-?bit|int8|int4|fp16|bf16|fp32|"
                            r"float16|bfloat16|float32|16-?bit|32-?bit|half[- ]precision)\b",
                            text[s.end():], re.I)
                # "a model of 7B with Adam": the size the model is of, as translations write it
                or re.search(r"\b(?:an?|the)\s+(?:[\w-]+\s+)?(?:model|LLM)\s+of\s+$",
                             text[max(0, s.start() - 30):s.start()], re.I)
                # "base models up to 65B", "models as large as 33B": the largest model named
                or re.search(r"\bmodels?\s+(?:of\s+)?(?:up\s+to|as\s+(?:large|big)\s+as)\s+$",
                             text[max(0, s.start() - 30):s.start()], re.I)
                # "rather than updating all 13 billion weights"
                or _ALL_CHANGED.search(text, max(0, s.start() - 40), s.start())
                and re.match(r"\s*(?:param(?:eter)?s?|weights|numbers|values)\b",
                             text[s.end():])):
            found = {"family": "", "size_b": float(s.group(1)), "preset": None,
                     "span": (s.start(), s.end())}
            if re.search(r"\bthe\s+$", text[max(0, s.start() - 4):s.start()], re.I):
                found["definite"] = True  # "the 13B": a model named before, not any of its size
            return found
    return {}


def model_size_spans(text: str) -> list[tuple[int, int]]:
    """Every model name of a sentence with the size written onto it ("Llama-3-8B and
    Llama-2-7B": both, the name's own digits too): numbers that name a model, not quantities a
    claim states."""
    return [(m.start(), size.end()) for pattern, _ in _models() for m in pattern.finditer(text)
            if (size := _size_after(text, m.end())) is not None]


@cache
def _modules() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(rf"\b(?:{_alternation(e['names'])})", re.I), e["set"])
            for e in load("modules")]


# An explicit list of projections ("q,k,v,o,gate,up,down", "q_proj+v_proj", "query/value"):
# the set it makes is read whole, never as its first names only.
# A fused matrix ("qkv_proj", "query_key_value", "c_attn", "gate_up_proj") stands for its parts.
_PROJ = (r"(?:w_?)?(?:qkv|query_key_value|c_attn|gate_up|q|k|v|o|query|key|value|output|gate|up"
         r"|down)(?:_proj)?")
_PROJ_LIST = re.compile(rf"(?<![\w-]){_PROJ}(?:\s*(?:,\s*and|,|\+|/|&|\band)\s*{_PROJ}){{1,8}}"
                        r"(?![\w-])", re.I)
_PROJ_SETS = {frozenset("qv"): "qv", frozenset("qkvo"): "attention",
              frozenset(("gate", "up", "down")): "mlp",
              frozenset(("q", "k", "v", "o", "gate", "up", "down")): "all"}
_PROJ_NAME = {"query": "q", "key": "k", "value": "v", "output": "o", "qkv": "q k v",
              "query_key_value": "q k v", "c_attn": "q k v", "gate_up": "gate up"}


def _module_list(text: str) -> tuple[str, tuple[int, int]] | None:
    for m in _PROJ_LIST.finditer(text):
        names = re.findall(_PROJ, m.group(0), re.I)
        if len(names) < 2 or _compared_set(text, m):
            continue
        canon = frozenset(part for n in names for part in _PROJ_NAME.get(
            re.sub(r"^w_?|_proj$", "", n.lower()), re.sub(r"^w_?|_proj$", "", n.lower())).split())
        name = _PROJ_SETS.get(canon)
        if name:
            return name, m.span()
    # PEFT names apart in one sentence ("65,536 on q_proj and the same again on v_proj"): the
    # set they make together
    named = list(_PEFT_PROJ.finditer(text))
    name = _PROJ_SETS.get(frozenset(m.group(1).lower() for m in named)) if len(named) > 1 else None
    return (name, (named[0].start(), named[-1].end())) if name else None


_PEFT_PROJ = re.compile(r"(?<![\w.-])(q|k|v|o|gate|up|down)_proj\b", re.I)
# where a sentence turns from one configuration to the next (", and", ", but", "; ", "while")
# (or "and" before a figure: "0.06% on q and v only and about 0.3% on every linear layer")
_PART_BREAK = re.compile(r",\s*(?:and|but|while|whereas)\b|;\s|\s(?:but|while|whereas)\s|"
                         r"\s+and\s+(?=(?:about|roughly|around|nearly|only|just|~)?\s*\d)", re.I)


_IF_PART = re.compile(r"\W*(?:(?:and|but|while|whereas)\s+)?(?:if|when|unless|in\s+case)\b", re.I)


def _module_parts(text: str) -> tuple[tuple[str, tuple[int, int]], ...]:
    """The parts of a sentence that each name a module set of their own, two or more sets
    ("0.06% with q/v only, and about 0.3% on every linear layer"): (set, span of the part);
    () when the sentence names one set or its parts do not each name one."""
    cuts = [0, *(m.start() for m in _PART_BREAK.finditer(text)), len(text)]
    parts = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        found = find_modules(text[a:b])
        if found is None or _IF_PART.match(text, a, b):
            return ()  # (a part that is a case: "...; if you see about 40M, you ...")
        parts.append((found[0], (a, b)))
    return tuple(parts) if len({name for name, _ in parts}) > 1 else ()


# a change of the adapted modules ("moved the targets from q_proj/v_proj to all seven linear
# projections") and of the count with it ("... rose from 6.8M to 41.9M")
_MODULES_MOVED = re.compile(r"\bfrom\s+(?P<a>[^.;]{1,40}?)\s+to\s+(?P<b>[^.;]{1,60}?)"
                            r"(?=\s+(?:at|on|with|for|in|takes?|took|rais\w*|ros\w*|grew|grows|"
                            r"and)\b|[,.;]|$)", re.I)
_COUNT_MOVED = re.compile(r"\bfrom\s+(?:about\s+|roughly\s+|~\s*)?(?P<c1>\d[\d.,]*\s*(?:[KM]\b|"
                          r"million|thousand)?)\s+(?:trainable\s+)?(?:param(?:eter)?s\s+)?(?:up\s+)?"
                          r"to\s+(?:about\s+|roughly\s+|around\s+|~\s*)?(?P<c2>\d[\d.,]*\s*"
                          r"(?:[KM]\b|million|thousand)?)", re.I)


def _modules_moved(text: str) -> tuple[tuple[str, tuple[int, int]], ...]:
    """A change of module set with the count it changes ("from q+v to all seven projections
    ... takes the count from 3.4M to about 21M"): each set with its own count, as parts; ()
    otherwise."""
    counts = _COUNT_MOVED.search(text)
    if counts is None:
        return ()
    for m in _MODULES_MOVED.finditer(text):
        if m.start() == counts.start():
            continue
        a, b = find_modules(m.group("a")), find_modules(m.group("b"))
        if a and b and a[0] != b[0]:
            return ((a[0], counts.span("c1")), (b[0], counts.span("c2")))
    return ()


def find_modules(text: str) -> tuple[str, tuple[int, int]] | None:
    """The module set a sentence names ('query and value' -> qv), with its span."""
    listed = _module_list(text)
    if listed:
        return listed
    for pattern, name in _modules():
        for m in pattern.finditer(text):
            if not _compared_set(text, m):
                return name, m.span()
    return None


def _compared_set(text: str, m: re.Match) -> bool:
    """Whether the set at `m` is what a figure is compared with ("4.8x the old q/v count")."""
    return bool(_COMPARED_SET_BEFORE.search(text, max(0, m.start() - 30), m.start())
                and _COMPARED_SET_AFTER.match(text, m.end())
                or _COMPARED_SETTING_BEFORE.search(text, max(0, m.start() - 60), m.start()))


# a set named as what a figure is compared with: "about 4.8x the old q/v count", "more than
# the q,v-only number"
_COMPARED_SET_BEFORE = re.compile(r"(?:(?<=\d)x|\bx|\btimes|\bthan|\bvs\.?|\bversus|\bover|\bto|"
                                  r"\bwith)\s+(?:the\s+|a\s+)?"
                                  r"(?:old|previous|original|default|earlier|usual|former|"
                                  r"plain)?\s*$", re.I)
# ... or the setting a figure is compared with, its rank and its set: "ten times as many as
# r=8 on q and v", "than rank-4 LoRA on the attention projections"
_COMPARED_SETTING_BEFORE = re.compile(
    r"\b(?:than|as\s+(?:many|much|large|big)\s+as|vs\.?|versus|compared\s+(?:with|to)|"
    r"relative\s+to)\s+(?:(?:the|a|an|plain|old|default)\s+)?(?:(?:r\s*=\s*\d{1,4}|"
    r"rank[- ]?\d{1,4})\s+)?(?:LoRA\s+)?(?:on|with|at|for)\s+(?:the\s+|only\s+|just\s+)?$",
    re.I)
_COMPARED_SET_AFTER = re.compile(r"[\s-]*(?:only\s+|-only\s+)?(?:count|number|figure|total|"
                                 r"baseline|setup|setting|config(?:uration)?|one|run)s?\b", re.I)


_CONDITIONS = {
    # (not the r of a ratio: "alpha/r = 2" states the scale; nor an id such as a reviewer's or a
    # run's, "R3", "R1")
    # (nor a zero-padded item id, "R-03 Adapter storage")
    "r": re.compile(r"(?<!/)(?<!/ )(?<!sqrt\()(?<!sqrt )(?!(?-i:R)\d)(?!(?-i:R)-0\d)"
                    r"\b(?:r|rank|lora_r|lora_rank)\s*(?:=|of|:|is|-|set to|to|"
                    r"(?:also\s+)?defaults?\s+to|equals)?\s*(\d{1,5})\b"
                    r"(?!\s*[x*]\s*\d)|\b(?!(?-i:R)-0\d)(?:rank|r)-(\d{1,5})\b|"
                    r"\b(\d{1,5})-rank\b", re.I),
    # ("keeping alpha at 32", "alpha fixed at 16", "alpha left at 8": where it is held)
    "alpha": re.compile(r"\b(?:alpha|lora_alpha)\s*(?:=|of|:|is|set to|to|"
                        r"(?:(?:fixed|held|kept|left|pinned|frozen|set|stays?|remains?)\s+)?at|"
                        r"(?:also\s+)?defaults?\s+to|equals)?\s*(\d{1,5}(?:\.\d+)?)\b"
                        r"(?!\s*[x*/]\s*\d)(?!\s*(?:[x*]|times)\s*(?:r|rank|lora_r)\b)", re.I),
    # (or a square matrix by its one side: "one square 4096 matrix", "a square 1024-wide layer")
    # (or "a 4096-square matrix")
    "dk": re.compile(r"\bd\s*=\s*k\s*=\s*(\d[\d,]{0,9})\b|\bsquare\s+(\d[\d,]{1,9})(?:[- ]wide)?\s+"
                     r"(?:weight\s+)?(?:matri(?:x|ces)|layers?|projections?|weights?)\b|"
                     r"(?<![\d.,])(\d[\d,]{1,9})[- ]square\s+(?:weight\s+)?(?:matri(?:x|ces)|"
                     r"layers?|projections?)\b", re.I),
    # (not the last factor of a product worked out: "r x d = 32,768 parameters")
    "d": re.compile(r"(?<![x\u00d7*]\s)(?<![\u00d7*])\b(?:d|d_model|hidden(?: size)?|in_dim)\s*=\s*"
                    r"(\d[\d,]{0,9})\b", re.I),
    "k": re.compile(r"(?<![x\u00d7*]\s)(?<![\u00d7*])\b(?:k|out_dim)\s*=\s*(\d[\d,]{0,9})\b",
                    re.I),
    "shape": re.compile(r"(?<![\d.])(\d[\d,]{1,9})\s*(?:x|\*|-by-|\s+by\s+)\s*(\d[\d,]{1,9})"
                        r"(?![\d,]*\s*(?:x|\*)\s*\d)"),
    "batch": re.compile(r"\bbatch(?:[ _]size)?\s*(?:of|=|:)?\s*(\d{1,5})\b|"
                        r"\bbs\s*(?:=|:)?\s*(\d{1,5})\b", re.I),
    # "a batch of 1 x 512 tokens", "batch 4x2048": the batch, then the sequence length
    "batch_seq": re.compile(r"\b(?:batch(?:[ _]size)?|bs)\s*(?:of|=|:)?\s*(\d{1,4})\s*[x*]\s*"
                            r"(\d{2,6})\b", re.I),
    "seq": re.compile(r"\b(?:sequence length|seq(?:_len|uence)?|context(?: length)?|max_seq_len)"
                      r"\s*(?:of|=|:)?\s*(\d{2,6})\b|\b(\d{2,6})[- ]tokens?\b", re.I),
    # a count of GPUs: "2 GPUs", "8x A100s", "2x24GB", "dual 3090s", "2+ GPUs" (a number
    # followed by GB is a size, not a count: "single 48GB GPUs")
    "gpus": re.compile(r"\b(\d{1,3})(?![\d.])\+?\s*(?!GB|GiB|G\b)(?:x\s*|\*\s*)?(?:[\w-]+\s+){0,2}?"
                       r"(?:\d+\s*GB\s+(?:[\w-]+\s+){0,2}?)?(?:GPUs|cards|A100s|H100s|3090s|"
                       r"4090s)\b|"
                       r"\b(\d{1,3})\s*x\s*\d+\s*GB\b|"
                       r"\b(dual|two|multiple|several)\s+(?:[\w-]+\s+){0,3}?(?:GPUs|cards)\b",
                       re.I),
}
_MERGED = re.compile(r"\b(?:merg\w*|fold(?:s|ed|ing)? (?:\w+ ){0,3}into|fus(?:e|ed|ing) into|"
                     r"(?:added|summed|baked|absorbed|written) (?:back )?(?:in)?to (?:the )?"
                     r"(?:base |frozen |pretrained |original )?(?:W_?0|W|weights?)\b|"
                     r"merge_and_unload|W\s*=\s*W0\s*\+\s*BA)", re.I)
_UNMERGED = re.compile(r"\b(?:(?<!match the )(?<!matches the )(?<!matched the )(?<!as the )"
                       # (not the other side of a comparison: "outputs match the unmerged
                       # adapter's")
                       r"(?<!than the )(?<!with the )(?<!to the )(?<!than )unmerged|not merged|"
                       r"(?:isn't|aren't|wasn't|weren't|not)\s+(?:yet\s+)?(?:folded|fused|baked|"
                       r"absorbed)\s+in|without merging|(?:don't|do not|doesn't|does "
                       r"not|never|didn't|did not)\s+(?:\w+\s+)?merge|separate(?:ly)? (?:weights|"
                       r"adapters?|modules?)|kept separate|on the fly|dynamic(?:ally)?|"
                       r"un-merged|before (?:merging|(?:calling |running |you call )?`?merge"
                       r"(?:_and_unload|_adapter)?`?(?:\(\))?`?)|(?:still|remains?|stays?)\s+attached|"
                       r"(?:keep|keeps|kept|keeping|leave|leaves|left|leaving)\s+(?:the\s+|an?\s+|"
                       r"your\s+|its\s+|each\s+|every\s+)?(?:[\w-]+\s+){0,2}?(?:adapters?|LoRAs?)\s+"
                       r"(?:attached|separate|on\s+top|in\s+place)|"
                       r"side (?:branch|path)|"
                       # a cost "unless merged", "until it is merged": the unmerged state's
                       r"(?:unless|until)\s+(?:(?:it|they|the\s+\w+)\s+(?:is|are|gets?|has\s+been)\s+|"
                       r"you\s+)?merg\w*|if\s+not\s+merged|"
                       # (not said to be gone: "and the extra matmuls are gone")
                       r"(?<!\bno )(?<!\bwithout )(?:extra (?:small |tiny )?(?:matmul|branch)|"
                       r"additional (?:matmul|branch|forward))"
                       r"(?!\w*\s+(?:are|is|were|was)\s+(?:\w+\s+)?(?:gone|removed|eliminated|dropped|"
                       r"folded|absorbed))|separate weights|"
                       r"(?:skip|skips|skipped|skipping|omit|omitting|forgo)\s+(?:the\s+)?merg(?:e|es|ing)|"
                       # an adapter loaded beside the base ("loaded with PeftModel.from_pretrained")
                       r"(?:loaded|served|run)\s+(?:with|via|through|using)\s+"
                       r"(?:PeftModel\.from_pretrained|load_adapter))",
                       re.I)
# advice to merge, after a statement about the unmerged state
_ADVISED_MERGE = re.compile(r"\b(?:recommend\w*|suggest\w*|advis\w*|should|better to|worth|"
                            r"prefer\w*|consider)\s+(?:\w+\s+){0,2}?$|"
                            # an imperative after the reason: "..., so merge the weights"
                            r"\b(?:so|therefore|hence|thus)\s+(?:just\s+|always\s+|simply\s+)?$|"
                            # what follows from the claim: "..., which makes merging cosmetic"
                            r"\b(?:which|that)\s+(?:makes?|means?|renders?|leaves?)\s+$|"
                            # the reason for it: "..., which is why everyone merges"
                            r"\b(?:which|that|this)\s+is\s+(?:why|the\s+reason)\s+(?:\w+\s+){0,3}?$",
                            re.I)
_ADVISED_AFTER = re.compile(r"(?:\s+[\w-]+){0,4}?\s+(?:is|are)\s+(?:\w+\s+)?(?:recommended|advised|"
                            r"suggested|preferred|encouraged)\b", re.I)
_SLOW_WORDS = re.compile(r"\b(?:slow\w*|overhead|latency|extra\s+(?:compute|matmuls?|work|cost))\b",
                         re.I)


def _advised(text: str, m: re.Match) -> bool:
    """Whether the merge at `m` is advised ("merging is recommended", "we suggest merging",
    "...; merge once you have picked one"), not the state a claim is of."""
    return bool(_ADVISED_MERGE.search(text, max(0, m.start() - 45), m.start())
                or _ADVISED_AFTER.match(text, m.end())
                or (m.group(0).lower() == "merge"
                    and _NEW_CLAUSE.search(text, max(0, m.start() - 12), m.start())
                    and _LATER.match(text, m.end())))


# an imperative "merge" that opens a later clause, for a time to come ("...; merge once you've
# picked a winner", ", then merge it before you ship"): advice after the claim
_NEW_CLAUSE = re.compile(r"(?:[;:,]\s*(?:and\s+)?(?:then\s+)?|\bthen\s+)(?:just\s+|simply\s+)?$",
                         re.I)
_LATER = re.compile(r"\s+(?:it\s+|them\s+|(?:the|your)\s+[\w-]+\s+)?(?:once|when|after|later|"
                    r"before\s+(?:you\s+)?(?:ship|deploy|serv|release))", re.I)


_DTYPE = re.compile(r"\b(fp16|float16|bf16|bfloat16|fp32|float32|16-bit|32-bit|half precision|"
                    r"8-bit|int8|4-bit|nf4|int4|fp4|(?:in|into|to|at) 4 bits)\b", re.I)
# a width said per value: "at 16 bits each", "4 bytes per parameter", "half a byte per weight"
# (16-bit is fp16's width)
_PER_VALUE = re.compile(r"\b((?:16|32|8|4)\s*-?bits?|[124]\s*bytes?|(?:half a|0?\.5)\s*bytes?|"
                        r"one\s+byte)\s+(?:each|apiece|per\s+(?:value|param(?:eter)?|weight|"
                        r"element|number|entry))\b", re.I)
_WIDTH_EACH = {"16bit": "16bit", "32bit": "fp32", "8bit": "int8", "4bit": "nf4", "2byte": "16bit",
               "4byte": "fp32", "1byte": "int8", "halfabyte": "nf4", ".5byte": "nf4",
               "0.5byte": "nf4", "onebyte": "int8"}


def _width_each(words: str) -> str:
    """The dtype of a width said per value ("2 bytes" -> 16bit, "half a byte" -> nf4)."""
    return _WIDTH_EACH[re.sub(r"[\s-]|(?<=t)s$|(?<=e)s$", "", words.lower())]
_DTYPES = {"fp16": "fp16", "float16": "fp16", "half precision": "fp16", "16-bit": "16bit",
           "bf16": "bf16", "bfloat16": "bf16", "fp32": "fp32", "float32": "fp32",
           "32-bit": "fp32", "8-bit": "int8", "int8": "int8", "4-bit": "nf4", "nf4": "nf4",
           "int4": "nf4", "fp4": "fp4", "in 4 bits": "nf4", "into 4 bits": "nf4",
           "to 4 bits": "nf4", "at 4 bits": "nf4"}


_PRODUCT_BEFORE = re.compile(r"[\d)]\s*(?:x|\*)\s*$")
_FACTOR_BEFORE = re.compile(r"\b(?:[AB]|lora_[AB])\s*(?:is|in|:|=|\(|has shape|of shape|with shape|"
                            r"has|holds)[^.;,]{0,10}$")


_RANK_CHANGE = re.compile(r"\b(?:r|rank|lora_r)\s+(?:\w+\s+)?from\s+(\d{1,4})\s+(?:up\s+|down\s+)?"
                          r"to\s+(\d{1,4})\b"
                          # ("bumped the job from rank 16 to 64", "from r=8 to 32")
                          r"|\bfrom\s+(?:rank\s+|(?:r|lora_r)\s*=\s*)(\d{1,4})\s+(?:up\s+|down\s+)?"
                          r"to\s+(?:rank\s+|(?:r|lora_r)\s*=\s*)?(\d{1,4})\b(?!\s*[%.,]\d)", re.I)
# a change of alpha ("raising lora_alpha from 16 to 32"): both values, the first stated
_ALPHA_CHANGE = re.compile(r"\b(?:lora_alpha|alpha|\u03b1)\s+(?:\w+\s+)?from\s+(\d{1,4})\s+"
                           r"(?:up\s+|down\s+)?to\s+(\d{1,4})\b", re.I)


def _int(text: str) -> int | None:
    try:
        value = int(text.replace(",", ""))
    except ValueError:
        return None
    return value if 0 < value < 10**9 else None


# A size, rank or share that cannot be: negative ("r = -8", "-50% fewer") or astronomically
# large ("d=k=1e999"). Nothing is judged with it: the frame is refused with the words.
_IMPOSSIBLE = re.compile(r"\b(?:r|rank|d|k|alpha|lora_alpha|lora_r)\s*(?:=\s*)+-\s*\d|"
                         r"\b(?:r|rank|d|k|alpha|lora_alpha|lora_r)\s*(?:=\s*)+\d[\d.,]*e\+?\d{2,}|"
                         # (a minus written onto its number: "- 99.6%" after a dash is a row's
                         # value, "Reduction at r = 16 - 99.6%")
                         r"(?<![\w.])-\d[\d.,]*\s*%", re.I)


# alpha tied to the rank: "alpha = 2r", "lora_alpha = 2 * r", "alpha set to twice r" reads as
# "2 r" after normalising
_ALPHA_PER_R = re.compile(r"\b(?:alpha|lora_alpha)\s*(?:=|of|is|set to|to)?\s*(\d{1,2})\s*"
                          r"(?:\*|x|times)?\s*(?:r|rank|lora_r)\b", re.I)


# alpha set to the rank itself: "lora_alpha equal to r", "alpha = rank", "alpha matching r"
_ALPHA_IS_R = re.compile(r"\b(?:alpha|lora_alpha)\s*(?:==?|equals?(?:\s+to)?|is\s+equal\s+to|"
                         r"(?:is\s+)?set\s+(?:equal\s+)?to|(?:equal\s+)?to|match(?:es|ing)?|"
                         r"the\s+same\s+as)\s*(?:the\s+)?(?:r|rank|lora_r)\b(?!\s*[=/*x(]\s*\w)",
                         re.I)


_SQUARE = re.compile(r"\bsquare\s+(?:weight\s+)?(?:projections?|matri(?:x|ces)|layers?|weights?|"
                     r"linears?)\b", re.I)


def read_conditions(text: str) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    """Conditions a sentence states: rank, alpha, d and k, modules, model, merged, batch,
    sequence length, dtypes, GPU count. Only what is written."""
    found: dict[str, Any] = {}
    spans: dict[str, tuple[int, int]] = {}
    impossible = _IMPOSSIBLE.search(text)
    if impossible:
        found["impossible"] = impossible.group(0)
        spans["impossible"] = impossible.span()
    worked = [m.span(1) for m in _EQUATION.finditer(text)]
    for name, pattern in _CONDITIONS.items():
        m = pattern.search(text)
        if name == "shape":  # the shape of W, not of B or A ("B is 4096 x 16")
            m = next((x for x in pattern.finditer(text)
                      if not _FACTOR_BEFORE.search(text, max(0, x.start() - 16), x.start())
                      # the end of a longer product ("12 layers x 2 x 16 x 1536") is no shape,
                      # nor are the factors of a product worked out ("32 x 16 x (...) = ...")
                      and not _PRODUCT_BEFORE.search(text, max(0, x.start() - 12), x.start())
                      and not any(a <= x.start() < b for a, b in worked)),
                     None)
        if not m:
            continue
        groups = [g for g in m.groups() if g is not None]
        if not groups:
            continue
        if name == "shape":
            d, k = _int(groups[0]), _int(groups[1])
            if d and k and d >= 16 and k >= 16:
                found.setdefault("d", d)
                found.setdefault("k", k)
                spans.setdefault("d", m.span())
            continue
        if name == "dk":
            value = _int(groups[0])
            if value:
                found["d"] = found["k"] = value
                spans["d"] = m.span()
            continue
        if name == "batch_seq":
            batch, seq = _int(groups[0]), _int(groups[1])
            if batch and seq:
                found["batch"], found["seq"] = batch, seq
                spans["batch"] = spans["seq"] = m.span()
            continue
        if name == "gpus":
            word = groups[0].lower()
            value = {"dual": 2, "two": 2, "multiple": 2, "several": 2}.get(word) or _int(word)
            if value:
                found["gpus"] = value
                spans["gpus"] = m.span()
            continue
        value = _int(groups[0]) if name != "alpha" else float(groups[0])
        if value:
            found.setdefault(name, value)
            spans.setdefault(name, m.span())
    ranks = [(v, m.start()) for m in _CONDITIONS["r"].finditer(text)
             for v in [_int(next(g for g in m.groups() if g is not None))] if v]
    change = _RANK_CHANGE.search(text)
    if change and len(ranks) < 2:  # "raising r from 8 to 32": both ranks, the first stated
        one, two = (1, 2) if change.group(1) else (3, 4)
        ranks = [(_int(change.group(one)) or 0, change.start(one)),
                 (_int(change.group(two)) or 0, change.start(two))]
        found.setdefault("r", ranks[0][0])
        spans.setdefault("r", change.span())
    alphas = _ALPHA_CHANGE.search(text)
    if alphas and int(alphas.group(1)) and int(alphas.group(2)):
        found["alphas"] = (int(alphas.group(1)), int(alphas.group(2)))
        found.setdefault("alpha", float(alphas.group(1)))
        spans.setdefault("alpha", alphas.span())
    if len({v for v, _ in ranks}) > 1:  # "rank 8 adds ..., while rank 256 adds ...": each
        found["ranks"] = tuple(ranks)    # figure belongs to the rank named before it
    if "d" in found and "k" not in found and _SQUARE.search(text):
        found["k"] = found["d"]  # "a square projection with d = 4096": k is d
    per_r = _ALPHA_PER_R.search(text) or _ALPHA_IS_R.search(text)
    if per_r and "alpha" not in found and "ranks" not in found:
        per = float(per_r.group(1)) if per_r.re is _ALPHA_PER_R else 1.0
        if found.get("r"):
            found["alpha"] = per * found["r"]  # "alpha = 2r" at r=64: 128
            spans["alpha"] = per_r.span()
        elif "r" not in found and 0 < per <= 64:  # "alpha equal to r": whatever r is
            found["alpha_per_r"] = per
            spans["alpha_per_r"] = per_r.span()
    model = find_model(text)
    if model:
        spans["model"] = model.pop("span")
        if "name" in model:  # the family's name: a number inside it ("GPT-3") is no quantity
            spans["model_name"] = model.pop("name")
        found["model"] = model
    modules = find_modules(text)
    if modules:
        found["modules"], spans["modules"] = modules
        parts = _module_parts(text) or _modules_moved(text)
        if parts:  # "0.06% on q and v only, and about 0.3% on every linear layer"
            found["module_parts"] = parts
    unmerged = _UNMERGED.search(text)
    merged = next((m for m in _MERGED.finditer(text) if (not unmerged
                   or not unmerged.start() <= m.start() < unmerged.end())
                   and not _VCS_MERGE.match(text, m.start())), None)
    if unmerged and merged and unmerged.start() < merged.start() and _advised(text, merged):
        # "unmerged DoRA costs more than LoRA, so merging is recommended": the claim is of the
        # unmerged state, the merge is advice
        found["merged"] = False
        spans["merged"] = unmerged.span()
    elif unmerged and merged:  # both named: which one a claim is about is not read
        pass
    elif unmerged:
        found["merged"] = False
        spans["merged"] = unmerged.span()
    elif merged and _GONE_ONCE.search(text, max(0, merged.start() - 40), merged.start()):
        # "an overhead per token, which disappears after merging": the overhead is the unmerged
        # adapter's, merging is when it goes
        found["merged"] = False
        spans["merged"] = merged.span()
    elif merged and not _advised(text, merged):
        found["merged"] = True
        spans["merged"] = merged.span()
    elif merged and _SLOW_WORDS.search(text, 0, merged.start()):
        # "DoRA runs slower than LoRA, which is why merging it is recommended": the slowness
        # the merge is advised against is the unmerged state's
        found["merged"] = False
        spans["merged"] = merged.span()
    direction = lr_direction(text)
    if direction:
        found["lr_direction"] = direction
    dtypes = [_DTYPES[m.group(1).lower()] for m in _DTYPE.finditer(text)]
    dtypes += [_width_each(m.group(1)) for m in _PER_VALUE.finditer(text)]
    if dtypes:
        found["dtypes"] = tuple(dict.fromkeys(dtypes))
        model_at = spans.get("model", (-1, -1))[0]
        # "an adapter trained on a bf16 Llama-2-7B", "on the fp16 base": the base's dtype
        base = tuple(dict.fromkeys(
            _DTYPES[m.group(1).lower()] for m in _DTYPE.finditer(text)
            if (b := _BASE_AFTER_DTYPE.match(text, m.end())) and (
                b.group("noun") or b.end() == model_at)))
        if base:
            found["base_dtypes"] = base
        # "halves the FP16 size": a dtype a size is set against
        against = tuple(dict.fromkeys(
            _DTYPES[m.group(1).lower()] for m in _DTYPE.finditer(text)
            if _BASELINE_DTYPE.search(text, max(0, m.start() - 30), m.start())))
        if against:
            found["baseline_dtypes"] = against
    return found, spans


# what follows a dtype that modifies the base model: its noun, or (empty) the model's name
_BASE_AFTER_DTYPE = re.compile(r"[\s-]*(?:(?:frozen|pretrained|pre-trained|quantized)\s+)?"
                               r"(?P<noun>(?:base|backbone|foundation)\b)?", re.I)


_B = r"\b(?:B|lora_B|the up(?:-projection)?(?: matrix)?|matrix B|B matrix)\b"
_A = r"\b(?:A|lora_A|the down(?:-projection)?(?: matrix)?|matrix A|A matrix)\b"
_SAME = re.compile(r"\b(?:same|equal|identical|uniform|shared|single)\s+(?:[\w-]+\s+)?"
                   r"(?:learning[- ]rates?|lrs?)\b", re.I)


# "eta_B ~ 16 * eta_A", "eta_B = lambda * eta_A": one rate a multiple of the other
_RATE_PRODUCT = re.compile(r"\b(?:eta|lr)_?([AB])\s*(?:=|~|is)\s*(\d+(?:\.\d+)?|lambda)\s*"
                           r"(?:\*|x|times)?\s*(?:eta|lr)_?[AB]\b", re.I)
# the two rates as a quotient: "an eta_B/eta_A ratio below one", "lr_B / lr_A = 16"
_RATE_QUOTIENT = re.compile(
    r"\b(?:eta|lr)_?(?P<num>[AB])\s*/\s*(?:eta|lr)_?(?P<den>[AB])\b(?:\s+ratio)?[^.;]{0,30}?"
    r"(?:(?P<big>above|over|greater than|larger than|>>?|well above)\s*(?:1|one)\b|"
    r"(?P<small>below|under|less than|smaller than|<<?|well below)\s*(?:1|one)\b|"
    r"(?:=|of|is|:|around|about|~|near)\s*(?P<v>\d+(?:\.\d+)?(?:\s*/\s*\d+)?))", re.I)
# one matrix's rate said to exceed the other's: "the learning rate of the B matrices exceeds that
# of the A matrices"
_RATE_EXCEEDS = re.compile(
    r"\b(?:learning\s+rate|lr|rate)\s+of\s+(?:the\s+)?(?-i:(?P<who>A|B))(?:\s+matri(?:x|ces))?\s+"
    r"(?:exceeds?|is\s+(?:higher|larger|greater)\s+than|outstrips?)\s+(?:that|the\s+(?:learning\s+)?"
    r"(?:rate|lr))\s+of\s+(?:the\s+)?(?-i:(?P<other>A|B))\b", re.I)
# one matrix's rate raised against the other's: "cranks up the learning rate on the A matrix
# relative to B", "boosts B's learning rate compared with A's"
_RATE_RAISED = re.compile(
    r"\b(?:rais\w*|boost\w*|increas\w*|crank\w*\s+up|bump\w*\s+up|turn\w*\s+up|scal\w*\s+up)\s+"
    r"(?:the\s+)?(?:(?:learning\s+rate|lr|step\s+size)\s+(?:on|of|for)\s+(?:the\s+)?"
    r"(?-i:(?P<who>A|B))(?:\s+matri(?:x|ces))?|(?-i:(?P<who2>A|B))(?:'s)?(?:\s+matri(?:x|ces))?\s+"
    r"(?:learning\s+rate|lr|step\s+size))\s+(?:relative\s+to|compared\s+(?:to|with)|over|against|"
    r"versus|vs\.?)\s+(?:the\s+)?(?:one\s+(?:on|of|for)\s+)?(?-i:(?P<other>A|B))\b", re.I)
# one matrix's rate a number of times the other's, in words: "the B learning rate is 16x the A
# rate", "B's lr = 16 times that of A"
_RATE_TIMES = re.compile(
    r"(?-i:\b(?P<who>A|B))(?:'s)?\s+(?:matri(?:x|ces)\s+)?(?:learning\s+rate|lr|rate|step\s+size)"
    r"\s+(?:is|=|gets|becomes|of)\s+(?:about\s+|roughly\s+|~\s*)?(?P<v>\d+(?:\.\d+)?)\s*(?:x|times)\s+"
    r"(?:that\s+of\s+|the\s+)?(?-i:(?P<other>A|B))\b", re.I)
# how lambda compares with 1: "lambda >> 1", "lambda well below 1", "lambda = 16"
_LAMBDA_SIZE = re.compile(
    r"\blambda\s*(?:(?:is\s+)?(?:set\s+)?(?:well|much|far)\s+)?(?:(?P<big>>>?|above|over|"
    r"greater than|larger than|bigger than)|(?P<small><<?|below|under|less than|smaller than))"
    r"\s*1\b(?!\.\d)|"
    # ("lambda = 16", "with lambda typically around 1/16")
    r"\blambda\s*(?:(?:is\s+|being\s+)?(?:typically|usually|often|normally|set)\s+)?"
    r"(?:=|of|is|around|about|near|roughly|~)\s*(?P<v>\d+(?:\.\d+)?(?:\s*/\s*\d+)?)\b", re.I)


# One matrix's rate a named ratio times the other's: "the rate of A is set to loraplus_ratio
# times that of B"; the ratio's size is read where it is given ("a default ratio of 16")
_RATIO_TIMES = re.compile(
    r"(?-i:\b(?P<who>A|B|lora_A|lora_B))\b[^.;]{0,60}?\b(?:set to|is|=|equals?|gets?)\s+"
    r"(?:the\s+)?(?P<name>\w*ratio\w*|lambda)\s+(?:times|x)\s+"
    r"(?:(?:that|the\s+(?:rate|lr|learning rate))\s+of\s+"
    r"(?:the\s+)?(?-i:(?:A|B|lora_A|lora_B))\b"
    # "... times the base rate": the optimizer's own rate, which the other matrix keeps
    r"|(?:the\s+)?(?:base|default|optimi[sz]er'?s?|normal|regular|global)\s+(?:learning\s+)?"
    r"(?:rate|lr)\b)", re.I)
# one matrix's rate said to be a multiple of the other's, LoRA+'s ratio unvalued ("sets B's
# learning rate to a multiple lambda of A's", "B trains at that multiple of A's learning rate",
# "B trains with a learning rate loraplus_lr_ratio times that of A"): a multiple is the larger
_RATE_MULTIPLE = re.compile(
    r"(?-i:\b(?P<who>A|B|lora_A|lora_B))\b[^.;]{0,60}?\b(?:(?:a|that|the)\s+(?:fixed\s+|constant\s+)?"
    r"multiple\s+(?:\([^()]{0,30}\)\s+)?"
    r"(?:lambda\s+|\w*ratio\w*\s+)?of|(?:lambda|\w*ratio\w*)\s+times(?:\s+that\s+of)?)\s+"
    r"(?:the\s+)?(?:(?:rate|lr|learning\s+rate)\s+of\s+(?:the\s+)?)?"
    r"(?-i:(?P<other>A|B|lora_A|lora_B))\b", re.I)
_RATIO_SIZE = re.compile(r"\b(?:\w*ratio\w*|lambda)\s*(?:=|of|is|:|defaults? to|is set to)\s*"
                         r"(\d+(?:\.\d+)?)\b", re.I)


def _above_one(m: re.Match) -> bool | None:
    """Whether a ratio read by `m` (groups big, small, v: "well above one", "< 1", "16",
    "1/16") is above 1 (True), below it (False), or neither is said (None)."""
    value = m.group("v") or ""
    if "/" in value:
        top, bottom = (float(x) for x in value.split("/"))
        value = str(top / bottom) if bottom else ""
    big = m.group("big") is not None or bool(value) and float(value) > 1
    small = m.group("small") is not None or bool(value) and float(value) < 1
    return big if big != small else None


# The article "A" opening a sentence ("A ratio of 16 and ..."), not the matrix A ("A gets ...")
# (or after a glossary's dash: "LoRA+ - A training recipe, ...")
_ARTICLE_A = re.compile(r"(?:^|(?<=[.!?:;]\s)|(?<=\s[-\u2013\u2014]\s))"
                        r"A(?=\s+(?!(?:is|was|gets?|has|had|and|or|matri\w+|"
                        r"keeps?|receives?|uses?|stays?|starts?|trains?|learns?|should|must|can|"
                        r"will|would|does|needs?|takes?|moves?|updates?)\b)[a-z])")


# a Q&A's answer label ("A: LoRA+ trains B faster"): not the matrix A
_ANSWER_LABEL = re.compile(r"(?:^|(?<=[.?!]\s))\s*(?-i:A)\s*:\s+")


# a matrix named, then described in an aside ("lora_A, the down-projection, gets ..."): the aside
# is dropped, so the name stands next to its verb
_MATRIX_ASIDE = re.compile(r"\b((?-i:A|B)|lora_[AB])\s*(?:,|\(|\u2014|--)\s*(?:the\s+|its\s+|a\s+)?"
                           r"(?:[\w-]+\s+){0,2}?(?:[a-z]+-)?(?:projection|matrix|factor|one)\s*(?:,|\)|\u2014|--)")


def lr_direction(text: str) -> str:
    """Which of B and A a sentence gives the larger learning rate: 'B>A', 'A>B', 'same', ''."""
    rate_words = re.compile(r"learning[- ]rates?|\blrs?\b|\b(?:eta|lr)_?[AB]\b|lambda|"
                            r"step[- ]sizes?|\bloraplus_lr_ratio\b|\bbase\s+rate\b", re.I)
    if not rate_words.search(text):
        return ""
    answered = _WHICH_ANSWERED.search(text)  # "which matrix gets the larger lr? Answer: B"
    if answered:
        return "B>A" if answered.group("who") == "B" else "A>B"
    # (only the sentences that speak of rates: "It is false that LoRA+ costs more compute.
    # ... the learning rates of A and B differ" gives no direction)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    if len(parts) > 1:
        text = " ".join(p for p in parts if rate_words.search(p))
    text = _MATRIX_ASIDE.sub(r"\1", _ARTICLE_A.sub("a", _ANSWER_LABEL.sub("", text)))
    given = _RATE_OF_OTHER.search(text)  # "B's rate set to that of A multiplied by lambda"
    if given and given.group("who") != given.group("other"):
        bigger = given.group("who") if given.group("op").lower() != "divided by" \
            else given.group("other")
        return "B>A" if bigger == "B" else "A>B"
    late = _THE_HIGHER.search(text)
    if late and re.search(r";\s|\.\s", text[:late.start()]) and not _WHICH_OF.search(text):
        # "eta_B = lambda * eta_A ...; it is A that gets the larger learning rate": the matrix a
        # later clause names outright (set against the formula by the verifier)
        return _higher_of(late)
    quotient = _RATE_QUOTIENT.search(text)  # "an eta_B/eta_A ratio below one, around 1/16"
    above = _above_one(quotient) if quotient else None
    if quotient and above is not None:
        top = quotient.group("num") if above else quotient.group("den")
        return "B>A" if top.upper() == "B" else "A>B"
    exceeds = _RATE_EXCEEDS.search(text)  # "the rate of the B matrices exceeds that of A"
    if exceeds and exceeds.group("who") != exceeds.group("other"):
        return "B>A" if exceeds.group("who").upper() == "B" else "A>B"
    raised = _RATE_RAISED.search(text)  # "cranks up the lr on A relative to B"
    if raised and (raised.group("who") or raised.group("who2")) != raised.group("other"):
        return "B>A" if (raised.group("who") or raised.group("who2")).upper() == "B" else "A>B"
    times = _RATE_TIMES.search(text)  # "B's learning rate is 16x the A rate"
    if times and float(times.group("v")) != 1 and times.group("who") != times.group("other"):
        bigger = times.group("who") if float(times.group("v")) > 1 else times.group("other")
        return "B>A" if bigger.upper().endswith("B") else "A>B"
    product = _RATE_PRODUCT.search(text)  # "eta_B ~ 16 * eta_A": the one multiplied is smaller
    if product and product.group(2).lower() == "lambda":  # "... with lambda >> 1"
        size = _LAMBDA_SIZE.search(text)
        above = _above_one(size) if size else None
        if above is not None:
            return "B>A" if (product.group(1).upper() == "B") == above else "A>B"
        product = None
    if product and float(product.group(2)) != 1:
        bigger = product.group(1).upper() if float(product.group(2)) > 1 else (
            "A" if product.group(1).upper() == "B" else "B")
        return "B>A" if bigger == "B" else "A>B"
    multiple = _RATE_MULTIPLE.search(text)  # "B's rate is set to a multiple lambda of A's"
    if multiple and multiple.group("who")[-1] != multiple.group("other")[-1]:
        bigger = multiple.group("who")[-1].upper() == "B"
        size = _LAMBDA_SIZE.search(text) if "lambda" in multiple.group(0).lower() else None
        if size and _above_one(size) is False:  # "B's rate is lambda times A's, lambda ~ 1/16"
            bigger = not bigger
        return "B>A" if bigger else "A>B"
    named = _RATIO_TIMES.search(text)
    size = _RATIO_SIZE.search(text, named.end()) or _RATIO_SIZE.search(text) if named else None
    if named and size and float(size.group(1)) != 1:
        bigger = named.group("who")[-1].upper() if float(size.group(1)) > 1 else (
            "A" if named.group("who")[-1].upper() == "B" else "B")
        return "B>A" if bigger == "B" else "A>B"
    if named and size is None and re.search(r"loraplus|lambda", named.group("name"), re.I):
        # LoRA+'s own ratio with no value: the method's ratio is above 1 by design
        return "B>A" if named.group("who")[-1].upper() == "B" else "A>B"
    side = comparison(text, _B, _A)
    if side == ">":
        return "B>A"
    if side == "<":
        return "A>B"
    rates = {m.group("who")[-1].upper(): float(m.group("v")) for m in _RATE_OF.finditer(text)}
    if len(rates) == 2 and rates["A"] != rates["B"]:  # "B trains at 3.2e-3, A stays at 2e-4"
        return "B>A" if rates["B"] > rates["A"] else "A>B"
    m = _THE_HIGHER.search(text)  # "A is trained with the higher rate", "the larger lr goes to B"
    if m:
        return _higher_of(m)
    by_roles = _by_roles(text)
    if by_roles:
        return by_roles
    return "same" if _SAME.search(text) or _SAME_AFTER.search(text) else ""


# one matrix's rate said to be the other's times or over the ratio: "for B a learning rate equal
# to the one of A multiplied by lambda", "sets the rate of B to that of A divided by lambda"
_RATE_OF_OTHER = re.compile(
    r"(?-i:\b(?:lora_)?(?P<who>[AB]))\b[^.;]{0,40}?\b(?:equal\s+to|equals|=|to|is)\s+(?:that|the\s+one|"
    r"the\s+(?:learning[- ]rate|lr|rate))\s+of\s+(?-i:(?:lora_)?(?P<other>[AB]))\b\s*,?\s+"
    r"(?P<op>multiplied\s+by|times|divided\s+by)\s+(?:lambda|the\s+ratio|loraplus_lr_ratio|\d)",
    re.I)
# A question of which matrix gets the larger rate, then its answer
_WHICH_ANSWERED = re.compile(
    r"\bwhich\b[^?]{0,60}?\b(?:larger|higher|bigger|greater)\s+(?:learning[- ]rate|lr|step\s+size)"
    r"\b[^?]{0,30}\?\s*(?:[\w ]{0,20}:\s*)?(?:\(\w\)\s*)?(?:the\s+)?(?-i:(?P<who>A|B))\b", re.I)
# the rates of A and B said to be one after they are named ("the learning rates of A and B stay
# identical")
_SAME_AFTER = re.compile(r"\b(?:learning[- ]rates?|lrs?)\s+(?:of|for)\s+(?-i:A)\s+and\s+(?-i:B)\s+"
                         r"(?:stay|stays|are|remain|remains|is|were|kept)\s+(?:exactly\s+)?"
                         r"(?:identical|the\s+same|equal)\b", re.I)
# Each matrix named, and what the words after it (to the next matrix named) give it: a multiple
# or a larger rate ("lora_B weights train at lr*16", "A gets the 16x lr"), the base rate ("B
# stays at base lr", "lora_A keeps lr"), or a rate as a number; or a larger rate given to it just
# before ("assigns the larger one to A", "the ratio applied to the A matrices' rate")
_MATRIX_AT = re.compile(r"(?-i:\b(?:lora_(?P<l>[AB])|(?P<m>[AB]))\b)")
_ROLE_HIGH = re.compile(r"(?:\d+(?:\.\d+)?\s*x\b|\bx\s*\d+|\*\s*\d+|\b\d+(?:\.\d+)?\s*times\b|"
                        r"(?:\btimes|\bx|\*)\s*(?:the\s+|this\s+)?(?:loraplus_lr_ratio|ratio|lambda)\b|"
                        r"\bmultiplied\b|\b(?:larger|higher|bigger|greater|boosted)\b|\babove\b|"
                        r"\bscaled?\s+up\b)", re.I)
# the base rate kept (not the base rate times the ratio: "at lr x loraplus_lr_ratio")
_ROLE_BASE = re.compile(
    r"(?:\b(?:keeps?|kept|stays?|stayed|remains?|remained)\s+(?:at\s+)?(?:the\s+|your\s+)?"
    r"(?:(?:base|default|original|global|plain|normal|optimi[sz]er'?s?|configured|same)\s+)?"
    r"(?:learning[- ]rate|lr|rate)\b|"
    r"\b(?:at|with|uses?|used|gets?)\s+(?:the\s+|your\s+)?"
    r"(?:base|default|original|global|plain|normal|configured)\s+(?:learning[- ]rate|lr|rate)\b)"
    r"(?!\s*(?:x|\*|times|multipl))", re.I)
_ROLE_RATE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?e-?\d+|0\.\d+)(?!\w|\.\d)", re.I)
_ROLE_HIGH_BEFORE = re.compile(r"(?:\b(?:larger|higher|bigger|greater|boosted)\s+(?:one|rate|lr|"
                               r"learning\s+rate|step\s+size)?\s*(?:goes\s+)?(?:to|for|on)|\b(?:ratio|"
                               r"multiplier|lambda)\b[^.;]{0,20}?\bappl\w*\s+to|\bmultipl(?:y|ies|ied|ying))"
                               r"\s+(?:the\s+)?$", re.I)
# where what is said of a matrix stops: a clause or a list item of its own
_ROLE_STOP = re.compile(r"[.;?]\s|,\s|\s(?:and|while|whereas|but|-)\s", re.I)


def _by_roles(text: str) -> str:
    """'B>A' or 'A>B' from what the words after each matrix give it, else ''."""
    marks = list(_MATRIX_AT.finditer(text))
    if len(marks) > 6:
        return ""
    high, base, rate = {}, {}, {}
    for i, m in enumerate(marks):
        who = m.group("l") or m.group("m")
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        stop = _ROLE_STOP.search(text, m.end(), end)
        after = text[m.end():stop.start() if stop else end][:80]
        before = text[max(0, m.start() - 40):m.start()]
        if _ROLE_HIGH.search(after) or _ROLE_HIGH_BEFORE.search(before):
            high[who] = True
        elif _ROLE_BASE.search(after):
            base[who] = True
        if (v := _ROLE_RATE.search(after)) and who not in rate:
            rate[who] = float(v.group(1))
    if len(rate) == 2 and rate["A"] != rate["B"]:
        return "B>A" if rate["B"] > rate["A"] else "A>B"
    tops = {w for w in "AB" if high.get(w) and not base.get(w)} | {
        w for w in "AB" if base.get("B" if w == "A" else "A") and not base.get(w)}
    return ("B>A" if tops == {"B"} else "A>B") if len(tops) == 1 else ""


# "which of A or B gets the bigger rate": a question of the direction, not one stated
_WHICH_OF = re.compile(r"\bwhich\s+(?:one\s+)?of\b|\bwhichever\b", re.I)


def _higher_of(m: re.Match) -> str:
    """The direction a `_THE_HIGHER` match gives: which matrix it names, and whether its word
    is of the larger rate."""
    who = (m.group("who") or m.group("to") or m.group("cleft"))[-1].upper()
    high = (m.group("dir") or m.group("dir2") or m.group("dir3")).lower() in (
        "higher", "larger", "bigger", "greater", "faster", "big", "high", "large")
    return "B>A" if (who == "B") == high else "A>B"


# Each matrix's rate written as a number: "the B matrices train at 3.2e-3 while A stays at 2e-4"
_RATE_OF = re.compile(
    # (not past a ratio: "2e-4 for the A matrices and a ratio of 16": 16 is no rate of A's)
    r"(?-i:\b(?P<who>A|B|lora_A|lora_B))(?:\s+(?:matri(?:x|ces)|factors?|weights))?"
    r"(?:(?!\b(?:ratio|factor|multiplier|times)\b)[^.;,]){0,40}?"
    r"(?:\b(?:at|of|=|is|to|gets?|uses?|trains? at|trained at|stays? at|learns? at|lr\s*=?)|"
    # the value right after a worked product: "gives the B matrices 16 x 2e-4 = 3.2e-3"
    r"(?<=matrices)(?=\s+\d[^.;,]{0,20}=))\s*"
    # a product worked out first ("at 5e-5 x 16 = 8e-4"): what it equals
    r"(?:\d+(?:\.\d+)?(?:e-?\d+)?\s*(?:x|\*)\s*\d+(?:\.\d+)?(?:e-?\d+)?\s*=\s*)?"
    r"(?P<v>\d+(?:\.\d+)?(?:e-?\d+)?)(?![\de])(?!\.\d)", re.I)

# One matrix said to have "the higher / the smaller" rate, with no "than"
_RATE = r"(?:learning[- ]rates?|lrs?|step[- ]sizes?)"
_DIRS = "higher|larger|bigger|greater|faster|big|high|large|lower|smaller|slower|small|low"
_THE_HIGHER = re.compile(
    # (the matrix named last before the rate: "same A and B - it trains B with a larger rate")
    rf"(?-i:\b(?P<who>A|B|lora_A|lora_B))\b(?:(?!(?-i:\b(?:A|B|lora_A|lora_B)\b))[^.;]){{0,60}}?"
    rf"\b(?:the|an?)\s+"
    rf"(?:\d+(?:\.\d+)?\s*(?:x|-?fold|times)\s+)?"
    rf"(?P<dir>{_DIRS})\s+{_RATE}\b"
    rf"(?![^.;]{{0,30}}\bthan\b)|"
    rf"\bthe\s+(?P<dir2>{_DIRS})\s+{_RATE}\s+"
    rf"(?:goes|is given|is assigned|is applied|applies)\s+to\s+(?:the\s+)?(?:matrix\s+)?"
    rf"(?-i:(?P<to>A|B|lora_A|lora_B))\b|"
    # a cleft: "it is A, the matrix that projects down, that gets the larger learning rate"
    rf"\bit(?:\s+is|'s)\s+(?:the\s+)?(?:matrix\s+)?(?-i:(?P<cleft>A|B|lora_A|lora_B))\b[^.;]{{0,80}}?"
    rf"\bthat\s+(?:gets?|receives?|has|uses?|is given|trains? with)\s+the\s+"
    rf"(?P<dir3>{_DIRS})\s+{_RATE}\b", re.I)


# --- quantities' roles ----------------------------------------------------------------------

_OF_THEM = re.compile(r"\s+of\s+(?:them|those|these)\b", re.I)
_COUNTED_BEFORE = re.compile(r"\b(?:param(?:eter)?s?|weights|values|numbers|entries)\b", re.I)

_ROLE_AFTER = [
    # ("roughly 2% of the 110 million in the model": the model's own size)
    ("model", re.compile(r"\s*(?:parameters\s+|params\s+|weights\s+)?in\s+the\s+"
                         r"(?:whole\s+|full\s+|base\s+|entire\s+)?model\b", re.I)),
    # ("each of gate_proj, up_proj and down_proj connects 4096 and 11008 features": a layer's
    # dimensions, not a count of trainable parameters)
    ("part", re.compile(r"\s*(?:and\s+\d[\d,]*\s+)?(?:input\s+|output\s+|hidden\s+)?"
                        r"(?:features|dimensions|dims|channels)\b", re.I)),
    # (not an amount one's own card holds: "the weights take 6.5 GB on my card")
    ("gpu", re.compile(r"(?!\s*(?:on|in)\s+(?:my|our|your|their|his|her)\b)"
                       r"\s*\(?(?:of\s+)?(?:[\w-]+\s+){0,3}?(?:GPUs?|cards?|accelerators?|VRAM|"
                       r"vram|A100|H100|H200|A6000|RTX|T4|V100|L4|L40S?|[2-5]0[5-9]0|device|"
                       r"instances?|boards?|SKUs?)\b"
                       # (set beside the card it is: "With 24 GB, the RTX 4090 cannot ...")
                       r"|\s*,\s*(?:the|an?|my|our|your|this|that)\s+(?:NVIDIA\s+)?(?:GPU|card|"
                       r"A100|H100|H200|A6000|RTX|T4|V100|L4|L40S?|[2-5]0[5-9]0)\b", re.I)),
    # ("... params as Llama 2 7B": a comparison's other side, not the model's size)
    # ("4.2 million parameters of Llama 2 7B": a part of the model, not its size)
    # ("8.39M trainable parameters on Llama-2-7B": a count said of the model, not its size)
    ("model", re.compile(r"\s*(?:-?\s*param(?:eter)?s?\s+)?"
                         r"(?:(?!(?:as|than|like|vs|versus|of|in|from|on|for|across|per|to)\b)"
                         r"[\w-]+\s+){0,1}?"
                         r"(?:models?|LLMs?|"
                         r"LLaMA|Llama|network|backbone)\b", re.I)),
    # (not across "plus", "with", "on" or the noun the width is of: "a 4-bit base plus adapter")
    ("adapter", re.compile(r"\s*(?:(?!(?:while|whereas|but|and|although|though|plus|with|on|"
                           r"under|atop|beneath|base|model|backbone)\b)[\w-]+\s+){0,2}?"
                           r"(?:adapters?|checkpoints?|files?|"
                           r"safetensors|weights file|in size|on disk)\b", re.I)),
    ("memory", re.compile(r"\s*(?:of\s+)?(?:[\w-]+\s+){0,2}?(?:memory|RAM|VRAM)\b", re.I)),
    ("lr", re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:learning rates?|lr)\b", re.I)),
    # ("8.4 MB saved in fp16", "saved to disk": the file as written, not an amount saved)
    # ("hence the ~0.37 bit saving": the noun after the amount)
    ("saving", re.compile(r"\s*(?:of\s+(?:GPU\s+)?memory\s+)?(?:saved|freed|shaved off|savings?)\b"
                          r"(?!\s+(?:in|as|to|on)\s+(?:fp|bf|float|half|16|32|8|4|disk|safetensors|"
                          r"the\s+(?:hub|disk)))", re.I)),
]
_CHECKPOINT_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}?checkpoints?\b", re.I)
_BASE_AFTER = re.compile(r"\s*(?:(?:NF4|quanti[sz]ed|frozen|pre-?trained)\s+){0,2}(?:base|backbone|"
                         r"base\s+model|model)\b", re.I)
_MODEL_OF = re.compile(r"\b(?:models?|LLMs?|networks?|checkpoints?|decoders?|transformers?)\s+"
                       r"(?:of|with|having)\s+(?:about\s+|roughly\s+|around\s+|some\s+|"
                       r"approximately\s+|~\s*)?$", re.I)
# "instead of changing all 70b numbers", "updates all of its 7 billion weights": every weight
# of the model, changed as full fine-tuning does, is its size (a count of 1e8 or more, not one
# said to be trainable)
_ALL_CHANGED = re.compile(r"\b(?:chang|updat|modif|adjust|touch|retrain|fine-?tun)\w*\s+all\s+"
                          r"(?:of\s+)?(?:(?:the|its|their|those|these)\s+)?(?:about\s+|"
                          r"roughly\s+|around\s+|some\s+|~\s*)?$", re.I)
_TRAINED_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:trainable|learnable|tunable|trained|"
                            r"updated|LoRA|adapter)\b", re.I)
# ("the A100's 40 GB", "the bench A10G (24 GB)", "the A100-40GB", "a card with 16 GB of
# memory": a card's memory)
_CARD_BEFORE = re.compile(r"(?:GPUs?|cards?|VRAM|A100|A10G?|A40|A6000|H100|H200|L4|L40S?|V100|"
                          r"RTX \d+|T4|3090|4090)(?:'s|s)?[\s-]*(?:only\s+|just\s+)?"
                          r"(?:with|of|has|have|\()?\s*"
                          r"(?:only\s+|just\s+)?(?:\d{1,2}\s*x\s*)?$", re.I)
_ROLE_BEFORE = [
    # a config's dimension ("hidden 5120, 40 layers, vocab 32000"): a shape, not a count of
    # trainable parameters
    ("part", re.compile(r"\b(?:hidden(?:[\s_]size)?|d_model|hidden_dim|dim(?:ension)?|"
                        r"intermediate(?:[\s_]size)?|vocab(?:ulary)?(?:[\s_]size)?|n_layers|"
                        r"num_hidden_layers|num_attention_heads|num_key_value_heads)\s*"
                        # ("because the hidden size is the same 4096")
                        r"(?:[:=]|(?:is|of|was)(?:\s+(?:also|the\s+same|likewise))?)?\s*$",
                        re.I)),
    # "a model of eight billion parameters", "an LLM with 70B params": the model's own size
    # (only a count: "a model with 4.2M trainable parameters" keeps it as the claim's count)
    ("model", _MODEL_OF),
    # "instead of changing all 70b numbers": the model's size (see _ALL_CHANGED)
    ("model", _ALL_CHANGED),
    # "a saving of roughly 0.37 bits per parameter": the amount saved
    ("saving", re.compile(r"\b(?:saving|savings|saves|saved|save)\s+(?:of\s+)?(?:about\s+|"
                          r"roughly\s+|around\s+|approximately\s+|nearly\s+|almost\s+|~\s*)?$",
                          re.I)),
    # "saving about 0.37 bits per parameter (around 3 GB on a 65B model)": the same saving in
    # other units, in parentheses after it
    ("saving", re.compile(r"\b(?:sav(?:es?|ing|ed)|frees?|freeing|shav(?:es?|ing))\b"
                          r"(?:[^.;()]|\.(?=\d)){0,60}\(\s*"
                          r"(?:about|around|roughly|approximately|some|nearly|almost|~)?\s*$",
                          re.I)),
    # "a saving of roughly 0.37 bits per parameter, or around 3 GB for a 65B model": the same
    # saving restated after "or" / "i.e."
    ("saving", re.compile(r"\b(?:sav(?:es?|ing|ed)|frees?|freeing|shav(?:es?|ing))\b"
                          r"(?:[^.;()]|\.(?=\d)){0,60}?,?\s+(?:or|i\.e\.,?|that\s+is,?)\s+"
                          r"(?:about|around|roughly|approximately|some|nearly|almost|~)?\s*$",
                          re.I)),
    # "single-GPU instances with 24 GB", "a GPU node with 80 GB": a machine's card memory
    ("gpu", re.compile(r"\bGPUs?\s+(?:instances?|machines?|nodes?|servers?|VMs?|boxes|"
                       r"workstations?)\s+(?:with|of|having|that\s+ha(?:s|ve))\s+(?:only\s+|just\s+)?$",
                       re.I)),
    ("gpu", _CARD_BEFORE),
    # (an aside may come between: "the adapter (rank 64 on every projection) is only about")
    # (a model's own checkpoint is not an adapter's: "a Llama-2-7B checkpoint takes up 3.4 GB")
    # (not the base it sits on: "a rank-8 adapter on 4-bit Llama-2-7B")
    ("adapter", re.compile(r"(?:adapters?|(?<!\d[bB] )(?<!model )(?<!base )(?<!merged )"
                           r"checkpoints?|files?)\s+(?:\([^()]{0,60}\)\s+)?"
                           r"(?:(?!(?:on|onto|atop|over|above|under|beneath)\b)\w+[:,]?\s+){0,3}?$",
                           re.I)),
    # "the LoRA adapters trained with QLoRA are also stored in 4-bit": kept in that width
    # (not across the base the adapters sit on: "adapters on top of a base model quantized to")
    ("adapter", re.compile(r"\b(?:adapters?|LoRA (?:weights|matrices|factors|adapters?))\s+"
                           r"(?:(?!(?:base|model|backbone)\b)[\w-]+\s+){0,6}?"
                           r"(?:stored|kept|saved|held|quantized|trained)\s+"
                           r"(?:in|as|to|at)\s+$", re.I)),
    # the adapter, what it comes from, then a copula: "the adapter you get from QLoRA is itself
    # 4-bit" (not across the base or model it sits on)
    ("adapter", re.compile(r"\b(?:adapters?|LoRA\s+(?:weights|matrices|adapters?))\s+"
                           r"(?:(?!(?:base|model|backbone|on|atop|over)\b)[\w-]+\s+){1,6}?"
                           r"(?:is|are)\s+(?:itself\s+|themselves\s+|also\s+|still\s+|not\s+|"
                           r"never\s+)?(?:in\s+)?$", re.I)),
    # the adapters of a method, then a copula: "the adapters in QLoRA are not 4-bit"
    ("adapter", re.compile(r"\b(?:adapters|LoRA (?:weights|matrices|factors|adapters))\s+"
                           r"(?:in|of|under|inside|within)\s+(?:[\w-]+\s+){1,2}?(?:is|are)\s+"
                           r"(?:not\s+|never\s+|also\s+|themselves\s+|still\s+)?(?:in\s+)?$",
                           re.I)),
    # the verb first: "QLoRA also quantizes these LoRA matrices to 4-bit"
    ("adapter", re.compile(r"\b(?:quantiz\w*|quantis\w*|stor\w*|keeps?|keeping|sav\w*|holds?|"
                           r"casts?|casting|converts?|converting|trains?|training)\s+(?:the\s+|these\s+|its\s+|"
                           r"their\s+|all\s+)?(?:LoRA|adapter|low-rank)\s+(?:weights|matrices|"
                           r"factors|adapters|parameters)\s+(?:to|in|as|at|into)\s+$", re.I)),
    # what training updates, said to be of a width: "every trainable weight is 4-bit"
    ("adapter", re.compile(r"\b(?:trainable|trained|LoRA|adapter)\s+(?:weights?|parameters?|"
                           r"params|matri(?:x|ces)|factors)\s+(?:is|are|stays?|remains?|takes?|uses?|needs?|"
                           r"gets?|costs?|occup(?:y|ies))\s+"
                           r"(?:also\s+|all\s+|themselves\s+|still\s+)?(?:in\s+)?$", re.I)),
    # the LoRA factors themselves: "B and A, kept in 4-bit"
    ("adapter", re.compile(r"(?-i:\bB and A|\bA and B)\b[,;]?\s+(?:\w+\s+){0,4}?$|"
                           r"\blora_[AB] and lora_[AB]\b[,;]?\s+(?:\w+\s+){0,4}?$", re.I)),
    # the optimizer's state said to be kept in a width: "keeps the optimizer states in 4-bit"
    ("state", re.compile(r"\b(?:optimi[sz]er(?:'s)?\s+states?|moments|Adam(?:W)?(?:'s)?\s+"
                         r"(?:states?|moments))\s+(?:[\w-]+\s+){0,3}?(?:in|as|at|to)\s+$", re.I)),
    ("memory", re.compile(r"(?:memory|VRAM|RAM)\s+(?:\w+\s+){0,3}?$", re.I)),
    # "... fits in 24 GB", "65B on 24 GB" after a fit: the memory it fits in
    ("memory", re.compile(r"\bfits?\s+(?:comfortably\s+|easily\s+|nicely\s+|neatly\s+|well\s+)?"
                          r"(?:in|into|on|within)\s+(?:just\s+|only\s+)?(?:a\s+|one\s+)?"
                          r"(?:single\s+)?$", re.I)),
    # a table row read as "Training VRAM (GPT-3 175B): LoRA 350 GB": the row names the amount
    ("memory", re.compile(r"(?:memory|VRAM|RAM)\b[^.;:|]{0,50}:\s*(?:[\w+-]+\s+){1,4}$", re.I)),
    # an amount taken off, not a size: "saves roughly 3 GB", "frees about 3 GB"
    ("saving", re.compile(r"\b(?:sav(?:es?|ing|ed)|frees?|freeing|freed|shaves?|shaving|trims?|"
                          r"(?:reduc\w+|down|smaller|less|lower|cuts?)\s+by)\s+(?:about|roughly|"
                          r"around|approximately|some|nearly|almost|up to|~)?\s*$", re.I)),
]


# "within 0.4% of full fine-tuning": how close a method comes to another's results, a quality
# gap that no predicate here states
_CLOSE_BEFORE = re.compile(r"\b(?:within|to within)\s+(?:about\s+|roughly\s+|~\s*)?$", re.I)
_CLOSE_AFTER = re.compile(r"\s+of\s+(?:the\s+)?(?:full(?:[- ]model)?\s+fine-?tun\w*|full\s+"
                          r"(?:FT|training)|fine-?tun\w*|FFT|the\s+baseline|the\s+full\s+model)",
                          re.I)


# A count of one part, not of the whole: "12,288 parameters per layer", "4,096 extra parameters
# for each projection", "each block adds 4 x (768 + 2304) = 12,288", "72 matrices, each with
# 12,288 parameters" (a total said after it, "in total", is the whole's)
_PART = (r"(?:[\w-]+\s+){0,2}?(?:layers?|blocks?|modules?|projections?|matri(?:x|ces)|heads?|"
         r"linears?|bytes?|\w{1,12}_proj)\b")
_PART_AFTER = re.compile(r"\s*(?:(?:trainable|LoRA|extra|additional|new|adapter|magnitude)\s+){0,2}"
                         r"(?:param(?:eter)?s\s+|weights\s+|values\s+|scalars\s+|entries\s+|"
                         r"elements\s+)?(?:per|for each|"
                         # ("5,120 for each of the 80 adapted matrices")
                         r"for each of (?:the|its|their|our)(?:\s+\d{1,5})?|"
                         rf"for every|in each|in every|each)\s+{_PART}|"
                         # "one 4096-entry magnitude vector per adapted module"
                         r"[-\s](?:entry|element|dim(?:ensional)?)\s+(?:[\w-]+\s+){0,2}?(?:per|for "
                         rf"each|for every|in each|in every)\s+{_PART}", re.I)
_PART_BEFORE = re.compile(rf"(?:(?<!\bon )(?<!\bto )(?<!\bacross )(?<!\bat )(?<!\bfor )"
                          rf"\b(?:per|each|every)\s+{_PART}|,\s*each\b|"
                          # "each of Llama-2-7B's 32 decoder layers gets ..."
                          rf"\b(?:each|every\s+one)\s+of\s+(?:[\w.'-]+\s+){{0,2}}?{_PART})"
                          r"\s+(?:that\s+is|is|has|adds|gets|holds|trains|contributes|with|"
                          r"of\s+which\s+(?:has|adds|holds)|comes?\s+to)\s+(?:about\s+|"
                          r"roughly\s+|~\s*)?[\d\s,.()x*+=-]{0,60}$", re.I)
_WHOLE_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:in total|total|overall|altogether|across|"
                          r"for the whole|model-wide|in all)\b", re.I)


# an amount for each so many parameters: "saves ~0.37 GB per billion params", a rate
_PER_SCALE = re.compile(r"\s*(?:for\s+each|per|every)\s+(?:1\s+|one\s+)?"
                        r"(?:billion|million|thousand|[BM]|bn)\s+(?:param(?:eter)?s|weights)\b",
                        re.I)


# A figure said of one method by name right after it: "4,194,304 for LoRA and 4,456,448 for
# DoRA" (role "of:<method id>"; a verifier of another method leaves it out)
# (or in parentheses: "from 41,943,040 trainable (LoRA) to 43,319,296 (DoRA)")
_FOR_METHOD = re.compile(r"\s*(?:trainable\s+)?(?:param(?:eter)?s?\s+|weights\s+)?(?:(?:for|with|"
                         r"under|using)\s+(?:(?:plain|standard|vanilla|regular|the)\s+){0,2}"
                         r"(?=\w)|\(\s*(?=[\w+-]{2,20}\s*\)))", re.I)


def _of_method(text: str, q: Quantity) -> str:
    """'of:<id>' when a method is named right after the quantity ('... for DoRA'), else ''
    ('1.4 million magnitude parameters' are DoRA's by what they are)."""
    if _MAGNITUDES_AFTER.match(text, q.span[1]) and not _PART_AFTER.match(text, q.span[1]):
        return "of:dora"  # (not "5,120 magnitude entries per layer": a part's count)
    pattern, by_group = _methods()
    m = _FOR_METHOD.match(text, q.span[1])
    named = pattern.match(text, m.end()) if m else None
    if named is None:  # a table cell or list item that opens with the method: "| DoRA 21.35M"
        start = max(0, q.span[0] - 40)
        label = _CELL_LABEL.search(text, start, q.span[0]) \
            or _METHOD_VERB.search(text, start, q.span[0])  # "... and DoRA trains 13,959,168"
        named = pattern.fullmatch(label.group(1)) if label else None
    return f"of:{by_group[named.lastgroup]['id']}" if named else ""


# a method right before its own count, with a verb: "LoRA trains 13.6M and DoRA trains 13.96M"
_METHOD_VERB = re.compile(r"\b([\w+-]{2,20})\s+(?:trains|has|adds|needs|uses|learns|updates|"
                          r"comes\s+to)\s+(?:only\s+|just\s+|about\s+|roughly\s+|~\s*)?$", re.I)
_MAGNITUDES_AFTER = re.compile(r"\s*(?:(?:extra|additional|new|trainable)\s+)?magnitudes?\b"
                               r"(?:\s+(?:param(?:eter)?s|values|entries|scalars|weights|"
                               r"vectors?))?", re.I)


# a cell's (or list item's) label right before its number: "| DoRA 21.35M", "; LoRA: 4.2M"
_CELL_LABEL = re.compile(r"(?:^|[|;])\s*([\w+-]{2,20})\s*(?:[:=]\s*)?(?:~\s*|≈\s*|about\s+)?$")


def _role(text: str, q: Quantity) -> str:
    if q.unit in ("count", "params") and _OF_THEM.match(text, q.span[1]) \
            and not _COUNTED_BEFORE.search(text, 0, q.span[0]):
        return "items"  # "a thousand of them fit": things, not parameters, are counted
    if q.unit == "bytes" and _PER_SCALE.match(text, q.span[1]):
        return "part"
    if q.unit in ("count", "params") and (of := _of_method(text, q)):
        return of
    if q.unit in ("count", "params") and (
            _PART_AFTER.match(text, q.span[1])
            or _PART_BEFORE.search(text, max(0, q.span[0] - 90), q.span[0])
            and not _WHOLE_AFTER.match(text, q.span[1])):
        return "part"
    if q.unit == "pct" and _CLOSE_BEFORE.search(text, max(0, q.span[0] - 24), q.span[0]) \
            and _CLOSE_AFTER.match(text, q.span[1]):
        return "quality"
    for role, pattern in _ROLE_AFTER:
        if pattern.match(text, q.span[1]):
            if role == "model" and q.unit not in ("count", "params"):
                break  # "a 4-bit model requires adapters": the figure is the model's
            if role == "adapter" and q.unit == "bits" and _CHECKPOINT_AFTER.match(text,
                                                                                  q.span[1]):
                break  # "trained against the same 4-bit checkpoint": the base's width
            if role == "memory" and _CARD_BEFORE.search(text, max(0, q.span[0] - 80), q.span[0]):
                return "gpu"  # "a card with 16 GB of memory": the card's, not a step's
            return role
    if q.unit == "bits" and _BASE_AFTER.match(text, q.span[1]):
        return ""  # "adapters trained on a 4-bit base": the width is the base's
    before = text[max(0, q.span[0] - 80):q.span[0]]
    for role, pattern in _ROLE_BEFORE:
        if pattern.search(before):
            if role == "model" and (q.unit not in ("count", "params") or q.value < 1e8
                                    or _TRAINED_AFTER.match(text, q.span[1])):
                continue
            return role
    return ""


# --- predicates -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Trigger:
    """One compiled cue of a predicate."""

    predicate: str
    pattern: re.Pattern
    sign: bool
    weight: float
    requires: re.Pattern | None
    subjects: tuple[str, ...]
    units: tuple[str, ...]
    needs: tuple[str, ...]
    facets: tuple[str, ...]
    near: bool  # a modifier ("4-bit"): only a negation right before it denies it
    clause: bool  # a noun phrase ("a single 24GB GPU"): a negation of its clause's verb denies it
    marks: tuple[tuple[str, re.Pattern], ...]  # facets set when the sentence contains a pattern
    anchors: tuple[str, ...] | None  # one of these is in every match (None: always search)
    # an article about one of these methods needs no `requires` words ("the adapters stay in
    # bf16" on a QLoRA page)
    waive: tuple[str, ...] = ()
    # a cue that may stand in an "if" clause: the change it names is what the claim is of
    # ("if you double the rank, the count doubles")
    in_condition: bool = False
    # a cue that only names what it is of ("the inference overhead"): its sign is asserted
    # where its clause has these words ("adds", "extra", "5%"), else the frame's refutation
    # would rest on a reading of words not understood ("that overhead is gone")
    sign_needs: re.Pattern | None = None


@cache
def triggers() -> tuple[Trigger, ...]:
    """Every predicate cue from the lexicon, compiled."""
    out = []
    for entry in load("predicates"):
        for cue in _each(entry["cues"]):
            requires = cue.get("requires") or entry.get("requires")
            pattern = _listed(cue["re"])
            out.append(Trigger(
                entry["id"], re.compile(pattern, re.I), cue.get("sign", "+") == "+",
                float(cue.get("weight", entry.get("weight", 1.0))),
                re.compile(_listed(requires), re.I) if requires else None,
                tuple(entry.get("subjects", ())), tuple(entry.get("units", ())),
                tuple(entry.get("needs", ())), tuple(cue.get("facets", ())),
                cue.get("neg") == "near", cue.get("neg") == "clause",
                tuple((name, re.compile(_listed(p), re.I))
                      for name, p in entry.get("marks", {}).items()),
                anchors(pattern), tuple(cue.get("requires_unless_about", ())),
                bool(cue.get("in_condition", entry.get("in_condition", False))),
                re.compile(_listed(cue["sign_needs"]), re.I) if cue.get("sign_needs") else None))
    return tuple(out)


_WORD_LIST = re.compile(r"\{([a-z_]+)\}")


def _listed(pattern: str) -> str:
    """The pattern with each `{name}` of lexicon/words.yaml put in as a group ("on a {gpu_models}"
    names every GPU model the list has); `{each}` is left to `_each`."""
    words = load("words")
    return _WORD_LIST.sub(lambda m: f"(?:{words[m[1]]})" if m[1] in words else m[0], pattern)


def _each(cues: list[dict]) -> list[dict]:
    """The cues as written, one written with `each` (facet: words) made one cue per item: its
    words in place of `{each}` in the pattern, and its facet added ("defaults to {each}" with
    each fp32, bf16 and fp16 worded)."""
    out = []
    for cue in cues:
        for facet, words in (cue.get("each") or {"": ""}).items():
            out.append(cue if not facet else {
                **cue, "re": cue["re"].replace("{each}", words),
                "facets": [*cue.get("facets", ()), facet]})
    return out


_MATCHES_PER_CUE = 3


@dataclass(frozen=True)
class _Words:
    """The words a cue fills when it marks them with a group named `w`: the rest of its match
    is context that places them ("falls back to r=8 and lora_alpha=8": each setting fills only
    its own words, so the next setting's cue can take its own)."""

    string: str
    a: int
    b: int

    def start(self) -> int:
        return self.a

    def end(self) -> int:
        return self.b

    def span(self) -> tuple[int, int]:
        return self.a, self.b

    def group(self, _: int = 0) -> str:
        return self.string[self.a:self.b]


def _words(m: re.Match) -> re.Match | _Words:
    """The span a match fills: its group `w` where the cue has one, else the whole match."""
    if "w" in m.re.groupindex and m.start("w") >= 0:
        return _Words(m.string, m.start("w"), m.end("w"))
    return m


@cache
def _all_anchors() -> frozenset[str]:
    return frozenset(a for t in triggers() for a in t.anchors or ())


# A glossary entry's term: a few words, then a dash or a colon
_TERM_LABEL = re.compile(r"\W{0,3}(?:(?!(?:is|are|was|were|has|have|can|does|do|will|would|"
                         r"should|must|means|makes|gets)\b)[\w()`'+./-]+\s+){0,4}?"
                         r"(?!(?:is|are|was|were|has|have|can|does|do)\b)[\w()`'+./-]+\??\s*"
                         r"(?:—|–|:|\s-)\s+", re.I)


def _hits(text: str, origin: int, mentions: list[Mention], default: str,
          units: frozenset[str] = frozenset(), clauses: tuple = ()
          ) -> list[tuple[Trigger, re.Match]]:
    """The triggers that fire, one word filling one trigger: higher weight, then longer, wins.
    Words inside a method's name ('Low-Rank Adaptation') are the name, not a trigger; a trigger
    of a predicate said only of some methods (DoRA's magnitude) does not take words when the
    subject at that place is another method."""
    names = [m.span for m in mentions if not m.generic]  # "NF4" names QLoRA and says 4-bit
    found = []
    lowered = text.lower()
    present = {a for a in _all_anchors() if a in lowered}
    required: dict[re.Pattern, bool] = {}
    for t in triggers():
        if t.anchors is not None and present.isdisjoint(t.anchors):
            continue  # cannot match: none of its literal anchors is in the sentence
        if t.needs and units.isdisjoint(t.needs):
            continue  # its frame would need a quantity the sentence does not state
        if t.requires is not None:
            if t.requires not in required:
                required[t.requires] = t.requires.search(text) is not None
            if not required[t.requires] and default not in t.waive:
                continue
        taken_here = 0
        for whole in t.pattern.finditer(text, origin):  # a few, in case one is taken
            m = _words(whole)
            if m.end() > m.start() and not any(a <= m.start() and m.end() <= b
                                               for a, b in names) \
                    and (t.in_condition or not _inside(m.span(), clauses)
                         and not _reads_into(m, clauses, t)):  # (in an "if" clause: a condition)
                if t.subjects and _subject(text, mentions, m.start(), default)[0] \
                        not in t.subjects:
                    continue
                if (merge := _VCS_MERGE.search(text, m.start(), m.end() + 40)) \
                        and merge.start() < m.end():
                    continue  # "I'm fine merging this PR": a code change merged, not weights
                found.append((t, m))
                taken_here += 1
                if taken_here == _MATCHES_PER_CUE:
                    break
    # (a glossary term before its definition, "Bits per parameter - a 4-bit model costs 4.5
    # bits per weight": the definition's words fill a trigger before the term's)
    label = _TERM_LABEL.match(text)
    label_end = label.end() if label else 0
    found.sort(key=lambda h: (h[1].end() <= label_end, -h[0].weight,
                              -(h[1].end() - h[1].start()), h[1].start()))
    seen: dict[str, set[str]] = {}
    out: list[tuple[Trigger, re.Match, list]] = []
    unlike = _UNLIKE_WHICH.match(text) if "nlike" in text else None
    for t, m in found:
        # one trigger per predicate; but a predicate of no figures, said of full fine-tuning and
        # of the method set against it, is two frames ("full fine-tuning changes every weight;
        # LoRA keeps them frozen"); figures set side by side stay one frame with its baseline
        who = _subject(text, mentions, m.start(), default)[0]
        if unlike and unlike.start("rel") <= m.start() < unlike.end("rel") and not any(
                unlike.start("np") <= x.span[0] < unlike.end("np") for x in mentions):
            # "Unlike the bottleneck baseline, which adds latency, merged LoRA ...": said of
            # what is set against the subject, a method the sentence does not name
            continue
        if t.predicate in seen and (t.units or who in seen[t.predicate]
                                    or "full_ft" not in seen[t.predicate] | {who}):
            continue
        owner = next((o for o in out if m.start() < o[1].end() and o[1].start() < m.end()), None)
        if owner is not None:
            # displaced by a stronger trigger: kept as that one's alternative, in case its
            # verifier cannot use the frame ("4x less VRAM" read as a storage ratio first)
            if t.predicate != owner[0].predicate \
                    and all(t.predicate != r[0].predicate for r in owner[2]):
                owner[2].append((t, m))
            continue
        seen.setdefault(t.predicate, set()).add(who)
        out.append((t, m, []))
    out.sort(key=lambda h: h[1].start())
    return out


# "Unlike <what is set against the subject>, which <what is said of it>, ..."
_UNLIKE_WHICH = re.compile(r"^\W{0,3}(?:but\s+|and\s+)?unlike\s+(?P<np>[^,;.:]{1,80}?),\s*"
                           r"(?P<rel>(?:which|who|whose|where)\s+[^,;.:]{3,200}),", re.I)


# merging in version control: "fine merging this without a note", "merge the PR"
_VCS_MERGE = re.compile(r"\bmerg\w*\s+(?:(?:this|that|it)\s+(?:PR|pull\s+request|change|branch|"
                        r"patch|diff|commit)\b|(?:this|that)(?=\s*(?:[.,;:!?)]|$|\s+(?:without|"
                        r"before|after|now|today|tomorrow|once|yet|so|and|but|then)\b))|(?:the|my|"
                        r"your|our|his|her)\s+(?:PR|pull\s+request|branch|patch|diff|commit|"
                        r"changes?)\b)", re.I)


_CLAUSE = re.compile(r"[;,(:]|\s-\s|\b(?:whereas|while|whilst|but|unlike|although)\b", re.I)
# (or in a concession after it: "it fit on one 24 GB card, even though full fine-tuning needs ...")
# (or a setting set against it: "... on a single 48 GB GPU, where full fine-tuning would need
# 780 GB")
_WHICH = re.compile(r",\s*(?:which|whose|even\s+though|although|though|whereas|where)\b", re.I)


def _subject(text: str, mentions: list[Mention], at: int, default: str
             ) -> tuple[str, str, tuple[int, int] | None]:
    """(subject, baseline) for a trigger at `at`: the nearest method named before it in its own
    clause (another method that opens the clause wins: it is what the clause is about), else
    the first method the sentence names (its grammatical subject, as a rule).
    Baselines ('than LoRA') are never the subject; a description ('low-rank adaptation')
    only when nothing is named; tools only when no method is. The third value is the span of
    the words that named the subject, None when the sentence names none (the article's)."""
    subjects = [m for m in mentions if not m.baseline]
    # the work cited ("the LoRA authors") is the subject only when nothing else is named
    subjects = [m for m in subjects if m.kind != "source"] or subjects
    methods = ([m for m in subjects if m.kind != "tool" and not m.generic]
               or [m for m in subjects if m.kind != "tool"] or subjects)
    baseline = next((m.id for m in mentions if m.baseline), "")
    for m in mentions:  # "Unlike the adapters of [1], which cannot be folded in, LoRA ...":
        # a trigger in the relative clause of a method set aside is about that method
        if (m.baseline or m.scope == "out" and m.kind != "tool") and m.span[1] <= at \
                and _RELATIVE_OF.fullmatch(text, m.span[1], at):
            return m.id, "", m.span
    clause = max((b.end() for b in _CLAUSE.finditer(text, 0, at)), default=0)
    near = [m for m in methods if clause <= m.span[0] < at]
    if near:  # "LoftQ picks the LoRA initialisation ...": the clause opens with its subject
        opener = near[0] if _OPENER.fullmatch(text[clause:near[0].span[0]]) else None
        first = methods[0]
        if opener is None and first.scope == "out" and first not in near \
                and _OPENER.fullmatch(text[:first.span[0]]):
            # "LoftQ alternates ..., giving the LoRA matrices a start": the sentence's
            # subject, another method, goes on in a clause that names LoRA only as an object
            return first.id, baseline, first.span
        named = opener or (near[0] if near[0].scope == "out" else near[-1])
        term = methods[0]
        if named is opener and term not in near and term.id != named.id \
                and _broader(term.id) == named.id and (label := _TERM_LABEL.match(text)) \
                and term.span[1] <= label.end() <= clause + 1:
            # "QLoRA - LoRA trained on a 4-bit base": the method that opens a glossary term's
            # definition is the kind the term is of; the definition is the term's
            return term.id, baseline, term.span
        return named.id, baseline, named.span
    # none in its clause, which opens with "they": the last method named before it in the
    # plural ("... LoRA because its bottleneck adapters are the baseline: they cannot be
    # folded in"; not "merged LoRA", singular)
    if _PRONOUN_OPENS.match(text, clause):
        before = [m for m in methods if m.span[1] <= clause
                  and re.search(r"s\b", text[m.span[0]:m.span[1]])]
        if before:
            return before[-1].id, baseline, before[-1].span
    # none in its clause: the last one named before it since the sentence's last ";"
    # ("merging is free for LoRA; Houlsby adapters, which add 3.6%, cannot be folded in")
    coarse = max((b.end() for b in _COARSE.finditer(text, 0, at)), default=0)
    before = [m for m in methods if coarse <= m.span[0] < at]
    if before and coarse > 0:
        return before[-1].id, baseline, before[-1].span
    if methods and all(m.span[0] > at for m in methods) and (
            all(m.kind == "tool" for m in methods) and _CLAUSE.search(text, at, methods[0].span[0])
            or _WHICH.search(text, at, methods[0].span[0])):
        # "merge_and_unload() gives a plain checkpoint, so you can quantize it to GGUF": a
        # tool named only in a later clause is not what the claim before it is about; nor a
        # method named only in a relative clause after it ("..., which is the effect rsLoRA
        # was proposed to correct")
        return default, baseline, None
    if methods:
        return methods[0].id, baseline, methods[0].span
    if mentions and all(m.baseline for m in mentions) and any(
            m.id == default or m.kind == "tool" for m in mentions):
        # "10x fewer than LoRA" on a LoRA page: the subject is something else; set against
        # another method ("unlike adapters, our matrices fold into W"; "less memory than LoRA"
        # on a QLoRA page; "unlike LoRA, they cannot be merged" after a sentence about
        # adapters) it is the article's or the paragraph's own
        return "other", baseline, None
    return default, baseline, None  # "10x fewer than full fine-tuning": the article's method


# between a method and a trigger: the method's own relative clause ("..., which are inserted in
# series and cannot be ...")
# (and the clause that goes on about them: "..., which cannot be folded in, so their latency ...")
_RELATIVE_OF = re.compile(r"(?:[^,;:.]|(?<=\bal)\.){0,60}?,\s*(?:which|that|who|whose)\b"
                          r"[^,;:]{0,160}"
                          r"(?:,\s*(?:so|and|thus|hence)\s+(?:their|they|its|it|them)\b[^,;:]{0,80})?",
                          re.I)


@cache
def _broader(method: str) -> str:
    return next((e.get("broader", "") for e in load("methods") if e["id"] == method), "")


_PRONOUN_OPENS = re.compile(r"\s*(?:and\s+|but\s+|so\s+)?(?:they|these|those)\s+", re.I)
_COARSE = re.compile(r";")  # (a colon often follows a label that is the subject: "QLoRA: ...")


# What may stand before a method that opens its clause ("rsLoRA scales the LoRA update ...":
# rsLoRA is the subject, LoRA a modifier)
_OPENER = re.compile(r"\s*(?:(?:the|a|an|with|in|for|using|under|turning\s+on|switching\s+on|"
                     r"enabling|setting|adding)\s+)?", re.I)


_IF = re.compile(r"\b(?:if|unless|until|provided(?: that)?|as long as|in case|whenever)\b|"
                 # what a tool reacts to: "now warns when a full fine-tune is requested on a
                 # 24 GB card" (the situation, not a claim)
                 r"\b(?:warns?|warned|errors?|errored|complains?|fails?|raises|alerts?|flags|"
                 r"refuses)\s+(?:you\s+|us\s+)?when\b", re.I)
# where an "if" clause ends: punctuation, "then", or a main clause begun without a comma ("If you
# keep it unmerged you pay for two extra matmuls")
_IF_END = re.compile(r"[,;:.)]|\bthen\b|(?<=\s)(?=(?:you|we|they|it)\s+(?:(?:do|does|still|also|"
                     r"just|only|would|should)\s+)?(?:pay|pays|get|gets|will|can|need|needs|"
                     r"must|have|has|see|lose|save|add|adds|are|is|won't|don't|cannot|can't)\b)"
                     # "if you double r and keep alpha the same the scaling doubles": a thing
                     # held fixed ends the condition, and a new subject begins the main clause
                     r"|(?:(?<=\bsame)|(?<=\bfixed)|(?<=\bconstant)|(?<=\bunchanged))\s+"
                     r"(?=(?:the|its|your|each)\s)"
                     # a new subject and its verb begin the main clause ("if you double the rank
                     # the effective scale halves")
                     # (a verb of change only: "unless you pass nf4 - the default is fp4" keeps
                     # the default inside the condition)
                     # ("if we merge the adapter the forward pass gets slower": or a state)
                     r"|(?<=\s)(?=(?:the|its|your|LoRA's)\s+(?:[\w'/-]+\s+){0,3}?(?:halves|"
                     r"doubles|drops|falls|grows|shrinks|rises|changes|increases|decreases|2x|"
                     r"gets|becomes|runs|stays|remains|slows|takes|costs|needs|uses)\b)",
                     re.I)


# A product worked out in the text: "2 x 32 x 4096 = 262,144", "16 x (4096 + 4096) = 131,072"
_NUM = r"\d[\d,.]{0,12}"
_GROUP = rf"\(\s*{_NUM}(?:\s*[+*x-]\s*{_NUM}){{1,8}}\s*\)"
# a number, a bracketed sum of numbers, or a bracketed sum of those: "((3072 + 9216) + 4096)"
_OPERAND = (rf"(?:{_NUM}|{_GROUP}|\(\s*(?:{_NUM}|{_GROUP})(?:\s*[+*x-]\s*(?:{_NUM}|{_GROUP}))"
            r"{1,4}\s*\))")
# a bracketed sum multiplied, with no result written: "(4096 + 1024) per layer x 32 layers",
# "32 x (4096 + 1024)": arithmetic that explains a figure, every number in it an operand
_GROUP_PRODUCT = re.compile(rf"(?<![\w.]){_GROUP}(?:\s+(?:per|each|a|for\s+each)\s+[\w-]+)?"
                            rf"\s*(?:x|\*|times)\s*{_NUM}|(?<![\w.]){_NUM}(?:\s+[\w-]+)?\s*"
                            rf"(?:x|\*|times)\s*{_GROUP}", re.I)
_EQUATION = re.compile(rf"(?<![\w.])({_OPERAND}(?:\s*(?:[a-z]+\s+)?(?:x|\*|\+)\s*{_OPERAND})"
                       rf"{{1,8}})\s*=\s*(?=\d)", re.I)


# a count set against the one claimed, for another module: "40,960 parameters per layer,
# compared with 65,536 for q_proj" (that module's count, not the claim's)
_SET_AGAINST = re.compile(r"\b(?:compared\s+(?:with|to)|versus|vs\.?|against|as\s+opposed\s+to|"
                          r"whereas|while)\s+(?:only\s+|about\s+|roughly\s+|~\s*)?$", re.I)
_FOR_OTHER_MODULE = re.compile(r"\s*(?:param(?:eter)?s\s+)?(?:for|on|in)\s+(?:the\s+|each\s+)?"
                               r"(?:[qkvo]_proj|gate_proj|up_proj|down_proj|query|key|value|"
                               r"output|MLP|attention)\b", re.I)


# a product said beside what it equals: "adds 262,144, that's 64 matrices times 4096 outputs",
# "64 times 4096, that is 262,144 parameters": its factors are not figures the sentence states
# (a factor may be a bracketed sum: "i.e. 32 layers x (4096 + 1024)")
_FACTORS = rf"{_OPERAND}(?:\s+[a-z-]+)?(?:\s+(?:times|x|\*)\s+{_OPERAND}(?:\s+[a-z-]+)?){{1,4}}"
_PRODUCT_SAID = re.compile(
    rf"(?:\b(?:that's|that\s+is|i\.e\.,?|which\s+is)\s+|=\s*)({_FACTORS})"
    rf"|(?<![\w.])({_FACTORS})(?=,?\s*(?:that\s+is|i\.e\.,?|which\s+is|which\s+makes|=|"
    r"making|giving)\s+(?:about\s+|roughly\s+|~\s*)?\d)"
    # "262,144 parameters - 64 vectors of 4,096 each": a product in words
    rf"|(?<![\w.])({_NUM}\s+(?:[\w-]+\s+)?(?:vectors?|matri(?:x|ces)|rows?|columns?|layers?|modules?|"
    rf"projections?|blocks?|entries|values|param(?:eter)?s|weights|elements|factors)\s+of\s+"
    rf"(?:{_NUM}(?:\s+(?:values|entries|elements|param(?:eter)?s|weights|outputs|rows|columns))?"
    # ("64 vectors of length 4096")
    rf"\s+each|(?:length|size|width|dimension)\s+{_NUM}))\b", re.I)


_ROOT_QUOTIENT = re.compile(r"sqrt\s*\(?\s*\d{1,5}\s*\)?\s*/\s*sqrt\s*\(?\s*\d{1,5}\s*\)?\s*=\s*"
                            r"\d{1,5}(?:\.\d{1,4})?(?!\d|\.\d)", re.I)


# "so your 80 MB file must be missing half the weights": the size of the reader's own file,
# set against the one the sentence states
_YOURS_BEFORE = re.compile(r"\b(?:your|my|our)\s+$", re.I)
_YOURS_AFTER = re.compile(r"\s*(?:adapter\s+|LoRA\s+|safetensors\s+)?(?:files?|downloads?|exports?|"
                          r"folders?|checkpoints?|outputs?)\b", re.I)


# "not the 3 GB you're seeing": what the reader observed, not a figure the sentence states
_OBSERVED = re.compile(r"\s+(?:that\s+)?(?:you|I|we)(?:'re|'m|'ve| are| am| were| was| have)?\s+"
                       r"(?:now\s+|actually\s+|currently\s+)?(?:seeing|getting|see|get|got|saw|"
                       r"observ\w+|measur\w+|ended up with|end up with)\b", re.I)


# a figure someone else gave, said to be wrong: "the docstring that says 4 is wrong"
_SAID_WRONG_BEFORE = re.compile(r"\b(?:that|which|who)\s+(?:says|said|claims|claimed|gives|gave|"
                                r"lists|listed|shows|showed|states|stated|reports|reported)\s+"
                                r"(?:it\s+is\s+|it's\s+)?(?:about\s+|roughly\s+|~\s*)?$", re.I)
_SAID_WRONG_AFTER = re.compile(r"(?:\s*[\w%.-]{0,12})?\s+(?:is|was|are|were)\s+(?:simply\s+|"
                               r"just\s+|plainly\s+|clearly\s+)?(?:wrong|incorrect|a\s+typo|"
                               r"mistaken|outdated|off)\b", re.I)


# a count said of the adapter: "the 40M-parameter Llama-2-7B adapter"
_ADAPTER_AFTER = re.compile(r"[\s-]*(?:param(?:eter)?s?\s+)?(?:[\w.-]+\s+){0,3}?"
                            r"(?:adapters?|LoRAs?)\b", re.I)


# Where one clause ends and the next begins, for which dtype a size is in ("24 GB in fp32, and
# half precision brings it to 12 GB"; "4.6 GB in 4-bit, against 18.5 GB in bf16")
_BRACKETED_SIZE = re.compile(r"\(\s*(?:about|around|roughly|approximately|approx\.?|~|≈)?\s*"
                             r"\d[\d.,]{0,8}\s*(?:[KMGT]i?B|gigabytes?|megabytes?)"
                             # ("in fp16 (about 26 GB of weights)")
                             r"(?:\s+of\s+(?:[\w-]+\s+)?(?:weights|parameters|memory|VRAM))?\s*\)",
                             re.I)
# (a dash that opens a clause of its own ends one: "... won't fit on one card - had to go 4-bit")
_SIZE_CLAUSE = re.compile(r"[,;(|]|\s[-\u2013\u2014]\s|\b(?:and|or|but|against|versus|vs\.?|while|"
                          r"whereas|compared|instead|than)\b", re.I)


# "from fp16 to 4 bits", "from bf16 to NF4": a change of dtype; and between two sizes, "to"
_FROM_TO_DTYPE = re.compile(r"\bfrom\s+" + _DTYPE.pattern[2:-2] + r"\s+(?:down\s+)?(?:to\s+)?"
                            + _DTYPE.pattern[2:-2] + r"\b", re.I)
_FROM_TO_GAP = re.compile(r"\s+(?:down\s+|all the way\s+)?to\s+(?:about\s+|roughly\s+|around\s+|"
                          r"just\s+|only\s+|~\s*)?", re.I)


def _dtype_word(word: str) -> str:
    m = _DTYPE.search(word)
    return _DTYPES[m.group(1).lower()] if m else ""


def _clause_dtypes(text: str, quantities: list[Quantity]) -> tuple[tuple[float, str], ...]:
    """Each size of a megabyte or more with the one dtype named in its clause, where the
    sentence names several dtypes ("160 MiB in fp32, and 80 MiB in bf16"); sizes whose clause
    names none or two are left out."""
    named = [(m.start(), _DTYPES[m.group(1).lower()]) for m in _DTYPE.finditer(text)
             if not _BASELINE_DTYPE.search(text, max(0, m.start() - 30), m.start())]
    named += [(m.start(), _width_each(m.group(1))) for m in _PER_VALUE.finditer(text)]
    if len({d for _, d in named}) == 1:
        return _consequence_dtypes(text, quantities, named)
    if len({d for _, d in named}) < 2:
        return ()
    sizes = [q for q in quantities
             if q.unit == "bytes" and q.value >= 1e6 and q.role not in ("gpu", "saving")]
    pair = _FROM_TO_DTYPE.search(text)
    if pair and len(sizes) >= 2:
        # "from fp16 to 4 bits shrinks it from 13.5 GB to 3.4 GB": each size its dtype, in order
        for a, b in zip(sizes, sizes[1:], strict=False):
            if _FROM_TO_GAP.fullmatch(text, a.span[1], b.span[0]) and pair.end() <= a.span[0]:
                return ((a.value, _dtype_word(pair.group(1))),
                        (b.value, _dtype_word(pair.group(2))))
    # (a size in brackets right after what it is of, "in 16-bit (about 138 GB)", stays in its
    # clause)
    cuts = [0] + [m.start() for m in _SIZE_CLAUSE.finditer(text)
                  if not (m.group() == "(" and _BRACKETED_SIZE.match(text, m.start()))] \
        + [len(text)]
    out = []
    for size in quantities:
        if size.unit != "bytes" or size.value < 1e6 or size.role in ("gpu", "saving"):
            continue
        start = max(c for c in cuts if c <= size.span[0])
        end = min(c for c in cuts if c >= size.span[1])
        mine = {d for at, d in named if start <= at < end}
        if len(mine) == 1:
            out.append((size.value, mine.pop()))
    if len(out) > 1 and len({d for _, d in out}) == 1:
        # two sizes given one dtype while the sentence names two ("cuts it from 16.8 MB to
        # 8.4 MB compared with fp32"): which is which is not read from the clauses
        return ()
    return tuple(out)


# a dtype named as what a size is set against ("halves the FP16 size: about 13 GB", "a quarter
# of the fp32 figure", "smaller than bf16"): not the dtype of the size
_BASELINE_DTYPE = re.compile(r"\b(?:halv(?:e|es|ed|ing)|half|doubl(?:e|es|ed|ing)|"
                             r"quarter(?:\s+of)?|than|compared\s+(?:with|to)|relative\s+to|vs\.?|versus)\s+"
                             r"(?:(?:the|its|an?)\s+)?(?:original\s+|usual\s+|plain\s+)?$", re.I)


# where what follows is drawn from what came before ("..., so a 13 GB artifact means ...")
_SO_CUT = re.compile(r"[,;]\s*(?:so|which\s+means|meaning|hence|therefore|thus)\b|"
                     r"[.!?]\s+(?:So|Hence|Therefore|Thus)\b")


_WHOLE_MODEL = re.compile(r"\b(?:whole|full|entire|base)\s+(?:model|checkpoint|weights)\b|"
                          r"\bmodel\b", re.I)
_ADAPTERS_AFTER = re.compile(r"\badapters?\b|\bLoRAs\b|\bcache\b", re.I)


def _consequence_dtypes(text: str, quantities: list[Quantity],
                        named: list[tuple[int, str]]) -> tuple[tuple[float, str], ...]:
    """With one dtype named: a size in a clause drawn from another ("about 16.8 MB in fp32, so
    a 13 GB artifact means the whole model was saved") is not in the dtype of a size before
    the cut, which keeps it; the later size is given no dtype (""). Nor is a size before a
    semicolon when the dtype is named only after it, beside a size of its own ("... is about
    13.5 GB; 7 GB would be roughly the 8-bit size")."""
    sizes = [q for q in quantities
             if q.unit == "bytes" and q.value >= 1e6 and q.role not in ("gpu", "saving")]
    semi = text.find(";")
    if semi > 0 and all(at > semi for at, _ in named):
        first = [q for q in sizes if q.span[1] <= semi]
        then = [q for q in sizes if q.span[0] > semi]
        if first and then and not {q.value for q in first} & {q.value for q in then}:
            return tuple([(q.value, "") for q in first] + [(q.value, named[0][1]) for q in then])
    first = [q for q in sizes if q.span[1] <= min(at for at, _ in named)]
    then = [q for q in sizes if q.span[0] > max(at for at, _ in named)]
    if first and then and _SIZE_CLAUSE.search(text, first[-1].span[1], min(at for at, _ in named)) \
            and not {q.value for q in first} & {q.value for q in then}:
        # "... is roughly 138 GB of weights, and our 4-bit stack brings it down to about 35 GB":
        # the dtype named in a later clause, before a size of its own, is that size's
        return tuple([(q.value, "") for q in first] + [(q.value, named[0][1]) for q in then])
    cut = _SO_CUT.search(text)
    if cut is None:
        return ()
    before = [q for q in sizes if q.span[1] <= cut.start()]
    after = [q for q in sizes if q.span[0] >= cut.end()]
    if not before or not after or not all(at < cut.start() for at, _ in named) \
            or not _WHOLE_MODEL.search(text, cut.end()) or _ADAPTERS_AFTER.search(text, cut.end()):
        return ()  # (only a model's size after the cut: "so the 50-adapter cache ..." is theirs)
    dtype = named[0][1]
    return tuple([(q.value, dtype) for q in before] + [(q.value, "") for q in after])


# "Fixed a regression where B was initialised randomly; ...": a changelog's account of a bug,
# what the software did wrong before, up to the end of its clause
_FIXED_BUG = re.compile(
    r"\b(?:fix(?:ed|es|ing)?|resolv(?:ed|es|ing)|patch(?:ed|es)?|correct(?:ed|s))\s+(?:an?\s+|the\s+)?"
    r"(?:(?:[\w-]+\s+){0,2}?)(?:bug|regression|issue|problem|error|crash)s?\b"
    r"\s*(?:where|in which|that|whereby|when|causing|which|so that)\b[^;.!?]{0,240}", re.I)


# An opening "if" clause that reports what the reader sees ("If the summary lists all 6.7B
# parameters as trainable, ..."): the main clause diagnoses that case
_SYMPTOM_IF = re.compile(
    # (after a step's label; or what is checked changes: "Step 2: if the base weights'
    # checksums changed after a LoRA run, the base was not frozen")
    r"\s*(?:[\w ]{1,20}:\s*)?(?:if|when|whenever)\s+[^,;:.]{0,160}?\b(?:lists?|listed|shows?|"
    r"showed|prints?|printed|reports?|reported|says|said|displays?|reads|sees?|saw|notices?|"
    r"noticed|gets?|got|returns?|returned|logs?|logged|changed|differ|differs|differed|"
    r"mismatch(?:es|ed)?|drifted|moved)\b[^,;:]{0,160}?,", re.I)


# "Does LoRA slow down inference? Once merged, it adds no latency": a yes-or-no question left
# unanswered by a yes or a no (normalise turns answered ones into statements) is the topic of
# what follows, not a claim of its own; its names still say whom the answer is about
# an embedded question ("has no bearing on whether a merged model matches"): what it asks is
# not asserted, nor denied by a negation before it; not "whether merged or not" (both cases)
_WHETHER = re.compile(r"\bwhether\b(?![^,;.]{0,80}?\bor\b)", re.I)


_ASKED = re.compile(
    r"^\s*(?:Q\s*[:.]\s*)?(?:does|do|did|is|are|was|were|can|could|will|would|should|has|have|"
    r"must)\s+[^?]{3,240}\?(?=\s*\S)", re.I)


def _conditions(text: str) -> list[tuple[int, int]]:
    """The spans of conditional clauses ('if you don't merge the weights'): what is said there
    is a condition of the claim, not a claim ('LoRA slows inference if you don't merge'); and
    of a fixed bug's account ('fixed a bug where B was initialised randomly'): what the
    software did wrong, not what it does."""
    out = [(m.start(), m.end()) for m in _FIXED_BUG.finditer(text)]
    asked = _ASKED.match(text)
    if asked:
        out.append(asked.span())
    for m in _WHETHER.finditer(text):  # "no bearing on whether merging keeps the outputs"
        end = _IF_END.search(text, m.end())
        out.append((m.start(), end.start() if end else len(text)))
    for m in _IF.finditer(text):
        # (past the clause's own subject: "if you don't merge ..." is all condition)
        first = re.match(r"\s*[^\s,;:.]+", text[m.end():])
        end = _IF_END.search(text, m.end() + (first.end() if first else 0))
        out.append((m.start(), end.start() if end else len(text)))
    return out


# Where a clause of contrast or a new clause begins: a state named in one is not the other's
_CLAUSE_CUT = re.compile(r";|\.\s+(?=[a-z])|,\s*(?:but|while|whereas|although|though|yet|and)\b|"
                         r"\s-\s|\b(?:but|whereas|while)\b"
                         # "an unmerged LoRA costs a bit and a merged one costs nothing": a new
                         # subject with its own state
                         r"|\sand\s+(?=(?:a|an|the|its|your|our)\s+(?:[\w-]+\s+)?(?:un-?)?merged\b)",
                         re.I)


# a merged model named as what the clause is set against ("a small overhead compared with a
# merged model"): the baseline, not the state the clause speaks of
_SET_AGAINST_STATE = re.compile(r"\b(?:compared\s+(?:with|to)|than|versus|vs\.?|relative\s+to|"
                                r"against)\s+(?:an?\s+|the\s+|its\s+)?(?:fully\s+)?$", re.I)


# the moment a cost ends: "an overhead per token, which disappears after merging" (the
# cost is the unmerged adapter's; merging is when it goes)
_GONE_ONCE = re.compile(r"\b(?:disappears?|vanish(?:es)?|goes\s+away|is\s+gone|drops?\s+to\s+zero|"
                        r"falls?\s+away|is\s+removed|is\s+eliminated)\s+(?:entirely\s+|completely\s+)?"
                        r"(?:after|once|when|on|upon|with|by)\s+(?:you\s+)?(?:the\s+)?$", re.I)


def _clause_state(text: str, at: int) -> bool | None:
    """Merged (True) or unmerged (False) where only one of the two is named in the clause around
    `at`, for a sentence that names both; None otherwise."""
    cuts = [m.start() for m in _CLAUSE_CUT.finditer(text)]
    a = max((c for c in cuts if c <= at), default=0)
    b = min((c for c in cuts if c > at), default=len(text))
    unmerged = [u.span() for u in _UNMERGED.finditer(text, a, b)]
    merged = [g for g in _MERGED.finditer(text, a, b)
              if not any(x <= g.start() < y for x, y in unmerged) and not _advised(text, g)
              and not _SET_AGAINST_STATE.search(text, max(0, g.start() - 30), g.start())
              and not _GONE_ONCE.search(text, max(0, g.start() - 40), g.start())
              and not _VCS_MERGE.match(text, g.start())]
    if unmerged and not merged:
        return False
    if merged and not unmerged:
        return True
    return None


def _inside(span: tuple[int, int], clauses: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in clauses)


# a condition proper ("whenever you pass load_in_4bit" says when a thing happens)
_IF_WORD = re.compile(r"\b(?:if|unless|provided(?: that)?|as long as|in case)\b", re.I)
# a cue written to read a condition's words ("r is 8 unless ...", "if you leave it unset")
# (or a setting left at its default: "target_modules: if you leave it unset")
_READS_CONDITION = re.compile(r"\b(?:if|unless|provided|as long as|whenever|unset|omitted|leave|"
                              r"default)")


def _reads_into(m: re.Match, clauses: tuple, t: Trigger) -> bool:
    """A match that begins before a conditional clause and ends inside it ("blocks promotion
    if any decision differs from the reference"): what decides it is the condition's, unless the
    cue was written to read a condition (one that spans the whole condition reads past it)."""
    return any(m.start() < a and w.end() < m.end() <= b for a, b in clauses
               if a < m.end() and (w := _IF_WORD.match(m.string, a))) \
        and not _READS_CONDITION.search(t.pattern.pattern)


# where a later clause may open ("...; so ...", ", but ...") with a denial of its own ("..., so
# it is false that the optimizer keeps states for every weight")
_LATER_CLAUSE = re.compile(r"[;,]\s+(?:(?:so|and|but|yet|thus|hence)\s+)?|\s(?:but|so)\s+", re.I)


def _later_denials(text: str, after: int) -> tuple[tuple[int, int], ...]:
    """The spans a denial opening a later clause denies (its clause, as the opening one's)."""
    out = []
    for m in _LATER_CLAUSE.finditer(text, after):
        if out and m.start() < out[-1][1]:
            continue
        d = denial_prefix(text[m.end():])
        if d:
            out.append((m.end() + d, denial_end(text, m.end() + d)))
    return tuple(out)


@lru_cache(maxsize=4096)
def recognise(sentence: str, default_subject: str = "lora") -> Reading:
    """The frames of one sentence (several when it states several things). Cached: a sentence
    read to decide whether it is a claim is not read again to pair it (frames are not to be
    changed by callers)."""
    text = normalise(sentence)
    if len(text) > MAX_CHARS:
        return Reading(text[:200], (), f"longer than {MAX_CHARS} characters: not read as one "
                       "claim")
    origin = denial_prefix(text)
    if not origin and (label := _TERM_LABEL.match(text)) \
            and (after := denial_prefix(text[label.end():])):
        origin = label.end() + after  # "Base weights - It is a myth that LoRA nudges ...": a
        # glossary term, then the denial of what follows it
    denials = ((origin, denial_end(text, origin)),) if origin else ()
    denials += _later_denials(text, denials[0][1] if denials else 0)
    mentions = find_methods(text)
    quantities = [q for q in (Quantity(**{**q.__dict__, "role": _role(text, q)})
                              for q in find_quantities(text)) if q.role != "quality"]
    # "2 x 32 x 4096 = 262,144 params": the factors of a product worked out are not figures
    # the sentence states; what it equals is
    operands = [m.span(1) for m in _EQUATION.finditer(text)]
    if "(" in text:
        operands += [m.span() for m in _GROUP_PRODUCT.finditer(text)]
    # "since sqrt 64 / sqrt 16 = 2": a ratio of two ranks' roots worked out, none of it a rank,
    # an alpha or a scale
    operands += [m.span() for m in _ROOT_QUOTIENT.finditer(text)]
    if "times" in text or " x " in text or "*" in text or " each" in text or " of length" in text \
            or " of size" in text or " of width" in text or " of dimension" in text:
        operands += [next(m.span(i) for i in (1, 2, 3) if m.group(i))
                     for m in _PRODUCT_SAID.finditer(text)]
    quantities = [q for q in quantities if not any(a <= q.span[0] < b for a, b in operands)
                  and not (q.unit in ("count", "params")
                           and _SET_AGAINST.search(text, max(0, q.span[0] - 30), q.span[0])
                           and _FOR_OTHER_MODULE.match(text, q.span[1]))
                  and not _OBSERVED.match(text, q.span[1])
                  and not (_YOURS_BEFORE.search(text, max(0, q.span[0] - 8), q.span[0])
                           and _YOURS_AFTER.match(text, q.span[1]))
                  and not (_SAID_WRONG_BEFORE.search(text, max(0, q.span[0] - 40), q.span[0])
                           and _SAID_WRONG_AFTER.match(text, q.span[1]))]
    conditions, spans = read_conditions(text)
    if "model_name" in spans:  # "GPT-3", "Llama-2-70B": the numbers of a name are not stated
        a, b = spans.pop("model_name")
        quantities = [q for q in quantities if not a <= q.span[0] < b]
    named = model_size_spans(text)  # "... Llama-3-8B and Mistral-7B both come to ...": sizes
    # (a version before the size is no range: "Llama-2-7B" is 7B, not 2-7B)
    quantities = [Quantity(**{**q.__dict__, "role": "model",
                              **({"value": q.high, "bound": "eq", "high": None}
                                 if q.bound == "range" and q.high else {})})
                  if any(a <= q.span[0] < b for a, b in named) else q for q in quantities]
    quantities = _past_term(text, quantities)
    size_dtypes = _clause_dtypes(text, quantities)
    if size_dtypes:
        conditions["size_dtypes"] = size_dtypes
    counts = [q for q in quantities if q.unit == "params" and q.value >= 1e4
              and q.role not in ("model", "part")]
    if len(counts) > 1:  # "the 40M-parameter adapter ... all 6.7B base weights": the adapter's
        counts = [q for q in counts if _ADAPTER_AFTER.match(text, q.span[1])] or counts
    if len(counts) == 1:  # "80.7 MB, as expected for 40.4 million parameters": what a size holds
        conditions["param_count"] = counts[0].value
        spans["param_count"] = counts[0].span
    units = frozenset(q.unit for q in quantities)
    clauses = _conditions(text)
    hits = _hits(text, origin, mentions, default_subject, units, tuple(clauses))
    cues = _cues(text)
    context = (text, origin, denials, mentions, quantities, conditions, spans, cues,
               default_subject, [(t, m) for t, m, _ in hits])
    frames, alternates = [], []
    for t, m, rivals in hits:
        frame = _frame(t, m, context)
        if frame is None:
            continue
        frames.append(frame)
        # a rival reads the sentence as if this trigger were not there: the quantities inside
        # its words are the rival's to take
        instead = context[:-1] + ([h for h in context[-1] if h[1] is not m],)
        alternates.append(tuple(f for f in (_frame(rt, rm, instead) for rt, rm in rivals
                                            if not _inside(rm.span(), clauses)) if f))
    # "from 350 GB for a fully fine-tuned GPT-3 to 35 MB for the LoRA weights": a frame whose
    # subject is full fine-tuning may be the other method's the sentence names (tried when no
    # verifier takes it as full fine-tuning's). Only a frame of figures: words with no quantity
    # ("full fine-tuning updates every weight, whereas LoRA ...") are full fine-tuning's alone.
    other = next((m.id for m in mentions if not m.baseline and m.id != "full_ft"
                  and m.kind not in ("source", "tool") and m.scope == "in" and not m.generic),
                 None)
    if other is not None:
        alternates = [alts + ((replace(f, subject=other, baseline="full_ft"),)
                              if f.subject == "full_ft" and f.quantities else ())
                      for f, alts in zip(frames, alternates, strict=True)]
    frames = [_own_clause(f, mentions) for f in frames]
    split = [(part, alts) for f, alts in zip(frames, alternates, strict=True)
             for part in _pairwise(f)]
    frames, alternates = [f for f, _ in split], [a for _, a in split]
    reason = "" if frames else "no predicate of the lexicon was recognised"
    return Reading(text, tuple(frames), reason, tuple(alternates))


# a contrast that hands the rest of the sentence to another method: "with rsLoRA, going from
# r=16 to r=64 halves the scale, while ordinary LoRA would cut it by a factor of four"
# (or "and" before another method whose figure or verb follows: "LoRA trains 41.9M parameters
# and DoRA 43.3M")
_HANDED_ON = re.compile(r"[,;]?\s*(?:while|whereas|but)\b|\bwhereas\b|;|"
                        r"[,;]?\s*\band\b(?=\s+(?:the\s+|plain\s+)?[\w+-]+\s+(?:\d|(?:trains?|"
                        r"gets?|has|adds?|needs?|uses?|takes?|comes?\s+to)\b))", re.I)
_CLAUSE_STOP = re.compile(r"[;!?]|\.(?!\d)")


def _own_clause(frame: Frame, mentions: list[Mention]) -> Frame:
    """The frame less the figures of a later clause of contrast whose subject is another
    method (its first few words name it): those figures are the other method's."""
    said = frame.spans.get("predicate")
    if said is None or not frame.quantities:
        return frame
    # (a trigger read across the contrast, "halves it for LoRA but cuts it by 1.41 under
    # rsLoRA", is cut after the words that named its subject)
    own = frame.spans.get("subject")
    start = min(said[1], own[1]) if own and own[1] > said[0] else said[1]
    for cut in _HANDED_ON.finditer(frame.text, start):
        end = _CLAUSE_STOP.search(frame.text, cut.end())
        end = end.start() if end else len(frame.text)
        # ("halves it for plain LoRA but only cuts it by 1.41 under rsLoRA": or names it as its
        # last words, the clause naming the frame's own method nowhere)
        if any(m.id != frame.subject and m.scope == "in" and m.kind == "method"
               and (cut.end() <= m.span[0] <= cut.end() + 30
                    or cut.end() <= m.span[0] and end - m.span[1] <= 2 and not m.generic
                    and not any(
                        o.id == frame.subject and cut.end() <= o.span[0] < end
                        for o in mentions))
               for m in mentions):
            return replace(frame, quantities=tuple(q for q in frame.quantities
                                                   if q.span[0] < cut.start()))
    return frame


# a heading before the one statement that follows it: up to its first colon, within the first
# eighty characters ("Everything under 1%: ...", "Myth - 4-bit means 0.5% trainable: ...")
_HEADING = re.compile(r"\W{0,3}(?:[^.;:!?|\n]|\.(?!\s)){1,80}:\s+")
_ANOTHER_HEADING = re.compile(r"[:;|]\s")
_CLAUSE_VERB = re.compile(r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|could|will|"
                          r"would|should|may|might|must|not|never)\b|n't\b", re.I)


def _past_term(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """The quantities of a sentence less those in a heading whose kind the statement after it
    states again ("Everything under 1%: rank 64 ... trains about 2.4%", "Myth - QLoRA uses 8
    bits: it stores 4-bit codes"): a heading names the thing, the statement is what is said of
    it. Model sizes and GPUs keep their place, and so does every figure of a list of headed
    items ("at 4 bits: 3.5 GB; at 8 bits: 7 GB"). (A dash is no heading's end here: "gives
    0.06% - not 0.6%" sets two figures of one statement against each other.)"""
    head = _HEADING.match(text)
    if head is None or _ANOTHER_HEADING.search(text, head.end()) \
            or _CLAUSE_VERB.search(text, 0, head.end()):
        return quantities  # ("QLoRA does not train in 4-bit: ..." is a statement of its own)
    end = head.end()
    later = {(q.unit, q.role) for q in quantities if q.span[0] >= end}
    return [q for q in quantities if q.span[0] >= end or q.role in ("model", "gpu")
            or (q.unit, q.role) not in later]


def _pairwise(frame: Frame) -> list[Frame]:
    """A frame that states as many models as GPUs ("a 65B model on a 48 GB GPU, and a 33B
    model on a 24 GB card") as one frame per pair, in the order written; else the frame."""
    models = [q for q in frame.quantities if q.role == "model"]
    gpus = [q for q in frame.quantities if q.role == "gpu"]
    if len(models) < 2 or len(models) != len(gpus):
        return _per_dtype(frame)
    named = frame.conditions.get("model") or {}
    out = []
    for model, gpu in zip(sorted(models, key=lambda q: q.span), sorted(gpus, key=lambda q: q.span),
                          strict=True):
        rest = tuple(q for q in frame.quantities if q.role not in ("model", "gpu"))
        size = {**named, "size_b": model.value / 1e9, "preset": None}
        out.append(replace(frame, quantities=tuple(sorted((model, gpu, *rest),
                                                          key=lambda q: q.span)),
                           conditions={**frame.conditions, "model": size},
                           spans={**frame.spans, "model": model.span}))
    return out


def _per_dtype(frame: Frame) -> list[Frame]:
    """A size claim that states each size in its own dtype ("about 42 MB in bf16 and about
    84 MiB in fp32") as one frame per size, each with its dtype; else the frame."""
    # (a size given no dtype, "" after a consequence, is not one of a list of sizes per dtype)
    # (a model's size given none beside one in a dtype named later, "138 GB, and in 4-bit about
    # 35 GB", is its checkpoint's size: each is judged on its own)
    stated = {v: d for v, d in frame.conditions.get("size_dtypes", ())
              if d or frame.predicate == "model_size"}
    sizes = [q for q in frame.quantities if q.unit == "bytes" and q.value in stated]
    if frame.predicate not in _SIZE_PREDICATES or len(sizes) < 2 \
            or len({stated[q.value] for q in sizes}) < 2:
        return [frame]
    rest = tuple(q for q in frame.quantities if q.unit != "bytes")
    return [replace(frame, quantities=tuple(sorted((q, *rest), key=lambda x: x.span)),
                    conditions={**frame.conditions,
                                "dtypes": (stated[q.value],) if stated[q.value] else (),
                                "size_dtypes": ((q.value, stated[q.value]),)},
                    polarity=_size_polarity(frame, q))
            for q in sorted(sizes, key=lambda x: x.span)]


# each size of a list in a clause of its own ("X is not 'about 8 GB in bf16'; 8.03B parameters at
# 2 bytes each is roughly 16 GB"): a denial reaches the sizes of its own clause only
_HARD_BREAK = re.compile(r";|\.\s|:\s")
_DENIED_WORD = re.compile(r"\b(?:not|never|no|isn't|aren't|wasn't)\b|n't\b", re.I)


def _size_polarity(frame: Frame, size: Quantity) -> bool:
    """The frame's polarity for one of its sizes: the frame's own where the size shares the
    predicate's clause, else whether the size's clause has no denial."""
    text = frame.text
    a, b = frame.spans.get("predicate", (0, 0))
    start, end = _hard_clause(text, *size.span)
    if start <= a < end or start < b <= end:
        return frame.polarity
    return not _DENIED_WORD.search(text, start, end)


def _hard_clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end] between semicolons, colons and full stops."""
    a = max((m.end() for m in _HARD_BREAK.finditer(text, 0, start)), default=0)
    after = _HARD_BREAK.search(text, end)
    return a, after.start() if after else len(text)


def _corrected(text: str, trigger: tuple[int, int],
               stated: list[Quantity]) -> list[Quantity] | None:
    """Where a denial of a trigger's clause stops there, the figures it denies (None where it
    does not stop): every other figure the claim needs stands in a later clause that denies
    nothing, and is of a unit among them. "An adapter is not a copy of the model: for a 7B
    model it holds about 4.2 million parameters" denies no figure; "the base isn't really 4 bits
    per weight: it averages about 4.127 bits" corrects 4 bits to 4.127."""
    a, b = _hard_clause(text, *trigger)
    denied = [q for q in stated if a <= q.span[0] < b]
    later = [q for q in stated if q.span[0] >= b
             and not _DENIED_WORD.search(text, *_hard_clause(text, *q.span))]
    if not later or len(denied) + len(later) < len(stated) \
            or {q.unit for q in denied} - {q.unit for q in later}:
        return None
    return denied


# a denied participle with its preposition right before a modifier ("are never quantized to
# 4 bits", "is not stored in NF4", "weren't kept in 4-bit")
_NEG_PARTICIPLE = re.compile(r"(?:\b(?:not|never|no\s+longer)|n't)\s+(?:be\s+|been\s+|being\s+|"
                             r"get\s+|gets\s+|got\s+)?[a-z]+(?:ed|en|wn)\s+(?:down\s+)?"
                             r"(?:to|in|into|as|at|with)\s+$", re.I)


# LoRA's own symbols opening a clause: "B A", "BA", "ΔW", "W0 + BA"
_LORA_SYMBOL = re.compile(r"(?-i:\bB\s?A\b)|\bdelta\s*W\b|\u0394W|\bW_?0\s*\+\s*B\s?A\b", re.I)


_SUBCLAUSE = re.compile(r"[;,(:]|\s-\s|\b(?:whereas|while|whilst|but|unlike|although|because|"
                        r"since|so|which|where|when|as)\b", re.I)


# a cost said of a method after it ("the latency of adapter layers") and a verb that avoids it
_COST_OF = re.compile(r"\s+(?:of|from|introduced\s+by|added\s+by|caused\s+by)\s+"
                      r"(?:the\s+|classic\s+|conventional\s+|traditional\s+)?", re.I)
_AVOIDS = re.compile(r"\b(?:avoid\w*|eliminat\w*|sidestep\w*|escap\w*|remov\w*|gets?\s+rid\s+of|"
                     r"does\s+away\s+with|without)\b[^.;,]{0,45}$", re.I)


_MERGE_DENIED = re.compile(r"\b(?:cannot|can't|can not|not|never|no|n't)\s+(?:be\s+|been\s+)?"
                           r"(?:merg|fold|fus)\w*", re.I)


_CLAUSE_BREAK = re.compile(r"[.;:!?](?=\s|$)|\s[-\u2013\u2014]\s|\b(?:but|whereas|while|"
                           r"although|though)\b|\||"
                           # a reason after a comma ("..., since no extra layers remain")
                           r",\s*(?:since|because|as|so)\b", re.I)


def _clause_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end]: from the last break before it to the next after."""
    a = max((b.end() for b in _CLAUSE_BREAK.finditer(text, max(0, start - 300), start)),
            default=max(0, start - 300))
    after = _CLAUSE_BREAK.search(text, end, end + 300)
    return a, after.start() if after else min(len(text), end + 300)


# an elliptic clause that denies what came before of another thing: "... and nowhere near for
# full fine-tuning", "..., but not with full fine-tuning"
_FITS_PREDICATES = frozenset(("fits_gpu",))
_SIZE_PREDICATES = frozenset(("model_size", "adapter_size"))
_DENIED_CONTRAST = re.compile(r"\b(?:and|but)\s+(?:not|nowhere\s+near|never|not\s+even\s+close)\s+"
                              r"(?:\w+\s+)?(?:for|with|when|under|in|during)\s+(?:\w+\s+)?$", re.I)


# the trigger in a relative clause of an indefinite subject ("..., so a blank adapter that
# shifts the logits has been edited"): which adapter is meant, as an "if" would say, not what
# one does (not a complement, "LoRA is an adapter that leaves W unchanged", nor a definition,
# "LoRA+: a variant that ...")
_INDEFINITE_WHO = re.compile(r"(?:^|\b(?:so|and|but|then|because|since|if|when)\s+)"
                             r"(?:a|an|any|every)\s+(?:['\w-]+\s+){0,3}?(?:that|which)\s+$",
                             re.I)


# a relative clause inside the words a cue reads ("X, which defaults to False"): its own clause
_RELATIVE_INSIDE = re.compile(r",\s+(?:which|that)\s+(?=\w)", re.I)


# an instruction not to do something, to the first break: "Please don't call merge_and_unload()
# before save_pretrained if you want a small adapter"
_TOLD_NOT_TO = re.compile(r"^\W{0,6}(?:please\s+)?(?:do\s+not|don't|never)\s+(?:call|run|use|"
                          r"merge|load|set|pass|save|apply|enable|disable|quantize|train|add|"
                          r"push|ship|deploy|unload|stack|mix)\b[^;:.,]*", re.I)


def _frame(t: Trigger, m: re.Match, context: tuple) -> Frame | None:
    """The frame one trigger gives, or None when its subject or quantities do not fit it."""
    (text, origin, denials, mentions, quantities, conditions, spans, cues,
     default_subject, hits) = context
    if _INDEFINITE_WHO.search(text, max(0, m.start() - 60), m.start()):
        return None
    subject, baseline, named = _subject(text, mentions, m.start(), default_subject)
    if named is None and subject == "adapter" and isinstance(conditions.get("merged"), bool) \
            and not _MERGE_DENIED.search(text):
        # "Merge the adapter and ..." or "unmerged adapters" under a heading about adapters: a
        # bottleneck adapter is never merged or unmerged, so the adapter is LoRA's
        subject = "lora"
    start = m.start()
    if subject == "adapter":
        clause = max((b.end() for b in _SUBCLAUSE.finditer(text, 0, start)), default=0)
        if _LORA_SYMBOL.search(text, clause, start) and not any(
                clause <= x.span[0] < start for x in mentions):
            # "..., because BA can be added into W0": LoRA's own product is what the clause
            # is about, whichever method the sentence named before
            subject, named = "lora", None
    if t.subjects and subject not in t.subjects:
        return None
    if (told := _TOLD_NOT_TO.match(text)) and m.end() <= told.end():
        return None  # "Please don't call merge_and_unload() before saving; ...": what the
        # reader is told not to do is no denial of what the method can do (the reason after
        # the break is read)
    if "merged" not in conditions and (state := _clause_state(text, start)) is not None:
        # "DoRA can be merged like LoRA, but unmerged DoRA is slower": each clause its state
        conditions = {**conditions, "merged": state}
    origin_here = max(origin, start - 12) if t.near else origin
    if t.near and _NEG_PARTICIPLE.search(text, max(origin, start - 60), start):
        # "never quantized to 4 bits": the participle the modifier completes is denied
        origin_here = max(origin, start - 60)
    inside = [a for a, b in denials if a <= start < b]
    if inside:  # (a later clause's "it is not true that": its words are not a negation too)
        origin_here = max(origin_here, inside[0])
    deny = negated_in_clause if t.clause else negated
    past = next((b for a, b in _conditions(text) if a <= start < b < m.end()), None) \
        if not t.in_condition else None
    rel = _RELATIVE_INSIDE.search(text, start, m.end()) if past is None else None
    if past is not None:  # "if you never set the compute dtype, bitsandbytes computes in
        # fp32": a match that reads past its condition is asserted in the words after it, and
        # a denial inside the condition is the condition's
        denied = deny(text, past, m.end(), max(origin_here, past))
    elif rel is not None:  # "our config never set double_quant, which defaults to False": the
        # relative clause states the predicate, and a denial before it is its head's clause's
        denied = deny(text, rel.end(), m.end(), max(origin_here, rel.end()))
    else:
        denied = deny(text, start, m.end(), origin_here)
    if denied and (of := _COST_OF.match(text, m.end())) \
            and any(x.id == subject and x.span[0] == of.end() for x in mentions) \
            and _AVOIDS.search(text, max(origin, start - 50), start):
        # "LoRA avoids the extra latency of adapter layers": the cost avoided is the of-method's
        # own (what avoids it is another method)
        denied = False
    polarity = t.sign != denied
    if inside and not elliptic_denial(text, m.end()):
        # ("It is a misconception that X; it does not": the ellipsis repeats the denial)
        polarity = not polarity
    if named and t.predicate in _FITS_PREDICATES and named[0] >= m.end() \
            and _DENIED_CONTRAST.search(text, max(0, named[0] - 40), named[0]):
        # "it just fits a 24 GB card for inference and nowhere near for full fine-tuning": the
        # method is named in an elliptic clause that denies the trigger of it
        polarity = not polarity
    if not polarity and (d := _SYMPTOM_IF.match(text)) and start >= d.end():
        # "If print_trainable_parameters() lists every weight as trainable, the base was never
        # frozen": a diagnosis of what the reader sees, not a denial of the method
        return None
    if named is None and not mentions and not polarity and t.predicate in _ADAPTERS_CANNOT \
            and _ADAPTERS_OPEN.match(text):
        # "Adapters: they cannot be folded into the weights": bare adapters, no method named,
        # said to be unmergeable, as bottleneck adapters are and LoRA's are not
        subject = "adapter"
        if t.subjects and subject not in t.subjects:
            return None
    mine = _nearest(tuple(q for q in quantities if q.unit in t.units), hits, m, t)
    if t.needs and not any(q.unit in t.needs for q in mine):
        return None
    if denied and not inside and t.needs and (dropped := _corrected(
            text, m.span(), [q for q in mine if q.unit in t.needs])) is not None:
        polarity, mine = t.sign, tuple(q for q in mine if q not in dropped)
    if not polarity and t.predicate in _SIZE_PREDICATES and any(
            q.unit == "bytes" and handled_amount(text, q.span[0]) for q in mine):
        # "does not require reloading the 16 GB of base weights": the reloading is denied, the
        # size is taken as given
        polarity = True
    if not polarity and not t.sign and t.sign_needs is not None:
        a, b = _clause_of(text, start, m.end())
        if not t.sign_needs.search(text, a, b):
            cues = (*cues, "sign_unread")
    frame_spans = {"predicate": m.span(), **spans, **({"subject": named} if named else {})}
    modal = modality(text, start, m.end())
    return Frame(subject=subject, predicate=t.predicate, text=text, polarity=polarity,
                 quantities=mine, baseline=baseline, conditions=dict(conditions),
                 cues=cues + t.facets + tuple(n for n, p in t.marks if p.search(text))
                 + ((f"modal_{modal}",) if modal else ()),
                 spans=frame_spans)


def _nearest(mine: tuple[Quantity, ...], hits: list, m: re.Match, t: Trigger
             ) -> tuple[Quantity, ...]:
    """The quantities of a frame: those in its units inside its trigger's own words, or nearer
    its trigger than any other trigger that takes the same unit and weighs at least half as
    much (a quantity inside another trigger's words is that trigger's)."""
    out = []
    for q in mine:
        if m.start() <= q.span[0] and q.span[1] <= m.end():
            out.append(q)
            continue
        if any(tt is not t and q.unit in tt.units and mm.start() <= q.span[0]
               and q.span[1] <= mm.end() for tt, mm in hits):
            continue
        centre = (q.span[0] + q.span[1]) / 2
        mine_d = abs(centre - (m.start() + m.end()) / 2)
        # (a much weaker cue, "is", takes no figure from a strong one's frame)
        rivals = [abs(centre - (mm.start() + mm.end()) / 2) for tt, mm in hits
                  if tt is not t and q.unit in tt.units and q.unit != "count"
                  and tt.weight >= 0.5 * t.weight]
        if all(mine_d <= d for d in rivals):
            out.append(q)
    return tuple(out)


@cache
def _cue_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((name, re.compile(_listed(p), re.I)) for name, p in load("cues").items())


def _cues(text: str) -> tuple[str, ...]:
    """The named word classes of lexicon/cues.yaml that the sentence contains."""
    return tuple(name for name, p in _cue_patterns() if p.search(text))
