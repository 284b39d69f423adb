"""The forecast: inquiries per slot and queue over the horizon with p50/p80/p90, and its printed summary."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from scheduler.demand.history import (
    BACKTEST_ORIGINS,
    BIAS_CLIP,
    EVENT_LOG_SD_FALLBACK,
    EVENT_LOG_SD_LEARNED,
    MIN_COUNT_FOR_MODEL_ERROR,
    MIN_NORMAL_DAYS,
    QUANTILES,
    Baseline,
    DayMatrix,
    aftersale_day_weights,
    day_matrix,
    fit_baseline,
    normal_days,
    within_hour_shares,
)
from scheduler.demand.promotion import (
    PromotionEffect,
    RelativeDay,
    combine_effects,
    fallback_effect,
    learn_promotion,
    window_days,
)
from scheduler.demand.sizing_chain import forecast_totals, sizing
from scheduler.errors import InputError, Problem
from scheduler.scenario import Scenario

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
        return PromotionEffect(combine_effects(learned), "learned")
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
    totals = forecast_totals(scenario, fc)
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
