"""Family 2: the LoRA update dW = s * B A — its shape, its rank, its scale, and zero-init.

Each claim kind is measured on the reference layer (`_lora.py`, written from the paper, and a
literal column-vector form ``W @ x + s * (B @ (A @ x))`` as article pseudo-code writes it) and on
PEFT's `lora.Linear` inside a tiny Llama whose k/v projections are not square (grouped-query
attention), so d != k is exercised. Article code is never executed: the verifier implements
what such code says, with the parameters the claim states.
"""

from __future__ import annotations

import math
import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame, Quantity
from verifiers._tiny import PEFT_MISSING, peft_available

CLAIMS = ("init_equals_base", "init_changes_output", "delta_shape", "rank_at_most_r",
          "full_rank", "scaling", "a_init", "merge_scaled")
A_DISTS = ("random", "gaussian", "kaiming_uniform", "uniform", "zero")
FORMS = ("alpha/r", "alpha/sqrt(r)", "alpha/r^2", "r/alpha", "alpha*sqrt(r)", "alpha*r")


def _judge_merge_scaled(params: dict[str, Any]) -> dict[str, Any]:
    """'Merging writes W0 + (alpha/r) B A': PEFT's merged weight, read back."""
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    r = min(params["r"], 32)
    alpha = params["alpha"] if params["alpha"] != r else 2.0 * r  # (s = 1 would hide it)
    from verifiers._ba_measure import merged_weight_scale

    m = merged_weight_scale(r, alpha, params["seed"])
    scaled = m["off_w0_plus_sBA"] <= 1e-5 * max(1.0, m["BA_abs_max"]) < m["off_w0_plus_BA"]
    text = (f"PEFT's merge_and_unload at r={r}, lora_alpha={alpha:g} (scaling {m['scaling']:g}): "
            f"the merged weight is off W0 + s B A by {m['off_w0_plus_sBA']:.3g} and off W0 + B A "
            f"by {m['off_w0_plus_BA']:.3g}")
    return result("supported" if scaled else "refuted",
                  f"{text}: the merge " + ("applies" if scaled else "does not apply")
                  + " the alpha/r scale.", m, {"claim": "merge_scaled"})


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure the claimed property of B A on the reference layer and on PEFT."""
    from verifiers import _ba_measure as m

    claim = params["claim"]
    if params["alpha_default"]:  # alpha is LoraConfig's default, read from the installed PEFT
        if not peft_available():
            return result("skipped", f"alpha is PEFT's default: {PEFT_MISSING}")
        from peft import LoraConfig

        params = {**params, "alpha": float(LoraConfig().lora_alpha)}
    if claim == "a_init":
        return _judge_a_init(params)
    if claim == "merge_scaled":
        return _judge_merge_scaled(params)
    if claim == "scaling" and params["alpha_times"]:
        return _judge_rslora_emulated(params)
    if claim == "scaling" and params["relation"]:
        return _judge_relation(params)
    if claim == "scaling" and params["alpha_per_r"] and params["scale_value"]:
        return _judge_tied(params)
    ref = m.reference(params)
    peft = m.peft_half(params) if peft_available() else {"skipped": PEFT_MISSING}
    measured = {"reference": ref, "peft": peft}
    if claim == "scaling":
        measured["note"] = "PEFT exposes its scale as layer.scaling; both are also measured " \
                           "from outputs: (y - W0 x) / (B A x)"
    else:
        measured["note"] = "reference A is Gaussian (std a_std), PEFT's A is kaiming-uniform; " \
                           "B is zero unless b_init is random (swapped: A zero, B random)"
    expected = {k: params[k] for k in ("claim", "d", "k", "r", "alpha", "rslora", "b_init",
                                       "order", "scaling_form") if params.get(k) not in (None, "")}
    return _judge(params, ref, peft, measured, expected)


def _judge(p: dict[str, Any], ref: dict, peft: dict, measured: dict, expected: dict) -> dict:
    claim, halves = p["claim"], [h for h in (ref, peft) if "skipped" not in h]
    pair = None
    if claim in ("init_equals_base", "init_changes_output"):
        equal = [h["bit_identical"] for h in halves]
        init = {"zeros": "B zero", "random": "B random", "swapped": "A zero and B random"}
        text = (f"with {init[p['b_init']]} the adapted output "
                f"{'equals' if ref['bit_identical'] else 'differs from'} the base output at init "
                f"(reference max |diff| {ref['max_abs_diff']:.3g} at d={ref['d']}, k={ref['k']}, "
                f"r={p['r']}" + (f"; PEFT max |diff| {peft['max_abs_diff']:.3g}" if
                                 "skipped" not in peft else "") + ")")
        holds = [e if claim == "init_equals_base" else not e for e in equal]
    elif claim == "delta_shape":
        holds = [h["delta_shape"] == h["weight_shape"] for h in halves]
        text = (f"B {ref['B_shape']} times A {ref['A_shape']} gives {ref['delta_shape']}, the "
                f"shape of W {ref['weight_shape']}")
        if p["order"] == "AB":
            return result("conditional", f"As written (A then B) the product {ref['AB_result']}; "
                          f"{text}: the claim holds only with the factors named the other way "
                          f"round (paper: dW = B A, B is d x r, A is r x k).", measured, expected)
    elif claim in ("rank_at_most_r", "full_rank"):
        full = min(p["d"], p["k"])
        holds = [h["rank"] <= p["r"] if claim == "rank_at_most_r" else h["rank"] == h["min_dk"]
                 for h in halves]
        text = (f"measured rank of B A is {ref['rank']} (r={p['r']}, min(d, k)={full}, "
                f"{ref['rank_method']})")
        if "skipped" not in peft:
            text += f"; PEFT's delta weight rank {peft['rank']} at r={peft['r_used']}"
    elif p["scale_target"] == "learning_rate":
        # "rsLoRA just applies a factor to the learning rate": were it so, a layer's output
        # would carry LoRA's alpha/r; the output itself is measured
        holds = [abs(h["effective_scaling"] - h["formula alpha/r"]) <= 1e-5 * max(
            1.0, h["formula alpha/r"]) for h in halves]
        form = "alpha/sqrt(r)" if p["rslora"] else "alpha/r"
        text = (f"the factor acts on the adapter's output in the forward pass, not on a learning "
                f"rate: with{'' if p['rslora'] else 'out'} use_rslora the measured (y - W0 x) / "
                f"(B A x) is {ref['effective_scaling']:.6g} = {form} for alpha={p['alpha']:g}, "
                f"r={p['r']}, where alpha/r is {ref['formula alpha/r']:.6g}"
                + (f" (PEFT {peft['effective_scaling']:.6g} at r={peft['r_used']})"
                   if "skipped" not in peft else "")
                + "; LoraConfig has no learning-rate setting, and the optimizer's rate is the "
                "one it is given")
    else:
        true_form = "alpha/sqrt(r)" if p["rslora"] else "alpha/r"
        stated = p["scaling_form"] or true_form
        text = (f"measured scale {ref['effective_scaling']:.6g} = {true_form} for alpha="
                f"{p['alpha']:g}, r={p['r']}")
        if "skipped" not in peft:  # PEFT's test layer is 32 x 64: a larger r is capped
            capped = f" at r={peft['r_used']}" if peft["r_used"] != p["r"] else ""
            text += f"; PEFT scale {peft['effective_scaling']:.6g}{capped}"
        holds = [abs(h["effective_scaling"] - h[f"formula {stated}"]) <= 1e-5 * max(
            1.0, abs(h[f"formula {stated}"])) for h in halves]
        if p["scaling_form"] and p["scaling_form"] != true_form:
            text += f"; the sentence says {p['scaling_form']}"
        if p["scale_value"]:  # "the output is multiplied by 2": the number itself
            text += f"; the sentence says {p['scale_value']:g}"
            if "skipped" not in peft and peft.get("r_used", p["r"]) != p["r"]:
                text += f" (PEFT measured at r={peft['r_used']}, so its scale is not compared)"
            # PEFT runs at a capped rank: its scale answers the stated value only at that rank
            at_r = [h for h in halves if h.get("r_used", p["r"]) == p["r"]]
            holds = [abs(h["effective_scaling"] - p["scale_value"]) <= p["scale_tol"] + 1e-6
                     for h in at_r]
            pair = figure_pair(f"scale at alpha={p['alpha']:g}, r={p['r']}", p["scale_value"],
                               round(ref["effective_scaling"], 6))
            root = p["alpha"] / math.sqrt(p["r"])
            if not all(holds) and not p["rslora"] and not p["scaling_form"] \
                    and abs(root - p["scale_value"]) <= p["scale_tol"] + 1e-6:
                # the value is alpha/sqrt(r): rsLoRA's scale, one PEFT option away
                return result("conditional", f"{text[0].upper()}{text[1:]}; {p['scale_value']:g}"
                              f" is alpha/sqrt(r), the scale only with rsLoRA "
                              f"(use_rslora=True).", measured, expected, figure=pair)
        if not all(holds) and not p["rslora"] and stated == "alpha/sqrt(r)" \
                and not p["rslora_off"]:  # (rsLoRA said off: no option makes it hold)
            return result("conditional", f"alpha/sqrt(r) is rsLoRA's scale (use_rslora=True); "
                          f"{text}.", measured, expected)
    if len(set(holds)) > 1:
        return result("conditional", f"Reference and PEFT disagree: {text}.", measured, expected)
    verdict = "supported" if all(holds) else "refuted"
    return result(verdict, f"{text[0].upper()}{text[1:]}.", measured, expected, figure=pair)


_RELATION = {"halves": 0.5, "doubles": 2.0, "same": 1.0}
# a direction only ("raising r increases the scale"): the ratio at 2r above or below 1
_DIRECTION = ("grows", "shrinks")
# a stated factor for a stated change of r: "going from r=16 to r=256 shrinks the scale by 4x"
_FACTOR = "factor"


def _judge_relation(p: dict[str, Any]) -> dict[str, Any]:
    """What changing r with alpha fixed does to the scale, measured from outputs on the
    reference layer and PEFT at r and at r times `rank_factor` (2: doubling): doubling halves
    it (alpha/r), about 0.71x (rsLoRA's alpha/sqrt(r)), never doubles it."""
    if p["varied"] == "alpha":
        return _judge_alpha_relation(p)
    if p["varied"] == "rslora":
        return _judge_rslora_switch(p)
    factor = p["rank_factor"] if p["relation"] == _FACTOR else 2.0
    r2 = max(1, round(p["r"] * factor))
    runs = _scales(p, "r", r2)
    holds, want = _relation_holds(p, runs)
    form = "alpha/sqrt(r)" if p["rslora"] else "alpha/r"
    text = _scales_text(runs, "r")
    expected = {"claim": "scaling", "relation": p["relation"], "rslora": p["rslora"],
                "alpha": p["alpha"], **({"scale_factor": want} if p["relation"] == _FACTOR
                                         else {})}
    if not holds:
        return result("error", f"no run measured the scale at r and r={r2}", runs, expected)
    if len(set(holds)) > 1:
        return result("conditional", f"Reference and PEFT disagree: {text}.", runs, expected)
    said = _said(p["relation"], want)
    change = "Doubling r" if p["relation"] != _FACTOR else f"Going from r={p['r']} to r={r2}"
    return result("supported" if all(holds) else "refuted",
                  f"{change} with alpha={p['alpha']:g} fixed ({form}): {text}; the sentence "
                  f"says the scale {said}.", runs, expected)


def _scales(p: dict[str, Any], varied: str, value: float) -> dict[str, dict[str, Any]]:
    """The scale measured from outputs on the reference layer and on PEFT at the stated
    setting and with `varied` (r or alpha) set to `value`, and their ratio (a run whose rank
    was capped measured no change and is left out)."""
    from verifiers import _ba_measure as m

    runs = {}
    for name, fn in (("reference", m.reference), ("peft", m.peft_half)):
        if name == "peft" and not peft_available():
            continue
        one, two = fn(p), fn({**p, varied: value})
        if varied == "r" and (one.get("r_used", p["r"]) != p["r"]
                              or two.get("r_used", value) != value):
            continue
        if varied == "rslora" and one.get("r_used", p["r"]) != p["r"]:
            continue  # (a capped rank: sqrt of another r)
        runs[name] = {"from": p[varied], "to": value, "scale": one["effective_scaling"],
                      "scale_2": two["effective_scaling"],
                      "ratio": two["effective_scaling"] / one["effective_scaling"]}
    return runs


def _scales_text(runs: dict[str, dict[str, Any]], varied: str) -> str:
    return "; ".join(f"{name}: scale {x['scale']:.6g} at {varied}={x['from']:g}, "
                     f"{x['scale_2']:.6g} at {varied}={x['to']:g} (x{x['ratio']:.4g})"
                     for name, x in runs.items())


def _said(relation: str, want: float) -> str:
    """What the sentence says the scale does, in words."""
    return f"x{want:.4g}" if relation == _FACTOR else relation.replace("same", "stays the same")


def _relation_holds(p: dict[str, Any], runs: dict[str, dict]) -> tuple[list[bool], float]:
    """Whether each run's measured ratio of scales is the stated relation, and the ratio
    wanted (1 for a direction: above or below it)."""
    if p["relation"] in _DIRECTION:
        return [(x["ratio"] > 1.001) if p["relation"] == "grows" else (x["ratio"] < 0.999)
                for x in runs.values()], 1.0
    want = p["scale_factor"] if p["relation"] == _FACTOR else _RELATION[p["relation"]]
    tol = p["scale_tol"] if p["relation"] == _FACTOR and p["scale_tol"] else 1e-3 * want
    return [abs(x["ratio"] - want) <= tol for x in runs.values()], want


def _judge_rslora_switch(p: dict[str, Any]) -> dict[str, Any]:
    """What switching use_rslora on does to the scale at r and alpha: alpha/r becomes
    alpha/sqrt(r), a factor of sqrt(r), measured from outputs on the reference layer and PEFT."""
    runs = _scales({**p, "rslora": False}, "rslora", True)
    holds, want = _relation_holds(p, runs)
    text = "; ".join(f"{name}: scale {x['scale']:.6g} with alpha/r, {x['scale_2']:.6g} with "
                     f"rsLoRA (x{x['ratio']:.4g})" for name, x in runs.items())
    expected = {"claim": "scaling", "varied": "rslora", "r": p["r"], "alpha": p["alpha"],
                "scale_factor": want}
    if not holds:
        return result("error", "no run measured the scale with and without rsLoRA", runs,
                      expected)
    if len(set(holds)) > 1:
        return result("conditional", f"Reference and PEFT disagree: {text}.", runs, expected)
    return result("supported" if all(holds) else "refuted",
                  f"Switching use_rslora on at r={p['r']}, alpha={p['alpha']:g}: {text}; the "
                  f"sentence says the scale changes x{want:.4g}.", runs, expected)


def _judge_alpha_relation(p: dict[str, Any]) -> dict[str, Any]:
    """What changing alpha with r fixed does to the scale, measured from outputs on the
    reference layer and PEFT at alpha and at alpha times `rank_factor` (2: doubling): the
    scale follows alpha in proportion (alpha/r and rsLoRA's alpha/sqrt(r) alike)."""
    a2 = p["alpha"] * p["rank_factor"]
    runs = _scales(p, "alpha", a2)
    holds, want = _relation_holds(p, runs)
    form = "alpha/sqrt(r)" if p["rslora"] else "alpha/r"
    text = _scales_text(runs, "alpha")
    expected = {"claim": "scaling", "varied": "alpha", "relation": p["relation"], "r": p["r"],
                **({"scale_factor": want} if p["relation"] == _FACTOR else {})}
    if len(set(holds)) > 1:
        return result("conditional", f"Reference and PEFT disagree: {text}.", runs, expected)
    said = _said(p["relation"], want)
    return result("supported" if all(holds) else "refuted",
                  f"Going from alpha={p['alpha']:g} to alpha={a2:g} with r={p['r']} fixed "
                  f"({form}): {text}; the sentence says the scale {said}.", runs, expected)


def _judge_rslora_emulated(p: dict[str, Any]) -> dict[str, Any]:
    """'To get rsLoRA's scale from a loader that divides by r, multiply alpha by sqrt(r)': the
    scale of rsLoRA at alpha and r, and of plain LoRA at alpha times the stated factor, both
    measured from outputs on the reference layer and PEFT."""
    from verifiers import _ba_measure as m

    factor = math.sqrt(p["r"]) if p["alpha_times"] == "sqrt(r)" else float(p["r"])
    runs = {}
    for name, fn in (("reference", m.reference), ("peft", m.peft_half)):
        if name == "peft" and not peft_available():
            continue
        rs = fn({**p, "rslora": True})
        plain = fn({**p, "rslora": False, "alpha": p["alpha"] * factor})
        if rs.get("r_used", p["r"]) != p["r"] or plain.get("r_used", p["r"]) != p["r"]:
            continue  # (a capped rank measures another r)
        runs[name] = {"rslora": rs["effective_scaling"], "plain": plain["effective_scaling"]}
    expected = {"claim": "scaling", "alpha_times": p["alpha_times"], "alpha": p["alpha"],
                "r": p["r"]}
    holds = [abs(x["rslora"] - x["plain"]) <= 1e-5 * max(1.0, x["rslora"])
             for x in runs.values()]
    text = "; ".join(f"{name}: rsLoRA {x['rslora']:.6g}, plain LoRA with alpha x "
                     f"{p['alpha_times']} {x['plain']:.6g}" for name, x in runs.items())
    if len(set(holds)) > 1:
        return result("conditional", f"Reference and PEFT disagree: {text}.", runs, expected)
    return result("supported" if all(holds) else "refuted",
                  f"At alpha={p['alpha']:g}, r={p['r']}: {text}" + (
                      "" if all(holds) else "; plain LoRA matches rsLoRA's alpha/sqrt(r) with "
                      "alpha x sqrt(r), since alpha*sqrt(r)/r = alpha/sqrt(r)") + ".",
                  runs, expected)


_TIED_RANKS = (4, 16, 64)


def _judge_tied(p: dict[str, Any]) -> dict[str, Any]:
    """alpha tied to r ("alpha equal to r", "alpha = 2r") and a stated scale: the scale is
    measured on the reference layer at several ranks with alpha = alpha_per_r * r; the claim
    holds where every rank gives the stated value (alpha/r does; rsLoRA's alpha/sqrt(r) grows
    with r)."""
    from verifiers import _ba_measure as m

    runs = {r: m.reference({**p, "r": r, "alpha": p["alpha_per_r"] * r}) for r in _TIED_RANKS}
    form = "alpha/sqrt(r)" if p["rslora"] else "alpha/r"
    holds = [abs(x["effective_scaling"] - p["scale_value"]) <= p["scale_tol"] + 1e-6
             for x in runs.values()]
    tie = "alpha = r" if p["alpha_per_r"] == 1 else f"alpha = {p['alpha_per_r']:g}r"
    text = (f"with {tie} ({form}) the measured scale is "
            + ", ".join(f"{x['effective_scaling']:.6g} at r={r}" for r, x in runs.items())
            + f"; the sentence says {p['scale_value']:g}")
    measured = {f"r={r}": x for r, x in runs.items()}
    expected = {"claim": "scaling", "alpha_per_r": p["alpha_per_r"], "rslora": p["rslora"],
                "scale_value": p["scale_value"]}
    verdict = "supported" if all(holds) else "conditional" if any(holds) else "refuted"
    if verdict == "conditional":
        text += " (it holds only at some ranks)"
    return result(verdict, f"{text[0].upper()}{text[1:]}.", measured, expected)


def _judge_a_init(p: dict[str, Any]) -> dict[str, Any]:
    """Whether A starts as the claim says, under PEFT's default, PEFT's Gaussian option and the
    paper's reference: the claim holds where its distribution is the measured one."""
    from verifiers._a_init import measure

    measured = measure(min(p["r"], 64), p["seed"])
    expected = {"claim": "a_init", "a_dist": p["a_dist"], "source": p["source"],
                "std_form": p["std_form"]}
    want = p["a_dist"]
    seen = {name: m["kind"] for name, m in measured.items() if "kind" in m}

    def fits(kind: str) -> bool:
        if want == "random":
            return kind != "zero"
        return kind == want or (want == "uniform" and kind == "kaiming_uniform")

    text = "; ".join(f"{name.replace('_', ' ')}: A is {kind} (excess kurtosis "
                     f"{measured[name]['excess_kurtosis']:.2f}, max |A| "
                     f"{measured[name]['max_abs']:.3g} against 1/sqrt(fan_in) "
                     f"{measured[name]['kaiming_bound']:.3g})" for name, kind in seen.items())
    # PEFT named: its default decides (what PEFT does unless told otherwise); a claim that
    # holds only with an option PEFT offers (init_lora_weights="gaussian") is conditional,
    # unless the sentence speaks of the default
    peft = ("peft_default",) if p["a_default"] or (
        "peft_default" in seen and fits(seen["peft_default"])) else tuple(
        n for n in seen if n.startswith("peft"))
    scope = {"peft": peft, "paper": ("paper_reference",),
             "peft_gaussian": ("peft_gaussian",)}.get(p["source"], tuple(seen))
    holds = [fits(seen[n]) for n in scope if n in seen]
    if p["std_form"] and holds:
        # the spread too: A's measured standard deviation against the stated formula at r
        r = min(p["r"], 64)
        want_std = 1 / r if p["std_form"] == "1/r" else r ** -0.5
        # (of the Gaussian ones measured: the spread of a uniform A is another matter)
        stds = {n: measured[n]["std"] for n in scope if seen.get(n) == "gaussian"}
        holds = [h and (n not in stds or abs(stds[n] - want_std) <= 0.1 * want_std)
                 for h, n in zip(holds, [n for n in scope if n in seen], strict=True)]
        text += "; std of A " + ", ".join(f"{n.replace('_', ' ')} {s:.4g}" for n, s in
                                          stds.items()) + f" against {p['std_form']} = " \
            f"{want_std:.4g} at r={r}"
    if not holds:
        return result("skipped", f"nothing measured for {p['source']}: {text}", measured,
                      expected)
    if p["source"]:
        whose = {"peft": "PEFT's", "paper": "the paper's",
                 "peft_gaussian": "PEFT's init_lora_weights='gaussian'"}[p["source"]]
        text = f"judged on {whose} initialisation; {text}"
    if all(holds):
        return result("supported", f"{text[0].upper()}{text[1:]}.", measured, expected)
    if any(holds):
        good = [n.replace("_", " ") for n in scope if n in seen and fits(seen[n])]
        return result("conditional", f"A starts {want.replace('_', '-')} only in "
                      f"{', '.join(good)}: {text}.", measured, expected)
    return result("refuted", f"{text[0].upper()}{text[1:]}.", measured, expected)


# a number bounding the rank right after the words that state the bound ("at most 8")
_RANK_BOUND = re.compile(r"\s*(?:the\s+)?(?:rank\s+)?(\d{1,4})\b(?!\s*(?:%|x\b|[KMGT]i?B|bits?))",
                         re.I)
_CLAIM_OF = {"init_equals_base": "init_equals_base", "rank_bounded": "rank_at_most_r",
             "update_form": "delta_shape", "scaling": "scaling", "a_init": "a_init"}
# The sizes a frame may state, with the bounds `run` accepts (a value outside them is left to
# the default: it does not decide any of these claims).
_SIZES = {"d": 65536, "k": 65536, "r": 1024, "alpha": 4096.0}


def _sizes(frame: Frame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, top in _SIZES.items():
        value = frame.conditions.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= top:
            out[name] = float(value) if name == "alpha" else int(value)
    return out


def to_params(frame: Frame) -> dict[str, Any] | str:
    """Which property of B A the frame states, with the sizes it states. Facets: `b_random`
    (B initialised at random), `order_ab` (the product written A B), `sqrt` / `plain` (the
    scale written alpha/sqrt(r) / alpha/r); an rsLoRA subject sets `rslora`."""
    claim = _CLAIM_OF.get(frame.predicate)
    if claim is None:
        return f"no claim of this verifier is read from '{frame.predicate}'"
    params: dict[str, Any] = {"claim": claim, **_sizes(frame)}
    if claim == "rank_at_most_r" and frame.polarity and "r" not in params and (
            bound := _RANK_BOUND.match(frame.text, frame.spans.get("predicate", (0, 0))[1])) \
            and not frame.has("own_setup"):
        # "each update has rank at most 8" with no r stated: the bound is r where r is 8, and
        # holds at any r up to it (mark own_setup: the writer's own setting, whose r it is)
        top = int(bound.group(1))
        if 0 < top <= _SIZES["r"]:
            params["r"] = top
            params["_condition"] = (f"where the adapter's rank r is at most {top} (the sentence "
                                    "states no r)")
    if claim == "init_equals_base":
        if frame.has("a_zero") and frame.has("roles_swapped"):
            # "swapping the roles (A zero, B random) also starts at zero": the exchanged
            # initialisation is measured, not said to be LoRA's own
            return {**params, "b_init": "swapped"}
        if frame.has("a_zero") and frame.has("embedding_layer"):
            return ("said of LoRA on embedding layers, which PEFT initialises the other way "
                    "round (A zero, B normal): the linear layers' initialisation is measured")
        if frame.has("a_zero"):  # "both A and B start at zero": how A starts is what is wrong
            return {"claim": "a_init", "a_dist": "zero", **_sizes(frame),
                    "source": "peft" if frame.has("peft_default") else ""}
        params["b_init"] = "random" if frame.has("b_random") else "zeros"
    elif claim == "a_init":
        dist = next((d for d, facet in (("kaiming_uniform", "a_kaiming"),
                                        ("gaussian", "a_gauss"), ("uniform", "a_uniform"),
                                        ("random", "a_random")) if frame.has(facet)), None)
        if dist is None:
            return "no distribution for A is read"
        # ('"gaussian" draws A from a normal' beside the default: the option's own claim)
        gaussian_option = (frame.has("a_option_quoted") and dist == "gaussian") or (
            frame.has("a_option_gauss") and not frame.has("a_default"))
        if frame.has("a_both") and not gaussian_option:
            dist = "random"  # a Gaussian and a uniform both named: that A is random is read
        params["a_dist"] = dist
        # PEFT named (or its option), or the paper: that one is measured; else all of them
        # (the Gaussian option set, not set against the default: that option is measured)
        params["source"] = ("peft_gaussian" if gaussian_option else "peft"
                            if frame.has("a_peft") else "paper" if frame.has("a_paper")
                            # "with the default, A is ...": a library's default, not the paper's
                            else "peft" if frame.has("a_default") else "")
        std = [form for form, facet in (("1/r", "std_1_r"), ("1/sqrt(r)", "std_1_sqrt_r"))
               if frame.has(facet)]
        if len(std) == 1 and dist == "gaussian":  # (the spread of a Gaussian A)
            params["std_form"] = std[0]
        if frame.has("a_default") and not gaussian_option:
            params["a_default"] = True
    elif claim == "delta_shape":
        order = frame.conditions.get("order")
        params["order"] = "AB" if frame.has("order_ab") or order == "AB" else "BA"
    elif claim == "scaling" and frame.has("merge_scale"):
        # "the alpha/r factor is dropped at merge time" (denied): PEFT's merged weight read back
        return {"claim": "merge_scaled"}
    elif claim == "scaling":
        sqrt, plain = frame.has("sqrt"), frame.has("plain")
        # (rsLoRA only from the article or section, with alpha/r written: the sentence states
        # LoRA's own scale, as in code that merges "W + (alpha/r) B A")
        rslora = frame.subject == "rslora" and (frame.subject_named or not plain or sqrt) \
            or bool(_RSLORA_ON.search(frame.text)) and not plain  # ("if you set use_rslora=True")
        if frame.has("variant_sqrt") or frame.has("variant_plain"):
            # "X instead of the standard Y": X is the variant's (rsLoRA's) scale, Y LoRA's
            rslora, sqrt, plain = True, frame.has("variant_sqrt"), frame.has("variant_plain")
        if rslora and plain and not sqrt and frame.has("plain_criticised"):
            rslora = False  # "rsLoRA's argument: with alpha/r the update shrinks as r grows"
        if rslora and frame.has("rslora_off") and not sqrt:
            rslora = False  # "without rsLoRA, r = 64 and alpha = 16 give 0.25": LoRA's scale
        if frame.has("rslora_off") and sqrt and not frame.polarity \
                and not _SCALE_NUMBER.search(frame.text):
            # "use_rslora is False unless you turn it on, so by default PEFT divides by r, not by
            # the square root of r": the root denied of the scale with rsLoRA off
            return {**params, "rslora": False, "rslora_off": True,
                    "scaling_form": "alpha/sqrt(r)"}
        later = _RSLORA_LATER.search(frame.text)
        if rslora and plain and not sqrt and later and not _RSLORA_NAMED.search(
                frame.text, 0, later.start()):
            # "effective scale is alpha/r = 0.25; if you meant rsLoRA, set use_rslora=True,
            # which makes it 2.0": alpha/r's clause first, rsLoRA only a later clause's advice
            return {**params, "rslora": False, "scaling_form": "alpha/r",
                    **_first_clause_value(frame, later.start())}
        if rslora and not frame.subject_named and frame.has("standard_named") and not sqrt \
                and not _RSLORA_ON.search(frame.text):
            # "under the standard convention, going from r=8 to r=32 cuts the scale from 2 to
            # 0.5" on an rsLoRA page: the sentence names LoRA's own scaling
            rslora = False
        if rslora and plain and not sqrt and frame.has("standard_plain") \
                and not frame.has("variant_plain") and not frame.has("baseline_plain"):
            rslora, sqrt = False, False  # "the standard scaling is alpha/r": LoRA's scale
        relative = frame.has("rel_down") or frame.has("rel_up") or any(
            frame.has(f"rel_{r}") for r in (*_RELATION, *_DIRECTION))
        if rslora and relative and frame.has("default_plain") and not sqrt \
                and not frame.has("baseline_plain"):  # ("whereas standard alpha/r ...": a
            # contrast, the change said is rsLoRA's)
            rslora = False  # "with the default alpha/r scaling, raising r ... cuts the scale"
        elif rslora and plain and frame.has("baseline_plain") and not sqrt:
            # "rsLoRA's factor is 2, eight times the classic alpha/r value": the classic form
            # is what rsLoRA is set against, not its own
            plain = False
        params["rslora"] = rslora
        if not rslora and plain and not sqrt and _RSLORA_ON.search(frame.text):
            # "the config set use_rslora=True while alpha came from a recipe tuned for plain
            # alpha/r, so the scale jumped from 2 to 16": rsLoRA is switched on, so alpha/r is
            # not taken as the form of the values stated
            plain = False
        times = next((t for t, facet in (("sqrt(r)", "alpha_times_sqrt_r"),
                                         ("r", "alpha_times_r")) if frame.has(facet)), "")
        if times and _RSLORA_NAMED.search(frame.text):
            # "for rsLoRA adapters in a loader that divides by r, multiply alpha by the rank":
            # plain LoRA's scale at that alpha set against rsLoRA's
            return {"claim": "scaling", "rslora": True, "alpha_times": times,
                    **{k: params[k] for k in ("r", "alpha") if k in params}}
        if rslora and frame.has("lr_target"):
            # "using rsLoRA just means a factor is applied to the learning rate": what the
            # factor acts on is the claim
            return {**params, "scale_target": "learning_rate"}
        owned = _each_owned(frame.text) if sqrt and plain and not relative and not any(
            q.value not in (params.get("r"), params.get("alpha")) for q in frame.quantities) \
            else ""
        if owned:
            # "standard LoRA scales the update by alpha/r, rsLoRA by alpha/sqrt(r)": each form
            # after its own method's name; the form said to be rsLoRA's is the claim measured
            rslora, sqrt, plain = True, owned == "right", owned == "swapped"
            params["rslora"] = True
        if sqrt and plain and not rslora:
            return ("the sentence states both alpha/r and alpha/sqrt(r); which belongs to which "
                    "method is not read")
        if frame.has("squared"):  # "alpha/r^2": a form no method uses; its 2 is no value
            return {**params, "scaling_form": "alpha/r^2"}
        if frame.has("inverse") and not sqrt and not plain:  # "scaled by r/alpha"
            return {**params, "scaling_form": "r/alpha"}
        if frame.has("times_r") and not sqrt and not plain:  # "scale = alpha * r"
            return {**params, "scaling_form": "alpha*r"}
        if frame.has("times_sqrt") and not frame.has("variant_sqrt"):
            # "alpha * sqrt(r)": the root multiplies, a form no method uses
            return {**params, "scaling_form": "alpha*sqrt(r)"}
        if sqrt:
            params["scaling_form"] = "alpha/sqrt(r)"
        elif plain:
            params["scaling_form"] = "alpha/r"
        relation = next((r for r in (*_RELATION, *_DIRECTION) if frame.has(f"rel_{r}")), "")
        if relation and frame.has("varied_alpha"):
            # what changing alpha does (r fixed): the scale is linear in alpha under alpha/r and
            # alpha/sqrt(r) alike, so no form is a condition; stated alphas give the change
            return {**params, **_alpha_change(frame, relation)}
        # how the scale follows r depends on the form: alpha/r (LoRA's, PEFT's default) or
        # alpha/sqrt(r) (use_rslora, a variant the sentence would name); a relation said with
        # no form named is LoRA's, and is measured under alpha/r
        alike = frame.has("standard_alike") and not plain and not sqrt
        if relation and rslora and (plain or frame.has("standard_named")) and not alike:
            # "doubling r halves the standard alpha/r, whereas under rsLoRA it drops 1.41x":
            # two forms, each with its own change; which change is whose is not read
            return ("the sentence sets the standard alpha/r scale against rsLoRA's; which "
                    "change of the scale is said of which is not read")
        by = _DOUBLING_BY.search(frame.text) if frame.has("rel_doubling_by") else None
        if by is not None and not any(q.span[0] == by.start(1) for q in frame.quantities):
            by = None  # (a figure of another method's clause, not this frame's)
        if by is not None and float(by.group(1)) > 1 and not frame.conditions.get("ranks"):
            # "with rsLoRA, doubling the rank shrinks the scale by a factor of root two": the
            # ratio at 2r whatever r and alpha are (measured at the stated ones, else the
            # defaults)
            digits = by.group(1).split(".")[1] if "." in by.group(1) else ""
            down = 1 / float(by.group(1))
            return {**params, "relation": _FACTOR, "rank_factor": 2.0, "scale_factor": down,
                    "scale_tol": down * max(0.02, 0.5 * 10 ** -len(digits) / float(by.group(1)))}
        ends = _SCALE_ENDS.search(frame.text)
        ranks = frame.conditions.get("ranks") or ()
        if len(ranks) == 2 and ranks[0][0] and ranks[1][0] and not ends \
                and _SCALE_UNCHANGED.search(frame.text):
            # "going from r=16 to r=32 with alpha held at 32 leaves the scaling factor
            # unchanged": a factor of one across the change of rank
            return {**params, "relation": _FACTOR, "r": int(ranks[0][0]),
                    "rank_factor": ranks[1][0] / ranks[0][0], "scale_factor": 1.0,
                    "scale_tol": 0.02}
        if ends and len(ranks) == 2 and "alpha" in frame.conditions:
            # "with alpha = 16, moving from r = 16 to r = 64 halves the scale from 1 to 0.5":
            # the scale it ends at, at the rank it ends at, is what is checked (the change
            # follows from the two values)
            end = float(ends.group("to"))
            digits = ends.group("to").split(".")[1] if "." in ends.group("to") else ""
            # (a whole number is the scale itself, "from 2 down to 1", within 5%)
            return {**params, "r": int(ranks[1][0]), "scale_value": end,
                    "scale_tol": 0.5 * 10 ** -len(digits) if digits else 0.05 * end}
        if relation:  # "doubling r halves the scale": measured at r and 2r
            # (a direction alone is the same under both forms: both shrink as r grows)
            return {**params, "relation": relation}
        if rslora and not frame.conditions.get("ranks") and _SCALE_UNCHANGED.search(frame.text):
            # "rsLoRA is just another initialisation; the scaling factor is unchanged": rsLoRA
            # against alpha/r at the same alpha and r, said to be a factor of 1
            return {**params, "rslora": False, "relation": _FACTOR, "varied": "rslora",
                    "scale_factor": 1.0, "scale_tol": 0.02}
        switch = _rslora_switch(frame) if rslora else None
        if switch is not None:  # "turned on use_rslora and the scale went up 4x"
            return {**params, **switch}
        factor = _stated_factor(frame)
        if factor is not None and sqrt and plain and not rslora:
            # "with alpha/sqrt(r), going from r=16 to r=256 multiplies it by a quarter, instead
            # of a sixteenth under alpha/r": both forms, each with its own change
            return ("the sentence names alpha/r and alpha/sqrt(r), each with its own change of "
                    "the scale; which change is said of which is not read")
        if factor is not None:  # "from r=16 to r=256 the scale shrinks by 4x"
            if sqrt and not plain:  # "with alpha/sqrt(r), going from ...": that form's change
                factor = {**factor, "rslora": True}
            return {**params, **factor}
        value = _scale_value(frame)  # several numbers: the form alone is checked
        stated = _scale_quantities(frame)
        if value is None and _BOTH_FORMS.search(frame.text) \
                and len({q.value for q in stated}) >= 2:
            # "the scale is 2.0 under standard LoRA and 4.0 under rsLoRA", "rsLoRA's scale is
            # 4, compared with 1 for standard LoRA": the value said of standard LoRA set aside,
            # the one left is rsLoRA's
            own = [q for q in stated if not _PLAIN_AFTER.match(frame.text, q.span[1])
                   and not _PLAIN_BEFORE.search(frame.text, max(0, q.span[0] - 40), q.span[0])]
            if len({q.value for q in own}) != 1:
                return ("the sentence gives a scale for standard LoRA and one for rsLoRA; which "
                        "value is whose is not read")
            q = own[0]
            return {**params, "rslora": True, "scaling_form": "alpha/sqrt(r)",
                    "scale_value": q.value, "scale_tol": q.precision if "." in q.text
                    else 0.05 * q.value}
        if value is not None and rslora and not sqrt and _plain_value_written(frame, value):
            # "trained with rsLoRA but merged by a loader that uses alpha/r, at r=64 and
            # alpha=16 it gets 0.25 instead of 2": the value is alpha/r's, which is measured
            return {**params, "rslora": False, "scaling_form": "alpha/r",
                    "scale_value": value.value, "scale_tol": value.precision}
        if value is not None:
            params["scale_value"], params["scale_tol"] = value.value, value.precision
            if len(ranks) == 2 and ranks[1][0] and (
                    frame.has("rel_to_part")
                    or _ENDS_AT.search(frame.text, max(0, value.span[0] - 40), value.span[0])
                    or _RANK_FROM_TO.search(frame.text, 0, value.span[0]) and value.unit != "x"
                    and not _FROM_BEFORE.search(frame.text, 0, value.span[0])):
                # "from r=16 to r=64 ... cuts the scale to 0.25", "raised r from 8 to 16 ...,
                # the scale became half, 1.0", "move from r=8 to r=64, and the update is scaled
                # by 0.25": the value it ends at, at the rank it ends at
                params["r"] = int(ranks[1][0])
            worked = _WORKED.search(frame.text)
            if worked and "r" not in frame.conditions and "alpha" not in frame.conditions:
                # "alpha/r, e.g. 32/16 = 2": the example's operands are alpha and r
                alpha, r = float(worked.group(1)), float(worked.group(3))
                if r == int(r) and 1 <= r <= 1024 and 0 < alpha <= 4096:
                    return {**params, "alpha": alpha, "r": int(r),
                            **({"rslora": True} if worked.group("sqrt") and not rslora
                               else {})}
            per_r = frame.conditions.get("alpha_per_r")
            if per_r and "r" not in frame.conditions and "alpha" not in frame.conditions:
                # "alpha equal to r makes the factor 1": alpha tied to r, at whatever r
                return {**params, "alpha_per_r": float(per_r)}
            unstated = [n for n in ("alpha", "r") if n not in frame.conditions]
            if "alpha" in unstated and frame.has("alpha_default"):
                # "lora_alpha left at its PEFT default": the installed PEFT's value, in run
                unstated.remove("alpha")
                params["alpha_default"] = True
            # (alpha from PEFT is known only at run time: an open r is not solved for)
            solved = _solve(unstated, frame.conditions, value.value, rslora) \
                if value.value and not params.get("alpha_default") else None
            if solved is not None:  # one of them open: the value that gives the stated scale
                name, x = solved
                params[name] = x
                params["_condition"] = f"for {name} = {x:g} (the sentence states no {name})"
            elif unstated == ["alpha", "r"] and not params.get("alpha_default") \
                    and not frame.has("peft_default") \
                    and 1e-3 <= (alpha := value.value * (8 ** 0.5 if rslora else 8)) <= 4096:
                # "the update is scaled by 2", neither alpha nor r stated: some alpha gives it
                # at PEFT's default rank, where it is measured; it holds for that alpha only
                # (not beside a default, whose number is the default's: "lora_alpha ... default:
                # 16")
                params["r"], params["alpha"] = 8, alpha
                params["_condition"] = (f"for an alpha and r that give it (the sentence states "
                                        f"neither; e.g. alpha = {alpha:g} at r = 8)")
            elif unstated:  # any value is some alpha/r: the number alone decides nothing
                params["_open"] = [" and ".join(unstated)]
                params["_condition"] = f"for some {' and '.join(unstated)} (not stated)"
    return params


def _alpha_change(frame: Frame, relation: str) -> dict[str, Any]:
    """A relation said of a change of alpha: from the stated alphas ("from 16 to 32 doubles
    the update": the stated factor for their ratio), else for a halved alpha where it is said
    to be halved or lowered (from 16 to 8), else for a doubled alpha."""
    params: dict[str, Any] = {"varied": "alpha", "relation": relation}
    alphas = frame.conditions.get("alphas")
    if not alphas and frame.has("alpha_lowered"):  # "halve alpha", "lower alpha"
        alphas = (16.0, 8.0)
    if alphas:
        factor = alphas[1] / alphas[0]
        params.update(alpha=float(alphas[0]), rank_factor=factor)
        if relation in _RELATION and factor != 2.0:  # "from 8 to 32 doubles it": x2 for x4
            params.update(relation=_FACTOR, scale_factor=_RELATION[relation])
    return params


# a factor's slack from its digits, at most a quarter of it: "10x" is read as 7.5-12.5, not
# 5-15 (the half-step of its last digit), so a measured 5x is not "10x"
_FACTOR_SLACK = 0.25


_RSLORA_ON = re.compile(r"\buse_rslora\s*=\s*True\b", re.I)
_SET_AGAINST = re.compile(r"\s*(?:instead\s+of|rather\s+than|versus|vs\.?|compared\s+(?:to|with)|"
                          r"against|(?:of\s+)?the\s+(?:intended|expected|target|desired|trained|"
                          r"correct|right|original)(?:\s+(?:scale|value|factor))?)"
                          r"\s+(?:about\s+|~\s*)?\d", re.I)


# a later clause that names rsLoRA as a choice: "; if you intended rsLoRA, set use_rslora=True"
_RSLORA_LATER = re.compile(r"[;:]\s*(?:but\s+|and\s+)?(?:if|should|when|to|for)\b[^;]{0,40}?"
                           r"\b(?:rs-?LoRA|use_rslora)\b", re.I)


# alpha/r given to something else in a relative clause ("a loader that uses alpha/r")
_PLAIN_WRITTEN = re.compile(r"\b(?:that|which)\s+(?:uses|applies|computes|divides\s+by|scales\s+"
                            r"by)\s+(?:the\s+)?(?:plain\s+|standard\s+)?(?:alpha|\u03b1|"
                            r"lora_alpha)\s*/\s*r\b", re.I)


def _plain_value_written(frame: Frame, value: Any) -> bool:
    """rsLoRA named (not switched on in a config), alpha/r given to something else in a relative
    clause and no root: a stated value that is alpha/r's at the stated r and alpha and not
    alpha/sqrt(r)'s is the value of what divides by r ("trained with rsLoRA but merged by a
    loader that uses alpha/r, at r=64 and alpha=16 it gets 0.25")."""
    r, alpha = frame.conditions.get("r"), frame.conditions.get("alpha")
    if not _PLAIN_WRITTEN.search(frame.text) or _RSLORA_ON.search(frame.text) \
            or not isinstance(r, int) or r <= 1 or not alpha:
        return False

    def near(x: float, y: float) -> bool:
        return abs(x - y) <= max(0.01, 0.03 * y)

    return near(value.value, alpha / r) and not near(value.value, alpha / r ** 0.5)


def _first_clause_value(frame: Frame, end: int) -> dict[str, Any]:
    """The one scale value stated before `end` (after the rank and alpha), if there is one."""
    qs = [q for q in _scale_quantities(frame) if q.span[1] <= end]
    if len({q.value for q in qs}) != 1:
        return {}
    q = qs[0]
    return {"scale_value": q.value, "scale_tol": q.precision}


def _rslora_switch(frame: Frame) -> dict[str, Any] | None:
    """rsLoRA switched on and the scale said to change by a factor ("turned on use_rslora and
    the effective scale went up 4x", "four times larger than alpha/r"): that factor against
    alpha/r, sqrt(r), at the stated r, or else at the rank that gives it (a condition)."""
    times = next((q for q in frame.quantities if q.unit == "x" and q.value > 1), None)
    if times is None or not frame.has("rslora_switch") or frame.conditions.get("ranks"):
        return None
    if _SET_AGAINST.match(frame.text, times.span[1]):
        return None  # "a factor of 2 versus 0.25", "4, 2x the intended 2": the two scales, not
        # a change by 2x
    r, alpha = frame.conditions.get("r"), frame.conditions.get("alpha")
    if isinstance(r, int) and r > 0 and alpha and any(
            abs(times.value - v) <= 1e-6 * v for v in (alpha / r ** 0.5, alpha / r)):
        # "with r=64 and alpha=16 that is a factor of 2 (instead of 0.25)": the factor is the
        # scale itself at the stated r and alpha, not how much it changes
        return None
    tol = times.value * max(0.02, min(times.precision / times.value, _FACTOR_SLACK),
                            0.1 if times.bound == "approx" else 0.0)
    out: dict[str, Any] = {"relation": _FACTOR, "varied": "rslora", "rslora": False,
                           "scale_factor": times.value, "scale_tol": tol}
    if isinstance(frame.conditions.get("r"), int):
        return out
    r = times.value ** 2
    if abs(r - round(r)) > 1e-6 or not 1 <= round(r) <= 1024:
        return None
    return {**out, "r": round(r), "_condition": f"for r = {round(r)} (the sentence states no r; "
                                               f"rsLoRA multiplies alpha/r by sqrt(r))"}


# the value a change ends at: "... the scale became half, 1.0", "... drops to 0.5"
_ENDS_AT = re.compile(r"\b(?:became|becomes|become|is\s+now|was\s+now|ends?\s+up\s+(?:at|as)|"
                      r"turn(?:s|ed)\s+into|(?:drops?|dropped|falls?|fell|goes|went|comes?|came|"
                      r"shrinks?|shrank|moves?|moved)\s+(?:down\s+)?to)\b[^.;\d]{0,20}$", re.I)


# the factor a doubled rank divides the scale by: "... by a factor of 1.414", "... by 2x"
_DOUBLING_BY = re.compile(r"\bby\s+(?:a\s+factor\s+of\s+)?(?:about\s+|roughly\s+|~\s*)?"
                          r"(\d{1,3}(?:\.\d{1,4})?)(?:\s*x\b)?(?!\d|\.\d)", re.I)


# a part said of the value before the change: "to a quarter of its value", "of what it was"
_OF_OLD_VALUE = re.compile(r"\s+of\s+(?:(?:its|their|the)\s+(?:(?:old|former|previous|original|"
                           r"earlier|starting|initial)\s+)?(?:value|size|level|magnitude)|"
                           r"what\s+it\s+(?:was|had\s+been))\b", re.I)


_PLAIN_FORM_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:under|with|for|in|of)\s+(?:the\s+)?"
                               r"(?:standard|plain|vanilla|regular|ordinary|classic|usual)\s+"
                               r"(?:LoRA|alpha\s*/\s*r|scaling)\b", re.I)


