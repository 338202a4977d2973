"""``GET /metrics`` (SPEC §13): the names, the labels, and what feeds them."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from psycopg_pool import PoolTimeout
from served_app import Served, served_opsgate

from adapters.base import Outcome, Preview
from adapters.errors import OutcomeUnknown, VendorError
from bot import cards
from bot.model import AuditEvent, AuditEventName, RequestState
from bot.observability import MeteredAdapter, Metrics
from bot.observability.instrument import instrument
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

ALICE, BOB = "U0ALICE", "U0BOB"
PACKAGE = 'huawei package delete pkg-meter-fw-1.2.0 --reason "superseded by 1.3"'
NAMES = (
    "opsgate_requests_total",
    "opsgate_clicks_total",
    "opsgate_vendor_calls_total",
    "opsgate_vendor_call_seconds",
    "opsgate_ack_seconds",
    "opsgate_pending_requests",
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(served: Served) -> tuple[httpx.Response, Samples]:
    response = httpx.get(f"{served.url}/metrics")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return response, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_request_and_its_approval_are_counted(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash(PACKAGE, user=ALICE)
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        _, pending = scrape(served)
        assert value(pending, "opsgate_pending_requests") == 1

        served.click(cards.APPROVE_ACTION, request_id, user=ALICE)  # refused: her own request
        served.click(cards.APPROVE_ACTION, request_id, user=BOB)
        assert served.opsgate.runner.wait_idle(10)
        response, samples = scrape(served)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    for name in NAMES:
        assert f"# TYPE {name} " in response.text
    operation = "huawei.package.delete"
    for state in ("pending", "executing", "succeeded"):
        assert value(samples, "opsgate_requests_total", operation=operation, state=state) == 1
    assert value(samples, "opsgate_clicks_total", action="approve", result="approved") == 1
    assert value(samples, "opsgate_clicks_total", action="approve", result="denied") == 1
    assert value(samples, "opsgate_vendor_calls_total", vendor="huawei", outcome="ok") == 2
    assert value(samples, "opsgate_vendor_executions_total", vendor="huawei", outcome="ok") == 1
    assert value(samples, "opsgate_vendor_call_seconds_count", vendor="huawei") == 2
    assert value(samples, "opsgate_ack_seconds_count") == 3  # one slash command, two clicks
    # Timed up to the ack itself: handing the request to a listener and waiting for its ack take
    # a millisecond at least (a timer that returned before the ack would read microseconds).
    assert value(samples, "opsgate_ack_seconds_sum") / 3 > 0.001
    assert value(samples, "opsgate_pending_requests") == 0


def test_no_label_is_a_request_or_a_user(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash(PACKAGE, user=ALICE)
        request_id = served.card_request_id()
        # The card is in the channel; wait until its ts is stored too, or the click reads none.
        assert served.opsgate.runner.wait_idle(10)
        served.click(cards.REJECT_ACTION, request_id, user=BOB)  # opens the Reject dialog
        assert served.opsgate.runner.wait_idle(10)
        [dialog] = served.slack.opened_views()
        served.submit_view(dialog, user=BOB, values={"opsgate_reject_reason": {"reason": None}})
        assert served.opsgate.runner.wait_idle(10)
        _, samples = scrape(served)
    labels = {v for _, pairs in samples for _, v in pairs}
    assert "rejected" in labels  # the reject was counted
    assert not [v for v in labels if re.fullmatch(r"R-[0-9A-Z]{8}|[UW]0[A-Z0-9]+", v)]


#: Each metric's labels, exactly as SPEC §13 names them (a histogram's own ``le`` aside).
SPEC_LABELS = {
    "opsgate_requests_total": {"operation", "state"},
    "opsgate_clicks_total": {"action", "result"},
    "opsgate_vendor_calls_total": {"vendor", "outcome"},
    "opsgate_vendor_call_seconds_count": {"vendor"},
    "opsgate_vendor_call_seconds_bucket": {"vendor", "le"},
    "opsgate_ack_seconds_count": set(),
    "opsgate_ack_seconds_bucket": {"le"},
    "opsgate_pending_requests": set(),
}


def test_every_metric_carries_exactly_the_labels_the_spec_names(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash(PACKAGE, user=ALICE)
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        served.click(cards.APPROVE_ACTION, request_id, user=BOB)
        assert served.opsgate.runner.wait_idle(10)
        _, samples = scrape(served)

    found: dict[str, set[frozenset[str]]] = {}
    for name, labels in samples:
        found.setdefault(name, set()).add(frozenset(label for label, _ in labels))
    for name, names in SPEC_LABELS.items():
        assert found.get(name) == {frozenset(names)}, name


def event(name: AuditEventName, **detail: str) -> AuditEvent:
    return AuditEvent(
        seq=1,
        at="2026-11-22T01:02:03.000000Z",
        request_id="R-7K3F9QW2",
        event=name,
        actor="U0ALICE",
        operation="enos.ota-job.delete",
        targets=("job-1",),
        detail=detail,
        prev_hash="0" * 64,
        hash="1" * 64,
    )


def counted(metrics: Metrics) -> dict[str, dict[tuple[str, ...], float]]:
    """Each counter's samples, keyed by label values in label order."""
    found: dict[str, dict[tuple[str, ...], float]] = {}
    for family in metrics.registry.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                key = tuple(sample.labels.values())
                found.setdefault(sample.name, {})[key] = sample.value
    return found


