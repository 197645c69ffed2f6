"""Family 1: LoRA training leaves every base weight bit-identical; only A and B change.

Runs real optimizer steps on a tiny Llama twice: with the reference LoRA layer (`_lora.py`,
A Gaussian) and with PEFT (A kaiming-uniform). The optimizer is handed *every* parameter of
the model, so what keeps the base unchanged is measured (no gradient reaches it), not assumed
from which tensors were passed to the optimizer.
"""

from __future__ import annotations

import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available, tiny_llama_config

CLAIMS = ("frozen", "updated", "b_only_first_step", "a_and_b_first_step", "only_adapters",
          "parts_frozen", "backward_through")
# The parts of the base a sentence can name besides its weight matrices, and the LoraConfig
# setting that makes PEFT train each (a bias setting, or a full copy in modules_to_save)
PARTS = {"bias": {"bias": "all"}, "embeddings": {"modules_to_save": ["embed_tokens"]},
         "head": {"modules_to_save": ["lm_head"]},
         "norms": {"modules_to_save": ["input_layernorm", "post_attention_layernorm"]}}


def trainable_outside_adapters(task: str) -> list[str]:
    """The trainable parameters PEFT leaves outside the LoRA matrices, on a tiny Llama with
    LoraConfig's defaults: `task` 'causal_lm' (a LlamaForCausalLM, no task_type) or 'seq_cls'
    (a LlamaForSequenceClassification with task_type='SEQ_CLS', as classifiers are wrapped)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM, LlamaForSequenceClassification

    torch.manual_seed(0)
    config = tiny_llama_config(num_labels=2, pad_token_id=0)
    if task == "seq_cls":
        model = get_peft_model(LlamaForSequenceClassification(config),
                               LoraConfig(task_type="SEQ_CLS", target_modules=["q_proj", "v_proj"]))
    else:
        model = get_peft_model(LlamaForCausalLM(config),
                               LoraConfig(target_modules=["q_proj", "v_proj"]))
    return [n for n, p in model.named_parameters()
            if p.requires_grad and "lora_A" not in n and "lora_B" not in n]


def _part(name: str) -> str | None:
    if name.endswith(".bias"):
        return "bias"
    for part, key in (("embeddings", "embed_tokens"), ("head", "lm_head"), ("norms", "norm")):
        if key in name:
            return part
    return None


def trainable_parts(options: dict[str, Any]) -> dict[str, int]:
    """How many tensors of each part of the base (biases, embeddings, head, norms) PEFT leaves
    trainable on a tiny Llama with biases on its attention projections, under `options` of
    LoraConfig (LoRA on q_proj and v_proj)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    model = get_peft_model(LlamaForCausalLM(tiny_llama_config(attention_bias=True)),
                           LoraConfig(target_modules=["q_proj", "v_proj"], **options))
    out = dict.fromkeys(PARTS, 0)
    for name, p in model.named_parameters():
        part = _part(name)
        if p.requires_grad and part and "lora_" not in name:
            out[part] += 1
    return out


def _setting(option: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in option.items())


def _run_parts(params: dict[str, Any]) -> dict[str, Any]:
    """Biases, embeddings, head and norms: frozen under LoraConfig's defaults, and trained
    when the config asks for them (bias='all', modules_to_save)."""
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    expected = {"claim": "parts_frozen", "defaults_said": params["defaults_said"],
                "setting_stated": params["setting_stated"], "task": params["task"]}
    if params["task"] == "seq_cls":
        # "with task_type=SEQ_CLS the classification head stays frozen": the head of a
        # classifier wrapped so, read back from PEFT (the causal LM's parts are not built)
        head = trainable_outside_adapters("seq_cls")
        measured = {"seq_cls_trainable": head}
        if head:
            return result("refuted", f"A sequence classifier wrapped with task_type='SEQ_CLS' "
                          f"trains its head in full ({', '.join(head[:4])}: PEFT puts it in "
                          "modules_to_save).", measured, expected)
        return result("supported", "A sequence classifier wrapped with task_type='SEQ_CLS' "
                      "trains nothing outside the LoRA matrices.", measured, expected)
    defaults = trainable_parts({})
    # every part asked for at once (the settings do not touch each other's parts)
    asked = trainable_parts({"bias": "all", "modules_to_save": [
        m for opt in PARTS.values() for m in opt.get("modules_to_save", ())]})
    measured = {"defaults": defaults, "when_asked": asked, "options": PARTS}
    if params["setting_stated"] and any(asked.values()):
        # "modules_to_save=['lm_head'] ...": the part is said of a config that asks for it
        trained = ", ".join(f"{_setting(PARTS[k])} -> {n} {k} tensors" for k, n in asked.items()
                            if n)
        return result("refuted", f"With the setting the sentence names, PEFT trains parts "
                      f"outside the LoRA matrices: {trained}.", measured, expected)
    if any(defaults.values()):
        trained = ", ".join(f"{n} {k}" for k, n in defaults.items() if n)
        return result("refuted", f"With LoraConfig's defaults PEFT trains {trained} tensors "
                      "outside the LoRA matrices.", measured, expected)
    said = ("with LoraConfig's defaults (bias='none', no modules_to_save) PEFT trains none of "
            "the biases, embeddings, head or norms of a tiny Llama; asked for, it trains them: "
            + ", ".join(f"{_setting(PARTS[k])} -> {n} {k} tensors" for k, n in asked.items()))
    if params["defaults_said"] or not any(asked.values()):
        return result("supported", f"Measured: {said}.", measured, expected)
    return result("conditional", f"Holds with PEFT's defaults only: {said}.", measured, expected)


