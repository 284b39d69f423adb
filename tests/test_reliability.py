"""Reliability: hostile inputs to every command, interrupted runs, clashing rules, determinism.

test_inputs.py covers the scenario loaders through `validate`; this file carries the same promise
to the other entry points: exit 2 with a message naming file, row, field, what was found and what
is allowed, no traceback and nothing written (CROSS below, one line per case); exit 1 naming the
rule for a rota that breaks one; exit 1 naming the clashing rules in the scenario's words; an
interrupted `plan` leaving its output folder complete or as it was; identical rotas from one worker
and a fixed seed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hostile import append, chain, copy_scenario, encode, lines, replace, set_cell, write

from scheduler.errors import InputError
from scheduler.scenario import load_scenario

Y, H, A = "scenario.yaml", "history.csv", "agents.csv"
SCHEDULER = str(Path(sys.executable).with_name("scheduler"))
NOW = "2026-06-18T03:00:00+08:00"
ACT_HEAD = "slot_start,queue,inquiries\n"
ACTUALS = ACT_HEAD + "2026-06-18T00:00:00+08:00,chat,10\n2026-06-18T01:00:00+08:00,chat,8\n"
MAIL_QUEUE = chain(replace(Y, "economics:", "  - id: mail\n    kind: aftersale\neconomics:"), set_cell(A, 4, "skills", "chat;mail"))


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory) -> Path:
    """A small_shop plan folder (the files of the output contract), written once."""
    from scheduler.pipeline import plan
    from scheduler.report import write_plan

    folder = tmp_path_factory.mktemp("base") / "plan"
    write_plan(plan(load_scenario("small_shop"), time_limit=5, seed=1, workers=1), folder)
    return folder


def tree(folder: Path) -> dict[str, tuple[int, int] | None]:
    """Every path below folder: files with size and mtime, folders as None (a probe may touch their mtime)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


def _edit(file: str, fn: Callable[[str], str]) -> Callable[[Path], None]:
    def m(folder: Path) -> None:
        p = folder / file
        p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8")
    return m


def _row(n: int, fn: Callable[[list[str]], list[str]]) -> Callable[[str], str]:
    """Edit spreadsheet row n (header = 1) of a CSV given as text, cell by cell (no quoted commas here)."""
    def f(text: str) -> str:
        ls = text.splitlines()
        ls[n - 1] = ",".join(fn(ls[n - 1].split(",")))
        return "\n".join(ls) + "\n"
    return f


def _cell(k: int, v: str) -> Callable[[list[str]], list[str]]:
    return lambda cells: cells[:k] + [v] + cells[k + 1:]


# --- the table of hostile inputs across commands ------------------------------------------------
# Each case: (id, setup(tmp) -> command line, file, field, row or None). setup copies what it needs
# into tmp (the working folder of the command) and breaks one thing; rows are spreadsheet rows, for
# scenario.yaml the line.


def scen(mutation=None, *tail: str, cmd: str = "plan", name: str = "small_shop"):
    def setup(tmp: Path, plan: Path) -> list[str]:
        folder = copy_scenario(tmp, name)
        if mutation:
            mutation(folder)
        if cmd == "validate":
            return [cmd, name, *tail]
        extra = ["--time-limit", "2", "--quiet"] if cmd == "plan" else []
        return [cmd, name, "--out", "out", *extra, *tail]
    return setup


def out_at(cmd: str, prepare: Callable[[Path], str]):
    def setup(tmp: Path, plan: Path) -> list[str]:
        copy_scenario(tmp)
        target = prepare(tmp)
        extra = ["--time-limit", "2", "--quiet"] if cmd == "plan" else []
        return [cmd, "small_shop", "--out", target, *extra]
    return setup


def _file(tmp: Path) -> str:
    (tmp / "afile").write_text("not a folder\n")
    return "afile"


def _below_file(tmp: Path) -> str:
    _file(tmp)
    return "afile/plan"


def _unwritable(tmp: Path) -> str:
    if os.geteuid() == 0:  # root writes anywhere a disk allows: use a file system that refuses folders
        return "/proc/scheduler-plan"
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o555)
    return "ro/plan"


def _other_files(tmp: Path) -> str:
    (tmp / "docs").mkdir()
    (tmp / "docs" / "notes.txt").write_text("my notes\n")
    return "docs"


