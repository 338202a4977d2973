"""Each rule about a request, in its one home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.base import FailureKind, ItemFailure, Outcome
from bot.model import RequestRecord, RequestState, rules

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def record(**changes: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "id": "R-TEST0001",
        "operation": "huawei.package.delete",
        "vendor": "huawei",
        "targets": ("pkg-1",),
        "requester": "U1",
        "channel": "C1",
        "state": RequestState.PENDING,
        "approvals_needed": 2,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
    }
    return RequestRecord(**{**base, **changes})


@pytest.mark.parametrize(("needed", "complete_at"), [(0, 1), (1, 1), (2, 2), (5, 5)])
def test_the_threshold(needed: int, complete_at: int) -> None:
    assert rules.approvals_to_complete(needed) == complete_at
    assert rules.is_complete(complete_at, needed)
    assert not rules.is_complete(complete_at - 1, needed)


def test_approvals_left_counts_down_to_zero() -> None:
    assert rules.approvals_left(record()) == 2
    assert rules.approvals_left(record(approvers=("U2",))) == 1
    assert rules.approvals_left(record(approvers=("U2", "U3"))) == 0
    assert rules.approvals_left(record(approvals_needed=0)) == 1  # the requester's confirmation


def test_nobody_counts_twice() -> None:
    assert rules.already_approved(record(approvers=("U2",)), "U2")
    assert not rules.already_approved(record(approvers=("U2",)), "U3")


def test_the_requester_counts_only_with_self_approval() -> None:
    assert rules.requester_excluded(record(), "U1", self_approval=False)
    assert not rules.requester_excluded(record(), "U1", self_approval=True)
    assert not rules.requester_excluded(record(), "U2", self_approval=False)
    users = ["U1", "U2", "U2"]
    assert rules.approvers_available(users, requester="U1", self_approval=False) == 1
    assert rules.approvers_available(users, requester="U1", self_approval=True) == 2
    assert rules.approvers_available(users, requester="U9", self_approval=False) == 2


def test_a_request_made_under_a_laxer_policy_is_stale() -> None:
    assert rules.is_stale(record(approvals_needed=1), 2)
    assert not rules.is_stale(record(approvals_needed=2), 2)
    assert not rules.is_stale(record(approvals_needed=3), 2)


def test_the_deadline_itself_is_too_late() -> None:
    deadline = NOW + timedelta(minutes=30)
    assert not rules.past_deadline(record(), deadline - timedelta(microseconds=1))
    assert rules.past_deadline(record(), deadline)
    assert rules.due_to_expire(record(), deadline)
    assert not rules.due_to_expire(record(state=RequestState.EXECUTING), deadline)


def test_zero_approvals_means_the_requester_confirms_alone() -> None:
    assert rules.requester_confirms_alone(0)
    assert not rules.requester_confirms_alone(1)


@pytest.mark.parametrize(
    ("state", "holds"),
    [(s, s in {RequestState.PENDING, RequestState.EXECUTING}) for s in RequestState],
)
def test_only_pending_and_executing_requests_hold_their_targets(
    state: RequestState, holds: bool
) -> None:
    assert rules.holds_targets(state) is holds


def test_shared_targets_keep_the_new_request_order_once_each() -> None:
    assert rules.shared_targets(["b", "a", "b", "c"], {"a", "b"}) == ("b", "a")
    assert rules.shared_targets(["x"], ("a", "b")) == ()


@pytest.mark.parametrize(
    ("reader", "allowed"),
    [
        (rules.Reader(user="U1", channel="D9"), True),  # the requester, anywhere
        (rules.Reader(user="U7", channel="C1"), True),  # anyone, in the request's channel
        (
            rules.Reader(user="U7", channel="D9", approves=frozenset({"huawei.package.delete"})),
            True,
        ),
        (rules.Reader(user="U7", channel="D9", approves=frozenset({"enos.ota-job.delete"})), False),
        (rules.Reader(user="U7", channel="C2"), False),
    ],
)
def test_who_may_read_a_request(reader: rules.Reader, allowed: bool) -> None:
    assert rules.may_read(record(), reader) is allowed


def test_request_again_never_asks_for_a_target_an_outcome_also_calls_unknown() -> None:
    """A plugin may report one target twice (refused, then retried with no answer): its fate is
    unknown, so Request again leaves it to the vendor's console (README "Request again")."""
    failures = (
        ItemFailure(targets=("dev-1", "dev-2"), kind=FailureKind.FAILED, message="refused"),
        ItemFailure(targets=("dev-2",), kind=FailureKind.UNKNOWN, message="no answer"),
    )
    outcome = Outcome(summary="partly done", total=3, failures=failures)
    ended = record(targets=("dev-1", "dev-2", "dev-3"), state=RequestState.UNKNOWN, outcome=outcome)

    assert rules.again_targets(ended) == ("dev-1",)
    assert rules.offers_again(ended)
    refused_then_unknown = outcome.model_copy(
        update={"failures": (failures[0].model_copy(update={"targets": ("dev-2",)}), failures[1])}
    )
    only_unknown = record(
        targets=("dev-2",), state=RequestState.UNKNOWN, outcome=refused_then_unknown
    )
    assert rules.again_targets(only_unknown) == () and not rules.offers_again(only_unknown)


def _misnamed(kind: FailureKind, *, total: int) -> Outcome:
    """An outcome of a plugin that names its one failure's target otherwise than the request."""
    failure = ItemFailure(targets=("DEV-3",), kind=kind, message="x")
    return Outcome(summary="s", total=total, failures=(failure,))


@pytest.mark.parametrize("state", [RequestState.STOPPED, RequestState.FAILED])
@pytest.mark.parametrize(
    "outcome",
    [
        _misnamed(FailureKind.NOT_SENT, total=3),  # two done
        _misnamed(FailureKind.UNKNOWN, total=1),  # one whose fate is unknown, nothing done
    ],
    ids=["some-done", "some-unknown"],
)
def test_request_again_never_falls_back_to_all_targets_when_some_were_done_or_unknown(
    state: RequestState, outcome: Outcome
) -> None:
    """A stopped or failed run whose outcome names none of the request's targets undone (a
    plugin spelling them otherwise) is not asked for again whole when the outcome says some
    were done or their fate is unknown: asking again could act on them twice."""
    ended = record(targets=("dev-1", "dev-2", "dev-3"), state=state, outcome=outcome)
    assert rules.again_targets(ended) == () and not rules.offers_again(ended)


def test_request_again_falls_back_to_all_targets_when_none_was_done_or_unknown() -> None:
    """Every target refused or never sent, under other names: asking for all acts on none twice."""
    outcome = _misnamed(FailureKind.FAILED, total=1)
    ended = record(targets=("dev-3",), state=RequestState.FAILED, outcome=outcome)
    assert rules.again_targets(ended) == ("dev-3",) and rules.offers_again(ended)
