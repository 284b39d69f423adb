"""Curtois benchmark adapter: the instance goes through the product's engine, and every roster is
re-scored here from the roster alone (own penalty and hard-rule code, not the model's variables)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import curtois  # noqa: E402

INSTANCE1 = curtois.DATA / "Instance1.txt"
needs_data = pytest.mark.skipif(not INSTANCE1.exists(), reason=f"Curtois data absent ({curtois.DATA})")


def penalty(inst: curtois.Instance, roster: dict[str, dict[int, str]]) -> int:
    """The benchmark's objective, written out from FORMAT.md."""
    total = 0
    for e, d, s, w in inst.on_requests:
        total += w if roster.get(e, {}).get(d) != s else 0
    for e, d, s, w in inst.off_requests:
        total += w if roster.get(e, {}).get(d) == s else 0
    for d, s, need, under, over in inst.cover:
        n = sum(1 for days in roster.values() if days.get(d) == s)
        total += under * max(0, need - n) + over * max(0, n - need)
    return total


def runs(flags: list[bool], value: bool) -> list[tuple[int, int]]:
    """(start, length) of each maximal run of `value`."""
    out, d = [], 0
    for key, group in itertools.groupby(flags):
        n = len(list(group))
        if key == value:
            out.append((d, n))
        d += n
    return out


def broken(inst: curtois.Instance, roster: dict[str, dict[int, str]]) -> list[str]:
    """Hard rules of FORMAT.md the roster breaks (runs touching the horizon's ends are exempt from minimums)."""
    bad = []
    for st in inst.staff:
        mine = roster.get(st.id, {})
        flags = [d in mine for d in range(inst.days)]
        for d, s in mine.items():
            if d + 1 in mine and mine[d + 1] in inst.shifts[s][1]:
                bad.append(f"{st.id} succession {s}->{mine[d + 1]} on day {d}")
            if d in inst.days_off.get(st.id, set()):
                bad.append(f"{st.id} works day off {d}")
        for s in inst.shifts:
            if sum(v == s for v in mine.values()) > st.max_shifts.get(s, 0):
                bad.append(f"{st.id} too many {s}")
        minutes = sum(inst.shifts[s][0] for s in mine.values())
        if not st.min_minutes <= minutes <= st.max_minutes:
            bad.append(f"{st.id} minutes {minutes}")
        for start, n in runs(flags, True):
            if n > st.max_consecutive or (0 < start and start + n < inst.days and n < st.min_consecutive):
                bad.append(f"{st.id} working run {n} from {start}")
        for start, n in runs(flags, False):
            if 0 < start and start + n < inst.days and n < st.min_days_off:
                bad.append(f"{st.id} off run {n} from {start}")
        if sum(flags[d] or flags[d + 1] for d in range(5, inst.days - 1, 7)) > st.max_weekends:
            bad.append(f"{st.id} weekends")
    return bad


@needs_data
def test_parse_instance1():
    inst = curtois.parse(INSTANCE1)
    assert inst.days == 14 and len(inst.staff) == 8
    assert inst.shifts == {"D": (480, frozenset())}
    assert len(inst.on_requests) == 21 and len(inst.off_requests) == 5 and len(inst.cover) == 14
    a = inst.staff[0]
    assert (a.id, a.max_shifts, a.max_minutes, a.min_minutes, a.max_consecutive, a.min_consecutive, a.min_days_off, a.max_weekends) == (
        "A", {"D": 14}, 4320, 3360, 5, 2, 2, 1)
    assert inst.days_off["A"] == {0} and inst.cover[1] == (1, "D", 7, 100, 1)


@needs_data
def test_instance1_solved_by_the_engine_and_rescored_independently():
    inst = curtois.parse(INSTANCE1)
    out = curtois.solve(inst, time_limit=30)
    assert out.roster, "no roster"
    assert broken(inst, out.roster) == []
    assert penalty(inst, out.roster) == out.objective  # the engine's figure, recomputed from the roster
    assert out.objective == 607  # the proven optimum (best_known.csv)
    assert out.bound <= 607


