"""One sweep task: a variant (or one shop of a batch) planned into its own plan folder.

A task reads its inputs itself (the scenario folder, with the variant's scenario.yaml in place of
the source's), plans it as `scheduler plan` does and writes the folder atomically (a temporary
folder renamed into place, scheduler.report.files), with `variant.json` holding the hash of
exactly the inputs it planned. A worker killed halfway leaves no folder (its hidden temporary
folder is tidied by a later write), so a retry or a rerun starts clean. A task never raises for
its variant's own trouble: bad input, a rota proven impossible or no rota in time become the
status and message of its row, so one variant never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scheduler.cells import unneutralise_frame
from scheduler.errors import InfeasibleError, InputError
from scheduler.interrupts import not_proven
from scheduler.results import Plan

VARIANT_FILE = "variant.json"
"""Written into every plan folder a sweep makes: the input hash a rerun compares, and the values."""
INPUT_SUFFIXES = (".yaml", ".yml", ".csv", ".md")
"""The scenario folder's files a plan folder copies (scheduler.report.files.copy_scenario)."""


@dataclass(frozen=True)
class VariantTask:
    """Everything a worker needs for one plan folder; plain data, so it pickles to any node."""

    name: str
    source: str
    """The scenario folder (absolute), read by the task itself."""
    values: dict[str, Any]
    out: str
    """The plan folder (absolute); on a cluster it must be on a file system every node sees."""
    input_sha256: str
    scenario_yaml: str | None = None
    """The variant's scenario.yaml; None plans the source's own (a batch)."""
    time_limit: float | None = None
    threads: int = 1
    lang: str = "zh"
    settings: dict[str, Any] = field(default_factory=dict)


def input_files(folder: Path) -> list[Path]:
    """The scenario's input files, as a plan folder's copy of the scenario takes them."""
    home = folder.resolve()
    return [p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix in INPUT_SUFFIXES and p.resolve().is_relative_to(home)]


def inputs_hash(folder: Path, settings: dict[str, Any], scenario_yaml: str | None = None) -> str:
    """SHA-256 of what a variant's plan depends on: every input file (name and bytes; scenario.yaml
    replaced by the variant's) and the run's settings (time limit, labels)."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode() + b"\0")
    for p in input_files(folder):
        data = scenario_yaml.encode() if scenario_yaml is not None and p.name == "scenario.yaml" else p.read_bytes()
        h.update(p.name.encode() + b"\0" + data + b"\0")
    if scenario_yaml is not None and not (folder / "scenario.yaml").exists():
        h.update(b"scenario.yaml\0" + scenario_yaml.encode() + b"\0")
    return h.hexdigest()


def hires_of(folder: Path) -> tuple[int | None, str]:
    """Hires from the plan folder's hiring.csv (pool, hired, ...): the total and per pool; none
    (None, "") when the scenario offered no candidate pools."""
    path = folder / "hiring.csv"
    if not path.is_file():
        return None, ""
    try:
        df = unneutralise_frame(pd.read_csv(path, dtype={"pool": str}))
        hired = pd.to_numeric(df["hired"], errors="coerce").fillna(0).astype(int)
    except (OSError, ValueError, KeyError, pd.errors.ParserError):
        return None, "hiring.csv unreadable"
    return int(hired.sum()), "; ".join(f"{p} {n}" for p, n in zip(df["pool"], hired, strict=True))


def row_from_folder(task: VariantTask, folder: Path, run: str) -> dict[str, Any]:
    """A row of sweep.csv from a written plan folder: its own summary.json and hiring.csv."""
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    hires, by_pool = hires_of(folder)
    meta = json.loads((folder / VARIANT_FILE).read_text(encoding="utf-8")) if (folder / VARIANT_FILE).is_file() else {}
    return {
        **task.values,
        "status": s["status"] + (" (interrupted)" if s.get("interrupted") else ""),
        "cost_yuan": s["objective"],
        "wages_yuan": s["wage_cost"],
        "lost_inquiry_value_yuan": s["lost_inquiry_value"],
        "other_costs_yuan": s["other_costs"],
        "lower_bound_yuan": s["lower_bound"],
        "gap": s["gap"],
        "hires": hires,
        "hires_by_pool": by_pool,
        "agents_scheduled": s["agents_scheduled"],
        "solve_seconds": s["solve_seconds"],
        "folder": task.name,
        "run": run,
        "node": meta.get("node", ""),
        "message": "",
    }


def failed_row(task: VariantTask, status: str, message: str, node: str = "") -> dict[str, Any]:
    """A row for a variant with no plan folder: why, in the scenario's words."""
    return {**task.values, "status": status, "folder": "", "run": "failed", "node": node,
            "message": " | ".join(message.splitlines())}


def this_node() -> str:
    """Where a task ran: the Ray node id when inside a Ray worker, else the host name."""
    ray = sys.modules.get("ray")  # a Ray worker has it; a local process need not import it
    try:
        if ray is not None and ray.is_initialized():
            return ray.get_runtime_context().get_node_id()
    except Exception:  # noqa: BLE001 - not in a Ray worker after all: the host name says enough
        pass
    return platform.node()


def materialise(task: VariantTask, dest: Path) -> str:
    """The variant's scenario folder at `dest` (the source's inputs, its scenario.yaml in place);
    returns the hash of what was copied, which is what the plan is made from."""
    src = Path(task.source)
    dest.mkdir()
    for p in input_files(src):
        (dest / p.name).write_bytes(p.read_bytes())
    if task.scenario_yaml is not None:
        (dest / "scenario.yaml").write_text(task.scenario_yaml, encoding="utf-8")
    return inputs_hash(dest, task.settings)


def plan_variant(task: VariantTask) -> dict[str, Any]:
    """Plan one variant into its folder and return its row (never raises for the variant's input)."""
    from scheduler.pipeline import plan
    from scheduler.report import people_writers, write_plan
    from scheduler.scenario import load_scenario

    node = this_node()
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="scheduler-sweep-") as tmp:
            digest = materialise(task, Path(tmp) / task.name)
            sc = load_scenario(Path(tmp) / task.name)
            result = plan(sc, time_limit=task.time_limit, workers=task.threads)
            result.summary["lang"] = task.lang

            def record(p: Plan, folder: Path) -> None:
                meta = {"input_sha256": digest, "values": task.values, "source": task.source,
                        "settings": task.settings, "solver_threads": task.threads, "node": node,
                        "pid": os.getpid(), "seconds": round(time.monotonic() - started, 3)}
                (folder / VARIANT_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n",
                                                   encoding="utf-8")

            write_plan(result, Path(task.out), extra_writers=[*people_writers(task.lang), record])
        return row_from_folder(task, Path(task.out), "planned")
    except InputError as exc:
        return failed_row(task, "bad input", str(exc), node)
    except InfeasibleError as exc:
        return failed_row(task, "no rota in time" if not_proven(exc) else "infeasible", str(exc), node)
    except Exception as exc:  # noqa: BLE001 - a bug in one variant must not stop the sweep
        tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return failed_row(task, "error", f"internal error ({tail}); please report it with the scenario", node)
