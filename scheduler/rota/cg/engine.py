"""Column generation: a proven per-agent bound and an integer rota over the generated schedules.

Each round solves the LP master (scheduler/rota/cg/master.py) over the schedules found so far,
prices every class of identical agents against its duals (scheduler/rota/cg/pricing.py) and adds
the schedules whose reduced cost is negative. The Lagrangian bound of each round,

    LP value + sum over classes of (class size x least reduced cost),

is a lower bound on every rota whatever the round (the least reduced cost is the pricing's
proven bound), so the run may stop on time at any round and still report a true bound. The
integer master over the generated schedules then gives a rota that keeps every rule
(price-and-branch: branching is left to the per-agent CP-SAT search that follows).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import highspy
import numpy as np

from scheduler.rota import hiring
from scheduler.rota import roster_rules as rr
from scheduler.rota.cg.building import build_master, quiet_highs
from scheduler.rota.cg.master import ARTIFICIAL_FEN, AgentClass, Column, Master, dual_function
from scheduler.rota.cg.pricing import ClassPricing
from scheduler.rota.model import Demand, Unit
from scheduler.scenario import Scenario

FULL_EVERY = 4
"""Every this many rounds all classes are priced (and the bound stated); in between only the
classes that found schedules last time (partial pricing: late rounds touch few classes)."""
PARTIAL_SECONDS = 0.1
"""A class's pricing time in a partial round: no bound is taken from those rounds, so their
pricing need only find schedules, not prove the best one; the full rounds price to proof. On
the long Curtois instances the pricing is most of column generation's time (instance 17 at
120 s: 96 s of pricing on 2 threads in 69 s; 11 rounds with this, benchmarks/results/cg_profile.md,
against 5 in one run of 1257b7c)."""
SMOOTHING = 0.5
"""Weight of the best-bound duals in the point that is priced (Wentges smoothing)."""
MIP_SHARE = 0.6
"""Share of the integer master's time given as HiGHS's limit: its first rounding from the LP runs
outside that limit."""
DIVE_SHARE = 0.6
"""Share of the integer master's time spent diving (fixing schedules and pricing again); the
rest is HiGHS's MIP over the columns with the dive's fixings in place."""
DIVE_ROUNDS = 1
"""Pricing rounds after each fixing of the dive at most (each prices the classes not yet fixed)."""
SLOW_ROUND_SHARE = 0.25
"""A full round of pricing that started from an LP still paying for artificial units (agents no
schedule covers yet) and took more than this share of column generation's time ends the root: a
few more such rounds cannot bring the LP near its optimum, and the time is worth more to the
search that follows. The integer master then keeps its share of the time the root used, and
column generation hands back the rest (Curtois 20, 182 days x 50 staff: a first round of 51 s of
180 s; CG for 180 s ended at 12,400, for 45 s at 9,478). An LP free of artificial units is left
to converge: the season's fourth round took 42 s of 176 s, and cutting it there left its integer
master too little time for any rota."""
SLOW_INTEGER_SECONDS = 2.0
"""...but never less than this for the dive and the integer master after a slow root."""
FIRST_ROTA_SHARE = 0.05
"""Without a known rota, the integer master gets this share of column generation's time (at
least FIRST_ROTA_SECONDS) over a copy of the first LP free of artificial units, for a first rota
long before the root ends (the season: the root's columns gave the first rota only at 187 s of
300, and in some runs none at all)."""
FIRST_ROTA_SECONDS = 1.0
USEFUL_GAP = 0.05
"""A root whose bound is projected to stay further than this share of the LP value below it by
the root's deadline hands its time back, once a rota is in hand (`_out_of_reach`)."""
BOUND_TOLERANCE = 1e-6
"""Relative safety margin taken off the LP-based bound for the LP solver's own tolerances."""


