"""Curtois employee shift scheduling benchmark, solved with the product's own rota engine.

Each instance (../shared/benchmarks/curtois, format in its FORMAT.md) becomes the engine's inputs:

- a `Scenario` built in memory: one day per calendar day from a Monday, one queue `cover`, one
  contract per employee whose allowed start times are the shift types that employee may work
  (type k starts at k x slot), whose `max_consecutive_days` is the instance's maximum run, and
  with no wages, rest, overtime or weekly-hour limits (the benchmark prices none of them);
  days off are `time_off` rows; shift-on / shift-off requests are `request` / `refuse`
  preference rows priced at their weight; every shift is one slot long (the slot stands for the
  shift type; its real length lives in the roster rules' minutes);
- a `Demand` whose lost-value curve at the slot of (day, type) is under-weight x missing people;
- `RosterRules` (scheduler/rota/roster_rules.py) for what the product's scenario has no words
  for: forbidden successions, per-type maximums, total minutes, minimum runs of days worked and
  off, weekend limits, and the over-cover price.

`solve_rota` then builds the product's model (options, one shift a day, availability, maximum
consecutive days, preferences, coverage), adds the roster rules, and solves it with CP-SAT for
half the time limit; the rest of the time re-solves parts of that same model (a few employees,
or every employee over a few days) from the incumbent: a large neighbourhood search (`_improve`).
Penalties are scaled by 100 because the engine works in fen; the result's yuan figure is the
benchmark's penalty. Every roster is re-scored from the shifts table alone by `evaluate`.

    python benchmarks/curtois.py                   # every instance present
    python benchmarks/curtois.py 1 2 4 --small-limit 20

Writes benchmarks/results/curtois.md (figures measured by this script).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import os
import platform
import sys
import time as _time
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.errors import InfeasibleError  # noqa: E402
from scheduler.rota import Demand, solve_rota  # noqa: E402
from scheduler.rota import roster_rules as rr  # noqa: E402
from scheduler.scenario import (  # noqa: E402
    Agent,
    Contract,
    Fairness,
    Horizon,
    PreferenceRow,
    Queue,
    Scenario,
    ScenarioConfig,
    Solver,
    TimeOff,
)

DATA = Path(os.environ.get("CURTOIS_DIR", ROOT.parent / "shared" / "benchmarks" / "curtois"))
RESULTS = ROOT / "benchmarks" / "results" / "curtois.md"
DAY0 = datetime(2024, 1, 1, tzinfo=dt.UTC)  # a Monday: "All instances start on a Monday"
QUEUE = "cover"
FEN = 100  # the engine's money unit is 1/100; one penalty point = 100 "fen"


# --- the instance ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass
class Instance:
    name: str
    days: int
    shifts: dict[str, tuple[int, frozenset[str]]]  # id -> (minutes, types that may not follow it)
    staff: list[Staff]
    days_off: dict[str, set[int]] = field(default_factory=dict)
    on_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    off_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    cover: list[tuple[int, str, int, int, int]] = field(default_factory=list)


def parse(path: Path) -> Instance:
    """Read an instance file (sections as in FORMAT.md)."""
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
            continue
        sections[current].append([f.strip() for f in line.split(",")])
    days = int(sections["SECTION_HORIZON"][0][0])
    shifts = {r[0]: (int(r[1]), frozenset(x for x in (r[2] if len(r) > 2 else "").split("|") if x)) for r in sections["SECTION_SHIFTS"]}
    staff = []
    for r in sections["SECTION_STAFF"]:
        caps = dict(kv.split("=") for kv in r[1].split("|") if kv)
        staff.append(Staff(r[0], {k: int(v) for k, v in caps.items()}, int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), int(r[7])))
    days_off = {r[0]: {int(x) for x in r[1:] if x} for r in sections.get("SECTION_DAYS_OFF", [])}
    req = lambda name: [(r[0], int(r[1]), r[2], int(r[3])) for r in sections.get(name, [])]  # noqa: E731
    cover = [(int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4])) for r in sections.get("SECTION_COVER", [])]
    return Instance(path.stem, days, shifts, staff, days_off, req("SECTION_SHIFT_ON_REQUESTS"), req("SECTION_SHIFT_OFF_REQUESTS"), cover)


# --- the instance as the engine's inputs ----------------------------------------------------
@dataclass
class EngineInputs:
    scenario: Scenario
    demand: Demand
    rules: rr.RosterRules
    slot_minutes: int
    type_of_start: dict[time, str]


def _slot_minutes(n_types: int) -> int:
    for m in (60, 30, 15):
        if n_types <= 24 * 60 // m:
            return m
    raise ValueError(f"{n_types} shift types do not fit one day of 15-minute slots")


def to_engine(inst: Instance, time_limit: float = 60.0, workers: int = 2, seed: int = 0) -> EngineInputs:
    """The instance as a scenario, a priced demand and the day-roster rules."""
    types = list(inst.shifts)
    slot = _slot_minutes(len(types))
    start_of = {s: (datetime.min + timedelta(minutes=k * slot)).time() for k, s in enumerate(types)}
    slot_of = {s: k for k, s in enumerate(types)}  # slot index within the day
    per_day = 24 * 60 // slot

    def at(day: int, s: str) -> datetime:
        return DAY0 + timedelta(days=day, minutes=slot_of[s] * slot)

    contracts, agents = {}, []
    for st in inst.staff:
        allowed = [s for s in types if st.max_shifts.get(s, 0) > 0]
        if st.max_consecutive > 31 and st.max_consecutive < inst.days:
            raise ValueError(f"{st.id}: a maximum run of {st.max_consecutive} days is beyond the engine's 31")
        contracts[st.id] = Contract(
            kind="full_time", hourly_wage_yuan=0.0, shift_spans_hours=[slot / 60],
            start_times=[start_of[s] for s in allowed] or [start_of[types[0]]],
            regular_hours_per_day=24, max_overtime_hours_per_day=0, max_overtime_hours_per_month=0,
            max_hours_per_week=168, min_rest_hours=0, max_consecutive_days=min(st.max_consecutive, 31),
            call_in_fee_yuan=0.0,
        )
        agents.append(Agent(agent_id=st.id, name=st.id, contract=st.id, skills=(QUEUE,)))
    # an employee allowed no type at all keeps one start time but never any day available
    never = {st.id for st in inst.staff if not any(st.max_shifts.get(s, 0) > 0 for s in types)}
    time_off = [
        TimeOff(agent_id=e, start=DAY0 + timedelta(days=d), end=DAY0 + timedelta(days=d + 1), reason="day off")
        for e, ds in inst.days_off.items() for d in sorted(ds) if 0 <= d < inst.days
    ] + [TimeOff(agent_id=e, start=DAY0, end=DAY0 + timedelta(days=inst.days), reason="no shift type") for e in never]
    price = 60 / slot  # yuan per hour of a one-slot window = weight per shift
    prefs = [
        PreferenceRow(agent_id=e, start=at(d, s), end=at(d, s) + timedelta(minutes=slot), kind=kind, price_yuan_per_hour=w * price)
        for rows, kind in ((inst.on_requests, "request"), (inst.off_requests, "refuse"))
        for e, d, s, w in rows
        if s in slot_of and 0 <= d < inst.days
    ]
    config = ScenarioConfig(
        name=inst.name, timezone="UTC",
        horizon=Horizon(start=DAY0, end=DAY0 + timedelta(days=inst.days), slot_minutes=slot),
        queues=[Queue(id=QUEUE, name="Curtois cover")], contracts=contracts,
        fairness=Fairness(hours_spread_yuan_per_hour=0, night_spread_yuan_per_hour=0),
        solver=Solver(time_limit_seconds=time_limit, seed=seed, workers=workers),
    )
    scenario = Scenario(
        config=config, folder=DATA, history=pd.DataFrame(columns=["slot_start", "queue", "inquiries"]),
        agents=agents, time_off=time_off, preference_rows=prefs,
    )
    loss: dict[tuple[int, str], np.ndarray] = {}
    surplus: dict[tuple[int, str], rr.SurplusPrice] = {}
    for d, s, need, w_under, w_over in inst.cover:
        if s not in slot_of or not 0 <= d < inst.days:
            continue
        t = d * per_day + slot_of[s]
        loss[(t, QUEUE)] = np.array([w_under * FEN * max(0, need - n) for n in range(need + 1)], dtype=np.int64)
        surplus[(t, QUEUE)] = rr.SurplusPrice(need, w_over * FEN)
    limits = {
        st.id: rr.AgentLimits(
            max_per_type=dict(st.max_shifts), min_minutes=st.min_minutes, max_minutes=st.max_minutes,
            min_consecutive_days=st.min_consecutive, min_consecutive_days_off=st.min_days_off,
            max_weekends=st.max_weekends,
        )
        for st in inst.staff
    }
    shift_types = [rr.ShiftType(s, (start_of[s],), m, follow) for s, (m, follow) in inst.shifts.items()]
    return EngineInputs(scenario, Demand(loss), rr.RosterRules(shift_types, limits, surplus), slot, {v: k for k, v in start_of.items()})


# --- solving and re-scoring -----------------------------------------------------------------
@dataclass
class Outcome:
    instance: str
    status: str
    objective: float  # as the engine priced it
    rescored: int  # recomputed from the roster alone
    violations: list[str]
    bound: float
    seconds: float
    roster: dict[str, dict[int, str]]
    load: tuple[float, float] = (math.nan, math.nan)
    """The machine's 1-minute load average before and after the solve (the machine may be shared)."""


