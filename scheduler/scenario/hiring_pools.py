"""Hiring pools: would-be agents a shop can recruit before the sale (students, morning
part-timers), how many at most and at what one-off cost; scenario/hiring.py expands them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from scheduler.scenario.fields import FieldError, Model, PositiveMoney, parse_daily_windows

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
