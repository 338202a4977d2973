"""The card's buttons: Approve, Reject (with its reason dialog) and Withdraw, and why a click is
refused.

A click counts only from the request's own card: the channel and message ts Slack names in the
click must be the ones stored for the request. Each click then re-reads the request from the
store and re-checks the policy at that moment; the store's compare-and-set moves make each
decision happen once. A refused click is answered privately and recorded as a ``denied`` event.

A pending request is checked against its audit record as the click reads it (`Store.checked`,
SPEC §9), before anything is judged by its stored values: one that disagrees ends ``failed``
with error ``integrity`` at that click, as it would before its vendor call.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from bot import cards
from bot.lifecycle import notices, refusals
from bot.lifecycle.execution import Execution, fail_integrity
from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Origin, Services
from bot.lifecycle.sweeps import Sweeps
from bot.model import AuditEventName, ClosedOutcome, Refusal, RequestRecord, RequestState, rules
from bot.observability.logs import bind
from bot.policy import Decision
from bot.slack.port import SlackPostError
from bot.store import ApprovalResult, ApprovalStatus, UnreadableRequestError

log = logging.getLogger(__name__)
#: Each decision a person clicks (as refusals and metrics name it): the state and event it makes.
_DECISIONS: Final = {
    "reject": (RequestState.REJECTED, AuditEventName.REJECTED),
    "withdraw": (RequestState.WITHDRAWN, AuditEventName.WITHDRAWN),
}


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
        """An Approve click: re-check everything, the earlier approvals too, count the approval,
        execute at the threshold."""
        record = self._clickable(request_id, origin, "approve")
        if record is None:
            return
        seen = self.s.store.lapses(record.id) if record.lapsed else {}  # read before judging
        decision = self.s.policy.check_approval(
            record, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        if self._allowed(record, origin, decision, "approve"):
            # Earlier approvers were judged with the click, before the store's lock: those who
            # could not approve now no longer count towards it, and those whose approvals had
            # lapsed when it read the request count again if they may approve now. A lapse
            # recorded since (anew, or found again) is a later judgement than this one: it
            # stands. Only those the click judged (who had approved when it read) count again.
            judged = set(record.approvers) - decision.lapsed
            back = {who: since for who, since in seen.items() if who in judged}
            counted = self.s.store.approve(
                record.id, approver=origin.user, lapsed=decision.lapsed, restored=back
            )
            self._counted(counted, record, origin)

    def reject(self, request_id: str, origin: Origin) -> None:
        """A Reject click by someone who may approve: ask for an optional reason in a dialog;
        if the dialog cannot be opened, reject at once without one (the decision stands)."""
        record = self._rejectable(request_id, origin)
        if record is None:
            return
        if origin.trigger_id and self._ask_reason(record, origin):
            return  # `reject_with_reason` decides when the dialog is submitted
        self._decide(record, origin, "reject")

    def reject_with_reason(self, request_id: str, origin: Origin, reason: str | None) -> None:
        """The Reject dialog was submitted: the same checks as the click, then reject."""
        record = self._rejectable(request_id, origin)
        if record is not None:
            self._decide(record, origin, "reject", reason=reason)

    def withdraw(self, request_id: str, origin: Origin) -> None:
        """A Withdraw click: the requester takes the request back."""
        record = self._clickable(request_id, origin, "withdraw")
        if record is None:
            return
        decision = self.s.policy.check_withdrawal(record, user=origin.user)
        if self._allowed(record, origin, decision, "withdraw"):
            self._decide(record, origin, "withdraw")

    def _rejectable(self, request_id: str, origin: Origin) -> RequestRecord | None:
        record = self._clickable(request_id, origin, "reject")
        if record is None:
            return None
        decision = self.s.policy.check_rejection(
            record, user=origin.user, channel=origin.channel, directory=self.s.directory
        )
        return record if self._allowed(record, origin, decision, "reject") else None

    def _ask_reason(self, record: RequestRecord, origin: Origin) -> bool:
        """Open the Reject dialog; False when Slack would not (an expired trigger, say)."""
        view = cards.reject_dialog(record, channel=origin.channel, message_ts=origin.message_ts)
        try:
            self.s.slack.open_view(str(origin.trigger_id), view)
        except SlackPostError as exc:
            log.warning("could not open the reject dialog for %s: %s", record.id, exc.error)
            return False
        return True

    def _counted(self, result: ApprovalResult, record: RequestRecord, origin: Origin) -> None:
        """Show what the store did with an approval; the one that completed it executes."""
        after = result.record or record
        if result.status is ApprovalStatus.EXECUTE:
            # The vendor call starts now; the card shows "executing" without holding it up.
            self._execution.run(after, first=lambda: self.replies.refresh_card_soon(after))
        elif result.status is ApprovalStatus.RECORDED:
            self.replies.refresh_card(after)
            self.replies.notice(origin, notices.approval_recorded(after))
        elif result.status is ApprovalStatus.COUNTED_AGAIN:
            self.replies.refresh_card(after)
            self.replies.notice(origin, notices.counted_again(after, record.lapsed, origin.user))
        elif result.status is ApprovalStatus.DUPLICATE:
            self._refuse(after, origin, "approve", refusals.duplicate(after))
        else:  # expired (here, just now), or decided by someone else since we read it
            if result.status is ApprovalStatus.EXPIRED:
                self.replies.settled(after)
            self._refuse(after, origin, "approve", refusals.ended(after, "approve"))

    def _decide(
        self, record: RequestRecord, origin: Origin, verb: str, *, reason: str | None = None
    ) -> None:
        to, event = _DECISIONS[verb]
        said = {"reason": reason} if reason else {}
        after = self.s.store.transition(
            record.id,
            to=to,
            event=event,
            actor=origin.user,
            detail={"channel": origin.channel, **said},
            outcome=ClosedOutcome(by=origin.user, note=reason or None),
        )
        if after is None:  # someone else decided first
            current = self.s.store.get(record.id) or record
            self._refuse(current, origin, verb, refusals.ended(current, verb))
            return
        self.replies.settled(after)

    def _clickable(self, request_id: str, origin: Origin, action: str) -> RequestRecord | None:
        """The record (as checked against its audit record) if this click may decide it;
        otherwise tell the clicker why not."""
        record = on_card(self.s, self.replies, request_id, origin, action)
        if record is None:
            return None
        current = record
        if rules.due_to_expire(record, self.replies.now()):
            self._sweeps.expire_due()
            current = self.s.store.get(request_id) or record  # for its state only
        if current.state is not RequestState.PENDING:
            self._refuse(current, origin, action, refusals.ended(current, action))
            return None
        return record

    def _allowed(
        self, record: RequestRecord, origin: Origin, decision: Decision, action: str
    ) -> bool:
        if decision.refusal is None:
            return True
        self._refuse(record, origin, action, decision.refusal)
        return False

    def _refuse(
        self, record: RequestRecord, origin: Origin, action: str, refusal: Refusal, **evidence: Any
    ) -> None:
        refuse_click(self.s, self.replies, record, origin, action, refusal, **evidence)


def refuse_click(
    services: Services,
    replies: Replies,
    record: RequestRecord,
    origin: Origin,
    action: str,
    refusal: Refusal,
    **evidence: Any,
) -> None:
    """Answer the clicker privately and record the refusal (in plain words) as ``denied``."""
    services.store.log(
        record.id,
        AuditEventName.DENIED,
        actor=origin.user,
        detail={
            "action": action,
            "reason": cards.plain(refusal),
            "channel": origin.channel,
            **evidence,
        },
    )
    replies.refuse(origin, refusal)


def on_card(
    services: Services,
    replies: Replies,
    request_id: str,
    origin: Origin,
    action: str,
    *,
    cardless: bool = False,
) -> RequestRecord | None:
    """The record, if this click came from its card; otherwise tell the clicker why not (a
    click from elsewhere is recorded ``denied``, with the mismatch). With `cardless`, a
    request that has no card is taken too (a review from App Home).

    A pending request that disagrees with its audit record ends failed (`integrity`) first,
    whoever clicked and from wherever: which card it is on is judged by its stored channel too.
    """
    try:
        record, problem = services.store.checked(request_id)
    except UnreadableRequestError as exc:
        log.error("%s: a %s click was refused", exc, action)
        replies.refuse(origin, refusals.unreadable_request(exc.request_id))
        return None
    if record is None:
        replies.refuse(origin, refusals.no_such_request(request_id))
        return None
    bind(request_id=record.id, operation=record.operation)  # the click's lines from here on
    if problem is not None:
        _end_unverified(services, replies, record, origin, action, problem)
        return None
    mismatch = card_mismatch(record, origin)
    if mismatch and not (cardless and record.message_ts is None):
        refusal = refusals.not_its_card(record)
        refuse_click(services, replies, record, origin, action, refusal, mismatch=mismatch)
        return None
    return record


def _end_unverified(
    services: Services,
    replies: Replies,
    record: RequestRecord,
    origin: Origin,
    action: str,
    problem: str,
) -> None:
    """End a pending request its audit record does not bear out: its card says the integrity
    check failed and its requester is told, as when the check before a vendor call fails. If
    another click ended it first, the clicker is told so instead."""
    after = fail_integrity(services.store, record, problem)
    if after is None:
        current = services.store.get(record.id) or record
        refuse_click(services, replies, current, origin, action, refusals.ended(current, action))
        return
    replies.settled(after)


def card_mismatch(record: RequestRecord, origin: Origin) -> dict[str, dict[str, str | None]]:
    """What about a click does not match the request's card: ``{"channel": {"card": …,
    "click": …}, "message_ts": {…}}``, empty when it came from the card itself.

    A request whose card was never posted has no card to click.
    """
    found: dict[str, dict[str, str | None]] = {}
    if record.message_ts is None or origin.message_ts != record.message_ts:
        found["message_ts"] = {"card": record.message_ts, "click": origin.message_ts}
    if origin.channel != record.channel:
        found["channel"] = {"card": record.channel, "click": origin.channel}
    return found
