"""Replan mid-event: reforecast from actuals, report the imbalance, re-solve changing little.

The published rota stays the reference: the worked past and the notice window are frozen,
started shifts may be extended but never cancelled, and every other change is priced
(scenario.config.replan), so a change happens only when it pays for itself in lost inquiries saved.
The re-solve starts from the published rota and ends with a pass that reverts every change
whose saving does not cover its price (see `solve_replan`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from scheduler.cells import unneutralise_frame
from scheduler.errors import InfeasibleError, InputError, Problem
from scheduler.pipeline import coverage_table, priced_demand, summarise
from scheduler.results import Plan, RotaResult
from scheduler.rota.model import Demand, RotaModel, Unit, build
from scheduler.rota.options import AgentOptions, ShiftOption
from scheduler.scenario import Scenario, TimeOff, load_scenario, parse_number, parse_timestamp, read_csv_rows

KAPPA_INQUIRIES = 200.0
"""Shrinkage of the early ratio: w = F_cum / (F_cum + kappa) (DOMAIN.md, intraday reforecast)."""
RATIO_CLIP = (0.5, 3.0)
ABSENT_REASON = "absent (replan)"
"""The time-off reason that marks an agent who left or did not show up (kept in the plan's scenario copy)."""


@dataclass
class Published:
    """The published rota, per agent: its shifts and the queue of each working slot."""

    shifts: pd.DataFrame
    assignments: pd.DataFrame
    keys: dict[str, set]  # agent -> {(start, end, break_start, queue or None)}
    slot_queue: dict[str, dict[int, str]]  # agent -> {slot: queue}
    spans: dict[str, list[tuple[int, int, int | None]]]  # agent -> [(start, end, break_start)]


def _slot(sc: Scenario, t: datetime) -> int:
    return int(round((t - sc.config.horizon.start).total_seconds() / 60 / sc.slot_minutes))


def read_plan_csv(path: Path, sc: Scenario, columns: list[str], times: list[str]) -> pd.DataFrame:
    """A CSV of a plan folder, its time columns parsed (ISO 8601 with offset) to the scenario's zone."""
    import io

    from scheduler.scenario import read_text

    text = read_text(path, path.name)
    try:
        df = pd.read_csv(io.StringIO(text), dtype={c: str for c in ("agent_id", "queue", "activity")})
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError([Problem(path.name, "(CSV syntax)", str(exc).splitlines()[0], "a CSV as `scheduler plan` writes it")]) from None
    df = unneutralise_frame(df)  # text as typed, without the quote that kept it from running in Excel
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError([Problem(path.name, ", ".join(missing), "column missing", f"columns {columns}", 1)])
    for c in times:
        bad = []
        parsed = []
        for i, v in enumerate(df[c], start=2):
            if pd.isna(v) or v == "":
                parsed.append(pd.NaT)
                continue
            try:
                parsed.append(pd.Timestamp(parse_timestamp(str(v))).tz_convert(sc.tz))
            except ValueError as exc:
                bad.append(Problem(path.name, c, repr(v), str(exc), i))
        if bad:
            raise InputError(bad)
        df[c] = pd.Series(parsed, index=df.index, dtype=f"datetime64[us, {sc.config.timezone}]")
    return df


def load_published(folder: Path, sc: Scenario) -> Published:
    """shifts.csv and assignments.csv of a plan folder, as slot indices."""
    shifts = read_plan_csv(folder / "shifts.csv", sc, ["agent_id", "start", "end"], ["start", "end", "break_start", "break_end"])
    assignments = read_plan_csv(folder / "assignments.csv", sc, ["agent_id", "slot_start", "activity"], ["slot_start"])
    unknown = sorted(set(shifts.agent_id) - set(sc.agents_by_id))
    if unknown:
        raise InputError([Problem("shifts.csv", "agent_id", ", ".join(unknown[:5]), "agent ids of the plan's agents.csv")])
    keys: dict[str, set] = {}
    spans: dict[str, list] = {}
    slot_queue: dict[str, dict[int, str]] = {}
    for r in assignments.itertuples(index=False):
        if r.activity != "break":
            slot_queue.setdefault(r.agent_id, {})[_slot(sc, r.slot_start)] = r.activity
    per_shift_queue = not sc.config.queue_changes_in_shift
    for r in shifts.itertuples(index=False):
        a = sc.agent(r.agent_id)
        s, e = _slot(sc, r.start), _slot(sc, r.end)
        b = None if pd.isna(r.break_start) else _slot(sc, r.break_start)
        q = None
        if per_shift_queue and len(a.skills) > 1:
            q = next((slot_queue.get(r.agent_id, {}).get(t) for t in range(s, e) if t in slot_queue.get(r.agent_id, {})), None)
        keys.setdefault(r.agent_id, set()).add((s, e, b, q))
        spans.setdefault(r.agent_id, []).append((s, e, b))
    return Published(shifts, assignments, keys, slot_queue, spans)


def load_actuals(path: Path, sc: Scenario, now: datetime) -> pd.DataFrame:
    """actuals.csv: slot_start, queue, inquiries[, answered, abandoned, agents_online], before --now."""
    rows = read_csv_rows(Path(path), ["slot_start", "queue", "inquiries"], ["answered", "abandoned", "agents_online"])
    name = Path(path).name
    queues = {q.id for q in sc.config.queues}
    problems, out, seen = [], [], set()
    for i, r in rows:
        try:
            t = parse_timestamp(r["slot_start"])
        except ValueError as exc:
            problems.append(Problem(name, "slot_start", repr(r["slot_start"]), str(exc), i))
            continue
        if t >= now:
            problems.append(Problem(name, "slot_start", r["slot_start"], f"a slot before --now {now.isoformat()}", i))
            continue
        if not sc.config.horizon.start <= t < sc.config.horizon.end or (t - sc.config.horizon.start).total_seconds() % (sc.slot_minutes * 60):
            problems.append(Problem(name, "slot_start", r["slot_start"], f"a slot start of the plan's horizon ({sc.slot_minutes}-minute slots)", i))
            continue
        if r["queue"] not in queues:
            problems.append(Problem(name, "queue", repr(r["queue"]), f"one of {sorted(queues)}", i))
            continue
        if (t, r["queue"]) in seen:
            problems.append(Problem(name, "slot_start", r["slot_start"], "each slot once per queue", i))
            continue
        seen.add((t, r["queue"]))
        rec = {"slot_start": pd.Timestamp(t).tz_convert(sc.tz), "queue": r["queue"]}
        for fld in ("inquiries", "answered", "abandoned", "agents_online"):
            if r.get(fld, "") == "" and fld != "inquiries":
                rec[fld] = np.nan
                continue
            try:
                rec[fld] = parse_number(r.get(fld, ""), lo=0, hi=1e7)
            except ValueError as exc:
                problems.append(Problem(name, fld, repr(r.get(fld, "")), str(exc), i))
        out.append(rec)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(out)


def reforecast(sc: Scenario, forecast: pd.DataFrame, actuals: pd.DataFrame, now: datetime) -> tuple[pd.DataFrame, dict]:
    """Scale the rest of the forecast per queue by the shrunk ratio of actual to forecast so far.

    R = sum actual / sum forecast (p50) over the slots seen, leaving out the one-off midnight
    spike (the event's first hour); R-hat = 1 + w (R - 1), w = F / (F + kappa), clipped to
    [0.5, 3]; and R-hat = 1 when the difference is within Poisson noise (2 standard deviations),
    so rounding and noise never trigger changes.
    """
    fc = forecast.copy()
    ev = sc.config.event
    spike_end = ev.start + timedelta(hours=1) if ev is not None else None
    ratios = {}
    for q in sc.config.queues:
        seen = actuals[actuals.queue == q.id]
        if spike_end is not None:
            seen = seen[~((seen.slot_start >= ev.start) & (seen.slot_start < spike_end))]
        f = fc[(fc.queue == q.id) & fc.slot_start.isin(seen.slot_start)]
        f_cum, a_cum = float(f.p50.sum()), float(seen.inquiries.sum())
        r = a_cum / f_cum if f_cum > 0 else 1.0
        w = f_cum / (f_cum + KAPPA_INQUIRIES)
        r_hat = float(np.clip(1 + w * (r - 1), *RATIO_CLIP))
        noise = abs(a_cum - f_cum) <= 2 * math.sqrt(max(f_cum, 1.0))
        if noise:
            r_hat = 1.0
        ratios[q.id] = {"actual": a_cum, "forecast": f_cum, "ratio": round(r, 4), "weight": round(w, 4),
                        "applied": round(r_hat, 4), "within_noise": noise}
        future = (fc.queue == q.id) & (fc.slot_start >= now)
        for col in ("p50", "p80", "p90"):
            fc.loc[future, col] = fc.loc[future, col] * r_hat
    fc["reforecast_ratio"] = fc.queue.map(lambda q: ratios[q]["applied"])
    return fc, ratios


@dataclass
class Freeze:
    """Slots before `frozen_until` are fixed as published; `now_slot` splits started from not."""

    now_slot: int
    frozen_until: int
    absent: set[str]


def _option_filter(sc: Scenario, pub: Published, fz: Freeze):
    """Per agent, the shifts a supervisor can still ask for: the supervisor's actions, not a new plan.

    Shifts starting before the freeze end are the published ones (a started one may be
    extended past the notice window). After it, on a day with a published shift: that shift,
    longer or shorter (same start and break), or none (cancelled); on a day off: any shift (a
    new shift or a standby call-in). Moving a shift to another start on the same day is left
    out: it costs both the added and the removed hours and almost never pays, and leaving it
    out keeps the model small enough to re-solve in seconds.
    """
    from scheduler.rota.options import day_of_slot

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


def _fen(yuan: float) -> int:
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


def _change_rules(sc: Scenario, pub: Published, fz: Freeze):
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
                    prices.append(Price(_fen(cost), 0, [(x, 1)]))
            # a published future shift dropped without a replacement that day: cancelled
            for day, (s, e, _b) in pub_days.items():
                if s >= fz.frozen_until:
                    paid = sum(1 for t in pub_work if s <= t < e)
                    prices.append(Price(_fen(rp.cancel_yuan_per_hour * paid * slot_h), 1, [(x, -1) for o, x in xs if o.day == day]))
            # queue moves in slots after the freeze: working, but not on the published queue
            for t, q in pub_work.items():
                if t >= fz.frozen_until and (i, t, q) in m.queue_vars and t in working:
                    prices.append(Price(_fen(rp.queue_move_yuan), 0, [(x, 1) for x in working[t]] + [(m.queue_vars[(i, t, q)], -1)]))
            m.cost_terms["change_cost"] += [p.expr() for p in prices]
            per_agent[aid] = prices
        return per_agent

    return apply


# --- the absent agents' record ------------------------------------------------------------------
def absent_time_off(sc: Scenario, absent: set[str], now: datetime) -> list[TimeOff]:
    """The scenario's time off with each absent agent off from `now` to the horizon's end.

    An existing row of theirs that reaches past `now` merges into the new one (time_off.csv
    allows no overlapping rows of one agent).
    """
    end = sc.config.horizon.end
    out = []
    for off in sc.time_off:
        if off.agent_id in absent and off.end > now:
            continue
        out.append(off)
    for a in sorted(absent):
        starts = [off.start for off in sc.time_off if off.agent_id == a and off.end > now]
        out.append(TimeOff(agent_id=a, start=min([now, *starts]), end=end, reason=ABSENT_REASON))
    return out


def _worked_record(sc: Scenario, pub: Published, absent: set[str], now_slot: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The absent agents' shifts and assignments as worked: up to `now`, a started shift cut there.

    A cut shift keeps its break only as far as it was taken, and its paid hours, overtime and
    wage are those of the hours worked (RULES.md figures), so the checker can recompute them.
    """
    from scheduler.rota.options import shift_wage_fen, slot_time

    now_ts = slot_time(sc, now_slot)
    rows = []
    for r in pub.shifts[pub.shifts.agent_id.isin(absent)].itertuples(index=False):
        s, e = _slot(sc, r.start), _slot(sc, r.end)
        if s >= now_slot:
            continue
        row = r._asdict()
        if e > now_slot:
            a = sc.agent(r.agent_id)
            c = sc.contract(a.contract)
            b0 = None if pd.isna(r.break_start) else _slot(sc, r.break_start)
            b1 = None if pd.isna(r.break_end) else _slot(sc, r.break_end)
            if b0 is not None and b0 >= now_slot:
                b0 = b1 = None
            elif b1 is not None:
                b1 = min(b1, now_slot)
            brk = 0 if b0 is None else b1 - b0
            paid = (now_slot - s - brk) * sc.slot_minutes
            ot = max(0, paid - int(round(c.regular_hours_per_day * 60)))
            row.update({
                "end": now_ts, "paid_hours": paid / 60, "overtime_hours": ot / 60,
                "break_start": slot_time(sc, b0) if b0 is not None else None,
                "break_end": slot_time(sc, b1) if b1 is not None else None,
                "wage_yuan": shift_wage_fen(sc, a, c, s, paid, ot) / 100,
                "note": f"left at {now_ts:%m-%d %H:%M} (absent)",
            })
        rows.append(row)
    columns = list(pub.shifts.columns) + ([] if "note" in pub.shifts.columns else ["note"])
    shifts = pd.DataFrame(rows, columns=columns)
    asg = pub.assignments
    assignments = asg[asg.agent_id.isin(absent) & (asg.slot_start < now_ts)]
    return shifts, assignments


def _outside_staff(sc: Scenario, assignments: pd.DataFrame) -> dict[tuple[int, str], int]:
    """Agent-slots per (slot, queue) of a record kept outside the model."""
    work = assignments[assignments.activity != "break"]
    counts = work.groupby(["slot_start", "activity"]).size()
    return {(_slot(sc, t), q): int(n) for (t, q), n in counts.items()}


# --- the re-solve -------------------------------------------------------------------------------
@dataclass
class SolveInfo:
    """What each phase of the re-solve did (for summary.json and the benchmark)."""

    phases: list[dict]
    start_objective: float | None
    change_price: dict[str, float]
    solver_seconds: float


def _solver(limit: float, seed: int, workers: int, should_stop) -> cp_model.CpSolver:
    from scheduler.rota.solve import StopToken

    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.05, limit)
    s.parameters.random_seed = seed
    s.parameters.num_workers = workers
    s.parameters.catch_sigint_signal = False  # CP-SAT's own handler resets SIGINT to SIG_DFL after each solve: the CLI handles signals
    # light presolve: the model is mostly fixed by the frozen past and the published hint; a
    # full presolve ate the whole few-second budget on a loaded 2-core machine (measured)
    s.parameters.max_presolve_iterations = 1
    s.parameters.cp_model_probing_level = 0
    s.parameters.symmetry_level = 0
    if isinstance(should_stop, StopToken):
        should_stop.register(s)
    return s


def _found(status) -> bool:
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _published_start(m: RotaModel, pub: Published, seed: int, workers: int, limit: float, should_stop) -> tuple[list[int] | None, float, str]:
    """The published rota as a complete solution of the new model: "change nothing" first; when
    an absence breaks a whole-phase rule (the pre-sale ratio), the published shifts with the
    queues re-balanced at least cost (queue moves priced, so as few as pay)."""
    choice, queues = {}, {}
    for i, u in enumerate(m.units):
        keys = pub.keys.get(u.agent.agent_id, set())
        for o, x in zip(u.options, m.choice[i], strict=True):
            choice[x] = 1 if (o.start, o.end, o.break_start, o.queue) in keys else 0
    for (i, t, q), v in m.queue_vars.items():
        queues[v] = 1 if pub.slot_queue.get(m.units[i].agent.agent_id, {}).get(t) == q else 0
    t0 = time.perf_counter()
    m.model.clear_hints()
    for v, val in {**choice, **queues}.items():
        m.model.add_hint(v, val)
    s = _solver(limit, seed, workers, should_stop)
    s.parameters.fix_variables_to_their_hinted_value = True
    status = s.solve(m.model)
    m.model.clear_hints()
    if _found(status):
        return list(s.response_proto.solution), s.objective_value, "published rota"
    trial = m.model.clone()
    for x, val in choice.items():
        trial.add(trial.get_bool_var_from_proto_index(x.index) == val)
    for v, val in queues.items():
        trial.add_hint(trial.get_int_var_from_proto_index(v.index), val)
    s = _solver(max(0.3, limit - (time.perf_counter() - t0)), seed, workers, should_stop)
    status = s.solve(trial)
    if _found(status):
        return list(s.response_proto.solution), s.objective_value, "published shifts, queues re-balanced"
    return None, math.nan, "none within the time limit"


def _keep_only(m: RotaModel, pub: Published, values: list[int]) -> None:
    """Restrict every agent to the shifts it works in `values` or in the published rota."""
    for i, u in enumerate(m.units):
        keys = pub.keys.get(u.agent.agent_id, set())
        for o, x in zip(u.options, m.choice[i], strict=True):
            if not values[x.index] and (o.start, o.end, o.break_start, o.queue) not in keys:
                m.model.add(x == 0)


def _gather_queue_moves(m: RotaModel, pub: Published, fz: Freeze, values: list[int]) -> list[int]:
    """Give the queue moves of each slot to as few agents, in as long blocks, as possible.

    Only the number of agents on each queue in each slot counts in every cost and rule (lost
    inquiries, the pre-sale ratio, the per-slot move price), so which of the agents published on
    queue A makes a move A -> B is free. The solver picks them at random; here, slot by slot,
    the move goes to whoever made it the slot before, then to an agent already changed, then
    to the one whose published run on A lasts longest: the same cost, far fewer people told.
    """
    values = list(values)
    cur: dict[tuple[int, int], str] = {}
    for (i, t, q), v in m.queue_vars.items():
        if values[v.index] and t >= fz.frozen_until:
            cur[(i, t)] = q
    by_slot: dict[int, list[int]] = {}
    pubq: dict[tuple[int, int], str] = {}
    for i, t in cur:
        p = pub.slot_queue.get(m.units[i].agent.agent_id, {}).get(t)
        if p is not None and (i, t, p) in m.queue_vars:
            pubq[(i, t)] = p
            by_slot.setdefault(t, []).append(i)
    changed = {i for i, u in enumerate(m.units)
               if any(values[x.index] != ((o.start, o.end, o.break_start, o.queue) in pub.keys.get(u.agent.agent_id, set()))
                      for o, x in zip(u.options, m.choice[i], strict=True))}

    def run_length(i: int, t: int, q: str) -> int:
        n = 0
        while pubq.get((i, t + n)) == q:
            n += 1
        return n

    for t in sorted(by_slot):
        agents = sorted(by_slot[t])
        pairs = sorted({(pubq[(i, t)], cur[(i, t)]) for i in agents if pubq[(i, t)] != cur[(i, t)]})
        taken: set[int] = set()
        for a, b in pairs:
            pool = [i for i in agents if i not in taken and pubq[(i, t)] == a and cur[(i, t)] in (a, b) and (i, t, b) in m.queue_vars]
            k = sum(1 for i in pool if cur[(i, t)] == b)
            pool.sort(key=lambda i: (cur.get((i, t - 1)) != b or pubq.get((i, t - 1)) != a, i not in changed, -run_length(i, t, a), i))
            for n, i in enumerate(pool):
                cur[(i, t)] = b if n < k else a
                if n < k:
                    taken.add(i)
                    changed.add(i)
    for (i, t), q in cur.items():
        for q2 in m.units[i].agent.skills:
            v = m.queue_vars.get((i, t, q2))
            if v is not None:
                values[v.index] = int(q2 == q)
    return values


def solve_replan(
    sc_run: Scenario,
    demand: Demand,
    pub: Published,
    fz: Freeze,
    outside_staff: dict[tuple[int, str], int],
    constant_fen: int,
    time_limit: float,
    seed: int,
    workers: int,
    should_stop=None,
) -> tuple[RotaResult, SolveInfo]:
    """Re-solve in three phases, all within `time_limit` seconds of solver time.

    1. start: the published rota (absent agents gone) as a complete solution: "change nothing"
       is always on the table, and its cost is what every change is measured against;
    2. search: least cost (wages + lost inquiries + fairness + preferences + change prices)
       from that start;
    3. keep only changes that pay: each agent limited to its new or its published shifts, queues
       free, the same objective solved again, so a change (or a queue swap) whose saving does
       not cover its price is reverted: the search's noise at the time limit goes with it.
    Then the queue moves are gathered onto as few agents as possible at the same cost.
    """
    from scheduler.rota.solve import SolutionValues, diagnose, extract, hint_all, options_of

    t0 = time.perf_counter()
    keep = _option_filter(sc_run, pub, fz)
    per_agent = [o for o in options_of(sc_run) if o.agent.agent_id not in fz.absent]
    units = [Unit([o.agent], keep(o), o.available) for o in per_agent]
    m = build(sc_run, units, demand, aggregated=False, from_slot=fz.frozen_until, outside_staff=outside_staff)
    rules = _change_rules(sc_run, pub, fz)
    prices = rules(m)
    m.constant_fen += constant_fen
    m.model.minimize(sum(sum(v) for v in m.cost_terms.values()) + m.constant_fen)
    build_s = time.perf_counter() - t0
    phases: list[dict] = []
    budget_end = time.perf_counter() + time_limit

    def left() -> float:
        return budget_end - time.perf_counter()

    def record(name: str, t: float, status: str, objective: float | None, **more) -> None:
        phases.append({"phase": name, "status": status, "objective": None if objective is None else round(objective / 100, 2),
                       "seconds": round(time.perf_counter() - t, 2), **more})

    # 1. start from the published rota
    t = time.perf_counter()
    values, best_obj, how = _published_start(m, pub, seed, workers, left() * 0.5, should_stop)
    start_obj = None if values is None else best_obj
    record("start", t, how, start_obj)
    # 2. search
    t = time.perf_counter()
    if values is not None:
        hint_all(m, values)
    search = _solver(max(0.3, left() * 0.7), seed, workers, should_stop)
    status = search.solve(m.model)
    record("search", t, search.status_name(status), search.objective_value if _found(status) else None)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(diagnose(sc_run, units, demand, seed, workers, rules, from_slot=fz.frozen_until, outside_staff=outside_staff))
    bound = max(0.0, search.best_objective_bound) if _found(status) else 0.0
    if _found(status) and (values is None or search.objective_value <= best_obj):
        values, best_obj = list(search.response_proto.solution), search.objective_value
    if values is None:
        raise InfeasibleError([f"no rota found within the time limit of {time_limit:g} s and none proven impossible; raise --time-limit"])
    # 3. keep only the changes that pay
    if status != cp_model.OPTIMAL and not (should_stop and should_stop()):
        t = time.perf_counter()
        _keep_only(m, pub, values)
        hint_all(m, values)
        polish = _solver(max(0.5, left()), seed, workers, should_stop)
        p_status = polish.solve(m.model)
        record("keep changes that pay", t, polish.status_name(p_status), polish.objective_value if _found(p_status) else None)
        if _found(p_status) and polish.objective_value <= best_obj:
            values, best_obj = list(polish.response_proto.solution), polish.objective_value
    values = _gather_queue_moves(m, pub, fz, values)
    bound = min(best_obj, bound)
    gap = 0.0 if best_obj <= 0 else max(0.0, (best_obj - bound) / best_obj)
    shifts, assignments = extract(m, SolutionValues(values, best_obj))
    change_price = {aid: sum(p.value(values) for p in ps) / 100 for aid, ps in prices.items()}
    solver_s = round(sum(p["seconds"] for p in phases), 2)
    result = RotaResult(
        status="OPTIMAL" if gap < 1e-9 else "FEASIBLE",
        objective=round(best_obj / 100, 2),
        lower_bound=round(bound / 100, 2),
        gap=gap,
        solve_seconds=solver_s,
        shifts=shifts,
        assignments=assignments,
        stats={"shift_variables": sum(len(u.options) for u in units), "build_seconds": round(build_s, 2), "phases": phases},
        interrupted=bool(should_stop and should_stop()),
    )
    return result, SolveInfo(phases, None if start_obj is None else round(start_obj / 100, 2),
                             {a: v for a, v in change_price.items() if v}, solver_s)


# --- what changed, for the supervisor -----------------------------------------------------------
def _hm(ts: pd.Timestamp, day_start: pd.Timestamp | None = None) -> str:
    """HH:MM, with a shift ending at the next midnight written 24:00."""
    if day_start is not None and ts.normalize() > day_start.normalize() and ts.hour == 0 and ts.minute == 0:
        return "24:00"
    return f"{ts:%H:%M}"


def _runs(slot_queue: dict[pd.Timestamp, str], step: pd.Timedelta) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """Consecutive slots on one queue as (start, end, queue)."""
    out: list[list] = []
    for t in sorted(slot_queue):
        q = slot_queue[t]
        if out and out[-1][1] == t and out[-1][2] == q:
            out[-1][1] = t + step
        else:
            out.append([t, t + step, q])
    return [tuple(r) for r in out]  # type: ignore[misc]


def changes_table(
    sc: Scenario, pub: Published, new_shifts: pd.DataFrame, new_assign: pd.DataFrame, absent: set[str],
    now: datetime, prices: dict[str, float] | None = None,
) -> pd.DataFrame:
    """One row per changed agent from `now` on: what changed, before and after, and its price.

    Only the differing shifts and queue runs are listed, so each row reads as a message to one
    person ("11-11 14:00-18:00 presale -> aftersale").
    """
    step = pd.Timedelta(minutes=sc.slot_minutes)
    now_ts = pd.Timestamp(now).tz_convert(sc.tz)

    def future_shifts(df: pd.DataFrame, aid: str) -> dict[int, tuple]:
        rows = df[(df.agent_id == aid) & (df.end > now_ts)]
        return {(r.start.normalize() - sc.slots[0].normalize()).days: (r.start, r.end) for r in rows.itertuples()}

    def queues(df: pd.DataFrame, aid: str) -> dict:
        a = df[(df.agent_id == aid) & (df.activity != "break") & (df.slot_start >= now_ts)]
        return dict(zip(a.slot_start, a.activity, strict=True))

    def label(span: tuple, qs: dict) -> str:
        s, e = span
        inside = {t: q for t, q in qs.items() if s <= t < e}
        names = sorted(set(inside.values()))
        what = names[0] if len(names) == 1 else ", ".join(f"{q} {_hm(a)}-{_hm(b, a)}" for a, b, q in _runs(inside, step))
        return f"{s:%m-%d} {_hm(s)}-{_hm(e, s)}" + (f" {what}" if what else "")

    rows = []
    for aid in sorted(set(pub.shifts.agent_id) | set(new_shifts.agent_id) | absent):
        agent = sc.agent(aid)
        old, new = future_shifts(pub.shifts, aid), future_shifts(new_shifts, aid)
        qb, qa = queues(pub.assignments, aid), queues(new_assign, aid)
        kinds, before, after = [], [], []
        if aid in absent:
            kinds.append("absent")
            before += [label(old[d], qb) for d in sorted(old)]
            after.append("off from " + f"{now_ts:%m-%d %H:%M}")
            rows.append({"agent_id": aid, "agent_name": agent.name, "change": "absent", "before": "; ".join(before) or "off",
                         "after": after[0], "price_yuan": 0.0})
            continue
        for d in sorted(set(old) | set(new)):
            o, n = old.get(d), new.get(d)
            if o == n:
                continue
            if o is None:
                kinds.append("call-in" if agent.standby else "new shift")
            elif n is None:
                kinds.append("cancelled")
            elif o[0] == n[0] and n[1] > o[1]:
                kinds.append("extension")
            elif o[0] == n[0] and n[1] < o[1]:
                kinds.append("shortened")
            else:
                kinds.append("moved shift")
            before.append(label(o, qb) if o else "off")
            after.append(label(n, qa) if n else "off")
        kept = [new[d] for d in new if old.get(d) == new[d]]
        moved = {t: q for t, q in qa.items() if t in qb and qb[t] != q and any(s <= t < e for s, e in kept)}
        if moved:
            hours = len(moved) * sc.slot_minutes / 60
            kinds.append(f"queue move ({hours:g} h)")
            for a, b, q in _runs(moved, step):
                was = qb[a]
                before.append(f"{a:%m-%d} {_hm(a)}-{_hm(b, a)} {was}")
                after.append(f"{a:%m-%d} {_hm(a)}-{_hm(b, a)} {q}")
        if kinds:
            rows.append({"agent_id": aid, "agent_name": agent.name, "change": ", ".join(dict.fromkeys(kinds)),
                         "before": "; ".join(before), "after": "; ".join(after),
                         "price_yuan": round((prices or {}).get(aid, 0.0), 2)})
    return pd.DataFrame(rows, columns=["agent_id", "agent_name", "change", "before", "after", "price_yuan"])


def format_changes(plan: Plan) -> str:
    """The change list as a short message a supervisor can send to the team."""
    r = plan.summary["replan"]
    ch = plan.changes if plan.changes is not None else pd.DataFrame()
    now = pd.Timestamp(r["now"])
    head = (f"Rota changes from {now:%m-%d %H:%M} (published rota kept until {pd.Timestamp(r['frozen_until']):%H:%M}): "
            + (f"{len(ch)} agent{'s' * (len(ch) != 1)}" if len(ch) else "none"))
    lines = [head]
    for row in ch.itertuples(index=False):
        lines.append(f"  {row.agent_id} {row.agent_name}: {row.change}: {row.before} -> {row.after}")
    return "\n".join(lines)


def imbalance_table(sc: Scenario, old_fc: pd.DataFrame, new_fc: pd.DataFrame, staffing_new: pd.DataFrame, assignments: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Per slot and queue from now on: planned vs new forecast, scheduled, newly required, the gap,
    and the expected lost inquiries if nothing changes (absent agents already gone)."""
    cov = coverage_table(sc, new_fc, staffing_new, assignments)
    q = sc.config.solver.staffing_quantile
    old = old_fc.set_index(["slot_start", "queue"])[q]
    cov = cov[cov.slot_start >= now].copy()
    cov["planned_forecast"] = [float(old.loc[(t, qq)]) for t, qq in zip(cov.slot_start, cov.queue, strict=True)]
    cov["new_forecast"] = cov.planned_demand
    cov["newly_required"] = cov.required
    cov["gap_agents"] = cov.required - cov.scheduled
    cov["lost_if_unchanged"] = cov.expected_lost_inquiries
    return cov[["slot_start", "queue", "planned_forecast", "new_forecast", "scheduled", "newly_required", "gap_agents", "lost_if_unchanged"]]


def _unchanged_rota(pub: Published, absent: set[str], worked: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published rota with the absent agents cut at `now`: what happens if nobody acts."""
    shifts = pd.concat([pub.shifts[~pub.shifts.agent_id.isin(absent)], worked[0]], ignore_index=True)
    assignments = pd.concat([pub.assignments[~pub.assignments.agent_id.isin(absent)], worked[1]], ignore_index=True)
    return shifts, assignments


def replan(
    folder: Path | str,
    actuals: Path | str | pd.DataFrame,
    now: datetime | str,
    absent: list[str] | None = None,
    notice_hours: float | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    should_stop=None,
) -> Plan:
    """Re-solve a published plan folder from the actuals before `now`; returns the new Plan.

    `time_limit` (default 5 s) bounds the solver's time over all phases; loading, the
    reforecast and building the model come on top.

    >>> # p = replan("plan", "actuals.csv", "2026-11-11T12:00:00+08:00", absent=["F012"])
    """
    from scheduler.staffing import staffing

    folder = Path(folder)
    if not (folder / "scenario" / "scenario.yaml").exists():
        raise InputError([Problem(str(folder), "DIR", "no scenario/ copy in the folder", "a plan folder written by `scheduler plan`")])
    sc = load_scenario(folder / "scenario")
    if isinstance(now, str):
        try:
            now = parse_timestamp(now)
        except ValueError as exc:
            raise InputError([Problem("command line", "--now", repr(now), str(exc))]) from None
    if not sc.config.horizon.start < now < sc.config.horizon.end:
        raise InputError([Problem("command line", "--now", now.isoformat(), "a time inside the plan's horizon, after its start")])
    absent_set = set(absent or [])
    unknown = sorted(a for a in absent_set if a not in sc.agents_by_id)
    if unknown:
        raise InputError([Problem("command line", "--absent", ", ".join(unknown), "agent ids from agents.csv")])
    # agents marked absent by an earlier replan of this rota stay out
    absent_set |= {off.agent_id for off in sc.time_off if off.reason == ABSENT_REASON and off.start <= now}
    act = actuals if isinstance(actuals, pd.DataFrame) else load_actuals(Path(actuals), sc, now)
    old_fc = read_plan_csv(folder / "forecast.csv", sc, ["slot_start", "queue", "p50", "p80", "p90"], ["slot_start"])
    pub = load_published(folder, sc)
    new_fc, ratios = reforecast(sc, old_fc, act, now)
    st = staffing(sc, new_fc)

    slot = sc.slot_minutes
    now_slot = math.ceil((now - sc.config.horizon.start).total_seconds() / 60 / slot - 1e-9)
    notice = sc.config.replan.notice_hours if notice_hours is None else notice_hours
    frozen_until = min(sc.n_slots, now_slot + math.ceil(notice * 60 / slot - 1e-9))
    fz = Freeze(now_slot=now_slot, frozen_until=frozen_until, absent=absent_set)
    worked = _worked_record(sc, pub, absent_set, now_slot)
    unchanged = _unchanged_rota(pub, absent_set, worked)
    imbalance = imbalance_table(sc, old_fc, new_fc, st, unchanged[1], now)

    # absent agents are off from now on; their worked past is kept outside the model
    sc_run = sc.model_copy(update={"time_off": absent_time_off(sc, absent_set, now)})
    sc_run.__dict__.pop("agents_by_id", None)
    outside = _outside_staff(sc, worked[1])
    demand = priced_demand(sc_run, st)
    for key, n in outside.items():  # the lost inquiries of slots they worked count their work
        curve = demand.loss_fen.get(key)
        if curve is not None and n:
            demand.loss_fen[key] = np.concatenate([curve[n:], np.full(min(n, len(curve)), curve[-1])])[: len(curve)]
    worked_wage = int(round(float(worked[0].wage_yuan.sum()) * 100)) if len(worked[0]) else 0
    cfg = sc.config.solver
    rota, info = solve_replan(
        sc_run, demand, pub, fz, outside, worked_wage,
        time_limit=time_limit if time_limit is not None else 5.0,
        seed=cfg.seed if seed is None else seed, workers=cfg.workers, should_stop=should_stop,
    )
    if absent_set:
        shifts = pd.concat([rota.shifts, worked[0]], ignore_index=True).sort_values(["start", "agent_id"], kind="stable")
        for c in ("start", "end"):  # one time type per column, whichever table a row came from
            shifts[c] = pd.to_datetime(shifts[c], utc=True).dt.tz_convert(sc.tz)
        for c in ("break_start", "break_end"):  # no break: an empty cell, as the plan writes it
            shifts[c] = shifts[c].astype(object).where(shifts[c].notna(), None)
        rota.shifts = shifts.reset_index(drop=True)
        asg = pd.concat([rota.assignments, worked[1]], ignore_index=True)
        asg["slot_start"] = pd.to_datetime(asg.slot_start, utc=True).dt.tz_convert(sc.tz)
        rota.assignments = asg
    changes = changes_table(sc, pub, rota.shifts, rota.assignments, absent_set, now, info.change_price)
    cov = coverage_table(sc_run, new_fc, st, rota.assignments)
    cov_unchanged = coverage_table(sc_run, new_fc, st, unchanged[1])
    summary = summarise(sc_run, rota, cov, {}, seed, time_limit if time_limit is not None else 5.0)

    def money(shifts: pd.DataFrame, c: pd.DataFrame) -> dict:
        wage, lost = float(shifts.wage_yuan.sum()), float(c.lost_value_yuan.sum())
        return {"wage_cost": round(wage, 2), "lost_inquiry_value": round(lost, 2), "total": round(wage + lost, 2)}

    summary["replan"] = {
        "now": pd.Timestamp(now).isoformat(), "notice_hours": notice,
        "frozen_until": pd.Timestamp(sc.slots[frozen_until - 1] + pd.Timedelta(minutes=slot)).isoformat() if frozen_until else pd.Timestamp(now).isoformat(),
        "absent": sorted(absent_set), "ratios": ratios,
        "changed_agents": int((changes.change != "absent").sum()) if len(changes) else 0,
        "change_price_yuan": round(sum(info.change_price.values()), 2),
        "if_unchanged": money(unchanged[0], cov_unchanged),
        "after": money(rota.shifts, cov),
        "solver_seconds": info.solver_seconds,
        "phases": info.phases,
        "published_objective_under_new_forecast": info.start_objective,
    }
    return Plan(scenario=sc_run, forecast=new_fc, staffing=st, rota=rota, coverage=cov, summary=summary, sizing={}, changes=changes,
                imbalance=imbalance)
