"""What scenario.yaml and the scenario's tables may hold: pydantic models with their checks.

Every default below names its source (DOMAIN.md). A failed check raises a `FieldError` naming
the field below the model it is about, so the loaders can say which setting is wrong.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    field_validator,
    model_validator,
)

from scheduler.cells import starts_like_formula
from scheduler.scenario.contracts import Contract, RosterSettings, ShiftTypeId
from scheduler.scenario.fields import (
    ALL_DAY,
    MAX_FILE_BYTES,
    MAX_HORIZON_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    ClockTime,
    Day,
    FieldError,
    LargeMoney,
    Model,
    PositiveMoney,
    Rate,
    Share,
    Timestamp,
    Window,
    parse_daily_windows,
)
from scheduler.scenario.hiring_pools import MAX_POOL, Hiring, HiringPool, PoolId
from scheduler.scenario.pay_scheme import SHARE_KPIS, ContractPay, LevelId, PayGate, PayKpi, PayScheme

__all__ = [  # the whole schema, from its parts too: importers need not know where a model lives
    "MAX_YEAR",
    "MIN_YEAR",
    "ALL_DAY",
    "Agent",
    "AllHandsWindow",
    "ClockTime",
    "Contract",
    "ContractPay",
    "CoreWindow",
    "Day",
    "Economics",
    "Event",
    "Fairness",
    "FieldError",
    "FileName",
    "Files",
    "Hiring",
    "HiringPool",
    "Horizon",
    "LargeMoney",
    "LevelId",
    "MAX_FILE_BYTES",
    "MAX_HORIZON_DAYS",
    "MAX_POOL",
    "Model",
    "PartTimeWindow",
    "PastEvent",
    "PayGate",
    "PayKpi",
    "PayScheme",
    "PoolId",
    "PositiveMoney",
    "PreferencePrices",
    "PreferenceRow",
    "Promotion",
    "Queue",
    "Rate",
    "RatioBound",
    "ReplanPrices",
    "RosterSettings",
    "SHARE_KPIS",
    "ScenarioConfig",
    "Share",
    "ShiftTypeId",
    "Solver",
    "TimeOff",
    "Timestamp",
    "Window",
    "parse_daily_windows",
]

class Horizon(Window):
    """The planning horizon [start, end), cut into slots of `slot_minutes`."""

    slot_minutes: Literal[15, 30, 60] = 60

    @model_validator(mode="after")
    def _whole_slots(self) -> Horizon:
        minutes = (self.end - self.start).total_seconds() / 60
        if minutes > MAX_HORIZON_DAYS * 1440:
            raise FieldError(("end",), f"a horizon of at most {MAX_HORIZON_DAYS} days", self.end.isoformat())
        if minutes % self.slot_minutes:
            raise FieldError(
                ("end",), f"a whole number of {self.slot_minutes}-minute slots after start", f"{minutes:g} min after start"
            )
        if self.start.minute % self.slot_minutes or self.start.second or self.start.microsecond:
            raise FieldError(("start",), f"a time on the {self.slot_minutes}-minute slot boundary", self.start.isoformat())
        return self


class Event(Window):
    """The promotion itself (e.g. Double 11 = 11 Nov 00:00 to 12 Nov 00:00).

    Phases follow from it: before = horizon start to event start, during = the event,
    after = event end to horizon end (DOMAIN point 3: plan the pre/after-sale ratio per phase).
    """

    name: str = "Double 11"


class PastEvent(Window):
    """A promotion inside history.csv, so the forecast can learn its uplift and hourly shape."""

    name: str
    gmv_yuan: LargeMoney | None = None


class Queue(Model):
    """A chat queue (pre-sale 售前, after-sale 售后, ...) with its service targets."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$", max_length=40)]
    """Letters, digits, _ and -, not beginning with - (a spreadsheet would take it for a formula)."""
    name: str = ""
    kind: Literal["presale", "aftersale", "other"] = "other"
    aht_seconds: Annotated[float, Field(gt=0, le=86400, allow_inf_nan=False)] = 180.0
    """Handle time of one chat when the agent handles only that one (chat practice)."""
    concurrency: Annotated[int, Field(ge=1, le=10)] = 3
    """Chat concurrency cap per agent, 接待上限 (DOMAIN defaults: 3 chats)."""
    throughput: list[Annotated[float, Field(gt=0, le=20, allow_inf_nan=False)]] = [
        1.0,
        1.7,
        2.5,
        2.9,
        3.5,
    ]
    """Throughput relative to one chat f(1..k) (practitioners' tables, callcentrehelper)."""
    target_answer_seconds: Annotated[float, Field(ge=0, le=3600, allow_inf_nan=False)] = 30.0
    target_service_level: Rate = 0.8
    """80 % answered within 30 s (practitioners)."""
    patience_seconds: Annotated[float, Field(gt=0, le=86400, allow_inf_nan=False)] = 120.0
    """Mean patience before a buyer gives up (chat practice)."""
    max_abandon_rate: Share = 0.05
    """Erlang A literature: staffing to service level alone hides 7-14 % abandonment."""
    max_occupancy: Rate = 0.85
    shrinkage: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.12
    """Event days 10-15 % (leave frozen; meal breaks are planned explicitly in the rota)."""
    min_agents_when_open: Annotated[int, Field(ge=0, le=1000)] = 1
    model: Literal["chat", "erlang_c", "erlang_a"] = "chat"

    @model_validator(mode="after")
    def _table_covers_cap(self) -> Queue:
        if len(self.throughput) < self.concurrency:
            raise FieldError(
                ("throughput",),
                f"at least {self.concurrency} values (concurrency is {self.concurrency}: give f(1..{self.concurrency}))",
                f"{len(self.throughput)} values",
            )
        return self


