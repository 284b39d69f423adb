"""Each rule of the rota model has a test of its own: a tiny instance where that rule alone
changes the optimum (issue 16, Tests).

Every instance is built in memory: one or two agents, one or two days of hourly slots, and a
hand-priced demand (yuan per agent-hour short of a head count). For each rule function of
scheduler/rota/model.py:

- the optimum is enumerated in the test over every rota made of the contract's shifts, each
  judged by the independent checker (`scheduler.check_rota`) and priced from its own figures (wages,
  fairness, preferences) plus the shortfall recomputed from its assignments; the docstring
  derives the same figures by hand;
- with the rule, the engine's rota is written as a plan folder, `scheduler.check` finds it
  legal, and its recomputed cost is the enumerated optimum;
- with the rule switched off (the rule function monkeypatched to a no-op) the engine finds the
  cheaper optimum of the rule-less problem, and its rota breaks the rule (the checker names it)
  or, for a cost term, really costs more than the optimum with the term.

Symmetry breaking is the exception by design: it must never change the optimum, so its test
checks that it does not. The model's own variables are never read.
"""

from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from rota_fixtures import S, make_rota, to_csv_text

import scheduler
import scheduler.rota.model as rota_model
from scheduler.errors import InputError
from scheduler.rota import Demand, solve_rota
from scheduler.scenario import (
    Agent,
    AllHandsWindow,
    Contract,
    CoreWindow,
    Fairness,
    Horizon,
    PartTimeWindow,
    PreferenceRow,
    Promotion,
    Queue,
    RatioBound,
    Scenario,
    ScenarioConfig,
    Solver,
)

DAY0 = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday: day d of the horizon is DAY0 + d days
TIME_LIMIT = 5.0
MONEY = 0.02  # the model prices in whole fen

# The model's rule functions: a hard rule's is `rule_<key>` (its key in docs/RULES.md and in the
# checker's report), a cost's is named after what it prices.
HARD_RULE_KEYS = ("one_shift_per_day", "rest", "overtime", "weekly_hours", "average_daily_hours", "consecutive_days",
                  "midnight_core", "evening_all_hands", "morning_part_time", "ratio_bounds")
RULE_FUNCTIONS = {
    **{key: f"rule_{key}" for key in HARD_RULE_KEYS},
    "coverage": "cost_coverage",
    "wages": "cost_wages",
    "preferences": "cost_preferences",
    "fairness": "cost_fairness",
    "queue_changes": "cost_queue_changes",  # with the price of a queue change (issue 16)
    "symmetry": "break_symmetry",
}


def switch_off(monkeypatch: pytest.MonkeyPatch, rule: str) -> None:
    """Make the model's function for `rule` a no-op in every model the engine builds."""
    name = RULE_FUNCTIONS[rule]
    assert callable(getattr(rota_model, name, None)), f"the model has no {name} for {rule}"
    monkeypatch.setattr(rota_model, name, lambda m: None)


# --- tiny instances --------------------------------------------------------------------------
def contract(**settings) -> Contract:
    """A full-time contract at 10 yuan/h, one 4-hour shift from 08:00, no break and no rest
    rule unless `settings` says otherwise; every other setting at its default."""
    base = dict(kind="full_time", hourly_wage_yuan=10, shift_spans_hours=[4], start_times=["08:00"],
                min_rest_hours=0, call_in_fee_yuan=0)
    return Contract(**{**base, **settings})


def agent(agent_id: str, contract_id: str = "ft", skills: tuple[str, ...] = ("chat",), **kw) -> Agent:
    return Agent(agent_id=agent_id, name=agent_id, contract=contract_id, skills=skills, **kw)


def at(day: int, hour: int) -> datetime:
    return DAY0 + timedelta(days=day, hours=hour)


def scenario(tmp_path: Path, agents: list[Agent], contracts: dict[str, Contract], days: int = 1,
             queues: list[Queue] | None = None, preferences: list[PreferenceRow] = (), **config) -> Scenario:
    config.setdefault("fairness", Fairness(hours_spread_yuan_per_hour=0, night_spread_yuan_per_hour=0))
    cfg = ScenarioConfig(
        name="rule", timezone="UTC",
        horizon=Horizon(start=DAY0, end=at(days, 0), slot_minutes=60),
        queues=queues or [Queue(id="chat", kind="presale")],
        contracts=contracts,
        solver=Solver(time_limit_seconds=TIME_LIMIT, workers=1),
        **config,
    )
    history = pd.DataFrame(columns=["slot_start", "queue", "inquiries"])
    return Scenario(config=cfg, folder=tmp_path, history=history, agents=agents, preference_rows=list(preferences))


