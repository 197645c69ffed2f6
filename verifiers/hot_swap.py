"""Hot-swapping LoRA adapters: several adapters on one base model, switched without reloading it.

Measured twice. Reference: the paper's LoRA layers (`verifiers._lora`) for each adapter, all
wrapping the *same* base `nn.Linear` objects of one `tiny_llama()`; switching puts another
adapter's wrappers in place. PEFT: `add_adapter` / `save_pretrained` / `load_adapter` /
`set_adapter` on a `PeftModel` over `tiny_llama()`. In both, after every switch the outputs must
equal that adapter merged on its own into a deep copy of the base (W0 + (alpha/r) B A, computed
here from the adapter's A and B), and every base tensor must keep its storage (`data_ptr`) and be
bit-identical to a snapshot taken before the first switch: nothing was reloaded or copied.
"""

from __future__ import annotations

import dataclasses
import re
import time
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

PARAMS = (
    Param("claim", str, default="no_reload",
          choices=("no_reload", "reload_needed", "switch_after_unload", "other_targets",
                   "merged_switch"),
          help="no_reload: adapters switch on one base model, which is never reloaded or copied; "
               "merged_switch: merged weights switch task by subtracting B A and adding "
               "another B'A' (the LoRA paper, section 4.1); "
               "reload_needed: switching adapters needs the base model reloaded or copied; "
               "switch_after_unload: the model merge_and_unload returns still switches adapters; "
               "other_targets: hot-swapping in place (hotswap_adapter) takes an adapter that "
               "targets other layers than the loaded one"),
    Param("adapters", int, default=2, min=2, max=4, help="number of adapters on the base"),
    Param("r", int, default=8, min=1, max=64, help="rank of every adapter"),
    Param("tolerance", float, default=1e-4, min=0.0, max=1.0,
          help="max |switched - separately merged| output difference (fp32)"),
    Param("seed", int, default=0, min=0, max=2**31 - 1),
    Param("timed", bool, default=False,
          help="the claim says switching takes no time: set_adapter between adapters in memory "
               "is timed against loading one from disk"),
)


# a reason given for the claim: "... because the first adapter is baked into the weights"
_BECAUSE = re.compile(r"\b(?:because|since|as|given that|now that)\b[^.;:,]*$", re.I)
# "84 MB of adapters, compared with 135 GB for ten full copies of the model": the copies are
# what the comparison sets against the adapters, not a copy the switch needs
# (or a share of them: "roughly 6% of one extra copy of the base")
_COMPARED = re.compile(r"(?:\b(?:compared\s+(?:with|to)|versus|vs\.?|than|against|instead of|"
                       r"rather than|(?:half|a\s+third|a\s+quarter|fraction|share)\s+of)\b|"
                       r"\d\s*(?:%|percent)\s+of\b)(?:[^.;:]|\.(?=\d)){0,60}$", re.I)


# words of a refusal or a limit that polarity does not read as a denial ("... is rejected",
# "only works when", "must target the same layers"; "attention-only" names an adapter)
_REFUSAL = re.compile(r"\b(?:reject\w*|refus\w*|fail\w*|errors?|raises?|unsupported|"
                      r"(?<!-)only|must|requires?)\b", re.I)
# the layers a new adapter targets, described by the loaded one's not touching them
_UNTOUCHED = re.compile(r"\b(?:that\s+|which\s+)?the\s+(?:first|loaded|original|old|previous|"
                        r"current|existing)\s+(?:one|adapter|LoRA)\s+(?:never|didn't|did\s+not|"
                        r"does\s+not|doesn't|had\s+not|hadn't)(?:\s+(?:touch|target|cover|adapt|"
                        r"wrap)\w*)?\b", re.I)
# a denial after the words that were read ("swapping adapters that target different layers is
# not supported"): polarity reads denials before them
# "it doesn't matter which layers they target": indifference, not a denial of the swap
_NO_MATTER = re.compile(r"\b(?:doesn't|does\s+not|don't|do\s+not|never)\s+matters?\b", re.I)
_DENIED_AFTER = re.compile(r"\b(?:not|never|no\s+longer|cannot|impossible)\b|n't\b", re.I)


