"""The big-sale sizing chain: GMV -> orders -> inquiries, with the source formula beside it."""

from __future__ import annotations

import math

import pandas as pd

from scheduler.scenario import Scenario

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
        out["forecast_totals"] = forecast_totals(scenario, fc)
    return out


def forecast_totals(scenario: Scenario, fc: pd.DataFrame) -> dict:
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
