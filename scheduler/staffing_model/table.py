"""The staffing stage: what a queue needs per slot (metrics with shrinkage, the requirement, the
lost-inquiry money curve the rota is priced with) and the staffing table of a whole forecast."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.staffing_model.queueing import (
    IDLE_METRICS,
    QueueMetrics,
    chat_metrics,
    effective_aht_erlang_c,
    erlang_a_metrics,
    erlang_c_metrics,
    min_agents,
    throughput_table,
)


# --------------------------------------------------------------------------------------------
# Queue-level helpers (a scenario Queue: aht_seconds, concurrency, throughput, ... model)
# --------------------------------------------------------------------------------------------
def queue_metrics(queue: Any, arrivals: float, interval_seconds: float, agents: int) -> QueueMetrics:
    """Metrics of `queue` with `agents` productive agents, by the queue's own model.

    "chat" is the chat model; "erlang_c" / "erlang_a" treat each agent as one server working at
    f(k) chats per AHT (the practitioners' effective-AHT shortcut), without / with abandonment.
    """
    return _queue_metrics(queue, arrivals, interval_seconds, agents, queue.model, queue.target_answer_seconds)


def _queue_metrics(
    queue: Any, arrivals: float, interval_seconds: float, agents: int, model: str, target: float
) -> QueueMetrics:
    if model == "chat":
        return chat_metrics(
            arrivals,
            interval_seconds,
            queue.aht_seconds,
            queue.patience_seconds,
            agents,
            queue.concurrency,
            queue.throughput,
            target,
        )
    f_k = throughput_table(queue.concurrency, queue.throughput)[-1]
    if model == "erlang_a":
        return erlang_a_metrics(
            arrivals, interval_seconds, queue.aht_seconds / f_k, queue.patience_seconds, agents, target
        )
    if model == "erlang_c":
        return erlang_c_metrics(arrivals, interval_seconds, queue.aht_seconds / f_k, agents, target)
    raise ValueError(f"unknown queueing model {model!r}")


def _abandon_rate(queue: Any, arrivals: float, interval_seconds: float, agents: int) -> float:
    """P(abandon) by the queue's model; Erlang C queues use Erlang A here (losses need patience).

    Evaluated with T = 0, which skips the service-level series: only abandonment is wanted.
    """
    model = "erlang_a" if queue.model == "erlang_c" else queue.model
    return _queue_metrics(queue, arrivals, interval_seconds, agents, model, 0.0).abandon_rate


def _load_hint(queue: Any, arrivals: float, interval_seconds: float) -> int:
    """Agents needed just to keep up at full concurrency: where the search for N* starts."""
    f_k = throughput_table(queue.concurrency, queue.throughput)[-1]
    return max(1, int(arrivals * queue.aht_seconds / f_k / interval_seconds))


def required_agents(
    queue: Any, arrivals: float, interval_seconds: float, floor: int = 0, memo: dict[int, QueueMetrics] | None = None
) -> int:
    """Minimum productive agents for the queue's targets by its model (0 when nobody arrives).

    `memo` (optional) collects the metrics evaluated during the search, keyed by agents, so a
    caller can read those at the answer without recomputing them.
    """
    if arrivals <= 0:
        return 0
    seen = {} if memo is None else memo

    def fn(n: int) -> QueueMetrics:
        if n not in seen:
            seen[n] = queue_metrics(queue, arrivals, interval_seconds, n)
        return seen[n]

    return min_agents(
        fn,
        queue.target_service_level,
        queue.max_abandon_rate,
        queue.max_occupancy,
        floor=max(1, floor),
        hint=_load_hint(queue, arrivals, interval_seconds),
    )


def _required_erlang_c(queue: Any, arrivals: float, interval_seconds: float, floor: int = 0) -> int:
    """Conventional requirement: effective-AHT Erlang C for the SL and occupancy targets."""
    if arrivals <= 0:
        return 0

    def fn(n: int) -> QueueMetrics:
        return effective_aht_erlang_c(
            arrivals,
            interval_seconds,
            queue.aht_seconds,
            n,
            queue.concurrency,
            queue.throughput,
            queue.target_answer_seconds,
        )

    return min_agents(
        fn,
        queue.target_service_level,
        1.0,
        queue.max_occupancy,
        floor=max(1, floor),
        hint=_load_hint(queue, arrivals, interval_seconds),
    )


def scheduled_for(net: int, shrinkage: float) -> int:
    """Scheduled agents for `net` productive ones: ceil(net / (1 - shrinkage)), float-safe."""
    return int(math.ceil(net / (1.0 - shrinkage) - 1e-9)) if net > 0 else 0


def lost_inquiries_curve(queue: Any, arrivals: float, slot_minutes: int, n_max: int) -> np.ndarray:
    """Expected abandoned inquiries in one slot with n = 0..n_max *scheduled* agents.

    Lost = arrivals x P(abandon) with n (1 - shrinkage) productive agents, linear between the
    integer productive counts around it; n = 0 loses every arrival. Erlang C queues are priced
    with Erlang A (same effective AHT, the queue's patience): without a patience model nobody
    is ever lost. The curve is made non-increasing and convex (lower convex envelope) so the
    rota can linearise it piecewise; exact values are already convex in practice, the envelope
    only irons out interpolation and rounding wiggles.
    """
    if n_max < 0:
        raise ValueError("n_max must be >= 0")
    if arrivals <= 0:
        return np.zeros(n_max + 1)
    interval = slot_minutes * 60.0
    keep = 1.0 - queue.shrinkage
    eff = np.arange(n_max + 1) * keep
    top = int(math.ceil(eff[-1] - 1e-9))
    lost_int = np.zeros(top + 1)
    lost_int[0] = arrivals
    for n in range(1, top + 1):
        lost_int[n] = arrivals * _abandon_rate(queue, arrivals, interval, n)
        if lost_int[n] < 1e-10 * arrivals:  # negligible, and falls super-exponentially from here
            lost_int[n + 1 :] = 0.0
            break
    curve = np.interp(eff, np.arange(top + 1, dtype=float), lost_int)
    curve[0] = arrivals
    return _lower_convex_envelope(np.minimum.accumulate(curve))


def _lower_convex_envelope(y: np.ndarray) -> np.ndarray:
    """Greatest convex minorant of points (i, y_i), evaluated at every i (monotone chain)."""
    hull: list[int] = []
    for i in range(len(y)):
        while len(hull) >= 2:
            i0, i1 = hull[-2], hull[-1]
            # drop i1 if it lies on or above the segment i0 -> i
            if (y[i1] - y[i0]) * (i - i0) >= (y[i] - y[i0]) * (i1 - i0):
                hull.pop()
            else:
                break
        hull.append(i)
    return np.interp(np.arange(len(y), dtype=float), np.array(hull, dtype=float), y[hull])


# --------------------------------------------------------------------------------------------
# The staffing stage
# --------------------------------------------------------------------------------------------
_COLUMNS = [
    "slot_start",
    "queue",
    "arrivals",
    "required",
    "required_net",
    "service_level",
    "asa_seconds",
    "abandon_rate",
    "occupancy",
    "model",
    "required_erlang_c",
    "required_net_erlang_c",
]


def staffing(scenario: Any, forecast: pd.DataFrame) -> pd.DataFrame:
    """Minimum agents per (slot, queue) for the forecast's staffing quantile.

    Columns: slot_start, queue, arrivals (the forecast quantile scenario.config.solver.staffing_quantile),
    required_net (productive agents meeting the queue's SL, abandonment and occupancy targets by
    its model), required (scheduled = ceil(net / (1 - shrinkage)), at least
    min_agents_when_open whenever arrivals > 0; 0 when nobody arrives), the metrics at
    required_net, model, and the conventional effective-AHT Erlang C requirement beside it
    (required_erlang_c scheduled, required_net_erlang_c productive).

    Fast because the requirement never falls as arrivals rise: each queue's distinct arrival
    values are swept in ascending order and every search starts from the previous answer.
    """
    quantile = scenario.config.solver.staffing_quantile
    problems = [
        Problem(file="forecast", field=col, found="missing", allowed="a forecast column")
        for col in ("slot_start", "queue", quantile)
        if col not in forecast.columns
    ]
    if problems:
        raise InputError(problems)
    interval = scenario.slot_minutes * 60.0
    queues = {q.id: q for q in scenario.config.queues}
    fc = forecast[["slot_start", "queue", quantile]].rename(columns={quantile: "arrivals"})
    fc = fc.sort_values(["slot_start", "queue"], kind="stable").reset_index(drop=True)
    arr = fc["arrivals"].to_numpy(dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0)
    unknown = sorted(set(fc["queue"]) - set(queues))
    for i in np.flatnonzero(bad)[:50]:
        problems.append(
            Problem(file="forecast", field=quantile, found=str(arr[i]), allowed="a finite number >= 0", row=int(i) + 2)
        )
    for qid in unknown:
        problems.append(Problem(file="forecast", field="queue", found=str(qid), allowed=", ".join(queues)))
    if problems:
        raise InputError(problems)

    results: dict[tuple[str, float], tuple[int, int, QueueMetrics]] = {}
    for qid, group in fc.groupby("queue", sort=False):
        q = queues[qid]
        prev_net = prev_ec = 0
        for lam in np.unique(group["arrivals"].to_numpy(dtype=float)):
            lam = float(lam)
            if lam <= 0:
                results[(qid, lam)] = (0, 0, IDLE_METRICS)
                continue
            memo: dict[int, QueueMetrics] = {}
            net = required_agents(q, lam, interval, floor=prev_net, memo=memo)
            net_ec = _required_erlang_c(q, lam, interval, floor=prev_ec)
            prev_net, prev_ec = net, net_ec
            results[(qid, lam)] = (net, net_ec, memo[net])

    rows = []
    for slot_start, qid, lam in zip(fc["slot_start"], fc["queue"], arr, strict=True):
        q = queues[qid]
        net, net_ec, m = results[(qid, float(lam))]
        floor = q.min_agents_when_open if lam > 0 else 0
        rows.append(
            (
                slot_start,
                qid,
                float(lam),
                max(scheduled_for(net, q.shrinkage), floor),
                net,
                m.service_level,
                m.asa_seconds,
                m.abandon_rate,
                m.occupancy,
                q.model,
                max(scheduled_for(net_ec, q.shrinkage), floor),
                net_ec,
            )
        )
    out = pd.DataFrame(rows, columns=_COLUMNS)
    return out.astype(
        {"required": "int64", "required_net": "int64", "required_erlang_c": "int64", "required_net_erlang_c": "int64"}
    )
