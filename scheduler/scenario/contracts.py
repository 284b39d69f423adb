"""A contract's settings: wage, shifts, hours, rest and overtime, and the day-roster rules
(shift types, forbidden successions, runs, weekends, paid hours) it may add.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import (
    Field,
    model_validator,
)

from scheduler.scenario.fields import ClockTime, FieldError, Model, PositiveMoney

ShiftTypeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=40)]


class RosterSettings(Model):
    """Day-roster rules of a contract: rules over whole days and named shift types.

    Supervisors and labour agreements speak of early and late shifts and of days, not slots.
    Each setting is off unless given; an agent of the contract is then planned and checked
    under it (docs/RULES.md names each rule by the key in brackets).
    """

    shift_types: dict[ShiftTypeId, list[ClockTime]] = {}
    """Named shift types by local start time (`early: ["07:00", "08:00"]`); a start time of the
    contract's `start_times` belongs to at most one type; shifts of other starts have no type."""
    forbidden_successions: list[list[ShiftTypeId]] = []
    """[forbidden_successions] Pairs [first, next]: `next` may not be worked the day after
    `first`. A late shift then an early one leaves a short night: tired agents, slow answers."""
    max_shifts: dict[ShiftTypeId, Annotated[int, Field(ge=0, le=366)]] = {}
    """[shift_type_maximum] At most N shifts of a type over the horizon (few nights or lates a
    month: health, and an unpopular shift shared out)."""
    min_consecutive_days: Annotated[int, Field(ge=1, le=31)] = 1
    """[min_consecutive_days] Working days come in runs of at least N (a lone day worked between
    days off breaks the rest on both sides); runs touching the horizon's first or last day are
    exempt, as they continue outside it. The longest run is the contract's max_consecutive_days."""
    min_consecutive_days_off: Annotated[int, Field(ge=1, le=31)] = 1
    """[min_consecutive_days_off] Days off come in runs of at least N (one day between two work
    blocks is not real rest); runs touching the horizon's first or last day are exempt."""
    max_weekends: Annotated[int, Field(ge=0, le=53)] | None = None
    """[max_weekends] At most N weekends (Saturday and Sunday, local calendar; a shift belongs to
    the day it starts) with any shift: weekends off are what staff value most."""
    min_paid_hours: Annotated[float, Field(ge=0, le=8784, allow_inf_nan=False)] = 0.0
    """[total_minutes] At least these paid hours over the horizon: the hours a contract
    guarantees (an agent on a monthly contract is paid for them anyway) ..."""
    max_paid_hours: Annotated[float, Field(ge=0, le=8784, allow_inf_nan=False)] | None = None
    """... and at most these (a monthly cap beyond the weekly one, e.g. 176 h a month)."""

    @model_validator(mode="after")
    def _known_types(self) -> RosterSettings:
        types = set(self.shift_types)
        seen: dict[time, str] = {}
        for tid, starts in self.shift_types.items():
            if not starts:
                raise FieldError(("shift_types", tid), "at least one start time (\"HH:MM\")", [])
            for k, t in enumerate(starts):
                if t in seen and seen[t] != tid:
                    raise FieldError(("shift_types", tid, k), f"a start time not already in type {seen[t]!r}", t.strftime("%H:%M"))
                seen[t] = tid
        for k, pair in enumerate(self.forbidden_successions):
            if len(pair) != 2:
                raise FieldError(("forbidden_successions", k), "a pair [first, next] of shift types", pair)
            for j, tid in enumerate(pair):
                if tid not in types:
                    raise FieldError(("forbidden_successions", k, j), f"a type from shift_types: {sorted(types)}", tid)
        for tid in self.max_shifts:
            if tid not in types:
                raise FieldError(("max_shifts", tid), f"a type from shift_types: {sorted(types)}", tid)
        if self.max_paid_hours is not None and self.max_paid_hours < self.min_paid_hours:
            raise FieldError(("max_paid_hours",), f">= min_paid_hours ({self.min_paid_hours:g})", self.max_paid_hours)
        return self

    def type_of_start(self) -> dict[time, str]:
        """The shift type of each typed local start time."""
        return {t: tid for tid, starts in self.shift_types.items() for t in starts}


