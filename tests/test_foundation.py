"""Foundation: built-in scenarios load, the template round-trips, the CLI answers with exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scheduler import InputError, load_scenario
from scheduler.scenario import BUILTIN_DIR, builtin_names


@pytest.mark.parametrize("name", ["double11", "small_shop", "weekly", "season"])
def test_builtin_scenarios_validate(cli, name):
    code, out, err = cli("validate", name)
    assert code == 0, err
    assert out.strip().endswith("ok")


def test_double11_shape(double11):
    assert double11.n_slots == 72
    assert [q.id for q in double11.config.queues] == ["presale", "aftersale"]
    contracts = [a.contract for a in double11.agents if not a.candidate]
    assert contracts.count("full_time") == 80 and contracts.count("part_time") == 120
    pools = {p: sum(a.pool == p for a in double11.candidates) for p in double11.config.hiring.pools}
    assert pools == {"students": 20, "morning": 20}
    # at least 8 normal weeks plus last year's event window in the history
    days = double11.history.slot_start.dt.normalize().nunique()
    assert days >= 8 * 7 + 7
    ev = double11.config.past_events[0]
    assert (double11.history.slot_start >= ev.start).any() and (double11.history.slot_start < ev.start).any()


def test_scenarios_lists_builtins(cli):
    code, out, _ = cli("scenarios")
    assert code == 0
    for name in builtin_names():
        assert name in out


def test_init_round_trip(cli, tmp_path):
    target = tmp_path / "myshop"
    code, _, err = cli("init", target)
    assert code == 0, err
    code, out, err = cli("validate", target)
    assert code == 0, err
    # init refuses to overwrite
    code, _, err = cli("init", target)
    assert code == 2 and "non-empty" in err


def test_unknown_scenario_exit_2(cli):
    code, _, err = cli("validate", "no_such_scenario")
    assert code == 2
    assert "SCENARIO" in err and "double11" in err


def test_version(cli):
    code, out, _ = cli("--version")
    assert code == 0 and out.startswith("scheduler ")


def _copy(tmp_path: Path, name: str = "small_shop") -> Path:
    dst = tmp_path / name
    shutil.copytree(BUILTIN_DIR / name, dst)
    return dst


def test_all_errors_of_a_file_at_once(tmp_path):
    folder = _copy(tmp_path)
    lines = (folder / "agents.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("full_time", "fulltime")  # row 2: unknown contract
    lines[3] = lines[3].replace("chat", "chta")  # row 4: unknown queue
    (folder / "agents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    found = {(p.file, p.row, p.field) for p in info.value.problems}
    assert ("agents.csv", 2, "contract") in found
    assert ("agents.csv", 4, "skills") in found
