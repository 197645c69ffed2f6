"""Benchmark `kbcheck validate` against the floor of the libraries it builds on.

Writes a synthetic knowledge base (10,000 articles by default: the four formats mixed, a few
percent broken) to a temporary folder, then times, interleaved over several rounds on the same
files:

- floor:    read each file and parse it with python-frontmatter + yaml.CSafeLoader, nothing else
- validate: `kbcheck.validate.validate_paths` (discover, detect, parse, line maps, schema, rules)
- cli:      `kbcheck validate DIR` in a subprocess (start-up and the text listing included)

and prints articles per second for each (medians of the rounds; wall-clock and CPU time, since
CPU time is steadier on a shared machine) and the ratios to the floor.

    .venv/bin/python bench/validate.py [--articles 10000] [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KB = Path(__file__).resolve().parent.parent / "kb"


def _frontmatter(rng: random.Random, i: int) -> str:
    n_facts = rng.randint(2, 6)
    papers = [("LoRA: Low-Rank Adaptation of Large Language Models", "2106.09685", 2021),
              ("QLoRA: Efficient Finetuning of Quantized LLMs", "2305.14314", 2023),
              ("DoRA: Weight-Decomposed Low-Rank Adaptation", "2402.09353", 2024),
              ("Parameter-Efficient Transfer Learning for NLP", "1902.00751", 2019),
              ("LoRA+: Efficient Low Rank Adaptation of Large Models", "2402.12354", 2024)]
    chosen = rng.sample(papers, k=rng.randint(1, len(papers)))
    quote = rng.random() < 0.5
    q = (lambda s: f'"{s}"') if quote else (lambda s: s)
    lines = ["---", f"id: {q(f'kb-2026-{i:05d}')}", f"title: \"Synthetic article {i} on LoRA\"",
             f"schema_type: {q('TechArticle')}", "category: ai", "language: en",
             f"confidence: {rng.choice(['low', 'medium', 'high'])}",
             f'last_verified: "2026-0{rng.randint(6, 9)}-1{rng.randint(0, 9)}"',
             f'created_date: "2026-05-{rng.randint(10, 28)}"',
             "generation_method: ai_structured", "ai_models:", "  - claude-opus",
             "derived_from_human_seed: true", "conflict_of_interest: none_declared",
             "is_live_document: false", "data_period: static", "atomic_facts:"]
    for k in range(n_facts):
        title, aid, _year = chosen[k % len(chosen)]
        lines += [f"  - id: {q(f'fact-{i}-{k}')}",
                  "    statement: >-",
                  f"      LoRA variant claim number {k} states that rank {2 ** (k + 2)} adapters "
                  "train a small fraction",
                  "      of the parameters of the full model.",
                  f'    source_title: "{title}"',
                  f"    source_url: https://arxiv.org/abs/{aid}",
                  "    confidence: medium"]
    lines += [f"completeness: 0.{rng.randint(50, 99)}", "known_gaps:",
              "  - Synthetic article for the benchmark.", "disputed_statements: []",
              "primary_sources:"]
    for j, (title, aid, year) in enumerate(chosen):
        if quote:
            lines.append(f"  - id: ps-{j}")
            lines.append(f'    title: "{title}"')
        else:
            lines.append(f'  - title: "{title}"')
        lines += ["    type: academic_paper", f"    year: {year}",
                  f"    url: https://arxiv.org/abs/{aid}", "    institution: arXiv"]
    lines += ["secondary_sources: []", f'updated: "2026-0{rng.randint(6, 9)}-1{rng.randint(0, 9)}"',
              "---", "", "## TL;DR", "",
              "LoRA is a parameter-efficient fine-tuning method that adds low-rank matrices.", "",
              "## Further Reading", ""]
    lines += [f"- [{t}](https://arxiv.org/abs/{a})" for t, a, _ in chosen]
    return "\n".join(lines) + "\n"


def _broken(rng: random.Random, i: int) -> str | bytes:
    good = _frontmatter(rng, i)
    kind = rng.randrange(6)
    if kind == 0:
        return good.replace("category: ai", "category: [ai", 1)  # YAML syntax
    if kind == 1:
        return good.replace("created_date: \"2026-05-", "created_date: \"2026-13-", 1)  # bad date
    if kind == 2:
        return good.replace("\n---\n", "\n", 1).rsplit("---", 1)[0]  # unclosed fence
    if kind == 3:
        return good.replace(f"fact-{i}-1", f"fact-{i}-0")  # duplicate fact ids
    if kind == 4:
        return b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(rng.randrange(256) for _ in range(64))
    return ""  # empty file


def write_kb(folder: Path, n: int, seed: int = 0) -> dict[str, int]:
    """Write `n` articles to `folder`; returns how many of each kind."""
    rng = random.Random(seed)
    seeds = {name: (KB / name).read_text(encoding="utf-8") for name in sorted(os.listdir(KB))}
    flat, wiki, gloss = (next(t for n_, t in seeds.items() if n_.startswith(p))
                         for p in ("002", "003", "004"))
    counts: dict[str, int] = {}
    for i in range(n):
        r = rng.random()
        if r < 0.03:
            kind, text = "broken", _broken(rng, i)
        elif r < 0.55:
            kind, text = "frontmatter-markdown", _frontmatter(rng, i)
        elif r < 0.70:
            kind, text = "flat-markdown", flat.replace("LoRA (Low-Rank", f"LoRA {i} (Low-Rank", 1)
        elif r < 0.85:
            kind, text = "mediawiki", wiki.replace("== Overview ==", f"== Overview {i} ==", 1)
        else:
            kind, text = "glossary", gloss.replace("\nLoRA\n", f"\nLoRA {i}\n", 1)
        counts[kind] = counts.get(kind, 0) + 1
        sub = folder / f"{i // 1000:02d}"
        sub.mkdir(exist_ok=True)
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (sub / f"{i:05d}.txt").write_bytes(data)
    return counts


def floor(folder: Path) -> int:
    """python-frontmatter + yaml.CSafeLoader on every file: the libraries' own cost."""
    import frontmatter
    import yaml

    handler = frontmatter.YAMLHandler()
    n = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                with open(os.path.join(root, name), encoding="utf-8") as fh:
                    frontmatter.loads(fh.read(), handler=handler, Loader=yaml.CSafeLoader)
                n += 1
            except Exception:  # broken files count as seen, as in validate
                n += 1
    return n


