"""A finished solution read like a CP-SAT solver, so every step of the engine can hand one on."""

from __future__ import annotations

import math


class SolutionValues:
    """A finished solution read like a solver (value, boolean_value, objective, bound)."""

    def __init__(self, values: list[int], objective: float):
        self.values = list(values)
        self.objective_value = objective
        self.best_objective_bound = -math.inf

    def value(self, v) -> int:
        return self.values[v.index]

    def boolean_value(self, v) -> bool:
        return bool(self.values[v.index])
