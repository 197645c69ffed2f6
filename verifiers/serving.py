"""Serving many LoRA adapters with PEFT: unmerging, mixed-adapter batches, memory per adapter,
deleting and combining adapters, and what train() / eval() do to a merge.

Measured with the installed PEFT on a tiny Llama built from a config (`verifiers._tiny`), one
operation per claim (`verifiers._serving_measure`):

- merge_reversible: `merge_adapter` then `unmerge_adapter`; the base weights' round-trip error
  in each dtype asked for, against the tolerance and the dtype's rounding;
- mixed_batch: one forward with `adapter_names` (a different adapter per row) against each row
  run alone with its adapter (over DoRA adapters where the claim is DoRA's: PEFT may refuse);
- shared_base: parameter bytes as adapters are added, against one base copy per adapter;
- delete_frees: parameter bytes and live tensors after `delete_adapter`;
- weighted_sum: `add_weighted_adapter` (weights 1, 1) against both adapters active at once;
- train_unmerges / eval_merges: merged flags and weights after `train()` / `eval()`. (The LoRA
  paper's own code, microsoft/LoRA `loralib/layers.py` `Linear.train`, does unmerge in train()
  and merge in eval(); a sentence naming loralib is not judged here.)
"""

from __future__ import annotations

import re
from typing import Any

from verifiers._base import Param, Requires, Verifier, result
from verifiers._frame import Frame
from verifiers._tiny import PEFT_MISSING, peft_available

CLAIMS = ("merge_reversible", "mixed_batch", "shared_base", "delete_frees", "weighted_sum",
          "train_unmerges", "eval_merges", "unload_keeps", "unload_same_size")
COMBINATIONS = ("cat", "linear", "svd")

PARAMS = (
    Param("claim", str, default="merge_reversible", choices=CLAIMS,
          help="merge_reversible: unmerge_adapter restores the base weights; mixed_batch: one "
               "batch can use a different adapter per row; shared_base: an added adapter costs "
               "only its own weights; delete_frees: delete_adapter frees its weights; "
               "weighted_sum: add_weighted_adapter's adapter equals both adapters together; "
               "train_unmerges / eval_merges: train() unmerges / eval() merges; unload_keeps: "
               "the adapters are still there after merge_and_unload; unload_same_size: the "
               "merged model has the base's parameters, shapes and bytes, nothing added"),
    Param("dtypes", str, default="fp32,bf16", choices=("fp32", "bf16", "fp16", "fp32,bf16"),
          help="dtypes of the merge round trip"),
    Param("combination", str, default="any", choices=("any", *COMBINATIONS),
          help="add_weighted_adapter's combination_type ('any': each is measured)"),
    Param("bit_exact", bool, default=False,
          help="merge_reversible: the claim says the weights come back bit-for-bit"),
    Param("up_to_rounding", bool, default=False,
          help="merge_reversible: the claim allows the dtype's rounding"),
    Param("adapters", int, default=3, min=2, max=4, help="adapters loaded on the base"),
    Param("r", int, default=8, min=1, max=32, help="rank of every adapter"),
    Param("tolerance", float, default=1e-4, min=0.0, max=1.0,
          help="max |difference| of weights or logits that counts as equal"),
    Param("seed", int, default=0, min=0, max=2**31 - 1),
    Param("merged", bool, default=False,
          help="mixed_batch: the claim is of merged adapters (PEFT's adapter_names on a merged "
               "model)"),
    Param("dora", bool, default=False,
          help="mixed_batch: the adapters are DoRA adapters (use_dora=True)"),
)

_PREDICATES = {"merge_reversible": "merge_reversible", "mixed_adapter_batch": "mixed_batch",
               "adapter_shares_base": "shared_base", "delete_frees_adapter": "delete_frees",
               "weighted_adapter_sum": "weighted_sum", "mode_changes_merge": "train_unmerges",
               "merged_size": "unload_same_size"}


# the merged state said first, as the setting of what follows ("once merged, ...", "if we
# merge all the adapters we can still ...")
_MERGED_FIRST = re.compile(r"\b(?:once|after|when|whenever|if|with|since)\b[^.;]{0,40}$", re.I)


