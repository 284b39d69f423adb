"""Queue blocks in column generation (issue 16): a cross-trained class's columns carry the queue
of each worked slot and pay for each switch, so the bound sees the price of switching.

- the per-shift queue programme against every queue sequence, enumerated;
- the whole pricing (shifts and queues chosen together) against every column of one agent,
  enumerated; each column's cost against the independent checker's figures for that rota;
- a tiny instance where the switch price alone changes the optimum (enumerated and judged by
  the checker): the engine reaches it and its proven bound is the optimum, not the price-free one;
- the bound never exceeds the proven optimum (per-agent CP-SAT, gap_limit 0) of small random
  instances with switching priced, and is never below the bound that ignores the price.

Switches are counted here from the rule's plain words (docs/RULES.md: two working slots in a
row of one shift on different queues; a meal break is not a switch), never from the engine.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from rota_fixtures import S, make_rota
from test_model_rules import MONEY, Need, agent, contract, demand, judged, scenario, written_and_checked

import scheduler
from scheduler.rota import solve_rota
from scheduler.rota.cg import column_generation
from scheduler.rota.cg.building import build_master
from scheduler.rota.cg.engine import _price
from scheduler.rota.cg.master import AgentClass
from scheduler.rota.cg.pricing import ClassPricing
from scheduler.rota.cg.queues import QueueBlocks
from scheduler.rota.model import Unit, class_key
from scheduler.rota.options import ShiftOption
from scheduler.rota.solve import options_of
from scheduler.scenario import Queue

QUEUES = [Queue(id="pre", kind="presale"), Queue(id="post", kind="aftersale"), Queue(id="ord", kind="other")]


def switches_by_rule(option: ShiftOption, queue_of: dict[int, int]) -> int:
    """Two working slots in a row of the shift on different queues (the break is no slot of work)."""
    work = list(option.working_slots())
    return sum(1 for a, b in itertools.pairwise(work) if b == a + 1 and queue_of[a] != queue_of[b])


def units_of(sc) -> list[Unit]:
    return [Unit([o.agent], o.options, o.available) for o in options_of(sc)]


def cross_trained(tmp_path, skills=("pre", "post"), price=3.0, days=2, **settings):
    """One cross-trained agent: 4 h shifts from 08:00 or 10:00 and 5 h ones with a meal hour
    two hours in (two stretches of two working hours), on each of `days` days."""
    c = contract(shift_spans_hours=[4, 5], start_times=["08:00", "10:00"], break_minutes=60, break_from_span_hours=5,
                 break_earliest_hours=2, break_latest_hours=2, **settings)
    return scenario(tmp_path, [agent("A", skills=skills)], {"ft": c}, days=days, queues=QUEUES[:len(skills)],
                    queue_changes_in_shift=True, queue_change_yuan=price)


# --- the per-shift programme -----------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("skills", [("pre", "post"), ("pre", "post", "ord")])
def test_queue_programme_equals_enumeration_of_every_sequence(tmp_path, seed, skills):
    """Random (slot, queue) costs: each shift's least cost over every queue sequence of its
    working slots (switches priced, the break free) is the programme's, and the sequence it
    gives costs exactly that."""
    sc = cross_trained(tmp_path, skills)
    unit = units_of(sc)[0]
    rng = np.random.default_rng(seed)
    n_q = len(skills)
    cost = rng.normal(0, 400, (sc.n_slots, n_q)).round(2)
    entries = np.zeros((sc.n_slots * n_q, sc.n_slots * n_q))
    np.fill_diagonal(entries, -1.0)  # row (t, q)'s dual is the cost of serving q in t
    from scipy import sparse

    blocks = QueueBlocks(sc, unit, sparse.csr_matrix(entries))
    choice = blocks.choose(cost.reshape(-1))
    price = 300.0
    for k, o in enumerate(unit.options):
        work = list(o.working_slots())
        want = min(sum(cost[t, q] for t, q in zip(work, seq, strict=True)) + price * switches_by_rule(o, dict(zip(work, seq, strict=True)))
                   for seq in itertools.product(range(n_q), repeat=len(work)))
        assert choice.extra[k] == pytest.approx(want, abs=1e-6)
        seq = choice.sequence(k)
        got = dict(zip(work, seq, strict=True))
        assert sum(cost[t, got[t]] for t in work) + price * switches_by_rule(o, got) == pytest.approx(want, abs=1e-6)


# --- the whole pricing against every column --------------------------------------------------
def every_column(unit: Unit, n_q: int) -> list[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]]:
    """Every legal schedule of the agent (at most one shift a day; no other rule binds here)
    with every queue of every worked slot (per shift, in slot order)."""
    by_day: dict[int, list[int]] = {}
    for k, o in enumerate(unit.options):
        by_day.setdefault(o.day, []).append(k)
    out = []
    for combo in itertools.product(*([None, *ks] for ks in by_day.values())):
        opts = tuple(sorted(k for k in combo if k is not None))
        per_shift = [list(itertools.product(range(n_q), repeat=len(list(unit.options[k].working_slots())))) for k in opts]
        out += [(opts, seqs) for seqs in itertools.product(*per_shift)]
    return out


@pytest.mark.parametrize("seed", range(3))
def test_pricing_with_queue_choice_equals_enumeration_of_every_column(tmp_path, seed):
    """Random duals on every master row: the least reduced cost the pricing proves and finds is
    the least over every column of the agent (shifts x queue sequences), enumerated."""
    sc = cross_trained(tmp_path, days=1)
    units = units_of(sc)
    needs = [Need(0, h, h + 1, 30 + 7 * h, queue=q) for h in range(8, 15) for q in ("pre", "post")]
    cls = AgentClass([0], units[0])
    master = build_master(sc, units, [cls], demand(sc, needs))
    assert cls.blocks is not None
    rng = np.random.default_rng(seed)
    duals = rng.normal(0, 3000, master.n_rows)
    duals[cls.conv_row] = 20_000.0  # some columns price out

    def reduced(col) -> float:
        cost, coef = master.schedule_vector(0, col)
        return cost - float(coef.data @ duals[coef.indices]) - duals[cls.conv_row]

    columns = every_column(units[0], 2)
    want = min(reduced(col) for col in columns)
    assert want < -1.0
    got = _price(cls, ClassPricing(sc, units[0], None, 0, 0), duals, 10.0)
    assert got.bound <= want + 1e-6
    assert got.columns and min(reduced(col) for col in got.columns) == pytest.approx(want, abs=0.05)
    assert all(col in columns for col in got.columns)


def test_column_cost_is_the_checkers_wages_and_switch_prices(tmp_path):
    """Each column's cost is what the independent checker charges its rota: the wage and one
    switch price for each change of queue between working slots in a row of one shift."""
    sc = cross_trained(tmp_path, days=1, price=7.5)
    units = units_of(sc)
    cls = AgentClass([0], units[0])
    master = build_master(sc, units, [cls], demand(sc, [Need(0, 8, 15, 40, queue="pre")]))
    rng = np.random.default_rng(3)
    columns = every_column(units[0], 2)
    for i in rng.choice(len(columns), 40, replace=False):
        opts, seqs = columns[i]
        if not opts:
            continue
        o = units[0].options[opts[0]]
        queue_of = dict(zip(o.working_slots(), seqs[0], strict=True))
        acts = {f"{pd.Timestamp(sc.slots[t]):%H:%M}": ("pre", "post")[q] for t, q in queue_of.items()}
        spec = S("A", f"{pd.Timestamp(sc.slots[o.start]):%H:%M}", (o.end - o.start), day=0,
                 brk=False if o.break_start is None else o.break_start - o.start, acts=acts)
        shifts, assignments = make_rota(sc, [spec])
        report = scheduler.check_rota(sc, shifts, assignments)
        assert report.rules_broken == set()
        cost, _ = master.schedule_vector(0, (opts, seqs))
        assert report.figures["queue_change_cost"] == pytest.approx(7.5 * switches_by_rule(o, queue_of))
        assert cost / 100 == pytest.approx(report.figures["wage_cost"] + report.figures["queue_change_cost"], abs=MONEY)


# --- the switch price alone changes the optimum ----------------------------------------------
def test_switch_price_alone_changes_the_optimum_and_the_bound_sees_it(tmp_path):
    """One cross-trained agent, one 5 h shift from 08:00 with its meal hour 10-11 (wage 40).
    Wanted, 50 yuan an hour short: pre-sale 08-09, after-sale 09-10 and 11-13. A switch costs 60.
    Free switches: pre, post | post, post: 40. At 60 a switch: stay on one queue before the
    break (one hour short) and switch at the break for free: 40 + 50 = 90 (switching: 100).
    The engine reaches 90, the checker agrees, and its proven bound is 90 (a bound blind to the
    price proves only 40)."""
    c = contract(shift_spans_hours=[5], start_times=["08:00"], break_minutes=60, break_from_span_hours=5,
                 break_earliest_hours=2, break_latest_hours=2)
    sc = scenario(tmp_path, [agent("A", skills=("pre", "post"))], {"ft": c}, queues=QUEUES[:2],
                  queue_changes_in_shift=True, queue_change_yuan=60)
    needs = [Need(0, 8, 9, 50, queue="pre"), Need(0, 9, 10, 50, queue="post"), Need(0, 11, 13, 50, queue="post")]
    rotas = [judged(scheduler.check_rota(sc, *make_rota(sc, [])), needs, make_rota(sc, [])[1])]
    for seq in itertools.product(("pre", "post"), repeat=4):
        acts = dict(zip(("08:00", "09:00", "11:00", "12:00"), seq, strict=True))
        shifts, assignments = make_rota(sc, [S("A", "08:00", 5, brk=2, acts=acts)])
        rotas.append(judged(scheduler.check_rota(sc, shifts, assignments), needs, assignments))
    legal = [r for r in rotas if not r.rules_broken]
    assert len(legal) == 17
    assert min(r.total() for r in legal) == pytest.approx(90, abs=MONEY)
    assert min(r.total(("queue_changes",)) for r in legal) == pytest.approx(40, abs=MONEY)

    res = solve_rota(sc, demand(sc, needs), time_limit=5, seed=0, workers=1, engine="column_generation", gap_limit=0.0)
    seen = written_and_checked(tmp_path, sc, needs, res, "priced")
    assert seen.rules_broken == set()
    assert seen.total() == pytest.approx(90, abs=MONEY)
    assert res.objective == pytest.approx(90, abs=MONEY)
    assert res.stats["column_generation"]["bound"] == pytest.approx(90, abs=MONEY)
    assert res.lower_bound == pytest.approx(90, abs=MONEY)


# --- the bound on small random instances ------------------------------------------------------
def random_instance(tmp_path, seed: int, price: float):
    """Two cross-trained agents (one also on a third queue), a pre-sale-only one; 4 h and 5 h
    shifts (the 5 h ones with a meal hour) over one day, random wants on every queue."""
    rng = np.random.default_rng(seed)
    c = contract(shift_spans_hours=[4, 5], start_times=["08:00", "10:00", "12:00"], break_minutes=60,
                 break_from_span_hours=5, break_earliest_hours=2, break_latest_hours=3)
    agents = [agent("A", skills=("pre", "post")), agent("B", skills=("pre", "post", "ord")), agent("C", skills=("pre",))]
    sc = scenario(tmp_path / f"{seed}-{price}", agents, {"ft": c}, queues=QUEUES, queue_changes_in_shift=True,
                  queue_change_yuan=price)
    needs = [Need(0, h, h + 1, float(rng.integers(5, 60)), agents=int(rng.integers(1, 3)), queue=q)
             for h in range(8, 17) for q in ("pre", "post", "ord") if rng.random() < 0.7]
    return sc, needs


@pytest.mark.parametrize("seed", range(5))
def test_bound_never_exceeds_the_proven_optimum_with_switches_priced(tmp_path, seed):
    """The per-agent model solved to a proven optimum (gap_limit 0): the column-generation bound
    is at most that optimum, at least the bound that ignores the price (the same instance with
    free switches), and the column-generation engine reaches the optimum."""
    sc, needs = random_instance(tmp_path, seed, 12.0)
    d = demand(sc, needs)
    proven = solve_rota(sc, d, time_limit=10, seed=0, workers=1, engine="aggregate", gap_limit=0.0)
    assert proven.status == "OPTIMAL"
    by_agent = lambda u: (class_key(sc, u.agent, u.available), u.agent.agent_id)  # noqa: E731
    priced = column_generation(sc, units_of(sc), d, by_agent, 5.0)
    assert math.isfinite(priced.bound_fen)
    assert priced.bound_fen / 100 <= proven.objective + MONEY
    free_sc, _ = random_instance(tmp_path, seed, 0.0)
    free = column_generation(free_sc, units_of(free_sc), demand(free_sc, needs), by_agent, 5.0)
    assert priced.bound_fen >= free.bound_fen - 1.0
    res = solve_rota(sc, d, time_limit=10, seed=0, workers=1, engine="column_generation", gap_limit=0.0)
    assert res.objective == pytest.approx(proven.objective, abs=MONEY)
    assert res.lower_bound <= proven.objective + MONEY
    report = scheduler.check_rota(sc, res.shifts, res.assignments)
    assert report.rules_broken == set()


def test_integer_master_rota_with_its_queues_is_what_the_checker_prices(tmp_path):
    """Two identical cross-trained agents (one class, so the master shares each shift's queue
    sequences out among them) and a pre-sale-only one: the integer master's schedules and queues,
    completed in the per-agent model, are a legal rota serving exactly those queues, and the
    checker's cost of it (wages, switches, the shortfall recomputed from its assignments) is the
    integer master's value."""
    from scheduler.rota.model import build
    from scheduler.rota.solve import _complete_schedules, extract

    rng = np.random.default_rng(11)
    c = contract(shift_spans_hours=[4, 5], start_times=["08:00", "10:00", "12:00"], break_minutes=60,
                 break_from_span_hours=5, break_earliest_hours=2, break_latest_hours=3)
    agents = [agent("A", skills=("pre", "post")), agent("B", skills=("pre", "post")), agent("C", skills=("pre",))]
    sc = scenario(tmp_path, agents, {"ft": c}, queues=QUEUES[:2], queue_changes_in_shift=True, queue_change_yuan=9)
    needs = [Need(0, h, h + 1, float(rng.integers(10, 60)), agents=int(rng.integers(1, 3)), queue=q)
             for h in range(8, 17) for q in ("pre", "post")]
    d = demand(sc, needs)
    units = units_of(sc)
    res = column_generation(sc, units, d, lambda u: class_key(sc, u.agent, u.available), 5.0)
    assert res.schedules is not None and set(res.queues) == {0, 1}
    m = build(sc, units, d, aggregated=False)
    done = _complete_schedules(m, res.schedules, res.queues, 0, 1, 5.0)
    shifts, assignments = extract(m, done)
    seen = judged(scheduler.check_rota(sc, shifts, assignments), needs, assignments)
    assert seen.rules_broken == set()
    assert seen.total() == pytest.approx(res.integer_fen / 100, abs=MONEY)
    assert res.bound_fen / 100 <= seen.total() + MONEY
    for i, queue_of in res.queues.items():
        mine = assignments[(assignments.agent_id == agents[i].agent_id) & (assignments.activity != "break")]
        assert sorted(mine.activity) == sorted(queue_of.values())
        assert {pd.Timestamp(sc.slots[t]): q for t, q in queue_of.items()} == dict(
            zip(pd.to_datetime(mine.slot_start), mine.activity, strict=True))


