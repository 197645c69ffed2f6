"""What bitsandbytes' 4-bit quantization does when a setting is left out: the 4-bit type
(`quant_type` / `bnb_4bit_quant_type`), the block size of the first level (weights per absmax)
and of the second (constants per block under double quantization), whether double
quantization is on, and the dtype the 4-bit matmul computes in.

Each default is measured through three doors, as practitioners reach it: `transformers`
(`BitsAndBytesConfig(load_in_4bit=True)` read back, and a tiny random Llama saved to a temporary
folder and loaded with it on the CPU, whose `Linear4bit` quant_state is read), `functional`
(`bitsandbytes.functional.quantize_4bit` with nothing but the tensor) and `module` (a bare
`bitsandbytes.nn.Linear4bit`). The type is decided by the stored bytes: the default's packed
codes and code table are compared with an explicit "fp4" and an explicit "nf4" quantization of
the same tensor. The compute dtype is the dtype of the activations the 4-bit matmul receives,
read with a torch dispatch mode during a bf16 forward. Where a claim names no door and the
doors differ (double quantization: off in `BitsAndBytesConfig` and `quantize_4bit`, on in
`Linear4bit`), every door is measured: supported in all, conditional (naming them) in some,
refuted in none.

Figures the claims state come from bitsandbytes' and transformers' own docs (the defaults)
and the QLoRA paper (Dettmers et al., 2023, §3: blocks of 64 weights, double quantization of
the constants in blocks of 256); the verdict comes only from what is measured here.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._env import has_package, package_versions
from verifiers._frame import Frame

CLAIMS = ("quant_type", "blocksize", "double_quant", "compute_dtype")
APIS = ("any", "transformers", "functional", "module")
COMPUTE = ("float32", "bfloat16", "float16", "input")
BLOCKSIZES = (32, 64, 128, 256, 512, 1024, 2048, 4096)

PARAMS = (
    Param("claim", str, default="quant_type", choices=CLAIMS),
    Param("api", str, default="any", choices=APIS,
          help="the door the claim names: BitsAndBytesConfig / load_in_4bit (transformers), "
               "quantize_4bit (functional), Linear4bit / Params4bit (module); any: all"),
    Param("quant_type", str, default="fp4", choices=("fp4", "nf4"),
          help="quant_type: the type stated to be the default"),
    Param("implied", bool, default=False,
          help="quant_type: the sentence says what load_in_4bit stores without saying that no "
               "type is passed (either type can be asked for)"),
    Param("level", int, default=1, min=1, max=2,
          help="blocksize: 1, weights per absmax; 2, constants per block of double quantization"),
    Param("blocksize", int, default=0, min=0, max=4096,
          help="blocksize: the stated size (0: only 'each block has its own absmax' is stated)"),
    Param("on", bool, default=False, help="double_quant: stated on by default"),
    Param("compute", str, default="float32", choices=COMPUTE,
          help="compute_dtype: the stated default ('input': follows the activations)"),
    Param("seed", int, default=0, min=0, max=2**31 - 1),
)

_DOOR = {"transformers": "BitsAndBytesConfig(load_in_4bit=True)",
         "functional": "quantize_4bit(W)", "module": "Linear4bit(in, out)"}


# --- measurements ------------------------------------------------------------------------------

def _weight(rows: int, cols: int, seed: int, dtype: Any) -> Any:
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g).to(dtype)


def _same(packed: Any, state: Any, other: tuple[Any, Any]) -> bool:
    import torch

    return torch.equal(packed, other[0]) and torch.equal(state.code, other[1].code)


def _type_of(weight: Any, packed: Any, state: Any, nested: bool) -> dict[str, Any]:
    """Which explicit type the stored codes equal: 'fp4', 'nf4' or 'neither'."""
    import bitsandbytes.functional as F

    explicit = {t: F.quantize_4bit(weight, quant_type=t, compress_statistics=nested)
                for t in ("fp4", "nf4")}
    same = {t: _same(packed, state, explicit[t]) for t in explicit}
    differ = {t: float((packed != explicit[t][0]).float().mean()) for t in explicit}
    return {"equals": next((t for t, s in same.items() if s), "neither"),
            "bytes_differing": differ, "label": state.quant_type}


def _layout(numel: int, state: Any) -> dict[str, Any]:
    """Weights per absmax (first level) and, when nested, constants per second-level block."""
    out: dict[str, Any] = {"nested": bool(state.nested), "blocksize": int(state.blocksize),
                           "absmax_count": int(state.absmax.numel()),
                           "weights_per_absmax": numel / state.absmax.numel()}
    if state.nested:
        out["level2_blocksize"] = int(state.state2.blocksize)
        out["constants_per_level2_absmax"] = state.absmax.numel() / state.state2.absmax.numel()
    return out


def _matmul_dtypes(layer: Any, x: Any) -> list[str]:
    """The dtype of the activations each 4-bit matmul op receives in one forward."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    seen: list[str] = []

    class Watch(TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (),
                               kwargs: Any = None) -> Any:
            name = str(func)
            if any(k in name for k in ("gemm_4bit", "gemv_4bit", "aten.mm", "aten.addmm",
                                       "aten.linear", "aten.matmul", "aten.bmm")):
                first = next((a for a in args if torch.is_tensor(a)), None)
                if first is not None:
                    seen.append(str(first.dtype).replace("torch.", ""))
            return func(*args, **(kwargs or {}))

    with torch.no_grad(), Watch():
        layer(x)
    return seen


