"""The rules about one request, each with one home. Pure functions, no I/O.

Whoever applies a rule (the policy at a click, the store inside its write transaction, the
lifecycle, the cards) calls the function here, so they cannot drift apart:

- the threshold: `requester_confirms_alone`, `approvals_to_complete`, `is_complete`,
  `counted`, `approvals_left`;
- the duplicate approver: `already_approved`;
- self-approval: `requester_excluded`, `approvers_available`;
- staleness (a request made under a laxer policy): `is_stale`;
- the final state of an execution: `final_state` (what its outcome says happened, and Stop);
- expiry: `past_deadline`, `due_to_expire`. The store finds due requests in SQL with
  ``state = 'pending' AND expires_at <= :now`` (`bot.store.Store.expire_due`), which is
  `due_to_expire` written for SQLite: the deadline itself is already too late;
- overlap (one target, one open request at a time): `holds_targets`, `shared_targets`, applied
  by the store inside the transaction that creates a request;
- reading (who may see a request in `/ops status` and `/ops history`): `Reader`, `may_read`,
  which the store's history query also writes in SQL;
- reminders and break-glass reviews (SPEC §8, §11): `reminder_due`, `review_due`,
  `awaiting_review`; the store finds overdue ones in SQL from the stored times;
- stopping a bulk run: `vendor_calls`, `stoppable`;
- what runs is what was shown: `sandbox_changed` (a request made against a vendor's sandbox
  never reaches the real vendor, nor the other way round);
- Request again: `offers_again`, `again_targets` (their home is `bot.model.again`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, assert_never

from adapters.base import Outcome
from bot.model.again import again_targets as again_targets
from bot.model.again import failed_integrity as failed_integrity
from bot.model.again import offers_again as offers_again
from bot.model.outcomes import (
    SANDBOX_CHANGED_ERROR,
    ClosedOutcome,
    FailedOutcome,
    RequestOutcome,
    UnknownOutcome,
)
from bot.model.records import PolicySnapshot, RequestRecord
from bot.model.states import RequestState


def requester_confirms_alone(approvals_needed: int) -> bool:
    """True when nobody but the requester decides: ``approvals = 0``."""
    return approvals_needed == 0


def approvals_to_complete(approvals_needed: int) -> int:
    """How many approvals complete a request that needs `approvals_needed`.

    ``0`` means the requester confirms alone: their one confirmation completes it.
    """
    return 1 if requester_confirms_alone(approvals_needed) else approvals_needed


def is_complete(approvals: int, approvals_needed: int) -> bool:
    """True when `approvals` distinct approvals complete a request needing `approvals_needed`."""
    return approvals >= approvals_to_complete(approvals_needed)


def counted(approvers: Iterable[str], lapsed: Collection[str]) -> tuple[str, ...]:
    """The `approvers` whose approvals count: all but the `lapsed` ones, whose approvers could
    no longer approve the request when they were last judged (SPEC §2: at the moment of the
    click that would complete it, every approval must come from someone who may approve)."""
    return tuple(approver for approver in approvers if approver not in lapsed)


def approvals_left(record: RequestRecord) -> int:
    """How many more approvals (or confirmations) `record` needs before it executes."""
    have = len(counted(record.approvers, record.lapsed))
    return max(approvals_to_complete(record.approvals_needed) - have, 0)


def already_approved(record: RequestRecord, user: str) -> bool:
    """True when `user` has approved (or confirmed) `record` already: nobody counts twice."""
    return user in record.approvers


def requester_excluded(record: RequestRecord, user: str, *, self_approval: bool) -> bool:
    """True when `user` is the requester and may not count as an approver of their own request."""
    return user == record.requester and not self_approval


def approvers_available(users: Collection[str], *, requester: str, self_approval: bool) -> int:
    """How many of the distinct `users` may count towards a request by `requester`."""
    distinct = set(users)
    if not self_approval:
        distinct.discard(requester)
    return len(distinct)


def is_stale(record: RequestRecord, approvals_now: int) -> bool:
    """True when `record` was made needing fewer approvals than the policy asks for now.

    Approvals never count towards such a request: the requester withdraws it and asks again.
    """
    return record.approvals_needed < approvals_now


def past_deadline(record: RequestRecord, now: datetime) -> bool:
    """True once `now` has reached the request's deadline (``expires_at <= now``)."""
    return record.expires_at <= now


def due_to_expire(record: RequestRecord, now: datetime) -> bool:
    """True when `record` is still pending but past its deadline, so it must become expired."""
    return record.state is RequestState.PENDING and past_deadline(record, now)


#: The states in which a request holds its targets: a new request for any of them is refused.
HOLDING_STATES = frozenset({RequestState.PENDING, RequestState.EXECUTING})


def holds_targets(state: RequestState) -> bool:
    """True while a request in `state` may still act on its targets (pending or executing)."""
    return state in HOLDING_STATES