def check(mutation=None, scenario: str = "small_shop", folder: str = "plan"):
    def setup(tmp: Path, plan: Path) -> list[str]:
        shutil.copytree(plan, tmp / "plan")
        if mutation:
            mutation(tmp / "plan")
        return ["check", scenario, folder]
    return setup


def replan(actuals: str | bytes | None = ACTUALS, *opts: str, now: str = NOW, mutation=None, folder: str = "plan"):
    def setup(tmp: Path, plan: Path) -> list[str]:
        shutil.copytree(plan, tmp / "plan")
        if mutation:
            mutation(tmp / "plan")
        if isinstance(actuals, bytes):
            (tmp / "actuals.csv").write_bytes(actuals)
        elif actuals is not None:
            (tmp / "actuals.csv").write_text(actuals, encoding="utf-8")
        return ["replan", folder, "--actuals", "actuals.csv", "--now", now, "--time-limit", "2", *opts]
    return setup


SHIFTS, ASSIGN = "shifts.csv", "assignments.csv"
CROSS = [
    # --- plan / forecast / staff with a bad scenario --------------------------------------------
    ("plan_yaml_0_bytes", scen(write(Y, "")), Y, "(top level)", 1),
    ("forecast_yaml_0_bytes", scen(write(Y, ""), cmd="forecast"), Y, "(top level)", 1),
    ("staff_yaml_0_bytes", scen(write(Y, ""), cmd="staff"), Y, "(top level)", 1),
    ("plan_yaml_python_tag", scen(lambda f: replace(Y, "description: Small", f'description: !!python/object/apply:os.system ["touch {f}/pwned"]\nx: Small')(f)), Y, "(YAML syntax)", 5),
    ("plan_history_header_only", scen(lines(H, lambda ls: ls[:1])), H, "(rows)", None),
    ("forecast_agents_0_bytes", scen(write(A, ""), cmd="forecast"), A, "(file)", None),
    ("staff_agents_gbk", scen(encode(A, "gbk"), cmd="staff"), A, "(encoding)", 2),
    ("plan_agent_skills_match_no_queue", scen(set_cell(A, 2, "skills", "email")), A, "skills", 2),
    ("plan_queue_never_in_history", scen(MAIL_QUEUE), H, "queue", None),
    ("forecast_queue_never_in_history", scen(MAIL_QUEUE, cmd="forecast"), H, "queue", None),
    ("staff_queue_never_in_history", scen(MAIL_QUEUE, cmd="staff"), H, "queue", None),
    ("validate_queue_never_in_history", scen(MAIL_QUEUE, cmd="validate"), H, "queue", None),
    ("plan_history_negative", scen(set_cell(H, 5, "inquiries", "-3")), H, "inquiries", 5),
    ("plan_model_too_large", scen(append(Y, "  max_model_variables: 1000\n"), name="double11"), Y, "solver.max_model_variables", None),
    ("plan_unknown_builtin", lambda tmp, plan: ["plan", "no_such_shop", "--out", "out"], "no_such_shop", "SCENARIO", None),
    ("plan_time_limit_infinite", lambda tmp, plan: ["plan", "small_shop", "--out", "out", "--time-limit", "inf"], "command line", "--time-limit", None),
    ("replan_time_limit_a_year", lambda tmp, plan: [*replan()(tmp, plan), "--time-limit", "31536000"], "command line", "--time-limit", None),
    ("plan_lang_unknown", scen(None, "--lang", "fr"), "command line", "--lang", None),
    # --- output paths ---------------------------------------------------------------------------
    ("plan_out_is_a_file", out_at("plan", _file), "afile", "--out", None),
    ("plan_out_below_a_file", out_at("plan", _below_file), "afile/plan", "--out", None),
    ("plan_out_unwritable", out_at("plan", _unwritable), None, "--out", None),
    ("plan_out_folder_of_other_files", out_at("plan", _other_files), "docs", "--out", None),
    ("plan_out_is_the_scenario_folder", out_at("plan", lambda tmp: "small_shop"), "small_shop", "--out", None),
    ("forecast_out_is_the_current_folder", out_at("forecast", lambda tmp: "."), ".", "--out", None),
    ("forecast_out_is_a_file", out_at("forecast", _file), "afile", "--out", None),
    ("staff_out_folder_of_other_files", out_at("staff", _other_files), "docs", "--out", None),
    # --- check: a missing, garbled or unreadable plan folder ------------------------------------
    ("check_no_such_folder", check(folder="nowhere"), "nowhere", "DIR", None),
    ("check_unknown_scenario", check(scenario="no_such_shop"), "no_such_shop", "SCENARIO", None),
    ("check_shifts_0_bytes", check(write(SHIFTS, "")), SHIFTS, "(file)", None),
    ("check_shifts_unknown_agent", check(_edit(SHIFTS, _row(2, _cell(0, "Z9")))), SHIFTS, "agent_id", 2),
    ("check_shifts_time_without_offset", check(_edit(SHIFTS, _row(2, _cell(4, "2026-06-18T00:00:00")))), SHIFTS, "start", 2),
    ("check_shifts_time_garbled", check(_edit(SHIFTS, _row(3, _cell(5, "noon")))), SHIFTS, "end", 3),
    ("check_shifts_utf16", check(encode(SHIFTS, "utf-16")), SHIFTS, "(encoding)", 1),
    ("check_assignments_missing", check(lambda f: (f / ASSIGN).unlink()), ASSIGN, "(file)", None),
    ("check_assignments_unterminated_quote", check(_edit(ASSIGN, _row(3, _cell(0, '"A1')))), ASSIGN, "(CSV syntax)", None),
    ("check_assignments_unknown_activity", check(_edit(ASSIGN, _row(2, _cell(2, "lunch")))), ASSIGN, "activity", 2),
    ("check_summary_truncated", check(lambda f: (f / "summary.json").write_bytes((f / "summary.json").read_bytes()[:40])), "summary.json", "(JSON syntax)", None),
    # --- replan: bad actuals, --now, --absent, plan folder, --out -------------------------------
    ("replan_now_without_offset", replan(now="2026-06-18T03:00:00"), "command line", "--now", None),
    ("replan_now_garbled", replan(now="yesterday"), "command line", "--now", None),
    ("replan_now_outside_horizon", replan(now="2026-07-18T03:00:00+08:00"), "command line", "--now", None),
    ("replan_absent_unknown_agent", replan(ACTUALS, "--absent", "A1,Z9"), "command line", "--absent", None),
    ("replan_actuals_missing", replan(None), "actuals.csv", "(file)", None),
    ("replan_actuals_0_bytes", replan(""), "actuals.csv", "(file)", None),
    ("replan_actuals_header_only", replan(ACT_HEAD), "actuals.csv", "(rows)", None),
    ("replan_actuals_negative", replan(ACT_HEAD + "2026-06-18T00:00:00+08:00,chat,-4\n"), "actuals.csv", "inquiries", 2),
    ("replan_actuals_nan", replan(ACT_HEAD + "2026-06-18T00:00:00+08:00,chat,1\n2026-06-18T01:00:00+08:00,chat,nan\n"), "actuals.csv", "inquiries", 3),
    ("replan_actuals_unknown_queue", replan(ACT_HEAD + "2026-06-18T00:00:00+08:00,email,4\n"), "actuals.csv", "queue", 2),
    ("replan_actuals_after_now", replan(ACT_HEAD + "2026-06-18T05:00:00+08:00,chat,4\n"), "actuals.csv", "slot_start", 2),
    ("replan_actuals_not_a_slot", replan(ACT_HEAD + "2026-06-18T00:30:00+08:00,chat,4\n"), "actuals.csv", "slot_start", 2),
    ("replan_actuals_gbk", replan((ACT_HEAD + "2026-06-18T00:00:00+08:00,chat,4,客服\n").replace("inquiries", "inquiries,note").encode("gbk")), "actuals.csv", "(encoding)", 2),
    ("replan_not_a_plan_folder", replan(folder="elsewhere"), "elsewhere", "DIR", None),
    ("replan_plan_shifts_unknown_agent", replan(mutation=_edit(SHIFTS, _row(2, _cell(0, "Z9")))), SHIFTS, "agent_id", None),
    ("replan_out_is_the_published_plan", replan(ACTUALS, "--out", "plan"), "plan", "--out", None),
    ("replan_out_is_a_file", lambda tmp, plan: [*replan()(tmp, plan), "--out", _file(tmp)], "afile", "--out", None),
]


