"""lora.adapter_size: adapter files written with safetensors, full-model bytes from presets."""

import tempfile

import pytest
from paired import paired_params as shape_params
from paired import pairing

from verifiers._presets import PRESETS
from verifiers._tiny import peft_available
from verifiers.adapter_size import VERIFIER, measure_adapter


def _run(sentence):
    params = shape_params(VERIFIER, sentence)
    assert params is not None, sentence
    return VERIFIER.run(params)








def test_scaled_size_equals_the_whole_file():
    preset = PRESETS["llama-7b"]
    with tempfile.TemporaryDirectory() as tmp:
        whole = measure_adapter(preset, "qv", 8, "float16", tmp)
        scaled = measure_adapter(preset, "qv", 8, "float16", tmp, rank_one=True)
    assert whole["how"] == "written whole"
    # Only the header differs (wider layer indices and offsets): well under 0.1%.
    assert abs(whole["bytes"] - scaled["bytes"]) < 1000
    assert whole["tensor_bytes"] == 2 * preset.lora_params(8)


@pytest.mark.skipif(not peft_available(), reason="peft not installed")
def test_an_encoder_decoders_adapter_file_is_what_peft_writes():
    """Both stacks of T5 (the decoder's q and v twice: self- and cross-attention), checked
    against PEFT's own save_pretrained on a T5 built from the preset's config."""
    import os

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import T5Config, T5ForConditionalGeneration

    preset = PRESETS["t5-base"]
    with tempfile.TemporaryDirectory() as tmp:
        ours = measure_adapter(preset, "qv", 8, "float32", tmp)
        scaled = measure_adapter(preset, "qv", 8, "float32", tmp, rank_one=True)
        torch.manual_seed(0)
        model = get_peft_model(T5ForConditionalGeneration(T5Config(**preset.config)),
                               LoraConfig(r=8, target_modules=["q", "v"]))
        model.save_pretrained(tmp)
        theirs = os.path.getsize(os.path.join(tmp, "adapter_model.safetensors"))
    assert ours["tensor_bytes"] == 4 * preset.lora_params(8, ("q", "v")) == 4 * 8 * 768 * 2 * (
        12 * 2 + 12 * 4)
    assert abs(ours["bytes"] - theirs) < 0.01 * theirs  # only the tensors' names differ
    assert abs(scaled["bytes"] - ours["bytes"]) < 0.01 * ours["bytes"]


@pytest.mark.parametrize("sentence", [
    "QLoRA enables 65B fine-tuning on a single 48GB GPU.",
    "LoRA needs 3x less GPU memory than full fine-tuning, e.g. 350 GB to 120 GB.",
])
def test_shapes_leave_gpu_memory_claims(sentence):
    assert shape_params(VERIFIER, sentence) is None


def test_compact_adapter_without_numbers():
    params = shape_params(VERIFIER, "A LoRA adapter is a small file compared with the full "
                                    "model.")
    assert params is not None and params["compact"]
    out = VERIFIER.run(params)
    assert out["verdict"] == "supported"
    assert out["measured"]["largest"]["pct_of_model"] < 5
    strict = VERIFIER.run({**params, "compact_pct": 0.001})
    assert strict["verdict"] == "refuted"




# --- adapter files: the dtype beside the size is the file's, bounds, rank scaling ----------

def test_adapter_size_with_its_dtype_is_this_verifiers_not_qlora_storage():
    true = "The rank-8 adapter on q and v of LLaMA 7B takes about 8.4 MB in fp16."
    out = _run(true)
    assert out["verdict"] == "supported"
    out = _run(true.replace("8.4 MB", "80 MB"))
    assert out["verdict"] == "refuted"
    assert out["measured"]["adapter"]["examples"][0]["MB"] == pytest.approx(8.4, abs=0.05)


def test_a_size_said_to_hold_a_stated_count_is_that_many_values_written():
    # 12.6M values at 2 bytes each: a 25.2 MB (24.0 MiB) file, whatever the model
    out = _run("Those 12.6 million adapter parameters, at 16 bits each, come to a file of "
               "about 25 MB.")
    assert out["verdict"] == "supported"
    assert out["measured"]["bytes_per_value"] == 2
    out = _run("Stored in fp32, the 12.6 million adapter parameters make a 25 MB file.")
    assert out["verdict"] == "refuted"
    assert out["measured"]["file_bytes"] == pytest.approx(50.4e6, rel=1e-3)


