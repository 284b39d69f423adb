"""The column-generation master: an LP (HiGHS) over whole-horizon schedules of agent classes.

A *column* is one legal schedule of one agent (at most one shift a day, every per-agent rule
kept by the pricing). Agents of one class (identical in every rule and cost) share columns; the
class's convexity row says how many of its agents take each schedule. Everything global is a
master row, stated exactly as the CP-SAT model states it (scheduler/rota/model.py):

- coverage: per slot and queue the head count `staff` and the lost-inquiry value as the
  maximum of the lines through consecutive points of the convex curve (and, for the Curtois
  benchmark, a price per agent above the requirement);
- skills: when queues may change inside a shift at a price, a multi-skilled class's schedules
  come with the queue of each worked slot, each switch paid (queue blocks,
  scheduler/rota/cg/queues.py), so coverage takes capacity per (slot, queue) from them; when a
  change is free, the class's working capacity per slot is handed to its queues by continuous
  variables (exact then, and far fewer columns);
- midnight core, morning part-time, ratio bounds: one row per slot or phase;
- fairness: the spread of each contract's hours and night hours, with each class's *mean* in
  place of each agent's value (max >= mean >= min), so the master stays a relaxation (a contract
  with candidate hires is left out: its spread is over the hired only).

Columns enter through per-option row entries: a schedule's coefficients are the sum of its
shifts' entries, so the reduced cost of a schedule is the sum of its shifts' reduced costs
(pricing, scheduler/rota/cg/pricing.py) plus the hire cost of a candidate.

Queue blocks are linked, not multiplied out: a queue-block schedule is one schedule column
(its shifts, counted on one row per shift option) and, for each shift, a *sequence* column (that
shift worked on a queue sequence: its (slot, queue) coverage and its switch prices) that takes
one count off the option's row (`link`: schedules working the option = sequences of it). A
schedule of a week then mixes with others through its shifts' sequences, not as a whole, which
is what the LP needs (as many columns as a week's shifts have sequences, not their product).
It is the same LP as whole columns carrying every slot's queue: any mix of whole columns gives
these counts, and these counts split back into whole columns, since every cost and row adds up
over shifts. The integer master needs whole sequence counts too, so it is exact as well.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from scheduler.rota.cg.queues import QueueBlocks, count_switches, priced_blocks
from scheduler.rota.model import Demand, Unit, preference_prices
from scheduler.scenario import Scenario
from scheduler.scenario.views import night_mask, slot_phases

INF = highspy.kHighsInf
Column = tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]
"""A schedule: its sorted option indexes, and with queue blocks, for each of them, the queue
index (into the class's skills) of each of its working slots in slot order (empty otherwise)."""
ARTIFICIAL_FEN = 1e8
"""Price of an artificial unit (an agent with no schedule, a share row short by one agent):
keeps the first masters feasible before pricing has found legal schedules. It only relaxes the
master, so every bound stays valid."""


@dataclass
class _Sparse:
    indices: np.ndarray
    data: np.ndarray


@dataclass
class AgentClass:
    """Identical agents: one pricing problem, one convexity row, shared columns."""

    units: list[int]
    """Indexes of the class's agents in the per-agent unit list."""
    unit: Unit
    """A representative (options, availability)."""
    hire_fen: int = 0
    conv_row: int = -1
    entries: sparse.csr_matrix | None = None
    """Option x master-row coefficients."""
    cost: np.ndarray | None = None
    """Option costs in fen (wages and the agent's priced preferences)."""
    columns: dict[tuple[int, ...], int] = field(default_factory=dict)
    """Schedule (sorted option indexes) -> master column index."""
    blocks: QueueBlocks | None = None
    """With queue blocks: the (slot, queue) entries and the per-shift queue programme."""
    link: np.ndarray | None = None
    """With queue blocks: per option, its row (schedules working it - its sequences = 0)."""
    sequences: dict[tuple[int, tuple[int, ...]], int] = field(default_factory=dict)
    """With queue blocks: (option, queue sequence) -> master column index."""

    @property
    def size(self) -> int:
        return len(self.units)


@dataclass
class Master:
    """The LP master and the row layout its columns are priced against."""

    scenario: Scenario
    classes: list[AgentClass]
    lp: highspy.Highs
    n_rows: int = 0
    row_lb: list[float] = field(default_factory=list)
    row_ub: list[float] = field(default_factory=list)
    slot_rows: dict[tuple[int, int, str | None], list[tuple[int, float]]] = field(default_factory=dict)
    """(class, slot, queue) -> row entries of working that slot; for a flexible class queue None
    holds the entries of working at all, and with queue blocks each queue's those of serving it."""
    handout: dict[tuple[int, int, str], int] = field(default_factory=dict)
    """(class, slot, queue) -> pending index of the variable handing a flexible class's agents to a queue."""
    option_rows: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    """class -> [(row, per-option coefficient array)] for rows that count whole shifts (fairness)."""
    constant_fen: float = 0.0
    column_class: list[int] = field(default_factory=list)
    """Master column index -> class (-1 for structural variables)."""
    structural: list[tuple] = field(default_factory=list)
    """(cost, lb, ub, rows, values) of every variable that is not a schedule (for the dual function)."""
    _structural: tuple | None = None
    incumbent: tuple | None = None
    """A whole-number master solution known before the integer master (the start rota's), and its value."""

    # --- building blocks --------------------------------------------------------------------
    def row(self, lb: float, ub: float) -> int:
        self.row_lb.append(lb)
        self.row_ub.append(ub)
        self.n_rows += 1
        return self.n_rows - 1

    def variable(self, cost: float, lb: float, ub: float, entries: list[tuple[int, float]]) -> int:
        idx = np.array([r for r, _ in entries], dtype=np.int32)
        val = np.array([v for _, v in entries], dtype=np.float64)
        self.structural.append((cost, lb, ub, idx, val))
        self.lp.addCol(float(cost), float(lb), float(ub), len(idx), idx, val)
        self.column_class.append(-1)
        return len(self.column_class) - 1

    def structural_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, sparse.csc_matrix]:
        """Costs, bounds and the row matrix of the structural variables (built once)."""
        if self._structural is None:
            cols = self.structural
            cost = np.array([c[0] for c in cols])
            lo = np.array([c[1] for c in cols])
            hi = np.array([c[2] for c in cols])
            rows = np.concatenate([c[3] for c in cols]) if cols else np.zeros(0, dtype=np.int32)
            vals = np.concatenate([c[4] for c in cols]) if cols else np.zeros(0)
            which = np.repeat(np.arange(len(cols)), [len(c[3]) for c in cols])
            matrix = sparse.csc_matrix((vals, (rows, which)), shape=(self.n_rows, len(cols)))
            self._structural = (cost, lo, hi, matrix)
        return self._structural

    def column(self, c: int, options: list[int] | tuple[int, ...], queue_of: dict[int, str] | None = None) -> Column | None:
        """The column of class c working `options`, with queue blocks serving `queue_of[t]` in
        each worked slot t (None when a worked slot has no queue among the class's skills)."""
        cls = self.classes[c]
        opts = tuple(sorted(options))
        if cls.blocks is None:
            return opts, ()
        skills = cls.blocks.skills
        seqs = []
        for k in opts:
            got = [(queue_of or {}).get(t) for t in cls.unit.options[k].working_slots()]
            if any(q not in skills for q in got):
                return None
            seqs.append(tuple(skills.index(q) for q in got))
        return opts, tuple(seqs)

    def queues_of(self, c: int, column: Column) -> dict[int, str]:
        """Slot -> queue served, for a queue-block column (empty otherwise)."""
        cls = self.classes[c]
        if cls.blocks is None:
            return {}
        return {t: cls.blocks.skills[q] for k, seq in zip(*column, strict=True)
                for t, q in zip(cls.unit.options[k].working_slots(), seq, strict=True)}

    def add_schedule(self, c: int, schedule: Column) -> bool:
        """Add one schedule of class c (and with queue blocks its shifts' sequences) as columns;
        False when every piece is there already."""
        cls = self.classes[c]
        opts, seqs = schedule
        added = False
        if opts not in cls.columns:
            cost, coef = self.shifts_vector(c, opts)
            rows = np.concatenate([[cls.conv_row], coef.indices]).astype(np.int32)
            vals = np.concatenate([[1.0], coef.data]).astype(np.float64)
            self.lp.addCol(float(cost), 0.0, INF, len(rows), rows, vals)  # no upper bound: the convexity row implies it, and a bound's dual would escape the pricing
            self.column_class.append(c)
            cls.columns[opts] = len(self.column_class) - 1
            added = True
        for k, seq in zip(opts, seqs, strict=False):
            added = self.add_sequence(c, k, seq) or added
        return added

    def add_sequence(self, c: int, k: int, seq: tuple[int, ...]) -> bool:
        """Add shift option k of a queue-block class worked on `seq` as a column; False when there."""
        cls = self.classes[c]
        if (k, seq) in cls.sequences:
            return False
        cost, coef = self.sequence_vector(c, k, seq)
        self.lp.addCol(float(cost), 0.0, INF, len(coef.indices), coef.indices, coef.data)  # at most the class size: its option row implies it
        self.column_class.append(c)
        cls.sequences[(k, seq)] = len(self.column_class) - 1
        return True

    def shifts_vector(self, c: int, opts: tuple[int, ...]) -> tuple[float, _Sparse]:
        """A schedule column's cost and master-row coefficients: the sums over its shifts."""
        cls = self.classes[c]
        return float(cls.cost[list(opts)].sum()) + (cls.hire_fen if opts else 0), _summed([(cls.entries, k) for k in opts])

    def sequence_vector(self, c: int, k: int, seq: tuple[int, ...]) -> tuple[float, _Sparse]:
        """A sequence column's cost (its switches) and coefficients: its (slot, queue) entries,
        and one count off option k's row."""
        cls = self.classes[c]
        b = cls.blocks
        o = cls.unit.options[k]
        queue_of = dict(zip(o.working_slots(), seq, strict=True))
        coef = _summed([(b.entries, t * b.n_queues + q) for t, q in queue_of.items()], [(int(cls.link[k]), -1.0)])
        return b.price * count_switches([o], queue_of), coef

    def schedule_vector(self, c: int, schedule: Column) -> tuple[float, _Sparse]:
        """A whole schedule's cost and master-row coefficients as one column would carry them:
        its schedule column plus its shifts' sequence columns (their option rows cancel)."""
        cost, coef = self.shifts_vector(c, schedule[0])
        parts = [coef]
        if self.classes[c].blocks is not None:
            for k, seq in zip(*schedule, strict=True):
                sc, sv = self.sequence_vector(c, k, seq)
                cost += sc
                parts.append(sv)
        idx = np.concatenate([p.indices for p in parts])
        val = np.concatenate([p.data for p in parts])
        return cost, _summed([], list(zip(idx.tolist(), val.tolist(), strict=True)))


