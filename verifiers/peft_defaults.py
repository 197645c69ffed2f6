"""What PEFT's `LoraConfig` does when a setting is left out: the rank `r`, `lora_alpha`,
`lora_dropout`, `bias`, `use_rslora`, `use_dora`, `init_lora_weights`, the scale alpha/r that
follows, and which modules `target_modules=None` adapts on a given architecture.

Every default is measured through the installed PEFT, twice where it can be: `LoraConfig()` is
read back, and a tiny random Llama (built from a `LlamaConfig`, no download) is wrapped with
`get_peft_model(model, LoraConfig())`; its first LoRA layer gives the rank (rows of lora_A),
the scale (`layer.scaling`) and so alpha (scale x r), the dropout module, DoRA's magnitude
vectors, the trainable biases and the initial lora_A / lora_B tensors. Default targets are the
leaf names of the modules that got LoRA layers on a tiny random model of each architecture
(PEFT refusing to pick any, as it does for Mixtral and Phi-3 in 0.21, is recorded as "none").

The figures the claims state come from PEFT's `LoraConfig` docstring (r=8, lora_alpha=8,
lora_dropout=0.0, bias="none", init_lora_weights=True in PEFT 0.21) and its
TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING; the verdict comes only from what is
measured here, with the installed version named in the explanation.
"""

from __future__ import annotations

import copy
import functools
import math
from typing import Any

from verifiers._base import Param, Requires, Verifier, figure_pair, result
from verifiers._frame import Frame, Quantity

CLAIMS = ("setting", "targets", "scale", "switch")
NUMERIC = ("r", "lora_alpha", "lora_dropout")
SETTINGS = (*NUMERIC, "bias", "use_rslora", "use_dora", "use_rslora+use_dora",
            "init_lora_weights")
WORDS = ("", "none", "all", "lora_only", "true", "false", "gaussian")
# architectures a tiny random model can be built of here (transformers' model_type names)
MODELS = ("llama", "mistral", "mixtral", "qwen2", "gemma", "gemma2", "phi", "phi3", "gpt2",
          "gptj", "gpt_neox", "bloom", "falcon", "opt", "t5", "mt5", "bert", "roberta",
          "whisper")
MODULE_SETS = ("qv", "attention", "all", "mlp", "fused_qkv")

PARAMS = (
    Param("claim", str, default="setting", choices=CLAIMS,
          help="setting: one LoraConfig default; targets: what target_modules=None adapts; "
               "scale: the scale alpha/r of an untouched config; switch: the flag `setting` "
               "set to True turns its method on"),
    Param("setting", str, default="r", choices=SETTINGS, help="setting: which one"),
    Param("value", float, default=8.0, min=0.0, max=4096.0,
          help="setting r / lora_alpha / lora_dropout, or scale: the stated default"),
    Param("word", str, default="", choices=WORDS,
          help="setting bias / use_rslora / use_dora / init_lora_weights: the stated default"),
    Param("model", str, default="any", choices=("any", *MODELS),
          help="targets: the architecture named (any: every one buildable here)"),
    Param("modules", str, default="qv", choices=MODULE_SETS,
          help="targets: the stated set (fused_qkv: one fused q,k,v matrix such as c_attn)"),
    Param("every", bool, default=False,
          help="targets: the sentence says all of a set ('all attention projections') or "
               "that only the stated set is adapted"),
    Param("seed", int, default=0, min=0, max=2**31 - 1),
)


# --- measurements ------------------------------------------------------------------------------

def read_config() -> dict[str, Any]:
    """`LoraConfig()` read back: the defaults of the settings the claims speak of."""
    from peft import LoraConfig

    c = LoraConfig()
    return {k: getattr(c, k) for k in ("r", "lora_alpha", "lora_dropout", "bias", "use_rslora",
                                      "use_dora", "init_lora_weights", "target_modules")}


