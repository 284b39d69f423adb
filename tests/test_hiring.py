"""Candidate hires: the rota decides how many of each pool to hire.

Judged from outside the model: each rota's cost is the independent checker's objective, and the
chosen hire count is compared with the optimum found by enumerating hire counts (each count fixed,
solved to a proven optimum). Small instances (small_shop: one queue, 24 hourly slots) keep it fast.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import yaml

from scheduler import check, plan, write_plan
from scheduler.checker import check_rota
from scheduler.pipeline import priced_demand
from scheduler.rota import solve_rota
from scheduler.rota.cg.pricing import Pricer
from scheduler.rota.hiring import hired_ids
from scheduler.rota.model import Unit
from scheduler.rota.solve import options_of
from scheduler.scenario import load_scenario, with_pool_count
from scheduler.staffing_model import staffing
from tests.rota_fixtures import custom_scenario, flat_forecast

POOL = {"contract": "part_time", "availability": "12:00-24:00", "skills": ["chat"], "max": 3, "cost_yuan": 30}
EVENING = [{"start": "2026-06-18T20:00:00+08:00", "end": "2026-06-18T22:00:00+08:00"}]
"""small_shop's evening peak as an all-hands window: every hired student must be on duty then."""


def shop(tmp_path, name: str, pool: dict | None = None, all_hands: bool = True, roster: dict | None = None):
    """small_shop with a pool of students (12:00-24:00) and an evening all-hands window."""

    def edit(cfg):
        cfg["hiring"] = {"pools": {"students": {**POOL, **(pool or {})}}, "marginal_time_limit_seconds": 2}
        if all_hands:
            cfg["promotion"] = {"evening_all_hands": EVENING}
        if roster is not None:
            cfg["contracts"]["part_time"]["roster"] = roster
        cfg["solver"] = {"time_limit_seconds": 5, "workers": 1, "gap_limit": 0}

    return custom_scenario(tmp_path, name, edit=edit)


def demand_of(sc):
    """The priced demand of a fixed, busy forecast (independent of the history's noise)."""
    fc = flat_forecast(sc, 60.0)
    return fc, staffing(sc, fc)


def checked_cost(sc, rota, fc) -> float:
    """The independent checker's objective of a rota (it must keep every hard rule)."""
    rep = check_rota(sc, rota.shifts, rota.assignments, fc)
    assert rep.ok, rep.violations[:3]
    return float(rep.figures["objective"])


def solve(sc, fc, st, engine: str = "auto"):
    return solve_rota(sc, priced_demand(sc, st), time_limit=10, seed=0, workers=1, engine=engine, gap_limit=0.0)


def enumerated(sc, fc, st) -> dict[int, float]:
    """Cost of the best rota with exactly k students hired, for every k, each proven optimal."""
    out = {}
    for k in range(sc.config.hiring.pools["students"].max + 1):
        fixed = with_pool_count(sc, "students", k)
        r = solve(fixed, fc, st)
        assert r.status == "OPTIMAL"
        assert len(hired_ids(r.shifts, fixed)) == k
        out[k] = checked_cost(fixed, r, fc)
    return out


@pytest.mark.parametrize("cost", [30.0, 700.0])
def test_chosen_hires_cost_the_enumerated_optimum(tmp_path, cost):
    sc = shop(tmp_path, f"s{int(cost)}", {"cost_yuan": cost, "max": 3 if cost < 100 else 2})
    fc, st = demand_of(sc)
    costs = enumerated(sc, fc, st)
    best = min(costs.values())
    for engine in ("aggregate", "column_generation"):
        r = solve(sc, fc, st, engine)
        n = len(hired_ids(r.shifts, sc))
        assert checked_cost(sc, r, fc) == pytest.approx(best, abs=0.02), (engine, costs, n)
        assert costs[n] == pytest.approx(best, abs=0.02)
        assert r.lower_bound <= best + 0.01  # the bound counts hires: still a proven bound
    # the cheap pool is worth hiring in part, the dear one less (or not at all)
    assert costs[0] > best or cost > 100


def test_prohibitive_cost_is_never_hired(tmp_path):
    sc = shop(tmp_path, "dear", {"cost_yuan": 1e8, "max": 4})
    fc, st = demand_of(sc)
    r = solve(sc, fc, st)
    assert not hired_ids(r.shifts, sc)
    assert not any(a.startswith("students-") for a in r.assignments.agent_id)
    # the unhired have no evening all-hands duty: the checker (reading the scenario with its
    # candidates) passes the rota that leaves them all home
    assert check_rota(sc, r.shifts, r.assignments, fc).ok


