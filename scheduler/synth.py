"""Seeded generator of the built-in scenarios' synthetic tables (history, agents, time off, requests).

The histories are synthetic, shaped by DOMAIN.md's Double 11 facts: a midnight rush over twice a
normal night, a trough 04:00-06:00, a steep rise after 07:00, a plateau from 10:00, the peak
20:00-22:00, and after-sale inquiries peaking in the days after the event. Anyone can remake or
vary them: `python -m scheduler.synth [--seed N]` rewrites every built-in scenario's tables.
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

# Share of a normal day's inquiries arriving in each hour (pre-sale; online-shop practice:
# quiet night, rise after 07:00, plateau from 10:00, evening peak 20:00-22:00).
NORMAL_PRESALE = np.array(
    [1.6, 0.9, 0.5, 0.3, 0.2, 0.2, 0.4, 1.2, 2.8, 4.6, 5.6, 5.8, 5.0, 5.2, 5.6, 5.6,
     5.4, 5.0, 4.8, 5.4, 6.6, 7.0, 6.6, 3.5]
)
NORMAL_PRESALE = NORMAL_PRESALE / NORMAL_PRESALE.sum()
# After-sale follows working hours more closely: buyers chase deliveries and refunds by day.
NORMAL_AFTERSALE = np.array(
    [0.8, 0.4, 0.2, 0.1, 0.1, 0.1, 0.3, 1.5, 4.0, 6.5, 7.5, 7.4, 6.2, 6.6, 7.2, 7.0,
     6.6, 6.0, 5.2, 5.0, 5.2, 5.0, 4.2, 2.1]
)
NORMAL_AFTERSALE = NORMAL_AFTERSALE / NORMAL_AFTERSALE.sum()
# Event day (DOMAIN.md: 00:00-03:00 over 2x a normal day, trough 04:00-06:00, steep rise
# after 07:00, plateau from 10:00, peak 20:00-22:00).
EVENT_DAY_PRESALE = np.array(
    [9.0, 6.0, 3.5, 1.8, 0.8, 0.6, 0.8, 1.6, 2.6, 3.4, 4.0, 4.1, 3.8, 3.9, 4.0, 4.0,
     3.9, 3.8, 4.0, 4.8, 6.2, 6.8, 6.4, 5.2]
)
EVENT_DAY_PRESALE = EVENT_DAY_PRESALE / EVENT_DAY_PRESALE.sum()
WEEKDAY_FACTOR = np.array([1.0, 0.98, 0.97, 1.0, 1.04, 1.12, 1.10])  # Mon..Sun
# Pre-sale uplift by day relative to the event (-3 .. +7), and the after-sale uplift.
PRESALE_UPLIFT = {-3: 1.3, -2: 1.5, -1: 2.2, 0: 6.0, 1: 1.6, 2: 1.2, 3: 1.1}
AFTERSALE_UPLIFT = {-1: 1.1, 0: 1.6, 1: 2.6, 2: 3.0, 3: 2.7, 4: 2.2, 5: 1.8, 6: 1.5, 7: 1.3}
ORDERS_SHARE = 0.35  # the weekly scenario's order-processing queue relative to pre-sale
# Deposit pre-sale (定金): buyers ask about deposit items, coupons and the balance-payment rules
# from the evening the deposits open until the event's own build-up (PRESALE_UPLIFT from day -3).
DEPOSIT_UPLIFT = 1.3
DEPOSIT_OPENING_EVENING = 2.5  # the opening evening itself, until midnight


def _hour_starts(start: datetime, days: int) -> list[datetime]:
    return [start + timedelta(hours=h) for h in range(days * 24)]


def hourly_history(
    rng: np.random.Generator,
    tz: ZoneInfo,
    periods: list[tuple[str, str]],
    daily: dict[str, float],
    events: list[tuple[str, float]] | None = None,
    growth_per_week: float = 0.005,
    deposits: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str, int]]:
    """Rows (slot_start, queue, inquiries): Poisson counts around a weekday x hour shape.

    `periods` are (first day, last day) inclusive; `daily` is each queue's normal daily level
    at the first day; `events` are (event day, scale of its pre-sale uplift); `deposits` are
    (local time the deposit pre-sale opens, its event day): pre-sale inquiries between the two
    carry `deposit_uplift`.
    """
    events = events or []
    opens = [(datetime.fromisoformat(o).replace(tzinfo=tz), datetime.fromisoformat(d).date()) for o, d in deposits or []]
    first = datetime.fromisoformat(periods[0][0]).replace(tzinfo=tz)
    rows = []
    for p0, p1 in periods:
        d0 = datetime.fromisoformat(p0).replace(tzinfo=tz)
        days = (datetime.fromisoformat(p1).replace(tzinfo=tz) - d0).days + 1
        for t in _hour_starts(d0, days):
            weeks = (t - first).days / 7
            level = (1 + growth_per_week) ** weeks * WEEKDAY_FACTOR[t.weekday()]
            for queue, base in daily.items():
                shape = NORMAL_AFTERSALE if queue == "aftersale" else NORMAL_PRESALE
                mean = base * level * shape[t.hour]
                for ev_day, scale in events:
                    rel = (t.date() - datetime.fromisoformat(ev_day).date()).days
                    if queue == "aftersale":
                        mean *= AFTERSALE_UPLIFT.get(rel, 1.0) ** scale
                    elif rel == 0:
                        mean = base * level * EVENT_DAY_PRESALE[t.hour] * PRESALE_UPLIFT[0] * scale
                    elif rel in PRESALE_UPLIFT:
                        boost = PRESALE_UPLIFT[rel] * scale if rel == -1 and t.hour >= 18 else 1 + (PRESALE_UPLIFT[rel] - 1) * scale
                        mean *= boost
                if queue == "orders":
                    mean *= ORDERS_SHARE
                for opened, ev_day in opens:
                    if queue != "aftersale":
                        mean *= deposit_uplift(t, opened, ev_day)
                rows.append((t.isoformat(), queue, int(rng.poisson(mean))))
    return rows


def deposit_uplift(t: datetime, opened: datetime, event_day) -> float:
    """Pre-sale factor of the deposit weeks at local time t: the opening evening's rush, then a
    steady rise until three days before the event (where the event's own build-up takes over)."""
    rel = (t.date() - event_day).days
    if t < opened or rel >= min(PRESALE_UPLIFT):
        return 1.0
    if t.date() == opened.date():
        return DEPOSIT_OPENING_EVENING
    return DEPOSIT_UPLIFT


def _write(path: Path, header: list[str], rows: list) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def build_double11(folder: Path, seed: int = 11) -> None:
    """80 full-time (48 core, cross-trained) and 120 part-time agents; history: last year's window
    (8 normal weeks before Double 11 2025 through a week after) and the 9 weeks before this year's."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo("Asia/Shanghai")
    rows = hourly_history(
        rng, tz, [("2025-09-15", "2025-11-20")], {"presale": 4200, "aftersale": 1000},
        events=[("2025-11-11", 1.0)],
    )
    rows += hourly_history(
        rng, tz, [("2026-09-07", "2026-11-08")], {"presale": 4600, "aftersale": 1100},
    )
    _write(folder / "history.csv", ["slot_start", "queue", "inquiries"], rows)
    agents = []
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    for i in range(80):
        name = surnames[i % 20] + given[(i * 7) % 20]
        core = i < 48
        agents.append([f"F{i + 1:03d}", name, "full_time", "true" if core else "false",
                       "presale;aftersale", "", "false", ""])
    for i in range(120):
        name = surnames[(i * 3) % 20] + given[(i * 11 + 3) % 20] + given[(i * 5) % 20]
        if i < 40:
            avail, skills = "", "presale"  # all day (recent graduates, substitutes)
        elif i < 80:
            avail, skills = "12:00-24:00", "presale"  # students with morning classes
        else:
            avail, skills = "07:00-18:00", "presale;aftersale" if i % 4 == 0 else "presale"
        standby = "true" if i % 12 == 11 else "false"
        agents.append([f"P{i + 1:03d}", name, "part_time", "false", skills, avail, standby, ""])
    _write(folder / "agents.csv",
           ["agent_id", "name", "contract", "core", "skills", "availability", "standby", "hourly_wage_yuan"],
           agents)
    _write(folder / "time_off.csv", ["agent_id", "start", "end", "reason"], [
        ["F045", "2026-11-10T00:00:00+08:00", "2026-11-10T14:00:00+08:00", "medical appointment"],
        ["P050", "2026-11-12T00:00:00+08:00", "2026-11-13T00:00:00+08:00", "exam"],
    ])
    _write(folder / "preferences.csv", ["agent_id", "start", "end", "kind", "price_yuan_per_hour"], [
        ["F031", "2026-11-12T16:00:00+08:00", "2026-11-13T00:00:00+08:00", "refuse", ""],
        ["F032", "2026-11-10T08:00:00+08:00", "2026-11-10T18:00:00+08:00", "request", ""],
        ["P005", "2026-11-10T06:00:00+08:00", "2026-11-10T12:00:00+08:00", "refuse", "10"],
    ])


def build_small_shop(folder: Path, seed: int = 618) -> None:
    """Four agents; history: 8 normal weeks and last year's 618 window, one queue."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo("Asia/Shanghai")
    rows = hourly_history(rng, tz, [("2025-06-01", "2025-06-25")], {"chat": 300}, events=[("2025-06-18", 0.6)])
    rows += hourly_history(rng, tz, [("2026-04-13", "2026-06-14")], {"chat": 320})
    rows = [(t, "chat", n) for t, _, n in rows]
    _write(folder / "history.csv", ["slot_start", "queue", "inquiries"], rows)
    _write(folder / "agents.csv",
           ["agent_id", "name", "contract", "core", "skills", "availability", "standby"], [
               ["A1", "王芳", "full_time", "true", "chat", "", "false"],
               ["A2", "李娜", "full_time", "false", "chat", "", "false"],
               ["B1", "张敏", "part_time", "false", "chat", "08:00-24:00", "false"],
               ["B2", "刘静", "part_time", "false", "chat", "12:00-24:00", "false"],
           ])
    for name in ("time_off.csv", "preferences.csv"):
        (folder / name).unlink(missing_ok=True)


def build_weekly(folder: Path, seed: int = 7) -> None:
    """24 agents (14 full-time, 10 part-time) over 3 queues; 10 normal weeks of history."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo("Asia/Shanghai")
    rows = hourly_history(rng, tz, [("2026-09-14", "2026-11-22")], {"presale": 700, "orders": 700, "aftersale": 300})
    _write(folder / "history.csv", ["slot_start", "queue", "inquiries"], rows)
    agents = []
    for i in range(14):
        skills = ["presale;orders", "aftersale;orders", "presale;aftersale;orders"][i % 3]
        agents.append([f"F{i + 1:02d}", f"全职{i + 1:02d}", "full_time", "true" if i < 4 else "false", skills, "", "false"])
    for i in range(10):
        avail = "10:00-24:00" if i % 2 else "16:00-24:00"
        agents.append([f"P{i + 1:02d}", f"兼职{i + 1:02d}", "part_time", "false", "presale", avail, "false"])
    _write(folder / "agents.csv", ["agent_id", "name", "contract", "core", "skills", "availability", "standby"], agents)
    _write(folder / "time_off.csv", ["agent_id", "start", "end", "reason"], [
        ["F03", "2026-11-25T00:00:00+08:00", "2026-11-26T00:00:00+08:00", "annual leave"],
    ])
    _write(folder / "preferences.csv", ["agent_id", "start", "end", "kind", "price_yuan_per_hour"], [
        ["F01", "2026-11-28T00:00:00+08:00", "2026-11-30T00:00:00+08:00", "refuse", "15"],
        ["F02", "2026-11-23T08:00:00+08:00", "2026-11-23T17:00:00+08:00", "request", ""],
        ["P01", "2026-11-27T16:00:00+08:00", "2026-11-28T00:00:00+08:00", "refuse", ""],
    ])


SEASON_HIRED = ("2026-11-02T00:00:00+08:00", "2026-11-19T00:00:00+08:00")
"""The season's temporary part-timers work from 2 Nov to 18 Nov (students hired for the peak)."""


def build_season(folder: Path, seed: int = 1111) -> None:
    """A whole Double 11 season for a mid-size shop: 24 full-time (8 core) and 22 part-time agents,
    16 of them seasonal hires; history: last year's season (deposits opened 20 Oct 2025, Double 11
    on 11 Nov 2025, the after-sale wave after it) and the 9 weeks before this year's season."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo("Asia/Shanghai")
    rows = hourly_history(
        rng, tz, [("2025-09-01", "2025-11-30")], {"presale": 2000, "aftersale": 540},
        events=[("2025-11-11", 1.0)], deposits=[("2025-10-20T20:00:00", "2025-11-11")],
    )
    rows += hourly_history(rng, tz, [("2026-08-24", "2026-10-25")], {"presale": 2200, "aftersale": 600})
    _write(folder / "history.csv", ["slot_start", "queue", "inquiries"], rows)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    agents = []
    for i in range(24):
        name = surnames[(i * 7) % 20] + given[(i * 3 + 1) % 20]
        # the first 8 are core (主力), cross-trained; 6 more cross-trained; 6 pre-sale; 4 after-sale
        skills = "presale;aftersale" if i < 14 else ("presale" if i < 20 else "aftersale")
        agents.append([f"F{i + 1:02d}", name, "full_time", "true" if i < 8 else "false", skills, "", "false"])
    for i in range(22):
        name = surnames[(i * 11 + 5) % 20] + given[(i * 7 + 2) % 20] + given[(i * 13) % 20]
        if i < 6:  # the regular part-timers, all season
            avail = ["12:00-24:00", "12:00-24:00", "08:00-18:00", "08:00-18:00", "", ""][i]
            skills = "presale;aftersale" if i in (3, 5) else "presale"
        else:  # seasonal hires: students free from noon, and daytime substitutes
            avail = "12:00-24:00" if i < 14 else "08:00-18:00"
            skills = "presale;aftersale" if i in (10, 11, 17, 18) else "presale"
        standby = "true" if i in (5, 21) else "false"
        agents.append([f"P{i + 1:02d}", name, "part_time", "false", skills, avail, standby])
    _write(folder / "agents.csv", ["agent_id", "name", "contract", "core", "skills", "availability", "standby"], agents)
    season_start, season_end = "2026-10-26T00:00:00+08:00", "2026-11-23T00:00:00+08:00"
    time_off = [
        ["F04", "2026-10-28T00:00:00+08:00", "2026-10-30T00:00:00+08:00", "annual leave"],
        ["F11", "2026-11-04T09:00:00+08:00", "2026-11-04T13:00:00+08:00", "medical appointment"],
        ["F17", "2026-11-19T00:00:00+08:00", "2026-11-21T00:00:00+08:00", "annual leave (after the peak)"],
        ["F21", "2026-11-17T00:00:00+08:00", "2026-11-18T00:00:00+08:00", "child's school event"],
        ["P02", "2026-11-05T00:00:00+08:00", "2026-11-06T00:00:00+08:00", "exam"],
    ]
    for i in range(6, 22):
        aid = f"P{i + 1:02d}"
        time_off.append([aid, season_start, SEASON_HIRED[0], "seasonal hire: not yet started"])
        time_off.append([aid, SEASON_HIRED[1], season_end, "seasonal hire: contract ended"])
    _write(folder / "time_off.csv", ["agent_id", "start", "end", "reason"], time_off)
    _write(folder / "preferences.csv", ["agent_id", "start", "end", "kind", "price_yuan_per_hour"], [
        ["F03", "2026-10-31T00:00:00+08:00", "2026-11-02T00:00:00+08:00", "refuse", "25"],
        ["F09", "2026-11-06T18:00:00+08:00", "2026-11-07T00:00:00+08:00", "refuse", ""],
        ["F14", "2026-11-03T08:00:00+08:00", "2026-11-03T17:00:00+08:00", "request", ""],
        ["F19", "2026-11-21T00:00:00+08:00", "2026-11-23T00:00:00+08:00", "refuse", "15"],
        ["P01", "2026-10-29T18:00:00+08:00", "2026-10-30T00:00:00+08:00", "refuse", "10"],
        ["P04", "2026-11-12T08:00:00+08:00", "2026-11-12T12:00:00+08:00", "request", ""],
    ])


BUILDERS = {"double11": build_double11, "small_shop": build_small_shop, "weekly": build_weekly, "season": build_season}


def main(argv: list[str]) -> None:
    names = [a for a in argv if not a.startswith("-")] or list(BUILDERS)
    for name in names:
        folder = SCENARIOS / name
        folder.mkdir(parents=True, exist_ok=True)
        BUILDERS[name](folder)
        print(f"wrote {folder}")


if __name__ == "__main__":
    main(sys.argv[1:])
