"""Helpers for hostile-input tests: copy a built-in scenario, break one thing, look at the folder.

Each mutation is a function of the scenario folder that edits one file in place.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

from scheduler.scenario import BUILTIN_DIR

Mutation = Callable[[Path], None]

# Valid extra tables for small_shop (horizon 2026-06-18 +08:00, agents A1 A2 B1 B2).
SMALL_TIME_OFF = (
    "agent_id,start,end,reason\n"
    "A1,2026-06-18T00:00:00+08:00,2026-06-18T08:00:00+08:00,doctor\n"
    "B1,2026-06-18T18:00:00+08:00,2026-06-19T00:00:00+08:00,exam\n"
)
SMALL_PREFERENCES = (
    "agent_id,start,end,kind,price_yuan_per_hour\n"
    "A2,2026-06-18T00:00:00+08:00,2026-06-18T06:00:00+08:00,refuse,\n"
    "B2,2026-06-18T12:00:00+08:00,2026-06-18T18:00:00+08:00,request,15\n"
)


def copy_scenario(dst_parent: Path, name: str = "small_shop", *, extras: bool = False) -> Path:
    """Copy a built-in scenario; with extras, small_shop also gets a valid time_off.csv and preferences.csv."""
    dst = dst_parent / name
    shutil.copytree(BUILTIN_DIR / name, dst)
    if extras and name == "small_shop":
        (dst / "time_off.csv").write_text(SMALL_TIME_OFF, encoding="utf-8")
        (dst / "preferences.csv").write_text(SMALL_PREFERENCES, encoding="utf-8")
    return dst


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path below folder with its size and modification time (to prove nothing was written)."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


# --- mutations ----------------------------------------------------------------------------------


def replace(file: str, old: str, new: str) -> Mutation:
    def m(folder: Path) -> None:
        p = folder / file
        text = p.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        p.write_text(text.replace(old, new, 1), encoding="utf-8")

    return m


def append(file: str, extra: str) -> Mutation:
    def m(folder: Path) -> None:
        p = folder / file
        p.write_text(p.read_text(encoding="utf-8") + extra, encoding="utf-8")

    return m


def write(file: str, content: str | bytes) -> Mutation:
    def m(folder: Path) -> None:
        p = folder / file
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")

    return m


def encode(file: str, encoding: str) -> Mutation:
    """Re-save a UTF-8 file in another encoding (GBK is what Chinese Excel writes by default)."""

    def m(folder: Path) -> None:
        p = folder / file
        p.write_bytes(p.read_text(encoding="utf-8").encode(encoding))

    return m


def lines(file: str, fn: Callable[[list[str]], list[str]]) -> Mutation:
    def m(folder: Path) -> None:
        p = folder / file
        p.write_text("\n".join(fn(p.read_text(encoding="utf-8").splitlines())) + "\n", encoding="utf-8")

    return m


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _unrows(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def set_cell(file: str, row: int, column: str, value: str) -> Mutation:
    """Set one cell; row is the spreadsheet row (header = 1)."""

    def m(folder: Path) -> None:
        p = folder / file
        rows = _rows(p.read_text(encoding="utf-8"))
        rows[row - 1][rows[0].index(column)] = value
        p.write_text(_unrows(rows), encoding="utf-8")

    return m


def drop_column(file: str, column: str) -> Mutation:
    def m(folder: Path) -> None:
        p = folder / file
        rows = _rows(p.read_text(encoding="utf-8"))
        k = rows[0].index(column)
        p.write_text(_unrows([r[:k] + r[k + 1:] for r in rows]), encoding="utf-8")

    return m


def add_column(file: str, column: str, value: str) -> Mutation:
    def m(folder: Path) -> None:
        p = folder / file
        rows = _rows(p.read_text(encoding="utf-8"))
        p.write_text(_unrows([rows[0] + [column]] + [r + [value] for r in rows[1:]]), encoding="utf-8")

    return m


def chain(*ms: Mutation) -> Mutation:
    def m(folder: Path) -> None:
        for one in ms:
            one(folder)

    return m


# --- random mutations for property tests --------------------------------------------------------


def apply_ops(data: bytes, ops: list[tuple], *, csv_like: bool) -> bytes:
    """Apply random edits (positions given as fractions in [0, 1)) to a file's bytes."""
    for op in ops:
        kind = op[0]
        if kind == "flip":
            _, frac, byte = op
            if data:
                i = int(frac * len(data))
                data = data[:i] + bytes([byte]) + data[i + 1:]
        elif kind == "truncate":
            data = data[: int(op[1] * len(data))]
        elif kind in ("delete_line", "dup_line", "swap", "insert_line", "cell"):
            ls = data.split(b"\n")
            i = int(op[1] * len(ls))
            if kind == "delete_line":
                del ls[i]
            elif kind == "dup_line":
                ls.insert(i, ls[i])
            elif kind == "swap":
                j = int(op[2] * len(ls))
                ls[i], ls[j] = ls[j], ls[i]
            elif kind == "insert_line":
                ls.insert(i, op[2].encode("utf-8", "surrogatepass"))
            else:  # cell: replace one comma-separated cell (CSV) or the value after "key:" (YAML)
                _, _, col, value = op
                v = value.encode("utf-8", "surrogatepass")
                line = ls[i]
                if csv_like:
                    cells = line.split(b",")
                    cells[col % len(cells)] = v
                    ls[i] = b",".join(cells)
                elif b": " in line:
                    ls[i] = line.split(b": ", 1)[0] + b": " + v
                elif line.lstrip().startswith(b"- "):
                    ls[i] = line[: len(line) - len(line.lstrip())] + b"- " + v
                else:
                    ls[i] = v
            data = b"\n".join(ls)
    return data