def roster_of(shifts: pd.DataFrame, eng: EngineInputs) -> dict[str, dict[int, str]]:
    """Employee -> day -> shift type, read from the engine's shifts table (start times only)."""
    out: dict[str, dict[int, str]] = {}
    for r in shifts.itertuples(index=False):
        start = pd.Timestamp(r.start).tz_convert("UTC")
        day = (start.normalize() - pd.Timestamp(DAY0)).days
        out.setdefault(r.agent_id, {})[day] = eng.type_of_start[start.time()]
    return out


def evaluate(inst: Instance, roster: dict[str, dict[int, str]]) -> tuple[int, list[str]]:
    """Penalty of a roster and the hard rules it breaks, from the instance data alone."""
    bad: list[str] = []
    weekends = [(d, d + 1) for d in range(5, inst.days, 7)]
    for st in inst.staff:
        mine = roster.get(st.id, {})
        work = [d in mine for d in range(inst.days)]
        for d, s in mine.items():
            if not 0 <= d < inst.days or s not in inst.shifts:
                bad.append(f"{st.id}: {s} on day {d} is outside the instance")
            elif mine.get(d + 1) in inst.shifts[s][1]:
                bad.append(f"{st.id}: {mine[d + 1]} on day {d + 1} may not follow {s}")
        for s in inst.shifts:
            n = sum(v == s for v in mine.values())
            if n > st.max_shifts.get(s, 0):
                bad.append(f"{st.id}: {n} {s} shifts > {st.max_shifts.get(s, 0)}")
        minutes = sum(inst.shifts[s][0] for s in mine.values() if s in inst.shifts)
        if not st.min_minutes <= minutes <= st.max_minutes:
            bad.append(f"{st.id}: {minutes} min outside [{st.min_minutes}, {st.max_minutes}]")
        for flag, lo, hi, label in ((True, st.min_consecutive, st.max_consecutive, "working"), (False, st.min_days_off, None, "off")):
            d = 0
            while d < inst.days:
                if work[d] != flag:
                    d += 1
                    continue
                e = d
                while e < inst.days and work[e] == flag:
                    e += 1
                run, inner = e - d, d > 0 and e < inst.days
                if hi is not None and run > hi:
                    bad.append(f"{st.id}: {run} {label} days in a row from day {d} > {hi}")
                if inner and run < lo:
                    bad.append(f"{st.id}: {run} {label} days in a row from day {d} < {lo}")
                d = e
        n_weekends = sum(any(d in mine for d in wk) for wk in weekends)
        if n_weekends > st.max_weekends:
            bad.append(f"{st.id}: {n_weekends} weekends > {st.max_weekends}")
        for d in inst.days_off.get(st.id, ()):
            if d in mine:
                bad.append(f"{st.id}: works on day off {d}")
    penalty = sum(w for e, d, s, w in inst.on_requests if roster.get(e, {}).get(d) != s)
    penalty += sum(w for e, d, s, w in inst.off_requests if roster.get(e, {}).get(d) == s)
    for d, s, need, w_under, w_over in inst.cover:
        n = sum(mine.get(d) == s for mine in roster.values())
        penalty += w_under * max(0, need - n) + w_over * max(0, n - need)
    return penalty, bad


