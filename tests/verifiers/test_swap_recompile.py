"""lora.swap_recompile: switching adapters on a torch.compile'd tiny Llama with PEFT, counted
with a backend that is called once per compilation (no mocks, no downloads)."""

import pytest
from paired import pairing

from verifiers._tiny import peft_available
from verifiers.swap_recompile import VERIFIER, measure

pytestmark = pytest.mark.skipif(not peft_available(), reason="peft / transformers not installed")


@pytest.fixture(scope="module")
def switches():
    return measure(r=4)


def test_what_each_switch_does(switches):
    # in place, one shape: the compiled graph is reused and computes the new adapter
    assert switches["hotswap_same_rank"]["recompiled"] is False
    assert switches["hotswap_same_rank"]["max_abs_diff"] <= 1e-4
    # another rank unprepared recompiles; prepared to the larger rank, it does not
    assert switches["hotswap_other_rank"].get("recompiled", True) is True
    assert switches["hotswap_other_rank_prepared"]["recompiled"] is False
    # set_adapter changes what the guards see
    assert switches["set_adapter"]["recompiled"] is True


def _params(sentence):
    (frame,) = [f for f in pairing(sentence).frames if f.verifier == VERIFIER.id]
    return frame.polarity, frame.params


def test_sentences_name_their_switch():
    assert _params("PEFT's hotswap_adapter swaps weights in place, which avoids recompiling a "
                   "torch.compile'd model.") == (False, {"method": "hotswap", "compiled": True,
                                                         "any_adapter": False,
                                                         "other_rank": False,
                                                         "shape_stated": True})
    # generic hot-swapping, no function or shape named: another rank is not ruled out
    polarity, params = _params("Hot-swapping adapters on a compiled model avoids "
                               "recompilation.")
    assert not polarity and params["shape_stated"] is False
    polarity, params = _params("After prepare_model_for_compiled_hotswap, swapping in place "
                               "never recompiles the compiled model.")
    assert not polarity and params["shape_stated"]
    polarity, params = _params("Calling set_adapter on a compiled model triggers a "
                               "recompilation.")
    assert polarity and params["method"] == "set_adapter" and params["compiled"]
    polarity, params = _params("Any adapter can be hot-swapped in without recompilation.")
    assert not polarity and params["any_adapter"]


def test_any_adapter_in_place_is_conditional_on_its_rank():
    out = VERIFIER.run(VERIFIER.resolve_params({"method": "hotswap", "any_adapter": True,
                                                "r": 4}))
    assert out["verdict"] == "conditional"
    assert "prepare_model_for_compiled_hotswap" in out["explanation"]


def test_a_swap_that_leaves_the_shape_open_is_conditional_and_one_that_fixes_it_is_not():
    open_shape = VERIFIER.run(VERIFIER.resolve_params({"method": "hotswap", "r": 4,
                                                       "shape_stated": False}))
    assert open_shape["verdict"] == "conditional"
    fixed = VERIFIER.run(VERIFIER.resolve_params({"method": "hotswap", "r": 4,
                                                  "shape_stated": True}))
    assert fixed["verdict"] == "refuted"  # "hot-swapping recompiles" is false at one shape


def test_an_adapter_of_another_rank_is_judged_prepared_or_not():
    polarity, params = _params("On a compiled model, hot-swapping an adapter of a different rank "
                               "triggers a recompilation.")
    assert polarity and params["other_rank"] and not params["shape_stated"]
    # whether the model was prepared is not said, and it decides: recompiled unprepared,
    # not prepared
    unstated = VERIFIER.run(VERIFIER.resolve_params({**params, "r": 4}))
    assert unstated["verdict"] == "conditional"
    assert unstated["measured"]["hotswap_other_rank"].get("recompiled", True)
    assert not unstated["measured"]["hotswap_other_rank_prepared"]["recompiled"]
    prepared = VERIFIER.run(VERIFIER.resolve_params({**params, "r": 4, "shape_stated": True}))
    assert prepared["verdict"] == "refuted"  # prepared to the larger rank, no recompilation


@pytest.mark.parametrize(("sentence", "prepare"), [
    ("Run prepare_model_for_compiled_hotswap once the model has been compiled with "
     "torch.compile.", "after"),
    ("prepare_model_for_compiled_hotswap has to be called before torch.compile.", "before"),
])
def test_the_order_of_preparing_and_compiling_is_its_own_claim(sentence, prepare):
    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    assert frame.params == {"prepare": prepare}


def test_peft_refuses_to_prepare_an_already_compiled_model():
    after = VERIFIER.run(VERIFIER.resolve_params({"prepare": "after"}))
    assert after["verdict"] == "refuted"
    assert not after["measured"]["after"]["taken"] and after["measured"]["before"]["taken"]
    assert "before" in after["measured"]["after"]["error"]
    before = VERIFIER.run(VERIFIER.resolve_params({"prepare": "before"}))
    assert before["verdict"] == "supported"


def test_adapters_of_any_rank_leave_the_shape_open():
    polarity, params = _params("Under torch.compile, hotswap_adapter() swaps in adapters of any "
                               "rank with no recompilation.")
    assert not polarity and params["other_rank"] and not params["shape_stated"]


def test_prepare_or_it_recompiles_says_both_cases():
    sentence = ("On a compiled model, prepare it with a target_rank at least as large as the "
                "biggest adapter you will swap in, or a recompilation is triggered.")
    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    assert frame.params["other_rank"] and frame.modality == "split"