def test_events_map_to_states_and_clicks() -> None:
    metrics = Metrics()
    metrics.observe_event(event(AuditEventName.DENIED, reason="not allowed"))  # before a card
    metrics.observe_event(event(AuditEventName.DENIED, action="withdrawn", reason="not yours"))
    metrics.observe_event(event(AuditEventName.DENIED, action="make-coffee", reason="?"))
    metrics.observe_event(event(AuditEventName.WITHDRAWN))
    metrics.observe_event(event(AuditEventName.EXPIRED))
    found = counted(metrics)
    assert found["opsgate_requests_total"] == {
        ("enos.ota-job.delete", "denied"): 1,
        ("enos.ota-job.delete", "withdrawn"): 1,
        ("enos.ota-job.delete", "expired"): 1,
    }
    assert found["opsgate_clicks_total"] == {
        ("withdraw", "denied"): 1,
        ("other", "denied"): 1,  # an unexpected action never becomes a label of its own
        ("withdraw", "withdrawn"): 1,
    }


class FakeAdapter:
    vendor = "enos"
    sandbox = True

    def __init__(self, result: Outcome | Exception) -> None:
        self.result = result

    def preview(self, request: OperationRequest) -> Preview:
        return Preview(summary="a job")

    def execute(self, request: OperationRequest, *, progress: object = None) -> Outcome:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


REQUEST = OperationRequest(operation="enos.ota-job.delete", vendor="enos", targets=("job-1",))


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (Outcome(summary="deleted"), "ok"),
        (
            Outcome(
                summary="1 failed", failures=({"targets": ["a"], "code": "1", "message": "x"},)
            ),
            "failed",
        ),  # type: ignore[arg-type]
        (
            Outcome(
                summary="1 unknown",
                total=2,
                failures=({"targets": ["a"], "kind": "unknown", "message": "x"},),
            ),
            "unknown",  # unknown is not failed
        ),  # type: ignore[arg-type]
        (
            Outcome(
                summary="1 sent, 1 not sent",
                total=2,
                failures=({"targets": ["b"], "kind": "not_sent", "message": "stopped"},),
            ),
            "stopped",  # the vendor refused nothing
        ),  # type: ignore[arg-type]
        (
            Outcome(
                summary="1 refused, 1 not sent",
                total=3,
                failures=(
                    {"targets": ["a"], "code": "1", "message": "x"},
                    {"targets": ["b"], "kind": "not_sent", "message": "stopped"},
                ),
            ),
            "failed",
        ),  # type: ignore[arg-type]
        (VendorError("refused", vendor="enos", code="24618"), "failed"),
        (OutcomeUnknown("no answer", vendor="enos"), "unknown"),
        (RuntimeError("bug"), "error"),
        ({"summary": "deleted"}, "error"),  # a plugin bug: not an Outcome
        ((Outcome(summary="deleted", total=0), 1), "error"),  # a plugin bug: other targets
    ],
)
def test_vendor_call_outcomes(result: Any, outcome: str) -> None:
    metrics = Metrics()
    result, asked = result if isinstance(result, tuple) else (result, None)
    if asked is None:  # an Outcome answers as many targets as it counts
        asked = result.total if isinstance(result, Outcome) else 1
    request = REQUEST.model_copy(update={"targets": tuple(f"job-{n}" for n in range(asked))})
    adapter = MeteredAdapter(FakeAdapter(result), metrics)
    try:
        adapter.execute(request)
    except Exception as exc:
        assert exc is result  # the wrapper counts, it never swallows
    adapter.preview(REQUEST)
    preview_and_execute: dict[tuple[str, ...], float] = {("enos", "ok"): 1}
    preview_and_execute[("enos", outcome)] = preview_and_execute.get(("enos", outcome), 0) + 1
    assert counted(metrics)["opsgate_vendor_calls_total"] == preview_and_execute
    assert counted(metrics)["opsgate_vendor_executions_total"] == {("enos", outcome): 1}