def backward_reach(r: int = 4, layers: int = 4, seed: int = 0) -> dict[str, Any]:
    """One backward pass of a tiny Llama with LoRA (PEFT) on the first block only: the gradient
    that reaches that block's B came back through every frozen block above it. What it shows:
    the frozen blocks' weights get no gradient, yet the adapter below them does."""
    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    model = peft_lora(tiny_llama(layers=layers, seed=seed), r=r, alpha=2 * r,
                      layers_to_transform=[0])
    model.train()
    tokens = random_tokens(2, 16, seed=seed)
    model(input_ids=tokens, labels=tokens).loss.backward()
    first_b = [p.grad.abs().max().item() for n, p in model.named_parameters()
               if "lora_B" in n and p.grad is not None]
    base_with_grad = [n for n, p in model.named_parameters()
                      if "lora_" not in n and p.grad is not None]
    return {"blocks": layers, "adapted_block": 0, "frozen_blocks_above": layers - 1,
            "first_block_grad_B_max": max(first_b, default=0.0),
            "base_tensors_with_grad": len(base_with_grad)}


def _run_backward(params: dict[str, Any]) -> dict[str, Any]:
    """'The backward pass still runs through the frozen layers': an adapter under frozen blocks
    gets its gradient only through them."""
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    m = backward_reach(params["r"], seed=params["seed"])
    through = m["first_block_grad_B_max"] > 0
    return result("supported" if through else "refuted",
                  f"LoRA on block 0 of {m['blocks']} (the {m['frozen_blocks_above']} above it "
                  f"frozen): after one backward pass its B has max |grad| "
                  f"{m['first_block_grad_B_max']:.3g}, which could only come back through the "
                  f"frozen blocks; {m['base_tensors_with_grad']} base tensors hold a gradient.",
                  m, {"claim": "backward_through"})