def test_cross_table_is_large_enough():
    from test_inputs import CASES

    assert len(CROSS) >= 30 and len(CROSS) + len(CASES) >= 100
    assert len({c[0] for c in CROSS}) == len(CROSS)


@pytest.mark.parametrize(("setup", "file", "field", "row"), [c[1:] for c in CROSS], ids=[c[0] for c in CROSS])
def test_hostile_input_every_command(cli, tmp_path, monkeypatch, small_plan, setup, file, field, row):
    monkeypatch.chdir(tmp_path)
    args = setup(tmp_path, small_plan)
    before = tree(tmp_path)
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert tree(tmp_path) == before  # nothing written, nothing left behind (no temp folders either)
    assert err.startswith("error: bad input (")
    file = file or args[args.index("--out") + 1]
    unit = "line" if file.endswith(".yaml") else "row"
    head = f"{file}, {unit} {row}, field '{field}'" if row else f"field '{field}'"
    hits = [ln for ln in err.splitlines() if ln.startswith(file) and head in ln]
    assert hits, f"no problem line with {head!r} in:\n{err}"
    assert "found " in hits[0] and "; allowed: " in hits[0]


# --- check: a hand-edited rota that breaks a rule is exit 1, naming the rule --------------------


def _overlap(folder: Path) -> None:
    """A second shift for A1 that overlaps the first (and its assignment rows)."""
    sh = pd.read_csv(folder / SHIFTS, dtype=str, keep_default_na=False)
    first = sh[sh.agent_id == "A1"].iloc[0].copy()
    second = first.copy()
    second["start"], second["end"] = "2026-06-18T08:00:00+08:00", "2026-06-18T17:00:00+08:00"
    second["break_start"], second["break_end"] = "2026-06-18T12:00:00+08:00", "2026-06-18T13:00:00+08:00"
    pd.concat([sh, second.to_frame().T]).to_csv(folder / SHIFTS, index=False)