@dataclass(frozen=True)
class Need:
    """`agents` wanted on `queue` in each hour [start, end) of `day`; each agent-hour short
    loses `yuan_per_hour` (a convex, non-increasing loss in the head count)."""

    day: int
    start: int
    end: int
    yuan_per_hour: float
    agents: int = 1
    queue: str = "chat"


def demand(sc: Scenario, needs: list[Need]) -> Demand:
    loss = {}
    for n in needs:
        for h in range(n.start, n.end):
            t = sc.slot_index(at(n.day, h))
            loss[(t, n.queue)] = np.array(
                [round(n.yuan_per_hour * 100) * max(0, n.agents - k) for k in range(n.agents + 1)], dtype=np.int64)
    return Demand(loss_fen=loss)


def shortfall_yuan(needs: list[Need], assignments: pd.DataFrame) -> float:
    """The demand's loss recomputed from a rota's assignments (break slots do not count)."""
    work = assignments[assignments.activity != "break"]
    on = work.groupby([pd.to_datetime(work.slot_start, utc=True), work.activity]).size()
    total = 0.0
    for n in needs:
        for h in range(n.start, n.end):
            staffed = int(on.get((pd.Timestamp(at(n.day, h)), n.queue), 0))
            total += n.yuan_per_hour * max(0, n.agents - staffed)
    return total


# --- costs and legality, as the checker reads them -------------------------------------------


@dataclass
class Judged:
    """A rota as the independent checker sees it, with its cost split by term (yuan)."""

    rules_broken: set[str]
    cost: dict[str, float] = field(default_factory=dict)

    def total(self, leave_out: tuple[str, ...] = ()) -> float:
        return sum(v for k, v in self.cost.items() if k not in leave_out)


def judged(report, needs: list[Need], assignments: pd.DataFrame) -> Judged:
    f = report.figures
    return Judged(report.rules_broken, {
        "wages": f["wage_cost"], "coverage": shortfall_yuan(needs, assignments),
        "fairness": f["fairness_cost"], "preferences": f["preference_cost"],
        "queue_changes": f.get("queue_change_cost") or 0.0,
    })


def every_rota(sc: Scenario, needs: list[Need]) -> list[Judged]:
    """Every rota made of the contracts' shifts (any subset of each agent's possible shifts:
    start times x spans x days, written out here, not taken from the model, each on any of the
    agent's queues, hour by hour when queues may change inside a shift), judged."""
    days = (sc.config.horizon.end - sc.config.horizon.start).days
    per_agent = []
    for a in sc.agents:
        c = sc.contract(a.contract)
        shifts = [(d, f"{t:%H:%M}", span)
                  for d in range(days) for t in c.start_times for span in c.shift_spans_hours
                  if at(d, t.hour) + timedelta(hours=span) <= sc.config.horizon.end]
        subsets = (sub for r in range(len(shifts) + 1) for sub in itertools.combinations(shifts, r))
        # overlapping shifts of one agent cannot even be written (one assignment row per slot)
        per_agent += [[specs for sub in subsets if not overlapping(sub)
                       for specs in itertools.product(*(queue_variants(sc, a, *shift) for shift in sub))]]
    out = []
    for combo in itertools.product(*per_agent):
        specs = [s for sub in combo for s in sub]
        shifts, assignments = make_rota(sc, specs)
        out.append(judged(scheduler.check_rota(sc, shifts, assignments), needs, assignments))
    return out


def queue_variants(sc: Scenario, a: Agent, day: int, start: str, hours: float) -> list[S]:
    """One shift of `a` on each queue it could serve (per hour when queues may change)."""
    if len(a.skills) == 1 or not sc.config.queue_changes_in_shift:
        return [S(a.agent_id, start, hours, day=day, brk=False, queue=q) for q in a.skills]
    h0 = int(start[:2])
    return [S(a.agent_id, start, hours, day=day, brk=False, acts={f"{(h0 + k) % 24:02d}:00": q for k, q in enumerate(qs)})
            for qs in itertools.product(a.skills, repeat=int(hours))]


