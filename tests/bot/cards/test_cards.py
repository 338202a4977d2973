"""The approval card in every state, its buttons, escaping, and validity under huge inputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from block_kit import block_problems

from adapters.base import Progress
from adapters.results import stopped_before_sending
from bot.cards import (
    APPROVE_ACTION,
    REJECT_ACTION,
    WITHDRAW_ACTION,
    Message,
    escape,
    request_card,
    requester_notice,
    status_message,
)
from bot.console.render import render_message
from bot.model import Approvers, Group, RequestRecord, RequestState

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> *bold* <https://evil|x> @here"
APPROVERS = Approvers(needed=2, named=(Group("S0LEADS"),))


def record(**changes: Any) -> RequestRecord:
    """A pending huawei.device.delete request, with `changes` applied."""
    base: dict[str, Any] = {
        "id": "R-7K3F9QW2",
        "operation": "huawei.device.delete",
        "vendor": "huawei",
        "targets": ("dev-1", "dev-2", "dev-3"),
        "params": {"app": "app_1", "cascade": True},
        "reason": "stale devices, INC-42",
        "requester": "U0REQ",
        "channel": "C0OPS",
        "state": RequestState.PENDING,
        "approvals_needed": 2,
        "approvers": ("U0APP1",),
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
        "preview": {"summary": "3 devices online", "facts": {"gateway": "gw-9"}, "warnings": []},
    }
    base.update(changes)
    return RequestRecord(**base)


def card(**changes: Any) -> Message:
    message = request_card(record(**changes), approvers=APPROVERS)
    assert block_problems(message.blocks) == []
    assert message.text
    return message


def text_of(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def actions(message: Message) -> list[dict[str, Any]]:
    return [b for b in message.blocks if b["type"] == "actions"]


def test_pending_card_has_three_buttons_carrying_only_the_request_id() -> None:
    [block] = actions(card())
    approve, reject, withdraw = block["elements"]
    assert [b["action_id"] for b in block["elements"]] == [
        APPROVE_ACTION,
        REJECT_ACTION,
        WITHDRAW_ACTION,
    ]
    assert [b["text"]["text"] for b in block["elements"]] == ["Approve", "Reject", "Withdraw"]
    assert {b["value"] for b in block["elements"]} == {"R-7K3F9QW2"}
    assert approve["style"] == "danger"
    assert "style" not in reject and "style" not in withdraw
    assert "confirm" not in reject and "confirm" not in withdraw


def test_approve_asks_for_confirmation_naming_operation_and_count() -> None:
    [block] = actions(card(targets=tuple(f"d{i}" for i in range(12))))
    confirm = block["elements"][0]["confirm"]
    assert "huawei.device.delete" in confirm["title"]["text"]
    assert "12 targets" in confirm["text"]["text"]
    assert confirm["confirm"]["text"] == "Approve"
    assert confirm["deny"]["text"] == "Cancel"


def test_pending_card_shows_everything_an_approver_needs() -> None:
    text = text_of(card())
    for expected in [
        "huawei.device.delete",
        "`dev-1`, `dev-2`, `dev-3`",
        "3 targets",
        "`app`: `app_1`",
        "`cascade`: `yes`",
        "3 devices online",
        "• gateway: gw-9",
        "stale devices, INC-42",
        "<@U0REQ>",
        "<!subteam^S0LEADS>",  # a live group mention
        "1 of 2 needed",
        "Approved by: <@U0APP1>",
        "<!date^1767270600^{date_short_pretty} {time}|2026-01-01 12:30 UTC>",
        "R-7K3F9QW2",
    ]:
        assert expected in text, expected


def test_warnings_are_prominent_and_come_before_the_preview() -> None:
    warning = "job is running: the vendor will refuse deletion; stop it first"
    preview = {"summary": "job 42", "facts": {}, "warnings": [warning]}
    sections = [
        b["text"]["text"]
        for b in card(preview=preview).blocks
        if "text" in b and b["type"] == "section"
    ]
    warn_at = next(i for i, t in enumerate(sections) if warning in t)
    preview_at = next(i for i, t in enumerate(sections) if "job 42" in t)
    assert sections[warn_at].startswith(f":warning: *{warning}*")
    assert warn_at < preview_at


def test_an_unavailable_preview_does_not_read_as_if_the_request_were_dead() -> None:
    """The vendor's next step is written for a call that failed ("… then request again"): on
    a card that can still be approved it read as if the request had ended."""
    error = {
        "error": "VendorUnreachable",
        "message": "could not connect to huawei (ConnectError); nothing was changed",
        "next_step": "Check the vendor's base URL and network path, then request again.",
    }
    text = text_of(card(preview=error))
    assert "*Preview unavailable:* could not connect to huawei (ConnectError); nothing" in text
    assert "*Next:*" not in text and "request again" not in text
    assert "The request is still open for approval, but nobody could look at the target" in text


def test_missing_target_is_flagged() -> None:
    preview = {"summary": "no such device", "facts": {}, "warnings": [], "found": False}
    assert "not found at the vendor" in text_of(card(preview=preview))


def test_no_approvals_yet_reads_nobody_yet() -> None:
    assert "Approved by: nobody yet" in text_of(card(approvers=()))


def test_sandbox_marker_only_when_sandboxed() -> None:
    sandboxed = card(sandbox=True)
    assert "[SANDBOX]" in sandboxed.blocks[0]["text"]["text"]
    assert "*SANDBOX*" in text_of(sandboxed)
    assert "SANDBOX" not in text_of(card())


def test_executing_shows_progress_and_no_buttons() -> None:
    rec = record(state=RequestState.EXECUTING)
    progress = Progress(total=10000, succeeded=3600, failed=200, unknown=200)
    message = request_card(rec, approvers=APPROVERS, progress=progress)
    assert not actions(message)
    assert "*Executing…* 4,000 of 10,000 sent (200 failed, 200 unknown)" in text_of(message)


def test_after_stop_targets_never_sent_are_not_counted_as_sent() -> None:
    rec = record(state=RequestState.EXECUTING)
    progress = Progress(total=10000, succeeded=1990, failed=10, not_sent=8000)
    message = request_card(rec, approvers=APPROVERS, progress=progress)
    assert "*Executing…* 2,000 of 10,000 sent (10 failed); 8,000 not sent" in text_of(message)


def test_while_a_run_is_being_stopped_its_counts_add_up() -> None:
    """The first tick after Stop: 2,000 sent, one batch of 200 marked not sent, 7,800 not yet
    counted either way; the line does not read as 2,000 + 200 of 10,000."""
    rec = record(state=RequestState.EXECUTING)
    progress = Progress(total=10000, succeeded=2000, not_sent=200)
    shown = text_of(request_card(rec, approvers=APPROVERS, progress=progress))
    assert "2,000 of 10,000 sent; 200 not sent so far, 7,800 still to be counted" in shown


def test_executing_without_progress() -> None:
    text = text_of(card(state=RequestState.EXECUTING))
    assert "*Executing…*" in text
    assert "done" not in text


@pytest.mark.parametrize("state", [s for s in RequestState if s.terminal])
def test_terminal_states_have_no_decision_buttons_and_name_requester_and_approvers(
    state: RequestState,
) -> None:
    message = card(state=state, outcome=None)
    buttons = [e["action_id"] for block in actions(message) for e in block["elements"]]
    # Only Request again, and only where asking again makes sense (SPEC §8).
    again = state in {
        RequestState.FAILED,
        RequestState.EXPIRED,
        RequestState.REJECTED,
        RequestState.STOPPED,
    }
    assert buttons == (["opsgate_request_again"] if again else [])
    assert "<@U0REQ>" in text_of(message)
    # A denied request is refused before any card: nobody approved it, so none is named.
    assert ("<@U0APP1>" in text_of(message)) is (state is not RequestState.DENIED)


def test_succeeded_shows_vendor_request_ids() -> None:
    outcome = {
        "summary": "Deleted 3 devices",
        "vendor_request_ids": ["req-1", "req-2"],
        "already_gone": False,
        "total": 3,
        "failures": [],
    }
    text = text_of(card(state=RequestState.SUCCEEDED, outcome=outcome))
    assert ":white_check_mark: *Succeeded:* Deleted 3 devices" in text
    assert "Vendor request ids: `req-1`, `req-2`" in text
    assert "Already gone" not in text


def test_succeeded_already_gone() -> None:
    outcome = {
        "summary": "Already gone",
        "vendor_request_ids": [],
        "already_gone": True,
        "total": 1,
        "failures": [],
    }
    text = text_of(card(state=RequestState.SUCCEEDED, outcome=outcome, targets=("d1",)))
    assert "Already gone: the vendor no longer had it" in text
    assert "Vendor request id" not in text


def bulk_outcome(failed_batches: int) -> dict[str, Any]:
    failures = [
        {
            "targets": [f"d{b}-{i}" for i in range(200)],
            "code": "iot.ota.TaskBusy",
            "message": "task is running",
            "next_step": "wait for it to finish",
        }
        for b in range(failed_batches)
    ]
    return {
        "summary": "Cancelled OTA tasks",
        "vendor_request_ids": [f"r{i}" for i in range(50)],
        "already_gone": False,
        "total": 10_000,
        "failures": failures,
    }


def test_bulk_summary_with_a_failed_batch() -> None:
    rec = record(
        operation="aliyun.ota-task.cancel",
        targets=tuple(f"d{i}" for i in range(10_000)),
        state=RequestState.SUCCEEDED,
        outcome=bulk_outcome(1),
    )
    text = text_of(request_card(rec, approvers=APPROVERS))
    assert ":warning: *Partly failed:* Cancelled OTA tasks" in text
    assert "9,800 of 10,000 cancelled; 200 failed (1 batch: refused or not delivered)" in text
    assert (
        "200 targets (`d0-0`, `d0-1`, `d0-2` +197 more), failed: vendor error "
        "`iot.ota.TaskBusy`:" in text
    )
    assert "*Next:* wait for it to finish" in text
    assert "`r0`" in text and "+40 more" in text


def test_a_partly_failed_run_is_headed_partly_failed_and_a_wholly_failed_one_failed() -> None:
    """The header and the requester's message open as the outcome under them does: "Partly
    failed" when some targets succeeded, "Failed" when none did; `/ops status` still names the
    state ("Status of …: Failed")."""
    targets = tuple(f"d{i}" for i in range(10_000))
    partly = record(
        operation="aliyun.ota-task.cancel",
        targets=targets,
        state=RequestState.FAILED,
        outcome=bulk_outcome(1),
    )
    shown = request_card(partly, approvers=APPROVERS)
    assert shown.blocks[0]["text"]["text"] == ":warning: Partly failed: aliyun.ota-task.cancel"
    assert shown.text.startswith("Partly failed: aliyun.ota-task.cancel on 10,000 targets")
    dm = requester_notice(partly)
    assert dm.text == "Partly failed: aliyun.ota-task.cancel (R-7K3F9QW2)"
    assert "*Partly failed:* your request `R-7K3F9QW2`" in text_of(dm)
    assert ":x:" not in text_of(shown) + text_of(dm) and "Failed" not in text_of(dm)
    status = status_message(partly, [], approvers=APPROVERS)
    assert status.text == "Status of R-7K3F9QW2: Failed"

    wholly = record(
        operation="aliyun.ota-task.cancel",
        targets=targets[:200],
        state=RequestState.FAILED,
        outcome={**bulk_outcome(1), "total": 200},
    )
    shown = request_card(wholly, approvers=APPROVERS)
    assert shown.blocks[0]["text"]["text"] == ":x: Failed: aliyun.ota-task.cancel"
    assert "*Failed:* your request" in text_of(requester_notice(wholly))
    assert "Partly" not in text_of(shown) + text_of(requester_notice(wholly))


def test_bulk_without_failures_and_many_failed_batches() -> None:
    ok = card(
        operation="aliyun.ota-task.cancel", state=RequestState.SUCCEEDED, outcome=bulk_outcome(0)
    )
    assert "10,000 of 10,000 cancelled" in text_of(ok)
    many = card(
        operation="aliyun.ota-task.cancel", state=RequestState.FAILED, outcome=bulk_outcome(50)
    )
    assert "0 of 10,000 cancelled; 10,000 failed (50 batches: refused" in text_of(many)
    assert "+40 more batches" in text_of(many)
    assert ":x: *Failed:*" in text_of(many)


def test_failed_shows_vendor_code_message_and_next_step() -> None:
    error = {
        "error": "VendorError",
        "message": "device is bound to a gateway",
        "next_step": "delete the gateway's children first",
        "code": "100418",
        "http_status": 400,
        "vendor_request_id": "hw-77",
    }
    text = text_of(card(state=RequestState.FAILED, outcome=error))
    assert (
        ":x: *Failed:* vendor error `100418`: device is bound to a gateway. "
        "*Next:* delete the gateway's children first"
    ) in text
    assert "Vendor request id: `hw-77`" in text


def test_unknown_says_there_is_no_confirmed_answer_and_no_retry() -> None:
    error = {"error": "OutcomeUnknown", "message": "read timed out", "next_step": ""}
    text = text_of(card(state=RequestState.UNKNOWN, outcome=error))
    assert "opsgate has no confirmed answer from the vendor, and will not retry" in text
    assert "What happened: read timed out" in text
    assert "*Next:* check in the vendor console what was done before requesting it again" in text


def test_unknown_says_the_adapter_s_next_step() -> None:
    """The adapter knows where to look; its step replaces the general one."""
    error = {
        "error": "OutcomeUnknown",
        "message": "acme answered HTTP 500 to the delete",
        "next_step": "Check in the Acme console whether widget w-1 still exists.",
    }
    text = text_of(card(state=RequestState.UNKNOWN, outcome=error))
    assert "What happened: acme answered HTTP 500 to the delete" in text
    assert "*Next:* Check in the Acme console whether widget w-1 still exists." in text
    assert "requesting it again" not in text


@pytest.mark.parametrize(
    ("state", "outcome", "expected"),
    [
        (RequestState.REJECTED, {"by": "U0BOB"}, "*Rejected* by <@U0BOB>"),
        (RequestState.REJECTED, None, "*Rejected*"),
        (RequestState.WITHDRAWN, None, "*Withdrawn* by <@U0REQ>"),
        (RequestState.EXPIRED, None, "*Expired*: no decision before the deadline"),
        (RequestState.DENIED, None, "*Denied* by policy"),
        (RequestState.DENIED, {"message": "card not posted"}, "*Denied*: card not posted"),
    ],
)
def test_side_exits_say_by_whom(
    state: RequestState, outcome: dict[str, Any] | None, expected: str
) -> None:
    assert expected in text_of(card(state=state, outcome=outcome))


def test_hostile_reason_is_inert() -> None:
    message = card(reason=HOSTILE)
    text = text_of(message)
    for dangerous in ["<!channel>", "<https://evil", "*bold*", "@here"]:
        assert dangerous not in text
    assert "&lt;!channel&gt;" in text
    # ...yet it still reads as the requester wrote it.
    assert HOSTILE in render_message(message.blocks, width=200)


def test_hostile_targets_preview_and_user_ids_are_inert() -> None:
    preview = {
        "summary": "<@U0ALL> *x*",
        "facts": {"<!here>": "<http://a|b>"},
        "warnings": ["<!everyone>"],
    }
    message = card(
        targets=("<!channel>", "a`b"), preview=preview, requester="<!here>", approvers=("<@U1>",)
    )
    text = text_of(message)
    for dangerous in ["<!channel>", "<@U0ALL>", "<!here>", "<http://a", "<!everyone>", "<@U1>"]:
        assert dangerous not in text


def test_escape_rules() -> None:
    assert escape("a & b <c>") == "a &amp; b &lt;c&gt;"
    assert escape("*b* _i_ ~s~ `c`") == "".join(
        "\u200d" + ch if ch in "*_~`" else ch for ch in "*b* _i_ ~s~ `c`"
    )
    assert escape("@channel @Here") == "@\u200dchannel @\u200dHere"
    assert escape("mail@example.com") == "mail@example.com"


def test_ten_thousand_targets_are_elided() -> None:
    message = card(targets=tuple(f"device-{i:05d}" for i in range(10_000)))
    text = text_of(message)
    assert "10,000 targets" in text
    assert "`device-00009` +9,990 more" in text
    assert "device-00010" not in text


def test_huge_inputs_stay_valid() -> None:
    preview = {
        "summary": "s" * 10_000,
        "facts": {f"fact {i}" * 50: "v" * 10_000 for i in range(1000)},
        "warnings": ["w" * 5000] * 200,
    }
    message = card(
        operation="aliyun.ota-task.cancel." + "x" * 300,
        targets=tuple("t" * 128 + str(i) for i in range(10_000)),
        params={f"p{i}": "v" * 500 for i in range(40)},
        reason="<&>*" * 2000,
        approvers=tuple(f"U{i:08d}" for i in range(500)),
        preview=preview,
        sandbox=True,
    )
    assert len(text_of(message)) < 40_000
    assert "+985 more facts" in text_of(message)
    assert "+192 more warnings" in text_of(message)


def test_huge_outcome_stays_valid() -> None:
    outcome = bulk_outcome(50)
    outcome["summary"] = "x" * 10_000
    outcome["vendor_request_ids"] = ["r" * 500] * 1000
    failures = outcome["failures"]
    for failure in failures:
        failure["message"] = "<!channel>" * 1000
    card(state=RequestState.FAILED, outcome=outcome)
    error = {
        "error": "VendorError",
        "message": "m" * 50_000,
        "next_step": "n" * 50_000,
        "code": "c" * 1000,
        "vendor_request_id": "v" * 1000,
    }
    card(state=RequestState.FAILED, outcome=error)


def test_notification_text_names_state_operation_and_requester() -> None:
    assert card().text == (
        "Approval needed: huawei.device.delete on 3 targets (R-7K3F9QW2), requested by <@U0REQ>"
        " :bell: Your approval is needed: <!subteam^S0LEADS>"
    )
    assert card(state=RequestState.SUCCEEDED).text == (
        "Succeeded: huawei.device.delete on 3 targets (R-7K3F9QW2), requested by <@U0REQ>"
    )


def test_block_problems_catches_what_slack_would_refuse() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert block_problems([section] * 50) == []
    assert block_problems([section] * 51) == ["51 blocks (limit 50)"]
    assert block_problems([{"type": "nope"}]) == ["block 0: not a block"]
    long_text = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert block_problems([long_text]) == ["block 0: text attribute cannot exceed 3000 characters"]
    field = {"type": "mrkdwn", "text": "x"}
    eleven = {"type": "section", "fields": [field] * 11}
    assert block_problems([eleven]) == ["block 0: fields attribute cannot exceed 10 items"]
    wide = {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}
    assert block_problems([wide]) == ["block 0: section text of 2001 chars (limit 2000)"]
    context = {"type": "context", "elements": [field] * 11}
    assert block_problems([context]) == ["block 0: elements attribute cannot exceed 10 elements"]
    long_context = {"type": "context", "elements": [{"type": "mrkdwn", "text": "x" * 2001}]}
    assert block_problems([long_context]) == ["block 0: context text of 2001 chars (limit 2000)"]
    button = {"type": "button", "text": {"type": "plain_text", "text": "x" * 76}, "action_id": "a"}
    assert block_problems([{"type": "actions", "elements": [button]}]) == [
        "block 0: text attribute cannot exceed 75 characters"
    ]


@pytest.mark.parametrize("minutes_before", [30, 5, 0.5, 0, -1])
def test_a_pending_card_says_when_it_expires_and_never_how_long_is_left(
    minutes_before: float,
) -> None:
    """Nothing redraws a card as time passes (only clicks do): a countdown drawn at posting
    would still read "in 30 min" 25 minutes later. Slack's date token stays true."""
    rec = record(expires_at=NOW + timedelta(minutes=30))
    now = NOW + timedelta(minutes=30 - minutes_before)
    message = request_card(rec, approvers=APPROVERS, now=now)
    text = text_of(message)
    assert "|2026-01-01 12:30 UTC>" in text
    assert "(in " not in text and "(overdue)" not in text
    assert "in 30 min" not in render_message(message.blocks, width=1000)