@dataclass
class CGResult:
    """What column generation proved and found."""

    bound_fen: float
    """Proven lower bound on every rota's cost (fen), -inf when none was proven."""
    lp_fen: float
    schedules: dict[int, list[int]] | None
    """Per-agent unit index -> its schedule's option indexes, from the integer master (None: none found)."""
    integer_fen: float | None
    rounds: int = 0
    columns: int = 0
    seconds: float = 0.0
    history: list[tuple[float, float, float]] = field(default_factory=list)
    """(seconds, LP value, bound) of each round, in fen."""
    queues: dict[int, dict[int, str]] = field(default_factory=dict)
    """Per-agent unit index of a queue-block class -> the queue it serves in each worked slot."""
    dived: int = 0
    """Schedule counts the dive fixed before the integer master (0: no dive, or it fixed nothing)."""
    slow: bool = False
    """The root stopped after a slow full round from an LP with artificial units (SLOW_ROUND_SHARE; the rest handed back)."""
    out_of_reach: bool = False
    """The root stopped with a rota in hand because its bound could not get near the LP in its time (USEFUL_GAP; the rest handed back)."""


def hire_fen(unit: Unit) -> int:
    """One-off cost of hiring a candidate (0 for the team); a schedule with any shift pays it."""
    return hiring.hire_fen(unit.agent)


