"""A paraphrase corpus: wordings written for this test (none taken from the seeds), paired
through the real pairing with the project's real verifiers.

Each case is a sentence, the verifier it must pair with and the parameters that must be read
from it. The sentences mix true and false statements, negations, number formats (1,024, 4.2
million, 18M, 0.37, 99 %), matrix shapes (1024 x 1024, 4096x4096, 2048 × 512, 4096-by-4096) and
word orders. The last group must stay unpaired: opinions, citation counts, history.
"""

from __future__ import annotations

import pytest

from kbcheck.claims import is_checkable
from kbcheck.models import Claim
from kbcheck.pairing import pair_claims
from verifiers import registry

LAT, SIZE, SWAP = "lora.adapter_latency", "lora.adapter_size", "lora.hot_swap"
BA, FROZEN, MERGE, MLAT = "lora.ba_update", "lora.frozen_base", "lora.merge_equivalence", \
    "lora.merge_latency"
COUNT, DORA, PLUS = "lora.param_count", "lora.dora", "lora.loraplus"
QMEM, QSTORE = "lora.qlora_memory", "lora.qlora_storage"

CASES = [
    # lora.adapter_latency: bottleneck adapters vs LoRA at inference
    ("Adapters add inference latency, LoRA does not.", LAT,
     {"claim": "adapters_add_latency"}),
    ("Unlike LoRA, adapter layers slow down every forward pass at inference time.", LAT,
     {"claim": "adapters_add_latency"}),
    ("Houlsby adapters introduce extra inference latency because they add sequential layers, "
     "whereas merged LoRA weights do not.", LAT,
     {"claim": "adapters_add_latency", "merged_stated": True}),
    ("LoRA avoids the extra inference latency that adapter modules bring.", LAT,
     {"claim": "adapters_add_latency"}),
    ("Bottleneck adapters run no slower than LoRA at inference.", LAT,
     {"claim": "no_difference"}),
    ("Adapters do not add any inference latency compared with LoRA.", LAT,
     {"claim": "no_difference"}),
    ("Adapter layers have the same inference latency as LoRA.", LAT,
     {"claim": "no_difference"}),
    ("Bottleneck adapters are as fast as LoRA at inference.", LAT, {"claim": "no_difference"}),
    ("Adapters slow down inference, but LoRA doesn't.", LAT, {"claim": "adapters_add_latency"}),
    ("Merged LoRA runs as fast as the base model, while adapter layers add latency.", LAT,
     {"claim": "adapters_add_latency", "merged_stated": True}),
    # lora.ba_update: the definition, read as "the update is low-rank"
    ("The method adds trainable rank decomposition matrices to each attention projection.", BA,
     {"claim": "rank_at_most_r"}),
    ("Fine-tuning learns small low-rank update matrices next to each dense layer.", BA,
     {"claim": "rank_at_most_r"}),
    # lora.frozen_base
    ("During LoRA fine-tuning the pretrained weight matrices stay frozen and only the two "
     "low-rank factors are trained.", FROZEN, {"claim": "frozen"}),
    ("With LoRA, W0 receives no gradient updates at all.", FROZEN, {"claim": "frozen"}),
    ("LoRA training also updates the original model weights.", FROZEN, {"claim": "updated"}),
    ("The base model's parameters are not frozen when you train a LoRA adapter.", FROZEN,
     {"claim": "updated"}),
    ("In the first training step both A and B receive a gradient.", FROZEN,
     {"claim": "a_and_b_first_step"}),
    ("The frozen backbone is never modified by LoRA training; gradients flow only into A and "
     "B.", FROZEN, {"claim": "frozen"}),
    ("LoRA fine-tuning leaves the original weights untouched.", FROZEN, {"claim": "frozen"}),
    ("It is not true that LoRA freezes the base model.", FROZEN, {"claim": "updated"}),
    ("Only the injected A and B matrices receive gradients; W stays fixed.", FROZEN,
     {"claim": "frozen"}),
    ("The pretrained parameters are left intact while LoRA trains a low-rank delta.", FROZEN,
     {"claim": "frozen"}),
    # lora.ba_update
    ("Because B starts at zero, the adapted model initially behaves exactly like the base "
     "model.", BA, {"claim": "init_equals_base"}),
    ("Since B is set to zero at the start, a freshly added LoRA layer computes the same output "
     "as the pretrained layer.", BA, {"claim": "init_equals_base"}),
    ("A freshly initialised LoRA adapter already changes the model's output before any "
     "training.", BA, {"claim": "init_changes_output"}),
    ("If B is initialised randomly, the adapted model at initialisation still equals the base "
     "model.", BA, {"claim": "init_equals_base", "b_init": "random"}),
    ("A is initialised with random Gaussian values and B with zeros, so training starts from "
     "the pretrained model.", BA, {"claim": "init_equals_base", "b_init": "zeros"}),
    ("The update ΔW = BA has the same shape as the frozen weight.", BA,
     {"claim": "delta_shape", "order": "BA"}),
    ("The LoRA update BA has rank at most r.", BA, {"claim": "rank_at_most_r"}),
    ("LoRA's update matrix BA is full rank.", BA, {"claim": "full_rank"}),
    ("The product BA has the same d × k shape as W.", BA, {"claim": "delta_shape"}),
    ("The update BA always has full rank.", BA, {"claim": "full_rank"}),
    ("The LoRA update doesn't change the shape of W.", BA, {"claim": "delta_shape"}),
    ("B starts out as zero, so the first forward pass equals the pretrained model's.", BA,
     {"claim": "init_equals_base"}),
    ("At the start of training the LoRA branch contributes nothing to the output.", BA,
     {"claim": "init_equals_base"}),
    ("The scaling factor applied to BA is alpha divided by r.", BA,
     {"claim": "scaling", "scaling_form": "alpha/r"}),
    ("LoRA scales the low-rank update by alpha/r.", BA,
     {"claim": "scaling", "scaling_form": "alpha/r"}),
    ("rsLoRA scales the adapter output by alpha / sqrt(r).", BA,
     {"claim": "scaling", "scaling_form": "alpha/sqrt(r)", "rslora": True}),
    # lora.merge_equivalence
    ("After training, the LoRA product can be merged into W and the merged layer produces the "
     "same outputs as the unmerged one.", MERGE, {"claim": "equal"}),
    ("Merging LoRA weights into the base model changes its predictions slightly.", MERGE,
     {"claim": "changes_outputs"}),
    ("Merging a LoRA adapter is lossy, so the merged model gives different outputs.", MERGE,
     {"claim": "changes_outputs"}),
    ("Merging the adapter into W changes nothing about the model's outputs.", MERGE,
     {"claim": "equal"}),
    ("LoRA weights can't be merged into the base model without changing its outputs.", MERGE,
     {"claim": "changes_outputs"}),
    ("There is no way to merge LoRA back into the pretrained weights exactly.", MERGE,
     {"claim": "changes_outputs"}),
    # lora.merge_latency
    ("Once the LoRA matrices are merged into W, inference has no additional latency.", MLAT,
     {"claim": "no_latency", "weights": "merged"}),
    ("LoRA adds no inference latency.", MLAT, {"claim": "no_latency", "weights": "unspecified"}),
    ("Once merged, LoRA costs nothing extra at inference.", MLAT,
     {"claim": "no_latency", "weights": "merged"}),
    ("LoRA has zero inference latency overhead after the weights are merged.", MLAT,
     {"claim": "no_latency", "weights": "merged"}),
    ("LoRA does not add any latency at inference once the adapter is folded into W.", MLAT,
     {"claim": "no_latency", "weights": "merged"}),
    ("An unmerged LoRA adapter adds extra latency at inference.", MLAT,
     {"claim": "adds_latency", "weights": "unmerged"}),
    ("Without merging, LoRA adds a small amount of inference latency.", MLAT,
     {"claim": "adds_latency", "weights": "unmerged"}),
    ("Even after merging, LoRA makes inference slower.", MLAT,
     {"claim": "adds_latency", "weights": "merged"}),
    # lora.param_count: per matrix
    ("Using rank 8 on a 1024 x 1024 weight cuts trainable parameters by 98.4%.", COUNT,
     {"claim": "reduction_pct", "d": 1024, "k": 1024, "r": 8, "pct": 98.4}),
    ("For a 4096x4096 projection with r = 16, LoRA trains 131,072 parameters.", COUNT,
     {"claim": "count", "d": 4096, "k": 4096, "r": 16, "count": 131072}),
    ("On a 2048 × 512 matrix, a rank-4 LoRA reduces the trainable parameter count by 99.0%.",
     COUNT, {"claim": "reduction_pct", "d": 2048, "k": 512, "r": 4, "pct": 99.0}),
    ("A rank-8 update on a 4096-by-4096 weight needs 256x fewer parameters than full "
     "fine-tuning.", COUNT, {"claim": "ratio", "d": 4096, "k": 4096, "r": 8, "ratio": 256}),
    ("Rank 4 on a 768 x 768 projection cuts trainable parameters by 50%.", COUNT,
     {"claim": "reduction_pct", "d": 768, "k": 768, "r": 4, "pct": 50}),
    ("A 1024 × 1024 layer with rank 8 adapters trains 0.5 million parameters.", COUNT,
     {"claim": "count", "d": 1024, "k": 1024, "r": 8, "count": 500000}),
    ("A rank 2 adapter for a 512-by-2048 matrix has 5k trainable parameters.", COUNT,
     {"claim": "count", "d": 512, "k": 2048, "r": 2, "count": 5000}),
    ("For a weight W of shape 4096 × 11008, rank 8 gives 120,192 trainable parameters.", COUNT,
     {"claim": "count", "d": 4096, "k": 11008, "r": 8, "count": 120192}),
    ("A rank of 16 on a 1,024 by 1,024 matrix trains 32,768 parameters instead of about 1M.",
     COUNT, {"claim": "count", "d": 1024, "k": 1024, "r": 16, "count": 32768}),
    ("Training LLaMA 65B with LoRA updates fewer than 1% of its weights.", COUNT,
     {"claim": "fraction", "pct_high": 1}),
    # lora.param_count: whole models and formulas
    ("LoRA trains only 0.1% to 0.5% of the model's parameters.", COUNT,
     {"claim": "fraction", "pct": 0.1, "pct_high": 0.5}),
    ("For GPT-3 175B, LoRA cuts the number of trainable parameters by 10,000 times.", COUNT,
     {"claim": "ratio", "ratio": 10000}),
    ("Trainable parameters drop by roughly 10,000 times for GPT-3 when LoRA is used.", COUNT,
     {"claim": "ratio", "ratio": 10000}),
    ("LoRA shrinks the trainable parameters of GPT-3 175B by a factor of 10,000.", COUNT,
     {"claim": "ratio", "ratio": 10000}),
    ("98.4% fewer trainable parameters result from using r = 8 on a 1024 × 1024 matrix.", COUNT,
     {"claim": "reduction_pct", "d": 1024, "k": 1024, "r": 8, "pct": 98.4}),
    ("An r = 64 LoRA on a 8192 x 8192 weight has 1,048,576 trainable parameters.", COUNT,
     {"claim": "count", "d": 8192, "k": 8192, "r": 64, "count": 1048576}),
    ("A r=16 LoRA on a 4,096x4,096 matrix saves 99.2% of the parameters.", COUNT,
     {"claim": "reduction_pct", "d": 4096, "k": 4096, "r": 16, "pct": 99.2}),
    ("With r = 8 on the query and value projections, LoRA on LLaMA 7B trains about 4.2 million "
     "parameters.", COUNT, {"claim": "count", "r": 8, "count": 4.2e6}),
    ("At rank 16 on all linear layers, LoRA for a 7B model trains roughly 40 million "
     "parameters.", COUNT, {"claim": "count", "r": 16, "count": 4e7}),
    ("LoRA on LLaMA 13B at rank 8 has 18M trainable parameters.", COUNT,
     {"claim": "count", "r": 8, "count": 1.8e7}),
    ("Compared with full fine-tuning, LoRA trains only 4.2 million parameters on LLaMA 7B at "
     "r=8.", COUNT, {"claim": "count", "r": 8, "count": 4.2e6}),
    ("LoRA trains 131,072 parameters instead of 16.8 million for full fine-tuning of a "
     "4096x4096 matrix at r=16.", COUNT, {"claim": "count", "d": 4096, "r": 16, "count": 131072}),
    ("LoRA brings the trainable parameters from billions down to millions.", COUNT,
     {"claim": "billions_to_millions"}),
    ("The number of trainable LoRA parameters of one matrix is r(d + k).", COUNT,
     {"claim": "formula", "formula": "r(d+k)"}),
    ("LoRA dramatically reduces the number of trainable parameters.", COUNT,
     {"claim": "reduces"}),
    # lora.adapter_size
    ("A LoRA adapter for LLaMA 7B at rank 8 is about 8 MB in fp16.", SIZE,
     {"mb": 8, "r": 8, "dtype": "fp16"}),
    ("The saved LoRA checkpoint for a 13B model weighs only 25 MB.", SIZE, {"mb": 25}),
    ("LoRA produces a small adapter file instead of a full copy of the model.", SIZE,
     {"compact": True}),
    ("A 7B model stored in fp16 takes about 14 GB on disk.", SIZE, {"gb": 14, "dtype": "fp16"}),
    # lora.hot_swap
    ("Many task-specific LoRA adapters can be swapped in and out on one shared base model.",
     SWAP, {"claim": "no_reload"}),
    ("LoRA adapters for different tasks can be switched at inference time without touching the "
     "base model.", SWAP, {"claim": "no_reload"}),
    ("Switching between LoRA adapters requires reloading the base model each time.", SWAP,
     {"claim": "reload_needed"}),
    ("Hot-swapping adapters is not possible; the base must be copied for each task.", SWAP,
     {"claim": "reload_needed"}),
    ("Serving several LoRA adapters means every adapter needs its own separate copy of the full "
     "base model.", SWAP, {"claim": "reload_needed"}),
    # lora.dora
    ("DoRA splits each pretrained weight into a magnitude vector and a direction, and trains "
     "both.", DORA, {"claim": "decomposition"}),
    ("In DoRA only the magnitude is trained while the direction stays frozen.", DORA,
     {"claim": "magnitude_only"}),
    ("DoRA keeps the magnitude fixed and learns only the direction.", DORA,
     {"claim": "direction_only"}),
    ("The direction in DoRA is fixed; only the magnitude vector learns.", DORA,
     {"claim": "magnitude_only"}),
    ("DoRA trains only the direction component.", DORA, {"claim": "direction_only"}),
    ("DoRA is equivalent to the pretrained model at initialization.", DORA,
     {"claim": "equals_base_at_init"}),
    ("DoRA, unlike LoRA, adds no inference cost after merging.", DORA, {"claim": "mergeable"}),
    ("DoRA weights can be merged back into the base model after training.", DORA,
     {"claim": "mergeable"}),
    ("Unlike LoRA, DoRA cannot be merged into the base weights.", DORA,
     {"claim": "not_mergeable"}),
    ("At initialization a DoRA layer reproduces the pretrained layer exactly.", DORA,
     {"claim": "equals_base_at_init"}),
    # lora.loraplus
    ("LoRA+ sets a higher learning rate for B than for A.", PLUS, {"claim": "different_lr"}),
    ("LoRA+ trains A and B with the same learning rate.", PLUS, {"claim": "same_lr"}),
    ("LoRA+ sets the learning rate of B to 16 times that of A.", PLUS,
     {"claim": "different_lr", "ratio": 16}),
    ("LoRA+ gives matrix A a larger learning rate than matrix B.", PLUS,
     {"claim": "a_higher_lr"}),
    ("With LoRA+, A should get a higher learning rate than B.", PLUS, {"claim": "a_higher_lr"}),
    ("With a learning-rate ratio of 16 between B and A, LoRA+ converges faster than LoRA.", PLUS,
     {"claim": "improves_convergence", "ratio": 16}),
    ("In LoRA+, B's learning rate is 16 times larger than A's.", PLUS,
     {"claim": "different_lr", "ratio": 16}),
    ("The LoRA+ learning-rate ratio makes no difference to convergence speed.", PLUS,
     {"claim": "no_effect"}),
    # lora.qlora_storage
    ("QLoRA keeps the frozen base model in 4-bit NormalFloat.", QSTORE,
     {"claim": "four_bit", "bits": 4}),
    ("QLoRA quantizes the base model to 8 bits.", QSTORE, {"claim": "four_bit", "bits": 8}),
    ("QLoRA stores weights in 8-bit integers.", QSTORE, {"claim": "four_bit", "bits": 8}),
    ("Double quantization cuts about 0.37 bits per parameter from the quantization constants.",
     QSTORE, {"claim": "dq_saving", "saving": 0.37}),
    ("With double quantization QLoRA needs about 4.127 bits per parameter.", QSTORE,
     {"claim": "bits", "bits": 4.127}),
    ("Double quantization saves roughly 0.37 bits per parameter.", QSTORE,
     {"claim": "dq_saving", "saving": 0.37}),
    ("NF4 has 16 levels and represents zero exactly.", QSTORE,
     {"claim": "nf4_code", "levels": 16}),
    ("NF4 uses 16 quantization levels.", QSTORE, {"claim": "nf4_code", "levels": 16}),
    ("The NF4 data type is symmetric around zero.", QSTORE,
     {"claim": "nf4_code", "symmetric": True}),
    ("QLoRA quantizes the LoRA adapters to 4 bits as well.", QSTORE,
     {"claim": "composition", "adapters_quantized": True}),
    ("In QLoRA the LoRA adapters themselves stay in 16-bit precision while the base is stored "
     "in 4 bits.", QSTORE, {"claim": "composition", "adapters_quantized": False}),
    # lora.qlora_memory
    ("QLoRA lets you fine-tune a 33B model on one 24 GB GPU.", QMEM,
     {"size_b": 33, "gpu_gb": 24, "claim": "fits"}),
    ("A 65B-parameter model can be finetuned with QLoRA on a single 48GB GPU.", QMEM,
     {"size_b": 65, "gpu_gb": 48, "claim": "fits"}),
    ("On one 48GB card, QLoRA can fine-tune a 65B-parameter model.", QMEM,
     {"size_b": 65, "gpu_gb": 48, "claim": "fits"}),
    ("Thanks to QLoRA, a 70 billion parameter model trains on a single 24 GB card.", QMEM,
     {"size_b": 70, "gpu_gb": 24, "claim": "fits"}),
    ("Even with QLoRA you cannot fine-tune a 7B model on a 16 GB GPU.", QMEM,
     {"size_b": 7, "gpu_gb": 16, "claim": "does_not_fit"}),
    ("QLoRA cannot fit a 70B model on a single 24GB GPU.", QMEM,
     {"size_b": 70, "gpu_gb": 24, "claim": "does_not_fit"}),
    ("A single 80 GB A100 is enough to fine-tune a 65B model with QLoRA.", QMEM,
     {"size_b": 65, "gpu_gb": 80, "claim": "fits"}),
    ("QLoRA makes it possible to fine-tune a 13B model on a consumer GPU.", QMEM,
     {"size_b": 13, "gpu": "consumer"}),
]

