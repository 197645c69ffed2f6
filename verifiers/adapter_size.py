"""Family 5: how large a LoRA adapter and a full model are on disk.

Adapters are measured as files: LoRA A/B tensors with PEFT's names are saved with safetensors
and the file is stat'ed. A whole adapter is written when it is at most `WRITE_LIMIT` bytes;
a larger one is written for one and for two blocks and scaled to all blocks (tensor bytes
exact; the header within a few hundred bytes, from wider layer indices and offsets), and the
explanation says so. Where a claim leaves the model, modules or rank open, each configuration
is measured from one- and two-block files at r=1 (tensor bytes scale exactly with r).
Full-model sizes are computed from the presets' exact parameter counts times the bytes of the
stated dtype (16-bit unless the claim says otherwise). Both decimal (MB, GB) and binary (MiB,
GiB) readings are reported; a stated size holds when either reading is within the tolerance.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import replace
from functools import cache
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._configs import (
    TYPICAL,
    configurations,
    describe,
    find_preset,
    module_set,
    modules_for,
    reference_setting,
)
from verifiers._frame import Frame, Quantity
from verifiers._presets import NOMINAL, PRESETS, Preset, resolve

WRITE_LIMIT = 64 * 2**20
DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "int8": 1, "4bit": 0.5}
# A dtype a claim leaves unstated: the full-model size is judged in each of these.
OPEN_DTYPES = ("float16", "float32", "int8", "4bit")
# A bare size ("a 70B model") is any model of about that size: its parameter count is taken
# between these multiples of the size (LLaMA-7B has 6.74B, Mistral-7B 7.24B, Qwen2-7B 7.6B).
BARE_BAND = (0.85, 1.25)


def dtype_name(words: str) -> str | None:
    """'fp16', '16-bit', 'half precision' -> 'float16'; 'bf16' -> 'bfloat16'; '' -> float16."""
    w = words.lower().replace(" ", "").replace("-", "")
    if w in ("any", "int8", "4bit"):
        return w
    if w in ("nf4", "fp4", "int4"):
        return "4bit"
    if not w or w in ("fp16", "float16", "16bit", "halfprecision", "half"):
        return "float16"
    if w in ("bf16", "bfloat16"):
        return "bfloat16"
    if w in ("fp32", "float32", "32bit", "fullprecision", "single"):
        return "float32"
    return None


def adapter_file_bytes(p: Preset, module_set_name: str, r: int, dtype: str, blocks: int,
                       directory: str) -> int:
    """Write the LoRA tensors of `blocks` blocks with safetensors and return the file's size."""
    import torch
    from safetensors.torch import save_file

    torch_dtype = getattr(torch, dtype)
    tensors = {}
    matching = p.matching(modules_for(p, module_set_name))
    groups = list(dict.fromkeys(g for g, _ in matching)) or list(p.groups())
    for g_index, group in enumerate(groups):
        # one stack: `blocks` of its blocks; several (an encoder and a decoder): all of each
        stack = "model.layers" if len(groups) == 1 else ("encoder.block", "decoder.block")[
            min(g_index, 1)]
        for i in range(blocks if len(groups) == 1 else group.count):
            for g, linear in matching:
                if g is not group:
                    continue
                name, out_f, in_f = linear.name, linear.out_f, linear.in_f
                where = "self_attn" if name in ("q_proj", "k_proj", "v_proj", "o_proj") \
                    else "mlp"
                for copy in range(linear.copies):  # (a decoder's self- and cross-attention)
                    prefix = f"base_model.model.{stack}.{i}.{where}.{copy}.{name}"
                    # Values do not change the size (safetensors stores raw bytes).
                    tensors[f"{prefix}.lora_A.weight"] = torch.zeros(r, in_f, dtype=torch_dtype)
                    tensors[f"{prefix}.lora_B.weight"] = torch.zeros(out_f, r,
                                                                     dtype=torch_dtype)
    path = os.path.join(directory, f"adapter-{p.name}-{module_set_name}-{r}-{blocks}.safetensors")
    save_file(tensors, path)
    size = os.path.getsize(path)
    os.remove(path)
    return size


