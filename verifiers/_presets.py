"""Transformer shapes of the models that LoRA claims name, and exact parameter counts.

Counts are analytic (integers), so they cost nothing for 175B; verifiers that want tensors can
build one block on the meta device from these shapes and check the count against it.
Sources of the shapes: GPT-3 paper table 2.1 (175B), LLaMA paper table 2 (7B-65B), Llama 2
model card / config (70B, grouped-query attention with 8 key/value heads).
"""

from __future__ import annotations

from dataclasses import dataclass

# The linear layers of one block, by the names PEFT uses for Llama-style models.
ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP = ("gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class Preset:
    """One model's shape: enough to count every weight matrix exactly."""

    name: str
    layers: int
    d_model: int
    d_ff: int
    heads: int
    kv_heads: int
    vocab: int
    gated_mlp: bool = True  # SwiGLU (gate, up, down) as in LLaMA; GPT-3 has fc_in, fc_out
    tied_embeddings: bool = False
    biases: bool = False  # GPT-3 linear layers carry biases; LLaMA's do not

    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.d_model // self.heads

    def linear_shapes(self) -> dict[str, tuple[int, int]]:
        """(out_features, in_features) of every linear layer of one block, by module name."""
        kv = self.kv_heads * self.head_dim
        shapes = {
            "q_proj": (self.d_model, self.d_model),
            "k_proj": (kv, self.d_model),
            "v_proj": (kv, self.d_model),
            "o_proj": (self.d_model, self.d_model),
        }
        if self.gated_mlp:
            shapes.update(gate_proj=(self.d_ff, self.d_model), up_proj=(self.d_ff, self.d_model),
                          down_proj=(self.d_model, self.d_ff))
        else:
            shapes.update(fc_in=(self.d_ff, self.d_model), fc_out=(self.d_model, self.d_ff))
        return shapes

    def block_params(self) -> int:
        """Parameters of one block: its linear layers (and biases), and its norms."""
        linear = sum(o * i + (o if self.biases else 0) for o, i in self.linear_shapes().values())
        norms = 2 * self.d_model * (2 if self.biases else 1)  # LayerNorm has a bias, RMSNorm not
        return linear + norms

    def total_params(self) -> int:
        """Every parameter: embeddings, blocks, final norm and (untied) LM head."""
        embed = self.vocab * self.d_model
        head = 0 if self.tied_embeddings else self.vocab * self.d_model
        final_norm = self.d_model * (2 if self.biases else 1)
        positions = 2048 * self.d_model if not self.gated_mlp else 0  # GPT-3 learned positions
        return embed + positions + self.layers * self.block_params() + final_norm + head

    def lora_params(self, r: int, modules: tuple[str, ...] = ("q_proj", "v_proj")) -> int:
        """LoRA parameters for rank r on `modules` of every block: r * (d_in + d_out) each."""
        shapes = self.linear_shapes()
        unknown = [m for m in modules if m not in shapes]
        if unknown:
            raise ValueError(f"{self.name} has no module {unknown[0]!r} (has {', '.join(shapes)})")
        return self.layers * sum(r * (shapes[m][0] + shapes[m][1]) for m in modules)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("gpt3-175b", layers=96, d_model=12288, d_ff=4 * 12288, heads=96, kv_heads=96,
               vocab=50257, gated_mlp=False, tied_embeddings=True, biases=True),
        Preset("llama-7b", layers=32, d_model=4096, d_ff=11008, heads=32, kv_heads=32,
               vocab=32000),
        Preset("llama-13b", layers=40, d_model=5120, d_ff=13824, heads=40, kv_heads=40,
               vocab=32000),
        Preset("llama-33b", layers=60, d_model=6656, d_ff=17920, heads=52, kv_heads=52,
               vocab=32000),
        Preset("llama-65b", layers=80, d_model=8192, d_ff=22016, heads=64, kv_heads=64,
               vocab=32000),
        Preset("llama2-70b", layers=80, d_model=8192, d_ff=28672, heads=64, kv_heads=8,
               vocab=32000),
    )
}

# GPT-3's attention is named like LLaMA's here (q/k/v/o), its MLP fc_in / fc_out.
ALIASES = {"175b": "gpt3-175b", "gpt-3": "gpt3-175b", "gpt3": "gpt3-175b", "7b": "llama-7b",
           "13b": "llama-13b", "33b": "llama-33b", "30b": "llama-33b", "65b": "llama-65b",
           "70b": "llama2-70b", "llama-2-70b": "llama2-70b"}


def preset(name: str) -> Preset:
    """A preset by name or alias ("65b", "llama-65b", "gpt-3"); KeyError lists the known ones."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in PRESETS:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[key]


def preset_for_size(billions: float) -> Preset | None:
    """The preset whose total size is nearest a stated size in billions, within 15%."""
    best = min(PRESETS.values(), key=lambda p: abs(p.total_params() / 1e9 - billions))
    return best if abs(best.total_params() / 1e9 - billions) <= 0.15 * billions else None
