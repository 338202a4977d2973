"""The policy guards destructive operations: every rule, every refusal, every bad key."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.registry import installed_plugins
from bot.cards import mrkdwn
from bot.model import Code, PolicySnapshot, Refusal, RequestRecord, RequestState
from bot.policy import (
    Decision,
    GroupUnreadable,
    OperationPolicy,
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
)
from bot.policy.incident import check_review, check_stop
from bot.settings import load_settings
from commands.model import OperationRequest

#: The installed plugins' operation ids, in help order.
IDS = installed_plugins().catalog.ids

OP = "huawei.device.delete"
OTHERS = (
    "aliyun.ota-task.cancel",
    "enos.ota-job.delete",
    "huawei.package.delete",
    "servicepower.job.cancel",
)
REQUESTER = "UREQ"
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


class FakeDirectory:
    """Our `Directory` protocol, recording every lookup."""

    def __init__(self, groups: dict[str, set[str]] | None = None) -> None:
        self.groups = groups or {}
        self.calls: list[str] = []

    def members(self, group_id: str) -> frozenset[str]:
        self.calls.append(group_id)
        return frozenset(self.groups.get(group_id, set()))

    def outsider(self, user_id: str) -> bool:
        return False


def request(
    *, targets: tuple[str, ...] = ("dev1",), reason: str | None = "INC-42", op: str = OP
) -> OperationRequest:
    return OperationRequest(operation=op, vendor=op.split(".")[0], targets=targets, reason=reason)


def record(*, approvers: tuple[str, ...] = (), needed: int = 1, op: str = OP) -> RequestRecord:
    return RequestRecord(
        id="R-TEST0001",
        operation=op,
        vendor=op.split(".")[0],
        targets=("dev1",),
        reason="INC-42",
        requester=REQUESTER,
        channel="COPS",
        state=RequestState.PENDING,
        approvals_needed=needed,
        approvers=approvers,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
    )


def said(decision: Decision) -> str:
    """The refusal as Slack shows it (mrkdwn), or "" when allowed."""
    return mrkdwn(decision.refusal) if decision.refusal else ""


def refused(decision: Decision, *fragments: str) -> bool:
    return not decision.allowed and all(f in said(decision) for f in fragments)


# -- defaults -------------------------------------------------------------------------------------


def test_default_policy_is_the_documented_one() -> None:
    rules = Policy().for_operation(OP)
    assert rules == OperationPolicy(
        requesters=("*",),
        approvers=("*",),
        approvals=1,
        self_approval=False,
        ttl=timedelta(minutes=30),
        require_reason=True,
        channels=("*",),
        max_targets=None,
    )
    assert parse_policy({}).for_operation("enos.ota-job.delete") == rules


def test_operation_overrides_apply_to_that_operation_only() -> None:
    policy = parse_policy({"approvals": 2, "operations": {OP: {"max_targets": 1, "ttl": "1h30m"}}})
    huawei = policy.for_operation(OP)
    assert (huawei.approvals, huawei.max_targets, huawei.ttl) == (2, 1, timedelta(minutes=90))
    other = policy.for_operation("aliyun.ota-task.cancel")
    assert (other.approvals, other.max_targets, other.ttl) == (2, None, timedelta(minutes=30))


# -- check_request --------------------------------------------------------------------------------


def test_anyone_may_request_by_default_with_a_reason() -> None:
    directory = FakeDirectory()
    decision = Policy().check_request(request(), user="UANY", channel="CANY", directory=directory)
    assert decision == Decision() and decision.allowed and decision.refusal is None
    assert directory.calls == []


def test_non_requester_is_refused_without_a_slack_call() -> None:
    policy = parse_policy({"requesters": ["U1"]})
    directory = FakeDirectory()
    decision = policy.check_request(request(), user="U2", channel="C1", directory=directory)
    assert refused(decision, f"may not request `{OP}`", "<@U1>")
    assert directory.calls == []
    assert policy.check_request(request(), user="U1", channel="C1", directory=directory).allowed


def test_requester_through_a_user_group() -> None:
    policy = parse_policy({"requesters": ["SOPS"]})
    directory = FakeDirectory({"SOPS": {"U2"}})
    assert policy.check_request(request(), user="U2", channel="C1", directory=directory).allowed
    decision = policy.check_request(request(), user="U3", channel="C1", directory=directory)
    assert refused(decision, "<!subteam^SOPS>")
    assert directory.calls == ["SOPS", "SOPS"]


def test_a_named_user_needs_no_group_lookup() -> None:
    policy = parse_policy({"requesters": ["SOPS", "U2"]})
    directory = FakeDirectory()
    assert policy.check_request(request(), user="U2", channel="C1", directory=directory).allowed
    assert directory.calls == []


def test_empty_requesters_means_nobody() -> None:
    policy = parse_policy({"requesters": []})
    decision = policy.check_request(request(), user="U1", channel="C1", directory=FakeDirectory())
    assert said(decision) == (
        "Nobody may request `huawei.device.delete`: the policy turns it off (`requesters = []`)."
    )


def test_empty_channels_says_the_operation_is_turned_off() -> None:
    policy = parse_policy({"channels": []})
    decision = policy.check_request(request(), user="U1", channel="C1", directory=FakeDirectory())
    assert said(decision) == (
        "`huawei.device.delete` cannot be requested in any channel: the policy turns it off "
        "(`channels = []`)."
    )


def test_wrong_channel_is_refused() -> None:
    policy = parse_policy({"channels": ["COPS", "GPRIV"]})
    directory = FakeDirectory()
    decision = policy.check_request(request(), user="U1", channel="CELSE", directory=directory)
    assert refused(decision, "cannot be requested in this channel", "<#COPS>, <#GPRIV>")
    assert policy.check_request(request(), user="U1", channel="GPRIV", directory=directory).allowed


def test_requester_is_checked_before_channel() -> None:
    policy = parse_policy({"requesters": ["U1"], "channels": ["COPS"]})
    decision = policy.check_request(request(), user="U2", channel="CX", directory=FakeDirectory())
    assert refused(decision, "may not request")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_missing_reason_is_refused(reason: str | None) -> None:
    decision = Policy().check_request(
        request(reason=reason), user="U1", channel="C1", directory=FakeDirectory()
    )
    assert refused(decision, "needs a reason", "--reason")


def test_reason_optional_when_the_policy_says_so() -> None:
    policy = parse_policy({"operations": {OP: {"require_reason": False}}})
    decision = policy.check_request(
        request(reason=None), user="U1", channel="C1", directory=FakeDirectory()
    )
    assert decision.allowed


def test_too_many_targets_is_refused() -> None:
    # (no limit of the operation's own: huawei.device.delete itself takes one target)
    policy = parse_policy({"operations": {OP: {"max_targets": 2}}}, operation_ids=(OP,))
    directory = FakeDirectory()
    two = request(targets=("a", "b"))
    three = request(targets=("a", "b", "c"))
    assert policy.check_request(two, user="U1", channel="C1", directory=directory).allowed
    decision = policy.check_request(three, user="U1", channel="C1", directory=directory)
    assert refused(decision, "at most 2 targets per request", "has 3", "split it")
    assert refused(decision, "split it into requests of at most 2")
    one = parse_policy({"operations": {OP: {"max_targets": 1}}}, operation_ids=(OP,))
    decision = one.check_request(two, user="U1", channel="C1", directory=directory)
    assert refused(decision, "at most 1 target per request", "has 2")
    assert "target(s)" not in said(decision)


def test_a_request_that_could_never_be_approved_is_refused_up_front() -> None:
    policy = parse_policy({"approvers": ["U1", "U2"], "approvals": 2})
    directory = FakeDirectory()
    decision = policy.check_request(request(), user="U1", channel="C", directory=directory)
    assert refused(decision, "needs 2 approvals from <@U1>, <@U2>", "could never be approved")
    assert policy.check_request(request(), user="U3", channel="C", directory=directory).allowed
    lax = parse_policy({"approvers": ["U1", "U2"], "approvals": 2, "self_approval": True})
    assert lax.check_request(request(), user="U1", channel="C", directory=directory).allowed
    confirm = parse_policy({"approvers": ["U1"], "approvals": 0})
    assert confirm.check_request(request(), user="U1", channel="C", directory=directory).allowed
    groups = parse_policy({"approvers": ["SLEADS"], "approvals": 3})
    assert groups.check_request(request(), user="U1", channel="C", directory=directory).allowed
    assert directory.calls == []


# -- check_approval -------------------------------------------------------------------------------


def test_anyone_but_the_requester_approves_by_default() -> None:
    directory = FakeDirectory()
    assert Policy().check_approval(record(), user="U1", channel="COPS", directory=directory).allowed
    decision = Policy().check_approval(
        record(), user=REQUESTER, channel="COPS", directory=directory
    )
    assert refused(decision, "You requested `R-TEST0001`, so you cannot approve it")
    assert "anyone but the requester" in said(decision)
    assert directory.calls == []


def test_self_approval_lets_the_requester_count() -> None:
    policy = parse_policy({"self_approval": True})
    decision = policy.check_approval(
        record(), user=REQUESTER, channel="COPS", directory=FakeDirectory()
    )
    assert decision.allowed


def test_self_approval_does_not_make_the_requester_an_approver() -> None:
    policy = parse_policy({"self_approval": True, "approvers": ["SLEADS"]})
    directory = FakeDirectory({"SLEADS": {"U1"}})
    decision = policy.check_approval(record(), user=REQUESTER, channel="COPS", directory=directory)
    assert refused(decision, "may not approve", "<!subteam^SLEADS>")
    assert policy.check_approval(record(), user="U1", channel="COPS", directory=directory).allowed


def test_non_approver_is_refused() -> None:
    policy = parse_policy({"approvers": ["U1", "U2"], "approvals": 2})
    decision = policy.check_approval(
        record(needed=2), user="U3", channel="C", directory=FakeDirectory()
    )
    assert refused(decision, f"may not approve `{OP}`", "2 approvals from <@U1>, <@U2>")


def test_approver_through_a_user_group() -> None:
    policy = parse_policy({"approvers": ["SLEADS"]})
    directory = FakeDirectory({"SLEADS": {"U1"}})
    assert policy.check_approval(record(), user="U1", channel="COPS", directory=directory).allowed
    decision = policy.check_approval(record(), user="U2", channel="COPS", directory=directory)
    assert refused(decision, "may not approve")
    assert directory.calls == ["SLEADS", "SLEADS"]


def test_a_second_approval_by_the_same_user_is_refused() -> None:
    decision = Policy().check_approval(
        record(approvers=("U1",), needed=2), user="U1", channel="COPS", directory=FakeDirectory()
    )
    assert decision == Decision(Refusal("You already approved ", Code("R-TEST0001"), "."))


def test_approval_in_a_channel_outside_the_policy_is_refused() -> None:
    policy = parse_policy({"channels": ["COPS"]})
    directory = FakeDirectory()
    decision = policy.check_approval(record(), user="U1", channel="CELSE", directory=directory)
    assert refused(decision, "may no longer be requested in <#COPS>", "cannot be approved")
    assert policy.check_approval(record(), user="U1", channel="COPS", directory=directory).allowed


def test_approvals_zero_only_the_requester_confirms() -> None:
    policy = parse_policy({"approvals": 0})
    directory = FakeDirectory()
    zero = record(needed=0)
    assert policy.check_approval(zero, user=REQUESTER, channel="C", directory=directory).allowed
    decision = policy.check_approval(zero, user="U1", channel="C", directory=directory)
    assert refused(decision, f"Only the requester, <@{REQUESTER}>, can confirm")
    again = record(needed=0, approvers=(REQUESTER,))
    decision = policy.check_approval(again, user=REQUESTER, channel="C", directory=directory)
    assert decision == Decision(Refusal("You already confirmed ", Code("R-TEST0001"), "."))


def test_a_request_made_under_a_laxer_policy_cannot_be_approved() -> None:
    policy = parse_policy({"approvals": 2})
    decision = policy.check_approval(
        record(needed=1), user="U1", channel="C", directory=FakeDirectory()
    )
    assert refused(
        decision,
        "now needs 2 approvals but",
        "needed 1",
        f"its requester, <@{REQUESTER}>, must withdraw it and request again",
    )
    mine = policy.check_approval(
        record(needed=1), user=REQUESTER, channel="C", directory=FakeDirectory()
    )
    assert said(mine).endswith("was made when it needed 1: withdraw it and request again.")


def test_a_request_made_under_a_stricter_policy_can_still_be_approved() -> None:
    decision = Policy().check_approval(
        record(needed=2), user="U1", channel="C", directory=FakeDirectory()
    )
    assert decision.allowed


def made_under(table: dict[str, Any], *, needed: int | None = None) -> RequestRecord:
    """A request stored with the snapshot of `table`'s rules, as opsgate stores one."""
    rules = parse_policy(table).for_operation(OP)
    return record(needed=rules.approvals if needed is None else needed).model_copy(
        update={"policy": PolicySnapshot.of(rules)}
    )


