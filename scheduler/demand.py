"""Demand: inquiries per slot and queue over the horizon, with p50/p80/p90, and the sizing chain.

The forecast is multiplicative and every factor is written out in forecast.csv so a supervisor can
follow it:

    p50(slot) = [baseline day total x uplift(relative day) x hour share + after-sale added]
                x within-hour share x bias correction

* **Baseline** (normal days): a weekday factor x hour-of-day profile x recent level, fitted on the
  last 28 complete normal days (promotion windows left out); each weekday keeps its own hourly
  shape, shrunk toward the pooled one. Pooling is less noisy than a same-weekday same-hour median
  of 4 values; on real bank arrivals it matches or beats that median and beats seasonal naive by
  over 20 % WAPE (benchmarks/forecast_backtest.py, figures in benchmarks/RESULTS.md).
* **Promotion effect**, learned from each past promotion in history.csv: the day total relative to
  that time's baseline for days -3 .. +7 around it, and the hourly shape of the days whose shape
  really differs from a normal day (chi-square test at 1 %). The promotion's extra inquiries are
  scaled by this year's GMV target against last year's GMV when both are known (the extra
  inquiries follow the promotion's size; the normal ones follow the shop's baseline). Without a
  past promotion the forecast falls back to DOMAIN.md's Double 11 shape and says so in `method`.
* **After-sale** inquiries after the event come from the sizing chain (orders x issue rate x
  contacts per issue) spread over `aftersale_days` by AFTERSALE_DAY_WEIGHTS; when a GMV target
  gives the chain, it replaces what history learned for those days, so nothing is counted twice.
* **Uncertainty** from rolling backtests on the history at the same lead time: quantiles of the
  log ratio of actual to forecast (model error), combined with Poisson noise at the slot's own
  count, widened on promotion days, and never below the Poisson quantile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy import stats

from scheduler.errors import InputError, Problem
from scheduler.scenario import Scenario

HOURS = 24
BASELINE_DAYS = 28
"""Complete normal days the level and the hourly profile are fitted on (four weeks)."""
WEEKDAY_DAYS = 56
"""Days the weekday factors are fitted on (eight weeks: eight samples of each weekday)."""
WEEKDAY_SHAPE_PSEUDO_DAYS = 4.0
"""Weight of the pooled hourly shape in each weekday's own shape, in days (backtested)."""
LEVEL_HALF_LIFE_DAYS = 14.0
"""Recent days weigh more in the level, so a growing shop is not under-forecast by weeks."""
MIN_NORMAL_DAYS = 7
EVENT_WINDOW = range(-3, 8)
"""Days relative to a promotion whose effect is learned (pre-sale builds from -3; after-sale peaks after)."""
MIN_UPLIFT_EFFECT = 0.03
"""A relative day within 3 % (or two Poisson sd) of its baseline is a normal day, not a promotion day."""
SHAPE_TEST_P = 0.01
"""A relative day keeps its own hourly shape only when it differs from a normal day's at this level."""
SHAPE_MIN_MOVED = 0.05
"""...and only when at least 5 % of the day's inquiries sit in other hours than on a normal day: with
tens of thousands of inquiries the test alone would take the baseline's own small error for shape."""
SHAPE_PSEUDO_COUNT = 100.0
"""A learned shape is blended with the normal profile as if it held this many more inquiries, so
one small shop's single past promotion does not turn Poisson noise into a shape."""
BACKTEST_ORIGINS = 28
MIN_COUNT_FOR_MODEL_ERROR = 30.0
"""Backtest slots with fewer forecast inquiries are dominated by Poisson noise, not model error."""
BIAS_CLIP = 0.10
EVENT_LOG_SD_LEARNED = 0.15
"""Extra log-sd on promotion days learned from history: one past promotion cannot measure its own
error; 15 % is our assumption, stated in `method`."""
EVENT_LOG_SD_FALLBACK = 0.30
"""Extra log-sd on promotion days when the shape is DOMAIN.md's default, not learned: twice as wide."""
QUANTILES = {"p50": 0.5, "p80": 0.8, "p90": 0.9}