def _run_only_adapters(params: dict[str, Any]) -> dict[str, Any]:
    """'Nothing but A and B is trained', every parameter of the model in its scope: what PEFT
    leaves trainable besides the LoRA matrices, for a causal LM and for a classifier."""
    if not peft_available():
        return result("skipped", PEFT_MISSING)
    causal = trainable_outside_adapters("causal_lm")
    classifier = trainable_outside_adapters("seq_cls")
    measured = {"causal_lm_defaults": causal, "seq_cls_task_type": classifier}
    expected = {"claim": "only_adapters"}
    said = (f"with LoraConfig's defaults on a causal LM, {len(causal)} trainable tensors outside "
            f"lora_A / lora_B; on a sequence classifier wrapped with task_type='SEQ_CLS', "
            f"{len(classifier)} ({', '.join(classifier[:4]) or 'none'}: the head is in "
            "modules_to_save and trains in full)")
    if not causal and classifier:
        return result("conditional", f"Only the LoRA matrices train in some settings: {said}.",
                      measured, expected)
    verdict = "supported" if not causal and not classifier else "refuted"
    return result(verdict, f"Claim: nothing but the LoRA matrices trains: {said}.", measured,
                  expected)


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Train LoRA for a few steps (reference and PEFT) and check what changed."""
    if params["claim"] == "only_adapters":
        return _run_only_adapters(params)
    if params["claim"] == "parts_frozen":
        return _run_parts(params)
    if params["claim"] == "backward_through":
        return _run_backward(params)
    ref = _measure(params, use_peft=False)
    peft = _measure(params, use_peft=True) if peft_available() else {"skipped": PEFT_MISSING}
    measured = {"reference": ref, "peft": peft,
                "note": "reference A is Gaussian, PEFT's A is kaiming-uniform; B is zero in both"}
    claim = params["claim"]
    holds = {name: _holds(claim, half) for name, half in (("reference", ref), ("peft", peft))
             if "skipped" not in half}
    expected = {"claim": claim, "steps": params["steps"]}
    summary = (f"after {params['steps']} AdamW steps the reference changed "
               f"{ref['base_changed']} of {ref['base_tensors']} base tensors and "
               f"{ref['adapter_changed']} of {ref['adapter_tensors']} LoRA tensors; at step one "
               f"max |grad A| = {ref['first_step_grad_A_max']:.3g}, "
               f"max |grad B| = {ref['first_step_grad_B_max']:.3g}")
    if "skipped" not in peft:
        summary += (f" (PEFT: {peft['base_changed']}/{peft['base_tensors']} base tensors changed, "
                    f"step-one |grad A| {peft['first_step_grad_A_max']:.3g}, "
                    f"|grad B| {peft['first_step_grad_B_max']:.3g})")
    if len(set(holds.values())) > 1:
        return result("conditional", f"The implementations disagree: {summary}.", measured,
                      expected, holds=holds)
    verdict = "supported" if all(holds.values()) else "refuted"
    return result(verdict, f"{_CLAIM_TEXT[claim]}: {summary}.", measured, expected)


_CLAIM_TEXT = {
    "frozen": "Claim: LoRA leaves the base weights frozen",
    "updated": "Claim: LoRA training updates the base weights",
    "b_only_first_step": "Claim: at the first step only B receives a non-zero gradient",
    "a_and_b_first_step": "Claim: at the first step both A and B receive a gradient",
}


def _holds(claim: str, m: dict[str, Any]) -> bool:
    frozen = m["base_changed"] == 0 and m["base_with_grad"] == 0
    trained = m["adapter_changed"] == m["adapter_tensors"] > 0
    b_only = m["first_step_grad_A_max"] == 0.0 and m["first_step_grad_B_max"] > 0.0
    return {"frozen": frozen and trained, "updated": not frozen, "b_only_first_step": b_only,
            "a_and_b_first_step": m["first_step_grad_A_max"] > 0 and m["first_step_grad_B_max"] > 0,
            }[claim]


def _measure(params: dict[str, Any], *, use_peft: bool) -> dict[str, Any]:
    import torch

    from verifiers._env import has_package
    from verifiers._lora import inject_lora
    from verifiers._tiny import peft_lora, random_tokens, tiny_llama

    seed, r, alpha = params["seed"], params["r"], params["alpha"]
    # The reference half needs no third-party library: without transformers it trains a
    # pure-torch stand-in with the same q_proj / v_proj names.
    model = tiny_llama(seed=seed) if has_package("transformers") else _torch_lm(seed)
    targets = ("q_proj", "v_proj")
    if use_peft:
        model = peft_lora(model, r=r, alpha=alpha, targets=targets)
    else:
        inject_lora(model, targets, r, alpha, generator=torch.Generator().manual_seed(seed))
    model.train()
    named = dict(model.named_parameters())
    adapter = {n for n in named if "lora_A" in n or "lora_B" in n}
    before = {n: p.detach().clone() for n, p in named.items()}
    # Every parameter goes to the optimizer (weight decay included), as a careless script would.
    opt = torch.optim.AdamW(model.parameters(), lr=params["lr"], weight_decay=0.01)
    tokens = random_tokens(4, 16, seed=seed + 1)
    grad_a = grad_b = 0.0
    for step in range(params["steps"]):
        opt.zero_grad(set_to_none=True)
        loss = _loss(model, tokens)
        loss.backward()
        if step == 0:
            grad_a = max(float(named[n].grad.abs().max()) for n in adapter if "lora_A" in n)
            grad_b = max(float(named[n].grad.abs().max()) for n in adapter if "lora_B" in n)
        opt.step()
    base = [n for n in named if n not in adapter]
    return {
        "implementation": "peft" if use_peft else "reference",
        "steps": params["steps"],
        "base_tensors": len(base),
        "base_changed": sum(not torch.equal(named[n].detach(), before[n]) for n in base),
        "base_with_grad": sum(named[n].grad is not None for n in base),
        "adapter_tensors": len(adapter),
        "adapter_changed": sum(not torch.equal(named[n].detach(), before[n]) for n in adapter),
        "trainable_params": sum(p.numel() for p in named.values() if p.requires_grad),
        "total_params": sum(p.numel() for p in named.values()),
        "first_step_grad_A_max": grad_a,
        "first_step_grad_B_max": grad_b,
        "final_loss": float(loss.detach()),
    }


def _loss(model: Any, tokens: Any) -> Any:
    import torch

    out = model(input_ids=tokens, labels=tokens)
    if hasattr(out, "loss"):
        return out.loss
    return torch.nn.functional.cross_entropy(out[:, :-1].flatten(0, 1), tokens[:, 1:].flatten())


def _torch_lm(seed: int) -> Any:
    """A tiny language model in plain torch: embedding, attention-like q/v projections, head."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q_proj, self.v_proj = nn.Linear(64, 64), nn.Linear(64, 64)
            self.norm = nn.LayerNorm(64)

        def forward(self, h: torch.Tensor) -> torch.Tensor:
            q, v = self.q_proj(self.norm(h)), self.v_proj(self.norm(h))
            weights = torch.softmax(q @ h.transpose(1, 2) / 8.0, dim=-1).tril()
            return h + weights @ v

    class TinyLM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed, self.head = nn.Embedding(256, 64), nn.Linear(64, 256)
            self.layers = nn.ModuleList([Block(), Block()])

        def forward(self, input_ids: torch.Tensor, labels: Any = None) -> torch.Tensor:
            h = self.embed(input_ids)
            for block in self.layers:
                h = block(h)
            return self.head(h)

    torch.manual_seed(seed)
    return TinyLM()