def functional(seed: int = 0) -> dict[str, Any]:
    """`quantize_4bit(W)` with every default, beside explicit fp4 / nf4, with and without
    double quantization; and the absmax of each block against the block's largest |w|."""
    import bitsandbytes.functional as F
    import torch

    w = _weight(512, 512, seed, torch.bfloat16)  # 262,144 weights: 4,096 blocks of 64
    packed, state = F.quantize_4bit(w)
    _, nested = F.quantize_4bit(w, compress_statistics=True)
    w32 = _weight(256, 256, seed + 1, torch.float32)
    _, s32 = F.quantize_4bit(w32, compress_statistics=False)
    blocks = w32.flatten().view(-1, int(s32.blocksize)).abs().amax(dim=1)
    return {"type": _type_of(w, packed, state, False), "layout": _layout(w.numel(), state),
            "layout_double_quant": _layout(w.numel(), nested),
            "absmax_is_block_max": bool(torch.equal(s32.absmax.float(), blocks)),
            "double_quant_default": bool(state.nested)}


def module(seed: int = 0) -> dict[str, Any]:
    """A bare `Linear4bit(512, 256)` moved to the CPU (which quantizes it) with every default;
    and what its 4-bit matmul computes in for bf16 and fp32 inputs."""
    import bitsandbytes as bnb
    import torch

    torch.manual_seed(seed)
    layer = bnb.nn.Linear4bit(512, 256, bias=False)
    original = layer.weight.data.clone()
    layer = layer.to("cpu")
    state = layer.weight.quant_state
    computes = {}
    for dtype in (torch.bfloat16, torch.float32):
        fresh = bnb.nn.Linear4bit(512, 256, bias=False).to("cpu")  # compute dtype set on use
        x = _weight(4, 512, seed + 2, dtype)
        computes[str(dtype).replace("torch.", "")] = sorted(set(_matmul_dtypes(fresh, x)))
    return {"type": _type_of(original, layer.weight.data, state, bool(state.nested)),
            "layout": _layout(original.numel(), state),
            "double_quant_default": bool(state.nested),
            "compute_dtype_attribute": str(layer.compute_dtype),
            "computes_in": computes}


def _tiny_loaded(folder: str, config: Any) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(folder, quantization_config=config,
                                                device_map="cpu", dtype=torch.bfloat16)


