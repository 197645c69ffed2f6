"""DoRA's budget beside LoRA's at the same rank: extra parameters, their shape, training cost.

DoRA (Liu et al., 2024, Eq. 5) keeps LoRA's B and A and adds a trainable magnitude m with one
entry per output feature of every adapted matrix (PEFT: `lora_magnitude_vector`, the norm of
each row of the (out, in) weight). So the extra parameters are the sum of the adapted
matrices' output widths, whatever the rank. Counted three ways: on each preset, one meta-device
vector of `out_features` per adapted linear of every block; on a tiny Llama with real PEFT
(`use_dora=True` vs `False`), the trainable counts' difference, the magnitudes' `numel()` and
their shapes, which check the rule. Training cost: a few AdamW steps of the same tiny Llama
with and without `use_dora`, measured as memory (after a warm-up step: bytes of the weights,
gradients and AdamW states, plus every tensor autograd saves for the backward pass, counted
once per storage; exact, so the same on every run) and time (steps interleaved, the median of
per-round DoRA / LoRA ratios with a seeded bootstrap 95% interval). "More" holds beyond a
margin (memory 5%, time 5%: the interval above it), "the same" within it (the interval below
it); a time interval across the margin decides nothing. The ratios are for this tiny model,
where activations weigh more than in a 7B model whose weights dominate.
"""

from __future__ import annotations

import re
import statistics
import time
import weakref
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._configs import RANKS, describe, module_set, modules_for, si
from verifiers._frame import Frame
from verifiers._presets import PRESETS, resolve
from verifiers._tiny import PEFT_MISSING, peft_available
from verifiers.param_count import encode_figure, figure_holds, parse_figures

CLAIMS = ("count", "shape", "cost", "ratio", "extra")
SHAPES = ("per_output", "per_matrix", "vector_per_layer", "per_input", "full_matrix",
          "per_rank")
RESOURCES = ("memory", "time", "both")
# Models the DoRA paper fine-tunes (LLaMA 7B/13B, LLaMA-2 7B, LLaMA-3 8B): a claim that names
# none is enumerated over these.
MODELS = ("llama-7b", "llama-13b", "llama3-8b")
MODULE_SETS = ("qv", "attention", "all")
# The tiny Llama's module names per set, for the PEFT halves.
TINY_TARGETS = {"qv": ("q_proj", "v_proj"), "attention": ("q_proj", "k_proj", "v_proj", "o_proj"),
                "mlp": ("gate_proj", "up_proj", "down_proj"),
                "all": ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                        "down_proj")}

PARAMS = (
    Param("claim", str, default="count", choices=CLAIMS,
          help="count: stated parameter counts; shape: how many magnitudes per matrix; cost: "
               "DoRA trains with more memory / time than LoRA"),
    Param("figures", str, default="", help="stated counts, param_count's encoding (kind lora)"),
    Param("magnitude", bool, default=False,
          help="the count is of the magnitudes alone (else: the magnitudes, or all DoRA trains)"),
    Param("model", str, default="", help="a preset id; empty: the DoRA paper's models"),
    Param("modules", str, default="", help="qv, attention, mlp, all; empty: enumerated"),
    Param("r", int, default=0, min=0, max=1024, help="0: enumerated where it matters"),
    Param("shape", str, default="per_output", choices=SHAPES),
    Param("ratio", float, default=0.0, min=0.0, max=1000.0,
          help="claim ratio: DoRA's trainable count over LoRA's at the same rank"),
    Param("ratio_tol", float, default=0.05, min=0.0, max=1.0, help="relative tolerance"),
    Param("resource", str, default="both", choices=RESOURCES),
    Param("margin_memory", float, default=0.05, min=0.0, max=1.0),
    Param("margin_time", float, default=0.05, min=0.0, max=1.0),
    Param("faster", bool, default=False,
          help="the claim is that DoRA's training step takes less time than LoRA's"),
    Param("rounds", int, default=20, min=3, max=200, help="interleaved timed steps per model"),
    Param("seed", int, default=0, min=0, max=2**31 - 1),
)


# a count for each part ("4096 magnitudes for each of the 64 adapted projections")
_FOR_EACH = re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:for\s+each(?:\s+of)?|per|in\s+each|"
                       r"for\s+every)\s+(?:the\s+|its\s+)?(?:\d+\s+)?(?:adapted\s+|wrapped\s+|"
                       r"target\s+)?(?:projections?|layers?|modules?|matri(?:x|ces)|linears?)\b",
                       re.I)