def test_upper_bound_is_read_as_written():
    # "below 10 MB": 10 is not widened to 15 by its trailing zero.
    assert _run("A rank-8 adapter on q and v of LLaMA 7B stays below 10 MB in fp16."
                )["verdict"] == "supported"
    assert _run("A rank-8 adapter on q and v of LLaMA 7B stays below 8 MB in fp16."
                )["verdict"] == "refuted"


def test_file_grows_with_the_rank():
    params = shape_params(VERIFIER, "Because every tensor in the file scales with r, going from "
                                    "rank 8 to rank 16 about doubles the size of a LoRA "
                                    "checkpoint.")
    assert (params["r"], params["r2"], params["size_ratio"]) == (8, 16, 2.0)
    out = VERIFIER.run(params)
    assert out["verdict"] == "supported"
    assert out["measured"]["files"][0]["ratio"] == pytest.approx(2.0, abs=0.01)
    assert VERIFIER.run({**params, "size_ratio": 4.0})["verdict"] == "refuted"


def test_bare_size_adapter_is_taken_as_the_preset_of_that_size():
    params = shape_params(VERIFIER, "A LoRA checkpoint for a 7B model is around 30-40 MB.")
    assert params["model"] == "llama-7b"
    assert VERIFIER.run(params)["verdict"] == "conditional"


# --- full-model sizes ----------------------------------------------------------------------

def test_model_size_named_preset_both_ways():
    assert _run("LLaMA 7B in fp16 takes about 13.5 GB.")["verdict"] == "supported"
    out = _run("LLaMA 7B in fp16 takes about 7 GB.")
    assert out["verdict"] == "refuted"
    assert out["measured"]["full_model"][0]["GB"] == pytest.approx(13.477, abs=0.01)


def test_model_size_width_per_parameter_and_bounds():
    assert _run("At two bytes per parameter, GPT-3 175B needs some 350 GB for its weights "
                "alone.")["verdict"] == "supported"
    assert _run("Keeping Llama-2-70B in float32 takes over 270 GB.")["verdict"] == "supported"
    assert _run("Llama-2 70B needs less than 100 GB in fp16.")["verdict"] == "refuted"
    assert _run("The 65B LLaMA needs 250+ GB if its weights are kept in single precision."
                )["verdict"] == "supported"


def test_bits_per_weight_beside_a_model_size_is_a_model_size_claim():
    from paired import pairing

    p = pairing("Stored at 16 bits per weight, a 65B LLaMA model comes to about 130 GB.")
    assert [f.verifier for f in p.frames if f.verifier] == ["lora.adapter_size"]
    assert _run("Stored at 16 bits per weight, a 65B LLaMA model comes to about 130 GB."
                )["verdict"] == "supported"


def test_bare_size_model_judged_by_its_size_and_dtype_left_open():
    assert _run("A 70B model in fp16 takes about 140 GB.")["verdict"] == "supported"
    out = _run("A 65B model in bf16 is roughly 65 GB.")
    assert out["verdict"] == "refuted"
    # no dtype stated: the size is read in the published checkpoints' dtype (16-bit), and
    # the explanation says so; one that holds only in another dtype is conditional on it
    out = _run("The weights of a 70B model take up 140 GB.")
    assert out["verdict"] == "supported" and "float16" in out["explanation"]
    out = _run("The weights of a 70B model take up 280 GB.")
    assert out["verdict"] == "conditional" and "float32" in out["explanation"]


@pytest.mark.parametrize("sentence, verdict", [
    ("The weights of Llama-2-7B take up 13.5 GB in fp16.", "supported"),
    ("The weights of Llama-2-7B take up 13.5 GB.", "supported"),  # no dtype: fp16's size
    ("In bf16 the weights of Mistral-7B occupy about 14.5 GB.", "supported"),
    ("In fp16 the weights of OPT-6.7B occupy 13.3 GB.", "supported"),
    ("whisper-large (1.5B params) is 14 GB in fp16.", "refuted"),
    ("The weights of Llama 3 8B take up 32 GB.", "conditional"),  # only in fp32
    ("The weights of Qwen2.5-72B take up 10 GB.", "refuted"),
])
def test_full_model_sizes_of_any_architecture(sentence, verdict):
    assert _run(sentence)["verdict"] == verdict