def overlapping(shifts: tuple[tuple[int, str, float], ...]) -> bool:
    """Whether two of one agent's shifts (day, start, hours) share an hour."""
    hours = [d * 24 + int(start[:2]) + k for d, start, span in shifts for k in range(int(span))]
    return len(hours) != len(set(hours))


def least(rotas: list[Judged], allowed: set[str] = frozenset(), leave_out: tuple[str, ...] = ()) -> float:
    """Least cost over the rotas that break no rule outside `allowed`, without the terms `leave_out`."""
    return min(r.total(leave_out) for r in rotas if r.rules_broken <= allowed)


# --- the engine, judged ---------------------------------------------------------------------
ENGINES = ["aggregate", "column_generation"]


def engine_available(engine: str) -> bool:
    return "engine" in inspect.signature(solve_rota).parameters or engine == "aggregate"


def solve(sc: Scenario, needs: list[Need], engine: str = "aggregate"):
    kw = {"engine": engine} if "engine" in inspect.signature(solve_rota).parameters else {}
    return solve_rota(sc, demand(sc, needs), time_limit=TIME_LIMIT, seed=0, workers=1, **kw)


def written_and_checked(tmp_path: Path, sc: Scenario, needs: list[Need], result, name: str) -> Judged:
    """Write the engine's rota as a plan folder and judge it with `scheduler.check`."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "shifts.csv").write_text(to_csv_text(result.shifts), encoding="utf-8")
    (folder / "assignments.csv").write_text(to_csv_text(result.assignments), encoding="utf-8")
    report = scheduler.check(folder, sc)
    return judged(report, needs, pd.read_csv(folder / "assignments.csv"))


@dataclass
class Case:
    """One rule's instance and the optima derived by hand in its docstring."""

    scenario: Scenario
    needs: list[Need]
    with_rule: float
    without_rule: float


def assert_rule_changes_optimum(tmp_path, monkeypatch, rule: str, case: Case) -> None:
    """The shared verdict for a hard rule: kept with it, broken (and cheaper) without it."""
    sc, needs = case.scenario, case.needs
    rotas = every_rota(sc, needs)
    assert least(rotas) == pytest.approx(case.with_rule, abs=MONEY)
    assert least(rotas, allowed={rule}) == pytest.approx(case.without_rule, abs=MONEY)
    assert case.without_rule < case.with_rule

    kept = solve(sc, needs)
    seen = written_and_checked(tmp_path, sc, needs, kept, "with")
    assert seen.rules_broken == set()
    assert seen.total() == pytest.approx(case.with_rule, abs=MONEY)
    assert kept.objective == pytest.approx(case.with_rule, abs=MONEY)
    assert kept.status == "OPTIMAL"

    switch_off(monkeypatch, rule)
    loose = solve(sc, needs)
    seen = written_and_checked(tmp_path, sc, needs, loose, "without")
    assert seen.rules_broken == {rule}
    assert seen.total() == pytest.approx(case.without_rule, abs=MONEY)
    assert loose.objective == pytest.approx(case.without_rule, abs=MONEY)


def assert_cost_changes_optimum(tmp_path, monkeypatch, term: str, case: Case) -> None:
    """The shared verdict for a cost term: left out, the engine's optimum claims less, and every
    rota optimal without the term really costs more than the optimum with it."""
    sc, needs = case.scenario, case.needs
    rotas = every_rota(sc, needs)
    assert least(rotas) == pytest.approx(case.with_rule, abs=MONEY)
    claimed = least(rotas, leave_out=(term,))
    assert claimed == pytest.approx(case.without_rule, abs=MONEY)
    assert min(r.total() for r in rotas if not r.rules_broken and r.total((term,)) <= claimed + MONEY) > case.with_rule

    kept = solve(sc, needs)
    seen = written_and_checked(tmp_path, sc, needs, kept, "with")
    assert seen.rules_broken == set()
    assert seen.total() == pytest.approx(case.with_rule, abs=MONEY)
    assert kept.objective == pytest.approx(case.with_rule, abs=MONEY)
    assert kept.status == "OPTIMAL"

    switch_off(monkeypatch, term)
    loose = solve(sc, needs)
    seen = written_and_checked(tmp_path, sc, needs, loose, "without")
    assert seen.rules_broken == set()
    assert loose.objective == pytest.approx(case.without_rule, abs=MONEY)
    assert seen.total() > case.with_rule + MONEY


