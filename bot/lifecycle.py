"""The approval-gated lifecycle of a request (SPEC §2), independent of Bolt.

Slack listeners ack first and then hand work to `RequestService` on the worker pool:
`submit` (policy → preview → store → card), the three clicks, and the sweeps (expiry, recovery).
Every decision is re-read from the store and re-checked against the policy at the moment it is
taken; the store's compare-and-set transitions make each decision happen once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.base import Adapter, Progress
from adapters.clock import Clock
from adapters.errors import AdapterError
from adapters.registry import Adapters
from bot import cards
from bot.execution import run_vendor_call
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import Decision, Directory, Policy
from bot.slack_out import SlackPort, SlackPostError
from bot.store import ApprovalStatus, Store
from commands.model import OperationRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Who did something, where, and how to answer them privately."""

    user: str
    channel: str
    response_url: str | None = None


@dataclass(frozen=True)
class Services:
    """What the lifecycle works with; built once by `bot.app.build_app`."""

    store: Store
    policy: Policy
    adapters: Adapters
    slack: SlackPort
    directory: Directory
    clock: Clock


class RequestService:
    """Requests, clicks and sweeps. Every public method runs on a worker, after the ack."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # -- a new request --------------------------------------------------------------------------
    def submit(self, request: OperationRequest, origin: Origin, *, command_text: str) -> None:
        """Check policy, preview, then post the approval card (or the dry run) for a request."""
        decision = self.s.policy.check_request(
            request, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if not decision.allowed:
            self.s.store.record_denied(
                request, requester=origin.user, channel=origin.channel, reason=decision.reason
            )
            self._answer(origin, cards.refusal_message(decision.reason))
            return
        try:
            adapter = self.s.adapters.get(request.vendor)
        except AdapterError as exc:
            self._answer(origin, cards.refusal_message(f"{exc.message}. {exc.next_step}"))
            return
        preview = _preview(adapter, request)
        if request.dry_run:
            self._dry_run(adapter, request, origin, preview, command_text)
        else:
            self._open(request, origin, preview)

    def _dry_run(
        self,
        adapter: Adapter,
        request: OperationRequest,
        origin: Origin,
        preview: dict[str, Any],
        command_text: str,
    ) -> None:
        try:
            calls = adapter.describe(request)
        except AdapterError as exc:
            self._answer(origin, cards.refusal_message(f"{exc.message}. {exc.next_step}"))
            return
        sandbox = self.s.adapters.is_sandboxed(request.vendor)
        message = cards.dry_run_message(
            request, preview=preview, calls=calls, sandbox=sandbox, command_text=command_text
        )
        self._answer(origin, message)

    def _open(self, request: OperationRequest, origin: Origin, preview: dict[str, Any]) -> None:
        rules = self.s.policy.for_operation(request.operation)
        record = self.s.store.create_request(
            request,
            requester=origin.user,
            channel=origin.channel,
            approvals_needed=rules.approvals,
            ttl=rules.ttl,
            sandbox=self.s.adapters.is_sandboxed(request.vendor),
            preview=preview,
        )
        try:
            ts = self.s.slack.post(origin.channel, self._card(record))
        except SlackPostError as exc:
            self._answer(
                origin,
                cards.refusal_message(
                    f"Request {record.id} is recorded, but Slack would not post its approval card "
                    f"here ({exc.error}). Invite the bot to this channel (/invite @opsgate) and "
                    "request again; this one will expire unapproved."
                ),
            )
            return
        self.s.store.set_message(record.id, channel=origin.channel, ts=ts)
        self._answer(
            origin,
            cards.notice_message(
                f"Request {record.id} is posted and waiting for approval. "
                f"Follow it on the card, or with /ops status {record.id}."
            ),
        )

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
            self.refresh_card(after)
            self._execute(after)
        elif result.status is ApprovalStatus.RECORDED:
            self.refresh_card(after)
            self._tell(
                origin,
                f"Approval recorded for {record.id} "
                f"({len(after.approvers)} of {after.approvals_needed}).",
            )
        else:
            if result.status is ApprovalStatus.EXPIRED:
                self.refresh_card(after)
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
        self.refresh_card(after)

    def _clickable(self, request_id: str, origin: Origin, action: str) -> RequestRecord | None:
        """The record if it can still be decided; otherwise tell the clicker why not."""
        record = self.s.store.get(request_id)
        if record is None:
            self._tell(origin, f"There is no request {request_id}.")
            return None
        if record.state is RequestState.PENDING and record.expires_at <= self._now():
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
        self._tell(origin, decision.reason)
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
        self._tell(origin, text)

    # -- execution ------------------------------------------------------------------------------
    def _execute(self, record: RequestRecord) -> None:
        final = run_vendor_call(
            record,
            adapters=self.s.adapters,
            store=self.s.store,
            clock=self.s.clock,
            show_progress=self._show_progress,
        )
        self.refresh_card(final)
        self._notify_requester(final)

    def _show_progress(self, record: RequestRecord, progress: Progress) -> None:
        self.refresh_card(record, progress=progress)

    def _notify_requester(self, record: RequestRecord) -> None:
        try:
            self.s.slack.post(record.requester, cards.requester_notice(record))
        except SlackPostError:
            self.s.slack.ephemeral(record.channel, record.requester, cards.requester_notice(record))

    # -- sweeps ---------------------------------------------------------------------------------
    def expire_due(self) -> int:
        """Expire every pending request past its TTL and mark its card. Returns how many."""
        expired = self.s.store.expire_due()
        for record in expired:
            self.refresh_card(record)
        return len(expired)

    def recover(self) -> int:
        """At start-up: requests left `executing` become `unknown` (never retried)."""
        recovered = self.s.store.recover_executing()
        for record in recovered:
            self.refresh_card(record)
            self._notify_requester(record)
        return len(recovered)

    # -- output ---------------------------------------------------------------------------------
    def refresh_card(self, record: RequestRecord, *, progress: Progress | None = None) -> None:
        """Redraw a request's card from its record (a no-op before the card is posted)."""
        if record.message_ts is None:
            return
        self.s.slack.update(record.channel, record.message_ts, self._card(record, progress))

    def _card(self, record: RequestRecord, progress: Progress | None = None) -> cards.Message:
        return cards.request_card(
            record,
            approvers_text=self.s.policy.approvers_text(record.operation),
            progress=progress,
            now=self._now(),
        )

    def _answer(self, origin: Origin, message: cards.Message) -> None:
        if origin.response_url:
            self.s.slack.respond(origin.response_url, message)
        else:
            self.s.slack.ephemeral(origin.channel, origin.user, message)

    def _tell(self, origin: Origin, text: str) -> None:
        self.s.slack.ephemeral(origin.channel, origin.user, cards.refusal_message(text))

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.s.clock.now(), tz=UTC)


def _preview(adapter: Adapter, request: OperationRequest) -> dict[str, Any]:
    try:
        return adapter.preview(request).model_dump(mode="json")
    except AdapterError as exc:
        # An unreachable vendor must not block an emergency request: the card says so.
        return exc.detail()


_STATE_REFUSALS = {
    "executing": "Request {id} is already executing; it runs once, so your {action} was not "
    "needed.",
    "expired": "Request {id} has expired; nothing was done. Request it again if it is still "
    "needed.",
    "duplicate": "You have already approved {id}; it needs approvals from other people too.",
    "not_found": "There is no request {id}.",
}
