"""Demand: the forecast recovers a known synthetic truth; quantiles, shapes and the sizing chain."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from scheduler import load_scenario
from scheduler.demand import aftersale_day_weights, forecast, sizing, within_hour_shares
from scheduler.errors import InputError
from scheduler.scenario import BUILTIN_DIR

TZ = ZoneInfo("Asia/Shanghai")
LEVEL = 60_000.0  # a normal Monday-equivalent day
WEEKDAY = np.array([1.0, 0.95, 0.9, 1.0, 1.05, 1.2, 1.1])
PROFILE = np.array([2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 5, 5, 6, 6, 5, 5, 5, 6, 7, 7, 6, 4], float)
PROFILE /= PROFILE.sum()
UPLIFT = {-1: 1.5, 0: 4.0, 1: 1.3}
EVENT_SHAPE = np.array([12, 8, 4, 2, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 6, 6, 5, 3], float)
EVENT_SHAPE /= EVENT_SHAPE.sum()


def truth(d: date, event_day: date) -> np.ndarray:
    """Expected inquiries per hour of day d."""
    r = (d - event_day).days
    base = LEVEL * WEEKDAY[d.weekday()]
    if r == 0:
        return base * UPLIFT[0] * EVENT_SHAPE
    return base * UPLIFT.get(r, 1.0) * PROFILE


def write_synthetic(folder: Path, slot_minutes: int = 60, with_past_event: bool = True) -> Path:
    """A one-queue scenario whose history is Poisson around `truth`, with last year's event in it."""
    rng = np.random.default_rng(5)
    shutil.copytree(BUILTIN_DIR / "small_shop", folder)
    for extra in ("time_off.csv", "preferences.csv"):
        (folder / extra).unlink(missing_ok=True)
    past, now = date(2025, 6, 18), date(2026, 6, 18)
    rows = []
    for first, days, ev in ((past - timedelta(days=60), 75, past), (now - timedelta(days=63), 60, now)):
        for i in range(days):
            d = first + timedelta(days=i)
            mean = truth(d, ev)
            for h in range(24):
                t = datetime(d.year, d.month, d.day, h, tzinfo=TZ)
                rows.append((t.isoformat(), "chat", int(rng.poisson(mean[h]))))
    pd.DataFrame(rows, columns=["slot_start", "queue", "inquiries"]).to_csv(folder / "history.csv", index=False)
    cfg = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    cfg["horizon"] = {"start": "2026-06-16T00:00:00+08:00", "end": "2026-06-21T00:00:00+08:00",
                      "slot_minutes": slot_minutes}
    cfg["past_events"] = (
        [{"name": "618 2025", "start": "2025-06-18T00:00:00+08:00", "end": "2025-06-19T00:00:00+08:00"}]
        if with_past_event else []
    )
    cfg["economics"].pop("gmv_target_yuan", None)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    sc = load_scenario(write_synthetic(tmp_path_factory.mktemp("syn") / "s"))
    return sc, forecast(sc)


def test_recovers_baseline_uplift_and_profile(synthetic):
    sc, fc = synthetic
    fc = fc.assign(day=fc.slot_start.dt.date, hour=fc.slot_start.dt.hour)
    event_day = date(2026, 6, 18)
    for d, g in fc.groupby("day"):
        want = truth(d, event_day)
        r = (d - event_day).days
        # day total, uplift and hourly shape each within 5 %
        assert g.p50.sum() == pytest.approx(want.sum(), rel=0.05), d
        assert g.uplift.iloc[0] == pytest.approx(UPLIFT.get(r, 1.0), rel=0.05), d
        baseline_day = LEVEL * WEEKDAY[d.weekday()]
        assert g.baseline.sum() == pytest.approx(baseline_day, rel=0.05), d
        shares = g.sort_values("hour").profile_share.to_numpy()
        np.testing.assert_allclose(shares, want / want.sum(), rtol=0.05)
        np.testing.assert_allclose(g.sort_values("hour").p50.to_numpy(), want, rtol=0.06)
    assert "learned from 618 2025" in fc.method.iloc[0]


