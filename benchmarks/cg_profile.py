"""Where column generation spends its time: the LP master's re-solves against the pricing.

The engine (`solve_rota`, engine auto, `gap_limit` 0) runs as `scheduler plan` and the Curtois
benchmark run it; this script only times it from outside, wrapping `highspy.Highs.run` and
`ClassPricing.price` (the wrappers add nothing to the work). For each run: column generation's
rounds, columns, LP value and bound as the engine reports them, the seconds in LP re-solves and
in pricing (summed over the pricing threads, so they can exceed the wall time), the pricing
calls and how many ended unproven, and the master's size at its last re-solve.

    python benchmarks/cg_profile.py season:100 curtois17:120 curtois13:120

Targets: a built-in scenario or folder (`name:seconds`, with its day-roster rules) or a Curtois
instance in ../shared/benchmarks/curtois (`curtoisN:seconds`; skipped when the data is absent).
Writes benchmarks/results/cg_profile.md unless --out says elsewhere.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import highspy  # noqa: E402
from peers import _commit, uptime  # noqa: E402

from scheduler.rota.cg import engine as cg_engine  # noqa: E402
from scheduler.rota.cg import pricing as cg_pricing  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "cg_profile.md"


class Meter:
    """Seconds and calls of the LP re-solves and of the pricing, and the engine's CG result."""

    def __init__(self) -> None:
        self.lp_seconds = self.price_seconds = 0.0
        self.lp_calls = self.price_calls = self.unproven = 0
        self.last_lp: tuple[int, int, int] | None = None
        self.results: list = []

    def install(self) -> None:
        run, price, cg = highspy.Highs.run, cg_pricing.ClassPricing.price, cg_engine.column_generation
        meter = self

        def timed_run(lp):
            t = time.perf_counter()
            out = run(lp)
            meter.lp_seconds += time.perf_counter() - t
            meter.lp_calls += 1
            if lp.getNumRow():
                meter.last_lp = (lp.getNumRow(), lp.getNumCol(), lp.getNumNz())
            return out

        def timed_price(pricing, *args, **kwargs):
            t = time.perf_counter()
            out = price(pricing, *args, **kwargs)
            meter.price_seconds += time.perf_counter() - t
            meter.price_calls += 1
            meter.unproven += not out.proven
            return out

        def recorded(*args, **kwargs):
            out = cg(*args, **kwargs)
            meter.results.append(out)
            return out

        highspy.Highs.run = timed_run
        cg_pricing.ClassPricing.price = timed_price
        cg_engine.column_generation = recorded
        import scheduler.rota.solve as solve_module

        solve_module.column_generation = recorded


def run_target(target: str, meter: Meter) -> dict:
    name, _, seconds = target.partition(":")
    limit = float(seconds or 60)
    t0 = time.perf_counter()
    if name.startswith("curtois"):
        import curtois

        paths = curtois.instances([int(name[len("curtois"):])])
        if not paths:
            return {"target": target, "skipped": "../shared/benchmarks/curtois is absent"}
        out = curtois.solve(curtois.parse(paths[0]), limit)
        objective, bound = out.objective, out.bound
    else:
        from scheduler.demand import forecast
        from scheduler.pipeline import priced_demand
        from scheduler.rota import solve_rota
        from scheduler.rota.roster_rules import rules_from_scenario
        from scheduler.scenario import load_scenario
        from scheduler.staffing_model import staffing

        sc = load_scenario(name)
        demand = priced_demand(sc, staffing(sc, forecast(sc)))
        r = solve_rota(sc, demand, time_limit=limit, roster=rules_from_scenario(sc), gap_limit=0.0)
        objective, bound = r.objective, r.lower_bound
    return {"target": target, "seconds": time.perf_counter() - t0, "objective": objective, "bound": bound}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="+", help="name:seconds or curtoisN:seconds")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    rows = []
    for target in args.targets:
        meter = Meter()
        saved = (highspy.Highs.run, cg_pricing.ClassPricing.price, cg_engine.column_generation)
        meter.install()
        before = uptime()
        try:
            row = run_target(target, meter)
        finally:
            import scheduler.rota.solve as solve_module

            highspy.Highs.run, cg_pricing.ClassPricing.price, cg_engine.column_generation = saved
            solve_module.column_generation = saved[2]
        row |= {"meter": meter, "load": f"{before.split('average:')[-1].strip()} / {uptime().split('average:')[-1].strip()}"}
        rows.append(row)
        print(target, "done", flush=True)
    lines = [
        "## Where column generation spends its time",
        "",
        f"Command: `python benchmarks/cg_profile.py {' '.join(args.targets)}` (run "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on commit {_commit()}); engine auto, gap_limit 0, "
        "2 workers. LP s: seconds inside HiGHS (the LP re-solves and the integer master); pricing s: summed over "
        "the 2 pricing threads; rows/cols/nz: the master at its last solve.",
        "",
        "| target | objective | bound | CG rounds | CG columns | CG s | CG LP value | CG bound | LP s (calls) "
        "| pricing s (calls, unproven) | rows / cols / nz | load before / after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        if "skipped" in row:
            lines.append(f"| {row['target']} | skipped: {row['skipped']} |" + " |" * 10)
            continue
        m: Meter = row["meter"]
        cg = m.results[-1] if m.results else None
        size = " / ".join(f"{v:,}" for v in m.last_lp) if m.last_lp else "-"
        cg_cells = (f"{cg.rounds} | {cg.columns:,} | {cg.seconds:.1f} | {cg.lp_fen / 100:,.0f} | "
                    f"{cg.bound_fen / 100:,.0f}") if cg else "no CG | | | |"
        lines.append(
            f"| {row['target']} | {row['objective']:,.0f} | {row['bound']:,.0f} | {cg_cells} | "
            f"{m.lp_seconds:.1f} ({m.lp_calls}) | {m.price_seconds:.1f} ({m.price_calls}, {m.unproven}) | {size} | {row['load']} |"
        )
    lines.append("")
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
