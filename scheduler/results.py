"""What the stages hand on: a solved rota and a whole plan, as plain data every stage may import.

A leaf: it imports nothing of the stages that make or read these (the rota engine, the pipeline,
replan, the writers), so none of them has to import another to name what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from scheduler.scenario import Scenario


@dataclass
class RotaResult:
    """A solved rota with its honest quality figures."""

    status: str  # OPTIMAL, FEASIBLE (time limit or interrupted)
    objective: float  # yuan, as the model priced it
    lower_bound: float  # yuan, proven
    gap: float
    solve_seconds: float
    shifts: pd.DataFrame
    assignments: pd.DataFrame
    stats: dict = field(default_factory=dict)
    interrupted: bool = False


@dataclass
class Plan:
    """Everything a plan folder holds, in memory."""

    scenario: Scenario
    forecast: pd.DataFrame
    staffing: pd.DataFrame
    rota: RotaResult
    coverage: pd.DataFrame
    summary: dict
    sizing: dict = field(default_factory=dict)
    changes: pd.DataFrame | None = None
    """A replan's change list (changes.csv), None for a plan."""
    imbalance: pd.DataFrame | None = None
    """A replan's reforecast against the old plan (imbalance.csv), None for a plan."""
    hiring: pd.DataFrame | None = None
    """The hiring decision per pool (hiring.csv), None when the scenario offers no candidates."""
    hires: list = field(default_factory=list)
    """The hired candidates, as agents of the team (the plan folder's scenario copy lists them)."""