# DOMAIN.md's Double 11 shape, used only when history holds no past promotion:
# "00:00-03:00 over 2x a normal day; trough 04:00-06:00; steep rise after 07:00; plateau from
# 10:00; peak 20:00-22:00"; "inquiries several times a normal day" (read as 3x: our assumption);
# "after-sale peaks after the event".
FALLBACK_EVENT_DAY_SHAPE = np.array(
    [8.0, 6.0, 4.0, 2.0, 1.0, 0.8, 1.0, 2.0, 3.0, 4.0, 4.5, 4.5,
     4.2, 4.3, 4.5, 4.5, 4.4, 4.3, 4.5, 5.2, 6.2, 6.6, 6.2, 5.0]
)
FALLBACK_UPLIFT = {-1: 1.3, 0: 3.0, 1: 1.2}
FALLBACK_AFTERSALE_UPLIFT = {0: 1.3, 1: 2.0, 2: 2.2, 3: 1.9, 4: 1.6, 5: 1.4, 6: 1.2, 7: 1.1}


def aftersale_day_weights(days: int) -> np.ndarray:
    """Share of the after-sale chain's inquiries on day k = 1..days after the event.

    Cases follow delivery, which takes a day or three: the weights rise to day 2 and decay,
    w_k proportional to k * exp(-k / 2) (our documented assumption; DOMAIN.md only says "after-sale
    peaks after the event").
    """
    k = np.arange(1, days + 1, dtype=float)
    w = k * np.exp(-k / 2)
    return w / w.sum()


def within_hour_shares(slot_minutes: int, front_loaded: bool) -> np.ndarray:
    """How an hour's inquiries split into its slots.

    Uniform on normal hours. The hour a promotion opens is front-loaded: the 2013 Double 11 sold
    5 bn yuan in its first 38 minutes (DOMAIN.md), so most of 00:00-01:00 arrives early; the
    split below (65 % in the first half hour, 40 % in the first quarter) is our assumption.
    """
    k = 60 // slot_minutes
    if k == 1:
        return np.ones(1)
    if not front_loaded:
        return np.full(k, 1.0 / k)
    return np.array([0.65, 0.35]) if k == 2 else np.array([0.40, 0.25, 0.20, 0.15])


# --- the hourly history as a day x hour matrix -----------------------------------------------


@dataclass(frozen=True)
class DayMatrix:
    """One queue's history: a row per calendar day (NaN rows for missing or partial days)."""

    first: date
    counts: np.ndarray  # shape (days, 24)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(len(self.counts))]

    def row(self, d: date) -> np.ndarray | None:
        i = (d - self.first).days
        if 0 <= i < len(self.counts) and not np.isnan(self.counts[i]).any():
            return self.counts[i]
        return None

    @property
    def last(self) -> date:
        return self.first + timedelta(days=len(self.counts) - 1)


def day_matrix(history: pd.DataFrame, queue: str, tz: ZoneInfo) -> DayMatrix | None:
    """Hourly sums by local day and hour; a day with any hour missing is left out (NaN)."""
    h = history[history.queue == queue]
    if h.empty:
        return None
    local = h.slot_start.dt.tz_convert(tz)
    frame = pd.DataFrame({"day": local.dt.date, "hour": local.dt.hour, "n": h.inquiries.to_numpy(dtype=float)})
    # a DST day has 23 or 25 local hours; hours present are summed, a missing hour marks the day partial
    table = frame.groupby(["day", "hour"]).n.sum().unstack("hour").reindex(columns=range(HOURS))
    first, last = min(table.index), max(table.index)
    counts = np.full(((last - first).days + 1, HOURS), np.nan)
    for d, values in zip(table.index, table.to_numpy(), strict=True):
        counts[(d - first).days] = values
    return DayMatrix(first, counts)


