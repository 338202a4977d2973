"""``"*"`` covers the members of the organization opsgate is installed in: someone of another
organization (Slack Connect, `Directory.outsider`) is let in only by being named (SPEC §3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cards import mrkdwn
from bot.model import RequestRecord, RequestState
from bot.policy import Decision, OperationPolicy, Policy
from commands.model import OperationRequest

OP = "huawei.device.delete"
ALICE, PARTNER, LEADS = "U0ALICE", "U0PARTNER", "S0LEADS"
NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
OUTSIDE = "is a member of another organization (Slack Connect)"


class Directory:
    """Who is in `LEADS`, and who is of another organization."""

    def __init__(self, *, leads: frozenset[str] = frozenset(), outsiders: set[str]) -> None:
        self.leads, self.outsiders = leads, outsiders

    def members(self, group_id: str) -> frozenset[str]:
        return self.leads if group_id == LEADS else frozenset()

    def outsider(self, user_id: str) -> bool:
        return user_id in self.outsiders


def policy(**rules: object) -> Policy:
    return Policy(defaults=OperationPolicy.model_validate(rules))


def pending(requester: str = ALICE, *, needed: int = 1) -> RequestRecord:
    return RequestRecord(
        id="R-TEST0001",
        operation=OP,
        vendor="huawei",
        targets=("dev1",),
        reason="INC-42",
        requester=requester,
        channel="COPS",
        state=RequestState.PENDING,
        approvals_needed=needed,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
    )


def said(decision: Decision) -> str:
    return mrkdwn(decision.refusal) if decision.refusal else ""


REQUEST = OperationRequest(operation=OP, vendor="huawei", targets=("dev1",), reason="INC-42")
PARTNERS = Directory(outsiders={PARTNER})


def test_anyone_does_not_cover_someone_of_another_organization() -> None:
    anyone = policy(requesters=["*"], approvers=["*"])
    asked = anyone.check_request(REQUEST, user=PARTNER, channel="COPS", directory=PARTNERS)
    assert OUTSIDE in said(asked) and "<@U0PARTNER>" in said(asked)
    approve = anyone.check_approval(pending(), user=PARTNER, channel="COPS", directory=PARTNERS)
    assert OUTSIDE in said(approve) and "name them in the policy" in said(approve)
    reject = anyone.check_rejection(pending(), user=PARTNER, channel="COPS", directory=PARTNERS)
    assert OUTSIDE in said(reject)
    members = Directory(outsiders=set())
    assert anyone.check_approval(pending(), user=PARTNER, channel="COPS", directory=members).allowed


def test_someone_named_or_in_a_named_group_is_let_in_all_the_same() -> None:
    named = policy(requesters=["*", PARTNER], approvers=["*", PARTNER])
    assert named.check_request(REQUEST, user=PARTNER, channel="COPS", directory=PARTNERS).allowed
    approve = named.check_approval(pending(), user=PARTNER, channel="COPS", directory=PARTNERS)
    assert approve.allowed
    grouped = policy(approvers=["*", LEADS])
    in_group = Directory(leads=frozenset({PARTNER}), outsiders={PARTNER})
    approve = grouped.check_approval(pending(), user=PARTNER, channel="COPS", directory=in_group)
    assert approve.allowed


def test_an_earlier_approval_by_someone_of_another_organization_no_longer_counts() -> None:
    anyone = policy(approvers=["*"], approvals=2)
    made = pending(needed=2).model_copy(update={"approvers": (PARTNER,)})
    decision = anyone.check_approval(made, user="U0BOB", channel="COPS", directory=PARTNERS)
    assert decision.allowed and decision.lapsed == {PARTNER}


def test_a_requester_of_another_organization_cannot_confirm_alone_through_anyone() -> None:
    alone = policy(requesters=["*"], approvals=0)
    made = pending(PARTNER, needed=0)
    decision = alone.check_approval(made, user=PARTNER, channel="COPS", directory=PARTNERS)
    assert OUTSIDE in said(decision)


def test_stop_and_review_say_why_anyone_leaves_out_someone_of_another_organization() -> None:
    """README (Policy): their click is refused saying they are of another organization, as an
    approval or a rejection is; "only those who may approve (anyone)" gave no reason."""
    from bot.policy.incident import check_review, check_stop

    anyone = policy(requesters=["*"], approvers=["*"])
    ran = pending(ALICE).model_copy(update={"state": RequestState.EXECUTING})
    stop = check_stop(anyone, ran, user=PARTNER, directory=PARTNERS)
    assert OUTSIDE in said(stop) and "name them in the policy" in said(stop)
    review = check_review(anyone, ran, user=PARTNER, directory=PARTNERS)
    assert OUTSIDE in said(review) and "name them in the policy" in said(review)
    assert check_stop(anyone, ran, user="U0BOB", directory=PARTNERS).allowed
