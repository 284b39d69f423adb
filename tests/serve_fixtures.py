"""Plan folders and actuals for the event-day page's tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from scheduler.replan import read_plan_csv
from scheduler.scenario import load_scenario

NOW = "2026-11-11T14:00:00+08:00"
"""The event day's afternoon: the pre-sale surge of the tests has run since 11:00."""


def surge_actuals(plan: Path, out: Path, now: str = NOW, presale_factor: float = 1.9, surge_hours: int = 3) -> Path:
    """actuals.csv in the replan format: p50 of the plan's forecast up to `now`, the pre-sale
    queue at `presale_factor` times its p50 over the last `surge_hours` hours."""
    sc = load_scenario(plan / "scenario")
    fc = read_plan_csv(plan / "forecast.csv", sc, ["slot_start", "queue", "p50"], ["slot_start"])
    cut = pd.Timestamp(now)
    surge_from = cut - pd.Timedelta(hours=surge_hours)
    kinds = {q.id: q.kind for q in sc.queues}
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["slot_start", "queue", "inquiries"])
        for r in fc[fc.slot_start < cut].sort_values(["slot_start", "queue"]).itertuples(index=False):
            x = r.p50 * (presale_factor if kinds[r.queue] == "presale" and r.slot_start >= surge_from else 1.0)
            w.writerow([r.slot_start.isoformat(), r.queue, round(x)])
    return out
