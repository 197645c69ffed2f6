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
import tempfile
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._configs import (
    TYPICAL,
    configurations,
    describe,
    find_preset,
    module_set,
    modules_for,
)
from verifiers._frame import Frame
from verifiers._presets import PRESETS, Preset

WRITE_LIMIT = 64 * 2**20
DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4}


def dtype_name(words: str) -> str | None:
    """'fp16', '16-bit', 'half precision' -> 'float16'; 'bf16' -> 'bfloat16'; '' -> float16."""
    w = words.lower().replace(" ", "").replace("-", "")
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
    shapes = p.linear_shapes()
    tensors = {}
    for i in range(blocks):
        for name in modules_for(p, module_set_name):
            out_f, in_f = shapes[name]
            where = "self_attn" if name in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
            prefix = f"base_model.model.model.layers.{i}.{where}.{name}"
            # Values do not change the size (safetensors stores raw bytes, uncompressed).
            tensors[f"{prefix}.lora_A.weight"] = torch.zeros(r, in_f, dtype=torch_dtype)
            tensors[f"{prefix}.lora_B.weight"] = torch.zeros(out_f, r, dtype=torch_dtype)
    path = os.path.join(directory, f"adapter-{p.name}-{module_set_name}-{r}-{blocks}.safetensors")
    save_file(tensors, path)
    size = os.path.getsize(path)
    os.remove(path)
    return size


def measure_adapter(p: Preset, module_set_name: str, r: int, dtype: str, directory: str,
                    *, rank_one: bool = False) -> dict[str, Any]:
    """Adapter file size: written whole, or from one- and two-block files scaled to all blocks."""
    data = p.lora_params(r, modules_for(p, module_set_name)) * DTYPE_BYTES[dtype]
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


def _size_holds(value_dec: float, value_bin: float, low: float, high: float, exact: bool,
                at_least: bool, tol: float, binary: bool = False) -> str | None:
    """'decimal' or 'binary' when the reading the claim's unit names (MB/GB decimal, MiB/GiB
    binary) satisfies the claim, else None."""
    for reading, v in ((("binary", value_bin),) if binary else (("decimal", value_dec),)):
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
    if params["compact"]:
        return _compact(params, preset, modules, dtype)
    if not params["mb"] and not params["gb"]:
        return result("unverifiable", "The claim states no size in MB or GB.", {}, dict(params))
    measured: dict[str, Any] = {"dtype": dtype}
    parts, verdicts = [], []
    if params["mb"]:
        v, text = _adapter_part(params, preset, modules, dtype, measured)
        verdicts.append(v)
        parts.append(text)
    if params["gb"]:
        v, text = _model_part(params, preset, dtype, measured)
        verdicts.append(v)
        parts.append(text)
    verdict = "refuted" if "refuted" in verdicts else (
        "conditional" if "conditional" in verdicts else "supported")
    expected = {k: params[k] for k in ("model", "modules", "r", "dtype", "mb", "mb_high", "gb",
                                       "gb_at_least", "tol") if params[k] not in (0, 0.0, "")}
    text = "; ".join(parts)
    return result(verdict, f"{text[0].upper()}{text[1:]}.", measured, expected)


def _adapter_part(p: dict[str, Any], preset: Preset | None, modules: str | None, dtype: str,
                  measured: dict[str, Any]) -> tuple[str, str]:
    low, high = p["mb"], p["mb_high"] or p["mb"]
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
    good = [x for x in rows if x["holds"]]
    bad = [x for x in rows if not x["holds"]]
    measured["adapter"] = {"configurations": len(rows), "holding": len(good),
                           "examples": (good[:6] + bad[:6]), "typical": typical}
    stated = f"{low:g}-{high:g} MB" if not exact else f"{low:g} MB"
    line = _mb_line
    if not bad:
        return "supported", (f"Adapter {stated} holds for {line(rows[0])}" if len(rows) == 1 else
                             f"Adapter {stated} holds for all {len(rows)} configurations, e.g. "
                             f"{line(rows[0])}")
    if not good:
        return "refuted", f"Adapter {stated} holds for none: {line(rows[0])}"
    return "conditional", (f"Adapter {stated} holds for {len(good)} of {len(rows)} "
                           f"configurations, e.g. {line(good[0])}; not e.g. {line(bad[-1])} "
                           f"(PEFT default {line(typical)})")


def _compact(p: dict[str, Any], preset: Preset | None, modules: str | None,
             dtype: str) -> dict[str, Any]:
    """'A compact adapter instead of a full copy': adapter files vs full-model bytes."""
    with tempfile.TemporaryDirectory(prefix="kbcheck-adapter-") as tmp:
        rows = [measure_adapter(pr, ms, r, dtype, tmp, rank_one=True) for pr, ms, r in
                configurations((preset.name,) if preset else (), (modules,) if modules else (),
                               (p["r"],) if p["r"] else (4, 8, 16, 64))]
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


