"""What Ctrl-C (SIGINT) and SIGTERM do while a command runs: stop the search and keep the best
rota, abandon a write, or let a finished folder land first (the CLI's exit codes name the signal).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scheduler.errors import InfeasibleError, Interrupted, NoRotaFound
from scheduler.rota.solve import StopToken


def not_proven(exc: InfeasibleError) -> bool:
    """A search that ran out of time (or was stopped) without a rota, as opposed to a proven clash."""
    return isinstance(exc, NoRotaFound) or any(
        c.startswith(("no rota found within", "interrupted before any rota")) for c in exc.clashes)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class SignalStopToken(StopToken):
    """A StopToken that also stops a search registered before its solve() began.

    CP-SAT's stop_search() is a no-op until solve() has started, so a stop that comes while the
    model is being built would let the next search run its whole time limit; a time limit of
    (almost) nothing is read when the search starts.
    """

    def register(self, solver: Any) -> Any:
        if self.stopped:
            solver.parameters.max_time_in_seconds = 0.01
        return super().register(solver)

    def stop(self) -> None:
        for s in self._solvers:
            s.parameters.max_time_in_seconds = 0.01
        super().stop()


class Signals:
    """What Ctrl-C (SIGINT) and SIGTERM do while a command runs; installed in the main thread only.

    - phase "solving": the first signal stops the search; the best rota so far is then written
      whole, marked `interrupted` in summary.json. A second signal quits without writing.
    - phase "writing": a signal abandons the write; the temporary folder is removed and an
      existing output folder stays exactly as it was.
    - phase "committing" (the final rename of the finished folder into place): the signal waits
      until the folder is complete, then the command ends with the signal's exit code.
    """

    def __init__(self) -> None:
        self.token = SignalStopToken()
        self.phase = "writing"
        self.signum: int | None = None
        self.count = 0
        self.abort = False
        self.pending: int | None = None
        self._old: dict = {}

    def __enter__(self) -> Signals:
        if threading.current_thread() is threading.main_thread():
            self._old = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        return self

    def reinstall(self) -> None:
        """Put the handlers back at the C level: a library (CP-SAT with catch_sigint_signal) may have
        replaced them, leaving SIGINT at its default, which would kill the process mid-write."""
        for sig in self._old:
            signal.signal(sig, self._on_signal)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        self._old = {}

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.count += 1
        self.signum = signum
        if self.phase == "solving":
            if self.count == 1:
                self.token.stop()
                print(f"\n{signal_name(signum)}: stopping the search; the best rota so far will be written "
                      "(send it again to quit without writing)", file=sys.stderr, flush=True)
            else:
                self.abort = True  # the waiting main thread quits
            return
        if self.phase == "committing":
            self.pending = signum
            return
        raise Interrupted(signum, "stopped before the output was complete; nothing was written "
                                  "(an existing output folder is unchanged)")

    def committing(self, *_: Any) -> None:
        """Last writer of a folder: from here on the folder is complete and only renamed into place."""
        self.phase = "committing"

    def done(self, out: Path) -> None:
        """After the rename: a signal that came during it ends the command now that the folder is whole."""
        self.phase = "writing"
        if self.pending is not None:
            raise Interrupted(self.pending, f"{out} was written completely before stopping")


def run_interruptible(work: Callable[[Any], Any], sig: Signals) -> Any:
    """Run `work(stop_token)` in a worker thread so Ctrl-C / SIGTERM can stop the search cleanly.

    The first signal only stops the search: the best rota found so far is still returned (and
    written, marked as interrupted in summary.json). A second signal quits without writing.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = work(sig.token)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            box["error"] = exc

    sig.phase = "solving"
    th = threading.Thread(target=target, daemon=True)
    th.start()
    while th.is_alive():
        th.join(0.2)
        sig.reinstall()
        if sig.abort:
            th.join(3.0)  # the search was told to stop at the first signal: let the solver threads end
            if th.is_alive():  # a stage that cannot be stopped: leave now, nothing has been written yet
                print(f"interrupted ({signal_name(sig.signum or 2)}): quit without writing anything", file=sys.stderr)
                sys.stderr.flush()
                os._exit(128 + (sig.signum or 2))
            raise Interrupted(sig.signum or 2, "quit without writing anything")
    sig.reinstall()
    sig.phase = "writing"
    if "error" in box:
        err = box["error"]
        if sig.token.stopped and isinstance(err, InfeasibleError) and not_proven(err):
            raise Interrupted(sig.signum or 2, "stopped before any rota was found; nothing was written")
        raise err
    return box["result"]
