"""Peers side by side, one run, the same demand: what a user could pick instead of `scheduler plan`.

For each scenario (default: double11 and weekly) the forecast, the staffing requirement and the
priced demand are computed once; then every contender makes a rota and the independent checker
(`scheduler.checker.check_rota`) scores every rota the same way, from the rota alone:

- **ours**: `solve_rota` as `scheduler plan` runs it (engine `auto`: the aggregated bound and split,
  column generation where they leave a gap, then the per-agent model and neighbourhood search),
  with `gap_limit` 0 so every contender has the whole time;
- **aggregate only**: `engine="aggregate"`, the engine as it was before column generation;
- **direct per-agent**: the same per-agent CP-SAT model without the aggregated bound and hint
  (`solve_rota(..., extra=<no-op>)`: the engine skips the aggregate whenever extra per-agent rules
  are given; symmetry breaking between identical agents stays on);
- **greedy** (benchmarks/greedy.py): the largest remaining shortfall gets the cheapest legal shift;
- **pyworkforce MinRequiredResources / MinAbsDifference** (pyworkforce, installed for benchmarks
  only): fed the same requirement (the staffing stage's `required`, summed over queues because its
  model has one requirement per period) and the same shift shapes (every start / span / break
  position of our contracts that fits inside one day; MinRequiredResources priced by the shift's
  wage); its shift counts per day are handed to eligible agents greedily (`assign_counts`), each
  agent-slot to the skill queue with the largest shortfall;

and pyworkforce's Erlang C requirement is set beside ours (chat model, and our effective-AHT Erlang C).

    python benchmarks/peers.py                          # double11 (20 s) + weekly (60 s)
    python benchmarks/peers.py --quick small_shop --out /tmp/peers.md

Writes benchmarks/results/peers.md (full runs; --quick writes only where --out says).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from greedy import Cover, greedy_rota  # noqa: E402

from scheduler.checker import check_rota  # noqa: E402
from scheduler.demand import forecast  # noqa: E402
from scheduler.pipeline import priced_demand  # noqa: E402
from scheduler.rota import solve_rota  # noqa: E402
from scheduler.scenario import Scenario, load_scenario  # noqa: E402
from scheduler.staffing_model import staffing  # noqa: E402

PEERS_OUT = ROOT / "benchmarks" / "results" / "peers.md"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------------------------------------
# Erlang C beside ours
# ---------------------------------------------------------------------------------------------
def erlang_table(sc: Scenario, st: pd.DataFrame) -> tuple[list[str], dict]:
    """Per queue: agent-hours required by our chat model, our Erlang C and pyworkforce's Erlang C."""
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        return ["pyworkforce is not installed (`pip install pyworkforce==0.5.1`): its Erlang C was skipped."], {}

    slot_h = sc.slot_minutes / 60
    lines = [
        "| queue | model | agent-hours: ours (queue model) / ours Erlang C / pyworkforce Erlang C, "
        "effective AHT / pyworkforce Erlang C, plain AHT | peak agents (same order) "
        "| slots where pyworkforce (eff. AHT) = our Erlang C | time: ours / pyworkforce |",
        "|---|---|---|---|---|---|",
    ]
    totals = {}
    for q in sc.config.queues:
        rows = st[st.queue == q.id]
        f_k = q.throughput[q.concurrency - 1]
        t0 = time.perf_counter()
        pw_eff, pw_plain = [], []
        for lam in rows.arrivals.to_numpy(dtype=float):
            if lam <= 0:
                pw_eff.append(0)
                pw_plain.append(0)
                continue
            kw = dict(
                transactions=lam, asa=q.target_answer_seconds / 60, interval=sc.slot_minutes, shrinkage=q.shrinkage
            )
            floor = q.min_agents_when_open
            pw_eff.append(
                max(
                    floor,
                    ErlangC(aht=q.aht_seconds / f_k / 60, **kw).required_positions(
                        service_level=q.target_service_level, max_occupancy=q.max_occupancy
                    )["positions"],
                )
            )
            pw_plain.append(
                max(
                    floor,
                    ErlangC(aht=q.aht_seconds / 60, **kw).required_positions(
                        service_level=q.target_service_level, max_occupancy=q.max_occupancy
                    )["positions"],
                )
            )
        t_pw = time.perf_counter() - t0
        ours, ec = rows.required.to_numpy(), rows.required_erlang_c.to_numpy()
        eff, plain = np.array(pw_eff), np.array(pw_plain)
        same = int((eff == ec).sum())
        totals[q.id] = (ours.sum() * slot_h, ec.sum() * slot_h, eff.sum() * slot_h, plain.sum() * slot_h)
        lines.append(
            f"| {q.id} | {q.model}, {q.concurrency} chats | "
            f"{ours.sum() * slot_h:,.0f} / {ec.sum() * slot_h:,.0f} / {eff.sum() * slot_h:,.0f} / {plain.sum() * slot_h:,.0f} | "
            f"{ours.max()} / {ec.max()} / {eff.max()} / {plain.max()} | {same} of {len(rows)} | "
            f"{STAFFING_SECONDS[sc.config.name]:.2f} s (all queues, both models) / {t_pw:.2f} s |"
        )
    return lines, totals