class Economics(Model):
    """Money and the big-sale sizing chain (DOMAIN points 1 and 2)."""

    ppc_yuan: PositiveMoney = 1.0
    """Cost per click; women's apparel example: about 1 yuan."""
    click_conversion: Rate = 0.0128
    inquiry_conversion: Rate = 0.30
    """询单转化率: consulting buyers who bought / consulting buyers."""
    value_per_inquiry_yuan: PositiveMoney | None = None
    """Override; by default PPC x inquiry conversion / click conversion (about 23.4 yuan)."""
    gmv_target_yuan: LargeMoney | None = None
    order_value_yuan: Annotated[float, Field(gt=0, le=1e7, allow_inf_nan=False)] = 100.0
    service_share: Share = 0.2
    """Share of buyers who contact service before buying."""
    issue_rate: Share = 0.05
    """Share of orders that raise an after-sale case."""
    contacts_per_issue: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.5
    aftersale_days: Annotated[int, Field(ge=1, le=60)] = 7
    """After-sale inquiries are spread over this many days after the event."""
    unpaid_share: Share = 0.2
    """Big-sale days: 20 %+ of orders placed but not paid; agents chase them (催付)."""
    agent_seconds_per_inquiry: Annotated[float, Field(gt=0, le=86400, allow_inf_nan=False)] = 50
    """Agent time per inquiry in the flat-day capacity bound (published worked example: 50 s)."""

    @property
    def inquiry_value(self) -> float:
        """Value of one inquiry in yuan: what an unanswered one costs (DOMAIN point 1)."""
        if self.value_per_inquiry_yuan is not None:
            return self.value_per_inquiry_yuan
        return self.ppc_yuan * self.inquiry_conversion / self.click_conversion


class CoreWindow(Window):
    """Midnight when the sale opens: mostly core agents (主力客服) on duty (DOMAIN point 3)."""

    min_core_share: Share = 0.6
    min_core_agents: Annotated[int, Field(ge=0, le=100_000)] = 0


class AllHandsWindow(Window):
    """Evening peak: every available agent of these contracts on duty, not on break."""

    contracts: list[str] | None = None
    """None = every contract. Standby agents are never forced in."""