def _stated_factor(frame: Frame) -> dict[str, Any] | None:
    """A change of r (two ranks stated) and the factor the scale is said to change by (an
    "Nx", down with facet rel_down, up with rel_up): the relation's parameters, or None."""
    ranks = frame.conditions.get("ranks") or ()
    # (not a factor said of standard LoRA in a sentence about rsLoRA: "halved rsLoRA's scale,
    # compared with a 4x drop under standard LoRA")
    other = bool(_RSLORA_NAMED.search(frame.text))
    plains = [q for q in frame.quantities if q.unit == "x" and q.value > 0 and other
              and _PLAIN_FORM_AFTER.match(frame.text, q.span[1])]
    times = next((q for q in frame.quantities if q.unit == "x" and q.value > 0
                  and q not in plains), None)
    down, up = frame.has("rel_down"), frame.has("rel_up")
    if times is None and (frame.has("rel_by_half") or frame.has("rel_by_double")):
        times = Quantity(2.0, "x")  # "... halves the multiplier", "the scaling is becoming double
    if times is None and frame.has("rel_by_quarter"):
        times = Quantity(4.0, "x")  # "... quarters the scale"
    if times is None and frame.has("rel_to_part"):
        # "... cuts the scale to a quarter" (with alpha stated, "to 0.25" may be the scale's
        # value itself, which normalise's digits do not tell apart from the fraction, unless
        # the part is said of the old value: "to a quarter of its value")
        part = next((q for q in frame.quantities if 0 < q.value < 1), None)
        if part and ("alpha" not in frame.conditions
                     or _OF_OLD_VALUE.match(frame.text, part.span[1])):
            times = Quantity(1 / part.value, "x")
    scales = _SCALE_FROM_TO.search(frame.text)
    if times is None and len(ranks) == 2 and ranks[0][0] and scales is not None \
            and float(scales.group(1)) > 0:
        # "going from r=8 to r=32 drops the scale from 2 to 0.5": the two scales' ratio
        scale = float(scales.group(2)) / float(scales.group(1))
        digits = min(_precision(scales.group(1)), _precision(scales.group(2)))
        return {"relation": _FACTOR, "r": ranks[0][0], "rank_factor": ranks[1][0] / ranks[0][0],
                "scale_factor": scale, "scale_tol": scale * max(0.02, digits)}
    verb = _BY_VERB.search(frame.text)
    if len(ranks) == 2 and verb is not None and _RANK_FROM_TO.search(frame.text):
        # "going from r=4 to r=64 multiplies the scale by 0.25x", "... divides it by 4"
        times = times or next((q for q in frame.quantities if q.value > 0 and q.unit in (
            "x", "count") and q.span[0] >= verb.end()), None)
        if down == up:
            down, up = verb.group(1).lower().startswith("divid"), \
                verb.group(1).lower().startswith("multipl")
    if len(ranks) != 2 or times is None or down == up or not ranks[0][0]:
        return None
    r1, r2 = ranks[0][0], ranks[1][0]
    scale = 1 / times.value if down else times.value
    tol = scale * max(0.02, min(times.precision / times.value, _FACTOR_SLACK),
                      0.1 if times.bound == "approx" else 0.0)
    return {"relation": _FACTOR, "r": r1, "rank_factor": r2 / r1, "scale_factor": scale,
            "scale_tol": tol, **({"rslora": True} if plains else {})}


