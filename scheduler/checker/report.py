"""What the checker reports: violations in a supervisor's words, the recomputed figures, and
the plain text the CLI prints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from scheduler import rules
from scheduler.checker.context import Context

RULES: tuple[str, ...] = (*rules.RULES, rules.FIGURES)
"""The bracketed rule names of RULES.md, in its order, then `figures` (planner's figures differ)."""

FIGURE_KEYS = (
    "wage_cost",
    "call_in_cost",
    "lost_inquiry_value",
    "expected_lost_inquiries",
    "shortfall_agent_hours",
    "fairness_cost",
    "preference_cost",
    "queue_change_cost",
    "hire_cost",
    "objective",
)
MONEY_KEYS = {"wage_cost", "call_in_cost", "lost_inquiry_value", "fairness_cost", "preference_cost", "queue_change_cost",
              "hire_cost", "objective"}
HOURS_TOL = 0.01
"""Stated hours (paid_hours, overtime_hours) may be rounded to 2 decimals."""


@dataclass(frozen=True)
class Violation:
    """One broken rule, in a supervisor's words."""

    rule: str
    """The bracketed rule name of RULES.md (e.g. "rest"), or "figures"."""
    agent_id: str | None
    time: pd.Timestamp | None
    """Start of the slot or shift concerned (scenario time zone), or None."""
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass
class CheckReport:
    """What the checker found: violations, the recomputed figures and coverage."""

    violations: list[Violation] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
    """wage_cost (call-in fees included), call_in_cost (those fees alone), lost_inquiry_value,
    expected_lost_inquiries, shortfall_agent_hours, fairness_cost, preference_cost, hire_cost
    (one-off cost of the hired: agents with a hire cost who work), objective,
    plus paid_hours, overtime_hours, shifts. None when it needs the forecast and there is none."""
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    """slot_start, queue, planned_demand, required, scheduled, shortfall, expected_lost_inquiries."""
    notes: list[str] = field(default_factory=list)
    """What was not checked and why (e.g. no forecast)."""
    shifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per shift as recomputed: agent_id, start, end, span_hours, break_hours, paid_hours,
    overtime_hours, wage_yuan, call_in_fee_yuan."""

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def rules_broken(self) -> set[str]:
        return {v.rule for v in self.violations}

    def by_rule(self, rule: str) -> list[Violation]:
        return [v for v in self.violations if v.rule == rule]


def format_report(report: CheckReport) -> str:
    """Plain text for the CLI: one line per violation, then the figures, then notes."""
    lines = []
    if report.ok:
        lines.append("ok: the rota keeps every hard rule")
    else:
        counts = pd.Series([v.rule for v in report.violations]).value_counts()
        summary = ", ".join(f"{r} {counts[r]}" for r in RULES if r in counts)
        lines.append(f"{len(report.violations)} violation{'s' * (len(report.violations) != 1)} ({summary}):")
        lines += [f"  {v}" for v in report.violations]
    lines.append("figures (recomputed):")
    labels = {
        "wage_cost": ("wages", "yuan"),
        "call_in_cost": ("  of which call-in fees", "yuan"),
        "lost_inquiry_value": ("lost inquiry value", "yuan"),
        "expected_lost_inquiries": ("expected lost inquiries", ""),
        "shortfall_agent_hours": ("shortfall", "agent-hours"),
        "fairness_cost": ("fairness", "yuan"),
        "preference_cost": ("preferences", "yuan"),
        "queue_change_cost": ("queue changes inside shifts", "yuan"),
        "hire_cost": ("hire cost (one-off)", "yuan"),
        "objective": ("objective", "yuan"),
        "paid_hours": ("paid hours", "h"),
        "overtime_hours": ("overtime hours", "h"),
        "shifts": ("shifts", ""),
    }
    for key, (label, unit) in labels.items():
        if key not in report.figures:
            continue
        val = report.figures[key]
        if val is None:
            text = "n/a (needs the forecast)"
        else:
            text = (f"{val:,.0f}" if key == "shifts" else f"{val:,.2f}") + (f" {unit}" if unit else "")
        lines.append(f"  {label:26s} {text}")
    for n in report.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


class Findings:
    """The violations found so far, each with its place in the report's order: rule (RULES.md's
    order), then time, then agent; violations that tie keep the order they were found in."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.found: list[tuple[tuple[int, float, str], Violation]] = []

    def add(self, rule: str, agent: int | None, rel: float | None, message: str) -> None:
        aid = None if agent is None else self.ctx.agents[agent].agent_id
        t = None if rel is None or not math.isfinite(rel) else self.ctx.ts(rel)
        order = (RULES.index(rule), -math.inf if rel is None else rel, aid or "")
        self.found.append((order, Violation(rule, aid, t, message)))

    def in_order(self) -> list[Violation]:
        return [v for _, v in sorted(self.found, key=lambda x: x[0])]


def close(planner: float, mine: float, *, money: bool) -> bool:
    """RULES.md tolerance: max(1 yuan, 0.1 %) for money; max(0.01, 0.1 %) for hours and inquiries."""
    tol = max(1.0 if money else 0.01, 0.001 * abs(mine))
    return abs(planner - mine) <= tol + 1e-9