STAFFING_SECONDS: dict[str, float] = {}


# ---------------------------------------------------------------------------------------------
# pyworkforce's shift scheduler on our shift shapes
# ---------------------------------------------------------------------------------------------
def shift_shapes(cov: Cover) -> tuple[dict[tuple, tuple[str, int]], int, int]:
    """Our contracts' shift shapes that fit inside one day: (contract, offset, end, break) -> (name, wage yuan).

    Returns the shapes, the periods per day and how many distinct shapes cross midnight (dropped:
    pyworkforce's coverage arrays are one day long).
    """
    sc = cov.sc
    periods = 24 * 60 // sc.slot_minutes
    shapes: dict[tuple, int] = {}
    crossing = set()
    for b in cov.books:
        for o in b.options:
            d0 = o.day * periods
            key = (b.agent.contract, o.start - d0, o.end - d0, None if o.break_start is None else o.break_start - d0)
            if o.end > d0 + periods:
                crossing.add(key)
                continue
            # the contract's own wage (a standby agent's call-in fee is not part of the shape)
            wage = o.wage_fen - (
                int(round(sc.contract(b.agent.contract).call_in_fee_yuan * 100)) if b.agent.standby else 0
            )
            shapes[key] = min(shapes.get(key, wage), wage)
    named = {}
    for key in sorted(shapes, key=lambda x: (x[0], x[1], x[2], x[3] if x[3] is not None else -1)):
        contract, s, e, br = key
        name = f"{contract}_{s:03d}_{e:03d}" + ("" if br is None else f"_b{br:03d}")
        named[key] = (name, max(1, int(round(shapes[key] / 100))))
    return named, periods, len(crossing)


def pyworkforce_rota(sc: Scenario, st: pd.DataFrame, kind: str, time_limit: float, workers: int) -> dict:
    """Run a pyworkforce scheduler on the same requirement and shapes, and turn its counts into a rota."""
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    t0 = time.perf_counter()
    cov = Cover(sc, st)
    shapes, periods, crossing = shift_shapes(cov)
    if sc.n_slots % periods or sc.slots[0].hour or sc.slots[0].minute:
        raise ValueError("pyworkforce needs whole days from midnight")
    days = sc.n_slots // periods
    total = cov.required.sum(axis=1)
    coverage = {name: [0] * periods for name, _ in shapes.values()}
    for (contract, s, e, br), (name, _) in shapes.items():
        blen = sc.contract(contract).break_minutes // sc.slot_minutes
        for p in range(s, e):
            if br is None or not br <= p < br + blen:
                coverage[name][p] = 1
    coverable = np.array([any(v[p] for v in coverage.values()) for p in range(periods)])
    n_agents = len(sc.agents)
    req = [
        [int(min(total[d * periods + p], n_agents)) if coverable[p] else 0 for p in range(periods)] for d in range(days)
    ]
    uncoverable = int(sum(total[d * periods + p] for d in range(days) for p in range(periods) if not coverable[p]))
    common = dict(
        num_days=days,
        periods=periods,
        shifts_coverage=coverage,
        required_resources=req,
        max_period_concurrency=n_agents,
        max_shift_concurrency=n_agents,
        max_search_time=float(time_limit),
        num_search_workers=workers,
    )
    t1 = time.perf_counter()
    cap_note = f"max_period_concurrency = headcount ({n_agents})"
    for cap in (n_agents, 10 * n_agents):
        common.update(max_period_concurrency=cap, max_shift_concurrency=cap)
        if kind == "MinRequiredResources":
            solver = MinRequiredResources(cost_dict={name: w for name, w in shapes.values()}, **common)
        else:
            solver = MinAbsDifference(**common)
        sol = solver.solve()
        if sol["status"] in ("OPTIMAL", "FEASIBLE"):
            break
        # a hard floor with the headcount as the per-period cap can be infeasible (a shift that
        # covers a peak also covers its neighbours): lift the cap as a user would, and say so
        cap_note = f"INFEASIBLE with max_period_concurrency = headcount ({n_agents}); re-run with {10 * n_agents}"
    t_solve = time.perf_counter() - t1
    counts = [(r["day"], r["shift"], r["resources"]) for r in sol["resources_shifts"] if r["resources"] > 0]
    asked = sum(n for _, _, n in counts)
    unplaced = assign_counts(cov, shapes, periods, counts)
    shifts, assignments = cov.rota()
    return {
        "shifts": shifts,
        "assignments": assignments,
        "seconds": time.perf_counter() - t0,
        "note": (
            f"{kind}: status {sol['status']}, its objective {sol['cost']:g}, solve {t_solve:.1f} s ({cap_note}); "
            f"{len(shapes)} shift shapes per day ({crossing} crossing midnight dropped); "
            f"asked for {asked} shifts, {unplaced} could not be given to any eligible agent; "
            f"{uncoverable} required agent-slots lie where no one-day shape works (set to 0)"
        ),
    }