def test_quantiles_ordered_and_cover_the_horizon_once(synthetic):
    sc, fc = synthetic
    assert (fc.p50 >= 0).all()
    assert ((fc.p50 <= fc.p80) & (fc.p80 <= fc.p90)).all()
    # never below Poisson noise
    assert (fc.p80 >= stats.poisson.ppf(0.8, fc.p50) - 1e-9).all()
    assert (fc.p90 >= stats.poisson.ppf(0.9, fc.p50) - 1e-9).all()
    for _, g in fc.groupby("queue"):
        assert list(g.slot_start) == list(sc.slots)


def test_promotion_days_are_wider_than_normal_days(synthetic):
    _, fc = synthetic
    ratio = fc.p80 / fc.p50
    busy = fc.p50 > 1000
    assert ratio[busy & (fc.relative_day == 0)].min() > ratio[busy & (fc.relative_day == 2)].max()


def test_all_builtins_forecast_every_slot(double11, small_shop, weekly, season):
    for sc in (double11, small_shop, weekly, season):
        fc = forecast(sc)
        assert len(fc) == sc.n_slots * len(sc.config.queues)
        assert not fc[["p50", "p80", "p90"]].isna().any().any()
        assert ((fc.p50 <= fc.p80) & (fc.p80 <= fc.p90) & (fc.p50 >= 0)).all()
        assert fc.groupby(["slot_start", "queue"]).size().max() == 1


def test_double11_event_day_shape(double11):
    fc = forecast(double11)
    ev = double11.config.event
    day = fc[(fc.slot_start >= ev.start) & (fc.slot_start < ev.end)]
    busiest = day.groupby("queue").p50.sum().idxmax()
    q = day[day.queue == busiest].set_index(day[day.queue == busiest].slot_start.dt.hour).p50
    trough = q.loc[4:5].sum()
    assert q.loc[0:1].sum() > 2 * trough
    assert q.loc[19:22].sum() / 4 * 2 > 2 * trough  # per two hours, like the trough's two hours
    assert q.loc[19:22].min() * 2 > 2 * trough


def test_aftersale_chain_added_after_the_event(double11):
    fc = forecast(double11)
    size = sizing(double11)
    after = fc[fc.queue == "aftersale"]
    added_by_day = after.groupby("relative_day").aftersale_added.sum()
    assert added_by_day.loc[-1] == 0 and added_by_day.loc[0] == 0
    w = aftersale_day_weights(size["aftersale_days"])
    assert added_by_day.loc[1] == pytest.approx(size["aftersale_inquiries"] * w[0], rel=1e-6)
    assert (fc[fc.queue == "presale"].aftersale_added == 0).all()


def test_without_past_promotion_falls_back_to_domain_shape(tmp_path):
    sc = load_scenario(write_synthetic(tmp_path / "s", with_past_event=False))
    fc = forecast(sc)
    assert "DOMAIN.md" in fc.method.iloc[0]
    day = fc[fc.relative_day == 0].set_index(fc[fc.relative_day == 0].slot_start.dt.hour).p50
    normal_night = fc[fc.relative_day == 1].set_index(fc[fc.relative_day == 1].slot_start.dt.hour).p50
    assert day.loc[0:2].sum() > 2 * normal_night.loc[0:2].sum()  # DOMAIN: 00-03 over 2x a normal day
    assert day.loc[4:5].mean() < day.loc[10:17].mean() < day.loc[20:21].mean()


def test_finer_slots_split_hours_and_front_load_the_opening(tmp_path):
    sc60 = load_scenario(write_synthetic(tmp_path / "a"))
    sc15 = load_scenario(write_synthetic(tmp_path / "b", slot_minutes=15))
    f60, f15 = forecast(sc60), forecast(sc15)
    hourly = f15.groupby(f15.slot_start.dt.floor("h")).p50.sum()
    np.testing.assert_allclose(hourly.to_numpy(), f60.p50.to_numpy(), rtol=1e-9)
    opening = f15[(f15.slot_start >= pd.Timestamp("2026-06-18T00:00:00+08:00"))].p50.iloc[:4].to_numpy()
    assert opening[0] > opening[1] > opening[3]
    normal = f15[f15.slot_start.dt.hour == 10].p50.iloc[:4].to_numpy()
    np.testing.assert_allclose(normal, normal[0])


