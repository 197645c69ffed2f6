"""What a paged optimizer does with memory, measured on a CUDA device with bitsandbytes.

A stack of fp32 linear layers is trained for real steps twice from the same start: once with
`PagedAdamW32bit`, once with its unpaged twin `AdamW32bit`. Read at each stage: the caching
allocator (`memory_allocated`, `memory_reserved`), the driver's free memory (`mem_get_info`,
which sees managed pages resident on the card), the process's resident host memory
(`VmRSS`), and which tensors bitsandbytes put in managed memory (`is_paged`).

Then the paged state is sent to host memory the way the driver evicts it under pressure
(`prefetch_tensor(..., to_cpu=True)`, a cudaMemPrefetchAsync to the CPU): how much the card
frees and how much the host gains are read, and a further step shows the state coming back
and the update still equal to the unpaged twin's. The state never asks for more than the
card has free (oversubscribing managed memory can hang a GPU), so the eviction is asked for,
not forced by filling the card.
"""

from __future__ import annotations

import copy
import ctypes
from typing import Any

MIB = 1024**2


def _rss_bytes() -> int:
    """This process's resident host memory (VmRSS), from /proc."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _reading() -> dict[str, int]:
    import torch

    torch.cuda.synchronize()
    free, _ = torch.cuda.mem_get_info()
    return {"free": int(free), "allocated": int(torch.cuda.memory_allocated()),
            "reserved": int(torch.cuda.memory_reserved()), "rss": _rss_bytes()}


def _paged_tensors(opt: Any) -> list[Any]:
    return [v for s in opt.state.values() for v in s.values()
            if hasattr(v, "element_size") and getattr(v, "is_paged", False)]


def _state_bytes(opt: Any) -> dict[str, int]:
    from verifiers._qlora_measure import optimizer_state_bytes

    found = optimizer_state_bytes(opt)
    return {"paged": found["paged"], "unpaged": found["device"]}


class _Location(ctypes.Structure):
    # cudaMemLocation (CUDA 12.2+): type 2 is cudaMemLocationTypeHost
    _fields_ = [("type", ctypes.c_int), ("id", ctypes.c_int)]


def _cudart() -> Any:
    """The CUDA runtime torch loaded (its soname is already in this process)."""
    import torch

    major = int(str(torch.version.cuda).split(".")[0])
    for name in (f"libcudart.so.{major}", "libcudart.so"):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise OSError("the CUDA runtime library could not be opened")


def to_host(tensors: list[Any]) -> None:
    """Migrate managed tensors' pages to host memory (cudaMemPrefetchAsync to the CPU), as the
    driver does when the card runs short. bitsandbytes' own `prefetch_tensor(to_cpu=True)`
    passes device -1, which CUDA 13's location form rejects; both forms are called here."""
    import torch

    rt = _cudart()
    major = int(str(torch.version.cuda).split(".")[0])
    for t in tensors:
        ptr, size = ctypes.c_void_p(t.data_ptr()), ctypes.c_size_t(t.numel() * t.element_size())
        if major >= 13:
            rt.cudaMemPrefetchAsync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, _Location,
                                                ctypes.c_uint, ctypes.c_void_p]
            err = rt.cudaMemPrefetchAsync(ptr, size, _Location(2, 0), 0, None)
        else:
            rt.cudaMemPrefetchAsync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                                ctypes.c_void_p]
            err = rt.cudaMemPrefetchAsync(ptr, size, -1, None)
        if err:
            raise RuntimeError(f"cudaMemPrefetchAsync to the host failed (error {err})")
    torch.cuda.synchronize()


def _step(model: Any, opt: Any, x: Any) -> bool:
    """One optimizer step; whether any gradient was in managed memory."""
    loss = model(x).float().pow(2).mean()
    loss.backward()
    grads_paged = any(getattr(p.grad, "is_paged", False) or not p.grad.is_cuda
                      for p in model.parameters())
    opt.step()
    opt.zero_grad(set_to_none=True)
    return grads_paged


def measure(width: int = 2048, layers: int = 8, seed: int = 0) -> dict[str, Any]:
    """Paged vs unpaged AdamW on the same model: where each tensor lives, what the allocator,
    the driver and the host see after a step, after evicting the paged state, and after the
    next step; and how far the two optimizers' weights end apart."""
    import bitsandbytes as bnb
    import torch

    dev = torch.device("cuda")
    torch.manual_seed(seed)
    base = torch.nn.Sequential(*[torch.nn.Linear(width, width) for _ in range(layers)])
    x = torch.randn(16, width, generator=torch.Generator().manual_seed(seed + 1)).to(dev)
    # bitsandbytes loads its kernels and its managed buffers on first use: warm them up on a
    # throwaway layer so the readings below hold only this model's state
    warm = torch.nn.Linear(64, 64).to(dev)
    _step(warm, bnb.optim.PagedAdamW32bit(warm.parameters(), lr=1e-3), torch.ones(2, 64,
                                                                                  device=dev))
    _step(warm, bnb.optim.AdamW32bit(warm.parameters(), lr=1e-3), torch.ones(2, 64, device=dev))
    del warm

    out: dict[str, Any] = {"params": sum(p.numel() for p in base.parameters()),
                           "width": width, "layers": layers}
    runs = {}
    for name, cls in (("paged", bnb.optim.PagedAdamW32bit), ("unpaged", bnb.optim.AdamW32bit)):
        model = copy.deepcopy(base).to(dev)
        r0 = _reading()
        opt = cls(model.parameters(), lr=1e-3, weight_decay=0.0)
        grads_paged = _step(model, opt, x)
        r1 = _reading()
        run: dict[str, Any] = {"state_bytes": _state_bytes(opt), "grads_paged": grads_paged,
                               "weights_paged": any(getattr(p, "is_paged", False)
                                                    for p in model.parameters()),
                               "weights_on_cuda": all(p.is_cuda for p in model.parameters()),
                               "weight_bytes": sum(p.numel() * p.element_size()
                                                   for p in model.parameters()),
                               "after_step": _delta(r0, r1)}
        paged = _paged_tensors(opt)
        if paged:
            to_host(paged)
            r2 = _reading()
            run["after_evict"] = _delta(r1, r2)
            _step(model, opt, x)
            r3 = _reading()
            run["after_next_step"] = _delta(r2, r3)
        else:
            _step(model, opt, x)
        runs[name] = run
        runs[name]["weights"] = [p.detach().float().cpu() for p in model.parameters()]
        del opt, model
        torch.cuda.empty_cache()
    start = [p.detach().float() for p in base.parameters()]
    moved = max(float((a - b).abs().max()) for a, b in zip(runs["unpaged"]["weights"], start,
                                                           strict=True))
    diff = max(float((a - b).abs().max()) for a, b in zip(runs["paged"].pop("weights"),
                                                          runs["unpaged"].pop("weights"),
                                                          strict=True))
    out.update(runs=runs, max_weight_diff=diff, steps=2, max_weight_moved=moved)
    return out


def _delta(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """What changed between two readings: the card's memory taken (driver), the allocator's
    growth, and the host's resident growth; `outside_allocator` is the card memory taken that
    the caching allocator did not reserve (managed pages resident on the card)."""
    taken = a["free"] - b["free"]
    reserved = b["reserved"] - a["reserved"]
    return {"card_taken": taken, "allocated": b["allocated"] - a["allocated"],
            "reserved": reserved, "outside_allocator": taken - reserved,
            "host_rss": b["rss"] - a["rss"]}


if __name__ == "__main__":  # pragma: no cover - a probe for the GPU machine
    import json

    print(json.dumps(measure(), indent=1))
