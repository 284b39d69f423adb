"""The plan folder, written atomically: a failed or interrupted run never leaves half a folder.

Every file is first written into a fresh temporary folder beside the target; only when all are
complete is the folder swapped into place, so the target is either as it was or complete. A run
killed outright (SIGKILL, power cut) cannot tidy up: the next run into the same place removes
its hidden temporary folder (`remove_leftovers`), and nothing else.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from scheduler.cells import neutralise_value
from scheduler.demand import forecast, sizing
from scheduler.errors import InputError, Problem
from scheduler.replanning import ABSENT_REASON
from scheduler.results import Plan
from scheduler.scenario import Scenario
from scheduler.scenario.config_file import without_setting

try:
    import fcntl
except ImportError:  # Windows: no flock, so leftovers of killed runs are left alone there
    fcntl = None  # type: ignore[assignment]

LEFTOVER_AGE_SECONDS = 60.0
"""A temporary folder untouched this long and locked by no process is a dead run's leftover."""
_TEMP_TAIL = re.compile(r"(?:old\.)?[a-z0-9_]{8}")  # the 8 characters the staging and old-folder names end with
_OUR_SUFFIXES = (".csv", ".json", ".png", ".html", ".xlsx", ".tmp", ".yaml", ".yml", ".md")


def _iso(v: Any) -> Any:
    if isinstance(v, pd.Timestamp | __import__("datetime").datetime):
        return v.isoformat()
    return v


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or isinstance(col.dtype, pd.StringDtype)


def frame_for_csv(df: pd.DataFrame) -> pd.DataFrame:
    """Times as ISO 8601 with offset; floats rounded for people, not for precision games; text that
    Excel would run as a formula neutralised (scheduler.cells: the readers undo exactly that)."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].map(lambda t: t.isoformat() if pd.notna(t) else "")
        elif _is_text(out[c]):
            out[c] = out[c].map(lambda v: neutralise_value(_iso(v)) if v is not None and v is not pd.NA
                                and not (isinstance(v, float) and math.isnan(v)) else "")
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(6)
    return out


def _has_carriage_return(df: pd.DataFrame) -> bool:
    return any(isinstance(v, str) and "\r" in v for c in df.columns if _is_text(df[c]) for v in df[c])


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8, one line per row; text with a carriage return inside stays one cell: the csv writer
    leaves such a cell bare when rows end in '\n', so then every cell is quoted."""
    tmp = path.with_name(f".{path.name}.tmp")
    out = frame_for_csv(df)
    quoting = csv.QUOTE_ALL if _has_carriage_return(out) else csv.QUOTE_MINIMAL
    out.to_csv(tmp, index=False, lineterminator="\n", quoting=quoting)
    os.replace(tmp, path)


def write_bytes(data: bytes, path: Path) -> None:
    """A binary file (a chart) under a temporary name first, then renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _json_default(v: Any) -> Any:
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return str(v)


def write_json(data: dict, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _hold(folder: Path) -> int | None:
    """Lock `folder` while this run writes it; the system lets go when the process ends, however."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without flock: the folder then looks in use to every cleaner
        pass
    return fd


