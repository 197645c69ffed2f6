"""Bottleneck (Houlsby) adapters: what share of a model's parameters they add, counted.

A Houlsby adapter (Houlsby et al., 2019, §2.1 and Fig. 2) is a down-projection d -> m and an
up-projection m -> d, both with biases, inserted twice in every transformer block (after the
attention output and after the feed-forward), so each adds 2*m*d + m + d parameters. Here
each adapter is built as two `torch.nn.Linear` layers on the meta device (nothing is
allocated) for every block of a preset from `_presets.py`, and their `numel()` is summed and
checked against that formula; the base model's total is the preset's exact count. The layer
norms that Houlsby also trains (4*d per block) are reported, not added: the claims are about
the adapters. Where a claim leaves the bottleneck size m open, every m in `SIZES` is counted
and the verdict says which make the stated share true (`conditional` when some do and some
do not); the exact range of m that fits is searched analytically.
"""

from __future__ import annotations

import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._presets import PRESETS, Preset, resolve
from verifiers.param_count import encode_figure, figure_holds, parse_figures

# Houlsby's grid was {8, 64, 256}; Pfeiffer-style reduction factors 16-64 give m = d/16..d/64:
# powers of two from 8 to 512 cover both on the presets' widths.
SIZES = (8, 16, 32, 64, 128, 256, 512)
# The models adapter papers report on (BERT/RoBERTa) and the decoders texts name most often.
MODELS = ("bert-base", "bert-large", "roberta-base", "roberta-large", "gpt2", "llama-7b")
PER_BLOCK = 2  # one after the attention sub-layer, one after the feed-forward sub-layer
# The figure the Houlsby paper reports (Houlsby et al., 2019, §3.2 and Table 1): adapters train
# 3.6% of BERT-large's parameters per task on GLUE, the size chosen per task from {8, 64, 256}.
# A share stated for no model and no size is judged in that setting when it is that figure.
PAPER = {"model": "bert-large", "share_pct": 3.6, "sizes": (8, 256),
         "source": "Houlsby et al. (2019), GLUE with BERT-large, adapter size 8-256 per task"}

PARAMS = (
    Param("figures", str, default="",
          help="the stated figures in param_count's encoding (kind frac or lora)"),
    Param("model", str, default="", help="a preset id; empty: the adapter papers' models"),
    Param("bottleneck", int, default=0, min=0, max=65536, help="m; 0: enumerate SIZES"),
    Param("d", int, default=0, min=0, max=65536,
          help="the width d of one adapter whose own count is stated; 0: a model's adapters"),
    Param("bias", str, default="either", choices=("with", "without", "either"),
          help="for one adapter's count: its biases counted, not, or unstated"),
    Param("formula", str, default="",
          help="a stated count of one adapter in d and m ('2md+d+m'): checked on built adapters"),
)


def adapter_row(preset: Preset, m: int) -> dict[str, Any]:
    """Two Houlsby adapters per block of every stack, built on the meta device and counted."""
    import torch

    d = preset.d_model
    blocks = sum(g.count for g in preset.groups())
    down = torch.nn.Linear(d, m, bias=True, device="meta")
    up = torch.nn.Linear(m, d, bias=True, device="meta")
    one = sum(p.numel() for p in (*down.parameters(), *up.parameters()))
    if one != 2 * m * d + m + d:  # Houlsby's own count per adapter
        raise AssertionError(f"adapter count {one} != 2md + m + d for d={d}, m={m}")
    adapters = PER_BLOCK * blocks * one
    total = preset.total_params()
    return {"model": preset.name, "d": d, "blocks": blocks, "m": m, "per_adapter": one,
            "adapters": adapters, "total": total, "share_pct": 100.0 * adapters / total,
            "share_of_all_pct": 100.0 * adapters / (total + adapters),
            "layer_norms": 2 * 2 * d * blocks}


def _values(kind: str, row: dict[str, Any]) -> list[float]:
    if kind == "lora":  # a stated count of added parameters
        return [row["adapters"]]
    return [row["share_pct"], row["share_of_all_pct"]]  # of the base, or of base + adapters


def _holds(row: dict[str, Any], figures: list[dict[str, Any]]) -> bool:
    return all(any(figure_holds(f, v) for v in _values(f["kind"], row)) for f in figures)


