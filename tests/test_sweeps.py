"""Sweeps and batches: every plan folder checked independently, costs equal to the same variants
planned one by one, a dead worker's task retried, resume, the local-process fallback, bad --vary,
Ctrl-C, and a real two-node Ray cluster (marked `cluster`: `-m "not cluster"` leaves it out).

The tests that kill a Ray worker come last: a new worker has to import the package again.

The solves are made deterministic so that equality means something: `small_shop` (solved to a
proven optimum in about a second), `solver.gap_limit=0` (proven optimal, not just within 0.1 %),
one solver thread per task (two variants on two CPUs) and the scenario's fixed seed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sweep_fixtures import dies_once_in_a_process

from scheduler.checker import check_folder
from scheduler.pipeline import plan
from scheduler.scenario import load_scenario
from scheduler.sweeps import run_job, sweep_job
from scheduler.sweeps.tasks import VARIANT_FILE, plan_variant

try:
    import ray
except ImportError:  # the `cluster` extra is not installed: the Ray tests are skipped, the rest run
    ray = None

LIMIT = 10  # seconds; small_shop is proven optimal in about one, so the limit never cuts a solve
VARY = ["solver.staffing_quantile=p50,p90", "solver.gap_limit=0"]
RAY_CLI = shutil.which("ray", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
FIGURES = ["status", "cost_yuan", "wages_yuan", "lost_inquiry_value_yuan", "gap"]


@pytest.fixture(scope="module")
def local_ray():
    if ray is None:
        pytest.skip("ray is not installed (pip install '.[cluster]')")
    os.environ.setdefault("RAY_worker_niceness", "0")  # as the sweep sets it for the Ray it starts
    if not ray.is_initialized():
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_sweep(local_ray, tmp_path_factory) -> Path:
    """One sweep of small_shop on the local Ray (2 CPUs), through the command line."""
    from typer.testing import CliRunner

    from scheduler.cli import app

    out = tmp_path_factory.mktemp("sweeps") / "sweep"
    args = ["sweep", "small_shop", *[a for v in VARY for a in ("--vary", v)], "--out", str(out), "--time-limit", str(LIMIT), "--lang", "en"]
    res = CliRunner().invoke(app, args, catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    assert "Ray this process is connected to (1 node, 2 CPUs)" in res.stderr and "1 solver thread each" in res.stderr
    return out


def table(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "sweep.csv")


def test_every_plan_folder_passes_the_checker_and_states_its_figures(ray_sweep):
    df = table(ray_sweep)
    assert list(df["solver.staffing_quantile"]) == ["p50", "p90"] and len(df) == 2
    for _, r in df.iterrows():
        folder = ray_sweep / r.folder
        report = check_folder(folder)
        assert report.ok, report.violations
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert r.cost_yuan == pytest.approx(summary["objective"]) and r.wages_yuan == pytest.approx(summary["wage_cost"])
        copy = load_scenario(folder / "scenario")  # the variant, as the folder keeps it for check and replan
        assert copy.config.solver.staffing_quantile == r["solver.staffing_quantile"]
        assert copy.config.solver.gap_limit == 0
        assert (folder / "report.html").is_file() and (folder / "rota.xlsx").is_file()
    page = (ray_sweep / "sweep.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "p90" in page


def test_results_equal_the_variants_planned_one_by_one(ray_sweep):
    """The same variants planned in this process, one after another, with one solver thread."""
    df = table(ray_sweep)
    for r in df.itertuples(index=False):
        sc = load_scenario(ray_sweep / r.folder / "scenario")
        alone = plan(sc, time_limit=LIMIT, workers=1)
        assert alone.summary["status"] == r.status == "OPTIMAL"
        assert alone.summary["objective"] == pytest.approx(r.cost_yuan, abs=0.01)
        assert alone.summary["wage_cost"] == pytest.approx(r.wages_yuan, abs=0.01)
    assert df.cost_yuan.iloc[1] > df.cost_yuan.iloc[0]  # the p90 forecast plans for more inquiries


def test_resume_skips_done_variants_and_redoes_one_whose_inputs_changed(ray_sweep, tmp_path, local_ray):
    out = tmp_path / "sweep"
    shutil.copytree(ray_sweep, out)
    job = sweep_job("small_shop", VARY, out, time_limit=LIMIT, lang="en")
    stamps = {t.name: (Path(t.out) / "summary.json").stat().st_mtime_ns for t in job.tasks}
    again = run_job(job)
    assert [r["run"] for r in again.rows] == ["reused", "reused"]
    assert stamps == {t.name: (Path(t.out) / "summary.json").stat().st_mtime_ns for t in job.tasks}

    changed = Path(job.tasks[1].out) / VARIANT_FILE  # as if planned from other inputs
    meta = json.loads(changed.read_text(encoding="utf-8"))
    changed.write_text(json.dumps({**meta, "input_sha256": "0" * 64}), encoding="utf-8")
    third = run_job(job)
    assert [r["run"] for r in third.rows] == ["reused", "planned"]
    assert json.loads(changed.read_text(encoding="utf-8"))["input_sha256"] == job.tasks[1].input_sha256
    assert check_folder(job.tasks[1].out).ok
    assert table(out)[FIGURES].equals(table(ray_sweep)[FIGURES])


def test_batch_plans_every_scenario_folder_and_reports_a_bad_one_in_its_row(local_ray, tmp_path, cli):
    from scheduler.scenario import BUILTIN_DIR

    shops = tmp_path / "shops"
    shutil.copytree(BUILTIN_DIR / "small_shop", shops / "good")
    shutil.copytree(BUILTIN_DIR / "small_shop", shops / "broken")
    (shops / "broken" / "agents.csv").write_text("agent_id,name\nA1,x\n", encoding="utf-8")
    code, stdout, stderr = cli("batch", shops, "--out", tmp_path / "batch", "--time-limit", 5)
    assert code == 1, stderr  # one shop has no plan
    df = table(tmp_path / "batch")
    assert list(df.scenario) == ["broken", "good"]
    assert df.status[0] == "bad input" and "agents.csv" in df.message[0]
    assert df.status[1] in ("OPTIMAL", "FEASIBLE") and check_folder(tmp_path / "batch" / "good").ok
    assert "broken: bad input" in stdout


def test_without_ray_local_processes_give_the_same_table_even_when_a_worker_dies(ray_sweep, tmp_path, monkeypatch):
    """The same sweep in local processes (as without the extra), each variant's first worker
    killed: the pool is made anew, the variants are planned again, and the table is Ray's."""
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails, as without the extra
    monkeypatch.setenv("SWEEP_TEST_MARKS", str(tmp_path))
    job = sweep_job("small_shop", VARY, tmp_path / "sweep", time_limit=LIMIT, lang="en")
    notes = []
    result = run_job(job, task_fn=dies_once_in_a_process, on_event=lambda kind, row, c: notes.extend((row or {}).get("notes", [])))
    assert "local processes (Ray is not installed" in notes[0]
    assert all((tmp_path / t.name).read_text() == "died" for t in job.tasks)
    assert result.counts.failed == 0
    mine, theirs = table(tmp_path / "sweep"), table(ray_sweep)
    assert mine[["solver.staffing_quantile", *FIGURES]].equals(theirs[["solver.staffing_quantile", *FIGURES]])
    for f in mine.folder:
        assert check_folder(tmp_path / "sweep" / f).ok