def test_worked_example_sizing(small_shop):
    """DOMAIN.md point 2: 500k / 100 = 5,000 orders; x 20 % / 40 % = 2,500; 576 per agent-day; about 5."""
    eco = small_shop.config.economics.model_copy(update={
        "gmv_target_yuan": 500_000, "order_value_yuan": 100, "service_share": 0.2, "inquiry_conversion": 0.4,
        "agent_seconds_per_inquiry": 50, "ppc_yuan": 1.0, "click_conversion": 0.0128,
    })
    sc = small_shop.model_copy(update={"config": small_shop.config.model_copy(update={"economics": eco})})
    s = sizing(sc)
    assert s["orders"] == 5000
    assert s["presale_inquiries"] == 2500
    assert s["inquiries_per_agent_day"] == 576
    assert s["presale_agents_lower_bound_whole"] == 5
    assert s["source_formula"]["value"] == 400 and "buyers" in s["source_formula"]["unit"]
    # DOMAIN point 1 with the source's own 30 % inquiry conversion: about 23.4 yuan per inquiry
    eco30 = eco.model_copy(update={"inquiry_conversion": 0.3})
    assert eco30.inquiry_value == pytest.approx(23.4375)


def test_queue_without_history_is_a_clear_error(tmp_path):
    folder = write_synthetic(tmp_path / "s")
    cfg = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    cfg["queues"].append({"id": "aftersale", "kind": "aftersale"})
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    agents = (folder / "agents.csv").read_text(encoding="utf-8").replace(",chat,", ",chat;aftersale,")
    (folder / "agents.csv").write_text(agents, encoding="utf-8")
    with pytest.raises(InputError) as err:
        forecast(load_scenario(folder))
    text = str(err.value)
    assert "history.csv" in text and "aftersale" in text and "at least 7" in text


def test_forecast_command_writes_both_files(cli, tmp_path):
    code, out, _ = cli("forecast", "double11", "--out", tmp_path / "f")
    assert code == 0
    assert "sizing chain" in out and "buyers, not agents" in out
    fc = pd.read_csv(tmp_path / "f" / "forecast.csv")
    assert {"slot_start", "queue", "p50", "p80", "p90", "method", "baseline", "uplift", "profile_share"} <= set(fc.columns)
    assert fc.slot_start.str.endswith("+08:00").all()
    size = json.loads((tmp_path / "f" / "sizing.json").read_text())
    assert size["orders"] == pytest.approx(8_400_000 / 150)


@given(st.integers(min_value=1, max_value=60))
def test_aftersale_weights_are_a_distribution(days):
    w = aftersale_day_weights(days)
    assert len(w) == days and w.sum() == pytest.approx(1.0) and (w > 0).all()
    if days >= 3:
        assert int(np.argmax(w)) == 1  # the peak on day 2 after the event


@given(st.sampled_from([15, 30, 60]), st.booleans())
def test_within_hour_shares_sum_to_one(minutes, front):
    s = within_hour_shares(minutes, front)
    assert len(s) == 60 // minutes and s.sum() == pytest.approx(1.0)


def test_backtest_on_real_arrivals_beats_seasonal_naive():
    """The forecast backtest on the bank's real arrivals (skipped when the public data is absent)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "forecast_backtest.py"
    spec = importlib.util.spec_from_file_location("forecast_backtest", path)
    bt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bt)
    if not bt.DATA.exists():
        pytest.skip("../shared/benchmarks/arrivals is absent")
    r = bt.backtest(bt.load_bank(), lead=1, n_days=30)
    assert r["days"] >= 15
    assert r["WAPE ours"] < 0.9 * r["WAPE seasonal naive"]
    assert 0.65 <= r["p80 coverage"] <= 0.95
