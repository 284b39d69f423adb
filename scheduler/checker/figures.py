"""The figures of docs/RULES.md recomputed from the rota (wages, fairness, preferences, coverage,
lost inquiries, objective), and the planner's own figures compared with them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scheduler import staffing_model as st  # the staffing stage (not the rota model); read at call time
from scheduler.checker.arrays import Rota
from scheduler.checker.context import Context
from scheduler.checker.report import FIGURE_KEYS, HOURS_TOL, MONEY_KEYS, CheckReport, Findings, Violation, close
from scheduler.checker.tables import need_columns, parse_numbers, parse_times, row_numbers, strip_columns
from scheduler.errors import InputError, Problem


def figures(r: Rota, notes: list[str]) -> tuple[dict[str, float | None], pd.DataFrame]:
    """The figures of RULES.md recomputed from the rota, and its coverage table."""
    ctx, sh = r.ctx, r.sh
    cfg = ctx.sc.config
    wage_cost = float(r.wage_shift.sum())
    # fairness
    night_h = (r.work & ctx.night[None, :]).sum(axis=1) * ctx.slot_h
    fairness = 0.0
    f = cfg.fairness
    for cid in cfg.contracts:
        members = np.array([c == cid for c in ctx.contract], dtype=bool) & ~ctx.standby & ~r.unhired
        if members.any():
            fairness += (np.ptp(r.paid_agent[members]) * f.hours_spread_yuan_per_hour
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
            pref += price * float((overlap_h * r.work[i]).sum())
        else:
            pref += price * float((overlap_h * ~r.work[i]).sum())
    # queue changes: two working slots in a row of one shift on different queues
    switches = 0
    if cfg.queue_changes_in_shift:
        starts = np.zeros_like(r.work)
        starts[sh.agent[r.valid], np.minimum(r.s[r.valid], ctx.S - 1)] = True
        a, b = r.act[:, :-1], r.act[:, 1:]
        switches = int(((a >= 0) & (b >= 0) & (a != b) & ~starts[:, 1:]).sum())
    queue_changes = switches * cfg.queue_change_yuan
    hire_cost = r.hire_cost
    figs: dict[str, float | None] = {
        "wage_cost": wage_cost,
        "call_in_cost": float(r.call_in.sum()),
        "fairness_cost": float(fairness),
        "preference_cost": float(pref),
        "queue_change_cost": float(queue_changes),
        "hire_cost": hire_cost,
        "paid_hours": float(r.paid[r.valid].sum()),
        "overtime_hours": float(r.ot[r.valid].sum()),
        "shifts": float(len(sh)),
    }
    cov = coverage(r)
    if r.fc is None:
        notes.append("no forecast: planned demand, required agents, shortfall, lost inquiries and the objective were not recomputed")
        figs.update(lost_inquiry_value=None, expected_lost_inquiries=None, shortfall_agent_hours=None, objective=None)
    else:
        lost = float(cov["expected_lost_inquiries"].sum())
        value = lost * cfg.economics.inquiry_value
        figs.update(
            lost_inquiry_value=value,
            expected_lost_inquiries=lost,
            shortfall_agent_hours=float(cov["shortfall"].sum() * ctx.slot_h),
            objective=wage_cost + value + fairness + pref + queue_changes + hire_cost,
        )
    return {k: figs[k] for k in (*FIGURE_KEYS, "paid_hours", "overtime_hours", "shifts")}, cov


def coverage(r: Rota) -> pd.DataFrame:
    """Per slot and queue: planned demand, required and scheduled agents, shortfall, lost inquiries."""
    ctx = r.ctx
    S, Q = ctx.S, ctx.Q
    sched = np.stack([(r.act == q).sum(axis=0) for q in range(Q)], axis=1) if Q else np.zeros((S, 0), dtype=np.int64)
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
    if r.fc is None:
        return cov
    demand = r.fc.demand
    req_df = st.staffing(ctx.sc, r.fc.frame)
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


def stated_shift_figures(r: Rota, out: Findings) -> None:
    """overtime_hours and wage_yuan as stated in shifts.csv, when stated."""
    sh = r.sh
    bad = r.valid & ~np.isnan(sh.ot_stated) & (np.abs(np.nan_to_num(sh.ot_stated) - r.ot) > HOURS_TOL)
    for j in np.flatnonzero(bad):
        out.add("figures", sh.agent[j], sh.rel0[j],
                 f"{r.shift_name(j)}: overtime_hours planner {sh.ot_stated[j]:g}, recomputed {r.ot[j]:g}")
    stated = r.valid & ~np.isnan(sh.wage_stated)
    for j in np.flatnonzero(stated):
        if not close(sh.wage_stated[j], r.wage_shift[j], money=True):
            out.add("figures", sh.agent[j], sh.rel0[j],
                     f"{r.shift_name(j)}: wage_yuan planner {sh.wage_stated[j]:.2f}, recomputed {r.wage_shift[j]:.2f}")


def compare_summary(report: CheckReport, summary: dict, *, replan: bool) -> list[Violation]:
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
        if not close(float(val), mine, money=key in MONEY_KEYS):
            out.append(Violation("figures", None, None, f"summary.json {key}: planner {val:,.2f}, recomputed {mine:,.2f}"))
    return out


_COVERAGE_FIGURES = {"planned_demand": False, "required": True, "scheduled": True, "shortfall": True, "expected_lost_inquiries": False}


def compare_coverage(ctx: Context, report: CheckReport, df: pd.DataFrame) -> list[Violation]:
    label = "coverage.csv"
    df = strip_columns(df)
    problems: list[Problem] = []
    if not need_columns(df, ["slot_start", "queue"], [], label, problems):
        raise InputError(problems)
    rows = row_numbers(df)
    rel = parse_times(ctx, df["slot_start"], rows, label, "slot_start", problems)
    cols = [c for c in _COVERAGE_FIGURES if c in df.columns]
    vals = {c: parse_numbers(df[c].tolist(), rows, label, c, problems) for c in cols}
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
