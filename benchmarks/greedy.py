"""A greedy rota, the baseline a spreadsheet-minded planner would write: repeatedly cover the largest
remaining shortfall with the cheapest legal shift.

Legality comes from the product's own pieces, not from a second reading of the rules:

- which shifts an agent may work at all (allowed starts and spans, the meal break's place, daily
  overtime, availability, time off, skills) is the product's option generator
  (`scheduler.rota.options.agent_options`);
- the rules between shifts of one agent (one shift a day, rest, weekly hours, overtime per
  horizon, average daily hours, consecutive days) are kept by `AgentBook.legal`, written from
  docs/RULES.md;
- the finished rota is scored and checked by the independent checker (`scheduler.check`), so
  any rule the greedy could not keep shows up there by name.

Steps: (1) evening all-hands first (every non-standby agent available in the window gets the
cheapest legal shift that keeps them working through it); (2) the main loop: take the (slot, queue)
with the largest shortfall = required - scheduled (the staffing stage's `required`), give it the
cheapest legal shift that works that slot on that queue (ties: the one covering most shortfall),
until no shortfall is left that any legal shift can cover; (3) repairs for the midnight core share
and the morning part-time share, adding the cheapest legal core / part-time shift while the share
is short. Pre-/after-sale ratio bounds are not pursued (the checker reports them if broken).

    python benchmarks/greedy.py [SCENARIO]     # prints the checker's figures
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scheduler.rota.options import ShiftOption, agent_options, n_days, slot_time  # noqa: E402
from scheduler.scenario import Agent, Scenario  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Per-agent bookkeeping of the rules between shifts
# ---------------------------------------------------------------------------------------------
@dataclass
class AgentBook:
    """One agent's shifts so far and the rules that tie them together (docs/RULES.md 4, 8-12)."""

    agent: Agent
    index: int
    options: list[ShiftOption]
    rest_min: float
    ot_cap_min: float
    week_cap_min: float
    avg_cap_min: float | None
    max_run: int
    slot_minutes: int
    shifts: list[ShiftOption] = field(default_factory=list)
    queue_of: dict[int, str] = field(default_factory=dict)  # working slot -> queue

    def legal(self, o: ShiftOption) -> bool:
        slot = self.slot_minutes
        days = set()
        ot = o.overtime_minutes
        paid = o.paid_minutes
        week = o.regular_minutes
        for p in self.shifts:
            if p.day == o.day:
                return False  # one shift a day
            # rest (and no overlap) in whichever order the two shifts fall
            gap = (o.start - p.end) if p.start < o.start else (p.start - o.end)
            if gap * slot < self.rest_min - 1e-9:
                return False
            days.add(p.day)
            ot += p.overtime_minutes
            paid += p.paid_minutes
            if p.day // 7 == o.day // 7:
                week += p.regular_minutes
        if ot > self.ot_cap_min + 1e-9 or week > self.week_cap_min + 1e-9:
            return False
        if self.avg_cap_min is not None and paid > self.avg_cap_min + 1e-9:
            return False
        days.add(o.day)
        run = longest = 0
        prev = None
        for d in sorted(days):
            run = run + 1 if prev is not None and d == prev + 1 else 1
            longest = max(longest, run)
            prev = d
        return longest <= self.max_run

    @property
    def paid_minutes(self) -> int:
        return sum(p.paid_minutes for p in self.shifts)


