"""Measurements behind `lora.serving`: what PEFT's multi-adapter API does to a tiny Llama.

Every function builds a fresh `PeftModel` over `tiny_llama()` with adapters that stand in for
trained ones (A as PEFT initialises it, B drawn N(0, 0.02) so that B A is non-zero and small),
runs one serving operation and returns plain numbers. torch and PEFT are imported inside.
"""

from __future__ import annotations

from typing import Any

TARGETS = ("q_proj", "v_proj")
_HIDDEN, _VOCAB = 64, 256
_TORCH_DTYPE = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def _model(p: dict[str, Any], names: list[str], dtype: str = "fp32",
           ranks: list[int] | None = None) -> Any:
    """A PeftModel with one LoRA adapter per name (rank `ranks[i]`, else p['r']), in eval mode."""
    import torch
    from peft import LoraConfig, get_peft_model

    from verifiers._tiny import tiny_llama

    base = tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=p["seed"])
    base = base.to(getattr(torch, _TORCH_DTYPE[dtype]))
    ranks = ranks or [p["r"]] * len(names)
    model = None
    for i, (name, r) in enumerate(zip(names, ranks, strict=True)):
        config = LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(TARGETS),
                            use_dora=bool(p.get("dora")))
        if model is None:
            model = get_peft_model(base, config, adapter_name=name)
        else:
            model.add_adapter(name, config)
        g = torch.Generator().manual_seed(p["seed"] + 10 + i)
        with torch.no_grad():  # a trained adapter: B is no longer zero
            for module in _lora_layers(model):
                b = module.lora_B[name].weight
                b.copy_(torch.randn(b.shape, generator=g) * 0.02)
    return model.eval()


def _lora_layers(model: Any) -> list[Any]:
    return [m for m in model.modules() if hasattr(m, "lora_A") and hasattr(m, "base_layer")]


def _base_weights(model: Any) -> dict[str, Any]:
    return {n: t for n, t in model.named_parameters() if "base_layer.weight" in n}


def _tokens(p: dict[str, Any], batch: int) -> Any:
    from verifiers._tiny import random_tokens

    return random_tokens(batch, 16, vocab=_VOCAB, seed=p["seed"] + 2)


def _maxdiff(a: Any, b: Any) -> float:
    return float((a.float() - b.float()).abs().max())


def round_trip(p: dict[str, Any], dtype: str) -> dict[str, Any]:
    """merge_adapter then unmerge_adapter: how far the base weights (and logits) end from where
    they started, against the rounding the dtype allows."""
    import torch

    model = _model(p, ["task0"], dtype)
    tokens = _tokens(p, 2)
    before = {n: w.detach().clone() for n, w in _base_weights(model).items()}
    with torch.no_grad():
        logits_before = model(tokens).logits
        model.merge_adapter()
        moved = max(_maxdiff(w, before[n]) for n, w in _base_weights(model).items())
        merged_peak = max(float(w.float().abs().max()) for w in _base_weights(model).values())
        model.unmerge_adapter()
        logits_after = model(tokens).logits
    after = _base_weights(model)
    err = max(_maxdiff(after[n], w) for n, w in before.items())
    changed = sum(int((after[n] != w).sum()) for n, w in before.items())
    total = sum(w.numel() for w in before.values())
    eps = float(torch.finfo(getattr(torch, _TORCH_DTYPE[dtype])).eps)
    return {"dtype": dtype, "merge_moved_weights_by": moved, "round_trip_max_abs_err": err,
            "elements_changed": changed, "elements": total,
            "rounding_bound": 2 * eps * merged_peak,
            "logits_max_abs_diff": _maxdiff(logits_after, logits_before),
            "merged_flags_after": sum(bool(m.merged) for m in _lora_layers(model))}


