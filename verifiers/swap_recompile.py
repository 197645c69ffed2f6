"""Switching LoRA adapters on a `torch.compile`d model: does it recompile?

PEFT documents two ways to switch: `load_adapter` + `set_adapter`, which changes which adapter
the layers use (the compiled graph's guards see the change and the model is compiled again),
and `peft.utils.hotswap.hotswap_adapter`, which copies the new adapter's weights into the
loaded one in place (same shapes: no recompilation; adapters of another rank need
`prepare_model_for_compiled_hotswap` before compiling, which pads them to a target rank).

Measured on a tiny random Llama with PEFT, compiled with a counting backend (each compilation
calls it once; it runs the captured graph eagerly, so no C++ toolchain is needed): two forward
passes, a switch, one more pass; a recompilation is a new call to the backend. Four switches:
hot-swap to an adapter of the same rank, to one of twice the rank without preparation, the
same after `prepare_model_for_compiled_hotswap`, and `set_adapter`. After each switch the
compiled model's logits must equal the new adapter's, loaded eagerly.

The claim is "switching recompiles" (a sentence saying it does not is that claim denied).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

PARAMS = (
    Param("method", str, default="hotswap", choices=("hotswap", "set_adapter", "any"),
          help="how the sentence switches: in place (hot-swap), set_adapter / load_adapter, "
               "or any (it names neither)"),
    Param("compiled", bool, default=False,
          help="the sentence says the model is compiled (torch.compile)"),
    Param("any_adapter", bool, default=False,
          help="the sentence says any adapter (of any rank) switches so"),
    Param("other_rank", bool, default=False,
          help="the sentence speaks of swapping in an adapter of another rank"),
    Param("shape_stated", bool, default=True,
          help="the sentence limits the switch to adapters of one shape (same rank and target "
               "layers) or to a prepared model; False: an adapter of another shape is open"),
    Param("r", int, default=8, min=1, max=64),
    Param("seed", int, default=0, min=0, max=2**31 - 1),
    Param("prepare", str, default="", choices=("", "before", "after"),
          help="the claim is when prepare_model_for_compiled_hotswap is called: before or "
               "after torch.compile ('' : not a claim about the order)"),
)

_TARGETS = ["q_proj", "v_proj"]


def _save(folder: str, r: int, seed: int) -> None:
    import torch
    from peft import LoraConfig, get_peft_model

    from verifiers._tiny import tiny_llama

    torch.manual_seed(seed)
    config = LoraConfig(r=r, lora_alpha=2 * r, target_modules=_TARGETS,
                        init_lora_weights=False)  # non-zero B: adapters that differ
    get_peft_model(tiny_llama(), config).save_pretrained(folder)


def _switch(folders: dict[str, str], second: str, how: str, prepare_rank: int = 0
            ) -> dict[str, Any]:
    """Compile with the first adapter, switch to `second` (`how`: hotswap or set_adapter),
    run again: whether the backend was called again, and the logits against `second` eager."""
    import torch
    from peft import PeftModel

    from verifiers._tiny import random_tokens, tiny_llama

    compilations = {"n": 0}

    def backend(gm: Any, example_inputs: Any) -> Any:
        compilations["n"] += 1
        return gm.forward

    torch._dynamo.reset()
    model = PeftModel.from_pretrained(tiny_llama(), folders["a"], adapter_name="default")
    if how == "set_adapter":
        model.load_adapter(folders[second], adapter_name="other")
    if prepare_rank:
        from peft.utils.hotswap import prepare_model_for_compiled_hotswap

        prepare_model_for_compiled_hotswap(model, target_rank=prepare_rank)
    tokens = random_tokens(2, 8)
    compiled = torch.compile(model, backend=backend)
    with torch.no_grad():
        compiled(tokens)
        compiled(tokens)
    before = compilations["n"]
    try:
        if how == "set_adapter":
            model.set_adapter("other")
        else:
            from peft.utils.hotswap import hotswap_adapter

            hotswap_adapter(model, folders[second], adapter_name="default")
    except Exception as exc:  # PEFT refuses some swaps (shapes that differ): that is the fact
        return {"refused": f"{type(exc).__name__}: {str(exc)[:160]}"}
    with torch.no_grad():
        got = compiled(tokens).logits
        want = PeftModel.from_pretrained(tiny_llama(), folders[second])(tokens).logits
    torch._dynamo.reset()
    return {"recompiled": compilations["n"] > before, "compilations": compilations["n"],
            "max_abs_diff": float((got - want).abs().max())}


def measure(r: int = 8) -> dict[str, Any]:
    """The four switches (see the module's docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        folders = {name: os.path.join(tmp, name) for name in ("a", "same", "wider")}
        _save(folders["a"], r, 1)
        _save(folders["same"], r, 2)
        _save(folders["wider"], 2 * r, 3)
        return {"hotswap_same_rank": _switch(folders, "same", "hotswap"),
                "hotswap_other_rank": _switch(folders, "wider", "hotswap"),
                "hotswap_other_rank_prepared": _switch(folders, "wider", "hotswap", 2 * r),
                "set_adapter": _switch(folders, "same", "set_adapter")}


def _said(case: dict[str, Any]) -> str:
    if "refused" in case:
        return f"refused ({case['refused']})"
    return ("recompiled" if case["recompiled"] else "no recompilation") + \
        f", logits within {case['max_abs_diff']:.2g} of the new adapter's"


def prepare_order(r: int = 8) -> dict[str, Any]:
    """prepare_model_for_compiled_hotswap on an already compiled model, and before compiling:
    whether PEFT takes each."""
    import torch
    from peft import LoraConfig, get_peft_model
    from peft.utils.hotswap import prepare_model_for_compiled_hotswap

    from verifiers._tiny import tiny_llama

    out = {}
    for when in ("after", "before"):
        torch._dynamo.reset()
        model = get_peft_model(tiny_llama(), LoraConfig(r=r, target_modules=_TARGETS))
        try:
            if when == "after":
                compiled = torch.compile(model, backend=lambda gm, example: gm.forward)
                prepare_model_for_compiled_hotswap(compiled, target_rank=2 * r)
            else:
                prepare_model_for_compiled_hotswap(model, target_rank=2 * r)
                torch.compile(model, backend=lambda gm, example: gm.forward)
            out[when] = {"taken": True}
        except Exception as exc:  # PEFT refusing the order is the fact measured
            out[when] = {"taken": False, "error": f"{type(exc).__name__}: {str(exc)[:160]}"}
    torch._dynamo.reset()
    return out


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Whether switching recompiles, for the way the sentence switches."""
    if params["prepare"]:
        if not peft_available():
            return result("skipped", PEFT_MISSING, {}, {"prepare": params["prepare"]})
        m = prepare_order(params["r"])
        said = "; ".join(f"{w} compiling: " + ("taken" if v["taken"] else
                                                f"refused ({v['error']})")
                         for w, v in m.items())
        ok = m[params["prepare"]]["taken"] and not m[
            "before" if params["prepare"] == "after" else "after"]["taken"]
        return result("supported" if ok else "refuted",
                      f"prepare_model_for_compiled_hotswap called {said}.", m,
                      {"prepare": params["prepare"]})
    expected = {k: params[k] for k in ("method", "compiled", "any_adapter", "other_rank",
                                       "shape_stated")}
    if not peft_available():
        return result("skipped", PEFT_MISSING, {}, expected)
    m = measure(params["r"])
    text = "; ".join(f"{k.replace('_', ' ')}: {_said(v)}" for k, v in m.items())
    wrong = [k for k, v in m.items() if "refused" not in v and v["max_abs_diff"] > 1e-4]
    if wrong:
        return result("error", f"a switched model did not compute the new adapter ({wrong}): "
                      f"{text}", m, expected)
    recompiles = {k: v.get("recompiled", True) for k, v in m.items()}
    if params["method"] == "any" and recompiles["set_adapter"] \
            and not recompiles["hotswap_same_rank"]:
        return result("conditional", "It depends on how the adapters are switched: set_adapter "
                      "recompiles a compiled model, hot-swapping in place does not: "
                      f"{text}", m, expected)
    if params["method"] == "set_adapter":
        if not params["compiled"]:  # an eager model compiles nothing: the claim is moot there
            return result("conditional", "Recompiles only on a torch.compile'd model (in eager "
                          f"mode nothing is compiled): {text}", m, expected)
        return result("supported" if recompiles["set_adapter"] else "refuted",
                      f"set_adapter on a compiled model: {text}", m, expected)
    if recompiles["hotswap_same_rank"]:
        return result("supported", f"Hot-swapping recompiles even at one rank: {text}", m,
                      expected)
    if params["other_rank"] and params["method"] == "hotswap" and not params["shape_stated"] \
            and recompiles["hotswap_other_rank"] != recompiles["hotswap_other_rank_prepared"]:
        # the sentence does not say whether the model was prepared, and that decides
        return result("conditional", "An adapter of another rank recompiles the model unless "
                      "prepare_model_for_compiled_hotswap was called before compiling: "
                      f"{text}", m, expected)
    if params["other_rank"] and params["method"] == "hotswap":
        case = "hotswap_other_rank_prepared" if params["shape_stated"] else "hotswap_other_rank"
        when = "after" if params["shape_stated"] else "without"
        return result("supported" if recompiles[case] else "refuted",
                      f"An adapter of another rank swapped in {when} "
                      f"prepare_model_for_compiled_hotswap: {text}", m, expected)
    if (params["any_adapter"] or not params["shape_stated"]) and recompiles["hotswap_other_rank"]:
        # an adapter of another shape is not ruled out by the sentence
        return result("conditional", "No recompilation for adapters of one shape, or after "
                      "prepare_model_for_compiled_hotswap; an adapter of another rank swapped "
                      f"in unprepared recompiles: {text}", m, expected)
    return result("refuted", f"Hot-swapping in place does not recompile: {text}", m, expected)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """The switch named (hot-swap in place, set_adapter / load_adapter, or neither), whether
    the model is said to be compiled, and whether any adapter (any rank) is claimed."""
    if frame.predicate == "hotswap_prepare_order":
        # "call prepare_model_for_compiled_hotswap right after torch.compile"
        return {"prepare": "after" if frame.has("prep_after") else "before"}
    method = ("hotswap" if frame.has("m_hotswap") else
              "set_adapter" if frame.has("m_set_adapter") else "any")
    # the shape is fixed by the sentence, or by PEFT's hotswap_adapter named (its documented
    # use: an adapter of the loaded one's shape)
    shape = (frame.has("m_same_shape") or frame.has("m_peft_hotswap")
             and not frame.has("modal_all")) \
        and not frame.has("m_unless_prepared") \
        and not frame.has("m_any_rank")  # ("of any rank": no one shape)
    # ("hotswap_adapter never triggers a recompile": a universal over the adapters swapped in,
    # of any rank, not the one shape hotswap_adapter's documented use implies)
    other_rank = frame.has("m_other_rank") and not frame.has("m_any")
    return {"method": method, "compiled": frame.has("m_compiled"),
            "any_adapter": frame.has("m_any") or frame.has("ranks_differ"),
            # "hot-swapping an adapter of a different rank recompiles": that case is judged
            "other_rank": other_rank,
            "shape_stated": shape,
            # ("recompiles unless the model was prepared": both cases said)
            **({"_split": True} if other_rank and frame.has("m_unless_prepared") else {}),
            # ("adapters of different ranks": the case is stated, the other rank)
            **({} if shape or other_rank or method != "hotswap" else
               {"_open": ["the ranks and target layers of the adapters swapped"]})}


VERIFIER = Verifier(
    id="lora.swap_recompile", version=4,
    title="Switching adapters on a compiled model: hot-swapping in place does not recompile, "
          "set_adapter does",
    run=run, params=PARAMS, timeout_s=240,
    claims=(("lora", "swap_recompiles"), ("lora", "hotswap_prepare_order")),
    to_params=to_params,
    examples=("PEFT's hotswap_adapter replaces the adapter weights in place, so a "
              "torch.compile'd model does not recompile.",
              "On a compiled model, calling set_adapter triggers a recompilation."),
    requires=Requires(device="cpu", packages=("peft", "transformers")),
)
