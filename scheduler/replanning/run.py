"""Replan a published plan folder end to end."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.pipeline import coverage_table, priced_demand, summarise
from scheduler.replanning.absent import ABSENT_REASON, absent_time_off, outside_staff, unchanged_rota, worked_record
from scheduler.replanning.changes import changes_table
from scheduler.replanning.load import load_actuals, load_published, read_plan_csv
from scheduler.replanning.prices import Freeze
from scheduler.replanning.reforecast import imbalance_table, reforecast
from scheduler.replanning.solve import solve_replan
from scheduler.results import Plan
from scheduler.scenario import load_scenario, parse_timestamp
from scheduler.staffing_model import staffing


def replan(
    folder: Path | str,
    actuals: Path | str | pd.DataFrame,
    now: datetime | str,
    absent: list[str] | None = None,
    notice_hours: float | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    should_stop=None,
) -> Plan:
    """Re-solve a published plan folder from the actuals before `now`; returns the new Plan.

    `time_limit` (default 5 s) bounds the solver's time over all phases; loading, the
    reforecast and building the model come on top.

    >>> # p = replan("plan", "actuals.csv", "2026-11-11T12:00:00+08:00", absent=["F012"])
    """

    folder = Path(folder)
    if not (folder / "scenario" / "scenario.yaml").exists():
        raise InputError([Problem(str(folder), "DIR", "no scenario/ copy in the folder", "a plan folder written by `scheduler plan`")])
    sc = load_scenario(folder / "scenario")
    if isinstance(now, str):
        try:
            now = parse_timestamp(now)
        except ValueError as exc:
            raise InputError([Problem("command line", "--now", repr(now), str(exc))]) from None
    if not sc.config.horizon.start < now < sc.config.horizon.end:
        raise InputError([Problem("command line", "--now", now.isoformat(), "a time inside the plan's horizon, after its start")])
    absent_set = set(absent or [])
    unknown = sorted(a for a in absent_set if a not in sc.agents_by_id)
    if unknown:
        raise InputError([Problem("command line", "--absent", ", ".join(unknown), "agent ids from agents.csv")])
    # agents marked absent by an earlier replan of this rota stay out
    absent_set |= {off.agent_id for off in sc.time_off if off.reason == ABSENT_REASON and off.start <= now}
    act = actuals if isinstance(actuals, pd.DataFrame) else load_actuals(Path(actuals), sc, now)
    old_fc = read_plan_csv(folder / "forecast.csv", sc, ["slot_start", "queue", "p50", "p80", "p90"], ["slot_start"])
    pub = load_published(folder, sc)
    new_fc, ratios = reforecast(sc, old_fc, act, now)
    st = staffing(sc, new_fc)

    slot = sc.slot_minutes
    now_slot = math.ceil((now - sc.config.horizon.start).total_seconds() / 60 / slot - 1e-9)
    notice = sc.config.replan.notice_hours if notice_hours is None else notice_hours
    frozen_until = min(sc.n_slots, now_slot + math.ceil(notice * 60 / slot - 1e-9))
    fz = Freeze(now_slot=now_slot, frozen_until=frozen_until, absent=absent_set)
    worked = worked_record(sc, pub, absent_set, now_slot)
    unchanged = unchanged_rota(pub, absent_set, worked)
    imbalance = imbalance_table(sc, old_fc, new_fc, st, unchanged[1], now)

    # absent agents are off from now on; their worked past is kept outside the model
    sc_run = sc.with_time_off(absent_time_off(sc, absent_set, now))
    outside = outside_staff(sc, worked[1])
    demand = priced_demand(sc_run, st)
    for key, n in outside.items():  # the lost inquiries of slots they worked count their work
        curve = demand.loss_fen.get(key)
        if curve is not None and n:
            demand.loss_fen[key] = np.concatenate([curve[n:], np.full(min(n, len(curve)), curve[-1])])[: len(curve)]
    worked_wage = int(round(float(worked[0].wage_yuan.sum()) * 100)) if len(worked[0]) else 0
    cfg = sc.config.solver
    rota, info = solve_replan(
        sc_run, demand, pub, fz, outside, worked_wage,
        time_limit=time_limit if time_limit is not None else 5.0,
        seed=cfg.seed if seed is None else seed, workers=cfg.workers, should_stop=should_stop,
    )
    if absent_set:
        shifts = pd.concat([rota.shifts, worked[0]], ignore_index=True).sort_values(["start", "agent_id"], kind="stable")
        for c in ("start", "end"):  # one time type per column, whichever table a row came from
            shifts[c] = pd.to_datetime(shifts[c], utc=True).dt.tz_convert(sc.tz)
        for c in ("break_start", "break_end"):  # no break: an empty cell, as the plan writes it
            shifts[c] = shifts[c].astype(object).where(shifts[c].notna(), None)
        rota.shifts = shifts.reset_index(drop=True)
        asg = pd.concat([rota.assignments, worked[1]], ignore_index=True)
        asg["slot_start"] = pd.to_datetime(asg.slot_start, utc=True).dt.tz_convert(sc.tz)
        rota.assignments = asg
    changes = changes_table(sc, pub, rota.shifts, rota.assignments, absent_set, now, info.change_price)
    cov = coverage_table(sc_run, new_fc, st, rota.assignments)
    cov_unchanged = coverage_table(sc_run, new_fc, st, unchanged[1])
    summary = summarise(sc_run, rota, cov, {}, seed, time_limit if time_limit is not None else 5.0)

    def money(shifts: pd.DataFrame, c: pd.DataFrame) -> dict:
        wage, lost = float(shifts.wage_yuan.sum()), float(c.lost_value_yuan.sum())
        return {"wage_cost": round(wage, 2), "lost_inquiry_value": round(lost, 2), "total": round(wage + lost, 2)}

    summary["replan"] = {
        "now": pd.Timestamp(now).isoformat(), "notice_hours": notice,
        "frozen_until": pd.Timestamp(sc.slots[frozen_until - 1] + pd.Timedelta(minutes=slot)).isoformat() if frozen_until else pd.Timestamp(now).isoformat(),
        "absent": sorted(absent_set), "ratios": ratios,
        "changed_agents": int((changes.change != "absent").sum()) if len(changes) else 0,
        "change_price_yuan": round(sum(info.change_price.values()), 2),
        "if_unchanged": money(unchanged[0], cov_unchanged),
        "after": money(rota.shifts, cov),
        "solver_seconds": info.solver_seconds,
        "phases": info.phases,
        "published_objective_under_new_forecast": info.start_objective,
    }
    return Plan(scenario=sc_run, forecast=new_fc, staffing=st, rota=rota, coverage=cov, summary=summary, sizing={}, changes=changes,
                imbalance=imbalance)
