"""Writers of the plan folder: CSV and JSON files of the output contract, and the people's files."""

from scheduler.report.files import atomic_folder, replan_writers, write_csv, write_forecast, write_json, write_plan

__all__ = ["atomic_folder", "people_writers", "replan_writers", "write_csv", "write_forecast", "write_json", "write_plan"]


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