def measure_adapter(p: Preset, module_set_name: str, r: int, dtype: str, directory: str,
                    *, rank_one: bool = False) -> dict[str, Any]:
    """Adapter file size: written whole, or from one- and two-block files scaled to all blocks."""
    data = p.lora_params(r, modules_for(p, module_set_name)) * DTYPE_BYTES[dtype]
    if not p.single_stack:
        # an encoder-decoder's stacks differ: every block written, at r=1 where r would pass
        # the limit (the tensors' bytes grow with r, the header does not)
        at = r if not rank_one and data <= WRITE_LIMIT else 1
        whole = adapter_file_bytes(p, module_set_name, at, dtype, p.layers, directory)
        data_at = p.lora_params(at, modules_for(p, module_set_name)) * DTYPE_BYTES[dtype]
        size = whole - data_at + data
        return {"config": describe(p, module_set_name, r), "dtype": dtype, "bytes": size,
                "MB": size / 1e6, "MiB": size / 2**20, "tensor_bytes": data,
                "how": "written whole" if at == r else f"written whole at r={at}, scaled"}
    if not rank_one and data <= WRITE_LIMIT:
        size = adapter_file_bytes(p, module_set_name, r, dtype, p.layers, directory)
        how = "written whole"
    else:
        # One plus two blocks are written; where that alone would pass the limit, at r=1.
        block_bytes = data // p.layers
        at = 1 if rank_one or 3 * block_bytes > WRITE_LIMIT else r
        one = adapter_file_bytes(p, module_set_name, at, dtype, 1, directory)
        two = adapter_file_bytes(p, module_set_name, at, dtype, 2, directory)
        per_block_data = p.lora_params(at, modules_for(p, module_set_name)) // p.layers * \
            DTYPE_BYTES[dtype]
        header = one - per_block_data - (two - one - per_block_data)
        per_block_header = two - one - per_block_data
        size = header + p.layers * (per_block_data * r // at + per_block_header)
        how = (f"scaled from 1- and 2-block files at r={at}" if at != r else
               "scaled from 1- and 2-block files")
    return {"config": describe(p, module_set_name, r), "dtype": dtype, "bytes": size,
            "MB": size / 1e6, "MiB": size / 2**20, "tensor_bytes": data, "how": how}


APPROX_TOL = 0.10


def _size_holds(value_dec: float, value_bin: float, low: float, high: float, exact: bool,
                at_least: bool, tol: float, binary: bool = False) -> str | None:
    """'decimal' or 'binary' when the reading the claim's unit names (MB/GB decimal, MiB/GiB
    binary) satisfies the claim, else None. A single figure written in MiB/GiB that is the
    decimal reading to 1% and the binary one only within the tolerance is a unit slip: it does
    not hold ("MB" is often used for MiB, so the other way round the tolerance stands)."""
    other = value_dec if binary else value_bin
    for reading, v in ((("binary", value_bin),) if binary else (("decimal", value_dec),)):
        if binary and exact and not at_least and abs(other - low) <= 0.01 * low \
                and abs(v - low) > 0.02 * low:
            return None  # the number is the other unit's reading ("84 MiB" for 83.9 MB)
        if at_least and v >= low * (1 - tol):
            return reading
        if exact and not at_least and abs(v - low) <= tol * low:
            return reading
        if not exact and low * (1 - tol) <= v <= high * (1 + tol):
            return reading
    return None


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure adapter files and full-model bytes; judge every stated size in the claim."""
    preset, modules = find_preset(params["model"]), module_set(params["modules"])
    dtype = dtype_name(params["dtype"])
    if (params["model"] and preset is None or params["modules"] and modules is None
            or dtype is None):
        return result("unverifiable", f"Unknown model, modules or dtype ({params['model']!r}, "
                      f"{params['modules']!r}, {params['dtype']!r}).", {}, dict(params))
    if params["conversion"]:
        return _converted(params)
    if params["count"]:
        return _count_part(params, "float16" if dtype in ("any", "4bit") else dtype)
    if params["compact"]:
        return _compact(params, preset, modules, "float16" if dtype in ("any", "4bit") else dtype)
    if params["r2"]:
        return _rank_scaling(params, preset, modules, "float16" if dtype in ("any", "int8", "4bit")
                             else dtype)
    if not params["mb"] and not params["gb"] and not params["model_ratio"]:
        return result("unverifiable", "The claim states no size in MB or GB.", {}, dict(params))
    measured: dict[str, Any] = {"dtype": dtype}
    parts, verdicts, pairs = [], [], []
    if params["mb"]:
        v, text, pair = _adapter_part(params, preset, modules, "float16" if dtype in (
            "any", "int8", "4bit") else dtype, measured)
        # the setting of a paper that reports its checkpoint's size: the paper's dtype decides
        ref = preset.reference if preset is not None else {}
        in_paper = bool(ref.get("checkpoint_dtype")) and (
            modules or ref["modules"], params["r"] or ref["r"]) == (ref["modules"], ref["r"])
        if params["dtype"] in ("", "any") and "reference" not in measured and not in_paper:
            # no dtype stated: PEFT keeps (and saves) adapter weights in fp32 by default, and
            # papers count 16-bit files; a size that holds in only one of them is conditional
            wide: dict[str, Any] = {}
            v32, text32, pair32 = _adapter_part(params, preset, modules, "float32", wide)
            if v32 != v:
                measured["adapter_float32"] = wide.get("adapter")
                both = (v, v32)
                v = ("refuted" if both == ("refuted", "refuted") else "supported"
                     if both == ("supported", "supported") else "conditional")
                pair = pair if v == "refuted" else None
                text = (f"the claim states no dtype, and the file's size depends on it: in "
                        f"float16 (or bfloat16): {text}; in float32, the dtype PEFT keeps and "
                        f"saves adapter weights in by default: {text32}")
        verdicts.append(v)
        parts.append(text)
        pairs.append((v, pair))
    if params["model_ratio"]:
        v, text, pair = _ratio_part(params, preset, modules, "float16" if dtype in (
            "any", "int8", "4bit") else dtype, measured)
        verdicts.append(v)
        parts.append(text)
        pairs.append((v, pair))
    if params["gb"]:
        v, text, pair = _model_part(params, preset, dtype, measured)
        verdicts.append(v)
        parts.append(text)
        pairs.append((v, pair))
    if params["gb"] and params["gb2"]:  # "138 GB, or roughly 148 GiB": the restatement too
        again: dict[str, Any] = {}
        v, text, pair = _model_part({**params, "gb": params["gb2"], "binary": params["binary2"],
                                     "tol": params["tol2"], "gb_bound": "", "gb_at_least": ""},
                                    preset, dtype, again)
        measured["full_model_restated"] = again.get("full_model")
        verdicts.append(v)
        parts.append(f"restated: {text}")
        pairs.append((v, pair))
    verdict = "refuted" if "refuted" in verdicts else "unverifiable" if (
        "unverifiable" in verdicts) else "conditional" if "conditional" in verdicts else "supported"
    expected = {k: params[k] for k in ("model", "modules", "r", "dtype", "mb", "mb_high",
                                       "of_adapters", "gb", "gb_at_least", "gb_bound",
                                       "billions", "tol")
                if params[k] not in (0, 0.0, "")}
    text = "; ".join(parts)
    # the pair of the part that decided the verdict (the first refuted one, say)
    pair = next((x for v, x in pairs if v == verdict and x is not None), None)
    return result(verdict, f"{text[0].upper()}{text[1:]}.", measured, expected, figure=pair)


def _adapter_part(p: dict[str, Any], preset: Preset | None, modules: str | None, dtype: str,
                  measured: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
    n = p["of_adapters"]  # a total of n adapters alike: each one's share
    low, high = p["mb"] / n, (p["mb_high"] or p["mb"]) / n
    exact = not p["mb_high"]
    with tempfile.TemporaryDirectory(prefix="kbcheck-adapter-") as tmp:
        if preset and modules and p["r"]:
            rows = [measure_adapter(preset, modules, p["r"], dtype, tmp)]
        else:
            rows = [measure_adapter(pr, ms, r, dtype, tmp, rank_one=True) for pr, ms, r in
                    configurations((preset.name,) if preset else (), (modules,) if modules else
                                   (), (p["r"],) if p["r"] else (4, 8, 16, 64))]
        typical = measure_adapter(PRESETS[TYPICAL[0]], TYPICAL[1], TYPICAL[2], dtype, tmp)
    for row in rows:
        row["holds"] = _size_holds(row["MB"], row["MiB"], low, high, exact, False, p["tol"],
                                   p["binary"])
    ref = preset.reference if preset is not None else {}
    reported = ref.get("reported_mb")
    if reported and exact and abs(reported - low) <= 0.02 * reported and (
            modules or ref["modules"], p["r"] or ref["r"]) == (ref["modules"], ref["r"]):
        # the figure the paper that studied the model gives for its own setting ("350 GB to
        # 35 MB"): what it reports, beside what such a file measures here
        row = next((x for x in rows if x["config"] == describe(preset, ref["modules"],
                                                                 ref["r"])), rows[0])
        measured["adapter"] = {"configurations": len(rows), "reported_mb": reported,
                               "examples": [row]}
        return "supported", (f"Adapter {low:g} MB is the size the paper that studied "
                             f"{preset.name} reports for its setting ({ref['source']}); such a "
                             f"file measures {_mb_line(row)}"), None
    good = [x for x in rows if x["holds"]]
    bad = [x for x in rows if not x["holds"]]
    measured["adapter"] = {"configurations": len(rows), "holding": len(good),
                           "examples": (good[:6] + bad[:6]), "typical": typical}
    unit = "MiB" if p["binary"] else "MB"
    stated = f"{low:g}-{high:g} {unit}" if not exact else f"{low:g} {unit}"
    if n > 1:
        total = f"{p['mb']:g}-{p['mb_high']:g}" if not exact else f"{p['mb']:g}"
        stated += f" (the {n:g} adapters' {total} {unit} shared out)"
    line = _mb_line
    pair = figure_pair("adapter file", low if exact else f"{low:g}-{high:g}",
                       round(rows[0][unit], 2), unit) if len(rows) == 1 else None
    if not bad:
        return "supported", (f"Adapter {stated} holds for {line(rows[0])}" if len(rows) == 1 else
                             f"Adapter {stated} holds for all {len(rows)} configurations, e.g. "
                             f"{line(rows[0])}"), pair
    if not good:
        if preset is not None and p["r"] and not modules and exact and all(
                x["MB"] * (1 + p["tol"]) < low and x["MiB"] * (1 + p["tol"]) < low
                for x in rows) and any(x["config"].endswith("all linear") for x in rows):
            # larger than LoRA on every linear layer at the stated rank: no set of adapted
            # modules gives it, so leaving them unstated does not save the claim
            measured["covers_open"] = ["the adapted modules"]
            return "refuted", (f"Adapter {stated} holds for none, and is larger than LoRA on "
                               f"every linear layer gives: {line(rows[-1])}"), pair
        return "refuted", f"Adapter {stated} holds for none: {line(rows[0])}", pair
    ref = reference_setting(preset, modules, p["r"])
    if ref is not None and not (p["r"] and modules):  # the model's paper completes the rest
        want = describe(preset, *ref)
        hit = next((x for x in good if x["config"] == want), None)
        if hit is not None:
            source = preset.reference["source"]
            measured["reference"] = {"config": want, "source": source}
            return "supported", (f"Adapter {stated} holds in the configuration of the paper "
                                 f"that studied {preset.name} ({source}): {line(hit)} "
                                 f"({len(good)} of {len(rows)} configurations hold)"), None
    return "conditional", (f"Adapter {stated} holds for {len(good)} of {len(rows)} "
                           f"configurations, e.g. {line(good[0])}; not e.g. {line(bad[-1])} "
                           f"(PEFT default {line(typical)})"), None


def _count_part(p: dict[str, Any], dtype: str) -> dict[str, Any]:
    """A size stated with the parameter count it holds ('80.7 MB, as expected for 40.4 million
    parameters at 16 bits each'): safetensors files of up to 2**20 values in that dtype are
    written, and the file that many values make is worked out from them and compared."""
    import torch
    from safetensors.torch import save_file

    count = int(p["count"])
    part = min(count, 2**20)  # bytes per value and the header, from two files
    with tempfile.TemporaryDirectory(prefix="kbcheck-count-") as tmp:
        sizes = []
        for n in (part, part // 2):
            path = os.path.join(tmp, f"{n}.safetensors")
            save_file({"w": torch.zeros(n, dtype=getattr(torch, dtype))}, path)
            sizes.append(os.path.getsize(path))
    per_value = (sizes[0] - sizes[1]) / (part - part // 2)
    header = sizes[0] - per_value * part
    total = header + per_value * count
    row = {"MB": total / 1e6, "MiB": total / 2**20}
    low, high = p["mb"], p["mb_high"] or p["mb"]
    holds = _size_holds(row["MB"], row["MiB"], low, high, not p["mb_high"], False, p["tol"],
                        p["binary"])
    unit = "MiB" if p["binary"] else "MB"
    measured = {"count": count, "dtype": dtype, "bytes_per_value": per_value,
                "file_bytes": total, "written_values": part}
    scaled = f" (from files of {part:,} and {part // 2:,} values)" if part < count else ""
    what = (f"{count:,} values in {dtype} make a {row['MB']:.1f} MB ({row['MiB']:.1f} MiB) "
            f"safetensors file{scaled}")
    stated = f"{low:g}-{high:g} {unit}" if p["mb_high"] else f"{low:g} {unit}"
    expected = {"count": count, "dtype": dtype, "mb": low, "mb_high": p["mb_high"]}
    pair = figure_pair("adapter file", low if not p["mb_high"] else f"{low:g}-{high:g}",
                       round(row[unit], 2), unit)
    if holds:
        return result("supported", f"Adapter {stated} for the stated count holds: {what}.",
                      measured, expected, figure=pair)
    return result("refuted", f"Adapter {stated} for the stated count does not hold: {what}.",
                  measured, expected, figure=pair)


def _ratio_part(p: dict[str, Any], preset: Preset | None, modules: str | None, dtype: str,
                measured: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
    """'N x smaller than the full model': the full model's bytes over the adapter file's, both
    in the same dtype, for each configuration the claim allows."""
    want, tol = p["model_ratio"], p["ratio_tol"]
    rows = _adapter_rows(p, preset, modules, dtype)
    for row in rows:
        model = PRESETS[row["config"].split(" ")[0]]
        row["times_smaller"] = model.total_params() * DTYPE_BYTES[dtype] / row["bytes"]
        row["holds"] = abs(row["times_smaller"] - want) <= tol * want
    good = [x for x in rows if x["holds"]]
    measured["times_smaller"] = {"configurations": len(rows), "holding": len(good),
                                 "examples": [{k: x[k] for k in ("config", "bytes",
                                                                 "times_smaller")}
                                              for x in (good[:4] + rows[:4])]}
    line = ", ".join(f"{x['config']}: {x['times_smaller']:,.0f}x" for x in (good or rows)[:3])
    head = f"an adapter {want:,.6g}x smaller than the full model (within {tol:.0%})"
    pair = figure_pair("full model over adapter file", want, round(rows[0]["times_smaller"], 1),
                       "x") if len(rows) == 1 else None
    if len(good) == len(rows):
        return "supported", f"{head} holds: {line}", pair
    if not good:
        return "refuted", f"{head} holds for none of {len(rows)} configurations: {line}", pair
    return ("conditional", f"{head} holds for {len(good)} of {len(rows)} configurations: {line}",
            None)


def _adapter_rows(p: dict[str, Any], preset: Preset | None, modules: str | None,
                  dtype: str) -> list[dict[str, Any]]:
    """Adapter files measured for every configuration the claim allows (ranks 4-64 if open)."""
    with tempfile.TemporaryDirectory(prefix="kbcheck-adapter-") as tmp:
        return [measure_adapter(pr, ms, r, dtype, tmp, rank_one=True) for pr, ms, r in
                configurations((preset.name,) if preset else (), (modules,) if modules else (),
                               (p["r"],) if p["r"] else (4, 8, 16, 64))]


def _compact(p: dict[str, Any], preset: Preset | None, modules: str | None,
             dtype: str) -> dict[str, Any]:
    """'A compact adapter instead of a full copy': adapter files vs full-model bytes."""
    rows = _adapter_rows(p, preset, modules, dtype)
    for row in rows:
        model = PRESETS[row["config"].split(" ")[0]]
        row["pct_of_model"] = 100.0 * row["bytes"] / (model.total_params() * DTYPE_BYTES[dtype])
    worst = max(rows, key=lambda x: x["pct_of_model"])
    best = min(rows, key=lambda x: x["pct_of_model"])
    ok = [x for x in rows if x["pct_of_model"] <= p["compact_pct"]]
    verdict = "supported" if len(ok) == len(rows) else "conditional" if ok else "refuted"
    measured = {"configurations": len(rows), "within": len(ok), "largest": worst,
                "smallest": best}
    return result(verdict, f"Adapter files are at most {p['compact_pct']:g}% of the full model in "
                  f"{len(ok)} of {len(rows)} configurations: largest {_mb_line(worst)} = "
                  f"{worst['pct_of_model']:.2f}% of the model, smallest {_mb_line(best)} = "
                  f"{best['pct_of_model']:.4f}%.", measured,
                  {"compact_pct": p["compact_pct"], "dtype": dtype})


def _mb_line(row: dict[str, Any]) -> str:
    return f"{row['config']} in {row['dtype']}: {row['MB']:.1f} MB ({row['MiB']:.1f} MiB)"


def _converted(p: dict[str, Any]) -> dict[str, Any]:
    """Whether two stated figures are one amount in GB (10^9 bytes) and GiB (2^30 bytes): each
    converted to bytes, they hold where their tolerance bands meet."""
    def band(value: float, binary: bool, tol: float) -> tuple[float, float]:
        size = value * (2**30 if binary else 1e9)
        return size * (1 - tol), size * (1 + tol)

    a, b = band(p["gb"], p["binary"], p["tol"]), band(p["gb2"], p["binary2"], p["tol2"])
    unit1, unit2 = ("GiB" if p["binary"] else "GB"), ("GiB" if p["binary2"] else "GB")
    first = p["gb"] * (2**30 if p["binary"] else 1e9)
    as_second = first / (2**30 if p["binary2"] else 1e9)
    holds = a[0] <= b[1] and b[0] <= a[1]
    text = (f"{p['gb']:g} {unit1} is {first:,.0f} bytes = {as_second:.2f} {unit2} "
            f"(GB = 10^9 bytes, GiB = 2^30 bytes); stated {p['gb2']:g} {unit2}")
    return result("supported" if holds else "refuted", text,
                  {"bytes": first, "converted": as_second},
                  {"gb": p["gb"], "gb2": p["gb2"], "binary": p["binary"], "binary2": p["binary2"]},
                  figure=None if holds else figure_pair(f"size in {unit2}", p["gb2"],
                                                        round(as_second, 2)))


def _model_part(p: dict[str, Any], preset: Preset | None, dtype: str,
                measured: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
    """The full model's bytes in each dtype the claim allows: a preset's exact count, or a bare
    size's band (then a figure holds at the size itself and fails only outside the band)."""
    if preset is None and not p["billions"]:
        return "unverifiable", "the model is not named, so its size is not judged", None
    dtypes = OPEN_DTYPES if dtype == "any" else (dtype,)
    unit, scale = ("GiB", 2**30) if p["binary"] else ("GB", 1e9)
    stated, bound = p["gb"], p["gb_bound"] or ("ge" if p["gb_at_least"] else "eq")
    tol = p["tol"] if bound == "eq" else 0.01
    if preset is not None:
        name, count, band = preset.name, preset.total_params(), (1.0, 1.0)
    else:
        # a size named as models are ("7B", "1.5B") is any model of about that size; a count
        # written to two decimals or more ("6.74 billion") is that many parameters
        exact = round(p["billions"], 1) != p["billions"]
        name, count, band = (f"a {p['billions']:g}B model", p["billions"] * 1e9,
                             (1.0, 1.0) if exact else BARE_BAND)
    rows = []
    for dt in dtypes:
        size = count * DTYPE_BYTES[dt] / scale
        low, high = size * band[0], size * band[1]
        if dt == "4bit":  # half a byte each, up to NF4 with its scales and 16-bit embeddings
            # (or the codes alone, where the size is worked out at 4 bits per weight)
            most = size if p["codes_only"] else four_bit_bytes(preset, count) / scale
            high = most * band[1]
        top = most if dt == "4bit" else size  # the largest a model of this count stores
        if bound == "le":
            holds, fails = size <= stated * (1 + tol), low > stated * (1 + tol)
        elif bound == "ge":
            holds, fails = top >= stated * (1 - tol), high < stated * (1 - tol)
        else:
            holds = size * (1 - tol) <= stated <= top * (1 + tol) or \
                abs(size - stated) <= tol * stated
            fails = stated * (1 + tol) < low or stated * (1 - tol) > high
            decimal = count * DTYPE_BYTES[dt] / 1e9
            if p["binary"] and dt != "4bit" and abs(decimal - stated) <= 0.01 * stated \
                    and abs(size - stated) > 0.02 * stated:
                # "Llama-2-70B in fp16 is 138 GiB": the decimal figure under the binary unit
                # (not for 4-bit, whose files hold scales and 16-bit embeddings beside the
                # codes: a 70B NF4 checkpoint may well be 35 GiB)
                holds, fails = False, True
        rows.append({"model": name, "params": count, "dtype": dt, unit: round(size, 3),
                     **({"most": round(most, 3)} if dt == "4bit" and not p["codes_only"] else {}),
                     "band": [round(low, 3), round(high, 3)] if band != (1.0, 1.0) else None,
                     "holds": holds, "fails": fails})
    measured["full_model"] = rows
    sign = {"le": "at most ", "ge": "at least "}.get(bound, "")
    head = f"full model {sign}{stated:g} {unit}"
    text = ", ".join(f"{x['model']} in {x['dtype']} ({DTYPE_BYTES[x['dtype']]:g} bytes per "
                     f"parameter) is {x[unit]:.2f} {unit}"
                     + (f" (to {x['most']:.2f} {unit} as NF4 stores it)" if x.get("most") else "")
                     + (f" ({x['band'][0]:.0f}-{x['band'][1]:.0f} {unit} for models "
                        f"called {p['billions']:g}B)" if x["band"] else "") for x in rows)
    good = [x for x in rows if x["holds"]]
    # no dtype stated: a model's size is read in its published checkpoint's dtype (16-bit as
    # a rule: "a 70B model (140 GB)", "130 GB unquantized"), so a size that holds there holds;
    # one that holds only in another dtype (fp32, 4-bit) is conditional on it, and the
    # explanation names which
    checkpoint = preset.dtype if preset is not None else "float16"
    pair = _model_pair(rows, unit, f"{sign}{stated:g}" if sign else stated, checkpoint)
    if len(good) == len(rows):
        return "supported", f"{head} holds: {text}", pair
    if all(x["fails"] for x in rows):
        return "refuted", f"{head} does not hold: {text}", pair
    whose = "its published checkpoint's" if preset else "the published checkpoints'"
    if any(DTYPE_BYTES[x["dtype"]] == DTYPE_BYTES[checkpoint] for x in good):
        return "supported", f"{head} holds in {checkpoint}, {whose} dtype, in which a size " \
                            f"stated with no dtype is read: {text}", pair
    if good:
        names = ", ".join(x["dtype"] for x in good)
        return "conditional", f"{head} holds only in {names}, not in {checkpoint} " \
                              f"({whose} dtype); the claim states no dtype: {text}", pair
    return "unverifiable", f"{head} is not decided: {text}", None


def four_bit_bytes(preset: Preset | None, count: float) -> float:
    """The most a model of `count` parameters takes in 4 bits: bitsandbytes' NF4 without
    double quantization (its bits per weight measured, block scales included) on the block
    linears, and 16 bits for the rest (embeddings, head, norms) where the preset's layout is
    known; a layout not known, or a bare size, has 5% of its parameters taken as 16-bit."""
    bits = _nf4_bits()
    if preset is not None and preset.llama_like:
        from verifiers._memory_model import linear_params

        linear = linear_params(preset)
    else:
        linear = 0.95 * count
    return linear * bits / 8 + (count - linear) * 2


@cache
def _nf4_bits() -> float:
    """Bits per weight of NF4 without double quantization: measured with bitsandbytes, or
    from the storage layout where it is absent."""
    from verifiers._env import has_package
    from verifiers._nf4 import layout_bits, measure_bits

    if has_package("bitsandbytes"):
        return measure_bits(512, 512, double_quant=False)["bits_per_param"]
    return layout_bits(double_quant=False)


def _model_pair(rows: list[dict[str, Any]], unit: str, stated: float | str,
                checkpoint: str) -> dict[str, Any] | None:
    """The full model's stated size beside the measured one: the one dtype measured, else the
    published checkpoint's; a bare size's band is given as its range."""
    row = rows[0] if len(rows) == 1 else next((x for x in rows if x["dtype"] == checkpoint), None)
    if row is None:
        return None
    size = f"{row['band'][0]:.1f}-{row['band'][1]:.1f}" if row["band"] else round(row[unit], 2)
    return figure_pair(f"full model in {row['dtype']}", stated, size, unit)


def _rank_scaling(p: dict[str, Any], preset: Preset | None, modules: str | None,
                  dtype: str) -> dict[str, Any]:
    """How the adapter file grows from rank r to rank r2: both files written and compared."""
    r1, r2 = p["r"] or 8, p["r2"]
    with tempfile.TemporaryDirectory(prefix="kbcheck-adapter-") as tmp:
        rows = []
        for pr, ms, _ in configurations((preset.name,) if preset else (TYPICAL[0],),
                                        (modules,) if modules else (TYPICAL[1],), (r1,)):
            a = measure_adapter(pr, ms, r1, dtype, tmp, rank_one=True)
            b = measure_adapter(pr, ms, r2, dtype, tmp, rank_one=True)
            rows.append({"config": describe(pr, ms, r1), "bytes_r1": a["bytes"],
                         "bytes_r2": b["bytes"], "ratio": b["bytes"] / a["bytes"]})
    want = p["size_ratio"]
    ok = [(x["ratio"] > 1 if r2 > r1 else x["ratio"] < 1) if not want else
          abs(x["ratio"] - want) <= max(p["tol"], 0.05) * want for x in rows]
    what = f"{want:g}x" if want else ("larger" if r2 > r1 else "smaller")
    text = "; ".join(f"{x['config']} in {dtype}: {x['bytes_r1'] / 1e6:.2f} MB at r={r1}, "
                     f"{x['bytes_r2'] / 1e6:.2f} MB at r={r2} ({x['ratio']:.3f}x)" for x in rows)
    verdict = "supported" if all(ok) else "refuted" if not any(ok) else "conditional"
    return result(verdict, f"From rank {r1} to rank {r2} the adapter file is stated {what}: "
                  f"{text}.", {"files": rows}, {"r": r1, "r2": r2, "size_ratio": want})


_DTYPE_MARKS = (("f32", "fp32"), ("f16", "fp16"), ("f8", "int8"))
_PER_PARAM = {1: "int8", 2: "fp16", 4: "fp32", 8: "int8", 16: "fp16", 32: "fp32"}


_WIDTH = {"fp16": 2, "bf16": 2, "16bit": 2, "fp32": 4, "int8": 1, "nf4": 0.5, "fp4": 0.5}


def _dtypes(frame: Frame) -> list[str]:
    """Every precision a size claim states, in order: dtype words, precisions said in words,
    widths per parameter ('2 bytes per parameter', '16 bits per weight')."""
    out = [{"16bit": "fp16"}.get(d, d) for d in frame.conditions.get("dtypes", ())
           if d in _WIDTH]
    base = frame.conditions.get("base_dtypes", ())
    if frame.predicate != "model_size" and any(d not in base for d in out):
        # "an adapter trained on a bf16 Llama-2-7B is saved in fp32": the base's dtype is not
        # the adapter's
        out = [d for d in out if d not in base]
    against = frame.conditions.get("baseline_dtypes", ())
    # ("one byte per weight, which halves the FP16 size: about 13 GB": fp16 is what the size is
    # set against)
    out = [d for d in out if d not in against] or out
    out += [dtype for mark, dtype in _DTYPE_MARKS if frame.has(mark)]
    for q in frame.quantities:
        width = (q.unit == "bits" and q.value in (8, 16, 32)) or (
            q.unit == "bytes" and q.stated_unit == "bytes" and q.value in (1, 2, 4))
        if width:
            out.append(_PER_PARAM[int(q.value)])
        elif q.unit == "bits" and 4 <= q.value <= 4.6:  # "quantized to 4 bits", "4.127 bits"
            out.append("nf4")
    if not out and frame.predicate == "model_size":
        # "with load_in_4bit the weights shrink to 6.5 GB", "with QLoRA, Llama-2-70B's weights
        # occupy about 35 GB": the loading flag or the method names the width
        loaded = _LOAD_IN.search(frame.text)
        if loaded:
            out.append("nf4" if loaded.group(1) == "4" else "int8")
        elif frame.subject == "qlora" and frame.subject_named \
                and _QLORA_WEIGHTS.search(frame.text):
            out.append("nf4")
    others = {_COMPARED_WORDS.get(m.group("d").lower().replace("-", " "), "")
              for pattern in (_COMPARED_DTYPE, _PART_DTYPE, _PART_KEPT_IN)
              for m in pattern.finditer(frame.text)}
    if frame.predicate != "model_size":
        # "compared with the 13.5 GB bf16 Llama-2-7B checkpoint, a 16.8 MB adapter ...": the
        # width written right after a size in GB is that model's, not the adapter's
        gb = list(_GB_DTYPE.finditer(frame.text))
        spans = {m.start("d") for m in gb}
        models = {_COMPARED_WORDS.get(m.group("d").lower().replace("-", " "), "") for m in gb}
        elsewhere = {_COMPARED_WORDS.get(m.group("d").lower().replace("-", " "), "")
                     for m in _WIDTH_RE.finditer(frame.text) if m.start("d") not in spans}
        out = [d for d in out if d not in models - elsewhere]
    sizes = [q for q in frame.quantities if q.unit == "bytes" and q.stated_unit != "bytes"]
    if others and any(d not in others for d in out) and len(sizes) == 1:
        # "in fp32 ... about 27 GB, twice the half-precision footprint": the width set against
        # the one size is the other one's, not the size's own ("from 16.8 MB to 8.4 MB
        # compared with fp32" states the sizes of both); so is the width of the parts a
        # quantized model keeps ("3.6 GB in 4 bits, plus the 16-bit embeddings")
        out = [d for d in out if d not in others]
    return out


# a precision named as what a size is set against: "2x the half-precision footprint", "half
# the fp32 size", "than in bf16", "versus 16-bit"
_COMPARED_DTYPE = re.compile(r"(?:\b(?:twice|double|half|a\s+(?:quarter|third)|\d+(?:\.\d+)?\s*"
                             r"(?:x|times))\s+(?:of\s+)?(?:the|its|their)\s+|\b(?:than|vs\.?|versus|"
                             r"compared\s+(?:to|with))\s+(?:in\s+|at\s+)?(?:the\s+|its\s+|their\s+)?)"
                             r"(?P<d>fp16|float16|bf16|bfloat16|fp32|float32|half[- ]precision|"
                             r"full[- ]precision|(?:16|32|8|4)[- ]?bits?|int8|nf4)\b", re.I)
_WIDTH_WORD = (r"(?P<d>fp16|float16|bf16|bfloat16|fp32|float32|half[- ]precision|full[- ]precision|"
               r"(?:16|32|8)[- ]?bits?|int8)\b")
_GB_DTYPE = re.compile(r"\d\s*(?:GB|GiB|TB)\s+" + _WIDTH_WORD, re.I)
_WIDTH_RE = re.compile(r"\b" + _WIDTH_WORD, re.I)
# the parts a quantized model leaves in higher precision, with their width before them ("the
# 16-bit embeddings and LM head") or after ("embed_tokens and lm_head stay in bf16")
_PARTS = (r"(?:(?:input\s+|token\s+)?embeddings?|embed_tokens|lm_head|LM\s+head|"
          r"output\s+(?:head|layer)|(?:layer[\s_]?)?norms?|LayerNorms?|biases)")
_PART_DTYPE = re.compile(r"\b" + _WIDTH_WORD + r"\s+(?:(?!(?:and|or|plus|with)\b)\w+\s+){0,2}?"
                         + _PARTS + r"\b", re.I)
_PART_KEPT_IN = re.compile(r"\b" + _PARTS + r"\b[^.;:]{0,50}?\b(?:stay|stays|kept|keeps?|remains?|"
                           r"left|leaves?|held)\b[^.;:]{0,12}?\b(?:in|at|as)\s+" + _WIDTH_WORD,
                           re.I)
_COMPARED_WORDS = {"fp16": "fp16", "float16": "fp16", "bf16": "bf16", "bfloat16": "bf16",
                   "fp32": "fp32", "float32": "fp32", "half precision": "fp16",
                   "full precision": "fp32", "16 bit": "fp16", "16bit": "fp16", "16 bits": "fp16",
                   "32 bit": "fp32", "32bit": "fp32", "32 bits": "fp32", "8 bit": "int8",
                   "8bit": "int8", "8 bits": "int8", "int8": "int8", "4 bit": "nf4",
                   "4bit": "nf4", "4 bits": "nf4", "nf4": "nf4"}


_FROM_BEFORE = re.compile(r"\bfrom\s+(?:about\s+|roughly\s+|around\s+|approximately\s+|~\s*)?$",
                          re.I)
_TO_BETWEEN = re.compile(r"\s*(?:down\s+|up\s+)?to\s+(?:about\s+|roughly\s+|around\s+|"
                         r"approximately\s+|just\s+|only\s+|~\s*)?", re.I)


def _from_to(text: str, sizes: list[Quantity]) -> Quantity | None:
    """The later of two sizes written 'from A to B', else None."""
    if len(sizes) != 2:
        return None
    a, b = sorted(sizes, key=lambda q: q.span)
    if _FROM_BEFORE.search(text, 0, a.span[0]) and _TO_BETWEEN.fullmatch(text, a.span[1],
                                                                         b.span[0]):
        return b
    return None


_LOAD_IN = re.compile(r"\bload_in_([48])bit\b")
# QLoRA by name, with the weights it holds: "with QLoRA, Llama-2-70B's weights occupy ..."
# (or its frozen base: "with QLoRA, ... at 4.127 bits per weight the frozen base is 6.7 GB")
_QLORA_WEIGHTS = re.compile(r"\bQ-?LoRA\b[^.;]{0,60}?\b(?:weights|stores\s+the\s+base)\b|"
                            r"\bQ-?LoRA\b(?:[^.;]|\.(?=\d)){0,120}?\b(?:frozen|quantized|4-bit)\s+"
                            r"(?:base|weights)\b", re.I)


def _dtype(frame: Frame) -> tuple[str, bool]:
    """The dtype a size claim states ('' when unstated), and whether the sentence names
    several widths (then which one a size is in is not read)."""
    stated = _dtypes(frame)
    widths = {_WIDTH[d] for d in stated}
    usable = [d for d in stated if d in ("fp16", "bf16", "fp32", "int8")
              or d in ("nf4", "fp4") and frame.predicate == "model_size"]
    return (usable[0] if usable else ""), len(widths) > 1


# a size named as a limit ("the 20 MB size alarm", "our 50 MB upload cap")
_LIMIT_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:alarms?|alerts?|limits?|caps?|budgets?|"
                          r"thresholds?|quotas?|ceilings?)\b", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """The parameters of a size claim (below); an adapter on a bare size ('a 7B model') is
    measured on the preset of that size, and holds only for a model shaped like it."""
    if frame.predicate == "model_size" and _SEVERAL.search(frame.text):
        return "a total over several copies of the model, not the size of one"
    out = _to_params(frame)
    if isinstance(out, dict) and frame.predicate != "model_size" and _dtype(frame)[1]:
        clause = _size_dtype(frame, out)
        if clause and "dtype" in out:  # "160 MiB in fp32 and 80 MiB in bf16": its clause's
            out["dtype"] = clause
        else:
            out["_open"] = [*out.get("_open", ()), "which of the stated precisions the size is in"]
    if isinstance(out, dict) and any("bare '" in x for x in out.get("_open", ())):
        out["_condition"] = f"for a model shaped as {out['model']} (the claim names only a size)"
    return out


# "the three merged exports take about 414 GB together": several copies' total
_SEVERAL = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d{1,3})\s+"
                      r"(?:[\w-]+\s+){0,3}?"
                      r"(?:exports|copies|checkpoints|models|replicas|versions)\b"
                      r"[^.;]{0,60}?\b(?:together|combined|in\s+total|altogether|between\s+them)\b",
                      re.I)


