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
from scheduler.errors import InfeasibleError
from scheduler.results import Plan, RotaResult
from scheduler.rota import Demand, solve_rota
from scheduler.rota.hiring import hired_ids
from scheduler.rota.roster_rules import rules_from_scenario
from scheduler.rota.solve import Progress, solve_from_rota
from scheduler.scenario import Scenario, hired_team, with_pool_count
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
    if not scenario.config.hiring.pools:
        return Plan(scenario=scenario, forecast=fc, staffing=st, rota=rota, coverage=cov, summary=summary, sizing=sizing)
    hired = hired_ids(rota.shifts, scenario)
    limit = scenario.config.hiring.marginal_time_limit_seconds
    if limit is None:
        limit = max(1.0, 0.1 * (time_limit if time_limit is not None else scenario.config.solver.time_limit_seconds))
    table = hiring_table(scenario, demand, rota, hired, limit, seed, workers, should_stop, roster)
    summary["hires"] = {str(r.pool): int(r.hired) for r in table.itertuples()}
    team = hired_team(scenario, hired)
    return Plan(scenario=team, forecast=fc, staffing=st, rota=rota, coverage=cov, summary=summary, sizing=sizing,
                hiring=table, hires=[a for a in team.agents if a.agent_id in hired])


def _basis(*solves: RotaResult) -> str:
    """Whether figures from these solves are proven (each solved to optimality) or estimates."""
    if all(r.status == "OPTIMAL" for r in solves):
        return "proven (solved to optimality)"
    gaps = ", ".join(f"{r.gap:.2%}" for r in solves)
    return f"estimate (time-limited; gap {gaps}: the true value lies in the range beside it)"


def hiring_table(scenario: Scenario, demand: Demand, rota: RotaResult, hired: set[str], limit: float, seed: int | None,
                 workers: int | None, should_stop: Callable[[], bool] | None, roster) -> pd.DataFrame:
    """hiring.csv: per pool the hires, their cost, and what one more and one fewer hire would
    change, each measured by re-solving for `limit` seconds with the pool's hire count fixed.

    value_of_one_more = plan cost - cost with one more hire (> 0: one more would pay);
    value_of_one_fewer = cost with one fewer - plan cost (> 0: the last hire pays for itself).
    Each cost is known within its solve's gap, so each value comes with its proven range
    [min, max] from the solves' bounds: where every solve was proven optimal the range is one point.
    """
    cfg = scenario.config.hiring
    rows = []
    for pid, pool in cfg.pools.items():
        n = sum(1 for a in scenario.candidates if a.pool == pid and a.agent_id in hired)
        row: dict = {"pool": pid, "contract": pool.contract, "availability": _windows_text(pool.availability),
                     "skills": ";".join(pool.skills), "min": pool.min, "max": pool.max, "hired": n,
                     "cost_per_hire_yuan": pool.cost_yuan, "cost_yuan": round(n * pool.cost_yuan, 2),
                     "decision": _basis(rota)}
        for label, count, sign in (("one_more", n + 1, 1), ("one_fewer", n - 1, -1)):
            other = _fixed_count_solve(scenario, demand, rota, pid, count, limit, seed, workers, should_stop, roster)
            if isinstance(other, str):
                row.update({f"{label}_cost_yuan": None, f"value_of_{label}_yuan": None,
                            f"value_of_{label}_min_yuan": None, f"value_of_{label}_max_yuan": None, f"{label}_basis": other})
                continue
            # one more: plan - other; one fewer: other - plan; each true cost lies in [bound, objective]
            value = sign * (rota.objective - other.objective)
            lo = sign * (rota.lower_bound - other.objective) if sign > 0 else other.lower_bound - rota.objective
            hi = sign * (rota.objective - other.lower_bound) if sign > 0 else other.objective - rota.lower_bound
            row.update({f"{label}_cost_yuan": other.objective, f"value_of_{label}_yuan": round(value, 2),
                        f"value_of_{label}_min_yuan": round(lo, 2), f"value_of_{label}_max_yuan": round(hi, 2),
                        f"{label}_basis": _basis(rota, other)})
        rows.append(row)
    return pd.DataFrame(rows)


