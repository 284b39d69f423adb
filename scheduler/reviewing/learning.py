"""What the next plan learns from this event: the plan's assumptions re-estimated from the hourly
actuals and the export, each with its evidence (n, estimate, 95 % interval), and written as a
proposed scenario change. Nothing is applied: a change is proposed where the interval excludes
the value the plan assumed, and the supervisor decides.

Estimates (per queue unless said):

* AHT: the handle time at which the plan's own chat model (staffing_model.queue_metrics, the
  scenario's patience and concurrency) best explains each hour's abandonment given its inquiries
  and agents online: binomial maximum likelihood, the interval where the log-likelihood is within
  1.92 of its maximum (likelihood ratio, 95 %). Handling time itself is in no export; the
  buyers who gave up are.
* chats per agent: answered chats per online agent-hour, over all hours and over the hours the
  queue was saturated (abandonment above its cap), beside the chat model's capacity at full
  concurrency; evidence only (the scenario holds concurrency, which chats alone cannot separate).
* abandonment: abandoned / inquiries beside the plan's expected (Wilson interval); evidence only.
* inquiry conversion, payment rate, order value (the figures that price a lost inquiry): ratios
  of sums of the export's pre-sale rows, intervals from the spread between agents (a ratio
  estimator's cluster-robust variance); economics.inquiry_conversion, unpaid_share, order_value_yuan.
* uplift and hourly shape: each day's inquiries / the plan's baseline for it (forecast.csv),
  interval from the hours' dispersion around the plan's shape (quasi-Poisson); the event is
  proposed as a past event, and its hours as history rows, so the next forecast learns the uplift
  and the shape the way it learns every promotion.
"""

from __future__ import annotations

import copy
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize, stats

from scheduler.replanning import read_plan_csv
from scheduler.reviewing.export import AgentStats
from scheduler.scenario import Scenario, read_text
from scheduler.staffing_model import queue_metrics
from scheduler.staffing_model.queueing import throughput_table

Z95 = 1.959963984540054
LR95 = stats.chi2.ppf(0.95, 1) / 2
AHT_RANGE = (0.25, 4.0)
"""The AHT searched, as multiples of the scenario's aht_seconds."""
MIN_HOUR_INQUIRIES = 5
"""Hours with fewer inquiries carry next to no information on the handle time."""


@dataclass
class Estimate:
    """One re-estimated assumption, with its evidence."""

    setting: str
    """The scenario setting, as a dotted path (queues.presale.aht_seconds), or an evidence name."""
    before: float | None
    estimate: float
    low: float
    high: float
    n: float
    n_what: str
    method: str
    proposed: float | None = None
    """The value proposed for scenario.yaml (None: evidence only, or the interval holds `before`)."""

    def as_row(self) -> dict:
        return {"setting": self.setting, "before": self.before, "estimate": self.estimate, "low": self.low,
                "high": self.high, "n": self.n, "n_what": self.n_what, "proposed": self.proposed, "method": self.method}


@dataclass
class Learning:
    estimates: list[Estimate]
    shape: pd.DataFrame
    """queue, date, hour, plan_share, actual_share: each hour's share of its day's inquiries."""
    history_rows: pd.DataFrame
    """slot_start, queue, inquiries: the event's hours in history.csv's format."""
    past_event: dict | None = None
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([e.as_row() for e in self.estimates])


# ---------------------------------------------------------------------------------------------
# handle time from abandonment
# ---------------------------------------------------------------------------------------------
def _abandon_loglik(queue, aht: float, hours: pd.DataFrame, interval: float) -> float:
    # target 0 skips the service-level series: only abandonment is wanted (as staffing's _abandon_rate)
    q = queue.model_copy(update={"aht_seconds": aht, "target_answer_seconds": 0.0})
    ll = 0.0
    for n, y, m in zip(hours.inquiries, hours.abandoned, hours.agents, strict=True):
        p = min(max(queue_metrics(q, float(n), interval, int(m)).abandon_rate, 1e-12), 1 - 1e-12)
        ll += y * math.log(p) + (n - y) * math.log1p(-p)
    return ll


