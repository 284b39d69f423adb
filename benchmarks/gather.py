"""Gather benchmarks/results/*.md into benchmarks/RESULTS.md, headed by this machine's facts.

RESULTS.md is never typed by hand: each benchmark script writes its own results/<name>.md from
its measured run, and this script puts them together with the machine they ran on (cores, CPU
model, RAM, date, package versions).

    python benchmarks/gather.py          # writes benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
OUT = ROOT / "benchmarks" / "RESULTS.md"
# the order a reader wants; any other results/*.md follows alphabetically
ORDER = ["timefold", "peers", "season", "curtois", "curtois_large", "curtois_long", "cg_profile", "sweep", "scale", "scale_1000", "staffing", "replan"]
PACKAGES = ["ortools", "highspy", "numpy", "pandas", "scipy", "pydantic", "pyworkforce", "matplotlib", "psutil"]


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def versions() -> str:
    out = [f"python {platform.python_version()}"]
    for p in PACKAGES:
        try:
            out.append(f"{p} {metadata.version(p)}")
        except metadata.PackageNotFoundError:
            out.append(f"{p} (not installed)")
    sys.path.insert(0, str(ROOT))
    try:
        import scheduler

        out.insert(0, f"scheduler {scheduler.__version__}")
    except ImportError:
        pass
    return ", ".join(out)


def machine() -> list[str]:
    commit = _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return [
        "| fact | value |",
        "|---|---|",
        f"| cores (`nproc`) | {_run(['nproc']) or os.cpu_count()} |",
        f"| CPU | {cpu_model()} |",
        f"| RAM | {ram_gib()} |",
        f"| OS | {platform.platform()} |",
        f"| gathered | {time.strftime('%Y-%m-%d %H:%M %Z')} (commit {commit or 'unknown'}; each section states when it ran) |",
        f"| load now (`uptime`) | {_run(['uptime'])} |",
        f"| packages | {versions()} |",
    ]


def load_flag(text: str, cores: int) -> str:
    """A plain statement of the machine load a section recorded (its `uptime` lines), if any."""
    loads = [float(m.group(1)) for m in re.finditer(r"load average: ([0-9.]+)", text)]
    loads += [
        float(x)
        for m in re.finditer(r"1-minute load average at the end of each size: ([0-9., ]+)", text)
        for x in m.group(1).replace(" ", "").strip(".").split(",")
        if x
    ]
    if not loads:
        return ""
    top = max(loads)
    if top > cores:
        return (
            f"*Machine load during this section's run: 1-minute load average up to {top:.1f} on {cores} cores — "
            "**high**: the machine was shared with other solvers, so its timings are slower (and its gaps at a "
            "time limit wider) than on an idle machine.*"
        )
    return f"*Machine load during this section's run: 1-minute load average up to {top:.1f} on {cores} cores.*"


def gather(note: str = "") -> str:
    files = {p.stem: p for p in RESULTS.glob("*.md")}
    names = [n for n in ORDER if n in files] + sorted(set(files) - set(ORDER))
    lines = [
        "# Benchmark results",
        "",
        "Gathered by `python benchmarks/gather.py` from benchmarks/results/*.md; each section was written by the "
        "script named in it, from its own measured run (see benchmarks/README.md for how to run each). Do not edit by "
        "hand: re-run the script and gather again.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "The machine is shared with other work: each section records the load (`uptime`) during its run; timings taken "
        "under a 1-minute load average above the 2 cores are slower than on an idle machine.",
        "",
        *([f"Conditions of this gathering's runs: {note}", ""] if note else []),
        "Sections: " + ", ".join(f"{n} (results/{files[n].name})" for n in names) + ".",
        "",
    ]
    cores = int(_run(["nproc"]) or os.cpu_count() or 1)
    for n in names:
        text = files[n].read_text(encoding="utf-8").strip()
        # demote a leading "# " title so RESULTS.md keeps one top-level heading
        body = [("#" + ln if ln.startswith("# ") else ln) for ln in text.splitlines()]
        lines += body + [""]
        flag = load_flag(text, cores)
        if flag:
            lines += [flag, ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--note", default="", help="how the runs were shielded from other work on the machine, if at all")
    args = ap.parse_args()
    text = gather(args.note)
    out = Path(args.out)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out} ({len(text.splitlines())} lines)")


if __name__ == "__main__":
    main()