# the merged state said right after the claim, as its time or setting ("mixed batches also
# work after the adapters have been merged", "... on a merged model")
_MERGED_AFTER = re.compile(r"(?:(?!\b(?:but|not|except|unless|no|never|until|before|"
                           r"whereas|while)\b)[^.;]){0,40}?\b(?:once|after|when|while|if|with|on|for)\s+(?:even\s+)?"
                           r"(?:[\w'-]+\s+){0,3}?(?:(?:has|have|had)\s+been\s+|are\s+|is\s+|were\s+|"
                           r"was\s+|being\s+|got\s+|get\s+)?"
                           # (six letters of the merged state's words: "merged", "merge_and_
                           # unload()", "merging")
                           r"(?:merged|merge_|mergin)", re.I)


_UNLOAD = re.compile(r"\bmerge_and_unload\b|\bunload\w*|\bmerged\s+and\s+unloaded\b", re.I)


# what ends the claim's clause after its words ("unmerge_adapter() restores W0, but after
# merge_and_unload the layers are gone"), and before them a semicolon or a colon ("keep a copy
# if you merge_and_unload: unmerge_adapter() restores W0")
_CLAUSE_AFTER = re.compile(r";|,?\s+(?:but|whereas|although|though|however|while)\b", re.I)


# a clause joined to the one before it, whose own subject is a merge method named before or in
# the claim's words ("merge_and_unload gives the same outputs, and unmerge_adapter restores W0")
# (not "merge_and_unload, and then unmerge_adapter": one sequence of steps)
_JOINED = re.compile(r",\s+(?:and(?!\s+then\b)|but|while|whereas)\s+", re.I)


def _clause(frame: Frame) -> str:
    """The part of the sentence around the claim's words, from a semicolon or colon before them
    (or a joined clause whose subject is merge_adapter/unmerge_adapter) to a semicolon or a
    contrast after them."""
    a, b = frame.spans.get("predicate", (0, len(frame.text)))
    start = max(frame.text.rfind(";", 0, a), frame.text.rfind(": ", 0, a)) + 1
    joined = [m.end() for m in _JOINED.finditer(frame.text, start, a)]
    if joined and _MERGE_ADAPTER.search(frame.text, joined[-1], b):
        start = joined[-1]
    m = _CLAUSE_AFTER.search(frame.text, b)
    return frame.text[start:m.start() if m else len(frame.text)]


_MERGE_ADAPTER = re.compile(r"\b(?:merge_adapter|unmerge_adapter)\b", re.I)
# unmerging named (not "irreversible" or "one-way" alone: merge_and_unload is final)
_UNDONE = re.compile(r"\bunmerg\w*|\bundo(?:es|ne|ing)?\b", re.I)
_EXACT = re.compile(r"\b(?:exact\w*|identical\w*|bit\w*|precise\w*|lossless\w*)\b", re.I)


