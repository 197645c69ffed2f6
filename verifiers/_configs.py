"""LoRA configurations over the model presets: which modules are adapted, at which rank.

Used by the parameter-count and adapter-size verifiers to name a model from a claim's words
and to enumerate the configurations a claim could mean when it does not say which one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from verifiers._presets import ALIASES, PAPER_MODELS, PRESETS, Preset, lookup

MODULE_SETS = ("qv", "attention", "mlp", "all")
MODULE_SET_TEXT = {"qv": "q,v", "attention": "q,k,v,o", "mlp": "MLP", "all": "all linear",
                   "default": "PEFT's default targets"}
RANKS = (1, 2, 4, 8, 16, 32, 64)
# PEFT's default targets for Llama-style models are q_proj and v_proj; r=8 is its default rank.
TYPICAL = ("llama-7b", "qv", 8)


def modules_for(p: Preset, module_set: str) -> tuple[str, ...]:
    """The module names a set means on this preset ('qv', 'attention', 'mlp', 'all', 'default'),
    in its architecture's names (PEFT's); ValueError when the layout has no such set (q and v
    of GPT-2's fused c_attn)."""
    sets = p.module_sets()
    if module_set not in sets:
        raise ValueError(f"{p.name} has no module set {module_set!r}; it has: {', '.join(sets)}")
    return sets[module_set]


def find_preset(text: str) -> Preset | None:
    """The preset a claim's model words name ('LLaMA 65B', 'Llama-2 70B', 'GPT-3'), or None."""
    t = text.strip().lower()
    if not t:
        return None
    found = lookup(t)
    if found is not None:
        return found
    # free words: only the LoRA and QLoRA papers' models are read loosely ('LLaMA 65B'); any
    # other family's name has to be a preset id or alias, never a LLaMA of the same size
    if re.search(r"gpt-?3|175", t):
        return PRESETS["gpt3-175b"]
    if not re.fullmatch(r"(?:the\s+)?(?:llama(?:[- ]?[12])?[- ]*)?\d+\s*b(?:\s+llama)?", t):
        return None
    m = re.search(r"(\d+)\s*b\b", t)
    if m and f"{m.group(1)}b" in ALIASES:
        return PRESETS[ALIASES[f"{m.group(1)}b"]]
    return None


def configurations(models: tuple[str, ...] = (), module_sets: tuple[str, ...] = (),
                   ranks: tuple[int, ...] = ()) -> Iterator[tuple[Preset, str, int]]:
    """Every (preset, module set, rank) allowed by the given restrictions (no model: the LoRA
    and QLoRA papers' models); a module set a preset's layout lacks is left out."""
    for name in models or PAPER_MODELS:
        p = PRESETS[name]
        sets = p.module_sets()  # q and v fused into one matrix: PEFT's default target instead
        for ms in module_sets or ("qv" if "qv" in sets else "default", "attention", "all"):
            if ms not in sets:
                continue
            for r in ranks or RANKS:
                yield p, ms, r


def reference_setting(p: Preset | None, module_set: str | None, r: int
                      ) -> tuple[str, int] | None:
    """The (module set, rank) of the paper that studied `p`, what a claim states kept; None
    when no paper's configuration is known for it."""
    ref = p.reference if p is not None else {}
    if not ref:
        return None
    return module_set or ref["modules"], r or ref["r"]


def describe(p: Preset, module_set: str, r: int) -> str:
    """'llama-7b r=8 on q,v'."""
    return f"{p.name} r={r} on {MODULE_SET_TEXT[module_set]}"


def half_unit(value: float) -> float:
    """Half a unit in the last written decimal of a stated number: 99.6 -> 0.05, 99 -> 0.5."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0.5
    decimals = text.split(".")[1].rstrip("0")
    return 0.5 * 10.0 ** -len(decimals)


def si(n: float) -> str:
    """A count in words-friendly units: 4194304 -> '4.19M'."""
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.3g}"


def is_close(measured: float, stated: float, tol: float) -> bool:
    """Within relative `tol` of the stated value."""
    return math.isclose(measured, stated, rel_tol=tol)


# The words claims use for the adapted modules, for shapes' `modules` groups.
MODULE_WORDS = (r"(?P<modules>all (?:the )?linear(?: layers| modules)?|all modules|"
                r"q\s*,\s*k\s*,\s*v\s*(?:,|and)\s*o|query,? key,? value,? and output|"
                r"(?:w_?)?q(?:uery)?(?:_proj)?\s*(?:,|and|&|/)\s*(?:w_?)?v(?:alue)?(?:_proj)?\b|"
                r"attention(?: projection)?|mlp|feed-?forward)")


def module_set(words: str) -> str | None:
    """The module set a claim's words name ('query and value' -> 'qv'); '' -> None."""
    w = " ".join(words.lower().split())
    if not w:
        return None
    if w in MODULE_SETS or w == "default":
        return w
    if w.startswith("all"):
        return "all"
    if re.fullmatch(r"(?:w_?)?q(?:uery)?(?:_proj)?\s*(?:,|and|&|/)\s*(?:w_?)?v(?:alue)?"
                    r"(?:_proj)?", w):
        return "qv"
    if "attention" in w or re.search(r"q\s*,\s*k|query,? key", w):
        return "attention"
    if "mlp" in w or "feed" in w:
        return "mlp"
    return None
