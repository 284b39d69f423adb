"""The public Python API (`import scheduler`) and the notebooks that use it.

Each notebook runs top to bottom in a fresh kernel of this interpreter, inside a copy of
notebooks/ (so its output/ folder lands in tmp_path); the test fails on any cell error, looks for
the outputs the notebook exists to show, and judges the plan folders it wrote with the checker.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import pandas as pd
import pytest

import scheduler

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["double11_walkthrough", "your_own_shop", "what_if"]

# text each notebook's outputs must hold (what it exists to show), and how many charts at least
EXPECT: dict[str, tuple[list[str], int]] = {
    "double11_walkthrough": (
        ["SOURCE FORMULA", "buyers, not agents", "erlang_c_asks_more", "proven lower bound",
         "checker verdict: every hard rule kept", "handovers", "Rota changes from",
         "checker verdict on the replan: every hard rule kept"],
        4,  # forecast, staffing, coverage, Gantt
    ),
    "your_own_shop": (
        ["wrote a scenario template", "refused:", "target_service_level", "value of one inquiry",
         "checker verdict: every hard rule kept", "report.html"],
        1,
    ),
    "what_if": (
        ["cheapest:", "checker_ok", "checker verdict on the replan: every hard rule kept", "Rota changes from"],
        1,
    ),
}
# plan folders each notebook writes under output/
FOLDERS = {
    "double11_walkthrough": ["double11_plan", "double11_replan"],
    "your_own_shop": ["my_shop_plan"],
    "what_if": ["whatif_plan", "whatif_replan"],
}
NOTEBOOK_SECONDS = 120  # the bar: each notebook under two minutes on 2 cores


# --- the stored notebooks ----------------------------------------------------------------------
def _load(name: str):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    nb = _load(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(not c.outputs and c.execution_count is None for c in code), "strip the outputs before committing"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_uses_only_the_public_api(name):
    source = "\n".join(c.source for c in _load(name).cells if c.cell_type == "code")
    assert not re.search(r"^\s*(from|import)\s+scheduler\.", source, re.M), "import the package, not its modules"
    used = set(re.findall(r"\bscheduler\.(\w+)", source))
    assert used, "the notebook should use the API"
    assert used <= set(scheduler.__all__), f"not public: {sorted(used - set(scheduler.__all__))}"


# --- running them ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A python3 kernelspec running this interpreter, first on the Jupyter path; inline charts."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    specs = tmp_path_factory.mktemp("jupyter")
    spec = specs / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (test)", "language": "python",
    }))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(specs))
    mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    yield
    mp.undo()


def _outputs(nb) -> tuple[str, int]:
    text, images = [], 0
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.output_type == "stream":
                text.append(o.text)
            elif o.output_type in ("execute_result", "display_data"):
                images += "image/png" in o.data
                text.append(o.data.get("text/plain", ""))
    return "\n".join(text), images


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name, tmp_path, kernel_env):
    from nbclient import NotebookClient

    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns("output", ".ipynb_checkpoints"))
    nb = _load(name)
    t0 = time.perf_counter()
    # a cell error raises CellExecutionError naming the cell and the traceback
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    seconds = time.perf_counter() - t0
    text, images = _outputs(nb)
    wanted, min_images = EXPECT[name]
    missing = [w for w in wanted if w not in text]
    assert not missing, f"{name}: outputs lack {missing}"
    assert images >= min_images, f"{name}: {images} charts, expected at least {min_images}"
    assert "Traceback" not in text
    # every plan folder it wrote, judged again here by the checker
    for folder in FOLDERS[name]:
        path = work / "output" / folder
        report = scheduler.check_folder(path)
        assert report.ok, f"{name}/{folder}: {[str(v) for v in report.violations[:5]]}"
    assert seconds < NOTEBOOK_SECONDS, f"{name} took {seconds:.0f} s"


# --- the API surface ---------------------------------------------------------------------------
def test_every_public_name_resolves():
    for name in scheduler.__all__:
        assert getattr(scheduler, name) is not None, name
    ns: dict = {}
    exec("from scheduler import *", ns)
    assert set(scheduler.__all__) <= set(ns)
    assert set(scheduler.__all__) <= set(dir(scheduler))
    with pytest.raises(AttributeError):
        scheduler.no_such_name  # noqa: B018


def test_api_is_the_same_objects_as_the_modules():
    from scheduler.checker import check_folder, check_rota
    from scheduler.demand import forecast, sizing
    from scheduler.errors import InfeasibleError, InputError
    from scheduler.pipeline import plan
    from scheduler.report.files import write_plan
    from scheduler.scenario import load_scenario

    assert scheduler.load_scenario is load_scenario
    assert (scheduler.forecast, scheduler.sizing, scheduler.plan) == (forecast, sizing, plan)
    assert (scheduler.check_folder, scheduler.check_rota, scheduler.write_plan) == (check_folder, check_rota, write_plan)
    assert (scheduler.InputError, scheduler.InfeasibleError) == (InputError, InfeasibleError)


def test_stage_names_are_the_stage_functions_of_their_packages():
    import scheduler.checker
    import scheduler.replanning
    import scheduler.staffing_model

    assert scheduler.staffing is scheduler.staffing_model.staffing
    assert scheduler.check is scheduler.checker.check_folder
    assert scheduler.replan is scheduler.replanning.replan
    assert all(isinstance(f, types.FunctionType) for f in (scheduler.staffing, scheduler.check, scheduler.replan))
    assert scheduler.staffing_model.erlang_c(2, 1.0) == pytest.approx(1 / 3)  # M/M/2 at 1 Erlang: C = 1/3


def test_import_is_light_and_order_free():
    """`import scheduler` loads neither pandas nor OR-Tools; a stage's package imported first leaves the stage callable."""
    code = (
        "import sys, time; t = time.perf_counter(); import scheduler; dt = time.perf_counter() - t\n"
        "heavy = sorted(m for m in ('pandas', 'ortools', 'scipy', 'pydantic', 'matplotlib') if m in sys.modules)\n"
        "from scheduler.checker import check_folder\n"
        "from scheduler.replanning import replan\n"
        "print(dt, heavy, callable(scheduler.check), scheduler.replan is replan, scheduler.check is check_folder)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.split(maxsplit=1)
    seconds, rest = float(out[0]), out[1].strip()
    assert rest == "[] True True True", rest
    assert seconds < 0.5, f"import scheduler took {seconds:.2f} s"


def test_package_docstring_shows_every_stage():
    doc = scheduler.__doc__ or ""
    for call in ("load_scenario(", "forecast(", "sizing(", "staffing(", "plan(", "write_plan(", "check(", "replan("):
        assert f"scheduler.{call}" in doc, call
    for name in ("load_scenario", "forecast", "sizing", "plan", "check_folder", "check_rota", "write_plan",
                 "handover_sheet", "people_writers"):
        assert (getattr(scheduler, name).__doc__ or "").strip(), name
    assert scheduler.check is scheduler.check_folder  # the checker's stage: its module is scheduler.checker
    for name in ("staffing", "replan"):
        assert (getattr(scheduler, name).__doc__ or "").strip(), name


def test_bad_input_raises_the_public_error():
    with pytest.raises(scheduler.InputError) as err:
        scheduler.load_scenario("no_such_scenario")
    assert err.value.problems and "no_such_scenario" in str(err.value)


def test_small_shop_end_to_end_through_the_api(tmp_path, small_shop):
    """Every stage through the public names; the result judged by the checker from the files alone."""
    from scheduler import staffing_model

    sc = small_shop
    fc = scheduler.forecast(sc)
    assert {"slot_start", "queue", "p50", "p80", "p90"} <= set(fc.columns) and len(fc) == sc.n_slots
    assert (fc.p50 <= fc.p80 + 1e-9).all() and (fc.p80 <= fc.p90 + 1e-9).all()
    chain = scheduler.sizing(sc, fc)
    assert chain["source_formula"]["unit"] == "buyers, not agents"
    req = scheduler.staffing(sc, fc)  # the stage function of scheduler.staffing_model
    pd.testing.assert_frame_equal(req, staffing_model.staffing(sc, fc))
    assert (req.required >= 0).all() and req.required.max() > 0

    p = scheduler.plan(sc, time_limit=5, seed=0)
    assert isinstance(p, scheduler.Plan) and p.summary["status"] in ("OPTIMAL", "FEASIBLE")
    out = scheduler.write_plan(p, tmp_path / "plan", extra_writers=scheduler.people_writers("en"))
    names = {f.name for f in out.iterdir()}
    assert {"shifts.csv", "assignments.csv", "coverage.csv", "summary.json", "scenario"} <= names
    if scheduler.people_writers("en"):
        assert {"handover.csv", "rota.xlsx", "report.html"} <= names

    report = scheduler.check(out)  # = check_folder: rules and figures re-derived from the files
    assert isinstance(report, scheduler.CheckReport)
    assert report.ok, [str(v) for v in report.violations]
    assert report.figures["objective"] == pytest.approx(p.summary["objective"], abs=0.05)
    assert report.figures["wage_cost"] == pytest.approx(p.summary["wage_cost"], abs=0.01)
    in_memory = scheduler.check_rota(sc, p.rota.shifts, p.rota.assignments, p.forecast)
    assert in_memory.ok and in_memory.figures["objective"] == pytest.approx(report.figures["objective"], abs=0.05)

    ho = scheduler.handover_sheet(sc, p.rota.shifts, p.rota.assignments, p.forecast, lang="en")
    assert {"time", "queue", "from_agent", "to_agent"} <= set(ho.columns)

    # a replan through the API after a surge: the new folder passes the checker too
    now = pd.Timestamp("2026-06-18T12:00:00+08:00")
    actuals = fc.loc[fc.slot_start < now, ["slot_start", "queue", "p50"]].rename(columns={"p50": "inquiries"})
    actuals["inquiries"] *= 1.5
    new = scheduler.replan(out, actuals, now, time_limit=5, seed=0)
    assert isinstance(new, scheduler.Plan) and new.changes is not None
    assert new.summary["replan"]["ratios"]["chat"]["applied"] > 1
    # the worked morning is frozen: before `now` every agent does what the published rota said
    before = p.rota.assignments[p.rota.assignments.slot_start < now].sort_values(["agent_id", "slot_start"]).reset_index(drop=True)
    after = new.rota.assignments[new.rota.assignments.slot_start < now].sort_values(["agent_id", "slot_start"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(before[["agent_id", "slot_start", "activity"]], after[["agent_id", "slot_start", "activity"]])
    replanned = scheduler.write_plan(new, tmp_path / "replan")
    assert scheduler.check(replanned).ok


def test_infeasible_is_reported_with_the_public_error(tmp_path, small_shop):
    """A rule no rota can keep comes back as scheduler.InfeasibleError naming the clash."""
    folder = tmp_path / "shop"
    shutil.copytree(small_shop.folder, folder)
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    # the midnight opening needs 3 core agents; the shop has one
    text += ('promotion:\n  midnight_core:\n    - start: "2026-06-18T00:00:00+08:00"\n'
             '      end: "2026-06-18T01:00:00+08:00"\n      min_core_agents: 3\n')
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(scheduler.InfeasibleError) as err:
        scheduler.plan(scheduler.load_scenario(folder), time_limit=5, seed=0)
    assert err.value.clashes
