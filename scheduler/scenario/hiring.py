"""Candidate hires: a scenario's hiring pools expanded into would-be agents, and the scenarios
derived from a hiring decision (the team as hired; a pool's hire count fixed for a re-solve).

A candidate is an `Agent` with `candidate=True`, its `pool` and its one-off `hire_cost_yuan`;
the rota model hires it when it works at least one shift (scheduler/rota/hiring.py). Once the
plan is made, the hired candidates become agents of the team (`candidate=False`, pool and hire
cost kept so the checker can recompute the hire cost), which is what the plan folder's copy of
the scenario lists in agents.csv.
"""

from __future__ import annotations

from scheduler.scenario.schema import Agent, Hiring, HiringPool, ScenarioConfig
from scheduler.scenario.views import Scenario


def candidate_id(pool_id: str, k: int, width: int) -> str:
    """students-01, students-02, ... (wide enough that the ids sort in hiring order)."""
    return f"{pool_id}-{k:0{width}d}"


def pool_candidates(pool_id: str, pool: HiringPool, width: int | None = None) -> list[Agent]:
    """The pool's would-be agents, in hiring order (the first `min` must be hired); `width` of
    the numbers: as the pool's max needs, unless given (a re-solve keeps the plan's ids)."""
    out = []
    width = width or max(2, len(str(pool.max)))
    for k in range(1, pool.max + 1):
        aid = candidate_id(pool_id, k, width)
        out.append(Agent(
            agent_id=aid,
            name=f"{pool.name} {k:02d}" if pool.name else aid,
            contract=pool.contract,
            core=pool.core,
            skills=tuple(pool.skills),
            availability=pool.availability,
            hourly_wage_yuan=pool.hourly_wage_yuan,
            pool=pool_id,
            hire_cost_yuan=pool.cost_yuan,
            candidate=True,
            must_hire=k <= pool.min,
        ))
    return out


def candidates_of(config: ScenarioConfig, widths: dict[str, int] | None = None) -> list[Agent]:
    """Every pool's candidates, pool by pool in the order scenario.yaml lists them."""
    return [a for pid, pool in config.hiring.pools.items() for a in pool_candidates(pid, pool, (widths or {}).get(pid))]


def _scenario_with(scenario: Scenario, config: ScenarioConfig, agents: list[Agent]) -> Scenario:
    fields = {name: getattr(scenario, name) for name in type(scenario).model_fields}
    return Scenario(**{**fields, "config": config, "agents": agents})


def with_pool_count(scenario: Scenario, pool_id: str, count: int) -> Scenario:
    """The same scenario with exactly `count` hires from one pool (min = max = count): the
    re-solve that measures the value of one more or one fewer hire."""
    pools = dict(scenario.config.hiring.pools)
    widths = {pid: max(2, len(str(p.max))) for pid, p in pools.items()}
    pools[pool_id] = pools[pool_id].model_copy(update={"min": count, "max": count})
    hiring = scenario.config.hiring.model_copy(update={"pools": pools})
    config = scenario.config.model_copy(update={"hiring": hiring})
    team = [a for a in scenario.agents if not a.candidate]
    return _scenario_with(scenario, config, team + candidates_of(config, widths))


def hired_team(scenario: Scenario, hired_ids: set[str]) -> Scenario:
    """The scenario as planned: the team plus the hired candidates as its agents (pool and hire
    cost kept), the unhired ones gone, and no hiring pools left that would hire again."""
    team = []
    for a in scenario.agents:
        if not a.candidate:
            team.append(a)
        elif a.agent_id in hired_ids:
            team.append(a.model_copy(update={"candidate": False, "must_hire": False}))
    config = scenario.config.model_copy(update={"hiring": Hiring()})
    return _scenario_with(scenario, config, team)
