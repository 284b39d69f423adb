"""The rota as arrays, built once before any rule runs: every rule and every figure reads them,
none writes them, so they may run in any order.

Everything that scales with agents x slots is an agents x slots matrix (the activity of each
agent in each slot); per-shift figures are arrays over the rows of shifts.csv.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler.checker.context import Context
from scheduler.checker.tables import BREAK, IDLE, Assignments, Forecast, Shifts
from scheduler.scenario import Contract
from scheduler.scenario.views import shift_wage_yuan


@dataclass(frozen=True)
class Rota:
    """A rota read for checking: the scenario's context, the tables, and the arrays below."""

    ctx: Context
    sh: Shifts
    asg: Assignments
    fc: Forecast | None
    # agents x slots
    act: np.ndarray
    """Activity code per agent and slot: a queue index, BREAK or IDLE."""
    work: np.ndarray
    """On a queue (not on break, not idle)."""
    brk: np.ndarray
    cover: np.ndarray
    """How many of the agent's shifts (shifts.csv) cover the slot."""
    outside_rows: np.ndarray
    """Rows of assignments.csv whose slot lies outside the horizon."""
    # per shift
    valid: np.ndarray
    """The shift ends after it starts."""
    s: np.ndarray
    e: np.ndarray
    """Slots [s, e) whose start lies in [start, end), clipped to the horizon."""
    contracts: list[Contract]
    span: np.ndarray
    break_h: np.ndarray
    paid: np.ndarray
    ot: np.ndarray
    regular: np.ndarray
    start_local: pd.DatetimeIndex
    day: np.ndarray
    """Local day index (0 = the horizon's first day) the shift starts on."""
    wage_shift: np.ndarray
    """Wage in yuan, call-in fee included (0 for an invalid shift)."""
    call_in: np.ndarray
    # per agent
    paid_agent: np.ndarray
    """Paid hours over the horizon."""

    @property
    def unhired(self) -> np.ndarray:
        """Per agent: a candidate hire with no shift in the rota, so not hired (RULES.md: it has
        no duty, and no hours of the team to compare)."""
        has_shift = np.bincount(self.sh.agent.astype(np.int64), minlength=self.ctx.A)[: self.ctx.A] > 0
        return self.ctx.candidate & ~has_shift

    @property
    def hire_cost(self) -> float:
        """One-off cost of every agent with a hire cost who works at least one shift."""
        has_shift = np.bincount(self.sh.agent.astype(np.int64), minlength=self.ctx.A)[: self.ctx.A] > 0
        return float(self.ctx.hire_cost[has_shift].sum())

    def aid(self, i: int) -> str:
        return self.ctx.agents[i].agent_id

    def shift_name(self, j: int) -> str:
        return f"{self.aid(self.sh.agent[j])}'s shift {self.ctx.fmt_span(self.sh.rel0[j], self.sh.rel1[j])}"


def rota_arrays(ctx: Context, sh: Shifts, asg: Assignments, fc: Forecast | None) -> Rota:
    A, S = ctx.A, ctx.S
    # activities: agents x slots; rows outside the horizon are kept apart
    k = np.round(asg.rel / ctx.step).astype(np.int64) if len(asg.rel) else np.zeros(0, dtype=np.int64)
    inside = (k >= 0) & (k < S)
    act = np.full((A, S), IDLE, dtype=np.int16)
    act[asg.agent[inside], k[inside]] = asg.code[inside]
    brk = act == BREAK
    # shifts as slot ranges [s, e) of slots whose start lies in [start, end), clipped to the horizon
    valid = sh.rel1 > sh.rel0
    s = np.clip(np.ceil(sh.rel0 / ctx.step), 0, S).astype(np.int64)
    e = np.clip(np.ceil(sh.rel1 / ctx.step), 0, S).astype(np.int64)
    e = np.where(valid, np.maximum(e, s), s)
    diff = np.zeros((A, S + 1), dtype=np.int32)
    np.add.at(diff, (sh.agent, s), 1)
    np.add.at(diff, (sh.agent, e), -1)
    cb = np.zeros((A, S + 1), dtype=np.int32)
    np.cumsum(brk, axis=1, out=cb[:, 1:])
    span = np.where(valid, (sh.rel1 - sh.rel0) / 3600.0, 0.0)
    break_h = (cb[sh.agent, e] - cb[sh.agent, s]) * ctx.slot_h
    paid = span - break_h
    contracts = [ctx.sc.config.contracts[ctx.contract[i]] for i in sh.agent]
    reg = np.array([c.regular_hours_per_day for c in contracts], dtype=float)
    ot = np.maximum(0.0, paid - reg)
    local = ctx.ts_many(sh.rel0)
    wage, call_in = _wages(ctx, sh, contracts, paid, ot, local, valid)
    return Rota(
        ctx=ctx, sh=sh, asg=asg, fc=fc,
        act=act, work=act >= 0, brk=brk, cover=np.cumsum(diff[:, :S], axis=1), outside_rows=np.flatnonzero(~inside),
        valid=valid, s=s, e=e, contracts=contracts, span=span, break_h=break_h, paid=paid, ot=ot, regular=paid - ot,
        start_local=local, day=np.array([(d - ctx.day0).days for d in local.date], dtype=np.int64),
        wage_shift=wage, call_in=call_in,
        paid_agent=np.bincount(sh.agent[valid], weights=paid[valid], minlength=A),
    )


def _wages(ctx: Context, sh: Shifts, contracts: list[Contract], paid: np.ndarray, ot: np.ndarray,
           local: pd.DatetimeIndex, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per shift: wage with call-in fee, and the fee alone (RULES.md's wage, the scenario's formula)."""
    if not len(sh):
        return np.zeros(0), np.zeros(0)
    terms = tuple(np.array([getattr(c, f) for c in contracts], dtype=float)
                  for f in ("overtime_multiplier", "holiday_multiplier", "call_in_fee_yuan"))
    holidays = set(ctx.sc.config.holidays)
    on_holiday = np.array([d in holidays for d in local.date], dtype=bool)
    standby = ctx.standby[sh.agent]
    wage = shift_wage_yuan(ctx.wage[sh.agent], paid * 60, ot * 60, terms, on_holiday, standby)
    fee = np.where(standby, terms[2], 0.0)
    return np.where(valid, wage, 0.0), np.where(valid, fee, 0.0)
