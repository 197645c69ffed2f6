"""Family 3b: merged LoRA adds no inference latency; unmerged LoRA does, and by how much.

Times, per layer and interleaved round by round (`_timing`), the base `nn.Linear`, the merged
layer (a plain `nn.Linear` holding W0 + s B A, what merging produces) and the unmerged
reference LoRA layer (W0 x + s B (A x)) at each rank, over the sizes people mean
(`_latency_grid`: LLaMA-7B's 4096 x 4096 and 11008 x 4096 layers, decoding and prompts at batch
1 and larger, plus a 512-wide layer when no model is named). Ratios to the base are medians of
per-round ratios with bootstrap intervals. A direction ("adds no latency once merged") is
judged over every setting; a stated size ("45% slower", "3x", "adds 2 ms") is compared with
each setting, and the verdict says in which settings it holds.
"""

from __future__ import annotations

import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._split import split_said

WEIGHTS = ("unspecified", "merged", "unmerged")


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Time base, merged and unmerged layers over the grid and judge the latency claim."""
    from verifiers._latency_grid import measure_grid

    grid = measure_grid(params)
    measured: dict[str, Any] = {
        "settings": grid,
        "note": "per layer: merged = plain nn.Linear holding W0 + s B A (the base's "
                "operation); unmerged = W0 x + s B (A x) at each rank; ratios are medians of "
                "per-round ratios to the base with 95% bootstrap intervals",
        "dtype": params["dtype"], "device": params["device"],
        "threads": params["threads"] if params["device"] == "cpu" else None}
    measured["peft"] = _peft_half(params)
    expected = {k: params[k] for k in ("claim", "weights", "tol", "size_unit", "size_low",
                                       "size_high", "r", "batch", "seq", "model_stated")}
    table = _table(grid)
    if params["claim"] == "not_slower_by":
        verdict, why = _size_verdict(params, grid)
        return result(verdict, f"{why}. Measured: {table}.", measured, expected)
    if params["claim"] == "faster":
        verdict, why = _faster_verdict(params["weights"], grid, params["tol"])
        return result(verdict, f"{why}: {table}.", measured, expected)
    merged, unmerged = _overall(grid, params["tol"])
    measured["merged_class"], measured["unmerged_class"] = merged, unmerged
    relevant = {"merged": (merged,), "unmerged": (unmerged,)}.get(params["weights"],
                                                                  (merged, unmerged))
    if "unclear" in relevant:
        return result("conditional", f"Timing did not separate from the tolerance line: "
                                     f"{table}.", measured, expected)
    verdict, why = _verdict(params["claim"], params["weights"], merged, unmerged)
    return result(verdict, f"{why}: {table}.", measured, expected)


def _unmerged(entry: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return sorted((int(k[len("unmerged_r"):]), v) for k, v in entry.items()
                  if k.startswith("unmerged_r"))


def _name(entry: dict[str, Any]) -> str:
    return f"{entry['d']}x{entry['k']} batch {entry['batch']} seq {entry['seq']}"


def _table(grid: list[dict[str, Any]]) -> str:
    """One part per setting: merged and unmerged (each rank) as % over the base, with CIs."""
    def pct(e: dict[str, Any]) -> str:
        return f"{e['ratio'] - 1:+.1%} [{e['low'] - 1:+.1%}, {e['high'] - 1:+.1%}]"

    parts = []
    for e in grid:
        unm = ", ".join(f"r={r} {pct(v)} ({v['added_ms']:+.3f} ms)" for r, v in _unmerged(e))
        parts.append(f"{_name(e)} (base {e['median_ms']['base']:.3f} ms): merged "
                     f"{pct(e['merged'])}, unmerged {unm}")
    return "; ".join(parts)


def _overall(grid: list[dict[str, Any]], tol: float) -> tuple[str, str]:
    """Merged and unmerged classes ('same' / 'slower' / 'unclear') over every setting.

    Merged is the base's operation (a plain layer of the same shape): it counts as slower only
    when most settings time it surely above 1 + tol, so one noisy setting cannot flip it.
    Unmerged is slower when any setting times it surely above the base (its interval above 1)
    and by a material amount (median above +2%); the same when every interval stays under
    1 + tol."""
    slow_merged = sum(e["merged"]["low"] > 1 + tol for e in grid)
    merged = "slower" if slow_merged * 2 > len(grid) else "same"
    unm = [v for e in grid for _, v in _unmerged(e)]
    if any(v["low"] > 1.0 and v["ratio"] > 1.02 for v in unm):
        return merged, "slower"
    return merged, "same" if all(v["high"] <= 1 + tol for v in unm) else "unclear"


def _faster_verdict(weights: str, grid: list[dict[str, Any]], tol: float) -> tuple[str, str]:
    """'Faster than the base model': the weights named must time surely below 1 - tol in most
    settings; they are not faster where most settings keep the interval's low end at or above
    1 - tol (merged weights are the base's own operation)."""
    states = {"merged": [e["merged"] for e in grid],
              "unmerged": [v for e in grid for _, v in _unmerged(e)]}
    named = (weights,) if weights in states else ("merged", "unmerged")
    classes = {}
    for state in named:
        timed = states[state]
        faster = sum(v["high"] < 1 - tol for v in timed)
        not_faster = sum(v["low"] >= 1 - tol for v in timed)
        classes[state] = ("faster" if faster * 2 > len(timed) else
                          "not faster" if not_faster * 2 > len(timed) else "unclear")
    said = "; ".join(f"{s} weights are {c} than the base" for s, c in classes.items())
    if "unclear" in classes.values():
        return "unverifiable", f"Timing did not separate from the tolerance line ({said})"
    if all(c == "faster" for c in classes.values()):
        return "supported", f"Measured: {said}"
    if all(c == "not faster" for c in classes.values()):
        return "refuted", (f"Measured: {said} (a merged layer is the base's own operation, "
                           "so it cannot beat the base)")
    return "conditional", f"Measured: {said}"


def _match(stated: tuple[float, float], unit: str, e: dict[str, Any]) -> str:
    """Whether one timed layer agrees with a stated slow-down: 'holds', 'fails', 'unclear'.

    Timings move with hardware and load, so a stated figure is given room: a percentage
    [a, b] holds for a measured overhead in [0.75 a - 2, 1.25 b + 2] points, a factor for a
    ratio within 25% of it. 'fails' needs the whole interval outside that band."""
    a, b = stated
    if unit == "pct":
        band = (0.75 * a - 2.0, 1.25 * b + 2.0)
        point, low, high = (100 * (e[key] - 1) for key in ("ratio", "low", "high"))
    else:
        band = (a / 1.25, b * 1.25)
        point, low, high = e["ratio"], e["low"], e["high"]
    if band[0] <= point <= band[1]:
        return "holds"
    return "fails" if high < band[0] or low > band[1] else "unclear"


def _stated(params: dict[str, Any]) -> str:
    a, b = params["size_low"], params["size_high"]
    figure = f"{a:g}" if a == b else f"{a:g}-{b:g}"
    return {"pct": f"{figure}% slower", "x": f"{figure}x slower",
            "ms": f"{figure} ms added"}[params["size_unit"]]


def _size_verdict(params: dict[str, Any], grid: list[dict[str, Any]]) -> tuple[str, str]:
    """The verdict on 'not X slower' (the frame is denied: the pipeline turns it round)."""
    unit, stated, what = params["size_unit"], (params["size_low"], params["size_high"]), \
        _stated(params)
    weights = params["weights"]
    if unit == "ms":
        return _ms_verdict(params, grid, what)
    entries = [(f"{_name(e)}, merged", e["merged"]) for e in grid] if weights == "merged" \
        else [(f"{_name(e)}, r={r}", v) for e in grid for r, v in _unmerged(e)]
    marks = {name: _match(stated, unit, v) for name, v in entries}
    # an interval that reaches the band is consistent with the figure, though its median is not
    holds = [n for n, m in marks.items() if m == "holds"] or [
        f"{n} (its interval reaches the figure)" for n, m in marks.items() if m == "unclear"]
    fails = [n for n, m in marks.items() if m == "fails"]
    ratios = [v["ratio"] for _, v in entries]
    span = (f"{min(ratios) - 1:+.1%} to {max(ratios) - 1:+.1%}" if unit == "pct"
            else f"{min(ratios):.2f}x to {max(ratios):.2f}x")
    if weights == "merged":
        if len(fails) * 2 > len(entries):
            return "supported", (f"Merged LoRA is not {what}: the merged layer is the base's "
                                 f"operation at every size (measured {span})")
        # a merged layer is the base's own operation: a slow-down the timings can neither
        # confirm nor rule out is noise on this machine, not a setting where the figure holds
        return "unverifiable", (f"Merged LoRA timed {span}; '{what}' is not decided here "
                                "(the timings are too noisy to rule it out)")
    only = " only for unmerged weights, and" if weights == "unspecified" else ""
    if all(m == "holds" for m in marks.values()) and not only:
        return "refuted", f"Unmerged LoRA is {what} in every setting timed (measured {span})"
    if holds:
        rest = [n for n in marks if marks[n] == "fails"]
        return "conditional", (f"'{what}' holds{only} in some settings: {'; '.join(holds)}"
                               + (f"; not in {'; '.join(rest)}" if rest else ""))
    low, high = (100 * (min(ratios) - 1), 100 * (max(ratios) - 1)) if unit == "pct" else (
        min(ratios), max(ratios))
    if low <= stated[1] and stated[0] <= high:
        return "conditional", (f"'{what}' lies between the settings timed ({span}): it holds"
                               f"{only} at some layer size, batch and sequence length between "
                               "them, which the claim does not state")
    missing = [n for n, v in (("the rank", params["r"]), ("the batch size", params["batch"]),
                              ("the sequence length", params["seq"]),
                              ("the model", params["model_stated"]),
                              ("the hardware", False)) if not v]
    return "unverifiable", (f"No setting timed here gives '{what}' (measured {span} on "
                            f"{params['device']}), but the claim leaves open "
                            f"{', '.join(missing)}, which decide the size of a slow-down")


def _ms_verdict(params: dict[str, Any], grid: list[dict[str, Any]], what: str,
                ) -> tuple[str, str]:
    """'adds N ms': added time per adapted 4096-wide layer, times 64 (q and v of LLaMA-7B's 32
    blocks) to 224 (all seven projections), over the settings where unmerged is surely slower
    (an interval above 1: a noisy setting with a negative difference cannot widen the span);
    never refuted, since the hardware decides it and the claim does not name this one."""
    added = [v["added_ms"] for e in grid if not e["small"] for _, v in _unmerged(e)
             if v["low"] > 1.0 and v["added_ms"] > 0]
    if not added:
        return "unverifiable", ("Unmerged LoRA was not surely slower than the base in any "
                                f"7B-like setting here ({params['device']}), so no added time "
                                "could be read")
    low, high = min(added) * 64, max(added) * 224
    span = (f"{low:.2f}-{high:.2f} ms per forward pass of a 7B-like model (per layer "
            f"{min(added):+.3f} to {max(added):+.3f} ms, x64 to x224 adapted layers, "
            f"{params['device']})")
    if 0.75 * low <= params["size_high"] and params["size_low"] <= 1.25 * high:
        return "conditional", (f"'{what}' holds in some settings here: {span}; how much time "
                               "an unmerged adapter adds depends on the hardware")
    return "unverifiable", (f"Measured {span}; how much time an unmerged adapter adds depends "
                            "on the hardware, which the claim does not state")


def _peft_half(params: dict[str, Any]) -> dict[str, Any]:
    from verifiers._tiny import PEFT_MISSING, peft_available

    if not params["peft"]:
        return {"skipped": "not requested (peft=true also times a tiny Llama under PEFT)"}
    if not peft_available():
        return {"skipped": PEFT_MISSING}
    from verifiers._merge_peft import peft_model_timing

    return peft_model_timing({**params, "r": params["r"] or 16})


def _verdict(claim: str, weights: str, merged: str, unmerged: str) -> tuple[str, str]:
    """The verdict from the classes ('same'/'slower') of merged and unmerged vs base."""
    no_latency = claim == "no_latency"
    if weights == "merged":
        ok = (merged == "same") == no_latency
        return ("supported" if ok else "refuted"), "Merged LoRA " + (
            "runs as fast as the base" if merged == "same" else "is slower than the base")
    if weights == "unmerged":
        ok = (unmerged == "same") == no_latency
        return ("supported" if ok else "refuted"), "Unmerged LoRA " + (
            "runs as fast as the base" if unmerged == "same" else "is slower than the base")
    if merged == unmerged:
        ok = (merged == "same") == no_latency
        return ("supported" if ok else "refuted"), f"Merged and unmerged are both {merged}"
    if merged == "same":
        return "conditional", ("No added latency holds only once the weights are merged; "
                               "unmerged LoRA is slower" if no_latency else
                               "Added latency holds only for unmerged LoRA; merged is not slower")
    return "conditional", "Merged LoRA is slower than the base but unmerged is not"


_STATE = {True: "merged", False: "unmerged"}
_THAN = re.compile(r"\b(?:than|compared\s+(?:to|with)|relative\s+to|in\s+comparison\s+(?:to|with)|"
                   r"versus|vs\.?|(?:identical|equal|"
                   r"similar)\s+to|the\s+same\s+as|as\s+(?:fast|quick|slow)\s+as)\s+"
                   r"(?:[\w-]+\s+){0,2}?"
                   r"(?:an?\s+|one\s+|the\s+)?(?:single\s+)?$", re.I)


def weights_of(frame: Frame) -> str:
    """Which weights the claim is about: 'merged', 'unmerged' or 'unspecified'.

    The lexicon marks where the merge state is written (latency.yaml): a state written right
    before the words the claim was read from wins ("unmerged it's slower, merged it's the same
    speed": the 'fast' words sit after 'merged'); then a sentence that opens with merging
    ("By merging the weights before deployment, ..."); then the one state the sentence names
    (the lexicon's marks; where they name none, an unmerged `merged` condition: the
    condition's merged reading also fires on "cannot be merged", said of adapters). Both named
    with nothing to tell them apart: unspecified."""
    if frame.has("both_states"):  # "merged or not, it never adds latency": every state
        return "unspecified"
    state, at, said = frame.conditions.get("merged"), frame.spans.get("merged"), \
        frame.spans.get("predicate")
    if isinstance(state, bool) and at and said and said[1] <= at[0] \
            and _THAN.search(frame.text, max(said[0], at[0] - 40), at[0]):
        # "serving 8 adapters in one batch is slower than serving one merged model": the state
        # named after "than" is what the other is set against (the comparison's words may be
        # what the claim was read from: "is as fast as serving a merged model")
        return _STATE[not state]
    kind = "fast" if frame.has("fast") else "slow" if frame.has("slow") else ""
    local = {s for s in ("merged", "unmerged") if kind and frame.has(f"{s}_{kind}")}
    named = {s for s in ("merged", "unmerged") if frame.has(f"{s}_state")}
    state = frame.conditions.get("merged")
    if len(local) == 1:
        here = local.pop()
        if len(named) == 2 and isinstance(state, bool) and here != _STATE[state]:
            # "unmerged = two extra matmuls per layer; merged = zero overhead": the marks place
            # cost words after each state; the claim's own clause names its state (where the
            # sentence puts the cost on the unmerged weights and has merging take it away,
            # "unmerged adapters add extra matmuls; merge them, which removes that overhead":
            # the measured split)
            return "unspecified" if split_said(frame.text) else _STATE[state]
        return here
    if frame.has("merged_lead"):
        return "merged"
    if len(named) == 2 and isinstance(state, bool) and said and any(
            m.start() >= said[0] and _THAN.search(frame.text, max(0, m.start() - 40), m.start())
            for m in re.finditer(rf"\b{_STATE[state]}\b", frame.text)):
        # "unmerged it costs nothing - the latency is identical to the merged model": the
        # state in the claim's clause is what the other is set against
        return _STATE[not state]
    if len(named) == 2 and isinstance(state, bool) and not split_said(frame.text):
        # both named in the sentence, one in the claim's own clause ("unmerged it is slower,
        # but merged LoRA runs at the base's speed")
        return _STATE[state]
    if frame.has("unmerged_lead") and (named == {"unmerged"} or frame.has("merge_declined")):
        # "Unmerged LoRA adapters add zero compute, so there is no reason to merge": the
        # subject itself is the unmerged weights (not where a merge is asserted beside it:
        # "Unmerged LoRA costs nothing, since the update is folded into W")
        return "unmerged"
    if named == {"merged"} and state is False:
        return "unmerged"  # the merge is advised against the slowness the sentence states
    if not named and frame.conditions.get("merged") is False:
        named.add("unmerged")  # separate weights in words the marks do not list
    return named.pop() if len(named) == 1 else "unspecified"


_VARIANT = re.compile(r"\bLoRA\+|\bloraplus\b|\brs-?LoRA\b|\buse_rslora\b", re.I)
_AS_LORA = re.compile(r"\b(?:as|than|of|with|to)\s+(?:the\s+)?(?:plain|standard|vanilla|regular|"
                      r"ordinary|normal|classic|original)\s+LoRA\b|\bsame\s+(?:[\w-]+\s+){0,2}?"
                      r"(?:cost|compute|FLOPs|latency)\b(?![^.;]{0,30}\bbase\b)", re.I)


# the latency of a part of the model ("MLP latency", "the attention layers' time")
_PART_LATENCY = re.compile(r"\b(?:MLP|feed-?forward|FFN|attention|embedding)\s+(?:layers?'?\s+|"
                           r"blocks?'?\s+|projections?'?\s+)?(?:latency|time|speed|cost)\b",
                           re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """LoRA adds no inference latency (the predicate as the lexicon names it; a sentence that
    says it adds latency is its denial), merged, unmerged or unstated. A stated size of the
    slow-down in a sentence that says it adds latency ("45% more time", "3x slower", "adds
    2 ms") is judged as stated, over the settings the claim leaves open (`not_slower_by`: the
    denied predicate with its size, turned round by the pipeline); rank, batch, sequence
    length and model are taken from the sentence where it states them."""
    if frame.has("op_duration") and not frame.has("slowdown_size"):
        return ("a duration of merging, loading or swapping, not the inference latency of merged "
                "or unmerged weights that this verifier times")
    if frame.has("not_inference"):
        return ("about training speed or (de)quantization overhead, not the inference latency "
                "of merged or unmerged LoRA weights that this verifier times")
    if frame.has("slow") and (frame.has("adapter_terms_slow")
                              or (frame.has("adapters_slow") and frame.has("names_lora"))):
        return ("the latency is said of adapters (bottleneck adapters under a name the method "
                "vocabulary does not know, or set against LoRA), not of LoRA")
    if _VARIANT.search(frame.text) and _AS_LORA.search(frame.text):
        # "LoRA+ keeps the compute cost of standard LoRA", "rsLoRA's inference cost is the same
        # as plain LoRA's": a variant set against LoRA, not LoRA against its base model
        return ("the cost is set against plain LoRA (a variant beside it), not against the base "
                "model that this verifier times")
    if _PART_LATENCY.search(frame.text):
        # "unmerged LoRA only touches the attention projections, so MLP latency is unaffected"
        return ("the latency of one part of the model (its MLP or attention layers), not of the "
                "whole forward pass this verifier times")
    params: dict[str, Any] = {"claim": "no_latency", "weights": weights_of(frame)}
    if frame.has("faster_base"):
        # "merging makes it run faster than the original base model": beyond the base's speed
        params["claim"] = "faster"
        return params
    if frame.polarity and frame.has("hedged_zero") and params["weights"] == "unmerged":
        # "leaving adapters unmerged costs essentially nothing in latency": unmerged weights do
        # cost a few percent, and whether that is "essentially nothing" is the writer's call
        return ("a hedged zero ('essentially nothing', 'virtually no'): how small a slow-down "
                "counts as none is not stated")
    if params["weights"] == "unspecified" and not frame.polarity and frame.has("modal_all") \
            and frame.has("slow") and not split_said(frame.text):
        # (not "an unmerged layer always runs an extra matmul, so merge": the cost is put on
        # the unmerged weights, and merging is what takes it away)
        # "LoRA always makes inference slower": a claim of every setting, which the merged
        # one decides
        params["weights"] = "merged"
    if params["weights"] == "unspecified" and split_said(frame.text):
        params["_split"] = True  # "unmerged it costs extra matmuls; merging removes them"
    elif params["weights"] == "unspecified" and frame.polarity and not any(
            frame.has(m) for m in ("both_states", "served_apart", "modal_all", "merged_state",
                                   "unmerged_state")) and "merged" not in frame.conditions:
        # "LoRA adds no inference latency", no merge state named: the method's property, which
        # it has by merging (the paper's claim); the merged weights are timed against the base,
        # and the grid shows what unmerged ones cost beside them
        params["weights"] = "merged"
    elif frame.has("both_states"):
        # "with or without merging, it adds no latency": a claim of every state, which one
        # state measured against it refutes
        params["_modality"] = "all"
    c = frame.conditions
    for key in ("r", "batch", "seq"):
        if isinstance(c.get(key), int | float) and c[key] >= 1:
            params[key] = int(c[key])
    params["model_stated"] = bool(c.get("model") or c.get("size_b"))
    size = [q for q in frame.quantities if q.unit in ("pct", "x") and q.value > 0
            and not (q.unit == "x" and q.value == 1)]
    ms = [q for q in frame.quantities if q.unit == "seconds" and 0 < q.value < 10]
    if frame.polarity or not frame.has("slow"):
        if size and frame.has("slowdown_size"):
            params["_condition"] = (f"in some settings: the stated size ({size[0].text}) of "
                                    "a speed-up or bound depends on rank, batch size, "
                                    "sequence length and kernels; its direction is timed")
        return params
    if size and frame.has("slowdown_size"):
        q = size[0]
        low, high = (q.value, q.high) if q.bound == "range" and q.high else (q.value, q.value)
        params.update(claim="not_slower_by", size_unit=q.unit, size_low=low, size_high=high)
        params["_condition"] = ("on hardware like the one timed here: how much slower unmerged "
                                "weights run depends on the device, rank, batch and sequence "
                                "length, which a stated size leaves open")
    elif ms:
        q = ms[0]
        high = q.high if q.bound == "range" and q.high else q.value
        params.update(claim="not_slower_by", size_unit="ms", size_low=1e3 * q.value,
                      size_high=1e3 * high)
    return params


VERIFIER = Verifier(
    id="lora.merge_latency",
    version=2,
    title="Merged LoRA adds no inference latency; unmerged LoRA does, by how much at 7B-like "
          "layer sizes (interleaved timing)",
    run=run,
    params=(
        Param("claim", str, default="no_latency",
              choices=("no_latency", "adds_latency", "not_slower_by", "faster"),
              help="not_slower_by: the denied predicate with a stated slow-down (size_*); "
                   "faster: said to run faster than the base model"),
        Param("weights", str, default="unspecified", choices=WEIGHTS,
              help="whether the claim says the LoRA weights are merged"),
        Param("size_unit", str, default="", choices=("", "pct", "x", "ms"),
              help="unit of a stated slow-down: percent, factor, or milliseconds added"),
        Param("size_low", float, default=0.0, min=0.0, max=1e6),
        Param("size_high", float, default=0.0, min=0.0, max=1e6),
        Param("r", int, default=0, min=0, max=1024, help="LoRA rank; 0: ranks 8 and 64"),
        Param("batch", int, default=0, min=0, max=4096, help="0: enumerated (1 and larger)"),
        Param("seq", int, default=0, min=0, max=65536, help="0: enumerated (1 and longer)"),
        Param("model_stated", bool, default=False,
              help="the claim names a model: 7B-like layers only (else a 512-wide one too)"),
        Param("alpha", float, default=16.0, min=1e-3, max=4096.0),
        Param("dtype", str, default="fp32", choices=("fp32", "bf16", "fp16")),
        Param("tokens", int, default=16, min=1, max=8192, help="tokens of the PEFT half"),
        Param("rounds", int, default=30, min=5, max=2000,
              help="interleaved rounds per setting (fewer where the time budget says so)"),
        Param("budget_s", float, default=3.0, min=0.1, max=120.0,
              help="seconds of timing per setting"),
        Param("tol", float, default=0.10, min=0.0, max=1.0,
              help="relative slowdown below which a ratio counts as no latency"),
        Param("device", str, default="cpu", choices=("cpu", "cuda")),
        Param("threads", int, default=1, min=1, max=256, help="CPU threads while timing"),
        Param("peft", bool, default=False, help="also time a tiny Llama under PEFT (base, "
              "merge_and_unload, unmerged)"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("lora", "no_added_latency"),),
    to_params=to_params,
    examples=("Once the low-rank update is merged into W, LoRA adds no inference latency.",
              "Serving LoRA with the adapter kept separate makes every forward pass slower.",
              "LoRA introduces no extra latency at inference.",
              "Unmerged LoRA makes inference 45% slower than the base model."),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=300.0,
)
