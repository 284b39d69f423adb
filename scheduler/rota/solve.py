"""Solve: aggregated model for the proven bound and a hint, then the per-agent rota.

DESIGN.md "How the solver gets fast": a direct per-agent model stands far above its bound after
its time limit; the same demand as counts of identical agents starting each shift solves to
optimality in a fraction of a second. Its optimum is a lower bound on every rota, and split
among the agents it is a near-complete hint for the per-agent model that adds the rules only
individual agents have (rest, consecutive days, fairness, personal requests).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import pandas as pd
from ortools.sat.python import cp_model

from scheduler.errors import InfeasibleError
from scheduler.results import RotaResult
from scheduler.rota import lns
from scheduler.rota import roster_rules as rr
from scheduler.rota.aggregate import hint_from_aggregate, solve_aggregate
from scheduler.rota.cg import CGResult, column_generation
from scheduler.rota.model import Demand, RotaModel, Unit, build, class_key
from scheduler.rota.options import AgentOptions, ShiftOption, agent_options, slot_time
from scheduler.rota.search import (
    Progress,
    StopToken,
    Watcher,
    complete_hint,
    gap_of,
    hint_all,
    make_solver,
    tighten,
)
from scheduler.rota.values import SolutionValues
from scheduler.scenario import Scenario

CG_SHARE = 0.5
"""Share of the time left that column generation gets after the aggregate left a gap."""
CG_SHARE_FROM_NOTHING = 0.6
"""...and when no rota is known yet (day-roster rules, or the aggregate found none): it builds the first."""
CG_MIN_SECONDS = 2.0
"""Column generation is not started with less time than this (its first rounds would be lost)."""
INTEGER_GAP_SHARE = 0.25
"""The integer master stops within this share of `solver.gap_limit` of its own bound: the
per-agent model's completion adds what the master sees only as class means (fairness)."""
FIRST_ROTA_COMPLETION = 0.1
"""Share of column generation's time the completion of its first integer master may take."""
LNS_AFTER_SHARE = 0.3
"""With day-roster rules, the plain search's share of the time left; the neighbourhood search
takes the rest (on Curtois it finds far better rotas than one long search)."""



def _options(scenario: Scenario) -> list[AgentOptions]:
    """Shift options per agent, generated once per class of identical agents."""
    cache: dict[tuple, AgentOptions] = {}
    out = []
    for i, a in enumerate(scenario.agents):
        avail = scenario.available_slots(a)
        key = class_key(scenario, a, avail)
        if key not in cache:
            cache[key] = agent_options(scenario, a, i)
        base = cache[key]
        out.append(AgentOptions(agent=a, index=i, options=base.options, available=base.available))
    return out


