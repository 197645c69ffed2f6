"""The environment a measurement was taken in: versions without importing, device when known."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

TRACKED_PACKAGES = ("torch", "peft", "transformers", "bitsandbytes", "safetensors")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that can change a measurement (None when absent).

    Reads distribution metadata only, so it costs no torch import.
    """
    out: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def has_package(import_name: str) -> bool:
    """Whether a package can be imported, judged without importing it."""
    import importlib.util

    return importlib.util.find_spec(import_name) is not None


def environment(device: str = "cpu") -> dict[str, Any]:
    """Versions, Python, platform, and the device's name (CUDA details only if torch is loaded)."""
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": package_versions(),
        "device": device,
    }
    torch = sys.modules.get("torch")
    if torch is not None and device.startswith("cuda") and torch.cuda.is_available():
        idx = torch.cuda.current_device()
        env["device_name"] = torch.cuda.get_device_name(idx)
        env["cuda"] = torch.version.cuda
        props = torch.cuda.get_device_properties(idx)
        env["device_memory_bytes"] = int(props.total_memory)
        try:
            import subprocess

            env["driver"] = subprocess.run(
                ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=10,
            ).stdout.strip().splitlines()[0]
        except Exception:
            env["driver"] = None
    elif torch is not None:
        env["device_name"] = platform.processor() or platform.machine()
        env["torch_threads"] = torch.get_num_threads()
    return env