class Contract(Model):
    """A contract type: the shifts it may work and the labour rules it falls under.

    Defaults are China's Labour Law (arts. 36, 38, 41, 44) for full-time and the Labour
    Contract Law art. 68 for part-time (非全日制); shift patterns from shop practice.
    """

    kind: Literal["full_time", "part_time"]
    hourly_wage_yuan: PositiveMoney
    shift_spans_hours: list[Annotated[float, Field(gt=0, le=16, allow_inf_nan=False)]]
    """Allowed shift lengths from start to end, the meal break included."""
    start_times: list[ClockTime]
    """Allowed local start times (e.g. 08:00, 12:00, 16:00 from shop practice)."""
    break_minutes: Annotated[int, Field(ge=0, le=180)] = 0
    """Unpaid meal break inside every shift at least `break_from_span_hours` long."""
    break_from_span_hours: Annotated[float, Field(ge=0, le=24)] = 6.0
    break_earliest_hours: Annotated[float, Field(ge=0, le=24)] = 2.0
    """The break starts no earlier than this after the shift start ..."""
    break_latest_hours: Annotated[float, Field(ge=0, le=24)] = 6.0
    """... and no later than this (and always leaves work after it)."""
    regular_hours_per_day: Annotated[float, Field(gt=0, le=24)] = 8.0
    """Art. 36: 8 h/day; paid hours beyond it are overtime."""
    max_overtime_hours_per_day: Annotated[float, Field(ge=0, le=24)] = 3.0
    """Art. 41: at most 3 h/day ..."""
    max_overtime_hours_per_month: Annotated[float, Field(ge=0, le=744)] = 36.0
    """... and 36 h/month (the horizon is taken to lie within one month)."""
    overtime_multiplier: Annotated[float, Field(ge=1, le=10)] = 1.5
    """Art. 44: 150 % on workdays."""
    holiday_multiplier: Annotated[float, Field(ge=1, le=10)] = 3.0
    """Art. 44: 300 % on statutory holidays."""
    max_hours_per_week: Annotated[float, Field(gt=0, le=168)] = 40.0
    """Art. 36: 40 regular hours per week (overtime counted apart)."""
    avg_max_hours_per_day: Annotated[float, Field(gt=0, le=24)] | None = None
    """Part-time (art. 68): at most 4 h/day on average over the horizon."""
    min_rest_hours: Annotated[float, Field(ge=0, le=48)] = 11.0
    """Rest between the end of one shift and the next (common practice; China sets none)."""
    max_consecutive_days: Annotated[int, Field(ge=1, le=31)] = 6
    """Art. 38: at least one rest day per week."""
    call_in_fee_yuan: PositiveMoney = 50.0
    """Extra cost of calling a standby agent in for a shift."""
    roster: RosterSettings | None = None
    """Day-roster rules (shift types, successions, runs, weekends, paid hours over the horizon)."""

    @model_validator(mode="after")
    def _coherent(self) -> Contract:
        if not self.shift_spans_hours:
            raise FieldError(("shift_spans_hours",), "at least one shift length", [])
        if not self.start_times:
            raise FieldError(("start_times",), "at least one start time", [])
        if self.break_latest_hours < self.break_earliest_hours:
            raise FieldError(
                ("break_latest_hours",), f">= break_earliest_hours ({self.break_earliest_hours:g})", self.break_latest_hours
            )
        if self.roster is not None:
            starts = set(self.start_times)
            for tid, ts in self.roster.shift_types.items():
                for k, t in enumerate(ts):
                    if t not in starts:
                        raise FieldError(("roster", "shift_types", tid, k),
                                         f"one of the contract's start_times: {sorted(x.strftime('%H:%M') for x in starts)}",
                                         t.strftime("%H:%M"))
            if self.roster.min_consecutive_days > self.max_consecutive_days:
                raise FieldError(("roster", "min_consecutive_days"), f"<= max_consecutive_days ({self.max_consecutive_days})",
                                 self.roster.min_consecutive_days)
        return self
