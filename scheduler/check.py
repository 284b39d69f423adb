"""The independent rota checker: every hard rule and every figure of docs/RULES.md, re-derived.

It reads nothing but the rota (shifts + assignments), the scenario and the forecast, and never
imports the optimization model (`scheduler.rota`): a rota made by the solver, by another tool or
edited by hand in Excel is checked the same way.

* `check_rota(scenario, shifts, assignments, forecast)` checks tables in memory;
* `check_folder(folder)` reads a plan folder (its `scenario/` copy, shifts.csv, assignments.csv,
  forecast.csv) and also compares the planner's own figures (coverage.csv, summary.json and the
  per-shift columns of shifts.csv) with the recomputed ones: a difference beyond the tolerance of
  RULES.md (max(1 yuan, 0.1 %)) is a `[figures]` violation.

shifts.csv is the source of shift times and assignments.csv the source of activities; when they
disagree (a supervisor moved a shift in one file only) that is an `[assignment]` violation.
Malformed input (an unparseable or offset-less time, an unknown agent or activity, a duplicate
row, ...) raises `InputError` naming file, row (as a spreadsheet shows it) and field.

Everything that scales with agents x slots is a numpy operation on an agents x slots matrix of
activities; Python loops run over shifts (thousands) and over violations only.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scheduler import rules
from scheduler.cells import unneutralise_frame
from scheduler.errors import InputError, Problem
from scheduler.scenario import Scenario, load_scenario, parse_timestamp, read_text

__all__ = [
    "RULES",
    "CheckReport",
    "Violation",
    "check_folder",
    "check_rota",
    "format_report",
]

RULES: tuple[str, ...] = (*rules.RULES, rules.FIGURES)
"""The bracketed rule names of RULES.md, in its order, then `figures` (planner's figures differ)."""

SHIFT_COLUMNS = ["agent_id", "start", "end"]
SHIFT_OPTIONAL = ["agent_name", "contract", "core", "paid_hours", "break_start", "break_end", "overtime_hours", "wage_yuan"]
ASSIGNMENT_COLUMNS = ["agent_id", "slot_start", "activity"]
FIGURE_KEYS = (
    "wage_cost",
    "call_in_cost",
    "lost_inquiry_value",
    "expected_lost_inquiries",
    "shortfall_agent_hours",
    "fairness_cost",
    "preference_cost",
    "queue_change_cost",
    "objective",
)
MONEY_KEYS = {"wage_cost", "call_in_cost", "lost_inquiry_value", "fairness_cost", "preference_cost", "queue_change_cost",
              "objective"}
_EPS = 1e-9  # float slack when comparing shares and hours (rounding, not policy)
_HOURS_TOL = 0.01  # stated hours (paid_hours, overtime_hours) may be rounded to 2 decimals
_BREAK = -2
_IDLE = -1
_ROW = "__row__"  # spreadsheet row number carried along a table read from a file


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    """One broken rule, in a supervisor's words."""

    rule: str
    """The bracketed rule name of RULES.md (e.g. "rest"), or "figures"."""
    agent_id: str | None
    time: pd.Timestamp | None
    """Start of the slot or shift concerned (scenario time zone), or None."""
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass
class CheckReport:
    """What the checker found: violations, the recomputed figures and coverage."""

    violations: list[Violation] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
    """wage_cost (call-in fees included), call_in_cost (those fees alone), lost_inquiry_value,
    expected_lost_inquiries, shortfall_agent_hours, fairness_cost, preference_cost, objective,
    plus paid_hours, overtime_hours, shifts. None when it needs the forecast and there is none."""
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    """slot_start, queue, planned_demand, required, scheduled, shortfall, expected_lost_inquiries."""
    notes: list[str] = field(default_factory=list)
    """What was not checked and why (e.g. no forecast)."""
    shifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per shift as recomputed: agent_id, start, end, span_hours, break_hours, paid_hours,
    overtime_hours, wage_yuan, call_in_fee_yuan."""

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def rules_broken(self) -> set[str]:
        return {v.rule for v in self.violations}

    def by_rule(self, rule: str) -> list[Violation]:
        return [v for v in self.violations if v.rule == rule]


def format_report(report: CheckReport) -> str:
    """Plain text for the CLI: one line per violation, then the figures, then notes."""
    lines = []
    if report.ok:
        lines.append("ok: the rota keeps every hard rule")
    else:
        counts = pd.Series([v.rule for v in report.violations]).value_counts()
        summary = ", ".join(f"{r} {counts[r]}" for r in RULES if r in counts)
        lines.append(f"{len(report.violations)} violation{'s' * (len(report.violations) != 1)} ({summary}):")
        lines += [f"  {v}" for v in report.violations]
    lines.append("figures (recomputed):")
    labels = {
        "wage_cost": ("wages", "yuan"),
        "call_in_cost": ("  of which call-in fees", "yuan"),
        "lost_inquiry_value": ("lost inquiry value", "yuan"),
        "expected_lost_inquiries": ("expected lost inquiries", ""),
        "shortfall_agent_hours": ("shortfall", "agent-hours"),
        "fairness_cost": ("fairness", "yuan"),
        "preference_cost": ("preferences", "yuan"),
        "queue_change_cost": ("queue changes inside shifts", "yuan"),
        "objective": ("objective", "yuan"),
        "paid_hours": ("paid hours", "h"),
        "overtime_hours": ("overtime hours", "h"),
        "shifts": ("shifts", ""),
    }
    for key, (label, unit) in labels.items():
        if key not in report.figures:
            continue
        val = report.figures[key]
        if val is None:
            text = "n/a (needs the forecast)"
        else:
            text = (f"{val:,.0f}" if key == "shifts" else f"{val:,.2f}") + (f" {unit}" if unit else "")
        lines.append(f"  {label:26s} {text}")
    for n in report.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Scenario views the checker needs (re-derived here, not taken from the model)
# ---------------------------------------------------------------------------------------------
class _Ctx:
    def __init__(self, sc: Scenario):
        cfg = sc.config
        self.sc = sc
        self.tz = sc.tz
        self.h0: datetime = cfg.horizon.start
        self.h0_local = pd.Timestamp(self.h0).tz_convert(self.tz)
        self.step = cfg.horizon.slot_minutes * 60  # seconds
        self.slot_h = cfg.horizon.slot_minutes / 60.0
        self.S = sc.n_slots
        self.H = (cfg.horizon.end - cfg.horizon.start).total_seconds()
        self.slots = sc.slots
        self.queue_ids = [q.id for q in cfg.queues]
        self.qidx = {q: i for i, q in enumerate(self.queue_ids)}
        self.Q = len(self.queue_ids)
        self.agents = sc.agents
        self.A = len(sc.agents)
        self.aidx = {a.agent_id: i for i, a in enumerate(sc.agents)}
        self.day0: date = self.h0_local.date()
        last = (pd.Timestamp(cfg.horizon.end).tz_convert(self.tz) - pd.Timedelta(microseconds=1)).date()
        self.n_days = (last - self.day0).days + 1
        # per agent
        self.contract = [a.contract for a in sc.agents]
        self.core = np.array([a.core for a in sc.agents], dtype=bool)
        self.standby = np.array([a.standby for a in sc.agents], dtype=bool)
        self.part_time = np.array([cfg.contracts[a.contract].kind == "part_time" for a in sc.agents], dtype=bool)
        self.wage = np.array(
            [a.hourly_wage_yuan if a.hourly_wage_yuan is not None else cfg.contracts[a.contract].hourly_wage_yuan for a in sc.agents],
            dtype=float,
        )
        self.skill = np.zeros((self.A, max(self.Q, 1)), dtype=bool)
        for i, a in enumerate(sc.agents):
            for s in a.skills:
                if s in self.qidx:
                    self.skill[i, self.qidx[s]] = True
        # per slot
        self.slot_min = np.asarray(self.slots.hour * 60 + self.slots.minute, dtype=np.int64)
        self.slot_rel = np.arange(self.S, dtype=float) * self.step
        self.slot_day = np.array([(d - self.day0).days for d in self.slots.date], dtype=np.int64)
        f = cfg.fairness
        ns, ne = f.night_start.hour * 60 + f.night_start.minute, f.night_end.hour * 60 + f.night_end.minute
        t = self.slot_min
        self.night = (t >= ns) & (t < ne) if ns <= ne else (t >= ns) | (t < ne)
        ev = cfg.event
        self.phase = np.full(self.S, "during", dtype=object)
        if ev is not None:
            ev0 = (ev.start - self.h0).total_seconds()
            ev1 = (ev.end - self.h0).total_seconds()
            self.phase[self.slot_rel < ev0] = "before"
            self.phase[self.slot_rel >= ev1] = "after"
        self.presale_q = np.array([q.kind == "presale" for q in cfg.queues], dtype=bool)
        self._avail()

    def _avail(self) -> None:
        """Daily windows (a slot must lie wholly inside one) and dated time off (any overlap)."""
        m = self.slot_min
        d = self.step // 60
        cache: dict[tuple, np.ndarray] = {}
        self.daily = np.zeros((self.A, self.S), dtype=bool)
        for i, a in enumerate(self.agents):
            key = a.availability
            if key not in cache:
                ok = np.zeros(self.S, dtype=bool)
                for lo, hi in key:
                    for shift in (0, 1440):  # a window crossing midnight covers the next early hours
                        ok |= (m + shift >= lo) & (m + shift + d <= hi)
                cache[key] = ok
            self.daily[i] = cache[key]
        self.off = np.zeros((self.A, self.S), dtype=bool)
        self.off_reason: dict[tuple[int, int], str] = {}
        for off in self.sc.time_off:
            i = self.aidx.get(off.agent_id)
            if i is None:
                continue
            a = (off.start - self.h0).total_seconds()
            b = (off.end - self.h0).total_seconds()
            hit = (self.slot_rel < b) & (self.slot_rel + self.step > a)
            self.off[i] |= hit
            for k in np.flatnonzero(hit):
                self.off_reason.setdefault((i, int(k)), off.reason)
        self.avail = self.daily & ~self.off

    # --- formatting -----------------------------------------------------------------------
    def ts(self, rel: float) -> pd.Timestamp:
        return self.h0_local + pd.Timedelta(seconds=float(rel))

    def ts_many(self, rel: np.ndarray) -> pd.DatetimeIndex:
        return self.h0_local + pd.to_timedelta(np.nan_to_num(np.asarray(rel, dtype=float)), unit="s")

    def slot_ts(self, k: int) -> pd.Timestamp:
        return self.ts(k * self.step)

    def fmt(self, rel: float) -> str:
        return _iso(self.ts(rel))

    def fmt_span(self, rel0: float, rel1: float) -> str:
        """2026-11-11T08:00+08:00–17:00 (the end's date is shown when it differs)."""
        a, b = self.ts(rel0), self.ts(rel1)
        end = b.strftime("%H:%M") if b.date() == a.date() or (b - a <= pd.Timedelta(hours=24) and b.strftime("%H:%M") == "00:00") else _iso(b)
        return f"{_iso(a)}–{end}"

    def fmt_slots(self, k0: int, k1: int) -> str:
        return self.fmt_span(k0 * self.step, k1 * self.step)

    def hhmm(self, rel: float) -> str:
        return self.ts(rel).strftime("%H:%M")


def _iso(t: pd.Timestamp) -> str:
    return t.isoformat(timespec="minutes")


def _h(x: float) -> str:
    """Hours as a supervisor writes them: 8 h, 8.5 h."""
    return f"{x:.2f}".rstrip("0").rstrip(".") + " h"


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + " %"


# ---------------------------------------------------------------------------------------------
# Parsing (every bad row becomes a Problem)
# ---------------------------------------------------------------------------------------------
def _rows(df: pd.DataFrame) -> np.ndarray:
    if _ROW in df.columns:
        return df[_ROW].to_numpy(dtype=np.int64)
    return np.arange(len(df), dtype=np.int64) + 2  # as if written to CSV: the header is row 1


def _need_columns(df: pd.DataFrame, required: list[str], optional: list[str], label: str, problems: list[Problem]) -> bool:
    cols = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in cols]
    if missing:
        problems.append(Problem(label, ", ".join(missing), "column missing", f"columns {required + optional}", 1))
        return False
    return True


def _blank(v: Any) -> bool:
    if v is None or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


_TIME_ALLOWED = "an ISO 8601 time with offset, e.g. 2026-11-11T08:00:00+08:00"


def _parse_times(
    ctx: _Ctx, values: pd.Series, rows: np.ndarray, label: str, fld: str, problems: list[Problem], *, optional: bool = False
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
        if _blank(v):
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


def _one_time(ctx: _Ctx, v: Any) -> float | str:
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


def _parse_numbers(
    values: Iterable[Any], rows: np.ndarray, label: str, fld: str, problems: list[Problem]
) -> np.ndarray:
    """Non-negative numbers; blank cells are NaN (= not stated)."""
    out = np.full(len(rows), np.nan)
    for j, v in enumerate(values):
        if _blank(v):
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
    texts = ["" if _blank(v) else str(v).strip() for v in uniques]
    folded = folded or {}
    lut = np.array([table.get(t, folded.get(t.lower(), -1)) for t in texts] + [-1], dtype=np.int64)
    return lut[codes], [texts[c] if c >= 0 else "" for c in codes] if (lut[codes] < 0).any() else []


def _parse_agents(ctx: _Ctx, values: pd.Series, rows: np.ndarray, label: str, problems: list[Problem]) -> np.ndarray:
    out, texts = _parse_labels(values, ctx.aidx)
    for j in np.flatnonzero(out < 0):
        problems.append(Problem(label, "agent_id", repr(texts[j]), "an agent_id from the scenario's agents.csv", int(rows[j])))
    return out


def _strip_columns(df: pd.DataFrame) -> pd.DataFrame:
    if any(isinstance(c, str) and c != c.strip() for c in df.columns):
        df = df.rename(columns={c: c.strip() for c in df.columns if isinstance(c, str)})
    return df


@dataclass
class _Shifts:
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


def _parse_shifts(ctx: _Ctx, df: pd.DataFrame, label: str, problems: list[Problem]) -> _Shifts | None:
    df = _strip_columns(df)
    if not _need_columns(df, SHIFT_COLUMNS, SHIFT_OPTIONAL, label, problems):
        return None
    rows = _rows(df)
    n0 = len(problems)
    agent = _parse_agents(ctx, df["agent_id"], rows, label, problems)
    rel0 = _parse_times(ctx, df["start"], rows, label, "start", problems)
    rel1 = _parse_times(ctx, df["end"], rows, label, "end", problems)

    def opt_num(col: str) -> np.ndarray:
        if col not in df.columns:
            return np.full(len(df), np.nan)
        return _parse_numbers(df[col].tolist(), rows, label, col, problems)

    def opt_time(col: str) -> np.ndarray:
        if col not in df.columns:
            return np.full(len(df), np.nan)
        return _parse_times(ctx, df[col], rows, label, col, problems, optional=True)

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
    return _Shifts(agent, rel0, rel1, rows, paid, ot, wage, b0, b1)


@dataclass
class _Assignments:
    agent: np.ndarray
    rel: np.ndarray
    code: np.ndarray  # queue index, or _BREAK
    row: np.ndarray


def _parse_assignments(ctx: _Ctx, df: pd.DataFrame, label: str, problems: list[Problem]) -> _Assignments | None:
    df = _strip_columns(df)
    if not _need_columns(df, ASSIGNMENT_COLUMNS, [], label, problems):
        return None
    rows = _rows(df)
    n0 = len(problems)
    agent = _parse_agents(ctx, df["agent_id"], rows, label, problems)
    rel = _parse_times(ctx, df["slot_start"], rows, label, "slot_start", problems)
    code, texts = _parse_labels(df["activity"], ctx.qidx, {"break": _BREAK})
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
    return _Assignments(agent, rel, code, rows)


@dataclass
class _Forecast:
    demand: np.ndarray  # S x Q planned demand (the staffing quantile)
    frame: pd.DataFrame  # slot_start, queue, <quantile> for the staffing stage


def _parse_forecast(ctx: _Ctx, df: pd.DataFrame, label: str, problems: list[Problem]) -> _Forecast | None:
    df = _strip_columns(df)
    qcol = ctx.sc.config.solver.staffing_quantile
    if not _need_columns(df, ["slot_start", "queue", qcol], [], label, problems):
        return None
    rows = _rows(df)
    n0 = len(problems)
    rel = _parse_times(ctx, df["slot_start"], rows, label, "slot_start", problems)
    vals = _parse_numbers(df[qcol].tolist(), rows, label, qcol, problems)
    queues = ["" if _blank(v) else str(v).strip() for v in df["queue"].tolist()]
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
    return _Forecast(demand, frame)


# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------
def check_rota(
    scenario: Scenario,
    shifts: pd.DataFrame,
    assignments: pd.DataFrame,
    forecast: pd.DataFrame | None = None,
    *,
    labels: dict[str, str] | None = None,
) -> CheckReport:
    """Check a rota in memory against every hard rule of RULES.md and recompute its figures.

    shifts: agent_id, start, end (tz-aware Timestamps or ISO 8601 text with offset), optionally
    paid_hours, break_start, break_end, overtime_hours, wage_yuan (checked when stated) and any
    other columns (ignored: the scenario says each agent's contract and core flag).
    assignments: agent_id, slot_start, activity (a queue id or `break`).
    forecast: slot_start, queue and the quantile named by solver.staffing_quantile; None skips
    the coverage figures (the report says so).
    labels: file names used in InputError problems (default shifts.csv, assignments.csv, forecast.csv).
    """
    names = {"shifts": "shifts.csv", "assignments": "assignments.csv", "forecast": "forecast.csv", **(labels or {})}
    ctx = _Ctx(scenario)
    problems: list[Problem] = []
    sh = _parse_shifts(ctx, shifts, names["shifts"], problems)
    asg = _parse_assignments(ctx, assignments, names["assignments"], problems)
    fc = _parse_forecast(ctx, forecast, names["forecast"], problems) if forecast is not None else None
    if problems:
        raise InputError(problems)
    assert sh is not None and asg is not None
    return _Checker(ctx, sh, asg, fc).run()


class _Checker:
    def __init__(self, ctx: _Ctx, sh: _Shifts, asg: _Assignments, fc: _Forecast | None):
        self.ctx, self.sh, self.asg, self.fc = ctx, sh, asg, fc
        self.v: list[tuple[tuple[int, float, str], Violation]] = []
        self.notes: list[str] = []

    def add(self, rule: str, agent: int | None, rel: float | None, message: str) -> None:
        aid = None if agent is None else self.ctx.agents[agent].agent_id
        t = None if rel is None or not math.isfinite(rel) else self.ctx.ts(rel)
        order = (RULES.index(rule), -math.inf if rel is None else rel, aid or "")
        self.v.append((order, Violation(rule, aid, t, message)))

    def aid(self, i: int) -> str:
        return self.ctx.agents[i].agent_id

    def shift_name(self, j: int) -> str:
        return f"{self.aid(self.sh.agent[j])}'s shift {self.ctx.fmt_span(self.sh.rel0[j], self.sh.rel1[j])}"

    # --- setup --------------------------------------------------------------------------------
    def run(self) -> CheckReport:
        ctx, sh = self.ctx, self.sh
        self._matrices()
        self.rule_shift_shape()
        self.rule_assignment()
        self.rule_per_shift()
        self.rule_agent_totals()
        self.rule_one_shift_per_day_and_rest()
        self.rule_consecutive_days()
        self.rule_skills()
        self.rule_midnight_core()
        self.rule_evening_all_hands()
        self.rule_morning_part_time()
        self.rule_ratio_bounds()
        figures, coverage = self.figures()
        self.check_stated_shift_figures()
        self.v.sort(key=lambda x: x[0])
        table = pd.DataFrame({
            "agent_id": np.array([a.agent_id for a in ctx.agents], dtype=object)[sh.agent] if len(sh) else [],
            "start": ctx.ts_many(sh.rel0),
            "end": ctx.ts_many(sh.rel1),
            "span_hours": self.span,
            "break_hours": self.break_h,
            "paid_hours": self.paid,
            "overtime_hours": self.ot,
            "wage_yuan": self.wage_shift,
            "call_in_fee_yuan": self.call_in,
        })
        return CheckReport([x[1] for x in self.v], figures, coverage, self.notes, table)

    def _matrices(self) -> None:
        ctx, sh, asg = self.ctx, self.sh, self.asg
        A, S = ctx.A, ctx.S
        # activities: agents x slots; rows outside the horizon are kept apart
        k = np.round(asg.rel / ctx.step).astype(np.int64) if len(asg.rel) else np.zeros(0, dtype=np.int64)
        inside = (k >= 0) & (k < S)
        self.act = np.full((A, S), _IDLE, dtype=np.int16)
        self.act[asg.agent[inside], k[inside]] = asg.code[inside]
        self.outside_rows = np.flatnonzero(~inside)
        self.work = self.act >= 0
        self.brk = self.act == _BREAK
        # shifts as slot ranges [s, e) of slots whose start lies in [start, end), clipped to the horizon
        self.valid = sh.rel1 > sh.rel0
        s = np.clip(np.ceil(sh.rel0 / ctx.step), 0, S).astype(np.int64)
        e = np.clip(np.ceil(sh.rel1 / ctx.step), 0, S).astype(np.int64)
        e = np.where(self.valid, np.maximum(e, s), s)
        self.s, self.e = s, e
        diff = np.zeros((A, S + 1), dtype=np.int32)
        np.add.at(diff, (sh.agent, s), 1)
        np.add.at(diff, (sh.agent, e), -1)
        self.cover = np.cumsum(diff[:, :S], axis=1)
        cb = np.zeros((A, S + 1), dtype=np.int32)
        np.cumsum(self.brk, axis=1, out=cb[:, 1:])
        self.span = np.where(self.valid, (sh.rel1 - sh.rel0) / 3600.0, 0.0)
        self.break_h = (cb[sh.agent, e] - cb[sh.agent, s]) * ctx.slot_h
        self.paid = self.span - self.break_h
        contracts = [ctx.sc.config.contracts[ctx.contract[i]] for i in sh.agent]
        self.contracts = contracts
        reg = np.array([c.regular_hours_per_day for c in contracts], dtype=float)
        self.ot = np.maximum(0.0, self.paid - reg)
        self.regular = self.paid - self.ot
        local = ctx.ts_many(sh.rel0)
        self.start_local = local
        self.day = np.array([(d - ctx.day0).days for d in local.date], dtype=np.int64)

    # --- rule 1 ---------------------------------------------------------------------------------
    def rule_shift_shape(self) -> None:
        ctx, sh = self.ctx, self.sh
        loc = self.start_local
        sod = np.asarray(loc.hour * 3600 + loc.minute * 60 + loc.second, dtype=np.int64)
        sod = sod * 1_000_000 + np.asarray(loc.microsecond, dtype=np.int64)
        allowed_sod = {
            cid: {((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond for t in c.start_times}
            for cid, c in ctx.sc.config.contracts.items()
        }
        span = (sh.rel1 - sh.rel0) / 3600
        for j in range(len(sh)):
            c = self.contracts[j]
            cid = ctx.contract[sh.agent[j]]
            r0, r1 = sh.rel0[j], sh.rel1[j]
            ok_start = sod[j] in allowed_sod[cid]
            ok_span = any(abs(span[j] - x) < 1e-6 for x in c.shift_spans_hours)
            ok_grid = not (r0 % ctx.step or r1 % ctx.step)
            ok_inside = r0 >= 0 and r1 <= ctx.H
            if r1 > r0 and ok_start and ok_span and ok_grid and ok_inside:
                continue
            why = []
            if r1 <= r0:
                why.append("it ends before it starts")
            else:
                if not ok_grid:
                    why.append(f"it does not start and end on the {ctx.step // 60}-minute slot grid")
                if not ok_inside:
                    why.append(f"it reaches outside the planning horizon {ctx.fmt(0)} .. {ctx.fmt(ctx.H)}")
                if not ok_span:
                    why.append(f"it lasts {_h(span[j])}; {cid} shifts last {' or '.join(_h(x) for x in c.shift_spans_hours)}")
                if not ok_start:
                    allowed = ", ".join(t.strftime("%H:%M") for t in c.start_times)
                    why.append(f"it starts at {loc[j].strftime('%H:%M')}; {cid} shifts start at {allowed}")
            self.add("shift_shape", sh.agent[j], r0, f"{self.shift_name(j)}: " + "; ".join(why))

    # --- rule 3 ---------------------------------------------------------------------------------
    def rule_assignment(self) -> None:
        ctx, sh, asg = self.ctx, self.sh, self.asg
        missing = (self.cover > 0) & (self.act == _IDLE)
        if missing.any():
            cm = np.zeros((ctx.A, ctx.S + 1), dtype=np.int32)
            np.cumsum(missing, axis=1, out=cm[:, 1:])
            n_miss = cm[sh.agent, self.e] - cm[sh.agent, self.s]
            for j in np.flatnonzero(n_miss > 0):
                i, s, e = sh.agent[j], self.s[j], self.e[j]
                runs = _true_runs(missing[i, s:e])
                where = ", ".join(ctx.fmt_slots(s + a, s + b) if n == 0 else f"{ctx.hhmm((s + a) * ctx.step)}–{ctx.hhmm((s + b) * ctx.step)}"
                                  for n, (a, b) in enumerate(runs))
                self.add("assignment", i, sh.rel0[j],
                         f"{self.shift_name(j)} (shifts.csv) has no assignment row for {where}: every slot of a shift needs one "
                         f"row in assignments.csv (a queue or break)")
        extra = (self.cover == 0) & (self.act != _IDLE)
        for i in np.flatnonzero(extra.any(axis=1)):
            for a, b in _true_runs(extra[i]):
                acts = sorted({ctx.queue_ids[c] if c >= 0 else "break" for c in self.act[i, a:b]})
                self.add("assignment", i, a * ctx.step,
                         f"assignments.csv has {self.aid(i)} on {' / '.join(acts)} at {ctx.fmt_slots(a, b)}, outside every shift "
                         f"of {self.aid(i)} in shifts.csv (were the two files edited apart?)")
        # rows outside the horizon: fine only inside a shift (that shift is a shift_shape violation)
        for j in self.outside_rows:
            i, r = asg.agent[j], asg.rel[j]
            mine = sh.agent == i
            if np.any(mine & (sh.rel0 <= r) & (sh.rel1 > r)):
                continue
            self.add("assignment", i, r, f"assignments.csv row {asg.row[j]} has {self.aid(i)} at {ctx.fmt(r)}, outside the planning "
                     f"horizon and outside every shift of {self.aid(i)}")
        # paid_hours = span - break
        bad = self.valid & ~np.isnan(sh.paid_stated) & (np.abs(np.nan_to_num(sh.paid_stated) - self.paid) > _HOURS_TOL)
        for j in np.flatnonzero(bad):
            self.add("assignment", sh.agent[j], sh.rel0[j],
                     f"{self.shift_name(j)} states paid_hours {sh.paid_stated[j]:g}, but its span {_h(self.span[j])} minus "
                     f"{_h(self.break_h[j])} of break in assignments.csv is {_h(self.paid[j])}")
        # stated break vs the break slots in assignments.csv
        stated = self.valid & ~np.isnan(sh.brk0)
        for j in np.flatnonzero(stated):
            i, s, e = sh.agent[j], self.s[j], self.e[j]
            b0 = int(np.clip(math.ceil(sh.brk0[j] / ctx.step), 0, ctx.S))
            b1 = int(np.clip(math.ceil(sh.brk1[j] / ctx.step), 0, ctx.S))
            want = np.zeros(e - s, dtype=bool)
            want[max(b0, s) - s: max(min(b1, e), s) - s] = True
            have = self.brk[i, s:e]
            if not np.array_equal(want, have):
                runs = _true_runs(have)
                got = ", ".join(ctx.fmt_slots(s + a, s + b) for a, b in runs) or "no break"
                self.add("assignment", i, sh.rel0[j],
                         f"{self.shift_name(j)}: shifts.csv gives the break as {ctx.fmt_span(sh.brk0[j], sh.brk1[j])}, "
                         f"but assignments.csv has {got}")

    # --- rules 2, 6, 7, 8 (per shift) -----------------------------------------------------------
    def rule_per_shift(self) -> None:
        ctx, sh = self.ctx, self.sh
        qc_allowed = ctx.sc.config.queue_changes_in_shift
        for j in np.flatnonzero(self.valid):
            i, s, e = sh.agent[j], self.s[j], self.e[j]
            c = self.contracts[j]
            cid = ctx.contract[i]
            r0, r1 = sh.rel0[j], sh.rel1[j]
            row = self.act[i, s:e]
            # meal_break
            bidx = np.flatnonzero(row == _BREAK)
            if not len(bidx):
                runs = []
            elif bidx[-1] - bidx[0] + 1 == len(bidx):
                runs = [(int(bidx[0]), int(bidx[-1]) + 1)]
            else:
                runs = _true_runs(row == _BREAK)
            needs = c.break_minutes > 0 and self.span[j] >= c.break_from_span_hours - _EPS
            if needs:
                lo, hi = r0 + c.break_earliest_hours * 3600, r0 + c.break_latest_hours * 3600

                def rule_text(c=c, lo=lo, hi=hi) -> str:
                    return (f"a {c.break_minutes}-min break starting between {ctx.hhmm(lo)} and {ctx.hhmm(hi)} "
                            f"(start + {_h(c.break_earliest_hours)} .. + {_h(c.break_latest_hours)}) is required")

                if not runs:
                    self.add("meal_break", i, r0, f"{self.shift_name(j)} has no meal break; {rule_text()}")
                elif len(runs) > 1:
                    parts = ", ".join(ctx.fmt_slots(s + a, s + b) for a, b in runs)
                    self.add("meal_break", i, r0, f"{self.shift_name(j)} has its break split into {len(runs)} parts ({parts}); "
                             f"{rule_text()}, in one piece")
                else:
                    a, b = runs[0]
                    b_rel0, b_rel1 = (s + a) * ctx.step, (s + b) * ctx.step
                    why = []
                    minutes = (b - a) * ctx.step // 60
                    if minutes != c.break_minutes:
                        why.append(f"it lasts {minutes} min")
                    if not (lo - _EPS <= b_rel0 <= hi + _EPS):
                        why.append(f"it starts at {ctx.hhmm(b_rel0)}")
                    if b_rel1 >= r1:
                        why.append("it ends with the shift (work must follow it)")
                    if why:
                        self.add("meal_break", i, r0, f"{self.shift_name(j)} has its break at {ctx.fmt_slots(s + a, s + b)}: "
                                 + ", ".join(why) + f"; {rule_text()}")
            elif runs:
                reason = (f"{cid} shifts have no break" if c.break_minutes == 0
                          else f"only shifts of at least {_h(c.break_from_span_hours)} have a break")
                self.add("meal_break", i, r0, f"{self.shift_name(j)} has break slots ({', '.join(ctx.fmt_slots(s + a, s + b) for a, b in runs)}) "
                         f"but this {_h(self.span[j])} shift has none: {reason}")
            # queue_changes
            if not qc_allowed:
                qs = np.unique(row[row >= 0])
                if len(qs) > 1:
                    parts = []
                    for q in qs:
                        rr = _true_runs(row == q)
                        parts.append(f"{ctx.queue_ids[q]} at " + ", ".join(f"{ctx.hhmm((s + a) * ctx.step)}–{ctx.hhmm((s + b) * ctx.step)}" for a, b in rr))
                    self.add("queue_changes", i, r0, f"{self.shift_name(j)} switches queue ({'; '.join(parts)}); "
                             f"this scenario keeps each shift on one queue (queue_changes_in_shift: false)")
            # availability
            un = ~ctx.avail[i, s:e]
            if un.any():
                for a, b in _true_runs(un):
                    ks = range(s + a, s + b)
                    reasons = []
                    if not ctx.daily[i, s + a:s + b].all():
                        win = "; ".join(f"{_hm(lo)}-{_hm(hi - 1440 if hi > 1440 else hi)}" for lo, hi in ctx.agents[i].availability)
                        reasons.append(f"outside the daily availability {win}")
                    offs = sorted({ctx.off_reason.get((i, k), "") for k in ks if ctx.off[i, k]})
                    if offs:
                        reasons.append("during time off" + (f" ({', '.join(o for o in offs if o)})" if any(offs) else ""))
                    self.add("availability", i, (s + a) * ctx.step,
                             f"{self.shift_name(j)} covers {ctx.fmt_slots(s + a, s + b)}, when {self.aid(i)} is not available: "
                             + " and ".join(reasons))
            # overtime per day
            if self.ot[j] > c.max_overtime_hours_per_day + _EPS:
                self.add("overtime", i, r0, f"{self.shift_name(j)} has {_h(self.paid[j])} paid, i.e. {_h(self.ot[j])} overtime "
                         f"beyond the regular {_h(c.regular_hours_per_day)}; at most {_h(c.max_overtime_hours_per_day)} a day allowed")

    # --- rules 8 (month), 9, 10 -------------------------------------------------------------
    def rule_agent_totals(self) -> None:
        ctx, sh = self.ctx, self.sh
        cfg = ctx.sc.config
        A = ctx.A
        ok = self.valid
        ot_tot = np.bincount(sh.agent[ok], weights=self.ot[ok], minlength=A)
        paid_tot = np.bincount(sh.agent[ok], weights=self.paid[ok], minlength=A)
        self.paid_agent = paid_tot
        for i in range(A):
            c = cfg.contracts[ctx.contract[i]]
            if ot_tot[i] > c.max_overtime_hours_per_month + _EPS:
                self.add("overtime", i, None, f"{self.aid(i)} has {_h(ot_tot[i])} overtime over the horizon; at most "
                         f"{_h(c.max_overtime_hours_per_month)} a month allowed ({ctx.contract[i]})")
            if c.avg_max_hours_per_day is not None:
                cap = c.avg_max_hours_per_day * ctx.n_days
                if paid_tot[i] > cap + _EPS:
                    self.add("average_daily_hours", i, None,
                             f"{self.aid(i)} is paid {_h(paid_tot[i])} over the horizon's {ctx.n_days} day(s); at most "
                             f"{_h(c.avg_max_hours_per_day)} a day on average, i.e. {_h(cap)}, allowed ({ctx.contract[i]})")
        # weekly blocks of 7 days from the horizon's first day
        if len(sh):
            block = np.floor_divide(self.day, 7)
            df = pd.DataFrame({"a": sh.agent[ok], "b": block[ok], "reg": self.regular[ok]})
            for (i, b), reg in df.groupby(["a", "b"])["reg"].sum().items():
                c = cfg.contracts[ctx.contract[i]]
                if reg > c.max_hours_per_week + _EPS:
                    d0 = ctx.day0 + timedelta(days=7 * int(b))
                    rel = (pd.Timestamp(d0).tz_localize(ctx.tz) - ctx.h0_local).total_seconds()
                    self.add("weekly_hours", int(i), max(rel, 0.0),
                             f"{self.aid(i)} has {_h(reg)} regular hours in the week {d0.isoformat()} .. "
                             f"{(d0 + timedelta(days=6)).isoformat()}; at most {_h(c.max_hours_per_week)} allowed ({ctx.contract[i]})")

    # --- rules 4 and 11 -----------------------------------------------------------------------
    def rule_one_shift_per_day_and_rest(self) -> None:
        ctx, sh = self.ctx, self.sh
        idx = np.flatnonzero(self.valid)
        if not len(idx):
            return
        order = idx[np.lexsort((sh.rel0[idx], sh.agent[idx]))]
        # more than one shift starting on a day
        a, d = sh.agent[order], self.day[order]
        same = (a[1:] == a[:-1]) & (d[1:] == d[:-1])
        reported: set[tuple[int, int]] = set()
        for p in np.flatnonzero(same):
            i, day = int(a[p]), int(d[p])
            if (i, day) in reported:
                continue
            reported.add((i, day))
            js = order[(a == i) & (d == day)]
            lst = ", ".join(ctx.fmt_span(sh.rel0[j], sh.rel1[j]) for j in js)
            self.add("one_shift_per_day", i, sh.rel0[js[0]],
                     f"{self.aid(i)} has {len(js)} shifts starting on {ctx.ts(sh.rel0[js[0]]).date().isoformat()} ({lst}); "
                     f"at most one a day")
        # consecutive shifts: overlap, then rest
        for p in np.flatnonzero(a[1:] == a[:-1]):
            j0, j1 = order[p], order[p + 1]
            i = int(sh.agent[j0])
            gap = (sh.rel0[j1] - sh.rel1[j0]) / 3600
            if gap < 0:
                self.add("one_shift_per_day", i, sh.rel0[j1],
                         f"{self.shift_name(j1)} overlaps {self.aid(i)}'s shift {ctx.fmt_span(sh.rel0[j0], sh.rel1[j0])}")
                continue
            need = self.contracts[j0].min_rest_hours
            if gap < need - _EPS:
                self.add("rest", i, sh.rel1[j0],
                         f"{self.aid(i)} has {_h(gap)} rest between the shift ending {ctx.fmt(sh.rel1[j0])} and the next "
                         f"starting {ctx.fmt(sh.rel0[j1])}; at least {_h(need)} required ({ctx.contract[i]})")

    # --- rule 12 -------------------------------------------------------------------------------
    def rule_consecutive_days(self) -> None:
        ctx, sh = self.ctx, self.sh
        ok = self.valid
        for i in np.unique(sh.agent[ok]):
            days = np.unique(self.day[ok & (sh.agent == i)])
            limit = ctx.sc.config.contracts[ctx.contract[i]].max_consecutive_days
            brk = np.flatnonzero(np.diff(days) != 1)
            starts = np.r_[0, brk + 1]
            ends = np.r_[brk, len(days) - 1]
            for a, b in zip(starts, ends, strict=True):
                n = int(b - a + 1)
                if n > limit:
                    d0 = ctx.day0 + timedelta(days=int(days[a]))
                    d1 = ctx.day0 + timedelta(days=int(days[b]))
                    rel = (pd.Timestamp(d0).tz_localize(ctx.tz) - ctx.h0_local).total_seconds()
                    self.add("consecutive_days", int(i), rel,
                             f"{self.aid(i)} works {n} days in a row ({d0.isoformat()} .. {d1.isoformat()}); at most "
                             f"{limit} allowed ({ctx.contract[i]})")

    # --- rule 5 ----------------------------------------------------------------------------------
    def rule_skills(self) -> None:
        ctx = self.ctx
        if not ctx.Q:
            return
        ok = ctx.skill[np.arange(ctx.A)[:, None], np.maximum(self.act, 0)]
        bad = self.work & ~ok
        for i in np.flatnonzero(bad.any(axis=1)):
            lab = np.where(bad[i], self.act[i].astype(np.int64) + 1, 0)
            for a, b, q in _label_runs(lab):
                self.add("skills", i, a * ctx.step,
                         f"{self.aid(i)} is on {ctx.queue_ids[q - 1]} at {ctx.fmt_slots(a, b)} but serves only "
                         f"{', '.join(ctx.agents[i].skills)}")

    # --- rules 13-16 ---------------------------------------------------------------------------
    def rule_midnight_core(self) -> None:
        ctx = self.ctx
        n = self.work.sum(axis=0)
        core = self.work[ctx.core].sum(axis=0)
        for w in ctx.sc.config.promotion.midnight_core:
            for k in ctx.sc.window_slots(w.start, w.end):
                if core[k] < w.min_core_share * n[k] - _EPS or core[k] < w.min_core_agents:
                    share = core[k] / n[k] if n[k] else 0.0
                    self.add("midnight_core", None, k * ctx.step,
                             f"at {ctx.fmt_slots(k, k + 1)} (midnight core window) {core[k]} of the {n[k]} agents working are "
                             f"core ({_pct(share)}); at least {_pct(w.min_core_share)} core and at least {w.min_core_agents} "
                             f"core agents required")

    def rule_evening_all_hands(self) -> None:
        ctx = self.ctx
        for w in ctx.sc.config.promotion.evening_all_hands:
            ks = np.array(ctx.sc.window_slots(w.start, w.end), dtype=np.int64)
            if not len(ks):
                continue
            listed = np.array([w.contracts is None or c in w.contracts for c in ctx.contract], dtype=bool)
            who = listed & ~ctx.standby
            miss = who[:, None] & ctx.avail[:, ks] & ~self.work[:, ks]
            for i in np.flatnonzero(miss.any(axis=1)):
                lab = np.where(miss[i], np.where(self.brk[i, ks], 2, 1), 0)
                for a, b, what in _label_runs(lab):
                    state = "on break" if what == 2 else "not on duty"
                    self.add("evening_all_hands", i, ks[a] * ctx.step,
                             f"{self.aid(i)} is available but {state} at {ctx.fmt_slots(ks[a], ks[b - 1] + 1)}, inside the evening "
                             f"all-hands window {ctx.fmt_span((w.start - ctx.h0).total_seconds(), (w.end - ctx.h0).total_seconds())}")

    def rule_morning_part_time(self) -> None:
        ctx = self.ctx
        n = self.work.sum(axis=0)
        pt = self.work[ctx.part_time].sum(axis=0)
        for w in ctx.sc.config.promotion.morning_part_time:
            for k in ctx.sc.window_slots(w.start, w.end):
                if pt[k] < w.min_part_time_share * n[k] - _EPS:
                    self.add("morning_part_time", None, k * ctx.step,
                             f"at {ctx.fmt_slots(k, k + 1)} (morning part-time window) {pt[k]} of the {n[k]} agents working are "
                             f"part-time ({_pct(pt[k] / n[k])}); at least {_pct(w.min_part_time_share)} required")

    def rule_ratio_bounds(self) -> None:
        ctx = self.ctx
        if not ctx.Q:
            return
        per_slot = self.work.sum(axis=0)
        pres = (self.work & ctx.presale_q[np.maximum(self.act, 0)]).sum(axis=0)
        for phase, bound in ctx.sc.config.ratio_bounds.items():
            mask = ctx.phase == phase
            total = int(per_slot[mask].sum())
            if not total:
                continue
            share = pres[mask].sum() / total
            if share < bound.min_presale_share - _EPS or share > bound.max_presale_share + _EPS:
                ks = np.flatnonzero(mask)
                k0, k1 = int(ks[0]), int(ks[-1]) + 1
                when = "during the horizon" if phase == "during" and ctx.sc.config.event is None else f"{phase} the event"
                self.add("ratio_bounds", None, k0 * ctx.step,
                         f"{when} ({ctx.fmt_slots(k0, k1)}) pre-sale queues get {int(pres[mask].sum())} of {total} working "
                         f"agent-slots ({_pct(share)}); allowed {_pct(bound.min_presale_share)} .. {_pct(bound.max_presale_share)}")

    # --- figures ---------------------------------------------------------------------------------
    def figures(self) -> tuple[dict[str, float | None], pd.DataFrame]:
        ctx, sh = self.ctx, self.sh
        cfg = ctx.sc.config
        # wages
        wage = ctx.wage[sh.agent] if len(sh) else np.zeros(0)
        otm = np.array([c.overtime_multiplier for c in self.contracts], dtype=float)
        holm = np.array([c.holiday_multiplier for c in self.contracts], dtype=float)
        holidays = set(cfg.holidays)
        hol = np.array([d in holidays for d in self.start_local.date], dtype=bool) if len(sh) else np.zeros(0, dtype=bool)
        w = np.where(hol, self.paid * wage * holm, wage * (self.regular + self.ot * otm))
        fee = np.array([c.call_in_fee_yuan for c in self.contracts], dtype=float) * ctx.standby[sh.agent] if len(sh) else np.zeros(0)
        w = np.where(self.valid, w, 0.0)
        fee = np.where(self.valid, fee, 0.0)
        self.wage_shift = w + fee
        self.call_in = fee
        wage_cost = float(self.wage_shift.sum())
        # fairness
        night_h = (self.work & ctx.night[None, :]).sum(axis=1) * ctx.slot_h
        fairness = 0.0
        f = cfg.fairness
        for cid in cfg.contracts:
            members = np.array([c == cid for c in ctx.contract], dtype=bool) & ~ctx.standby
            if members.any():
                fairness += (np.ptp(self.paid_agent[members]) * f.hours_spread_yuan_per_hour
                             + np.ptp(night_h[members]) * f.night_spread_yuan_per_hour)
        # preferences
        pref = 0.0
        default = cfg.preferences.default_price_yuan_per_hour
        for p in ctx.sc.preference_rows:
            i = ctx.aidx.get(p.agent_id)
            if i is None:
                continue
            a = (p.start - ctx.h0).total_seconds()
            b = (p.end - ctx.h0).total_seconds()
            overlap_h = np.clip(np.minimum(ctx.slot_rel + ctx.step, b) - np.maximum(ctx.slot_rel, a), 0, None) / 3600
            price = p.price_yuan_per_hour if p.price_yuan_per_hour is not None else default
            if p.kind == "refuse":
                pref += price * float((overlap_h * self.work[i]).sum())
            else:
                pref += price * float((overlap_h * ~self.work[i]).sum())
        # queue changes: two working slots in a row of one shift on different queues
        switches = 0
        if cfg.queue_changes_in_shift:
            starts = np.zeros_like(self.work)
            starts[sh.agent[self.valid], np.minimum(self.s[self.valid], ctx.S - 1)] = True
            a, b = self.act[:, :-1], self.act[:, 1:]
            switches = int(((a >= 0) & (b >= 0) & (a != b) & ~starts[:, 1:]).sum())
        queue_changes = switches * cfg.queue_change_yuan
        figs: dict[str, float | None] = {
            "wage_cost": wage_cost,
            "call_in_cost": float(fee.sum()),
            "fairness_cost": float(fairness),
            "preference_cost": float(pref),
            "queue_change_cost": float(queue_changes),
            "paid_hours": float(self.paid[self.valid].sum()),
            "overtime_hours": float(self.ot[self.valid].sum()),
            "shifts": float(len(sh)),
        }
        cov = self._coverage()
        if self.fc is None:
            self.notes.append("no forecast: planned demand, required agents, shortfall, lost inquiries and the objective were not recomputed")
            figs.update(lost_inquiry_value=None, expected_lost_inquiries=None, shortfall_agent_hours=None, objective=None)
        else:
            lost = float(cov["expected_lost_inquiries"].sum())
            value = lost * cfg.economics.inquiry_value
            figs.update(
                lost_inquiry_value=value,
                expected_lost_inquiries=lost,
                shortfall_agent_hours=float(cov["shortfall"].sum() * ctx.slot_h),
                objective=wage_cost + value + fairness + pref + queue_changes,
            )
        return {k: figs[k] for k in (*FIGURE_KEYS, "paid_hours", "overtime_hours", "shifts")}, cov

    def _coverage(self) -> pd.DataFrame:
        ctx = self.ctx
        S, Q = ctx.S, ctx.Q
        sched = np.stack([(self.act == q).sum(axis=0) for q in range(Q)], axis=1) if Q else np.zeros((S, 0), dtype=np.int64)
        kk, qq = np.meshgrid(np.arange(S), np.arange(Q), indexing="ij")
        kk, qq = kk.ravel(), qq.ravel()
        cov = pd.DataFrame({
            "slot_start": ctx.slots[kk],
            "queue": np.array(ctx.queue_ids, dtype=object)[qq],
            "planned_demand": np.nan,
            "required": np.nan,
            "scheduled": sched.ravel().astype(np.int64),
            "shortfall": np.nan,
            "expected_lost_inquiries": np.nan,
        })
        if self.fc is None:
            return cov
        from scheduler import staffing as st  # the staffing stage (not the rota model)

        demand = self.fc.demand
        req_df = st.staffing(ctx.sc, self.fc.frame)
        req = np.zeros((S, Q))
        t = pd.to_datetime(req_df["slot_start"], utc=True)
        k = np.round((t - pd.Timestamp(ctx.h0)).dt.total_seconds().to_numpy() / ctx.step).astype(np.int64)
        q = np.array([ctx.qidx[x] for x in req_df["queue"]], dtype=np.int64)
        keep = (k >= 0) & (k < S)
        req[k[keep], q[keep]] = req_df["required"].to_numpy(dtype=float)[keep]
        lost = np.zeros((S, Q))
        slot_minutes = ctx.step // 60
        for kq in np.argwhere(demand > 0):
            s, qi = int(kq[0]), int(kq[1])
            n = int(sched[s, qi])
            curve = st.lost_inquiries_curve(ctx.sc.config.queues[qi], float(demand[s, qi]), slot_minutes, n)
            lost[s, qi] = float(curve[n])
        cov["planned_demand"] = demand.ravel()
        cov["required"] = req.ravel().astype(np.int64)
        cov["shortfall"] = np.maximum(0, req.ravel() - sched.ravel()).astype(np.int64)
        cov["expected_lost_inquiries"] = lost.ravel()
        return cov

    def check_stated_shift_figures(self) -> None:
        """overtime_hours and wage_yuan as stated in shifts.csv, when stated."""
        sh = self.sh
        bad = self.valid & ~np.isnan(sh.ot_stated) & (np.abs(np.nan_to_num(sh.ot_stated) - self.ot) > _HOURS_TOL)
        for j in np.flatnonzero(bad):
            self.add("figures", sh.agent[j], sh.rel0[j],
                     f"{self.shift_name(j)}: overtime_hours planner {sh.ot_stated[j]:g}, recomputed {self.ot[j]:g}")
        stated = self.valid & ~np.isnan(sh.wage_stated)
        for j in np.flatnonzero(stated):
            if not _close(sh.wage_stated[j], self.wage_shift[j], money=True):
                self.add("figures", sh.agent[j], sh.rel0[j],
                         f"{self.shift_name(j)}: wage_yuan planner {sh.wage_stated[j]:.2f}, recomputed {self.wage_shift[j]:.2f}")


def _close(planner: float, mine: float, *, money: bool) -> bool:
    """RULES.md tolerance: max(1 yuan, 0.1 %) for money; max(0.01, 0.1 %) for hours and inquiries."""
    tol = max(1.0 if money else 0.01, 0.001 * abs(mine))
    return abs(planner - mine) <= tol + 1e-9


def _true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(a, b)] half-open runs of True in a 1-D boolean array."""
    if not mask.any():
        return []
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def _label_runs(lab: np.ndarray) -> list[tuple[int, int, int]]:
    """[(a, b, label)] runs of equal non-zero labels in a 1-D int array."""
    padded = np.r_[0, lab, 0]
    cut = np.flatnonzero(padded[1:] != padded[:-1])
    out = []
    for a, b in zip(cut[:-1], cut[1:], strict=True):
        if lab[a] != 0:
            out.append((int(a), int(b), int(lab[a])))
    return out


# ---------------------------------------------------------------------------------------------
# Plan folders
# ---------------------------------------------------------------------------------------------
def _read_csv(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
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
    df[_ROW] = np.array(rows, dtype=np.int64)
    return df


def check_folder(folder: str | Path, scenario: Scenario | str | Path | None = None) -> CheckReport:
    """Check a plan folder: its rota against the rules, its stated figures against recomputed ones.

    The scenario is `scenario` when given (a loaded Scenario, a folder or a built-in name), else
    the folder's own `scenario/` copy. Reads shifts.csv and assignments.csv (required),
    forecast.csv (optional: without it the coverage figures are skipped), and compares with
    coverage.csv and summary.json when present.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "DIR", "no such folder", "a plan folder holding shifts.csv and assignments.csv")])
    if isinstance(scenario, Scenario):
        sc = scenario
    elif scenario is not None:
        sc = load_scenario(scenario)
    else:
        sdir = folder / "scenario"
        if not (sdir / "scenario.yaml").is_file():
            raise InputError([Problem(f"{folder.name}/scenario", "scenario.yaml", "no such file",
                                      "the copy of the scenario the plan was made from (or name the scenario: scheduler check SCENARIO DIR)")])
        sc = load_scenario(sdir)
    problems: list[Problem] = []
    shifts = _read_csv(folder / "shifts.csv", problems)
    assignments = _read_csv(folder / "assignments.csv", problems)
    forecast = _read_csv(folder / "forecast.csv", problems) if (folder / "forecast.csv").exists() else None
    coverage = _read_csv(folder / "coverage.csv", problems) if (folder / "coverage.csv").exists() else None
    summary = _read_summary(folder / "summary.json", problems) if (folder / "summary.json").exists() else None
    report = None
    if shifts is not None and assignments is not None:
        try:
            report = check_rota(sc, shifts, assignments, forecast)
        except InputError as exc:
            problems += exc.problems
    if problems or report is None:
        raise InputError(problems)
    extra: list[Violation] = []
    if coverage is not None:
        extra += _compare_coverage(_Ctx(sc), report, coverage)
    if summary is not None:
        extra += _compare_summary(report, summary, replan=(folder / "changes.csv").exists())
    if forecast is None:
        report.notes.append("forecast.csv is missing from the plan folder")
    report.violations += extra
    return report