def _fitting(preset: Preset, figures: list[dict[str, Any]]) -> list[int]:
    """Every m from 1 to d that makes the stated figures true (analytic: 2md + m + d each)."""
    d, blocks, total = preset.d_model, sum(g.count for g in preset.groups()), \
        preset.total_params()
    out = []
    for m in range(1, d + 1):
        n = PER_BLOCK * blocks * (2 * m * d + m + d)
        row = {"adapters": n, "share_pct": 100.0 * n / total,
               "share_of_all_pct": 100.0 * n / (total + n)}
        if _holds(row, figures):
            out.append(m)
    return out


def _line(row: dict[str, Any]) -> str:
    return (f"{row['model']} m={row['m']}: {row['adapters']:,} adapter parameters, "
            f"{row['share_pct']:.3g}% of {row['total'] / 1e6:,.0f}M")


def _span(ms: list[int]) -> str:
    return "none" if not ms else f"{ms[0]}..{ms[-1]}" if ms[-1] - ms[0] + 1 == len(ms) else \
        ", ".join(map(str, ms[:8]))


def one_adapter(d: int, m: int) -> dict[str, int]:
    """One Houlsby adapter (down d -> m, up m -> d) built on the meta device and counted, with
    its biases and without."""
    import torch

    layers = (torch.nn.Linear(d, m, device="meta"), torch.nn.Linear(m, d, device="meta"))
    weights = sum(layer.weight.numel() for layer in layers)
    return {"with": sum(p.numel() for layer in layers for p in layer.parameters()),
            "without": weights}


def _run_one(params: dict[str, Any], figures: list[dict[str, Any]]) -> dict[str, Any]:
    """The stated count of a single adapter of width d and bottleneck m."""
    d, m = params["d"], params["bottleneck"]
    counts = one_adapter(d, m)
    kinds = ("with", "without") if params["bias"] == "either" else (params["bias"],)
    holding = [k for k in kinds if all(figure_holds(f, counts[k]) for f in figures)]
    measured = {"d": d, "m": m, "with_biases": counts["with"], "without_biases": counts["without"],
                "counted_on": "two nn.Linear on the meta device"}
    expected = {"figures": params["figures"], "d": d, "bottleneck": m, "bias": params["bias"]}
    stated = ", ".join(_stated(f) for f in figures)
    line = (f"one adapter with d={d}, m={m} has {counts['with']:,} parameters with its biases "
            f"({counts['without']:,} without)")
    if holding:
        return result("supported", f"Stated {stated}: {line}.", measured, expected)
    return result("refuted", f"Stated {stated}: {line}.", measured, expected)


# a count written in d and m: "2md + d + m", "2dm", "2 x m x d + m + d" (terms joined by +)
_TERM = r"(?:\d{1,3}\s*[x*·]?\s*)?(?:m\s*[x*·]?\s*d|d\s*[x*·]?\s*m|d|m)"
_FORMULA = re.compile(rf"(?<![\w(])({_TERM}(?:\s*\+\s*{_TERM}){{0,3}})(?![\w(])")
_ONE_TERM = re.compile(r"(\d*)\s*[x*·]?\s*([md](?:\s*[x*·]?\s*[md])?)")


# the biases named as what comes on top of the formula's count
_PLUS_BIASES = re.compile(r"\b(?:\d{1,3}\s*)?[md]{1,2}\s+(?:weights|parameters|params)?\s*"
                          r"(?:plus|\+|and)\s+(?:the\s+|their\s+|its\s+|some\s+|a\s+few\s+)?"
                          r"(?:small\s+)?bias(?:es|\s+terms|\s+vectors)?\b", re.I)


def read_formula(text: str) -> str:
    """The first count in d and m the text writes with an `md` term, normalised ("2md+d+m"),
    or ''."""
    for m in _FORMULA.finditer(text):
        terms = []
        for part in m.group(1).split("+"):
            t = _ONE_TERM.fullmatch(part.strip())
            if t is None:
                break
            letters = "".join(sorted(c for c in t.group(2) if c in "dm"))
            terms.append(f"{t.group(1)}{letters}")
        else:
            if any(x.endswith("dm") for x in terms):
                return "+".join(terms)
    return ""


def _evaluate(formula: str, d: int, m: int) -> int:
    total = 0
    for term in formula.split("+"):
        coef = int(term.rstrip("dm") or 1)
        letters = term[len(term.rstrip("dm")):]
        total += coef * (d if "d" in letters else 1) * (m if "m" in letters else 1)
    return total