def _solve(unstated: list[str], stated: dict[str, Any], scale: float, rslora: bool
           ) -> tuple[str, float] | None:
    """With alpha or r stated and the other open, the open one that gives the stated scale
    (a whole rank of 1..1024, or an alpha of at most 4096), else None."""
    if unstated == ["r"]:
        root = stated["alpha"] / scale
        r = root * root if rslora else root
        if abs(r - round(r)) < 1e-6 and 1 <= round(r) <= 1024:
            return "r", int(round(r))
    elif unstated == ["alpha"]:
        r = stated["r"]
        alpha = scale * (r ** 0.5 if rslora else r)
        if 1e-3 <= alpha <= 4096:
            return "alpha", alpha
    return None


# the scale's own values where a change of rank moves it: "halves the scale from 1 to 0.5"
_SCALE_ENDS = re.compile(r"\b(?:scal\w*|multiplier)(?:\s+factor)?,?\s+(?:goes\s+|drops\s+|falls\s+|"
                         r"moves\s+)?from\s+(?:about\s+|~\s*)?(?P<from>\d{1,4}(?:\.\d{1,4})?)\s+"
                         r"(?:down\s+|up\s+)?to\s+(?:about\s+|~\s*)?(?P<to>\d{1,4}(?:\.\d{1,4})?)"
                         r"(?![\d%])(?!\.\d)", re.I)


