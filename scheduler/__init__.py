"""scheduler: workforce scheduling for online-shop customer service around big sales.

The pipeline as plain functions, each usable alone with pandas DataFrames in and out (the CLI
calls these same functions)::

    import scheduler

    sc = scheduler.load_scenario("double11")        # a built-in name or your scenario folder
    fc = scheduler.forecast(sc)                     # slot_start, queue, p50, p80, p90, ...
    chain = scheduler.sizing(sc, fc)                # the big-sale sizing chain, source formula beside it
    req = scheduler.staffing(sc, fc)                # agents required per slot and queue
    p = scheduler.plan(sc, time_limit=20)           # forecast -> staffing -> rota -> coverage, summary
    scheduler.write_plan(p, "plan", extra_writers=scheduler.people_writers("en"))
    report = scheduler.check("plan")                # independent check of the plan folder
    assert report.ok, report.violations
    new = scheduler.replan("plan", "actuals.csv", "2026-11-11T12:00:00+08:00")
    new.changes                                     # who changed: agent_id, change, before, after
    rv = scheduler.review("plan", "agent_stats.csv")  # after the event: KPIs, flags (review folder)

`staffing`, `check`, `replan` and `review` are the stage functions; their packages hold the
helpers: ``scheduler.staffing_model`` (``erlang_c``, ``queue_metrics``, ...), ``scheduler.checker``
(``check_rota``, ...), ``scheduler.replanning`` (``format_changes``, ...) and ``scheduler.reviewing``.

Names are imported on first use, so ``import scheduler`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from scheduler.version import __version__

_PUBLIC: dict[str, tuple[str, str]] = {
    "InfeasibleError": ("scheduler.errors", "InfeasibleError"),
    "InputError": ("scheduler.errors", "InputError"),
    "Problem": ("scheduler.errors", "Problem"),
    "Scenario": ("scheduler.scenario", "Scenario"),
    "load_scenario": ("scheduler.scenario", "load_scenario"),
    "builtin_names": ("scheduler.scenario", "builtin_names"),
    "forecast": ("scheduler.demand", "forecast"),
    "sizing": ("scheduler.demand", "sizing"),
    "staffing": ("scheduler.staffing_model", "staffing"),
    "Plan": ("scheduler.results", "Plan"),
    "RotaResult": ("scheduler.results", "RotaResult"),
    "plan": ("scheduler.pipeline", "plan"),
    "check": ("scheduler.checker", "check_folder"),
    "check_folder": ("scheduler.checker", "check_folder"),
    "check_rota": ("scheduler.checker", "check_rota"),
    "format_report": ("scheduler.checker", "format_report"),
    "CheckReport": ("scheduler.checker", "CheckReport"),
    "Violation": ("scheduler.checker", "Violation"),
    "replan": ("scheduler.replanning", "replan"),
    "format_changes": ("scheduler.replanning", "format_changes"),
    "review": ("scheduler.reviewing", "review"),
    "write_plan": ("scheduler.report", "write_plan"),
    "people_writers": ("scheduler.report", "people_writers"),
    "replan_writers": ("scheduler.report", "replan_writers"),
    "handover_sheet": ("scheduler.handover", "handover_sheet"),
}
"""The public names: each is loaded from (module, attribute) on first use."""

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    """Load a public name on first use (keeps ``import scheduler`` free of pandas and OR-Tools)."""
    try:
        module_name, attr = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