def shared_targets(targets: Iterable[str], held: Collection[str]) -> tuple[str, ...]:
    """The `targets` (in their order, once each) that are also in `held`.

    Two requests of one operation overlap when this is not empty.
    """
    held_set = set(held)
    return tuple(dict.fromkeys(t for t in targets if t in held_set))


@dataclass(frozen=True)
class Reader:
    """Who is asking to read requests, and where.

    Attributes:
        user: The Slack user asking.
        channel: The channel (or DM) the question was asked in.
        approves: The operations `user` may approve (from the policy).
    """

    user: str
    channel: str
    approves: frozenset[str] = frozenset()


class Made(Protocol):
    """What the reading rule asks of a request: who made it, of which operation, in which
    channel, under which policy (None: not recorded). A `RequestRecord`, or what a request's
    first event records of it when its row cannot be read."""

    @property
    def requester(self) -> str: ...

    @property
    def operation(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def policy(self) -> PolicySnapshot | None: ...


def may_read(record: Made, reader: Reader) -> bool:
    """True when `reader` may see `record`: they requested it, they may approve it, or they ask
    in the channel where it was made (SPEC §8 "Reading")."""
    return (
        record.requester == reader.user
        or record.operation in reader.approves
        or record.channel == reader.channel
    )


def reminder_due(created_at: datetime, policy: PolicySnapshot) -> datetime | None:
    """When the approvers of a request made at `created_at` are reminded, if it is still
    pending: at half its ttl. None when the policy says not to (`remind = false`) or nobody but
    the requester decides."""
    if not policy.remind or requester_confirms_alone(policy.approvals):
        return None
    return created_at + policy.ttl / 2


def review_due(created_at: datetime, policy: PolicySnapshot) -> datetime:
    """When a break-glass request run at `created_at` should have been reviewed by."""
    return created_at + policy.review_within


#: The states of a request that ran (or tried to): a break-glass one is reviewed in these.
RAN_STATES = frozenset(
    {RequestState.SUCCEEDED, RequestState.FAILED, RequestState.UNKNOWN, RequestState.STOPPED}
)


def awaiting_review(record: RequestRecord) -> bool:
    """True when `record` ran with break-glass, has ended, and nobody has reviewed it yet."""
    return (
        record.break_glass is not None and record.reviewed_by is None and record.state in RAN_STATES
    )


def vendor_calls(targets: int, per_call: int) -> int:
    """How many vendor calls `targets` targets take at `per_call` targets a call."""
    return math.ceil(targets / max(per_call, 1))


def stoppable(record: RequestRecord, *, calls: int) -> bool:
    """True while `record` is executing a run of more than one vendor call (`calls`) and no
    stop has been asked for: Stop can still keep calls from being sent."""
    return record.state is RequestState.EXECUTING and calls > 1 and record.stop_requested_by is None


def sandbox_changed(record: RequestRecord, *, sandboxed_now: bool) -> FailedOutcome | None:
    """Why `record` must not be sent now, or None when its vendor is served as when it was
    requested. Its card said SANDBOX ("nothing real changes") or did not, and the approvers
    approved that: once a vendor's credentials are set (or taken away) between the request
    and its approval, or replicas disagree about it, the request fails with nothing sent."""
    if record.sandbox == sandboxed_now:
        return None
    vendor = record.vendor
    if record.sandbox:
        said = (
            f"it was requested while {vendor} was sandboxed (its card said nothing real "
            f"changes), and {vendor} is now the real vendor"
        )
    else:
        said = f"it was requested for the real {vendor}, and {vendor} is now sandboxed"
    return FailedOutcome(
        error=SANDBOX_CHANGED_ERROR,
        message=f"opsgate did not call the vendor: {said}",
        next_step="Request it again, so that the approvers see what would run now.",
    )


def final_state(outcome: RequestOutcome, *, stopped: bool = False) -> RequestState:
    """The state an executed request ends in, from what its outcome says happened.

    - someone pressed Stop (`stopped`) and some targets were not sent: `stopped`, whatever the
      others did (the card counts them all);

    - every target succeeded: `succeeded`;
    - any target unknown (no usable answer), or the whole call: `unknown`, even when others
      succeeded or failed: an engineer must check at the vendor before anything is requested
      again, and it is never retried;
    - otherwise any target failed or not sent, or the call failed: `failed` (the card says how
      many succeeded, so a partial run reads "partly failed").

    Raises:
        ValueError: `outcome` is a `ClosedOutcome`: no call was made.
    """
    match outcome:
        case Outcome(counts=counts):
            if stopped and counts.not_sent:
                return RequestState.STOPPED
            if counts.unknown:
                return RequestState.UNKNOWN
            if counts.failed or counts.not_sent:
                return RequestState.FAILED
            return RequestState.SUCCEEDED
        case FailedOutcome():
            return RequestState.FAILED
        case UnknownOutcome():
            return RequestState.UNKNOWN
        case ClosedOutcome():
            raise ValueError("a closed request made no vendor call, so it has no final state")
        case _:
            assert_never(outcome)