_PLAIN = r"(?:standard|plain|vanilla|regular|ordinary|classic)\s+LoRA"
_BOTH_FORMS = re.compile(rf"\b{_PLAIN}\b(?:[^.;]|\.(?=\d)){{0,80}}?\brs-?LoRA\b|"
                         rf"\brs-?LoRA\b(?:[^.;]|\.(?=\d)){{0,80}}?\b{_PLAIN}\b", re.I)
# a value said of standard LoRA: "... and 2.0 under standard LoRA", "plain LoRA would give 0.25"
_PLAIN_AFTER = re.compile(rf"\s*\)?\s*,?\s*(?:for|with|under|in|on|from)\s+(?:the\s+)?{_PLAIN}\b",
                          re.I)
_PLAIN_BEFORE = re.compile(rf"\b{_PLAIN}(?:'s)?(?:\s+scale)?\s+(?:would\s+)?(?:give|gives|be|is|"
                           r"scales?\s+(?:by|to)|yields?|uses?|gets?|has|have|applies|apply)\s*"
                           r"(?:only\s+|just\s+|about\s+)?$", re.I)


_OPERAND_AT = re.compile(r"(?:/|sqrt\(?)\s*$", re.I)


def _scale_quantities(frame: Frame) -> list[Quantity]:
    """The numbers a scaling frame states that fill neither r nor alpha."""
    filled = {frame.conditions.get(k) for k in ("r", "alpha")}
    return [q for q in frame.quantities if q.unit in ("x", "count")
            and 0 < q.value <= 1024 and q.value not in filled
            # (not an operand worked out: "16/8 = 2", "sqrt 64")
            and not _OPERAND_AT.search(frame.text, max(0, q.span[0] - 6), q.span[0])
            and not _DIVIDES.match(frame.text, q.span[1])]