@pytest.mark.parametrize(("vary", "said"), [
    ("solver.staffing_quantile=p50,p95", "field '--vary solver.staffing_quantile': found 'p95'; allowed: Input should be 'p50', 'p80' or 'p90'"),
    ("solver.stafing_quantile=p50", "found no setting 'stafing_quantile' in solver; allowed: a scenario setting: solver.time_limit_seconds"),
    ("economics.gmv_target_yuan=400000..300000:50000", "an empty range"),
    ("contracts.interns.hourly_wage_yuan=20", "allowed: one of the scenario's ids: contracts.full_time, contracts.part_time"),
    ("queues.chat.concurrency=6", "found queues.chat.concurrency=6; allowed: queues.0.throughput: at least 6 values"),
])
def test_bad_vary_exits_2_naming_the_option_before_anything_runs(cli, tmp_path, vary, said):
    out = tmp_path / "sweep"
    code, _, stderr = cli("sweep", "small_shop", "--vary", vary, "--out", out)
    assert code == 2 and said in stderr, stderr
    assert not out.exists()


def test_ranges_and_lists_become_the_values_a_setting_gets():
    from scheduler.sweeps.variants import make_variants, parse_option, read_raw

    assert parse_option("hiring.pools.students.max=0..40:5") == ("hiring.pools.students.max", [0, 5, 10, 15, 20, 25, 30, 35, 40])
    assert parse_option("queues.chat.shrinkage=0.1..0.3:0.1")[1] == [0.1, 0.2, 0.3]
    assert parse_option("contracts.full_time.shift_spans_hours=[8],[8, 9]")[1] == [[8], [8, 9]]
    raw = read_raw(load_scenario("small_shop").folder)
    varies, variants = make_variants(raw, ["solver.staffing_quantile=p50,p90", "queues.chat.aht_seconds=150..180:30"])
    assert [v.values for v in variants] == [
        {"solver.staffing_quantile": q, "queues.chat.aht_seconds": a} for q in ("p50", "p90") for a in (150, 180)]
    assert variants[2].raw["queues"][0]["aht_seconds"] == 150 and raw["queues"][0]["aht_seconds"] == 180
    assert variants[0].raw["solver"]["staffing_quantile"] == "p50" and "staffing_quantile" not in raw["solver"]


