"""Queueing models and the fewest agents that meet a target: Erlang C, Erlang A and the chat model.

Every model here is a birth-death chain (or Erlang C's closed form) evaluated in logs, so it stays
exact and fast at thousands of agents: no factorials, no 1/B iteration.

Definitions used throughout (the same in the chat model, Erlang A and the tests' simulation):

* **service level** = P(answered within T) over *all* arrivals: a buyer who abandons counts as not
  answered, even one who gives up before T. This is the share a supervisor sees on the dashboard
  ("answered in 30 s / inquiries"); it is stricter than the virtual-wait definition P(W <= T)
  that ignores the buyer's own patience (available as ``service_level_kind="virtual"``).
* **ASA** = mean wait over all arrivals, abandoners included (they count with the time they
  waited) = E[queue length] / lambda by Little's law, as pyworkforce defines it.
* **abandon_rate** = P(an arrival abandons) = theta * E[queue length] / lambda.
* **occupancy** = share of capacity in use: busy agents / N for Erlang C and A; for the chat
  model chats in service / (k*N) chat slots, i.e. E[min(m, kN)] / (kN).
* **p_wait** = P(an arrival finds every slot taken) (PASTA).

The waiting-time part (the queue beyond the last free slot) is an Erlang A tail with a constant
completion rate nu and per-waiting-buyer abandonment theta. Its weights relative to the "all
slots busy" state are w_j = x^j / prod_{i=1..j}(s+i) with s = nu/theta, x = lambda/theta, and a
buyer who finds j waiting ahead has a hypo-exponential virtual wait with rates nu + i*theta,
i = 0..j. Summed over j these give closed forms in one series S(s, z) = sum_j w_j(z):

    P(V > t, wait) = pi_c * exp(-nu t + x - y) * S(s, y),        y = x * exp(-theta t)
    P(answered within t, wait) = pi_c * s/(s+1) * [S(s+1, x) - exp(-(nu+theta) t + x - y) S(s+1, y)]

(the second because a buyer with j ahead is answered with probability s/(s+j+1) and, given
that, waits a hypo-exponential time with every rate raised by theta). S is the regularised lower
incomplete gamma function in disguise: S(s, z) = e^z z^-s Gamma(s+1) P(s, z); we use scipy's
``gammainc`` when it cannot underflow and the (fast, exact) series otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import gammainc, gammaln

ServiceLevelKind = Literal["answered", "virtual"]

_LOG_EPS = 41.5  # -ln(1e-18): series terms below this share of the sum are dropped
_SERIES_MAX_TERMS = 200_000
_TOL = 1e-12  # slack when comparing a metric with its target (float rounding, not policy)


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Steady-state performance of one queue at one staffing level (definitions: module doc)."""

    service_level: float
    asa_seconds: float
    abandon_rate: float
    occupancy: float
    p_wait: float


IDLE_METRICS = QueueMetrics(service_level=1.0, asa_seconds=0.0, abandon_rate=0.0, occupancy=0.0, p_wait=0.0)
_OVERLOADED_NO_ABANDON = QueueMetrics(
    service_level=0.0, asa_seconds=math.inf, abandon_rate=0.0, occupancy=1.0, p_wait=1.0
)