def _scale_value(frame: Frame) -> Any:
    """The number a scaling frame gives the scale ('multiplied by 2', 'a scaling factor of
    0.5'), not one that fills r, alpha, d or k."""
    filled = [frame.spans[k] for k in ("r", "alpha", "d", "k", "alpha_per_r")
              if k in frame.spans]
    # (each rank of a stated change: "from r=16 to r=64")
    filled += [(at, at + 8) for _, at in frame.conditions.get("ranks") or ()]
    values = [q for q in frame.quantities if q.unit in ("x", "count") and 0 < q.value <= 1024
              and q.bound in ("eq", "approx")
              # ("divides by r^2": an exponent)
              and not frame.text[max(0, q.span[0] - 3):q.span[0]].rstrip().endswith("^")
              and not any(a <= q.span[0] < b for a, b in filled)
              # ("two extra thin matrix multiplications": a number of things, not the scale;
              # "shrank their updates by a factor of 8": a change of the scale)
              and not _COUNTED.match(frame.text, q.span[1])
              and not _CHANGE_BY.search(frame.text, max(0, q.span[0] - 80), q.span[0])
              # ("going from r=16 to r=64 multiplies it by four": what changes with the rank)
              and not (frame.conditions.get("ranks")
                       and _IT_BY.search(frame.text, max(0, q.span[0] - 40), q.span[0]))
              # "twice the usual factor of 2": the other form's value and the ratio to it
              and not (frame.subject == "rslora"
                       and _USUAL_BEFORE.search(frame.text, max(0, q.span[0] - 40), q.span[0]))
              and not (q.unit == "x" and _RATIO_TO.match(frame.text, q.span[1]))
              # ("the scale becomes 16/64 = 0.25": the division's operands, not its value)
              and not _DIVIDES.match(frame.text, q.span[1])
              and not _DIVIDED.search(frame.text, max(0, q.span[0] - 12), q.span[0])
              # ("7.3 With rsLoRA, ...": a numbered item's label; "the method of claim 2": a
              # reference to another item)
              and not (not frame.text[:q.span[0]].strip(" *-#(")
                       and _LABEL_AFTER.match(frame.text, q.span[1]))
              and not _REFERENCE_BEFORE.search(frame.text, max(0, q.span[0] - 12), q.span[0])]
    to = _FROM_TO.search(frame.text) if len(values) == 2 else None
    if to:  # "the scaling went from 0.25 to 2.0": the value it goes to
        went = next((q for q in values if q.span[0] == to.start(1)), None)
        if went is not None:
            return went
    a, b = frame.spans.get("predicate", (0, 0))
    inside = [q for q in values if a <= q.span[0] and q.span[1] <= b]
    if len(inside) == 1 and not any(q.span[0] >= b for q in values) \
            and not frame.conditions.get("ranks"):
        # "Mar 8: ... the scaling dropped to 0.25": the one in its words (none said after it,
        # as a second scale is: "the classic scaling is 0.25 whereas rsLoRA's is 2"; and no two
        # ranks, whose change "multiplies it by four")
        return inside[0]
    return values[0] if len(values) == 1 else None


