"""The scenario: pydantic models of scenario.yaml and its tables, loading, and validation.

A scenario is a folder: `scenario.yaml`, `history.csv`, `agents.csv`, and optionally
`time_off.csv` and `preferences.csv`. Every default below names its source (DOMAIN.md).
Every problem found becomes a `Problem` naming file, row, field, what was found and what is
allowed; all problems of a file are reported together, and nothing is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import reprlib
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scheduler.errors import InputError, Problem

PositiveMoney = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
"""A price or wage in yuan; the cap keeps solver coefficients far from int64 overflow."""
LargeMoney = Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)]
"""A GMV in yuan (all of Tmall's Double 11 is below 1e12)."""
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Rate = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
_PACKAGED = Path(__file__).resolve().parent / "_scenarios"  # in an installed wheel
BUILTIN_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / "scenarios"
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

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=40)]
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
    holidays: list[Day] = []
    solver: Solver = Solver()
    replan: ReplanPrices = ReplanPrices()
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
        for wi, w in enumerate(self.promotion.evening_all_hands):
            for ci, c in enumerate(w.contracts or []):
                if c not in self.contracts:
                    raise FieldError(
                        ("promotion", "evening_all_hands", wi, "contracts", ci),
                        f"a contract from contracts: {sorted(self.contracts)}",
                        c,
                    )
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


