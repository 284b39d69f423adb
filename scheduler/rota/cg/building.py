"""Building the column-generation master: every row (coverage per slot and queue with the
lost-inquiry curve, the promotion's share rows, ratio bounds, fairness), the structural variables,
and each class's option entries (what one shift of the class puts into each row), each stated as
the CP-SAT model states the rule it relaxes (scheduler/rota/hard_rules.py, costs.py).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict

import highspy
import numpy as np
from scipy import sparse

from scheduler.rota.cg.master import ARTIFICIAL_FEN, INF, AgentClass, Master
from scheduler.rota.cg.queues import QueueBlocks, priced_blocks
from scheduler.rota.model import Demand, Unit, preference_prices
from scheduler.scenario import Scenario
from scheduler.scenario.views import night_mask, slot_phases


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing: highspy's wrapper prints HiGHS's banner to the
    process's stdout while it is being built (before any option can be set), and the plan's
    stdout is the supervisor's progress, so the C library's file descriptor 1 is pointed at
    /dev/null for that moment."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            lp = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    lp.setOptionValue("output_flag", False)
    return lp


def build_master(scenario: Scenario, units: list[Unit], classes: list[AgentClass], demand: Demand,
                 surplus: dict | None = None) -> Master:
    """Every row of the master, the structural variables, and each class's option entries."""
    lp = quiet_highs()
    lp.setOptionValue("simplex_strategy", 4)  # primal simplex: new columns keep the basis primal feasible
    m = Master(scenario, classes, lp)
    # rows first (HiGHS columns refer to them), with their structural variables after
    pending: list = []
    for cls in classes:
        cls.conv_row = m.row(cls.size, cls.size)
        pending.append((ARTIFICIAL_FEN, 0.0, INF, [(cls.conv_row, 1.0)]))
    master_coverage(m, demand, surplus or {}, pending)
    master_midnight_core(m, pending)
    master_morning_part_time(m, pending)
    master_ratio_bounds(m, pending)
    master_fairness(m, pending)
    lp.addRows(m.n_rows, np.array(m.row_lb), np.array(m.row_ub), 0, np.array([], dtype=np.int32),
               np.array([], dtype=np.int32), np.array([], dtype=np.float64))
    for cost, lb, ub, entries in pending:
        m.variable(cost, lb, ub, entries)
    for c_idx in range(len(classes)):
        option_entries(m, c_idx)
    return m


def flexible_class(scenario: Scenario, unit: Unit) -> bool:
    """A multi-skilled agent whose queue may change inside a shift: the master hands out its time."""
    return len(unit.agent.skills) > 1 and scenario.config.queue_changes_in_shift


def slot_entry(m: Master, c: int, t: int, q: str | None, row: int, coef: float) -> None:
    m.slot_rows.setdefault((c, t, q), []).append((row, coef))


def queue_keys(m: Master, c: int) -> list[str | None]:
    """The queue keys a class's working slots are booked under: None for a flexible class."""
    u = m.classes[c].unit
    if flexible_class(m.scenario, u):
        return [None]
    if len(u.agent.skills) == 1:
        return [u.agent.skills[0]]
    return list(u.agent.skills)


def working_slots_of(m: Master, c: int) -> set[int]:
    return {t for o in m.classes[c].unit.options for t in o.working_slots()}


def master_coverage(m: Master, demand: Demand, surplus: dict, pending: list) -> None:
    """Head count per slot and queue, priced by the lost-inquiry curve (cost_coverage's lines)."""
    sc = m.scenario
    staff_row: dict[tuple[int, str], int] = {}
    cap: dict[tuple[int, str], int] = defaultdict(int)  # agents who could serve each queue in each slot
    for cls in m.classes:
        for t in {t for o in cls.unit.options for t in o.working_slots()}:
            for q in cls.unit.agent.skills:
                cap[(t, q)] += cls.size
    for (t, q), curve in demand.loss_fen.items():
        top = int(curve[0])
        sp = surplus.get((t, q))
        over = sp.fen_per_agent if sp is not None and sp.fen_per_agent > 0 else 0
        if top <= 0 and not over:
            continue
        # the head count as unit steps: step n (the (n+1)-th agent) changes the lost value by the
        # curve's slope there, plus the over-cover price past the requirement; the steps of a
        # convex curve fill in order, and where rounding to fen bends it the LP may fill them
        # out of order, which can only lower its value (a relaxation, never a higher bound)
        r = m.row(0.0, 0.0)  # agents on (t, q) - sum of the steps = 0
        staff_row[(t, q)] = r
        m.constant_fen += top
        n_steps = min(len(curve) - 1, cap[(t, q)])
        for n in range(n_steps):
            slope = float(int(curve[n + 1]) - int(curve[n])) + (over if sp is not None and n >= sp.required else 0)
            pending.append((slope, 0.0, 1.0, [(r, -1.0)]))
        rest = cap[(t, q)] - n_steps  # agents beyond the curve's end: nothing more lost
        if rest > 0:
            pending.append((float(over) if sp is not None and n_steps >= sp.required else 0.0, 0.0, float(rest), [(r, -1.0)]))
    for c, cls in enumerate(m.classes):
        skills = cls.unit.agent.skills
        working = working_slots_of(m, c)
        if priced_blocks(sc, cls.unit):
            for q in skills:
                for t in working:
                    if (t, q) in staff_row:
                        slot_entry(m, c, t, q, staff_row[(t, q)], 1.0)
            cls.link = np.array([m.row(0.0, 0.0) for _ in cls.unit.options], dtype=np.int64)
        elif flexible_class(sc, cls.unit):
            for t in working:
                r = m.row(0.0, 0.0)  # the class's agents working t - those handed to its queues = 0
                slot_entry(m, c, t, None, r, 1.0)
                for q in skills:
                    ent = [(r, -1.0)] + ([(staff_row[(t, q)], 1.0)] if (t, q) in staff_row else [])
                    pending.append((0.0, 0.0, float(cls.size), ent))
                    m.handout[(c, t, q)] = len(pending) - 1
        else:
            for q in queue_keys(m, c):
                for t in working:
                    if (t, q) in staff_row:
                        slot_entry(m, c, t, q, staff_row[(t, q)], 1.0)


