"""Timefold Solver beside our engine on the same instance, every rota scored by the independent checker.

Issue 16's peer line: today's engine (the aggregate split), the direct per-agent CP-SAT model and
Timefold Solver, the same rules and the same time limit. Timefold is a benchmark-only peer: it
lives in its own venv and is never a dependency of the product or its tests.

Install (once; works offline here with the machine's Java 17, `java -version`):

    python3 -m venv /work/tfvenv && /work/tfvenv/bin/pip install --pre timefold

Run with the project's python:

    python benchmarks/timefold_peer.py                        # double11 and weekly, 60 s each
    python benchmarks/timefold_peer.py double11:20 weekly:30 --only-timefold --out /tmp/tf.md

For each scenario this script runs our pipeline (scenario -> forecast -> staffing -> priced demand,
the very functions `scheduler plan` feeds `solve_rota` with), takes every agent's shift options
from the engine's own option generator (`options_of`), exports the instance to JSON
(`export_instance`), runs benchmarks/timefold_model.py under the Timefold venv's python in a
subprocess (`--timefold-python`, default /work/tfvenv/bin/python), reads its rota back and scores
it with `scheduler.checker.check_rota`, like every other peer in benchmarks/peers.py. Unless
`--only-timefold`, our engine (`engine auto`), the aggregate split alone (`engine aggregate`) and
the direct per-agent model run in the same process with the same limit, for ratios in one run.

Timefold's settings (benchmarks/timefold_model.py): environment mode NO_ASSERT with seed 0; move
threads NONE (multi-threaded solving is a Timefold Enterprise feature: the community solver searches
on one thread; its JVM's garbage collector and JIT use the other core); construction heuristic one
(agent, day) at a time, the most constrained days first, its queues then its shift; local search
with Timefold's default acceptor (late acceptance) on change moves and shift swaps. The time limit
is Timefold's termination `spent_limit`, counted from its solve() call. With ratio bounds it is
spent in two stages, 40 % without them, then the rest with every rule from that rota: started from
the empty rota (which keeps them) every single shift added breaks them, and the search never
leaves it. JVM start-up, Python-to-Java translation and building the problem come on top; the
report gives each.

Writes benchmarks/results/timefold.md on full runs (gather.py puts it into RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from peers import _commit, score, uptime  # noqa: E402

from scheduler.demand import forecast  # noqa: E402
from scheduler.pipeline import priced_demand  # noqa: E402
from scheduler.rota import Demand, solve_rota  # noqa: E402
from scheduler.rota.costs import preference_prices  # noqa: E402
from scheduler.rota.options import AgentOptions, slot_time  # noqa: E402
from scheduler.rota.roster_rules import rules_from_scenario  # noqa: E402
from scheduler.rota.solve import options_of  # noqa: E402
from scheduler.scenario import Scenario, hired_team, load_scenario  # noqa: E402
from scheduler.scenario.views import day_of_slot, n_days, night_mask, slot_phases  # noqa: E402
from scheduler.staffing_model import staffing  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "timefold.md"
MODEL = ROOT / "benchmarks" / "timefold_model.py"
TIMEFOLD_PYTHON = Path(os.environ.get("TIMEFOLD_PYTHON", "/work/tfvenv/bin/python"))
NO_CAP = 10**9
"""A cap no agent reaches (minutes): the rule is off for that agent."""

NOT_EXACT = """\
**What the Timefold model states exactly and what it does not** (the checker's figures are what
count; every rota above is scored by it from the rota alone):