def mixed_batch(p: dict[str, Any]) -> dict[str, Any]:
    """One forward with `adapter_names` (a different adapter per row, one row on the bare base)
    against each row run alone with its adapter set; then whether a merged model accepts it.
    `refused`: PEFT's error where it refuses the mixed forward itself (DoRA adapters)."""
    import torch

    names = [f"task{i}" for i in range(p["adapters"])]
    model = _model(p, names)
    rows = [*names, "__base__"]
    tokens = _tokens(p, len(rows))
    with torch.no_grad():
        try:
            mixed = model(tokens, adapter_names=rows).logits
        except ValueError as exc:  # (PEFT 0.21 refuses it over DoRA adapters)
            return {"rows": rows, "refused": str(exc)[:160], "max_abs_diff": None,
                    "rows_distinct": None, "merged_refuses_adapter_names": ""}
        alone = []
        for i, name in enumerate(rows):
            if name == "__base__":
                with model.disable_adapter():
                    alone.append(model(tokens[i:i + 1]).logits)
            else:
                model.set_adapter(name)
                alone.append(model(tokens[i:i + 1]).logits)
        single = torch.cat(alone)
        distinct = min(float(_adapter_effect(model, tokens[i:i + 1], name).abs().max())
                       for i, name in enumerate(names))
        model.set_adapter(names[0])
        model.merge_adapter()
        try:
            model(tokens, adapter_names=rows)
            refused = ""
        except ValueError as exc:
            refused = str(exc)[:120]
    return {"rows": rows, "refused": "", "max_abs_diff": _maxdiff(mixed, single),
            "rows_distinct": distinct, "merged_refuses_adapter_names": refused}


def _adapter_effect(model: Any, row: Any, name: str) -> Any:
    """The logits an adapter adds to one row over the bare base (0 would make the test moot)."""
    model.set_adapter(name)
    with_adapter = model(row).logits
    with model.disable_adapter():
        return with_adapter - model(row).logits


def _param_bytes(model: Any) -> int:
    return sum(t.numel() * t.element_size() for t in model.parameters())


def shared_base(p: dict[str, Any]) -> dict[str, Any]:
    """Parameter bytes as adapters are added one by one, against a copy of the base per adapter;
    and whether any base tensor was copied (its storage pointer moved)."""
    names = [f"task{i}" for i in range(p["adapters"])]
    from verifiers._tiny import tiny_llama

    base_bytes = _param_bytes(tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=p["seed"]))
    model = _model(p, names[:1])
    ptrs = {n: t.data_ptr() for n, t in model.named_parameters() if "lora_" not in n}
    totals = [_param_bytes(model)]
    for name in names[1:]:
        model.add_adapter(name, _config(p))
        totals.append(_param_bytes(model))
    moved = sum(t.data_ptr() != ptrs[n] for n, t in model.named_parameters() if n in ptrs)
    per_adapter = [b - a for a, b in zip([base_bytes, *totals[:-1]], totals, strict=True)]
    lora = {n: sum(t.numel() * t.element_size() for k, t in model.named_parameters()
                   if f".{n}." in k and "lora_" in k) for n in names}
    return {"base_bytes": base_bytes, "totals_bytes": totals, "added_per_adapter": per_adapter,
            "lora_bytes_per_adapter": lora, "base_tensors_moved": int(moved),
            "copies_of_base_bytes": base_bytes * len(names),
            "adapter_pct_of_base": 100.0 * max(per_adapter) / base_bytes}


def _config(p: dict[str, Any]) -> Any:
    from peft import LoraConfig

    return LoraConfig(r=p["r"], lora_alpha=2 * p["r"], target_modules=list(TARGETS))


def delete_frees(p: dict[str, Any]) -> dict[str, Any]:
    """delete_adapter: parameter bytes before adding, with, and after deleting an adapter, and
    whether anything still holds its tensors (a weak reference outlives them or not)."""
    import gc
    import weakref

    model = _model(p, ["task0"])
    before = _param_bytes(model)
    model.add_adapter("task1", _config(p))
    with_it = _param_bytes(model)
    refs = [weakref.ref(m.lora_A["task1"].weight) for m in _lora_layers(model)]
    model.delete_adapter("task1")
    gc.collect()
    return {"bytes_before_add": before, "bytes_with_adapter": with_it,
            "bytes_after_delete": _param_bytes(model),
            "tensors_still_alive": sum(r() is not None for r in refs), "tensors_tracked": len(refs),
            "adapter_still_listed": "task1" in model.peft_config}


