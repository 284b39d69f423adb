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

- history.py: the constants, the hourly history as a day x hour matrix, the baseline;
- promotion.py: the promotion effect learned from past promotions (or DOMAIN.md's fallback);
- sizing_chain.py: the big-sale sizing chain;
- forecasting.py: the forecast with its quantiles, and the summary the CLI prints.
"""

from scheduler.demand.forecasting import (
    bands,
    error_quantiles,
    forecast,
    forecast_summary,
)
from scheduler.demand.history import (
    BACKTEST_ORIGINS,
    BASELINE_DAYS,
    BIAS_CLIP,
    EVENT_LOG_SD_FALLBACK,
    EVENT_LOG_SD_LEARNED,
    EVENT_WINDOW,
    FALLBACK_AFTERSALE_UPLIFT,
    FALLBACK_EVENT_DAY_SHAPE,
    FALLBACK_UPLIFT,
    HOURS,
    LEVEL_HALF_LIFE_DAYS,
    MIN_COUNT_FOR_MODEL_ERROR,
    MIN_NORMAL_DAYS,
    MIN_UPLIFT_EFFECT,
    QUANTILES,
    SHAPE_MIN_MOVED,
    SHAPE_PSEUDO_COUNT,
    SHAPE_TEST_P,
    WEEKDAY_DAYS,
    WEEKDAY_SHAPE_PSEUDO_DAYS,
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
from scheduler.demand.sizing_chain import (
    AGENT_DAY_HOURS,
    forecast_totals,
    sizing,
)

__all__ = [
    "AGENT_DAY_HOURS",
    "BACKTEST_ORIGINS",
    "BASELINE_DAYS",
    "BIAS_CLIP",
    "Baseline",
    "DayMatrix",
    "EVENT_LOG_SD_FALLBACK",
    "EVENT_LOG_SD_LEARNED",
    "EVENT_WINDOW",
    "FALLBACK_AFTERSALE_UPLIFT",
    "FALLBACK_EVENT_DAY_SHAPE",
    "FALLBACK_UPLIFT",
    "HOURS",
    "LEVEL_HALF_LIFE_DAYS",
    "MIN_COUNT_FOR_MODEL_ERROR",
    "MIN_NORMAL_DAYS",
    "MIN_UPLIFT_EFFECT",
    "PromotionEffect",
    "QUANTILES",
    "RelativeDay",
    "SHAPE_MIN_MOVED",
    "SHAPE_PSEUDO_COUNT",
    "SHAPE_TEST_P",
    "WEEKDAY_DAYS",
    "WEEKDAY_SHAPE_PSEUDO_DAYS",
    "aftersale_day_weights",
    "bands",
    "combine_effects",
    "day_matrix",
    "error_quantiles",
    "fallback_effect",
    "fit_baseline",
    "forecast",
    "forecast_summary",
    "forecast_totals",
    "learn_promotion",
    "normal_days",
    "sizing",
    "window_days",
    "within_hour_shares",
]
