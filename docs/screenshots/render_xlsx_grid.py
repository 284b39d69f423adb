"""Render the rota grid of a rota.xlsx as a PNG, from the workbook's own cells and fills.

Used for the README screenshot where no spreadsheet program (LibreOffice) is installed: it draws
what openpyxl reads back (values, fill colours, the header rows), not the plan in memory.
Usage: python docs/screenshots/render_xlsx_grid.py PLAN/rota.xlsx OUT.png [ROWS] [COLS]
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
from openpyxl import load_workbook

from scheduler.report.charts import cjk_font


def main(src: str, out: str, rows: int = 40, cols: int = 40) -> None:
    ws = load_workbook(src).worksheets[0]
    n_rows = min(ws.max_row, 4 + rows)
    n_cols = min(ws.max_column, 4 + cols)
    font = cjk_font()
    with matplotlib.rc_context({"font.family": ([font] if font else []) + ["DejaVu Sans"]}):
        widths = [0.9, 0.9, 0.8, 0.4] + [0.42] * (n_cols - 4)
        x0 = [sum(widths[:j]) for j in range(n_cols + 1)]
        fig, ax = plt.subplots(figsize=(x0[-1] * 0.9, n_rows * 0.22 + 0.4))
        for r in range(1, n_rows + 1):
            if ws.row_dimensions[r].hidden:
                continue
            for c in range(1, n_cols + 1):
                cell = ws.cell(r, c)
                y = n_rows - r
                colour = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
                face = f"#{colour[-6:]}" if isinstance(colour, str) else "white"
                ax.add_patch(Rectangle((x0[c - 1], y), widths[c - 1], 1, facecolor=face, edgecolor="#d0d0d0", lw=0.4))
                v = cell.value
                if v not in (None, ""):
                    text = str(v)
                    if r == 1 and c > 1:
                        text = text[:28]
                    size = 5 if c > 4 and r > 3 else 6
                    ax.text(x0[c - 1] + 0.03, y + 0.5, text, fontsize=size, va="center", ha="left", clip_on=True,
                            rotation=90 if (r == 3 and c > 4) else 0)
        ax.set_xlim(0, x0[-1])
        ax.set_ylim(0, n_rows)
        ax.axis("off")
        fig.savefig(out, dpi=130, bbox_inches="tight")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:5]))
