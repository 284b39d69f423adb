"""What a supervisor can still change, and the price of each change (scenario.config.replan)."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.replanning.load import Published
from scheduler.rota.model import RotaModel
from scheduler.rota.options import AgentOptions, ShiftOption, day_of_slot
from scheduler.scenario import Scenario


@dataclass
class Freeze:
    """Slots before `frozen_until` are fixed as published; `now_slot` splits started from not."""

    now_slot: int
    frozen_until: int
    absent: set[str]


def option_filter(sc: Scenario, pub: Published, fz: Freeze):
    """Per agent, the shifts a supervisor can still ask for: the supervisor's actions, not a new plan.

    Shifts starting before the freeze end are the published ones (a started one may be
    extended past the notice window). After it, on a day with a published shift: that shift,
    longer or shorter (same start and break), or none (cancelled); on a day off: any shift (a
    new shift or a standby call-in). Moving a shift to another start on the same day is left
    out: it costs both the added and the removed hours and almost never pays, and leaving it
    out keeps the model small enough to re-solve in seconds.
    """

    def keep(ao: AgentOptions) -> list[ShiftOption]:
        aid = ao.agent.agent_id
        if aid in fz.absent:
            return []
        mine = pub.keys.get(aid, set())
        # a started shift may be extended, but only past the notice window (which stays as published)
        started = [(s, e, b) for s, e, b in pub.spans.get(aid, []) if s < fz.now_slot and e >= fz.frozen_until]
        later = {day_of_slot(sc, s): (s, b) for s, e, b in pub.spans.get(aid, []) if s >= fz.frozen_until}
        out = []
        for o in ao.options:
            key = (o.start, o.end, o.break_start, o.queue)
            if key in mine:
                out.append(o)
            elif o.start >= fz.frozen_until:
                same_day = later.get(o.day)
                if same_day is None or (o.start, o.break_start) == same_day:
                    out.append(o)
            elif any(o.start == s and o.break_start == b and o.end > e for s, e, b in started):
                if o.queue is None or any(k[3] == o.queue for k in mine if k[0] == o.start):
                    out.append(o)  # extension of a shift in progress
        return out

    return keep


def fen(yuan: float) -> int:
    return int(round(yuan * 100))


@dataclass
class Price:
    """One change price: fen x (const + sum of coef x var); evaluable on any solution vector."""

    fen: int
    const: int
    terms: list[tuple[cp_model.IntVar, int]]

    def expr(self):
        return self.fen * (self.const + sum(c * v for v, c in self.terms))

    def value(self, values: list[int]) -> int:
        return self.fen * (self.const + sum(c * values[v.index] for v, c in self.terms))


def change_rules(sc: Scenario, pub: Published, fz: Freeze):
    """Rules for the per-agent model: keep frozen shifts and queues; price every change.

    The returned function adds them to a model and returns, per agent, its change prices, so
    each changed agent's price can be read back from any solution.
    """
    rp = sc.config.replan
    slot_h = sc.slot_minutes / 60

    def apply(m: RotaModel) -> dict[str, list[Price]]:
        per_agent: dict[str, list[Price]] = {}
        for i, u in enumerate(m.units):
            aid = u.agent.agent_id
            prices: list[Price] = []
            xs = list(zip(u.options, m.choice[i], strict=True))
            spans = pub.spans.get(aid, [])
            pub_days = {}
            for s, e, b in spans:
                day = next((o.day for o, _ in xs if o.start == s), None)
                if day is not None:
                    pub_days[day] = (s, e, b)
            # shifts that started or fall in the notice window are kept (never cancelled)
            for s, e, b in spans:
                if s < fz.frozen_until:
                    variants = [x for o, x in xs if o.start == s and o.break_start == b and o.end >= e]
                    if variants:
                        m.model.add(sum(variants) == 1)
            # queues of the frozen slots stay as published
            pub_work = pub.slot_queue.get(aid, {})
            for t, q in pub_work.items():
                if t < fz.frozen_until and (i, t, q) in m.queue_vars:
                    m.model.add(m.queue_vars[(i, t, q)] == 1)
            # every change after the freeze, priced
            working: dict[int, list] = {}
            for o, x in xs:
                for t in o.working_slots():
                    working.setdefault(t, []).append(x)
                if (o.start, o.end, o.break_start, o.queue) in pub.keys.get(aid, set()):
                    continue
                base = pub_days.get(o.day)
                work = set(o.working_slots())
                if base is None:
                    cost = rp.new_shift_yuan + (rp.call_in_yuan if u.agent.standby else 0.0)
                else:
                    added = sum(1 for t in work if t not in pub_work)
                    removed = sum(1 for t in pub_work if base[0] <= t < base[1] and t not in work and t >= fz.frozen_until)
                    cost = rp.extension_yuan_per_hour * added * slot_h + rp.cancel_yuan_per_hour * removed * slot_h
                if cost > 0:
                    prices.append(Price(fen(cost), 0, [(x, 1)]))
            # a published future shift dropped without a replacement that day: cancelled
            for day, (s, e, _b) in pub_days.items():
                if s >= fz.frozen_until:
                    paid = sum(1 for t in pub_work if s <= t < e)
                    prices.append(Price(fen(rp.cancel_yuan_per_hour * paid * slot_h), 1, [(x, -1) for o, x in xs if o.day == day]))
            # queue moves in slots after the freeze: working, but not on the published queue
            for t, q in pub_work.items():
                if t >= fz.frozen_until and (i, t, q) in m.queue_vars and t in working:
                    prices.append(Price(fen(rp.queue_move_yuan), 0, [(x, 1) for x in working[t]] + [(m.queue_vars[(i, t, q)], -1)]))
            m.cost_terms["change_cost"] += [p.expr() for p in prices]
            per_agent[aid] = prices
        return per_agent

    return apply
