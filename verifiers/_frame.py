"""Claim frames: what a sentence says, typed, as verifiers receive it. Stdlib only.

kbcheck's claim layer reads each sentence once into frames (`kbcheck.claims.recognise`);
a verifier's `to_params(frame)` turns a frame into canonical parameters, or says why it cannot.
Verifiers never read text: everything they need is a slot here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Units a quantity can carry. Sizes are in bytes whatever prefix the text used (GB is 10^9,
# GiB 2^30); `stated_unit` keeps what was written.
UNITS = ("pct", "x", "bytes", "bits", "params", "count", "seconds")


@dataclass(frozen=True)
class Quantity:
    """A number read from a sentence: value, unit, bound, the precision it was stated with.

    `bound`: eq, approx, le (up to, at most, under), ge (at least, over, 140+), range (value
    .. high). `precision` is half a unit of the last written digit, in the unit's scale
    ("99.6%" -> 0.05, "4.2 million" -> 50,000). `role` is what the quantity measures, read
    from the words around it (gpu, model, adapter, rank, lr, memory, latency, …); '' if none.
    """

    value: float
    unit: str
    bound: str = "eq"
    high: float | None = None
    precision: float = 0.0
    stated_unit: str = ""
    role: str = ""
    text: str = ""
    span: tuple[int, int] = (0, 0)

    def interval(self, slack: float = 0.0) -> tuple[float, float]:
        """The values the statement allows: its bound widened by its precision (and by a
        relative `slack` for approximate statements)."""
        pad = self.precision + (slack * abs(self.value) if self.bound == "approx" else 0.0)
        if self.bound == "le":
            return (-math.inf, self.value + pad)
        if self.bound == "ge":
            return (self.value - pad, math.inf)
        if self.bound == "range" and self.high is not None:
            return (self.value - pad, self.high + self.precision)
        return (self.value - pad, self.value + pad)

    def holds(self, measured: float, slack: float = 0.0) -> bool:
        """Whether a measured value is consistent with this statement."""
        low, high = self.interval(slack)
        return low <= measured <= high


@dataclass(frozen=True)
class Frame:
    """One claim read from a sentence: a subject, what is said of it, and with which values.

    `polarity` is False when the sentence denies the predicate ("does not fit", "no
    latency" for the predicate adds-latency): verifiers check the predicate as stated in the
    lexicon, and the pipeline turns the verdict round in one place. `conditions` holds the
    canonical values read from the text: model (preset id), size_b, modules, r, alpha, d, k,
    merged (True / False), batch, seq, dtype, gpu_bytes, gpus, order ('BA' / 'AB') … only
    what the sentence states. `spans` maps each filled slot to (start, end) in `text`
    (`subject` only when the sentence names it).
    """

    subject: str
    predicate: str
    text: str
    polarity: bool = True
    quantities: tuple[Quantity, ...] = ()
    baseline: str = ""
    conditions: dict[str, Any] = field(default_factory=dict)
    cues: tuple[str, ...] = ()
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    def first(self, *units: str, role: str | None = None) -> Quantity | None:
        """The first quantity in one of `units` (and with `role`, when given)."""
        for q in self.quantities:
            if q.unit in units and (role is None or q.role == role):
                return q
        return None

    def has(self, cue: str) -> bool:
        """Whether the lexicon marked this frame with `cue` (a named word class it saw)."""
        return cue in self.cues

    @property
    def subject_named(self) -> bool:
        """Whether the sentence names its subject (else it is the article's, by default)."""
        return "subject" in self.spans

    def slots(self) -> dict[str, str]:
        """Each filled slot and the text that filled it, for the report."""
        return {name: self.text[a:b] for name, (a, b) in self.spans.items()}


def half_unit(text: str) -> float:
    """Half a unit of the last significant digit of a number as written: '99.6' -> 0.05,
    '4096' -> 0.5, '140' -> 5, '10,000' -> 5,000 (trailing zeros of a whole number are read
    as rounding, as statcheck reads a reported figure)."""
    digits = text.replace(",", "").strip()
    if "." in digits:
        return 0.5 * 10.0 ** -len(digits.split(".", 1)[1])
    zeros = len(digits) - len(digits.rstrip("0"))
    return 0.5 * 10.0 ** zeros if zeros < len(digits) else 0.5
