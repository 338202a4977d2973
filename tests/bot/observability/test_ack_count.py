"""``opsgate_ack_seconds`` times Slack's requests (SPEC §13): a request Slack did not sign is
refused with 401 and left out, so a scanner hitting ``/slack/events`` cannot fill the histogram
with fast refusals and hide slow acks."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from served_app import served_opsgate

from bot.app import OpsgateApp


def acks(opsgate: OpsgateApp) -> float:
    for family in text_string_to_metric_families(opsgate.metrics.render().decode()):
        for sample in family.samples:
            if sample.name == "opsgate_ack_seconds_count":
                return sample.value
    raise AssertionError("no opsgate_ack_seconds")


def test_only_requests_slack_signed_are_timed_as_acks(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        for _ in range(3):
            refused = served.slash("help", user="U0ALICE", secret="not-the-signing-secret")
            assert refused.status_code == 401
        assert served.slash("help", user="U0ALICE").status_code == 200
        counted = acks(served.opsgate)
    assert counted == 1