@pytest.mark.parametrize("sentence", [
    "Mixtral-8x22B in bf16 is about 280 GB.",
    "Full fine-tuning of LLaMA 7B with AdamW needs around 112 GB of GPU memory.",
    "Fine-tuning Falcon-180B with rank-16 LoRA on all linear layers takes about 84 MB.",
])
def test_no_preset_and_training_memory_are_left_alone(sentence):
    assert shape_params(VERIFIER, sentence) is None


def test_times_smaller_than_the_full_model():
    true = ("A rank-8 LoRA on the q and v projections of LLaMA 7B is about 1,600 times smaller "
            "than the full model in fp16.")
    out = _run(true)
    assert out["verdict"] == "supported"
    ratio = out["measured"]["times_smaller"]["examples"][0]["times_smaller"]
    assert ratio == pytest.approx(13_476_831_232 / 8_405_440, rel=1e-3)
    assert _run(true.replace("1,600", "16,000"))["verdict"] == "refuted"


def test_a_few_megabytes_is_judged_over_configurations():
    params = shape_params(VERIFIER, "LoRA adapter files are usually just a few megabytes.")
    assert (params["mb"], params["mb_high"]) == (1.0, 10.0)
    assert VERIFIER.run(params)["verdict"] == "conditional"


def test_sizes_of_several_models_are_not_one_models():
    # the models' total is not one model's size; the adapters' total is a hundred adapters'
    params = shape_params(VERIFIER, "Storing 100 fine-tuned 7B models in fp16 would take "
                                    "1.4 TB, while 100 LoRA adapters take under 2 GB.")
    assert params is not None and not params["gb"] and params["of_adapters"] == 100
    out = VERIFIER.run(params)  # under 20 MB each: small ranks hold, rank 64 on all does not
    assert "-20 MB (the 100 adapters' 1e-06-2000 MB shared out)" in out["explanation"]
    assert out["verdict"] == "conditional"
    # a size said per adapter, before the number of adapters, is one adapter's, not shared out
    params = shape_params(VERIFIER, "Rank 16 on all seven projections of Llama-2-13B holds "
                                    "62.6 million parameters per adapter, or about 125 MB in "
                                    "bf16, so 40 task adapters take about 5 GB.")
    assert params is None or params["of_adapters"] == 1
    # "rank-8 adapters" is one adapter's rank, not a number of adapters
    params = shape_params(VERIFIER, "For LLaMA 65B, rank-8 adapters on q and v land between 35 "
                                    "and 45 MB in fp16.")
    assert params is not None and VERIFIER.run(params)["verdict"] == "supported"


def test_two_precisions_or_two_models_are_not_misattributed():
    out = _run("The full-precision LLaMA-7B model weighs 26.95 GB, whereas the fp16 version is "
               "half that.")
    assert out["verdict"] == "conditional"  # holds in fp32 only; which width is meant is open
    assert shape_params(VERIFIER, "Unlike LLaMA 7B, LLaMA 65B needs 130 GB in fp16.") is None
    assert _run("Llama 7B (15GB in fp16) and Llama 13B (27GB in fp16) were tried."
                )["verdict"] == "refuted"


def test_about_allows_the_looseness_people_round_file_sizes_with():
    """GPT-3 175B, r=4 on Wq and Wv, fp16: 37.8 MB. 'About 35 MB' is within 10%; a bare
    '30 MB' is not within 5%."""
    from paired import pairing

    from verifiers.adapter_size import VERIFIER as SIZE

    def verdict(text):
        frame = next(f for f in pairing(text).frames if f.verifier == SIZE.id)
        return SIZE.run(SIZE.resolve_params(frame.params))["verdict"]

    assert verdict("For GPT-3 175B, an r=4 adapter on Wq and Wv saved in fp16 is about "
                   "35 MB.") == "supported"
    assert verdict("For GPT-3 175B, an r=4 adapter on Wq and Wv saved in fp16 is 30 MB.") == \
        "refuted"


