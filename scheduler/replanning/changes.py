"""What changed, for the supervisor: one row per changed agent, and the text the CLI prints."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from scheduler.replanning.load import Published
from scheduler.results import Plan
from scheduler.scenario import Scenario


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
        return {(r.start.date() - sc.slots[0].date()).days: (r.start, r.end) for r in rows.itertuples()}

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