def to_params(frame: Frame) -> dict[str, Any] | str:
    """Canonical parameters of a serving frame: the claim from the predicate, the dtype of a
    round trip, the combination type, the mode (train / eval)."""
    claim = _PREDICATES.get(frame.predicate)
    if claim is None:
        return f"no claim of this verifier is read from '{frame.predicate}'"
    if frame.has("loralib"):
        return ("the sentence is about loralib (the LoRA paper's code), whose train()/eval() "
                "merge and unmerge by design; this verifier measures PEFT")
    params: dict[str, Any] = {"claim": claim}
    if claim == "merge_reversible":
        if frame.has("unloaded") and _UNLOAD.search(_clause(frame)):
            # "after merge_and_unload you can still unmerge / switch" (in the clause of the
            # claim: not "merge_and_unload(): no extra latency; unmerge_adapter(): restores W0")
            return {"claim": "unload_keeps"}
        dtypes = [d for d in frame.conditions.get("dtypes", ()) if d in ("fp32", "bf16", "fp16")]
        if len(dtypes) == 1:
            params["dtypes"] = dtypes[0]
        if frame.has("up_to_rounding"):  # "... restoring the base up to rounding"
            params["up_to_rounding"] = True
        elif frame.has("bit_exact") and frame.has("bit_exact_denied"):
            # "unmerge_adapter() subtracts it again, but in bf16 the restored weights are not
            # bit-identical": the round trip said inexact, which the frame's polarity (of the
            # restoring) does not carry
            return "the round trip is said not to be bit-exact, a denial the frame does not read"
        elif frame.has("bit_exact"):  # "... restores the weights bit-for-bit"
            params["bit_exact"] = True
        elif not frame.polarity and (_MERGE_ADAPTER.search(frame.text)
                                     or _UNDONE.search(frame.text)) \
                and not _EXACT.search(frame.text) and not _UNLOAD.search(frame.text):
            # "merge_adapter() is one-way", "after merge_adapter() there is no way to unmerge":
            # whether that merge can be undone at all, which a round trip within the dtype's
            # rounding answers (not "unmerging does not give back the exact weights": exactness
            # is another claim; nor merge_and_unload, which makes the merge final); also where
            # unmerging is named ("unmerging does not recover the original weights", "merging and
            # unmerging permanently changes the base")
            params["up_to_rounding"] = True
    if claim == "train_unmerges" and frame.has("eval"):
        params["claim"] = "eval_merges"
    if claim == "weighted_sum":
        named = [c for c in COMBINATIONS if frame.has(c)]
        if len(named) == 1:
            params["combination"] = named[0]
    if claim == "mixed_batch" and frame.subject == "dora":
        if not frame.subject_named:  # (DoRA only as the page's subject: the sentence may be a
            # serving engine's, of any adapter)
            return "DoRA is not named in the sentence: which adapters the batch mixes is not read"
        params["dora"] = True  # "mixed-adapter batches work with DoRA adapters too"
    if claim == "mixed_batch" and frame.conditions.get("merged") is True:
        a = frame.spans.get("merged", (len(frame.text), 0))[0]
        p0, p1 = frame.spans.get("predicate", (0, 0))
        if _MERGED_FIRST.search(frame.text[:a + 12]) and a < p0 \
                or p1 <= a and _MERGED_AFTER.fullmatch(frame.text, p1, a + 6):
            # "once the adapters are merged, requests for different adapters can still share
            # one batch" (or "... is no longer straightforward"): the merged model is what the
            # claim is about
            params["merged"] = True
        elif not frame.polarity and a < p0:
            # "once folded into the base weights, the endpoint can no longer mix adapters in
            # one batch": a denial said after the merge is said of the merged model
            params["merged"] = True
        else:
            params["_condition"] = ("while the adapters stay unmerged (PEFT refuses "
                                    "adapter_names on a merged model)")
    return params


