"""The independent checker: hand-built rotas, one mutation per hard rule, figures, plan folders."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from rota_fixtures import S, custom_scenario, flat_forecast, make_rota, roster_scenario, to_csv_text, write_plan

from scheduler.checker import RULES, CheckReport, check_folder, check_rota, format_report
from scheduler.errors import InputError

# small_shop: full-time 9 h spans (break 60 min exactly 4 h after start) at 00/08/14;
# part-time 4 h at 08/12/16/20; B1 available 08-24, B2 12-24.
BASE = [S("A1", "00:00", 9), S("A2", "14:00", 9), S("B1", "08:00", 4), S("B2", "16:00", 4)]
BASE_WAGES = 2 * 8 * 30 + 2 * 4 * 22  # 656 yuan


def check(sc, specs, forecast=None) -> CheckReport:
    shifts, assignments = make_rota(sc, specs)
    return check_rota(sc, shifts, assignments, forecast)


def replace(specs, agent, new):
    return [new if s.agent == agent else s for s in specs]


def assert_only(report: CheckReport, rule: str) -> None:
    assert rule in RULES
    assert report.rules_broken == {rule}, format_report(report)


# ---------------------------------------------------------------------------------------------
# A valid rota and its figures
# ---------------------------------------------------------------------------------------------
def test_valid_small_shop_rota_passes_with_hand_figures(small_shop):
    r = check(small_shop, BASE)
    assert r.ok, format_report(r)
    assert r.figures["wage_cost"] == pytest.approx(BASE_WAGES)
    assert r.figures["call_in_cost"] == 0
    assert r.figures["paid_hours"] == pytest.approx(24)
    assert r.figures["overtime_hours"] == 0
    assert r.figures["fairness_cost"] == 0 and r.figures["preference_cost"] == 0
    assert r.figures["objective"] is None and r.figures["lost_inquiry_value"] is None
    assert any("no forecast" in n for n in r.notes)
    assert list(r.shifts["paid_hours"]) == [8, 8, 4, 4]
    # scheduled per slot: A1 00-09 (break 04), B1 08-12, A2 14-23 (break 18), B2 16-20
    want = [1, 1, 1, 1, 0, 1, 1, 1, 2, 1, 1, 1, 0, 0, 1, 1, 2, 2, 1, 2, 1, 1, 1, 0]
    assert list(r.coverage["scheduled"]) == want
    text = format_report(r)
    assert text.startswith("ok") and "656.00 yuan" in text


def test_times_as_iso_text_are_accepted_like_timestamps(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    for df, cols in ((shifts, ["start", "end", "break_start", "break_end"]), (assignments, ["slot_start"])):
        for c in cols:
            df[c] = [v.isoformat() if isinstance(v, pd.Timestamp) else "" for v in df[c]]
    r = check_rota(small_shop, shifts, assignments, None)
    assert r.ok, format_report(r)
    assert r.figures["wage_cost"] == pytest.approx(BASE_WAGES)


# ---------------------------------------------------------------------------------------------
# Mutations: each hard rule broken alone is caught under its name
# ---------------------------------------------------------------------------------------------
def test_shift_shape_start_time(small_shop):
    r = check(small_shop, replace(BASE, "A2", S("A2", "13:00", 9)))
    assert_only(r, "shift_shape")
    assert "starts at 13:00" in r.violations[0].message and r.violations[0].agent_id == "A2"


def test_shift_shape_span_and_grid(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    shifts.loc[shifts.agent_id == "B2", "end"] = shifts.loc[shifts.agent_id == "B2", "end"] - pd.Timedelta(minutes=30)
    shifts.loc[shifts.agent_id == "B2", "paid_hours"] = 3.5
    r = check_rota(small_shop, shifts, assignments)
    assert "shift_shape" in r.rules_broken
    msg = r.by_rule("shift_shape")[0].message
    assert "3.5 h" in msg and "slot grid" in msg


def test_meal_break_at_the_wrong_time(small_shop):
    r = check(small_shop, replace(BASE, "A1", S("A1", "00:00", 9, brk=3)))
    assert_only(r, "meal_break")
    assert "starts at 03:00" in r.violations[0].message


def test_meal_break_too_long_or_missing(small_shop):
    r = check(small_shop, replace(BASE, "A1", S("A1", "00:00", 9, acts={"05:00": "break"})))
    assert_only(r, "meal_break")
    assert "120 min" in r.violations[0].message
    r = check(small_shop, replace(BASE, "A1", S("A1", "00:00", 9, brk=False)))
    assert "meal_break" in r.rules_broken  # paid 9 h also means overtime here
    assert "no meal break" in r.by_rule("meal_break")[0].message


def test_break_in_a_shift_that_has_none(small_shop):
    r = check(small_shop, replace(BASE, "B1", S("B1", "08:00", 4, acts={"10:00": "break"})))
    assert_only(r, "meal_break")


def test_assignment_missing_row(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    assignments = assignments.drop(index=assignments.index[(assignments.agent_id == "A2")][2])
    r = check_rota(small_shop, shifts, assignments)
    assert_only(r, "assignment")
    assert "no assignment row for 2026-06-18T16:00+08:00–17:00" in r.violations[0].message


def test_assignment_row_outside_shifts(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    extra = pd.DataFrame([{"agent_id": "B1", "slot_start": pd.Timestamp("2026-06-18T13:00+08:00"), "activity": "chat"}])
    r = check_rota(small_shop, shifts, pd.concat([assignments, extra], ignore_index=True))
    assert_only(r, "assignment")
    assert "outside every shift" in r.violations[0].message


def test_assignment_paid_hours_wrong(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    shifts.loc[0, "paid_hours"] = 9
    r = check_rota(small_shop, shifts, assignments)
    assert_only(r, "assignment")
    assert "paid_hours 9" in r.violations[0].message


def test_assignment_shift_moved_in_shifts_csv_only(small_shop):
    """A supervisor moves B2 from 16:00 to 20:00 in shifts.csv and forgets assignments.csv."""
    shifts, assignments = make_rota(small_shop, BASE)
    b2 = shifts.agent_id == "B2"
    shifts.loc[b2, "start"] = shifts.loc[b2, "start"] + pd.Timedelta(hours=4)
    shifts.loc[b2, "end"] = shifts.loc[b2, "end"] + pd.Timedelta(hours=4)
    r = check_rota(small_shop, shifts, assignments)
    assert_only(r, "assignment")
    texts = " | ".join(v.message for v in r.violations)
    assert "no assignment row for 2026-06-18T20:00+08:00–00:00" in texts
    assert "B2 on chat at 2026-06-18T16:00+08:00–20:00, outside every shift" in texts


def test_assignment_stated_break_disagrees(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    shifts.loc[0, "break_start"] += pd.Timedelta(hours=1)
    shifts.loc[0, "break_end"] += pd.Timedelta(hours=1)
    r = check_rota(small_shop, shifts, assignments)
    assert_only(r, "assignment")
    assert "gives the break as" in r.violations[0].message


def test_availability_daily_window(small_shop):
    r = check(small_shop, replace(BASE, "B2", S("B2", "08:00", 4)))
    assert_only(r, "availability")
    assert "12:00-24:00" in r.violations[0].message


def test_availability_time_off(tmp_path):
    sc = custom_scenario(tmp_path, "off", time_off="agent_id,start,end,reason\nA1,2026-06-18T02:00:00+08:00,2026-06-18T03:00:00+08:00,dentist")
    r = check(sc, BASE)
    assert_only(r, "availability")
    assert "time off (dentist)" in r.violations[0].message
    assert r.violations[0].time == pd.Timestamp("2026-06-18T02:00+08:00")


def _two_queues(cfg, bounds=True, changes=True):
    cfg["queues"].append({"id": "after", "name": "售后", "kind": "aftersale"})
    cfg["queue_changes_in_shift"] = changes
    if bounds:
        cfg["ratio_bounds"] = {"during": {"min_presale_share": 0.5, "max_presale_share": 0.9}}


AGENTS_2Q = """agent_id,name,contract,core,skills,availability,standby
A1,王芳,full_time,true,chat;after,,false
A2,李娜,full_time,false,chat;after,,false
B1,张敏,part_time,false,chat,08:00-24:00,false
B2,刘静,part_time,false,chat,12:00-24:00,false"""
BASE_2Q = [S("A1", "00:00", 9), S("A2", "14:00", 9, queue="after"), S("B1", "08:00", 4), S("B2", "16:00", 4)]


@pytest.fixture(scope="module")
def two_q(tmp_path_factory):
    return custom_scenario(tmp_path_factory.mktemp("sc"), "two_q", edit=lambda c: _two_queues(c, changes=False), agents=AGENTS_2Q)


def test_two_queue_base_passes(two_q):
    r = check(two_q, BASE_2Q)  # pre-sale share 16/24
    assert r.ok, format_report(r)


def test_skills(two_q):
    r = check(two_q, replace(BASE_2Q, "B1", S("B1", "08:00", 4, queue="after")))
    assert_only(r, "skills")
    assert "B1 is on after at 2026-06-18T08:00+08:00–12:00 but serves only chat" in r.violations[0].message


def test_queue_changes(two_q):
    r = check(two_q, replace(BASE_2Q, "A1", S("A1", "00:00", 9, acts={h: "after" for h in ("05:00", "06:00", "07:00", "08:00")})))
    assert_only(r, "queue_changes")
    assert "chat at 00:00–04:00; after at 05:00–09:00" in r.violations[0].message


def test_queue_changes_allowed_when_the_scenario_says_so(tmp_path):
    sc = custom_scenario(tmp_path, "qc", edit=lambda c: _two_queues(c, changes=True), agents=AGENTS_2Q)
    r = check(sc, replace(BASE_2Q, "A1", S("A1", "00:00", 9, acts={"05:00": "after"})))
    assert r.ok, format_report(r)


def test_ratio_bounds(two_q):
    r = check(two_q, replace(BASE_2Q, "A2", S("A2", "14:00", 9)))  # everyone on pre-sale
    assert_only(r, "ratio_bounds")
    assert "24 of 24 working agent-slots (100 %)" in r.violations[0].message


def _edit(path: str, value):
    def f(cfg):
        node = cfg
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return f


def test_overtime_per_day(tmp_path):
    def edit(c):
        c["contracts"]["full_time"]["shift_spans_hours"] = [9, 10]
    sc = custom_scenario(tmp_path, "ot", edit=edit)
    r = check(sc, replace(BASE, "A1", S("A1", "00:00", 10)))
    assert_only(r, "overtime")
    assert "1 h overtime" in r.violations[0].message


def test_overtime_per_month(tmp_path):
    def edit(c):
        ft = c["contracts"]["full_time"]
        ft.update(shift_spans_hours=[9, 11], max_overtime_hours_per_day=2, max_overtime_hours_per_month=1)
    sc = custom_scenario(tmp_path, "otm", edit=edit)
    r = check(sc, replace(BASE, "A1", S("A1", "00:00", 11)))
    assert_only(r, "overtime")
    assert "2 h overtime over the horizon; at most 1 h a month" in r.violations[0].message


def _multi_day(cfg):
    cfg["horizon"]["end"] = "2026-06-21T00:00:00+08:00"  # three days


def multi_day(tmp_path, name, **contract_edits):
    def edit(c):
        _multi_day(c)
        for key, val in contract_edits.items():
            cid, fld = key.split("__")
            c["contracts"][cid][fld] = val
    return custom_scenario(tmp_path, name, edit=edit)


def test_multi_day_base_passes(tmp_path):
    sc = multi_day(tmp_path, "md")
    specs = [S("A1", "08:00", 9, day=d) for d in range(3)] + [S("B1", "08:00", 4, day=d) for d in range(3)]
    r = check(sc, specs)
    assert r.ok, format_report(r)
    assert r.figures["wage_cost"] == pytest.approx(3 * 240 + 3 * 88)


def test_weekly_hours(tmp_path):
    sc = multi_day(tmp_path, "wk", full_time__max_hours_per_week=16)
    assert check(sc, [S("A1", "08:00", 9, day=d) for d in range(2)]).ok
    r = check(sc, [S("A1", "08:00", 9, day=d) for d in range(3)])
    assert_only(r, "weekly_hours")
    assert "24 h regular hours in the week 2026-06-18 .. 2026-06-24; at most 16 h" in r.violations[0].message


def test_average_daily_hours(tmp_path):
    sc = multi_day(tmp_path, "avg", part_time__avg_max_hours_per_day=3)
    assert check(sc, [S("B1", "08:00", 4, day=d) for d in range(2)]).ok  # 8 <= 3 x 3
    r = check(sc, [S("B1", "08:00", 4, day=d) for d in range(3)])
    assert_only(r, "average_daily_hours")
    assert "12 h over the horizon's 3 day(s)" in r.violations[0].message


def test_rest(tmp_path):
    sc = multi_day(tmp_path, "rest")
    r = check(sc, [S("A1", "14:00", 9, day=0), S("A1", "08:00", 9, day=1)])
    assert_only(r, "rest")
    v = r.violations[0]
    assert v.agent_id == "A1" and v.time == pd.Timestamp("2026-06-18T23:00+08:00")
    assert v.message == ("A1 has 9 h rest between the shift ending 2026-06-18T23:00+08:00 and the next starting "
                         "2026-06-19T08:00+08:00; at least 11 h required (full_time)")


def test_consecutive_days(tmp_path):
    sc = multi_day(tmp_path, "cons", full_time__max_consecutive_days=2)
    r = check(sc, [S("A1", "08:00", 9, day=d) for d in range(3)])
    assert_only(r, "consecutive_days")
    assert "3 days in a row (2026-06-18 .. 2026-06-20); at most 2" in r.violations[0].message


def test_one_shift_per_day(tmp_path):
    sc = custom_scenario(tmp_path, "two_a_day", edit=_edit("contracts.part_time.avg_max_hours_per_day", None))
    r = check(sc, [*BASE, S("B1", "20:00", 4)])  # 8 h rest between, as the contract asks
    assert_only(r, "one_shift_per_day")
    assert "B1 has 2 shifts starting on 2026-06-18" in r.violations[0].message


def test_overlapping_shifts(tmp_path):
    sc = multi_day(tmp_path, "overlap", full_time__start_times=["00:00", "08:00", "14:00", "20:00"])
    shifts, assignments = make_rota(sc, [S("A1", "20:00", 9, day=0), S("A1", "00:00", 9, day=1)])
    r = check_rota(sc, shifts, assignments.drop_duplicates(["agent_id", "slot_start"]))
    assert "one_shift_per_day" in r.rules_broken and "rest" not in r.rules_broken
    assert any("overlaps" in v.message for v in r.by_rule("one_shift_per_day"))


def _window(kind, start, end, **extra):
    def f(cfg):
        cfg.setdefault("promotion", {}).setdefault(kind, []).append(
            {"start": f"2026-06-18T{start}:00+08:00", "end": f"2026-06-18T{end}:00+08:00", **extra})
    return f


def test_midnight_core(tmp_path):
    sc = custom_scenario(tmp_path, "mid", edit=_window("midnight_core", "00:00", "02:00", min_core_share=0.6))
    assert check(sc, BASE).ok  # A1 (core) opens
    swapped = [S("A2", "00:00", 9), S("A1", "14:00", 9), S("B1", "08:00", 4), S("B2", "16:00", 4)]
    r = check(sc, swapped)
    assert_only(r, "midnight_core")
    assert len(r.violations) == 2  # 00:00 and 01:00
    assert "0 of the 1 agents working are core (0 %); at least 60 % core" in r.violations[0].message


def test_midnight_core_minimum_count(tmp_path):
    sc = custom_scenario(tmp_path, "mid2", edit=_window("midnight_core", "00:00", "01:00", min_core_share=0.5, min_core_agents=2))
    r = check(sc, BASE)
    assert_only(r, "midnight_core")


def test_evening_all_hands(tmp_path):
    sc = custom_scenario(tmp_path, "eve", edit=_window("evening_all_hands", "20:00", "22:00", contracts=["part_time"]))
    base = [S("A1", "00:00", 9), S("A2", "14:00", 9), S("B1", "20:00", 4), S("B2", "20:00", 4)]
    assert check(sc, base).ok
    r = check(sc, replace(base, "B2", S("B2", "16:00", 4)))
    assert_only(r, "evening_all_hands")
    v = r.violations[0]
    assert v.agent_id == "B2" and "not on duty at 2026-06-18T20:00+08:00–22:00" in v.message


def test_evening_all_hands_spares_standby(tmp_path):
    agents = AGENTS_2Q.replace("chat;after", "chat").replace("12:00-24:00,false", "12:00-24:00,true")
    sc = custom_scenario(tmp_path, "eve_sb", edit=_window("evening_all_hands", "20:00", "22:00", contracts=["part_time"]), agents=agents)
    r = check(sc, [S("A1", "00:00", 9), S("A2", "14:00", 9), S("B1", "20:00", 4)])
    assert r.ok, format_report(r)


def test_evening_all_hands_break_counts_as_off_duty(tmp_path):
    def edit(c):
        _window("evening_all_hands", "18:00", "19:00", contracts=["full_time"])(c)
        c["contracts"]["full_time"]["break_latest_hours"] = 5
    sc = custom_scenario(tmp_path, "eve_brk", edit=edit)
    r = check(sc, [S("A1", "14:00", 9), S("A2", "14:00", 9, brk=5)])  # A1 on break 18:00
    assert_only(r, "evening_all_hands")
    assert "A1 is available but on break" in r.violations[0].message


def test_morning_part_time(tmp_path):
    sc = custom_scenario(tmp_path, "morn", edit=_window("morning_part_time", "09:00", "11:00", min_part_time_share=0.6))
    assert check(sc, BASE).ok  # only B1 works 09-11
    r = check(sc, replace(BASE, "A2", S("A2", "08:00", 9)))
    assert_only(r, "morning_part_time")
    assert "1 of the 2 agents working are part-time (50 %); at least 60 %" in r.violations[0].message


# --- day-roster rules (roster_scenario: from Monday 15 June, early 08:00 / late 16:00, 8 h) ----
def _roster_case(tmp_path, settings, specs, rule):
    """The rota breaks only `rule` under `settings`, and is legal without them."""
    assert check(roster_scenario(tmp_path, None, name="plain"), specs).ok
    r = check(roster_scenario(tmp_path, settings), specs)
    assert_only(r, rule)
    assert len(r.violations) == 1 and r.violations[0].agent_id == "A1"
    return r.violations[0]


def test_forbidden_successions(tmp_path):
    v = _roster_case(tmp_path, {"forbidden_successions": [["late", "early"]]},
                     [S("A1", "16:00", 8, day=2), S("A1", "08:00", 8, day=3)], "forbidden_successions")
    assert v.time == pd.Timestamp("2026-06-18T08:00+08:00")
    assert v.message == ("A1's shift 2026-06-18T08:00+08:00–16:00 is a early shift the day after a late shift; "
                         "early may not follow late (shop)")


def test_shift_type_maximum(tmp_path):
    v = _roster_case(tmp_path, {"max_shifts": {"early": 1}},
                     [S("A1", "08:00", 8, day=2), S("A1", "16:00", 8, day=3), S("A1", "08:00", 8, day=5)], "shift_type_maximum")
    assert v.message == "A1 works 2 early shifts; at most 1 allowed (shop)"


def test_total_minutes(tmp_path):
    specs = [S("A1", "08:00", 8, day=2), S("A1", "08:00", 8, day=3)]
    v = _roster_case(tmp_path / "min", {"min_paid_hours": 20}, specs, "total_minutes")
    assert v.message == "A1 is paid 16 h over the horizon; at least 20 h required (shop)"
    v = _roster_case(tmp_path / "max", {"max_paid_hours": 12.5}, specs, "total_minutes")
    assert v.message == "A1 is paid 16 h over the horizon; at most 12.5 h allowed (shop)"


def test_min_consecutive_days(tmp_path):
    v = _roster_case(tmp_path, {"min_consecutive_days": 3},
                     [S("A1", "08:00", 8, day=2), S("A1", "08:00", 8, day=3)], "min_consecutive_days")
    assert v.message == "A1 has 2 days worked in a row (2026-06-17 .. 2026-06-18); at least 3 required (shop)"


def test_min_consecutive_days_off(tmp_path):
    v = _roster_case(tmp_path, {"min_consecutive_days_off": 3},
                     [S("A1", "08:00", 8, day=d) for d in (0, 1, 2, 5, 6)], "min_consecutive_days_off")
    assert v.message == "A1 has 2 days off in a row (2026-06-18 .. 2026-06-19); at least 3 required (shop)"


def test_min_runs_at_the_horizon_s_borders_are_exempt(tmp_path):
    sc = roster_scenario(tmp_path, {"min_consecutive_days": 3, "min_consecutive_days_off": 3})
    assert check(sc, [S("A1", "08:00", 8, day=d) for d in (0, 4, 5, 6, 13)]).ok


def test_max_weekends(tmp_path):
    v = _roster_case(tmp_path, {"max_weekends": 1},
                     [S("A1", "08:00", 8, day=5), S("A1", "08:00", 8, day=6), S("A1", "16:00", 8, day=13)], "max_weekends")
    assert v.time == pd.Timestamp("2026-06-27T00:00+08:00")
    assert v.message == "A1 works on 2 weekends (2026-06-20, 2026-06-27); at most 1 allowed (shop)"


def test_max_weekends_counts_a_sunday_alone(tmp_path):
    v = _roster_case(tmp_path, {"max_weekends": 0}, [S("A1", "08:00", 8, day=6)], "max_weekends")
    assert "1 weekends (2026-06-20)" in v.message


def test_every_rule_has_a_mutation_test():
    import sys

    names = {n for n in dir(sys.modules[__name__]) if n.startswith("test_")}
    for rule in RULES[:-1]:
        assert any(n.startswith(f"test_{rule}") for n in names), rule


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------
def test_wage_overtime_multiplier(tmp_path):
    sc = custom_scenario(tmp_path, "otw", edit=lambda c: c["contracts"]["full_time"].update(shift_spans_hours=[9, 10], max_overtime_hours_per_day=3))
    r = check(sc, [S("A1", "00:00", 10)])
    assert r.ok, format_report(r)
    assert r.figures["overtime_hours"] == 1
    assert r.figures["wage_cost"] == pytest.approx(8 * 30 + 1 * 30 * 1.5)


def test_wage_holiday_multiplier(tmp_path):
    sc = custom_scenario(tmp_path, "hol", edit=_edit("holidays", ["2026-06-18"]))
    r = check(sc, [S("A1", "00:00", 9), S("B1", "08:00", 4)])
    assert r.figures["wage_cost"] == pytest.approx(8 * 30 * 3 + 4 * 22 * 3)


def test_wage_call_in_fee_and_own_wage(tmp_path):
    agents = """agent_id,name,contract,core,skills,availability,standby,hourly_wage_yuan