def test_approvers_widened_since_the_request_let_in_nobody_its_card_left_out() -> None:
    made = made_under({"approvers": ["U0BOB"]})
    now = parse_policy({"approvers": ["*"]})
    directory = FakeDirectory()
    decision = now.check_approval(made, user="U0DAVE", channel="C", directory=directory)
    assert refused(
        decision, "may not approve `R-TEST0001`: it was requested under rules that need", "<@U0BOB>"
    )  # the current rules would let @dave in: the stored ones say who may
    assert now.check_approval(made, user="U0BOB", channel="C", directory=directory).allowed


def test_approvers_narrowed_since_the_request_hold_too() -> None:
    made = made_under({"approvers": ["*"]})
    now = parse_policy({"approvers": ["U0BOB"]})
    decision = now.check_approval(made, user="U0DAVE", channel="C", directory=FakeDirectory())
    assert refused(decision, f"may not approve `{OP}`", "<@U0BOB>")


def test_approvals_lowered_to_zero_since_do_not_let_the_requester_run_it_alone() -> None:
    made = made_under({"approvers": ["SLEADS"]})
    now = parse_policy({"approvals": 0})
    directory = FakeDirectory({"SLEADS": {"U1"}})
    decision = now.check_approval(made, user=REQUESTER, channel="C", directory=directory)
    assert refused(decision, "You requested `R-TEST0001`, so you cannot approve it", "SLEADS")
    assert now.check_approval(made, user="U1", channel="C", directory=directory).allowed


