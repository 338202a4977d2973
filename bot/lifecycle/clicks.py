"""The card's buttons: Approve, Reject and Withdraw, and why a click is refused.

Each click re-reads the request from the store and re-checks the policy at that moment; the
store's compare-and-set moves make each decision happen once. A refused click is answered
privately and recorded as a ``denied`` event.
"""

from __future__ import annotations

from bot import cards
from bot.lifecycle import refusals
from bot.lifecycle.execution import Execution
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.lifecycle.sweeps import Sweeps
from bot.model import AuditEventName, ClosedOutcome, Refusal, RequestRecord, RequestState, rules
from bot.policy import Decision
from bot.store import ApprovalResult, ApprovalStatus


class Clicks:
    """Approve, Reject, Withdraw. Every public method runs on a worker, after the ack."""

    def __init__(
        self, services: Services, replies: Replies, *, sweeps: Sweeps, execution: Execution
    ) -> None:
        self.s = services
        self.replies = replies
        self._sweeps = sweeps
        self._execution = execution

    def approve(self, request_id: str, origin: Origin) -> None:
        """An Approve click: re-check everything, count the approval, execute at the threshold."""
        record = self._clickable(request_id, origin, "approve")
        if record is None:
            return
        decision = self.s.policy.check_approval(
            record, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if self._allowed(record, origin, decision, "approve"):
            self._counted(self.s.store.approve(record.id, approver=origin.user), record, origin)

    def reject(self, request_id: str, origin: Origin) -> None:
        """A Reject click by someone who may approve."""
        record = self._clickable(request_id, origin, "reject")
        if record is None:
            return
        decision = self.s.policy.check_rejection(
            record, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if self._allowed(record, origin, decision, "reject"):
            self._decide(record, origin, RequestState.REJECTED, AuditEventName.REJECTED)

    def withdraw(self, request_id: str, origin: Origin) -> None:
        """A Withdraw click: the requester takes the request back."""
        record = self._clickable(request_id, origin, "withdraw")
        if record is None:
            return
        decision = self.s.policy.check_withdrawal(record, user=origin.user)
        if self._allowed(record, origin, decision, "withdraw"):
            self._decide(record, origin, RequestState.WITHDRAWN, AuditEventName.WITHDRAWN)

    def _counted(self, result: ApprovalResult, record: RequestRecord, origin: Origin) -> None:
        """Show what the store did with an approval; the one that completed it executes."""
        after = result.record or record
        if result.status in {
            ApprovalStatus.EXECUTE,
            ApprovalStatus.RECORDED,
            ApprovalStatus.EXPIRED,
        }:
            self.replies.refresh_card(after)
        if result.status is ApprovalStatus.EXECUTE:
            self._execution.run(after)
        elif result.status is ApprovalStatus.RECORDED:
            self.replies.notice(origin, refusals.approval_recorded(after))
        elif result.status is ApprovalStatus.DUPLICATE:
            self._refuse(after, origin, "approve", refusals.duplicate(after))
        else:  # expired, or decided by someone else since we read it
            self._refuse(after, origin, "approve", refusals.ended(after, "approve"))

    def _decide(
        self, record: RequestRecord, origin: Origin, to: RequestState, event: AuditEventName
    ) -> None:
        after = self.s.store.transition(
            record.id,
            to=to,
            event=event,
            actor=origin.user,
            detail={"channel": origin.channel},
            outcome=ClosedOutcome(by=origin.user),
        )
        if after is None:  # someone else decided first
            current = self.s.store.get(record.id) or record
            self._refuse(current, origin, event.value, refusals.ended(current, event.value))
            return
        self.replies.refresh_card(after)

    def _clickable(self, request_id: str, origin: Origin, action: str) -> RequestRecord | None:
        """The record if it can still be decided; otherwise tell the clicker why not."""
        record = self.s.store.get(request_id)
        if record is None:
            self.replies.refuse(origin, refusals.no_such_request(request_id))
            return None
        if rules.due_to_expire(record, self.replies.now()):
            self._sweeps.expire_due()
            record = self.s.store.get(request_id) or record
        if record.state is not RequestState.PENDING:
            self._refuse(record, origin, action, refusals.ended(record, action))
            return None
        return record

    def _allowed(
        self, record: RequestRecord, origin: Origin, decision: Decision, action: str
    ) -> bool:
        if decision.refusal is None:
            return True
        self._refuse(record, origin, action, decision.refusal)
        return False

    def _refuse(self, record: RequestRecord, origin: Origin, action: str, refusal: Refusal) -> None:
        """Answer the clicker privately and record the refusal (in plain words) as ``denied``."""
        reason = cards.plain(refusal)
        self.s.store.log(
            record.id,
            AuditEventName.DENIED,
            actor=origin.user,
            detail={"action": action, "reason": reason, "channel": origin.channel},
        )
        self.replies.refuse(origin, refusal)