class PartTimeWindow(Window):
    """After the morning rush: part-timers (兼职) carry at least this share of agents on duty."""

    min_part_time_share: Share = 0.4


class Promotion(Model):
    midnight_core: list[CoreWindow] = []
    evening_all_hands: list[AllHandsWindow] = []
    morning_part_time: list[PartTimeWindow] = []


class RatioBound(Model):
    """Bounds on the pre-sale share of agent-hours in one phase (pre-sale / after-sale ratio)."""

    min_presale_share: Share = 0.0
    max_presale_share: Share = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> RatioBound:
        if self.max_presale_share < self.min_presale_share:
            raise FieldError(
                ("max_presale_share",), f">= min_presale_share ({self.min_presale_share:g})", self.max_presale_share
            )
        return self


class Fairness(Model):
    """Spread of hours and of night slots among agents of one contract, priced in yuan."""

    hours_spread_yuan_per_hour: PositiveMoney = 2.0
    night_spread_yuan_per_hour: PositiveMoney = 5.0
    night_start: ClockTime = time(0, 0)
    night_end: ClockTime = time(6, 0)


class PreferencePrices(Model):
    default_price_yuan_per_hour: PositiveMoney = 20.0
    """Cost of working a refused hour or missing a requested one, unless the row sets its own."""


class Solver(Model):
    time_limit_seconds: Annotated[float, Field(gt=0, le=86400)] = 20.0
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    workers: Annotated[int, Field(ge=1, le=64)] = 2
    staffing_quantile: Literal["p50", "p80", "p90"] = "p80"
    max_model_variables: Annotated[int, Field(ge=1000, le=10**12)] = 3_000_000
    """Refuse early (with this setting's name) when the model would be larger."""
    gap_limit: Annotated[float, Field(ge=0, le=1)] = 0.001
    """Stop as soon as the rota is proven within this share of the best possible (0.1 %)."""
    engine: Literal["auto", "aggregate", "column_generation"] = "auto"
    """`auto`: the aggregate's bound and split first, column generation when they leave a gap."""


class ReplanPrices(Model):
    """Prices of changing a published rota mid-event (per changed agent-slot or per change)."""

    notice_hours: Annotated[float, Field(ge=0, le=72)] = 1.0
    queue_move_yuan: PositiveMoney = 2.0
    extension_yuan_per_hour: PositiveMoney = 30.0
    new_shift_yuan: PositiveMoney = 60.0
    call_in_yuan: PositiveMoney = 100.0
    cancel_yuan_per_hour: PositiveMoney = 20.0


def _relative_file(v: str | None) -> str | None:
    if v is None:
        return v
    p = Path(v)
    if not v.strip() or "\x00" in v or len(v) > 255 or p.is_absolute() or ".." in p.parts:
        raise ValueError("a file name inside the scenario folder (no '..', not absolute, at most 255 characters)")
    return v


FileName = Annotated[str, AfterValidator(_relative_file)]


class Files(Model):
    history: FileName = "history.csv"
    agents: FileName = "agents.csv"
    time_off: FileName | None = "time_off.csv"
    preferences: FileName | None = "preferences.csv"