def test_self_approval_allowed_since_does_not_count_the_requester() -> None:
    made = made_under({"approvals": 2}).model_copy(update={"approvers": ("U1",)})
    now = parse_policy({"approvals": 2, "self_approval": True})
    decision = now.check_approval(made, user=REQUESTER, channel="C", directory=FakeDirectory())
    assert refused(decision, "You requested `R-TEST0001`, so you cannot approve it")
    later = parse_policy({"approvals": 0})  # nor does a policy that needs nobody now
    decision = later.check_approval(made, user=REQUESTER, channel="C", directory=FakeDirectory())
    assert refused(decision, "You requested `R-TEST0001`, so you cannot approve it")


def test_a_request_stored_without_its_rules_is_judged_by_the_current_ones() -> None:
    now = parse_policy({"approvers": ["*"]})
    unrecorded = record()
    assert unrecorded.policy is None
    decision = now.check_approval(unrecorded, user="U0DAVE", channel="C", directory=FakeDirectory())
    assert decision.allowed


# -- check_rejection / check_withdrawal -----------------------------------------------------------


def test_approvers_may_reject_others_may_not() -> None:
    policy = parse_policy({"approvers": ["SLEADS", "U1"]})
    directory = FakeDirectory({"SLEADS": {"U2"}})
    assert policy.check_rejection(record(), user="U1", channel="C", directory=directory).allowed
    assert policy.check_rejection(record(), user="U2", channel="C", directory=directory).allowed
    decision = policy.check_rejection(record(), user="U3", channel="C", directory=directory)
    assert refused(decision, f"may not reject `{OP}`", "<!subteam^SLEADS>, <@U1>")