class Scenario(BaseModel):
    """A loaded, validated scenario: the YAML settings plus its tables."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    config: ScenarioConfig
    folder: Path
    history: pd.DataFrame
    """Columns slot_start (tz-aware), queue, inquiries."""
    agents: list[Agent]
    time_off: list[TimeOff] = []
    preference_rows: list[PreferenceRow] = []
    input_sha256: str = ""

    # --- convenient views used by every stage -------------------------------------------
    def __getattr__(self, item: str) -> Any:
        # Settings read as scenario.queues, scenario.solver, ... as well as scenario.config.X.
        if item != "config" and "config" in self.__dict__ and item in ScenarioConfig.model_fields:
            return getattr(self.__dict__["config"], item)
        raise AttributeError(item)

    @property
    def slot_minutes(self) -> int:
        return self.config.horizon.slot_minutes

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.timezone)

    @cached_property
    def slots(self) -> pd.DatetimeIndex:
        """Slot start times over the horizon, in the scenario's time zone."""
        h = self.config.horizon
        return pd.date_range(
            pd.Timestamp(h.start).tz_convert(self.tz),
            pd.Timestamp(h.end).tz_convert(self.tz),
            freq=f"{h.slot_minutes}min",
            inclusive="left",
        )

    @property
    def n_slots(self) -> int:
        return len(self.slots)

    def queue(self, qid: str) -> Queue:
        for q in self.config.queues:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def contract(self, cid: str) -> Contract:
        return self.config.contracts[cid]

    def agent(self, agent_id: str) -> Agent:
        return self.agents_by_id[agent_id]

    @cached_property
    def agents_by_id(self) -> dict[str, Agent]:
        return {a.agent_id: a for a in self.agents}

    def slot_index(self, t: datetime) -> int:
        """Index of the slot starting at t (t must lie on a slot boundary inside the horizon)."""
        start = self.config.horizon.start
        k = (t - start).total_seconds() / 60 / self.slot_minutes
        if k != int(k) or not 0 <= k < self.n_slots:
            raise ValueError(f"{t.isoformat()} is not a slot start inside the horizon")
        return int(k)

    def window_slots(self, start: datetime, end: datetime) -> range:
        """Slots whose start lies in [start, end), clipped to the horizon."""
        h0 = self.config.horizon.start
        step = self.slot_minutes * 60
        a = math.ceil((start - h0).total_seconds() / step)
        b = math.ceil((end - h0).total_seconds() / step)
        return range(max(0, a), min(self.n_slots, b))

    def phase_of_slot(self, k: int) -> str:
        """before / during / after the event (during when there is no event)."""
        ev = self.config.event
        if ev is None:
            return "during"
        t = self.slots[k]
        if t < ev.start:
            return "before"
        if t < ev.end:
            return "during"
        return "after"

    def wage(self, agent: Agent) -> float:
        if agent.hourly_wage_yuan is not None:
            return agent.hourly_wage_yuan
        return self.config.contracts[agent.contract].hourly_wage_yuan

    def available_slots(self, agent: Agent) -> np.ndarray:
        """Boolean per slot: the agent may work it (daily windows, minus dated time off)."""
        ok = np.zeros(self.n_slots, dtype=bool)
        minutes = self.slots.hour * 60 + self.slots.minute
        end_minutes = minutes + self.slot_minutes
        for lo, hi in agent.availability:
            for shift in (0, -1440):  # a window crossing midnight also covers the early hours
                ok |= (minutes >= lo + shift) & (end_minutes <= hi + shift)
        for off in self.time_off:
            if off.agent_id == agent.agent_id:
                for k in self.window_slots(off.start - timedelta(minutes=self.slot_minutes - 1), off.end):
                    ok[k] = False
        return ok

    def is_night_slot(self, k: int) -> bool:
        f = self.config.fairness
        t = self.slots[k].time()
        if f.night_start <= f.night_end:
            return f.night_start <= t < f.night_end
        return t >= f.night_start or t < f.night_end


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that keeps timestamps as text (pydantic parses them and insists on an offset)."""


_StrictLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping_no_dupes(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: list[Any] = []
    for knode, _ in node.value:
        k = loader.construct_object(knode, deep=deep)
        try:
            dupe = k in seen
        except Exception:  # noqa: BLE001 - an odd key; construct_mapping below says what is wrong
            dupe = False
        if dupe:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {_short(k)}", knode.start_mark
            )
        seen.append(k)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_no_dupes)


def read_text(path: Path, label: str | None = None) -> str:
    """Read a text file as UTF-8 (with or without the BOM Excel writes); say so clearly if not."""
    label = label or path.name
    try:
        if not path.exists():
            raise InputError([Problem(label, "(file)", "no such file", f"an existing file at {path}")])
        if not path.is_file():
            raise InputError([Problem(label, "(file)", "a folder or special file", "a regular file")])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                [Problem(label, "(file)", f"{size / 2**20:.0f} MiB", f"at most {MAX_FILE_BYTES // 2**20} MiB")]
            )
        data = path.read_bytes()
    except OSError as exc:  # unreadable: permissions, a name too long, ...
        raise InputError([Problem(label, "(file)", str(exc.strerror or exc), f"a readable file at {path}")]) from None
    resave = "UTF-8; in Excel use Save As > 'CSV UTF-8 (comma delimited)', in an editor save as UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            [Problem(label, "(encoding)", "UTF-16 text (Excel's 'Unicode Text')", resave, 1)]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = "bytes that are not UTF-8"
        try:
            data.decode("gbk")
            hint = "GBK/GB2312 text (Excel's default for Chinese)"
        except UnicodeDecodeError:
            pass
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(label, "(encoding)", f"{hint} at byte {exc.start}", resave, line)]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError([Problem(label, "(encoding)", "NUL bytes (a binary or UTF-16 file?)", "UTF-8 text", line)])
    return text


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return True  # let read_text say what is wrong with it


def _loc_to_field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


def _short(value: Any) -> str:
    """repr that stays short (YAML aliases can make a value with a billion leaves)."""
    return _REPR.repr(value)


def _yaml_line(root: yaml.Node | None, loc: tuple) -> int | None:
    """The line (1-based) in the YAML text of the setting at `loc`, or of its nearest parent there."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = None
            for k, v in node.value:  # the last match wins, as in the loaded mapping (merge keys come first)
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    hit = (k, v)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _pydantic_problems(
    exc: ValidationError, file: str, row: int | None = None, prefix: str = "", root: yaml.Node | None = None
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc_t = tuple(err["loc"])
        found = _short(err.get("input"))
        allowed = err["msg"]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            loc_t += cause.loc
            found, allowed = _short(cause.found), str(cause)
        elif err["type"] == "value_error" and allowed.startswith("Value error, "):
            allowed = allowed[len("Value error, "):]
        if err["type"] == "missing":
            found = "nothing (field missing)"
        if err["type"] == "extra_forbidden":
            allowed = "no such field here (check the spelling against the template: scheduler init)"
        loc = _loc_to_field(loc_t)
        fieldname = f"{prefix}{loc}" if prefix else loc
        line = row if row is not None else _yaml_line(root, loc_t)
        problems.append(Problem(file, fieldname, found, allowed, line))
    return problems


def _parse_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Safe YAML: (data, node tree for line numbers). Tags that would construct objects are refused."""
    text = read_text(path, path.name)
    loader = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        raw = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        row = mark.line + 1 if mark is not None else None
        if isinstance(exc, yaml.reader.ReaderError):
            row = text.count("\n", 0, exc.position) + 1
        what = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        what = str(what).removeprefix("found ")
        raise InputError(
            [Problem(path.name, "(YAML syntax)", str(what), "valid YAML (plain values, no tags)", row)]
        ) from None
    except RecursionError:
        raise InputError(
            [Problem(path.name, "(YAML syntax)", "values nested too deeply", "settings nested a few levels deep")]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return raw, node


def _load_config(path: Path) -> tuple[ScenarioConfig, yaml.Node | None]:
    raw, node = _parse_yaml(path)
    if not isinstance(raw, dict):
        found = "an empty file" if raw is None else f"a {type(raw).__name__} ({_short(raw)})"
        raise InputError(
            [Problem(path.name, "(top level)", found, "a mapping of settings, name: ..., horizon: ... (see scheduler init)", 1)]
        )
    try:
        return ScenarioConfig.model_validate(raw), node
    except ValidationError as exc:
        raise InputError(_pydantic_problems(exc, path.name, root=node)) from None


def load_config(path: Path) -> ScenarioConfig:
    """Parse scenario.yaml safely (no object-constructing tags) and validate it."""
    return _load_config(path)[0]


def _read_csv_rows(
    path: Path, required: list[str], optional: list[str]
) -> list[tuple[int, dict[str, str]]]:
    """Rows as (spreadsheet row number, {column: text}), after checking the header."""
    label = path.name
    text = read_text(path, label)
    if not text.strip():
        raise InputError([Problem(label, "(file)", "an empty file", f"a header row with {', '.join(required)}")])
    rows: list[list[str]] = []
    try:
        for r in csv.reader(io.StringIO(text, newline=""), strict=True):
            rows.append(r)
    except csv.Error as exc:  # the row is the record being read, as a spreadsheet would number it
        raise InputError(
            [Problem(label, "(CSV syntax)", str(exc), "well-formed CSV (check unterminated quotes)", len(rows) + 1)]
        ) from None
    header = [h.strip() for h in rows[0]]
    problems = []
    if not any(header):
        raise InputError(
            [Problem(label, "(header)", "an empty first row", f"a header row with {', '.join(required)}", 1)]
        )
    missing = [c for c in required if c not in header]
    extra = [c for c in header if c and c not in required + optional]
    for k, c in enumerate(header, start=1):
        if not c:
            problems.append(Problem(label, f"(column {k})", "a column with no name", f"columns {required + optional}", 1))
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if missing:
        problems.append(Problem(label, ", ".join(missing), "column missing", f"columns {required + optional}", 1))
    if extra:
        problems.append(Problem(label, ", ".join(extra), "unknown column", f"columns {required + optional}", 1))
    if dupes:
        problems.append(Problem(label, ", ".join(dupes), "repeated column", "each column once", 1))
    if problems:
        raise InputError(problems)
    out = []
    for i, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != len(header):
            problems.append(
                Problem(label, "(row)", f"{len(r)} cells", f"{len(header)} cells, one per column", i)
            )
            continue
        out.append((i, {h: c.strip() for h, c in zip(header, r, strict=True)}))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError([Problem(label, "(rows)", "a header and no data rows", "at least one data row")])
    return out


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 with a UTC offset; a naive time is refused (which time zone would it be?)."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("an ISO 8601 time with offset, e.g. 2026-11-11T00:00:00+08:00") from None
    if t.tzinfo is None:
        raise ValueError("a UTC offset, e.g. 2026-11-11T00:00:00+08:00 (this time has none)")
    if not MIN_YEAR <= t.year <= MAX_YEAR:
        raise ValueError(f"a year from {MIN_YEAR} to {MAX_YEAR}")
    return t


_BOOL = {"true": True, "1": True, "yes": True, "y": True, "是": True,
         "false": False, "0": False, "no": False, "n": False, "否": False, "": False}
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key not in _BOOL:
        raise ValueError("true/false (also 1/0, yes/no, 是/否)")
    return _BOOL[key]


def parse_daily_windows(text: str) -> tuple[tuple[int, int], ...]:
    """'08:00-12:00;18:00-24:00' -> minute windows; '22:00-02:00' crosses midnight; '' = all day."""
    if not text.strip():
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
    for (a0, a1), (b0, b1) in zip(wins, wins[1:]):
        if b0 < a1:
            raise ValueError("windows that do not overlap")
    if wins and wins[-1][1] > 1440 and wins[-1][1] - 1440 > wins[0][0]:
        raise ValueError("windows that do not overlap (one crosses midnight into another)")
    return tuple(wins)


def _number(text: str, *, integer: bool = False, lo: float = 0.0, hi: float = 1e9) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"a number from {lo:g} to {hi:g}") from None
    if not math.isfinite(v) or v < lo or v > hi or (integer and v != int(v)):
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{kind} from {lo:g} to {hi:g}")
    return v


def load_history(path: Path, config: ScenarioConfig) -> pd.DataFrame:
    """history.csv: slot_start, queue, inquiries (hourly or finer, one row per slot and queue)."""
    rows = _read_csv_rows(path, ["slot_start", "queue", "inquiries"], [])
    queues = {q.id for q in config.queues}
    problems: list[Problem] = []
    starts, qs, counts = [], [], []
    seen: set[tuple[datetime, str]] = set()
    for i, r in rows:
        try:
            t = parse_timestamp(r["slot_start"])
        except ValueError as exc:
            problems.append(Problem(path.name, "slot_start", repr(r["slot_start"]), str(exc), i))
            continue
        if r["queue"] not in queues:
            problems.append(Problem(path.name, "queue", repr(r["queue"]), f"one of {sorted(queues)}", i))
            continue
        try:
            n = _number(r["inquiries"], lo=0, hi=1e7)
        except ValueError as exc:
            problems.append(Problem(path.name, "inquiries", repr(r["inquiries"]), str(exc), i))
            continue
        if (t, r["queue"]) in seen:
            problems.append(Problem(path.name, "slot_start", f"{r['slot_start']} again for {r['queue']}", "each slot once per queue", i))
            continue
        seen.add((t, r["queue"]))
        starts.append(t)
        qs.append(r["queue"])
        counts.append(n)
        if len(problems) > 200:
            break
    if problems:
        raise InputError(problems)
    tz = ZoneInfo(config.timezone)
    df = pd.DataFrame(
        {"slot_start": pd.to_datetime(starts, utc=True).tz_convert(tz), "queue": qs, "inquiries": counts}
    )
    return df.sort_values(["queue", "slot_start"], kind="stable").reset_index(drop=True)


def load_agents(path: Path, config: ScenarioConfig) -> list[Agent]:
    """agents.csv: agent_id, name, contract, core, skills, availability, standby[, hourly_wage_yuan]."""
    rows = _read_csv_rows(
        path, ["agent_id", "name", "contract", "core", "skills", "availability", "standby"], ["hourly_wage_yuan"]
    )
    queues = {q.id for q in config.queues}
    problems: list[Problem] = []
    agents: list[Agent] = []
    seen: set[str] = set()

    def bad(i: int, fld: str, found: str, allowed: str) -> None:
        problems.append(Problem(path.name, fld, repr(found), allowed, i))

    for i, r in rows:
        n_before = len(problems)
        aid = r["agent_id"]
        if not re.fullmatch(r"[A-Za-z0-9_\-\.]{1,40}", aid):
            bad(i, "agent_id", aid, "1-40 letters, digits, _ - .")
        elif aid in seen:
            bad(i, "agent_id", aid, "a unique id (this one is already used above)")
        seen.add(aid)
        if r["contract"] not in config.contracts:
            bad(i, "contract", r["contract"], f"one of {sorted(config.contracts)}")
        skills = tuple(s.strip() for s in r["skills"].split(";") if s.strip())
        unknown = [s for s in skills if s not in queues]
        if not skills or unknown:
            bad(i, "skills", r["skills"], f"queue ids separated by ';' from {sorted(queues)}")
        flags = {}
        for fld in ("core", "standby"):
            try:
                flags[fld] = parse_bool(r[fld])
            except ValueError as exc:
                bad(i, fld, r[fld], str(exc))
        try:
            avail = parse_daily_windows(r["availability"])
        except ValueError as exc:
            bad(i, "availability", r["availability"], str(exc))
        wage = None
        if r.get("hourly_wage_yuan"):
            try:
                wage = _number(r["hourly_wage_yuan"], lo=0, hi=10000)
            except ValueError as exc:
                bad(i, "hourly_wage_yuan", r["hourly_wage_yuan"], str(exc))
        if len(problems) == n_before:
            agents.append(
                Agent(
                    agent_id=aid,
                    name=r["name"] or aid,
                    contract=r["contract"],
                    core=flags["core"],
                    skills=skills,
                    availability=avail,
                    standby=flags["standby"],
                    hourly_wage_yuan=wage,
                )
            )
    if problems:
        raise InputError(problems)
    return agents


def _load_windows_table(
    path: Path, agents: dict[str, Agent], config: ScenarioConfig, extra: list[str], optional: list[str]
) -> list[tuple[int, dict[str, Any]]]:
    """Shared reader of time_off.csv and preferences.csv: agent_id, start, end, ..."""
    rows = _read_csv_rows(path, ["agent_id", "start", "end", *extra], optional)
    problems: list[Problem] = []
    out = []
    h = config.horizon
    for i, r in rows:
        n_before = len(problems)
        if r["agent_id"] not in agents:
            problems.append(Problem(path.name, "agent_id", repr(r["agent_id"]), "an agent_id from agents.csv", i))
        times = {}
        for fld in ("start", "end"):
            try:
                times[fld] = parse_timestamp(r[fld])
            except ValueError as exc:
                problems.append(Problem(path.name, fld, repr(r[fld]), str(exc), i))
        if len(times) == 2:
            if times["end"] <= times["start"]:
                problems.append(Problem(path.name, "end", r["end"], f"a time after start {r['start']}", i))
            elif times["end"] <= h.start or times["start"] >= h.end:
                problems.append(
                    Problem(path.name, "start", r["start"], f"a window overlapping the horizon {h.start.isoformat()} .. {h.end.isoformat()}", i)
                )
        if len(problems) == n_before:
            out.append((i, {**r, **times}))
    if problems:
        raise InputError(problems)
    return out


def load_time_off(path: Path, agents: dict[str, Agent], config: ScenarioConfig) -> list[TimeOff]:
    rows = _load_windows_table(path, agents, config, [], ["reason"])
    items = [TimeOff(agent_id=r["agent_id"], start=r["start"], end=r["end"], reason=r.get("reason", "")) for _, r in rows]
    by_agent: dict[str, list[tuple[int, TimeOff]]] = {}
    for (i, _), t in zip(rows, items, strict=True):
        by_agent.setdefault(t.agent_id, []).append((i, t))
    problems = []
    for lst in by_agent.values():
        lst.sort(key=lambda x: x[1].start)
        for (_, a), (j, b) in zip(lst, lst[1:]):
            if b.start < a.end:
                problems.append(Problem(path.name, "start", b.start.isoformat(), "time off that does not overlap another row of the same agent", j))
    if problems:
        raise InputError(problems)
    return items


def load_preferences(path: Path, agents: dict[str, Agent], config: ScenarioConfig) -> list[PreferenceRow]:
    rows = _load_windows_table(path, agents, config, ["kind"], ["price_yuan_per_hour"])
    problems, out = [], []
    for i, r in rows:
        if r["kind"] not in ("request", "refuse"):
            problems.append(Problem(path.name, "kind", repr(r["kind"]), "request or refuse", i))
            continue
        price = None
        if r.get("price_yuan_per_hour"):
            try:
                price = _number(r["price_yuan_per_hour"], lo=0, hi=100000)
            except ValueError as exc:
                problems.append(Problem(path.name, "price_yuan_per_hour", repr(r["price_yuan_per_hour"]), str(exc), i))
                continue
        out.append(PreferenceRow(agent_id=r["agent_id"], start=r["start"], end=r["end"], kind=r["kind"], price_yuan_per_hour=price))
    if problems:
        raise InputError(problems)
    return out


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A built-in scenario name (double11) or a folder holding scenario.yaml."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    if p.is_file() and p.name.endswith((".yaml", ".yml")):
        return p.parent
    builtin = BUILTIN_DIR / str(name_or_path)
    if re.fullmatch(r"[a-z0-9_]+", str(name_or_path)) and (builtin / "scenario.yaml").exists():
        return builtin
    names = ", ".join(builtin_names())
    raise InputError(
        [Problem(str(name_or_path), "SCENARIO", "no such folder or built-in scenario", f"a scenario folder, or one of: {names}")]
    )


def builtin_names() -> list[str]:
    if not BUILTIN_DIR.exists():
        return []
    return sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / "scenario.yaml").exists())


def input_hash(folder: Path, names: list[str]) -> str:
    """SHA-256 over the input files (name and bytes), so any change to any input changes it."""
    h = hashlib.sha256()
    for n in names:
        p = folder / n
        if p.exists():
            h.update(n.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario folder (or built-in name); raise InputError listing every problem.

    >>> sc = load_scenario("double11")
    >>> sc.n_slots, [q.id for q in sc.queues]
    (72, ['presale', 'aftersale'])
    """
    folder = resolve_scenario_path(name_or_path)
    config, root = _load_config(folder / "scenario.yaml")
    problems: list[Problem] = []
    history = agents = None
    try:
        history = load_history(folder / config.files.history, config)
    except InputError as exc:
        problems += exc.problems
    try:
        agents = load_agents(folder / config.files.agents, config)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    assert history is not None and agents is not None
    by_id = {a.agent_id: a for a in agents}
    time_off: list[TimeOff] = []
    prefs: list[PreferenceRow] = []
    names = ["scenario.yaml", config.files.history, config.files.agents]
    if config.files.time_off and _exists(folder / config.files.time_off):
        names.append(config.files.time_off)
        try:
            time_off = load_time_off(folder / config.files.time_off, by_id, config)
        except InputError as exc:
            problems += exc.problems
    if config.files.preferences and _exists(folder / config.files.preferences):
        names.append(config.files.preferences)
        try:
            prefs = load_preferences(folder / config.files.preferences, by_id, config)
        except InputError as exc:
            problems += exc.problems
    problems += _cross_checks(config, agents, config.files.agents, root)
    if problems:
        raise InputError(problems)
    return Scenario(
        config=config,
        folder=folder.resolve(),
        history=history,
        agents=agents,
        time_off=time_off,
        preference_rows=prefs,
        input_sha256=input_hash(folder, names),
    )


def _cross_checks(
    config: ScenarioConfig, agents: list[Agent], agents_file: str, root: yaml.Node | None = None
) -> list[Problem]:
    """Rules between files: every queue someone can serve, contract rules that make sense."""
    problems = []
    served = {s for a in agents for s in a.skills}
    for q in config.queues:
        if q.id not in served:
            problems.append(
                Problem(agents_file, "skills", f"no agent with skill {q.id!r}", f"at least one agent who can serve queue {q.id!r}")
            )
    slot = config.horizon.slot_minutes
    for cid, c in config.contracts.items():
        for k, span in enumerate(c.shift_spans_hours):
            if (span * 60) % slot:
                problems.append(
                    Problem("scenario.yaml", f"contracts.{cid}.shift_spans_hours", f"{span:g}", f"whole slots of {slot} min",
                            _yaml_line(root, ("contracts", cid, "shift_spans_hours", k)))
                )
        for k, st in enumerate(c.start_times):
            if (st.hour * 60 + st.minute) % slot or st.second or st.microsecond:
                problems.append(
                    Problem("scenario.yaml", f"contracts.{cid}.start_times", st.isoformat("minutes"), f"times on the {slot}-minute slot grid",
                            _yaml_line(root, ("contracts", cid, "start_times", k)))
                )
        if c.break_minutes % slot:
            problems.append(
                Problem("scenario.yaml", f"contracts.{cid}.break_minutes", str(c.break_minutes), f"whole slots of {slot} min",
                        _yaml_line(root, ("contracts", cid, "break_minutes")))
            )
    return problems
