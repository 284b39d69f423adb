"""The supervisor's KPIs (DOMAIN.md points 6 and 8), for the team and per agent, by day, week, month.

Every KPI is a ratio of sums, so a week is never an average of days:

* inquiry conversion (询单转化率) = buyers who ordered / buyers who inquired
* order value (询单客单价) = sales / buyers who paid
* payment rate (支付率) = buyers who paid / buyers who ordered
* response time (响应时间) = first response seconds weighted by buyers answered (also the
  average response, weighted the same way)
* answer rate (回复率) = buyers answered / buyers received
* sales (销售额) = the sum of sales in yuan
* chats per online hour = buyers received / online hours

Each agent is set against the team's median agent in the same period and against their own last
period; `flags` names the agents outside the band of `BANDS` with the KPI that puts them there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from scheduler.reviewing.export import AgentStats
from scheduler.scenario import Scenario

SUMS = ["buyers_received", "buyers_answered", "buyers_inquired", "buyers_ordered", "buyers_paid", "sales_yuan",
        "online_minutes", "first_response_weighted", "avg_response_weighted"]
KPIS = ["inquiry_conversion", "order_value_yuan", "payment_rate", "first_response_seconds",
        "avg_response_seconds", "answer_rate", "sales_yuan", "chats_per_online_hour"]
GRAINS = ("day", "week", "month")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def add_kpis(sums: pd.DataFrame) -> pd.DataFrame:
    """The KPI columns from summed counts (a row may be one agent-hour or a team's month)."""
    out = sums.copy()
    out["inquiry_conversion"] = _ratio(out.buyers_ordered, out.buyers_inquired)
    out["order_value_yuan"] = _ratio(out.sales_yuan, out.buyers_paid)
    out["payment_rate"] = _ratio(out.buyers_paid, out.buyers_ordered)
    out["first_response_seconds"] = _ratio(out.first_response_weighted, out.buyers_answered)
    out["avg_response_seconds"] = _ratio(out.avg_response_weighted, out.buyers_answered)
    out["answer_rate"] = _ratio(out.buyers_answered, out.buyers_received)
    out["chats_per_online_hour"] = _ratio(out.buyers_received, out.online_minutes / 60)
    return out


def period_of(d: pd.Series, grain: str) -> pd.Series:
    """A day's period label: 2026-11-11, 2026-W46 (ISO week, Monday first) or 2026-11."""
    if grain == "day":
        return d.map(lambda x: x.isoformat())
    if grain == "week":
        return d.map(lambda x: f"{x.isocalendar().year}-W{x.isocalendar().week:02d}")
    return d.map(lambda x: f"{x.year}-{x.month:02d}")


def with_response_weights(rows: pd.DataFrame) -> pd.DataFrame:
    """Response seconds times buyers answered, so sums of them give answered-weighted means."""
    r = rows.copy()
    r["first_response_weighted"] = r.first_response_seconds * r.buyers_answered
    r["avg_response_weighted"] = r.avg_response_seconds * r.buyers_answered
    return r


def _answer_expectation(rows: pd.DataFrame) -> pd.DataFrame:
    """Per row: answered buyers expected at the team's answer rate in the same date, hour and
    queue, and the binomial variance of that count (summed over an agent's hours later)."""
    keys = ["date", "hour", "queue"] if "queue" in rows.columns else ["date", "hour"]
    g = rows.groupby(keys)
    rate = g.buyers_answered.transform("sum") / g.buyers_received.transform("sum").where(lambda s: s > 0)
    rate = rate.fillna(1.0)
    return rows.assign(answered_expected=rows.buyers_received * rate,
                       answered_variance=rows.buyers_received * rate * (1 - rate))


def kpi_table(stats: AgentStats, sc: Scenario) -> pd.DataFrame:
    """grain, period, scope (team | agent), agent_id, the sums, the KPIs, each agent's KPI against
    the team median (`<kpi>_vs_median`, a ratio) and against their own last period
    (`<kpi>_vs_last`, a ratio; empty in an agent's first period)."""
    rows = with_response_weights(stats.rows)
    hourly = stats.hourly
    if hourly:
        rows = _answer_expectation(rows)
    frames = []
    for grain in GRAINS:
        r = rows.assign(grain=grain, period=period_of(rows.date, grain))
        sums = SUMS + (["answered_expected", "answered_variance"] if hourly else [])
        agents = r.groupby(["grain", "period", "agent_id"], as_index=False)[sums].sum()
        team = r.groupby(["grain", "period"], as_index=False)[sums].sum().assign(agent_id="")
        agents["scope"], team["scope"] = "agent", "team"
        frames += [add_kpis(team), add_kpis(agents)]
    out = pd.concat(frames, ignore_index=True)
    out["agent_name"] = out.agent_id.map(lambda a: sc.agents_by_id[a].name if a else "")
    out["contract"] = out.agent_id.map(lambda a: sc.agents_by_id[a].contract if a else "")
    out["online_hours"] = out.online_minutes / 60
    is_agent = out.scope == "agent"
    for k in KPIS:
        med = out[is_agent].groupby(["grain", "period"])[k].median()
        m = pd.Series([med.get((g, p), np.nan) for g, p in zip(out.grain, out.period, strict=True)], index=out.index)
        out[f"{k}_team_median"] = m
        out[f"{k}_vs_median"] = np.where(is_agent, _ratio(out[k], m), np.nan)
        prev = out[is_agent].sort_values("period").groupby(["grain", "agent_id"])[k].shift(1)
        out[f"{k}_vs_last"] = _ratio(out[k], prev.reindex(out.index))
    out = out.sort_values(["grain", "period", "scope", "agent_id"], key=_grain_order, kind="stable")
    lead = ["grain", "period", "scope", "agent_id", "agent_name", "contract", "buyers_received", "buyers_answered",
            "buyers_inquired", "buyers_ordered", "buyers_paid", "online_hours", *KPIS]
    rest = [c for c in out.columns if c.endswith(("_team_median", "_vs_median", "_vs_last"))]
    rest += [c for c in ("answered_expected", "answered_variance") if c in out.columns]
    return out[lead + rest].reset_index(drop=True)


def _grain_order(s: pd.Series) -> pd.Series:
    if s.name == "grain":
        return s.map({g: k for k, g in enumerate(GRAINS)})
    if s.name == "scope":
        return s.map({"team": 0, "agent": 1})
    return s


@dataclass(frozen=True)
class Band:
    """How far from the team a KPI may lie before the agent is flagged.

    `limit` is a share of the team's figure: below it (`bad` = "low") or above it ("high")
    flags, when at least `min_buyers` buyers stand behind the agent's figure. KPIs that are
    shares of buyers (`hits` of `buyers`) must also be unlikely by chance: a one-sided binomial
    p-value of at most P_LIMIT at the team's rate, so a part-timer's handful of buyers cannot flag
    them. The team's figure is its median agent in the period; for the answer rate of an hourly
    export it is the team's own answer rate in the same hours and queue (an agent who worked the
    short-staffed hours lost buyers to the queue, which is the plan's doing). Response is judged
    on the average response (the agent's own reply time); the first response also holds the
    queue's wait.
    """

    kpi: str
    bad: Literal["low", "high"]
    limit: float
    min_buyers: int
    buyers: str
    hits: str | None = None


BANDS = (
    Band("inquiry_conversion", "low", 0.80, 30, "buyers_inquired", "buyers_ordered"),
    Band("payment_rate", "low", 0.85, 30, "buyers_ordered", "buyers_paid"),
    Band("answer_rate", "low", 0.90, 30, "buyers_received", "buyers_answered"),
    Band("order_value_yuan", "low", 0.75, 30, "buyers_paid"),
    Band("avg_response_seconds", "high", 1.50, 30, "buyers_answered"),
)
"""The review's bands (README, review section); tests measure their false-alarm rate."""
P_LIMIT = 1e-4
"""Per agent and KPI: about one false alarm in 50 reviews of a 200-agent team (three share KPIs)."""


def chance_low(hits: float, n: float, p: float, var: float | None = None) -> float:
    """P(as few hits or fewer | rate p): exact binomial, or normal with `var` for mixed rates."""
    if n <= 0 or not 0 < p < 1:
        return 1.0
    if var is not None:
        return float(stats.norm.cdf((hits - n * p) / math.sqrt(var))) if var > 0 else 1.0
    return float(stats.binom.cdf(hits, int(n), p))


def flag_rows(table: pd.DataFrame) -> pd.DataFrame:
    """One row per agent, period and KPI outside its band: grain, period, agent_id, agent_name,
    kpi, value, team (the figure compared with), ratio, buyers, p_value, why."""
    agents = table[table.scope == "agent"]
    out = []
    for b in BANDS:
        for row in agents.to_dict("records"):
            n, value, team = row[b.buyers], row[b.kpi], row[f"{b.kpi}_team_median"]
            var = None
            if b.kpi == "answer_rate" and pd.notna(row.get("answered_expected")):
                team, var = row["answered_expected"] / n if n else np.nan, row["answered_variance"]
            if not (n >= b.min_buyers and pd.notna(value) and pd.notna(team) and team > 0):
                continue
            ratio = value / team
            outside = ratio < b.limit if b.bad == "low" else ratio > b.limit
            p = chance_low(row[b.hits], n, team, var) if b.hits is not None else float("nan")
            if not outside or (b.hits is not None and p > P_LIMIT):
                continue
            side = "below" if b.bad == "low" else "above"
            whose = "the team's in the same hours" if var is not None else "the team median"
            why = (f"{b.kpi} {_show(b.kpi, value)} is {ratio:.2f}x {whose} ({_show(b.kpi, team)}), "
                   f"{side} the band at {b.limit:.2f}x")
            if b.hits is not None:
                why += f"; chance {p:.1e} over {int(n)} buyers"
            out.append({"grain": row["grain"], "period": row["period"], "agent_id": row["agent_id"],
                        "agent_name": row["agent_name"], "kpi": b.kpi, "value": value, "team": team,
                        "ratio": ratio, "buyers": int(n), "p_value": p, "why": why})
    cols = ["grain", "period", "agent_id", "agent_name", "kpi", "value", "team", "ratio", "buyers", "p_value", "why"]
    return pd.DataFrame(out, columns=cols).sort_values(["grain", "period", "agent_id", "kpi"], key=_grain_order).reset_index(drop=True)


def _show(kpi: str, v: float) -> str:
    if kpi.endswith("_seconds"):
        return f"{v:.1f} s"
    if kpi.endswith("_yuan"):
        return f"¥{v:,.2f}"
    return f"{v:.1%}"
