"""The re-solve: from the published rota, a least-cost search, then only the changes that pay."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.errors import InfeasibleError
from scheduler.replanning.load import Published
from scheduler.replanning.prices import Freeze, change_rules, option_filter
from scheduler.results import RotaResult
from scheduler.rota.model import Demand, RotaModel, Unit, build, objective
from scheduler.rota.roster_rules import apply as apply_roster_rules
from scheduler.rota.roster_rules import rules_from_scenario
from scheduler.rota.solve import StopToken, diagnose, extract, hint_all, make_solver, options_of
from scheduler.rota.values import SolutionValues
from scheduler.scenario import Scenario


@dataclass
class SolveInfo:
    """What each phase of the re-solve did (for summary.json and the benchmark)."""

    phases: list[dict]
    start_objective: float | None
    change_price: dict[str, float]
    solver_seconds: float


def _solver(limit: float, seed: int, workers: int, should_stop) -> cp_model.CpSolver:
    """The rota's solver with a light presolve: the model is mostly fixed by the frozen past and
    the published hint; a full presolve ate the whole few-second budget on a loaded 2-core
    machine (measured)."""
    s = make_solver(limit, seed, workers)
    s.parameters.max_time_in_seconds = max(0.05, limit)  # replan's phases may be shorter than a solve's
    s.parameters.max_presolve_iterations = 1
    s.parameters.cp_model_probing_level = 0
    s.parameters.symmetry_level = 0
    if isinstance(should_stop, StopToken):
        should_stop.register(s)
    return s


def _found(status) -> bool:
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _published_start(m: RotaModel, pub: Published, seed: int, workers: int, limit: float, should_stop) -> tuple[list[int] | None, float, str]:
    """The published rota as a complete solution of the new model: "change nothing" first; when
    an absence breaks a whole-phase rule (the pre-sale ratio), the published shifts with the
    queues re-balanced at least cost (queue moves priced, so as few as pay)."""
    choice, queues = {}, {}
    for i, u in enumerate(m.units):
        keys = pub.keys.get(u.agent.agent_id, set())
        for o, x in zip(u.options, m.choice[i], strict=True):
            choice[x] = 1 if (o.start, o.end, o.break_start, o.queue) in keys else 0
    for (i, t, q), v in m.queue_vars.items():
        queues[v] = 1 if pub.slot_queue.get(m.units[i].agent.agent_id, {}).get(t) == q else 0
    t0 = time.perf_counter()
    m.model.clear_hints()
    for v, val in {**choice, **queues}.items():
        m.model.add_hint(v, val)
    s = _solver(limit, seed, workers, should_stop)
    s.parameters.fix_variables_to_their_hinted_value = True
    status = s.solve(m.model)
    m.model.clear_hints()
    if _found(status):
        return list(s.response_proto.solution), s.objective_value, "published rota"
    trial = m.model.clone()
    for x, val in choice.items():
        trial.add(trial.get_bool_var_from_proto_index(x.index) == val)
    for v, val in queues.items():
        trial.add_hint(trial.get_int_var_from_proto_index(v.index), val)
    s = _solver(max(0.3, limit - (time.perf_counter() - t0)), seed, workers, should_stop)
    status = s.solve(trial)
    if _found(status):
        return list(s.response_proto.solution), s.objective_value, "published shifts, queues re-balanced"
    return None, math.nan, "none within the time limit"


def _keep_only(m: RotaModel, pub: Published, values: list[int]) -> None:
    """Restrict every agent to the shifts it works in `values` or in the published rota."""
    for i, u in enumerate(m.units):
        keys = pub.keys.get(u.agent.agent_id, set())
        for o, x in zip(u.options, m.choice[i], strict=True):
            if not values[x.index] and (o.start, o.end, o.break_start, o.queue) not in keys:
                m.model.add(x == 0)


def _gather_queue_moves(m: RotaModel, pub: Published, fz: Freeze, values: list[int]) -> list[int]:
    """Give the queue moves of each slot to as few agents, in as long blocks, as possible.

    Only the number of agents on each queue in each slot counts in every cost and rule (lost
    inquiries, the pre-sale ratio, the per-slot move price), so which of the agents published on
    queue A makes a move A -> B is free. The solver picks them at random; here, slot by slot,
    the move goes to whoever made it the slot before, then to an agent already changed, then
    to the one whose published run on A lasts longest: the same cost, far fewer people told.
    """
    values = list(values)
    cur: dict[tuple[int, int], str] = {}
    for (i, t, q), v in m.queue_vars.items():
        if values[v.index] and t >= fz.frozen_until:
            cur[(i, t)] = q
    by_slot: dict[int, list[int]] = {}
    pubq: dict[tuple[int, int], str] = {}
    for i, t in cur:
        p = pub.slot_queue.get(m.units[i].agent.agent_id, {}).get(t)
        if p is not None and (i, t, p) in m.queue_vars:
            pubq[(i, t)] = p
            by_slot.setdefault(t, []).append(i)
    changed = {i for i, u in enumerate(m.units)
               if any(values[x.index] != ((o.start, o.end, o.break_start, o.queue) in pub.keys.get(u.agent.agent_id, set()))
                      for o, x in zip(u.options, m.choice[i], strict=True))}

    def run_length(i: int, t: int, q: str) -> int:
        n = 0
        while pubq.get((i, t + n)) == q:
            n += 1
        return n

    for t in sorted(by_slot):
        agents = sorted(by_slot[t])
        pairs = sorted({(pubq[(i, t)], cur[(i, t)]) for i in agents if pubq[(i, t)] != cur[(i, t)]})
        taken: set[int] = set()
        for a, b in pairs:
            pool = [i for i in agents if i not in taken and pubq[(i, t)] == a and cur[(i, t)] in (a, b) and (i, t, b) in m.queue_vars]
            k = sum(1 for i in pool if cur[(i, t)] == b)
            pool.sort(key=lambda i: (cur.get((i, t - 1)) != b or pubq.get((i, t - 1)) != a, i not in changed, -run_length(i, t, a), i))
            for n, i in enumerate(pool):
                cur[(i, t)] = b if n < k else a
                if n < k:
                    taken.add(i)
                    changed.add(i)
    for (i, t), q in cur.items():
        for q2 in m.units[i].agent.skills:
            v = m.queue_vars.get((i, t, q2))
            if v is not None:
                values[v.index] = int(q2 == q)
    return values


def solve_replan(
    sc_run: Scenario,
    demand: Demand,
    pub: Published,
    fz: Freeze,
    outside_staff: dict[tuple[int, str], int],
    constant_fen: int,
    time_limit: float,
    seed: int,
    workers: int,
    should_stop=None,
) -> tuple[RotaResult, SolveInfo]:
    """Re-solve in three phases, all within `time_limit` seconds of solver time.

    1. start: the published rota (absent agents gone) as a complete solution: "change nothing"
       is always on the table, and its cost is what every change is measured against;
    2. search: least cost (wages + lost inquiries + fairness + preferences + change prices)
       from that start;
    3. keep only changes that pay: each agent limited to its new or its published shifts, queues
       free, the same objective solved again, so a change (or a queue swap) whose saving does
       not cover its price is reverted: the search's noise at the time limit goes with it.
    Then the queue moves are gathered onto as few agents as possible at the same cost.
    """

    t0 = time.perf_counter()
    keep = option_filter(sc_run, pub, fz)
    per_agent = [o for o in options_of(sc_run) if o.agent.agent_id not in fz.absent]
    units = [Unit([o.agent], keep(o), o.available) for o in per_agent]
    m = build(sc_run, units, demand, aggregated=False, from_slot=fz.frozen_until, outside_staff=outside_staff)
    roster = rules_from_scenario(sc_run)
    if roster is not None:  # the day-roster rules hold over the whole horizon, worked past included
        apply_roster_rules(m, roster)
    rules = change_rules(sc_run, pub, fz)
    prices = rules(m)
    m.constant_fen += constant_fen
    objective(m)
    build_s = time.perf_counter() - t0
    phases: list[dict] = []
    budget_end = time.perf_counter() + time_limit

    def left() -> float:
        return budget_end - time.perf_counter()

    def record(name: str, t: float, status: str, objective: float | None, **more) -> None:
        phases.append({"phase": name, "status": status, "objective": None if objective is None else round(objective / 100, 2),
                       "seconds": round(time.perf_counter() - t, 2), **more})

    # 1. start from the published rota
    t = time.perf_counter()
    values, best_obj, how = _published_start(m, pub, seed, workers, left() * 0.5, should_stop)
    start_obj = None if values is None else best_obj
    record("start", t, how, start_obj)
    # 2. search
    t = time.perf_counter()
    if values is not None:
        hint_all(m, values)
    search = _solver(max(0.3, left() * 0.7), seed, workers, should_stop)
    status = search.solve(m.model)
    record("search", t, search.status_name(status), search.objective_value if _found(status) else None)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(diagnose(sc_run, units, demand, seed, workers, rules, from_slot=fz.frozen_until, outside_staff=outside_staff))
    bound = max(0.0, search.best_objective_bound) if _found(status) else 0.0
    if _found(status) and (values is None or search.objective_value <= best_obj):
        values, best_obj = list(search.response_proto.solution), search.objective_value
    if values is None:
        raise InfeasibleError([f"no rota found within the time limit of {time_limit:g} s and none proven impossible; raise --time-limit"])
    # 3. keep only the changes that pay
    if status != cp_model.OPTIMAL and not (should_stop and should_stop()):
        t = time.perf_counter()
        _keep_only(m, pub, values)
        hint_all(m, values)
        polish = _solver(max(0.5, left()), seed, workers, should_stop)
        p_status = polish.solve(m.model)
        record("keep changes that pay", t, polish.status_name(p_status), polish.objective_value if _found(p_status) else None)
        if _found(p_status) and polish.objective_value <= best_obj:
            values, best_obj = list(polish.response_proto.solution), polish.objective_value
    values = _gather_queue_moves(m, pub, fz, values)
    bound = min(best_obj, bound)
    gap = 0.0 if best_obj <= 0 else max(0.0, (best_obj - bound) / best_obj)
    shifts, assignments = extract(m, SolutionValues(values, best_obj))
    change_price = {aid: sum(p.value(values) for p in ps) / 100 for aid, ps in prices.items()}
    solver_s = round(sum(p["seconds"] for p in phases), 2)
    result = RotaResult(
        status="OPTIMAL" if gap < 1e-9 else "FEASIBLE",
        objective=round(best_obj / 100, 2),
        lower_bound=round(bound / 100, 2),
        gap=gap,
        solve_seconds=solver_s,
        shifts=shifts,
        assignments=assignments,
        stats={"shift_variables": sum(len(u.options) for u in units), "build_seconds": round(build_s, 2), "phases": phases},
        interrupted=bool(should_stop and should_stop()),
    )
    return result, SolveInfo(phases, None if start_obj is None else round(start_obj / 100, 2),
                             {a: v for a, v in change_price.items() if v}, solver_s)