def _share_rows(m: Master, pending: list, windows, share_of, which) -> None:
    """Rows `1000 x (agents of a kind on duty) - 1000 x share x (all on duty) >= 0` for each slot
    of each window (the model's midnight-core and morning part-time rules), the share to every
    digit as the model and the checker read it (rounded to thousandths it could be tighter than
    the rule, and the bound then above a legal rota)."""
    for w in windows:
        share = share_of(w) * 1000
        for t in m.scenario.window_slots(w.start, w.end):
            r = m.row(0.0, INF)
            pending.append((ARTIFICIAL_FEN / 1000, 0.0, INF, [(r, 1.0)]))
            for c, cls in enumerate(m.classes):
                coef = (1000 if which(cls) else 0) - share
                if coef:
                    for q in queue_keys(m, c):
                        slot_entry(m, c, t, q, r, float(coef))


def master_midnight_core(m: Master, pending: list) -> None:
    """Core agents carry the midnight rush: a share of those on duty and a minimum count."""
    windows = m.scenario.config.promotion.midnight_core
    _share_rows(m, pending, windows, lambda w: w.min_core_share, lambda cls: cls.unit.agent.core)
    for w in windows:
        if not w.min_core_agents:
            continue
        for t in m.scenario.window_slots(w.start, w.end):
            r = m.row(float(w.min_core_agents), INF)
            pending.append((ARTIFICIAL_FEN, 0.0, INF, [(r, 1.0)]))
            for c, cls in enumerate(m.classes):
                if cls.unit.agent.core:
                    for q in queue_keys(m, c):
                        slot_entry(m, c, t, q, r, 1.0)


def master_morning_part_time(m: Master, pending: list) -> None:
    """After the morning rush part-timers make up a share of those on duty."""
    sc = m.scenario
    _share_rows(m, pending, sc.config.promotion.morning_part_time, lambda w: w.min_part_time_share,
                lambda cls: sc.contract(cls.unit.agent.contract).kind == "part_time")


def master_ratio_bounds(m: Master, pending: list) -> None:
    """Pre-sale share of agent-slots per phase within bounds, over the whole phase."""
    sc = m.scenario
    presale = {q.id for q in sc.config.queues if q.kind == "presale"}
    phases = slot_phases(sc)
    for phase, rb in sc.config.ratio_bounds.items():
        ks = set(np.flatnonzero(phases == phase).tolist())
        lo, hi = rb.min_presale_share * 1000, rb.max_presale_share * 1000  # to every digit, as _share_rows
        if not any(t in ks for c in range(len(m.classes)) for t in working_slots_of(m, c)):
            continue
        for bound, sign in ((lo, 1), (hi, -1)):
            if (sign == 1 and lo <= 0) or (sign == -1 and hi >= 1000):
                continue
            r = m.row(0.0, INF)  # sign x (1000 x pre - bound x all) >= 0
            pending.append((ARTIFICIAL_FEN / 1000, 0.0, INF, [(r, 1.0)]))
            for c in range(len(m.classes)):
                for q in queue_keys(m, c):
                    coef = sign * ((1000 if q in presale else 0) - bound)
                    for t in working_slots_of(m, c) & ks:
                        slot_entry(m, c, t, q, r, float(coef))
            for (_c, t, q), i in m.handout.items():  # a flexible class's pre-sale hand-outs carry the 1000
                if t in ks and q in presale:
                    pending[i][3].append((r, float(sign * 1000)))
            for c, cls in enumerate(m.classes):  # ...and with queue blocks, its columns' pre-sale slots
                if priced_blocks(sc, cls.unit):
                    for t in working_slots_of(m, c) & ks:
                        for q in presale & set(cls.unit.agent.skills):
                            slot_entry(m, c, t, q, r, float(sign * 1000))