def test_free_hires_stop_where_one_more_stops_paying(tmp_path):
    sc = shop(tmp_path, "free", {"cost_yuan": 0, "max": 12}, all_hands=False)
    fc, st = demand_of(sc)
    r = solve(sc, fc, st)
    n = len(hired_ids(r.shifts, sc))
    cost = checked_cost(sc, r, fc)
    assert 0 < n < 12  # some are worth their wage, not all twelve
    more = with_pool_count(sc, "students", n + 1)
    r_more = solve(more, fc, st)
    assert r_more.status == "OPTIMAL"
    assert checked_cost(more, r_more, fc) >= cost - 0.01  # one more would not lower the cost
    fewer = with_pool_count(sc, "students", n - 1)
    assert checked_cost(fewer, solve(fewer, fc, st), fc) >= cost - 0.01


def test_hired_are_the_first_of_the_pool_and_keep_all_hands(tmp_path):
    sc = shop(tmp_path, "order", {"cost_yuan": 30, "max": 4})
    fc, st = demand_of(sc)
    r = solve(sc, fc, st)
    hired = sorted(hired_ids(r.shifts, sc))
    assert hired == [f"students-{k:02d}" for k in range(1, len(hired) + 1)]
    assert hired, "a cheap student pays at this load"
    work = r.assignments[r.assignments.activity != "break"]
    evening = sc.window_slots(sc.config.promotion.evening_all_hands[0].start, sc.config.promotion.evening_all_hands[0].end)
    for aid in hired:
        on = {sc.slot_index(t.to_pydatetime()) for t in work[work.agent_id == aid].slot_start}
        assert set(evening) <= on, aid  # a hire carries the evening all-hands duty


def test_guaranteed_hours_bind_only_the_hired(tmp_path):
    """A contract's minimum paid hours (roster.min_paid_hours) do not force a candidate in."""
    sc = shop(tmp_path, "minhours", {"cost_yuan": 1e8}, roster={"min_paid_hours": 4})
    fc, st = demand_of(sc)
    for engine in ("auto", "column_generation"):
        r = solve_rota(sc, priced_demand(sc, st), time_limit=10, seed=0, workers=1, engine=engine, gap_limit=0.0,
                       roster=__import__("scheduler.rota.roster_rules", fromlist=["x"]).rules_from_scenario(sc))
        assert not hired_ids(r.shifts, sc)
        team = r.shifts[r.shifts.agent_id.isin(["B1", "B2"])].groupby("agent_id").paid_hours.sum()
        assert (team >= 4).all() and len(team) == 2  # the team's part-timers still get their hours


def test_pricing_lets_a_candidate_stay_home_and_keeps_all_hands(tmp_path):
    sc = shop(tmp_path, "pricing")
    opts = {o.agent.agent_id: o for o in options_of(sc)}
    o = opts["students-01"]
    unit = Unit([o.agent], o.options, o.available)
    pricer = Pricer(sc, unit, None, 3000, 0)
    # every shift dear: staying home (reduced cost 0) is the best schedule, and legal
    dear = pricer.price(np.full(len(unit.options), 500.0), 0.0, 5.0)
    assert dear.best == pytest.approx(0.0, abs=0.02) and math.isfinite(dear.bound)
    # every shift cheap: the best schedule pays the hire and covers the all-hands window
    cheap = pricer.price(np.full(len(unit.options), -5000.0), 0.0, 5.0)
    assert cheap.schedules
    evening = set(sc.window_slots(sc.config.promotion.evening_all_hands[0].start, sc.config.promotion.evening_all_hands[0].end))
    for sched in cheap.schedules:
        covered = {t for k in sched for t in unit.options[k].working_slots()}
        assert evening <= covered
        assert cheap.best == pytest.approx(-5000.0 * len(cheap.schedules[0]) + 3000, abs=0.05)


