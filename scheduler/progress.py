"""What a command prints while it works: the solver's best cost, bound and gap, and a sweep's
done / running / failed; a rich bar on a terminal, lines in a log or a pipe, nothing when quiet.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer


def progress_printer(quiet: bool, time_limit: float):
    """Progress while the solver works: the best cost, the bound and the gap.

    On a terminal a rich progress bar; otherwise (a log, a pipe) a line for the first rota of each
    stage and then at most one every 5 s. Nothing with --quiet.
    """
    if quiet:
        return None, None
    if not sys.stderr.isatty():
        import time

        last: dict[str, float] = {}

        def log(stage: str, obj: float, bound: float, seconds: float) -> None:
            now = time.monotonic()
            if stage in last and now - last[stage] < 5.0:
                return
            last[stage] = now
            gap = (obj - bound) / obj if obj > 0 else 0.0
            label = "bound" if stage == "bound" else "rota"
            typer.echo(f"{label}: best ¥{obj:,.0f}  bound ¥{bound:,.0f}  gap {gap:.2%}  ({seconds:.0f} s)", err=True)

        return None, log
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True)
    task = bar.add_task("solving", total=time_limit)

    def update(stage: str, obj: float, bound: float, seconds: float) -> None:
        gap = (obj - bound) / obj if obj > 0 else 0.0
        label = "bound" if stage == "bound" else "rota"
        bar.update(task, completed=min(seconds, time_limit),
                   description=f"{label}: best ¥{obj:,.0f}  bound ¥{bound:,.0f}  gap {gap:.2%}")

    return bar, update


def variant_label(row: dict, keys: list[str]) -> str:
    """A shop by its folder name, a variant by its values: what a person looks for in the table."""
    return str(row[keys[0]]) if keys == ["scenario"] else ", ".join(f"{k}={row[k]}" for k in keys)


def sweep_printer(quiet: bool, keys: list[str]) -> tuple[Any, Callable[..., None]]:
    """Progress of a sweep: done / running / failed. On a terminal a rich bar; otherwise (a log,
    a pipe) one line per finished variant. Nothing but the notes with --quiet."""
    bar: Any = None
    if not quiet and sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)
    task_id = None

    def event(kind: str, row: dict | None, c: Any) -> None:
        nonlocal task_id
        if kind == "start":
            for n in (row or {}).get("notes", []):
                typer.echo(n, err=True)
            if bar is not None:
                task_id = bar.add_task("", total=c.total)
                bar.start()
        if bar is not None and task_id is not None:
            bar.update(task_id, completed=c.done + c.failed,
                       description=f"done {c.done}  running {c.running}  failed {c.failed}")
        elif kind == "done" and row is not None and not quiet:
            what = (f"{row['status']}  cost ¥{row['cost_yuan']:,.2f}  gap {row['gap']:.2%}" if row.get("run") != "failed"
                    else f"{row['status']}: {row['message'][:200]}")
            typer.echo(f"[{c.done + c.failed}/{c.total}] {variant_label(row, keys)}: {what}  "
                       f"(done {c.done}, running {c.running}, failed {c.failed})", err=True)

    return bar, event
