"""Hiring in the rota model: which candidates of the hiring pools are hired, what hiring costs,
and which duties bind only those hired.

A candidate (scenario/hiring.py) is hired when it works at least one shift; its one-off cost
(recruiting, training) then enters the objective. An unhired candidate has no duty at all: the
evening all-hands rule and any minimum of hours bind a candidate only through its `hired`
literal, so an empty schedule stays legal for it, and a non-empty one carries every duty of the
team. In the aggregated model a candidate class has a hire *count* bounded by the agents it puts
on any one day and by its hours against the per-agent caps, so the aggregate stays a relaxation
and its bound a proven bound. An agent hired earlier (a plan folder's copy lists hires with their
cost) pays its hire cost by the same rule, so every engine and the checker price it alike.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.rota.options import n_days
from scheduler.rota.state import RotaModel
from scheduler.scenario import Agent


def pays_hire(agent: Agent) -> bool:
    """Whether the agent's schedule decides a hire: a candidate, or an agent with a hire cost."""
    return agent.candidate or agent.hire_cost_yuan > 0


def hire_fen(agent: Agent) -> int:
    """One-off cost of hiring the agent in fen (0 for the team)."""
    return int(round(agent.hire_cost_yuan * 100))


def hired(m: RotaModel, u_idx: int, always: bool = False):
    """The unit's `hired` literal (one agent) or hire count (a class), made on first use; None
    for a unit whose schedule decides no hire (unless `always`: a price given from outside).

    One agent: hired <=> at least one shift. A class: the count is at least the shifts of any
    one day (one shift a day each) and at most all its shifts, and its hours respect each hired
    agent's weekly and average caps.
    """
    if u_idx in m.hired:
        return m.hired[u_idx]
    u = m.units[u_idx]
    if not (always or pays_hire(u.agent)):
        return None
    xs = m.choice[u_idx]
    if u.size == 1:
        h = m.model.new_bool_var(f"hired{u_idx}")
        for x in xs:
            m.model.add_implication(x, h)
        m.model.add_bool_or([*xs, h.Not()])
    else:
        h = m.model.new_int_var(0, u.size, f"hires{u_idx}")
        _class_hire_cuts(m, u_idx, h)
    if u.agent.must_hire:
        m.model.add(h == u.size)
    m.hired[u_idx] = h
    return h


def _class_hire_cuts(m: RotaModel, u_idx: int, h) -> None:
    """A class's hire count against its shifts: valid for every split of them among its agents."""
    u = m.units[u_idx]
    c = m.scenario.contract(u.agent.contract)
    xs = m.choice[u_idx]
    by_day: dict[int, list] = defaultdict(list)
    by_week: dict[int, list] = defaultdict(list)
    for o, x in zip(u.options, xs, strict=True):
        by_day[o.day].append(x)
        by_week[o.day // 7].append((o.regular_minutes, x))
    for day_xs in by_day.values():
        m.model.add(sum(day_xs) <= h)
    m.model.add(h <= sum(xs))
    week_cap = int(c.max_hours_per_week * 60)
    for terms in by_week.values():
        m.model.add(sum(v * x for v, x in terms) <= week_cap * h)
    if c.avg_max_hours_per_day is not None:
        cap = int(c.avg_max_hours_per_day * 60 * n_days(m.scenario))
        m.model.add(sum(o.paid_minutes * x for o, x in zip(u.options, xs, strict=True)) <= cap * h)


def duty(m: RotaModel, u_idx: int):
    """How many of the unit's agents a duty binds: all of a team unit, only the hired of candidates."""
    u = m.units[u_idx]
    return hired(m, u_idx) if u.agent.candidate else u.size


def unhired(m: RotaModel, u_idx: int):
    """What a duty the unit cannot serve at all demands: that candidates stay unhired (False, a
    clash, for the team)."""
    return hired(m, u_idx) == 0 if m.units[u_idx].agent.candidate else False


def if_hired(m: RotaModel, u_idx: int, constraint) -> None:
    """Let a one-agent constraint bind a candidate only when it is hired (fairness's minimum:
    an unhired candidate is not one of the team whose hours are compared)."""
    if m.units[u_idx].agent.candidate and m.units[u_idx].size == 1:
        constraint.only_enforce_if(hired(m, u_idx))


def spread_floor(m: RotaModel, idxs: list[int], lo, hi) -> None:
    """With only candidates in a contract the minimum binds the hired only: keep the spread >= 0
    when none of them is hired (nothing to compare, nothing to pay). With agents of the team in
    it, their hours already lie between the two (and the redundant row slowed the completion of
    double11's split 3-fold)."""
    if all(m.units[i].agent.candidate for i in idxs):
        m.model.add(lo <= hi)


def rule_hiring(m: RotaModel) -> None:
    """A candidate is hired when it works; each hire costs its one-off price; candidate i + 1 of
    a pool is hired only if candidate i is (identical candidates: any hiring can be reordered so,
    at equal cost, which spares the solver the permutations)."""
    by_pool: dict[str, list] = defaultdict(list)
    for u_idx, u in enumerate(m.units):
        h = hired(m, u_idx)
        if h is None:
            continue
        if hire_fen(u.agent):
            m.cost_terms["hire_cost"].append(hire_fen(u.agent) * h)
        if u.agent.candidate and u.size == 1:
            by_pool[u.agent.pool or ""].append(h)
    for hs in by_pool.values():
        for a, b in zip(hs, hs[1:], strict=False):
            m.model.add(b <= a)


def hired_ids(shifts, scenario) -> set[str]:
    """The candidates a rota hires: those with at least one shift."""
    working = set(shifts.agent_id) if len(shifts) else set()
    return {a.agent_id for a in scenario.candidates if a.agent_id in working}