def transformers_door(seed: int = 0) -> dict[str, Any]:
    """`BitsAndBytesConfig(load_in_4bit=True)` read back, and a tiny random Llama (saved to a
    temporary folder) loaded in bf16 with it: one `Linear4bit`'s quant_state, its codes
    against explicit fp4 / nf4 of the same bf16 weight, and its matmul's input dtype; then
    loaded again with `bnb_4bit_use_double_quant=True` for the second level."""
    import tempfile

    import torch
    from transformers import BitsAndBytesConfig

    from verifiers._tiny import tiny_llama

    config = BitsAndBytesConfig(load_in_4bit=True)
    read = {"bnb_4bit_quant_type": config.bnb_4bit_quant_type,
            "bnb_4bit_use_double_quant": config.bnb_4bit_use_double_quant,
            "bnb_4bit_compute_dtype": str(config.bnb_4bit_compute_dtype).replace("torch.", "")}
    base = tiny_llama(hidden=256, layers=1, heads=4, intermediate=512, seed=seed)
    original = base.model.layers[0].self_attn.q_proj.weight.data.to(torch.bfloat16)
    with tempfile.TemporaryDirectory(prefix="kbcheck-bnb-") as folder:
        base.save_pretrained(folder)
        model = _tiny_loaded(folder, config)
        nested = _tiny_loaded(folder, BitsAndBytesConfig(load_in_4bit=True,
                                                         bnb_4bit_use_double_quant=True))
    layer = model.model.layers[0].self_attn.q_proj
    state = layer.weight.quant_state
    x = _weight(4, 256, seed + 2, torch.bfloat16)
    dq_state = nested.model.layers[0].self_attn.q_proj.weight.quant_state
    return {"config": read, "layer": type(layer).__name__,
            "type": _type_of(original, layer.weight.data, state, bool(state.nested)),
            "layout": _layout(original.numel(), state),
            "layout_double_quant": _layout(original.numel(), dq_state),
            "double_quant_default": bool(state.nested),
            "computes_in": {"bfloat16": sorted(set(_matmul_dtypes(layer, x)))}}


def measure(seed: int = 0) -> dict[str, dict[str, Any]]:
    """Every door that can be opened here (transformers only where it is installed); one
    measurement per process and seed, since every claim of the family reads the same doors."""
    return copy.deepcopy(_measure(seed))


@functools.cache
def _measure(seed: int) -> dict[str, dict[str, Any]]:
    out = {"functional": functional(seed), "module": module(seed)}
    if has_package("transformers"):
        out["transformers"] = transformers_door(seed)
    return out


# --- judgements --------------------------------------------------------------------------------

def _doors(params: dict[str, Any], found: dict[str, Any]) -> list[str]:
    return [d for d in (("transformers", "functional", "module") if params["api"] == "any"
                        else (params["api"],)) if d in found]


def _verdict(holds: dict[str, bool], text: str, measured: dict[str, Any],
             expected: dict[str, Any], figure: dict[str, Any] | None = None) -> dict[str, Any]:
    good = [d for d, ok in holds.items() if ok]
    if len(good) == len(holds):
        return result("supported", text, measured, expected, figure=figure)
    if good:
        names = ", ".join(_DOOR[d] for d in good)
        return result("conditional", f"holds only for {names}: {text}", measured, expected,
                      figure=figure)
    return result("refuted", text, measured, expected, figure=figure)


def _quant_type(params: dict[str, Any], found: dict[str, Any], doors: list[str]
                ) -> dict[str, Any]:
    got = {d: found[d]["type"]["equals"] for d in doors}
    text = "; ".join(f"{_DOOR[d]} stores codes identical to explicit {got[d]!r} "
                     f"({found[d]['type']['bytes_differing']['nf4']:.0%} of bytes differ from "
                     f"'nf4')" for d in doors)
    if "transformers" in doors:
        text += (f"; the config reads bnb_4bit_quant_type="
                 f"{found['transformers']['config']['bnb_4bit_quant_type']!r}")
    stated = params["quant_type"]
    out = _verdict({d: got[d] == stated for d in doors},
                   f"stated default {stated!r}: {text}", {d: found[d]["type"] for d in doors},
                   {"quant_type": stated},
                   figure_pair("default 4-bit type", stated, "/".join(sorted(set(got.values())))))
    if params["implied"] and out["verdict"] == "refuted":  # the other type is one option away
        out = {**out, "verdict": "conditional",
               "explanation": f"Holds only with bnb_4bit_quant_type={stated!r} passed as well; "
                              f"load_in_4bit alone does not give it. {out['explanation']}"}
    return out


