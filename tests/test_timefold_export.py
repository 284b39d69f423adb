"""The Timefold peer's instance export (benchmarks/timefold_peer.py), without Timefold or Java:
the exported money, restated from the JSON alone, equals the independent checker's objective on a
rota read back through the same path Timefold's answer takes."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from scheduler.checker import check_rota

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _peer():
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if "timefold_peer" in sys.modules:
        return sys.modules["timefold_peer"]
    spec = importlib.util.spec_from_file_location("timefold_peer", BENCH / "timefold_peer.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["timefold_peer"] = mod
    spec.loader.exec_module(mod)
    return mod


def random_choices(inst: dict, seed: int) -> list[list]:
    """Per agent and day at most one shift, each next start at least the rest after the last end,
    queues at random: the kind of answer the model returns (rules between agents may break)."""
    rng = random.Random(seed)
    out = []
    for ai, a in enumerate(inst["agents"]):
        opts = inst["option_classes"][a["option_class"]]
        last_end = -10**9
        for d in range(inst["n_days"]):
            ok = [k for k, o in enumerate(opts) if o[0] == d and o[1] >= last_end + a["rest_slots"]]
            if not ok or rng.random() < 0.3:
                continue
            k = rng.choice(ok)
            last_end = opts[k][2]
            n = len(a["skills"])
            out.append([ai, k, rng.randrange(n), rng.randrange(n)])
    return out


@pytest.mark.parametrize("name", ["small_shop", "weekly", "double11"])
def test_exported_money_is_the_checkers_objective(name):
    peer = _peer()
    sc, fc, demand = peer.prepare(name)
    books = peer.options_of(sc)
    inst = json.loads(json.dumps(peer.export_instance(sc, demand, books, 10.0, 0)))  # what the subprocess reads
    assert sum(len(inst["option_classes"][a["option_class"]]) for a in inst["agents"]) == sum(len(b.options) for b in books)
    for seed in (0, 1):
        choices = random_choices(inst, seed)
        assert choices
        shifts, assignments = peer.rota_tables(sc, books, {"shifts": choices})
        rep = check_rota(sc, shifts, assignments, fc)
        assert rep.figures["queue_change_cost"] == 0  # a queue change only at the meal break: free
        ours = peer.instance_cost_fen(inst, choices) / 100
        theirs = float(rep.figures["objective"])
        assert abs(ours - theirs) <= max(1.0, 0.001 * theirs), (name, seed, ours, theirs)


def test_all_hands_and_promotion_slots_are_exported_as_the_scenario_states_them():
    peer = _peer()
    sc, _, demand = peer.prepare("double11")
    books = peer.options_of(sc)
    inst = peer.export_instance(sc, demand, books, 10.0, 0)
    (evening,) = sc.config.promotion.evening_all_hands
    window = list(sc.window_slots(evening.start, evening.end))
    for a, b in zip(inst["agents"], books, strict=True):
        expected = [] if b.agent.standby else [t for t in window if b.available[t]]
        assert a["all_hands"] == expected
    (mid,) = inst["midnight_core"]
    assert mid["share"] == [3, 5] and mid["min_agents"] == 10 and len(mid["slots"]) == 2
    phases = [t for r in inst["ratio"] for t in r["slots"]]
    assert sorted(phases) == list(range(sc.n_slots))  # before, during and after cover the horizon once


def test_a_scenario_with_day_roster_rules_is_refused(tmp_path):
    """The Timefold model has no day-roster rules: exporting such a scenario must fail, not drop them."""
    from rota_fixtures import roster_scenario

    from scheduler.rota import Demand

    peer = _peer()
    sc = roster_scenario(tmp_path, {"max_shifts": {"late": 3}}, days=3)
    with pytest.raises(ValueError, match="day-roster rules"):
        peer.export_instance(sc, Demand(loss_fen={}), peer.options_of(sc), 10.0, 0)
    plain = roster_scenario(tmp_path / "plain", None, days=3, name="plain")
    assert peer.export_instance(plain, Demand(loss_fen={}), peer.options_of(plain), 10.0, 0)["agents"]