# --- baseline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """A normal day: level (weekday-adjusted daily total) x weekday factor x hourly profile."""

    level: float
    weekday: np.ndarray  # 7 factors, Monday first, mean 1 over weekdays seen
    profile: np.ndarray  # 24 shares summing to 1, pooled over the recent days
    weekday_profiles: np.ndarray  # (7, 24): each weekday's own shares, shrunk toward `profile`
    days_used: int

    def profile_for(self, d: date) -> np.ndarray:
        return self.weekday_profiles[d.weekday()]

    def day(self, d: date) -> np.ndarray:
        return self.level * self.weekday[d.weekday()] * self.profile_for(d)


def normal_days(m: DayMatrix, before: date, excluded: set[date]) -> list[date]:
    """Complete days before `before` that lie in no promotion window, newest first."""
    out = []
    d = min(before - timedelta(days=1), m.last)
    while d >= m.first:
        if d not in excluded and m.row(d) is not None:
            out.append(d)
        d -= timedelta(days=1)
    return out


def fit_baseline(m: DayMatrix, before: date, excluded: set[date]) -> Baseline | None:
    """Fit a normal day on the days before `before`; None with fewer than MIN_NORMAL_DAYS."""
    days = normal_days(m, before, excluded)
    if len(days) < MIN_NORMAL_DAYS:
        return None
    wk_days = days[:WEEKDAY_DAYS]
    totals = np.array([m.row(d).sum() for d in wk_days])
    mean_total = totals.mean()
    weekday = np.ones(7)
    if mean_total > 0:
        by_wd: dict[int, list[float]] = {}
        for d, t in zip(wk_days, totals, strict=True):
            by_wd.setdefault(d.weekday(), []).append(t / mean_total)
        seen = {wd: float(np.mean(v)) for wd, v in by_wd.items()}
        norm = np.mean(list(seen.values()))
        for wd, f in seen.items():
            weekday[wd] = f / norm if norm > 0 else 1.0
    recent = days[:BASELINE_DAYS]
    adjusted = np.array([m.row(d).sum() / max(weekday[d.weekday()], 1e-9) for d in recent])
    keep = _not_outliers(adjusted)
    ages = np.array([(before - d).days for d in recent], dtype=float)
    w = 0.5 ** (ages / LEVEL_HALF_LIFE_DAYS) * keep
    level = float((adjusted * w).sum() / w.sum())
    hourly = np.sum([m.row(d) for d, k in zip(recent, keep, strict=True) if k], axis=0)
    profile = hourly / hourly.sum() if hourly.sum() > 0 else np.full(HOURS, 1.0 / HOURS)
    return Baseline(level=level, weekday=weekday, profile=profile,
                    weekday_profiles=_weekday_profiles(m, wk_days, profile), days_used=int(keep.sum()))


def _weekday_profiles(m: DayMatrix, days: list[date], pooled: np.ndarray) -> np.ndarray:
    """Each weekday's hourly shape (a Monday morning differs from a Saturday's), shrunk toward
    the pooled shape by WEEKDAY_SHAPE_PSEUDO_DAYS so a few days' noise is not taken for shape."""
    out = np.tile(pooled, (7, 1))
    for wd in range(7):
        rows = [m.row(d) for d in days if d.weekday() == wd]
        if not rows:
            continue
        sums = np.sum(rows, axis=0)
        prior = WEEKDAY_SHAPE_PSEUDO_DAYS * sums.sum() / len(rows) * pooled
        total = (sums + prior).sum()
        if total > 0:
            out[wd] = (sums + prior) / total
    return out


def _not_outliers(x: np.ndarray) -> np.ndarray:
    """Days far from the median (a holiday, an outage) do not move the level: 4 scaled MADs."""
    logx = np.log(np.maximum(x, 1e-9) + 1.0)
    med = np.median(logx)
    mad = 1.4826 * np.median(np.abs(logx - med))
    if mad == 0:
        return np.ones(len(x), dtype=bool)
    return np.abs(logx - med) <= 4 * mad