# --------------------------------------------------------------------------------------------
# Erlang B / C
# --------------------------------------------------------------------------------------------
def erlang_b(n: int, a: float) -> float:
    """Blocking probability of M/M/n/n by B_k = a B_{k-1} / (k + a B_{k-1}): never overflows."""
    if n < 0 or a < 0:
        raise ValueError("erlang_b needs n >= 0 and a >= 0")
    b = 1.0
    for k in range(1, int(n) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(n: int, a: float) -> float:
    """P(wait) of M/M/n with offered load a Erlangs; 1 when n <= a (the queue never empties)."""
    if n <= a:
        return 1.0
    b = erlang_b(n, a)
    return n * b / (n - a * (1.0 - b))


def erlang_c_metrics(
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    agents: int,
    target_answer_seconds: float,
) -> QueueMetrics:
    """Textbook Erlang C (nobody abandons): SL = 1 - C e^{-(N-A)T/AHT}, ASA = C AHT / (N-A).

    For N <= A the queue grows without bound: SL 0, ASA inf, occupancy 1 by convention.
    """
    _check_common(arrivals, interval_seconds, aht_seconds, agents, target_answer_seconds)
    if arrivals == 0:
        return IDLE_METRICS
    a = arrivals * aht_seconds / interval_seconds
    if agents <= a:
        return _OVERLOADED_NO_ABANDON
    c = erlang_c(agents, a)
    sl = 1.0 - c * math.exp(-(agents - a) * target_answer_seconds / aht_seconds)
    return QueueMetrics(
        service_level=max(0.0, sl),
        asa_seconds=c * aht_seconds / (agents - a),
        abandon_rate=0.0,
        occupancy=a / agents,
        p_wait=c,
    )


def effective_aht_erlang_c(
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    agents: int,
    concurrency: int,
    throughput: Sequence[float],
    target_answer_seconds: float,
) -> QueueMetrics:
    """The conventional chat shortcut: Erlang C with AHT / f(k), as if each agent were one fast server.

    Kept for comparison: it ignores that agents slow down as they take more chats and that buyers
    give up, which is why it usually asks for more agents than the chat model.
    """
    f = throughput_table(concurrency, throughput)
    return erlang_c_metrics(arrivals, interval_seconds, aht_seconds / f[-1], agents, target_answer_seconds)


# --------------------------------------------------------------------------------------------
# Birth-death engine: an arbitrary body of c slots, then an Erlang A tail
# --------------------------------------------------------------------------------------------
def _log_tail(s: float, z: float) -> tuple[float, float]:
    """(log S, log M): S = sum_j z^j / prod_{i<=j}(s+i), M = sum_j j * (same term); exact for any size.

    The series is summed directly when it converges in a bounded number of terms; otherwise the
    incomplete-gamma form is used (it cannot underflow there, because the terms grow first).
    """
    if z <= 0.0:
        return 0.0, -math.inf
    r0 = z / (s + 1.0)
    if r0 < 1.0:
        n = int(math.ceil((_LOG_EPS - math.log1p(-r0)) / -math.log(r0))) + 1
        if n <= _SERIES_MAX_TERMS:
            return _log_tail_series(s, z, n)
    p = float(gammainc(s, z))
    if p > 1e-290:
        log_s = z - s * math.log(z) + float(gammaln(s + 1.0)) + math.log(p)
        # sum j w_j = z dS/dz = (z - s) S + s, kept in logs (S can exceed 1e308)
        m_over_s = (z - s) + s * math.exp(-log_s)
        return log_s, (log_s + math.log(m_over_s) if m_over_s > 0 else -math.inf)
    # Underflow means z is far below s, so the series converges after at most ~41.5 sqrt(s/1320)
    # terms (a few thousand for any patience up to a day); the cap only guards memory.
    n = int(math.ceil(_LOG_EPS / -math.log(max(r0, 1e-300)))) + 1
    return _log_tail_series(s, z, min(n, 5_000_000))


def _lse(v: np.ndarray) -> float:
    """log(sum(exp(v))): scipy's logsumexp costs ~50x more per call on these short vectors."""
    top = float(v.max())
    if top == -math.inf:
        return -math.inf
    return top + math.log(float(np.exp(v - top).sum()))


def _log_tail_series(s: float, z: float, n: int) -> tuple[float, float]:
    # Only called with z < s + 1, so the terms fall from 1 and cannot overflow; underflow is harmless.
    j = np.arange(1.0, n + 1.0)
    terms = np.cumprod(z / (s + j))
    return math.log1p(float(terms.sum())), math.log(float(terms @ j)) if terms[0] > 0 else -math.inf


def _chain_metrics(
    lam: float,
    log_w: np.ndarray,
    nu: float,
    theta: float,
    target: float,
    kind: ServiceLevelKind,
) -> QueueMetrics:
    """Metrics of a birth-death chain: body weights log_w[0..c] (log_w[0] = 0), then the tail.

    lam: arrival rate per second; nu: completion rate with all c slots busy; theta = 1/patience
    (0 = nobody abandons).
    """
    c = len(log_w) - 1
    log_below = float(_lse(log_w[:-1]))  # states 0..c-1: an arrival is answered at once
    log_wc = float(log_w[-1])
    if theta == 0.0:
        rho = lam / nu
        if rho >= 1.0:
            return _OVERLOADED_NO_ABANDON
        log_s, log_m = -math.log1p(-rho), math.log(rho) - 2.0 * math.log1p(-rho)
    else:
        s, x = nu / theta, lam / theta
        log_s, log_m = _log_tail(s, x)
    log_z = float(np.logaddexp(log_below, log_wc + log_s))
    log_pc = log_wc - log_z
    p_wait = math.exp(log_pc + log_s)
    p_now = math.exp(log_below - log_z)
    eq = math.exp(log_pc + log_m) if log_m > -math.inf else 0.0  # mean number waiting
    # Occupancy: E[min(m, c)] / c
    m_idx = np.arange(c, dtype=float)
    busy = float(np.exp(log_w[:-1] - log_z) @ m_idx) + c * p_wait
    occupancy = min(1.0, busy / c)

    if target <= 0.0:
        answered = 0.0
    elif theta == 0.0:
        answered = p_wait * -math.expm1(-(nu - lam) * target)
    else:
        s, x = nu / theta, lam / theta
        y = x * math.exp(-theta * target)
        x_minus_y = x * -math.expm1(-theta * target)
        if kind == "answered":
            s1 = s + 1.0
            log_a, _ = _log_tail(s1, x)
            log_b, _ = _log_tail(s1, y)
            scale = log_pc + math.log(s / s1)
            answered = math.exp(scale + log_a) - math.exp(scale - (nu + theta) * target + x_minus_y + log_b)
        else:
            log_b, _ = _log_tail(s, y)
            answered = p_wait - math.exp(log_pc - nu * target + x_minus_y + log_b)
    sl = min(1.0, max(0.0, p_now + max(0.0, answered)))
    return QueueMetrics(
        service_level=sl,
        asa_seconds=eq / lam,
        abandon_rate=min(1.0, theta * eq / lam),
        occupancy=occupancy,
        p_wait=min(1.0, p_wait),
    )


def _no_agents(arrivals: float, patience_seconds: float) -> QueueMetrics:
    """Nobody to answer: every buyer waits out their patience and leaves."""
    if arrivals == 0:
        return IDLE_METRICS
    if math.isinf(patience_seconds):
        return _OVERLOADED_NO_ABANDON
    return QueueMetrics(service_level=0.0, asa_seconds=patience_seconds, abandon_rate=1.0, occupancy=1.0, p_wait=1.0)


def erlang_a_metrics(
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    patience_seconds: float,
    agents: int,
    target_answer_seconds: float,
    *,
    service_level_kind: ServiceLevelKind = "answered",
) -> QueueMetrics:
    """M/M/N+M (exponential patience), exact; patience = inf gives Erlang C.

    Service level is P(answered within T) over all arrivals (abandoners count as missed);
    ``service_level_kind="virtual"`` gives P(virtual wait <= T) instead. ASA is the mean wait over
    all arrivals including abandoners (= E[queue]/lambda, pyworkforce's definition).
    """
    _check_common(arrivals, interval_seconds, aht_seconds, agents, target_answer_seconds)
    _check_patience(patience_seconds)
    if arrivals == 0:
        return IDLE_METRICS
    if agents == 0:
        return _no_agents(arrivals, patience_seconds)
    lam = arrivals / interval_seconds
    a = lam * aht_seconds
    m = np.arange(agents + 1, dtype=float)
    log_w = m * math.log(a) - gammaln(m + 1.0)
    theta = 0.0 if math.isinf(patience_seconds) else 1.0 / patience_seconds
    return _chain_metrics(lam, log_w, agents / aht_seconds, theta, target_answer_seconds, service_level_kind)


def chat_metrics(
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    patience_seconds: float,
    agents: int,
    concurrency: int,
    throughput: Sequence[float],
    target_answer_seconds: float,
    *,
    service_level_kind: ServiceLevelKind = "answered",
) -> QueueMetrics:
    """Chat model: agents as limited processor-sharing servers, buyers who give up.

    Birth-death chain over chats in the system m. Chats spread evenly, so with m <= kN chats the
    agents complete N f(m/N) / AHT chats per second, f linear between integers (f(0) = 0, f(j) =
    throughput[j-1]): an agent carrying j chats finishes f(j) times as many as one carrying one.
    Beyond kN chats wait FCFS, completions stay at N f(k) / AHT and each waiting buyer leaves at
    rate 1/patience. With f(j) = j this is exactly Erlang A with kN servers.

    Service level: P(answered within T) over all arrivals; occupancy: chats in service / (kN).
    """
    _check_common(arrivals, interval_seconds, aht_seconds, agents, target_answer_seconds)
    _check_patience(patience_seconds)
    f = throughput_table(concurrency, throughput)
    if arrivals == 0:
        return IDLE_METRICS
    if agents == 0:
        return _no_agents(arrivals, patience_seconds)
    lam = arrivals / interval_seconds
    k = len(f) - 1
    c = k * agents
    m = np.arange(1, c + 1, dtype=float)
    death = agents * np.interp(m / agents, np.arange(k + 1, dtype=float), f) / aht_seconds
    log_w = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(death))))
    theta = 0.0 if math.isinf(patience_seconds) else 1.0 / patience_seconds
    return _chain_metrics(lam, log_w, float(death[-1]), theta, target_answer_seconds, service_level_kind)


