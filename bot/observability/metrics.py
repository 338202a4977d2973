"""opsgate's Prometheus metrics (SPEC §13), declared once, on a registry of their own.

Every label is low-cardinality by construction: operation ids, states, click actions and
results, vendor names and call outcomes, never a request id or a user id. Each `Metrics` has its
own registry (not prometheus-client's global one), so two apps in one process, as in tests, count
separately.

How each is fed (`bot.observability.instrument` wires them):

- ``opsgate_requests_total{operation,state}``: requests that entered each state, derived from
  the audit events as the store commits them (``requested`` counts as ``pending``, unless it
  is break-glass: that request never pends).
- ``opsgate_clicks_total{action,result}``: Approve/Reject/Withdraw/Stop/Mark reviewed clicks
  and what they did, from the same events (``approved``/``rejected``/``withdrawn``/``stopped``/
  ``reviewed``, or ``denied``).
- ``opsgate_vendor_calls_total{vendor,outcome}`` and ``opsgate_vendor_call_seconds{vendor}``:
  every preview and execute, timed around the adapter; ``opsgate_vendor_executions_total
  {vendor,outcome}``, the executions alone (the mutating calls), beside them: SPEC §13 fixes
  the first one's labels, so the split is a metric of its own.
- ``opsgate_ack_seconds``: from the receipt of a Slack request (over HTTP, when the server had
  read it; in Socket Mode, when the envelope was read off the socket) to its acknowledgement
  (`bot.observability.instrument.MeteredApp`).
- ``opsgate_slack_calls_total{method,result}``: every Slack Web API call, by method and how it
  ended (``ok``, Slack's error code, ``http_<status>``, ``timeout``, ``connection_error``),
  counted by the Slack client itself (`bot.observability.slack_calls`).
- ``opsgate_pending_requests``: asked of the store at each scrape; left out of a scrape when
  the store cannot answer (the database is down), so every other metric is still served.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from bot.model import AuditEvent, AuditEventName, RequestState

log = logging.getLogger(__name__)

#: The exposition format `render` produces (Prometheus text format 0.0.4).
CONTENT_TYPE: Final = CONTENT_TYPE_PLAIN_0_0_4

#: Click actions as counted; anything else is counted as "other" to keep the label bounded.
CLICK_ACTIONS: Final = frozenset({"approve", "reject", "withdraw", "stop", "review"})
_ACTION_OF: Final = {
    "approved": "approve",
    "rejected": "reject",
    "withdrawn": "withdraw",
    "stopped": "stop",
    "reviewed": "review",
}
_STATES: Final = frozenset(state.value for state in RequestState)
# Vendor calls take from milliseconds (a preview) to minutes (a bulk run of 10,000 targets).
_CALL_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
# Slack's deadline is 3 s; the interesting part is well below it.
_ACK_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5)

# No ``<name>_created`` gauge beside each counter and histogram (prometheus-client's default):
# ``opsgate_requests_created{state="pending"}`` would read as a count of requests created, and
# it doubles the series. The switch is the library's, process-wide.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    """The counters, histograms and gauge of one opsgate app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "opsgate_requests",
            "Requests that entered each state (requested counts as pending, unless break-glass).",
            ["operation", "state"],
            registry=self.registry,
        )
        self.clicks = Counter(
            "opsgate_clicks",
            "Approve, Reject, Withdraw, Stop and Mark reviewed clicks, by what they did.",
            ["action", "result"],
            registry=self.registry,
        )
        self.vendor_calls = Counter(
            "opsgate_vendor_calls",
            "Vendor previews and executions, by outcome: ok, failed, unknown, stopped or error.",
            ["vendor", "outcome"],
            registry=self.registry,
        )
        self.vendor_executions = Counter(
            "opsgate_vendor_executions",
            "Vendor executions (the mutating calls, previews left out), by outcome: ok, failed, "
            "unknown, stopped or error.",
            ["vendor", "outcome"],
            registry=self.registry,
        )
        self.vendor_call_seconds = Histogram(
            "opsgate_vendor_call_seconds",
            "How long each vendor preview or execution took.",
            ["vendor"],
            buckets=_CALL_BUCKETS,
            registry=self.registry,
        )
        self.ack_seconds, self.slack_calls = _slack_metrics(self.registry)

    def watch_pending(self, count: Callable[[], int]) -> None:
        """Report ``opsgate_pending_requests`` by calling `count` at every scrape."""
        self.registry.register(_PendingGauge(count))

    def observe_event(self, event: AuditEvent) -> None:
        """Count one committed audit event (the store's observer)."""
        name = AuditEventName(event.event).value
        action = str(event.detail.get("action") or "") if name == "denied" else ""
        if action:  # a refused click; a request refused before its card has no action
            self.clicks.labels(action=_click_action(action), result="denied").inc()
            return
        if name == AuditEventName.REQUESTED.value:
            # A break-glass request never pends: its event names the incident, and it goes
            # straight to executing (counted by that event).
            if not event.detail.get("break_glass"):
                self.requests.labels(operation=event.operation, state="pending").inc()
        elif name in _STATES:
            self.requests.labels(operation=event.operation, state=name).inc()
        if name in _ACTION_OF and event.actor != "system":  # opsgate's own stop is no click
            self.clicks.labels(action=_ACTION_OF[name], result=name).inc()

    def vendor_call(self, vendor: str, *, call: str, outcome: str, seconds: float) -> None:
        """Count one vendor preview or execution (`call`) and its duration."""
        self.vendor_calls.labels(vendor=vendor, outcome=outcome).inc()
        if call == "execute":
            self.vendor_executions.labels(vendor=vendor, outcome=outcome).inc()
        self.vendor_call_seconds.labels(vendor=vendor).observe(seconds)

    def render(self) -> bytes:
        """Every metric in Prometheus text format (what ``GET /metrics`` answers)."""
        return generate_latest(self.registry)


def _slack_metrics(registry: CollectorRegistry) -> tuple[Histogram, Counter]:
    """``opsgate_ack_seconds`` and ``opsgate_slack_calls_total``: Slack's side of opsgate."""
    ack_seconds = Histogram(
        "opsgate_ack_seconds",
        "From receiving a Slack request to acknowledging it (Slack's deadline is 3 s).",
        buckets=_ACK_BUCKETS,
        registry=registry,
    )
    slack_calls = Counter(
        "opsgate_slack_calls",
        "Slack Web API calls, by method and result: ok, Slack's error code (ratelimited, "
        "channel_not_found...), http_<status>, timeout or connection_error.",
        ["method", "result"],
        registry=registry,
    )
    return ack_seconds, slack_calls


def _click_action(action: str) -> str:
    action = _ACTION_OF.get(action, action)
    return action if action in CLICK_ACTIONS else "other"


class _PendingGauge(Collector):
    """``opsgate_pending_requests``, read from the store when Prometheus scrapes."""

    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count

    def collect(self) -> Iterable[GaugeMetricFamily]:
        # Whatever the database driver raises (a pool timeout, a refused connection), a scrape
        # during an outage must still serve the other metrics: this one is left out instead.
        try:
            pending = self._count()
        except Exception as exc:
            log.warning(
                "opsgate_pending_requests left out of this scrape: could not count pending "
                "requests: %s: %s",
                type(exc).__name__,
                exc,
            )
            return
        yield GaugeMetricFamily(
            "opsgate_pending_requests", "Requests waiting for approval right now.", value=pending
        )

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Describing must not query the store (registration happens at start-up).
        yield GaugeMetricFamily("opsgate_pending_requests", "Requests waiting for approval.")
