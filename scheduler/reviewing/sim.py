"""Simulate the event days of a plan folder and write the shop's export, with the truth beside it.

No real per-agent data ships with the product, so the review is tested on a simulated event:
the plan's rota is worked by agents whose speed, reply latency, conversion and order value are
drawn per agent (a few of them known to be slow or low-converting), some scheduled agents do not
show up, and each hour's load differs from the forecast by a known factor per queue. Per hour and
queue the chat model (`staffing.queue_metrics`, at the true handle time of the agents online)
gives the abandonment and the wait; buyers, orders, payments and sales are then drawn per agent.

Writes, into OUT: `agent_stats.csv` (one row per agent and hour, Chinese headers like a Qianniu
客服绩效 export, UTF-8 with BOM), `actuals.csv` (slot_start, queue, inquiries, answered,
abandoned, agents_online) and `truth.json` (every drawn figure the review should recover).

    python -m scheduler.reviewing.sim PLAN_DIR --seed 11 --out OUT
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.replanning import read_plan_csv
from scheduler.scenario import Scenario, load_scenario
from scheduler.staffing_model import queue_metrics

EXPORT_HEADER = ["日期", "小时", "客服ID", "客服昵称", "接待人数", "回复人数", "询单人数", "询单->下单人数",
                 "询单->最终付款人数", "客服销售额", "平均响应(秒)", "首次响应(秒)", "在线时长(分钟)", "询单转化率"]
"""As a Qianniu 客服绩效 export names them; the last column is one the review ignores."""


@dataclass(frozen=True)
class SimSettings:
    """What the simulation draws, and how far from the plan reality may fall."""

    seed: int = 11
    demand_factor: tuple[float, float] = (0.85, 1.25)
    """Per queue: actual inquiries / the plan's p50, drawn uniformly."""
    hourly_noise_sd: float = 0.08
    """Log-sd of each hour's own departure from the plan's hourly shape."""
    aht_factor: tuple[float, float] = (0.85, 1.20)
    """Per queue: true handle time / the scenario's aht_seconds."""
    conversion_factor: tuple[float, float] = (0.85, 1.15)
    """Team inquiry conversion / the scenario's inquiry_conversion."""
    inquiring_share: float = 0.85
    """Share of answered pre-sale buyers who ask about buying (询单); after-sale contacts never are."""
    base_latency_seconds: float = 12.0
    """An agent's own mean reply time, on top of the queue's wait for the first reply."""
    slow_share: float = 0.05
    slow_latency_factor: float = 3.0
    low_share: float = 0.05
    low_conversion_factor: float = 0.4
    absent_share: float = 0.03
    min_hours_for_truth: int = 16
    """Only agents working this many hours are drawn slow or low-converting: fewer buyers
    cannot show a difference (the review's bands need volume)."""


@dataclass
class SimResult:
    stats: pd.DataFrame
    actuals: pd.DataFrame
    truth: dict = field(default_factory=dict)


def simulated_slots(sc: Scenario) -> list[int]:
    """The slots simulated: the plan's whole horizon (for double11 the eve, the day and the day
    after), so the review has days to compare and the learning sees the event beside normal load."""
    return list(range(sc.n_slots))


