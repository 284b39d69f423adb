"""The rota model's state: its units (agents, or classes of identical agents), the demand it
prices coverage against, the CP-SAT model with the variables every rule reads, and how a hard
rule is added (so the diagnosis can name it). The rules themselves are in hard_rules.py and
costs.py; model.py builds the model from them. Money is in integer fen (0.01 yuan).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduler.rota.options import ShiftOption
from scheduler.scenario import Agent, Scenario


@dataclass
class Unit:
    """One agent (per-agent model) or a class of identical agents (aggregated model)."""

    agents: list[Agent]
    options: list[ShiftOption]
    available: np.ndarray

    @property
    def size(self) -> int:
        return len(self.agents)

    @property
    def agent(self) -> Agent:
        return self.agents[0]


@dataclass
class Demand:
    """What coverage is priced against: per slot and queue, the lost-inquiry money curve.

    loss_fen[(t, q)][n] = value of the inquiries expected lost with n agents on queue q in slot t;
    non-increasing and convex in n (the staffing stage guarantees it).
    """

    loss_fen: dict[tuple[int, str], np.ndarray]


@dataclass
class RotaModel:
    scenario: Scenario
    units: list[Unit]
    demand: Demand
    aggregated: bool
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    choice: list[list[cp_model.IntVar]] = field(default_factory=list)
    work: list[dict[int, cp_model.LinearExpr]] = field(default_factory=list)
    queue_vars: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)
    staff: dict[tuple[int, str], list] = field(default_factory=dict)
    lost: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    cost_terms: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    constant_fen: int = 0
    from_slot: int = 0
    """Promotion rules bind from this slot on (replan: the past is history, kept as worked)."""
    outside_staff: dict[tuple[int, str], int] = field(default_factory=dict)
    """Agent-slots per (slot, queue) worked by people not in the model (replan: the worked past
    of agents who have since left); whole-phase rules count them as constants."""
    hired: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Per unit deciding a hire: its hired literal, or a class's hire count (rota/hiring.py)."""
    enforce: dict[str, cp_model.IntVar] | None = None
    """With diagnosis on: one literal per rule instance, keyed by its plain-words description."""

    # --- helpers ----------------------------------------------------------------------------
    def literal(self, description: str) -> list:
        """Enforcement literal for a rule instance when diagnosing infeasibility, else none."""
        if self.enforce is None:
            return []
        if description not in self.enforce:
            self.enforce[description] = self.model.new_bool_var(description[:60])
        return [self.enforce[description]]

    def add(self, relation, description: str) -> cp_model.Constraint:
        """Add a hard rule's constraint, enforced by its rule literal when diagnosing."""
        constraint = self.model.add(relation)
        lits = self.literal(description)
        if lits:
            constraint.only_enforce_if(lits)
        return constraint

    def slots_label(self, ks: list[int] | range) -> str:
        if not ks:
            return ""
        a = self.scenario.slots[ks[0]]
        b = self.scenario.slots[ks[-1]] + np.timedelta64(self.scenario.slot_minutes, "m")
        return f"{a:%m-%d %H:%M}-{b:%H:%M}"


def require(m: RotaModel, relation, desc: str) -> None:
    """Add a linear relation that may have collapsed to a constant (nobody can work the slot)."""
    if isinstance(relation, bool | np.bool_):
        if not relation:
            lit = m.literal(desc)
            m.model.add_bool_or([lit[0].Not()] if lit else [])  # empty clause: infeasible
        return
    m.add(relation, desc)


def working_total(m: RotaModel, t: int, which=lambda u: True):
    return sum(m.work[i][t] for i, u in enumerate(m.units) if t in m.work[i] and which(u))


def day_choices(m: RotaModel, u_idx: int) -> dict[int, list]:
    by_day: dict[int, list] = defaultdict(list)
    for o, x in zip(m.units[u_idx].options, m.choice[u_idx], strict=True):
        by_day[o.day].append(x)
    return by_day
