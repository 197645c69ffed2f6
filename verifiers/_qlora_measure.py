"""One QLoRA fine-tuning measurement on a device: load, then real training steps, with the
allocator capped at a stated GPU size; on running out, what ran out is noted, the cap is lifted
and the same part is measured again, so the evidence always holds the true need.

Readings: peak allocated and peak reserved (the caching allocator), the process's memory as
the driver reports it, and the bytes of a paged optimizer's state (managed memory, which the
allocator does not see). Torch and friends are imported inside the functions.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from verifiers._presets import Preset
from verifiers._qlora_build import attach_lora, build_quantized_llama, trainable_count, weight_bytes

GIB = 1024**3
# 32-bit Adam keeps two fp32 states per trainable parameter.
ADAM32_STATE_BYTES = 8


def driver_reading(device: str) -> dict[str, int | None]:
    """The process's memory on the GPU from the driver (NVML), and the device's used total."""
    import torch

    if not device.startswith("cuda"):
        return {"driver_process": None, "device_used": None}
    free, total = torch.cuda.mem_get_info()
    process = None
    try:
        import os

        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(torch.cuda.current_device())
        for proc in pynvml.nvmlDeviceGetComputeRunningProcesses(handle):
            if proc.pid == os.getpid() and proc.usedGpuMemory is not None:
                process = int(proc.usedGpuMemory)
    except Exception:  # NVML missing or not allowed in a VM: the device total still says much
        process = None
    return {"driver_process": process, "device_used": int(total - free)}


def _allocator(device: str) -> dict[str, int]:
    import torch

    if not device.startswith("cuda"):
        return {"peak_allocated": 0, "peak_reserved": 0}
    return {"peak_allocated": int(torch.cuda.max_memory_allocated()),
            "peak_reserved": int(torch.cuda.max_memory_reserved())}


class Capped:
    """Runs parts under an allocator cap; on running out, notes what ran out, lifts the cap
    and runs the part again."""

    def __init__(self, device: str, cap_bytes: int | None, log: Callable[[str], None]) -> None:
        import torch

        self.device, self.cap, self.log = device, cap_bytes, log
        self.ran_out: dict[str, str] | None = None
        if cap_bytes is not None and device.startswith("cuda"):
            total = torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory
            torch.cuda.set_per_process_memory_fraction(min(1.0, cap_bytes / total))

    def lift(self) -> None:
        """Let the allocator use the whole device again."""
        import torch

        if self.device.startswith("cuda"):
            torch.cuda.set_per_process_memory_fraction(1.0)

    def __call__(self, label: str, make: Callable[[], Any]) -> Any:
        import torch

        try:
            return make()
        except torch.OutOfMemoryError as exc:
            if self.ran_out is not None or self.cap is None:
                raise
            self.ran_out = {"part": label, "message": str(exc).splitlines()[0][:300]}
            self.log(f"ran out under the cap at {label}; cap lifted, measuring the true need")
            gc.collect()
            torch.cuda.empty_cache()
            self.lift()
            return make()


def make_optimizer(name: str, params: list[Any], lr: float = 2e-4) -> Any:
    """The named optimizer: paged or plain 32-bit AdamW from bitsandbytes, or torch's AdamW."""
    import bitsandbytes as bnb
    import torch

    if name == "paged_adamw_32bit":
        return bnb.optim.PagedAdamW32bit(params, lr=lr, weight_decay=0.0)
    if name == "adamw_32bit":
        return bnb.optim.AdamW32bit(params, lr=lr, weight_decay=0.0)
    if name == "paged_adamw_8bit":
        return bnb.optim.PagedAdamW8bit(params, lr=lr, weight_decay=0.0)
    if name == "adamw_8bit":
        return bnb.optim.AdamW8bit(params, lr=lr, weight_decay=0.0)
    if name == "torch_adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    raise ValueError(f"unknown optimizer {name!r}")