RULE_BREAKS = [
    ("overlapping_shifts", _overlap, "one_shift_per_day"),
    ("start_time_not_allowed", _edit(SHIFTS, lambda t: t.replace("2026-06-18T08:00:00+08:00,2026-06-18T12:00:00+08:00",
                                                                "2026-06-18T09:00:00+08:00,2026-06-18T13:00:00+08:00")), "shift_shape"),
    ("shifts_header_only", lines(SHIFTS, lambda ls: ls[:1]), "assignment"),
    ("break_removed", _edit(ASSIGN, lambda t: t.replace("break", "chat")), "meal_break"),
]


@pytest.mark.parametrize(("mutation", "rule"), [c[1:] for c in RULE_BREAKS], ids=[c[0] for c in RULE_BREAKS])
def test_check_names_the_broken_rule(cli, tmp_path, small_plan, mutation, rule):
    folder = tmp_path / "plan"
    shutil.copytree(small_plan, folder)
    code, _, err = cli("check", "small_shop", folder)
    assert code == 0, err  # the planner's folder keeps every rule
    mutation(folder)
    before = tree(tmp_path)
    code, out, err = cli("check", "small_shop", folder)
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    assert f"[{rule}]" in out
    assert tree(tmp_path) == before


# --- rules that cannot all hold: exit 1 naming them ---------------------------------------------

MIDNIGHT = 'promotion:\n  midnight_core:\n    - start: "2026-06-18T00:00:00+08:00"\n      end: "2026-06-18T02:00:00+08:00"\n      min_core_agents: 3\n'
CORE_AND_ALL_HANDS = (
    'promotion:\n  midnight_core:\n    - start: "2026-06-18T20:00:00+08:00"\n      end: "2026-06-18T22:00:00+08:00"\n'
    '      min_core_share: 1.0\n  evening_all_hands:\n    - start: "2026-06-18T20:00:00+08:00"\n      end: "2026-06-18T22:00:00+08:00"\n'
)


