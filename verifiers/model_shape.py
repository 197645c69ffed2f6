"""Architecture facts of a named model, measured on the model itself: how many blocks it
stacks, its hidden size, MLP width, attention heads and key/value heads (and a head's width),
its vocabulary (the input embedding's rows), a named projection's in and out features,
whether q, k and v are one fused matrix, and whether the LM head is tied to the embedding.

The model is the named preset (`verifiers/presets.json`: each config copied from its model
card, config.json or paper, source named there), built with transformers from its config on
the meta device: nothing is downloaded and no weight is allocated. Every fact is read off the
module tree: blocks are the length of the stack's ModuleList, widths are the shapes of the
embedding and the linear layers (GPT-2's Conv1D stores its weight as (in, out)), heads are the
attention output projection's in-features over the width of one head (the attention module's
own `head_dim`), key/value heads are k's out-features (or a fused qkv's share) over the same.

A stated number holds within the precision it was written with ("11,008" exactly, "about
11k" approximately); a model named without its size ("Gemma", "LLaMA") is every preset of
that family, and the claim holds only where it holds for each of them. A model with no preset
is never judged with another model's shapes: `to_params` declines it.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame, Quantity
from verifiers._presets import PRESETS, resolve

FACTS = ("layers", "hidden", "mlp", "heads", "kv_heads", "head_dim", "vocab", "proj",
         "fused_qkv", "gqa", "mqa", "tied")
PROJS = ("q", "k", "v", "o", "kv", "gate", "up", "down", "qkv", "mlp_in", "attention")
BOUNDS = ("eq", "approx", "le", "ge", "range")
APPROX_SLACK = 0.05  # "about 11k": 5% either side, beyond the rounding the digits allow

PARAMS = (
    Param("model", str, default="llama-7b",
          help="preset id, or several joined by ',' (a family named without its size)"),
    Param("fact", str, default="layers", choices=FACTS),
    Param("value", float, default=0.0, min=0.0, max=1e7, help="the stated number"),
    Param("high", float, default=0.0, min=0.0, max=1e7, help="a range's upper end"),
    Param("precision", float, default=0.0, min=0.0, max=1e7,
          help="half a unit of the stated number's last digit"),
    Param("bound", str, default="eq", choices=BOUNDS),
    Param("proj", str, default="q", choices=PROJS, help="proj: which projection"),
    Param("in_f", int, default=0, min=0, max=10**6, help="proj: stated in-features (0: unstated)"),
    Param("out_f", int, default=0, min=0, max=10**6,
          help="proj: stated out-features (0: unstated)"),
    Param("ordered", bool, default=True,
          help="proj: in and out are told apart ('maps 4096 to 1024'), not a bare 'A x B'"),
)

# PEFT's / transformers' module names, relative to one block, for each projection.
_NAMES = {
    "q": ("q_proj", "query", "q"), "k": ("k_proj", "key", "k"), "v": ("v_proj", "value", "v"),
    "o": ("o_proj", "out_proj", "attn.c_proj", "self_attention.dense", "self_attn.dense",
          "attention.output.dense", "o"),
    "gate": ("gate_proj",), "up": ("up_proj",),
    "down": ("down_proj", "fc2", "fc_out", "mlp.c_proj", "dense_4h_to_h", "wo", "output.dense"),
    "mlp_in": ("up_proj", "fc1", "fc_in", "c_fc", "dense_h_to_4h", "wi", "wi_1",
               "intermediate.dense", "gate_up_proj"),
    "qkv": ("c_attn", "query_key_value", "qkv_proj", "Wqkv"),
}
_LABEL = {"layers": "blocks", "hidden": "hidden size", "mlp": "MLP width",
          "heads": "attention heads", "kv_heads": "key/value heads", "head_dim": "head width",
          "vocab": "vocabulary (embedding rows)"}
_HEAD_DIM_ATTRS = ("head_dim", "attention_head_size", "key_value_proj_dim", "head_size")


# --- measurement -------------------------------------------------------------------------------

def _stacks(model: Any) -> list[tuple[str, Any]]:
    """The block stacks: ModuleLists named layers / layer / h / block / blocks that are not
    inside another stack (T5's `block.0.layer` is a block's sublayers)."""
    import torch

    out: list[tuple[str, Any]] = []
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.ModuleList) or len(module) == 0:
            continue
        if name.rsplit(".", 1)[-1] not in ("layers", "layer", "h", "block", "blocks"):
            continue
        if any(name.startswith(n + ".") for n, _ in out):
            continue
        out.append((name, module))
    return out


def _linears(block: Any) -> dict[str, tuple[int, int]]:
    """(in_features, out_features) of every linear layer of one block, by relative name."""
    import torch

    out = {}
    for name, module in block.named_modules():
        if isinstance(module, torch.nn.Linear):
            out[name] = (module.in_features, module.out_features)
        elif type(module).__name__ == "Conv1D":  # GPT-2: weight is (in, out)
            out[name] = tuple(module.weight.shape)
    return out


def _find(linears: dict[str, tuple[int, int]], names: tuple[str, ...]
          ) -> tuple[str, tuple[int, int]] | None:
    """The first linear called one of `names` (the whole relative name first, then a suffix
    after a dot: BERT's MLP `output.dense` is not its attention's `attention.output.dense`)."""
    for n in names:
        if n in linears:
            return n, linears[n]
    for key, shape in linears.items():
        if any(key.endswith("." + n) for n in names):
            return key, shape
    return None


def _head_dim(block: Any) -> int | None:
    for _, module in block.named_modules():
        for attr in _HEAD_DIM_ATTRS:
            value = getattr(module, attr, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def _mlp_width(block: Any, linears: dict[str, tuple[int, int]]) -> int | None:
    down = _find(linears, _NAMES["down"])
    if down is not None:
        return down[1][0]
    for name, p in block.named_parameters():
        if name.endswith("down_proj") and p.dim() == 3:  # fused experts (Mixtral): (E, d, ff)
            return int(p.shape[-1])
    return None


def shapes(name: str) -> dict[str, Any]:
    """Every fact of one preset, read off its meta-device model (a copy: callers may edit)."""
    return copy.deepcopy(_shapes(name))


@functools.cache
def _shapes(name: str) -> dict[str, Any]:
    from verifiers._presets import _meta_model

    p = PRESETS[name]
    model = _meta_model(p)
    stacks = _stacks(model)
    block = stacks[-1][1][0]  # the decoder's first block (the only stack of a decoder-only)
    linears = _linears(block)
    embed = model.get_input_embeddings().weight
    head = model.get_output_embeddings()
    hd = _head_dim(block)
    o = _find(linears, _NAMES["o"])
    heads = o[1][0] // hd if o and hd else None
    k, qkv = _find(linears, _NAMES["k"]), _find(linears, _NAMES["qkv"])
    kv = (k[1][1] // hd if k and hd else
          (qkv[1][1] // hd - heads) // 2 if qkv and hd and heads else None)
    tied = None if head is None else head.weight is embed
    return {"model": name, "class": type(model).__name__, "layout": p.layout,
            "stacks": {n: len(s) for n, s in stacks}, "layers": len(stacks[-1][1]),
            "hidden": int(embed.shape[1]), "vocab": int(embed.shape[0]),
            "mlp": _mlp_width(block, linears), "head_dim": hd, "heads": heads, "kv_heads": kv,
            "fused_qkv": qkv is not None and k is None, "tied": tied,
            "tied_in_config": p.config.get("tie_word_embeddings"),
            "linears": {n: list(s) for n, s in linears.items()}}


# --- judgement ---------------------------------------------------------------------------------

def _stated(params: dict[str, Any]) -> Quantity:
    return Quantity(params["value"], "count", params["bound"], params["high"] or None,
                    params["precision"])


def _say(q: Quantity) -> str:
    word = {"approx": "about ", "le": "at most ", "ge": "at least "}.get(q.bound, "")
    tail = f"-{q.high:,.0f}" if q.bound == "range" and q.high else ""
    return f"{word}{q.value:,.0f}{tail}"


def _scalar(params: dict[str, Any], m: dict[str, Any]) -> tuple[bool | None, str, Any]:
    """(holds, what was measured, the measured value) for a number-valued fact."""
    fact, q = params["fact"], _stated(params)
    got = m[fact]
    if got is None:
        return None, f"{m['model']} has no {_LABEL[fact]} that can be read", None
    readings = [got]
    if fact == "layers" and len(m["stacks"]) > 1:  # encoder-decoder: each stack, or both
        readings = [*m["stacks"].values(), sum(m["stacks"].values())]
        text = " + ".join(f"{n}: {c}" for n, c in m["stacks"].items())
    else:
        text = f"{got:,}"
    return any(q.holds(r, APPROX_SLACK) for r in readings), f"{m['model']}: {text}", got


def _proj(params: dict[str, Any], m: dict[str, Any]) -> tuple[bool | None, str, Any]:
    which = params["proj"]
    lin = {n: tuple(s) for n, s in m["linears"].items()}
    wanted = {"attention": ("q", "k", "v", "o"), "kv": ("k", "v")}.get(which, (which,))
    names = dict(_NAMES)
    if m["fused_qkv"] and m["heads"] and m["kv_heads"]:
        # q, k and v are slices of the fused matrix's outputs: heads and key/value heads
        # times the width of one head, each from the same in-features
        fused, (d_in, _) = _find(lin, _NAMES["qkv"])
        widths = {"q": m["heads"], "k": m["kv_heads"], "v": m["kv_heads"]}
        for w, n in widths.items():
            lin[f"{fused}[{w}]"] = (d_in, n * m["head_dim"])
            names[w] = (f"{fused}[{w}]",)
    found = {w: _find(lin, names[w]) for w in wanted}
    if which == "qkv" and not m["fused_qkv"]:
        return None, f"{m['model']} has separate q, k and v projections: no fused qkv", None
    missing = [w for w, f in found.items() if f is None]
    if missing:
        return None, f"{m['model']} has no {missing[0]} projection (linears: " \
                     f"{', '.join(lin)})", None
    stated_in, stated_out = params["in_f"], params["out_f"]

    def fits(shape: tuple[int, int]) -> bool:
        i, o = shape
        if params["ordered"] or not (stated_in and stated_out):
            return (not stated_in or i == stated_in) and (not stated_out or o == stated_out)
        return {i, o} == {stated_in, stated_out} and sorted((i, o)) == sorted(
            (stated_in, stated_out))

    text = "; ".join(f"{f[0]} maps {f[1][0]:,} features to {f[1][1]:,}"
                     for f in found.values() if f)
    return all(fits(f[1]) for f in found.values() if f), f"{m['model']}: {text}", {
        w: list(f[1]) for w, f in found.items() if f}


def _flag(params: dict[str, Any], m: dict[str, Any]) -> tuple[bool | None, str, Any]:
    fact = params["fact"]
    if fact == "fused_qkv":
        if m["layout"] == "gpt3":  # built in GPT-2's module layout; OpenAI's storage unknown
            return None, (f"{m['model']} is built here in GPT-2's module layout: how its q, "
                          "k and v are stored is not published"), None
        got = m["fused_qkv"]
        return got, (f"{m['model']}: q, k and v are " + ("one fused matrix" if got else
                                                          "separate projections")), got
    if fact in ("gqa", "mqa"):
        if m["kv_heads"] is None or m["heads"] is None:
            return None, f"{m['model']}: heads cannot be read", None
        got = (m["kv_heads"] < m["heads"]) if fact == "gqa" else m["kv_heads"] == 1
        return got, (f"{m['model']}: {m['heads']} query heads share {m['kv_heads']} "
                     "key/value heads"), m["kv_heads"]
    tied = m["tied"]
    if tied is None:
        return None, f"{m['model']} has no LM head here", None
    if tied and m["tied_in_config"] is False:
        return None, (f"{m['model']}: transformers ties this model's head whatever its config "
                      "says, while its checkpoints store the head apart"), None
    return tied, (f"{m['model']}: the LM head " + ("is" if tied else "is not") +
                  " the input embedding's weight"), tied


def _judge_one(params: dict[str, Any], m: dict[str, Any]) -> tuple[bool | None, str, Any]:
    if params["fact"] == "proj":
        return _proj(params, m)
    if params["fact"] in ("fused_qkv", "gqa", "mqa", "tied"):
        return _flag(params, m)
    return _scalar(params, m)


def _what(params: dict[str, Any]) -> str:
    fact = params["fact"]
    if fact == "proj":
        ins, outs = params["in_f"], params["out_f"]
        if params["ordered"]:
            if ins and outs:
                return f"{params['proj']} maps {ins:,} features to {outs:,}"
            return f"{params['proj']} " + (f"takes {ins:,} features" if ins else
                                           f"outputs {outs:,} features")
        return f"{params['proj']} is {ins:,} x {outs:,}"
    flags = {"fused_qkv": "q, k and v are one fused matrix", "gqa": "grouped-query attention",
             "mqa": "a single key/value head", "tied": "the LM head is tied to the embedding"}
    return flags.get(fact) or f"{_say(_stated(params))} {_LABEL[fact]}"


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Build each named preset on the meta device, read the fact, compare it with the claim."""
    names = [n.strip() for n in params["model"].split(",") if n.strip()]
    unknown = [n for n in names if n not in PRESETS]
    if unknown or not names:
        return result("unverifiable", f"no preset called {unknown[0] if unknown else '?'!r}",
                      {}, {"model": params["model"]})
    stated = _what(params)
    judged = {n: _judge_one(params, shapes(n)) for n in names}
    measured = {n: {"holds": h, "measured": v, "read": t} for n, (h, t, v) in judged.items()}
    texts = "; ".join(t for _, t, _ in judged.values())
    expected = {k: params[k] for k in ("fact", "value", "bound", "precision", "proj", "in_f",
                                       "out_f", "ordered") if k in params}
    decided = {n: h for n, (h, _, _) in judged.items() if h is not None}
    if not decided:
        return result("unverifiable", f"stated {stated}: {texts}", measured, expected)
    figure = None
    if len(names) == 1 and params["fact"] not in ("proj", "fused_qkv", "gqa", "mqa", "tied"):
        figure = figure_pair(_LABEL[params["fact"]], params["value"], judged[names[0]][2])
    good = [n for n, h in decided.items() if h]
    if len(good) == len(decided) == len(names):
        return result("supported", f"stated {stated}: {texts}", measured, expected,
                      figure=figure)
    if good:
        return result("conditional", f"stated {stated}: holds only for {', '.join(good)}: "
                      f"{texts}", measured, expected, figure=figure)
    return result("refuted", f"stated {stated}: {texts}", measured, expected, figure=figure)


