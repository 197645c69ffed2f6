"""One QLoRA fine-tuning measurement of one configuration under a true device limit.

The limit is made real before anything is loaded: the device is filled so that only the
claim's GPU size remains (`TrueLimit`). What then runs out is what would run out on that GPU:
the caching allocator, the CUDA context, cuBLAS workspaces and managed memory all share it.
The model is loaded, LoRA attached in the configuration's dtype, and real training steps run
with the configuration's optimizer. Running out while loading ends the measurement; running
out in a step frees the filler and runs the step again, so the evidence holds the true need.

A paged optimizer keeps its state in managed memory. That is never asked for beyond what the
card has free (a program that oversubscribes managed memory can hang the GPU): when the state
would not fit beside the model under the limit, the filler is freed first and the run says so
(`paging_blocked`); the state then could only live in host memory at the stated size. When the
state was allowed but moved to host memory during the steps (`paged_out_bytes`), the same
steps are timed again without the limit, for the slowdown paging costs.

Each configuration runs in a fresh process (`measure_fresh`) so that no reading counts what a
previous one left (cached blocks, managed buffers that bitsandbytes never frees). Torch and
friends are imported inside the functions.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from verifiers._presets import Preset
from verifiers._qlora_build import attach_lora, build_quantized_llama, trainable_count, weight_bytes

GIB = 1024**3
# 32-bit Adam keeps two fp32 states per trainable parameter.
ADAM32_STATE_BYTES = 8
# Managed memory asked for must leave this much of the card free.
MANAGED_HEADROOM = 256 * 1024**2
# Below this, state that left the device is noise (bitsandbytes' own buffers).
PAGED_OUT_MIN = 64 * 1024**2
OPTIMIZER_NAMES = {
    "paged_adamw_32bit": "bitsandbytes PagedAdamW32bit",
    "adamw_32bit": "bitsandbytes AdamW32bit",
    "paged_adamw_8bit": "bitsandbytes PagedAdamW8bit",
    "adamw_8bit": "bitsandbytes AdamW8bit",
    "torch_adamw": "torch AdamW (foreach)",
}


def driver_reading(device: str) -> dict[str, int | None]:
    """The process's memory on the GPU from the driver (NVML), and the device's used total."""
    import torch

    if not device.startswith("cuda"):
        return {"driver_process": None, "device_used": None}
    free, total = torch.cuda.mem_get_info()
    process = None
    try:
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(torch.cuda.current_device())
        for proc in pynvml.nvmlDeviceGetComputeRunningProcesses(handle):
            if proc.pid == os.getpid() and proc.usedGpuMemory is not None:
                process = int(proc.usedGpuMemory)
    except Exception:  # NVML missing or not allowed in a VM: the device total still says much
        process = None
    return {"driver_process": process, "device_used": int(total - free)}


class TrueLimit:
    """Fills the device so that only `limit_bytes` of it remain, counted from an empty card:
    what this process holds already (the CUDA context) is inside the limit. Peaks are read
    without the filler."""

    def __init__(self, device: str, limit_bytes: int | None, context_bytes: int = 0) -> None:
        import torch

        self.device, self.limit, self.filler, self.filler_bytes = device, limit_bytes, None, 0
        self.context_bytes = context_bytes
        if limit_bytes is None or not device.startswith("cuda"):
            return
        total = torch.cuda.mem_get_info()[1]
        if limit_bytes >= total:
            return
        before = torch.cuda.memory_allocated()
        self.filler = torch.empty(total - limit_bytes, dtype=torch.uint8, device=device)
        self.filler_bytes = torch.cuda.memory_allocated() - before

    @property
    def active(self) -> bool:
        """Whether the device is still filled."""
        return self.filler is not None

    def lift(self) -> None:
        """Free the filler: the whole device again."""
        import torch

        if self.filler is not None:
            self.filler, self.filler_bytes = None, 0
            gc.collect()
            torch.cuda.empty_cache()

    def free_bytes(self) -> int:
        """What the card has free now."""
        import torch

        return int(torch.cuda.mem_get_info()[0]) if self.device.startswith("cuda") else 1 << 62

    def peaks(self) -> dict[str, int]:
        """Peak allocated and reserved since the last reset, without the filler (a reset
        while filled is read while still filled)."""
        import torch

        if not self.device.startswith("cuda"):
            return {"peak_allocated": 0, "peak_reserved": 0}
        return {"peak_allocated": int(torch.cuda.max_memory_allocated()) - self.filler_bytes,
                "peak_reserved": int(torch.cuda.max_memory_reserved()) - self.filler_bytes}

    def reset(self) -> None:
        """Fresh peak statistics (the filler stays counted, and is taken off in `peaks`)."""
        import torch

        if self.device.startswith("cuda"):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()


def _oom(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()


def make_optimizer(name: str, params: list[Any], lr: float = 2e-4) -> Any:
    """The named optimizer: bitsandbytes' paged or plain AdamW, or torch's AdamW (foreach,
    its default on CUDA, as the transformers Trainer uses it)."""
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


def _steps(model: Any, opt: Any, n: int, *, batch: int, seq: int, vocab: int, device: str,
           log: Callable[[str], None], first: int = 0) -> tuple[list[float], list[float]]:
    import torch

    g = torch.Generator().manual_seed(first)
    losses, seconds = [], []
    for i in range(n):
        ids = torch.randint(0, vocab, (batch, seq), generator=g).to(device)
        t0 = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - t0)
        log(f"  step {first + i + 1}: loss {losses[-1]:.3f}, {seconds[-1]:.2f} s")
    return losses, seconds


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2]


def train(model: Any, optimizer: str, limit: TrueLimit, *, batch: int, seq: int, vocab: int,
          steps: int, device: str, log: Callable[[str], None]) -> dict[str, Any]:
    """`steps` training steps under the limit, with fresh peak statistics."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    out: dict[str, Any] = {"optimizer": optimizer, "ran_out": None, "paging_blocked": None,
                           "paged_out_bytes": 0, "unlimited_step_seconds": None}
    if optimizer.startswith("paged") and device.startswith("cuda"):
        need = sum(p.numel() for p in params) * ADAM32_STATE_BYTES
        free = limit.free_bytes()
        if need > free - MANAGED_HEADROOM:
            out["paging_blocked"] = {"state_bytes": need, "free_bytes": free}
            log(f"paged state {need / GIB:.2f} GiB > free {free / GIB:.2f} GiB: limit lifted")
            limit.lift()
    opt = make_optimizer(optimizer, params)
    limit.reset()
    try:
        losses, seconds = _steps(model, opt, steps, batch=batch, seq=seq, vocab=vocab,
                                 device=device, log=log)
    except Exception as exc:
        if not (_oom(exc) and limit.active):
            raise
        out["ran_out"] = {"part": f"training step ({optimizer})",
                          "message": str(exc).splitlines()[0][:300]}
    if out["ran_out"] is not None:
        # outside the handler: the failed step's frames (and activations) are gone
        log("ran out in a step under the limit; limit lifted, measuring the true need")
        for param in params:
            param.grad = None
        del opt
        limit.lift()
        opt = make_optimizer(optimizer, params)
        limit.reset()
        losses, seconds = _steps(model, opt, steps, batch=batch, seq=seq, vocab=vocab,
                                 device=device, log=log)
    out.update(limit.peaks(), **driver_reading(device), losses=losses, step_seconds=seconds,
               state_bytes=optimizer_state_bytes(opt))
    if device.startswith("cuda") and out["state_bytes"]["paged"]:
        # on the device: the context, the allocator's segments (filler included) and the
        # managed pages resident there; what is missing of the state lives in host memory
        resident = out["device_used"] - torch.cuda.memory_reserved() - limit.context_bytes
        gone = max(0, out["state_bytes"]["paged"] - max(0, resident))
        out["paged_out_bytes"] = gone if gone > PAGED_OUT_MIN else 0
        if out["paged_out_bytes"] and limit.active:
            limit.lift()
            again = _steps(model, opt, steps, batch=batch, seq=seq, vocab=vocab,
                           device=device, log=log, first=steps)[1]
            out["unlimited_step_seconds"] = again
            out["paging_slowdown"] = _median(seconds[1:] or seconds) / _median(again)
    del opt
    gc.collect()
    return out