class ScenarioConfig(Model):
    """Everything in scenario.yaml."""

    name: str
    description: str = ""
    timezone: str = "Asia/Shanghai"
    horizon: Horizon
    event: Event | None = None
    past_events: list[PastEvent] = []
    queues: list[Queue]
    economics: Economics = Economics()
    contracts: dict[str, Contract]
    promotion: Promotion = Promotion()
    ratio_bounds: dict[Literal["before", "during", "after"], RatioBound] = {}
    fairness: Fairness = Fairness()
    preferences: PreferencePrices = PreferencePrices()
    queue_changes_in_shift: bool = False
    """Whether an agent may switch queue inside a shift (cross-trained staff, DOMAIN point 5)."""
    queue_change_yuan: PositiveMoney = 8.0
    """Price of each switch of queue inside a shift (when allowed): an agent flipping between
    pre-sale and after-sale hour by hour loses the thread of both and no supervisor posts such a
    rota; about a quarter hour of an agent's time, so blocks form unless a switch really pays."""
    holidays: list[Day] = []
    hiring: Hiring = Hiring()
    """Pools of candidate hires the rota may take on (none by default: the team is agents.csv)."""
    solver: Solver = Solver()
    replan: ReplanPrices = ReplanPrices()
    pay: PayScheme | None = None
    """KPI-based pay the after-sale review computes (none: the review shows no pay)."""
    files: Files = Files()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            if not v.strip():
                raise ValueError(v)
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a tzdata folder such as 'Asia'
            raise ValueError(f"unknown time zone {v!r} (use an IANA name like Asia/Shanghai)") from exc
        return v

    @model_validator(mode="after")
    def _references(self) -> ScenarioConfig:
        ids = [q.id for q in self.queues]
        h = self.horizon
        span = f"{h.start.isoformat()} .. {h.end.isoformat()}"
        if not ids:
            raise FieldError(("queues",), "at least one queue", [])
        for k, qid in enumerate(ids):
            if qid in ids[:k]:
                raise FieldError(("queues", k, "id"), "a queue id not used by another queue", qid)
        for cid in self.contracts:
            if starts_like_formula(cid):
                raise FieldError(("contracts", cid), "a contract id not beginning with = + - @, tab or CR "
                                 "(a spreadsheet would take it for a formula)", cid)
        for wi, w in enumerate(self.promotion.evening_all_hands):
            for ci, c in enumerate(w.contracts or []):
                if c not in self.contracts:
                    raise FieldError(
                        ("promotion", "evening_all_hands", wi, "contracts", ci),
                        f"a contract from contracts: {sorted(self.contracts)}",
                        c,
                    )
        for pid, pool in self.hiring.pools.items():
            if pool.contract not in self.contracts:
                raise FieldError(("hiring", "pools", pid, "contract"), f"a contract from contracts: {sorted(self.contracts)}",
                                 pool.contract)
            for k, q in enumerate(pool.skills):
                if q not in ids:
                    raise FieldError(("hiring", "pools", pid, "skills", k), f"a queue id from queues: {ids}", q)
        if self.event is not None:
            if self.event.end <= h.start or self.event.start >= h.end:
                raise FieldError(
                    ("event",), f"an event overlapping the horizon {span}",
                    f"{self.event.start.isoformat()} .. {self.event.end.isoformat()}",
                )
        for name, group in (
            ("midnight_core", self.promotion.midnight_core),
            ("evening_all_hands", self.promotion.evening_all_hands),
            ("morning_part_time", self.promotion.morning_part_time),
        ):
            for wi, w in enumerate(group):
                if w.start < h.start or w.end > h.end:
                    raise FieldError(
                        ("promotion", name, wi), f"a window inside the horizon {span}",
                        f"{w.start.isoformat()} .. {w.end.isoformat()}",
                    )
        return self


class Agent(Model):
    """One row of agents.csv."""

    agent_id: str
    name: str
    contract: str
    core: bool = False
    skills: tuple[str, ...]
    availability: tuple[tuple[int, int], ...] = ((0, 1440),)
    """Daily windows in minutes from local midnight; end may exceed 1440 (crosses midnight)."""
    standby: bool = False
    hourly_wage_yuan: float | None = None
    pool: str | None = None
    """The hiring pool the agent comes from (a candidate, or an agent hired from it)."""
    hire_cost_yuan: float = 0.0
    """One-off cost of the hire, paid when the agent works at least one shift (0 for the team)."""
    candidate: bool = False
    """A would-be hire: the rota decides whether to hire it; unhired, it has no duty at all."""
    must_hire: bool = False
    """A candidate among the pool's `min` that must be hired."""


class TimeOff(Model):
    agent_id: str
    start: AwareDatetime
    end: AwareDatetime
    reason: str = ""


class PreferenceRow(Model):
    agent_id: str
    start: AwareDatetime
    end: AwareDatetime
    kind: Literal["request", "refuse"]
    price_yuan_per_hour: float | None = None
