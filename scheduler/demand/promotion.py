"""The promotion effect: each past promotion's day totals and hourly shapes relative to its baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import stats

from scheduler.demand.history import (
    EVENT_WINDOW,
    FALLBACK_AFTERSALE_UPLIFT,
    FALLBACK_EVENT_DAY_SHAPE,
    FALLBACK_UPLIFT,
    MIN_UPLIFT_EFFECT,
    SHAPE_MIN_MOVED,
    SHAPE_PSEUDO_COUNT,
    SHAPE_TEST_P,
    DayMatrix,
    fit_baseline,
)


@dataclass(frozen=True)
class RelativeDay:
    """A day relative to a promotion: its total against the baseline, and its own hourly shape."""

    uplift: float
    shape: np.ndarray | None  # None: the normal day's shape


@dataclass(frozen=True)
class PromotionEffect:
    days: dict[int, RelativeDay]
    source: str  # "learned from ..." or the fallback's note


def window_days(start: date) -> set[date]:
    return {start + timedelta(days=r) for r in EVENT_WINDOW}


def learn_promotion(
    m: DayMatrix, event_day: date, excluded: set[date], excess_scale: float
) -> tuple[dict[int, RelativeDay], float] | None:
    """The effect of one past promotion on one queue, and the baseline level before it.

    Uplift = actual day total / baseline day total, its excess over 1 multiplied by `excess_scale`.
    """
    base = fit_baseline(m, event_day + timedelta(days=EVENT_WINDOW.start), excluded)
    if base is None:
        return None
    days: dict[int, RelativeDay] = {}
    for r in EVENT_WINDOW:
        actual = m.row(event_day + timedelta(days=r))
        if actual is None:
            continue
        expected = base.day(event_day + timedelta(days=r))
        a, e = float(actual.sum()), float(expected.sum())
        if e <= 0 or a <= 0:
            continue
        uplift = a / e
        if abs(math.log(uplift)) < max(2 / math.sqrt(e), MIN_UPLIFT_EFFECT):  # within noise: a normal day
            uplift = 1.0
        days[r] = RelativeDay(1 + (uplift - 1) * excess_scale, _own_shape(actual, base.profile_for(event_day + timedelta(days=r))))
    return days, base.level


def _own_shape(actual: np.ndarray, normal_profile: np.ndarray) -> np.ndarray | None:
    """The day's hourly shares when they differ from a normal day's (chi-square), else None."""
    n = actual.sum()
    expected = normal_profile * n
    mask = expected > 0
    if n <= 0 or mask.sum() < 2:
        return None
    if (actual[~mask] > 0).any():
        return actual / n
    chi2 = float((((actual[mask] - expected[mask]) ** 2) / expected[mask]).sum())
    p = float(stats.chi2.sf(chi2, int(mask.sum()) - 1))
    moved = 0.5 * float(np.abs(actual / n - normal_profile).sum())  # share of the day in other hours
    if p >= SHAPE_TEST_P or moved < SHAPE_MIN_MOVED:
        return None
    return (actual + SHAPE_PSEUDO_COUNT * normal_profile) / (n + SHAPE_PSEUDO_COUNT)


def combine_effects(effects: list[dict[int, RelativeDay]]) -> dict[int, RelativeDay]:
    """Several past promotions: geometric mean of uplifts, mean of own shapes."""
    out: dict[int, RelativeDay] = {}
    for r in EVENT_WINDOW:
        rs = [e[r] for e in effects if r in e]
        if not rs:
            continue
        uplift = float(np.exp(np.mean([math.log(max(x.uplift, 1e-6)) for x in rs])))
        shapes = [x.shape for x in rs if x.shape is not None]
        shape = np.mean(shapes, axis=0) if len(shapes) * 2 > len(rs) else None
        out[r] = RelativeDay(uplift, shape / shape.sum() if shape is not None else None)
    return out


def fallback_effect(kind: str) -> dict[int, RelativeDay]:
    """DOMAIN.md's Double 11 shape for a shop whose history holds no past promotion."""
    if kind == "aftersale":
        return {r: RelativeDay(u, None) for r, u in FALLBACK_AFTERSALE_UPLIFT.items()}
    shape = FALLBACK_EVENT_DAY_SHAPE / FALLBACK_EVENT_DAY_SHAPE.sum()
    return {r: RelativeDay(u, shape if r == 0 else None) for r, u in FALLBACK_UPLIFT.items()}
