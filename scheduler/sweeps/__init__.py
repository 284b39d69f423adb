"""Sweeps and batches: many variants of one scenario, or many shops, each a full plan folder,
as tasks on Ray (a local instance by default, or a cluster) or in local processes without Ray.

- variants.py: `--vary KEY=V1,V2,...` keys checked against the scenario schema, values and ranges,
  the cartesian product of variants, each validated before anything runs;
- jobs.py: the tasks of a sweep or a batch, their plan folders and input hashes;
- tasks.py: one task, run in a worker: the variant planned into its folder, written atomically;
- runner.py: Ray or local processes, retries of dead workers, resume, Ctrl-C;
- page.py: sweep.csv and sweep.html (the cost chart).

    from scheduler.sweeps import run_job, sweep_job
    job = sweep_job("small_shop", ["solver.staffing_quantile=p50,p80,p90"], Path("sweep"), time_limit=5)
    result = run_job(job)          # result.rows: one dict per variant, as in sweep.csv
"""

from scheduler.sweeps.jobs import SweepJob, batch_job, sweep_job
from scheduler.sweeps.runner import MAX_RETRIES, Counts, SweepResult, run_job
from scheduler.sweeps.tasks import VariantTask, plan_variant

__all__ = ["MAX_RETRIES", "Counts", "SweepJob", "SweepResult", "VariantTask", "batch_job", "plan_variant", "run_job", "sweep_job"]