# --- the instances, one per rule -------------------------------------------------------------
def case_one_shift_per_day(tmp_path: Path) -> Case:
    """One agent, shifts 08-12 or 16-20, both wanted, each hour short costs 50 yuan.
    With the rule: one shift (40 wage) and four hours short (200): 240. Without: both, 80."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract(start_times=["08:00", "16:00"])})
    return Case(sc, [Need(0, 8, 12, 50), Need(0, 16, 20, 50)], 240, 80)


def case_rest(tmp_path: Path) -> Case:
    """One agent, 8 h rest; shifts 20-24 or 04-08 on two days. Wanted 20-24 on day 0 and 04-08
    on day 1 (four hours apart). With the rule: one of them, 40 + 200 = 240. Without: 80."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract(start_times=["04:00", "20:00"], min_rest_hours=8)}, days=2)
    return Case(sc, [Need(0, 20, 24, 50), Need(1, 4, 8, 50)], 240, 80)


def case_rest_no_overlap(tmp_path: Path) -> Case:
    """The same function keeps an agent's shifts of different days apart when no rest is
    required: 8 h shifts from 02:00 or 20:00, wanted 20-24 on day 0 and 06-10 on day 1; the night
    shift 20-04 and the next day's 02-10 overlap. With the rule: one of them, 80 + 200 = 280.
    Without: both, 160, a rota that cannot even be written (two assignment rows for A at 02:00
    and 03:00 on day 1), so the checker refuses its files."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract(start_times=["02:00", "20:00"], shift_spans_hours=[8])}, days=2)
    return Case(sc, [Need(0, 20, 24, 50), Need(1, 6, 10, 50)], 280, 160)


def case_overtime(tmp_path: Path) -> Case:
    """One agent, 8 or 10 h shifts from 08:00 over two days, 8 regular hours a day, overtime at
    1.5 x 10 yuan and at most 2 h of it in the horizon. Wanted 08-18 both days.
    With the rule: one 10 h day (80 + 30) and one 8 h day (80) two hours short (100): 290.
    Without: two 10 h days, 220."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract(shift_spans_hours=[8, 10], max_overtime_hours_per_month=2)}, days=2)
    return Case(sc, [Need(0, 8, 18, 50), Need(1, 8, 18, 50)], 290, 220)


def case_weekly_hours(tmp_path: Path) -> Case:
    """One agent with 4 regular hours a week, 4 h shifts from 08:00 on two days, both wanted.
    With the rule: one shift, 40 + 200 = 240. Without: both, 80."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract(max_hours_per_week=4)}, days=2)
    return Case(sc, [Need(0, 8, 12, 50), Need(1, 8, 12, 50)], 240, 80)


def case_average_daily_hours(tmp_path: Path) -> Case:
    """A part-timer with at most 2 h a day on average (4 h over two days), 4 h shifts from 08:00,
    both days wanted. With the rule: one shift, 240. Without: both, 80."""
    sc = scenario(tmp_path, [agent("P", "pt")], {"pt": contract(kind="part_time", avg_max_hours_per_day=2)}, days=2)
    return Case(sc, [Need(0, 8, 12, 50), Need(1, 8, 12, 50)], 240, 80)


def case_consecutive_days(tmp_path: Path) -> Case:
    """One agent allowed one working day in a row, 4 h shifts from 08:00 on two days, both
    wanted. With the rule: one shift, 240. Without: both, 80."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract(max_consecutive_days=1)}, days=2)
    return Case(sc, [Need(0, 8, 12, 50), Need(1, 8, 12, 50)], 240, 80)


def case_midnight_core(tmp_path: Path) -> Case:
    """Midnight 00-02 must be all core agents. Core C earns 20 yuan/h, N 10; 2 h shifts from
    00:00; one agent wanted 00-02. With the rule: C alone, 40 (N alone breaks it; both: 60;
    nobody: 100). Without: N alone, 20."""
    sc = scenario(
        tmp_path, [agent("C", core=True, hourly_wage_yuan=20), agent("N")],
        {"ft": contract(shift_spans_hours=[2], start_times=["00:00"])},
        promotion=Promotion(midnight_core=[CoreWindow(start=at(0, 0), end=at(0, 2), min_core_share=1.0)]),
    )
    return Case(sc, [Need(0, 0, 2, 50)], 40, 20)


