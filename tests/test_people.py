"""The people's files: handover sheet, Excel rota, offline HTML report, charts (issue 7)."""

from __future__ import annotations

import base64
import io
import math
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from people_fixtures import SMALL_LOAD, flat_forecast, plan_from_forecast, plan_from_rota
from PIL import Image
from rota_fixtures import S, make_rota

from scheduler.handover import COLUMNS, NO_RECEIVER, expected_open_chats, handover_sheet
from scheduler.report import charts as charts_mod
from scheduler.report import write_plan
from scheduler.report.people import writers
from scheduler.scenario import Queue
from scheduler.staffing_model import chat_metrics

PEOPLE_FILES = ("handover.csv", "rota.xlsx", "report.html", "coverage.png", "gantt.png")


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def small_plan(small_shop):
    fc = flat_forecast(small_shop, {"chat": SMALL_LOAD}, spread=1.3)
    return plan_from_forecast(small_shop, fc, time_limit=5)


@pytest.fixture(scope="module")
def small_folder(small_plan, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("people") / "plan_zh"
    return write_plan(small_plan, out, extra_writers=writers("zh"))


@pytest.fixture(scope="module")
def double11_folder(double11, tmp_path_factory) -> Path:
    """Two queues, queue changes inside shifts, 200 agents: the handover matching at scale."""
    load = {q.id: [x * (8 if q.kind == "presale" else 3) for x in SMALL_LOAD] for q in double11.config.queues}
    plan = plan_from_forecast(double11, flat_forecast(double11, load, spread=1.2), time_limit=8)
    out = tmp_path_factory.mktemp("people") / "plan_d11"
    return write_plan(plan, out, extra_writers=writers("en"))


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


# ------------------------------------------------------------------ folder
@pytest.mark.parametrize("which", ["small_folder", "double11_folder"])
def test_people_files_written_beside_the_csvs(which, request):
    folder = request.getfixturevalue(which)
    for name in PEOPLE_FILES:
        assert (folder / name).is_file() and (folder / name).stat().st_size > 0, name
    assert not list(folder.glob(".*.tmp")), "temporary files left behind"
    ho = _read(folder, "handover.csv")
    assert list(ho.columns) == COLUMNS


def test_failed_writer_leaves_no_folder(small_plan, tmp_path):
    def broken(plan, folder):
        raise RuntimeError("disk full")

    out = tmp_path / "plan"
    with pytest.raises(RuntimeError):
        write_plan(small_plan, out, extra_writers=[*writers("zh")[:2], broken])
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


# ------------------------------------------------------------------ Excel
def _grid_cells(xlsx: Path) -> tuple[dict[tuple[str, pd.Timestamp], str], list[str]]:
    """Read the rota grid back: {(agent_id, slot_start): activity} and the agent ids in order."""
    ws = load_workbook(xlsx).worksheets[0]
    key_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "agent_id")
    slot_cols = {}
    for c in range(1, ws.max_column + 1):
        v = ws.cell(key_row, c).value
        if isinstance(v, str) and re.match(r"\d{4}-\d\d-\d\dT", v):
            slot_cols[c] = pd.Timestamp(v)
    cells, agents = {}, []
    for r in range(key_row + 1, ws.max_row + 1):
        aid = ws.cell(r, 1).value
        if aid is None:
            continue
        agents.append(aid)
        for c, t in slot_cols.items():
            v = ws.cell(r, c).value
            if v not in (None, ""):
                cells[(aid, t)] = v
    return cells, agents


@pytest.mark.parametrize("which", ["small_folder", "double11_folder"])
def test_excel_grid_equals_assignments_csv(which, request):
    folder = request.getfixturevalue(which)
    cells, agents = _grid_cells(folder / "rota.xlsx")
    asg = _read(folder, "assignments.csv")
    expected = {(a, pd.Timestamp(s)): act for a, s, act in zip(asg.agent_id, asg.slot_start, asg.activity, strict=True)}
    assert len(expected) == len(asg)
    assert cells == expected
    roster = _read(folder / "scenario", "agents.csv").agent_id.tolist()
    assert agents == roster  # every agent once, in the scenario's order


def test_excel_sheets_print_setup_and_labels(small_folder):
    wb = load_workbook(small_folder / "rota.xlsx")
    names = wb.sheetnames
    assert len(names) == 5 and names[0].startswith("排班表")
    assert any("交接" in n for n in names) and any("个人" in n for n in names)
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "E5"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"  # A4
    # core agents are starred; breaks are in the grid as 'break'
    core = {r[0].value: r[3].value for r in ws.iter_rows(min_row=5) if r[0].value}
    assert core["A1"] == "★" and core["B1"] in (None, "")


