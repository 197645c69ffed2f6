"""A QLoRA model of a preset's shape, built straight onto the device one layer at a time.

The model is declared on the meta device (no memory), then each block's linear layers become
bitsandbytes `Linear4bit` layers (NF4, double quantization, bf16 compute) holding random
weights quantized on the device, and embeddings, norms and the LM head are made in bf16 there.
Memory depends on shapes, not values, so nothing is downloaded. Torch, transformers, peft and
bitsandbytes are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verifiers._presets import Preset

# The QLoRA paper adapts every linear layer of the blocks.
ALL_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
# LoRA weights' dtype: the QLoRA script casts them to bf16; PEFT keeps them in fp32.
LORA_DTYPES = {"bf16": "bfloat16", "fp32": "float32"}


def llama_config(p: Preset, *, max_positions: int = 4096) -> Any:
    """A `transformers.LlamaConfig` with the preset's shapes."""
    from transformers import LlamaConfig

    return LlamaConfig(
        hidden_size=p.d_model, intermediate_size=p.d_ff, num_hidden_layers=p.layers,
        num_attention_heads=p.heads, num_key_value_heads=p.kv_heads, vocab_size=p.vocab,
        head_dim=p.head_dim,  # Gemma's heads are wider than d_model / heads
        max_position_embeddings=max_positions, tie_word_embeddings=p.tied_embeddings,
        use_cache=False, torch_dtype="bfloat16",
    )


def quantized_linear(out_f: int, in_f: int, device: Any, *, double_quant: bool = True,
                     blocksize: int = 64, std: float = 0.02) -> Any:
    """A `Linear4bit` (NF4, bf16 compute) whose random bf16 weight is quantized on `device`."""
    import bitsandbytes as bnb
    import torch

    layer = bnb.nn.Linear4bit(in_f, out_f, bias=False, compute_dtype=torch.bfloat16,
                              compress_statistics=double_quant, quant_type="nf4",
                              device="meta")
    weight = torch.empty(out_f, in_f, dtype=torch.bfloat16, device=device).normal_(0.0, std)
    layer.weight = bnb.nn.Params4bit(weight, requires_grad=False, blocksize=blocksize,
                                     compress_statistics=double_quant, quant_type="nf4",
                                     module=layer)
    # Params4bit quantizes on its first move to a real device; the bf16 copy is then freed.
    layer.weight = layer.weight._quantize(torch.device(device))
    del weight
    return layer


def declare_llama(p: Preset) -> Any:
    """The preset as a `LlamaForCausalLM` on the meta device: its modules, no memory. Touches
    no GPU, so a process can do it while another one measures."""
    import torch
    from transformers import LlamaForCausalLM

    if not p.llama_like:
        raise ValueError(f"{p.name} is not a Llama-style model; only those are built")
    with torch.device("meta"):
        return LlamaForCausalLM(llama_config(p))


def build_quantized_llama(p: Preset, device: Any, *, double_quant: bool = True,
                          guard: Callable[[str, Callable[[], None]], None] | None = None,
                          declared: Any = None) -> Any:
    """The preset as a `LlamaForCausalLM`: 4-bit block linears, bf16 everything else, on
    `device` (filled into `declared`, a `declare_llama` model, when given). Each part is made
    through `guard(label, make)`, which may catch running out of memory, note the label and
    call `make` again (a retried block is rebuilt whole)."""
    import torch
    from torch import nn
    from transformers.models.llama.modeling_llama import LlamaRMSNorm, LlamaRotaryEmbedding

    model = declared if declared is not None else declare_llama(p)
    config = model.config
    bf16 = torch.bfloat16
    inner = model.model
    guard = guard or (lambda _label, make: make())

    def shared() -> None:
        inner.embed_tokens = nn.Embedding(p.vocab, p.d_model, device=device, dtype=bf16)
        nn.init.normal_(inner.embed_tokens.weight, std=0.02)
        inner.norm = LlamaRMSNorm(p.d_model).to(device=device, dtype=bf16)
        inner.rotary_emb = LlamaRotaryEmbedding(config=config).to(device)
        model.lm_head = nn.Linear(p.d_model, p.vocab, bias=False, device=device, dtype=bf16)
        nn.init.normal_(model.lm_head.weight, std=0.02)

    def block_maker(block: Any) -> Callable[[], None]:
        def make() -> None:
            block.input_layernorm = LlamaRMSNorm(p.d_model).to(device=device, dtype=bf16)
            block.post_attention_layernorm = LlamaRMSNorm(p.d_model).to(device=device,
                                                                         dtype=bf16)
            for parent in (block.self_attn, block.mlp):
                for name in ALL_LINEARS:
                    if hasattr(parent, name):
                        out_f, in_f = shapes[name]
                        setattr(parent, name, quantized_linear(out_f, in_f, device,
                                                               double_quant=double_quant))
        return make

    shapes = p.linear_shapes()
    guard("embeddings, final norm and LM head (bf16)", shared)
    for i, block in enumerate(inner.layers):
        guard(f"block {i + 1} of {p.layers} (4-bit linears)", block_maker(block))
    left = [n for n, t in [*model.named_parameters(), *model.named_buffers()]
            if t.device.type == "meta"]
    if left:
        raise RuntimeError(f"parts left on the meta device: {left[:3]}")
    return model


