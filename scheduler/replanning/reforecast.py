"""The reforecast from the actuals so far, and the imbalance it shows against the published rota."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from scheduler.pipeline import coverage_table
from scheduler.scenario import Scenario

KAPPA_INQUIRIES = 200.0
"""Shrinkage of the early ratio: w = F_cum / (F_cum + kappa) (DOMAIN.md, intraday reforecast)."""
RATIO_CLIP = (0.5, 3.0)


def reforecast(sc: Scenario, forecast: pd.DataFrame, actuals: pd.DataFrame, now: datetime) -> tuple[pd.DataFrame, dict]:
    """Scale the rest of the forecast per queue by the shrunk ratio of actual to forecast so far.

    R = sum actual / sum forecast (p50) over the slots seen, leaving out the one-off midnight
    spike (the event's first hour); R-hat = 1 + w (R - 1), w = F / (F + kappa), clipped to
    [0.5, 3]; and R-hat = 1 when the difference is within Poisson noise (2 standard deviations),
    so rounding and noise never trigger changes.
    """
    fc = forecast.copy()
    ev = sc.config.event
    spike_end = ev.start + timedelta(hours=1) if ev is not None else None
    ratios = {}
    for q in sc.config.queues:
        seen = actuals[actuals.queue == q.id]
        if spike_end is not None:
            seen = seen[~((seen.slot_start >= ev.start) & (seen.slot_start < spike_end))]
        f = fc[(fc.queue == q.id) & fc.slot_start.isin(seen.slot_start)]
        f_cum, a_cum = float(f.p50.sum()), float(seen.inquiries.sum())
        r = a_cum / f_cum if f_cum > 0 else 1.0
        w = f_cum / (f_cum + KAPPA_INQUIRIES)
        r_hat = float(np.clip(1 + w * (r - 1), *RATIO_CLIP))
        noise = abs(a_cum - f_cum) <= 2 * math.sqrt(max(f_cum, 1.0))
        if noise:
            r_hat = 1.0
        ratios[q.id] = {"actual": a_cum, "forecast": f_cum, "ratio": round(r, 4), "weight": round(w, 4),
                        "applied": round(r_hat, 4), "within_noise": noise}
        future = (fc.queue == q.id) & (fc.slot_start >= now)
        for col in ("p50", "p80", "p90"):
            fc.loc[future, col] = fc.loc[future, col] * r_hat
    fc["reforecast_ratio"] = fc.queue.map(lambda q: ratios[q]["applied"])
    return fc, ratios


def imbalance_table(sc: Scenario, old_fc: pd.DataFrame, new_fc: pd.DataFrame, staffing_new: pd.DataFrame, assignments: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Per slot and queue from now on: planned vs new forecast, scheduled, newly required, the gap,
    and the expected lost inquiries if nothing changes (absent agents already gone)."""
    cov = coverage_table(sc, new_fc, staffing_new, assignments)
    q = sc.config.solver.staffing_quantile
    old = old_fc.set_index(["slot_start", "queue"])[q]
    cov = cov[cov.slot_start >= now].copy()
    cov["planned_forecast"] = [float(old.loc[(t, qq)]) for t, qq in zip(cov.slot_start, cov.queue, strict=True)]
    cov["new_forecast"] = cov.planned_demand
    cov["newly_required"] = cov.required
    cov["gap_agents"] = cov.required - cov.scheduled
    cov["lost_if_unchanged"] = cov.expected_lost_inquiries
    return cov[["slot_start", "queue", "planned_forecast", "new_forecast", "scheduled", "newly_required", "gap_agents", "lost_if_unchanged"]]
