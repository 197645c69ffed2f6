"""Claim shapes of the QLoRA verifiers through the real pairing: storage (bits per parameter,
double quantization, the NF4 code, ratios against 16/32 bits, the device) and fine-tuning
memory (model and GPU sizes, named GPUs, several GPUs, unstated sizes), with negations."""

import pytest
from paired import pairing

from verifiers.qlora_memory import VERIFIER as MEMORY
from verifiers.qlora_storage import VERIFIER as STORAGE

SEED_65B = "Adds 4-bit quantization to LoRA, enabling 65B fine-tuning on a single 48GB GPU"
SEED_70B = "This enables fine-tuning 70B models on a single consumer GPU"


def frames(sentence: str, verifier, subject: str = "lora"):
    """Every frame of `sentence` the real pairing gives `verifier`."""
    return [f for f in pairing(sentence, subject).frames if f.verifier == verifier.id]


def storage(sentence: str, claim: str | None = None):
    """The first storage frame (of `claim`, when given), or None."""
    return next((f for f in frames(sentence, STORAGE)
                 if claim is None or f.params["claim"] == claim), None)


def memory(sentence: str, subject: str = "lora"):
    found = frames(sentence, MEMORY, subject)
    return found[0] if found else None


def reasons(sentence: str) -> str:
    return " ".join(f.reason for f in pairing(sentence).frames) + pairing(sentence).reason


# --- bits per parameter and double quantization -------------------------------------------

@pytest.mark.parametrize(("sentence", "claim", "bits", "dq"), [
    ("With double quantization, NF4 storage costs about 4.127 bits per parameter.",
     "bits", 4.127, "with"),
    ("Without nested quantization, NF4 takes 4.5 bits per weight.", "bits", 4.5, "without"),
    ("NF4 without double quantization costs 4.5 bits per parameter.", "bits", 4.5, "without"),
    # double quantization unstated: both are measured (4.5 holds only without it)
    ("NF4 storage costs 4.5 bits per parameter.", "bits", 4.5, "either"),
    ("Double quantization brings NF4 down to about 4.127 bits per parameter.",
     "bits", 4.127, "with"),
    # a before and after: the value written last is the one after double quantization
    ("Double quantization cuts the scaling constants from 0.5 to roughly 0.127 bits per "
     "parameter.", "overhead", 0.127, "with"),
    ("Double quantization reduces the metadata from about 0.5 bits per parameter to about 0.2 "
     "bits per parameter.", "overhead", 0.2, "with"),
    ("The quantization constants add half a bit per weight.", "overhead", 0.5, "either"),
    ("Without double quantization, the block constants add an extra 0.5 bits per parameter.",
     "overhead", 0.5, "without"),
    ("With double quantization the constants add only an extra 0.127 bits per parameter.",
     "overhead", 0.127, "with"),
])
def test_bits_per_parameter_read_with_double_quantization(sentence, claim, bits, dq):
    f = storage(sentence, claim)
    assert f is not None, reasons(sentence)
    assert (f.params["bits"], f.params["dq"]) == (bits, dq) and f.polarity


@pytest.mark.parametrize(("sentence", "saving", "low", "high"), [
    ("Double quantization trims the constant overhead by roughly 0.37 bits per parameter.",
     0.37, 0.35, 0.39),
    ("Turning on nested quantization is worth roughly 0.4 bits for every parameter.",
     0.4, 0.35, 0.45),
    # "a little over a third": a lower bound, not a third exactly
    ("Quantizing the quantization constants a second time saves a little over a third of a "
     "bit per weight.", 0.333, 0.313, 1e12),
    ("Double quantization shaves a quarter of a bit off every parameter.", 0.25, 0.23, 0.27),
])
def test_double_quantization_saving_keeps_its_bound(sentence, saving, low, high):
    f = storage(sentence, "dq_saving")
    assert f is not None, reasons(sentence)
    assert f.params["bits"] == pytest.approx(saving, abs=1e-3)
    assert f.params["low"] == pytest.approx(low, abs=1e-3)
    assert f.params["high"] == pytest.approx(high, abs=1e-3)


def test_a_value_changed_from_with_none_changed_to_is_not_judged():
    assert storage("Double quantization reduces the overhead from 0.5 bits per parameter.",
                   "dq_saving") is None


def test_double_quantization_saving_in_bytes_on_a_named_model():
    f = storage("On a 65B model, double quantization frees roughly 3 GB.", "dq_bytes")
    assert f is not None and f.params["size_b"] == 65 and f.params["low"] < 3 < f.params["high"]
    # a named Llama-shaped model: its own linears are counted (not LLaMA's at that size)
    named = storage("On Mistral 7B, double quantization frees roughly 3 GB.", "dq_bytes")
    assert named is not None and named.params["model"] == "mistral-7b"


# --- storage width: what is stored, not what is computed ----------------------------------

