"""lora.serving: claim shapes through the real pairing, and both verdict directions measured with
the installed PEFT."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.serving import VERIFIER

needs_peft = pytest.mark.skipif(not peft_available(), reason="peft/transformers not installed")


def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "params", "denied"), [
    ("Merging is irreversible.", {"claim": "merge_reversible"}, True),
    # merge_adapter() said to be for good: whether it can be undone at all, up to rounding
    ("A merge_adapter() call is irreversible.",
     {"claim": "merge_reversible", "up_to_rounding": True}, True),
    ("A merge done with merge_adapter() can be undone later with unmerge_adapter().",
     {"claim": "merge_reversible"}, False),
    ("In bf16, unmerge_adapter() restores the original base weights.",
     {"claim": "merge_reversible", "dtypes": "bf16"}, False),
    ("Once merged, the adapter can never be taken back out of the weights again.",
     {"claim": "merge_reversible"}, True),
    # (not a denial of exactness: that is whether the bits come back)
    ("In bf16, unmerge_adapter() does not give back exactly the original weights.",
     {"claim": "merge_reversible", "dtypes": "bf16"}, True),
    ("In bf16, unmerging gets you back the exact original bits of W0.",
     {"claim": "merge_reversible", "dtypes": "bf16", "bit_exact": True}, False),
    ("Only one LoRA adapter can be used per inference request.", {"claim": "mixed_batch"}, True),
    ("Every request in a batch has to use the same LoRA adapter.", {"claim": "mixed_batch"}, True),
    ("A server can mix requests for several different adapters in the same batch.",
     {"claim": "mixed_batch"}, False),
    ("Each loaded adapter keeps its own copy of the base model.", {"claim": "shared_base"}, True),
    ("Every additional adapter only adds its own A and B matrices to GPU memory.",
     {"claim": "shared_base"}, False),
    ("Deleting an adapter does not release its GPU memory.", {"claim": "delete_frees"}, True),
    ("delete_adapter() does not free the adapter's memory.", {"claim": "delete_frees"}, True),
    ("Removing a LoRA with delete_adapter leaks its weights.", {"claim": "delete_frees"}, True),
    ("With combination_type='cat', add_weighted_adapter gives the same outputs as running both "
     "adapters at once.", {"claim": "weighted_sum", "combination": "cat"}, False),
    ("Calling model.train() undoes the merge.", {"claim": "train_unmerges"}, False),
    ("model.train() does not undo the merge.", {"claim": "train_unmerges"}, True),
    ("Switching a PEFT model to eval mode merges the LoRA weights automatically.",
     {"claim": "eval_merges"}, False),
    ("Once merged, the checkpoint has the same parameter count as the base model.",
     {"claim": "unload_same_size"}, False),
    ("A merged model ends up larger than the original because the adapter stays inside it.",
     {"claim": "unload_same_size"}, True),
    ("If you merge the adapter in, the model size grows by the adapter's size.",
     {"claim": "unload_same_size"}, True),
    ("Once you call merge_and_unload() the network has more parameters than the base, since "
     "the adapter's weights come along.", {"claim": "unload_same_size"}, True),
])
def test_sentences_pair_with_claim_and_polarity(sentence, params, denied):
    """A denied frame keeps the claim as named: the pipeline turns its verdict round."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params == params and frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "In loralib, calling train() on a merged layer unmerges its weights again.",
    "Switching to another LoRA adapter requires reloading the base model from disk.",
    "Loading a different adapter means duplicating the base weights in GPU memory.",
    "unmerge_adapter() subtracts the update again, and merged or unmerged, the layer computes "
    "the same function.",
    "A merged model in eval mode adds no latency.",
])
def test_other_sentences_do_not_pair_here(sentence):
    """loralib, hot-swapping words, merge equivalence, latency."""
    assert _frame(sentence) is None


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert _frame(sentence) is not None, pairing(sentence).reason