def solve_rota(
    scenario: Scenario,
    demand: Demand,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    on_progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    extra: Callable[[RotaModel], None] | None = None,
    hint: dict[str, tuple[set, dict[int, str]]] | None = None,
    option_filter: Callable[[AgentOptions], list[ShiftOption]] | None = None,
    from_slot: int = 0,
    roster: rr.RosterRules | None = None,
    engine: str | None = None,
    gap_limit: float | None = None,
) -> RotaResult:
    """Find the least-cost rota. `extra` adds rules to the per-agent model (replan uses it);
    `roster` adds the day-roster rules, which column generation's pricing keeps too."""
    cfg = scenario.config.solver
    time_limit = cfg.time_limit_seconds if time_limit is None else time_limit
    seed = cfg.seed if seed is None else seed
    workers = cfg.workers if workers is None else workers
    engine = cfg.engine if engine is None else engine
    gap_limit = cfg.gap_limit if gap_limit is None else gap_limit
    t0 = time.perf_counter()
    per_agent = _options(scenario)
    n_vars = sum(len(o.options) for o in per_agent)
    if n_vars > cfg.max_model_variables:
        from scheduler.errors import InputError, Problem

        raise InputError([Problem(
            "scenario.yaml", "solver.max_model_variables", f"a model of about {n_vars:,} shift variables",
            f"at most {cfg.max_model_variables:,}: shorten the horizon, use longer slots, fewer start times, or raise the setting",
        )])
    if option_filter is not None:
        per_agent = [AgentOptions(o.agent, o.index, option_filter(o), o.available) for o in per_agent]
    units = [Unit([o.agent], o.options, o.available) for o in per_agent]

    # 1. aggregated model: proven lower bound and hint (not for replan: its frozen past is per agent)
    agg = agg_solver = None
    agg_status, agg_bound, classes = cp_model.UNKNOWN, -math.inf, []
    splits: list[SolutionValues] = []  # every legal rota split from the aggregate: first columns
    # the aggregate sees no day-roster rule: its split would break them, so with them column
    # generation (whose pricing keeps them) starts the search
    if extra is None and engine != "column_generation" and not (roster is not None and engine == "auto"):
        # with column generation behind it the aggregate gets one go: when a loaded machine finds
        # nothing in it, column generation builds the rota instead
        shares = (0.25,) if engine == "auto" else (0.35, 0.3)
        agg, agg_solver, agg_status, classes = solve_aggregate(scenario, units, demand, time_limit, seed, workers, on_progress,
                                                          should_stop, shares)
        if agg_status == cp_model.INFEASIBLE:
            raise InfeasibleError(diagnose(scenario, units, demand, seed, workers))
        if agg_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            agg_bound = agg_solver.best_objective_bound / 100
    aggregate_bound = agg_bound  # the aggregate's own, for the stats (agg_bound takes column generation's too)

    # 2. per-agent model with the hint
    m = build(scenario, units, demand, aggregated=False, from_slot=from_slot)
    if roster is not None:
        rr.apply(m, roster)
    if extra is not None:
        extra(m)
    # the completed hint is the rota a short time limit returns: it gets up to half of what is left
    fallback = None
    if hint is not None:
        _hint_from_plan(m, hint)
        fallback = complete_hint(m, seed, workers, max(1.0, (time_limit - (time.perf_counter() - t0)) * 0.5))
    elif agg_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # two ways to hand the class counts to agents; keep the cheaper rota that keeps every rule
        for balance in (False, True):
            m.model.clear_hints()
            hint_from_aggregate(m, agg, agg_solver, classes, balance)
            # candidate hires make the model larger: its completion gets a longer floor on a loaded machine
            floor = 2.5 if scenario.candidates else 1.0
            done = complete_hint(m, seed, workers, max(floor, (time_limit - (time.perf_counter() - t0)) * 0.25))
            if done is not None:
                splits.append(done)
            if done is not None and (fallback is None or done.objective_value < fallback.objective_value):
                fallback = done
        if fallback is not None:
            hint_all(m, fallback.values)
    if fallback is None and hint is None:
        # no usable split aggregate: start from nobody on duty, legal whenever no rule forces
        # someone in, so a short time limit still returns a rota with its honest gap
        m.model.clear_hints()
        for xs in m.choice:
            for x in xs:
                m.model.add_hint(x, 0)
        fallback = complete_hint(m, seed, workers, max(1.0, (time_limit - (time.perf_counter() - t0)) * 0.3))
    # 3. column generation where the aggregate leaves a gap: a per-agent bound and rota
    cg = None
    cg_time = (time_limit - (time.perf_counter() - t0)) * (CG_SHARE_FROM_NOTHING if fallback is None else CG_SHARE)
    if extra is None and engine != "aggregate" and cg_time >= CG_MIN_SECONDS and (
        fallback is None or gap_of(fallback.objective_value, agg_bound * 100) > gap_limit
    ):
        cg, first = _column_generation(m, scenario, units, demand, roster, fallback, splits,
                                 cg_time, seed, workers, should_stop, on_progress, t0, gap_limit)
        if cg.bound_fen > -math.inf:
            agg_bound = max(agg_bound, cg.bound_fen / 100)
        if first is not None and (fallback is None or first.objective_value < fallback.objective_value):
            fallback = first  # the rota completed from column generation's first integer master
        if cg.schedules is not None:
            # without a rota so far this completion is the first rota: it may take half of what is left
            share = 0.2 if fallback is not None else 0.5
            done = _complete_schedules(m, cg.schedules, cg.queues, seed, workers,
                                       max(1.0, (time_limit - (time.perf_counter() - t0)) * share))
            if done is not None and (fallback is None or done.objective_value < fallback.objective_value):
                fallback = done
        if fallback is not None:
            hint_all(m, fallback.values)
    if fallback is not None and on_progress:
        on_progress("rota", fallback.objective_value / 100, agg_bound if extra is None else 0.0, time.perf_counter() - t0)
    reserve = min(5.0, 0.05 * time_limit)  # for stating the found rota's true cost (_tighten)
    remaining = max(0.5, time_limit - (time.perf_counter() - t0) - reserve)
    known_bound = agg_bound * 100 if extra is None else -math.inf
    if fallback is not None and gap_of(fallback.objective_value, known_bound) <= gap_limit:
        solver, status = fallback, cp_model.FEASIBLE  # good enough, proven: no search needed
    else:
        # with day-roster rules a neighbourhood search takes over from the plain search (on Curtois
        # it finds far better rotas); on the product's own scenarios the plain search does better
        # (benchmarks/results/peers.md: weekly 61,277 against 62,247 with the search cut short)
        deadline = time.perf_counter() + remaining
        search = remaining * (LNS_AFTER_SHARE if roster is not None and fallback is not None else 1.0)
        solver = make_solver(search, seed, workers, gap=gap_limit, presolve=False)
        if isinstance(should_stop, StopToken):
            should_stop.register(solver)
        status = solver.solve(m.model, Watcher("rota", on_progress, should_stop, known_bound, gap_limit))
        if status == cp_model.FEASIBLE and deadline - time.perf_counter() > 1.0 and not (should_stop and should_stop()):
            incumbent = SolutionValues(list(solver.response_proto.solution), solver.objective_value)
            if gap_of(incumbent.objective_value, max(known_bound, solver.best_objective_bound)) > gap_limit:
                target = max(known_bound, solver.best_objective_bound) / (1 - gap_limit) if gap_limit < 1 else math.inf
                better = lns.improve(
                    m, incumbent, deadline, workers, seed, should_stop,
                    lambda obj: on_progress and on_progress("rota", obj / 100, max(known_bound, solver.best_objective_bound) / 100,
                                                            time.perf_counter() - t0),
                    target=target,
                )
                if better.objective_value < solver.objective_value:
                    better.best_objective_bound = solver.best_objective_bound
                    solver = better
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(diagnose(scenario, units, demand, seed, workers, extra, from_slot=from_slot))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and fallback is not None:
        # the search ran out of time (large models spend it in presolve): keep the split aggregate
        solver, status = fallback, cp_model.FEASIBLE
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if should_stop and should_stop():
            raise InfeasibleError(["interrupted before any rota was found; nothing was written"])
        raise InfeasibleError([
            f"no rota found within the time limit of {time_limit:g} s and none proven impossible; "
            "raise --time-limit (solver.time_limit_seconds) or relax the promotion rules"
        ])
    rota_bound = solver.best_objective_bound / 100
    if status == cp_model.FEASIBLE and not isinstance(solver, SolutionValues):
        solver = tighten(m, solver, seed, workers, max(1.0, reserve)) or solver
    obj = solver.objective_value / 100
    bound = _round_up_to_objective_grid(m, max(rota_bound, agg_bound if extra is None else -math.inf))
    bound = min(max(bound, 0.0), obj)  # every cost is non-negative: 0 when nothing better is proven
    gap = 0.0 if status == cp_model.OPTIMAL or obj <= 0 else max(0.0, (obj - bound) / abs(obj))
    shifts, assignments = extract(m, solver)
    elapsed = time.perf_counter() - t0
    return RotaResult(
        status="OPTIMAL" if status == cp_model.OPTIMAL or gap < 1e-9 else "FEASIBLE",
        objective=round(obj, 2),
        lower_bound=round(bound, 2),
        gap=gap,
        solve_seconds=round(elapsed, 2),
        shifts=shifts,
        assignments=assignments,
        stats={
            "shift_variables": n_vars,
            "aggregated_status": agg_solver.status_name(agg_status) if agg_solver else None,
            "aggregated_bound": None if aggregate_bound == -math.inf else round(aggregate_bound, 2),
            "rota_bound": round(rota_bound, 2) if rota_bound > -math.inf else None,
            "classes": len(classes),
            "column_generation": None if cg is None else {
                "bound": None if cg.bound_fen == -math.inf else round(cg.bound_fen / 100, 2),
                "lp": round(cg.lp_fen / 100, 2) if math.isfinite(cg.lp_fen) else None,
                "integer_master": None if cg.integer_fen is None else round(cg.integer_fen / 100, 2),
                "rounds": cg.rounds, "columns": cg.columns, "seconds": round(cg.seconds, 2),
                "dived": cg.dived,
            },
        },
        interrupted=bool(should_stop and should_stop()),
    )


