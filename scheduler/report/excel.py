"""rota.xlsx: the rota grid a supervisor prints and edits, plus coverage, handover, per agent, summary.

The grid holds exactly assignments.csv: one row per agent, one column per slot, the cell value is
the activity (queue id or `break`) so an edited grid maps back to the CSV cell for cell; colours,
the ★ for core agents and the legend are decoration on top. A hidden row under the headers keeps
the machine keys (agent_id, ..., each slot's ISO 8601 start) for reading the grid back.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from scheduler.cells import xlsx_text
from scheduler.report.charts import queue_colours, queue_label
from scheduler.report.labels import column_label, t

if TYPE_CHECKING:
    from scheduler.results import Plan

KEY_ROW = 4  # hidden row with machine keys
FIRST_AGENT_ROW = 5
FIXED_COLUMNS = ["agent_id", "agent_name", "contract", "core"]
FIRST_SLOT_COL = len(FIXED_COLUMNS) + 1
THIN = Side(style="thin", color="DDDDDD")


def put_cell(ws, row: int, column: int, value: object = None):
    """The cell at (row, column); text in it stays text whatever it begins with (scheduler.cells):
    openpyxl would make '=...' a live formula and '#N/A' an error value."""
    if isinstance(value, str):
        value = xlsx_text(value)
    cell = ws.cell(row, column, value)
    if isinstance(value, str) and cell.data_type != "s":
        cell.data_type = "s"
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    return cell


def _fill(hex_colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=hex_colour.lstrip("#").upper())


def _light(hex_colour: str, share: float = 0.55) -> str:
    """The colour mixed with white, so black text stays readable on it."""
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * share):02X}" for c in rgb)


def _naive_local(ts: pd.Timestamp, tz) -> object:
    return pd.Timestamp(ts).tz_convert(tz).tz_localize(None).to_pydatetime()


def _print_setup(ws, title_rows: str | None = None, title_cols: str | None = None) -> None:
    """A4 landscape, fitted to one page wide, header rows repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols


def _contract_label(kind: str, lang: str) -> str:
    return t(kind, lang, both=False) if kind in ("full_time", "part_time") else kind


def _grid(wb: Workbook, plan: Plan, lang: str) -> None:
    sc = plan.scenario
    tz = sc.tz
    ws = wb.active
    ws.title = sheet_title("rota", lang)
    colours = queue_colours(sc)
    fills = {k: _fill(_light(v)) for k, v in colours.items()}
    slots = list(sc.slots)
    # row 1: title and legend
    put_cell(ws, 1, 1, f"{t('rota', lang)} — {sc.config.name}").font = Font(bold=True, size=13)
    col = FIRST_SLOT_COL
    put_cell(ws, 1, col, t("legend", lang) + ":").font = Font(bold=True)
    col += 2
    for q in sc.config.queues:
        c = put_cell(ws, 1, col, f"{q.id} = {queue_label(q, lang)}")
        c.fill = fills[q.id]
        col += 4
    c = put_cell(ws, 1, col, f"break = {t('break', lang)}")
    c.fill = fills["break"]
    put_cell(ws, 1, col + 4, "★ = " + t("core_mark", lang))
    # row 2: dates (merged per day), row 3: times, row 4 (hidden): keys
    heads = [t(k, lang) for k in FIXED_COLUMNS]
    for j, h in enumerate(heads, start=1):
        put_cell(ws, 3, j, h).font = Font(bold=True)
        put_cell(ws, KEY_ROW, j, FIXED_COLUMNS[j - 1])
    day_start = None
    for k, s in enumerate(slots):
        j = FIRST_SLOT_COL + k
        local = s.tz_convert(tz)
        put_cell(ws, 3, j, local.strftime("%H:%M")).alignment = Alignment(text_rotation=90, horizontal="center")
        put_cell(ws, KEY_ROW, j, s.isoformat())
        day = local.date()
        if day_start is None or day != day_start[0]:
            if day_start is not None and j - 1 > day_start[1]:
                ws.merge_cells(start_row=2, start_column=day_start[1], end_row=2, end_column=j - 1)
            day_start = (day, j)
            put_cell(ws, 2, j, local.strftime("%Y-%m-%d %a")).font = Font(bold=True)
    if day_start is not None and FIRST_SLOT_COL + len(slots) - 1 > day_start[1]:
        ws.merge_cells(start_row=2, start_column=day_start[1], end_row=2, end_column=FIRST_SLOT_COL + len(slots) - 1)
    ws.row_dimensions[KEY_ROW].hidden = True
    # agents
    col_of = {s.isoformat(): FIRST_SLOT_COL + k for k, s in enumerate(slots)}
    asg = plan.rota.assignments
    by_agent = {a: g for a, g in asg.groupby("agent_id", sort=False)}
    bold = Font(bold=True)
    for i, a in enumerate(sc.agents):
        r = FIRST_AGENT_ROW + i
        put_cell(ws, r, 1, a.agent_id).font = bold if a.core else Font()
        put_cell(ws, r, 2, a.name)
        put_cell(ws, r, 3, _contract_label(sc.contract(a.contract).kind, lang) + (f" ({t('standby', lang, both=False)})" if a.standby else ""))
        put_cell(ws, r, 4, "★" if a.core else "")
        g = by_agent.get(a.agent_id)
        if g is None:
            continue
        for s, act in zip(g.slot_start, g.activity, strict=True):
            c = put_cell(ws, r, col_of[pd.Timestamp(s).isoformat()], act)
            c.fill = fills.get(act, _fill("DDDDDD"))
            c.alignment = Alignment(horizontal="center")
            c.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
            if act == "break":
                c.font = Font(italic=True, color="555555")
    ws.freeze_panes = put_cell(ws, FIRST_AGENT_ROW, FIRST_SLOT_COL)
    ws.column_dimensions["A"].width = 9
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 5
    width = max(5.0, max((len(q.id) for q in sc.config.queues), default=5) * 0.9 + 1)
    for k in range(len(slots)):
        ws.column_dimensions[get_column_letter(FIRST_SLOT_COL + k)].width = width
    _print_setup(ws, "2:3", "A:B")