def _blocksize(params: dict[str, Any], found: dict[str, Any], doors: list[str]
               ) -> dict[str, Any]:
    level, stated = params["level"], params["blocksize"]
    key, noun = (("weights_per_absmax", "weights per absmax") if level == 1 else
                 ("constants_per_level2_absmax", "constants per second-level block"))
    layouts = {d: found[d]["layout"] if level == 1 or d == "module"
               else found[d]["layout_double_quant"] for d in doors}
    got = {d: layouts[d][key] for d in doors if key in layouts[d]}
    own = found["functional"]["absmax_is_block_max"]
    text = "; ".join(f"{_DOOR[d]}: {got[d]:g} {noun}" for d in got)
    text += (f"; each absmax {'equals' if own else 'differs from'} the largest |w| of its own "
             f"block of {found['functional']['layout']['blocksize']}")
    measured = {"layouts": layouts, "absmax_is_block_max": own}
    if stated == 0:  # only "each block has its own absmax" is stated
        return result("supported" if own else "refuted", text, measured, {"own_absmax": True})
    return _verdict({d: g == stated and (level == 2 or own) for d, g in got.items()},
                    f"stated {stated} {noun}: {text}", measured,
                    {"level": level, "blocksize": stated},
                    figure_pair(noun, stated,
                                "/".join(f"{v:g}" for v in sorted(set(got.values())))))


def _double_quant(params: dict[str, Any], found: dict[str, Any], doors: list[str]
                  ) -> dict[str, Any]:
    got = {d: found[d]["double_quant_default"] for d in doors}
    text = "; ".join(f"{_DOOR[d]}: double quantization {'on' if v else 'off'} (quant_state "
                     f"nested={v})" for d, v in got.items())
    said = "on" if params["on"] else "off"
    return _verdict({d: v == params["on"] for d, v in got.items()},
                    f"stated {said} by default: {text}", {"double_quant_default": got},
                    {"double_quant_default": params["on"]})


def _compute(params: dict[str, Any], found: dict[str, Any], doors: list[str]
             ) -> dict[str, Any]:
    """The dtype the matmul runs in with bf16 activations: a fixed dtype, or 'input' when it
    follows the activations (a bare Linear4bit: bf16 in, bf16 matmul; fp32 in, fp32)."""
    got: dict[str, str] = {}
    for d in doors:
        if d == "functional":
            continue  # quantize_4bit does not compute
        runs = found[d]["computes_in"]
        if d == "module" and all(runs[k] == [k] for k in runs):
            got[d] = "input"
        else:
            got[d] = "/".join(runs["bfloat16"])
    if not got:
        return result("unverifiable", "quantize_4bit quantizes only: it has no compute dtype",
                      {}, {"compute": params["compute"]})
    text = "; ".join(f"{_DOOR[d]}: " + ("the 4-bit matmul runs in the activations' dtype (bf16 "
                                        "in: bf16, fp32 in: fp32)" if v == "input" else
                                        f"with bf16 activations the 4-bit matmul runs in {v}")
                     for d, v in got.items())
    if "transformers" in got:
        text += (f"; the config reads bnb_4bit_compute_dtype="
                 f"{found['transformers']['config']['bnb_4bit_compute_dtype']}")
    return _verdict({d: v == params["compute"] for d, v in got.items()},
                    f"stated default {params['compute']}: {text}",
                    {d: found[d]["computes_in"] for d in got}, {"compute": params["compute"]})


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure bitsandbytes' defaults through the doors the claim names, then judge."""
    versions = {k: v for k, v in package_versions().items()
                if k in ("bitsandbytes", "transformers")}
    if params["api"] == "transformers" and not has_package("transformers"):
        return result("skipped", "transformers not installed: BitsAndBytesConfig cannot be read",
                      versions, {"api": "transformers"})
    found = measure(params["seed"])
    doors = _doors(params, found)
    judge = {"quant_type": _quant_type, "blocksize": _blocksize,
             "double_quant": _double_quant, "compute_dtype": _compute}[params["claim"]]
    out = judge(params, found, doors)
    out["measured"]["versions"] = versions
    return out


# --- frames ------------------------------------------------------------------------------------

def _api(frame: Frame) -> str:
    for door in ("transformers", "functional", "module"):
        if frame.has(f"api_{door}"):
            return door
    return "any"


_LIBRARY = re.compile(r"\b(?:bitsandbytes|bnb|BitsAndBytesConfig|load_in_4bit|Linear4bit)\b",
                      re.I)
