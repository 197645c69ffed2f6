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

Each configuration runs in a fresh process (`Prepared`, `measure_fresh`) so that no reading
counts what a previous one left (cached blocks, managed buffers that bitsandbytes never frees).
The process imports and declares the model while the one before it still measures, and touches
the GPU only once that one has ended (and, under kbcheck's runner, once the job before has).
`measure_configs` can also measure several configurations on one load; the verifier does not:
on an H200 (2026-12-01) the second configuration's reserved peak then moved by 33 MiB, and
loading takes only about 1.5 s once the model is declared. Torch and friends are imported
inside the functions.
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
from verifiers._qlora_build import (
    attach_lora,
    build_quantized_llama,
    declare_llama,
    detach_lora,
    trainable_count,
    weight_bytes,
)

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
        self.device, self.limit, self.filler, self.filler_bytes = device, limit_bytes, None, 0
        self.context_bytes = context_bytes
        self.fill()

    def fill(self) -> None:
        """Fill the device (again, after `lift`) so that `limit_bytes` of it remain, counted
        from an empty card: whatever this process holds already is inside the limit."""
        import torch

        if self.filler is not None or self.limit is None or not self.device.startswith("cuda"):
            return
        total = torch.cuda.mem_get_info()[1]
        if self.limit >= total:
            return
        before = torch.cuda.memory_allocated()
        self.filler = torch.empty(total - self.limit, dtype=torch.uint8, device=self.device)
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


def measure(p: Preset, *, lora_dtype: str = "bf16", optimizer: str = "paged_adamw_32bit",
            **kw: Any) -> dict[str, Any]:
    """Load the preset as QLoRA under a true limit, attach LoRA and train one configuration
    (keywords: those of `measure_configs`)."""
    return measure_configs(p, {"one": {"lora_dtype": lora_dtype, "optimizer": optimizer}},
                           **kw)["one"]


def _rng_state(device: str) -> tuple[Any, Any]:
    import torch

    return torch.get_rng_state(), (torch.cuda.get_rng_state() if device.startswith("cuda")
                                   else None)


def _set_rng_state(state: tuple[Any, Any]) -> None:
    import torch

    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state(state[1])


def measure_configs(p: Preset, configs: dict[str, dict[str, str]], *, device: str = "cuda",
                    limit_bytes: int | None = None, batch: int = 1, seq: int = 512, r: int = 64,
                    alpha: float = 16.0, dropout: float = 0.05, double_quant: bool = True,
                    steps: int = 3, load_owner: str | None = None, declared: Any = None,
                    log: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """Load the preset as QLoRA once under a true limit, then measure each configuration
    (LoRA dtype and optimizer, by name, in the order given) on that one base.

    Loading does not depend on the configuration, so each configuration's measurement is the
    one a fresh process would take, provided that each starts from what a fresh process has
    after loading: the same base, the same random state (saved after loading and restored) and
    the same allocator state. The last holds because everything a configuration allocated is
    freed before the next (adapters, gradients, optimizer state; freed blocks coalesce back
    into the segments loading left, and empty segments go back to the driver) and the device
    is filled again to the same limit. Two things a configuration can leave are not freed, and
    the order keeps them out of the others' readings: managed memory that bitsandbytes' paged
    optimizers never free (so a paged optimizer goes last), and the kernels the device loaded
    for it, a few MiB outside the allocator that a later configuration can only have less room
    for, never more (`carried_bytes` in its result). Running out while loading is one result,
    named `load_owner` (the first configuration unless given)."""
    import torch

    t_start = time.perf_counter()
    if device.startswith("cuda"):
        torch.cuda.init()
        torch.zeros(1, device=device)
        torch.cuda.synchronize()
    context = driver_reading(device)
    limit = TrueLimit(device, limit_bytes, context["device_used"] or 0)
    mark("cuda context made, device filled")
    limit.reset()
    part = ["model"]

    def guard(label: str, make: Callable[[], Any]) -> Any:
        part[0] = label
        return make()

    def base(cfg: dict[str, str]) -> dict[str, Any]:
        return {"preset": p.name, "context": context, "limit_bytes": limit_bytes,
                "filler_bytes": limit.filler_bytes, "lora_dtype": cfg["lora_dtype"],
                "optimizer": cfg["optimizer"], "ran_out": None, "load": None, "step": None}

    try:
        model = build_quantized_llama(p, device, double_quant=double_quant, guard=guard,
                                      declared=declared)
    except Exception as exc:
        if not (_oom(exc) and limit.active):
            raise
        owner = load_owner or next(iter(configs))
        out = base(configs[owner])
        out["ran_out"] = {"part": f"loading: {part[0]}",
                          "message": str(exc).splitlines()[0][:300]}
        out["load"] = {**limit.peaks(), **driver_reading(device),
                       "seconds": time.perf_counter() - t_start}
        out["end_to_end_s"] = time.perf_counter() - t_start
        log(f"{p.name}: ran out while loading at {part[0]}")
        mark("ran out while loading")
        return {owner: out}
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    load = {**limit.peaks(), **driver_reading(device), "seconds": time.perf_counter() - t_start}
    mark("loaded")
    log(f"{p.name}: loaded in {load['seconds']:.1f} s, peak allocated "
        f"{load['peak_allocated'] / GIB:.2f} GiB")
    after_load = _rng_state(device)
    outside = _outside_allocator(device)  # what the device holds beyond the allocator now
    results: dict[str, dict[str, Any]] = {}
    for i, (name, cfg) in enumerate(configs.items()):
        t_cfg = time.perf_counter()
        if i:
            _set_rng_state(after_load)
            limit.fill()
            limit.reset()
        out = base(cfg)
        out["load"] = dict(load)
        if i:
            out["load"]["shared_with"] = next(iter(configs))
            carried = _outside_allocator(device) - outside
            out["carried_bytes"] = carried
            limit.context_bytes = (context["device_used"] or 0) + carried
        try:
            model = attach_lora(model, r=r, alpha=alpha, dropout=dropout, **_dtype(cfg))
        except Exception as exc:
            if not (_oom(exc) and limit.active):
                raise
            out["ran_out"] = {"part": "attaching LoRA", "message": str(exc).splitlines()[0][:300]}
            out["end_to_end_s"] = load["seconds"] + time.perf_counter() - t_cfg
            results[name] = out
            return results  # a half-attached model is not measured again: the caller decides
        mark(f"{name}: LoRA attached")
        out["weights"], out["trainable_params"] = weight_bytes(model), trainable_count(model)
        step = train(model, cfg["optimizer"], limit, batch=batch, seq=seq, vocab=p.vocab,
                     steps=steps, device=device, log=log)
        out["ran_out"] = step.pop("ran_out")
        out["step"] = step
        out["end_to_end_s"] = load["seconds"] + time.perf_counter() - t_cfg
        results[name] = out
        mark(f"{name}: trained")
        limit.lift()
        if i + 1 < len(configs):
            model = detach_lora(model)
            gc.collect()
            if device.startswith("cuda"):
                torch.cuda.synchronize()
                torch.cuda.empty_cache()
    return results


def _dtype(cfg: dict[str, str]) -> dict[str, str]:
    return {"lora_dtype": cfg["lora_dtype"]}


def _outside_allocator(device: str) -> int:
    """Bytes the device holds beyond this process's allocator (the context, loaded kernels,
    managed pages), read with the device otherwise idle."""
    import torch

    if not device.startswith("cuda"):
        return 0
    torch.cuda.synchronize()
    free, total = torch.cuda.mem_get_info()
    return int(total - free - torch.cuda.memory_reserved())


# Run by `python -I -c` in a fresh process: the import path is the parent's, nothing else.
_BOOT = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
         "from verifiers._qlora_measure import child; child(sys.argv[2])")
# The runner names a file here that appears once this job may use the GPU (the job before it
# has ended, its processes with it); until then a job prepares what does not touch the device.
GPU_GATE_ENV = "KBCHECK_GPU_GATE"
# A file to which each step's wall-clock time is appended (for a timeline of a run), if set.
TIMELINE_ENV = "KBCHECK_TIMELINE"


def mark(event: str) -> None:
    """Append `event` with the wall-clock time and this process's id to the timeline file."""
    path = os.environ.get(TIMELINE_ENV)
    if path:
        with open(path, "a") as fh:
            fh.write(f"{time.time():.3f} {os.getpid()} {event}\n")


def wait_for_gpu(poll_s: float = 0.02) -> None:
    """Return once the GPU is this job's (the gate, when one is named) and what the process
    before left on it is gone (`device_settled`)."""
    gate = os.environ.get(GPU_GATE_ENV)
    while gate and not os.path.exists(gate):
        time.sleep(poll_s)
    device_settled()


def device_settled(poll_s: float = 0.05, still_s: float = 0.5, cap_s: float = 10.0) -> float:
    """Wait until the driver has released what ended processes held: no process that has ended
    is still listed on the device, and its memory in use has not changed for `still_s` (at most
    `cap_s`); read through NVML, which makes no CUDA context. Seconds waited (0 without NVML).

    A process that used managed memory (a paged optimizer) is reaped before the driver has
    freed all of it: on an H200 a process started at once found 46 MiB still in use, which a
    true limit would have counted against it. Live processes on the device (another job of the
    run) do not hold the wait up: only the memory of ended ones is waited for."""
    t0 = time.monotonic()
    try:
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        first = used = None
        since = t0
        while time.monotonic() - t0 < cap_s:
            now = int(pynvml.nvmlDeviceGetMemoryInfo(handle).used)
            first = now if first is None else first
            ended = [p.pid for p in pynvml.nvmlDeviceGetComputeRunningProcesses(handle)
                     if not _alive(p.pid)]
            if ended or now != used:
                used, since = now, time.monotonic()
            elif time.monotonic() - since >= still_s:
                break
            time.sleep(poll_s)
    except Exception:  # no NVML here (or not allowed in a VM): nothing to wait for
        return 0.0
    waited = time.monotonic() - t0
    mark(f"device settled after {waited:.2f} s (in use {(first or 0) / 2**20:.0f} MiB, then "
         f"{(used or 0) / 2**20:.0f} MiB)")
    return waited


def _alive(pid: int) -> bool:
    """Whether a process of this id still exists (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def child(arg: str) -> None:
    """A fresh process's measurement: arguments as JSON in; what touches no GPU (imports, the
    model declared on the meta device) is done first, then `READY` is written and the process
    waits for a line on stdin before it touches the device; then one `RESULT` line of JSON out
    (the measurement of each configuration, by name)."""
    mark("measurement process started")
    import torch  # noqa: F401  (imported before the device is ours, and timed apart)

    mark("imported torch")
    import bitsandbytes  # noqa: F401
    import peft  # noqa: F401

    from verifiers._env import environment
    from verifiers._presets import PRESETS

    mark("imported bitsandbytes, peft, transformers")
    kw = json.loads(arg)
    p = PRESETS[kw.pop("preset")]
    declared = declare_llama(p)
    mark(f"{p.name}: ready (imports, model declared)")
    print("READY", flush=True)
    if not sys.stdin.readline():
        return  # the parent went away: nothing to measure for
    mark(f"{p.name}: go")
    res = measure_configs(p, declared=declared,
                          log=lambda s: print(s, file=sys.stderr, flush=True), **kw)
    env = environment(kw.get("device", "cuda"))  # where it ran, by name
    for one in res.values():
        one["environment"] = env
    print("RESULT " + json.dumps(res, default=str), flush=True)
    mark("result sent")


class Prepared:
    """A fresh measurement process, started at once: it imports and declares the model, then
    waits for `run` to let it touch the device."""

    def __init__(self, preset: str, configs: dict[str, dict[str, str]], **kw: Any) -> None:
        args = json.dumps({"preset": preset, "configs": configs, **kw})
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, json.dumps(sys.path), args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, *, timeout_s: float = 540.0,
            log: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
        """Wait until the process is ready and the GPU is this job's, let it measure, and return
        each configuration's measurement (RuntimeError when the process fails)."""
        assert self.proc.stdout is not None and self.proc.stdin is not None
        ready = self.proc.stdout.readline()
        if ready.strip() == "READY":
            wait_for_gpu()
            try:
                self.proc.stdin.write("go\n")
                self.proc.stdin.flush()
            except OSError:
                pass  # it died: its exit code and stderr say why
        try:
            out, err = self.proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        mark(f"measurement process {self.proc.pid} gone")
        for line in err.splitlines()[-12:]:
            log(line)
        lines = [x for x in out.splitlines() if x.startswith("RESULT ")]
        if self.proc.returncode != 0 or not lines:
            raise RuntimeError(f"measurement process failed (exit {self.proc.returncode}): "
                               f"{err.strip()[-600:]}")
        return json.loads(lines[-1][len("RESULT "):])

    def close(self) -> None:
        """End the process if it still runs."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def measure_fresh(preset: str, configs: dict[str, dict[str, str]], *, timeout_s: float = 540.0,
                  log: Callable[[str], None] = print, **kw: Any) -> dict[str, dict[str, Any]]:
    """`measure_configs` of a named preset in a fresh Python process (isolated: no current
    folder), once the GPU is this job's."""
    prepared = Prepared(preset, configs, **kw)
    try:
        return prepared.run(timeout_s=timeout_s, log=log)
    finally:
        prepared.close()
