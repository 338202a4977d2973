"""An allowed Approve click also judges the earlier approvers, as a new click of theirs would be
judged now (`Decision.lapsed`): those who could no longer approve no longer count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cards import mrkdwn
from bot.model import PolicySnapshot, RequestRecord, RequestState
from bot.policy import GroupUnreadable, parse_policy

OP = "huawei.device.delete"
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
LEADS = "S0LEADS"


class Directory:
    def __init__(self, *members: str, unreadable: bool = False) -> None:
        self.members_now = frozenset(members)
        self.unreadable = unreadable

    def members(self, group_id: str) -> frozenset[str]:
        if self.unreadable:
            raise GroupUnreadable(group_id, "ratelimited")
        return self.members_now if group_id == LEADS else frozenset()

    def outsider(self, user_id: str) -> bool:
        return False


def made_under(table: dict[str, Any], *approvers: str) -> RequestRecord:
    """A request stored with `table`'s rules, approved so far by `approvers`."""
    terms = parse_policy(table).for_operation(OP)
    return RequestRecord(
        id="R-TEST0001",
        operation=OP,
        vendor="huawei",
        targets=("dev1",),
        reason="INC-42",
        requester="U0ALICE",
        channel="COPS",
        state=RequestState.PENDING,
        approvals_needed=terms.approvals,
        approvers=approvers,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
        policy=PolicySnapshot.of(terms),
    )


GROUP = {"approvers": [LEADS], "approvals": 3}


def test_an_earlier_approver_out_of_the_group_has_lapsed() -> None:
    made = made_under(GROUP, "U0BOB", "U0CAROL")
    policy = parse_policy(GROUP)
    decision = policy.check_approval(
        made, user="U0DAVE", channel="C", directory=Directory("U0CAROL", "U0DAVE")
    )
    assert decision.allowed and decision.lapsed == {"U0BOB"}


def test_nobody_lapses_while_every_earlier_approver_may_still_approve() -> None:
    made = made_under(GROUP, "U0BOB", "U0CAROL")
    directory = Directory("U0BOB", "U0CAROL", "U0DAVE")
    decision = parse_policy(GROUP).check_approval(
        made, user="U0DAVE", channel="C", directory=directory
    )
    assert decision.allowed and decision.lapsed == frozenset()


def test_an_earlier_approver_the_current_rules_leave_out_has_lapsed() -> None:
    made = made_under({"approvers": ["U0BOB", "U0CAROL", "U0DAVE"], "approvals": 2}, "U0BOB")
    now = parse_policy({"approvers": ["U0CAROL", "U0DAVE"], "approvals": 2})
    decision = now.check_approval(made, user="U0CAROL", channel="C", directory=Directory())
    assert decision.allowed and decision.lapsed == {"U0BOB"}


def test_a_requester_who_approved_lapses_once_self_approval_is_turned_off() -> None:
    table = {"approvers": ["*"], "approvals": 2, "self_approval": True}
    made = made_under(table, "U0ALICE")
    now = parse_policy({**table, "self_approval": False})
    decision = now.check_approval(made, user="U0BOB", channel="C", directory=Directory())
    assert decision.allowed and decision.lapsed == {"U0ALICE"}


def test_a_group_slack_cannot_read_refuses_the_click_rather_than_count_blindly() -> None:
    made = made_under(GROUP, "U0BOB")
    policy = parse_policy({"approvers": [LEADS, "U0DAVE"], "approvals": 3})
    made = made.model_copy(update={"policy": PolicySnapshot.of(policy.for_operation(OP))})
    decision = policy.check_approval(
        made, user="U0DAVE", channel="C", directory=Directory(unreadable=True)
    )
    assert "could not ask Slack" in mrkdwn(decision.refusal)


def test_an_approver_who_counts_is_refused_when_no_lapsed_approval_can_count_again() -> None:
    # BOB's approval lapsed (out of the group) and he is still out: CAROL, who approved and
    # counts, approves nothing more by clicking again.
    made = made_under(GROUP, "U0BOB", "U0CAROL").model_copy(update={"lapsed": ("U0BOB",)})
    decision = parse_policy(GROUP).check_approval(
        made, user="U0CAROL", channel="C", directory=Directory("U0CAROL", "U0DAVE")
    )
    assert not decision.allowed and decision.refusal is not None
    assert "You already approved" in mrkdwn(decision.refusal)


def test_an_approver_who_counts_may_click_again_when_a_lapsed_approval_can_count() -> None:
    # BOB is back in the group: CAROL's click finds his lapsed approval able to count again.
    made = made_under(GROUP, "U0BOB", "U0CAROL").model_copy(update={"lapsed": ("U0BOB",)})
    decision = parse_policy(GROUP).check_approval(
        made, user="U0CAROL", channel="C", directory=Directory("U0BOB", "U0CAROL")
    )
    assert decision.allowed and decision.lapsed == frozenset()