def optimizer_state_bytes(opt: Any) -> dict[str, int]:
    """Bytes of optimizer state held in managed (paged) memory and on the allocator."""
    out = {"paged": 0, "device": 0}
    for state in opt.state.values():
        for value in state.values():
            if hasattr(value, "element_size") and value.dim() > 0:
                key = "paged" if getattr(value, "is_paged", False) else "device"
                out[key] += value.numel() * value.element_size()
    return out


def run_steps(model: Any, optimizer: str, guard: Capped, *, batch: int, seq: int, vocab: int,
              steps: int, device: str, log: Callable[[str], None]) -> dict[str, Any]:
    """`steps` training steps (forward, backward, optimizer step) with fresh peak statistics."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    if optimizer.startswith("paged") and device.startswith("cuda"):
        # Managed memory must never be asked for beyond what the GPU has free.
        need = sum(p.numel() for p in params) * ADAM32_STATE_BYTES
        free = torch.cuda.mem_get_info()[0]
        if need > 0.8 * free:
            return {"skipped": f"paged state {need / GIB:.1f} GiB > 80% of free {free / GIB:.1f}"}
    opt = make_optimizer(optimizer, params)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    g = torch.Generator().manual_seed(0)
    losses, seconds = [], []
    for i in range(steps):
        ids = torch.randint(0, vocab, (batch, seq), generator=g).to(device)

        def step(ids: Any = ids, opt: Any = opt) -> float:
            loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            return float(loss.detach())

        t0 = time.perf_counter()
        losses.append(guard(f"training step {i + 1} ({optimizer})", step))
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - t0)
        log(f"  step {i + 1}: loss {losses[-1]:.3f}, {seconds[-1]:.2f} s")
    out = {**_allocator(device), **driver_reading(device), "losses": losses,
           "step_seconds": seconds, "state_bytes": optimizer_state_bytes(opt)}
    del opt
    gc.collect()
    return out


def measure(p: Preset, *, device: str = "cuda", capacity_bytes: int | None = None, batch: int = 1,
            seq: int = 512, r: int = 64, alpha: float = 16.0, dropout: float = 0.05,
            double_quant: bool = True, steps: int = 3,
            optimizers: tuple[str, ...] = ("paged_adamw_32bit", "adamw_32bit"),
            log: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the preset as QLoRA, then train with each optimizer in turn: the first under the
    cap (the claim's configuration), the rest with the cap lifted (for comparison). The cap is
    the stated GPU's memory less what this process already holds outside the allocator (the
    CUDA context), so allocator and context together never exceed the stated GPU."""
    import torch

    t_start = time.perf_counter()
    if device.startswith("cuda"):
        torch.cuda.init()
        torch.zeros(1, device=device)
        torch.cuda.synchronize()
    context = driver_reading(device)
    cap_bytes = None
    if capacity_bytes is not None and device.startswith("cuda"):
        total = torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory
        if capacity_bytes < total:
            cap_bytes = capacity_bytes - (context["device_used"] or 0)
    guard = Capped(device, cap_bytes, log)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    model = build_quantized_llama(p, device, double_quant=double_quant, guard=guard)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    load_s = time.perf_counter() - t_start
    load = {**_allocator(device), **driver_reading(device), "seconds": load_s}
    log(f"{p.name}: loaded in {load_s:.1f} s, peak allocated {load['peak_allocated'] / GIB:.2f}"
        f" GiB")
    model = attach_lora(model, r=r, alpha=alpha, dropout=dropout)
    out: dict[str, Any] = {
        "preset": p.name, "context": context, "capacity_bytes": capacity_bytes,
        "cap_bytes": cap_bytes, "load": load,
        "weights": weight_bytes(model), "trainable_params": trainable_count(model), "runs": {},
    }
    for i, name in enumerate(optimizers):
        if i == 1:
            guard.lift()  # the comparison runs measure the need, not the fit
            if device.startswith("cuda"):
                torch.cuda.empty_cache()
        out["runs"][name] = run_steps(model, name, guard, batch=batch, seq=seq, vocab=p.vocab,
                                      steps=steps, device=device, log=log)
        if i == 0:
            out["ran_out"] = guard.ran_out
            out["end_to_end_s"] = time.perf_counter() - t_start
    guard.lift()
    return out