def aht_from_abandonment(queue, hours: pd.DataFrame, interval: float) -> Estimate | None:
    """The AHT maximising the binomial likelihood of the hours' abandonment under the chat model;
    `hours` has inquiries, abandoned and agents (online) per slot."""
    h = hours[(hours.agents > 0) & (hours.inquiries >= MIN_HOUR_INQUIRIES) & hours.abandoned.notna()]
    if len(h) < 3:
        return None
    lo, hi = (queue.aht_seconds * f for f in AHT_RANGE)
    grid = np.geomspace(lo, hi, 29)
    ll = np.array([_abandon_loglik(queue, a, h, interval) for a in grid])
    k = int(np.argmax(ll))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(lambda x: -_abandon_loglik(queue, x, h, interval), bounds=(a, b), method="bounded",
                                   options={"xatol": 0.1})
    best, top = float(res.x), -float(res.fun)

    def edge(x0: float, x1: float) -> float:
        f = lambda x: _abandon_loglik(queue, x, h, interval) - (top - LR95)  # noqa: E731
        if f(x1) > 0:
            return x1
        return float(optimize.brentq(f, x0, x1, xtol=0.1))

    low, high = edge(best, lo), edge(best, hi)
    return Estimate(f"queues.{queue.id}.aht_seconds", queue.aht_seconds, best, low, high, float(h.inquiries.sum()),
                    f"inquiries in {len(h)} slots with agents online",
                    "chat model's abandonment fitted by maximum likelihood; likelihood-ratio interval")


# ---------------------------------------------------------------------------------------------
# ratios: conversion, payment, order value, abandonment
# ---------------------------------------------------------------------------------------------
def ratio_by_agents(num: pd.Series, den: pd.Series) -> tuple[float, float, float, int]:
    """sum(num) / sum(den) over agents, with a 95 % interval from the agents' spread
    (cluster-robust variance of a ratio estimator): (estimate, low, high, agents)."""
    keep = den > 0
    num, den = num[keep].astype(float), den[keep].astype(float)
    k = len(den)
    if k == 0:
        return float("nan"), float("nan"), float("nan"), 0
    r = float(num.sum() / den.sum())
    if k < 2:
        return r, float("nan"), float("nan"), k
    se = math.sqrt(float(((num - r * den) ** 2).sum()) * k / (k - 1)) / float(den.sum())
    return r, r - Z95 * se, r + Z95 * se, k


def wilson(hits: float, n: float) -> tuple[float, float]:
    """95 % Wilson interval of a share."""
    if n <= 0:
        return float("nan"), float("nan")
    p = hits / n
    d = 1 + Z95**2 / n
    c = (p + Z95**2 / (2 * n)) / d
    w = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / d
    return c - w, c + w


def _outside(e: Estimate) -> bool:
    return e.before is not None and math.isfinite(e.low) and not e.low <= e.before <= e.high


def economics_estimates(stats_: AgentStats, sc: Scenario) -> list[Estimate]:
    """Inquiry conversion, unpaid share and order value from the export's pre-sale work."""
    ec = sc.config.economics
    per = stats_.rows.groupby("agent_id")[["buyers_inquired", "buyers_ordered", "buyers_paid", "sales_yuan"]].sum()
    out = []
    r, lo, hi, k = ratio_by_agents(per.buyers_ordered, per.buyers_inquired)
    out.append(Estimate("economics.inquiry_conversion", ec.inquiry_conversion, r, lo, hi, float(per.buyers_inquired.sum()),
                        f"inquiring buyers of {k} agents", "buyers ordered / buyers inquired; agents' spread"))
    r, lo, hi, k = ratio_by_agents(per.buyers_ordered - per.buyers_paid, per.buyers_ordered)
    out.append(Estimate("economics.unpaid_share", ec.unpaid_share, r, lo, hi, float(per.buyers_ordered.sum()),
                        f"ordering buyers of {k} agents", "1 - buyers paid / buyers ordered; agents' spread"))
    r, lo, hi, k = ratio_by_agents(per.sales_yuan, per.buyers_paid)
    out.append(Estimate("economics.order_value_yuan", ec.order_value_yuan, r, lo, hi, float(per.buyers_paid.sum()),
                        f"paying buyers of {k} agents", "sales / buyers paid; agents' spread"))
    rounding = {"economics.inquiry_conversion": 3, "economics.unpaid_share": 3, "economics.order_value_yuan": 2}
    for e in out:
        if _outside(e):
            e.proposed = round(e.estimate, rounding[e.setting])
    return out


