"""The plan pipeline: forecast -> staffing -> priced demand -> rota -> figures recomputed from the rota."""

from __future__ import annotations

import math
import platform
from collections.abc import Callable

import numpy as np
import ortools
import pandas as pd
import pydantic

from scheduler.demand import forecast as make_forecast
from scheduler.demand import sizing as make_sizing
from scheduler.results import Plan, RotaResult
from scheduler.rota import Demand, solve_rota
from scheduler.rota.roster_rules import rules_from_scenario
from scheduler.rota.solve import Progress
from scheduler.scenario import Scenario
from scheduler.staffing_model import lost_inquiries_curve, queue_metrics
from scheduler.staffing_model import staffing as make_staffing
from scheduler.version import __version__

__all__ = ["Plan", "coverage_table", "plan", "priced_demand", "summarise", "versions"]


def priced_demand(scenario: Scenario, staffing_table: pd.DataFrame) -> Demand:
    """Per slot and queue: the money value (fen) of inquiries lost with n agents on the queue."""
    value = scenario.config.economics.inquiry_value
    cap = {q.id: sum(q.id in a.skills for a in scenario.agents) for q in scenario.config.queues}
    slot_index = {t: k for k, t in enumerate(scenario.slots)}
    loss: dict[tuple[int, str], np.ndarray] = {}
    for row in staffing_table.itertuples(index=False):
        if row.arrivals <= 0:
            continue
        q = scenario.queue(row.queue)
        # beyond a generous margin over the requirement the loss is nil; keep the curve short
        n_max = min(cap[row.queue], max(int(row.required) * 2 + 5, 8))
        curve = lost_inquiries_curve(q, float(row.arrivals), scenario.slot_minutes, n_max)
        loss[(slot_index[row.slot_start], row.queue)] = np.round(curve * value * 100).astype(np.int64)
    return Demand(loss_fen=loss)