_SCALE_UNCHANGED = re.compile(r"\b(?:scal\w*|factor|multiplier)\b(?:\s+[\w-]+){0,2}?\s+(?:is|stays|"
                              r"remains|was)\s+(?:left\s+)?(?:unchanged|the\s+same|untouched|"
                              r"unaffected)\b|\bleaves?\s+the\s+(?:[\w-]+\s+)?(?:scal\w*|"
                              r"factor|multiplier)\s+(?:\w+\s+)?(?:unchanged|untouched|alone)\b",
                              re.I)
# the two forms, each right after the name of the method it is (with no change between them:
# "switches from alpha/r to alpha/sqrt(r)" names one method's old and new scale)
_FORMS = re.compile(r"(?<![a-z])(?:lora_)?alpha\s*/\s*(?:(?P<sqrt>(?:math\.)?sqrt)|(?:r|rank)\b"
                    r"(?!\s*\^))", re.I)
_PLAIN_OWNER = re.compile(r"\b(?:standard|normal|plain|vanilla|classic|usual|regular|conventional|"
                          r"ordinary|original)\b|(?<![\w-])LoRA\b(?!\+)", re.I)
_SWITCH = re.compile(r"\b(?:from|to|into|instead|rather|replac\w*|switch\w*|chang\w*|becom\w*|"
                     r"turn\w*|mov\w*|go(?:es)?|went)\b", re.I)