def _own_state(frame: Frame) -> Frame:
    """The frame without a merged state said in another clause or cell than the switch ("PEFT
    | Yes, via set_adapter | Optional (merge_and_unload)": the merge is another column's)."""
    state, said = frame.spans.get("merged"), frame.spans.get("predicate")
    if frame.conditions.get("merged") is None or not state or not said:
        return frame
    first, second = sorted((state, said))
    if ";" not in frame.text[first[1]:second[0]]:
        return frame
    return dataclasses.replace(frame, conditions={k: v for k, v in frame.conditions.items()
                                                  if k != "merged"})


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A `hot_swap` frame checks that adapters switch on one loaded base that is never reloaded
    or copied (a sentence saying a reload or copy is needed is that claim denied). Switching
    merged adapters, or which adapters may be swapped in place (ranks, targets,
    hyper-parameters) are other questions: this verifier switches unmerged adapters of one
    config, eagerly (recompilation of a compiled model is lora.swap_recompile's)."""
    if frame.predicate != "hot_swap":
        return f"no claim of this verifier is read from '{frame.predicate}'"
    frame = _own_state(frame)
    if frame.has("other_types"):
        return "said of other adapter types or methods, not of LoRA's adapters"
    if frame.has("other_base"):
        # "an adapter trained on Llama-2-7B can be hot-swapped onto the Llama 3 8B base": moved
        # to another model, which switching adapters on one base does not measure
        return "an adapter moved onto another base model, not switched on the base it was " \
               "trained for"
    if frame.has("recompile") and not (frame.polarity and frame.has("other_targets")):
        return "the sentence is about recompiling a compiled model (lora.swap_recompile's)"
    if frame.has("other_targets"):
        # (compiled or not: a swap in place between adapters of other targets is refused
        # before any recompilation could happen)
        # "hot-swapping works whatever layers the new adapter targets" (or, denied, "cannot
        # take an adapter that targets different layers")
        end = frame.spans.get("predicate", (0, 0))[1]
        # ("layers the first one didn't touch" describes the layers: no refusal)
        text = _NO_MATTER.sub(" ", _UNTOUCHED.sub(" ", frame.text))
        if _REFUSAL.search(text) or _DENIED_AFTER.search(text, min(end, len(text))):
            return ("the sentence speaks of a swap being refused or limited, and which case it "
                    "says is refused is not read")
        return {"claim": "other_targets"}
    a = frame.spans.get("predicate", (0, 0))[0]
    if not frame.polarity and _COMPARED.search(frame.text, max(0, a - 80), a):
        return ("the copies of the model are what the sentence compares the adapters with, "
                "not a copy that switching adapters needs")
    if frame.polarity and frame.has("subtract_add"):
        # "switch a merged deployment by subtracting BA and adding B'A'": the merged weights
        # themselves are switched, which is this claim's own state, not a condition left out
        return {"claim": "merged_switch"}
    if frame.conditions.get("merged") is True and frame.has("unloaded"):
        # "after merge_and_unload we can still flip between adapters" (or, denied, "can no
        # longer switch"): what merge_and_unload returns is switched, or tried
        if frame.polarity and frame.has("no_longer"):
            # ("set_adapter() is no longer available": the denial follows the call's name,
            # where the frame's polarity does not reach)
            return "the switch after merge_and_unload is denied after the call's name, which " \
                   "the frame's polarity does not read"
        return {"claim": "switch_after_unload"}
    if not frame.polarity and (frame.has("no_longer") or frame.has("unloaded")):
        # ("Can we still swap after merge_and_unload()? Not directly ... reload the base": the
        # reload is what the unloaded model needs)
        return ("a switch said impossible after a change the sentence describes (a merge): "
                "what the change did, not whether unmerged adapters switch")
    if frame.conditions.get("merged") is True:
        a = frame.spans.get("merged", (0, 0))[0]
        if not frame.polarity and not _BECAUSE.search(frame.text, max(0, a - 60), a):
            # "a merged replica can no longer switch adapters": said of a merged model, which
            # this verifier does not switch; "... because the adapter is baked in" is a reason
            return ("switching is denied of a merged model, and the adapters are switched "
                    "unmerged here (a merged adapter is part of the weights until it is "
                    "unmerged)")
        return {"claim": "no_reload", "_condition": "while the adapters stay unmerged (a merged "
                "adapter is part of the weights until it is unmerged)"}
    if frame.has("ranks_differ") or frame.polarity and frame.has("any_adapters"):
        # ("any two adapters can be hot-swapped": every pair, not some setting where one can)
        return {"claim": "no_reload", "_condition": "for adapters of one configuration (in-place "
                "swaps across ranks or targets need PEFT's hot-swap preparation)",
                **({"_modality": ""} if frame.has("any_adapters") else {})}
    if frame.polarity and frame.has("base_untouched") and frame.conditions.get("merged") is None:
        # "switching never requires touching the base weights": not of a merged adapter
        return {"claim": "no_reload", "_condition": "while the adapters stay unmerged (switching "
                "a merged adapter means subtracting it from the weights)"}
    if frame.polarity and frame.has("instant"):
        return {"claim": "no_reload", "timed": True}
    if frame.polarity and frame.has("op_duration"):
        # "swapping in a cached adapter takes under 50 ms": the switch is measured, its stated
        # time depends on the hardware
        return {"claim": "no_reload", "_condition": "in the stated time, which depends on the "
                "hardware and is not timed here (what is measured: the switch reloads nothing)"}
    return {"claim": "no_reload"}


_TARGETS = ("q_proj", "v_proj")
_HIDDEN, _VOCAB = 64, 256


def _tensors_of_base(model: Any) -> dict[str, Any]:
    """Every tensor of the base model (parameters and buffers), LoRA parameters excluded, by the
    name it has in the bare model (a wrapper's `.base` / `.base_layer` step left out)."""
    named = dict(model.named_parameters())
    named.update(dict(model.named_buffers()))
    return {n.replace(".base_layer.", ".").replace(".base.", "."): t
            for n, t in named.items() if "lora_" not in n}


def _base_check(before: dict[str, tuple[int, Any]], model: Any) -> dict[str, Any]:
    """Compare the base tensors now with the (data_ptr, clone) snapshot taken before switching."""
    now = _tensors_of_base(model)
    moved = [n for n, (ptr, _) in before.items() if now[n].data_ptr() != ptr]
    changed = [n for n, (_, copy) in before.items() if not _equal(now[n], copy)]
    return {"base_tensors": len(before), "storage_changed": len(moved),
            "values_changed": len(changed), "examples": (moved + changed)[:3]}


def _equal(a: Any, b: Any) -> bool:
    import torch

    return bool(torch.equal(a.detach(), b))


def _snapshot(model: Any) -> dict[str, tuple[int, Any]]:
    return {n: (t.data_ptr(), t.detach().clone()) for n, t in _tensors_of_base(model).items()}


def _merged_copy(base: Any, deltas: dict[str, Any]) -> Any:
    """A deep copy of `base` with each named linear weight increased by its delta."""
    import copy

    import torch

    merged = copy.deepcopy(base)
    modules = dict(merged.named_modules())
    with torch.no_grad():
        for name, delta in deltas.items():
            modules[name].weight += delta
    return merged


def _reference(params: dict[str, Any], tokens: Any) -> dict[str, Any]:
    """Reference LoRA wrappers sharing one base model's linear layers, swapped in and out."""
    import copy

    import torch

    from verifiers._lora import make_lora_linear
    from verifiers._tiny import tiny_llama

    base = tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=params["seed"])
    pristine = copy.deepcopy(base)  # taken before any adapter exists, for the separate merges
    g = torch.Generator().manual_seed(params["seed"] + 1)
    targets = {n: m for n, m in base.named_modules() if n.rsplit(".", 1)[-1] in _TARGETS}
    parents = {n: base.get_submodule(n.rsplit(".", 1)[0]) for n in targets}
    names = [f"task{i}" for i in range(params["adapters"])]
    wrappers: dict[str, dict[str, Any]] = {}
    for adapter in names:
        wrappers[adapter] = {}
        for n, lin in targets.items():
            layer = make_lora_linear(lin, params["r"], 2 * params["r"], generator=g)
            with torch.no_grad():  # a trained adapter: B is no longer zero
                layer.lora_B.normal_(0.0, 0.02, generator=g)
            wrappers[adapter][n] = layer
    before = _snapshot(base)
    diffs, outputs = {}, {}
    for adapter in names + names[:1]:  # visit every adapter, then come back to the first
        for n, layer in wrappers[adapter].items():
            setattr(parents[n], n.rsplit(".", 1)[-1], layer)
        with torch.no_grad():
            out = base(tokens).logits
            deltas = {n: layer.delta_weight() for n, layer in wrappers[adapter].items()}
            expected = _merged_copy(pristine, deltas)(tokens).logits
        diffs[adapter] = max(diffs.get(adapter, 0.0), float((out - expected).abs().max()))
        outputs.setdefault(adapter, out)
    shared = all(layer.base is targets[n] for w in wrappers.values() for n, layer in w.items())
    return {"max_abs_diff": diffs, "adapters_distinct": _distinct(outputs),
            "wrappers_share_base_layers": shared, "base": _base_check(before, base)}


