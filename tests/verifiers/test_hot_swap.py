"""lora.hot_swap: claim shapes on seed and new wordings, and both verdict directions."""

import pytest
from paired import pairing

from verifiers.hot_swap import VERIFIER


def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "claim", "denied"), [
    ("Task switching: Multiple LoRA adapters can be hot-swapped without reloading the base "
     "model",
     "no_reload", False),
    ("LoRA lets you maintain multiple task-specific adapters that can be swapped at "
     "inference time.",
     "no_reload", False),
    ("You can keep one base model and load different LoRA adapters for different tasks, "
     "styles, or domains.",
     "no_reload", False),
    ("Switching between LoRA adapters at serving time does not require reloading the base "
     "weights.",
     "no_reload", False),
    ("A server can swap LoRAs per request while the backbone stays in memory.",
     "no_reload", False),
    ("Adapters are hot swappable: the frozen model is shared by all of them.",
     "no_reload", False),
    ("Switching to another LoRA adapter requires reloading the base model from disk.",
     "no_reload", True),
    ("LoRA adapters cannot be swapped without restarting the server.",
     "no_reload", True),
    ("Each adapter needs its own copy of the base model, so switching tasks means loading "
     "it again.",
     "no_reload", True),
    ("To change tasks you must reload the full model before loading a different adapter.",
     "no_reload", True),
    # tenants served off one copy of the base, as a platform team writes it
    ("Every tenant gets a LoRA adapter, and we serve 40 tenants off one shared base.",
     "no_reload", False),
    ("With per-customer LoRAs we can host all of them from a single resident copy of "
     "Mistral-7B.", "no_reload", False),
])
def test_sentences_pair_with_claim_and_polarity(sentence, claim, denied):
    """A denied frame keeps the claim as named: the pipeline turns its verdict round."""
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["claim"] == claim and frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "Will inference need merged weights, separate adapters, or runtime adapter switching?",
    "LoRA weights can be merged into the base model (W' = W + BA).",
    "DoRA decomposes weight updates into magnitude and direction.",
    "Hot-swapping an adapter on a compiled model never triggers a recompilation.",
])
def test_other_sentences_do_not_pair_here(sentence):
    """A question, a merge, DoRA, recompilation of a compiled model."""
    assert _frame(sentence) is None


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert pairing(sentence).verifier == VERIFIER.id, pairing(sentence).reason


def test_merged_adapters_hold_only_while_unmerged():
    frames = pairing("You can switch adapters without reloading the base even after one of them "
                     "has been merged into the weights.").frames
    swap = next(f for f in frames if f.verifier == VERIFIER.id)
    assert "unmerged" in swap.condition


@pytest.fixture(scope="module")
def measured_default():
    return VERIFIER.run(VERIFIER.resolve_params({"adapters": 3}))


def test_swap_without_reload_is_supported(measured_default):
    res = measured_default
    assert res["verdict"] == "supported", res["explanation"]
    for half in ("reference", "peft"):
        m = res["measured"][half]
        if "skipped" in m:
            continue
        assert max(m["max_abs_diff"].values()) <= 1e-4
        assert m["adapters_distinct"] > 1e-3  # the adapters really differ
        assert m["base"]["storage_changed"] == 0 and m["base"]["values_changed"] == 0
        assert m["base"]["base_tensors"] > 10


def test_peft_half_loads_an_adapter_from_disk(measured_default):
    peft = measured_default["measured"]["peft"]
    if "skipped" in peft:
        pytest.skip(peft["skipped"])
    assert peft["adapter_reloaded_from_disk_equal"] and peft["adapter_tensors_reloaded"] > 0
    assert peft["wrapping_copied_base_tensors"] == 0


def test_reload_needed_claim_is_refuted_with_the_measurement():
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": "reload_needed", "r": 4}))
    assert res["verdict"] == "refuted", res["explanation"]
    assert res["measured"]["reference"]["base"]["storage_changed"] == 0
    assert "0 of" in res["explanation"]


def test_a_tolerance_below_float_error_refutes_the_swap_claim():
    # Zero tolerance: fp32 rounding between the switched and the merged model shows up, so the
    # verdict follows the measurement rather than the claim.
    res = VERIFIER.run(VERIFIER.resolve_params({"tolerance": 0.0, "r": 4}))
    assert res["verdict"] == "refuted"
    assert max(res["measured"]["reference"]["max_abs_diff"].values()) > 0


def test_importing_the_verifiers_of_families_6_to_9_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, verifiers.hot_swap, verifiers.adapter_latency, verifiers.dora, "
            "verifiers.loraplus; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_base_check_sees_a_reload_and_an_in_place_change():
    import torch

    from verifiers._tiny import tiny_llama
    from verifiers.hot_swap import _base_check, _snapshot

    model = tiny_llama(hidden=32, layers=1, heads=2, intermediate=64)
    before = _snapshot(model)
    assert _base_check(before, model)["storage_changed"] == 0
    proj = model.model.layers[0].self_attn.q_proj
    with torch.no_grad():
        proj.weight.add_(1e-3)  # changed in place: same storage, other values
    check = _base_check(before, model)
    assert (check["storage_changed"], check["values_changed"]) == (0, 1)
    proj.weight = torch.nn.Parameter(proj.weight.detach().clone())  # "reloaded": new storage
    assert _base_check(before, model)["storage_changed"] == 1