def test_a_mixed_batch_said_of_merged_adapters_is_judged_on_the_merged_model():
    frame = _frame("Once the adapters are merged, adapter_names still lets each row use its own "
                   "adapter.")
    assert frame is not None and frame.params.get("merged") is True and not frame.condition
    # merged named after the claim, as a setting aside: the claim holds while unmerged
    frame = _frame("adapter_names lets each row use its own adapter, and merged adapters add no "
                   "latency.")
    assert frame is not None and not frame.params.get("merged")


def _run(**params):
    return VERIFIER.run(VERIFIER.resolve_params(params))


@needs_peft
def test_the_merge_round_trip_is_exact_to_rounding_in_fp32_and_only_to_rounding_in_bf16():
    res = _run(claim="merge_reversible")
    assert res["verdict"] == "conditional", res["explanation"]
    fp32, bf16 = (res["measured"]["by_dtype"][d] for d in ("fp32", "bf16"))
    assert fp32["merge_moved_weights_by"] > 1e-3  # the merge really changed the weights
    assert fp32["round_trip_max_abs_err"] < 1e-6
    assert 1e-4 < bf16["round_trip_max_abs_err"] <= bf16["rounding_bound"]
    assert _run(claim="merge_reversible", dtypes="fp32")["verdict"] == "supported"
    assert _run(claim="merge_reversible", dtypes="bf16")["verdict"] == "conditional"


@needs_peft
def test_a_merge_said_to_be_one_way_is_refuted_by_the_round_trip():
    frame = _frame("Once you call merge_adapter(), PEFT has no way to take the update back out "
                   "of the weights.")
    assert frame is not None and not frame.polarity
    res = _run(**frame.params)
    assert res["verdict"] == "supported", res["explanation"]  # undone: the denial is refuted


@needs_peft
def test_a_mixed_adapter_batch_equals_per_adapter_runs():
    res = _run(claim="mixed_batch")
    m = res["measured"]
    assert res["verdict"] == "supported", res["explanation"]
    assert m["max_abs_diff"] <= 1e-4 < m["rows_distinct"]
    assert m["merged_refuses_adapter_names"]  # PEFT refuses adapter_names once merged


@needs_peft
def test_a_mixed_batch_of_dora_adapters_is_judged_by_what_peft_does_with_it():
    (frame,) = [f for f in pairing("Requests for different DoRA adapters can share one batch "
                                   "through adapter_names.").frames
                if f.verifier == VERIFIER.id]
    assert frame.params == {"claim": "mixed_batch", "dora": True}
    res = _run(**frame.params)
    m = res["measured"]
    # PEFT 0.21 refuses adapter_names over DoRA layers; a PEFT that accepts them is measured
    # like LoRA (each row against its adapter run alone)
    if m["refused"]:
        assert res["verdict"] == "refuted" and "DoRA" in res["explanation"]
    else:
        assert res["verdict"] == ("supported" if m["max_abs_diff"] <= 1e-4 else "refuted")


@needs_peft
def test_an_added_adapter_costs_its_own_weights_not_a_base_copy():
    res = _run(claim="shared_base", adapters=3)
    m = res["measured"]
    assert res["verdict"] == "supported", res["explanation"]
    assert m["base_tensors_moved"] == 0
    assert m["added_per_adapter"] == list(m["lora_bytes_per_adapter"].values())
    assert m["totals_bytes"][-1] < m["copies_of_base_bytes"] / 2


@needs_peft
def test_delete_adapter_frees_its_weights():
    res = _run(claim="delete_frees")
    m = res["measured"]
    assert res["verdict"] == "supported", res["explanation"]
    assert m["bytes_with_adapter"] > m["bytes_before_add"] == m["bytes_after_delete"]
    assert m["tensors_still_alive"] == 0 < m["tensors_tracked"]


