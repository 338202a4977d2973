"""Dry run, notices, help, history, status timeline and the App Home tab."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from audit_events import audit_event
from block_kit import block_problems
from shown_lines import lines

from adapters.base import Blocker, Preview, VendorCall
from bot.cards import (
    HelpEntry,
    HomeContent,
    Message,
    blocked_message,
    dry_run_message,
    help_message,
    history_message,
    home_view,
    notice_message,
    refusal_message,
    requester_notice,
    status_message,
    usage_message,
)
from bot.cards.text import ZWJ
from bot.model import (
    Approvers,
    AuditEvent,
    AuditEventName,
    PreviewUnavailable,
    Refusal,
    RequestRecord,
    RequestState,
)
from commands.identifiers import STRICT
from commands.model import OperationRequest, UsageError

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> *bold* <https://evil|x> @here"
ENTRY = HelpEntry(
    operation="enos.ota-job.delete",
    summary="Delete an OTA job.",
    usage="/ops enos ota-job delete <jobId> --org <orgId>",
    example='/ops enos ota-job delete job-1 --org o1 --reason "stale"',
)


def record(**changes: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "id": "R-AAAA1111",
        "operation": "enos.ota-job.delete",
        "vendor": "enos",
        "targets": ("job-1",),
        "params": {"org": "o1"},
        "reason": "stale",
        "requester": "U0REQ",
        "channel": "C0OPS",
        "state": RequestState.PENDING,
        "approvals_needed": 1,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
    }
    return RequestRecord(**(base | changes))


def valid(message: Message) -> str:
    """Assert Slack would accept the message; return all its text for searching."""
    assert block_problems(message.blocks) == []
    assert message.text
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def event(seq: int, name: AuditEventName, actor: str, **detail: Any) -> AuditEvent:
    return audit_event(
        seq,
        name,
        actor,
        request_id="R-AAAA1111",
        operation="enos.ota-job.delete",
        target="job-1",
        start=NOW,
        **detail,
    )


def test_dry_run_shows_command_calls_and_that_nothing_changed() -> None:
    request = OperationRequest(
        operation="enos.ota-job.delete",
        vendor="enos",
        targets=("job-1",),
        params={"org": "o1"},
        dry_run=True,
    )
    call = VendorCall(
        method="POST",
        url="https://enos/ota-jobs?action=delete&jobId=job-1",
        headers={"apikey": "****"},
        body='{"a": 1}',
    )
    text = valid(
        dry_run_message(
            request,
            preview=Preview(summary="job 1 idle"),
            calls=[call],
            sandbox=True,
            command_text="/ops enos ota-job delete job-1",
        )
    )
    assert "Dry run: enos.ota-job.delete" in text
    assert "```/ops enos ota-job delete job-1```" in text
    assert "POST https://enos/ota-jobs?action=delete&amp;jobId=job-1\\napikey: ****" in text
    assert "job 1 idle" in text
    assert "Nothing was changed, no approval card was posted and nothing was audited." in text
    assert "*Verdict: ok*" in text
    assert "SANDBOX" in text


def test_dry_run_with_many_calls_and_a_failed_preview_stays_valid() -> None:
    request = OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=tuple(f"d{i}" for i in range(10_000)),
    )
    calls = [VendorCall(method="POST", url="https://iot/" + "x" * 5000, body="b" * 10_000)] * 50
    text = valid(
        dry_run_message(
            request,
            preview=PreviewUnavailable(error="VendorUnreachable", message="m", next_step="retry"),
            calls=calls,
            sandbox=False,
            command_text="```" * 1000,
        )
    )
    assert "+45 more vendor calls" in text
    assert "*Preview unavailable:* m. *Next:* retry" in text and "*Verdict: warn*" in text
    assert "SANDBOX" not in text


def test_a_dry_run_call_whose_escaping_outgrows_the_section_keeps_its_fences_and_its_note() -> None:
    """Alibaba's cancel call is one long query string of ``&``s, each escaped to ``&amp;``:
    clipped before escaping, it outgrew the section, whose clip cut the closing fence (the
    card showed raw backticks) and the note of how many more calls follow."""
    request = OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=tuple(f"thermo-{i:05d}" for i in range(1, 10_000)),
    )
    query = "&".join(f"DeviceName.{i}=thermo-{i:05d}" for i in range(1, 201))
    call = VendorCall(
        method="POST",
        url=f"https://iot.example/?Action=CancelOTATaskByDevice&{query}",
        body="+49 more calls of up to 200 devices",
    )
    for command in ("/ops aliyun ota-task cancel thermo-{00001..09999}", "/ops x " + "&" * 990):
        message = dry_run_message(
            request, preview=None, calls=[call], sandbox=False, command_text=command
        )
        text = valid(message)
        # One call described, 50 sent: the notification must not count the descriptions.
        assert "1 vendor call" not in message.text
        assert message.text == "Dry run of aliyun.ota-task.cancel on 9,999 targets: nothing changed"
        assert "+49 more calls of up to 200 devices" in text
        assert "POST https://iot.example/?Action=CancelOTATaskByDevice&amp;DeviceName.1=" in text


def test_refusal_usage_and_notice_escape_their_text() -> None:
    for message in [
        refusal_message(Refusal(HOSTILE)),
        usage_message(HOSTILE, "/ops x"),
        notice_message(HOSTILE),
    ]:
        text = valid(message)
        assert "<!channel>" not in text and "<https://evil" not in text
    assert "```/ops x```" in valid(usage_message("bad --org", "/ops x"))
    assert "```" not in valid(usage_message("bad --org", ""))
    assert valid(notice_message("Approval recorded (1 of 2)")).startswith(
        "Approval recorded (1 of 2)"
    )


def test_a_usage_error_of_several_fields_has_a_line_each_with_its_code_spans_whole() -> None:
    message = "`/ops acme cancel` takes at most 3; 4 were given.\nBad --site: use `._:-` only."
    text = valid(usage_message(message, "/ops acme cancel <id>"))
    # each line whole, its spaces and code spans kept (the blocks as JSON: a break is \\n)
    assert (
        "`/ops acme cancel` takes at most 3; 4 were given.\\nBad --site: use `._:-` only." in text
    )
    assert "⏎" not in text


def test_a_typed_value_with_backticks_leaves_the_usage_error_s_code_spans_whole() -> None:
    """``/ops huawei device delete `dev-1*_~` ``: the value's backticks paired with the message's
    own, garbling both, and the allowed characters, copied, held zero-width joiners."""
    with pytest.raises(UsageError) as caught:
        STRICT.check("`dev-1*_~`", field="deviceId", usage="Usage: /ops x")
    message = usage_message(caught.value.message, caught.value.usage)
    [said] = [b["text"]["text"] for b in message.blocks]
    value = f"'⟨U+0060⟩dev-1{ZWJ}*{ZWJ}_{ZWJ}~⟨U+0060⟩'"  # its * _ ~ show as typed
    assert said.startswith(
        f":grey_question: Bad deviceId {value}: a backtick is not allowed. "
        "Use letters, digits and `._:-` (1-128 characters)."
    )
    spans = said.split("\n")[0].split("`")[1::2]
    assert spans == ["._:-"]  # the only code span, to copy, has nothing invisible in it
    assert message.text == (
        "Bad deviceId '⟨U+0060⟩dev-1*_~⟨U+0060⟩': a backtick is not allowed. "
        "Use letters, digits and ._:- (1-128 characters)."
    )


def test_requester_notice_tells_the_outcome() -> None:
    done = record(
        state=RequestState.SUCCEEDED,
        outcome={
            "summary": "Deleted job-1",
            "vendor_request_ids": ["e-9"],
            "total": 1,
            "failures": [],
        },
    )
    text = valid(requester_notice(done))
    assert "*Succeeded:* your request `R-AAAA1111`" in text
    assert "`e-9`" in text
    assert "Deleted job-1" not in valid(requester_notice(record()))


def test_requester_notice_says_confirmed_by_as_the_card_does_when_no_approval_was_needed() -> None:
    confirmed = record(
        state=RequestState.SUCCEEDED,
        approvals_needed=0,
        approvers=("U0ALICE",),
        requester="U0ALICE",
    )
    text = valid(requester_notice(confirmed))
    assert "Confirmed by: <@U0ALICE>" in text and "Approved by" not in text
    approved = record(state=RequestState.SUCCEEDED, approvers=("U0BOB",))
    assert "Approved by: <@U0BOB>" in valid(requester_notice(approved))


def test_help_lists_entries_for_a_vendor() -> None:
    text = valid(help_message([ENTRY], vendor="enos"))
    assert "opsgate operations for enos" in text
    assert "`enos.ota-job.delete`: Delete an OTA job." in text
    assert "```/ops enos ota-job delete &lt;jobId&gt; --org &lt;orgId&gt;```" in text
    assert 'Example: `/ops enos ota-job delete job-1 --org o1 --reason \\"stale\\"`' in text
    assert "may not request any" in valid(help_message([], vendor=None))
    assert valid(help_message([ENTRY] * 100, vendor=None))


def test_help_listing_nothing_offers_no_tips_about_requests() -> None:
    """With nothing the user may request, tips on `--dry-run`, `--force` and the form apply
    to nothing; following requests (status, history) still does."""
    text = valid(help_message([], vendor="enos"))
    assert "You may not request any operations for enos." in text
    assert "--dry-run" not in text and "--force" not in text and "request form" not in text
    assert "/ops history" in text
    assert "--dry-run" in valid(help_message([ENTRY], vendor="enos"))


def test_help_says_which_operations_are_not_configured_here() -> None:
    text = valid(help_message([ENTRY, replace(ENTRY, unconfigured=True)], vendor=None))
    assert text.count("Not configured here") == 1
    assert "opsgate has no credentials for enos: a request is refused" in text
    assert "`OPSGATE_ENOS__*`" in text


def test_help_teaches_ranges_force_break_glass_and_following_a_request() -> None:
    entries = [ENTRY, replace(ENTRY, most=20, break_glass=True)]
    text = valid(help_message(entries, vendor=None))
    for taught in ("`node-{01..20}`", "`--force`", "`--break-glass", "`/ops status &lt;id&gt;`"):
        assert taught in text
    assert "<id>" not in text  # would be read as a link
    assert "\u200d" not in text  # copyable: no zero-width joiners in the commands


def test_help_teaches_break_glass_only_where_the_policy_lets_someone_use_it() -> None:
    nobody = valid(help_message([ENTRY, replace(ENTRY, most=20)], vendor=None))
    assert "--break-glass" not in nobody  # the default: nobody is listed
    assert "`/ops status &lt;id&gt;`" in nobody and "`--force`" in nobody


def test_help_of_operations_that_take_one_target_does_not_teach_several() -> None:
    text = valid(help_message([ENTRY], vendor="enos"))
    assert "Several targets" not in text and "node-{01..20}" not in text
    assert "`--force` posts the approval card" in text


def test_history_lists_records_and_stays_valid_when_long() -> None:
    text = valid(history_message([record(), record(id="R-B", state=RequestState.FAILED)]))
    assert ":large_orange_circle: `R-AAAA1111` `enos.ota-job.delete` · 1 target · <@U0REQ>" in text
    assert "Failed" in text
    assert "No requests you may see here." in valid(history_message([]))
    valid(history_message([record(id=f"R-{i}") for i in range(1000)]))


def test_a_history_line_names_the_channel_its_card_is_in() -> None:
    """An approver's `/ops history` lists requests of every channel they may approve in: each
    line says where its card is, as App Home's "Waiting for you" does ("by @alice in #ops")."""
    text = valid(history_message([record(channel="C0OTHER")]))
    assert "· 1 target · <@U0REQ> in <#C0OTHER> · " in text