def _distinct(outputs: dict[str, Any]) -> float:
    """Smallest max-abs difference between two adapters' outputs (0 would make swapping moot)."""
    keys = list(outputs)
    return min(float((outputs[a] - outputs[b]).abs().max())
               for i, a in enumerate(keys) for b in keys[i + 1:])


def _peft(params: dict[str, Any], tokens: Any) -> dict[str, Any]:
    """PEFT: adapters added, one saved and loaded back from disk, switched with set_adapter."""
    import copy
    import tempfile

    import torch
    from peft import LoraConfig

    from verifiers._tiny import tiny_llama

    base = tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=params["seed"])
    pristine = copy.deepcopy(base)
    ptr_before_wrap = {n: t.data_ptr() for n, t in _tensors_of_base(base).items()}
    names = [f"task{i}" for i in range(params["adapters"])]
    r = params["r"]
    torch.manual_seed(params["seed"] + 1)
    model = _peft_model(base, r, names[0])
    for adapter in names[1:]:
        model.add_adapter(adapter, LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(_TARGETS),
                                              init_lora_weights=False))
    wrapped_ptrs = {n: t.data_ptr() for n, t in _tensors_of_base(model.get_base_model()).items()}
    wrap_copied = sum(ptr_before_wrap.get(n) != p for n, p in wrapped_ptrs.items())
    before = _snapshot(model.get_base_model())
    # The last adapter goes through disk: saved, deleted, loaded again into the live model.
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, selected_adapters=[names[-1]])
        saved = {k: v.detach().clone() for k, v in model.state_dict().items()
                 if f".{names[-1]}." in k}
        model.delete_adapter(names[-1])
        # save_pretrained puts a non-default adapter in a sub-folder named after it
        started = time.perf_counter()
        model.load_adapter(f"{tmp}/{names[-1]}", adapter_name=names[-1])
        load_s = time.perf_counter() - started
    reloaded_equal = bool(saved) and all(_equal(model.state_dict()[k], v) for k, v in saved.items())
    model.eval()
    switch_s = []
    for _ in range(5):  # switching between adapters already in memory, timed
        for adapter in names:
            started = time.perf_counter()
            model.set_adapter(adapter)
            switch_s.append(time.perf_counter() - started)
    diffs, outputs = {}, {}
    for adapter in names + names[:1]:
        model.set_adapter(adapter)
        with torch.no_grad():
            out = model(tokens).logits
            expected = _merged_copy(pristine, _peft_deltas(model, adapter))(tokens).logits
        diffs[adapter] = max(diffs.get(adapter, 0.0), float((out - expected).abs().max()))
        outputs.setdefault(adapter, out)
    return {"max_abs_diff": diffs, "adapters_distinct": _distinct(outputs),
            "wrapping_copied_base_tensors": int(wrap_copied),
            "adapter_reloaded_from_disk_equal": reloaded_equal,
            "adapter_tensors_reloaded": len(saved),
            "set_adapter_ms": 1e3 * sorted(switch_s)[len(switch_s) // 2],
            "load_adapter_from_disk_ms": 1e3 * load_s,
            "base": _base_check(before, model.get_base_model())}


def _peft_model(base: Any, r: int, name: str) -> Any:
    from peft import LoraConfig, get_peft_model

    # init_lora_weights=False: B is random too, standing in for a trained adapter.
    config = LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(_TARGETS),
                        init_lora_weights=False)
    return get_peft_model(base, config, adapter_name=name)


