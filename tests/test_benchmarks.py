"""Smoke tests of the benchmark scripts, so they cannot rot: greedy, peers (--quick) and month on small_shop,
the scale scenario maker, and gather. Seconds, not a benchmark: no timing is asserted."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_greedy_small_shop_is_legal_and_scored_by_the_checker(small_shop):
    from scheduler.checker import check_rota
    from scheduler.demand import forecast
    from scheduler.staffing_model import staffing

    greedy = _load("greedy")
    fc = forecast(small_shop)
    st = staffing(small_shop, fc)
    shifts, assignments, stats = greedy.greedy_rota(small_shop, st)
    assert len(shifts) > 0 and stats["shifts"] == len(shifts)
    rep = check_rota(small_shop, shifts, assignments, fc)
    assert rep.violations == []
    assert rep.figures["wage_cost"] == pytest.approx(float(shifts.wage_yuan.sum()))
    # every agent-slot worked in the rota is one the greedy counted against a requirement
    work = assignments[assignments.activity != "break"]
    assert len(work) == int(rep.coverage.scheduled.sum())


def test_greedy_keeps_rules_between_shifts(weekly):
    """On a 7-day scenario the greedy's book keeps rest, weekly hours and consecutive days."""
    from scheduler.checker import check_rota
    from scheduler.demand import forecast
    from scheduler.staffing_model import staffing

    greedy = _load("greedy")
    fc = forecast(weekly)
    st = staffing(weekly, fc)
    shifts, assignments, _ = greedy.greedy_rota(weekly, st)
    rules = {v.rule for v in check_rota(weekly, shifts, assignments, fc).violations}
    assert not rules & {
        "rest",
        "weekly_hours",
        "consecutive_days",
        "one_shift_per_day",
        "availability",
        "skills",
        "shift_shape",
        "meal_break",
        "assignment",
        "queue_changes",
        "average_daily_hours",
        "overtime",
    }


def test_peers_quick_on_small_shop(tmp_path):
    out = tmp_path / "peers.md"
    p = subprocess.run(
        [sys.executable, str(BENCH / "peers.py"), "--quick", "small_shop", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for label in ("ours (engine auto", "aggregate bound + split only", "direct per-agent CP-SAT", "greedy (largest shortfall"):
        row = next(ln for ln in text.splitlines() if ln.startswith(f"| {label}"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert float(cells[1].replace(",", "")) > 0  # cost measured by the checker
    assert "Our proven lower bound" in text
    if importlib.util.find_spec("pyworkforce") is not None:
        assert "| pyworkforce MinRequiredResources → rota |" in text
        assert "| pyworkforce MinAbsDifference → rota |" in text
        assert "| chat |" in text  # its Erlang C beside ours
    else:
        assert "pyworkforce is not installed" in text


def test_month_runs_every_engine_and_scores_by_the_checker(tmp_path):
    """benchmarks/month.py on small_shop (seconds): a row per engine, the checker's cost in each."""
    out = tmp_path / "season.md"
    p = subprocess.run(
        [sys.executable, str(BENCH / "month.py"), "small_shop", "--time-limit", "3", "--out", str(out)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("## A month")
    for label, _ in _load("month").CONTENDERS:
        row = next(ln for ln in text.splitlines() if ln.startswith(f"| {label} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert float(cells[6].replace(",", "")) > 0 and cells[9] == "0"  # checker's cost, no rule broken
    assert "Best proven bound of the run" in text and "Bar:" in text


def test_cg_profile_times_a_run_and_writes_its_row(tmp_path):
    """benchmarks/cg_profile.py on small_shop (seconds): one row with the run's figures."""
    out = tmp_path / "cg_profile.md"
    p = subprocess.run(
        [sys.executable, str(BENCH / "cg_profile.py"), "small_shop:3", "--out", str(out)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("## Where column generation spends its time")
    row = next(ln for ln in text.splitlines() if ln.startswith("| small_shop:3 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[1].replace(",", "")) >= float(cells[2].replace(",", "")) > 0  # objective >= bound


def test_scale_scenario_maker_and_gather(tmp_path):
    from scheduler.scenario import load_scenario

    scale = _load("scale")
    folder = scale.make_scenario(tmp_path / "s", agents=30, days=1, slot_minutes=30, time_limit=5)
    sc = load_scenario(folder)
    assert len(sc.agents) == 30 and sc.n_slots == 48 and len(sc.config.queues) == 3
    gather = _load("gather")
    text = gather.gather()
    assert text.startswith("# Benchmark results") and "| cores (`nproc`) |" in text