# "the optimizer state for a r=8 LoRA is 4.2M x 8 bytes = 34 MB": a size of the optimizer's
# state (what training holds beside the adapter), not of the adapter
_STATE_IS = re.compile(r"\b(?:optimi[sz]er[- ]states?|optimi[sz]er (?:memory|footprint|overhead)|"
                       r"Adam(?:W)?(?:'s)?\s+"
                       r"(?:two\s+|both\s+)?(?:fp32\s+|32-bit\s+)?(?:moments?|states?|buffers?)|"
                       r"(?:fp32\s+|32-bit\s+)?(?:moments|moment\s+buffers?)|master\s+cop(?:y|ies))\s+"
                       r"(?:(?:[^\s.;]|\.(?=\d))+\s+){0,16}?(?:(?:is|are|was|were|be|takes?|took|costs?|"
                       r"comes?\s+to|needs?|occup\w+|amounts?\s+to|adds?\s+up\s+to)\b|"
                       # (or a label's colon: "Adam state for the r=8 adapter: 4.19M x 8 bytes")
                       r"(?:[^\s.;]|\.(?=\d))*:\s)", re.I)


# "the weights, their gradients and both Adam moments together add 0.64 GB": what training
# holds for the adapter, not its file
_STATE_WORDS = r"(?:moments?|optimi[sz]er[- ]states?|Adam(?:W)?\s+states?)"
_TRAINING_STATE = re.compile(rf"\b(?:gradients?|grads?)\b[^.;]{{0,80}}?\b{_STATE_WORDS}\b|"
                             rf"\b{_STATE_WORDS}\b[^.;]{{0,80}}?\b(?:gradients?|grads?)\b", re.I)

