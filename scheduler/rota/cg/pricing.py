"""Pricing: the least reduced-cost legal schedule of one agent class, found exactly.

The pricing problem is a one-agent rota model: the class's shift options as booleans, and the
very functions of scheduler/rota/hard_rules.py (and of roster_rules.py) that state each per-agent
rule — one shift a day, rest, overtime, weekly and average hours, consecutive days, the evening
all-hands duty, hiring (a candidate's empty schedule is legal, a non-empty one pays the hire
and carries every duty), forbidden successions, per-type maximums, total minutes, minimum runs worked
and off, weekends. Nothing is restated, so no rule can be priced looser than the rota keeps it
(DESIGN.md: leaving one out of the pricing ruined the bound). CP-SAT solves it; its proven bound
is what the Lagrangian bound uses, so a pricing stopped early still gives a valid bound.

Reduced costs are floats; CP-SAT wants integers. They are scaled by SCALE and rounded, and the
rounding error of a schedule (at most half a unit per shift, one shift a day) is subtracted from
the bound, so rounding can never raise it.

Where CP-SAT's search ends before it proves its best schedule, the labels over days
(scheduler/rota/cg/labels.py), exact by construction, try to prove it (`ClassPricing`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduler.rota import hiring
from scheduler.rota import roster_rules as rr
from scheduler.rota.cg.labels import LabelPricer, TooManyLabels
from scheduler.rota.model import PER_AGENT_RULES, Demand, RotaModel, Unit
from scheduler.rota.options import n_days
from scheduler.scenario import Scenario

SCALE = 100
"""Reduced costs in 1/100 fen."""


@dataclass
class Priced:
    schedules: list[tuple[int, ...]]
    """Schedules with a negative reduced cost (best first), as sorted option indexes."""
    best: float
    """Least reduced cost found (fen), convexity dual included."""
    bound: float
    """Proven lower bound of the least reduced cost (fen)."""
    proven: bool = True
    """Whether `best` is proven least (up to the rounding of SCALE)."""


class Pricer:
    """One class's pricing model, built once; each call only changes the objective."""

    def __init__(self, scenario: Scenario, unit: Unit, roster: rr.RosterRules | None, hire_fen: int, seed: int):
        single = Unit([unit.agent], unit.options, unit.available)
        self.m = m = RotaModel(scenario, [single], Demand({}), aggregated=False)
        xs = [m.model.new_bool_var(f"x{i}") for i in range(len(unit.options))]
        m.choice.append(xs)
        work: dict[int, list] = {}
        for o, x in zip(unit.options, xs, strict=True):
            for t in o.working_slots():
                work.setdefault(t, []).append(x)
        m.work.append({t: cp_model.LinearExpr.sum(v) for t, v in work.items()})
        for rule in PER_AGENT_RULES:
            rule(m)
        if roster is not None and unit.agent.agent_id in roster.limits:
            day = rr.day_roster(m, roster)
            for rule in rr.per_agent_roster_rules():
                rule(m, roster, day)
        self.xs = xs
        self.hire_fen = hire_fen
        # made by the hiring rule (a candidate's empty schedule stays legal), or here for a price given
        self.hired = hiring.hired(m, 0, always=bool(hire_fen))
        self.slack = math.ceil(n_days(scenario) * 0.5 + 1)  # rounding, in scaled units
        self.seed = seed
        self.last: tuple[int, ...] | None = None
        """The best schedule of the last call that found one: the next call's hint."""
        self.tries = 0
        """Searches for a first schedule so far (each with its own seed)."""
        self.hinted = False
        """Whether this class's searches start from `last` (set when one found nothing on its own)."""

    def price(self, reduced: np.ndarray, conv_dual: float, time_limit: float, eps: float = 1e-3) -> Priced:
        """Least reduced-cost schedule for option reduced costs `reduced` (fen).

        A class whose search once ended without any schedule (long horizons, tight rules) is
        searched from then on from a legal schedule as its hint; the others as they always were.
        """
        t0 = time.perf_counter()
        coef = np.rint(reduced * SCALE).astype(np.int64)
        obj = cp_model.LinearExpr.weighted_sum(self.xs, coef.tolist())
        if self.hired is not None and self.hire_fen:
            obj = obj + self.hire_fen * SCALE * self.hired
        if self.hinted and self.last is None and not self._first_schedule(time_limit / 2):
            return Priced([], math.inf, math.inf)  # no legal schedule at all, proven
        p = self._search(obj, conv_dual, time_limit - (time.perf_counter() - t0), eps)
        if p is None and not self.hinted:
            # nothing found in the time: find a legal schedule (costs aside) and start from it
            # (this one call runs over its limit by about half of it, once per class)
            self.hinted = True
            if not self._first_schedule(max(0.5, time_limit / 2)):
                return Priced([], math.inf, math.inf)
            p = self._search(obj, conv_dual, max(0.25, time_limit / 2), eps)
        return p if p is not None else Priced([], math.inf, -math.inf, False)

    def _search(self, obj, conv_dual: float, time_limit: float, eps: float) -> Priced | None:
        """One costed search (from the last schedule when hinted); None when it found no schedule."""
        self.m.model.minimize(obj)
        self._hint_last()
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        solver.parameters.catch_sigint_signal = False
        found: list[tuple[float, tuple[int, ...]]] = []
        xs = self.xs

        class _Collect(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(cb) -> None:
                sched = tuple(i for i, x in enumerate(xs) if cb.boolean_value(x))
                found.append((cb.objective_value / SCALE - conv_dual, sched))

        status = solver.solve(self.m.model, _Collect())
        if status == cp_model.INFEASIBLE:
            return Priced([], math.inf, math.inf)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        bound = (solver.best_objective_bound - self.slack) / SCALE - conv_dual
        found.sort()
        if found:
            self.last = found[0][1]
        best = found[0][0] if found else solver.objective_value / SCALE - conv_dual
        seen, schedules = set(), []
        for rc, sched in found:
            if rc < -eps and sched not in seen:
                seen.add(sched)
                schedules.append(sched)
        return Priced(schedules, best, min(bound, best), status == cp_model.OPTIMAL)

    def _first_schedule(self, time_limit: float) -> bool:
        """Look for any legal schedule, costs aside, to start the searches from (on Curtois 20
        the costed search of one worker found none in 2 s for most employees, this one in 0.11 s at most);
        False only when none exists, proven."""
        model = self.m.model
        model.clear_objective()
        model.clear_hints()
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        # two workers, once per class: on Curtois 20 one worker's default search found no
        # schedule in 5 s for most employees, with quick restarts it missed 3 of 50 in 1 s, and
        # two workers found each of the 50 in 0.06-0.11 s
        solver.parameters.num_workers = 2
        solver.parameters.random_seed = self.seed + self.tries
        self.tries += 1
        solver.parameters.catch_sigint_signal = False
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.last = tuple(i for i, x in enumerate(self.xs) if solver.boolean_value(x))
        return status != cp_model.INFEASIBLE

    def _hint_last(self) -> None:
        """Start a hinted class's search from the last best schedule: it is legal whatever the
        costs. Unhinted classes search from scratch (a hint there made Curtois 7 and 11 worse:
        1,160 and 3,544 against 1,059 and 3,445 at 60 s)."""
        model = self.m.model
        model.clear_hints()
        if self.hinted and self.last is not None:
            chosen = set(self.last)
            for i, x in enumerate(self.xs):
                model.add_hint(x, i in chosen)


LABEL_STRIKES = 2
"""After this many calls whose labels outgrew their budget or time, a class's labels are dropped."""


class ClassPricing:
    """A class's exact pricing: the CP-SAT model, and labels over days when CP-SAT's search ends
    before it proves its best schedule (its bound then would weaken the Lagrangian bound).

    CP-SAT goes first because it was the faster of the two wherever measured (40 pricing calls
    replayed from a Curtois 7 run: 0.045 s a call against 0.2 s for the labels in Python); the
    labels, exact by construction and set up only when first needed, turn an unproven answer
    into a proven one when they finish in time.
    """

    def __init__(self, scenario: Scenario, unit: Unit, roster: rr.RosterRules | None, hire_fen: int, seed: int):
        self.cp_sat = Pricer(scenario, unit, roster, hire_fen, seed)
        self._label_args = (scenario, unit, roster, hire_fen)
        self._labels: LabelPricer | None = None
        self.strikes = 0
        """Calls whose labels outgrew their budget; at LABEL_STRIKES the class's labels are dropped."""
        self.proven_by_labels = 0
        """Calls whose answer CP-SAT left unproven and the labels proved."""

    def price(self, reduced: np.ndarray, conv_dual: float, time_limit: float, prove: bool = True) -> Priced:
        """The class's best schedules; with `prove` the labels try to prove what CP-SAT left unproven."""
        t0 = time.perf_counter()
        p = self.cp_sat.price(reduced, conv_dual, time_limit)
        if p.proven or not prove or self.strikes >= LABEL_STRIKES:
            return p
        if self._labels is None:
            self._labels = LabelPricer(*self._label_args)
        try:
            q = self._labels.price(reduced, conv_dual, max(0.05, time_limit - (time.perf_counter() - t0)))
        except TooManyLabels:
            self.strikes += 1
            if self.strikes >= LABEL_STRIKES:
                self._labels = None
            return p
        self.proven_by_labels += 1
        if q.best >= p.best - 0.01:
            # CP-SAT had the optimum, unproven: answer as a proven CP-SAT would (the same columns
            # and bound, so a run under load makes the same rota as one that proved in time)
            return Priced(p.schedules, p.best, min(q.bound, p.best - self.cp_sat.slack / SCALE), True)
        found = q.schedules + [s for s in p.schedules if s not in q.schedules]
        return Priced(found, q.best, q.bound, True)
