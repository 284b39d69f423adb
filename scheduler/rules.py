"""The hard rules of a rota, by the key docs/RULES.md gives each (its bracketed heading).

One table for the three places that name a rule: the model states rule `k` in
`scheduler.rota.hard_rules.rule_<k>` (or keeps it by generating only the shift options that obey it;
the day-roster rules of a contract's `roster` settings in `scheduler.rota.roster_rules.rule_<k>`),
its messages start with the rule's plain-words name, and the independent checker reports a
violation as `[k]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Rule:
    key: str
    """The bracketed name in docs/RULES.md and in the checker's report."""
    name: str
    """Plain words, as the model's messages (and its diagnosis of an infeasible rota) start."""
    kept_by: Literal["options", "model", "options and model", "output", "roster rules"]
    """Where the rota engine keeps it: by generating only shift options that obey it, by a
    `rule_<key>` function of the model, both, by how the rota is written out, or by a
    `rule_<key>` function of rota/roster_rules.py (only for contracts with `roster` settings)."""


RULES: dict[str, Rule] = {
    r.key: r
    for r in (
        Rule("shift_shape", "shift shape", "options"),
        Rule("meal_break", "meal break", "options"),
        Rule("assignment", "assignment", "output"),
        Rule("one_shift_per_day", "one shift per day", "model"),
        Rule("skills", "skills", "options"),
        Rule("queue_changes", "queue changes", "options"),
        Rule("availability", "availability", "options"),
        Rule("overtime", "overtime", "options and model"),
        Rule("weekly_hours", "weekly hours", "model"),
        Rule("average_daily_hours", "average daily hours", "model"),
        Rule("rest", "rest", "model"),
        Rule("consecutive_days", "consecutive days", "model"),
        Rule("midnight_core", "midnight core", "model"),
        Rule("evening_all_hands", "evening all-hands", "model"),
        Rule("morning_part_time", "morning part-time", "model"),
        Rule("ratio_bounds", "ratio bounds", "model"),
        Rule("forbidden_successions", "forbidden succession", "roster rules"),
        Rule("shift_type_maximum", "shift type maximum", "roster rules"),
        Rule("total_minutes", "total minutes", "roster rules"),
        Rule("min_consecutive_days", "min consecutive days", "roster rules"),
        Rule("min_consecutive_days_off", "min consecutive days off", "roster rules"),
        Rule("max_weekends", "max weekends", "roster rules"),
    )
}
"""The hard rules in the order of docs/RULES.md."""

FIGURES = "figures"
"""The checker's key for a figure the planner states that differs from the one recomputed."""


def name(key: str) -> str:
    """The plain-words name of a rule (a KeyError names an unknown key)."""
    return RULES[key].name