# more bytes a parameter than any dtype stores ("8.4M trainable params, which at 16 bytes each
# is about 134 MB"): weights, gradients and optimizer moments together, or the words for them
_STATE_RATE = re.compile(r"(?<![\d.])(?:[5-9]|[12]\d)\s*(?:bytes?|B)\s*(?:each|apiece|"
                         r"(?:per|a|/)\s*(?:trainable\s+)?(?:param\w*|weights?))\b|"
                         r"\btraining\s+state\b", re.I)


# a size given as a difference to another model's ("roughly 1 GB more than Llama-2-7B's")
_DIFFERENCE = re.compile(r"\d\s*(?:GB|GiB|MB|MiB)\s+(?:more|less|larger|smaller|bigger|heavier|"
                         r"lighter)\s+than\b", re.I)


# a saving, then what it comes to: "saves 0.37 bits per weight, which is about 3 GB"
_SAVED_THEN_AMOUNT = re.compile(
    r"\b(?:sav(?:e|es|ed|ing)|cuts?|trims?|shaves?|frees?)\s+(?:about\s+|roughly\s+|around\s+|"
    r"~\s*)?\d[\d.]*\s*(?:bits?|bytes?)\s+(?:per|a|each)\s+(?:param\w*|weights?)\s*,?\s*"
    r"(?:which\s+is|that\s+is|i\.e\.|or|=)\s+(?:about\s+|roughly\s+|around\s+|~\s*)?\d", re.I)