def case_evening_all_hands(tmp_path: Path) -> Case:
    """Evening 20-22 all hands; two agents with 2 h shifts from 20:00; one agent wanted.
    With the rule: both, 40. Without: one, 20."""
    sc = scenario(
        tmp_path, [agent("A"), agent("B")], {"ft": contract(shift_spans_hours=[2], start_times=["20:00"])},
        promotion=Promotion(evening_all_hands=[AllHandsWindow(start=at(0, 20), end=at(0, 22))]),
    )
    return Case(sc, [Need(0, 20, 22, 50)], 40, 20)


def case_morning_part_time(tmp_path: Path) -> Case:
    """08-10 at least half part-timers on duty. Full-timer F at 10 yuan/h, part-timer P at 20;
    2 h shifts from 08:00; one agent wanted. With the rule: P alone, 40 (both: 60; nobody: 100).
    Without: F alone, 20."""
    sc = scenario(
        tmp_path, [agent("F"), agent("P", "pt")],
        {"ft": contract(shift_spans_hours=[2]), "pt": contract(kind="part_time", hourly_wage_yuan=20, shift_spans_hours=[2])},
        promotion=Promotion(morning_part_time=[PartTimeWindow(start=at(0, 8), end=at(0, 10), min_part_time_share=0.5)]),
    )
    return Case(sc, [Need(0, 8, 10, 50)], 40, 20)


def case_ratio_bounds(tmp_path: Path) -> Case:
    """At least half the agent-hours on pre-sale; only after-sale is wanted, 08-12. A serves
    after-sale, B pre-sale, 4 h shifts from 08:00. With the rule: both, 80 (nobody: 200).
    Without: A alone, 40."""
    sc = scenario(
        tmp_path, [agent("A", skills=("post",)), agent("B", skills=("pre",))], {"ft": contract()},
        queues=[Queue(id="pre", kind="presale"), Queue(id="post", kind="aftersale")],
        ratio_bounds={"during": RatioBound(min_presale_share=0.5)},
    )
    return Case(sc, [Need(0, 8, 12, 50, queue="post")], 80, 40)


def case_ratio_bounds_queue_changes(tmp_path: Path) -> Case:
    """The same bound on agents who may change queue hour by hour: A and B serve both queues,
    2 h shifts from 08:00, only after-sale wanted 08-10. With the rule: both work, one on each
    queue, 40 (A alone, an hour on each: 20 + 50 = 70). Without: A alone on after-sale, 20."""
    sc = scenario(
        tmp_path, [agent("A", skills=("pre", "post")), agent("B", skills=("pre", "post"))],
        {"ft": contract(shift_spans_hours=[2])},
        queues=[Queue(id="pre", kind="presale"), Queue(id="post", kind="aftersale")],
        ratio_bounds={"during": RatioBound(min_presale_share=0.5)}, queue_changes_in_shift=True,
    )
    return Case(sc, [Need(0, 8, 10, 50, queue="post")], 40, 20)


HARD_RULES = {
    "one_shift_per_day": case_one_shift_per_day,
    "rest": case_rest,
    "overtime": case_overtime,
    "weekly_hours": case_weekly_hours,
    "average_daily_hours": case_average_daily_hours,
    "consecutive_days": case_consecutive_days,
    "midnight_core": case_midnight_core,
    "evening_all_hands": case_evening_all_hands,
    "morning_part_time": case_morning_part_time,
    "ratio_bounds": case_ratio_bounds,
    "ratio_bounds:queue_changes": case_ratio_bounds_queue_changes,
}


def case_coverage(tmp_path: Path) -> Case:
    """One agent, a 4 h shift from 08:00, wanted 08-12 at 50 yuan per hour short.
    With the cost: the shift, 40. Without it the engine sees only wages: nobody, claimed 0,
    really 200."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract()})
    return Case(sc, [Need(0, 8, 12, 50)], 40, 0)


def case_wages(tmp_path: Path) -> Case:
    """One agent at 10 yuan/h, wanted 08-12 at only 5 yuan per hour short.
    With the cost: nobody, 20. Without it: the shift, claimed 0, really 40."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract()})
    return Case(sc, [Need(0, 8, 12, 5)], 20, 0)


