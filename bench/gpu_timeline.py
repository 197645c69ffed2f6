"""A timeline of one `kbcheck run --device cuda`: when each job and each measurement process
did what, and where the time went.

    python bench/gpu_timeline.py [KB_DIR] [--compare reports/evidence] [--save FILE]
    python bench/gpu_timeline.py --read FILE          # summarise a saved timeline

Runs `kbcheck run KB_DIR --device cuda --no-cache` with KBCHECK_TIMELINE set, in a fresh output,
cache and evidence folder (the repository's own are left alone), and prints its wall time, then
every event (seconds from the start, process id, event) with the time since that process's
previous event, then the largest of those gaps (the costs: imports, loading, attaching LoRA,
training, a process's exit). The runner marks each job sent and answered and each GPU job's
start and end; each measurement process marks its imports, the model declared, the go, the
device filled, loading, each configuration attached and trained, and the device settled.

With --compare, the qlora_memory evidence the run wrote is set beside the recorded files of the
same key: each configuration's peak allocated and reserved bytes and the driver's reading, and
the verdict, so that a change to the method can show it measures the same.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 2**20


def read_timeline(path: Path) -> list[tuple[float, int, str]]:
    """(wall-clock time, process id, event) for each line of a timeline file."""
    out = []
    for line in path.read_text().splitlines():
        t, pid, event = line.split(" ", 2)
        out.append((float(t), int(pid), event))
    return sorted(out, key=lambda e: e[0])


def summarise(events: list[tuple[float, int, str]], top: int = 12) -> str:
    """Every event from the first, with the gap since the same process's previous event, then
    the largest gaps."""
    if not events:
        return "(empty timeline)"
    t0 = events[0][0]
    last: dict[int, tuple[float, str]] = {}
    rows, gaps = [], []
    for t, pid, event in events:
        gap = ""
        if pid in last:
            d = t - last[pid][0]
            gap = f"+{d:6.2f}"
            gaps.append((d, pid, f"{last[pid][1]} -> {event}"))
        rows.append(f"{t - t0:7.2f} {pid:>7} {gap:>7}  {event}")
        last[pid] = (t, event)
    spans = _spans(events)
    rows.append("")
    rows += [f"{name}: {s:.1f} s" for name, s in spans.items()]
    rows.append("")
    rows.append(f"largest gaps (a process, from one event to its next): top {top}")
    rows += [f"  {d:6.2f} s  {pid:>7}  {what}" for d, pid, what in sorted(gaps,
                                                                            reverse=True)[:top]]
    return "\n".join(rows)


def _spans(events: list[tuple[float, int, str]]) -> dict[str, float]:
    """The GPU lane (first GPU job's start to the last one's end) and the CPU jobs' total."""
    out: dict[str, float] = {}
    gpu = [t for t, _, e in events if e.startswith("gpu job ") and (" starts" in e
                                                                  or " ended" in e)]
    if gpu:
        out["GPU lane (first GPU job starts to last ends)"] = max(gpu) - min(gpu)
    sent: dict[str, float] = {}
    busy = 0.0
    for t, _, e in events:
        if e.startswith("cpu job ") and e.endswith(" sent"):
            sent[e.split()[2]] = t
        elif e.startswith("cpu job ") and e.endswith(" answered"):
            name = e.split()[2]
            busy += t - sent.pop(name, t)
    if busy:
        out["CPU jobs, sent to answered, summed"] = busy
    return out


def compare(written: Path, recorded: Path) -> str:
    """Each written qlora_memory evidence file beside the recorded one of the same name."""
    rows = []
    for path in sorted(written.glob("lora.qlora_memory-*.json")):
        old_path = recorded / path.name
        new = json.loads(path.read_text())
        if not old_path.exists():
            rows.append(f"{path.name}: no recorded file of this key")
            continue
        old = json.loads(old_path.read_text())
        a, b = old["result"], new["result"]
        rows.append(f"{path.name} {new['params'].get('size_b')}B "
                    f"{new['params'].get('gpu_gb') or new['params'].get('gpu')}: verdict "
                    f"{a['verdict']} -> {b['verdict']}")
        for name, cfg in b["measured"].get("configurations", {}).items():
            was = a["measured"].get("configurations", {}).get(name, {}).get("run") or {}
            now = cfg.get("run") or {}
            for part in ("load", "step"):
                x, y = was.get(part) or {}, now.get(part) or {}
                for key in ("peak_allocated", "peak_reserved", "driver_process", "device_used"):
                    if x.get(key) and y.get(key):
                        rel = (y[key] - x[key]) / x[key]
                        rows.append(f"  {name:12} {part:4} {key:15} {x[key] / MIB:10.1f} -> "
                                    f"{y[key] / MIB:10.1f} MiB ({rel:+.4%})")
            if was.get("ran_out") or now.get("ran_out"):
                rows.append(f"  {name:12} ran out: {(was.get('ran_out') or {}).get('part')} -> "
                            f"{(now.get('ran_out') or {}).get('part')}")
    return "\n".join(rows) or "(no qlora_memory evidence written)"


def main() -> None:
    """Run (or read) a timeline and print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kb", nargs="?", default="kb")
    ap.add_argument("--read", type=Path, help="summarise this timeline file; run nothing")
    ap.add_argument("--save", type=Path, help="keep the timeline (and the run's log) here")
    ap.add_argument("--compare", type=Path, help="recorded evidence to set the new beside")
    ap.add_argument("--evidence-out", type=Path, help="keep the evidence the run wrote here")
    args = ap.parse_args()
    if args.read:
        print(summarise(read_timeline(args.read)))
        return
    work = Path(tempfile.mkdtemp(prefix="kbcheck-timeline-"))
    timeline = args.save or work / "timeline.txt"
    timeline.unlink(missing_ok=True)
    evidence = args.evidence_out or work / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "kbcheck", "run", args.kb, "--device", "cuda", "--no-cache",
           "--out", str(work / "reports"), "--cache-dir", str(work / "cache"),
           "--evidence-dir", str(evidence), "--fail-on", "never"]
    with open(timeline, "a") as fh:
        fh.write(f"{time.time():.3f} {os.getpid()} kbcheck run starts\n")
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "KBCHECK_TIMELINE": str(timeline)})
    wall = time.perf_counter() - start
    with open(timeline, "a") as fh:
        fh.write(f"{time.time():.3f} {os.getpid()} kbcheck run ended (exit {done.returncode})\n")
    print(summarise(read_timeline(timeline)))
    tail = [x for x in done.stdout.splitlines() if x.startswith(("  lora.", "5 articles"))]
    print("\n".join(tail[-40:]))
    print(done.stdout.splitlines()[-1] if done.stdout else done.stderr[-2000:])
    print(f"\nkbcheck run {args.kb} --device cuda --no-cache: {wall:.1f} s wall "
          f"(exit {done.returncode})")
    if args.compare:
        print(compare(evidence, args.compare))


if __name__ == "__main__":
    main()
