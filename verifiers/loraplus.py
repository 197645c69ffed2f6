"""LoRA+ (Hayou et al., 2024): B is trained with a learning rate lambda times A's.

Two measurements. (1) What LoRA+ is, as practitioners run it: PEFT's
`create_loraplus_optimizer` over `tiny_llama()`; every parameter group is read back with its
learning rate and the names of the parameters in it (A, B, other). (2) Whether the ratio speeds
convergence, on a toy task only: a frozen random two-layer ReLU network with reference LoRA
(A Gaussian, B zero) on both layers, regressing a teacher whose weights differ by a low-rank
change; Adam, several seeds, the same step budget for every arm. Two comparisons, because the
answer depends on which is made: at the same learning rate for A (LoRA+ as a drop-in change),
and with each arm at its own best learning rate from one grid (a tuned baseline). A toy task
can show that the effect exists under some condition, never that it holds in general, so a
claim that the ratio improves convergence is at best `conditional`.
"""

from __future__ import annotations

import re
import statistics
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

CLAIMS = ("different_lr", "same_lr", "a_higher_lr", "improves_convergence", "no_effect",
          "b_rate", "same_params", "api")
# the keyword arguments of PEFT's create_loraplus_optimizer a sentence can name ("api")
API_ARGS = ("", "loraplus_lr_ratio", "loraplus_lr_embedding", "loraplus_weight_decay")
PARAMS = (
    Param("claim", str, default="different_lr", choices=CLAIMS,
          help="different_lr / same_lr / a_higher_lr: what the optimizer's groups are; "
               "improves_convergence / no_effect: what the ratio does to training; "
               "same_params: the optimizer trains exactly the LoRA model's parameters"),
    Param("ratio", float, default=16.0, min=1.0, max=1024.0, help="lambda = lr_B / lr_A"),
    Param("lr", float, default=1e-3, min=1e-5, max=1.0, help="learning rate of A"),
    Param("b_lr", float, default=0.0, min=0.0, max=1.0,
          help="b_rate: the learning rate stated for B (with lr, A's, and ratio)"),
    Param("b_tol", float, default=0.0, min=0.0, max=1.0, help="b_rate: its stated precision"),
    Param("arg", str, default="", choices=API_ARGS,
          help="api: the keyword argument named ('' : the call itself)"),
    Param("default", float, default=-1.0, min=-1.0, max=1024.0,
          help="api: the default stated for arg (-1: none stated)"),
    Param("required", bool, default=False, help="api: arg said to have no default"),
    Param("has_default", bool, default=False,
          help="api: arg said to have a default (\"has no default\" is its denial)"),
    Param("seeds", int, default=3, min=2, max=10),
    Param("steps", int, default=150, min=20, max=1000, help="step budget of every toy run"),
    Param("target", float, default=0.05, min=1e-6, max=0.9,
          help="target loss as a fraction of the initial loss (steps to reach it are counted)"),
)

_SPLIT = ("different_lr", "same_lr", "lr_split")


def _ratio(frame: Frame) -> dict[str, Any]:
    """lambda, where the sentence states it as a multiple ('16 times', '16x')."""
    q = frame.first("x")
    if q is not None and 1.0 <= q.value <= 1024.0:
        return {"ratio": q.value}
    return {}


# the ratio said to be a recommendation: the authors', the paper's, or recommended, suggested
_RECOMMENDED = re.compile(r"\b(?:recommend\w*|suggest\w*|advis\w*|propos\w*)\b|"
                          r"\b(?:the\s+)?(?:LoRA\+\s+)?(?:authors|paper)\b", re.I)
# a ratio given as a bare number after its name: "a ratio of about 2", "lambda of 2"
_RATIO_WORD = re.compile(r"\b(?:ratio|lambda|loraplus_lr_ratio)\s*(?:of|=|:|is|around|about)?\s*"
                         r"(?:about\s+|around\s+|roughly\s+|~\s*)?(\d{1,4}(?:\.\d+)?)\b"
                         r"(?!\s*(?:[%^]|\*\*|to\s+the\b))",
                         re.I)


def _ratio_word(frame: Frame) -> float | None:
    """A ratio stated as a bare number after its name, else None."""
    m = _RATIO_WORD.search(frame.text)
    return float(m.group(1)) if m and 1.0 <= float(m.group(1)) <= 1024.0 else None


