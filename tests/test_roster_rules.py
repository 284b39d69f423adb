"""Day-roster rules as scenario settings (contracts.<id>.roster): validation, the engine keeps
each rule, and the independent checker flags a rota that breaks it.

Each rule gets a tiny instance with a hand-made demand where that rule alone changes the optimum:
solved with the rule, the checker passes the rota; solved with the rule's function switched off
(monkeypatch), the cheaper rota breaks the rule and the checker names it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rota_fixtures import roster_scenario

from scheduler.checker import check_folder, check_rota
from scheduler.errors import InputError
from scheduler.rota import Demand, solve_rota
from scheduler.rota import roster_rules as rr

LOST_FEN_PER_SLOT = 10_000  # 100 yuan an uncovered hour: covering a 240-yuan shift pays
WAGE_FEN = 30 * 8 * 100  # one 8-hour shift at 30 yuan/h


def _demand(sc, wanted: list[tuple[int, str]]) -> Demand:
    """Loss when nobody covers the slots of the given (day, early|late) shifts."""
    start = {"early": 8, "late": 16}
    loss = {}
    for day, kind in wanted:
        for h in range(start[kind], start[kind] + 8):
            loss[(day * 24 + h, "chat")] = np.array([LOST_FEN_PER_SLOT, 0], dtype=np.int64)
    return Demand(loss)


def _solve(sc, demand: Demand):
    return solve_rota(sc, demand, time_limit=10, seed=0, workers=1, roster=rr.rules_from_scenario(sc), gap_limit=0.0)


CASES = {
    # rule function switched off -> (roster settings, wanted shifts, rule key the checker reports)
    "rule_forbidden_successions": ({"forbidden_successions": [["late", "early"]]}, [(2, "late"), (3, "early")], "forbidden_successions"),
    "rule_shift_type_maximum": ({"max_shifts": {"late": 2}}, [(1, "late"), (2, "late"), (3, "late")], "shift_type_maximum"),
    "rule_total_minutes": ({"max_paid_hours": 16}, [(1, "early"), (2, "early"), (3, "early")], "total_minutes"),
    "rule_min_consecutive_days": ({"min_consecutive_days": 2}, [(3, "early")], "min_consecutive_days"),
    "rule_min_consecutive_days_off": ({"min_consecutive_days_off": 2}, [(2, "early"), (4, "early")], "min_consecutive_days_off"),
    "rule_max_weekends": ({"max_weekends": 1}, [(5, "early"), (12, "early")], "max_weekends"),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_roster_rule_alone_changes_the_optimum(rule, tmp_path, monkeypatch):
    settings, wanted, key = CASES[rule]
    sc = roster_scenario(tmp_path, settings)
    demand = _demand(sc, wanted)
    kept = _solve(sc, demand)
    assert kept.status == "OPTIMAL"
    report = check_rota(sc, kept.shifts, kept.assignments)
    assert key not in report.rules_broken, [str(v) for v in report.violations]
    assert report.ok, [str(v) for v in report.violations]

    monkeypatch.setattr(rr, rule, lambda m, rules, roster: None)
    free = _solve(sc, demand)
    assert free.status == "OPTIMAL"
    assert free.objective < kept.objective - 1  # the rule alone costs money here
    report = check_rota(sc, free.shifts, free.assignments)
    assert report.rules_broken == {key}, [str(v) for v in report.violations]
    assert all(v.message for v in report.by_rule(key))


def test_min_paid_hours_makes_an_idle_agent_work(tmp_path):
    """A guaranteed 24 h: three shifts although demand wants one (the hours are paid anyway)."""
    sc = roster_scenario(tmp_path, {"min_paid_hours": 24})
    res = _solve(sc, _demand(sc, [(3, "early")]))
    assert res.status == "OPTIMAL"
    assert res.shifts.paid_hours.sum() == pytest.approx(24)
    assert res.objective == pytest.approx(3 * WAGE_FEN / 100)
    assert check_rota(sc, res.shifts, res.assignments).ok


def test_paid_hours_count_each_shift_s_own_paid_minutes(tmp_path):
    """Untyped shifts count too, with their paid minutes (break excluded): 2 x 8 h fits 16 h."""
    sc = roster_scenario(tmp_path, {"shift_types": {"late": ["16:00"]}, "max_paid_hours": 16})
    res = _solve(sc, _demand(sc, [(1, "early"), (2, "early"), (3, "early")]))
    assert len(res.shifts) == 2
    assert check_rota(sc, res.shifts, res.assignments).ok


# --- settings ------------------------------------------------------------------------------------
def test_rules_from_scenario_names_every_agent_of_the_contract(tmp_path):
    sc = roster_scenario(tmp_path, {"forbidden_successions": [["late", "early"]], "max_shifts": {"late": 3},
                              "min_paid_hours": 8, "max_paid_hours": 40.5, "max_weekends": 2}, agents=3)
    rules = rr.rules_from_scenario(sc)
    assert sorted(rules.limits) == ["A1", "A2", "A3"]
    lim = rules.limits["A2"]
    assert (lim.max_per_type, lim.min_minutes, lim.max_minutes, lim.max_weekends) == ({"late": 3}, 480, 2430, 2)
    late = next(st for st in rules.shift_types if st.id == "late")
    assert late.cannot_follow == {"early"} and late.contract == "shop" and late.minutes is None
    assert rr.rules_from_scenario(roster_scenario(tmp_path, None, name="plain")) is None


BAD = [
    ({"shift_types": {"early": ["09:00"]}}, "contracts.shop.roster.shift_types.early.0", "start_times"),
    ({"shift_types": {"early": []}}, "contracts.shop.roster.shift_types.early", "at least one start time"),
    ({"forbidden_successions": [["late", "night"]]}, "contracts.shop.roster.forbidden_successions.0.1", "a type from shift_types"),
    ({"forbidden_successions": [["late"]]}, "contracts.shop.roster.forbidden_successions.0", "a pair [first, next]"),
    ({"max_shifts": {"night": 2}}, "contracts.shop.roster.max_shifts.night", "a type from shift_types"),
    ({"max_shifts": {"late": -1}}, "contracts.shop.roster.max_shifts.late", "greater than or equal to 0"),
    ({"min_consecutive_days": 0}, "contracts.shop.roster.min_consecutive_days", "greater than or equal to 1"),
    ({"min_consecutive_days": 7}, "contracts.shop.roster.min_consecutive_days", "max_consecutive_days"),
    ({"max_weekends": -1}, "contracts.shop.roster.max_weekends", "greater than or equal to 0"),
    ({"min_paid_hours": 50, "max_paid_hours": 40}, "contracts.shop.roster.max_paid_hours", ">= min_paid_hours"),
    ({"max_weekend": 1}, "contracts.shop.roster.max_weekend", "no such field"),
]


@pytest.mark.parametrize(("settings", "field", "allowed"), BAD)
def test_bad_roster_settings_name_the_field_line_and_what_is_allowed(settings, field, allowed, tmp_path):
    with pytest.raises(InputError) as exc:
        roster_scenario(tmp_path, settings)
    (p,) = exc.value.problems
    assert p.file == "scenario.yaml" and p.field == field and allowed in p.allowed
    assert p.row is not None and p.row > 1


def test_bad_roster_settings_exit_2_and_write_nothing(tmp_path, cli):
    with pytest.raises(InputError):
        roster_scenario(tmp_path, {"max_shifts": {"night": 2}})
    out = tmp_path / "out"
    code, _, err = cli("plan", tmp_path / "roster", "--out", out, "--time-limit", "5")
    assert code == 2 and "max_shifts" in err
    assert not out.exists()


# --- plan and replan pass the rules to the engine -------------------------------------------------
def _weekend_shifts(folder) -> int:
    shifts = pd.read_csv(folder / "shifts.csv")
    return int(sum(pd.Timestamp(s).weekday() >= 5 for s in shifts.start))


def test_plan_and_replan_keep_the_roster_rules(tmp_path, cli):
    """No weekends for this contract: demand wants weekend cover, plan and replan leave it out,
    and both folders pass the checker (which reads the rules from the folder's scenario copy)."""
    roster_scenario(tmp_path, {"max_weekends": 0, "forbidden_successions": [["late", "early"]]}, agents=3, days=7)
    plain = tmp_path / "plain"
    code, _, err = cli("plan", roster_scenario(tmp_path, None, agents=3, days=7, name="free").folder, "--out", plain, "--time-limit", "5")
    assert code == 0, err
    assert _weekend_shifts(plain) > 0  # without the rule weekends are worked
    out = tmp_path / "plan"
    code, _, err = cli("plan", tmp_path / "roster", "--out", out, "--time-limit", "5")
    assert code == 0, err
    assert check_folder(out).ok and _weekend_shifts(out) == 0
    fc = pd.read_csv(out / "forecast.csv")
    now = pd.Timestamp("2026-06-17T12:00:00+08:00")
    past = fc[pd.to_datetime(fc.slot_start) < now]
    actuals = tmp_path / "actuals.csv"
    pd.DataFrame({"slot_start": past.slot_start, "queue": past.queue, "inquiries": (past.p50 * 2).round().astype(int)}).to_csv(actuals, index=False)
    again = tmp_path / "replan"
    code, _, err = cli("replan", out, "--actuals", actuals, "--now", now.isoformat(), "--out", again)
    assert code == 0, err
    report = check_folder(again)
    assert report.ok, [str(v) for v in report.violations[:5]]
    assert _weekend_shifts(again) == 0


def test_roster_rule_functions_are_named_after_their_key():
    """rota/roster_rules.py has rule_<key> exactly for the rules the table says it keeps."""
    import ast
    from pathlib import Path

    from scheduler.rules import RULES

    tree = ast.parse(Path(rr.__file__).read_text(encoding="utf-8"))
    functions = {n.name.removeprefix("rule_") for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("rule_")}
    assert functions == {k for k, r in RULES.items() if r.kept_by == "roster rules"}
