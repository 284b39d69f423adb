"""The after-sale review, judged from hand-computed rows and from a simulated event with known truth.

KPI formulas are checked on a small export computed by hand; the parser with hypothesis (Chinese
or English headers, with or without the BOM); the flags against the generator's known slow and
low-converting agents on a real plan of the built-in Double 11 (planned once for the module);
bad input through the command line (exit 2, file / row / field, nothing written).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError
from scheduler.reviewing import review
from scheduler.reviewing.export import COLUMNS, load_agent_stats
from scheduler.reviewing.kpis import flag_rows, kpi_table
from scheduler.reviewing.sim import SimSettings, simulate, write_sim
from scheduler.scenario import BUILTIN_DIR

EN = ["agent_id", "date", "buyers_received", "buyers_answered", "buyers_inquired", "buyers_ordered", "buyers_paid",
      "sales_yuan", "avg_response_seconds", "first_response_seconds", "online_minutes"]
ZH = ["客服", "日期", "接待人数", "回复人数", "询单人数", "询单->下单人数", "询单->最终付款人数", "客服销售额",
      "平均响应(秒)", "首次响应(秒)", "在线时长(分钟)"]

# agent, date, received, answered, inquired, ordered, paid, sales, avg resp, first resp, online min
HAND = [
    ["F001", "2026-11-10", 100, 90, 80, 20, 16, 2400.0, 20.0, 30.0, 480],
    ["F001", "2026-11-11", 50, 50, 40, 12, 12, 1500.0, 10.0, 12.0, 240],
    ["F002", "2026-11-10", 60, 60, 50, 10, 5, 500.0, 15.0, 20.0, 480],
    ["F003", "2026-11-11", 40, 30, 30, 15, 15, 3000.0, 40.0, 60.0, 300],
]


def _write(path: Path, header: list[str], rows: list[list], bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


# ---------------------------------------------------------------------------------------------
# KPI formulas against hand-computed rows
# ---------------------------------------------------------------------------------------------
def test_kpis_match_hand_computed_rows(tmp_path, double11):
    stats = load_agent_stats(_write(tmp_path / "export.csv", EN, HAND), double11)
    t = kpi_table(stats, double11)

    def row(grain, period, agent=""):
        hit = t[(t.grain == grain) & (t.period == period) & (t.agent_id == agent)]
        assert len(hit) == 1
        return hit.iloc[0]

    a = row("month", "2026-11", "F001")  # both of F001's days pooled
    assert a.inquiry_conversion == pytest.approx(32 / 120)
    assert a.order_value_yuan == pytest.approx(3900 / 28)
    assert a.payment_rate == pytest.approx(28 / 32)
    assert a.first_response_seconds == pytest.approx((30 * 90 + 12 * 50) / 140)
    assert a.avg_response_seconds == pytest.approx((20 * 90 + 10 * 50) / 140)
    assert a.answer_rate == pytest.approx(140 / 150)
    assert a.sales_yuan == pytest.approx(3900)
    assert a.chats_per_online_hour == pytest.approx(150 / 12)
    team = row("week", "2026-W46")
    assert team.inquiry_conversion == pytest.approx(57 / 200)
    assert team.order_value_yuan == pytest.approx(7400 / 48)
    assert team.answer_rate == pytest.approx(230 / 250)
    assert team.first_response_seconds == pytest.approx((2700 + 600 + 20 * 60 + 60 * 30) / 230)
    # the team median agent of 2026-11-10 (F001 25 %, F002 20 %) and each agent against it
    d10 = row("day", "2026-11-10", "F002")
    assert d10.inquiry_conversion_team_median == pytest.approx((20 / 80 + 10 / 50) / 2)
    assert d10.inquiry_conversion_vs_median == pytest.approx(0.2 / 0.225)
    # against the agent's own last period: F001's 11 Nov against their 10 Nov
    d11 = row("day", "2026-11-11", "F001")
    assert d11.inquiry_conversion_vs_last == pytest.approx((12 / 40) / (20 / 80))
    assert d11.payment_rate_vs_last == pytest.approx(1.0 / (16 / 20))
    assert math.isnan(row("day", "2026-11-10", "F001").inquiry_conversion_vs_last)
    # median of three agents in the month: F003's conversion 50 %, F001 26.7 %, F002 20 %
    assert row("month", "2026-11", "F003").inquiry_conversion_team_median == pytest.approx(32 / 120)


def test_flags_name_the_kpi_and_only_outside_the_band(tmp_path, double11):
    """Eleven agents alike, one converting a third as well and one replying three times slower."""
    rows = []
    for k in range(1, 12):
        rows.append([f"F{k:03d}", "2026-11-11", 300, 300, 250, 75, 60, 9000.0, 15.0 + k * 0.1, 20.0, 480])
    rows.append(["F020", "2026-11-11", 300, 300, 250, 25, 20, 3000.0, 15.0, 20.0, 480])  # conversion 10 % vs 30 %
    rows.append(["F021", "2026-11-11", 300, 300, 250, 75, 60, 9000.0, 48.0, 60.0, 480])  # 3x the reply time
    rows.append(["F022", "2026-11-11", 20, 20, 15, 1, 1, 100.0, 90.0, 90.0, 60])  # too few buyers to judge
    stats = load_agent_stats(_write(tmp_path / "export.csv", EN, rows), double11)
    flags = flag_rows(kpi_table(stats, double11))
    month = flags[flags.grain == "month"]
    assert sorted(zip(month.agent_id, month.kpi, strict=True)) == [
        ("F020", "inquiry_conversion"), ("F021", "avg_response_seconds")]
    why = month.set_index("agent_id").why
    assert "0.33x the team median" in why["F020"] and "3.19x" not in why["F020"]


# ---------------------------------------------------------------------------------------------
# The parser: Chinese or English headers, with or without the BOM, numbers as exports write them
# ---------------------------------------------------------------------------------------------
counts = st.integers(min_value=0, max_value=5000)


@st.composite
def export_rows(draw):
    rows = []
    agents = draw(st.lists(st.sampled_from([f"F{k:03d}" for k in range(1, 31)]), min_size=1, max_size=8, unique=True))
    for a in agents:
        for day in draw(st.lists(st.sampled_from(["2026-11-10", "2026-11-11", "2026-11-12"]), min_size=1, max_size=3, unique=True)):
            received = draw(counts)
            answered = draw(st.integers(0, received))
            inquired = draw(st.integers(0, received))
            ordered = draw(st.integers(0, inquired))
            paid = draw(st.integers(0, ordered))
            sales = draw(st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 2)))
            rows.append([a, day, received, answered, inquired, ordered, paid, sales,
                         draw(st.floats(0, 600).map(lambda x: round(x, 2))), draw(st.floats(0, 600).map(lambda x: round(x, 2))),
                         draw(st.integers(0, 1440))])
    return rows


@settings(max_examples=40, deadline=None)
@given(rows=export_rows(), chinese=st.booleans(), bom=st.booleans(), money=st.booleans())
def test_export_parses_back_whatever_the_header_language(tmp_path_factory, double11, rows, chinese, bom, money):
    folder = tmp_path_factory.mktemp("exp")
    shown = [[*r[:7], f"¥{r[7]:,.2f}" if money else r[7], *r[8:]] for r in rows]
    stats = load_agent_stats(_write(folder / "e.csv", ZH if chinese else EN, shown, bom=bom), double11)
    got = stats.rows.sort_values(["agent_id", "date"]).reset_index(drop=True)
    want = pd.DataFrame(rows, columns=EN).sort_values(["agent_id", "date"]).reset_index(drop=True)
    assert list(got.agent_id) == list(want.agent_id)
    assert [d.isoformat() for d in got.date] == list(want.date)
    for c in EN[2:]:
        assert got[c].astype(float).tolist() == pytest.approx(want[c].astype(float).tolist()), c
    assert not stats.hourly


def test_every_field_has_chinese_and_english_names():
    for fld, names in COLUMNS.items():
        assert names[0] == fld or fld == "agent"
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names), fld


# ---------------------------------------------------------------------------------------------
# Bad input: exit 2 naming file, row and field; nothing written
# ---------------------------------------------------------------------------------------------
BAD = [
    ("unknown agent", 0, "agent_id", "X999", "agent_id", "an agent_id (or unique name)"),
    ("day outside the plan", 1, "date", "2026-11-20", "date", "a day of the plan, 2026-11-10 to 2026-11-12"),
    ("negative count", 2, "buyers_received", "-3", "buyers_received", "cannot be negative"),
    ("conversion above 100 %", 5, "buyers_ordered", "99", "buyers_ordered", "inquiry conversion at most 100 %"),
    ("payment above orders", 6, "buyers_paid", "13", "buyers_paid", "payment rate at most 100 %"),
    ("not a number", 7, "sales_yuan", "lots", "sales_yuan", "a number from 0"),
    ("bad date", 1, "date", "11/11", "date", "a date like 2026-11-11"),
]


SHIPPED = BUILTIN_DIR / "double11" / "review"


@pytest.fixture(scope="module")
def plan_dir() -> Path:
    """The plan of the built-in Double 11 the shipped export was simulated from (its README)."""
    return SHIPPED / "plan"


@pytest.mark.parametrize(("case", "col", "field", "value", "named", "allowed"), BAD, ids=[b[0] for b in BAD])
def test_bad_export_exits_2_naming_file_row_field(tmp_path, cli, plan_dir, case, col, field, value, named, allowed):
    rows = [list(r) for r in HAND]
    rows[1][col] = value
    path = _write(tmp_path / "客服绩效.csv", EN, rows)
    out = tmp_path / "rv"
    code, _, err = cli("review", plan_dir, "--agent-stats", path, "--out", out)
    assert code == 2, err
    assert f"客服绩效.csv, row 3, field '{named}'" in err
    assert allowed in err
    assert not out.exists()


def test_duplicated_agent_day_names_both_rows(tmp_path, cli, plan_dir):
    rows = [list(r) for r in HAND] + [list(HAND[2])]
    out = tmp_path / "rv"
    code, _, err = cli("review", plan_dir, "--agent-stats", _write(tmp_path / "e.csv", ZH, rows), "--out", out)
    assert code == 2
    assert "e.csv, row 6, field '日期 (date)'" in err and "F002 on 2026-11-10 again (first on row 4)" in err
    assert not out.exists()


def test_missing_column_and_gbk_file_are_bad_input(tmp_path, cli, plan_dir):
    path = _write(tmp_path / "e.csv", [c for c in EN if c != "buyers_paid"], [r[:6] + r[7:] for r in HAND])
    code, _, err = cli("review", plan_dir, "--agent-stats", path, "--out", tmp_path / "rv")
    assert code == 2 and "field 'buyers_paid': found column missing" in err
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(",".join(ZH).encode("gbk") + b"\n")
    code, _, err = cli("review", plan_dir, "--agent-stats", gbk, "--out", tmp_path / "rv")
    assert code == 2 and "GBK" in err
    assert not (tmp_path / "rv").exists()


def test_bad_input_raises_input_error_from_python(tmp_path, double11):
    rows = [list(r) for r in HAND]
    rows[0][4] = 101  # inquired above received
    with pytest.raises(InputError) as exc:
        load_agent_stats(_write(tmp_path / "e.csv", EN, rows), double11)
    (p,) = exc.value.problems
    assert (p.file, p.row, p.field) == ("e.csv", 2, "buyers_inquired")


# ---------------------------------------------------------------------------------------------
# The simulated event: the known slow and low-converting agents are flagged, and no others
# ---------------------------------------------------------------------------------------------
SEEDS = (1, 2, 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_simulated_slow_and_low_converting_agents_are_flagged_and_no_others(tmp_path, plan_dir, seed):
    sim = simulate(plan_dir, SimSettings(seed=seed))
    write_sim(sim, tmp_path / "sim")
    rv = review(plan_dir, tmp_path / "sim" / "agent_stats.csv")
    month = rv.flags[rv.flags.grain == "month"]
    slow, low = set(sim.truth["slow_agents"]), set(sim.truth["low_converting_agents"])
    assert slow and low
    assert set(month.agent_id) == slow | low
    assert slow <= set(month[month.kpi == "avg_response_seconds"].agent_id)
    assert low == set(month[month.kpi == "inquiry_conversion"].agent_id)
    assert not set(rv.stats.rows.agent_id) & set(sim.truth["absent_agents"])


def test_simulated_export_figures_add_up(tmp_path, plan_dir):
    """The export and the hourly actuals the generator writes tell the same story."""
    sim = simulate(plan_dir, SimSettings(seed=5))
    write_sim(sim, tmp_path / "sim")
    stats = load_agent_stats(tmp_path / "sim" / "agent_stats.csv", load_plan(plan_dir))
    act = pd.read_csv(tmp_path / "sim" / "actuals.csv")
    assert stats.hourly
    assert stats.rows.buyers_answered.sum() == act.answered.sum()
    assert act.inquiries.sum() == act.answered.sum() + act.abandoned.sum()
    truth = json.loads((tmp_path / "sim" / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 5


def load_plan(plan_dir: Path):
    from scheduler.reviewing import load_plan_scenario

    return load_plan_scenario(plan_dir)


def test_shipped_export_is_the_generators_output_for_its_seed(tmp_path, plan_dir):
    write_sim(simulate(plan_dir, SimSettings(seed=11)), tmp_path / "sim")
    for name in ("agent_stats.csv", "actuals.csv"):
        assert (tmp_path / "sim" / name).read_bytes() == (SHIPPED / name).read_bytes(), name
