"""LoRA trains faster than full fine-tuning, and by how much: optimizer steps, timed.

One LLaMA-7B-wide decoder block (hidden 4096, MLP 4096 by default to bound CPU time, random
weights, a small vocabulary)
is trained by full fine-tuning (AdamW over every weight) and by reference LoRA (AdamW over A
and B only, on q/v or on all seven projections); the LoRA models share the base weights'
storage with the full model, so one 4096-wide block is held once. Whole steps (forward,
backward, optimizer step) are timed interleaved round by round (`_timing`). LoRA skips the
weight gradients and the optimizer update of the frozen weights (LoRA §4.2 reports a 25%
speed-up on GPT-3 175B for this reason); how large the gain is depends on hardware, model size,
batch and sequence length, so a stated size holds or fails per setting and is never refuted
on hardware the claim does not name.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame

TARGETS = {"q,v": ("q_proj", "v_proj"),
           "all": ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")}


def to_params(frame: Frame) -> dict[str, Any] | str:
    """'LoRA trains (X% / Nx) faster than full fine-tuning' (the predicate; 'slower' is its
    denial). A size is judged only where the sentence states it of the faster direction."""
    params: dict[str, Any] = {}
    size = [q for q in frame.quantities if q.unit in ("pct", "x") and q.value > 0
            and not (q.unit == "x" and q.value == 1)]
    if size and frame.polarity:
        q = size[0]
        high = q.high if q.bound == "range" and q.high else q.value
        params.update(size_unit=q.unit, size_low=q.value, size_high=high)
    if isinstance(frame.conditions.get("r"), int | float) and frame.conditions["r"] >= 1:
        params["r"] = int(frame.conditions["r"])
    return params


def _models(params: dict[str, Any]) -> dict[str, Any]:
    """The full model and one LoRA model per target set, sharing the base weights' storage."""
    from verifiers._lora import inject_lora
    from verifiers._tiny import tiny_llama

    def block() -> Any:
        return tiny_llama(hidden=params["hidden"], layers=params["layers"],
                          heads=params["hidden"] // 128, intermediate=params["intermediate"],
                          vocab=256, seed=params["seed"]).train()

    full = block()
    shared = dict(full.named_parameters())
    models = {"full": full}
    for name in params["targets"].split("+"):
        model = block()
        for key, p in model.named_parameters():
            p.data = shared[key].data  # same storage: one copy of the base weights
        inject_lora(model, TARGETS[name], params["r"], 2 * params["r"])
        models[f"lora_{name}"] = model
    return models