def _to_params(frame: Frame) -> dict[str, Any] | str:
    """A stated adapter size (MB), full-model size (GB) or how the adapter grows with the rank,
    with the model, modules, rank and dtype the sentence gives; the unit's reading (decimal or
    binary) is the one stated. A bare size ('a 7B model') is judged by its size for the full
    model, and as the preset of that size (never refuted) for adapters."""
    if frame.predicate != "model_size" and _STATE_IS.search(frame.text):
        return "a size of the optimizer state, not of the adapter"
    if frame.predicate != "model_size" and (_TRAINING_STATE.search(frame.text)
                                            or _STATE_RATE.search(frame.text)):
        return "a size of what training holds (gradients, optimizer moments), not of the file"
    c = frame.conditions
    model = c.get("model") or {}
    bare = 0.0
    found = resolve(model) if model.get("family") else None
    stated = c.get("param_count", 0.0)
    if model.get("family") and found is None and frame.predicate == "model_size" \
            and stated >= 1e8:
        # "SDXL UNet ≈ 2.6B params => fp16 weights ≈ 5.1 GB": a model no preset has, judged by
        # the count of parameters the sentence states (not by its name: "8x22B" is no size)
        model = {"size_b": stated / 1e9}
    elif model.get("family") and found is None:
        return f"no preset for the model named ({model['family']} " \
               f"{model.get('size_b') or ''}B): its size is not judged against another model's"
    if not model.get("family") and model.get("size_b"):
        bare = float(model["size_b"])
    nominal = NOMINAL.get(int(bare)) if bare and bare == int(bare) else None
    params: dict[str, Any] = {"model": found.name if found else "",
                              "modules": c.get("modules", ""), "r": c.get("r", 0)}
    dtype, several_widths = _dtype(frame)
    if dtype:
        params["dtype"] = dtype
    if several_widths and frame.predicate == "model_size":
        params.pop("dtype", None)  # each width is tried; none is taken as the size's
    per = 1  # a total said of this many adapters ("ten rank-8 adapters add about 84 MB")
    least = min((q for q in frame.quantities if q.unit == "bytes"), default=None,
                key=lambda q: q.value)
    if frame.has("several") and frame.has("each_size") and least is not None \
            and _TOTAL_BEFORE.search(frame.text, max(0, least.span[0] - 60), least.span[0]):
        # "each of the 40 adapters is about 13 MB, so the whole fleet fits in half a gigabyte":
        # the size after the total's words is all of them together, one adapter's is the other
        return "a size stated for all the adapters together, beside the size of each"
    one_then_many = False
    if frame.has("several") and not frame.has("each_size"):
        per = _adapters_counted(frame)
        if per is None and least is not None and _THEN_MANY.search(frame.text, least.span[1]):
            # one adapter's size, then a total worked out from it: "... is about 84 MB, so a
            # thousand of them fit in about 84 GB": the one adapter's size is judged
            per, one_then_many = 1, True
        if per is None:
            return "a size stated for several models or adapters together, not for one"
    if frame.predicate == "model_size" and _SAVED_THEN_AMOUNT.search(frame.text):
        # "double quantization saves 0.37 bits per parameter, which is about 3 GB on a 70B
        # model": the amount is what is saved, not the model's size
        return "the amount is what is saved, not the model's size"
    if frame.predicate == "model_size" and _DIFFERENCE.search(frame.text):
        # "about 16 GB, roughly 1 GB more than Llama-2-7B's": the difference to another model
        # is a second claim this reading does not check
        return "a difference to another model's size is stated beside the size, and not read"
    as_adapter = frame.predicate == "model_size" and bool(c.get("r") and c.get("modules")) \
        and found is not None and _below_any_width(frame, found)
    if as_adapter and (_STATE_IS.search(frame.text) or _TRAINING_STATE.search(frame.text)):
        return "a size of the optimizer state or of what training holds, not of the adapter"
    if frame.predicate == "model_size" and per == 1 and not as_adapter and not one_then_many:
        # (a total of adapters is theirs; so is a checkpoint of a stated rank and modules that
        # no width of the model comes near: "each rank-1024 checkpoint on q_proj and v_proj
        # weighs about 1 GB" is not Llama-2-7B's size)
        return _model_params(frame, params, bare)
    open_arch = []
    if bare:
        if nominal is None:
            return f"a bare model size ({bare:g}B) that no preset has"
        params["model"] = nominal
        open_arch = [f"the architecture of a bare '{bare:g}B' model (taken as {nominal})"]
    if frame.predicate == "adapter_scaling":
        return _scaling_params(frame, params, open_arch)
    if frame.predicate == "adapter_compact":
        return {**params, "compact": True, "_open": _unstated(params) + open_arch}
    times = next((q for q in frame.quantities if q.unit == "x" and q.value >= 2), None)
    if times is not None and frame.has("vs_model"):  # "1,000x smaller than the full model"
        params.update(model_ratio=times.value, ratio_tol=min(0.5, max(
            0.25 if times.bound == "approx" else 0.1, times.precision / times.value)))
    sizes = [q for q in frame.quantities if q.unit == "bytes" and q.role not in ("gpu", "saving")
             and not (q.stated_unit == "bytes" and q.value <= 32)]
    # ("was 80 MB, which tripped the 20 MB size alarm": a limit set for files, not the file's
    # size, when the file's own is stated)
    sizes = [q for q in sizes if not _LIMIT_AFTER.match(frame.text, q.span[1])] or sizes
    # ("... is 159.9M params, about 320 MB -- not 32 MB": the size set right, not the one denied)
    sizes = [q for q in sizes if not _DENIED_SIZE.search(frame.text, max(0, q.span[0] - 24),
                                                         q.span[0])] or sizes
    if params.get("model_ratio") or any(q.value < 5e9 for q in sizes):
        sizes = [q for q in sizes if q.value < 5e9]  # "35 MB versus 350 GB": 350 GB is a model's
    # the adapter's own size: one said to be an adapter's, else the smallest beside a model's
    # ("from 350 GB to about 35 MB": the 35 MB)
    # (each_size: one of several sizes, each an adapter's: the smallest, not a total)
    if sizes and frame.has("several") and per == 1:
        size = min(sizes, key=lambda q: q.value)
    else:
        size = next((q for q in sizes if q.role == "adapter"), next(
            (q for q in sorted(sizes, key=lambda q: q.value) if q.value < 5e9), sizes[0])
            if sizes else None)
    moved = _from_to(frame.text, sizes)
    if moved is not None and params.get("dtype"):
        # "written in fp16, cutting each file from about 16.8 MB to about 8.4 MB": the one
        # width stated is the size the file comes to
        size = moved
    pair = _sizes_per_rank(frame, sizes)
    if pair is not None and params.get("dtype"):
        # "from r=8 to r=16 takes a bf16 file from 13.1 MB to 26.2 MB": the first size at the
        # first rank, in the dtype stated (how the file grows is the scaling frame's)
        params, size = {**params, "r": pair[0][0]}, pair[0][1]
    elif pair is not None:
        # "the rank-8 adapter came out at 16.8 MB, so a rank-16 one will be about 67 MB", no
        # dtype named: how the file grows with the rank, which the dtype does not change
        (r1, s1), (r2, s2) = pair
        return {**params, "r": r1, "r2": r2, "size_ratio": s2.value / s1.value,
                "tol": 0.1 if "approx" in (s1.bound, s2.bound) else 0.05, "_open": open_arch}
    if size is None and params.get("model_ratio"):
        return {**params, "_open": _unstated(params) + open_arch}
    if size is None:
        if frame.has("few_mb"):  # "a few megabytes"
            return {**params, "mb": 1.0, "mb_high": 10.0, "tol": 0.0,
                    "_open": _unstated(params) + open_arch}
        return "no size in bytes is stated"
    if size.value >= 5e9 and frame.predicate == "adapter_size" and found is not None \
            and params.get("dtype") and not frame.has("several") \
            and size.value <= 5 * found.total_params() and not _ADAPTER_WORD.search(frame.text):
        # "the 16-bit checkpoint of Llama-2-70B takes up roughly 138 GiB on disk": no adapter
        # is named, and the size is a model's: the model's size is the claim
        return _model_params(frame, params, bare)
    if size.value >= 5e9:  # no preset's adapter comes near: a model's size
        return f"{size.text} is a full model's size, not an adapter file's"
    if _OF_STATE_AFTER.match(frame.text, size.span[1]) \
            or frame.has("state_named") and not frame.has("file_size"):
        # "about 320 MB of optimizer state in fp32": training memory, not the file
        return f"{size.text} is said of optimizer state or memory, not of the adapter file"
    if size.bound == "ge":
        return f"a lower bound on the adapter size ({size.text}) is not judged"
    if (times := _MULTIPLE_AFTER.match(frame.text, size.span[1])) is not None:
        # "your download is 160 MB, which is twice what an fp16 adapter of that shape should
        # be": the size claimed is the stated one over the multiple
        f = _MULTIPLES.get((times.group("word") or "").lower()) or float(times.group("n"))
        size = replace(size, value=size.value / f, precision=size.precision / f,
                       high=size.high / f if size.high else size.high)
    read = _file_size(size)
    if per > 1:  # the total of `per` adapters alike ("ten adapters add about 84 MB")
        read["of_adapters"] = per
    low, high, binary = read["mb"], read["mb_high"], read["binary"]
    scale = 2**20 if binary else 1e6
    params.update(read)
    count = c.get("param_count")
    count_dtype = _size_dtype(frame, params) if several_widths else dtype
    if count and count_dtype and per == 1 and not frame.has("not_file") \
            and _made_of(count, count_dtype, low * scale):
        # "80.7 MB, as expected for 40.4 million parameters at 16 bits each", "the adapter is
        # 40.4M parameters: about 81 MB in bf16": the file the stated count gives in the
        # stated dtype (no configuration is left open)
        # (a figure rounded more coarsely than MB and MiB differ, "roughly 8 MB", cannot tell
        # them apart: no slip)
        # (nor can one said to be approximate, "~16 MB")
        slip = not _both_units(frame, size) and bool(size.value) and size.bound != "approx" \
            and size.precision / size.value < 1 - 1e6 / 2**20
        return {"count": count, "dtype": count_dtype, "mb": low, "mb_high": high,
                "binary": binary, "tol": _unit_slip_tol(count, count_dtype, low, binary,
                                                        params["tol"]) if slip else params["tol"]}
    extra = ["the other parts the file holds (embeddings, a head)"] \
        if _EXTRA_SAVED.search(frame.text) else []
    small = sorted(q.value for q in sizes if q.value < 5e9)
    widths = {dict(c.get("size_dtypes", ())).get(q.value) for q in sizes}
    if len(small) > 1 and small[-1] > 1.5 * small[0] and moved is None and len(widths) < 2 \
            and c.get("module_parts"):
        # "83.9 MB for the all-module run and 13.6 MB for the q/v-only run": sizes of as many
        # configurations, one of which the measured one is
        extra.append("which configuration each of the stated sizes is for")
    return {**params, "_open": _unstated(params) + open_arch + extra}


