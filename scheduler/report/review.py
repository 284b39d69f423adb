"""The review folder, written atomically: complete or not there at all.

- kpis.csv, flags.csv, pay.csv, plan_vs_reality.csv, learning.csv and review.json: the tables;
- review.xlsx: the same tables as sheets, laid out like rota.xlsx (labelled headers, machine
  names in a hidden row, filters; every cell through scheduler.cells via excel.put_cell);
- review.html: one self-contained page (inline chart, no script) with the tables and the chart
  of planned vs online agents vs response time by hour;
- proposed_scenario.yaml, proposed_change.md, proposed_history_rows.csv: the next plan's
  proposed scenario, never applied.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from scheduler.report.excel import put_cell as _put
from scheduler.report.excel import table_sheet as _table
from scheduler.report.files import atomic_folder, write_csv, write_json
from scheduler.report.html import PAGE_CSS as _CSS
from scheduler.report.html import escape as _e
from scheduler.report.html import html_table
from scheduler.report.html import png_img as _img
from scheduler.report.labels import t

if TYPE_CHECKING:
    from scheduler.reviewing import Review

REVIEW_MARKERS = ("review.json",)
"""The file that marks a folder as a review folder an earlier run wrote (replaced whole)."""

KPI_FORMATS = {"inquiry_conversion": "0.0%", "payment_rate": "0.0%", "answer_rate": "0.0%", "order_value_yuan": "#,##0.00",
               "sales_yuan": "#,##0.00", "first_response_seconds": "0.0", "avg_response_seconds": "0.0",
               "chats_per_online_hour": "0.0", "online_hours": "0.0"}
PAY_FORMATS = {c: "#,##0.00" for c in ("sales_yuan", "base_fixed_yuan", "base_hourly_yuan", "base_yuan",
                                         "commission_before_gates_yuan", "commission_yuan", "total_yuan")}
PAY_FORMATS |= {"commission_rate": "0.00%", "commission_share_kept": "0%", "online_hours": "0.0", "coefficient": "0.00"}
REALITY_FORMATS = {"abandon_rate": "0.0%", "expected_abandon_rate": "0.0%", "first_response_seconds": "0.0",
                   "avg_response_seconds": "0.0", "expected_asa_seconds": "0.0", "required_asa_seconds": "0.0",
                   "forecast_inquiries": "0.0", "planned_demand": "0.0", "online_agent_hours": "0.0"}


def _lang(rv: Review) -> str:
    return rv.summary.get("lang", "zh")


def _local(df: pd.DataFrame, col: str, rv: Review) -> pd.DataFrame:
    """Times as local wall-clock text for the people's files (CSV keeps ISO 8601 with offset)."""
    return df.assign(**{col: df[col].dt.tz_convert(rv.scenario.tz)})


def write_review_xlsx(rv: Review, path: Path) -> None:
    """review.xlsx: summary, KPIs (team first), flags, pay, plan vs reality, next plan."""
    lang, tz = _lang(rv), rv.scenario.tz
    wb = Workbook()
    ws = wb.active
    ws.title = t("summary", lang)[:31]
    _put(ws, 1, 1, f"{t('review_title', lang)} — {rv.scenario.config.name}").font = Font(bold=True, size=13)
    for r, (k, v) in enumerate(summary_pairs(rv), start=2):
        _put(ws, r, 1, k)
        _put(ws, r, 2, v)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 34, 110
    _table(wb, "review_kpis", rv.kpis, lang, tz, KPI_FORMATS)
    _table(wb, "review_flags", rv.flags, lang, tz, {"ratio": "0.00", "p_value": "0.0E+00"})
    if len(rv.pay):
        _table(wb, "review_pay", rv.pay, lang, tz, PAY_FORMATS)
    _table(wb, "review_reality", rv.reality.rename(columns={"hour_start": "slot_start"}), lang, tz, REALITY_FORMATS)
    _table(wb, "review_learning", rv.learning.table(), lang, tz)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def summary_pairs(rv: Review) -> list[tuple[str, str]]:
    """(label, value) lines of the review's summary, for the Excel sheet and the page."""
    s = rv.summary
    out = [("plan", s["plan"]), ("agent_stats", s["agent_stats"]), ("actuals", s.get("actuals") or ""),
           ("days", ", ".join(s["days"])), ("agents", str(s["agents"])),
           ("flagged_agents", ", ".join(s["flagged_agents"]))]
    if isinstance(s["pay"], dict):
        p = s["pay"]
        out += [("pay total_yuan", f"¥{p['total_yuan']:,.2f}"), ("pay base_yuan", f"¥{p['base_yuan']:,.2f}"),
                ("pay commission_yuan", f"¥{p['commission_yuan']:,.2f}"),
                ("commission cut", ", ".join(p["commission_cut_agents"]))]
    else:
        out.append(("pay", s["pay"]))
    out.append(("slow hours", str(len(s["slow_hours"]))))
    out += [(f"proposed {k}", f"{v['before']} -> {v['after']}") for k, v in s["proposed_changes"].items()]
    return out


