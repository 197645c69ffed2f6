"""Model presets as data: every analytic count equals the model built from its transformers
config class on the meta device (nothing downloaded), and names resolve to the right preset."""

import pytest

from verifiers._presets import (
    PAPER_MODELS,
    PRESETS,
    lookup,
    meta_count,
    meta_lora_count,
    preset,
    resolve,
)

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module", params=sorted(PRESETS))
def built(request):
    p = PRESETS[request.param]
    from verifiers._presets import _meta_model

    return p, _meta_model(p)


def test_analytic_count_equals_meta_build(built):
    p, model = built
    assert p.total_params() == meta_count(p, model)


def test_lora_counts_equal_meta_build_for_every_module_set(built):
    p, model = built
    for name, modules in p.module_sets().items():
        if p.layout == "gpt3" or (p.layout == "mixtral" and name in ("mlp", "all")):
            continue  # GPT-3's q, k, v are split here; transformers 5 fuses Mixtral's experts
        for r in (1, 8):
            assert p.lora_params(r, modules) == meta_lora_count(p, modules, r, model), name


def test_published_sizes():
    # the counts model cards quote (rounded there): the data reproduces them
    quoted = {"llama3-8b": 8.03e9, "mistral-7b": 7.24e9, "mixtral-8x7b": 46.7e9,
              "qwen2.5-7b": 7.62e9, "gemma-7b": 8.54e9, "phi-2": 2.78e9, "falcon-7b": 6.92e9,
              "gpt-j-6b": 6.05e9, "bloom-7b1": 7.07e9, "whisper-large": 1.54e9,
              "gpt2": 124.4e6, "gpt2-xl": 1.56e9, "bert-base": 109.5e6, "mt0-xxl": 12.9e9,
              "opt-6.7b": 6.66e9, "llama3.1-405b": 405.9e9}
    for name, count in quoted.items():
        assert PRESETS[name].total_params() == pytest.approx(count, rel=0.005), name


def test_shapes_that_are_not_llamas():
    gemma = PRESETS["gemma-7b"]
    assert gemma.head_dim == 256 != gemma.d_model // gemma.heads
    assert PRESETS["qwen2.5-7b"].lora_params(8, ("q_proj",)) == 28 * 8 * (3584 + 3584)
    mixtral = PRESETS["mixtral-8x7b"]
    assert mixtral.lora_params(1, ("w1",)) == 32 * 8 * (14336 + 4096)  # one per expert
    assert "qv" not in PRESETS["gpt2"].module_sets()  # q and v live in one c_attn matrix
    assert PRESETS["gpt2"].module_sets()["default"] == ("c_attn",)
    t5 = PRESETS["flan-t5-xxl"]
    assert t5.lora_params(1, ("q",)) == 24 * (4096 + 4096) * 3  # encoder + decoder self/cross


@pytest.mark.parametrize("name, expected", [
    ("meta-llama/Llama-3.1-8B-Instruct", "llama3-8b"),
    ("mistralai/Mistral-7B-v0.1", "mistral-7b"),
    ("gpt2-xl", "gpt2-xl"),
    ("Llama-2-70b-hf", "llama2-70b"),
    ("google/flan-t5-xxl", "flan-t5-xxl"),
    ("openai/whisper-large-v2", "whisper-large"),
    ("Qwen/Qwen2.5-0.5B-Instruct", "qwen2.5-0.5b"),
    ("65B", "llama-65b"),
])
def test_names_resolve(name, expected):
    assert preset(name).name == expected


def test_mentions_resolve_by_family_and_size_and_unknowns_do_not():
    assert resolve({"family": "llama3", "size_b": 8.0}).name == "llama3-8b"
    assert resolve({"family": "qwen2.5", "size_b": 0.5}).name == "qwen2.5-0.5b"
    assert resolve({"family": "gpt2-xl", "size_b": None}).name == "gpt2-xl"
    assert resolve({"family": "llama3", "size_b": 13.0}) is None  # no such Llama 3
    assert resolve({"family": "other", "size_b": 7.0}) is None
    assert lookup("deepseek-67b") is None
    assert set(PAPER_MODELS) <= set(PRESETS)