def _tiny_config(model: str) -> Any:
    """A transformers config of `model` with tiny sizes (no download)."""
    import transformers as T

    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
             "intermediate_size": 64, "vocab_size": 64}
    t5 = {"d_model": 32, "d_ff": 64, "d_kv": 8, "num_layers": 1, "num_heads": 2,
          "vocab_size": 64}
    build = {
        "llama": lambda: T.LlamaConfig(**small), "mistral": lambda: T.MistralConfig(**small),
        "mixtral": lambda: T.MixtralConfig(**small, num_local_experts=2),
        "qwen2": lambda: T.Qwen2Config(**small),
        "gemma": lambda: T.GemmaConfig(**small, head_dim=16),
        "gemma2": lambda: T.Gemma2Config(**small, head_dim=16),
        "phi": lambda: T.PhiConfig(**small), "phi3": lambda: T.Phi3Config(**small, pad_token_id=0),
        "gpt2": lambda: T.GPT2Config(n_embd=32, n_layer=1, n_head=2, vocab_size=64),
        "gptj": lambda: T.GPTJConfig(n_embd=32, n_layer=1, n_head=2, vocab_size=64, rotary_dim=8),
        "gpt_neox": lambda: T.GPTNeoXConfig(**small),
        "bloom": lambda: T.BloomConfig(hidden_size=32, n_layer=1, n_head=2, vocab_size=64),
        "falcon": lambda: T.FalconConfig(hidden_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, vocab_size=64),
        "opt": lambda: T.OPTConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                   ffn_dim=64, vocab_size=64, word_embed_proj_dim=32),
        "t5": lambda: T.T5Config(**t5), "mt5": lambda: T.MT5Config(**t5),
        "bert": lambda: T.BertConfig(**small), "roberta": lambda: T.RobertaConfig(**small),
        "whisper": lambda: T.WhisperConfig(
            d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
            decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, vocab_size=64,
            num_mel_bins=8, max_source_positions=16, max_target_positions=16, pad_token_id=0,
            bos_token_id=0, eos_token_id=0, decoder_start_token_id=0),
    }
    return build[model]()


def _tiny_model(model: str, seed: int) -> Any:
    import torch
    import transformers as T

    torch.manual_seed(seed)
    config = _tiny_config(model)
    if model in ("t5", "mt5"):
        return T.AutoModelForSeq2SeqLM.from_config(config)
    if model == "whisper":
        return T.WhisperForConditionalGeneration(config)
    if model in ("bert", "roberta"):
        return T.AutoModel.from_config(config)
    return T.AutoModelForCausalLM.from_config(config)


def targets(model: str, seed: int = 0) -> dict[str, Any]:
    """The leaf names of the modules `get_peft_model(tiny model, LoraConfig())` adapts, or
    what PEFT said when it picked none."""
    from peft import LoraConfig, get_peft_model

    base = _tiny_model(model, seed)
    try:
        wrapped = get_peft_model(base, LoraConfig())
    except Exception as exc:  # PEFT has no default for this architecture
        return {"names": [], "refused": f"{type(exc).__name__}: {str(exc)[:120]}"}
    names = sorted({n.rsplit(".", 1)[-1] for n, m in wrapped.named_modules()
                    if hasattr(m, "lora_A") and len(m.lora_A)})
    return {"names": names, "refused": ""}


def layer(seed: int = 0, **settings: Any) -> dict[str, Any]:
    """A tiny Llama wrapped with `LoraConfig(**settings)` (`LoraConfig()` when none): what its
    first LoRA layer holds."""
    import torch
    from peft import LoraConfig, get_peft_model

    from verifiers._tiny import tiny_llama

    model = get_peft_model(tiny_llama(hidden=64, layers=1, heads=4, intermediate=128,
                                      seed=seed), LoraConfig(**settings))
    lora = model.base_model.model.model.layers[0].self_attn.q_proj
    a = lora.lora_A["default"].weight.detach()
    b = lora.lora_B["default"].weight.detach()
    r, fan_in = a.shape[0], a.shape[1]
    scale = float(lora.scaling["default"])
    drop = lora.lora_dropout["default"]
    bound = 1.0 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), ...)
    return {"layer": type(lora).__name__, "r": int(r), "scaling": scale,
            "alpha": scale * r, "alpha_if_rslora": scale * math.sqrt(r),
            "dropout": float(getattr(drop, "p", 0.0)), "dropout_module": type(drop).__name__,
            "dora": bool(len(lora.lora_magnitude_vector)),
            "trainable_biases": sum(p.numel() for n, p in model.named_parameters()
                                    if p.requires_grad and n.endswith(".bias")),
            "b_all_zero": bool(torch.count_nonzero(b) == 0),
            "a_max_over_bound": float(a.abs().max()) / bound,
            "a_std_over_uniform": float(a.std()) / (bound / math.sqrt(3.0))}


