"""sweep.csv and sweep.html: one row per variant (or shop), and the cost chart beside the table.

The table goes through the plan folder's CSV writer (scheduler.cells: text from input, a shop's
name or a variant's value, never runs as a formula); it is rewritten whole (temporary file, then
renamed) after every finished variant, so a sweep stopped at any moment leaves a table listing
exactly what finished. The page is self-contained (the chart inline, nothing fetched), like report.html.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from scheduler.report.files import write_bytes, write_csv

os.environ.setdefault("MPLBACKEND", "Agg")

TABLE = "sweep.csv"
PAGE = "sweep.html"
CHART = "sweep.png"
FIGURES = ["status", "cost_yuan", "wages_yuan", "lost_inquiry_value_yuan", "other_costs_yuan", "lower_bound_yuan",
           "gap", "hires", "hires_by_pool", "agents_scheduled", "solve_seconds", "folder", "run", "node", "message"]
"""The columns after the varied values, in this order."""


def sweep_table(rows: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    """The rows in the sweep's own order, the varied values first, then the figures."""
    df = pd.DataFrame(rows, columns=[*keys, *FIGURES])
    for c in ("hires", "agents_scheduled"):
        df[c] = df[c].astype("Int64")
    for c in keys:  # a column of mixed values (8, "p50") is written as typed
        if df[c].map(type).nunique() > 1:
            df[c] = df[c].map(lambda v: v if isinstance(v, str) else str(v))
    return df


def write_table(df: pd.DataFrame, out: Path) -> Path:
    write_csv(df, out / TABLE)
    return out / TABLE


def _label(row: pd.Series, keys: list[str]) -> str:
    return "\n".join(f"{k.rsplit('.', 1)[-1]}={row[k]}" for k in keys) if len(keys) > 1 else str(row[keys[0]])


def cost_chart(df: pd.DataFrame, keys: list[str], title: str) -> bytes:
    """Cost of each variant against its varied values: wages, lost-inquiry value and other costs
    stacked (the bars' height is the total cost); failed variants show as a gap with their status."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"font.family": ["DejaVu Sans"], "text.parse_math": False, "figure.dpi": 110}):
        fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(df) + 2), 4.2))
        x = range(len(df))
        ok = df.cost_yuan.notna()
        parts = [("wages_yuan", "wages", "#1f77b4"), ("lost_inquiry_value_yuan", "lost-inquiry value", "#d62728"),
                 ("other_costs_yuan", "other costs (fairness, preferences, ...)", "#bbbbbb")]
        bottom = pd.Series(0.0, index=df.index)
        for col, name, colour in parts:
            h = pd.to_numeric(df[col], errors="coerce").fillna(0.0).clip(lower=0)
            ax.bar(list(x), h, bottom=bottom, color=colour, label=name, width=0.7)
            bottom += h
        for i, r in enumerate(df.itertuples(index=False)):
            if not ok.iloc[i]:
                ax.text(i, 0, str(r.status), rotation=90, ha="center", va="bottom", fontsize=8, color="#a00")
        ax.set_xticks(list(x), [_label(r, keys) for _, r in df.iterrows()], fontsize=7,
                      rotation=0 if len(df) <= 8 and len(keys) == 1 else 60, ha="center" if len(df) <= 8 else "right")
        ax.set_ylabel("cost (yuan)")
        ax.set_xlabel(" / ".join(keys))
        ax.set_title(title, fontsize=10)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.margins(y=0.18)
        ax.legend(fontsize=8, loc="upper left")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        plt.close(fig)
    return buf.getvalue()


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def render_page(df: pd.DataFrame, keys: list[str], title: str, chart: bytes, notes: list[str]) -> str:
    """The page: what ran, the chart, and the table with a link to each plan folder's report."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        cells = []
        for c in df.columns:
            text = html.escape(_cell(r[c]))
            if c == "folder" and r[c]:
                text = f'<a href="{html.escape(str(r[c]), quote=True)}/report.html">{text}</a>'
            cls = ' class="num"' if isinstance(r[c], int | float) and c not in keys else ""
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    src = base64.b64encode(chart).decode()
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:12px;color:#222}table{border-collapse:collapse;font-size:.85em}"
        "th,td{border:1px solid #ddd;padding:3px 6px;white-space:nowrap}th{background:#eef3f8}td.num{text-align:right}"
        "img{max-width:100%;border:1px solid #ddd}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{items}</ul>"
        f'<img alt="cost of each variant" src="data:image/png;base64,{src}">'
        f"<h2>{html.escape(TABLE)}</h2><div style=\"overflow-x:auto\"><table><tr>{head}</tr>{''.join(body)}</table></div>"
        "</body></html>\n"
    )


def write_page(df: pd.DataFrame, keys: list[str], out: Path, title: str, notes: list[str]) -> Path:
    """sweep.png and sweep.html, each written under a temporary name and renamed into place."""
    chart = cost_chart(df, keys, title)
    write_bytes(chart, out / CHART)
    write_bytes(render_page(df, keys, title, chart, notes).encode("utf-8"), out / PAGE)
    return out / PAGE
