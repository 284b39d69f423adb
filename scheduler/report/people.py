"""The people's files of a plan folder: handover.csv, coverage.png, gantt.png, rota.xlsx, report.html.

`writers(lang)` gives the CLI one writer per file; each takes the Plan and the (temporary) plan
folder that write_plan later renames into place, and writes its file under a temporary name
first, so no file is ever half written. The handover sheet, per-agent table and charts are built
once per plan and shared by the writers that need them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from scheduler.handover import handover_gaps, handover_sheet
from scheduler.report.charts import ChartLang, coverage_png, gantt_png
from scheduler.report.excel import write_rota_xlsx
from scheduler.report.files import write_bytes, write_csv
from scheduler.report.html import render_report, write_report_html
from scheduler.report.labels import LANGS, t

if TYPE_CHECKING:
    from scheduler.results import Plan

Writer = Callable[["Plan", Path], None]


def per_agent_table(plan: Plan) -> pd.DataFrame:
    """What a supervisor reviews per agent (DOMAIN point 8): hours, overtime, night hours, wage,
    hours per queue, and whether the agent's paid hours are below the average of their contract."""
    sc = plan.scenario
    slot_h = sc.slot_minutes / 60
    sh = plan.rota.shifts
    asg = plan.rota.assignments
    work = asg[asg.activity != "break"]
    local = pd.DatetimeIndex(work.slot_start).tz_convert(sc.tz)
    minutes = local.hour * 60 + local.minute
    f = sc.config.fairness
    n0, n1 = f.night_start.hour * 60 + f.night_start.minute, f.night_end.hour * 60 + f.night_end.minute
    night = (minutes >= n0) & (minutes < n1) if n0 <= n1 else (minutes >= n0) | (minutes < n1)
    night_h = work[night].groupby("agent_id").size() * slot_h
    per_queue = work.groupby(["agent_id", "activity"]).size().unstack(fill_value=0) * slot_h
    rows = []
    for a in sc.agents:
        mine = sh[sh.agent_id == a.agent_id]
        row = {
            "agent_id": a.agent_id, "agent_name": a.name, "contract": a.contract, "core": a.core,
            "shifts": len(mine),
            "paid_hours": float(mine.paid_hours.sum()),
            "overtime_hours": float(mine.overtime_hours.sum()) if "overtime_hours" in mine else 0.0,
            "night_hours": float(night_h.get(a.agent_id, 0.0)),
        }
        for q in sc.config.queues:
            row[f"{q.id}_hours"] = float(per_queue.at[a.agent_id, q.id]) if (a.agent_id in per_queue.index and q.id in per_queue.columns) else 0.0
        row["wage_yuan"] = float(mine.wage_yuan.sum()) if "wage_yuan" in mine else 0.0
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df):
        avg = df.groupby("contract").paid_hours.transform("mean")
        df["below_average"] = df.paid_hours < avg - 1e-9
    return df


@dataclass
class _Shared:
    """What several writers need, computed once per plan."""

    handover: pd.DataFrame
    per_agent: pd.DataFrame
    coverage_png: bytes
    gantt_png: bytes
    chart_lang: ChartLang


def writers(lang: str) -> list[Writer]:
    """One writer per people's file, labelled in `lang` (zh: Chinese with English beside; en)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    cache: dict[int, tuple[Plan, _Shared]] = {}  # by identity: a Plan is an unhashable dataclass

    def shared(plan: Plan) -> _Shared:
        hit = cache.get(id(plan))
        if hit is None or hit[0] is not plan:
            sc = plan.scenario
            ho = handover_sheet(sc, plan.rota.shifts, plan.rota.assignments, plan.forecast, lang)
            cov, cl = coverage_png(plan, lang)
            gantt, _ = gantt_png(plan, lang)
            cache.clear()
            cache[id(plan)] = (plan, _Shared(ho, per_agent_table(plan), cov, gantt, cl))
        return cache[id(plan)][1]

    def handover_csv(plan: Plan, folder: Path) -> None:
        write_csv(shared(plan).handover, folder / "handover.csv")

    def charts(plan: Plan, folder: Path) -> None:
        s = shared(plan)
        write_bytes(s.coverage_png, folder / "coverage.png")
        write_bytes(s.gantt_png, folder / "gantt.png")

    def excel(plan: Plan, folder: Path) -> None:
        s = shared(plan)
        gaps = handover_gaps(s.handover)
        extra = [(t("handover_gaps", lang), str(len(gaps)))]
        if s.chart_lang.fell_back:
            extra.append(("fonts", t("font_fallback", lang)))
        write_rota_xlsx(plan, s.handover, s.per_agent, folder / "rota.xlsx", lang, extra)

    def report(plan: Plan, folder: Path) -> None:
        s = shared(plan)
        lines, ok = _check(plan, folder, lang)
        text = render_report(plan, lang, coverage_png=s.coverage_png, gantt_png=s.gantt_png, chart_lang=s.chart_lang,
                             handover=s.handover, gaps=handover_gaps(s.handover), per_agent=s.per_agent,
                             check_lines=lines, check_ok=ok)
        write_report_html(text, folder / "report.html")

    return [handover_csv, charts, excel, report]


def _check(plan: Plan, folder: Path, lang: str) -> tuple[list[str], bool | None]:
    """The independent checker's verdict on the files already in the folder (rule exceptions)."""
    if not (folder / "shifts.csv").exists() or not (folder / "assignments.csv").exists():
        return [t("check_not_run", lang, why="shifts.csv / assignments.csv not in the folder")], None
    try:
        from scheduler.checker import check_folder

        report = check_folder(folder, plan.scenario)
    except Exception as exc:  # noqa: BLE001 - the report still shows everything else
        return [t("check_not_run", lang, why=f"{type(exc).__name__}: {exc}")], None
    return [str(v) for v in report.violations], report.ok