def solve_from_rota(
    scenario: Scenario,
    demand: Demand,
    hint: dict[str, tuple[set, dict[int, str]]],
    time_limit: float,
    known_bound: float = -math.inf,
    seed: int | None = None,
    workers: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    roster: rr.RosterRules | None = None,
) -> RotaResult:
    """A close variant of a solved scenario (hiring: one hire more or fewer), solved from that
    scenario's rota: the rota as a hint completed for the variant, then the per-agent search for
    the time left. `known_bound` (yuan) is a bound proven for the variant elsewhere (the plan's
    own, which bounds every hire count); the result's bound is the better of it and the search's."""
    cfg = scenario.config.solver
    seed = cfg.seed if seed is None else seed
    workers = cfg.workers if workers is None else workers
    t0 = time.perf_counter()
    units = [Unit([o.agent], o.options, o.available) for o in _options(scenario)]
    m = build(scenario, units, demand, aggregated=False)
    if roster is not None:
        rr.apply(m, roster)
    _hint_from_plan(m, hint)
    # the completed hint is the answer when time is short: it may take what it needs (a few
    # seconds for double11 on a loaded machine), as without it the short search finds nothing
    start = complete_hint(m, seed, workers, max(5.0, (time_limit - (time.perf_counter() - t0)) * 0.7))
    if start is not None:
        hint_all(m, start.values)
    solver = make_solver(max(0.5, time_limit - (time.perf_counter() - t0)), seed, workers, gap=cfg.gap_limit, presolve=False)
    if isinstance(should_stop, StopToken):
        should_stop.register(solver)
    status = solver.solve(m.model, Watcher("rota", None, should_stop, known_bound * 100, cfg.gap_limit))
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(["no rota keeps every rule in this variant"])
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if start is None:
            raise InfeasibleError([f"no rota found within {time_limit:g} s"])
        solver, status = start, cp_model.FEASIBLE
    obj = solver.objective_value / 100
    bound = min(max(solver.best_objective_bound / 100, known_bound, 0.0), obj)
    gap = 0.0 if status == cp_model.OPTIMAL or obj <= 0 else max(0.0, (obj - bound) / obj)
    shifts, assignments = extract(m, solver)
    return RotaResult(status="OPTIMAL" if status == cp_model.OPTIMAL or gap < 1e-9 else "FEASIBLE", objective=round(obj, 2),
                      lower_bound=round(bound, 2), gap=gap, solve_seconds=round(time.perf_counter() - t0, 2),
                      shifts=shifts, assignments=assignments)