def reality_png(rv: Review, lang: str) -> bytes:
    """Per queue: planned, required and online agents (steps) and inquiries; on the right axis
    measured first response beside the plan's expected answer time and the target; slow hours red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scheduler.report.charts import chart_lang, png_bytes, queue_colours, queue_label, rc_params, time_axis

    sc = rv.scenario
    cl = chart_lang(lang)
    L = cl.drawn
    colours = queue_colours(sc)
    tz = sc.tz
    start = pd.Timestamp(sc.config.horizon.start).tz_convert(tz).tz_localize(None)
    end = pd.Timestamp(sc.config.horizon.end).tz_convert(tz).tz_localize(None)
    with matplotlib.rc_context(rc_params(cl)):
        n = len(sc.config.queues)
        fig, axes = plt.subplots(n, 1, figsize=(16, 3.6 * n + 0.8), sharex=True, squeeze=False)
        handles: dict = {}
        for ax, q in zip(axes[:, 0], sc.config.queues, strict=True):
            r = rv.reality[rv.reality.queue == q.id].sort_values("hour_start")
            if not len(r):
                continue
            x = r.hour_start.dt.tz_convert(tz).dt.tz_localize(None).to_numpy()
            xe = np.append(x, x[-1] + np.timedelta64(1, "h"))

            def step(col: str, frame: pd.DataFrame = r) -> np.ndarray:
                v = frame[col].to_numpy(float)
                return np.append(v, v[-1])

            for h in x[r.slow.to_numpy()]:
                ax.axvspan(h, h + np.timedelta64(1, "h"), color="#d62728", alpha=0.15, lw=0, label=t("review_slow_hours", L))
            ax.step(xe, step("required_agents"), where="post", color="#222222", lw=1.3, ls="--", label=t("required_agents", L))
            ax.step(xe, step("planned_agents"), where="post", color=colours[q.id], lw=2.2, label=t("planned_agents", L))
            if r.online_agents.notna().any():
                ax.step(xe, step("online_agents"), where="post", color="#2ca02c", lw=1.4, label=t("online_agents", L))
            ax.set_ylabel(t("agents", L, both=False))
            ax.set_ylim(0, max(1.0, float(np.nanmax(r[["required_agents", "planned_agents"]].to_numpy(float)))) * 1.2)
            ax2 = ax.twinx()
            fr = r.first_response_seconds.to_numpy(float)
            exp = np.where(np.isfinite(r.expected_asa_seconds.to_numpy(float)), r.expected_asa_seconds.to_numpy(float), np.nan)
            ax2.plot(x + np.timedelta64(30, "m"), fr, color="#9467bd", marker="o", ms=3, lw=1.2, label=t("first_response_seconds", L))
            ax2.plot(x + np.timedelta64(30, "m"), exp, color="#8c564b", ls=":", lw=1.4, label=t("expected_asa_seconds", L))
            ax2.axhline(q.target_answer_seconds, color="#d62728", lw=0.9, ls="-.", label=t("target_answer_seconds", L))
            top = np.nanmax(np.concatenate([fr[np.isfinite(fr)], [q.target_answer_seconds * 2]]))
            ax2.set_ylim(0, float(top) * 1.15)
            ax2.set_ylabel("s")
            ax.set_zorder(ax2.get_zorder() + 1)
            ax.patch.set_visible(False)
            ax.set_title(queue_label(q, L), loc="left", fontsize=11)
            ax.grid(axis="y", alpha=0.3)
            time_axis(ax, pd.Timestamp(start), pd.Timestamp(end))
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            handles.update(zip(l1 + l2, h1 + h2, strict=True))
        title = f"{t('review_chart', L)} — {sc.config.name}"
        if cl.fell_back:
            title += "  (English labels: no CJK font installed)"
        fig.suptitle(title, fontsize=13)
        fig.tight_layout(rect=(0, 0.07 / n, 1, 1))
        fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", ncol=7, fontsize=9, frameon=False)
        return png_bytes(fig)


def _counts(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Head counts and inquiries shown as whole numbers where they are whole (hourly slots)."""
    out = df.copy()
    for c in cols:
        v = out[c]
        if v.dropna().map(float.is_integer).all():
            out[c] = [int(x) if pd.notna(x) else None for x in v]
    return out