def test_weights_occupying_an_amount_of_gpu_memory_are_the_models_size():
    from paired import pairing

    frame = next(f for f in pairing("In fp16, Mistral 7B occupies about 7 GB of GPU memory."
                                    ).frames if f.verifier)
    assert frame.verifier == "lora.adapter_size" and "first read as fits_gpu" in frame.reason


def test_from_a_models_size_to_an_adapters_the_adapter_is_the_smaller():
    from paired import pairing

    frame = next(f for f in pairing("For GPT-3 175B with r=4 on Wq and Wv in fp16, keeping only "
                                    "the adapter took the checkpoint from 350 GB to about 35 MB."
                                    ).frames if f.verifier == VERIFIER.id)
    assert VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"] == "supported"


def test_an_adapter_size_with_no_dtype_holds_in_the_dtype_it_fits():
    """LLaMA-7B, r=8 on q and v: 8.4 MB in fp16, 16.8 MB in fp32 (PEFT's default adapter
    dtype). With no dtype stated a size that fits one of them is conditional (either way), one
    that fits neither is refuted; a stated dtype decides."""
    from paired import pairing

    def verdict(text):
        frame = next(f for f in pairing(text).frames if f.verifier == VERIFIER.id)
        return VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"]

    assert verdict("For LLaMA-7B with r=8 on q and v the adapter file is about 16 MB.") == \
        "conditional"
    assert verdict("For LLaMA-7B with r=8 on q and v the adapter file is about 8.4 MB.") == \
        "conditional"
    assert verdict("For LLaMA-7B with r=8 on q and v the fp32 adapter file is about 16 MB.") == \
        "supported"
    assert verdict("For LLaMA-7B with r=8 on q and v the fp16 adapter file is about 16 MB.") == \
        "refuted"
    assert verdict("For LLaMA-7B with r=8 on q and v the adapter file is about 50 MB.") == \
        "refuted"


def test_the_checkpoint_size_a_paper_reports_for_its_own_setting():
    """The LoRA paper writes 35 MB for GPT-3 175B at r=4 on Wq and Wv, whose fp16 file
    measures 37.7 MB (36.0 MiB): the paper's own figure, in its setting, is supported."""
    out = _run("For GPT-3 175B with r=4 on Wq and Wv, the LoRA authors report that the "
               "checkpoint shrinks from 350 GB to 35 MB.")
    assert out["verdict"] == "supported" and out["measured"]["adapter"]["reported_mb"] == 35
    assert _run("For GPT-3 175B with r=8 on Wq and Wv the checkpoint is 35 MB.")["verdict"] == \
        "refuted"


def test_a_count_and_a_size_in_one_dtype_are_checked_as_what_the_count_makes():
    # no file word is needed: 3.3 million values at 2 bytes each make a 6.6 MB file
    out = _run("The adapter has 3.3 million parameters, which in bf16 is about 6.6 MB.")
    assert out["verdict"] == "supported"
    assert out["measured"]["bytes_per_value"] == 2
    # the fp32/fp16 slip: 3.3M values in fp32 are 13.2 MB, not 6.6
    out = _run("The adapter has 3.3 million parameters, which in fp32 is about 6.6 MB.")
    assert out["verdict"] == "refuted"
    assert out["measured"]["file_bytes"] == pytest.approx(13.2e6, rel=1e-2)


def test_a_size_far_from_what_the_count_makes_is_not_read_as_made_of_it():
    # 7 billion values are a model, not an adapter: the size is judged as an adapter's, over
    # configurations, and the count is not taken as its premise
    params = shape_params(VERIFIER, "For a model of 7 billion parameters the fp16 LoRA file is "
                                    "about 17 MB.")
    assert params is None or not params.get("count")
    params = shape_params(VERIFIER, "An adapter of 2.1M parameters takes about 90 MB in fp16.")
    assert params is not None and not params.get("count")