def column_generation(
    scenario: Scenario,
    units: list[Unit],
    demand: Demand,
    class_of: Callable[[Unit], Hashable],
    time_limit: float,
    roster: rr.RosterRules | None = None,
    start: dict[int, list[int]] | None = None,
    seed: int = 0,
    workers: int = 1,
    should_stop: Callable[[], bool] | None = None,
    on_round: Callable[[float, float, float], None] | None = None,
    integer_share: float = 0.3,
    integer_gap: float = 1e-5,
    more_columns: list[dict[int, list[int]]] | None = None,
    start_queues: dict[int, dict[int, str]] | None = None,
    more_queues: list[dict[int, dict[int, str]]] | None = None,
    first_rota: Callable[[dict[int, list[int]], dict[int, dict[int, str]]], bool] | None = None,
) -> CGResult:
    """Run column generation for `time_limit` seconds (the integer master gets `integer_share`).

    `start`: per-unit option indexes of a known legal rota (the split aggregate), its schedules
    the first columns and the integer master's first incumbent; `more_columns`: other legal
    rotas whose schedules join the first columns. `start_queues` and `more_queues`: the queue
    each of their agents serves in each worked slot (slot -> queue), which the columns of
    queue-block classes carry; without them such a class's known schedules are left out.
    `integer_gap`: the integer master stops within this relative gap of its own bound.
    `first_rota`: without `start`, called with the first integer master's schedules found over
    the columns of a round (and their queues); it returns whether it made a rota of them, and
    until it does each full round tries again. Its schedules are then the final integer master's
    first incumbent.
    """
    t0 = time.perf_counter()
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        groups[class_of(u)].append(i)
    classes = [AgentClass(idxs, units[idxs[0]], hire_fen(units[idxs[0]])) for idxs in groups.values()]
    master = build_master(scenario, units, classes, demand, roster.surplus if roster else None)
    constant = master.constant_fen
    pricers = [ClassPricing(scenario, cls.unit, roster, cls.hire_fen, seed) for cls in classes]
    for c, cls in enumerate(classes):
        if cls.unit.agent.candidate and not cls.unit.agent.must_hire:
            master.add_schedule(c, ((), ()))  # not hiring is a schedule of its own, at no cost
    start_columns: dict[int, Column | None] = {}
    knowns = ([(start, start_queues)] if start else []) + list(zip(more_columns or [], more_queues or [{}] * len(more_columns or []), strict=True))
    for n, (known, queues) in enumerate(knowns):
        for c, cls in enumerate(classes):
            for i in cls.units:
                if i in known:
                    col = master.column(c, known[i], (queues or {}).get(i))
                    if n == 0 and start:
                        start_columns[i] = col
                    if col is not None:
                        master.add_schedule(c, col)
    lp = master.lp
    lp_deadline = t0 + time_limit * (1 - integer_share)
    best_bound, lp_value, rounds = -math.inf, math.inf, 0
    centre: np.ndarray | None = None
    active: set[int] = set()
    full_round = True
    history: list[tuple[float, float, float]] = []
    clean: list[tuple[float, float, float]] = []  # the full rounds that began from an LP free of artificial units
    slow = out_of_reach = False
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        while True:
            rounds += 1
            lp.run()
            if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            lp_value = lp.getInfo().objective_function_value
            y = np.array(lp.getSolution().row_dual)
            left = lp_deadline - time.perf_counter()
            if slow or out_of_reach or left <= 0 or (should_stop and should_stop()):
                break  # (after a slow round, once its columns are in the LP the dive starts from)
            if first_rota is not None and not start and full_round and _artificial(master) <= 1e-6:
                early = _first_schedules(master, max(FIRST_ROTA_SECONDS, FIRST_ROTA_SHARE * time_limit), integer_gap)
                if early is not None and first_rota(*early):
                    start = early[0]
                    for c, cls in enumerate(classes):
                        for i in cls.units:
                            start_columns[i] = master.column(c, start[i], early[1].get(i))
                left = lp_deadline - time.perf_counter()
            per_class = max(0.05, min(2.0, left / max(1, len(classes)) * max(1, workers)))

            if not full_round and active:
                # partial pricing: only the classes that found schedules last time, at today's duals
                todo = sorted(active)
                tl = min(per_class, PARTIAL_SECONDS)
                priced = list(pool.map(lambda c, d=y, tl=tl: _price(classes[c], pricers[c], d, tl, prove=False), todo))
                added = sum(_add(master, c, p) for c, p in zip(todo, priced, strict=True))
                active = {c for c, p in zip(todo, priced, strict=True) if p.found}
                full_round = not active or rounds % FULL_EVERY == 0
                continue
            # a full round: every class, and the bound. Wentges smoothing prices at a point between
            # the duals of the best bound so far and today's, which damps the duals' oscillation;
            # when that finds nothing, it prices at today's
            round_start = time.perf_counter()
            short = _artificial(master) > 1e-6  # the LP still needs agents or rows no schedule covers
            for alpha in ((SMOOTHING, 0.0) if centre is not None else (0.0,)):
                duals = y if alpha == 0.0 else alpha * centre + (1 - alpha) * y
                priced = list(pool.map(lambda c, d=duals, tl=per_class: _price(classes[c], pricers[c], d, tl), range(len(classes))))
                if any(p.bound == math.inf for p in priced):
                    break  # a class has no legal schedule at all: the per-agent model will name the clash
                lagrange = _lagrangian(master, classes, priced, duals, lp_value if alpha == 0.0 else None)
                added = sum(_add(master, c, p) for c, p in enumerate(priced))
                if lagrange is not None and math.isfinite(lagrange):
                    bound = lagrange - BOUND_TOLERANCE * abs(lagrange) - 1.0 + constant
                    if math.ceil(bound - 1e-9) > best_bound:
                        best_bound, centre = math.ceil(bound - 1e-9), duals.copy()
                if added:
                    break
            if any(p.bound == math.inf for p in priced):
                break
            active = {c for c, p in enumerate(priced) if p.found}
            full_round = False
            history.append((time.perf_counter() - t0, lp_value + constant, best_bound))
            if on_round:
                on_round(time.perf_counter() - t0, lp_value + constant, best_bound)
            if added == 0 or lp_value + constant - best_bound <= 1e-5 * abs(lp_value + constant):
                break
            slow = short and time.perf_counter() - round_start > SLOW_ROUND_SHARE * time_limit
            if not short:
                clean.append(history[-1])
            out_of_reach = bool(start) and _out_of_reach(clean, lp_deadline - t0)
        # the root is done: dive from its LP optimum for part of the time left (the bound is
        # kept from the root; the dive's LPs are not relaxations of the whole problem any more)
        end = t0 + time_limit
        if slow or out_of_reach:  # the integer master keeps its share of the time the root used; the rest goes back
            used = time.perf_counter() - t0
            end = min(end, t0 + max(used / (1 - integer_share), used + SLOW_INTEGER_SECONDS))
        dived = 0
        if math.isfinite(lp_value) and not (should_stop and should_stop()):
            dived = dive(master, classes, pricers, pool, time.perf_counter() + (end - time.perf_counter()) * DIVE_SHARE)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    schedules, queues, integer_fen = integer_master(master, end - time.perf_counter(),
                                                    start_columns if start else None, integer_gap)
    if schedules is None and dived:
        # the fixings left no rota among the columns (a hard master row): the columns without them
        _release(master)
        schedules, queues, integer_fen = integer_master(master, end - time.perf_counter(),
                                                        start_columns if start else None, integer_gap)
    return CGResult(
        bound_fen=best_bound,
        lp_fen=lp_value + constant,
        schedules=schedules,
        queues=queues,
        integer_fen=None if integer_fen is None else integer_fen + constant,
        rounds=rounds,
        columns=sum(len(c.columns) + len(c.sequences) for c in classes),
        seconds=time.perf_counter() - t0,
        history=history,
        dived=dived,
        slow=slow,
        out_of_reach=out_of_reach,
    )


