"""A Plan built from a hand forecast, for the people's-file tests (no demand stage needed)."""

from __future__ import annotations

import pandas as pd

from scheduler.pipeline import Plan, coverage_table, priced_demand, summarise
from scheduler.rota import RotaResult, solve_rota
from scheduler.rota.hiring import hired_ids
from scheduler.scenario import Scenario, hired_team
from scheduler.staffing_model import staffing

# inquiries per hour of day (small_shop's test load from test_rota)
SMALL_LOAD = [20, 10, 5, 2, 2, 2, 5, 20, 60, 90, 110, 120, 110, 110, 120, 120, 110, 100, 100, 120, 150, 160, 140, 80]


def flat_forecast(sc: Scenario, per_hour: dict[str, list[float]], spread: float = 1.0) -> pd.DataFrame:
    """A forecast given by hand: inquiries per hour of day per queue; p80/p90 widen by `spread`."""
    rows = []
    for t in sc.slots:
        for q in sc.config.queues:
            v = per_hour[q.id][t.hour] * sc.slot_minutes / 60
            rows.append({"slot_start": t, "queue": q.id, "p50": v, "p80": v * (1 + (spread - 1) / 2), "p90": v * spread})
    return pd.DataFrame(rows)


def plan_from_forecast(sc: Scenario, fc: pd.DataFrame, time_limit: float) -> Plan:
    """pipeline.plan() without the demand stage: staffing -> priced demand -> rota -> figures."""
    st = staffing(sc, fc)
    rota = solve_rota(sc, priced_demand(sc, st), time_limit=time_limit)
    cov = coverage_table(sc, fc, st, rota.assignments)
    hired = hired_ids(rota.shifts, sc)  # as pipeline.plan: the team as planned (double11 offers hires)
    team = hired_team(sc, hired)
    return Plan(scenario=team, forecast=fc, staffing=st, rota=rota, coverage=cov,
                summary=summarise(sc, rota, cov, {}, None, time_limit), sizing={},
                hires=[a for a in team.agents if a.agent_id in hired])


def plan_from_rota(sc: Scenario, fc: pd.DataFrame, shifts: pd.DataFrame, assignments: pd.DataFrame) -> Plan:
    """A Plan around a hand-built rota (rota_fixtures.make_rota), figures recomputed from it."""
    st = staffing(sc, fc)
    rota = RotaResult(status="FEASIBLE", objective=0.0, lower_bound=0.0, gap=0.0, solve_seconds=0.0,
                      shifts=shifts, assignments=assignments)
    cov = coverage_table(sc, fc, st, assignments)
    return Plan(scenario=sc, forecast=fc, staffing=st, rota=rota, coverage=cov,
                summary=summarise(sc, rota, cov, {}, None, 0.0), sizing={})
