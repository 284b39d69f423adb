"""The scenario's CSV tables: history, agents, time off and preferences, checked row by row.

Every problem names file, row, field, what was found and what is allowed; all problems of a
file are reported together.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from scheduler.cells import starts_like_formula
from scheduler.errors import InputError, Problem
from scheduler.scenario.config_file import read_text
from scheduler.scenario.schema import (
    MAX_YEAR,
    MIN_YEAR,
    Agent,
    PreferenceRow,
    ScenarioConfig,
    TimeOff,
    parse_daily_windows,
)

MAX_ROWS = 1_000_000
"""Rows of a scenario table unless its loader says otherwise: ten years of 15-minute slots of
three queues, far beyond any shop's export. A bigger file is refused as soon as the row past the
limit is read (exit 2), not loaded: a 6-million-row history.csv took 5 GiB of memory to load."""
MAX_AGENTS = 20_000
"""Agents in agents.csv: 20 times the largest team measured (1,000 agents, benchmarks/RESULTS.md)."""
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` one at a time, ends kept, as a file opened with newline='' gives them,
    without the copy of the whole text io.StringIO would make (four bytes a character)."""
    return (m.group() for m in _LINE.finditer(text))


def _records(text: str, label: str, max_rows: int) -> Iterator[list[str]]:
    """The CSV records of `text`, the header first; refused past `max_rows` data rows."""
    n = 0
    try:
        for r in csv.reader(_lines(text), strict=True):
            n += 1
            if n > max_rows + 1:
                raise InputError([Problem(label, "(rows)", f"more than {max_rows:,} rows",
                                          f"at most {max_rows:,} rows (split the file, or keep its recent part)")])
            yield r
    except csv.Error as exc:  # the row is the record being read, as a spreadsheet would number it
        raise InputError(
            [Problem(label, "(CSV syntax)", str(exc), "well-formed CSV (check unterminated quotes)", n + 1)]
        ) from None


def read_csv_rows(
    path: Path, required: list[str], optional: list[str], max_rows: int | None = None
) -> list[tuple[int, dict[str, str]]]:
    """Rows as (spreadsheet row number, {column: text}), after checking the header; a file of
    more than `max_rows` rows (default MAX_ROWS) is refused without being read further."""
    label = path.name
    text = read_text(path, label)
    if not text.strip():
        raise InputError([Problem(label, "(file)", "an empty file", f"a header row with {', '.join(required)}")])
    records = _records(text, label, MAX_ROWS if max_rows is None else max_rows)
    header = [h.strip() for h in next(records)]
    problems = []
    if not any(header):
        raise InputError(
            [Problem(label, "(header)", "an empty first row", f"a header row with {', '.join(required)}", 1)]
        )
    missing = [c for c in required if c not in header]
    extra = [c for c in header if c and c not in required + optional]
    for k, c in enumerate(header, start=1):
        if not c:
            problems.append(Problem(label, f"(column {k})", "a column with no name", f"columns {required + optional}", 1))
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if missing:
        problems.append(Problem(label, ", ".join(missing), "column missing", f"columns {required + optional}", 1))
    if extra:
        problems.append(Problem(label, ", ".join(extra), "unknown column", f"columns {required + optional}", 1))
    if dupes:
        problems.append(Problem(label, ", ".join(dupes), "repeated column", "each column once", 1))
    if problems:
        raise InputError(problems)
    out = []
    for i, r in enumerate(records, start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != len(header):
            problems.append(
                Problem(label, "(row)", f"{len(r)} cells", f"{len(header)} cells, one per column", i)
            )
            continue
        out.append((i, {h: c.strip() for h, c in zip(header, r, strict=True)}))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError([Problem(label, "(rows)", "a header and no data rows", "at least one data row")])
    return out


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 with a UTC offset; a naive time is refused (which time zone would it be?)."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("an ISO 8601 time with offset, e.g. 2026-11-11T00:00:00+08:00") from None
    if t.tzinfo is None:
        raise ValueError("a UTC offset, e.g. 2026-11-11T00:00:00+08:00 (this time has none)")
    if not MIN_YEAR <= t.year <= MAX_YEAR:
        raise ValueError(f"a year from {MIN_YEAR} to {MAX_YEAR}")
    return t


_BOOL = {"true": True, "1": True, "yes": True, "y": True, "是": True,
         "false": False, "0": False, "no": False, "n": False, "否": False, "": False}
def parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key not in _BOOL:
        raise ValueError("true/false (also 1/0, yes/no, 是/否)")
    return _BOOL[key]


def parse_number(text: str, *, integer: bool = False, lo: float = 0.0, hi: float = 1e9) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"a number from {lo:g} to {hi:g}") from None
    if not math.isfinite(v) or v < lo or v > hi or (integer and v != int(v)):
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{kind} from {lo:g} to {hi:g}")
    return v


