"""The runner: each distinct (verifier, version, params) once, isolated, cached, with evidence.

For each job, in order: the result cache; when the verifier's `requires` are not met here (no
CUDA device, a missing package — judged without importing), evidence recorded on another
machine (same id, version and params; an older version is stale and not used), else the
verifier's `fallback` estimate if it has one, else `skipped` with the reason; otherwise a run in
a worker process under the verifier's time limit and a memory limit. Nothing here imports torch.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kbcheck.cache import ResultCache
from kbcheck.entries import EvidenceFile, StoredResult, entry_files, read_model
from kbcheck.models import Evidence, Finding, Severity, Verdict
from kbcheck.workers import WorkerProcess
from verifiers._base import Verifier
from verifiers._env import environment, has_package
from verifiers._evidence import canonical_params, evidence_key, write_evidence

DEFAULT_MEMORY_MB = 4096
# The variable naming a GPU job's gate file (see `_GpuLane`); the same as
# `verifiers._qlora_measure.GPU_GATE_ENV`, which verifiers read without importing kbcheck.
GPU_GATE_ENV = "KBCHECK_GPU_GATE"


@dataclass(frozen=True)
class RunOptions:
    """How to run: device, parallel workers, memory limit, cache and evidence folder."""

    device: str = "cpu"
    jobs: int = 1
    memory_mb: int | None = DEFAULT_MEMORY_MB
    cache: ResultCache | None = None
    evidence_dir: Path | None = None
    record_evidence: bool = True  # on --device cuda, write GPU verifiers' evidence files
    seed: int = 0


@dataclass(frozen=True)
class Job:
    """One distinct verifier run: the verifier and its resolved, bounded parameters."""

    verifier: Verifier
    params: dict[str, Any]

    @property
    def key(self) -> str:
        """The evidence key (id, version, canonical params): the unit of deduplication."""
        return evidence_key(self.verifier.id, self.verifier.version, self.params)


@dataclass
class RunStats:
    """What the runner did, for the summary line and the tests."""

    jobs: int = 0
    cached: int = 0
    executed: int = 0
    recorded: int = 0
    skipped: int = 0
    workers_started: int = 0
    evidence_written: list[str] = field(default_factory=list)


def unmet_requirements(verifier: Verifier, device: str) -> str | None:
    """Why `verifier` cannot run here, or None. Never imports torch or the packages."""
    if verifier.requires.device.startswith("cuda") and not device.startswith("cuda"):
        return "needs a CUDA GPU (this run uses the CPU; use --device cuda on a GPU machine)"
    missing = [p for p in verifier.requires.packages if not has_package(p)]
    if missing:
        return "needs the missing package(s): " + ", ".join(missing)
    return None


def _evidence(job: Job, result: dict[str, Any], **extra: Any) -> Evidence:
    """An Evidence value from a verifier's plain result dict."""
    verdict = result.get("verdict")
    if verdict not in Verdict.__members__:
        verdict = "error"
    explanation = str(result.get("explanation", ""))
    if extra.get("fallback"):  # an estimate must never read like a measurement
        explanation = f"estimate (required device missing): {explanation}"
    return Evidence(
        verifier=job.verifier.id, version=job.verifier.version, params=job.params,
        verdict=Verdict(verdict), explanation=explanation,
        measured=dict(result.get("measured") or {}), expected=dict(result.get("expected") or {}),
        environment=dict(result.get("environment") or {}),
        duration_s=float(result.get("duration_s") or 0.0), **extra,
    )