def _each_owned(text: str) -> str:
    """"right" where alpha/r follows a name of standard LoRA and alpha/sqrt(r) one of rsLoRA,
    each the nearest method named before its form with no word of change between; "swapped"
    where the names are the other way round (in a sentence that denies nothing); else ""."""
    owners, start = {}, 0
    for m in _FORMS.finditer(text):
        before = text[start:m.start()]
        names = [("rs", n) for n in _RSLORA_NAMED.finditer(before)] + \
                [("plain", n) for n in _PLAIN_OWNER.finditer(before)]
        if not names:
            return ""
        owner, name = max(names, key=lambda x: x[1].start())
        if _SWITCH.search(before, name.end()):
            return ""
        owners.setdefault("sqrt" if m.group("sqrt") else "plain", set()).add(owner)
        start = m.end()
    if owners == {"plain": {"plain"}, "sqrt": {"rs"}}:
        return "right"
    return "swapped" if owners == {"plain": {"rs"}, "sqrt": {"plain"}} \
        and not _DENIES.search(text) else ""


_DENIES = re.compile(r"\b(?:not|no|never|unlike|rather|instead|nor)\b|n't\b", re.I)


_RSLORA_NAMED = re.compile(r"\brs[-_ ]?lora\b|\buse_rslora\b|\brank[- ]stabili[sz]ed\b", re.I)
_REFERENCE_BEFORE = re.compile(r"\b(?:claims?|steps?|sections?|figs?\.?|figures?|tables?|"
                               r"eqs?\.?|equations?|items?|lines?|chapters?|parts?|no\.|#|§)"
                               r"\s*$", re.I)
_LABEL_AFTER = re.compile(r"[.):]?\s+(?:[A-Z(\[]|Q\d)")
_USUAL_BEFORE = re.compile(r"\b(?:usual|standard|classic|plain|normal|regular|vanilla|"
                           r"LoRA's)\s+(?:scal\w*|factor|multiplier)(?:\s+factor)?\s*(?:of|is|=|:)?"
                           r"\s*(?:about\s+|~\s*)?$", re.I)
# a worked example of the scale: "32/16 = 2", "16/sqrt(64) = 2"
_WORKED = re.compile(r"(?<![\d.])(\d{1,4}(?:\.\d+)?)\s*/\s*"
                     r"(?P<sqrt>sqrt\s*\(?\s*|\u221a\s*)?(\d{1,4})\s*\)?\s*(?:=|~=?|\u2248)\s*\d")
