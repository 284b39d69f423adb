"""What scenario.yaml and the scenario's tables may hold: pydantic models with their checks.

Every default below names its source (DOMAIN.md). A failed check raises a `FieldError` naming
the field below the model it is about, so the loaders can say which setting is wrong.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from scheduler.cells import starts_like_formula

PositiveMoney = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
"""A price or wage in yuan; the cap keeps solver coefficients far from int64 overflow."""
LargeMoney = Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)]
"""A GMV in yuan (all of Tmall's Double 11 is below 1e12)."""
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Rate = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
MAX_FILE_BYTES = 200 * 1024 * 1024
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_HORIZON_DAYS = 366


class FieldError(ValueError):
    """A ValueError from a model-level check that names the field it is about (a path below the
    model, e.g. ("promotion", "evening_all_hands", 0, "contracts", 1)) and the value found there."""

    def __init__(self, loc: tuple, message: str, found: Any = None):
        super().__init__(message)
        self.loc = loc
        self.found = found


def _text_or(*types: type):
    """Accept text or an already-parsed value, never a bare number: YAML reads 8:00 as 480 and
    pydantic would read 480 as seconds, and an int timestamp would silently mean Unix seconds."""

    def check(v: Any) -> Any:
        if isinstance(v, (str, *types)) and not isinstance(v, bool):
            return v
        raise ValueError("text in quotes (a bare number or other value is not accepted here)")

    return BeforeValidator(check)


def _year_in_range(v: datetime | date) -> datetime | date:
    if not MIN_YEAR <= v.year <= MAX_YEAR:
        raise ValueError(f"a year from {MIN_YEAR} to {MAX_YEAR}")
    return v


Timestamp = Annotated[AwareDatetime, _text_or(datetime), AfterValidator(_year_in_range)]
"""ISO 8601 with its UTC offset, as text."""
ClockTime = Annotated[time, _text_or(time)]
"""A local time of day as text, e.g. "08:00"."""
Day = Annotated[date, _text_or(date), AfterValidator(_year_in_range)]


_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
ALL_DAY = ("", "all day", "all_day")


def parse_daily_windows(text: str) -> tuple[tuple[int, int], ...]:
    """'08:00-12:00;18:00-24:00' -> minute windows; '22:00-02:00' crosses midnight; '' = all day."""
    if text.strip().lower() in ALL_DAY:
        return ((0, 1440),)
    wins = []
    for part in text.split(";"):
        m = _WINDOW.match(part.strip())
        if not m:
            raise ValueError("daily windows like 08:00-12:00;18:00-24:00 (empty = all day)")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError("times from 00:00 to 24:00")
        lo, hi = h1 * 60 + m1, h2 * 60 + m2
        if hi <= lo:
            hi += 1440
        wins.append((lo, hi))
    wins.sort()
    for (_a0, a1), (b0, _b1) in zip(wins, wins[1:], strict=False):
        if b0 < a1:
            raise ValueError("windows that do not overlap")
    if wins and wins[-1][1] > 1440 and wins[-1][1] - 1440 > wins[0][0]:
        raise ValueError("windows that do not overlap (one crosses midnight into another)")
    return tuple(wins)


class Model(BaseModel):
    """Strict base: unknown keys are errors (a typo must not silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Model):
    """A stretch of absolute time, ISO 8601 with its UTC offset."""

    start: Timestamp
    end: Timestamp

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise FieldError(("end",), f"a time after start {self.start.isoformat()}", self.end.isoformat())
        return self

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end


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


ShiftTypeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=40)]


class RosterSettings(Model):
    """Day-roster rules of a contract: rules over whole days and named shift types.

    Supervisors and labour agreements speak of early and late shifts and of days, not slots.
    Each setting is off unless given; an agent of the contract is then planned and checked
    under it (docs/RULES.md names each rule by the key in brackets).
    """

    shift_types: dict[ShiftTypeId, list[ClockTime]] = {}
    """Named shift types by local start time (`early: ["07:00", "08:00"]`); a start time of the
    contract's `start_times` belongs to at most one type; shifts of other starts have no type."""
    forbidden_successions: list[list[ShiftTypeId]] = []
    """[forbidden_successions] Pairs [first, next]: `next` may not be worked the day after
    `first`. A late shift then an early one leaves a short night: tired agents, slow answers."""
    max_shifts: dict[ShiftTypeId, Annotated[int, Field(ge=0, le=366)]] = {}
    """[shift_type_maximum] At most N shifts of a type over the horizon (few nights or lates a
    month: health, and an unpopular shift shared out)."""
    min_consecutive_days: Annotated[int, Field(ge=1, le=31)] = 1
    """[min_consecutive_days] Working days come in runs of at least N (a lone day worked between
    days off breaks the rest on both sides); runs touching the horizon's first or last day are
    exempt, as they continue outside it. The longest run is the contract's max_consecutive_days."""
    min_consecutive_days_off: Annotated[int, Field(ge=1, le=31)] = 1
    """[min_consecutive_days_off] Days off come in runs of at least N (one day between two work
    blocks is not real rest); runs touching the horizon's first or last day are exempt."""
    max_weekends: Annotated[int, Field(ge=0, le=53)] | None = None
    """[max_weekends] At most N weekends (Saturday and Sunday, local calendar; a shift belongs to
    the day it starts) with any shift: weekends off are what staff value most."""
    min_paid_hours: Annotated[float, Field(ge=0, le=8784, allow_inf_nan=False)] = 0.0
    """[total_minutes] At least these paid hours over the horizon: the hours a contract
    guarantees (an agent on a monthly contract is paid for them anyway) ..."""
    max_paid_hours: Annotated[float, Field(ge=0, le=8784, allow_inf_nan=False)] | None = None
    """... and at most these (a monthly cap beyond the weekly one, e.g. 176 h a month)."""

    @model_validator(mode="after")
    def _known_types(self) -> RosterSettings:
        types = set(self.shift_types)
        seen: dict[time, str] = {}
        for tid, starts in self.shift_types.items():
            if not starts:
                raise FieldError(("shift_types", tid), "at least one start time (\"HH:MM\")", [])
            for k, t in enumerate(starts):
                if t in seen and seen[t] != tid:
                    raise FieldError(("shift_types", tid, k), f"a start time not already in type {seen[t]!r}", t.strftime("%H:%M"))
                seen[t] = tid
        for k, pair in enumerate(self.forbidden_successions):
            if len(pair) != 2:
                raise FieldError(("forbidden_successions", k), "a pair [first, next] of shift types", pair)
            for j, tid in enumerate(pair):
                if tid not in types:
                    raise FieldError(("forbidden_successions", k, j), f"a type from shift_types: {sorted(types)}", tid)
        for tid in self.max_shifts:
            if tid not in types:
                raise FieldError(("max_shifts", tid), f"a type from shift_types: {sorted(types)}", tid)
        if self.max_paid_hours is not None and self.max_paid_hours < self.min_paid_hours:
            raise FieldError(("max_paid_hours",), f">= min_paid_hours ({self.min_paid_hours:g})", self.max_paid_hours)
        return self

    def type_of_start(self) -> dict[time, str]:
        """The shift type of each typed local start time."""
        return {t: tid for tid, starts in self.shift_types.items() for t in starts}


class Contract(Model):
    """A contract type: the shifts it may work and the labour rules it falls under.

    Defaults are China's Labour Law (arts. 36, 38, 41, 44) for full-time and the Labour
    Contract Law art. 68 for part-time (非全日制); shift patterns from shop practice.
    """

    kind: Literal["full_time", "part_time"]
    hourly_wage_yuan: PositiveMoney
    shift_spans_hours: list[Annotated[float, Field(gt=0, le=16, allow_inf_nan=False)]]
    """Allowed shift lengths from start to end, the meal break included."""
    start_times: list[ClockTime]
    """Allowed local start times (e.g. 08:00, 12:00, 16:00 from shop practice)."""
    break_minutes: Annotated[int, Field(ge=0, le=180)] = 0
    """Unpaid meal break inside every shift at least `break_from_span_hours` long."""
    break_from_span_hours: Annotated[float, Field(ge=0, le=24)] = 6.0
    break_earliest_hours: Annotated[float, Field(ge=0, le=24)] = 2.0
    """The break starts no earlier than this after the shift start ..."""
    break_latest_hours: Annotated[float, Field(ge=0, le=24)] = 6.0
    """... and no later than this (and always leaves work after it)."""
    regular_hours_per_day: Annotated[float, Field(gt=0, le=24)] = 8.0
    """Art. 36: 8 h/day; paid hours beyond it are overtime."""
    max_overtime_hours_per_day: Annotated[float, Field(ge=0, le=24)] = 3.0
    """Art. 41: at most 3 h/day ..."""
    max_overtime_hours_per_month: Annotated[float, Field(ge=0, le=744)] = 36.0
    """... and 36 h/month (the horizon is taken to lie within one month)."""
    overtime_multiplier: Annotated[float, Field(ge=1, le=10)] = 1.5
    """Art. 44: 150 % on workdays."""
    holiday_multiplier: Annotated[float, Field(ge=1, le=10)] = 3.0
    """Art. 44: 300 % on statutory holidays."""
    max_hours_per_week: Annotated[float, Field(gt=0, le=168)] = 40.0
    """Art. 36: 40 regular hours per week (overtime counted apart)."""
    avg_max_hours_per_day: Annotated[float, Field(gt=0, le=24)] | None = None
    """Part-time (art. 68): at most 4 h/day on average over the horizon."""
    min_rest_hours: Annotated[float, Field(ge=0, le=48)] = 11.0
    """Rest between the end of one shift and the next (common practice; China sets none)."""
    max_consecutive_days: Annotated[int, Field(ge=1, le=31)] = 6
    """Art. 38: at least one rest day per week."""
    call_in_fee_yuan: PositiveMoney = 50.0
    """Extra cost of calling a standby agent in for a shift."""
    roster: RosterSettings | None = None
    """Day-roster rules (shift types, successions, runs, weekends, paid hours over the horizon)."""

    @model_validator(mode="after")
    def _coherent(self) -> Contract:
        if not self.shift_spans_hours:
            raise FieldError(("shift_spans_hours",), "at least one shift length", [])
        if not self.start_times:
            raise FieldError(("start_times",), "at least one start time", [])
        if self.break_latest_hours < self.break_earliest_hours:
            raise FieldError(
                ("break_latest_hours",), f">= break_earliest_hours ({self.break_earliest_hours:g})", self.break_latest_hours
            )
        if self.roster is not None:
            starts = set(self.start_times)
            for tid, ts in self.roster.shift_types.items():
                for k, t in enumerate(ts):
                    if t not in starts:
                        raise FieldError(("roster", "shift_types", tid, k),
                                         f"one of the contract's start_times: {sorted(x.strftime('%H:%M') for x in starts)}",
                                         t.strftime("%H:%M"))
            if self.roster.min_consecutive_days > self.max_consecutive_days:
                raise FieldError(("roster", "min_consecutive_days"), f"<= max_consecutive_days ({self.max_consecutive_days})",
                                 self.roster.min_consecutive_days)
        return self


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


PoolId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$", max_length=30)]
"""Letters, digits and _: candidate ids are the pool id, '-' and a number (students-01)."""
MAX_POOL = 1000
"""Candidates one pool may offer: five times the largest built-in team."""


def _daily_windows(v: Any) -> tuple[tuple[int, int], ...]:
    """Daily clock windows as agents.csv writes them ('12:00-24:00', '08:00-12:00;18:00-24:00',
    'all day'), or a list of such texts."""
    if isinstance(v, list | tuple) and all(isinstance(x, str) for x in v):
        v = ";".join(v)
    if not isinstance(v, str):
        raise ValueError("daily windows as text like \"12:00-24:00\" (or a list of them; \"all day\" for all day)")
    return parse_daily_windows(v)


class HiringPool(Model):
    """Would-be agents of one kind the shop can still recruit for the sale (DOMAIN point 5:
    part-timers are hired for the peak, often students of a nearby university).

    The rota model decides how many of them to hire together with the rota: a candidate is hired
    when it works at least one shift, and each hire costs `cost_yuan` once. Candidates are named
    `<pool>-01`, `<pool>-02`, ...
    """

    contract: str
    """The contract they would be hired on (a key of contracts)."""
    availability: Annotated[tuple[tuple[int, int], ...], BeforeValidator(_daily_windows)] = ((0, 1440),)
    """When they can work each day: "12:00-24:00" (students after classes), "07:00-18:00"
    (morning part-timers), "all day" (the default); several windows separated by ';'."""
    skills: list[str]
    """Queues they are trained for (queue ids)."""
    max: Annotated[int, Field(ge=0, le=MAX_POOL)]
    """At most this many can be had (the university's job board, the agency's list)."""
    min: Annotated[int, Field(ge=0, le=MAX_POOL)] = 0
    """At least this many are hired (places already promised); the marginal values re-solve with
    min = max = the count tried."""
    cost_yuan: PositiveMoney
    """One-off cost of each hire in yuan: recruiting, training, the accounts and the trial shift."""
    name: str = ""
    """Name shown for its candidates (default the pool id): "Student" gives "Student 01"."""
    core: bool = False
    hourly_wage_yuan: PositiveMoney | None = None
    """Their wage when it differs from the contract's."""

    @model_validator(mode="after")
    def _counts(self) -> HiringPool:
        if self.min > self.max:
            raise FieldError(("min",), f"<= max ({self.max})", self.min)
        if not self.skills:
            raise FieldError(("skills",), "at least one queue id", [])
        return self


class Hiring(Model):
    """Candidate hires: pools of would-be agents the rota may hire (issue: how many to recruit)."""

    pools: dict[PoolId, HiringPool] = {}
    marginal_time_limit_seconds: Annotated[float, Field(ge=0, le=3600)] | None = None
    """Time limit of each re-solve that measures one more and one fewer hire of a pool (hiring.csv);
    default a tenth of the plan's time limit (at least 1 s); 0 skips them. A re-solve that does
    not close its gap in this time gives an estimate, and hiring.csv says so."""


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