def weighted(p: dict[str, Any], combination: str) -> dict[str, Any]:
    """add_weighted_adapter(weights 1, 1) of two adapters against both adapters active at once
    (which adds both updates): the combined adapter's logits and its rank."""
    import torch

    names = ["task0", "task1"]
    model = _model(p, names)
    tokens = _tokens(p, 2)
    with torch.no_grad():
        model.base_model.set_adapter(names)  # both active: W0 x + d0 x + d1 x
        both = model(tokens).logits
        model.set_adapter(names[0])
        one = model(tokens).logits
        model.add_weighted_adapter(names, [1.0, 1.0], "combined", combination_type=combination)
        model.set_adapter("combined")
        combined = model(tokens).logits
    layer = _lora_layers(model)[0]
    return {"combination_type": combination, "max_abs_diff_vs_both": _maxdiff(combined, both),
            "both_vs_first_alone": _maxdiff(both, one),
            "combined_rank": int(layer.lora_A["combined"].weight.shape[0]),
            "adapter_ranks": [int(layer.lora_A[n].weight.shape[0]) for n in names]}


def mode_switch(p: dict[str, Any]) -> dict[str, Any]:
    """What train() and eval() do to the merged state: merged flags and base weights after
    train() on a merged model, and after eval() on an unmerged one."""
    import torch

    model = _model(p, ["task0"])
    original = {n: w.detach().clone() for n, w in _base_weights(model).items()}
    model.merge_adapter()
    merged = {n: w.detach().clone() for n, w in _base_weights(model).items()}
    model.train()
    after_train = _base_weights(model)
    train_flags = sum(bool(m.merged) for m in _lora_layers(model))
    train_still_merged = max(_maxdiff(after_train[n], w) for n, w in merged.items())
    model.eval()
    eval_flags_merged_model = sum(bool(m.merged) for m in _lora_layers(model))
    model.unmerge_adapter()
    model.eval()
    with torch.no_grad():
        eval_vs_original = max(_maxdiff(w, original[n]) for n, w in _base_weights(model).items())
    return {"layers": len(_lora_layers(model)),
            "merged_after_train": train_flags,
            "weights_after_train_vs_merged_max_abs": train_still_merged,
            "merged_after_eval_of_merged": eval_flags_merged_model,
            "merged_after_eval_of_unmerged": sum(bool(m.merged) for m in _lora_layers(model)),
            "weights_after_eval_of_unmerged_vs_original": eval_vs_original}


def after_unload(p: dict[str, Any]) -> dict[str, Any]:
    """What merge_and_unload leaves of two loaded adapters: LoRA modules and tensors left, the
    class returned, and whether it can still unmerge or switch (the PEFT methods it keeps)."""
    unloaded = _model(p, ["task0", "task1"]).merge_and_unload()
    names = [n for n, _ in unloaded.named_modules()]
    try:  # switching to the other adapter on what it returned
        unloaded.set_adapter("task1")
        switched = True
    except (AttributeError, ValueError, KeyError, RuntimeError):
        switched = False
    return {"class_returned": type(unloaded).__name__,
            "lora_modules_left": sum("lora_" in n for n in names),
            "lora_tensors_left": sum("lora_" in n for n, _ in unloaded.named_parameters()),
            "has_unmerge_adapter": hasattr(unloaded, "unmerge_adapter"),
            "peft_config_left": bool(getattr(unloaded, "peft_config", None)),
            "set_adapter_worked": switched}


def unload_size(p: dict[str, Any]) -> dict[str, Any]:
    """The model merge_and_unload returns against the base it was built on: parameter names,
    shapes, count and bytes (state_dict), before any adapter and after two were merged."""
    import torch

    from verifiers._tiny import tiny_llama

    def sizes(model: Any) -> dict[str, Any]:
        state = model.state_dict()
        return {"shapes": {k: list(v.shape) for k, v in state.items()},
                "parameters": sum(v.numel() for v in model.parameters()),
                "bytes": sum(v.numel() * v.element_size() for v in state.values()
                             if torch.is_tensor(v))}

    base = sizes(tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=p["seed"]))
    merged = sizes(_model(p, ["task0", "task1"]).merge_and_unload())
    return {"base_parameters": base["parameters"], "merged_parameters": merged["parameters"],
            "base_bytes": base["bytes"], "merged_bytes": merged["bytes"],
            "same_shapes": base["shapes"] == merged["shapes"],
            "tensors_added": sorted(set(merged["shapes"]) - set(base["shapes"]))[:5]}
