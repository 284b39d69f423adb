"""The project's own errors: every bad input becomes an `InputError` naming file, row and field."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as a spreadsheet user would look for it."""

    file: str
    field: str
    found: str
    allowed: str
    row: int | None = None  # 1-based, as a spreadsheet shows it (the header is row 1); for YAML the line

    def __str__(self) -> str:
        unit = "line" if self.file.endswith((".yaml", ".yml")) else "row"
        where = self.file if self.row is None else f"{self.file}, {unit} {self.row}"
        found = self.found if len(self.found) <= 80 else self.found[:77] + "..."
        return f"{where}, field '{self.field}': found {found}; allowed: {self.allowed}"


@dataclass
class InputError(Exception):
    """Bad input. Carries every problem found in the file(s), not just the first (exit code 2)."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"... and {len(self.problems) - 50} more problems")
        return "\n".join(lines)


class InfeasibleError(Exception):
    """Hard rules that cannot all hold (exit code 1); `clashes` names them in the scenario's words."""

    def __init__(self, clashes: list[str]):
        super().__init__("\n".join(clashes))
        self.clashes = clashes


class NoRotaFound(InfeasibleError):
    """No rota was found and none was proven impossible: the time limit ran out first (exit 1).

    Not a clash of rules: more time (--time-limit, solver.time_limit_seconds) may find one.
    """


class Interrupted(BaseException):  # noqa: N818 - a BaseException, like KeyboardInterrupt, so no `except Exception` swallows it
    """Ctrl-C or SIGTERM ended a command before its output was complete; nothing was written
    (an existing output folder is unchanged). Exit code 128 + the signal number (130 / 143)."""

    def __init__(self, signum: int, message: str):
        super().__init__(message)
        self.signum = signum
        self.message = message
