"""Checking a rota in memory: read its tables, build its arrays once, run every rule, recompute
the figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.checker.arrays import Rota, rota_arrays
from scheduler.checker.context import Context
from scheduler.checker.figures import figures, stated_shift_figures
from scheduler.checker.hard_rules import RULE_CHECKS
from scheduler.checker.report import CheckReport, Findings
from scheduler.checker.tables import parse_assignments, parse_forecast, parse_shifts
from scheduler.errors import InputError, Problem
from scheduler.scenario import Scenario


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
    ctx = Context(scenario)
    problems: list[Problem] = []
    sh = parse_shifts(ctx, shifts, names["shifts"], problems)
    asg = parse_assignments(ctx, assignments, names["assignments"], problems)
    fc = parse_forecast(ctx, forecast, names["forecast"], problems) if forecast is not None else None
    if problems:
        raise InputError(problems)
    assert sh is not None and asg is not None
    rota = rota_arrays(ctx, sh, asg, fc)
    found = Findings(ctx)
    for rule in RULE_CHECKS.values():
        rule(rota, found)
    notes: list[str] = []
    figs, cov = figures(rota, notes)
    stated_shift_figures(rota, found)
    return CheckReport(found.in_order(), figs, cov, notes, shift_table(rota))


def shift_table(r: Rota) -> pd.DataFrame:
    """Per shift as recomputed: agent_id, start, end, span, break, paid and overtime hours, wage, call-in fee."""
    ctx, sh = r.ctx, r.sh
    return pd.DataFrame({
        "agent_id": np.array([a.agent_id for a in ctx.agents], dtype=object)[sh.agent] if len(sh) else [],
        "start": ctx.ts_many(sh.rel0),
        "end": ctx.ts_many(sh.rel1),
        "span_hours": r.span,
        "break_hours": r.break_h,
        "paid_hours": r.paid,
        "overtime_hours": r.ot,
        "wage_yuan": r.wage_shift,
        "call_in_fee_yuan": r.call_in,
    })