def _model_part(p: dict[str, Any], preset: Preset | None, dtype: str,
                measured: dict[str, Any]) -> tuple[str, str]:
    presets = [preset] if preset else list(PRESETS.values())
    rows = []
    for pr in presets:
        size = pr.total_params() * DTYPE_BYTES[dtype]
        row = {"model": pr.name, "params": pr.total_params(), "bytes": size, "GB": size / 1e9,
               "GiB": size / 2**30}
        row["holds"] = _size_holds(row["GB"], row["GiB"], p["gb"], p["gb"], True,
                                   bool(p["gb_at_least"]), p["tol"], p["binary"])
        rows.append(row)
    measured["full_model"] = rows
    stated = f"{p['gb']:g}{'+' if p['gb_at_least'] else ''} GB"
    good = [x for x in rows if x["holds"]]
    text = ", ".join(f"{x['model']} {x['GB']:.2f} GB ({x['GiB']:.1f} GiB)" for x in rows)
    head = f"full model {stated} in {dtype} ({DTYPE_BYTES[dtype]} bytes per parameter)"
    short = [x for x in good if x["GB"] < p["gb"] and x["GiB"] < p["gb"]]
    if short:
        text += " — " + ", ".join(f"{x['model']} is {100 * (1 - x['GB'] / p['gb']):.1f}% under "
                                  f"{p['gb']:g} GB, within the {p['tol']:.0%} tolerance"
                                  for x in short)
    if len(good) == len(rows):
        return "supported", f"{head} holds: {text}"
    if not good:
        return "refuted", f"{head} does not hold: {text}"
    names = ", ".join(x["model"] for x in good)
    return "conditional", f"{head} holds only for {names}: {text}"


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A stated adapter size (MB) or full-model size (GB), with the model, modules, rank and
    dtype the sentence gives; the unit's reading (decimal or binary) is the one stated."""
    c = frame.conditions
    model = c.get("model") or {}
    if model and not model.get("preset"):
        return f"no preset for the model named ({model.get('family') or 'a bare size'} " \
               f"{model.get('size_b') or ''}B): its size is not judged against another model's"
    params: dict[str, Any] = {"model": model.get("preset") or "",
                              "modules": c.get("modules", ""), "r": c.get("r", 0)}
    dtypes = [d for d in c.get("dtypes", ()) if d in ("fp16", "bf16", "fp32", "16bit")]
    if dtypes:
        params["dtype"] = {"16bit": "fp16"}.get(dtypes[0], dtypes[0])
    if frame.predicate == "adapter_compact":
        return {**params, "compact": True, "_open": _unstated(params)}
    size = frame.first("bytes")
    if size is None:
        return "no size in bytes is stated"
    binary = size.stated_unit in ("MiB", "GiB", "KiB", "TiB")
    scale = 2**20 if binary else 1e6
    tol = max(0.05, size.precision / size.value) if size.value else 0.05
    if frame.predicate == "model_size":
        if not params["model"]:
            return "the model is not named (a preset is needed to count its parameters)"
        gb = size.value / (scale * 1024 if binary else 1e9)
        if size.bound not in ("eq", "approx", "ge"):
            return f"a full-model size stated as a bound ({size.text}) is not judged"
        return {**params, "gb": gb, "gb_at_least": "yes" if size.bound == "ge" else "",
                "binary": binary, "tol": min(tol, 0.5)}
    if size.bound == "ge":
        return f"a lower bound on the adapter size ({size.text}) is not judged"
    low, high = size.value / scale, (size.high or 0.0) / scale
    if size.bound == "le":
        low, high = 1e-6, size.value / scale
    params.update(mb=low, mb_high=high, binary=binary, tol=min(tol, 0.5))
    return {**params, "_open": _unstated(params)}


def _unstated(params: dict[str, Any]) -> list[str]:
    """The configuration values an adapter-size claim leaves open (enumerated by `run`)."""
    return [name for name, key in (("the model", "model"), ("the rank", "r"),
                                    ("the adapted modules", "modules")) if not params.get(key)]


VERIFIER = Verifier(
    id="lora.adapter_size",
    version=2,
    title="LoRA adapter file size (safetensors, measured) and full-model size on disk",
    run=run,
    params=(
        Param("model", str, default="", help="a preset or the claim's words ('Llama 70B')"),
        Param("modules", str, default="", help="qv, attention, mlp, all, or the claim's words"),
        Param("r", int, default=0, min=0, max=1024, help="rank (0: unspecified)"),
        Param("dtype", str, default="", help="fp16 (default), bf16 or fp32, or '16-bit'"),
        Param("mb", float, default=0.0, min=0.0, max=1e7, help="stated adapter MB (low end)"),
        Param("mb_high", float, default=0.0, min=0.0, max=1e7, help="high end of a MB range"),
        Param("gb", float, default=0.0, min=0.0, max=1e6, help="stated full-model GB"),
        Param("gb_at_least", str, default="", help="non-empty when the claim says '+'/'over'"),
        Param("compact", bool, default=False, help="the claim calls the adapter compact / "
              "small next to the full model, without a number"),
        Param("compact_pct", float, default=5.0, min=0.0, max=100.0,
              help="largest adapter size, in % of the full model, that counts as compact"),
        Param("tol", float, default=0.05, min=0.0, max=1.0, help="relative tolerance"),
        Param("binary", bool, default=False, help="the size is stated in MiB/GiB (else MB/GB)"),
    ),
    claims=(("lora", "adapter_size"), ("lora", "adapter_compact"), ("*", "model_size")),
    to_params=to_params,
    examples=("A rank-8 LoRA adapter on the query and value projections of LLaMA 7B is about "
              "8 MB on disk.",
              "LLaMA 65B stored in fp16 takes roughly 130 GB."),
    requires=Requires(device="cpu", packages=("torch", "safetensors")),
    timeout_s=120.0,
)