- *Exactly, as hard constraints*: one shift a day (one entity per agent and day), rest between
  shifts (every pair of one agent's shifts), consecutive days (every window of k + 1 days), weekly
  regular hours per 7-day block, horizon overtime, average daily hours, evening all-hands (every
  required agent-slot), midnight core share and head count, morning part-time share, ratio bounds
  per phase. Availability, time off, skills, start times, spans, the meal break's place and daily
  overtime are kept by the option lists, which are our own option generator's (`options_of`).
- *Exactly, as the soft score (fen)*: wages (overtime, holiday multipliers, call-in fees: each
  option's wage is our generator's), the lost-inquiry value by the same convex piecewise curve
  per slot and queue as our model (`priced_demand`; Σ curve[0] is a constant added back outside),
  preferences (refused hours worked, requested hours not worked), fairness (spread of paid and
  night hours per contract among non-standby agents).
- *Not the same*: queue changes. A cross-trained agent's shift is one queue before its meal break
  and one after (a free switch point in RULES.md), so the model never pays `queue_change_yuan`
  and cannot buy the paid changes inside a block that our CP-SAT model may buy; every rota it
  makes is legal, its search space is smaller there. Hard-rule violations are weighed by how far
  they miss (slots, minutes, per-mille shares), not counted; the checker counts them.
- *Not stated*: day-roster rules (`contracts.<id>.roster`): the script refuses a scenario that
  sets any (neither double11 nor weekly does).
"""


# ---------------------------------------------------------------------------------------------
# The instance, from our pipeline
# ---------------------------------------------------------------------------------------------
def prepare(name: str) -> tuple[Scenario, pd.DataFrame, Demand]:
    """Scenario -> forecast -> staffing -> priced demand, as `scheduler plan` feeds `solve_rota`.
    The team as in agents.csv: the peer has no hiring decision, so the scenario's candidate hires
    (double11's pools) are left out and both solvers plan the same team."""
    sc = hired_team(load_scenario(name), set())
    fc = forecast(sc)
    return sc, fc, priced_demand(sc, staffing(sc, fc))


def _price_per_slot_fen(sc: Scenario, yuan_per_hour: float) -> int:
    return int(round(yuan_per_hour * sc.slot_minutes / 60 * 100))


def exact_share(share: float) -> list[int]:
    """A share as the decimal fraction it was typed as ([numerator, denominator]), the reading of
    the model's hard rules and of the checker (0.6 -> 3/5): nothing is lost to rounding."""
    f = Fraction(repr(share))
    return [f.numerator, f.denominator]


def export_instance(sc: Scenario, demand: Demand, books: list[AgentOptions], time_limit: float, seed: int) -> dict:
    """Everything the Timefold model needs, in plain JSON: per agent its options and caps, per slot
    and queue the lost-inquiry curve, the promotion rules' slots and the ratio bounds."""
    if rules_from_scenario(sc) is not None:
        raise ValueError(f"{sc.config.name}: day-roster rules (contracts.<id>.roster) are not in the Timefold model")
    days = n_days(sc)
    slot = sc.slot_minutes
    non_standby = {}
    for a in sc.agents:
        if not a.standby:
            non_standby[a.contract] = non_standby.get(a.contract, 0) + 1
    pref_const = 0
    agents = []
    classes: dict[int, int] = {}  # id(options list) -> option class: options_of shares one list per class
    option_classes: list[list] = []
    promo = sc.config.promotion
    for b in books:
        a = b.agent
        c = sc.contract(a.contract)
        if id(b.options) not in classes:
            # one list per class of identical agents (same contract, wage, availability, no personal
            # preference rows: class_key), so the preference prices of the first agent hold for all
            # (preference_prices: the model's own fen per slot worked, and the requests' constant)
            opts = []
            per_slot, _ = preference_prices(sc, a.agent_id)
            for o in b.options:
                pref = sum(per_slot.get(t, 0) for t in o.working_slots())
                opts.append([o.day, o.start, o.end, o.break_start, o.break_end, o.paid_minutes, o.overtime_minutes,
                             o.wage_fen, pref, o.queue])
            classes[id(b.options)] = len(option_classes)
            option_classes.append(opts)
        pref_const += preference_prices(sc, a.agent_id)[1]
        need: list[int] = []
        for w in promo.evening_all_hands:
            if a.standby or (w.contracts is not None and a.contract not in w.contracts):
                continue
            need += [t for t in sc.window_slots(w.start, w.end) if b.available[t]]
        agents.append({
            "id": a.agent_id,
            "skills": list(a.skills),
            "core": bool(a.core),
            "part_time": c.kind == "part_time",
            "fair_group": a.contract if not a.standby and non_standby.get(a.contract, 0) >= 2 else None,
            "rest_slots": int(math.ceil(c.min_rest_hours * 60 / slot - 1e-9)),
            "max_consecutive_days": c.max_consecutive_days if days > c.max_consecutive_days else None,
            "week_cap_min": int(c.max_hours_per_week * 60),
            "ot_cap_min": int(c.max_overtime_hours_per_month * 60),
            "avg_cap_min": NO_CAP if c.avg_max_hours_per_day is None else int(c.avg_max_hours_per_day * 60 * days),
            "all_hands": sorted(set(need)),
            "option_class": classes[id(b.options)],
        })
    covers = [[t, q, [int(v) for v in curve]] for (t, q), curve in sorted(demand.loss_fen.items()) if int(curve[0]) > 0]
    phases = slot_phases(sc)
    ratio = []
    for phase, rb in sc.config.ratio_bounds.items():
        ratio.append({
            "phase": phase,
            "slots": [int(t) for t in range(sc.n_slots) if phases[t] == phase],
            "lo": exact_share(rb.min_presale_share),
            "hi": exact_share(rb.max_presale_share),
        })
    f = sc.config.fairness
    return {
        "scenario": sc.config.name,
        "slot_minutes": slot,
        "n_slots": sc.n_slots,
        "n_days": days,
        "slot_day": [int(day_of_slot(sc, t)) for t in range(sc.n_slots)],
        "queues": [q.id for q in sc.config.queues],
        "presale": [q.id for q in sc.config.queues if q.kind == "presale"],
        "agents": agents,
        "option_classes": option_classes,
        "covers": covers,
        "lost_constant_fen": sum(c[2][0] for c in covers),
        "preference_constant_fen": pref_const,
        "night_slots": [int(t) for t in range(sc.n_slots) if night_mask(sc)[t]],
        "fairness": {
            "hours_fen_per_slot": _price_per_slot_fen(sc, f.hours_spread_yuan_per_hour),
            "night_fen_per_slot": _price_per_slot_fen(sc, f.night_spread_yuan_per_hour),
        },
        "midnight_core": [
            {"slots": list(sc.window_slots(w.start, w.end)), "share": exact_share(w.min_core_share),
             "min_agents": int(w.min_core_agents)} for w in promo.midnight_core
        ],
        "morning_part_time": [
            {"slots": list(sc.window_slots(w.start, w.end)), "share": exact_share(w.min_part_time_share)}
            for w in promo.morning_part_time
        ],
        "ratio": ratio,
        "queue_changes_in_shift": bool(sc.config.queue_changes_in_shift),
        "time_limit": float(time_limit),
        "seed": int(seed),
        "environment_mode": "NO_ASSERT",
    }


def instance_cost_fen(inst: dict, choices: list[list]) -> int:
    """The money the Timefold model minimises, restated in plain Python from the exported instance
    alone: a check of the export (tests/test_timefold_export.py holds it to the checker's objective).

    choices: [agent index, option index in the agent's class, q1, q2] per shift, as the model returns.
    """
    queues = inst["queues"]
    slot = inst["slot_minutes"]
    staff: dict[tuple[int, str], int] = {}
    cost = inst["preference_constant_fen"]
    paid: dict[int, int] = {}
    night_w: dict[int, int] = {}
    night = set(inst["night_slots"])
    for ai, local, q1, q2 in choices:
        a = inst["agents"][ai]
        day, s, e, b0, b1, paid_min, ot, wage, pref, fixed = inst["option_classes"][a["option_class"]][local]
        cost += wage + pref
        works = [t for t in range(s, e) if b0 is None or not b0 <= t < b1]
        for t in works:
            if fixed is not None:
                q = fixed
            elif len(a["skills"]) == 1:
                q = a["skills"][0]
            else:
                q = a["skills"][q2 if b1 is not None and t >= b1 else q1]
            assert q in queues
            staff[(t, q)] = staff.get((t, q), 0) + 1
        paid[ai] = paid.get(ai, 0) + paid_min // slot
        night_w[ai] = night_w.get(ai, 0) + sum(1 for t in works if t in night)
    for t, q, curve in inst["covers"]:
        cost += curve[min(staff.get((t, q), 0), len(curve) - 1)]
    groups: dict[str, list[int]] = {}
    for ai, a in enumerate(inst["agents"]):
        if a["fair_group"] is not None:
            groups.setdefault(a["fair_group"], []).append(ai)
    f = inst["fairness"]
    for members in groups.values():
        hours = [paid.get(i, 0) for i in members]
        nights = [night_w.get(i, 0) for i in members]
        cost += (max(hours) - min(hours)) * f["hours_fen_per_slot"] + (max(nights) - min(nights)) * f["night_fen_per_slot"]
    return cost


# ---------------------------------------------------------------------------------------------
# Timefold in its own interpreter, and its rota read back
# ---------------------------------------------------------------------------------------------
def run_timefold(instance: dict, python: Path, log) -> dict:
    """Solve the instance with benchmarks/timefold_model.py under Timefold's venv; wall time included."""
    if not python.exists():
        raise FileNotFoundError(f"{python} not found: python3 -m venv /work/tfvenv && /work/tfvenv/bin/pip install --pre timefold")
    with tempfile.TemporaryDirectory(prefix="timefold_") as tmp:
        inp, out = Path(tmp) / "instance.json", Path(tmp) / "rota.json"
        inp.write_text(json.dumps(instance), encoding="utf-8")
        t0 = time.perf_counter()
        proc = subprocess.run([str(python), str(MODEL), str(inp), str(out)], capture_output=True, text=True,
                              timeout=instance["time_limit"] + 300, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
            raise RuntimeError(f"the Timefold model failed (exit {proc.returncode}):\n{tail}")
        res = json.loads(out.read_text(encoding="utf-8"))
    res["wall_seconds"] = wall
    return res


def rota_tables(sc: Scenario, books: list[AgentOptions], result: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Timefold's choices (agent, option, queue before / after the break) as shifts and assignments."""
    shift_rows, assign_rows = [], []
    for agent_idx, local, q1, q2 in result["shifts"]:
        b = books[agent_idx]
        a, o = b.agent, b.options[local]
        skills = list(a.skills)
        open_queue = len(skills) > 1 and any(x.queue is None for x in b.options)
        shift_rows.append({
            "agent_id": a.agent_id, "agent_name": a.name, "contract": a.contract, "core": a.core,
            "start": slot_time(sc, o.start), "end": slot_time(sc, o.end), "paid_hours": o.paid_minutes / 60,
            "break_start": slot_time(sc, o.break_start) if o.break_start is not None else None,
            "break_end": slot_time(sc, o.break_end) if o.break_end is not None else None,
            "overtime_hours": o.overtime_minutes / 60, "wage_yuan": o.wage_fen / 100, "standby": a.standby,
        })
        for t in range(o.start, o.end):
            if o.break_start is not None and o.break_start <= t < o.break_end:
                activity = "break"
            elif o.queue is not None:
                activity = o.queue
            elif not open_queue:
                activity = skills[0]
            else:
                after = o.break_end is not None and t >= o.break_end
                activity = skills[q2 if after else q1]
            assign_rows.append({"agent_id": a.agent_id, "slot_start": slot_time(sc, t), "activity": activity})
    shifts = pd.DataFrame(shift_rows, columns=[
        "agent_id", "agent_name", "contract", "core", "start", "end", "paid_hours",
        "break_start", "break_end", "overtime_hours", "wage_yuan", "standby"])
    assignments = pd.DataFrame(assign_rows, columns=["agent_id", "slot_start", "activity"])
    return shifts.sort_values(["start", "agent_id"], kind="stable").reset_index(drop=True), assignments


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
def _versions(python: Path) -> str:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr.splitlines()
    tf = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('timefold'))"],
                        capture_output=True, text=True, check=False).stdout.strip()
    return f"timefold {tf or '(not installed)'} (Python, `pip install --pre timefold`), {java[0] if java else 'java: not found'}"


def run_scenario(name: str, time_limit: float, seed: int, workers: int, only_timefold: bool, python: Path, log) -> list[str]:
    sc, fc, demand = prepare(name)
    books = options_of(sc)
    load_before = uptime()
    rows: list[tuple[str, dict | None, float]] = []
    notes: list[str] = []
    bound = 0.0
    if not only_timefold:
        for label, kw in (
            ("ours (engine auto: aggregate, column generation, per-agent CP-SAT + LNS)", {"gap_limit": 0.0}),
            ("aggregate bound + split only (`engine aggregate`)", {"engine": "aggregate", "gap_limit": 0.0}),
            ("direct per-agent CP-SAT (no bound, no hint)", {"extra": lambda m: None}),
        ):
            log(f"[{name}] {label} ({time_limit:g} s)")
            t = time.perf_counter()
            try:
                r = solve_rota(sc, demand, time_limit=time_limit, seed=seed, workers=workers, **kw)
            except Exception as exc:  # no rota within the limit is a result too
                rows.append((label, None, time.perf_counter() - t))
                notes.append(f"{label}: no rota within {time_limit:g} s ({exc})")
                continue
            rows.append((label, score(sc, fc, r.shifts, r.assignments), time.perf_counter() - t))
            if "extra" not in kw:
                bound = max(bound, r.lower_bound)
            notes.append(f"{label}: status {r.status}, model objective {r.objective:,.2f}, its bound {r.lower_bound:,.2f}")

    log(f"[{name}] Timefold ({time_limit:g} s of solving)")
    t = time.perf_counter()
    inst = export_instance(sc, demand, books, time_limit, seed)
    label = "Timefold Solver (constraint streams, 1 search thread)"
    try:
        res = run_timefold(inst, python, log)
    except Exception as exc:
        rows.append((label, None, time.perf_counter() - t))
        notes.append(f"Timefold: no rota ({exc})")
        res = None
    if res is not None:
        shifts, assignments = rota_tables(sc, books, res)
        s = score(sc, fc, shifts, assignments)
        rows.append((label, s, res["wall_seconds"]))
        own = (-res["soft_score"] + inst["lost_constant_fen"] + inst["preference_constant_fen"]) / 100
        notes.append(
            f"Timefold: best score {res['hard_score']}hard/{res['soft_score']}soft, i.e. its own cost {own:,.2f} yuan "
            f"(−soft + Σ curve[0] {inst['lost_constant_fen'] / 100:,.2f} + preference constant "
            f"{inst['preference_constant_fen'] / 100:,.2f}) against the checker's {s['cost']:,.2f}; "
            f"{'feasible' if res['hard_score'] >= 0 else 'INFEASIBLE by its own hard score'}; stages: "
            + "; ".join(f"{st['stage']} {st['seconds']:.1f} s → {st['score']}" for st in res["stages"]) + "; "
            f"{res['entities']} entities, {res['options']} shift options ({res['option_objects']} option objects, shared "
            f"by identical agents); solve() calls {res['solve_seconds']:.1f} s wall for {time_limit:g} s of spent limit "
            f"(its conversion of the problem to and from the JVM included); building the problem {res['problem_seconds']:.1f} s "
            f"and the solvers (Python-to-Java translation of the constraints) {res['build_seconds']:.1f} s; the rest of the "
            f"subprocess wall {res['wall_seconds']:.1f} s is the interpreter, importing timefold (JVM start), reading and "
            f"writing JSON: {res['wall_seconds'] - res['problem_seconds'] - res['build_seconds'] - res['solve_seconds']:.1f} s"
        )
    load_after = uptime()
    ref = rows[0][1] if rows and not only_timefold else None

    def above(c: float) -> str:
        if bound <= 0:
            return "-"
        x = (c - bound) / bound
        return "±0.00%" if abs(x) < 5e-5 else f"{x:+.2%}"

    def ratio(a: float, key: str) -> str:
        return "-" if ref is None or ref[key] == 0 else f"{a / ref[key]:.2f}"

    out = [
        f"### {name}: {sc.config.description}",
        "",
        f"{len(sc.agents)} agents, {sc.n_slots} slots of {sc.slot_minutes} min, queues "
        f"{', '.join(q.id for q in sc.config.queues)}; time limit {time_limit:g} s per solver, seed {seed}, "
        f"{workers} CP-SAT workers; Timefold: 1 search thread (move threads NONE), NO_ASSERT.",
        "",
        f"Machine load before: `{load_before}`; after: `{load_after}`.",
        "",
        "| contender | cost | wages | lost-inquiry value | fairness + preferences + queue changes | shortfall agent-h "
        "| rules broken (checker) | time (s) | above our bound | cost ratio |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for label, s, secs in rows:
        if s is None:
            out.append(f"| {label} | no rota | | | | | | {secs:.1f} | | |")
            continue
        broken = "0" if s["violations"] == 0 else f"{s['violations']}: {s['rules']}"
        out.append(
            f"| {label} | {s['cost']:,.0f} | {s['wages']:,.0f} | {s['lost_value']:,.0f} | {s['other']:,.0f} | "
            f"{s['shortfall_h']:,.1f} | {broken} | {secs:.1f} | {above(s['cost'])} | {ratio(s['cost'], 'cost')} |"
        )
    out += ["", *(f"- {n}" for n in notes), ""]
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Timefold Solver beside our engine, scored by the checker")
    ap.add_argument("scenarios", nargs="*", default=["double11", "weekly"],
                    help="built-in names or folders; NAME:SECONDS sets that scenario's limit")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solver (default 60)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers for our engine's rows")
    ap.add_argument("--only-timefold", action="store_true", help="skip our engine's rows")
    ap.add_argument("--timefold-python", default=str(TIMEFOLD_PYTHON))
    ap.add_argument("--out", default=None, help=f"markdown report (default {OUT.relative_to(ROOT)} unless --only-timefold)")
    args = ap.parse_args(argv)
    out_path = Path(args.out) if args.out else (None if args.only_timefold else OUT)
    python = Path(args.timefold_python)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    cmd = "python benchmarks/timefold_peer.py " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = [
        "## Timefold Solver beside our engine",
        "",
        f"Command: `{cmd.strip()}` (run {time.strftime('%Y-%m-%d %H:%M %Z')} on commit {_commit()}); "
        f"{_versions(python)}. The instance is exported from our pipeline (the same options, per-slot needs and "
        "lost-inquiry curves `solve_rota` gets); every rota is scored by `scheduler.checker.check_rota` from the "
        "rota alone (money in yuan; above bound = cost / our engine's proven lower bound − 1).",
        "",
    ]
    for item in args.scenarios:
        head, _, tail = item.rpartition(":")
        name, secs = (head, float(tail)) if head and tail.replace(".", "").isdigit() else (item, args.time_limit)
        lines += run_scenario(name, secs, args.seed, args.workers, args.only_timefold, python, log)
    lines.append(NOT_EXACT)
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
