"""The pay scheme the after-sale review applies: base per contract, commission on the sales an
agent served, level coefficients P1..Pn and KPI gates.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    model_validator,
)

from scheduler.scenario.fields import FieldError, Model, PositiveMoney, Share

PayKpi = Literal["inquiry_conversion", "order_value_yuan", "payment_rate", "first_response_seconds",
                 "avg_response_seconds", "answer_rate", "chats_per_online_hour"]
"""The review's per-agent KPIs (scheduler/reviewing/kpis.py) a pay gate may judge."""
SHARE_KPIS = ("inquiry_conversion", "payment_rate", "answer_rate")
LevelId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$", max_length=40)]
"""A pay level such as P1 (letters, digits, _ and -, not beginning with -)."""


class PayGate(Model):
    """A KPI the commission depends on (DOMAIN point 9: reward above deduct, so a gate only ever
    touches the commission, never the base). Outside the bound the agent keeps `keep_share` of
    the commission (0: withheld); with fewer than `min_buyers` buyers behind the figure the gate
    is not judged, so a handful of chats cannot cost a part-timer the bonus."""

    kpi: PayKpi
    min: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """The lowest allowed value (e.g. inquiry_conversion 0.2) ..."""
    max: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """... or the highest (e.g. avg_response_seconds 30: a response-time ceiling)."""
    keep_share: Share = 0.0
    min_buyers: Annotated[int, Field(ge=0, le=10**7)] = 0

    @model_validator(mode="after")
    def _one_bound(self) -> PayGate:
        if (self.min is None) == (self.max is None):
            raise FieldError(("min",), "exactly one of min or max", {"min": self.min, "max": self.max})
        bound = self.min if self.min is not None else self.max
        if self.kpi in SHARE_KPIS and bound is not None and bound > 1:
            raise FieldError(("min" if self.min is not None else "max",), f"a share from 0 to 1 ({self.kpi} is a rate)", bound)
        return self


class ContractPay(Model):
    """A contract's base pay for the review period (the plan's horizon)."""

    base_yuan: PositiveMoney = 0.0
    """Fixed for the period (a full-timer's share of the month) ..."""
    per_online_hour_yuan: PositiveMoney = 0.0
    """... plus this per hour online in the shop's export (a part-timer's hourly pay)."""


class PayScheme(Model):
    """KPI-based pay (DOMAIN point 9): base + commission on the sales the agent served x the
    agent's level coefficient (P1 on joining, P2 and up after good work), the commission cut or
    withheld by KPI gates. Levels are mapped here, per agent, so agents.csv stays the roster."""

    base: dict[str, ContractPay]
    """Contract id -> base; every contract of `contracts` is listed."""
    commission_rate: Share
    """Share of the sales (客服销售额) the agent served paid as commission before the coefficient."""
    levels: dict[LevelId, Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]]
    """Level -> coefficient, e.g. {P1: 1.0, P2: 1.2, P3: 1.5}."""
    default_level: LevelId | None = None
    """The level of an agent not in `agent_levels` (none: every agent must be listed)."""
    agent_levels: dict[str, LevelId] = {}
    """agent_id -> level."""
    gates: list[PayGate] = []
    """All gates apply; an agent failing several keeps the smallest `keep_share` of them."""

    @model_validator(mode="after")
    def _known_levels(self) -> PayScheme:
        if not self.levels:
            raise FieldError(("levels",), "at least one level with its coefficient, e.g. {P1: 1.0}", {})
        known = sorted(self.levels)
        if self.default_level is not None and self.default_level not in self.levels:
            raise FieldError(("default_level",), f"a level from levels: {known}", self.default_level)
        for aid, lv in self.agent_levels.items():
            if lv not in self.levels:
                raise FieldError(("agent_levels", aid), f"a level from levels: {known}", lv)
        return self

    def level_of(self, agent_id: str) -> str | None:
        """The agent's level: their own entry, else the default (None when neither)."""
        return self.agent_levels.get(agent_id, self.default_level)
