"""CP-SAT helpers every phase of the rota engine shares: a solver, a watcher that reports and
stops, the gap, hinting a whole solution, completing a partial hint, stating a rota's true cost."""

from __future__ import annotations

import math
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.rota.model import RotaModel
from scheduler.rota.values import SolutionValues

Progress = Callable[[str, float, float, float], None]
"""on_progress(stage, best objective in yuan, bound in yuan, seconds)."""


class StopToken:
    """Lets another thread (a signal handler's) stop every running search; the best rota is kept."""

    def __init__(self) -> None:
        self.stopped = False
        self._solvers: list[cp_model.CpSolver] = []

    def register(self, solver: cp_model.CpSolver) -> cp_model.CpSolver:
        self._solvers.append(solver)
        if self.stopped:
            solver.stop_search()
        return solver

    def stop(self) -> None:
        self.stopped = True
        for s in self._solvers:
            s.stop_search()

    def __call__(self) -> bool:
        return self.stopped


class Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving rota; stops the search when asked (Ctrl-C, SIGTERM)."""

    def __init__(self, stage: str, on_progress: Progress | None, should_stop: Callable[[], bool] | None,
                 known_bound: float = -math.inf, gap_limit: float = 0.0):
        super().__init__()
        self.stage, self.on_progress, self.should_stop = stage, on_progress, should_stop
        self.known_bound, self.gap_limit = known_bound, gap_limit
        """A bound proven outside this search (aggregate, column generation), in fen: the search
        stops as soon as its rota is within `gap_limit` of it."""

    def on_solution_callback(self) -> None:
        bound = max(self.best_objective_bound, self.known_bound)
        if self.on_progress:
            self.on_progress(self.stage, self.objective_value / 100, bound / 100, self.wall_time)
        if (self.should_stop and self.should_stop()) or gap_of(self.objective_value, bound) <= self.gap_limit:
            self.stop_search()


def gap_of(objective_fen: float, bound_fen: float) -> float:
    """(objective - bound) / objective, the summary's gap; inf when nothing is proven."""
    if bound_fen == -math.inf or not math.isfinite(objective_fen):
        return math.inf
    if objective_fen <= 0:
        return 0.0 if bound_fen >= objective_fen else math.inf
    return max(0.0, (objective_fen - bound_fen) / objective_fen)


def make_solver(time_limit: float, seed: int, workers: int, gap: float = 0.0, presolve: bool = True) -> cp_model.CpSolver:
    """A CP-SAT solver. `presolve=False` for the rota models: their presolve spends seconds on
    symmetry and dual reductions that find little, and with it off the LP bound comes as fast
    (benchmarks/RESULTS.md); the fix-the-hint completion keeps it, as fixing happens there."""
    s = cp_model.CpSolver()
    s.parameters.cp_model_presolve = presolve
    s.parameters.max_time_in_seconds = max(0.1, time_limit)
    s.parameters.random_seed = seed
    s.parameters.num_workers = workers
    s.parameters.catch_sigint_signal = False  # CP-SAT's own handler resets SIGINT to SIG_DFL after each solve: the CLI handles signals
    s.parameters.relative_gap_limit = gap
    return s


def tighten(m: RotaModel, found, seed: int, workers: int, time_limit: float) -> SolutionValues | None:
    """The found rota's true cost: its decisions (shifts, queues) fixed, every cost variable at
    its least value. A search stopped by its time limit may leave a lost-inquiry or fairness
    variable above what its rota implies (they are only bounded from below), and the summary
    must state what the rota costs, as the independent checker recomputes it."""
    m.model.clear_hints()
    for xs in m.choice:
        for x in xs:
            m.model.add_hint(x, found.value(x))
    for v in m.queue_vars.values():
        m.model.add_hint(v, found.value(v))
    tight = complete_hint(m, seed, workers, time_limit)
    if tight is None or tight.objective_value > found.objective_value:
        return None
    return tight


def complete_hint(m: RotaModel, seed: int, workers: int, time_limit: float) -> SolutionValues | None:
    """Turn a partial hint (shift choices) into a complete feasible solution, then hint all of it.

    With the shift choices fixed the rest (queues, lost inquiries, fairness bounds) solves in
    moments; CP-SAT takes a complete feasible hint as its first solution, so the search starts
    from the split aggregate instead of hunting for feasibility among all-hands equalities.
    """
    if not m.model.proto.solution_hint.vars:
        return None
    s = make_solver(time_limit, seed, workers)
    s.parameters.fix_variables_to_their_hinted_value = True
    status = s.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = list(s.response_proto.solution)
    hint_all(m, values)
    return SolutionValues(values, s.objective_value)


def hint_all(m: RotaModel, values: list[int]) -> None:
    """Hint a complete solution: CP-SAT takes it as its first rota."""
    m.model.clear_hints()
    for i, v in enumerate(values):
        m.model.add_hint(m.model.get_int_var_from_proto_index(i), v)
