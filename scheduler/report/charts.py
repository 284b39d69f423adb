"""coverage.png and gantt.png (matplotlib, Agg backend), labelled in Chinese or English.

Chinese labels need a CJK font. One installed on the machine is picked by family name (or by its
file name in the system font folders, then registered with matplotlib); when none is installed
the charts fall back to English labels and say so, rather than print empty boxes ("tofu").
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scheduler.report.labels import t

if TYPE_CHECKING:
    from scheduler.results import Plan
    from scheduler.scenario import Queue, Scenario

os.environ.setdefault("MPLBACKEND", "Agg")

# Families tried in this order (Debian: fonts-noto-cjk, fonts-wqy-microhei, fonts-wqy-zenhei,
# fonts-arphic-*, fonts-droid-fallback; then what Windows and macOS ship).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Hiragino Sans GB",
)
CJK_FILES = (
    "notosanscjk-regular.ttc", "notosanscjksc-regular.otf", "wqy-microhei.ttc", "wqy-zenhei.ttc",
    "uming.ttc", "ukai.ttc", "droidsansfallbackfull.ttf", "droidsansfallback.ttf", "msyh.ttc", "simhei.ttf",
)
PROBE = "排班覆盖客服售前后交接休息主力预测需要人数"
BREAK_COLOUR = "#b0b0b0"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


def _covers(path: str, text: str = PROBE) -> bool:
    """Whether the font file has a glyph for every character of `text`."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None when there is none."""
    from matplotlib import font_manager as fm

    by_name: dict[str, str] = {}
    for f in fm.fontManager.ttflist:
        by_name.setdefault(f.name, f.fname)
    for fam in CJK_FAMILIES:
        if fam in by_name and _covers(by_name[fam]):
            return fam
    # installed after matplotlib built its font cache: find the file and register it
    for path in sorted(fm.findSystemFonts()):
        if os.path.basename(path).lower() in CJK_FILES and _covers(path):
            fm.fontManager.addfont(path)
            return fm.FontProperties(fname=path).get_name()
    return None


@dataclass(frozen=True)
class ChartLang:
    """The language the charts are actually drawn in, and why it may differ from the one asked."""

    asked: str
    drawn: str
    font: str | None

    @property
    def fell_back(self) -> bool:
        return self.asked != self.drawn


def chart_lang(lang: str) -> ChartLang:
    if lang != "zh":
        return ChartLang(lang, "en", cjk_font())
    font = cjk_font()
    return ChartLang("zh", "zh" if font else "en", font)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def ascii_part(text: str) -> str:
    """'售前 Pre-sale' -> 'Pre-sale': the English part of a bilingual name."""
    return re.sub(r"\s+", " ", _CJK.sub("", text)).strip(" /()-·")


def queue_label(q: Queue, lang: str) -> str:
    """The queue's own name in zh; its English part (or id) in en, never Chinese glyphs."""
    if lang == "zh":
        return q.name or q.id
    return ascii_part(q.name) or q.id


def queue_colours(scenario: Scenario) -> dict[str, str]:
    """One colour per queue (same in Excel, charts and HTML), grey for breaks."""
    out = {q.id: PALETTE[i % len(PALETTE)] for i, q in enumerate(scenario.config.queues)}
    out["break"] = BREAK_COLOUR
    return out


def rc_params(cl: ChartLang) -> dict:
    fams = ([cl.font] if cl.font and cl.drawn == "zh" else []) + ["DejaVu Sans"]
    # text.parse_math off: names and titles come from input, and '$...$' must be drawn as typed,
    # not parsed as mathtext (which also fails on bad TeX); scheduler.cells states the policy
    return {"font.family": fams, "axes.unicode_minus": False, "figure.dpi": 110, "text.parse_math": False}


def _local_naive(s: pd.Series | pd.DatetimeIndex, tz) -> np.ndarray:
    idx = pd.DatetimeIndex(pd.to_datetime(s)).tz_convert(tz)
    return idx.tz_localize(None).to_numpy()


