"""The approval-gated lifecycle of a request (SPEC §2), independent of Bolt.

Slack listeners ack first and then hand work to `RequestService` on the worker pool: `submit`
(`bot.lifecycle.intake`: policy → preview → store → card), the three clicks, the one vendor
call (`bot.lifecycle.execution`), and the sweeps (expiry, recovery). Every decision is re-read
from the store and re-checked against the policy at the moment it is taken; the store's
compare-and-set transitions make each decision happen once.
"""

from __future__ import annotations

from adapters.base import Progress
from bot.lifecycle.execution import run_vendor_call
from bot.lifecycle.intake import Intake
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import Decision
from bot.store import ApprovalStatus
from commands.model import OperationRequest

__all__ = ["Origin", "RequestService", "Services"]


class RequestService:
    """Requests, clicks and sweeps. Every public method runs on a worker, after the ack."""

    def __init__(self, services: Services) -> None:
        self.s = services
        self.replies = Replies(services)
        self._intake = Intake(services, self.replies)

    def submit(self, request: OperationRequest, origin: Origin, *, command_text: str) -> None:
        """Check policy, preview, then post the approval card (or the dry run) for a request."""
        self._intake.submit(request, origin, command_text=command_text)

    # -- clicks ---------------------------------------------------------------------------------
    def approve(self, request_id: str, origin: Origin) -> None:
        """An Approve click: re-check everything, count the approval, execute at the threshold."""
        record = self._clickable(request_id, origin, "approve")
        if record is None:
            return
        decision = self.s.policy.check_approval(
            record, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if not self._allowed(record, origin, decision, "approve"):
            return
        result = self.s.store.approve(record.id, approver=origin.user)
        after = result.record or record
        if result.status is ApprovalStatus.EXECUTE:
            self.replies.refresh_card(after)
            self._execute(after)
        elif result.status is ApprovalStatus.RECORDED:
            self.replies.refresh_card(after)
            self.replies.tell(
                origin,
                f"Approval recorded for {record.id} "
                f"({len(after.approvers)} of {after.approvals_needed}).",
            )
        else:
            if result.status is ApprovalStatus.EXPIRED:
                self.replies.refresh_card(after)
            self._refuse_state(after, origin, "approve", result.status.value)

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

    def _decide(
        self, record: RequestRecord, origin: Origin, to: RequestState, event: AuditEventName
    ) -> None:
        after = self.s.store.transition(
            record.id,
            to=to,
            event=event,
            actor=origin.user,
            detail={"channel": origin.channel},
            outcome={"by": origin.user},
        )
        if after is None:  # someone else decided first
            current = self.s.store.get(record.id) or record
            self._refuse_state(current, origin, event.value, current.state.value)
            return
        self.replies.refresh_card(after)

    def _clickable(self, request_id: str, origin: Origin, action: str) -> RequestRecord | None:
        """The record if it can still be decided; otherwise tell the clicker why not."""
        record = self.s.store.get(request_id)
        if record is None:
            self.replies.tell(origin, f"There is no request {request_id}.")
            return None
        if record.state is RequestState.PENDING and record.expires_at <= self.replies.now():
            self.expire_due()
            record = self.s.store.get(request_id) or record
        if record.state is not RequestState.PENDING:
            self._refuse_state(record, origin, action, record.state.value)
            return None
        return record

    def _allowed(
        self, record: RequestRecord, origin: Origin, decision: Decision, action: str
    ) -> bool:
        if decision.allowed:
            return True
        self.s.store.log(
            record.id,
            AuditEventName.DENIED,
            actor=origin.user,
            detail={"action": action, "reason": decision.reason, "channel": origin.channel},
        )
        self.replies.tell(origin, decision.reason)
        return False

    def _refuse_state(self, record: RequestRecord, origin: Origin, action: str, why: str) -> None:
        reason = _STATE_REFUSALS.get(
            why, "Request {id} is {state}; there is nothing left to {action}."
        )
        text = reason.format(id=record.id, state=record.state.value, action=action)
        self.s.store.log(
            record.id,
            AuditEventName.DENIED,
            actor=origin.user,
            detail={"action": action, "reason": text, "channel": origin.channel},
        )
        self.replies.tell(origin, text)

    # -- execution ------------------------------------------------------------------------------
    def _execute(self, record: RequestRecord) -> None:
        final = run_vendor_call(
            record,
            adapters=self.s.adapters,
            store=self.s.store,
            clock=self.s.clock,
            show_progress=self._show_progress,
        )
        self.replies.refresh_card(final)
        self.replies.notify_requester(final)

    def _show_progress(self, record: RequestRecord, progress: Progress) -> None:
        self.replies.refresh_card(record, progress=progress)

    # -- sweeps ---------------------------------------------------------------------------------
    def expire_due(self) -> int:
        """Expire every pending request past its TTL and mark its card. Returns how many."""
        expired = self.s.store.expire_due()
        for record in expired:
            self.replies.refresh_card(record)
        return len(expired)

    def recover(self) -> int:
        """At start-up: requests left `executing` become `unknown` (never retried)."""
        recovered = self.s.store.recover_executing()
        for record in recovered:
            self.replies.refresh_card(record)
            self.replies.notify_requester(record)
        return len(recovered)


_STATE_REFUSALS = {
    "executing": "Request {id} is already executing; it runs once, so your {action} was not "
    "needed.",
    "expired": "Request {id} has expired; nothing was done. Request it again if it is still "
    "needed.",
    "duplicate": "You have already approved {id}; it needs approvals from other people too.",
    "not_found": "There is no request {id}.",
}
