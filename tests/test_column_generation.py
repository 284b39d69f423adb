"""Column generation: exact pricing against enumeration, a bound that never exceeds an enumerated
optimum or a published best-known value, and rotas the independent checker passes.

Legality in the enumerations is written out here from the rules' plain statements (Curtois
FORMAT.md through tests/test_curtois.py's `broken`, the labour rules from the scenario's contract
settings), never read from the engine's model.
"""

from __future__ import annotations

import itertools
import math
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import load_scenario
from scheduler.pipeline import priced_demand
from scheduler.rota import solve_rota
from scheduler.rota.cg import column_generation
from scheduler.rota.cg.labels import LabelPricer
from scheduler.rota.cg.pricing import Pricer
from scheduler.rota.model import Unit, class_key
from scheduler.rota.solve import options_of

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

import curtois  # noqa: E402
from test_curtois import broken, brute_force, tiny  # noqa: E402


def _units(sc) -> list[Unit]:
    return [Unit([o.agent], o.options, o.available) for o in options_of(sc)]


def _per_agent_classes(sc):
    return lambda u: (class_key(sc, u.agent, u.available), u.agent.agent_id)


# --- pricing against enumeration ------------------------------------------------------------
PRICERS = {
    "cp-sat": lambda sc, unit, rules, hire: Pricer(sc, unit, rules, hire, 0),
    "labels": lambda sc, unit, rules, hire: LabelPricer(sc, unit, rules, hire),
    "cp-sat from a first schedule": lambda sc, unit, rules, hire: _from_first_schedule(Pricer(sc, unit, rules, hire, 0)),
}
"""The exact pricings the engine chooses between (CP-SAT as it prices a class whose own search
once found nothing, too), held to the same enumerations."""


def _from_first_schedule(pricer: Pricer) -> Pricer:
    """A pricer in the state a search that found nothing leaves it: its searches start from a
    legal schedule found costs aside."""
    pricer.hinted = True
    return pricer


def _agrees(got, want: float) -> None:
    """A pricing's answer against the enumerated least reduced cost: the master needs that least
    value only when it is negative (a schedule prices out), and a bound that never exceeds it."""
    assert got.bound <= want + 1e-9
    assert min(got.best, 0.0) == pytest.approx(min(want, 0.0), abs=0.02)
    if want < -0.01:
        assert got.schedules


def _curtois_legal_schedules(inst: curtois.Instance, eng: curtois.EngineInputs, unit: Unit) -> list[tuple[int, ...]]:
    """Every legal schedule of one employee, as option indexes, checked by the benchmark's rules."""
    sid = unit.agent.agent_id
    of = {}
    for k, o in enumerate(unit.options):
        start = eng.scenario.slots[o.start]
        of[(o.day, eng.type_of_start[start.time()])] = k
    out = []
    for combo in itertools.product([None, *inst.shifts], repeat=inst.days):
        mine = {d: s for d, s in enumerate(combo) if s is not None}
        if any((d, s) not in of for d, s in mine.items()):
            continue  # a type this employee may not work, or a day off (no option)
        if not [b for b in broken(inst, {sid: mine}) if b.startswith(f"{sid} ")]:
            out.append(tuple(sorted(of[(d, s)] for d, s in mine.items())))
    return out


@pytest.mark.parametrize("pricing", PRICERS)
@pytest.mark.parametrize("seed", range(6))
def test_pricing_equals_enumeration_with_every_roster_rule(seed, pricing):
    """Random reduced costs: the pricing's least reduced cost is the least over every legal
    schedule enumerated and judged by the benchmark's own rules (successions, type maximums,
    minutes, runs worked and off, weekends, days off)."""
    inst = tiny()
    eng = curtois.to_engine(inst)
    rng = np.random.default_rng(seed)
    for unit in _units(eng.scenario):
        legal = _curtois_legal_schedules(inst, eng, unit)
        reduced = rng.normal(0, 500, len(unit.options)).round(2)
        conv = float(rng.normal(0, 100))
        want = min(sum(reduced[k] for k in s) for s in legal) - conv
        pricer = PRICERS[pricing](eng.scenario, unit, eng.rules, 0)
        got = pricer.price(reduced, conv, 10.0)
        _agrees(got, want)
        assert all(s in legal for s in got.schedules)
        best = want + conv
        for gap in (-5.0, -0.5, 0.5, 5.0):  # the least reduced cost just below and just above zero
            _agrees(pricer.price(reduced, best - gap, 10.0), gap)


