"""Timefold Solver model of the rota, for the peer benchmark only (benchmarks/timefold_peer.py).

Runs under its own interpreter (`/work/tfvenv/bin/python`, `pip install --pre timefold`) and imports
only timefold and the standard library: never the product. It reads the instance that
timefold_peer.py exported from our pipeline (JSON), solves it, and writes the rota back (JSON).

    /work/tfvenv/bin/python benchmarks/timefold_model.py INSTANCE.json OUT.json

The model: one planning entity per (agent, day) choosing one of the agent's legal shift options of
that day or none (off), and, for a cross-trained agent whose options leave the queue open, the
queue of the shift's part before its meal break and of the part after it. Rules that concern one
shift alone (start times, spans, break place, daily overtime, availability, time off, skills) are
kept by the option lists, which are our own option generator's; every rule between shifts or
between agents is a hard constraint, weighed in thousandths of an agent-slot (a minute over a cap
weighs 1000 / slot minutes); all money (fen) is the soft score. The search: see PHASES_XML and
solve (two stages when the scenario has ratio bounds). Timefold's phase summaries (steps, move
evaluation speed) go to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Annotated

from timefold.solver import SolverFactory
from timefold.solver.config import (
    Duration,
    EnvironmentMode,
    MoveThreadCount,
    ScoreDirectorFactoryConfig,
    SolverConfig,
    TerminationConfig,
)
from timefold.solver.domain import (
    PlanningEntityCollectionProperty,
    PlanningId,
    PlanningScore,
    PlanningVariable,
    ProblemFactCollectionProperty,
    ValueRangeProvider,
    planning_entity,
    planning_solution,
)
from timefold.solver.score import (
    ConstraintCollectors,
    ConstraintFactory,
    HardSoftScore,
    Joiners,
    constraint_provider,
)


# --- problem facts ----------------------------------------------------------------------------
# Every object below is handed to the JVM before solving; that conversion is the slow part of
# Timefold's Python API, so options are flat integers and everything per slot lives once, in Grid.
@dataclass
class FairGroup:
    """The non-standby agents of one contract: their spread of paid and night hours is priced."""

    index: Annotated[int, PlanningId]
    hours_price: int  # fen per paid slot of spread
    night_price: int  # fen per night working slot of spread


@dataclass
class Cover:
    """One slot and queue with demand: the lost-inquiry value (fen) falls as agents are added."""

    index: Annotated[int, PlanningId]
    gains: list[int]  # gains[n] = curve[0] - curve[min(n, len - 1)], non-decreasing, concave

    def gain(self, n: int) -> int:
        if n >= len(self.gains):
            return self.gains[len(self.gains) - 1]
        return self.gains[n]


@dataclass
class MidnightSlot:
    index: Annotated[int, PlanningId]
    slot: int
    num: int  # the share, num / den (exact)
    den: int
    min_agents: int


@dataclass
class MorningSlot:
    index: Annotated[int, PlanningId]
    num: int  # the share, num / den (exact)
    den: int


@dataclass
class Hit:
    """An agent working a promotion slot; flag = core (midnight) or part-time (morning)."""

    index: Annotated[int, PlanningId]
    midnight: MidnightSlot | None
    morning: MorningSlot | None
    flag: bool


@dataclass
class Grid:
    """Per slot and queue, shared by all: covers[q][t] (None without demand), phase_of[t] (-1 when
    the slot is in no phase with ratio bounds), presale[q], night[t], and the promotion hits
    hits_midnight[t][flag] / hits_morning[t][flag]."""

    index: Annotated[int, PlanningId]
    covers: list
    phase_of: list
    presale: list
    night: list
    hits_midnight: list
    hits_morning: list


@dataclass
class Agent:
    index: Annotated[int, PlanningId]
    rest: int  # slots from one shift's end to the next one's start, at least
    avg_cap: int  # paid minutes over the horizon, at most (huge when unset)
    ot_cap: int  # overtime minutes over the horizon, at most
    milli_per_minute: int  # hard-score weight of a minute over a cap (1000 per slot)
    group: FairGroup | None
    skills: list  # global queue indices
    core: bool
    part_time: bool
    option_class: int
    grid: Grid


@dataclass
class ConsecWindow:
    """k + 1 days in a row of one agent: at most k of them worked."""

    index: Annotated[int, PlanningId]
    k: int


@dataclass
class WeekBlock:
    """One agent's 7-day block from the horizon's first day: regular minutes at most cap."""

    index: Annotated[int, PlanningId]
    cap: int
    milli_per_minute: int


@dataclass
class Phase:
    """A phase with ratio bounds: pre-sale share of working agent-slots in [lo / lo_den, hi / hi_den]."""

    index: Annotated[int, PlanningId]
    lo: int
    lo_den: int
    hi: int
    hi_den: int


@dataclass
class Need:
    """Evening all-hands: this agent must be working this slot."""

    index: Annotated[int, PlanningId]
    agent: Agent
    slot: int


@dataclass
class Option:
    """One legal shift of a class of identical agents on one day: slots [start, end), break [bstart, bend) or -1,
    the queue when the option fixes it (queues may not change in a shift) or -1."""

    index: Annotated[int, PlanningId]
    local: int
    option_class: int
    day: int
    start: int
    end: int
    bstart: int
    bend: int
    paid_slots: int
    paid_min: int
    ot_min: int
    reg_min: int
    wage: int
    pref: int
    night: int
    fixed: int


@planning_entity
@dataclass
class Shift:
    """(agent, day): the shift worked that day, or none; the queue (index into the agent's skills)
    before the meal break (q1) and after it (q2)."""

    id: Annotated[int, PlanningId]
    agent: Agent
    day: int
    windows: list
    week: WeekBlock
    options: Annotated[list[Option], ValueRangeProvider(id="options")]
    queues: Annotated[list[int], ValueRangeProvider(id="queues")]
    option: Annotated[Option | None, PlanningVariable(value_range_provider_refs=["options"], allows_unassigned=True)] = None
    q1: Annotated[int | None, PlanningVariable(value_range_provider_refs=["queues"])] = None
    q2: Annotated[int | None, PlanningVariable(value_range_provider_refs=["queues"])] = None

    def queue_at(self, t: int) -> int:
        """Global queue index served in working slot t."""
        o = self.option
        if o.fixed >= 0:
            return o.fixed
        if o.bend >= 0 and t >= o.bend:
            return self.agent.skills[self.q2]
        return self.agent.skills[self.q1]

    def working(self) -> list:
        o = self.option
        if o.bstart < 0:
            return list(range(o.start, o.end))
        return list(range(o.start, o.bstart)) + list(range(o.bend, o.end))

    def works(self, t: int) -> bool:
        o = self.option
        return o.start <= t < o.end and not (o.bstart <= t < o.bend)

    def served(self) -> list:
        grid = self.agent.grid.covers
        out = []
        for t in self.working():
            c = grid[self.queue_at(t)][t]
            if c is not None:
                out.append(c)
        return out

    def pre_in(self, p: int) -> int:
        g = self.agent.grid
        n = 0
        for t in self.working():
            if g.phase_of[t] == p and g.presale[self.queue_at(t)]:
                n += 1
        return n

    def all_in(self, p: int) -> int:
        g = self.agent.grid
        n = 0
        for t in self.working():
            if g.phase_of[t] == p:
                n += 1
        return n

    def midnight_hits(self) -> list:
        g = self.agent.grid.hits_midnight
        flag = 1 if self.agent.core else 0
        out = []
        for t in self.working():
            out += g[t][flag]
        return out

    def morning_hits(self) -> list:
        g = self.agent.grid.hits_morning
        flag = 1 if self.agent.part_time else 0
        out = []
        for t in self.working():
            out += g[t][flag]
        return out

    def paid(self) -> int:
        if self.option is None:
            return 0
        return self.option.paid_slots

    def night(self) -> int:
        if self.option is None:
            return 0
        return self.option.night


@planning_solution
@dataclass
class Rota:
    grids: Annotated[list[Grid], ProblemFactCollectionProperty]
    agents: Annotated[list[Agent], ProblemFactCollectionProperty]
    groups: Annotated[list[FairGroup], ProblemFactCollectionProperty]
    covers: Annotated[list[Cover], ProblemFactCollectionProperty]
    windows: Annotated[list[ConsecWindow], ProblemFactCollectionProperty]
    weeks: Annotated[list[WeekBlock], ProblemFactCollectionProperty]
    phases: Annotated[list[Phase], ProblemFactCollectionProperty]
    midnight: Annotated[list[MidnightSlot], ProblemFactCollectionProperty]
    morning: Annotated[list[MorningSlot], ProblemFactCollectionProperty]
    hits: Annotated[list[Hit], ProblemFactCollectionProperty]
    needs: Annotated[list[Need], ProblemFactCollectionProperty]
    shifts: Annotated[list[Shift], PlanningEntityCollectionProperty]
    score: Annotated[HardSoftScore | None, PlanningScore] = field(default=None)


# --- hard constraints -------------------------------------------------------------------------
def own_option(f: ConstraintFactory):
    """A shift only from the agent's own class and day (each entity's value range says so; this
    guards swap moves, whose doability check is Timefold's)."""
    return (
        f.for_each(Shift)
        .filter(lambda s: s.option.option_class != s.agent.option_class or s.option.day != s.day)
        .penalize(HardSoftScore.ONE_HARD, lambda s: 1000)
        .as_constraint("own_option")
    )


def gap_between(a: Shift, b: Shift) -> int:
    """Slots from the earlier day's shift's end to the later day's shift's start (< 0: overlap)."""
    if a.day < b.day:
        return b.option.start - a.option.end
    return a.option.start - b.option.end


def rest(f: ConstraintFactory):
    """Two shifts of one agent on different days: the next starts >= rest after the previous ends."""
    return (
        f.for_each_unique_pair(Shift, Joiners.equal(lambda s: s.agent.index))
        .filter(lambda a, b: gap_between(a, b) < a.agent.rest)
        .penalize(HardSoftScore.ONE_HARD, lambda a, b: 1000 * (a.agent.rest - gap_between(a, b)))
        .as_constraint("rest")
    )


def consecutive_days(f: ConstraintFactory):
    return (
        f.for_each(Shift)
        .flatten_last(lambda s: s.windows)
        .group_by(lambda w: w, ConstraintCollectors.count())
        .filter(lambda w, n: n > w.k)
        .penalize(HardSoftScore.ONE_HARD, lambda w, n: 1000 * (n - w.k))
        .as_constraint("consecutive_days")
    )


def weekly_hours(f: ConstraintFactory):
    return (
        f.for_each(Shift)
        .group_by(lambda s: s.week, ConstraintCollectors.sum(lambda s: s.option.reg_min))
        .filter(lambda w, m: m > w.cap)
        .penalize(HardSoftScore.ONE_HARD, lambda w, m: (m - w.cap) * w.milli_per_minute)
        .as_constraint("weekly_hours")
    )


def overtime(f: ConstraintFactory):
    return (
        f.for_each(Shift)
        .group_by(lambda s: s.agent, ConstraintCollectors.sum(lambda s: s.option.ot_min))
        .filter(lambda a, m: m > a.ot_cap)
        .penalize(HardSoftScore.ONE_HARD, lambda a, m: (m - a.ot_cap) * a.milli_per_minute)
        .as_constraint("overtime")
    )


def average_daily_hours(f: ConstraintFactory):
    return (
        f.for_each(Shift)
        .group_by(lambda s: s.agent, ConstraintCollectors.sum(lambda s: s.option.paid_min))
        .filter(lambda a, m: m > a.avg_cap)
        .penalize(HardSoftScore.ONE_HARD, lambda a, m: (m - a.avg_cap) * a.milli_per_minute)
        .as_constraint("average_daily_hours")
    )


def evening_all_hands(f: ConstraintFactory):
    return (
        f.for_each(Need)
        .if_not_exists(
            Shift,
            Joiners.equal(lambda n: n.agent.index, lambda s: s.agent.index),
            Joiners.filtering(lambda n, s: s.works(n.slot)),
        )
        .penalize(HardSoftScore.ONE_HARD, lambda n: 1000)
        .as_constraint("evening_all_hands")
    )


def milli_agents(excess: int, den: int) -> int:
    """A share's shortfall `excess` / den agent-slots in thousandths, rounded up (0 when none)."""
    if excess <= 0:
        return 0
    return (excess * 1000 + den - 1) // den


def midnight_core(f: ConstraintFactory):
    """Core agents >= share of all working and >= min_core_agents in each midnight slot."""
    return (
        f.for_each(Shift)
        .flatten_last(lambda s: s.midnight_hits())
        .group_by(
            lambda h: h.midnight,
            ConstraintCollectors.count(),
            ConstraintCollectors.conditionally(lambda h: h.flag, ConstraintCollectors.count()),
        )
        .filter(lambda m, n, c: m.den * c < m.num * n or c < m.min_agents)
        .penalize(
            HardSoftScore.ONE_HARD,
            lambda m, n, c: milli_agents(m.num * n - m.den * c, m.den) + 1000 * max(0, m.min_agents - c),
        )
        .as_constraint("midnight_core")
    )


def midnight_core_nobody(f: ConstraintFactory):
    """...and a midnight slot nobody works misses min_core_agents (the grouping above never sees it).

    (Written without `complement`: timefold 1.24.0b0's Python TriConstraintStream.complement
    rejects its own two padding functions.)
    """
    return (
        f.for_each(MidnightSlot)
        .filter(lambda m: m.min_agents > 0)
        .if_not_exists(Shift, Joiners.filtering(lambda m, s: s.works(m.slot)))
        .penalize(HardSoftScore.ONE_HARD, lambda m: 1000 * m.min_agents)
        .as_constraint("midnight_core_nobody")
    )


def morning_part_time(f: ConstraintFactory):
    return (
        f.for_each(Shift)
        .flatten_last(lambda s: s.morning_hits())
        .group_by(
            lambda h: h.morning,
            ConstraintCollectors.count(),
            ConstraintCollectors.conditionally(lambda h: h.flag, ConstraintCollectors.count()),
        )
        .filter(lambda m, n, c: m.den * c < m.num * n)
        .penalize(HardSoftScore.ONE_HARD, lambda m, n, c: milli_agents(m.num * n - m.den * c, m.den))
        .as_constraint("morning_part_time")
    )


def ratio_bounds(f: ConstraintFactory):
    return (
        f.for_each(Shift)
        .join(Phase)
        .group_by(
            lambda s, p: p,
            ConstraintCollectors.sum(lambda s, p: s.pre_in(p.index)),
            ConstraintCollectors.sum(lambda s, p: s.all_in(p.index)),
        )
        .filter(lambda p, pre, n: p.lo_den * pre < p.lo * n or p.hi_den * pre > p.hi * n)
        .penalize(
            HardSoftScore.ONE_HARD,
            lambda p, pre, n: milli_agents(p.lo * n - p.lo_den * pre, p.lo_den)
            + milli_agents(p.hi_den * pre - p.hi * n, p.hi_den),
        )
        .as_constraint("ratio_bounds")
    )


# --- soft constraints (fen) -------------------------------------------------------------------
def wages(f: ConstraintFactory):
    return f.for_each(Shift).penalize(HardSoftScore.ONE_SOFT, lambda s: s.option.wage).as_constraint("wage_cost")


def preferences(f: ConstraintFactory):
    """Refused hours worked cost; requested hours worked earn back their (constant) price."""
    return (
        f.for_each(Shift)
        .filter(lambda s: s.option.pref != 0)
        .impact(HardSoftScore.ONE_SOFT, lambda s: -s.option.pref)
        .as_constraint("preference_cost")
    )


def lost_inquiries(f: ConstraintFactory):
    """Value of lost inquiries: Σ curve[0] (a constant, added back outside) minus the gain of the
    agents on each slot and queue, by the same convex piecewise curve as our model."""
    return (
        f.for_each(Shift)
        .flatten_last(lambda s: s.served())
        .group_by(lambda c: c, ConstraintCollectors.count())
        .reward(HardSoftScore.ONE_SOFT, lambda c, n: c.gain(n))
        .as_constraint("lost_inquiry_value")
    )


def fairness_hours(f: ConstraintFactory):
    return (
        f.for_each_including_unassigned(Shift)
        .filter(lambda s: s.agent.group is not None)
        .group_by(lambda s: s.agent, ConstraintCollectors.sum(lambda s: s.paid()))
        .group_by(
            lambda a, h: a.group,
            ConstraintCollectors.max(lambda a, h: h),
            ConstraintCollectors.min(lambda a, h: h),
        )
        .filter(lambda g, hi, lo: hi > lo and g.hours_price > 0)
        .penalize(HardSoftScore.ONE_SOFT, lambda g, hi, lo: (hi - lo) * g.hours_price)
        .as_constraint("fairness_hours")
    )


def fairness_night(f: ConstraintFactory):
    return (
        f.for_each_including_unassigned(Shift)
        .filter(lambda s: s.agent.group is not None)
        .group_by(lambda s: s.agent, ConstraintCollectors.sum(lambda s: s.night()))
        .group_by(
            lambda a, h: a.group,
            ConstraintCollectors.max(lambda a, h: h),
            ConstraintCollectors.min(lambda a, h: h),
        )
        .filter(lambda g, hi, lo: hi > lo and g.night_price > 0)
        .penalize(HardSoftScore.ONE_SOFT, lambda g, hi, lo: (hi - lo) * g.night_price)
        .as_constraint("fairness_night")
    )


def _constraints(f: ConstraintFactory, ratio: bool) -> list:
    out = [
        own_option(f),
        rest(f),
        consecutive_days(f),
        weekly_hours(f),
        overtime(f),
        average_daily_hours(f),
        evening_all_hands(f),
        midnight_core(f),
        midnight_core_nobody(f),
        morning_part_time(f),
        wages(f),
        preferences(f),
        lost_inquiries(f),
        fairness_hours(f),
        fairness_night(f),
    ]
    if ratio:
        out.append(ratio_bounds(f))
    return out


@constraint_provider
def rota_constraints(f: ConstraintFactory):
    """Every rule and every price."""
    return _constraints(f, True)


@constraint_provider
def rota_constraints_without_ratio(f: ConstraintFactory):
    """The warm-up stage: every rule but the ratio bounds (see solve)."""
    return _constraints(f, False)


# --- the instance -----------------------------------------------------------------------------
def day_of(inst: dict, t: int) -> int:
    """Local day of slot t (the exported slot_day list is the scenario's own day_of_slot)."""
    return inst["slot_day"][t]


def build(inst: dict) -> Rota:
    """The planning problem from the exported instance (see timefold_peer.export_instance)."""
    n_slots, n_days = inst["n_slots"], inst["n_days"]
    qidx = {q: i for i, q in enumerate(inst["queues"])}
    phase_of = [-1] * n_slots
    for p, ph in enumerate(inst["ratio"]):
        for t in ph["slots"]:
            phase_of[t] = p
    night = [False] * n_slots
    for t in inst["night_slots"]:
        night[t] = True
    covers = []
    cover_grid: list[list[Cover | None]] = [[None] * n_slots for _ in qidx]
    for t, q, curve in inst["covers"]:
        c = Cover(len(covers), [curve[0] - v for v in curve])
        covers.append(c)
        cover_grid[qidx[q]][t] = c
    midnight, morning, hits = [], [], []
    hits_mid: list[list[list[Hit]]] = [[[], []] for _ in range(n_slots)]
    hits_morn: list[list[list[Hit]]] = [[[], []] for _ in range(n_slots)]
    for w in inst["midnight_core"]:
        for t in w["slots"]:
            s = MidnightSlot(len(midnight), t, w["share"][0], w["share"][1], w["min_agents"])
            midnight.append(s)
            for flag in (0, 1):
                h = Hit(len(hits), s, None, bool(flag))
                hits.append(h)
                hits_mid[t][flag].append(h)
    for w in inst["morning_part_time"]:
        for t in w["slots"]:
            s = MorningSlot(len(morning), w["share"][0], w["share"][1])
            morning.append(s)
            for flag in (0, 1):
                h = Hit(len(hits), None, s, bool(flag))
                hits.append(h)
                hits_morn[t][flag].append(h)
    grid = Grid(0, cover_grid, phase_of, [q in inst["presale"] for q in inst["queues"]], night, hits_mid, hits_morn)
    fair = inst["fairness"]
    groups: dict[str, FairGroup] = {}
    agents, shifts, windows, weeks, needs = [], [], [], [], []
    milli = max(1, 1000 // inst["slot_minutes"])
    opt_id = 0
    by_class: dict[int, dict[int, list[Option]]] = {}
    for ai, a in enumerate(inst["agents"]):
        g = None
        if a["fair_group"] is not None:
            if a["fair_group"] not in groups:
                groups[a["fair_group"]] = FairGroup(len(groups), fair["hours_fen_per_slot"], fair["night_fen_per_slot"])
            g = groups[a["fair_group"]]
        skills = [qidx[q] for q in a["skills"]]
        agent = Agent(ai, a["rest_slots"], a["avg_cap_min"], a["ot_cap_min"], milli, g, skills, a["core"], a["part_time"],
                      a["option_class"], grid)
        agents.append(agent)
        for t in a["all_hands"]:
            needs.append(Need(len(needs), agent, t))
        k = a["max_consecutive_days"]
        agent_windows = []
        if k is not None and n_days > k:
            for d0 in range(n_days - k):
                agent_windows.append((d0, ConsecWindow(len(windows) + len(agent_windows), k)))
        windows += [w for _, w in agent_windows]
        agent_weeks = [WeekBlock(len(weeks) + b, a["week_cap_min"], milli) for b in range((n_days + 6) // 7)]
        weeks += agent_weeks
        cls = a["option_class"]
        raw = inst["option_classes"][cls]
        open_queue = len(skills) > 1 and any(o[9] is None for o in raw)
        if cls not in by_class:  # one Option object per class of identical agents, shared by their entities
            by_day: dict[int, list[Option]] = {d: [] for d in range(n_days)}
            for local, (day, s, e, b0, b1, paid, ot, wage, pref, fixed) in enumerate(raw):
                works = [t for t in range(s, e) if b0 is None or not b0 <= t < b1]
                fixed_q = qidx[fixed] if fixed is not None else (-1 if open_queue else skills[0])
                by_day[day].append(Option(
                    opt_id, local, cls, day, s, e, -1 if b0 is None else b0, -1 if b1 is None else b1,
                    paid // inst["slot_minutes"], paid, ot, paid - ot, wage, pref, sum(1 for t in works if night[t]),
                    fixed_q,
                ))
                opt_id += 1
            by_class[cls] = by_day
        by_day = by_class[cls]
        for d in range(n_days):
            shifts.append(Shift(
                id=ai * n_days + d, agent=agent, day=d,
                windows=[w for d0, w in agent_windows if d0 <= d <= d0 + w.k],
                week=agent_weeks[d // 7], options=by_day[d],
                queues=list(range(len(skills))) if open_queue else [0],
            ))
    phases = [Phase(p, ph["lo"][0], ph["lo"][1], ph["hi"][0], ph["hi"][1]) for p, ph in enumerate(inst["ratio"])]
    # the construction heuristic places entities in list order: the most constrained first (a day
    # with evening all-hands duty, then a day with a midnight-core slot), as Timefold's
    # "decreasing difficulty" advice has it
    duty = {(n.agent.index, day_of(inst, n.slot)) for n in needs}
    midnight_days = {day_of(inst, m.slot) for m in midnight}
    shifts.sort(key=lambda e: ((e.agent.index, e.day) not in duty, e.day not in midnight_days, e.id))
    return Rota([grid], agents, list(groups.values()), covers, windows, weeks, phases, midnight, morning, hits, needs,
                shifts)


PHASES_XML = """<?xml version="1.0" encoding="UTF-8"?>
<solver xmlns="https://timefold.ai/xsd/solver">
  <constructionHeuristic>
    <queuedEntityPlacer>
      <entitySelector id="placed"><cacheType>PHASE</cacheType></entitySelector>
      <changeMoveSelector>
        <entitySelector mimicSelectorRef="placed"/><valueSelector variableName="q1"/>
      </changeMoveSelector>
      <changeMoveSelector>
        <entitySelector mimicSelectorRef="placed"/><valueSelector variableName="q2"/>
      </changeMoveSelector>
      <changeMoveSelector>
        <entitySelector mimicSelectorRef="placed"/><valueSelector variableName="option"/>
      </changeMoveSelector>
    </queuedEntityPlacer>
  </constructionHeuristic>
  <localSearch>
    <unionMoveSelector>
      <changeMoveSelector/>
      <swapMoveSelector>
        <variableNameIncludes><variableNameInclude>option</variableNameInclude></variableNameIncludes>
      </swapMoveSelector>
    </unionMoveSelector>
  </localSearch>
</solver>
"""
"""Construction: each (agent, day) in turn gets its queues, then its best shift (or off), one
variable after the other (the default tries every shift × queue × queue at once: 4 times the
moves; and for_each skips an entity whose queue is still unset, so the queues go first and the
local search revises them). Local search: Timefold's default acceptor (late acceptance) on change moves and on swaps
of the shift between two entities (doable between identical agents on one day, who share their
option objects); queue indices are never swapped (agents' skill lists differ)."""


WARM_SHARE = 0.4
"""With ratio bounds, the share of the time limit the warm-up stage (every rule but them) gets."""


def _config(provider, seconds: float, inst: dict) -> SolverConfig:
    return SolverConfig(
        xml_source_text=PHASES_XML,
        solution_class=Rota,
        entity_class_list=[Shift],
        score_director_factory_config=ScoreDirectorFactoryConfig(constraint_provider_function=provider),
        termination_config=TerminationConfig(spent_limit=Duration(milliseconds=max(1000, int(seconds * 1000)))),
        environment_mode=EnvironmentMode[inst.get("environment_mode", "NO_ASSERT")],
        random_seed=inst.get("seed", 0),
        move_thread_count=MoveThreadCount.NONE,
    )


def solve(inst: dict) -> dict:
    """Solve within inst["time_limit"] seconds of solving.

    With ratio bounds, in two stages: the empty rota keeps them (a phase without work has no
    share), and from it every single shift added breaks them (one agent on one queue is a share of
    0 % or 100 %), so a local search started there never leaves it (weekly: the empty rota at
    0hard/0soft). The first stage (WARM_SHARE of the time) solves without them; the second starts
    from its rota with every rule and gets the rest of the time, the first stage's conversion
    to and from the JVM counted in.
    """
    t0 = time.perf_counter()
    problem = build(inst)
    t_problem = time.perf_counter()
    limit = float(inst["time_limit"])
    stages = []
    if inst["ratio"]:
        warm = SolverFactory.create(_config(rota_constraints_without_ratio, WARM_SHARE * limit, inst)).build_solver()
        t1 = time.perf_counter()
        problem = warm.solve(problem)
        stages.append({"stage": "warm-up without ratio bounds", "seconds": time.perf_counter() - t1,
                       "score": str(problem.score)})
        problem.score = None
    spent = sum(st["seconds"] for st in stages)
    solver = SolverFactory.create(_config(rota_constraints, limit - spent, inst)).build_solver()
    t1 = time.perf_counter()
    best = solver.solve(problem)
    t2 = time.perf_counter()
    if best.score is None:
        raise RuntimeError("Timefold returned no scored solution")
    stages.append({"stage": "every rule", "seconds": t2 - t1, "score": str(best.score)})
    out = []
    for s in best.shifts:
        if s.option is not None:
            out.append([s.agent.index, s.option.local, s.q1, s.q2])
    build_s = (t2 - t_problem) - sum(st["seconds"] for st in stages)
    return {
        "shifts": out,
        "hard_score": best.score.hard_score,
        "soft_score": best.score.soft_score,
        "stages": stages,
        "problem_seconds": t_problem - t0,
        "build_seconds": build_s,
        "solve_seconds": sum(st["seconds"] for st in stages),
        "entities": len(problem.shifts),
        "options": sum(len(s.options) for s in problem.shifts),
        "option_objects": len({id(o) for s in problem.shifts for o in s.options}),
    }


def main() -> None:
    # Timefold's phase summaries (construction heuristic, local search: steps, moves/s) on stderr
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    inst = json.loads(open(sys.argv[1], encoding="utf-8").read())
    res = solve(inst)
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump(res, fh)


if __name__ == "__main__":
    main()