def load_history(path: Path, config: ScenarioConfig) -> pd.DataFrame:
    """history.csv: slot_start, queue, inquiries (hourly or finer, one row per slot and queue)."""
    rows = read_csv_rows(path, ["slot_start", "queue", "inquiries"], [])
    queues = {q.id for q in config.queues}
    problems: list[Problem] = []
    starts, qs, counts = [], [], []
    seen: set[tuple[datetime, str]] = set()
    for i, r in rows:
        try:
            t = parse_timestamp(r["slot_start"])
        except ValueError as exc:
            problems.append(Problem(path.name, "slot_start", repr(r["slot_start"]), str(exc), i))
            continue
        if r["queue"] not in queues:
            problems.append(Problem(path.name, "queue", repr(r["queue"]), f"one of {sorted(queues)}", i))
            continue
        try:
            n = parse_number(r["inquiries"], lo=0, hi=1e7)
        except ValueError as exc:
            problems.append(Problem(path.name, "inquiries", repr(r["inquiries"]), str(exc), i))
            continue
        if (t, r["queue"]) in seen:
            problems.append(Problem(path.name, "slot_start", f"{r['slot_start']} again for {r['queue']}", "each slot once per queue", i))
            continue
        seen.add((t, r["queue"]))
        starts.append(t)
        qs.append(r["queue"])
        counts.append(n)
        if len(problems) > 200:
            break
    if problems:
        raise InputError(problems)
    tz = ZoneInfo(config.timezone)
    df = pd.DataFrame(
        {"slot_start": pd.to_datetime(starts, utc=True).tz_convert(tz), "queue": qs, "inquiries": counts}
    )
    return df.sort_values(["queue", "slot_start"], kind="stable").reset_index(drop=True)


def load_agents(path: Path, config: ScenarioConfig) -> list[Agent]:
    """agents.csv: agent_id, name, contract, core, skills, availability, standby[, hourly_wage_yuan,
    pool, hire_cost_yuan] (the last two name the hiring pool of an agent hired for this plan and
    its one-off cost: a plan folder's copy of the scenario lists its hires so)."""
    rows = read_csv_rows(
        path, ["agent_id", "name", "contract", "core", "skills", "availability", "standby"],
        ["hourly_wage_yuan", "pool", "hire_cost_yuan"],
        max_rows=MAX_AGENTS,
    )
    queues = {q.id for q in config.queues}
    problems: list[Problem] = []
    agents: list[Agent] = []
    seen: set[str] = set()

    def bad(i: int, fld: str, found: str, allowed: str) -> None:
        problems.append(Problem(path.name, fld, repr(found), allowed, i))

    for i, r in rows:
        n_before = len(problems)
        aid = r["agent_id"]
        if not re.fullmatch(r"[A-Za-z0-9_\-\.]{1,40}", aid) or starts_like_formula(aid):
            bad(i, "agent_id", aid, "1-40 letters, digits, _ - ., not beginning with - (a spreadsheet would take it for a formula)")
        elif aid in seen:
            bad(i, "agent_id", aid, "a unique id (this one is already used above)")
        seen.add(aid)
        if r["contract"] not in config.contracts:
            bad(i, "contract", r["contract"], f"one of {sorted(config.contracts)}")
        skills = tuple(s.strip() for s in r["skills"].split(";") if s.strip())
        unknown = [s for s in skills if s not in queues]
        if not skills or unknown:
            bad(i, "skills", r["skills"], f"queue ids separated by ';' from {sorted(queues)}")
        flags = {}
        for fld in ("core", "standby"):
            try:
                flags[fld] = parse_bool(r[fld])
            except ValueError as exc:
                bad(i, fld, r[fld], str(exc))
        try:
            avail = parse_daily_windows(r["availability"])
        except ValueError as exc:
            bad(i, "availability", r["availability"], str(exc))
        wage = None
        if r.get("hourly_wage_yuan"):
            try:
                wage = parse_number(r["hourly_wage_yuan"], lo=0, hi=10000)
            except ValueError as exc:
                bad(i, "hourly_wage_yuan", r["hourly_wage_yuan"], str(exc))
        pool = r.get("pool") or None
        if pool is not None and not re.fullmatch(r"[A-Za-z0-9_]{1,30}", pool):
            bad(i, "pool", pool, "a hiring pool id: 1-30 letters, digits or _ (empty for the team)")
        hire_cost = 0.0
        if r.get("hire_cost_yuan"):
            try:
                hire_cost = parse_number(r["hire_cost_yuan"], lo=0, hi=1e9)
            except ValueError as exc:
                bad(i, "hire_cost_yuan", r["hire_cost_yuan"], str(exc))
        if len(problems) == n_before:
            agents.append(
                Agent(
                    agent_id=aid,
                    name=r["name"] or aid,
                    contract=r["contract"],
                    core=flags["core"],
                    skills=skills,
                    availability=avail,
                    standby=flags["standby"],
                    hourly_wage_yuan=wage,
                    pool=pool,
                    hire_cost_yuan=hire_cost,
                )
            )
    if problems:
        raise InputError(problems)
    return agents