# (a numerator over a rank is a form, not a value: "shrinks the update as 1/r"; "16 over 64" is
# a division's operands)
_DIVIDES = re.compile(r"\s*(?:/|\s(?:over|divided\s+by)\s)\s*(?:(?:math\.)?sqrt\s*\(?\s*|"
                      r"\u221a\s*)?(?:\d|(?:r|rank)\b)", re.I)
_DIVIDED = re.compile(r"\d\s*(?:/|\s(?:over|divided\s+by)\s)\s*(?:sqrt\s*\(?\s*|\u221a\s*)?$", re.I)
_RATIO_TO = re.compile(r"\s+(?:the|that|its|LoRA's)\b", re.I)
# the scale's two values: "drops the scale from 2 to 0.5", "the multiplier goes from 4 to 2"
_SCALE_FROM_TO = re.compile(r"\b(?:scal(?:e|ing)|multiplier)(?:\s+factor)?\s+(?:[\w-]+\s+){0,2}?"
                            r"from\s+(?:about\s+|roughly\s+|~\s*)?(\d+(?:\.\d+)?)\s+"
                            r"(?:up\s+|down\s+)?to\s+(?:about\s+|roughly\s+|~\s*)?(\d+(?:\.\d+)?)\b",
                            re.I)


def _precision(number: str) -> float:
    """Half a unit of the last digit written, relative to the number ("0.5": 0.1; "2": 0.25)."""
    places = len(number.split(".")[1]) if "." in number else 0
    return 0.5 * 10 ** -places / float(number) if float(number) else 0.0


# a value of the scale written out ("= 2", "is 0.25"), which the form alone does not judge
_SCALE_NUMBER = re.compile(r"\b(?:scal\w*|factor|multiplier)\b[^.;]{0,30}?(?:=|\bis\b|\bof\b)\s*"
                           r"\d", re.I)
_FROM_TO = re.compile(r"\bfrom\s+(?:about\s+|roughly\s+|~\s*)?\d+(?:\.\d+)?\s+(?:up\s+|down\s+)?"
                      r"to\s+(?:about\s+|roughly\s+|~\s*)?(\d+(?:\.\d+)?)\b", re.I)
# a value a change starts from ("... drops from 4 to one")
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:about\s+|roughly\s+|~\s*)?$", re.I)
# a change of rank ("going from r=4 to r=64"), not two ranks each with its own scale
_RANK_FROM_TO = re.compile(r"(?:\bfrom\s+(?:rank\s+|r\s*=\s*)|\b(?:r|rank)\s+(?:\w+\s+)?from\s+)"
                           r"\d{1,4}\s+(?:up\s+)?to\s+(?:rank\s+|r\s*=\s*)?\d{1,4}\b", re.I)
# the scale multiplied or divided by a stated factor ("multiplies the scale by 0.25x")
_BY_VERB = re.compile(r"\b(multipl\w*|divid\w*)\s+(?:the\s+|its\s+)?(?:[\w-]+\s+){0,2}?"
                      r"(?:scal\w*|multiplier)(?:\s+factor)?\s+by\s+(?:a\s+factor\s+of\s+)?"
                      r"(?:about\s+|roughly\s+|~\s*)?(?=\d)", re.I)
_IT_BY = re.compile(r"\b(?:multipl\w*|divid\w*)\s+(?:it|them|this|that)\s+by\s+(?:a\s+)?"
                    r"(?:factor\s+of\s+)?(?:about\s+|roughly\s+|~\s*)?$", re.I)
_CHANGE_BY = re.compile(r"(?:\b(?:shr[iau]nk\w*|cut\w*|reduc\w*|lower\w*|decreas\w*|drop\w*|"
                        r"grow\w*|grew|increas\w*|rais\w*|boost\w*)\b[^.;]{0,40}?|"
                        # ("multiplies the scale by 4": the scale's change; "the update is
                        # multiplied by 2" gives the scale itself)
                        r"\b(?:multipl\w*|divid\w*)\s+(?:(?:the\s+|its\s+|your\s+)?(?:[\w'-]+\s+){0,2}?"
                        r"(?:scal(?:e|ing)|multiplier)(?:\s+factor)?)\s+)\bby\s+(?:a\s+)?"
                        r"(?:factor\s+of\s+)?(?:about\s+|roughly\s+|~\s*)?$", re.I)
_COUNTED = re.compile(r"\s+(?:[\w-]+\s+){0,3}?(?:multiplications|matmuls|products|matrices|"
                      r"layers|adapters|projections|modules|operations|passes|GPUs|tokens|"
                      r"vectors|factors|terms|steps|epochs|heads|blocks)\b", re.I)


VERIFIER = Verifier(
    id="lora.ba_update",
    version=21,
    title="The LoRA update B A: shape d x k, rank <= r, scale alpha/r, zero at initialisation",
    run=run,
    params=(
        Param("claim", str, default="init_equals_base", choices=CLAIMS,
              help="which property of the update the claim states"),
        Param("d", int, default=512, min=1, max=65536, help="output features of W"),
        Param("k", int, default=512, min=1, max=65536, help="input features of W"),
        Param("r", int, default=8, min=1, max=1024, help="LoRA rank"),
        Param("alpha", float, default=16.0, min=1e-3, max=4096.0, help="LoRA alpha"),
        Param("rslora", bool, default=False, help="rsLoRA: scale alpha/sqrt(r)"),
        Param("rslora_off", bool, default=False,
              help="the sentence says rsLoRA is off: alpha/sqrt(r) is not one option away"),
        Param("alpha_default", bool, default=False,
              help="alpha is PEFT's LoraConfig default (read from the installed PEFT at run)"),
        Param("b_init", str, default="zeros", choices=("zeros", "random", "swapped"),
              help="how the claim initialises B (swapped: B random and A zero)"),
        Param("a_std", float, default=1.0, min=1e-6, max=10.0,
              help="std of the reference A (torch.randn in the usual pseudo-code: 1)"),
        Param("order", str, default="BA", choices=("BA", "AB"), help="factor order as written"),
        Param("scaling_form", str, default="", choices=("", *FORMS), help="stated scale"),
        Param("alpha_times", str, default="", choices=("", "r", "sqrt(r)"),
              help="plain LoRA with alpha multiplied by this said to give rsLoRA's scale (both "
                   "scales measured)"),
        Param("scale_target", str, default="output", choices=("output", "learning_rate"),
              help="what the claim says the factor acts on: the adapter's output, or the "
                   "learning rate (the output is measured)"),
        Param("a_dist", str, default="random", choices=A_DISTS,
              help="how the claim says A starts (a_init)"),
        Param("source", str, default="", choices=("", "peft", "paper", "peft_gaussian"),
              help="whose initialisation the claim names (a_init): PEFT's default, the paper's, "
                   "PEFT's init_lora_weights='gaussian'"),
        Param("std_form", str, default="", choices=("", "1/r", "1/sqrt(r)"),
              help="a_init: the standard deviation stated for A, as a formula of r"),
        Param("a_default", bool, default=False,
              help="a_init: the sentence speaks of the default initialisation"),
        Param("relation", str, default="", choices=("", "halves", "doubles", "same", "factor",
                                                     "grows", "shrinks"),
              help="scaling: what doubling r with alpha fixed does to the scale (factor: a "
                   "stated factor for a stated change of r)"),
        Param("varied", str, default="r", choices=("r", "alpha", "rslora"),
              help="scaling, relation: the setting changed while the other stays fixed"),
        Param("rank_factor", float, default=2.0, min=0.0, max=4096.0,
              help="scaling, relation: the varied setting (r or alpha) changes by this factor"),
        Param("scale_factor", float, default=0.0, min=0.0, max=4096.0,
              help="scaling, relation factor: the factor the scale is said to change by"),
        Param("scale_value", float, default=0.0, min=0.0, max=1024.0,
              help="the scale's value as stated (0: none stated)"),
        Param("scale_tol", float, default=0.0, min=0.0, max=1024.0,
              help="half a unit of the stated value's last digit"),
        Param("alpha_per_r", float, default=0.0, min=0.0, max=64.0,
              help="alpha tied to the rank (alpha = alpha_per_r * r) at no stated r"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("lora", "init_equals_base"), ("lora", "rank_bounded"), ("lora", "update_form"),
            ("lora", "scaling"), ("rslora", "scaling"), ("lora", "a_init")),
    to_params=to_params,
    examples=(
        "Because B is initialised to zero, the adapted model starts out identical to the base "
        "model.",
        "The rank of the update BA can never exceed r.",
        "The weight update is delta W = BA, with B of shape d x r and A of shape r x k.",
        "LoRA scales the update by alpha/r.",
        "rsLoRA scales the adapter output by alpha/sqrt(r).",
        "With r=8 and lora_alpha=16 the LoRA output is multiplied by 2.",
        "PEFT initialises the A matrix with Kaiming-uniform values by default.",
    ),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=120.0,
    # a scale stated without its rank ("the update is multiplied by alpha/r = 2") is solved for
    # the rank it leaves open: the rank the article stated before may decide it
    reads_configuration=True,
)
