"""Shift options: every legal (start, span, break position, queue) an agent could work.

The calendar days and a shift's wage are the scenario's views (scheduler/scenario/views.py),
shared with the checker; they are re-exported here for the callers that import them from rota.

Rules that concern one shift alone (allowed starts and spans, the meal break's place, daily
overtime, availability, skills) are kept by generating only the options that obey them, so the
model never has to state them as constraints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from scheduler.scenario import Agent, Scenario
from scheduler.scenario.views import day_of_slot, n_days, shift_wage_fen

__all__ = ["AgentOptions", "ShiftOption", "agent_options", "all_options", "day_of_slot", "n_days", "shift_wage_fen", "slot_time"]


@dataclass(frozen=True)
class ShiftOption:
    """One shift an agent could work: slots [start, end), an optional break [break_start, break_end)."""

    start: int
    end: int
    day: int
    break_start: int | None
    break_end: int | None
    paid_minutes: int
    overtime_minutes: int
    queue: str | None  # the shift's queue when queues do not change inside a shift
    wage_fen: int

    def working_slots(self) -> range | list[int]:
        if self.break_start is None:
            return range(self.start, self.end)
        return [t for t in range(self.start, self.end) if not self.break_start <= t < self.break_end]

    @property
    def regular_minutes(self) -> int:
        return self.paid_minutes - self.overtime_minutes


@dataclass
class AgentOptions:
    agent: Agent
    index: int
    options: list[ShiftOption] = field(default_factory=list)
    available: np.ndarray | None = None


def agent_options(scenario: Scenario, agent: Agent, index: int) -> AgentOptions:
    """All legal shift options of one agent over the horizon."""
    c = scenario.contract(agent.contract)
    slot = scenario.slot_minutes
    avail = scenario.available_slots(agent)
    # prefix sums: a shift fits when every slot of it is available
    cum = np.concatenate([[0], np.cumsum(avail)])
    slots = scenario.slots
    starts_ok = {(t.hour, t.minute) for t in c.start_times}
    queues: list[str | None] = [None] if scenario.config.queue_changes_in_shift or len(agent.skills) == 1 else list(agent.skills)
    out = AgentOptions(agent=agent, index=index, available=avail)
    for s in range(scenario.n_slots):
        ts = slots[s]
        if (ts.hour, ts.minute) not in starts_ok:
            continue
        day = day_of_slot(scenario, s)
        for span_h in c.shift_spans_hours:
            span = int(round(span_h * 60 / slot))
            e = s + span
            if e > scenario.n_slots or cum[e] - cum[s] < span:
                continue
            breaks: list[tuple[int | None, int | None]] = [(None, None)]
            if c.break_minutes > 0 and span_h >= c.break_from_span_hours:
                blen = c.break_minutes // slot
                lo = s + int(round(c.break_earliest_hours * 60 / slot))
                hi = s + int(round(c.break_latest_hours * 60 / slot))
                breaks = [(b, b + blen) for b in range(lo, hi + 1) if b + blen < e]
            for b0, b1 in breaks:
                paid = span * slot - (0 if b0 is None else (b1 - b0) * slot)
                ot = max(0, paid - int(round(c.regular_hours_per_day * 60)))
                if ot > c.max_overtime_hours_per_day * 60 + 1e-9:
                    continue
                wage = shift_wage_fen(scenario, agent, c, s, paid, ot)
                for q in queues:
                    out.options.append(ShiftOption(s, e, day, b0, b1, paid, ot, q, wage))
    return out


def all_options(scenario: Scenario) -> list[AgentOptions]:
    return [agent_options(scenario, a, i) for i, a in enumerate(scenario.agents)]


def slot_time(scenario: Scenario, k: int):
    """Start time of slot k (k may equal n_slots: the horizon's end)."""
    return scenario.config.horizon.start + timedelta(minutes=k * scenario.slot_minutes)
