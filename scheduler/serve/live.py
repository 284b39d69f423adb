"""What the supervisor watches on the event day: actuals against the forecast band, agents on
duty, the service level to expect, and the imbalance between queues and against the phase's
pre-/after-sale ratio (DOMAIN point 4: watch each group's intake; rebalance when it tips).

Bands: the forecast gives p50, p80 and p90 per slot. An hour is flagged `above` when its actual
inquiries exceed p90, and `below` when they fall under p50 − (p90 − p50) (the p90 band mirrored
below the median, as the forecast keeps no lower quantile). The pre-sale share of the intake is
flagged when it leaves the share those bands allow (pre-sale low with after-sale high, and the
other way round), and, separately, when it leaves the phase's `ratio_bounds`, since the rota's
agent split is held to those bounds and cannot follow an intake outside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.replanning import load_actuals, reforecast
from scheduler.scenario import Scenario, slot_phases
from scheduler.serve.versions import Version
from scheduler.staffing_model import queue_metrics

AHEAD_HOURS = 4
"""How far ahead the page lists agents on duty and the service level to expect."""


@dataclass
class Actuals:
    """The actual inquiries so far, from an upload or the watched --actuals file."""

    table: pd.DataFrame  # slot_start, queue, inquiries[, answered, abandoned, agents_online]
    source: str
    revision: int


def parse_actuals(path: Path, sc: Scenario, now: datetime | None) -> pd.DataFrame:
    """The replan command's own reader: the same file/row/field messages, the same rules.

    Without a fixed `now` (a replay of a past event) any slot of the horizon is accepted.
    """
    limit = now if now is not None else sc.config.horizon.end
    return load_actuals(path, sc, limit)


def effective_now(sc: Scenario, fixed: datetime | None, clock: datetime, actuals: pd.DataFrame | None) -> tuple[pd.Timestamp, str]:
    """The time the page treats as now, and why: --now, the clock inside the horizon, the end of
    the last slot with actuals (a replay), or the horizon's start."""
    h = sc.config.horizon
    tz = sc.tz
    if fixed is not None:
        return pd.Timestamp(fixed).tz_convert(tz), "fixed"
    if h.start <= clock < h.end:  # to the minute: the page's views change once a minute, not on every poll
        return pd.Timestamp(clock).tz_convert(tz).floor("min"), "clock"
    if actuals is not None and len(actuals):
        return pd.Timestamp(actuals.slot_start.max()).tz_convert(tz) + pd.Timedelta(minutes=sc.slot_minutes), "actuals"
    return pd.Timestamp(h.start).tz_convert(tz), "start"


def band_flag(actual: float, p50: float, p90: float) -> str:
    """`above` over p90, `below` under the mirrored band, else empty."""
    if actual > p90 + 1e-9:
        return "above"
    if actual < p50 - (p90 - p50) - 1e-9:
        return "below"
    return ""


def _on_duty(asg: pd.DataFrame) -> dict[tuple[pd.Timestamp, str], list[str]]:
    work = asg[asg.activity != "break"]
    return work.groupby(["slot_start", "activity"]).agent_id.apply(sorted).to_dict()


def _iso(t: pd.Timestamp) -> str:
    return pd.Timestamp(t).isoformat()


def expected_service_level(sc: Scenario, qid: str, arrivals: float, agents: int) -> float:
    """Share answered in time with `agents` on the queue (after shrinkage), by the queue's model."""
    q = sc.queue(qid)
    if arrivals <= 0:
        return 1.0
    productive = int(math.floor(agents * (1 - q.shrinkage) + 1e-9))
    if productive <= 0:
        return 0.0
    return float(queue_metrics(q, arrivals, sc.slot_minutes * 60, productive).service_level)