@needs_peft
def test_cat_adds_both_updates_and_linear_does_not():
    cat = _run(claim="weighted_sum", combination="cat")
    assert cat["verdict"] == "supported", cat["explanation"]
    assert cat["measured"]["by_type"]["cat"]["combined_rank"] == 16
    linear = _run(claim="weighted_sum", combination="linear")
    assert linear["verdict"] == "refuted", linear["explanation"]


@needs_peft
def test_train_and_eval_leave_the_merged_state_alone_in_peft():
    for claim in ("train_unmerges", "eval_merges"):
        res = _run(claim=claim)
        m = res["measured"]
        assert res["verdict"] == "refuted", res["explanation"]
        assert m["merged_after_train"] == m["layers"] > 0
        assert m["weights_after_train_vs_merged_max_abs"] == 0.0
        assert m["merged_after_eval_of_unmerged"] == 0
        assert m["peft_version"] in res["explanation"]


@pytest.mark.parametrize(("sentence", "polarity"), [
    ("Even after merge_and_unload() you can still call set_adapter to switch tasks.", True),
    ("merge_and_unload() keeps the LoRA matrices around, so you can undo it later.", True),
    ("merge_and_unload() is irreversible, since the LoRA modules are dropped.", False),
])
def test_what_merge_and_unload_leaves_is_measured(sentence, polarity):
    frame = _frame(sentence)
    assert frame is not None and frame.params == {"claim": "unload_keeps"}, pairing(sentence)
    assert frame.polarity is polarity


@pytest.mark.parametrize(("sentence", "claim"), [
    # a joined clause whose own subject is unmerge_adapter: the round trip, not the unloading
    ("merge_and_unload folds the update in without changing the outputs, and unmerge_adapter "
     "gives back the base weights as long as the wrapper is kept.", "merge_reversible"),
    # the unloading stays the claim's where it comes first in the same clause or a sequence
    ("After merge_and_unload, unmerge_adapter cannot restore the original weights any more.",
     "unload_keeps"),
    ("Call merge_and_unload, and then unmerge_adapter, and you get the original weights back.",
     "unload_keeps"),
])
def test_which_merge_a_joined_clause_speaks_of(sentence, claim):
    frame = next((f for f in pairing(sentence).frames if f.predicate == "merge_reversible"), None)
    assert frame is not None and frame.params is not None, pairing(sentence)
    assert frame.params["claim"] == claim


@needs_peft
def test_merge_and_unload_leaves_no_adapter_to_switch_to():
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": "unload_keeps"}))
    m = res["measured"]
    assert res["verdict"] == "refuted", res["explanation"]
    assert m["lora_modules_left"] == 0 == m["lora_tensors_left"]
    assert m["class_returned"] == "LlamaForCausalLM"


@needs_peft
def test_the_merged_model_is_the_base_size_with_the_base_tensors():
    res = _run(claim="unload_same_size")
    m = res["measured"]
    assert res["verdict"] == "supported", res["explanation"]
    assert m["same_shapes"] and m["tensors_added"] == []
    assert m["merged_parameters"] == m["base_parameters"] and m["merged_bytes"] == m["base_bytes"]



@needs_peft
def test_a_mixed_batch_on_a_merged_model_is_refuted_by_peft_refusing_it():
    res = _run(claim="mixed_batch", merged=True)
    assert res["verdict"] == "refuted", res["explanation"]
    assert res["measured"]["merged_refuses_adapter_names"]  # PEFT's refusal, as it words it


@needs_peft
def test_a_round_trip_said_to_be_bit_for_bit_needs_every_element_back():
    frame = next(f for f in pairing("unmerge_adapter() gives back the original bf16 weights "
                                    "bit-for-bit.").frames if f.verifier == VERIFIER.id)
    assert frame.params.get("bit_exact") and frame.params.get("dtypes") == "bf16"
    res = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    # bf16 rounding leaves thousands of elements one step off
    assert res["verdict"] == "refuted", res["explanation"]
    assert res["measured"]["by_dtype"]["bf16"]["elements_changed"] > 0