def books(sc: Scenario) -> list[AgentBook]:
    """An AgentBook per agent, options from the product's generator (shared by identical agents)."""
    cache: dict[tuple, list[ShiftOption]] = {}
    days = n_days(sc)
    out = []
    for i, a in enumerate(sc.agents):
        avail = sc.available_slots(a)
        key = (a.contract, a.skills, a.standby, sc.wage(a), avail.tobytes())
        if key not in cache:
            cache[key] = agent_options(sc, a, i).options
        c = sc.contract(a.contract)
        out.append(
            AgentBook(
                agent=a,
                index=i,
                options=cache[key],
                rest_min=c.min_rest_hours * 60,
                ot_cap_min=c.max_overtime_hours_per_month * 60,
                week_cap_min=c.max_hours_per_week * 60,
                avg_cap_min=None if c.avg_max_hours_per_day is None else c.avg_max_hours_per_day * 60 * days,
                max_run=c.max_consecutive_days,
                slot_minutes=sc.slot_minutes,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Coverage state shared by the greedy and by the pyworkforce adapter
# ---------------------------------------------------------------------------------------------
class Cover:
    """Required and scheduled agents per (slot, queue); places shifts and picks each slot's queue."""

    def __init__(self, sc: Scenario, staffing_table: pd.DataFrame):
        self.sc = sc
        self.queues = [q.id for q in sc.config.queues]
        self.qi = {q: k for k, q in enumerate(self.queues)}
        slot_index = {t: k for k, t in enumerate(sc.slots)}
        self.required = np.zeros((sc.n_slots, len(self.queues)), dtype=np.int64)
        for r in staffing_table.itertuples(index=False):
            self.required[slot_index[r.slot_start], self.qi[r.queue]] = int(r.required)
        self.staff = np.zeros_like(self.required)
        self.books = books(sc)

    def shortfall(self) -> np.ndarray:
        return np.maximum(0, self.required - self.staff)

    def gain(self, b: AgentBook, o: ShiftOption, queue: str | None = None) -> int:
        """Shortfall agent-slots the shift would cover (the best skill queue in each slot)."""
        short = self.shortfall()
        if o.queue is not None:
            cols = [self.qi[o.queue]]
        else:
            cols = [self.qi[q] for q in b.agent.skills if q in self.qi]
        ws = list(o.working_slots())
        return int((short[np.ix_(ws, cols)].max(axis=1) > 0).sum()) if ws and cols else 0

    def place(self, b: AgentBook, o: ShiftOption, prefer: tuple[int, str] | None = None) -> None:
        """Add the shift; each working slot goes to the skill queue with the largest shortfall."""
        b.shifts.append(o)
        for t in o.working_slots():
            if o.queue is not None:
                q = o.queue
            else:
                short = self.required[t] - self.staff[t]
                skills = [q for q in b.agent.skills if q in self.qi]
                if prefer is not None and prefer[0] == t and prefer[1] in skills:
                    q = prefer[1]
                else:
                    q = max(skills, key=lambda q: (short[self.qi[q]], -skills.index(q)))
            b.queue_of[t] = q
            self.staff[t, self.qi[q]] += 1

    def rota(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """shifts and assignments tables in the output contract's shape (what the checker reads)."""
        sc = self.sc
        shift_rows, assign_rows = [], []
        for b in self.books:
            a = b.agent
            for o in sorted(b.shifts, key=lambda o: o.start):
                shift_rows.append(
                    {
                        "agent_id": a.agent_id,
                        "agent_name": a.name,
                        "contract": a.contract,
                        "core": a.core,
                        "start": slot_time(sc, o.start),
                        "end": slot_time(sc, o.end),
                        "paid_hours": o.paid_minutes / 60,
                        "break_start": slot_time(sc, o.break_start) if o.break_start is not None else None,
                        "break_end": slot_time(sc, o.break_end) if o.break_end is not None else None,
                        "overtime_hours": o.overtime_minutes / 60,
                        "wage_yuan": o.wage_fen / 100,
                        "standby": a.standby,
                    }
                )
                for t in range(o.start, o.end):
                    act = "break" if o.break_start is not None and o.break_start <= t < o.break_end else b.queue_of[t]
                    assign_rows.append({"agent_id": a.agent_id, "slot_start": slot_time(sc, t), "activity": act})
        shifts = pd.DataFrame(
            shift_rows,
            columns=[
                "agent_id",
                "agent_name",
                "contract",
                "core",
                "start",
                "end",
                "paid_hours",
                "break_start",
                "break_end",
                "overtime_hours",
                "wage_yuan",
                "standby",
            ],
        )
        return shifts, pd.DataFrame(assign_rows, columns=["agent_id", "slot_start", "activity"])


# ---------------------------------------------------------------------------------------------
# The greedy
# ---------------------------------------------------------------------------------------------
def _cheapest(cov: Cover, cands, t: int | None = None, q: str | None = None):
    """The cheapest legal (book, option) among cands; ties: most shortfall covered, then fewest hours so far."""
    legal = [(b, o) for b, o in cands if b.legal(o)]
    if not legal:
        return None
    low = min(o.wage_fen for _, o in legal)
    ties = [(b, o) for b, o in legal if o.wage_fen == low]
    return min(ties, key=lambda bo: (-cov.gain(*bo), bo[0].paid_minutes, bo[0].index))


def _by_slot(cov: Cover) -> dict[int, dict[int, list[int]]]:
    """For each distinct option list: working slot -> option indices (built once per agent class)."""
    out: dict[int, dict[int, list[int]]] = {}
    for b in cov.books:
        if id(b.options) in out:
            continue
        idx: dict[int, list[int]] = defaultdict(list)
        for k, o in enumerate(b.options):
            for t in o.working_slots():
                idx[t].append(k)
        out[id(b.options)] = idx
    return out


def greedy_rota(sc: Scenario, staffing_table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The greedy rota: (shifts, assignments, stats)."""
    t0 = time.perf_counter()
    cov = Cover(sc, staffing_table)
    index = _by_slot(cov)
    stats = {"all_hands_unplaced": 0, "uncoverable_slot_queues": 0, "repairs": 0}

    # 1. evening all-hands: a hard rule, so it comes first
    for w in sc.config.promotion.evening_all_hands:
        ks = list(sc.window_slots(w.start, w.end))
        for b in cov.books:
            a = b.agent
            if a.standby or (w.contracts is not None and a.contract not in w.contracts):
                continue
            avail = sc.available_slots(a)
            need = [t for t in ks if avail[t]]
            if not need or all(any(t in o.working_slots() for o in b.shifts) for t in need):
                continue
            cands = [(b, o) for o in b.options if set(need) <= set(o.working_slots())]
            pick = _cheapest(cov, cands)
            if pick is None:
                stats["all_hands_unplaced"] += 1
            else:
                cov.place(*pick)

    # 2. cover the largest shortfall with the cheapest legal shift
    blocked = np.zeros_like(cov.required, dtype=bool)
    while True:
        short = np.where(blocked, 0, cov.shortfall())
        if short.max() <= 0:
            break
        t, qk = np.unravel_index(int(short.argmax()), short.shape)
        t, q = int(t), cov.queues[qk]
        cands = (
            (b, b.options[k])
            for b in cov.books
            if q in b.agent.skills
            for k in index[id(b.options)].get(t, ())
            if b.options[k].queue in (None, q)
        )
        pick = _cheapest(cov, cands)
        if pick is None:
            blocked[t, qk] = True
            stats["uncoverable_slot_queues"] += 1
            continue
        cov.place(*pick, prefer=(t, q))

    # 3. repairs for the share rules the loop does not aim at
    def working(t: int, which) -> int:
        return sum(1 for b in cov.books if t in b.queue_of and which(b.agent))

    for w in sc.config.promotion.midnight_core:
        for t in sc.window_slots(w.start, w.end):
            while True:
                core, allw = working(t, lambda a: a.core), working(t, lambda a: True)
                if core >= w.min_core_agents and core >= w.min_core_share * allw - 1e-9:
                    break
                cands = [(b, b.options[k]) for b in cov.books if b.agent.core for k in index[id(b.options)].get(t, ())]
                pick = _cheapest(cov, cands)
                if pick is None:
                    break
                cov.place(*pick)
                stats["repairs"] += 1
    for w in sc.config.promotion.morning_part_time:
        for t in sc.window_slots(w.start, w.end):
            while True:
                pt = working(t, lambda a: sc.contract(a.contract).kind == "part_time")
                if pt >= w.min_part_time_share * working(t, lambda a: True) - 1e-9:
                    break
                cands = [
                    (b, b.options[k])
                    for b in cov.books
                    if sc.contract(b.agent.contract).kind == "part_time"
                    for k in index[id(b.options)].get(t, ())
                ]
                pick = _cheapest(cov, cands)
                if pick is None:
                    break
                cov.place(*pick)
                stats["repairs"] += 1

    shifts, assignments = cov.rota()
    stats["seconds"] = round(time.perf_counter() - t0, 2)
    stats["shifts"] = len(shifts)
    return shifts, assignments, stats


def main() -> None:
    ap = argparse.ArgumentParser(description="Greedy rota, scored by the independent checker")
    ap.add_argument("scenario", nargs="?", default="double11")
    args = ap.parse_args()
    from scheduler.checker import check_rota
    from scheduler.demand import forecast
    from scheduler.scenario import load_scenario
    from scheduler.staffing_model import staffing

    sc = load_scenario(args.scenario)
    fc = forecast(sc)
    st = staffing(sc, fc)
    shifts, assignments, stats = greedy_rota(sc, st)
    rep = check_rota(sc, shifts, assignments, fc)
    print(f"greedy on {args.scenario}: {stats}")
    for k, v in rep.figures.items():
        print(f"  {k}: {v}")
    rules = sorted({v.rule for v in rep.violations})
    print(f"  violations: {len(rep.violations)} {rules}")


if __name__ == "__main__":
    main()
