"""Do adapters add inference latency where merged LoRA does not? Timed, not assumed.

Four models from one `tiny_llama()`: the base; Houlsby-style bottleneck adapters (Houlsby et
al., 2019: two per block, one after the attention output projection and one after the MLP,
each h + W_up(act(W_down h)) before the residual sum, W_up zero so the model starts equal to
the base); reference LoRA on q_proj and v_proj with B non-zero, merged into the weights and
unwrapped to plain linear layers (as PEFT's `merge_and_unload` leaves them); and the same LoRA
unmerged. Forward passes are timed interleaved at batch size 1 and at a large batch, and each
model's median is compared with the base's through a bootstrap confidence interval.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._timing import forward_work

CLAIMS = ("adapters_add_latency", "no_difference", "grows_with_batch", "shrinks_with_batch")

PARAMS = (
    Param("claim", str, default="adapters_add_latency", choices=CLAIMS,
          help="adapters_add_latency: bottleneck adapters add latency, LoRA does not; "
               "no_difference: adapters are no slower than LoRA; grows_with_batch / "
               "shrinks_with_batch: the adapters' share of the time grows / shrinks from the "
               "small batch to the large one"),
    Param("merged_stated", bool, default=False,
          help="the claim says LoRA's weights are merged (else unmerged LoRA is a caveat)"),
    Param("bottleneck", int, default=64, min=1, max=8192, help="adapter bottleneck size"),
    Param("hidden", int, default=128, min=16, max=8192),
    Param("layers", int, default=2, min=1, max=48),
    Param("r", int, default=8, min=1, max=256),
    Param("seq", int, default=32, min=1, max=2048),
    Param("batch_small", int, default=1, min=1, max=64),
    Param("batch_large", int, default=16, min=1, max=1024),
    Param("rounds", int, default=30, min=5, max=500, help="interleaved timing rounds"),
    Param("tolerance", float, default=0.10, min=0.0, max=1.0,
          help="relative slow-down that counts as latency (CI above 1 + tolerance)"),
    Param("device", str, default="cpu", choices=("cpu", "cuda")),
)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """Bottleneck adapters add no latency (the predicate as named; "adapters add latency" is
    its denial, and true), judged on the adapters alone: the adapter model against the base.

    A sentence that also names LoRA contrasts the two ("adapters add latency; LoRA does
    not"); where it leaves LoRA's merge unstated, what it says of LoRA holds only once LoRA's
    weights are merged (unmerged LoRA runs extra operations too, which the run reports). A
    sentence about large batches only is not refuted by the small batch: how far a large batch
    amortises the adapters depends on hardware and sequence length it does not state."""
    if frame.has("not_inference"):
        return ("about training speed or (de)quantization overhead, not the inference latency "
                "of adapter layers that this verifier times")
    trend = "up" if frame.has("batch_up") else "down" if frame.has("batch_down") else ""
    if trend:
        # "the adapters' latency penalty grows as the batch size rises": a trend over the batch
        # (the sentence names the penalty, the predicate's denial: the pipeline turns the
        # verdict round, so the measured claim is the trend's opposite there)
        up = (trend == "up") == frame.polarity
        return {"claim": "grows_with_batch" if up else "shrinks_with_batch"}
    if frame.polarity and frame.has("hedged_zero") and not frame.has("names_lora") \
            and not frame.has("small_batch"):
        # "bottleneck adapters add only a negligible amount of latency": how small counts as
        # negligible is the writer's, and the adapters' share shrinks as the batch grows (at
        # batch size one, LoRA's Table 1 puts it at 20-30%: that is judged)
        return ("a hedged zero ('negligible', 'virtually no'): how small a slow-down counts as "
                "none is not stated")
    if frame.has("adapter_kept_apart"):
        return ("an adapter said to be kept unmerged is LoRA's (bottleneck adapters never merge): "
                "not the latency of adapter layers")
    merged = frame.conditions.get("merged") is True or frame.has("merged_state")
    params: dict[str, Any] = {"claim": "no_difference", "merged_stated": merged}
    if frame.has("names_lora") and not merged:
        params["_condition"] = ("once LoRA's weights are merged: unmerged LoRA also runs extra "
                                "operations on every forward pass")
    if (frame.has("slowdown_size") or frame.has("slowdown_word")) \
            and not frame.has("small_batch") \
            and not frame.has("large_batch"):
        # "adapters add around 30%": the share is the small-batch one (LoRA Table 1: +20-30% at
        # batch 1 on GPT-2 medium, +2-3% at batch 32); no batch stated, the amount is one
        # setting's
        params["_condition"] = ("at some batch sizes (the sentence states none; the adapters' "
                                "share of the time shrinks as the batch grows)")
    shares = [q.value for q in frame.quantities if q.unit == "pct"]
    if frame.has("small_batch") and frame.has("slowdown_size") and shares \
            and max(shares) < 10 and not frame.polarity:
        # "bottleneck adapters slow inference by only about 3% at batch size 1": the share is
        # what is claimed, and how large it is at a small batch depends on the hardware and
        # sequence length (LoRA Table 1: +20-30% at batch 1 on a V100); it is not measured
        # against the stated figure here, so the adapters' latency alone decides nothing
        return ("a small share of latency is stated at a small batch: how large it is depends "
                "on the hardware and sequence length, and the size is not measured against it")
    if frame.has("large_batch") and not frame.has("small_batch"):
        # At large batches the adapters' share of the work shrinks (LoRA Table 1: +2-3% at
        # batch 32, seq 512, on a V100); whether it falls under the tolerance depends on the
        # hardware and sequence length, which the sentence does not give.
        params["_open"] = ["the hardware and sequence length at which a large batch amortises "
                           "the adapters"]
    return params


def _houlsby(linear: Any, bottleneck: int) -> Any:
    """`linear` followed by a bottleneck adapter h + W_up(gelu(W_down h)), W_up zero."""
    import torch
    from torch import nn

    class AdapterAfter(nn.Module):
        """A sub-layer's output projection with a Houlsby adapter on its output."""

        def __init__(self) -> None:
            super().__init__()
            self.inner = linear
            width = linear.out_features
            self.down = nn.Linear(width, bottleneck, dtype=linear.weight.dtype,
                                  device=linear.weight.device)
            self.up = nn.Linear(bottleneck, width, dtype=linear.weight.dtype,
                                device=linear.weight.device)
            nn.init.zeros_(self.up.weight)  # near-identity start, as in the paper
            nn.init.zeros_(self.up.bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.inner(x)
            return h + self.up(torch.nn.functional.gelu(self.down(h)))

    return AdapterAfter()


def build_models(params: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """Base, bottleneck adapters, merged LoRA (plain linears) and unmerged LoRA, in eval mode."""
    import copy

    import torch

    from verifiers._lora import inject_lora
    from verifiers._tiny import tiny_llama

    h = params["hidden"]
    base = tiny_llama(hidden=h, layers=params["layers"], heads=max(1, h // 64),
                      intermediate=int(2.6875 * h), vocab=256).to(device)
    adapters = copy.deepcopy(base)
    for block in adapters.model.layers:
        block.self_attn.o_proj = _houlsby(block.self_attn.o_proj, params["bottleneck"])
        block.mlp.down_proj = _houlsby(block.mlp.down_proj, params["bottleneck"])
    g = torch.Generator(device="cpu").manual_seed(0)
    unmerged = copy.deepcopy(base)
    for layer in inject_lora(unmerged, ("q_proj", "v_proj"), params["r"], 2 * params["r"]):
        with torch.no_grad():  # a trained adapter: B non-zero, so merging changes the weights
            layer.lora_B.copy_(0.02 * torch.randn(layer.lora_B.shape, generator=g))
    merged = copy.deepcopy(unmerged)
    for parent in list(merged.modules()):
        for name, child in list(parent.named_children()):
            if hasattr(child, "merge"):
                child.merge()
                setattr(parent, name, child.base)  # unwrap: a plain nn.Linear, like the base
    models = {"base": base, "adapters": adapters, "lora_merged": merged,
              "lora_unmerged": unmerged}
    for m in models.values():
        m.eval()
    return models


def _classify(point: float, lo: float, hi: float, tol: float) -> str:
    """'slower' when the interval lies wholly above 1 (significant) and the median ratio above
    1 + tol (material); 'same' when neither the median nor the interval's lower end exceeds
    1 + tol; else 'unclear' (a large median that the noise does not let us trust)."""
    if lo > 1.0 and point > 1.0 + tol:
        return "slower"
    if point <= 1.0 + tol and lo <= 1.0 + tol:
        return "same"
    return "unclear"


def _time_batch(models: dict[str, Any], batch: int, params: dict[str, Any], device: str,
                ) -> dict[str, Any]:
    """Interleaved forward-pass times of every model at one batch size, ratios to the base."""
    import time

    import torch

    from verifiers._timing import bootstrap_paired_ratio, interleaved_times
    from verifiers._tiny import random_tokens

    tokens = random_tokens(batch, params["seq"], vocab=256, seed=batch).to(device)

    def forward(model: Any, reps: int) -> Any:
        def call() -> Any:
            with torch.inference_mode():
                for _ in range(reps):
                    model(tokens)
        return call

    # One sample is several forward passes (at least ~5 ms of work): a single millisecond-long
    # pass at batch 1 is at the mercy of the scheduler on a shared machine.
    forward(models["base"], 2)()
    t0 = time.perf_counter()
    forward(models["base"], 1)()
    reps = max(1, min(50, round(0.005 / max(time.perf_counter() - t0, 1e-6))))
    # Small-batch samples are short and cheap, and the noisier for it: give them twice the rounds.
    rounds = params["rounds"] * (2 if batch == params["batch_small"] else 1)
    times = interleaved_times({n: forward(m, reps) for n, m in models.items()}, rounds=rounds,
                              device=device)
    out: dict[str, Any] = {"batch": batch, "seq": params["seq"], "passes_per_sample": reps,
                           "rounds": rounds,
                           "median_ms": {n: 1e3 * sorted(t)[len(t) // 2] / reps
                                         for n, t in times.items()}}
    for name in ("adapters", "lora_merged", "lora_unmerged"):
        point, lo, hi = bootstrap_paired_ratio(times[name], times["base"])
        out[name] = {"ratio_to_base": point, "ci95": [lo, hi],
                     "class": _classify(point, lo, hi, params["tolerance"])}
    return out


def _outputs_check(models: dict[str, Any], device: str) -> dict[str, float]:
    """The models compute what they should: adapters start at the base; merged = unmerged."""
    import torch

    from verifiers._tiny import random_tokens

    tokens = random_tokens(2, 8, vocab=256, seed=3).to(device)
    with torch.inference_mode():
        out = {n: m(tokens).logits for n, m in models.items()}
    return {"adapters_vs_base": float((out["adapters"] - out["base"]).abs().max()),
            "merged_vs_unmerged": float((out["lora_merged"] - out["lora_unmerged"]).abs().max()),
            "merged_vs_base": float((out["lora_merged"] - out["base"]).abs().max())}


def _pct(entry: dict[str, Any]) -> str:
    lo, hi = entry["ci95"]
    return f"{entry['ratio_to_base'] - 1:+.0%} [{lo - 1:+.0%}, {hi - 1:+.0%}]"


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Time base, adapters, merged and unmerged LoRA at two batch sizes; compare with the claim."""
    import torch

    device = params["device"]
    claim, tol = params["claim"], params["tolerance"]
    expected = {"claim": claim, "merged_stated": params["merged_stated"], "tolerance": tol}
    if device == "cuda" and not torch.cuda.is_available():
        return result("skipped", "Needs a CUDA device; none is available here.", {}, expected)
    threads = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(1)  # one thread: less jitter on a shared machine, same ranking
    try:
        models = build_models(params, device)
        measured: dict[str, Any] = {"outputs_max_abs_diff": _outputs_check(models, device),
                                    "work_per_forward_batch1_seq8": forward_work(models, device)}
        for key in ("batch_small", "batch_large"):
            measured[key] = _time_batch(models, params[key], params, device)
    finally:
        torch.set_num_threads(threads)
    measured["models"] = {"hidden": params["hidden"], "layers": params["layers"],
                          "bottleneck": params["bottleneck"], "adapters_per_block": 2,
                          "lora_r": params["r"], "lora_targets": ["q_proj", "v_proj"]}
    verdict, text = _verdict(params, measured)
    return result(verdict, text, measured, expected)


def _verdict(params: dict[str, Any], m: dict[str, Any]) -> tuple[str, str]:
    small, large = m["batch_small"], m["batch_large"]
    work = m["work_per_forward_batch1_seq8"]
    a_small, a_large = small["adapters"]["class"], large["adapters"]["class"]
    extra = {n: work[n]["torch_ops"] - work["base"]["torch_ops"] for n in work}
    # Merged LoRA doing exactly the base's work is the structural fact; its timing is reported
    # beside it and only counts against it when it is surely slower at both batch sizes.
    merged_same_work = work["lora_merged"] == work["base"]
    merged_slow = (small["lora_merged"]["class"] == "slower"
                   and large["lora_merged"]["class"] == "slower")
    merged_slow = merged_slow or (not merged_same_work
                                  and "slower" in (small["lora_merged"]["class"],
                                                   large["lora_merged"]["class"]))
    numbers = (f"vs the base, adapters {_pct(small['adapters'])} at batch {small['batch']} and "
               f"{_pct(large['adapters'])} at batch {large['batch']} (+{extra['adapters']} ops "
               f"per pass); merged LoRA {_pct(small['lora_merged'])} and "
               f"{_pct(large['lora_merged'])} (+{extra['lora_merged']} ops); unmerged LoRA "
               f"{_pct(small['lora_unmerged'])} and {_pct(large['lora_unmerged'])} "
               f"(+{extra['lora_unmerged']} ops) (median per-round ratios, 95% CI, tolerance "
               f"{params['tolerance']:.0%}, bottleneck {params['bottleneck']})")
    if params["claim"] in ("grows_with_batch", "shrinks_with_batch"):
        lo_s, hi_s = small["adapters"]["ci95"]
        lo_l, hi_l = large["adapters"]["ci95"]
        trend = "shrinks" if hi_l < lo_s else "grows" if lo_l > hi_s else ""
        if not trend:
            return "unverifiable", ("The adapters' share of the time did not move clearly "
                                    f"between batch sizes: {numbers}.")
        said = params["claim"].split("_")[0]
        return ("supported" if said == trend else "refuted",
                f"The adapters' share of the time {trend} from batch {small['batch']} to batch "
                f"{large['batch']}: {numbers}.")
    if a_small == "unclear":
        return "unverifiable", f"Timing too noisy here to decide: {numbers}."
    adapters_slow = a_small == "slower"
    # "No latency at this batch size" needs the whole interval under 1 + tol, not a point
    # estimate that a noisy round can pull down.
    within = {k: m[k]["adapters"]["ci95"][1] < 1.0 + params["tolerance"]
              for k in ("batch_small", "batch_large")}
    if params["claim"] == "no_difference":
        if adapters_slow or a_large == "slower":
            return "refuted", f"Adapters add latency: {numbers}."
        if not all(within.values()):
            return "unverifiable", f"Timing too noisy here to decide: {numbers}."
        return "supported", f"Adapters added no measurable latency here: {numbers}."
    if not adapters_slow:
        if not within["batch_small"]:
            return "unverifiable", f"Timing too noisy here to decide: {numbers}."
        return "refuted", f"Adapters added no measurable latency at batch {small['batch']}: " \
                          f"{numbers}."
    if merged_slow:
        return "refuted", f"Merged LoRA was slower than the base too: {numbers}."
    if within["batch_large"]:
        return "conditional", f"Adapters add latency only at small batch sizes: {numbers}."
    if extra["lora_unmerged"] > 0 and not params["merged_stated"]:
        return "conditional", f"Holds once LoRA's weights are merged (unmerged LoRA runs extra " \
                              f"operations): {numbers}."
    return "supported", f"Adapters add latency and merged LoRA does not: {numbers}."


VERIFIER = Verifier(
    id="lora.adapter_latency",
    version=1,
    title="Bottleneck adapters add inference latency; merged LoRA does not",
    run=run,
    params=PARAMS,
    claims=(("adapter", "no_added_latency"),),
    to_params=to_params,
    examples=("Houlsby-style adapter layers slow down inference at small batch sizes.",
              "Bottleneck adapters add extra latency because they run in sequence."),
    requires=Requires(device="cpu"),
    timeout_s=180.0,
)
