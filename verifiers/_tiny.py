"""Small transformers built from configs with random weights, and PEFT on top of them.

No weights are downloaded: a `transformers.LlamaConfig` with tiny sizes gives a real Llama
architecture (attention q/k/v/o, SwiGLU MLP, RMSNorm) whose behaviour under LoRA is what the
claims are about; values do not matter, shapes and code paths do.
"""

from __future__ import annotations

from typing import Any

from verifiers._env import has_package

PEFT_MISSING = "peft (and transformers) not installed: the PEFT half was skipped"


def peft_available() -> bool:
    """Whether PEFT and transformers can be imported (judged without importing them)."""
    return has_package("peft") and has_package("transformers")


def tiny_llama_config(*, hidden: int = 64, layers: int = 2, heads: int = 4,
                      kv_heads: int | None = None, intermediate: int = 128, vocab: int = 256,
                      **extra: Any) -> Any:
    """A `LlamaConfig` of the given tiny sizes; `extra` goes to the config (e.g. num_labels)."""
    from transformers import LlamaConfig

    return LlamaConfig(
        hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        num_key_value_heads=kv_heads or heads, intermediate_size=intermediate, vocab_size=vocab,
        max_position_embeddings=256, tie_word_embeddings=False, **extra,
    )


def tiny_llama(*, hidden: int = 64, layers: int = 2, heads: int = 4, kv_heads: int | None = None,
               intermediate: int = 128, vocab: int = 256, seed: int = 0) -> Any:
    """A randomly initialised `LlamaForCausalLM` of the given tiny sizes, in eval mode, fp32."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    config = tiny_llama_config(hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads,
                               intermediate=intermediate, vocab=vocab)
    return LlamaForCausalLM(config).float().eval()


def peft_lora(model: Any, *, r: int = 8, alpha: float = 16, targets: tuple[str, ...] =
              ("q_proj", "v_proj"), dropout: float = 0.0, **lora_kwargs: Any) -> Any:
    """Wrap `model` with a PEFT LoRA adapter (`get_peft_model`); extra kwargs go to LoraConfig
    (e.g. `use_rslora=True`, `use_dora=True`, `init_lora_weights=False`)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=r, lora_alpha=alpha, target_modules=list(targets),
                        lora_dropout=dropout, bias="none", **lora_kwargs)
    return get_peft_model(model, config)


def random_tokens(batch: int, seq: int, vocab: int = 256, seed: int = 1) -> Any:
    """A deterministic batch of token ids."""
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (batch, seq), generator=g)