@dataclass
class _Priced:
    """A class's pricing at one dual point: its new columns and its least reduced cost's bound."""

    columns: list[Column]
    bound: float
    """Proven lower bound of the least reduced cost of a whole schedule (its queues included)."""
    sequences: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    """Queue blocks: (shift option, queue sequence) columns of negative reduced cost."""

    @property
    def found(self) -> bool:
        return bool(self.columns or self.sequences)


def _price(cls: AgentClass, pricer: ClassPricing, duals: np.ndarray, time_limit: float, eps: float = 1e-3,
           prove: bool = True) -> _Priced:
    """The class's least reduced-cost schedules (`prove`: try to prove the best one, for the bound).

    With queue blocks, a schedule's reduced cost as one whole column is its schedule column's
    plus, for each shift, the least over the shift's sequence columns (exact: no per-agent rule
    couples the queues of two shifts). The pricing takes shifts at those sums, so its bound is
    the whole columns' bound; each schedule found comes with its shifts' best sequences, and so
    does every shift already in use whose best sequence prices out on its own.
    """
    reduced = cls.cost - cls.entries @ duals
    if cls.blocks is None:
        p = pricer.price(reduced, duals[cls.conv_row], time_limit, prove=prove)
        return _Priced([(s, ()) for s in p.schedules], p.bound)
    choice = cls.blocks.choose(duals)
    on_own = choice.extra + duals[cls.link]  # a sequence column's reduced cost: it takes one off its option's row
    p = pricer.price(reduced + on_own, duals[cls.conv_row], time_limit, prove=prove)
    used = {k for sched in cls.columns for k in sched}
    sequences = [(k, choice.sequence(k)) for k in sorted(used) if on_own[k] < -eps]
    return _Priced([(s, choice.queues(s)) for s in p.schedules], p.bound, sequences)