def _peft_version() -> str:
    from importlib.metadata import version

    return version("peft")


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure the claimed serving operation with the installed PEFT and judge it."""
    if not peft_available():
        return result("skipped", PEFT_MISSING + ".")
    claim = params["claim"]
    judge = {"merge_reversible": _round_trip, "mixed_batch": _mixed, "shared_base": _shared,
             "delete_frees": _delete, "weighted_sum": _weighted, "train_unmerges": _mode,
             "eval_merges": _mode, "unload_keeps": _unloaded,
             "unload_same_size": _unloaded_size}[claim]
    verdict, text, measured = judge(params)
    measured["peft_version"] = _peft_version()
    expected = {"claim": claim, "tolerance": params["tolerance"]}
    return result(verdict, f"{text} (PEFT {measured['peft_version']}).", measured, expected)


def _round_trip(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    from verifiers._serving_measure import round_trip

    per = {d: round_trip(p, d) for d in p["dtypes"].split(",")}
    tol = p["tolerance"]
    status = {d: ("restored" if m["round_trip_max_abs_err"] <= tol else
                  "rounding" if m["round_trip_max_abs_err"] <= m["rounding_bound"] else "lost")
              for d, m in per.items()}
    parts = [f"in {d} merge_adapter moved the base weights by up to "
             f"{m['merge_moved_weights_by']:.3g} and unmerge_adapter brought them back within "
             f"{m['round_trip_max_abs_err']:.3g} ({m['elements_changed']} of {m['elements']} "
             f"elements not bit-identical; logits within {m['logits_max_abs_diff']:.3g})"
             for d, m in per.items()]
    text = "; ".join(parts) + f"; tolerance {tol:g}"
    if "lost" in status.values():
        return "refuted", "The round trip lost the base weights: " + text, {"by_dtype": per}
    if p["bit_exact"]:
        # "bit-for-bit": every element of the weights back as it was
        exact = {d: m["elements_changed"] == 0 for d, m in per.items()}
        verdict = ("supported" if all(exact.values()) else "refuted" if not any(exact.values())
                   else "conditional")
        return verdict, ("Said to be bit-for-bit: " + text), {"by_dtype": per}
    if "rounding" in status.values() and p["up_to_rounding"]:
        return "supported", ("Merging is undone up to the dtype's rounding: "
                             + text), {"by_dtype": per}
    if "rounding" in status.values():
        good = [d for d, s in status.items() if s == "restored"]
        lead = (f"Merging is undone within the tolerance only in {', '.join(good)}; "
                if good else "Merging is undone only up to the dtype's rounding: ")
        return "conditional", lead + text, {"by_dtype": per}
    return "supported", "Merging is undone: " + text, {"by_dtype": per}


def _unloaded(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """merge_and_unload keeps the adapters (to unmerge or switch to): what it returns, read."""
    from verifiers._serving_measure import after_unload

    m = after_unload(p)
    kept = m["lora_modules_left"] > 0
    text = (f"PEFT's merge_and_unload on a model with two adapters returned a plain "
            f"{m['class_returned']} with {m['lora_modules_left']} LoRA modules and "
            f"{m['lora_tensors_left']} LoRA tensors left and "
            + ("an" if m["has_unmerge_adapter"] else "no") + " unmerge_adapter method: the "
            "adapters are folded into the weights and gone; unmerging or switching needs them "
            "loaded again")
    return ("supported" if kept else "refuted"), text[0].upper() + text[1:], m


def _unloaded_size(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """merge_and_unload's model is the base's size: the same tensors, shapes and bytes."""
    from verifiers._serving_measure import unload_size

    m = unload_size(p)
    same = (m["same_shapes"] and m["merged_parameters"] == m["base_parameters"]
            and m["merged_bytes"] == m["base_bytes"])
    text = (f"After merging two adapters, merge_and_unload returned a model of "
            f"{m['merged_parameters']:,} parameters ({m['merged_bytes']:,} bytes) against the "
            f"base's {m['base_parameters']:,} ({m['base_bytes']:,} bytes), "
            + ("with the same tensors and shapes: the updates are folded into the weights"
               if m["same_shapes"] else f"with other tensors ({m['tensors_added']})"))
    return ("supported" if same else "refuted"), text, m


def _mixed(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    from verifiers._serving_measure import mixed_batch

    m = mixed_batch(p)
    if m["refused"]:  # (DoRA adapters: PEFT refuses a mixed batch before any forward)
        return "refuted", (f"PEFT refused one forward with adapter_names={m['rows']} over "
                           f"{'DoRA' if p['dora'] else 'LoRA'} adapters: {m['refused']}"), m
    ok = m["max_abs_diff"] <= p["tolerance"] < m["rows_distinct"]
    if p["merged"]:  # of a merged model: whether PEFT still takes a mixed batch there
        ok = not m["merged_refuses_adapter_names"]
        text = ("Said of a merged model: once merged, PEFT "
                + ("refused adapter_names, so a batch cannot mix adapters there"
                   if m["merged_refuses_adapter_names"] else "accepted adapter_names")
                + f" (unmerged, one forward with adapter_names={m['rows']} matched each row run "
                  f"alone within {m['max_abs_diff']:.3g})")
        return ("supported" if ok else "refuted"), text, m
    text = (f"one forward with adapter_names={m['rows']} gave each row the logits of that row "
            f"run alone with its adapter within {m['max_abs_diff']:.3g} (each adapter changes "
            f"its row by at least {m['rows_distinct']:.3g}); once merged, PEFT "
            + ("refused adapter_names" if m["merged_refuses_adapter_names"] else
               "accepted adapter_names"))
    return ("supported" if ok else "refuted"), text[0].upper() + text[1:], m


def _shared(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    from verifiers._serving_measure import shared_base

    m = shared_base(p)
    n = len(m["totals_bytes"])
    own = list(m["lora_bytes_per_adapter"].values())
    ok = m["base_tensors_moved"] == 0 and m["added_per_adapter"] == own
    text = (f"The base's parameters take {m['base_bytes']:,} bytes; each added adapter added "
            f"{max(m['added_per_adapter']):,} bytes ({m['adapter_pct_of_base']:.2g}% of the "
            f"base), exactly its own A and B; {n} adapters total {m['totals_bytes'][-1]:,} "
            f"bytes against {m['copies_of_base_bytes']:,} for a copy of the base per adapter, "
            f"and {m['base_tensors_moved']} base tensors were copied")
    return ("supported" if ok else "refuted"), text, m


def _delete(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    from verifiers._serving_measure import delete_frees

    m = delete_frees(p)
    ok = (m["bytes_after_delete"] == m["bytes_before_add"] and m["tensors_still_alive"] == 0
          and not m["adapter_still_listed"])
    text = (f"Parameter bytes went {m['bytes_before_add']:,} -> {m['bytes_with_adapter']:,} "
            f"with a second adapter -> {m['bytes_after_delete']:,} after delete_adapter, and "
            f"{m['tensors_still_alive']} of its {m['tensors_tracked']} lora_A tensors were "
            "still alive after garbage collection")
    return ("supported" if ok else "refuted"), text, m


def _weighted(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    from verifiers._serving_measure import weighted

    kinds = COMBINATIONS if p["combination"] == "any" else (p["combination"],)
    per = {k: weighted(p, k) for k in kinds}
    holds = {k: m["max_abs_diff_vs_both"] <= p["tolerance"] for k, m in per.items()}
    text = "; ".join(f"'{k}' (rank {m['combined_rank']} from ranks {m['adapter_ranks']}) differs "
                     f"from both adapters active at once by {m['max_abs_diff_vs_both']:.3g}"
                     for k, m in per.items())
    text = (f"add_weighted_adapter with weights 1, 1: {text} (both together differ from the "
            f"first alone by {next(iter(per.values()))['both_vs_first_alone']:.3g}; tolerance "
            f"{p['tolerance']:g})")
    if len(set(holds.values())) > 1:
        good = ", ".join(f"'{k}'" for k, v in holds.items() if v)
        return "conditional", f"Only {good} adds the two updates: " + text, {"by_type": per}
    return ("supported" if all(holds.values()) else "refuted"), text, {"by_type": per}


def _mode(p: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    from verifiers._serving_measure import mode_switch

    m = mode_switch(p)
    layers = m["layers"]
    text = (f"after merge_adapter, train() left {m['merged_after_train']} of {layers} LoRA "
            f"layers merged (weights within {m['weights_after_train_vs_merged_max_abs']:.3g} of "
            f"the merged ones), and eval() on an unmerged model merged "
            f"{m['merged_after_eval_of_unmerged']} of {layers}")
    if p["claim"] == "train_unmerges":
        holds = m["merged_after_train"] == 0
    else:
        holds = m["merged_after_eval_of_unmerged"] == layers
    return ("supported" if holds else "refuted"), text[0].upper() + text[1:], m


VERIFIER = Verifier(
    id="lora.serving",
    version=5,
    title="Serving many LoRA adapters with PEFT: unmerge, mixed batches, memory, delete, combine",
    run=run,
    params=PARAMS,
    claims=tuple(("lora", pred) for pred in _PREDICATES) + (("dora", "mixed_adapter_batch"),),
    to_params=to_params,
    examples=(
        "Merging a LoRA adapter into the base weights is irreversible.",
        "unmerge_adapter() takes a merged adapter back out and restores the original weights.",
        "Passing adapter_names to the forward call lets one batch use a different adapter per "
        "row.",
        "Only one LoRA adapter can be used per inference request.",
        "Each loaded adapter keeps its own copy of the base model.",
        "delete_adapter() removes an adapter and frees the memory its weights used.",
        "add_weighted_adapter combines two LoRA adapters into a new one.",
        "Calling model.train() undoes the merge.",
    ),
    requires=Requires(device="cpu", packages=("torch", "peft", "transformers")),
    timeout_s=120.0,
)