UNPAIRED = [
    "The LoRA paper has been cited more than 10,000 times.",
    "LoRA was introduced by researchers at Microsoft in 2021.",
    "Many practitioners find LoRA elegant.",
    "LoRA is the most popular parameter-efficient method today.",
    "The peft library has over 15k GitHub stars.",
    "Hugging Face maintains the PEFT library.",
    "QLoRA was released in May 2023 by a group at the University of Washington.",
    "DoRA was presented at ICML 2024.",
    "Choosing the rank is more art than science.",
    "LoRA+ was proposed by Hayou, Ghosh and Yu.",
    "Bottleneck adapters were first proposed for transfer learning in NLP in 2019.",
    # A count the shapes would misread (the first figure is full fine-tuning's): better unpaired
    # than paired with the wrong number.
    "Fine-tuning all of a 4096 × 4096 matrix means 16.7M parameters; LoRA at rank 4 needs 32,768.",
    # Several GPUs: the memory verifier measures one device.
    "QLoRA trains a 65B model on 2 x 24 GB GPUs.",
]


def _pairings(texts):
    claims = [Claim(id=f"corpus:{i}", path="corpus.md", line=i + 1, text=t, origin="body")
              for i, t in enumerate(texts)]
    pairings, findings = pair_claims(claims, registry())
    assert findings == []
    return pairings


