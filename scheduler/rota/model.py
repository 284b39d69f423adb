"""The CP-SAT rota model: variables, one function per business rule, the objective.

The same builder makes two models. In the *per-agent* model every unit is one agent and its
shift choices are booleans. In the *aggregated* model every unit is a class of identical agents
(same contract, core flag, skills, availability, wage, standby flag, no personal requests) and
the choices are counts; each rule's right-hand side is scaled by the class size, so the
aggregated model is a relaxation of the per-agent one: its optimum is a proven lower bound, and
its solution, split among the class's agents, is a hint. Money is in integer fen (0.01 yuan).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduler.rota import hiring
from scheduler.rota.options import ShiftOption
from scheduler.rules import name
from scheduler.scenario import Agent, Scenario
from scheduler.scenario.views import n_days, night_mask, slot_phases


@dataclass
class Unit:
    """One agent (per-agent model) or a class of identical agents (aggregated model)."""

    agents: list[Agent]
    options: list[ShiftOption]
    available: np.ndarray

    @property
    def size(self) -> int:
        return len(self.agents)

    @property
    def agent(self) -> Agent:
        return self.agents[0]


@dataclass
class Demand:
    """What coverage is priced against: per slot and queue, the lost-inquiry money curve.

    loss_fen[(t, q)][n] = value of the inquiries expected lost with n agents on queue q in slot t;
    non-increasing and convex in n (the staffing stage guarantees it).
    """

    loss_fen: dict[tuple[int, str], np.ndarray]


@dataclass
class RotaModel:
    scenario: Scenario
    units: list[Unit]
    demand: Demand
    aggregated: bool
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    choice: list[list[cp_model.IntVar]] = field(default_factory=list)
    work: list[dict[int, cp_model.LinearExpr]] = field(default_factory=list)
    queue_vars: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)
    staff: dict[tuple[int, str], list] = field(default_factory=dict)
    lost: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    cost_terms: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    constant_fen: int = 0
    from_slot: int = 0
    """Promotion rules bind from this slot on (replan: the past is history, kept as worked)."""
    outside_staff: dict[tuple[int, str], int] = field(default_factory=dict)
    """Agent-slots per (slot, queue) worked by people not in the model (replan: the worked past
    of agents who have since left); whole-phase rules count them as constants."""
    hired: dict[int, cp_model.IntVar] = field(default_factory=dict)  # hired literal or count (rota/hiring.py)
    enforce: dict[str, cp_model.IntVar] | None = None
    """With diagnosis on: one literal per rule instance, keyed by its plain-words description."""

    # --- helpers ----------------------------------------------------------------------------
    def literal(self, description: str) -> list:
        """Enforcement literal for a rule instance when diagnosing infeasibility, else none."""
        if self.enforce is None:
            return []
        if description not in self.enforce:
            self.enforce[description] = self.model.new_bool_var(description[:60])
        return [self.enforce[description]]

    def add(self, relation, description: str) -> cp_model.Constraint:
        """Add a hard rule's constraint, enforced by its rule literal when diagnosing."""
        constraint = self.model.add(relation)
        lits = self.literal(description)
        if lits:
            constraint.only_enforce_if(lits)
        return constraint

    def slots_label(self, ks: list[int] | range) -> str:
        if not ks:
            return ""
        a = self.scenario.slots[ks[0]]
        b = self.scenario.slots[ks[-1]] + np.timedelta64(self.scenario.slot_minutes, "m")
        return f"{a:%m-%d %H:%M}-{b:%H:%M}"


def build(
    scenario: Scenario, units: list[Unit], demand: Demand, aggregated: bool, diagnose: bool = False, from_slot: int = 0,
    outside_staff: dict[tuple[int, str], int] | None = None,
) -> RotaModel:
    """Build the model with every rule of DESIGN.md (see docs/RULES.md for their exact reading)."""
    m = RotaModel(scenario, units, demand, aggregated, enforce={} if diagnose else None, from_slot=from_slot,
                  outside_staff=dict(outside_staff or {}))
    variables(m)
    hiring.rule_hiring(m)
    rule_one_shift_per_day(m)
    rule_rest(m)
    rule_overtime(m)
    rule_weekly_hours(m)
    rule_average_daily_hours(m)
    rule_consecutive_days(m)
    rule_midnight_core(m)
    rule_evening_all_hands(m)
    rule_morning_part_time(m)
    rule_ratio_bounds(m)
    cost_coverage(m)
    cost_wages(m)
    cost_preferences(m)
    if not aggregated:
        cost_queue_changes(m)
        cost_fairness(m)
        break_symmetry(m)
    objective(m)
    return m


