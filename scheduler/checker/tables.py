"""Reading the rota's tables: shifts, assignments and forecast, as cells from a CSV file or a
DataFrame in memory, into arrays. Every bad cell becomes a `Problem` naming file, row (as a
spreadsheet shows it) and field."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scheduler.cells import unneutralise_frame
from scheduler.checker.context import Context
from scheduler.errors import InputError, Problem
from scheduler.scenario import parse_timestamp, read_text

SHIFT_COLUMNS = ["agent_id", "start", "end"]
SHIFT_OPTIONAL = ["agent_name", "contract", "core", "paid_hours", "break_start", "break_end", "overtime_hours", "wage_yuan"]
ASSIGNMENT_COLUMNS = ["agent_id", "slot_start", "activity"]
BREAK = -2
"""The activity code of a break slot (queues are coded 0, 1, ...)."""
IDLE = -1
"""The activity code of a slot with no assignment row."""
ROW = "__row__"
"""Spreadsheet row number carried along a table read from a file."""


def row_numbers(df: pd.DataFrame) -> np.ndarray:
    if ROW in df.columns:
        return df[ROW].to_numpy(dtype=np.int64)
    return np.arange(len(df), dtype=np.int64) + 2  # as if written to CSV: the header is row 1


def need_columns(df: pd.DataFrame, required: list[str], optional: list[str], label: str, problems: list[Problem]) -> bool:
    cols = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in cols]
    if missing:
        problems.append(Problem(label, ", ".join(missing), "column missing", f"columns {required + optional}", 1))
        return False
    return True


def blank(v: Any) -> bool:
    if v is None or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


_TIME_ALLOWED = "an ISO 8601 time with offset, e.g. 2026-11-11T08:00:00+08:00"


def parse_times(
    ctx: Context, values: pd.Series, rows: np.ndarray, label: str, fld: str, problems: list[Problem], *, optional: bool = False
) -> np.ndarray:
    """Seconds from the horizon start, per value (NaN for blanks when optional, and for bad values)."""
    values = pd.Series(values).reset_index(drop=True)
    if isinstance(values.dtype, pd.DatetimeTZDtype):  # already tz-aware: vectorised
        rel = (values - pd.Timestamp(ctx.h0)).dt.total_seconds().to_numpy(dtype=float)
        if not optional:
            for j in np.flatnonzero(np.isnan(rel)):
                problems.append(Problem(label, fld, "an empty cell", _TIME_ALLOWED, int(rows[j])))
        return rel
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    parsed = np.full(len(uniques) + 1, np.nan)  # the last entry serves the NA code -1
    reasons: dict[int, str] = {}
    for u, v in enumerate(uniques):
        if blank(v):
            reasons[u] = "blank"
            continue
        r = _one_time(ctx, v)
        if isinstance(r, str):
            reasons[u] = r
        else:
            parsed[u] = r
    out = parsed[codes]
    bad = np.flatnonzero(np.isnan(out))
    for j in bad:
        u = int(codes[j])
        why = "blank" if u < 0 else reasons.get(u, "blank")
        if why == "blank":
            if not optional:
                problems.append(Problem(label, fld, "an empty cell", _TIME_ALLOWED, int(rows[j])))
        else:
            v = uniques[u]
            problems.append(Problem(label, fld, repr(v) if isinstance(v, str) else str(v), why, int(rows[j])))
    return out


def _one_time(ctx: Context, v: Any) -> float | str:
    """Seconds from the horizon start, or the reason the value is not a time."""
    if isinstance(v, str):
        try:
            t = parse_timestamp(v.strip())
        except ValueError as exc:
            return str(exc) + " (in Excel, format the column as text so it keeps the offset)"
    elif isinstance(v, datetime):
        t = v
        if t.tzinfo is None or t.tzinfo.utcoffset(t) is None:
            return "a UTC offset, e.g. 2026-11-11T00:00:00+08:00 (this time has none)"
    elif isinstance(v, np.datetime64):
        return "a UTC offset, e.g. 2026-11-11T00:00:00+08:00 (this time has none)"
    else:
        return _TIME_ALLOWED
    return (pd.Timestamp(t) - pd.Timestamp(ctx.h0)).total_seconds()


def parse_numbers(
    values: Iterable[Any], rows: np.ndarray, label: str, fld: str, problems: list[Problem]
) -> np.ndarray:
    """Non-negative numbers; blank cells are NaN (= not stated)."""
    out = np.full(len(rows), np.nan)
    for j, v in enumerate(values):
        if blank(v):
            continue
        try:
            x = float(v.strip() if isinstance(v, str) else v)
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x) or x < 0:
            problems.append(Problem(label, fld, repr(v), "a number >= 0 (or an empty cell)", int(rows[j])))
            continue
        out[j] = x
    return out


def _parse_labels(values: pd.Series, table: dict[str, int], folded: dict[str, int] | None = None) -> tuple[np.ndarray, list[str]]:
    """Codes from `table` (or `folded`, by lower case) for stripped text cells, -1 when unknown;
    and, when some are unknown, each cell's text (for the problems)."""
    codes, uniques = pd.factorize(pd.Series(values).reset_index(drop=True).astype(object), use_na_sentinel=True)
    texts = ["" if blank(v) else str(v).strip() for v in uniques]
    folded = folded or {}
    lut = np.array([table.get(t, folded.get(t.lower(), -1)) for t in texts] + [-1], dtype=np.int64)
    return lut[codes], [texts[c] if c >= 0 else "" for c in codes] if (lut[codes] < 0).any() else []


