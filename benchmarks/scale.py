"""The scale curve: agents 50 -> 1,000 and slots 24 -> 336 (30-minute slots over 7 days, 3 queues).

Each size is a synthetic scenario made in a temporary folder from the built-in `weekly` scenario
(3 queues: pre-sale, order processing, after-sale; its contracts and rules), with the agent mix of
`weekly` (14 full-time in 24, three skill sets, 4 in 14 core; part-timers in two availability
windows) scaled to the size, and a history from `scheduler.synth.hourly_history` whose volume
scales with the agents. The built-in scenarios are not touched.

Each size runs in its own subprocess (so peak memory is that size's alone) through the whole plan
pipeline: forecast, staffing, priced demand, `solve_rota` (aggregated bound + hint, then the
per-agent model), and the independent checker on the result. Measured there:

- time to first feasible rota and time to a 2 % gap, from the start of `solve_rota`, read from its
  progress callback; the gap of each rota found is taken against the run's final proven bound
  (the aggregated model's optimum, proven before the per-agent search starts);
- the final gap as `solve_rota` reports it; peak RSS of the subprocess (`resource.getrusage`);
- the checker's violations on the rota.

    python benchmarks/scale.py            # full curve (~20 min on 2 cores)
    python benchmarks/scale.py --quick    # two small sizes, seconds

Writes benchmarks/results/scale.md and benchmarks/scale.png (full runs; --quick writes only
where --out / --plot say).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALE_OUT = ROOT / "benchmarks" / "results" / "scale.md"
PLOT_OUT = ROOT / "benchmarks" / "scale.png"
START = "2026-11-23"  # a Monday, the weekly scenario's horizon start

# (agents, days, slot minutes, time limit s): slots 24 -> 336 at 200 agents, agents 50 -> 1,000 at 336 slots
FULL = [
    (200, 1, 60, 30),
    (200, 2, 30, 45),
    (200, 4, 30, 60),
    (50, 7, 30, 45),
    (200, 7, 30, 90),
    (500, 7, 30, 120),
    (1000, 7, 30, 120),  # the DESIGN.md bar: feasible in <= 120 s
    (1000, 7, 30, 300),  # the same size given longer, to see when it gets there
]
QUICK = [(50, 1, 60, 8), (100, 2, 30, 10)]


def make_scenario(folder: Path, agents: int, days: int, slot_minutes: int, time_limit: float, seed: int = 7) -> Path:
    """Write a scaled copy of the built-in `weekly` scenario into folder; returns the folder."""
    import yaml

    from scheduler.synth import hourly_history

    folder.mkdir(parents=True, exist_ok=True)
    cfg = yaml.safe_load((ROOT / "scenarios" / "weekly" / "scenario.yaml").read_text(encoding="utf-8"))
    start = datetime.fromisoformat(START)
    cfg["name"] = f"scale_{agents}a_{days}d_{slot_minutes}m"
    cfg["description"] = f"scale test: {agents} agents, {days} days of {slot_minutes}-min slots, 3 queues"
    cfg["horizon"] = {
        "start": f"{START}T00:00:00+08:00",
        "end": (start + timedelta(days=days)).strftime("%Y-%m-%dT00:00:00+08:00"),
        "slot_minutes": slot_minutes,
    }
    cfg.setdefault("solver", {})
    cfg["solver"].update({"time_limit_seconds": time_limit, "workers": 2})
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")

    rng = np.random.default_rng(seed)
    f = agents / 24  # weekly: 24 agents for these volumes
    rows = hourly_history(
        rng,
        ZoneInfo("Asia/Shanghai"),
        [("2026-09-14", "2026-11-22")],
        {"presale": 700 * f, "orders": 700 * f, "aftersale": 300 * f},
    )
    with (folder / "history.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["slot_start", "queue", "inquiries"])
        w.writerows(rows)
    n_ft = round(agents * 14 / 24)
    n_core = max(1, round(n_ft * 4 / 14))
    with (folder / "agents.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["agent_id", "name", "contract", "core", "skills", "availability", "standby"])
        for i in range(n_ft):
            skills = ["presale;orders", "aftersale;orders", "presale;aftersale;orders"][i % 3]
            w.writerow(
                [
                    f"F{i + 1:04d}",
                    f"全职{i + 1:04d}",
                    "full_time",
                    "true" if i < n_core else "false",
                    skills,
                    "",
                    "false",
                ]
            )
        for i in range(agents - n_ft):
            avail = "10:00-24:00" if i % 2 else "16:00-24:00"
            w.writerow([f"P{i + 1:04d}", f"兼职{i + 1:04d}", "part_time", "false", "presale", avail, "false"])
    return folder


def child(folder: str, time_limit: float, seed: int, workers: int) -> dict:
    """One size, in this process: the pipeline, the solve with its progress, the checker, peak RSS."""
    from scheduler.checker import check_rota
    from scheduler.demand import forecast
    from scheduler.pipeline import priced_demand
    from scheduler.rota import solve_rota
    from scheduler.scenario import load_scenario
    from scheduler.staffing_model import staffing

    t0 = time.perf_counter()
    sc = load_scenario(folder)
    fc = forecast(sc)
    st = staffing(sc, fc)
    demand = priced_demand(sc, st)
    prep = time.perf_counter() - t0
    events: list[tuple[str, float, float, float]] = []
    t_solve = time.perf_counter()

    def progress(stage: str, best: float, bound: float, _seconds: float) -> None:
        events.append((stage, time.perf_counter() - t_solve, best, bound))

    from scheduler.errors import InfeasibleError

    try:
        res = solve_rota(sc, demand, time_limit=time_limit, seed=seed, workers=workers, on_progress=progress)
        error = None
    except InfeasibleError as exc:  # no rota within the limit is a measured result too
        res, error = None, "; ".join(exc.args[0]) if exc.args and isinstance(exc.args[0], list) else str(exc)
    wall = time.perf_counter() - t_solve
    bound = res.lower_bound if res is not None else None
    rota = [(t, best) for stage, t, best, _ in events if stage == "rota"]
    agg = [(t, best, bnd) for stage, t, best, bnd in events if stage == "bound"]
    first = rota[0][0] if rota else None
    to2 = None
    if bound is not None:
        to2 = next((t for t, best in rota if best > 0 and (best - bound) / best <= 0.02), None)
    out = {
        "agents": len(sc.agents),
        "slots": sc.n_slots,
        "slot_minutes": sc.slot_minutes,
        "days": sc.n_slots * sc.slot_minutes // 1440,
        "queues": len(sc.config.queues),
        "time_limit": time_limit,
        "prep_s": round(prep, 2),
        "first_feasible_s": None if first is None else round(first, 2),
        "to_2pct_s": None if to2 is None else round(to2, 2),
        "solve_s": round(wall, 2),
        "aggregate_first_s": round(agg[0][0], 2) if agg else None,
        "aggregate_last_s": round(agg[-1][0], 2) if agg else None,
        "n_solutions": len(rota),
    }
    if res is None:
        from scheduler.rota import options_of

        out.update(
            {
                "status": "NO ROTA",
                "error": None,
                "message": error,
                "objective": None,
                "lower_bound": None,
                "gap": None,
                "shift_variables": sum(len(o.options) for o in options_of(sc)),
                "classes": None,
                "aggregated_status": None,
                "violations": None,
                "rules": [],
                "check_s": None,
                "checker_objective": None,
            }
        )
    else:
        tc = time.perf_counter()
        rep = check_rota(sc, res.shifts, res.assignments, fc)
        out.update(
            {
                "status": res.status,
                "objective": res.objective,
                "lower_bound": bound,
                "gap": res.gap,
                "shift_variables": res.stats.get("shift_variables"),
                "classes": res.stats.get("classes"),
                "aggregated_status": res.stats.get("aggregated_status"),
                "violations": len(rep.violations),
                "rules": sorted({v.rule for v in rep.violations}),
                "check_s": round(time.perf_counter() - tc, 2),
                "checker_objective": float(rep.figures["objective"]),
            }
        )
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
    return out


def run_size(agents: int, days: int, slot_minutes: int, time_limit: float, seed: int, workers: int, tmp: Path) -> dict:
    folder = make_scenario(tmp / f"scale_{agents}_{days}_{slot_minutes}", agents, days, slot_minutes, time_limit, seed)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(folder),
        "--time-limit",
        str(time_limit),
        "--seed",
        str(seed),
        "--workers",
        str(workers),
    ]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=time_limit * 3 + 600, check=False)
    except subprocess.TimeoutExpired:
        return {"agents": agents, "slots": days * 1440 // slot_minutes, "error": "subprocess timed out"}
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        return {
            "agents": agents,
            "slots": days * 1440 // slot_minutes,
            "error": " / ".join(tail),
            "wall_s": round(wall, 1),
        }
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(wall, 1)
    return out


def _f(x, fmt: str = "{:.1f}", none: str = "not reached") -> str:
    return none if x is None else fmt.format(x)


def table(results: list[dict]) -> list[str]:
    lines = [
        "| agents | slots (days × min) | queues | shift variables | time limit (s) | first feasible (s) | 2 % gap (s) "
        "| final gap | status | aggregate's last solution (s) | peak RSS (MiB) | checker violations | forecast + staffing (s) | subprocess wall (s) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|",
    ]
    for r in results:
        if r.get("error"):
            lines.append(
                f"| {r['agents']} | {r['slots']} | | | | failed: {r['error']} | | | | | | | {r.get('wall_s', '')} |"
            )
            continue
        viol = (
            "-"
            if r["violations"] is None
            else "0"
            if not r["violations"]
            else f"{r['violations']} ({', '.join(r['rules'])})"
        )
        gap = "-" if r["gap"] is None else f"{r['gap']:.2%}"
        lines.append(
            f"| {r['agents']:,} | {r['slots']} ({r['days']} × {r['slot_minutes']}) | {r['queues']} | {r['shift_variables']:,} | "
            f"{r['time_limit']:g} | {_f(r['first_feasible_s'], none='none')} | {_f(r['to_2pct_s'])} | {gap} | {r['status']} | "
            f"{_f(r['aggregate_last_s'], none='none')} | {r['peak_rss_mb']:,.0f} | {viol} | {r['prep_s']:.1f} | {r['wall_s']:.1f} |"
        )
    return lines


def bar_lines(results: list[dict]) -> list[str]:
    """The DESIGN.md bar: 1,000 agents, 7 days, 30-min slots, 3 queues."""
    big = [
        r
        for r in results
        if r.get("error") is None and r["agents"] >= 1000 and r["slots"] >= 336 and r["time_limit"] <= 120
    ]
    longer = [
        r
        for r in results
        if r.get("error") is None and r["agents"] >= 1000 and r["slots"] >= 336 and r["time_limit"] > 120
    ]
    extra = []
    for r in longer:
        extra.append(
            f"- given {r['time_limit']:g} s instead, the same size: "
            + (
                f"first feasible rota at {r['first_feasible_s']:.1f} s, final gap {r['gap']:.2%}"
                + (f", 2 % reached at {r['to_2pct_s']:.1f} s" if r["to_2pct_s"] is not None else ", 2 % not reached")
                if r["status"] != "NO ROTA"
                else "still no rota"
            )
            + f", peak RSS {r['peak_rss_mb']:,.0f} MiB (aggregate's last solution at {_f(r['aggregate_last_s'], none='never')} s)"
        )
    if not big:
        return ["The 1,000-agent, 336-slot bar was not run in this invocation.", "", *extra]
    r = big[-1]
    ok_feasible = r["first_feasible_s"] is not None and r["first_feasible_s"] <= 120
    if r["status"] == "NO ROTA":
        return [
            "**The bar** (DESIGN.md: 1,000 agents, 7 days, 30-minute slots, 3 queues: a feasible rota in ≤ 120 s, gap ≤ 2 %, "
            "peak memory ≤ 4 GiB): **NOT met** — no rota within the time limit "
            f"({r['time_limit']:g} s; the aggregated model's first solution came at "
            f"{_f(r['aggregate_first_s'], none='never')} s, its last at {_f(r['aggregate_last_s'], none='never')} s); "
            f"peak RSS {r['peak_rss_mb']:,.0f} MiB. Engine message: {r['message']}",
            "",
            *extra,
        ]
    ok_gap = r["gap"] <= 0.02
    ok_mem = r["peak_rss_mb"] <= 4096
    return [
        "**The bar** (DESIGN.md: 1,000 agents, 7 days, 30-minute slots, 3 queues: a feasible rota in ≤ 120 s, gap ≤ 2 %, "
        "peak memory ≤ 4 GiB):",
        "",
        f"- first feasible rota: {_f(r['first_feasible_s'], none='none')} s → {'met' if ok_feasible else 'NOT met'}",
        f"- final gap {r['gap']:.2%} after {r['solve_s']:.0f} s (time limit {r['time_limit']:g} s) → {'met' if ok_gap else 'NOT met'}"
        + (f"; 2 % first reached at {r['to_2pct_s']:.1f} s" if r["to_2pct_s"] is not None else ""),
        f"- peak RSS {r['peak_rss_mb']:,.0f} MiB → {'met' if ok_mem else 'NOT met'}",
        f"- the checker found {r['violations']} violations in that rota",
        *extra,
    ]


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in results if r.get("error") is None]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    series = [
        ("agents sweep (336 slots)", [r for r in ok if r["slots"] == 336 and r["time_limit"] <= 120], "agents", "o-"),
        ("slots sweep (200 agents)", [r for r in ok if r["agents"] == 200 and r["time_limit"] <= 120], "slots", "s--"),
    ]
    for r in ok:
        if r["time_limit"] > 120 and r["slots"] == 336:
            for key, mark, colour, lab in (
                ("first_feasible_s", "*", "tab:blue", "first feasible"),
                ("to_2pct_s", "P", "tab:orange", "2 % gap"),
            ):
                if r[key] is not None:
                    axes[0].plot(
                        [r["agents"]],
                        [r[key]],
                        mark,
                        color=colour,
                        markersize=11,
                        label=f"{lab}, {r['time_limit']:g} s limit",
                    )
    for label, rows, key, style in series:
        rows = sorted(rows, key=lambda r: r[key])
        if not rows:
            continue
        x = [r[key] for r in rows]
        ax = axes[0] if key == "agents" else axes[1]
        for field, colour, lab in (
            ("first_feasible_s", "tab:blue", "first feasible"),
            ("to_2pct_s", "tab:orange", "2 % gap"),
        ):
            ax.plot(x, [r[field] if r[field] is not None else np.nan for r in rows], style, color=colour, label=lab)
        none = [r for r in rows if r["first_feasible_s"] is None]
        if none:
            ax.plot(
                [r[key] for r in none],
                [r["time_limit"] for r in none],
                "x",
                color="tab:red",
                markersize=10,
                label="no rota within the limit",
            )
        ax.plot(x, [r["time_limit"] for r in rows], ":", color="grey", label="time limit")
        ax.set_xlabel(key)
        ax.set_ylabel("seconds from solve start")
        ax.set_title(label)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    ax = axes[2]
    vars_ = [r["shift_variables"] for r in ok]
    ax.scatter(vars_, [r["peak_rss_mb"] for r in ok], label="peak RSS (MiB)")
    ax2 = ax.twinx()
    ax2.scatter(
        vars_,
        [100 * r["gap"] if r["gap"] is not None else np.nan for r in ok],
        color="tab:red",
        marker="x",
        label="final gap (%)",
    )
    ax.set_xscale("log")
    ax.set_xlabel("shift variables")
    ax.set_ylabel("peak RSS (MiB)")
    ax2.set_ylabel("final gap (%)", color="tab:red")
    ax.set_title("memory and final gap")
    ax.grid(alpha=0.3)
    fig.suptitle("scheduler rota: scale curve (2 cores, CP-SAT)")
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)
    plt.close(fig)


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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Scale curve of the rota solver")
    ap.add_argument("--quick", action="store_true", help="two small sizes; writes only where --out / --plot say")
    ap.add_argument("--only", default=None, help="comma-separated agents:days:slot_minutes:time_limit sizes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None)
    ap.add_argument("--plot", default=None)
    ap.add_argument("--replot", default=None, help="redraw --plot (default scale.png) from a saved results JSON")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--time-limit", type=float, default=60.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.time_limit, args.seed, args.workers)))
        return
    if args.replot:
        plot(json.loads(Path(args.replot).read_text(encoding="utf-8")), Path(args.plot) if args.plot else PLOT_OUT)
        return
    sizes = QUICK if args.quick else FULL
    if args.only:
        sizes = [
            tuple(float(x) if k == 3 else int(x) for k, x in enumerate(s.split(":"))) for s in args.only.split(",")
        ]
    out_path = Path(args.out) if args.out else (None if args.quick or args.only else SCALE_OUT)
    plot_path = Path(args.plot) if args.plot else (None if args.quick or args.only else PLOT_OUT)
    cmd = "python benchmarks/scale.py " + " ".join(sys.argv[1:] if argv is None else argv)
    load_before = uptime()
    results = []
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scale_") as tmp:
        for agents, days, slot_minutes, tl in sizes:
            print(
                f"size {agents} agents, {days} d x {slot_minutes} min, limit {tl:g} s ...", file=sys.stderr, flush=True
            )
            r = run_size(agents, days, slot_minutes, tl, args.seed, args.workers, Path(tmp))
            r["load"] = os.getloadavg()[0]
            print("  " + json.dumps(r), file=sys.stderr, flush=True)
            results.append(r)
    total = time.perf_counter() - t_all
    load_after = uptime()
    lines = [
        "## Scale curve",
        "",
        f"Command: `{cmd.strip()}` (run {time.strftime('%Y-%m-%d %H:%M %Z')} on commit {_commit()}, {total / 60:.1f} min in all). Synthetic "
        "scenarios made from the built-in `weekly` one (3 queues, its contracts and rules), agents and volume scaled; "
        "each size in its own subprocess, 2 CP-SAT workers; times from the start of `solve_rota`; the gap of each rota "
        "against the run's final proven bound. Every rota was checked by the independent checker.",
        "",
        f"Machine load before: `{load_before}`; after: `{load_after}`; 1-minute load average at the end of each size: "
        + ", ".join(f"{r['load']:.1f}" for r in results)
        + ".",
        "",
        *table(results),
        "",
        *bar_lines(results),
        "",
        "Plot: `benchmarks/scale.png` (drawn from these rows, kept in `results/scale.json`).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = out_path.with_suffix(".tmp")
        tmp_out.write_text(text, encoding="utf-8")
        tmp_out.replace(out_path)
        print(f"wrote {out_path}", file=sys.stderr)
    if plot_path is not None:
        plot(results, plot_path)
        print(f"wrote {plot_path}", file=sys.stderr)
    if out_path is not None:  # the measured rows, to redraw the plot without re-running (--replot)
        json_path = out_path.with_suffix(".json")
        json_path.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