def queue_estimates(reality: pd.DataFrame, sc: Scenario) -> list[Estimate]:
    """Per queue: AHT from abandonment (proposed when outside the interval), chats per online
    agent-hour and abandonment (evidence)."""
    out = []
    for q in sc.config.queues:
        r = reality[reality.queue == q.id]
        # who was there: the queue's own count, else the export's, else the rota's (hourly table)
        agents = r.agents_online_reported.fillna(r.online_agents).fillna(r.planned_agents).round()
        hours = pd.DataFrame({"inquiries": r.inquiries, "abandoned": r.abandoned, "agents": agents})
        e = aht_from_abandonment(q, hours.dropna(subset=["inquiries"]), 3600.0)
        if e is not None:
            if _outside(e):
                e.proposed = int(round(e.estimate))
            out.append(e)
        busy = r[r.online_agent_hours > 0]
        if len(busy):
            f_k = float(throughput_table(q.concurrency, q.throughput)[-1])
            cap = f_k * 3600 / q.aht_seconds
            rate = float(busy.answered.sum() / busy.online_agent_hours.sum())
            sat = busy[busy.abandon_rate > q.max_abandon_rate]
            sat_rate = float(sat.answered.sum() / sat.online_agent_hours.sum()) if len(sat) else float("nan")
            per_hour = busy.answered / busy.online_agent_hours
            lo, hi = np.quantile(per_hour, [0.025, 0.975]) if len(busy) >= 5 else (float("nan"), float("nan"))
            out.append(Estimate(f"evidence.{q.id}.chats_per_online_agent_hour", cap, rate, float(lo), float(hi),
                                float(busy.online_agent_hours.sum()), "online agent-hours",
                                f"answered / online agent-hours (before: the chat model's capacity at {q.concurrency} chats; "
                                f"hours saturated above the abandonment cap: {sat_rate:.1f} over {len(sat)} hours; "
                                "interval: the middle 95 % of hours)"))
        n, y = float(r.inquiries.sum()), float(r.abandoned.sum())
        if n > 0:
            planned = float((r.expected_abandon_rate * r.planned_demand).sum() / r.planned_demand.sum())
            lo, hi = wilson(y, n)
            out.append(Estimate(f"evidence.{q.id}.abandon_rate", planned, y / n, lo, hi, n, "inquiries",
                                "abandoned / inquiries (before: the plan's expected, coverage.csv); Wilson interval"))
    return out


# ---------------------------------------------------------------------------------------------
# uplift and hourly shape
# ---------------------------------------------------------------------------------------------
def uplift_estimates(plan_dir: Path, sc: Scenario, reality: pd.DataFrame) -> tuple[list[Estimate], pd.DataFrame]:
    """Per queue and day: inquiries / the plan's baseline (before: the plan's p50 / baseline), and
    the hourly shares of each day against the plan's."""
    fc = read_plan_csv(plan_dir / "forecast.csv", sc, ["slot_start", "queue", "p50", "baseline"], ["slot_start"])
    fc = fc.assign(hour_start=fc.slot_start.dt.floor("h")).groupby(["hour_start", "queue"])[["p50", "baseline"]].sum().reset_index()
    fc["hour_start"] = fc.hour_start.astype(reality.hour_start.dtype)
    m = reality[["hour_start", "queue", "inquiries"]].merge(fc, on=["hour_start", "queue"])
    m["date"] = m.hour_start.dt.date
    out, shapes = [], []
    for (qid, d), g in m.groupby(["queue", "date"]):
        if g.inquiries.isna().any():  # a day-level export without --actuals: no hours to compare
            continue
        a, p50, base = float(g.inquiries.sum()), float(g.p50.sum()), float(g.baseline.sum())
        if base <= 0 or p50 <= 0:
            continue
        mu = g.p50 * (a / p50)  # the plan's shape at the day's actual level
        ok = mu > 0
        phi = max(1.0, float((((g.inquiries - mu)[ok]) ** 2 / mu[ok]).sum()) / max(int(ok.sum()) - 1, 1))
        se = math.sqrt(phi * max(a, 1.0)) / base
        out.append(Estimate(f"evidence.{qid}.uplift.{d.isoformat()}", p50 / base, a / base, a / base - Z95 * se,
                            a / base + Z95 * se, a, "inquiries",
                            f"inquiries / the plan's baseline {base:,.0f} (before: plan p50 / baseline); "
                            f"quasi-Poisson interval, dispersion {phi:.2f}"))
        shapes.append(pd.DataFrame({"queue": qid, "date": d.isoformat(), "hour": g.hour_start.dt.hour,
                                    "plan_share": g.p50 / p50, "actual_share": g.inquiries / max(a, 1.0)}))
    shape = pd.concat(shapes, ignore_index=True) if shapes else pd.DataFrame(
        columns=["queue", "date", "hour", "plan_share", "actual_share"])
    return out, shape


