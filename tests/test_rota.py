"""Rota model: hand-checked optimum by enumeration, clashing rules named, bound and gap honest."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from scheduler import InfeasibleError, load_scenario
from scheduler.pipeline import priced_demand
from scheduler.rota import solve_rota
from scheduler.scenario import BUILTIN_DIR
from scheduler.staffing_model import lost_inquiries_curve, staffing


def flat_forecast(sc, per_hour: dict[str, list[float]]) -> pd.DataFrame:
    """A forecast given by hand: inquiries per hour of day, per queue."""
    rows = []
    for t in sc.slots:
        for q in sc.config.queues:
            v = per_hour[q.id][t.hour] * sc.slot_minutes / 60
            rows.append({"slot_start": t, "queue": q.id, "p50": v, "p80": v, "p90": v})
    return pd.DataFrame(rows)


SMALL_LOAD = [20, 10, 5, 2, 2, 2, 5, 20, 60, 90, 110, 120, 110, 110, 120, 120, 110, 100, 100, 120, 150, 160, 140, 80]


def brute_force_small_shop(sc, fc) -> float:
    """Enumerate every rota of small_shop by hand-derived shifts; return the least cost in yuan.

    Shifts written out from scenario.yaml, not from the model's option generator: full-time
    9-hour shifts from 00:00, 08:00 or 14:00 with the meal break 4 h after the start (8 paid h,
    30 yuan/h); part-time 4-hour shifts from 08:00, 12:00, 16:00 or 20:00 (22 yuan/h) inside each
    part-timer's availability (B1 08-24, B2 12-24).
    """
    def ft(start):
        return {"work": [h for h in range(start, start + 9) if h != start + 4], "wage": 8 * 30}

    def pt(start):
        return {"work": list(range(start, start + 4)), "wage": 4 * 22}

    choices = {
        "A1": [None] + [ft(s) for s in (0, 8, 14)],
        "A2": [None] + [ft(s) for s in (0, 8, 14)],
        "B1": [None] + [pt(s) for s in (8, 12, 16, 20)],
        "B2": [None] + [pt(s) for s in (12, 16, 20)],
    }
    q = sc.queue("chat")
    value = sc.config.economics.inquiry_value
    demand = fc.set_index("slot_start")["p80"].to_numpy()
    curves = [lost_inquiries_curve(q, float(demand[h]), 60, 4) for h in range(24)]
    best = np.inf
    for combo in itertools.product(*choices.values()):
        staff = np.zeros(24, dtype=int)
        wage = 0.0
        for c in combo:
            if c is not None:
                staff[c["work"]] += 1
                wage += c["wage"]
        lost = sum(curves[h][staff[h]] for h in range(24))
        best = min(best, wage + lost * value)
    return best


def test_small_shop_optimum_matches_enumeration(small_shop):
    fc = flat_forecast(small_shop, {"chat": SMALL_LOAD})
    st = staffing(small_shop, fc)
    result = solve_rota(small_shop, priced_demand(small_shop, st), time_limit=10)
    expected = brute_force_small_shop(small_shop, fc)
    assert result.status == "OPTIMAL"
    # the model prices in whole fen per slot: at most half a fen of rounding per slot and term
    assert result.objective == pytest.approx(expected, abs=0.5)
    assert result.lower_bound == pytest.approx(result.objective, abs=0.01)
    # figures recomputed from the rota itself
    assert result.shifts.wage_yuan.sum() == pytest.approx(
        sum(8 * 30 if c == "full_time" else 4 * 22 for c in result.shifts.contract)
    )


def _variant(tmp_path: Path, name: str, edit_yaml=None, edit_agents=None) -> Path:
    folder = tmp_path / name
    shutil.copytree(BUILTIN_DIR / name, folder)
    if edit_yaml:
        cfg = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        edit_yaml(cfg)
        (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    if edit_agents:
        lines = (folder / "agents.csv").read_text(encoding="utf-8").splitlines()
        (folder / "agents.csv").write_text("\n".join(edit_agents(lines)) + "\n", encoding="utf-8")
    return folder


def test_clashing_rules_are_named(tmp_path):
    """Evening all-hands 19:00-23:00 for part-timers whose shifts start only at 08/12/16/20."""
    def add_window(cfg):
        cfg["promotion"] = {"evening_all_hands": [{
            "start": "2026-06-18T19:00:00+08:00", "end": "2026-06-18T23:00:00+08:00", "contracts": ["part_time"]}]}

    sc = load_scenario(_variant(tmp_path, "small_shop", add_window))
    fc = flat_forecast(sc, {"chat": SMALL_LOAD})
    with pytest.raises(InfeasibleError) as info:
        solve_rota(sc, priced_demand(sc, staffing(sc, fc)), time_limit=10)
    text = "\n".join(info.value.clashes)
    # the smallest clashing set: one part-timer the rule cannot place is enough
    assert "evening all-hands" in text and ("B1" in text or "B2" in text)


def test_midnight_core_clash_named(tmp_path):
    """At least 2 core agents at midnight, but only one agent is core."""
    def add_window(cfg):
        cfg["promotion"] = {"midnight_core": [{
            "start": "2026-06-18T00:00:00+08:00", "end": "2026-06-18T02:00:00+08:00", "min_core_agents": 2}]}

    sc = load_scenario(_variant(tmp_path, "small_shop", add_window))
    fc = flat_forecast(sc, {"chat": SMALL_LOAD})
    with pytest.raises(InfeasibleError) as info:
        solve_rota(sc, priced_demand(sc, staffing(sc, fc)), time_limit=10)
    assert any("midnight core" in c for c in info.value.clashes)


def test_promotion_rules_hold_in_the_rota(tmp_path):
    """Midnight core share and evening all-hands, read back from the rota's own assignments."""
    def rules(cfg):
        cfg["promotion"] = {
            "midnight_core": [{"start": "2026-06-18T00:00:00+08:00", "end": "2026-06-18T02:00:00+08:00",
                               "min_core_share": 1.0, "min_core_agents": 1}],
            "evening_all_hands": [{"start": "2026-06-18T20:00:00+08:00", "end": "2026-06-18T22:00:00+08:00",
                                   "contracts": ["part_time"]}],
        }

    sc = load_scenario(_variant(tmp_path, "small_shop", rules))
    fc = flat_forecast(sc, {"chat": SMALL_LOAD})
    r = solve_rota(sc, priced_demand(sc, staffing(sc, fc)), time_limit=10)
    a = r.assignments
    work = a[a.activity != "break"]
    core = {ag.agent_id for ag in sc.agents if ag.core}
    for h in (0, 1):
        on = set(work[work.slot_start == sc.slots[h]].agent_id)
        assert on and on <= core
    for h in (20, 21):
        on = set(work[work.slot_start == sc.slots[h]].agent_id)
        assert {"B1", "B2"} <= on


def test_time_limit_returns_best_rota_with_honest_gap(double11):
    """A short limit on the 200-agent event: a rota, and a gap that matches objective and bound."""
    hours = [30, 15, 8, 4, 3, 3, 6, 20, 60, 100, 130, 140, 130, 130, 140, 140, 130, 120, 120, 140, 180, 200, 180, 90]
    fc = flat_forecast(double11, {"presale": [h * 25 for h in hours], "aftersale": [h * 5 for h in hours]})
    r = solve_rota(double11, priced_demand(double11, staffing(double11, fc)), time_limit=15)
    assert r.status in ("OPTIMAL", "FEASIBLE")
    assert r.lower_bound <= r.objective + 1e-6
    assert r.gap == pytest.approx(0 if r.status == "OPTIMAL" else (r.objective - r.lower_bound) / r.objective, abs=1e-6)
    assert len(r.shifts) > 100