@pytest.mark.parametrize(
    ("minutes_before", "expected"),
    [
        (30, "(in 30 min)"),
        (1.5, "(in 1 min)"),  # never more time than is left
        (1, "(in 1 min)"),
        (0.5, "(in 30 s)"),
        (1 / 6, "(in 10 s)"),
        (0, "(overdue)"),
        (-1, "(overdue)"),
        (125.9, "(in 2 h 5 min)"),
    ],
)
def test_status_counts_down_from_when_it_is_asked(minutes_before: float, expected: str) -> None:
    """``/ops status`` is a private answer read as it comes: it may say how long is left."""
    rec = record(expires_at=NOW + timedelta(minutes=30))
    now = NOW + timedelta(minutes=30 - minutes_before)
    text = text_of(status_message(rec, [], approvers=APPROVERS, now=now))
    assert f"|2026-01-01 12:30 UTC> {expected}" in text


def test_no_countdown_without_a_clock_or_once_decided() -> None:
    assert "(in " not in text_of(status_message(record(), [], approvers=APPROVERS))
    decided = record(state=RequestState.REJECTED)
    assert "(in " not in text_of(status_message(decided, [], approvers=APPROVERS, now=NOW))


def test_a_denied_requests_status_says_no_approval_was_asked_not_that_none_was_needed() -> None:
    """A request the policy or its preview refused is stored asking for no approvals, with its
    deadline at its making: its status said "None needed: the requester confirms alone" and
    gave an "Approval deadline", as if it had gone ahead with nobody's approval."""
    denied = record(state=RequestState.DENIED, approvals_needed=0, expires_at=NOW)
    text = text_of(status_message(denied, [], approvers=APPROVERS, now=NOW))
    assert "confirms alone" not in text and "deadline" not in text.lower()
    assert "*Approvals*\\nNone asked: it was denied before any card" in text


def test_a_single_target_not_sent_reads_as_one_call_not_a_batch() -> None:
    """A one-target request stopped (at shutdown, or by Stop) before its call went out: the
    counts name no "batch", which is how a bulk run's card counts its calls."""
    rec = record(
        targets=("dev-1",),
        state=RequestState.STOPPED,
        outcome=stopped_before_sending(("dev-1",)).model_dump(mode="json"),
    )
    text = text_of(request_card(rec, approvers=APPROVERS))
    assert "0 of 1 deleted; 1 not sent\\n" in text
    assert "batch" not in text