def _peft_deltas(model: Any, adapter: str) -> dict[str, Any]:
    """(alpha/r) B A from the adapter's own matrices, keyed by the base model's module names."""
    deltas = {}
    for name, module in model.get_base_model().named_modules():
        if hasattr(module, "lora_A") and adapter in getattr(module, "lora_A", {}):
            a, b = module.lora_A[adapter].weight, module.lora_B[adapter].weight
            deltas[name] = module.scaling[adapter] * (b @ a)
    return deltas


def _holds(half: dict[str, Any], tol: float) -> tuple[bool, bool]:
    """(outputs match the separate merges, base untouched) for one half."""
    outputs_ok = max(half["max_abs_diff"].values()) <= tol and half["adapters_distinct"] > tol
    base = half["base"]
    untouched = base["storage_changed"] == 0 and base["values_changed"] == 0
    untouched = untouched and half.get("wrapping_copied_base_tensors", 0) == 0
    untouched = untouched and half.get("wrappers_share_base_layers", True)
    return outputs_ok and half.get("adapter_reloaded_from_disk_equal", True), untouched


def _after_unload(params: dict[str, Any]) -> dict[str, Any]:
    """Two PEFT adapters on a tiny Llama, merge_and_unload, then set_adapter on what it returns
    (`_serving_measure.after_unload`): whether the adapters are still there to switch to."""
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    from verifiers._serving_measure import after_unload

    m = after_unload({"r": params["r"], "seed": params["seed"]})
    left, switched = m["lora_tensors_left"], m["set_adapter_worked"]
    text = (f"Merge_and_unload on a PEFT model with two adapters returned a plain "
            f"{m['class_returned']} with {left} LoRA tensors left; set_adapter on it "
            + ("worked" if switched else "failed") + ": the adapters are folded in and gone, "
            "and switching needs them loaded again.")
    verdict = "supported" if switched and left else "refuted"
    return result(verdict, text, m, {"claim": "switch_after_unload"})


