"""The column-generation master: an LP (HiGHS) over whole-horizon schedules of agent classes.

A *column* is one legal schedule of one agent (at most one shift a day, every per-agent rule
kept by the pricing). Agents of one class (identical in every rule and cost) share columns; the
class's convexity row says how many of its agents take each schedule. Everything global is a
master row (built in building.py), stated exactly as the CP-SAT model states it
(scheduler/rota/hard_rules.py, costs.py):

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

from collections import defaultdict
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from scheduler.rota.cg.queues import QueueBlocks, count_switches
from scheduler.rota.model import Unit
from scheduler.scenario import Scenario

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