def simulate(plan_dir: Path | str, settings: SimSettings = SimSettings()) -> SimResult:
    """Work the plan folder's rota through the event with drawn agents and load (see module doc)."""
    plan_dir = Path(plan_dir)
    sc = load_scenario(plan_dir / "scenario")
    rng = np.random.default_rng(settings.seed)
    fc = read_plan_csv(plan_dir / "forecast.csv", sc, ["slot_start", "queue", "p50", "baseline"], ["slot_start"])
    asg = read_plan_csv(plan_dir / "assignments.csv", sc, ["agent_id", "slot_start", "activity"], ["slot_start"])
    slots = simulated_slots(sc)
    times = set(sc.slots[slots])
    asg = asg[asg.slot_start.isin(times) & (asg.activity != "break")]
    hours = asg.groupby("agent_id").size()
    presale_q = [q.id for q in sc.config.queues if q.kind == "presale"]
    pre_hours = asg[asg.activity.isin(presale_q)].groupby("agent_id").size()

    lo, hi = settings.demand_factor
    queues = {q.id: q for q in sc.config.queues}
    demand = {qid: float(rng.uniform(lo, hi)) for qid in queues}
    aht = {qid: q.aht_seconds * float(rng.uniform(*settings.aht_factor)) for qid, q in queues.items()}
    econ = sc.config.economics
    conversion = econ.inquiry_conversion * float(rng.uniform(*settings.conversion_factor))
    pay_rate = 1.0 - econ.unpaid_share * float(rng.uniform(0.8, 1.2))
    order_value = econ.order_value_yuan * float(rng.uniform(0.9, 1.1))

    ids = sorted(hours.index)
    absent = sorted(a for a in ids if rng.random() < settings.absent_share)
    present = [a for a in ids if a not in absent]
    eligible = [a for a in present if hours[a] >= settings.min_hours_for_truth]
    n_slow = max(1, round(settings.slow_share * len(present))) if eligible else 0
    slow = sorted(rng.choice(eligible, size=min(n_slow, len(eligible)), replace=False).tolist()) if eligible else []
    eligible_low = [a for a in present if pre_hours.get(a, 0) >= settings.min_hours_for_truth and a not in slow]
    n_low = max(1, round(settings.low_share * len(present))) if eligible_low else 0
    low = sorted(rng.choice(eligible_low, size=min(n_low, len(eligible_low)), replace=False).tolist()) if eligible_low else []
    agent = {
        a: {
            "speed": float(rng.uniform(0.9, 1.1)),
            "latency": settings.base_latency_seconds * float(rng.uniform(0.85, 1.15)) * (settings.slow_latency_factor if a in slow else 1.0),
            "conversion": conversion * float(rng.uniform(0.93, 1.07)) * (settings.low_conversion_factor if a in low else 1.0),
            "pay_rate": min(1.0, pay_rate * float(rng.uniform(0.97, 1.03))),
            "order_value": order_value * float(rng.uniform(0.95, 1.05)),
        }
        for a in present
    }
    asg = asg[asg.agent_id.isin(present)]
    on = {key: sorted(g.agent_id) for key, g in asg.groupby(["slot_start", "activity"])}
    fcx = fc.set_index(["slot_start", "queue"])
    interval = sc.slot_minutes * 60.0
    stat_rows, act_rows = [], []
    truth_q = {qid: {"days": {}, "aht_weighted": 0.0, "answered": 0} for qid in queues}
    for k in slots:
        t = sc.slots[k]
        for qid, q in queues.items():
            mean = float(fcx.loc[(t, qid), "p50"]) * demand[qid] * math.exp(rng.normal(0, settings.hourly_noise_sd))
            day = truth_q[qid]["days"].setdefault(t.date().isoformat(), {"expected_inquiries": 0.0, "baseline": 0.0})
            day["expected_inquiries"] += mean
            day["baseline"] += float(fcx.loc[(t, qid), "baseline"])
            arrivals = int(rng.poisson(mean))
            team = on.get((t, qid), [])
            if team:
                eff_aht = aht[qid] * len(team) / sum(agent[a]["speed"] for a in team)
                m = queue_metrics(q.model_copy(update={"aht_seconds": eff_aht}), arrivals, interval, len(team))
                p_abandon, wait = m.abandon_rate, min(m.asa_seconds, q.patience_seconds)
            else:
                eff_aht, p_abandon, wait = aht[qid], 1.0, 0.0
            answered_total = 0
            if team and arrivals:
                w = np.array([agent[a]["speed"] for a in team])
                received = rng.multinomial(arrivals, w / w.sum())
                lat = np.array([agent[a]["latency"] for a in team])
                share = np.clip(p_abandon * lat / float(np.average(lat, weights=received + 1e-9)), 0, 1)
                lost = rng.binomial(received, share)
                for a, rec, ab in zip(team, received, lost, strict=True):
                    stat_rows.append(_agent_hour(rng, sc, t, a, agent[a], int(rec), int(rec - ab), q.kind == "presale",
                                                 settings, wait))
                    answered_total += int(rec - ab)
            else:
                for a in team:
                    stat_rows.append(_agent_hour(rng, sc, t, a, agent[a], 0, 0, q.kind == "presale", settings, wait))
            truth_q[qid]["aht_weighted"] += eff_aht * answered_total
            truth_q[qid]["answered"] += answered_total
            act_rows.append({"slot_start": t.isoformat(), "queue": qid, "inquiries": arrivals, "answered": answered_total,
                             "abandoned": arrivals - answered_total, "agents_online": len(team)})
    stats = pd.DataFrame(stat_rows)
    truth = {
        "seed": settings.seed,
        "settings": {k: v for k, v in settings.__dict__.items()},
        "slow_agents": slow,
        "low_converting_agents": low,
        "absent_agents": absent,
        "inquiry_conversion": float(np.average([agent[a]["conversion"] for a in present])),
        "inquiry_conversion_team": conversion,
        "payment_rate": pay_rate,
        "order_value_yuan": order_value,
        "queues": {
            qid: {
                "demand_factor": demand[qid],
                "aht_seconds": aht[qid],
                "aht_seconds_effective": v["aht_weighted"] / v["answered"] if v["answered"] else aht[qid],
                "days": {d: {**x, "uplift_vs_baseline": x["expected_inquiries"] / x["baseline"] if x["baseline"] else None}
                         for d, x in v["days"].items()},
            }
            for qid, v in truth_q.items()
        },
        "agents": agent,
    }
    return SimResult(stats=stats, actuals=pd.DataFrame(act_rows), truth=truth)


