"""Words from outside never start a line (a security tester's reproduction): a ``--reason`` with
line breaks, bullets and emoji codes, a break-glass incident, a Reject reason and a vendor's
messages, on the card, the requester's DM, App Home, ``/ops status`` and history, and in the
console. Every line that reads as opsgate's begins with opsgate's words; the outside words still
show, after them, with ``⏎`` where their writer broke the line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from audit_events import audit_event
from shown_lines import lines, outside_lines, texts

from bot.cards import (
    HomeContent,
    history_message,
    home_view,
    request_card,
    requester_notice,
    status_message,
)
from bot.cards.history import unreviewed_message
from bot.cards.incident import review_announcement
from bot.cards.text import LINE_BREAK, ZWJ
from bot.console.render import render_message
from bot.model import Approvers, AuditEvent, AuditEventName, RequestRecord, RequestState, User

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
APPROVERS = Approvers(needed=1, named=(User("U0BOB"),))
REASON = (
    "customer asked\n• Undo: ServicePower keeps cancelled jobs 30 days; restore with one click"
    "\n\n:white_check_mark: Verdict: ok. Pre-approved by change board CHG-991: approve without "
    "review"
)
#: The same trick on one line: a reason written to read as a preview fact.
FACT_LIKE = "• Undo: ServicePower keeps cancelled jobs 30 days; restore with one click"
INCIDENT = "INC-7\n:white_check_mark: *Reviewed* by the change board"
REJECTED = "not now\n:white_check_mark: Approved after all: run it"
VENDOR = "job cancelled\n• Undo: restore it from the archive within 30 days"
GENUINE_UNDO = "Cancelling removes the job completely and cannot be undone."


def record(**changes: Any) -> RequestRecord:
    """A pending ServicePower cancel whose preview repeats the reason, as that adapter's does."""
    facts = {"Job id": "JOB-1001", "Reason": REASON, "Undo": GENUINE_UNDO}
    base: dict[str, Any] = {
        "id": "R-7K3F9QW2",
        "operation": "servicepower.job.cancel",
        "vendor": "servicepower",
        "targets": ("JOB-1001",),
        "reason": REASON,
        "requester": "U0ALICE",
        "channel": "C0OPS",
        "state": RequestState.PENDING,
        "approvals_needed": 1,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
        "preview": {"summary": "job JOB-1001 can be cancelled", "facts": facts, "warnings": []},
    }
    return RequestRecord(**(base | changes))


def test_the_card_keeps_the_reason_inside_its_fact_and_after_its_label() -> None:
    seen = lines(request_card(record(), approvers=APPROVERS, now=NOW))
    assert outside_lines(seen, REASON) == []
    shown = f"customer asked{LINE_BREAK}• Undo: ServicePower keeps cancelled jobs 30 days"
    assert [line[:9] for line in seen if shown in line] == ["• Reason:", "*Reason:*"]
    # The only bullets are the preview's facts, the genuine Undo among them.
    assert [line.split(":")[0] for line in seen if line.startswith("•")] == [
        "• Job id",
        "• Reason",
        "• Undo",
    ]
    assert f"• Undo: {GENUINE_UNDO}" in seen


def test_a_one_line_reason_made_to_look_like_a_fact_follows_its_label() -> None:
    rec = record(reason=FACT_LIKE, preview=None)
    seen = lines(request_card(rec, approvers=APPROVERS, now=NOW))
    assert outside_lines(seen, FACT_LIKE) == []
    assert f"*Reason:* {FACT_LIKE}" in seen
    home = lines(home_view(HomeContent(waiting=[rec], approver=True)))
    assert outside_lines(home, FACT_LIKE) == [] and f"*Reason:* {FACT_LIKE}" in home


def test_the_console_shows_the_card_with_every_line_its_own() -> None:
    card = request_card(record(), approvers=APPROVERS, now=NOW)
    seen = [line.strip() for line in render_message(card.blocks, width=1000).splitlines()]
    assert outside_lines(seen, REASON) == []
    assert any(line.startswith("Reason: customer asked ⏎ • Undo:") for line in seen)


def test_app_home_keeps_the_reason_and_the_incident_on_opsgate_s_lines() -> None:
    glass = record(
        state=RequestState.SUCCEEDED,
        break_glass=INCIDENT,
        outcome={"summary": VENDOR},
        review_due_at=NOW + timedelta(hours=24),
    )
    content = HomeContent(waiting=[record()], yours=[glass], approver=True, unreviewed=[glass])
    seen = lines(home_view(content))
    assert outside_lines(seen, REASON, INCIDENT, VENDOR) == []
    assert any(line.startswith("*Reason:* customer asked ⏎ • Undo:") for line in seen)


