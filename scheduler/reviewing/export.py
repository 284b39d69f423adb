"""The shop's per-agent export (客服绩效, as Qianniu / 生意参谋 write it), read and validated.

One row per agent and day, or per agent and hour (an `hour` column). Headers may be Chinese or
English (`COLUMNS` lists the names accepted for each field); the file is UTF-8 with or without
the BOM Excel writes. Columns the review does not use (an export has dozens) are ignored and
named in the review's summary. Every problem names file, row, field, what was found and what is
allowed; all problems of the file are reported together.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.scenario import Scenario, read_text

COLUMNS: dict[str, tuple[str, ...]] = {
    "agent": ("agent_id", "agent", "客服ID", "客服id", "客服", "客服昵称", "客服名称", "旺旺"),
    "date": ("date", "日期"),
    "hour": ("hour", "小时", "时段"),
    "buyers_received": ("buyers_received", "接待人数"),
    "buyers_answered": ("buyers_answered", "回复人数"),
    "buyers_inquired": ("buyers_inquired", "询单人数"),
    "buyers_ordered": ("buyers_ordered", "询单->下单人数", "询单→下单人数", "下单人数"),
    "buyers_paid": ("buyers_paid", "询单->最终付款人数", "询单→最终付款人数", "付款人数"),
    "sales_yuan": ("sales_yuan", "客服销售额", "销售额", "询单->最终付款金额", "询单→最终付款金额"),
    "avg_response_seconds": ("avg_response_seconds", "平均响应(秒)", "平均响应时长(秒)", "平均响应时长"),
    "first_response_seconds": ("first_response_seconds", "首次响应(秒)", "平均首次响应(秒)", "首次响应时长"),
    "online_minutes": ("online_minutes", "在线时长(分钟)", "在线时长"),
}
"""Field -> header names accepted for it (English first). `hour` is optional; the rest are required."""

OPTIONAL = ("hour",)
COUNTS = ("buyers_received", "buyers_answered", "buyers_inquired", "buyers_ordered", "buyers_paid")
MAX_COUNT = 1e7
MAX_SECONDS = 86400.0

# A count that may not exceed another of the same row: (field, bound, what the ratio is called)
NOT_ABOVE = (
    ("buyers_answered", "buyers_received", "answer rate"),
    ("buyers_inquired", "buyers_received", "inquiring share"),
    ("buyers_ordered", "buyers_inquired", "inquiry conversion"),
    ("buyers_paid", "buyers_ordered", "payment rate"),
)


@dataclass(frozen=True)
class AgentStats:
    """The validated export: one row per agent and day (hour = -1) or agent and hour."""

    rows: pd.DataFrame
    """agent_id, date (datetime.date, local), hour (int, -1 for a day row), the fields of COLUMNS."""
    file: str
    hourly: bool
    ignored_columns: list[str]


def _header_map(header: list[str], label: str) -> tuple[dict[str, int], list[str], list[Problem]]:
    """Column index of each field, the columns not used, and header problems."""
    names = [h.strip() for h in header]
    found: dict[str, int] = {}
    problems: list[Problem] = []
    used: set[int] = set()
    for fld, aliases in COLUMNS.items():
        hits = [k for k, h in enumerate(names) if h in aliases or h.lower() in aliases]
        if fld == "agent" and len(hits) > 1:  # an id column beats a nickname column
            hits = sorted(hits, key=lambda k: aliases.index(names[k]) if names[k] in aliases else 0)[:1]
        if len(hits) > 1:
            problems.append(Problem(label, fld, "columns " + ", ".join(repr(names[k]) for k in hits),
                                    f"one column for {fld}", 1))
        elif hits:
            found[fld] = hits[0]
            used.add(hits[0])
        elif fld not in OPTIONAL:
            problems.append(Problem(label, fld, "column missing",
                                    f"a column named one of {list(aliases)}", 1))
    ignored = [h for k, h in enumerate(names) if k not in used and h]
    return found, ignored, problems


_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$|^(\d{4})(\d{2})(\d{2})$")


def parse_day(text: str) -> date:
    """2026-11-11, 2026/11/11, 2026.11.11 or 20261111 (a time after the date is refused)."""
    m = _DATE.match(text.strip())
    if not m:
        raise ValueError("a date like 2026-11-11 (also 2026/11/11 or 20261111)")
    y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError("a real calendar date like 2026-11-11") from None


def parse_amount(text: str, *, integer: bool, hi: float) -> float:
    """A number as an export writes it: thousands separators and a leading ¥ are accepted."""
    t = text.strip().replace(",", "").replace("，", "")
    t = t.removeprefix("¥").removeprefix("￥").strip()
    kind = "a whole number" if integer else "a number"
    try:
        v = float(t)
    except ValueError:
        raise ValueError(f"{kind} from 0 to {hi:g}") from None
    if not math.isfinite(v) or v < 0 or v > hi or (integer and v != int(v)):
        raise ValueError(f"{kind} from 0 to {hi:g}" + (" (a count cannot be negative)" if v < 0 else ""))
    return v


def _agent_lookup(sc: Scenario) -> dict[str, str]:
    """Export name -> agent_id: ids always; names too when no two agents share one."""
    out = {a.agent_id: a.agent_id for a in sc.agents}
    names: dict[str, list[str]] = {}
    for a in sc.agents:
        names.setdefault(a.name, []).append(a.agent_id)
    for n, ids in names.items():
        if len(ids) == 1 and n not in out:
            out[n] = ids[0]
    return out


def plan_days(sc: Scenario) -> list[date]:
    """The local dates the plan's horizon touches."""
    h = sc.config.horizon
    first = h.start.astimezone(sc.tz).date()
    last = (h.end - timedelta(seconds=1)).astimezone(sc.tz).date()
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def load_agent_stats(path: Path | str, sc: Scenario) -> AgentStats:
    """Read and validate the per-agent export against the plan's scenario (agents, horizon)."""
    path = Path(path)
    label = path.name
    text = read_text(path, label)
    if not text.strip():
        raise InputError([Problem(label, "(file)", "an empty file", "a header row and one row per agent and day or hour")])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise InputError([Problem(label, "(CSV syntax)", str(exc), "well-formed CSV (check unterminated quotes)")]) from None
    cols, ignored, problems = _header_map(records[0], label)
    if problems:
        raise InputError(problems)
    hourly = "hour" in cols
    lookup = _agent_lookup(sc)
    days = plan_days(sc)
    h = sc.config.horizon
    out: list[dict] = []
    seen: dict[tuple[str, date, int], int] = {}
    day_kind: dict[tuple[str, date], tuple[str, int]] = {}
    for i, r in enumerate(records[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != len(records[0]):
            problems.append(Problem(label, "(row)", f"{len(r)} cells", f"{len(records[0])} cells, one per column", i))
            continue
        n_before = len(problems)

        def cell(fld: str, row: list[str] = r) -> str:
            return row[cols[fld]].strip()

        def bad(fld: str, found: str, allowed: str, row: int = i) -> None:
            problems.append(Problem(label, _field_label(records[0], cols, fld), found, allowed, row))

        rec: dict = {}
        name = cell("agent")
        if name not in lookup:
            bad("agent", repr(name), "an agent_id (or unique name) from the plan's agents.csv")
        else:
            rec["agent_id"] = lookup[name]
        try:
            d = parse_day(cell("date"))
            if d not in days:
                bad("date", str(d), f"a day of the plan, {days[0]} to {days[-1]}")
            rec["date"] = d
        except ValueError as exc:
            bad("date", repr(cell("date")), str(exc))
        rec["hour"] = -1
        if hourly:
            try:
                hr = int(parse_amount(cell("hour"), integer=True, hi=23)) if cell("hour") else -1
                rec["hour"] = hr
                if hr >= 0 and "date" in rec:
                    t = datetime.combine(rec["date"], datetime.min.time()).replace(hour=hr, tzinfo=sc.tz)
                    if not h.start <= t < h.end:
                        bad("hour", f"{rec['date']} {hr:02d}:00", f"an hour of the plan, {h.start.isoformat()} to {h.end.isoformat()}")
            except ValueError as exc:
                bad("hour", repr(cell("hour")), "an hour from 0 to 23 (empty: a whole-day row)" if "number" in str(exc) else str(exc))
        for fld in COUNTS:
            try:
                rec[fld] = parse_amount(cell(fld), integer=True, hi=MAX_COUNT)
            except ValueError as exc:
                bad(fld, repr(cell(fld)), str(exc))
        for fld, hi in (("sales_yuan", 1e12), ("avg_response_seconds", MAX_SECONDS),
                        ("first_response_seconds", MAX_SECONDS), ("online_minutes", 1440.0)):
            try:
                rec[fld] = parse_amount(cell(fld), integer=False, hi=hi)
            except ValueError as exc:
                bad(fld, repr(cell(fld)), str(exc))
        for fld, bound, what in NOT_ABOVE:
            if fld in rec and bound in rec and rec[fld] > rec[bound]:
                bad(fld, f"{rec[fld]:g} with {bound} {rec[bound]:g} ({what} {rec[fld] / max(rec[bound], 1):.0%})",
                    f"at most {bound} ({what} at most 100 %)")
        if rec.get("hour", -1) >= 0 and rec.get("online_minutes", 0) > 60:
            bad("online_minutes", f"{rec['online_minutes']:g}", "at most 60 in an hour row")
        if len(problems) == n_before:
            key = (rec["agent_id"], rec["date"], rec["hour"])
            kind = "hour" if rec["hour"] >= 0 else "day"
            first = seen.get(key) or (day_kind[key[:2]][1] if day_kind.get(key[:2], (kind,))[0] != kind else None)
            if first is not None:
                what = f"{rec['date']}" + (f" {rec['hour']:02d}:00" if rec["hour"] >= 0 else "")
                bad("date", f"{rec['agent_id']} on {what} again (first on row {first})",
                    "each agent once per day, or once per day and hour (not both)")
            else:
                seen[key] = i
                day_kind.setdefault(key[:2], (kind, i))
                out.append(rec)
        if len(problems) > 200:
            break
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError([Problem(label, "(rows)", "a header and no data rows", "one row per agent and day or hour")])
    df = pd.DataFrame(out)
    df["hour"] = df["hour"].astype(int)
    for c in COUNTS:
        df[c] = df[c].astype("int64")
    df = df.sort_values(["date", "hour", "agent_id"], kind="stable").reset_index(drop=True)
    return AgentStats(rows=df, file=label, hourly=bool((df.hour >= 0).any()), ignored_columns=ignored)


def _field_label(header: list[str], cols: dict[str, int], fld: str) -> str:
    """The field as the file names it (its header), so a user finds the column."""
    k = cols.get(fld)
    own = header[k].strip() if k is not None else fld
    return own if own.isascii() else f"{own} ({fld})"
