"""What incidents add to cards: BREAK-GLASS and its review, Stop while a multi-call run is
executing, the approvers' mention (or not), and the reminder and announcement messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from block_kit import block_problems

from adapters.base import FailureKind, ItemFailure, Outcome
from bot.cards import REVIEW_ACTION, STOP_ACTION, CardFacts, Message, request_card
from bot.cards.history import unreviewed_message
from bot.cards.incident import reminder_message, review_announcement
from bot.model import Approvers, Group, PolicySnapshot, RequestRecord, RequestState, User

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
APPROVERS = Approvers(needed=1, named=(Group("S0LEADS"), User("U0CAROL")))
S = RequestState


def snapshot(**changes: Any) -> PolicySnapshot:
    terms: dict[str, Any] = {
        "approvals": 1,
        "approvers": ("S0LEADS", "U0CAROL"),
        "self_approval": False,
        "ttl_seconds": 1800,
    }
    return PolicySnapshot(**{**terms, **changes})


def record(**changes: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "id": "R-7K3F9QW2",
        "operation": "aliyun.ota-task.cancel",
        "vendor": "aliyun",
        "targets": tuple(f"thermo-{i:04d}" for i in range(1050)),
        "reason": "bad firmware",
        "requester": "U0ALICE",
        "channel": "C0OPS",
        "state": S.PENDING,
        "approvals_needed": 1,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
        "policy": snapshot(),
    }
    return RequestRecord(**{**base, **changes})


def glass(**changes: Any) -> RequestRecord:
    incident: dict[str, Any] = {
        "state": S.EXECUTING,
        "break_glass": "INC-42 <!channel> *fleet*",
        "review_due_at": NOW + timedelta(hours=24),
    }
    return record(**{**incident, **changes})


def card(rec: RequestRecord, calls: int = 6) -> Message:
    message = request_card(rec, approvers=APPROVERS, now=NOW, facts=CardFacts(calls=calls))
    assert block_problems(message.blocks) == []
    return message


def text(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def action_ids(message: Message) -> list[str]:
    return [
        element["action_id"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_a_break_glass_card_is_marked_and_says_its_incident_escaped() -> None:
    shown = text(card(glass()))
    assert "[BREAK-GLASS]" in card(glass()).blocks[0]["text"]["text"]
    assert "*BREAK-GLASS* for incident `INC-42 &lt;!channel&gt; *fleet*`" in shown
    assert "<!channel>" not in shown  # the incident ref is inert
    assert "None: run with break-glass" in shown
    assert "Review needed" in shown


def test_stop_shows_while_a_multi_call_run_executes_until_asked() -> None:
    assert action_ids(card(record(state=S.EXECUTING))) == [STOP_ACTION]
    assert action_ids(card(record(state=S.EXECUTING), calls=1)) == []
    asked = card(record(state=S.EXECUTING, stop_requested_by="U0BOB"))
    assert action_ids(asked) == []
    assert "*Stop requested* by <@U0BOB>" in text(asked)
    [stop] = [b for b in card(record(state=S.EXECUTING)).blocks if b["type"] == "actions"]
    assert stop["elements"][0]["confirm"]["confirm"]["text"] == "Stop"


def test_mark_reviewed_shows_once_a_break_glass_run_has_ended_until_reviewed() -> None:
    assert action_ids(card(glass())) == [STOP_ACTION]  # running: review it after
    for state in (S.SUCCEEDED, S.FAILED, S.UNKNOWN, S.STOPPED):
        # (failed and stopped cards also offer Request again)
        assert action_ids(card(glass(state=state, outcome={})))[0] == REVIEW_ACTION
    done = card(glass(state=S.SUCCEEDED, outcome={}, reviewed_by="U0BOB", reviewed_at=NOW))
    assert action_ids(done) == [] and "*Reviewed* by <@U0BOB>" in text(done)
    stopped = card(glass(state=S.STOPPED, outcome={}, reviewed_by="U0BOB", reviewed_at=NOW))
    assert REVIEW_ACTION not in action_ids(stopped)


def test_an_overdue_review_says_so() -> None:
    late = glass(state=S.SUCCEEDED, outcome={}, review_due_at=NOW - timedelta(minutes=1))
    assert "(overdue)" in text(card(late))


def test_a_pending_card_mentions_users_and_groups_for_slack_to_notify() -> None:
    message = card(record())
    assert message.text.endswith(":bell: Your approval is needed: <!subteam^S0LEADS>, <@U0CAROL>")
    assert "Your approval is needed" in json.dumps(message.blocks[1])


def test_nothing_is_asked_of_the_approvers_once_it_is_decided_or_anyone_approves() -> None:
    assert "your approval" not in text(card(record(state=S.SUCCEEDED, outcome={})))
    anyone = snapshot(approvers=("*",))
    assert ":bell:" not in text(card(record(policy=anyone)))


def test_notify_approvers_false_names_them_without_a_mention() -> None:
    quiet = snapshot(notify_approvers=False)
    for rec in (record(policy=quiet), glass(policy=quiet)):
        shown = text(card(rec))
        assert "<!subteam^" not in shown and "<@U0CAROL>" not in shown
        assert "user group `S0LEADS`, user `U0CAROL`" in shown


def test_the_reminder_and_the_announcement_name_the_request_and_the_approvers() -> None:
    reminder = reminder_message(record(), APPROVERS)
    said = text(reminder)
    assert '"text": ":bell: `R-7K3F9QW2` (' in said
    assert "Approvers: <!subteam^S0LEADS>, <@U0CAROL>" in said
    assert "still needs 1 more approval" in said
    # It stays in the thread as time passes: when the request expires, not how long is left.
    assert "It expires <!date^" in said and "(in " not in said
    assert block_problems(reminder.blocks) == []

    announced = review_announcement(glass(state=S.SUCCEEDED), APPROVERS)
    said = text(announced)
    assert "is not reviewed yet" in said and "`/ops status R-7K3F9QW2`" in said
    assert "<!channel>" not in said and block_problems(announced.blocks) == []


@pytest.mark.parametrize("quiet", [True, False])
def test_the_reminder_mentions_only_when_the_policy_lets_it(quiet: bool) -> None:
    rec = record(policy=snapshot(notify_approvers=not quiet))
    said = text(reminder_message(rec, APPROVERS))
    assert ("<!subteam^S0LEADS>" in said) is not quiet


def test_the_unreviewed_list_shows_incident_and_deadline() -> None:
    late = glass(state=S.SUCCEEDED, review_due_at=NOW - timedelta(hours=1))
    shown = text(unreviewed_message([late], now=NOW))
    assert "R-7K3F9QW2" in shown and "incident `INC-42" in shown and "(overdue)" in shown
    assert "Nothing awaits review" in text(unreviewed_message([], now=NOW))


def test_the_unreviewed_list_past_the_most_listed_does_not_promise_to_list_them_all() -> None:
    """150 await review and `--limit` lists at most 100: the suggested command lists the first
    100, and the reply says so rather than that it lists them."""
    late = glass(state=S.SUCCEEDED, review_due_at=NOW - timedelta(hours=1))
    shown = text(unreviewed_message([late], now=NOW, total=150))
    assert "149 more awaiting review" in shown
    assert "`/ops history --unreviewed --limit 100` lists the first 100" in shown


def test_a_stopped_card_names_the_stopper_and_counts_what_was_never_sent() -> None:
    devices = record().targets
    unsent = [
        ItemFailure(
            targets=devices[i : i + 200],
            kind=FailureKind.NOT_SENT,
            message="the run was stopped (Stop) before this batch went out",
        )
        for i in range(400, 1050, 200)
    ]
    outcome = Outcome(
        summary="Cancel accepted for 400 of 1,050 devices",
        total=1050,
        failures=tuple(unsent),
        succeeded_as="accepted",
    )
    stopped = record(state=S.STOPPED, outcome=outcome, stop_requested_by="U0BOB")
    shown = text(card(stopped))
    assert "Stopped by <@U0BOB>" in shown
    assert "400 of 1,050 accepted; 650 not sent (4 batches: never sent)" in shown
    assert shown.count("the run was stopped") == 1  # one line for the four unsent batches
    assert "650 targets in 4 batches" in shown
    assert action_ids(card(stopped)) == ["opsgate_request_again"]


@pytest.mark.parametrize(
    ("stopper", "who"), [("U0CAROL", "<@U0CAROL>"), ("system", "opsgate, as it shut down")]
)
def test_a_stop_that_came_after_every_call_had_gone_out_is_said_on_the_ended_card(
    stopper: str, who: str
) -> None:
    """Stop pressed while the last calls were already out: the run ends as it would have
    (succeeded), and the card says why the one who pressed Stop sees no "Stopped"."""
    outcome = Outcome(summary="Cancel accepted for 3,000 devices", total=3000)
    ended = record(state=S.SUCCEEDED, outcome=outcome, stop_requested_by=stopper)
    shown = text(card(ended))
    assert (
        f":octagonal_sign: Stop came from {who} after every vendor call had gone out: "
        "the run ended as it would have."
    ) in shown
    assert "Stop came" not in text(card(record(state=S.SUCCEEDED, outcome=outcome)))


def test_the_card_never_calls_on_the_requester_or_says_they_may_count_when_they_cannot() -> None:
    users = snapshot(approvers=("U0ALICE", "U0BOB"), self_approval=True)
    card = text(request_card(record(policy=users), approvers=APPROVERS))
    assert ":bell: Your approval is needed: <@U0BOB>" in card  # not "<@U0ALICE>, <@U0BOB>"
    others = snapshot(approvers=("U0BOB", "U0CAROL"), self_approval=True)
    card = text(request_card(record(policy=others), approvers=APPROVERS))
    assert "<@U0BOB>, <@U0CAROL>" in card and "the requester may count" not in card


def test_a_long_approver_list_never_costs_the_words_or_the_group() -> None:
    """300 users listed before a group: what Slack's limits cut is single users at the end,
    never the sentence or the group's mention (which notifies its members)."""
    many = (*(f"U{n:010d}" for n in range(300)), "S0OPSLEADS")
    policy = snapshot(approvers=many)
    approvers = Approvers(
        needed=1, named=(*(User(f"U{n:010d}") for n in range(300)), Group("S0OPSLEADS"))
    )
    posted = card(record(policy=policy))
    bell = next(b for b in json.dumps(posted.blocks).split('"text": "') if ":bell:" in b)
    for said in (posted.text, bell):
        assert ":bell: Your approval is needed: <!subteam^S0OPSLEADS>, <@U0000000000>" in said
    reminder = text(reminder_message(record(policy=policy), approvers))
    assert "still needs 1 more approval" in reminder
    assert "Approvers: <!subteam^S0OPSLEADS>" in reminder
    glass_run = glass(state=S.SUCCEEDED, policy=policy)
    announced = text(review_announcement(glass_run, approvers))
    assert "press *Mark reviewed*" in announced and "Approvers: <!subteam^S0OPSLEADS>" in announced
    for message in (posted, reminder_message(record(policy=policy), approvers)):
        assert block_problems(message.blocks) == []