def split_view(sc: Scenario, fc: pd.DataFrame, act: pd.DataFrame) -> list[dict]:
    """Per slot with actuals on both sides: the pre-sale share of the intake against its band and
    against the phase's ratio bounds."""
    pre = [q.id for q in sc.config.queues if q.kind == "presale"]
    after = [q.id for q in sc.config.queues if q.kind == "aftersale"]
    if not pre or not after or act is None or act.empty:
        return []
    f = fc.set_index(["slot_start", "queue"])
    a = act.groupby(["slot_start", "queue"]).inquiries.sum()
    bounds = sc.config.ratio_bounds
    phases = slot_phases(sc)
    rows = []
    for t in sorted(set(act.slot_start)):
        if not all((t, q) in a.index for q in pre + after):
            continue
        ap, aa = sum(float(a[(t, q)]) for q in pre), sum(float(a[(t, q)]) for q in after)
        if ap + aa <= 0:
            continue

        p50p, p90p, p50a, p90a = (sum(float(f.loc[(t, q), col]) for q in qs)
                                  for qs, col in ((pre, "p50"), (pre, "p90"), (after, "p50"), (after, "p90")))
        lop, loa = max(0.0, 2 * p50p - p90p), max(0.0, 2 * p50a - p90a)
        share = ap / (ap + aa)
        lo = lop / (lop + p90a) if lop + p90a > 0 else 0.0
        hi = p90p / (p90p + loa) if p90p + loa > 0 else 1.0
        phase = str(phases[sc.slot_index(t.to_pydatetime())])
        rb = bounds.get(phase)
        rows.append({
            "slot_start": _iso(t), "phase": phase, "actual_share": round(share, 4),
            "forecast_share": round(p50p / (p50p + p50a), 4) if p50p + p50a > 0 else None,
            "band": [round(lo, 4), round(hi, 4)],
            "ratio_bounds": None if rb is None else [rb.min_presale_share, rb.max_presale_share],
            "flag": "above" if share > hi + 1e-9 else "below" if share < lo - 1e-9 else "",
            "outside_ratio": rb is not None and not (rb.min_presale_share - 1e-9 <= share <= rb.max_presale_share + 1e-9),
        })
    return rows


def now_view(version: Version, actuals: Actuals | None, now: pd.Timestamp, how: str) -> dict:
    """Everything the "now" panel shows, as plain JSON-ready values."""
    sc = version.scenario
    fc = version.forecast
    asg = version.assignments
    step = pd.Timedelta(minutes=sc.slot_minutes)
    act = actuals.table if actuals is not None else pd.DataFrame(columns=["slot_start", "queue", "inquiries"])
    duty = _on_duty(asg)
    qcol = sc.config.solver.staffing_quantile
    new_fc, ratios = reforecast(sc, fc, act, now.to_pydatetime()) if len(act) else (fc, {})
    new_f = new_fc.set_index(["slot_start", "queue"])
    a = act.set_index(["slot_start", "queue"]).inquiries.to_dict() if len(act) else {}
    now_slot = now.floor(step) if now >= sc.slots[0] else sc.slots[0]
    ahead = [t for t in sc.slots if now_slot <= t < now_slot + pd.Timedelta(hours=AHEAD_HOURS)]
    queues = []
    for q in sc.config.queues:
        f = fc[fc.queue == q.id].sort_values("slot_start")
        series = []
        for r in f.itertuples(index=False):
            actual = a.get((r.slot_start, q.id))
            n = len(duty.get((r.slot_start, q.id), []))
            row = {"t": _iso(r.slot_start), "p50": round(float(r.p50), 2), "p80": round(float(r.p80), 2),
                   "p90": round(float(r.p90), 2), "actual": None if actual is None else float(actual), "agents": n,
                   "flag": "" if actual is None else band_flag(float(actual), float(r.p50), float(r.p90))}
            if actual is not None:
                row["service_level"] = round(expected_service_level(sc, q.id, float(actual), n), 4)
            series.append(row)
        seen = [s for s in series if s["actual"] is not None]
        last = seen[-1] if seen else None
        up = [{"t": _iso(t), "agents": len(duty.get((t, q.id), [])),
               "forecast": round(float(new_f.loc[(t, q.id), qcol]), 2),
               "service_level": round(expected_service_level(sc, q.id, float(new_f.loc[(t, q.id), qcol]), len(duty.get((t, q.id), []))), 4)}
              for t in ahead]
        queues.append({
            "id": q.id, "name": q.name or q.id, "kind": q.kind, "target": {"share": q.target_service_level, "seconds": q.target_answer_seconds},
            "series": series, "last": last,
            "so_far": {"actual": float(sum(s["actual"] for s in seen)), "p50": round(sum(s["p50"] for s in seen), 2),
                       "p90": round(sum(s["p90"] for s in seen), 2)},
            "flagged_hours": sum(1 for s in seen if s["flag"]),
            "reforecast": ratios.get(q.id),
            "on_duty_now": duty.get((now_slot, q.id), []),
            "ahead": up,
        })
    split = split_view(sc, fc, act)
    return {
        "now": _iso(now), "now_source": how, "version": version.number,
        "actuals": None if actuals is None else {"source": actuals.source, "rows": int(len(act)), "revision": actuals.revision},
        "queues": queues, "split": split,
        "split_last": split[-1] if split else None,
        "alerts": _alerts(queues, split),
    }