def coverage_table(scenario: Scenario, forecast: pd.DataFrame, staffing_table: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """coverage.csv: per slot and queue, demand, requirement, agents scheduled, and what they achieve."""
    work = assignments[assignments.activity != "break"]
    scheduled = work.groupby(["slot_start", "activity"]).size()
    qcol = scenario.config.solver.staffing_quantile
    fc = forecast.set_index(["slot_start", "queue"])
    value = scenario.config.economics.inquiry_value
    rows = []
    for r in staffing_table.itertuples(index=False):
        q = scenario.queue(r.queue)
        n = int(scheduled.get((r.slot_start, r.queue), 0))
        productive = int(math.floor(n * (1 - q.shrinkage) + 1e-9))
        arrivals = float(r.arrivals)
        if arrivals > 0:
            met = queue_metrics(q, arrivals, scenario.slot_minutes * 60, productive) if productive > 0 else None
            lost = float(lost_inquiries_curve(q, arrivals, scenario.slot_minutes, n)[n])
        else:
            met, lost = None, 0.0
        rows.append({
            "slot_start": r.slot_start,
            "queue": r.queue,
            "forecast": float(fc.loc[(r.slot_start, r.queue), "p50"]),
            "planned_demand": float(fc.loc[(r.slot_start, r.queue), qcol]),
            "required": int(r.required),
            "scheduled": n,
            "shortfall": max(0, int(r.required) - n),
            "service_level": (met.service_level if met else (1.0 if arrivals <= 0 else 0.0)),
            "asa_seconds": (met.asa_seconds if met else (0.0 if arrivals <= 0 else float("inf"))),
            "abandon_rate": (met.abandon_rate if met else (0.0 if arrivals <= 0 else 1.0)),
            "occupancy": (met.occupancy if met else 0.0),
            "expected_lost_inquiries": lost,
            "lost_value_yuan": lost * value,
        })
    return pd.DataFrame(rows)


def versions() -> dict[str, str]:
    return {
        "scheduler": __version__,
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "pydantic": pydantic.__version__,
    }


def plan(
    scenario: Scenario,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    on_progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Plan:
    """Plan a scenario end to end: forecast, staffing, the least-cost rota, and its figures.

    >>> import scheduler
    >>> p = scheduler.plan(scheduler.load_scenario("small_shop"), time_limit=5)
    >>> p.summary["status"] in ("OPTIMAL", "FEASIBLE")
    True
    """
    fc = make_forecast(scenario)
    st = make_staffing(scenario, fc)
    demand = priced_demand(scenario, st)
    roster = rules_from_scenario(scenario)
    rota = solve_rota(scenario, demand, time_limit=time_limit, seed=seed, workers=workers,
                      on_progress=on_progress, should_stop=should_stop, roster=roster)
    cov = coverage_table(scenario, fc, st, rota.assignments)
    sizing = make_sizing(scenario)
    summary = summarise(scenario, rota, cov, sizing, seed, time_limit)
    return Plan(scenario=scenario, forecast=fc, staffing=st, rota=rota, coverage=cov, summary=summary, sizing=sizing)


def queue_switches(shifts: pd.DataFrame, assignments: pd.DataFrame, slot_minutes: int) -> int:
    """Switches of queue between two working slots in a row of one shift (each priced at
    `queue_change_yuan`): consecutive slots of one agent, neither a break nor a shift's first."""
    if not len(assignments):
        return 0
    a = assignments.sort_values(["agent_id", "slot_start"], kind="stable")
    prev = a.shift()
    first = set(zip(shifts.agent_id, pd.to_datetime(shifts.start), strict=True))
    starts = pd.Series([(x, t) in first for x, t in zip(a.agent_id, a.slot_start, strict=True)], index=a.index)
    switch = (a.agent_id.eq(prev.agent_id) & (a.slot_start - prev.slot_start).eq(pd.Timedelta(minutes=slot_minutes))
              & a.activity.ne("break") & prev.activity.ne("break") & a.activity.ne(prev.activity) & ~starts)
    return int(switch.sum())


def summarise(scenario: Scenario, rota: RotaResult, cov: pd.DataFrame, sizing: dict, seed: int | None, time_limit: float | None) -> dict:
    """summary.json: the run's status, cost split and bound, with figures recomputed from the rota."""
    slot_h = scenario.slot_minutes / 60
    wage = float(rota.shifts.wage_yuan.sum()) if len(rota.shifts) else 0.0
    lost_value = float(cov.lost_value_yuan.sum())
    return {
        "scenario": scenario.config.name,
        "status": rota.status,
        "objective": rota.objective,
        "lower_bound": rota.lower_bound,
        "gap": round(rota.gap, 6),
        "solve_seconds": rota.solve_seconds,
        "time_limit_seconds": time_limit if time_limit is not None else scenario.config.solver.time_limit_seconds,
        "interrupted": rota.interrupted,
        "wage_cost": round(wage, 2),
        "shortfall_agent_hours": round(float(cov.shortfall.sum()) * slot_h, 2),
        "expected_lost_inquiries": round(float(cov.expected_lost_inquiries.sum()), 2),
        "lost_inquiry_value": round(lost_value, 2),
        "value_per_inquiry": round(scenario.config.economics.inquiry_value, 4),
        "other_costs": round(rota.objective - wage - lost_value, 2),
        "queue_change_cost": round(queue_switches(rota.shifts, rota.assignments, scenario.slot_minutes)
                                   * scenario.config.queue_change_yuan, 2)
        if scenario.config.queue_changes_in_shift else 0.0,
        "agents_scheduled": int(rota.shifts.agent_id.nunique()) if len(rota.shifts) else 0,
        "shifts": len(rota.shifts),
        "paid_hours": round(float(rota.shifts.paid_hours.sum()), 2) if len(rota.shifts) else 0.0,
        "sizing": sizing,
        "input_sha256": scenario.input_sha256,
        "seed": seed if seed is not None else scenario.config.solver.seed,
        "versions": versions(),
        "model": rota.stats,
    }