def past_event_entry(sc: Scenario, stats_: AgentStats) -> dict | None:
    """This event as a past event for the next forecast, unless the scenario already lists it.
    Its GMV is estimated as the agents' sales on the event days / the scenario's service share
    (the sizing chain read backwards): replace it with the shop's own figure when known."""
    ev = sc.config.event
    if ev is None or any(p.start == ev.start for p in sc.config.past_events):
        return None
    days = {d for d in pd.date_range(ev.start.astimezone(sc.tz).date(), (ev.end - pd.Timedelta(seconds=1)).astimezone(sc.tz).date()).date}
    sales = float(stats_.rows[stats_.rows.date.isin(days)].sales_yuan.sum())
    share = sc.config.economics.service_share
    entry = {"name": f"{ev.name} {ev.start.year} (reviewed)", "start": ev.start.isoformat(), "end": ev.end.isoformat()}
    if sales > 0 and share > 0:
        entry["gmv_yuan"] = int(round(sales / share, -3))
    return entry


def learn(plan_dir: Path | str, sc: Scenario, stats_: AgentStats, reality: pd.DataFrame, actuals: pd.DataFrame | None) -> Learning:
    """Every estimate of the module doc, the hourly shapes, and the event as history rows."""
    plan_dir = Path(plan_dir)
    ests = queue_estimates(reality, sc)
    up, shape = uplift_estimates(plan_dir, sc, reality)
    ests += up + economics_estimates(stats_, sc)
    notes = []
    if actuals is None:
        notes.append("no --actuals: inquiries and abandonment are the export's buyers received and not answered")
        hist = reality[["hour_start", "queue", "inquiries"]].rename(columns={"hour_start": "slot_start"})
    else:
        hist = actuals[["slot_start", "queue", "inquiries"]]
    if hist.inquiries.isna().all():
        notes.append("no hourly inquiries (a day-level export and no --actuals): handle time, abandonment, uplift and "
                     "shape are not estimated")
    hist = hist.dropna(subset=["inquiries"])
    hist = hist.assign(inquiries=hist.inquiries.round().astype("int64")).sort_values(["slot_start", "queue"]).reset_index(drop=True)
    return Learning(ests, shape, hist, past_event_entry(sc, stats_) if len(hist) else None, notes)


# ---------------------------------------------------------------------------------------------
# the proposed scenario
# ---------------------------------------------------------------------------------------------
def _set(raw: dict, setting: str, value: float) -> None:
    """Set a dotted setting in the raw YAML mapping; queues are addressed by their id."""
    parts = setting.split(".")
    if parts[0] == "queues":
        q = next(x for x in raw["queues"] if x.get("id") == parts[1])
        q[parts[2]] = value
        return
    node = raw
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def _dump(raw: dict) -> str:
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def proposed_scenario(sc: Scenario, learning: Learning) -> tuple[str, str, str]:
    """(proposed scenario.yaml, the current one in the same layout, their unified diff)."""
    raw = yaml.safe_load(read_text(sc.folder / "scenario.yaml", "scenario.yaml"))
    new = copy.deepcopy(raw)
    for e in learning.estimates:
        if e.proposed is not None:
            _set(new, e.setting, e.proposed)
    if learning.past_event is not None:
        new.setdefault("past_events", []).append(learning.past_event)
    before, after = _dump(raw), _dump(new)
    diff = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "scenario.yaml",
                                        "proposed_scenario.yaml", n=2))
    return after, before, diff


