"""The ``# HELP`` line of each vendor-call counter names every outcome it is labelled with,
so someone reading ``GET /metrics`` learns the values the README documents (``stopped`` too)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.observability import Metrics

#: The outcomes the README's metrics table lists for both vendor-call counters.
OUTCOMES = ("ok", "failed", "unknown", "stopped", "error")


def test_the_vendor_call_counters_help_names_every_outcome() -> None:
    metrics = Metrics()
    for outcome in OUTCOMES:
        metrics.vendor_call("acme", call="execute", outcome=outcome, seconds=0.1)

    families = {
        family.name: family
        for family in text_string_to_metric_families(metrics.render().decode())
        if family.name in ("opsgate_vendor_calls", "opsgate_vendor_executions")
    }

    assert set(families) == {"opsgate_vendor_calls", "opsgate_vendor_executions"}
    for family in families.values():
        seen = {sample.labels["outcome"] for sample in family.samples if "outcome" in sample.labels}
        assert seen == set(OUTCOMES)
        assert [o for o in OUTCOMES if o not in family.documentation] == [], family.name


#: Every series ``GET /metrics`` may show: the README's metrics table, and a histogram's parts.
DOCUMENTED = {
    "opsgate_requests_total",
    "opsgate_clicks_total",
    "opsgate_vendor_calls_total",
    "opsgate_vendor_executions_total",
    *(f"opsgate_vendor_call_seconds_{part}" for part in ("bucket", "count", "sum")),
    *(f"opsgate_ack_seconds_{part}" for part in ("bucket", "count", "sum")),
    "opsgate_slack_calls_total",
    "opsgate_pending_requests",
}


def test_a_scrape_shows_only_the_documented_series() -> None:
    """prometheus-client adds a ``<name>_created`` gauge beside each counter and histogram by
    default: ``opsgate_requests_created{operation=…,state="pending"} 1.79e+09`` reads as a count
    of requests created, and doubles the series stored."""
    metrics = Metrics()
    metrics.watch_pending(lambda: 3)
    metrics.requests.labels(operation="acme.widget.delete", state="pending").inc()
    metrics.clicks.labels(action="approve", result="approved").inc()
    metrics.vendor_call("acme", call="execute", outcome="ok", seconds=0.1)
    metrics.ack_seconds.observe(0.01)
    metrics.slack_calls.labels(method="chat.update", result="ok").inc()

    names = {
        sample.name
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
    }

    assert names == DOCUMENTED
