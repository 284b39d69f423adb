"""Running a sweep's tasks: on Ray (a local instance started for the run, or a cluster at an
address), or in local processes when Ray is not installed.

- Ray: one task per variant, each asking for as many CPUs as it runs solver threads, so tasks x
  threads fit the cluster's cores; a worker that dies has its task retried by Ray (max_retries).
- Local processes (concurrent.futures): the same tasks; a dead worker breaks the pool, so the
  pool is made anew and the tasks that were in it are run again, up to the same number of tries.
- Resume: a variant whose plan folder holds the same input hash is not planned again.
- Ctrl-C / SIGTERM: the running tasks are stopped; every finished plan folder is whole (each was
  renamed into place only when complete) and sweep.csv lists exactly the finished variants.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.errors import InputError, Interrupted, Problem
from scheduler.interrupts import signal_name
from scheduler.sweeps.jobs import SweepJob
from scheduler.sweeps.page import sweep_table, write_page, write_table
from scheduler.sweeps.tasks import VARIANT_FILE, VariantTask, failed_row, plan_variant, row_from_folder

MAX_RETRIES = 3
"""Tries after the first when a worker process dies (killed, out of memory, a lost node)."""
WORKER_NICENESS = "RAY_worker_niceness"
"""Ray's setting (read when a local Ray starts) for how much its workers lower their priority."""
TaskFn = Callable[[VariantTask], dict[str, Any]]


@dataclass
class Counts:
    """Where the sweep stands, for the progress bar."""

    total: int
    done: int = 0
    running: int = 0
    failed: int = 0
    reused: int = 0


@dataclass
class SweepResult:
    rows: list[dict[str, Any]]
    counts: Counts
    engine: str
    table: Path
    page: Path
    notes: list[str] = field(default_factory=list)


