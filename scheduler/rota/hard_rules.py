"""The hard rules of docs/RULES.md that the rota model keeps, one function each, named after its
key in scheduler/rules.py. Each adds its constraints to a RotaModel through `require` / `m.add`,
so a diagnosis can switch it off by name and say which rules clash.
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction

import numpy as np
from ortools.sat.python import cp_model

from scheduler.rota import hiring
from scheduler.rota.state import RotaModel, day_choices, require, working_total
from scheduler.rules import name
from scheduler.scenario.views import n_days, slot_phases


# --- hard rules -------------------------------------------------------------------------------
def rule_one_shift_per_day(m: RotaModel) -> None:
    """At most one shift per agent per day: a day's rota gives each agent one block of work."""
    for u_idx, u in enumerate(m.units):
        for xs in day_choices(m, u_idx).values():
            if len(xs) > 1 or u.size > 1:
                m.model.add(sum(xs) <= u.size)


def rule_rest(m: RotaModel) -> None:
    """Minimum rest between the end of one shift and the start of the next (and no overlap).

    Stated once per possible start slot t, cumulatively: the agents starting their day's shift
    at or before t and the agents whose earlier shift ends after t minus the rest are distinct
    people. For one agent that is the plain rule; for a class of identical agents it is the
    tightest count-level form (a plain per-option form lets the aggregated bound assume a
    midnight shift and a next-day evening shift for the same person).
    """
    slot = m.scenario.slot_minutes
    for u_idx, u in enumerate(m.units):
        c = m.scenario.contract(u.agent.contract)
        rest = int(math.ceil(c.min_rest_hours * 60 / slot - 1e-9))
        opts = list(zip(u.options, m.choice[u_idx], strict=True))
        by_start: dict[int, list] = defaultdict(list)
        reach: dict[int, int] = defaultdict(lambda: -1)  # latest end + rest of a shift on each day
        for o, x in opts:
            by_start[o.start].append((o, x))
            reach[o.day] = max(reach[o.day], o.end + rest)
        before = _latest_before(reach)
        for t, starting in by_start.items():
            day = starting[0][0].day
            if before.get(day, -1) <= t:
                continue  # no earlier day's shift reaches t: the scan below would find no clash
            clash = [x for o, x in opts if o.day < day and o.end + rest > t]
            if clash:
                early = [x for o, x in opts if o.day == day and o.start <= t]
                m.add(
                    sum(early) + sum(clash) <= u.size,
                    f"{name('rest')}: {u.agent.agent_id} needs {c.min_rest_hours:g} h between shifts",
                )


def _latest_before(reach: dict[int, int]) -> dict[int, int]:
    """For each day, the latest (end + rest) of any shift on an earlier day (-1 when none)."""
    out, best = {}, -1
    for d in sorted(reach):
        out[d] = best
        best = max(best, reach[d])
    return out


def rule_overtime(m: RotaModel) -> None:
    """Overtime at most `max_overtime_hours_per_month` (Labour Law art. 41: 36 h/month)."""
    for u_idx, u in enumerate(m.units):
        c = m.scenario.contract(u.agent.contract)
        terms = [(o.overtime_minutes, x) for o, x in zip(u.options, m.choice[u_idx], strict=True) if o.overtime_minutes]
        cap = int(c.max_overtime_hours_per_month * 60) * u.size
        if terms and sum(v for v, _ in terms) * (1 if u.size == 1 else u.size) > cap:
            m.add(
                sum(v * x for v, x in terms) <= cap,
                f"{name('overtime')}: {u.agent.agent_id} at most {c.max_overtime_hours_per_month:g} h overtime a month",
            )


