"""The CP-SAT rota model: built from the variables (state.py), one function per business rule
(hard_rules.py) and the costs of the objective (costs.py).

The same builder makes two models. In the *per-agent* model every unit is one agent and its
shift choices are booleans. In the *aggregated* model every unit is a class of identical agents
(same contract, core flag, skills, availability, wage, standby flag, no personal requests) and
the choices are counts; each rule's right-hand side is scaled by the class size, so the
aggregated model is a relaxation of the per-agent one: its optimum is a proven lower bound, and
its solution, split among the class's agents, is a hint. Money is in integer fen (0.01 yuan).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.sat.python import cp_model

from scheduler.rota import hiring
from scheduler.rota.costs import (
    cost_coverage,
    cost_fairness,
    cost_preferences,
    cost_queue_changes,
    cost_wages,
    objective,
    preference_prices,
)
from scheduler.rota.hard_rules import (
    PER_AGENT_RULES,
    rule_average_daily_hours,
    rule_consecutive_days,
    rule_evening_all_hands,
    rule_midnight_core,
    rule_morning_part_time,
    rule_one_shift_per_day,
    rule_overtime,
    rule_ratio_bounds,
    rule_rest,
    rule_weekly_hours,
)
from scheduler.rota.state import Demand, RotaModel, Unit, require
from scheduler.scenario import Agent, Scenario

__all__ = ["PER_AGENT_RULES", "Demand", "RotaModel", "Unit", "build", "class_key", "objective",
           "preference_prices", "require"]


def build(
    scenario: Scenario, units: list[Unit], demand: Demand, aggregated: bool, diagnose: bool = False, from_slot: int = 0,
    outside_staff: dict[tuple[int, str], int] | None = None,
) -> RotaModel:
    """Build the model with every rule of DESIGN.md (see docs/RULES.md for their exact reading)."""
    m = RotaModel(scenario, units, demand, aggregated, enforce={} if diagnose else None, from_slot=from_slot,
                  outside_staff=dict(outside_staff or {}))
    variables(m)
    hiring.rule_hiring(m)
    rule_one_shift_per_day(m)
    rule_rest(m)
    rule_overtime(m)
    rule_weekly_hours(m)
    rule_average_daily_hours(m)
    rule_consecutive_days(m)
    rule_midnight_core(m)
    rule_evening_all_hands(m)
    rule_morning_part_time(m)
    rule_ratio_bounds(m)
    cost_coverage(m)
    cost_wages(m)
    cost_preferences(m)
    if not aggregated:
        cost_queue_changes(m)
        cost_fairness(m)
        break_symmetry(m)
    objective(m)
    return m


# --- variables --------------------------------------------------------------------------------
def variables(m: RotaModel) -> None:
    """Shift choices per unit; who is working each slot; which queue they serve.

    Skills and the queue-change setting are kept by construction: a unit gets a queue variable
    only for queues in its skills, and when queues may not change inside a shift the queue is
    part of the shift option itself.
    """
    sc = m.scenario
    for u_idx, u in enumerate(m.units):
        ub = u.size
        if ub == 1:
            xs = [m.model.new_bool_var(f"x{u_idx}_{i}") for i in range(len(u.options))]
        else:
            xs = [m.model.new_int_var(0, ub, f"y{u_idx}_{i}") for i in range(len(u.options))]
        m.choice.append(xs)
        per_slot: dict[int, list] = defaultdict(list)
        per_slot_queue: dict[tuple[int, str], list] = defaultdict(list)
        for o, x in zip(u.options, xs, strict=True):
            for t in o.working_slots():
                per_slot[t].append(x)
                if o.queue is not None:
                    per_slot_queue[(t, o.queue)].append(x)
        work = {t: cp_model.LinearExpr.sum(v) for t, v in per_slot.items()}
        m.work.append(work)
        skills = u.agent.skills
        for t, w in work.items():
            if len(skills) == 1:
                m.staff.setdefault((t, skills[0]), []).append(w)
            elif sc.config.queue_changes_in_shift:
                qv = [m.model.new_int_var(0, ub, f"q{u_idx}_{t}_{q}") for q in skills]
                for q, v in zip(skills, qv, strict=True):
                    m.queue_vars[(u_idx, t, q)] = v
                    m.staff.setdefault((t, q), []).append(v)
                m.model.add(sum(qv) == w)
            else:
                for q in skills:
                    if (t, q) in per_slot_queue:
                        m.staff.setdefault((t, q), []).append(cp_model.LinearExpr.sum(per_slot_queue[(t, q)]))


def break_symmetry(m: RotaModel) -> None:
    """Identical agents are interchangeable: order them by their chosen shifts' ranks.

    Valid because any rota can be permuted within a class of identical agents at equal cost;
    it spares the solver from exploring every permutation.
    """
    classes: dict[tuple, list[int]] = defaultdict(list)
    for u_idx, u in enumerate(m.units):
        classes[class_key(m.scenario, u.agent, u.available)].append(u_idx)
    for idxs in classes.values():
        for a, b in zip(idxs, idxs[1:], strict=False):
            if m.units[a].options is not m.units[b].options:
                continue  # not interchangeable after all (replan freezes each agent's own past)
            ra = sum((i + 1) * x for i, x in enumerate(m.choice[a]))
            rb = sum((i + 1) * x for i, x in enumerate(m.choice[b]))
            m.model.add(ra >= rb)


def class_key(scenario: Scenario, agent: Agent, available: np.ndarray) -> tuple:
    """Agents with the same key are interchangeable in every rule and cost."""
    personal = any(p.agent_id == agent.agent_id for p in scenario.preference_rows)
    return (
        agent.contract,
        agent.core,
        agent.skills,
        agent.standby,
        scenario.wage(agent),
        available.tobytes(),
        agent.agent_id if personal else "",
        (agent.pool, agent.hire_cost_yuan, agent.candidate, agent.must_hire),
    )