def attach_lora(model: Any, *, r: int = 64, alpha: float = 16.0, dropout: float = 0.05,
                lora_dtype: str = "bf16") -> Any:
    """PEFT LoRA on every block linear with non-reentrant gradient checkpointing; returns the
    PEFT model in training mode. `lora_dtype` 'bf16' casts the adapters as the QLoRA reference
    script does; 'fp32' keeps them as PEFT makes them by default."""
    import torch
    from peft import LoraConfig, get_peft_model

    if lora_dtype not in LORA_DTYPES:
        raise ValueError(f"unknown LoRA dtype {lora_dtype!r}")
    model.config.use_cache = False
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, bias="none",
                        target_modules=list(ALL_LINEARS), task_type="CAUSAL_LM")
    # Adapters are made in their dtype from the start (no fp32 copy to cast down, which a
    # limited device would have to hold for a moment), and on the base's device: PEFT would
    # make and initialise them on the CPU, then copy each to the device (at 65B, 800M values
    # drawn on the CPU: 9-18 s on an H200 machine). Made there, the device holds the same
    # tensors (shapes, dtypes), allocated in the same order (A, then B, module by module) and
    # initialised the same way (only the random numbers come from the device's generator).
    dtype = getattr(torch, LORA_DTYPES[lora_dtype])
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(base_device(model)):
            peft_model = get_peft_model(model, config,
                                        autocast_adapter_dtype=lora_dtype == "fp32")
    finally:
        torch.set_default_dtype(default)
    for param in peft_model.parameters():
        if param.requires_grad:
            param.data = param.data.to(dtype)
    peft_model.train()
    return peft_model


def base_device(model: Any) -> Any:
    """The device of the model's block linears (where LoRA's adapters go)."""
    for module in model.modules():
        if type(module).__name__ in ("Linear4bit", "Linear"):
            return module.weight.device
    return next(model.parameters()).device


def detach_lora(model: Any) -> Any:
    """The base model again, as it was before `attach_lora`: the adapters and their gradients
    are dropped (nothing else holds them), so their memory is free once collected."""
    for param in model.parameters():
        param.grad = None
    return model.unload()


def trainable_count(model: Any) -> int:
    """Number of parameters that receive gradients."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def weight_bytes(model: Any) -> dict[str, int]:
    """Bytes held by the model's tensors: 4-bit weights with their quantization statistics,
    other frozen weights, and trainable (LoRA) weights."""
    import bitsandbytes as bnb

    out = {"quantized": 0, "other_frozen": 0, "trainable": 0}
    for module in model.modules():
        for param in module.parameters(recurse=False):
            size = param.numel() * param.element_size()
            if isinstance(param, bnb.nn.Params4bit):
                out["quantized"] += size + quant_state_bytes(param.quant_state)
            elif param.requires_grad:
                out["trainable"] += size
            else:
                out["other_frozen"] += size
    return out


def quant_state_bytes(state: Any) -> int:
    """Bytes of a bitsandbytes QuantState's statistics (absmax, nested absmax and codes)."""
    if state is None:
        return 0
    total = state.absmax.numel() * state.absmax.element_size()
    total += state.code.numel() * state.code.element_size()
    if getattr(state, "nested", False) and state.state2 is not None:
        total += quant_state_bytes(state.state2)
        total += state.offset.numel() * state.offset.element_size()
    return total
