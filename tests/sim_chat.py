"""Discrete-event simulation of a chat team, to check scheduler.staffing_model against something independent.

The simulated system is the real one the chat model approximates, not the model's chain:
N agents, each carrying at most k chats; a new chat goes to the least-loaded agent (ties are
irrelevant: agents are exchangeable) and is never moved afterwards; an agent carrying j chats
finishes them at total rate f(j)/AHT (exponential work shared over its chats); when all kN
slots are full, buyers wait FCFS, each leaving after an exponential patience. Loads can become
uneven after departures (the model assumes they are always even), which is exactly the
approximation the comparison measures.

It is an exact continuous-time Markov-chain simulation (Gillespie): the state is how many agents
carry 0..k chats plus the FIFO queue of arrival times; exponential clocks make every event rate
a function of that state alone.

Measured per arrival (after a warm-up): answered within T (the same definition as the model:
abandoners count as missed), abandoned, and wait; occupancy = time-average chats in service /
(kN). Batch means give a standard error.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SimResult:
    service_level: float
    abandon_rate: float
    asa_seconds: float
    occupancy: float
    arrivals: int
    sl_stderr: float
    abandon_stderr: float


def simulate_chat(
    arrivals_per_interval: float,
    interval_seconds: float,
    aht_seconds: float,
    patience_seconds: float,
    agents: int,
    concurrency: int,
    throughput: Sequence[float],
    target_answer_seconds: float,
    *,
    n_arrivals: int = 50_000,
    warmup_arrivals: int = 2_000,
    seed: int = 1,
    batches: int = 20,
) -> SimResult:
    """Simulate until `n_arrivals` measured arrivals have arrived (after `warmup_arrivals`)."""
    rng = np.random.default_rng(seed)
    lam = arrivals_per_interval / interval_seconds
    k = int(concurrency)
    f = [0.0] + [float(v) for v in throughput[:k]]
    rate_level = [f[j] / aht_seconds for j in range(k + 1)]  # completion rate of one agent carrying j
    theta = 0.0 if math.isinf(patience_seconds) else 1.0 / patience_seconds
    T = target_answer_seconds

    n_at = [0] * (k + 1)  # agents carrying j chats
    n_at[0] = agents
    in_service = 0
    queue: deque[float] = deque()  # arrival times of waiting buyers (index 0 = head)
    total = warmup_arrivals + n_arrivals
    batch_size = max(1, n_arrivals // batches)
    # per-batch counters: [arrivals, answered_within_T, abandoned, wait_sum]
    stats = np.zeros((batches + 1, 4))

    def batch_of(idx: int) -> int:
        if idx < warmup_arrivals:
            return -1
        return min(batches - 1, (idx - warmup_arrivals) // batch_size)

    queue_idx: deque[int] = deque()  # arrival index of each waiting buyer
    t = 0.0
    arrived = 0
    busy_area = 0.0
    t_measure = None
    chunk = 4096
    expo = rng.exponential(size=chunk)
    unif = rng.random(size=chunk)
    pos = 0
    while arrived < total:  # stop at the last arrival: the few still waiting are a negligible bias
        comp_rate = 0.0
        for j in range(1, k + 1):
            comp_rate += n_at[j] * rate_level[j]
        ab_rate = theta * len(queue)
        r = lam + comp_rate + ab_rate
        if pos >= chunk:
            expo = rng.exponential(size=chunk)
            unif = rng.random(size=chunk)
            pos = 0
        dt = expo[pos] / r
        u = unif[pos] * r
        pos += 1
        if t_measure is not None:
            busy_area += in_service * dt
        t += dt
        if u < lam:  # arrival
            idx = arrived
            arrived += 1
            if idx == warmup_arrivals:
                t_measure = t
                busy_area = 0.0
            b = batch_of(idx)
            if b >= 0:
                stats[b, 0] += 1
            for j in range(k):
                if n_at[j]:
                    n_at[j] -= 1
                    n_at[j + 1] += 1
                    in_service += 1
                    if b >= 0:
                        stats[b, 1] += 1
                    break
            else:
                queue.append(t)
                queue_idx.append(idx)
        elif u < lam + comp_rate:  # a chat completes at some agent
            u -= lam
            level = k
            for j in range(1, k + 1):
                share = n_at[j] * rate_level[j]
                if u < share:
                    level = j
                    break
                u -= share
            if queue:  # all slots were full: the freed slot goes to the head of the queue
                ta = queue.popleft()
                ia = queue_idx.popleft()
                b = batch_of(ia)
                if b >= 0:
                    w = t - ta
                    stats[b, 3] += w
                    if w <= T:
                        stats[b, 1] += 1
            else:
                n_at[level] -= 1
                n_at[level - 1] += 1
                in_service -= 1
        else:  # a waiting buyer gives up; memoryless patience: any one of them, uniformly
            i = min(len(queue) - 1, int((u - lam - comp_rate) / theta))
            ta = queue[i]
            ia = queue_idx[i]
            del queue[i]
            del queue_idx[i]
            b = batch_of(ia)
            if b >= 0:
                stats[b, 2] += 1
                stats[b, 3] += t - ta
    stats = stats[:batches]
    n = stats[:, 0]
    sl_b = stats[:, 1] / n
    ab_b = stats[:, 2] / n
    tot = stats.sum(axis=0)
    span = t - (t_measure if t_measure is not None else 0.0)
    return SimResult(
        service_level=float(tot[1] / tot[0]),
        abandon_rate=float(tot[2] / tot[0]),
        asa_seconds=float(tot[3] / tot[0]),
        occupancy=float(busy_area / span / (k * agents)) if span > 0 else 0.0,
        arrivals=int(tot[0]),
        sl_stderr=float(sl_b.std(ddof=1) / math.sqrt(batches)),
        abandon_stderr=float(ab_b.std(ddof=1) / math.sqrt(batches)),
    )