def case_preferences_refuse(tmp_path: Path) -> Case:
    """The agent refuses 08-12 at 100 yuan/h; wanted 08-12 at 50 yuan per hour short.
    With the cost: nobody, 200 (working: 40 + 400). Without it: the shift, claimed 40, really 440."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract()}, preferences=[
        PreferenceRow(agent_id="A", start=at(0, 8), end=at(0, 12), kind="refuse", price_yuan_per_hour=100)])
    return Case(sc, [Need(0, 8, 12, 50)], 200, 40)


def case_preferences_request(tmp_path: Path) -> Case:
    """The agent requests 08-12 at 100 yuan/h; nobody is wanted. With the cost: the shift, 40
    (off: 400 for the missed request). Without it: nobody, claimed 0, really 400."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract()}, preferences=[
        PreferenceRow(agent_id="A", start=at(0, 8), end=at(0, 12), kind="request", price_yuan_per_hour=100)])
    return Case(sc, [], 40, 0)


def case_fairness_hours(tmp_path: Path) -> Case:
    """Two agents of one contract, 100 yuan per hour of spread in paid hours; one wanted 08-12.
    With the cost: both work, 80 (one: 40 + 400 spread; nobody: 200). Without: one, claimed 40,
    really 440."""
    sc = scenario(tmp_path, [agent("A"), agent("B")], {"ft": contract()},
                  fairness=Fairness(hours_spread_yuan_per_hour=100, night_spread_yuan_per_hour=0))
    return Case(sc, [Need(0, 8, 12, 50)], 80, 40)


def case_fairness_night(tmp_path: Path) -> Case:
    """Two agents of one contract, 100 yuan per hour of spread in night hours (00-06); 2 h shifts
    from 01:00, one wanted 01-03. With the cost: both, 40 (one: 20 + 200; nobody: 100).
    Without: one, claimed 20, really 220."""
    sc = scenario(tmp_path, [agent("A"), agent("B")], {"ft": contract(shift_spans_hours=[2], start_times=["01:00"])},
                  fairness=Fairness(hours_spread_yuan_per_hour=0, night_spread_yuan_per_hour=100))
    return Case(sc, [Need(0, 1, 3, 50)], 40, 20)


def case_queue_changes(tmp_path: Path) -> Case:
    """A cross-trained agent may change queue inside a shift at 120 yuan a change; one 4 h shift
    08-12; pre-sale wanted 08-10, after-sale 10-12. With the price: stay on one queue, 40 + 100
    short = 140 (one change: 40 + 120 = 160). Without it: the change, claimed 40, really 160."""
    if not hasattr(rota_model, "cost_queue_changes"):
        pytest.skip("the model prices no queue changes yet (issue 16)")
    sc = scenario(tmp_path, [agent("A", skills=("pre", "post"))], {"ft": contract()},
                  queues=[Queue(id="pre", kind="presale"), Queue(id="post", kind="aftersale")],
                  queue_changes_in_shift=True, queue_change_yuan=120)
    return Case(sc, [Need(0, 8, 10, 50, queue="pre"), Need(0, 10, 12, 50, queue="post")], 140, 40)


COSTS = {  # instance name: (the cost term it is about, the instance)
    "coverage": ("coverage", case_coverage),
    "wages": ("wages", case_wages),
    "preferences_refuse": ("preferences", case_preferences_refuse),
    "preferences_request": ("preferences", case_preferences_request),
    "fairness_hours": ("fairness", case_fairness_hours),
    "fairness_night": ("fairness", case_fairness_night),
    "queue_changes": ("queue_changes", case_queue_changes),
}


def case_symmetry(tmp_path: Path) -> Case:
    """Two identical agents, shifts 08-12 or 16-20, both wanted: the optimum (80) needs the two
    interchangeable agents on different shifts, which the ordering must leave possible."""
    sc = scenario(tmp_path, [agent("A"), agent("B")], {"ft": contract(start_times=["08:00", "16:00"])})
    return Case(sc, [Need(0, 8, 12, 50), Need(0, 16, 20, 50)], 80, 80)


