"""Large-neighbourhood search over the per-agent model: re-solve a few agents or days at a time.

From a complete rota (every variable's value), each step frees the shift and queue choices of a
neighbourhood — whole horizons of a few agents, every agent over a window of days, or a few
agents over a longer window — fixes every other choice to the incumbent, and lets CP-SAT
re-solve the rest from the incumbent. A result no worse than the incumbent replaces it, so the
rota only improves and always keeps every rule (the model holds them all).

Windows are drawn where the incumbent pays most (its lost-inquiry and over-cover cost per day),
sizes adapt: sub-problems solved to optimality quickly grow the next one of their kind, ones
that run out of time shrink it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from scheduler.rota.model import RotaModel
from scheduler.rota.search import make_solver
from scheduler.rota.values import SolutionValues
from scheduler.scenario.views import slot_days

START_SIZE = 60.0
"""Shift choices freed by the first neighbourhood of each kind."""
STEP_SECONDS = 1.0
"""Time limit of one neighbourhood's re-solve."""
QUICK_SECONDS = 0.15
"""Re-solves proven optimal faster than this make the next neighbourhood of their kind larger."""


def _cells(m: RotaModel) -> dict[tuple[int, int], list[int]]:
    """(agent, day) -> indexes of the agent's shift and queue variables on that day."""
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for a, (u, xs) in enumerate(zip(m.units, m.choice, strict=True)):
        for o, x in zip(u.options, xs, strict=True):
            cells[(a, o.day)].append(x.index)
    day = slot_days(m.scenario)
    for (a, t, _q), v in m.queue_vars.items():
        cells[(a, int(day[t]))].append(v.index)
    return cells


def _day_weights(m: RotaModel, values: list[int], day: np.ndarray, days: int) -> np.ndarray:
    """What the incumbent pays per day in lost inquiries: where to look first."""
    w = np.ones(days)
    for (t, _q), v in m.lost.items():
        w[int(day[t])] += values[v.index] / 100
    return w / w.sum()


def improve(
    m: RotaModel,
    incumbent: SolutionValues,
    deadline: float,
    workers: int,
    seed: int,
    should_stop: Callable[[], bool] | None = None,
    on_improve: Callable[[float], None] | None = None,
    target: float = -np.inf,
) -> SolutionValues:
    """Improve `incumbent` (objective in fen) until `deadline` or the objective reaches `target`."""
    rng = np.random.default_rng(seed)
    cells = _cells(m)
    n_agents = len(m.units)
    days = max((d for _, d in cells), default=0) + 1
    n_choices = sum(len(xs) for xs in m.choice)
    per_day = max(1, n_choices // max(1, days))
    sizes = [START_SIZE] * 3
    fixed = m.model.clone()
    fixed.clear_hints()
    base = fixed.proto.variables
    decision = sorted({i for idxs in cells.values() for i in idxs})
    values = list(incumbent.values)
    for i in decision:  # shift and queue choices are 0/1: two-entry domains
        base[i].domain[0] = base[i].domain[1] = values[i]
    objective = incumbent.objective_value
    day = slot_days(m.scenario)
    weights = _day_weights(m, values, day, days)  # restated only when the incumbent changes
    step = 0
    while (left := deadline - time.perf_counter()) > 0.3 and objective > target:
        if should_stop and should_stop():
            break
        step += 1
        kind = int(rng.integers(3))
        size = sizes[kind]
        order = rng.permutation(n_agents)
        if kind == 1:  # everyone over a window of days, where the rota pays most
            w = int(np.clip(size // per_day, 1, days))
            lo = int(min(rng.choice(days, p=weights), days - w))
            picked, span = order, (lo, lo + w)
        else:  # a few agents over the whole horizon, or over a window twice as long
            w = days if kind == 0 else int(np.clip(2 * size // per_day, 2, days))
            lo = int(min(rng.choice(days, p=weights), days - w))
            span, picked, count = (lo, lo + w), [], 0
            for a in order:
                picked.append(a)
                count += sum(len(cells.get((a, d), ())) for d in range(lo, lo + w))
                if count >= size:
                    break
        free = [i for a in picked for d in range(*span) for i in cells.get((a, d), ())]
        sub = fixed.clone()
        variables = sub.proto.variables
        original = m.model.proto.variables
        for i in free:
            variables[i].domain[0], variables[i].domain[1] = original[i].domain[0], original[i].domain[1]
            sub.proto.solution_hint.vars.append(i)
            sub.proto.solution_hint.values.append(values[i])
        solver = make_solver(min(left, STEP_SECONDS), seed + step, workers)
        status = solver.solve(sub)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value <= objective:
            improved = solver.objective_value < objective
            objective = solver.objective_value
            values = list(solver.response_proto.solution)
            for i in free:
                base[i].domain[0] = base[i].domain[1] = values[i]
            if improved:
                weights = _day_weights(m, values, day, days)
                if on_improve:
                    on_improve(objective)
        if status == cp_model.OPTIMAL and solver.wall_time < QUICK_SECONDS:
            sizes[kind] = min(size * 1.1, n_choices)
        elif status != cp_model.OPTIMAL or solver.wall_time > 3 * QUICK_SECONDS:
            sizes[kind] = max(20.0, size * 0.9)
    return SolutionValues(values, objective)