def reusable(task: VariantTask) -> bool:
    """A plan folder an earlier run wrote from exactly these inputs (same hash): kept as it is."""
    folder = Path(task.out)
    try:
        meta = json.loads((folder / VARIANT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("input_sha256") == task.input_sha256 and (folder / "summary.json").is_file()


def run_in_ray(fn: TaskFn, task: VariantTask) -> dict[str, Any]:
    """The Ray task: one variant (a module-level function, so every node imports it by name)."""
    return fn(task)


def quiet_worker() -> None:
    """A local worker leaves Ctrl-C to the sweep, which stops it (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalRayFailed(Exception):
    """The local Ray would not start (no shared memory, a full /tmp, ...): local processes instead."""


class RayEngine:
    """Tasks on Ray: a local instance for this run, the cluster at `address` (or RAY_ADDRESS), or
    the Ray this process is already connected to."""

    def __init__(self, address: str | None):
        import ray

        self.ray = ray
        self.owned = not ray.is_initialized()
        target = address or os.environ.get("RAY_ADDRESS") or None
        if self.owned:
            try:
                if target:
                    ray.init(address=target, log_to_driver=False, logging_level="ERROR")
                else:  # "local": a new instance even if some other cluster runs on this machine
                    # Ray lowers its workers' priority (niceness 15) to keep drivers responsive; here the
                    # tasks are the work, and on a shared machine niceness 15 starves them for minutes
                    os.environ.setdefault(WORKER_NICENESS, "0")
                    ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level="ERROR")
            except Exception as exc:  # noqa: BLE001 - a wrong address is bad input, named
                if not target:
                    raise LocalRayFailed(f"{type(exc).__name__}: {exc}") from None
                option = "--address" if address else "RAY_ADDRESS"
                raise InputError([Problem("command line", option, repr(target),
                                          f"the address of a running Ray cluster, e.g. 10.0.0.5:6379 ({type(exc).__name__}: {exc})")]) from None
        resources = ray.cluster_resources()
        self.cores = max(1, int(resources.get("CPU", 1)))
        self.nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
        where = ("the Ray this process is connected to" if not self.owned
                 else f"the Ray cluster at {target}" if target else "a local Ray started for this run")
        self.name = f"{where} ({self.nodes} node{'s' * (self.nodes != 1)}, {self.cores} CPUs)"
        self.remote = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(run_in_ray)
        self.retries_itself = True

    def submit(self, fn: TaskFn, task: VariantTask) -> Any:
        return self.remote.options(num_cpus=task.threads).remote(fn, task)

    def wait(self, handles: list[Any], timeout: float) -> list[tuple[Any, Any, bool]]:
        """Finished handles as (handle, row or exception, whether the worker died)."""
        ready, _ = self.ray.wait(handles, num_returns=len(handles), timeout=timeout)
        out = []
        for ref in ready:
            try:
                out.append((ref, self.ray.get(ref), False))
            except Exception as exc:  # noqa: BLE001 - a task that failed all its tries
                out.append((ref, exc, False))
        return out

    def cancel(self, handles: list[Any]) -> None:
        for ref in handles:
            try:
                self.ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001, S110 - already finished
                pass

    def close(self) -> None:
        if self.owned:
            self.ray.shutdown()


class ProcessEngine:
    """Tasks in local processes (concurrent.futures), when Ray is not installed."""

    def __init__(self, parallel: int, why: str):
        self.cores = os.cpu_count() or 1
        self.parallel = parallel
        self.name = f"{parallel} local process{'es' * (parallel != 1)} ({why})"
        self.pool: cf.ProcessPoolExecutor | None = None
        self.retries_itself = False

    def _pool(self) -> cf.ProcessPoolExecutor:
        if self.pool is None:
            self.pool = cf.ProcessPoolExecutor(max_workers=self.parallel, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=quiet_worker)
        return self.pool

    def submit(self, fn: TaskFn, task: VariantTask) -> Any:
        try:
            return self._pool().submit(fn, task)
        except cf.process.BrokenProcessPool:
            self.pool = None  # a worker died: a fresh pool for the tasks that follow
            return self._pool().submit(fn, task)

    def wait(self, handles: list[Any], timeout: float) -> list[tuple[Any, Any, bool]]:
        done, _ = cf.wait(handles, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        out = []
        for fut in done:
            exc = fut.exception()
            if isinstance(exc, cf.process.BrokenProcessPool):
                self.pool = None
                out.append((fut, exc, True))
            else:
                out.append((fut, exc if exc is not None else fut.result(), False))
        return out

    def cancel(self, handles: list[Any]) -> None:
        if self.pool is None:
            return
        procs = list(getattr(self.pool, "_processes", {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            p.kill()
        self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def make_engine(address: str | None, parallel: int | None, n_tasks: int) -> RayEngine | ProcessEngine:
    """Ray when it is installed (the `cluster` extra), else local processes, saying so."""
    try:
        import ray  # noqa: F401
    except ImportError:
        if address:
            raise InputError([Problem("command line", "--address", repr(address),
                                      "a sweep on a cluster needs Ray: pip install 'scheduler[cluster]'")]) from None
        cores = os.cpu_count() or 1
        return ProcessEngine(max(1, min(parallel or cores, n_tasks or 1)),
                             "Ray is not installed: pip install 'scheduler[cluster]' to run on Ray")
    try:
        return RayEngine(address)
    except LocalRayFailed as exc:
        cores = os.cpu_count() or 1
        return ProcessEngine(max(1, min(parallel or cores, n_tasks or 1)), f"the local Ray did not start: {exc}")


class StopOnSignal:
    """SIGINT / SIGTERM end the sweep: the flag is read by the loop, which stops the tasks."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict = {}

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            self._old = {s: signal.signal(s, self._on) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def _on(self, signum: int, _frame: Any) -> None:
        self.signum = signum

    def __exit__(self, *exc: object) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)


def threads_per_task(cores: int, parallel: int) -> int:
    """Solver threads of each task, so that the tasks running at once times threads fit the cores."""
    return max(1, min(64, cores // max(1, parallel)))


def outcome_row(task: VariantTask, result: Any, died: bool) -> dict[str, Any]:
    """A finished task's row: its own (the task reports its variant's trouble itself), or, when
    the task itself failed every try (its worker killed each time, a lost node), why."""
    if not isinstance(result, BaseException):
        return result
    what = "the worker process died" if died else type(result).__name__
    first = (str(result).splitlines() or [""])[0]
    return failed_row(task, "failed", f"{what} ({MAX_RETRIES + 1} tries at most): {first}")


def run_job(job: SweepJob, *, address: str | None = None, parallel: int | None = None,
            on_event: Callable[[str, dict[str, Any] | None, Counts], None] | None = None,
            task_fn: TaskFn = plan_variant) -> SweepResult:
    """Plan every task of the job not already done; sweep.csv and sweep.html in `job.out`."""
    out = Path(job.out)
    rows: dict[str, dict[str, Any]] = {}
    counts = Counts(total=len(job.tasks))
    todo = []
    for t in job.tasks:
        if reusable(t):
            rows[t.name] = row_from_folder(t, Path(t.out), "reused")
            counts.reused += 1
            counts.done += 1
        else:
            todo.append(t)
    order = [t.name for t in job.tasks]

    def table() -> Any:
        df = sweep_table([rows[n] for n in order if n in rows], job.keys)
        write_table(df, out)
        return df

    table()
    noun = ("scenario" if job.kind == "batch" else "variant") + ("s" if len(job.tasks) != 1 else "")
    if not todo:  # all reused: no engine to start
        notes = [f"{len(job.tasks)} {noun}: all reused from an earlier run (same inputs), none to plan"]
        if on_event:
            on_event("start", {"notes": notes}, counts)
        df = table()
        return SweepResult([rows[n] for n in order], counts, "none", out / "sweep.csv",
                           write_page(df, job.keys, out, job.title, notes), notes)
    engine = make_engine(address, parallel, len(todo))
    notes = [f"engine: {engine.name}"]
    try:
        width = max(1, min(parallel or engine.cores, engine.cores, len(todo) or 1))
        threads = threads_per_task(engine.cores, width)
        notes.append(f"{len(job.tasks)} {noun}: {counts.reused} reused from an earlier run, {len(todo)} to plan, "
                     f"{width} at a time, {threads} solver thread{'s' * (threads != 1)} each")
        if on_event:
            on_event("start", {"notes": notes}, counts)
        todo = [dataclasses.replace(t, threads=threads) for t in todo]
        pending = [(t, 0) for t in reversed(todo)]
        inflight: dict[Any, tuple[VariantTask, int]] = {}
        with StopOnSignal() as stop:
            while (pending or inflight) and stop.signum is None:
                while pending and len(inflight) < width:
                    t, tries = pending.pop()
                    inflight[engine.submit(task_fn, t)] = (t, tries)
                counts.running = len(inflight)
                if on_event:
                    on_event("tick", None, counts)
                for handle, result, died in engine.wait(list(inflight), timeout=0.3):
                    t, tries = inflight.pop(handle)
                    if died and not engine.retries_itself and tries < MAX_RETRIES:
                        pending.append((t, tries + 1))  # next in line, into a fresh pool
                        continue
                    rows[t.name] = row = outcome_row(t, result, died)
                    if row.get("run") == "failed":
                        counts.failed += 1
                    else:
                        counts.done += 1
                    counts.running = len(inflight)
                    table()
                    if on_event:
                        on_event("done", row, counts)
            if stop.signum is not None:
                engine.cancel(list(inflight))
                counts.running = 0
                df = table()
                write_page(df, job.keys, out, job.title, notes + [f"stopped by {signal_name(stop.signum)}"])
                finished = counts.done + counts.failed
                raise Interrupted(stop.signum, f"stopped after {finished} of {counts.total} {noun}; {out}/sweep.csv "
                                               "lists the finished ones, each plan folder whole; run the same command again to do the rest")
    finally:
        engine.close()
    df = table()
    page = write_page(df, job.keys, out, job.title, notes)
    return SweepResult([rows[n] for n in order if n in rows], counts, engine.name, out / "sweep.csv", page, notes)
