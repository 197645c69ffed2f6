"""Claim shapes of the QLoRA verifiers on the seeds' sentences, paraphrases and negations."""

import pytest

from verifiers._base import normalise
from verifiers.qlora_memory import VERIFIER as MEMORY
from verifiers.qlora_storage import VERIFIER as STORAGE


def best(verifier, sentence):
    """(weight, extracted count, params) of the verifier's best shape, as pairing ranks them:
    params = defaults <- fixed <- extracted. None when no shape matches."""
    text = normalise(sentence)
    found = [(s, raw) for s in verifier.shapes if (raw := s.match(text)) is not None]
    if not found:
        return None
    shape, raw = max(found, key=lambda m: (m[0].weight, len(m[1])))
    return shape.weight, len(raw), verifier.resolve_params({**shape.fixed, **raw})


SEED_65B = "Adds 4-bit quantization to LoRA, enabling 65B fine-tuning on a single 48GB GPU"
SEED_70B = "This enables fine-tuning 70B models on a single consumer GPU"


@pytest.mark.parametrize(("sentence", "expect"), [
    (SEED_65B, {"size_b": 65.0, "gpu_gb": 48.0, "gpu": "stated", "claim": "fits"}),
    (SEED_70B, {"size_b": 70.0, "gpu": "consumer", "claim": "fits"}),
    ("With QLoRA you can finetune a 33B model on one 24 GB GPU",
     {"size_b": 33.0, "gpu_gb": 24.0, "claim": "fits"}),
    ("QLoRA lets a 7 billion parameter model be trained on a 16GB graphics card",
     {"size_b": 7.0, "gpu_gb": 16.0}),
    ("Even with QLoRA, a 65B model cannot be fine-tuned on a single 24GB GPU",
     {"size_b": 65.0, "gpu_gb": 24.0, "claim": "does_not_fit"}),
    ("70B models are too large to fine-tune on a consumer GPU",
     {"size_b": 70.0, "gpu": "consumer", "claim": "does_not_fit"}),
])
def test_memory_shapes_extract_size_gpu_and_polarity(sentence, expect):
    found = best(MEMORY, sentence)
    assert found is not None
    params = found[2]
    assert {k: params[k] for k in expect} == expect


@pytest.mark.parametrize("sentence", [
    "QLoRA combines quantization with low-rank adapters to fine-tune large language models "
    "efficiently.",
    "In practice, when people say they fine-tuned an open model on consumer hardware, they often "
    "mean they trained a LoRA rather than updating the full model.",
    "The 65B model has 80 layers.",
])
def test_memory_shapes_ignore_sentences_without_a_size_and_a_gpu(sentence):
    assert best(MEMORY, sentence) is None


def test_the_65b_seed_sentence_pairs_with_memory_over_storage():
    assert best(MEMORY, SEED_65B)[:2] > best(STORAGE, SEED_65B)[:2]


@pytest.mark.parametrize(("sentence", "expect"), [
    (SEED_65B, {"claim": "four_bit", "bits": 4.0}),
    ("QLoRA quantizes the frozen base model to 8-bit", {"claim": "four_bit", "bits": 8.0}),
    ("QLoRA combines quantization with low-rank adapters to fine-tune large language models "
     "efficiently.", {"claim": "composition", "adapters_quantized": False}),
    ("LoRA is also the foundation for variants such as QLoRA, which combines low-rank adaptation "
     "with quantized base weights to make fine-tuning even more memory efficient.",
     {"claim": "composition"}),
    ("In QLoRA the LoRA adapters are quantized to 4 bits as well",
     {"claim": "composition", "adapters_quantized": True}),
    ("NF4 with double quantization needs about 4.127 bits per parameter",
     {"claim": "bits", "bits": 4.127, "double_quant": True}),
    ("Without double quantization NF4 costs 4.5 bits per parameter",
     {"claim": "bits", "bits": 4.5, "double_quant": False}),
    ("Double quantization saves about 0.37 bits per parameter",
     {"claim": "dq_saving", "saving": 0.37}),
    ("The NF4 data type has 16 values and an exact zero", {"claim": "nf4_code", "levels": 16}),
    ("NF4 is a symmetric 4-bit code", {"claim": "nf4_code", "symmetric": True}),
    ("NF4 is asymmetric and represents zero exactly", {"claim": "nf4_code", "symmetric": False}),
])
def test_storage_shapes(sentence, expect):
    found = best(STORAGE, sentence)
    assert found is not None
    assert {k: found[2][k] for k in expect} == expect


def test_importing_the_qlora_verifiers_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, verifiers; r = verifiers.registry(False); "
            "assert {'lora.qlora_memory', 'lora.qlora_storage'} <= set(r); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
