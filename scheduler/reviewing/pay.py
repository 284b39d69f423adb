"""KPI-based pay for the review period (DOMAIN point 9): base + commission x level coefficient.

Per agent of the scenario's agents.csv (the payroll, whether or not they showed up):

* base = contract's base_yuan + per_online_hour_yuan x hours online in the export
* commission before gates = commission_rate x sales served (客服销售额) x the level's coefficient
* each gate judges one KPI over the whole period (a ratio of sums, as kpis.py defines it): outside
  its bound the agent keeps `keep_share` of the commission; several failed gates: the smallest
  share; fewer than `min_buyers` buyers behind the figure: not judged (passed)
* total = base + commission before gates x the share kept

The base is never cut: rewards work better as a base plus a bonus than as deductions.
"""

from __future__ import annotations

import math

import pandas as pd

from scheduler.reviewing.export import AgentStats
from scheduler.reviewing.kpis import SUMS, add_kpis, with_response_weights
from scheduler.scenario import Scenario
from scheduler.scenario.schema import PayGate, PayScheme

BUYERS_BEHIND = {
    "inquiry_conversion": "buyers_inquired",
    "order_value_yuan": "buyers_paid",
    "payment_rate": "buyers_ordered",
    "first_response_seconds": "buyers_answered",
    "avg_response_seconds": "buyers_answered",
    "answer_rate": "buyers_received",
    "chats_per_online_hour": "buyers_received",
}
"""The buyers a gate's KPI stands on (its `min_buyers` counts these)."""

COLUMNS = ["agent_id", "agent_name", "contract", "level", "coefficient", "online_hours", "sales_yuan",
           "base_fixed_yuan", "base_hourly_yuan", "base_yuan", "commission_rate", "commission_before_gates_yuan",
           "gate_outcome", "commission_share_kept", "commission_yuan", "total_yuan"]


def period_sums(stats: AgentStats, sc: Scenario) -> pd.DataFrame:
    """One row per agent of the scenario: the export's sums over the whole period and the KPIs
    (zeros and empty KPIs for an agent with no rows)."""
    rows = with_response_weights(stats.rows)
    sums = rows.groupby("agent_id")[SUMS].sum()
    sums = sums.reindex([a.agent_id for a in sc.agents], fill_value=0.0)
    sums.index.name = "agent_id"
    return add_kpis(sums.reset_index())


def gate_outcome(gate: PayGate, value: float, buyers: float) -> tuple[float, str]:
    """(share of the commission kept, what the gate found) for one agent."""
    name = gate.kpi
    if buyers < gate.min_buyers:
        return 1.0, f"{name} not judged ({buyers:g} buyers < {gate.min_buyers})"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 1.0, f"{name} not judged (no buyers)"
    if gate.min is not None and value < gate.min:
        return gate.keep_share, f"{name} {value:.4g} below {gate.min:g}: keep {gate.keep_share:.0%}"
    if gate.max is not None and value > gate.max:
        return gate.keep_share, f"{name} {value:.4g} above {gate.max:g}: keep {gate.keep_share:.0%}"
    return 1.0, f"{name} {value:.4g} ok"


def agent_pay(scheme: PayScheme, contract: str, level: str, kpis: dict) -> dict:
    """The pay terms of one agent from their period sums and KPIs."""
    terms = scheme.base[contract]
    coefficient = scheme.levels[level]
    online_hours = float(kpis["online_minutes"]) / 60
    base_hourly = terms.per_online_hour_yuan * online_hours
    before = scheme.commission_rate * float(kpis["sales_yuan"]) * coefficient
    kept, notes = 1.0, []
    for g in scheme.gates:
        share, note = gate_outcome(g, kpis[g.kpi], float(kpis[BUYERS_BEHIND[g.kpi]]))
        kept = min(kept, share)
        notes.append(note)
    commission = before * kept
    base = terms.base_yuan + base_hourly
    return {"level": level, "coefficient": coefficient, "online_hours": online_hours, "sales_yuan": float(kpis["sales_yuan"]),
            "base_fixed_yuan": terms.base_yuan, "base_hourly_yuan": base_hourly, "base_yuan": base,
            "commission_rate": scheme.commission_rate, "commission_before_gates_yuan": before,
            "gate_outcome": "; ".join(notes) or "no gates", "commission_share_kept": kept,
            "commission_yuan": commission, "total_yuan": base + commission}


def pay_table(stats: AgentStats, sc: Scenario) -> pd.DataFrame:
    """Pay per agent for the period with each term (COLUMNS), plus the gated KPIs' values;
    empty when the scenario has no `pay:` section."""
    scheme = sc.config.pay
    if scheme is None:
        return pd.DataFrame(columns=COLUMNS)
    sums = period_sums(stats, sc).set_index("agent_id")
    gated = list(dict.fromkeys(g.kpi for g in scheme.gates))
    out = []
    for a in sc.agents:
        level = scheme.level_of(a.agent_id)
        assert level is not None  # the scenario loader requires a level for every agent
        k = sums.loc[a.agent_id].to_dict()
        row = {"agent_id": a.agent_id, "agent_name": a.name, "contract": a.contract,
               **agent_pay(scheme, a.contract, level, k)}
        for kpi in gated:
            row[f"gate_{kpi}"] = k[kpi]
        out.append(row)
    return pd.DataFrame(out, columns=COLUMNS + [f"gate_{k}" for k in gated])
