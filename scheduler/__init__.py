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

`staffing`, `replan` and `review` are also the modules of those names: calling the module calls its
stage function, while ``scheduler.staffing.erlang_c`` and the other helpers stay reachable as
attributes. ``scheduler.check(folder)`` is ``check_folder(folder)`` of the checker's package,
``scheduler.checker``.

Names are imported on first use, so ``import scheduler`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from scheduler.errors import InfeasibleError, InputError, Problem
from scheduler.version import __version__

if TYPE_CHECKING:  # what static tools and IDEs see; at run time these load on first use
    from scheduler import check, replan, review, staffing
    from scheduler.checker import CheckReport, Violation, check_folder, check_rota, format_report
    from scheduler.demand import forecast, sizing
    from scheduler.handover import handover_sheet
    from scheduler.pipeline import plan
    from scheduler.report.files import replan_writers, write_plan
    from scheduler.results import Plan, RotaResult
    from scheduler.scenario import Scenario, builtin_names, load_scenario

# public name -> (module, attribute); attribute None means the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "Scenario": ("scheduler.scenario", "Scenario"),
    "load_scenario": ("scheduler.scenario", "load_scenario"),
    "builtin_names": ("scheduler.scenario", "builtin_names"),
    "forecast": ("scheduler.demand", "forecast"),
    "sizing": ("scheduler.demand", "sizing"),
    "staffing": ("scheduler.staffing", None),
    "Plan": ("scheduler.results", "Plan"),
    "plan": ("scheduler.pipeline", "plan"),
    "RotaResult": ("scheduler.results", "RotaResult"),
    "check": ("scheduler.checker", "check_folder"),
    "check_folder": ("scheduler.checker", "check_folder"),
    "check_rota": ("scheduler.checker", "check_rota"),
    "format_report": ("scheduler.checker", "format_report"),
    "CheckReport": ("scheduler.checker", "CheckReport"),
    "Violation": ("scheduler.checker", "Violation"),
    "replan": ("scheduler.replan", None),
    "review": ("scheduler.review", None),
    "write_plan": ("scheduler.report.files", "write_plan"),
    "replan_writers": ("scheduler.report.files", "replan_writers"),
    "handover_sheet": ("scheduler.handover", "handover_sheet"),
}

# modules that are also callable stages: module name -> the function a call runs
_STAGES: dict[str, str] = {"staffing": "staffing", "replan": "replan", "review": "review"}

__all__ = [
    "CheckReport",
    "InfeasibleError",
    "InputError",
    "Plan",
    "Problem",
    "RotaResult",
    "Scenario",
    "Violation",
    "__version__",
    "builtin_names",
    "check",
    "check_folder",
    "check_rota",
    "forecast",
    "format_report",
    "handover_sheet",
    "load_scenario",
    "people_writers",
    "plan",
    "replan",
    "replan_writers",
    "review",
    "sizing",
    "staffing",
    "write_plan",
]


class _StageModule(types.ModuleType):
    """A stage's module that can also be called as the stage: ``scheduler.staffing(sc, fc)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        short = self.__name__.rpartition(".")[2]
        return getattr(self, _STAGES[short])(*args, **kwargs)


class _Package(types.ModuleType):
    """The package module: makes the stage modules callable whenever they are imported.

    The import system binds a submodule to its parent with setattr once it is loaded; catching
    that here keeps ``scheduler.staffing`` both the module (as the rest of the code expects) and
    the stage function, whichever is imported first and by whom.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _STAGES and isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            value.__class__ = _StageModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
for _short in _STAGES:  # stage modules imported before this file ran (importlib.reload)
    _mod = sys.modules.get(f"{__name__}.{_short}")
    if _mod is not None:
        setattr(sys.modules[__name__], _short, _mod)
del _short, _mod


def __getattr__(name: str) -> Any:
    """Load a public name on first use (keeps ``import scheduler`` free of pandas and OR-Tools)."""
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    if attr is not None:
        globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def people_writers(lang: str = "zh") -> list:
    """Writers of the people's files that ``scheduler plan`` adds to a plan folder.

    handover.csv, coverage.png, gantt.png, rota.xlsx and report.html, labelled in `lang` ("zh":
    Chinese with English beside, or "en"). Pass them to `write_plan`::

        scheduler.write_plan(p, "plan", extra_writers=scheduler.people_writers("en"))

    Returns [] when this install has no people's report module (the CSV contract is still written).
    """
    try:
        from scheduler.report.people import writers
    except ImportError:
        return []
    return writers(lang)