def dive(master: Master, classes: list[AgentClass], pricers: list[ClassPricing], pool: ThreadPoolExecutor,
         deadline: float) -> int:
    """Dive and price: fix agents to schedules the LP already favours and price again, until
    every agent is fixed or `deadline`; how many schedules it fixed.

    The integer master over the root's columns alone can be far off the LP (Curtois 8: 1,812
    against an LP of 1,297), since those columns were priced for the fractional optimum; after
    each fixing the rest of the agents are priced at the duals of what is left, so the columns
    fit the agents still free. Each step fixes every schedule the LP takes whole and, when there
    is none, the one it takes most of (its count rounded up: a lower bound on the column, which
    any later LP keeps). Fixing only narrows the master, so whatever the integer master then
    finds is still a legal rota; the run's bound stays the root's.
    """
    lp = master.lp
    lower = np.array(lp.getLp().col_lower_, dtype=np.float64)
    fixed = [0] * len(classes)
    n_fixed = 0
    artificial = _artificial(master)
    while time.perf_counter() < deadline:
        if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        x = np.array(lp.getSolution().col_value)
        whole, best = [], None
        for c, cls in enumerate(classes):
            if fixed[c] >= cls.size:
                continue
            for j in cls.columns.values():
                if x[j] - lower[j] >= 1 - 1e-6:
                    whole.append((j, c, math.floor(x[j] + 1e-6)))
                elif x[j] - math.floor(x[j] + 1e-6) > 1e-6 and (best is None or x[j] - math.floor(x[j]) > best[0]):
                    best = (x[j] - math.floor(x[j]), j, c, math.ceil(x[j] - 1e-6))
        todo = whole + ([best[1:]] if best is not None else [])
        if not todo:
            break  # every schedule count whole: the integer master only rounds the rest
        idx = np.array([j for j, _, _ in todo], dtype=np.int32)
        value = lp.getInfo().objective_function_value
        before = lower[idx].copy()
        upper = np.array(lp.getLp().col_upper_)[idx]
        lower[idx] = [count for _, _, count in todo]
        lp.changeColsBounds(len(idx), idx, lower[idx], upper)
        lp.run()
        if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal or _artificial(master) > artificial + 1e-6:
            # the fixing leaves an agent or a hard row to an artificial unit: undo it and stop
            lower[idx] = before
            lp.changeColsBounds(len(idx), idx, before, upper)
            lp.run()
            break
        for (_j, c, count), was in zip(todo, before, strict=True):
            fixed[c] += count - int(was)
        n_fixed += len(todo)
        free = [c for c, cls in enumerate(classes) if fixed[c] < cls.size]
        for _ in range(DIVE_ROUNDS):
            if not free or time.perf_counter() >= deadline:
                break
            if lp.getInfo().objective_function_value <= value + 1e-6 * abs(value):
                break  # the fixing cost nothing: the LP's columns still fit, no pricing needed
            y = np.array(lp.getSolution().row_dual)
            priced = list(pool.map(lambda c, d=y: _price(classes[c], pricers[c], d, PARTIAL_SECONDS, prove=False), free))
            if not sum(_add(master, c, p) for c, p in zip(free, priced, strict=True)):
                break
            lower = np.concatenate([lower, np.zeros(lp.getNumCol() - len(lower))])
            lp.run()
            if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
    return n_fixed


def _out_of_reach(rounds: list[tuple[float, float, float]], deadline: float) -> bool:
    """Whether the bound cannot come within USEFUL_GAP of the LP value by `deadline` (seconds of
    column generation), projected from the last two full rounds that began from LPs free of
    artificial units: their gap (LP value - bound) closing by the same ratio each round, one
    round per the time between them. Column generation's gap closes fast first and then tails
    off, so the projection is optimistic and errs towards going on. Measured at 300 s: the
    season, Curtois 13 and 17 spent 150-180 s in a root whose bound stayed below zero, while the
    neighbourhood search made their rotas."""
    if len(rounds) < 2:
        return False
    (t1, lp1, b1), (t2, lp2, b2) = rounds[-2], rounds[-1]
    if not all(math.isfinite(v) for v in (lp1, b1, lp2, b2)):
        return False  # no bound proven yet: nothing to project
    before, now, target = lp1 - b1, lp2 - b2, USEFUL_GAP * abs(lp2)
    if now <= target or target <= 0:
        return False
    if now >= before:
        return True  # the gap did not close at all in a whole round
    needed = math.log(target / now) / math.log(now / before)
    return t2 + needed * (t2 - t1) > deadline