def _summed(pieces: list[tuple[sparse.csr_matrix, int]], extra: list[tuple[int, float]] = ()) -> _Sparse:
    """The sum of some matrix rows (and single entries) as one sparse vector, zeros dropped."""
    rows = [e.indices[e.indptr[k]:e.indptr[k + 1]] for e, k in pieces] + [np.array([r for r, _ in extra], dtype=np.int64)]
    vals = [e.data[e.indptr[k]:e.indptr[k + 1]] for e, k in pieces] + [np.array([v for _, v in extra], dtype=np.float64)]
    rows_, vals_ = np.concatenate(rows), np.concatenate(vals)
    if not len(rows_):
        return _Sparse(np.zeros(0, dtype=np.int32), np.zeros(0))
    uniq, inv = np.unique(rows_, return_inverse=True)
    summed = np.bincount(inv, weights=vals_)
    keep = summed != 0
    return _Sparse(uniq[keep].astype(np.int32), summed[keep])


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


def _flexible(scenario: Scenario, unit: Unit) -> bool:
    """A multi-skilled agent whose queue may change inside a shift: the master hands out its time."""
    return len(unit.agent.skills) > 1 and scenario.config.queue_changes_in_shift


def _slot_entry(m: Master, c: int, t: int, q: str | None, row: int, coef: float) -> None:
    m.slot_rows.setdefault((c, t, q), []).append((row, coef))


