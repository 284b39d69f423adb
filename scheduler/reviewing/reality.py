"""Plan against reality, per hour and queue: who was planned, who was online, what came in, how
fast it was answered, beside what the plan expected; and the hours where a shortfall (planned,
or from absence) showed up as slow answers or lost buyers, named with their cause.

Sources, all in the plan folder or the review's inputs:

* planned agents: assignments.csv (agent-hours on the queue in the hour; a head count for
  hourly slots); required agents: staffing.csv's `required` (the staffing stage's head count)
* the plan's expected answer time and abandonment: coverage.csv (the chat model at the agents
  the rota scheduled) and staffing.csv (at the required head count)
* online agents: the export's hour rows (an agent online in the hour on the queue the plan put
  them on; online minutes / 60 as agent-hours)
* inquiries, answered, abandoned: the hourly actuals (replan's actuals.csv) when given, else the
  export's buyers received and answered
* measured response: the export's first and average response, weighted by buyers answered
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.replanning import load_actuals, read_plan_csv
from scheduler.reviewing.export import AgentStats
from scheduler.scenario import Scenario, read_csv_rows

ACTUALS_COLUMNS = (["slot_start", "queue", "inquiries"], ["answered", "abandoned", "agents_online"])
NOT_ABOVE_INQUIRIES = ("answered", "abandoned")

COLUMNS = ["hour_start", "queue", "planned_agents", "required_agents", "online_agents", "online_agent_hours",
           "agents_online_reported", "forecast_inquiries", "planned_demand", "inquiries", "answered", "abandoned",
           "abandon_rate", "expected_abandon_rate", "first_response_seconds", "avg_response_seconds",
           "expected_asa_seconds", "required_asa_seconds", "target_answer_seconds", "planned_short", "absent_short",
           "slow", "symptom", "cause"]


def load_review_actuals(path: Path | str, sc: Scenario) -> pd.DataFrame:
    """replan's actuals.csv, every slot of the plan's horizon allowed (the event is over), and
    answered and abandoned each at most the inquiries of their row (and together too)."""
    path = Path(path)
    df = load_actuals(path, sc, datetime.max.replace(tzinfo=UTC))
    rows = read_csv_rows(path, *ACTUALS_COLUMNS)
    problems = []
    for (i, _), r in zip(rows, df.itertuples(index=False), strict=True):
        for fld in NOT_ABOVE_INQUIRIES:
            v = getattr(r, fld, np.nan)
            if pd.notna(v) and v > r.inquiries:
                problems.append(Problem(path.name, fld, f"{v:g} with inquiries {r.inquiries:g} ({v / max(r.inquiries, 1):.0%})",
                                        "at most the row's inquiries (a share of at most 100 %)", i))
        a, b = getattr(r, "answered", np.nan), getattr(r, "abandoned", np.nan)
        if pd.notna(a) and pd.notna(b) and a <= r.inquiries and b <= r.inquiries and a + b > r.inquiries:
            problems.append(Problem(path.name, "abandoned", f"{b:g} + answered {a:g} > inquiries {r.inquiries:g}",
                                    "answered + abandoned at most the inquiries", i))
        n = getattr(r, "agents_online", np.nan)
        if pd.notna(n) and n != int(n):
            problems.append(Problem(path.name, "agents_online", f"{n:g}", "a whole number of agents", i))
    if problems:
        raise InputError(problems)
    for c in ("answered", "abandoned", "agents_online"):
        if c not in df.columns:
            df[c] = np.nan
    return df


def _hour(ts: pd.Series) -> pd.Series:
    return ts.dt.floor("h")


def planned_agents(plan_dir: Path, sc: Scenario) -> pd.DataFrame:
    """hour_start, queue, planned_agents: agent-hours the rota put on the queue in the hour."""
    asg = read_plan_csv(plan_dir / "assignments.csv", sc, ["agent_id", "slot_start", "activity"], ["slot_start"])
    work = asg[asg.activity.isin([q.id for q in sc.config.queues])]
    per = work.assign(hour_start=_hour(work.slot_start), queue=work.activity).groupby(["hour_start", "queue"]).size()
    return (per * (sc.slot_minutes / 60)).rename("planned_agents").reset_index()


def plan_expectations(plan_dir: Path, sc: Scenario) -> pd.DataFrame:
    """Per hour and queue: required agents and the answer time and abandonment the plan expected
    (coverage.csv at the rota's agents, staffing.csv at the required head count), forecast."""
    cov = read_plan_csv(plan_dir / "coverage.csv", sc, ["slot_start", "queue", "forecast", "planned_demand", "asa_seconds",
                                                        "abandon_rate"], ["slot_start"])
    stf = read_plan_csv(plan_dir / "staffing.csv", sc, ["slot_start", "queue", "required", "asa_seconds"], ["slot_start"])
    m = cov.merge(stf[["slot_start", "queue", "required", "asa_seconds"]], on=["slot_start", "queue"], suffixes=("", "_required"))
    m["hour_start"] = _hour(m.slot_start)
    m["lost"] = m.abandon_rate * m.planned_demand
    g = m.groupby(["hour_start", "queue"])
    out = g.agg(forecast_inquiries=("forecast", "sum"), planned_demand=("planned_demand", "sum"), required_agents=("required", "mean"),
                expected_asa_seconds=("asa_seconds", "mean"), required_asa_seconds=("asa_seconds_required", "mean"),
                lost=("lost", "sum")).reset_index()
    out["expected_abandon_rate"] = out.lost / out.planned_demand.where(out.planned_demand > 0)
    return out.drop(columns="lost")


def online_from_export(stats: AgentStats, sc: Scenario) -> pd.DataFrame:
    """Per hour and queue from the export's hour rows: agents online, agent-hours online,
    buyers received and answered, answered-weighted first and average response."""
    r = stats.rows[(stats.rows.hour >= 0) & (stats.rows.get("queue", pd.Series("", index=stats.rows.index)) != "")]
    if not len(r):
        return pd.DataFrame(columns=["hour_start", "queue"])
    start = [pd.Timestamp(datetime.combine(d, datetime.min.time()).replace(hour=h), tz=sc.tz) for d, h in zip(r.date, r.hour, strict=True)]
    r = r.assign(hour_start=pd.DatetimeIndex(start), online=(r.online_minutes > 0).astype(int),
                 fr=r.first_response_seconds * r.buyers_answered, ar=r.avg_response_seconds * r.buyers_answered)
    g = r.groupby(["hour_start", "queue"]).agg(online_agents=("online", "sum"), online_minutes=("online_minutes", "sum"),
                                               received=("buyers_received", "sum"), answered_export=("buyers_answered", "sum"),
                                               fr=("fr", "sum"), ar=("ar", "sum")).reset_index()
    den = g.answered_export.where(g.answered_export > 0)
    g["first_response_seconds"] = g.fr / den
    g["avg_response_seconds"] = g.ar / den
    g["online_agent_hours"] = g.online_minutes / 60
    return g.drop(columns=["fr", "ar", "online_minutes"])


def plan_vs_reality(plan_dir: Path | str, sc: Scenario, stats: AgentStats, actuals: pd.DataFrame | None) -> pd.DataFrame:
    """The table of the module doc (COLUMNS), one row per hour of the horizon and queue."""
    plan_dir = Path(plan_dir)
    hours = pd.DatetimeIndex(sorted({pd.Timestamp(t).floor("h") for t in sc.slots}))
    grid = pd.DataFrame([(h, q.id) for h in hours for q in sc.config.queues], columns=["hour_start", "queue"])
    grid["hour_start"] = grid.hour_start.astype(f"datetime64[us, {sc.config.timezone}]")
    out = grid.merge(_same_dtype(planned_agents(plan_dir, sc), sc), on=["hour_start", "queue"], how="left")
    out["planned_agents"] = out.planned_agents.fillna(0.0)
    out = out.merge(_same_dtype(plan_expectations(plan_dir, sc), sc), on=["hour_start", "queue"], how="left")
    online = online_from_export(stats, sc)
    if len(online):
        out = out.merge(_same_dtype(online, sc), on=["hour_start", "queue"], how="left")
        out[["online_agents", "online_agent_hours", "received", "answered_export"]] = \
            out[["online_agents", "online_agent_hours", "received", "answered_export"]].fillna(0)
    else:
        for c in ("online_agents", "online_agent_hours", "received", "answered_export", "first_response_seconds", "avg_response_seconds"):
            out[c] = np.nan
    if actuals is not None:
        a = actuals.assign(hour_start=_hour(actuals.slot_start)).groupby(["hour_start", "queue"]).agg(
            inquiries=("inquiries", "sum"), answered=("answered", lambda s: s.sum(min_count=1)),
            abandoned=("abandoned", lambda s: s.sum(min_count=1)), agents_online_reported=("agents_online", "mean")).reset_index()
        out = out.merge(_same_dtype(a, sc), on=["hour_start", "queue"], how="left")
        out["answered"] = out.answered.fillna(out.answered_export)
        out["abandoned"] = out.abandoned.fillna(out.inquiries - out.answered)
    else:
        out["inquiries"], out["answered"] = out.received, out.answered_export
        out["abandoned"], out["agents_online_reported"] = out.received - out.answered_export, np.nan
    out["abandon_rate"] = out.abandoned / out.inquiries.where(out.inquiries > 0)
    targets = {q.id: q for q in sc.config.queues}
    out["target_answer_seconds"] = out.queue.map(lambda q: targets[q].target_answer_seconds)
    out["planned_short"] = (out.required_agents - out.planned_agents).clip(lower=0)
    out["absent_short"] = (out.planned_agents - out.online_agents).clip(lower=0) if len(online) else np.nan
    named = [slow_hour(r, targets[r["queue"]]) for r in out.to_dict("records")]
    out["slow"] = [s is not None for s in named]
    out["symptom"] = [s[0] if s else "" for s in named]
    out["cause"] = [s[1] if s else "" for s in named]
    return out[COLUMNS].sort_values(["hour_start", "queue"]).reset_index(drop=True)


def _same_dtype(df: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    return df.assign(hour_start=pd.to_datetime(df.hour_start).astype(f"datetime64[us, {sc.config.timezone}]"))


def slow_hour(r: dict, queue) -> tuple[str, str] | None:
    """(symptom, cause) when the hour missed the queue's own targets: first response above the
    target answer time, or more buyers lost than the abandonment cap; None when it did not.
    Causes, as many as apply: the plan was short of the staffing stage's head count, scheduled
    agents were not online, more inquiries came than the plan staffed for; else the agents were
    slower than the plan assumed."""
    symptoms = []
    fr, ab = r["first_response_seconds"], r["abandon_rate"]
    if pd.notna(fr) and fr > queue.target_answer_seconds:
        symptoms.append(f"first response {fr:.0f} s > {queue.target_answer_seconds:g} s")
    if pd.notna(ab) and r["inquiries"] > 0 and ab > queue.max_abandon_rate:
        symptoms.append(f"{ab:.0%} of {r['inquiries']:.0f} inquiries abandoned > {queue.max_abandon_rate:.0%}")
    if not symptoms:
        return None
    causes = []
    if r["planned_short"] > 0:
        causes.append(f"planned short: {r['planned_agents']:g} planned of {r['required_agents']:g} required")
    if pd.notna(r["absent_short"]) and r["absent_short"] > 0:
        causes.append(f"absence: {r['online_agents']:g} of {r['planned_agents']:g} planned online")
    if pd.notna(r["planned_demand"]) and r["inquiries"] > r["planned_demand"] * 1.1:
        causes.append(f"demand: {r['inquiries']:.0f} inquiries vs {r['planned_demand']:.0f} staffed for")
    if not causes:
        causes.append("none of the plan's: handling slower than planned")
    return "; ".join(symptoms), "; ".join(causes)


def named_slow_hours(table: pd.DataFrame) -> list[str]:
    """One line per slow hour and queue: when, which queue, what showed, why."""
    s = table[table.slow]
    return [f"{r.hour_start.strftime('%Y-%m-%d %H:%M')} {r.queue}: {r.symptom} ({r.cause})" for r in s.itertuples(index=False)]