def test_status_has_the_full_timeline_and_no_buttons() -> None:
    rec = record(
        state=RequestState.FAILED,
        approvers=("U0BOB",),
        outcome={"error": "VendorError", "message": "busy", "next_step": "", "code": "E42"},
    )
    events = [
        event(1, AuditEventName.REQUESTED, "U0REQ", reason="stale"),
        event(2, AuditEventName.APPROVED, "U0BOB"),
        event(3, AuditEventName.EXECUTING, "system"),
        event(4, AuditEventName.FAILED, "system", code="E42", message=HOSTILE),
    ]
    message = status_message(rec, events, approvers=Approvers(needed=1, anyone=True))
    text = valid(message)
    assert not [b for b in message.blocks if b["type"] == "actions"]
    assert "*requested* by <@U0REQ> · reason: stale" in text
    assert "*approved* by <@U0BOB>" in text
    assert "*executing* by opsgate" in text
    assert "*failed* by opsgate · code: E42; message: &lt;!channel&gt;" in text
    assert "<!date^1767269040^" in text  # 12:04 UTC
    assert "vendor error `E42`" in text


def test_status_timeline_tells_a_repeat_click_from_a_second_approval() -> None:
    """Bob's second Approve click counted his lapsed approval again: the timeline must not read
    as if he had approved twice (verify counts one approval per approver, and so must a reader)."""
    events = [
        event(1, AuditEventName.REQUESTED, "U0REQ", reason="stale"),
        event(2, AuditEventName.APPROVED, "U0BOB", approvals=1, needed=3),
        event(3, AuditEventName.APPROVED, "U0CAROL", approvals=1, needed=3, lapsed=["U0BOB"]),
        event(
            4,
            AuditEventName.APPROVED,
            "U0BOB",
            again=True,
            approvals=2,
            needed=3,
            restored=["U0BOB"],
        ),
    ]
    rec = record(approvers=("U0BOB", "U0CAROL"))
    text = valid(status_message(rec, events, approvers=Approvers(needed=3, anyone=True)))
    assert "*approved* by <@U0BOB>" in text
    assert "*approved* by <@U0CAROL> · no longer counting: <@U0BOB>" in text
    assert "*approved again* by <@U0BOB> · nothing new approved; counts again: <@U0BOB>" in text


