"""Every built-in scenario plans end to end and its folder passes the independent checker."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scheduler.checker import check_folder
from scheduler.handover import NO_RECEIVER, handover_sheet
from scheduler.pipeline import plan
from scheduler.report import write_plan

LIMITS = {"small_shop": 5.0, "double11": 15.0, "weekly": 20.0}
# `season` (4 weeks, day-roster rules) needs minutes for a first rota: tests/test_season.py plans three days of it


@pytest.fixture(scope="module")
def planned(small_shop, double11, weekly):
    """Each built-in planned once for this module's tests."""
    scenarios = {"small_shop": small_shop, "double11": double11, "weekly": weekly}
    done = {}

    def get(name: str):
        if name not in done:
            done[name] = plan(scenarios[name], time_limit=LIMITS[name], seed=1)
        return done[name]

    return get


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_builtin_plans_and_passes_the_checker(name, request, planned, tmp_path):
    sc = request.getfixturevalue(name)
    result = planned(name)
    out = write_plan(result, tmp_path / name)
    report = check_folder(out)
    assert report.ok, [str(v) for v in report.violations[:5]]
    summary = json.loads((out / "summary.json").read_text())
    # the summary's money figures, recomputed by the checker from the files alone
    for key in ("wage_cost", "lost_inquiry_value", "objective"):
        assert summary[key] == pytest.approx(report.figures[key], rel=1e-3, abs=1.0), key
    assert summary["status"] in ("OPTIMAL", "FEASIBLE")
    assert summary["lower_bound"] <= summary["objective"] + 1e-6
    assert 0 <= summary["gap"] <= 1
    # every slot and queue appears once in coverage.csv; times carry their offset
    cov = pd.read_csv(out / "coverage.csv")
    assert len(cov) == sc.n_slots * len(sc.config.queues)
    assert cov.slot_start.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$").all()
    _receivers_are_on_duty(handover_sheet(sc, result.rota.shifts, result.rota.assignments, result.forecast, "en"), out)


def _receivers_are_on_duty(sheet: pd.DataFrame, folder) -> None:
    """Every handover whose queue has someone on duty right after it names one of them, spread
    evenly; `no_receiver` only when nobody is on the queue then. Judged from assignments.csv."""
    asg = pd.read_csv(folder / "assignments.csv", dtype=str)
    asg["slot_start"] = asg.slot_start.map(pd.Timestamp)
    on = asg[asg.activity != "break"].groupby(["slot_start", "activity"]).agent_id.apply(set).to_dict()
    for (t, q), group in sheet.groupby(["time", "queue"]):
        staying = on.get((pd.Timestamp(t), q), set())
        if staying:
            assert group.to_agent.isin(staying).all(), (t, q, sorted(staying), group.to_agent.tolist())
            assert (group.flag != NO_RECEIVER).all()
            load = group.to_agent.value_counts()
            assert load.max() <= -(-len(group) // min(len(staying), len(group))), (t, q, load.to_dict())
        else:
            assert (group.flag == NO_RECEIVER).all() and (group.to_agent == "").all()


def test_double11_promotion_pattern_in_the_rota(double11, planned):
    """Core agents carry the opening, everyone available works the evening peak (DOMAIN point 3)."""
    result = planned("double11")
    a = result.rota.assignments
    core = {x.agent_id for x in double11.agents if x.core}
    w = double11.config.promotion.midnight_core[0]
    opening = a[(a.slot_start >= w.start) & (a.slot_start < w.end) & (a.activity != "break")]
    for _, g in opening.groupby("slot_start"):
        assert g.agent_id.isin(core).mean() >= w.min_core_share - 1e-9