def _alerts(queues: list[dict], split: list[dict]) -> list[dict]:
    """The flags of the latest hour with actuals: what the supervisor must look at now."""
    out = []
    for q in queues:
        last = q["last"]
        if last and last["flag"]:
            out.append({"kind": "queue", "queue": q["id"], "flag": last["flag"], "t": last["t"],
                        "actual": last["actual"], "p50": last["p50"], "p90": last["p90"]})
    if split:
        s = split[-1]
        if s["flag"]:
            out.append({"kind": "split", "flag": s["flag"], "t": s["slot_start"], "share": s["actual_share"], "band": s["band"]})
        if s["outside_ratio"]:
            out.append({"kind": "ratio", "t": s["slot_start"], "share": s["actual_share"], "bounds": s["ratio_bounds"]})
    return out


def rota_view(version: Version, now: pd.Timestamp, lang: str) -> dict:
    """The rota for the Gantt and the grid, who starts and ends in the next two hours, and the
    handovers due in them with their items."""
    sc = version.scenario
    step = pd.Timedelta(minutes=sc.slot_minutes)
    slots = list(sc.slots)
    index = {t: k for k, t in enumerate(slots)}
    queues = [q.id for q in sc.config.queues]
    code = {q: k for k, q in enumerate(queues)}
    names = {a.agent_id: a.name for a in sc.agents}
    grid: dict[str, list[int]] = {}
    for r in version.assignments.itertuples(index=False):
        row = grid.setdefault(r.agent_id, [-1] * len(slots))
        k = index.get(r.slot_start)
        if k is not None:
            row[k] = -2 if r.activity == "break" else code.get(r.activity, -1)
    agents = []
    for a in sc.agents:
        if a.agent_id in grid:
            agents.append({"id": a.agent_id, "name": a.name, "contract": a.contract, "core": a.core, "cells": grid[a.agent_id]})
    soon = now + pd.Timedelta(hours=2)
    sh = version.shifts

    def shift_rows(df: pd.DataFrame) -> list[dict]:
        return [{"agent_id": r.agent_id, "name": names.get(r.agent_id, r.agent_id), "start": _iso(r.start), "end": _iso(r.end)}
                for r in df.sort_values(["start", "agent_id"]).itertuples(index=False)]

    starts = sh[(sh.start >= now) & (sh.start < soon)]
    ends = sh[(sh.end > now) & (sh.end <= soon)].sort_values("end")
    ho = version.handovers(lang)
    due = ho[(ho.time >= now) & (ho.time <= soon)] if len(ho) else ho
    handovers = []
    for r in due.itertuples(index=False):
        d = r._asdict()
        handovers.append({k: (_iso(v) if isinstance(v, pd.Timestamp) else ("" if isinstance(v, float) and np.isnan(v) else v))
                          for k, v in d.items()})
    return {
        "version": version.number, "now": _iso(now), "slot_minutes": sc.slot_minutes,
        "slots": [_iso(t) for t in slots], "queues": [{"id": q.id, "name": q.name or q.id, "kind": q.kind} for q in sc.config.queues],
        "agents": agents, "starting": shift_rows(starts), "ending": shift_rows(ends), "handovers": handovers,
        "step_minutes": int(step.total_seconds() // 60),
    }