def _run_formula(params: dict[str, Any]) -> dict[str, Any]:
    """One adapter built as two nn.Linear (d -> m, m -> d) on the meta device, with and without
    biases, at a few widths; the stated formula evaluated at the same d and m."""
    import torch

    rows = []
    for d, m in ((768, 64), (1024, 16), (4096, 256)):
        row = {"d": d, "m": m, "stated": _evaluate(params["formula"], d, m)}
        for bias in (True, False):
            down = torch.nn.Linear(d, m, bias=bias, device="meta")
            up = torch.nn.Linear(m, d, bias=bias, device="meta")
            row["with" if bias else "without"] = sum(
                p.numel() for p in (*down.parameters(), *up.parameters()))
        rows.append(row)
    fits = {b: all(r["stated"] == r[b] for r in rows) for b in ("with", "without")}
    said = params["bias"]
    text = (f"Stated one adapter's count as {params['formula']}; built adapters (d, m): "
            + ", ".join(f"({r['d']}, {r['m']}): {r['with']:,} with biases, {r['without']:,} "
                        f"without, formula {r['stated']:,}" for r in rows))
    if said in ("with", "without"):
        verdict = "supported" if fits[said] else "refuted"
    else:
        verdict = ("conditional" if fits["with"] != fits["without"] else
                   "supported" if fits["with"] else "refuted")
        if verdict == "conditional":
            text += f"; it holds only {'with' if fits['with'] else 'without'} the biases"
    return result(verdict, text + ".", {"rows": rows, "fits": fits},
                  {"formula": params["formula"], "bias": said})


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Count Houlsby adapters on each preset and bottleneck size; judge the stated figures."""
    if params["formula"]:
        return _run_formula(params)
    figures = parse_figures(params["figures"])
    if not figures:
        return result("unverifiable", "No share or count of adapter parameters is stated.")
    if params["d"] and params["bottleneck"]:
        return _run_one(params, figures)
    models = [PRESETS[params["model"]]] if params["model"] else [PRESETS[n] for n in MODELS]
    sizes = [params["bottleneck"]] if params["bottleneck"] else list(SIZES)
    rows = [adapter_row(p, m) for p in models for m in sizes if m <= p.d_model]
    holds = [_holds(r, figures) for r in rows]
    fits = {p.name: _span(_fitting(p, figures)) for p in models}
    good = [r for r, h in zip(rows, holds, strict=True) if h]
    bad = [r for r, h in zip(rows, holds, strict=True) if not h]
    measured = {"configurations": len(rows), "holding": len(good),
                "rows": [{k: r[k] for k in ("model", "m", "adapters", "total", "share_pct")}
                         for r in rows[:48]],
                "bottlenecks_that_fit": fits,
                "counted_on": "two nn.Linear (with bias) per adapter, two adapters per block, "
                              "meta device; base totals from the presets"}
    expected = {"figures": params["figures"], "model": params["model"],
                "bottleneck": params["bottleneck"]}
    stated = ", ".join(("share " if f["kind"] == "frac" else "count ") + _stated(f)
                       for f in figures)
    where = "; ".join(f"{k}: m in {v}" for k, v in fits.items())
    if not bad:
        return result("supported", f"Stated {stated}: holds for every configuration counted, "
                      f"e.g. {_line(rows[0])} (m that fit: {where}).", measured, expected)
    if not good:
        return result("refuted", f"Stated {stated}: holds for none of {len(rows)} "
                      f"configurations, e.g. {_line(rows[0])} (m that fit: {where}).",
                      measured, expected)
    paper = _in_paper(params, figures)
    if paper:
        return result("supported", f"Stated {stated}: the share the Houlsby paper reports "
                      f"({PAPER['source']}), and BERT-large's adapters give it at m in {paper}, "
                      f"inside the paper's sizes; other settings differ ({len(good)} of "
                      f"{len(rows)} hold, m that fit: {where}).", measured, expected)
    return result("conditional", f"Stated {stated}: holds for {len(good)} of {len(rows)} "
                  f"configurations, e.g. {_line(good[0])}, not {_line(bad[0])} (m that fit: "
                  f"{where}).", measured, expected)


def _in_paper(params: dict[str, Any], figures: list[dict[str, Any]]) -> str:
    """The m in the Houlsby paper's size range at which its model gives the stated figures,
    when the claim states no model and no size and its share is the one the paper reports;
    "" otherwise."""
    if params["model"] or params["bottleneck"] or any(f["kind"] != "frac" for f in figures) \
            or not all(figure_holds(f, PAPER["share_pct"]) for f in figures):
        return ""
    low, high = PAPER["sizes"]
    fit = [m for m in _fitting(PRESETS[PAPER["model"]], figures) if low <= m <= high]
    return _span(fit) if fit else ""


def _stated(f: dict[str, Any]) -> str:
    unit = "%" if f["kind"] == "frac" else ""
    if f["bound"] == "range":
        return f"{f['value']:g}-{f['high']:g}{unit}"
    return {"le": "<= ", "ge": ">= ", "approx": "~"}.get(f["bound"], "") + f"{f['value']:,g}{unit}"


# the bottleneck size said as a value ("m = 64", "a bottleneck dimension of 64")
_M_IS = re.compile(r"\b(?:m\s*(?:=|of|is)|bottleneck(?:\s+(?:size|dimension|width))?\s*"
                   r"(?:=|of|is|:)?)\s*(\d{1,4})\b(?![.,]\d)")
# one adapter's count said after it ("99,136 parameters per adapter")
# ("the two adapters per layer add 99,136 parameters each": "each" after the count)
_PER_ONE = re.compile(r"\s*(?:param(?:eter)?s?\s+)?(?:(?:per|for\s+each|for\s+every|in\s+each|"
                     r"for\s+one|of\s+each)\s+(?:bottleneck\s+)?adapter\b|each\b|apiece\b)",
                     re.I)
# "each Houlsby adapter has 132,160 parameters": one adapter's count, said before it
# ("each one (biases included) has 99,136": "one" standing for the adapter, an aside after it)
_EACH_HAS = re.compile(r"\b(?:each|every|one|a\s+single)\s+(?:(?:[\w-]+\s+){0,2}?adapter|one)"
                       r"\s+(?:\([^()]{1,40}\)\s+)?(?:has|holds|adds|contains|is|comes\s+to|"
                       r"carries)\s+(?:about\s+|roughly\s+|~\s*)?$", re.I)
# a count said of all the adapters together ("2,379,264 adapter parameters in total")
_TOTAL = re.compile(r"\b(?:in total|total(?:ling)?|altogether|overall|in all)\b|"
                    # ("... or 2,379,264 across the 24 adapters of its 12 layers")
                    r"\b(?:across|over|for)\s+(?:all\s+)?(?:the\s+|its\s+)?(?:\d+\s+)?adapters\b|"
                    # ("... so two per layer across BERT-base's 12 layers come to 2,379,264")
                    r"\b(?:across|over)\s+(?:all\s+)?(?:the\s+|its\s+|[\w.-]+'s\s+)?(?:\d+\s+)?"
                    r"(?:layers|blocks)\b",
                    re.I)


# a count followed by the LoRA it is of ("the 8,388,608 of a rank-16 LoRA on q and v")
_LORA_OWNS = re.compile(r"\s*(?:trainable\s+)?(?:parameters\s+|params\s+)?(?:of|for|in|from)\s+"
                        r"(?:a|an|the|its)\s+(?:[\w-]+\s+){0,3}?(?:LoRA|DoRA|QLoRA)\b", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A share (or count) of parameters said of bottleneck adapters; the model and the
    bottleneck size m when stated (facet `bottleneck_size`: a plain number beside the words
    'bottleneck size' or 'm ='), else both are enumerated and left open. One adapter's own
    count (facet `per_adapter`, with d and m stated) is checked against that adapter alone,
    with or without its biases as the sentence says (`with_bias` / `no_bias`)."""
    params: dict[str, Any] = {}
    model = frame.conditions.get("model") or {}
    if model.get("family") or model.get("preset"):
        found = resolve(model)
        if found is None:
            return "no preset for the model named: it is not judged with another model's shapes"
        params["model"] = found.name
    # (not a count said of LoRA beside them: "close to the 8,388,608 of a rank-16 LoRA")
    counts = [q for q in frame.quantities if q.unit in ("count", "params")
              and not _LORA_OWNS.match(frame.text, q.span[1])]
    d = frame.conditions.get("d")
    if d is None and params.get("model") and frame.has("per_adapter"):
        # one adapter of a model named ("99,136 per adapter for BERT-base at m = 64"): the
        # width is that model's
        d = found.config.get("hidden_size")
    if isinstance(d, int):  # (the width stated, "d = 4096", is no count of the adapters')
        counts = [q for q in counts if q.value != d]
    if frame.has("bottleneck_size"):
        small = [q for q in counts if q.unit == "count" and 1 <= q.value <= 8192
                 and q.value == int(q.value)]
        said = _M_IS.search(frame.text)  # "m = 64" (not the 2 of a formula "2md + d + m")
        if said:
            small = [q for q in small if q.span[0] == said.start(1)] or small
        if small:
            params["bottleneck"] = int(small[0].value)
            counts = [q for q in counts if q is not small[0]]
    figures = [encode_figure("frac", q) for q in frame.quantities
               if q.unit == "pct" and 0 < q.value <= 100]
    if isinstance(d, int) and frame.has("per_adapter") and "bottleneck" in params \
            and not _TOTAL.search(frame.text):
        # (a bare number only where no count is said in parameters: "... comes to 99,136")
        said = [q for q in counts if q.unit == "params" and 1 <= q.value < 1e9] or [
            q for q in counts if q.unit == "count" and 1000 <= q.value < 1e9]
        one = [encode_figure("lora", q) for q in said]
        if not one:
            return "no count of the adapter's parameters is stated"
        bias = "with" if frame.has("with_bias") else "without" if frame.has("no_bias") else \
            "either"
        return {"d": d, "bottleneck": params["bottleneck"], "bias": bias,
                "figures": ";".join(one)}
    # (not the model's own size: "roughly 2% of the 110M backbone")
    total = _TOTAL.search(frame.text)
    figures += [encode_figure("lora", q) for q in counts if 1000 <= q.value < 1e9
                and q.role != "model"
                # ("99,136 parameters per adapter, ... 2.4 million in total": one adapter's)
                and not (total and (
                    _PER_ONE.match(frame.text, q.span[1])
                    or _EACH_HAS.search(frame.text, max(0, q.span[0] - 60), q.span[0])
                    # ("a Houlsby adapter ... has 99,136 parameters, so ... across the 12
                    # layers: 2,379,264": a count of one adapter said before the total's words)
                    # (or before the total's words: "99,136 per module, or about 2.4 million
                    # across the twelve layers")
                    or frame.has("per_adapter") and q.span[1] <= total.start()
                    and any(x.value > q.value and x.span[0] >= q.span[1] for x in counts)))]
    formula = read_formula(frame.text)
    if not figures and formula:
        # "each adapter adds 2md + d + m parameters once the biases are counted"
        bias = "with" if frame.has("with_bias") else "without" if frame.has("no_bias") else \
            "either"
        if _PLUS_BIASES.search(frame.text):
            # "about 2md weights plus biases": the formula counts the weights, biases besides
            bias = "without"
        elif bias == "either":
            # the formula says it: terms in d or m alone ("2md + d + m") are the biases' count,
            # a formula of md terms only counts the weights
            bias = "with" if any(t.lstrip("0123456789") in ("d", "m")
                                 for t in formula.split("+")) else "without"
        return {"formula": formula, "bias": bias}
    if not figures:
        return "no share or count of adapter parameters is stated"
    unstated = [n for n, k in (("the model", "model"), ("the bottleneck size", "bottleneck"))
                if k not in params]
    return {**params, "figures": ";".join(figures), "_open": unstated}


VERIFIER = Verifier(
    id="lora.adapter_params",
    version=3,
    title="Bottleneck (Houlsby) adapters: the share of parameters they add, counted per preset "
          "and bottleneck size",
    run=run,
    params=PARAMS,
    claims=(("adapter", "trainable_params"),),
    to_params=to_params,
    examples=(
        "Houlsby adapters add only 3.6% parameters per task.",
        "Bottleneck adapters with a bottleneck size of 64 add about 1.9% parameters to "
        "BERT-large.",
        "A single bottleneck adapter with d = 1024 and m = 32 holds 66,592 parameters, biases "
        "included.",
    ),
    requires=Requires(device="cpu"),
    timeout_s=60.0,
)