def measure(p: Preset, *, device: str = "cuda", limit_bytes: int | None = None,
            lora_dtype: str = "bf16", optimizer: str = "paged_adamw_32bit", batch: int = 1,
            seq: int = 512, r: int = 64, alpha: float = 16.0, dropout: float = 0.05,
            double_quant: bool = True, steps: int = 3,
            log: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the preset as QLoRA under a true limit, attach LoRA and train one configuration."""
    import torch

    t_start = time.perf_counter()
    if device.startswith("cuda"):
        torch.cuda.init()
        torch.zeros(1, device=device)
        torch.cuda.synchronize()
    context = driver_reading(device)
    limit = TrueLimit(device, limit_bytes, context["device_used"] or 0)
    out: dict[str, Any] = {
        "preset": p.name, "context": context, "limit_bytes": limit_bytes,
        "filler_bytes": limit.filler_bytes, "lora_dtype": lora_dtype, "optimizer": optimizer,
        "ran_out": None, "load": None, "step": None,
    }
    limit.reset()
    part = ["model"]

    def guard(label: str, make: Callable[[], Any]) -> Any:
        part[0] = label
        return make()

    try:
        model = build_quantized_llama(p, device, double_quant=double_quant, guard=guard)
    except Exception as exc:
        if not (_oom(exc) and limit.active):
            raise
        out["ran_out"] = {"part": f"loading: {part[0]}",
                          "message": str(exc).splitlines()[0][:300]}
        out["load"] = {**limit.peaks(), **driver_reading(device),
                       "seconds": time.perf_counter() - t_start}
        out["end_to_end_s"] = time.perf_counter() - t_start
        log(f"{p.name}: ran out while loading at {part[0]}")
        return out
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    out["load"] = {**limit.peaks(), **driver_reading(device),
                   "seconds": time.perf_counter() - t_start}
    log(f"{p.name}: loaded in {out['load']['seconds']:.1f} s, peak allocated "
        f"{out['load']['peak_allocated'] / GIB:.2f} GiB")
    try:
        model = attach_lora(model, r=r, alpha=alpha, dropout=dropout, lora_dtype=lora_dtype)
    except Exception as exc:
        if not (_oom(exc) and limit.active):
            raise
        out["ran_out"] = {"part": "attaching LoRA", "message": str(exc).splitlines()[0][:300]}
        out["end_to_end_s"] = time.perf_counter() - t_start
        return out
    out["weights"], out["trainable_params"] = weight_bytes(model), trainable_count(model)
    step = train(model, optimizer, limit, batch=batch, seq=seq, vocab=p.vocab, steps=steps,
                 device=device, log=log)
    out["ran_out"] = step.pop("ran_out")
    out["step"] = step
    out["end_to_end_s"] = time.perf_counter() - t_start
    limit.lift()
    return out


# Run by `python -I -c` in a fresh process: the import path is the parent's, nothing else.
_BOOT = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
         "from verifiers._qlora_measure import child; child(sys.argv[2])")


def child(arg: str) -> None:
    """A fresh process's measurement: arguments as JSON in, one `RESULT` line of JSON out."""
    from verifiers._env import environment
    from verifiers._presets import PRESETS

    kw = json.loads(arg)
    p = PRESETS[kw.pop("preset")]
    res = measure(p, log=lambda s: print(s, file=sys.stderr, flush=True), **kw)
    res["environment"] = environment(kw.get("device", "cuda"))  # where it ran, by name
    print("RESULT " + json.dumps(res, default=str), flush=True)


def measure_fresh(preset: str, *, timeout_s: float = 540.0,
                  log: Callable[[str], None] = print, **kw: Any) -> dict[str, Any]:
    """`measure` of a named preset in a fresh Python process (isolated: no current folder)."""
    args = json.dumps({"preset": preset, **kw})
    proc = subprocess.run([sys.executable, "-I", "-c", _BOOT, json.dumps(sys.path), args],
                          capture_output=True, text=True, timeout=timeout_s)
    for line in proc.stderr.splitlines()[-12:]:
        log(line)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"measurement process failed (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-600:]}")
    return json.loads(lines[-1][len("RESULT "):])