def _swap_targets(seed: int) -> dict[str, Any]:
    """PEFT's hotswap_adapter from an adapter on q_proj and v_proj to one on fewer layers
    (q_proj) and to one on more (q_proj, v_proj, k_proj): whether PEFT takes each, and the
    swapped model's logits against the new adapter loaded on its own."""
    import os
    import tempfile

    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from peft.utils.hotswap import hotswap_adapter

    from verifiers._tiny import random_tokens, tiny_llama

    targets = {"loaded": ["q_proj", "v_proj"], "fewer": ["q_proj"],
               "more": ["q_proj", "v_proj", "k_proj"]}
    tokens = random_tokens(2, 8, vocab=_VOCAB, seed=seed + 2)
    out: dict[str, Any] = {"targets": targets}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, modules) in enumerate(targets.items()):
            torch.manual_seed(seed + 10 + i)
            config = LoraConfig(r=8, lora_alpha=16, target_modules=modules,
                                init_lora_weights=False)
            model = get_peft_model(tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=seed), config)
            model.save_pretrained(os.path.join(tmp, name))
        for name in ("fewer", "more"):
            model = PeftModel.from_pretrained(tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=seed),
                                              os.path.join(tmp, "loaded"))
            try:
                hotswap_adapter(model, os.path.join(tmp, name), adapter_name="default")
            except Exception as exc:  # PEFT refusing the swap is the fact measured
                out[name] = {"taken": False, "error": f"{type(exc).__name__}: {str(exc)[:160]}"}
                continue
            fresh = PeftModel.from_pretrained(tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=seed),
                                              os.path.join(tmp, name))
            with torch.no_grad():
                diff = float((model(tokens).logits - fresh(tokens).logits).abs().max())
            out[name] = {"taken": True, "max_abs_diff": diff}
    return out