def throughput_table(concurrency: int, throughput: Sequence[float]) -> np.ndarray:
    """[f(0)=0, f(1), ..., f(k)] from the practitioners' table (which may list more than k)."""
    k = int(concurrency)
    if k < 1:
        raise ValueError("concurrency must be at least 1")
    if len(throughput) < k:
        raise ValueError(f"throughput gives {len(throughput)} values, concurrency {k} needs f(1..{k})")
    f = [0.0, *(float(v) for v in throughput[:k])]
    if not all(0.0 < v < math.inf for v in f[1:]):
        raise ValueError("throughput values must be positive and finite")
    return np.array(f)


def _check_common(arrivals: float, interval: float, aht: float, agents: int, target: float) -> None:
    if not (arrivals >= 0 and math.isfinite(arrivals)):
        raise ValueError(f"arrivals must be finite and >= 0, got {arrivals}")
    if not (interval > 0 and aht > 0):
        raise ValueError("interval_seconds and aht_seconds must be > 0")
    if agents < 0:
        raise ValueError(f"agents must be >= 0, got {agents}")
    if not target >= 0:
        raise ValueError("target_answer_seconds must be >= 0")


def _check_patience(patience: float) -> None:
    if not patience > 0:
        raise ValueError(f"patience_seconds must be > 0 (inf = nobody abandons), got {patience}")