A1,王芳,full_time,true,chat,,false,
A2,李娜,full_time,false,chat,,false,35
B1,张敏,part_time,false,chat,08:00-24:00,true,
B2,刘静,part_time,false,chat,12:00-24:00,false,"""
    sc = custom_scenario(tmp_path, "fee", agents=agents, edit=_edit("contracts.part_time.call_in_fee_yuan", 45))
    r = check(sc, BASE)
    assert r.ok
    assert r.figures["wage_cost"] == pytest.approx(8 * 30 + 8 * 35 + 4 * 22 + 45 + 4 * 22)
    assert r.figures["call_in_cost"] == pytest.approx(45)
    assert list(r.shifts["call_in_fee_yuan"]) == [0, 0, 45, 0]


def test_preferences_refuse_and_request(tmp_path):
    prefs = """agent_id,start,end,kind,price_yuan_per_hour
A1,2026-06-18T02:00:00+08:00,2026-06-18T04:00:00+08:00,refuse,10
B1,2026-06-18T10:00:00+08:00,2026-06-18T14:00:00+08:00,request,
A2,2026-06-18T17:30:00+08:00,2026-06-18T19:30:00+08:00,refuse,10"""
    sc = custom_scenario(tmp_path, "pref", preferences=prefs)
    r = check(sc, BASE)
    # A1 works 2 refused hours (x10); B1 misses 12:00-14:00 of its request (x default 20);
    # A2 works 17:30-18:00 and 19:00-19:30 of its refusal, the 18:00 break is not work (x10)
    assert r.figures["preference_cost"] == pytest.approx(2 * 10 + 2 * 20 + 1 * 10)


def test_fairness_spread(tmp_path):
    def edit(c):
        c["fairness"] = {"hours_spread_yuan_per_hour": 2, "night_spread_yuan_per_hour": 5, "night_start": "00:00", "night_end": "06:00"}
    sc = custom_scenario(tmp_path, "fair", edit=edit)
    r = check(sc, BASE)
    # full-time: 8 h each; night hours A1 5 (00-04, 05-06), A2 0 -> 5 x 5
    assert r.figures["fairness_cost"] == pytest.approx(25)
    r = check(sc, BASE[:3])  # B2 idle: part-time hours 4 vs 0 -> 4 x 2 more
    assert r.figures["fairness_cost"] == pytest.approx(25 + 8)


def test_fairness_leaves_standby_out(tmp_path):
    agents = AGENTS_2Q.replace("chat;after", "chat").replace("12:00-24:00,false", "12:00-24:00,true")
    sc = custom_scenario(tmp_path, "fair_sb", agents=agents, edit=_edit("fairness", {"hours_spread_yuan_per_hour": 2, "night_spread_yuan_per_hour": 0}))
    assert check(sc, BASE[:3]).figures["fairness_cost"] == 0


def _fake_staffing(monkeypatch):
    """Stand-ins with figures a person can check: required = ceil(arrivals / 10), lost = arrivals / 2^n."""
    import scheduler.staffing_model as st

    def staffing(scenario, forecast):
        q = scenario.config.solver.staffing_quantile
        out = forecast[["slot_start", "queue"]].copy()
        out["arrivals"] = forecast[q].astype(float)
        out["required"] = np.ceil(out["arrivals"] / 10).astype(int)
        return out

    def curve(queue, arrivals, slot_minutes, n_max):
        return arrivals * 0.5 ** np.arange(n_max + 1)

    monkeypatch.setattr(st, "staffing", staffing)
    monkeypatch.setattr(st, "lost_inquiries_curve", curve)


def test_coverage_figures_with_stand_in_staffing(small_shop, monkeypatch):
    _fake_staffing(monkeypatch)
    r = check(small_shop, BASE, flat_forecast(small_shop, 20))
    # required 2 everywhere; scheduled 0 in 4 slots, 2 in 4 slots, 1 in the other 16
    assert r.figures["shortfall_agent_hours"] == pytest.approx(4 * 2 + 16 * 1)
    assert r.figures["expected_lost_inquiries"] == pytest.approx(4 * 20 + 16 * 10 + 4 * 5)
    value = small_shop.config.economics.inquiry_value  # 23.4375 yuan
    assert r.figures["lost_inquiry_value"] == pytest.approx(260 * value)
    assert r.figures["objective"] == pytest.approx(BASE_WAGES + 260 * value)
    row = r.coverage.iloc[4]  # 04:00, A1 on break
    assert (row.planned_demand, row.required, row.scheduled, row.shortfall, row.expected_lost_inquiries) == (20, 2, 0, 2, 20)


def test_coverage_figures_with_the_real_staffing_stage(small_shop):
    st = pytest.importorskip("scheduler.staffing_model")
    fc = flat_forecast(small_shop, 20)
    r = check(small_shop, BASE, fc)
    req = st.staffing(small_shop, fc)["required"].to_numpy()
    assert list(r.coverage["required"]) == list(req)
    q = small_shop.queue("chat")
    for _, row in r.coverage.iterrows():
        n = int(row.scheduled)
        assert row.expected_lost_inquiries == pytest.approx(st.lost_inquiries_curve(q, 20.0, 60, n)[n])
    assert r.figures["shortfall_agent_hours"] == pytest.approx(float(np.maximum(0, req - r.coverage["scheduled"]).sum()))


# ---------------------------------------------------------------------------------------------
# Plan folders
# ---------------------------------------------------------------------------------------------
def _planner_outputs(sc, specs, monkeypatch):
    _fake_staffing(monkeypatch)
    shifts, assignments = make_rota(sc, specs)
    fc = flat_forecast(sc, 20)
    r = check_rota(sc, shifts, assignments, fc)
    shifts["overtime_hours"] = r.shifts["overtime_hours"].to_numpy()
    shifts["wage_yuan"] = r.shifts["wage_yuan"].to_numpy()
    summary = {"status": "optimal", **{k: v for k, v in r.figures.items() if v is not None}, "lower_bound": 1.0}
    return shifts, assignments, fc, r.coverage, summary


def test_check_folder_hand_edited_with_bom(small_shop, tmp_path, monkeypatch):
    shifts, assignments, fc, cov, summary = _planner_outputs(small_shop, BASE, monkeypatch)
    folder = write_plan(tmp_path / "plan", small_shop, shifts, assignments, fc, coverage=cov, summary=summary, bom=True)
    # Excel: BOM, CRLF line ends, a blank line at the end
    text = (folder / "assignments.csv").read_text(encoding="utf-8-sig")
    (folder / "assignments.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode() + b"\r\n,,\r\n")
    r = check_folder(folder)
    assert r.ok, format_report(r)
    assert r.figures["wage_cost"] == pytest.approx(BASE_WAGES)
    assert check_folder(folder, scenario="small_shop").ok
    assert check_folder(folder, scenario=small_shop).ok


def test_check_folder_reports_planner_figures_that_differ(small_shop, tmp_path, monkeypatch):
    shifts, assignments, fc, cov, summary = _planner_outputs(small_shop, BASE, monkeypatch)
    summary["wage_cost"] = 700.0
    summary["objective"] += 0.5  # inside the 1-yuan tolerance
    cov.loc[3, "scheduled"] = 5
    shifts.loc[2, "wage_yuan"] = 99.0
    folder = write_plan(tmp_path / "plan", small_shop, shifts, assignments, fc, coverage=cov, summary=summary)
    r = check_folder(folder)
    assert_only(r, "figures")
    texts = [v.message for v in r.violations]
    assert "summary.json wage_cost: planner 700.00, recomputed 656.00" in texts
    assert any(t.startswith("coverage.csv scheduled for chat at 2026-06-18T03:00+08:00–04:00: planner 5, recomputed 1") for t in texts)
    assert any("B1's shift" in t and "wage_yuan planner 99.00, recomputed 88.00" in t for t in texts)
    assert not any("objective" in t for t in texts)


def test_check_folder_supervisor_moved_a_shift(small_shop, tmp_path):
    shifts, assignments = make_rota(small_shop, BASE)
    folder = write_plan(tmp_path / "plan", small_shop, shifts, assignments)
    text = (folder / "shifts.csv").read_text(encoding="utf-8")
    text = text.replace("B2,刘静,part_time,False,2026-06-18T16:00:00+08:00,2026-06-18T20:00:00+08:00",
                        "B2,刘静,part_time,False,2026-06-18T20:00:00+08:00,2026-06-19T00:00:00+08:00")
    (folder / "shifts.csv").write_text(text, encoding="utf-8-sig")
    r = check_folder(folder)
    assert_only(r, "assignment")
    assert any("forecast.csv is missing" in n for n in r.notes)


def _problems(exc: pytest.ExceptionInfo) -> set[tuple]:
    return {(p.file, p.row, p.field) for p in exc.value.problems}


def test_check_folder_malformed_rows(small_shop, tmp_path):
    shifts, assignments = make_rota(small_shop, BASE)
    folder = write_plan(tmp_path / "plan", small_shop, shifts, assignments)
    s = (folder / "shifts.csv").read_text(encoding="utf-8").splitlines()
    s[2] = s[2].replace("2026-06-18T14:00:00+08:00", "2026-06-18 14:00")  # row 3: no offset
    s[3] = s[3].replace("B1,", "B9,", 1)  # row 4: unknown agent
    s[4] = s[4].replace("2026-06-18T20:00:00+08:00", "tomorrow")  # row 5: not a time
    (folder / "shifts.csv").write_text("\n".join(s) + "\n", encoding="utf-8")
    a = (folder / "assignments.csv").read_text(encoding="utf-8").splitlines()
    a[1] = a[1].replace(",chat", ",lunch")  # row 2: unknown activity
    a.append(a[3])  # a duplicate of row 4
    (folder / "assignments.csv").write_text("\n".join(a) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        check_folder(folder)
    got = _problems(exc)
    n = len(a)
    assert got == {("shifts.csv", 3, "start"), ("shifts.csv", 4, "agent_id"), ("shifts.csv", 5, "end"),
                   ("assignments.csv", 2, "activity"), ("assignments.csv", n, "slot_start")}
    msgs = {(p.file, p.row): p for p in exc.value.problems}
    assert "offset" in msgs[("shifts.csv", 3)].allowed
    assert "row 4" in msgs[("assignments.csv", n)].allowed


def test_check_folder_bad_files(small_shop, tmp_path):
    shifts, assignments = make_rota(small_shop, BASE)
    folder = write_plan(tmp_path / "plan", small_shop, shifts, assignments)
    (folder / "summary.json").write_text("{not json", encoding="utf-8")
    (folder / "assignments.csv").write_bytes("agent_id,slot_start,activity\nA1,2026-06-18T00:00:00+08:00,售前\n".encode("gbk"))
    with pytest.raises(InputError) as exc:
        check_folder(folder)
    fields = {(p.file, p.field) for p in exc.value.problems}
    assert ("summary.json", "(JSON syntax)") in fields and ("assignments.csv", "(encoding)") in fields
    (folder / "shifts.csv").unlink()
    with pytest.raises(InputError) as exc:
        check_folder(folder)
    assert ("shifts.csv", "(file)") in {(p.file, p.field) for p in exc.value.problems}
    (folder / "summary.json").unlink()
    (folder / "assignments.csv").write_text(to_csv_text(assignments), encoding="utf-8")
    (folder / "shifts.csv").write_text("agent_id,begin,end\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        check_folder(folder)
    assert ("shifts.csv", 1, "start") in _problems(exc)
    with pytest.raises(InputError):
        check_folder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as exc:
        check_folder(tmp_path / "empty")
    assert "scenario" in str(exc.value)


def test_malformed_forecast(small_shop, tmp_path):
    shifts, assignments = make_rota(small_shop, BASE)
    fc = flat_forecast(small_shop, 20).iloc[:-1]
    with pytest.raises(InputError) as exc:
        check_rota(small_shop, shifts, assignments, fc)
    assert "no row for 2026-06-18T23:00+08:00 chat" in exc.value.problems[0].found


def test_naive_timestamps_are_refused(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    shifts["start"] = [t.tz_localize(None) for t in shifts["start"]]
    with pytest.raises(InputError) as exc:
        check_rota(small_shop, shifts, assignments)
    assert {p.row for p in exc.value.problems} == {2, 3, 4, 5}
    assert all("offset" in p.allowed for p in exc.value.problems)


def test_to_csv_roundtrip_of_report_coverage(small_shop, monkeypatch):
    _fake_staffing(monkeypatch)
    r = check(small_shop, BASE, flat_forecast(small_shop, 20))
    text = to_csv_text(r.coverage)
    assert text.splitlines()[0] == "slot_start,queue,planned_demand,required,scheduled,shortfall,expected_lost_inquiries"


# ---------------------------------------------------------------------------------------------
# Scale
# ---------------------------------------------------------------------------------------------
def test_thousand_agents_week_checks_in_seconds(tmp_path, monkeypatch):
    """1,000 agents x 336 half-hour slots x 3 queues: every rule and figure in a few seconds."""
    n_ft, n_pt = 400, 600
    lines = ["agent_id,name,contract,core,skills,availability,standby"]
    lines += [f"F{i:04d},f{i},full_time,{'true' if i % 2 else 'false'},presale;orders;aftersale,,false" for i in range(n_ft)]
    lines += [f"P{i:04d},p{i},part_time,false,presale;aftersale,10:00-24:00,false" for i in range(n_pt)]
    sc = custom_scenario(tmp_path, "big", base="weekly", agents="\n".join(lines), time_off="agent_id,start,end,reason\nF0003,2026-11-29T00:00:00+08:00,2026-11-30T00:00:00+08:00,leave",
                         preferences="")
    queues = ["presale", "orders", "aftersale"]
    specs = []
    for i in range(n_ft):
        for d in range(5):
            specs.append(S(f"F{i:04d}", ["08:00", "09:00", "13:00", "15:00"][i % 4], 9, day=(d + i) % 5, queue=queues[i % 2 * 2]))
    for i in range(n_pt):
        for d in range(6):
            specs.append(S(f"P{i:04d}", ["10:00", "14:00", "18:00", "20:00"][i % 4], 4, day=d, queue=queues[i % 2 * 2]))
    shifts, assignments = make_rota(sc, specs)
    assert len(assignments) > 60_000
    _fake_staffing(monkeypatch)
    t0 = time.perf_counter()
    r = check_rota(sc, shifts, assignments, flat_forecast(sc, 200))
    seconds = time.perf_counter() - t0
    assert seconds < 10, seconds
    assert r.rules_broken <= {"weekly_hours", "ratio_bounds", "availability"}, format_report(r)[:2000]
    assert r.figures["wage_cost"] > 0 and math.isfinite(r.figures["objective"])
    print(f"1000 agents x 336 slots: {seconds:.2f} s")


def test_format_report_lists_violations_then_figures(tmp_path):
    sc = multi_day(tmp_path, "fmt")
    r = check(sc, [S("A1", "14:00", 9, day=0), S("A1", "08:00", 9, day=1)])
    text = format_report(r)
    lines = text.splitlines()
    assert lines[0] == "1 violation (rest 1):"
    assert lines[1].startswith("  [rest] A1 has 9 h rest")
    assert "figures (recomputed):" in text and "n/a (needs the forecast)" in text


def test_report_json_friendly(small_shop):
    r = check(small_shop, BASE)
    json.dumps(r.figures)


def test_assignment_row_outside_the_horizon(small_shop):
    shifts, assignments = make_rota(small_shop, BASE)
    extra = pd.DataFrame([{"agent_id": "A1", "slot_start": "2026-06-19T03:00:00+08:00", "activity": "chat"}])
    r = check_rota(small_shop, shifts, pd.concat([assignments, extra], ignore_index=True))
    assert_only(r, "assignment")
    assert "outside the planning horizon" in r.violations[0].message


def test_checker_never_imports_the_rota_model():
    import ast
    from pathlib import Path

    import scheduler.checker

    names = []
    for path in Path(scheduler.checker.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert names and not [m for m in names if m.startswith("scheduler.rota")]
