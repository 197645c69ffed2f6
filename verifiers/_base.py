"""The verifier contract. Stdlib only: this package never imports kbcheck, and importing a
verifier module never imports torch (torch is imported inside `run`).

A verifier module defines one module-level ``VERIFIER = Verifier(...)``. Its ``run(params)``
takes plain, already-validated parameters and returns a plain dict::

    {
      "verdict": "supported" | "refuted" | "conditional" | "unverifiable" | "skipped" | "error",
      "explanation": "one sentence, with the numbers",
      "measured": {...},   # what was measured (the true values)
      "expected": {...},   # what the claim states
    }

Where one stated figure decides the verdict, ``result(..., figure=figure_pair(...))`` adds the pair
(what the sentence states, what was measured) so a report can print ``stated 262,144 ->
measured 131,072``. It travels as ``measured["_figure"]`` (the one key every runner copies);
kbcheck's `Evidence.figure` takes it from there. Optional: a verifier without it still works.

The worker that calls ``run`` adds ``environment`` (see `environment()`) and ``duration_s``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from verifiers._frame import Frame

VERDICTS = ("supported", "refuted", "conditional", "unverifiable", "skipped", "error")

_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12, "thousand": 1e3, "million": 1e6,
           "billion": 1e9, "trillion": 1e12}
_NUMBER = re.compile(
    r"^\s*([-+]?\d[\d,_]*(?:\.\d+)?|[-+]?\.\d+)(?:e([-+]?\d+))?\s*"
    r"(thousand|million|billion|trillion|[kmbt])?\s*$", re.I
)


def parse_number(text: str | int | float) -> float:
    """'4,096' -> 4096.0, '10k' -> 10000.0, '65B' -> 6.5e10, '1e-4' -> 0.0001,
    '4.7 million' -> 4.7e6. ValueError else."""
    if isinstance(text, bool):
        raise ValueError(f"not a number: {text!r}")
    try:  # a 400-digit integer or 1e999 overflows: a bad number, not a crash
        if isinstance(text, int | float):
            return float(text)
        m = _NUMBER.match(str(text)[:100])
        if not m:
            raise ValueError(f"not a number: {str(text)[:40]!r}")
        value = float(m.group(1).replace(",", "").replace("_", ""))
        if m.group(2):
            value *= 10.0 ** int(m.group(2))
        if m.group(3):
            value *= _SUFFIX[m.group(3).lower()]
    except OverflowError as exc:
        raise ValueError(f"number out of range: {str(text)[:40]!r}") from exc
    return value


@dataclass(frozen=True)
class Param:
    """A declared parameter: its type, default, bounds and choices. Article input is untrusted."""

    name: str
    type: type  # int, float, str or bool
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    help: str = ""

    def parse(self, raw: Any) -> Any:
        """Convert and bound-check a raw value (a string from an article or the CLI, or a
        YAML scalar); raises ValueError with a readable message."""
        if self.type is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif str(raw).strip().lower() in ("1", "true", "yes", "on"):
                value = True
            elif str(raw).strip().lower() in ("0", "false", "no", "off"):
                value = False
            else:
                raise ValueError(f"{self.name}: expected true/false, got {raw!r}")
        elif self.type is int:
            number = parse_number(raw)
            if not math.isfinite(number) or number != int(number):
                raise ValueError(f"{self.name}: expected an integer, got {raw!r}")
            value = int(number)
        elif self.type is float:
            value = parse_number(raw)
            if not math.isfinite(value):
                raise ValueError(f"{self.name}: expected a finite number, got {raw!r}")
        elif self.type is str:
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                raise ValueError(f"{self.name}: expected text, got {raw!r}")
            value = str(raw).strip()
            if len(value) > 200:
                raise ValueError(f"{self.name}: text longer than 200 characters")
        else:  # pragma: no cover - a declaration error, not an input error
            raise TypeError(f"unsupported parameter type {self.type!r}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{self.name}: {value!r} is not one of {list(self.choices)}")
        if self.type in (int, float):
            if self.min is not None and value < self.min:
                raise ValueError(f"{self.name}: {value} is below the minimum {self.min}")
            if self.max is not None and value > self.max:
                raise ValueError(f"{self.name}: {value} is above the maximum {self.max}")
        return value


@dataclass(frozen=True)
class Requires:
    """What a verifier needs to run: a device and optional packages (import names)."""

    device: str = "cpu"  # "cpu" (runs anywhere) or "cuda"
    packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verifier:
    """A registered verifier: identity, needs, parameters, the claims it checks and `run`.

    `claims` are the (subject, predicate) pairs of claim frames it checks ("*" for any
    subject); `to_params(frame)` is pure: canonical parameters for `run`, or a sentence saying
    why the frame cannot be checked. A returned "_open" entry lists decisive values the frame
    did not state (the verifier then enumerates them; a refutation needs none open);
    "_condition" names a condition the claim needs and leaves out (a measured `supported`
    becomes `conditional`); "_lower_bound" says the measurement only bounds the claim from
    below (it can refute, never support).
    `examples` are sentences that must pair back to this verifier (the conformance test)."""

    id: str
    version: int
    title: str
    run: Callable[[dict[str, Any]], dict[str, Any]]
    params: tuple[Param, ...] = ()
    claims: tuple[tuple[str, str], ...] = ()
    to_params: Callable[[Frame], dict[str, Any] | str] | None = None
    examples: tuple[str, ...] = ()
    requires: Requires = Requires()
    timeout_s: float = 120.0
    # What a run can still say where `requires` is not met (e.g. an analytic estimate on a CPU
    # for a GPU measurement): same signature and return value as `run`. None: `skipped`.
    fallback: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # It enumerates (or solves for) the rank, modules and model a claim leaves open (a count, a
    # file's size, a scale): the configuration an article stated before the claim may decide it
    # (kbcheck.pairing)
    reads_configuration: bool = False

    def param(self, name: str) -> Param | None:
        """The declared parameter called `name`, if any."""
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        """Every declared parameter at its default."""
        return {p.name: p.default for p in self.params}

    def resolve_params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with `raw`, each value parsed and bounded. ValueError on an unknown
        name or a bad value (all problems in one message)."""
        values = self.defaults()
        problems = []
        for name, value in raw.items():
            p = self.param(name)
            if p is None:
                known = ", ".join(x.name for x in self.params) or "none"
                problems.append(f"unknown parameter {name!r} (known: {known})")
                continue
            try:
                values[name] = p.parse(value)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return values


FIGURE_KEY = "_figure"


def figure_pair(quantity: str, stated: float | str, measured: float | str,
           unit: str = "") -> dict[str, Any]:
    """The decisive pair of a numeric claim: what it states of `quantity` and what was
    measured, both in `unit` (e.g. figure_pair("trainable parameters", 262144, 131072))."""
    return {"quantity": quantity, "stated": _plain(stated), "measured": _plain(measured),
            "unit": unit}


def _plain(value: float | str) -> float | int | str:
    """An int stays an int; a float that is whole becomes one; text stays text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def result(verdict: str, explanation: str, measured: dict | None = None,
           expected: dict | None = None, *, figure: dict[str, Any] | None = None,
           **extra: Any) -> dict[str, Any]:
    """Build a verifier's return value, checking the verdict word; `figure` (see `figure_pair`)
    is the stated/measured pair that decided it, when there is one."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    measured = dict(measured or {})
    if figure is not None:
        measured[FIGURE_KEY] = figure
    return {"verdict": verdict, "explanation": explanation, "measured": measured,
            "expected": expected or {}, **extra}
