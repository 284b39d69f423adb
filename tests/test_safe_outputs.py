"""Safe outputs (issue 17): text from input never comes alive in a written file (policy in
scheduler/cells.py); inputs stay inside the scenario folder and within size; leftovers of killed
runs are removed, nothing else.

Agent names, time-off reasons, the scenario's and the queue's names are drawn from formula
starts, markup, quotes, newlines, CJK and emoji; each example is a whole `scheduler plan` of
small_shop, judged from the written files alone: no xlsx cell is a formula or an error value, no
CSV text cell begins with a character Excel would run, report.html holds no tag or attribute from
input, the checker's reader gives back every name exactly, and `scheduler check` passes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hostile import SMALL_TIME_OFF, copy_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from scheduler.cells import FORMULA_STARTS, neutralise, unneutralise, unneutralise_frame, xlsx_text

STARTS = ["=", "+", "-", "@", "\t", "\r", "'", "'=", "''+", "＝", ""]
PAYLOADS = [
    'HYPERLINK("http://example.invalid/?x="&A1,"click")', "cmd|' /C calc'!A0", "SUM(1+1)*cmd|' /C calc'!A0",
    "1+1", "-2", "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "</td></tr></table>",
    '"quoted", with a comma', "it's", "line1\nline2", "cr\r\nlf", "王芳", "售前 客服", "😀👩‍💻", "#N/A", "#DIV/0!",
    r"$\frac{1}{0}$", "$x$", "a;=b", "&amp;", "\x01ctl",
]
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
PIECE = st.one_of(st.sampled_from(PAYLOADS), st.text(TEXT, max_size=6))
HOSTILE = st.builds(lambda pre, parts: pre + "".join(parts), st.sampled_from(STARTS), st.lists(PIECE, min_size=1, max_size=3))
# scenario.yaml text: YAML refuses some non-printable characters outright (exit 2), so printable only
YAML_TEXT = st.builds(lambda pre, s: pre + s, st.sampled_from(["=", "+", "@", "-x", "<b>", ""]),
                      st.sampled_from(["HYPERLINK(\"http://x.invalid\")", "<script>alert(1)</script>", "店 😀", "$\\alpha$"]))


# ------------------------------------------------------------------ the neutralise pair
@given(st.text(TEXT))
@settings(max_examples=500)
def test_neutralise_round_trips_and_is_inert(text):
    cell = neutralise(text)
    assert unneutralise(cell) == text
    assert not cell.startswith(FORMULA_STARTS)
    assert cell == text or cell == "'" + text


@given(st.text(TEXT))
@settings(max_examples=300)
def test_harmless_text_is_left_as_typed(text):
    if not text.lstrip("'").startswith(FORMULA_STARTS):
        assert neutralise(text) == text
        assert unneutralise(text) == text


def test_neutralise_examples():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("'=x") == "''=x"  # typed with a quote: comes back with it
    assert unneutralise("''=x") == "'=x"
    assert neutralise("'Neil") == "'Neil" and unneutralise("'Neil") == "'Neil"
    assert neutralise("王芳") == "王芳"


def test_xlsx_text_drops_what_xml_cannot_hold():
    assert xlsx_text("a\x01b\x1fc") == "a\ufffdb\ufffdc"
    assert xlsx_text("tab\tnew\nline") == "tab\tnew\nline"
    assert len(xlsx_text("x" * 40000)) == 32767


@given(st.lists(st.text(TEXT), min_size=1, max_size=20))
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_csv_writer_and_checker_reader_round_trip(tmp_path, texts):
    from scheduler.checker.tables import read_csv
    from scheduler.report.files import write_csv

    path = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"agent_id": [f"A{i}" for i in range(len(texts))], "agent_name": texts}), path)
    for rec in csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
        assert not any(c.startswith(FORMULA_STARTS) for c in rec)
    problems: list = []
    back = read_csv(path, problems)
    assert not problems
    assert list(back.agent_name) == texts


def test_replan_reader_undoes_the_quote(tmp_path, small_shop):
    from scheduler.replanning import read_plan_csv
    from scheduler.report.files import write_csv

    names = ["=cmd|' /C calc'!A0", "@SUM(A1)", "'=x", "王芳", "+1"]
    path = tmp_path / "shifts.csv"
    write_csv(pd.DataFrame({"agent_id": ["A1", "A2", "B1", "B2", "A1"], "agent_name": names}), path)
    assert list(read_plan_csv(path, small_shop, ["agent_id", "agent_name"], []).agent_name) == names


def test_unneutralise_frame_leaves_numbers_alone():
    df = pd.DataFrame({"x": ["'=a", "b", None], "n": [1.0, -2.0, 3.0]})
    out = unneutralise_frame(df)
    assert list(out.x[:2]) == ["=a", "b"] and out.x.isna().iloc[2]
    assert list(out.n) == [1.0, -2.0, 3.0]


# ------------------------------------------------------------------ whole plans with hostile text
def _hostile_scenario(base: Path, names: list[str], reasons: list[str], title: str, queue_name: str) -> Path:
    folder = copy_scenario(base)
    rows = list(csv.reader(io.StringIO((folder / "agents.csv").read_text(encoding="utf-8"))))
    for r, name in zip(rows[1:], names, strict=False):
        r[1] = name
    with (folder / "agents.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    off = list(csv.reader(io.StringIO(SMALL_TIME_OFF)))
    for r, why in zip(off[1:], reasons, strict=False):
        r[3] = why
    with (folder / "time_off.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(off)
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    text = text.replace("name: small_shop", f"name: {json.dumps(title, ensure_ascii=False)}", 1)
    text = text.replace("name: 客服 Chat", f"name: {json.dumps(queue_name, ensure_ascii=False)}", 1)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    return folder


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(a for a, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "br", "small",
                 "div", "span", "b", "table", "thead", "tbody", "tr", "th", "td", "img", "ul", "li"}
TEMPLATE_ATTRS = {"lang", "charset", "name", "content", "class", "style", "alt", "src"}
LIVE = re.compile(r"^[=+\-@\t\r]")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _xml_lines(text: str) -> str:
    """XML and HTML read a line break in a cell back as '\n' (its end-of-line rule), whatever it was written as."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _assert_inert(folder: Path, scenario_folder: Path) -> None:
    from scheduler import load_scenario
    from scheduler.checker.tables import read_csv

    sc = load_scenario(scenario_folder)
    names = [a.name for a in sc.agents]
    # every CSV of the plan folder (scenario/ is the input copied byte for byte, not ours)
    csvs = sorted(folder.glob("*.csv"))
    assert {"shifts.csv", "assignments.csv", "coverage.csv", "handover.csv"} <= {p.name for p in csvs}
    for p in csvs:
        for rec in csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")):
            live = [c for c in rec if LIVE.match(c) and not _is_number(c)]
            assert not live, (p.name, live)
    problems: list = []
    shifts = read_csv(folder / "shifts.csv", problems)
    assert not problems
    by_id = {a.agent_id: a.name for a in sc.agents}
    assert all(by_id[a] == n for a, n in zip(shifts.agent_id, shifts.agent_name, strict=True))
    handover = read_csv(folder / "handover.csv", problems)
    for col in ("from_name", "to_name"):
        assert set(handover[col]) - {""} <= set(names)
    # rota.xlsx: text cells are strings, never formulas or error values
    wb = load_workbook(folder / "rota.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type not in ("f", "e"), (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    seen.add(c.value)
    assert {_xml_lines(xlsx_text(n)) for n in names} <= {_xml_lines(v) for v in seen}
    # report.html: only the template's own tags and attributes; input text shows as text
    page = (folder / "report.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert parser.tags <= TEMPLATE_TAGS, parser.tags - TEMPLATE_TAGS
    assert parser.attrs <= TEMPLATE_ATTRS, parser.attrs - TEMPLATE_ATTRS
    shown = _xml_lines("".join(parser.text))  # HTML, too, reads any line break as '\n'
    for n in names:
        if n.strip():
            assert _xml_lines(n.strip()).split("\n")[0] in shown


@given(names=st.lists(HOSTILE, min_size=4, max_size=4), reasons=st.lists(HOSTILE, min_size=2, max_size=2),
       title=YAML_TEXT, queue_name=YAML_TEXT)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_plan_with_hostile_text_writes_nothing_live(cli, tmp_path_factory, names, reasons, title, queue_name):
    base = tmp_path_factory.mktemp("hostile")
    scen = _hostile_scenario(base, names, reasons, title, queue_name)
    out = base / "plan"
    code, _, stderr = cli("plan", scen, "--out", out, "--time-limit", "3", "--workers", "1")
    assert code == 0, stderr
    _assert_inert(out, scen)
    code, stdout, stderr = cli("check", scen, out)
    assert code == 0, stdout + stderr


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory):
    from typer.testing import CliRunner

    from scheduler.cli import app

    base = tmp_path_factory.mktemp("hostile_fixed")
    names = ['=HYPERLINK("http://example.invalid/?x="&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0",
             "+<script>alert(1)</script>", "-'王芳\n😀"]
    scen = _hostile_scenario(base, names, ["=1+1", "<b>exam</b>"], "=店 <script>x</script>", "@客服 $\\alpha$")
    out = base / "plan"
    res = CliRunner().invoke(app, ["plan", str(scen), "--out", str(out), "--time-limit", "5", "--workers", "1"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    return scen, out


def test_fixed_hostile_plan_is_inert_and_checks(cli, hostile_plan):
    scen, out = hostile_plan
    _assert_inert(out, scen)
    text = (out / "shifts.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text or "=HYPERLINK" not in text  # whenever the name is in a shift, it is quoted
    code, stdout, stderr = cli("check", scen, out)
    assert code == 0, stdout + stderr


def test_replan_reads_hostile_plan_back_and_writes_inert_changes(cli, hostile_plan, tmp_path):
    """The replan reads the published CSVs (quotes undone) and writes changes.csv under the same policy."""
    scen, published = hostile_plan
    fc = pd.read_csv(published / "forecast.csv")
    fc = fc[pd.to_datetime(fc.slot_start) < pd.Timestamp("2026-06-18T12:00:00+08:00")]
    actuals = tmp_path / "actuals.csv"
    pd.DataFrame({"slot_start": fc.slot_start, "queue": fc.queue, "inquiries": (fc.p50 * 1.5).round().astype(int)}).to_csv(actuals, index=False)
    shifts = pd.read_csv(published / "shifts.csv", dtype=str)
    gone = shifts.agent_id.iloc[-1]
    out = tmp_path / "replan"
    code, stdout, stderr = cli("replan", published, "--actuals", actuals, "--now", "2026-06-18T12:00:00+08:00",
                               "--out", out, "--absent", gone)
    assert code == 0, stderr
    _assert_inert(out, scen)
    from scheduler.checker.tables import read_csv

    problems: list = []
    changes = read_csv(out / "changes.csv", problems)
    from scheduler import load_scenario

    by_id = {a.agent_id: a.name for a in load_scenario(scen).agents}
    assert len(changes) and all(by_id[a] == n for a, n in zip(changes.agent_id, changes.agent_name, strict=True))
    code, stdout, stderr = cli("check", scen, out)
    assert code == 0, stdout + stderr


def test_charts_draw_dollar_names_as_typed(hostile_plan):
    """'$\\alpha$' in a queue name would be mathtext (and bad TeX an exception): drawn as typed instead."""
    _, out = hostile_plan
    assert (out / "gantt.png").stat().st_size > 1000 and (out / "coverage.png").stat().st_size > 1000


# ------------------------------------------------------------------ input paths, sizes, identifiers
def _exit2(cli, *args: str) -> str:
    code, stdout, stderr = cli(*args)
    assert code == 2, (code, stdout, stderr)
    return stderr


@pytest.mark.parametrize("link_to", ["file", "folder"])
def test_input_linked_from_outside_the_folder_is_refused(cli, tmp_path, link_to):
    scen = copy_scenario(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (scen / "history.csv").rename(outside / "history.csv")
    if link_to == "file":
        (scen / "history.csv").symlink_to(outside / "history.csv")
    else:
        (scen / "data").symlink_to(outside, target_is_directory=True)
        text = (scen / "scenario.yaml").read_text(encoding="utf-8")
        (scen / "scenario.yaml").write_text(text + "files:\n  history: data/history.csv\n", encoding="utf-8")
    err = _exit2(cli, "validate", scen)
    assert "history.csv, field '(file)'" in err and "outside the scenario folder" in err


def test_link_inside_the_folder_is_followed(cli, tmp_path):
    scen = copy_scenario(tmp_path)
    (scen / "history.csv").rename(scen / "history_2026.csv")
    (scen / "history.csv").symlink_to("history_2026.csv")
    code, _, stderr = cli("validate", scen)
    assert code == 0, stderr


def test_scenario_yaml_linked_from_outside_is_refused(cli, tmp_path):
    scen = copy_scenario(tmp_path)
    (scen / "scenario.yaml").rename(tmp_path / "scenario.yaml")
    (scen / "scenario.yaml").symlink_to(tmp_path / "scenario.yaml")
    assert "scenario.yaml, field '(file)'" in _exit2(cli, "validate", scen)


@pytest.mark.parametrize("name", ["../history.csv", "/etc/hostname"])
def test_file_setting_naming_another_folder_is_refused(cli, tmp_path, name):
    scen = copy_scenario(tmp_path)
    text = (scen / "scenario.yaml").read_text(encoding="utf-8")
    (scen / "scenario.yaml").write_text(text + f"files:\n  history: {name}\n", encoding="utf-8")
    assert "files.history" in _exit2(cli, "validate", scen)


def test_plan_folder_never_copies_a_linked_outside_file(tmp_path):
    from scheduler.report.files import copy_scenario as keep

    scen = copy_scenario(tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text("not for the plan folder", encoding="utf-8")
    (scen / "notes.md").symlink_to(secret)
    keep(scen, tmp_path / "copy")
    assert not (tmp_path / "copy" / "notes.md").exists()
    assert (tmp_path / "copy" / "agents.csv").read_bytes() == (scen / "agents.csv").read_bytes()


def test_table_beyond_its_row_limit_is_refused_before_it_is_loaded(cli, tmp_path, monkeypatch):
    from scheduler.scenario import loaders

    scen = copy_scenario(tmp_path)
    n = sum(1 for _ in (scen / "history.csv").open(encoding="utf-8")) - 1
    monkeypatch.setattr(loaders, "MAX_ROWS", n - 1)
    err = _exit2(cli, "validate", scen)
    assert f"history.csv, field '(rows)': found more than {n - 1:,} rows" in err
    monkeypatch.setattr(loaders, "MAX_ROWS", n)
    monkeypatch.setattr(loaders, "MAX_AGENTS", 3)
    err = _exit2(cli, "validate", scen)
    assert "agents.csv, field '(rows)': found more than 3 rows" in err and "history.csv" not in err


@pytest.mark.parametrize(("file", "old", "new", "expect"), [
    ("agents.csv", "A1,", "-A1,", "agents.csv, row 2, field 'agent_id'"),
    ("scenario.yaml", "  - id: chat", "  - id: -chat", "field 'queues.0.id'"),
    ("scenario.yaml", "  full_time:\n", "  \"=full_time\":\n", "field 'contracts.=full_time'"),
])
def test_identifier_a_spreadsheet_would_run_is_refused(cli, tmp_path, file, old, new, expect):
    from hostile import replace

    scen = copy_scenario(tmp_path)
    replace(file, old, new)(scen)
    if file == "scenario.yaml" and "full_time" in new:
        replace("agents.csv", ",full_time,", ",=full_time,")(scen)
    assert expect in _exit2(cli, "validate", scen)


def test_lone_cr_line_ends_still_read(cli, tmp_path):
    """Old Mac Excel ends lines with CR alone: the streaming reader splits them as before."""
    scen = copy_scenario(tmp_path)
    p = scen / "agents.csv"
    p.write_bytes(p.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    code, _, stderr = cli("validate", scen)
    assert code == 0, stderr


# ------------------------------------------------------------------ leftovers of killed runs
HOLDER = """
import sys, time
from pathlib import Path
from scheduler.report.files import atomic_folder
with atomic_folder(Path(sys.argv[1])) as tmp:
    (tmp / "shifts.csv").write_text("agent_id\\n", encoding="utf-8")
    print(tmp, flush=True)
    time.sleep(600)
"""


def _writing(target: Path) -> tuple[subprocess.Popen, Path]:
    """A run writing `target`, stopped in the middle (its temporary folder half written)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(target)], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line, "the writer did not start"
    return proc, Path(line)


def _age(path: Path, seconds: float = 120.0) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


@pytest.mark.skipif(sys.platform == "win32", reason="flock: leftovers are left alone on Windows")
def test_leftovers_of_killed_runs_are_removed_and_nothing_else(tmp_path):
    from scheduler.report.files import atomic_folder

    target = tmp_path / "plan"
    with atomic_folder(target) as tmp:
        (tmp / "shifts.csv").write_text("old\n", encoding="utf-8")
    live, alive = _writing(target)  # first: its own clean-up at start must not meet the dead one
    killed, dead = _writing(target)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    try:
        assert dead.is_dir() and alive.is_dir()
        assert (target / "shifts.csv").read_text(encoding="utf-8") == "old\n"  # the killed run left it whole
        dead_swap = tmp_path / ".plan.old.abcd1234"
        (dead_swap / "scenario").mkdir(parents=True)
        (dead_swap / "coverage.csv").write_text("x\n", encoding="utf-8")
        (dead_swap / "scenario" / "scenario.yaml").write_text("x\n", encoding="utf-8")
        keep = {
            "user": tmp_path / ".plan.mynotes1",  # our name shape, someone else's file
            "young": tmp_path / ".plan.zz9zz9zz",  # could be a run that just began
            "other": tmp_path / ".other.abcd1234",  # another target's
            "visible": tmp_path / "plan.abcd1234",
        }
        for p in keep.values():
            p.mkdir()
            (p / "shifts.csv").write_text("x\n", encoding="utf-8")
        (keep["user"] / "diary.docx").write_text("x", encoding="utf-8")
        (tmp_path / ".plan.file1234").write_text("a file, not a folder", encoding="utf-8")
        (tmp_path / ".plan.link1234").symlink_to(keep["other"], target_is_directory=True)
        for p in [dead, alive, dead_swap, keep["user"], keep["other"], keep["visible"]]:
            _age(p)
        with atomic_folder(target) as tmp:
            (tmp / "shifts.csv").write_text("new\n", encoding="utf-8")
        assert not dead.exists() and not dead_swap.exists()
        assert alive.is_dir() and (alive / "shifts.csv").exists()  # a live run's folder is never touched
        assert all(p.is_dir() for p in keep.values())
        assert (tmp_path / ".plan.file1234").is_file() and (tmp_path / ".plan.link1234").is_symlink()
        assert (target / "shifts.csv").read_text(encoding="utf-8") == "new\n"
    finally:
        live.kill()
        live.wait()


@pytest.mark.parametrize("step", ["mkdir", "_hold", "chmod", "replace"])
def test_an_interrupt_at_any_step_of_the_swap_leaves_no_staging_folder(tmp_path, monkeypatch, step):
    """A signal can land between any two lines (CI saw one right after the staging folder was made):
    whichever step it stops, no `.plan.xxxxxxxx` is left and the earlier folder is as it was."""
    import scheduler.report.files as files

    target = tmp_path / "plan"
    with files.atomic_folder(target) as tmp:
        (tmp / "shifts.csv").write_text("old\n", encoding="utf-8")
    real = {"mkdir": os.mkdir, "_hold": files._hold, "chmod": Path.chmod, "replace": os.replace}[step]
    calls = {"n": 0}

    def interrupted_after(*args, **kwargs):
        out = real(*args, **kwargs)
        calls["n"] += 1
        if step != "replace" or calls["n"] == 1:  # the swap: right after the earlier folder moved aside
            raise KeyboardInterrupt
        return out

    if step in ("mkdir", "replace"):
        monkeypatch.setattr(files.os, step, interrupted_after)
    elif step == "_hold":
        monkeypatch.setattr(files, "_hold", interrupted_after)
    else:
        monkeypatch.setattr(files.Path, "chmod", interrupted_after)
    with pytest.raises(KeyboardInterrupt):
        with files.atomic_folder(target) as tmp:
            (tmp / "shifts.csv").write_text("new\n", encoding="utf-8")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]
    assert (target / "shifts.csv").read_text(encoding="utf-8") == "old\n"