def _direction(frame: Frame) -> str:
    """'B>A', 'A>B', 'same' or '': the facets of the cue that was read first (they name the
    matrix), then the condition `lr_direction`, then cues.yaml's `same_lr`."""
    if frame.has("b_higher"):
        return "B>A"
    if frame.has("a_higher"):
        return "A>B"
    said = frame.has("same_lr") or frame.conditions.get("lr_direction", "") == "same"
    if said and (m := _IF_CLAUSE.match(frame.text)) and _SAME_WORDS.search(m.group(0)) \
            and not _SAME_WORDS.search(frame.text, m.end()):
        # "if you used a single learning rate for all weights before, LoRA+ ...": the one rate
        # is the setting before, in the condition, not what LoRA+ does
        return ""
    if frame.has("same_lr"):
        return "same"
    return frame.conditions.get("lr_direction", "")


_IF_CLAUSE = re.compile(r"^\W{0,3}(?:if|when|whereas|while)\b[^,;.]{0,200},", re.I)
_SAME_WORDS = re.compile(r"\b(?:same|single|one|shared|equal|identical|uniform)\s+(?:[\w-]+\s+)?"
                         r"(?:learning[- ]rates?|lrs?)\b", re.I)


# A and B (or both matrices, every parameter) named as what a learning rate is shared by
_MATRICES_NAMED = re.compile(r"(?-i:\bA\s*(?:and|&|/|,)\s*B\b|\bB\s*(?:and|&|/|,)\s*A\b|\b[AB]'s\b|"
                             r"\b[AB]\s+(?:and|or)\s+(?:the\s+)?[AB]\b)|\blora_[AB]\b|"
                             r"\b(?:both|the\s+two|all|every)\s+(?:the\s+)?(?:LoRA\s+|adapter\s+)?"
                             r"(?:matri(?:x|ces)|factors|parameters|params|weights|groups)\b|"
                             # ("keeps a single learning rate": one rate for every parameter)
                             r"\b(?:a\s+single|one|a\s+shared|one\s+shared)\s+(?:global\s+)?"
                             r"(?:learning\s+rate|lr)\b", re.I)