def _round_up_to_objective_grid(m: RotaModel, bound_yuan: float) -> float:
    """Every least-cost rota's cost is the objective's offset plus a whole multiple of the gcd of
    its coefficients (all in fen), a lost-inquiry variable counting as the gcd of its curve's
    points (it is minimised onto them), so a proven bound rounds up to the next such value
    (Curtois: penalties in whole points, so 1715.96 proves 1716)."""
    if not math.isfinite(bound_yuan):
        return bound_yuan
    obj = m.model.proto.objective
    lost_curve = {v.Index(): m.demand.loss_fen[key] for key, v in m.lost.items()}
    g = 0
    for v, c in zip(obj.vars, obj.coeffs, strict=True):
        step = abs(int(c))
        if v in lost_curve:  # a lost-inquiry value, 1 fen a unit, is a point of its curve in any least-cost rota
            step *= math.gcd(*(int(x) for x in lost_curve[v]))
        g = math.gcd(g, step)
        if g == 1:
            return bound_yuan
    if g <= 1:
        return bound_yuan
    offset = int(round(obj.offset))
    fen = math.floor(bound_yuan * 100 + 1e-6)
    return (offset + math.ceil((fen - offset) / g) * g) / 100


def _column_generation(m: RotaModel, scenario: Scenario, units: list[Unit], demand: Demand, roster, fallback,
                       others: list, time_limit: float, seed: int, workers: int, should_stop, on_progress, t0: float,
                       gap_limit: float) -> tuple[CGResult, SolutionValues | None]:
    """Column generation from the best rota so far (its schedules, and those of `others`, are
    the first columns; the best one is the integer master's first incumbent). Without one, the
    rota completed from its first integer master comes back beside its result."""

    def schedules_of(sol) -> dict[int, list[int]]:
        return {i: [k for k, x in enumerate(xs) if sol.value(x)] for i, xs in enumerate(m.choice)}

    def queues_of(sol) -> dict[int, dict[int, str]]:  # queue blocks: the queue of each worked slot
        out: dict[int, dict[int, str]] = {}
        for (i, t, q), v in m.queue_vars.items():
            if sol.value(v):
                out.setdefault(i, {})[t] = q
        return out

    start = schedules_of(fallback) if fallback is not None else None
    extra_columns = [schedules_of(o) for o in others if o is not fallback]
    start_queues = queues_of(fallback) if fallback is not None else None
    extra_queues = [queues_of(o) for o in others if o is not fallback]
    limits = roster.limits if roster is not None else {}

    def class_of(u: Unit):
        lim = limits.get(u.agent.agent_id)
        return (class_key(scenario, u.agent, u.available), repr(lim) if lim is not None else "",
                getattr(u.agent, "hire_cost_yuan", 0.0), getattr(u.agent, "pool", None))

    def on_round(seconds: float, lp: float, bound: float) -> None:
        if on_progress:  # the best rota so far (the LP's value until there is one) and the proven bound
            best = fallback.objective_value / 100 if fallback is not None else lp / 100
            on_progress("bound", best, bound / 100, time.perf_counter() - t0)

    def first_rota(schedules: dict[int, list[int]], queues: dict[int, dict[int, str]]) -> bool:
        """Without a rota so far, the first integer master's schedules completed in the per-agent
        model become the rota that a failed or cut-short run still returns."""
        nonlocal fallback
        done = _complete_schedules(m, schedules, queues, seed, workers, max(1.0, FIRST_ROTA_COMPLETION * time_limit))
        if done is None:
            return False
        fallback = done
        first.append(done)
        if on_progress:
            on_progress("rota", done.objective_value / 100, -math.inf, time.perf_counter() - t0)
        return True

    first: list[SolutionValues] = []
    # with a rota in hand the integer master only tries to beat it, briefly; without one it must build it
    share = 0.15 if fallback is not None else 0.3
    cg = column_generation(scenario, units, demand, class_of, time_limit, roster=roster, start=start, seed=seed,
                           workers=workers, should_stop=should_stop, on_round=on_round, more_columns=extra_columns,
                           integer_share=share, start_queues=start_queues, more_queues=extra_queues,
                           integer_gap=INTEGER_GAP_SHARE * gap_limit, first_rota=None if start is not None else first_rota)
    return cg, first[0] if first else None