def _in_use(folder: Path) -> bool:
    """Whether a live run holds `folder` (or whether that cannot be told: then it counts as in use)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held by a live run (BlockingIOError), or no flock here
        return True
    finally:
        os.close(fd)  # closing lets our own probe lock go
    return False


def _only_our_files(folder: Path, depth: int = 0) -> bool:
    """Whether the folder holds nothing but files this module writes (and the scenario/ copy)."""
    for p in folder.iterdir():
        if p.is_symlink():
            return False
        if p.is_dir():
            if depth or p.name != "scenario" or not _only_our_files(p, depth + 1):
                return False
        elif not p.name.endswith(_OUR_SUFFIXES):
            return False
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Remove the hidden temporary folders that killed earlier runs into `target` left beside it.

    Only folders named as `atomic_folder` names them (`.NAME.xxxxxxxx`, `.NAME.old.xxxxxxxx`),
    holding only files the product writes, locked by no live run and untouched for a minute; never
    anything else. Returns what was removed.
    """
    if fcntl is None:
        return []
    target = Path(target)
    prefix = f".{target.name}."
    removed = []
    try:
        entries = sorted(target.resolve().parent.iterdir())
    except OSError:
        return []
    now = time.time()
    for p in entries:
        if not (p.name.startswith(prefix) and _TEMP_TAIL.fullmatch(p.name[len(prefix):])):
            continue
        try:
            if p.is_symlink() or not p.is_dir() or now - p.stat().st_mtime < LEFTOVER_AGE_SECONDS:
                continue
            if not _only_our_files(p) or _in_use(p):
                continue
        except OSError:
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces `target` whole, on failure it vanishes."""
    target = Path(target)
    parent = target.resolve().parent
    tmp: Path | None = None
    old: Path | None = None
    lock = None
    try:
        try:
            parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(target)
            for _ in range(100):  # the name is known before the folder exists: a signal at any point is cleaned up
                tmp = parent / f".{target.name}.{secrets.token_hex(4)}"
                try:
                    os.mkdir(tmp, 0o700)
                    break
                except FileExistsError:
                    tmp = None
            if tmp is None:
                raise FileExistsError(f"no free staging name beside {target}")
            lock = _hold(tmp)  # held until the folder is in place, so no other run takes it for a leftover
            tmp.chmod(0o777 & ~_umask())  # private at first; a plan folder is shared like any other
        except OSError as exc:
            raise InputError([Problem(str(target), "--out", f"not writable ({exc.strerror or exc})", "a folder you may write to")]) from None
        yield tmp
        if target.exists():
            if not target.is_dir():
                raise InputError([Problem(str(target), "--out", "an existing file", "a folder path")])
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            os.rmdir(old)
            os.replace(target, old)
        os.replace(tmp, target)
        tmp = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if tmp is not None:  # a failure or a signal at any step before the folder was in place
            shutil.rmtree(tmp, ignore_errors=True)
            if old is not None and old.exists() and not target.exists():
                os.replace(old, target)  # the earlier folder goes back where it was
        raise
    finally:
        if lock is not None:
            os.close(lock)


def copy_scenario(scenario_folder: Path, dest: Path) -> None:
    """Keep the scenario the plan was made from, so replan and check need nothing else (the loader
    refuses input files that link outside the folder; other such links are not copied)."""
    dest.mkdir()
    home = Path(scenario_folder).resolve()
    for p in sorted(Path(scenario_folder).iterdir()):
        if p.is_file() and p.suffix in (".yaml", ".yml", ".csv", ".md") and p.resolve().is_relative_to(home):
            shutil.copyfile(p, dest / p.name)  # never a link's target outside the scenario folder


AGENT_COLUMNS = ["agent_id", "name", "contract", "core", "skills", "availability", "standby", "hourly_wage_yuan",
                 "pool", "hire_cost_yuan"]


def _windows(windows: tuple[tuple[int, int], ...]) -> str:
    def hhmm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"
    return ";".join(f"{hhmm(lo)}-{hhmm(hi - 1440 if hi > 1440 else hi)}" for lo, hi in windows)


def list_hires(scenario: Scenario, hires: list, copy: Path) -> None:
    """The plan folder's scenario copy as planned: the hired candidates appended to agents.csv
    (with their pool and hire cost) and the `hiring` section cut from scenario.yaml, so check and
    replan see the hires as agents of the team and nothing would hire again. Team rows keep their
    cells as typed; the new rows' cells go through scheduler.cells like every CSV we write."""
    agents_csv = copy / scenario.config.files.agents
    with agents_csv.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    extra = [c for c in AGENT_COLUMNS if c not in header]
    out = [header + extra] + [r + [""] * len(extra) for r in rows[1:] if any(c.strip() for c in r)]
    for a in hires:
        cells = {"agent_id": a.agent_id, "name": a.name, "contract": a.contract, "core": str(a.core).lower(),
                 "skills": ";".join(a.skills), "availability": _windows(a.availability), "standby": str(a.standby).lower(),
                 "hourly_wage_yuan": "" if a.hourly_wage_yuan is None else f"{a.hourly_wage_yuan:g}",
                 "pool": a.pool or "", "hire_cost_yuan": f"{a.hire_cost_yuan:g}"}
        out.append([neutralise_value(cells.get(c, "")) for c in header + extra])
    tmp = agents_csv.with_name(f".{agents_csv.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(out)
    os.replace(tmp, agents_csv)
    yaml_path = copy / "scenario.yaml"
    yaml_path.write_text(without_setting(yaml_path.read_text(encoding="utf-8-sig"), "hiring"), encoding="utf-8")


def write_forecast(scenario: Scenario, out_dir: Path) -> pd.DataFrame:
    """forecast.csv and sizing.json into `out_dir` (which must exist)."""
    fc = forecast(scenario)
    write_csv(fc, Path(out_dir) / "forecast.csv")
    write_json(sizing(scenario, fc), Path(out_dir) / "sizing.json")
    return fc


def write_plan_files(plan: Plan, folder: Path) -> None:
    """The files of the output contract into `folder` (which must exist)."""
    sc = plan.scenario
    copy_scenario(sc.folder, folder / "scenario")
    if plan.hiring is not None:
        write_csv(plan.hiring, folder / "hiring.csv")
    if plan.hiring is not None or plan.hires:
        list_hires(sc, plan.hires, folder / "scenario")
    write_csv(plan.forecast, folder / "forecast.csv")
    write_csv(plan.staffing, folder / "staffing.csv")
    write_csv(plan.rota.shifts, folder / "shifts.csv")
    write_csv(plan.rota.assignments, folder / "assignments.csv")
    write_csv(plan.coverage, folder / "coverage.csv")
    write_json(plan.sizing, folder / "sizing.json")
    if plan.changes is not None:
        write_csv(plan.changes, folder / "changes.csv")
    write_json(plan.summary, folder / "summary.json")


def write_plan(plan: Plan, out: Path, extra_writers: list | None = None) -> Path:
    """Write the whole plan folder atomically; `extra_writers` add people's files (report, Excel)."""
    with atomic_folder(out) as tmp:
        write_plan_files(plan, tmp)
        for w in extra_writers or []:
            w(plan, tmp)
    return Path(out)


def replan_writers() -> list:
    """Writers for a replan folder beyond the plan contract: imbalance.csv, and the absent agents'
    time off in the scenario copy (so the checker and a later replan know they are off)."""
    def imbalance(plan: Plan, folder: Path) -> None:
        write_csv(plan.imbalance, folder / "imbalance.csv")

    def time_off(plan: Plan, folder: Path) -> None:
        sc = plan.scenario
        name = sc.config.files.time_off
        rows = [o for o in sc.time_off if o.reason == ABSENT_REASON]
        if not rows or name is None:
            return
        path = folder / "scenario" / name
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["agent_id", "start", "end", "reason"])
            for o in sc.time_off:
                w.writerow([o.agent_id, o.start.isoformat(), o.end.isoformat(), o.reason])

    return [imbalance, time_off]