def _other_targets(params: dict[str, Any]) -> dict[str, Any]:
    """Whether in-place hot-swapping takes an adapter that targets other layers."""
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    m = _swap_targets(params["seed"])
    tol = params["tolerance"]
    works = {k: m[k]["taken"] and m[k]["max_abs_diff"] <= tol for k in ("fewer", "more")}

    def said(k: str) -> str:
        v = m[k]
        return (f"to one on {', '.join(m['targets'][k])}: "
                + (f"taken, logits within {v['max_abs_diff']:.2g} of it loaded alone"
                   if v["taken"] else f"refused ({v['error']})"))

    text = (f"PEFT's hotswap_adapter from an adapter on {', '.join(m['targets']['loaded'])} "
            f"{said('fewer')}; {said('more')}: an adapter that targets layers the loaded one "
            "does not cannot be hot-swapped in.")
    verdict = "supported" if all(works.values()) else "refuted"
    return result(verdict, text, m, {"claim": "other_targets"})


def _merged_switch(params: dict[str, Any]) -> dict[str, Any]:
    """Switching merged weights from one task to another: (reference) W0 + B A - B A + B'A' on
    a tiny Llama's weights, (PEFT) merge_adapter, unmerge_adapter, set_adapter, merge_adapter;
    each against the second adapter merged on its own into a copy of the base, and the weights
    after the subtraction against W0."""
    import copy

    import torch

    from verifiers._tiny import random_tokens, tiny_llama

    tokens = random_tokens(2, 16, vocab=_VOCAB, seed=params["seed"] + 2)
    tol = params["tolerance"]
    out: dict[str, Any] = {}
    if peft_available():
        from peft import LoraConfig

        base = tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=params["seed"])
        pristine = copy.deepcopy(base)
        torch.manual_seed(params["seed"] + 1)
        r = params["r"]
        model = _peft_model(base, r, "task0")
        model.add_adapter("task1", LoraConfig(r=r, lora_alpha=2 * r,
                                              target_modules=list(_TARGETS),
                                              init_lora_weights=False))
        model.eval()
        weights = {n: m.base_layer.weight for n, m in model.get_base_model().named_modules()
                   if hasattr(m, "base_layer") and hasattr(m, "lora_A")}
        start = {n: w.detach().clone() for n, w in weights.items()}
        model.set_adapter("task0")
        model.merge_adapter()
        model.unmerge_adapter()  # B A subtracted again
        restored = max(float((weights[n] - start[n]).abs().max()) for n in weights)
        model.set_adapter("task1")
        model.merge_adapter()
        with torch.no_grad():
            got = model(tokens).logits
            expected = _merged_copy(pristine, _peft_deltas(model, "task1"))(tokens).logits
            first = _merged_copy(pristine, _peft_deltas(model, "task0"))(tokens).logits
        out["peft"] = {"max_abs_diff": float((got - expected).abs().max()),
                       "restored_max_abs": restored,
                       "adapters_distinct": float((expected - first).abs().max())}
    base = tiny_llama(hidden=_HIDDEN, vocab=_VOCAB, seed=params["seed"])
    pristine = copy.deepcopy(base)
    g = torch.Generator().manual_seed(params["seed"] + 3)
    mods = {n: m for n, m in base.named_modules() if n.rsplit(".", 1)[-1] in _TARGETS}
    r = params["r"]
    deltas = [{n: 2.0 * torch.randn(m.out_features, r, generator=g) * 0.02
               @ torch.randn(r, m.in_features, generator=g) / r ** 0.5 for n, m in mods.items()}
              for _ in range(2)]
    with torch.no_grad():
        for n, m in mods.items():
            m.weight += deltas[0][n]
        for n, m in mods.items():
            m.weight -= deltas[0][n]
        restored = max(float((m.weight - pristine.get_submodule(n).weight).abs().max())
                       for n, m in mods.items())
        for n, m in mods.items():
            m.weight += deltas[1][n]
        got = base(tokens).logits
        expected = _merged_copy(pristine, deltas[1])(tokens).logits
        first = _merged_copy(pristine, deltas[0])(tokens).logits
    out["reference"] = {"max_abs_diff": float((got - expected).abs().max()),
                        "restored_max_abs": restored,
                        "adapters_distinct": float((expected - first).abs().max())}
    ok = {k: v["max_abs_diff"] <= tol and v["restored_max_abs"] <= tol
          and v["adapters_distinct"] > tol for k, v in out.items()}
    text = "; ".join(f"{k}: after subtracting the first adapter the weights are within "
                     f"{v['restored_max_abs']:.2g} of W0, and with the second added the outputs "
                     f"are within {v['max_abs_diff']:.2g} of that adapter merged on its own"
                     for k, v in out.items())
    verdict = "supported" if all(ok.values()) else "refuted"
    return result(verdict, f"Switching merged weights by subtracting B A and adding B'A' "
                  f"(tolerance {tol:g}): {text}.", out, {"claim": "merged_switch",
                                                          "tolerance": tol})


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Switch between adapters on one base (reference and PEFT) and compare with separate merges."""
    if params["claim"] == "merged_switch":
        return _merged_switch(params)
    if params["claim"] == "switch_after_unload":
        return _after_unload(params)
    if params["claim"] == "other_targets":
        return _other_targets(params)
    from verifiers._tiny import random_tokens

    tokens = random_tokens(2, 16, vocab=_VOCAB, seed=params["seed"] + 2)
    measured: dict[str, Any] = {"reference": _reference(params, tokens)}
    measured["peft"] = _peft(params, tokens) if peft_available() else {"skipped": PEFT_MISSING}
    halves = {k: v for k, v in measured.items() if "skipped" not in v}
    tol = params["tolerance"]
    checks = {k: _holds(v, tol) for k, v in halves.items()}
    works = all(o and b for o, b in checks.values())
    worst = max(max(v["max_abs_diff"].values()) for v in halves.values())
    moved = sum(v["base"]["storage_changed"] + v["base"]["values_changed"]
                for v in halves.values())
    nbase = halves["reference"]["base"]["base_tensors"]
    expected = {"claim": params["claim"], "tolerance": tol, "adapters": params["adapters"]}
    facts = (f"{params['adapters']} adapters switched on one base model ({' and '.join(halves)}): "
             f"outputs equal each adapter merged separately within {worst:.2g} (tolerance "
             f"{tol:g}), and {moved} of {nbase} base tensors were moved or changed")
    if len(checks) == 2 and checks["reference"] != checks["peft"]:
        facts += "; the reference and PEFT disagree"
    if params["claim"] == "no_reload":
        verdict = "supported" if works else "refuted"
        peft = measured["peft"]
        if works and params["timed"] and "set_adapter_ms" in peft \
                and peft["load_adapter_from_disk_ms"] > 5 * peft["set_adapter_ms"]:
            # "switching is instant": between adapters already in memory; one read from disk
            # costs its load (here a tiny model's; a 7B model's adapter takes far longer)
            verdict = "conditional"
            facts = (f"Instant only between adapters already in memory: set_adapter took "
                     f"{peft['set_adapter_ms']:.2f} ms (median), loading an adapter from disk "
                     f"{peft['load_adapter_from_disk_ms']:.1f} ms on a tiny model. " + facts)
    else:
        verdict = "refuted" if works else "supported"
        if works:
            facts = "No reload or copy is needed: " + facts
    return result(verdict, facts + ".", measured, expected)


VERIFIER = Verifier(
    id="lora.hot_swap",
    version=4,
    title="LoRA adapters switch on one base model without reloading or copying it",
    run=run,
    params=PARAMS,
    claims=(("lora", "hot_swap"),),
    to_params=to_params,
    examples=(
        "Multiple LoRA adapters can be hot-swapped without reloading the base model.",
        "You can keep one base model and load different LoRA adapters for different tasks.",
        "Switching between adapters only swaps the small A and B matrices; the base stays in "
        "memory.",
        "Switching to another LoRA adapter requires reloading the base model from disk.",
    ),
    requires=Requires(device="cpu"),
    timeout_s=120.0,
)