def _windows_text(windows: tuple[tuple[int, int], ...]) -> str:
    return ";".join(f"{lo // 60:02d}:{lo % 60:02d}-{(hi % 1440 if hi > 1440 else hi) // 60:02d}:{hi % 60:02d}" for lo, hi in windows)


def warm_start(scenario: Scenario, rota: RotaResult) -> dict[str, tuple[set, dict[int, str]]]:
    """The plan's rota as a hint for a re-solve of the same scenario with one hire more or fewer:
    every agent's shifts as planned, except the one more hire's (left to the solver) and the one
    fewer's (none), so the re-solve starts from the plan changed by one agent."""
    slot = pd.Timedelta(minutes=scenario.slot_minutes)
    h0 = pd.Timestamp(scenario.config.horizon.start)
    k = lambda t: None if t is None or pd.isna(t) else int((pd.Timestamp(t) - h0) / slot)  # noqa: E731
    asg = rota.assignments
    work = asg[asg.activity != "break"]
    queue_of = {(a, k(t)): q for a, t, q in zip(work.agent_id, work.slot_start, work.activity, strict=True)}
    hint: dict[str, tuple[set, dict[int, str]]] = {}
    flexible = scenario.config.queue_changes_in_shift
    for r in rota.shifts.itertuples(index=False):
        a = scenario.agents_by_id.get(r.agent_id)
        if a is None:
            continue
        s, e = k(r.start), k(r.end)
        q = None if flexible or len(a.skills) == 1 else next((queue_of[(a.agent_id, t)] for t in range(s, e) if (a.agent_id, t) in queue_of), None)
        keys, slots = hint.setdefault(a.agent_id, (set(), {}))
        keys.add((s, e, k(r.break_start), q))
        slots.update({t: queue_of[(a.agent_id, t)] for t in range(s, e) if (a.agent_id, t) in queue_of})
    for a in scenario.agents:
        if a.agent_id not in hint and not (a.must_hire and a.candidate):
            hint[a.agent_id] = (set(), {})  # off in the plan, off in the hint
    return hint


def _fixed_count_solve(scenario: Scenario, demand: Demand, rota: RotaResult, pid: str, count: int, limit: float,
                       seed: int | None, workers: int | None, should_stop: Callable[[], bool] | None, roster) -> RotaResult | str:
    """The least-cost rota with exactly `count` hires from pool `pid`, or why there is none."""
    pool = scenario.config.hiring.pools[pid]
    if count < 0:
        return "n/a: nobody hired from this pool"
    if count > pool.max:
        return f"n/a: all {pool.max} of the pool hired (raise max to try more)"
    if count < pool.min:
        return f"n/a: at least {pool.min} must be hired (min)"
    if limit <= 0:
        return "not measured (hiring.marginal_time_limit_seconds is 0)"
    if should_stop and should_stop():
        return "not measured (interrupted)"
    fixed = with_pool_count(scenario, pid, count)
    try:  # the plan's bound holds for every hire count, so for this one too
        return solve_from_rota(fixed, demand, warm_start(fixed, rota), limit, rota.lower_bound, seed, workers,
                               should_stop, roster)
    except InfeasibleError:
        return f"no rota with exactly {count} hired (the rules clash or none found in {limit:g} s)"


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


def hire_cost_of(scenario: Scenario, shifts: pd.DataFrame) -> float:
    """One-off hire cost of every agent with a hire cost who works at least one shift (RULES.md)."""
    working = set(shifts.agent_id) if len(shifts) else set()
    return float(sum(a.hire_cost_yuan for a in scenario.agents if a.hire_cost_yuan and a.agent_id in working))


def summarise(scenario: Scenario, rota: RotaResult, cov: pd.DataFrame, sizing: dict, seed: int | None, time_limit: float | None) -> dict:
    """summary.json: the run's status, cost split and bound, with figures recomputed from the rota."""
    slot_h = scenario.slot_minutes / 60
    wage = float(rota.shifts.wage_yuan.sum()) if len(rota.shifts) else 0.0
    lost_value = float(cov.lost_value_yuan.sum())
    hire = hire_cost_of(scenario, rota.shifts)
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
        "hire_cost": round(hire, 2),
        "other_costs": round(rota.objective - wage - lost_value - hire, 2),
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
