"""The replan behind the page: one at a time, in the background, with live progress, then a
draft version that is published (checked, then renamed into place) or discarded.

Faults: the draft is written whole into a hidden folder beside the versions by the report's
atomic writer, and publishing is one rename of a checked folder, so stopping the server at any
moment leaves every published version whole (at worst a hidden draft is left behind). A second
replan while one runs is refused with a message.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scheduler.checker import check_folder
from scheduler.errors import InfeasibleError, InputError
from scheduler.interrupts import SignalStopToken
from scheduler.replanning import replan
from scheduler.report.files import replan_writers, write_plan
from scheduler.serve.versions import Version, Versions

_BEST = re.compile(r"^#(?:\d+|Bound)\s.*?\bbest:(\S+)(?:\s+next:\[([^,\]]*)(?:,[^\]]*)?\])?")
"""A CP-SAT progress line: `#3  0.52s best:123456 next:[120000,123455] ...` (objective in fen)."""


class Busy(Exception):
    """A replan is already running: the page says so instead of starting a second one."""


class _ProgressToken(SignalStopToken):
    """Stops the replan's searches and reads their progress (best cost, bound) from CP-SAT's log.

    The replan registers each of its solvers here before it solves, so the log is switched on
    per solver; a stop that comes before a solve starts shortens that solve's time limit, as
    CP-SAT ignores stop_search() until solve() has begun.

    The replan solves in phases, one solver after another (scheduler.replanning.solve_replan): the
    published rota as a start (when it breaks a rule, a second start with only the shifts kept),
    then the search, then a restricted polish. Every rota any phase finds is
    a rota of the full model, so `best` is the least cost so far; only the search's bound holds
    for the full model, so `bound` comes from the search alone (None before it).
    """

    def __init__(self, on_progress) -> None:
        super().__init__()
        self.on_progress = on_progress
        self.best = math.inf
        self.bound: float | None = None
        self.phase = "start"
        self._start_found = False

    def _next_phase(self) -> str:
        """The phases run one after another, so the solvers register in their order."""
        n = len(self._solvers)
        if n == 0:
            return "start"
        if self.phase == "start":
            return "search" if self._start_found or n >= 2 else "start"  # else the fallback start
        return "polish"

    def register(self, solver):
        phase = self.phase = self._next_phase()
        solver.parameters.log_search_progress = True
        solver.parameters.log_to_stdout = False

        def line(text: str) -> None:
            m = _BEST.match(text.strip())
            if not m:
                return
            try:
                best = float(m.group(1)) / 100
                bound = float(m.group(2)) / 100 if m.group(2) else None
            except ValueError:
                return
            if math.isfinite(best):
                self.best = min(self.best, best)
                if phase == "start":
                    self._start_found = True
            if phase == "search" and bound is not None and math.isfinite(bound):
                self.bound = max(self.bound or 0.0, min(bound, self.best))
            if math.isfinite(self.best):
                self.on_progress(phase, self.best, self.bound)

        solver.log_callback = line
        return super().register(solver)  # a stop before the search began reaches it too


@dataclass
class Job:
    """One replan run and what came of it."""

    base: int  # the version it replans
    now: str
    absent: list[str]
    notice_hours: float | None
    time_limit: float
    started: float = field(default_factory=time.time)
    status: str = "running"  # running, done, failed, stopped, published, discarded
    stage: str = "solving"  # while running: solving, writing (the new version's files), checking
    progress: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    check: dict | None = None
    draft: Path | None = None
    published: int | None = None

    def public(self) -> dict:
        best = self.progress[-1] if self.progress else None
        return {
            "base": self.base, "now": self.now, "absent": self.absent, "notice_hours": self.notice_hours,
            "time_limit": self.time_limit, "status": self.status, "stage": self.stage, "elapsed": round(time.time() - self.started, 1),
            "progress": best, "progress_points": len(self.progress), "changes": self.changes, "figures": self.figures,
            "problems": self.problems, "check": self.check, "published": self.published,
        }


class Replans:
    """At most one replan at a time over a plan's versions; its draft awaits publish or discard."""

    def __init__(self, versions: Versions, lang: str, people_writers) -> None:
        self.versions = versions
        self.lang = lang
        self.people_writers = people_writers
        self.lock = threading.Lock()
        self.job: Job | None = None
        self.token: _ProgressToken | None = None
        self.thread: threading.Thread | None = None
        self._drafts = 0
        remove_stale_drafts(versions.first)

    # --- start -------------------------------------------------------------------------------
    def start(self, base: Version, actuals: pd.DataFrame, now: pd.Timestamp, absent: list[str],
              notice_hours: float | None, time_limit: float) -> Job:
        with self.lock:
            if self.job is not None and self.job.status == "running":
                raise Busy(f"a replan started at {time.strftime('%H:%M:%S', time.localtime(self.job.started))} is still running; "
                           "wait for it to finish")
            if self.job is not None and self.job.status == "done":
                raise Busy("the last replan's draft is waiting: publish or discard it first")
            job = Job(base.number, now.isoformat(), sorted(absent), notice_hours, time_limit)
            token = _ProgressToken(lambda phase, best, bound: self._progress(job, phase, best, bound))
            self.job, self.token = job, token
            self.thread = threading.Thread(target=self._run, args=(job, token, base, actuals, now), name="replan", daemon=True)
            self.thread.start()
            return job

    def _progress(self, job: Job, phase: str, best: float, bound: float | None) -> None:
        gap = None if bound is None else (max(0.0, (best - bound) / best) if best > 0 else 0.0)
        job.progress.append({"phase": phase, "best": round(best, 2), "bound": None if bound is None else round(bound, 2),
                             "gap": None if gap is None else round(gap, 4), "seconds": round(time.time() - job.started, 2)})
        del job.progress[:-200]

    def _run(self, job: Job, token: _ProgressToken, base: Version, actuals: pd.DataFrame, now: pd.Timestamp) -> None:
        try:
            result = replan(base.folder, actuals, now.to_pydatetime(), absent=job.absent, notice_hours=job.notice_hours,
                            time_limit=job.time_limit, should_stop=token)
            if token.stopped:
                job.status = "stopped"
                return
            self._drafts += 1
            job.stage = "writing"
            draft = base.folder.parent / _draft_name(self.versions.first, os.getpid(), self._drafts)
            write_plan(result, draft, extra_writers=[*replan_writers(), *self.people_writers(self.lang)])
            job.draft = draft
            job.changes = _records(result.changes)
            r = result.summary["replan"]
            job.figures = {k: r[k] for k in ("now", "frozen_until", "absent", "ratios", "changed_agents", "change_price_yuan",
                                             "if_unchanged", "after", "solver_seconds")}
            job.figures.update({"objective": result.summary.get("objective"), "lower_bound": result.summary.get("lower_bound"),
                                "gap": result.summary.get("gap")})
            job.stage = "checking"
            job.check = _check(draft)
            job.status = "done"
        except InputError as exc:
            job.problems, job.status = [str(p) for p in exc.problems], "failed"
        except InfeasibleError as exc:
            job.problems, job.status = list(exc.clashes), "failed"
        except Exception as exc:  # noqa: BLE001 - the page shows it instead of a dead thread
            job.problems, job.status = [f"internal error ({type(exc).__name__}: {exc}); please report it"], "failed"

    # --- publish / discard -------------------------------------------------------------------
    def publish(self) -> tuple[bool, dict]:
        """Check the draft from its files again; when it passes, rename it into the next version."""
        with self.lock:
            job = self.job
            if job is None or job.status != "done" or job.draft is None:
                return False, {"error": "no finished replan to publish"}
            report = _check(job.draft)
            job.check = report
            if not report["ok"]:
                return False, {"error": "the independent checker refused this version; nothing was published", "check": report}
            number, target = self.versions.next_folder()
            os.replace(job.draft, target)
            job.draft, job.status, job.published = None, "published", number
            return True, {"version": number, "folder": target.name}

    def discard(self) -> dict:
        with self.lock:
            job = self.job
            if job is None or job.status not in ("done", "failed", "stopped"):
                return {"error": "no replan to discard" if job is None or job.status != "running" else "a replan is running"}
            if job.draft is not None:
                shutil.rmtree(job.draft, ignore_errors=True)
                job.draft = None
            job.status = "discarded"
            return {"discarded": True}

    def shutdown(self, wait: float = 30.0) -> None:
        """Stop a running replan, wait for its thread, remove an unpublished draft."""
        if self.token is not None:
            self.token.stop()
        if self.thread is not None:
            self.thread.join(wait)
        with self.lock:
            if self.job is not None and self.job.draft is not None:
                shutil.rmtree(self.job.draft, ignore_errors=True)
                self.job.draft = None


def _draft_name(first: Path, pid: int, k: int) -> str:
    return f".{first.name}.draft-{pid}-{k}"


def remove_stale_drafts(first: Path) -> list[Path]:
    """Drafts (and their half-written temporary folders) left by a server that is gone."""
    pattern = re.compile(rf"^\.{{1,2}}{re.escape(first.name)}\.draft-(\d+)-\d+(\..*)?$")
    removed = []
    for p in first.parent.iterdir():
        m = pattern.match(p.name)
        if m and p.is_dir() and not _alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check(folder: Path) -> dict:
    try:
        rep = check_folder(folder)
    except InputError as exc:
        return {"ok": False, "violations": [str(p) for p in exc.problems]}
    return {"ok": bool(rep.ok), "violations": [str(v) for v in rep.violations][:50]}


def _records(df: pd.DataFrame | None) -> list[dict]:
    if df is None or df.empty:
        return []
    return [{k: (v.isoformat() if isinstance(v, pd.Timestamp) else v) for k, v in r.items()} for r in df.to_dict("records")]