def render_review_html(rv: Review, chart: bytes) -> str:
    """review.html as text: summary cards, the chart, slow hours, team KPIs, flags, pay, next plan."""
    L = _lang(rv)
    sc = rv.scenario
    s = rv.summary
    title = f"{t('review_title', L)} — {sc.config.name}"
    team = rv.kpis[rv.kpis.scope == "team"][["grain", "period", "buyers_received", "buyers_inquired", "buyers_ordered",
                                               "buyers_paid", "inquiry_conversion", "order_value_yuan", "payment_rate",
                                               "first_response_seconds", "avg_response_seconds", "answer_rate", "sales_yuan"]]
    cards = [("agents", str(s["agents"])), ("agents_flagged", str(len(s["flagged_agents"]))),
             ("slow_hour_count", str(len(s["slow_hours"]))), ("proposed_count", str(len(s["proposed_changes"])))]
    if isinstance(s["pay"], dict):
        cards.append(("total_yuan", f"¥{s['pay']['total_yuan']:,.0f}"))
    parts = [f"<h1>{_e(title)}</h1><p><small>{_e(s['plan'])} · {_e(s['agent_stats'])}"
             f"{' · ' + _e(s['actuals']) if s.get('actuals') else ''} · {_e(', '.join(s['days']))}</small></p>",
             '<div class="cards">' + "".join(f'<div class="card"><span>{_e(t(k, L))}</span><b>{_e(v)}</b></div>' for k, v in cards)
             + "</div>",
             f"<h2>{_e(t('review_reality', L))}</h2>{_img(chart, t('review_chart', L))}"]
    slow = rv.reality[rv.reality.slow][["hour_start", "queue", "planned_agents", "required_agents", "online_agents", "inquiries",
                                        "abandon_rate", "first_response_seconds", "expected_asa_seconds", "symptom", "cause"]]
    parts.append(f"<h3>{_e(t('review_slow_hours', L))}: {len(slow)}</h3>" + html_table(
        _counts(_local(slow, "hour_start", rv), ["planned_agents", "required_agents", "online_agents", "inquiries"]), L))
    parts.append(f"<h2>{_e(t('review_kpis', L))}</h2>" + html_table(team, L))
    month = rv.flags[rv.flags.grain == "month"][["agent_id", "agent_name", "kpi", "value", "team", "ratio", "buyers", "why"]]
    parts.append(f"<h2>{_e(t('review_flags', L))}: {month.agent_id.nunique()}</h2>" + html_table(month, L))
    parts.append(f"<h2>{_e(t('review_pay', L))}</h2>")
    if len(rv.pay):
        pay = rv.pay[["agent_id", "agent_name", "contract", "level", "coefficient", "online_hours", "sales_yuan", "base_yuan",
                      "commission_before_gates_yuan", "gate_outcome", "commission_share_kept", "commission_yuan", "total_yuan"]]
        parts.append(html_table(pay, L, row_class=pay.commission_share_kept.map(lambda k: "gap" if k < 1 else "")))
    else:
        parts.append(f'<p class="warn">{_e(t("review_no_pay", L))}</p>')
    est = rv.learning.table()
    parts.append(f"<h2>{_e(t('review_learning', L))}</h2><p>proposed_scenario.yaml · proposed_change.md</p>"
                 + html_table(est, L, row_class=est.proposed.map(lambda v: "gap" if pd.notna(v) else "")))
    lang_attr = "zh-CN" if L == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{lang_attr}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{_e(title)}</title>'
            f"<style>{_CSS}</style></head><body><main>{''.join(parts)}</main></body></html>\n")


def _write_text(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_review_files(rv: Review, folder: Path) -> None:
    """Every file of the module doc into `folder` (which must exist)."""
    write_csv(rv.kpis, folder / "kpis.csv")
    write_csv(rv.flags, folder / "flags.csv")
    if len(rv.pay):
        write_csv(rv.pay, folder / "pay.csv")
    write_csv(rv.reality, folder / "plan_vs_reality.csv")
    write_csv(rv.learning.table(), folder / "learning.csv")
    write_csv(rv.learning.history_rows, folder / "proposed_history_rows.csv")
    _write_text(rv.proposed_yaml, folder / "proposed_scenario.yaml")
    _write_text(rv.proposed_md, folder / "proposed_change.md")
    write_review_xlsx(rv, folder / "review.xlsx")
    _write_text(render_review_html(rv, reality_png(rv, _lang(rv))), folder / "review.html")
    write_json(rv.summary, folder / "review.json")


def write_review(rv: Review, out: Path, extra_writers: list | None = None) -> Path:
    """The whole review folder, atomically: complete or not there at all."""
    with atomic_folder(out) as tmp:
        write_review_files(rv, tmp)
        for w in extra_writers or []:
            w(rv, tmp)
    return Path(out)
