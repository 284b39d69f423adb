"""Staffing: queueing models (Erlang C, Erlang A, the chat model) and agents required per slot.

- queueing.py: the models, evaluated in logs, and the fewest agents meeting a target;
- table.py: a queue's metrics and requirement with shrinkage, the lost-inquiry curve the rota is
  priced with, and the staffing stage's table (`staffing(scenario, forecast)`, which is also
  ``scheduler.staffing``).
"""

from scheduler.staffing_model.queueing import (
    QueueMetrics,
    ServiceLevelKind,
    chat_metrics,
    effective_aht_erlang_c,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    min_agents,
)
from scheduler.staffing_model.table import lost_inquiries_curve, queue_metrics, required_agents, scheduled_for, staffing

__all__ = [
    "QueueMetrics",
    "ServiceLevelKind",
    "chat_metrics",
    "effective_aht_erlang_c",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "lost_inquiries_curve",
    "min_agents",
    "queue_metrics",
    "required_agents",
    "scheduled_for",
    "staffing",
]
