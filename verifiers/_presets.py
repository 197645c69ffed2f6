"""Model presets from data (`presets.json`): published hyperparameters, counted exactly.

Each preset's numbers are copied from its model card, config.json or paper (the `source` of
each entry) in the key names of its transformers config class. Counts are analytic (integers
from the shapes, so 405B costs nothing) and need only the stdlib; `meta_count` builds the model
from its transformers config class on the meta device and sums `numel()`, which the tests
compare with the analytic count of every preset. Linear layers carry PEFT's module names, so a
LoRA count on any module set is r * (d_in + d_out) over the matching layers.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("presets.json")
# The linear layers of one Llama-style block, by the names PEFT uses.
ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP = ("gate_proj", "up_proj", "down_proj")
# The presets that a claim naming no model is enumerated over: the models of the LoRA and
# QLoRA papers, which is what such claims in the knowledge base are about.
# Sizes that name a model, and the preset whose shapes a bare size is taken as ("a 7B model",
# "an 8B at r=16"): the LLaMA papers' sizes, Llama 2 70B, Llama 3 8B and GPT-3.
NOMINAL = {7: "llama-7b", 8: "llama3-8b", 13: "llama-13b", 33: "llama-33b", 65: "llama-65b",
           70: "llama2-70b", 175: "gpt3-175b"}
PAPER_MODELS = ("gpt3-175b", "llama-7b", "llama-13b", "llama-33b", "llama-65b", "llama2-70b")


@dataclass(frozen=True)
class Linear:
    """One linear layer of a block: PEFT's name (relative to the block), shape, bias, copies
    (a decoder's self- and cross-attention q share a name; a mixture has one per expert)."""

    name: str
    out_f: int
    in_f: int
    bias: bool = False
    copies: int = 1

    def params(self) -> int:
        """Weights and bias of every copy."""
        return self.copies * (self.out_f * self.in_f + (self.out_f if self.bias else 0))


@dataclass(frozen=True)
class Group:
    """`count` identical blocks: their linears and their other parameters (norms, …)."""

    count: int
    linears: tuple[Linear, ...]
    other: int = 0


@dataclass(frozen=True, init=False)
class Preset:
    """One model: its published hyperparameters and what is counted from them."""

    name: str
    model_type: str
    config: dict[str, Any] = field(hash=False, compare=False)
    family: str = ""
    size_b: float = 0.0
    layout: str = ""
    head: str = "causal_lm"
    dtype: str = "float16"
    source: str = ""
    aliases: tuple[str, ...] = ()
    # the configuration the paper that studied this model used ({'r', 'modules', 'source'},
    # 'sole' when it is the only one the paper reports): it completes what a claim about that
    # model leaves unstated
    reference: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __init__(self, name: str, model_type: str = "llama", config: dict[str, Any] | None = None,
                 *, layers: int = 0, d_model: int = 0, d_ff: int = 0, heads: int = 0,
                 kv_heads: int = 0, vocab: int = 0, **rest: Any) -> None:
        """From data (`config` in transformers' key names), or a small Llama-shaped model from
        its shapes (`layers`, `d_model`, … as the tiny test and GPU-check models are written)."""
        if config is None:
            config = {"vocab_size": vocab, "hidden_size": d_model, "intermediate_size": d_ff,
                      "num_hidden_layers": layers, "num_attention_heads": heads,
                      "num_key_value_heads": kv_heads, "tie_word_embeddings": False}
        values = {"name": name, "model_type": model_type, "config": config,
                  "layout": rest.pop("layout", "") or model_type, **rest}
        for f in fields(self):
            default = f.default_factory() if f.default_factory is not MISSING else f.default
            object.__setattr__(self, f.name, values.get(f.name, default))

    # --- the shapes the memory model and the QLoRA builder read (decoder blocks) ---
    @property
    def layers(self) -> int:
        """Blocks of the (decoder) stack."""
        return self.groups()[-1].count

    @property
    def d_model(self) -> int:
        """Width of the residual stream."""
        c = self.config
        return c.get("hidden_size") or c.get("n_embd") or c["d_model"]

    @property
    def heads(self) -> int:
        """Attention heads."""
        c = self.config
        return (c.get("num_attention_heads") or c.get("n_head") or c.get("num_heads")
                or c["decoder_attention_heads"])

    @property
    def kv_heads(self) -> int:
        """Key/value heads (grouped-query attention has fewer than `heads`)."""
        return self.config.get("num_key_value_heads", self.heads)

    @property
    def head_dim(self) -> int:
        """Width of one attention head (Gemma's 256 is not d_model / heads)."""
        return self.config.get("head_dim") or self.config.get("d_kv") or self.d_model // self.heads

    @property
    def d_ff(self) -> int:
        """Width of the MLP."""
        c = self.config
        return (c.get("intermediate_size") or c.get("ffn_dim") or c.get("ffn_hidden_size")
                or c.get("d_ff") or c.get("decoder_ffn_dim") or 4 * self.d_model)

    @property
    def vocab(self) -> int:
        """Tokens in the vocabulary."""
        return self.config["vocab_size"]

    @property
    def gated_mlp(self) -> bool:
        """A SwiGLU MLP (gate, up, down), as LLaMA's."""
        return self.layout in ("llama", "mistral", "qwen2", "gemma", "gemma2", "mixtral", "phi3")

    @property
    def tied_embeddings(self) -> bool:
        """The LM head shares the input embedding's weights."""
        return bool(self.config.get("tie_word_embeddings", self.layout in ("gpt2", "gpt3")))

    @property
    def llama_like(self) -> bool:
        """A decoder with Llama's block (q, k, v, o and a SwiGLU MLP): the shape the memory
        models were calibrated on."""
        return self.layout in ("llama", "mistral", "qwen2", "gemma", "gemma2")

    @property
    def single_stack(self) -> bool:
        """One stack of identical blocks, one copy of each linear (a decoder-only model that is
        no mixture): what the adapter-file writer lays out."""
        g = self.groups()
        return len(g) == 1 and all(x.copies == 1 for x in g[0].linears)

    # --- counts ---
    def groups(self) -> tuple[Group, ...]:
        """The model's blocks, grouped (an encoder-decoder has two groups)."""
        return _groups(self.layout, self.config)

    def extra_params(self) -> int:
        """Parameters outside the blocks: embeddings, positions, final norms, the LM head."""
        return _extra(self.layout, self.config)

    def linear_shapes(self) -> dict[str, tuple[int, int]]:
        """(out_features, in_features) of every linear of one (decoder) block, by name."""
        return {x.name: (x.out_f, x.in_f) for x in self.groups()[-1].linears}

    def linear_names(self) -> tuple[str, ...]:
        """Every linear's name, over all groups, in order."""
        seen: dict[str, None] = {}
        for g in self.groups():
            seen.update((x.name, None) for x in g.linears)
        return tuple(seen)

    def block_params(self) -> int:
        """Parameters of one (decoder) block."""
        g = self.groups()[-1]
        return g.other + sum(x.params() for x in g.linears)

    def total_params(self) -> int:
        """Every parameter, as `sum(p.numel() for p in model.parameters())` counts it."""
        blocks = sum(g.count * (g.other + sum(x.params() for x in g.linears))
                     for g in self.groups())
        return self.extra_params() + blocks

    def matching(self, modules: tuple[str, ...]) -> list[tuple[Group, Linear]]:
        """The linears PEFT's `target_modules` would adapt: a name equal to a target or
        ending in '.' + target (its suffix rule)."""
        out = []
        for g in self.groups():
            for x in g.linears:
                if any(x.name == t or x.name.endswith("." + t) for t in modules):
                    out.append((g, x))
        return out

    def lora_params(self, r: int, modules: tuple[str, ...] = ("q_proj", "v_proj")) -> int:
        """LoRA parameters for rank r on `modules` of every block: r * (d_in + d_out) each."""
        names = self.linear_names()
        unknown = [m for m in modules if not any(n == m or n.endswith("." + m) for n in names)]
        if unknown:
            raise ValueError(f"{self.name} has no module {unknown[0]!r} (has {', '.join(names)})")
        return sum(g.count * x.copies * r * (x.in_f + x.out_f) for g, x in self.matching(modules))

    def module_sets(self) -> dict[str, tuple[str, ...]]:
        """The module sets claims name, in this layout's names: default (PEFT's), qv (when q
        and v are separate matrices), attention, mlp, all (every block linear)."""
        names = self.linear_names()
        sets = {}
        for k, v in _data()["module_sets"][self.layout].items():
            present = tuple(t for t in v if any(n == t or n.endswith("." + t) for n in names))
            if present:  # T5 v1.0 has 'wi', v1.1 'wi_0' and 'wi_1'
                sets[k] = present
        sets["all"] = names
        return sets


def _llama(c: dict[str, Any], qkv_bias: bool = False) -> tuple[Group, ...]:
    d, ff, hd = c["hidden_size"], c["intermediate_size"], c.get("head_dim") or (
        c["hidden_size"] // c["num_attention_heads"])
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    attn = (Linear("q_proj", q, d, qkv_bias), Linear("k_proj", kv, d, qkv_bias),
            Linear("v_proj", kv, d, qkv_bias), Linear("o_proj", d, q))
    experts = c.get("num_local_experts")
    if experts:  # Mixtral: a router and `experts` SwiGLU MLPs (w1 gate, w3 up, w2 down)
        mlp = (Linear("gate", experts, d), Linear("w1", ff, d, copies=experts),
               Linear("w2", d, ff, copies=experts), Linear("w3", ff, d, copies=experts))
    else:
        mlp = (Linear("gate_proj", ff, d), Linear("up_proj", ff, d), Linear("down_proj", d, ff))
    return (Group(c["num_hidden_layers"], attn + mlp, 2 * d),)


def _groups(layout: str, c: dict[str, Any]) -> tuple[Group, ...]:
    """Every block's linears and other parameters, per architecture (transformers' modules)."""
    if layout in ("llama", "mistral", "gemma", "mixtral"):
        return _llama(c)
    if layout == "qwen2":
        return _llama(c, qkv_bias=True)
    if layout == "gemma2":  # Gemma 2: an RMSNorm before and after attention and the MLP
        (block,) = _llama(c)
        return (Group(block.count, block.linears, 4 * c["hidden_size"]),)
    if layout == "phi":  # biases everywhere, one LayerNorm shared by the parallel branches
        d, ff = c["hidden_size"], c["intermediate_size"]
        return (Group(c["num_hidden_layers"], (
            Linear("q_proj", d, d, True), Linear("k_proj", d, d, True),
            Linear("v_proj", d, d, True), Linear("dense", d, d, True),
            Linear("fc1", ff, d, True), Linear("fc2", d, ff, True)), 2 * d),)
    if layout == "phi3":
        d, ff = c["hidden_size"], c["intermediate_size"]
        hd = d // c["num_attention_heads"]
        qkv = (c["num_attention_heads"] + 2 * c["num_key_value_heads"]) * hd
        return (Group(c["num_hidden_layers"], (
            Linear("qkv_proj", qkv, d), Linear("o_proj", d, d),
            Linear("gate_up_proj", 2 * ff, d), Linear("down_proj", d, ff)), 2 * d),)
    if layout == "falcon":
        d, ff, h = c["hidden_size"], c["ffn_hidden_size"], c["num_attention_heads"]
        hd = d // h
        kv = c["num_kv_heads"] if c["new_decoder_architecture"] else 1 if c["multi_query"] else h
        norms = 2 if c["new_decoder_architecture"] or not c["parallel_attn"] else 1
        return (Group(c["num_hidden_layers"], (
            Linear("query_key_value", (h + 2 * kv) * hd, d, c["bias"]),
            Linear("self_attention.dense", d, d, c["bias"]),
            Linear("dense_h_to_4h", ff, d, c["bias"]),
            Linear("dense_4h_to_h", d, ff, c["bias"])), norms * 2 * d),)
    if layout in ("gpt2", "gpt3"):
        d = c["n_embd"]
        attn = ((Linear("c_attn", 3 * d, d, True), Linear("attn.c_proj", d, d, True))
                if layout == "gpt2" else  # GPT-3 with q, k, v as separate matrices: same count
                tuple(Linear(n, d, d, True) for n in ("q_proj", "k_proj", "v_proj", "o_proj")))
        mlp = ((Linear("c_fc", 4 * d, d, True), Linear("mlp.c_proj", d, 4 * d, True))
               if layout == "gpt2" else
               (Linear("fc_in", 4 * d, d, True), Linear("fc_out", d, 4 * d, True)))
        return (Group(c["n_layer"], attn + mlp, 4 * d),)
    if layout == "gptj":
        d = c["n_embd"]
        return (Group(c["n_layer"], (
            *(Linear(n, d, d) for n in ("q_proj", "k_proj", "v_proj", "out_proj")),
            Linear("fc_in", 4 * d, d, True), Linear("fc_out", d, 4 * d, True)), 2 * d),)
    if layout == "opt":
        d, ff, b = c["hidden_size"], c["ffn_dim"], c["enable_bias"]
        return (Group(c["num_hidden_layers"], (
            *(Linear(n, d, d, b) for n in ("q_proj", "k_proj", "v_proj", "out_proj")),
            Linear("fc1", ff, d, b), Linear("fc2", d, ff, b)), 4 * d),)
    if layout == "bloom":
        d = c["hidden_size"]
        return (Group(c["n_layer"], (
            Linear("query_key_value", 3 * d, d, True), Linear("self_attention.dense", d, d, True),
            Linear("dense_h_to_4h", 4 * d, d, True), Linear("dense_4h_to_h", d, 4 * d, True)),
            4 * d),)
    if layout in ("bert", "roberta"):
        d, ff = c["hidden_size"], c["intermediate_size"]
        return (Group(c["num_hidden_layers"], (
            *(Linear(f"attention.self.{n}", d, d, True) for n in ("query", "key", "value")),
            Linear("attention.output.dense", d, d, True), Linear("intermediate.dense", ff, d, True),
            Linear("output.dense", d, ff, True)), 4 * d),)
    if layout in ("t5", "mt5"):
        d, ff, inner = c["d_model"], c["d_ff"], c["num_heads"] * c["d_kv"]
        mlp = ((Linear("wi_0", ff, d), Linear("wi_1", ff, d)) if c["feed_forward_proj"].startswith(
            "gated") else (Linear("wi", ff, d),)) + (Linear("wo", d, ff),)

        def attn(n: int) -> tuple[Linear, ...]:
            return (Linear("q", inner, d, copies=n), Linear("k", inner, d, copies=n),
                    Linear("v", inner, d, copies=n), Linear("o", d, inner, copies=n))
        # the first block of each stack also holds the relative position biases: counted
        # once per stack in `_extra`
        return (Group(c["num_layers"], attn(1) + mlp, 2 * d),
                Group(c["num_decoder_layers"], attn(2) + mlp, 3 * d))
    if layout == "whisper":
        d = c["d_model"]

        def attn(n: int) -> tuple[Linear, ...]:
            return (Linear("q_proj", d, d, True, n), Linear("k_proj", d, d, False, n),
                    Linear("v_proj", d, d, True, n), Linear("out_proj", d, d, True, n))
        return (Group(c["encoder_layers"], attn(1) + (
                    Linear("fc1", c["encoder_ffn_dim"], d, True),
                    Linear("fc2", d, c["encoder_ffn_dim"], True)), 4 * d),
                Group(c["decoder_layers"], attn(2) + (
                    Linear("fc1", c["decoder_ffn_dim"], d, True),
                    Linear("fc2", d, c["decoder_ffn_dim"], True)), 6 * d))
    if layout == "vit":  # an encoder: two LayerNorms per block (before and after attention)
        d, ff, b = c["hidden_size"], c["intermediate_size"], c.get("qkv_bias", True)
        return (Group(c["num_hidden_layers"], (
            Linear("q_proj", d, d, b), Linear("k_proj", d, d, b), Linear("v_proj", d, d, b),
            Linear("o_proj", d, d, True), Linear("fc1", ff, d, True), Linear("fc2", d, ff, True)),
            4 * d),)
    raise ValueError(f"no layout {layout!r}")


def _extra(layout: str, c: dict[str, Any]) -> int:
    """Embeddings, positions, final norms and an untied LM head (with its bias, if any)."""
    if layout == "vit":  # no vocabulary: patches, a CLS token, positions, a final norm, pooler
        d, patch = c["hidden_size"], c["patch_size"]
        conv = d * c["num_channels"] * patch * patch + d  # the patch embedding, a strided conv
        positions = ((c["image_size"] // patch) ** 2 + 1) * d  # one row per patch, one for CLS
        pool = c.get("pooler_output_size") or d  # the pooler: ViTModel's, as AutoModel builds it
        return conv + d + positions + 2 * d + pool * d + pool
    v = c["vocab_size"]
    if layout in ("llama", "mistral", "gemma", "gemma2", "mixtral", "qwen2", "phi3"):
        d = c["hidden_size"]
        return v * d + d + (0 if c["tie_word_embeddings"] else v * d)
    if layout == "phi":  # LayerNorm with bias; an LM head with a bias
        d = c["hidden_size"]
        return v * d + 2 * d + v * d + v
    if layout == "falcon":
        d = c["hidden_size"]
        return v * d + 2 * d + (0 if c["tie_word_embeddings"] else v * d)
    if layout in ("gpt2", "gpt3"):
        d = c["n_embd"]
        return v * d + c["n_positions"] * d + 2 * d
    if layout == "gptj":
        d = c["n_embd"]
        return v * d + 2 * d + v * d + v
    if layout == "opt":  # learned positions keep OPT's offset of 2 rows
        d = c["hidden_size"]
        return v * d + (c["max_position_embeddings"] + 2) * d + 2 * d
    if layout == "bloom":  # a LayerNorm right after the embeddings
        d = c["hidden_size"]
        return v * d + 2 * d + 2 * d
    if layout in ("bert", "roberta"):  # word, position, token-type; LayerNorm; the pooler
        d = c["hidden_size"]
        return (v + c["max_position_embeddings"] + c["type_vocab_size"]) * d + 2 * d + d * d + d
    if layout in ("t5", "mt5"):
        d = c["d_model"]
        buckets = c["relative_attention_num_buckets"] * c["num_heads"]
        return v * d + 2 * buckets + 2 * d + (0 if c["tie_word_embeddings"] else v * d)
    if layout == "whisper":  # two convolutions (kernel 3), positions, final norms; tied head
        d, mel = c["d_model"], c["num_mel_bins"]
        return (mel * d * 3 + d + d * d * 3 + d + c["max_source_positions"] * d + 2 * d
                + v * d + c["max_target_positions"] * d + 2 * d)
    raise ValueError(f"no layout {layout!r}")


@cache
def _data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _load() -> dict[str, Preset]:
    out = {}
    for e in _data()["presets"]:
        p = Preset(name=e["name"], model_type=e["model_type"], config=dict(e["config"]),
                   family=e.get("family", ""), size_b=float(e.get("size_b", 0.0)),
                   layout=e.get("layout", e["model_type"]), head=e.get("head", "causal_lm"),
                   dtype=e.get("dtype", "float16"), source=e.get("source", ""),
                   aliases=tuple(a.lower() for a in e.get("aliases", ())),
                   reference=dict(e.get("reference", {})))
        if p.name in out:
            raise ValueError(f"preset {p.name!r} is listed twice")
        out[p.name] = p
    return out


PRESETS: dict[str, Preset] = _load()
ALIASES: dict[str, str] = {a: p.name for p in PRESETS.values() for a in p.aliases}
# Bare sizes that name the LoRA/QLoRA papers' models ("a 65B model"), as before presets were data.
ALIASES.update({"7b": "llama-7b", "13b": "llama-13b", "33b": "llama-33b", "30b": "llama-33b",
                "65b": "llama-65b", "70b": "llama2-70b"})


def _key(name: str) -> str:
    """A model name as an alias key: lowercase, no org prefix, '_' and ' ' as '-'."""
    key = name.strip().lower().rsplit("/", 1)[-1]
    return "-".join(key.replace("_", " ").split())


def preset(name: str) -> Preset:
    """A preset by id or alias ("65b", "llama-65b", "meta-llama/Llama-3.1-8B-Instruct");
    KeyError lists the known ones."""
    found = lookup(name)
    if found is None:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(PRESETS)}")
    return found


def lookup(name: str) -> Preset | None:
    """A preset by id or alias, org prefix and an '-instruct'/'-hf'/'-chat' tail ignored."""
    key = _key(name)
    for k in (key, *(key.removesuffix(t) for t in ("-instruct", "-hf", "-chat", "-chat-hf",
                                                    "-base", "-it"))):
        k = ALIASES.get(k, k)
        if k in PRESETS:
            return PRESETS[k]
    return None


def for_family(family: str, size_b: float | None) -> Preset | None:
    """The preset of a family at a stated size in billions (within 5% of its nominal size);
    without a size, none ('Mistral' may be a model that has no preset)."""
    members = [p for p in PRESETS.values() if p.family == family]
    if not size_b:
        return None
    near = [p for p in members if abs(p.size_b - size_b) <= 0.05 * p.size_b]
    return min(near, key=lambda p: abs(p.size_b - size_b)) if near else None


def resolve(model: dict[str, Any]) -> Preset | None:
    """The preset a claim's model mention names ({'family', 'size_b', 'preset'} as the claim
    layer reads it), or None when the model has no preset."""
    if model.get("preset"):
        return lookup(model["preset"])
    family = model.get("family") or ""
    if not family or family == "other":
        return None
    exact = lookup(family)  # a single-model family: "gpt2-xl", "mt0-xxl", "whisper-large"
    if exact is not None and (not model.get("size_b") or abs(
            exact.size_b - model["size_b"]) <= 0.05 * exact.size_b):
        return exact
    return for_family(family, model.get("size_b"))


def preset_for_size(billions: float) -> Preset | None:
    """The paper model whose total size is nearest a stated size in billions, within 15%."""
    best = min((PRESETS[n] for n in PAPER_MODELS),
               key=lambda p: abs(p.total_params() / 1e9 - billions))
    return best if abs(best.total_params() / 1e9 - billions) <= 0.15 * billions else None


def _meta_model(p: Preset) -> Any:
    import torch
    import transformers

    config = transformers.AutoConfig.for_model(p.model_type, **p.config)
    auto = {"causal_lm": transformers.AutoModelForCausalLM, "base": transformers.AutoModel,
            "seq2seq": transformers.AutoModelForSeq2SeqLM,
            "speech_seq2seq": transformers.AutoModelForSpeechSeq2Seq}[p.head]
    with torch.device("meta"):
        return auto.from_config(config)


def meta_lora_count(p: Preset, modules: tuple[str, ...], r: int, model: Any = None) -> int:
    """LoRA parameters at rank r on the meta-built model's linear layers that PEFT's suffix
    rule matches (GPT-2's Conv1D stores its weight as (in, out)). Needs transformers."""
    import torch

    model = model if model is not None else _meta_model(p)
    total = 0
    for name, module in model.named_modules():
        if not any(name == t or name.endswith("." + t) for t in modules):
            continue
        if isinstance(module, torch.nn.Linear):
            total += r * (module.in_features + module.out_features)
        elif type(module).__name__ == "Conv1D":
            total += r * sum(module.weight.shape)
    return total


def meta_count(p: Preset, model: Any = None) -> int:
    """Build the preset from its transformers config class on the meta device (no weights are
    allocated, nothing is downloaded) and count its parameters. Needs transformers."""
    model = model if model is not None else _meta_model(p)
    count = sum(t.numel() for t in model.parameters())  # a tied tensor is counted once
    head, embed = model.get_output_embeddings(), model.get_input_embeddings()
    if (p.config.get("tie_word_embeddings") is False and head is not None
            and head.weight is embed.weight):
        # transformers 5 ties T5's LM head whatever the config says (configuration_t5.py: "we
        # tie weights always"); T5 v1.1 checkpoints (flan-t5, mt0) store it apart
        count += head.weight.numel()
    return count