def _load_windows_table(
    path: Path, agents: dict[str, Agent], config: ScenarioConfig, extra: list[str], optional: list[str]
) -> list[tuple[int, dict[str, Any]]]:
    """Shared reader of time_off.csv and preferences.csv: agent_id, start, end, ..."""
    rows = read_csv_rows(path, ["agent_id", "start", "end", *extra], optional)
    problems: list[Problem] = []
    out = []
    h = config.horizon
    for i, r in rows:
        n_before = len(problems)
        if r["agent_id"] not in agents:
            problems.append(Problem(path.name, "agent_id", repr(r["agent_id"]), "an agent_id from agents.csv", i))
        times = {}
        for fld in ("start", "end"):
            try:
                times[fld] = parse_timestamp(r[fld])
            except ValueError as exc:
                problems.append(Problem(path.name, fld, repr(r[fld]), str(exc), i))
        if len(times) == 2:
            if times["end"] <= times["start"]:
                problems.append(Problem(path.name, "end", r["end"], f"a time after start {r['start']}", i))
            elif times["end"] <= h.start or times["start"] >= h.end:
                problems.append(
                    Problem(path.name, "start", r["start"], f"a window overlapping the horizon {h.start.isoformat()} .. {h.end.isoformat()}", i)
                )
        if len(problems) == n_before:
            out.append((i, {**r, **times}))
    if problems:
        raise InputError(problems)
    return out


def load_time_off(path: Path, agents: dict[str, Agent], config: ScenarioConfig) -> list[TimeOff]:
    rows = _load_windows_table(path, agents, config, [], ["reason"])
    items = [TimeOff(agent_id=r["agent_id"], start=r["start"], end=r["end"], reason=r.get("reason", "")) for _, r in rows]
    by_agent: dict[str, list[tuple[int, TimeOff]]] = {}
    for (i, _), t in zip(rows, items, strict=True):
        by_agent.setdefault(t.agent_id, []).append((i, t))
    problems = []
    for lst in by_agent.values():
        lst.sort(key=lambda x: x[1].start)
        for (_, a), (j, b) in zip(lst, lst[1:], strict=False):
            if b.start < a.end:
                problems.append(Problem(path.name, "start", b.start.isoformat(), "time off that does not overlap another row of the same agent", j))
    if problems:
        raise InputError(problems)
    return items


def load_preferences(path: Path, agents: dict[str, Agent], config: ScenarioConfig) -> list[PreferenceRow]:
    rows = _load_windows_table(path, agents, config, ["kind"], ["price_yuan_per_hour"])
    problems, out = [], []
    for i, r in rows:
        if r["kind"] not in ("request", "refuse"):
            problems.append(Problem(path.name, "kind", repr(r["kind"]), "request or refuse", i))
            continue
        price = None
        if r.get("price_yuan_per_hour"):
            try:
                price = parse_number(r["price_yuan_per_hour"], lo=0, hi=100000)
            except ValueError as exc:
                problems.append(Problem(path.name, "price_yuan_per_hour", repr(r["price_yuan_per_hour"]), str(exc), i))
                continue
        out.append(PreferenceRow(agent_id=r["agent_id"], start=r["start"], end=r["end"], kind=r["kind"], price_yuan_per_hour=price))
    if problems:
        raise InputError(problems)
    return out