def _first_schedules(master: Master, time_limit: float, gap: float) -> tuple[dict[int, list[int]], dict[int, dict[int, str]]] | None:
    """The integer master over a copy of today's LP, which itself goes on to the next round
    unchanged; its schedules and queues, or None when it found no rota among the columns."""
    copy = quiet_highs()
    copy.passModel(master.lp.getLp())
    copy.setBasis(master.lp.getBasis())
    copy.run()
    if copy.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    saved, master.lp = master.lp, copy
    try:
        schedules, queues, _value = integer_master(master, time_limit, None, gap)
    finally:
        master.lp = saved
    return None if schedules is None else (schedules, queues)


def _artificial(master: Master) -> float:
    """How much of the LP's solution sits on artificial units (agents without a schedule, hard rows short)."""
    x = np.array(master.lp.getSolution().col_value)
    cost = master.lp.getLp().col_cost_
    return float(sum(x[j] for j, c in enumerate(master.column_class) if c == -1 and cost[j] >= ARTIFICIAL_FEN / 1000))


def _release(master: Master) -> None:
    """Every schedule column back to a lower bound of zero (the dive's fixings undone)."""
    lp = master.lp
    n = lp.getNumCol()
    idx = np.arange(n, dtype=np.int32)
    info = lp.getLp()
    lower = np.array(info.col_lower_, dtype=np.float64)
    lower[[j for j, c in enumerate(master.column_class) if c >= 0]] = 0.0
    lp.changeColsBounds(n, idx, lower, np.array(info.col_upper_, dtype=np.float64))


def _add(master: Master, c: int, p: _Priced) -> int:
    """Add a class's priced columns to the master; how many were new."""
    return (sum(master.add_schedule(c, sched) for sched in p.columns)
            + sum(master.add_sequence(c, k, seq) for k, seq in p.sequences))


def _lagrangian(master: Master, classes: list[AgentClass], priced: list, duals: np.ndarray, lp_value: float | None) -> float | None:
    """The Lagrangian bound at `duals` (without the constant).

    At the master's own optimal duals it is the LP value plus each class's size times its least
    reduced cost (an agent with no schedule, the artificial column, counts as a choice: the
    master with it is a relaxation). At any other dual point it is the dual function itself:
    the rows' right-hand sides, the structural variables at their best bound, and the classes'
    least reduced costs, each valid only when every term is finite.
    """
    if lp_value is not None:
        total = lp_value
        for cls, p in zip(classes, priced, strict=True):
            total += cls.size * min(p.bound, ARTIFICIAL_FEN - duals[cls.conv_row], 0.0)
        return total
    return dual_function(master, classes, priced, duals)


def _set_incumbent(master: Master, start: dict[int, Column | None]) -> None:
    """The known rota as the MIP's first incumbent, so the integer master is never worse than it:
    its schedule counts fixed, the rest of the master solved as an LP, the whole point handed over."""
    lp = master.lp
    counts: dict[int, float] = {j: 0.0 for j, c in enumerate(master.column_class) if c >= 0 or j < len(master.classes)}
    for c, cls in enumerate(master.classes):
        for i in cls.units:
            col = start.get(i) if i in start else master.column(c, ())
            if col is None:
                return
            js = [cls.columns.get(col[0])]
            if cls.blocks is not None:
                js += [cls.sequences.get(ks) for ks in zip(*col, strict=True)]
            if None in js:
                return
            for j in js:
                counts[j] += 1.0
    idx = np.array(list(counts), dtype=np.int32)
    val = np.array([counts[j] for j in idx], dtype=np.float64)
    info = lp.getLp()
    lower, upper = np.array(info.col_lower_)[idx], np.array(info.col_upper_)[idx]
    lp.changeColsBounds(len(idx), idx, val, val)
    lp.run()
    ok = lp.getModelStatus() == highspy.HighsModelStatus.kOptimal
    solution = lp.getSolution() if ok else None
    value = lp.getInfo().objective_function_value
    lp.changeColsBounds(len(idx), idx, lower, upper)
    if solution is not None:
        master.incumbent = (solution, value)