def time_axis(ax, start: pd.Timestamp, end: pd.Timestamp) -> None:
    import matplotlib.dates as mdates

    hours = (end - start).total_seconds() / 3600
    step = 3 if hours <= 48 else 6 if hours <= 96 else 12 if hours <= 240 else 24
    ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, step)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d\n%H:%M" if hours > 24 else "%H:%M"))
    ax.set_xlim(start.tz_localize(None), end.tz_localize(None))
    day = start.normalize()
    while day <= end:
        if day > start:
            ax.axvline(day.tz_localize(None), color="#555555", lw=0.8, ls=":")
        day += pd.Timedelta(days=1)


def png_bytes(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


@dataclass(frozen=True)
class _Canvas:
    """What both charts start from: the scenario, its labels and colours, the horizon in local time."""

    sc: Scenario
    cl: ChartLang
    colours: dict[str, str]
    tz: object
    step: pd.Timedelta
    start: pd.Timestamp
    end: pd.Timestamp


def _canvas(plan: Plan, lang: str) -> _Canvas:
    import matplotlib

    matplotlib.use("Agg")
    sc = plan.scenario
    tz = sc.tz
    return _Canvas(sc, chart_lang(lang), queue_colours(sc), tz, pd.Timedelta(minutes=sc.slot_minutes),
                   pd.Timestamp(sc.config.horizon.start).tz_convert(tz), pd.Timestamp(sc.config.horizon.end).tz_convert(tz))


def _title(c: _Canvas, key: str) -> str:
    title = f"{t(key, c.cl.drawn)} — {c.sc.config.name}"
    if c.cl.fell_back:
        title += "  (English labels: no CJK font installed)"
    return title


def coverage_png(plan: Plan, lang: str) -> tuple[bytes, ChartLang]:
    """Per queue: forecast band (p50-p90), required and scheduled agents, shortfall in red."""
    import matplotlib

    c = _canvas(plan, lang)  # selects the Agg backend before pyplot loads
    import matplotlib.pyplot as plt

    sc, cl, L, colours, tz, step, start, end = c.sc, c.cl, c.cl.drawn, c.colours, c.tz, c.step, c.start, c.end
    with matplotlib.rc_context(rc_params(cl)):
        n = len(sc.config.queues)
        width = min(24.0, max(10.0, sc.n_slots * 0.16))
        fig, axes = plt.subplots(n, 1, figsize=(width, 3.2 * n + 0.8), sharex=True, squeeze=False)
        handles: dict = {}
        for ax, q in zip(axes[:, 0], sc.config.queues, strict=True):
            cov = plan.coverage[plan.coverage.queue == q.id].sort_values("slot_start")
            fc = plan.forecast[plan.forecast.queue == q.id].sort_values("slot_start")
            x_cov = np.append(_local_naive(cov.slot_start, tz), (cov.slot_start.iloc[-1] + step).tz_convert(tz).tz_localize(None)) if len(cov) else []
            ax2 = ax.twinx()
            if len(fc):
                xf = np.append(_local_naive(fc.slot_start, tz), (fc.slot_start.iloc[-1] + step).tz_convert(tz).tz_localize(None))
                hi_col = "p90" if "p90" in fc.columns else "p50"
                lo = np.append(fc.p50.to_numpy(float), fc.p50.iloc[-1])
                hi = np.append(fc[hi_col].to_numpy(float), fc[hi_col].iloc[-1])
                ax2.fill_between(xf, lo, hi, step="post", color="#f2c14e", alpha=0.35, lw=0, label=t("forecast_band", L))
                ax2.step(xf, lo, where="post", color="#8a6d00", lw=1.2, ls=":", label=t("forecast", L))
                ax2.set_ylabel(t("inquiries_per_slot", L, both=False), color="#a07410")
                ax2.set_ylim(0, max(1.0, float(hi.max())) * 1.15)
            if len(cov):
                req = np.append(cov.required.to_numpy(float), cov.required.iloc[-1])
                sch = np.append(cov.scheduled.to_numpy(float), cov.scheduled.iloc[-1])
                ax.fill_between(x_cov, sch, req, where=req > sch, step="post", color="#d62728", alpha=0.45, lw=0,
                                label=t("shortfall", L))
                ax.step(x_cov, req, where="post", color="#222222", lw=1.6, ls="--", label=t("required", L))
                ax.step(x_cov, sch, where="post", color=colours[q.id], lw=2.2, label=t("scheduled", L))
                ax.set_ylim(0, max(1.0, float(max(req.max(), sch.max()))) * 1.15)
            ax.set_zorder(ax2.get_zorder() + 1)
            ax.patch.set_visible(False)
            ax.set_ylabel(t("agents", L, both=False))
            ax.set_title(f"{queue_label(q, L)}", loc="left", fontsize=11)
            ax.grid(axis="y", alpha=0.3)
            time_axis(ax, start, end)
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            handles.update(zip(l1 + l2, h1 + h2, strict=True))
        fig.suptitle(_title(c, "coverage"), fontsize=13)
        fig.tight_layout(rect=(0, 0.06 / n, 1, 1))
        fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", ncol=5, fontsize=9, frameon=False)
        return png_bytes(fig), cl


def gantt_png(plan: Plan, lang: str) -> tuple[bytes, ChartLang]:
    """One row per agent with shifts: working slots coloured by queue, breaks grey, core starred."""
    import matplotlib

    c = _canvas(plan, lang)  # selects the Agg backend before pyplot loads
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    sc, cl, L, colours, tz, step, start, end = c.sc, c.cl, c.cl.drawn, c.colours, c.tz, c.step, c.start, c.end
    asg = plan.rota.assignments.sort_values(["agent_id", "slot_start"])
    first = asg.groupby("agent_id").slot_start.min()
    agents = sorted(first.index, key=lambda a: (first[a], a))
    by_id = sc.agents_by_id
    n = max(1, len(agents))
    row_h = 0.16 if n <= 150 else max(0.05, 36.0 / n)
    width = min(24.0, max(10.0, sc.n_slots * 0.16))
    slot_days = step / pd.Timedelta(days=1)
    with matplotlib.rc_context(rc_params(cl)):
        fig, ax = plt.subplots(figsize=(width, row_h * n + 1.8))
        # runs of consecutive slots with the same activity, gathered per activity so each colour
        # is one collection: one artist per run made 200 agents take seconds to draw
        runs: dict[str, list] = {}
        per_agent = dict(tuple(asg.groupby("agent_id", sort=False)))
        for i, aid in enumerate(agents):
            g = per_agent[aid]
            xs = _local_naive(g.slot_start, tz)
            acts = g.activity.to_numpy()
            j = 0
            while j < len(acts):
                k = j
                while k + 1 < len(acts) and acts[k + 1] == acts[j] and xs[k + 1] - xs[k] == np.timedelta64(step):
                    k += 1
                x0 = matplotlib.dates.date2num(xs[j])
                x1 = x0 + (k - j + 1) * slot_days
                runs.setdefault(acts[j], []).append([(x0, i - 0.4), (x1, i - 0.4), (x1, i + 0.4), (x0, i + 0.4)])
                j = k + 1
        for act, boxes in runs.items():
            ax.add_collection(PolyCollection(boxes, facecolors=colours.get(act, "#7f7f7f"), edgecolors="white",
                                             linewidths=0.3, hatch="//" if act == "break" else None))
        labels = []
        for aid in agents:
            a = by_id.get(aid)
            star = "★" if a is not None and a.core else ""
            name = f" {a.name}" if a is not None and L == "zh" and a.name != aid else ""
            labels.append(f"{star}{aid}{name}")
        ax.set_yticks(range(len(agents)), labels, fontsize=7 if n <= 150 else 5)
        ax.set_ylim(len(agents) - 0.5, -0.5)
        time_axis(ax, start, end)
        ax.xaxis.set_tick_params(labeltop=True, top=True)
        ax.grid(axis="x", alpha=0.3)
        handles = [Patch(facecolor=colours[q.id], label=queue_label(q, L)) for q in sc.config.queues]
        handles.append(Patch(facecolor=BREAK_COLOUR, hatch="//", label=t("break", L)))
        handles.append(Patch(facecolor="white", edgecolor="white", label="★ " + t("core_mark", L)))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02 - 0.5 / (row_h * n + 1.8)),
                  ncol=len(handles), fontsize=9, frameon=False)
        ax.set_title(_title(c, "gantt"), fontsize=13, pad=28)
        fig.tight_layout()
        return png_bytes(fig), cl