def rule_weekly_hours(m: RotaModel) -> None:
    """Regular hours per 7-day block at most `max_hours_per_week` (art. 36: 40 h; part-time 24 h)."""
    for u_idx, u in enumerate(m.units):
        c = m.scenario.contract(u.agent.contract)
        blocks: dict[int, list] = defaultdict(list)
        for o, x in zip(u.options, m.choice[u_idx], strict=True):
            blocks[o.day // 7].append((o.regular_minutes, x))
        cap = int(c.max_hours_per_week * 60) * u.size
        for b, terms in blocks.items():
            if _max_sum_per_day(m, u_idx, terms) > cap:
                m.add(
                    sum(v * x for v, x in terms) <= cap,
                    f"{name('weekly_hours')}: {u.agent.agent_id} at most {c.max_hours_per_week:g} h in week {b + 1}",
                )


def _max_sum_per_day(m: RotaModel, u_idx: int, terms: list) -> int:
    """Upper bound of a sum of per-shift minutes given one shift per day (to skip idle constraints)."""
    best: dict[int, int] = defaultdict(int)
    lookup = {id(x): o for o, x in zip(m.units[u_idx].options, m.choice[u_idx], strict=True)}
    for v, x in terms:
        d = lookup[id(x)].day
        best[d] = max(best[d], v)
    return sum(best.values()) * m.units[u_idx].size


def rule_average_daily_hours(m: RotaModel) -> None:
    """Part-time (Labour Contract Law art. 68): at most 4 h a day on average over the horizon."""
    days = n_days(m.scenario)
    for u_idx, u in enumerate(m.units):
        c = m.scenario.contract(u.agent.contract)
        if c.avg_max_hours_per_day is None:
            continue
        terms = [(o.paid_minutes, x) for o, x in zip(u.options, m.choice[u_idx], strict=True)]
        cap = int(c.avg_max_hours_per_day * 60 * days) * u.size
        if terms and _max_sum_per_day(m, u_idx, terms) > cap:
            m.add(
                sum(v * x for v, x in terms) <= cap,
                f"{name('average_daily_hours')}: {u.agent.agent_id} at most {c.avg_max_hours_per_day:g} h a day on average",
            )


def rule_consecutive_days(m: RotaModel) -> None:
    """No more than `max_consecutive_days` working days in a row (art. 38: a rest day each week)."""
    days = n_days(m.scenario)
    for u_idx, u in enumerate(m.units):
        c = m.scenario.contract(u.agent.contract)
        k = c.max_consecutive_days
        if days <= k:
            continue
        by_day = day_choices(m, u_idx)
        for d0 in range(0, days - k):
            window = [x for d in range(d0, d0 + k + 1) for x in by_day.get(d, [])]
            if window:
                m.add(
                    sum(window) <= k * u.size,
                    f"{name('consecutive_days')}: {u.agent.agent_id} at most {k} days in a row",
                )


def _exact_share(share: float) -> tuple[int, int]:
    """A share as the decimal fraction it was typed as (0.3334 -> 1667/5000): integer rows keep
    every digit, as RULES.md and the checker read it, with coefficients that stay small."""
    f = Fraction(repr(share))
    return f.numerator, f.denominator


def _share_on_duty_at_least(m: RotaModel, windows, in_group, share_of, minimum_of, key: str, what) -> None:
    """In every slot of each window, the group's share of the agents on duty (and its head count)
    at least the window's minimum: the midnight core and the morning part-timers alike."""
    for w in windows:
        ks = [t for t in m.scenario.window_slots(w.start, w.end) if t >= m.from_slot]
        num, den = _exact_share(share_of(w))
        least = minimum_of(w)
        desc = f"{name(key)} {m.slots_label(ks)}: {what(w)}"
        for t in ks:
            group, everyone = working_total(m, t, in_group), working_total(m, t)
            require(m, den * group - num * everyone >= 0, desc)
            if least:
                require(m, group >= least, desc)


def rule_midnight_core(m: RotaModel) -> None:
    """When the sale opens at midnight, core agents (主力客服) carry the rush (DOMAIN point 3)."""
    _share_on_duty_at_least(m, m.scenario.config.promotion.midnight_core, lambda u: u.agent.core,
                            lambda w: w.min_core_share, lambda w: w.min_core_agents, "midnight_core",
                            lambda w: f"at least {w.min_core_share:.0%} core agents and {w.min_core_agents} core agents on duty")


def rule_evening_all_hands(m: RotaModel) -> None:
    """At the evening peak every available agent is on duty, not on break (DOMAIN point 3).

    Standby agents are never forced in; an agent unavailable in a slot is not required in it.
    """
    sc = m.scenario
    for w in sc.config.promotion.evening_all_hands:
        ks = [t for t in sc.window_slots(w.start, w.end) if t >= m.from_slot]
        for u_idx, u in enumerate(m.units):
            a = u.agent
            if a.standby or (w.contracts is not None and a.contract not in w.contracts):
                continue
            need = [t for t in ks if u.available[t]]
            if not need:
                continue
            desc = (
                f"{name('evening_all_hands')} {m.slots_label(ks)} needs {a.agent_id}"
                + (f" (and {u.size - 1} like them)" if u.size > 1 else "")
                + f" on duty {m.slots_label(need)}"
            )
            for t in need:
                work = m.work[u_idx].get(t)
                if work is None:
                    require(m, hiring.unhired(m, u_idx), desc + ", but none of their allowed shifts covers it")
                else:
                    m.add(work == hiring.duty(m, u_idx), desc)  # a candidate: only when hired


def rule_morning_part_time(m: RotaModel) -> None:
    """After the morning rush part-timers (兼职) cover: at least a share of those on duty."""
    part_time = {c for c, k in m.scenario.config.contracts.items() if k.kind == "part_time"}
    _share_on_duty_at_least(m, m.scenario.config.promotion.morning_part_time, lambda u: u.agent.contract in part_time,
                            lambda w: w.min_part_time_share, lambda w: 0, "morning_part_time",
                            lambda w: f"at least {w.min_part_time_share:.0%} part-timers on duty")


def rule_ratio_bounds(m: RotaModel) -> None:
    """Pre-sale share of agent-hours per phase within bounds (plan the 售前/售后 ratio, DOMAIN 3).

    Always over the whole phase, as RULES.md reads it: in a replan the worked past is frozen in
    the model (or counted in `outside_staff`), so the share of the phase's remainder alone is
    free to differ, as long as the whole phase stays inside the bounds.
    """
    sc = m.scenario
    presale = {q.id for q in sc.config.queues if q.kind == "presale"}
    every = {q.id for q in sc.config.queues}
    phases = slot_phases(sc)
    for phase, rb in sc.config.ratio_bounds.items():
        ks = [int(t) for t in np.flatnonzero(phases == phase)]
        pre_vars, pre_coefs = _agent_slots(m, set(ks), presale)
        all_vars, all_coefs = _agent_slots(m, set(ks), every)
        pre_out = sum(m.outside_staff.get((t, q), 0) for t in ks for q in presale)
        all_out = sum(m.outside_staff.get((t, q.id), 0) for t in ks for q in sc.config.queues)
        if not all_vars:
            continue
        (lo, lo_den), (hi, hi_den) = _exact_share(rb.min_presale_share), _exact_share(rb.max_presale_share)
        desc = f"{name('ratio_bounds')} ({phase}): pre-sale share of agent-hours between {rb.min_presale_share:.0%} and {rb.max_presale_share:.0%}"
        pre_sum = cp_model.LinearExpr.weighted_sum(pre_vars, pre_coefs) + pre_out
        all_sum = cp_model.LinearExpr.weighted_sum(all_vars, all_coefs) + all_out
        if lo > 0:
            m.add(lo_den * pre_sum >= lo * all_sum, desc)
        if hi < hi_den:
            m.add(hi_den * pre_sum <= hi * all_sum, desc)


def _agent_slots(m: RotaModel, slots: set[int], queues: set[str]) -> tuple[list, list[int]]:
    """Agent-slots worked on `queues` during `slots`, as variables and coefficients: the same sum
    as adding up m.staff, built in one pass (adding hundreds of thousands of expressions is slow)."""
    coef: dict[int, int] = defaultdict(int)
    var_of: dict[int, object] = {}
    for u_idx, u in enumerate(m.units):
        skills = u.agent.skills
        own_queue_vars = len(skills) > 1 and m.scenario.config.queue_changes_in_shift
        for o, x in zip(u.options, m.choice[u_idx], strict=True):
            if own_queue_vars:
                break
            q = skills[0] if len(skills) == 1 else o.queue
            if q not in queues:
                continue
            n = sum(1 for t in o.working_slots() if t in slots)
            if n:
                coef[x.index] += n
                var_of[x.index] = x
    for (_, t, q), v in m.queue_vars.items():
        if t in slots and q in queues:
            coef[v.index] += 1
            var_of[v.index] = v
    keys = list(coef)
    return [var_of[k] for k in keys], [coef[k] for k in keys]


PER_AGENT_RULES = (
    rule_one_shift_per_day,
    rule_rest,
    rule_overtime,
    rule_weekly_hours,
    rule_average_daily_hours,
    rule_consecutive_days,
    rule_evening_all_hands,
    hiring.rule_hiring,
)
"""The hard rules that bind each agent alone: column generation's pricing states exactly these."""
