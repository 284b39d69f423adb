"""What the checker reads from the scenario, as arrays per agent and per slot, and how it writes
times, hours and shares in its messages.

The readings (availability, night slots, event phase, days, wages) are the scenario's own views
(scheduler/scenario/views.py), the same the model is built from; nothing here comes from the
model itself.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from scheduler.scenario import Scenario
from scheduler.scenario.views import daily_window_mask, n_days, night_mask, slot_phases, time_off_slots


class Context:
    """The scenario as the checker reads it: times are seconds from the horizon start ("rel")."""

    def __init__(self, sc: Scenario):
        cfg = sc.config
        self.sc = sc
        self.tz = sc.tz
        self.h0: datetime = cfg.horizon.start
        self.h0_local = pd.Timestamp(self.h0).tz_convert(self.tz)
        self.step = cfg.horizon.slot_minutes * 60  # seconds
        self.slot_h = cfg.horizon.slot_minutes / 60.0
        self.S = sc.n_slots
        self.H = (cfg.horizon.end - cfg.horizon.start).total_seconds()
        self.slots = sc.slots
        self.queue_ids = [q.id for q in cfg.queues]
        self.qidx = {q: i for i, q in enumerate(self.queue_ids)}
        self.Q = len(self.queue_ids)
        self.agents = sc.agents
        self.A = len(sc.agents)
        self.aidx = {a.agent_id: i for i, a in enumerate(sc.agents)}
        self.day0: date = self.h0_local.date()
        self.n_days = n_days(sc)
        # per agent
        self.contract = [a.contract for a in sc.agents]
        self.core = np.array([a.core for a in sc.agents], dtype=bool)
        self.standby = np.array([a.standby for a in sc.agents], dtype=bool)
        self.candidate = np.array([a.candidate for a in sc.agents], dtype=bool)
        self.hire_cost = np.array([a.hire_cost_yuan for a in sc.agents], dtype=float)
        self.part_time = np.array([cfg.contracts[a.contract].kind == "part_time" for a in sc.agents], dtype=bool)
        self.wage = np.array([sc.wage(a) for a in sc.agents], dtype=float)
        self.skill = np.zeros((self.A, max(self.Q, 1)), dtype=bool)
        for i, a in enumerate(sc.agents):
            for s in a.skills:
                if s in self.qidx:
                    self.skill[i, self.qidx[s]] = True
        # per slot
        self.slot_rel = np.arange(self.S, dtype=float) * self.step
        self.night = night_mask(sc)
        self.phase = slot_phases(sc)
        self.presale_q = np.array([q.kind == "presale" for q in cfg.queues], dtype=bool)
        self._availability()

    def _availability(self) -> None:
        """Daily windows and dated time off apart (a message says which one a shift breaks)."""
        windows: dict[tuple, np.ndarray] = {}
        self.daily = np.zeros((self.A, self.S), dtype=bool)
        for i, a in enumerate(self.agents):
            if a.availability not in windows:
                windows[a.availability] = daily_window_mask(self.sc, a.availability)
            self.daily[i] = windows[a.availability]
        self.off = np.zeros((self.A, self.S), dtype=bool)
        self.off_reason: dict[tuple[int, int], str] = {}
        for off in self.sc.time_off:
            i = self.aidx.get(off.agent_id)
            if i is None:
                continue
            hit = time_off_slots(self.sc, off)
            self.off[i, hit] = True
            for k in hit:
                self.off_reason.setdefault((i, k), off.reason)
        self.avail = self.daily & ~self.off

    # --- formatting -----------------------------------------------------------------------
    def ts(self, rel: float) -> pd.Timestamp:
        return self.h0_local + pd.Timedelta(seconds=float(rel))

    def ts_many(self, rel: np.ndarray) -> pd.DatetimeIndex:
        return self.h0_local + pd.to_timedelta(np.nan_to_num(np.asarray(rel, dtype=float)), unit="s")

    def slot_ts(self, k: int) -> pd.Timestamp:
        return self.ts(k * self.step)

    def fmt(self, rel: float) -> str:
        return iso(self.ts(rel))

    def fmt_span(self, rel0: float, rel1: float) -> str:
        """2026-11-11T08:00+08:00–17:00 (the end's date is shown when it differs)."""
        a, b = self.ts(rel0), self.ts(rel1)
        end = b.strftime("%H:%M") if b.date() == a.date() or (b - a <= pd.Timedelta(hours=24) and b.strftime("%H:%M") == "00:00") else iso(b)
        return f"{iso(a)}–{end}"

    def fmt_slots(self, k0: int, k1: int) -> str:
        return self.fmt_span(k0 * self.step, k1 * self.step)

    def hhmm(self, rel: float) -> str:
        return self.ts(rel).strftime("%H:%M")


def iso(t: pd.Timestamp) -> str:
    return t.isoformat(timespec="minutes")


def hours(x: float) -> str:
    """Hours as a supervisor writes them: 8 h, 8.5 h."""
    return f"{x:.2f}".rstrip("0").rstrip(".") + " h"


def clock(minutes: int) -> str:
    """Minutes from midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def percent(x: float) -> str:
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + " %"


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(a, b)] half-open runs of True in a 1-D boolean array."""
    if not mask.any():
        return []
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def label_runs(lab: np.ndarray) -> list[tuple[int, int, int]]:
    """[(a, b, label)] runs of equal non-zero labels in a 1-D int array."""
    padded = np.r_[0, lab, 0]
    cut = np.flatnonzero(padded[1:] != padded[:-1])
    out = []
    for a, b in zip(cut[:-1], cut[1:], strict=True):
        if lab[a] != 0:
            out.append((int(a), int(b), int(lab[a])))
    return out