class RecordedEvidence:
    """Evidence files recorded on another machine, indexed for matching and staleness.

    A file is believed only when it is a readable evidence document whose key, recomputed from
    its verifier, version and parameters, is the key it states; anything else is a finding
    (`problems`) and is not used.
    """

    def __init__(self, directory: Path | None) -> None:
        self.problems: list[Finding] = []
        docs = [d for d in map(self._load, entry_files(directory)) if d is not None]
        self.by_key = {d["key"]: d for d in docs}
        self.by_params: dict[tuple[str, str], list[dict]] = {}
        for d in docs:
            ident = (d["verifier"], canonical_params(d["params"]))
            self.by_params.setdefault(ident, []).append(d)

    def _load(self, path: Path) -> dict[str, Any] | None:
        doc = read_model(path, EvidenceFile)
        if doc is None:
            self.problems.append(Finding(
                rule="evidence-unreadable", severity=Severity.warning, path=str(path),
                message="not a readable evidence file (not a small regular file, or not the "
                        "evidence schema); it is not used",
                hint="measure again with `kbcheck run --device cuda`, or remove the file"))
            return None
        assert isinstance(doc, EvidenceFile)
        if evidence_key(doc.verifier, doc.version, doc.params) != doc.key:
            self.problems.append(Finding(
                rule="evidence-mismatch", severity=Severity.error, path=str(path),
                message=f"its key does not match its verifier ({doc.verifier}), version and "
                        "parameters: the file was edited after it was measured; it is not used",
                hint="measure again with `kbcheck run --device cuda`, or restore the file"))
            return None
        return {**doc.model_dump(by_alias=True), "_path": str(path)}

    def match(self, job: Job) -> tuple[dict | None, dict | None]:
        """(the matching document, or None; a stale one of another version, or None)."""
        doc = self.by_key.get(job.key)
        if doc is not None and doc.get("version") == job.verifier.version:
            return doc, None
        others = self.by_params.get((job.verifier.id, canonical_params(job.params)), [])
        stale = [d for d in others if d.get("version") != job.verifier.version]
        return None, (max(stale, key=lambda d: d.get("version", 0)) if stale else None)

    def on_other_devices(self, job: Job) -> list[dict[str, Any]]:
        """The same measurement recorded with another `device` param (e.g. a latency verifier's
        GPU figures beside a CPU run), current version only, as short summaries."""
        device = job.params.get("device")
        if not isinstance(device, str):
            return []
        out = []
        for other in ("cpu", "cuda"):
            if other == device:
                continue
            key = evidence_key(job.verifier.id, job.verifier.version, {**job.params,
                                                                        "device": other})
            doc = self.by_key.get(key)
            if doc is None or doc.get("version") != job.verifier.version:
                continue
            result = doc.get("result") or {}
            env = result.get("environment") or {}
            out.append({"device": env.get("device_name") or other,
                        "date": str(doc.get("recorded_at", ""))[:10],
                        "file": Path(doc.get("_path", "")).name,
                        "verdict": result.get("verdict"),
                        "explanation": result.get("explanation"),
                        "measured": result.get("measured") or {}})
        return out


def recorded_to_evidence(job: Job, doc: dict[str, Any]) -> Evidence:
    """Evidence from a recorded file, saying where and when it was measured."""
    result = dict(doc.get("result") or {})
    env = result.get("environment") or {}
    device = env.get("device_name") or env.get("device") or "an unnamed device"
    date = str(doc.get("recorded_at", ""))[:10] or "an unknown date"
    where = f"measured on {device} on {date}"
    result["explanation"] = f"{result.get('explanation', '')} ({where})".strip()
    recorded = {"device": device, "date": date, "file": Path(doc.get("_path", "")).name,
                "summary": where}
    return _evidence(job, result, recorded=recorded)


