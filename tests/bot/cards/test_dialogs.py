"""The Reject dialog: what it shows, what it carries, and how its submission reads back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.cards import REJECT_DIALOG, ReasonRefused, read_reject_dialog, reject_dialog
from bot.cards.dialogs import REASON_ACTION, REASON_BLOCK, REASON_LIMIT
from bot.model import RequestRecord, RequestState

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RECORD = RequestRecord(
    id="R-7K3F9QW2",
    operation="huawei.device.delete",
    vendor="huawei",
    targets=("gw-0001", "dev-1"),
    requester="U0ALICE",
    channel="C0OPS",
    state=RequestState.PENDING,
    approvals_needed=1,
    created_at=NOW,
    expires_at=NOW + timedelta(minutes=30),
    message_ts="1767225600.000100",
)


def submitted(view: dict[str, Any], reason: str | None) -> dict[str, Any]:
    state = {
        "values": {REASON_BLOCK: {REASON_ACTION: {"type": "plain_text_input", "value": reason}}}
    }
    return {**view, "state": state}


def test_the_dialog_asks_about_this_request_with_an_optional_reason() -> None:
    view = reject_dialog(RECORD, channel="C0OPS", message_ts=RECORD.message_ts)
    View(**view).validate_json()  # slack_sdk's own limits
    assert view["callback_id"] == REJECT_DIALOG and view["submit"]["text"] == "Reject"
    assert "`R-7K3F9QW2`" in view["blocks"][0]["text"]["text"]
    assert "<@U0ALICE>" in view["blocks"][0]["text"]["text"]
    [reason] = [b for b in view["blocks"] if b["type"] == "input"]
    assert reason["optional"] is True and reason["element"]["max_length"] == REASON_LIMIT


def test_a_submission_reads_back_the_card_it_came_from_and_the_reason() -> None:
    view = reject_dialog(RECORD, channel="C0OPS", message_ts=RECORD.message_ts)
    back = read_reject_dialog(submitted(view, "  still in use  "))
    assert (back.request_id, back.channel, back.message_ts) == (
        "R-7K3F9QW2",
        "C0OPS",
        "1767225600.000100",
    )
    assert back.reason == "still in use"
    assert read_reject_dialog(submitted(view, "  ")).reason is None
    assert read_reject_dialog(submitted(view, None)).reason is None
    assert read_reject_dialog(view).reason is None  # Slack sent no state at all
    assert len(read_reject_dialog(submitted(view, "x" * 900)).reason or "") == REASON_LIMIT


NOT_A_CARD = json.dumps({"request_id": "R-7K3F9QW2", "channel": "#ops", "message_ts": "1.2"})


@pytest.mark.parametrize(
    "metadata", ["", "not json", json.dumps({"channel": "C1"}), "[]", NOT_A_CARD]
)
def test_a_view_opsgate_did_not_make_is_refused(metadata: str) -> None:
    with pytest.raises(ValueError, match="not a Reject dialog"):
        read_reject_dialog({"private_metadata": metadata})


@pytest.mark.parametrize("reason", ["fine \u202eDEVORPPA", "ring \u0007 bell", "x\u2066y"])
def test_a_reason_with_a_character_reason_refuses_is_answered_under_the_field(
    reason: str,
) -> None:
    view = reject_dialog(RECORD, channel="C0OPS", message_ts=RECORD.message_ts)
    with pytest.raises(ReasonRefused) as refused:
        read_reject_dialog(submitted(view, reason))
    [(block, message)] = refused.value.errors.items()
    assert block == "opsgate_reject_reason"
    assert message.startswith("The reason contains the control character U+")