# --- frames ------------------------------------------------------------------------------------

_PREDICATES = {"arch_layers": "layers", "arch_hidden": "hidden", "arch_mlp": "mlp",
               "arch_heads": "heads", "arch_kv_heads": "kv_heads", "arch_head_dim": "head_dim",
               "arch_vocab": "vocab", "arch_proj": "proj", "arch_fused_qkv": "fused_qkv",
               "arch_gqa": "gqa", "arch_tied": "tied"}


def _models(frame: Frame) -> tuple[list[str], str]:
    """The preset ids the sentence's model names ([] and why when none): one preset, or every
    preset of a family named without its size (two at least: 'Mistral' alone may be a model
    with no preset)."""
    model = frame.conditions.get("model")
    if not model:
        return [], "no model is named"
    found = resolve(model)
    if found is not None:
        return [found.name], ""
    family = model.get("family") or ""
    members = [p.name for p in PRESETS.values() if p.family == family]
    if family and family != "other" and not model.get("size_b") and len(members) >= 2:
        return members, ""
    size = f" {model['size_b']:g}B" if model.get("size_b") else ""
    named = f"{family}{size}" if family and family != "other" else "the model named"
    return [], (f"{named} has no preset (or its size is not stated): its shapes are not known "
                "here, and another model's are not used")


