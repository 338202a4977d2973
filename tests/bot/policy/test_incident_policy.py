"""The incident keys of the policy (SPEC §11): `notify_approvers`, `remind`, `break_glass` and
`review_within`, their validation, and who may break glass, review and stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.cards import mrkdwn, plain
from bot.model import PolicySnapshot, RequestRecord, RequestState
from bot.policy import Decision, PolicyError, parse_policy
from bot.policy.incident import check_break_glass, check_review, check_stop
from commands.model import OperationRequest

OP = "huawei.device.delete"
Q = f'policy.operations."{OP}"'
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


class Groups:
    def __init__(self, **groups: set[str]) -> None:
        self.groups = groups

    def members(self, group_id: str) -> frozenset[str]:
        return frozenset(self.groups.get(group_id, set()))

    def outsider(self, user_id: str) -> bool:
        return False


LEADS = Groups(S0LEADS={"U0BOB", "U0CAROL"}, S0ONCALL={"U0ERIN"})


def request(incident: str | None = "INC-42") -> OperationRequest:
    return OperationRequest(
        operation=OP, vendor="huawei", targets=("dev1",), reason="x", break_glass=incident
    )


def record(requester: str = "U0ALICE") -> RequestRecord:
    return RequestRecord(
        id="R-TEST0001",
        operation=OP,
        vendor="huawei",
        targets=("dev1",),
        requester=requester,
        channel="C0OPS",
        state=RequestState.SUCCEEDED,
        approvals_needed=1,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
        break_glass="INC-42",
    )


def said(decision: Decision) -> str:
    return mrkdwn(decision.refusal) if decision.refusal else ""


def test_the_defaults_notify_and_remind_and_let_nobody_break_glass() -> None:
    rules = parse_policy({}).for_operation(OP)
    assert (rules.notify_approvers, rules.remind) == (True, True)
    assert rules.break_glass == () and rules.review_within == timedelta(hours=24)


def test_the_keys_are_set_by_default_and_overridden_per_operation() -> None:
    policy = parse_policy(
        {
            "notify_approvers": False,
            "break_glass": ["S0ONCALL"],
            "review_within": "8h",
            "operations": {OP: {"remind": False, "break_glass": ["U0ALICE"]}},
        }
    )
    mine = policy.for_operation(OP)
    assert (mine.notify_approvers, mine.remind, mine.break_glass) == (False, False, ("U0ALICE",))
    assert mine.review_within == timedelta(hours=8)
    other = policy.for_operation("enos.ota-job.delete")
    assert (other.remind, other.break_glass) == (True, ("S0ONCALL",))


def test_the_snapshot_keeps_what_applied() -> None:
    rules = parse_policy({"remind": False, "break_glass": ["U0ALICE"], "review_within": "2h"})
    snapshot = PolicySnapshot.of(rules.for_operation(OP))
    assert (snapshot.remind, snapshot.notify_approvers, snapshot.break_glass) == (
        False,
        True,
        ("U0ALICE",),
    )
    assert snapshot.review_within == timedelta(hours=2)


NAMED = "is not a user id (U…/W…) or a user group id (S…)"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"notify_approvers": "yes"}, "policy.notify_approvers: must be true or false"),
        ({"operations": {OP: {"remind": 1}}}, f"{Q}.remind: must be true or false"),
        ({"break_glass": "U0ALICE"}, "policy.break_glass: must be a list"),
        ({"break_glass": ["*"]}, f"policy.break_glass[0]: '*' {NAMED}"),
        (
            {"operations": {OP: {"break_glass": ["U1", "bob"]}}},
            f"{Q}.break_glass[1]: 'bob' {NAMED}",
        ),
        ({"review_within": "0h"}, "policy.review_within: must be positive"),
        ({"review_within": "a day"}, 'policy.review_within: must be a duration such as "30m"'),
        ({"review_within": 24}, 'policy.review_within: must be a duration such as "30m"'),
        ({"break_glas": ["U1"]}, "policy.break_glas: unknown key"),
    ],
)
def test_a_bad_incident_key_is_named(table: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(table)
    assert caught.value.problems[0].startswith(message), caught.value.problems


def test_only_the_break_glass_list_may_break_glass() -> None:
    policy = parse_policy({"break_glass": ["U0ALICE", "S0ONCALL"]})
    assert check_break_glass(policy, request(), user="U0ALICE", directory=LEADS).allowed
    assert check_break_glass(policy, request(), user="U0ERIN", directory=LEADS).allowed
    refused = check_break_glass(policy, request(), user="U0DAVE", directory=LEADS)
    assert not refused.allowed
    assert "only <@U0ALICE>, <!subteam^S0ONCALL> may" in said(refused)
    assert "Drop `--break-glass` to ask for approvals instead" in said(refused)


def test_nobody_may_break_glass_by_default_and_the_refusal_says_why() -> None:
    refused = check_break_glass(parse_policy({}), request(), user="U0ALICE", directory=LEADS)
    assert not refused.allowed and refused.refusal is not None
    assert "nobody may: the policy's break_glass list is empty" in plain(refused.refusal)


def test_approvers_but_not_the_requester_review() -> None:
    policy = parse_policy({"approvers": ["S0LEADS"], "break_glass": ["U0ALICE"]})
    assert check_review(policy, record(), user="U0BOB", directory=LEADS).allowed
    own = check_review(policy, record("U0BOB"), user="U0BOB", directory=LEADS)
    assert "so someone else reviews it (<!subteam^S0LEADS>)" in said(own)
    stranger = check_review(policy, record(), user="U0DAVE", directory=LEADS)
    assert "You may not review `R-TEST0001`" in said(stranger)


def test_the_requester_and_the_approvers_stop() -> None:
    policy = parse_policy({"approvers": ["S0LEADS"]})
    assert check_stop(policy, record(), user="U0ALICE", directory=LEADS).allowed
    assert check_stop(policy, record(), user="U0CAROL", directory=LEADS).allowed
    refused = check_stop(policy, record(), user="U0DAVE", directory=LEADS)
    assert "Only the requester, <@U0ALICE>, and those who may approve" in said(refused)


def test_a_refused_stop_names_the_approvers_of_the_rules_that_refused_it() -> None:
    stored = PolicySnapshot.of(parse_policy({"approvers": ["U0CAROL"]}).for_operation(OP))
    made = record().model_copy(update={"policy": stored})
    now = parse_policy({"approvers": ["S0LEADS"]})  # lists bob; the card's rules do not
    refused = check_stop(now, made, user="U0BOB", directory=LEADS)
    assert "approve `huawei.device.delete` (<@U0CAROL>) can stop" in said(refused)
    assert "S0LEADS" not in said(refused)


def test_the_requester_is_not_named_among_those_who_review_their_run() -> None:
    policy = parse_policy({"approvers": ["U0ALICE", "U0BOB"], "break_glass": ["U0ALICE"]})
    own = check_review(policy, record(), user="U0ALICE", directory=LEADS)
    assert said(own).endswith("so someone else reviews it (<@U0BOB>).")


def test_when_the_requester_confirmed_alone_only_they_stop_and_approvers_still_review() -> None:
    policy = parse_policy({"approvals": 0, "approvers": ["S0LEADS"], "break_glass": ["U0ALICE"]})
    alone = record().model_copy(update={"approvals_needed": 0})
    assert check_stop(policy, alone, user="U0ALICE", directory=LEADS).allowed
    refused = check_stop(policy, alone, user="U0BOB", directory=LEADS)
    assert "Only the requester, <@U0ALICE>, can stop `R-TEST0001`: it needed no approvals" in (
        said(refused)
    )
    assert check_review(policy, alone, user="U0BOB", directory=LEADS).allowed