def integer_master(master: Master, time_limit: float, start: dict[int, Column | None] | None = None,
                   gap: float = 1e-5) -> tuple[dict[int, list[int]] | None, dict[int, dict[int, str]], float | None]:
    """Whole agents on the generated schedules (HiGHS MIP), handed to each class's agents, with
    each queue-block agent's queue per worked slot.

    Identical agents are interchangeable; their schedules are handed out in the order the
    per-agent model's symmetry breaking wants (largest option-rank sum first).
    """
    lp = master.lp
    if time_limit <= 0.05:
        return None, {}, None
    relaxed = lp.getSolution()  # the LP optimum: its whole values seed HiGHS's own rounding (a sub-MIP)
    added = lp.getNumCol() - len(relaxed.col_value)
    if added > 0:  # columns priced after the last LP: at zero the point stays the LP's optimum
        relaxed.col_value = list(relaxed.col_value) + [0.0] * added
    if start:
        _set_incumbent(master, start)  # before integrality: a plain LP with the counts fixed
    # whole agents on schedules (queue blocks included); the hand-out of agents whose queue
    # changes are free stays continuous here (the per-agent model's completion then hands them
    # out in whole agents at the least cost)
    integer = [j for j, c in enumerate(master.column_class) if c >= 0 or j < len(master.classes)]
    lp.changeColsIntegrality(len(integer), np.array(integer, dtype=np.int32),
                             np.array([highspy.HighsVarType.kInteger] * len(integer)))
    # the MIP starts from the LP optimum, not from the known rota: HiGHS fixes the LP's whole
    # values and solves the rest first (outside its time limit, hence the limit's share), which
    # finds far better rotas than a search from the known one; the known one is kept when better
    lp.setOptionValue("time_limit", float(max(0.1, time_limit * MIP_SHARE)))
    lp.setOptionValue("mip_rel_gap", gap)
    lp.setSolution(relaxed)
    lp.run()
    lp.setOptionValue("time_limit", highspy.kHighsInf)
    found = lp.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    if master.incumbent is not None and (not found or master.incumbent[1] < lp.getInfo().objective_function_value):
        x, value = np.array(master.incumbent[0].col_value), master.incumbent[1]
    elif found:
        x, value = np.array(lp.getSolution().col_value), lp.getInfo().objective_function_value
    else:
        return None, {}, None
    if any(x[j] > 0.5 for j in range(len(master.classes))):
        return None, {}, None  # an agent without a legal schedule: no rota among these columns
    cost = master.lp.getLp().col_cost_
    if any(c == -1 and cost[j] >= ARTIFICIAL_FEN / 1000 and x[j] > 1e-6 for j, c in enumerate(master.column_class)):
        return None, {}, None  # a share or ratio row kept only by its artificial slack: not a rota
    out: dict[int, list[int]] = {}
    queues: dict[int, dict[int, str]] = {}
    for c, cls in enumerate(master.classes):
        taken: list[tuple[int, ...]] = []
        for sched, j in cls.columns.items():
            taken += [sched] * int(round(x[j]))
        if len(taken) != cls.size:
            return None, {}, None
        taken.sort(key=lambda s: -sum(k + 1 for k in s))
        # queue blocks: the agents working each option share out its sequences (as many, by its row)
        pool: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for (k, seq), j in cls.sequences.items():
            pool[k] += [seq] * int(round(x[j]))
        for i, sched in zip(cls.units, taken, strict=True):
            out[i] = list(sched)
            if cls.blocks is not None:
                if any(not pool[k] for k in sched):
                    return None, {}, None
                queues[i] = master.queues_of(c, (sched, tuple(pool[k].pop() for k in sched)))
    return out, queues, value
