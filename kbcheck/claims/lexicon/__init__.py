"""The claim vocabularies as data: methods, models, modules, units, predicates, the word lists
their patterns share (words), the words of sentences that assert nothing (unasserted) and of
why one is unverifiable (unpaired), and the rewrites of another's words that a sentence sets
aside (set_aside).

Each is one YAML file beside this module; adding a word is a data change. Files are read once
per process and never executed (safe_load).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).resolve().parent


@cache
def load(name: str) -> Any:
    """The parsed vocabulary `name` (units, methods, models, modules, cues); `predicates` is
    the folder of one file per claim family, concatenated in name order."""
    if (FOLDER / name).is_dir():
        out: list[Any] = []
        for path in sorted((FOLDER / name).glob("*.yaml")):
            out += yaml.safe_load(path.read_text(encoding="utf-8")) or []
        return out
    return yaml.safe_load((FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))
