"""The day-roster rules of docs/RULES.md (17-22), for agents of a contract with `roster` settings.

A shift's type is the `roster.shift_types` entry that lists its local start time; a day is
worked when a shift starts on it. Everything is read from the rota's arrays and the scenario.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd

from scheduler.checker.arrays import Rota
from scheduler.checker.context import hours, true_runs
from scheduler.checker.report import Findings
from scheduler.scenario.schema import RosterSettings

_EPS = 1e-9  # float slack when comparing hours (rounding, not policy)


def _roster_agents(r: Rota) -> Iterator[tuple[int, RosterSettings, np.ndarray]]:
    """(agent, its contract's roster settings, its valid shifts in time order)."""
    ctx, sh = r.ctx, r.sh
    for i in range(ctx.A):
        settings = ctx.sc.config.contracts[ctx.contract[i]].roster
        if settings is None:
            continue
        js = np.flatnonzero(r.valid & (sh.agent == i))
        yield i, settings, js[np.argsort(sh.rel0[js], kind="stable")]


def _typed(r: Rota, settings: RosterSettings, js: np.ndarray) -> list[tuple[int, str | None, int]]:
    """(day, shift type or None, shift) of each shift."""
    type_of = settings.type_of_start()
    return [(int(r.day[j]), type_of.get(r.start_local[j].time()), int(j)) for j in js]


def _worked_days(r: Rota, js: np.ndarray) -> np.ndarray:
    days = np.zeros(r.ctx.n_days, dtype=bool)
    d = r.day[js]
    days[d[(d >= 0) & (d < r.ctx.n_days)]] = True
    return days


def _day_rel(r: Rota, d: int) -> float:
    day = r.ctx.day0 + timedelta(days=d)
    return max(0.0, (pd.Timestamp(day).tz_localize(r.ctx.tz) - r.ctx.h0_local).total_seconds())


def _days(r: Rota, a: int, b: int) -> str:
    """Days [a, b) of the horizon as 2026-06-17 .. 2026-06-18."""
    return f"{(r.ctx.day0 + timedelta(days=a)).isoformat()} .. {(r.ctx.day0 + timedelta(days=b - 1)).isoformat()}"


def _short_inner_runs(mask: np.ndarray, minimum: int) -> list[tuple[int, int]]:
    """Runs of True shorter than `minimum` that touch neither end of `mask` (those continue outside)."""
    return [(a, b) for a, b in true_runs(mask) if a > 0 and b < len(mask) and b - a < minimum]


def rule_forbidden_successions(r: Rota, out: Findings) -> None:
    for i, settings, js in _roster_agents(r):
        banned = {tuple(p) for p in settings.forbidden_successions}
        typed = _typed(r, settings, js)
        for d0, t0, _ in typed:
            for d1, t1, j1 in typed:
                if d1 == d0 + 1 and (t0, t1) in banned:
                    out.add("forbidden_successions", i, r.sh.rel0[j1],
                            f"{r.shift_name(j1)} is a {t1} shift the day after a {t0} shift; {t1} may not follow {t0} "
                            f"({r.ctx.contract[i]})")


def rule_shift_type_maximum(r: Rota, out: Findings) -> None:
    for i, settings, js in _roster_agents(r):
        typed = _typed(r, settings, js)
        for tid, cap in settings.max_shifts.items():
            mine = [j for _, t, j in typed if t == tid]
            if len(mine) > cap:
                out.add("shift_type_maximum", i, r.sh.rel0[mine[cap]],
                        f"{r.aid(i)} works {len(mine)} {tid} shifts; at most {cap} allowed ({r.ctx.contract[i]})")


def rule_total_minutes(r: Rota, out: Findings) -> None:
    for i, settings, js in _roster_agents(r):
        paid = float(r.paid[js].sum()) if len(js) else 0.0
        if paid < settings.min_paid_hours - _EPS:
            out.add("total_minutes", i, None, f"{r.aid(i)} is paid {hours(paid)} over the horizon; at least "
                    f"{hours(settings.min_paid_hours)} required ({r.ctx.contract[i]})")
        if settings.max_paid_hours is not None and paid > settings.max_paid_hours + _EPS:
            out.add("total_minutes", i, None, f"{r.aid(i)} is paid {hours(paid)} over the horizon; at most "
                    f"{hours(settings.max_paid_hours)} allowed ({r.ctx.contract[i]})")


def rule_min_consecutive_days(r: Rota, out: Findings) -> None:
    for i, settings, js in _roster_agents(r):
        for a, b in _short_inner_runs(_worked_days(r, js), settings.min_consecutive_days):
            out.add("min_consecutive_days", i, _day_rel(r, a),
                    f"{r.aid(i)} has {b - a} days worked in a row ({_days(r, a, b)}); at least "
                    f"{settings.min_consecutive_days} required ({r.ctx.contract[i]})")


def rule_min_consecutive_days_off(r: Rota, out: Findings) -> None:
    for i, settings, js in _roster_agents(r):
        for a, b in _short_inner_runs(~_worked_days(r, js), settings.min_consecutive_days_off):
            out.add("min_consecutive_days_off", i, _day_rel(r, a),
                    f"{r.aid(i)} has {b - a} days off in a row ({_days(r, a, b)}); at least "
                    f"{settings.min_consecutive_days_off} required ({r.ctx.contract[i]})")


def rule_max_weekends(r: Rota, out: Findings) -> None:
    for i, settings, js in _roster_agents(r):
        if settings.max_weekends is None:
            continue
        worked: dict[date, None] = {}
        for d in np.flatnonzero(_worked_days(r, js)):
            day = r.ctx.day0 + timedelta(days=int(d))
            if day.weekday() >= 5:
                worked.setdefault(day - timedelta(days=day.weekday() - 5), None)  # keyed by the Saturday
        if len(worked) > settings.max_weekends:
            sats = list(worked)
            out.add("max_weekends", i, _day_rel(r, (sats[settings.max_weekends] - r.ctx.day0).days),
                    f"{r.aid(i)} works on {len(sats)} weekends ({', '.join(d.isoformat() for d in sats)}); at most "
                    f"{settings.max_weekends} allowed ({r.ctx.contract[i]})")
