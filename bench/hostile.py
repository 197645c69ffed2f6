"""Worst-case time and memory of loading hostile articles (issue 10): prints figures.

Each input is one unclosed construct repeated to a given size (100 KB of `[`, 1 MiB of
`<ref>` ...), in the format whose loader and markup read it. For each size it prints the time
to load the article, split its body into blocks and sentences, and run the rules, and the peak
memory that took (tracemalloc). Linear work shows as time growing 2x per doubling; the issue's
inputs grew 4x before. Run: `.venv/bin/python bench/hostile.py [--sizes 100000,1048576]`.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from datetime import date

from kbcheck.loaders import load_text
from kbcheck.markup import body_blocks, sentences
from kbcheck.rules import check_article

FRONT = "---\nid: a\ntitle: a\n---\n"
WIKI = "== Head ==\n"
# name -> (prefix that selects the format, the repeated unit)
CASES = {
    "md [": (FRONT, "["),
    "md ![": (FRONT, "!["),
    "md *a": (FRONT, "*a "),
    "md e.g. A": (FRONT, "e.g. A "),
    "md <a": (FRONT, "<a"),
    "md [a](": (FRONT, "[a]("),
    "wiki <ref>": (WIKI, "<ref>"),
    "wiki <!--": (WIKI, "<!--"),
    "wiki <math>": (WIKI, "<math>"),
    "wiki <pre>": (WIKI, "<pre>"),
    "wiki \\(": (WIKI, "\\("),
    "wiki \\[": (WIKI, "\\["),
    "wiki [[": (WIKI, "[["),
    "wiki [http://": (WIKI, "[http://"),
    "wiki [[a::": (WIKI, "[[a::"),
    "wiki =title": ("", "= " + "a"),
    "glossary Last updated:": ("Term\n\nCategory\n\nLast updated:", " "),
}


def article_text(name: str, size: int) -> str:
    """The hostile article `name`, about `size` characters long."""
    prefix, unit = CASES[name]
    if name == "wiki =title":
        return "== Head ==\n=" + "a" * size + "\n"
    return prefix + unit * (size // len(unit)) + "\n"


def measure(text: str) -> tuple[float, int]:
    """(seconds, peak bytes) to load, split into sentences and check one article."""
    tracemalloc.start()
    start = time.perf_counter()
    result = load_text(text, "hostile.md")
    if result.article is not None:
        for block in body_blocks(result.article):
            if block.kind == "text":
                sentences(block)
        check_article(result.article, date(2026, 1, 1))
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    """Print one row per hostile input: time and peak memory at each size, and the growth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="102400,204800,1048576",
                        help="input sizes in characters, comma-separated")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    head = "".join(f"{f'{n // 1024} KiB':>20}" for n in sizes)
    print(f"{'input':<24}{head}  growth per 2x")
    worst = (0.0, 0, "")
    for name in CASES:
        cells, times = [], []
        for n in sizes:
            seconds, peak = measure(article_text(name, n))
            times.append(seconds)
            cells.append(f"{seconds * 1000:9.1f} ms {peak / 2**20:5.1f} MiB")
            if seconds > worst[0]:
                worst = (seconds, peak, f"{name} at {n // 1024} KiB")
        growth = (times[1] / times[0]) if len(times) > 1 and times[0] > 0 else float("nan")
        print(f"{name:<24}{''.join(f'{c:>20}' for c in cells)}  {growth:5.1f}x")
    print(f"worst: {worst[2]}: {worst[0] * 1000:.1f} ms, peak {worst[1] / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
