"""Can a bottleneck adapter be folded into the base weights, as LoRA can? Fitted, not assumed.

A Houlsby adapter (built as `adapter_latency` builds it: h + W_up(gelu(W_down h)) after a
linear layer, W_up made non-zero as after training) and a LoRA layer (W0 x + s B A x, B
non-zero) each replace one linear layer. Merging means one linear map gives the block's
outputs; the best such map is fitted by least squares (float64) over many random inputs and
tested on fresh ones. The residual is reported against the adapter's own contribution (the
block's output minus the base layer's): LoRA's is zero to rounding, the adapter's is not,
because the GELU between its projections is not linear.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame

# A residual above this share of the adapter's own contribution is not rounding: float64
# least squares leaves LoRA's at about 1e-14 (measured at the defaults).
NOISE = 1e-6


def _fit_residual(block: Any, width: int, samples: int, seed: int) -> dict[str, float]:
    """The best affine map x -> block(x) fitted on `samples` inputs; its error on as many
    fresh inputs, relative to the block's change of the base layer's output."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    fit_x = torch.randn(samples, width, generator=gen, dtype=torch.float64)
    test_x = torch.randn(samples, width, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        fit_y, test_y = block(fit_x), block(test_x)
        added = test_y - block.inner(test_x)
        ones = torch.ones(samples, 1, dtype=torch.float64)
        solution = torch.linalg.lstsq(torch.cat([fit_x, ones], 1), fit_y).solution
        residual = torch.cat([test_x, ones], 1) @ solution - test_y
    return {"residual_rms": float(residual.pow(2).mean().sqrt()),
            "contribution_rms": float(added.pow(2).mean().sqrt()),
            "relative": float(residual.pow(2).mean().sqrt() / added.pow(2).mean().sqrt())}


def _blocks(params: dict[str, Any]) -> dict[str, Any]:
    """A Houlsby adapter and a LoRA layer on the same base linear layer, float64."""
    import copy

    import torch
    from torch import nn

    from verifiers._lora import make_lora_linear
    from verifiers.adapter_latency import _houlsby

    width, gen = params["hidden"], torch.Generator().manual_seed(params["seed"])
    base = nn.Linear(width, width, dtype=torch.float64)
    with torch.no_grad():
        base.weight.normal_(0.0, width ** -0.5, generator=gen)
        base.bias.normal_(0.0, 0.1, generator=gen)
    adapter = _houlsby(copy.deepcopy(base), params["bottleneck"])
    lora = make_lora_linear(copy.deepcopy(base), params["r"], 2.0 * params["r"], generator=gen)
    with torch.no_grad():
        # trained adapters: the up projections are no longer zero
        adapter.down.weight.normal_(0.0, width ** -0.5, generator=gen)
        adapter.up.weight.normal_(0.0, params["bottleneck"] ** -0.5, generator=gen)
        adapter.up.bias.normal_(0.0, 0.1, generator=gen)
        lora.lora_B.normal_(0.0, 0.1, generator=gen)
    lora.inner = lora.base  # the base layer, under the adapter's name for it
    return {"adapter": adapter, "lora": lora}


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Fit one linear map to base+adapter and to base+LoRA; compare with the claim."""
    blocks = _blocks(params)
    samples = max(params["samples"], 4 * params["hidden"])
    fits = {name: _fit_residual(block, params["hidden"], samples, params["seed"] + 1)
            for name, block in blocks.items()}
    measured = {"hidden": params["hidden"], "bottleneck": params["bottleneck"],
                "lora_r": params["r"], "samples": samples, **fits}
    expected = {"claim": "a bottleneck adapter folds into the base weights", "noise": NOISE}
    adapter, lora = fits["adapter"]["relative"], fits["lora"]["relative"]
    text = (f"the best single linear map leaves {adapter:.1%} (rms) of a Houlsby adapter's "
            f"output unexplained (GELU between its projections; bottleneck "
            f"{params['bottleneck']}, width {params['hidden']}, {samples} fresh inputs), "
            f"against {lora:.1e} for LoRA (W0 + s BA is that map)")
    figure = figure_pair("share of the adapter's output no linear map gives", f"<= {NOISE:g}",
                         float(f"{adapter:.3g}"))
    if lora > NOISE:
        return result("error", f"LoRA did not fold either, so the fit is wrong: {text}.",
                      measured, expected)
    mergeable = adapter <= NOISE
    return result("supported" if mergeable else "refuted",
                  f"{'Foldable' if mergeable else 'Not foldable'}: {text}.", measured, expected,
                  figure=figure)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A bottleneck adapter merged or folded into the base weights (a sentence saying it
    cannot be is that claim denied). The adapter's sizes do not decide it: the nonlinearity
    does."""
    if frame.predicate != "mergeable":
        return f"no claim of this verifier is read from '{frame.predicate}'"
    if frame.has("merge_as_time"):
        return ("the merge is named as a moment for something else (switching adapters), not "
                "as a claim about merging adapters")
    return {}


VERIFIER = Verifier(
    id="lora.adapter_merge",
    version=1,
    title="Bottleneck adapters cannot be folded into the base weights; LoRA can",
    run=run,
    params=(
        Param("hidden", int, default=64, min=8, max=1024, help="width of the adapted layer"),
        Param("bottleneck", int, default=16, min=1, max=1024, help="adapter bottleneck size"),
        Param("r", int, default=8, min=1, max=256, help="LoRA rank (the comparison)"),
        Param("samples", int, default=4096, min=64, max=65536,
              help="random inputs to fit on (as many again to test on)"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    claims=(("adapter", "mergeable"),),
    to_params=to_params,
    examples=(
        "Houlsby adapters can be folded into the base weights after training, just like LoRA.",
        "Bottleneck adapters cannot be merged into the pretrained weights.",
    ),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=60.0,
)
