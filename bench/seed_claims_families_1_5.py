"""Pair the seeds' measurable claims of families 1-5 with a verifier and run each, timed.

The sentences are the seeds' own (seed 003's pseudo-code as the claim the claims stage makes of
it). Pairing here is the shapes' best match, as `tests/verifiers/claim_match.py` does it.
Usage (from the repository root): PYTHONPATH=. python bench/seed_claims_families_1_5.py
"""

from __future__ import annotations

import time

from verifiers import registry
from verifiers._base import normalise

CLAIMS = [
    ("000 fact-lora-1", "LoRA freezes pretrained model weights and injects trainable low-rank "
                        "matrices into layers."),
    ("001 af-lora-2", "The LoRA paper reports that LoRA can greatly reduce trainable parameter "
                      "count compared with full fine-tuning."),
    ("001 af-lora-4", "Hugging Face PEFT documentation describes LoRA as representing weight "
                      "updates with two smaller matrices while leaving the original weight "
                      "matrix frozen."),
    ("002 TL;DR", "Instead of updating all model parameters during fine-tuning, LoRA injects "
                  "small, trainable low-rank matrices into the model's weight layers, reducing "
                  "trainable parameters by up to 10,000x while maintaining near "
                  "full-fine-tuning performance."),
    ("002 core", "Standard fine-tuning of a large model (e.g., Llama 70B) requires updating all "
                 "70 billion parameters per training step"),
    ("002 core", "For a typical LoRA configuration (r=8 or r=16 on attention projection "
                 "matrices), the number of trainable parameters drops from billions to "
                 "millions."),
    ("002 advantages", "Parameter efficiency: Train 0.1-1% of original parameters"),
    ("002 advantages", "No inference latency: LoRA weights can be merged into the base model "
                       "(W' = W + BA)"),
    ("002 advantages", "Storage efficiency: LoRA adapter is typically 5-50 MB vs. 140+ GB for "
                       "full model weights"),
    ("002 core", "A: Down-projection matrix (trainable, r \u00d7 k, where r << d,k)"),
    ("003 description", "For a weight matrix W, the update is W' = W + BA, where B and A have "
                        "much lower rank than W."),
    ("003 theory", r"LoRA: \( r \times (d + k) \) parameters"),
    ("003 theory", "For d=k=4096, r=16: 99.6% reduction"),
    ("003 pseudo-code", "self.scaling = alpha / r"),
    ("003 pseudo-code", "Its forward pass equals the base model's at initialisation (d=4096, "
                        "k=4096, r=16, alpha=32)."),
    ("004", "If a weight matrix W would normally be updated by some large matrix Delta W, LoRA "
            "constrains that update to the form A x B where A and B are much smaller than W."),
    ("004", "At inference time, the LoRA weights can either be applied dynamically or merged "
            "into the base weights ahead of deployment, depending on the serving setup."),
]


def best(verifiers: list, sentence: str) -> tuple | None:
    """The verifier and params whose shape matches best (weight, then extracted params)."""
    text, found = normalise(sentence), []
    for v in verifiers:
        for shape in v.shapes:
            raw = shape.match(text)
            if raw is not None:
                found.append((shape.weight + 0.1 * len(raw), v,
                              v.resolve_params({**shape.fixed, **raw})))
    return max(found, key=lambda f: f[0])[1:] if found else None


def main() -> None:
    """Run every claim and print verdict, seconds and explanation."""
    t0 = time.perf_counter()
    verifiers = list(registry(include_entry_points=False).values())
    for where, sentence in CLAIMS:
        match = best(verifiers, sentence)
        if match is None:
            print(f"{where:<16} (no verifier)  {sentence}")
            continue
        verifier, params = match
        t = time.perf_counter()
        out = verifier.run(params)
        print(f"{where:<16} {verifier.id:<24} {out['verdict']:<11} "
              f"{time.perf_counter() - t:5.2f}s  {out['explanation']}")
    print(f"total {time.perf_counter() - t0:.1f}s in one process, imports included")


if __name__ == "__main__":
    main()