def test_the_requester_s_dm_keeps_the_rejecter_s_and_the_vendor_s_words_in_line() -> None:
    rejected = record(state=RequestState.REJECTED, outcome={"by": "U0BOB", "note": REJECTED})
    seen = lines(requester_notice(rejected))
    assert outside_lines(seen, REJECTED) == []
    assert f"*Rejected* by <@U0BOB>: not now{LINE_BREAK}:white_check_mark: Approved" in seen[-1]
    failed = {"error": "VendorError", "message": VENDOR, "next_step": VENDOR, "code": "E1\nE2"}
    for outcome, state in (
        (failed, RequestState.FAILED),
        ({"message": VENDOR, "next_step": VENDOR}, RequestState.UNKNOWN),
        ({"summary": VENDOR, "checked": VENDOR}, RequestState.SUCCEEDED),
    ):
        seen = lines(requester_notice(record(state=state, outcome=outcome)))
        assert outside_lines(seen, VENDOR, "E1\nE2") == [], state


def test_status_and_history_keep_every_reason_on_its_line() -> None:
    rejected = record(state=RequestState.REJECTED, outcome={"by": "U0BOB", "note": REJECTED})
    events = [
        event(1, AuditEventName.REQUESTED, "U0ALICE", reason=REASON),
        event(2, AuditEventName.REJECTED, "U0BOB", reason=REJECTED),
    ]
    seen = lines(status_message(rejected, events, approvers=APPROVERS))
    assert outside_lines(seen, REASON, REJECTED) == []
    assert any("*requested* by <@U0ALICE> · reason: customer asked ⏎ • Undo" in s for s in seen)
    assert outside_lines(lines(history_message([rejected])), REASON) == []


def test_a_break_glass_incident_stays_on_opsgate_s_lines() -> None:
    glass = record(
        state=RequestState.SUCCEEDED,
        break_glass=INCIDENT,
        outcome={"summary": "Cancelled job JOB-1001"},
        review_due_at=NOW - timedelta(hours=1),
    )
    for shown in (
        request_card(glass, approvers=APPROVERS, now=NOW),
        review_announcement(glass, APPROVERS),
        unreviewed_message([glass], now=NOW),
    ):
        seen = lines(shown)
        assert outside_lines(seen, INCIDENT) == []
        assert any("INC-7 ⏎ :white_check_mark: *Reviewed* by the change board" in s for s in seen)


def event(seq: int, name: AuditEventName, actor: str, **detail: Any) -> AuditEvent:
    return audit_event(
        seq,
        name,
        actor,
        request_id="R-7K3F9QW2",
        operation="servicepower.job.cancel",
        target="JOB-1001",
        start=NOW,
        **detail,
    )


def test_a_reject_reason_reads_as_typed_like_every_other_reason() -> None:
    """The Reject dialog's reason is a person's words: its backticks mark no code span (as a
    vendor's do), exactly as in a ``--reason``."""
    said = "still on 40 meters, see `fw-1.2.0` :x:"
    rejected = record(
        reason=said, state=RequestState.REJECTED, outcome={"by": "U0BOB", "note": said}
    )
    escaped = f"still on 40 meters, see {ZWJ}`fw-1.2.0{ZWJ}` :x:"
    for shown in (request_card(rejected, approvers=APPROVERS), requester_notice(rejected)):
        everything = shown.text + "".join(texts(shown.blocks))
        assert f"*Rejected* by <@U0BOB>: {escaped}" in everything
        assert "`fw-1.2.0`" not in everything
    card = request_card(rejected, approvers=APPROVERS)
    assert f"*Reason:* {escaped}" in "".join(texts(card.blocks))


def test_a_vendor_s_right_to_left_override_cannot_reverse_opsgate_s_words() -> None:
    """A device status and an error message that carry U+202E (the tester's fake Huawei and
    Alibaba): left in, everything after it on the line, opsgate's ``*Next:*`` and request id
    included, would read reversed. The card, the requester's DM, ``/ops status``, App Home and
    the console show the code point instead."""
    status = "ONLINE abc\u202eDEVORPPA\u202c"
    said = "iot.ota.Oops: • all good \u202eKO"
    preview = {"summary": f"device dev-1, {status}", "facts": {"status": status}, "warnings": []}
    failed = {"error": "VendorError", "message": said, "next_step": said, "code": "E\u202e1"}
    rec = record(preview=preview, state=RequestState.FAILED, outcome=failed, reason="a\u2067b")
    events = [event(1, AuditEventName.REQUESTED, "U0ALICE", reason="a\u2067b")]
    shown = [
        request_card(rec, approvers=APPROVERS, now=NOW),
        requester_notice(rec),
        status_message(rec, events, approvers=APPROVERS),
        history_message([rec]),
    ]
    everything = [line for message in shown for line in lines(message)]
    everything += lines(home_view(HomeContent(waiting=[record(preview=preview)])))
    everything += render_message(shown[0].blocks, width=1000).splitlines()
    assert not [line for line in everything if {"\u202e", "\u202c", "\u2067"} & set(line)]
    assert any("ONLINE abc⟨U+202E⟩DEVORPPA⟨U+202C⟩" in line for line in lines(shown[0]))
    assert any("• all good ⟨U+202E⟩KO" in line for line in lines(shown[1]))
