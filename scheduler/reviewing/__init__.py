"""The after-sale review: what the agents actually did, set against the plan (DOMAIN.md points 8, 9).

`review(plan_dir, agent_stats)` reads a plan folder and the shop's per-agent export and returns
the KPI tables (team and per agent, by day, week and month) and the agents outside the band,
each with the KPI that flags them. The command line is `scheduler review PLAN_DIR --agent-stats FILE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.reviewing.export import AgentStats, load_agent_stats
from scheduler.reviewing.kpis import BANDS, flag_rows, kpi_table
from scheduler.scenario import Scenario, load_scenario

__all__ = ["BANDS", "AgentStats", "Review", "load_agent_stats", "load_plan_scenario", "review"]


@dataclass
class Review:
    """Everything a review folder holds, in memory."""

    scenario: Scenario
    stats: AgentStats
    kpis: pd.DataFrame
    flags: pd.DataFrame
    summary: dict = field(default_factory=dict)


def load_plan_scenario(plan_dir: Path | str) -> Scenario:
    """The scenario copy a plan folder keeps (scenario/), so a review needs nothing else."""
    folder = Path(plan_dir)
    if not (folder / "scenario" / "scenario.yaml").exists():
        raise InputError([Problem(str(folder), "PLAN_DIR", "no scenario/ copy in the folder",
                                  "a plan folder written by `scheduler plan`")])
    return load_scenario(folder / "scenario")


def planned_assignments(plan_dir: Path | str, sc: Scenario) -> pd.DataFrame:
    """The plan's assignments.csv: agent_id, slot_start (in the scenario's zone), activity."""
    from scheduler.replanning import read_plan_csv

    return read_plan_csv(Path(plan_dir) / "assignments.csv", sc, ["agent_id", "slot_start", "activity"], ["slot_start"])


def with_planned_queue(stats: AgentStats, assignments: pd.DataFrame) -> AgentStats:
    """Each hour row gets the queue the plan put the agent on at that hour ("" if none), so an
    agent's hours are set beside the same queue's hours."""
    if not stats.hourly:
        return stats
    work = assignments[assignments.activity != "break"]
    key = {(a, t.date(), t.hour): q for a, t, q in zip(work.agent_id, work.slot_start, work.activity, strict=True)
           if t.minute == 0}
    rows = stats.rows.assign(queue=[key.get((a, d, h), "") for a, d, h in
                                    zip(stats.rows.agent_id, stats.rows.date, stats.rows.hour, strict=True)])
    return AgentStats(rows=rows, file=stats.file, hourly=stats.hourly, ignored_columns=stats.ignored_columns)


def review(plan_dir: Path | str, agent_stats: Path | str) -> Review:
    """Review a plan folder against the shop's per-agent export (see the module doc)."""
    sc = load_plan_scenario(plan_dir)
    stats = load_agent_stats(agent_stats, sc)
    stats = with_planned_queue(stats, planned_assignments(plan_dir, sc))
    table = kpi_table(stats, sc)
    flags = flag_rows(table)
    summary = {
        "plan": str(plan_dir),
        "agent_stats": stats.file,
        "rows": len(stats.rows),
        "hourly": stats.hourly,
        "days": sorted({d.isoformat() for d in stats.rows.date}),
        "agents": int(stats.rows.agent_id.nunique()),
        "ignored_columns": stats.ignored_columns,
        "flagged_agents": sorted(set(flags[flags.grain == "month"].agent_id)),
    }
    return Review(scenario=sc, stats=stats, kpis=table, flags=flags, summary=summary)