def _complete_schedules(m: RotaModel, schedules: dict[int, list[int]], queues: dict[int, dict[int, str]],
                        seed: int, workers: int, time_limit: float):
    """The integer master's schedules as a complete rota of the per-agent model (costs, and the
    queues of agents whose queue changes are free); queue-block agents keep the master's queues."""
    m.model.clear_hints()
    for i, xs in enumerate(m.choice):
        chosen = set(schedules.get(i, ()))
        for k, x in enumerate(xs):
            m.model.add_hint(x, 1 if k in chosen else 0)
    for (i, t, q), v in m.queue_vars.items():
        if i in queues:
            m.model.add_hint(v, 1 if queues[i].get(t) == q else 0)
    return complete_hint(m, seed, workers, time_limit)


def _hint_from_plan(m: RotaModel, plan: dict[str, tuple[set, dict[int, str]]]) -> None:
    """Hint a known rota: per agent its shift keys (start, end, break_start, queue) and the queue
    it serves in each working slot; an agent the rota does not name is left to the solver (the
    hire a re-solve adds to a plan)."""
    for i, u in enumerate(m.units):
        if u.agent.agent_id not in plan:
            continue
        keys, slot_queue = plan[u.agent.agent_id]
        for o, x in zip(u.options, m.choice[i], strict=True):
            m.model.add_hint(x, 1 if (o.start, o.end, o.break_start, o.queue) in keys else 0)
        for (ui, t, q), v in m.queue_vars.items():
            if ui == i:
                m.model.add_hint(v, 1 if slot_queue.get(t) == q else 0)