def _num(v: float | None, setting: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if any(w in setting for w in ("conversion", "share", "abandon_rate")):
        return f"{v:.2%}"
    return f"{v:,.2f}"


def change_markdown(sc: Scenario, learning: Learning, diff: str, plan_dir: str) -> str:
    """proposed_change.md: what changes and why, every estimate with n and interval, the diff."""
    ec = sc.config.economics
    lines = [f"# Proposed scenario change after {sc.config.event.name if sc.config.event else 'the event'}", "",
             f"From `scheduler review` of `{plan_dir}`. Nothing is applied: `proposed_scenario.yaml` is the whole "
             "scenario with the changes below; copy it over scenario.yaml (and append `proposed_history_rows.csv` "
             "to history.csv) only if you agree.", "",
             "A setting is proposed where the 95 % interval of its estimate excludes what the plan assumed.", "",
             "| setting | before | estimate | 95 % interval | n | proposed | how |", "|---|---|---|---|---|---|---|"]
    for e in learning.estimates:
        lines.append(f"| `{e.setting}` | {_num(e.before, e.setting)} | {_num(e.estimate, e.setting)} | "
                     f"{_num(e.low, e.setting)} – {_num(e.high, e.setting)} | {e.n:,.0f} {e.n_what} | "
                     f"{_num(e.proposed, e.setting) if e.proposed is not None else 'kept'} | {e.method} |")
    conv = next((e for e in learning.estimates if e.setting == "economics.inquiry_conversion"), None)
    if conv is not None and ec.value_per_inquiry_yuan is None:
        after = ec.ppc_yuan * conv.estimate / ec.click_conversion
        lines += ["", f"Value of a lost inquiry (PPC × inquiry conversion ÷ click conversion): ¥{ec.inquiry_value:.2f} "
                  f"assumed, ¥{after:.2f} at the measured conversion."]
    if learning.past_event is not None:
        pe = learning.past_event
        lines += ["", f"Past event added: **{pe['name']}** {pe['start']} – {pe['end']}"
                  + (f", GMV ¥{pe['gmv_yuan']:,.0f} estimated as the agents' sales ÷ service share "
                     f"{ec.service_share:.0%} (replace with the shop's own GMV)" if "gmv_yuan" in pe else "")
                  + f". With its {len(learning.history_rows):,} hourly rows appended to history.csv the next forecast "
                  "learns this event's uplift and hourly shape."]
    if len(learning.shape):
        lines += ["", "## Hourly shape (share of the day's inquiries)", ""]
        ev_days = sorted(learning.shape.date.unique())
        for d in ev_days:
            s = learning.shape[learning.shape.date == d]
            piv = s.pivot_table(index="hour", columns="queue", values=["plan_share", "actual_share"])
            qs = list(dict.fromkeys(s.queue))
            moved = {q: 0.5 * float((s[s.queue == q].actual_share - s[s.queue == q].plan_share).abs().sum()) for q in qs}
            lines.append(f"### {d}: share of the day in other hours than planned: "
                         + ", ".join(f"{q} {v:.1%}" for q, v in moved.items()))
            lines += ["", "| hour | " + " | ".join(f"{q} plan | {q} actual" for q in qs) + " |",
                      "|---" * (1 + 2 * len(qs)) + "|"]
            for h in piv.index:
                lines.append(f"| {h:02d}:00 | " + " | ".join(
                    f"{piv.loc[h, ('plan_share', q)]:.1%} | {piv.loc[h, ('actual_share', q)]:.1%}" for q in qs) + " |")
            lines.append("")
    for n in learning.notes:
        lines += ["", f"Note: {n}"]
    lines += ["", "## Diff of scenario.yaml", "", "Both sides in the same layout (comments are not kept in the proposal).",
              "", "```diff", diff.rstrip("\n") or "(no change)", "```", ""]
    return "\n".join(lines)