def test_the_requester_withdraws_instead_of_rejecting() -> None:
    decision = Policy().check_rejection(
        record(), user=REQUESTER, channel="C", directory=FakeDirectory()
    )
    assert refused(decision, "use Withdraw")


def test_an_earlier_approver_may_still_reject() -> None:
    decision = Policy().check_rejection(
        record(approvers=("U1",), needed=2), user="U1", channel="C", directory=FakeDirectory()
    )
    assert decision.allowed


def test_rejection_in_a_channel_outside_the_policy_is_refused() -> None:
    policy = parse_policy({"channels": ["COPS"]})
    decision = policy.check_rejection(record(), user="U1", channel="CX", directory=FakeDirectory())
    assert refused(decision, "cannot be approved or rejected")


@pytest.mark.parametrize("channels", [["CNEW"], []])
def test_a_click_after_channels_were_narrowed_names_no_channel_to_use(channels: list[str]) -> None:
    """The card is only where the request was made: no other channel's click could count."""
    policy = parse_policy({"channels": channels})
    decision = policy.check_approval(record(), user="U1", channel="COPS", directory=FakeDirectory())
    assert said(decision) == (
        "`huawei.device.delete` may no longer be requested in <#COPS>, where `R-TEST0001` was "
        "made, so it cannot be approved or rejected: its requester may withdraw it, or leave it "
        "to expire."
    )


@pytest.mark.parametrize("needed", [1, 0])
def test_an_operation_turned_off_since_is_approved_by_nobody(needed: int) -> None:
    """``requesters = []`` turns the operation off: a request made before runs nothing."""
    policy = parse_policy({"requesters": [], "approvals": needed})
    clicker = "U1" if needed else REQUESTER
    decision = policy.check_approval(
        record(needed=needed), user=clicker, channel="COPS", directory=FakeDirectory()
    )
    assert said(decision) == (
        "`huawei.device.delete` is turned off: the policy lets nobody request it "
        "(`requesters = []`), so `R-TEST0001` cannot be approved: its requester may withdraw "
        "it, or leave it to expire."
    )
    rejection = policy.check_rejection(
        record(), user="U1", channel="COPS", directory=FakeDirectory()
    )
    assert rejection.allowed  # rejecting can only stop it


def test_under_approvals_zero_nobody_but_the_requester_rejects() -> None:
    policy = parse_policy({"approvals": 0})
    decision = policy.check_rejection(
        record(needed=0), user="U1", channel="COPS", directory=FakeDirectory()
    )
    assert refused(
        decision, f"needs no approvals: its requester, <@{REQUESTER}>, confirms or withdraws"
    )


def test_only_the_requester_may_withdraw() -> None:
    assert Policy().check_withdrawal(record(), user=REQUESTER).allowed
    decision = Policy().check_withdrawal(record(), user="U1")
    assert refused(decision, f"Only the requester, <@{REQUESTER}>, can withdraw `R-TEST0001`")


# -- operations_for / approvers --------------------------------------------------------------------


def test_operations_for_lists_what_the_user_may_request_here() -> None:
    policy = parse_policy(
        {
            "requesters": ["SOPS"],
            "operations": {
                OP: {"requesters": ["U9"]},
                "enos.ota-job.delete": {"channels": ["COPS"]},
            },
        }
    )
    directory = FakeDirectory({"SOPS": {"U1"}})
    allowed = policy.operations_for(user="U1", channel="CELSE", directory=directory, among=IDS)
    assert allowed == [op for op in IDS if op not in {OP, "enos.ota-job.delete"}]
    assert directory.calls == ["SOPS"]  # asked once, however many operations name the group
    in_ops = policy.operations_for(user="U1", channel="COPS", directory=directory, among=IDS)
    assert "enos.ota-job.delete" in in_ops
    assert policy.operations_for(user="U9", channel="COPS", directory=directory, among=IDS) == [OP]


def test_operations_for_no_channel_means_in_some_channel() -> None:
    """The App Home tab belongs to no channel: a channel-restricted operation still shows."""
    policy = parse_policy({"channels": ["COPS"], "operations": {OP: {"requesters": ["U9"]}}})
    anywhere = policy.operations_for(user="U1", channel=None, directory=FakeDirectory(), among=IDS)
    assert anywhere == [op for op in IDS if op != OP]
    assert (
        policy.operations_for(user="U1", channel="CELSE", directory=FakeDirectory(), among=IDS)
        == []
    )


def test_operations_for_everyone_by_default() -> None:
    everyone = Policy().operations_for(
        user="U1", channel="C1", directory=FakeDirectory(), among=IDS
    )
    assert everyone == list(IDS)


def test_operations_for_keeps_the_order_and_ids_it_is_given() -> None:
    among = ["x.b.c", OP, "a.b.c"]
    given = Policy().operations_for(user="U1", channel="C1", directory=FakeDirectory(), among=among)
    assert given == among