@pytest.mark.parametrize(("sentence", "bits"), [
    ("QLoRA stores the frozen base model in 4-bit NormalFloat.", 4),
    ("QLoRA computes in bfloat16 while storing weights in 4-bit.", 4),
    ("QLoRA stores the frozen weights as 8-bit integers.", 8),
    ("With QLoRA, the base model weights are stored in 8-bit.", 8),
    ("While 4-bit bitsandbytes stores weights in 4-bits, the computation still happens in 16 "
     "or 32-bit.", 4),
])
def test_storage_width_is_the_stored_one(sentence, bits):
    f = storage(sentence, "four_bit")
    assert f is not None and f.params["bits"] == bits, reasons(sentence)


@pytest.mark.parametrize(("sentence", "bits", "denied"), [
    ("QLoRA computes in 4-bit precision.", 4, False),
    ("The computation is not done in 4bit with QLoRA.", 4, True),
    ("While 4-bit bitsandbytes stores weights in 4-bits, the computation still happens in 16 "
     "or 32-bit.", 32, False),
    ("We use nested quantization, bfloat16 compute dtype and NF4 quantization.", 16, False),
    ("QLoRA uses 4-bit for storage and 16-bit for computation.", 16, False),
])
def test_compute_dtype_is_not_a_storage_width(sentence, bits, denied):
    f = storage(sentence, "compute")
    assert f is not None, reasons(sentence)
    assert f.params["bits"] == bits and f.polarity is not denied


def test_activations_said_to_be_quantized():
    f = storage("The weights and activations are compressed to 4 bits.", "activations")
    assert f is not None and f.polarity


def test_a_width_other_than_4_bits_is_qloras_only_when_qlora_is_named():
    assert storage("LoRA can load the base model in 8-bit to save memory.") is None


@pytest.mark.parametrize(("sentence", "quantized", "denied"), [
    ("QLoRA quantizes the LoRA adapters to 4 bits along with the base model.", True, False),
    ("QLoRA does not quantize the LoRA adapters.", True, True),
    ("Only the base model is quantized in QLoRA; the LoRA matrices themselves stay in 16-bit.",
     False, False),
])
def test_adapters_precision(sentence, quantized, denied):
    f = storage(sentence, "composition")
    assert f is not None, reasons(sentence)
    assert f.params["adapters_quantized"] is quantized and f.polarity is not denied


# --- the NF4 code ----------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "prop", "levels", "denied"), [
    ("NF4 has 16 levels, because a 4-bit code can take 2^4 values.", "levels", 16, False),
    ("The NF4 data type has only eight distinct values.", "levels", 8, False),
    ("There are only 16 possible values of a 4 bit number.", "levels", 16, False),
    ("NF4 is asymmetric, with seven negative levels and eight positive ones.", "asymmetric", 0,
     False),
    ("NF4 is a symmetric code with no exact zero.", "symmetric", 0, False),
    ("The NormalFloat4 code includes an exact zero.", "exact_zero", 0, False),
    ("The NF4 code has no exact zero.", "exact_zero", 0, True),
    ("The NF4 values run from -1 to 1.", "range", 0, False),
])
def test_nf4_code_property(sentence, prop, levels, denied):
    f = storage(sentence, "nf4_code")
    assert f is not None, reasons(sentence)
    assert f.params["property"] == prop and f.polarity is not denied
    assert f.params.get("levels", 0) == levels


# --- 4-bit weights against 16 and 32 bits ---------------------------------------------------

@pytest.mark.parametrize(("sentence", "unit", "baseline"), [
    ("QLoRA quantizes the base model parameters to NF4, resulting in 4-8x less parameter "
     "memory usage.", "x", "both"),
    ("4-bit quantization shrinks the memory taken by the weights by 75%.", "pct", "either"),
    ("The 4-bit weights are 4x smaller than fp16 weights.", "x", "16"),
    ("NF4 weights take 8x less memory than fp32 weights.", "x", "32"),
    ("NF4 weights take 25% of the memory of bf16 weights.", "pct_left", "16"),
])
def test_storage_ratio_reads_unit_and_baseline(sentence, unit, baseline):
    f = storage(sentence, "ratio")
    assert f is not None, reasons(sentence)
    assert (f.params["unit"], f.params["baseline"]) == (unit, baseline)


@pytest.mark.parametrize("sentence", [
    "QLoRA uses 4-bit precision, reducing VRAM usage by over 75%.",  # the whole training memory
    "The quantized layer consumes ~8x less memory than the unquantized counterpart.",
    "QLoRA trains 10,000x fewer parameters than full fine-tuning.",
])
def test_ratios_the_weights_do_not_decide_are_not_storage_ratios(sentence):
    assert storage(sentence, "ratio") is None


