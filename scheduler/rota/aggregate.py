"""The aggregate of identical agents: a proven lower bound in a fraction of a second, and its
class counts split among each class's agents as the first rota (DESIGN.md "How the solver gets fast")."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.rota.model import RotaModel, Unit, build, class_key
from scheduler.rota.options import ShiftOption, n_days
from scheduler.rota.search import StopToken, Watcher, make_solver


def solve_aggregate(scenario, units, demand, time_limit, seed, workers, on_progress, should_stop, shares=(0.35, 0.3)):
    """Solve the count-level model of identical-agent classes: a proven bound and a hint."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        groups[class_key(scenario, u.agent, u.available)].append(i)
    classes = list(groups.values())
    agg_units = [Unit([units[i].agent for i in idxs], units[idxs[0]].options, units[idxs[0]].available) for idxs in classes]
    agg = build(scenario, agg_units, demand, aggregated=True)
    status = cp_model.UNKNOWN
    for share in shares:  # a second go when a loaded machine found nothing yet: no hint without it
        agg_solver = make_solver(time_limit * share, seed, workers, presolve=False)
        if isinstance(should_stop, StopToken):
            should_stop.register(agg_solver)
        status = agg_solver.solve(agg.model, Watcher("bound", on_progress, should_stop))
        if status != cp_model.UNKNOWN or (should_stop and should_stop()):
            break
    return agg, agg_solver, status, classes


def hint_from_aggregate(
    m: RotaModel, agg: RotaModel, agg_solver: cp_model.CpSolver, classes: list[list[int]], balance: bool = False
) -> None:
    """Split the aggregated counts among each class's agents, keeping individual rules where it can.

    Each shift goes to an agent who may legally take it: by default the one free latest (the
    interval greedy, which keeps everyone who can cover a promotion window able to); with
    `balance`, the one with the fewest paid hours so far, so weekly-hour caps do not strand
    late-week shifts (on `weekly` this split loses 1 % against the aggregate, the other 11 %).
    """
    sc = m.scenario
    slot = sc.slot_minutes
    for c_idx, idxs in enumerate(classes):
        u = agg.units[c_idx]
        if u.agent.candidate:  # the class's first hires take its shifts (the hiring order), the rest none
            for i in idxs[int(agg_solver.value(agg.hired[c_idx])):]:
                for x in m.choice[i]:
                    m.model.add_hint(x, 0)
            idxs = idxs[: int(agg_solver.value(agg.hired[c_idx]))]
        contract = sc.contract(u.agent.contract)
        rest = contract.min_rest_hours * 60 / slot
        counts = [int(agg_solver.value(x)) for x in agg.choice[c_idx]]
        plan: dict[int, list[ShiftOption]] = {i: [] for i in idxs}
        by_day: dict[int, list[int]] = defaultdict(list)
        for k, n in enumerate(counts):
            by_day[u.options[k].day] += [k] * n
        # running totals per agent, so each placement checks the rules in constant time
        last_end = {i: -10**9 for i in idxs}
        last_day = {i: -10**9 for i in idxs}
        run = {i: 0 for i in idxs}  # consecutive working days ending at last_day
        overtime = {i: 0 for i in idxs}
        paid = {i: 0 for i in idxs}
        week_regular: dict[tuple[int, int], int] = defaultdict(int)
        ot_cap = contract.max_overtime_hours_per_month * 60
        week_cap = contract.max_hours_per_week * 60
        avg_cap = None if contract.avg_max_hours_per_day is None else contract.avg_max_hours_per_day * 60 * n_days(sc)
        for day in sorted(by_day):
            # latest start first, each to the valid agent free latest: the interval greedy that
            # places every shift whenever the rest rule alone allows it
            for k in sorted(by_day[day], key=lambda k: -u.options[k].start):
                o = u.options[k]
                best = None
                for i in idxs:
                    if last_day[i] == day or last_end[i] + rest > o.start:
                        continue
                    if (run[i] + 1 if last_day[i] == day - 1 else 1) > contract.max_consecutive_days:
                        continue
                    if overtime[i] + o.overtime_minutes > ot_cap:
                        continue
                    if week_regular[(i, day // 7)] + o.regular_minutes > week_cap:
                        continue
                    if avg_cap is not None and paid[i] + o.paid_minutes > avg_cap:
                        continue
                    key = (-paid[i], last_end[i]) if balance else (last_end[i], -paid[i])
                    if best is None or key > best[0]:
                        best = (key, i)
                if best is not None:
                    i = best[1]
                    plan[i].append(o)
                    run[i] = run[i] + 1 if last_day[i] == day - 1 else 1
                    last_day[i], last_end[i] = day, o.end
                    overtime[i] += o.overtime_minutes
                    paid[i] += o.paid_minutes
                    week_regular[(i, day // 7)] += o.regular_minutes
        # identical agents: hand the schedules out in the symmetry-breaking order
        pos = {o: k for k, o in enumerate(u.options)}
        schedules = sorted(plan.values(), key=lambda s: -sum(pos[o] + 1 for o in s))
        for i, sched in zip(idxs, schedules, strict=True):
            chosen = {pos[o] for o in sched}
            for k, x in enumerate(m.choice[i]):
                m.model.add_hint(x, 1 if k in chosen else 0)
        # queue hints: hand out the class's per-queue counts slot by slot
        if sc.config.queue_changes_in_shift and len(u.agent.skills) > 1:
            slots_of = {i: {t for o in sched for t in o.working_slots()} for i, sched in zip(idxs, schedules, strict=True)}
            for t in range(sc.n_slots):
                working = [i for i in idxs if t in slots_of[i]]
                queue_counts = [(q, int(agg_solver.value(agg.queue_vars[(c_idx, t, q)]))) for q in u.agent.skills if (c_idx, t, q) in agg.queue_vars]
                it = iter(working)
                for q, n in queue_counts:
                    for _ in range(n):
                        i = next(it, None)
                        if i is None:
                            break
                        for q2 in u.agent.skills:
                            if (i, t, q2) in m.queue_vars:
                                m.model.add_hint(m.queue_vars[(i, t, q2)], 1 if q2 == q else 0)
