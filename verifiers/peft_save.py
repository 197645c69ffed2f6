"""What `save_pretrained` on a PEFT model writes: the adapter, not the base model.

Measured through the installed PEFT: a tiny random Llama (built from a `LlamaConfig`, no
download) is wrapped with a LoRA adapter and saved with `PeftModel.save_pretrained` into a
temporary folder. Every file written is listed with its size, and every tensor in the weight
file is read back by name: the claim "only the adapter is saved" holds when no tensor of the
base model is among them (only `lora_A` / `lora_B`), and the weight file is a small fraction
of the base model's own bytes.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

PARAMS = (
    Param("claim", str, default="adapter_only", choices=("adapter_only",),
          help="adapter_only: save_pretrained writes the adapter's tensors and config, no "
               "tensor of the base model"),
    Param("r", int, default=8, min=1, max=64, help="LoRA rank of the adapter saved"),
)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A `saves_adapter_only` frame: what PEFT's save_pretrained writes (a sentence saying it
    writes the base model too is that claim denied)."""
    if frame.predicate != "saves_adapter_only":
        return f"no claim of this verifier is read from '{frame.predicate}'"
    return {"claim": "adapter_only"}


def _saved(r: int) -> dict[str, Any]:
    import os
    import tempfile

    from safetensors import safe_open

    from verifiers._tiny import peft_lora, tiny_llama

    base = tiny_llama()
    base_bytes = sum(t.numel() * t.element_size() for t in base.state_dict().values())
    base_names = set(base.state_dict())
    model = peft_lora(base, r=r, alpha=2 * r)
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        files = {name: os.path.getsize(os.path.join(folder, name))
                 for name in sorted(os.listdir(folder))}
        weights = [n for n in files if n.endswith((".safetensors", ".bin"))]
        tensors: list[str] = []
        for name in weights:
            if name.endswith(".safetensors"):
                with safe_open(os.path.join(folder, name), framework="pt") as f:
                    tensors += list(f.keys())
    lora = [t for t in tensors if "lora_" in t]
    # a saved name is the base's when, less PEFT's prefix, it is a base tensor's name
    stripped = {t.removeprefix("base_model.model.") for t in tensors}
    from_base = sorted(stripped & base_names)
    return {"files": files, "tensors": len(tensors), "lora_tensors": len(lora),
            "base_tensors_saved": from_base[:5], "base_tensor_count": len(from_base),
            "weights_bytes": sum(files[n] for n in weights), "base_model_bytes": base_bytes}


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Save a PEFT LoRA model and read back what was written."""
    expected = {"claim": params["claim"]}
    if not peft_available():
        return result("skipped", PEFT_MISSING, {}, expected)
    m = _saved(params["r"])
    only = m["base_tensor_count"] == 0 and m["lora_tensors"] == m["tensors"] > 0
    share = m["weights_bytes"] / m["base_model_bytes"]
    listing = ", ".join(f"{n} ({b:,} bytes)" for n, b in m["files"].items())
    text = (f"PEFT's save_pretrained wrote {listing}: {m['tensors']} tensors, "
            f"{m['lora_tensors']} of them lora_A / lora_B and {m['base_tensor_count']} of the "
            f"base model; the weights are {share:.1%} of the base model's "
            f"{m['base_model_bytes']:,} bytes (a tiny Llama, LoRA r={params['r']} on q_proj and "
            f"v_proj)")
    return result("supported" if only else "refuted", text + ".", m, expected)


VERIFIER = Verifier(
    id="lora.peft_save",
    version=1,
    title="PEFT's save_pretrained writes the adapter, not the base model",
    run=run,
    params=PARAMS,
    claims=(("lora", "saves_adapter_only"), ("dora", "saves_adapter_only")),
    to_params=to_params,
    examples=(
        "Calling save_pretrained on a PeftModel writes only the adapter weights and its config.",
        "PEFT's save_pretrained also stores the full base model next to the adapter.",
    ),
    requires=Requires(device="cpu", packages=("peft", "transformers", "safetensors")),
    timeout_s=120.0,
)
