"""Small real verifiers for the claims, pairing and runner tests (not the project's library).

Each computes something real or fails in one specific way: a crash, a hard process death, a
hang, a memory hog. `registry()` returns them by id, as the runner and pairing expect.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from verifiers._base import Param, Requires, Verifier, result


def _lora_reduction(params):
    """Count full and LoRA trainable parameters with real tensors; compare with the claim."""
    import torch

    d, k, r = params["d"], params["k"] or params["d"], params["r"]
    # Meta tensors: the counts are real, nothing of size d*k is allocated.
    full = torch.empty(d, k, device="meta").numel()
    lora = torch.empty(r, k, device="meta").numel() + torch.empty(d, r, device="meta").numel()
    reduction = 100.0 * (1 - lora / full)
    measured = {"full": full, "lora": lora, "reduction_pct": round(reduction, 3)}
    stated = params["pct"]
    if stated is None:
        return result("supported", f"LoRA trains {lora} of {full} parameters", measured)
    ok = abs(reduction - stated) <= params["tolerance"]
    return result("supported" if ok else "refuted",
                  f"measured {reduction:.2f}% reduction, claim says {stated}%", measured,
                  {"reduction_pct": stated})


REDUCTION = Verifier(
    id="t.reduction", version=1, title="LoRA parameter reduction (test)", run=_lora_reduction,
    params=(Param("d", int, 4096, min=1, max=1 << 20), Param("k", int, None, min=1, max=1 << 20),
            Param("r", int, 8, min=1, max=4096), Param("pct", float, None, min=0, max=100),
            Param("tolerance", float, 0.1, min=0, max=100)),
    claims=(("lora", "trainable_params"), ("lora", "param_formula")),
    to_params=lambda f: {**{k: f.conditions[k] for k in ("d", "k", "r") if k in f.conditions},
                         **({"pct": f.first("pct").value} if f.first("pct") else {})},
)


def _merge(params):
    """Merge a random LoRA update into a linear layer and compare outputs (real torch)."""
    import torch

    w = torch.randn(16, 16)
    a, b = torch.randn(4, 16), torch.randn(16, 4)
    x = torch.randn(3, 16)
    unmerged = x @ w.T + (x @ a.T) @ b.T
    merged = x @ (w + b @ a).T
    err = float((unmerged - merged).abs().max())
    verdict = "conditional" if params["claim"] == "no_latency" else "supported"
    return result(verdict, f"merged and unmerged outputs differ by {err:.2e}", {"max_abs_err": err})


MERGE = Verifier(
    id="t.merge", version=1, title="merging (test)", run=_merge,
    params=(Param("claim", str, "mergeable", choices=("mergeable", "no_latency")),),
    claims=(("lora", "no_added_latency"), ("lora", "mergeable")),
    to_params=lambda f: {"claim": "no_latency" if f.predicate == "no_added_latency"
                         else "mergeable"},
)


def _crash(params):
    raise RuntimeError("deliberate failure inside the verifier")


def _abort(params):
    os.abort()  # the whole worker process dies, as with a segfault


def _hang(params):
    time.sleep(3600)


def _hog(params):
    import torch

    hoard = []
    for _ in range(params["chunks"]):  # 64 MiB at a time, touched, until the limit stops it
        hoard.append(torch.ones(16 << 20))
    return result("supported", f"held {len(hoard) * 64} MiB")


def _count(params):
    with Path(params["counter"]).open("a") as fh:
        fh.write(f"{os.getpid()}\n")
    import torch

    return result("supported", "counted", {"value": float(torch.rand(1))})


def _gpu(params):
    """A matrix product on the GPU when there is one (the CPU tests fake --device cuda)."""
    import torch

    if not torch.cuda.is_available():
        return result("supported", "no CUDA device here; nothing measured", {"cuda": False})
    x = torch.randn(1024, 1024, device="cuda")
    value = float((x @ x).sum())
    return result("supported", "ran a matrix product on the GPU",
                  {"cuda": True, "sum": value, "peak_bytes": torch.cuda.max_memory_allocated()})


def _gpu_estimate(params):
    return result("supported", "analytic CPU estimate", {"estimate_gb": 41.0})


CRASH = Verifier(id="t.crash", version=1, title="raises", run=_crash)
ABORT = Verifier(id="t.abort", version=1, title="kills its process", run=_abort)
HANG = Verifier(id="t.hang", version=1, title="never returns", run=_hang, timeout_s=2)
HOG = Verifier(id="t.hog", version=1, title="allocates without end", run=_hog,
               params=(Param("chunks", int, 1024, min=1, max=4096),))
COUNT = Verifier(id="t.count", version=1, title="counts its runs", run=_count,
                 params=(Param("counter", str, ""), Param("n", int, 0, min=0, max=100)))
GPU = Verifier(id="t.gpu", version=3, title="needs CUDA", run=_gpu,
               params=(Param("size_b", float, 65, min=0.1, max=1000),),
               requires=Requires(device="cuda"))
GPU_FALLBACK = Verifier(id="t.gpu_fb", version=1, title="needs CUDA, has an estimate", run=_gpu,
                        requires=Requires(device="cuda"), fallback=_gpu_estimate)
GPU_UNDECIDED = Verifier(
    id="t.gpu_undecided", version=1, title="needs CUDA, its estimate cannot decide", run=_gpu,
    requires=Requires(device="cuda"),
    fallback=lambda params: result("skipped", "the estimate is too close to call", {"gb": 47.9}))
NO_PACKAGE = Verifier(id="t.nopkg", version=1, title="needs a missing package", run=_gpu,
                      requires=Requires(packages=("kbcheck_no_such_package",)))



def _timed(params):
    """Time a real matrix product on the requested device (the CPU here)."""
    import time as clock

    import torch

    a = torch.randn(params["n"], params["n"])
    t0 = clock.perf_counter()
    (a @ a).sum().item()
    return result("supported", f"ran on {params['device']}",
                  {"seconds": clock.perf_counter() - t0})


TIMED = Verifier(id="t.timed", version=2, title="times a product on a device", run=_timed,
                 params=(Param("device", str, default="cpu", choices=("cpu", "cuda")),
                         Param("n", int, default=4, min=1, max=64)))

ALL = (TIMED, REDUCTION, MERGE, CRASH, ABORT, HANG, HOG, COUNT, GPU, GPU_FALLBACK, GPU_UNDECIDED,
       NO_PACKAGE)


def registry(*verifiers: Verifier) -> dict[str, Verifier]:
    """The given test verifiers (all by default) by id."""
    return {v.id: v for v in (verifiers or ALL)}


def _spawn(params):
    """Start a long-lived child process, say its pid, then hang (the runner's timeout hits)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    Path(params["pidfile"]).write_text(str(child.pid))
    time.sleep(3600)


def _nap(params):
    """Note that it started, then sleep (for interrupting a run part-way)."""
    with Path(params["counter"]).open("a") as fh:
        fh.write(f"{params['n']}\n")
    time.sleep(params["seconds"])
    return result("supported", "slept")


# Not in ALL: only the process tests use these.
SPAWN = Verifier(id="t.spawn", version=1, title="leaves a child behind", run=_spawn,
                 params=(Param("pidfile", str, ""),), timeout_s=3)
NAP = Verifier(id="t.nap", version=1, title="sleeps", run=_nap,
               params=(Param("counter", str, ""), Param("n", int, 0, min=0, max=1000),
                       Param("seconds", float, 1.0, min=0, max=60)))
SHAPELESS = Verifier(id="t.shapeless", version=1, title="returns measured as text",
                     run=lambda params: {"verdict": "supported", "explanation": "x",
                                         "measured": "x"})
