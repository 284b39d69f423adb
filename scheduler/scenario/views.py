"""The loaded scenario and the views every stage derives from it.

The model and the independent checker read availability, night slots, the event phase of a
slot, a shift's wage and the calendar days from here, so both read the scenario the same way
(docs/RULES.md states each reading).
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from scheduler.scenario.schema import Agent, Contract, PreferenceRow, Queue, ScenarioConfig, TimeOff


class Scenario(BaseModel):
    """A loaded, validated scenario: the YAML settings plus its tables."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    config: ScenarioConfig
    folder: Path
    history: pd.DataFrame
    """Columns slot_start (tz-aware), queue, inquiries."""
    agents: list[Agent]
    time_off: list[TimeOff] = []
    preference_rows: list[PreferenceRow] = []
    input_sha256: str = ""

    @property
    def slot_minutes(self) -> int:
        return self.config.horizon.slot_minutes

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.timezone)

    @cached_property
    def slots(self) -> pd.DatetimeIndex:
        """Slot start times over the horizon, in the scenario's time zone."""
        h = self.config.horizon
        return pd.date_range(
            pd.Timestamp(h.start).tz_convert(self.tz),
            pd.Timestamp(h.end).tz_convert(self.tz),
            freq=f"{h.slot_minutes}min",
            inclusive="left",
        )

    @property
    def n_slots(self) -> int:
        return len(self.slots)

    def queue(self, qid: str) -> Queue:
        for q in self.config.queues:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def contract(self, cid: str) -> Contract:
        return self.config.contracts[cid]

    def agent(self, agent_id: str) -> Agent:
        return self.agents_by_id[agent_id]

    @cached_property
    def agents_by_id(self) -> dict[str, Agent]:
        return {a.agent_id: a for a in self.agents}

    def is_candidate(self, agent: Agent | str) -> bool:
        """Whether the agent is a would-be hire the rota may or may not take on (hiring pools)."""
        a = self.agents_by_id[agent] if isinstance(agent, str) else agent
        return a.candidate

    @property
    def candidates(self) -> list[Agent]:
        """The would-be hires of every hiring pool, in hiring order."""
        return [a for a in self.agents if a.candidate]

    def slot_index(self, t: datetime) -> int:
        """Index of the slot starting at t (t must lie on a slot boundary inside the horizon)."""
        start = self.config.horizon.start
        k = (t - start).total_seconds() / 60 / self.slot_minutes
        if k != int(k) or not 0 <= k < self.n_slots:
            raise ValueError(f"{t.isoformat()} is not a slot start inside the horizon")
        return int(k)

    def window_slots(self, start: datetime, end: datetime) -> range:
        """Slots whose start lies in [start, end), clipped to the horizon."""
        h0 = self.config.horizon.start
        step = self.slot_minutes * 60
        a = math.ceil((start - h0).total_seconds() / step)
        b = math.ceil((end - h0).total_seconds() / step)
        return range(max(0, a), min(self.n_slots, b))

    def with_time_off(self, time_off: list[TimeOff]) -> Scenario:
        """The same scenario with other dated time off (replan: absent agents are off from now on)."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return Scenario(**{**fields, "time_off": time_off})

    def wage(self, agent: Agent) -> float:
        if agent.hourly_wage_yuan is not None:
            return agent.hourly_wage_yuan
        return self.config.contracts[agent.contract].hourly_wage_yuan

    def available_slots(self, agent: Agent) -> np.ndarray:
        """Boolean per slot: the agent may work it (daily windows, minus dated time off)."""
        ok = daily_window_mask(self, agent.availability)
        for off in self.time_off:
            if off.agent_id == agent.agent_id:
                ok[time_off_slots(self, off)] = False
        return ok


# --- calendar days -------------------------------------------------------------------------------
def slot_days(scenario: Scenario) -> np.ndarray:
    """Local calendar day index of every slot (0 = the horizon's first local day)."""
    local = scenario.slots.tz_localize(None).normalize()  # wall-clock dates: a 23- or 25-hour day is one day
    return np.asarray((local - local[0]).days, dtype=np.int64)


def day_of_slot(scenario: Scenario, k: int) -> int:
    """Local calendar day index (0 = the horizon's first day) of slot k."""
    first = scenario.slots[0].date()
    return (scenario.slots[k].date() - first).days  # calendar dates: a 23- or 25-hour day is one day


def n_days(scenario: Scenario) -> int:
    """Local calendar days the horizon touches (RULES.md average_daily_hours divides by these)."""
    return day_of_slot(scenario, scenario.n_slots - 1) + 1


# --- slots of the day ----------------------------------------------------------------------------
def minute_of_day(scenario: Scenario) -> np.ndarray:
    """Local minutes since midnight at which each slot starts."""
    return np.asarray(scenario.slots.hour * 60 + scenario.slots.minute, dtype=np.int64)


def night_mask(scenario: Scenario) -> np.ndarray:
    """Boolean per slot: it starts in [night_start, night_end) local time (fairness's night hours)."""
    f = scenario.config.fairness
    ns, ne = f.night_start.hour * 60 + f.night_start.minute, f.night_end.hour * 60 + f.night_end.minute
    t = minute_of_day(scenario)
    return (t >= ns) & (t < ne) if ns <= ne else (t >= ns) | (t < ne)


def slot_phases(scenario: Scenario) -> np.ndarray:
    """before / during / after the event for every slot (all "during" when there is no event)."""
    phase = np.full(scenario.n_slots, "during", dtype=object)
    ev = scenario.config.event
    if ev is not None:
        phase[scenario.slots < ev.start] = "before"
        phase[scenario.slots >= ev.end] = "after"
    return phase


# --- availability --------------------------------------------------------------------------------
def daily_window_mask(scenario: Scenario, windows: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Boolean per slot: the slot lies wholly inside one of the daily windows (minutes from local
    midnight; a window ending after 1440 crosses midnight and also covers the early hours)."""
    minutes = minute_of_day(scenario)
    end_minutes = minutes + scenario.slot_minutes
    ok = np.zeros(scenario.n_slots, dtype=bool)
    for lo, hi in windows:
        for shift in (0, -1440):
            ok |= (minutes >= lo + shift) & (end_minutes <= hi + shift)
    return ok


def time_off_slots(scenario: Scenario, off: TimeOff) -> range:
    """Slots that overlap a dated time off at all."""
    h0 = scenario.config.horizon.start
    step = scenario.slot_minutes * 60
    a = math.floor((off.start - h0).total_seconds() / step)
    b = math.ceil((off.end - h0).total_seconds() / step)
    return range(max(0, a), min(scenario.n_slots, b))


def availability_matrix(scenario: Scenario) -> np.ndarray:
    """Agents x slots: may the agent work the slot (daily windows minus dated time off)."""
    out = np.zeros((len(scenario.agents), scenario.n_slots), dtype=bool)
    windows: dict[tuple, np.ndarray] = {}
    for i, a in enumerate(scenario.agents):
        if a.availability not in windows:
            windows[a.availability] = daily_window_mask(scenario, a.availability)
        out[i] = windows[a.availability]
    index = {a.agent_id: i for i, a in enumerate(scenario.agents)}
    for off in scenario.time_off:
        if off.agent_id in index:
            out[index[off.agent_id], time_off_slots(scenario, off)] = False
    return out


# --- wages ---------------------------------------------------------------------------------------
def shift_wage_yuan(hourly_yuan, paid_minutes, overtime_minutes, contract_terms, on_holiday, standby):
    """Wage of shifts in yuan (RULES.md: regular + overtime x multiplier; a holiday's paid hours x
    the holiday multiplier; a standby agent's call-in fee on top). Works on numbers and on numpy
    arrays alike; `contract_terms` is (overtime_multiplier, holiday_multiplier, call_in_fee_yuan)."""
    overtime_x, holiday_x, call_in_fee = contract_terms
    holiday_pay = hourly_yuan * paid_minutes / 60 * holiday_x
    regular_pay = hourly_yuan * ((paid_minutes - overtime_minutes) / 60 + overtime_minutes / 60 * overtime_x)
    return _choose(on_holiday, holiday_pay, regular_pay) + _choose(standby, call_in_fee, 0.0)


def _choose(condition, if_true, if_false):
    """np.where for arrays, a plain choice for one shift (the model prices options one by one)."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, if_true, if_false)
    return if_true if condition else if_false


def shift_wage_fen(scenario: Scenario, agent: Agent, contract: Contract, start: int, paid_min: int, ot_min: int) -> int:
    """Wage of one shift starting in slot `start`, in fen (the model's integer money)."""
    on_holiday = scenario.slots[start].date() in set(scenario.config.holidays)
    terms = (contract.overtime_multiplier, contract.holiday_multiplier, contract.call_in_fee_yuan)
    yuan = shift_wage_yuan(scenario.wage(agent), paid_min, ot_min, terms, on_holiday, agent.standby)
    return int(round(yuan * 100))