def _inside(frame: Frame) -> list[Quantity]:
    """The numbers inside the trigger's own words (not the model's size)."""
    a, b = frame.spans.get("predicate", (0, 0))
    return [q for q in frame.quantities if q.unit == "count" and a <= q.span[0] < b
            and q.value < 1e7]


# a LoRA factor named beside the projection ("v_proj's lora_B is 1024x16")
_FACTOR = re.compile(r"\blora_(?P<f>[AB])\b|\b(?P<g>[AB])\s+(?:matrix|factor)\b")


_RANK_SAID = re.compile(r"\b(?:r|rank|lora_r)\s*(?:=|:|of)?\s*$", re.I)


def _proj_params(frame: Frame, nums: list[Quantity]) -> dict[str, Any] | str:
    proj = next((p for p in PROJS if frame.has(f"p_{p}")), None)
    if proj is None:
        return "no projection is named"
    values = [int(v) for q in nums  # "maps 3072 to 4096" is read as one range: in, out
              for v in ((q.value, q.high) if q.bound == "range" and q.high else (q.value,))]
    if frame.has("out_only") and values:
        return {"proj": proj, "in_f": 0, "out_f": values[0], "ordered": True}
    if frame.has("in_only") and values:
        return {"proj": proj, "in_f": values[0], "out_f": 0, "ordered": True}
    if len(values) < 2:
        return "the projection's in and out features are not both stated"
    r = frame.conditions.get("r")
    factor = _FACTOR.search(frame.text)
    if factor:  # the factor's own sides: what is written after its name, not the rank's "r=16"
        values = [int(q.value) for q in nums if q.span[0] >= factor.end() and q.bound != "range"
                  and not _RANK_SAID.search(frame.text, max(0, q.span[0] - 8), q.span[0])]
    if factor and r in values[:2]:
        # "v_proj's lora_B is 1024x16 at r=16": PEFT's lora_B.weight is (out, r) and
        # lora_A.weight (r, in), so the side that is not the rank is the projection's
        if (factor.group("f") or factor.group("g")) == "B" and values[1] == r and values[0] != r:
            return {"proj": proj, "in_f": 0, "out_f": values[0], "ordered": True}
        if (factor.group("f") or factor.group("g")) == "A" and values[0] == r and values[1] != r:
            return {"proj": proj, "in_f": values[1], "out_f": 0, "ordered": True}
        return "a LoRA factor's shape written the other way round from PEFT's weights"
    if r in values[:2]:
        return ("a LoRA factor's shape (lora_A or lora_B, one side the rank), not the "
                "projection's")
    return {"proj": proj, "in_f": values[0], "out_f": values[1],
            "ordered": frame.has("ordered")}


