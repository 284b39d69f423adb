"""The HTML the server renders itself: the page shell (with its token) and one agent's page.

The agent's page is plain server-side HTML with no script, so it opens on any phone from the
link a supervisor drops in the team chat.
"""

from __future__ import annotations

import html
from importlib import resources

import pandas as pd

from scheduler.serve.versions import Version

_AGENT_TEXT = {
    "zh": {
        "title": "我的班次", "shifts": "班次", "none": "本计划中没有班次", "queue": "队列", "break": "休息",
        "give": "下班交接（交出）", "take": "接班（接收）", "to": "交给", "from": "来自", "open": "进行中会话",
        "unpaid": "待催付订单", "cases": "售后处理中", "notes": "备注", "version": "计划版本", "now": "现在",
        "no_receiver": "无人接班", "core": "主力客服", "hours": "小时", "nobody": "—",
    },
    "en": {
        "title": "My shifts", "shifts": "Shifts", "none": "no shifts in this plan", "queue": "Queue", "break": "break",
        "give": "Handovers I give", "take": "Handovers I receive", "to": "to", "from": "from", "open": "open chats",
        "unpaid": "unpaid orders to chase", "cases": "after-sale cases", "notes": "notes", "version": "plan version",
        "now": "now", "no_receiver": "no receiver", "core": "core agent", "hours": "h", "nobody": "—",
    },
}


def _e(v) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def index_page(token: str, lang: str) -> str:
    """The page shell from the package, with the token the page's script sends on every POST."""
    text = resources.files("scheduler.serve").joinpath("static", "index.html").read_text(encoding="utf-8")
    return text.replace("{{TOKEN}}", _e(token)).replace("{{LANG}}", _e(lang))


def _runs(asg: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    inside = asg[(asg.slot_start >= start) & (asg.slot_start < end)].sort_values("slot_start")
    out: list[list] = []
    for t, a in zip(inside.slot_start, inside.activity, strict=True):
        if out and out[-1][1] == t and out[-1][2] == a:
            out[-1][1] = t + step
        else:
            out.append([t, t + step, a])
    return [tuple(r) for r in out]  # type: ignore[misc]


def _hm(t: pd.Timestamp, day: pd.Timestamp) -> str:
    if t.normalize() > day.normalize() and t.hour == 0 and t.minute == 0:
        return "24:00"
    return f"{t:%H:%M}"


def agent_page(version: Version, agent_id: str, now: pd.Timestamp, lang: str) -> str:
    """One agent's shifts (queue by queue, breaks shown) and the handovers they give and take."""
    tx = _AGENT_TEXT[lang]
    sc = version.scenario
    agent = sc.agent(agent_id)
    qname = {q.id: (q.name or q.id) for q in sc.config.queues}
    step = pd.Timedelta(minutes=sc.slot_minutes)
    mine = version.shifts[version.shifts.agent_id == agent_id].sort_values("start")
    asg = version.assignments[version.assignments.agent_id == agent_id]
    blocks = []
    for r in mine.itertuples(index=False):
        past = " past" if r.end <= now else (" current" if r.start <= now < r.end else "")
        runs = "".join(
            f"<li class='{'brk' if a == 'break' else 'q'}'>{_hm(s, r.start)}–{_hm(e, r.start)} "
            f"{_e(tx['break'] if a == 'break' else qname.get(a, a))}</li>" for s, e, a in _runs(asg, r.start, r.end, step))
        blocks.append(f"<section class='shift{past}'><h2>{r.start:%m-%d} {_hm(r.start, r.start)}–{_hm(r.end, r.start)}"
                      f" <small>{float(r.paid_hours):g} {tx['hours']}</small></h2><ul>{runs}</ul></section>")
    ho = version.handovers(lang)

    def rows(df: pd.DataFrame, other: str, label: str) -> str:
        out = []
        for r in df.sort_values("time").itertuples(index=False):
            who = getattr(r, other) or ""
            who_name = getattr(r, "to_name" if other == "to_agent" else "from_name", "") or ""
            flag = f" <b class='flag'>{tx['no_receiver']}</b>" if getattr(r, "flag", "") == "no_receiver" else ""
            items = (f"{tx['open']} {float(r.open_chats):g} · {tx['unpaid']} {float(r.unpaid_orders):g} · "
                     f"{tx['cases']} {float(r.aftersale_cases):g}")
            notes = getattr(r, "notes", "")
            notes = "" if not isinstance(notes, str) or not notes else f"<div class='notes'>{_e(notes)}</div>"
            out.append(f"<li><b>{r.time:%m-%d %H:%M}</b> {_e(qname.get(r.queue, r.queue))} · {label} "
                       f"{_e(who) or tx['nobody']} {_e(who_name)}{flag}<div>{items}</div>{notes}</li>")
        return "".join(out)

    give = rows(ho[ho.from_agent == agent_id], "to_agent", tx["to"]) if len(ho) else ""
    take = rows(ho[ho.to_agent == agent_id], "from_agent", tx["from"]) if len(ho) else ""
    core = f" · ★ {tx['core']}" if agent.core else ""
    other = "en" if lang == "zh" else "zh"
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(agent.name)} · {tx['title']}</title>
<link rel="stylesheet" href="/static/agent.css"></head>
<body><header><h1>{_e(agent.name)} <small>{_e(agent_id)}</small></h1>
<p>{_e(agent.contract)}{core} · {tx['version']} v{version.number} · {tx['now']} {now:%m-%d %H:%M}
 · <a href="?lang={other}">{'English' if other == 'en' else '中文'}</a></p></header>
<main><h2 class="sec">{tx['shifts']}</h2>{''.join(blocks) or f"<p>{tx['none']}</p>"}
<h2 class="sec">{tx['give']}</h2><ul class="ho">{give or f"<li>{tx['nobody']}</li>"}</ul>
<h2 class="sec">{tx['take']}</h2><ul class="ho">{take or f"<li>{tx['nobody']}</li>"}</ul></main></body></html>
"""