# ------------------------------------------------------------------ handover
def _check_edges(folder: Path) -> int:
    """Every from_agent ends a shift at `time` whose last working slot is on `queue`; every
    to_agent starts one there. Checked from shifts.csv and assignments.csv alone."""
    ho = _read(folder, "handover.csv")
    sh = _read(folder, "shifts.csv")
    asg = _read(folder, "assignments.csv")
    sh["start"], sh["end"] = sh.start.map(pd.Timestamp), sh.end.map(pd.Timestamp)
    asg["slot_start"] = asg.slot_start.map(pd.Timestamp)
    for row in ho.itertuples(index=False):
        t = pd.Timestamp(row.time)
        mine = sh[(sh.agent_id == row.from_agent) & (sh.end == t)]
        assert len(mine) == 1, f"{row.from_agent} ends no shift at {t}"
        slots = asg[(asg.agent_id == row.from_agent) & (asg.slot_start >= mine.start.iloc[0]) & (asg.slot_start < t)]
        worked = slots.sort_values("slot_start").activity
        assert worked[worked != "break"].iloc[-1] == row.queue
        on_queue = set(asg[(asg.slot_start == t) & (asg.activity == row.queue)].agent_id)
        if row.to_agent:
            assert row.to_agent in on_queue, f"{row.to_agent} is not on {row.queue} at {t}"
            assert row.flag == ""
        else:  # no receiver only when nobody is on the queue then
            assert row.flag == NO_RECEIVER and row.notes and not on_queue
    # every shift that ends before the horizon does hand over exactly once
    horizon_end = sh.end.max()
    assert len(ho) == int((sh.end < horizon_end).sum())
    return len(ho)


@pytest.mark.parametrize("which", ["small_folder", "double11_folder"])
def test_handover_rows_are_real_shift_ends_and_starts(which, request):
    assert _check_edges(request.getfixturevalue(which)) > 0


def test_double11_handover_has_both_queues_and_receivers(double11_folder):
    ho = _read(double11_folder, "handover.csv")
    assert set(ho.queue) == {"presale", "aftersale"}
    assert (ho.to_agent != "").sum() > 0
    # pre-sale passes on unpaid orders, after-sale passes on open cases, never the other way
    num = ho.assign(unpaid=ho.unpaid_orders.astype(float), cases=ho.aftersale_cases.astype(float))
    assert (num[num.queue == "presale"].unpaid > 0).all() and (num[num.queue == "presale"].cases == 0).all()
    assert (num[num.queue == "aftersale"].cases > 0).all() and (num[num.queue == "aftersale"].unpaid == 0).all()


def _hand_plan(sc, specs):
    shifts, asg = make_rota(sc, specs)
    return plan_from_rota(sc, flat_forecast(sc, {"chat": SMALL_LOAD}), shifts, asg)


def test_matching_gives_heaviest_list_to_longest_stay(small_shop):
    # at 12:00 A1 (2 h worked) and B1 (4 h worked) leave; A2 (8 working hours) and B2 (4) arrive.
    # First-come or by-name pairing would give A1 -> A2; the matching gives B1's larger list to A2.
    plan = _hand_plan(small_shop, [S("A1", "10:00", 2), S("B1", "08:00", 4), S("A2", "12:00", 9), S("B2", "12:00", 4)])
    ho = handover_sheet(small_shop, plan.rota.shifts, plan.rota.assignments, plan.forecast, "en")
    at12 = ho[ho.time == pd.Timestamp("2026-06-18T12:00:00+08:00")].set_index("from_agent")
    assert at12.loc["B1", "unpaid_orders"] > at12.loc["A1", "unpaid_orders"] > 0
    assert at12.loc["B1", "to_agent"] == "A2" and at12.loc["A1", "to_agent"] == "B2"
    # unpaid = leaver's share of inquiries x inquiry conversion x unpaid share
    econ = small_shop.config.economics
    b1_share = sum(SMALL_LOAD[h] for h in range(8, 10)) + sum(SMALL_LOAD[h] / 2 for h in range(10, 12))  # alone, then with A1
    assert at12.loc["B1", "unpaid_orders"] == pytest.approx(b1_share * econ.inquiry_conversion * econ.unpaid_share, abs=0.01)