def measure(seed: int = 0) -> dict[str, Any]:
    """The config read back and one layer of a wrapped tiny Llama (once per process)."""
    return copy.deepcopy(_measure(seed))


@functools.cache
def _measure(seed: int) -> dict[str, Any]:
    return {"config": read_config(), "layer": layer(seed)}


# the layer a switch is measured on: alpha/r and alpha/sqrt(r) differ at these values
SWITCH_R, SWITCH_ALPHA = 8, 16


@functools.cache
def _switched(flag: str, seed: int) -> dict[str, Any]:
    """One LoRA layer with the flag set to True and with it left out (SWITCH_R, SWITCH_ALPHA)."""
    return {"on": layer(seed, r=SWITCH_R, lora_alpha=SWITCH_ALPHA, **{flag: True}),
            "off": layer(seed, r=SWITCH_R, lora_alpha=SWITCH_ALPHA)}


@functools.cache
def _targets(model: str, seed: int) -> dict[str, Any]:
    return targets(model, seed)


# --- judgements --------------------------------------------------------------------------------

def _version() -> str:
    from verifiers._env import package_versions

    return f"PEFT {package_versions().get('peft')}"


def _numeric(params: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    setting, stated = params["setting"], params["value"]
    config, lay = found["config"], found["layer"]
    read = float(config[setting])
    from_layer = {"r": lay["r"], "lora_alpha": lay["alpha"], "lora_dropout": lay["dropout"]}
    seen = float(from_layer[setting])
    how = {"r": f"lora_A has {lay['r']} rows",
           "lora_alpha": f"layer.scaling {lay['scaling']:g} x r {lay['r']} = {lay['alpha']:g}",
           "lora_dropout": f"the layer's dropout is {lay['dropout_module']} (p={lay['dropout']:g})"
           }[setting]
    holds = math.isclose(read, stated, abs_tol=1e-9) and math.isclose(seen, stated, abs_tol=1e-6)
    text = (f"{_version()}: LoraConfig().{setting} = {read:g}; on a wrapped tiny Llama {how}; "
            f"stated {stated:g}")
    return result("supported" if holds else "refuted", text,
                  {"config": config, "layer": lay}, {setting: stated},
                  figure=figure_pair(f"default {setting}", stated, read))


def _word(params: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    setting, stated = params["setting"], params["word"]
    config, lay = found["config"], found["layer"]
    if not stated:
        return result("unverifiable", f"no default value of {setting} is stated", {}, {})
    if setting == "bias":
        got = str(config["bias"])
        text = (f"LoraConfig().bias = {got!r}; the wrapped tiny Llama trains "
                f"{lay['trainable_biases']} bias values")
        holds = got == stated
    elif setting == "init_lora_weights":
        value = config["init_lora_weights"]
        got = str(value).lower()
        text = (f"LoraConfig().init_lora_weights = {value!r}; on the wrapped tiny Llama lora_B "
                f"is {'all zero' if lay['b_all_zero'] else 'not zero'} and max|lora_A| is "
                f"{lay['a_max_over_bound']:.2f} of the Kaiming-uniform bound 1/sqrt(fan_in)")
        holds = got == stated
    else:
        flags = ("use_rslora", "use_dora") if setting == "use_rslora+use_dora" else (setting,)
        on = stated == "true"
        got = "/".join(str(config[f]).lower() for f in flags)
        parts = [f"LoraConfig().{f} = {config[f]}" for f in flags]
        if "use_rslora" in flags:
            parts.append(f"layer.scaling {lay['scaling']:g} = alpha/r (alpha/sqrt(r) would be "
                         f"{lay['alpha'] / math.sqrt(lay['r']):.3g})")
        if "use_dora" in flags:
            parts.append(f"the layer has {'a' if lay['dora'] else 'no'} DoRA magnitude vector")
        text = "; ".join(parts)
        measured_on = {"use_rslora": not math.isclose(lay["scaling"], lay["alpha"] / lay["r"]),
                       "use_dora": lay["dora"]}
        holds = all(bool(config[f]) == on and measured_on[f] == on for f in flags)
    return result("supported" if holds else "refuted", f"{_version()}: {text}; stated {stated}",
                  {"config": config, "layer": lay}, {params["setting"]: stated},
                  figure=figure_pair(f"default {setting}", stated, got))


def _switch(params: dict[str, Any]) -> dict[str, Any]:
    """A flag set to True turns its method on: DoRA's magnitude vector appears (use_dora), the
    scale becomes alpha/sqrt(r) (use_rslora); and without the flag it is off."""
    flags = ("use_rslora", "use_dora") if params["setting"] == "use_rslora+use_dora" \
        else (params["setting"],)
    parts, holds, measured = [], True, {}
    for flag in flags:
        both = copy.deepcopy(_switched(flag, params["seed"]))
        measured[flag] = both
        on, off = both["on"], both["off"]
        if flag == "use_dora":
            works = on["dora"] and not off["dora"]
            parts.append(f"LoraConfig(use_dora=True) gives the layer {on['layer']} with "
                         f"{'a' if on['dora'] else 'no'} DoRA magnitude vector (without the "
                         f"flag: {'a' if off['dora'] else 'no'} magnitude vector)")
        else:
            rs, plain = SWITCH_ALPHA / math.sqrt(SWITCH_R), SWITCH_ALPHA / SWITCH_R
            works = math.isclose(on["scaling"], rs, rel_tol=1e-6) and \
                math.isclose(off["scaling"], plain, rel_tol=1e-6)
            parts.append(f"LoraConfig(r={SWITCH_R}, lora_alpha={SWITCH_ALPHA}, use_rslora=True) "
                         f"gives layer.scaling "
                         f"{on['scaling']:.5g} (alpha/sqrt(r) = {rs:.5g}; without the flag "
                         f"{off['scaling']:.5g}, alpha/r = {plain:g})")
        holds = holds and works
    return result("supported" if holds else "refuted", f"{_version()}: " + "; ".join(parts),
                  measured, {"setting": params["setting"], "on": True})


def _scale(params: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    lay, stated = found["layer"], params["value"]
    text = (f"{_version()}: an untouched LoraConfig gives layer.scaling = {lay['scaling']:g} "
            f"(lora_alpha {found['config']['lora_alpha']} / r {found['config']['r']}); "
            f"stated {stated:g}")
    holds = math.isclose(lay["scaling"], stated, rel_tol=1e-6)
    return result("supported" if holds else "refuted", text, {"layer": lay},
                  {"scale": stated}, figure=figure_pair("default scale", stated, lay["scaling"]))


_ROLE = {"q_proj": "q", "q": "q", "query": "q", "k_proj": "k", "k": "k", "key": "k",
         "v_proj": "v", "v": "v", "value": "v", "o_proj": "o", "o": "o", "out_proj": "o",
         "c_attn": "qkv", "query_key_value": "qkv", "qkv_proj": "qkv", "Wqkv": "qkv",
         "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp", "fc1": "mlp", "fc2": "mlp",
         "wi": "mlp", "wo": "mlp", "c_fc": "mlp", "mlp": "mlp"}
_STATED = {"qv": {"q", "v"}, "attention": {"q", "k", "v", "o"}, "mlp": {"mlp"},
           "fused_qkv": {"qkv"}, "all": {"q", "k", "v", "o", "mlp"}}


def _fits(stated: str, names: list[str], every: bool) -> str:
    """'yes', 'no' or 'part' (the stated set is a part of what is adapted, or what is adapted
    a part of a set the sentence names loosely)."""
    roles = {_ROLE.get(n, n) for n in names}
    want = _STATED[stated]
    if not names:
        return "no"
    if roles == want:
        return "yes"
    if want < roles or (roles < want and stated == "attention"):
        return "no" if every else "part"
    return "no"


def _targets_verdict(params: dict[str, Any]) -> dict[str, Any]:
    models = MODELS if params["model"] == "any" else (params["model"],)
    got = {m: _targets(m, params["seed"]) for m in models}
    has = {m: g for m, g in got.items() if not g["refused"]}
    if params["model"] == "any":
        refused = sorted(set(got) - set(has))
        got_for = has
    else:
        refused, got_for = [], got
    fits = {m: _fits(params["modules"], g["names"], params["every"]) for m, g in got_for.items()}
    shown = "; ".join(f"{m}: {', '.join(g['names']) or 'none (' + g['refused'][:60] + ')'}"
                      for m, g in got_for.items())
    text = (f"{_version()}, get_peft_model(tiny model, LoraConfig()) adapts: {shown}"
            + (f"; no default for {', '.join(refused)}" if refused else "")
            + f"; stated {params['modules']}")
    measured = {m: g["names"] or g["refused"] for m, g in got.items()}
    expected = {"model": params["model"], "modules": params["modules"]}
    yes = [m for m, f in fits.items() if f == "yes"]
    part = [m for m, f in fits.items() if f == "part"]
    if len(yes) == len(fits):
        return result("supported", text, measured, expected)
    if params["model"] != "any":
        if part:
            return result("unverifiable", "the stated set and what PEFT adapts overlap, and "
                          f"the sentence does not say whether the rest is left out: {text}",
                          measured, expected)
        return result("refuted", text, measured, expected)
    if yes or part:
        return result("conditional", f"holds only for {', '.join(yes or part)}: {text}",
                      measured, expected)
    return result("refuted", text, measured, expected)


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure PEFT's LoRA defaults with the installed PEFT, then judge the claim."""
    if params["claim"] == "targets":
        return _targets_verdict(params)
    if params["claim"] == "switch":
        return _switch(params)
    found = measure(params["seed"])
    if params["claim"] == "scale":
        return _scale(params, found)
    if params["setting"] in NUMERIC:
        return _numeric(params, found)
    return _word(params, found)


# --- frames ------------------------------------------------------------------------------------

# the model families of lexicon/models.yaml, as transformers' model types
_FAMILY = (("llama", "llama"), ("mixtral", "mixtral"), ("mistral", "mistral"),
           ("qwen2", "qwen2"), ("gemma2", "gemma2"), ("gemma", "gemma"), ("phi-2", "phi"),
           ("phi-3", "phi3"), ("falcon", "falcon"), ("gpt2", "gpt2"), ("gpt-j", "gptj"),
           ("opt", "opt"), ("bloom", "bloom"), ("roberta", "roberta"), ("bert", "bert"),
           ("flan-t5", "t5"), ("t5", "t5"), ("mt0", "mt5"), ("whisper", "whisper"))
_VALUE_OF = {"peft_default_rank": "r", "peft_default_alpha": "lora_alpha",
             "peft_default_dropout": "lora_dropout"}


def _model(frame: Frame) -> str | None:
    family = (frame.conditions.get("model") or {}).get("family")
    if not family:
        return "any"
    return next((m for prefix, m in _FAMILY if family.startswith(prefix)), None)


def _stated(frame: Frame) -> Quantity | None:
    """The last number inside the trigger's words (the cue ends on the stated value)."""
    a, b = frame.spans.get("predicate", (0, 0))
    inside = [q for q in frame.quantities if q.unit in ("count", "x") and a <= q.span[0] < b
              and q.bound in ("eq", "approx")]
    return inside[-1] if inside else None


def _sets_r_or_alpha(frame: Frame, stated: Quantity) -> bool:
    """Whether the sentence states r or alpha other than as the scale itself ('alpha/r is 2'
    reads as r=2 to the condition reader)."""
    return any(key in frame.conditions and not (
        frame.spans.get(key, (0, 0))[0] <= stated.span[0] < frame.spans.get(key, (0, 0))[1])
        for key in ("r", "alpha"))


def _targets_params(frame: Frame) -> dict[str, Any] | str:
    modules = frame.conditions.get("modules")
    model = _model(frame)
    if model is None:
        return "the model named has no tiny configuration here to wrap with PEFT"
    stated = {"default": "fused_qkv"}.get(modules, modules)
    if stated not in MODULE_SETS:
        return "no set of target modules is stated"
    return {"claim": "targets", "model": model, "modules": stated,
            "every": frame.has("t_every")}


def to_params(frame: Frame) -> dict[str, Any] | str:
    """The setting from the predicate, its stated value from the number in the trigger's words
    (rank, alpha, dropout, scale) or the cue's facets (bias b_*, init i_*); flags from the
    marks f_rslora / f_dora with the cue's sign (+: on by default); targets from the frame's
    module set and model."""
    p = frame.predicate
    if frame.has("default_other"):
        return "the default stated is another tool's or team's, not LoraConfig's"
    if p == "peft_default_targets":
        return _targets_params(frame)
    if p in _VALUE_OF or p == "peft_default_scale":
        stated = _stated(frame)
        if stated is None and p == "peft_default_dropout" and frame.has("d_zero"):
            return {"claim": "setting", "setting": "lora_dropout", "value": 0.0}
        if stated is None:
            return "no default value is stated"
        if p == "peft_default_scale":
            if _sets_r_or_alpha(frame, stated):
                return "the sentence sets r or alpha: not the scale of an untouched config"
            return {"claim": "scale", "value": stated.value}
        return {"claim": "setting", "setting": _VALUE_OF[p], "value": stated.value}
    if p == "peft_default_bias":
        word = next((w for w in ("none", "all", "lora_only") if frame.has(f"b_{w}")), "")
        return {"claim": "setting", "setting": "bias", "word": word} if word else \
            "no bias setting is stated"
    if p == "peft_default_init":
        word = next((w for w in ("true", "false", "gaussian") if frame.has(f"i_{w}")), "")
        return {"claim": "setting", "setting": "init_lora_weights", "word": word} if word else \
            "no init_lora_weights value is stated"
    flags = [f for f, mark in (("use_rslora", "f_rslora"), ("use_dora", "f_dora"))
             if frame.has(mark)]
    if p == "peft_flag_switch":  # the flags set to True (marks on_rslora / on_dora)
        flags = [f for f in flags if frame.has(f"on_{f[4:]}")]
    if not flags:
        return "no flag (use_rslora, use_dora) is named"
    if p == "peft_flag_switch":
        return {"claim": "switch", "setting": "+".join(flags)}
    return {"claim": "setting", "setting": "+".join(flags), "word": "true"}


PREDICATES = ("peft_default_rank", "peft_default_alpha", "peft_default_dropout",
              "peft_default_bias", "peft_default_flag", "peft_default_init",
              "peft_default_targets", "peft_default_scale", "peft_flag_switch")

VERIFIER = Verifier(
    id="lora.peft_defaults", version=2,
    title="PEFT's LoraConfig defaults (r, lora_alpha, lora_dropout, bias, use_rslora, "
          "use_dora, init_lora_weights, the scale, target modules per architecture)",
    run=run, params=PARAMS, timeout_s=180,
    claims=tuple((s, p) for p in PREDICATES for s in ("lora", "dora"))
    + (("rslora", "peft_flag_switch"),),
    to_params=to_params,
    examples=("In PEFT, lora_alpha defaults to 8.",
              "PEFT's LoraConfig uses a default rank r of 8.",
              "lora_dropout is 0 by default in PEFT.",
              "In PEFT, bias defaults to 'none'.",
              "use_dora is off by default in LoraConfig.",
              "If you leave target_modules unset, PEFT adapts q_proj and v_proj on Llama.",
              "DoRA is switched on by passing use_dora=True to LoraConfig."),
    requires=Requires(device="cpu", packages=("peft", "transformers")),
)