def master_fairness(m: Master, pending: list) -> None:
    """Spread of paid hours and of night hours in each contract, priced (cost_fairness), with
    each class's mean standing for its agents: max over agents >= class mean >= min."""
    sc = m.scenario
    f = sc.config.fairness
    slot = sc.slot_minutes
    groups: dict[str, list[int]] = defaultdict(list)
    n_agents: dict[str, int] = defaultdict(int)
    for c, cls in enumerate(m.classes):
        if not cls.unit.agent.standby:
            groups[cls.unit.agent.contract].append(c)
            n_agents[cls.unit.agent.contract] += cls.size
    night = night_mask(sc)
    for cid, cs in groups.items():
        if n_agents[cid] < 2 or any(m.classes[c].unit.agent.candidate for c in cs):
            continue  # with candidates the spread is over the hired only: left out, a relaxation still
        for price_h, measure in (
            (f.hours_spread_yuan_per_hour, lambda o: o.paid_minutes // slot),
            (f.night_spread_yuan_per_hour, lambda o: int(sum(night[t] for t in o.working_slots()))),
        ):
            price = int(round(price_h * slot / 60 * 100))
            if price <= 0:
                continue
            hi_ent, lo_ent = [], []
            for c in cs:
                cls = m.classes[c]
                vals = np.array([measure(o) for o in cls.unit.options], dtype=np.float64)
                r_hi = m.row(0.0, INF)  # size x hi - sum(hours) >= 0
                r_lo = m.row(-INF, 0.0)  # size x lo - sum(hours) <= 0
                hi_ent.append((r_hi, float(cls.size)))
                lo_ent.append((r_lo, float(cls.size)))
                m.option_rows[c] += [(r_hi, -vals), (r_lo, -vals)]
            pending.append((float(price), 0.0, float(sc.n_slots), hi_ent))
            pending.append((-float(price), 0.0, float(sc.n_slots), lo_ent))


def option_entries(m: Master, c: int) -> None:
    """Each option's master-row coefficients and cost, as one sparse matrix per class."""
    cls = m.classes[c]
    u = cls.unit
    rows, cols, vals = [], [], []
    flexible = flexible_class(m.scenario, u)
    single = u.agent.skills[0] if len(u.agent.skills) == 1 else None
    for k, o in enumerate(u.options):
        q = None if flexible else (single if single is not None else o.queue)
        for t in o.working_slots():
            for r, v in m.slot_rows.get((c, t, q), ()):
                rows.append(k)
                cols.append(r)
                vals.append(v)
    if cls.link is not None:  # queue blocks: each schedule working option k counts on k's row
        rows += list(range(len(u.options)))
        cols += cls.link.tolist()
        vals += [1.0] * len(u.options)
    for r, arr in m.option_rows.get(c, ()):
        nz = np.nonzero(arr)[0]
        rows += nz.tolist()
        cols += [r] * len(nz)
        vals += arr[nz].tolist()
    cls.entries = sparse.csr_matrix((vals, (rows, cols)), shape=(len(u.options), m.n_rows))
    cls.entries.sum_duplicates()
    cls.cost = np.array([o.wage_fen for o in u.options], dtype=np.float64) + preference_fen(m, u)
    if priced_blocks(m.scenario, u):
        cls.blocks = QueueBlocks(m.scenario, u, queue_entries(m, c))


def queue_entries(m: Master, c: int) -> sparse.csr_matrix:
    """A queue-block class's (slot x queues + queue) x master-row coefficients of serving a queue."""
    skills = m.classes[c].unit.agent.skills
    rows, cols, vals = [], [], []
    for t in range(m.scenario.n_slots):
        for qi, q in enumerate(skills):
            for r, v in m.slot_rows.get((c, t, q), ()):
                rows.append(t * len(skills) + qi)
                cols.append(r)
                vals.append(v)
    out = sparse.csr_matrix((vals, (rows, cols)), shape=(m.scenario.n_slots * len(skills), m.n_rows))
    out.sum_duplicates()
    return out


def preference_fen(m: Master, u: Unit) -> np.ndarray:
    """Per option: its priced requests and refusals (model.preference_prices, as cost_preferences
    prices them); the constant part of the requests goes to the master's constant."""
    out = np.zeros(len(u.options))
    if u.size != 1:
        return out
    per_slot, constant = preference_prices(m.scenario, u.agent.agent_id)
    m.constant_fen += constant
    if per_slot:
        out = np.array([sum(per_slot.get(t, 0) for t in o.working_slots()) for o in u.options], dtype=np.float64)
    return out