def measure(params: dict[str, Any]) -> dict[str, Any]:
    """Seconds per optimizer step of each model, interleaved; speed-ups over full."""
    import torch

    from verifiers._timing import bootstrap_paired_ratio, interleaved_times
    from verifiers._tiny import random_tokens

    threads = torch.get_num_threads()
    torch.set_num_threads(params["threads"])
    try:
        models = _models(params)
        tokens = random_tokens(params["batch"], params["seq"], vocab=256, seed=params["seed"])

        def stepper(model: Any) -> Any:
            trainable = [p for p in model.parameters() if p.requires_grad]
            opt = torch.optim.AdamW(trainable, lr=1e-5)

            def step() -> None:
                model(input_ids=tokens, labels=tokens).loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
            return step

        counts = {n: sum(p.numel() for p in m.parameters() if p.requires_grad)
                  for n, m in models.items()}
        times = interleaved_times({n: stepper(m) for n, m in models.items()},
                                  rounds=params["rounds"], warmup=1)
    finally:
        torch.set_num_threads(threads)
    out: dict[str, Any] = {"median_step_s": {n: sorted(t)[len(t) // 2] for n, t in times.items()},
                           "trainable_params": counts, "rounds": params["rounds"]}
    for name in models:
        if name != "full":
            # full / lora per round: above 1 means LoRA's step is shorter
            point, low, high = bootstrap_paired_ratio(times["full"], times[name])
            out[name] = {"speedup": point, "low": low, "high": high}
    return out


def _holds(params: dict[str, Any], e: dict[str, Any]) -> bool:
    """A stated size against one setting, read both ways ('25% faster' as 25% more steps per
    second, or as 25% less time per step), with room: [0.75 a - 2, 1.25 b + 2] points, or a
    factor within 25%."""
    a, b = params["size_low"], params["size_high"]
    s = e["speedup"]
    if params["size_unit"] == "x":
        return a / 1.25 <= s <= b * 1.25
    readings = (100 * (s - 1), 100 * (1 - 1 / s))
    return any(0.75 * a - 2 <= v <= 1.25 * b + 2 for v in readings)


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Time full fine-tuning and LoRA steps and judge the claim."""
    m = measure(params)
    expected = {k: params[k] for k in ("size_unit", "size_low", "size_high", "r")}
    names = [n for n in m if n.startswith("lora_")]
    setting = (f"one decoder block of hidden {params['hidden']} / MLP {params['intermediate']}, "
               f"batch {params['batch']}, seq {params['seq']}, r={params['r']}, AdamW, fp32, "
               f"CPU, {params['threads']} thread(s)")
    figures = "; ".join(
        f"LoRA on {n[5:]}: full/LoRA step time {m[n]['speedup']:.2f}x [{m[n]['low']:.2f}, "
        f"{m[n]['high']:.2f}] ({100 * (m[n]['speedup'] - 1):+.0f}% steps per second, "
        f"{100 * (1 - 1 / m[n]['speedup']):.0f}% less time per step)" for n in names)
    text = (f"{figures}; full step {m['median_step_s']['full']:.2f} s ({setting}, medians of "
            f"{m['rounds']} interleaved rounds, 95% bootstrap intervals)")
    faster = [n for n in names if m[n]["low"] > 1.0]
    slower = [n for n in names if m[n]["high"] < 1.0]
    if not params["size_unit"]:
        if len(faster) == len(names):
            return result("supported", f"LoRA's step is shorter than full fine-tuning's: {text}.",
                          m, expected)
        if len(slower) == len(names):
            return result("refuted", f"LoRA's step is longer than full fine-tuning's: {text}.",
                          m, expected)
        return result("conditional", f"LoRA is faster in some settings only: {text}.", m,
                      expected)
    stated = (f"{params['size_low']:g}" + (f"-{params['size_high']:g}" if params["size_high"]
              != params["size_low"] else "") + ("%" if params["size_unit"] == "pct" else "x"))
    holds = [n[5:] for n in names if _holds(params, m[n])]
    if len(holds) == len(names):
        return result("supported", f"'{stated} faster' holds in every setting here: {text}.",
                      m, expected)
    if holds:
        return result("conditional", f"'{stated} faster' holds with LoRA on {', '.join(holds)} "
                      f"only: {text}.", m, expected)
    return result("unverifiable", f"No setting here gives '{stated} faster', but the size of "
                  f"the speed-up depends on the hardware, model size, batch and sequence length, "
                  f"which the claim leaves open: {text}.", m, expected)


VERIFIER = Verifier(
    id="lora.training_speed",
    version=1,
    title="LoRA trains faster than full fine-tuning, by a measured factor (timed AdamW steps)",
    run=run,
    params=(
        Param("size_unit", str, default="", choices=("", "pct", "x"),
              help="unit of a stated speed-up: percent or factor"),
        Param("size_low", float, default=0.0, min=0.0, max=1e6),
        Param("size_high", float, default=0.0, min=0.0, max=1e6),
        Param("r", int, default=16, min=1, max=512, help="LoRA rank"),
        Param("targets", str, default="q,v+all", choices=("q,v+all", "q,v", "all"),
              help="LoRA target sets timed ('+' between sets)"),
        Param("hidden", int, default=4096, min=64, max=4096),
        Param("intermediate", int, default=4096, min=64, max=11008,
              help="MLP width (11008 as in LLaMA-7B doubles the CPU time)"),
        Param("layers", int, default=1, min=1, max=2),
        Param("batch", int, default=1, min=1, max=8),
        Param("seq", int, default=32, min=1, max=256),
        Param("rounds", int, default=3, min=2, max=50, help="interleaved steps of each model"),
        Param("threads", int, default=1, min=1, max=64, help="CPU threads while timing"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("lora", "trains_faster"),),
    to_params=to_params,
    examples=("LoRA trains about 25% faster than full fine-tuning.",
              "Fine-tuning with LoRA is faster than full fine-tuning."),
    requires=Requires(device="cpu", packages=("torch", "transformers")),
    timeout_s=300.0,
)