def _total(name: str) -> float:
    """The preset's parameter count (0 for a name no preset has)."""
    return float(PRESETS[name].total_params()) if name in PRESETS else 0.0


def to_params(frame: Frame) -> dict[str, Any] | str:
    """The preset(s) the sentence names, the fact (from the predicate) and the stated value
    (the number inside the trigger's words; facets p_* name a projection, `ordered` /
    `out_only` / `in_only` how its features were stated, `one` a single key/value head)."""
    fact = _PREDICATES[frame.predicate]
    names, why = _models(frame)
    if not names:
        return why
    size = (frame.conditions.get("model") or {}).get("size_b") or 0
    others = [q.value / 1e9 for q in frame.quantities if q.role == "model"
              and size and abs(q.value / 1e9 - size) > 0.15 * size]
    if others:  # "unlike LLaMA 7B, LLaMA 65B has ...": which model a fact is of is not read
        return (f"a second model ({others[0]:g}B) beside the {size:g}B one: which model the "
                "fact is of is not read")
    out: dict[str, Any] = {"model": ",".join(names), "fact": fact}
    if len(names) > 1:
        out["_open"] = ["which model of the family (its size is not stated)"]
    if fact == "gqa" and frame.has("mqa"):
        out["fact"] = "mqa"
    if fact in ("fused_qkv", "gqa", "tied"):
        return out
    nums = _inside(frame)
    if fact == "proj":
        got = _proj_params(frame, nums)
        return {**out, **got} if isinstance(got, dict) else got
    if fact == "kv_heads" and frame.has("one") and not nums:
        return {**out, "value": 1.0, "precision": 0.0, "bound": "eq"}
    if not nums:
        return f"no {_LABEL[fact]} is stated as a number"
    q = nums[-1] if fact in ("hidden", "mlp", "vocab") and frame.has("value_last") else nums[0]
    counts = [frame.conditions.get("param_count", 0.0)] + [
        p.value for p in frame.quantities if p.unit == "params" and p is not q
        and p.role != "model"]
    totals = [_total(name) for name in names]
    if any(n >= 1e6 and not any(abs(n - t) <= 0.05 * t for t in totals) for n in counts):
        # "a 128,256-token vocabulary, so embed_tokens alone holds about 1.05 billion
        # parameters": a part's parameter count, a second claim the shape does not check
        return f"a parameter count is stated beside the {_LABEL[fact]}, and not read"
    return {**out, "value": q.value, "high": q.high or 0.0, "precision": q.precision,
            "bound": q.bound}


VERIFIER = Verifier(
    id="lora.model_shape", version=1,
    title="A named model's architecture (blocks, widths, heads, vocabulary, projections, "
          "fused qkv, tied head) read off the model built from its preset on the meta device",
    run=run, params=PARAMS, timeout_s=120,
    claims=tuple(("*", p) for p in _PREDICATES),
    to_params=to_params,
    examples=("Mistral-7B has 32 decoder layers.",
              "Llama-2-70B has a hidden size of 8192.",
              "On Llama-3-8B, k_proj maps 4096 features to only 1024.",
              "Llama 3 8B has 8 key/value heads.",
              "Gemma 7B has a vocabulary of 256,000 tokens."),
    requires=Requires(device="cpu", packages=("transformers",)),
)