def test_operation_ids_come_from_what_is_installed_unless_given() -> None:
    table = {"operations": {"acme.widget.delete": {"approvals": 2}}}
    with pytest.raises(PolicyError, match="unknown operation"):
        parse_policy(table)
    policy = parse_policy(table, operation_ids=["acme.widget.delete"])
    assert policy.for_operation("acme.widget.delete").approvals == 2
    with pytest.raises(PolicyError, match=r'"huawei\.device\.delete": unknown operation'):
        parse_policy({"operations": {OP: {}}}, operation_ids=["acme.widget.delete"])


@pytest.mark.parametrize(
    ("table", "text"),
    [
        ({}, "1 approval from anyone but the requester"),
        ({"self_approval": True}, "1 approval from anyone"),
        ({"approvals": 0}, "the requester confirms alone"),
        (
            {"approvers": ["S0123OPSLEADS", "U123"], "approvals": 2},
            "2 approvals from <!subteam^S0123OPSLEADS>, <@U123>",
        ),
        (
            {"approvers": ["U123"], "self_approval": True},
            "1 approval from <@U123> (the requester may count)",
        ),
    ],
)
def test_who_may_approve_renders_as_the_cards_show_it(table: dict[str, Any], text: str) -> None:
    assert mrkdwn([parse_policy(table).approvers(OP)]) == text


# -- parsing: valid values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ttl", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_ttl_forms(ttl: str, expected: timedelta) -> None:
    assert parse_policy({"ttl": ttl}).for_operation(OP).ttl == expected


def test_approvals_zero_needs_no_approvers() -> None:
    assert parse_policy({"approvals": 0, "approvers": []}).for_operation(OP).approvals == 0


def test_operation_policy_accepts_a_timedelta_directly() -> None:
    assert OperationPolicy(ttl=timedelta(hours=1)).ttl == timedelta(hours=1)


# -- parsing: every invalid key is named ----------------------------------------------------------

