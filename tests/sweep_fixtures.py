"""Tasks for the sweep tests that the local worker processes import by name: this module imports
nothing but the task itself, so a freshly started worker is ready in the time the package takes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scheduler.sweeps.tasks import VariantTask, plan_variant


def dies_once_in_a_process(task: VariantTask) -> dict[str, Any]:
    """The first try kills its worker process outright (as the OOM killer would); the marker file in
    $SWEEP_TEST_MARKS says it died once, and the next try plans the variant."""
    mark = Path(os.environ["SWEEP_TEST_MARKS"]) / task.name
    if not mark.exists():
        mark.write_text("died")
        os._exit(1)
    return plan_variant(task)