# a size said to be a multiple of what it should be: ", which is twice what ... should be"
_MULTIPLE_AFTER = re.compile(r",?\s*(?:which\s+is|that\s+is|that's|i\.e\.,?)\s+"
                             r"(?:about\s+|roughly\s+|exactly\s+)?(?:(?P<word>twice|double|half)|(?P<n>\d{1,3}(?:\.\d)?)\s*"
                             r"(?:x|times))\s+(?:what|the\s+(?:size|expected))\b", re.I)
_MULTIPLES = {"twice": 2.0, "double": 2.0, "half": 0.5}


# a number of adapters ("ten rank-8 adapters", "100 task LoRAs"): how many a total is of
_N_ADAPTERS = re.compile(r"(?<![\w=.,-])(\d{1,5})\s+(?:[\w=/.-]+\s+){0,4}?(?:adapters|LoRAs)\b",
                         re.I)


def _adapters_counted(frame: Frame) -> int | None:
    """How many adapters a size stated for several is the total of: one number of adapters (2
    to 10,000), and one size after it in the same clause ("ten adapters add about 84 MB"),
    none said per adapter; else None."""
    named = list(_N_ADAPTERS.finditer(frame.text))
    small = [q for q in frame.quantities if q.unit == "bytes" and q.value < 5e9
             and q.role not in ("gpu", "saving")]
    if frame.predicate not in ("adapter_size", "model_size") or len(named) != 1 \
            or len(small) != 1 or _PER_ADAPTER.search(frame.text):
        return None
    m, size = named[0], small[0]
    between = frame.text[m.end():size.span[0]]
    if size.span[0] < m.end() or len(between) > 80 or re.search(r"[;|.]\s", between):
        return None
    n = int(m.group(1))
    return n if 2 <= n <= 10_000 else None


_OF_MEMORY = re.compile(r"\s*of\s+(?:(?:the\s+|an?\s+)?(?:[\w.-]+\s+){0,2}?(?:memory|VRAM|RAM|HBM|"
                        r"NVMe|disk|storage)\b|(?:the\s+|an?\s+)?[\w.-]+'s\b)", re.I)
_ADAPTER_WORD = re.compile(r"\b(?:adapters?|LoRAs?|lora_[AB]|delta|add-?ons?|low-rank)\b", re.I)
# words naming a whole set before its size ("the whole fleet fits in", "all of them take",
# "in total about")
_TOTAL_BEFORE = re.compile(r"\b(?:(?:the\s+)?(?:whole|entire|full)\s+(?:fleet|set|collection|lot|"
                           r"catalog(?:ue)?|library|batch)|all\s+(?:of\s+)?(?:them|these|those)|"
                           r"in\s+total|altogether|combined|together|between\s+them)\b[^.;]{0,40}$",
                           re.I)
# a total worked out from one adapter's size, in a clause after it: ", so a thousand of them fit
# in ...", "; forty such adapters take ..."
_THEN_MANY = re.compile(r"(?:[,;]|\s-\s)\s*(?:so|and|which\s+means|meaning|hence|thus|then)?\s*"
                        r"(?:[\w-]+\s+){0,3}?(?:\d[\d,]*|a\s+(?:thousand|hundred|dozen)|hundreds|"
                        r"thousands|dozens|two|three|four|five|six|eight|ten|twelve|twenty|"
                        r"thirty|forty|fifty|hundred)\s+(?:of\s+them|such\s+(?:adapters|files|"
                        r"checkpoints)|(?:[\w-]+\s+)?(?:adapters|LoRAs|files|checkpoints))\b",
                        re.I)
_PER_ADAPTER = re.compile(r"\b(?:per|each|every|a\s+piece|apiece)\s+(?:[\w-]+\s+)?"
                          r"(?:adapter|LoRA|file|checkpoint)\b", re.I)


# what a size is of, said right after it: "320 MB of optimizer state", "40 MB of gradients"
_OF_STATE_AFTER = re.compile(r"\s*of\s+(?:[\w-]+\s+){0,2}?(?:optimi[sz]er\s+(?:states?|memory)|"
                             r"Adam\w*\s+(?:states?|moments?)|moments?|gradients?|activations?|"
                             r"VRAM|GPU\s+memory)\b", re.I)


# whole modules saved beside the LoRA factors: a file larger than LoRA alone gives may be right
_EXTRA_SAVED = re.compile(r"\bmodules_to_save\b|\bembed_tokens\b|\blm_head\b|\b(?:plus|with|"
                          r"including|includes?|and|also\s+(?:saves?|stores?))\s+(?:the\s+|a\s+|"
                          r"its\s+)?(?:full\s+)?(?:embeddings?|embedding\s+(?:layer|matrix|table)|"
                          r"(?:classifier|classification|output|LM)\s+head)\b", re.I)


_BASE_NOUN = re.compile(r"\s*(?:\w+\s+)?(?:base|full|whole|original|pre-?trained|fp16|bf16|"
                        r"16-bit)\s+(?:model|checkpoint|weights|network|LLM)\b", re.I)


_ADAPTER_IS = re.compile(r"\badapters?\b(?:(?!\b(?:model|checkpoint|base)\b)[^.;,]){0,60}?"
                         r"\b(?:is|are|takes?|weighs?(?:\s+in\s+at)?|comes?\s+to|occup\w+)\s+(?:about\s+|"
                         r"roughly\s+|around\s+|only\s+|just\s+|~\s*)?$", re.I)


_WEIGHTS_BEFORE = re.compile(r"\bweights\b[^.;,\d]{0,40}$", re.I)


_SEVERAL_BEFORE = re.compile(r"(?<![\w.,])(?:[2-9]|\d{2,6})\s+(?:[\w-]+\s+){0,3}?(?:models|copies|"
                             r"checkpoints|replicas|fine-?tunes)\s+(?:\w+\s+){0,2}?"
                             r"(?:about\s+|roughly\s+|around\s+|~\s*)?$", re.I)
_FIT_WORD = re.compile(r"fit(?:s|ting)?\b", re.I)
_FITS_IN = re.compile(r"\bfit(?:s|ting)?\s+(?:[\w-]+\s+){0,3}?(?:in|into|within|on)\s+"
                      r"(?:(?:about|around|roughly|approximately|just|only)\s+|~\s*)?$", re.I)


# a worked product "70*2=140GB", "13 x 2 bytes = 26 GB": a count (in billions) times bytes per
# parameter, equal to the size in GB
_WORKED = re.compile(r"(?<![\w.])(\d{1,4}(?:\.\d{1,2})?)\s*[*×x]\s*([1-4](?:\.\d{1,2})?|0\.5)\s*"
                     r"(?:bytes?\s*)?=\s*~?\s*(\d{1,5}(?:\.\d{1,2})?)\s*GB\b", re.I)


def _worked_count(text: str) -> float:
    """The count in billions of a worked product whose result in GB it matches, else 0."""
    for m in _WORKED.finditer(text):
        count, width, size = (float(g) for g in m.groups())
        if abs(count * width - size) <= 0.02 * size:
            return count
    return 0.0


# adapters as what a size is of, in the size verb's clause: "the adapter set would fit in"
_ADAPTERS_SIZED = re.compile(r"\b(?:adapters|adapter\s+(?:set|files|bundle|collection|pool))\b"
                             r"(?:[^,;.:]|\.\d){0,40}$", re.I)


_DENIAL_WORD = re.compile(r"\b(?:not|no|never|nor)\b|n't\b", re.I)


def _bracketed(text: str, q: Any) -> str | None:
    """The words of the brackets a quantity stands in ("(bf16, about 16.1 GB)"), or None."""
    start = text.rfind("(", 0, q.span[0])
    end = text.find(")", q.span[1])
    if start < 0 or end < 0 or ")" in text[start:q.span[0]] or "(" in text[q.span[1]:end]:
        return None
    return text[start + 1:end]


def _below_any_width(frame: Frame, found: Any) -> bool:
    """Whether every size the frame states is under half the model's 4-bit size (bytes are a
    quarter of the parameter count at most there)."""
    sizes = [q.value for q in frame.quantities if q.unit == "bytes" and q.role not in ("gpu",)]
    return bool(sizes) and max(sizes) < 0.25 * found.total_params()


