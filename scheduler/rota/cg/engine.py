"""Column generation: a proven per-agent bound and an integer rota over the generated schedules.

Each round solves the LP master (scheduler/rota/cg/master.py) over the schedules found so far,
prices every class of identical agents against its duals (scheduler/rota/cg/pricing.py) and adds
the schedules whose reduced cost is negative. The Lagrangian bound of each round,

    LP value + sum over classes of (class size x least reduced cost),

is a lower bound on every rota whatever the round (the least reduced cost is the pricing's
proven bound), so the run may stop on time at any round and still report a true bound. The
integer master over the generated schedules then gives a rota that keeps every rule
(price-and-branch: branching is left to the per-agent CP-SAT search that follows).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import highspy
import numpy as np

from scheduler.rota import hiring
from scheduler.rota import roster_rules as rr
from scheduler.rota.cg.master import ARTIFICIAL_FEN, AgentClass, Master, build_master, dual_function
from scheduler.rota.cg.pricing import Pricer
from scheduler.rota.model import Demand, Unit
from scheduler.scenario import Scenario

FULL_EVERY = 4
"""Every this many rounds all classes are priced (and the bound stated); in between only the
classes that found schedules last time (partial pricing: late rounds touch few classes)."""
SMOOTHING = 0.5
"""Weight of the best-bound duals in the point that is priced (Wentges smoothing)."""
BOUND_TOLERANCE = 1e-6
"""Relative safety margin taken off the LP-based bound for the LP solver's own tolerances."""


@dataclass
class CGResult:
    """What column generation proved and found."""

    bound_fen: float
    """Proven lower bound on every rota's cost (fen), -inf when none was proven."""
    lp_fen: float
    schedules: dict[int, list[int]] | None
    """Per-agent unit index -> its schedule's option indexes, from the integer master (None: none found)."""
    integer_fen: float | None
    rounds: int = 0
    columns: int = 0
    seconds: float = 0.0
    history: list[tuple[float, float, float]] = field(default_factory=list)
    """(seconds, LP value, bound) of each round, in fen."""


def hire_fen(unit: Unit) -> int:
    """One-off cost of hiring a candidate (0 for the team); a schedule with any shift pays it."""
    return hiring.hire_fen(unit.agent)


def column_generation(
    scenario: Scenario,
    units: list[Unit],
    demand: Demand,
    class_of: Callable[[Unit], Hashable],
    time_limit: float,
    roster: rr.RosterRules | None = None,
    start: dict[int, list[int]] | None = None,
    seed: int = 0,
    workers: int = 1,
    should_stop: Callable[[], bool] | None = None,
    on_round: Callable[[float, float, float], None] | None = None,
    integer_share: float = 0.3,
    more_columns: list[dict[int, list[int]]] | None = None,
) -> CGResult:
    """Run column generation for `time_limit` seconds (the integer master gets `integer_share`).

    `start`: per-unit option indexes of a known legal rota (the split aggregate), its schedules
    the first columns and the integer master's first incumbent; `more_columns`: other legal
    rotas whose schedules join the first columns.
    """
    t0 = time.perf_counter()
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        groups[class_of(u)].append(i)
    classes = [AgentClass(idxs, units[idxs[0]], hire_fen(units[idxs[0]])) for idxs in groups.values()]
    master = build_master(scenario, units, classes, demand, roster.surplus if roster else None)
    constant = master.constant_fen
    pricers = [Pricer(scenario, cls.unit, roster, cls.hire_fen, seed) for cls in classes]
    for c, cls in enumerate(classes):
        if cls.unit.agent.candidate and not cls.unit.agent.must_hire:
            master.add_schedule(c, ())  # not hiring is a schedule of its own, at no cost
    for known in ([start] if start else []) + list(more_columns or []):
        for c, cls in enumerate(classes):
            for i in cls.units:
                if i in known:
                    master.add_schedule(c, tuple(sorted(known[i])))
    lp = master.lp
    lp_deadline = t0 + time_limit * (1 - integer_share)
    best_bound, lp_value, rounds = -math.inf, math.inf, 0
    centre: np.ndarray | None = None
    active: set[int] = set()
    full_round = True
    history: list[tuple[float, float, float]] = []
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        while True:
            rounds += 1
            lp.run()
            if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            lp_value = lp.getInfo().objective_function_value
            y = np.array(lp.getSolution().row_dual)
            left = lp_deadline - time.perf_counter()
            if left <= 0 or (should_stop and should_stop()):
                break
            per_class = max(0.05, min(2.0, left / max(1, len(classes)) * max(1, workers)))

            if not full_round and active:
                # partial pricing: only the classes that found schedules last time, at today's duals
                todo = sorted(active)
                priced = list(pool.map(lambda c, d=y, tl=per_class: _price(classes[c], pricers[c], d, tl), todo))
                added = sum(master.add_schedule(c, sched) for c, p in zip(todo, priced, strict=True) for sched in p.schedules)
                active = {c for c, p in zip(todo, priced, strict=True) if p.schedules}
                full_round = not active or rounds % FULL_EVERY == 0
                continue
            # a full round: every class, and the bound. Wentges smoothing prices at a point between
            # the duals of the best bound so far and today's, which damps the duals' oscillation;
            # when that finds nothing, it prices at today's
            for alpha in ((SMOOTHING, 0.0) if centre is not None else (0.0,)):
                duals = y if alpha == 0.0 else alpha * centre + (1 - alpha) * y
                priced = list(pool.map(lambda c, d=duals, tl=per_class: _price(classes[c], pricers[c], d, tl), range(len(classes))))
                if any(p.bound == math.inf for p in priced):
                    break  # a class has no legal schedule at all: the per-agent model will name the clash
                lagrange = _lagrangian(master, classes, priced, duals, lp_value if alpha == 0.0 else None)
                added = sum(master.add_schedule(c, sched) for c, p in enumerate(priced) for sched in p.schedules)
                if lagrange is not None and math.isfinite(lagrange):
                    bound = lagrange - BOUND_TOLERANCE * abs(lagrange) - 1.0 + constant
                    if math.ceil(bound - 1e-9) > best_bound:
                        best_bound, centre = math.ceil(bound - 1e-9), duals.copy()
                if added:
                    break
            if any(p.bound == math.inf for p in priced):
                break
            active = {c for c, p in enumerate(priced) if p.schedules}
            full_round = False
            history.append((time.perf_counter() - t0, lp_value + constant, best_bound))
            if on_round:
                on_round(time.perf_counter() - t0, lp_value + constant, best_bound)
            if added == 0 or lp_value + constant - best_bound <= 1e-5 * abs(lp_value + constant):
                break
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    schedules, integer_fen = integer_master(master, t0 + time_limit - time.perf_counter(), start)
    return CGResult(
        bound_fen=best_bound,
        lp_fen=lp_value + constant,
        schedules=schedules,
        integer_fen=None if integer_fen is None else integer_fen + constant,
        rounds=rounds,
        columns=sum(len(c.columns) for c in classes),
        seconds=time.perf_counter() - t0,
        history=history,
    )


