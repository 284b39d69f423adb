"""Replan mid-event: reforecast from actuals, report the imbalance, re-solve changing little.

The published rota stays the reference: the worked past and the notice window are frozen,
started shifts may be extended but never cancelled, and every other change is priced
(scenario.replan), so a change happens only when it pays for itself in lost inquiries saved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.pipeline import Plan, coverage_table, priced_demand, summarise
from scheduler.rota import RotaModel, solve_rota
from scheduler.rota.options import AgentOptions, ShiftOption
from scheduler.scenario import Scenario, TimeOff, _number, _read_csv_rows, load_scenario, parse_timestamp

KAPPA_INQUIRIES = 200.0
"""Shrinkage of the early ratio: w = F_cum / (F_cum + kappa) (DOMAIN.md, intraday reforecast)."""
RATIO_CLIP = (0.5, 3.0)


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
        df[c] = pd.Series(parsed, index=df.index, dtype=f"datetime64[ns, {sc.config.timezone}]")
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
    rows = _read_csv_rows(Path(path), ["slot_start", "queue", "inquiries"], ["answered", "abandoned", "agents_online"])
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
                rec[fld] = _number(r.get(fld, ""), lo=0, hi=1e7)
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
    """Per agent: published shifts starting before the freeze end (started ones may grow), free after."""

    def keep(ao: AgentOptions) -> list[ShiftOption]:
        aid = ao.agent.agent_id
        if aid in fz.absent:
            return []
        mine = pub.keys.get(aid, set())
        started = [(s, e, b) for s, e, b in pub.spans.get(aid, []) if s < fz.now_slot]
        out = []
        for o in ao.options:
            key = (o.start, o.end, o.break_start, o.queue)
            if o.start >= fz.frozen_until:
                out.append(o)
            elif key in mine:
                out.append(o)
            elif any(o.start == s and o.break_start == b and o.end > e and e > fz.now_slot for s, e, b in started):
                if o.queue is None or any(k[3] == o.queue for k in mine if k[0] == o.start):
                    out.append(o)  # extension of a shift in progress
        return out

    return keep


def _freeze_rules(sc: Scenario, pub: Published, fz: Freeze):
    """Extra rules for the per-agent model: keep frozen shifts and queues; price every change."""
    rp = sc.config.replan
    slot_h = sc.slot_minutes / 60

    def fen(yuan: float) -> int:
        return int(round(yuan * 100))

    def apply(m: RotaModel) -> None:
        for i, u in enumerate(m.units):
            aid = u.agent.agent_id
            if aid in fz.absent:
                continue
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
                    m.model.add(sum(variants) == 1) if variants else None
            # queues of the frozen slots stay as published
            for t, q in pub.slot_queue.get(aid, {}).items():
                if t < fz.frozen_until and (i, t, q) in m.queue_vars:
                    m.model.add(m.queue_vars[(i, t, q)] == 1)
            # every change after the freeze, priced
            pub_work = pub.slot_queue.get(aid, {})
            for o, x in xs:
                key = (o.start, o.end, o.break_start, o.queue)
                if key in pub.keys.get(aid, set()):
                    continue
                base = pub_days.get(o.day)
                work = set(o.working_slots())
                if base is None:
                    cost = rp.new_shift_yuan + (rp.call_in_yuan if u.agent.standby else 0.0)
                else:
                    added = len([t for t in work if t not in pub_work])
                    removed = len([t for t in pub_work if base[0] <= t < base[1] and t not in work and t >= fz.frozen_until])
                    cost = rp.extension_yuan_per_hour * added * slot_h + rp.cancel_yuan_per_hour * removed * slot_h
                if cost > 0:
                    m.cost_terms["change_cost"].append(fen(cost) * x)
            # a published future shift dropped without a replacement that day: cancelled
            for day, (s, e, _b) in pub_days.items():
                if s >= fz.frozen_until:
                    same_day = [x for o, x in xs if o.day == day]
                    paid = sum(1 for t in pub_work if s <= t < e)
                    m.cost_terms["change_cost"].append(fen(rp.cancel_yuan_per_hour * paid * slot_h) * (1 - sum(same_day)))
            # queue moves in slots after the freeze
            for t, q in pub_work.items():
                if t >= fz.frozen_until and (i, t, q) in m.queue_vars:
                    w = m.work[i].get(t)
                    if w is not None:
                        m.cost_terms["change_cost"].append(fen(rp.queue_move_yuan) * (w - m.queue_vars[(i, t, q)]))

    return apply


def changes_table(sc: Scenario, pub: Published, new_shifts: pd.DataFrame, new_assign: pd.DataFrame, absent: set[str]) -> pd.DataFrame:
    """One row per changed agent: what changed, before and after (a list a supervisor can send)."""
    def describe(shifts: pd.DataFrame, aid: str) -> str:
        rows = shifts[shifts.agent_id == aid]
        return "; ".join(f"{r.start:%m-%d %H:%M}-{r.end:%H:%M}" for r in rows.itertuples()) or "off"

    def queues(assign: pd.DataFrame, aid: str) -> dict:
        a = assign[(assign.agent_id == aid) & (assign.activity != "break")]
        return dict(zip(a.slot_start, a.activity, strict=True))

    rows = []
    for aid in sorted(set(pub.shifts.agent_id) | set(new_shifts.agent_id) | absent):
        before, after = describe(pub.shifts, aid), describe(new_shifts, aid)
        qb, qa = queues(pub.assignments, aid), queues(new_assign, aid)
        kinds = []
        if aid in absent:
            kinds.append("absent")
        if before != after:
            old = pub.shifts[pub.shifts.agent_id == aid]
            new = new_shifts[new_shifts.agent_id == aid]
            agent = sc.agent(aid)
            if old.empty:
                kinds.append("call-in" if agent.standby else "new shift")
            elif new.empty or len(new) < len(old):
                kinds.append("cancelled")
            elif set(new.start) == set(old.start):
                kinds.append("extension" if new.end.max() > old.end.max() else "shortened")
            else:
                kinds.append("moved shift")
        moved = [t for t, q in qa.items() if t in qb and qb[t] != q]
        if moved:
            kinds.append(f"queue move ({len(moved)} slots)")
        if kinds:
            rows.append({"agent_id": aid, "change": ", ".join(kinds), "before": before, "after": after})
    return pd.DataFrame(rows, columns=["agent_id", "change", "before", "after"])


def imbalance_table(sc: Scenario, old_fc: pd.DataFrame, new_fc: pd.DataFrame, staffing_new: pd.DataFrame, pub: Published, now: datetime) -> pd.DataFrame:
    """Per slot and queue from now on: planned vs new forecast, scheduled, newly required, the gap,
    and the expected lost inquiries if nothing changes."""
    cov = coverage_table(sc, new_fc, staffing_new, pub.assignments)
    q = sc.config.solver.staffing_quantile
    old = old_fc.set_index(["slot_start", "queue"])[q]
    cov = cov[cov.slot_start >= now].copy()
    cov["planned_forecast"] = [float(old.loc[(t, qq)]) for t, qq in zip(cov.slot_start, cov.queue, strict=True)]
    cov["new_forecast"] = cov.planned_demand
    cov["newly_required"] = cov.required
    cov["gap_agents"] = cov.required - cov.scheduled
    cov["lost_if_unchanged"] = cov.expected_lost_inquiries
    return cov[["slot_start", "queue", "planned_forecast", "new_forecast", "scheduled", "newly_required", "gap_agents", "lost_if_unchanged"]]


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

    >>> # p = replan("plan", "actuals.csv", "2026-11-11T12:00:00+08:00", absent=["F012"])
    """
    folder = Path(folder)
    if not (folder / "scenario" / "scenario.yaml").exists():
        raise InputError([Problem(str(folder), "DIR", "no scenario/ copy in the folder", "a plan folder written by `scheduler plan`")])
    sc = load_scenario(folder / "scenario")
    if isinstance(now, str):
        try:
            now = parse_timestamp(now)
        except ValueError as exc:
            raise InputError([Problem("command line", "--now", repr(now), str(exc))]) from None
    if not sc.config.horizon.start <= now < sc.config.horizon.end:
        raise InputError([Problem("command line", "--now", now.isoformat(), "a time inside the plan's horizon")])
    absent_set = set(absent or [])
    unknown = sorted(a for a in absent_set if a not in sc.agents_by_id)
    if unknown:
        raise InputError([Problem("command line", "--absent", ", ".join(unknown), "agent ids from agents.csv")])
    act = actuals if isinstance(actuals, pd.DataFrame) else load_actuals(Path(actuals), sc, now)
    from scheduler.staffing import staffing

    old_fc = read_plan_csv(folder / "forecast.csv", sc, ["slot_start", "queue", "p50", "p80", "p90"], ["slot_start"])
    pub = load_published(folder, sc)
    new_fc, ratios = reforecast(sc, old_fc, act, now)
    st = staffing(sc, new_fc)
    imbalance = imbalance_table(sc, old_fc, new_fc, st, pub, now)

    slot = sc.slot_minutes
    now_slot = math.ceil((now - sc.config.horizon.start).total_seconds() / 60 / slot - 1e-9)
    notice = sc.config.replan.notice_hours if notice_hours is None else notice_hours
    frozen_until = min(sc.n_slots, now_slot + math.ceil(notice * 60 / slot - 1e-9))
    fz = Freeze(now_slot=now_slot, frozen_until=frozen_until, absent=absent_set)
    # absent agents are off from now on; their worked past is kept below as it was
    sc_run = sc.model_copy(update={"time_off": sc.time_off + [
        TimeOff(agent_id=a, start=now, end=sc.config.horizon.end, reason="absent (replan)") for a in sorted(absent_set)]})
    sc_run.__dict__.pop("agents_by_id", None)
    rota = solve_rota(
        sc_run, priced_demand(sc_run, st), time_limit=time_limit if time_limit is not None else 5.0, seed=seed,
        should_stop=should_stop, extra=_freeze_rules(sc_run, pub, fz),
        hint={a: (pub.keys.get(a, set()), pub.slot_queue.get(a, {})) for a in pub.keys},
        option_filter=_option_filter(sc_run, pub, fz), from_slot=frozen_until,
    )
    # the absent agents' worked past (before now) stays in the record
    if absent_set:
        past = pub.assignments[pub.assignments.agent_id.isin(absent_set) & (pub.assignments.slot_start < now)]
        rota.assignments = pd.concat([rota.assignments, past], ignore_index=True)
        started = pub.shifts[pub.shifts.agent_id.isin(absent_set) & (pub.shifts.start < now)].copy()
        if len(started):
            started["end"] = started["end"].where(started["end"] <= now, pd.Timestamp(now).tz_convert(sc.tz))
            started["note"] = "absent from " + pd.Timestamp(now).isoformat()
            rota.shifts = pd.concat([rota.shifts, started], ignore_index=True)
    changes = changes_table(sc, pub, rota.shifts, rota.assignments, absent_set)
    cov = coverage_table(sc, new_fc, st, rota.assignments)
    summary = summarise(sc, rota, cov, {}, seed, time_limit)
    summary.update({
        "replan": {
            "now": now.isoformat(), "notice_hours": notice, "absent": sorted(absent_set), "ratios": ratios,
            "changed_agents": len(changes), "cost_if_unchanged_lost_value": round(float(imbalance.lost_if_unchanged.sum()) * sc.config.economics.inquiry_value, 2),
        },
    })
    result = Plan(scenario=sc, forecast=new_fc, staffing=st, rota=rota, coverage=cov, summary=summary, sizing={}, changes=changes)
    result.imbalance = imbalance  # type: ignore[attr-defined]
    return result
