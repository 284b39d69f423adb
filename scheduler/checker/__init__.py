"""The independent rota checker: every hard rule and every figure of docs/RULES.md, re-derived.

It reads nothing but the rota (shifts + assignments), the scenario and the forecast, and never
imports the optimization model (`scheduler.rota`): a rota made by the solver, by another tool or
edited by hand in Excel is checked the same way.

* `check_rota(scenario, shifts, assignments, forecast)` checks tables in memory;
* `check_folder(folder)` reads a plan folder (its `scenario/` copy, shifts.csv, assignments.csv,
  forecast.csv) and also compares the planner's own figures (coverage.csv, summary.json and the
  per-shift columns of shifts.csv) with the recomputed ones: a difference beyond the tolerance of
  RULES.md (max(1 yuan, 0.1 %)) is a `[figures]` violation.

shifts.csv is the source of shift times and assignments.csv the source of activities; when they
disagree (a supervisor moved a shift in one file only) that is an `[assignment]` violation.
Malformed input (an unparseable or offset-less time, an unknown agent or activity, a duplicate
row, ...) raises `InputError` naming file, row (as a spreadsheet shows it) and field.

Everything that scales with agents x slots is a numpy operation on an agents x slots matrix of
activities; Python loops run over shifts (thousands) and over violations only.

- report.py: Violation, CheckReport, format_report, the rule keys in report order;
- context.py: the scenario as arrays (from the scenario's views, as the model reads them) and
  the wording of times, hours and shares;
- tables.py: shifts, assignments, forecast (and any CSV of a plan folder) read into arrays;
- arrays.py: the rota's agents x slots and per-shift arrays, built once, read by all below;
- hard_rules.py: one function per hard rule, named after its key;
- figures.py: the figures recomputed, and the planner's own compared with them;
- run.py: check_rota; folder.py: check_folder.
"""

from scheduler.checker.folder import check_folder
from scheduler.checker.report import RULES, CheckReport, Violation, format_report
from scheduler.checker.run import check_rota

__all__ = ["RULES", "CheckReport", "Violation", "check_folder", "check_rota", "format_report"]
