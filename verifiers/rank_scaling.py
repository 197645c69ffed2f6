"""How LoRA's trainable parameters (and so its adapter file) grow with the rank r.

Each adapted linear d_out x d_in gets A (r x d_in) and B (d_out x r): r * (d_in + d_out)
parameters, linear in r (Hu et al., 2021, section 4; the paper's Table 6 and 7 list the counts
per rank). A claim states the growth as a power of r ("grows linearly with the rank",
"quadratically") or as two factors ("doubling r doubles the trainable parameters", "going from
r=16 to r=8 halves the count"), from which the power it claims is log(count factor) / log(rank
factor).

The measurement: PEFT's LoRA on a tiny random Llama (every linear of its blocks adapted) at
several ranks, trainable parameters counted after `get_peft_model`; the measured power is the
slope of log(count) against log(r), and the claimed power is compared with it.
"""

from __future__ import annotations

import math
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

PARAMS = (
    Param("power", float, default=1.0, min=0.0, max=8.0,
          help="the power of r the claim says the count grows with (1: linear)"),
    Param("rank_factor", float, default=0.0, min=0.0, max=4096.0,
          help="the factor the rank changes by, when the claim states one (0: none)"),
    Param("count_factor", float, default=0.0, min=0.0, max=1e6,
          help="the factor the count is said to change by (0: none)"),
)

RANKS = (4, 8, 16, 32)
TOLERANCE = 0.02  # of a power: the measured one is exact, a claim's factors are written ones
TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _counts() -> dict[int, int]:
    """Trainable parameters of PEFT's LoRA on a tiny Llama at each rank."""
    from verifiers._tiny import peft_lora, tiny_llama

    out = {}
    for r in RANKS:
        model = peft_lora(tiny_llama(), r=r, alpha=2 * r, targets=TARGETS)
        out[r] = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return out


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Count at each rank, fit the power, compare the claimed one."""
    expected = {k: params[k] for k in ("power", "rank_factor", "count_factor")}
    if not peft_available():
        return result("skipped", PEFT_MISSING, {}, expected)
    counts = _counts()
    logs = [(math.log(r), math.log(n)) for r, n in counts.items()]
    mx = sum(x for x, _ in logs) / len(logs)
    my = sum(y for _, y in logs) / len(logs)
    slope = (sum((x - mx) * (y - my) for x, y in logs)
             / sum((x - mx) ** 2 for x, _ in logs))
    shown = ", ".join(f"r={r}: {n:,}" for r, n in counts.items())
    measured = {"counts": {str(r): n for r, n in counts.items()}, "power": round(slope, 4)}
    claimed = params["power"]
    said = (f"{params['count_factor']:g}x the count for {params['rank_factor']:g}x the rank"
            if params["rank_factor"] else f"count ~ r^{claimed:g}")
    text = (f"PEFT LoRA on a tiny Llama (all seven block linears): {shown} trainable; the count "
            f"grows as r^{slope:.3f}, so {params['rank_factor'] or 2:g}x the rank gives "
            f"{(params['rank_factor'] or 2) ** slope:.3g}x the count; the sentence says {said}")
    ok = abs(claimed - slope) <= TOLERANCE
    return result("supported" if ok else "refuted", text, measured, expected,
                  figure=figure_pair("growth of the count with r (power)", claimed,
                                     round(slope, 3), ""))


# Factors the lexicon marks name (the rank's change; the count's, when not a stated "Nx").
_RANK_MARKS = (("r_x2", 2.0), ("r_x3", 3.0), ("r_x4", 4.0), ("r_half", 0.5))
_COUNT_MARKS = (("c_half", 0.5), ("c_quarter", 0.25), ("c_same", 1.0), ("c_x2", 2.0),
                ("c_x4", 4.0))


def to_params(frame: Frame) -> dict[str, Any] | str:
    """The power of r claimed: a named growth (facets p_linear, p_quadratic), or two factors:
    the rank's (two ranks stated, or a mark r_x2 ...) and the count's (an "Nx" stated, or a
    mark c_half ...)."""
    if frame.has("p_linear"):
        return {"power": 1.0}
    if frame.has("p_quadratic"):
        return {"power": 2.0}
    ranks = frame.conditions.get("ranks") or ()
    rank_factor = 0.0
    if len(ranks) == 2 and ranks[0][0] and ranks[1][0] != ranks[0][0]:
        rank_factor = ranks[1][0] / ranks[0][0]
    else:
        rank_factor = next((v for m, v in _RANK_MARKS if frame.has(m)), 0.0)
    if not rank_factor:
        return "no change of the rank is stated"
    times = [q for q in frame.quantities if q.unit == "x" and q.value > 0]
    count_factor = next((v for m, v in _COUNT_MARKS if frame.has(m)), 0.0)
    if not count_factor and times:
        count_factor = times[-1].value
        if rank_factor < 1 and count_factor > 1:  # "from r=16 to r=8: 2x fewer"
            count_factor = 1 / count_factor
    if not count_factor:
        return "no change of the count is stated"
    power = math.log(count_factor) / math.log(rank_factor)
    return {"power": round(power, 4), "rank_factor": rank_factor,
            "count_factor": count_factor}


VERIFIER = Verifier(
    id="lora.rank_scaling", version=1,
    title="LoRA's trainable parameters grow linearly with the rank r",
    run=run, params=PARAMS, timeout_s=180,
    claims=(("lora", "rank_scaling"), ("qlora", "rank_scaling"), ("dora", "rank_scaling")),
    to_params=to_params,
    examples=("The number of trainable LoRA parameters grows linearly with the rank r.",
              "Doubling the rank doubles the number of trainable parameters.",
              "Going from r=16 to r=8 halves the trainable parameter count."),
    requires=Requires(device="cpu", packages=("peft", "transformers")),
)