def tiny() -> curtois.Instance:
    """One week, two employees, early/late shifts where E may not follow L: small enough to enumerate,
    and made so that every roster rule changes the optimum (see test_each_roster_rule_binds)."""
    staff = [
        curtois.Staff("P", {"E": 3, "L": 4}, 4 * 480, 2 * 480, 4, 2, 2, 1),
        curtois.Staff("Q", {"E": 1, "L": 2}, 3 * 480, 480, 3, 2, 1, 0),
    ]
    need = {(0, "E"): (0, 10, 3), (0, "L"): (1, 5, 6), (1, "E"): (1, 5, 1), (1, "L"): (1, 5, 1), (2, "E"): (0, 10, 3),
            (2, "L"): (1, 5, 3), (3, "E"): (1, 10, 3), (3, "L"): (0, 10, 3), (4, "E"): (1, 5, 6), (4, "L"): (1, 5, 3),
            (5, "E"): (0, 5, 6), (5, "L"): (1, 5, 3), (6, "E"): (0, 10, 3), (6, "L"): (1, 10, 3)}
    return curtois.Instance(
        name="tiny", days=7, shifts={"E": (480, frozenset()), "L": (480, frozenset({"E"}))}, staff=staff,
        days_off={"P": {1}},
        on_requests=[("P", 1, "L", 1), ("Q", 6, "L", 1), ("Q", 5, "E", 8), ("P", 3, "E", 3), ("P", 3, "L", 1)],
        off_requests=[("P", 5, "L", 6), ("Q", 4, "E", 4), ("Q", 0, "E", 2)],
        cover=[(d, s, *v) for (d, s), v in need.items()],
    )


def brute_force(inst: curtois.Instance) -> int:
    """Least penalty over every roster that keeps the hard rules (enumerated per employee)."""
    options = [None, *inst.shifts]
    legal: list[list[dict[int, str]]] = []
    for st in inst.staff:
        mine = []
        for combo in itertools.product(options, repeat=inst.days):
            r = {d: s for d, s in enumerate(combo) if s is not None}
            if not [b for b in broken(inst, {st.id: r}) if b.startswith(f"{st.id} ")]:
                mine.append(r)
        legal.append(mine)
    return min(penalty(inst, {st.id: r for st, r in zip(inst.staff, rs, strict=True)}) for rs in itertools.product(*legal))


def test_roster_rules_reach_the_enumerated_optimum():
    """Every roster rule of the engine (successions, type maximums, minutes, runs, weekends, days off,
    requests, under and over cover) together: the engine's optimum equals the enumerated one."""
    inst = tiny()
    out = curtois.solve(inst, time_limit=20)
    assert out.status == "OPTIMAL"
    assert broken(inst, out.roster) == []
    assert penalty(inst, out.roster) == out.objective == brute_force(inst)


def test_evaluate_names_broken_rules():
    """The benchmark's own re-scorer catches a broken rule and prices the roster as this file does."""
    inst = tiny()
    roster = {"P": {0: "L", 1: "E", 3: "E"}, "Q": {1: "L", 2: "L"}}  # L then E, and day 3 is P's day off
    score, bad = curtois.evaluate(inst, roster)
    assert score == penalty(inst, roster)
    assert any("may not follow" in b for b in bad) and any("day off" in b for b in bad)


RULES = ["rule_forbidden_successions", "rule_shift_type_maximum", "rule_total_minutes", "rule_min_consecutive_days",
         "rule_min_consecutive_days_off", "rule_max_weekends", "cost_surplus"]


@pytest.mark.parametrize("rule", RULES)
def test_each_roster_rule_binds(rule, monkeypatch):
    """Without any one roster rule the engine's roster breaks that rule or is priced wrong, so the
    enumerated-optimum test above really checks every rule."""
    from scheduler.rota import roster_rules

    inst = tiny()
    monkeypatch.setattr(roster_rules, rule, lambda *args, **kwargs: None)
    out = curtois.solve(inst, time_limit=10)
    assert broken(inst, out.roster) or penalty(inst, out.roster) != brute_force(inst)