@pytest.mark.parametrize(("extra", "names"), [
    (MIDNIGHT, ["midnight core 06-18 00:00-02:00", "3 core agents"]),  # one core agent in the shop
    (CORE_AND_ALL_HANDS, ["midnight core 06-18 20:00-22:00", "evening all-hands 06-18 20:00-22:00"]),
], ids=["midnight_core_more_than_exist", "all_core_vs_all_hands"])
def test_clashing_rules_are_named(cli, tmp_path, small_plan, extra, names):
    folder = copy_scenario(tmp_path)
    append(Y, extra)(folder)
    load_scenario(folder)  # each rule alone is valid input: the clash is only in the rota
    _earlier_plan(small_plan, tmp_path / "out")  # a failed run leaves an earlier plan folder as it was
    before = tree(tmp_path)
    code, out, err = cli("plan", folder, "--out", tmp_path / "out", "--time-limit", "5", "--quiet")
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    assert err.startswith("error: no rota can keep all the hard rules. These rules clash:\n")
    for name in names:
        assert name in err
    assert "INFEASIBLE" not in err
    assert tree(tmp_path) == before


def test_no_rota_in_time_is_not_called_a_clash(cli, tmp_path):
    code, out, err = cli("plan", "double11", "--out", tmp_path / "out", "--time-limit", "0.1", "--quiet")
    assert code == 1, (out, err)
    assert err.startswith("error: no rota found, and none proven impossible:\n")
    assert "--time-limit" in err and "clash" not in err
    assert not (tmp_path / "out").exists() and not list(tmp_path.iterdir())


# --- interrupted runs ---------------------------------------------------------------------------


class Run:
    """`scheduler plan double11` in a subprocess, its stderr lines time-stamped as they come."""

    def __init__(self, out: Path, *args: str, scenario: str | Path = "double11"):
        env = {**os.environ, "MPLBACKEND": "Agg"}
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([SCHEDULER, "plan", str(scenario), "--out", str(out), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, prefix: str, timeout: float = 120) -> float:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            hit = next((t for t, ln in list(self.lines) if ln.startswith(prefix)), None)
            if hit is not None:
                return hit
            if self.proc.poll() is not None:
                pytest.fail(f"plan ended ({self.proc.returncode}) before {prefix!r}: {self.stderr()}")
            time.sleep(0.05)
        self.proc.kill()
        pytest.fail(f"no {prefix!r} line within {timeout} s: {self.stderr()}")

    def signal(self, sig: int) -> float:
        self.proc.send_signal(sig)
        return time.monotonic()

    def finish(self, timeout: float = 120) -> tuple[int, float]:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"plan did not end within {timeout} s: {self.stderr()}")
        self.reader.join(5)
        return self.proc.returncode, time.monotonic()

    def stderr(self) -> str:
        return "\n".join(ln for _, ln in self.lines)


PLAN_FILES = {"scenario", "forecast.csv", "staffing.csv", "shifts.csv", "assignments.csv", "coverage.csv", "sizing.json",
              "summary.json", "handover.csv", "rota.xlsx", "report.html", "coverage.png", "gantt.png"}


def _searching_double11(tmp_path: Path) -> Path:
    """double11 with solver.gap_limit 0, so its search is still running when the signal comes
    (with the default gap limit it may end on its own within seconds of its first rota)."""
    folder = copy_scenario(tmp_path, "double11")
    append("scenario.yaml", "  gap_limit: 0\n")(folder)
    return folder


def _earlier_plan(small_plan: Path, out: Path) -> dict:
    """An output folder from an earlier run, with a file no plan writes (gone when replaced whole)."""
    shutil.copytree(small_plan, out)
    (out / "from_before.txt").write_text("an earlier run\n")
    return tree(out)


def _complete_or_unchanged(out: Path, code: int, before: dict, cli, scenario: str | Path = "double11") -> str:
    parent = out.parent
    assert not [p.name for p in parent.iterdir() if p.name.startswith(f".{out.name}.")], "a temporary folder was left behind"
    if code == 0:
        names = {p.name for p in out.iterdir()}
        assert PLAN_FILES <= names and "from_before.txt" not in names  # replaced whole
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["interrupted"] is True and summary["status"] in ("FEASIBLE", "OPTIMAL")
        assert summary["solve_seconds"] < 40  # the 60 s search did stop
        c, o, e = cli("check", scenario, out)
        assert c == 0, o + e
        return "complete"
    assert code in (128 + signal.SIGINT, 128 + signal.SIGTERM), code
    assert tree(out) == before  # the earlier folder as it was
    return "unchanged"