def assign_counts(cov: Cover, shapes: dict, periods: int, counts: list[tuple[int, str, int]]) -> int:
    """Give each (day, shape, count) to eligible agents: the contract's agents who have that exact
    shift among their legal options (availability, skills) and for whom it keeps every rule between
    shifts; the cheapest such agent first, then the one with the fewest hours so far. Returns the
    number of shifts no eligible agent could take."""
    by_name = {name: key for key, (name, _) in shapes.items()}
    # options by (contract, start, end, break) per distinct option list
    index: dict[int, dict[tuple, list]] = {}
    for b in cov.books:
        if id(b.options) not in index:
            idx = defaultdict(list)
            for o in b.options:
                idx[(o.start, o.end, o.break_start)].append(o)
            index[id(b.options)] = idx
    unplaced = 0
    for day, name, n in sorted(counts, key=lambda c: (c[0], by_name[c[1]][1])):
        contract, s, e, br = by_name[name]
        d0 = day * periods
        key = (d0 + s, d0 + e, None if br is None else d0 + br)
        for _ in range(n):
            best = None
            for b in cov.books:
                if b.agent.contract != contract:
                    continue
                for o in index[id(b.options)].get(key, ()):
                    if not b.legal(o):
                        continue
                    k = (o.wage_fen, -cov.gain(b, o), b.paid_minutes, b.index)
                    if best is None or k < best[0]:
                        best = (k, b, o)
            if best is None:
                unplaced += 1
            else:
                cov.place(best[1], best[2])
    return unplaced


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
def score(sc: Scenario, fc: pd.DataFrame, shifts: pd.DataFrame, assignments: pd.DataFrame) -> dict:
    rep = check_rota(sc, shifts, assignments, fc)
    f = rep.figures
    rules = Counter(v.rule for v in rep.violations)
    return {
        "cost": float(f["objective"]),
        "wages": float(f["wage_cost"]),
        "lost_value": float(f["lost_inquiry_value"]),
        "other": float(f["fairness_cost"] + f["preference_cost"]),
        "shortfall_h": float(f["shortfall_agent_hours"]),
        "lost": float(f["expected_lost_inquiries"]),
        "violations": sum(rules.values()),
        "rules": ", ".join(f"{r} ×{n}" for r, n in sorted(rules.items())) or "none",
    }