def test_status_timeline_says_what_the_vendor_answered_and_its_ids() -> None:
    """The ending event's own record (in the chain) of what happened, beside the card's."""
    events = [
        event(1, AuditEventName.REQUESTED, "U0REQ", reason="stale"),
        event(
            2,
            AuditEventName.SUCCEEDED,
            "system",
            summary="Cancel accepted for 3 devices",
            vendor_request_ids=["38F3-A", "38F3-B"],
            counts={"done": 3},
        ),
    ]
    message = status_message(
        record(state=RequestState.SUCCEEDED), events, approvers=Approvers(needed=1, anyone=True)
    )
    assert (
        "*succeeded* by opsgate · summary: Cancel accepted for 3 devices; "
        "vendor request ids: 38F3-A, 38F3-B" in valid(message)
    )


def test_status_of_pending_and_executing_and_a_long_timeline() -> None:
    assert "waiting for approvals" in valid(
        status_message(record(), [], approvers=Approvers(needed=1, anyone=True))
    )
    executing = record(state=RequestState.EXECUTING)
    assert "Executing…" in valid(
        status_message(executing, [], approvers=Approvers(needed=1, anyone=True))
    )
    events = [event(i, AuditEventName.APPROVED, "U0BOB", message="m" * 500) for i in range(500)]
    broken = event(0, AuditEventName.DENIED, "U0REQ").model_copy(update={"at": "yesterday"})
    valid(status_message(record(), [broken, *events], approvers=Approvers(needed=1, anyone=True)))


