"""End to end through real signed HTTP requests: Slack → opsgate → simulator → Slack."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from served_app import CHANNEL, Served, blocks_of, served_opsgate

from bot import cards
from bot.model import AuditEventName, RequestState

ALICE, BOB = "U0ALICE", "U0BOB"
PACKAGE = 'huawei package delete pkg-meter-fw-1.2.0 --reason "superseded by 1.3"'


def approve_and_wait(served: Served, request_id: str, *, user: str = BOB) -> None:
    assert served.click(cards.APPROVE_ACTION, request_id, user=user).status_code == 200
    assert served.opsgate.runner.wait_idle(10)


def test_request_card_approve_execute_update_audit(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        ack = served.slash(PACKAGE, user=ALICE)
        assert ack.status_code == 200
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)

        approve_and_wait(served, request_id)

        record = served.opsgate.store.get(request_id)
        assert record is not None and record.state is RequestState.SUCCEEDED
        sim = served.opsgate.adapters.simulators["huawei"]
        assert len([r for r in sim.calls if r.method == "DELETE"]) == 1
        updates = served.slack.calls_to("chat.update")
        assert updates and "succeeded" in str(blocks_of(updates[-1])).lower()
        assert served.slack.message(CHANNEL, str(record.message_ts)) is not None
        assert [e.event for e in served.opsgate.store.events(request_id=request_id)] == [
            AuditEventName.REQUESTED,
            AuditEventName.APPROVED,
            AuditEventName.EXECUTING,
            AuditEventName.SUCCEEDED,
        ]
        assert served.opsgate.store.verify().ok


def test_bad_signature_is_refused(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        response = served.slash(PACKAGE, user=ALICE, secret="not-the-secret")
        assert response.status_code == 401
        assert served.opsgate.store.history() == []


def test_stale_timestamp_is_refused(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        response = served.slash(PACKAGE, user=ALICE, timestamp=int(time.time()) - 600)
        assert response.status_code == 401


def test_usage_error_is_answered_in_the_ack(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        response = served.slash("huawei pakage delete x", user=ALICE)
        assert response.status_code == 200
        assert "package" in response.text  # did you mean


def test_healthz(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        response = httpx.get(f"{served.url}/healthz")
        assert response.status_code == 200 and response.json()["ok"] is True


def test_the_ack_does_not_wait_for_the_vendor(tmp_path: Path) -> None:
    """The preview blocks until released; the ack must come back first."""
    import threading

    with served_opsgate(tmp_path) as served:
        release = threading.Event()
        adapter = served.opsgate.adapters.by_vendor["huawei"]
        real_preview = adapter.preview

        def slow_preview(request):  # type: ignore[no-untyped-def]
            release.wait(10)
            return real_preview(request)

        adapter.preview = slow_preview  # type: ignore[method-assign]
        response = served.slash(PACKAGE, user=ALICE)
        assert response.status_code == 200
        assert served.slack.calls_to("chat.postMessage") == []  # no card yet: work is after the ack
        release.set()
        assert served.card_request_id()


def test_a_rate_limited_card_update_is_retried_until_it_lands(tmp_path: Path) -> None:
    """Slack answers 429 to the outcome's chat.update: the card must still end up right."""
    with served_opsgate(tmp_path) as served:
        served.slash(PACKAGE, user=ALICE)
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        served.slack.rate_limit("chat.update", times=2)

        approve_and_wait(served, request_id)

        record = served.opsgate.store.get(request_id)
        assert record is not None and record.message_ts is not None
        final = served.slack.message(CHANNEL, record.message_ts)
        assert final is not None and "succeeded" in str(final).lower()