# --- the tests -------------------------------------------------------------------------------
def test_every_rule_function_of_the_model_has_its_instance():
    """A rule or cost added to the model needs an instance here where it alone changes the optimum."""
    stated = {name for name, f in vars(rota_model).items()
              if inspect.isfunction(f) and f.__module__ == rota_model.__name__
              and name.startswith(("rule_", "cost_", "break_symmetry"))}
    assert stated <= set(RULE_FUNCTIONS.values())
    tested = {k.split(":")[0] for k in HARD_RULES} | {term for term, _ in COSTS.values()} | {"symmetry"}
    assert tested == set(RULE_FUNCTIONS)


@pytest.mark.parametrize("rule", list(HARD_RULES))
def test_hard_rule_alone_changes_the_optimum(tmp_path, monkeypatch, rule):
    assert_rule_changes_optimum(tmp_path, monkeypatch, rule.split(":")[0], HARD_RULES[rule](tmp_path))


@pytest.mark.parametrize("name", list(COSTS))
def test_cost_term_alone_changes_the_optimum(tmp_path, monkeypatch, name):
    term, make = COSTS[name]
    assert_cost_changes_optimum(tmp_path, monkeypatch, term, make(tmp_path))


def test_rest_function_also_keeps_shifts_of_different_days_apart(tmp_path, monkeypatch):
    case = case_rest_no_overlap(tmp_path)
    sc, needs = case.scenario, case.needs
    assert least(every_rota(sc, needs)) == pytest.approx(case.with_rule, abs=MONEY)
    kept = solve(sc, needs)
    seen = written_and_checked(tmp_path, sc, needs, kept, "with")
    assert seen.rules_broken == set()
    assert seen.total() == pytest.approx(case.with_rule, abs=MONEY)
    assert kept.objective == pytest.approx(case.with_rule, abs=MONEY)

    switch_off(monkeypatch, "rest")
    loose = solve(sc, needs)
    assert loose.objective == pytest.approx(case.without_rule, abs=MONEY)
    with pytest.raises(InputError) as refused:
        written_and_checked(tmp_path, sc, needs, loose, "without")
    assert "found A at 2026-06-02T02:00+00:00 again" in str(refused.value)


def test_symmetry_breaking_keeps_the_optimum(tmp_path, monkeypatch):
    """Ordering identical agents must never change the optimum: with and without it the engine
    reaches the enumerated optimum, and the rota has the two agents on different shifts."""
    case = case_symmetry(tmp_path)
    sc, needs = case.scenario, case.needs
    assert least(every_rota(sc, needs)) == pytest.approx(case.with_rule, abs=MONEY)
    for name in ("with", "without"):
        if name == "without":
            switch_off(monkeypatch, "symmetry")
        r = solve(sc, needs)
        seen = written_and_checked(tmp_path, sc, needs, r, name)
        assert seen.rules_broken == set()
        assert seen.total() == pytest.approx(case.with_rule, abs=MONEY)
        assert r.objective == pytest.approx(case.with_rule, abs=MONEY)
        assert sorted(r.shifts.agent_id) == ["A", "B"]


ALL_CASES = {**HARD_RULES, "rest_no_overlap": case_rest_no_overlap, **{k: make for k, (_, make) in COSTS.items()},
             "symmetry": case_symmetry}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(ALL_CASES))
def test_each_engine_reaches_the_optimum_with_every_rule(tmp_path, name, engine):
    """Every engine keeps every rule of each instance and reaches its enumerated optimum."""
    if not engine_available(engine):
        pytest.skip(f"solve_rota has no engine= parameter yet ({engine})")
    case = ALL_CASES[name](tmp_path)
    r = solve(case.scenario, case.needs, engine)
    seen = written_and_checked(tmp_path, case.scenario, case.needs, r, engine)
    assert seen.rules_broken == set()
    assert seen.total() == pytest.approx(case.with_rule, abs=MONEY)
    assert r.objective == pytest.approx(case.with_rule, abs=MONEY)
    # the proven bounds are bounds: never above the enumerated optimum
    assert r.lower_bound <= case.with_rule + MONEY
    for bound in (r.stats.get("aggregated_bound"), r.stats.get("rota_bound")):
        assert bound is None or bound <= case.with_rule + MONEY