def _model_params(frame: Frame, params: dict[str, Any], bare: float) -> dict[str, Any] | str:
    """A full model's size: a preset or a bare size, the first GB-scale figure that is not a
    GPU's or an adapter's, in the stated dtype (each of fp16, fp32, int8 when unstated)."""
    # ("26 GB before we even count the optimizer": the amount set before training; not when
    # the amount counts Adam and only activations are set aside: "... Adam at 16 bytes per
    # parameter is about 208 GB, before counting activations")
    aside = frame.has("train_aside") and not (frame.has("tm_adam")
                                              and frame.has("tm_no_activations"))
    if frame.has("train_memory") and not frame.has("amount_of_weights") \
            and not aside and (
            not frame.has("weights_only")
            # "... about 108 GB before a single activation is stored"
            or frame.has("tm_no_activations") or frame.has("weights_listed")):
        return "training memory (gradients, optimizer states, activations), not the weights' size"
    sized = sorted(q.value for q in frame.quantities
                   if q.unit == "bytes" and q.value >= 1e9 and q.role != "gpu")
    if frame.has("train_memory") and not frame.has("amount_of_weights") and sized \
            and sized[-1] > 1.15 * sized[0]:  # (not one size in two units, "13.5 GB (12.6 GiB)")
        # "assumed it needs ~108 GB like full fine-tuning; in fact the base is only 13.5 GB":
        # training memory and the weights both sized, and which figure is the weights' is not
        # read
        return "sizes of training memory and of the weights both stated: which is the weights' " \
               "is not read"
    said = frame.spans.get("predicate")
    held = _ADAPTERS_SIZED.search(frame.text, max(0, said[0] - 60), said[0]) if said else None
    if held and not (frame.spans.get("model") and held.end() <= frame.spans["model"][0]
                     < said[0]):
        # "at r=64 the same adapter set would still fit in 16 GB": what is sized is the
        # adapters, in the clause of the size's verb with no model named after them
        return "a size of adapters, not of the full model"
    if frame.has("part_size"):  # "the quantized linear layers of Llama-3-8B need about 3.5 GB"
        return "a size of part of the model (some of its layers, its embeddings or head), not of " \
               "the whole model"
    if not params["model"] and not bare:  # "a 70b (140GB) model", "13.0B params"
        bare = next((q.value / 1e9 for q in frame.quantities if q.value >= 1e9 and (
            q.unit == "params" or q.unit == "count" and q.stated_unit.lower() in (
                "b", "billion", "bn"))), 0.0)
    if not params["model"] and not bare and frame.conditions.get("param_count", 0) >= 1e9:
        # "its 6.74 billion parameters need about 3.4 GB at half a byte each": the count the
        # sentence states, read by another frame
        bare = frame.conditions["param_count"] / 1e9
    if not params["model"] and not bare and (worked := _worked_count(frame.text)):
        # "each parameter takes 2 bytes, so that's 70*2=140GB": the count in the writer's own
        # product is in billions, as the product in GB shows
        bare = worked
    if not params["model"] and not bare:
        # "that 138 GB figure is about 128 GiB": with no model, the restatement alone is judged
        return _conversion(frame) or "the model is not named (a preset or a size in billions " \
                                     "is needed)"
    sizes = [q for q in frame.quantities if q.unit == "bytes" and q.role not in ("gpu", "saving")
             and q.value >= 5e8 and not (q.role == "adapter" and q.value < 5e9)
             # ("leaves you only about 1.5 GB for everything else": what a card has left)
             and not _LEFT_BEFORE.search(frame.text, max(0, q.span[0] - 40), q.span[0])
             and not _LEFT_AFTER.match(frame.text, q.span[1])]
    if not sizes:  # "occupies 8 GB of GPU memory": an amount of the GPU's memory, not a card
        # ("more than the 12 GB of our old cards" is the cards', not an amount they hold)
        sizes = [q for q in frame.quantities if q.unit == "bytes" and q.role == "gpu"
                 and q.value >= 5e8 and _OF_MEMORY.match(frame.text, q.span[1])]
    if not sizes:
        return "no full-model size (GB) is stated"
    # "the adapter is about 1.66 GB, 1.3% of the 138 GB base checkpoint": the size written onto
    # the base's own noun is the model's
    onto = [q for q in sizes if _BASE_NOUN.match(frame.text, q.span[1])]
    size = onto[0] if onto and len(sizes) > 1 else sizes[0]
    moved = _from_to(frame.text, sizes)
    if not onto and moved is not None and params.get("dtype"):
        # "4-bit loading takes Llama-2-7B from about 13.5 GB down to about 3.6 GB": the one
        # width stated is the size the model comes to
        size = moved
    if not onto and len(sizes) > 1 and frame.has("amount_of_weights"):
        # "2 GPUs give you 48 GB, enough since its 4-bit weights come to about 35 GB": the
        # size said of the weights
        said = [q for q in sizes
                if _WEIGHTS_BEFORE.search(frame.text, max(0, q.span[0] - 50), q.span[0])]
        size = said[0] if said else size
    if not frame.polarity and (bracket := _bracketed(frame.text, size)) is not None \
            and not _DENIAL_WORD.search(bracket):
        # "the base weights (bf16, about 16.1 GB) are not included in this repository": the
        # denial is of what the sentence says of the model, the size is an aside on it
        return "a denial of something said of the model, whose size is an aside in brackets"
    count = frame.conditions.get("param_count", 0)
    if dict(frame.conditions.get("size_dtypes", ())).get(size.value) == "":
        # "... in fp32, so a 13 GB artifact means ...": the dtype is another size's
        params = {k: v for k, v in params.items() if k != "dtype"}
    width = dict(frame.conditions.get("size_dtypes", ())).get(size.value) or params.get("dtype")
    total = PRESETS[params["model"]].total_params() if params["model"] else (bare * 1e9 or 0)
    if not onto and count and width and _made_of(count, width, size.value) \
            and not frame.has("not_file") and not (total and 0.5 <= count / total <= 2) \
            and not (not total and count >= 1e9):
        # "a rank-64 adapter on every linear layer has 828,375,040 parameters, about 1.66 GB in
        # bf16": the size the stated count makes (an adapter's), not the model's
        return {"count": count, "dtype": width, **_file_size(size)}
    if _SEVERAL_BEFORE.search(frame.text, max(0, size.span[0] - 60), size.span[0]):
        # "100 merged customer models take about 1.35 TB": several models' size together
        return f"{size.text} is said of several models together, not of one"
    if not onto and _ADAPTER_IS.search(frame.text, max(0, size.span[0] - 80), size.span[0]):
        # "the r=64 adapter for Llama-2-70B is about 1.66 GB": the adapter's size
        return f"{size.text} is said of the adapter, not of the full model"
    named = bare or (frame.conditions.get("model") or {}).get("size_b") or 0
    span = frame.spans.get("model", (0, 0))
    before = [q for q in frame.quantities if q.unit in ("count", "params") and q.value >= 1e9
              and q.span[1] <= size.span[0] and not (q.span[0] < span[1] and span[0] < q.span[1])]
    if named and before:  # "unlike LLaMA 7B, LLaMA 65B needs 130 GB": the nearest model's
        nearest = max(before, key=lambda q: q.span[1]).value / 1e9
        if abs(nearest - named) > 0.15 * named:
            return (f"the size is stated next to a {nearest:g}B model, not the {named:g}B one "
                    "the sentence names first")
    stated = dict(frame.conditions.get("size_dtypes", ()))
    if not params.get("dtype") and size.value in stated:
        # "24 GB in fp32, and half precision brings it to 12 GB": the dtype of its own clause
        params = {**params, "dtype": stated[size.value]}
    elif not params.get("dtype") and stated:
        # "In NF4 its weights come to 34.5 GB, a quarter of the 138 GB they take in bf16": the
        # one width no other size took is this size's
        widths = {d: _WIDTH.get(d) for d in frame.conditions.get("dtypes", ())}
        left = {w for w in widths.values() if w} - {widths.get(d) for d in stated.values()}
        own = [d for d, w in widths.items() if w in left]
        if len(left) == 1 and own:
            params = {**params, "dtype": own[0]}
    binary = _binary(size)
    # the rounding the figure implies, but a round "about 10 GB" is not 5-15 GB: at most 20%
    tol = max(0.05, min(size.precision / size.value, 0.2)) if size.value else 0.05
    bound = size.bound
    a, b = frame.spans.get("predicate", (0, 0))
    if not frame.polarity and _FIT_WORD.match(frame.text, a) \
            and not _FITS_IN.search(frame.text, 0, size.span[0]):
        # "... is ~13.5 GB for Llama-2-7B in fp16, it won't fit in 8 GB": what is denied is
        # fitting into another amount, not this size
        return "the denial is of fitting into another amount, not of the size stated"
    if bound in ("eq", "approx") and _FITS_IN.search(frame.text, 0, size.span[0]):
        bound = "le"  # "fits in 35 GB": at most that much
    if size.bound == "range":
        return f"a full-model size stated as a range ({size.text}) is not judged"
    out = {"model": params["model"], "dtype": params.get("dtype") or "any",
           "gb": size.value / (2**30 if binary else 1e9), "gb_bound": bound
           if bound in ("le", "ge") else "", "binary": binary, "tol": min(tol, 0.5)}
    if out["dtype"] in ("nf4", "fp4", "int4", "4bit") and _FOUR_PER_WEIGHT.search(frame.text):
        out["codes_only"] = True  # "at 4 bits per weight Llama-2-7B comes to ...": the codes
    again = next((q for q in frame.quantities if q.unit == "bytes" and q is not size
                  and q.value >= 1e8 and _binary(q) != binary
                  and _RESTATED.fullmatch(frame.text, size.span[1], q.span[0])), None)
    if again is not None and bound in ("eq", "approx"):
        # "about 138 GB, or roughly 148 GiB": the same size in the other unit, judged too
        binary2 = _binary(again)
        out.update(gb2=again.value / (2**30 if binary2 else 1e9), binary2=binary2,
                   tol2=min(max(0.05, min(again.precision / again.value, 0.2)), 0.5))
    if not params["model"]:
        out["billions"] = bare
    if out["dtype"] == "any" and not params["model"]:  # a named model is tried in every dtype
        out["_open"] = ["the dtype"]
    return out


# what a card has left beside the weights: "leaves you about 1.5 GB", "2 GB free", "1.5 GB for
# everything else"
_LEFT_BEFORE = re.compile(r"\b(?:leav\w*|left\s+with)\s+(?:you\s+|us\s+|them\s+)?(?:with\s+)?"
                          r"(?:only\s+|just\s+|barely\s+)?(?:about\s+|roughly\s+|around\s+|~\s*)?$",
                          re.I)
_LEFT_AFTER = re.compile(r"\s*(?:of\s+)?(?:free|spare|headroom|left(?:\s+over)?|to\s+spare|"
                         r"for\s+everything\s+else|for\s+(?:the\s+)?(?:activations|KV\s+cache|"
                         r"cache|batch))\b", re.I)


def _conversion(frame: Frame) -> dict[str, Any] | None:
    """An amount restated in the other unit ("138 GB, or about 128 GiB"), as a conversion to
    judge: the two figures, each with the tolerance its writing implies (its last digit; a
    hedge adds 2%), or None."""
    sizes = [q for q in frame.quantities if q.unit == "bytes" and q.value >= 1e8
             and q.role not in ("gpu", "saving")]
    for first, again in zip(sizes, sizes[1:], strict=False):
        if _binary(first) != _binary(again) \
                and _RESTATED.fullmatch(frame.text, first.span[1], again.span[0]):
            def tol(q: Any) -> float:
                return min(q.precision / q.value + (0.02 if q.bound == "approx" else 0.0), 0.5)
            return {"conversion": True, "gb": first.value / (2**30 if _binary(first) else 1e9),
                    "binary": _binary(first), "tol": tol(first),
                    "gb2": again.value / (2**30 if _binary(again) else 1e9),
                    "binary2": _binary(again), "tol2": tol(again)}
    return None


# between a size and its restatement in the other unit: ", or roughly", " (", " i.e. ", " = "
# (or as the subject of a copula: "13.5 GB of bf16 weights is about 12.6 GiB")
_RESTATED = re.compile(r"(?:\s+(?:in|at|as)\s+[\w-]{2,12})?(?:\s+(?:figure|number|checkpoint|model|"
                       r"file))?\s*"
                       r"(?:of\s+(?:[\w-]+\s+){0,2}?weights\s+)?(?:,\s*)?(?:or|i\.e\.,?|that\s+is|"
                       r"(?:which\s+)?(?:is|are|equals|comes\s+to|works\s+out\s+to|"
                       r"(?:corresponds|translates|amounts)\s+to)|\(|/|=|≈)\s*"
                       r"(?:about|roughly|around|approximately|nearly|~|≈)?\s*", re.I)
_FOUR_PER_WEIGHT = re.compile(r"(?<![\d.])(?:4|four)[\s-]*bits?\s+(?:per|a|each|for\s+"
                              r"(?:each|every))\s+(?:weight|parameter|param)\b", re.I)
_LARGER_THAN = re.compile(r"\b(?:times|x)\s+(?:larger|bigger|greater|heavier)\s+than\b|"
                          r"\b(?:times|x)\s+(?:as\s+large|as\s+big|the\s+size)\s+(?:as|of)\b",
                          re.I)


_SET_AGAINST_MODEL = re.compile(r"\b(?:checkpoint|model|base|weights)\b", re.I)
_RANK_CHANGED = re.compile(r"\b(?:higher|lower|larger|bigger|smaller|raising|raise[sd]?|doubl\w*|"
                           r"halv\w*|increas\w*|decreas\w*|grow\w*)\s+(?:the\s+)?rank\b|"
                           r"\b(?:from|to)\s+(?:rank|r)\s*=?\s*\d|\brank\s+(?:goes|went|grows|"
                           r"increases|doubles)\b", re.I)