def run_scenario(name: str, time_limit: float, seed: int, workers: int, log) -> list[str]:
    sc = load_scenario(name)
    load_before = uptime()
    fc = forecast(sc)
    t0 = time.perf_counter()
    st = staffing(sc, fc)
    STAFFING_SECONDS[sc.config.name] = time.perf_counter() - t0
    demand = priced_demand(sc, st)
    erlang_lines, _ = erlang_table(sc, st)

    rows: list[tuple[str, dict, float, str]] = []
    notes: list[str] = []

    log(f"[{name}] ours ({time_limit:g} s)")
    t = time.perf_counter()
    bound = 0.0
    try:
        ours = solve_rota(sc, demand, time_limit=time_limit, seed=seed, workers=workers, gap_limit=0.0)
        rows.append(
            (
                "ours (engine auto: aggregate, column generation, per-agent CP-SAT + LNS)",
                score(sc, fc, ours.shifts, ours.assignments),
                time.perf_counter() - t,
                ours.status,
            )
        )
        bound = ours.lower_bound
        notes.append(
            f"ours: status {ours.status}, model objective {ours.objective:,.2f}, proven lower bound {bound:,.2f}, "
            f"gap {ours.gap:.3%}, {ours.stats.get('shift_variables')} shift variables, {ours.stats.get('classes')} agent classes; "
            f"aggregate bound {ours.stats.get('aggregated_bound')}, column generation {ours.stats.get('column_generation')}"
        )
    except Exception as exc:
        rows.append(("ours (engine auto: aggregate, column generation, per-agent CP-SAT + LNS)", None, time.perf_counter() - t, "no rota"))
        notes.append(f"ours: no rota within {time_limit:g} s ({exc})")

    log(f"[{name}] aggregate split only, the engine before column generation ({time_limit:g} s)")
    t = time.perf_counter()
    try:
        agg = solve_rota(sc, demand, time_limit=time_limit, seed=seed, workers=workers, engine="aggregate", gap_limit=0.0)
        rows.append(("aggregate bound + split only (engine before column generation)",
                     score(sc, fc, agg.shifts, agg.assignments), time.perf_counter() - t, agg.status))
        notes.append(f"aggregate only: status {agg.status}, model objective {agg.objective:,.2f}, its bound "
                     f"{agg.lower_bound:,.2f} (gap {agg.gap:.3%})")
    except Exception as exc:
        rows.append(("aggregate bound + split only (engine before column generation)", None, time.perf_counter() - t, "no rota"))
        notes.append(f"aggregate only: no rota within {time_limit:g} s ({exc})")

    log(f"[{name}] direct per-agent ({time_limit:g} s)")
    t = time.perf_counter()
    try:
        direct = solve_rota(sc, demand, time_limit=time_limit, seed=seed, workers=workers, extra=lambda m: None)
        rows.append(
            (
                "direct per-agent CP-SAT (no bound, no hint)",
                score(sc, fc, direct.shifts, direct.assignments),
                time.perf_counter() - t,
                direct.status,
            )
        )
        notes.append(
            f"direct per-agent: status {direct.status}, model objective {direct.objective:,.2f}, "
            f"its own bound {direct.lower_bound:,.2f} (gap {direct.gap:.1%} against it)"
        )
    except Exception as exc:  # no rota within the limit is a result too
        rows.append(("direct per-agent CP-SAT (no bound, no hint)", None, time.perf_counter() - t, "no rota"))
        notes.append(f"direct per-agent: no rota within {time_limit:g} s ({exc})")

    log(f"[{name}] greedy")
    t = time.perf_counter()
    g_shifts, g_assign, g_stats = greedy_rota(sc, st)
    rows.append(
        (
            "greedy (largest shortfall, cheapest legal shift)",
            score(sc, fc, g_shifts, g_assign),
            time.perf_counter() - t,
            "-",
        )
    )
    notes.append(
        f"greedy: {g_stats['shifts']} shifts; {g_stats['uncoverable_slot_queues']} slot-queues left short because no "
        f"legal shift could cover them; {g_stats['all_hands_unplaced']} all-hands agents without a legal shift; "
        f"{g_stats['repairs']} repair shifts for share rules"
    )

    try:
        import pyworkforce  # noqa: F401

        kinds: tuple[str, ...] = ("MinRequiredResources", "MinAbsDifference")
    except ImportError:
        kinds = ()
        notes.append("pyworkforce is not installed (`pip install pyworkforce==0.5.1`): its shift scheduler was skipped")
    for kind in kinds:
        log(f"[{name}] pyworkforce {kind} ({time_limit:g} s)")
        try:
            pw = pyworkforce_rota(sc, st, kind, time_limit, workers)
        except Exception as exc:
            notes.append(f"pyworkforce {kind}: failed ({type(exc).__name__}: {exc})")
            continue
        rows.append((f"pyworkforce {kind} → rota", score(sc, fc, pw["shifts"], pw["assignments"]), pw["seconds"], "-"))
        notes.append("pyworkforce " + pw["note"])
    load_after = uptime()

    ref = rows[0][1] if rows and rows[0][0].startswith("ours") else None  # None when ours found no rota

    def ratio(a: float, key: str) -> str:
        return "-" if ref is None or ref[key] == 0 else f"{a / ref[key]:.2f}"

    def above(c: float) -> str:
        if bound <= 0:
            return "-"
        x = (c - bound) / bound
        return "±0.00%" if abs(x) < 5e-5 else f"{x:+.2%}"

    out = [
        f"### {name}: {sc.config.description}",
        "",
        f"{len(sc.agents)} agents, {sc.n_slots} slots of {sc.slot_minutes} min, queues {', '.join(q.id for q in sc.config.queues)}; "
        f"time limit {time_limit:g} s per solver, seed {seed}, {workers} workers.",
        "",
        f"Machine load before: `{load_before}`; after: `{load_after}`.",
        "",
        "**Staffing requirement: Erlang C beside ours** (pyworkforce's ErlangC.required_positions, with our shrinkage, "
        "SL and occupancy targets; it has no chat concurrency, so it is run both on the plain AHT and on the "
        "effective AHT = AHT / throughput at full concurrency, which is our Erlang C's reading):",
        "",
        *erlang_lines,
        "",
        "**Rotas, every one scored by the independent checker** (money in yuan; cost = wages + lost-inquiry value "
        "+ fairness and preference prices; ratios against ours; above bound = cost / our proven lower bound − 1):",
        "",
        "| contender | cost | wages | lost-inquiry value | shortfall agent-h | expected lost inquiries | rules broken (checker) "
        "| time (s) | above our bound | cost ratio | shortfall ratio | lost-inquiries ratio |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for label, s, secs, _status in rows:
        if s is None:
            out.append(f"| {label} | no rota within {time_limit:g} s | | | | | | {secs:.1f} | | | | |")
            continue
        broken = "0" if s["violations"] == 0 else f"{s['violations']}: {s['rules']}"
        out.append(
            f"| {label} | {s['cost']:,.0f} | {s['wages']:,.0f} | {s['lost_value']:,.0f} | {s['shortfall_h']:,.1f} | "
            f"{s['lost']:,.1f} | {broken} | {secs:.1f} | {above(s['cost'])} | {ratio(s['cost'], 'cost')} | "
            f"{ratio(s['shortfall_h'], 'shortfall_h')} | {ratio(s['lost'], 'lost')} |"
        )
    out += [
        "",
        f"Our proven lower bound: **{bound:,.2f}** yuan."
        if ref is not None
        else "No rota of ours in this run: no bound.",
        "",
    ]
    out += [f"- {n}" for n in notes]
    out.append("")
    return out


PYWORKFORCE_LIMITS = """\
**What pyworkforce's shift scheduler cannot express** (pyworkforce 0.5.1, `scheduling.MinRequiredResources` /
`MinAbsDifference`; read from its source): one requirement per period (no queues, so no skills and no
pre-/after-sale ratio: we feed the sum over queues and split agents among queues afterwards); one set of
shift patterns repeated every day, each a coverage array of one day (shifts crossing midnight are dropped;
a meal break is a fixed pattern, so each break position is its own pattern); counts per pattern, not
agents (no availability, time off, contracts' weekly / per-horizon hours, rest, consecutive days,
fairness, preferences: `assign_counts` keeps those when it hands the counts to agents, and a count no
eligible agent can take is dropped); coverage is a hard floor (MinRequiredResources, cost = shift wage)
or an absolute difference (MinAbsDifference, no cost at all), never a price on lost inquiries; no
promotion rules (midnight core share, evening all-hands, morning part-time share). Its `num_search_workers`
argument is set as a plain attribute of the solver and never reaches CP-SAT, which then uses its default.
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Peers side by side on the same demand")
    ap.add_argument(
        "scenarios",
        nargs="*",
        default=["double11", "weekly:60"],
        help="built-in names or folders; NAME:SECONDS overrides the time limit for that scenario",
    )
    ap.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds per solver (ours, direct, pyworkforce); default 20, --quick 4",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="4 s per solver; writes only where --out says")
    ap.add_argument(
        "--out", default=None, help=f"markdown report (default {PEERS_OUT.relative_to(ROOT)} for full runs)"
    )
    args = ap.parse_args(argv)
    tl = args.time_limit if args.time_limit is not None else (4.0 if args.quick else 20.0)
    out_path = Path(args.out) if args.out else (None if args.quick else PEERS_OUT)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    cmd = "python benchmarks/peers.py " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = [
        "## Peers on the same demand",
        "",
        f"Command: `{cmd.strip()}` (run {time.strftime('%Y-%m-%d %H:%M %Z')} on commit {_commit()}). Every figure below is measured by that "
        "run; every rota is scored by `scheduler.checker.check_rota` from the rota alone.",
        "",
    ]
    for item in args.scenarios:
        name, _, secs = item.rpartition(":") if item.rpartition(":")[2].replace(".", "").isdigit() else (item, "", "")
        lines += run_scenario(name, float(secs) if secs else tl, args.seed, args.workers, log)
    lines += [PYWORKFORCE_LIMITS]
    text = "\n".join(lines)
    print(text)
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out_path)
        log(f"wrote {out_path}")


if __name__ == "__main__":
    main()