# --- variables --------------------------------------------------------------------------------
def variables(m: RotaModel) -> None:
    """Shift choices per unit; who is working each slot; which queue they serve.

    Skills and the queue-change setting are kept by construction: a unit gets a queue variable
    only for queues in its skills, and when queues may not change inside a shift the queue is
    part of the shift option itself.
    """
    sc = m.scenario
    for u_idx, u in enumerate(m.units):
        ub = u.size
        if ub == 1:
            xs = [m.model.new_bool_var(f"x{u_idx}_{i}") for i in range(len(u.options))]
        else:
            xs = [m.model.new_int_var(0, ub, f"y{u_idx}_{i}") for i in range(len(u.options))]
        m.choice.append(xs)
        per_slot: dict[int, list] = defaultdict(list)
        per_slot_queue: dict[tuple[int, str], list] = defaultdict(list)
        for o, x in zip(u.options, xs, strict=True):
            for t in o.working_slots():
                per_slot[t].append(x)
                if o.queue is not None:
                    per_slot_queue[(t, o.queue)].append(x)
        work = {t: cp_model.LinearExpr.sum(v) for t, v in per_slot.items()}
        m.work.append(work)
        skills = u.agent.skills
        for t, w in work.items():
            if len(skills) == 1:
                m.staff.setdefault((t, skills[0]), []).append(w)
            elif sc.config.queue_changes_in_shift:
                qv = [m.model.new_int_var(0, ub, f"q{u_idx}_{t}_{q}") for q in skills]
                for q, v in zip(skills, qv, strict=True):
                    m.queue_vars[(u_idx, t, q)] = v
                    m.staff.setdefault((t, q), []).append(v)
                m.model.add(sum(qv) == w)
            else:
                for q in skills:
                    if (t, q) in per_slot_queue:
                        m.staff.setdefault((t, q), []).append(cp_model.LinearExpr.sum(per_slot_queue[(t, q)]))


def _day_choices(m: RotaModel, u_idx: int) -> dict[int, list]:
    by_day: dict[int, list] = defaultdict(list)
    for o, x in zip(m.units[u_idx].options, m.choice[u_idx], strict=True):
        by_day[o.day].append(x)
    return by_day


# --- hard rules -------------------------------------------------------------------------------
def rule_one_shift_per_day(m: RotaModel) -> None:
    """At most one shift per agent per day: a day's rota gives each agent one block of work."""
    for u_idx, u in enumerate(m.units):
        for xs in _day_choices(m, u_idx).values():
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
        by_day = _day_choices(m, u_idx)
        for d0 in range(0, days - k):
            window = [x for d in range(d0, d0 + k + 1) for x in by_day.get(d, [])]
            if window:
                m.add(
                    sum(window) <= k * u.size,
                    f"{name('consecutive_days')}: {u.agent.agent_id} at most {k} days in a row",
                )


def require(m: RotaModel, relation, desc: str) -> None:
    """Add a linear relation that may have collapsed to a constant (nobody can work the slot)."""
    if isinstance(relation, bool | np.bool_):
        if not relation:
            lit = m.literal(desc)
            m.model.add_bool_or([lit[0].Not()] if lit else [])  # empty clause: infeasible
        return
    m.add(relation, desc)


def _working_total(m: RotaModel, t: int, which=lambda u: True):
    return sum(m.work[i][t] for i, u in enumerate(m.units) if t in m.work[i] and which(u))


def rule_midnight_core(m: RotaModel) -> None:
    """When the sale opens at midnight, core agents (主力客服) carry the rush (DOMAIN point 3)."""
    for w in m.scenario.config.promotion.midnight_core:
        ks = [t for t in m.scenario.window_slots(w.start, w.end) if t >= m.from_slot]
        share = int(round(w.min_core_share * 1000))
        desc = f"{name('midnight_core')} {m.slots_label(ks)}: at least {w.min_core_share:.0%} core agents and {w.min_core_agents} core agents on duty"
        for t in ks:
            core = _working_total(m, t, lambda u: u.agent.core)
            allw = _working_total(m, t)
            require(m, 1000 * core - share * allw >= 0, desc)
            if w.min_core_agents:
                require(m, core >= w.min_core_agents, desc)


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
                    m.add(work == hiring.duty(m, u_idx), desc)