Q = f'policy.operations."{OP}"'
BAD_ID = 'is not a user id (U…/W…), a user group id (S…) or "*"'


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"approvals": -1}, "policy.approvals: must be at least 0"),
        ({"operations": {OP: {"approvals": -1}}}, f"{Q}.approvals: must be at least 0"),
        ({"max_targets": 0}, "policy.max_targets: must be at least 1"),
        ({"operations": {OP: {"max_targets": -5}}}, f"{Q}.max_targets: must be at least 1"),
        ({"bogus": 1}, "policy.bogus: unknown key"),
        (
            {"operations": {OP: {"approver": ["U1"]}}},
            f"{Q}.approver: unknown key; did you mean {Q}.approvers?",
        ),
        ({"maxtargets": 5}, "policy.maxtargets: unknown key; did you mean policy.max_targets?"),
        (
            {"operations": {"huawei.device.delet": {}}},
            'policy.operations."huawei.device.delet": unknown operation; '
            'did you mean "huawei.device.delete"?',
        ),
        (
            {"operations": {"zzz.yyy.xxx": {}}},
            'policy.operations."zzz.yyy.xxx": unknown operation; known: ' + ", ".join(IDS),
        ),
        (
            {"operations": {"huawei": {"device": {"delete": {}}}}},
            'policy.operations."huawei": unknown operation; quote the operation id',
        ),
        ({"approvals": "2"}, "policy.approvals: must be an integer"),
        ({"approvals": True}, "policy.approvals: must be an integer"),
        ({"operations": {OP: {"max_targets": 1.5}}}, f"{Q}.max_targets: must be an integer"),
        ({"self_approval": 1}, "policy.self_approval: must be true or false"),
        ({"require_reason": "yes"}, "policy.require_reason: must be true or false"),
        ({"requesters": "U1"}, "policy.requesters: must be a list"),
        ({"approvers": [7]}, "policy.approvers[0]: must be a string"),
        ({"operations": []}, "policy.operations: must be a table"),
        ({"operations": {OP: "strict"}}, f"{Q}: must be a table"),
        ({"requesters": ["U1", "bob"]}, f"policy.requesters[1]: 'bob' {BAD_ID}"),
        ({"requesters": ["u123"]}, f"policy.requesters[0]: 'u123' {BAD_ID}"),
        ({"operations": {OP: {"approvers": ["C123"]}}}, f"{Q}.approvers[0]: 'C123' {BAD_ID}"),
        (
            {"channels": ["U123"]},
            "policy.channels[0]: 'U123' is not a channel id (C…/G…/D…) or \"*\"",
        ),
        ({"ttl": "0m"}, "policy.ttl: must be positive"),
        ({"ttl": "30x"}, 'policy.ttl: must be a duration such as "30m", "2h"'),
        ({"ttl": "1h30"}, 'policy.ttl: must be a duration such as "30m"'),
        ({"ttl": ""}, 'policy.ttl: must be a duration such as "30m"'),
        ({"ttl": 30}, 'policy.ttl: must be a duration such as "30m"'),
        ({"operations": {OP: {"ttl": "-5m"}}}, f'{Q}.ttl: must be a duration such as "30m"'),
        ({"ttl": "999999999999d"}, "policy.ttl: is too long"),
        # Deadlines this far off do not fit a date: every request would fail as it is made.
        ({"ttl": "9999999d"}, 'policy.ttl: is too long: at most a year ("365d")'),
        ({"ttl": "366d"}, "policy.ttl: is too long"),
        ({"operations": {OP: {"review_within": "400d"}}}, f"{Q}.review_within: is too long"),
        ({"approvals": 10**22}, "policy.approvals: must be at most 100"),
        ({"operations": {OP: {"approvals": 101}}}, f"{Q}.approvals: must be at most 100"),
        ({"max_targets": 10**22}, "policy.max_targets: must be at most 1000000"),
        ({"approvers": []}, "policy.approvers: must not be empty when approvals >= 1"),
        (
            {"approvers": ["U1", "U1"], "approvals": 2},
            "policy.approvers: lists 1 user but approvals is 2",
        ),
        (
            {"approvers": ["U1"], "operations": {OP: {"approvals": 2}}},
            f"{Q}.approvers: lists 1 user but approvals is 2",
        ),
    ],
)
def test_invalid_policy_names_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(table)
    assert caught.value.problems[0].startswith(message), caught.value.problems


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"requesters": ["U1"], "approvers": ["U1"]},
            "policy.approvers: could never be approved for aliyun.ota-task.cancel, "
            "enos.ota-job.delete, huawei.package.delete, huawei.device.delete, "
            "servicepower.job.cancel: approvals is 1 and self_approval is false, but no "
            "requester (U1) has 1 approver other than themselves among U1",
        ),
        (  # the defaults are the rules of the operations without a table of their own
            {"requesters": ["U1"], "approvers": ["U1"], "operations": {OP: {"approvers": ["*"]}}},
            "policy.approvers: could never be approved for aliyun.ota-task.cancel, "
            "enos.ota-job.delete, huawei.package.delete, servicepower.job.cancel: ",
        ),
        (
            {"operations": {OP: {"requesters": ["U1"], "approvers": ["U1"]}}},
            f"{Q}.approvers: could never be approved",
        ),
        (  # every operation has a table; only the one that inherits the defaults is named
            {
                "requesters": ["U1"],
                "approvers": ["U1"],
                "operations": {
                    OP: {"max_targets": 1},
                    **{op: {"requesters": ["U2"]} for op in OTHERS},
                },
            },
            f"{Q}.approvers: could never be approved",
        ),
        (
            {"requesters": ["U1", "U2"], "approvers": ["U1", "U2"], "approvals": 2},
            "policy.approvers: could never be approved for aliyun.ota-task.cancel, ",
        ),
        (
            {"requesters": ["U1"], "approvers": ["U1", "U2"], "operations": {OP: {"approvals": 2}}},
            f"{Q}.approvers: could never be approved",
        ),
    ],
)
def test_a_policy_nobody_could_ever_approve_stops_start_up(
    table: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(table)
    assert caught.value.problems[0].startswith(message), caught.value.problems


@pytest.mark.parametrize(
    "table",
    [
        {"requesters": ["U1", "U2"], "approvers": ["U1", "U2"]},  # each approves the other
        {"requesters": ["U1"], "approvers": ["U1"], "self_approval": True},
        {"requesters": ["U1"], "approvers": ["U1"], "approvals": 0},  # confirms alone
        {"requesters": ["U1"], "approvers": ["SLEADS"]},  # a group may hold someone else
        {"requesters": ["*"], "approvers": ["U1"]},  # anyone else may request
        {"requesters": ["SOPS"], "approvers": ["U1"]},
        {"requesters": [], "approvers": ["U1"]},  # nobody may request: disabled, not broken
        {"requesters": ["U1", "U2"], "approvers": ["U1"]},  # U2's requests can be approved
    ],
)
def test_a_policy_someone_could_approve_loads(table: dict[str, Any]) -> None:
    assert parse_policy(table).for_operation(OP).approvers == tuple(table["approvers"])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (  # the only approver is the only one who may break glass, and may approve themselves
            {
                "requesters": ["U0ALICE"],
                "approvers": ["U0ALICE"],
                "self_approval": True,
                "break_glass": ["U0ALICE"],
            },
            "policy.break_glass: a break-glass run by U0ALICE could never be reviewed for "
            "aliyun.ota-task.cancel, ",
        ),
        (  # nobody approves: the requester confirms alone, and nobody could review
            {"approvals": 0, "approvers": [], "break_glass": ["SONCALL"]},
            "policy.break_glass: a break-glass run by SONCALL could never be reviewed",
        ),
        (
            {"operations": {OP: {"approvers": ["U1", "U2"], "break_glass": ["U2", "U1"]}}},
            None,
        ),
        (
            {"operations": {OP: {"approvals": 0, "approvers": ["U1"], "break_glass": ["U1"]}}},
            f"{Q}.break_glass: a break-glass run by U1 could never be reviewed: someone other "
            "than who ran it must be among the approvers, and they are U1",
        ),
    ],
)
def test_a_policy_under_which_a_break_glass_run_could_never_be_reviewed_stops_start_up(
    table: dict[str, Any], message: str | None
) -> None:
    if message is None:  # each reviews the other's run
        assert parse_policy(table).for_operation(OP).break_glass == ("U2", "U1")
        return
    with pytest.raises(PolicyError) as caught:
        parse_policy(table)
    assert caught.value.problems[0].startswith(message), caught.value.problems


@pytest.mark.parametrize(
    "table",
    [
        {"approvers": ["U1"], "break_glass": ["SONCALL"]},  # a group may hold someone else
        {"approvers": ["SLEADS"], "break_glass": ["U1"]},
        {"approvers": ["*"], "break_glass": ["U1"]},
        {"requesters": ["U2"], "approvers": ["U1"], "break_glass": ["U1"]},  # U1 never runs one
        {"requesters": [], "approvers": [], "approvals": 0, "break_glass": ["U1"]},  # turned off
    ],
)
def test_a_policy_under_which_every_break_glass_run_could_be_reviewed_loads(
    table: dict[str, Any],
) -> None:
    assert parse_policy(table).for_operation(OP).break_glass == tuple(table["break_glass"])