def test_a_scrape_while_the_database_is_down_leaves_out_only_the_pending_gauge(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable() -> int:
        raise PoolTimeout("couldn't get a connection after 30.00 sec")

    store = Store.memory()
    monkeypatch.setattr(store, "count_pending", unreachable)
    metrics = Metrics()
    instrument(store, metrics=metrics)
    with caplog.at_level(logging.WARNING, logger="bot.observability.metrics"):
        text = metrics.render().decode()
    store.close()

    names = {family.name for family in text_string_to_metric_families(text)}
    assert "opsgate_pending_requests" not in names
    assert {"opsgate_vendor_calls", "opsgate_ack_seconds", "opsgate_requests"} <= names
    [line] = caplog.messages
    assert "opsgate_pending_requests left out" in line and "PoolTimeout" in line


def test_break_glass_requests_are_not_counted_pending() -> None:
    store = Store.memory()
    metrics = Metrics()
    instrument(store, metrics=metrics)
    terms = OperationPolicy(approvals=1, ttl=timedelta(minutes=30))
    for target, incident in (("job-1", None), ("job-2", "INC-42"), ("job-3", "INC-43")):
        store.create_request(
            REQUEST.model_copy(update={"targets": (target,), "break_glass": incident}),
            requester=ALICE,
            channel="C0OPS",
            policy=terms,
            sandbox=True,
            break_glass=incident is not None,
        )
    store.close()

    assert counted(metrics)["opsgate_requests_total"] == {
        ("enos.ota-job.delete", "pending"): 1,
        ("enos.ota-job.delete", "executing"): 2,
    }


@pytest.mark.parametrize(
    ("command", "clicked"),
    [
        ("huawei device delete dev-nope-0001 --reason gone --force", True),
        ('huawei device delete dev-nope-0001 --reason gone --break-glass "INC-7"', False),
    ],
    ids=["forced", "break-glass"],
)
def test_a_delete_of_something_no_preview_found_counts_as_the_failure_it_ends_as(
    tmp_path: Path, command: str, clicked: bool
) -> None:
    """Past a preview that found nothing, the vendor's "not found" is no "already gone" (README
    "Verdicts"): the request ends `failed`, nothing deleted, and its execution counts
    ``failed``, as the request says, not ``ok``."""
    policy = f'[policy]\nchannels = ["C0OPS"]\nbreak_glass = ["{ALICE}"]\n'
    with served_opsgate(tmp_path, policy=policy) as served:
        served.slash(command, user=ALICE)
        if clicked:
            served.click(cards.APPROVE_ACTION, served.card_request_id(), user=BOB)
        assert served.opsgate.runner.wait_idle(10)
        [record] = served.opsgate.store.history(limit=5)
        _, samples = scrape(served)

    assert record.state is RequestState.FAILED
    executions = "opsgate_vendor_executions_total"
    assert value(samples, executions, vendor="huawei", outcome="failed") == 1
    assert value(samples, executions, vendor="huawei", outcome="ok") == 0
    calls = "opsgate_vendor_calls_total"  # the preview read worked: ok
    assert value(samples, calls, vendor="huawei", outcome="ok") == 1
    assert value(samples, calls, vendor="huawei", outcome="failed") == 1
