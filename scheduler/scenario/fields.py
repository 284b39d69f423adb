"""The building blocks of the scenario's settings: money, shares, times and windows as scenario.yaml
states them, the strict base model (unknown keys are errors) and `FieldError`, which names the
setting a model-level check is about.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

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