def _price(cls: AgentClass, pricer: Pricer, duals: np.ndarray, time_limit: float):
    reduced = cls.cost - cls.entries @ duals
    return pricer.price(reduced, duals[cls.conv_row], time_limit)


def _lagrangian(master: Master, classes: list[AgentClass], priced: list, duals: np.ndarray, lp_value: float | None) -> float | None:
    """The Lagrangian bound at `duals` (without the constant).

    At the master's own optimal duals it is the LP value plus each class's size times its least
    reduced cost (an agent with no schedule, the artificial column, counts as a choice: the
    master with it is a relaxation). At any other dual point it is the dual function itself:
    the rows' right-hand sides, the structural variables at their best bound, and the classes'
    least reduced costs, each valid only when every term is finite.
    """
    if lp_value is not None:
        total = lp_value
        for cls, p in zip(classes, priced, strict=True):
            total += cls.size * min(p.bound, ARTIFICIAL_FEN - duals[cls.conv_row], 0.0)
        return total
    return dual_function(master, classes, priced, duals)


def _set_incumbent(master: Master, integer: list[int], start: dict[int, list[int]]) -> None:
    """The known rota as the MIP's first incumbent, so the integer master is never worse than it:
    its schedule counts fixed, the rest of the master solved as an LP, the whole point handed over."""
    lp = master.lp
    counts: dict[int, float] = {j: 0.0 for j, c in enumerate(master.column_class) if c >= 0 or j < len(master.classes)}
    for cls in master.classes:
        for i in cls.units:
            j = cls.columns.get(tuple(sorted(start.get(i, ()))))
            if j is None:
                return
            counts[j] += 1.0
    idx = np.array(list(counts), dtype=np.int32)
    val = np.array([counts[j] for j in idx], dtype=np.float64)
    info = lp.getLp()
    lower, upper = np.array(info.col_lower_)[idx], np.array(info.col_upper_)[idx]
    lp.changeColsBounds(len(idx), idx, val, val)
    lp.run()
    ok = lp.getModelStatus() == highspy.HighsModelStatus.kOptimal
    solution = lp.getSolution() if ok else None
    lp.changeColsBounds(len(idx), idx, lower, upper)
    if solution is not None:
        master.incumbent = solution


def integer_master(master: Master, time_limit: float, start: dict[int, list[int]] | None = None,
                   ) -> tuple[dict[int, list[int]] | None, float | None]:
    """Whole agents on the generated schedules (HiGHS MIP), handed to each class's agents.

    Identical agents are interchangeable; their schedules are handed out in the order the
    per-agent model's symmetry breaking wants (largest option-rank sum first).
    """
    lp = master.lp
    if time_limit <= 0.05:
        return None, None
    if start:
        _set_incumbent(master, [], start)  # before integrality: a plain LP with the counts fixed
    # whole agents on schedules; the hand-out of flexible agents to queues stays continuous here
    # (the per-agent model's completion then hands them out in whole agents at the least cost)
    integer = [j for j, c in enumerate(master.column_class) if c >= 0 or j < len(master.classes)]
    lp.changeColsIntegrality(len(integer), np.array(integer, dtype=np.int32),
                             np.array([highspy.HighsVarType.kInteger] * len(integer)))
    lp.setOptionValue("time_limit", float(max(0.1, time_limit)))
    lp.setOptionValue("mip_rel_gap", 1e-5)
    if master.incumbent is not None:
        lp.setSolution(master.incumbent)
    lp.run()
    lp.setOptionValue("time_limit", highspy.kHighsInf)
    if lp.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
        return None, None
    x = np.array(lp.getSolution().col_value)
    if any(x[j] > 0.5 for j in range(len(master.classes))):
        return None, None  # an agent without a legal schedule: no rota among these columns
    out: dict[int, list[int]] = {}
    for cls in master.classes:
        taken: list[tuple[int, ...]] = []
        for sched, j in cls.columns.items():
            taken += [sched] * int(round(x[j]))
        if len(taken) != cls.size:
            return None, None
        taken.sort(key=lambda s: -sum(k + 1 for k in s))
        for i, sched in zip(cls.units, taken, strict=True):
            out[i] = list(sched)
    return out, lp.getInfo().objective_function_value
