"""The review folder: KPI tables, flags and the summary (CSV and JSON), written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.report.files import atomic_folder, write_csv, write_json

if TYPE_CHECKING:
    from scheduler.reviewing import Review

REVIEW_MARKERS = ("review.json",)
"""The file that marks a folder as a review folder an earlier run wrote (replaced whole)."""


def write_review_files(rv: Review, folder: Path) -> None:
    """kpis.csv, flags.csv and review.json into `folder` (which must exist)."""
    write_csv(rv.kpis, folder / "kpis.csv")
    write_csv(rv.flags, folder / "flags.csv")
    write_json(rv.summary, folder / "review.json")


def write_review(rv: Review, out: Path, extra_writers: list | None = None) -> Path:
    """The whole review folder, atomically: complete or not there at all."""
    with atomic_folder(out) as tmp:
        write_review_files(rv, tmp)
        for w in extra_writers or []:
            w(rv, tmp)
    return Path(out)