def test_leaver_without_receiver_is_flagged_and_listed(small_shop, tmp_path):
    # 12:00: A1 and B1 leave, only A2 arrives -> A2 takes both; 17:00: B2 leaves, nobody arrives
    # but A2 (back from the 16:00 break) stays on and receives; 21:00: A2 leaves and nobody is on
    # the queue until the plan ends: the only row without a receiver
    plan = _hand_plan(small_shop, [S("A1", "03:00", 9), S("B1", "08:00", 4), S("B2", "13:00", 4), S("A2", "12:00", 9)])
    ho = handover_sheet(small_shop, plan.rota.shifts, plan.rota.assignments, plan.forecast, "en").set_index("from_agent")
    assert set(ho.index) == {"A1", "B1", "B2", "A2"}
    assert ho.loc["A1", "to_agent"] == ho.loc["B1", "to_agent"] == "A2"
    assert ho.loc["B2", "to_agent"] == "A2" and ho.loc["B2", "flag"] == "" and "staying on" in ho.loc["B2", "notes"]
    assert ho.loc["A2", "flag"] == NO_RECEIVER and "rest of the plan" in ho.loc["A2", "notes"]
    folder = write_plan(plan, tmp_path / "plan", extra_writers=writers("en"))
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Handovers without a receiver: 1" in page
    # one receiver for two leavers when fewer arrive than leave
    plan2 = _hand_plan(small_shop, [S("A1", "03:00", 9), S("B1", "08:00", 4), S("B2", "12:00", 4)])
    ho2 = handover_sheet(small_shop, plan2.rota.shifts, plan2.rota.assignments, plan2.forecast, "zh").set_index("from_agent")
    assert ho2.loc["A1", "to_agent"] == ho2.loc["B1", "to_agent"] == "B2"
    assert "2 人" in ho2.loc["A1", "notes"]


def test_nobody_arriving_hands_to_those_staying_evenly_heaviest_to_longest(small_shop):
    # 14:00: B1 (4 h on the queue) and B2 (2 h) leave and nobody starts; A1 stays until 17:00
    # (3 h), A2 until 21:00 (7 h on the queue after its 16:00 break): B1's heavier list goes to
    # A2, B2's to A1, one each.
    plan = _hand_plan(small_shop, [S("A1", "08:00", 9, brk=7), S("A2", "12:00", 9), S("B1", "10:00", 4), S("B2", "12:00", 2)])
    ho = handover_sheet(small_shop, plan.rota.shifts, plan.rota.assignments, plan.forecast, "en")
    at14 = ho[ho.time == pd.Timestamp("2026-06-18T14:00:00+08:00")].set_index("from_agent")
    assert at14.loc["B1", "unpaid_orders"] > at14.loc["B2", "unpaid_orders"] > 0
    assert at14.loc["B1", "to_agent"] == "A2" and at14.loc["B2", "to_agent"] == "A1"
    assert (at14.flag == "").all() and at14.notes.str.contains("staying on").all()
    # 15:00: B1 leaves while A2, the only one left, is on its break: no receiver until 16:00
    plan = _hand_plan(small_shop, [S("A2", "12:00", 9, brk=3), S("B1", "11:00", 4)])
    ho = handover_sheet(small_shop, plan.rota.shifts, plan.rota.assignments, plan.forecast, "en").set_index("from_agent")
    assert ho.loc["B1", "to_agent"] == "" and ho.loc["B1", "flag"] == NO_RECEIVER
    assert "until 06-18 16:00" in ho.loc["B1", "notes"]


def test_open_chats_follow_littles_law():
    # with f(j) = j the chat model is Erlang A with kN servers: chats in service = λ·AHT·(1 − abandon)
    q = Queue(id="q", aht_seconds=240, concurrency=3, throughput=[1, 2, 3], patience_seconds=120)
    arrivals, interval = 180.0, 3600.0
    lam = arrivals / interval
    for n in (6, 8, 12):
        m = chat_metrics(arrivals, interval, 240, 120, n, 3, [1, 2, 3], 30)
        got = expected_open_chats(q, arrivals, interval, n)
        assert got == pytest.approx(lam * 240 * (1 - m.abandon_rate) + m.asa_seconds * lam, rel=1e-6)
        assert got >= lam * 240 * (1 - m.abandon_rate) * 0.999
    assert expected_open_chats(q, 0.0, interval, 5) == 0.0
    # nobody to answer: every arrival of the slot waits out its patience
    assert expected_open_chats(q, arrivals, interval, 0) == pytest.approx(lam * 120)


# ------------------------------------------------------------------ HTML
def _assert_offline(page: str) -> None:
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?//""", page, re.I)
    srcs = re.findall(r"""\bsrc\s*=\s*["']([^"']*)""", page, re.I)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "<script" not in page.lower() and "@import" not in page and "<link" not in page.lower()
    for s in srcs:
        img = Image.open(io.BytesIO(base64.b64decode(s.split(",", 1)[1])))
        assert img.size[0] > 500


