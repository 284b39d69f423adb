"""Replan mid-event: reforecast from actuals, report the imbalance, re-solve changing little.

The published rota stays the reference: the worked past and the notice window are frozen,
started shifts may be extended but never cancelled, and every other change is priced
(scenario.config.replan), so a change happens only when it pays for itself in lost inquiries saved.
The re-solve starts from the published rota and ends with a pass that reverts every change
whose saving does not cover its price (see `solve_replan`).

- load.py: the published rota and the actuals, read from files;
- reforecast.py: the reforecast from the actuals, and the imbalance it shows;
- prices.py: what a supervisor can still change, and the price of each change;
- absent.py: agents who left: off from now on, their worked past kept as a record;
- solve.py: the re-solve in three phases;
- changes.py: the change list for the supervisor;
- run.py: `replan`, which is also ``scheduler.replan``.
"""

from scheduler.replanning.absent import ABSENT_REASON, absent_time_off
from scheduler.replanning.changes import changes_table, format_changes
from scheduler.replanning.load import Published, load_actuals, load_published, read_plan_csv
from scheduler.replanning.prices import Freeze, Price
from scheduler.replanning.reforecast import KAPPA_INQUIRIES, RATIO_CLIP, imbalance_table, reforecast
from scheduler.replanning.run import replan
from scheduler.replanning.solve import SolveInfo, solve_replan

__all__ = [
    "ABSENT_REASON",
    "KAPPA_INQUIRIES",
    "RATIO_CLIP",
    "Freeze",
    "Price",
    "Published",
    "SolveInfo",
    "absent_time_off",
    "changes_table",
    "format_changes",
    "imbalance_table",
    "load_actuals",
    "load_published",
    "read_plan_csv",
    "reforecast",
    "replan",
    "solve_replan",
]