# --------------------------------------------------------------------------------------------
# Minimum agents
# --------------------------------------------------------------------------------------------
def min_agents(
    metrics_fn: Callable[[int], QueueMetrics],
    target_service_level: float,
    max_abandon: float,
    max_occupancy: float,
    floor: int = 0,
    *,
    max_asa_seconds: float = math.inf,
    hint: int | None = None,
    n_limit: int = 1_000_000,
) -> int:
    """Smallest N >= floor meeting the service level, abandonment, occupancy (and ASA) targets.

    Each metric is monotone in N, so the feasible set is [N*, inf): gallop from `hint` (or
    `floor`) to bracket N*, then bisect. About 2 log2(N*) evaluations instead of N*; a good hint
    (e.g. the offered load) cuts that to a handful. Raises ValueError if no N <= n_limit works
    (e.g. a 100 % service-level target).
    """
    cache: dict[int, bool] = {}

    def ok(n: int) -> bool:
        if n not in cache:
            m = metrics_fn(n)
            cache[n] = (
                m.service_level >= target_service_level - _TOL
                and m.abandon_rate <= max_abandon + _TOL
                and m.occupancy <= max_occupancy + _TOL
                and m.asa_seconds <= max_asa_seconds + _TOL
            )
        return cache[n]

    floor = max(0, int(floor))
    start = floor if hint is None else max(floor, int(hint))
    if ok(start):
        if start == floor:
            return floor
        hi, step = start, 1
        while True:  # gallop down until a failing N (or the floor) brackets N*
            probe = hi - step
            if probe <= floor:
                if ok(floor):
                    return floor
                lo = floor
                break
            if not ok(probe):
                lo = probe
                break
            hi, step = probe, step * 2
    else:
        lo, step = start, 1
        while True:  # gallop up
            hi = lo + step
            if hi > n_limit:
                if ok(n_limit):
                    hi = n_limit
                    break
                raise ValueError(f"no staffing up to {n_limit} agents meets the targets")
            if ok(hi):
                break
            lo, step = hi, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi
