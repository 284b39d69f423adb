"""Replan mid-event, judged from the written folders and the independent checker.

The published plan is a two-queue variant of small_shop (made once per module, solved in about
a second): pre-sale chat and after-sale, cross-trained full-timers who may extend their shift,
part-timers, one of them a standby agent. Every verdict is read back from the CSVs a replan
writes (shifts, assignments, changes, imbalance) and from `check_folder`, never from the model.
"""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from scheduler.checker import check_folder
from scheduler.scenario import BUILTIN_DIR

NOW = "2026-06-18T12:00:00+08:00"
NOW_TS = pd.Timestamp(NOW)
FROZEN_UNTIL = NOW_TS + pd.Timedelta(hours=1)  # default notice: 1 h


def _make_scenario(folder: Path) -> Path:
    """small_shop with an after-sale queue, longer full-time shifts and two more part-timers."""
    shutil.copytree(BUILTIN_DIR / "small_shop", folder)
    cfg = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    cfg["name"] = "two_queue_shop"
    cfg["queues"].append({"id": "after", "name": "售后 After-sale", "kind": "aftersale", "aht_seconds": 300, "concurrency": 3})
    ft = cfg["contracts"]["full_time"]
    ft.update({"shift_spans_hours": [9, 10, 11], "max_overtime_hours_per_day": 2, "regular_hours_per_day": 8})
    cfg["queue_changes_in_shift"] = True
    cfg["solver"] = {"time_limit_seconds": 10, "workers": 2, "seed": 0}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    hist = pd.read_csv(folder / "history.csv")
    after = hist.assign(queue="after", inquiries=(hist.inquiries * 0.3).round().astype(int))
    pd.concat([hist, after]).to_csv(folder / "history.csv", index=False)
    with (folder / "agents.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["agent_id", "name", "contract", "core", "skills", "availability", "standby"])
        w.writerows([
            ["A1", "王芳", "full_time", "true", "chat;after", "", "false"],
            ["A2", "李娜", "full_time", "false", "chat;after", "", "false"],
            ["A3", "赵磊", "full_time", "false", "chat;after", "", "false"],
            ["B1", "张敏", "part_time", "false", "chat", "08:00-24:00", "false"],
            ["B2", "刘静", "part_time", "false", "chat", "12:00-24:00", "false"],
            ["B3", "陈晨", "part_time", "false", "chat;after", "08:00-24:00", "false"],
            ["S1", "孙悦", "part_time", "false", "chat", "08:00-24:00", "true"],
        ])
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The published plan folder, planned once for the module."""
    from typer.testing import CliRunner

    from scheduler.cli import app

    base = tmp_path_factory.mktemp("replan")
    scen = _make_scenario(base / "shop")
    out = base / "plan"
    res = CliRunner().invoke(app, ["plan", str(scen), "--out", str(out), "--time-limit", "10"], catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    return out


def _forecast(folder: Path) -> pd.DataFrame:
    fc = pd.read_csv(folder / "forecast.csv")
    fc["t"] = pd.to_datetime(fc.slot_start)
    return fc


def _actuals(folder: Path, path: Path, scale: dict[str, float] | None = None) -> Path:
    """Actuals before NOW: the forecast's median rounded to whole inquiries, times `scale` per queue."""
    fc = _forecast(folder)
    fc = fc[fc.t < NOW_TS]
    inq = [int(round(p * (scale or {}).get(q, 1.0))) for p, q in zip(fc.p50, fc.queue, strict=True)]
    pd.DataFrame({"slot_start": fc.slot_start, "queue": fc.queue, "inquiries": inq}).to_csv(path, index=False)
    return path


def _read(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    sh = pd.read_csv(folder / "shifts.csv", dtype={"agent_id": str})
    asg = pd.read_csv(folder / "assignments.csv", dtype={"agent_id": str})
    for df, cols in ((sh, ["start", "end"]), (asg, ["slot_start"])):
        for c in cols:
            df[c] = pd.to_datetime(df[c])
    return sh, asg


def _rows(df: pd.DataFrame, cols: list[str]) -> set[tuple]:
    return set(df[cols].itertuples(index=False, name=None))


def _replan(cli, published: Path, out: Path, actuals: Path, *extra: str) -> str:
    code, stdout, stderr = cli("replan", published, "--actuals", actuals, "--now", NOW, "--out", out, *extra)
    assert code == 0, stderr
    return stdout


def _changes(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "changes.csv", dtype={"agent_id": str}).fillna("")


@pytest.mark.parametrize("scale", [1.0, 1.02], ids=["equal", "within-noise"])
def test_actuals_as_forecast_change_nothing(cli, published, tmp_path, scale):
    out = tmp_path / "new"
    stdout = _replan(cli, published, out, _actuals(published, tmp_path / "a.csv", {"chat": scale, "after": scale}))
    assert len(_changes(out)) == 0
    assert "none" in stdout.splitlines()[-2]  # the supervisor's list says so
    old_s, old_a = _read(published)
    new_s, new_a = _read(out)
    assert _rows(new_s, ["agent_id", "start", "end"]) == _rows(old_s, ["agent_id", "start", "end"])
    assert _rows(new_a, ["agent_id", "slot_start", "activity"]) == _rows(old_a, ["agent_id", "slot_start", "activity"])
    report = check_folder(out)
    assert report.ok, [str(v) for v in report.violations]


@pytest.fixture(scope="module")
def surge(published, tmp_path_factory) -> Path:
    """Pre-sale chat running 60 % over the forecast all morning."""
    from typer.testing import CliRunner

    from scheduler.cli import app

    base = tmp_path_factory.mktemp("surge")
    act = _actuals(published, base / "actuals.csv", {"chat": 1.6})
    out = base / "new"
    res = CliRunner().invoke(app, ["replan", str(published), "--actuals", str(act), "--now", NOW, "--out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    return out


def test_surge_adds_coverage_where_needed_with_few_changes(published, surge):
    imb = pd.read_csv(surge / "imbalance.csv")
    chat = imb[imb.queue == "chat"]
    assert (chat.new_forecast > chat.planned_forecast).all()
    assert (chat.gap_agents > 0).any()
    old_s, old_a = _read(published)
    new_s, new_a = _read(surge)
    future = lambda a: a[(a.slot_start >= FROZEN_UNTIL) & (a.activity == "chat")].groupby("slot_start").size()  # noqa: E731
    gained = future(new_a).sub(future(old_a), fill_value=0)
    assert gained.sum() > 0 and (gained >= 0).all()  # more chat cover, and nowhere less
    changes = _changes(surge)
    assert 1 <= len(changes) <= 4  # 7 agents: a few targeted changes, not a new rota
    assert (changes.price_yuan > 0).all()
    # the checker, under the new forecast, finds fewer lost inquiries than the unchanged rota
    unchanged = check_folder(published, surge / "scenario")
    from scheduler.checker import check_rota
    from scheduler.scenario import load_scenario

    sc = load_scenario(surge / "scenario")
    fc = pd.read_csv(surge / "forecast.csv")
    before = check_rota(sc, pd.read_csv(published / "shifts.csv"), pd.read_csv(published / "assignments.csv"), fc)
    after = check_folder(surge)
    assert after.ok, [str(v) for v in after.violations]
    assert unchanged.ok
    saved = before.figures["objective"] - after.figures["objective"]
    assert saved > sum(changes.price_yuan)  # the changes pay for themselves


def test_past_and_notice_window_stay_as_published(published, surge):
    old_s, old_a = _read(published)
    new_s, new_a = _read(surge)
    frozen = lambda a: _rows(a[a.slot_start < FROZEN_UNTIL], ["agent_id", "slot_start", "activity"])  # noqa: E731
    assert frozen(new_a) == frozen(old_a)
    started = old_s[old_s.start < FROZEN_UNTIL]
    for r in started.itertuples():
        mine = new_s[(new_s.agent_id == r.agent_id) & (new_s.start == r.start)]
        assert len(mine) == 1 and mine.end.iloc[0] >= r.end


def test_drop_in_load_keeps_started_shifts(cli, published, tmp_path):
    out = tmp_path / "new"
    _replan(cli, published, out, _actuals(published, tmp_path / "a.csv", {"chat": 0.5, "after": 0.5}))
    old_s, _ = _read(published)
    new_s, new_a = _read(out)
    started = old_s[old_s.start < NOW_TS]
    assert len(started)
    for r in started.itertuples():
        mine = new_s[(new_s.agent_id == r.agent_id) & (new_s.start == r.start)]
        assert len(mine) == 1 and mine.end.iloc[0] >= r.end, f"{r.agent_id}'s started shift was cut"
    assert "cancelled" not in " ".join(_changes(out).change)
    assert check_folder(out).ok


def test_absent_agent_is_covered_or_the_loss_reported(cli, published, tmp_path):
    old_s, old_a = _read(published)
    later = old_s[old_s.start >= FROZEN_UNTIL]
    assert len(later), "the published plan should have a shift after the notice window"
    gone = later.sort_values("paid_hours").agent_id.iloc[-1]
    out = tmp_path / "new"
    stdout = _replan(cli, published, out, _actuals(published, tmp_path / "a.csv"), "--absent", gone)
    new_s, new_a = _read(out)
    assert new_a[(new_a.agent_id == gone) & (new_a.slot_start >= NOW_TS)].empty
    ch = _changes(out).set_index("agent_id")
    assert ch.loc[gone, "change"] == "absent" and f"{gone} " in stdout
    report = check_folder(out)  # their time off is in the plan's scenario copy: no all-hands breach
    assert report.ok, [str(v) for v in report.violations]
    # the absent agent's future slots: filled by someone else, or the loss is stated
    theirs = old_a[(old_a.agent_id == gone) & (old_a.activity != "break") & (old_a.slot_start >= FROZEN_UNTIL)]
    imb = pd.read_csv(out / "imbalance.csv")
    imb["t"] = pd.to_datetime(imb.slot_start)
    assert len(theirs)
    filled = 0
    for r in theirs.itertuples():
        others_old = ((old_a.slot_start == r.slot_start) & (old_a.activity == r.activity) & (old_a.agent_id != gone)).sum()
        others_new = ((new_a.slot_start == r.slot_start) & (new_a.activity == r.activity)).sum()
        row = imb[(imb.t == r.slot_start) & (imb.queue == r.activity)]
        reported = float(row.lost_if_unchanged.iloc[0]) > 0 and int(row.scheduled.iloc[0]) == others_old
        assert others_new > others_old or reported, f"{r.slot_start} {r.activity}: neither filled nor reported"
        filled += others_new > others_old
    assert filled >= 1, "a gap this size on a 7-agent team is worth a change"


def test_agent_leaving_mid_shift_keeps_the_hours_worked(cli, published, tmp_path):
    old_s, _ = _read(published)
    on = old_s[(old_s.start < NOW_TS) & (old_s.end > FROZEN_UNTIL)]
    assert len(on), "someone should be on shift at noon"
    who = on.agent_id.iloc[0]
    out = tmp_path / "new"
    _replan(cli, published, out, _actuals(published, tmp_path / "a.csv"), "--absent", who)
    new_s, new_a = _read(out)
    cut = new_s[new_s.agent_id == who]
    assert (cut.end <= NOW_TS).all() and len(cut) == len(old_s[(old_s.agent_id == who) & (old_s.start < NOW_TS)])
    worked = new_a[(new_a.agent_id == who) & (new_a.activity != "break")]
    assert math.isclose(cut.paid_hours.sum(), len(worked) * 1.0)  # hourly slots
    report = check_folder(out)
    # a shift cut short is the one thing the rules cannot bless: only its shape (and break) is flagged
    assert {v.rule for v in report.violations} <= {"shift_shape", "meal_break"}
    assert {v.agent_id for v in report.violations} <= {who}
    assert not [v for v in report.violations if v.rule == "figures"]


def _bad(tmp_path: Path, rows: list[list[str]]) -> Path:
    p = tmp_path / "actuals.csv"
    with p.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["slot_start", "queue", "inquiries"])
        w.writerows(rows)
    return p


@pytest.mark.parametrize(
    ("rows", "expect"),
    [
        ([["2026-06-18T09:00:00+08:00", "chat", "40"], ["2026-06-18T10:00:00+08:00", "refunds", "5"]], "actuals.csv, row 3, field 'queue'"),
        ([["2026-06-18T09:00:00+08:00", "chat", "40"], ["2026-06-18T13:00:00+08:00", "chat", "5"]], "actuals.csv, row 3, field 'slot_start'"),
        ([["2026-06-18T09:00:00+08:00", "chat", "-3"]], "actuals.csv, row 2, field 'inquiries'"),
    ],
    ids=["unknown-queue", "after-now", "negative"],
)
def test_bad_actuals_exit_2_naming_file_row_field(cli, published, tmp_path, rows, expect):
    code, _, stderr = cli("replan", published, "--actuals", _bad(tmp_path, rows), "--now", NOW, "--out", tmp_path / "new")
    assert code == 2
    assert expect in stderr
    assert "Traceback" not in stderr and not (tmp_path / "new").exists()


def test_missing_actuals_file_exit_2(cli, published, tmp_path):
    code, _, stderr = cli("replan", published, "--actuals", tmp_path / "nope.csv", "--now", NOW, "--out", tmp_path / "new")
    assert code == 2 and "nope.csv" in stderr
