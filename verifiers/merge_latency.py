"""Family 3b: merged LoRA adds no inference latency; unmerged LoRA does.

Times three forward passes of one layer, interleaved round by round (`_timing`): the base
`nn.Linear`, the merged layer (a plain `nn.Linear` holding W0 + s B A, what merging produces)
and the unmerged reference LoRA layer (W0 x + s B (A x)). Ratios to the base are medians of
per-round ratios (so load bursts cancel) with bootstrap intervals; a ratio counts as "slower"
only when its whole interval lies above 1 + tol, and as "the same" only when its whole
interval lies below it. When an interval
straddles that line, more rounds are added (up to `max_batches` batches) before deciding.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame

WEIGHTS = ("unspecified", "merged", "unmerged")


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Time base, merged and unmerged forward passes and judge the latency claim."""
    m = measure(params)
    merged, unmerged = m["merged_vs_base"]["class"], m["unmerged_vs_base"]["class"]
    measured = {"reference": m,
                "note": "reference: merged layer = plain nn.Linear with W0 + s B A, the same "
                        "operation as the base layer; unmerged = W0 x + s B (A x). The verdict "
                        "follows the reference layer; the PEFT model timing is reported beside it."}
    measured["peft"] = _peft_half(params)
    expected = {"claim": params["claim"], "weights": params["weights"], "tol": params["tol"]}
    mr, ur = m["merged_vs_base"], m["unmerged_vs_base"]
    text = (f"merged/base time {mr['ratio']:.3f} [{mr['low']:.3f}, {mr['high']:.3f}], "
            f"unmerged/base {ur['ratio']:.3f} [{ur['low']:.3f}, {ur['high']:.3f}] (medians of "
            f"per-round ratios over {m['rounds']} interleaved rounds, 95% bootstrap intervals, "
            f"d={params['d']}, k={params['k']}, r={params['r']}, {params['tokens']} tokens, "
            f"{params['device']}; "
            f"'slower' means above {1 + params['tol']:.2f})")
    if "skipped" not in measured["peft"]:
        pm, pu = measured["peft"]["merged_vs_base"], measured["peft"]["unmerged_vs_base"]
        text += (f"; PEFT tiny Llama: merged/base {pm['ratio']:.3f} [{pm['low']:.3f}, "
                 f"{pm['high']:.3f}], unmerged/base {pu['ratio']:.3f} [{pu['low']:.3f}, "
                 f"{pu['high']:.3f}]")
    relevant = {"merged": (merged,), "unmerged": (unmerged,)}.get(params["weights"],
                                                                  (merged, unmerged))
    if "unclear" in relevant:
        return result("conditional", f"Timing did not separate from the tolerance line: {text}.",
                      measured, expected)
    verdict, why = _verdict(params["claim"], params["weights"], merged, unmerged)
    return result(verdict, f"{why}: {text}.", measured, expected)


def _peft_half(params: dict[str, Any]) -> dict[str, Any]:
    from verifiers._tiny import PEFT_MISSING, peft_available

    if not params["peft"]:
        return {"skipped": "not requested (peft=true also times a tiny Llama under PEFT)"}
    if not peft_available():
        return {"skipped": PEFT_MISSING}
    from verifiers._merge_peft import peft_model_timing

    return peft_model_timing(params)


def _verdict(claim: str, weights: str, merged: str, unmerged: str) -> tuple[str, str]:
    """The verdict from the classes ('same'/'slower') of merged and unmerged vs base."""
    no_latency = claim == "no_latency"
    if weights == "merged":
        ok = (merged == "same") == no_latency
        return ("supported" if ok else "refuted"), "Merged LoRA " + (
            "runs as fast as the base" if merged == "same" else "is slower than the base")
    if weights == "unmerged":
        ok = (unmerged == "same") == no_latency
        return ("supported" if ok else "refuted"), "Unmerged LoRA " + (
            "runs as fast as the base" if unmerged == "same" else "is slower than the base")
    if merged == unmerged:
        ok = (merged == "same") == no_latency
        return ("supported" if ok else "refuted"), f"Merged and unmerged are both {merged}"
    if merged == "same":
        return "conditional", ("No added latency holds only once the weights are merged; "
                               "unmerged LoRA is slower" if no_latency else
                               "Added latency holds only for unmerged LoRA; merged is not slower")
    return "conditional", "Merged LoRA is slower than the base but unmerged is not"


