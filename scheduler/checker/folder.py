"""Checking a plan folder: its scenario copy, shifts.csv, assignments.csv and forecast.csv, and
the planner's figures in coverage.csv and summary.json against the recomputed ones."""

from __future__ import annotations

import json
from pathlib import Path

from scheduler.checker.context import Context
from scheduler.checker.figures import compare_coverage, compare_summary
from scheduler.checker.report import CheckReport, Violation
from scheduler.checker.run import check_rota
from scheduler.checker.tables import read_csv
from scheduler.errors import InputError, Problem
from scheduler.scenario import Scenario, load_scenario, read_text


def check_folder(folder: str | Path, scenario: Scenario | str | Path | None = None) -> CheckReport:
    """Check a plan folder: its rota against the rules, its stated figures against recomputed ones.

    The scenario is `scenario` when given (a loaded Scenario, a folder or a built-in name), else
    the folder's own `scenario/` copy. Reads shifts.csv and assignments.csv (required),
    forecast.csv (optional: without it the coverage figures are skipped), and compares with
    coverage.csv and summary.json when present.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "DIR", "no such folder", "a plan folder holding shifts.csv and assignments.csv")])
    if isinstance(scenario, Scenario):
        sc = scenario
    elif scenario is not None:
        sc = load_scenario(scenario)
    else:
        sdir = folder / "scenario"
        if not (sdir / "scenario.yaml").is_file():
            raise InputError([Problem(f"{folder.name}/scenario", "scenario.yaml", "no such file",
                                      "the copy of the scenario the plan was made from (or name the scenario: scheduler check SCENARIO DIR)")])
        sc = load_scenario(sdir)
    problems: list[Problem] = []
    shifts = read_csv(folder / "shifts.csv", problems)
    assignments = read_csv(folder / "assignments.csv", problems)
    forecast = read_csv(folder / "forecast.csv", problems) if (folder / "forecast.csv").exists() else None
    coverage = read_csv(folder / "coverage.csv", problems) if (folder / "coverage.csv").exists() else None
    summary = _read_summary(folder / "summary.json", problems) if (folder / "summary.json").exists() else None
    report = None
    if shifts is not None and assignments is not None:
        try:
            report = check_rota(sc, shifts, assignments, forecast)
        except InputError as exc:
            problems += exc.problems
    if problems or report is None:
        raise InputError(problems)
    extra: list[Violation] = []
    if coverage is not None:
        extra += compare_coverage(Context(sc), report, coverage)
    if summary is not None:
        extra += compare_summary(report, summary, replan=(folder / "changes.csv").exists())
    if forecast is None:
        report.notes.append("forecast.csv is missing from the plan folder")
    report.violations += extra
    return report


def _read_summary(path: Path, problems: list[Problem]) -> dict | None:
    try:
        text = read_text(path, path.name)
    except InputError as exc:
        problems += exc.problems
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(path.name, "(JSON syntax)", exc.msg, "valid JSON", exc.lineno))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path.name, "(top level)", type(data).__name__, "a JSON object of figures"))
        return None
    return data