def solve(inst: Instance, time_limit: float, workers: int = 2, seed: int = 0, engine: str = "auto") -> Outcome:
    """Solve one instance with the product's engine (`solve_rota` with the day-roster rules: the
    aggregate, column generation with the roster rules in its pricing, the integer master, the
    per-agent CP-SAT search and the neighbourhood search); re-score the roster independently."""
    t0 = _time.perf_counter()
    eng = to_engine(inst, time_limit, workers, seed)
    try:
        res = solve_rota(
            eng.scenario, eng.demand, time_limit=time_limit - (_time.perf_counter() - t0), seed=seed,
            workers=workers, roster=eng.rules, engine=engine, gap_limit=0.0,
        )
    except InfeasibleError as exc:  # no roster within the time (or the rules clash)
        why = "; ".join(exc.clashes)[:150]
        return Outcome(inst.name, f"NO ROSTER ({why})", math.nan, -1, [], math.nan, _time.perf_counter() - t0, {})
    roster = roster_of(res.shifts, eng)
    rescored, violations = evaluate(inst, roster)
    return Outcome(inst.name, res.status, res.objective, rescored, violations, res.lower_bound,
                   _time.perf_counter() - t0, roster)


# --- the benchmark run ----------------------------------------------------------------------
def best_known() -> dict[str, tuple[int | None, int | None]]:
    path = DATA / "best_known.csv"
    if not path.exists():
        return {}
    out = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            out[r["instance"]] = (int(r["lower_bound"]) if r["lower_bound"] else None, int(r["upper_bound"]) if r["upper_bound"] else None)
    return out