# --- promotion effect -------------------------------------------------------------------------


@dataclass(frozen=True)
class RelativeDay:
    """A day relative to a promotion: its total against the baseline, and its own hourly shape."""

    uplift: float
    shape: np.ndarray | None  # None: the normal day's shape


@dataclass(frozen=True)
class PromotionEffect:
    days: dict[int, RelativeDay]
    source: str  # "learned from ..." or the fallback's note


def window_days(start: date) -> set[date]:
    return {start + timedelta(days=r) for r in EVENT_WINDOW}


def learn_promotion(
    m: DayMatrix, event_day: date, excluded: set[date], excess_scale: float
) -> tuple[dict[int, RelativeDay], float] | None:
    """The effect of one past promotion on one queue, and the baseline level before it.

    Uplift = actual day total / baseline day total, its excess over 1 multiplied by `excess_scale`.
    """
    base = fit_baseline(m, event_day + timedelta(days=EVENT_WINDOW.start), excluded)
    if base is None:
        return None
    days: dict[int, RelativeDay] = {}
    for r in EVENT_WINDOW:
        actual = m.row(event_day + timedelta(days=r))
        if actual is None:
            continue
        expected = base.day(event_day + timedelta(days=r))
        a, e = float(actual.sum()), float(expected.sum())
        if e <= 0 or a <= 0:
            continue
        uplift = a / e
        if abs(math.log(uplift)) < max(2 / math.sqrt(e), MIN_UPLIFT_EFFECT):  # within noise: a normal day
            uplift = 1.0
        days[r] = RelativeDay(1 + (uplift - 1) * excess_scale, _own_shape(actual, base.profile_for(event_day + timedelta(days=r))))
    return days, base.level


def _own_shape(actual: np.ndarray, normal_profile: np.ndarray) -> np.ndarray | None:
    """The day's hourly shares when they differ from a normal day's (chi-square), else None."""
    n = actual.sum()
    expected = normal_profile * n
    mask = expected > 0
    if n <= 0 or mask.sum() < 2:
        return None
    if (actual[~mask] > 0).any():
        return actual / n
    chi2 = float((((actual[mask] - expected[mask]) ** 2) / expected[mask]).sum())
    p = float(stats.chi2.sf(chi2, int(mask.sum()) - 1))
    moved = 0.5 * float(np.abs(actual / n - normal_profile).sum())  # share of the day in other hours
    if p >= SHAPE_TEST_P or moved < SHAPE_MIN_MOVED:
        return None
    return (actual + SHAPE_PSEUDO_COUNT * normal_profile) / (n + SHAPE_PSEUDO_COUNT)


def _combine(effects: list[dict[int, RelativeDay]]) -> dict[int, RelativeDay]:
    """Several past promotions: geometric mean of uplifts, mean of own shapes."""
    out: dict[int, RelativeDay] = {}
    for r in EVENT_WINDOW:
        rs = [e[r] for e in effects if r in e]
        if not rs:
            continue
        uplift = float(np.exp(np.mean([math.log(max(x.uplift, 1e-6)) for x in rs])))
        shapes = [x.shape for x in rs if x.shape is not None]
        shape = np.mean(shapes, axis=0) if len(shapes) * 2 > len(rs) else None
        out[r] = RelativeDay(uplift, shape / shape.sum() if shape is not None else None)
    return out


def fallback_effect(kind: str) -> dict[int, RelativeDay]:
    """DOMAIN.md's Double 11 shape for a shop whose history holds no past promotion."""
    if kind == "aftersale":
        return {r: RelativeDay(u, None) for r, u in FALLBACK_AFTERSALE_UPLIFT.items()}
    shape = FALLBACK_EVENT_DAY_SHAPE / FALLBACK_EVENT_DAY_SHAPE.sum()
    return {r: RelativeDay(u, shape if r == 0 else None) for r, u in FALLBACK_UPLIFT.items()}