def validate(folder: Path) -> int:
    """kbcheck's in-process validation."""
    from kbcheck.validate import validate_paths

    return len(validate_paths([folder]).results)


def cli(folder: Path) -> int:
    """`kbcheck validate DIR` in a subprocess."""
    subprocess.run([sys.executable, "-m", "kbcheck", "validate", str(folder)],
                   stdout=subprocess.DEVNULL, check=False)
    return -1


def _cpu() -> float:
    """CPU seconds of this process and its finished children (robust to a busy machine)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile one validate run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kbcheck-bench-") as tmp:
        folder = Path(tmp)
        counts = write_kb(folder, args.articles)
        print(f"synthetic KB: {args.articles} articles "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        if args.profile:
            import cProfile
            import pstats

            cProfile.runctx("validate(folder)", globals(), {"folder": folder}, "/tmp/kbv.prof")
            pstats.Stats("/tmp/kbv.prof").sort_stats("cumulative").print_stats(30)
            return
        validate(folder)  # warm the page cache and imports once for both
        floor(folder)
        names = ("floor", "validate", "cli")
        wall: dict[str, list[float]] = {k: [] for k in names}
        cpu: dict[str, list[float]] = {k: [] for k in names}
        for _ in range(args.rounds):
            for name, fn in zip(names, (floor, validate, cli), strict=True):
                t0, c0 = time.perf_counter(), _cpu()
                fn(folder)
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(_cpu() - c0)
        print(f"{'':10}{'articles/s':>12}{'wall s':>9}{'cpu s':>9}{'articles/cpu-s':>16}"
              f"   (cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f}, medians of "
              f"{args.rounds} rounds)")
        for k in names:
            w, c = statistics.median(wall[k]), statistics.median(cpu[k])
            print(f"{k:10}{args.articles / w:12,.0f}{w:9.2f}{c:9.2f}{args.articles / c:16,.0f}")
        for k in ("validate", "cli"):
            w = statistics.median(wall[k]) / statistics.median(wall["floor"])
            c = statistics.median(cpu[k]) / statistics.median(cpu["floor"])
            print(f"{k} / floor: {w:.2f}x wall time, {c:.2f}x cpu time")


if __name__ == "__main__":
    main()