def test_the_hires_column_comes_from_the_plan_folders_hiring_csv(tmp_path):
    from scheduler.report.files import write_csv
    from scheduler.sweeps.tasks import VariantTask, row_from_folder

    summary = {"status": "OPTIMAL", "objective": 100.0, "wage_cost": 60.0, "lost_inquiry_value": 30.0, "other_costs": 10.0,
               "lower_bound": 100.0, "gap": 0.0, "agents_scheduled": 7, "solve_seconds": 1.0}
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    task = VariantTask(name="v", source="", values={"k": 1}, out=str(tmp_path), input_sha256="")
    assert row_from_folder(task, tmp_path, "planned")["hires"] is None  # no candidate pools: blank
    write_csv(pd.DataFrame({"pool": ["students", "=morning"], "hired": [12, 3], "cost_yuan": [600.0, 150.0]}), tmp_path / "hiring.csv")
    row = row_from_folder(task, tmp_path, "planned")
    assert row["hires"] == 15 and row["hires_by_pool"] == "students 12; =morning 3"


def test_a_killed_worker_has_its_task_retried(local_ray, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()

    def dies_once(task):
        mark = marks / task.name
        if not mark.exists():
            mark.write_text("died")
            os._exit(1)  # the worker process dies outright, as under the OOM killer
        return plan_variant(task)

    job = sweep_job("small_shop", ["solver.staffing_quantile=p80", "solver.gap_limit=0"], tmp_path / "sweep", time_limit=LIMIT)
    result = run_job(job, task_fn=dies_once)
    assert (marks / job.tasks[0].name).read_text() == "died"
    assert result.counts.failed == 0 and result.rows[0]["status"] == "OPTIMAL"
    assert check_folder(job.tasks[0].out).ok


def test_sigint_leaves_finished_folders_whole_and_the_table_listing_them(local_ray, tmp_path):
    driver = os.getpid()

    def second_stops_the_sweep(task):
        if task.values["solver.staffing_quantile"] == "p90":
            os.kill(driver, signal.SIGINT)
            time.sleep(60)  # stopped by the sweep long before
        return plan_variant(task)

    from scheduler.errors import Interrupted

    job = sweep_job("small_shop", VARY, tmp_path / "sweep", time_limit=LIMIT)
    started = time.monotonic()
    with pytest.raises(Interrupted) as exc:
        run_job(job, parallel=1, task_fn=second_stops_the_sweep)
    assert exc.value.signum == signal.SIGINT and time.monotonic() - started < 50
    df = table(tmp_path / "sweep")
    assert list(df["solver.staffing_quantile"]) == ["p50"]
    assert check_folder(job.tasks[0].out).ok
    assert not Path(job.tasks[1].out).exists()


@pytest.mark.cluster
@pytest.mark.skipif(RAY_CLI is None, reason="the ray command is not installed (pip install '.[cluster]')")
def test_on_a_two_node_cluster_tasks_land_on_both_nodes(local_ray, tmp_path, cli):
    """The --address path against a real cluster on this machine: a head and a second node, one CPU each."""
    from ray.cluster_utils import Cluster

    ray.shutdown()  # the module's local Ray: this test connects to the cluster as a user would
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        out = tmp_path / "sweep"
        code, stdout, stderr = cli("sweep", "small_shop", *[a for v in VARY for a in ("--vary", v)], "--out", out,
                                   "--time-limit", LIMIT, "--address", cluster.address)
        assert code == 0, stderr
        assert "2 nodes, 2 CPUs" in stderr
        df = table(out)
        nodes = {n.node_id for n in cluster.list_all_nodes()}
        assert set(df.node) == nodes and len(nodes) == 2
        for f in df.folder:
            assert check_folder(out / f).ok
    finally:
        cluster.shutdown()
