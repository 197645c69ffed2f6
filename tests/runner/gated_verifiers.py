"""A GPU verifier that waits for the runner's GPU gate, for the lane's tests: it notes when it
prepares, when the device is its own and when it lets go, in a folder the test names."""

from __future__ import annotations

import os
import time
from pathlib import Path

from verifiers._base import Param, Requires, Verifier, result

# Its jobs wait for the gate (see kbcheck.runner._GpuLane).
WAITS_FOR_GPU_GATE = True


def _note(folder: Path, n: int, what: str) -> None:
    (folder / f"{n}-{what}").write_text(f"{time.time():.6f}")


def _gated(params):
    folder, n = Path(params["folder"]), params["n"]
    _note(folder, n, "prepared")
    gate = os.environ.get("KBCHECK_GPU_GATE")
    while gate and not os.path.exists(gate):
        time.sleep(0.01)
    _note(folder, n, "start")
    # hold the "device" until the next job has prepared (or a minute has passed), so that the
    # test sees whether preparing overlapped this job
    deadline = time.monotonic() + 60
    while not (folder / f"{n + 1}-prepared").exists() and params["last"] == 0 \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    _note(folder, n, "end")
    return result("supported", "held the gate", {"n": n})


GATED = Verifier(id="t.gated", version=1, title="waits for the GPU gate", run=_gated,
                 params=(Param("folder", str, ""), Param("n", int, 0, min=0, max=100),
                         Param("last", int, 0, min=0, max=1)),
                 requires=Requires(device="cuda"))
