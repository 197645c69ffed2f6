"""Record CUDA evidence for the latency verifiers (merge latency, adapter latency), so a report
can show GPU figures beside the CPU ones. Needs only torch and peft; runs without kbcheck.

For each latency verifier present, the seed sentences' parameters as kbcheck's pairing gives
them (checked by `tests/verifiers/test_gpu_bench_params.py`), then ``device=cuda``; its
defaults with ``device=cuda`` are recorded too. One evidence file per run.

    python bench/gpu_latency_evidence.py --out reports/evidence
    python bench/gpu_latency_evidence.py --out DIR --device cpu    # check the flow on a CPU
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifiers import registry  # noqa: E402
from verifiers._evidence import write_evidence  # noqa: E402

LATENCY_VERIFIERS = ("lora.merge_latency", "lora.adapter_latency")
# (sentence, verifier id, the parameters its frame pairs with)
SEED_SENTENCES = (
    ("No inference latency: LoRA weights can be merged into the base model (W' = W + BA)",
     "lora.merge_latency", {"claim": "no_latency", "weights": "merged"}),
    # (no merge state named: the method's property, which it has by merging; the same run as
    # the claim above)
    ("The LoRA paper reports no additional inference latency compared with adapter-style "
     "methods in its evaluated setup.", "lora.merge_latency",
     {"claim": "no_latency", "weights": "merged"}),
)


def planned(device: str) -> list[tuple[str, dict]]:
    """(verifier id, params) of every run, without duplicates."""
    found = registry(include_entry_points=False)
    runs: list[tuple[str, dict]] = []
    for vid in LATENCY_VERIFIERS:
        verifier = found.get(vid)
        if verifier is None or verifier.param("device") is None:
            print(f"{vid}: not present (or has no device parameter); nothing recorded")
            continue
        candidates = [verifier.resolve_params({})]
        candidates += [verifier.resolve_params(params) for _, sid, params in SEED_SENTENCES
                       if sid == vid]
        for params in candidates:
            params = {**params, "device": device}
            if (vid, params) not in runs:
                runs.append((vid, params))
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run every planned latency measurement and write its evidence."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("reports/evidence"))
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    args = ap.parse_args(argv)
    from verifiers._env import environment

    found, failed = registry(include_entry_points=False), 0
    for vid, params in planned(args.device):
        verifier = found[vid]
        t0 = time.perf_counter()
        try:
            res = verifier.run(params)
        except Exception as exc:  # one broken run must not stop the others
            failed += 1
            print(f"{vid} {params}: error {exc!r}", flush=True)
            continue
        res["duration_s"] = time.perf_counter() - t0
        res["environment"] = environment(args.device)
        path = write_evidence(args.out, vid, verifier.version, params, res)
        print(f"{vid} | claim={params.get('claim')} | {res['verdict']} | "
              f"{res['duration_s']:.1f} s | {res['explanation']} | {path.name}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