def _read_summary(path: Path, problems: list[Problem]) -> dict | None:
    try:
        text = read_text(path, path.name)
    except InputError as exc:
        problems += exc.problems
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(path.name, "(JSON syntax)", exc.msg, "valid JSON", exc.lineno))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path.name, "(top level)", type(data).__name__, "a JSON object of figures"))
        return None
    return data


def _compare_summary(report: CheckReport, summary: dict, *, replan: bool) -> list[Violation]:
    out = []
    for key in FIGURE_KEYS:
        if key not in summary or report.figures.get(key) is None:
            continue
        if key == "objective" and replan:
            report.notes.append("objective not compared: a replan's objective includes change prices")
            continue
        val = summary[key]
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
            continue  # not a figure (e.g. null when the planner had none)
        mine = float(report.figures[key])  # type: ignore[arg-type]
        if not _close(float(val), mine, money=key in MONEY_KEYS):
            out.append(Violation("figures", None, None, f"summary.json {key}: planner {val:,.2f}, recomputed {mine:,.2f}"))
    return out


_COVERAGE_FIGURES = {"planned_demand": False, "required": True, "scheduled": True, "shortfall": True, "expected_lost_inquiries": False}


def _compare_coverage(ctx: _Ctx, report: CheckReport, df: pd.DataFrame) -> list[Violation]:
    label = "coverage.csv"
    df = _strip_columns(df)
    problems: list[Problem] = []
    if not _need_columns(df, ["slot_start", "queue"], [], label, problems):
        raise InputError(problems)
    rows = _rows(df)
    rel = _parse_times(ctx, df["slot_start"], rows, label, "slot_start", problems)
    cols = [c for c in _COVERAGE_FIGURES if c in df.columns]
    vals = {c: _parse_numbers(df[c].tolist(), rows, label, c, problems) for c in cols}
    k = np.full(len(df), -1, dtype=np.int64)
    q = np.full(len(df), -1, dtype=np.int64)
    seen: dict[tuple[int, int], int] = {}
    for j, (r, qid) in enumerate(zip(rel, df["queue"].tolist(), strict=True)):
        if np.isnan(r):
            continue
        qid = str(qid).strip()
        if qid not in ctx.qidx:
            problems.append(Problem(label, "queue", repr(qid), f"one of {ctx.queue_ids}", int(rows[j])))
            continue
        if r < 0 or r >= ctx.H or r % ctx.step:
            problems.append(Problem(label, "slot_start", repr(df["slot_start"].iloc[j]), "a slot start of the horizon", int(rows[j])))
            continue
        key = (int(r // ctx.step), ctx.qidx[qid])
        if key in seen:
            problems.append(Problem(label, "slot_start", f"{ctx.fmt(r)} again for {qid}", f"one row per slot and queue (first on row {seen[key]})", int(rows[j])))
            continue
        seen[key] = int(rows[j])
        k[j], q[j] = key
    if problems:
        raise InputError(problems)
    out: list[Violation] = []
    cov = report.coverage
    n_missing = ctx.S * ctx.Q - len(seen)
    if n_missing:
        out.append(Violation("figures", None, None, f"coverage.csv lacks {n_missing} of the {ctx.S * ctx.Q} slot-and-queue rows"))
    ok = k >= 0
    pos = k[ok] * ctx.Q + q[ok]
    for c in cols:
        mine_all = cov[c].to_numpy(dtype=float)
        if np.isnan(mine_all).all():
            continue  # not recomputed (no forecast)
        theirs = vals[c][ok]
        mine = mine_all[pos]
        integer = _COVERAGE_FIGURES[c]
        tol = 1e-6 if integer else np.maximum(0.01, 0.001 * np.abs(mine))
        bad = ~np.isnan(theirs) & (np.abs(theirs - mine) > tol)
        if bad.any():
            first = np.flatnonzero(bad)[0]
            kk, qq = int(k[ok][first]), int(q[ok][first])
            more = f" (and {int(bad.sum()) - 1} more rows differ)" if bad.sum() > 1 else ""
            out.append(Violation("figures", None, ctx.slot_ts(kk),
                                 f"coverage.csv {c} for {ctx.queue_ids[qq]} at {ctx.fmt_slots(kk, kk + 1)}: planner {theirs[first]:g}, "
                                 f"recomputed {mine[first]:g}{more}"))
    return out