def _queue_keys(m: Master, c: int) -> list[str | None]:
    """The queue keys a class's working slots are booked under: None for a flexible class."""
    u = m.classes[c].unit
    if _flexible(m.scenario, u):
        return [None]
    if len(u.agent.skills) == 1:
        return [u.agent.skills[0]]
    return list(u.agent.skills)


def _working(m: Master, c: int) -> set[int]:
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
        working = _working(m, c)
        if priced_blocks(sc, cls.unit):
            for q in skills:
                for t in working:
                    if (t, q) in staff_row:
                        _slot_entry(m, c, t, q, staff_row[(t, q)], 1.0)
            cls.link = np.array([m.row(0.0, 0.0) for _ in cls.unit.options], dtype=np.int64)
        elif _flexible(sc, cls.unit):
            for t in working:
                r = m.row(0.0, 0.0)  # the class's agents working t - those handed to its queues = 0
                _slot_entry(m, c, t, None, r, 1.0)
                for q in skills:
                    ent = [(r, -1.0)] + ([(staff_row[(t, q)], 1.0)] if (t, q) in staff_row else [])
                    pending.append((0.0, 0.0, float(cls.size), ent))
                    m.handout[(c, t, q)] = len(pending) - 1
        else:
            for q in _queue_keys(m, c):
                for t in working:
                    if (t, q) in staff_row:
                        _slot_entry(m, c, t, q, staff_row[(t, q)], 1.0)


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
                    for q in _queue_keys(m, c):
                        _slot_entry(m, c, t, q, r, float(coef))


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
                    for q in _queue_keys(m, c):
                        _slot_entry(m, c, t, q, r, 1.0)


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
        if not any(t in ks for c in range(len(m.classes)) for t in _working(m, c)):
            continue
        for bound, sign in ((lo, 1), (hi, -1)):
            if (sign == 1 and lo <= 0) or (sign == -1 and hi >= 1000):
                continue
            r = m.row(0.0, INF)  # sign x (1000 x pre - bound x all) >= 0
            pending.append((ARTIFICIAL_FEN / 1000, 0.0, INF, [(r, 1.0)]))
            for c in range(len(m.classes)):
                for q in _queue_keys(m, c):
                    coef = sign * ((1000 if q in presale else 0) - bound)
                    for t in _working(m, c) & ks:
                        _slot_entry(m, c, t, q, r, float(coef))
            for (_c, t, q), i in m.handout.items():  # a flexible class's pre-sale hand-outs carry the 1000
                if t in ks and q in presale:
                    pending[i][3].append((r, float(sign * 1000)))
            for c, cls in enumerate(m.classes):  # ...and with queue blocks, its columns' pre-sale slots
                if priced_blocks(sc, cls.unit):
                    for t in _working(m, c) & ks:
                        for q in presale & set(cls.unit.agent.skills):
                            _slot_entry(m, c, t, q, r, float(sign * 1000))


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
    flexible = _flexible(m.scenario, u)
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