# --- sizing chain -----------------------------------------------------------------------------

AGENT_DAY_HOURS = 8.0
"""The worked example's agent-day: 576 inquiries x 50 s = 8 hours fully busy (a lower bound)."""


def sizing(scenario: Scenario, fc: pd.DataFrame | None = None) -> dict:
    """The big-sale sizing chain (DOMAIN.md points 1 and 2), with the source formula beside it.

    With the forecast given, the forecast's own event-day totals are added for comparison.
    """
    ec = scenario.config.economics
    per_agent_day = AGENT_DAY_HOURS * 3600 / ec.agent_seconds_per_inquiry
    out: dict = {
        "value_per_inquiry_yuan": round(ec.inquiry_value, 4),
        "value_formula": "PPC x inquiry conversion / click conversion"
        if ec.value_per_inquiry_yuan is None
        else "set in scenario.yaml (economics.value_per_inquiry_yuan)",
        "ppc_yuan": ec.ppc_yuan,
        "click_conversion": ec.click_conversion,
        "inquiry_conversion": ec.inquiry_conversion,
        "agent_seconds_per_inquiry": ec.agent_seconds_per_inquiry,
        "inquiries_per_agent_day": round(per_agent_day, 4),
        "agent_day_hours": AGENT_DAY_HOURS,
    }
    if ec.gmv_target_yuan is None:
        out["note"] = "no economics.gmv_target_yuan: the order and inquiry chain needs a GMV target"
    else:
        orders = ec.gmv_target_yuan / ec.order_value_yuan
        presale = orders * ec.service_share / ec.inquiry_conversion
        aftersale = orders * ec.issue_rate * ec.contacts_per_issue
        out |= {
            "gmv_target_yuan": ec.gmv_target_yuan,
            "order_value_yuan": ec.order_value_yuan,
            "orders": round(orders, 4),
            "service_share": ec.service_share,
            "presale_inquiries": round(presale, 4),
            "issue_rate": ec.issue_rate,
            "contacts_per_issue": ec.contacts_per_issue,
            "aftersale_inquiries": round(aftersale, 4),
            "aftersale_days": ec.aftersale_days,
            "aftersale_inquiries_per_day": round(aftersale / ec.aftersale_days, 4),
            "unpaid_orders_to_chase": round(orders * ec.unpaid_share, 4),
            "presale_agents_lower_bound": round(presale / per_agent_day, 4),
            "presale_agents_lower_bound_whole": math.ceil(presale / per_agent_day - 1e-9),
            "aftersale_agents_per_day_lower_bound": round(aftersale / ec.aftersale_days / per_agent_day, 4),
            "lower_bound_note": "flat day, every agent 100 % busy: a lower bound only; "
            "the queueing model and the hourly shape set the real requirement",
            "source_formula": {
                "label": "source material's formula: target buyers x service share x service conversion",
                "value": round(orders * ec.service_share * ec.inquiry_conversion, 4),
                "unit": "buyers, not agents",
                "why": "it multiplies by the conversion rate where it should divide and never divides "
                "by what one agent handles, so the figure counts buyers who consult and buy",
            },
        }
    if fc is not None:
        out["forecast_totals"] = _forecast_totals(scenario, fc)
    return out


def _forecast_totals(scenario: Scenario, fc: pd.DataFrame) -> dict:
    """Per queue: horizon total, event-day total, and the peak slot (p50)."""
    ev = scenario.config.event
    out = {}
    for q, g in fc.groupby("queue", sort=False):
        row = {"horizon_p50": round(float(g.p50.sum()), 1)}
        if ev is not None:
            during = g[(g.slot_start >= ev.start) & (g.slot_start < ev.end)]
            row["event_p50"] = round(float(during.p50.sum()), 1)
            row["event_p80"] = round(float(during.p80.sum()), 1)
        peak = g.loc[g.p50.idxmax()]
        row["peak_slot"] = peak.slot_start.isoformat()
        row["peak_p50"] = round(float(peak.p50), 1)
        out[str(q)] = row
    return out