# --- counts on the presets ---------------------------------------------------------------------


def magnitude_row(model: str, modules: str, r: int) -> dict[str, Any]:
    """One meta-device magnitude vector of `out_features` per adapted linear, every block."""
    import torch

    p = PRESETS[model]
    mags = 0
    for group, linear in p.matching(modules_for(p, modules)):
        m = torch.empty(linear.out_f, device="meta")
        mags += group.count * linear.copies * m.numel()
    lora = p.lora_params(r, modules_for(p, modules))
    return {"model": model, "modules": modules, "r": r, "magnitude": mags, "lora": lora,
            "dora": lora + mags}


def _count_holds(row: dict[str, Any], figures: list[dict[str, Any]], magnitude: bool) -> bool:
    """Every stated count is one of the configuration's (LoRA's beside DoRA's is the
    comparison's baseline), and at least one is DoRA's own (the magnitudes, or its total)."""
    own = [row["magnitude"]] if magnitude else [row["magnitude"], row["dora"]]
    every = [row["magnitude"], row["dora"], row["lora"]]
    return (all(any(figure_holds(f, v) for v in every) for f in figures)
            and any(figure_holds(f, v) for f in figures for v in own))


def _counts(params: dict[str, Any]) -> dict[str, Any]:
    figures = parse_figures(params["figures"])
    models = [params["model"]] if params["model"] else list(MODELS)
    sets = [params["modules"]] if params["modules"] else list(MODULE_SETS)
    ranks = [params["r"]] if params["r"] else [8] if params["magnitude"] else list(RANKS)
    rows = [magnitude_row(m, s, r) for m in models for s in sets for r in ranks
            if s in PRESETS[m].module_sets()]
    holds = [_count_holds(x, figures, params["magnitude"]) for x in rows]
    measured: dict[str, Any] = {
        "configurations": len(rows), "holding": sum(holds),
        "rows": [{**x, "config": describe(PRESETS[x["model"]], x["modules"], x["r"])}
                 for x in rows[:24]],
        "counted_on": "one meta-device vector of out_features per adapted linear"}
    if peft_available():
        measured["peft_check"] = peft_rule()
    what = "the magnitudes" if params["magnitude"] else "DoRA's extra or total trainable count"
    stated = ", ".join(f"{f['value']:,.6g}" for f in figures)
    good = [x for x, h in zip(rows, holds, strict=True) if h]
    bad = [x for x, h in zip(rows, holds, strict=True) if not h]
    check = measured.get("peft_check")
    rule = (f"; PEFT on a tiny Llama: {check['magnitude_params']} magnitudes = the adapted "
            f"layers' output widths {check['sum_out_features']} = DoRA's trainable count minus "
            f"LoRA's {check['extra_vs_lora']}" if check else "")
    text = f"Stated {stated} as {what}{rule}"
    expected = {k: params[k] for k in ("figures", "magnitude", "model", "modules", "r")}
    if check and not check["rule_holds"]:
        return result("error", f"PEFT's DoRA does not add one magnitude per output feature: "
                      f"{check}", measured, expected)
    if not bad:
        return result("supported", f"{text}; holds for {_line(rows[0])}"
                      + (f" and every one of {len(rows)} configurations" if len(rows) > 1
                         else "") + ".", measured, expected)
    if not good:
        return result("refuted", f"{text}; holds for none of {len(rows)} configurations, e.g. "
                      f"{_line(rows[0])}.", measured, expected)
    return result("conditional", f"{text}; holds for {len(good)} of {len(rows)} configurations, "
                  f"e.g. {_line(good[0])}, not {_line(bad[0])}.", measured, expected)


def _line(x: dict[str, Any]) -> str:
    return (f"{describe(PRESETS[x['model']], x['modules'], x['r'])}: {x['magnitude']:,} "
            f"magnitudes beside LoRA's {si(x['lora'])} (DoRA {si(x['dora'])})")


# --- PEFT on a tiny Llama ----------------------------------------------------------------------

def _tiny(seed: int, dora: bool, targets: tuple[str, ...], hidden: int = 64,
          ff: int = 160) -> Any:
    import torch

    from verifiers._tiny import peft_lora, tiny_llama

    # two key/value heads of four: k and v are narrower than q, so widths are not all equal
    base = tiny_llama(hidden=hidden, layers=2, heads=4, kv_heads=2, intermediate=ff, seed=seed)
    torch.manual_seed(seed)
    return peft_lora(base, r=8, alpha=16, targets=targets, use_dora=dora)