def _close(stated, read):
    """`read` where it equals `stated` (numbers to 1e-6 relative), else `stated`."""
    if isinstance(stated, int | float) and not isinstance(stated, bool) and isinstance(
            read, int | float) and not isinstance(read, bool):
        return read if read == pytest.approx(stated, rel=1e-6) else stated
    return stated


def test_corpus_is_large_and_covers_every_verifier():
    assert len(CASES) >= 60 and len(UNPAIRED) >= 10
    assert {vid for _, vid, _ in CASES} == set(registry())


@pytest.mark.parametrize(("text", "verifier", "params"), CASES, ids=[c[0][:48] for c in CASES])
def test_unseen_wording_pairs_with_the_right_verifier_and_params(text, verifier, params):
    (pairing,) = _pairings([text])
    assert pairing.verifier == verifier, pairing.reason
    resolved = registry()[verifier].resolve_params(pairing.params)  # what the run will get
    read = {k: resolved.get(k) for k in params}
    assert read == {k: _close(v, read[k]) for k, v in params.items()}, pairing.reason


@pytest.mark.parametrize("text", UNPAIRED, ids=[t[:48] for t in UNPAIRED])
def test_opinions_history_and_citations_stay_unpaired(text):
    (pairing,) = _pairings([text])
    assert pairing.verifier is None, pairing.reason
    assert pairing.reason


@pytest.mark.parametrize(("text", "verifier", "params"), CASES, ids=[c[0][:48] for c in CASES])
def test_unseen_wording_in_a_body_is_taken_as_a_claim(text, verifier, params):
    # Atomic facts are always claims; a body sentence only when it looks checkable.
    assert is_checkable(text)