def extract(m: RotaModel, solver: cp_model.CpSolver) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rota as the shifts and per-slot assignments tables of the output contract."""
    sc = m.scenario
    shift_rows, assign_rows = [], []
    for i, u in enumerate(m.units):
        a = u.agent
        for o, x in zip(u.options, m.choice[i], strict=True):
            if not solver.boolean_value(x):
                continue
            shift_rows.append({
                "agent_id": a.agent_id,
                "agent_name": a.name,
                "contract": a.contract,
                "core": a.core,
                "start": slot_time(sc, o.start),
                "end": slot_time(sc, o.end),
                "paid_hours": o.paid_minutes / 60,
                "break_start": slot_time(sc, o.break_start) if o.break_start is not None else None,
                "break_end": slot_time(sc, o.break_end) if o.break_end is not None else None,
                "overtime_hours": o.overtime_minutes / 60,
                "wage_yuan": o.wage_fen / 100,
                "standby": a.standby,
            })
            for t in range(o.start, o.end):
                if o.break_start is not None and o.break_start <= t < o.break_end:
                    activity = "break"
                elif o.queue is not None:
                    activity = o.queue
                elif len(a.skills) == 1:
                    activity = a.skills[0]
                else:
                    activity = next(q for q in a.skills if solver.value(m.queue_vars[(i, t, q)]))
                assign_rows.append({"agent_id": a.agent_id, "slot_start": slot_time(sc, t), "activity": activity})
    shifts = pd.DataFrame(shift_rows, columns=[
        "agent_id", "agent_name", "contract", "core", "start", "end", "paid_hours",
        "break_start", "break_end", "overtime_hours", "wage_yuan", "standby"])
    assignments = pd.DataFrame(assign_rows, columns=["agent_id", "slot_start", "activity"])
    return shifts.sort_values(["start", "agent_id"], kind="stable").reset_index(drop=True), assignments


def diagnose(
    scenario: Scenario,
    units: list[Unit],
    demand: Demand,
    seed: int,
    workers: int,
    extra: Callable[[RotaModel], None] | None = None,
    time_limit: float = 30.0,
    from_slot: int = 0,
    outside_staff: dict[tuple[int, str], int] | None = None,
) -> list[str]:
    """Name the smallest set of clashing rules the solver finds, by assumptions on rule literals."""
    m = build(scenario, units, demand, aggregated=False, diagnose=True, from_slot=from_slot, outside_staff=outside_staff)
    if extra is not None:
        extra(m)
    assert m.enforce is not None
    names = list(m.enforce)
    lits = [m.enforce[n] for n in names]
    m.model.add_assumptions(lits)
    solver = make_solver(time_limit, seed, workers)
    status = solver.solve(m.model)
    if status != cp_model.INFEASIBLE:
        return ["the rules clash, but the solver could not isolate which within the time limit"]
    core = [names[lits.index(next(x for x in lits if x.index == i))] for i in solver.sufficient_assumptions_for_infeasibility()]
    # deletion pass: drop each rule the clash does not need (short solves, few rules)
    t_end = time.perf_counter() + time_limit
    for name in list(core):
        if len(core) <= 1 or time.perf_counter() > t_end:
            break
        trial = [n for n in core if n != name]
        m.model.clear_assumptions()
        m.model.add_assumptions([m.enforce[n] for n in trial])
        if make_solver(min(5.0, t_end - time.perf_counter()), seed, workers).solve(m.model) == cp_model.INFEASIBLE:
            core = trial
    return sorted(core) or ["the rules clash (no single rule could be named)"]


def options_of(scenario: Scenario) -> list[AgentOptions]:
    """Public for replan and benchmarks: every agent's shift options."""
    return _options(scenario)


__all__ = ["Progress", "RotaResult", "SolutionValues", "StopToken", "diagnose", "extract", "hint_all", "make_solver",
           "options_of", "solve_from_rota", "solve_rota"]

