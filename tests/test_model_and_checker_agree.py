"""The model and the checker read every built-in scenario the same way.

The model is built from shift options (rota/options.py) over the scenario's views; the checker
re-derives everything from a rota's files. Here each legal option the model could choose becomes
a shift in a rota, and the checker must find it legal and price it as the model does: its paid
hours, overtime and wage. The per-slot readings (availability, night, event phase, days) must
match too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scheduler.checker import check_rota
from scheduler.checker.context import Context
from scheduler.rota import options_of
from scheduler.rota.options import slot_time
from scheduler.scenario import builtin_names, load_scenario
from scheduler.scenario.views import n_days, night_mask, slot_phases

SHIFT_RULES = {"shift_shape", "meal_break", "assignment", "skills", "queue_changes", "availability"}
ROUNDS = 4
"""Rotas per scenario; each takes, for every agent and day, a different one of its options."""


def one_option_a_day(sc, per_agent, round_no: int):
    """A rota of one option per agent and day (the round picks which), with its assignments."""
    shifts, rows, chosen = [], [], []
    for ao in per_agent:
        by_day: dict[int, list] = {}
        for o in ao.options:
            by_day.setdefault(o.day, []).append(o)
        last_end = -1
        for day in sorted(by_day):
            opts = [o for o in by_day[day] if o.start >= last_end]  # shifts of an agent never overlap
            if not opts:
                continue
            o = opts[(round_no * 7919 + ao.index * 31 + day) % len(opts)]
            last_end = o.end
            a = ao.agent
            shifts.append({"agent_id": a.agent_id, "start": slot_time(sc, o.start), "end": slot_time(sc, o.end),
                           "break_start": slot_time(sc, o.break_start) if o.break_start is not None else None,
                           "break_end": slot_time(sc, o.break_end) if o.break_end is not None else None})
            queue = o.queue or a.skills[0]
            for t in range(o.start, o.end):
                on_break = o.break_start is not None and o.break_start <= t < o.break_end
                rows.append({"agent_id": a.agent_id, "slot_start": slot_time(sc, t), "activity": "break" if on_break else queue})
            chosen.append(o)
    return pd.DataFrame(shifts), pd.DataFrame(rows), chosen


@pytest.mark.parametrize("name", builtin_names())
def test_checker_prices_and_allows_every_option_as_the_model_does(name):
    sc = load_scenario(name)
    per_agent = options_of(sc)
    seen = 0
    for round_no in range(ROUNDS):
        shifts, assignments, chosen = one_option_a_day(sc, per_agent, round_no)
        report = check_rota(sc, shifts, assignments)
        bad = [v for v in report.violations if v.rule in SHIFT_RULES or (v.rule == "overtime" and v.time is not None)]
        assert not bad, bad[:5]
        table = report.shifts
        assert np.allclose(table.paid_hours, [o.paid_minutes / 60 for o in chosen])
        assert np.allclose(table.overtime_hours, [o.overtime_minutes / 60 for o in chosen])
        assert np.allclose(table.wage_yuan, [o.wage_fen / 100 for o in chosen], atol=0.005)
        seen += len(chosen)
    assert seen > 0


@pytest.mark.parametrize("name", builtin_names())
def test_checker_reads_the_slots_and_agents_as_the_model_does(name):
    sc = load_scenario(name)
    ctx = Context(sc)
    model_available = np.array([ao.available for ao in options_of(sc)])
    assert np.array_equal(ctx.avail, model_available)
    assert np.array_equal(ctx.night, night_mask(sc))
    assert list(ctx.phase) == list(slot_phases(sc))
    assert ctx.n_days == n_days(sc)
    assert list(ctx.wage) == [sc.wage(a) for a in sc.agents]