def test_status_of_a_pending_request_says_in_which_channel_its_card_waits() -> None:
    """`/ops status` has no buttons and may be asked anywhere (an approver reads any request
    they may approve): "waiting for approvals" must say where the card to click is."""
    anyone = Approvers(needed=1, anyone=True)
    posted = record(channel="C0OTHER", message_ts="1700000000.000100")
    assert "waiting for approvals on its card in <#C0OTHER>" in valid(
        status_message(posted, [], approvers=anyone)
    )
    # Not posted (yet): no card to point at.
    assert "on its card" not in valid(status_message(record(), [], approvers=anyone))
    # Under `approvals = 0` nobody approves: the requester confirms it.
    alone = record(approvals_needed=0, message_ts="1700000000.000100")
    assert "waiting for the requester's confirmation on its card in <#C0OPS>" in valid(
        status_message(alone, [], approvers=Approvers(needed=0))
    )


def test_home_view_is_a_valid_home_tab() -> None:
    mine, waiting = record(), record(id="R-WAIT0001", state=RequestState.PENDING)
    view = home_view(HomeContent(waiting=[waiting], yours=[mine], operations=[ENTRY]))
    assert view["type"] == "home"
    assert block_problems(view["blocks"], limit=100) == []
    text = json.dumps(view)
    assert "R-AAAA1111" in text and "enos.ota-job.delete" in text
    approve, reject = next(
        b["elements"] for b in view["blocks"] if b.get("block_id") == "home:R-WAIT0001"
    )
    assert (approve["action_id"], approve["value"]) == ("opsgate_home_approve", "R-WAIT0001")
    assert approve["style"] == "danger" and "confirm" in approve
    assert (reject["action_id"], reject["value"]) == ("opsgate_home_reject", "R-WAIT0001")
    assert "Break-glass runs awaiting review" not in text  # only approvers see the list
    many = [record(id=f"R-{i}", state=RequestState.PENDING) for i in range(2000)]
    big = home_view(HomeContent(waiting=many, yours=many, operations=[ENTRY] * 200, approver=True))
    assert len(big["blocks"]) <= 100
    assert block_problems(big["blocks"], limit=100) == []
    empty = json.dumps(home_view(HomeContent(approver=True)))
    assert "You have made no requests yet." in empty and "ask an admin" in empty
    assert "Nothing is waiting for your approval." in empty
    assert "None awaiting review." in empty


