"""Per-agent column generation: LP master (HiGHS), exact pricing (one-agent CP-SAT), integer master."""

from scheduler.rota.cg.engine import CGResult, column_generation

__all__ = ["CGResult", "column_generation"]
