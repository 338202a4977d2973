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