class Runner:
    """Runs jobs under `RunOptions`; one instance per `kbcheck run`."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.stats = RunStats()
        self.recorded = RecordedEvidence(options.evidence_dir)
        self._fresh: list[WorkerProcess] = []  # GPU jobs' own processes

    def _cache_ident(self, job: Job, fn: str) -> dict[str, str]:
        assert self.options.cache is not None
        device = self.options.device + ("+fallback" if fn == "fallback" else "")
        return self.options.cache.ident(job.verifier.id, job.verifier.version, job.params, device)

    def _plan(self, job: Job) -> tuple[Evidence | None, str, list[str]]:
        """Decide without running: (a final Evidence, or None and which function to run)."""
        notes: list[str] = []
        if self.options.cache is not None:
            hit = self.options.cache.get(self._cache_ident(job, "run"))
            if hit is not None:
                return _evidence(job, hit, cached=True), "", notes
        unmet = unmet_requirements(job.verifier, self.options.device)
        if unmet is None:
            return None, "run", notes
        doc, stale = self.recorded.match(job)
        if doc is not None:
            return recorded_to_evidence(job, doc), "", notes
        if stale is not None:
            notes.append(f"recorded evidence {Path(stale.get('_path', '')).name} is stale: it was "
                         f"measured by version {stale.get('version')}, the verifier is now "
                         f"version {job.verifier.version}")
        if getattr(job.verifier, "fallback", None) is not None:
            notes.append(f"{unmet}; this is the verifier's CPU estimate")
            if self.options.cache is not None:
                hit = self.options.cache.get(self._cache_ident(job, "fallback"))
                if hit is not None:
                    return _evidence(job, hit, cached=True, fallback=True, notes=notes), "", notes
            return None, "fallback", notes
        why = unmet + ("; " + notes[0] if notes else "") + "; no recorded evidence matches"
        ev = Evidence(verifier=job.verifier.id, version=job.verifier.version, params=job.params,
                      verdict=Verdict.skipped, explanation=f"skipped: {why}", notes=notes,
                      environment=environment(self.options.device))
        return ev, "", notes

    def _on_gpu(self, job: Job) -> bool:
        """Whether `job` measures on the GPU in this run."""
        return (self.options.device.startswith("cuda")
                and job.verifier.requires.device.startswith("cuda"))

    def _ran_on(self, job: Job) -> str:
        """Where the job runs: the GPU for a GPU verifier on a GPU run; else the device its
        parameters name (a latency verifier's 'cpu' or 'cuda'), else the CPU."""
        if self._on_gpu(job):
            return self.options.device
        device = job.params.get("device")
        if isinstance(device, str) and (device == "cpu" or self.options.device.startswith(
                "cuda")):
            return device
        return "cpu"

    def _execute(self, pool: queue.Queue | None, job: Job, fn: str, notes: list[str],
                 gate: _Gate | None = None) -> Evidence:
        """Run one job: a GPU job in a fresh process of its own (a GPU measurement reads the
        device's memory as one process sees it, and what a previous job left behind, cached
        blocks or managed buffers that bitsandbytes never frees, would count against the
        next), any other on a warm worker from `pool`. A GPU job with a `gate` may start before
        the GPU is its own; its time limit counts from when the gate opens."""
        if pool is None:
            worker = WorkerProcess(env={GPU_GATE_ENV: str(gate.path)} if gate else None)
            self._fresh.append(worker)  # so that Ctrl-C kills it too
        else:
            worker = pool.get()
        device = self.options.device
        try:
            module, file = _module_of(job.verifier)
            request = {"module": module, "file": file, "id": job.verifier.id, "fn": fn,
                       "params": job.params, "device": self._ran_on(job),
                       "seed": self.options.seed,
                       # RLIMIT_AS cannot cap a CUDA process (its context maps huge address
                       # ranges), so the address-space limit applies to CPU runs only.
                       "memory_mb": None if device.startswith("cuda") else self.options.memory_mb}
            sent = time.monotonic()
            _mark(f"{'gpu' if pool is None else 'cpu'} job {job.verifier.id} "
                  f"({request['device']}) sent")
            reply = worker.call(request, float(job.verifier.timeout_s),
                                after=gate.opened if gate else None)
            _mark(f"{'gpu' if pool is None else 'cpu'} job {job.verifier.id} answered")
            if gate is not None and reply.get("ok"):
                # the time spent waiting for the GPU is not the job's
                waited = max(0.0, (gate.opened_at or sent) - sent)
                result = reply.get("result") or {}
                if isinstance(result.get("duration_s"), (int, float)):
                    result["duration_s"] = round(max(0.0, result["duration_s"] - waited), 4)
        finally:
            if pool is None:
                self.stats.workers_started += worker.started
                worker.close()
            else:
                pool.put(worker)
        reply = _checked(reply)
        if reply.get("ok"):
            result = reply["result"]
            ev = _evidence(job, result, fallback=fn == "fallback", notes=notes)
            if self.options.cache is not None:
                self.options.cache.put(self._cache_ident(job, fn), result)
            if (fn == "run" and device.startswith("cuda") and self.options.record_evidence
                    and self.options.evidence_dir is not None
                    and job.verifier.requires.device.startswith("cuda") and ev.verdict != "error"):
                path = write_evidence(self.options.evidence_dir, job.verifier.id,
                                      job.verifier.version, job.params, json.loads(
                                          json.dumps(result, default=str)))
                self.stats.evidence_written.append(str(path))
            return ev
        return Evidence(verifier=job.verifier.id, version=job.verifier.version, params=job.params,
                        verdict=Verdict.error, explanation=f"verifier failed: {reply.get('error')}",
                        environment=environment(device), notes=notes,
                        duration_s=float(reply.get("duration_s") or 0.0))

    def run(self, jobs: Iterable[Job],
            progress: Callable[[Job, Evidence], None] | None = None) -> dict[str, Evidence]:
        """Evidence for every job, by job key; each distinct key runs at most once."""
        unique: dict[str, Job] = {}
        for job in jobs:
            unique.setdefault(job.key, job)
        self.stats.jobs = len(unique)
        out: dict[str, Evidence] = {}
        todo: list[tuple[Job, str, list[str]]] = []
        for key, job in unique.items():
            ev, fn, notes = self._plan(job)
            if ev is not None:
                out[key] = ev
                self.stats.cached += ev.cached
                self.stats.recorded += ev.recorded is not None
                self.stats.skipped += ev.verdict == Verdict.skipped
                if progress:
                    progress(job, ev)
            else:
                todo.append((job, fn, notes))
        if not todo:
            return self._with_other_devices(unique, out)  # no worker: torch is never imported
        # GPU jobs go one at a time (each fills the device to its own limit) in a lane of their
        # own, beside the CPU jobs, which keep their workers warm.
        gpu = [t for t in todo if t[1] == "run" and self._on_gpu(t[0])]
        cpu = [t for t in todo if not (t[1] == "run" and self._on_gpu(t[0]))]
        n = max(1, min(self.options.jobs, len(cpu)))
        _mark(f"runner: {len(cpu)} CPU jobs on {n} worker(s), {len(gpu)} GPU jobs")
        workers = [WorkerProcess() for _ in range(n if cpu else 0)]
        pool: queue.Queue = queue.Queue()
        for w in workers:
            pool.put(w)
        executor = ThreadPoolExecutor(max_workers=n)
        lane = _GpuLane(self, gpu)
        try:
            futures = lane.submit()
            futures.update({executor.submit(self._execute, pool, job, fn, notes): job
                            for job, fn, notes in cpu})
            order = {job.key: i for i, (job, _, _) in enumerate(todo)}
            for future, job in sorted(futures.items(), key=lambda fj: order[fj[1].key]):
                ev = future.result()
                out[job.key] = ev
                self.stats.executed += 1
                if progress:
                    progress(job, ev)
        except BaseException:
            # Ctrl-C (or a bug): the queued jobs are dropped, not run one by one before the
            # exception gets out, and the jobs in flight end with their workers.
            executor.shutdown(wait=False, cancel_futures=True)
            lane.shutdown(wait=False)
            for w in [*workers, *self._fresh]:
                w.kill()
            raise
        else:
            executor.shutdown()
            lane.shutdown()
        finally:
            for w in workers:
                self.stats.workers_started += w.started
                w.close()
        return self._with_other_devices(unique, out)

    def _with_other_devices(self, jobs: dict[str, Job], out: dict[str, Evidence]
                            ) -> dict[str, Evidence]:
        """Attach the figures recorded on other devices to each evidence (see `Evidence`)."""
        for key, job in jobs.items():
            elsewhere = self.recorded.on_other_devices(job)
            if elsewhere and key in out:
                out[key] = out[key].model_copy(update={"elsewhere": elsewhere})
        return out


@dataclass
class _Gate:
    """A GPU job's gate: a file that appears, and an event that is set, once the GPU is the
    job's (the job before it has ended, and its processes with it)."""

    path: Path
    opened: threading.Event = field(default_factory=threading.Event)
    opened_at: float | None = None

    def open(self) -> None:
        self.opened_at = time.monotonic()
        self.path.touch()
        self.opened.set()


class _GpuLane:
    """GPU jobs, one on the device at a time, in order. A job whose verifier's module declares
    `WAITS_FOR_GPU_GATE` (it touches the device only once the file named by `GPU_GATE_ENV`
    exists) starts while the job before it measures: its imports and the work it does off the
    device overlap that job. Any other job starts only when the one before has ended. A job's
    gate opens once the job before it has ended and its worker process is gone."""

    def __init__(self, runner: Runner, jobs: list[tuple[Job, str, list[str]]]) -> None:
        self.runner, self.jobs = runner, jobs
        self.home = Path(tempfile.mkdtemp(prefix="kbcheck-gpu-"))
        self.gates = [_Gate(self.home / f"gate-{i}") for i in range(len(jobs))]
        self.pool = ThreadPoolExecutor(max_workers=max(1, len(jobs)))

    def _one(self, i: int, job: Job, fn: str, notes: list[str]) -> Evidence:
        gated = _waits_for_gate(job.verifier)
        try:
            if i and gated:
                self.gates[i - 1].opened.wait()  # prepare while the job before measures
            else:
                self.gates[i].opened.wait()
            _mark(f"gpu job {i} ({job.verifier.id}) starts")
            return self.runner._execute(None, job, fn, notes,
                                        self.gates[i] if gated else None)
        finally:
            _mark(f"gpu job {i} ended, its worker gone")
            if i + 1 < len(self.gates):
                self.gates[i + 1].open()

    def submit(self) -> dict[Any, Job]:
        """Start the lane; a future per job."""
        if self.gates:
            self.gates[0].open()
        return {self.pool.submit(self._one, i, job, fn, notes): job
                for i, (job, fn, notes) in enumerate(self.jobs)}

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs; open every gate so that no thread waits for ever; remove the
        gate files."""
        self.pool.shutdown(wait=wait, cancel_futures=not wait)
        if not wait:
            for gate in self.gates:
                gate.opened.set()
        shutil.rmtree(self.home, ignore_errors=True)


def _mark(event: str) -> None:
    """Append `event` to the timeline file named by KBCHECK_TIMELINE, if any (wall-clock time
    and process id first, as `verifiers._qlora_measure.mark` writes them)."""
    path = os.environ.get("KBCHECK_TIMELINE")
    if path:
        with open(path, "a") as fh:
            fh.write(f"{time.time():.3f} {os.getpid()} {event}\n")


def _waits_for_gate(verifier: Verifier) -> bool:
    """Whether the verifier's module says its jobs wait for the GPU gate."""
    module = sys.modules.get(_module_of(verifier)[0])
    return bool(getattr(module, "WAITS_FOR_GPU_GATE", False))


def _checked(reply: dict[str, Any]) -> dict[str, Any]:
    """The worker's reply with its result validated: a plug-in that returns `measured: "x"` gets
    an error verdict, not a crash of the run."""
    if not reply.get("ok"):
        return reply
    try:
        result = StoredResult.model_validate(reply.get("result"))
    except ValidationError as exc:
        where = ".".join(map(str, exc.errors()[0]["loc"])) or "the result"
        return {"ok": False, "error": f"the verifier returned a result of the wrong shape "
                f"({where}: {exc.errors()[0]['msg']})"}
    return {**reply, "result": result.model_dump()}


def _module_of(verifier: Verifier) -> tuple[str, str | None]:
    """The module that defines `verifier` (so that a worker can import it) and its file."""
    candidates = [sys.modules.get(verifier.run.__module__)]
    candidates += [m for name, m in list(sys.modules.items()) if name.startswith("verifiers.")]
    for module in candidates:
        if module is not None and any(v is verifier for v in vars(module).values()):
            file = getattr(module, "__file__", None)
            # The worker runs in a folder of its own: a relative file name would miss.
            return module.__name__, os.path.abspath(file) if file else None
    return verifier.run.__module__, None


def make_job(verifier: Verifier, raw_params: Mapping[str, Any]) -> Job:
    """A job with every declared parameter resolved and bounded (ValueError when invalid)."""
    return Job(verifier, verifier.resolve_params(raw_params))
