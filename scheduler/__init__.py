"""scheduler: workforce scheduling for online-shop customer service around big sales.

The pipeline as plain functions (each usable alone from Python, the CLI or a notebook):

    >>> import scheduler
    >>> sc = scheduler.load_scenario("double11")
"""

from scheduler.errors import InfeasibleError, InputError, Problem
from scheduler.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = ["InfeasibleError", "InputError", "Problem", "Scenario", "load_scenario", "__version__"]