_TASK_SCORE = re.compile(r"\b(?:accuracy|accurate|(?:eval|benchmark|validation|test)\s+"
                         r"(?:score|scores|points?|results?|set)|points?\s+(?:higher|better)|"
                         r"\d(?:\.\d+)?\s*points?|"
                         r"scored|scores?\b|F1|BLEU|ROUGE|GLUE|MMLU|win[- ]rate)", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """`lr_ratio`: how B's learning rate compares with A's (B higher or merely different ->
    different_lr, A higher -> a_higher_lr, one rate -> same_lr) with lambda where stated as a
    multiple; `convergence`: that the ratio speeds up training. For a LoRA subject only when the
    sentence speaks of separate learning rates for A and B (LoRA+ without the name)."""
    direction = _direction(frame)
    read = frame.conditions.get("lr_direction", "")
    if {direction, read} == {"B>A", "A>B"} and (re.search(r"[;:]\s|\.\s+[A-Z]", frame.text)
                                                or frame.has("lambda_below")):
        # "eta_B = lambda * eta_A ...; A is the matrix that gets the bigger learning rate": the
        # sentence gives the larger rate to each of them in turn, in clauses of their own (or
        # the cue's matrix gets lambda times the other's rate, and lambda is said to be 1/16)
        return "the sentence gives the larger learning rate to B in one place and to A in another"
    if frame.predicate == "lr_ratio" and direction == "same" \
            and not _MATRICES_NAMED.search(frame.text):
        # "which is why your loss blew up at the same learning rate": a rate the same as in
        # another run, not one rate shared by A and B
        return "a learning rate said to be the same as another run's, not shared by A and B"
    if frame.predicate == "lr_ratio" and direction == "same" and frame.polarity \
            and (frame.subject != "loraplus" or frame.has("same_is_plain")):
        # "plain LoRA trains A and B with one learning rate": plain LoRA's own optimizer, which
        # is what LoRA+ departs from, not LoRA+'s groups that this verifier builds
        return "one learning rate for A and B is said of plain LoRA, not of LoRA+"
    split = direction in ("B>A", "A>B") or any(frame.has(c) for c in _SPLIT) \
        or _b_rate(frame) is not None  # (a base rate, the ratio and the rate B trains at)
    if frame.subject != "loraplus" and not split and frame.predicate != "no_extra_params" \
            and not (frame.predicate == "loraplus_api" and _API_ARG.search(frame.text)):
        # (an argument of create_loraplus_optimizer named is LoRA+'s, whatever the subject)
        return "it speaks of a learning rate, not of separate rates for A and B (LoRA+)"
    if frame.predicate == "convergence" and frame.polarity and _TASK_SCORE.search(frame.text):
        # "LoRA+ reports 1-2% better accuracy and up to 2x faster fine-tuning": a paper's (or a
        # team's) results on its tasks, reported together; a toy task does not re-measure them
        return "a speed-up reported with task scores (accuracy, points): a benchmark result"
    if frame.predicate == "convergence":
        return {"claim": "improves_convergence"}
    if frame.predicate == "no_extra_params":
        return {"claim": "same_params"}
    if frame.predicate == "loraplus_api":
        return _api_params(frame)
    if frame.predicate != "lr_ratio":
        return f"no claim of this verifier is read from '{frame.predicate}'"
    if not frame.polarity and _ANSWERED_NO.match(frame.text) and direction in ("B>A", "A>B"):
        # "is LoRA+ just a bigger rate everywhere? No, only B gets the larger one": the
        # question's content is denied, the answer after it asserts a direction
        return ("a question's content is denied and the answer after it states which matrix "
                "gets the larger rate: which of the two is measured is not read")
    if direction == "same" and frame.has("same_faulted"):
        direction = "B>A"  # "one shared rate for A and B is suboptimal": LoRA+'s case for two
    if direction == "same" and (frame.has("different_lr") or frame.has("lr_split")):
        return ("it speaks of one learning rate and of separate ones for A and B; which it "
                "asserts is not read")
    if not frame.polarity and direction == "A>B" and _NOT_SHARED.search(frame.text):
        # "A and B should not share a rate, and A gets the larger one": the denial of sharing
        # holds and the direction does not; which one the sentence stands on is not read
        return ("a shared rate is denied and A is given the larger one: the denial and the "
                "direction would be judged apart, and the frame carries only the denial")
    if not frame.polarity and direction in ("A>B", "B>A") and not (
            frame.has("b_higher") or frame.has("a_higher")) and _NOT_SHARED.search(frame.text):
        # "A and B should not share a learning rate: B's should be 16 times larger": the denial
        # is of one shared rate, which is what is judged (the direction is said apart from it)
        direction = "same"
    if direction != "A>B" and direction != "same" and frame.polarity \
            and (rates := _b_rate(frame)) is not None:
        # "if A uses 1e-4 and the ratio is 16, B's rate is 1.6e-3": the rate B ends up with,
        # stated with both it comes from, is what is checked (it implies the direction)
        return {"claim": "b_rate", **rates}
    if direction == "A>B":
        claim = "a_higher_lr"
    elif direction == "B>A":
        claim = "different_lr"
    elif direction == "same":
        claim = "same_lr"
    elif frame.has("different_lr") or frame.has("lr_split"):
        claim = "different_lr"
    else:
        return "it names a learning rate but not how B's compares with A's"
    params = {"claim": claim, **_ratio(frame)}
    said = _ratio_word(frame)  # (the ratio named as such, not a speed-up's "2x")
    if claim == "different_lr" and said and _RECOMMENDED.search(frame.text) \
            and not 8 <= said <= 32:
        # "the LoRA+ authors recommend a ratio of about 2": what the paper recommends (it
        # suggests about 2^4), which the groups PEFT builds for whatever ratio is asked for
        # cannot decide
        return ("a ratio said to be the one the LoRA+ authors recommend: their paper's finding "
                "(about 2^4 = 16 in its experiments), not something PEFT's parameter groups, "
                "built for any ratio asked for, can measure")
    stated = frame.first("x")
    if (claim == "different_lr" and "ratio" in params and stated is not None
            and stated.bound == "eq" and not frame.has("ratio_hedged")
            and not frame.has("ratio_set")):
        params["_condition"] = (f"for lambda = {params['ratio']:g}: the ratio is a "
                                "hyperparameter chosen per run (the LoRA+ paper suggests "
                                "about 16), not a fixed part of the method")
    return params


# a yes-no question answered "no" and rewritten as a denial followed by the answer's words
_ANSWERED_NO = re.compile(r"It is false that [^.]{0,300}\.\s+\S")
_NOT_SHARED = re.compile(r"(?:\bnot|n't|\bnever)\s+(?:\w+\s+)?(?:share|use\s+the\s+same|"
                         r"get\s+the\s+same|have\s+the\s+same|train\s+(?:at|with)\s+the\s+same)\b",
                         re.I)
_API_ARG = re.compile(r"\bloraplus_(?:lr_ratio|lr_embedding|weight_decay)\b")
_OTHER_TOOL = re.compile(r"\b(?:axolotl|unsloth|llama[- ]?factory|torchtune|TrainingArguments|"
                         r"YAML|CLI|command[- ]line|flag)\b|--loraplus|\bconfig(?:uration)?\s+"
                         r"(?:file|docs)\b", re.I)
_NO_DEFAULT = re.compile(r"\bno\s+default\b", re.I)
_MUST_PASS = re.compile(r"\bmust\s+(?:always\s+)?be\s+(?:supplied|given|passed|set|provided)\b|"
                        r"\b(?:is|are)\s+(?:a\s+)?(?:required|mandatory)\b", re.I)


def _api_params(frame: Frame) -> dict[str, Any] | str:
    """PEFT's create_loraplus_optimizer as the sentence names it: the keyword argument it is
    said to take (the one the words of the claim name, else the only one in the sentence), the
    default stated for it, or that it has none."""
    if _OTHER_TOOL.search(frame.text):
        return ("a setting of another tool (a trainer's config or command line), not of PEFT's "
                "create_loraplus_optimizer")
    a, b = frame.spans.get("predicate", (0, 0))
    named = _API_ARG.findall(frame.text[a:b]) or _API_ARG.findall(frame.text)
    args = list(dict.fromkeys(named))
    if len(args) > 1 and not frame.has("api_call"):
        return ("several of create_loraplus_optimizer's arguments are named; whose default is "
                "not read")
    arg = args[0] if len(args) == 1 else ""
    if not arg and _RATIO_NAMED.search(frame.text, a, b):  # "no default for the ratio"
        arg = "loraplus_lr_ratio"
    if frame.has("api_embedding"):  # "the embedding learning rate defaults to 1e-6"
        arg = "loraplus_lr_embedding"
    params: dict[str, Any] = {"claim": "api", "arg": arg}
    if not arg or frame.has("api_call"):
        return params  # the call with its arguments written out: that it takes them
    if _NO_DEFAULT.search(frame.text):
        # "has no default": the denial of having one (polarity turns the verdict round), the
        # same as saying it must be passed
        return {**params, "has_default": True} if not frame.polarity else \
            {**params, "required": True}
    if _MUST_PASS.search(frame.text):
        return {**params, "required": True}
    if frame.has("api_default"):
        values = [q for q in frame.quantities if q.unit == "count" and 0 <= q.value <= 1024]
        if len(values) != 1:
            return f"no single default value is stated for {arg}"
        return {**params, "default": values[0].value}
    return params


_NAMES_B = re.compile(r"\b(?:B|lora_B)\b|\bB matri(?:x|ces)\b", re.I)
_RATIO_NAMED = re.compile(r"(?:\b|_)ratio\b|\blambda\b", re.I)


def _b_rate(frame: Frame) -> dict[str, Any] | None:
    """A base learning rate, lambda and the rate B ends up with, all three stated ("ratio 16 and
    a learning rate of 2e-4 give B 3.2e-3"): the two rates are the smaller (A's, the base) and
    the larger (B's)."""
    if not _NAMES_B.search(frame.text):
        return None
    rates = [q for q in frame.quantities if q.unit == "count" and 0 < q.value < 0.5]
    ratios = [q for q in frame.quantities if (q.unit == "x" or q.unit == "count")
              and 1 < q.value <= 1024]
    if len(rates) == 2 and not ratios and not _RATIO_NAMED.search(frame.text):
        return _b_rate_solved(frame, rates)
    if len(rates) != 2 or len(ratios) != 1 or not _RATIO_NAMED.search(frame.text):
        return None
    low, high = sorted(rates, key=lambda q: q.value)
    said = [q for q in rates if _BASE_RATE.search(frame.text, max(0, q.span[0] - 40), q.span[0])]
    b_said = [q for q in rates
              if _B_RATE_AT.search(frame.text, max(0, q.span[0] - 40), q.span[0])]
    if len(said) == 1:
        # "with a base learning rate of 2e-4, B trains at 1.25e-5": the rate called the base
        # is A's, whichever is larger
        low, high = said[0], next(q for q in rates if q is not said[0])
    elif len(b_said) == 1:  # "B's learning rate is 6.25e-5": the other is A's
        high, low = b_said[0], next(q for q in rates if q is not b_said[0])
    if low.value < 1e-5:
        return None
    return {"lr": low.value, "ratio": ratios[0].value, "b_lr": high.value,
            "b_tol": high.precision}


def _b_rate_solved(frame: Frame, rates: list[Any]) -> dict[str, Any] | None:
    """A base rate and the rate B trains at, no ratio stated ("LoRA+ with a base learning rate
    of 2e-4 trains B at 3.2e-3"): the ratio that gives it, as the claim's condition (the ratio
    is chosen per run)."""
    said = [q for q in rates if _BASE_RATE.search(frame.text, max(0, q.span[0] - 40), q.span[0])]
    if len(said) != 1:
        return None
    low, high = said[0], next(q for q in rates if q is not said[0])
    ratio = high.value / low.value
    if low.value < 1e-5 or not 1 < ratio <= 1024:
        return None
    return {"lr": low.value, "ratio": round(ratio, 6), "b_lr": high.value, "b_tol": high.precision,
            "_condition": f"for loraplus_lr_ratio = {ratio:g} (the sentence states no ratio; "
                          "it is chosen per run)"}


# The words before a rate that say it is the base rate (A's): "a base learning rate of",
# "lr=", "the A matrices at"
# (the words between a matrix and its rate name no other matrix: "3.2e-3 for B with lr_A =
# 2e-4" gives 2e-4 to A)
_OTHER_WORDS = r"(?:(?!(?:lr_[AB]|lora_[AB]|eta_[AB]|(?-i:[AB]))\b)[\w-]+\s+){0,3}?"
_BASE_RATE = re.compile(r"(?:\bbase\s+(?:learning[- ]rate|LR|lr)|"
                        r"\b(?:(?-i:A)|lora_A)(?:'s|\s+matri(?:x|ces)|\s+factors?)?\s+"
                        + _OTHER_WORDS + r"(?:at|of|=|is|gets?|uses?)|\blr(?:_A)?\s*=|"
                        r"\blearning[- ]rate\s*=)"
                        r"\s*(?:of\s+|is\s+|at\s+|to\s+)?(?:about\s+|~\s*)?$", re.I)
# ... and the words that say a rate is B's: "B's learning rate is", "trains B at"
_B_RATE_AT = re.compile(r"(?:\b(?:(?-i:B)|lora_B)(?:'s|\s+matri(?:x|ces)|\s+factors?)?\s+"
                        + _OTHER_WORDS + r"(?:at|of|=|is|gets?|uses?)|\blr_B\s*=\s*(?=\d)|"
                        r"\btrains?\s+(?:the\s+)?"
                        r"(?:(?-i:B)|lora_B)(?:\s+(?:matri(?:x|ces)|factors?))?\s+at)"
                        r"\s*(?:of\s+|is\s+|at\s+|to\s+)?(?:about\s+|~\s*)?$", re.I)


def _peft_groups(lr: float, ratio: float) -> dict[str, Any]:
    """PEFT's LoRA+ optimizer over tiny_llama: each group's lr and which parameters it holds."""
    import torch
    from peft.optimizers import create_loraplus_optimizer

    from verifiers._tiny import peft_lora, tiny_llama

    model = peft_lora(tiny_llama(), r=8, alpha=16)
    opt = create_loraplus_optimizer(model, torch.optim.AdamW, lr=lr, loraplus_lr_ratio=ratio)
    names = {id(p): n for n, p in model.named_parameters()}
    trainable = {id(p): p.numel() for p in model.parameters() if p.requires_grad}
    in_optimizer = {id(p): p.numel() for g in opt.param_groups for p in g["params"]}
    groups, lrs = [], {"A": set(), "B": set(), "other": set()}
    for group in opt.param_groups:
        kinds = {"A": 0, "B": 0, "other": 0}
        for p in group["params"]:
            n = names[id(p)]
            kind = "A" if "lora_A" in n else "B" if "lora_B" in n else "other"
            kinds[kind] += 1
            lrs[kind].add(group["lr"])
        if group["params"]:
            groups.append({"lr": group["lr"], "params": kinds})
    lr_a, lr_b = sorted(lrs["A"]), sorted(lrs["B"])
    return {"groups": groups, "lr_A": lr_a, "lr_B": lr_b,
            "ratio_B_over_A": lr_b[0] / lr_a[0] if len(lr_a) == 1 == len(lr_b) else None,
            "lora_trainable": sum(trainable.values()),
            "optimizer_params": sum(in_optimizer.values()),
            "same_tensors": set(trainable) == set(in_optimizer)}


def _toy_run(seed: int, lr_a: float, lr_b: float, steps: int) -> list[float]:
    """Losses of one toy LoRA run (two frozen layers, LoRA on both, Adam with two groups)."""
    import torch

    from verifiers._lora import make_lora_linear

    g = torch.Generator().manual_seed(seed)
    k, h, d, r, n = 32, 64, 32, 4, 128
    first, second = torch.nn.Linear(k, h, bias=False), torch.nn.Linear(h, d, bias=False)
    with torch.no_grad():
        first.weight.copy_(torch.randn(h, k, generator=g) / k ** 0.5)
        second.weight.copy_(torch.randn(d, h, generator=g) / h ** 0.5)
        # The teacher differs from the frozen network by a rank-4 change in each layer.
        t1 = first.weight + 0.5 * torch.randn(h, 4, generator=g) @ torch.randn(4, k, generator=g) \
            / k ** 0.5
        t2 = second.weight + 0.5 * torch.randn(d, 4, generator=g) @ torch.randn(4, h, generator=g) \
            / h ** 0.5
    x = torch.randn(n, k, generator=g)
    y = torch.relu(x @ t1.T) @ t2.T
    # The paper's LoRA: A Gaussian (here with variance 1/fan-in), B zero, scaling alpha/r = 2.
    l1 = make_lora_linear(first, r, 2 * r, init_std=k ** -0.5, generator=g)
    l2 = make_lora_linear(second, r, 2 * r, init_std=h ** -0.5, generator=g)
    opt = torch.optim.Adam([{"params": [l1.lora_A, l2.lora_A], "lr": lr_a},
                            {"params": [l1.lora_B, l2.lora_B], "lr": lr_b}])
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(l2(torch.relu(l1(x))), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _arm(seeds: int, lr_a: float, lr_b: float, steps: int, target: float) -> dict[str, Any]:
    """Final loss and steps to the target loss, per seed, with mean and spread."""
    finals, reach = [], []
    for seed in range(seeds):
        losses = _toy_run(seed, lr_a, lr_b, steps)
        finals.append(losses[-1])
        hit = next((i + 1 for i, v in enumerate(losses) if v <= target * losses[0]), None)
        reach.append(hit)
    return {"lr_A": lr_a, "lr_B": lr_b, "final_loss": finals,
            "final_mean": statistics.mean(finals), "final_sd": statistics.stdev(finals),
            "steps_to_target": reach}


def _faster(plus: dict[str, Any], base: dict[str, Any]) -> bool:
    """LoRA+ converged faster: lower final loss in every seed and at least 10% lower on average."""
    paired = all(p < b for p, b in zip(plus["final_loss"], base["final_loss"], strict=True))
    return paired and plus["final_mean"] < 0.9 * base["final_mean"]


_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)


def experiment(params: dict[str, Any]) -> dict[str, Any]:
    """The toy comparison: at the same lr for A, and each arm at its best lr on one grid."""
    import torch

    n, steps, target, ratio = params["seeds"], params["steps"], params["target"], params["ratio"]
    lr = params["lr"]
    grid = sorted(set(_GRID) | {lr})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # matrices of 32-64: extra threads only add overhead
    try:
        lora = {x: _arm(n, x, x, steps, target) for x in grid}
        plus = {x: _arm(n, x, ratio * x, steps, target) for x in grid}
    finally:
        torch.set_num_threads(threads)
    same = {"lora": lora[lr], "loraplus": plus[lr]}
    tuned = {"lora": min(lora.values(), key=lambda a: a["final_mean"]),
             "loraplus": min(plus.values(), key=lambda a: a["final_mean"])}
    return {"task": "frozen 2-layer ReLU net 32-64-32, LoRA r=4 on both layers, Adam, MSE to a "
                    "teacher differing by rank-4 changes", "seeds": n, "steps": steps,
            "ratio": ratio, "target_fraction_of_initial_loss": target, "lr_grid": grid,
            "same_lr_A": same, "tuned": tuned,
            "faster_at_same_lr_A": _faster(same["loraplus"], same["lora"]),
            "faster_when_tuned": _faster(tuned["loraplus"], tuned["lora"])}


def _describe(name: str, pair: dict[str, Any]) -> str:
    p, b = pair["loraplus"], pair["lora"]
    return (f"{name}: LoRA+ final loss {p['final_mean']:.3g}+-{p['final_sd']:.2g} "
            f"(lr_A {p['lr_A']:g}, steps to target {p['steps_to_target']}) vs LoRA "
            f"{b['final_mean']:.3g}+-{b['final_sd']:.2g} (lr {b['lr_A']:g}, "
            f"{b['steps_to_target']})")


def _convergence_verdict(claim: str, exp: dict[str, Any]) -> tuple[str, str]:
    same, tuned = exp["faster_at_same_lr_A"], exp["faster_when_tuned"]
    numbers = (f"toy task, {exp['seeds']} seeds, {exp['steps']} steps, lambda {exp['ratio']:g}: "
               + _describe("same lr for A", exp["same_lr_A"]) + "; "
               + _describe("each at its best lr", exp["tuned"]))
    if claim == "no_effect":
        # One counterexample is enough to refute "the ratio makes no difference".
        if same or tuned:
            return "refuted", f"The ratio changed convergence here ({numbers})."
        return "unverifiable", f"No effect in this toy task, which cannot prove none in general " \
                               f"({numbers})."
    if same and tuned:
        return "conditional", f"Faster in this toy task, a condition the claim leaves out; " \
                              f"not a general result ({numbers})."
    if same or tuned:
        which = "at the same learning rate for A" if same else "with tuned learning rates"
        return "conditional", f"Faster only {which} in this toy task ({numbers})."
    return "unverifiable", f"No speed-up in this toy task, which cannot refute a claim about " \
                           f"fine-tuning in general ({numbers})."


def _groups_verdict(claim: str, groups: dict[str, Any], stated: float) -> tuple[str, str]:
    lr_a, lr_b = groups["lr_A"], groups["lr_B"]
    differ = set(lr_a).isdisjoint(lr_b)
    b_higher = bool(lr_a and lr_b) and min(lr_b) > max(lr_a)
    text = (f"PEFT's create_loraplus_optimizer puts A at lr {lr_a} and B at lr {lr_b} "
            f"(ratio {groups['ratio_B_over_A']}, asked for {stated:g})")
    holds = {"different_lr": differ, "same_lr": not differ, "a_higher_lr": differ and not b_higher}
    return ("supported" if holds[claim] else "refuted"), text + "."


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Read PEFT's LoRA+ parameter groups, or run the toy convergence experiment."""
    claim = params["claim"]
    expected = {"claim": claim, "ratio": params["ratio"]}
    measured: dict[str, Any] = {}
    if peft_available():
        # ratio 1 is LoRA, not LoRA+; read the groups at the paper's recommended 16 then.
        ask = params["ratio"] if params["ratio"] > 1 else 16.0
        measured["peft"] = _peft_groups(params["lr"], ask)
    else:
        measured["peft"] = {"skipped": PEFT_MISSING}
    if claim in ("improves_convergence", "no_effect"):
        measured["experiment"] = exp = experiment(params)
        verdict, text = _convergence_verdict(claim, exp)
        if "skipped" not in measured["peft"]:
            text = text[:-1] + "; " + _groups_verdict("different_lr", measured["peft"],
                                                      params["ratio"])[1]
        return result(verdict, text, measured, expected)
    if "skipped" in measured["peft"]:
        return result("skipped", "The parameter groups are PEFT's: " + PEFT_MISSING + ".",
                      measured, expected)
    if claim == "b_rate":
        return _b_rate_verdict(params, measured, expected)
    if claim == "api":
        return _api_verdict(params, expected)
    if claim == "same_params":
        g = measured["peft"]
        same = g["same_tensors"] and g["optimizer_params"] == g["lora_trainable"]
        return result("supported" if same else "refuted",
                      f"PEFT's create_loraplus_optimizer trains {g['optimizer_params']:,} "
                      f"parameters, the LoRA model's trainable ones: {g['lora_trainable']:,} "
                      f"({'the same' if g['same_tensors'] else 'not the same'} tensors); only "
                      f"their learning rates differ (A {g['lr_A']}, B {g['lr_B']}).",
                      measured, expected)
    verdict, text = _groups_verdict(claim, measured["peft"], params["ratio"])
    return result(verdict, text, measured, expected)


def api_calls(lr: float = 1e-3, ratio: float = 16.0) -> dict[str, Any]:
    """PEFT's create_loraplus_optimizer called on a tiny Llama with LoRA on q_proj, v_proj
    and the embedding: which keyword arguments it takes (a call with each, and one without
    each), and the learning rate of the embedding's LoRA group when loraplus_lr_embedding is
    not passed."""
    import torch
    from peft.optimizers import create_loraplus_optimizer

    from verifiers._tiny import peft_lora, tiny_llama

    model = peft_lora(tiny_llama(), r=8, alpha=16, targets=("q_proj", "v_proj", "embed_tokens"))
    names = {id(p): n for n, p in model.named_parameters()}
    full = {"lr": lr, "loraplus_lr_ratio": ratio, "loraplus_lr_embedding": 1e-5,
            "loraplus_weight_decay": 0.0}
    out: dict[str, Any] = {"takes": {}, "needs": {}}
    for arg in API_ARGS[1:]:
        try:
            create_loraplus_optimizer(model, torch.optim.AdamW,
                                      **{k: v for k, v in full.items() if k in ("lr", arg,
                                                                                "loraplus_lr_ratio")})
            out["takes"][arg] = True
        except TypeError as exc:
            out["takes"][arg] = f"refused: {exc}"
        try:
            create_loraplus_optimizer(model, torch.optim.AdamW,
                                      **{k: v for k, v in full.items() if k != arg})
            out["needs"][arg] = False
        except TypeError as exc:
            out["needs"][arg] = f"required: {exc}"[:200]
    opt = create_loraplus_optimizer(model, torch.optim.AdamW, lr=lr, loraplus_lr_ratio=ratio)
    embedding = sorted({g["lr"] for g in opt.param_groups for p in g["params"]
                        if "embed" in names[id(p)] and "lora" in names[id(p)]})
    out["embedding_lr_unset"] = embedding
    return out


def _api_verdict(params: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """What create_loraplus_optimizer takes, needs and defaults to, as called."""
    m = api_calls()
    arg = params["arg"]
    expected.update(arg=arg, default=params["default"], required=params["required"],
                    has_default=params["has_default"])
    if not arg:
        return result("supported", "PEFT's create_loraplus_optimizer(model, optimizer_cls, "
                      "lr=..., loraplus_lr_ratio=...) builds the LoRA+ optimizer: called on a "
                      "tiny Llama.", m, expected)
    takes = m["takes"][arg] is True
    needed = m["needs"][arg] is not False
    if not takes:
        return result("refuted", f"create_loraplus_optimizer does not take {arg}: "
                      f"{m['takes'][arg]}.", m, expected)
    if params["has_default"]:
        return result("refuted" if needed else "supported",
                      f"create_loraplus_optimizer called without {arg}: " + (
                          f"refused ({m['needs'][arg]})" if needed else "accepted (it has a "
                          "default)") + ".", m, expected)
    if params["required"]:
        return result("supported" if needed else "refuted",
                      f"create_loraplus_optimizer called without {arg}: " + (
                          f"refused ({m['needs'][arg]})" if needed else "accepted (it has a "
                          "default)") + ".", m, expected)
    if params["default"] >= 0:
        if needed:
            return result("refuted", f"{arg} has no default: create_loraplus_optimizer called "
                          f"without it was refused ({m['needs'][arg]}).", m, expected)
        if arg != "loraplus_lr_embedding":
            return result("unverifiable", f"only loraplus_lr_embedding's default is read (from "
                          f"the optimizer's groups), not {arg}'s.", m, expected)
        got = m["embedding_lr_unset"]
        ok = len(got) == 1 and abs(got[0] - params["default"]) <= 1e-3 * params["default"]
        return result("supported" if ok else "refuted",
                      f"with loraplus_lr_embedding left out, the embedding's LoRA group trains "
                      f"at lr {got} (stated {params['default']:g}).", m, expected)
    return result("supported", f"create_loraplus_optimizer takes {arg}: a call with it was "
                  "accepted.", m, expected)


def _b_rate_verdict(params: dict[str, Any], measured: dict[str, Any],
                    expected: dict[str, Any]) -> dict[str, Any]:
    """B's learning rate as PEFT's LoRA+ optimizer sets it from the base rate and lambda,
    against the stated one (within its written precision)."""
    groups = measured["peft"]
    expected.update(lr=params["lr"], b_lr=params["b_lr"])
    if len(groups["lr_B"]) != 1:
        return result("error", f"PEFT gave B several learning rates: {groups['lr_B']}",
                      measured, expected)
    lr_b = groups["lr_B"][0]
    tol = max(params["b_tol"], 1e-9 * lr_b)
    holds = abs(lr_b - params["b_lr"]) <= tol
    return result("supported" if holds else "refuted",
                  f"PEFT's create_loraplus_optimizer with lr {params['lr']:g} and "
                  f"loraplus_lr_ratio {params['ratio']:g} gives B lr {lr_b:g} (A {groups['lr_A']})"
                  f"; the sentence says {params['b_lr']:g}.", measured, expected)


VERIFIER = Verifier(
    id="lora.loraplus",
    version=3,
    title="LoRA+: B's learning rate is lambda times A's; convergence on a toy task",
    run=run,
    params=PARAMS,
    claims=(("loraplus", "lr_ratio"), ("loraplus", "convergence"), ("lora", "lr_ratio"),
            ("lora", "convergence"), ("loraplus", "no_extra_params"),
            ("loraplus", "loraplus_api"), ("lora", "loraplus_api")),
    to_params=to_params,
    examples=(
        "LoRA+ sets the learning rate of B 16 times higher than that of A.",
        "LoRA+ uses separate learning rates for the two adapter matrices.",
        "LoRA+ trains both matrices with the same learning rate.",
        "LoRA+ converges faster than LoRA.",
        "Using different learning rates for A and B speeds up convergence.",
        "LoRA+ adds no trainable parameters to LoRA.",
        "PEFT's create_loraplus_optimizer takes a loraplus_lr_ratio argument.",
    ),
    requires=Requires(device="cpu"),
    timeout_s=120.0,
)
