"""Through signed HTTP: a click counts only from its request's own card (issue 7 item 13), and
Reject's dialog round trip (issue 7 item 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from served_app import Served, served_opsgate

from bot import cards
from bot.model import AuditEventName, ClosedOutcome, RequestState

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
TWO_CHANNELS = '[policy]\nchannels = ["C0OPS", "C0OTHER"]\napprovers = ["S0OPSLEADS"]\n'


def open_card(served: Served, command: str, *, channel: str = "C0OPS") -> str:
    before = len(served.opsgate.store.history(limit=50))
    served.slash(command, user=ALICE, channel=channel)
    assert served.opsgate.runner.wait_idle(10)
    [record, *_] = served.opsgate.store.history(limit=50)
    assert len(served.opsgate.store.history(limit=50)) == before + 1
    assert record.message_ts is not None, "the card was not posted"
    return record.id


def reject_dialog_opened(served: Served) -> tuple[str, dict[str, Any]]:
    """A card posted by Alice, and the Reject dialog Carol's click opened on it (nothing
    decided yet)."""
    rid = open_card(served, "servicepower job cancel JOB-1001 --reason dup")
    served.click(cards.REJECT_ACTION, rid, user=CAROL)
    assert served.opsgate.runner.wait_idle(10)
    [view] = served.slack.opened_views()
    assert served.opsgate.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    return rid, view


def test_an_approve_naming_another_channel_and_another_cards_ts_is_refused(
    tmp_path: Path,
) -> None:
    with served_opsgate(tmp_path, policy=TWO_CHANNELS) as served:
        target = open_card(served, "servicepower job cancel JOB-1001 --reason dup")
        other = open_card(
            served, "servicepower job cancel JOB-1002 --reason dup", channel="C0OTHER"
        )
        decoy = served.opsgate.store.get(other)
        assert decoy is not None and decoy.message_ts is not None

        response = served.click(
            cards.APPROVE_ACTION, target, user=BOB, channel="C0OTHER", ts=decoy.message_ts
        )
        assert response.status_code == 200
        assert served.opsgate.runner.wait_idle(10)

        record = served.opsgate.store.get(target)
        assert record is not None and record.state is RequestState.PENDING
        assert served.opsgate.adapters.simulators["servicepower"].cancelled == []
        [*_, denied] = served.opsgate.store.events(request_id=target)
        assert denied.event is AuditEventName.DENIED and denied.actor == BOB
        assert denied.detail["mismatch"] == {
            "channel": {"card": "C0OPS", "click": "C0OTHER"},
            "message_ts": {"card": record.message_ts, "click": decoy.message_ts},
        }

        served.click(cards.APPROVE_ACTION, target, user=BOB)  # from its own card: counts
        assert served.opsgate.runner.wait_idle(10)
        assert served.opsgate.store.get(target).state is RequestState.SUCCEEDED  # type: ignore[union-attr]


def test_reject_opens_the_dialog_and_its_submission_rejects_with_the_reason(
    tmp_path: Path,
) -> None:
    with served_opsgate(tmp_path) as served:
        rid, view = reject_dialog_opened(served)

        values = {"opsgate_reject_reason": {"reason": "customer rebooked it"}}
        assert served.submit_view(view, user=CAROL, values=values).status_code == 200
        assert served.opsgate.runner.wait_idle(10)

        record = served.opsgate.store.get(rid)
        assert record is not None and record.state is RequestState.REJECTED
        assert record.outcome == ClosedOutcome(by=CAROL, note="customer rebooked it")
        card = served.slack.message("C0OPS", str(record.message_ts))
        assert card is not None and "customer rebooked it" in str(card["blocks"])
        dm = served.slack.wait_for(
            lambda c: c.method == "chat.postMessage" and c.params.get("channel") == ALICE
        )
        assert "customer rebooked it" in str(dm.params["blocks"])


def test_a_dialog_submission_opsgate_did_not_make_is_acknowledged_and_ignored(
    tmp_path: Path,
) -> None:
    with served_opsgate(tmp_path) as served:
        rid = open_card(served, "servicepower job cancel JOB-1001 --reason dup")
        forged = {"id": "V1", "type": "modal", "callback_id": cards.REJECT_DIALOG}
        values = {"opsgate_reject_reason": {"reason": "forged"}}
        response = served.submit_view({**forged, "private_metadata": "{}"}, user=BOB, values=values)
        assert response.status_code == 200
        assert served.opsgate.runner.wait_idle(10)
        assert served.opsgate.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]


def test_a_reject_reason_with_a_bidi_override_stays_in_the_dialog_with_an_error(
    tmp_path: Path,
) -> None:
    with served_opsgate(tmp_path) as served:
        rid, view = reject_dialog_opened(served)

        values = {"opsgate_reject_reason": {"reason": "fine \u202eDEVORPPA"}}
        response = served.submit_view(view, user=CAROL, values=values)
        assert served.opsgate.runner.wait_idle(10)

        assert response.status_code == 200
        answer = response.json()
        assert answer["response_action"] == "errors"
        assert "U+202E" in answer["errors"]["opsgate_reject_reason"]
        assert served.opsgate.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