# a share just before what is updated: "under 1% of the (model's) weights"
_SHARE_BEFORE = re.compile(r"(?:\d\s*%|\b(?:fraction|share|tiny\s+part|small\s+part|sliver))\s+"
                           r"of\s+(?:the\s+|all\s+|its\s+)?(?:[\w'-]+\s+){0,2}$", re.I)


_ONLY = re.compile(r"\b(?:only|solely)\b", re.I)


# (not "the merged grad": a merge as what is done to the weights)
_MERGE_NAMED = re.compile(r"\bmerg(?:e|es|ed|ing)\b(?!\s+(?:grads?|gradients?)\b)|"
                          r"\bmerge_and_unload\b|\bmerge_adapter\b|\b(?:fold(?:s|ed|ing)?|"
                          r"bak(?:e|es|ed|ing))\s+(?:it\s+|them\s+|the\s+(?:adapter|update|LoRA)\s+)?"
                          r"in(?:to)?\b", re.I)
# a break between a merge named and the words on the base ("... merge it; the base stays")
_CLAUSE_BREAK = re.compile(r"[.;:]\s|,\s*(?:and|but|while|whereas|so)\b|\b(?:while|whereas)\b",
                           re.I)


def _merge_before(frame: Frame) -> bool:
    """A merge named before the words on the base, in their clause ("after merging, the base
    weights stay untouched")."""
    p = frame.spans.get("predicate", (0, 0))[0]
    ends = [m.end() for m in _MERGE_NAMED.finditer(frame.text, 0, p)]
    return bool(ends) and not _CLAUSE_BREAK.search(frame.text, ends[-1], p)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """A `base_frozen` frame checks that the base stays frozen (a sentence saying it is updated
    is that claim denied: the pipeline turns the verdict round; the facet `deployment` is a
    claim about serving, not training); a `first_step_grad` frame checks which of A and B gets
    the first gradient (`a_and_b`: both, else only B)."""
    if frame.predicate == "base_frozen":
        a = frame.spans.get("predicate", (0, 0))[0]
        if not frame.polarity and _SHARE_BEFORE.search(frame.text, max(0, a - 40), a):
            # "less than 0.1% of the base model's parameters were updated": a share of the
            # parameters said to be trained, a count claim, not the base said trained
            return "a share of the parameters is said to be trained: a count, not the base " \
                   "said to be updated"
        if not frame.polarity and frame.has("only_adapter") and not frame.has("base_named") \
                and not _ONLY.search(frame.text, *frame.spans.get("predicate", (0, 0))):
            # "only the LoRA matrices, kept in higher precision, receive gradient steps": the
            # training is said of the adapters alone, which is no base said to be trained (the
            # words read as the base's training are not the "only" construction's, which is
            # denied in "are no longer the only weights that get gradients")
            return "the training is said of the adapters only (\"only ... receive gradients\"), " \
                   "not of the base"
        if frame.has("adapters_frozen"):
            return "the sentence says the adapter matrices are frozen, not the base"
        if not frame.polarity and not frame.has("deployment") and _merge_before(frame):
            # "after merging, the base weights have changed": true of a merge, which writes
            # W0 + BA into the weights; this verifier measures training
            return ("the base weights are said to change after a merge named before them: "
                    "merging writes W0 + BA into them, and this verifier measures training")
        if frame.has("deployment"):
            if not frame.polarity:
                return ("the sentence is about the base weights at deployment, where merging "
                        "writes W0 + BA into them; this verifier measures training")
            return {"claim": "frozen", "_condition": "during training (merging for deployment "
                    "writes W0 + BA into the weights)"}
        if frame.has("parts_named") and not frame.has("exception_named") \
                and not frame.has("base_named") or frame.has("part_verb"):
            # "the embedding matrix stays frozen", "biases are trained along with A and B":
            # parts PEFT freezes by default and trains when the config asks for them ("you can
            # train the embeddings too" claims a config that does: not the defaults' verdict)
            can_train = not frame.polarity and frame.has("modal_can")
            return {"claim": "parts_frozen",
                    "defaults_said": frame.has("defaults_said") and not can_train,
                    # (a setting granted as the default's exception: the default is judged)
                    "setting_stated": frame.has("setting_stated")
                    and not (frame.has("setting_conceded") and frame.has("defaults_said")),
                    "task": "seq_cls" if frame.has("task_seq_cls") and frame.has("head_named")
                    else "causal_lm"}
        if not frame.polarity and frame.has("setting_stated"):
            # "if you add lm_head to modules_to_save, ... the base is no longer entirely
            # frozen": the base said trained under a setting that asks for a part, as it is
            return {"claim": "parts_frozen", "defaults_said": False, "setting_stated": True,
                    "task": "causal_lm"}
        if frame.polarity and frame.has("task_seq_cls") and not frame.has("exception_named"):
            # "with task_type='SEQ_CLS' only the LoRA weights are trainable": the classifier's
            # head is the part such a config leaves trainable
            return {"claim": "parts_frozen", "defaults_said": frame.has("defaults_said"),
                    "setting_stated": frame.has("setting_stated"), "task": "seq_cls"}
        if frame.polarity and not frame.has("exception_named") and (
                frame.has("exclusive") or frame.has("only_adapter") and frame.has("api_named")
                and not frame.has("base_named") and not frame.has("frozen_said")):
            # "nothing but A and B is ever trained", "after get_peft_model only lora_A and
            # lora_B are trainable": heads and modules_to_save are in scope
            return {"claim": "only_adapters"}
        return {"claim": "frozen"}
    if frame.predicate == "backward_through_base":
        return {"claim": "backward_through"}
    if frame.predicate == "first_step_grad":
        return {"claim": "a_and_b_first_step" if frame.has("a_and_b") else "b_only_first_step"}
    return f"no claim of this verifier is read from '{frame.predicate}'"


