"""The published plan and the actuals, read from a plan folder and actuals.csv."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.cells import unneutralise_frame
from scheduler.errors import InputError, Problem
from scheduler.scenario import Scenario, parse_number, parse_timestamp, read_csv_rows, read_text


@dataclass
class Published:
    """The published rota, per agent: its shifts and the queue of each working slot."""

    shifts: pd.DataFrame
    assignments: pd.DataFrame
    keys: dict[str, set]  # agent -> {(start, end, break_start, queue or None)}
    slot_queue: dict[str, dict[int, str]]  # agent -> {slot: queue}
    spans: dict[str, list[tuple[int, int, int | None]]]  # agent -> [(start, end, break_start)]


def slot_of(sc: Scenario, t: datetime) -> int:
    return int(round((t - sc.config.horizon.start).total_seconds() / 60 / sc.slot_minutes))


def read_plan_csv(path: Path, sc: Scenario, columns: list[str], times: list[str]) -> pd.DataFrame:
    """A CSV of a plan folder, its time columns parsed (ISO 8601 with offset) to the scenario's zone."""
    import io


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
            slot_queue.setdefault(r.agent_id, {})[slot_of(sc, r.slot_start)] = r.activity
    per_shift_queue = not sc.config.queue_changes_in_shift
    for r in shifts.itertuples(index=False):
        a = sc.agent(r.agent_id)
        s, e = slot_of(sc, r.start), slot_of(sc, r.end)
        b = None if pd.isna(r.break_start) else slot_of(sc, r.break_start)
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
