"""Hand-built rotas and scenario variants for the checker's tests (no solver involved)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from scheduler.scenario import BUILTIN_DIR, Scenario, load_scenario


@dataclass
class S:
    """One shift: agent, local start "HH:MM" on horizon day `day`, span in hours.

    brk: hours after the start when the break begins (None = the contract's earliest, when the
    contract wants a break; False = no break). queue: the activity of the working slots (default:
    the agent's first skill). acts: {"HH:MM" on the shift's day (or later): activity} overrides.
    """

    agent: str
    start: str
    hours: float
    day: int = 0
    brk: float | bool | None = None
    queue: str | None = None
    acts: dict[str, str] = field(default_factory=dict)


def _local(sc: Scenario, day: int, hhmm: str) -> pd.Timestamp:
    d0 = pd.Timestamp(sc.config.horizon.start).tz_convert(sc.tz).normalize()
    h, m = (int(x) for x in hhmm.split(":"))
    return d0 + pd.Timedelta(days=day, hours=h, minutes=m)


def make_rota(sc: Scenario, specs: list[S]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """shifts and assignments DataFrames (tz-aware Timestamps) for these shifts."""
    shifts, rows = [], []
    step = pd.Timedelta(minutes=sc.slot_minutes)
    for sp in specs:
        a = sc.agent(sp.agent)
        c = sc.contract(a.contract)
        start = _local(sc, sp.day, sp.start)
        end = start + pd.Timedelta(hours=sp.hours)
        b0 = b1 = None
        if sp.brk is not False and (sp.brk is not None or (c.break_minutes > 0 and sp.hours >= c.break_from_span_hours)):
            off = c.break_earliest_hours if sp.brk is None else float(sp.brk)
            b0 = start + pd.Timedelta(hours=off)
            b1 = b0 + pd.Timedelta(minutes=c.break_minutes)
        q = sp.queue or a.skills[0]
        over = {}
        for hhmm, act in sp.acts.items():
            t = _local(sc, sp.day, hhmm)
            if t < start:
                t += pd.Timedelta(days=1)
            over[t] = act
        t = start
        breaks = []
        while t < end:
            act = "break" if b0 is not None and b0 <= t < b1 else q
            act = over.get(t, act)
            if act == "break":
                breaks.append(t)
            rows.append({"agent_id": a.agent_id, "slot_start": t, "activity": act})
            t += step
        paid = sp.hours - len(breaks) * sc.slot_minutes / 60
        # the stated break is the one in the assignments when it is one piece, else left blank
        one_piece = breaks and breaks[-1] - breaks[0] == step * (len(breaks) - 1)
        b0, b1 = (breaks[0], breaks[-1] + step) if one_piece else (None, None)
        shifts.append({
            "agent_id": a.agent_id, "agent_name": a.name, "contract": a.contract, "core": a.core,
            "start": start, "end": end, "paid_hours": paid,
            "break_start": b0, "break_end": b1, "overtime_hours": np.nan, "wage_yuan": np.nan,
        })
    cols = ["agent_id", "agent_name", "contract", "core", "start", "end", "paid_hours",
            "break_start", "break_end", "overtime_hours", "wage_yuan"]
    return (pd.DataFrame(shifts, columns=cols),
            pd.DataFrame(rows, columns=["agent_id", "slot_start", "activity"]))


def flat_forecast(sc: Scenario, value: float) -> pd.DataFrame:
    """Every slot and queue: p50 = p80 = p90 = value."""
    rows = [(t, q.id, value, value, value) for t in sc.slots for q in sc.config.queues]
    return pd.DataFrame(rows, columns=["slot_start", "queue", "p50", "p80", "p90"])


def custom_scenario(
    tmp_path: Path,
    name: str,
    *,
    base: str = "small_shop",
    edit: Any = None,
    agents: str | None = None,
    time_off: str | None = None,
    preferences: str | None = None,
) -> Scenario:
    """Copy a built-in scenario into tmp_path/name, apply edit(cfg dict) and replace tables."""
    folder = tmp_path / name
    shutil.copytree(BUILTIN_DIR / base, folder)
    cfg = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    cfg = json.loads(json.dumps(cfg, default=str))  # dates and times back to text
    if edit is not None:
        edit(cfg)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for fname, text in (("agents.csv", agents), ("time_off.csv", time_off), ("preferences.csv", preferences)):
        if text == "":
            (folder / fname).unlink(missing_ok=True)
        elif text is not None:
            (folder / fname).write_text(text.strip() + "\n", encoding="utf-8")
    return load_scenario(folder)


def to_csv_text(df: pd.DataFrame) -> str:
    """Times as ISO 8601 with offset, as the planner writes them."""
    out = df.copy()
    for c in out.columns:
        out[c] = [v.isoformat() if isinstance(v, pd.Timestamp) else ("" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
                  for v in out[c]]
    return out.to_csv(index=False)


def write_plan(
    folder: Path,
    sc: Scenario,
    shifts: pd.DataFrame,
    assignments: pd.DataFrame,
    forecast: pd.DataFrame | None = None,
    *,
    coverage: pd.DataFrame | None = None,
    summary: dict | None = None,
    bom: bool = False,
) -> Path:
    """A plan folder as the planner writes it (scenario copy + CSVs)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(sc.folder, folder / "scenario")
    enc = "utf-8-sig" if bom else "utf-8"
    (folder / "shifts.csv").write_text(to_csv_text(shifts), encoding=enc)
    (folder / "assignments.csv").write_text(to_csv_text(assignments), encoding=enc)
    if forecast is not None:
        (folder / "forecast.csv").write_text(to_csv_text(forecast), encoding="utf-8")
    if coverage is not None:
        (folder / "coverage.csv").write_text(to_csv_text(coverage), encoding="utf-8")
    if summary is not None:
        (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def roster_scenario(tmp_path, roster: dict | None, agents: int = 1, days: int = 14, name: str = "roster"):
    """From Monday 15 June 2026 (weekends 20-21 and 27-28 June in 14 days): one contract `shop`,
    8-hour shifts starting 08:00 (type early) or 16:00 (late), 8 h rest, no break; `roster` are
    its day-roster settings (None: none)."""

    def edit(cfg):
        cfg["horizon"] = {"start": "2026-06-15T00:00:00+08:00", "end": f"2026-06-{15 + days:02d}T00:00:00+08:00", "slot_minutes": 60}
        cfg.pop("event", None)
        contract = {
            "kind": "full_time", "hourly_wage_yuan": 30, "shift_spans_hours": [8], "start_times": ["08:00", "16:00"],
            "max_overtime_hours_per_day": 0, "min_rest_hours": 8, "max_consecutive_days": 6, "max_hours_per_week": 40,
        }
        if roster is not None:
            contract["roster"] = {"shift_types": {"early": ["08:00"], "late": ["16:00"]}, **roster}
        cfg["contracts"] = {"shop": contract}

    rows = "\n".join(f"A{k},Agent {k},shop,true,chat,,false" for k in range(1, agents + 1))
    return custom_scenario(tmp_path, name, edit=edit, agents="agent_id,name,contract,core,skills,availability,standby\n" + rows)
