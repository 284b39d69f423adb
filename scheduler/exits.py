"""How every command ends and what it refuses before it starts: the guard that turns the
project's errors into exit codes and messages (never a traceback), and the checks of the
command-line options every command shares (--time-limit, --lang, --out).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from scheduler.errors import InfeasibleError, InputError, Interrupted, Problem
from scheduler.interrupts import not_proven, signal_name


def fail(code: int, text: str) -> None:
    typer.echo(text, err=True)
    raise typer.Exit(code)


def guarded(fn: Callable[[], Any]) -> Any:
    """Run a command body; turn the project's errors into exit codes and messages, never tracebacks.

    2 bad input (every problem: file, row, field, found, allowed); 1 no rota (the clashing rules
    in the scenario's words, or the time limit that ran out first); 128 + signal number when Ctrl-C
    or SIGTERM ended the command before its output was complete; 3 a bug.
    """
    try:
        return fn()
    except typer.Exit:
        raise
    except InputError as exc:
        fail(2, f"error: bad input ({len(exc.problems)} problem{'s' * (len(exc.problems) != 1)}):\n{exc}")
    except InfeasibleError as exc:
        if not_proven(exc):
            fail(1, "error: no rota found, and none proven impossible:\n" + "\n".join(f"  - {c}" for c in exc.clashes))
        fail(1, "error: no rota can keep all the hard rules. These rules clash:\n"
              + "\n".join(f"  - {c}" for c in exc.clashes))
    except Interrupted as exc:
        fail(128 + exc.signum, f"interrupted ({signal_name(exc.signum)}): {exc.message}")
    except KeyboardInterrupt:
        fail(130, "interrupted (SIGINT): nothing was written")
    except MemoryError:
        fail(2, "error: out of memory; shorten the horizon, use longer slots, or lower solver.max_model_variables")
    except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, ever
        fail(3, f"internal error ({type(exc).__name__}: {exc}); please report it with the scenario")


def check_time_limit(value: float | None) -> None:
    """--time-limit as the scenario's solver.time_limit_seconds allows it: a finite number of seconds up to a day."""
    import math

    if value is not None and not (math.isfinite(value) and 0 < value <= 86400):
        raise InputError([Problem("command line", "--time-limit", repr(value), "seconds from 0.1 to 86400 (a day)")])


def check_out(out: Path, option: str, markers: tuple[str, ...], keep: Path | None = None, keep_what: str = "the scenario folder") -> None:
    """Refuse an output path that cannot be written, or whose replacement would lose someone's files,
    before any work is done (the folder is replaced whole at the end)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError([Problem(str(out), option, "an existing file", "a folder path (a new folder, or an output folder of an earlier run)")])
    full = out.resolve()
    here = Path.cwd().resolve()
    if full == here or full in here.parents:
        raise InputError([Problem(str(out), option, f"the current folder {here} (or a folder holding it)",
                                  "a folder beside or below it: the output folder is replaced whole")])
    if keep is not None:
        kept = Path(keep).resolve()
        if full == kept or full in kept.parents:
            raise InputError([Problem(str(out), option, f"{keep_what} {keep} (or a folder holding it)",
                                      "a separate folder: the output folder is replaced whole")])
    if out.is_dir():
        names = sorted(p.name for p in out.iterdir())
        if names and not any(m in names for m in markers):
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            raise InputError([Problem(str(out), option, f"an existing folder of other files ({shown})",
                                      f"a new or empty folder, or an output folder of an earlier run (holding {' or '.join(markers)}): "
                                      "it is replaced whole")])
    anc = full.parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise InputError([Problem(str(out), option, f"a path below the file {anc}", "a folder path you may write to")])
    import tempfile

    try:
        Path(tempfile.mkdtemp(prefix=".scheduler-probe.", dir=anc)).rmdir()
    except OSError as exc:
        raise InputError([Problem(str(out), option, f"not writable ({anc}: {exc.strerror or exc})", "a folder you may write to")]) from None


def check_lang(lang: str) -> None:
    """--lang: the labels of the people's files come in Chinese or English."""
    if lang not in ("zh", "en"):
        raise InputError([Problem("command line", "--lang", repr(lang), "zh or en")])
