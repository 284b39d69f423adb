"""The handover sheet (工作交接表, DOMAIN point 4): who passes what to whom when a shift ends.

A handover happens where an agent's shift ends on a queue: the leaver's open chats, the unpaid
orders still to chase (催付, DOMAIN point 6) and the after-sale cases in progress must reach
someone. Leavers are paired with the agents on the same queue right after that moment (those
starting a shift there and those staying on) by a minimum-cost assignment (scipy's
linear_sum_assignment), not first-come:

- every receiver takes at most ceil(leavers / receivers) handovers, so the work is spread evenly
  (one takes over from several leavers only when fewer are on the queue than leave);
- within that, the leavers with the most to pass on go to those who stay longest on the queue
  (usually the ones just arriving), so chased orders and open cases are followed up by someone
  who will still be there.

Only when nobody is on the queue right after the handover does a row get an empty `to_agent`,
the flag `no_receiver` and a note saying until when the queue is unstaffed. Shifts that end with
the planning horizon hand nothing over inside the plan and get no row.

Items per row (expected values from the plan's own figures, not observations):
- `open_chats`: chats the leaver holds at the moment, = the queue's expected chats in the system
  in the last slot before the handover (queueing model of scheduler.staffing_model, productive agents
  after shrinkage) ÷ agents working the queue in that slot (the chat model spreads chats evenly);
- `unpaid_orders` (pre-sale queues): the leaver's share of the slot's inquiries over the shift's
  slots on the queue × inquiry conversion = orders placed, × economics.unpaid_share;
- `aftersale_cases` (after-sale queues): the leaver's share of after-sale contacts × (1 − 1 /
  contacts_per_issue): a case needs contacts_per_issue contacts, so only that share of contacts
  close their case; the rest leave it open for the next contact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from scheduler.scenario import Queue, Scenario
from scheduler.staffing_model import queue_metrics

COLUMNS = [
    "time", "queue", "from_agent", "to_agent", "from_name", "to_name",
    "open_chats", "queue_open_chats", "unpaid_orders", "aftersale_cases", "flag", "notes",
]
NO_RECEIVER = "no_receiver"

_NOTES = {
    "zh": {
        "several": "接班人同时接 {n} 人的交接",
        "staying": "交给仍在岗的同事",
        "until": "无人接班，该队列无人在岗直到 {time}",
        "closed": "无人接班，该队列此后无人在岗",
        "other_queues": "本班还做过 {queues}",
        "sep": "；",
        "list_sep": "、",
    },
    "en": {
        "several": "receiver takes over from {n} agents",
        "staying": "passed to a colleague staying on",
        "until": "nobody arrives; queue unstaffed until {time}",
        "closed": "nobody arrives; queue unstaffed for the rest of the plan",
        "other_queues": "also worked {queues} this shift",
        "sep": "; ",
        "list_sep": ", ",
    },
}


def expected_open_chats(queue: Queue, arrivals: float, interval_seconds: float, agents: int) -> float:
    """Expected chats in the system (in service + waiting) with `agents` productive agents.

    From the queue's model: occupancy is chats in service ÷ (concurrency × agents) for the chat
    model, and busy agents ÷ agents for the effective-AHT Erlang models, where a busy agent holds
    `concurrency` chats; the mean number waiting is ASA × arrival rate (ASA = E[queue] / λ).
    """
    if arrivals <= 0:
        return 0.0
    m = queue_metrics(queue, arrivals, interval_seconds, agents)
    lam = arrivals / interval_seconds
    waiting = m.asa_seconds * lam if math.isfinite(m.asa_seconds) else arrivals
    return m.occupancy * queue.concurrency * agents + waiting


@dataclass(frozen=True)
class _Edge:
    """One end (leaver) or start (arriver) of a shift on a queue."""

    agent_id: str
    time: pd.Timestamp
    queue: str
    slots: tuple[tuple[pd.Timestamp, str], ...]  # the shift's (slot_start, activity), in order

    def hours_on(self, qid: str, slot_hours: float) -> float:
        return sum(a == qid for _, a in self.slots) * slot_hours


def _shift_edges(scenario: Scenario, shifts: pd.DataFrame, assignments: pd.DataFrame) -> tuple[list[_Edge], list[_Edge]]:
    """Leavers (shift ends on their last working queue) and every worked shift (its start), from
    which the receivers of a handover come."""
    horizon_end = pd.Timestamp(scenario.config.horizon.end)
    by_agent = {a: g.sort_values("slot_start") for a, g in assignments.groupby("agent_id", sort=False)}
    leavers, worked = [], []
    for sh in shifts.itertuples(index=False):
        g = by_agent.get(sh.agent_id)
        if g is None:
            continue
        inside = g[(g.slot_start >= sh.start) & (g.slot_start < sh.end)]
        slots = tuple(zip(inside.slot_start, inside.activity, strict=True))
        working = [a for _, a in slots if a != "break"]
        if not working:
            continue
        worked.append(_Edge(sh.agent_id, pd.Timestamp(sh.start), slots[0][1], slots))
        if pd.Timestamp(sh.end) < horizon_end:
            leavers.append(_Edge(sh.agent_id, pd.Timestamp(sh.end), working[-1], slots))
    return leavers, worked


def _staying(worked: list[_Edge], t: pd.Timestamp, qid: str, slot_h: float) -> tuple[list[str], list[float]]:
    """The receivers of a handover at `t` on `qid`: the agents working `qid` in the slot starting
    at `t` (those arriving and those staying on), with the hours each still works on `qid` in
    that shift from `t`."""
    ids, stays = [], []
    for e in worked:  # shifts with a slot starting at t
        rest = [a for s, a in e.slots if s >= t]
        if rest[0] == qid:
            ids.append(e.agent_id)
            stays.append(sum(a == qid for a in rest) * slot_h)
    order = sorted(range(len(ids)), key=lambda k: ids[k])
    return [ids[k] for k in order], [stays[k] for k in order]


def _match(leavers: list[_Edge], weights: list[float], receivers: list[str], stays: list[float]) -> list[int | None]:
    """Minimum-cost assignment of leavers to receivers; index of each leaver's receiver (or None
    when there is none).

    Receivers are copied ceil(L / A) times; the k-th copy costs k × a penalty larger than any
    gain, so the copies fill evenly; inside a round the cost −weight × stay gives the heaviest
    lists to the longest stays.
    """
    if not receivers:
        return [None] * len(leavers)
    cap = math.ceil(len(leavers) / len(receivers))
    w = np.asarray(weights, dtype=float)
    s = np.asarray(stays, dtype=float)
    gain = np.outer(w, s)  # leavers × receivers
    penalty = float(gain.max(initial=0.0)) * len(leavers) + 1.0
    cost = np.concatenate([k * penalty - gain for k in range(cap)], axis=1)
    rows, cols = linear_sum_assignment(cost)
    out: list[int | None] = [None] * len(leavers)
    for r, c in zip(rows, cols, strict=True):
        out[r] = int(c % len(receivers))
    return out


def handover_sheet(
    scenario: Scenario, shifts: pd.DataFrame, assignments: pd.DataFrame, forecast: pd.DataFrame, lang: str = "zh"
) -> pd.DataFrame:
    """handover.csv: one row per handover, with the items to pass on and notes in `lang`."""
    text = _NOTES["zh" if lang == "zh" else "en"]
    names = {a.agent_id: a.name for a in scenario.agents}
    queue_names = {q.id: (q.name or q.id) for q in scenario.config.queues}
    econ = scenario.config.economics
    slot_h = scenario.slot_minutes / 60
    interval = scenario.slot_minutes * 60.0
    if shifts.empty:
        return pd.DataFrame(columns=COLUMNS)

    work = assignments[assignments.activity != "break"]
    on_duty = work.groupby(["slot_start", "activity"]).agent_id.apply(list).to_dict()
    expected = forecast.set_index(["slot_start", "queue"])["p50"].to_dict()
    step = pd.Timedelta(minutes=scenario.slot_minutes)

    open_cache: dict[tuple[pd.Timestamp, str], float] = {}

    def queue_open(t: pd.Timestamp, qid: str) -> float:
        key = (t, qid)
        if key not in open_cache:
            q = scenario.queue(qid)
            n = len(on_duty.get(key, []))
            productive = int(math.floor(n * (1 - q.shrinkage) + 1e-9))
            open_cache[key] = expected_open_chats(q, float(expected.get(key, 0.0)), interval, productive)
        return open_cache[key]

    def items(edge: _Edge) -> tuple[float, float, float, float]:
        kind = scenario.queue(edge.queue).kind
        last = edge.time - step
        n_last = max(1, len(on_duty.get((last, edge.queue), [])))
        total_open = queue_open(last, edge.queue)
        handled = sum(float(expected.get((t, a), 0.0)) / max(1, len(on_duty.get((t, a), [])))
                      for t, a in edge.slots if a == edge.queue)
        unpaid = handled * econ.inquiry_conversion * econ.unpaid_share if kind == "presale" else 0.0
        cases = handled * max(0.0, 1 - 1 / econ.contacts_per_issue) if kind == "aftersale" and econ.contacts_per_issue > 0 else 0.0
        return total_open / n_last, total_open, unpaid, cases

    leavers, worked = _shift_edges(scenario, shifts, assignments)
    worked_at: dict[pd.Timestamp, list[_Edge]] = {}
    for e in worked:
        for s, _ in e.slots:
            worked_at.setdefault(s, []).append(e)
    lv_groups: dict[tuple[pd.Timestamp, str], list[_Edge]] = {}
    for e in leavers:
        lv_groups.setdefault((e.time, e.queue), []).append(e)
    staffed_times = sorted({t for (t, _) in on_duty})

    rows = []
    for (t, qid), group in sorted(lv_groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        group = sorted(group, key=lambda e: e.agent_id)
        its = [items(e) for e in group]
        weights = [o + u + c for o, _, u, c in its]
        receivers, stays = _staying(worked_at.get(t, []), t, qid, slot_h)
        arriving = {e.agent_id for e in worked_at.get(t, []) if e.time == t}
        choice = _match(group, weights, receivers, stays)
        load = pd.Series([c for c in choice if c is not None], dtype=int).value_counts().to_dict()
        for e, (own, total, unpaid, cases), c in zip(group, its, choice, strict=True):
            notes = []
            to = receivers[c] if c is not None else ""
            flag = "" if c is not None else NO_RECEIVER
            if c is not None and to not in arriving:
                notes.append(text["staying"])
            if c is not None and load.get(c, 0) > 1:
                notes.append(text["several"].format(n=load[c]))
            if c is None:
                nxt = next((s for s in staffed_times if s > t and (s, qid) in on_duty), None)
                notes.append(text["until"].format(time=nxt.strftime("%m-%d %H:%M")) if nxt is not None else text["closed"])
            others = sorted({a for _, a in e.slots if a not in ("break", qid)})
            if others:
                notes.append(text["other_queues"].format(queues=text["list_sep"].join(queue_names.get(o, o) for o in others)))
            rows.append({
                "time": t, "queue": qid, "from_agent": e.agent_id, "to_agent": to,
                "from_name": names.get(e.agent_id, e.agent_id), "to_name": names.get(to, "") if to else "",
                "open_chats": round(own, 2), "queue_open_chats": round(total, 2),
                "unpaid_orders": round(unpaid, 2), "aftersale_cases": round(cases, 2),
                "flag": flag, "notes": text["sep"].join(notes),
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def handover_gaps(sheet: pd.DataFrame) -> pd.DataFrame:
    """The handovers nobody receives: what the report lists for the supervisor to cover."""
    return sheet[sheet.flag == NO_RECEIVER].reset_index(drop=True)
