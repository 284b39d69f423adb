"""The plan versions the page serves: the published folder and each replan published beside it.

`plan/` is version 1; publishing a replan writes `plan-v2/`, `plan-v3/`, ... next to it, so every
version stays a whole plan folder that `scheduler check` and `scheduler replan` read as any other.
A version is never changed once published; the newest one is the rota in force.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.handover import handover_sheet
from scheduler.replanning import read_plan_csv
from scheduler.scenario import Scenario, load_scenario

PLAN_MARKERS = ("summary.json", "shifts.csv", "assignments.csv", "forecast.csv")
"""A folder is a plan version when it holds these (and its scenario/ copy)."""


def is_plan_folder(folder: Path) -> bool:
    return folder.is_dir() and (folder / "scenario" / "scenario.yaml").is_file() and all((folder / m).is_file() for m in PLAN_MARKERS)


@dataclass
class Version:
    """One published plan folder, read once (a published version never changes)."""

    number: int
    folder: Path

    @cached_property
    def scenario(self) -> Scenario:
        return load_scenario(self.folder / "scenario")

    @cached_property
    def shifts(self) -> pd.DataFrame:
        return read_plan_csv(self.folder / "shifts.csv", self.scenario, ["agent_id", "start", "end"],
                             ["start", "end", "break_start", "break_end"])

    @cached_property
    def assignments(self) -> pd.DataFrame:
        return read_plan_csv(self.folder / "assignments.csv", self.scenario, ["agent_id", "slot_start", "activity"], ["slot_start"])

    @cached_property
    def forecast(self) -> pd.DataFrame:
        return read_plan_csv(self.folder / "forecast.csv", self.scenario, ["slot_start", "queue", "p50", "p80", "p90"], ["slot_start"])

    @cached_property
    def coverage(self) -> pd.DataFrame:
        return read_plan_csv(self.folder / "coverage.csv", self.scenario, ["slot_start", "queue", "scheduled", "service_level"], ["slot_start"])

    @cached_property
    def summary(self) -> dict:
        import json

        from scheduler.scenario import read_text

        try:
            return json.loads(read_text(self.folder / "summary.json"))
        except ValueError as exc:
            raise InputError([Problem("summary.json", "(JSON)", str(exc), "a summary.json as `scheduler plan` writes it")]) from None

    def handovers(self, lang: str) -> pd.DataFrame:
        """The folder's handover.csv (the sheet the team was given), or the sheet made from its rota."""
        if (self.folder / "handover.csv").is_file():
            return read_plan_csv(self.folder / "handover.csv", self.scenario, ["time", "queue", "from_agent", "to_agent"], ["time"])
        return handover_sheet(self.scenario, self.shifts, self.assignments, self.forecast, lang)

    @cached_property
    def changes(self) -> pd.DataFrame | None:
        path = self.folder / "changes.csv"
        if not path.is_file():
            return None
        return read_plan_csv(path, self.scenario, ["agent_id"], [])


class Versions:
    """The versions of one plan: discovered beside the first, numbered, newest last."""

    def __init__(self, first: Path):
        self.first = Path(first).resolve()
        if not is_plan_folder(self.first):
            raise InputError([Problem(str(first), "PLAN_DIR", "not a plan folder", "a folder written by `scheduler plan` (summary.json, shifts.csv, scenario/, ...)")])
        self._lock = threading.Lock()
        self._cache: dict[int, Version] = {}
        self._pattern = re.compile(rf"^{re.escape(self.first.name)}-v(\d+)$")

    def folders(self) -> dict[int, Path]:
        """Version number -> folder, read from the disk each time (another server may publish too)."""
        out = {1: self.first}
        for p in self.first.parent.iterdir():
            m = self._pattern.match(p.name)
            if m and int(m.group(1)) > 1 and is_plan_folder(p):
                out[int(m.group(1))] = p
        return dict(sorted(out.items()))

    def get(self, number: int) -> Version:
        folders = self.folders()
        if number not in folders:
            raise KeyError(number)
        with self._lock:
            v = self._cache.get(number)
            if v is None or v.folder != folders[number]:
                v = self._cache[number] = Version(number, folders[number])
            return v

    def latest(self) -> Version:
        return self.get(max(self.folders()))

    def next_folder(self) -> tuple[int, Path]:
        """The number and folder a new version is published as."""
        n = max(self.folders()) + 1
        return n, self.first.parent / f"{self.first.name}-v{n}"