def instances(numbers: list[int] | None = None) -> list[Path]:
    """Instance files present, in number order (none when the data folder is absent)."""
    if not DATA.is_dir():
        return []
    found = sorted(DATA.glob("Instance*.txt"), key=lambda p: int(p.stem.removeprefix("Instance")))
    return [p for p in found if numbers is None or int(p.stem.removeprefix("Instance")) in numbers]


def _fmt(v: float | int | None) -> str:
    return "–" if v is None else f"{v:g}"


def report(rows: list[tuple[Outcome, float]], args: argparse.Namespace) -> str:
    known = best_known()
    lines = [
        "# Curtois employee shift scheduling benchmark",
        "",
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {platform.node()} ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}, OR-Tools {__import__('ortools').__version__}), {args.workers} CP-SAT workers, seed {args.seed}.",
        f"Command: `{' '.join(['python', 'benchmarks/curtois.py', *sys.argv[1:]])}`",
        "",
        "Time limit per instance: instances 1-12 "
        f"{args.small_limit:g} s, larger ones {args.large_limit:g} s (model building included). "
        "`objective` is the engine's value; `rescored` recomputes the penalty from the roster alone "
        "(benchmarks/curtois.py `evaluate`) and `hard` counts broken hard rules in that roster. "
        "`gap to best` = (objective - best-known UB) / best-known UB; `own gap` = (objective - our "
        "proven bound) / objective. Best-known values from the data folder's best_known.csv. "
        "The machine has 2 cores and may be shared: `load` is its 1-minute load average before and after "
        "each instance (above 2, this run had less than the two cores it asked for).",
        "",
        "| instance | status | objective | rescored | hard | best LB | best UB | gap to best | our bound | own gap | time s | limit s | load before/after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o, limit in rows:
        lb, ub = known.get(o.instance, (None, None))
        gap_best = "–" if ub is None else f"{(o.objective - ub) / ub:+.2%}"
        own = 0.0 if o.objective <= 0 else (o.objective - o.bound) / o.objective
        lines.append(
            f"| {o.instance} | {o.status} | {_fmt(o.objective)} | {o.rescored} | {len(o.violations)} | {_fmt(lb)} | {_fmt(ub)} | "
            f"{gap_best} | {_fmt(o.bound)} | {own:.2%} | {o.seconds:.1f} | {limit:g} | {o.load[0]:.1f} / {o.load[1]:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("numbers", nargs="*", type=int, help="instance numbers (default: every instance present)")
    ap.add_argument("--small-limit", type=float, default=60.0, help="seconds for instances 1-12")
    ap.add_argument("--large-limit", type=float, default=300.0, help="seconds for instances 13-24")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    paths = instances(args.numbers or None)
    if not paths:
        print(f"no Curtois instances found in {DATA}; nothing to do")
        return 0
    rows = []
    for p in paths:
        inst = parse(p)
        limit = args.small_limit if int(p.stem.removeprefix("Instance")) <= 12 else args.large_limit
        load0 = os.getloadavg()[0]
        try:
            o = solve(inst, limit, args.workers, args.seed)
        except Exception as exc:  # noqa: BLE001 - one instance's failure is a row of the table, not the end of the run
            o = Outcome(inst.name, f"ERROR ({type(exc).__name__}: {str(exc)[:100]})", math.nan, -1, [], math.nan, math.nan, {})
        o.load = (load0, os.getloadavg()[0])
        rows.append((o, limit))
        print(f"{o.instance}: {o.status} objective {o.objective:g} rescored {o.rescored} hard {len(o.violations)} "
              f"bound {o.bound:g} {o.seconds:.1f} s", flush=True)
        text = report(rows, args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(args.out)  # atomic: an interrupted run leaves the previous table or this one
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
