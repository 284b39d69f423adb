"""Queue blocks: the queue of every worked slot of a cross-trained class's schedule, priced exactly.

When queues may change inside a shift at a price (`queue_change_yuan`), a column of a
cross-trained class carries the queue it serves in each worked slot, and the column pays for
each switch. Then the master's coverage rows take capacity per (slot, queue) from the columns
themselves, and the bound sees what blocks cost; a continuous hand-out of working time to
queues would never pay for a switch (the bound stood 1 % below every rota of `double11`).

The master links each schedule to one queue sequence per shift (scheduler/rota/cg/master.py).
Pricing stays a choice of shift options: given the shifts, the queue of each slot is free of
every other rule (no per-agent rule looks at queues, and a switch is counted only between two
working slots in a row of one shift), so each shift's best queue sequence is found on its own by
an exact dynamic programme over its working stretches (a meal break splits a shift into two
stretches and is a free switch point), and its value joins the shift's reduced cost.

The switch is counted as the independent checker counts it (scheduler/checker/figures.py: two
working slots in a row of one shift on different queues). The per-agent model
(scheduler/rota/model.py `cost_queue_changes`) also counts a switch between two shifts that
touch (possible only with no rest between shifts); leaving that out can only lower the bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from scheduler.rota.model import Unit
from scheduler.rota.options import ShiftOption
from scheduler.scenario import Scenario


def switch_price_fen(scenario: Scenario) -> int:
    """Price of one switch of queue inside a shift, in whole fen (as the per-agent model rounds it)."""
    return int(round(scenario.config.queue_change_yuan * 100))


def priced_blocks(scenario: Scenario, unit: Unit) -> bool:
    """A cross-trained agent who may change queue inside a shift at a price: its columns carry
    their queues. At no price the continuous hand-out is exact, and far fewer columns."""
    return (len(unit.agent.skills) > 1 and scenario.config.queue_changes_in_shift
            and switch_price_fen(scenario) > 0)


def stretches(o: ShiftOption) -> list[tuple[int, int]]:
    """A shift's runs of working slots [a, b): a switch is priced only inside one run."""
    if o.break_start is None:
        return [(o.start, o.end)]
    return [(a, b) for a, b in ((o.start, o.break_start), (o.break_end, o.end)) if b > a]


def count_switches(options: list[ShiftOption], queue_of: dict[int, int]) -> int:
    """Switches of queue between two working slots in a row of one shift."""
    n = 0
    for o in options:
        for a, b in stretches(o):
            n += sum(1 for t in range(a + 1, b) if queue_of[t] != queue_of[t - 1])
    return n


@dataclass
class QueueChoice:
    """The best queue sequence of every stretch at one dual point."""

    extra: np.ndarray
    """Per shift option: the least reduced cost of its slots' queues, switches included (fen)."""
    blocks: QueueBlocks
    back: np.ndarray
    """(step, stretch, queue) -> the queue of the step before on the best path ending in queue."""
    last: np.ndarray
    """Per stretch: the queue of its last slot on its best path."""

    def sequence(self, k: int) -> tuple[int, ...]:
        """The best queue index of each working slot of shift option k, in slot order."""
        b = self.blocks
        out: list[int] = []
        for s in b.option_stretches[k]:
            q = int(self.last[s])
            part = [q]
            for step in range(int(b.lengths[s]) - 1, 0, -1):
                q = int(self.back[step, s, q])
                part.append(q)
            out += reversed(part)
        return tuple(out)

    def queues(self, schedule: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
        """The best sequence of each shift of `schedule` (sorted option indexes)."""
        return tuple(self.sequence(k) for k in schedule)


class QueueBlocks:
    """One class's stretches, the (slot, queue) row entries, and the exact per-stretch programme."""

    def __init__(self, scenario: Scenario, unit: Unit, entries: sparse.csr_matrix):
        self.skills = tuple(unit.agent.skills)
        self.n_queues = len(self.skills)
        self.price = float(switch_price_fen(scenario))
        self.n_slots = scenario.n_slots
        self.entries = entries
        """(slot x n_queues + queue) x master-row coefficients of serving that queue in that slot."""
        index: dict[tuple[int, int], int] = {}
        self.option_stretches: list[list[int]] = []
        for o in unit.options:
            self.option_stretches.append([index.setdefault(ab, len(index)) for ab in stretches(o)])
        ab = np.array(list(index), dtype=np.int64).reshape(-1, 2)
        self.starts, self.lengths = ab[:, 0], ab[:, 1] - ab[:, 0]
        self.owner = np.repeat(np.arange(len(unit.options)), [len(s) for s in self.option_stretches])
        self.flat = np.array([s for ss in self.option_stretches for s in ss], dtype=np.int64)

    def slot_queue_cost(self, duals: np.ndarray) -> np.ndarray:
        """(slot, queue) -> reduced cost of serving that queue in that slot (fen)."""
        return -(self.entries @ duals).reshape(self.n_slots, self.n_queues)

    def choose(self, duals: np.ndarray) -> QueueChoice:
        """Every stretch's least-cost queue sequence at `duals`: f[q] after step l is the least
        cost of the stretch's first l + 1 slots ending on q (staying is free, a switch costs the
        price); on a tie the agent stays."""
        cost = self.slot_queue_cost(duals)
        n, longest = len(self.starts), int(self.lengths.max(initial=0))
        back = np.zeros((max(1, longest), n, self.n_queues), dtype=np.int8)
        f = cost[self.starts]
        stay_q = np.broadcast_to(np.arange(self.n_queues), (n, self.n_queues))
        for step in range(1, longest):
            on = self.lengths > step
            move = f.min(axis=1, keepdims=True) + self.price
            stay = f <= move
            back[step] = np.where(stay, stay_q, f.argmin(axis=1)[:, None])
            t = np.minimum(self.starts + step, self.n_slots - 1)
            f = np.where(on[:, None], cost[t] + np.where(stay, f, move), f)
        best = f.min(axis=1)
        extra = np.bincount(self.owner, weights=best[self.flat], minlength=len(self.option_stretches))
        return QueueChoice(extra, self, back, f.argmin(axis=1))
