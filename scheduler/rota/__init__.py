"""The optimization model: variables, one function per rule, objective, solve, lower bound.

Nothing here reads files or prints: it takes a loaded scenario and priced demand, and returns
a rota with its objective, proven lower bound and gap.
"""

from scheduler.rota.model import Demand, RotaModel, Unit, build
from scheduler.rota.solve import RotaResult, diagnose, options_of, solve_rota

__all__ = ["Demand", "RotaModel", "RotaResult", "Unit", "build", "diagnose", "options_of", "solve_rota"]