def test_home_view_marks_a_sandboxed_request_as_its_card_does() -> None:
    sandboxed = record(id="R-SAND0001", sandbox=True)
    real = record(id="R-REAL0001")
    view = home_view(HomeContent(waiting=[sandboxed, real]))
    lines = {
        rid: next(b["text"]["text"] for b in view["blocks"] if rid in json.dumps(b))
        for rid in ("R-SAND0001", "R-REAL0001")
    }
    assert ":test_tube: *SANDBOX*" in lines["R-SAND0001"]
    assert "SANDBOX" not in lines["R-REAL0001"]


def test_every_list_of_app_home_and_history_marks_a_sandboxed_request() -> None:
    """ "Your requests" and "Break-glass runs awaiting review" lacked the mark "Waiting for
    you" shows (the README: marked SANDBOX on every card and in App Home)."""
    ran = {"state": RequestState.SUCCEEDED, "outcome": {"summary": "Deleted"}}
    glass = {**ran, "break_glass": "INC-7", "review_due_at": NOW + timedelta(hours=24)}
    sandboxed, real = record(id="R-SAND0001", sandbox=True), record(id="R-REAL0001")
    content = HomeContent(
        yours=[sandboxed, real],
        approver=True,
        unreviewed=[
            record(id="R-SAND0002", sandbox=True, **glass),
            record(id="R-REAL0002", **glass),
        ],
    )
    for shown in (lines(home_view(content)), lines(history_message([sandboxed, real]))):
        listed = [line for line in shown if "`R-SAND" in line or "`R-REAL" in line]
        assert len(listed) >= 2
        assert all(("SANDBOX" in line) == ("`R-SAND" in line) for line in listed)
    assert any(":test_tube: *SANDBOX* `R-SAND0002`" in line for line in lines(home_view(content)))


def test_requester_notice_names_approvers() -> None:
    rejected = record(state=RequestState.REJECTED, approvers=("U0BOB",), outcome={"by": "U0CAT"})
    text = valid(requester_notice(rejected))
    assert "*Rejected* by <@U0CAT>" in text
    assert "Approved by: <@U0BOB>" in text


def blocked_record(**changes: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "id": "R-7K3F9QW2",
        "operation": "enos.ota-job.delete",
        "vendor": "enos",
        "targets": ("job-1",),
        "requester": "U0REQ",
        "channel": "C0OPS",
        "state": RequestState.DENIED,
        "approvals_needed": 0,
        "created_at": NOW,
        "expires_at": NOW,
        "preview": Preview(summary="job 1: started", blocked=Blocker(message="running")),
    }
    return RequestRecord(**(base | changes))


def test_a_blocked_request_without_a_command_to_copy_says_how_to_force_it() -> None:
    for command in ("", "/ops " + "x" * 3000):
        text = valid(blocked_message(blocked_record(), command_text=command))
        assert "run the same command again with `--force` added at the end" in text
        assert "x" * 3000 not in text
    text = valid(blocked_message(blocked_record(sandbox=True), command_text="/ops enos ..."))
    assert "SANDBOX" in text and "```/ops enos ... --force```" in text
    assert "(vendor code" not in text  # this blocker has no vendor code, so none is shown


def test_a_blocked_command_too_long_once_escaped_is_described_not_cut() -> None:
    """A command under the length shown whole, whose reason's ``&``s escape to ``&amp;``: its
    code block outgrew the section, whose clip cut the closing fence and the command to copy."""
    command = "/ops enos ota-job delete job-1 --org o1 --reason " + "&" * 500 + " " + "x" * 1900
    text = valid(blocked_message(blocked_record(), command_text=command))
    assert "run the same command again with `--force` added at the end" in text


def test_a_blocked_requests_notification_names_the_vendor_code_as_written() -> None:
    locked = Preview(summary="w-9", blocked=Blocker(message="locked", code="widget_locked"))
    message = blocked_message(blocked_record(preview=locked), command_text="/ops …")
    assert message.text.endswith("the vendor will refuse (widget_locked)")
    assert not any(ch in message.text for ch in "\u200b\u200c\u200d\u2060")


def test_a_blocked_preview_of_a_target_not_found_says_why_once() -> None:
    said = "device dev-9: the device does not exist"
    missing = Preview(summary=said, found=False, blocked=Blocker(message=said, code="100403"))
    text = valid(blocked_message(blocked_record(preview=missing), command_text="/ops …"))
    assert text.count("the device does not exist") == 1
    assert ":grey_question: not found" in text
    # A summary that says something else is still shown after the marker.
    other = missing.model_copy(update={"summary": "dev-9: no such device under app a1"})
    text = valid(blocked_message(blocked_record(preview=other), command_text="/ops …"))
    assert ":grey_question: not found: dev-9: no such device under app a1" in text