# --- share rows read to every digit, as the per-agent model and the checker read them ---------
def test_bound_keeps_promotion_and_ratio_shares_to_every_digit(tmp_path):
    """At least 66.66 % core at 00-02; core C1, C2 and non-core N, 2 h shifts from 00:00 (wage
    20), three wanted at 50 yuan per agent-hour short. Two core in three (66.67 %) is enough:
    all three work, 60 (enumerated, judged by the checker). A master reading the share as
    667/1000 forbids that and proves more than 60; the bound must not. The same for a pre-sale
    share of 66.66 % on the phase: two pre-sale agent-slots in three are enough."""
    from test_model_rules import at, every_rota, least

    from scheduler.scenario import CoreWindow, Event, Promotion, RatioBound

    shift = {"ft": contract(shift_spans_hours=[2], start_times=["00:00"])}
    core = scenario(tmp_path, [agent("C1", core=True), agent("C2", core=True), agent("N")], shift,
                    promotion=Promotion(midnight_core=[CoreWindow(start=at(0, 0), end=at(0, 2), min_core_share=0.6666)]))
    needs = [Need(0, 0, 2, 50, agents=3)]
    ratio = scenario(tmp_path, [agent("P1", skills=("pre",)), agent("P2", skills=("pre",)), agent("A", skills=("post",))],
                     shift, queues=QUEUES[:2], event=Event(start=at(0, 0), end=at(1, 0)),
                     ratio_bounds={"during": RatioBound(min_presale_share=0.6666)})
    ratio_needs = [Need(0, 0, 2, 50, agents=2, queue="pre"), Need(0, 0, 2, 50, queue="post")]
    for sc, wants in ((core, needs), (ratio, ratio_needs)):
        assert least(every_rota(sc, wants)) == pytest.approx(60, abs=MONEY)
        res = column_generation(sc, units_of(sc), demand(sc, wants), lambda u, sc=sc: class_key(sc, u.agent, u.available), 5.0)
        assert res.bound_fen / 100 <= 60 + MONEY