@pytest.mark.parametrize(("pool", "field"), [
    ({"max": -1}, "hiring.pools.students.max"),
    ({"contract": "nobody"}, "hiring.pools.students.contract"),
    ({"skills": ["chta"]}, "hiring.pools.students.skills.0"),
    ({"cost_yuan": -5}, "hiring.pools.students.cost_yuan"),
    ({"availability": "25:00-26:00"}, "hiring.pools.students.availability"),
    ({"min": 5, "max": 2}, "hiring.pools.students.min"),
    ({"shoe_size": 3}, "hiring.pools.students.shoe_size"),
])
def test_bad_hiring_settings_exit_2_naming_the_field(tmp_path, cli, pool, field):
    folder = tmp_path / "bad"
    base = load_scenario("small_shop").folder
    __import__("shutil").copytree(base, folder)
    cfg = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    cfg = __import__("json").loads(__import__("json").dumps(cfg, default=str))
    cfg["hiring"] = {"pools": {"students": {**POOL, **pool}}}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out, err = cli("plan", folder, "--out", tmp_path / "plan", "--quiet")
    assert code == 2
    assert "scenario.yaml" in err and field in err, err
    assert not (tmp_path / "plan").exists()


def test_candidate_ids_taken_by_the_team_exit_2(tmp_path, cli):
    agents = ("agent_id,name,contract,core,skills,availability,standby\nA1,A,full_time,true,chat,,false\n"
              "students-01,S,part_time,false,chat,,false\n")
    sc_dir = tmp_path / "clash"
    custom_scenario(tmp_path, "clash", agents=agents)  # valid without the pool
    cfg = yaml.safe_load((sc_dir / "scenario.yaml").read_text(encoding="utf-8"))
    cfg["hiring"] = {"pools": {"students": POOL}}
    (sc_dir / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, _, err = cli("validate", sc_dir)
    assert code == 2 and "hiring.pools.students" in err and "students-01" in err


def test_plan_folder_lists_the_hired_and_passes_the_checker(tmp_path, cli):
    sc = shop(tmp_path, "folder", {"cost_yuan": 30, "max": 4})
    p = plan(sc, time_limit=5, seed=0, workers=1)
    folder = write_plan(p, tmp_path / "plan")
    hired = {a for a in set(p.rota.shifts.agent_id) if a.startswith("students-")}
    assert hired and p.summary["hires"] == {"students": len(hired)}
    # the copy lists the hired as agents of the team, with their pool and cost, and hires no more
    with (folder / "scenario" / "agents.csv").open(encoding="utf-8") as f:
        rows = {r["agent_id"]: r for r in csv.DictReader(f)}
    assert {a for a in rows if a.startswith("students-")} == hired
    assert all(rows[a]["pool"] == "students" and float(rows[a]["hire_cost_yuan"]) == 30 for a in hired)
    copy = load_scenario(folder / "scenario")
    assert not copy.config.hiring.pools and not copy.candidates
    # check and its figures: the hire cost recomputed, the total equal to the summary's
    code, out, _ = cli("check", folder / "scenario", folder)
    assert code == 0, out
    rep = check(folder)
    assert rep.ok
    assert rep.figures["hire_cost"] == pytest.approx(30 * len(hired))
    assert rep.figures["objective"] == pytest.approx(p.summary["objective"], abs=1.0)
    assert p.summary["hire_cost"] == pytest.approx(30 * len(hired))
    # hiring.csv: the decision and its marginal values, each with its basis
    with (folder / "hiring.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert int(row["hired"]) == len(hired) and int(row["max"]) == 4
    assert float(row["cost_yuan"]) == pytest.approx(30 * len(hired))
    for label in ("one_more", "one_fewer"):
        basis = row[f"{label}_basis"]
        assert basis.startswith(("proven", "estimate", "n/a")), basis
        if row[f"value_of_{label}_yuan"]:
            lo, v, hi = (float(row[f"value_of_{label}{s}_yuan"]) for s in ("_min", "", "_max"))
            assert lo - 0.01 <= v <= hi + 0.01
    # the hire decision is a decision: the best count's last hire pays, one more does not
    if row["one_fewer_basis"].startswith("proven"):
        assert float(row["value_of_one_fewer_yuan"]) >= -0.01
    if row["one_more_basis"].startswith("proven"):
        assert float(row["value_of_one_more_yuan"]) <= 0.01
    # replan reads the copy: the hired are agents it may move like any other
    assert set(hired) <= {a.agent_id for a in copy.agents}


def test_scenario_without_hiring_is_unchanged(small_shop):
    """No pool, no candidate: nothing of hiring enters the model or the files."""
    assert not small_shop.candidates and not small_shop.config.hiring.pools
    p = plan(small_shop, time_limit=3, seed=0, workers=1)
    assert p.hiring is None and "hires" not in p.summary and p.summary["hire_cost"] == 0.0
