"""Comparing the title an article states with the title a registry returns."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# "+" is kept: LoRA and LoRA+ are different papers.
_NOT_WORD = re.compile(r"[^0-9a-z+]+")
_SUBTITLE = re.compile(r"\s*(?::|\s-\s|\s–\s|\s—\s)\s*")


def normalize_title(title: str) -> str:
    """Lower case, accents and punctuation removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _main_title(title: str) -> str:
    return normalize_title(_SUBTITLE.split(title.strip(), maxsplit=1)[0])


def titles_match(stated: str | None, actual: str | None, threshold: float = 0.9) -> bool:
    """Whether two titles name the same work, tolerant of case, punctuation and subtitles."""
    a, b = normalize_title(stated or ""), normalize_title(actual or "")
    if not a or not b or a == b:
        return True
    # "LoRA" for "LoRA: Low-Rank Adaptation of Large Language Models", or the subtitle dropped.
    if a == _main_title(actual or "") or b == _main_title(stated or ""):
        return True
    return SequenceMatcher(None, a, b).ratio() >= threshold


def year_matches(stated: int | None, first: int | None, last: int | None = None) -> bool:
    """Whether a stated year fits a work first out in `first` (a year later for a venue)."""
    if stated is None or first is None:
        return True
    return first <= stated <= max(first + 1, last or first)
