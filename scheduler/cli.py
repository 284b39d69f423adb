"""The `scheduler` command: a thin typer layer over the public Python API.

Exit codes: 0 done, 1 no feasible rota (naming the rules that clash) or a failed check,
2 bad input (file, row, field, what is allowed), 3 an internal error (a bug: please report it).
Never a traceback.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from scheduler import __version__
from scheduler.errors import InfeasibleError, InputError, Problem
from scheduler.scenario import BUILTIN_DIR, builtin_names, load_config, load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Workforce scheduling for online-shop customer service around big sales.",
    pretty_exceptions_enable=False,
)


def _fail(code: int, text: str) -> None:
    typer.echo(text, err=True)
    raise typer.Exit(code)


def guarded(fn: Callable[[], Any]) -> Any:
    """Run a command body; turn the project's errors into exit codes and messages, never tracebacks."""
    try:
        return fn()
    except typer.Exit:
        raise
    except InputError as exc:
        _fail(2, f"error: bad input ({len(exc.problems)} problem{'s' * (len(exc.problems) != 1)}):\n{exc}")
    except InfeasibleError as exc:
        _fail(1, "error: no rota can keep all the hard rules. These rules clash:\n"
              + "\n".join(f"  - {c}" for c in exc.clashes))
    except KeyboardInterrupt:
        _fail(130, "interrupted")
    except MemoryError:
        _fail(2, "error: out of memory; shorten the horizon, use longer slots, or lower solver.max_model_variables")
    except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, ever
        _fail(3, f"internal error ({type(exc).__name__}: {exc}); please report it with the scenario")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scheduler {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Plan who works which hours before and during a big sale."""


@app.command()
def scenarios() -> None:
    """List the built-in scenarios, one line each."""

    def body() -> None:
        for name in builtin_names():
            cfg = load_config(BUILTIN_DIR / name / "scenario.yaml")
            typer.echo(f"{name:12s} {cfg.description}")

    guarded(body)


@app.command()
def validate(scenario: Annotated[str, typer.Argument(help="A built-in name (double11) or a scenario folder.")]) -> None:
    """Load and check a scenario; print what was loaded."""

    def body() -> None:
        sc = load_scenario(scenario)
        h = sc.config.horizon
        typer.echo(f"scenario   {sc.config.name}: {sc.config.description}")
        typer.echo(f"horizon    {h.start.isoformat()} .. {h.end.isoformat()} ({sc.config.timezone})")
        typer.echo(f"slots      {sc.n_slots} of {h.slot_minutes} min")
        if sc.config.event:
            typer.echo(f"event      {sc.config.event.name}: {sc.config.event.start.isoformat()} .. {sc.config.event.end.isoformat()}")
        typer.echo("queues     " + ", ".join(f"{q.id} ({q.name or q.kind})" for q in sc.config.queues))
        per = Counter(a.contract for a in sc.agents)
        core = sum(a.core for a in sc.agents)
        standby = sum(a.standby for a in sc.agents)
        typer.echo(
            f"agents     {len(sc.agents)}: " + ", ".join(f"{n} {c}" for c, n in sorted(per.items()))
            + f"; {core} core, {standby} standby"
        )
        typer.echo(f"history    {len(sc.history)} rows, {sc.history.slot_start.min().isoformat()} .. {sc.history.slot_start.max().isoformat()}")
        typer.echo(f"inputs     sha256 {sc.input_sha256[:16]}")
        typer.echo("ok")

    guarded(body)


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder to create (must not exist or be empty).")]) -> None:
    """Write a scenario template (a small shop) that you can edit into your own."""

    def body() -> None:
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise InputError([Problem(str(directory), "DIR", "an existing, non-empty path", "a new or empty folder")])
        src = BUILTIN_DIR / "small_shop"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for f in ("scenario.yaml", "history.csv", "agents.csv"):
                shutil.copyfile(src / f, directory / f)
            shutil.copyfile(Path(__file__).parent / "template_README.md", directory / "README.md")
        except OSError as exc:
            raise InputError([Problem(str(directory), "DIR", str(exc.strerror or exc), "a writable folder")]) from None
        typer.echo(f"wrote a scenario template to {directory}; edit it, then: scheduler validate {directory}")

    guarded(body)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001
        typer.echo(f"internal error ({type(exc).__name__})", err=True)
        sys.exit(3)
