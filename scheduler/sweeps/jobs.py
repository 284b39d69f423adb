"""What a sweep or a batch will do, worked out whole before anything runs: the variants (every one
valid by the schema), their plan folders and input hashes, and an output folder that may be used.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.errors import InputError, Problem
from scheduler.scenario import load_scenario
from scheduler.sweeps.page import TABLE
from scheduler.sweeps.tasks import VariantTask, inputs_hash
from scheduler.sweeps.variants import folder_name, make_variants, read_raw, variant_yaml


@dataclass(frozen=True)
class SweepJob:
    """The tasks of one sweep or batch, the columns that tell them apart, and where they go."""

    kind: str
    """"sweep" or "batch"."""
    title: str
    keys: list[str]
    tasks: list[VariantTask]
    out: Path


def check_out(out: Path, source: Path, option: str = "--out") -> None:
    """The sweep's folder: new, empty, or an earlier sweep's (its finished variants are kept and
    reused); never the scenario folder or one holding it, never someone's other files."""
    full, src = Path(out).resolve(), Path(source).resolve()
    if full == src or full in src.parents:
        raise InputError([Problem(str(out), option, f"the scenario folder {source} (or a folder holding it)",
                                  "a separate folder for the plan folders and sweep.csv")])
    if out.exists() and not out.is_dir():
        raise InputError([Problem(str(out), option, "an existing file", "a folder path")])
    if out.is_dir():
        names = sorted(p.name for p in out.iterdir())
        if names and TABLE not in names:
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            raise InputError([Problem(str(out), option, f"an existing folder of other files ({shown})",
                                      f"a new or empty folder, or the folder of an earlier sweep (holding {TABLE})")])
    try:
        out.mkdir(parents=True, exist_ok=True)
        Path(tempfile.mkdtemp(prefix=".scheduler-probe.", dir=out)).rmdir()
    except OSError as exc:
        raise InputError([Problem(str(out), option, f"not writable ({exc.strerror or exc})", "a folder you may write to")]) from None


def _unique(names: list[str]) -> list[str]:
    """Folder names made unique (two values may read the same once made safe for a file name)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out


def settings_of(time_limit: float | None, lang: str) -> dict[str, Any]:
    """The run settings a plan depends on beyond its inputs (part of each variant's input hash)."""
    return {"time_limit": None if time_limit is None else float(time_limit), "lang": lang}  # 10 and 10.0 alike


def sweep_job(scenario: str | Path, options: list[str], out: Path, time_limit: float | None = None,
              lang: str = "zh") -> SweepJob:
    """The variants of one scenario that the `--vary` options ask for (InputError before anything runs)."""
    sc = load_scenario(scenario)  # the scenario itself must be sound before its variants are
    raw = read_raw(sc.folder)
    varies, variants = make_variants(raw, options)
    check_out(out, sc.folder)
    settings = settings_of(time_limit, lang)
    names = _unique([folder_name(v.values) for v in variants])
    tasks = []
    for name, v in zip(names, variants, strict=True):
        text = variant_yaml(v, sc.config.name)
        tasks.append(VariantTask(name=name, source=str(sc.folder), values=v.values, out=str(out.resolve() / name),
                                 input_sha256=inputs_hash(sc.folder, settings, text), scenario_yaml=text,
                                 time_limit=time_limit, lang=lang, settings=settings))
    title = f"sweep of {sc.config.name}: " + " x ".join(f"{x.key} ({len(x.values)})" for x in varies)
    return SweepJob("sweep", title, [x.key for x in varies], tasks, out)


def batch_job(folder: Path, out: Path, time_limit: float | None = None, lang: str = "zh") -> SweepJob:
    """Every scenario folder inside `folder` (a folder holding scenario.yaml), one plan each. A shop
    whose input is bad is reported in its row, not here: the other shops still get their plans."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "FOLDER", "no such folder", "a folder holding one scenario folder per shop")])
    shops = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "scenario.yaml").is_file())
    if not shops:
        raise InputError([Problem(str(folder), "FOLDER", "no scenario folder inside",
                                  "a folder holding scenario folders (each with its scenario.yaml, history.csv, agents.csv)")])
    check_out(out, folder)
    settings = settings_of(time_limit, lang)
    tasks = [VariantTask(name=p.name, source=str(p.resolve()), values={"scenario": p.name}, out=str(out.resolve() / p.name),
                         input_sha256=inputs_hash(p, settings), time_limit=time_limit, lang=lang, settings=settings)
             for p in shops]
    return SweepJob("batch", f"batch of {len(shops)} scenarios in {folder.name}", ["scenario"], tasks, out)
