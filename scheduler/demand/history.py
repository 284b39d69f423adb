"""The hourly history as a day x hour matrix and the baseline of normal days, with the forecast's constants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

HOURS = 24
BASELINE_DAYS = 28
"""Complete normal days the level and the hourly profile are fitted on (four weeks)."""
WEEKDAY_DAYS = 56
"""Days the weekday factors are fitted on (eight weeks: eight samples of each weekday)."""
WEEKDAY_SHAPE_PSEUDO_DAYS = 4.0
"""Weight of the pooled hourly shape in each weekday's own shape, in days (backtested)."""
LEVEL_HALF_LIFE_DAYS = 14.0
"""Recent days weigh more in the level, so a growing shop is not under-forecast by weeks."""
MIN_NORMAL_DAYS = 7
EVENT_WINDOW = range(-3, 8)
"""Days relative to a promotion whose effect is learned (pre-sale builds from -3; after-sale peaks after)."""
MIN_UPLIFT_EFFECT = 0.03
"""A relative day within 3 % (or two Poisson sd) of its baseline is a normal day, not a promotion day."""
SHAPE_TEST_P = 0.01
"""A relative day keeps its own hourly shape only when it differs from a normal day's at this level."""
SHAPE_MIN_MOVED = 0.05
"""...and only when at least 5 % of the day's inquiries sit in other hours than on a normal day: with
tens of thousands of inquiries the test alone would take the baseline's own small error for shape."""
SHAPE_PSEUDO_COUNT = 100.0
"""A learned shape is blended with the normal profile as if it held this many more inquiries, so
one small shop's single past promotion does not turn Poisson noise into a shape."""
BACKTEST_ORIGINS = 28
MIN_COUNT_FOR_MODEL_ERROR = 30.0
"""Backtest slots with fewer forecast inquiries are dominated by Poisson noise, not model error."""
BIAS_CLIP = 0.10
EVENT_LOG_SD_LEARNED = 0.15
"""Extra log-sd on promotion days learned from history: one past promotion cannot measure its own
error; 15 % is our assumption, stated in `method`."""
EVENT_LOG_SD_FALLBACK = 0.30
"""Extra log-sd on promotion days when the shape is DOMAIN.md's default, not learned: twice as wide."""
QUANTILES = {"p50": 0.5, "p80": 0.8, "p90": 0.9}

# DOMAIN.md's Double 11 shape, used only when history holds no past promotion:
# "00:00-03:00 over 2x a normal day; trough 04:00-06:00; steep rise after 07:00; plateau from
# 10:00; peak 20:00-22:00"; "inquiries several times a normal day" (read as 3x: our assumption);
# "after-sale peaks after the event".
FALLBACK_EVENT_DAY_SHAPE = np.array(
    [8.0, 6.0, 4.0, 2.0, 1.0, 0.8, 1.0, 2.0, 3.0, 4.0, 4.5, 4.5,
     4.2, 4.3, 4.5, 4.5, 4.4, 4.3, 4.5, 5.2, 6.2, 6.6, 6.2, 5.0]
)
FALLBACK_UPLIFT = {-1: 1.3, 0: 3.0, 1: 1.2}
FALLBACK_AFTERSALE_UPLIFT = {0: 1.3, 1: 2.0, 2: 2.2, 3: 1.9, 4: 1.6, 5: 1.4, 6: 1.2, 7: 1.1}


def aftersale_day_weights(days: int) -> np.ndarray:
    """Share of the after-sale chain's inquiries on day k = 1..days after the event.

    Cases follow delivery, which takes a day or three: the weights rise to day 2 and decay,
    w_k proportional to k * exp(-k / 2) (our documented assumption; DOMAIN.md only says "after-sale
    peaks after the event").
    """
    k = np.arange(1, days + 1, dtype=float)
    w = k * np.exp(-k / 2)
    return w / w.sum()


def within_hour_shares(slot_minutes: int, front_loaded: bool) -> np.ndarray:
    """How an hour's inquiries split into its slots.

    Uniform on normal hours. The hour a promotion opens is front-loaded: the 2013 Double 11 sold
    5 bn yuan in its first 38 minutes (DOMAIN.md), so most of 00:00-01:00 arrives early; the
    split below (65 % in the first half hour, 40 % in the first quarter) is our assumption.
    """
    k = 60 // slot_minutes
    if k == 1:
        return np.ones(1)
    if not front_loaded:
        return np.full(k, 1.0 / k)
    return np.array([0.65, 0.35]) if k == 2 else np.array([0.40, 0.25, 0.20, 0.15])


# --- the hourly history as a day x hour matrix -----------------------------------------------


@dataclass(frozen=True)
class DayMatrix:
    """One queue's history: a row per calendar day (NaN rows for missing or partial days)."""

    first: date
    counts: np.ndarray  # shape (days, 24)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(len(self.counts))]

    def row(self, d: date) -> np.ndarray | None:
        i = (d - self.first).days
        if 0 <= i < len(self.counts) and not np.isnan(self.counts[i]).any():
            return self.counts[i]
        return None

    @property
    def last(self) -> date:
        return self.first + timedelta(days=len(self.counts) - 1)