def dual_function(master: Master, classes: list[AgentClass], priced: list, duals: np.ndarray) -> float | None:
    """The Lagrangian dual function at any sign-feasible `duals`: a lower bound on every rota.

    Right-hand sides times duals, every structural variable at the bound its reduced cost
    prefers, and each class's size times its least reduced cost (schedules or no schedule).
    None when a structural variable could run off to minus infinity at these duals.
    """
    lb, ub = np.array(master.row_lb), np.array(master.row_ub)
    y = duals.copy()
    y[(y > 0) & (lb == -INF)] = 0.0  # a <= row cannot have a positive multiplier, a >= row a negative one
    y[(y < 0) & (ub == INF)] = 0.0
    total = float(np.where(y > 0, np.where(lb > -INF, lb, 0.0), np.where(ub < INF, ub, 0.0)) @ y)
    cost, lo, hi, matrix = master.structural_arrays()
    rc = cost - matrix.T @ y
    rc[: len(classes)] = 0.0  # the classes' no-schedule columns: counted with each class below
    if np.any((rc < 0) & (hi == INF)):
        return None
    total += float(np.where(rc < 0, rc * np.where(hi == INF, 0.0, hi), rc * lo).sum())
    for c, (cls, p) in enumerate(zip(classes, priced, strict=True)):
        artificial = master.structural[c][0] - y[cls.conv_row]
        total += cls.size * min(p.bound, artificial)
    return total