def test_switching_denied_of_a_merged_model_is_not_refuted_by_unmerged_switching():
    """A merged model is not what is switched here; a merge given as the reason is."""
    said_of_merged = pairing("Once merged, a replica can no longer switch adapters per request.")
    assert said_of_merged.verifier is None and "merged" in said_of_merged.reason
    reason = _frame("Going to another LoRA means reloading the base from disk, since the first "
                    "adapter is baked into the weights.")
    assert reason is not None and not reason.polarity


def test_switching_after_merge_and_unload_is_tried_on_what_it_returns():
    pytest.importorskip("peft")
    p = pairing("After merge_and_unload() we can still flip between the customer adapters "
                "with set_adapter().")
    frame = next(f for f in p.frames if f.verifier == VERIFIER.id)
    assert frame.params["claim"] == "switch_after_unload" and frame.polarity
    got = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert got["verdict"] == "refuted"
    assert got["measured"]["lora_tensors_left"] == 0 and not got["measured"]["set_adapter_worked"]


def test_a_switch_said_to_take_no_time_is_timed_against_a_load_from_disk():
    swap = next(f for f in pairing("Switching between LoRA adapters is practically instant.").frames
                if f.verifier == VERIFIER.id)
    assert swap.params.get("timed") is True
    res = VERIFIER.run(VERIFIER.resolve_params({**swap.params, "r": 4}))
    peft = res["measured"]["peft"]
    if "skipped" in peft:
        pytest.skip(peft["skipped"])
    assert peft["set_adapter_ms"] > 0 and peft["load_adapter_from_disk_ms"] > 0
    slower = peft["load_adapter_from_disk_ms"] > 5 * peft["set_adapter_ms"]
    assert res["verdict"] == ("conditional" if slower else "supported"), res["explanation"]


def test_a_switch_said_never_to_touch_the_base_weights_holds_while_unmerged():
    swap = next(f for f in pairing("Switching from one task's LoRA to another never requires "
                                   "touching the base weights.").frames
                if f.verifier == VERIFIER.id)
    assert "unmerged" in swap.condition


@pytest.mark.parametrize(("sentence", "denied"), [
    ("In-place hot-swapping also accepts an adapter that covers extra modules the first one "
     "left alone.", False),
    ("hotswap_adapter swaps any LoRA in, no matter which layers it targets.", False),
    ("A hot-swap cannot take an adapter that targets a different set of layers.", True),
])
def test_swapping_to_other_targets_is_its_own_claim(sentence, denied):
    frame = _frame(sentence)
    assert frame is not None and frame.params["claim"] == "other_targets"
    assert frame.polarity is not denied


def test_hot_swapping_to_an_adapter_on_more_layers_is_refused_by_peft():
    out = VERIFIER.run(VERIFIER.resolve_params({"claim": "other_targets"}))
    m = out["measured"]
    assert out["verdict"] == "refuted"
    assert m["more"]["taken"] is False and "k_proj" in m["more"]["error"]
    # an adapter on a subset of the loaded layers is taken, and computes what it computes alone
    assert m["fewer"]["taken"] is True and m["fewer"]["max_abs_diff"] <= 1e-4


def test_merged_weights_switched_by_subtracting_and_adding_are_measured_as_such():
    swap = _frame("With merged weights a server changes task by subtracting BA and adding "
                  "another adapter's product.")
    assert swap is not None and swap.params["claim"] == "merged_switch"
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": "merged_switch"}))
    assert res["verdict"] == "supported", res["explanation"]
    for half in res["measured"].values():
        assert half["restored_max_abs"] <= 1e-4 and half["max_abs_diff"] <= 1e-4
        assert half["adapters_distinct"] > 1e-3  # the second adapter really changes the outputs
    # below fp32 rounding the subtraction does not give W0 back exactly: the measurement decides
    res = VERIFIER.run(VERIFIER.resolve_params({"claim": "merged_switch", "tolerance": 0.0}))
    assert res["verdict"] == "refuted"


@pytest.mark.parametrize("sentence", [
    "Swapping adapters at serving time means the base model has to be reloaded every time.",
    "PEFT lets only one adapter be loaded into a model at a time, so each request reloads it.",
])
def test_a_reload_in_the_passive_or_one_adapter_loaded_at_a_time_is_denied(sentence):
    frame = _frame(sentence)
    assert frame is not None and frame.polarity is False, pairing(sentence).reason


def test_one_adapter_active_at_a_time_is_not_a_denial():
    frame = _frame("Only one adapter is active at a time, but many stay loaded for set_adapter.")
    assert frame is not None and frame.polarity is True


def test_any_two_adapters_is_every_pair_not_a_setting_where_one_swap_works():
    frame = _frame("Any two adapters of one base model can be hot-swapped in place.")
    assert frame is not None and frame.condition and frame.modality == ""


def test_a_stated_time_of_the_swap_is_a_condition_not_a_measurement():
    from paired import pairing

    frame = next(f for f in pairing("Swapping adapters on the server takes under 5 ms.").frames
                 if f.verifier == "lora.hot_swap")
    assert frame.params == {"claim": "no_reload"} and "hardware" in frame.condition, frame