def sheet_title(key: str, lang: str) -> str:
    """Sheet names in the plan's language (Excel allows 31 characters, no []:*?/\\)."""
    return t(key, lang)[:31]


def table_sheet(wb: Workbook, title: str, df: pd.DataFrame, lang: str, tz, formats: dict[str, str] | None = None) -> None:
    """A sheet with labelled headers (machine column names in a hidden row below), filters on."""
    ws = wb.create_sheet(sheet_title(title, lang))
    formats = formats or {}
    for j, c in enumerate(df.columns, start=1):
        put_cell(ws, 1, j, column_label(c, lang)).font = Font(bold=True)
        put_cell(ws, 1, j).alignment = Alignment(wrap_text=True, vertical="top")
        put_cell(ws, 2, j, c)
        ws.column_dimensions[get_column_letter(j)].width = 16 if c in ("slot_start", "time", "notes") else 12
    ws.row_dimensions[2].hidden = True
    for i, row in enumerate(df.itertuples(index=False), start=3):
        for j, (c, v) in enumerate(zip(df.columns, row, strict=True), start=1):
            if isinstance(v, pd.Timestamp):
                v = _naive_local(v, tz)
            elif isinstance(v, float) and not math.isfinite(v):
                v = None if math.isnan(v) else ("∞" if v > 0 else "-∞")
            elif isinstance(v, bool):
                v = "★" if (c == "core" and v) else ("" if c == "core" else v)
            cell = put_cell(ws, i, j, v)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and c in formats:
                cell.number_format = formats[c]
            elif c in ("slot_start", "time", "start", "end"):
                cell.number_format = "yyyy-mm-dd hh:mm"
    if "notes" in df.columns:
        ws.column_dimensions[get_column_letter(list(df.columns).index("notes") + 1)].width = 40
    ws.freeze_panes = "A3"
    if len(df):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{len(df) + 2}"
    _print_setup(ws, "1:1")


def _summary_sheet(wb: Workbook, plan: Plan, lang: str, extra: list[tuple[str, str]]) -> None:
    from scheduler.report.html import sizing_rows, summary_rows

    ws = wb.create_sheet(sheet_title("summary", lang))
    put_cell(ws, 1, 1, t("summary", lang)).font = Font(bold=True, size=13)
    r = 2
    for label, value in summary_rows(plan, lang) + extra:
        put_cell(ws, r, 1, label)
        put_cell(ws, r, 2, value)
        r += 1
    r += 1
    put_cell(ws, r, 1, t("sizing", lang)).font = Font(bold=True, size=13)
    r += 1
    for label, value, source in sizing_rows(plan.sizing):
        put_cell(ws, r, 1, label)
        put_cell(ws, r, 2, value)
        if source:
            put_cell(ws, r, 3, t("source_formula", lang)).font = Font(italic=True, color="AA0000")
        r += 1
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 28
    _print_setup(ws)


def write_rota_xlsx(plan: Plan, handover: pd.DataFrame, per_agent: pd.DataFrame, path: Path, lang: str,
                    extra_summary: list[tuple[str, str]] | None = None) -> None:
    """Write rota.xlsx atomically (a temporary name, then a rename)."""
    tz = plan.scenario.tz
    wb = Workbook()
    _grid(wb, plan, lang)
    cov = plan.coverage.drop(columns=[c for c in ("lost_value_yuan",) if c not in plan.coverage.columns])
    table_sheet(wb, "coverage", cov, lang, tz, {
        "service_level": "0.0%", "abandon_rate": "0.0%", "occupancy": "0.0%", "asa_seconds": "0.0",
        "forecast": "0.0", "planned_demand": "0.0", "expected_lost_inquiries": "0.00", "lost_value_yuan": "#,##0.00",
    })
    table_sheet(wb, "handover", handover, lang, tz, {"open_chats": "0.0", "queue_open_chats": "0.0", "unpaid_orders": "0.0", "aftersale_cases": "0.0"})
    table_sheet(wb, "per_agent", per_agent, lang, tz, {"paid_hours": "0.0", "overtime_hours": "0.0", "night_hours": "0.0", "wage_yuan": "#,##0.00"})
    if plan.changes is not None and len(plan.changes):
        table_sheet(wb, "changes", plan.changes, lang, tz)
    _summary_sheet(wb, plan, lang, extra_summary or [])
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)
