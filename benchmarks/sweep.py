"""Sweep benchmark (run by hand): 24 variants of double11 on the local Ray against the same 24
planned one after another in one process, as a ratio of wall times in one run.

The grid is solver.staffing_quantile (p50, p80, p90) x 8 values of a second key: by default
economics.gmv_target_yuan (6.0 to 9.5 million yuan); once the scenario has hiring pools, pass
`--key hiring.pools.students.max --values 0..35:5` for the hire levels. Both runs do the same work
per variant (plan, write the whole plan folder); one after another each solve gets every core as
solver threads, on Ray the tasks x threads fit the cores (scheduler.sweeps). The Ray wall time
includes starting the local Ray (also shown on its own). Every plan folder is checked by the independent checker. The
cost curve (cost against the second key, one line per quantile, the cheapest point marked) goes
to sweep.png beside the report.

    python benchmarks/sweep.py                                   # the real run: 24 x 20 s
    python benchmarks/sweep.py --quick                           # 4 variants of 5 s: proves it works
    python benchmarks/sweep.py --key hiring.pools.students.max --values 0..35:5

Prints a markdown report; with --write also benchmarks/results/sweep.md and benchmarks/sweep.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from scheduler.checker import check_folder  # noqa: E402
from scheduler.sweeps import run_job, sweep_job  # noqa: E402
from scheduler.sweeps.runner import WORKER_NICENESS  # noqa: E402
from scheduler.sweeps.tasks import plan_variant  # noqa: E402


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        la = os.getloadavg()
        return f"load average: {la[0]:.2f}, {la[1]:.2f}, {la[2]:.2f}"


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def one_after_another(job) -> tuple[float, list[dict]]:
    """Every variant in this process, in turn, each solve with every core as solver threads."""
    threads = os.cpu_count() or 1
    started = time.monotonic()
    rows = [plan_variant(dataclasses.replace(t, threads=threads)) for t in job.tasks]
    return time.monotonic() - started, rows


def curve_png(df: pd.DataFrame, key: str, path: Path) -> None:
    """Cost against the second key, one line per quantile, the cheapest point of each marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for q, g in df.groupby("solver.staffing_quantile", sort=True):
        g = g.dropna(subset=["cost_yuan"]).sort_values(key)
        ax.plot(g[key], g.cost_yuan, marker="o", label=f"staffing quantile {q}")
        best = g.loc[g.cost_yuan.idxmin()]
        ax.scatter([best[key]], [best.cost_yuan], s=140, facecolors="none", edgecolors="k", zorder=3)
    ax.set_xlabel(key)
    ax.set_ylabel("cost (yuan): wages + lost-inquiry value + other")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(fontsize=8)
    ax.set_title("cost of each variant (circled: the cheapest of each quantile)", fontsize=10)
    fig.savefig(path, bbox_inches="tight", dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="double11")
    ap.add_argument("--key", default="economics.gmv_target_yuan", help="the second varied key")
    ap.add_argument("--values", default="6000000..9500000:500000", help="its values (a..b:step or V1,V2,...)")
    ap.add_argument("--quantiles", default="p50,p80,p90")
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--quick", action="store_true", help="4 variants of 5 s (p50, p90 x the first two values)")
    ap.add_argument("--write", action="store_true", help="also write benchmarks/results/sweep.md and benchmarks/sweep.png")
    args = ap.parse_args()
    quantiles, values, limit = args.quantiles, args.values, args.time_limit
    if args.quick:
        from scheduler.sweeps.variants import parse_option

        quantiles, limit = "p50,p90", 5.0
        values = ",".join(str(v) for v in parse_option(f"{args.key}={values}")[1][:2])
    vary = [f"solver.staffing_quantile={quantiles}", f"{args.key}={values}"]
    command = "python benchmarks/sweep.py " + shlex.join(sys.argv[1:])
    before = uptime()
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        seq_job = sweep_job(args.scenario, vary, Path(tmp) / "one_by_one", time_limit=limit, lang="en")
        seq_seconds, seq_rows = one_after_another(seq_job)
        ray_job = sweep_job(args.scenario, vary, Path(tmp) / "ray", time_limit=limit, lang="en")
        import ray

        started = time.monotonic()
        os.environ.setdefault(WORKER_NICENESS, "0")  # as the sweep starts its local Ray
        ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        start_seconds = time.monotonic() - started
        try:
            result = run_job(ray_job)  # on the Ray just started, so its start is timed on its own
        finally:
            ray.shutdown()
        ray_seconds = time.monotonic() - started
        broken = [f"{r['folder']}" for r in result.rows if r.get("folder") and not check_folder(Path(tmp) / "ray" / r["folder"]).ok]
        broken += [f"{r['folder']} (one by one)" for r in seq_rows if r.get("folder") and not check_folder(Path(tmp) / "one_by_one" / r["folder"]).ok]
        after = uptime()
        df = pd.read_csv(Path(tmp) / "ray" / "sweep.csv")
        seq = pd.DataFrame(seq_rows)
        df["cost_one_by_one"] = seq.cost_yuan.to_numpy() if "cost_yuan" in seq else float("nan")
        df["status_one_by_one"] = seq.status.to_numpy()
        if args.write:
            curve_png(df, args.key, ROOT / "benchmarks" / "sweep.png")
    n = len(ray_job.tasks)
    lines = [
        "## Sweep on the local Ray against one after another",
        "",
        f"Command: `{command}` (run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on commit {commit()}).",
        "",
        f"{n} variants of {args.scenario} ({' x '.join(vary)}), {limit:g} s solver time limit each; "
        f"{os.cpu_count()} cores. {result.notes[1]}.",
        "",
        f"Machine load before: `{before}`; after: `{after}`.",
        "",
        "| run | wall time (s) | per variant (s) |",
        "|---|---:|---:|",
        f"| one after another, one process, {os.cpu_count()} solver threads each | {seq_seconds:.1f} | {seq_seconds / n:.1f} |",
        f"| local Ray, including its start ({start_seconds:.1f} s) | {ray_seconds:.1f} | {ray_seconds / n:.1f} |",
        f"| local Ray, tasks only | {ray_seconds - start_seconds:.1f} | {(ray_seconds - start_seconds) / n:.1f} |",
        "",
        f"**Ratio (one after another / Ray): {seq_seconds / ray_seconds:.2f}** "
        f"({seq_seconds / (ray_seconds - start_seconds):.2f} without Ray's start)",
        "",
        f"Plan folders failing the independent checker: {', '.join(broken) if broken else 'none'}.",
        "",
        "| " + " | ".join(["quantile", args.key, "status", "cost (Ray)", "cost (one by one)", "wages", "lost-inquiry value", "gap", "hires"]) + " |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for _, r in df.iterrows():
        lines.append(f"| {r['solver.staffing_quantile']} | {r[args.key]} | {r.status} | {r.cost_yuan:,.0f} | {r.cost_one_by_one:,.0f} | "
                     f"{r.wages_yuan:,.0f} | {r.lost_inquiry_value_yuan:,.0f} | {r.gap:.2%} | {'' if pd.isna(r.hires) else int(r.hires)} |")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "results" / "sweep.md").write_text(text + "\n![cost curve](../sweep.png)\n", encoding="utf-8")


if __name__ == "__main__":
    main()
