"""report.html: one self-contained page a supervisor opens offline or on a phone.

Charts are inline PNGs (data: URIs), styles are inline, nothing is fetched: no script, font or
image from the network, so the page reads the same in the team chat, on a laptop with no
connection and printed.
"""

from __future__ import annotations

import base64
import html
import math
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from scheduler.report.charts import ChartLang, queue_colours, queue_label
from scheduler.report.labels import column_label, t

if TYPE_CHECKING:
    from scheduler.results import Plan

MAX_TABLE_ROWS = 1000

PAGE_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
margin:0;padding:12px;color:#222;background:#fafafa;line-height:1.45}
main{max-width:1200px;margin:auto}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .4em;border-bottom:2px solid #1f77b4}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px}
.card b{display:block;font-size:1.25em}.card span{font-size:.85em;color:#555}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;min-width:100%}
th,td{border:1px solid #e3e3e3;padding:3px 6px;text-align:left;white-space:nowrap}
th{background:#eef3f8;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.gap td{background:#fde8e8}
.wrap td{white-space:normal;word-break:break-word}.wrap td:last-child{font-variant-numeric:tabular-nums}
.src{color:#a00}.warn{background:#fff4d6;border:1px solid #e0b84c;padding:6px 10px;border-radius:4px}
.bad{background:#fde8e8;border:1px solid #d66;padding:6px 10px;border-radius:4px}
.ok{background:#e8f6e8;border:1px solid #6a6;padding:6px 10px;border-radius:4px}
img{max-width:100%;height:auto;display:block;background:#fff;border:1px solid #ddd}
.sw{display:inline-block;width:1em;height:1em;vertical-align:middle;margin-right:.3em;border:1px solid #999}
small{color:#666}
@media print{body{background:#fff}.scroll{overflow:visible}}
"""


def escape(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _fmt(v: Any, key: str = "") -> str:
    """A value for people: money and counts with separators, shares as percentages."""
    if hasattr(v, "item") and not isinstance(v, str | pd.Timestamp):
        v = v.item()  # numpy scalars
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "✓" if v else ""
    if isinstance(v, pd.Timestamp | datetime):
        return pd.Timestamp(v).strftime("%m-%d %H:%M")
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isinf(v):
            return "∞"
        if key == "gap":
            return f"{v:.2%}"
        if key in ("service_level", "abandon_rate", "occupancy") or key.endswith(("_share", "_rate", "conversion")):
            return f"{v:.2%}" if abs(v) < 0.1 else f"{v:.1%}"
        return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, list | tuple):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def summary_rows(plan: Plan, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs of the run's summary: status, cost split, bound and gap, sizes."""
    s = plan.summary
    keys = ["scenario", "status", "objective", "wage_cost", "lost_inquiry_value", "hire_cost", "other_costs", "lower_bound", "gap",
            "solve_seconds", "agents_scheduled", "shifts", "paid_hours", "shortfall_agent_hours",
            "expected_lost_inquiries", "value_per_inquiry", "seed", "input_sha256"]
    money = {"objective", "wage_cost", "lost_inquiry_value", "hire_cost", "other_costs", "lower_bound", "value_per_inquiry"}
    rows = []
    for k in keys:
        if k not in s:
            continue
        v = _fmt(s[k], k)
        if k in money:
            v = f"¥{v}"
        rows.append((t(k, lang), v))
    if s.get("interrupted"):
        rows.append((t("interrupted", lang), "✓"))
    return rows


def _flatten(d: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(d, dict):
        out = []
        for k, v in d.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return [(prefix, d)]


def sizing_rows(sizing: dict) -> list[tuple[str, str, bool]]:
    """(item, value, is_source_formula) from the demand stage's sizing dict, in its own order."""
    rows = []
    for key, v in _flatten(sizing or {}):
        rows.append((key.replace("_", " "), _fmt(v, key.rsplit(".", 1)[-1]), "source" in key.lower()))
    return rows


def html_table(df: pd.DataFrame, lang: str, row_class: pd.Series | None = None, limit: int = MAX_TABLE_ROWS) -> str:
    heads = "".join(f"<th>{escape(column_label(c, lang))}</th>" for c in df.columns)
    body = []
    for i, row in enumerate(df.head(limit).itertuples(index=False)):
        cls = f' class="{row_class.iloc[i]}"' if row_class is not None and row_class.iloc[i] else ""
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            num = isinstance(v, int | float) and not isinstance(v, bool)
            cells.append(f'<td{" class=num" if num else ""}>{escape(_fmt(v, c))}</td>')
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    more = f"<p><small>{escape(t('more_rows', lang, n=str(len(df) - limit)))}</small></p>" if len(df) > limit else ""
    return f'<div class="scroll"><table><thead><tr>{heads}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{more}'


def png_img(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _queue_totals(plan: Plan, lang: str) -> pd.DataFrame:
    sc = plan.scenario
    slot_h = sc.slot_minutes / 60
    rows = []
    for q in sc.config.queues:
        c = plan.coverage[plan.coverage.queue == q.id]
        rows.append({
            "queue": queue_label(q, lang),
            "forecast": float(c.forecast.sum()),
            "peak_required": int(c.required.max()) if len(c) else 0,
            "peak_scheduled": int(c.scheduled.max()) if len(c) else 0,
            "shortfall_agent_hours": float(c.shortfall.sum()) * slot_h,
            "expected_lost_inquiries": float(c.expected_lost_inquiries.sum()) if "expected_lost_inquiries" in c else 0.0,
        })
    return pd.DataFrame(rows)


def render_report(plan: Plan, lang: str, *, coverage_png: bytes, gantt_png: bytes, chart_lang: ChartLang,
                  handover: pd.DataFrame, gaps: pd.DataFrame, per_agent: pd.DataFrame,
                  check_lines: list[str], check_ok: bool | None) -> str:
    """The whole page as text."""
    sc = plan.scenario
    s = plan.summary
    L = lang
    parts: list[str] = []
    title = f"{t('report_title', L)} — {sc.config.name}"
    h = sc.config.horizon
    parts.append(f"<h1>{escape(title)}</h1><p>{escape(sc.config.description)}<br><small>"
                 f"{escape(h.start.isoformat())} – {escape(h.end.isoformat())} · {escape(sc.config.timezone)} · "
                 f"{sc.slot_minutes} min</small></p>")
    if chart_lang.fell_back:
        parts.append(f'<p class="warn">{escape(t("font_fallback", L))}</p>')
    # summary cards
    cards = [("objective", True), ("wage_cost", True), ("lost_inquiry_value", True)]
    cards += [("hire_cost", True)] if plan.hiring is not None else []
    cards += [("other_costs", True),
             ("status", False), ("gap", False), ("lower_bound", True), ("shortfall_agent_hours", False),
             ("expected_lost_inquiries", False), ("agents_scheduled", False), ("shifts", False), ("paid_hours", False)]
    html_cards = []
    for k, money in cards:
        if k in s:
            v = _fmt(s[k], k)
            html_cards.append(f'<div class="card"><span>{escape(t(k, L))}</span><b>{"¥" if money else ""}{escape(v)}</b></div>')
    if s.get("interrupted"):
        html_cards.append(f'<div class="card"><span>{escape(t("interrupted", L))}</span><b>✓</b></div>')
    parts.append(f"<h2>{escape(t('summary', L))}</h2><div class=\"cards\">{''.join(html_cards)}</div>")
    if plan.hiring is not None:
        parts.append(hiring_section(plan.hiring, L))
    # sizing
    rows = sizing_rows(plan.sizing)
    if rows:
        sound = [(k, v) for k, v, src in rows if not src]
        source = [(k, v) for k, v, src in rows if src]
        tbl = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in sound)
        src_tbl = "".join(f"<tr class=src><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in source)
        parts.append(f"<h2>{escape(t('sizing', L))}</h2><div class=\"cards\" style=\"grid-template-columns:repeat(auto-fit,minmax(280px,1fr))\">"
                     f"<div><h3>{escape(t('sound_chain', L))}</h3><div class=scroll><table class=wrap>{tbl}</table></div></div>"
                     + (f"<div><h3 class=src>{escape(t('source_formula', L))}</h3><div class=scroll><table class=wrap>{src_tbl}</table></div></div>" if source else "")
                     + "</div>")
    # coverage
    parts.append(f"<h2>{escape(t('coverage', L))}</h2>{png_img(coverage_png, t('coverage', L))}")
    parts.append(html_table(_queue_totals(plan, L), L))
    # gantt
    colours = queue_colours(sc)
    legend = " ".join(f'<span class="sw" style="background:{colours[q.id]}"></span>{escape(queue_label(q, L))}' for q in sc.config.queues)
    legend += f' <span class="sw" style="background:{colours["break"]}"></span>{escape(t("break", L))} · ★ {escape(t("core_mark", L))}'
    parts.append(f"<h2>{escape(t('gantt', L))}</h2><p>{legend}</p>{png_img(gantt_png, t('gantt', L))}")
    # handover
    parts.append(f"<h2>{escape(t('handover', L))}</h2>")
    if len(gaps):
        g = (gaps.groupby(["time", "queue"], sort=True)
             .agg(leavers=("from_agent", "count"), from_agent=("from_agent", lambda x: ", ".join(x)), notes=("notes", "first"))
             .reset_index())
        parts.append(f'<p class="bad">{escape(t("handover_gaps", L))}: {len(gaps)}</p>' + html_table(g, L))
    else:
        parts.append(f'<p class="ok">{escape(t("no_gaps", L))}</p>')
    shown = handover.drop(columns=["queue_open_chats"], errors="ignore")
    parts.append(html_table(shown, L, row_class=shown.flag.map(lambda f: "gap" if f else "") if len(shown) else None))
    # per agent
    parts.append(f"<h2>{escape(t('per_agent', L))}</h2>" + html_table(per_agent, L))
    # exceptions
    parts.append(f"<h2>{escape(t('exceptions', L))}</h2>")
    if check_ok is True:
        parts.append(f'<p class="ok">{escape(t("check_ok", L))}</p>')
    elif check_ok is False:
        parts.append(f'<p class="bad">{escape(t("check_failed", L, n=str(len(check_lines))))}</p><ul>'
                     + "".join(f"<li>{escape(x)}</li>" for x in check_lines[:200]) + "</ul>")
    else:
        parts.append(f'<p class="warn">{escape(check_lines[0] if check_lines else "")}</p>')
    short = plan.coverage[plan.coverage.shortfall > 0]
    parts.append(f"<p>{escape(t('shortfall_slots', L, n=str(len(short))))}</p>")
    if len(short):
        cols = [c for c in ("slot_start", "queue", "forecast", "required", "scheduled", "shortfall", "service_level") if c in short.columns]
        parts.append(html_table(short[cols], L, limit=200))
    if plan.changes is not None and len(plan.changes):
        parts.append(f"<h2>{escape(t('changes', L))}</h2>" + html_table(plan.changes, L))
    stamp = f"{t('generated', L)}: scheduler {escape(s.get('versions', {}).get('scheduler', ''))} · sha256 {escape(str(s.get('input_sha256', ''))[:16])}"
    parts.append(f"<p><small>{stamp}</small></p>")
    lang_attr = "zh-CN" if L == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{lang_attr}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{PAGE_CSS}</style></head><body><main>{''.join(parts)}</main></body></html>\n")


HIRING_COLUMNS = ["pool", "hired", "max", "cost_per_hire_yuan", "cost_yuan",
                  "value_of_one_more_yuan", "value_of_one_more_min_yuan", "value_of_one_more_max_yuan", "one_more_basis",
                  "value_of_one_fewer_yuan", "value_of_one_fewer_min_yuan", "value_of_one_fewer_max_yuan", "one_fewer_basis",
                  "decision"]


def marginal_words(row: Any, label: str) -> str:
    """What one more (`one_more`) or the last (`one_fewer`) hire saves, and whether that is proven
    or a time-limited estimate with its proven range (or why it was not measured)."""
    value = getattr(row, f"value_of_{label}_yuan")
    basis = str(getattr(row, f"{label}_basis"))
    if value is None or value != value:  # None or NaN: not measured, and why
        return basis
    lo, hi = getattr(row, f"value_of_{label}_min_yuan"), getattr(row, f"value_of_{label}_max_yuan")
    kind = "proven" if basis.startswith("proven") else f"estimate; the saving is proven to lie in ¥{lo:,.0f} .. ¥{hi:,.0f}"
    said = f"saves ¥{value:,.0f}" if value >= 0 else f"costs ¥{-value:,.0f} more"
    return f"{said} ({kind})"


def hiring_section(table: pd.DataFrame, lang: str) -> str:
    """The hiring decision: per pool how many are hired of how many, the hire cost, and what one
    more or one fewer would save, each said to be proven or a time-limited estimate."""
    lines = "".join(f"<li><b>{escape(t('hiring_line', lang, pool=str(r.pool), hired=str(r.hired), max=str(r.max), cost=_fmt(float(r.cost_yuan))))}</b>"
                    f"<br>{escape(t('one_more', lang))}: {escape(marginal_words(r, 'one_more'))}"
                    f"<br>{escape(t('one_fewer', lang))}: {escape(marginal_words(r, 'one_fewer'))}</li>"
                    for r in table.itertuples())
    cols = [c for c in HIRING_COLUMNS if c in table.columns]
    return (f"<h2>{escape(t('hiring', lang))}</h2><p>{escape(t('hiring_intro', lang))}</p><ul>{lines}</ul>"
            + html_table(table[cols], lang))


def write_report_html(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
