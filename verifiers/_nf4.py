"""NF4 storage measured with bitsandbytes: bits per parameter of a real quantized matrix, and
the NF4 code itself. Torch and bitsandbytes are imported inside the functions; bitsandbytes'
CPU backend quantizes, so this runs without a GPU.
"""

from __future__ import annotations

from typing import Any


def _nbytes(t: Any) -> int:
    return t.numel() * t.element_size()


def measure_bits(rows: int = 1024, cols: int = 1024, *, blocksize: int = 64,
                 double_quant: bool = True, seed: int = 0) -> dict[str, Any]:
    """Quantize a random bf16 (rows x cols) matrix to NF4 and count every stored byte.

    Per-element storage: the 4-bit codes, the per-block scales (absmax: fp32, or 8-bit with
    double quantization plus the fp32 scales of those and their offset). The code tables are
    per-tensor constants (16 or 256 values, the same for every matrix) and are counted apart.
    """
    import bitsandbytes.functional as F
    import torch

    g = torch.Generator().manual_seed(seed)
    weight = torch.randn(rows, cols, generator=g).to(torch.bfloat16)
    packed, state = F.quantize_4bit(weight, blocksize=blocksize, quant_type="nf4",
                                    compress_statistics=double_quant)
    n = weight.numel()
    scales = _nbytes(state.absmax)
    tables = _nbytes(state.code)
    if state.nested:
        scales += _nbytes(state.state2.absmax) + _nbytes(state.offset)
        tables += _nbytes(state.state2.code)
    restored = F.dequantize_4bit(packed, state).float()
    error = (restored - weight.float()).abs().mean() / weight.float().abs().mean()
    return {
        "params": n,
        "code_bytes": _nbytes(packed),
        "scale_bytes": scales,
        "table_bytes": tables,
        "bits_per_param": 8 * (_nbytes(packed) + scales) / n,
        "bits_per_param_with_tables": 8 * (_nbytes(packed) + scales + tables) / n,
        "absmax_dtype": str(state.absmax.dtype).replace("torch.", ""),
        # the scales of the quantized absmax (double quantization's second level)
        "absmax2_dtype": (str(state.state2.absmax.dtype).replace("torch.", "")
                          if state.nested else ""),
        "blocksize": blocksize,
        "double_quant": bool(state.nested),
        "relative_error": float(error),
    }


def nf4_code() -> list[float]:
    """The 16 values of the NF4 data type as bitsandbytes stores them (sorted)."""
    import bitsandbytes.functional as F
    import torch

    _, state = F.quantize_4bit(torch.zeros(64, 64, dtype=torch.bfloat16), quant_type="nf4",
                               compress_statistics=False)
    return sorted(float(v) for v in state.code.flatten())


def layout_bits(blocksize: int = 64, double_quant: bool = True, blocksize2: int = 256) -> float:
    """Bits per parameter from the storage layout alone (used where bitsandbytes is absent)."""
    if not double_quant:
        return 4 + 32 / blocksize
    return 4 + 8 / blocksize + 32 / (blocksize * blocksize2)
