"""Paged optimizers (QLoRA, Dettmers et al. 2023, §3): what they put in managed (unified)
memory, where that memory goes when it leaves the card, and when it leaves.

Measured on a CUDA device with bitsandbytes (`verifiers._paged_measure`): a stack of fp32
linear layers trained from the same start with `PagedAdamW32bit` and with its unpaged twin
`AdamW32bit`. Read: which tensors bitsandbytes allocated in managed memory (the optimizer
state, the weights, the gradients), how much of the card the state took after a step with
room to spare, how much the host's resident memory grew when the state was sent to the host
(cudaMemPrefetchAsync to the CPU, what the driver does when the card runs short) and shrank
when the next step brought it back, and whether the two optimizers' weights ended equal.

A claim that the weights or the gradients are paged is refuted when only the state was; one
that the state goes to disk is refuted when it arrived in host RAM; one that the state is kept
in host RAM (not "when the GPU runs short") is conditional when, with room on the card, it
stayed resident there. Without a GPU the verdict is `skipped` unless evidence recorded on one
matches (`bench/gpu_evidence.py --paged`).
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame

WHAT = ("state", "weights", "gradients")
TO = ("host", "disk", "unstated")
WHEN = ("short", "always", "unstated")
PARAMS = (
    Param("paged", str, default="state", choices=WHAT,
          help="what the claim says the paged optimizer moves out of the card"),
    Param("to", str, default="unstated", choices=TO,
          help="where it says it goes: host (CPU) RAM, disk (SSD, NVMe), or unstated"),
    Param("when", str, default="unstated", choices=WHEN,
          help="short: when the card runs short (spikes); always: kept there; or unstated"),
    Param("width", int, default=2048, min=64, max=8192, help="width of the measured layers"),
    Param("layers", int, default=8, min=1, max=32),
)
MB = 1e6
SHARE = 0.9  # a reading counts as the whole state when it is at least this share of it


def _mb(n: float) -> str:
    return f"{n / MB:,.0f} MB"


def facts(m: dict[str, Any]) -> dict[str, Any]:
    """What the measurement shows, as booleans and byte counts."""
    paged, twin = m["runs"]["paged"], m["runs"]["unpaged"]
    state = paged["state_bytes"]["paged"]
    full = twin["state_bytes"]["unpaged"]
    return {
        "state": state, "weights": paged["weight_bytes"],
        "state_paged": state >= SHARE * full > 0,
        "weights_paged": bool(paged["weights_paged"]),
        "grads_paged": bool(paged.get("grads_paged", False)),
        "resident": paged["after_step"]["outside_allocator"] >= SHARE * state,
        "to_host": paged.get("after_evict", {}).get("host_rss", 0) >= SHARE * state,
        "back": -paged.get("after_next_step", {}).get("host_rss", 0) >= SHARE * state,
        "allocator_state": twin["after_step"]["allocated"],
        "same_update": m["max_weight_diff"] <= 1e-6 < m["max_weight_moved"],
    }


def judge(params: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
    """The verdict for a claim's parameters from one measurement (`_paged_measure.measure`)."""
    f = facts(m)
    measured = {**m, "facts": f}
    seen = (f"only the optimizer state ({_mb(f['state'])}) was allocated in managed memory; "
            f"the weights ({_mb(f['weights'])}) and gradients stayed in the caching allocator")
    moved = (f"sent off the card, the state arrived in host RAM (resident host memory "
             f"+{_mb(m['runs']['paged']['after_evict']['host_rss'])}) and came back at the "
             f"next step")
    if not f["state_paged"]:
        return result("error", "the paged optimizer's state was not in managed memory here: "
                      "the measurement does not show paging", measured)
    what = params["paged"]
    if what != "state":
        if f[{"weights": "weights_paged", "gradients": "grads_paged"}[what]]:
            return result("supported", f"the {what} were allocated in managed memory", measured)
        return result("refuted", f"A paged optimizer pages its own state, not the {what}: "
                      f"{seen}.", measured)
    if params["to"] == "disk" or params["to"] == "host":
        if not f["to_host"]:
            return result("unverifiable", "the state did not show up in host RAM when sent off "
                          "the card", measured)
        if params["to"] == "disk":
            return result("refuted", f"Paged state goes to host RAM, not to disk: {moved}.",
                          measured)
    if params["when"] == "always" and f["resident"]:
        return result("conditional", f"Only when the card runs short: with room on it, the "
                      f"whole state ({_mb(f['state'])}) stayed resident on the GPU after a "
                      f"step; {moved}.", measured)
    same = " The updates equal the unpaged AdamW's." if f["same_update"] else ""
    return result("supported", f"Measured: {seen}; {moved}.{same}", measured)


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure paging on the GPU, then judge the claim."""
    from verifiers._paged_measure import measure

    return judge(params, measure(params["width"], params["layers"]))


def to_params(frame: Frame) -> dict[str, Any] | str:
    """What is paged (marks m_state, m_weights, m_grads), where to (m_disk, m_host) and when
    (m_short; the facet `always` of "kept in CPU RAM")."""
    if frame.has("m_state") or not (frame.has("m_weights") or frame.has("m_grads")):
        what = "state"
    else:
        what = "weights" if frame.has("m_weights") else "gradients"
    to = "disk" if frame.has("m_disk") else "host" if frame.has("m_host") else "unstated"
    when = ("short" if frame.has("m_short") else "always" if frame.has("always")
            else "unstated")
    return {"paged": what, "to": to, "when": when}


VERIFIER = Verifier(
    id="lora.paged_optimizer", version=1,
    title="Paged optimizers: the optimizer state in managed memory, evicted to host RAM when "
          "the card runs short",
    run=run, params=PARAMS, timeout_s=300, to_params=to_params,
    claims=(("*", "paged_state"),),
    examples=("Paged optimizers use NVIDIA unified memory to move optimizer states to CPU RAM "
              "when the GPU runs out of memory.",
              "QLoRA's paged optimizer swaps the model weights out to the SSD."),
    requires=Requires(device="cuda", packages=("bitsandbytes",)),
)
