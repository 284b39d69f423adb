"""Pricing by labels: the least reduced-cost legal schedule of one agent class, exactly, by a
resource-constrained shortest path over the days of the horizon.

Each day is off or one of the class's shift options. A *label* is a partial schedule up to a
day: its reduced cost, the exact state the rules still need (the end of the last shift plus the
rest, the last day's shift type, the current runs worked and off, the all-hands slots already
covered, this weekend counted, the total minutes when both a minimum and a maximum bind) and
its *resources*, sums that only a maximum binds (overtime, this week's regular minutes, paid
minutes, shifts of each capped type, weekends). Of two labels in one state, one dominates the
other when it costs no more and uses no more of any resource: every completion legal for the
other is legal for it, so the dominated label can go and the search stays exact.

Every rule is the same reading as the CP-SAT model's (scheduler/rota/hard_rules.py,
roster_rules.py, hiring.py), stated over one agent's days; tests/test_column_generation.py holds
both pricings to enumeration. Where the labels grow past a budget (many capped types over a long
horizon) the pricing says so (`TooManyLabels`) and the engine prices that class with CP-SAT.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler.rota import roster_rules as rr
from scheduler.rota.options import n_days
from scheduler.rota.state import Unit
from scheduler.scenario import Scenario

LABEL_BUDGET = 400_000
"""Labels alive on one day beyond which the pricing gives up (its time then goes to CP-SAT)."""
SCHEDULES = 12
"""Negative reduced-cost schedules returned per call at most (the best of distinct end states)."""


class TooManyLabels(Exception):
    """The label search outgrew its budget or its time: price this class another way."""


@dataclass(frozen=True)
class _Step:
    """What choosing one shift option does to a label (options alike in all of it are one step)."""

    start: int
    reach: int
    """Slot before which no later day's shift may start (end plus the contract's rest)."""
    kind: str | None
    minutes: int
    """Minutes counted against the total-minutes limits."""
    covers: frozenset[int]
    """All-hands slots it works."""
    delta: tuple[int, ...]
    """What it adds to each resource."""


@dataclass
class Priced:
    schedules: list[tuple[int, ...]]
    best: float
    bound: float


class LabelPricer:
    """One class's pricing by labels, set up once; each call only changes the option costs."""

    def __init__(self, scenario: Scenario, unit: Unit, roster: rr.RosterRules | None, hire_fen: int,
                 budget: int = LABEL_BUDGET):
        sc, agent = scenario, unit.agent
        c = sc.contract(agent.contract)
        self.days = days = n_days(sc)
        self.budget = budget
        self.hire_fen = hire_fen
        self.candidate = agent.candidate
        self.must_hire = agent.candidate and agent.must_hire
        self.tracks_worked = bool(hire_fen) or agent.candidate
        """Whether a label remembers having a shift (the hire is paid once; a candidate's must have one)."""
        options = unit.options
        by_day: dict[int, list[int]] = defaultdict(list)
        for k, o in enumerate(options):
            by_day[o.day].append(k)
        limits = roster.limits.get(agent.agent_id) if roster is not None else None
        types = rr.types_by_start(roster, agent.contract) if limits is not None else {}
        hours, minutes = sc.slots.hour.to_numpy(), sc.slots.minute.to_numpy()
        kind_of = [None] * len(options)
        counted = [o.paid_minutes for o in options]
        for k, o in enumerate(options):
            st = types.get((int(hours[o.start]), int(minutes[o.start])))
            if st is not None:
                kind_of[k] = st.id
                if st.minutes is not None:
                    counted[k] = st.minutes

        def binds(values: dict[int, int], cap: int) -> bool:
            """A cap binds when the largest option of each day, summed, could pass it."""
            best: dict[int, int] = defaultdict(int)
            for k, v in values.items():
                best[options[k].day] = max(best[options[k].day], v)
            return sum(best.values()) > cap

        # resources: (name, value per option, cap); each is a sum that only a maximum binds
        res: list[tuple[str, list[int], int]] = []
        ot_cap = int(c.max_overtime_hours_per_month * 60)
        if binds({k: o.overtime_minutes for k, o in enumerate(options)}, ot_cap):
            res.append(("overtime", [o.overtime_minutes for o in options], ot_cap))
        week_cap = int(c.max_hours_per_week * 60)
        self.week_res = None
        self._pruned = False
        weeks = {o.day // 7 for o in options}
        if any(binds({k: o.regular_minutes for k, o in enumerate(options) if o.day // 7 == b}, week_cap) for b in weeks):
            self.week_res = len(res)
            res.append(("week", [o.regular_minutes for o in options], week_cap))
        if c.avg_max_hours_per_day is not None:
            cap = int(c.avg_max_hours_per_day * 60 * days)
            if binds({k: o.paid_minutes for k, o in enumerate(options)}, cap):
                res.append(("paid", [o.paid_minutes for o in options], cap))
        self.min_minutes = 0
        self.exact_minutes = False
        self.short_res: int | None = None
        self.max_weekends: int | None = None
        self.forbidden: set[tuple[str, str]] = set()
        self.min_run, self.min_off = 1, 1
        if limits is not None:
            for kind, cap in sorted(limits.max_per_type.items()):
                typed = [k for k in range(len(options)) if kind_of[k] == kind]
                if cap is not None and len({options[k].day for k in typed}) > cap:
                    res.append((f"type {kind}", [int(kind_of[k] == kind) for k in range(len(options))], cap))
            self.min_minutes = limits.min_minutes
            if limits.max_minutes is not None:
                if limits.min_minutes > 0:
                    self.exact_minutes = True  # both sides bind: the total is part of the state
                    self.max_minutes = limits.max_minutes
                else:
                    res.append(("minutes", counted, limits.max_minutes))
            if limits.min_minutes > 0 and not self.exact_minutes:
                # only a minimum binds: more minutes is better, so they are a resource negated
                self.short_res = len(res)
                res.append(("minutes short", [-v for v in counted], 0))
            self.forbidden = {(st.id, nxt) for st in roster.shift_types for nxt in st.cannot_follow}
            self.min_run, self.min_off = limits.min_consecutive_days, limits.min_consecutive_days_off
            self.max_weekends = limits.max_weekends
        # weekends: each day's weekend (keyed by its Saturday), as rule_max_weekends reads them
        day0 = sc.slots[0].normalize()
        self.weekend_of: list[int | None] = []
        for d in range(days):
            wd = (day0 + pd.Timedelta(days=d)).weekday()
            self.weekend_of.append(d - (wd - 5) if wd >= 5 else None)
        if self.max_weekends is not None:
            n_weekends = len({self.weekend_of[d] for d in range(days) if self.weekend_of[d] is not None and by_day.get(d)})
            if n_weekends > self.max_weekends:
                res.append(("weekends", [0] * len(options), self.max_weekends))
            else:
                self.max_weekends = None
        self.weekend_res = len(res) - 1 if self.max_weekends is not None else None
        self.caps = tuple(cap for _, _, cap in res)
        self.n_res = len(res)
        k_max = c.max_consecutive_days
        self.max_run = k_max if days > k_max else None
        # the evening all-hands slots this agent must work (when it has any duty)
        need: set[int] = set()
        if not agent.standby:
            for w in sc.config.promotion.evening_all_hands:
                if w.contracts is not None and agent.contract not in w.contracts:
                    continue
                need |= {t for t in sc.window_slots(w.start, w.end) if unit.available[t]}
        self.need = need
        covering: dict[int, list[int]] = defaultdict(list)  # slot -> days whose options work it
        covers_of: list[frozenset[int]] = []
        for o in options:
            cov = frozenset(t for t in o.working_slots() if t in need) if need else frozenset()
            covers_of.append(cov)
            for t in cov:
                covering[t].append(o.day)
        self.uncoverable = any(t not in covering for t in need)
        self.due_on = defaultdict(set)  # day -> all-hands slots that no later day can work
        self.open_after = defaultdict(set)  # day -> slots a later day may still work
        for t, ds in covering.items():
            self.due_on[max(ds)].add(t)
            for d in range(min(ds), max(ds)):
                self.open_after[d].add(t)
        # earliest start of any option after each day: a reach at or before it no longer matters
        rest = int(math.ceil(c.min_rest_hours * 60 / sc.slot_minutes - 1e-9))
        later = math.inf
        self.next_start = [0] * days
        for d in range(days - 1, -1, -1):
            self.next_start[d] = later
            for k in by_day.get(d, []):
                later = min(later, options[k].start)
        # steps: options alike in every effect share one step; a call takes each step's cheapest
        self.steps: list[list[tuple[_Step, np.ndarray]]] = []
        for d in range(days):
            groups: dict[_Step, list[int]] = defaultdict(list)
            for k in by_day.get(d, []):
                o = options[k]
                step = _Step(o.start, o.end + rest, kind_of[k], counted[k], covers_of[k],
                             tuple(vals[k] for _, vals, _ in res))
                groups[step].append(k)
            self.steps.append([(s, np.array(ks, dtype=np.int64)) for s, ks in groups.items()])

    # --------------------------------------------------------------------------------------------
    def price(self, reduced: np.ndarray, conv_dual: float, time_limit: float = math.inf, eps: float = 1e-3) -> Priced:
        """Least reduced-cost schedule at option reduced costs `reduced` (fen); raises
        TooManyLabels when the search outgrows its budget or `time_limit`.

        Only schedules of reduced cost below -eps are sought: a label that cannot end below it,
        even taking each later day's cheapest shift or a day off, is dropped. So `bound` is the
        least reduced cost or -eps, whichever is lower (a true lower bound either way: the master
        only needs to know that nothing prices out), and `best` is 0 when nothing does.
        """
        deadline = time.perf_counter() + time_limit
        cut = conv_dual - eps
        found: list[tuple[float, tuple[int, ...]]] = []
        if self.candidate and not self.must_hire:
            found.append((0.0, ()))  # unhired: an empty schedule with no duty at all
        if not self.uncoverable:  # else only an unhired candidate is legal (the team: a clash)
            found += self._search(reduced, deadline, cut)
        if not found:
            if self._pruned:
                return Priced([], 0.0, -eps)  # legal schedules exist, none below the cut
            return Priced([], math.inf, math.inf)
        found.sort()
        best = found[0][0] - conv_dual
        if found[0][0] >= cut:
            return Priced([], 0.0, -eps)
        seen, schedules = set(), []
        for rc, sched in found:
            if rc - conv_dual < -eps and sched not in seen and len(schedules) < SCHEDULES:
                seen.add(sched)
                schedules.append(sched)
        return Priced(schedules, best, best)

    def _search(self, reduced: np.ndarray, deadline: float, cut: float) -> list[tuple[float, tuple[int, ...]]]:
        """Schedules that carry every duty (a candidate's: at least one shift, the hire paid),
        of cost below `cut` (with the empty schedule of the team, whatever its cost)."""
        # a label: (cost, resources, parent label, option index or -1); states map to Pareto lists
        # state: (reach, last kind, run worked, run off, lead, covered, weekend counted, minutes, worked)
        start_state = (-1, None, 0, 0, True, frozenset(), None, 0, False)
        states: dict[tuple, list] = {start_state: [(0.0, (0,) * self.n_res, None, -1)]}
        hire = float(self.hire_fen)
        self._pruned = False
        steps_of = [[(s, ks[int(np.argmin(reduced[ks]))], float(reduced[ks].min())) for s, ks in day]
                    for day in self.steps]
        # the least any days from d on can add: each day's cheapest shift, or nothing
        rest_of = np.zeros(self.days + 1)
        for d in range(self.days - 1, -1, -1):
            rest_of[d] = rest_of[d + 1] + min(0.0, min((p for _, _, p in steps_of[d]), default=0.0))
        for d in range(self.days):
            if time.perf_counter() > deadline:
                raise TooManyLabels("time")
            steps = steps_of[d]
            limit = cut - float(rest_of[d + 1])  # a label at or above it cannot end below the cut
            nxt: dict[tuple, list] = {}
            n_labels = 0
            reset_week = self.week_res is not None and d % 7 == 0
            weekend = self.weekend_of[d]
            for state, labels in states.items():
                reach, last, run, off, lead, covered, counted_we, mins, worked = state
                # a day off
                ok = True
                if run and not lead and run < self.min_run:
                    ok = False  # an inner run worked ends too short
                if ok:
                    s2 = self._close(d, (-1 if reach <= self.next_start[d] else reach, None, 0,
                                         min(off + 1, self.min_off), lead if run == 0 else False,
                                         covered, None if weekend is None else counted_we, mins, worked))
                    if s2 is not None:
                        for cost, res, parent, k in labels:
                            if cost >= limit:
                                self._pruned = True
                                continue
                            r2 = self._reset(res) if reset_week else res
                            n_labels += _insert(nxt, s2, (cost, r2, (cost, res, parent, k), -1))
                # a shift
                if self.max_run is not None and run >= self.max_run:
                    continue
                if off and not lead and off < self.min_off:
                    continue  # an inner run off ends too short
                for step, k, price in steps:
                    if step.start < reach:
                        continue  # rest after the last shift
                    if last is not None and step.kind is not None and (last, step.kind) in self.forbidden:
                        continue
                    m2 = mins + step.minutes if self.exact_minutes else 0
                    if self.exact_minutes and m2 > self.max_minutes:
                        continue
                    we, add_we = None, 0
                    if weekend is not None and self.weekend_res is not None:
                        we, add_we = weekend, int(counted_we != weekend)
                    s2 = self._close(d, (step.reach if step.reach > self.next_start[d] else -1,
                                         step.kind if self.forbidden else None,
                                         min(run + 1, self._run_cap()), 0, lead if off == 0 else False,
                                         covered | step.covers, we, m2, self.tracks_worked))
                    if s2 is None:
                        continue
                    extra = hire if not worked else 0.0
                    for cost, res, parent, kk in labels:
                        if cost + price + extra >= limit:
                            self._pruned = True
                            continue
                        base = self._reset(res) if reset_week else res
                        r2 = tuple(a + b for a, b in zip(base, step.delta, strict=True))
                        if add_we:
                            r2 = r2[: self.weekend_res] + (r2[self.weekend_res] + 1,) + r2[self.weekend_res + 1:]
                        if any(a > cap for a, cap in zip(r2, self.caps, strict=True)):
                            continue
                        n_labels += _insert(nxt, s2, (cost + price + extra, r2, (cost, res, parent, kk), k))
            if n_labels > self.budget:
                raise TooManyLabels(f"{n_labels} labels on day {d}")
            states = nxt
        out = []
        for state, labels in states.items():
            worked, mins = state[8], state[7]
            if self.candidate and not worked:
                continue  # a candidate's empty schedule is the unhired one, priced apart
            for label in labels:
                total = mins if self.exact_minutes else (-label[1][self.short_res] if self.short_res is not None else 0)
                if self.min_minutes > 0 and total < self.min_minutes:
                    continue
                out.append((label[0], _unwind(label)))
        return out

    def _run_cap(self) -> int:
        """Runs worked are counted up to what a rule reads of them."""
        return max(self.max_run or 0, self.min_run)

    def _reset(self, res: tuple[int, ...]) -> tuple[int, ...]:
        """A new 7-day block: its regular minutes start again from zero."""
        w = self.week_res
        return res[:w] + (0,) + res[w + 1:]

    def _close(self, d: int, state: tuple) -> tuple | None:
        """The state after day d, or None when an all-hands slot due by then is not worked."""
        covered = state[5]
        due = self.due_on.get(d)
        if due and not due <= covered:
            return None
        if covered:
            keep = self.open_after.get(d)
            covered = frozenset(covered & keep) if keep else frozenset()
            state = state[:5] + (covered,) + state[6:]
        return state


def _insert(states: dict[tuple, list], state: tuple, label: tuple) -> int:
    """Add a label to its state's Pareto list unless dominated; how many labels it adds (0 or 1)."""
    labels = states.get(state)
    if labels is None:
        states[state] = [label]
        return 1
    cost, res = label[0], label[1]
    if not res:
        if cost < labels[0][0]:
            labels[0] = label
        return 0
    for other in labels:
        if other[0] <= cost and all(a <= b for a, b in zip(other[1], res, strict=True)):
            return 0
    keep = [o for o in labels if not (cost <= o[0] and all(a <= b for a, b in zip(res, o[1], strict=True)))]
    keep.append(label)
    states[state] = keep
    return len(keep) - len(labels)


def _unwind(label: tuple) -> tuple[int, ...]:
    """The option indexes of a label's schedule, in order."""
    ks = []
    while label is not None:
        _, _, parent, k = label
        if k >= 0:
            ks.append(k)
        label = parent
    return tuple(sorted(ks))