# --- product bugs these instances found (fixed; each test keeps its bug from coming back) -------
def test_one_shift_per_day_counts_calendar_days_across_daylight_saving(tmp_path):
    """Europe/Berlin, 29-30 March 2026 (clocks go forward on the 29th): one agent, a 4 h shift
    from 08:00 local each day, both wanted. The optimum works both days: 80."""
    start = datetime(2026, 3, 29, tzinfo=timezone(timedelta(hours=1)))
    end = datetime(2026, 3, 31, tzinfo=timezone(timedelta(hours=2)))
    cfg = ScenarioConfig(
        name="dst", timezone="Europe/Berlin", horizon=Horizon(start=start, end=end, slot_minutes=60),
        queues=[Queue(id="chat", kind="presale")], contracts={"ft": contract()},
        fairness=Fairness(hours_spread_yuan_per_hour=0, night_spread_yuan_per_hour=0),
        solver=Solver(time_limit_seconds=TIME_LIMIT, workers=1),
    )
    sc = Scenario(config=cfg, folder=tmp_path, history=pd.DataFrame(columns=["slot_start", "queue", "inquiries"]),
                  agents=[agent("A")])
    local = ZoneInfo("Europe/Berlin")
    wanted = [datetime(2026, 3, 29 + d, h, tzinfo=local) for d in (0, 1) for h in range(8, 12)]
    loss = {(sc.slot_index(t), "chat"): np.array([5000, 0], dtype=np.int64) for t in wanted}
    r = solve_rota(sc, Demand(loss), time_limit=TIME_LIMIT, seed=0, workers=1)
    shifts = pd.DataFrame({"agent_id": ["A", "A"], "start": [wanted[0], wanted[4]],
                           "end": [wanted[3] + timedelta(hours=1), wanted[7] + timedelta(hours=1)]})
    assignments = pd.DataFrame({"agent_id": "A", "slot_start": wanted, "activity": "chat"})
    assert scheduler.check_rota(sc, shifts, assignments).ok  # the checker: working both days is legal
    assert r.objective == pytest.approx(80, abs=MONEY)


def test_preference_window_off_the_slot_grid_is_priced_by_its_hours(tmp_path):
    """The agent refuses 07:30-08:30 at 100 yuan/h; the only shift is 08-12, wanted at 30 yuan per
    hour short. Working costs 40 + half an hour refused (50) = 90; not working 120. Optimum 90."""
    sc = scenario(tmp_path, [agent("A")], {"ft": contract()}, preferences=[PreferenceRow(
        agent_id="A", start=at(0, 7) + timedelta(minutes=30), end=at(0, 8) + timedelta(minutes=30),
        kind="refuse", price_yuan_per_hour=100)])
    needs = [Need(0, 8, 12, 30)]
    assert least(every_rota(sc, needs)) == pytest.approx(90, abs=MONEY)
    r = solve(sc, needs)
    seen = written_and_checked(tmp_path, sc, needs, r, "plan")
    assert seen.total() == pytest.approx(90, abs=MONEY)
    assert r.objective == pytest.approx(seen.total(), abs=MONEY)


def test_midnight_core_share_is_kept_to_every_digit(tmp_path):
    """At least 33.34 % core at 00-02; core C and non-core N1, N2, 2 h shifts from 00:00, three
    wanted at 50 yuan per agent-hour short. One core in three (33.33 %) is too few: C and one
    other, 40 + 100 = 140 (C alone: 20 + 200; nobody: 300)."""
    sc = scenario(
        tmp_path, [agent("C", core=True), agent("N1"), agent("N2")],
        {"ft": contract(shift_spans_hours=[2], start_times=["00:00"])},
        promotion=Promotion(midnight_core=[CoreWindow(start=at(0, 0), end=at(0, 2), min_core_share=0.3334)]),
    )
    needs = [Need(0, 0, 2, 50, agents=3)]
    assert least(every_rota(sc, needs)) == pytest.approx(140, abs=MONEY)
    r = solve(sc, needs)
    seen = written_and_checked(tmp_path, sc, needs, r, "plan")
    assert seen.rules_broken == set()
    assert r.objective == pytest.approx(140, abs=MONEY)
