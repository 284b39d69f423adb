"""Day-roster rules: labour rules stated over whole days and named shift types.

Many contracts (nursing, retail, and the Curtois employee-scheduling benchmark) speak of shift
*types* (early, day, late, night: each one start time of day) and of days worked, not of slots:
"no early shift the morning after a late one", "at most 4 nights", "at least two days off in a
row", "at most two weekends a month". These rules are added to the per-agent rota model only
when a `RosterRules` is given for it (a scenario's `contracts.<id>.roster` settings through
`rules_from_scenario`, or the Curtois adapter's own), so scenarios that do not ask for them keep
exactly the model and results they had.

Every function below takes the built `RotaModel` and the per-agent per-day shift variables of a
`DayRoster`; the shift options themselves come from the product's option generator (a shift
type is an allowed start time of the agent's contract).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time

import pandas as pd
from ortools.sat.python import cp_model

from scheduler.rota import hiring
from scheduler.rota.model import RotaModel, objective, require
from scheduler.rota.options import n_days
from scheduler.scenario import Scenario


@dataclass(frozen=True)
class ShiftType:
    """A named shift type: shifts starting at one of `starts` (local times of day) are of this type."""

    id: str
    starts: tuple[time, ...]
    minutes: int | None = None
    """Minutes a shift of this type counts against the total-minutes limits; None: each shift's
    own paid minutes (the product's shifts); Curtois states one length per type."""
    cannot_follow: frozenset[str] = frozenset()
    """Types that may not be worked the day after this one."""
    contract: str | None = None
    """The contract whose agents' shifts this type names; None: every agent's."""


@dataclass(frozen=True)
class AgentLimits:
    """One agent's day-roster limits over the horizon (None or 0 where there is no limit)."""

    max_per_type: dict[str, int] = field(default_factory=dict)
    min_minutes: int = 0
    max_minutes: int | None = None
    min_consecutive_days: int = 1
    """Minimum run of working days; runs touching the horizon's start or end are exempt."""
    min_consecutive_days_off: int = 1
    """Minimum run of days off; runs touching the horizon's start or end are exempt."""
    max_weekends: int | None = None
    """Weekends (Saturday-Sunday, local calendar) with any shift."""


@dataclass(frozen=True)
class SurplusPrice:
    """Price of each agent beyond `required` working a queue in one slot (fen per agent)."""

    required: int
    fen_per_agent: int


@dataclass
class RosterRules:
    """What the day-roster rules need beyond the scenario: shift types, per-agent limits, surplus prices."""

    shift_types: list[ShiftType]
    limits: dict[str, AgentLimits]
    surplus: dict[tuple[int, str], SurplusPrice] = field(default_factory=dict)


@dataclass
class DayRoster:
    """Per agent (unit index): whether they work day d, and which option variables are type s on day d."""

    works: dict[int, dict[int, cp_model.IntVar]]
    typed: dict[int, dict[tuple[int, str], list[cp_model.IntVar]]]
    days: int
    minutes: dict[int, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    """Per agent, each shift option's minutes counted against the total-minutes limits, and its variable."""


def apply(m: RotaModel, rules: RosterRules) -> DayRoster:
    """Add every day-roster rule to a built per-agent model and reset its objective."""
    roster = day_roster(m, rules)
    for rule in per_agent_roster_rules():
        rule(m, rules, roster)
    cost_surplus(m, rules)
    objective(m)  # the cost terms grew: state the objective again
    return roster


def day_roster(m: RotaModel, rules: RosterRules) -> DayRoster:
    """Group each agent's shift options by day and by shift type (from the option's local start)."""
    sc = m.scenario
    works: dict[int, dict[int, cp_model.IntVar]] = {}
    typed: dict[int, dict[tuple[int, str], list]] = {}
    counted: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    hours, minutes = sc.slots.hour.to_numpy(), sc.slots.minute.to_numpy()
    for u_idx, u in enumerate(m.units):
        if u.size != 1 or u.agent.agent_id not in rules.limits:
            continue
        types = types_by_start(rules, u.agent.contract)
        per_day: dict[int, list] = defaultdict(list)
        per_type: dict[tuple[int, str], list] = defaultdict(list)
        mins: list[tuple[int, cp_model.IntVar]] = []
        for o, x in zip(u.options, m.choice[u_idx], strict=True):
            per_day[o.day].append(x)
            st = types.get((int(hours[o.start]), int(minutes[o.start])))
            if st is not None:
                per_type[(o.day, st.id)].append(x)
            mins.append((o.paid_minutes if st is None or st.minutes is None else st.minutes, x))
        counted[u_idx] = mins
        day_vars: dict[int, cp_model.IntVar] = {}
        for d, xs in per_day.items():
            if len(xs) == 1:
                day_vars[d] = xs[0]
            else:
                w = m.model.new_bool_var(f"works_{u_idx}_{d}")
                m.model.add(w == sum(xs))  # one shift a day: the sum is 0 or 1
                day_vars[d] = w
        works[u_idx], typed[u_idx] = day_vars, dict(per_type)
    return DayRoster(works, typed, n_days(sc), counted)


def types_by_start(rules: RosterRules, contract: str) -> dict[tuple[int, int], ShiftType]:
    """(hour, minute) of a local start -> the shift type it makes for an agent of `contract`."""
    return {(t.hour, t.minute): st for st in rules.shift_types if st.contract in (None, contract) for t in st.starts}


def _limits(m: RotaModel, rules: RosterRules, u_idx: int) -> AgentLimits:
    return rules.limits[m.units[u_idx].agent.agent_id]


def rule_forbidden_successions(m: RotaModel, rules: RosterRules, roster: DayRoster) -> None:
    """A type may not follow another the next day: a late shift then an early one leaves no rest."""
    for u_idx, typed in roster.typed.items():
        who = m.units[u_idx].agent.agent_id
        for st in rules.shift_types:
            for nxt in st.cannot_follow:
                desc = f"forbidden succession: {who} may not work {nxt} the day after {st.id}"
                for d in range(roster.days - 1):
                    a, b = typed.get((d, st.id)), typed.get((d + 1, nxt))
                    if a and b:
                        m.add(sum(a) + sum(b) <= 1, desc)


def rule_shift_type_maximum(m: RotaModel, rules: RosterRules, roster: DayRoster) -> None:
    """At most N shifts of a type per agent (e.g. few night shifts: health and contract limits)."""
    for u_idx, typed in roster.typed.items():
        lim = _limits(m, rules, u_idx)
        per_type: dict[str, list] = defaultdict(list)
        for (_, kind), xs in typed.items():
            per_type[kind] += xs
        for kind, xs in per_type.items():
            cap = lim.max_per_type.get(kind)
            if cap is not None and len(xs) > cap:
                m.add(sum(xs) <= cap, f"shift type maximum: {m.units[u_idx].agent.agent_id} at most {cap} {kind} shifts")


def rule_total_minutes(m: RotaModel, rules: RosterRules, roster: DayRoster) -> None:
    """Contracted working time over the horizon: at least the hours paid for, at most the legal cap.

    Each shift counts its type's stated minutes where the type states them (Curtois), else its
    own paid minutes (a scenario's shifts), so every shift of the agent counts, typed or not.
    """
    for u_idx, counted in roster.minutes.items():
        lim = _limits(m, rules, u_idx)
        terms = [k * x for k, x in counted]
        who = m.units[u_idx].agent.agent_id
        if lim.max_minutes is not None:
            m.add(sum(terms) <= lim.max_minutes, f"total minutes: {who} at most {lim.max_minutes} min")
        if lim.min_minutes > 0:  # the hours a contract guarantees: only a hired candidate has them
            m.add(sum(terms) >= lim.min_minutes * hiring.duty(m, u_idx), f"total minutes: {who} at least {lim.min_minutes} min")


def _forbid_short_runs(m: RotaModel, lits: list, minimum: int, desc: str) -> None:
    """Forbid inner runs of fewer than `minimum` ones in `lits` (0/1 expressions or constants 0/1).

    A run of k < minimum ones with zeros on both sides inside the horizon is cut by the clause
    x[d-1] or not x[d] or ... or not x[d+k-1] or x[d+k]; runs touching either border are exempt.
    """
    n = len(lits)
    for k in range(1, minimum):
        for d in range(1, n - k):
            inner, outer = lits[d : d + k], (lits[d - 1], lits[d + k])
            if any(isinstance(v, int) and v == 0 for v in inner) or any(isinstance(v, int) and v == 1 for v in outer):
                continue  # the short run cannot happen here, or is already cut
            outer_vars = [v for v in outer if not isinstance(v, int)]
            inner_vars = [v for v in inner if not isinstance(v, int)]
            if not outer_vars and not inner_vars:
                require(m, False, desc)
                continue
            # outer true, or some inner false:  sum(outer) + sum(1 - inner) >= 1
            m.add(sum(outer_vars) - sum(inner_vars) >= 1 - len(inner_vars), desc)


def rule_min_consecutive_days(m: RotaModel, rules: RosterRules, roster: DayRoster) -> None:
    """Working days come in blocks of at least N: a lone working day between days off is disruptive."""
    for u_idx, works in roster.works.items():
        k = _limits(m, rules, u_idx).min_consecutive_days
        if k > 1:
            lits = [works.get(d, 0) for d in range(roster.days)]
            _forbid_short_runs(m, lits, k, f"min consecutive days: {m.units[u_idx].agent.agent_id} works at least {k} days in a row")


def rule_min_consecutive_days_off(m: RotaModel, rules: RosterRules, roster: DayRoster) -> None:
    """Days off come in blocks of at least N: one day between work blocks is not real rest."""
    for u_idx, works in roster.works.items():
        k = _limits(m, rules, u_idx).min_consecutive_days_off
        if k > 1:
            off = [1 - works[d] if d in works else 1 for d in range(roster.days)]
            _forbid_short_runs(m, off, k, f"min consecutive days off: {m.units[u_idx].agent.agent_id} at least {k} days off in a row")


def rule_max_weekends(m: RotaModel, rules: RosterRules, roster: DayRoster) -> None:
    """At most N weekends with any shift: weekends off are what people value most."""
    day0 = m.scenario.slots[0].normalize()
    weekends: dict[int, list[int]] = defaultdict(list)
    for d in range(roster.days):
        weekday = (day0 + pd.Timedelta(days=d)).weekday()
        if weekday >= 5:
            weekends[d - (weekday - 5)].append(d)  # keyed by the weekend's Saturday
    for u_idx, works in roster.works.items():
        cap = _limits(m, rules, u_idx).max_weekends
        if cap is None:
            continue
        flags = []
        for days in weekends.values():
            ws = [works[d] for d in days if d in works]
            if not ws:
                continue
            if len(ws) == 1:
                flags.append(ws[0])
                continue
            f = m.model.new_bool_var(f"weekend_{u_idx}_{days[0]}")
            for w in ws:
                m.model.add(f >= w)
            flags.append(f)
        if len(flags) > cap:
            m.add(sum(flags) <= cap, f"max weekends: {m.units[u_idx].agent.agent_id} works at most {cap} weekends")


PER_AGENT_ROSTER_RULES = (
    "rule_forbidden_successions",
    "rule_shift_type_maximum",
    "rule_total_minutes",
    "rule_min_consecutive_days",
    "rule_min_consecutive_days_off",
    "rule_max_weekends",
)
"""Every day-roster rule but the over-cover price binds one agent alone (column generation's pricing)."""


def per_agent_roster_rules() -> list:
    """The rule functions, looked up when called (a test may switch one off to see it bind)."""
    return [globals()[name] for name in PER_AGENT_ROSTER_RULES]


def cost_surplus(m: RotaModel, rules: RosterRules) -> None:
    """Each agent beyond the requirement of a queue in a slot costs its price: idle paid time."""
    for (t, q), sp in rules.surplus.items():
        terms = m.staff.get((t, q), [])
        if not terms or sp.fen_per_agent <= 0:
            continue
        cap = sum(m.units[i].size for i in range(len(m.units)) if t in m.work[i])
        if cap <= sp.required:
            continue
        extra = m.model.new_int_var(0, cap - sp.required, f"surplus_{t}_{q}")
        m.model.add(extra >= sum(terms) - sp.required)
        m.cost_terms["surplus_cost"].append(sp.fen_per_agent * extra)


def rules_from_scenario(sc: Scenario) -> RosterRules | None:
    """The day-roster rules of a scenario's contracts (`contracts.<id>.roster`) for every agent of
    each contract that has them; None when no contract asks for any (the model stays as it was)."""
    types: list[ShiftType] = []
    limits: dict[str, AgentLimits] = {}
    for cid, c in sc.config.contracts.items():
        r = c.roster
        if r is None:
            continue
        follow: dict[str, set[str]] = defaultdict(set)
        for first, nxt in r.forbidden_successions:
            follow[first].add(nxt)
        types += [ShiftType(tid, tuple(starts), None, frozenset(follow[tid]), cid) for tid, starts in r.shift_types.items()]
        lim = AgentLimits(
            max_per_type=dict(r.max_shifts),
            min_minutes=int(round(r.min_paid_hours * 60)),
            max_minutes=None if r.max_paid_hours is None else int(round(r.max_paid_hours * 60)),
            min_consecutive_days=r.min_consecutive_days,
            min_consecutive_days_off=r.min_consecutive_days_off,
            max_weekends=r.max_weekends,
        )
        limits.update({a.agent_id: lim for a in sc.agents if a.contract == cid})
    if not limits:
        return None
    return RosterRules(types, limits)