def _parse_agents(ctx: Context, values: pd.Series, rows: np.ndarray, label: str, problems: list[Problem]) -> np.ndarray:
    out, texts = _parse_labels(values, ctx.aidx)
    for j in np.flatnonzero(out < 0):
        problems.append(Problem(label, "agent_id", repr(texts[j]), "an agent_id from the scenario's agents.csv", int(rows[j])))
    return out


def strip_columns(df: pd.DataFrame) -> pd.DataFrame:
    if any(isinstance(c, str) and c != c.strip() for c in df.columns):
        df = df.rename(columns={c: c.strip() for c in df.columns if isinstance(c, str)})
    return df


@dataclass
class Shifts:
    agent: np.ndarray  # agent index
    rel0: np.ndarray  # seconds from horizon start
    rel1: np.ndarray
    row: np.ndarray
    paid_stated: np.ndarray
    ot_stated: np.ndarray
    wage_stated: np.ndarray
    brk0: np.ndarray  # stated break, seconds (NaN = not stated)
    brk1: np.ndarray

    def __len__(self) -> int:
        return len(self.agent)


def parse_shifts(ctx: Context, df: pd.DataFrame, label: str, problems: list[Problem]) -> Shifts | None:
    df = strip_columns(df)
    if not need_columns(df, SHIFT_COLUMNS, SHIFT_OPTIONAL, label, problems):
        return None
    rows = row_numbers(df)
    n0 = len(problems)
    agent = _parse_agents(ctx, df["agent_id"], rows, label, problems)
    rel0 = parse_times(ctx, df["start"], rows, label, "start", problems)
    rel1 = parse_times(ctx, df["end"], rows, label, "end", problems)

    def opt_num(col: str) -> np.ndarray:
        if col not in df.columns:
            return np.full(len(df), np.nan)
        return parse_numbers(df[col].tolist(), rows, label, col, problems)

    def opt_time(col: str) -> np.ndarray:
        if col not in df.columns:
            return np.full(len(df), np.nan)
        return parse_times(ctx, df[col], rows, label, col, problems, optional=True)

    paid, ot, wage = opt_num("paid_hours"), opt_num("overtime_hours"), opt_num("wage_yuan")
    b0, b1 = opt_time("break_start"), opt_time("break_end")
    for j in np.flatnonzero(np.isnan(b0) != np.isnan(b1)):
        problems.append(Problem(label, "break_end" if np.isnan(b1[j]) else "break_start", "an empty cell",
                                "both break_start and break_end, or neither", int(rows[j])))
    seen: dict[tuple[int, float], int] = {}
    for j in np.flatnonzero((agent >= 0) & ~np.isnan(rel0)):
        key = (int(agent[j]), float(rel0[j]))
        if key in seen:
            problems.append(Problem(label, "start", f"{ctx.agents[agent[j]].agent_id} starting {ctx.fmt(rel0[j])} again",
                                    f"one row per shift (the same shift is on row {seen[key]})", int(rows[j])))
        else:
            seen[key] = int(rows[j])
    if len(problems) > n0:
        return None
    return Shifts(agent, rel0, rel1, rows, paid, ot, wage, b0, b1)


@dataclass
class Assignments:
    agent: np.ndarray
    rel: np.ndarray
    code: np.ndarray  # queue index, or BREAK
    row: np.ndarray


def parse_assignments(ctx: Context, df: pd.DataFrame, label: str, problems: list[Problem]) -> Assignments | None:
    df = strip_columns(df)
    if not need_columns(df, ASSIGNMENT_COLUMNS, [], label, problems):
        return None
    rows = row_numbers(df)
    n0 = len(problems)
    agent = _parse_agents(ctx, df["agent_id"], rows, label, problems)
    rel = parse_times(ctx, df["slot_start"], rows, label, "slot_start", problems)
    code, texts = _parse_labels(df["activity"], ctx.qidx, {"break": BREAK})
    code = np.where(code == -1, -99, code)
    allowed = f"a queue id ({', '.join(ctx.queue_ids)}) or break"
    for j in np.flatnonzero(code == -99):
        problems.append(Problem(label, "activity", repr(texts[j]), allowed, int(rows[j])))
    good = ~np.isnan(rel)
    off_grid = good & (np.mod(np.where(good, rel, 0.0), ctx.step) != 0)
    for j in np.flatnonzero(off_grid):
        problems.append(Problem(label, "slot_start", repr(df["slot_start"].iloc[j]),
                                f"a slot start: {ctx.fmt(0)} plus a whole number of {ctx.step // 60}-minute slots", int(rows[j])))
    ok = np.flatnonzero(good & ~off_grid & (agent >= 0))
    if len(ok):
        k = np.round(rel[ok] / ctx.step).astype(np.int64)
        key = agent[ok] * (np.int64(1) << 40) + (k - k.min())
        order = np.argsort(key, kind="stable")
        for d in np.flatnonzero(key[order][1:] == key[order][:-1]) + 1:
            j, first = ok[order[d]], ok[order[d - 1]]
            problems.append(Problem(label, "slot_start",
                                    f"{ctx.agents[agent[j]].agent_id} at {ctx.fmt(rel[j])} again",
                                    f"one row per agent and slot (the first is on row {rows[first]})", int(rows[j])))
    if len(problems) > n0:
        return None
    return Assignments(agent, rel, code, rows)