def test_the_first_schedule_is_legal():
    """The schedule found costs aside, which a class's later searches start from, keeps every rule
    (judged by the benchmark's own rules over the enumerated legal schedules)."""
    inst = tiny()
    eng = curtois.to_engine(inst)
    for unit in _units(eng.scenario):
        pricer = Pricer(eng.scenario, unit, eng.rules, 0, 0)
        assert pricer._first_schedule(10.0)
        assert pricer.last in _curtois_legal_schedules(inst, eng, unit)


def _contract_legal(sc, unit: Unit, schedule: tuple[int, ...]) -> bool:
    """The labour rules of scheduler/scenario.py's contract, stated over one agent's shifts."""
    c = sc.contract(unit.agent.contract)
    shifts = sorted((unit.options[k] for k in schedule), key=lambda o: o.start)
    days = [o.day for o in shifts]
    if len(set(days)) < len(days):
        return False  # one shift a day
    rest = c.min_rest_hours * 60 / sc.slot_minutes
    if any(b.start - a.end < rest - 1e-9 for a, b in itertools.pairwise(shifts)):
        return False
    run = best = 0
    for d in range(max(days, default=-1) + 1):
        run = run + 1 if d in days else 0
        best = max(best, run)
    if best > c.max_consecutive_days:
        return False
    if sum(o.overtime_minutes for o in shifts) > c.max_overtime_hours_per_month * 60:
        return False
    for week in {d // 7 for d in days}:
        if sum(o.regular_minutes for o in shifts if o.day // 7 == week) > c.max_hours_per_week * 60:
            return False
    n_days = (sc.slots[-1].normalize() - sc.slots[0].normalize()).days + 1
    if c.avg_max_hours_per_day is not None and sum(o.paid_minutes for o in shifts) > c.avg_max_hours_per_day * 60 * n_days:
        return False
    return True


@pytest.mark.parametrize("pricing", PRICERS)
@pytest.mark.parametrize("rest,consecutive,weekly", [(0, 7, 60), (12, 7, 60), (12, 2, 60), (11, 7, 16), (14, 1, 8)])
def test_pricing_equals_enumeration_with_labour_rules(tmp_path, rest, consecutive, weekly, pricing):
    """small_shop over three days with the rest, consecutive-day and weekly-hour rules switched
    on and off: the pricing's best schedule is the enumerated best among legal ones."""
    import shutil

    import yaml

    from scheduler.scenario import BUILTIN_DIR

    folder = tmp_path / "shop"
    shutil.copytree(BUILTIN_DIR / "small_shop", folder)
    cfg = yaml.safe_load((folder / "scenario.yaml").read_text())
    start = cfg["horizon"]["start"]
    cfg["horizon"]["end"] = (np.datetime64(start[:19]) + np.timedelta64(3, "D")).astype(str) + start[19:]
    cfg["promotion"] = {}
    for contract in cfg["contracts"].values():
        contract.update(min_rest_hours=rest, max_consecutive_days=consecutive, max_hours_per_week=weekly)
        contract.pop("avg_max_hours_per_day", None)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
    sc = load_scenario(folder)
    rng = np.random.default_rng(rest + consecutive + weekly)
    for unit in _units(sc):
        by_day: dict[int, list[int]] = {}
        for k, o in enumerate(unit.options):
            by_day.setdefault(o.day, []).append(k)
        choices = [[None, *ks] for ks in by_day.values()]
        legal = [s for combo in itertools.product(*choices)
                 if _contract_legal(sc, unit, s := tuple(sorted(k for k in combo if k is not None)))]
        reduced = rng.normal(-50, 300, len(unit.options)).round(2)
        want = min(sum(reduced[k] for k in s) for s in legal)
        got = PRICERS[pricing](sc, unit, None, 0).price(reduced, 0.0, 10.0)
        _agrees(got, want)
        assert all(s in legal for s in got.schedules)


@pytest.mark.parametrize("pricing", PRICERS)
def test_hire_cost_is_paid_by_any_nonempty_schedule(pricing):
    """A candidate's one-off cost comes with the first shift, once: the pricing's best is the
    enumerated best of (schedule + hire cost when it has any shift)."""
    inst = tiny()
    eng = curtois.to_engine(inst)
    rng = np.random.default_rng(7)
    for unit in _units(eng.scenario):
        legal = _curtois_legal_schedules(inst, eng, unit)
        reduced = rng.normal(-20, 10, len(unit.options)).round(2)
        for hire in (0, 30, 10_000):
            want = min(sum(reduced[k] for k in s) + (hire if s else 0) for s in legal)
            got = PRICERS[pricing](eng.scenario, unit, eng.rules, hire).price(reduced, 0.0, 10.0)
            _agrees(got, want)


def test_labels_agree_with_cp_sat_on_double11_duties_and_candidates():
    """double11's agents carry the evening all-hands duty, and its hiring pools' candidates are
    legal empty or hired with every duty: at random reduced costs the labels' least reduced
    cost is CP-SAT's proven one, class by class (two exact pricings written apart)."""
    sc = load_scenario("double11")
    rng = np.random.default_rng(3)
    units = _units(sc)
    picked = [u for u in units if u.agent.candidate][:3] + [u for u in units if not u.agent.candidate][:4]
    assert any(u.agent.candidate for u in picked)
    for unit in picked:
        hire = round(unit.agent.hire_cost_yuan * 100)
        cp, lab = Pricer(sc, unit, None, hire, 0), LabelPricer(sc, unit, None, hire)
        assert lab.need or unit.agent.standby  # the all-hands duty is in the labels' state
        for mean in (-3000.0, 400.0):
            reduced = rng.normal(mean, 2000, len(unit.options)).round(2)
            want = cp.price(reduced, 0.0, 20.0)
            assert want.proven
            _agrees(lab.price(reduced, 0.0, 20.0), want.best)


def test_labels_prove_what_cp_sat_leaves_unproven(monkeypatch):
    """When CP-SAT's search stops before proving its best schedule, the class's pricing takes the
    labels' exact answer: its bound is the enumerated least reduced cost, not CP-SAT's weak one."""
    from scheduler.rota.cg.pricing import ClassPricing, Priced

    inst = tiny()
    eng = curtois.to_engine(inst)
    unit = _units(eng.scenario)[0]
    legal = _curtois_legal_schedules(inst, eng, unit)
    reduced = np.random.default_rng(5).normal(-100, 400, len(unit.options)).round(2)
    want = min(sum(reduced[k] for k in s) for s in legal)
    pricing = ClassPricing(eng.scenario, unit, eng.rules, 0, 0)
    monkeypatch.setattr(pricing.cp_sat, "price", lambda *a: Priced([], want + 50.0, want - 10_000.0, False))
    got = pricing.price(reduced, 0.0, 10.0)
    assert got.bound == pytest.approx(want, abs=0.02) and pricing.proven_by_labels == 1
    assert got.schedules and all(s in legal for s in got.schedules)


def test_a_pricing_that_need_not_prove_leaves_the_labels_idle(monkeypatch):
    """Partial rounds take no bound: their pricing returns CP-SAT's unproven answer as it is
    (marked unproven) without spending time on the labels, which are not even set up."""
    from scheduler.rota.cg.pricing import ClassPricing, Priced

    inst = tiny()
    eng = curtois.to_engine(inst)
    unit = _units(eng.scenario)[0]
    pricing = ClassPricing(eng.scenario, unit, eng.rules, 0, 0)
    unproven = Priced([(0,)], -40.0, -10_000.0, False)
    monkeypatch.setattr(pricing.cp_sat, "price", lambda *a: unproven)
    reduced = np.zeros(len(unit.options))
    assert pricing.price(reduced, 0.0, 10.0, prove=False) is unproven
    assert pricing.proven_by_labels == 0 and pricing._labels is None
    assert pricing.price(reduced, 0.0, 10.0).proven  # asked to prove, the labels do


# --- the bound --------------------------------------------------------------------------------
def test_bound_and_rota_on_tiny_curtois_reach_the_enumerated_optimum():
    inst = tiny()
    eng = curtois.to_engine(inst)
    optimum = brute_force(inst)
    res = column_generation(eng.scenario, _units(eng.scenario), eng.demand, _per_agent_classes(eng.scenario), 20.0,
                            roster=eng.rules)
    assert res.bound_fen / 100 <= optimum + 1e-6
    assert res.integer_fen is not None and res.integer_fen / 100 >= optimum - 1e-6


def _roster_of_schedules(eng: curtois.EngineInputs, units: list[Unit], schedules: dict[int, list[int]]) -> dict[str, dict[int, str]]:
    """Employee -> day -> shift type of the column-generation rota, read from each option's start."""
    out: dict[str, dict[int, str]] = {}
    for i, picks in schedules.items():
        for k in picks:
            opt = units[i].options[k]
            start = curtois.DAY0 + timedelta(minutes=opt.start * eng.slot_minutes)
            out.setdefault(units[i].agent.agent_id, {})[opt.day] = eng.type_of_start[start.time()]
    return out


def test_the_dive_fixes_schedules_and_its_rota_keeps_every_rule():
    """Dive and price on the tiny instance (its LP is fractional): the dive fixes schedules, and
    the integer master's rota over the dive's columns keeps every hard rule and costs what the
    instance's own scoring says, no less than the enumerated optimum."""
    inst = tiny()
    eng = curtois.to_engine(inst)
    units = _units(eng.scenario)
    res = column_generation(eng.scenario, units, eng.demand, _per_agent_classes(eng.scenario), 10.0, roster=eng.rules)
    assert res.dived > 0
    assert res.schedules is not None
    penalty, bad = curtois.evaluate(inst, _roster_of_schedules(eng, units, res.schedules))
    assert bad == []
    assert penalty == pytest.approx(res.integer_fen / 100)
    assert penalty >= brute_force(inst)


def test_a_slow_root_hands_its_time_back_and_keeps_a_legal_rota(monkeypatch):
    """When a full round takes over SLOW_ROUND_SHARE of the time (here every round does) and began
    from an LP with artificial units (the tiny instance's first does), the root stops after that
    round and column generation ends long before its limit: the integer master keeps only its
    share of the time used. Its rota still keeps every rule and its bound stays below the
    enumerated optimum."""
    import scheduler.rota.cg.engine as engine

    monkeypatch.setattr(engine, "SLOW_ROUND_SHARE", 0.0)
    inst = tiny()
    eng = curtois.to_engine(inst)
    units = _units(eng.scenario)
    res = column_generation(eng.scenario, units, eng.demand, _per_agent_classes(eng.scenario), 30.0, roster=eng.rules)
    assert res.slow and len(res.history) == 1
    assert res.seconds < 15.0  # the 30 s were not used up
    assert res.schedules is not None
    penalty, bad = curtois.evaluate(inst, _roster_of_schedules(eng, units, res.schedules))
    assert bad == []
    assert res.bound_fen / 100 <= brute_force(inst) <= penalty


def test_a_slow_round_from_an_lp_without_artificial_units_does_not_stop_the_root(monkeypatch):
    """Every round slow, but the LP it starts from covers every agent (artificial units reported as
    none): the root goes on as before the rule (the season's fourth round, cut, left no rota)."""
    import scheduler.rota.cg.engine as engine

    monkeypatch.setattr(engine, "SLOW_ROUND_SHARE", 0.0)
    monkeypatch.setattr(engine, "_artificial", lambda master: 0.0)
    inst = tiny()
    eng = curtois.to_engine(inst)
    res = column_generation(eng.scenario, _units(eng.scenario), eng.demand, _per_agent_classes(eng.scenario), 30.0,
                            roster=eng.rules)
    assert not res.slow and len(res.history) > 1


def test_without_a_known_rota_the_first_integer_master_hands_over_a_legal_rota_early():
    """Without a start, the first round whose LP covers every agent hands its integer master's
    schedules to `first_rota`: a rota that keeps every rule (Curtois's own scoring), offered
    again at a later round while the caller refuses it, and never beaten by the final integer
    master's answer for the worse (it is that master's first incumbent)."""
    inst = tiny()
    eng = curtois.to_engine(inst)
    units = _units(eng.scenario)
    offered: list[dict[int, list[int]]] = []

    def first_rota(schedules, queues):
        offered.append(schedules)
        return len(offered) > 1  # the first offer is refused: the engine must try again

    res = column_generation(eng.scenario, units, eng.demand, _per_agent_classes(eng.scenario), 20.0,
                            roster=eng.rules, first_rota=first_rota)
    assert len(offered) == 2
    penalties = []
    for schedules in offered:
        assert set(schedules) == set(range(len(units)))
        penalty, bad = curtois.evaluate(inst, _roster_of_schedules(eng, units, schedules))
        assert bad == []
        penalties.append(penalty)
    assert res.schedules is not None
    final, bad = curtois.evaluate(inst, _roster_of_schedules(eng, units, res.schedules))
    assert bad == [] and final <= penalties[1] + 1e-6
    assert brute_force(inst) <= final


def test_a_root_whose_bound_cannot_get_near_the_lp_in_time_is_out_of_reach():
    """The projection: the gap (LP - bound) closing by the ratio of the last two clean full rounds."""
    from scheduler.rota.cg.engine import _out_of_reach

    # the season at 300 s: rounds at 27.7 s and 56.7 s, gaps 336 M and 158 M fen, LP 33.4 M:
    # about six more rounds of 29 s to come within 5 %, far past the root's deadline at 124 s
    season = [(27.7, 36_253_080, -299_948_581), (56.7, 33_413_782, -124_347_693)]
    assert _out_of_reach(season, 124.0)
    assert not _out_of_reach(season, 400.0)  # with time enough the root goes on
    assert not _out_of_reach(season[1:], 124.0)  # one clean round: nothing to project from
    assert _out_of_reach([(10.0, 1000.0, 500.0), (20.0, 1000.0, 400.0)], 1e9)  # the gap grew
    assert not _out_of_reach([(10.0, 1000.0, 500.0), (20.0, 1000.0, 990.0)], 21.0)  # within 5 % already
    assert not _out_of_reach([(10.0, 1000.0, -math.inf), (20.0, 1000.0, -math.inf)], 21.0)  # no bound yet


def test_an_out_of_reach_root_hands_its_time_back_and_keeps_a_legal_rota(monkeypatch):
    """With a rota in hand (the first integer master's) and the projection forced to say out of
    reach, the root stops at the next full round and column generation ends long before its
    limit; the rota it returns keeps every rule and the bound stays below the enumerated optimum."""
    import scheduler.rota.cg.engine as engine

    monkeypatch.setattr(engine, "_out_of_reach", lambda rounds, deadline: True)
    inst = tiny()
    eng = curtois.to_engine(inst)
    units = _units(eng.scenario)
    res = column_generation(eng.scenario, units, eng.demand, _per_agent_classes(eng.scenario), 30.0,
                            roster=eng.rules, first_rota=lambda schedules, queues: True)
    assert res.out_of_reach and not res.slow
    assert res.seconds < 15.0  # the 30 s were not used up
    assert res.schedules is not None
    penalty, bad = curtois.evaluate(inst, _roster_of_schedules(eng, units, res.schedules))
    assert bad == []
    assert res.bound_fen / 100 <= brute_force(inst) <= penalty


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_bound_never_exceeds_the_enumerated_optimum(data):
    """Random small instances (cover, weights, requests, limits): bound <= enumerated optimum."""
    days = data.draw(st.integers(3, 5))
    types = {"E": (480, frozenset()), "L": (480, frozenset({"E"}))}
    staff = []
    for name in ("P", "Q"):
        caps = {s: data.draw(st.integers(0, days)) for s in types}
        lo = data.draw(st.integers(0, 2))
        staff.append(curtois.Staff(name, caps, 480 * data.draw(st.integers(lo, days)), 480 * lo,
                                   data.draw(st.integers(1, days)), data.draw(st.integers(1, 2)),
                                   data.draw(st.integers(1, 2)), data.draw(st.integers(0, 1))))
    cover = [(d, s, data.draw(st.integers(0, 2)), data.draw(st.integers(1, 20)), data.draw(st.integers(0, 5)))
             for d in range(days) for s in types]
    req = st.tuples(st.sampled_from(["P", "Q"]), st.integers(0, days - 1), st.sampled_from(["E", "L"]), st.integers(1, 9))
    inst = curtois.Instance("rand", days, types, staff,
                            days_off={"P": set(data.draw(st.lists(st.integers(0, days - 1), max_size=1)))},
                            on_requests=data.draw(st.lists(req, max_size=3)), off_requests=data.draw(st.lists(req, max_size=3)),
                            cover=cover)
    try:
        optimum = brute_force(inst)
    except ValueError:  # no legal roster at all
        return
    eng = curtois.to_engine(inst)
    res = column_generation(eng.scenario, _units(eng.scenario), eng.demand, _per_agent_classes(eng.scenario), 10.0,
                            roster=eng.rules)
    assert res.bound_fen / 100 <= optimum + 1e-6
    if res.integer_fen is not None:
        assert res.integer_fen / 100 >= optimum - 1e-6


def test_bound_below_small_shops_enumerated_optimum():
    """small_shop's optimum by hand-written enumeration (tests/test_rota.py): the column-generation
    bound is below it, and the engine forced to column generation reaches it."""
    from test_rota import SMALL_LOAD, brute_force_small_shop, flat_forecast

    from scheduler.staffing_model import staffing

    sc = load_scenario("small_shop")
    fc = flat_forecast(sc, {"chat": SMALL_LOAD})
    demand = priced_demand(sc, staffing(sc, fc))
    optimum = brute_force_small_shop(sc, fc)
    # the model prices in whole fen per slot: at most half a fen of rounding per slot and term
    res = column_generation(sc, _units(sc), demand, lambda u: class_key(sc, u.agent, u.available), 10.0)
    assert res.bound_fen / 100 <= optimum + 0.5
    rota = solve_rota(sc, demand, time_limit=10, engine="column_generation", workers=1)
    assert rota.objective == pytest.approx(optimum, abs=0.5)
    assert rota.lower_bound <= rota.objective


BEST_KNOWN = curtois.best_known() if curtois.DATA.exists() else {}


@pytest.mark.skipif(not BEST_KNOWN, reason=f"Curtois data absent ({curtois.DATA})")
@pytest.mark.parametrize("number", [1, 2, 4, 5])
def test_bound_never_exceeds_published_best_known(number):
    path = curtois.DATA / f"Instance{number}.txt"
    if not path.exists():
        pytest.skip(f"{path} absent")
    inst = curtois.parse(path)
    eng = curtois.to_engine(inst)
    res = column_generation(eng.scenario, _units(eng.scenario), eng.demand, _per_agent_classes(eng.scenario), 8.0,
                            roster=eng.rules, workers=2)
    _, ub = BEST_KNOWN[inst.name]
    assert res.bound_fen / 100 <= ub + 1e-6
    if res.integer_fen is not None:
        assert res.integer_fen / 100 >= res.bound_fen / 100 - 1e-6


def test_bound_rounds_up_to_whole_penalty_points():
    """Curtois prices whole points (100 fen each): the engine's bound is a whole number of points,
    never above the enumerated optimum."""
    inst = tiny()
    out = curtois.solve(inst, time_limit=10)
    assert out.bound == int(out.bound)
    assert out.bound <= brute_force(inst) <= out.objective