# --- the device ------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "denied"), [
    ("bitsandbytes can quantize models to 4-bit on the CPU.", False),
    ("It is not possible to quantize models in 4bit on a CPU.", True),
    ("This method is only compatible with GPUs, so 4-bit weights need CUDA.", True),
])
def test_where_4bit_quantization_runs(sentence, denied):
    f = storage(sentence, "cpu_quantize")
    assert f is not None, reasons(sentence)
    assert f.polarity is not denied


def test_a_gpu_of_a_stated_size_is_not_a_device_claim():
    assert storage("Training a 65B model in 4-bit requires a GPU with 48 GB.",
                   "cpu_quantize") is None


# --- fine-tuning memory -----------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "size", "gpu_gb", "denied"), [
    (SEED_65B, 65, 48, False),
    ("QLoRA lets you fine-tune LLaMA-65B on a single 48 GB GPU.", 65, 48, False),
    ("A single 80 GB H100 is enough to fine-tune a 65B model with QLoRA.", 65, 80, False),
    ("The 16 gigabytes of a T4 are enough to QLoRA-tune a 7B model.", 7, 16, False),
    ("With QLoRA, you can fine-tune a 7B model on a free Colab T4.", 7, 16, False),
    ("QLoRA lets a 33B model train on one RTX 4090.", 33, 24, False),
    # an amount of memory used: GB is 10^9 bytes (9.313 GiB)
    ("QLoRA can finetune a Llama2-7b model in <10 GB of memory.", 7, 9.313, False),
    ("QLoRA fine-tuning of a 13B model stays under 10 GiB on one GPU.", 13, 10, False),
    ("QLoRA needs only 6 GB of VRAM to fine-tune a 7B model.", 7, 6, False),
    ("QLoRA (Quantized LoRA) enables 65B parameter model fine-tuning on single 48GB GPUs.",
     65, 48, False),
    ("Llama-2 70B cannot be fine-tuned with QLoRA on a single 24 GB GPU.", 70, 24, True),
    ("QLoRA cannot squeeze a 33B model onto a 24 GB GPU.", 33, 24, True),
    ("Even with 4-bit quantization, a 65B model will not fit on one 24 GB consumer GPU for "
     "fine-tuning.", 65, 24, True),
])
def test_model_and_gpu_sizes(sentence, size, gpu_gb, denied):
    f = memory(sentence)
    assert f is not None, reasons(sentence)
    assert (f.params["size_b"], f.params["gpu_gb"]) == (size, gpu_gb)
    assert f.polarity is not denied and not f.lower_bound and not f.open


def test_a_consumer_gpu_is_a_parameter():
    f = memory(SEED_70B, subject="qlora")
    assert f is not None and f.params["gpu"] == "consumer" and f.params["size_b"] == 70


def test_lora_without_4_bits_is_only_a_lower_bound():
    f = memory("LoRA enables fine-tuning of GPT-3 175B on consumer hardware.")
    assert f is not None and f.lower_bound and f.params["size_b"] == 175


@pytest.mark.parametrize(("sentence", "open_slot"), [
    ("QLoRA makes it possible to fine-tune large models on a single consumer GPU.",
     "the model size"),
    ("With QLoRA you can fine-tune a 33B model on a single GPU.", "the GPU's memory"),
])
def test_an_unstated_size_is_a_condition_and_never_refutes(sentence, open_slot):
    f = memory(sentence)
    assert f is not None, reasons(sentence)
    assert f.open == [open_slot] and f.condition


@pytest.mark.parametrize(("sentence", "why"), [
    ("Fine-tuning Flan-T5-XXL with QLoRA fits on a 24GB GPU.", "cannot count"),
    ("QLoRA fine-tunes Falcon-7B on a 16 GB GPU.", "cannot count"),
    ("LoRA made fine-tuning large models accessible to hobbyists with a single consumer GPU.",
     "unstated"),
    # (a ratio against 16-bit LoRA: the training-memory estimate's, not a fit on a GPU)
    ("QLoRA can match 16-bit LoRA while using 4x less VRAM.",
     "memory_ratio -> lora.training_memory"),
    ("QLoRA fits a 13B model on a single RTX 3090, A10G, or A100 40GB.", "different sizes"),
    ("Fine-tuning a 7B model with QLoRA requires 24 GB of VRAM.", "amount of memory needed"),
    ("Full fine-tuning requires 2+ GPUs totaling 73GB VRAM, but QLoRA trains a 7B model on "
     "one card.", "a count of GPUs with a plus or a total"),
])
def test_claims_the_measurement_cannot_decide_stay_unpaired(sentence, why):
    assert memory(sentence) is None
    assert why in reasons(sentence)


def test_importing_the_qlora_verifiers_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, verifiers; r = verifiers.registry(False); "
            "assert {'lora.qlora_memory', 'lora.qlora_storage'} <= set(r); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("verifier", [STORAGE, MEMORY])
def test_examples_pair_back(verifier):
    for sentence in verifier.examples:
        assert frames(sentence, verifier), reasons(sentence)
