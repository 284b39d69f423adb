"""The hard rules of docs/RULES.md, one function each, named after the rule's key.

Each reads the rota's arrays (built once, `scheduler.checker.arrays`) and adds what it finds to
the findings; none changes the arrays, so they run in any order. `RULE_CHECKS` lists them in
RULES.md's order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

import numpy as np
import pandas as pd

from scheduler import rules
from scheduler.checker import roster_rules
from scheduler.checker.arrays import Rota
from scheduler.checker.context import clock, hours, label_runs, percent, true_runs
from scheduler.checker.report import HOURS_TOL, Findings
from scheduler.checker.tables import BREAK, IDLE

_EPS = 1e-9  # float slack when comparing shares and hours (rounding, not policy)


def rule_shift_shape(r: Rota, out: Findings) -> None:
    ctx, sh = r.ctx, r.sh
    loc = r.start_local
    sod = np.asarray(loc.hour * 3600 + loc.minute * 60 + loc.second, dtype=np.int64)
    sod = sod * 1_000_000 + np.asarray(loc.microsecond, dtype=np.int64)
    allowed_sod = {
        cid: {((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond for t in c.start_times}
        for cid, c in ctx.sc.config.contracts.items()
    }
    span = (sh.rel1 - sh.rel0) / 3600
    for j in range(len(sh)):
        c = r.contracts[j]
        cid = ctx.contract[sh.agent[j]]
        r0, r1 = sh.rel0[j], sh.rel1[j]
        ok_start = sod[j] in allowed_sod[cid]
        ok_span = any(abs(span[j] - x) < 1e-6 for x in c.shift_spans_hours)
        ok_grid = not (r0 % ctx.step or r1 % ctx.step)
        ok_inside = r0 >= 0 and r1 <= ctx.H
        if r1 > r0 and ok_start and ok_span and ok_grid and ok_inside:
            continue
        why = []
        if r1 <= r0:
            why.append("it ends before it starts")
        else:
            if not ok_grid:
                why.append(f"it does not start and end on the {ctx.step // 60}-minute slot grid")
            if not ok_inside:
                why.append(f"it reaches outside the planning horizon {ctx.fmt(0)} .. {ctx.fmt(ctx.H)}")
            if not ok_span:
                why.append(f"it lasts {hours(span[j])}; {cid} shifts last {' or '.join(hours(x) for x in c.shift_spans_hours)}")
            if not ok_start:
                allowed = ", ".join(t.strftime("%H:%M") for t in c.start_times)
                why.append(f"it starts at {loc[j].strftime('%H:%M')}; {cid} shifts start at {allowed}")
        out.add("shift_shape", sh.agent[j], r0, f"{r.shift_name(j)}: " + "; ".join(why))


def rule_meal_break(r: Rota, out: Findings) -> None:
    ctx, sh = r.ctx, r.sh
    for j in np.flatnonzero(r.valid):
        i, s, e = sh.agent[j], r.s[j], r.e[j]
        c = r.contracts[j]
        cid = ctx.contract[i]
        r0, r1 = sh.rel0[j], sh.rel1[j]
        row = r.act[i, s:e]
        bidx = np.flatnonzero(row == BREAK)
        if not len(bidx):
            runs = []
        elif bidx[-1] - bidx[0] + 1 == len(bidx):
            runs = [(int(bidx[0]), int(bidx[-1]) + 1)]
        else:
            runs = true_runs(row == BREAK)
        needs = c.break_minutes > 0 and r.span[j] >= c.break_from_span_hours - _EPS
        if needs:
            lo, hi = r0 + c.break_earliest_hours * 3600, r0 + c.break_latest_hours * 3600

            def rule_text(c=c, lo=lo, hi=hi) -> str:
                return (f"a {c.break_minutes}-min break starting between {ctx.hhmm(lo)} and {ctx.hhmm(hi)} "
                        f"(start + {hours(c.break_earliest_hours)} .. + {hours(c.break_latest_hours)}) is required")

            if not runs:
                out.add("meal_break", i, r0, f"{r.shift_name(j)} has no meal break; {rule_text()}")
            elif len(runs) > 1:
                parts = ", ".join(ctx.fmt_slots(s + a, s + b) for a, b in runs)
                out.add("meal_break", i, r0, f"{r.shift_name(j)} has its break split into {len(runs)} parts ({parts}); "
                         f"{rule_text()}, in one piece")
            else:
                a, b = runs[0]
                b_rel0, b_rel1 = (s + a) * ctx.step, (s + b) * ctx.step
                why = []
                minutes = (b - a) * ctx.step // 60
                if minutes != c.break_minutes:
                    why.append(f"it lasts {minutes} min")
                if not (lo - _EPS <= b_rel0 <= hi + _EPS):
                    why.append(f"it starts at {ctx.hhmm(b_rel0)}")
                if b_rel1 >= r1:
                    why.append("it ends with the shift (work must follow it)")
                if why:
                    out.add("meal_break", i, r0, f"{r.shift_name(j)} has its break at {ctx.fmt_slots(s + a, s + b)}: "
                             + ", ".join(why) + f"; {rule_text()}")
        elif runs:
            reason = (f"{cid} shifts have no break" if c.break_minutes == 0
                      else f"only shifts of at least {hours(c.break_from_span_hours)} have a break")
            out.add("meal_break", i, r0, f"{r.shift_name(j)} has break slots ({', '.join(ctx.fmt_slots(s + a, s + b) for a, b in runs)}) "
                     f"but this {hours(r.span[j])} shift has none: {reason}")


def rule_assignment(r: Rota, out: Findings) -> None:
    ctx, sh, asg = r.ctx, r.sh, r.asg
    missing = (r.cover > 0) & (r.act == IDLE)
    if missing.any():
        cm = np.zeros((ctx.A, ctx.S + 1), dtype=np.int32)
        np.cumsum(missing, axis=1, out=cm[:, 1:])
        n_miss = cm[sh.agent, r.e] - cm[sh.agent, r.s]
        for j in np.flatnonzero(n_miss > 0):
            i, s, e = sh.agent[j], r.s[j], r.e[j]
            runs = true_runs(missing[i, s:e])
            where = ", ".join(ctx.fmt_slots(s + a, s + b) if n == 0 else f"{ctx.hhmm((s + a) * ctx.step)}–{ctx.hhmm((s + b) * ctx.step)}"
                              for n, (a, b) in enumerate(runs))
            out.add("assignment", i, sh.rel0[j],
                     f"{r.shift_name(j)} (shifts.csv) has no assignment row for {where}: every slot of a shift needs one "
                     f"row in assignments.csv (a queue or break)")
    extra = (r.cover == 0) & (r.act != IDLE)
    for i in np.flatnonzero(extra.any(axis=1)):
        for a, b in true_runs(extra[i]):
            acts = sorted({ctx.queue_ids[c] if c >= 0 else "break" for c in r.act[i, a:b]})
            out.add("assignment", i, a * ctx.step,
                     f"assignments.csv has {r.aid(i)} on {' / '.join(acts)} at {ctx.fmt_slots(a, b)}, outside every shift "
                     f"of {r.aid(i)} in shifts.csv (were the two files edited apart?)")
    # rows outside the horizon: fine only inside a shift (that shift is a shift_shape violation)
    for j in r.outside_rows:
        i, rel = asg.agent[j], asg.rel[j]
        mine = sh.agent == i
        if np.any(mine & (sh.rel0 <= rel) & (sh.rel1 > rel)):
            continue
        out.add("assignment", i, rel, f"assignments.csv row {asg.row[j]} has {r.aid(i)} at {ctx.fmt(rel)}, outside the planning "
                 f"horizon and outside every shift of {r.aid(i)}")
    # paid_hours = span - break
    bad = r.valid & ~np.isnan(sh.paid_stated) & (np.abs(np.nan_to_num(sh.paid_stated) - r.paid) > HOURS_TOL)
    for j in np.flatnonzero(bad):
        out.add("assignment", sh.agent[j], sh.rel0[j],
                 f"{r.shift_name(j)} states paid_hours {sh.paid_stated[j]:g}, but its span {hours(r.span[j])} minus "
                 f"{hours(r.break_h[j])} of break in assignments.csv is {hours(r.paid[j])}")
    # stated break vs the break slots in assignments.csv
    stated = r.valid & ~np.isnan(sh.brk0)
    for j in np.flatnonzero(stated):
        i, s, e = sh.agent[j], r.s[j], r.e[j]
        b0 = int(np.clip(math.ceil(sh.brk0[j] / ctx.step), 0, ctx.S))
        b1 = int(np.clip(math.ceil(sh.brk1[j] / ctx.step), 0, ctx.S))
        want = np.zeros(e - s, dtype=bool)
        want[max(b0, s) - s: max(min(b1, e), s) - s] = True
        have = r.brk[i, s:e]
        if not np.array_equal(want, have):
            runs = true_runs(have)
            got = ", ".join(ctx.fmt_slots(s + a, s + b) for a, b in runs) or "no break"
            out.add("assignment", i, sh.rel0[j],
                     f"{r.shift_name(j)}: shifts.csv gives the break as {ctx.fmt_span(sh.brk0[j], sh.brk1[j])}, "
                     f"but assignments.csv has {got}")


def _shifts_in_order(r: Rota) -> np.ndarray:
    """Valid shifts ordered by agent, then start."""
    idx = np.flatnonzero(r.valid)
    return idx[np.lexsort((r.sh.rel0[idx], r.sh.agent[idx]))]


def _next_shifts(r: Rota, order: np.ndarray) -> Iterator[tuple[int, int, float]]:
    """(shift, the agent's next shift, hours between them) for each agent's consecutive shifts."""
    a = r.sh.agent[order]
    for p in np.flatnonzero(a[1:] == a[:-1]):
        j0, j1 = order[p], order[p + 1]
        yield j0, j1, (r.sh.rel0[j1] - r.sh.rel1[j0]) / 3600


def rule_one_shift_per_day(r: Rota, out: Findings) -> None:
    """At most one shift starting on a day; an agent's shifts never overlap."""
    ctx, sh = r.ctx, r.sh
    order = _shifts_in_order(r)
    a, d = sh.agent[order], r.day[order]
    same = (a[1:] == a[:-1]) & (d[1:] == d[:-1])
    reported: set[tuple[int, int]] = set()
    for p in np.flatnonzero(same):
        i, day = int(a[p]), int(d[p])
        if (i, day) in reported:
            continue
        reported.add((i, day))
        js = order[(a == i) & (d == day)]
        lst = ", ".join(ctx.fmt_span(sh.rel0[j], sh.rel1[j]) for j in js)
        out.add("one_shift_per_day", i, sh.rel0[js[0]],
                f"{r.aid(i)} has {len(js)} shifts starting on {ctx.ts(sh.rel0[js[0]]).date().isoformat()} ({lst}); "
                f"at most one a day")
    for j0, j1, gap in _next_shifts(r, order):
        if gap < 0:
            i = int(sh.agent[j0])
            out.add("one_shift_per_day", i, sh.rel0[j1],
                    f"{r.shift_name(j1)} overlaps {r.aid(i)}'s shift {ctx.fmt_span(sh.rel0[j0], sh.rel1[j0])}")


def rule_skills(r: Rota, out: Findings) -> None:
    ctx = r.ctx
    if not ctx.Q:
        return
    ok = ctx.skill[np.arange(ctx.A)[:, None], np.maximum(r.act, 0)]
    bad = r.work & ~ok
    for i in np.flatnonzero(bad.any(axis=1)):
        lab = np.where(bad[i], r.act[i].astype(np.int64) + 1, 0)
        for a, b, q in label_runs(lab):
            out.add("skills", i, a * ctx.step,
                     f"{r.aid(i)} is on {ctx.queue_ids[q - 1]} at {ctx.fmt_slots(a, b)} but serves only "
                     f"{', '.join(ctx.agents[i].skills)}")


def rule_queue_changes(r: Rota, out: Findings) -> None:
    if r.ctx.sc.config.queue_changes_in_shift:
        return
    ctx, sh = r.ctx, r.sh
    for j in np.flatnonzero(r.valid):
        i, s, e = sh.agent[j], r.s[j], r.e[j]
        row = r.act[i, s:e]
        qs = np.unique(row[row >= 0])
        if len(qs) > 1:
            parts = []
            for q in qs:
                rr = true_runs(row == q)
                parts.append(f"{ctx.queue_ids[q]} at " + ", ".join(f"{ctx.hhmm((s + a) * ctx.step)}–{ctx.hhmm((s + b) * ctx.step)}" for a, b in rr))
            out.add("queue_changes", i, sh.rel0[j], f"{r.shift_name(j)} switches queue ({'; '.join(parts)}); "
                     f"this scenario keeps each shift on one queue (queue_changes_in_shift: false)")


def rule_availability(r: Rota, out: Findings) -> None:
    ctx, sh = r.ctx, r.sh
    for j in np.flatnonzero(r.valid):
        i, s, e = sh.agent[j], r.s[j], r.e[j]
        un = ~ctx.avail[i, s:e]
        if un.any():
            for a, b in true_runs(un):
                ks = range(s + a, s + b)
                reasons = []
                if not ctx.daily[i, s + a:s + b].all():
                    win = "; ".join(f"{clock(lo)}-{clock(hi - 1440 if hi > 1440 else hi)}" for lo, hi in ctx.agents[i].availability)
                    reasons.append(f"outside the daily availability {win}")
                offs = sorted({ctx.off_reason.get((i, k), "") for k in ks if ctx.off[i, k]})
                if offs:
                    reasons.append("during time off" + (f" ({', '.join(o for o in offs if o)})" if any(offs) else ""))
                out.add("availability", i, (s + a) * ctx.step,
                         f"{r.shift_name(j)} covers {ctx.fmt_slots(s + a, s + b)}, when {r.aid(i)} is not available: "
                         + " and ".join(reasons))


def rule_overtime(r: Rota, out: Findings) -> None:
    """Per shift beyond `max_overtime_hours_per_day`; over the horizon beyond the month's cap."""
    ctx, sh = r.ctx, r.sh
    for j in np.flatnonzero(r.valid):
        i, c = sh.agent[j], r.contracts[j]
        if r.ot[j] > c.max_overtime_hours_per_day + _EPS:
            out.add("overtime", i, sh.rel0[j], f"{r.shift_name(j)} has {hours(r.paid[j])} paid, i.e. {hours(r.ot[j])} overtime "
                    f"beyond the regular {hours(c.regular_hours_per_day)}; at most {hours(c.max_overtime_hours_per_day)} a day allowed")
    ok = r.valid
    ot_tot = np.bincount(sh.agent[ok], weights=r.ot[ok], minlength=ctx.A)
    for i in range(ctx.A):
        c = ctx.sc.config.contracts[ctx.contract[i]]
        if ot_tot[i] > c.max_overtime_hours_per_month + _EPS:
            out.add("overtime", i, None, f"{r.aid(i)} has {hours(ot_tot[i])} overtime over the horizon; at most "
                    f"{hours(c.max_overtime_hours_per_month)} a month allowed ({ctx.contract[i]})")


def rule_weekly_hours(r: Rota, out: Findings) -> None:
    """Regular hours per block of 7 days from the horizon's first day."""
    ctx, sh = r.ctx, r.sh
    if not len(sh):
        return
    ok = r.valid
    block = np.floor_divide(r.day, 7)
    df = pd.DataFrame({"a": sh.agent[ok], "b": block[ok], "reg": r.regular[ok]})
    for (i, b), reg in df.groupby(["a", "b"])["reg"].sum().items():
        c = ctx.sc.config.contracts[ctx.contract[i]]
        if reg > c.max_hours_per_week + _EPS:
            d0 = ctx.day0 + timedelta(days=7 * int(b))
            rel = (pd.Timestamp(d0).tz_localize(ctx.tz) - ctx.h0_local).total_seconds()
            out.add("weekly_hours", int(i), max(rel, 0.0),
                    f"{r.aid(i)} has {hours(reg)} regular hours in the week {d0.isoformat()} .. "
                    f"{(d0 + timedelta(days=6)).isoformat()}; at most {hours(c.max_hours_per_week)} allowed ({ctx.contract[i]})")


def rule_average_daily_hours(r: Rota, out: Findings) -> None:
    """Paid hours over the horizon against `avg_max_hours_per_day` x the days it touches."""
    ctx = r.ctx
    for i in range(ctx.A):
        c = ctx.sc.config.contracts[ctx.contract[i]]
        if c.avg_max_hours_per_day is None:
            continue
        cap = c.avg_max_hours_per_day * ctx.n_days
        if r.paid_agent[i] > cap + _EPS:
            out.add("average_daily_hours", i, None,
                    f"{r.aid(i)} is paid {hours(r.paid_agent[i])} over the horizon's {ctx.n_days} day(s); at most "
                    f"{hours(c.avg_max_hours_per_day)} a day on average, i.e. {hours(cap)}, allowed ({ctx.contract[i]})")


def rule_rest(r: Rota, out: Findings) -> None:
    """Between an agent's consecutive shifts at least `min_rest_hours` (an overlap is rule 4's)."""
    ctx, sh = r.ctx, r.sh
    for j0, j1, gap in _next_shifts(r, _shifts_in_order(r)):
        need = r.contracts[j0].min_rest_hours
        if 0 <= gap < need - _EPS:
            i = int(sh.agent[j0])
            out.add("rest", i, sh.rel1[j0],
                    f"{r.aid(i)} has {hours(gap)} rest between the shift ending {ctx.fmt(sh.rel1[j0])} and the next "
                    f"starting {ctx.fmt(sh.rel0[j1])}; at least {hours(need)} required ({ctx.contract[i]})")


def rule_consecutive_days(r: Rota, out: Findings) -> None:
    ctx, sh = r.ctx, r.sh
    ok = r.valid
    for i in np.unique(sh.agent[ok]):
        days = np.unique(r.day[ok & (sh.agent == i)])
        limit = ctx.sc.config.contracts[ctx.contract[i]].max_consecutive_days
        brk = np.flatnonzero(np.diff(days) != 1)
        starts = np.r_[0, brk + 1]
        ends = np.r_[brk, len(days) - 1]
        for a, b in zip(starts, ends, strict=True):
            n = int(b - a + 1)
            if n > limit:
                d0 = ctx.day0 + timedelta(days=int(days[a]))
                d1 = ctx.day0 + timedelta(days=int(days[b]))
                rel = (pd.Timestamp(d0).tz_localize(ctx.tz) - ctx.h0_local).total_seconds()
                out.add("consecutive_days", int(i), rel,
                         f"{r.aid(i)} works {n} days in a row ({d0.isoformat()} .. {d1.isoformat()}); at most "
                         f"{limit} allowed ({ctx.contract[i]})")


def _short_of_share(r: Rota, group: np.ndarray, windows: Iterable, share: Callable, minimum: Callable) -> Iterator:
    """(window, slot, agents of `group` working, all agents working) for each slot of the windows
    where the group's share of the agents on duty, or its head count, is short."""
    n = r.work.sum(axis=0)
    g = r.work[group].sum(axis=0)
    for w in windows:
        for k in r.ctx.sc.window_slots(w.start, w.end):
            if g[k] < share(w) * n[k] - _EPS or g[k] < minimum(w):
                yield w, k, g[k], n[k]


def rule_midnight_core(r: Rota, out: Findings) -> None:
    ctx = r.ctx
    windows = ctx.sc.config.promotion.midnight_core
    for w, k, core, n in _short_of_share(r, ctx.core, windows, lambda w: w.min_core_share, lambda w: w.min_core_agents):
        share = core / n if n else 0.0
        out.add("midnight_core", None, k * ctx.step,
                f"at {ctx.fmt_slots(k, k + 1)} (midnight core window) {core} of the {n} agents working are "
                f"core ({percent(share)}); at least {percent(w.min_core_share)} core and at least {w.min_core_agents} "
                f"core agents required")


def rule_evening_all_hands(r: Rota, out: Findings) -> None:
    ctx = r.ctx
    for w in ctx.sc.config.promotion.evening_all_hands:
        ks = np.array(ctx.sc.window_slots(w.start, w.end), dtype=np.int64)
        if not len(ks):
            continue
        listed = np.array([w.contracts is None or c in w.contracts for c in ctx.contract], dtype=bool)
        who = listed & ~ctx.standby & ~r.unhired
        miss = who[:, None] & ctx.avail[:, ks] & ~r.work[:, ks]
        for i in np.flatnonzero(miss.any(axis=1)):
            lab = np.where(miss[i], np.where(r.brk[i, ks], 2, 1), 0)
            for a, b, what in label_runs(lab):
                state = "on break" if what == 2 else "not on duty"
                out.add("evening_all_hands", i, ks[a] * ctx.step,
                         f"{r.aid(i)} is available but {state} at {ctx.fmt_slots(ks[a], ks[b - 1] + 1)}, inside the evening "
                         f"all-hands window {ctx.fmt_span((w.start - ctx.h0).total_seconds(), (w.end - ctx.h0).total_seconds())}")


def rule_morning_part_time(r: Rota, out: Findings) -> None:
    ctx = r.ctx
    windows = ctx.sc.config.promotion.morning_part_time
    for w, k, pt, n in _short_of_share(r, ctx.part_time, windows, lambda w: w.min_part_time_share, lambda w: 0):
        out.add("morning_part_time", None, k * ctx.step,
                f"at {ctx.fmt_slots(k, k + 1)} (morning part-time window) {pt} of the {n} agents working are "
                f"part-time ({percent(pt / n)}); at least {percent(w.min_part_time_share)} required")


def rule_ratio_bounds(r: Rota, out: Findings) -> None:
    ctx = r.ctx
    if not ctx.Q:
        return
    per_slot = r.work.sum(axis=0)
    pres = (r.work & ctx.presale_q[np.maximum(r.act, 0)]).sum(axis=0)
    for phase, bound in ctx.sc.config.ratio_bounds.items():
        mask = ctx.phase == phase
        total = int(per_slot[mask].sum())
        if not total:
            continue
        share = pres[mask].sum() / total
        if share < bound.min_presale_share - _EPS or share > bound.max_presale_share + _EPS:
            ks = np.flatnonzero(mask)
            k0, k1 = int(ks[0]), int(ks[-1]) + 1
            when = "during the horizon" if phase == "during" and ctx.sc.config.event is None else f"{phase} the event"
            out.add("ratio_bounds", None, k0 * ctx.step,
                     f"{when} ({ctx.fmt_slots(k0, k1)}) pre-sale queues get {int(pres[mask].sum())} of {total} working "
                     f"agent-slots ({percent(share)}); allowed {percent(bound.min_presale_share)} .. {percent(bound.max_presale_share)}")


RULE_CHECKS: dict[str, Callable[[Rota, Findings], None]] = {
    "shift_shape": rule_shift_shape,
    "meal_break": rule_meal_break,
    "assignment": rule_assignment,
    "one_shift_per_day": rule_one_shift_per_day,
    "skills": rule_skills,
    "queue_changes": rule_queue_changes,
    "availability": rule_availability,
    "overtime": rule_overtime,
    "weekly_hours": rule_weekly_hours,
    "average_daily_hours": rule_average_daily_hours,
    "rest": rule_rest,
    "consecutive_days": rule_consecutive_days,
    "midnight_core": rule_midnight_core,
    "evening_all_hands": rule_evening_all_hands,
    "morning_part_time": rule_morning_part_time,
    "ratio_bounds": rule_ratio_bounds,
    "forbidden_successions": roster_rules.rule_forbidden_successions,
    "shift_type_maximum": roster_rules.rule_shift_type_maximum,
    "total_minutes": roster_rules.rule_total_minutes,
    "min_consecutive_days": roster_rules.rule_min_consecutive_days,
    "min_consecutive_days_off": roster_rules.rule_min_consecutive_days_off,
    "max_weekends": roster_rules.rule_max_weekends,
}
"""Every hard rule's check, by its key, in the order of docs/RULES.md."""
assert list(RULE_CHECKS) == list(rules.RULES), "one check per rule of scheduler/rules.py"
