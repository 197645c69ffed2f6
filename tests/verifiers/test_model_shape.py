"""lora.model_shape: architecture facts read off real transformers models built from presets
on the meta device (no download, no weights), and sentences through the real pairing."""

import pytest
from paired import pairing

from verifiers._env import has_package
from verifiers.model_shape import VERIFIER, shapes

pytestmark = pytest.mark.skipif(not has_package("transformers"),
                                reason="transformers not installed")


def _verdicts(sentence: str) -> dict[str, str]:
    """Each model_shape frame's verdict by predicate, turned round when denied (as the
    pipeline does)."""
    swap = {"supported": "refuted", "refuted": "supported"}
    out = {}
    for f in pairing(sentence).frames:
        if f.verifier == VERIFIER.id:
            got = VERIFIER.run(VERIFIER.resolve_params(f.params))["verdict"]
            out[f.predicate] = got if f.polarity else swap.get(got, got)
    return out


def test_llama3_8b_module_tree():
    m = shapes("llama3-8b")
    assert (m["layers"], m["hidden"], m["mlp"], m["vocab"]) == (32, 4096, 14336, 128256)
    assert (m["heads"], m["kv_heads"], m["head_dim"]) == (32, 8, 128)
    assert m["linears"]["self_attn.k_proj"] == [4096, 1024] and not m["fused_qkv"]
    assert m["tied"] is False


def test_fused_and_multi_query_models_are_read_from_their_fused_matrix():
    gpt2, falcon = shapes("gpt2"), shapes("falcon-7b")
    assert gpt2["fused_qkv"] and gpt2["linears"]["attn.c_attn"] == [768, 2304]
    assert (gpt2["heads"], gpt2["kv_heads"], gpt2["tied"]) == (12, 12, True)
    assert (falcon["heads"], falcon["kv_heads"]) == (71, 1)


def test_an_encoder_decoder_has_two_stacks():
    assert shapes("t5-base")["stacks"] == {"encoder.block": 12, "decoder.block": 12}


def test_several_facts_in_one_sentence_are_each_judged():
    got = _verdicts("Llama-2-70B: 64 decoder layers, hidden size 8192.")
    assert got == {"arch_layers": "refuted", "arch_hidden": "supported"}
    run = VERIFIER.run(VERIFIER.resolve_params(
        {"model": "llama2-70b", "fact": "layers", "value": 64, "precision": 0.5}))
    assert "80" in run["explanation"] and run["measured"]["_figure"]["measured"] == 80


def test_projection_features_in_either_form():
    assert _verdicts("On Llama-3-8B, k_proj maps 4096 features to only 1024.") == {
        "arch_proj": "supported"}
    assert _verdicts("On Llama-3-8B, k_proj maps 4096 features to 4096.") == {
        "arch_proj": "refuted"}
    assert _verdicts("In Llama-3-8B the q_proj is 4096 x 4096.") == {"arch_proj": "supported"}


def test_precision_and_approximation():
    assert _verdicts("LLaMA-7B's MLP is about 11k wide.") == {"arch_mlp": "supported"}
    # a whole number's trailing zeros are rounding: "11,000" allows 11,008, "11,200" does not
    assert _verdicts("The MLP of LLaMA-7B is 11,000 wide.") == {"arch_mlp": "supported"}
    assert _verdicts("The MLP of LLaMA-7B is 11,200 wide.") == {"arch_mlp": "refuted"}


def test_flags_fused_gqa_and_tied_with_their_denials():
    assert _verdicts("LLaMA-7B keeps separate q_proj, k_proj and v_proj matrices.") == {
        "arch_fused_qkv": "supported"}
    assert _verdicts("Llama-2-7B uses grouped-query attention.") == {"arch_gqa": "refuted"}
    assert _verdicts("Llama-2-13B ties its LM head to the token embedding.") == {
        "arch_tied": "refuted"}


def test_a_family_without_its_size_holds_only_where_every_member_agrees():
    p = pairing("Gemma has a 256k vocabulary.").frames[0]
    assert p.params["model"] == "gemma-2b,gemma-7b" and p.open
    assert _verdicts("Gemma has a 256k vocabulary.") == {"arch_vocab": "supported"}


@pytest.mark.parametrize("sentence", [
    "Falcon-180B has 80 decoder layers.",  # no preset
    "Gemma 3 uses a vocabulary of 262k tokens.",  # another model than Gemma 1 and 2
    "Mistral has 32 decoder layers.",  # a family of one preset, no size
    "A transformer with 32 decoder layers is a deep network.",  # no model
])
def test_no_preset_no_judgement(sentence):
    frames = [f for f in pairing(sentence).frames if f.predicate.startswith("arch_")]
    assert frames and all(f.verifier is None for f in frames)


def test_lora_counts_stay_with_param_count():
    p = pairing("LoRA on q_proj of LLaMA-7B adds 4.2M parameters.")
    assert p.verifier == "lora.param_count"
    assert not any(f.verifier == VERIFIER.id for f in p.frames)
    p = pairing("At rank 4 on the query and value matrices of all 96 layers, GPT-3 175B has "
                "about 18.9M trainable weights.")
    assert p.verifier == "lora.param_count"