def measure(params: dict[str, Any]) -> dict[str, Any]:
    """Interleaved timings of base, merged and unmerged, with ratio intervals; plain data."""
    import torch
    from torch import nn

    from verifiers._lora import make_lora_linear
    from verifiers._timing import bootstrap_paired_ratio, interleaved_times

    device = params["device"]
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device=cuda requested but no CUDA device is available")
    gen = torch.Generator().manual_seed(params["seed"])
    d, k = params["d"], params["k"]
    base = nn.Linear(k, d, bias=False)
    with torch.no_grad():
        base.weight.normal_(0.0, k ** -0.5, generator=gen)
    base = base.to(device)
    lora = make_lora_linear(nn.Linear(k, d, bias=False).to(device), params["r"], params["alpha"])
    merged = nn.Linear(k, d, bias=False).to(device)
    with torch.no_grad():
        lora.base.weight.copy_(base.weight)
        lora.lora_A.normal_(0.0, 0.02)
        lora.lora_B.normal_(0.0, 0.02)
        merged.weight.copy_(base.weight + lora.delta_weight())
    x = torch.randn(params["tokens"], k, generator=gen).to(device)
    inner = params["inner"]

    def timed(module: Any) -> Any:
        def call() -> None:
            with torch.inference_mode():
                for _ in range(inner):
                    module(x)
        return call

    fns = {"base": timed(base), "merged": timed(merged), "unmerged": timed(lora)}
    samples: dict[str, list[float]] = {n: [] for n in fns}
    tol = params["tol"]
    threads = torch.get_num_threads()
    if device == "cpu":
        # One thread: on a shared machine, thread contention is the largest source of noise.
        torch.set_num_threads(params["threads"])
    try:
        for batch in range(params["max_batches"]):
            new = interleaved_times(fns, rounds=params["rounds"],
                                    warmup=3 if batch == 0 else 1, device=device)
            for name in fns:
                samples[name].extend(t / inner for t in new[name])
            classes = {n: _classify(bootstrap_paired_ratio(samples[n], samples["base"]), tol)
                       for n in ("merged", "unmerged")}
            if "unclear" not in (c["class"] for c in classes.values()):
                break
    finally:
        torch.set_num_threads(threads)
    return {"rounds": len(samples["base"]), "batches": batch + 1, "inner_calls": inner,
            "threads": params["threads"] if device == "cpu" else None,
            "median_s": {n: sorted(s)[len(s) // 2] for n, s in samples.items()},
            "merged_vs_base": classes["merged"], "unmerged_vs_base": classes["unmerged"],
            "merged_is_plain_linear": type(merged) is nn.Linear
            and tuple(merged.weight.shape) == (d, k)}


def _classify(ci: tuple[float, float, float], tol: float) -> dict[str, Any]:
    point, low, high = ci
    cls = "slower" if low > 1 + tol else "same" if high <= 1 + tol else "unclear"
    return {"ratio": point, "low": low, "high": high, "class": cls}


def weights_of(frame: Frame) -> str:
    """Which weights the claim is about: 'merged', 'unmerged' or 'unspecified'.

    The lexicon marks where the merge state is written (latency.yaml): a state written right
    before the words the claim was read from wins ("unmerged it's slower, merged it's the same
    speed": the 'fast' words sit after 'merged'); then a sentence that opens with merging
    ("By merging the weights before deployment, ..."); then the one state the sentence names
    (the lexicon's marks; where they name none, an unmerged `merged` condition: the
    condition's merged reading also fires on "cannot be merged", said of adapters). Both named
    with nothing to tell them apart: unspecified."""
    kind = "fast" if frame.has("fast") else "slow" if frame.has("slow") else ""
    local = {s for s in ("merged", "unmerged") if kind and frame.has(f"{s}_{kind}")}
    if len(local) == 1:
        return local.pop()
    if frame.has("merged_lead"):
        return "merged"
    named = {s for s in ("merged", "unmerged") if frame.has(f"{s}_state")}
    if not named and frame.conditions.get("merged") is False:
        named.add("unmerged")  # separate weights in words the marks do not list
    return named.pop() if len(named) == 1 else "unspecified"


def to_params(frame: Frame) -> dict[str, Any] | str:
    """LoRA adds no inference latency (the predicate as the lexicon names it; a sentence that
    says it adds latency is its denial), merged, unmerged or unstated. A stated size of the
    slow-down ("45% more time", "2-5%") is not what is timed here: it depends on rank, batch,
    sequence length and kernels, so a claim that holds in direction holds only in some
    settings."""
    if frame.has("not_inference"):
        return ("about training speed or (de)quantization overhead, not the inference latency "
                "of merged or unmerged LoRA weights that this verifier times")
    if frame.has("slow") and (frame.has("adapter_terms_slow")
                              or (frame.has("adapters_slow") and frame.has("names_lora"))):
        return ("the latency is said of adapters (bottleneck adapters under a name the method "
                "vocabulary does not know, or set against LoRA), not of LoRA")
    params: dict[str, Any] = {"claim": "no_latency", "weights": weights_of(frame)}
    size = [q for q in frame.quantities if q.unit in ("pct", "x") and q.value > 0
            and not (q.unit == "x" and q.value == 1)]
    if size and frame.has("slowdown_size"):
        params["_condition"] = (f"in some settings: the stated size ({size[0].text}) of a "
                                "slow-down depends on rank, batch size, sequence length and "
                                "kernels, and only its direction is timed here")
    return params


VERIFIER = Verifier(
    id="lora.merge_latency",
    version=1,
    title="Merged LoRA adds no inference latency; unmerged LoRA does (interleaved timing)",
    run=run,
    params=(
        Param("claim", str, default="no_latency", choices=("no_latency", "adds_latency")),
        Param("weights", str, default="unspecified", choices=WEIGHTS,
              help="whether the claim says the LoRA weights are merged"),
        Param("d", int, default=512, min=8, max=8192, help="output features"),
        Param("k", int, default=512, min=8, max=8192, help="input features"),
        Param("r", int, default=64, min=1, max=1024, help="LoRA rank"),
        Param("alpha", float, default=16.0, min=1e-3, max=4096.0),
        Param("tokens", int, default=16, min=1, max=8192, help="rows per forward pass"),
        Param("rounds", int, default=50, min=5, max=2000, help="interleaved rounds per batch"),
        Param("max_batches", int, default=3, min=1, max=10, help="batches before deciding"),
        Param("inner", int, default=10, min=1, max=1000, help="forward calls per sample"),
        Param("tol", float, default=0.10, min=0.0, max=1.0,
              help="relative slowdown below which a ratio counts as no latency"),
        Param("device", str, default="cpu", choices=("cpu", "cuda")),
        Param("threads", int, default=1, min=1, max=256, help="CPU threads while timing"),
        Param("peft", bool, default=False, help="also time a tiny Llama under PEFT (base, "
              "merge_and_unload, unmerged)"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("lora", "no_added_latency"),),
    to_params=to_params,
    examples=("Once the low-rank update is merged into W, LoRA adds no inference latency.",
              "Serving LoRA with the adapter kept separate makes every forward pass slower.",
              "LoRA introduces no extra latency at inference."),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=180.0,
)