VERIFIER = Verifier(
    id="lora.frozen_base",
    version=3,
    title="LoRA training keeps the base weights frozen; only A and B change",
    run=run,
    params=(
        Param("claim", str, default="frozen", choices=CLAIMS,
              help="what the claim says: base frozen, base updated, or which of A/B gets the "
                   "first gradient"),
        Param("steps", int, default=3, min=1, max=50, help="optimizer steps"),
        Param("r", int, default=4, min=1, max=64, help="LoRA rank"),
        Param("alpha", float, default=8.0, min=0.0, max=1024.0, help="LoRA alpha"),
        Param("lr", float, default=1e-2, min=1e-6, max=1.0, help="AdamW learning rate"),
        Param("seed", int, default=0, min=0, max=2**31 - 1, help="model and data seed"),
        Param("defaults_said", bool, default=False,
              help="parts_frozen: the sentence says it speaks of PEFT's defaults"),
        Param("setting_stated", bool, default=False,
              help="parts_frozen: the sentence sets modules_to_save or a bias option that "
                   "trains a part"),
        Param("task", str, default="causal_lm", choices=("causal_lm", "seq_cls"),
              help="parts_frozen: the model the head belongs to (seq_cls: a classifier wrapped "
                   "with task_type='SEQ_CLS')"),
    ),
    claims=(("lora", "base_frozen"), ("lora", "first_step_grad"),
            ("lora", "backward_through_base")),
    to_params=to_params,
    examples=(
        "LoRA keeps the pretrained weights frozen.",
        "The base model's parameters are never updated during LoRA training.",
        "Only the low-rank matrices receive gradient updates; the original weights stay fixed.",
        "QLoRA keeps the 4-bit base model frozen while its adapters train.",
        "LoRA fine-tuning also updates the base model weights.",
        "At the first optimizer step only B receives a non-zero gradient.",
        "With PEFT's LoRA nothing except the lora_A and lora_B matrices is ever trained.",
        "The backward pass still runs through the frozen base layers.",
    ),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=120.0,
)