def test_the_reminder_mentions_no_named_approver_who_approved_already_nor_the_requester() -> None:
    """At half the ttl only those still to approve are reminded: a named user who approved
    (and the requester) is not mentioned again, so Slack does not notify them for nothing."""
    named = Approvers(needed=2, named=(User("U0BOB"), User("U0CAROL"), User("U0ALICE")))
    terms = snapshot(approvals=2, approvers=("U0BOB", "U0CAROL", "U0ALICE"))
    pending = record(policy=terms, approvals_needed=2, approvers=("U0BOB",))
    said = text(reminder_message(pending, named))

    assert "still needs 1 more approval" in said
    assert 'Approvers: <@U0CAROL>"' in said  # the whole list: neither Bob nor Alice
    assert "U0BOB" not in said and "Approved already" not in said


def test_a_reminder_to_a_user_group_says_who_approved_already_without_mentioning_them() -> None:
    """A group mention cannot leave out a member who approved: the reminder says who did,
    named without a mention (which would notify them), so they know it is not for them."""
    pending = record(policy=snapshot(approvals=2), approvals_needed=2, approvers=("U0CAROL",))
    said = text(reminder_message(pending, APPROVERS))

    assert "Approvers: <!subteam^S0LEADS>" in said and "<@U0CAROL>" not in said
    assert "Approved already: user `U0CAROL`." in said
