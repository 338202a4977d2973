"""What opsgate tells its operators: Prometheus metrics (`metrics`, fed through
`instrument` and `vendor_calls`) and log lines in text or JSON with the request they concern
(`logs`)."""

from bot.observability.instrument import MeteredApp, instrument
from bot.observability.logs import bind, configure_logging, failure_line, log_context
from bot.observability.metrics import Metrics
from bot.observability.vendor_calls import MeteredAdapter, metered

__all__ = [
    "MeteredAdapter",
    "MeteredApp",
    "Metrics",
    "bind",
    "configure_logging",
    "failure_line",
    "instrument",
    "log_context",
    "metered",
]