@dataclass
class Forecast:
    demand: np.ndarray  # S x Q planned demand (the staffing quantile)
    frame: pd.DataFrame  # slot_start, queue, <quantile> for the staffing stage


def parse_forecast(ctx: Context, df: pd.DataFrame, label: str, problems: list[Problem]) -> Forecast | None:
    df = strip_columns(df)
    qcol = ctx.sc.config.solver.staffing_quantile
    if not need_columns(df, ["slot_start", "queue", qcol], [], label, problems):
        return None
    rows = row_numbers(df)
    n0 = len(problems)
    rel = parse_times(ctx, df["slot_start"], rows, label, "slot_start", problems)
    vals = parse_numbers(df[qcol].tolist(), rows, label, qcol, problems)
    queues = ["" if blank(v) else str(v).strip() for v in df["queue"].tolist()]
    demand = np.full((ctx.S, ctx.Q), np.nan)
    first_row = np.zeros((ctx.S, ctx.Q), dtype=np.int64)
    for j in range(len(df)):
        if np.isnan(rel[j]):
            continue
        q = ctx.qidx.get(queues[j])
        if q is None:
            problems.append(Problem(label, "queue", repr(queues[j]), f"one of {ctx.queue_ids}", int(rows[j])))
            continue
        if rel[j] < 0 or rel[j] >= ctx.H:
            continue  # a forecast may reach beyond the horizon
        if rel[j] % ctx.step:
            problems.append(Problem(label, "slot_start", repr(df["slot_start"].iloc[j]), "a slot start of the horizon", int(rows[j])))
            continue
        if np.isnan(vals[j]):
            problems.append(Problem(label, qcol, "an empty cell", "a number >= 0", int(rows[j])))
            continue
        k = int(rel[j] // ctx.step)
        if first_row[k, q]:
            problems.append(Problem(label, "slot_start", f"{ctx.fmt(rel[j])} again for {queues[j]}",
                                    f"one row per slot and queue (the first is on row {first_row[k, q]})", int(rows[j])))
            continue
        first_row[k, q] = rows[j]
        demand[k, q] = vals[j]
    if len(problems) == n0:
        miss = np.argwhere(np.isnan(demand))
        if len(miss):
            k, q = miss[0]
            more = f" (and {len(miss) - 1} more)" if len(miss) > 1 else ""
            problems.append(Problem(label, "slot_start", f"no row for {ctx.fmt(k * ctx.step)} {ctx.queue_ids[q]}{more}",
                                    "one row per slot of the horizon and queue"))
    if len(problems) > n0:
        return None
    kk, qq = np.meshgrid(np.arange(ctx.S), np.arange(ctx.Q), indexing="ij")
    frame = pd.DataFrame({
        "slot_start": ctx.slots[kk.ravel()],
        "queue": np.array(ctx.queue_ids, dtype=object)[qq.ravel()],
        qcol: demand.ravel(),
    })
    return Forecast(demand, frame)


def read_csv(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """A CSV as text cells with the spreadsheet row number of each record (header = row 1)."""
    label = path.name
    try:
        text = read_text(path, label)
    except InputError as exc:
        problems += exc.problems
        return None
    if not text.strip():
        problems.append(Problem(label, "(file)", "an empty file", "a header row and one row per record"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        problems.append(Problem(label, "(CSV syntax)", str(exc), "well-formed CSV (check unterminated quotes)", reader.line_num))
        return None
    header = [h.strip() for h in records[0]]
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        problems.append(Problem(label, ", ".join(dupes), "repeated column", "each column once", 1))
        return None
    data, rows, n0 = [], [], len(problems)
    for n, rec in enumerate(records[1:], start=2):
        if not any(c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            # Excel pads short rows with empty cells; accept trailing empties beyond the header
            if len(rec) > len(header) and not any(c.strip() for c in rec[len(header):]):
                rec = rec[: len(header)]
            else:
                problems.append(Problem(label, "(row)", f"{len(rec)} cells", f"{len(header)} cells, one per column", n))
                continue
        data.append(rec)
        rows.append(n)
    if len(problems) > n0:
        return None
    df = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(columns=header, dtype=object)
    df = unneutralise_frame(df)  # text as typed, without the quote that kept it from running in Excel
    df[ROW] = np.array(rows, dtype=np.int64)
    return df
