"""A reference LoRA layer written from the paper's equations (Hu et al., 2021, section 4.1).

    h = W0 x + (alpha / r) * B A x,   A ~ N(0, sigma^2) (r x k),  B = 0 (d x r),  W0 frozen.

rsLoRA (Kalajdzievski, 2023) scales by alpha / sqrt(r) instead. PEFT, the implementation people
use, differs in one documented place: it initialises A kaiming-uniform, not Gaussian; verifiers
that run both say so. Torch is imported by the functions, never at module import.
"""

from __future__ import annotations

import math
from typing import Any


def lora_scaling(r: int, alpha: float, rslora: bool = False) -> float:
    """alpha / r, or alpha / sqrt(r) with rsLoRA."""
    return alpha / math.sqrt(r) if rslora else alpha / r


def make_lora_linear(base: Any, r: int, alpha: float, *, rslora: bool = False,
                     init_std: float = 0.02, generator: Any = None) -> Any:
    """Wrap an `nn.Linear` in a reference LoRA layer: base frozen, A Gaussian, B zero."""
    import torch
    from torch import nn

    class LoraLinear(nn.Module):
        """W0 x + scaling * B A x, with W0 (and its bias) frozen."""

        def __init__(self) -> None:
            super().__init__()
            self.base = base
            for p in self.base.parameters():
                p.requires_grad_(False)
            d, k = base.weight.shape
            self.r, self.scaling = r, lora_scaling(r, alpha, rslora)
            a = torch.empty(r, k, dtype=base.weight.dtype, device=base.weight.device)
            a.normal_(0.0, init_std, generator=generator)
            self.lora_A = nn.Parameter(a)
            self.lora_B = nn.Parameter(torch.zeros(d, r, dtype=a.dtype, device=a.device))
            self.merged = False

        def delta_weight(self) -> torch.Tensor:
            """The update (alpha/r) * B A, shape (d, k) like W0."""
            return self.scaling * (self.lora_B @ self.lora_A)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.base(x)
            if self.merged:
                return out
            return out + self.scaling * ((x @ self.lora_A.T) @ self.lora_B.T)

        @torch.no_grad()
        def merge(self) -> None:
            """W0 <- W0 + (alpha/r) B A; the forward pass becomes the plain base layer."""
            if not self.merged:
                self.base.weight += self.delta_weight()
                self.merged = True

        @torch.no_grad()
        def unmerge(self) -> None:
            """Undo `merge`."""
            if self.merged:
                self.base.weight -= self.delta_weight()
                self.merged = False

    return LoraLinear()


def inject_lora(model: Any, target_names: tuple[str, ...], r: int, alpha: float, *,
                rslora: bool = False, generator: Any = None) -> list[Any]:
    """Replace every `nn.Linear` child whose name is in `target_names` with a reference LoRA
    layer (base frozen); freeze everything else. Returns the LoRA layers."""
    from torch import nn

    for p in model.parameters():
        p.requires_grad_(False)
    layers = []
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if name in target_names and isinstance(child, nn.Linear):
                layer = make_lora_linear(child, r, alpha, rslora=rslora, generator=generator)
                setattr(parent, name, layer)
                layers.append(layer)
    return layers