def rule_morning_part_time(m: RotaModel) -> None:
    """After the morning rush part-timers (兼职) cover: at least a share of those on duty."""
    for w in m.scenario.config.promotion.morning_part_time:
        ks = [t for t in m.scenario.window_slots(w.start, w.end) if t >= m.from_slot]
        share = int(round(w.min_part_time_share * 1000))
        desc = f"{name('morning_part_time')} {m.slots_label(ks)}: at least {w.min_part_time_share:.0%} part-timers on duty"
        for t in ks:
            pt = _working_total(m, t, lambda u: m.scenario.contract(u.agent.contract).kind == "part_time")
            allw = _working_total(m, t)
            require(m, 1000 * pt - share * allw >= 0, desc)


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
        lo, hi = int(round(rb.min_presale_share * 1000)), int(round(rb.max_presale_share * 1000))
        desc = f"{name('ratio_bounds')} ({phase}): pre-sale share of agent-hours between {rb.min_presale_share:.0%} and {rb.max_presale_share:.0%}"
        pre_sum = cp_model.LinearExpr.weighted_sum(pre_vars, pre_coefs) + pre_out
        all_sum = cp_model.LinearExpr.weighted_sum(all_vars, all_coefs) + all_out
        if lo > 0:
            m.add(1000 * pre_sum >= lo * all_sum, desc)
        if hi < 1000:
            m.add(1000 * pre_sum <= hi * all_sum, desc)


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


# --- costs ------------------------------------------------------------------------------------
def cost_coverage(m: RotaModel) -> None:
    """Under-staffing costs the inquiries it loses x the value of one inquiry (DOMAIN point 1).

    The lost-inquiry curve is convex and decreasing in the agents on the queue, so its piecewise
    linear interpolation is the maximum of the lines through consecutive points.
    """
    caps: dict[tuple[int, str], int] = defaultdict(int)  # agents who could be on each queue in each slot
    for u, work in zip(m.units, m.work, strict=True):
        for t in work:
            for q in u.agent.skills:
                caps[(t, q)] += u.size
    for (t, q), curve in m.demand.loss_fen.items():
        terms = m.staff.get((t, q), [])
        cap = caps[(t, q)]
        top = int(curve[0])
        if top <= 0:
            continue
        lost = m.model.new_int_var(0, top, f"lost_{t}_{q}")
        m.lost[(t, q)] = lost
        # one variable for the head count, so each linear piece has two terms, not hundreds
        staff = m.model.new_int_var(0, cap, f"staff_{t}_{q}")
        m.model.add(staff == cp_model.LinearExpr.sum(terms)) if terms else m.model.add(staff == 0)
        n_max = min(len(curve) - 1, cap)
        for n in range(n_max + 1):
            here = int(curve[n])
            slope = int(curve[n + 1]) - here if n + 1 < len(curve) else 0
            if here <= 0 and slope >= 0:
                break
            m.model.add(lost >= here + slope * (staff - n))
        m.cost_terms["lost_inquiry_value"].append(lost)


def cost_wages(m: RotaModel) -> None:
    """Every shift costs its wages (overtime and holiday multipliers, standby call-in fee)."""
    for u_idx, u in enumerate(m.units):
        for o, x in zip(u.options, m.choice[u_idx], strict=True):
            m.cost_terms["wage_cost"].append(o.wage_fen * x)


def _price_per_slot_fen(m: RotaModel, yuan_per_hour: float) -> int:
    return int(round(yuan_per_hour * m.scenario.slot_minutes / 60 * 100))


def cost_preferences(m: RotaModel) -> None:
    """Requested and refused hours, priced (a refused hour worked, a requested hour not worked)."""
    sc = m.scenario
    default = sc.config.preferences.default_price_yuan_per_hour
    for u_idx, u in enumerate(m.units):
        if u.size != 1:
            continue
        for p in sc.preference_rows:
            if p.agent_id != u.agent.agent_id:
                continue
            price = _price_per_slot_fen(m, p.price_yuan_per_hour if p.price_yuan_per_hour is not None else default)
            ks = list(sc.window_slots(p.start, p.end))
            worked = [m.work[u_idx][t] for t in ks if t in m.work[u_idx]]
            if p.kind == "refuse":
                m.cost_terms["preference_cost"] += [price * w for w in worked]
            else:
                m.constant_fen += price * len(ks)
                m.cost_terms["preference_cost"] += [-price * w for w in worked]