def day_matrix(history: pd.DataFrame, queue: str, tz: ZoneInfo) -> DayMatrix | None:
    """Hourly sums by local day and hour; a day with any hour missing is left out (NaN)."""
    h = history[history.queue == queue]
    if h.empty:
        return None
    local = h.slot_start.dt.tz_convert(tz)
    frame = pd.DataFrame({"day": local.dt.date, "hour": local.dt.hour, "n": h.inquiries.to_numpy(dtype=float)})
    # a DST day has 23 or 25 local hours; hours present are summed, a missing hour marks the day partial
    table = frame.groupby(["day", "hour"]).n.sum().unstack("hour").reindex(columns=range(HOURS))
    first, last = min(table.index), max(table.index)
    counts = np.full(((last - first).days + 1, HOURS), np.nan)
    for d, values in zip(table.index, table.to_numpy(), strict=True):
        counts[(d - first).days] = values
    return DayMatrix(first, counts)


# --- baseline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """A normal day: level (weekday-adjusted daily total) x weekday factor x hourly profile."""

    level: float
    weekday: np.ndarray  # 7 factors, Monday first, mean 1 over weekdays seen
    profile: np.ndarray  # 24 shares summing to 1, pooled over the recent days
    weekday_profiles: np.ndarray  # (7, 24): each weekday's own shares, shrunk toward `profile`
    days_used: int

    def profile_for(self, d: date) -> np.ndarray:
        return self.weekday_profiles[d.weekday()]

    def day(self, d: date) -> np.ndarray:
        return self.level * self.weekday[d.weekday()] * self.profile_for(d)


def normal_days(m: DayMatrix, before: date, excluded: set[date]) -> list[date]:
    """Complete days before `before` that lie in no promotion window, newest first."""
    out = []
    d = min(before - timedelta(days=1), m.last)
    while d >= m.first:
        if d not in excluded and m.row(d) is not None:
            out.append(d)
        d -= timedelta(days=1)
    return out


def fit_baseline(m: DayMatrix, before: date, excluded: set[date]) -> Baseline | None:
    """Fit a normal day on the days before `before`; None with fewer than MIN_NORMAL_DAYS."""
    days = normal_days(m, before, excluded)
    if len(days) < MIN_NORMAL_DAYS:
        return None
    wk_days = days[:WEEKDAY_DAYS]
    totals = np.array([m.row(d).sum() for d in wk_days])
    mean_total = totals.mean()
    weekday = np.ones(7)
    if mean_total > 0:
        by_wd: dict[int, list[float]] = {}
        for d, t in zip(wk_days, totals, strict=True):
            by_wd.setdefault(d.weekday(), []).append(t / mean_total)
        seen = {wd: float(np.mean(v)) for wd, v in by_wd.items()}
        norm = np.mean(list(seen.values()))
        for wd, f in seen.items():
            weekday[wd] = f / norm if norm > 0 else 1.0
    recent = days[:BASELINE_DAYS]
    adjusted = np.array([m.row(d).sum() / max(weekday[d.weekday()], 1e-9) for d in recent])
    keep = _not_outliers(adjusted)
    ages = np.array([(before - d).days for d in recent], dtype=float)
    w = 0.5 ** (ages / LEVEL_HALF_LIFE_DAYS) * keep
    level = float((adjusted * w).sum() / w.sum())
    hourly = np.sum([m.row(d) for d, k in zip(recent, keep, strict=True) if k], axis=0)
    profile = hourly / hourly.sum() if hourly.sum() > 0 else np.full(HOURS, 1.0 / HOURS)
    return Baseline(level=level, weekday=weekday, profile=profile,
                    weekday_profiles=_weekday_profiles(m, wk_days, profile), days_used=int(keep.sum()))


def _weekday_profiles(m: DayMatrix, days: list[date], pooled: np.ndarray) -> np.ndarray:
    """Each weekday's hourly shape (a Monday morning differs from a Saturday's), shrunk toward
    the pooled shape by WEEKDAY_SHAPE_PSEUDO_DAYS so a few days' noise is not taken for shape."""
    out = np.tile(pooled, (7, 1))
    for wd in range(7):
        rows = [m.row(d) for d in days if d.weekday() == wd]
        if not rows:
            continue
        sums = np.sum(rows, axis=0)
        prior = WEEKDAY_SHAPE_PSEUDO_DAYS * sums.sum() / len(rows) * pooled
        total = (sums + prior).sum()
        if total > 0:
            out[wd] = (sums + prior) / total
    return out


def _not_outliers(x: np.ndarray) -> np.ndarray:
    """Days far from the median (a holiday, an outage) do not move the level: 4 scaled MADs."""
    logx = np.log(np.maximum(x, 1e-9) + 1.0)
    med = np.median(logx)
    mad = 1.4826 * np.median(np.abs(logx - med))
    if mad == 0:
        return np.ones(len(x), dtype=bool)
    return np.abs(logx - med) <= 4 * mad
