"""The costs of docs/RULES.md's objective, one function each, all in integer fen: coverage (the
lost-inquiry curve), wages, preferences, queue changes inside a shift, fairness.
"""

from __future__ import annotations

import math
from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.rota import hiring
from scheduler.rota.state import RotaModel
from scheduler.scenario import Scenario
from scheduler.scenario.views import night_mask


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


def _hours_in_window(sc: Scenario, start, end) -> dict[int, float]:
    """Hours of each slot that lie inside [start, end): a window off the slot grid counts in part."""
    h0, step = sc.config.horizon.start, sc.slot_minutes * 60
    a, b = (start - h0).total_seconds(), (end - h0).total_seconds()
    first, last = max(0, math.floor(a / step)), min(sc.n_slots, math.ceil(b / step))
    return {t: (min((t + 1) * step, b) - max(t * step, a)) / 3600 for t in range(first, last)
            if min((t + 1) * step, b) > max(t * step, a)}


def preference_prices(sc: Scenario, agent_id: str) -> tuple[dict[int, int], int]:
    """An agent's preferences as fen per slot worked (a refusal costs, a request saves) and the
    constant the requests add (a requested hour not worked costs its price): RULES.md prices the
    hours of the window worked, so a slot only partly inside it costs that part."""
    default = sc.config.preferences.default_price_yuan_per_hour
    per_slot: dict[int, int] = defaultdict(int)
    constant = 0
    for p in sc.preference_rows:
        if p.agent_id != agent_id:
            continue
        yuan_per_hour = p.price_yuan_per_hour if p.price_yuan_per_hour is not None else default
        for t, hours in _hours_in_window(sc, p.start, p.end).items():
            price = int(round(yuan_per_hour * hours * 100))
            per_slot[t] += price if p.kind == "refuse" else -price
            constant += 0 if p.kind == "refuse" else price
    return dict(per_slot), constant


def cost_preferences(m: RotaModel) -> None:
    """Requested and refused hours, priced (a refused hour worked, a requested hour not worked)."""
    for u_idx, u in enumerate(m.units):
        if u.size != 1:
            continue
        per_slot, constant = preference_prices(m.scenario, u.agent.agent_id)
        m.constant_fen += constant
        m.cost_terms["preference_cost"] += [price * m.work[u_idx][t] for t, price in per_slot.items()
                                            if t in m.work[u_idx] and price]


def cost_queue_changes(m: RotaModel) -> None:
    """Each switch of queue between two working slots of one shift costs `queue_change_yuan`.

    In the per-agent model; the aggregate leaves this non-negative cost out (its bound stays
    valid) and column generation prices it in its queue-block columns (cg/queues.py). A switch at
    slot t+1 is counted, as RULES.md and the checker count it, when one shift works both t and t+1
    (a break between two blocks is a free switch point; so is the seam of two shifts that touch)
    on different queues: change >= on_q(t) + same_shift(t, t+1) - on_q(t+1) - 1 for each queue q.
    """
    price = int(round(m.scenario.config.queue_change_yuan * 100))
    if price <= 0 or not m.queue_vars:
        return
    by_unit: dict[int, dict[int, dict[str, cp_model.IntVar]]] = defaultdict(lambda: defaultdict(dict))
    for (u_idx, t, q), v in m.queue_vars.items():
        by_unit[u_idx][t][q] = v
    for u_idx, slots in by_unit.items():
        same_shift: dict[int, list] = defaultdict(list)  # t -> shifts that work both t and t + 1
        for o, x in zip(m.units[u_idx].options, m.choice[u_idx], strict=True):
            worked = set(o.working_slots())
            for t in worked:
                if t + 1 in worked:
                    same_shift[t].append(x)
        for t, here in slots.items():
            nxt = slots.get(t + 1)
            if nxt is None or not same_shift[t]:
                continue
            change = m.model.new_bool_var(f"chg_{u_idx}_{t}")
            both = cp_model.LinearExpr.sum(same_shift[t])
            for q, v in here.items():
                if q in nxt:
                    m.model.add(change >= v + both - nxt[q] - 1)
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
                hiring.if_hired(m, i, m.model.add(lo <= v))  # the minimum is over the hired only
            hiring.spread_floor(m, idxs, lo, hi)
            m.cost_terms["fairness_cost"].append(price * (hi - lo))


def objective(m: RotaModel) -> None:
    m.model.minimize(sum(sum(v) for v in m.cost_terms.values()) + m.constant_fen)