@pytest.mark.parametrize("which", ["small_folder", "double11_folder"])
def test_report_html_is_self_contained(which, request):
    page = (request.getfixturevalue(which) / "report.html").read_text(encoding="utf-8")
    _assert_offline(page)
    assert 'name="viewport"' in page


def test_report_html_sections_and_figures(small_folder, small_plan):
    page = (small_folder / "report.html").read_text(encoding="utf-8")
    for label in ("汇总 Summary", "覆盖 Coverage", "排班甘特图", "工作交接表", "客服个人", "规则例外"):
        assert label in page
    s = small_plan.summary
    assert f"¥{s['wage_cost']:,.2f}" in page and f"¥{s['lost_inquiry_value']:,.2f}" in page
    ho = _read(small_folder, "handover.csv")
    for aid in ho.from_agent:
        assert f">{aid}<" in page
    assert "独立校验" in page  # the independent checker ran on the folder


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "chromium-headless-shell", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine (apt-get install chromium)")
def test_report_renders_in_headless_chromium(small_folder, tmp_path):
    shot = tmp_path / "report.png"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=412,2000",  # a phone's width
           f"--screenshot={shot}", (small_folder / "report.html").as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert shot.is_file(), "Chromium wrote no screenshot"
    img = Image.open(shot).convert("RGB")
    assert img.size == (412, 2000)
    colours = img.getcolors(maxcolors=1 << 20)
    assert len(colours) > 100  # text, charts and tables, not a blank page
    white = max(c for c, rgb in colours if rgb[0] > 245 and rgb[1] > 245 and rgb[2] > 245)
    assert white < 0.9 * img.size[0] * img.size[1]


# ------------------------------------------------------------------ charts
@pytest.mark.parametrize("which", ["small_folder", "double11_folder"])
def test_charts_are_non_trivial(which, request):
    folder = request.getfixturevalue(which)
    for name in ("coverage.png", "gantt.png"):
        img = Image.open(folder / name).convert("RGB")
        w, h = img.size
        assert w >= 800 and h >= 200, (name, img.size)
        colours = img.getcolors(maxcolors=1 << 20)
        assert len(colours) >= 30, name
    # the gantt draws working slots in the first queue's colour, breaks in grey
    gantt = Image.open(folder / "gantt.png").convert("RGB")
    counts = {rgb: n for n, rgb in gantt.getcolors(maxcolors=1 << 20)}
    q0 = tuple(int(charts_mod.PALETTE[0][i:i + 2], 16) for i in (1, 3, 5))
    assert counts.get(q0, 0) > 500


def _no_tofu(plan, lang: str) -> charts_mod.ChartLang:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for tofu
        _, cl = charts_mod.coverage_png(plan, lang)
        _, cl2 = charts_mod.gantt_png(plan, lang)
    assert cl == cl2
    return cl


def test_charts_never_draw_tofu(small_plan, monkeypatch):
    cl = _no_tofu(small_plan, "en")
    assert cl.drawn == "en"
    if charts_mod.cjk_font() is not None:
        assert _no_tofu(small_plan, "zh").drawn == "zh"
    # without any CJK font: English labels, said so, still no missing glyphs
    monkeypatch.setattr(charts_mod, "cjk_font", lambda: None)
    cl = _no_tofu(small_plan, "zh")
    assert cl.fell_back and cl.drawn == "en"


def test_font_fallback_is_reported(small_plan, monkeypatch, tmp_path):
    monkeypatch.setattr(charts_mod, "cjk_font", lambda: None)
    folder = write_plan(small_plan, tmp_path / "plan", extra_writers=writers("zh"))
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "fonts-wqy-microhei" in page


def test_english_labels(small_plan, tmp_path):
    folder = write_plan(small_plan, tmp_path / "plan", extra_writers=writers("en"))
    wb = load_workbook(folder / "rota.xlsx")
    assert wb.sheetnames[0] == "Rota" and "Handover sheet" in wb.sheetnames
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Rota report" in page and "排班报告" not in page and 'lang="en"' in page
    ho = _read(folder, "handover.csv")
    assert all(not re.search(r"[\u4e00-\u9fff]", n) for n in ho.notes)


def test_cli_plan_writes_people_files(cli, tmp_path):
    pytest.importorskip("scheduler.demand")
    out = tmp_path / "x"
    code, stdout, stderr = cli("plan", "small_shop", "--out", str(out), "--lang", "en", "--time-limit", "5", "--quiet")
    assert code == 0, stderr
    for name in PEOPLE_FILES:
        assert (out / name).is_file(), name
    assert _check_edges(out) >= 0
    page = (out / "report.html").read_text(encoding="utf-8")
    _assert_offline(page)
    assert not math.isnan(float(_read(out, "coverage.csv").forecast.astype(float).sum()))
