"""The after-sale review: what the agents actually did, set against the plan (DOMAIN.md points 8, 9).

`review(plan_dir, agent_stats, actuals)` reads a plan folder, the shop's per-agent export and
optionally the hourly actuals, and returns:

- kpis.py: the KPI tables (team and per agent, by day, week and month) and the agents outside
  the band, each with the KPI that flags them;
- pay.py: pay per agent for the period under the scenario's `pay:` scheme, every term shown;
- reality.py: plan against reality per hour and queue, the slow hours named with their cause;
- learning.py: the plan's assumptions re-estimated, as a proposed scenario change.

export.py reads the export, sim.py simulates an event with known truth. The command line is
`scheduler review PLAN_DIR --agent-stats FILE [--actuals FILE] [--out DIR]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.reviewing.export import AgentStats, load_agent_stats
from scheduler.reviewing.kpis import BANDS, flag_rows, kpi_table
from scheduler.reviewing.learning import Learning, change_markdown, learn, proposed_scenario
from scheduler.reviewing.pay import pay_table
from scheduler.reviewing.reality import load_review_actuals, named_slow_hours, plan_vs_reality
from scheduler.scenario import Scenario, load_scenario

__all__ = ["BANDS", "AgentStats", "Learning", "Review", "load_agent_stats", "load_plan_scenario", "load_review_actuals", "review"]


@dataclass
class Review:
    """Everything a review folder holds, in memory."""

    scenario: Scenario
    stats: AgentStats
    kpis: pd.DataFrame
    flags: pd.DataFrame
    pay: pd.DataFrame
    reality: pd.DataFrame
    learning: Learning
    proposed_yaml: str
    proposed_md: str
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


def plan_lang(plan_dir: Path | str) -> str:
    """The language the plan's people's files were written in (summary.json), zh by default."""
    import json

    try:
        lang = json.loads((Path(plan_dir) / "summary.json").read_text(encoding="utf-8")).get("lang", "zh")
    except (OSError, ValueError, AttributeError):
        return "zh"
    return lang if lang in ("zh", "en") else "zh"


def review(plan_dir: Path | str, agent_stats: Path | str, actuals: Path | str | None = None) -> Review:
    """Review a plan folder against the shop's per-agent export and hourly actuals (module doc).
    All inputs are read and validated before anything is computed."""
    sc = load_plan_scenario(plan_dir)
    problems: list[Problem] = []
    stats = act = None
    try:
        stats = load_agent_stats(agent_stats, sc)
    except InputError as exc:
        problems += exc.problems
    if actuals is not None:
        try:
            act = load_review_actuals(actuals, sc)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    assert stats is not None
    stats = with_planned_queue(stats, planned_assignments(plan_dir, sc))
    table = kpi_table(stats, sc)
    flags = flag_rows(table)
    pay = pay_table(stats, sc)
    reality = plan_vs_reality(plan_dir, sc, stats, act)
    learning = learn(plan_dir, sc, stats, reality, act)
    yaml_text, _, diff = proposed_scenario(sc, learning)
    header = (f"# Proposed by `scheduler review` of {Path(plan_dir).name}: see proposed_change.md for every change and its\n"
              "# evidence. Not applied: copy it over scenario.yaml only if you agree.\n")
    summary = {
        "plan": str(plan_dir),
        "agent_stats": stats.file,
        "actuals": Path(actuals).name if actuals is not None else None,
        "rows": len(stats.rows),
        "hourly": stats.hourly,
        "days": sorted({d.isoformat() for d in stats.rows.date}),
        "agents": int(stats.rows.agent_id.nunique()),
        "ignored_columns": stats.ignored_columns,
        "flagged_agents": sorted(set(flags[flags.grain == "month"].agent_id)),
        "pay": ({"total_yuan": float(pay.total_yuan.sum()), "base_yuan": float(pay.base_yuan.sum()),
                 "commission_yuan": float(pay.commission_yuan.sum()),
                 "commission_cut_agents": sorted(pay[pay.commission_share_kept < 1].agent_id)}
                if len(pay) else "no pay: section in the scenario"),
        "slow_hours": named_slow_hours(reality),
        "online_rows_off_the_rota": int(((stats.rows.hour >= 0) & (stats.rows.queue == "") & (stats.rows.online_minutes > 0)).sum())
        if "queue" in stats.rows.columns else 0,
        "proposed_changes": {e.setting: {"before": e.before, "after": e.proposed} for e in learning.estimates
                             if e.proposed is not None},
        "proposed_past_event": learning.past_event,
        "lang": plan_lang(plan_dir),
    }
    return Review(scenario=sc, stats=stats, kpis=table, flags=flags, pay=pay, reality=reality, learning=learning,
                  proposed_yaml=header + yaml_text, proposed_md=change_markdown(sc, learning, diff, Path(plan_dir).name),
                  summary=summary)
