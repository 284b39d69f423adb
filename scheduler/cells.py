"""Text from input never comes alive in a file a supervisor opens: the one policy, in one place.

Names, reasons and notes come from spreadsheets other people fill in, so a name may begin with
`=HYPERLINK(...)`, `@SUM(...)` or `+cmd|...`. The product keeps such text as typed and makes it
inert where it is written (README, "When something goes wrong", "Text from input"):

- CSV (every file of a plan folder): a text cell that Excel would run, one beginning with
  = + - @ tab or carriage return, gets a single quote in front (OWASP's CSV-injection advice);
  `unneutralise` takes exactly that quote off again, so every reader of our own CSVs (checker,
  replan) sees the text as typed. The pair is a bijection: a cell that already begins with quotes
  before such a character gets one more, so a name typed as `'=x` also comes back as `'=x`.
- Identifiers that link the files (agent_id, queue and contract ids) may not begin with any of
  those characters: the loaders refuse them (exit 2), so ids are never rewritten anywhere.
- rota.xlsx: every text cell is a string cell, never a formula or an error value (excel.py uses
  `xlsx_text` and types each text cell itself); report.html escapes all text (html.escape);
  the charts draw text literally (matplotlib's mathtext off, so `$...$` is not parsed).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters with which a spreadsheet program treats a cell as a formula (OWASP)."""

XLSX_MAX_CHARS = 32767
"""Excel's limit on the characters of one cell."""


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (an identifier so made is refused)."""
    return text.startswith(FORMULA_STARTS)


def _needs_quote(text: str) -> bool:
    """A formula start, possibly behind quotes (which must then be kept apart from ours)."""
    return starts_like_formula(text.lstrip("'"))


def neutralise(text: str) -> str:
    """The CSV cell for `text`: a quote in front of text Excel would run, else the text itself."""
    return "'" + text if _needs_quote(text) else text


def unneutralise(cell: str) -> str:
    """The text `neutralise` was given: exactly one quote off a neutralised cell, nothing else."""
    return cell[1:] if cell.startswith("'") and _needs_quote(cell[1:]) else cell


def neutralise_value(v: Any) -> Any:
    """`neutralise` for a table cell: text is neutralised, numbers, times and blanks are left alone."""
    return neutralise(v) if isinstance(v, str) else v


def unneutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A frame read from one of our CSVs, with every text cell as it was before it was written."""
    out = df.copy()
    for i in range(out.shape[1]):  # by position: a hand-edited file may repeat a header
        col = out.iloc[:, i]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            out.isetitem(i, col.map(lambda v: unneutralise(v) if isinstance(v, str) else v))
    return out


def xlsx_text(text: str) -> str:
    """Text an xlsx cell can hold: control characters XML forbids become U+FFFD, length capped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return text if len(text) <= XLSX_MAX_CHARS else text[: XLSX_MAX_CHARS - 1] + "…"