def test_sigint_during_solve_writes_best_rota_whole(tmp_path, small_plan, cli):
    out = tmp_path / "plan"
    before = _earlier_plan(small_plan, out)
    scenario = _searching_double11(tmp_path)
    run = Run(out, "--time-limit", "60", "--seed", "1", scenario=scenario)
    run.wait_for("rota:")  # a rota exists: the signal must keep it
    sent = run.signal(signal.SIGINT)
    code, ended = run.finish()
    err = run.stderr()
    assert "Traceback" not in err
    assert code == 0, err
    # the search stops at once; writing the people's files (charts, Excel) takes what it takes
    writing = next((t for t, ln in run.lines if ln.startswith("writing the best rota so far")), None)
    assert writing is not None and writing - sent < 10, err
    assert ended - sent < 90, err
    assert _complete_or_unchanged(out, code, before, cli, scenario) == "complete"


def _wait_for_staging_folder(out: Path, timeout: float = 20.0) -> None:
    """Until the writer's temporary folder beside `out` exists: the writing has begun (a fixed
    sleep after the message raced a fast writer that had already put the folder in place)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(p.name.startswith(f".{out.name}.") and ".old." not in p.name for p in out.parent.iterdir()):
            return
        time.sleep(0.005)
    raise AssertionError(f"no staging folder beside {out} within {timeout:g} s")


def test_sigterm_stops_search_then_sigterm_while_writing_keeps_old_folder(tmp_path, small_plan, cli):
    out = tmp_path / "plan"
    before = _earlier_plan(small_plan, out)
    scenario = _searching_double11(tmp_path)
    run = Run(out, "--time-limit", "60", "--seed", "1", scenario=scenario)
    run.wait_for("rota:")
    sent = run.signal(signal.SIGTERM)
    writing = run.wait_for("writing the best rota so far")
    assert writing - sent < 10, run.stderr()
    _wait_for_staging_folder(out)  # inside the writing of the folder (charts, Excel, report)
    run.signal(signal.SIGTERM)
    code, ended = run.finish()
    assert code == 128 + signal.SIGTERM, run.stderr()
    assert ended - writing < 10, run.stderr()
    assert "Traceback" not in run.stderr()
    assert _complete_or_unchanged(out, code, before, cli, scenario) == "unchanged"


def test_second_signal_quits_without_writing(tmp_path, small_plan, cli):
    out = tmp_path / "plan"
    before = _earlier_plan(small_plan, out)
    scenario = _searching_double11(tmp_path)
    run = Run(out, "--time-limit", "60", "--seed", "1", scenario=scenario)
    run.wait_for("bound:")
    sent = run.signal(signal.SIGINT)
    run.wait_for("SIGINT: stopping the search")
    run.signal(signal.SIGINT)
    code, ended = run.finish()
    assert code == 130, run.stderr()
    assert ended - sent < 10, run.stderr()
    assert "Traceback" not in run.stderr()
    assert _complete_or_unchanged(out, code, before, cli, scenario) == "unchanged"


# --- determinism --------------------------------------------------------------------------------


def _rota_bytes(folder: Path) -> tuple[bytes, bytes]:
    return (folder / SHIFTS).read_bytes(), (folder / ASSIGN).read_bytes()


def test_small_shop_same_seed_one_worker_identical_csvs(cli, tmp_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"p{k}"
        code, _, err = cli("plan", "small_shop", "--out", out, "--seed", "11", "--workers", "1", "--time-limit", "5", "--quiet", "--lang", "en")
        assert code == 0, err
        outs.append(out)
    assert _rota_bytes(outs[0]) == _rota_bytes(outs[1])
    assert (outs[0] / "coverage.csv").read_bytes() == (outs[1] / "coverage.csv").read_bytes()
    s0, s1 = (json.loads((o / "summary.json").read_text()) for o in outs)
    assert s0["seed"] == s1["seed"] == 11 and s0["input_sha256"] == s1["input_sha256"]


def test_double11_same_seed_one_worker_identical_rota(double11):
    from scheduler.pipeline import plan

    a, b = (plan(double11, time_limit=12, seed=5, workers=1) for _ in range(2))
    assert a.summary["status"] in ("OPTIMAL", "FEASIBLE")
    pd.testing.assert_frame_equal(a.rota.shifts, b.rota.shifts)
    pd.testing.assert_frame_equal(a.rota.assignments, b.rota.assignments)


@pytest.mark.parametrize("edit", [
    set_cell(A, 2, "name", "王芳芳"),
    set_cell(H, 9, "inquiries", "7"),
    replace(Y, "hourly_wage_yuan: 30", "hourly_wage_yuan: 31"),
    write("time_off.csv", "agent_id,start,end,reason\nA1,2026-06-18T00:00:00+08:00,2026-06-18T08:00:00+08:00,doctor\n"),
], ids=["agents", "history", "scenario_yaml", "new_time_off"])
def test_input_hash_changes_with_any_input_file(tmp_path, edit):
    folder = copy_scenario(tmp_path)
    before = load_scenario(folder).input_sha256
    edit(folder)
    after = load_scenario(folder).input_sha256
    assert before != after
    shutil.rmtree(folder)
    assert load_scenario(copy_scenario(tmp_path)).input_sha256 == before  # and only then


# --- the Python API answers the same way --------------------------------------------------------


def test_api_replan_and_check_raise_input_error(tmp_path, small_plan):
    from scheduler.checker import check_folder
    from scheduler.replanning import replan as api_replan

    folder = tmp_path / "plan"
    shutil.copytree(small_plan, folder)
    (tmp_path / "a.csv").write_text(ACT_HEAD + "2026-06-18T00:00:00+08:00,chat,-1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        api_replan(folder, tmp_path / "a.csv", NOW)
    [p] = info.value.problems
    assert (p.file, p.row, p.field) == ("a.csv", 2, "inquiries")
    (folder / SHIFTS).write_bytes(b"")
    with pytest.raises(InputError) as info:
        check_folder(folder, "small_shop")
    assert [(p.file, p.field) for p in info.value.problems] == [(SHIFTS, "(file)")]


# --- property tests: random damage to a plan folder or actuals is InputError or a report ---------

from hostile import apply_ops  # noqa: E402
from hypothesis import given  # noqa: E402
from test_inputs import FUZZ, ops  # noqa: E402


@pytest.fixture(scope="module")
def fuzz_plan(small_plan, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz") / "plan"
    shutil.copytree(small_plan, folder)
    return folder, load_scenario("small_shop")


def _fuzz_plan_file(fuzz_plan, name: str, edits: list[tuple]) -> None:
    from scheduler.checker import CheckReport, check_folder

    folder, sc = fuzz_plan
    original = (folder / name).read_bytes()
    try:
        (folder / name).write_bytes(apply_ops(original, edits, csv_like=name.endswith(".csv")))
        try:
            assert isinstance(check_folder(folder, sc), CheckReport)
        except InputError as exc:
            assert exc.problems and all(p.file and p.field and p.allowed for p in exc.problems)
            assert all(p.row is None or p.row >= 1 for p in exc.problems)
            str(exc)
    finally:
        (folder / name).write_bytes(original)


@FUZZ
@given(edits=ops)
def test_fuzz_check_shifts_csv(fuzz_plan, edits):
    _fuzz_plan_file(fuzz_plan, SHIFTS, edits)


@FUZZ
@given(edits=ops)
def test_fuzz_check_assignments_csv(fuzz_plan, edits):
    _fuzz_plan_file(fuzz_plan, ASSIGN, edits)


@FUZZ
@given(edits=ops)
def test_fuzz_check_summary_json(fuzz_plan, edits):
    _fuzz_plan_file(fuzz_plan, "summary.json", edits)


@FUZZ
@given(edits=ops)
def test_fuzz_replan_actuals(fuzz_plan, tmp_path_factory, edits):
    from scheduler.replanning import load_actuals
    from scheduler.scenario import parse_timestamp

    _, sc = fuzz_plan
    path = tmp_path_factory.getbasetemp() / "fuzz_actuals.csv"
    path.write_bytes(apply_ops(ACTUALS.encode(), edits, csv_like=True))
    try:
        load_actuals(path, sc, parse_timestamp(NOW))
    except InputError as exc:
        assert exc.problems and all(p.file and p.field and p.allowed for p in exc.problems)
        str(exc)
