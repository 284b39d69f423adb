"""Writers of the plan folder: CSV and JSON files of the output contract (and, later, people's files)."""

from scheduler.report.files import atomic_folder, replan_writers, write_csv, write_forecast, write_json, write_plan

__all__ = ["atomic_folder", "replan_writers", "write_csv", "write_forecast", "write_json", "write_plan"]