def cost_queue_changes(m: RotaModel) -> None:
    """Each switch of queue between two working slots of one shift costs `queue_change_yuan`.

    Only in the per-agent model (the aggregate and the column-generation master leave this
    non-negative cost out, so their bounds stay valid). A switch at slot t+1 is counted when the
    agent works both t and t+1 (a break between two blocks is a free switch point) on different
    queues: change >= on_q(t) + works(t+1) - on_q(t+1) - 1 for each queue q.
    """
    price = int(round(m.scenario.config.queue_change_yuan * 100))
    if price <= 0 or not m.queue_vars:
        return
    by_unit: dict[int, dict[int, dict[str, cp_model.IntVar]]] = defaultdict(lambda: defaultdict(dict))
    for (u_idx, t, q), v in m.queue_vars.items():
        by_unit[u_idx][t][q] = v
    for u_idx, slots in by_unit.items():
        for t, here in slots.items():
            nxt = slots.get(t + 1)
            if nxt is None:
                continue
            change = m.model.new_bool_var(f"chg_{u_idx}_{t}")
            works_next = m.work[u_idx][t + 1]
            for q, v in here.items():
                if q in nxt:
                    m.model.add(change >= v + works_next - nxt[q] - 1)
            m.cost_terms["queue_change_cost"].append(price * change)


def cost_fairness(m: RotaModel) -> None:
    """Spread of paid hours and of night hours among agents of one contract, priced.

    Only in the per-agent model: the aggregated bound leaves this non-negative cost out.
    """
    sc = m.scenario
    f = sc.config.fairness
    groups: dict[str, list[int]] = defaultdict(list)
    for u_idx, u in enumerate(m.units):
        if not u.agent.standby:
            groups[u.agent.contract].append(u_idx)
    night = night_mask(sc)
    slot = sc.slot_minutes
    for cid, idxs in groups.items():
        if len(idxs) < 2:
            continue
        for price_h, measure, label in (
            (f.hours_spread_yuan_per_hour, lambda i: sum(o.paid_minutes // slot * x for o, x in zip(m.units[i].options, m.choice[i], strict=True)), "hours"),
            (f.night_spread_yuan_per_hour, lambda i: sum(w for t, w in m.work[i].items() if night[t]), "night"),
        ):
            price = _price_per_slot_fen(m, price_h)
            if price <= 0:
                continue
            hi = m.model.new_int_var(0, sc.n_slots, f"{label}_max_{cid}")
            lo = m.model.new_int_var(0, sc.n_slots, f"{label}_min_{cid}")
            for i in idxs:
                v = measure(i)
                m.model.add(hi >= v)
                hiring.if_hired(m, i, m.model.add(lo <= v))
            hiring.spread_floor(m, idxs, lo, hi)
            m.cost_terms["fairness_cost"].append(price * (hi - lo))


def break_symmetry(m: RotaModel) -> None:
    """Identical agents are interchangeable: order them by their chosen shifts' ranks.

    Valid because any rota can be permuted within a class of identical agents at equal cost;
    it spares the solver from exploring every permutation.
    """
    classes: dict[tuple, list[int]] = defaultdict(list)
    for u_idx, u in enumerate(m.units):
        classes[class_key(m.scenario, u.agent, u.available)].append(u_idx)
    for idxs in classes.values():
        for a, b in zip(idxs, idxs[1:], strict=False):
            if m.units[a].options is not m.units[b].options:
                continue  # not interchangeable after all (replan freezes each agent's own past)
            ra = sum((i + 1) * x for i, x in enumerate(m.choice[a]))
            rb = sum((i + 1) * x for i, x in enumerate(m.choice[b]))
            m.model.add(ra >= rb)


def class_key(scenario: Scenario, agent: Agent, available: np.ndarray) -> tuple:
    """Agents with the same key are interchangeable in every rule and cost."""
    personal = any(p.agent_id == agent.agent_id for p in scenario.preference_rows)
    return (
        agent.contract,
        agent.core,
        agent.skills,
        agent.standby,
        scenario.wage(agent),
        available.tobytes(),
        agent.agent_id if personal else "",
        (agent.pool, agent.hire_cost_yuan, agent.candidate, agent.must_hire),
    )


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


def objective(m: RotaModel) -> None:
    m.model.minimize(sum(sum(v) for v in m.cost_terms.values()) + m.constant_fen)
