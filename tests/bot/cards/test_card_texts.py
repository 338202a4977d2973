"""The card says exactly what a click will do and what happened (issue 7 items 5 and 8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from block_kit import block_problems

from bot.cards import Message, request_card
from bot.cards.preview import error_text
from bot.model import Approvers, RequestRecord, RequestState, User

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060")


def record(**changes: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "id": "R-7K3F9QW2",
        "operation": "huawei.device.delete",
        "vendor": "huawei",
        "targets": ("dev-1", "dev-2"),
        "reason": "stale",
        "requester": "U0REQ",
        "channel": "C0OPS",
        "state": RequestState.PENDING,
        "approvals_needed": 2,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
    }
    return RequestRecord(**(base | changes))


def card(rec: RequestRecord, approvers: Approvers | None = None) -> Message:
    who = approvers or Approvers(needed=rec.approvals_needed, anyone=True)
    message = request_card(rec, approvers=who, now=NOW)
    assert block_problems(message.blocks) == []
    return message


def text_of(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def confirm_text(message: Message) -> str:
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    return str(actions["elements"][0]["confirm"]["text"]["text"])


@pytest.mark.parametrize(
    ("needed", "approvers", "executes"),
    [
        (2, (), False),  # the first of two only records an approval
        (2, ("U0A",), True),  # the second completes it
        (3, ("U0A",), False),
        (1, (), True),
        (0, (), True),  # the requester's confirmation runs it
    ],
)
def test_the_approve_dialog_says_what_this_click_will_do(
    needed: int, approvers: tuple[str, ...], executes: bool
) -> None:
    text = confirm_text(card(record(approvals_needed=needed, approvers=approvers)))
    assert ("It cannot be undone" in text) is executes
    assert ("records your approval" in text) is not executes


def test_a_dialog_that_only_records_says_how_many_more_are_needed() -> None:
    text = confirm_text(card(record(approvals_needed=3, approvers=("U0A",))))
    assert text == (
        "This records your approval of huawei.device.delete on 2 targets (2 of 3). "
        "It runs at the vendor only after 1 more approval."
    )


def test_a_sandboxed_request_s_dialog_says_it_runs_on_the_simulator() -> None:
    """The card says the vendor is simulated; the dialog said "at the vendor. It cannot be
    undone."."""
    text = confirm_text(card(record(approvals_needed=1, sandbox=True)))
    assert text == (
        "This runs huawei.device.delete on 2 targets on the vendor's simulator. "
        "Nothing real changes."
    )
    first = confirm_text(card(record(approvals_needed=2, sandbox=True)))
    assert first.endswith("It runs on the vendor's simulator only after 1 more approval.")
    assert "at the vendor" not in text + first and "cannot be undone" not in text + first


def test_zero_approvals_reads_as_the_requester_confirming_alone() -> None:
    alone = Approvers(needed=0)
    pending = text_of(card(record(approvals_needed=0), alone))
    assert "0 of 0" not in pending and "needed\\nApproved" not in pending
    assert "the requester confirms alone" in pending
    confirmed = record(approvals_needed=0, approvers=("U0REQ",), state=RequestState.EXECUTING)
    after = text_of(card(confirmed, alone))
    assert "1 of 0" not in after and "0 of 0" not in after
    assert "Confirmed by: <@U0REQ>" in after


def test_a_card_that_needs_no_approvals_asks_for_confirmation_not_approval() -> None:
    """Under `approvals = 0` nobody approves: the header and Slack's notification said
    "Approval needed" above "Approvals: None needed: the requester confirms alone"."""
    message = card(record(approvals_needed=0), Approvers(needed=0))
    header = message.blocks[0]["text"]["text"]
    assert header.startswith(":large_orange_circle: Confirmation needed: huawei.device.delete")
    assert message.text.startswith("Confirmation needed: huawei.device.delete")
    assert "Approval needed" not in text_of(message)
    needs_one = card(record(approvals_needed=1), Approvers(needed=1))
    assert needs_one.blocks[0]["text"]["text"].startswith(":large_orange_circle: Approval needed")


def test_a_card_that_needs_no_approvals_draws_no_reject_button_nobody_may_press() -> None:
    """Under `approvals = 0` only the requester decides (confirm or withdraw): every Reject
    click on such a card was refused ("nobody else may reject it"), a dead button that an
    approver in the channel would press believing it held the request back."""

    def labels(message: Message) -> list[str]:
        actions = [b for b in message.blocks if b["type"] == "actions"]
        return [e["text"]["text"] for b in actions for e in b["elements"]]

    assert labels(card(record(approvals_needed=0), Approvers(needed=0))) == ["Approve", "Withdraw"]
    needs_one = card(record(approvals_needed=1), Approvers(needed=1))
    assert labels(needs_one) == ["Approve", "Reject", "Withdraw"]


def test_approvals_show_how_many_of_how_many() -> None:
    text = text_of(card(record(approvers=("U0A",)), Approvers(needed=2, named=(User("U0A"),))))
    assert "1 of 2 needed" in text and "Approved by: <@U0A>" in text
    assert "*Who may approve*\\n<@U0A>" in text


@pytest.mark.parametrize("field", ["message", "next_step"])
def test_backticked_text_in_a_vendor_message_is_copyable_code(field: str) -> None:
    outcome = {
        "error": "NotConfigured",
        "message": "huawei is not configured",
        "next_step": "set it up",
        field: "Set `OPSGATE_HUAWEI__APP_ID` and `OPSGATE_HUAWEI__SECRET` first",
    }
    text = text_of(card(record(state=RequestState.FAILED, outcome=outcome)))
    assert "`OPSGATE_HUAWEI__APP_ID`" in text and "`OPSGATE_HUAWEI__SECRET`" in text
    assert not any(ch in text for ch in INVISIBLE)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("the run was stopped before this batch went out", "went out. *Next:* ask again"),
        ("the platform refused it.", "refused it. *Next:* ask again"),
        ("what now?", "what now? *Next:* ask again"),
    ],
)
def test_a_next_step_follows_a_finished_sentence(message: str, shown: str) -> None:
    text = error_text(message, "ask again", "E1")
    assert text.startswith("vendor error `E1`: ") and text.endswith(shown)
    assert ".." not in text


def test_an_error_without_a_next_step_is_left_as_said() -> None:
    assert error_text("went out", "") == "went out"