def _agent_hour(rng: np.random.Generator, sc: Scenario, t: pd.Timestamp, a: str, who: dict, received: int,
                answered: int, presale: bool, s: SimSettings, wait: float) -> dict:
    """One agent's hour: what the export's row for it holds."""
    inquired = int(rng.binomial(answered, s.inquiring_share)) if presale else 0
    ordered = int(rng.binomial(inquired, who["conversion"]))
    paid = int(rng.binomial(ordered, who["pay_rate"]))
    sales = float(rng.gamma(4.0 * paid, who["order_value"] / 4.0)) if paid else 0.0
    own = float(rng.gamma(4.0 * answered, who["latency"] / 4.0)) / answered if answered else 0.0
    return {
        "date": t.date().isoformat(), "hour": t.hour, "agent_id": a, "name": sc.agents_by_id[a].name,
        "received": received, "answered": answered, "inquired": inquired, "ordered": ordered, "paid": paid,
        "sales": round(sales, 2), "avg_response": round(own * 1.3, 2) if answered else 0.0,
        "first_response": round(wait + own, 2) if answered else 0.0,
        "online_minutes": round(60 - float(rng.uniform(0, 3)), 1),
    }


def write_sim(result: SimResult, out: Path | str) -> Path:
    """agent_stats.csv (UTF-8 with BOM, Chinese headers), actuals.csv and truth.json into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "agent_stats.csv").open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(EXPORT_HEADER)
        for r in result.stats.itertuples(index=False):
            conv = f"{r.ordered / r.inquired:.2%}" if r.inquired else "0.00%"
            w.writerow([r.date, r.hour, r.agent_id, r.name, r.received, r.answered, r.inquired, r.ordered, r.paid,
                        f"{r.sales:.2f}", r.avg_response, r.first_response, r.online_minutes, conv])
    result.actuals.to_csv(out / "actuals.csv", index=False)
    (out / "truth.json").write_text(json.dumps(result.truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m scheduler.reviewing.sim", description=__doc__.split("\n\n")[0])
    p.add_argument("plan_dir", type=Path)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--out", type=Path, default=None, help="folder to write (default PLAN_DIR/../review-sim)")
    a = p.parse_args(argv)
    out = a.out or a.plan_dir.with_name(a.plan_dir.name + "-sim")
    write_sim(simulate(a.plan_dir, SimSettings(seed=a.seed)), out)
    print(f"wrote {out}/agent_stats.csv, actuals.csv, truth.json")


if __name__ == "__main__":
    main()
