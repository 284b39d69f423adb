"""The plan folder, written atomically: a failed or interrupted run never leaves half a folder.

Every file is first written into a fresh temporary folder beside the target; only when all are
complete is the folder swapped into place, so the target is either as it was or complete.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import tempfile
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


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces `target` whole, on failure it vanishes."""
    target = Path(target)
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; a plan folder is shared like any other
    except OSError as exc:
        raise InputError([Problem(str(target), "--out", f"not writable ({exc.strerror or exc})", "a folder you may write to")]) from None
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        if not target.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
            raise InputError([Problem(str(target), "--out", "an existing file", "a folder path")])
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
        os.rmdir(old)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def copy_scenario(scenario_folder: Path, dest: Path) -> None:
    """Keep the scenario the plan was made from, so replan and check need nothing else."""
    dest.mkdir()
    for p in sorted(Path(scenario_folder).iterdir()):
        if p.is_file() and p.suffix in (".yaml", ".yml", ".csv", ".md"):
            shutil.copyfile(p, dest / p.name)


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