def _scaling_params(frame: Frame, params: dict[str, Any], open_arch: list[str]
                    ) -> dict[str, Any] | str:
    """'From rank 8 to rank 16 the file doubles', 'a higher rank makes a larger file'."""
    r1 = params["r"] or 0
    ranks = [int(q.value) for q in frame.quantities if q.unit == "count" and q.value ==
             int(q.value) and 1 <= q.value <= 4096 and q.value != r1]
    stated = frame.conditions.get("ranks") or ()
    if len(stated) == 2 and stated[0][0] != stated[1][0]:  # "from rank 8 to 32": both read
        r1, ranks = stated[0][0], [stated[1][0]]
    ratio = next((q for q in frame.quantities if q.unit == "x"), None)
    if ratio and not ranks and _SET_AGAINST_MODEL.search(frame.text) \
            and not _RANK_CHANGED.search(frame.text):
        # "compared with the 13.5 GB checkpoint, a 16.8 MB rank-8 adapter is 800 times
        # smaller": the adapter set against a model, not a change of rank
        return "a size ratio against a model or checkpoint, with one rank: not a change of rank"
    r1 = r1 or 1
    r2 = ranks[0] if ranks else 2 * r1
    if ratio and ranks and r1 > r2 and _LARGER_THAN.search(frame.text):
        # "a rank-16 adapter is 16 times larger than a rank-1 one": the file grows 16x from
        # the rank after "than" to the one before it
        r1, r2 = r2, r1
    out = {**params, "r": r1, "r2": r2, "size_ratio": ratio.value if ratio else 0.0,
           "tol": 0.1 if ratio and ratio.bound == "approx" else 0.05}
    if frame.has("rank_down") and not ranks:
        out["r2"] = max(1, r1 // 2)
    return {**out, "_open": open_arch}


def _sizes_per_rank(frame: Frame, sizes: list[Any]) -> tuple | None:
    """((r1, size1), (r2, size2)) when the sentence names two ranks, each followed by its own
    size in bytes and before the next rank ("rank 8 ... 16.8 MB, ... rank 16 ... 67 MB")."""
    ranks = frame.conditions.get("ranks") or ()
    if len(ranks) != 2 or ranks[0][0] == ranks[1][0] or len(sizes) != 2:
        return None
    (r1, at1), (r2, at2) = ranks
    s1, s2 = sorted(sizes, key=lambda q: q.span[0])
    # (or both ranks, then both sizes, each pair as from ... to: "from r=8 to r=16 takes a bf16
    # file from 13.1 MB to 26.2 MB")
    paired = at1 < at2 < s1.span[0] < s2.span[0] and _FROM_TO.search(
        frame.text, max(0, at1 - 12), at1) and _FROM_TO.search(frame.text, max(at2, s1.span[0]
                                                                             - 12), s1.span[0])
    if not (at1 < s1.span[0] < at2 < s2.span[0] or paired) or not s1.value:
        return None
    return (r1, s1), (r2, s2)


_DENIED_SIZE = re.compile(r"(?:\bnot|n't|\bnever|\brather\s+than|\binstead\s+of)\s+(?:the\s+)?"
                          r"(?:about\s+|roughly\s+|around\s+|~\s*)?$", re.I)
_FROM_TO = re.compile(r"\bfrom\s+(?:r\s*=\s*|rank\s+|an?\s+)?(?:[\w-]+\s+){0,3}?$", re.I)


def _binary(size: Quantity) -> bool:
    """Whether a size is written in a binary unit (MiB, GiB ...)."""
    return size.stated_unit in ("KiB", "MiB", "GiB", "TiB")


def _file_size(size: Quantity) -> dict[str, Any]:
    """A stated file size as `run` reads it: MB (or MiB where so written), a high end for a
    range, and the tolerance. "about 35 MB": 10%, as the figures people round to for files
    allow; else 5%, or the stated precision when it is coarser; "under 10 MB": at most that."""
    binary = _binary(size)
    scale = 2**20 if binary else 1e6
    floor = APPROX_TOL if size.bound == "approx" else 0.05
    tol = max(floor, size.precision / size.value) if size.value else floor
    low, high = size.value / scale, (size.high or 0.0) / scale
    if size.bound == "le":
        low, high, tol = 1e-6, size.value / scale, 0.01
    return {"mb": low, "mb_high": high, "binary": binary, "tol": min(tol, 0.5)}


# How far a stated size may be from the stated count times its dtype's bytes and still be
# read as made of that count: a factor of two is the usual slip (fp32 for fp16, MB for MiB);
# a size further off is of something else (the model, the optimizer's state)
_MADE_OF = (0.2, 5.0)
_ADAPTER_COUNT_MAX = 5e9  # a count above this is a model's, not an adapter's


def _both_units(frame: Frame, size: Quantity) -> bool:
    """Whether the sentence also writes the size's number in the other unit family ("your 16 MB
    file ... i.e. 16 MiB"): it names both readings, so neither is a unit slip."""
    def number(q: Quantity) -> float:  # the number as written, in MB or MiB
        return q.value / (2**20 if _binary(q) else 1e6)

    return any(q is not size and q.unit == "bytes" and _binary(q) != _binary(size)
               and abs(number(q) - number(size)) <= 0.01 * number(q) for q in frame.quantities)


def _unit_slip_tol(count: float, dtype: str, mb: float, binary: bool, tol: float) -> float:
    """The tolerance of a size made of a stated count: where the stated number is the count's
    bytes in the other unit ("160 MiB" for 160,000,000 bytes, "13.1 MB" for 13.1 MiB), the
    unit is what the sentence gets wrong, and the number is held to 1%."""
    width = DTYPE_BYTES.get(dtype_name(dtype) or "", 0)
    if not width or not mb:
        return tol
    total = count * width
    stated, other = (total / 2**20, total / 1e6) if binary else (total / 1e6, total / 2**20)
    if abs(mb - other) <= 0.01 * other and abs(mb - stated) > 0.02 * stated:
        return min(tol, 0.01)
    return tol


def _made_of(count: float, dtype: str, size_bytes: float) -> bool:
    """Whether a stated size can be what a stated count of values in `dtype` makes."""
    width = DTYPE_BYTES.get(dtype_name(dtype) or "", 0)
    if not width or not size_bytes or count >= _ADAPTER_COUNT_MAX:
        return False
    return _MADE_OF[0] <= count * width / size_bytes <= _MADE_OF[1]


def _size_dtype(frame: Frame, params: dict[str, Any]) -> str:
    """The dtype named in the clause of the adapter size that was read ('' if none)."""
    if not params.get("mb"):
        return ""
    scale = 2**20 if params.get("binary") else 1e6
    base = frame.conditions.get("base_dtypes", ())
    return next((d for v, d in frame.conditions.get("size_dtypes", ())
                 if abs(v / scale - params["mb"]) <= 1e-6 * params["mb"] and d not in base), "")


def _unstated(params: dict[str, Any]) -> list[str]:
    """The configuration values an adapter-size claim leaves open (enumerated by `run`)."""
    return [name for name, key in (("the model", "model"), ("the rank", "r"),
                                    ("the adapted modules", "modules")) if not params.get(key)]


VERIFIER = Verifier(
    id="lora.adapter_size",
    reads_configuration=True,
    version=25,
    title="LoRA adapter file size (safetensors, measured) and full-model size on disk",
    run=run,
    params=(
        Param("model", str, default="", help="a preset or the claim's words ('Llama 70B')"),
        Param("modules", str, default="", help="qv, attention, mlp, all, or the claim's words"),
        Param("r", int, default=0, min=0, max=1024, help="rank (0: unspecified)"),
        Param("dtype", str, default="", help="fp16 (default), bf16, fp32, int8, or 'any' (a "
              "full-model size in each of fp16, fp32 and int8)"),
        Param("mb", float, default=0.0, min=0.0, max=1e7, help="stated adapter MB (low end)"),
        Param("mb_high", float, default=0.0, min=0.0, max=1e7, help="high end of a MB range"),
        Param("of_adapters", int, default=1, min=1, max=10_000,
              help="the stated MB is the total of this many adapters alike"),
        Param("gb", float, default=0.0, min=0.0, max=1e6, help="stated full-model GB"),
        Param("gb_at_least", str, default="", help="non-empty when the claim says '+'/'over'"),
        Param("gb2", float, default=0.0, min=0.0, max=1e6, help="the same full-model size "
              "restated in the other unit ('138 GB, or 128 GiB'), in that unit"),
        Param("binary2", bool, default=False, help="gb2 is in GiB"),
        Param("conversion", bool, default=False, help="no model named: only whether gb and "
              "gb2 are the same amount in the two units ('16 GB is about 14.9 GiB')"),
        Param("tol2", float, default=0.05, min=0.0, max=0.5, help="relative tolerance of gb2"),
        Param("gb_bound", str, default="", choices=("", "eq", "le", "ge"),
              help="le / ge when the full-model size is stated as a bound"),
        Param("billions", float, default=0.0, min=0.0, max=1e4, help="a bare model size in "
              "billions of parameters ('a 70B model'), when no preset is named"),
        Param("model_ratio", float, default=0.0, min=0.0, max=1e9, help="stated 'N x smaller "
              "than the full model'"),
        Param("ratio_tol", float, default=0.1, min=0.0, max=1.0, help="relative tolerance of "
              "model_ratio"),
        Param("r2", int, default=0, min=0, max=4096, help="a second rank: how the file grows "
              "from r to r2"),
        Param("size_ratio", float, default=0.0, min=0.0, max=1e6, help="stated size(r2) / "
              "size(r) (0: only the direction)"),
        Param("compact", bool, default=False, help="the claim calls the adapter compact / "
              "small next to the full model, without a number"),
        Param("compact_pct", float, default=5.0, min=0.0, max=100.0,
              help="largest adapter size, in % of the full model, that counts as compact"),
        Param("count", float, default=0.0, min=0.0, max=1e12, help="a parameter count the "
              "stated adapter size is said to hold (its file in the stated dtype is measured)"),
        Param("tol", float, default=0.05, min=0.0, max=1.0, help="relative tolerance"),
        Param("binary", bool, default=False, help="the size is stated in MiB/GiB (else MB/GB)"),
        Param("codes_only", bool, default=False, help="a 4-bit size worked out at 4 bits per "
              "weight: half a byte each, without NF4's scales or 16-bit embeddings"),
    ),
    claims=(("lora", "adapter_size"), ("lora", "adapter_compact"), ("lora", "adapter_scaling"),
            ("*", "model_size")),
    to_params=to_params,
    examples=("A rank-8 LoRA adapter on the query and value projections of LLaMA 7B is about "
              "8 MB on disk.",
              "LLaMA 65B stored in fp16 takes roughly 130 GB."),
    requires=Requires(device="cpu", packages=("torch", "safetensors")),
    timeout_s=120.0,
)
