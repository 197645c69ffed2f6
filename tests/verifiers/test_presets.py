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
              "opt-6.7b": 6.66e9, "llama3.1-405b": 405.9e9,
              # Qwen2.5 model cards; 32B: the Hub's safetensors total (its card's 32.5B is not
              # what its own config.json counts to)
              "qwen2.5-1.5b": 1.54e9, "qwen2.5-3b": 3.09e9, "qwen2.5-14b": 14.7e9,
              "qwen2.5-32b": 32.8e9}
    for name, count in quoted.items():
        assert PRESETS[name].total_params() == pytest.approx(count, rel=0.005), name
    # sizes quoted only as their names (OPT paper table 1; the Phi-3 report's 14B)
    for name in ("opt-1.3b", "opt-2.7b", "opt-30b", "opt-66b", "phi-3-medium"):
        p = PRESETS[name]
        assert p.total_params() == pytest.approx(p.size_b * 1e9, rel=0.02), name


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
    ("openai/whisper-small", "whisper-small"),
    ("google/vit-base-patch16-224", "vit-base"),
    ("google/vit-large-patch16-224-in21k", "vit-large"),
    ("Qwen/Qwen2.5-1.5B-Instruct", "qwen2.5-1.5b"),
    ("qwen2.5-32b-instruct", "qwen2.5-32b"),
    ("facebook/opt-1.3b", "opt-1.3b"),
    ("facebook/opt-66b", "opt-66b"),
    ("microsoft/Phi-3-medium-4k-instruct", "phi-3-medium"),
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


def test_vision_and_speech_presets_count_what_peft_trains():
    # PEFT itself on the meta builds: ViT-B/16 at r=16 on q and v, 12 x 2 x 16 x (768 + 768);
    # Whisper-small at r=32 on q and v of every attention (encoder self, decoder self and
    # cross), (12 + 2 x 12) x 2 x 32 x (768 + 768)
    peft = pytest.importorskip("peft")
    from verifiers._presets import _meta_model

    for name, r, expected in (("vit-base", 16, 589_824), ("whisper-small", 32, 3_538_944)):
        p = PRESETS[name]
        model = peft.get_peft_model(_meta_model(p), peft.LoraConfig(
            r=r, target_modules=["q_proj", "v_proj"]))
        trained = sum(t.numel() for n, t in model.named_parameters() if "lora_" in n)
        assert trained == expected == p.lora_params(r, ("q_proj", "v_proj")), name


def test_qwen25_1_5b_all_linears_count_what_peft_trains():
    # r=16 on all seven projections of its 28 blocks: 28 x 16 x (2 x (1536 + 1536) +
    # 2 x (1536 + 256) + 3 x (1536 + 8960)), k and v being 2 heads of 128 wide
    peft = pytest.importorskip("peft")
    from verifiers._presets import _meta_model

    p = PRESETS["qwen2.5-1.5b"]
    modules = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    model = peft.get_peft_model(_meta_model(p), peft.LoraConfig(r=16, target_modules=list(modules)))
    trained = sum(t.numel() for n, t in model.named_parameters() if "lora_" in n)
    assert trained == 18_464_768 == p.lora_params(16, modules)
    assert p.module_sets()["all"] == modules


def test_vit_and_whisper_shapes():
    vit = PRESETS["vit-base"]
    assert vit.total_params() == 86_389_248  # ViTModel with its pooler, 197 position rows
    assert vit.module_sets()["default"] == ("q_proj", "v_proj")  # PEFT has none for ViT
    assert vit.module_sets()["all"] == ("q_proj", "k_proj", "v_proj", "o_proj", "fc1", "fc2")
    assert PRESETS["vit-large"].lora_params(8, ("q_proj", "v_proj")) == 24 * 2 * 8 * 2048
    sizes = {"whisper-tiny": 37_760_640, "whisper-base": 72_593_920,
             "whisper-small": 241_734_912, "whisper-medium": 763_857_920}
    for name, count in sizes.items():
        p = PRESETS[name]
        assert p.total_params() == count, name
        # the sizes of the Whisper and ViT papers (39M ... 769M) are the presets' size_b
        assert p.total_params() == pytest.approx(p.size_b * 1e9, rel=0.05), name
    assert PRESETS["vit-large"].total_params() == pytest.approx(0.307e9, rel=0.05)


@pytest.mark.parametrize("text, expected", [
    ("LoRA on ViT-base trains the classifier too.", "vit-base"),
    ("ViT-B/16 at r=16 trains 589,824 parameters.", "vit-base"),
    ("We adapt google/vit-base-patch16-224 with LoRA.", "vit-base"),
    ("LoRA on ViT-Large matches full fine-tuning.", "vit-large"),
    ("Whisper-small with r=32 trains 3.5M parameters.", "whisper-small"),
    ("We fine-tune whisper small on Hindi.", "whisper-small"),
    ("openai/whisper-small with LoRA", "whisper-small"),
    ("Whisper base with LoRA", "whisper-base"),
    ("Whisper tiny with LoRA", "whisper-tiny"),
    ("Whisper medium with LoRA", "whisper-medium"),
    ("whisper-large-v2 with LoRA", "whisper-large"),
    # no size, or a size with other shapes (patch 14 or 32, 384 pixels, English-only '.en'):
    # recognised, never judged against another model's shapes
    ("LoRA on a ViT trains few parameters.", None),
    ("LoRA on Whisper trains few parameters.", None),
    ("ViT-L/14 as in CLIP", None),
    ("ViT-B/32 with LoRA", None),
    ("google/vit-base-patch16-384 with LoRA", None),
    ("openai/whisper-small.en with LoRA", None),
])
def test_vit_and_whisper_mentions_resolve(text, expected):
    from kbcheck.claims.recognise import find_model

    mention = find_model(text)
    assert mention, text
    found = resolve(mention)
    assert (found.name if found else None) == expected
    if expected is None:
        assert mention["family"] == "other"


@pytest.mark.parametrize("text, expected", [
    ("LoRA on Qwen2.5-1.5B trains 18.5M parameters at r=16.", "qwen2.5-1.5b"),
    ("We fine-tune Qwen 2.5 3B with QLoRA.", "qwen2.5-3b"),
    ("Qwen2.5-14B with LoRA on every linear layer", "qwen2.5-14b"),
    ("qwen2.5-32b-instruct at r=8", "qwen2.5-32b"),
    ("OPT-1.3B with LoRA on q and v", "opt-1.3b"),
    ("LoRA adapters for opt-2.7b", "opt-2.7b"),
    ("OPT-30B fits in 60 GB in fp16.", "opt-30b"),
    ("OPT-66B with LoRA", "opt-66b"),
    ("Phi-3-medium with LoRA at r=16", "phi-3-medium"),
    ("microsoft/Phi-3-medium-128k-instruct with LoRA", "phi-3-medium"),
    ("Phi-3-mini with LoRA", "phi-3-mini"),
    # no size, or a size with no preset (OPT-350M's project_in/out are not modelled): never
    # judged against another model's shapes
    ("LoRA on Qwen trains few parameters.", None),
    ("LoRA on Qwen2.5 trains few parameters.", None),
    ("OPT-350M with LoRA", None),
    ("OPT-175B with LoRA", None),
])
def test_qwen_opt_phi_mentions_resolve(text, expected):
    from kbcheck.claims.recognise import find_model

    mention = find_model(text)
    assert mention, text
    found = resolve(mention)
    assert (found.name if found else None) == expected


def test_bare_opt_names_no_model():
    from kbcheck.claims.recognise import find_model

    assert find_model("LoRA on OPT trains few parameters.") == {}
