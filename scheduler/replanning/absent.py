"""Agents who left or did not show up: off from now on, their worked past kept as a record."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from scheduler.replanning.load import Published, slot_of
from scheduler.rota.options import shift_wage_fen, slot_time
from scheduler.scenario import Scenario, TimeOff

ABSENT_REASON = "absent (replan)"
"""The time-off reason that marks an agent who left or did not show up (kept in the plan's scenario copy)."""


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


def worked_record(sc: Scenario, pub: Published, absent: set[str], now_slot: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The absent agents' shifts and assignments as worked: up to `now`, a started shift cut there.

    A cut shift keeps its break only as far as it was taken, and its paid hours, overtime and
    wage are those of the hours worked (RULES.md figures), so the checker can recompute them.
    """

    now_ts = slot_time(sc, now_slot)
    rows = []
    for r in pub.shifts[pub.shifts.agent_id.isin(absent)].itertuples(index=False):
        s, e = slot_of(sc, r.start), slot_of(sc, r.end)
        if s >= now_slot:
            continue
        row = r._asdict()
        if e > now_slot:
            a = sc.agent(r.agent_id)
            c = sc.contract(a.contract)
            b0 = None if pd.isna(r.break_start) else slot_of(sc, r.break_start)
            b1 = None if pd.isna(r.break_end) else slot_of(sc, r.break_end)
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


def outside_staff(sc: Scenario, assignments: pd.DataFrame) -> dict[tuple[int, str], int]:
    """Agent-slots per (slot, queue) of a record kept outside the model."""
    work = assignments[assignments.activity != "break"]
    counts = work.groupby(["slot_start", "activity"]).size()
    return {(slot_of(sc, t), q): int(n) for (t, q), n in counts.items()}


def unchanged_rota(pub: Published, absent: set[str], worked: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published rota with the absent agents cut at `now`: what happens if nobody acts."""
    shifts = pd.concat([pub.shifts[~pub.shifts.agent_id.isin(absent)], worked[0]], ignore_index=True)
    assignments = pd.concat([pub.assignments[~pub.assignments.agent_id.isin(absent)], worked[1]], ignore_index=True)
    return shifts, assignments