def test_an_operations_max_targets_above_its_own_limit_is_refused() -> None:
    table = {"max_targets": 50, "operations": {OP: {"max_targets": 20_000}, "x.y.z": {}}}
    with pytest.raises(PolicyError) as caught:
        parse_policy(table, operation_ids=(OP, "x.y.z"), most_targets={OP: 10_000, "x.y.z": 1})
    assert str(caught.value) == (
        f"{Q}.max_targets: must be at most 10,000, the most {OP} takes in one request"
    )


def test_a_default_max_targets_above_one_operations_limit_is_its_default_for_the_others() -> None:
    table = {"max_targets": 20_000, "operations": {OP: {"max_targets": 10_000}}}
    policy = parse_policy(table, operation_ids=(OP, "x.y.z"), most_targets={OP: 10_000, "x.y.z": 1})
    assert policy.for_operation(OP).max_targets == 10_000
    assert policy.for_operation("x.y.z").max_targets == 20_000


def test_the_installed_operations_limits_apply_by_default() -> None:
    with pytest.raises(PolicyError, match="must be at most 10,000"):
        parse_policy({"operations": {"aliyun.ota-task.cancel": {"max_targets": 10_001}}})
    parse_policy({"operations": {"aliyun.ota-task.cancel": {"max_targets": 10_000}}})


def test_groups_or_anyone_can_meet_any_approval_count() -> None:
    assert parse_policy({"approvers": ["SLEADS"], "approvals": 5}).for_operation(OP).approvals == 5
    assert parse_policy({"approvers": ["*"], "approvals": 5}).for_operation(OP).approvals == 5


def test_every_problem_is_reported_with_its_file() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy({"approvals": -1, "ttl": "soon"}, source="opsgate.toml")
    assert str(caught.value) == (
        "opsgate.toml: policy.approvals: must be at least 0\n"
        'opsgate.toml: policy.ttl: must be a duration such as "30m", "2h", "1h30m", "90s" or "1d"'
    )
    assert caught.value.source == "opsgate.toml"


# -- load_policy: where the policy comes from -----------------------------------------------------

POLICY_TOML = """
[policy]
approvers = ["S0123OPSLEADS"]

[policy.operations."huawei.device.delete"]
approvals = 2
max_targets = 1
"""


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, so no developer's ./opsgate.toml is read."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _load(environ: dict[str, str]) -> Policy:
    return load_policy(load_settings(environ))


def test_no_policy_anywhere_is_the_default(in_tmp: Path) -> None:
    assert _load({}).for_operation(OP) == OperationPolicy()