# --- the forecast -----------------------------------------------------------------------------


@dataclass
class _QueueModel:
    baseline: Baseline
    effect: PromotionEffect | None
    quantile_logs: dict[str, float]  # model-error log quantiles relative to the median, and the bias
    notes: list[str]


def _excluded_days(scenario: Scenario) -> set[date]:
    tz = scenario.tz
    days: set[date] = set()
    for pe in scenario.config.past_events:
        days |= window_days(pe.start.astimezone(tz).date())
    return days


def _queue_model(scenario: Scenario, m: DayMatrix, kind: str, start: date, lead: int) -> _QueueModel:
    excluded = _excluded_days(scenario)
    base = fit_baseline(m, start, excluded)
    assert base is not None  # checked by the caller
    notes = [f"baseline: weekday x hour profile over the last {base.days_used} normal days"]
    effect = None
    if scenario.config.event is not None:
        effect = _promotion(scenario, m, kind, base, excluded, notes)
    return _QueueModel(base, effect, error_quantiles(m, excluded, lead), notes)


def _promotion(
    scenario: Scenario, m: DayMatrix, kind: str, base: Baseline, excluded: set[date], notes: list[str]
) -> PromotionEffect:
    tz = scenario.tz
    target_gmv = scenario.config.economics.gmv_target_yuan
    learned = []
    names = []
    for pe in scenario.config.past_events:
        ev_day = pe.start.astimezone(tz).date()
        if m.row(ev_day) is None:
            continue
        # learn with a neutral scale first to know the baseline level then, then rescale
        got = learn_promotion(m, ev_day, excluded - window_days(ev_day), 1.0)
        if got is None:
            continue
        days, level_then = got
        scale, why = 1.0, "uplift kept relative to the baseline"
        if target_gmv is not None and pe.gmv_yuan:
            growth = base.level / level_then if level_then > 0 else 1.0
            scale = (target_gmv / pe.gmv_yuan) / growth
            why = f"extra inquiries x GMV ratio {target_gmv / pe.gmv_yuan:.2f} / baseline growth {growth:.2f}"
        days = {r: RelativeDay(1 + (d.uplift - 1) * scale, d.shape) for r, d in days.items()}
        learned.append(days)
        names.append(f"{pe.name} ({why})")
    if learned:
        notes.append("promotion learned from " + "; ".join(names))
        return PromotionEffect(_combine(learned), "learned")
    notes.append("promotion: no past promotion in history, DOMAIN.md's Double 11 shape (assumed)")
    return PromotionEffect(fallback_effect(kind), "fallback")


def error_quantiles(m: DayMatrix, excluded: set[date], lead: int) -> dict[str, float]:
    """Rolling-origin backtest of the baseline on the last normal days at the forecast's lead time.

    Returns the log quantiles of actual/forecast relative to its median (model error) and the
    median itself (bias, clipped), from slots with enough inquiries that Poisson noise is minor.
    """
    targets = normal_days(m, m.last + timedelta(days=1), excluded)[:BACKTEST_ORIGINS]
    errs, counts = [], []
    for d in targets:
        base = fit_baseline(m, d - timedelta(days=lead - 1), excluded)
        if base is None:
            continue
        f = base.day(d)
        a = m.row(d)
        errs.append(np.log((a + 0.5) / (f + 0.5)))
        counts.append(f)
    if not errs:
        return {"bias": 0.0, "p80": 0.0, "p90": 0.0, "origins": 0}
    e, f = np.concatenate(errs), np.concatenate(counts)
    big = f >= MIN_COUNT_FOR_MODEL_ERROR
    # a small queue has too few busy slots: use them all and take the Poisson part back out
    poisson_var = 0.0 if big.sum() >= 48 else float(np.median(1.0 / (f + 0.5)))
    if big.sum() >= 48:
        e = e[big]
    med = float(np.median(e))
    out: dict[str, float] = {"bias": float(np.clip(med, -BIAS_CLIP, BIAS_CLIP)), "origins": len(errs)}
    for name in ("p80", "p90"):
        q = max(0.0, float(np.quantile(e, QUANTILES[name])) - med)
        out[name] = math.sqrt(max(0.0, q * q - stats.norm.ppf(QUANTILES[name]) ** 2 * poisson_var))
    return out