def _trainable(model: Any) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def peft_rule(seed: int = 0) -> dict[str, Any]:
    """PEFT's DoRA on a tiny Llama, every linear adapted: count and shape of the magnitudes."""
    import peft

    targets = TINY_TARGETS["all"]
    dora, lora = _tiny(seed, True, targets), _tiny(seed, False, targets)
    layers = [mod for _, mod in dora.named_modules()
              if hasattr(mod, "lora_magnitude_vector") and "default" in mod.lora_magnitude_vector]
    shapes = [(tuple(mod.lora_magnitude_vector["default"].weight.shape),
               mod.get_base_layer().out_features) for mod in layers]
    mags = sum(mod.lora_magnitude_vector["default"].weight.numel() for mod in layers)
    outs = sum(o for _, o in shapes)
    extra = _trainable(dora) - _trainable(lora)
    return {"peft": peft.__version__, "adapted_layers": len(layers), "magnitude_params": mags,
            "sum_out_features": outs, "extra_vs_lora": extra,
            "vectors_per_layer": 1, "shapes": sorted({str(s) for s, _ in shapes}),
            "per_output": all(s == (o,) for s, o in shapes),
            # a layer whose input and output widths differ tells the two readings apart
            "per_input": all(s == (mod.get_base_layer().in_features,)
                             for (s, _), mod in zip(shapes, layers, strict=True))
            and any(mod.get_base_layer().in_features != o
                    for (_, o), mod in zip(shapes, layers, strict=True)),
            # a whole (out, in) matrix of magnitudes, as large as the weight itself
            "full_matrix": all(s == (o, mod.get_base_layer().in_features)
                               for (s, o), mod in zip(shapes, layers, strict=True)),
            # as many magnitudes as the rank (8 here; no layer is that narrow)
            "per_rank": all(s == (mod.r["default"],)
                            for (s, _), mod in zip(shapes, layers, strict=True)),
            "rule_holds": mags == outs == extra and all(s == (o,) for s, o in shapes)}


def _shape(params: dict[str, Any]) -> dict[str, Any]:
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    check = peft_rule(params["seed"])
    measured = {"peft_check": check}
    holds = {"per_output": check["per_output"], "vector_per_layer": check["per_output"],
             "per_matrix": not check["per_output"],
             "per_input": check["per_input"],
             "full_matrix": check["full_matrix"], "per_rank": check["per_rank"]}[params["shape"]]
    said = {"per_output": "one magnitude per output feature",
            "vector_per_layer": "one magnitude vector per adapted layer",
            "per_matrix": "one magnitude scalar per weight matrix",
            "per_input": "one magnitude per input feature",
            "full_matrix": "a full d x k matrix of magnitudes per weight",
            "per_rank": "as many magnitudes per layer as the rank"}[params["shape"]]
    return result("supported" if holds else "refuted",
                  f"Claim: {said}. PEFT {check['peft']} on a tiny Llama gives each of its "
                  f"{check['adapted_layers']} adapted layers one magnitude vector shaped "
                  f"(out_features,) ({', '.join(check['shapes'])}): {check['magnitude_params']} "
                  f"values in all, one per output feature.", measured,
                  {"shape": params["shape"]})


# --- training cost -----------------------------------------------------------------------------

def _step(model: Any, opt: Any, tokens: Any) -> None:
    loss = model(tokens, labels=tokens).loss
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


def _memory(model: Any, opt: Any, tokens: Any) -> dict[str, int]:
    """Bytes of one training step: weights, gradients, AdamW states, tensors saved for backward
    (each storage once; parameters are counted as weights, not again as saved)."""
    import torch

    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    refs: list[Any] = []

    def pack(t: Any) -> Any:
        refs.append(weakref.ref(t))  # a node the graph drops (a detached branch) frees it
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = model(tokens, labels=tokens).loss
    saved: dict[int, int] = {}  # what the graph still holds when the backward pass starts
    for ref in refs:
        t = ref()
        if t is not None and t.untyped_storage().data_ptr() not in params:
            saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
    loss.backward()
    grads = sum(p.grad.numel() * p.grad.element_size() for p in model.parameters()
                if p.grad is not None)
    opt.step()
    states = sum(v.numel() * v.element_size() for st in opt.state.values()
                 for v in st.values() if torch.is_tensor(v) and v.dim() > 0)
    opt.zero_grad(set_to_none=True)
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    out = {"weights": weights, "gradients": grads, "optimizer": states,
           "saved_activations": sum(saved.values())}
    out["total"] = sum(out.values())
    return out


def _cost_one(modules: str, params: dict[str, Any]) -> dict[str, Any]:
    """LoRA and DoRA, same rank and targets, on a tiny Llama: memory and interleaved timing."""
    import torch

    from verifiers._tiny import random_tokens

    targets = TINY_TARGETS[modules]
    tokens = random_tokens(4, 64, seed=params["seed"] + 1)
    models = {}
    for name, dora in (("lora", False), ("dora", True)):
        m = _tiny(params["seed"], dora, targets, hidden=256, ff=688)
        m.train()
        opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-4)
        models[name] = (m, opt)
    for m, opt in models.values():  # a first step creates the optimizer states and caches
        _step(m, opt, tokens)
    memory = {k: _memory(m, opt, tokens) for k, (m, opt) in models.items()}
    times: dict[str, list[float]] = {"lora": [], "dora": []}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: steadier timings beside other work on the machine
    try:
        for i in range(params["rounds"] + 2):
            for k in (("lora", "dora") if i % 2 else ("dora", "lora")):
                m, opt = models[k]
                t0 = time.perf_counter()
                _step(m, opt, tokens)
                if i >= 2:  # two warm-up rounds
                    times[k].append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    # one ratio per round (the two steps ran back to back, so they share the machine's load)
    ratios = [d / lo for d, lo in zip(times["dora"], times["lora"], strict=True)]
    return {"modules": modules, "memory_bytes": memory,
            "memory_ratio": memory["dora"]["total"] / memory["lora"]["total"],
            "step_median_s": {k: statistics.median(v) for k, v in times.items()},
            "time_ratio": statistics.median(ratios),
            "time_ratio_ci95": _median_ci(ratios, params["seed"]),
            "setting": "tiny Llama: 2 layers, hidden 256, MLP 688, r=8, batch 4 x 64 tokens, "
                       "fp32, AdamW, CPU 1 thread"}


def _median_ci(values: list[float], seed: int, n: int = 2000) -> list[float]:
    """95% bootstrap interval of the median (a seeded generator: the same data, the same CI)."""
    import random

    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(n))
    return [meds[int(0.025 * n)], meds[int(0.975 * n) - 1]]


def _states(x: dict[str, Any], mm: float, mt: float) -> dict[str, str]:
    """more / same / undecided for each resource (time: its interval against the margin)."""
    lo, hi = x["time_ratio_ci95"]
    return {"memory": "more" if x["memory_ratio"] > 1 + mm else "same",
            "time": "more" if lo > 1 + mt else "same" if hi <= 1 + mt else "undecided"}


def _one_verdict(states: list[str]) -> str:
    if "undecided" in states:
        return "unverifiable" if "same" not in states else "refuted"
    return "supported" if set(states) == {"more"} else "refuted" if set(states) == {
        "same"} else "conditional"


def _cost(params: dict[str, Any]) -> dict[str, Any]:
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    sets = [params["modules"]] if params["modules"] else ["qv", "all"]
    runs = [_cost_one(s, params) for s in sets]
    res, mm, mt = params["resource"], params["margin_memory"], params["margin_time"]
    named = ("memory", "time") if res == "both" else (res,)
    verdicts = []
    for x in runs:
        x["states"] = _states(x, mm, mt)
        if params["faster"]:  # less time: the whole interval of the ratio below 1
            lo, hi = x["time_ratio_ci95"]
            verdicts.append("supported" if hi < 1 else "refuted" if lo >= 1 else "unverifiable")
            continue
        verdicts.append(_one_verdict([x["states"][k] for k in named]))
    text = "; ".join(f"{MODULE_NAMES[x['modules']]}: memory x{x['memory_ratio']:.2f} "
                     f"({x['memory_bytes']['dora']['total'] / 2**20:.1f} vs "
                     f"{x['memory_bytes']['lora']['total'] / 2**20:.1f} MiB), step time "
                     f"x{x['time_ratio']:.2f} (95% CI {x['time_ratio_ci95'][0]:.2f}-"
                     f"{x['time_ratio_ci95'][1]:.2f})" for x in runs)
    decided = [v for v in verdicts if v != "unverifiable"]
    verdict = ("unverifiable" if not decided else decided[0] if len(set(decided)) == 1
               else "conditional")
    what = {"both": "memory and time", "memory": "memory", "time": "time"}[res]
    claim = ("Claim: DoRA's training step takes less time than LoRA's at the same rank (the "
             "95% interval of the time ratio below 1)" if params["faster"] else
             f"Claim: DoRA trains with more {what} than LoRA at the same rank (more: beyond "
             f"{mm:.0%} memory, {mt:.0%} time; within: the same)")
    return result(verdict, f"{claim}. Measured "
                  f"DoRA / LoRA on {runs[0]['setting']}: {text}.",
                  {"runs": runs}, {"resource": res, "margin_memory": mm, "margin_time": mt,
                                   **({"faster": True} if params["faster"] else {})})


MODULE_NAMES = {"qv": "q,v", "attention": "q,k,v,o", "mlp": "MLP", "all": "all linear"}


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Count, shape or training cost of DoRA beside LoRA, as the claim asks."""
    if params["claim"] == "shape":
        return _shape(params)
    if params["claim"] == "cost":
        return _cost(params)
    if params["claim"] == "ratio":
        return _ratio(params)
    if params["claim"] == "extra":
        return _extra(params)
    return _counts(params)


def _extra(params: dict[str, Any]) -> dict[str, Any]:
    """Whether DoRA trains more parameters than LoRA at the same rank: PEFT's trainable
    counts of both on a tiny Llama, every linear adapted."""
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    check = peft_rule(params["seed"])
    extra = check["extra_vs_lora"]
    verdict = "supported" if extra > 0 else "refuted"
    return result(verdict, f"Claim: DoRA trains more parameters than LoRA at the same rank. "
                  f"PEFT {check['peft']} on a tiny Llama, every linear adapted: DoRA trains "
                  f"{extra:,} more than LoRA ({check['magnitude_params']:,} magnitudes, one per "
                  f"output feature of the {check['adapted_layers']} adapted layers).",
                  {"peft_check": check}, {"claim": "extra"})


def _ratio(params: dict[str, Any]) -> dict[str, Any]:
    """DoRA's trainable count over LoRA's on the same configuration, every configuration the
    claim leaves open: the magnitudes add the output widths, so the ratio is 1 + widths /
    r (d + k), largest at rank 1."""
    models = [params["model"]] if params["model"] else list(MODELS)
    sets = [params["modules"]] if params["modules"] else list(MODULE_SETS)
    ranks = [params["r"]] if params["r"] else list(RANKS)
    rows = [magnitude_row(m, s, r) for m in models for s in sets for r in ranks
            if s in PRESETS[m].module_sets()]
    for x in rows:
        x["ratio"] = x["dora"] / x["lora"]
    stated, tol = params["ratio"], params["ratio_tol"]
    holds = [abs(x["ratio"] - stated) <= tol * stated for x in rows]
    low, high = min(rows, key=lambda x: x["ratio"]), max(rows, key=lambda x: x["ratio"])
    measured = {"configurations": len(rows), "holding": sum(holds),
                "lowest": {**low, "config": describe(PRESETS[low["model"]], low["modules"],
                                                     low["r"])},
                "highest": {**high, "config": describe(PRESETS[high["model"]], high["modules"],
                                                       high["r"])}}
    text = (f"Stated: DoRA trains {stated:.4g}x LoRA's count (within {tol:.1%}); DoRA over LoRA "
            f"is {low['ratio']:.3f}x ({measured['lowest']['config']}) to {high['ratio']:.3f}x "
            f"({measured['highest']['config']}) over {len(rows)} configurations, the magnitudes "
            f"adding one value per output feature")
    expected = {k: params[k] for k in ("ratio", "ratio_tol", "model", "modules", "r")}
    verdict = ("supported" if all(holds) else "refuted" if not any(holds) else "conditional")
    return result(verdict, text + ".", measured, expected)


# --- frames ------------------------------------------------------------------------------------

# a multiple of LoRA's count: "doubles the trainable parameters of a LoRA configuration",
# "twice as many trainable parameters as LoRA"
# (the text is normalised: "doubles" and "twice" read "2x")
# ("doubles the trainable parameter count", said of DoRA: over LoRA's, which it extends)
_OVER_LORA = re.compile(r"(?:\b\d+(?:\.\d+)?\s*x|\btimes)\s+(?:(?:as\s+many\s+|more\s+)"
                        r"(?:[\w-]+\s+){0,2}?(?:param\w*|weights)\b(?=[^.;]{0,40}?\bLoRA\b)|"
                        r"(?:the|its|their|your|our|LoRA's)\s+(?:[\w-]+\s+){0,3}?(?:param\w*|weights)\b)"
                        # "the number of trainable parameters 2x compared with LoRA"
                        r"|\bparam\w*\s+(?:\w+\s+)?\d+(?:\.\d+)?\s*x\s+(?:compared\s+(?:with|to)|"
                        r"relative\s+to|over|versus|vs\.?)\s+(?:plain\s+|standard\s+|vanilla\s+)?LoRA\b",
                        re.I)
# a share more than LoRA's: "about 6% more trainable parameters than the plain LoRA adapter"
_PCT_MORE = re.compile(r"(?:\s*(?:%|percent))?\s+more\s+(?:[\w-]+\s+){0,2}?param\w*\b", re.I)
_LORA_AFTER = re.compile(r"[^.;]{0,40}?\bLoRA\b", re.I)
# DoRA switched on over a LoRA setup ("turning on use_dora adds about 3% more parameters",
# "`--dora` costs 1% more"): the share is over the same LoRA's
_DORA_SWITCHED = re.compile(r"\buse_dora\b|--dora\b|\b(?:turn(?:s|ed|ing)?\s+on|"
                            r"enabl(?:e|es|ed|ing)|switch(?:es|ed|ing)?\s+(?:on|to)|"
                            r"add(?:s|ed|ing)?)\s+(?:the\s+)?DoRA\b", re.I)
# ... unless set against something else ("3% more than the plain VeRA setup")
_COMPARED_AFTER = re.compile(r"[^.;]{0,40}?\b(?:than|compared\s+(?:with|to)|relative\s+to|"
                             r"versus|vs\b)", re.I)
_ROUGHLY = re.compile(r"\b(?:roughly|about|around|approximately|nearly|almost|some|effectively|"
                      r"basically|essentially|more or less)\b", re.I)
# a width, not a count: "a 4096-long vector", "4096-dimensional", "4096 wide"
_WIDTH = re.compile(r"\s*-?\s*(?:(?:output|input|out|in)[\s_-]+)?(?:long|wide|dim\w*|elements?|"
                    r"entries|features)\b", re.I)


# a factor of a product written out: "(64 layers x 4096)", "32 x 4096" (a sum's terms and a
# signed difference, "+262,144", are counts the sentence states)
_FACTOR_AFTER = re.compile(r"\s*(?:[a-z]+\s+)?[x*]\s*[\d(]", re.I)
_FACTOR_BEFORE = re.compile(r"(?<![a-z])[x*]\s*$", re.I)


# a count changing: "goes from 8,388,608 to 8,650,752 trainable parameters"
_FROM_TO_COUNT = re.compile(r"\bfrom\s+(?:about\s+|~\s*)?(\d[\d,.]{0,15}\s*[KMB]?)\s+"
                            r"(?:up\s+)?to\s+(?:about\s+|~\s*)?(\d[\d,.]{0,15}\s*[KMB]?)", re.I)

# DoRA's total set against LoRA's: "213,811,200 versus 207,093,760 for plain LoRA"
_VERSUS = re.compile(r"\s*(?:parameters\s+|params\s+|trainable\s+)?(?:vs\.?|versus|against|"
                     r"compared\s+(?:with|to))\s+(?:about\s+|~\s*)?", re.I)
_VERSUS_BEFORE = re.compile(r"\d[\d,.]*\s*(?:[MK]\s+)?(?:parameters\s+|params\s+|trainable\s+)?"
                            r"(?:vs\.?|versus|against|compared\s+(?:with|to))\s+"
                            r"(?:about\s+|~\s*)?$", re.I)
_THAN_LORA = re.compile(r"\b(?:than|over|beyond)\s+(?:a\s+|the\s+)?(?:plain\s+|standard\s+|"
                        r"vanilla\s+|regular\s+|ordinary\s+)?LoRA\b", re.I)
_FOR_LORA = re.compile(r"\s*(?:parameters\s+|params\s+|trainable\s+)?(?:for|with|in|under)\s+"
                       r"(?:a\s+|the\s+)?(?:plain|standard|vanilla|regular|ordinary)?\s*LoRA\b",
                       re.I)


# a count of the model's parts, not of parameters: "the 64 adapted projections", "32 layers"
_PARTS = re.compile(r"\s*(?:[\w-]+\s+)?(?:projections?|layers?|modules?|matri(?:x|ces)|"
                    r"linears?|blocks?|heads?)\b", re.I)


def _factor(text: str, q: Any) -> bool:
    return bool(_FACTOR_AFTER.match(text, q.span[1])
                or _FACTOR_BEFORE.search(text[max(0, q.span[0] - 4):q.span[0]]))


def _inside(q: Any, span: tuple[int, int] | None) -> bool:
    return span is not None and q.span[0] < span[1] and span[0] < q.span[1]


# a count said to be LoRA's own right after it ("the 4,194,304 LoRA weights")
_LORA_NAMED_AFTER = re.compile(r"\s+(?:plain\s+|standard\s+)?LoRA\b|\s+(?:for|from|of)\s+"
                               r"(?:plain\s+|standard\s+)?LoRA\b", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """`trainable_params` of DoRA (a stated count; facet `magnitude_word`: of the magnitudes
    alone), `dora_magnitude_shape` (facets per_output / per_matrix / vector_per_layer /
    per_input / full_matrix / per_rank) and
    `dora_training_cost` (facets mem_word / time_word name the resource; denied for 'the
    same')."""
    if frame.predicate == "dora_extra_params":
        ratios = [q for q in frame.quantities if q.unit == "x" and 1 < q.value <= 100]
        if len(ratios) == 1 and len(frame.quantities) == 1:
            # "roughly doubles LoRA's trainable parameters": DoRA's count over LoRA's
            tol = 0.2 if ratios[0].bound == "approx" or _ROUGHLY.search(frame.text) else 0.1
            return {"claim": "ratio", "ratio": ratios[0].value, "ratio_tol": tol}
        if any(q.unit in ("count", "params", "pct", "x") and q.value != 0
               for q in frame.quantities):  # ("adds 0 parameters over LoRA" says none)
            return "a figure is stated: the count or share is what is judged"
        return {"claim": "extra"}
    if frame.predicate == "dora_magnitude_shape":
        shape = next((s for s in SHAPES if frame.has(s)), None)
        if shape in ("per_input", "per_output") and frame.has("both_widths"):
            return "the sentence names both in_features and out_features; which one sizes " \
                   "the magnitude is not read"
        return {"claim": "shape", "shape": shape} if shape else \
            "how many magnitudes per matrix is not read"
    c = frame.conditions
    modules = module_set(c.get("modules") or "") if c.get("modules") else None
    if frame.predicate == "dora_training_cost":
        mem, tm = frame.has("mem_word"), frame.has("time_word")
        res = "memory" if mem and not tm else "time" if tm and not mem else "both"
        if frame.has("faster"):  # "DoRA trains faster than LoRA": its step takes less time
            return {"claim": "cost", "resource": "time", "faster": True,
                    **({"modules": modules} if modules else {})}
        return {"claim": "cost", "resource": res, **({"modules": modules} if modules else {})}
    params: dict[str, Any] = {"claim": "count", "magnitude": frame.has("magnitude_word")}
    if "subject" not in frame.spans and not params["magnitude"]:
        # "each adapter is about 4.2 million parameters" on a page about DoRA: LoRA's count as
        # much as DoRA's; whose it is the sentence does not say
        return "the sentence names no method: a count is DoRA's only where it says so"
    model = c.get("model") or {}
    if model.get("family") or model.get("preset"):
        found = resolve(model)
        if found is None:
            return "no preset for the model named: it is not judged with another model's shapes"
        params["model"] = found.name
    elif model.get("size_b"):
        return "a bare model size: which architecture is not stated"
    if modules:
        params["modules"] = modules
    if c.get("r"):
        params["r"] = int(c["r"])
    span = frame.spans.get("model")
    least = 10 if params["magnitude"] else 100  # "64 magnitudes"; else no rank or layer count
    counts = [q for q in frame.quantities if q.unit in ("params", "count")
              and least <= q.value < 1e9 and not _inside(q, span) and q.value != c.get("r")
              and not _WIDTH.match(frame.text, q.span[1])
              and not _PARTS.match(frame.text, q.span[1])
              and not _factor(frame.text, q)]
    each = [q for q in counts if _FOR_EACH.match(frame.text, q.span[1])]
    if each and len(each) < len(counts):
        # "262,144, that is 4096 magnitudes for each of the 64 adapted projections": one
        # projection's share beside the total
        counts = [q for q in counts if q not in each]
    if counts and all(q.role == "part" for q in counts):
        # "4,096 extra parameters for each projection": one layer's, which depends on the layer
        return "only a count per layer or module is stated, not the model's"
    counts = [q for q in counts if q.role != "part"]
    went = _FROM_TO_COUNT.search(frame.text)
    if went and len(counts) == 2 and counts[0].span[0] == went.start(1) \
            and counts[1].span[0] == went.start(2):
        # "goes from 8,388,608 to 8,650,752 trainable": LoRA's count, then DoRA's total (what
        # the magnitudes add is the difference, not either number)
        counts, params["magnitude"] = [counts[1]], False
    elif len(counts) == 2 and _VERSUS.fullmatch(frame.text, counts[0].span[1], counts[1].span[0]) \
            and (_FOR_LORA.match(frame.text, counts[1].span[1])
                 or _THAN_LORA.search(frame.text, 0, counts[0].span[0])
                 or 1 < counts[0].value / counts[1].value < 1.2):
        # "213,811,200 versus 207,093,760 for plain LoRA", "DoRA trains more than LoRA: ...
        # 6,963,200 versus 6,553,600": DoRA's total, then LoRA's (or the larger first, a few
        # percent above the other, as the magnitudes make it: "43.3M versus 41.9M")
        counts, params["magnitude"] = [counts[0]], False
    elif params["magnitude"] and len(counts) == 2 and counts[0].value > counts[1].value \
            and _LORA_NAMED_AFTER.match(frame.text, counts[1].span[1]):
        # "has 4,456,448 trainable parameters: the 4,194,304 LoRA weights plus 64 magnitude
        # vectors": DoRA's total and LoRA's, the magnitudes named only as what makes the gap
        params["magnitude"] = False
    if len(counts) == 1 and _VERSUS_BEFORE.search(frame.text, max(0, counts[0].span[0] - 40),
                                                  counts[0].span[0]):
        # "... it is 6,963,200 versus 6,553,600" with the first count read by another frame:
        # the one set against the other is not the one the sentence gives DoRA
        return "the count is set against another one read apart from it; which is DoRA's is " \
               "not read"
    ratios = [q for q in frame.quantities if q.unit == "x" and 1 < q.value <= 100]
    if not counts and len({q.value for q in ratios}) == 1 and _OVER_LORA.search(frame.text):
        # "enabling DoRA roughly doubles the trainable parameters of a LoRA configuration"
        q = ratios[0]
        tol = 0.2 if q.bound == "approx" or _ROUGHLY.search(frame.text) else 0.1
        return {"claim": "ratio", "ratio": q.value, "ratio_tol": tol,
                **{k: params[k] for k in ("model", "modules", "r") if k in params}}
    more = [q for q in frame.quantities if q.unit == "pct" and 0 < q.value <= 100
            and (m := _PCT_MORE.match(frame.text, q.span[1]))
            and (_LORA_AFTER.match(frame.text, m.end())
                 or (_DORA_SWITCHED.search(frame.text, 0, q.span[0])
                     and not _COMPARED_AFTER.match(frame.text, m.end())))]
    if not counts and len(more) == 1 and more[0].bound not in ("eq", "approx"):
        return "a bound on DoRA's extra share ('less than 1% more') is not read"
    if not counts and len(more) == 1:
        # "costs about 6% more trainable parameters than plain LoRA": a ratio of 1.06, its
        # tolerance on the stated share
        q = more[0]
        ratio = 1 + q.value / 100
        share = 0.2 if q.bound == "approx" or _ROUGHLY.search(frame.text) else 0.1
        return {"claim": "ratio", "ratio": ratio, "ratio_tol": share * (q.value / 100) / ratio,
                **{k: params[k] for k in ("model", "modules", "r") if k in params}}
    if not counts:
        return "no count of DoRA's parameters is stated"
    params["figures"] = ";".join(encode_figure("lora", q) for q in counts)
    unstated = [n for n, k in (("the model", "model"), ("the adapted modules", "modules"))
                if k not in params]
    if not params["magnitude"] and "r" not in params:
        unstated.append("the rank")
    return {**params, "_open": unstated}


VERIFIER = Verifier(
    id="lora.dora_budget",
    version=6,
    title="DoRA beside LoRA at the same rank: one extra magnitude per output feature, counted "
          "on presets and PEFT; its training memory and time",
    run=run,
    params=PARAMS,
    claims=(("dora", "trainable_params"), ("dora", "dora_magnitude_shape"),
            ("dora", "dora_training_cost"), ("dora", "dora_extra_params")),
    to_params=to_params,
    examples=(
        "DoRA trains 163,840 magnitude parameters on Llama 3 8B with LoRA on q_proj and v_proj.",
        "DoRA learns one magnitude scalar per weight matrix.",
        "DoRA needs more memory and time than LoRA during training.",
        "DoRA adds a handful of extra trainable parameters over plain LoRA.",
    ),
    requires=Requires(device="cpu"),
    timeout_s=180.0,
)