_QLORA = re.compile(r"\bq-?lora\b", re.I)
_SAID_OF_QLORA = ("QLoRA's own recipe sets this (nf4, double quantization, bf16 compute) and the "
                  "sentence names no library: a library default is not what it states")


def _block_params(frame: Frame) -> dict[str, Any] | str:
    a, b = frame.spans.get("predicate", (0, 0))
    sizes = [q for q in frame.quantities if q.unit in ("count", "params")
             and q.value in BLOCKSIZES and a <= q.span[0] < b]
    if not sizes:
        if frame.has("own_absmax"):
            return {"claim": "blocksize", "blocksize": 0}
        return "no block size is stated"
    if frame.has("level2"):
        level = 2
    elif frame.has("level1"):
        level = 1
    elif frame.has("dq_words"):
        return "a block size beside double quantization, of the weights or of the constants: " \
               "which level is not stated"
    else:
        level = 1
    if level == 2:
        # (not the weights' own block beside it: "the absmax constants (one per 64 weights) ...
        # with a second-level block of 256")
        sizes = [q for q in sizes if not _OF_WEIGHTS.match(frame.text, q.span[1])] or sizes
    return {"claim": "blocksize", "level": level, "blocksize": int(sizes[0].value)}


_OF_WEIGHTS = re.compile(r"\s+(?:[\w-]+\s+)?(?:weights|parameters|params|elements)\b", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """The default 4-bit type (facets t_nf4 / t_fp4), block sizes (facets level1 / level2,
    own_absmax), double quantization's default (the cue's sign: on) and the compute dtype's
    default (facets c_fp32 / c_bf16 / c_fp16 / c_input); the door from api_* marks."""
    if frame.has("default_elsewhere") and not frame.has("default_library"):
        return "the default stated is another tool's or team's, not BitsAndBytesConfig's"
    api = _api(frame)
    if frame.predicate == "bnb_blocksize":
        params = _block_params(frame)
        return {**params, "api": api} if isinstance(params, dict) else params
    library = _LIBRARY.search(frame.text)
    qlora = _QLORA.search(frame.text)
    if frame.has("qlora_named") and api == "any" and not (
            library and qlora and library.start() < qlora.start()) \
            and not frame.has("library_defaults"):
        # ("QLoRA is offered, and since bitsandbytes defaults to NF4 ...": the library named as
        # what defaults is what the sentence speaks of, wherever QLoRA is named)
        # (the library named first is what the sentence speaks of: "bitsandbytes uses NF4 by
        # default, so I assumed I was running textbook QLoRA")
        return _SAID_OF_QLORA
    if frame.predicate == "bnb_default_type":
        kind = "nf4" if frame.has("t_nf4") else "fp4" if frame.has("t_fp4") else None
        if kind is None:
            return "no 4-bit type is stated"
        return {"claim": "quant_type", "quant_type": kind, "api": api,
                **({"implied": True} if frame.has("t_implied") and not frame.has("said_default")
                   else {})}
    if frame.predicate == "bnb_default_double_quant":
        return {"claim": "double_quant", "on": True, "api": api}
    kind = next((k for f, k in (("c_fp32", "float32"), ("c_bf16", "bfloat16"),
                                ("c_fp16", "float16"), ("c_input", "input")) if frame.has(f)),
                None)
    if kind is None:
        return "no compute dtype is stated"
    return {"claim": "compute_dtype", "compute": kind, "api": api}


VERIFIER = Verifier(
    id="lora.bnb_defaults", version=2,
    title="bitsandbytes' 4-bit defaults: FP4 unless nf4 is asked for, 64 weights per absmax, "
          "256 constants per second-level block, double quantization and compute dtype",
    run=run, params=PARAMS, timeout_s=180,
    claims=tuple((s, p) for p in ("bnb_default_type", "bnb_blocksize",
                                  "bnb_default_double_quant", "bnb_default_compute")
                 for s in ("qlora", "bitsandbytes", "lora")),
    to_params=to_params,
    examples=("BitsAndBytesConfig uses FP4 as its default 4-bit quant type.",
              "bitsandbytes quantizes the weights in blocks of 64 weights, each with its own "
              "absmax.",
              "bnb_4bit_use_double_quant defaults to False.",
              "bnb_4bit_compute_dtype defaults to float32."),
    requires=Requires(device="cpu", packages=("bitsandbytes",)),
)