def bands(point: np.ndarray, logs: dict[str, float], extra_log_sd: np.ndarray | float = 0.0) -> dict[str, np.ndarray]:
    """p50, p80, p90 around a point forecast.

    p50 corrects the backtest's median bias; the upper quantiles combine the model error's log
    quantile, any extra log-sd (promotion days) and Poisson noise at the slot's own count in
    quadrature, and never fall below the Poisson quantile itself.
    """
    p50 = np.asarray(point, dtype=float) * math.exp(logs["bias"])
    out = {"p50": p50}
    for name in ("p80", "p90"):
        z = stats.norm.ppf(QUANTILES[name])
        model = np.hypot(logs[name], z * np.asarray(extra_log_sd, dtype=float))
        noise = z / np.sqrt(np.maximum(p50, 1e-2))
        spread = np.minimum(np.hypot(model, noise), 50.0)  # a near-empty slot: the Poisson floor decides
        out[name] = np.maximum(p50 * np.exp(spread), stats.poisson.ppf(QUANTILES[name], p50))
    return out


def forecast(scenario: Scenario) -> pd.DataFrame:
    """Inquiries per slot and queue over the horizon: p50, p80, p90 and their components."""
    sc = scenario
    tz = sc.tz
    slots = sc.slots
    start_day = slots[0].date()
    ev = sc.config.event
    ev_day = ev.start.astimezone(tz).date() if ev is not None else None
    ev_open = pd.Timestamp(ev.start).tz_convert(tz).floor("h") if ev is not None else None
    chain = sizing(sc)
    aftersale_queues = [q.id for q in sc.config.queues if q.kind == "aftersale"]
    problems = []
    frames = []
    for q in sc.config.queues:
        m = day_matrix(sc.history, q.id, tz)
        if m is None or fit_baseline(m, start_day, _excluded_days(sc)) is None:
            n = 0 if m is None else len(normal_days(m, start_day, _excluded_days(sc)))
            problems.append(Problem(sc.config.files.history, "queue",
                                    f"{n} complete normal days of '{q.id}' before the horizon",
                                    f"at least {MIN_NORMAL_DAYS} complete days (24 hourly rows each) per queue"))
            continue
        lead = max(1, (start_day - m.last).days)
        qm = _queue_model(sc, m, q.kind, start_day, lead)
        use_chain = q.kind == "aftersale" and "aftersale_inquiries" in chain and ev_day is not None
        frames.append(_queue_frame(sc, q.id, qm, ev_day, ev_open, chain if use_chain else None,
                                   len(aftersale_queues)))
    if problems:
        raise InputError(problems)
    return pd.concat(frames, ignore_index=True).sort_values(["slot_start", "queue"], kind="stable").reset_index(drop=True)


