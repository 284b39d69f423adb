"""Hostile inputs: every broken file gives exit 2 and a message naming file, row/line and field.

Never a traceback, nothing written. CASES below is the table of broken inputs, one line each:
(id, mutation of a copied small_shop, expected file, expected field, expected row/line or None).
Rows are spreadsheet rows (header = row 1); for scenario.yaml the line.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hostile import (
    add_column,
    append,
    apply_ops,
    chain,
    copy_scenario,
    drop_column,
    encode,
    lines,
    replace,
    set_cell,
    snapshot,
    write,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.errors import InputError, Problem
from scheduler.scenario import load_scenario

Y, H, A, T, P = "scenario.yaml", "history.csv", "agents.csv", "time_off.csv", "preferences.csv"
TO_HEAD, PR_HEAD = "agent_id,start,end,reason\n", "agent_id,start,end,kind,price_yuan_per_hour\n"
DAY = "2026-06-18T{}:00+08:00"
PROMO = 'promotion:\n  {}:\n    - start: "2026-06-18T19:00:00+08:00"\n      end: "{}"\n{}'
NEST = "[" * 700 + "]" * 700
LAUGHS = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)

CASES = [
    # --- scenario.yaml --------------------------------------------------------------------------
    ("yaml_malformed", replace(Y, "aht_seconds: 180", "aht_seconds: 180: 3"), Y, "(YAML syntax)", 24),
    ("yaml_python_tag", lambda f: replace(Y, "description: Small", f'description: !!python/object/apply:os.system ["touch {f}/pwned"]\nx: Small')(f), Y, "(YAML syntax)", 5),
    ("yaml_duplicate_key", replace(Y, "  slot_minutes: 60", "  slot_minutes: 60\n  slot_minutes: 30"), Y, "(YAML syntax)", 11),
    ("yaml_unknown_top_key", append(Y, "colour: blue\n"), Y, "colour", 56),
    ("yaml_unknown_queue_key", replace(Y, "aht_seconds: 180", "aht_secs: 180"), Y, "queues.0.aht_secs", 24),
    ("yaml_wrong_type", replace(Y, "concurrency: 3", "concurrency: three"), Y, "queues.0.concurrency", 25),
    ("yaml_negative", replace(Y, "aht_seconds: 180", "aht_seconds: -5"), Y, "queues.0.aht_seconds", 24),
    ("yaml_nan", replace(Y, "hourly_wage_yuan: 30", "hourly_wage_yuan: .nan"), Y, "contracts.full_time.hourly_wage_yuan", 32),
    ("yaml_inf", replace(Y, "aht_seconds: 180", "aht_seconds: .inf"), Y, "queues.0.aht_seconds", 24),
    ("yaml_absurdly_large", replace(Y, "gmv_target_yuan: 300000", "gmv_target_yuan: 1.0e+30"), Y, "economics.gmv_target_yuan", 27),
    ("yaml_huge_wage", replace(Y, "hourly_wage_yuan: 22", "hourly_wage_yuan: 1.0e+300"), Y, "contracts.part_time.hourly_wage_yuan", 42),
    ("yaml_share_above_1", replace(Y, "concurrency: 3", "concurrency: 3\n    max_abandon_rate: 1.5"), Y, "queues.0.max_abandon_rate", 26),
    ("yaml_horizon_no_offset", replace(Y, 'start: "2026-06-18T00:00:00+08:00"', 'start: "2026-06-18T00:00:00"'), Y, "horizon.start", 8),
    ("yaml_horizon_bare_number", replace(Y, 'start: "2026-06-18T00:00:00+08:00"', "start: 1781712000"), Y, "horizon.start", 8),
    ("yaml_horizon_year_1", replace(Y, 'start: "2026-06-18T00:00:00+08:00"', 'start: "0001-01-01T00:00:00+08:00"'), Y, "horizon.start", 8),
    ("yaml_horizon_end_before_start", replace(Y, 'end: "2026-06-19T00:00:00+08:00"', 'end: "2026-06-17T00:00:00+08:00"'), Y, "horizon.end", 9),
    ("yaml_horizon_100_years", chain(replace(Y, 'end: "2026-06-19T00:00:00+08:00"', 'end: "2126-06-19T00:00:00+08:00"')), Y, "horizon.end", 9),
    ("yaml_slot_45", replace(Y, "slot_minutes: 60", "slot_minutes: 45"), Y, "horizon.slot_minutes", 10),
    ("yaml_unknown_timezone", replace(Y, "Asia/Shanghai", "Asia/Beijing"), Y, "timezone", 6),
    ("yaml_timezone_folder", replace(Y, "Asia/Shanghai", "Asia"), Y, "timezone", 6),
    ("yaml_event_outside_horizon", replace(Y, '"618"\n  start: "2026-06-18T00:00:00+08:00"\n  end: "2026-06-19', '"618"\n  start: "2026-07-18T00:00:00+08:00"\n  end: "2026-07-19'), Y, "event", 11),
    ("yaml_promotion_outside_horizon", append(Y, PROMO.format("midnight_core", "2026-06-20T02:00:00+08:00", "")), Y, "promotion.midnight_core.0", 58),
    ("yaml_all_hands_unknown_contract", append(Y, PROMO.format("evening_all_hands", "2026-06-18T22:00:00+08:00", "      contracts: [full_time, temp]\n")), Y, "promotion.evening_all_hands.0.contracts.1", 60),
    ("yaml_span_not_whole_slots", replace(Y, "shift_spans_hours: [4]", "shift_spans_hours: [4.5]"), Y, "contracts.part_time.shift_spans_hours", 43),
    ("yaml_start_time_sexagesimal", replace(Y, '["08:00", "12:00", "16:00", "20:00"]', "[8:00, 12:00, 16:00, 20:00]"), Y, "contracts.part_time.start_times.0", 44),
    ("yaml_throughput_short", replace(Y, "concurrency: 3", "concurrency: 3\n    throughput: [1.0, 1.7]"), Y, "queues.0.throughput", 26),
    ("yaml_ratio_min_above_max", append(Y, "ratio_bounds:\n  during: {min_presale_share: 0.9, max_presale_share: 0.5}\n"), Y, "ratio_bounds.during.max_presale_share", 57),
    ("yaml_duplicate_queue", replace(Y, "economics:", "  - id: chat\n    kind: aftersale\neconomics:"), Y, "queues.1.id", 26),
    ("yaml_missing_horizon", replace(Y, "horizon:\n", "horizon_:\n"), Y, "horizon", None),
    ("yaml_files_escape_folder", append(Y, "files:\n  history: ../../../etc/passwd\n"), Y, "files.history", 57),
    ("yaml_billion_laughs", append(Y, LAUGHS), Y, "a8", 64),
    ("yaml_deep_nesting", append(Y, f"x: {NEST}\n"), Y, "(YAML syntax)", None),
    ("yaml_control_character", replace(Y, "name: small_shop", "name: small\x07shop"), Y, "(YAML syntax)", 4),
    ("yaml_empty_file", write(Y, ""), Y, "(top level)", 1),
    ("yaml_is_a_list", write(Y, "- name: small_shop\n- horizon: 1\n"), Y, "(top level)", 1),
    ("yaml_gbk", encode(Y, "gbk"), Y, "(encoding)", 22),
    ("queue_no_agent_can_serve", replace(Y, "economics:", "  - id: mail\n    kind: aftersale\neconomics:"), A, "skills", None),
    # --- history.csv ----------------------------------------------------------------------------
    ("history_nan", set_cell(H, 2, "inquiries", "nan"), H, "inquiries", 2),
    ("history_inf", set_cell(H, 3, "inquiries", "inf"), H, "inquiries", 3),
    ("history_negative", set_cell(H, 5, "inquiries", "-3"), H, "inquiries", 5),
    ("history_absurdly_large", set_cell(H, 6, "inquiries", "1e12"), H, "inquiries", 6),
    ("history_no_offset", set_cell(H, 2, "slot_start", "2025-06-01T00:00:00"), H, "slot_start", 2),
    ("history_year_9999", set_cell(H, 4, "slot_start", "9999-06-01T03:00:00+08:00"), H, "slot_start", 4),
    ("history_duplicate_row", lines(H, lambda ls: ls[:2] + ls[1:]), H, "slot_start", 3),
    ("history_unknown_queue", set_cell(H, 7, "queue", "Chat"), H, "queue", 7),
    ("history_header_only", lines(H, lambda ls: ls[:1]), H, "(rows)", None),
    ("history_nul_bytes", encode(H, "utf-16-le"), H, "(encoding)", 1),
    # --- agents.csv -----------------------------------------------------------------------------
    ("agents_duplicate_id", set_cell(A, 3, "agent_id", "A1"), A, "agent_id", 3),
    ("agents_unknown_skill", set_cell(A, 4, "skills", "chta"), A, "skills", 4),
    ("agents_unknown_contract", set_cell(A, 2, "contract", "fulltime"), A, "contract", 2),
    ("agents_bad_boolean", set_cell(A, 2, "core", "maybe"), A, "core", 2),
    ("agents_overlapping_availability", set_cell(A, 4, "availability", "08:00-14:00;12:00-20:00"), A, "availability", 4),
    ("agents_bad_availability", set_cell(A, 5, "availability", "8-12"), A, "availability", 5),
    ("agents_empty", write(A, ""), A, "(file)", None),
    ("agents_header_only", lines(A, lambda ls: ls[:1]), A, "(rows)", None),
    ("agents_missing_column", drop_column(A, "standby"), A, "standby", 1),
    ("agents_extra_column", add_column(A, "email", "x@example.com"), A, "email", 1),
    ("agents_gbk", encode(A, "gbk"), A, "(encoding)", 2),
    ("agents_utf16", encode(A, "utf-16"), A, "(encoding)", 1),
    ("agents_unterminated_quote", replace(A, "B1,", 'B1,"'), A, "(CSV syntax)", 4),
    ("agents_truncated", lambda f: (f / A).write_bytes((f / A).read_bytes()[:-12]), A, "(row)", 5),
    ("agents_too_many_cells", lines(A, lambda ls: ls[:2] + [ls[2] + ",x"] + ls[3:]), A, "(row)", 3),
    ("agents_wage_nan", add_column(A, "hourly_wage_yuan", "nan"), A, "hourly_wage_yuan", 2),
    # --- time_off.csv / preferences.csv ---------------------------------------------------------
    ("time_off_outside_horizon", write(T, TO_HEAD + "A1,2026-07-01T00:00:00+08:00,2026-07-02T00:00:00+08:00,x\n"), T, "start", 2),
    ("time_off_no_offset", write(T, TO_HEAD + f"A1,2026-06-18T00:00:00,{DAY.format('08:00')},x\n"), T, "start", 2),
    ("time_off_end_before_start", write(T, TO_HEAD + f"A1,{DAY.format('08:00')},{DAY.format('04:00')},x\n"), T, "end", 2),
    ("time_off_overlap", write(T, TO_HEAD + f"A1,{DAY.format('00:00')},{DAY.format('08:00')},a\nA1,{DAY.format('06:00')},{DAY.format('10:00')},b\n"), T, "start", 3),
    ("time_off_unknown_agent", write(T, TO_HEAD + f"Z9,{DAY.format('00:00')},{DAY.format('08:00')},x\n"), T, "agent_id", 2),
    ("preferences_outside_horizon", write(P, PR_HEAD + "A1,2026-05-01T00:00:00+08:00,2026-05-02T00:00:00+08:00,refuse,\n"), P, "start", 2),
    ("preferences_bad_kind", write(P, PR_HEAD + f"A1,{DAY.format('00:00')},{DAY.format('08:00')},want,\n"), P, "kind", 2),
    ("preferences_price_inf", write(P, PR_HEAD + f"A1,{DAY.format('00:00')},{DAY.format('08:00')},refuse,inf\n"), P, "price_yuan_per_hour", 2),
    ("preferences_empty", write(P, ""), P, "(file)", None),
]


@pytest.mark.parametrize(("mutation", "file", "field", "row"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_exit_2(cli, tmp_path, mutation, file, field, row):
    folder = copy_scenario(tmp_path)
    mutation(folder)
    before = snapshot(folder)
    code, out, err = cli("validate", folder)
    assert code == 2, (out, err)
    assert "Traceback" not in err + out
    assert snapshot(folder) == before  # nothing written (and no code run by a YAML tag)
    unit = "line" if file.endswith(".yaml") else "row"
    head = f"{file}, {unit} {row}, field '{field}'" if row else f"field '{field}'"
    hits = [ln for ln in err.splitlines() if ln.startswith(file) and head in ln]
    assert hits, f"no problem line with {head!r} in:\n{err}"
    assert "found " in hits[0] and "; allowed: " in hits[0]


def test_case_table_is_large_enough():
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)


# --- all problems of a file at once -------------------------------------------------------------


def test_three_bad_agent_rows_reported_together(tmp_path):
    folder = copy_scenario(tmp_path)
    chain(
        set_cell(A, 2, "contract", "fulltime"),
        set_cell(A, 3, "core", "sometimes"),
        set_cell(A, 5, "availability", "25:00-26:00"),
    )(folder)
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    found = sorted((p.file, p.row, p.field) for p in info.value.problems)
    assert found == [(A, 2, "contract"), (A, 3, "core"), (A, 5, "availability")]


def test_history_and_agents_problems_reported_together(tmp_path):
    folder = copy_scenario(tmp_path)
    chain(set_cell(H, 2, "inquiries", "-1"), set_cell(H, 10, "queue", "x"), set_cell(A, 4, "skills", ""))(folder)
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    found = {(p.file, p.row, p.field) for p in info.value.problems}
    assert found == {(H, 2, "inquiries"), (H, 10, "queue"), (A, 4, "skills")}


def test_several_yaml_problems_reported_together(tmp_path):
    folder = copy_scenario(tmp_path)
    chain(replace(Y, "aht_seconds: 180", "aht_seconds: -1"), replace(Y, "max_overtime_hours_per_day: 0", "max_overtime_hours_per_day: lots"))(folder)
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    found = {(p.file, p.row, p.field) for p in info.value.problems}
    assert found == {(Y, 24, "queues.0.aht_seconds"), (Y, 39, "contracts.full_time.max_overtime_hours_per_day")}


# --- exact messages -----------------------------------------------------------------------------


def _problems(folder: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    return info.value.problems


def test_message_unknown_contract(tmp_path, cli):
    folder = copy_scenario(tmp_path)
    set_cell(A, 2, "contract", "fulltime")(folder)
    _, _, err = cli("validate", folder)
    assert err == (
        "error: bad input (1 problem):\n"
        "agents.csv, row 2, field 'contract': found 'fulltime'; allowed: one of ['full_time', 'part_time']\n"
    )


def test_message_yaml_typo_names_line(tmp_path):
    folder = copy_scenario(tmp_path)
    replace(Y, "aht_seconds: 180", "aht_secs: 180")(folder)
    assert [str(p) for p in _problems(folder)] == [
        "scenario.yaml, line 24, field 'queues.0.aht_secs': found 180; "
        "allowed: no such field here (check the spelling against the template: scheduler init)"
    ]


def test_message_gbk_says_how_to_resave(tmp_path):
    folder = copy_scenario(tmp_path)
    encode(A, "gbk")(folder)
    offset = len(b"agent_id,name,contract,core,skills,availability,standby\nA1,")
    assert [str(p) for p in _problems(folder)] == [
        f"agents.csv, row 2, field '(encoding)': found GBK/GB2312 text (Excel's default for Chinese) at byte {offset}; "
        "allowed: UTF-8; in Excel use Save As > 'CSV UTF-8 (comma delimited)', in an editor save as UTF-8"
    ]


def test_message_time_off_outside_horizon(tmp_path):
    folder = copy_scenario(tmp_path)
    write(T, TO_HEAD + "A1,2026-07-01T00:00:00+08:00,2026-07-02T00:00:00+08:00,x\n")(folder)
    [p] = _problems(folder)
    assert (p.file, p.row, p.field, p.found) == (T, 2, "start", "2026-07-01T00:00:00+08:00")
    assert p.allowed == "a window overlapping the horizon 2026-06-18T00:00:00+08:00 .. 2026-06-19T00:00:00+08:00"


# --- property tests: random damage never escapes as anything but InputError ---------------------

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "70"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPECIAL = [
    "", " ", "nan", "-nan", "inf", "-inf", "1e309", "-1", "0", "1e12", "9" * 40, "true", "是", "否",
    "2026-06-18T00:00:00", "2026-06-18T00:00:00+08:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
    "24:00-24:00", "00:00-00:00", "23:59-00:01;00:00-01:00", ";", ",", '"', "'", "\\", "\x00", "\ufeff", "\r",
    "{", "[", "*a", "&a", "!!python/object/apply:os.system [ls]", "!!binary aGk=", "? [a]", "<<: {}", "~", "null",
    ".nan", ".inf", "0x1F", "0o17", "1_000", "8:00", "- x", "王芳", "🙂", "\u202e", "A1", "chat", "full_time",
]
value = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=20),
    st.floats().map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
frac = st.floats(min_value=0, max_value=1, exclude_max=True)
op = st.one_of(
    st.tuples(st.just("flip"), frac, st.integers(0, 255)),
    st.tuples(st.just("truncate"), frac),
    st.tuples(st.just("delete_line"), frac),
    st.tuples(st.just("dup_line"), frac),
    st.tuples(st.just("swap"), frac, frac),
    st.tuples(st.just("insert_line"), frac, value),
    st.tuples(st.just("cell"), frac, st.integers(0, 10), value),
)
ops = st.lists(op, min_size=1, max_size=4)


@pytest.fixture(scope="module")
def base_dir():
    with tempfile.TemporaryDirectory() as d:
        folder = copy_scenario(Path(d), extras=True)
        load_scenario(folder)  # the unmutated copy is valid
        yield folder


def _check_fuzzed(folder: Path, file: str, edits: list[tuple]) -> None:
    original = (folder / file).read_bytes()
    try:
        (folder / file).write_bytes(apply_ops(original, edits, csv_like=file.endswith(".csv")))
        try:
            load_scenario(folder)
        except InputError as exc:
            assert exc.problems
            for p in exc.problems:
                assert p.file and p.field and p.allowed
                assert p.row is None or p.row >= 1
            str(exc)
    finally:
        (folder / file).write_bytes(original)


@FUZZ
@given(edits=ops)
def test_fuzz_scenario_yaml(base_dir, edits):
    _check_fuzzed(base_dir, Y, edits)


@FUZZ
@given(edits=ops)
def test_fuzz_history_csv(base_dir, edits):
    _check_fuzzed(base_dir, H, edits)


@FUZZ
@given(edits=ops)
def test_fuzz_agents_csv(base_dir, edits):
    _check_fuzzed(base_dir, A, edits)


@FUZZ
@given(edits=ops)
def test_fuzz_time_off_csv(base_dir, edits):
    _check_fuzzed(base_dir, T, edits)


@FUZZ
@given(edits=ops)
def test_fuzz_preferences_csv(base_dir, edits):
    _check_fuzzed(base_dir, P, edits)