def test_a_size_larger_than_lora_on_every_linear_layer_is_refuted_whatever_the_modules():
    # Llama-2-13B at r=16 in fp32: 52.4 MB on q,v up to 250.4 MB on every linear layer; 500 MB
    # is no set of modules (a verifier that leaves the modules open still decides it)
    params = shape_params(VERIFIER, "Saved in fp32, each rank-16 Llama-2-13B adapter is about "
                                    "500 MB.")
    out = VERIFIER.run(params)
    assert out["verdict"] == "refuted"
    assert out["measured"]["covers_open"] == ["the adapted modules"]
    # smaller than the q,v file: a single module might give it, so it stays open
    out = VERIFIER.run({**params, "mb": 5.0})
    assert out["verdict"] == "refuted" and "covers_open" not in out["measured"]
    # whole modules saved beside the factors: the file may be larger, the claim stays open
    frame = next(f for f in pairing("With embed_tokens and lm_head in modules_to_save, the "
                                    "rank-16 Llama-2-13B adapter is about 900 MB in fp16."
                                    ).frames if f.verifier == VERIFIER.id)
    assert "the other parts the file holds (embeddings, a head)" in frame.open


def test_a_size_in_mib_that_is_the_decimal_reading_is_a_unit_slip():
    """Mistral-7B, r=16 on every linear layer, bf16: 83.9 MB = 80.1 MiB. '84 MiB' is the
    decimal figure under the binary unit: refuted, though within 10% of 80.1; '80 MiB' holds,
    and '84 MB' holds too (the unit it is written in)."""
    from paired import pairing

    def verdict(text):
        frame = next(f for f in pairing(text).frames if f.verifier == VERIFIER.id)
        return VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"]

    row = "Mistral-7B | r=16 | all linear layers | adapter ≈ {} in bf16"
    assert verdict(row.format("84 MiB")) == "refuted"
    assert verdict(row.format("80 MiB")) == "supported"
    assert verdict(row.format("84 MB")) == "supported"


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("Llama-2-70B in fp16 takes 138 GiB.", "refuted"),  # 137.95 GB is 128.5 GiB
    ("Llama-2-70B in fp16 takes 128.5 GiB.", "supported"),
    ("Llama-2-70B in fp16 takes 138 GB.", "supported"),
    # 4-bit files hold scales and 16-bit embeddings beside the codes: 35 GiB may be a file's
    ("A 4-bit 70B model takes 35 GiB.", "supported"),
])
def test_a_full_model_size_in_gib_that_is_the_decimal_figure_is_a_unit_slip(sentence, verdict):
    from paired import pairing

    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    out = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert out["verdict"] == verdict, out["explanation"]


def test_adapters_said_to_fit_in_an_amount_are_not_a_full_model():
    p = pairing("At r=64 the same adapter set for Llama-2-7B would still fit in 16 GB.")
    assert all(f.verifier != "lora.adapter_size" or f.params.get("claim") != "full_model"
               for f in p.frames), p.frames
    assert "a size of adapters, not of the full model" in p.reason, p.reason


@pytest.mark.parametrize("sentence", [
    # more bytes a parameter than any dtype stores: the training state, not the file
    "Llama-2-7B with r=16 on q and v trains 8.4M parameters, which at 16 bytes each is about "
    "134 MB.",
    "The LoRA training state stays small: r=8 on Llama-2-7B's q and v is about 67 MB.",
])
def test_an_amount_of_training_state_is_not_the_adapters_size(sentence):
    assert shape_params(VERIFIER, sentence) is None


def test_two_ranks_then_two_sizes_each_as_from_to_are_paired_in_order():
    # rank 8 on q/v of Llama-2-13B is 6,553,600 parameters: 13.1 MB in bf16, 26.2 MB at rank 16
    out = [VERIFIER.run(VERIFIER.resolve_params(f.params)) for f in pairing(
        "Going from r=8 to r=16 takes the Llama-2-13B q/v adapter in bf16 from 13.1 MB to "
        "26.2 MB.").frames if f.verifier == VERIFIER.id]
    assert out and all(o["verdict"] == "supported" for o in out), [o["explanation"] for o in out]


def test_a_size_denied_beside_the_one_set_right_is_not_the_files():
    params = next(f.params for f in pairing(
        "For reference, r=64 on all linear layers of Llama-2-7B in fp16 is about 320 MB, "
        "not 32 MB.").frames if f.verifier == VERIFIER.id)
    assert params["mb"] == 320.0