def _queue_frame(
    sc: Scenario,
    qid: str,
    qm: _QueueModel,
    ev_day: date | None,
    ev_open: pd.Timestamp | None,
    chain: dict | None,
    n_aftersale: int,
) -> pd.DataFrame:
    tz = sc.tz
    k = 60 // sc.slot_minutes
    notes = list(qm.notes)
    event_sd = 0.0
    if qm.effect is not None:
        event_sd = EVENT_LOG_SD_LEARNED if qm.effect.source == "learned" else EVENT_LOG_SD_FALLBACK
    if chain is not None:
        notes.append(f"after-sale after the event from the sizing chain ({chain['aftersale_inquiries']:,.0f} inquiries "
                     f"over {chain['aftersale_days']} days)")
        weights = aftersale_day_weights(chain["aftersale_days"])
    notes.append(f"quantiles: backtest on {qm.quantile_logs['origins']} days + Poisson"
                 + (f", promotion days +{event_sd:.0%} log-sd" if event_sd else ""))
    method = "; ".join(notes)
    rows = []
    for t in sc.slots:
        lt = t.tz_convert(tz)
        d = lt.date()
        day_base = qm.baseline.day(d)
        rel = (d - ev_day).days if ev_day is not None else None
        rd = qm.effect.days.get(rel) if (qm.effect is not None and rel is not None) else None
        if rd is not None and chain is not None and rel >= 1:
            rd = None  # the sizing chain gives this day's after-sale extra instead
        uplift = rd.uplift if rd is not None else 1.0
        hour_shape = rd.shape if (rd is not None and rd.shape is not None) else qm.baseline.profile_for(d)
        day_total = day_base.sum()
        share_hour = float(hour_shape[lt.hour])
        added = 0.0
        if chain is not None and rel is not None and 1 <= rel <= chain["aftersale_days"]:
            added = chain["aftersale_inquiries"] / n_aftersale * weights[rel - 1] * float(qm.baseline.profile_for(d)[lt.hour])
        front = ev_open is not None and lt.floor("h") == ev_open
        within = within_hour_shares(sc.slot_minutes, front)[(lt.minute // sc.slot_minutes) % k]
        point = (day_total * uplift * share_hour + added) * within
        promo_day = rd is not None and (uplift != 1.0 or rd.shape is not None)
        rows.append((t, qid, point, float(day_base[lt.hour]) * within, uplift, share_hour * within, added * within,
                     rel, promo_day))
    df = pd.DataFrame(rows, columns=["slot_start", "queue", "point", "baseline", "uplift", "profile_share",
                                     "aftersale_added", "relative_day", "promotion_day"])
    for name, values in bands(df.point.to_numpy(), qm.quantile_logs, np.where(df.promotion_day, event_sd, 0.0)).items():
        df[name] = values
    df["method"] = method
    df["relative_day"] = df.relative_day.astype("Int64")
    return df[["slot_start", "queue", "p50", "p80", "p90", "method", "baseline", "uplift", "profile_share",
               "aftersale_added", "relative_day"]]


# --- the printed summary ------------------------------------------------------------------


def forecast_summary(scenario: Scenario, fc: pd.DataFrame, size: dict) -> str:
    """A few lines for the terminal: event-day totals per queue, the peak hour, the sizing chain."""
    lines = []
    totals = _forecast_totals(scenario, fc)
    ev = scenario.config.event
    for q, t in totals.items():
        span = f"{ev.name} day p50 {t['event_p50']:,.0f} (p80 {t['event_p80']:,.0f})" if ev is not None else \
            f"horizon p50 {t['horizon_p50']:,.0f}"
        peak = pd.Timestamp(t["peak_slot"]).strftime("%m-%d %H:%M")
        lines.append(f"{q:12s} {span}; peak {peak} with {t['peak_p50']:,.0f} inquiries")
    lines.append(f"value of one inquiry: ¥{size['value_per_inquiry_yuan']:.2f} ({size['value_formula']})")
    if "orders" in size:
        lines.append(
            f"sizing chain: {size['orders']:,.0f} orders -> {size['presale_inquiries']:,.0f} pre-sale and "
            f"{size['aftersale_inquiries']:,.0f} after-sale inquiries; {size['inquiries_per_agent_day']:,.0f} per "
            f"agent-day -> at least {size['presale_agents_lower_bound']:,.1f} pre-sale agents (flat day, a lower bound)"
        )
        sf = size["source_formula"]
        lines.append(f"source formula's figure: {sf['value']:,.0f} ({sf['unit']})")
    else:
        lines.append(size["note"])
    return "\n".join(lines)