def test_policy_from_opsgate_toml(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text("workers = 4\n" + POLICY_TOML, encoding="utf-8")
    rules = _load({}).for_operation(OP)
    assert (rules.approvers, rules.approvals, rules.max_targets) == (("S0123OPSLEADS",), 2, 1)


def test_opsgate_toml_without_a_policy_table_is_the_default(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text("workers = 4\n", encoding="utf-8")
    assert _load({}).for_operation(OP) == OperationPolicy()


def test_policy_from_the_opsgate_policy_file(in_tmp: Path) -> None:
    (in_tmp / "rules.toml").write_text(POLICY_TOML, encoding="utf-8")
    rules = _load({"OPSGATE_POLICY": "rules.toml"}).for_operation(OP)
    assert rules.approvals == 2


def test_policy_in_both_places_is_refused(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(POLICY_TOML, encoding="utf-8")
    (in_tmp / "rules.toml").write_text(POLICY_TOML, encoding="utf-8")
    with pytest.raises(
        PolicyError, match=re.escape("defined in both opsgate.toml and OPSGATE_POLICY")
    ):
        _load({"OPSGATE_POLICY": "rules.toml"})


def test_missing_policy_file_is_an_error(in_tmp: Path) -> None:
    with pytest.raises(PolicyError, match=re.escape("cannot read missing.toml")):
        _load({"OPSGATE_POLICY": "missing.toml"})


def test_policy_file_without_a_policy_table_is_an_error(in_tmp: Path) -> None:
    (in_tmp / "rules.toml").write_text("# the rules are to come\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"rules.toml has no \[policy\] table"):
        _load({"OPSGATE_POLICY": "rules.toml"})


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        (
            'approvals = 2\napprovers = ["S0OPSLEADS"]\n[policy]\nttl = "1h"\n',
            "approvals",
            " (did you mean policy.approvals?)",
        ),
        (
            '[policy]\n[operations."huawei.device.delete"]\napprovals = 2\n',
            "operations",
            " (did you mean policy.operations?)",
        ),
        (
            '[policy]\n[polciy.operations."huawei.device.delete"]\napprovals = 2\n',
            "polciy",
            " (did you mean policy?)",
        ),
        ("[polciy]\napprovals = 2\n", "polciy", " (did you mean policy?)"),
        (
            "self-approval = true\n[policy]\n",
            "self-approval",
            " (did you mean policy.self_approval?)",
        ),
        ("workers = 4\n[policy]\n", "workers", ""),  # a setting, and no policy key is like it
    ],
)
def test_anything_outside_the_policy_table_of_a_policy_file_is_refused(
    in_tmp: Path, text: str, key: str, hint: str
) -> None:
    # Dropped, the rules it meant to add would leave the policy laxer than written.
    (in_tmp / "rules.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        _load({"OPSGATE_POLICY": "rules.toml"})
    assert str(refused.value).splitlines()[0] == (
        f"rules.toml: {key}: not part of the policy: a policy file holds only [policy] and "
        f'[policy.operations."<operation>"]{hint}'
    )


def test_malformed_policy_file_is_an_error(in_tmp: Path) -> None:
    (in_tmp / "rules.toml").write_text("[policy\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=re.escape("cannot read rules.toml")):
        _load({"OPSGATE_POLICY": "rules.toml"})


def test_policy_that_is_not_a_table_is_an_error(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text('policy = "strict"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=re.escape("opsgate.toml: policy: must be a table")):
        _load({})


def test_invalid_policy_names_its_file_and_key(in_tmp: Path) -> None:
    (in_tmp / "opsgate.toml").write_text(
        '[policy.operations."huawei.device.delete"]\napprovals = -1\n', encoding="utf-8"
    )
    with pytest.raises(PolicyError) as caught:
        _load({})
    assert str(caught.value) == f"opsgate.toml: {Q}.approvals: must be at least 0"


def test_approvable_by_names_the_operations_a_user_may_approve() -> None:
    policy = parse_policy(
        {
            "approvers": ["SOPS"],
            "operations": {
                "huawei.device.delete": {"approvers": ["U9"]},
                "enos.ota-job.delete": {"approvals": 0},  # the requester confirms alone
            },
        }
    )
    directory = FakeDirectory({"SOPS": {"U2"}})
    mine = policy.approvable_by("U2", directory=directory, among=IDS)
    assert "huawei.package.delete" in mine
    assert "huawei.device.delete" not in mine and "enos.ota-job.delete" not in mine
    assert policy.approvable_by("U9", directory=directory, among=IDS) == {"huawei.device.delete"}
    assert policy.approvable_by("U7", directory=directory, among=IDS) == frozenset()
    assert policy.approvable_by("U2", directory=directory, among=["huawei.device.delete"]) == set()


class PartlyReadable(FakeDirectory):
    """A directory one group of which Slack cannot read."""

    def __init__(self, groups: dict[str, set[str]], unreadable: str) -> None:
        super().__init__(groups)
        self.unreadable = unreadable

    def members(self, group_id: str) -> frozenset[str]:
        if group_id == self.unreadable:
            self.calls.append(group_id)
            raise GroupUnreadable(group_id, "no_such_subteam")
        return super().members(group_id)


@pytest.mark.parametrize("approvers", [["S0BROKEN", "S0LEADS"], ["S0LEADS", "S0BROKEN"]])
def test_a_group_slack_cannot_read_does_not_hide_another_that_lists_the_approver(
    approvers: list[str],
) -> None:
    policy = parse_policy({"approvers": approvers})
    directory = PartlyReadable({"S0LEADS": {"U1"}}, unreadable="S0BROKEN")
    assert policy.check_approval(record(), user="U1", channel="C", directory=directory).allowed
    decision = policy.check_approval(record(), user="U2", channel="C", directory=directory)
    assert refused(decision, "Slack has no user group `S0BROKEN`", "ask an admin to fix the policy")


def test_approvals_lowered_to_zero_keep_the_current_approvers_list_too() -> None:
    made = made_under({"approvers": ["SLEADS"]})
    now = parse_policy({"approvers": ["U0CAROL"], "approvals": 0})
    directory = FakeDirectory({"SLEADS": {"U0BOB", "U0CAROL"}})
    decision = now.check_approval(made, user="U0BOB", channel="C", directory=directory)
    assert refused(decision, f"may not approve `{OP}`", "1 approval from <@U0CAROL>")
    assert now.check_approval(made, user="U0CAROL", channel="C", directory=directory).allowed


def test_reject_review_and_stop_follow_the_stored_rules_as_approve_does() -> None:
    made = made_under({"approvers": ["U0BOB"]}).model_copy(
        update={"break_glass": "INC-1", "state": RequestState.EXECUTING}
    )
    now = parse_policy({"approvers": ["*"]})
    directory = FakeDirectory()
    for check in (
        lambda user: now.check_rejection(made, user=user, channel="C", directory=directory),
        lambda user: check_review(now, made, user=user, directory=directory),
        lambda user: check_stop(now, made, user=user, directory=directory),
    ):
        assert not check("U0DAVE").allowed  # listed now, left out by the rules it was made under
        assert check("U0BOB").allowed
    said = now.check_rejection(made, user="U0DAVE", channel="C", directory=directory)
    assert refused(said, "You may not reject `R-TEST0001`", "<@U0BOB>")


def test_confirming_alone_needs_the_requester_to_be_allowed_to_request_still() -> None:
    made = made_under({"approvals": 0}, needed=0)
    now = parse_policy({"approvals": 0, "requesters": ["U0BOB"]})
    decision = now.check_approval(made, user=REQUESTER, channel="C", directory=FakeDirectory())
    assert refused(decision, f"You may no longer request `{OP}`", "so you cannot confirm")
    before = parse_policy({"approvals": 0})
    assert before.check_approval(
        made, user=REQUESTER, channel="C", directory=FakeDirectory()
    ).allowed
